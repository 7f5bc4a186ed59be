//! A sweep of an experiment's tasks, seeded from the experiment's seed and reporting progress;
//! under `--shard` it runs one shard of the experiment's first sweep and stores it, under
//! `--merge` it takes a sweep's results from the stored shards.

use crate::error::{ReproError, Result};
use crate::run_options::{RunOptions, Sharding};
use gd_core::{Shard, ShardResults, SweepOptions, merge_shards, sweep, sweep_shard};
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
            let results = part.results.into_iter().collect::<Result<Vec<R>>>()?;
            let stored = ShardResults {
                results,
                total_tasks: part.total_tasks,
                seed: part.seed,
                shard: part.shard,
                first_task: part.first_task,
            };
            let path = dir.join(file_name(id, seed, tasks, *shard));
            write(&path, stored)?;
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
            if first && let Some(results) = read_merged(dir, id, seed, tasks)? {
                return Ok(results);
            }
        }
    }
    let results = sweep(tasks, &SweepOptions::seeded(seed), run)?;
    results.into_iter().collect()
}

/// `<id>-seed<seed>-tasks<tasks>-shard-<i>-of-<n>.toml`: the sweep is named by its experiment,
/// seed and size.
fn file_name(id: &str, seed: u64, tasks: usize, shard: Shard) -> String {
    format!(
        "{}-{}.toml",
        prefix(id, seed, tasks),
        format_args!("shard-{:05}-of-{:05}", shard.index, shard.count)
    )
}

fn prefix(id: &str, seed: u64, tasks: usize) -> String {
    format!("{id}-seed{seed}-tasks{tasks}")
}

/// TOML, not JSON: the results may hold NaN and ±∞, which TOML writes and reads back exactly.
#[derive(Serialize, serde::Deserialize)]
struct Stored<R> {
    part: ShardResults<R>,
}

fn write<R: Serialize>(path: &Path, part: ShardResults<R>) -> Result<()> {
    let io = |source| ReproError::Io {
        path: path.display().to_string(),
        source,
    };
    let text = toml::to_string(&Stored { part }).map_err(|e| ReproError::Serialize {
        what: format!("shard {}", path.display()),
        reason: e.to_string(),
    })?;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    gd_core::atomic_file::write(path, text.as_bytes()).map_err(io)
}

/// The merged results of this sweep's shard files in `dir`, or `None` when it has none.
fn read_merged<R: DeserializeOwned>(
    dir: &Path,
    id: &str,
    seed: u64,
    tasks: usize,
) -> Result<Option<Vec<R>>> {
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |source| ReproError::Io { path, source }
    };
    let start = format!("{}-shard-", prefix(id, seed, tasks));
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io(dir))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&start) && n.ends_with(".toml"))
        })
        .collect();
    if paths.is_empty() {
        return Ok(None);
    }
    paths.sort();
    let mut parts = Vec::with_capacity(paths.len());
    for path in &paths {
        let text = std::fs::read_to_string(path).map_err(io(path))?;
        let stored: Stored<R> = toml::from_str(&text).map_err(|e| ReproError::Parse {
            path: path.display().to_string(),
            line: 0,
            column: 0,
            message: e.message().to_string(),
            excerpt: String::new(),
        })?;
        parts.push(stored.part);
    }
    Ok(Some(merge_shards(parts)?))
}
