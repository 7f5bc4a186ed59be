//! ns-ex3 — Nar & Sastry, Example 3: on f3 = x^L (L even, > 2) GD converges to 0 iff
//! x₀^{L−2} < 2/(ηL), and diverges above: the step size and the initial point together decide.

use crate::error::Result;
use crate::field_check::Fields;
use crate::numerics::linspace;
use crate::report::{Claim, Figure, Report, Series, Table};
use crate::run_options::RunOptions;
use crate::seeded_sweep::seeded_sweep;
use gd_core::RunConfig;
use gd_core::scalar_map::{LaneConfig, iterate_lane};
use gd_models::example3;
use gd_theory::scalar::example3_threshold;
use serde::{Deserialize, Serialize};

/// Catalogue id.
pub const ID: &str = "ns-ex3";

/// Settings.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Even powers L > 2.
    pub powers: Vec<u32>,
    /// Grid resolution (η × x₀).
    pub resolution: usize,
    /// Step sizes range.
    pub eta_min: f64,
    /// Step sizes range.
    pub eta_max: f64,
    /// Largest x₀ (starts on (0, x0_max]).
    pub x0_max: f64,
    /// Iteration budget (convergence to 0 is sublinear, so the verdict is "diverged or not").
    pub max_iterations: usize,
}

impl Config {
    fn quick() -> Self {
        Self {
            powers: vec![4, 6],
            resolution: 12,
            eta_min: 0.01,
            eta_max: 0.5,
            x0_max: 3.0,
            max_iterations: 5000,
        }
    }

    fn full() -> Self {
        Self {
            resolution: 60,
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
    let n = c.resolution;
    let etas = linspace(c.eta_min, c.eta_max, n);
    let starts: Vec<f64> = (1..=n).map(|i| c.x0_max * i as f64 / n as f64).collect();
    let mut report =
        Report::new(ID, "Example 3: the step size and the initial point").with_config(&c)?;
    let mut table = Table::new(
        "grid",
        &[
            "power",
            "eta",
            "x0",
            "threshold",
            "predicted_converges",
            "diverged",
        ],
    )
    .with_flag_legend("predicted_converges")
    .with_flag_legend("diverged");
    for power in &c.powers {
        let cells = sweep_grid(&c, *power, &etas, &starts, options)?;
        let (fig, claim, notes) = judge_grid(&c, *power, &cells, &mut table)?;
        report.notes.extend(notes);
        report.figures.push(fig);
        report.claims.push(claim);
    }
    report.tables.push(table);
    Ok(report)
}

fn check(c: &Config) -> Result<()> {
    let f = Fields::of(ID);
    f.at_least("resolution", c.resolution, 2)?;
    f.list("powers", &c.powers, 1)?;
    f.each("powers", &c.powers, |l| l > 2 && l % 2 == 0, "even and > 2")?;
    f.positive("eta_min", c.eta_min)?;
    f.increasing("eta_min", c.eta_min, "eta_max", c.eta_max)?;
    f.positive("x0_max", c.x0_max)?;
    f.tasks(
        "powers × resolution²",
        &[c.powers.len(), c.resolution, c.resolution],
    )?;
    Ok(())
}

/// Per (η, x₀) cell of the grid: (η, x₀, the threshold, whether GD diverged or moved away).
fn sweep_grid(
    c: &Config,
    power: u32,
    etas: &[f64],
    starts: &[f64],
    options: &RunOptions,
) -> Result<Vec<(f64, f64, f64, bool)>> {
    let n = c.resolution;
    let f3 = example3(power)?;
    seeded_sweep(ID, options, n * n, 0, |i, _| {
        let (eta, x0) = (etas[i / n], starts[i % n]);
        let lane = LaneConfig::new(c.max_iterations, RunConfig::default().divergence_bound);
        let end = iterate_lane(&|x| f3.derivative(x), eta, x0, &lane)?;
        let threshold = example3_threshold(eta, power)?;
        // Above the threshold |x| grows monotonically and below it shrinks, so a run that
        // has not crossed the divergence bound within the budget is classified by whether
        // it moved away from 0 (a start just above the threshold grows by only 1 + O(ε)).
        let moving_away = !end.diverged && end.x.abs() >= x0;
        Ok((eta, x0, threshold, end.diverged || moving_away))
    })
}

/// The grid's rows, its figure, the claim that divergence matches the threshold everywhere,
/// and a note per disagreement.
fn judge_grid(
    c: &Config,
    power: u32,
    cells: &[(f64, f64, f64, bool)],
    table: &mut Table,
) -> Result<(Figure, Claim, Vec<String>)> {
    let mut notes = Vec::new();
    let mut agree = 0;
    let mut fig = Figure::new(
        &format!("ns-ex3-L{power}"),
        &format!("Example 3: f3 = x^{power}, convergence over (eta, x0)"),
        "eta",
        "x0",
    );
    let (mut cx, mut cy, mut dx, mut dy) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (eta, x0, threshold, diverged) in cells {
        let predicted = *x0 < *threshold;
        agree += usize::from(predicted != *diverged);
        if predicted == *diverged {
            notes.push(format!(
                "L = {power}: disagreement at η = {eta}, x₀ = {x0} (threshold {threshold}, diverged: {diverged})"
            ));
        }
        table.push(vec![
            power as f64,
            *eta,
            *x0,
            *threshold,
            predicted as u8 as f64,
            *diverged as u8 as f64,
        ]);
        if *diverged {
            dx.push(*eta);
            dy.push(*x0);
        } else {
            cx.push(*eta);
            cy.push(*x0);
        }
    }
    let fine = linspace(c.eta_min, c.eta_max, 200);
    fig.lines.push(Series::new(
        "threshold x0^(L-2) = 2/(eta L)",
        fine.clone(),
        fine.iter()
            .map(|e| example3_threshold(*e, power).map(|t| t.min(c.x0_max * 1.05)))
            .collect::<std::result::Result<_, _>>()?,
    ));
    fig.points.push(Series::new("converged", cx, cy));
    fig.points.push(Series::new("diverged", dx, dy));
    let claim = Claim::new(
        ID,
        format!("L = {power}: GD converges iff x0^(L−2) < 2/(ηL), diverges above"),
        Some(1.0),
        agree as f64 / cells.len() as f64,
        format!(
            "fraction of the {} (η, x₀) cells where divergence matches the threshold; holds iff all",
            cells.len()
        ),
        agree == cells.len(),
    );
    Ok((fig, claim, notes))
}
