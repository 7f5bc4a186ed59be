//! Bad input is a typed error with a clear message, never a panic or a silent NaN.

use crate::support::{Quadratic, f1};
use gd_core::spectrum::symmetric_eigenvalues;
use gd_core::{
    Attractor, CoreError, Grid, Lanczos, LanczosOptions, RunConfig, Schedule, SweepOptions,
    linearize, run_gd, sweep,
};
use gd_core::{Shard, shard_file};

#[test]
fn invalid_step_sizes_are_rejected() {
    for eta in [0.0, -0.1, f64::NAN, f64::INFINITY] {
        // A schedule is built validated, so no run can start with a bad step.
        let err = Schedule::constant(eta).unwrap_err();
        assert!(matches!(err, CoreError::InvalidStepSize { .. }), "{err}");
        assert!(
            err.to_string()
                .contains("step size eta must be finite and > 0"),
            "{err}"
        );
        assert!(Schedule::piecewise(vec![5], vec![0.1, eta]).is_err());
        assert!(Schedule::exponential(eta, 0.9).is_err());
        assert!(linearize(&f1(), &[1.0], eta, 1e-12).is_err());
    }
    // A function schedule is checked at every tabulated step when it is built.
    let err = Schedule::from_fn(10, |k| if k < 3 { 0.1 } else { 0.0 }).unwrap_err();
    assert!(
        matches!(err, CoreError::InvalidScheduledStep { iteration: 3, .. }),
        "{err}"
    );
    assert!(Schedule::exponential(0.1, 1.5).is_err());
    assert!(Schedule::piecewise(vec![5, 5], vec![0.1, 0.1, 0.1]).is_err());
    assert!(Schedule::tabulated(Vec::new()).is_err());
}

#[test]
fn wrong_shapes_and_non_finite_inputs_are_rejected() {
    let q = Quadratic::with_spectrum(&[1.0, 2.0], 0);
    let err = run_gd(
        &q,
        &[1.0, 2.0, 3.0],
        Schedule::constant(0.1).unwrap(),
        &RunConfig::default(),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            CoreError::DimensionMismatch {
                expected: 2,
                found: 3,
                ..
            }
        ),
        "{err}"
    );
    let err = run_gd(
        &q,
        &[1.0, f64::NAN],
        Schedule::constant(0.1).unwrap(),
        &RunConfig::default(),
    )
    .unwrap_err();
    assert!(matches!(err, CoreError::NonFinite { .. }), "{err}");
    let nan = faer::mat![[1.0, f64::NAN], [f64::NAN, 1.0]];
    assert!(matches!(
        symmetric_eigenvalues(nan.as_ref()),
        Err(CoreError::NonFinite { .. })
    ));
    let asym = faer::mat![[1.0, 100.0], [0.0, 1.0]];
    assert!(matches!(
        symmetric_eigenvalues(asym.as_ref()),
        Err(CoreError::NotSymmetric { .. })
    ));
}

#[test]
fn a_diverging_run_is_a_result_not_an_error() {
    // f1 with a huge step from a huge start: |x| grows past the bound.
    let q = Quadratic::with_spectrum(&[1.0, 3.0], 0);
    let t = run_gd(
        &q,
        &[1.0, 1.0],
        Schedule::constant(10.0).unwrap(),
        &RunConfig::default(),
    )
    .unwrap();
    let Attractor::Diverged { at_iteration } = t.attractor else {
        panic!("{:?}", t.attractor);
    };
    assert!(at_iteration > 0 && at_iteration < 100);
}

#[test]
fn empty_and_oversized_grids_are_rejected() {
    assert!(matches!(
        Grid::new(&[10, 0]),
        Err(CoreError::EmptyGrid { .. })
    ));
    assert!(matches!(
        Grid::new(&[usize::MAX, 3]),
        Err(CoreError::GridTooLarge { .. })
    ));
    let options = SweepOptions::seeded(0);
    assert!(matches!(
        sweep(0, &options, |_, _| 0.0),
        Err(CoreError::EmptyGrid { .. })
    ));
    let options = SweepOptions {
        bytes_per_result: Some(1 << 20),
        ..SweepOptions::seeded(0)
    };
    let err = sweep(1 << 20, &options, |_, _| 0.0).unwrap_err();
    assert!(err.to_string().contains("split it into shards"), "{err}");
}

#[test]
fn malformed_configs_and_shard_files_are_rejected() {
    let bad = RunConfig {
        max_period: 0,
        ..RunConfig::default()
    };
    assert!(matches!(
        run_gd(&f1(), &[1.0], Schedule::constant(0.1).unwrap(), &bad),
        Err(CoreError::OutOfRange {
            field: "max_period",
            ..
        })
    ));
    assert!(Shard::new(4, 4).is_err());
    assert!(
        Lanczos::new(LanczosOptions {
            top_k: 0,
            ..LanczosOptions::default()
        })
        .is_err()
    );
    let unknown_field: Result<RunConfig, _> = serde_json::from_str(
        r#"{"max_iterations":1,"max_period":1,"divergence_bound":1.0,"gradient_tolerance":null,"tolerance":0.0,"lyapunov_iterations":1,"colour":"red"}"#,
    );
    assert!(unknown_field.is_err());
    let dir = std::env::temp_dir().join(format!("gd-core-bad-shard-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    assert!(matches!(
        shard_file::read_sweep::<f64>(&dir),
        Err(CoreError::Shards { reason, .. }) if reason.contains("no shard-*.json file")
    ));
    std::fs::write(dir.join("shard-00000-of-00001.json"), "{not json").unwrap();
    assert!(matches!(
        shard_file::read_sweep::<f64>(&dir),
        Err(CoreError::Shards { reason, .. }) if reason.contains("is not a shard file")
    ));
    let file = shard_file::ShardFile::new(
        serde_json::json!({"what": null, "tasks": 3, "seed": 0}),
        Shard::new(0, 1).unwrap(),
        &["a", "b", "c"],
    )
    .unwrap();
    shard_file::write(&dir, &file).unwrap();
    assert!(matches!(
        shard_file::read_sweep::<f64>(&dir),
        Err(CoreError::Shards { reason, .. }) if reason.contains("does not hold this run's results")
    ));
    let short = shard_file::ShardFile::new(
        serde_json::json!({"what": null, "tasks": 4, "seed": 0}),
        Shard::new(0, 1).unwrap(),
        &[1.0, 2.0, 3.0],
    )
    .unwrap();
    shard_file::write(&dir, &short).unwrap();
    assert!(matches!(
        shard_file::read_sweep::<f64>(&dir),
        Err(CoreError::Shards { reason, .. }) if reason.contains("holds 3 units, expected 4")
    ));
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(matches!(
        shard_file::read_sweep::<f64>(&dir),
        Err(CoreError::Shards { reason, .. }) if reason.contains("cannot be read")
    ));
}

#[test]
fn a_non_finite_gradient_or_hessian_is_never_inside_a_result() {
    // f(x) = |x| with a gradient that is NaN from 0 on: from x₀ = 1 at η = 0.25 the state
    // reaches 0 exactly at the fourth step, the last of the budget, so the gradient first turns
    // NaN at the end state. That state diverges at its next step: Diverged, not a NaN residual.
    let f = crate::support::Scalar {
        f: |x| x.abs(),
        df: |x| if x > 0.0 { 1.0 } else { f64::NAN },
        d2f: |_| 0.0,
    };
    let config = RunConfig {
        max_iterations: 4,
        ..RunConfig::default()
    };
    let t = run_gd(&f, &[1.0], Schedule::constant(0.25).unwrap(), &config).unwrap();
    assert_eq!(
        t.attractor,
        Attractor::Diverged { at_iteration: 4 },
        "{t:?}"
    );
    assert!(t.final_state.is_none());
    // One step earlier the end state is finite and the run is reported as such.
    let config = RunConfig {
        max_iterations: 3,
        ..RunConfig::default()
    };
    let t = run_gd(&f, &[1.0], Schedule::constant(0.25).unwrap(), &config).unwrap();
    let state = t.final_state.unwrap();
    assert!(state.loss.is_finite() && state.gradient_norm.is_finite());

    let nan = faer::Mat::<f64>::from_fn(2, 2, |i, j| if i == j { f64::NAN } else { 0.0 });
    assert!(matches!(
        gd_core::gd_jacobian(nan.as_ref(), 0.1),
        Err(CoreError::NonFinite { what: "Hessian" })
    ));
}

#[test]
fn budgets_beyond_the_cap_are_refused_with_the_cap_in_the_message() {
    let config = RunConfig {
        max_iterations: usize::MAX,
        ..RunConfig::default()
    };
    let err = run_gd(&f1(), &[1.0], Schedule::constant(0.1).unwrap(), &config).unwrap_err();
    assert!(
        err.to_string().contains("max_iterations")
            && err
                .to_string()
                .contains(&gd_core::MAX_ITERATIONS.to_string()),
        "{err}"
    );
    let lanes = gd_core::scalar_map::LaneConfig::new(gd_core::MAX_ITERATIONS + 1, 1e6);
    let err = gd_core::scalar_map::final_states(|x| x, &[0.1], &[1.0], &lanes).unwrap_err();
    assert!(err.to_string().contains("iterations"), "{err}");
}
