//! Files replaced whole: written beside the target under a name no other writer uses, synced,
//! then renamed over the target, so a reader sees the old file or the new one, never a part;
//! and sets of files replaced together ([`write_set`]): every file written before any is
//! renamed, so a full disk leaves the previous set as it was.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A name beside `path` that no other writer (thread or process) picks:
/// `.<file name>.<pid>-<counter>.<suffix>`.
pub fn unique_sibling(path: &Path, suffix: &str) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let name = path
        .file_name()
        .map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
    path.with_file_name(format!(".{name}.{}-{n}.{suffix}", std::process::id()))
}

/// Writes `contents` to `path` through a synced temporary sibling and a rename. On error the
/// temporary file is removed and `path` is untouched.
pub fn write(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let tmp = unique_sibling(path, "tmp");
    let written = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(contents)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// Writes every `(path, contents)` to a synced temporary sibling first, then renames them all
/// over their targets. If any write fails (a full disk, a missing folder) every temporary file
/// is removed, no target is touched, and the error names the path that failed. Returns the
/// paths in order.
pub fn write_set(files: &[(PathBuf, &[u8])]) -> Result<Vec<PathBuf>, (PathBuf, std::io::Error)> {
    let mut temporaries: Vec<PathBuf> = Vec::with_capacity(files.len());
    let cleanup = |temporaries: &[PathBuf]| {
        for t in temporaries {
            let _ = std::fs::remove_file(t);
        }
    };
    for (path, contents) in files {
        let tmp = unique_sibling(path, "tmp");
        let written = (|| {
            let mut file = std::fs::File::create(&tmp)?;
            temporaries.push(tmp.clone());
            file.write_all(contents)?;
            file.sync_all()
        })();
        if let Err(e) = written {
            cleanup(&temporaries);
            return Err((path.clone(), e));
        }
    }
    for (i, ((path, _), tmp)) in files.iter().zip(&temporaries).enumerate() {
        if let Err(e) = std::fs::rename(tmp, path) {
            cleanup(&temporaries[i..]);
            return Err((path.clone(), e));
        }
    }
    Ok(files.iter().map(|(p, _)| p.clone()).collect())
}
