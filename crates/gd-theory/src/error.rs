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
    #[error("{field} = {value} is outside the result's conditions: {allowed}")]
    OutsideConditions {
        /// The argument.
        field: &'static str,
        /// The rejected value, printed.
        value: String,
        /// What the result needs.
        allowed: String,
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

pub(crate) fn outside<T>(
    field: &'static str,
    value: impl std::fmt::Display,
    allowed: impl Into<String>,
) -> Result<T> {
    Err(TheoryError::OutsideConditions {
        field,
        value: value.to_string(),
        allowed: allowed.into(),
    })
}

pub(crate) fn check_depth(depth: usize) -> Result<f64> {
    if depth == 0 {
        outside("depth", depth, "at least 1")
    } else {
        Ok(depth as f64)
    }
}
