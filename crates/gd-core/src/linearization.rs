//! Linearization of the GD map Φ_η(θ) = θ − η∇f(θ): its Jacobian I − η∇²f(θ), the spectral
//! radius, Lyapunov's indirect-method verdict, the largest stable step 2/λmax, and the
//! Floquet multipliers of a period-k orbit (Lyapunov's indirect method: an equilibrium θ* of
//! GD is unstable when ρ(I − η∇²f(θ*)) > 1, which for a minimum means η > 2/λmax).

use crate::error::{CoreError, Result, check_dimension, validate_eta};
use crate::hessian::dense_hessian;
use crate::lanczos::ExtremeEigenvalues;
use crate::objective::Objective;
use crate::sharpness::{Sharpness, SharpnessOptions};
use crate::spectrum::{Complex, general_eigenvalues};
use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatRef, Par};
use serde::{Deserialize, Serialize};

/// Default band |ρ − 1| ≤ tolerance in which the verdict is `Marginal`: a few hundred ε, the
/// rounding of an eigenvalue computed from a Hessian of entries O(1).
pub const DEFAULT_MARGINAL_TOLERANCE: f64 = 1e-12;

/// Lyapunov's indirect method applied to a linearization with spectral radius ρ.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Stability {
    /// ρ < 1 − tol: locally asymptotically stable.
    Stable,
    /// ρ > 1 + tol: unstable; GD converges to this point only from a measure-zero set.
    Unstable,
    /// |ρ − 1| ≤ tol: the linearization does not decide.
    Marginal,
}

impl Stability {
    /// The verdict for spectral radius `rho` with band `tolerance`.
    pub fn from_spectral_radius(rho: f64, tolerance: f64) -> Self {
        if rho < 1.0 - tolerance {
            Self::Stable
        } else if rho > 1.0 + tolerance {
            Self::Unstable
        } else {
            Self::Marginal
        }
    }
}

/// The largest stable step 2/λmax at a point with sharpness λmax; `None` when λmax ≤ 0 (no
/// positive-curvature direction limits η).
fn max_stable_step(sharpness: f64) -> Option<f64> {
    (sharpness > 0.0).then(|| 2.0 / sharpness)
}

/// ρ(I − ηH) for symmetric H with extreme eigenvalues λmin ≤ λmax: the eigenvalues are
/// 1 − ηλᵢ, so the extremes decide.
pub fn gd_spectral_radius(eta: f64, lambda_max: f64, lambda_min: f64) -> f64 {
    (1.0 - eta * lambda_max)
        .abs()
        .max((1.0 - eta * lambda_min).abs())
}

/// The linearization of Φ_η at one point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Linearization {
    /// The step size.
    pub eta: f64,
    /// λmax(∇²f(θ)).
    pub sharpness: f64,
    /// λmin(∇²f(θ)).
    pub lambda_min: f64,
    /// ρ(I − η∇²f(θ)).
    pub spectral_radius: f64,
    /// 2/λmax; `None` when λmax ≤ 0, where no positive curvature limits η.
    pub max_stable_step: Option<f64>,
    /// The verdict.
    pub stability: Stability,
}

impl Linearization {
    /// Builds the linearization at step η from the Hessian's extreme eigenvalues; |ρ − 1| ≤
    /// `tolerance` is marginal.
    pub fn from_extremes(eta: f64, extremes: &ExtremeEigenvalues, tolerance: f64) -> Result<Self> {
        validate_eta(eta)?;
        let (lambda_max, lambda_min) = (extremes.sharpness(), extremes.smallest.value);
        if !(lambda_max.is_finite() && lambda_min.is_finite()) {
            return Err(CoreError::NonFinite {
                what: "Hessian eigenvalues",
            });
        }
        let spectral_radius = gd_spectral_radius(eta, lambda_max, lambda_min);
        Ok(Self {
            eta,
            sharpness: lambda_max,
            lambda_min,
            spectral_radius,
            max_stable_step: max_stable_step(lambda_max),
            stability: Stability::from_spectral_radius(spectral_radius, tolerance),
        })
    }
}

/// Linearizes Φ_η at θ (dense Hessian for small d, Lanczos above).
pub fn linearize<O: Objective>(
    objective: &O,
    theta: &[f64],
    eta: f64,
    tolerance: f64,
) -> Result<Linearization> {
    validate_eta(eta)?;
    let mut ws = objective.workspace();
    let e: ExtremeEigenvalues =
        Sharpness::new(SharpnessOptions::default())?.compute(objective, theta, &mut ws)?;
    Linearization::from_extremes(eta, &e, tolerance)
}

/// The Jacobian I − ηH of the GD map, for a dense Hessian H.
pub fn gd_jacobian(hessian: MatRef<'_, f64>, eta: f64) -> Result<Mat<f64>> {
    validate_eta(eta)?;
    check_dimension("Hessian columns", hessian.nrows(), hessian.ncols())?;
    let n = hessian.nrows();
    if (0..n).any(|j| (0..n).any(|i| !hessian[(i, j)].is_finite())) {
        return Err(CoreError::NonFinite { what: "Hessian" });
    }
    Ok(Mat::from_fn(n, n, |i, j| {
        let id = if i == j { 1.0 } else { 0.0 };
        id - eta * hessian[(i, j)]
    }))
}

/// Floquet multipliers of a period-k orbit of Φ_η.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Floquet {
    /// Eigenvalues of DΦ_η(θ_{k−1})⋯DΦ_η(θ_0), by decreasing modulus.
    pub multipliers: Vec<Complex>,
    /// The largest modulus.
    pub spectral_radius: f64,
    /// The orbit's verdict.
    pub stability: Stability,
}

/// Floquet multipliers of the orbit θ_0 → θ_1 → … → θ_{k−1} → θ_0: eigenvalues of the
/// product of the Jacobians along it. The orbit is stable when all lie inside the unit circle.
pub fn floquet_multipliers<O: Objective>(
    objective: &O,
    orbit: &[Vec<f64>],
    eta: f64,
    tolerance: f64,
) -> Result<Floquet> {
    validate_eta(eta)?;
    if orbit.is_empty() {
        return Err(CoreError::EmptyGrid { what: "orbit" });
    }
    let d = objective.dim();
    let mut ws = objective.workspace();
    let mut product = Mat::<f64>::identity(d, d);
    let mut next = Mat::<f64>::zeros(d, d);
    for point in orbit {
        check_dimension("orbit point", d, point.len())?;
        let j = gd_jacobian(dense_hessian(objective, point, &mut ws)?.as_ref(), eta)?;
        matmul(
            next.as_mut(),
            Accum::Replace,
            j.as_ref(),
            product.as_ref(),
            1.0,
            Par::Seq,
        );
        std::mem::swap(&mut product, &mut next);
    }
    let multipliers = general_eigenvalues(product.as_ref())?;
    let spectral_radius = multipliers.first().map_or(0.0, |z| z.modulus());
    Ok(Floquet {
        stability: Stability::from_spectral_radius(spectral_radius, tolerance),
        multipliers,
        spectral_radius,
    })
}
