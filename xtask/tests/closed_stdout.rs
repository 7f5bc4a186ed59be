//! `cargo xtask repro | head`: a reader that goes away must not stop the work. The run keeps
//! going, writes its outputs and exits with its usual code, without a panic.

use std::process::{Command, Stdio};

#[test]
fn repro_with_stdout_closed_still_writes_its_outputs() {
    let dir = std::env::temp_dir().join(format!("stepsize-closed-stdout-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut child = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["repro", "--quick", "--only", "ns-ex", "--out"])
        .arg(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Close the read end before the child prints anything (it takes milliseconds to start).
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    for id in ["ns-ex1", "ns-ex2", "ns-ex3"] {
        assert!(
            dir.join("data").join(format!("{id}.json")).is_file(),
            "{id}'s data not written"
        );
    }
    assert!(dir.join("REPORT.md").is_file());
    let _ = std::fs::remove_dir_all(&dir);
}
