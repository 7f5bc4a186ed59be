//! One module per catalogue result of Nar & Sastry and of Mohtashami, Jaggi & Stich.

use crate::error::Result;
use crate::registry::{Experiment, RunOptions};
use gd_core::{SweepOptions, sweep};
use rand_chacha::ChaCha8Rng;
use std::sync::atomic::{AtomicUsize, Ordering};

pub mod linear_training;
pub mod mjs_escape;
pub mod mjs_gd;
pub mod mjs_noise;
pub mod mjs_sgd;
pub mod mjs_sharpness;
pub mod mlp_setting;
pub mod ns_depth;
pub mod ns_ex1;
pub mod ns_ex2;
pub mod ns_ex3;
pub mod ns_fig2;
pub mod ns_large_sv;
pub mod ns_residual;
pub mod ns_thm1;
pub mod ns_thm2;
pub mod ns_thm3;
pub mod ns_thm4;

/// Every experiment, in report order.
pub fn all() -> Vec<Experiment> {
    [
        (
            ns_ex1::ID,
            ns_ex1::run as fn(&RunOptions) -> Result<crate::report::Report>,
        ),
        (ns_ex2::ID, ns_ex2::run),
        (ns_ex3::ID, ns_ex3::run),
        (ns_thm1::ID, ns_thm1::run),
        (ns_thm2::ID, ns_thm2::run),
        (ns_thm3::ID, ns_thm3::run),
        (ns_thm4::ID, ns_thm4::run),
        (ns_fig2::ID, ns_fig2::run),
        (ns_depth::ID, ns_depth::run),
        (ns_large_sv::ID, ns_large_sv::run),
        (ns_residual::ID, ns_residual::run),
        (mjs_gd::ID, mjs_gd::run),
        (mjs_sgd::ID, mjs_sgd::run),
        (mjs_escape::ID, mjs_escape::run),
        (mjs_sharpness::ID, mjs_sharpness::run),
        (mjs_noise::ID, mjs_noise::run),
    ]
    .into_iter()
    .map(|(id, run)| Experiment { id, run })
    .collect()
}

/// Runs `task(i, rng)` for i in 0..tasks as a seeded gd-core sweep, reporting progress; the
/// first error (in task order) is returned.
pub(crate) fn seeded_sweep<R, F>(
    id: &str,
    options: &RunOptions,
    tasks: usize,
    seed: u64,
    task: F,
) -> Result<Vec<R>>
where
    R: Send,
    F: Fn(usize, &mut ChaCha8Rng) -> Result<R> + Sync,
{
    let done = AtomicUsize::new(0);
    let results = sweep(tasks, &SweepOptions::seeded(seed), |i, rng| {
        let r = task(i, rng);
        options.progress(id, done.fetch_add(1, Ordering::Relaxed) + 1, tasks);
        r
    })?;
    results.into_iter().collect()
}

/// Evenly spaced values from `lo` to `hi` inclusive.
pub(crate) fn linspace(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    match n {
        0 => Vec::new(),
        1 => vec![lo],
        _ => (0..n)
            .map(|i| lo + (hi - lo) * i as f64 / (n - 1) as f64)
            .collect(),
    }
}

/// Least-squares slope of y on x.
pub(crate) fn slope(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let sxy: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let sxx: f64 = x.iter().map(|a| (a - mx) * (a - mx)).sum();
    sxy / sxx
}
