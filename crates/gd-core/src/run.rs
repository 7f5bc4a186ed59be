//! Runs of the GD (or SGD) map from θ₀: iterate with a stop rule, record observables, and
//! classify the end state ([`Attractor`]). With a constant step the GD map is autonomous, so a
//! state that repeats bitwise after k ≤ k_max steps proves a period-k orbit in floating point:
//! the run stops there, which is both the classification and the saving in sweeps.

use crate::attractor::Attractor;
use crate::error::{CoreError, Result, check_dimension, check_finite};
use crate::gd::{GradientDescent, StepInfo};
use crate::lyapunov::largest_lyapunov_exponent;
use crate::objective::{Objective, SampleObjective};
use crate::period::{orbit_threshold, reduced_period};
use crate::schedule::Schedule;
use crate::sgd::{Sampling, StochasticGradientDescent};
use crate::sharpness::{Sharpness, SharpnessOptions};
use crate::vector::{distance, norm};
use serde::{Deserialize, Serialize};

/// What to record along a run; an interval of 0 records nothing.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Observe {
    /// Record f(θ_k) every this many steps.
    pub loss_every: usize,
    /// Record ‖∇f(θ_k)‖ (the mini-batch gradient for SGD) every this many steps.
    pub gradient_norm_every: usize,
    /// Record θ_k every this many steps.
    pub parameters_every: usize,
    /// Record λmax and λmin of ∇²f(θ_k) every this many steps (Lanczos warm-started).
    pub sharpness_every: usize,
    /// How sharpness is computed.
    pub sharpness: SharpnessOptions,
}

/// Settings of a run: the stop rule, the classification tolerances, the observables.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunConfig {
    /// Step budget.
    pub max_iterations: usize,
    /// k_max: the longest period detected (also the number of past states kept).
    pub max_period: usize,
    /// ‖θ‖₂ above this counts as divergence.
    pub divergence_bound: f64,
    /// Stop as a fixed point once ‖∇f(θ_k)‖ ≤ this (None: only exact repeats stop early).
    pub gradient_tolerance: Option<f64>,
    /// Two states of an orbit closer than `tolerance · max(1, largest ‖θ‖ of the orbit)` are
    /// one point: this reduces a bitwise cycle to its true period and, at the end of the
    /// budget, recognizes a fixed point or an orbit that repeats only within it. Why the
    /// default 10⁻¹² is safe near period doublings: [`crate::period`].
    pub tolerance: f64,
    /// Steps over which the Lyapunov exponent of an unresolved end state is averaged (at
    /// least 2); the accuracy a budget buys is tabulated in [`crate::largest_lyapunov_exponent`].
    pub lyapunov_iterations: usize,
    /// What to record.
    #[serde(default)]
    pub observe: Observe,
}

impl Default for RunConfig {
    fn default() -> Self {
        Self {
            max_iterations: 100_000,
            max_period: 64,
            // Far above any parameter scale of the papers' models, far below overflow of ‖θ‖².
            divergence_bound: 1e12,
            gradient_tolerance: None,
            tolerance: 1e-12,
            lyapunov_iterations: 1000,
            observe: Observe::default(),
        }
    }
}

impl RunConfig {
    /// Checks every field's range.
    pub fn validate(&self) -> Result<()> {
        let bad = |reason: String| Err(CoreError::InvalidConfig { reason });
        if self.max_period == 0 {
            return bad("max_period must be at least 1".into());
        }
        if !(self.divergence_bound.is_finite() && self.divergence_bound > 0.0) {
            return bad(format!(
                "divergence_bound must be finite and > 0, got {}",
                self.divergence_bound
            ));
        }
        if !(self.tolerance.is_finite() && self.tolerance >= 0.0) {
            return bad(format!(
                "tolerance must be finite and ≥ 0, got {}",
                self.tolerance
            ));
        }
        if let Some(g) = self.gradient_tolerance
            && !(g.is_finite() && g >= 0.0)
        {
            return bad(format!(
                "gradient_tolerance must be finite and ≥ 0, got {g}"
            ));
        }
        if self.lyapunov_iterations < 2 {
            return bad(format!(
                "lyapunov_iterations must be at least 2 (its error estimate needs two blocks), got {}",
                self.lyapunov_iterations
            ));
        }
        Ok(())
    }
}

/// A recorded scalar series.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// Iteration of each value.
    pub iterations: Vec<usize>,
    /// The values.
    pub values: Vec<f64>,
}

impl Series {
    fn push(&mut self, k: usize, v: f64) {
        self.iterations.push(k);
        self.values.push(v);
    }
}

/// Sharpness at one iteration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SharpnessSample {
    /// Iteration.
    pub iteration: usize,
    /// λmax(∇²f(θ_k)).
    pub sharpness: f64,
    /// λmin(∇²f(θ_k)).
    pub lambda_min: f64,
    /// Whether the eigensolver converged.
    pub converged: bool,
}

/// Everything recorded along a run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// f(θ_k).
    pub loss: Series,
    /// ‖∇f(θ_k)‖.
    pub gradient_norm: Series,
    /// (k, θ_k).
    pub parameters: Vec<(usize, Vec<f64>)>,
    /// Sharpness samples.
    pub sharpness: Vec<SharpnessSample>,
}

/// The last state of a run that did not diverge.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FinalState {
    /// θ at the end.
    pub parameters: Vec<f64>,
    /// f(θ) at the end.
    pub loss: f64,
    /// ‖∇f(θ)‖ at the end (full-batch).
    pub gradient_norm: f64,
}

/// The result of a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Trajectory {
    /// Where it ended.
    pub attractor: Attractor,
    /// Steps taken.
    pub iterations: usize,
    /// The end state (`None` when the run diverged).
    pub final_state: Option<FinalState>,
    /// The recorded observables.
    pub record: Record,
}

/// The last `capacity` states, with a hash of each so that an exact repeat is found in
/// O(k_max) per step and confirmed bitwise only on a hash match.
struct History {
    d: usize,
    capacity: usize,
    states: Vec<f64>,
    hashes: Vec<u64>,
    len: usize,
    head: usize,
}

fn state_hash(theta: &[f64]) -> u64 {
    theta.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, v| {
        (h.rotate_left(5) ^ v.to_bits()).wrapping_mul(0x517c_c1b7_2722_0a95)
    })
}

impl History {
    fn new(d: usize, capacity: usize) -> Self {
        Self {
            d,
            capacity,
            states: vec![0.0; d * capacity],
            hashes: vec![0; capacity],
            len: 0,
            head: 0,
        }
    }

    /// The state `back` steps ago (1 = the most recent pushed).
    fn get(&self, back: usize) -> &[f64] {
        let slot = (self.head + self.capacity - back) % self.capacity;
        &self.states[slot * self.d..(slot + 1) * self.d]
    }

    fn hash(&self, back: usize) -> u64 {
        self.hashes[(self.head + self.capacity - back) % self.capacity]
    }

    /// The smallest k ≤ len with state == the state k steps ago, bitwise.
    fn repeat_period(&self, theta: &[f64], hash: u64) -> Option<usize> {
        (1..=self.len).find(|&k| {
            self.hash(k) == hash
                && self
                    .get(k)
                    .iter()
                    .zip(theta)
                    .all(|(a, b)| a.to_bits() == b.to_bits())
        })
    }

    fn push(&mut self, theta: &[f64], hash: u64) {
        let slot = self.head;
        self.states[slot * self.d..(slot + 1) * self.d].copy_from_slice(theta);
        self.hashes[slot] = hash;
        self.head = (self.head + 1) % self.capacity;
        self.len = (self.len + 1).min(self.capacity);
    }

    /// The last k states, oldest first.
    fn orbit(&self, k: usize) -> Vec<Vec<f64>> {
        (1..=k).rev().map(|b| self.get(b).to_vec()).collect()
    }
}

/// Runs gradient descent θ ← θ − η_k∇f(θ) from θ₀ and classifies the end state.
pub fn run_gd<O: Objective>(
    objective: &O,
    theta0: &[f64],
    schedule: Schedule,
    config: &RunConfig,
) -> Result<Trajectory> {
    let autonomous = schedule.as_constant().is_some();
    let mut gd = GradientDescent::new(objective, schedule.clone())?;
    let mut step = |theta: &mut [f64]| -> Result<(StepInfo, f64)> {
        let info = gd.step(theta)?;
        Ok((info, norm(gd.last_gradient())))
    };
    iterate(objective, theta0, &schedule, config, autonomous, &mut step)
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
    let mut sgd = StochasticGradientDescent::new(
        objective,
        schedule.clone(),
        minibatch.batch_size,
        minibatch.sampling,
        minibatch.seed,
        minibatch.stream,
    )?;
    let mut gradient = vec![0.0; objective.dim()];
    let mut ws = objective.workspace();
    let record_norm = config.observe.gradient_norm_every > 0;
    let mut step = |theta: &mut [f64]| -> Result<(StepInfo, f64)> {
        let gnorm = if record_norm {
            objective.loss_and_gradient(theta, &mut gradient, &mut ws);
            norm(&gradient)
        } else {
            f64::NAN
        };
        let info = sgd.step(theta)?;
        Ok((info, gnorm))
    };
    iterate(objective, theta0, &schedule, config, false, &mut step)
}

/// One step of a stepper: advances θ in place, returns what it saw and ‖gradient‖ at the old θ.
type StepFn<'a> = dyn FnMut(&mut [f64]) -> Result<(StepInfo, f64)> + 'a;

fn due(every: usize, k: usize) -> bool {
    every > 0 && k.is_multiple_of(every)
}

fn iterate<O: Objective>(
    objective: &O,
    theta0: &[f64],
    schedule: &Schedule,
    config: &RunConfig,
    autonomous: bool,
    step: &mut StepFn<'_>,
) -> Result<Trajectory> {
    config.validate()?;
    let d = objective.dim();
    check_dimension("theta0", d, theta0.len())?;
    check_finite("theta0", theta0)?;
    let observe = &config.observe;
    let mut ws = objective.workspace();
    let mut sharpness = if observe.sharpness_every > 0 {
        Some(Sharpness::new(observe.sharpness.clone())?)
    } else {
        None
    };
    let mut record = Record::default();
    let mut theta = theta0.to_vec();
    let mut history = History::new(d, config.max_period);
    history.push(&theta, state_hash(&theta));

    let diverged = |at_iteration: usize, record: Record, iterations: usize| Trajectory {
        attractor: Attractor::Diverged { at_iteration },
        iterations,
        final_state: None,
        record,
    };
    if norm(&theta) > config.divergence_bound {
        return Ok(diverged(0, record, 0));
    }

    for k in 0..config.max_iterations {
        if due(observe.parameters_every, k) {
            record.parameters.push((k, theta.clone()));
        }
        if let (Some(tracker), true) = (sharpness.as_mut(), due(observe.sharpness_every, k)) {
            let e = tracker.compute(objective, &theta, true, &mut ws)?;
            record.sharpness.push(SharpnessSample {
                iteration: k,
                sharpness: e.sharpness(),
                lambda_min: e.smallest.value,
                converged: e.converged,
            });
        }
        let (info, gradient_norm) = step(&mut theta)?;
        if !info.loss.is_finite() {
            return Ok(diverged(k, record, k));
        }
        if due(observe.loss_every, k) {
            record.loss.push(k, info.loss);
        }
        if due(observe.gradient_norm_every, k) {
            record.gradient_norm.push(k, gradient_norm);
        }
        let size = norm(&theta);
        if !size.is_finite() || size > config.divergence_bound {
            return Ok(diverged(k + 1, record, k + 1));
        }
        let hash = state_hash(&theta);
        if autonomous && let Some(period) = history.repeat_period(&theta, hash) {
            let orbit = history.orbit(period);
            return finish_repeat(
                objective,
                theta,
                orbit,
                period,
                config,
                record,
                k + 1,
                &mut ws,
            );
        }
        history.push(&theta, hash);
        if let Some(tol) = config.gradient_tolerance
            && gradient_norm <= tol
        {
            // ‖∇f(θ_k)‖ ≤ tol; the reported point is θ_{k+1}, with its own residual.
            return Ok(fixed_point(objective, theta, false, k + 1, record, &mut ws));
        }
    }
    classify_end(
        objective, theta, schedule, config, &history, record, &mut ws,
    )
}

fn final_state<O: Objective>(objective: &O, theta: &[f64], ws: &mut O::Workspace) -> FinalState {
    let mut g = vec![0.0; theta.len()];
    let loss = objective.loss_and_gradient(theta, &mut g, ws);
    FinalState {
        parameters: theta.to_vec(),
        loss,
        gradient_norm: norm(&g),
    }
}

fn fixed_point<O: Objective>(
    objective: &O,
    point: Vec<f64>,
    exact: bool,
    iterations: usize,
    record: Record,
    ws: &mut O::Workspace,
) -> Trajectory {
    let state = final_state(objective, &point, ws);
    Trajectory {
        attractor: Attractor::FixedPoint {
            residual: state.gradient_norm,
            point,
            exact,
        },
        iterations,
        final_state: Some(state),
        record,
    }
}

/// The largest norm of a set of states: the scale of the orbit threshold.
fn largest_norm<'a>(states: impl Iterator<Item = &'a [f64]>) -> f64 {
    states.map(norm).fold(0.0, f64::max)
}

/// A bitwise repeat after `cycle_length` steps: `orbit` holds the cycle's states, oldest
/// first (`orbit[0]` is θ itself). The period is reduced to the smallest k whose shift maps
/// every point within the tolerance onto itself ([`crate::period`]).
fn finish_repeat<O: Objective>(
    objective: &O,
    theta: Vec<f64>,
    mut orbit: Vec<Vec<f64>>,
    cycle_length: usize,
    config: &RunConfig,
    record: Record,
    iterations: usize,
    ws: &mut O::Workspace,
) -> Result<Trajectory> {
    let threshold = orbit_threshold(
        config.tolerance,
        largest_norm(orbit.iter().map(Vec::as_slice)),
    );
    let period = reduced_period(cycle_length, config.max_period, |k| {
        (0..cycle_length).all(|i| distance(&orbit[i], &orbit[(i + k) % cycle_length]) <= threshold)
    })
    // The shift by the cycle length itself is the identity on a bitwise cycle.
    .unwrap_or(cycle_length);
    let exact = period == cycle_length;
    if period == 1 {
        return Ok(fixed_point(objective, theta, exact, iterations, record, ws));
    }
    orbit.truncate(period);
    let state = final_state(objective, &theta, ws);
    Ok(Trajectory {
        attractor: Attractor::Periodic {
            period,
            orbit,
            exact,
        },
        iterations,
        final_state: Some(state),
        record,
    })
}

/// The end of the budget without a bitwise repeat: the smallest q with θ_T within the
/// tolerance of θ_{T−q}, reduced as an exact repeat is, where every recorded state lies within
/// the tolerance of the state k steps before it; otherwise unresolved, with the Lyapunov
/// exponent of the continuation.
fn classify_end<O: Objective>(
    objective: &O,
    theta: Vec<f64>,
    schedule: &Schedule,
    config: &RunConfig,
    history: &History,
    record: Record,
    ws: &mut O::Workspace,
) -> Result<Trajectory> {
    let iterations = config.max_iterations;
    // history.get(1) is θ_T itself; get(b) is θ_{T−b+1}.
    let threshold = orbit_threshold(
        config.tolerance,
        largest_norm((1..=history.len).map(|b| history.get(b))),
    );
    let returns_within = |q: usize, k: usize| {
        (1..=q)
            .filter(|b| b + k <= history.len)
            .all(|b| distance(history.get(b), history.get(b + k)) <= threshold)
    };
    for q in 1..history.len {
        if distance(history.get(q + 1), &theta) > threshold {
            continue;
        }
        let Some(period) = reduced_period(q, config.max_period, |k| returns_within(q, k)) else {
            continue;
        };
        if period == 1 {
            return Ok(fixed_point(objective, theta, false, iterations, record, ws));
        }
        let orbit = history.orbit(period);
        let state = final_state(objective, &theta, ws);
        return Ok(Trajectory {
            attractor: Attractor::Periodic {
                period,
                orbit,
                exact: false,
            },
            iterations,
            final_state: Some(state),
            record,
        });
    }
    let eta = schedule.eta(iterations.saturating_sub(1))?;
    let lyapunov =
        match largest_lyapunov_exponent(objective, &theta, eta, 0, config.lyapunov_iterations) {
            Ok(estimate) => Some(estimate),
            Err(CoreError::NonFinite { .. }) => None,
            Err(e) => return Err(e),
        };
    let state = final_state(objective, &theta, ws);
    Ok(Trajectory {
        attractor: Attractor::Unresolved { lyapunov },
        iterations,
        final_state: Some(state),
        record,
    })
}
