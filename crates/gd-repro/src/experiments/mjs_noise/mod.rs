//! mjs-noise — Mohtashami, Jaggi & Stich, claim B: raising stochasticity without changing the
//! step does not replace a large step when training networks. SGD at a large step η_L, at a
//! small step η_S, and at η_S with the catalogue's unbiased, covariance-preserving extra noise
//! g̃ = g_B + √(η_L/η_S − 1)·(g_B′ − g_B″)/√2 (two more independent mini-batches), each followed
//! by a common annealed phase at η_S; many seeds; train loss, test accuracy (per pattern where
//! the task has patterns), final λmax.
//!
//! Two tasks. First Li, Wei & Ma's two-pattern distribution (the paper's ref. [25],
//! [`gd_models::TwoPatterns`]), where a large initial step is known to generalize better: a
//! control claim checks that it does here (large beats small by more than two standard
//! errors), and the noise claim counts only if it does. Second, the earlier two-spirals task,
//! kept as a row of its own.
//!
//! Here: the settings, the check and the report; `training.rs` the three variants of the
//! schedule; one file per task (its runs and its claims); `statistics.rs` the means, the
//! margins, the table and the figure.

mod statistics;
mod training;
mod two_patterns_task;
mod two_spirals_task;

use crate::error::Result;
use crate::field_check::Fields;
use crate::report::Report;
use crate::run_options::RunOptions;
use gd_models::TwoPatterns;
use serde::{Deserialize, Serialize};
use statistics::{VariantStats, figure, runs_table};
use training::Variant;

/// Catalogue id.
pub const ID: &str = "mjs-noise";

/// Settings: the two-spirals task's fields at the top level (as before), the two-pattern task
/// in `[mjs-noise.patterns]`.
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
    /// Li, Wei & Ma's two-pattern task.
    pub patterns: PatternTask,
}

/// The two-pattern task: the distribution, a two-layer ReLU network, and its SGD schedule.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatternTask {
    /// The distribution (ours where the paper's values are not recoverable; see
    /// [`gd_models::TwoPatterns`]).
    pub distribution: TwoPatterns,
    /// The fractions of examples with P alone and Q alone in the test set (the training set's
    /// are the distribution's): Li, Wei & Ma's patch experiment trains on examples that all
    /// carry both patterns and tests on examples without the patch.
    pub test_fractions: (f64, f64),
    /// Hidden width of the ReLU network (inputs p + 2, two classes).
    pub hidden: usize,
    /// Training examples.
    pub train: usize,
    /// Test examples.
    pub test: usize,
    /// The large step η_L.
    pub large_eta: f64,
    /// The small step η_S (also the annealed step of every variant).
    pub small_eta: f64,
    /// Mini-batch size.
    pub batch: usize,
    /// Steps of the first phase.
    pub phase1: usize,
    /// Steps of the annealed phase at η_S.
    pub phase2: usize,
    /// Seeds per variant (the issue asks for at least 10 in the full run).
    pub seeds: usize,
    /// Master seed.
    pub seed: u64,
}

impl PatternTask {
    fn quick() -> Self {
        Self {
            distribution: TwoPatterns {
                p_dim: 16,
                p_scale: 0.25,
                zeta: 0.2,
                q_noise: 0.01,
                p_only: 0.2,
                q_only: 0.2,
            },
            test_fractions: (0.2, 0.2),
            hidden: 64,
            train: 200,
            test: 2000,
            large_eta: 0.5,
            small_eta: 0.05,
            batch: 8,
            phase1: 2000,
            phase2: 1000,
            seeds: 3,
            seed: 17,
        }
    }

    /// 24 seeds per variant: the large step's lead is a few 1e-3 of test accuracy, and at 12
    /// seeds whether it cleared two standard errors depended on the data seed (two of the
    /// seeds 17–20); at 24 it does for all four.
    fn full() -> Self {
        Self {
            phase1: 6000,
            phase2: 3000,
            seeds: 24,
            ..Self::quick()
        }
    }
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
            patterns: PatternTask::quick(),
        }
    }

    fn full() -> Self {
        Self {
            phase1: 20_000,
            phase2: 5000,
            seeds: 5,
            patterns: PatternTask::full(),
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
    let mut report = Report::new(
        ID,
        "Noise at a small step does not replace a large step (SGD on a network)",
    )
    .with_config(&c)?;
    let p = &c.patterns;
    let pattern_runs = two_patterns_task::runs(p, options)?;
    let spiral_runs = two_spirals_task::runs(&c, options)?;

    let pattern_stats = VariantStats::per_variant(&pattern_runs, p.seeds);
    let spiral_stats = VariantStats::per_variant(&spiral_runs, c.seeds);
    for (task, stats) in [
        ("two patterns", &pattern_stats),
        ("two spirals", &spiral_stats),
    ] {
        for (variant, s) in Variant::ALL.iter().zip(stats) {
            report.notes.push(s.note(task, *variant));
        }
    }
    report
        .notes
        .extend(two_patterns_task::comparison(&pattern_stats));
    report
        .claims
        .extend(two_patterns_task::claims(&pattern_stats));
    report
        .claims
        .extend(two_spirals_task::claims(&spiral_stats));
    let d = &p.distribution;
    report.notes.push(format!(
        "Two patterns (Li, Wei & Ma 2019, the paper's ref. [25]; parameters ours, see gd_models::TwoPatterns): P in {} dimensions (linearly separable, hard to generalize), Q at scale ζ = {} with σ = {} (three clusters, not linearly separable, easy to generalize); {:.0} % of examples carry P alone, {:.0} % Q alone, the rest both; {} training and {} test examples; a ReLU network {} → {} → 2 with softmax cross-entropy; batch {}, η_L = {}, η_S = {}, {} steps then {} annealed steps at η_S; {} seeds per variant. Test accuracy is also given per pattern: Li, Wei & Ma's mechanism predicts the large step's advantage on examples with P alone (a small step memorizes Q first, so examples with both stop teaching P).",
        d.p_dim, d.zeta, d.q_noise, 100.0 * d.p_only, 100.0 * d.q_only, p.train, p.test, d.dim(), p.hidden, p.batch, p.large_eta, p.small_eta, p.phase1, p.phase2, p.seeds
    ));
    report.notes.push(format!(
        "Two spirals (the earlier task): {} training, {} test points, {} turns, a tanh MLP {:?} with softmax cross-entropy, batch {}, η_L = {}, η_S = {}, {} steps then {} common steps at η_S, {} seeds. Paper values: not available (the paper trains a ResNet-18 without batch norm on CIFAR-10/100 on a GPU). A verdict of “not reproduced at CPU scale” is a measured outcome, not a failure of the code.",
        2 * c.train_per_class, 2 * c.test_per_class, c.turns, c.sizes, c.batch, c.large_eta, c.small_eta, c.phase1, c.phase2, c.seeds
    ));
    let pattern_table = runs_table("pattern_runs", p.seeds, &pattern_runs);
    let spiral_table = runs_table("runs", c.seeds, &spiral_runs);
    report.figures.push(figure(
        "mjs-noise-patterns",
        "Two patterns: test accuracy",
        &pattern_table,
        3,
        &pattern_stats
            .iter()
            .map(|s| s.accuracy.0)
            .collect::<Vec<_>>(),
    ));
    report.figures.push(figure(
        "mjs-noise",
        "Two spirals: test accuracy",
        &spiral_table,
        3,
        &spiral_stats
            .iter()
            .map(|s| s.accuracy.0)
            .collect::<Vec<_>>(),
    ));
    report.tables.push(pattern_table);
    report.tables.push(spiral_table);
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
    f.at_least("seeds", c.seeds, 2)?;
    f.at_least("train_per_class", c.train_per_class, 1)?;
    f.at_least("test_per_class", c.test_per_class, 1)?;
    f.list("sizes", &c.sizes, 2)?;
    f.each("sizes", &c.sizes, |n| n >= 1, "at least 1")?;
    f.require(c.jitter >= 0.0, "jitter", c.jitter, "≥ 0")?;
    f.tasks("seeds × 3 variants", &[c.seeds, 3])?;
    let p = &c.patterns;
    f.step_pair(p.small_eta, p.large_eta)?;
    f.at_least("patterns.seeds", p.seeds, 2)?;
    f.at_least("patterns.hidden", p.hidden, 1)?;
    f.at_least("patterns.train", p.train, 1)?;
    f.at_least("patterns.test", p.test, 1)?;
    f.at_least("patterns.batch", p.batch, 1)?;
    f.require(
        p.batch <= p.train,
        "patterns.batch",
        p.batch,
        format!("at most the {} training examples", p.train),
    )?;
    f.tasks("patterns.seeds × 3 variants", &[p.seeds, 3])?;
    f.tasks("patterns.train × (p + 2)", &[p.train, p.distribution.dim()])?;
    f.tasks("patterns.test × (p + 2)", &[p.test, p.distribution.dim()])?;
    f.tasks(
        "patterns.hidden × (p + 2)",
        &[p.hidden, p.distribution.dim()],
    )?;
    let test_distribution = TwoPatterns {
        p_only: p.test_fractions.0,
        q_only: p.test_fractions.1,
        ..p.distribution
    };
    test_distribution
        .check()
        .map_err(|e| crate::error::ReproError::Config {
            id: ID.to_string(),
            field: "patterns.test_fractions".to_string(),
            value: format!("{:?}", p.test_fractions),
            allowed: e.to_string(),
        })?;
    p.distribution
        .check()
        .map_err(|e| crate::error::ReproError::Config {
            id: ID.to_string(),
            field: "patterns.distribution".to_string(),
            value: format!("{:?}", p.distribution),
            allowed: e.to_string(),
        })?;
    Ok(())
}
