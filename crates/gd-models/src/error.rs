//! The error type of gd-models.

/// What is wrong with a model's construction.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// Shapes that do not fit together.
    #[error("shape mismatch for {what}: expected {expected}, got {found}")]
    Shape {
        /// Which argument.
        what: &'static str,
        /// What was expected, e.g. "32 x 1024".
        expected: String,
        /// What was given.
        found: String,
    },
    /// An empty data set or a zero width.
    #[error("{what} is empty")]
    Empty {
        /// What is empty.
        what: &'static str,
    },
    /// A parameter out of its valid range.
    #[error("{field} = {value} is not allowed: {allowed}")]
    Invalid {
        /// The parameter.
        field: &'static str,
        /// The rejected value, printed.
        value: String,
        /// What is accepted.
        allowed: String,
    },
    /// Input data with NaN or infinity.
    #[error("{what} contains a non-finite value")]
    NonFinite {
        /// Which input.
        what: &'static str,
    },
    /// A data file that is not what it should be.
    #[error("{path}: expected {expected}, found {found}")]
    DataFile {
        /// The file.
        path: String,
        /// What was expected.
        expected: String,
        /// What was found.
        found: String,
    },
    /// Memory that would exceed its cap, refused before anything is allocated.
    #[error("{what} needs {} bytes, above the cap of {cap} bytes: {remedy}", bytes.map_or("more than 2^64".to_string(), |b| b.to_string()))]
    TooLarge {
        /// What would be allocated.
        what: &'static str,
        /// Its size (`None`: beyond the address space).
        bytes: Option<usize>,
        /// The cap in force.
        cap: usize,
        /// What to change.
        remedy: &'static str,
    },
    /// A linear-algebra failure in gd-core.
    #[error(transparent)]
    Core(#[from] gd_core::CoreError),
}

/// Result alias for gd-models.
pub type Result<T> = std::result::Result<T, ModelError>;

pub(crate) fn invalid<T>(
    field: &'static str,
    value: impl std::fmt::Display,
    allowed: impl Into<String>,
) -> Result<T> {
    Err(ModelError::Invalid {
        field,
        value: value.to_string(),
        allowed: allowed.into(),
    })
}
