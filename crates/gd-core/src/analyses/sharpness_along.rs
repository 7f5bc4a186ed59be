//! Sharpness λmax(∇²f(θ_k)) along a GD trajectory, sampled every few steps: the loop behind
//! every edge-of-stability figure (Cohen et al. 2021).
//!
//! Each step evaluates f and ∇f at θ_k; at a sample the top eigenvalues follow by
//! thick-restart Lanczos ([`crate::Lanczos`]) on Hessian-vector products at the same θ_k, in
//! the same workspace (a model may reuse the gradient's forward pass), warm-started from the
//! previous sample's Ritz vectors; then θ_{k+1} = θ_k − η_k∇f(θ_k). Nothing else is computed:
//! no Lyapunov exponent, no end-state classification, λmin only when asked. Every step's loss
//! and the step's component along the newest top eigenvector, ⟨θ_{k+1} − θ_k, u⟩ (the
//! oscillation that holds λmax at 2/η), are kept: a number each per step.

use super::Progress;
use crate::error::{Result, check_dimension, check_finite, out_of_range};
use crate::gd::GradientDescent;
use crate::lanczos::{DEFAULT_BASIS_SIZE, LanczosOptions};
use crate::objective::Objective;
use crate::run_config::{reserved_records, validate_iterations};
use crate::schedule::Schedule;
use crate::sharpness::{Sharpness, SharpnessOptions};
use crate::vector::{dot, norm_within};
use serde::{Deserialize, Serialize};

/// Settings of [`sharpness_along`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SharpnessAlongOptions {
    /// Steps between samples (a sample at step 0 and at every multiple, the last step
    /// included).
    pub every: usize,
    /// Number of largest eigenvalues per sample.
    pub top_k: usize,
    /// A Ritz value counts once its residual is at most this times the largest |Ritz value|;
    /// the eigenvalue is then within that much of an eigenvalue of ∇²f (relative to λmax).
    pub relative_tolerance: f64,
    /// Also converge and report λmin.
    pub lambda_min: bool,
    /// Most Lanczos vectors kept (memory: `basis_size · d` floats).
    pub basis_size: usize,
    /// Most Hessian-vector products per sample.
    pub max_hvps_per_sample: usize,
    /// The run stops as diverged when ‖θ‖₂ exceeds this or the loss is not finite (as
    /// [`crate::RunConfig::divergence_bound`]).
    pub divergence_bound: f64,
}

impl Default for SharpnessAlongOptions {
    /// A sample every 25 steps, λmax to a relative 10⁻⁸ (SPEC W6's setting), no λmin.
    fn default() -> Self {
        Self {
            every: 25,
            top_k: 1,
            relative_tolerance: 1e-8,
            lambda_min: false,
            basis_size: DEFAULT_BASIS_SIZE,
            max_hvps_per_sample: 300,
            divergence_bound: crate::RunConfig::default().divergence_bound,
        }
    }
}

impl SharpnessAlongOptions {
    /// Checks every field, naming the bad one.
    pub fn validate(&self) -> Result<()> {
        if self.every == 0 {
            return Err(out_of_range(
                "every",
                0,
                "at least 1 (steps between samples)",
            ));
        }
        if !(self.divergence_bound.is_finite() && self.divergence_bound > 0.0) {
            return Err(out_of_range(
                "divergence_bound",
                self.divergence_bound,
                "finite and > 0",
            ));
        }
        crate::Lanczos::new(self.lanczos()).map(drop)
    }

    fn lanczos(&self) -> LanczosOptions {
        LanczosOptions {
            top_k: self.top_k,
            relative_tolerance: self.relative_tolerance,
            max_iterations: self.max_hvps_per_sample,
            basis_size: self.basis_size,
            converge_smallest: self.lambda_min,
            ..LanczosOptions::default()
        }
    }
}

/// One sample of the sharpness.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SharpnessSample {
    /// The step k of θ_k.
    pub iteration: usize,
    /// f(θ_k).
    pub loss: f64,
    /// λmax(∇²f(θ_k)).
    pub sharpness: f64,
    /// The `top_k` largest eigenvalues, descending (the first is `sharpness`).
    pub top: Vec<f64>,
    /// λmin, when asked for.
    pub lambda_min: Option<f64>,
    /// The residual of λmax's Ritz pair: |λmax − λ| ≤ residual for an eigenvalue λ.
    pub residual: f64,
    /// Whether every value asked for met the tolerance.
    pub converged: bool,
    /// Hessian-vector products this sample cost.
    pub hessian_vector_products: usize,
}

/// How a tracked run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrackingEnd {
    /// Every step was taken.
    Completed,
    /// The loss left the finite numbers or ‖θ‖ passed the divergence bound at this step.
    Diverged,
    /// The caller's stop hook asked to stop.
    Stopped,
}

impl TrackingEnd {
    /// The name used in files and front ends: "completed", "diverged" or "stopped".
    pub fn name(self) -> &'static str {
        match self {
            Self::Completed => "completed",
            Self::Diverged => "diverged",
            Self::Stopped => "stopped",
        }
    }
}

/// GD with the sharpness sampled along it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SharpnessAlong {
    /// The samples, at steps 0, every, 2·every, … (and none past the end).
    pub samples: Vec<SharpnessSample>,
    /// f(θ_k) for k = 0..=steps (fewer if the run ended early).
    pub losses: Vec<f64>,
    /// ⟨θ_{k+1} − θ_k, u⟩ for each step taken, u the top eigenvector of the newest sample at or
    /// before k (its sign is arbitrary but fixed between samples).
    pub steps_along_top: Vec<f64>,
    /// The step sizes η_k of the steps taken.
    pub etas: Vec<f64>,
    /// Steps taken.
    pub steps: usize,
    /// How it ended.
    pub end: TrackingEnd,
    /// θ after the last step taken.
    pub final_theta: Vec<f64>,
    /// Hessian-vector products in all.
    pub hessian_vector_products: usize,
}

/// What a long run reports to its caller and asks of it.
#[derive(Clone, Copy, Default)]
pub struct Monitor<'a> {
    /// Called with (steps done, steps in all) after every step.
    pub progress: Option<Progress<'a>>,
    /// Asked after every step; `true` stops the run (it ends as [`TrackingEnd::Stopped`]).
    pub stop: Option<&'a (dyn Fn() -> bool + Sync)>,
}

/// Runs GD from `theta0` with `schedule` for `steps` steps and samples λmax (and the loss) at
/// every multiple of `options.every`, the last step included if it is one.
///
/// # Example
/// ```
/// use gd_core::analyses::{Monitor, SharpnessAlongOptions, sharpness_along};
/// use gd_core::{Autodiff, Loss, Schedule, num_dual::DualNum};
///
/// struct Quartic; // x⁴/4: f″ = 3x² shrinks as GD approaches 0
/// impl Loss for Quartic {
///     fn dim(&self) -> usize { 1 }
///     fn loss<D: DualNum<Primitive = f64> + Copy>(&self, t: &[D]) -> D {
///         t[0].powi(4) * 0.25
///     }
/// }
/// let options = SharpnessAlongOptions { every: 10, ..SharpnessAlongOptions::default() };
/// let run = sharpness_along(&Autodiff::new(Quartic), &[1.0], Schedule::constant(0.1).unwrap(), 100,
///     &options, Monitor::default()).unwrap();
/// let s = &run.samples;
/// assert_eq!(s.len(), 11);
/// assert!(s.iter().enumerate().all(|(i, x)| x.iteration == 10 * i));
/// assert!((s[0].sharpness - 3.0).abs() < 1e-12 && s[10].sharpness < s[0].sharpness);
/// ```
pub fn sharpness_along<O: Objective>(
    objective: &O,
    theta0: &[f64],
    schedule: Schedule,
    steps: usize,
    options: &SharpnessAlongOptions,
    monitor: Monitor<'_>,
) -> Result<SharpnessAlong> {
    options.validate()?;
    validate_iterations("steps", steps)?;
    check_dimension("theta0", objective.dim(), theta0.len())?;
    check_finite("theta0", theta0)?;
    let mut tracker = Sharpness::new(SharpnessOptions {
        lanczos: options.lanczos(),
        ..SharpnessOptions::default()
    })?;
    let mut gd = GradientDescent::new(objective, schedule, theta0)?;
    // bound: `reserved_records` caps what is reserved.
    let mut run = SharpnessAlong {
        samples: Vec::with_capacity(reserved_records(steps / options.every + 1)),
        losses: Vec::with_capacity(reserved_records(steps + 1)),
        steps_along_top: Vec::with_capacity(reserved_records(steps)),
        etas: Vec::with_capacity(reserved_records(steps)),
        steps: 0,
        end: TrackingEnd::Completed,
        final_theta: Vec::new(),
        hessian_vector_products: 0,
    };
    let mut top: Vec<f64> = Vec::new();
    for k in 0..=steps {
        let loss = gd.evaluate();
        if !loss.is_finite() || !norm_within(gd.theta(), options.divergence_bound) {
            run.end = TrackingEnd::Diverged;
            break;
        }
        run.losses.push(loss);
        if k % options.every == 0 {
            let (f, theta, workspace) = gd.at_current();
            let e = tracker.compute_warm(f, theta, workspace)?;
            run.hessian_vector_products += e.hessian_vector_products;
            top.clone_from(&e.top_eigenvector);
            run.samples.push(SharpnessSample {
                iteration: k,
                loss,
                sharpness: e.sharpness(),
                top: e.largest.iter().map(|r| r.value).collect(),
                lambda_min: options.lambda_min.then_some(e.smallest.value),
                residual: e.largest[0].residual,
                converged: e.converged,
                hessian_vector_products: e.hessian_vector_products,
            });
        }
        if k == steps {
            break;
        }
        let eta = gd.schedule().eta(k);
        run.steps_along_top
            .push(-eta * dot(gd.last_gradient(), &top));
        run.etas.push(gd.advance());
        run.steps = k + 1;
        if let Some(progress) = monitor.progress {
            progress(k + 1, steps);
        }
        if monitor.stop.is_some_and(|stop| stop()) {
            run.end = TrackingEnd::Stopped;
            break;
        }
    }
    run.final_theta = gd.into_theta();
    Ok(run)
}
