//! One shard of a sweep subcommand, as a file: the invocation it belongs to (so shards of
//! different runs never merge), which shard, and its part of the results.

use crate::error::CliError;
use gd_core::Shard;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// A shard's file.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShardFile {
    /// The subcommand and its science flags (not `--shard`, `--out`, `--threads`), as JSON.
    pub invocation: serde_json::Value,
    /// Which shard.
    pub shard: Shard,
    /// The shard's results (rows of a basin map, columns of an orbit diagram).
    pub part: serde_json::Value,
}

/// The file name of shard i of n.
pub fn file_name(shard: Shard) -> String {
    format!("shard-{:05}-of-{:05}.json", shard.index, shard.count)
}

/// Reads every `shard-*.json` of `folder` and checks that they are shards 0..n of one
/// invocation, each once; returns the invocation and the parts in shard order.
pub fn read_all(folder: &Path) -> Result<(serde_json::Value, Vec<serde_json::Value>), CliError> {
    let bad = |reason: String| CliError::Shards {
        folder: folder.display().to_string(),
        reason,
    };
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
        let text = std::fs::read(path).map_err(CliError::io(path))?;
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
