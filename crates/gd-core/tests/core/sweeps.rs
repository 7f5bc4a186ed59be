//! Sweeps are bit-identical at any thread count, and merged shards equal the whole sweep.

use crate::support::f2;
use gd_core::shard_file;
use gd_core::{
    Attractor, Grid, RunConfig, Schedule, Shard, SweepOptions, merge_shards, run_gd, sweep,
    sweep_shard,
};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Outcome {
    eta: f64,
    x0: f64,
    kind: String,
    period: Option<usize>,
    iterations: usize,
    end: Option<f64>,
}

/// An orbit-diagram style task: η from the first axis, x₀ from the second plus a random
/// jitter drawn from the task's own stream.
fn task(grid: &Grid, index: usize, rng: &mut ChaCha8Rng) -> Outcome {
    let (i, j) = grid.coordinates2(index);
    let eta = 0.05 + 0.5 * i as f64 / 11.0;
    let x0 = 3.0 * j as f64 / 11.0 + rng.random_range(-1e-3..1e-3);
    let config = RunConfig {
        max_iterations: 3000,
        lyapunov_iterations: 50,
        ..RunConfig::default()
    };
    let t = run_gd(&f2(), &[x0], Schedule::constant(eta).unwrap(), &config).unwrap();
    Outcome {
        eta,
        x0,
        kind: t.attractor.kind().to_string(),
        period: t.attractor.period(),
        iterations: t.iterations,
        end: t.final_state.map(|s| s.parameters[0]),
    }
}

fn run_with_threads(threads: usize, grid: &Grid, options: &SweepOptions) -> Vec<Outcome> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| sweep(grid.len(), options, |i, rng| task(grid, i, rng)).unwrap())
}

/// A bit-exact fingerprint: serde_json with `float_roundtrip` prints every f64 exactly.
fn bits(v: &[Outcome]) -> String {
    serde_json::to_string(v).unwrap()
}

#[test]
fn a_sweep_is_bit_identical_at_one_and_two_threads() {
    let grid = Grid::new(&[12, 12]).unwrap();
    let options = SweepOptions::seeded(42);
    let one = run_with_threads(1, &grid, &options);
    let two = run_with_threads(2, &grid, &options);
    assert_eq!(bits(&one), bits(&two));
    // The grid spans converging, periodic and diverging runs, so the check is not vacuous.
    let kinds: std::collections::BTreeSet<&str> = one.iter().map(|o| o.kind.as_str()).collect();
    assert!(
        kinds.contains("fixed_point") && kinds.contains("diverged"),
        "{kinds:?}"
    );
}

#[test]
fn four_shards_written_read_and_merged_equal_the_unsharded_sweep() {
    let grid = Grid::new(&[12, 12]).unwrap();
    let options = SweepOptions::seeded(42);
    let whole = sweep(grid.len(), &options, |i, rng| task(&grid, i, rng)).unwrap();
    let dir = std::env::temp_dir().join(format!("gd-core-shards-{}", std::process::id()));
    let what = serde_json::json!({"grid": [12, 12]});
    let mut shards = Vec::new();
    for s in (0..4).rev() {
        let shard = Shard::new(s, 4).unwrap();
        let part = sweep_shard(grid.len(), &options, shard, |i, rng| task(&grid, i, rng)).unwrap();
        shard_file::write_sweep(&dir, what.clone(), &part).unwrap();
        shards.push(part);
    }
    let (asked, read) = shard_file::read_sweep::<Outcome>(&dir).unwrap();
    assert_eq!(asked, what);
    assert_eq!(bits(&read), bits(&whole));
    let merged = merge_shards(shards.clone()).unwrap();
    assert_eq!(bits(&merged), bits(&whole));

    shards.pop();
    let missing = merge_shards(shards).unwrap_err();
    assert!(
        missing.to_string().contains("expected 4 shards"),
        "{missing}"
    );
    std::fs::remove_file(dir.join(shard_file::file_name(Shard::new(2, 4).unwrap()))).unwrap();
    let missing = shard_file::read_sweep::<Outcome>(&dir).unwrap_err();
    assert!(
        missing.to_string().contains("shard 2 of 4 is missing"),
        "{missing}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A sweep whose results hold NaN and ±∞ (a diverged run's loss, a missing sharpness) merges
/// from its shard files to the same values: the shard file keeps every float.
#[test]
fn non_finite_results_survive_the_shard_files() {
    let special = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.0, 1.5];
    let options = SweepOptions::seeded(7);
    let result = |i: usize| {
        (
            special[i % 5],
            vec![special[(i + 1) % 5]; i % 3],
            Some(special[(i + 2) % 5]),
        )
    };
    let whole = sweep(20, &options, |i, _| result(i)).unwrap();
    let dir =
        std::env::temp_dir().join(format!("gd-core-shards-non-finite-{}", std::process::id()));
    for s in 0..3 {
        let part = sweep_shard(20, &options, Shard::new(s, 3).unwrap(), |i, _| result(i)).unwrap();
        shard_file::write_sweep(&dir, serde_json::Value::Null, &part).unwrap();
    }
    let (_, read) = shard_file::read_sweep::<(f64, Vec<f64>, Option<f64>)>(&dir).unwrap();
    let key = |r: &(f64, Vec<f64>, Option<f64>)| {
        let b = |x: f64| if x.is_nan() { u64::MAX } else { x.to_bits() };
        (
            b(r.0),
            r.1.iter().map(|x| b(*x)).collect::<Vec<_>>(),
            r.2.map(b),
        )
    };
    assert_eq!(
        read.iter().map(key).collect::<Vec<_>>(),
        whole.iter().map(key).collect::<Vec<_>>()
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn grid_coordinates_are_row_major() {
    let grid = Grid::new(&[3, 4, 5]).unwrap();
    let mut c = [0; 3];
    grid.coordinates(5 * 4 + 2 * 5 + 3, &mut c);
    assert_eq!(c, [1, 2, 3]);
    assert_eq!(Grid::new(&[3, 4]).unwrap().coordinates2(7), (1, 3));
}

#[test]
fn every_attractor_kind_round_trips_through_json_bit_for_bit() {
    let a = Attractor::Periodic {
        period: 2,
        orbit: vec![vec![0.1 + 0.2], vec![-1e-300]],
        exact: true,
    };
    let back: Attractor = serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
    assert_eq!(a, back);
}

#[test]
fn scalar_map_final_states_are_bit_identical_at_one_two_and_three_threads() {
    use gd_core::scalar_map::{LaneConfig, final_states};
    let derivative = f2().df;
    let etas: Vec<f64> = (0..24).map(|i| 0.05 + 0.55 * i as f64 / 23.0).collect();
    let starts: Vec<f64> = (0..40).map(|i| 3.0 * i as f64 / 39.0).collect();
    let config = LaneConfig::new(2000, 1e6);
    let on = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let states = pool.install(|| final_states(derivative, &etas, &starts, &config).unwrap());
        serde_json::to_string(&states).unwrap()
    };
    let one = on(1);
    assert_eq!(one, on(2));
    assert_eq!(one, on(3));
    assert!(one.contains("\"diverged\":true") && one.contains("\"diverged\":false"));
}
