//! A subcommand's output files, written as one set into its folder: every file to a temporary
//! sibling first, then all renamed (`gd_core::atomic_file::write_set`), so that a failure (a
//! full disk) leaves the previous outputs as they were and names the file that failed.

use crate::error::CliError;
use std::path::{Path, PathBuf};

/// Writes `files` (name, contents) into `out`, created if needed; returns their paths.
pub fn write(out: &Path, files: &[(&str, &[u8])]) -> Result<Vec<PathBuf>, CliError> {
    std::fs::create_dir_all(out).map_err(CliError::io(out))?;
    let set: Vec<(PathBuf, &[u8])> = files
        .iter()
        .map(|(name, bytes)| (out.join(name), *bytes))
        .collect();
    gd_core::atomic_file::write_set(&set).map_err(|(path, source)| CliError::Io {
        path: path.display().to_string(),
        source,
    })
}
