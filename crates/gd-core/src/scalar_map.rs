//! Final states of a one-dimensional GD map x ← x − η f′(x) over many (η, x₀) lanes: the
//! arithmetic of orbit diagrams and basin maps. A lane whose state repeats exactly has reached
//! a fixed point or cycle of the floating-point map, so it is stopped there and its state
//! after the full iteration count is read off the cycle — bit-identical to iterating, at a
//! fraction of the work. A single lane finds its cycle by Brent's algorithm; a grid advances
//! the lanes of each η in lockstep (independent lanes overlap in the CPU's pipelines), a chunk
//! of steps at a time, and retires a lane once it returns to its state at the chunk's start.

use crate::error::{CoreError, Result};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// The state of one lane after the requested iterations.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct LaneState {
    /// x after `iterations` steps (the frozen value if the lane diverged).
    pub x: f64,
    /// Whether |x| exceeded the divergence bound (the lane was frozen there).
    pub diverged: bool,
    /// Period of the cycle the lane settled in (1 = fixed point), if one was found.
    pub period: Option<usize>,
    /// GD steps actually evaluated.
    pub steps_evaluated: usize,
}

/// Whether x has left [−bound, bound] or is NaN.
#[inline]
fn escaped(x: f64, bound: f64) -> bool {
    x.is_nan() || x.abs() > bound
}

/// Iterates one lane: x ← x − η f′(x) for `iterations` steps, freezing once |x| exceeds
/// `bound` (or x is not finite), with Brent's cycle detection.
pub fn iterate_lane(
    derivative: &impl Fn(f64) -> f64,
    eta: f64,
    x0: f64,
    iterations: usize,
    bound: f64,
) -> LaneState {
    let mut x = x0;
    let mut saved = x0;
    let (mut power, mut lambda) = (1_usize, 0_usize);
    let mut k = 0;
    while k < iterations {
        if escaped(x, bound) {
            return LaneState {
                x,
                diverged: true,
                period: None,
                steps_evaluated: k,
            };
        }
        x -= eta * derivative(x);
        k += 1;
        lambda += 1;
        if x.to_bits() == saved.to_bits() {
            // x_k = x_{k−λ}: the map is periodic from here with period λ.
            let remaining = (iterations - k) % lambda;
            for _ in 0..remaining {
                x -= eta * derivative(x);
            }
            return LaneState {
                x,
                diverged: false,
                period: Some(lambda),
                steps_evaluated: k + remaining,
            };
        }
        if lambda == power {
            saved = x;
            power *= 2;
            lambda = 0;
        }
    }
    LaneState {
        x,
        diverged: escaped(x, bound),
        period: None,
        steps_evaluated: k,
    }
}

/// Final states on the grid η × x₀ (η outer, x₀ inner: lane i is (etas[i / n], starts[i % n])),
/// rows in parallel; the result is the same at any thread count.
pub fn final_states(
    derivative: impl Fn(f64) -> f64 + Sync,
    etas: &[f64],
    starts: &[f64],
    iterations: usize,
    bound: f64,
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
    if !(bound.is_finite() && bound > 0.0) {
        return Err(CoreError::InvalidConfig {
            reason: format!("divergence bound must be finite and > 0, got {bound}"),
        });
    }
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
        .flat_map_iter(|eta| lockstep_row(&derivative, *eta, starts, iterations, bound))
        .collect())
}

/// Steps per lockstep chunk: cycles of period ≤ CHUNK are detected, at a cost of at most two
/// chunks of extra steps per settled lane.
const CHUNK: usize = 32;
const NO_HIT: f64 = 0.0;

/// Whether λ steps of the map from x lead back to exactly the bits of x.
fn returns_bitwise(derivative: &impl Fn(f64) -> f64, eta: f64, x: f64, lambda: usize) -> bool {
    let mut y = x;
    for _ in 0..lambda {
        y -= eta * derivative(y);
    }
    y.to_bits() == x.to_bits()
}

/// All lanes (η, x₀) for x₀ in `starts`, advanced together.
fn lockstep_row(
    derivative: &impl Fn(f64) -> f64,
    eta: f64,
    starts: &[f64],
    iterations: usize,
    bound: f64,
) -> Vec<LaneState> {
    let n = starts.len();
    let mut out = vec![
        LaneState {
            x: f64::NAN,
            diverged: false,
            period: None,
            steps_evaluated: 0
        };
        n
    ];
    let mut lane: Vec<usize> = (0..n).collect();
    let mut x = starts.to_vec();
    let mut saved = vec![0.0; n];
    let mut hit = vec![NO_HIT; n];
    let mut active = n;
    let mut step = 0;
    while active > 0 && step < iterations {
        let chunk = CHUNK.min(iterations - step);
        saved[..active].copy_from_slice(&x[..active]);
        hit[..active].fill(NO_HIT);
        for t in 1..=chunk {
            let t = t as f64;
            for ((xj, &sj), hj) in x[..active]
                .iter_mut()
                .zip(&saved[..active])
                .zip(&mut hit[..active])
            {
                let next = *xj - eta * derivative(*xj);
                // A lane past the bound (or NaN) is frozen where it is.
                let nx = if xj.abs() <= bound { next } else { *xj };
                *xj = nx;
                // Float equality: bitwise equality up to ±0, confirmed bitwise on retirement.
                *hj = if nx == sj && *hj == NO_HIT { t } else { *hj };
            }
        }
        let start = step;
        step += chunk;
        let mut j = 0;
        while j < active {
            let frozen = escaped(x[j], bound);
            let cycle = !frozen
                && hit[j] != NO_HIT
                && returns_bitwise(derivative, eta, saved[j], hit[j] as usize);
            if frozen || cycle {
                out[lane[j]] = if frozen {
                    LaneState {
                        x: x[j],
                        diverged: true,
                        period: None,
                        steps_evaluated: step,
                    }
                } else {
                    // x_(start + λ) = x_start: the state after `iterations` is λ-periodic.
                    let lambda = hit[j] as usize;
                    let remaining = (iterations - start) % lambda;
                    let mut y = saved[j];
                    for _ in 0..remaining {
                        y -= eta * derivative(y);
                    }
                    LaneState {
                        x: y,
                        diverged: false,
                        period: Some(lambda),
                        steps_evaluated: step + remaining,
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
        out[lane[j]] = LaneState {
            x: x[j],
            diverged: escaped(x[j], bound),
            period: None,
            steps_evaluated: iterations,
        };
    }
    out
}
