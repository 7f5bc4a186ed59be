//! The command's errors: bad input (exit code 2, nothing written) or a failure while running or
//! writing (exit code 1).

/// What went wrong.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A flag's value is not allowed.
    #[error("{flag} = {value} is not allowed: {allowed}")]
    Flag {
        /// The flag (or variable), e.g. `--eta`.
        flag: String,
        /// The value given.
        value: String,
        /// What is accepted.
        allowed: String,
    },
    /// The library refused the input.
    #[error(transparent)]
    Core(#[from] gd_core::CoreError),
    /// The data or the network refused (a data file that is not what it should be, a
    /// workspace above its memory cap, …), with the library's message naming the file or field.
    #[error("{0}")]
    Model(String),
    /// Shard files that do not form one run.
    #[error("shards in {folder} do not merge: {reason}")]
    Shards {
        /// The folder of the shard files.
        folder: String,
        /// What is missing, duplicated or inconsistent.
        reason: String,
    },
    /// SIGTERM arrived before anything was written.
    #[error("stopped by SIGTERM before anything was written")]
    Terminated,
    /// Reading or writing a file failed.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The file or folder.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
}

impl CliError {
    /// The error for `flag = value`, which must be `allowed`.
    pub fn flag(flag: &str, value: impl std::fmt::Display, allowed: impl Into<String>) -> Self {
        let value = value.to_string();
        let value = if value.chars().count() > 80 {
            format!(
                "{}… ({} characters)",
                value.chars().take(80).collect::<String>(),
                value.len()
            )
        } else {
            value
        };
        Self::Flag {
            flag: flag.into(),
            value,
            allowed: allowed.into(),
        }
    }

    /// The process exit code: 2 for bad input, 1 for a failure while running or writing.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Io { .. } => 1,
            Self::Terminated => 143,
            _ => 2,
        }
    }

    /// An I/O error on `path`.
    pub fn io(path: &std::path::Path) -> impl Fn(std::io::Error) -> Self + '_ {
        move |source| Self::Io {
            path: path.display().to_string(),
            source,
        }
    }
}
