//! The experiments: the table from catalogue id to run function, and how a selection of them
//! is run.

use crate::error::{ReproError, Result};
use crate::experiments::{
    mjs_escape, mjs_gd, mjs_noise, mjs_sgd, mjs_sharpness, ns_depth, ns_ex1, ns_ex2, ns_ex3,
    ns_fig2, ns_large_sv, ns_residual, ns_thm1, ns_thm2, ns_thm3, ns_thm4,
};
use crate::report::Report;
use crate::run_options::{RunOptions, Sharding};
use rayon::prelude::*;

/// One experiment: a catalogue id and the function that runs it.
pub struct Experiment {
    /// Catalogue id, e.g. `ns-ex1`.
    pub id: &'static str,
    /// Runs the experiment.
    pub run: fn(&RunOptions) -> Result<Report>,
    /// Builds and checks the experiment's config (preset, overrides, field checks) without
    /// running anything.
    pub check: fn(&RunOptions) -> Result<()>,
}

/// `(id, run, check)` of one experiment module.
macro_rules! experiment {
    ($module:ident) => {
        Experiment {
            id: $module::ID,
            run: $module::run,
            check: |options| $module::config(options).map(drop),
        }
    };
}

/// Every registered experiment, in report order.
pub fn experiments() -> Vec<Experiment> {
    table()
}

/// Every experiment, in report order.
fn table() -> Vec<Experiment> {
    vec![
        experiment!(ns_ex1),
        experiment!(ns_ex2),
        experiment!(ns_ex3),
        experiment!(ns_thm1),
        experiment!(ns_thm2),
        experiment!(ns_thm3),
        experiment!(ns_thm4),
        experiment!(ns_fig2),
        experiment!(ns_depth),
        experiment!(ns_large_sv),
        experiment!(ns_residual),
        experiment!(mjs_gd),
        experiment!(mjs_sgd),
        experiment!(mjs_escape),
        experiment!(mjs_sharpness),
        experiment!(mjs_noise),
    ]
}

/// Runs the experiments whose id starts with `only` (all when `None`), concurrently; the
/// reports are in registry order. Under `Sharding::Compute` the experiments store their
/// shards and no report is returned.
/// Every experiment's config (selected or not) is built and checked first, so a bad override
/// anywhere in the file fails before anything runs.
pub fn run_experiments(only: Option<&str>, options: &RunOptions) -> Result<Vec<Report>> {
    let all = experiments();
    let known: Vec<&str> = all.iter().map(|e| e.id).collect();
    for id in options.overrides.ids() {
        if !known.contains(&id.as_str()) {
            return Err(ReproError::Config {
                id: "(file)".into(),
                field: format!("[{id}]"),
                value: id.clone(),
                allowed: format!("a registered experiment id: {}", known.join(", ")),
            });
        }
    }
    for e in &all {
        (e.check)(options)?;
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
    // Experiments run concurrently (each is deterministic and its sweeps give the same bits at
    // any thread count), so one experiment's sequential stretches overlap another's sweeps.
    // They start from the end of the registry, where the costly ones are, so that the cheap
    // ones fill the gaps at the end; the reports come back in registry order.
    let mut outcomes: Vec<Result<Report>> = selected
        .par_iter()
        .rev()
        .map(|e| options.timed(e.run))
        .collect();
    outcomes.reverse();
    let mut reports = Vec::new();
    for outcome in outcomes {
        match outcome {
            Ok(report) => reports.push(report),
            Err(ReproError::ShardStored { .. })
                if matches!(options.sharding, Some(Sharding::Compute { .. })) => {}
            Err(e) => return Err(e),
        }
    }
    if matches!(options.sharding, Some(Sharding::Compute { .. })) {
        reports.clear();
    }
    Ok(reports)
}
