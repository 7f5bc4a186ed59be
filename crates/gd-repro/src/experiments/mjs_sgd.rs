//! mjs-sgd — Mohtashami, Jaggi & Stich, claim A: stochasticity of any magnitude with a small
//! step cannot guarantee the global minimum, where a large step can. On the stand-in f, from
//! starts in the sharp basin: GD with the gradient plus N(0, σ²) noise at a small step, σ over
//! orders of magnitude, against noiseless GD at a large step. Paper values: not available.

use crate::error::Result;
use crate::field_check::Fields;
use crate::numerics::linspace;
use crate::report::{Claim, Figure, Report, Series, Table};
use crate::run_options::RunOptions;
use crate::seeded_sweep::seeded_sweep;
use gd_core::Objective;
use gd_core::scalar_map::{LaneConfig, iterate_lane};
use gd_models::SharpWells;
use gd_models::linear_data::normal;
use gd_theory::sharp_wells::stand_in_minimum;
use rand::RngExt;
use serde::{Deserialize, Serialize};

/// Catalogue id.
pub const ID: &str = "mjs-sgd";

/// "Near the global minimum": within this of it (catalogue).
const NEAR_GLOBAL: f64 = 0.1;
/// The small step gets "close to" the large step if its fraction near the global minimum is
/// within this of the large step's.
const CLOSE: f64 = 0.05;

/// Settings.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The small step (below 2/λ_sharp).
    pub small_eta: f64,
    /// The large step (between the limits).
    pub large_eta: f64,
    /// Noise levels σ, log-spaced from sigma_min to sigma_max.
    pub sigma_min: f64,
    /// Largest σ.
    pub sigma_max: f64,
    /// Number of σ values.
    pub sigmas: usize,
    /// Runs per setting.
    pub runs: usize,
    /// Steps per run.
    pub steps: usize,
    /// Master seed.
    pub seed: u64,
}

impl Config {
    fn quick() -> Self {
        Self {
            small_eta: 0.01,
            large_eta: 0.5,
            sigma_min: 1e-3,
            sigma_max: 1e2,
            sigmas: 6,
            runs: 40,
            steps: 20_000,
            seed: 12,
        }
    }

    fn full() -> Self {
        Self {
            sigmas: 16,
            runs: 400,
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
    let sharp = stand_in_minimum(1.0, 3.0, 0.1, 3.0)?;
    let sigmas: Vec<f64> = linspace(c.sigma_min.ln(), c.sigma_max.ln(), c.sigmas)
        .into_iter()
        .map(f64::exp)
        .collect();
    let runs = sweep_settings(&c, &sigmas, sharp.x, options)?;
    let mut report = Report::new(
        ID,
        "Small step plus noise of any magnitude vs a large step (stand-in)",
    )
    .with_config(&c)?;
    let (table, near) = settings_table(&c, &sigmas, &runs);
    let large = near[near.len() - 1];
    report.claims.push(claim(&c, &near, large));
    report.notes.push(format!(
        "Starts: the sharp minimum x = {:.4} ± 0.05; {} steps; paper values: not available, the function is our stand-in. Small σ never leaves the sharp well; large σ leaves it but keeps the iterate spread (stationary spread ≈ σ√(η/2) around 0), so the small step cannot both escape and settle.",
        sharp.x, c.steps
    ));
    report.figures.push(figure(&c, &sigmas, &near, large));
    report.tables.push(table);
    Ok(report)
}

fn check(c: &Config) -> Result<()> {
    let f = Fields::of(ID);
    f.step_pair(c.small_eta, c.large_eta)?;
    f.require(c.sigma_min >= 0.0, "sigma_min", c.sigma_min, "≥ 0")?;
    f.increasing("sigma_min", c.sigma_min, "sigma_max", c.sigma_max)?;
    f.at_least("sigmas", c.sigmas, 2)?;
    f.at_least("runs", c.runs, 1)?;
    f.at_least("steps", c.steps, 1)?;
    f.tasks("sigmas × runs", &[c.sigmas, c.runs])?;
    Ok(())
}

/// Per setting and run, from beside the sharp minimum: (ended near the global minimum, final
/// loss). Setting k < sigmas.len(): the small step with noise σ_k; the last: the large step,
/// no noise.
fn sweep_settings(
    c: &Config,
    sigmas: &[f64],
    sharp_x: f64,
    options: &RunOptions,
) -> Result<Vec<(bool, f64)>> {
    let f = SharpWells::one_dimensional();
    let settings = sigmas.len() + 1;
    seeded_sweep(ID, options, settings * c.runs, c.seed, |i, rng| {
        let k = i / c.runs;
        let (eta, sigma) = if k < sigmas.len() {
            (c.small_eta, sigmas[k])
        } else {
            (c.large_eta, 0.0)
        };
        let x0 = sharp_x + rng.random_range(-0.05..0.05);
        let mut ws = ();
        if sigma == 0.0 {
            // Noiseless GD: the 1-D lane engine stops at the first exact repeat and reads the
            // state after all the steps off the cycle (the same bits as stepping).
            let lane = LaneConfig::new(c.steps, 1e6);
            let derivative = |x: f64| {
                let mut g = [0.0];
                f.gradient(&[x], &mut g, &mut ());
                g[0]
            };
            let end = iterate_lane(&derivative, eta, x0, &lane)?;
            if end.diverged {
                return Ok((false, f64::INFINITY));
            }
            return Ok((end.x.abs() < NEAR_GLOBAL, f.loss(&[end.x], &mut ws)));
        }
        let mut x = x0;
        let mut g = [0.0];
        for _ in 0..c.steps {
            f.loss_and_gradient(&[x], &mut g, &mut ws);
            x -= eta * (g[0] + sigma * normal(rng));
            if !x.is_finite() || x.abs() > 1e6 {
                return Ok((false, f64::INFINITY));
            }
        }
        Ok((x.abs() < NEAR_GLOBAL, f.loss(&[x], &mut ws)))
    })
}

/// Per setting: its step, noise, the fraction near the global minimum and the mean final loss.
fn settings_table(c: &Config, sigmas: &[f64], runs: &[(bool, f64)]) -> (Table, Vec<f64>) {
    let settings = sigmas.len() + 1;
    let mut table = Table::new(
        "settings",
        &["eta", "sigma", "fraction_near_global", "mean_final_loss"],
    );
    let mut near = Vec::new();
    for k in 0..settings {
        let g = &runs[k * c.runs..(k + 1) * c.runs];
        let frac = g.iter().filter(|r| r.0).count() as f64 / c.runs as f64;
        let mean = g.iter().map(|r| r.1).sum::<f64>() / c.runs as f64;
        let (eta, sigma) = if k < sigmas.len() {
            (c.small_eta, sigmas[k])
        } else {
            (c.large_eta, 0.0)
        };
        table.push(vec![eta, sigma, frac, mean]);
        near.push(frac);
    }
    (table, near)
}

/// No noise level at the small step does what the large step does.
fn claim(c: &Config, near: &[f64], large: f64) -> Claim {
    let noisy = &near[..near.len() - 1];
    let best_noisy = noisy.iter().copied().fold(0.0, f64::max);
    Claim::new(
        ID,
        "no noise level at the small step gets what the large step gets (the global minimum from the sharp basin)",
        Some(large),
        best_noisy,
        format!(
            "best fraction within {NEAR_GLOBAL} of the global minimum over σ ∈ [{:e}, {:e}] at η = {} (measured) vs noiseless GD at η = {} (theory column); holds iff below it by more than {CLOSE}",
            c.sigma_min, c.sigma_max, c.small_eta, c.large_eta
        ),
        best_noisy < large - CLOSE,
    )
}

/// The fraction near the global minimum against σ, beside the noiseless large step.
fn figure(c: &Config, sigmas: &[f64], near: &[f64], large: f64) -> Figure {
    let mut fig = Figure::new(
        "mjs-sgd",
        "Noise at a small step vs a large step (from the sharp basin)",
        "sigma",
        "fraction within 0.1 of the global minimum",
    );
    fig.log_x = true;
    fig.points.push(Series::new(
        format!("eta = {} with noise sigma", c.small_eta),
        sigmas.to_vec(),
        near[..sigmas.len()].to_vec(),
    ));
    fig.lines.push(Series::new(
        format!("noiseless GD, eta = {}", c.large_eta),
        vec![sigmas[0], sigmas[sigmas.len() - 1]],
        vec![large, large],
    ));
    fig
}
