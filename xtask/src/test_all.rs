//! `cargo xtask test`: every test of the project. The Rust tests (`cargo test --workspace`),
//! then the Python package: a fresh virtual environment under `target/`, the wheel built by
//! maturin and installed there, the Rust reference values for the bit-for-bit comparisons,
//! pytest on `crates/stepsize-py/tests`, and the Python examples (`quickstart.py`, the PyTorch
//! edge of stability and the central flow in their short forms, the sharded basin map's demo).

use std::path::{Path, PathBuf};
use std::process::Command;

/// What the test environment installs besides the wheel (pinned in this file).
const REQUIREMENTS: &str = "crates/stepsize-py/requirements-test.txt";

fn run(command: &mut Command) -> Result<(), String> {
    let shown = format!("{command:?}");
    eprintln!("$ {shown}");
    let status = command
        .status()
        .map_err(|e| format!("could not start {shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed ({status})"))
    }
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// The Python that creates the environment: `STEPSIZE_PYTHON`, else `python3`.
fn base_python() -> String {
    std::env::var("STEPSIZE_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// Runs every test; `rust_only` skips the Python package.
pub fn run_all(root: &Path, rust_only: bool) -> Result<(), String> {
    let locked = std::env::var_os("CI").is_some();
    let mut rust = cargo();
    rust.current_dir(root)
        .args(["test", "--workspace", "--exclude", "stepsize-py"]);
    if locked {
        rust.arg("--locked");
    }
    run(&mut rust)?;
    if rust_only {
        return Ok(());
    }
    let target = root.join("target");
    let venv = target.join("python-test-venv");
    if venv.exists() {
        std::fs::remove_dir_all(&venv)
            .map_err(|e| format!("I/O error on {}: {e}", venv.display()))?;
    }
    run(Command::new(base_python()).args(["-m", "venv"]).arg(&venv))?;
    let python = venv.join("bin").join("python");
    run(Command::new(&python)
        .args(["-m", "pip", "install", "--quiet", "-r"])
        .arg(root.join(REQUIREMENTS)))?;
    let wheels = target.join("wheels");
    if wheels.exists() {
        std::fs::remove_dir_all(&wheels)
            .map_err(|e| format!("I/O error on {}: {e}", wheels.display()))?;
    }
    let mut build = Command::new(venv.join("bin").join("maturin"));
    build
        .current_dir(root)
        .args([
            "build",
            "--release",
            "-m",
            "crates/stepsize-py/Cargo.toml",
            "-o",
        ])
        .arg(&wheels);
    if locked {
        build.arg("--locked");
    }
    run(&mut build)?;
    let wheel = std::fs::read_dir(&wheels)
        .map_err(|e| format!("I/O error on {}: {e}", wheels.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|e| e == "whl"))
        .ok_or_else(|| format!("maturin left no wheel in {}", wheels.display()))?;
    let size = std::fs::metadata(&wheel).map(|m| m.len()).unwrap_or(0);
    eprintln!("wheel: {} ({} KB)", wheel.display(), size / 1024);
    run(Command::new(&python)
        .args(["-m", "pip", "install", "--quiet", "--no-deps"])
        .arg(&wheel))?;
    let reference: PathBuf = target.join("python-reference.json");
    crate::python_reference::write(&reference)?;
    run(Command::new(&python)
        .current_dir(root)
        .env("STEPSIZE_RUST_REFERENCE", &reference)
        .env("MPLBACKEND", "Agg")
        .args(["-m", "pytest", "-q", "crates/stepsize-py/tests"]))?;
    run(Command::new(&python)
        .current_dir(root)
        .env("MPLBACKEND", "Agg")
        .arg("examples/python/quickstart.py")
        .arg("--out")
        .arg(target.join("python-example")))?;
    run(Command::new(&python)
        .current_dir(root)
        .env("MPLBACKEND", "Agg")
        .args(["examples/python/eos_torch_digits.py", "--quick", "--out"])
        .arg(target.join("python-example")))?;
    run(Command::new(&python)
        .current_dir(root)
        .env("MPLBACKEND", "Agg")
        .args(["examples/python/central_flow_digits.py", "--quick", "--out"])
        .arg(target.join("python-example")))?;
    let demo = target.join("python-example").join("sharded-basins");
    if demo.exists() {
        std::fs::remove_dir_all(&demo)
            .map_err(|e| format!("I/O error on {}: {e}", demo.display()))?;
    }
    run(Command::new(&python)
        .current_dir(root)
        .env("GRID", "64")
        .args(["examples/python/sharded_basins.py", "demo"])
        .arg(&demo))
}
