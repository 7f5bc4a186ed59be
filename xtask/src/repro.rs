//! `cargo xtask repro`: run with a progress bar per experiment, write or compare, print.

use gd_repro::{
    Overrides, Report, ReproError, RunOptions, Sharding, Verdict, check_outputs, claims_table,
    run_experiments, write_outputs,
};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Why a run stopped: the user's input (flags, override file, configs), or a failure while
/// running or writing.
pub enum Failure {
    /// Bad input: nothing was run or written.
    Input(ReproError),
    /// Running or writing failed.
    Run(ReproError),
}

impl From<ReproError> for Failure {
    fn from(e: ReproError) -> Self {
        match e {
            ReproError::Config { .. }
            | ReproError::Parse { .. }
            | ReproError::UnknownExperiment(..) => Self::Input(e),
            e => Self::Run(e),
        }
    }
}

/// What the user asked for.
pub struct Request<'a> {
    pub only: Option<&'a str>,
    pub quick: bool,
    pub check: bool,
    pub out: &'a Path,
    pub config: Option<&'a Path>,
    /// `--shard I/N`: store shard I of each experiment's first sweep in `out`.
    pub shard: Option<gd_core::Shard>,
    /// `--merge DIR`: take sweeps from the shard files in DIR.
    pub merge: Option<&'a Path>,
}

fn progress_callback() -> gd_repro::ProgressFn {
    let multi = MultiProgress::new();
    let bars: Mutex<HashMap<String, ProgressBar>> = Mutex::new(HashMap::new());
    let style = ProgressStyle::with_template("{prefix:>12} [{bar:40}] {pos}/{len} {elapsed}")
        .expect("static template")
        .progress_chars("=> ");
    Arc::new(move |id: &str, done: usize, total: usize| {
        let mut bars = bars.lock().unwrap_or_else(|p| p.into_inner());
        let bar = bars.entry(id.to_string()).or_insert_with(|| {
            let b = multi.add(ProgressBar::new(total as u64));
            b.set_style(style.clone());
            b.set_prefix(id.to_string());
            b
        });
        bar.set_length(total as u64);
        bar.set_position(done as u64);
        if done >= total {
            bar.finish();
        }
    })
}

/// "3 hold, 1 not reproduced at CPU scale": the verdicts of a report's claims, counted.
fn verdict_counts(report: &Report) -> String {
    let count = |v: Verdict| report.claims.iter().filter(|c| c.verdict == v).count();
    [
        (count(Verdict::Holds), "hold"),
        (count(Verdict::Fails), "FAIL"),
        (
            count(Verdict::NotReproducedAtCpuScale),
            "not reproduced at CPU scale",
        ),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect::<Vec<_>>()
    .join(", ")
}

/// Runs the selection, writes (or checks) the outputs, prints the claims table. Returns
/// whether every claim held (and, with `check`, nothing differed).
pub fn run(request: &Request<'_>) -> Result<bool, Failure> {
    let overrides = match request.config {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|source| {
                Failure::Input(ReproError::Io {
                    path: path.display().to_string(),
                    source,
                })
            })?;
            Overrides::parse(&path.display().to_string(), &text)?
        }
        None => Overrides::default(),
    };
    let seconds: Arc<Mutex<Vec<(String, f64)>>> = Arc::default();
    let piped = !std::io::stderr().is_terminal();
    let finished_seconds = Arc::clone(&seconds);
    let sharding = match (request.shard, request.merge) {
        (Some(shard), _) => Some(Sharding::Compute {
            shard,
            dir: request.out.to_path_buf(),
        }),
        (None, Some(dir)) => Some(Sharding::merge(dir)),
        (None, None) => None,
    };
    let compute_shard = request.shard.is_some();
    let options = RunOptions {
        sharding,
        quick: request.quick,
        overrides,
        progress: (!piped).then(progress_callback),
        finished: Some(Arc::new(move |report: &Report, elapsed: Duration| {
            if piped {
                outln!(
                    "{:<14} {:>7.1} s  {}",
                    report.id,
                    elapsed.as_secs_f64(),
                    verdict_counts(report)
                );
                let _ = std::io::stdout().flush();
            }
            finished_seconds
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push((report.id.clone(), elapsed.as_secs_f64()));
        })),
    };
    let started = std::time::Instant::now();
    let reports = run_experiments(request.only, &options)?;
    if compute_shard {
        outln!(
            "stored shard files in {} ({:.1} s); join them with --merge {}",
            request.out.display(),
            started.elapsed().as_secs_f64(),
            request.out.display()
        );
        return Ok(true);
    }
    out!("{}", claims_table(&reports));
    let seconds = seconds.lock().unwrap_or_else(|p| p.into_inner()).clone();
    outln!(
        "seconds per experiment: {}",
        seconds
            .iter()
            .map(|(id, s)| format!("{id} {s:.1}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    outln!(
        "ran {} experiments in {:.1} s",
        reports.len(),
        started.elapsed().as_secs_f64()
    );
    let all_hold = reports.iter().all(|r| r.all_hold());
    if request.check {
        let differences = check_outputs(request.out, &reports)?;
        if !differences.is_empty() {
            eprintln!(
                "{} differs from a fresh regeneration:",
                request.out.display()
            );
            for d in &differences {
                eprintln!("  {d}");
            }
            eprintln!("run `cargo xtask repro` and commit the result");
            return Ok(false);
        }
        outln!("{} matches a fresh regeneration", request.out.display());
    } else {
        write_outputs(request.out, &reports)?;
        outln!("wrote {}", request.out.display());
    }
    if !all_hold {
        eprintln!("some claims FAIL");
    }
    Ok(all_hold)
}
