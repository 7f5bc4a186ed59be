//! The error type of gd-core: every way a caller's input can be rejected.

use faer::linalg::solvers::EvdError;

/// What went wrong in a gd-core call. Each variant carries the offending value so the
/// message says what to change.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CoreError {
    /// η must be a finite positive number; the GD map with η ≤ 0 is not descent.
    #[error("step size eta must be finite and > 0, got {eta}")]
    InvalidStepSize {
        /// The rejected step size.
        eta: f64,
    },
    /// A step-size schedule produced an invalid η at some iteration.
    #[error(
        "step-size schedule gave eta = {eta} at iteration {iteration}; it must be finite and > 0"
    )]
    InvalidScheduledStep {
        /// The iteration at which the schedule was evaluated.
        iteration: usize,
        /// The rejected step size.
        eta: f64,
    },
    /// A vector or matrix has the wrong size for the objective or the call.
    #[error("dimension mismatch for {what}: expected {expected}, got {found}")]
    DimensionMismatch {
        /// Which argument has the wrong size.
        what: &'static str,
        /// The size the call needs.
        expected: usize,
        /// The size it was given.
        found: usize,
    },
    /// An input that must be finite contains NaN or ±∞.
    #[error("{what} contains a non-finite value (NaN or infinity)")]
    NonFinite {
        /// Which input is not finite.
        what: &'static str,
    },
    /// The tangent map sent the tangent vector exactly to zero: the orbit is superstable and
    /// its Lyapunov exponent is −∞; classify it with `run_gd` instead.
    #[error(
        "the tangent vector was mapped exactly to zero at step {iteration}: the orbit is superstable (Lyapunov exponent −∞); classify it with run_gd"
    )]
    Superstable {
        /// The step (counting the transient) at which the tangent vanished.
        iteration: usize,
    },
    /// A matrix that must be symmetric is not, beyond rounding.
    #[error("{what} is not symmetric: |A - A^T| reaches {asymmetry:e} (tolerance {tolerance:e})")]
    NotSymmetric {
        /// Which matrix.
        what: &'static str,
        /// Largest |a_ij − a_ji|.
        asymmetry: f64,
        /// The accepted asymmetry.
        tolerance: f64,
    },
    /// A grid or task list with no tasks.
    #[error("the {what} is empty: at least one element is needed")]
    EmptyGrid {
        /// Which axis or list is empty.
        what: &'static str,
    },
    /// The results of a sweep would not fit in the memory budget.
    #[error(
        "the sweep has {tasks} tasks and its results need about {bytes} bytes, over the budget of {budget} bytes; \
         split it into shards or lower the resolution"
    )]
    GridTooLarge {
        /// Number of tasks (saturating at usize::MAX when the product overflows).
        tasks: usize,
        /// Estimated bytes of the results (saturating).
        bytes: usize,
        /// The budget.
        budget: usize,
    },
    /// A parameter outside the values it may take.
    #[error("{field} = {value} is not allowed: {allowed}")]
    OutOfRange {
        /// The parameter, as the caller spells it (a field, an argument or a variable).
        field: &'static str,
        /// The rejected value, printed.
        value: String,
        /// What is accepted.
        allowed: String,
    },
    /// The dense problem is too large for a dense method.
    #[error(
        "{what} at d = {dim} needs {} (d² float64), above the limit d ≤ {limit} ({}); use the \
         matrix-free path: Lanczos on Hessian-vector products (sharpness, extreme_eigenvalues)",
        dense_bytes(*.dim), dense_bytes(*.limit)
    )]
    TooLargeForDense {
        /// Which dense operation.
        what: &'static str,
        /// The requested dimension.
        dim: usize,
        /// The largest accepted dimension.
        limit: usize,
    },
    /// faer's eigensolver did not converge.
    #[error("eigensolver did not converge ({0:?})")]
    Eigen(EvdError),
    /// faer's SVD did not converge.
    #[error("SVD did not converge ({0:?})")]
    Svd(faer::linalg::solvers::SvdError),
    /// Shard files that do not form one complete sweep.
    #[error("shards do not merge: {reason}")]
    ShardMismatch {
        /// Which shard is missing, duplicated or inconsistent.
        reason: String,
    },
    /// A folder of shard files that do not form one run.
    #[error("shards in {folder} do not merge: {reason}")]
    Shards {
        /// The folder of the shard files.
        folder: String,
        /// What is missing, duplicated or inconsistent.
        reason: String,
    },
    /// Reading or writing a shard file failed.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A shard file is not valid JSON of the expected shape.
    #[error("shard file {path} is malformed: {source}")]
    MalformedShard {
        /// The file.
        path: String,
        /// The parse error.
        source: serde_json::Error,
    },
}

/// The size of a dense d × d float64 matrix, in GB or MiB.
fn dense_bytes(d: usize) -> String {
    let bytes = (d as f64) * (d as f64) * 8.0;
    if bytes >= 1e9 {
        format!("{:.1} GB", bytes / 1e9)
    } else {
        format!("{:.0} MiB", bytes / (1u64 << 20) as f64)
    }
}

/// Result alias for gd-core.
pub type Result<T> = std::result::Result<T, CoreError>;

/// The error for `field = value`, which must be `allowed`.
pub(crate) fn out_of_range(
    field: &'static str,
    value: impl std::fmt::Display,
    allowed: impl Into<String>,
) -> CoreError {
    CoreError::OutOfRange {
        field,
        value: value.to_string(),
        allowed: allowed.into(),
    }
}

/// Returns η if it is a valid step size.
pub(crate) fn validate_eta(eta: f64) -> Result<f64> {
    if eta.is_finite() && eta > 0.0 {
        Ok(eta)
    } else {
        Err(CoreError::InvalidStepSize { eta })
    }
}

/// Checks that `found == expected` for the named argument.
pub(crate) fn check_dimension(what: &'static str, expected: usize, found: usize) -> Result<()> {
    if expected == found {
        Ok(())
    } else {
        Err(CoreError::DimensionMismatch {
            what,
            expected,
            found,
        })
    }
}

/// Checks that every value of `values` is finite.
pub(crate) fn check_finite(what: &'static str, values: &[f64]) -> Result<()> {
    if values.iter().all(|v| v.is_finite()) {
        Ok(())
    } else {
        Err(CoreError::NonFinite { what })
    }
}

/// Refuses an objective with no parameters: it has no Hessian to take extremes of.
pub(crate) fn check_nonempty_objective(dim: usize) -> Result<()> {
    if dim == 0 {
        Err(out_of_range(
            "objective dimension",
            0,
            "at least 1 (a Hessian needs a parameter)",
        ))
    } else {
        Ok(())
    }
}
