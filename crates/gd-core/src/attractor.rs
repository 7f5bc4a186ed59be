//! Where a trajectory of the GD map ends: a fixed point, a period-k orbit, divergence, or
//! unresolved (with its largest Lyapunov exponent).

use crate::lyapunov::LyapunovEstimate;
use serde::{Deserialize, Serialize};

/// The end state of a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Attractor {
    /// θ_{k+1} = θ_k (bitwise when `exact`), or a cycle whose points all lie within the run's
    /// tolerance of each other (rounding flicker around one point), or the last step shorter
    /// than the tolerance, or the gradient below the gradient tolerance.
    FixedPoint {
        /// The point.
        point: Vec<f64>,
        /// ‖∇f(point)‖, the residual of the equilibrium equation ∇f = 0.
        residual: f64,
        /// Whether the state repeated bitwise (the GD map in floating point is at rest).
        exact: bool,
    },
    /// A period-k orbit θ_0 → … → θ_{k−1} → θ_0 with 2 ≤ k ≤ k_max.
    Periodic {
        /// The true period: the smallest k for which every point of the cycle found lies within
        /// the run's tolerance of the point k steps later ([`crate::period`]); a float cycle of
        /// length 2k around a k-orbit (as near a period doubling) reports k.
        period: usize,
        /// The k points of the orbit in the order visited, starting at the final state.
        orbit: Vec<Vec<f64>>,
        /// Whether these k points themselves repeat bitwise under the floating-point map
        /// (false when the float cycle is a multiple of k, or repeats only within tolerance).
        exact: bool,
    },
    /// The iterate left the finite numbers or exceeded the divergence bound, or the end state's
    /// loss or gradient is not finite (its next step leaves the finite numbers).
    Diverged {
        /// The first iteration whose state (or its loss or gradient) was non-finite or out of
        /// bounds.
        at_iteration: usize,
    },
    /// None of the above within the iteration budget (slow convergence, long period, chaos).
    Unresolved {
        /// The largest Lyapunov exponent from the last state, averaged over the run's
        /// `lyapunov_iterations`, with its standard error: clearly positive suggests chaos,
        /// clearly negative a slow approach to a stable set. `None` when the continuation left
        /// the finite numbers or the tangent vector was mapped exactly to zero (superstable).
        lyapunov: Option<LyapunovEstimate>,
    },
}

/// The names of the four kinds of end, one vocabulary for a run's [`Attractor`], a basin
/// map's attractors and a lane's end, from gd-core to the command's JSON and Python's results.
pub mod end_kind {
    /// A fixed point (period 1).
    pub const FIXED_POINT: &str = "fixed_point";
    /// A periodic orbit of period k ≥ 2.
    pub const PERIODIC: &str = "periodic";
    /// The trajectory left the bound or the finite numbers.
    pub const DIVERGED: &str = "diverged";
    /// None of these within the budget.
    pub const UNRESOLVED: &str = "unresolved";
}

impl Attractor {
    /// A short name: `fixed_point`, `periodic`, `diverged` or `unresolved` ([`end_kind`]).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::FixedPoint { .. } => end_kind::FIXED_POINT,
            Self::Periodic { .. } => end_kind::PERIODIC,
            Self::Diverged { .. } => end_kind::DIVERGED,
            Self::Unresolved { .. } => end_kind::UNRESOLVED,
        }
    }

    /// The period: 1 for a fixed point, k for an orbit, `None` otherwise.
    pub fn period(&self) -> Option<usize> {
        match self {
            Self::FixedPoint { .. } => Some(1),
            Self::Periodic { period, .. } => Some(*period),
            _ => None,
        }
    }
}
