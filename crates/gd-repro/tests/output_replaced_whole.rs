//! The output folder is replaced whole: a writer killed (SIGKILL) at random moments of its
//! write phase leaves either the complete old tree or the complete new one, never a mix, and
//! the next run cleans up after it; a second concurrent writer is refused; an existing tree
//! with a corrupt report is an error that changes nothing.

use gd_repro::{Report, ReproError, Table, check_outputs, render_tree, write_outputs};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Set in the child process: the folder it rewrites forever.
const WRITER_VARIABLE: &str = "STEPSIZE_KILL_TEST_WRITER";

/// Kills of the writer (the issue asks for at least 20).
const KILLS: u64 = 24;

/// Two reports whose every number depends on `version`, with tables large enough (4 files of
/// ~300 KB) that the write phase takes a while.
fn reports(version: u64) -> Vec<Report> {
    ["kill-test-a", "kill-test-b"]
        .iter()
        .map(|id| {
            let mut report = Report::new(id, "kill test");
            for name in ["first", "second"] {
                let mut table = Table::new(name, &["i", "version", "value"]);
                for i in 0..8000 {
                    let x = i as f64 + version as f64 / 7.0;
                    table.push(vec![i as f64, version as f64, x.sin()]);
                }
                report.tables.push(table);
            }
            report
        })
        .collect()
}

fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(dir).unwrap().to_path_buf();
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("stepsize-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn siblings(root: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_writer_killed_during_its_write_phase_leaves_one_complete_tree() {
    if let Ok(dir) = std::env::var(WRITER_VARIABLE) {
        for version in (0..).cycle() {
            write_outputs(Path::new(&dir), &reports(version % 2)).unwrap();
        }
    }
    let root = scratch("kill");
    let out = root.join("paper-repro");
    let nowhere = root.join("never-written");
    let trees = [
        render_tree(&nowhere, &reports(0)).unwrap(),
        render_tree(&nowhere, &reports(1)).unwrap(),
    ];
    assert_ne!(trees[0], trees[1]);
    write_outputs(&out, &reports(0)).unwrap();
    let mut seen = [0_usize; 2];
    let mut killed_while_staging = 0;
    for kill in 0..KILLS {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "a_writer_killed_during_its_write_phase_leaves_one_complete_tree",
                "--test-threads=1",
            ])
            .env(WRITER_VARIABLE, &out)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Deterministic, spread delays: 40 to 400 ms after the start (the child needs a few
        // ms to start, then writes a tree every few ms to tens of ms).
        std::thread::sleep(Duration::from_millis(40 + (kill * 157) % 361));
        child.kill().unwrap();
        child.wait().unwrap();
        let found = files(&out);
        let version = trees.iter().position(|t| *t == found);
        assert!(
            version.is_some(),
            "kill {kill}: the folder holds neither complete tree ({} files)",
            found.len()
        );
        seen[version.unwrap()] += 1;
        if siblings(&root).iter().any(|n| n.contains(".staging-")) {
            killed_while_staging += 1;
        }
    }
    eprintln!(
        "{KILLS} kills: old tree {} times, new tree {} times; {killed_while_staging} killed mid-staging",
        seen[0], seen[1]
    );
    assert!(
        killed_while_staging > 0,
        "no kill landed in the write phase: the test did not test it"
    );
    write_outputs(&out, &reports(1)).unwrap();
    assert_eq!(files(&out), trees[1]);
    assert_eq!(
        siblings(&root),
        [".paper-repro.lock", "paper-repro"],
        "stale staging folders were not removed"
    );
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn a_second_writer_is_refused_while_the_first_holds_the_lock() {
    let root = scratch("lock");
    let out = root.join("out");
    let lock = std::fs::File::create(root.join(".out.lock")).unwrap();
    lock.lock().unwrap();
    let err = write_outputs(&out, &reports(0)).unwrap_err();
    assert!(
        matches!(&err, ReproError::Busy { .. }) && err.to_string().contains("another run"),
        "{err}"
    );
    assert!(!out.exists());
    drop(lock);
    write_outputs(&out, &reports(0)).unwrap();
    assert!(check_outputs(&out, &reports(0)).unwrap().is_empty());
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn a_corrupt_report_in_the_old_tree_is_an_error_that_changes_nothing() {
    let root = scratch("corrupt");
    let out = root.join("out");
    let mut first = reports(0);
    first[0].id = "ns-ex1".into();
    write_outputs(&out, &first).unwrap();
    let corrupt = out.join("data").join("ns-ex1.json");
    std::fs::write(&corrupt, b"{\"id\": \"ns-ex1\", \"title\": ").unwrap();
    let before = files(&out);
    let err = write_outputs(&out, &reports(1)[1..]).unwrap_err();
    assert!(
        matches!(&err, ReproError::Parse { path, .. } if path.ends_with("ns-ex1.json")),
        "{err}"
    );
    assert_eq!(files(&out), before, "the folder changed");
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn the_folder_holds_exactly_what_the_run_produced() {
    let root = scratch("exact");
    let out = root.join("out");
    std::fs::create_dir_all(out.join("figures")).unwrap();
    std::fs::write(out.join("figures").join("of-an-old-config.svg"), b"<svg/>").unwrap();
    let differences = check_outputs(&out, &reports(0)).unwrap();
    assert!(
        differences
            .iter()
            .any(|d| d == "stale: figures/of-an-old-config.svg"),
        "{differences:?}"
    );
    write_outputs(&out, &reports(0)).unwrap();
    assert_eq!(
        files(&out),
        render_tree(&root.join("none"), &reports(0)).unwrap()
    );
    std::fs::remove_dir_all(&root).unwrap();
}
