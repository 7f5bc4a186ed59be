//! mjs-noise's first task, Li, Wei & Ma's two patterns: its runs (test accuracy per pattern),
//! the comparison per pattern, and its claims (the control, the noise claim, flatness).

use super::statistics::{VariantStats, beats, flatness_claim};
use super::training::{PatternAccuracy, RunEnd, Training, Variant};
use super::{ID, PatternTask};
use crate::error::Result;
use crate::report::{Claim, Verdict};
use crate::run_options::RunOptions;
use crate::seeded_sweep::seeded_sweep;
use gd_models::{Activation, Mlp, MlpLoss, Pattern, TwoPatterns};

/// Per variant and seed, on the two-pattern task.
pub(super) fn runs(p: &PatternTask, options: &RunOptions) -> Result<Vec<RunEnd>> {
    let d = &p.distribution;
    let train = d.sample(p.train, p.seed)?;
    let test_distribution = TwoPatterns {
        p_only: p.test_fractions.0,
        q_only: p.test_fractions.1,
        ..*d
    };
    let test = test_distribution.sample(p.test, p.seed.wrapping_add(1))?;
    let sizes = [d.dim(), p.hidden, 2];
    let mlp = Mlp::new(
        &sizes,
        Activation::Relu,
        MlpLoss::SoftmaxCrossEntropy,
        train.data.x,
        train.data.y,
    )?;
    let test_mlp = mlp.with_data(test.data.x.clone(), test.data.y.clone())?;
    let training = Training {
        mlp: &mlp,
        large_eta: p.large_eta,
        small_eta: p.small_eta,
        batch: p.batch,
        phase1: p.phase1,
        phase2: p.phase2,
    };
    seeded_sweep(
        ID,
        options,
        Variant::ALL.len() * p.seeds,
        p.seed,
        |i, rng| {
            let init = p.seed.wrapping_mul(1000).wrapping_add((i % p.seeds) as u64);
            let (theta, loss, sharpness) = training.run(Variant::of_run(i, p.seeds), init, rng)?;
            let outputs = test_mlp.outputs(&theta);
            let correct: Vec<bool> = (0..p.test)
                .map(|k| usize::from(outputs[2 * k + 1] > outputs[2 * k]) == test.labels[k])
                .collect();
            let share = |keep: &dyn Fn(Pattern) -> bool| {
                let (hits, all) = (0..p.test)
                    .filter(|k| keep(test.patterns[*k]))
                    .fold((0usize, 0usize), |(h, a), k| {
                        (h + usize::from(correct[k]), a + 1)
                    });
                if all == 0 {
                    0.0
                } else {
                    hits as f64 / all as f64
                }
            };
            Ok(RunEnd {
                loss,
                accuracy: share(&|_| true),
                per_pattern: Some(PatternAccuracy {
                    p_only: share(&|x| x == Pattern::POnly),
                    q_only: share(&|x| x == Pattern::QOnly),
                    both: share(&|x| x == Pattern::Both),
                }),
                sharpness,
            })
        },
    )
}

/// Where the large step's advantage on the two-pattern task comes from: the differences of the
/// means per pattern, each with two standard errors of the difference (`None` for runs without
/// per-pattern accuracies).
pub(super) fn comparison(stats: &[VariantStats]) -> Option<String> {
    let (large, small) = (
        &stats[Variant::LargeStep.number()],
        &stats[Variant::SmallStep.number()],
    );
    let (large_p, small_p) = (large.per_pattern.as_ref()?, small.per_pattern.as_ref()?);
    let difference = |a: (f64, f64), b: (f64, f64)| {
        let (_, margin) = beats(a, b);
        format!("{:+.4} (2 SE {margin:.4})", a.0 - b.0)
    };
    Some(format!(
        "Two patterns, large step minus small step, test accuracy: overall {}, P alone {}, Q alone {}, both {}. Li, Wei & Ma's mechanism predicts the advantage on examples with P alone; a negative difference there means this network and distribution do not learn in the order their argument needs, whatever the overall verdict.",
        difference(large.accuracy, small.accuracy),
        difference(large_p.p_only, small_p.p_only),
        difference(large_p.q_only, small_p.q_only),
        difference(large_p.both, small_p.both),
    ))
}

/// The two-pattern task's claims: the control (large beats small in test accuracy), the noise
/// claim (counted only under the control), and the flatness of the end. The per-pattern
/// accuracies (where Li, Wei & Ma locate the effect: examples with P alone) are in the notes
/// and the table.
pub(super) fn claims(stats: &[VariantStats]) -> [Claim; 3] {
    let [large, small, noisy] = Variant::ALL.map(|v| &stats[v.number()]);
    let (control, control_margin) = beats(large.accuracy, small.accuracy);
    let mut control_claim = Claim::new(
        ID,
        "control (two patterns): SGD with a large initial step, then annealed, generalizes better than with a small step throughout (Li, Wei & Ma)",
        Some(small.accuracy.0),
        large.accuracy.0,
        format!(
            "mean test accuracy at η_L (measured) vs at η_S (theory column); holds iff higher by more than 2 standard errors of the difference ({control_margin:.4}); if not, this task does not show the effect the noise claim relies on"
        ),
        control,
    );
    if !control {
        control_claim.verdict = Verdict::NotReproducedAtCpuScale;
    }
    let (noise_below, noise_margin) = beats(large.accuracy, noisy.accuracy);
    let mut noise_claim = Claim::new(
        ID,
        "two patterns: SGD at a small step with covariance-preserving extra noise does not match SGD at a large step (test accuracy)",
        Some(large.accuracy.0),
        noisy.accuracy.0,
        format!(
            "mean test accuracy with noise at η_S (measured) vs at η_L (theory column); reproduced iff the control holds and it is lower by more than 2 standard errors of the difference ({noise_margin:.4})"
        ),
        control && noise_below,
    );
    if !(control && noise_below) {
        noise_claim.verdict = Verdict::NotReproducedAtCpuScale;
    }
    [
        control_claim,
        noise_claim,
        flatness_claim("two patterns", large, noisy),
    ]
}
