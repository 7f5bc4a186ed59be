//! mjs-noise's statistics: each variant's means with their standard errors, the margin a
//! claim demands, the flatness claim both tasks make, the table of runs and the figure.

use super::ID;
use super::training::{PatternAccuracy, RunEnd, Variant};
use crate::report::{Claim, Figure, Series, Table, Verdict};

/// Mean and standard error of the mean (sample standard deviation over √n).
fn mean_and_standard_error(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    (mean, (variance / n).sqrt())
}

/// Means with their standard errors of the per-pattern accuracies.
pub(super) struct PatternStats {
    pub(super) p_only: (f64, f64),
    pub(super) q_only: (f64, f64),
    pub(super) both: (f64, f64),
}

/// One variant's means with their standard errors.
pub(super) struct VariantStats {
    seeds: usize,
    loss: (f64, f64),
    pub(super) accuracy: (f64, f64),
    pub(super) per_pattern: Option<PatternStats>,
    pub(super) sharpness: (f64, f64),
}

impl VariantStats {
    fn of(runs: &[RunEnd]) -> Self {
        let stat = |f: &dyn Fn(&RunEnd) -> f64| {
            mean_and_standard_error(&runs.iter().map(f).collect::<Vec<_>>())
        };
        let pattern = |f: fn(&PatternAccuracy) -> f64| {
            stat(&|r: &RunEnd| r.per_pattern.as_ref().map_or(f64::NAN, f))
        };
        Self {
            seeds: runs.len(),
            loss: stat(&|r| r.loss),
            accuracy: stat(&|r| r.accuracy),
            per_pattern: runs
                .iter()
                .all(|r| r.per_pattern.is_some())
                .then(|| PatternStats {
                    p_only: pattern(|a| a.p_only),
                    q_only: pattern(|a| a.q_only),
                    both: pattern(|a| a.both),
                }),
            sharpness: stat(&|r| r.sharpness),
        }
    }

    /// The statistics of each variant, in [`Variant::ALL`]'s order, from the runs of a sweep
    /// of `seeds` seeds per variant.
    pub(super) fn per_variant(runs: &[RunEnd], seeds: usize) -> Vec<Self> {
        Variant::ALL
            .iter()
            .map(|v| Self::of(&runs[v.number() * seeds..(v.number() + 1) * seeds]))
            .collect()
    }

    pub(super) fn note(&self, task: &str, variant: Variant) -> String {
        let pm = |(m, se): (f64, f64)| format!("{m:.4} ± {se:.4}");
        let per_pattern = match &self.per_pattern {
            Some(p) => format!(
                " (P alone {}, Q alone {}, both {})",
                pm(p.p_only),
                pm(p.q_only),
                pm(p.both)
            ),
            None => String::new(),
        };
        let variant = variant.name();
        format!(
            "{task}, {variant}: test accuracy {}{per_pattern}, train loss {:.4e}, final λmax {} (means ± standard errors over {} seeds).",
            pm(self.accuracy),
            self.loss.0,
            pm(self.sharpness),
            self.seeds
        )
    }
}

/// Whether `a` exceeds `b` by more than two standard errors of the difference of the means,
/// √(se_a² + se_b²): the margin the claims demand, and the margin itself.
pub(super) fn beats(a: (f64, f64), b: (f64, f64)) -> (bool, f64) {
    let margin = 2.0 * (a.1 * a.1 + b.1 * b.1).sqrt();
    (a.0 - b.0 > margin, margin)
}

/// Whether the large step ends flatter (lower mean final λmax) than the small step with noise.
pub(super) fn flatness_claim(task: &str, large: &VariantStats, noisy: &VariantStats) -> Claim {
    let flatter = noisy.sharpness.0 > large.sharpness.0;
    let mut claim = Claim::new(
        ID,
        format!("{task}: the large step ends flatter than the small step with noise"),
        Some(large.sharpness.0),
        noisy.sharpness.0,
        "mean final λmax with noise at η_S (measured) vs at η_L (theory column); reproduced iff higher",
        flatter,
    );
    if !flatter {
        claim.verdict = Verdict::NotReproducedAtCpuScale;
    }
    claim
}

/// Every run as a row (with the per-pattern accuracies on the two-pattern task).
pub(super) fn runs_table(name: &str, seeds: usize, runs: &[RunEnd]) -> Table {
    let patterns = runs.iter().all(|r| r.per_pattern.is_some());
    let mut columns = vec!["variant", "seed", "train_loss", "test_accuracy"];
    if patterns {
        columns.extend(["accuracy_p_only", "accuracy_q_only", "accuracy_both"]);
    }
    columns.push("sharpness");
    let legend = Variant::ALL.map(|v| (v.number() as f64, v.name()));
    let mut table = Table::new(name, &columns).with_legend("variant", &legend);
    for (i, r) in runs.iter().enumerate() {
        let mut row = vec![(i / seeds) as f64, (i % seeds) as f64, r.loss, r.accuracy];
        if let Some(p) = r.per_pattern {
            row.extend([p.p_only, p.q_only, p.both]);
        }
        row.push(r.sharpness);
        table.push(row);
    }
    table
}

/// One accuracy column of every run and its mean per variant.
pub(super) fn figure(
    name: &str,
    title: &str,
    table: &Table,
    column: usize,
    means: &[f64],
) -> Figure {
    let mut fig = Figure::new(
        name,
        title,
        "variant (0 large, 1 small, 2 small + noise)",
        "test accuracy",
    );
    fig.points.push(Series::new(
        "runs",
        table.rows.iter().map(|r| r[0]).collect(),
        table.rows.iter().map(|r| r[column]).collect(),
    ));
    fig.lines.push(Series::new(
        "mean",
        (0..means.len()).map(|v| v as f64).collect(),
        means.to_vec(),
    ));
    fig
}
