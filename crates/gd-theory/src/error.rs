//! The error type of gd-theory.

/// An input outside a formula's domain.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TheoryError {
    /// η must be finite and positive.
    #[error("step size eta must be finite and > 0, got {eta}")]
    InvalidStepSize {
        /// The rejected step.
        eta: f64,
    },
    /// A parameter outside the formula's conditions.
    #[error("{what}: {reason}")]
    OutsideConditions {
        /// Which formula or argument.
        what: &'static str,
        /// The condition that fails.
        reason: String,
    },
    /// A linear-algebra failure (non-finite input, no convergence).
    #[error(transparent)]
    LinearAlgebra(#[from] gd_core::CoreError),
}

/// Result alias for gd-theory.
pub type Result<T> = std::result::Result<T, TheoryError>;

pub(crate) fn check_eta(eta: f64) -> Result<f64> {
    if eta.is_finite() && eta > 0.0 {
        Ok(eta)
    } else {
        Err(TheoryError::InvalidStepSize { eta })
    }
}

pub(crate) fn outside<T>(what: &'static str, reason: impl Into<String>) -> Result<T> {
    Err(TheoryError::OutsideConditions {
        what,
        reason: reason.into(),
    })
}

pub(crate) fn check_depth(depth: usize) -> Result<f64> {
    if depth == 0 {
        outside("depth", "L must be at least 1")
    } else {
        Ok(depth as f64)
    }
}
