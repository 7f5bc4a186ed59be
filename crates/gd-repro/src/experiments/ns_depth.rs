//! ns-depth — Nar & Sastry's claim: at a fixed step size, deep linear networks fit worse as
//! depth grows. Mechanism: Corollary 1 forbids every global optimum once
//! L ρ^{2(L−1)/L} > 2/η; Theorem 2 guarantees convergence from identity init while
//! L ρ^{2(L−1)/L} ≤ 1/η.

use crate::error::Result;
use crate::field_check::Fields;
use crate::report::{Claim, Figure, Report, Series, Table};
use crate::run_options::RunOptions;
use crate::seeded_sweep::seeded_sweep;
use crate::settings::linear_training::train;
use gd_models::linear_data::{random_orthogonal, symmetric_target};
use gd_models::{DeepLinear, Initialization, initialize};
use gd_theory::deep_linear::{corollary1_bound, theorem2_step_bound};
use serde::{Deserialize, Serialize};

/// Catalogue id.
pub const ID: &str = "ns-depth";

/// Final loss above which a run "failed to fit": far above the ~1e-30 of converged runs.
const FIT_LOSS: f64 = 1e-10;

/// Settings.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The fixed step size.
    pub eta: f64,
    /// Largest singular values ρ of the targets (one curve each).
    pub rhos: Vec<f64>,
    /// Target spectrum relative to ρ (none may make an eigenvalue equal 1).
    pub relative_spectrum: Vec<f64>,
    /// Depths tried.
    pub depths: Vec<usize>,
    /// Iteration budget.
    pub max_iterations: usize,
    /// Seed of the eigenbasis.
    pub seed: u64,
}

impl Config {
    fn quick() -> Self {
        Self {
            eta: 0.05,
            rhos: vec![2.0, 3.0],
            relative_spectrum: vec![0.35, 0.55, 0.8, 1.0],
            depths: (1..=16).collect(),
            max_iterations: 20_000,
            seed: 5,
        }
    }

    fn full() -> Self {
        Self {
            rhos: vec![1.5, 2.0, 3.0],
            depths: (1..=30).collect(),
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
    let runs = sweep_depths(&c, options)?;
    let mut report =
        Report::new(ID, "Deeper linear networks fit worse at a fixed step size").with_config(&c)?;
    let (table, fig, notes, counts) = tabulate(&c, &runs);
    report.notes.extend(notes);
    report.claims.extend(claims(counts));
    report.figures.push(fig);
    report.tables.push(table);
    Ok(report)
}

fn check(c: &Config) -> Result<()> {
    let f = Fields::of(ID);
    f.positive("eta", c.eta)?;
    f.list("rhos", &c.rhos, 1)?;
    f.list("depths", &c.depths, 1)?;
    f.list("relative_spectrum", &c.relative_spectrum, 1)?;
    f.each("depths", &c.depths, |l| l >= 1, "at least 1")?;
    f.each(
        "relative_spectrum",
        &c.relative_spectrum,
        |s| s > 0.0,
        "> 0",
    )?;
    for rho in &c.rhos {
        f.each(
            "relative_spectrum",
            &c.relative_spectrum,
            |s| (s * rho - 1.0).abs() > 1e-3,
            &format!("ρ·s ≠ 1 (within 1e-3) for ρ = {rho}: an eigenvalue 1 of the target is already reached at the identity"),
        )?;
    }
    f.tasks("rhos × depths", &[c.rhos.len(), c.depths.len()])?;
    Ok(())
}

/// Per (ρ, L): (converged, final loss, Corollary 1 bound, Theorem 2 bound).
type DepthRun = (bool, f64, f64, f64);

/// GD from identity init at the fixed η for every target scale ρ and depth L.
fn sweep_depths(c: &Config, options: &RunOptions) -> Result<Vec<DepthRun>> {
    let n = c.relative_spectrum.len();
    let q = random_orthogonal(n, c.seed)?;
    let nd = c.depths.len();
    seeded_sweep(ID, options, c.rhos.len() * nd, 0, |i, _| {
        let rho = c.rhos[i / nd];
        let depth = c.depths[i % nd];
        let spectrum: Vec<f64> = c.relative_spectrum.iter().map(|s| s * rho).collect();
        // bound: a config's depth is at most `MAX_COUNT`; the widths at most `MAX_PARAMETERS`.
        let net = DeepLinear::whitened(&vec![n; depth + 1], symmetric_target(&spectrum, &q)?)?;
        let run = train(
            &net,
            &initialize(&net, &Initialization::Identity)?,
            c.eta,
            c.max_iterations,
        )?;
        Ok((
            run.converged,
            run.loss,
            corollary1_bound(rho, depth)?,
            theorem2_step_bound(rho, depth)?,
        ))
    })
}

/// (runs with η above Corollary 1's bound that fit, runs within Theorem 2's bound that did not).
type Counts = (usize, usize);

/// Every run as a row, the loss-vs-depth figure with each ρ's critical depth, a note per ρ,
/// and the counts the claims judge.
fn tabulate(c: &Config, runs: &[DepthRun]) -> (Table, Figure, Vec<String>, Counts) {
    let nd = c.depths.len();
    let mut notes = Vec::new();
    let mut table = Table::new(
        "runs",
        &[
            "rho",
            "depth",
            "final_loss",
            "converged",
            "corollary1_bound",
            "theorem2_bound",
        ],
    )
    .with_flag_legend("converged");
    let mut fig = Figure::new(
        "ns-depth",
        &format!("Final loss vs depth at eta = {} (identity init)", c.eta),
        "depth L",
        "final loss",
    );
    fig.log_y = true;
    let (mut forbidden_fits, mut guaranteed_misses) = (0, 0);
    for (k, rho) in c.rhos.iter().enumerate() {
        let group = &runs[k * nd..(k + 1) * nd];
        let critical = c
            .depths
            .iter()
            .zip(group)
            .find(|(_, r)| c.eta > r.2)
            .map(|(l, _)| *l);
        for (depth, r) in c.depths.iter().zip(group) {
            table.push(vec![*rho, *depth as f64, r.1, r.0 as u8 as f64, r.2, r.3]);
            let fits = r.0 && r.1 < FIT_LOSS;
            forbidden_fits += usize::from(c.eta > r.2 && fits);
            guaranteed_misses += usize::from(c.eta <= r.3 && !fits);
        }
        fig.points.push(Series::new(
            format!("rho = {rho}"),
            c.depths.iter().map(|l| *l as f64).collect(),
            group.iter().map(|r| r.1.clamp(1e-32, 1e6)).collect(),
        ));
        if let Some(l) = critical {
            fig.lines.push(Series::new(
                format!("L* (Corollary 1), rho = {rho}"),
                vec![l as f64, l as f64],
                vec![1e-32, 1e6],
            ));
            notes.push(format!(
                "ρ = {rho}: predicted critical depth L* = {l} (first L with η > 2/(Lρ^(2(L−1)/L))); depths that fit: {:?}.",
                c.depths.iter().zip(group).filter(|(_, r)| r.0 && r.1 < FIT_LOSS).map(|(l, _)| *l).collect::<Vec<_>>()
            ));
        }
    }
    (table, fig, notes, (forbidden_fits, guaranteed_misses))
}

/// No fit beyond the critical depth; a fit at every depth within Theorem 2's bound.
fn claims((forbidden_fits, guaranteed_misses): Counts) -> Vec<Claim> {
    let mut claims = Vec::new();
    claims.push(Claim::new(
        ID,
        "beyond the critical depth (η > 2/(Lρ^{2(L−1)/L})) no network fits the target",
        Some(0.0),
        forbidden_fits as f64,
        format!("number of (ρ, L) with η above the Corollary 1 bound whose run fit (loss < {FIT_LOSS:e}); holds iff 0"),
        forbidden_fits == 0,
    ));
    claims.push(Claim::new(
        ID,
        "while η ≤ Theorem 2's bound, identity init fits at every depth",
        Some(0.0),
        guaranteed_misses as f64,
        "number of (ρ, L) with η within Theorem 2's bound whose run did not fit; holds iff 0",
        guaranteed_misses == 0,
    ));
    claims
}
