//! ns-thm1 — Nar & Sastry, Theorem 1 and Corollaries 1–2: from random initialization, GD with
//! step η converges only to solutions whose Theorem 1 bound is ≥ η; so no global optimum is
//! reachable above 2/(Lρ^{2(L−1)/L}) (Corollary 1), and a solution reached with step η has
//! ρ(R̂) ≤ (2/(Lη))^{L/(2L−2)} (Corollary 2).

use crate::error::Result;
use crate::field_check::Fields;
use crate::numerics::linspace;
use crate::report::{Claim, Figure, Report, Series, Table};
use crate::run_options::RunOptions;
use crate::seeded_sweep::seeded_sweep;
use crate::settings::linear_training::train;
use gd_models::linear_data::{random_orthogonal, symmetric_target};
use gd_models::{DeepLinear, Initialization, initialize};
use gd_theory::deep_linear::{
    corollary1_bound, corollary2_singular_value_bound, spectral_norm, theorem1,
};
use serde::{Deserialize, Serialize};

/// Catalogue id.
pub const ID: &str = "ns-thm1";

/// Slack on "bound ≥ η" and "ρ ≤ Corollary 2": both sides are computed to ~1e-14 relative.
const SLACK: f64 = 1e-9;

/// Settings.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Width n of every layer.
    pub width: usize,
    /// Depth L.
    pub depth: usize,
    /// Eigenvalues of the symmetric PSD target R (ρ(R) is the largest).
    pub spectrum: Vec<f64>,
    /// Step sizes as multiples of the Corollary 1 bound.
    pub eta_fractions: Vec<f64>,
    /// Random initializations per step size.
    pub seeds: usize,
    /// Standard deviation of the Gaussian initialization.
    pub init_scale: f64,
    /// Iteration budget.
    pub max_iterations: usize,
    /// Master seed.
    pub seed: u64,
}

impl Config {
    fn quick() -> Self {
        Self {
            width: 3,
            depth: 3,
            spectrum: vec![0.5, 1.2, 2.0],
            eta_fractions: linspace(0.2, 1.4, 7),
            seeds: 3,
            init_scale: 0.8,
            max_iterations: 30_000,
            seed: 1,
        }
    }

    fn full() -> Self {
        Self {
            eta_fractions: linspace(0.1, 1.4, 27),
            seeds: 12,
            max_iterations: 200_000,
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
    let r = symmetric_target(&c.spectrum, &random_orthogonal(c.width, c.seed)?)?;
    let rho = spectral_norm(r.as_ref())?;
    let cor1 = corollary1_bound(rho, c.depth)?;
    // bound: a config's depth is at most `MAX_COUNT`; the widths at most `MAX_PARAMETERS`.
    let net = DeepLinear::whitened(&vec![c.width; c.depth + 1], r)?;
    let runs = sweep_inits(&c, &net, cor1, options)?;
    let mut report = Report::new(
        ID,
        "Theorem 1, Corollaries 1–2: step-size bounds for deep linear networks",
    )
    .with_config(&c)?;
    let table = runs_table(&runs, cor1);
    report.claims.extend(claims(&c, &runs, cor1)?);
    report.notes.push(format!(
        "n = {}, L = {}, R symmetric PSD with spectrum {:?} (ρ = {rho}), Gaussian init with σ = {}; Corollary 1 bound {cor1:.6}. Converged means: fixed point, loss < 1e-16, and η·λmax ≤ 2 at the end point.",
        c.width, c.depth, c.spectrum, c.init_scale
    ));
    report.figures.extend(figures(&c, &runs, cor1));
    report.tables.push(table);
    Ok(report)
}

fn check(c: &Config) -> Result<()> {
    let f = Fields::of(ID);
    f.at_least("width", c.width, 1)?;
    f.at_least("depth", c.depth, 2)?;
    f.require(
        c.spectrum.len() == c.width,
        "spectrum",
        format!("{} values", c.spectrum.len()),
        format!("one value per unit of width ({})", c.width),
    )?;
    f.at_least("seeds", c.seeds, 1)?;
    f.list("eta_fractions", &c.eta_fractions, 1)?;
    f.each("eta_fractions", &c.eta_fractions, |e| e > 0.0, "> 0")?;
    f.require(c.init_scale >= 0.0, "init_scale", c.init_scale, "≥ 0")?;
    f.tasks("seeds × eta_fractions", &[c.seeds, c.eta_fractions.len()])?;
    Ok(())
}

/// One run: (η, converged, Theorem 1 bound of the solution, ρ(R̂), λmax at the end).
type Run = (f64, bool, f64, f64, f64);

/// GD from `seeds` Gaussian inits at each fraction of Corollary 1's bound.
fn sweep_inits(c: &Config, net: &DeepLinear, cor1: f64, options: &RunOptions) -> Result<Vec<Run>> {
    let tasks = c.eta_fractions.len() * c.seeds;
    seeded_sweep(ID, options, tasks, c.seed, |i, _| {
        let eta = c.eta_fractions[i / c.seeds] * cor1;
        let init = Initialization::Gaussian {
            scale: c.init_scale,
            seed: c.seed.wrapping_mul(1000).wrapping_add((i % c.seeds) as u64),
        };
        let run = train(net, &initialize(net, &init)?, eta, c.max_iterations)?;
        let (bound, top) = if run.converged {
            let layers: Vec<_> = (1..=c.depth).map(|j| net.layer(&run.theta, j)).collect();
            (
                theorem1(&layers)?.bound,
                spectral_norm(net.product(&run.theta).as_ref())?,
            )
        } else {
            (f64::NAN, f64::NAN)
        };
        Ok((eta, run.converged, bound, top, run.sharpness))
    })
}

/// Every run as a row.
fn runs_table(runs: &[Run], cor1: f64) -> Table {
    let mut table = Table::new(
        "runs",
        &[
            "eta",
            "eta_over_cor1",
            "converged",
            "theorem1_bound",
            "top_singular_value",
            "sharpness",
        ],
    )
    .with_flag_legend("converged");
    for (eta, ok, bound, top, sharp) in runs {
        table.push(vec![
            *eta,
            eta / cor1,
            *ok as u8 as f64,
            *bound,
            *top,
            *sharp,
        ]);
    }
    table
}

/// Corollary 1, Theorem 1 and Corollary 2 at every solution reached.
fn claims(c: &Config, runs: &[Run], cor1: f64) -> Result<Vec<Claim>> {
    let tasks = runs.len();
    let mut claims = Vec::new();
    let converged: Vec<_> = runs.iter().filter(|r| r.1).collect();
    let largest = converged.iter().map(|r| r.0).fold(0.0, f64::max);
    claims.push(Claim::new(
        ID,
        "Corollary 1: GD from random init reaches no global optimum with η > 2/(Lρ^{2(L−1)/L})",
        Some(cor1),
        largest,
        format!("largest η of the {} converged runs (of {tasks}); holds iff ≤ the bound and some run converged", converged.len()),
        !converged.is_empty() && largest <= cor1 * (1.0 + SLACK),
    ));
    let worst_margin = converged
        .iter()
        .map(|r| r.2 / r.0)
        .fold(f64::INFINITY, f64::min);
    claims.push(Claim::new(
        ID,
        "Theorem 1: every solution reached with step η has 2/Σ p²q² ≥ η",
        Some(1.0),
        worst_margin,
        "min over converged runs of (Theorem 1 bound of the solution) / η; holds iff ≥ 1",
        worst_margin >= 1.0 - SLACK,
    ));
    let worst_cor2 = converged
        .iter()
        .map(|r| corollary2_singular_value_bound(r.0, c.depth).map(|b| r.3 / b))
        .collect::<std::result::Result<Vec<_>, _>>()?
        .into_iter()
        .fold(0.0, f64::max);
    claims.push(Claim::new(
        ID,
        "Corollary 2: a solution reached with step η has ρ(R̂) ≤ (2/(Lη))^{L/(2L−2)}",
        Some(1.0),
        worst_cor2,
        "max over converged runs of ρ(R̂) / Corollary 2 bound; holds iff ≤ 1",
        worst_cor2 <= 1.0 + SLACK,
    ));
    Ok(claims)
}

/// Each solution's Theorem 1 bound against the step that reached it; the converged fraction.
fn figures(c: &Config, runs: &[Run], cor1: f64) -> [Figure; 2] {
    let converged: Vec<_> = runs.iter().filter(|r| r.1).collect();
    let mut fig = Figure::new(
        "ns-thm1",
        "Theorem 1: the bound of each solution reached vs the step that reached it",
        "eta",
        "Theorem 1 bound of the solution",
    );
    fig.points.push(Series::new(
        "solutions reached",
        converged.iter().map(|r| r.0).collect(),
        converged.iter().map(|r| r.2).collect(),
    ));
    let etas: Vec<f64> = c.eta_fractions.iter().map(|f| f * cor1).collect();
    let ymax = converged.iter().map(|r| r.2).fold(cor1, f64::max);
    fig.lines
        .push(Series::new("bound = eta", etas.clone(), etas.clone()));
    fig.lines.push(Series::new(
        "Corollary 1 bound",
        vec![cor1, cor1],
        vec![0.0, ymax],
    ));
    let mut fractions = Figure::new(
        "ns-thm1-converged",
        "Fraction of random inits that reach a global minimum",
        "eta / Corollary 1 bound",
        "fraction converged",
    );
    fractions.lines.push(Series::new(
        "measured",
        c.eta_fractions.clone(),
        (0..c.eta_fractions.len())
            .map(|k| {
                runs[k * c.seeds..(k + 1) * c.seeds]
                    .iter()
                    .filter(|r| r.1)
                    .count() as f64
                    / c.seeds as f64
            })
            .collect(),
    ));
    fractions
        .lines
        .push(Series::new("Corollary 1", vec![1.0, 1.0], vec![0.0, 1.0]));
    [fig, fractions]
}
