//! Every allocation sized at run time is bounded before it is made. The scan finds each
//! `…::with_capacity(n)` and `vec![x; n]` in the library and tool sources and sorts its size
//! `n` into one of three kinds that are bounded by construction, or requires the argument for
//! its bound in a `// bound:` comment naming the check (a constant or function that exists).
//!
//! The three kinds, and why each is bounded:
//! - **a constant**: integer literals and `UPPER_CASE` constants only.
//! - **the length of something in memory** (`x.len()`, `.nrows()`, `.ncols()`): an allocation
//!   of that length has already succeeded; one more at most doubles it.
//! - **an objective's dimension** (`d`, `dim`, `….dim()`, `….dim`): every objective's constructor
//!   bounds it (the networks by their memory cap or `MAX_PARAMETERS`, a formula by its text,
//!   Python's callables by `MAX_DIM`), and every analysis is handed a θ₀ or a box of that
//!   length, checked against it, before it allocates.
//!
//! A `// bound:` comment covers the sites on the lines after it up to the next blank line.

use super::architecture::{code_lines, root, rust_files};
use std::path::{Path, PathBuf};

/// One allocation: where it is and the text of its size.
#[derive(Debug)]
struct Site {
    file: PathBuf,
    line: usize,
    size: String,
}

/// The library and tool sources: `src/` of every crate and of xtask, without test code.
fn library_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["crates", "xtask/src", "src"] {
        rust_files(&root().join(dir), &mut files);
    }
    files.retain(|f| {
        let relative = f
            .strip_prefix(root())
            .unwrap()
            .to_string_lossy()
            .to_string();
        (relative.contains("/src/") || relative.starts_with("src/")) && !is_test_module(f)
    });
    files
}

/// A file declared `#[cfg(test)] mod name;` by its parent module.
fn is_test_module(file: &Path) -> bool {
    let name = file.file_stem().unwrap().to_string_lossy().to_string();
    let dir = file.parent().unwrap();
    ["mod.rs", "lib.rs", "main.rs"]
        .iter()
        .map(|parent| dir.join(parent))
        .filter(|parent| parent != file && parent.exists())
        .any(|parent| {
            let text = std::fs::read_to_string(parent).unwrap();
            let lines: Vec<&str> = text.lines().map(str::trim).collect();
            lines
                .windows(2)
                .any(|w| w[0] == "#[cfg(test)]" && w[1] == format!("mod {name};"))
        })
}

/// The text between the bracket opening at `open` and its match.
fn bracketed(code: &str, open: usize) -> &str {
    let (opening, closing) = match code.as_bytes()[open] {
        b'(' => ('(', ')'),
        _ => ('[', ']'),
    };
    let mut depth = 0;
    for (i, c) in code[open..].char_indices() {
        if c == opening {
            depth += 1;
        } else if c == closing {
            depth -= 1;
            if depth == 0 {
                return &code[open + 1..open + i];
            }
        }
    }
    &code[open + 1..]
}

/// The size of `vec![element; size]`: what follows the `;` outside any bracket, if any.
fn repeat_count(inside: &str) -> Option<&str> {
    let mut depth = 0;
    for (i, c) in inside.char_indices() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            ';' if depth == 0 => return Some(&inside[i + 1..]),
            _ => {}
        }
    }
    None
}

/// The allocations of one file, its test module left out.
fn sites(file: &Path) -> Vec<Site> {
    let text = std::fs::read_to_string(file).unwrap();
    let lines = code_lines(&text);
    let raw: Vec<&str> = text.lines().collect();
    let end = (0..raw.len())
        .find(|&i| {
            raw[i].trim() == "#[cfg(test)]"
                && raw
                    .get(i + 1)
                    .is_some_and(|l| l.trim().starts_with("mod tests"))
        })
        .unwrap_or(raw.len());
    let code = lines[..end].join("\n");
    let line_of = |at: usize| code[..at].matches('\n').count() + 1;
    let mut out = Vec::new();
    for (at, _) in code.match_indices("::with_capacity(") {
        let open = at + "::with_capacity".len();
        out.push(Site {
            file: file.to_path_buf(),
            line: line_of(at),
            size: bracketed(&code, open).to_string(),
        });
    }
    for (at, _) in code.match_indices("vec![") {
        let inside = bracketed(&code, at + "vec!".len());
        if let Some(size) = repeat_count(inside) {
            out.push(Site {
                file: file.to_path_buf(),
                line: line_of(at),
                size: size.to_string(),
            });
        }
    }
    out
}

/// Which of the three self-bounded kinds a size is, if any.
fn kind(size: &str) -> Option<&'static str> {
    let size: String = size.split_whitespace().collect();
    let is_constant = size.split(['+', '*', '-', '(', ')']).all(|part| {
        !part.is_empty()
            && (part.chars().all(|c| c.is_ascii_digit() || c == '_')
                || part
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
    });
    let is_path = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '[' || c == ']')
    };
    let length = [".len()", ".nrows()", ".ncols()"]
        .iter()
        .any(|m| size.strip_suffix(m).is_some_and(is_path));
    let dimension = size == "d"
        || size == "dim"
        || [".dim()", ".dim"].iter().any(|m| {
            size.strip_suffix(m)
                .is_some_and(|s| is_path(s) && !s.contains('['))
        });
    if is_constant {
        Some("a constant")
    } else if length {
        Some("the length of something in memory")
    } else if dimension {
        Some("an objective's dimension")
    } else {
        None
    }
}

/// The `// bound:` comment covering a line (1-based), if any: the nearest one above it with
/// no blank line between.
fn bound_comment(raw: &[&str], line: usize) -> Option<String> {
    let mut i = line - 1;
    loop {
        let text = raw[i].trim();
        if let Some(argument) = text.strip_prefix("// bound:") {
            let mut argument = argument.trim().to_string();
            for more in &raw[i + 1..] {
                match more.trim().strip_prefix("//") {
                    Some(rest) => {
                        argument.push(' ');
                        argument.push_str(rest.trim());
                    }
                    None => break,
                }
            }
            return Some(argument);
        }
        if text.contains("// bound:") {
            return Some(text.split("// bound:").nth(1).unwrap().trim().to_string());
        }
        if text.is_empty() || i == 0 {
            return None;
        }
        i -= 1;
    }
}

/// Whether a name appears in the sources outside comments.
fn defined(name: &str, code: &[String]) -> bool {
    code.iter().any(|text| {
        text.match_indices(name).any(|(i, _)| {
            let before = text[..i].chars().next_back();
            let after = text[i + name.len()..].chars().next();
            let boundary = |c: Option<char>| c.is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
            boundary(before) && boundary(after)
        })
    })
}

#[test]
fn every_allocation_sized_at_run_time_is_bounded_first() {
    let files = library_files();
    let code: Vec<String> = files
        .iter()
        .map(|f| code_lines(&std::fs::read_to_string(f).unwrap()).join("\n"))
        .collect();
    let (mut counted, mut argued, mut unargued) = (0, 0, Vec::new());
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let raw: Vec<&str> = text.lines().collect();
        for site in sites(file) {
            counted += 1;
            if kind(&site.size).is_some() {
                continue;
            }
            let place = format!(
                "{}:{}",
                site.file.strip_prefix(root()).unwrap().display(),
                site.line
            );
            match bound_comment(&raw, site.line) {
                None => unargued.push(format!("{place}: size `{}`", site.size.trim())),
                Some(argument) => {
                    let names: Vec<&str> = argument.split('`').skip(1).step_by(2).collect();
                    assert!(
                        !names.is_empty() && names.iter().all(|n| defined(n, &code)),
                        "{place}: the bound comment must name, in backticks, the checks that \
                         exist in the code: {argument}"
                    );
                    argued += 1;
                }
            }
        }
    }
    assert!(
        unargued.is_empty(),
        "allocations sized at run time with no `// bound:` comment naming their check:\n{}",
        unargued.join("\n")
    );
    assert!(
        counted > 100 && argued > 10,
        "found only {counted} allocations ({argued} argued): is the scan broken?"
    );
}

#[test]
fn the_size_kinds_are_recognised_and_no_more() {
    for (size, expected) in [
        ("16", Some("a constant")),
        ("REPETITIONS", Some("a constant")),
        ("2 * MAX_BLOCK + 1", Some("a constant")),
        ("theta.len()", Some("the length of something in memory")),
        (
            "self.parameter_of_variable.len()",
            Some("the length of something in memory"),
        ),
        ("d", Some("an objective's dimension")),
        ("objective.dim()", Some("an objective's dimension")),
        ("self.dim", Some("an objective's dimension")),
        ("n", None),
        ("depth + 1", None),
        ("d * capacity", None),
        ("rows.len().saturating_mul(columns)", None),
        ("a.len() * b.len()", None),
        ("self.offsets[self.depth()]", None),
        ("count", None),
    ] {
        assert_eq!(kind(size), expected, "{size}");
    }
}

#[test]
fn a_planted_unbounded_allocation_is_found() {
    let dir = std::env::temp_dir().join(format!("allocation-scan-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("planted.rs");
    std::fs::write(
        &file,
        "fn f(count: usize, d: usize) {\n    let a = Vec::<u8>::with_capacity(count);\n\n    \
         // bound: `MAX_POINTS` caps it.\n    let b = vec![0.0; count * d];\n    let c = vec![0.0; d];\n}\n",
    )
    .unwrap();
    let found = sites(&file);
    std::fs::remove_dir_all(&dir).unwrap();
    let sizes: Vec<(usize, &str)> = found.iter().map(|s| (s.line, s.size.trim())).collect();
    assert_eq!(sizes, [(2, "count"), (5, "count * d"), (6, "d")]);
    let text = "fn f(count: usize, d: usize) {\n    let a = Vec::<u8>::with_capacity(count);\n\n    // bound: `MAX_POINTS` caps it.\n    let b = vec![0.0; count * d];\n}\n";
    let raw: Vec<&str> = text.lines().collect();
    assert_eq!(bound_comment(&raw, 2), None);
    assert_eq!(
        bound_comment(&raw, 5).as_deref(),
        Some("`MAX_POINTS` caps it.")
    );
}
