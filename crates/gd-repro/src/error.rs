//! The error type of gd-repro.

/// What went wrong while running or writing experiments.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReproError {
    /// An error from gd-core.
    #[error(transparent)]
    Core(#[from] gd_core::CoreError),
    /// An error from gd-models.
    #[error(transparent)]
    Model(#[from] gd_models::ModelError),
    /// An error from gd-theory.
    #[error(transparent)]
    Theory(#[from] gd_theory::TheoryError),
    /// `--only` named no registered experiment.
    #[error("no experiment matches '{0}'; known ids: {1}")]
    UnknownExperiment(String, String),
    /// A malformed or out-of-range configuration.
    #[error("configuration of {id}: {reason}")]
    Config {
        /// The experiment.
        id: String,
        /// What is wrong.
        reason: String,
    },
    /// Writing an output file failed.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Serializing data failed.
    #[error("could not serialize {what}: {reason}")]
    Serialize {
        /// What was serialized.
        what: String,
        /// The serializer's message.
        reason: String,
    },
}

/// Result alias for gd-repro.
pub type Result<T> = std::result::Result<T, ReproError>;

/// Rejects a config whose field is out of range.
pub fn config_check(id: &str, ok: bool, reason: impl Into<String>) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(ReproError::Config {
            id: id.into(),
            reason: reason.into(),
        })
    }
}
