//! `cargo xtask`: the project's task runner (matklad's xtask convention). Holds no science:
//! it parses flags, calls gd-repro, writes `paper-repro/` and prints the claims table.

#[macro_use]
mod output;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "xtask", about = "stepsize task runner")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Regenerate every paper result into paper-repro/ and print the claims table.
    Repro {
        /// Run only the experiments whose id starts with this (e.g. `ns-ex1`, `mjs`).
        #[arg(long)]
        only: Option<String>,
        /// Small configurations.
        #[arg(long)]
        quick: bool,
        /// Regenerate into a temporary folder and fail if it differs from paper-repro/.
        #[arg(long)]
        check: bool,
        /// Worker threads for sweeps (results are identical for any value).
        #[arg(long)]
        threads: Option<usize>,
        /// Output folder (default: paper-repro/ at the workspace root).
        #[arg(long)]
        out: Option<PathBuf>,
        /// TOML file overriding experiment configs, one table per id (e.g. `[ns-ex1]`).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Run shard I/N (0-based) of each selected experiment's first sweep and store it in
        /// --out (required); join the shards with --merge.
        #[arg(long, conflicts_with_all = ["merge", "check"], requires = "out")]
        shard: Option<String>,
        /// Regenerate with each experiment's first sweep taken from the shard files in DIR
        /// (byte-identical to an unsharded run).
        #[arg(long)]
        merge: Option<PathBuf>,
    },
    /// Time the workloads of shared/bench/SPEC.md (and the peers, with PEER_PYTHON set).
    Bench {
        /// Only these workloads (comma-separated: W1, W2, W3, W4, W5, W6); all by default.
        #[arg(long, value_delimiter = ',')]
        only: Vec<String>,
    },
    /// Every test: `cargo test --workspace`, then the Python package (wheel built into a fresh
    /// virtual environment under target/, pytest, the Python example).
    Test {
        /// Only the Rust tests.
        #[arg(long)]
        rust_only: bool,
    },
    /// Write the Rust reference values the Python tests compare with (what `test` does before
    /// pytest; for running pytest by hand with STEPSIZE_RUST_REFERENCE=PATH).
    #[command(hide = true)]
    PythonReference {
        /// The JSON file to write.
        path: PathBuf,
    },
    /// Build and run one workload once in this process (what `bench` times as the whole
    /// process's wall time).
    #[command(hide = true)]
    BenchProcess {
        /// W1, W2, W2-sample, W3 or W4.
        workload: String,
    },
}

fn project_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Repro {
            only,
            quick,
            check,
            threads,
            out,
            config,
            shard,
            merge,
        } => {
            let shard = match shard.as_deref().map(gd_core::Shard::parse).transpose() {
                Ok(shard) => shard,
                Err(_) => {
                    eprintln!(
                        "error: --shard = {} is not allowed: I/N with 0 ≤ I < N",
                        shard.as_deref().unwrap_or_default()
                    );
                    return ExitCode::from(BAD_INPUT);
                }
            };
            if let Some(n) = threads
                && let Err(e) = rayon_threads(n)
            {
                eprintln!("error: {e}");
                return ExitCode::from(BAD_INPUT);
            }
            let out = out.unwrap_or_else(|| project_root().join("paper-repro"));
            let request = repro::Request {
                only: only.as_deref(),
                quick,
                check,
                out: &out,
                config: config.as_deref(),
                shard,
                merge: merge.as_deref(),
            };
            match repro::run(&request) {
                Ok(true) => ExitCode::SUCCESS,
                Ok(false) => ExitCode::FAILURE,
                Err(repro::Failure::Input(e)) => {
                    eprintln!("error: {e}");
                    ExitCode::from(BAD_INPUT)
                }
                Err(repro::Failure::Run(e)) => {
                    eprintln!("error: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::BenchProcess { workload } => match bench::run_once(&workload) {
            Ok(check) => {
                outln!("{check}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
        Command::Test { rust_only } => match test_all::run_all(&project_root(), rust_only) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
        Command::PythonReference { path } => match python_reference::write(&path) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
        Command::Bench { only } => match bench::Selection::new(only) {
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(BAD_INPUT)
            }
            Ok(selected) => match bench::run(&project_root(), &selected) {
                Ok(true) => ExitCode::SUCCESS,
                Ok(false) => ExitCode::FAILURE,
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::FAILURE
                }
            },
        },
    }
}

/// The exit code of bad input (flags, override file, configs), as clap uses for bad flags;
/// 1 means a claim failed, `--check` found a difference, or writing failed.
const BAD_INPUT: u8 = 2;

fn rayon_threads(n: usize) -> Result<(), String> {
    gd_repro::set_threads(n)
}

mod autodiff_cost;
mod bench;
mod load_guard;
mod python_reference;
mod repro;
mod test_all;
mod workloads;
