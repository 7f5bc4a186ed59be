//! The layering of ARCHITECTURE.md, checked: which crate may depend on which, and every
//! source file opens with a `//!` doc saying what lives there.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The workspace crates named in the `[dependencies]` table of a manifest.
fn internal_dependencies(manifest: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(manifest).unwrap();
    let mut in_deps = false;
    let mut deps = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_deps = line == "[dependencies]";
            continue;
        }
        if in_deps {
            let name = line.split(['=', '.', ' ']).next().unwrap_or("");
            if name.starts_with("gd-") || name == "xtask" || name == "stepsize" {
                deps.push(name.to_string());
            }
        }
    }
    deps.sort();
    deps
}

#[test]
fn crates_depend_only_downward() {
    let allowed: &[(&str, &[&str])] = &[
        ("crates/gd-core", &[]),
        ("crates/gd-models", &["gd-core"]),
        ("crates/gd-theory", &["gd-core"]),
        ("crates/gd-repro", &["gd-core", "gd-models", "gd-theory"]),
        ("xtask", &["gd-repro"]),
    ];
    for (dir, permitted) in allowed {
        let deps = internal_dependencies(&root().join(dir).join("Cargo.toml"));
        for d in &deps {
            assert!(
                permitted.contains(&d.as_str()),
                "{dir} must not depend on {d} (ARCHITECTURE.md)"
            );
        }
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if path.is_dir() {
            if name != "target" && !name.starts_with('.') && name != "snapshots" {
                rust_files(&path, out);
            }
        } else if name.ends_with(".rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_source_file_opens_with_a_module_doc() {
    let mut files = Vec::new();
    for dir in ["crates", "xtask", "src", "tests", "benches"] {
        rust_files(&root().join(dir), &mut files);
    }
    assert!(files.len() > 20, "found only {} files", files.len());
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        assert!(
            text.starts_with("//!"),
            "{} must start with a //! doc comment",
            f.display()
        );
    }
}

#[test]
fn no_file_is_named_for_nothing_in_particular() {
    let mut files = Vec::new();
    for dir in ["crates", "xtask", "src", "tests", "benches"] {
        rust_files(&root().join(dir), &mut files);
    }
    for f in files {
        let stem = f.file_stem().unwrap().to_string_lossy();
        assert!(
            !["utils", "helpers", "common", "misc"].contains(&stem.as_ref()),
            "{}",
            f.display()
        );
    }
}
