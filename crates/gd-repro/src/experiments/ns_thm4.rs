//! ns-thm4 — Nar & Sastry, Theorem 4: if GD with step η converges on a two-layer ReLU network
//! (½-loss), then maxᵢ ‖xᵢ‖‖f̂(xᵢ)‖ ≤ 1/η. Tightness with one sample: GD reaches f̂(x) = y
//! only for c = η|x||y| ≤ 1, and near c = 1 it sits at the flattest zero-loss solution,
//! λmax = 2|x||y|.

use crate::error::Result;
use crate::field_check::Fields;
use crate::numerics::linspace;
use crate::report::{Claim, Figure, Report, Series, Table};
use crate::run_options::RunOptions;
use crate::seeded_sweep::seeded_sweep;
use gd_core::{Attractor, RunConfig, Schedule, extreme_eigenvalues, run_gd};
use gd_models::linear_data::standard_normal;
use gd_models::{LossScale, TwoLayerRelu};
use gd_theory::relu::theorem4_bound;
use serde::{Deserialize, Serialize};

/// Catalogue id.
pub const ID: &str = "ns-thm4";

/// A run "reached f̂(x) = y" when it stopped at a fixed point with ½(f̂ − y)² below this.
const ZERO_LOSS: f64 = 1e-20;

/// Settings.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The input x.
    pub x: f64,
    /// The target y.
    pub y: f64,
    /// Hidden units.
    pub hidden: usize,
    /// The fixed bias of every unit (negative: units start active for V x > b).
    pub bias: f64,
    /// Values of c = η|x||y|.
    pub c_values: Vec<f64>,
    /// Random initializations per c.
    pub seeds: usize,
    /// Standard deviation of the initial W and V.
    pub init_scale: f64,
    /// Iteration budget.
    pub max_iterations: usize,
    /// Master seed.
    pub seed: u64,
}

impl Config {
    fn quick() -> Self {
        Self {
            x: 1.0,
            y: 2.0,
            hidden: 10,
            bias: -0.5,
            c_values: linspace(0.5, 1.5, 11),
            seeds: 4,
            init_scale: 0.5,
            max_iterations: 50_000,
            seed: 4,
        }
    }

    fn full() -> Self {
        Self {
            c_values: linspace(0.5, 1.5, 41),
            seeds: 16,
            max_iterations: 200_000,
            ..Self::quick()
        }
    }
}

#[derive(Clone, Copy, PartialEq, Serialize, Deserialize)]
enum Fate {
    Reached,
    Dead,
    Other,
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
    let runs = sweep_inits(&c, options)?;
    let mut report = Report::new(
        ID,
        "Theorem 4: a large step forces small outputs at large inputs (two-layer ReLU)",
    )
    .with_config(&c)?;
    let (table, fractions) = runs_table(&c, &runs);
    report.claims.extend(claims(&c, &runs)?);
    report.notes.extend(notes(&c, &runs));
    report.figures.push(figure(&c, fractions));
    report.tables.push(table);
    Ok(report)
}

fn check(c: &Config) -> Result<()> {
    let f = Fields::of(ID);
    f.require(c.x != 0.0, "x", c.x, "≠ 0")?;
    f.require(c.y != 0.0, "y", c.y, "≠ 0")?;
    f.at_least("hidden", c.hidden, 1)?;
    f.at_least("seeds", c.seeds, 1)?;
    f.list("c_values", &c.c_values, 1)?;
    f.each("c_values", &c.c_values, |v| v > 0.0, "> 0")?;
    f.require(c.init_scale >= 0.0, "init_scale", c.init_scale, "≥ 0")?;
    f.tasks("c_values × seeds", &[c.c_values.len(), c.seeds])?;
    Ok(())
}

/// Per (c, seed): the fate of GD from a random init, η·|x||f̂(x)| and λmax/(2|x||y|) at a
/// zero-loss end point (NaN otherwise).
fn sweep_inits(c: &Config, options: &RunOptions) -> Result<Vec<(Fate, f64, f64)>> {
    let xy = c.x.abs() * c.y.abs();
    let net = TwoLayerRelu::new(
        1,
        1,
        vec![c.x],
        vec![c.y],
        // bound: a config's hidden width is at most `MAX_COUNT`.
        vec![c.bias; c.hidden],
        LossScale::THEOREM4,
    )?;
    let tasks = c.c_values.len() * c.seeds;
    seeded_sweep(ID, options, tasks, c.seed, |i, rng| {
        let eta = c.c_values[i / c.seeds] / xy;
        let theta0: Vec<f64> = standard_normal(rng, 2 * c.hidden)
            .iter()
            .map(|v| c.init_scale * v)
            .collect();
        let config = RunConfig {
            max_iterations: c.max_iterations,
            lyapunov_iterations: 10,
            ..RunConfig::default()
        };
        let t = run_gd(&net, &theta0, Schedule::constant(eta)?, &config)?;
        let Some(state) = t.final_state else {
            return Ok((Fate::Other, f64::NAN, f64::NAN));
        };
        if net.is_dead(&state.parameters) {
            return Ok((Fate::Dead, f64::NAN, f64::NAN));
        }
        let reached = matches!(t.attractor, Attractor::FixedPoint { .. }) && state.loss < ZERO_LOSS;
        if !reached {
            return Ok((Fate::Other, f64::NAN, f64::NAN));
        }
        let output = net.outputs(&state.parameters)[0];
        let sharpness = extreme_eigenvalues(&net, &state.parameters)?.sharpness();
        Ok((
            Fate::Reached,
            (c.x.abs() * output.abs()) * eta,
            sharpness / (2.0 * xy),
        ))
    })
}

/// Per c, the fractions of runs reached, dead and other.
type Fractions = (Vec<f64>, Vec<f64>, Vec<f64>);

/// Every run as a row; per c, the fractions reached, dead and other.
fn runs_table(c: &Config, runs: &[(Fate, f64, f64)]) -> (Table, Fractions) {
    let xy = c.x.abs() * c.y.abs();
    let mut table = Table::new(
        "runs",
        &[
            "c",
            "eta",
            "reached",
            "dead",
            "statistic_over_bound",
            "sharpness_over_2xy",
        ],
    )
    .with_flag_legend("reached")
    .with_flag_legend("dead");
    let mut fractions = (Vec::new(), Vec::new(), Vec::new());
    for (k, cv) in c.c_values.iter().enumerate() {
        let group = &runs[k * c.seeds..(k + 1) * c.seeds];
        let frac = |f: Fate| group.iter().filter(|r| r.0 == f).count() as f64 / c.seeds as f64;
        fractions.0.push(frac(Fate::Reached));
        fractions.1.push(frac(Fate::Dead));
        fractions.2.push(frac(Fate::Other));
        for r in group {
            table.push(vec![
                *cv,
                cv / xy,
                (r.0 == Fate::Reached) as u8 as f64,
                (r.0 == Fate::Dead) as u8 as f64,
                r.1,
                r.2,
            ]);
        }
    }
    (table, fractions)
}

/// Zero loss is reached only for c ≤ 1, Theorem 4's statistic holds, and the curvature behind it.
fn claims(c: &Config, runs: &[(Fate, f64, f64)]) -> Result<Vec<Claim>> {
    let tasks = runs.len();
    let mut claims = Vec::new();
    let reached_above = (0..tasks)
        .filter(|i| c.c_values[i / c.seeds] > 1.0 && runs[*i].0 == Fate::Reached)
        .count();
    let reached_below = (0..tasks)
        .filter(|i| c.c_values[i / c.seeds] < 1.0 && runs[*i].0 == Fate::Reached)
        .count();
    claims.push(Claim::new(
        ID,
        "one sample: GD reaches f̂(x) = y only if c = η|x||y| ≤ 1",
        Some(0.0),
        reached_above as f64,
        format!("number of runs with c > 1 that reached zero loss; holds iff 0 and some of the runs with c < 1 ({reached_below}) reached it"),
        reached_above == 0 && reached_below > 0,
    ));
    let converged: Vec<_> = runs.iter().filter(|r| r.0 == Fate::Reached).collect();
    let worst_statistic = converged.iter().map(|r| r.1).fold(0.0, f64::max);
    let bound = theorem4_bound(1.0, true, None)?;
    claims.push(Claim::new(
        ID,
        "Theorem 4: every converged solution has max ‖x‖‖f̂(x)‖ ≤ 1/η",
        Some(bound),
        worst_statistic,
        "max over converged runs of η·|x||f̂(x)| (the statistic divided by the bound 1/η); holds iff ≤ 1",
        worst_statistic <= 1.0 + 1e-12,
    ));
    let min_sharpness = converged.iter().map(|r| r.2).fold(f64::INFINITY, f64::min);
    claims.push(Claim::new(
        ID,
        "every zero-loss solution has λmax ≥ 2|x||y| (the curvature behind the bound)",
        Some(1.0),
        min_sharpness,
        "min over converged runs of λmax / (2|x||y|); holds iff ≥ 1 − 1e-9",
        min_sharpness >= 1.0 - 1e-9,
    ));
    Ok(claims)
}

/// The largest c that reached zero loss, and the setting.
fn notes(c: &Config, runs: &[(Fate, f64, f64)]) -> Vec<String> {
    let tasks = runs.len();
    let mut notes = Vec::new();
    let top = (0..tasks)
        .filter(|i| runs[*i].0 == Fate::Reached)
        .max_by(|a, b| c.c_values[a / c.seeds].total_cmp(&c.c_values[b / c.seeds]));
    if let Some(i) = top {
        notes.push(format!(
            "Largest c at which a run reached zero loss: {:.4}; there λmax / (2|x||y|) = {:.6} (the flattest zero-loss solution has 1, and stability at c needs ≤ 1/c = {:.6}).",
            c.c_values[i / c.seeds],
            runs[i].2,
            1.0 / c.c_values[i / c.seeds]
        ));
    }
    notes.push(format!(
        "Setting: one sample x = {}, y = {}, {} hidden units with fixed bias {}, ½-loss, W and V drawn N(0, {}²); outcomes: zero loss, dead (every unit off), other (orbit, chaos, non-zero-loss point, divergence).",
        c.x, c.y, c.hidden, c.bias, c.init_scale
    ));
    notes
}

/// Outcome fractions against c = η|x||y|.
fn figure(c: &Config, fractions: Fractions) -> Figure {
    let mut fig = Figure::new(
        "ns-thm4-tightness",
        "Theorem 4, one sample: outcome vs c = eta |x| |y|",
        "c = eta |x| |y|",
        "fraction of random inits",
    );
    fig.lines.push(Series::new(
        "reached f(x) = y",
        c.c_values.clone(),
        fractions.0,
    ));
    fig.lines
        .push(Series::new("dead", c.c_values.clone(), fractions.1));
    fig.lines
        .push(Series::new("other", c.c_values.clone(), fractions.2));
    fig.lines.push(Series::new(
        "Theorem 4: c = 1",
        vec![1.0, 1.0],
        vec![0.0, 1.0],
    ));
    fig
}
