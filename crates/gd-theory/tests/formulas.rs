//! The formulas agree with each other and with hand-derived values, and reject inputs outside
//! their conditions.

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, Par};
use gd_theory::TheoryError;
use gd_theory::deep_linear::{
    corollary1_bound, corollary2_singular_value_bound, nearest_psd, theorem1, theorem2_limit,
    theorem2_step_bound, theorem3_limit_loss, theorem3_step_bound,
};
use gd_theory::relu::{theorem4_bound, theorem4_statistic};
use gd_theory::scalar::{
    example1_convergent_starts, example1_orbit_amplitude, example1_orbit_loss, example3_threshold,
};
use gd_theory::sharp_wells::{escape_step_range, stand_in_minimum};

#[test]
fn example1_set_s_is_the_chain_of_preimages_of_zero() {
    let eta = 0.3;
    let s = example1_convergent_starts(eta, 5).unwrap();
    assert_eq!(s[0], eta * eta);
    for k in 1..5 {
        // One GD step from s_{k+1} lands on s_k (up to rounding).
        let next = s[k] - eta * s[k].sqrt();
        assert!((next - s[k - 1]).abs() < 1e-14, "{k}");
    }
    // The orbit point solves x − η√x = −x, and the loss there is (2/3)x^{3/2}.
    let a = example1_orbit_amplitude(eta).unwrap();
    assert!((a - eta * a.sqrt() + a).abs() < 1e-16);
    assert!((example1_orbit_loss(eta).unwrap() - 2.0 / 3.0 * a.powf(1.5)).abs() < 1e-16);
}

#[test]
fn example3_threshold_makes_the_multiplier_minus_one() {
    for power in [4_u32, 6, 8] {
        let eta = 0.07;
        let x = example3_threshold(eta, power).unwrap();
        let l = power as f64;
        assert!((1.0 - eta * l * x.powf(l - 2.0) + 1.0).abs() < 1e-12);
    }
}

#[test]
fn corollary2_inverts_corollary1_and_theorem2_is_within_a_factor_two() {
    for depth in [2, 3, 10] {
        for rho in [0.5, 1.0, 2.0, 7.0] {
            let eta = corollary1_bound(rho, depth).unwrap();
            let back = corollary2_singular_value_bound(eta, depth).unwrap();
            assert!((back - rho).abs() < 1e-12 * rho);
            let t2 = theorem2_step_bound(rho, depth).unwrap();
            assert!(t2 <= eta && (rho < 1.0 || (eta / t2 - 2.0).abs() < 1e-12));
        }
    }
}

#[test]
fn theorem1_at_a_scaled_identity_matches_the_hand_computed_sum() {
    // W_j = c I (n = 2, L = 3): p_{j−1} = c^{j−1}, q_{j+1} = c^{L−j}, sum = L c^{2(L−1)}.
    let c = 1.3;
    let w = Mat::from_fn(2, 2, |i, j| if i == j { c } else { 0.0 });
    let t = theorem1(&[w.as_ref(), w.as_ref(), w.as_ref()]).unwrap();
    assert!((t.bound - 2.0 / (3.0 * c.powi(4))).abs() < 1e-14);
}

#[test]
fn principal_root_and_nearest_psd() {
    let r = Mat::from_fn(2, 2, |i, j| [[2.0, 1.0], [1.0, 2.0]][i][j]);
    let root = theorem2_limit(r.as_ref(), 2).unwrap();
    let mut back = Mat::zeros(2, 2);
    matmul(
        back.as_mut(),
        Accum::Replace,
        root.as_ref(),
        root.as_ref(),
        1.0,
        Par::Seq,
    );
    for i in 0..2 {
        for j in 0..2 {
            assert!((back[(i, j)] - r[(i, j)]).abs() < 1e-14);
        }
    }
    let indefinite = Mat::from_fn(2, 2, |i, j| [[0.0, 2.0], [2.0, 0.0]][i][j]);
    let plus = nearest_psd(indefinite.as_ref()).unwrap();
    assert!((plus[(0, 0)] - 1.0).abs() < 1e-14 && (plus[(0, 1)] - 1.0).abs() < 1e-14);
    assert_eq!(theorem3_limit_loss(indefinite.as_ref()).unwrap(), 2.0);
    assert!(matches!(
        theorem2_limit(indefinite.as_ref(), 2),
        Err(TheoryError::OutsideConditions { .. })
    ));
    assert!((theorem3_step_bound(-2.0, 2.0, 2).unwrap() - 0.25).abs() < 1e-15);
}

#[test]
fn theorem4_bound_and_statistic_and_the_sharp_well_escape_range_match_hand_values() {
    assert_eq!(theorem4_bound(0.25, true, None).unwrap(), 4.0);
    assert_eq!(theorem4_bound(0.25, false, None).unwrap(), 2.0);
    assert_eq!(theorem4_statistic(&[1.0, 2.0], &[3.0, 0.5]).unwrap(), 3.0);
    let sharp = stand_in_minimum(1.0, 3.0, 0.1, 3.0).unwrap();
    let flat = stand_in_minimum(1.0, 3.0, 0.1, 0.0).unwrap();
    assert!((sharp.x - 2.97).abs() < 0.01 && (sharp.curvature - 87.0).abs() < 2.0);
    assert!(flat.x.abs() < 1e-100_f64.max(1e-12) && (flat.curvature - 1.0).abs() < 1e-9);
    let (lo, hi) = escape_step_range(sharp.curvature, flat.curvature).unwrap();
    assert!((lo - 2.0 / sharp.curvature).abs() < 1e-15 && hi == 2.0);
}

#[test]
fn inputs_outside_the_conditions_are_rejected() {
    assert!(matches!(
        corollary2_singular_value_bound(0.0, 3),
        Err(TheoryError::InvalidStepSize { .. })
    ));
    assert!(corollary2_singular_value_bound(0.1, 1).is_err());
    assert!(corollary1_bound(0.0, 3).is_err() && corollary1_bound(1.0, 0).is_err());
    assert!(example3_threshold(0.1, 5).is_err() && example3_threshold(f64::NAN, 4).is_err());
    assert!(theorem3_step_bound(0.5, 1.0, 2).is_err());
    let nan = Mat::from_fn(2, 2, |_, _| f64::NAN);
    assert!(matches!(
        nearest_psd(nan.as_ref()),
        Err(TheoryError::LinearAlgebra(_))
    ));
    let zero = Mat::<f64>::zeros(2, 2);
    assert!(theorem1(&[zero.as_ref()]).is_err());
    let (a, b) = (Mat::<f64>::zeros(2, 3), Mat::<f64>::zeros(2, 2));
    assert!(theorem1(&[a.as_ref(), a.as_ref(), b.as_ref()]).is_err());
}
