//! One shard of a sharded analysis as a file, the one format of the command, Python, the paper
//! results (`cargo xtask repro --shard`) and a Rust sweep: the invocation it belongs to (so
//! shards of different runs never merge), which shard, and its part of the results (its units:
//! rows of a basin map, columns of an orbit diagram, runs of a sweep, in task order) as JSON
//! that keeps every float ([`crate::exact_json`]); the reading of a folder of them, checked to
//! be shards 0..n of one invocation; and the units of all parts, decoded and concatenated.

use crate::{CoreError, Result, Shard, ShardResults};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// A shard's file.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShardFile {
    /// What was asked (the command's subcommand and science flags, or a Python analysis and
    /// its arguments; never the shard, output folder or thread count), as JSON.
    pub invocation: serde_json::Value,
    /// Which shard.
    pub shard: Shard,
    /// The shard's units (rows of a basin map, columns of an orbit diagram, runs of a sweep),
    /// as [`crate::exact_json::to_value`] writes them.
    pub part: serde_json::Value,
}

impl ShardFile {
    /// The file of `shard` of `invocation`, holding `units` (every float kept).
    pub fn new<T: Serialize + ?Sized>(
        invocation: serde_json::Value,
        shard: Shard,
        units: &T,
    ) -> Result<Self> {
        let part =
            crate::exact_json::to_value(units).map_err(|source| CoreError::MalformedShard {
                path: format!("(shard {} of {})", shard.index, shard.count),
                source,
            })?;
        Ok(Self {
            invocation,
            shard,
            part,
        })
    }
}

/// The error of a folder of shards that do not form one run.
fn mismatch(folder: &Path, reason: String) -> CoreError {
    CoreError::Shards {
        folder: folder.display().to_string(),
        reason,
    }
}

/// Writes `file` into `folder` (created if needed) as [`file_name`], atomically (a complete
/// file or none); returns its path.
pub fn write(folder: &Path, file: &ShardFile) -> Result<PathBuf> {
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |source| CoreError::Io { path, source }
    };
    let bytes = serde_json::to_vec(file).map_err(|source| CoreError::MalformedShard {
        path: folder.display().to_string(),
        source,
    })?;
    std::fs::create_dir_all(folder).map_err(io(folder))?;
    let path = folder.join(file_name(file.shard));
    crate::atomic_file::write(&path, &bytes).map_err(io(&path))?;
    Ok(path)
}

/// The file name of shard i of n.
pub fn file_name(shard: Shard) -> String {
    format!("shard-{:05}-of-{:05}.json", shard.index, shard.count)
}

/// Reads every `shard-*.json` of `folder` and checks that they are shards 0..n of one
/// invocation, each once; returns the invocation and the shards' files in shard order.
pub fn read_all(folder: &Path) -> Result<(serde_json::Value, Vec<ShardFile>)> {
    let bad = |reason: String| mismatch(folder, reason);
    let mut paths: Vec<_> = std::fs::read_dir(folder)
        .map_err(|e| bad(format!("the folder cannot be read ({e})")))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("shard-") && n.ends_with(".json"))
        })
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(bad("no shard-*.json file".into()));
    }
    let mut files = Vec::with_capacity(paths.len());
    for path in &paths {
        let text = std::fs::read(path).map_err(|source| CoreError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let file: ShardFile = serde_json::from_slice(&text)
            .map_err(|e| bad(format!("{} is not a shard file: {e}", path.display())))?;
        files.push(file);
    }
    let (invocation, count) = (files[0].invocation.clone(), files[0].shard.count);
    if let Some(other) = files.iter().find(|f| f.invocation != invocation) {
        return Err(bad(format!(
            "shard {} belongs to another run ({}) than shard {} ({})",
            other.shard.index, other.invocation, files[0].shard.index, invocation
        )));
    }
    if let Some(other) = files.iter().find(|f| f.shard.count != count) {
        return Err(bad(format!(
            "shard {} is one of {} shards, shard {} one of {count}",
            other.shard.index, other.shard.count, files[0].shard.index
        )));
    }
    files.sort_by_key(|f| f.shard.index);
    for i in 0..count {
        let found = files.iter().filter(|f| f.shard.index == i).count();
        if found != 1 {
            return Err(bad(format!(
                "shard {i} of {count} is {}",
                if found == 0 { "missing" } else { "duplicated" }
            )));
        }
    }
    Ok((invocation, files))
}

/// The units of every file's part, decoded and concatenated in shard order: `units` in all,
/// shard i holding units ⌊i·units/n⌋ .. ⌊(i+1)·units/n⌋ ([`Shard::range`]) as it computed
/// them. `folder` names the shards in errors.
pub fn units<T: DeserializeOwned>(
    folder: &Path,
    files: Vec<ShardFile>,
    units: usize,
) -> Result<Vec<T>> {
    let bad = |reason: String| mismatch(folder, reason);
    let mut all = Vec::new();
    for file in files {
        let expected = file.shard.range(units);
        let part: Vec<T> = crate::exact_json::from_value(file.part).map_err(|e| {
            bad(format!(
                "shard {} of {} does not hold this run's results: {e}",
                file.shard.index, file.shard.count
            ))
        })?;
        if part.len() != expected.len() {
            return Err(bad(format!(
                "shard {} of {} holds {} units, expected {} (units {}..{} of {units})",
                file.shard.index,
                file.shard.count,
                part.len(),
                expected.len(),
                expected.start,
                expected.end
            )));
        }
        all.extend(part);
    }
    if all.len() != units {
        return Err(bad(format!("{} units in all, expected {units}", all.len())));
    }
    Ok(all)
}

/// Writes one shard of a seeded sweep ([`crate::sweep_shard`]) into `folder`: the invocation
/// is `what` (what was asked) with the sweep's task count and seed. Returns the file's path.
pub fn write_sweep<R: Serialize>(
    folder: &Path,
    what: serde_json::Value,
    shard: &ShardResults<R>,
) -> Result<PathBuf> {
    let invocation = serde_json::json!({
        "what": what, "tasks": shard.total_tasks, "seed": shard.seed,
    });
    write(
        folder,
        &ShardFile::new(invocation, shard.shard, &shard.results)?,
    )
}

/// The results of the seeded sweep whose shards [`write_sweep`] wrote into `folder`, merged
/// in task order (the unsharded sweep's, bit for bit), with what was asked.
pub fn read_sweep<R: DeserializeOwned>(folder: &Path) -> Result<(serde_json::Value, Vec<R>)> {
    let (invocation, files) = read_all(folder)?;
    let tasks = invocation
        .get("tasks")
        .and_then(serde_json::Value::as_u64)
        .and_then(|t| usize::try_from(t).ok())
        .ok_or_else(|| {
            mismatch(
                folder,
                "the shards are not a seeded sweep's (no task count)".into(),
            )
        })?;
    let results = units(folder, files, tasks)?;
    let what = invocation.get("what").cloned().unwrap_or_default();
    Ok((what, results))
}
