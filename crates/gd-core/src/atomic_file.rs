//! Files replaced whole: written beside the target under a name no other writer uses, synced,
//! then renamed over the target, so a reader sees the old file or the new one, never a part.

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
