//! A sweep of an experiment's tasks, seeded from the experiment's seed and reporting progress;
//! under `--shard` it runs one shard of the experiment's first sweep and stores it as
//! gd-core's shard file, under `--merge` it takes a sweep's results from the stored shards.

use crate::error::{ReproError, Result};
use crate::run_options::{RunOptions, Sharding};
use gd_core::{ShardResults, SweepOptions, shard_file, sweep, sweep_shard};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Runs `task(i, rng)` for i in 0..tasks as a seeded gd-core sweep, reporting progress; the
/// first error (in task order) is returned. With `Sharding::Compute` it runs only the shard's
/// tasks, stores them and ends the experiment (`ReproError::ShardStored`); with
/// `Sharding::Merge` the experiment's first sweep returns the stored shards' results when there
/// are any (the same bits: task i draws from the same stream either way).
pub(crate) fn seeded_sweep<R, F>(
    id: &str,
    options: &RunOptions,
    tasks: usize,
    seed: u64,
    task: F,
) -> Result<Vec<R>>
where
    R: Send + Serialize + DeserializeOwned,
    F: Fn(usize, &mut ChaCha8Rng) -> Result<R> + Sync,
{
    let done = AtomicUsize::new(0);
    let run = |i: usize, rng: &mut ChaCha8Rng| {
        let r = task(i, rng);
        options.progress(id, done.fetch_add(1, Ordering::Relaxed) + 1, tasks);
        r
    };
    match &options.sharding {
        None => {}
        Some(Sharding::Compute { shard, dir }) => {
            let part = sweep_shard(tasks, &SweepOptions::seeded(seed), *shard, run)?;
            let stored = ShardResults {
                results: part.results.into_iter().collect::<Result<Vec<R>>>()?,
                total_tasks: part.total_tasks,
                seed: part.seed,
                shard: part.shard,
                first_task: part.first_task,
            };
            let path = shard_file::write_sweep(&folder(dir, id, seed, tasks), what(id), &stored)?;
            return Err(ReproError::ShardStored {
                id: id.to_string(),
                path: path.display().to_string(),
            });
        }
        Some(Sharding::Merge { dir, taken }) => {
            let first = taken
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(id.to_string());
            let folder = folder(dir, id, seed, tasks);
            if first && folder.is_dir() {
                let (asked, results) = shard_file::read_sweep(&folder)?;
                if asked != what(id) {
                    return Err(gd_core::CoreError::Shards {
                        folder: folder.display().to_string(),
                        reason: format!("computed for {asked}, not {}", what(id)),
                    }
                    .into());
                }
                return Ok(results);
            }
        }
    }
    let results = sweep(tasks, &SweepOptions::seeded(seed), run)?;
    results.into_iter().collect()
}

/// The folder of one sweep's shard files in `dir`: `<id>-seed<seed>-tasks<tasks>`, the sweep
/// named by its experiment, seed and size.
fn folder(dir: &Path, id: &str, seed: u64, tasks: usize) -> PathBuf {
    dir.join(format!("{id}-seed{seed}-tasks{tasks}"))
}

/// What a shard file of the experiment's first sweep records as asked (with the sweep's seed
/// and task count, which `shard_file::write_sweep` adds).
fn what(id: &str) -> serde_json::Value {
    serde_json::json!({ "experiment": id })
}
