//! Settings of a run: the step budget, the stop rules, the classification tolerances and the
//! observables to record.

use crate::error::{Result, out_of_range};
use crate::sharpness::SharpnessOptions;
use serde::{Deserialize, Serialize};

/// What to record along a run; an interval of 0 records nothing.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Observe {
    /// Record f(θ_k) every this many steps.
    pub loss_every: usize,
    /// Record ‖∇f(θ_k)‖ (the mini-batch gradient for SGD) every this many steps.
    pub gradient_norm_every: usize,
    /// Record θ_k every this many steps.
    pub parameters_every: usize,
    /// Record λmax and λmin of ∇²f(θ_k) every this many steps (Lanczos warm-started).
    pub sharpness_every: usize,
    /// How sharpness is computed.
    pub sharpness: SharpnessOptions,
}

/// Settings of a run: the stop rule, the classification tolerances, the observables.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunConfig {
    /// Step budget, at most [`MAX_ITERATIONS`].
    pub max_iterations: usize,
    /// k_max: the longest period detected (also the number of past states kept).
    pub max_period: usize,
    /// ‖θ‖₂ above this counts as divergence.
    pub divergence_bound: f64,
    /// Stop as a fixed point once ‖∇f(θ_k)‖ ≤ this (None: only exact repeats stop early).
    pub gradient_tolerance: Option<f64>,
    /// Two states of an orbit closer than `tolerance · max(1, largest ‖θ‖ of the orbit)` are
    /// one point: this reduces a bitwise cycle to its true period and, at the end of the
    /// budget, recognizes a fixed point or an orbit that repeats only within it. Why the
    /// default 10⁻¹² is safe near period doublings: [`crate::period`].
    pub tolerance: f64,
    /// Steps over which the Lyapunov exponent of an unresolved end state is averaged (at
    /// least 2); the accuracy a budget buys is tabulated in [`crate::largest_lyapunov_exponent`].
    pub lyapunov_iterations: usize,
    /// What to record.
    #[serde(default)]
    pub observe: Observe,
}

impl Default for RunConfig {
    fn default() -> Self {
        Self {
            max_iterations: 100_000,
            max_period: 64,
            // Far above any parameter scale of the papers' models, far below overflow of ‖θ‖².
            divergence_bound: 1e12,
            gradient_tolerance: None,
            tolerance: 1e-12,
            lyapunov_iterations: 1000,
            observe: Observe::default(),
        }
    }
}

impl RunConfig {
    /// Checks every field's range.
    pub fn validate(&self) -> Result<()> {
        validate_orbit_settings(self.max_period, self.divergence_bound, self.tolerance)?;
        validate_iterations("max_iterations", self.max_iterations)?;
        if let Some(g) = self.gradient_tolerance
            && !(g.is_finite() && g >= 0.0)
        {
            return Err(out_of_range("gradient_tolerance", g, "finite and ≥ 0"));
        }
        if self.lyapunov_iterations < 2 {
            return Err(out_of_range(
                "lyapunov_iterations",
                self.lyapunov_iterations,
                "at least 2 (its error estimate needs two blocks)",
            ));
        }
        Ok(())
    }
}

/// The longest run accepted: 10⁹ steps (minutes for a cheap objective, far beyond any
/// experiment here); a larger budget is refused rather than left to look like a hang.
pub const MAX_ITERATIONS: usize = 1_000_000_000;

/// Refuses a step budget above [`MAX_ITERATIONS`].
pub(crate) fn validate_iterations(field: &'static str, iterations: usize) -> Result<()> {
    if iterations > MAX_ITERATIONS {
        return Err(out_of_range(
            field,
            iterations,
            format!("at most the cap of {MAX_ITERATIONS} steps; split the run or lower the budget"),
        ));
    }
    Ok(())
}

/// How many per-step records to reserve before a run of `steps` steps (at most
/// [`MAX_ITERATIONS`]): all of them up to 2¹⁶, past that the records grow as the run goes, so
/// a long run stopped early never held memory for steps it did not take.
pub(crate) fn reserved_records(steps: usize) -> usize {
    steps.min(1 << 16)
}

/// The longest period a run or lane looks for: 2¹⁶. Longer cycles of a float map are
/// reported as `Unresolved`, which is what they look like at any practical budget.
pub const MAX_PERIOD: usize = 1 << 16;

/// The settings runs and lanes share: k_max ≥ 1, a finite positive divergence bound, a finite
/// non-negative orbit tolerance.
pub(crate) fn validate_orbit_settings(
    max_period: usize,
    divergence_bound: f64,
    tolerance: f64,
) -> Result<()> {
    if !(1..=MAX_PERIOD).contains(&max_period) {
        return Err(out_of_range(
            "max_period",
            max_period,
            format!("in 1..={MAX_PERIOD}"),
        ));
    }
    if !(divergence_bound.is_finite() && divergence_bound > 0.0) {
        return Err(out_of_range(
            "divergence_bound",
            divergence_bound,
            "finite and > 0",
        ));
    }
    if !(tolerance.is_finite() && tolerance >= 0.0) {
        return Err(out_of_range("tolerance", tolerance, "finite and ≥ 0"));
    }
    Ok(())
}
