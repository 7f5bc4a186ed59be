//! ns-residual — Nar & Sastry's claim: identity (residual) initialization allows the largest
//! step size, compared with Gaussian, orthogonal and identity-plus-noise initialization of the
//! same depth. The convergent set need not be an interval, so we report the largest step at
//! which every seed converged, per initialization.

use crate::error::Result;
use crate::field_check::Fields;
use crate::numerics::linspace;
use crate::report::{Claim, Figure, Report, Series, Table};
use crate::run_options::RunOptions;
use crate::seeded_sweep::seeded_sweep;
use crate::settings::linear_training::train;
use gd_models::linear_data::{random_orthogonal, symmetric_target};
use gd_models::{DeepLinear, Initialization, initialize};
use gd_theory::deep_linear::{corollary1_bound, spectral_norm};
use serde::{Deserialize, Serialize};

/// Catalogue id.
pub const ID: &str = "ns-residual";

/// Settings.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Depth L.
    pub depth: usize,
    /// Target spectrum (PD, none equal to 1).
    pub spectrum: Vec<f64>,
    /// Steps tried, as multiples of the Corollary 1 bound.
    pub eta_fractions: Vec<f64>,
    /// Seeds per random initialization.
    pub seeds: usize,
    /// Standard deviation of the Gaussian initialization.
    pub gaussian_scale: f64,
    /// Standard deviation of the noise in identity-plus-noise.
    pub noise_scale: f64,
    /// Iteration budget.
    pub max_iterations: usize,
    /// Master seed.
    pub seed: u64,
}

impl Config {
    fn quick() -> Self {
        Self {
            depth: 6,
            spectrum: vec![0.5, 0.9, 1.4, 2.0],
            eta_fractions: linspace(0.1, 1.0, 10),
            seeds: 2,
            gaussian_scale: 0.6,
            noise_scale: 0.1,
            max_iterations: 20_000,
            seed: 7,
        }
    }

    fn full() -> Self {
        Self {
            eta_fractions: linspace(0.05, 1.1, 22),
            seeds: 6,
            max_iterations: 100_000,
            ..Self::quick()
        }
    }
}

const INITS: [&str; 4] = ["identity", "gaussian", "orthogonal", "identity+noise"];

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
        "Identity (residual) initialization tolerates the largest step",
    )
    .with_config(&c)?;
    let (table, fig, largest) = tabulate(&c, &runs);
    report.claims.push(claim(&largest));
    report.notes.push(format!(
        "Init codes in the CSV: 0 identity, 1 Gaussian (σ = {}), 2 orthogonal, 3 identity + N(0, {}²). The catalogue warns not to overclaim: at moderate depth other inits also drift to near-balanced solutions, so the advantage may show mostly as speed and robustness at depth.",
        c.gaussian_scale, c.noise_scale
    ));
    report.figures.push(fig);
    report.tables.push(table);
    Ok(report)
}

fn check(c: &Config) -> Result<()> {
    let f = Fields::of(ID);
    f.at_least("depth", c.depth, 2)?;
    f.at_least("seeds", c.seeds, 1)?;
    f.list("spectrum", &c.spectrum, 1)?;
    f.list("eta_fractions", &c.eta_fractions, 1)?;
    f.each("eta_fractions", &c.eta_fractions, |e| e > 0.0, "> 0")?;
    f.require(
        c.gaussian_scale >= 0.0,
        "gaussian_scale",
        c.gaussian_scale,
        "≥ 0",
    )?;
    f.require(c.noise_scale >= 0.0, "noise_scale", c.noise_scale, "≥ 0")?;
    f.tasks("seeds × eta_fractions", &[c.seeds, c.eta_fractions.len()])?;
    Ok(())
}

/// Whether each (init, η fraction, seed) run converged, in that order.
fn sweep_inits(c: &Config, options: &RunOptions) -> Result<Vec<bool>> {
    let n = c.spectrum.len();
    let r = symmetric_target(&c.spectrum, &random_orthogonal(n, c.seed)?)?;
    let bound = corollary1_bound(spectral_norm(r.as_ref())?, c.depth)?;
    // bound: a config's depth is at most `MAX_COUNT`; the widths at most `MAX_PARAMETERS`.
    let net = DeepLinear::whitened(&vec![n; c.depth + 1], r)?;
    let (nf, ns) = (c.eta_fractions.len(), c.seeds);
    let tasks = INITS.len() * nf * ns;
    seeded_sweep(ID, options, tasks, c.seed, |i, _| {
        let (init, rest) = (i / (nf * ns), i % (nf * ns));
        let (f, s) = (
            rest / ns,
            ((rest % ns) as u64).wrapping_add(c.seed.wrapping_mul(100)),
        );
        let rule = match init {
            0 => Initialization::Identity,
            1 => Initialization::Gaussian {
                scale: c.gaussian_scale,
                seed: s,
            },
            2 => Initialization::Orthogonal { seed: s },
            _ => Initialization::IdentityPlusNoise {
                scale: c.noise_scale,
                seed: s,
            },
        };
        Ok(train(
            &net,
            &initialize(&net, &rule)?,
            c.eta_fractions[f] * bound,
            c.max_iterations,
        )?
        .converged)
    })
}

/// Per init: the converged fraction at each η (table and curve) and the largest η at which
/// every seed converged.
fn tabulate(c: &Config, runs: &[bool]) -> (Table, Figure, Vec<f64>) {
    let (nf, ns) = (c.eta_fractions.len(), c.seeds);
    let mut table = Table::new(
        "fractions",
        &["init", "eta_over_cor1", "fraction_converged"],
    )
    .with_legend(
        "init",
        &[
            (0.0, INITS[0]),
            (1.0, INITS[1]),
            (2.0, INITS[2]),
            (3.0, INITS[3]),
        ],
    );
    let mut fig = Figure::new(
        "ns-residual",
        &format!("Fraction of seeds converging vs step (L = {})", c.depth),
        "eta / Corollary 1 bound",
        "fraction converged",
    );
    let mut largest = Vec::new();
    for (k, name) in INITS.iter().enumerate() {
        let fractions: Vec<f64> = (0..nf)
            .map(|f| (0..ns).filter(|s| runs[k * nf * ns + f * ns + s]).count() as f64 / ns as f64)
            .collect();
        for (f, v) in c.eta_fractions.iter().zip(&fractions) {
            table.push(vec![k as f64, *f, *v]);
        }
        largest.push(
            c.eta_fractions
                .iter()
                .zip(&fractions)
                .filter(|(_, v)| **v == 1.0)
                .map(|(f, _)| *f)
                .fold(0.0, f64::max),
        );
        fig.lines
            .push(Series::new(*name, c.eta_fractions.clone(), fractions));
    }
    (table, fig, largest)
}

/// Identity's largest fully convergent step is at least every other init's.
fn claim(largest: &[f64]) -> Claim {
    let others = largest[1..].iter().copied().fold(0.0, f64::max);
    Claim::new(
        ID,
        "identity initialization converges at the largest step size",
        Some(others),
        largest[0],
        format!(
            "largest η/bound at which every seed converged: identity vs the best of Gaussian, orthogonal, identity+noise ({:?}); holds iff identity's ≥ every other's",
            &largest[1..]
        ),
        largest[0] >= others,
    )
}
