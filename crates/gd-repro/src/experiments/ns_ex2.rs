//! ns-ex2 / ns-fig1 — Nar & Sastry, Example 2 and Figure 1: on f2 = (x²+1)(x−1)²(x−2)² the
//! step size selects the minimum: x = 2 (f″ = 10) is unreachable for η > 0.2, x = 1 (f″ = 4)
//! for η > 0.5, and with η = 0.3 every convergent run ends at x = 1.

use crate::error::Result;
use crate::field_check::Fields;
use crate::numerics::linspace;
use crate::report::{Claim, Figure, Report, Series, Table};
use crate::run_options::RunOptions;
use crate::seeded_sweep::seeded_sweep;
use gd_core::analyses::{self, OrbitDiagramOptions};
use gd_core::scalar_map::{LaneConfig, LaneState, iterate_lane};
use gd_core::{RunConfig, largest_lyapunov_exponent};
use gd_models::f2_value;
use gd_models::{Scalar, example2};
use gd_theory::scalar::max_stable_step;
use rand::RngExt;
use serde::{Deserialize, Serialize};

/// Catalogue id.
pub const ID: &str = "ns-ex2";

/// A run "ends at" a minimum when its fixed point is within this of it: GD reaches a stable
/// minimum of f2 to the last bit (linear rate), so any tolerance ≫ ε works.
const AT_MINIMUM: f64 = 1e-9;

/// Settings.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Number of step sizes on [eta_min, eta_max] for outcome fractions.
    pub etas: usize,
    /// Smallest step size.
    pub eta_min: f64,
    /// Largest step size.
    pub eta_max: f64,
    /// Random starts per step size, x₀ ~ U(x_min, x_max).
    pub starts_per_eta: usize,
    /// Range of the starts.
    pub x_min: f64,
    /// Range of the starts.
    pub x_max: f64,
    /// Random starts at η = 0.3.
    pub starts_at_eta_03: usize,
    /// Step sizes in the orbit diagram.
    pub orbit_etas: usize,
    /// Iterations discarded before plotting the orbit.
    pub orbit_transient: usize,
    /// Iterates plotted per step size.
    pub orbit_points: usize,
    /// Basin map resolution (η × x₀).
    pub basin_resolution: usize,
    /// Iteration budget per run.
    pub max_iterations: usize,
    /// Master seed.
    pub seed: u64,
}

impl Config {
    fn quick() -> Self {
        Self {
            etas: 12,
            eta_min: 0.05,
            eta_max: 0.6,
            starts_per_eta: 16,
            x_min: 0.0,
            x_max: 3.0,
            starts_at_eta_03: 100,
            orbit_etas: 40,
            orbit_transient: 1000,
            orbit_points: 32,
            basin_resolution: 16,
            max_iterations: 20_000,
            seed: 2,
        }
    }

    fn full() -> Self {
        Self {
            etas: 56,
            starts_per_eta: 400,
            starts_at_eta_03: 4000,
            orbit_etas: 300,
            orbit_transient: 2000,
            orbit_points: 32,
            basin_resolution: 120,
            ..Self::quick()
        }
    }
}

/// Where a run ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum Outcome {
    One,
    Two,
    Other,
    Diverged,
}

/// Where GD on f2 from x₀ at η ends, on gd-core's 1-D lane engine: the lane stops at its
/// first exact repeat and its state after the budget is read off the cycle, with the period
/// reduced by `run_gd`'s rule (a rounding flicker around a point is a fixed point).
fn outcome(f2: &Scalar, x0: f64, eta: f64, config: &Config) -> Result<Outcome> {
    let lane = LaneConfig::new(config.max_iterations, RunConfig::default().divergence_bound);
    let end = iterate_lane(&|x| f2.derivative(x), eta, x0, &lane)?;
    Ok(match end {
        LaneState { diverged: true, .. } => Outcome::Diverged,
        LaneState {
            x, period: Some(1), ..
        } if (x - 1.0).abs() < AT_MINIMUM => Outcome::One,
        LaneState {
            x, period: Some(1), ..
        } if (x - 2.0).abs() < AT_MINIMUM => Outcome::Two,
        _ => Outcome::Other,
    })
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
    let f2 = example2();
    let limit1 = max_stable_step(f2.second_derivative(1.0))?;
    let limit2 = max_stable_step(f2.second_derivative(2.0))?;
    let etas = linspace(c.eta_min, c.eta_max, c.etas);
    let per = c.starts_per_eta;
    let outcomes = seeded_sweep(ID, options, etas.len() * per, c.seed, |i, rng| {
        outcome(&f2, rng.random_range(c.x_min..c.x_max), etas[i / per], &c)
    })?;
    let mut report = Report::new(
        ID,
        "Example 2 / Figure 1: the step size selects the minimum",
    )
    .with_config(&c)?;
    let (table, fractions) = outcome_table(&c, &etas, &outcomes);
    report
        .claims
        .extend(stability_limit_claims(&c, &etas, &outcomes, limit1, limit2));
    let (claim, note) = runs_at_eta_03(&c, options)?;
    report.claims.push(claim);
    report.notes.push(note);
    report.claims.push(chaos_claim(&f2)?);
    let (basin_fig, basin_table) = basin_map(&c, options)?;
    report.figures.extend([
        figure1(limit1, limit2),
        outcome_figure(&etas, &fractions, limit1, limit2),
        orbit_diagram(&c, &f2, options)?,
        basin_fig,
    ]);
    report.tables.extend([table, basin_table]);
    Ok(report)
}

fn check(c: &Config) -> Result<()> {
    let f = Fields::of(ID);
    f.at_least("etas", c.etas, 1)?;
    f.at_least("starts_per_eta", c.starts_per_eta, 1)?;
    f.at_least("starts_at_eta_03", c.starts_at_eta_03, 1)?;
    f.at_least("orbit_etas", c.orbit_etas, 1)?;
    f.at_least("orbit_points", c.orbit_points, 1)?;
    f.at_least("basin_resolution", c.basin_resolution, 1)?;
    f.positive("eta_min", c.eta_min)?;
    f.increasing("eta_min", c.eta_min, "eta_max", c.eta_max)?;
    f.increasing("x_min", c.x_min, "x_max", c.x_max)?;
    f.tasks("etas × starts_per_eta", &[c.etas, c.starts_per_eta])?;
    f.tasks("orbit_etas × orbit_points", &[c.orbit_etas, c.orbit_points])?;
    f.tasks(
        "basin_resolution²",
        &[c.basin_resolution, c.basin_resolution],
    )?;
    Ok(())
}

/// Per η, the fraction of random starts ending at x = 1, at x = 2, elsewhere, or diverging.
fn outcome_table(c: &Config, etas: &[f64], outcomes: &[Outcome]) -> (Table, Vec<Vec<f64>>) {
    let per = c.starts_per_eta;
    let mut table = Table::new("outcomes", &["eta", "to_1", "to_2", "other", "diverged"]);
    let mut fractions = vec![Vec::new(); 4];
    for (k, eta) in etas.iter().enumerate() {
        let group = &outcomes[k * per..(k + 1) * per];
        let count = |o| group.iter().filter(|g| **g == o).count() as f64 / per as f64;
        let row = [
            count(Outcome::One),
            count(Outcome::Two),
            count(Outcome::Other),
            count(Outcome::Diverged),
        ];
        for (f, v) in fractions.iter_mut().zip(row) {
            f.push(v);
        }
        table.push(vec![*eta, row[0], row[1], row[2], row[3]]);
    }
    (table, fractions)
}

/// Neither minimum is reached above its stability limit 2/f″, and each is reached below it.
fn stability_limit_claims(
    c: &Config,
    etas: &[f64],
    outcomes: &[Outcome],
    limit1: f64,
    limit2: f64,
) -> [Claim; 2] {
    let per = c.starts_per_eta;
    let violations = |target: Outcome, limit: f64| {
        etas.iter()
            .enumerate()
            .filter(|(_, e)| **e > limit)
            .map(|(k, _)| {
                outcomes[k * per..(k + 1) * per]
                    .iter()
                    .filter(|o| **o == target)
                    .count()
            })
            .sum::<usize>()
    };
    let reached_below = |target: Outcome, limit: f64| {
        etas.iter()
            .enumerate()
            .filter(|(_, e)| **e < limit)
            .any(|(k, _)| outcomes[k * per..(k + 1) * per].contains(&target))
    };
    let v2 = violations(Outcome::Two, limit2);
    let claim2 = Claim::new(
        ID,
        "x = 2 (f″ = 10) is never reached for η > 2/10 = 0.2",
        Some(0.0),
        v2 as f64,
        "number of runs with η > 0.2 ending at x = 2; holds iff 0 and x = 2 is reached for some η < 0.2",
        v2 == 0 && reached_below(Outcome::Two, limit2),
    );
    let v1 = violations(Outcome::One, limit1);
    let claim1 = Claim::new(
        ID,
        "x = 1 (f″ = 4) is never reached for η > 2/4 = 0.5",
        Some(0.0),
        v1 as f64,
        "number of runs with η > 0.5 ending at x = 1; holds iff 0 and x = 1 is reached for some η < 0.5",
        v1 == 0 && reached_below(Outcome::One, limit1),
    );
    [claim2, claim1]
}

/// At η = 0.3 every run that converges ends at x = 1; the note counts every outcome.
fn runs_at_eta_03(c: &Config, options: &RunOptions) -> Result<(Claim, String)> {
    let f2 = example2();
    let at03 = seeded_sweep(ID, options, c.starts_at_eta_03, c.seed ^ 0x03, |_, rng| {
        outcome(&f2, rng.random_range(c.x_min..c.x_max), 0.3, c)
    })?;
    let converged = at03
        .iter()
        .filter(|o| matches!(o, Outcome::One | Outcome::Two))
        .count();
    let at_one = at03.iter().filter(|o| **o == Outcome::One).count();
    let claim = Claim::new(
        ID,
        "with η = 0.3, every run that converges to an equilibrium ends at x = 1",
        Some(1.0),
        at_one as f64 / converged.max(1) as f64,
        format!(
            "fraction at x = 1 among the {converged} of {} runs that converged; holds iff 1 and some converged",
            at03.len()
        ),
        converged > 0 && at_one == converged,
    );
    let note = format!(
        "At η = 0.3: {at_one} runs ended at x = 1, {} at x = 2, {} elsewhere (the chaotic attractor near x = 2), {} diverged.",
        at03.iter().filter(|o| **o == Outcome::Two).count(),
        at03.iter().filter(|o| **o == Outcome::Other).count(),
        at03.iter().filter(|o| **o == Outcome::Diverged).count()
    );
    Ok((claim, note))
}

/// Between 0.2 and 0.3 the attractor near x = 2 is chaotic: its Lyapunov exponent is positive.
fn chaos_claim(f2: &Scalar) -> Result<Claim> {
    let lyapunov = largest_lyapunov_exponent(f2, &[2.1], 0.29, 1000, 20_000)?;
    Ok(Claim::new(
        ID,
        "between 0.2 and 0.3 the attractor near x = 2 is chaotic (period doubling), so no run converges there",
        Some(0.0),
        lyapunov.exponent,
        format!(
            "largest Lyapunov exponent at η = 0.29 from x₀ = 2.1 over 20 000 steps (standard error {:.2e} from 10 block means); holds iff > 4 standard errors",
            lyapunov.standard_error
        ),
        lyapunov.exponent > 4.0 * lyapunov.standard_error,
    ))
}

/// Figure 1: f2 with its minima and their stability limits.
fn figure1(limit1: f64, limit2: f64) -> Figure {
    let xs = linspace(0.6, 2.2, 321);
    let mut fig1 = Figure::new(
        "ns-fig1",
        "Figure 1: f2(x) = (x^2+1)(x-1)^2(x-2)^2",
        "x",
        "f2(x)",
    );
    fig1.lines.push(Series::new(
        "f2",
        xs.clone(),
        xs.iter().map(|x| f2_value(*x)).collect(),
    ));
    fig1.points.push(Series::new(
        format!("x = 1: f'' = 4, stable for eta < {limit1}"),
        vec![1.0],
        vec![0.0],
    ));
    fig1.points.push(Series::new(
        format!("x = 2: f'' = 10, stable for eta < {limit2}"),
        vec![2.0],
        vec![0.0],
    ));

    fig1
}

/// Where GD ends against η, with the two stability limits.
fn outcome_figure(etas: &[f64], fractions: &[Vec<f64>], limit1: f64, limit2: f64) -> Figure {
    let mut fractions_fig = Figure::new(
        "ns-ex2-outcomes",
        "Example 2: where GD ends vs step size",
        "eta",
        "fraction of random starts",
    );
    for (label, f) in ["to x = 1", "to x = 2", "other (orbit, chaos)", "diverged"]
        .iter()
        .zip(fractions)
    {
        fractions_fig
            .lines
            .push(Series::new(*label, etas.to_vec(), f.clone()));
    }
    fractions_fig.lines.push(Series::new(
        "2/f''(2) = 0.2",
        vec![limit2, limit2],
        vec![0.0, 1.0],
    ));
    fractions_fig.lines.push(Series::new(
        "2/f''(1) = 0.5",
        vec![limit1, limit1],
        vec![0.0, 1.0],
    ));

    fractions_fig
}

/// Orbit (bifurcation) diagram from a start beside each minimum, x₀ = 0.95 and 2.05.
fn orbit_diagram(c: &Config, f2: &Scalar, options: &RunOptions) -> Result<Figure> {
    let orbit_etas = linspace(c.eta_min, c.eta_max, c.orbit_etas);
    let settings = OrbitDiagramOptions {
        transient: c.orbit_transient,
        points: c.orbit_points,
        ..OrbitDiagramOptions::default()
    };
    let progress = |done: usize, total: usize| options.progress(ID, done, total);
    let diagram = analyses::orbit_diagram(
        f2,
        &orbit_etas,
        &[vec![2.05], vec![0.95]],
        &settings,
        Some(&progress),
    )?;
    let mut orbit_fig = Figure::new(
        "ns-ex2-orbit-diagram",
        "Example 2: orbit diagram of the GD map on f2",
        "eta",
        "x (after transient)",
    );
    let (mut ox, mut oy) = (Vec::new(), Vec::new());
    for column in &diagram.columns {
        for p in &column.points {
            ox.push(column.eta);
            oy.push(p[0]);
        }
    }
    let span = oy
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), y| {
            (lo.min(*y), hi.max(*y))
        });
    orbit_fig.points.push(Series::new("attractor", ox, oy));
    if span.0 <= span.1 {
        for m in &diagram.minima {
            orbit_fig.lines.push(Series::new(
                format!("2/λmax of the minimum x = {:.4}", m.point[0]),
                vec![m.max_stable_step; 2],
                vec![span.0, span.1],
            ));
        }
    }
    Ok(orbit_fig)
}

/// The outcome over a grid of (η, x₀).
fn basin_map(c: &Config, options: &RunOptions) -> Result<(Figure, Table)> {
    let n = c.basin_resolution;
    let basin_etas = linspace(c.eta_min, c.eta_max, n);
    let basin_x = linspace(c.x_min, c.x_max, n);
    let f2 = example2();
    let basin = seeded_sweep(ID, options, n * n, c.seed, |i, _| {
        outcome(&f2, basin_x[i % n], basin_etas[i / n], c)
    })?;
    let mut basin_fig = Figure::new(
        "ns-ex2-basins",
        "Example 2: outcome over (eta, x0)",
        "eta",
        "x0",
    );
    let mut basin_table = Table::new("basins", &["eta", "x0", "outcome"]).with_legend(
        "outcome",
        &[
            (0.0, "converged to x = 1"),
            (1.0, "converged to x = 2"),
            (2.0, "other: an orbit, chaos or unresolved"),
            (3.0, "diverged"),
        ],
    );
    for (code, label) in [
        (Outcome::One, "to x = 1"),
        (Outcome::Two, "to x = 2"),
        (Outcome::Other, "other"),
        (Outcome::Diverged, "diverged"),
    ] {
        let (mut bx, mut by) = (Vec::new(), Vec::new());
        for (i, o) in basin.iter().enumerate() {
            if *o == code {
                bx.push(basin_etas[i / n]);
                by.push(basin_x[i % n]);
            }
        }
        basin_fig.points.push(Series::new(label, bx, by));
    }
    for (i, o) in basin.iter().enumerate() {
        basin_table.push(vec![basin_etas[i / n], basin_x[i % n], *o as u8 as f64]);
    }
    Ok((basin_fig, basin_table))
}
