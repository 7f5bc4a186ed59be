//! Final states of a one-dimensional GD map x ← x − η f′(x) over many (η, x₀) lanes: the
//! arithmetic of orbit diagrams and basin maps. A lane whose state repeats exactly has reached
//! a fixed point or cycle of the floating-point map, so it is stopped there and its state
//! after the full iteration count is read off the cycle — bit-identical to iterating, at a
//! fraction of the work. A single lane finds its cycle by Brent's algorithm; a grid advances
//! the lanes of each η in lockstep (independent lanes overlap in the CPU's pipelines), a chunk
//! of steps at a time, and retires a lane once it returns to its state at the chunk's start.
//! The period reported is the true one, by the same rule as [`crate::run_gd`]'s
//! ([`crate::period`]).

use crate::analyses::lane::{self, CycleSearch};
use crate::error::{CoreError, Result};
use crate::period::{orbit_threshold, reduced_period};
use crate::run_config::{validate_iterations, validate_orbit_settings};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Settings of [`final_states`] and [`iterate_lane`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LaneConfig {
    /// GD steps per lane, at most [`crate::MAX_ITERATIONS`].
    pub iterations: usize,
    /// A lane with |x| above this (or NaN) is frozen and marked diverged.
    pub divergence_bound: f64,
    /// Two points of a cycle closer than `tolerance · max(1, largest |x| on the cycle)` are
    /// one point (as `RunConfig::tolerance`).
    pub tolerance: f64,
    /// The longest period reported (as `RunConfig::max_period`).
    pub max_period: usize,
}

impl LaneConfig {
    /// `iterations` steps, frozen beyond `divergence_bound`, with `RunConfig`'s defaults for
    /// the tolerance (10⁻¹²) and the longest period (64).
    pub fn new(iterations: usize, divergence_bound: f64) -> Self {
        let run = crate::RunConfig::default();
        Self {
            iterations,
            divergence_bound,
            tolerance: run.tolerance,
            max_period: run.max_period,
        }
    }

    /// Checks every field's range.
    pub fn validate(&self) -> Result<()> {
        validate_orbit_settings(self.max_period, self.divergence_bound, self.tolerance)?;
        validate_iterations("iterations", self.iterations)
    }
}

/// The state of one lane after the requested iterations.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct LaneState {
    /// x after `iterations` steps (the frozen value if the lane diverged).
    pub x: f64,
    /// Whether |x| exceeded the divergence bound (the lane was frozen there).
    pub diverged: bool,
    /// The true period of the cycle the lane settled in (1 = fixed point), if one was found:
    /// a bitwise cycle reduced by the tolerance rule, or at the end of the budget a return
    /// within the tolerance.
    pub period: Option<usize>,
    /// Whether the `period`-cycle itself repeats bitwise.
    pub exact: bool,
    /// GD steps evaluated, not counting the steps that measure the period.
    pub steps_evaluated: usize,
}

/// The period of the cycle of the map `step` through x: `cycle_length` is the length of a
/// bitwise cycle (`exact`), or of a return within the tolerance. Walks the cycle, allocates
/// nothing.
fn lane_period(
    step: &impl Fn(f64) -> f64,
    x: f64,
    cycle_length: usize,
    config: &LaneConfig,
) -> Option<usize> {
    let mut scale = 0.0_f64;
    let mut y = x;
    for _ in 0..cycle_length {
        scale = scale.max(y.abs());
        y = step(y);
    }
    let threshold = orbit_threshold(config.tolerance, scale);
    reduced_period(cycle_length, config.max_period, |k| {
        let (mut y, mut z) = (x, x);
        for _ in 0..k {
            z = step(z);
        }
        for _ in 0..cycle_length {
            if (y - z).abs() > threshold {
                return false;
            }
            y = step(y);
            z = step(z);
        }
        true
    })
}

/// At the end of the budget: the smallest q ≤ max_period with Φ^q(x) within the tolerance of
/// x, reduced to the true period; `None` when x returns nowhere near itself.
fn period_within_tolerance(
    step: &impl Fn(f64) -> f64,
    x: f64,
    config: &LaneConfig,
) -> Option<usize> {
    let threshold = orbit_threshold(config.tolerance, x.abs());
    let mut y = x;
    for q in 1..=config.max_period {
        y = step(y);
        if escaped(y, config.divergence_bound) {
            return None;
        }
        if (y - x).abs() <= threshold {
            return lane_period(step, x, q, config);
        }
    }
    None
}

/// A settled lane's period and exactness from a bitwise cycle of length λ through x.
fn settled(
    step: &impl Fn(f64) -> f64,
    x: f64,
    lambda: usize,
    config: &LaneConfig,
) -> (Option<usize>, bool) {
    let period = lane_period(step, x, lambda, config);
    (period, period == Some(lambda))
}

/// Period and exactness of a lane still moving at the end of the budget.
fn unsettled(step: &impl Fn(f64) -> f64, x: f64, config: &LaneConfig) -> (Option<usize>, bool) {
    if escaped(x, config.divergence_bound) {
        (None, false)
    } else {
        (period_within_tolerance(step, x, config), false)
    }
}

/// Whether x has left [−bound, bound] or is NaN: the lanes' escape test.
#[inline(always)]
fn escaped(x: f64, bound: f64) -> bool {
    lane::escaped(&[x], bound)
}

/// Iterates one lane: x ← x − η f′(x) for `config.iterations` steps, freezing once |x|
/// exceeds the divergence bound (or x is not finite), with Brent's cycle detection.
pub fn iterate_lane(
    derivative: &impl Fn(f64) -> f64,
    eta: f64,
    x0: f64,
    config: &LaneConfig,
) -> Result<LaneState> {
    crate::error::validate_eta(eta)?;
    config.validate()?;
    if !x0.is_finite() {
        return Err(CoreError::NonFinite { what: "x0" });
    }
    let step = |x: f64| x - eta * derivative(x);
    let (iterations, bound) = (config.iterations, config.divergence_bound);
    let mut x = x0;
    let mut search = CycleSearch::<[f64; 1]>::new(1);
    search.start(&[x0]);
    let mut k = 0;
    while k < iterations {
        if escaped(x, bound) {
            return Ok(LaneState {
                x,
                diverged: true,
                period: None,
                exact: false,
                steps_evaluated: k,
            });
        }
        x = step(x);
        k += 1;
        if let Some(lambda) = search.observe(&[x]) {
            // x_k = x_{k−λ}: the map is periodic from here with period λ.
            let (period, exact) = settled(&step, x, lambda, config);
            let remaining = (iterations - k) % lambda;
            for _ in 0..remaining {
                x = step(x);
            }
            return Ok(LaneState {
                x,
                diverged: false,
                period,
                exact,
                steps_evaluated: k + remaining,
            });
        }
    }
    let (period, exact) = unsettled(&step, x, config);
    Ok(LaneState {
        x,
        diverged: escaped(x, bound),
        period,
        exact,
        steps_evaluated: k,
    })
}

/// Final states on the grid η × x₀ (η outer, x₀ inner: lane i is (etas[i / n], starts[i % n])),
/// rows in parallel; the result is the same at any thread count.
pub fn final_states(
    derivative: impl Fn(f64) -> f64 + Sync,
    etas: &[f64],
    starts: &[f64],
    config: &LaneConfig,
) -> Result<Vec<LaneState>> {
    if etas.is_empty() || starts.is_empty() {
        return Err(CoreError::EmptyGrid {
            what: "η or x₀ axis",
        });
    }
    for eta in etas {
        crate::error::validate_eta(*eta)?;
    }
    crate::error::check_finite("starts", starts)?;
    config.validate()?;
    let lanes = etas
        .len()
        .checked_mul(starts.len())
        .ok_or(CoreError::GridTooLarge {
            tasks: usize::MAX,
            bytes: usize::MAX,
            budget: crate::sweep::DEFAULT_MEMORY_BUDGET,
        })?;
    let bytes = lanes.saturating_mul(std::mem::size_of::<LaneState>());
    if bytes > crate::sweep::DEFAULT_MEMORY_BUDGET {
        return Err(CoreError::GridTooLarge {
            tasks: lanes,
            bytes,
            budget: crate::sweep::DEFAULT_MEMORY_BUDGET,
        });
    }
    Ok(etas
        .par_iter()
        .flat_map_iter(|eta| lockstep_row(&derivative, *eta, starts, config))
        .collect())
}

/// Steps per lockstep chunk: cycles of period ≤ CHUNK are detected, at a cost of at most two
/// chunks of extra steps per settled lane.
const CHUNK: usize = 32;
const NO_HIT: f64 = 0.0;

/// Whether λ steps of the map from x lead back to exactly the bits of x.
fn returns_bitwise(step: &impl Fn(f64) -> f64, x: f64, lambda: usize) -> bool {
    let mut y = x;
    for _ in 0..lambda {
        y = step(y);
    }
    y.to_bits() == x.to_bits()
}

/// One chunk of `steps` steps of every active lane, recording in `hit` the first step at which
/// a lane is back at its `saved` state. A pulp operation: compiled inside the dispatched
/// function with the machine's vector instructions (the arithmetic, and so the bits, are the
/// same on every path: no operation is fused).
struct Chunk<'a, F> {
    derivative: &'a F,
    eta: f64,
    bound: f64,
    steps: usize,
    x: &'a mut [f64],
    saved: &'a [f64],
    hit: &'a mut [f64],
}

impl<F: Fn(f64) -> f64> pulp::WithSimd for Chunk<'_, F> {
    type Output = ();
    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) {
        let (eta, bound) = (self.eta, self.bound);
        for t in 1..=self.steps {
            let t = t as f64;
            for ((xj, &sj), hj) in self.x.iter_mut().zip(self.saved).zip(&mut *self.hit) {
                let next = *xj - eta * (self.derivative)(*xj);
                // A lane that escaped (the escape test of `lane`, as a comparison that
                // vectorizes: NaN compares false) is frozen where it is.
                let nx = if xj.abs() <= bound { next } else { *xj };
                *xj = nx;
                // Float equality: bitwise equality up to ±0, confirmed bitwise on retirement.
                *hj = if nx == sj && *hj == NO_HIT { t } else { *hj };
            }
        }
    }
}

/// All lanes (η, x₀) for x₀ in `starts`, advanced together.
fn lockstep_row(
    derivative: &impl Fn(f64) -> f64,
    eta: f64,
    starts: &[f64],
    config: &LaneConfig,
) -> Vec<LaneState> {
    let (iterations, bound) = (config.iterations, config.divergence_bound);
    let step = |x: f64| x - eta * derivative(x);
    // bound: n is the length of `starts`, in memory.
    let n = starts.len();
    let mut out = vec![
        LaneState {
            x: f64::NAN,
            diverged: false,
            period: None,
            exact: false,
            steps_evaluated: 0
        };
        n
    ];
    let mut lane: Vec<usize> = (0..n).collect();
    let mut x = starts.to_vec();
    let mut saved = vec![0.0; n];
    let mut hit = vec![NO_HIT; n];
    let mut active = n;
    let mut step_count = 0;
    while active > 0 && step_count < iterations {
        let chunk = CHUNK.min(iterations - step_count);
        saved[..active].copy_from_slice(&x[..active]);
        hit[..active].fill(NO_HIT);
        pulp::Arch::new().dispatch(Chunk {
            derivative,
            eta,
            bound,
            steps: chunk,
            x: &mut x[..active],
            saved: &saved[..active],
            hit: &mut hit[..active],
        });
        let start = step_count;
        step_count += chunk;
        let mut j = 0;
        while j < active {
            let frozen = escaped(x[j], bound);
            let cycle =
                !frozen && hit[j] != NO_HIT && returns_bitwise(&step, saved[j], hit[j] as usize);
            if frozen || cycle {
                out[lane[j]] = if frozen {
                    LaneState {
                        x: x[j],
                        diverged: true,
                        period: None,
                        exact: false,
                        steps_evaluated: step_count,
                    }
                } else {
                    // x_(start + λ) = x_start: the state after `iterations` is λ-periodic.
                    let lambda = hit[j] as usize;
                    let (period, exact) = settled(&step, saved[j], lambda, config);
                    let remaining = (iterations - start) % lambda;
                    let mut y = saved[j];
                    for _ in 0..remaining {
                        y = step(y);
                    }
                    LaneState {
                        x: y,
                        diverged: false,
                        period,
                        exact,
                        steps_evaluated: step_count + remaining,
                    }
                };
                active -= 1;
                lane.swap(j, active);
                x.swap(j, active);
                saved.swap(j, active);
                hit.swap(j, active);
            } else {
                j += 1;
            }
        }
    }
    for j in 0..active {
        let (period, exact) = unsettled(&step, x[j], config);
        out[lane[j]] = LaneState {
            x: x[j],
            diverged: escaped(x[j], bound),
            period,
            exact,
            steps_evaluated: iterations,
        };
    }
    out
}
