//! Sharpness λmax(∇²f(θ_k)) along a GD trajectory, in one call.

use crate::error::{Result, out_of_range};
use crate::objective::Objective;
use crate::record::Trajectory;
use crate::run::run_gd;
use crate::run_config::{Observe, RunConfig};
use crate::schedule::Schedule;

/// Runs GD from `theta0` with `schedule` for `steps` steps (it stops early only on divergence
/// or on a state that repeats bitwise, a float fixed point) and samples λmax and λmin every `every`
/// steps (Lanczos warm-started along the way), with the loss at the same steps. The samples are
/// in `record.sharpness`, the losses in `record.loss`.
///
/// # Example
/// ```
/// use gd_core::analyses::sharpness_along;
/// use gd_core::{Autodiff, Loss, Schedule, num_dual::DualNum};
///
/// struct Quartic; // x⁴/4: f″ = 3x² shrinks as GD approaches 0
/// impl Loss for Quartic {
///     fn dim(&self) -> usize { 1 }
///     fn loss<D: DualNum<Primitive = f64> + Copy>(&self, t: &[D]) -> D {
///         t[0].powi(4) * 0.25
///     }
/// }
/// let run = sharpness_along(&Autodiff::new(Quartic), &[1.0], Schedule::constant(0.1).unwrap(), 100, 10)
///     .unwrap();
/// let s = &run.record.sharpness;
/// assert_eq!(s[0].iteration, 0);
/// assert!(s.len() >= 10 && s.iter().all(|x| x.iteration % 10 == 0));
/// assert!((s[0].sharpness - 3.0).abs() < 1e-12 && s[9].sharpness < s[0].sharpness);
/// ```
pub fn sharpness_along<O: Objective>(
    objective: &O,
    theta0: &[f64],
    schedule: Schedule,
    steps: usize,
    every: usize,
) -> Result<Trajectory> {
    if every == 0 {
        return Err(out_of_range(
            "every",
            0,
            "at least 1 (steps between samples)",
        ));
    }
    let config = RunConfig {
        max_iterations: steps,
        max_period: 1,
        tolerance: 0.0,
        observe: Observe {
            loss_every: every,
            sharpness_every: every,
            ..Observe::default()
        },
        ..RunConfig::default()
    };
    run_gd(objective, theta0, schedule, &config)
}
