//! A sweep split into shards (as array jobs on a cluster would run it), each written to a file,
//! then merged and compared with the unsharded run: equal bit for bit.
//!
//! `cargo run --release --example sharded_sweep [OUTPUT_FOLDER]`

#[path = "support/output.rs"]
mod output;

use rand::RngExt;
use stepsize::dynamics::analyses::attractor_of;
use stepsize::dynamics::num_dual::DualNum;
use stepsize::dynamics::{
    Attractor, Autodiff, Loss, Shard, SweepOptions, shard_file, sweep, sweep_shard,
};

struct DoubleWell;

impl Loss for DoubleWell {
    fn dim(&self) -> usize {
        1
    }
    fn loss<D: DualNum<Primitive = f64> + Copy>(&self, t: &[D]) -> D {
        (t[0] * t[0] - 1.0).powi(2)
    }
}

/// Task i: a random start in (−2, 2) at η = 0.1 + 0.2·i/N; 1 if GD ends at a fixed point.
fn task(i: usize, rng: &mut rand_chacha::ChaCha8Rng) -> f64 {
    let eta = 0.1 + 0.2 * i as f64 / 400.0;
    let x0: f64 = rng.random_range(-2.0..2.0);
    match attractor_of(&Autodiff::new(DoubleWell), &[x0], eta).map(|t| t.attractor) {
        Ok(Attractor::FixedPoint { .. }) => 1.0,
        _ => 0.0,
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (tasks, shards, options) = (400, 3, SweepOptions::seeded(11));
    let folder = output::output_folder().join("double-well-shards");
    let what = serde_json::json!({"loss": "(x^2 - 1)^2", "eta": "0.1 + 0.2 i/N"});
    for index in 0..shards {
        let part = sweep_shard(tasks, &options, Shard::new(index, shards)?, task)?;
        shard_file::write_sweep(&folder, what.clone(), &part)?;
    }
    let (asked, merged) = shard_file::read_sweep::<f64>(&folder)?;
    assert_eq!(asked, what);
    let whole = sweep(tasks, &options, task)?;
    assert_eq!(
        merged, whole,
        "merged shards differ from the unsharded sweep"
    );
    println!(
        "{shards} shards of {tasks} tasks merged: identical to the unsharded sweep; {} of {tasks} runs end at a fixed point",
        whole.iter().sum::<f64>()
    );
    Ok(())
}

#[test]
fn runs() {
    main().unwrap();
}
