//! The finite-difference checker accepts exact derivatives and catches wrong ones.

use crate::support::{Quadratic, Scalar, f2};
use gd_core::Objective;
use gd_core::finite_difference::FiniteDifferenceCheck;

#[test]
fn the_checker_accepts_exact_gradients_and_hvps_of_a_quadratic_and_f2() {
    let check = FiniteDifferenceCheck::default();
    let q = Quadratic::with_spectrum(&[0.5, 1.0, 4.0, 9.0], 2);
    let theta = [0.3, -1.2, 0.7, 2.0];
    assert!(check.gradient(&q, &theta).unwrap().passed);
    assert!(check.hessian_vector_product(&q, &theta).unwrap().passed);
    for x in [0.3, 1.2, 1.7, 2.4] {
        let g = check.gradient(&f2(), &[x]).unwrap();
        let h = check.hessian_vector_product(&f2(), &[x]).unwrap();
        assert!(g.passed && h.passed, "x = {x}: {g:?} {h:?}");
    }
}

#[test]
fn a_gradient_off_by_one_percent_fails() {
    let wrong = Scalar {
        f: |x| x.powi(3),
        df: |x| 3.03 * x * x,
        d2f: |x| 6.0 * x,
    };
    let check = FiniteDifferenceCheck::default();
    let g = check.gradient(&wrong, &[1.5]).unwrap();
    let h = check.hessian_vector_product(&wrong, &[1.5]).unwrap();
    assert!(!g.passed && g.max_relative_error > 5e-3, "{g:?}");
    // The HVP is the exact f'' = 6x, but finite differences of the wrong gradient give 6.06x.
    assert!(!h.passed, "{h:?}");
    assert_eq!(wrong.dim(), 1);
}
