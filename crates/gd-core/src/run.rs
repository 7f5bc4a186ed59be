//! Runs of the GD (or SGD) map from θ₀: iterate with a stop rule, record observables, and
//! classify the end state ([`Attractor`]). With a constant step the GD map is autonomous, so a
//! state that repeats bitwise after k ≤ k_max steps proves a period-k orbit in floating point:
//! the run stops there, which is both the classification and the saving in sweeps.
//!
//! A return within the tolerance does not stop a run inside its budget; it classifies only
//! the end state. It does not decide: an oscillation decaying with multiplier μ near −1
//! returns within the tolerance after two steps (its return is (1 − μ²) times its amplitude)
//! long before it converges. Measured: looking for such returns every 64 steps turned one in
//! twelve of the converged runs of a paper experiment (ns-thm1, runs up to the largest
//! convergent step) into orbits.

use crate::attractor::Attractor;
use crate::classification::{classify_end, finish_repeat, fixed_point};
use crate::error::{Result, out_of_range};
use crate::gd::{GradientDescent, StepInfo};
use crate::history::{History, state_hash};
use crate::objective::{Objective, SampleObjective};
use crate::record::{Record, SharpnessSample, Trajectory};
use crate::run_config::RunConfig;
use crate::schedule::Schedule;
use crate::sgd::{Sampling, StochasticGradientDescent};
use crate::sharpness::Sharpness;
use crate::vector::{norm, norm_within};
use serde::{Deserialize, Serialize};

/// Runs gradient descent θ ← θ − η_k∇f(θ) from θ₀ and classifies the end state.
pub fn run_gd<O: Objective>(
    objective: &O,
    theta0: &[f64],
    schedule: Schedule,
    config: &RunConfig,
) -> Result<Trajectory> {
    config.validate()?;
    let autonomous = schedule.as_constant().is_some();
    let mut gd = GradientDescent::new(objective, schedule.clone(), theta0)?;
    iterate(objective, &mut gd, &schedule, config, autonomous).map(diverged_if_not_finite)
}

/// Settings of SGD's mini-batches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MinibatchConfig {
    /// Batch size B.
    pub batch_size: usize,
    /// How batches are drawn.
    pub sampling: Sampling,
    /// Master seed.
    pub seed: u64,
    /// Random stream (e.g. the sweep task index).
    pub stream: u64,
}

/// Runs SGD from θ₀. The state is not autonomous (each step draws a batch), so only the
/// tolerance-based end classification applies; a fixed point means the last step was shorter
/// than the tolerance, as happens when every sample is interpolated.
pub fn run_sgd<O: SampleObjective>(
    objective: &O,
    theta0: &[f64],
    schedule: Schedule,
    minibatch: MinibatchConfig,
    config: &RunConfig,
) -> Result<Trajectory> {
    config.validate()?;
    let sgd = StochasticGradientDescent::new(
        objective,
        schedule.clone(),
        theta0,
        minibatch.batch_size,
        minibatch.sampling,
        minibatch.seed,
        minibatch.stream,
    )?;
    let mut run = SgdWithFullGradient {
        sgd,
        objective,
        gradient: vec![0.0; objective.dim()],
        workspace: objective.workspace(),
        record_norm: config.observe.gradient_norm_every > 0,
    };
    iterate(objective, &mut run, &schedule, config, false).map(diverged_if_not_finite)
}

/// A run whose end state has a non-finite loss or gradient diverges at its next step: it is
/// reported as `Diverged` at the end state's iteration, so that no NaN or infinity is ever
/// inside a result.
/// The most numbers the state history of one run may hold: 2²⁷ (1 GiB of f64).
const MAX_HISTORY_VALUES: usize = 1 << 27;

fn diverged_if_not_finite(trajectory: Trajectory) -> Trajectory {
    let finite = trajectory
        .final_state
        .as_ref()
        .is_none_or(|s| s.loss.is_finite() && s.gradient_norm.is_finite());
    if finite {
        return trajectory;
    }
    Trajectory {
        attractor: Attractor::Diverged {
            at_iteration: trajectory.iterations,
        },
        final_state: None,
        ..trajectory
    }
}

/// What the run loop drives: a GD or SGD stepper.
trait Stepper {
    /// The current state.
    fn theta(&self) -> &[f64];
    /// One step: what it saw.
    fn advance(&mut self) -> StepInfo;
    /// The full-batch ∇f at the θ the last step started from, when it was computed.
    fn gradient(&self) -> Option<&[f64]>;
}

impl<O: Objective> Stepper for GradientDescent<'_, O> {
    fn theta(&self) -> &[f64] {
        GradientDescent::theta(self)
    }
    fn advance(&mut self) -> StepInfo {
        self.step()
    }
    fn gradient(&self) -> Option<&[f64]> {
        Some(self.last_gradient())
    }
}

/// SGD, with the full-batch gradient norm at the old θ when it is recorded.
struct SgdWithFullGradient<'a, O: SampleObjective> {
    sgd: StochasticGradientDescent<'a, O>,
    objective: &'a O,
    gradient: Vec<f64>,
    workspace: O::Workspace,
    record_norm: bool,
}

impl<O: SampleObjective> Stepper for SgdWithFullGradient<'_, O> {
    fn theta(&self) -> &[f64] {
        self.sgd.theta()
    }
    fn advance(&mut self) -> StepInfo {
        if self.record_norm {
            self.objective.loss_and_gradient(
                self.sgd.theta(),
                &mut self.gradient,
                &mut self.workspace,
            );
        }
        self.sgd.step()
    }
    fn gradient(&self) -> Option<&[f64]> {
        self.record_norm.then_some(self.gradient.as_slice())
    }
}

fn due(every: usize, k: usize) -> bool {
    every > 0 && k.is_multiple_of(every)
}

fn iterate<O: Objective>(
    objective: &O,
    stepper: &mut impl Stepper,
    schedule: &Schedule,
    config: &RunConfig,
    autonomous: bool,
) -> Result<Trajectory> {
    let d = objective.dim();
    let observe = &config.observe;
    let mut ws = objective.workspace();
    let mut sharpness = if observe.sharpness_every > 0 {
        Some(Sharpness::new(observe.sharpness.clone())?)
    } else {
        None
    };
    let history_len = d
        .checked_mul(config.max_period)
        .filter(|n| *n <= MAX_HISTORY_VALUES);
    if history_len.is_none() {
        return Err(out_of_range(
            "max_period",
            config.max_period,
            format!(
                "at most {} in dimension {d}: the run keeps max_period states ({MAX_HISTORY_VALUES} numbers at most)",
                MAX_HISTORY_VALUES / d.max(1)
            ),
        ));
    }
    let mut record = Record::default();
    let mut history = History::new(d, config.max_period);
    history.push(stepper.theta(), state_hash(stepper.theta()));

    let diverged = |at_iteration: usize, record: Record, iterations: usize| Trajectory {
        attractor: Attractor::Diverged { at_iteration },
        iterations,
        final_state: None,
        record,
    };
    if norm(stepper.theta()) > config.divergence_bound {
        return Ok(diverged(0, record, 0));
    }

    for k in 0..config.max_iterations {
        if due(observe.parameters_every, k) {
            record.parameters.push((k, stepper.theta().to_vec()));
        }
        if let (Some(tracker), true) = (sharpness.as_mut(), due(observe.sharpness_every, k)) {
            let e = tracker.compute_warm(objective, stepper.theta(), &mut ws)?;
            record.sharpness.push(SharpnessSample {
                iteration: k,
                sharpness: e.sharpness(),
                lambda_min: e.smallest.value,
                converged: e.converged,
            });
        }
        let info = stepper.advance();
        if !info.loss.is_finite() {
            return Ok(diverged(k, record, k));
        }
        if due(observe.loss_every, k) {
            record.loss.push(k, info.loss);
        }
        if due(observe.gradient_norm_every, k) {
            record
                .gradient_norm
                .push(k, stepper.gradient().map_or(f64::NAN, norm));
        }
        let theta = stepper.theta();
        if !norm_within(theta, config.divergence_bound) {
            return Ok(diverged(k + 1, record, k + 1));
        }
        let hash = state_hash(theta);
        if autonomous && let Some(period) = history.repeat_period(theta, hash) {
            let orbit = history.orbit(period);
            return finish_repeat(
                objective,
                theta.to_vec(),
                orbit,
                period,
                config,
                record,
                k + 1,
                &mut ws,
            );
        }
        history.push(theta, hash);
        if let Some(tol) = config.gradient_tolerance
            && stepper.gradient().is_some_and(|g| norm_within(g, tol))
        {
            // ‖∇f(θ_k)‖ ≤ tol; the reported point is θ_{k+1}, with its own residual.
            return Ok(fixed_point(
                objective,
                theta.to_vec(),
                false,
                k + 1,
                record,
                &mut ws,
            ));
        }
    }
    classify_end(
        objective,
        stepper.theta().to_vec(),
        schedule,
        config,
        &history,
        record,
        &mut ws,
    )
}
