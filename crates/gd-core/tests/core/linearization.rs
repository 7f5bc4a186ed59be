//! The verdict of the linearization flips at η = 2/λmax, and runs agree with it.

use crate::support::{Quadratic, f2};
use gd_core::dense_hessian;
use gd_core::{
    Attractor, Objective, RunConfig, Schedule, Stability, largest_lyapunov_exponent, linearize,
    run_gd,
};
use gd_core::{DEFAULT_MARGINAL_TOLERANCE, gd_jacobian};

const SPECTRUM: [f64; 5] = [0.25, 1.0, 2.5, 4.0, 7.5];

fn quadratic() -> Quadratic {
    Quadratic::with_spectrum(&SPECTRUM, 7)
}

#[test]
fn verdict_flips_at_two_over_lambda_max_within_1e9_relative() {
    let q = quadratic();
    let critical = 2.0 / 7.5;
    let theta = vec![0.3; 5];
    let below = linearize(
        &q,
        &theta,
        critical * (1.0 - 1e-9),
        DEFAULT_MARGINAL_TOLERANCE,
    )
    .unwrap();
    let above = linearize(
        &q,
        &theta,
        critical * (1.0 + 1e-9),
        DEFAULT_MARGINAL_TOLERANCE,
    )
    .unwrap();
    assert_eq!(below.stability, Stability::Stable, "{below:?}");
    assert_eq!(above.stability, Stability::Unstable, "{above:?}");
    // λmax from the dense path is exact to rounding: 2/λmax matches the known spectrum.
    assert!((below.max_stable_step.unwrap() - critical).abs() <= 1e-13 * critical);
    assert!((below.sharpness - 7.5).abs() <= 1e-13 * 7.5);
    assert!((below.lambda_min - 0.25).abs() <= 1e-13 * 7.5);
}

#[test]
fn runs_converge_below_and_diverge_above_the_critical_step() {
    let q = quadratic();
    let critical = 2.0 / 7.5;
    let theta0 = vec![1.0, -0.5, 0.25, 0.8, -1.0];
    let config = RunConfig {
        max_iterations: 20_000,
        ..RunConfig::default()
    };
    let converged = run_gd(
        &q,
        &theta0,
        Schedule::constant(0.99 * critical).unwrap(),
        &config,
    )
    .unwrap();
    match &converged.attractor {
        Attractor::FixedPoint {
            point, residual, ..
        } => {
            assert!(point.iter().all(|x| x.abs() < 1e-12), "{point:?}");
            assert!(*residual < 1e-12);
        }
        other => panic!("expected a fixed point, got {other:?}"),
    }
    let diverged = run_gd(
        &q,
        &theta0,
        Schedule::constant(1.01 * critical).unwrap(),
        &config,
    )
    .unwrap();
    assert!(
        matches!(diverged.attractor, Attractor::Diverged { .. }),
        "{:?}",
        diverged.attractor
    );
    assert!(diverged.final_state.is_none());
}

#[test]
fn jacobian_is_identity_minus_eta_hessian() {
    let q = quadratic();
    let mut ws = q.workspace();
    let h = dense_hessian(&q, &[0.0; 5], &mut ws).unwrap();
    let j = gd_jacobian(h.as_ref(), 0.1).unwrap();
    for r in 0..5 {
        for c in 0..5 {
            let id = if r == c { 1.0 } else { 0.0 };
            assert_eq!(j[(r, c)], id - 0.1 * h[(r, c)]);
            assert_eq!(h[(r, c)], h[(c, r)], "dense Hessian must be symmetric");
        }
    }
}

#[test]
fn lyapunov_exponent_of_a_quadratic_is_log_of_the_slowest_contraction() {
    let q = quadratic();
    let eta = 0.2;
    // Eigenvalues of I − ηA are 1 − ηλ: the largest modulus is |1 − 0.2·7.5| = 0.5 vs
    // 1 − 0.2·0.25 = 0.95, so the exponent is ln 0.95.
    let estimate = largest_lyapunov_exponent(&q, &[1.0; 5], eta, 200, 2000).unwrap();
    assert!(
        (estimate.exponent - 0.95_f64.ln()).abs() < 1e-9,
        "{estimate:?}"
    );
    // Every step grows the tangent vector by the same factor: the blocks agree to rounding.
    assert!(estimate.standard_error < 1e-12, "{estimate:?}");
}

#[test]
fn lyapunov_exponent_is_positive_in_the_chaotic_band_of_example_2() {
    // Near x = 2, f2's attractor goes through period doubling into chaos for η in (0.2, 0.3)
    // (catalogue, ns-ex2); at η = 0.29 from x₀ = 2.1 the exponent is positive.
    let exponent = largest_lyapunov_exponent(&f2(), &[2.1], 0.29, 1000, 20_000)
        .unwrap()
        .exponent;
    let stable = largest_lyapunov_exponent(&f2(), &[1.1], 0.1, 1000, 2_000)
        .unwrap()
        .exponent;
    assert!(stable < 0.0, "{stable}");
    // An independent float64 script gives 0.425–0.430 from three starts; 0.3 is a margin
    // that any non-chaotic attractor (exponent ≤ 0) misses by far.
    assert!(exponent > 0.3, "{exponent}");
}
