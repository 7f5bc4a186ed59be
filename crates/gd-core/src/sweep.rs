//! Seeded parallel sweeps: run a function over a list of tasks (a grid of η × θ₀, or any
//! list) with rayon. Task i draws from its own random stream (master seed, i), results come
//! back in task order, so the output is bit-identical at any thread count. A sweep can run
//! one shard of its tasks and write it to a file ([`crate::shard_file::write_sweep`]); shards merge back in task order, so a big
//! sweep can be spread over a cluster's array jobs.

use crate::error::{CoreError, Result, out_of_range};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Default memory budget for a sweep's results: 8 GiB, a third of this project's 24 GiB
/// machines, leaving room for the tasks' own working memory.
pub const DEFAULT_MEMORY_BUDGET: usize = 8 << 30;

/// The random stream of task `index` under `seed`: ChaCha8 seeded with the master seed, on
/// stream `index`. Independent of thread count and execution order.
pub fn task_rng(seed: u64, index: usize) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(index as u64);
    rng
}

/// The most starts [`starts_in_box`] draws (2²⁰), and the most numbers in all (2²⁷, 1 GiB).
pub const MAX_BOX_STARTS: usize = 1 << 20;
const MAX_BOX_NUMBERS: usize = 1 << 27;

/// `count` starts uniform in [low, high]ᵈ, start i drawn from the stream
/// [`task_rng`]`(seed, i)`: the same starts at any thread count and in any shard.
pub fn starts_in_box(
    count: usize,
    dim: usize,
    (low, high): (f64, f64),
    seed: u64,
) -> Result<Vec<Vec<f64>>> {
    if !(low.is_finite() && high.is_finite() && low < high && high - low < f64::MAX) {
        return Err(out_of_range(
            "box",
            format!("({low}, {high})"),
            "finite low < high",
        ));
    }
    if !(1..=MAX_BOX_STARTS).contains(&count) {
        return Err(out_of_range(
            "count",
            count,
            format!("1 to {MAX_BOX_STARTS}"),
        ));
    }
    if count.saturating_mul(dim) > MAX_BOX_NUMBERS {
        return Err(out_of_range(
            "count",
            count,
            format!("count·d at most 2^27 numbers (d = {dim})"),
        ));
    }
    Ok((0..count)
        .map(|i| {
            let mut rng = task_rng(seed, i);
            (0..dim)
                .map(|_| low + (high - low) * rng.random::<f64>())
                .collect()
        })
        .collect())
}

/// A sweep's seed and memory limit.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepOptions {
    /// Master seed.
    pub seed: u64,
    /// Bytes one result takes (estimate; defaults to `size_of::<R>()` when `None`). Give it
    /// for results that own heap data, e.g. recorded trajectories.
    pub bytes_per_result: Option<usize>,
    /// Refuse sweeps whose results need more than this.
    pub memory_budget: usize,
}

impl SweepOptions {
    /// Options with the default budget.
    pub fn seeded(seed: u64) -> Self {
        Self {
            seed,
            bytes_per_result: None,
            memory_budget: DEFAULT_MEMORY_BUDGET,
        }
    }
}

/// A rectangular grid of tasks: axis lengths, last axis fastest (row-major).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grid {
    shape: Vec<usize>,
    len: usize,
}

impl Grid {
    /// A grid with the given axis lengths; an empty axis or an overflowing product is an error.
    pub fn new(shape: &[usize]) -> Result<Self> {
        if shape.is_empty() || shape.contains(&0) {
            return Err(CoreError::EmptyGrid { what: "axis" });
        }
        let len = shape
            .iter()
            .try_fold(1_usize, |acc, n| acc.checked_mul(*n))
            .ok_or(CoreError::GridTooLarge {
                tasks: usize::MAX,
                bytes: usize::MAX,
                budget: DEFAULT_MEMORY_BUDGET,
            })?;
        Ok(Self {
            shape: shape.to_vec(),
            len,
        })
    }

    /// Number of tasks.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Always false: grids have at least one task.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The axis lengths.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// Writes the coordinates of task `index` into `coords` (length = number of axes).
    pub fn coordinates(&self, mut index: usize, coords: &mut [usize]) {
        for (c, n) in coords.iter_mut().zip(&self.shape).rev() {
            *c = index % n;
            index /= n;
        }
    }

    /// Coordinates of task `index` on a two-axis grid.
    pub fn coordinates2(&self, index: usize) -> (usize, usize) {
        let cols = self.shape[self.shape.len() - 1];
        (index / cols, index % cols)
    }
}

pub(crate) fn check_budget<R>(tasks: usize, options: &SweepOptions) -> Result<()> {
    if tasks == 0 {
        return Err(CoreError::EmptyGrid { what: "task list" });
    }
    let per = options
        .bytes_per_result
        .unwrap_or(std::mem::size_of::<R>())
        .max(1);
    let bytes = tasks.saturating_mul(per);
    if bytes > options.memory_budget {
        return Err(CoreError::GridTooLarge {
            tasks,
            bytes,
            budget: options.memory_budget,
        });
    }
    Ok(())
}

/// Runs `f(index, rng)` for every index in `range` in parallel; results in index order.
fn run_range<R, F>(range: std::ops::Range<usize>, seed: u64, f: &F) -> Vec<R>
where
    R: Send,
    F: Fn(usize, &mut ChaCha8Rng) -> R + Sync,
{
    range
        .into_par_iter()
        .map(|i| f(i, &mut task_rng(seed, i)))
        .collect()
}

/// Runs `f(task index, task rng)` for tasks 0..n in parallel and returns the results in task
/// order. Bit-identical at any thread count as long as `f` is deterministic given its inputs.
pub fn sweep<R, F>(tasks: usize, options: &SweepOptions, f: F) -> Result<Vec<R>>
where
    R: Send,
    F: Fn(usize, &mut ChaCha8Rng) -> R + Sync,
{
    check_budget::<R>(tasks, options)?;
    Ok(run_range(0..tasks, options.seed, &f))
}

/// Runs `f(task, index, rng)` over a slice of tasks (the same contract as [`sweep`]).
pub fn sweep_tasks<T, R, F>(tasks: &[T], options: &SweepOptions, f: F) -> Result<Vec<R>>
where
    T: Sync,
    R: Send,
    F: Fn(&T, usize, &mut ChaCha8Rng) -> R + Sync,
{
    sweep(tasks.len(), options, |i, rng| f(&tasks[i], i, rng))
}

/// The most worker threads a sweep may be given (results do not depend on the count): far
/// more than any machine this runs on has cores.
pub const MAX_THREADS: usize = 1024;

/// Checks a thread count: 1 to [`MAX_THREADS`] (`field` names it in the error).
fn check_threads(field: &'static str, threads: usize) -> Result<()> {
    if (1..=MAX_THREADS).contains(&threads) {
        Ok(())
    } else {
        Err(out_of_range(field, threads, format!("1 to {MAX_THREADS}")))
    }
}

/// A rayon pool of `threads` workers, the count checked before it is built.
pub fn thread_pool(field: &'static str, threads: usize) -> Result<rayon::ThreadPool> {
    check_threads(field, threads)?;
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| out_of_range(field, threads, format!("a pool the system can start ({e})")))
}

/// Gives rayon's global pool `threads` workers, the count checked first: once per process,
/// before anything runs in parallel.
pub fn set_global_threads(field: &'static str, threads: usize) -> Result<()> {
    check_threads(field, threads)?;
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()
        .map_err(|e| {
            out_of_range(
                field,
                threads,
                format!("set once per process, before any parallel work ({e})"),
            )
        })
}

/// One shard i of n: tasks ⌊i·N/n⌋ .. ⌊(i+1)·N/n⌋.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// 0-based shard index.
    pub index: usize,
    /// Number of shards.
    pub count: usize,
}

impl Shard {
    /// A validated shard.
    pub fn new(index: usize, count: usize) -> Result<Self> {
        if count == 0 {
            return Err(out_of_range("shard count", count, "at least 1"));
        }
        if index >= count {
            return Err(out_of_range(
                "shard index",
                index,
                format!("in 0..{count} (0-based, below the shard count)"),
            ));
        }
        Ok(Self { index, count })
    }

    /// Parses `I/N` (0-based, I < N), as command lines write a shard.
    pub fn parse(text: &str) -> Result<Self> {
        let bad = || out_of_range("shard", text, "I/N with 0 ≤ I < N");
        let (i, n) = text.split_once('/').ok_or_else(bad)?;
        let (i, n) = (
            i.trim().parse::<usize>().map_err(|_| bad())?,
            n.trim().parse::<usize>().map_err(|_| bad())?,
        );
        Self::new(i, n).map_err(|_| bad())
    }

    /// The shard of a Slurm array job: `SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN` of
    /// `SLURM_ARRAY_TASK_COUNT`. `None` outside an array job (no `SLURM_ARRAY_TASK_ID`); an
    /// error when a variable is not a non-negative integer, when the count is missing, or when
    /// the id lies outside `MIN..MIN + COUNT`.
    pub fn from_slurm_env() -> Option<Result<Self>> {
        Self::from_slurm_variables(|name| std::env::var(name).ok())
    }

    /// [`Shard::from_slurm_env`] with the variables read through `lookup`.
    pub fn from_slurm_variables(lookup: impl Fn(&str) -> Option<String>) -> Option<Result<Self>> {
        let id = lookup("SLURM_ARRAY_TASK_ID")?;
        let parse = |name: &'static str, text: &str| {
            text.trim()
                .parse::<usize>()
                .map_err(|_| out_of_range(name, format!("{text:?}"), "a non-negative integer"))
        };
        let shard = || {
            let id = parse("SLURM_ARRAY_TASK_ID", &id)?;
            let count = lookup("SLURM_ARRAY_TASK_COUNT").ok_or_else(|| {
                out_of_range(
                    "SLURM_ARRAY_TASK_COUNT",
                    "(unset)",
                    "set in an array job (SLURM_ARRAY_TASK_ID is set)",
                )
            })?;
            let count = parse("SLURM_ARRAY_TASK_COUNT", &count)?;
            let min = match lookup("SLURM_ARRAY_TASK_MIN") {
                Some(text) => parse("SLURM_ARRAY_TASK_MIN", &text)?,
                None => 0,
            };
            let index = id.checked_sub(min).ok_or_else(|| {
                out_of_range(
                    "SLURM_ARRAY_TASK_ID",
                    id,
                    format!("at least SLURM_ARRAY_TASK_MIN ({min})"),
                )
            })?;
            Self::new(index, count)
        };
        Some(shard())
    }

    /// The task range of this shard among `tasks`.
    pub fn range(&self, tasks: usize) -> std::ops::Range<usize> {
        let bound = |i: usize| ((i as u128 * tasks as u128) / self.count as u128) as usize;
        bound(self.index)..bound(self.index + 1)
    }
}

/// The results of one shard, with what is needed to check a merge.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShardResults<R> {
    /// Number of tasks of the whole sweep.
    pub total_tasks: usize,
    /// Master seed of the sweep.
    pub seed: u64,
    /// Which shard.
    pub shard: Shard,
    /// Index of the first task in `results`.
    pub first_task: usize,
    /// Results of tasks `first_task..first_task + results.len()`, in order.
    pub results: Vec<R>,
}

/// Runs only `shard` of a sweep of `tasks` tasks. Task i uses the same random stream as in
/// the unsharded sweep, so merged shards equal the full run bit for bit.
pub fn sweep_shard<R, F>(
    tasks: usize,
    options: &SweepOptions,
    shard: Shard,
    f: F,
) -> Result<ShardResults<R>>
where
    R: Send,
    F: Fn(usize, &mut ChaCha8Rng) -> R + Sync,
{
    let range = shard.range(tasks);
    check_budget::<R>(tasks, options)?;
    Ok(ShardResults {
        total_tasks: tasks,
        seed: options.seed,
        shard,
        first_task: range.start,
        results: run_range(range, options.seed, &f),
    })
}

/// Merges the shards of one sweep into the full result in task order. Every shard 0..n must
/// be present once, with the same task count and seed.
pub fn merge_shards<R>(mut shards: Vec<ShardResults<R>>) -> Result<Vec<R>> {
    let bad = |reason: String| Err(CoreError::ShardMismatch { reason });
    let Some(first) = shards.first() else {
        return bad("no shard given".into());
    };
    let (total, seed, count) = (first.total_tasks, first.seed, first.shard.count);
    if shards.len() != count {
        return bad(format!("expected {count} shards, got {}", shards.len()));
    }
    shards.sort_by_key(|s| s.shard.index);
    let mut merged = Vec::new();
    for (i, s) in shards.into_iter().enumerate() {
        if s.total_tasks != total || s.seed != seed || s.shard.count != count {
            return bad(format!(
                "shard {} belongs to another sweep (tasks {}, seed {}, shards {}) than shard 0 (tasks {total}, seed {seed}, shards {count})",
                s.shard.index, s.total_tasks, s.seed, s.shard.count
            ));
        }
        if s.shard.index != i {
            return bad(format!("shard {i} is missing or duplicated"));
        }
        let expected = s.shard.range(total);
        if s.first_task != expected.start || s.results.len() != expected.len() {
            return bad(format!(
                "shard {i} holds tasks {}..{}, expected {}..{}",
                s.first_task,
                s.first_task + s.results.len(),
                expected.start,
                expected.end
            ));
        }
        merged.extend(s.results);
    }
    Ok(merged)
}
