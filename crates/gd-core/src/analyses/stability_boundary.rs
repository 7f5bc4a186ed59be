//! The empirical stability boundary of a minimum: the largest η for which GD started near the
//! minimum still converges to it, by bisection, beside the linear prediction 2/λmax.

use super::end_state::attractor_of;
use super::point_stability::stability;
use crate::attractor::Attractor;
use crate::error::{Result, check_dimension, check_finite, out_of_range};
use crate::objective::Objective;
use crate::run::run_gd;
use crate::run_config::{RunConfig, validate_iterations};
use crate::schedule::Schedule;
use crate::vector::norm;
use serde::{Deserialize, Serialize};

/// Settings of the bisection.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct BoundaryOptions {
    /// Bisect until the bracket is narrower than this times 2/λmax.
    pub relative_tolerance: f64,
    /// The start: the minimum plus this times max(1, ‖θ*‖) along the top eigenvector (the
    /// direction that loses stability first).
    pub perturbation: f64,
    /// Step budget of each trial run.
    pub max_iterations: usize,
}

impl Default for BoundaryOptions {
    /// Relative tolerance 1e-3, perturbation 1e-4, 10⁵ steps. At η = (1 − r)·2/λmax the
    /// slowest multiplier is −1 + 2r, so a run from 1e-4 away needs about 14/r steps to reach
    /// rounding: 1.4·10⁴ at r = 1e-3, within the budget, so a run just inside the boundary is
    /// not mistaken for one outside it.
    fn default() -> Self {
        Self {
            relative_tolerance: 1e-3,
            perturbation: 1e-4,
            max_iterations: 100_000,
        }
    }
}

/// The boundary of one minimum.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StabilityBoundary {
    /// The minimum (reached by GD from the point given).
    pub minimum: Vec<f64>,
    /// f at the minimum.
    pub loss: f64,
    /// λmax of ∇²f at the minimum.
    pub sharpness: f64,
    /// The linear prediction 2/λmax.
    pub theory: f64,
    /// The largest η found to converge back (the bracket's lower end).
    pub empirical: f64,
    /// (largest η that converged, smallest η that did not).
    pub bracket: (f64, f64),
    /// Trial runs made.
    pub trials: usize,
}

/// The minimum GD reaches from `near` (at a step of 1/λmax there, halved until it converges),
/// then the largest η for which GD from the minimum, perturbed along its top eigenvector,
/// converges back to it: bisection between 2/λmax·(1/2) and a step that fails, to
/// `relative_tolerance`·2/λmax.
///
/// # Example
/// ```
/// use gd_core::analyses::{BoundaryOptions, stability_boundary};
/// use gd_core::{Autodiff, Loss, num_dual::DualNum};
///
/// struct DoubleWell; // (x² − 1)²: 2/λmax = 0.25 at x = ±1
/// impl Loss for DoubleWell {
///     fn dim(&self) -> usize { 1 }
///     fn loss<D: DualNum<Primitive = f64> + Copy>(&self, t: &[D]) -> D {
///         (t[0] * t[0] - 1.0).powi(2)
///     }
/// }
/// let b = stability_boundary(&Autodiff::new(DoubleWell), &[0.7], &BoundaryOptions::default()).unwrap();
/// assert!((b.minimum[0] - 1.0).abs() < 1e-9);
/// assert!((b.empirical - b.theory).abs() <= 2e-3 * b.theory);
/// ```
pub fn stability_boundary<O: Objective>(
    objective: &O,
    near: &[f64],
    options: &BoundaryOptions,
) -> Result<StabilityBoundary> {
    check_dimension("near", objective.dim(), near.len())?;
    check_finite("near", near)?;
    if !(options.relative_tolerance > 0.0 && options.relative_tolerance < 1.0) {
        return Err(out_of_range(
            "relative_tolerance",
            options.relative_tolerance,
            "in (0, 1)",
        ));
    }
    if !(options.perturbation > 0.0 && options.perturbation < 1.0) {
        return Err(out_of_range(
            "perturbation",
            options.perturbation,
            "in (0, 1)",
        ));
    }
    validate_iterations("max_iterations", options.max_iterations)?;
    let minimum = minimum_near(objective, near)?;
    let at = stability(objective, &minimum, None)?;
    let (lambda_max, lambda_min) = (at.extremes.sharpness(), at.extremes.smallest.value);
    if lambda_min.is_nan() || lambda_min <= 0.0 {
        return Err(out_of_range(
            "near",
            format!("{near:?}"),
            format!(
                "a point from which GD reaches a strict minimum (it reached {minimum:?}, where λmin = {lambda_min:e})"
            ),
        ));
    }
    let theory = 2.0 / lambda_max;
    let scale = options.perturbation * norm(&minimum).max(1.0);
    let start: Vec<f64> = minimum
        .iter()
        .zip(&at.extremes.top_eigenvector)
        .map(|(m, e)| m + scale * e)
        .collect();
    let config = RunConfig {
        max_iterations: options.max_iterations,
        ..RunConfig::default()
    };
    let mut trials = 0;
    let mut converges = |eta: f64| -> Result<bool> {
        trials += 1;
        let t = run_gd(objective, &start, Schedule::constant(eta)?, &config)?;
        Ok(
            matches!(t.attractor, Attractor::FixedPoint { ref point, .. }
            if point.iter().zip(&minimum).all(|(a, b)| (a - b).abs() <= 1e-6 * norm(&minimum).max(1.0))),
        )
    };
    let mut lo = theory / 2.0;
    if !converges(lo)? {
        return Err(out_of_range(
            "near",
            format!("{near:?}"),
            format!("a minimum to which GD converges at half of 2/λmax ({})", lo),
        ));
    }
    let mut hi = theory * 1.5;
    for _ in 0..20 {
        if !converges(hi)? {
            break;
        }
        lo = hi;
        hi *= 2.0;
    }
    while hi - lo > options.relative_tolerance * theory {
        let mid = 0.5 * (lo + hi);
        if converges(mid)? {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Ok(StabilityBoundary {
        minimum,
        loss: at.loss,
        sharpness: lambda_max,
        theory,
        empirical: lo,
        bracket: (lo, hi),
        trials,
    })
}

/// The fixed point GD reaches from `near` at 1/λmax(near) (or 0.1 where λmax ≤ 0), the step
/// halved up to 20 times until the run ends at a fixed point.
fn minimum_near<O: Objective>(objective: &O, near: &[f64]) -> Result<Vec<f64>> {
    let lambda_max = stability(objective, near, None)?.extremes.sharpness();
    let mut eta = if lambda_max > 0.0 {
        1.0 / lambda_max
    } else {
        0.1
    };
    for _ in 0..20 {
        if let Attractor::FixedPoint { point, .. } = attractor_of(objective, near, eta)?.attractor {
            return Ok(point);
        }
        eta /= 2.0;
    }
    Err(out_of_range(
        "near",
        format!("{near:?}"),
        "a point from which GD at a small step converges (20 halvings tried)",
    ))
}
