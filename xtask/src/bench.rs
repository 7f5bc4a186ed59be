//! `cargo xtask bench`: times the workloads of shared/bench/SPEC.md (xtask/src/workloads.rs)
//! and prints one JSON line each, like the peers; measures the machine's f64 GEMM rate with
//! faer; and, when `PEER_PYTHON` names a Python with the peers' requirements, runs the fastest
//! peers side by side through their own bench.py and prints the ratios.

use crate::load_guard::{self, Runs, median};
use crate::workloads::{W1, W2, W3, W4, W5Loss, W5Manual, WorkloadResult, w5};
use gd_core::Autodiff;
use std::path::Path;
use std::time::Instant;

/// Clean timed repetitions after one warm-up run (medians of 5, as the spec asks).
const REPETITIONS: usize = 5;

/// A workload's first run (timed alone: the first run a user waits for), then its guarded
/// repetitions (`load_guard`), each a warm run and the timed run right after it, as each of
/// the peers' processes does (`run_timed` in the peers); every run checked to give the first
/// run's bits.
fn time<F: FnMut() -> gd_repro::Result<WorkloadResult>>(
    mut run: F,
) -> gd_repro::Result<(Runs, f64, WorkloadResult)> {
    let started = Instant::now();
    let first = run()?;
    let first_seconds = started.elapsed().as_secs_f64();
    let same = |r: WorkloadResult| {
        assert_eq!(
            r.check.to_bits(),
            first.check.to_bits(),
            "a workload must be deterministic"
        );
    };
    let runs = load_guard::repeat(REPETITIONS, || {
        same(run()?);
        let t = Instant::now();
        let r = run()?;
        let seconds = t.elapsed().as_secs_f64();
        same(r);
        Ok::<f64, gd_repro::ReproError>(seconds)
    })?;
    Ok((runs, first_seconds, first))
}

/// f64 GEMM rate of faer on 2048² matrices, with 1 and 2 threads (GFLOP/s).
fn gemm_rate() -> (f64, f64) {
    use faer::linalg::matmul::matmul;
    use faer::{Accum, Mat, Par};
    let n = 2048;
    let a = Mat::from_fn(n, n, |i, j| ((i * 7 + j * 3) % 11) as f64 * 0.1);
    let b = Mat::from_fn(n, n, |i, j| ((i * 5 + j) % 13) as f64 * 0.1);
    let mut c = Mat::<f64>::zeros(n, n);
    let mut rate = |par: Par| {
        matmul(c.as_mut(), Accum::Replace, a.as_ref(), b.as_ref(), 1.0, par);
        let t = Instant::now();
        let reps = 3;
        for _ in 0..reps {
            matmul(c.as_mut(), Accum::Replace, a.as_ref(), b.as_ref(), 1.0, par);
        }
        2.0 * (n as f64).powi(3) * reps as f64 / t.elapsed().as_secs_f64() / 1e9
    };
    (rate(Par::Seq), rate(Par::rayon(2)))
}

/// f64 GEMM rate of faer on 32 × 32 matrices on one core (GFLOP/s): the rate W2's products
/// could reach at best, which the 2048² rate overstates.
fn gemm_rate_32() -> f64 {
    use faer::linalg::matmul::matmul;
    use faer::{Accum, Mat, Par};
    let n = 32;
    let a = Mat::from_fn(n, n, |i, j| ((i * 7 + j * 3) % 11) as f64 * 0.1);
    let b = Mat::from_fn(n, n, |i, j| ((i * 5 + j) % 13) as f64 * 0.1);
    let mut c = Mat::<f64>::zeros(n, n);
    let reps = 20_000;
    let mut seconds = Vec::with_capacity(REPETITIONS);
    for _ in 0..REPETITIONS {
        let t = Instant::now();
        for _ in 0..reps {
            matmul(
                c.as_mut(),
                Accum::Replace,
                a.as_ref(),
                b.as_ref(),
                1.0,
                Par::Seq,
            );
        }
        seconds.push(t.elapsed().as_secs_f64());
    }
    2.0 * (n as f64).powi(3) * reps as f64 / median(seconds) / 1e9
}

struct Line {
    workload: &'static str,
    variant: &'static str,
    runs: Runs,
    first: f64,
    process: Runs,
    result: WorkloadResult,
}

impl Line {
    /// Whether both medians are over `REPETITIONS` clean runs (dirty ones were repeated).
    fn clean(&self) -> bool {
        self.runs.clean_count() == REPETITIONS && self.process.clean_count() == REPETITIONS
    }
}

/// The fastest peers of each formulation for W1–W5 (peers/RESULTS.md; PyTorch is never the
/// fastest of them). W6 is compared with JAX and PyTorch both (`w6_calls`, `w6_full`).
const PEERS: [(&str, &str); 7] = [
    ("W1", "jax:W1:fori"),
    ("W2", "numpy:W2:cov"),
    ("W2", "jax:W2:cov"),
    ("W3", "jax:W3:manual"),
    ("W4", "numpy:W4:cov"),
    ("W4", "jax:W4:cov"),
    ("W5", "jax:W5:manual"),
];

/// A peer's medians over fresh processes: timed region and whole process, with bench.py's
/// count of clean and dirty runs.
struct PeerMedian {
    spec: String,
    seconds: f64,
    process_seconds: f64,
    clean_runs: u64,
    dirty_runs: u64,
}

fn peer_medians(python: &str, peers_dir: &Path, selected: &Selection) -> Vec<PeerMedian> {
    let specs: Vec<&str> = PEERS
        .iter()
        .filter(|p| selected.has(p.0))
        .map(|p| p.1)
        .collect();
    if specs.is_empty() {
        return Vec::new();
    }
    let out = std::process::Command::new(python)
        .arg(peers_dir.join("bench.py"))
        .args(["-n", &REPETITIONS.to_string()])
        .args(&specs)
        .env("PEER_PYTHON", python)
        .current_dir(peers_dir)
        .output();
    let Ok(out) = out else {
        eprintln!("could not run the peers with {python}");
        return Vec::new();
    };
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| {
            Some(PeerMedian {
                spec: v.get("summary")?.as_str()?.to_string(),
                seconds: v.get("median_seconds")?.as_f64()?,
                process_seconds: v.get("median_wall_process")?.as_f64()?,
                clean_runs: v.get("clean_runs")?.as_u64()?,
                dirty_runs: v.get("dirty_runs")?.as_u64()?,
            })
        })
        .collect()
}

/// Builds one workload and runs it once; returns its check value.
pub fn run_once(workload: &str) -> Result<f64, Box<dyn std::error::Error>> {
    let result = match workload {
        "W1" => W1::new().run()?,
        "W2" => W2::new(true)?.run()?,
        "W2-sample" => W2::new(false)?.run()?,
        "W3" => W3::new()?.run()?,
        "W4" => W4::new()?.run()?,
        "W5" => w5(&W5Manual)?,
        "W5-autodiff" => w5(&Autodiff::new(W5Loss))?,
        "W6" => {
            crate::workloads::W6::new(&crate::workloads::w6_theta0_path(&crate::project_root()))?
                .run()?
        }
        other => {
            return Err(format!(
                "unknown workload {other:?} (W1, W2, W2-sample, W3, W4, W5, W5-autodiff, W6)"
            )
            .into());
        }
    };
    for (name, value) in &result.extra {
        eprintln!("{workload} {name}: {value}");
    }
    Ok(result.check)
}

/// Wall times of fresh processes that build and run `workload` once (what a user waits for
/// from start to result), guarded against other load as the in-process runs are.
fn process_runs(workload: &str) -> Result<Runs, Box<dyn std::error::Error>> {
    let exe = std::env::current_exe()?;
    load_guard::repeat(REPETITIONS, || {
        let t = Instant::now();
        let status = std::process::Command::new(&exe)
            .args(["bench-process", workload])
            .stdout(std::process::Stdio::null())
            .status()?;
        if status.success() {
            Ok(t.elapsed().as_secs_f64())
        } else {
            Err(format!("bench-process {workload} failed").into())
        }
    })
}

/// The workloads `cargo xtask bench --only` names (all when empty).
pub struct Selection(Vec<String>);

/// The workloads there are: W5 is both its variants, W6 its calls and its full run.
const WORKLOADS: [&str; 6] = ["W1", "W2", "W3", "W4", "W5", "W6"];

impl Selection {
    /// Checks the names against `WORKLOADS`.
    pub fn new(names: Vec<String>) -> Result<Self, String> {
        match names.iter().find(|n| !WORKLOADS.contains(&n.as_str())) {
            Some(bad) => Err(format!(
                "--only: unknown workload {bad:?} (allowed: {})",
                WORKLOADS.join(", ")
            )),
            None => Ok(Self(names)),
        }
    }

    fn has(&self, workload: &str) -> bool {
        self.0.is_empty() || self.0.iter().any(|n| n == workload)
    }
}

/// The check of each workload's result against the spec (W5's for both variants).
fn agrees_with_spec(workload: &str, check: f64) -> bool {
    match workload {
        "W1" => (check - 116430.0).abs() <= 0.005 * 116430.0,
        "W2" => check < 1e-20,
        "W3" => ((check - 865.91654851765) / 865.91654851765).abs() <= 1e-9,
        "W4" => ((check - 84.90645197517625) / 84.90645197517625).abs() <= 1e-6,
        "W5" => (check - 399810.0).abs() <= 0.005 * 399810.0,
        _ => true,
    }
}

/// Runs the benchmark for the selected workloads; returns false if a check disagrees with
/// the spec.
pub fn run(root: &Path, selected: &Selection) -> Result<bool, Box<dyn std::error::Error>> {
    let (gemm1, gemm2) = gemm_rate();
    let gemm32 = gemm_rate_32();
    outln!(
        "{}",
        serde_json::json!({"machine": {"faer_gemm_2048_gflops_1_thread": gemm1, "faer_gemm_2048_gflops_2_threads": gemm2, "faer_gemm_32_gflops_1_thread": gemm32, "threads": rayon_threads()}})
    );
    type Build<'a> =
        &'a dyn Fn() -> gd_repro::Result<Box<dyn FnMut() -> gd_repro::Result<WorkloadResult>>>;
    let build_w1: Build = &|| {
        let w1 = W1::new();
        Ok(Box::new(move || w1.run()))
    };
    let build_w2c: Build = &|| {
        let w = W2::new(true)?;
        Ok(Box::new(move || w.run()))
    };
    let build_w2s: Build = &|| {
        let w = W2::new(false)?;
        Ok(Box::new(move || w.run()))
    };
    let build_w3: Build = &|| {
        let w = W3::new()?;
        Ok(Box::new(move || w.run()))
    };
    let build_w4: Build = &|| {
        let w = W4::new()?;
        Ok(Box::new(move || w.run()))
    };
    let build_w5m: Build = &|| Ok(Box::new(|| w5(&W5Manual)));
    let build_w5a: Build = &|| Ok(Box::new(|| w5(&Autodiff::new(W5Loss))));
    let mut lines = Vec::new();
    for (workload, variant, process, build) in [
        ("W1", "lanes-cycle-stop", "W1", build_w1),
        ("W2", "cov", "W2", build_w2c),
        ("W2", "sample", "W2-sample", build_w2s),
        ("W3", "sorted-scalar", "W3", build_w3),
        ("W4", "cov", "W4", build_w4),
        ("W5", "manual", "W5", build_w5m),
        ("W5", "autodiff", "W5-autodiff", build_w5a),
    ] {
        if !selected.has(workload) {
            continue;
        }
        let (runs, first, result) = time(build()?)?;
        let process = process_runs(process)?;
        let seconds = runs.median_seconds();
        let mut json = serde_json::json!({
            "workload": workload, "impl": "stepsize", "variant": variant, "seconds": seconds,
            "first_run_seconds": first, "process_wall_seconds": process.median_seconds(),
            "steps": result.steps, "check": result.check,
            "gflops": result.flops / seconds / 1e9,
            "fraction_of_gemm_rate": result.flops / seconds / 1e9 / gemm2,
            "fraction_of_gemm_32_one_core": result.flops / seconds / 1e9 / gemm32,
        });
        for (k, v) in &result.extra {
            json[*k] = serde_json::json!(v);
        }
        runs.report("", &mut json);
        process.report("process_", &mut json);
        outln!("{json}");
        lines.push(Line {
            workload,
            variant,
            runs,
            first,
            process,
            result,
        });
    }
    let mut ok = true;
    for l in &lines {
        if !agrees_with_spec(l.workload, l.result.check) {
            eprintln!(
                "{} {}: check disagrees with the spec",
                l.workload, l.variant
            );
            ok = false;
        }
    }
    let peers_dir = root
        .parent()
        .map(|p| p.join("shared/bench/peers"))
        .unwrap_or_default();
    if let Ok(python) = std::env::var("PEER_PYTHON") {
        outln!("running the fastest peers side by side ({python}) ...");
        let medians = peer_medians(&python, &peers_dir, selected);
        for (workload, spec) in PEERS.iter().filter(|p| selected.has(p.0)) {
            let Some(fastest) = lines
                .iter()
                .filter(|l| l.workload == *workload)
                .min_by(|a, b| a.runs.median_seconds().total_cmp(&b.runs.median_seconds()))
            else {
                continue;
            };
            // W5's targets are per variant (manual ≥ 10×, autodiff ≥ 3×): compare each.
            let ours: Vec<&Line> = if *workload == "W5" {
                lines.iter().filter(|l| l.workload == "W5").collect()
            } else {
                vec![fastest]
            };
            if let Some(peer) = medians.iter().find(|m| m.spec == *spec) {
                for ours in ours {
                    let seconds = ours.runs.median_seconds();
                    let process = ours.process.median_seconds();
                    outln!(
                        "{}",
                        serde_json::json!({
                            "workload": workload, "variant": ours.variant, "peer": spec,
                            "peer_seconds": peer.seconds, "stepsize_seconds": seconds,
                            "speedup": peer.seconds / seconds,
                            "peer_process_wall_seconds": peer.process_seconds,
                            "stepsize_process_wall_seconds": process,
                            "process_speedup": peer.process_seconds / process,
                            "peer_clean_runs": peer.clean_runs, "peer_dirty_runs": peer.dirty_runs,
                            "clean": ours.clean() && peer.clean_runs == REPETITIONS as u64,
                        })
                    );
                }
            } else {
                eprintln!("{spec}: no result (is it installed in PEER_PYTHON?)");
            }
        }
    } else {
        outln!(
            "(set PEER_PYTHON to a Python with peers/requirements.txt to time the peers in the same run)"
        );
    }
    if selected.has("W6") {
        w6_calls(root, gemm2)?;
        if !w6_full(root)? {
            ok = false;
        }
    }
    if selected.has("W4") {
        eprintln!("W4 one HVP: {:.1} µs", W4::new()?.seconds_per_hvp(51) * 1e6);
    }
    if selected.has("W5") {
        crate::autodiff_cost::run();
    }
    for l in &lines {
        eprintln!(
            "{} {:<18} median {:.4} s over {} clean runs ({} dirty; first run {:.4} s, whole process {:.3} s over {} clean, {} dirty)",
            l.workload,
            l.variant,
            l.runs.median_seconds(),
            l.runs.clean_count(),
            l.runs.dirty_count(),
            l.first,
            l.process.median_seconds(),
            l.process.clean_count(),
            l.process.dirty_count(),
        );
    }
    Ok(ok)
}

/// SPEC W6 in full (1000 steps, λmax every 25), one run each as the peers do (theirs are
/// compiled ahead of time and run once): ours, then JAX's and PyTorch's (`jax_peer.py W6`,
/// `torch_peer.py W6`) with `PEER_PYTHON`, and the checks against each (loss at step 1000 to a
/// relative 10⁻⁹, λmax at step 1000 to 10⁻⁶). Returns false if a check disagrees.
fn w6_full(root: &Path) -> Result<bool, Box<dyn std::error::Error>> {
    let w6 = crate::workloads::W6::new(&crate::workloads::w6_theta0_path(root))?;
    let started = Instant::now();
    let result = w6.run()?;
    let seconds = started.elapsed().as_secs_f64();
    let extra = |name: &str| {
        result
            .extra
            .iter()
            .find(|(k, _)| *k == name)
            .map_or(f64::NAN, |(_, v)| *v)
    };
    let (loss, lambda) = (result.check, extra("lambda_max_last"));
    let mut json = serde_json::json!({
        "workload": "W6", "impl": "stepsize", "variant": "thick-restart-lanczos",
        "seconds": seconds, "steps": result.steps, "check": loss,
        "gflops": result.flops / seconds / 1e9,
    });
    for (k, v) in &result.extra {
        json[*k] = serde_json::json!(v);
    }
    outln!("{json}");
    let Ok(python) = std::env::var("PEER_PYTHON") else {
        return Ok(true);
    };
    let peers_dir = root
        .parent()
        .map(|p| p.join("shared/bench/peers"))
        .unwrap_or_default();
    let mut ok = true;
    for script in ["jax_peer.py", "torch_peer.py"] {
        let out = std::process::Command::new(&python)
            .args([script, "W6"])
            .current_dir(&peers_dir)
            .output()?;
        let Some(v) = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .next_back()
        else {
            eprintln!("{script} W6: no result (is it installed in PEER_PYTHON?)");
            continue;
        };
        let number = |k: &str| {
            v.get(k)
                .and_then(serde_json::Value::as_f64)
                .unwrap_or(f64::NAN)
        };
        let (peer_seconds, peer_loss, peer_lambda) = (
            number("seconds"),
            number("check"),
            number("lambda_max_last"),
        );
        let loss_agrees = ((loss - peer_loss) / peer_loss).abs() <= 1e-9;
        let lambda_agrees = ((lambda - peer_lambda) / peer_lambda).abs() <= 1e-6;
        ok &= loss_agrees && lambda_agrees;
        outln!(
            "{}",
            serde_json::json!({
                "workload": "W6", "peer": script, "peer_seconds": peer_seconds,
                "peer_hvps": number("hvps"), "stepsize_seconds": seconds,
                "stepsize_hvps": extra("hvps"), "speedup": peer_seconds / seconds,
                "loss_relative_difference": ((loss - peer_loss) / peer_loss).abs(),
                "lambda_max_relative_difference": ((lambda - peer_lambda) / peer_lambda).abs(),
                "check_agrees": loss_agrees && lambda_agrees,
            })
        );
    }
    Ok(ok)
}

/// Calls the peers time at W6 (median of 31 each, as theirs).
const W6_CALL_REPETITIONS: usize = 31;

/// W6's single calls: ours (gradient, HVP with its own forward pass, HVP reusing a gradient's),
/// with GFLOP/s and the fraction of the same run's two-thread GEMM rate; then, with
/// `PEER_PYTHON`, JAX's and PyTorch's (`jax_peer.py W6 calls`, `torch_peer.py W6 calls`) right
/// after, and the ratios to the faster of the two.
fn w6_calls(root: &Path, gemm2: f64) -> Result<(), Box<dyn std::error::Error>> {
    let w6 = crate::workloads::W6::new(&crate::workloads::w6_theta0_path(root))?;
    let (gradient, cold, reusing, loss) = w6.call_seconds(W6_CALL_REPETITIONS);
    let (gradient_flops, hvp_flops) = w6.flops();
    outln!(
        "{}",
        serde_json::json!({
            "workload": "W6", "impl": "stepsize", "variant": "calls", "loss_at_theta0": loss,
            "gradient_seconds": gradient, "hvp_seconds": cold, "hvp_reusing_forward_seconds": reusing,
            "gradient_gflops": gradient_flops / gradient / 1e9, "hvp_gflops": hvp_flops / cold / 1e9,
            "gradient_fraction_of_gemm_rate": gradient_flops / gradient / 1e9 / gemm2,
            "hvp_fraction_of_gemm_rate": hvp_flops / cold / 1e9 / gemm2,
            "gradient_gflop": gradient_flops / 1e9, "hvp_gflop": hvp_flops / 1e9,
        })
    );
    let Ok(python) = std::env::var("PEER_PYTHON") else {
        return Ok(());
    };
    let peers_dir = root
        .parent()
        .map(|p| p.join("shared/bench/peers"))
        .unwrap_or_default();
    let mut fastest: Option<(f64, f64)> = None;
    for script in ["jax_peer.py", "torch_peer.py"] {
        let out = std::process::Command::new(&python)
            .args([script, "W6", "calls"])
            .current_dir(&peers_dir)
            .output()?;
        let line = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .next_back();
        let Some(times) = line.and_then(|v| {
            Some((
                v.get("gradient_seconds")?.as_f64()?,
                v.get("hvp_seconds")?.as_f64()?,
            ))
        }) else {
            eprintln!("{script} W6 calls: no result (is it installed in PEER_PYTHON?)");
            continue;
        };
        outln!(
            "{}",
            serde_json::json!({"workload": "W6", "peer": script, "gradient_seconds": times.0, "hvp_seconds": times.1})
        );
        fastest = Some(fastest.map_or(times, |f| (f.0.min(times.0), f.1.min(times.1))));
    }
    if let Some((peer_gradient, peer_hvp)) = fastest {
        outln!(
            "{}",
            serde_json::json!({
                "workload": "W6", "variant": "calls",
                "gradient_speedup_over_fastest_peer": peer_gradient / gradient,
                "hvp_speedup_over_fastest_peer": peer_hvp / cold,
            })
        );
    }
    Ok(())
}

fn rayon_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
