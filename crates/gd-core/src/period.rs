//! The period of an orbit: one definition for [`run_gd`](crate::run_gd) and
//! [`final_states`](crate::scalar_map::final_states).
//!
//! A state of the floating-point GD map that repeats bitwise after p steps proves a cycle of
//! length p of the *floating-point* map, not a period-p orbit of Φ_η. Near a period doubling
//! the k-orbit's multiplier μ is close to −1, rounding errors are damped only by a factor
//! |μ| per step, and the iterates settle on a float cycle of length 2k (or 4k, …) whose points
//! come in pairs a few hundred ulps apart. The period of the orbit is therefore the smallest
//! k dividing p such that every point θᵢ of the p-cycle lies within the tolerance of θᵢ₊ₖ
//! (indices mod p):
//!
//! ‖θᵢ − θ₍ᵢ₊ₖ₎ mod p‖₂ ≤ tolerance · max(1, maxⱼ ‖θⱼ‖₂) for all i < p.
//!
//! **Why the default tolerance (10⁻¹² relative) is safe.** Two errors are possible.
//! *Keeping a spurious doubling* needs float pairs farther apart than the tolerance: a rounding
//! error of u ≈ 1.1·10⁻¹⁶ per step is damped by 1 − |μ| per step, so the pairs sit about
//! u/(1 − |μ|) apart — below 10⁻¹² as long as |μ| < 1 − 10⁻⁴, i.e. everywhere except within
//! about 10⁻⁴·(dμ/dη)⁻¹ of the doubling (for the logistic map at r₁ = 3, μ = 2 − r: within
//! ~10⁻⁴ of r₁). *Merging a true doubling* needs the two halves of a genuine 2k-orbit closer
//! than the tolerance: they separate like c·√(distance to the bifurcation), so with c = O(1)
//! only within ~10⁻²⁴ of it. Between those two distances, the reported period is the true one.
//!
//! # Example
//! The logistic map g(x) = r·x(1 − x) at r = 3.44 has a stable 2-orbit whose multiplier is
//! −0.95; written as the GD map of f′(x) = x − g(x) with η = 1, it is reported as period 2
//! whatever length of floating-point cycle its iterates settle on.
//! ```
//! use gd_core::scalar_map::{LaneConfig, iterate_lane};
//!
//! let r = 3.44;
//! let derivative = |x: f64| x - r * x * (1.0 - x);
//! let lane = iterate_lane(&derivative, 1.0, 0.3, &LaneConfig::new(100_000, 1e6))?;
//! assert_eq!(lane.period, Some(2));
//! // Just below the first doubling (r = 2.95, multiplier −0.95) the fixed point is period 1.
//! let derivative = |x: f64| x - 2.95 * x * (1.0 - x);
//! let lane = iterate_lane(&derivative, 1.0, 0.3, &LaneConfig::new(100_000, 1e6))?;
//! assert_eq!(lane.period, Some(1));
//! # Ok::<(), gd_core::CoreError>(())
//! ```

/// The distance under which two states of an orbit whose largest norm is `scale` count as the
/// same point: `tolerance · max(1, scale)`.
pub fn orbit_threshold(tolerance: f64, scale: f64) -> f64 {
    tolerance * scale.max(1.0)
}

/// The smallest k ≤ `max_period` dividing `cycle_length` for which `returns_within(k)` holds
/// (every point of the cycle within the threshold of the point k steps later); `None` when no
/// such divisor exists. Divisors are tried in increasing order, so the first success is the
/// period. `returns_within(cycle_length)` is asked too: for a cycle that repeats only within the
/// tolerance, that is the check that it is a cycle at all.
pub fn reduced_period(
    cycle_length: usize,
    max_period: usize,
    mut returns_within: impl FnMut(usize) -> bool,
) -> Option<usize> {
    (1..=cycle_length.min(max_period))
        .filter(|k| cycle_length.is_multiple_of(*k))
        .find(|&k| returns_within(k))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_smallest_divisor_that_returns_is_the_period() {
        // A 4-cycle a, b, a', b' with a ≈ a', b ≈ b': period 2.
        let points: [f64; 4] = [0.8, 0.4, 0.8 + 1e-15, 0.4 - 1e-15];
        let within = |k: usize| (0..4).all(|i| (points[i] - points[(i + k) % 4]).abs() <= 1e-12);
        assert_eq!(reduced_period(4, 64, within), Some(2));
        let strict = |k: usize| (0..4).all(|i| points[i] == points[(i + k) % 4]);
        assert_eq!(reduced_period(4, 64, strict), Some(4));
    }

    #[test]
    fn divisors_above_the_cap_are_not_periods() {
        assert_eq!(reduced_period(6, 2, |k| k == 3), None);
        assert_eq!(reduced_period(6, 3, |k| k == 3), Some(3));
        // 4 does not divide 6, so it is never asked.
        assert_eq!(reduced_period(6, 64, |k| k == 4 || k == 6), Some(6));
    }
}
