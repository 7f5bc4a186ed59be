//! Where GD from θ₀ at a constant η ends, with settings a researcher can trust.

use crate::attractor::Attractor;
use crate::error::Result;
use crate::linearization::{DEFAULT_MARGINAL_TOLERANCE, Stability, floquet_multipliers, linearize};
use crate::objective::Objective;
use crate::record::Trajectory;
use crate::run::run_gd;
use crate::run_config::RunConfig;
use crate::schedule::Schedule;
use crate::spectrum::Complex;

/// The settings of [`attractor_of`]: 10⁵ steps; a run stops as a fixed point once
/// ‖∇f‖ ≤ 1e-12 (a converged run does not spend its budget where a float fixed point never
/// repeats bitwise, as in deep networks); orbits up to period 64 (tolerance 1e-12, relative);
/// divergence beyond |θᵢ| = 10¹²; 1000 steps for a Lyapunov exponent when unresolved.
pub fn run_config_for_analysis() -> RunConfig {
    RunConfig {
        max_iterations: 100_000,
        gradient_tolerance: Some(1e-12),
        ..RunConfig::default()
    }
}

/// Where GD from `theta0` at constant step `eta` ends: a fixed point (with its Floquet
/// verdict), a period-k orbit, divergence, or unresolved with a Lyapunov estimate; run with
/// [`run_config_for_analysis`].
///
/// # Example
/// ```
/// use gd_core::analyses::attractor_of;
/// use gd_core::{Attractor, Autodiff, Loss, num_dual::DualNum};
///
/// struct DoubleWell; // (x² − 1)²: minima ±1 with f″ = 8, so 2/λmax = 0.25
/// impl Loss for DoubleWell {
///     fn dim(&self) -> usize { 1 }
///     fn loss<D: DualNum<Primitive = f64> + Copy>(&self, t: &[D]) -> D {
///         (t[0] * t[0] - 1.0).powi(2)
///     }
/// }
/// let f = Autodiff::new(DoubleWell);
/// let small = attractor_of(&f, &[0.5], 0.1).unwrap();
/// assert!(matches!(small.attractor, Attractor::FixedPoint { ref point, .. } if (point[0] - 1.0).abs() < 1e-9));
/// let large = attractor_of(&f, &[0.5], 0.26).unwrap();
/// assert!(!matches!(large.attractor, Attractor::FixedPoint { .. }));
/// ```
pub fn attractor_of<O: Objective>(objective: &O, theta0: &[f64], eta: f64) -> Result<Trajectory> {
    run_gd(
        objective,
        theta0,
        Schedule::constant(eta)?,
        &run_config_for_analysis(),
    )
}

/// The largest dimension whose ends get multipliers: each orbit point costs a dense d × d
/// Hessian (d HVPs) and the product a general d × d eigenproblem.
pub const FLOQUET_MAX_DIM: usize = 64;

/// The stability of where a run ended, at its step size.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EndStability {
    /// The multipliers, by decreasing modulus: of the Jacobian product around the orbit
    /// (for a fixed point, the eigenvalues of I − η∇²f); `None` past [`FLOQUET_MAX_DIM`].
    pub multipliers: Option<Vec<Complex>>,
    /// The largest modulus (for a fixed point, ρ(I − η∇²f) from λmax and λmin).
    pub spectral_radius: f64,
    /// The verdict (|ρ − 1| within [`DEFAULT_MARGINAL_TOLERANCE`] is marginal).
    pub stability: Stability,
}

/// The stability at `eta` of the end `attractor` of a run: for a fixed point, its
/// linearization (matrix-free, any d; with the multipliers up to [`FLOQUET_MAX_DIM`]); for a
/// periodic orbit, its Floquet multipliers up to [`FLOQUET_MAX_DIM`] (past it, `None`: the
/// products are dense); `None` for divergence and unresolved ends. Errors of the
/// eigensolvers are returned, not dropped.
pub fn end_stability<O: Objective>(
    objective: &O,
    attractor: &Attractor,
    eta: f64,
) -> Result<Option<EndStability>> {
    let small = objective.dim() <= FLOQUET_MAX_DIM;
    let tolerance = DEFAULT_MARGINAL_TOLERANCE;
    match attractor {
        Attractor::FixedPoint { point, .. } => {
            let linearization = linearize(objective, point, eta, tolerance)?;
            let multipliers = if small {
                let orbit = std::slice::from_ref(point);
                Some(floquet_multipliers(objective, orbit, eta, tolerance)?.multipliers)
            } else {
                None
            };
            Ok(Some(EndStability {
                multipliers,
                spectral_radius: linearization.spectral_radius,
                stability: linearization.stability,
            }))
        }
        Attractor::Periodic { orbit, .. } if small => {
            let floquet = floquet_multipliers(objective, orbit, eta, tolerance)?;
            Ok(Some(EndStability {
                multipliers: Some(floquet.multipliers),
                spectral_radius: floquet.spectral_radius,
                stability: floquet.stability,
            }))
        }
        _ => Ok(None),
    }
}
