//! The Lyapunov estimate and its standard error against maps where the answer is known: the
//! logistic map at r = 4 has exponent ln 2 (Ulam–von Neumann conjugacy to the tent map); at
//! r = 3.8 (no closed form) the standard error must match the spread of independent estimates.
//! The bounds are the accuracy table in the docs of `largest_lyapunov_exponent`.

use crate::support::Logistic;
use gd_core::largest_lyapunov_exponent;

const ETA: f64 = 0.5;

fn starts() -> Vec<f64> {
    (0..30)
        .map(|s| 0.05 + 0.9 * (s as f64 + 0.5) / 30.0)
        .collect()
}

#[test]
fn the_logistic_map_at_r_4_has_exponent_ln_2_within_four_standard_errors() {
    let map = Logistic { r: 4.0, eta: ETA };
    // Bounds: about twice the largest standard error measured over the 30 starts.
    for (iterations, largest_standard_error) in [(1_000, 0.02), (10_000, 0.002), (100_000, 2e-4)] {
        for x0 in starts() {
            let estimate = largest_lyapunov_exponent(&map, &[x0], ETA, 100, iterations).unwrap();
            let error = (estimate.exponent - std::f64::consts::LN_2).abs();
            assert!(
                estimate.standard_error <= largest_standard_error,
                "{iterations} steps from {x0}: {estimate:?}"
            );
            // Four standard errors: a 1-in-15 000 event for a Gaussian mean.
            assert!(
                error <= 4.0 * estimate.standard_error,
                "{iterations} steps from {x0}: error {error} vs {estimate:?}"
            );
        }
    }
}

#[test]
fn the_standard_error_matches_the_spread_of_independent_estimates() {
    // r = 3.8: a chaotic attractor whose log-multiplier is not a coboundary, so the error
    // falls like 1/√n. If the block standard error were mis-scaled (say by √10, the number of
    // blocks), the ratio would leave [1/2, 2]; with 30 starts the sample spread itself is good
    // to about ±13 %.
    let map = Logistic { r: 3.8, eta: ETA };
    for iterations in [10_000, 100_000] {
        let estimates: Vec<_> = starts()
            .into_iter()
            .map(|x0| largest_lyapunov_exponent(&map, &[x0], ETA, 100, iterations).unwrap())
            .collect();
        let n = estimates.len() as f64;
        let mean = estimates.iter().map(|e| e.exponent).sum::<f64>() / n;
        let spread = (estimates
            .iter()
            .map(|e| (e.exponent - mean).powi(2))
            .sum::<f64>()
            / (n - 1.0))
            .sqrt();
        let mut errors: Vec<f64> = estimates.iter().map(|e| e.standard_error).collect();
        errors.sort_by(f64::total_cmp);
        let median = errors[errors.len() / 2];
        assert!(
            (0.5..=2.0).contains(&(spread / median)),
            "{iterations} steps: spread {spread} vs median standard error {median}"
        );
        assert!(mean > 0.3, "chaotic: {mean}");
    }
}

#[test]
fn too_few_iterations_for_an_error_estimate_are_refused() {
    let map = Logistic { r: 4.0, eta: ETA };
    assert!(largest_lyapunov_exponent(&map, &[0.3], ETA, 0, 1).is_err());
}
