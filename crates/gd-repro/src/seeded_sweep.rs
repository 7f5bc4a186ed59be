//! A sweep of an experiment's tasks, seeded from the experiment's seed and reporting progress.

use crate::error::Result;
use crate::run_options::RunOptions;
use gd_core::{SweepOptions, sweep};
use rand_chacha::ChaCha8Rng;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Runs `task(i, rng)` for i in 0..tasks as a seeded gd-core sweep, reporting progress; the
/// first error (in task order) is returned.
pub(crate) fn seeded_sweep<R, F>(
    id: &str,
    options: &RunOptions,
    tasks: usize,
    seed: u64,
    task: F,
) -> Result<Vec<R>>
where
    R: Send,
    F: Fn(usize, &mut ChaCha8Rng) -> Result<R> + Sync,
{
    let done = AtomicUsize::new(0);
    let results = sweep(tasks, &SweepOptions::seeded(seed), |i, rng| {
        let r = task(i, rng);
        options.progress(id, done.fetch_add(1, Ordering::Relaxed) + 1, tasks);
        r
    })?;
    results.into_iter().collect()
}
