//! Nar & Sastry's scalar examples (Sec. 2–3): the largest stable step at a minimum, Example 1's
//! period-2 orbit and its countable set of convergent starts, Example 3's basin threshold.

use crate::error::{Result, check_eta, outside};

/// The largest step for which a minimum with curvature f″(x*) > 0 is stable: 2/f″(x*)
/// (Lyapunov's indirect method: |1 − η f″(x*)| < 1). Strict: at η = 2/f″ the multiplier is −1.
pub fn max_stable_step(curvature: f64) -> Result<f64> {
    if curvature.is_finite() && curvature > 0.0 {
        Ok(2.0 / curvature)
    } else {
        outside("curvature", curvature, "finite and > 0 (f″ at a minimum)")
    }
}

/// Example 1, f1 = (2/3)|x|^{3/2}: the amplitude of the period-2 orbit {+η²/4, −η²/4}
/// (x = η²/4 solves x − η√x = −x).
pub fn example1_orbit_amplitude(eta: f64) -> Result<f64> {
    Ok(check_eta(eta)?.powi(2) / 4.0)
}

/// Example 1: the loss along the orbit, f1(η²/4) = (2/3)(η²/4)^{3/2} = η³/12.
pub fn example1_orbit_loss(eta: f64) -> Result<f64> {
    Ok(check_eta(eta)?.powi(3) / 12.0)
}

/// Example 1: f1″ on the orbit, 1/(2√(η²/4)) = 1/η, so each Jacobian is 1 − η·(1/η) = 0 and
/// the orbit's Floquet multiplier is 0 (superstable).
pub fn example1_orbit_floquet_multiplier(eta: f64) -> Result<f64> {
    check_eta(eta)?;
    Ok(0.0)
}

/// The most starts [`example1_convergent_starts`] lists (8 MiB).
pub const MAX_CONVERGENT_STARTS: usize = 1 << 20;

/// Example 1: the positive elements s₁ < s₂ < … of the countable set S = {0, ±s₁, ±s₂, …} of
/// starts from which GD reaches 0: s₁ = η² and s_{k+1} = ((η + √(η² + 4 s_k))/2)², the
/// preimage of s_k under x ↦ x − η√x on the positive side (s₂ = η²(3 + √5)/2).
pub fn example1_convergent_starts(eta: f64, count: usize) -> Result<Vec<f64>> {
    check_eta(eta)?;
    if count > MAX_CONVERGENT_STARTS {
        return outside(
            "count",
            count,
            format!("at most {MAX_CONVERGENT_STARTS} starts"),
        );
    }
    // bound: `MAX_CONVERGENT_STARTS` caps count above.
    let mut s = Vec::with_capacity(count);
    let mut current = eta * eta;
    for _ in 0..count {
        s.push(current);
        let root = (eta + (eta * eta + 4.0 * current).sqrt()) / 2.0;
        current = root * root;
    }
    Ok(s)
}

/// Example 3, f3 = x^L (L even, > 2): GD converges to 0 iff |x₀| < (2/(ηL))^{1/(L−2)} and
/// diverges if |x₀| exceeds it (x₀^{L−2} < 2/(ηL) keeps |1 − ηL x^{L−2}| < 1 and |x| falling).
pub fn example3_threshold(eta: f64, power: u32) -> Result<f64> {
    check_eta(eta)?;
    if power <= 2 || power % 2 == 1 {
        return outside("power L", power, "even and > 2 (Example 3)");
    }
    let l = power as f64;
    Ok((2.0 / (eta * l)).powf(1.0 / (l - 2.0)))
}
