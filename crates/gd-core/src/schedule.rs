//! Step-size schedules η_k: constant, piecewise constant, exponential decay, or any function.

use crate::error::{CoreError, Result, validate_eta};
use std::fmt;
use std::sync::Arc;

/// The step size as a function of the iteration k.
#[derive(Clone)]
#[non_exhaustive]
pub enum Schedule {
    /// η_k = η.
    Constant(f64),
    /// η_k = `etas[i]` for `boundaries[i-1] ≤ k < boundaries[i]` (with boundaries ascending,
    /// `etas.len() == boundaries.len() + 1`).
    Piecewise {
        /// Iterations at which the step changes.
        boundaries: Vec<usize>,
        /// The steps, one more than boundaries.
        etas: Vec<f64>,
    },
    /// η_k = η₀·γᵏ.
    Exponential {
        /// η₀.
        eta0: f64,
        /// γ in (0, 1].
        gamma: f64,
    },
    /// Any function of k; checked at every step.
    Custom(Arc<dyn Fn(usize) -> f64 + Send + Sync>),
}

impl fmt::Debug for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Constant(eta) => write!(f, "Constant({eta})"),
            Self::Piecewise { boundaries, etas } => {
                write!(
                    f,
                    "Piecewise {{ boundaries: {boundaries:?}, etas: {etas:?} }}"
                )
            }
            Self::Exponential { eta0, gamma } => {
                write!(f, "Exponential {{ eta0: {eta0}, gamma: {gamma} }}")
            }
            Self::Custom(_) => write!(f, "Custom(..)"),
        }
    }
}

impl Schedule {
    /// A constant step, validated.
    pub fn constant(eta: f64) -> Result<Self> {
        Ok(Self::Constant(validate_eta(eta)?))
    }

    /// Checks every statically known step (all but `Custom`).
    pub fn validate(&self) -> Result<()> {
        match self {
            Self::Constant(eta) => validate_eta(*eta).map(|_| ()),
            Self::Piecewise { boundaries, etas } => {
                if etas.len() != boundaries.len() + 1 {
                    return Err(CoreError::InvalidConfig {
                        reason: format!(
                            "piecewise schedule needs one more eta than boundaries, got {} etas and {} boundaries",
                            etas.len(),
                            boundaries.len()
                        ),
                    });
                }
                if boundaries.windows(2).any(|w| w[0] >= w[1]) {
                    return Err(CoreError::InvalidConfig {
                        reason: format!(
                            "piecewise boundaries must increase strictly, got {boundaries:?}"
                        ),
                    });
                }
                etas.iter().try_for_each(|e| validate_eta(*e).map(|_| ()))
            }
            Self::Exponential { eta0, gamma } => {
                validate_eta(*eta0)?;
                if !(gamma.is_finite() && *gamma > 0.0 && *gamma <= 1.0) {
                    return Err(CoreError::InvalidConfig {
                        reason: format!("exponential decay gamma must lie in (0, 1], got {gamma}"),
                    });
                }
                Ok(())
            }
            Self::Custom(_) => Ok(()),
        }
    }

    /// η at iteration k, rejected if not finite and positive (exponential decay can
    /// underflow to 0 after many steps; a custom function can return anything).
    pub fn eta(&self, k: usize) -> Result<f64> {
        let eta = match self {
            Self::Constant(eta) => *eta,
            Self::Piecewise { boundaries, etas } => etas[boundaries.partition_point(|b| *b <= k)],
            Self::Exponential { eta0, gamma } => eta0 * gamma.powf(k as f64),
            Self::Custom(f) => f(k),
        };
        if eta.is_finite() && eta > 0.0 {
            Ok(eta)
        } else {
            Err(CoreError::InvalidScheduledStep { iteration: k, eta })
        }
    }

    /// The constant η, if the schedule is constant (then Φ_η is autonomous and a repeated
    /// state proves a periodic orbit).
    pub fn as_constant(&self) -> Option<f64> {
        match self {
            Self::Constant(eta) => Some(*eta),
            _ => None,
        }
    }
}
