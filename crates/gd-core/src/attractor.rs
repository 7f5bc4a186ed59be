//! Where a trajectory of the GD map ends: a fixed point, a period-k orbit, divergence, or
//! unresolved (with its largest Lyapunov exponent).

use serde::{Deserialize, Serialize};

/// The end state of a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Attractor {
    /// θ_{k+1} = θ_k (bitwise when `exact`), or the last step shorter than the fixed-point
    /// tolerance.
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
        /// The smallest period k.
        period: usize,
        /// The k points of the orbit in the order visited.
        orbit: Vec<Vec<f64>>,
        /// Whether the orbit repeated bitwise, or only within the tolerance.
        exact: bool,
    },
    /// The iterate left the finite numbers or exceeded the divergence bound.
    Diverged {
        /// The first iteration whose state (or loss) was non-finite or out of bounds.
        at_iteration: usize,
    },
    /// None of the above within the iteration budget (slow convergence, long period, chaos).
    Unresolved {
        /// Estimate of the largest Lyapunov exponent from the last state: positive suggests
        /// chaos, negative a slow approach to a stable set; +∞ when the continuation diverged.
        largest_lyapunov_exponent: f64,
    },
}

impl Attractor {
    /// A short name: `fixed_point`, `periodic`, `diverged` or `unresolved`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::FixedPoint { .. } => "fixed_point",
            Self::Periodic { .. } => "periodic",
            Self::Diverged { .. } => "diverged",
            Self::Unresolved { .. } => "unresolved",
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
