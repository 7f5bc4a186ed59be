//! The largest Lyapunov exponent of the GD map: the mean log growth rate of a tangent vector
//! propagated by v ← (I − η∇²f(θ_k))v along the trajectory, renormalized every step.
//! Positive on a chaotic attractor, negative on a stable fixed point or orbit.

use crate::error::{CoreError, Result, check_dimension, check_finite, validate_eta};
use crate::objective::{Objective, norm};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Seed of the initial tangent vector: fixed so that the estimate is reproducible; a random
/// direction has a nonzero component along the most unstable direction almost surely.
const TANGENT_SEED: u64 = 0x1a9_0b0f;

/// Mean of log‖(I − ηH(θ_k))v_k‖ over `iterations` steps of Φ_η from θ₀ (after
/// `transient` steps that are taken but not averaged). Returns −∞ when the tangent vector
/// is mapped exactly to zero (a superstable orbit, e.g. Example 1's at multiplier 0).
/// A trajectory that leaves the finite numbers is a `NonFinite` error.
pub fn largest_lyapunov_exponent<O: Objective>(
    objective: &O,
    theta0: &[f64],
    eta: f64,
    transient: usize,
    iterations: usize,
) -> Result<f64> {
    validate_eta(eta)?;
    let d = objective.dim();
    check_dimension("theta0", d, theta0.len())?;
    check_finite("theta0", theta0)?;
    if iterations == 0 {
        return Err(CoreError::InvalidConfig {
            reason: "lyapunov exponent needs at least one averaged iteration".into(),
        });
    }
    let mut ws = objective.workspace();
    let mut theta = theta0.to_vec();
    let mut gradient = vec![0.0; d];
    let mut hv = vec![0.0; d];
    let mut rng = ChaCha8Rng::seed_from_u64(TANGENT_SEED);
    let mut v: Vec<f64> = (0..d).map(|_| rng.random_range(-1.0..1.0)).collect();
    let n0 = norm(&v);
    v.iter_mut().for_each(|x| *x /= n0);
    let mut sum_log = 0.0;
    for k in 0..transient + iterations {
        objective.hessian_vector_product(&theta, &v, &mut hv, &mut ws);
        for (vi, hi) in v.iter_mut().zip(&hv) {
            *vi -= eta * hi;
        }
        let growth = norm(&v);
        if !growth.is_finite() {
            return Err(CoreError::NonFinite {
                what: "tangent vector",
            });
        }
        if growth == 0.0 {
            return Ok(f64::NEG_INFINITY);
        }
        if k >= transient {
            sum_log += growth.ln();
        }
        v.iter_mut().for_each(|x| *x /= growth);
        objective.loss_and_gradient(&theta, &mut gradient, &mut ws);
        for (t, g) in theta.iter_mut().zip(&gradient) {
            *t -= eta * g;
        }
        if !theta.iter().all(|t| t.is_finite()) {
            return Err(CoreError::NonFinite { what: "trajectory" });
        }
    }
    Ok(sum_log / iterations as f64)
}
