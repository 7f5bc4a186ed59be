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
    /// A config field outside the values it may take (or not a field of the config).
    #[error("configuration of {id}: {field} = {value} is not allowed: {allowed}")]
    Config {
        /// The experiment (or `(file)` for the override file as a whole).
        id: String,
        /// The field, e.g. `eta_max` or `setting.sizes[1]`.
        field: String,
        /// The rejected value, printed (at most 60 characters).
        value: String,
        /// What is accepted.
        allowed: String,
    },
    /// The override file is not valid TOML.
    #[error("{path}:{line}:{column}: {message}\n  near: {excerpt}")]
    Parse {
        /// The file.
        path: String,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column (in characters) of the error.
        column: usize,
        /// The parser's message.
        message: String,
        /// Up to 30 characters either side of the error's position, on its line.
        excerpt: String,
    },
    /// Writing an output file failed.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Another run holds the lock of the output folder.
    #[error(
        "another run is writing {path} (it holds {lock}); wait for it to finish or choose another --out"
    )]
    Busy {
        /// The output folder.
        path: String,
        /// The lock file.
        lock: String,
    },
    /// Not a failure: under `--shard` an experiment stops once its shard is stored.
    #[error("{id}: shard stored in {path}")]
    ShardStored {
        /// The experiment.
        id: String,
        /// The shard file.
        path: String,
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
