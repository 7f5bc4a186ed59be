//! `stepsize`: where GD ends, the stability of a point, orbit diagrams, basin maps and the
//! stability boundary of a minimum, for a loss given as a formula; sweeps sharded over a
//! cluster's array jobs and merged. Bad input exits 2 and writes nothing; a failure while
//! running or writing exits 1.

#[macro_use]
mod output;

use clap::{Parser, Subcommand};
use gd_core::analyses::{
    BoundaryOptions, attractor_of, end_stability, stability, stability_boundary,
};
use gd_core::shard_file;
use gd_core::{Attractor, Shard};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use stepsize_cli::error::CliError;
use stepsize_cli::formula::Formula;
use stepsize_cli::sweeps::{MAX_GRID, Sweep};
use stepsize_cli::values;

#[derive(Parser)]
#[command(
    name = "stepsize",
    version,
    about = "Gradient descent as a dynamical system, on a loss given as a formula in x, y or x1…xd"
)]
struct Cli {
    /// Worker threads for sweeps (results are identical for any value), 1 to 1024
    /// (`gd_core::MAX_THREADS`).
    #[arg(long, global = true, allow_hyphen_values = true)]
    threads: Option<String>,
    #[command(subcommand)]
    command: Command,
}

// Parsed once per process: the size of the largest variant (eos's flags) costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Where GD from θ₀ at η ends: kind, point or orbit, period, multipliers or Lyapunov exponent.
    Run {
        /// The loss, e.g. "(x^2-1)^2 + 2*(y^2-1)^2 + 0.5*x*y".
        #[arg(long)]
        loss: String,
        /// The start, A[,B…] (its length is the dimension).
        #[arg(long, allow_hyphen_values = true)]
        theta0: String,
        /// The step size.
        #[arg(long, allow_hyphen_values = true)]
        eta: String,
        /// JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// The Hessian's extremes at a point, 2/λmax and the verdict at η.
    Stability {
        /// The loss formula.
        #[arg(long)]
        loss: String,
        /// The point, A[,B…].
        #[arg(long, allow_hyphen_values = true)]
        at: String,
        /// A step size to judge the point at.
        #[arg(long, allow_hyphen_values = true)]
        eta: Option<String>,
        /// JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Orbit diagram of a 1-D loss: CSV, JSON and SVG (with each minimum's 2/λmax line).
    OrbitDiagram {
        /// The loss formula in x.
        #[arg(long)]
        loss: String,
        /// Step sizes LO:HI:N.
        #[arg(long, allow_hyphen_values = true)]
        eta: String,
        /// Starts LO:HI:M.
        #[arg(long, allow_hyphen_values = true)]
        x0: String,
        /// Steps discarded before plotting.
        #[arg(long, default_value = "1000", allow_hyphen_values = true)]
        transient: String,
        /// Points kept per (η, start).
        #[arg(long, default_value = "64", allow_hyphen_values = true)]
        points: String,
        /// Output folder (or the folder of shard files with --shard).
        #[arg(long)]
        out: PathBuf,
        /// Run one shard: I/N, or `slurm` for Slurm's array variables.
        #[arg(long)]
        shard: Option<String>,
    },
    /// Basin map of a 2-D loss: labels (u32 binary), a JSON legend and an SVG map.
    Basins {
        /// The loss formula in x and y.
        #[arg(long)]
        loss: String,
        /// The step size.
        #[arg(long, allow_hyphen_values = true)]
        eta: String,
        /// Starts per axis.
        #[arg(long, allow_hyphen_values = true)]
        grid: String,
        /// Range of x, LO:HI.
        #[arg(long, allow_hyphen_values = true)]
        x: String,
        /// Range of y, LO:HI.
        #[arg(long, allow_hyphen_values = true)]
        y: String,
        /// Step budget per start.
        #[arg(long, default_value = "2000", allow_hyphen_values = true)]
        max_iterations: String,
        /// Output folder (or the folder of shard files with --shard).
        #[arg(long)]
        out: PathBuf,
        /// Run one shard: I/N, or `slurm` for Slurm's array variables.
        #[arg(long)]
        shard: Option<String>,
    },
    /// The empirical stability boundary of the minimum GD reaches from a point, beside 2/λmax.
    Boundary {
        /// The loss formula.
        #[arg(long)]
        loss: String,
        /// A point near the minimum, A[,B…].
        #[arg(long, allow_hyphen_values = true)]
        near: String,
        /// JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// The edge of stability of a network on real data: GD at η with λmax sampled every few steps;
    /// writes eos.json, eos.csv, losses.csv and edge-of-stability.svg into --out.
    Eos {
        /// The data: digits (shipped, 1797 × 64, 10 classes) or idx (--images, --labels).
        #[arg(long, default_value = "digits")]
        data: String,
        /// IDX images file (MNIST format, raw or .gz), with --data idx.
        #[arg(long)]
        images: Option<PathBuf>,
        /// IDX labels file, with --data idx.
        #[arg(long)]
        labels: Option<PathBuf>,
        /// Classes of the labels.
        #[arg(long, default_value = "10")]
        classes: String,
        /// Use the first N samples only.
        #[arg(long)]
        count: Option<String>,
        /// Inputs' scale factor (default 1/16 for digits, 1/255 for idx).
        #[arg(long)]
        scale: Option<String>,
        /// Hidden widths A[,B…] (input and output sizes come from the data).
        #[arg(long, default_value = "200,200")]
        hidden: String,
        /// relu, tanh or identity.
        #[arg(long, default_value = "tanh")]
        activation: String,
        /// squared or softmax_cross_entropy.
        #[arg(long, default_value = "squared")]
        loss: String,
        /// The step size, or LO:HI:N step sizes (a sweep: eos-sweep.{csv,json,svg}).
        #[arg(long, allow_hyphen_values = true)]
        eta: String,
        /// Initializations per step size, seeds --seed, --seed + 1, … (more than one: a sweep).
        #[arg(long, default_value = "1")]
        seeds: String,
        /// Compute only shard I/N (0-based) of a sweep's (η, seed) tasks, or "slurm", and
        /// write a shard file to --out for `stepsize merge`.
        #[arg(long)]
        shard: Option<String>,
        /// GD steps.
        #[arg(long, default_value = "1000")]
        steps: String,
        /// Steps between λmax samples.
        #[arg(long, default_value = "25")]
        every: String,
        /// Initialization seed (W ~ N(0, 1/fan_in), b = 0).
        #[arg(long, default_value = "0")]
        seed: String,
        /// Start from a file of d little-endian f64 instead (e.g. SPEC W6's w6-theta0.f64).
        #[arg(long)]
        theta0: Option<PathBuf>,
        /// Also integrate the central flow from GD's iterate at step FROM to the end, beside
        /// GD: central-flow.{json,csv,svg} and the claims table (one η only).
        #[arg(long, value_name = "FROM")]
        central_flow: Option<String>,
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
    },
    /// Joins the shard files of one sweep into the output of the unsharded run.
    Merge {
        /// The folder of shard files.
        dir: PathBuf,
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

fn run(cli: Cli) -> Result<(), CliError> {
    stepsize_cli::termination::watch_sigterm()?;
    if let Some(threads) = &cli.threads {
        let n = values::count("--threads", threads, 1, gd_core::MAX_THREADS)?;
        gd_core::set_global_threads("--threads", n)?;
    }
    match cli.command {
        Command::Run {
            loss,
            theta0,
            eta,
            json,
        } => run_command(&loss, &theta0, &eta, json),
        Command::Stability {
            loss,
            at,
            eta,
            json,
        } => {
            let at = values::point("--at", &at)?;
            let eta = eta.map(|e| values::eta("--eta", &e)).transpose()?;
            let f = Formula::parse(&loss, at.len())?;
            let s = stability(&f, &at, eta)?;
            if json {
                outln!("{}", serde_json::json!(s));
            } else {
                outln!(
                    "at {:?}: loss {:.6e}, |∇f| {:.3e}, λmax {:.6e}, λmin {:.6e}, 2/λmax {}",
                    s.point,
                    s.loss,
                    s.gradient_norm,
                    s.extremes.sharpness(),
                    s.extremes.smallest.value,
                    s.max_stable_step
                        .map_or("none (λmax ≤ 0)".into(), |v| format!("{v:.6e}"))
                );
                if let Some(l) = s.at_eta {
                    outln!(
                        "at η = {}: spectral radius of I − η∇²f {:.6}, {:?}",
                        l.eta,
                        l.spectral_radius,
                        l.stability
                    );
                }
            }
            Ok(())
        }
        Command::Boundary { loss, near, json } => {
            let near = values::point("--near", &near)?;
            let f = Formula::parse(&loss, near.len())?;
            let b = stability_boundary(&f, &near, &BoundaryOptions::default())?;
            if json {
                outln!("{}", serde_json::json!(b));
            } else {
                outln!(
                    "minimum {:?} (loss {:.6e}): 2/λmax = {:.6}, empirical boundary {:.6} (bracket {:.6}..{:.6}, {} runs)",
                    b.minimum,
                    b.loss,
                    b.theory,
                    b.empirical,
                    b.bracket.0,
                    b.bracket.1,
                    b.trials
                );
            }
            Ok(())
        }
        Command::OrbitDiagram {
            loss,
            eta,
            x0,
            transient,
            points,
            out,
            shard,
        } => {
            let etas = values::axis("--eta", &eta, 1 << 14)?;
            if etas.bounds().0 <= 0.0 {
                return Err(CliError::flag("--eta", &eta, "step sizes > 0 (LO > 0)"));
            }
            let starts = values::axis("--x0", &x0, 1 << 10)?;
            let points = values::count("--points", &points, 1, 10_000)?;
            if etas.len() * starts.len() * points > 1 << 26 {
                return Err(CliError::flag(
                    "--points",
                    points,
                    "at most 2²⁶ points in all (N × M × points)",
                ));
            }
            let sweep = Sweep::OrbitDiagram {
                loss,
                eta: axis_triple(etas),
                x0: axis_triple(starts),
                transient: values::count("--transient", &transient, 0, 1_000_000)?,
                points,
            };
            sweep_command(sweep, out, shard)
        }
        Command::Basins {
            loss,
            eta,
            grid,
            x,
            y,
            max_iterations,
            out,
            shard,
        } => {
            let sweep = Sweep::Basins {
                loss,
                eta: values::eta("--eta", &eta)?,
                grid: values::count("--grid", &grid, 2, MAX_GRID)?,
                x: values::range("--x", &x)?,
                y: values::range("--y", &y)?,
                max_iterations: values::count("--max-iterations", &max_iterations, 1, 1_000_000)?,
            };
            sweep_command(sweep, out, shard)
        }
        Command::Eos {
            data,
            images,
            labels,
            classes,
            count,
            scale,
            hidden,
            activation,
            loss,
            eta,
            seeds,
            shard,
            steps,
            every,
            seed,
            theta0,
            central_flow,
            out,
        } => {
            let etas = stepsize_cli::eos::eta_axis(&eta)?;
            let seeds = values::count("--seeds", &seeds, 1, 1 << 16)?;
            let eos = stepsize_cli::eos::Eos::from_flags(&stepsize_cli::eos::EosFlags {
                data,
                images,
                labels,
                classes,
                count,
                scale,
                hidden,
                activation,
                loss,
                eta,
                seeds: seeds.to_string(),
                steps,
                every,
                seed,
                theta0,
            })?;
            let flow_from = central_flow
                .map(|text| values::count("--central-flow", &text, 0, eos.steps.saturating_sub(1)))
                .transpose()?;
            if etas.2 > 1 || seeds > 1 || shard.is_some() {
                if let Some(from) = flow_from {
                    return Err(CliError::flag(
                        "--central-flow",
                        from,
                        "one η and one seed, unsharded (not with a sweep)",
                    ));
                }
                let sweep = Sweep::Eos {
                    setting: eos,
                    eta: etas,
                    seeds,
                };
                return sweep_command(sweep, out, shard);
            }
            let bar = terminal_bar();
            let progress = |done: usize, total: usize| {
                if let Some(bar) = &bar {
                    bar.set_length(total as u64);
                    bar.set_position(done as u64);
                }
            };
            stage("computing");
            let result = stepsize_cli::termination::checked(eos.run(gd_core::analyses::Monitor {
                progress: Some(&progress),
                stop: None,
            }))?;
            if let Some(bar) = &bar {
                bar.finish_and_clear();
            }
            match (result.onset, result.ratio_after_onset) {
                (Some(onset), Some(r)) => outln!(
                    "2/η = {:.6}: onset at step {onset}; λmax/(2/η) after it {:.4} ± {:.4}",
                    result.threshold,
                    r.mean,
                    r.std
                ),
                _ => outln!(
                    "2/η = {:.6}: no onset within {} steps",
                    result.threshold,
                    eos.steps
                ),
            }
            // Every result is computed before any file is written.
            let flow = match flow_from {
                Some(from) => {
                    stage("integrating the central flow");
                    let started = std::time::Instant::now();
                    let flow =
                        stepsize_cli::termination::checked(stepsize_cli::central_flow::run(
                            &eos,
                            from,
                            gd_core::analyses::Monitor {
                                progress: Some(&progress),
                                stop: None,
                            },
                        ))?;
                    if let Some(bar) = &bar {
                        bar.finish_and_clear();
                    }
                    Some((flow, started.elapsed().as_secs_f64()))
                }
                None => None,
            };
            stepsize_cli::termination::checked(Ok(()))?;
            for path in eos.write(&result, &out)? {
                outln!("wrote {}", path.display());
            }
            if let Some((flow, seconds)) = flow {
                outln!("{}", stepsize_cli::central_flow::summary(&flow, seconds));
                for path in stepsize_cli::central_flow::write(&eos, &flow, &out)? {
                    outln!("wrote {}", path.display());
                }
            }
            Ok(())
        }
        Command::Merge { dir, out } => {
            let (invocation, files) = shard_file::read_all(&dir)?;
            let sweep: Sweep =
                serde_json::from_value(invocation).map_err(|e| CliError::Shards {
                    folder: dir.display().to_string(),
                    reason: format!("the shards' invocation is not a sweep: {e}"),
                })?;
            stage("merging");
            for path in sweep.write(files, &dir, &out)? {
                outln!("wrote {path}");
            }
            Ok(())
        }
    }
}

fn axis_triple(a: gd_core::analyses::Axis) -> (f64, f64, usize) {
    let (lo, hi) = a.bounds();
    (lo, hi, a.len())
}

/// A progress bar when stderr is a terminal.
fn terminal_bar() -> Option<ProgressBar> {
    std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new(1);
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    })
}

/// Prints one line per stage when stderr is not a terminal.
fn stage(what: &str) {
    if !std::io::stderr().is_terminal() {
        eprintln!("{what}");
    }
}

fn sweep_command(sweep: Sweep, out: PathBuf, shard: Option<String>) -> Result<(), CliError> {
    sweep.check()?;
    let shard = shard.map(|s| values::shard(&s)).transpose()?;
    let bar = terminal_bar();
    let progress = |done: usize, total: usize| {
        if let Some(bar) = &bar {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        }
    };
    stage("computing");
    let whole = Shard::new(0, 1).map_err(CliError::from)?;
    let file =
        stepsize_cli::termination::checked(sweep.compute(shard.unwrap_or(whole), Some(&progress)))?;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    if shard.is_some() {
        let path = shard_file::write(&out, &file)?;
        outln!("wrote {}", path.display());
    } else {
        stage("writing");
        for path in sweep.write(vec![file], &out, &out)? {
            outln!("wrote {path}");
        }
    }
    Ok(())
}

fn run_command(loss: &str, theta0: &str, eta: &str, json: bool) -> Result<(), CliError> {
    let theta0 = values::point("--theta0", theta0)?;
    let eta = values::eta("--eta", eta)?;
    let f = Formula::parse(loss, theta0.len())?;
    let t = attractor_of(&f, &theta0, eta)?;
    let state = t.final_state.as_ref();
    let end = end_stability(&f, &t.attractor, eta)?;
    let mut report = serde_json::json!({
        "kind": t.attractor.kind(),
        "steps": t.iterations,
        "loss": state.map(|s| s.loss),
        "period": t.attractor.period(),
        "multipliers": end.as_ref().map(|e| &e.multipliers),
        "spectral_radius": end.as_ref().map(|e| e.spectral_radius),
        "stability": end.as_ref().map(|e| e.stability),
    });
    match &t.attractor {
        Attractor::FixedPoint { point, .. } => report["point"] = serde_json::json!(point),
        Attractor::Periodic { orbit, .. } => report["orbit"] = serde_json::json!(orbit),
        Attractor::Diverged { at_iteration } => {
            report["diverged_at"] = serde_json::json!(at_iteration);
        }
        Attractor::Unresolved { lyapunov } => {
            report["lyapunov_exponent"] = serde_json::json!(lyapunov);
        }
        other => report["attractor"] = serde_json::json!(other),
    }
    if json {
        outln!("{report}");
    } else {
        outln!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        );
    }
    Ok(())
}
