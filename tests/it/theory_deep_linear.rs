//! Deep linear networks: Theorems 1–3 and Corollary 1 against GD runs and Hessians.

use faer::{Mat, MatRef};
use stepsize::dynamics::DEFAULT_MARGINAL_TOLERANCE;
use stepsize::dynamics::dense_hessian;
use stepsize::dynamics::spectrum::symmetric_eigenvalues;
use stepsize::dynamics::{
    Attractor, GradientDescent, Objective, RunConfig, Schedule, Stability, linearize, run_gd,
};
use stepsize::models::linear_data::{random_orthogonal, symmetric_target};
use stepsize::models::{DeepLinear, Initialization, balanced, initialize};
use stepsize::theory::deep_linear::{
    corollary1_bound, nearest_psd, spectral_norm, theorem1, theorem2_limit, theorem2_step_bound,
    theorem3_limit_loss, theorem3_step_bound,
};

fn frobenius_distance(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> f64 {
    let mut s = 0.0;
    for j in 0..a.ncols() {
        for i in 0..a.nrows() {
            s += (a[(i, j)] - b[(i, j)]).powi(2);
        }
    }
    s.sqrt()
}

fn layers<'a>(net: &DeepLinear, theta: &'a [f64]) -> Vec<MatRef<'a, f64>> {
    (1..=net.depth()).map(|j| net.layer(theta, j)).collect()
}

fn sharpness(net: &DeepLinear, theta: &[f64]) -> f64 {
    let mut ws = net.workspace();
    let h = dense_hessian(net, theta, &mut ws).unwrap();
    *symmetric_eigenvalues(h.as_ref()).unwrap().last().unwrap()
}

#[test]
fn theorem2_identity_init_converges_to_the_principal_root() {
    let spectra: [&[f64]; 3] = [
        &[0.3, 0.7, 1.5, 2.0],
        &[0.5, 0.8, 1.2, 3.0],
        &[0.2, 0.4, 0.6, 0.9],
    ];
    for (s, spectrum) in spectra.iter().enumerate() {
        let r = symmetric_target(spectrum, &random_orthogonal(4, s as u64).unwrap()).unwrap();
        let rho = spectral_norm(r.as_ref()).unwrap();
        for depth in [2, 5, 10] {
            let net = DeepLinear::whitened(&vec![4; depth + 1], r.clone()).unwrap();
            let eta = 0.9 * theorem2_step_bound(rho, depth).unwrap();
            let theta0 = initialize(&net, &Initialization::Identity).unwrap();
            let config = RunConfig {
                max_iterations: 100_000,
                ..RunConfig::default()
            };
            let t = run_gd(&net, &theta0, Schedule::constant(eta).unwrap(), &config).unwrap();
            let Attractor::FixedPoint { point, .. } = &t.attractor else {
                panic!("spectrum {s}, L = {depth}: {:?}", t.attractor.kind());
            };
            let root = theorem2_limit(r.as_ref(), depth).unwrap();
            for j in 1..=depth {
                let d = frobenius_distance(net.layer(point, j), root.as_ref());
                assert!(d < 1e-8, "spectrum {s}, L = {depth}, W_{j}: {d:e}");
            }
            let lin = linearize(&net, point, eta, DEFAULT_MARGINAL_TOLERANCE).unwrap();
            assert!(eta * lin.sharpness <= 2.0, "the limit must pass η·λmax ≤ 2");
        }
    }
}

/// The end of a Theorem 3 run: the smallest ‖R̂ − R₊‖ seen, the final distance, the final
/// loss, and whether W₂ = W₁ᵀ bit for bit at the end (L = 2).
struct Theorem3Run {
    closest: f64,
    last: f64,
    loss: f64,
    transposed_factors: bool,
}

/// GD from `init` on a symmetric R with a negative eigenvalue at 0.9× Theorem 3's step bound.
fn theorem3_run(r: &Mat<f64>, depth: usize, init: Initialization, steps: usize) -> Theorem3Run {
    let n = r.nrows();
    let net = DeepLinear::whitened(&vec![n; depth + 1], r.clone()).unwrap();
    let (values, _) = stepsize::dynamics::spectrum::symmetric_eigen(r.as_ref()).unwrap();
    let eta =
        0.9 * theorem3_step_bound(values[0], spectral_norm(r.as_ref()).unwrap(), depth).unwrap();
    let target = nearest_psd(r.as_ref()).unwrap();
    let theta0 = initialize(&net, &init).unwrap();
    let mut gd = GradientDescent::new(&net, Schedule::constant(eta).unwrap(), &theta0).unwrap();
    let mut closest = f64::INFINITY;
    for _ in 0..steps {
        gd.step();
        closest = closest.min(frobenius_distance(
            net.product(gd.theta()).as_ref(),
            target.as_ref(),
        ));
    }
    let theta = gd.into_theta();
    let last = frobenius_distance(net.product(&theta).as_ref(), target.as_ref());
    let mut ws = net.workspace();
    let (w1, w2) = (net.layer(&theta, 1), net.layer(&theta, depth.min(2)));
    let transposed_factors =
        (0..n).all(|i| (0..n).all(|j| w2[(i, j)].to_bits() == w1[(j, i)].to_bits()));
    Theorem3Run {
        closest,
        last,
        loss: net.loss(&theta, &mut ws),
        transposed_factors,
    }
}

#[test]
fn theorem3_product_reaches_the_nearest_psd_matrix_and_rounding_decides_what_follows() {
    let spectrum = [-0.5, 0.3, 1.2, 2.0];
    let diagonal = symmetric_target(&spectrum, &Mat::identity(4, 4)).unwrap();
    let rotated = symmetric_target(&spectrum, &random_orthogonal(4, 3).unwrap()).unwrap();
    let limit_loss = theorem3_limit_loss(diagonal.as_ref()).unwrap();
    assert_eq!(limit_loss, 0.125);
    let identity = || Initialization::Identity;

    // Diagonal R: iterates stay exactly diagonal, so GD sits on R₊ (a saddle) for good.
    let run = theorem3_run(&diagonal, 2, identity(), 10_000);
    assert!(
        run.last < 1e-10 && (run.loss - limit_loss).abs() < 1e-12,
        "{:e}",
        run.last
    );
    // L = 4: the negative direction decays sublinearly (w ← w − η|λ|w³ near 0).
    let run = theorem3_run(&diagonal, 4, identity(), 10_000);
    assert!(run.last < 1e-3, "{:e}", run.last);

    // Rotated R, L = 2: the two gradients W₂ᵀG and GW₁ᵀ are exact transposes in floating
    // point, so W₂ = W₁ᵀ bit for bit, R̂ = W₁ᵀW₁ stays PSD and GD stays on R₊ as well.
    let run = theorem3_run(&rotated, 2, identity(), 10_000);
    assert!(run.transposed_factors && run.last < 1e-10, "{:e}", run.last);
    // An asymmetric perturbation of 1e-12 is enough: GD passes within 1e-8 of R₊, then the
    // saddle's unstable direction (growth 1 + η|λ| per step) takes it to a zero-loss minimum.
    let noisy = Initialization::IdentityPlusNoise {
        scale: 1e-12,
        seed: 1,
    };
    let run = theorem3_run(&rotated, 2, noisy, 10_000);
    assert!(
        run.closest < 1e-8 && run.last > 0.1 && run.loss < 1e-20,
        "{:e} {:e} {:e}",
        run.closest,
        run.last,
        run.loss
    );
    // Rotated R, L = 3: rounding alone breaks the symmetry; GD comes within 1e-5 of R₊ and
    // leaves it for another critical point of lower loss.
    let run = theorem3_run(&rotated, 3, identity(), 10_000);
    assert!(
        run.closest < 1e-5 && run.last > 0.1 && run.loss < 0.5 * limit_loss,
        "{:e} {:e} {:e}",
        run.closest,
        run.last,
        run.loss
    );
}

#[test]
fn theorem1_is_tight_at_a_balanced_factorization_of_a_psd_target() {
    let r = symmetric_target(&[0.4, 1.1, 2.5], &random_orthogonal(3, 1).unwrap()).unwrap();
    for depth in [2, 3, 5] {
        let net = DeepLinear::whitened(&vec![3; depth + 1], r.clone()).unwrap();
        let theta = balanced(&net, &r).unwrap();
        let bound = theorem1(&layers(&net, &theta)).unwrap().bound;
        let exact = 2.0 / sharpness(&net, &theta);
        assert!(
            (bound - exact).abs() <= 1e-10 * exact,
            "L = {depth}: {bound} vs {exact}"
        );
        let cor1 = corollary1_bound(2.5, depth).unwrap();
        assert!(
            (bound - cor1).abs() <= 1e-10 * cor1,
            "balanced attains Corollary 1"
        );
    }
}

#[test]
fn theorem1_bounds_two_over_lambda_max_from_above_and_shrinks_under_rescaling() {
    let r = symmetric_target(&[-0.7, 0.9, 1.8], &random_orthogonal(3, 2).unwrap()).unwrap();
    let net = DeepLinear::whitened(&[3, 3, 3, 3], r).unwrap();
    let theta0 = initialize(
        &net,
        &Initialization::Gaussian {
            scale: 0.9,
            seed: 4,
        },
    )
    .unwrap();
    let config = RunConfig {
        max_iterations: 200_000,
        gradient_tolerance: Some(1e-13),
        ..RunConfig::default()
    };
    let t = run_gd(&net, &theta0, Schedule::constant(0.05).unwrap(), &config).unwrap();
    let Attractor::FixedPoint { point, .. } = &t.attractor else {
        panic!("{:?}", t.attractor.kind())
    };
    let mut ws = net.workspace();
    assert!(net.loss(point, &mut ws) < 1e-20, "a global minimum");
    let bound = theorem1(&layers(&net, point)).unwrap().bound;
    let exact = 2.0 / sharpness(&net, point);
    assert!(bound >= exact * (1.0 - 1e-10), "{bound} < {exact}");
    let mut previous = bound;
    for alpha in [2.0, 4.0, 8.0] {
        let mut scaled = point.clone();
        scaled[net.layer_range(1)]
            .iter_mut()
            .for_each(|v| *v *= alpha);
        scaled[net.layer_range(2)]
            .iter_mut()
            .for_each(|v| *v /= alpha);
        let b = theorem1(&layers(&net, &scaled)).unwrap().bound;
        assert!(
            b < previous,
            "rescaling makes the bound smaller: {b} vs {previous}"
        );
        assert!(b >= 2.0 / sharpness(&net, &scaled) * (1.0 - 1e-10));
        previous = b;
    }
}

/// Whether GD from θ* + δu stays within 100δ of θ* for `steps` steps.
fn stays_near(net: &DeepLinear, star: &[f64], eta: f64, steps: usize) -> bool {
    let delta = 1e-7;
    let d = star.len();
    let theta0: Vec<f64> = (0..d)
        .map(|i| star[i] + delta * ((i * 7 + 3) as f64).sin())
        .collect();
    let mut gd = GradientDescent::new(net, Schedule::constant(eta).unwrap(), &theta0).unwrap();
    for _ in 0..steps {
        gd.step();
        let dist = gd
            .theta()
            .iter()
            .zip(star)
            .map(|(a, b)| (a - b).powi(2))
            .sum::<f64>()
            .sqrt();
        if dist > 100.0 * delta * (d as f64).sqrt() {
            return false;
        }
    }
    true
}

#[test]
fn corollary1_is_necessary_and_the_empirical_stability_boundary_is_two_over_lambda_max() {
    let r = symmetric_target(&[0.6, 1.3, 2.2], &random_orthogonal(3, 5).unwrap()).unwrap();
    let net = DeepLinear::whitened(&[3, 3, 3, 3], r).unwrap();
    let theta0 = initialize(
        &net,
        &Initialization::Gaussian {
            scale: 0.8,
            seed: 1,
        },
    )
    .unwrap();
    let config = RunConfig {
        max_iterations: 200_000,
        gradient_tolerance: Some(1e-13),
        ..RunConfig::default()
    };
    let t = run_gd(&net, &theta0, Schedule::constant(0.04).unwrap(), &config).unwrap();
    let star = t.final_state.unwrap().parameters;
    let bound = theorem1(&layers(&net, &star)).unwrap().bound;
    let above = linearize(&net, &star, bound * 1.001, DEFAULT_MARGINAL_TOLERANCE).unwrap();
    assert_eq!(above.stability, Stability::Unstable);
    // Theorem 1's bound is ≥ 2/λmax there, and Corollary 1 bounds it over all factorizations.
    assert!(bound >= above.max_stable_step.unwrap() * (1.0 - 1e-10));
    assert!(
        bound
            <= corollary1_bound(spectral_norm(net.product(&star).as_ref()).unwrap(), 3).unwrap()
                * (1.0 + 1e-10)
    );

    let critical = 2.0 / sharpness(&net, &star);
    let (mut lo, mut hi) = (0.5 * critical, 2.0 * critical);
    assert!(stays_near(&net, &star, lo, 3000) && !stays_near(&net, &star, hi, 3000));
    for _ in 0..12 {
        let mid = 0.5 * (lo + hi);
        if stays_near(&net, &star, mid, 3000) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let boundary = 0.5 * (lo + hi);
    assert!(
        (boundary - critical).abs() <= 0.01 * critical,
        "empirical {boundary} vs 2/λmax {critical}"
    );
}
