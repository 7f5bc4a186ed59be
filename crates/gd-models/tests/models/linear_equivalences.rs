//! The deep linear network's two forms give the same trajectory; the residual net from zero
//! init follows the deep linear net from identity init; balanced factors multiply to R.

use gd_core::{GradientDescent, Objective, Schedule};
use gd_models::linear_data::{
    gaussian_matrix, general_target, random_orthogonal, symmetric_target, whitened_samples,
};
use gd_models::{DeepLinear, Initialization, ResidualLinear, balanced, initialize};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn max_relative_difference(a: &[f64], b: &[f64]) -> f64 {
    let scale = a.iter().fold(0.0_f64, |m, v| m.max(v.abs())).max(1e-300);
    a.iter()
        .zip(b)
        .fold(0.0_f64, |m, (x, y)| m.max((x - y).abs()))
        / scale
}

#[test]
fn covariance_and_sample_forms_give_the_same_1000_step_trajectory() {
    let widths = [4, 5, 4, 3];
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    // Not whitened: Σ = XXᵀ/N ≠ I, so the test covers the general covariance form.
    let x = gaussian_matrix(&mut rng, 4, 64);
    let r = general_target(3, 4, &[1.2, 0.8, 0.3], 2).unwrap();
    let y = gd_models::linear_data::product(r.as_ref(), x.as_ref()).unwrap();
    let cov = DeepLinear::from_target(&widths, x.as_ref(), r).unwrap();
    let samples = DeepLinear::from_samples(&widths, x, y).unwrap();
    assert!(cov.is_covariance_form() && !samples.is_covariance_form());
    let theta0 = initialize(
        &cov,
        &Initialization::Gaussian {
            scale: 0.5,
            seed: 3,
        },
    )
    .unwrap();
    let mut gd_a = GradientDescent::new(&cov, Schedule::constant(0.02).unwrap(), &theta0).unwrap();
    let mut gd_b =
        GradientDescent::new(&samples, Schedule::constant(0.02).unwrap(), &theta0).unwrap();
    let mut worst = 0.0_f64;
    for _ in 0..1000 {
        gd_a.step();
        gd_b.step();
        worst = worst.max(max_relative_difference(gd_a.theta(), gd_b.theta()));
    }
    let a = gd_a.into_theta();
    assert!(worst <= 1e-10, "max relative difference {worst:e}");
    let mut ws = cov.workspace();
    let moved = cov.loss(&a, &mut ws);
    assert!(
        moved
            < 0.5
                * cov.loss(
                    &initialize(
                        &cov,
                        &Initialization::Gaussian {
                            scale: 0.5,
                            seed: 3
                        }
                    )
                    .unwrap(),
                    &mut ws
                )
    );
}

#[test]
fn residual_net_from_zero_init_follows_deep_linear_from_identity_init() {
    let n = 4;
    let q = random_orthogonal(n, 5).unwrap();
    let r = symmetric_target(&[0.5, 0.9, 1.4, 2.0], &q).unwrap();
    let deep = DeepLinear::whitened(&[n; 6], r).unwrap();
    let residual = ResidualLinear::new(deep.clone()).unwrap();
    let w0 = initialize(&deep, &Initialization::Identity).unwrap();
    let a0 = vec![0.0; residual.dim()];
    let mut gd_w = GradientDescent::new(&deep, Schedule::constant(0.05).unwrap(), &w0).unwrap();
    let mut gd_a = GradientDescent::new(&residual, Schedule::constant(0.05).unwrap(), &a0).unwrap();
    for _ in 0..500 {
        gd_w.step();
        gd_a.step();
        // Rounding of I + A vs W differs by an ulp per step at most.
        assert!(max_relative_difference(gd_w.theta(), &residual.weights(gd_a.theta())) < 1e-12);
    }
}

#[test]
fn balanced_factors_multiply_to_the_target_and_are_balanced() {
    let r = general_target(3, 3, &[3.0, 1.0, 0.25], 4).unwrap();
    let net = DeepLinear::whitened(&[3, 3, 3, 3, 3], r.clone()).unwrap();
    let theta = balanced(&net, &r).unwrap();
    let p = net.product(&theta);
    for i in 0..3 {
        for j in 0..3 {
            assert!((p[(i, j)] - r[(i, j)]).abs() < 1e-13);
        }
    }
    for j in 1..4 {
        let (lo, hi) = (net.layer(&theta, j), net.layer(&theta, j + 1));
        let a = hi.transpose() * hi;
        let b = lo * lo.transpose();
        for s in 0..3 {
            for t in 0..3 {
                assert!(
                    (a[(s, t)] - b[(s, t)]).abs() < 1e-12,
                    "layer {j} not balanced"
                );
            }
        }
    }
    let mut ws = net.workspace();
    assert!(net.loss(&theta, &mut ws) < 1e-28);
}

#[test]
fn whitened_samples_have_identity_covariance_to_machine_precision() {
    for (d, n) in [(3, 3), (8, 100), (32, 1024)] {
        let x = whitened_samples(d, n, 7).unwrap();
        let s = &x * x.transpose();
        for i in 0..d {
            for j in 0..d {
                let expected = if i == j { 1.0 } else { 0.0 };
                assert!(
                    (s[(i, j)] / n as f64 - expected).abs() < 1e-14,
                    "({d}, {n}) entry ({i}, {j})"
                );
            }
        }
    }
    assert!(whitened_samples(4, 3, 0).is_err());
}
