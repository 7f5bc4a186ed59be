//! mjs-noise — Mohtashami, Jaggi & Stich, claim B: raising stochasticity without changing the
//! step does not replace a large step when training networks. SGD at a large step η_L, at a
//! small step η_S, and at η_S with the catalogue's unbiased, covariance-preserving extra noise
//! g̃ = g_B + √(η_L/η_S − 1)·(g_B′ − g_B″)/√2 (two more independent mini-batches), each followed
//! by a common small-step phase; several seeds; train loss, test accuracy, final λmax.

use crate::error::Result;
use crate::field_check::Fields;
use crate::report::{Claim, Figure, Report, Series, Table, Verdict};
use crate::run_options::RunOptions;
use crate::seeded_sweep::seeded_sweep;
use gd_core::{Objective, SampleObjective, extreme_eigenvalues};
use gd_models::datasets::two_spirals;
use gd_models::{Activation, Mlp, MlpLoss};
use rand::RngExt;
use serde::{Deserialize, Serialize};

/// Catalogue id.
pub const ID: &str = "mjs-noise";

/// Settings.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Layer sizes (2 inputs, 2 classes).
    pub sizes: Vec<usize>,
    /// Training points per spiral.
    pub train_per_class: usize,
    /// Test points per spiral.
    pub test_per_class: usize,
    /// Spiral turns.
    pub turns: f64,
    /// Jitter of the spirals.
    pub jitter: f64,
    /// The large step η_L.
    pub large_eta: f64,
    /// The small step η_S.
    pub small_eta: f64,
    /// Mini-batch size.
    pub batch: usize,
    /// Steps of the first phase (at η_L, η_S, or η_S with noise).
    pub phase1: usize,
    /// Steps of the common small-step phase.
    pub phase2: usize,
    /// Seeds per variant.
    pub seeds: usize,
    /// Master seed.
    pub seed: u64,
}

impl Config {
    fn quick() -> Self {
        Self {
            sizes: vec![2, 24, 24, 2],
            train_per_class: 60,
            test_per_class: 200,
            turns: 1.25,
            jitter: 0.05,
            large_eta: 0.8,
            small_eta: 0.08,
            batch: 8,
            phase1: 3000,
            phase2: 1000,
            seeds: 2,
            seed: 31,
        }
    }

    fn full() -> Self {
        Self {
            phase1: 20_000,
            phase2: 5000,
            seeds: 5,
            ..Self::quick()
        }
    }
}

const VARIANTS: [&str; 3] = ["large step", "small step", "small step + noise"];

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
    let runs = sweep_variants(&c, options)?;
    let mut report = Report::new(
        ID,
        "Noise at a small step does not replace a large step (SGD on a network)",
    )
    .with_config(&c)?;
    let (table, stats, notes) = variant_table(&c, &runs);
    report.notes.extend(notes);
    report.claims.extend(claims(&c, &stats));
    report.notes.push(format!(
        "Paper values: not available (the paper trains a ResNet-18 without batch norm on CIFAR-10/100 on a GPU). Ours: two spirals ({} training, {} test points, {} turns), a tanh MLP {:?} with softmax cross-entropy, batch {}, η_L = {}, η_S = {}, {} steps then {} common steps at η_S. The catalogue notes that a plain synthetic task may not show the accuracy effect at CPU scale while the sharpness effect does; a verdict of “not reproduced at CPU scale” is a measured outcome, not a failure of the code.",
        2 * c.train_per_class, 2 * c.test_per_class, c.turns, c.sizes, c.batch, c.large_eta, c.small_eta, c.phase1, c.phase2
    ));
    report.figures.push(figure(&table, &stats));
    report.tables.push(table);
    Ok(report)
}

fn check(c: &Config) -> Result<()> {
    let f = Fields::of(ID);
    f.step_pair(c.small_eta, c.large_eta)?;
    f.at_least("batch", c.batch, 1)?;
    let samples = 2 * c.train_per_class;
    f.require(
        c.batch <= samples,
        "batch",
        c.batch,
        format!("at most the {samples} training samples (2 × train_per_class)"),
    )?;
    f.at_least("seeds", c.seeds, 1)?;
    f.at_least("train_per_class", c.train_per_class, 1)?;
    f.at_least("test_per_class", c.test_per_class, 1)?;
    f.list("sizes", &c.sizes, 2)?;
    f.each("sizes", &c.sizes, |n| n >= 1, "at least 1")?;
    f.require(c.jitter >= 0.0, "jitter", c.jitter, "≥ 0")?;
    f.tasks("seeds × 3 variants", &[c.seeds, 3])?;
    Ok(())
}

/// Per variant and seed: (final train loss, test accuracy, final λmax) after both phases.
fn sweep_variants(c: &Config, options: &RunOptions) -> Result<Vec<(f64, f64, f64)>> {
    let train = two_spirals(c.train_per_class, c.turns, c.jitter, c.seed)?;
    let test = two_spirals(c.test_per_class, c.turns, c.jitter, c.seed.wrapping_add(1))?;
    let mlp = Mlp::new(
        &c.sizes,
        Activation::Tanh,
        MlpLoss::SoftmaxCrossEntropy,
        train.x,
        train.y,
    )?;
    let test_mlp = mlp.with_data(test.x, test.y)?;
    let n = mlp.num_samples();
    let scale = (c.large_eta / c.small_eta - 1.0).sqrt() / 2f64.sqrt();
    seeded_sweep(ID, options, VARIANTS.len() * c.seeds, c.seed, |i, rng| {
        let variant = i / c.seeds;
        let mut theta = mlp.initialize(
            1.0,
            c.seed.wrapping_mul(1000).wrapping_add((i % c.seeds) as u64),
        );
        let mut ws = mlp.workspace();
        let d = mlp.dim();
        let (mut g, mut g1, mut g2) = (vec![0.0; d], vec![0.0; d], vec![0.0; d]);
        let (mut b0, mut b1, mut b2) = (vec![0; c.batch], vec![0; c.batch], vec![0; c.batch]);
        for k in 0..c.phase1 + c.phase2 {
            let phase1 = k < c.phase1;
            let eta = if phase1 && variant == 0 {
                c.large_eta
            } else {
                c.small_eta
            };
            for slot in b0.iter_mut() {
                *slot = rng.random_range(0..n);
            }
            mlp.minibatch_loss_and_gradient(&theta, &b0, &mut g, &mut ws);
            if phase1 && variant == 2 {
                for (s1, s2) in b1.iter_mut().zip(b2.iter_mut()) {
                    *s1 = rng.random_range(0..n);
                    *s2 = rng.random_range(0..n);
                }
                mlp.minibatch_loss_and_gradient(&theta, &b1, &mut g1, &mut ws);
                mlp.minibatch_loss_and_gradient(&theta, &b2, &mut g2, &mut ws);
                for j in 0..d {
                    g[j] += scale * (g1[j] - g2[j]);
                }
            }
            for j in 0..d {
                theta[j] -= eta * g[j];
            }
        }
        let loss = mlp.loss(&theta, &mut ws);
        let sharpness = if loss.is_finite() {
            extreme_eigenvalues(&mlp, &theta)?.sharpness()
        } else {
            f64::NAN
        };
        Ok((loss, test_mlp.accuracy(&theta), sharpness))
    })
}

/// Per variant: (mean test accuracy, its standard deviation, mean train loss, mean λmax).
type VariantStats = (f64, f64, f64, f64);

/// Every run as a row, each variant's statistics, and a note per variant.
fn variant_table(c: &Config, runs: &[(f64, f64, f64)]) -> (Table, Vec<VariantStats>, Vec<String>) {
    let mut notes = Vec::new();
    let mut table = Table::new(
        "runs",
        &[
            "variant",
            "seed",
            "train_loss",
            "test_accuracy",
            "sharpness",
        ],
    )
    .with_legend(
        "variant",
        &[(0.0, VARIANTS[0]), (1.0, VARIANTS[1]), (2.0, VARIANTS[2])],
    );
    let mut stats = Vec::new();
    for v in 0..VARIANTS.len() {
        let g = &runs[v * c.seeds..(v + 1) * c.seeds];
        for (s, r) in g.iter().enumerate() {
            table.push(vec![v as f64, s as f64, r.0, r.1, r.2]);
        }
        let mean =
            |f: &dyn Fn(&(f64, f64, f64)) -> f64| g.iter().map(f).sum::<f64>() / g.len() as f64;
        let (acc, loss, sharp) = (mean(&|r| r.1), mean(&|r| r.0), mean(&|r| r.2));
        let spread = (g.iter().map(|r| (r.1 - acc).powi(2)).sum::<f64>() / g.len() as f64).sqrt();
        let (lo, hi) = g
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), r| {
                (a.min(r.1), b.max(r.1))
            });
        notes.push(format!(
            "{}: test accuracy mean {acc:.4} (sd {spread:.4}, range {lo:.4}–{hi:.4}, {} seeds), train loss mean {loss:.4e}, final λmax mean {sharp:.4}.",
            VARIANTS[v],
            g.len()
        ));
        stats.push((acc, spread, loss, sharp));
    }
    (table, stats, notes)
}

/// Noise at η_S against η_L: test accuracy, and the flatness of the end point.
fn claims(c: &Config, stats: &[VariantStats]) -> [Claim; 2] {
    let (large, noisy) = (stats[0], stats[2]);
    let margin = 2.0 * large.1.max(noisy.1) / (c.seeds as f64).sqrt();
    let reproduced = large.0 > noisy.0 + margin;
    let mut claim = Claim::new(
        ID,
        "SGD at a small step with covariance-preserving extra noise does not match SGD at a large step (test accuracy)",
        Some(large.0),
        noisy.0,
        format!(
            "mean test accuracy with noise at η_S (measured) vs at η_L (theory column); reproduced iff below by more than 2 standard errors ({margin:.4})"
        ),
        reproduced,
    );
    if !reproduced {
        claim.verdict = Verdict::NotReproducedAtCpuScale;
    }
    let mut sharp_claim = Claim::new(
        ID,
        "the large step ends flatter than the small step with noise",
        Some(large.3),
        noisy.3,
        "mean final λmax with noise at η_S (measured) vs at η_L (theory column); reproduced iff higher",
        noisy.3 > large.3,
    );
    if noisy.3 <= large.3 {
        sharp_claim.verdict = Verdict::NotReproducedAtCpuScale;
    }
    [claim, sharp_claim]
}

/// Test accuracy of every run and the mean per variant.
fn figure(table: &Table, stats: &[VariantStats]) -> Figure {
    let mut fig = Figure::new(
        "mjs-noise",
        "SGD: large step, small step, small step + noise",
        "variant (0 large, 1 small, 2 small + noise)",
        "test accuracy",
    );
    fig.points.push(Series::new(
        "runs",
        table.rows.iter().map(|r| r[0]).collect(),
        table.rows.iter().map(|r| r[3]).collect(),
    ));
    fig.lines.push(Series::new(
        "mean",
        (0..3).map(|v| v as f64).collect(),
        stats.iter().map(|s| s.0).collect(),
    ));
    fig
}
