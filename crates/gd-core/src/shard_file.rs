//! One shard of a sharded analysis as a file, the one format of the command and of Python: the
//! invocation it belongs to (so shards of different runs never merge), which shard, and its part
//! of the results; and the reading of a folder of them for a merge.

use crate::{CoreError, Result, Shard};
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
    /// The shard's results (rows of a basin map, columns of an orbit diagram, runs of a sweep).
    pub part: serde_json::Value,
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
/// invocation, each once; returns the invocation and the parts in shard order.
pub fn read_all(folder: &Path) -> Result<(serde_json::Value, Vec<serde_json::Value>)> {
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
    Ok((invocation, files.into_iter().map(|f| f.part).collect()))
}
