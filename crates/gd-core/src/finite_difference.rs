//! A finite-difference checker for gradients and Hessian-vector products, for model crates'
//! tests: does an analytic derivative agree with central differences of the level below?

use crate::error::{Result, check_dimension, check_finite};
use crate::objective::Objective;
use crate::vector::{dot, norm};
use rand::RngExt;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Default relative tolerance of the checks. Central differences with step h have truncation
/// error O(h²·f‴) and rounding error O(ε·|f|/h); with h ≈ ε^{1/3}·scale both are ≈ 5e-11
/// relative for well-scaled smooth functions. 1e-6 leaves four orders of margin for
/// ill-scaled models while still catching any wrong factor, sign or missing term.
pub const DEFAULT_RELATIVE_TOLERANCE: f64 = 1e-6;

/// Settings of a finite-difference check.
#[derive(Clone, Debug)]
pub struct FiniteDifferenceCheck {
    /// Relative step: h = `relative_step` · max(1, ‖θ‖∞).
    pub relative_step: f64,
    /// Number of random unit directions to test (seeded).
    pub directions: usize,
    /// Seed of the random directions.
    pub seed: u64,
    /// Accepted relative error.
    pub tolerance: f64,
}

impl Default for FiniteDifferenceCheck {
    fn default() -> Self {
        Self {
            // ε^{1/3} ≈ 6e-6 balances truncation and rounding for central differences.
            relative_step: f64::EPSILON.cbrt(),
            directions: 8,
            seed: 0x5eed,
            tolerance: DEFAULT_RELATIVE_TOLERANCE,
        }
    }
}

/// Outcome of a check: the worst relative error over the tested directions.
#[derive(Clone, Debug, PartialEq)]
pub struct FiniteDifferenceReport {
    /// max over directions of |analytic − numeric| / max(|analytic|, |numeric|, scale floor).
    pub max_relative_error: f64,
    /// The tolerance used.
    pub tolerance: f64,
    /// Whether `max_relative_error ≤ tolerance`.
    pub passed: bool,
}

fn random_unit(rng: &mut ChaCha8Rng, d: usize) -> Vec<f64> {
    let mut v: Vec<f64> = (0..d).map(|_| rng.random_range(-1.0..1.0)).collect();
    let n = norm(&v).max(f64::MIN_POSITIVE);
    v.iter_mut().for_each(|x| *x /= n);
    v
}

fn axpy_into(out: &mut [f64], theta: &[f64], h: f64, v: &[f64]) {
    for ((o, t), d) in out.iter_mut().zip(theta).zip(v) {
        *o = t + h * d;
    }
}

impl FiniteDifferenceCheck {
    fn step(&self, theta: &[f64]) -> f64 {
        let scale = theta.iter().fold(1.0_f64, |m, v| m.max(v.abs()));
        self.relative_step * scale
    }

    /// Compares the directional derivative ∇f(θ)·v with (f(θ+hv) − f(θ−hv))/2h along seeded
    /// random unit directions.
    pub fn gradient<O: Objective>(
        &self,
        objective: &O,
        theta: &[f64],
    ) -> Result<FiniteDifferenceReport> {
        let d = objective.dim();
        check_dimension("theta", d, theta.len())?;
        check_finite("theta", theta)?;
        let mut ws = objective.workspace();
        let mut g = vec![0.0; d];
        let f0 = objective.loss_and_gradient(theta, &mut g, &mut ws);
        let h = self.step(theta);
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let mut shifted = vec![0.0; d];
        let mut worst = 0.0_f64;
        // Rounding in f(θ±hv) is about ε|f|, so differences below ε|f|/h are noise.
        let floor = f64::EPSILON * f0.abs().max(1.0) / h;
        for _ in 0..self.directions {
            let v = random_unit(&mut rng, d);
            axpy_into(&mut shifted, theta, h, &v);
            let fp = objective.loss(&shifted, &mut ws);
            axpy_into(&mut shifted, theta, -h, &v);
            let fm = objective.loss(&shifted, &mut ws);
            let numeric = (fp - fm) / (2.0 * h);
            let analytic = dot(&g, &v);
            let scale = analytic.abs().max(numeric.abs()).max(norm(&g)).max(floor);
            worst = worst.max((analytic - numeric).abs() / scale);
        }
        Ok(self.report(worst))
    }

    /// Compares ∇²f(θ)v with (∇f(θ+hv) − ∇f(θ−hv))/2h along seeded random unit directions.
    pub fn hessian_vector_product<O: Objective>(
        &self,
        objective: &O,
        theta: &[f64],
    ) -> Result<FiniteDifferenceReport> {
        let d = objective.dim();
        check_dimension("theta", d, theta.len())?;
        check_finite("theta", theta)?;
        let mut ws = objective.workspace();
        let h = self.step(theta);
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed ^ 0x4e55);
        let (mut shifted, mut gp, mut gm, mut hv) =
            (vec![0.0; d], vec![0.0; d], vec![0.0; d], vec![0.0; d]);
        let mut g0 = vec![0.0; d];
        objective.loss_and_gradient(theta, &mut g0, &mut ws);
        let floor = f64::EPSILON * norm(&g0).max(1.0) / h;
        let mut worst = 0.0_f64;
        for _ in 0..self.directions {
            let v = random_unit(&mut rng, d);
            objective.hessian_vector_product(theta, &v, &mut hv, &mut ws);
            axpy_into(&mut shifted, theta, h, &v);
            objective.loss_and_gradient(&shifted, &mut gp, &mut ws);
            axpy_into(&mut shifted, theta, -h, &v);
            objective.loss_and_gradient(&shifted, &mut gm, &mut ws);
            let mut diff = 0.0;
            let mut numeric_norm = 0.0;
            for i in 0..d {
                let numeric = (gp[i] - gm[i]) / (2.0 * h);
                diff += (numeric - hv[i]).powi(2);
                numeric_norm += numeric * numeric;
            }
            let scale = norm(&hv).max(numeric_norm.sqrt()).max(floor);
            worst = worst.max(diff.sqrt() / scale);
        }
        Ok(self.report(worst))
    }

    fn report(&self, worst: f64) -> FiniteDifferenceReport {
        FiniteDifferenceReport {
            max_relative_error: worst,
            tolerance: self.tolerance,
            passed: worst <= self.tolerance,
        }
    }
}
