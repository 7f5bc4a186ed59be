//! ns-large-sv — Nar & Sastry's claim: linear maps with large singular values are harder to
//! fit: the largest step that converges shrinks with ρ(R) like 2/(Lρ^{2(L−1)/L}).

use crate::error::Result;
use crate::field_check::Fields;
use crate::report::{Claim, Figure, Report, Series, Table};
use crate::run_options::RunOptions;
use crate::seeded_sweep::seeded_sweep;
use crate::settings::linear_training::train;
use gd_models::linear_data::{random_orthogonal, symmetric_target};
use gd_models::{DeepLinear, Initialization, initialize};
use gd_theory::deep_linear::corollary1_bound;
use serde::{Deserialize, Serialize};

/// Catalogue id.
pub const ID: &str = "ns-large-sv";

/// Settings.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Depth L.
    pub depth: usize,
    /// Largest singular values ρ.
    pub rhos: Vec<f64>,
    /// Target spectrum relative to ρ.
    pub relative_spectrum: Vec<f64>,
    /// Steps tried, as multiples of each ρ's Corollary 1 bound.
    pub eta_fractions: Vec<f64>,
    /// Iteration budget.
    pub max_iterations: usize,
    /// Seed of the eigenbasis.
    pub seed: u64,
}

impl Config {
    fn quick() -> Self {
        Self {
            depth: 4,
            rhos: vec![0.5, 2.0, 8.0],
            relative_spectrum: vec![0.3, 0.6, 1.0],
            eta_fractions: crate::numerics::linspace(0.3, 1.2, 10),
            max_iterations: 20_000,
            seed: 6,
        }
    }

    fn full() -> Self {
        Self {
            rhos: vec![0.5, 1.5, 2.0, 4.0, 8.0],
            eta_fractions: crate::numerics::linspace(0.3, 1.2, 37),
            max_iterations: 100_000,
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
    let runs = sweep_steps(&c, options)?;
    let mut report =
        Report::new(ID, "Maps with larger singular values need smaller steps").with_config(&c)?;
    let (table, largest) = largest_steps(&c, &runs)?;
    report.claims.extend(claims(&c, &table, &largest));
    report.figures.push(figure(&c, largest)?);
    report.tables.push(table);
    Ok(report)
}

fn check(c: &Config) -> Result<()> {
    let f = Fields::of(ID);
    f.at_least("depth", c.depth, 2)?;
    f.list("rhos", &c.rhos, 2)?;
    f.list("eta_fractions", &c.eta_fractions, 1)?;
    f.list("relative_spectrum", &c.relative_spectrum, 1)?;
    f.each("eta_fractions", &c.eta_fractions, |e| e > 0.0, "> 0")?;
    f.tasks(
        "rhos × eta_fractions",
        &[c.rhos.len(), c.eta_fractions.len()],
    )?;
    Ok(())
}

/// Whether GD from identity init converges, per (ρ, fraction of Corollary 1's bound).
fn sweep_steps(c: &Config, options: &RunOptions) -> Result<Vec<bool>> {
    let n = c.relative_spectrum.len();
    let q = random_orthogonal(n, c.seed)?;
    let nf = c.eta_fractions.len();
    seeded_sweep(ID, options, c.rhos.len() * nf, 0, |i, _| {
        let rho = c.rhos[i / nf];
        let spectrum: Vec<f64> = c.relative_spectrum.iter().map(|s| s * rho).collect();
        // bound: a config's depth is at most `MAX_COUNT`; the widths at most `MAX_PARAMETERS`.
        let net = DeepLinear::whitened(&vec![n; c.depth + 1], symmetric_target(&spectrum, &q)?)?;
        let eta = c.eta_fractions[i % nf] * corollary1_bound(rho, c.depth)?;
        Ok(train(
            &net,
            &initialize(&net, &Initialization::Identity)?,
            eta,
            c.max_iterations,
        )?
        .converged)
    })
}

/// Per ρ: Corollary 1's bound and the largest step on the grid that converged.
fn largest_steps(c: &Config, runs: &[bool]) -> Result<(Table, Vec<f64>)> {
    let nf = c.eta_fractions.len();
    let mut table = Table::new(
        "largest-step",
        &["rho", "corollary1_bound", "largest_convergent_eta"],
    );
    let mut largest = Vec::new();
    for (k, rho) in c.rhos.iter().enumerate() {
        let bound = corollary1_bound(*rho, c.depth)?;
        let best = (0..nf)
            .filter(|j| runs[k * nf + j])
            .map(|j| c.eta_fractions[j] * bound)
            .fold(0.0, f64::max);
        table.push(vec![*rho, bound, best]);
        largest.push(best);
    }
    Ok((table, largest))
}

/// The largest convergent step falls as ρ grows and never exceeds Corollary 1's bound.
fn claims(c: &Config, table: &Table, largest: &[f64]) -> Vec<Claim> {
    let mut claims = Vec::new();
    let decreasing = largest.windows(2).all(|w| w[1] < w[0]) && largest.iter().all(|v| *v > 0.0);
    claims.push(Claim::new(
        ID,
        "the largest step that fits the target falls as ρ(R) grows",
        None,
        largest[largest.len() - 1] / largest[0],
        format!("largest convergent η (identity init, L = {}) at the largest ρ over that at the smallest; holds iff strictly decreasing in ρ (values {largest:?})", c.depth),
        decreasing,
    ));
    let worst = table.rows.iter().map(|r| r[2] / r[1]).fold(0.0, f64::max);
    claims.push(Claim::new(
        ID,
        "and never exceeds Corollary 1's 2/(Lρ^{2(L−1)/L})",
        Some(1.0),
        worst,
        "max over ρ of (largest convergent η) / (Corollary 1 bound); holds iff ≤ 1",
        worst <= 1.0 + 1e-12,
    ));
    claims
}

/// The largest convergent step against ρ, beside Corollary 1's bound.
fn figure(c: &Config, largest: Vec<f64>) -> Result<Figure> {
    let mut fig = Figure::new(
        "ns-large-sv",
        "Largest convergent step vs largest singular value",
        "rho(R)",
        "eta",
    );
    fig.log_x = true;
    fig.log_y = true;
    let fine: Vec<f64> =
        crate::numerics::linspace(c.rhos[0].ln(), c.rhos[c.rhos.len() - 1].ln(), 60)
            .into_iter()
            .map(f64::exp)
            .collect();
    fig.lines.push(Series::new(
        "Corollary 1: 2/(L rho^(2(L-1)/L))",
        fine.clone(),
        fine.iter()
            .map(|r| corollary1_bound(*r, c.depth))
            .collect::<std::result::Result<_, _>>()?,
    ));
    fig.points.push(Series::new(
        "largest convergent eta (identity init)",
        c.rhos.clone(),
        largest,
    ));
    Ok(fig)
}
