//! mjs-sharpness — sharpness along training for a small and a large step (Mohtashami et al.'s
//! mechanism; Cohen et al.'s "edge of stability"): with a large step η, λmax of the Hessian is
//! held at about 2/η while the small-step run settles where λmax is higher. λmax is tracked by
//! Lanczos on Hessian-vector products, warm-started from the previous eigenvectors.

use crate::error::Result;
use crate::field_check::Fields;
use crate::report::{Claim, Figure, Report, Series, Table};
use crate::run_options::RunOptions;
use crate::settings::mlp::MlpSetting;
use gd_core::{LanczosOptions, Observe, RunConfig, Schedule, SharpnessOptions, run_gd};
use gd_models::Mlp;
use serde::{Deserialize, Serialize};

/// Catalogue id.
pub const ID: &str = "mjs-sharpness";

/// The large-step run sits "at the edge of stability" if its late λmax lies in this band
/// around 2/η: GD cannot stay above 2/η (it would leave), and self-stabilization keeps it
/// from falling far below.
const EDGE_BAND: (f64, f64) = (0.85, 1.05);

/// Settings.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The network.
    pub setting: MlpSetting,
    /// The small step.
    pub small_eta: f64,
    /// The large step.
    pub large_eta: f64,
    /// Steps per run.
    pub steps: usize,
    /// Sharpness every this many steps.
    pub every: usize,
}

impl Config {
    fn quick() -> Self {
        Self {
            setting: MlpSetting::default(),
            small_eta: 0.1,
            large_eta: 0.9,
            steps: 20_000,
            every: 200,
        }
    }

    fn full() -> Self {
        Self {
            steps: 100_000,
            every: 500,
            ..Self::quick()
        }
    }
}

/// The config a run uses: the preset (quick or full) with the overrides, checked field by
/// field.
pub fn config(options: &RunOptions) -> Result<Config> {
    let config: Config = options.config(ID, Config::quick(), Config::full())?;
    check(&config)?;
    Ok(config)
}

/// Runs the experiment.
pub fn run(options: &RunOptions) -> Result<Report> {
    let c = config(options)?;
    let (mlp, theta0) = c.setting.build()?;
    let mut report = Report::new(
        ID,
        "Sharpness along training: the large step sits at the edge of stability",
    )
    .with_config(&c)?;
    let mut table = Table::new("sharpness", &["eta", "iteration", "sharpness", "loss"]);
    let mut fig = Figure::new(
        "mjs-sharpness",
        "Sharpness along training vs 2/eta",
        "iteration",
        "lambda_max",
    );
    let mut finals = Vec::new();
    for (k, eta) in [c.small_eta, c.large_eta].into_iter().enumerate() {
        options.progress(ID, k, 2);
        let run = train_tracking_sharpness(&c, &mlp, &theta0, eta)?;
        for row in run.rows {
            table.push(row);
        }
        let curve = fig.lines.len();
        fig.lines.extend([run.curve, run.limit.reference_of(curve)]);
        finals.push(run.summary);
    }
    report.claims.extend(claims(&finals));
    let (small, large) = (finals[0], finals[1]);
    report.notes.push(format!(
        "λmax by Lanczos (tolerance 1e-8, ≤ 60 HVPs) warm-started from the previous top and bottom eigenvectors; {} of {} and {} of {} estimates converged for η = {} and η = {}. Paper values: not available.",
        small.3, small.4, large.3, large.4, small.0, large.0
    ));
    options.progress(ID, 2, 2);
    report.figures.push(fig);
    report.tables.push(table);
    Ok(report)
}

fn check(c: &Config) -> Result<()> {
    let f = Fields::of(ID);
    f.step_pair(c.small_eta, c.large_eta)?;
    f.at_least("every", c.every, 1)?;
    f.require(
        c.steps / c.every >= 4,
        "steps",
        c.steps,
        format!(
            "at least 4 × every ({}), for 4 sharpness samples",
            4 * c.every
        ),
    )?;
    c.setting.check(&f, "setting")
}

/// A run's (η, mean and max λmax over its second half, converged estimates, estimates).
type Summary = (f64, f64, f64, usize, usize);

/// One run with λmax tracked along it.
struct TrackedRun {
    /// Its rows of the `sharpness` table.
    rows: Vec<Vec<f64>>,
    /// λmax along the run.
    curve: Series,
    /// 2/η.
    limit: Series,
    summary: Summary,
}

/// GD at `eta` with λmax and the loss recorded every `c.every` steps (Lanczos, warm-started).
fn train_tracking_sharpness(c: &Config, mlp: &Mlp, theta0: &[f64], eta: f64) -> Result<TrackedRun> {
    let observe = Observe {
        loss_every: c.every,
        sharpness_every: c.every,
        // Force the Lanczos path (the network is small enough for the dense one) so that
        // this experiment exercises warm-started tracking.
        sharpness: SharpnessOptions {
            dense_max_dim: 0,
            lanczos: LanczosOptions {
                top_k: 1,
                relative_tolerance: 1e-8,
                max_iterations: 60,
                basis_size: 60,
                converge_smallest: true,
                ..LanczosOptions::default()
            },
        },
        ..Observe::default()
    };
    let config = RunConfig {
        max_iterations: c.steps,
        max_period: 1,
        lyapunov_iterations: 10,
        observe: observe.clone(),
        ..RunConfig::default()
    };
    let t = run_gd(mlp, theta0, Schedule::constant(eta)?, &config)?;
    let s = &t.record.sharpness;
    let mut rows = Vec::new();
    for (i, sample) in s.iter().enumerate() {
        let loss = t.record.loss.values.get(i).copied().unwrap_or(f64::NAN);
        rows.push(vec![eta, sample.iteration as f64, sample.sharpness, loss]);
    }
    let late: Vec<f64> = s[s.len() / 2..].iter().map(|x| x.sharpness).collect();
    let late_mean = late.iter().sum::<f64>() / late.len().max(1) as f64;
    let late_max = late.iter().copied().fold(0.0, f64::max);
    let converged = s.iter().filter(|x| x.converged).count();
    let summary = (eta, late_mean, late_max, converged, s.len());
    let curve = Series::new(
        format!("eta = {eta}"),
        s.iter().map(|x| x.iteration as f64).collect(),
        s.iter().map(|x| x.sharpness).collect(),
    );
    let limit = Series::new(
        format!("2/eta = {:.4}", 2.0 / eta),
        vec![0.0, c.steps as f64],
        vec![2.0 / eta, 2.0 / eta],
    );
    Ok(TrackedRun {
        rows,
        curve,
        limit,
        summary,
    })
}

/// The large step holds λmax at about 2/η; the small step ends sharper than that.
fn claims(finals: &[Summary]) -> Vec<Claim> {
    let mut claims = Vec::new();
    let (small, large) = (finals[0], finals[1]);
    let edge = 2.0 / large.0;
    claims.push(Claim::new(
        ID,
        "with the large step, λmax is held at about 2/η (edge of stability)",
        Some(edge),
        large.1,
        format!("mean λmax over the second half of the large-step run; holds iff within [{}, {}]·2/η and its maximum ≤ {}·2/η", EDGE_BAND.0, EDGE_BAND.1, EDGE_BAND.1),
        large.1 >= EDGE_BAND.0 * edge && large.1 <= EDGE_BAND.1 * edge && large.2 <= EDGE_BAND.1 * edge,
    ));
    claims.push(Claim::new(
        ID,
        "the small step settles where λmax exceeds what the large step tolerates: the large step ends flatter",
        Some(edge),
        small.1,
        "mean late λmax of the small-step run (theory column: 2/η of the large step); holds iff above it",
        small.1 > edge,
    ));
    claims
}
