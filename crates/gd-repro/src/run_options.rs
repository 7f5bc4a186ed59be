//! How a selection of experiments is run: quick or full presets, per-experiment overrides,
//! and a progress callback. A leaf module: every experiment depends on it, it on none.

use crate::config::Overrides;
use crate::error::Result;
use crate::field_check::Fields;
use crate::report::Report;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Called with (experiment id, work done, total work) as an experiment progresses.
pub type ProgressFn = Arc<dyn Fn(&str, usize, usize) + Send + Sync>;

/// Called with each experiment's report and its wall time as it finishes.
pub type FinishedFn = Arc<dyn Fn(&Report, Duration) + Send + Sync>;

/// How to run the experiments.
#[derive(Clone, Default)]
pub struct RunOptions {
    /// Small configurations (snapshot tests, smoke runs).
    pub quick: bool,
    /// Per-experiment config overrides.
    pub overrides: Overrides,
    /// Progress callback.
    pub progress: Option<ProgressFn>,
    /// Called as each experiment finishes.
    pub finished: Option<FinishedFn>,
    /// Run one shard of each experiment's first sweep, or merge stored shards.
    pub sharding: Option<Sharding>,
}

/// Sharded paper results: the first sweep of each experiment split over machines.
#[derive(Clone, Debug)]
pub enum Sharding {
    /// Run `shard` of each selected experiment's first sweep and store it in `dir`; the
    /// experiment stops there.
    Compute {
        /// Which shard.
        shard: gd_core::Shard,
        /// Where the shard files go.
        dir: std::path::PathBuf,
    },
    /// Run every experiment whole, taking each experiment's first sweep from the shard files
    /// in `dir` where it has them.
    Merge {
        /// The folder of shard files.
        dir: std::path::PathBuf,
        /// Experiments whose first sweep has been taken (build with [`Sharding::merge`]).
        taken: Arc<std::sync::Mutex<std::collections::HashSet<String>>>,
    },
}

impl Sharding {
    /// Merging the shard files in `dir`.
    pub fn merge(dir: impl Into<std::path::PathBuf>) -> Self {
        Self::Merge {
            dir: dir.into(),
            taken: Arc::default(),
        }
    }
}

impl RunOptions {
    /// The config of experiment `id`: the quick or full preset, with overrides applied, and
    /// the checks every config gets (finite floats, capped counts and lists).
    pub fn config<C: serde::Serialize + serde::de::DeserializeOwned>(
        &self,
        id: &'static str,
        quick: C,
        full: C,
    ) -> Result<C> {
        let config = self
            .overrides
            .apply(id, if self.quick { quick } else { full })?;
        Fields::of(id).every_field(&config)?;
        Ok(config)
    }

    /// Reports progress of experiment `id`.
    pub fn progress(&self, id: &str, done: usize, total: usize) {
        if let Some(p) = &self.progress {
            p(id, done, total);
        }
    }

    /// Runs `run` as experiment `id`'s body and reports its time to the `finished` callback.
    pub(crate) fn timed(&self, run: impl FnOnce(&Self) -> Result<Report>) -> Result<Report> {
        let started = Instant::now();
        let report = run(self)?;
        if let Some(finished) = &self.finished {
            finished(&report, started.elapsed());
        }
        Ok(report)
    }
}
