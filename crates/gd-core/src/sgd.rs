//! Stochastic gradient descent θ ← θ − η_k g_B(θ) with seeded mini-batches B, drawn with or
//! without replacement. The batch buffer and gradient are reused: no allocation per step.

use crate::error::{Result, check_dimension, check_finite, out_of_range};
use crate::gd::StepInfo;
use crate::objective::SampleObjective;
use crate::schedule::Schedule;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// How a mini-batch is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sampling {
    /// B indices drawn independently and uniformly from 0..N (repeats possible).
    WithReplacement,
    /// Epochs: a fresh uniform permutation of 0..N, cut into consecutive batches of B; the
    /// N mod B samples left at the end of an epoch are skipped and a new permutation drawn,
    /// so every batch has exactly B distinct indices.
    WithoutReplacement,
}

/// SGD on a sample objective.
pub struct StochasticGradientDescent<'a, O: SampleObjective> {
    objective: &'a O,
    schedule: Schedule,
    theta: Vec<f64>,
    sampling: Sampling,
    rng: ChaCha8Rng,
    permutation: Vec<usize>,
    cursor: usize,
    batch: Vec<usize>,
    gradient: Vec<f64>,
    workspace: O::Workspace,
    iteration: usize,
}

/// The largest mini-batch drawn with replacement: 2²⁴ sample indices (without replacement
/// the batch is at most the number of samples).
pub const MAX_BATCH_SIZE: usize = 1 << 24;

impl<'a, O: SampleObjective> StochasticGradientDescent<'a, O> {
    /// An SGD stepper at θ₀ (checked as for [`crate::GradientDescent::new`]); `seed` and
    /// `stream` fix the batch sequence (use the sweep task index as `stream` so that parallel
    /// runs never share a random stream).
    pub fn new(
        objective: &'a O,
        schedule: Schedule,
        theta0: &[f64],
        batch_size: usize,
        sampling: Sampling,
        seed: u64,
        stream: u64,
    ) -> Result<Self> {
        check_dimension("theta0", objective.dim(), theta0.len())?;
        check_finite("theta0", theta0)?;
        let n = objective.num_samples();
        if n == 0 {
            return Err(out_of_range("objective samples", 0, "at least 1 for SGD"));
        }
        let largest = match sampling {
            Sampling::WithoutReplacement => n,
            Sampling::WithReplacement => MAX_BATCH_SIZE,
        };
        if !(1..=largest).contains(&batch_size) {
            return Err(out_of_range(
                "batch_size",
                batch_size,
                format!(
                    "in 1..={n} for {n} samples without replacement, 1..={MAX_BATCH_SIZE} with replacement"
                ),
            ));
        }
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(stream);
        // bound: batch_size ≤ `MAX_BATCH_SIZE`, checked above.
        Ok(Self {
            objective,
            schedule,
            theta: theta0.to_vec(),
            sampling,
            rng,
            permutation: (0..n).collect(),
            cursor: n,
            batch: vec![0; batch_size],
            gradient: vec![0.0; objective.dim()],
            workspace: objective.workspace(),
            iteration: 0,
        })
    }

    fn draw_batch(&mut self) {
        let n = self.permutation.len();
        let b = self.batch.len();
        match self.sampling {
            Sampling::WithReplacement => {
                for slot in self.batch.iter_mut() {
                    *slot = self.rng.random_range(0..n);
                }
            }
            Sampling::WithoutReplacement => {
                if self.cursor + b > n {
                    for i in (1..n).rev() {
                        let j = self.rng.random_range(0..=i);
                        self.permutation.swap(i, j);
                    }
                    self.cursor = 0;
                }
                self.batch
                    .copy_from_slice(&self.permutation[self.cursor..self.cursor + b]);
                self.cursor += b;
            }
        }
    }

    /// One step θ ← θ − η_k g_B(θ); returns the mini-batch loss and η_k.
    pub fn step(&mut self) -> StepInfo {
        let eta = self.schedule.eta(self.iteration);
        self.draw_batch();
        let loss = self.objective.minibatch_loss_and_gradient(
            &self.theta,
            &self.batch,
            &mut self.gradient,
            &mut self.workspace,
        );
        for (t, g) in self.theta.iter_mut().zip(&self.gradient) {
            *t -= eta * g;
        }
        self.iteration += 1;
        StepInfo { loss, eta }
    }

    /// The current state θ_k.
    pub fn theta(&self) -> &[f64] {
        &self.theta
    }

    /// The indices of the last mini-batch.
    pub fn last_batch(&self) -> &[usize] {
        &self.batch
    }

    /// Number of steps taken.
    pub fn iteration(&self) -> usize {
        self.iteration
    }
}
