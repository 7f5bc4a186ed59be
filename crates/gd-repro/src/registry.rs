//! The list of experiments and how a selection of them is run.

use crate::config::Overrides;
use crate::error::{ReproError, Result};
use crate::experiments as catalogue;
use crate::report::Report;
use std::sync::Arc;

/// Called with (experiment id, work done, total work) as an experiment progresses.
pub type ProgressFn = Arc<dyn Fn(&str, usize, usize) + Send + Sync>;

/// How to run the experiments.
#[derive(Clone, Default)]
pub struct RunOptions {
    /// Small configurations (snapshot tests, smoke runs).
    pub quick: bool,
    /// Per-experiment config overrides.
    pub overrides: Overrides,
    /// Progress callback.
    pub progress: Option<ProgressFn>,
}

impl RunOptions {
    /// The config of experiment `id`: the quick or full preset, with overrides applied.
    pub fn config<C: serde::Serialize + serde::de::DeserializeOwned>(
        &self,
        id: &str,
        quick: C,
        full: C,
    ) -> Result<C> {
        self.overrides
            .apply(id, if self.quick { quick } else { full })
    }

    /// Reports progress of experiment `id`.
    pub fn progress(&self, id: &str, done: usize, total: usize) {
        if let Some(p) = &self.progress {
            p(id, done, total);
        }
    }
}

/// One experiment: a catalogue id and the function that runs it.
pub struct Experiment {
    /// Catalogue id, e.g. `ns-ex1`.
    pub id: &'static str,
    /// Runs the experiment.
    pub run: fn(&RunOptions) -> Result<Report>,
}

/// Every registered experiment, in report order.
pub fn experiments() -> Vec<Experiment> {
    catalogue::all()
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
    selected.iter().map(|e| (e.run)(options)).collect()
}
