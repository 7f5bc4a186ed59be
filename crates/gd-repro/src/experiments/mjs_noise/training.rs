//! mjs-noise's SGD schedule on one network, in each of its three variants, and how a run ends.

use crate::error::Result;
use gd_core::{Objective, SampleObjective, extreme_eigenvalues};
use gd_models::Mlp;
use rand::RngExt;
use serde::{Deserialize, Serialize};

/// The three schedules compared: phase 1 at η_L, at η_S, or at η_S with the
/// covariance-preserving extra noise; phase 2 at η_S for all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Variant {
    LargeStep,
    SmallStep,
    SmallStepWithNoise,
}

impl Variant {
    /// In the order of the runs, of the tables' variant numbers and of the figures' x axis.
    pub(super) const ALL: [Variant; 3] = [
        Variant::LargeStep,
        Variant::SmallStep,
        Variant::SmallStepWithNoise,
    ];

    /// The name in the notes and the tables' legend.
    pub(super) fn name(self) -> &'static str {
        match self {
            Variant::LargeStep => "large step",
            Variant::SmallStep => "small step",
            Variant::SmallStepWithNoise => "small step + noise",
        }
    }

    /// The number in the tables' variant column: the position in [`Variant::ALL`].
    pub(super) fn number(self) -> usize {
        self as usize
    }

    /// The variant of run `i` of a sweep of `seeds` seeds per variant.
    pub(super) fn of_run(i: usize, seeds: usize) -> Self {
        Self::ALL[i / seeds]
    }
}

/// Test accuracy on the two-pattern task's examples with P alone, Q alone and both.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub(super) struct PatternAccuracy {
    pub(super) p_only: f64,
    pub(super) q_only: f64,
    pub(super) both: f64,
}

/// How one run ended: train loss, test accuracy (per pattern on the two-pattern task), and
/// λmax at the end.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub(super) struct RunEnd {
    pub(super) loss: f64,
    pub(super) accuracy: f64,
    pub(super) per_pattern: Option<PatternAccuracy>,
    pub(super) sharpness: f64,
}

/// One SGD schedule on one network: phase 1 at η_L or η_S (with the extra noise for
/// [`Variant::SmallStepWithNoise`]), then phase 2 at η_S.
pub(super) struct Training<'a> {
    pub(super) mlp: &'a Mlp,
    pub(super) large_eta: f64,
    pub(super) small_eta: f64,
    pub(super) batch: usize,
    pub(super) phase1: usize,
    pub(super) phase2: usize,
}

impl Training<'_> {
    /// The parameters after both phases, and the train loss and λmax there.
    pub(super) fn run(
        &self,
        variant: Variant,
        init_seed: u64,
        rng: &mut impl rand::Rng,
    ) -> Result<(Vec<f64>, f64, f64)> {
        let mlp = self.mlp;
        let mut theta = mlp.initialize(1.0, init_seed);
        let mut ws = mlp.workspace();
        let (d, n) = (mlp.dim(), mlp.num_samples());
        let (mut g, mut g1, mut g2) = (vec![0.0; d], vec![0.0; d], vec![0.0; d]);
        // bound: a config's batch is at most `MAX_COUNT`.
        let (mut b0, mut b1, mut b2) = (
            vec![0; self.batch],
            vec![0; self.batch],
            vec![0; self.batch],
        );
        let scale = (self.large_eta / self.small_eta - 1.0).sqrt() / 2f64.sqrt();
        for k in 0..self.phase1 + self.phase2 {
            let phase1 = k < self.phase1;
            let eta = if phase1 && variant == Variant::LargeStep {
                self.large_eta
            } else {
                self.small_eta
            };
            for slot in b0.iter_mut() {
                *slot = rng.random_range(0..n);
            }
            mlp.minibatch_loss_and_gradient(&theta, &b0, &mut g, &mut ws);
            if phase1 && variant == Variant::SmallStepWithNoise {
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
            extreme_eigenvalues(mlp, &theta)?.sharpness()
        } else {
            f64::NAN
        };
        Ok((theta, loss, sharpness))
    }
}
