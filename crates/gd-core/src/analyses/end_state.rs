//! Where GD from θ₀ at a constant η ends, with settings a researcher can trust.

use crate::error::Result;
use crate::objective::Objective;
use crate::record::Trajectory;
use crate::run::run_gd;
use crate::run_config::RunConfig;
use crate::schedule::Schedule;

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
