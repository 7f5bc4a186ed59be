//! gd-repro: one experiment per result of the papers (catalogue ids), each a typed config
//! (full and quick presets, TOML overrides), a deterministic run and a [`Report`] of claims
//! that can fail; [`run_experiments`] runs a selection and [`write_outputs`] writes
//! `paper-repro/` (REPORT.md, data/*.json and *.csv, figures/*.svg).

mod config;
mod error;
mod experiments;
mod field_check;
mod figure_svg;
mod numerics;
mod output;
mod registry;
mod report;
mod run_options;
mod seeded_sweep;
mod settings;

pub use config::Overrides;
pub use error::{ReproError, Result};
pub use field_check::{MAX_COUNT, MAX_STEPS, MAX_TASKS};
pub use output::{check_outputs, render_tree, write_outputs};
pub use registry::{Experiment, experiments, run_experiments};
pub use report::{Claim, Figure, Report, Series, Table, Verdict, claims_table};
pub use run_options::{FinishedFn, ProgressFn, RunOptions, Sharding};

/// Sets the number of rayon worker threads for the sweeps (results do not depend on it):
/// 1 to [`gd_core::MAX_THREADS`].
pub fn set_threads(threads: usize) -> std::result::Result<(), String> {
    gd_core::set_global_threads("--threads", threads).map_err(|e| e.to_string())
}

/// The README's examples, compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
