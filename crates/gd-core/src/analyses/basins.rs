//! The basin map: over a grid of starts in a plane θ_c + s·u + t·v, the attractor each start
//! reaches, labeled. Each lane is iterated with Brent's cycle detection on the exact state, so
//! a lane stops as soon as it repeats bitwise (a float fixed point or cycle), as in SPEC W5.

use super::Progress;
use super::axis::Axis;
use crate::error::{Result, check_dimension, check_finite, out_of_range, validate_eta};
use crate::linearization::{DEFAULT_MARGINAL_TOLERANCE, Linearization, Stability};
use crate::objective::Objective;
use crate::period::reduced_period;
use crate::run_config::{MAX_PERIOD, validate_iterations};
use crate::sharpness::extreme_eigenvalues;
use crate::sweep::{SweepOptions, sweep};
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The plane of starts: θ = center + s·u + t·v for s on the first axis, t on the second.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plane {
    /// θ_c.
    pub center: Vec<f64>,
    /// Direction of the first axis.
    pub u: Vec<f64>,
    /// Direction of the second axis.
    pub v: Vec<f64>,
    /// Values of s (columns of the map).
    pub s: Axis,
    /// Values of t (rows of the map).
    pub t: Axis,
}

impl Plane {
    /// The coordinate plane of the first two parameters of a 2-D loss: θ = (s, t).
    pub fn xy(s: Axis, t: Axis) -> Self {
        Self {
            center: vec![0.0, 0.0],
            u: vec![1.0, 0.0],
            v: vec![0.0, 1.0],
            s,
            t,
        }
    }
}

/// Settings of the lanes.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct BasinOptions {
    /// Step budget per start.
    pub max_iterations: usize,
    /// |θᵢ| beyond which a lane is diverged.
    pub divergence_bound: f64,
    /// Longest period labeled as an orbit (longer cycles are unresolved).
    pub max_period: usize,
    /// Points of a cycle within this (largest coordinate difference) are one point: a cycle
    /// whose points all lie this close is a fixed point, and fixed points this close are one
    /// attractor. SPEC W5 classifies at 1e-6.
    pub merge_tolerance: f64,
}

impl Default for BasinOptions {
    /// 2000 steps, divergence beyond 10⁶, periods up to 64, merge within 1e-6 (SPEC W5).
    fn default() -> Self {
        Self {
            max_iterations: 2000,
            divergence_bound: 1e6,
            max_period: 64,
            merge_tolerance: 1e-6,
        }
    }
}

/// One attractor of the map, with its label.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum BasinAttractor {
    /// A fixed point (a minimum when λmin > 0), with its linearization at η.
    FixedPoint {
        /// The point (of the first lane that reached it).
        point: Vec<f64>,
        /// f there.
        loss: f64,
        /// λmax, λmin, ρ(I − η∇²f) and the verdict at η.
        linearization: Linearization,
    },
    /// Orbits of this period (all such orbits share the label).
    Periodic {
        /// The period.
        period: usize,
    },
    /// No repeat within the budget, or a cycle longer than `max_period` (chaos, slow
    /// convergence).
    Unresolved,
    /// The lane left the bound or the finite numbers.
    Diverged,
}

/// A labeled basin map.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BasinMap {
    /// The plane of starts.
    pub plane: Plane,
    /// The step size.
    pub eta: f64,
    /// Label of each start, row-major: `labels[j * s.len() + i]` for s_i, t_j.
    pub labels: Vec<u32>,
    /// Attractor of each label (label = index), in order of first appearance.
    pub attractors: Vec<BasinAttractor>,
    /// Starts with each label.
    pub counts: Vec<usize>,
    /// GD steps evaluated over all lanes (each lane stops at its first exact repeat).
    pub steps_evaluated: u64,
}

/// The most distinct attractors a map may label (each start is compared with each).
pub const MAX_ATTRACTORS: usize = 1024;

/// How one lane ended.
#[derive(Clone, Debug, PartialEq)]
enum LaneEnd {
    FixedPoint(Vec<f64>),
    Periodic(usize),
    Unresolved,
    Diverged,
}

/// Scratch of one row of lanes.
struct Lane<W> {
    theta: Vec<f64>,
    tortoise: Vec<f64>,
    gradient: Vec<f64>,
    orbit: Vec<f64>,
    workspace: W,
}

/// The attractor each start of `plane` reaches under GD at `eta`, labeled: fixed points merged
/// within `merge_tolerance` (each with its loss and linearization at η), orbits by period,
/// unresolved, diverged. Rows run in parallel; the map is the same at any thread count.
///
/// # Example
/// ```
/// use gd_core::analyses::{Axis, BasinAttractor, BasinOptions, Plane, basins};
/// use gd_core::{Autodiff, Loss, Stability, num_dual::DualNum};
///
/// struct W5; // SPEC W5: two local minima (2/λmax = 0.137), two global ones (0.114)
/// impl Loss for W5 {
///     fn dim(&self) -> usize { 2 }
///     fn loss<D: DualNum<Primitive = f64> + Copy>(&self, t: &[D]) -> D {
///         let (x, y) = (t[0], t[1]);
///         (x * x - 1.0).powi(2) + (y * y - 1.0).powi(2) * 2.0 + x * y * 0.5
///     }
/// }
/// let axis = Axis::new(-2.0, 2.0, 32).unwrap();
/// let map = basins(&Autodiff::new(W5), 0.12, &Plane::xy(axis, axis), &BasinOptions::default(), None)
///     .unwrap();
/// let stable_minima = map.attractors.iter().filter(|a| matches!(a,
///     BasinAttractor::FixedPoint { linearization, .. } if linearization.stability == Stability::Stable)).count();
/// assert_eq!(stable_minima, 2); // at η = 0.12 only the two local minima are reachable
/// ```
pub fn basins<O: Objective>(
    objective: &O,
    eta: f64,
    plane: &Plane,
    options: &BasinOptions,
    progress: Option<Progress<'_>>,
) -> Result<BasinMap> {
    validate_eta(eta)?;
    let d = objective.dim();
    for (name, vector) in [("center", &plane.center), ("u", &plane.u), ("v", &plane.v)] {
        check_dimension(name, d, vector.len())?;
        check_finite(name, vector)?;
    }
    validate_iterations("max_iterations", options.max_iterations)?;
    if !(1..=MAX_PERIOD).contains(&options.max_period) {
        return Err(out_of_range(
            "max_period",
            options.max_period,
            format!("in 1..={MAX_PERIOD}"),
        ));
    }
    if !(options.divergence_bound.is_finite() && options.divergence_bound > 0.0) {
        return Err(out_of_range(
            "divergence_bound",
            options.divergence_bound,
            "finite and > 0",
        ));
    }
    if !(options.merge_tolerance.is_finite() && options.merge_tolerance >= 0.0) {
        return Err(out_of_range(
            "merge_tolerance",
            options.merge_tolerance,
            "finite and ≥ 0",
        ));
    }
    let (columns, rows) = (plane.s.len(), plane.t.len());
    let sweep_options = SweepOptions {
        bytes_per_result: Some(
            columns
                .saturating_mul(d.saturating_add(6))
                .saturating_mul(8),
        ),
        ..SweepOptions::seeded(0)
    };
    let done = AtomicUsize::new(0);
    let ends = sweep(rows, &sweep_options, |j, _| {
        let mut lane = Lane {
            theta: vec![0.0; d],
            tortoise: vec![0.0; d],
            gradient: vec![0.0; d],
            orbit: Vec::new(),
            workspace: objective.workspace(),
        };
        let row: Vec<(LaneEnd, u64)> = (0..columns)
            .map(|i| {
                let (s, t) = (plane.s.value(i), plane.t.value(j));
                for (k, th) in lane.theta.iter_mut().enumerate() {
                    *th = plane.center[k] + s * plane.u[k] + t * plane.v[k];
                }
                iterate(objective, eta, &mut lane, options)
            })
            .collect();
        if let Some(p) = progress {
            p(done.fetch_add(1, Ordering::Relaxed) + 1, rows);
        }
        row
    })?;
    label(objective, eta, plane, ends.into_iter().flatten(), options)
}

/// Iterates one lane from `lane.theta` until it repeats bitwise, leaves the bound or spends
/// the budget (Brent's cycle detection: the tortoise jumps to the hare at powers of two).
fn iterate<O: Objective>(
    objective: &O,
    eta: f64,
    lane: &mut Lane<O::Workspace>,
    options: &BasinOptions,
) -> (LaneEnd, u64) {
    let bound = options.divergence_bound;
    lane.tortoise.copy_from_slice(&lane.theta);
    let (mut power, mut length) = (1_usize, 0_usize);
    for step in 1..=options.max_iterations {
        step_gd(objective, eta, lane);
        if lane.theta.iter().any(|x| x.is_nan() || x.abs() > bound) {
            return (LaneEnd::Diverged, step as u64);
        }
        length += 1;
        if lane.theta == lane.tortoise {
            return (
                cycle_end(objective, eta, lane, length, options),
                step as u64,
            );
        }
        if length == power {
            lane.tortoise.copy_from_slice(&lane.theta);
            power *= 2;
            length = 0;
        }
    }
    (LaneEnd::Unresolved, options.max_iterations as u64)
}

fn step_gd<O: Objective>(objective: &O, eta: f64, lane: &mut Lane<O::Workspace>) {
    objective.loss_and_gradient(&lane.theta, &mut lane.gradient, &mut lane.workspace);
    for (t, g) in lane.theta.iter_mut().zip(&lane.gradient) {
        *t -= eta * g;
    }
}

/// A lane that repeated after `length` steps: a fixed point when every point of the cycle lies
/// within the merge tolerance of the first, else an orbit of its reduced period.
fn cycle_end<O: Objective>(
    objective: &O,
    eta: f64,
    lane: &mut Lane<O::Workspace>,
    length: usize,
    options: &BasinOptions,
) -> LaneEnd {
    if length > options.max_period {
        return LaneEnd::Unresolved;
    }
    let d = lane.theta.len();
    lane.orbit.clear();
    for _ in 0..length {
        lane.orbit.extend_from_slice(&lane.theta);
        step_gd(objective, eta, lane);
    }
    let point = |k: usize| &lane.orbit[(k % length) * d..(k % length + 1) * d];
    let close = |a: &[f64], b: &[f64]| {
        a.iter()
            .zip(b)
            .all(|(x, y)| (x - y).abs() <= options.merge_tolerance)
    };
    match reduced_period(length, options.max_period, |k| {
        (0..length).all(|i| close(point(i), point(i + k)))
    }) {
        Some(1) => LaneEnd::FixedPoint(point(0).to_vec()),
        Some(period) => LaneEnd::Periodic(period),
        None => LaneEnd::Periodic(length),
    }
}

/// Labels the lane ends in task order (deterministic): fixed points merged within the
/// tolerance, one label per period, one for unresolved, one for diverged.
fn label<O: Objective>(
    objective: &O,
    eta: f64,
    plane: &Plane,
    ends: impl Iterator<Item = (LaneEnd, u64)>,
    options: &BasinOptions,
) -> Result<BasinMap> {
    let mut keys: Vec<LaneEnd> = Vec::new();
    let mut counts: Vec<usize> = Vec::new();
    let mut labels = Vec::new();
    let mut steps_evaluated = 0_u64;
    for (end, steps) in ends {
        steps_evaluated += steps;
        let found = keys.iter().position(|k| match (k, &end) {
            (LaneEnd::FixedPoint(a), LaneEnd::FixedPoint(b)) => a
                .iter()
                .zip(b)
                .all(|(x, y)| (x - y).abs() <= options.merge_tolerance),
            (a, b) => a == b,
        });
        let index = match found {
            Some(index) => index,
            None if keys.len() == MAX_ATTRACTORS => {
                return Err(out_of_range(
                    "distinct attractors",
                    format!("more than {MAX_ATTRACTORS}"),
                    format!(
                        "at most {MAX_ATTRACTORS}; raise merge_tolerance (a continuum of minima gives one attractor per start)"
                    ),
                ));
            }
            None => {
                keys.push(end);
                counts.push(0);
                keys.len() - 1
            }
        };
        counts[index] += 1;
        labels.push(index as u32);
    }
    let mut workspace = objective.workspace();
    let attractors = keys
        .into_iter()
        .map(|key| {
            Ok(match key {
                LaneEnd::FixedPoint(point) => {
                    let extremes = extreme_eigenvalues(objective, &point)?;
                    BasinAttractor::FixedPoint {
                        loss: objective.loss(&point, &mut workspace),
                        linearization: Linearization::from_extremes(
                            eta,
                            &extremes,
                            DEFAULT_MARGINAL_TOLERANCE,
                        )?,
                        point,
                    }
                }
                LaneEnd::Periodic(period) => BasinAttractor::Periodic { period },
                LaneEnd::Unresolved => BasinAttractor::Unresolved,
                LaneEnd::Diverged => BasinAttractor::Diverged,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(BasinMap {
        plane: plane.clone(),
        eta,
        labels,
        attractors,
        counts,
        steps_evaluated,
    })
}

impl BasinMap {
    /// Starts that end at a fixed point with the given verdict at η.
    pub fn count_at_fixed_points(&self, stability: Stability) -> usize {
        self.attractors
            .iter()
            .zip(&self.counts)
            .filter(|(a, _)| {
                matches!(a, BasinAttractor::FixedPoint { linearization, .. } if linearization.stability == stability)
            })
            .map(|(_, n)| n)
            .sum()
    }
}
