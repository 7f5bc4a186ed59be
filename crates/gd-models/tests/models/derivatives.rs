//! Every model's gradient and HVP agree with central finite differences (gd-core's checker),
//! and its dense Hessian is symmetric, for several shapes each.

use faer::Mat;
use gd_core::Objective;
use gd_core::dense_hessian;
use gd_core::finite_difference::FiniteDifferenceCheck;
use gd_core::spectrum::asymmetry;
use gd_models::datasets::{gaussian_mixture, teacher_regression, two_spirals};
use gd_models::linear_data::{gaussian_matrix, general_target, whitened_samples};
use gd_models::{
    Activation, DeepLinear, Figure2, Initialization, LossScale, Mlp, MlpLoss, ResidualLinear,
    SharpWells, TwoLayerRelu, example1, example2, example3, initialize,
};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Checks gradient and HVP by finite differences and the symmetry of the dense Hessian.
fn check<O: Objective>(name: &str, objective: &O, theta: &[f64]) {
    let fd = FiniteDifferenceCheck::default();
    let g = fd.gradient(objective, theta).unwrap();
    let h = fd.hessian_vector_product(objective, theta).unwrap();
    assert!(g.passed, "{name}: gradient {g:?}");
    assert!(h.passed, "{name}: HVP {h:?}");
    if objective.dim() <= 400 {
        let mut ws = objective.workspace();
        // dense_hessian symmetrizes; check the raw HVP columns are symmetric before that.
        let d = objective.dim();
        let mut raw = Mat::<f64>::zeros(d, d);
        let (mut e, mut col) = (vec![0.0; d], vec![0.0; d]);
        for i in 0..d {
            e[i] = 1.0;
            objective.hessian_vector_product(theta, &e, &mut col, &mut ws);
            e[i] = 0.0;
            for r in 0..d {
                raw[(r, i)] = col[r];
            }
        }
        let scale = (0..d)
            .flat_map(|j| (0..d).map(move |i| (i, j)))
            .fold(1.0_f64, |m, (i, j)| m.max(raw[(i, j)].abs()));
        // Exact HVPs are symmetric to rounding: a few ε times the entry scale times the
        // number of terms summed (≤ d).
        assert!(
            asymmetry(raw.as_ref()) <= 1e-13 * scale * d as f64,
            "{name}: asymmetric Hessian"
        );
        assert!(dense_hessian(objective, theta, &mut ws).is_ok());
    }
}

fn random_point(d: usize, scale: f64, seed: u64) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    gd_models::linear_data::standard_normal(&mut rng, d)
        .iter()
        .map(|v| scale * v)
        .collect()
}

#[test]
fn scalar_examples_gradients_and_hvps_match_finite_differences() {
    for x in [-1.7, -0.3, 0.4, 2.2] {
        check("f1", &example1(), &[x]);
    }
    for x in [0.2, 0.9, 1.55, 2.3] {
        check("f2", &example2(), &[x]);
    }
    for l in [4, 6] {
        for x in [-0.8, 0.5, 1.1] {
            check("f3", &example3(l).unwrap(), &[x]);
        }
    }
    assert!(example3(3).is_err() && example3(2).is_err());
}

#[test]
fn deep_linear_in_both_forms_and_rectangular_shapes() {
    for (k, widths) in [
        vec![3, 3],
        vec![3, 4, 2],
        vec![4, 4, 4, 4],
        vec![2, 5, 3, 4, 2],
        vec![3, 2, 4, 3, 2, 3, 4, 2],
        vec![3; 8],
    ]
    .iter()
    .enumerate()
    {
        let (n0, nl) = (widths[0], widths[widths.len() - 1]);
        let r = general_target(nl, n0, &[2.0, 0.7], k as u64).unwrap();
        let x = whitened_samples(n0, 16, 3).unwrap();
        let cov = DeepLinear::from_target(widths, x.as_ref(), r.clone()).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let xr = gaussian_matrix(&mut rng, n0, 16);
        let samples =
            DeepLinear::from_samples(widths, xr.clone(), gaussian_matrix(&mut rng, nl, 16))
                .unwrap();
        let theta = initialize(
            &cov,
            &Initialization::Gaussian {
                scale: 0.8,
                seed: k as u64,
            },
        )
        .unwrap();
        check("deep linear (covariance)", &cov, &theta);
        check("deep linear (samples)", &samples, &theta);
        check(
            "deep linear (whitened)",
            &DeepLinear::whitened(widths, r).unwrap(),
            &theta,
        );
    }
}

#[test]
fn residual_linear_derivatives_match_finite_differences_and_non_square_layers_are_refused() {
    let r = general_target(3, 3, &[1.5, 1.0, 0.2], 1).unwrap();
    let net = ResidualLinear::new(DeepLinear::whitened(&[3, 3, 3, 3], r).unwrap()).unwrap();
    check("residual", &net, &random_point(net.dim(), 0.3, 4));
    assert!(
        ResidualLinear::new(DeepLinear::whitened(&[3, 2, 3], Mat::zeros(3, 3)).unwrap()).is_err()
    );
}

#[test]
fn two_layer_relu_away_from_kinks() {
    for (n, m, r) in [(1, 1, 5), (3, 2, 4), (2, 3, 6)] {
        let mut rng = ChaCha8Rng::seed_from_u64((n * 100 + m * 10 + r) as u64);
        let samples = 12;
        let x = gd_models::linear_data::standard_normal(&mut rng, n * samples);
        let y = gd_models::linear_data::standard_normal(&mut rng, m * samples);
        let b = gd_models::linear_data::standard_normal(&mut rng, r);
        for scale in [
            LossScale::FIGURE2,
            LossScale::THEOREM4,
            LossScale {
                half: true,
                mean: true,
            },
        ] {
            let net = TwoLayerRelu::new(n, m, x.clone(), y.clone(), b.clone(), scale).unwrap();
            // Finite differences straddling a kink would not measure the derivative; pick
            // the first seeded point whose pre-activations are all ≥ 1e-3 from a kink.
            let theta = (0..)
                .map(|s| random_point(net.dim(), 1.0, s))
                .find(|t| net.nearest_kink_distance(t) > 1e-3 && !net.is_dead(t))
                .unwrap();
            check("two-layer ReLU", &net, &theta);
        }
    }
}

#[test]
fn figure2_relu_net_derivatives_match_finite_differences_away_from_kinks() {
    let fig = Figure2::new(1).unwrap();
    let theta = (0..)
        .map(|k| fig.student(k))
        .find(|t| fig.model.nearest_kink_distance(t) > 1e-4)
        .unwrap();
    check("figure 2", &fig.model, &theta);
    assert_eq!(fig.model.dim(), 40);
    let mut ws = fig.model.workspace();
    // The targets are the teacher's outputs by the generic formula; the sorted-scalar loss
    // sums in another order (segments that cancel are summed residual by residual), so the
    // teacher's loss is rounding-level, not exactly 0.
    let teacher_loss = fig.model.loss(&fig.teacher, &mut ws);
    assert!(
        teacher_loss < 1e-24,
        "the teacher interpolates its own outputs: loss {teacher_loss:e}"
    );
}

#[test]
fn sharp_wells_in_one_and_several_dimensions() {
    let f = SharpWells::one_dimensional();
    for x in [-1.0, 0.1, 2.9, 2.97, 3.05] {
        check("wells 1-D", &f, &[x]);
    }
    let g = SharpWells::random(5, 4, 2.0, 1.0, 0.3, 8).unwrap();
    let c = g.wells()[0].center.clone();
    check(
        "wells 5-D",
        &g,
        &c.iter().map(|v| v + 0.05).collect::<Vec<_>>(),
    );
    check("wells 5-D far", &g, &random_point(5, 1.0, 2));
}

#[test]
fn mlps_with_each_activation_and_loss() {
    let spirals = two_spirals(10, 1.5, 0.05, 1).unwrap();
    let mixture = gaussian_mixture(3, 3, 5, 2.0, 2).unwrap();
    let teacher = teacher_regression(&[4, 6, 2], 15, 3).unwrap();
    for activation in [Activation::Tanh, Activation::Relu, Activation::Identity] {
        let cases = [
            (vec![2, 8, 2], MlpLoss::SoftmaxCrossEntropy, &spirals),
            (vec![3, 5, 4, 3], MlpLoss::SoftmaxCrossEntropy, &mixture),
            (vec![4, 7, 2], MlpLoss::Squared, &teacher),
        ];
        for (sizes, loss, data) in cases {
            let mlp = Mlp::new(&sizes, activation, loss, data.x.clone(), data.y.clone()).unwrap();
            let theta = mlp.initialize(1.0, 5);
            check(
                &format!("mlp {activation:?} {loss:?} {sizes:?}"),
                &mlp,
                &theta,
            );
        }
    }
}

#[test]
fn a_network_of_ten_thousand_parameters_on_real_data_matches_finite_differences() {
    use gd_models::LabelledData;
    // 300 digits (three blocks), 64 → 100 → 60 → 10: d = 13,170.
    let digits = LabelledData::digits()
        .unwrap()
        .first(300)
        .unwrap()
        .scaled(1.0 / 16.0)
        .unwrap();
    for (activation, loss) in [
        (Activation::Tanh, MlpLoss::Squared),
        (Activation::Relu, MlpLoss::SoftmaxCrossEntropy),
    ] {
        let mlp = Mlp::new(
            &[64, 100, 60, 10],
            activation,
            loss,
            digits.x.clone(),
            digits.one_hot().unwrap(),
        )
        .unwrap();
        assert!(mlp.dim() >= 10_000);
        let theta = mlp.initialize(1.0, 9);
        let fd = FiniteDifferenceCheck::default();
        let g = fd.gradient(&mlp, &theta).unwrap();
        let h = fd.hessian_vector_product(&mlp, &theta).unwrap();
        assert!(g.passed, "{activation:?}: gradient {g:?}");
        assert!(h.passed, "{activation:?}: HVP {h:?}");
    }
}

#[test]
fn fashion_mnist_idx_files_are_read_as_debian_installs_them() {
    // `.ci/run` installs Debian's dataset-fashion-mnist package, which puts them here.
    let dir = std::path::Path::new("/usr/share/datasets/fashion-mnist");
    let data = gd_models::LabelledData::from_idx(
        &dir.join("t10k-images-idx3-ubyte.gz"),
        &dir.join("t10k-labels-idx1-ubyte.gz"),
        10,
    )
    .unwrap();
    assert_eq!((data.len(), data.features, data.classes), (10_000, 784, 10));
    let mut counts = [0; 10];
    data.labels.iter().for_each(|&l| counts[l] += 1);
    assert_eq!(counts, [1000; 10], "the test set is balanced");
    assert!(data.x.iter().all(|&v| (0.0..=255.0).contains(&v)));
    assert_eq!(data.x.iter().fold(0.0_f64, |m, &v| m.max(v)), 255.0);
}

#[test]
fn sharpness_tracked_by_lanczos_equals_the_dense_solvers_on_a_network() {
    use gd_core::analyses::{Monitor, SharpnessAlongOptions, sharpness_along};
    use gd_core::{Schedule, dense_extreme_eigenvalues};
    // 150 digits, 64 → 4 → 10: d = 310, above the dense path's default threshold, so the
    // tracker uses restarted Lanczos; the dense solver at the same θ is the reference.
    let digits = gd_models::LabelledData::digits()
        .unwrap()
        .first(150)
        .unwrap()
        .scaled(1.0 / 16.0)
        .unwrap();
    let mlp = Mlp::new(
        &[64, 4, 10],
        Activation::Tanh,
        MlpLoss::Squared,
        digits.x.clone(),
        digits.one_hot().unwrap(),
    )
    .unwrap();
    assert!(mlp.dim() > gd_core::DEFAULT_DENSE_MAX_DIM);
    let theta0 = mlp.initialize(1.0, 4);
    let options = SharpnessAlongOptions {
        every: 10,
        basis_size: 16,
        ..SharpnessAlongOptions::default()
    };
    let run = sharpness_along(
        &mlp,
        &theta0,
        Schedule::constant(0.5).unwrap(),
        20,
        &options,
        Monitor::default(),
    )
    .unwrap();
    assert_eq!(run.samples.len(), 3);
    // Replay the same steps to get θ_10 and θ_20.
    let mut gd =
        gd_core::GradientDescent::new(&mlp, Schedule::constant(0.5).unwrap(), &theta0).unwrap();
    let mut ws = mlp.workspace();
    for sample in &run.samples {
        while gd.iteration() < sample.iteration {
            gd.step();
        }
        let dense = dense_extreme_eigenvalues(&mlp, gd.theta(), 1, &mut ws).unwrap();
        // Converged to a residual of 1e-8·λmax, which bounds the error by the same.
        assert!(sample.converged);
        let error = (sample.sharpness - dense.sharpness()).abs();
        assert!(
            error <= 1e-8 * dense.sharpness(),
            "step {}: {} vs {}",
            sample.iteration,
            sample.sharpness,
            dense.sharpness()
        );
    }
}
