//! The stability of a point under the GD map: the Hessian's extremes, 2/λmax and, at a step η,
//! the spectral radius of I − η∇²f and the verdict.

use crate::error::{Result, check_dimension, check_finite};
use crate::lanczos::ExtremeEigenvalues;
use crate::linearization::{DEFAULT_MARGINAL_TOLERANCE, Linearization};
use crate::objective::Objective;
use crate::sharpness::extreme_eigenvalues;
use crate::vector::norm;
use serde::{Deserialize, Serialize};

/// What the Hessian says about a point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PointStability {
    /// The point.
    pub point: Vec<f64>,
    /// f at the point.
    pub loss: f64,
    /// ‖∇f‖ at the point (0 at a critical point).
    pub gradient_norm: f64,
    /// λmax and λmin of ∇²f, with their eigenvectors.
    pub extremes: ExtremeEigenvalues,
    /// 2/λmax: the largest η for which the point, if a minimum, is linearly stable; `None`
    /// when λmax ≤ 0.
    pub max_stable_step: Option<f64>,
    /// At the η asked for: ρ(I − η∇²f) and the verdict (band [`DEFAULT_MARGINAL_TOLERANCE`]).
    pub at_eta: Option<Linearization>,
}

/// The Hessian's extremes at `at`, 2/λmax, and with `eta` the linearization of Φ_η there.
///
/// # Example
/// ```
/// use gd_core::analyses::stability;
/// use gd_core::{Autodiff, Loss, Stability, num_dual::DualNum};
///
/// struct Bowl; // x² + 5y²: λmax = 10, so 2/λmax = 0.2
/// impl Loss for Bowl {
///     fn dim(&self) -> usize { 2 }
///     fn loss<D: DualNum<Primitive = f64> + Copy>(&self, t: &[D]) -> D {
///         t[0] * t[0] + t[1] * t[1] * 5.0
///     }
/// }
/// let s = stability(&Autodiff::new(Bowl), &[0.0, 0.0], Some(0.25)).unwrap();
/// assert!((s.max_stable_step.unwrap() - 0.2).abs() < 1e-12);
/// assert_eq!(s.at_eta.unwrap().stability, Stability::Unstable);
/// ```
pub fn stability<O: Objective>(
    objective: &O,
    at: &[f64],
    eta: Option<f64>,
) -> Result<PointStability> {
    check_dimension("at", objective.dim(), at.len())?;
    check_finite("at", at)?;
    let extremes = extreme_eigenvalues(objective, at)?;
    let at_eta = eta
        .map(|eta| Linearization::from_extremes(eta, &extremes, DEFAULT_MARGINAL_TOLERANCE))
        .transpose()?;
    let mut ws = objective.workspace();
    let mut gradient = vec![0.0; at.len()];
    let loss = objective.loss_and_gradient(at, &mut gradient, &mut ws);
    check_finite("loss and gradient at the point", &[loss, norm(&gradient)])?;
    let lambda_max = extremes.sharpness();
    Ok(PointStability {
        point: at.to_vec(),
        loss,
        gradient_norm: norm(&gradient),
        max_stable_step: (lambda_max > 0.0).then(|| 2.0 / lambda_max),
        extremes,
        at_eta,
    })
}
