//! The library's bad-input corpus: each case is a call a user could make with a wrong value.
//! Every one must return the typed error that names the parameter (and, where it has one, the
//! value), with no panic and nothing allocated in proportion to the bad number first (the
//! huge-size cases would abort the test process if they allocated).

use std::panic::{AssertUnwindSafe, catch_unwind};
use stepsize::dynamics::faer::Mat;
use stepsize::dynamics::scalar_map::{LaneConfig, final_states, iterate_lane};
use stepsize::dynamics::{
    CoreError, Grid, Lanczos, LanczosOptions, Objective, RunConfig, Schedule, Shard, ShardResults,
    SweepOptions, extreme_eigenvalues, gd_jacobian, largest_lyapunov_exponent, linearize,
    merge_shards, run_gd, shard_file, sweep,
};
use stepsize::models::{DeepLinear, ModelError, SharpWells, Well, example2, example3};
use stepsize::theory::TheoryError;

/// An objective with no parameters.
struct Empty;

impl Objective for Empty {
    type Workspace = ();
    fn dim(&self) -> usize {
        0
    }
    fn workspace(&self) {}
    fn loss(&self, _: &[f64], _: &mut ()) -> f64 {
        0.0
    }
    fn loss_and_gradient(&self, _: &[f64], _: &mut [f64], _: &mut ()) -> f64 {
        0.0
    }
    fn hessian_vector_product(&self, _: &[f64], _: &[f64], _: &mut [f64], _: &mut ()) {}
}

/// ½x²: at η = 1 the GD map sends everything to 0 in one step (superstable).
fn half_square() -> stepsize::models::Scalar {
    stepsize::models::Scalar::new("x^2/2", |x| 0.5 * x * x, |x| x, |_| 1.0)
}

/// Runs `call`, which must not panic and must fail; its message must contain every `needle`.
fn refused<T, E: std::fmt::Display>(
    name: &str,
    call: impl FnOnce() -> Result<T, E>,
    needles: &[&str],
) -> E {
    let outcome = catch_unwind(AssertUnwindSafe(call));
    let Ok(result) = outcome else {
        panic!("{name}: panicked");
    };
    let Err(e) = result else {
        panic!("{name}: accepted");
    };
    let message = e.to_string();
    for needle in needles {
        assert!(
            message.contains(needle),
            "{name}: `{message}` does not mention `{needle}`"
        );
    }
    e
}

fn config(change: impl FnOnce(&mut RunConfig)) -> RunConfig {
    let mut c = RunConfig::default();
    change(&mut c);
    c
}

fn run_with(c: RunConfig) -> Result<(), CoreError> {
    run_gd(&example2(), &[1.5], Schedule::constant(0.1)?, &c).map(drop)
}

fn shard(total: usize, index: usize, count: usize, results: Vec<f64>) -> ShardResults<f64> {
    ShardResults {
        total_tasks: total,
        seed: 1,
        shard: Shard { index, count },
        first_task: 0,
        results,
    }
}

fn slurm(vars: &'static [(&'static str, &'static str)]) -> Option<Result<Shard, CoreError>> {
    Shard::from_slurm_variables(|name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    })
}

#[test]
fn the_core_refuses_bad_input_by_name() {
    let mut count = 0;
    let mut case = |name: &str, needles: &[&str], call: &dyn Fn() -> Result<(), CoreError>| {
        refused(name, call, needles);
        count += 1;
    };
    case("eta = 0", &["eta", "0"], &|| {
        Schedule::constant(0.0).map(drop)
    });
    case("eta = NaN", &["eta", "NaN"], &|| {
        Schedule::constant(f64::NAN).map(drop)
    });
    case("eta = inf", &["eta", "inf"], &|| {
        Schedule::constant(f64::INFINITY).map(drop)
    });
    case("gamma > 1", &["gamma", "1.5"], &|| {
        Schedule::exponential(0.1, 1.5).map(drop)
    });
    case("boundaries decrease", &["boundaries", "[5, 3]"], &|| {
        Schedule::piecewise(vec![5, 3], vec![0.1; 3]).map(drop)
    });
    case(
        "etas vs boundaries",
        &["piecewise etas", "1 values"],
        &|| Schedule::piecewise(vec![5], vec![0.1]).map(drop),
    );
    case("empty table", &["tabulated schedule", "empty"], &|| {
        Schedule::tabulated(vec![]).map(drop)
    });
    case(
        "a 2^64-step table",
        &["steps", &usize::MAX.to_string()],
        &|| Schedule::from_fn(usize::MAX, |_| 0.1).map(drop),
    );
    case(
        "theta0 wrong length",
        &["theta0", "expected 1", "got 2"],
        &|| {
            run_gd(
                &example2(),
                &[1.0, 2.0],
                Schedule::constant(0.1)?,
                &RunConfig::default(),
            )
            .map(drop)
        },
    );
    case("theta0 NaN", &["theta0", "non-finite"], &|| {
        run_gd(
            &example2(),
            &[f64::NAN],
            Schedule::constant(0.1)?,
            &RunConfig::default(),
        )
        .map(drop)
    });
    case("max_period = 0", &["max_period", "0"], &|| {
        run_with(config(|c| c.max_period = 0))
    });
    case(
        "max_period = usize::MAX",
        &["max_period", &usize::MAX.to_string()],
        &|| run_with(config(|c| c.max_period = usize::MAX)),
    );
    case(
        "max_iterations = i64::MAX",
        &["max_iterations", "cap"],
        &|| run_with(config(|c| c.max_iterations = i64::MAX as usize)),
    );
    case(
        "divergence_bound NaN",
        &["divergence_bound", "NaN"],
        &|| run_with(config(|c| c.divergence_bound = f64::NAN)),
    );
    case("tolerance < 0", &["tolerance", "-1"], &|| {
        run_with(config(|c| c.tolerance = -1.0))
    });
    case(
        "gradient_tolerance inf",
        &["gradient_tolerance", "inf"],
        &|| run_with(config(|c| c.gradient_tolerance = Some(f64::INFINITY))),
    );
    case(
        "lyapunov_iterations 1",
        &["lyapunov_iterations", "1"],
        &|| run_with(config(|c| c.lyapunov_iterations = 1)),
    );
    case("Lyapunov over 1 step", &["iterations", "1"], &|| {
        largest_lyapunov_exponent(&example2(), &[1.5], 0.1, 0, 1).map(drop)
    });
    case("Lyapunov at a superstable point", &["superstable"], &|| {
        largest_lyapunov_exponent(&half_square(), &[1.0], 1.0, 0, 100).map(drop)
    });
    case(
        "linearize a 0-dim objective",
        &["objective dimension", "0"],
        &|| linearize(&Empty, &[], 0.1, 1e-9).map(drop),
    );
    case(
        "extremes of a 0-dim objective",
        &["objective dimension", "0"],
        &|| extreme_eigenvalues(&Empty, &[]).map(drop),
    );
    case(
        "Jacobian of a NaN Hessian",
        &["Hessian", "non-finite"],
        &|| gd_jacobian(Mat::from_fn(2, 2, |_, _| f64::NAN).as_ref(), 0.1).map(drop),
    );
    case(
        "Jacobian of a non-square Hessian",
        &["Hessian", "expected 2", "got 3"],
        &|| gd_jacobian(Mat::<f64>::zeros(2, 3).as_ref(), 0.1).map(drop),
    );
    case("Lanczos top_k 0", &["top_k", "0"], &|| {
        Lanczos::new(LanczosOptions {
            top_k: 0,
            ..LanczosOptions::default()
        })
        .map(drop)
    });
    case(
        "Lanczos tolerance NaN",
        &["relative_tolerance", "NaN"],
        &|| {
            Lanczos::new(LanczosOptions {
                relative_tolerance: f64::NAN,
                ..LanczosOptions::default()
            })
            .map(drop)
        },
    );
    case("shard 5 of 4", &["shard index", "5", "0..4"], &|| {
        Shard::new(5, 4).map(drop)
    });
    case("0 shards", &["shard count", "0"], &|| {
        Shard::new(0, 0).map(drop)
    });
    case(
        "Slurm id not a number",
        &["SLURM_ARRAY_TASK_ID", "\"3a\""],
        &|| {
            slurm(&[
                ("SLURM_ARRAY_TASK_ID", "3a"),
                ("SLURM_ARRAY_TASK_COUNT", "4"),
            ])
            .unwrap()
            .map(drop)
        },
    );
    case(
        "Slurm count missing",
        &["SLURM_ARRAY_TASK_COUNT", "unset"],
        &|| slurm(&[("SLURM_ARRAY_TASK_ID", "3")]).unwrap().map(drop),
    );
    case(
        "Slurm id below min",
        &["SLURM_ARRAY_TASK_ID", "2", "SLURM_ARRAY_TASK_MIN (5)"],
        &|| {
            slurm(&[
                ("SLURM_ARRAY_TASK_ID", "2"),
                ("SLURM_ARRAY_TASK_COUNT", "4"),
                ("SLURM_ARRAY_TASK_MIN", "5"),
            ])
            .unwrap()
            .map(drop)
        },
    );
    case(
        "a shard claiming 2^62 tasks",
        &["shard 0 holds tasks"],
        &|| merge_shards(vec![shard(1 << 62, 0, 1, vec![1.0])]).map(drop),
    );
    case("no shard", &["no shard"], &|| {
        merge_shards::<f64>(vec![]).map(drop)
    });
    case("a shard twice", &["missing or duplicated"], &|| {
        merge_shards(vec![shard(2, 0, 2, vec![1.0]), shard(2, 0, 2, vec![1.0])]).map(drop)
    });
    case(
        "missing shard folder",
        &["/nonexistent/shards", "cannot be read"],
        &|| shard_file::read_sweep::<f64>(std::path::Path::new("/nonexistent/shards")).map(drop),
    );
    case("empty sweep", &["task list", "empty"], &|| {
        sweep(0, &SweepOptions::seeded(0), |_, _| 0.0).map(drop)
    });
    case("a sweep beyond memory", &["budget"], &|| {
        sweep(usize::MAX, &SweepOptions::seeded(0), |_, _| 0.0).map(drop)
    });
    case("a grid whose size overflows", &["budget"], &|| {
        Grid::new(&[usize::MAX, 2]).map(drop)
    });
    case("a lane of 2^63 steps", &["iterations", "cap"], &|| {
        iterate_lane(&|x| x, 0.1, 1.0, &LaneConfig::new(i64::MAX as usize, 1e6)).map(drop)
    });
    case("lanes with an empty axis", &["empty"], &|| {
        final_states(|x| x, &[], &[1.0], &LaneConfig::new(10, 1e6)).map(drop)
    });
    case("lane start inf", &["x0", "non-finite"], &|| {
        iterate_lane(&|x| x, 0.1, f64::INFINITY, &LaneConfig::new(10, 1e6)).map(drop)
    });
    assert!(count >= 38, "{count} cases");
}

#[test]
fn the_models_and_theory_refuse_bad_input_by_name() {
    let huge = 1 << 20;
    let e = refused(
        "a deep linear net of 2^40 weights",
        || DeepLinear::whitened(&[huge, huge], Mat::zeros(1, 1)),
        &["widths", "2 GiB"],
    );
    assert!(matches!(
        e,
        ModelError::Invalid {
            field: "widths",
            ..
        }
    ));
    refused(
        "one width",
        || DeepLinear::whitened(&[2], Mat::zeros(2, 2)),
        &["widths", "[2]"],
    );
    refused(
        "a zero width",
        || DeepLinear::whitened(&[2, 0, 2], Mat::zeros(2, 2)),
        &["width"],
    );
    refused(
        "a target of the wrong shape",
        || DeepLinear::whitened(&[2, 3], Mat::zeros(2, 2)),
        &["target"],
    );
    refused(
        "Example 3 with odd L",
        || example3(3),
        &["power L", "3", "even"],
    );
    let digits = stepsize::models::LabelledData::digits()
        .unwrap()
        .scaled(1.0 / 16.0)
        .unwrap();
    let w6 = stepsize::models::Mlp::new(
        &[64, 200, 200, 10],
        stepsize::models::Activation::Tanh,
        stepsize::models::MlpLoss::Squared,
        digits.x.clone(),
        digits.one_hot().unwrap(),
    )
    .unwrap();
    let theta = w6.initialize(1.0, 0);
    let message = stepsize::dynamics::dense_hessian(&w6, &theta, &mut w6.workspace())
        .unwrap_err()
        .to_string();
    for needle in ["d = 55210", "24.4 GB", "d ≤ 4096", "matrix-free", "Lanczos"] {
        assert!(message.contains(needle), "`{message}` lacks `{needle}`");
    }
    use stepsize::models::datasets::{gaussian_mixture, teacher_regression, two_spirals};
    refused(
        "2^62 spiral points per class",
        || two_spirals(usize::MAX / 4, 1.5, 0.05, 1),
        &["points per class", &(usize::MAX / 4).to_string(), "at most"],
    );
    refused(
        "2^64 samples of a teacher",
        || teacher_regression(&[4, 6, 2], usize::MAX, 1),
        &["samples", &usize::MAX.to_string(), "8589934592 bytes"],
    );
    refused(
        "2^60 points per blob",
        || gaussian_mixture(3, 3, 1 << 60, 2.0, 1),
        &["per_class", "at most"],
    );
    let mut labelled = digits.clone();
    labelled.classes = usize::MAX;
    refused(
        "one-hot targets of 2^64 classes",
        || labelled.one_hot(),
        &["classes", &usize::MAX.to_string(), "one-hot targets within"],
    );
    labelled.classes = 3;
    refused(
        "a label beyond the classes set by hand",
        || labelled.one_hot(),
        &["labels in 0..3", "for sample"],
    );
    refused(
        "2^64 convergent starts of Example 1",
        || stepsize::theory::scalar::example1_convergent_starts(0.5, usize::MAX),
        &["count", &usize::MAX.to_string(), "at most 1048576"],
    );
    refused(
        "a well of NaN width",
        || {
            SharpWells::new(
                1,
                vec![Well {
                    center: vec![0.0],
                    depth: 1.0,
                    width: f64::NAN,
                }],
            )
        },
        &["width", "NaN"],
    );
    refused(
        "a product of mismatched shapes",
        || {
            stepsize::models::linear_data::product(
                Mat::zeros(2, 3).as_ref(),
                Mat::zeros(2, 3).as_ref(),
            )
        },
        &["product shapes", "A 2 x 3, B 2 x 3"],
    );
    let e = refused(
        "a NaN curvature",
        || stepsize::theory::scalar::max_stable_step(f64::NAN),
        &["NaN"],
    );
    assert!(!matches!(e, TheoryError::LinearAlgebra(_)));
    refused(
        "depth 0",
        || stepsize::theory::deep_linear::corollary1_bound(1.0, 0),
        &["depth"],
    );
}
