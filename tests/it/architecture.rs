//! The layering of ARCHITECTURE.md, checked: which crate may depend on which, and every
//! source file opens with a `//!` doc saying what lives there.

use std::path::{Path, PathBuf};

pub(crate) fn root() -> PathBuf {
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
            if name.starts_with("gd-") || name.starts_with("stepsize") || name == "xtask" {
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
        ("xtask", &["gd-core", "gd-models", "gd-repro", "gd-theory"]),
        ("crates/stepsize-cli", &["gd-core", "gd-models"]),
        (
            "crates/stepsize-py",
            &["gd-core", "gd-models", "gd-repro", "stepsize-cli"],
        ),
        ("", &["gd-core", "gd-models", "gd-theory"]),
    ];
    for (dir, permitted) in allowed {
        let deps = internal_dependencies(&root().join(dir).join("Cargo.toml"));
        assert!(
            !deps.is_empty() || permitted.is_empty(),
            "{dir}: no internal dependency found: is the scan broken?"
        );
        for d in &deps {
            assert!(
                permitted.contains(&d.as_str()),
                "{dir} must not depend on {d} (ARCHITECTURE.md)"
            );
        }
    }
}

pub(crate) fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
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
    for dir in ["crates", "xtask", "src", "tests", "benches", "examples"] {
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
    for dir in ["crates", "xtask", "src", "tests", "benches", "examples"] {
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

fn all_rust_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["crates", "xtask", "src", "tests", "benches", "examples"] {
        rust_files(&root().join(dir), &mut files);
    }
    files
}

/// The code of a file line by line, with `//` comments (doc comments included) and the
/// contents of one-line string literals removed.
pub(crate) fn code_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(|line| {
            let mut code = String::new();
            let mut in_string = false;
            let mut previous = ' ';
            for (i, c) in line.char_indices() {
                if !in_string && line[i..].starts_with("//") {
                    break;
                }
                if c == '"' && previous != '\\' && previous != '\'' {
                    in_string = !in_string;
                    code.push(c);
                } else if !in_string {
                    code.push(c);
                }
                previous = c;
            }
            code
        })
        .collect()
}

/// The text of each call `name(…)` in `code`, up to its closing parenthesis.
fn calls<'a>(code: &'a str, name: &str) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find(name) {
        let preceded_by_identifier = rest[..i]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_');
        let after = &rest[i + name.len()..];
        if !preceded_by_identifier && after.starts_with('(') {
            let mut depth = 0;
            let end = after
                .char_indices()
                .find(|&(_, c)| {
                    depth += match c {
                        '(' => 1,
                        ')' => -1,
                        _ => 0,
                    };
                    depth == 0
                })
                .map_or(after.len(), |(j, _)| j);
            out.push(&after[..end]);
        }
        rest = after;
    }
    out
}

#[test]
fn every_faer_product_is_sequential() {
    // The one deliberate exception: `cargo xtask bench` measures faer's GEMM rate at 1 and 2
    // threads, the reference its GFLOP/s fractions are quoted against.
    let gemm_rate = root().join("xtask/src/bench.rs");
    let mut checked = 0;
    for f in all_rust_files() {
        let text = std::fs::read_to_string(&f).unwrap();
        let code = code_lines(&text).join("\n");
        for call in calls(&code, "matmul") {
            if f != gemm_rate && (call.contains("Par::") || call.contains("par")) {
                assert!(
                    call.contains("Par::Seq"),
                    "{}: a faer matmul must pass Par::Seq: matmul{call})",
                    f.display()
                );
                checked += 1;
            }
        }
        // faer's `*` on matrices runs with faer's global parallelism: never used. A borrowed
        // right operand of `*` is the mark of a matrix product (scalars are not borrowed).
        for (n, line) in code_lines(&text).iter().enumerate() {
            let borrowed_product = line
                .match_indices(" * &")
                .any(|(i, _)| !line[..i].trim_end().ends_with(['=', '(', ',']));
            assert!(
                !borrowed_product,
                "{}:{}: a matrix product by `*` uses faer's global parallelism; call matmul with Par::Seq: {line}",
                f.display(),
                n + 1
            );
        }
    }
    assert!(
        checked >= 5,
        "found only {checked} matmul calls: is the scan broken?"
    );
}

#[test]
fn gd_theory_uses_only_the_spectrum_module_of_gd_core() {
    let mut files = Vec::new();
    rust_files(&root().join("crates/gd-theory/src"), &mut files);
    let mut uses = 0;
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for line in code_lines(&text) {
            for (i, _) in line.match_indices("gd_core::") {
                uses += 1;
                // CoreError is the error type of spectrum's functions.
                assert!(
                    line[i..].starts_with("gd_core::spectrum")
                        || line[i..].starts_with("gd_core::CoreError"),
                    "{}: gd-theory may use gd_core::spectrum (and its CoreError) only: {line}",
                    f.display()
                );
            }
        }
    }
    assert!(
        uses > 0,
        "gd-theory names gd_core nowhere: is the scan broken?"
    );
}

#[test]
fn gd_core_names_no_paper_network_or_model() {
    let forbidden = [
        "Nar",
        "Sastry",
        "Mohtashami",
        "Jaggi",
        "Stich",
        "ReLU",
        "relu",
        "DeepLinear",
        "deep linear",
        "Figure 2",
        "Theorem",
        "MLP",
        "Mlp",
        "spiral",
        "gd_models",
    ];
    let mut files = Vec::new();
    rust_files(&root().join("crates/gd-core/src"), &mut files);
    assert!(files.len() > 10);
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for (n, line) in text.lines().enumerate() {
            for word in forbidden {
                let hit = line.match_indices(word).any(|(i, _)| {
                    let before = line[..i].chars().next_back();
                    let after = line[i + word.len()..].chars().next();
                    !before.is_some_and(char::is_alphanumeric)
                        && !after.is_some_and(char::is_alphanumeric)
                });
                assert!(
                    !hit,
                    "{}:{}: gd-core names {word:?} (ARCHITECTURE.md: it knows no paper or model): {line}",
                    f.display(),
                    n + 1
                );
            }
        }
    }
}

/// Results are bitwise the same at any thread count. Every piece of code that runs in
/// parallel (rayon's parallel iterators) is paired here with the test that runs it at several
/// thread counts and compares the bits; a new parallel loop fails this test until it is
/// paired with one.
#[test]
fn parallel_code_is_tested_bitwise_at_several_thread_counts() {
    let pairs = [
        (
            "crates/gd-core/src/sweep.rs",
            "crates/gd-core/tests/core/sweeps.rs",
        ),
        (
            "crates/gd-core/src/scalar_map.rs",
            "crates/gd-core/tests/core/sweeps.rs",
        ),
        (
            "crates/gd-models/src/mlp/mod.rs",
            "crates/gd-models/src/mlp/mod.rs",
        ),
        // Experiments run side by side, each on its own sweeps: the repro's outputs at the
        // default pool against one thread.
        (
            "crates/gd-repro/src/registry.rs",
            "crates/gd-repro/tests/quick_snapshots.rs",
        ),
    ];
    let markers = [
        "par_iter",
        "par_chunks",
        "into_par_iter",
        "rayon::join",
        "rayon::scope",
        "par_bridge",
    ];
    let mut parallel = Vec::new();
    for f in all_rust_files() {
        let text = std::fs::read_to_string(&f).unwrap();
        let code = code_lines(&text).join("\n");
        if markers.iter().any(|m| code.contains(m)) {
            parallel.push(f.strip_prefix(root()).unwrap().display().to_string());
        }
    }
    parallel.sort();
    let mut paired: Vec<String> = pairs.iter().map(|(code, _)| code.to_string()).collect();
    paired.sort();
    paired.dedup();
    assert_eq!(
        parallel, paired,
        "parallel code and the code paired with a thread-count test"
    );
    for (code, test) in pairs {
        let text = std::fs::read_to_string(root().join(test)).unwrap();
        assert!(
            text.contains("num_threads("),
            "{test} (the thread-count test of {code}) builds no pool of a given size"
        );
    }
}

/// The modules of a crate's `src/` (a file `a/b.rs` or `a/b/mod.rs` is `a::b`) and, for each,
/// the sibling and crate modules its code names (`crate::x`, `super::x`, `self::x`).
fn module_references(src: &Path) -> Vec<(String, Vec<String>)> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let module_of = |f: &Path| {
        let relative = f.strip_prefix(src).unwrap().with_extension("");
        let mut parts: Vec<String> = relative
            .iter()
            .map(|p| p.to_string_lossy().to_string())
            .collect();
        if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
            parts.pop();
        }
        parts.join("::")
    };
    let modules: Vec<String> = files.iter().map(|f| module_of(f)).collect();
    files
        .iter()
        .map(|f| {
            let module = module_of(f);
            let is_dir_module = f.ends_with("mod.rs") || f.ends_with("lib.rs");
            let parent = match (is_dir_module, module.rsplit_once("::")) {
                (true, _) => module.clone(),
                (false, Some((p, _))) => p.to_string(),
                (false, None) => String::new(),
            };
            let grandparent = parent.rsplit_once("::").map_or("", |(p, _)| p).to_string();
            let code = code_lines(&std::fs::read_to_string(f).unwrap()).join("\n");
            let mut named = Vec::new();
            for (prefix, base) in [
                ("crate::", String::new()),
                (
                    "super::",
                    if is_dir_module {
                        grandparent.clone()
                    } else {
                        parent.clone()
                    },
                ),
                (
                    "self::",
                    if is_dir_module {
                        module.clone()
                    } else {
                        String::new()
                    },
                ),
            ] {
                for (i, _) in code.match_indices(prefix) {
                    let before = code[..i].chars().next_back();
                    if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                        continue;
                    }
                    let rest = &code[i + prefix.len()..];
                    let name: String = rest
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    let path = if base.is_empty() {
                        name
                    } else {
                        format!("{base}::{name}")
                    };
                    if modules.contains(&path) && path != module && !named.contains(&path) {
                        named.push(path);
                    }
                }
            }
            (module, named)
        })
        .collect()
}

#[test]
fn no_two_modules_of_gd_core_import_each_other() {
    let references = module_references(&root().join("crates/gd-core/src"));
    let edges: Vec<(String, String)> = references
        .iter()
        .flat_map(|(m, named)| named.iter().map(move |n| (m.clone(), n.clone())))
        .collect();
    assert!(
        edges
            .iter()
            .any(|(a, b)| a == "analyses::basins" && b == "analyses::lane"),
        "the scan finds no reference of basins to lane: is it broken?"
    );
    // Depth-first search for a cycle, reported as its path.
    fn visit(
        node: &str,
        edges: &[(String, String)],
        path: &mut Vec<String>,
        done: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == node) {
            return Some(path[i..].to_vec());
        }
        if done.iter().any(|d| d == node) {
            return None;
        }
        path.push(node.to_string());
        for (_, next) in edges.iter().filter(|(a, _)| a == node) {
            if let Some(cycle) = visit(next, edges, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.push(node.to_string());
        None
    }
    let mut done = Vec::new();
    for (module, _) in &references {
        if let Some(cycle) = visit(module, &edges, &mut Vec::new(), &mut done) {
            panic!(
                "modules that import each other: {} -> {}",
                cycle.join(" -> "),
                cycle[0]
            );
        }
    }
}
