//! The experiments: the table from catalogue id to run function, and how a selection of them
//! is run.

use crate::error::{ReproError, Result};
use crate::experiments::{
    mjs_escape, mjs_gd, mjs_noise, mjs_sgd, mjs_sharpness, ns_depth, ns_ex1, ns_ex2, ns_ex3,
    ns_fig2, ns_large_sv, ns_residual, ns_thm1, ns_thm2, ns_thm3, ns_thm4,
};
use crate::report::Report;
use crate::run_options::RunOptions;

/// One experiment: a catalogue id and the function that runs it.
pub struct Experiment {
    /// Catalogue id, e.g. `ns-ex1`.
    pub id: &'static str,
    /// Runs the experiment.
    pub run: fn(&RunOptions) -> Result<Report>,
}

/// Every registered experiment, in report order.
pub fn experiments() -> Vec<Experiment> {
    table()
}

/// Every experiment, in report order.
fn table() -> Vec<Experiment> {
    [
        (ns_ex1::ID, ns_ex1::run as fn(&RunOptions) -> Result<Report>),
        (ns_ex2::ID, ns_ex2::run),
        (ns_ex3::ID, ns_ex3::run),
        (ns_thm1::ID, ns_thm1::run),
        (ns_thm2::ID, ns_thm2::run),
        (ns_thm3::ID, ns_thm3::run),
        (ns_thm4::ID, ns_thm4::run),
        (ns_fig2::ID, ns_fig2::run),
        (ns_depth::ID, ns_depth::run),
        (ns_large_sv::ID, ns_large_sv::run),
        (ns_residual::ID, ns_residual::run),
        (mjs_gd::ID, mjs_gd::run),
        (mjs_sgd::ID, mjs_sgd::run),
        (mjs_escape::ID, mjs_escape::run),
        (mjs_sharpness::ID, mjs_sharpness::run),
        (mjs_noise::ID, mjs_noise::run),
    ]
    .into_iter()
    .map(|(id, run)| Experiment { id, run })
    .collect()
}

/// Runs the experiments whose id starts with `only` (all when `None`), in registry order.
pub fn run_experiments(only: Option<&str>, options: &RunOptions) -> Result<Vec<Report>> {
    let all = experiments();
    let known: Vec<&str> = all.iter().map(|e| e.id).collect();
    for id in options.overrides.ids() {
        if !known.contains(&id.as_str()) {
            return Err(ReproError::Config {
                id: id.clone(),
                reason: format!(
                    "the override file names an unknown experiment; known ids: {}",
                    known.join(", ")
                ),
            });
        }
    }
    let selected: Vec<&Experiment> = all
        .iter()
        .filter(|e| only.is_none_or(|prefix| e.id.starts_with(prefix)))
        .collect();
    if let (Some(prefix), true) = (only, selected.is_empty()) {
        return Err(ReproError::UnknownExperiment(
            prefix.to_string(),
            known.join(", "),
        ));
    }
    selected.iter().map(|e| options.timed(e.run)).collect()
}
