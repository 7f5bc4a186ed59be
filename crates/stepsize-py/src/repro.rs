//! The papers' results from Python: the experiments of `cargo xtask repro`, as JSON records
//! (the package turns them into `Report` and `Claim` objects), optionally written as the
//! `paper-repro/` tree.

use crate::arrays::value_error;
use gd_repro::{RunOptions, run_experiments, write_outputs};
use pyo3::prelude::*;

/// Runs the experiments `only` (a comma-separated list of catalogue ids; all when `None`),
/// writes them to `out` when given, and returns the reports as JSON.
#[pyfunction]
#[pyo3(signature = (only = None, quick = false, out = None))]
pub fn _repro(
    py: Python<'_>,
    only: Option<&str>,
    quick: bool,
    out: Option<std::path::PathBuf>,
) -> PyResult<String> {
    py.detach(|| {
        let options = RunOptions {
            quick,
            ..RunOptions::default()
        };
        let reports = run_experiments(only, &options).map_err(value_error)?;
        if let Some(dir) = &out {
            write_outputs(dir, &reports).map_err(value_error)?;
        }
        serde_json::to_string(&reports).map_err(value_error)
    })
}
