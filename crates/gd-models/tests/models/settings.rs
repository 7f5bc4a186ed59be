//! The papers' settings as the models build them: f2's curvatures, Figure 2's sizes, the
//! stand-in's minima, bad input.

use faer::Mat;
use gd_core::Objective;
use gd_core::dense_hessian;
use gd_models::{DeepLinear, Figure2, LossScale, ModelError, SharpWells, TwoLayerRelu, example2};

#[test]
fn f2_curvatures_at_its_minima_are_4_and_10() {
    let f2 = example2();
    let mut ws = ();
    assert_eq!(dense_hessian(&f2, &[1.0], &mut ws).unwrap()[(0, 0)], 4.0);
    assert_eq!(dense_hessian(&f2, &[2.0], &mut ws).unwrap()[(0, 0)], 10.0);
    assert_eq!(f2.derivative(1.0), 0.0);
    assert_eq!(f2.derivative(2.0), 0.0);
}

#[test]
fn figure2_uses_the_authors_inputs_and_a_teacher_target() {
    let fig = Figure2::new(3).unwrap();
    assert_eq!(fig.model.samples(), 1000);
    assert_eq!(fig.model.hidden(), 20);
    assert_eq!(fig.model.inputs()[999], 0.999);
    assert_eq!(
        fig.model.targets(),
        fig.model.outputs(&fig.teacher).as_slice()
    );
    assert_ne!(fig.student(0), fig.student(1));
    assert_eq!(
        fig.student(0),
        Figure2::new(3).unwrap().student(0),
        "seeded"
    );
}

#[test]
fn the_sharp_well_makes_a_sharp_local_minimum_near_three() {
    let f = SharpWells::one_dimensional();
    let mut ws = ();
    // Newton's method on f′ from the well's centre finds the local minimum.
    let mut x = 3.0;
    let (mut g, mut h) = ([0.0], [0.0]);
    for _ in 0..50 {
        f.loss_and_gradient(&[x], &mut g, &mut ws);
        f.hessian_vector_product(&[x], &[1.0], &mut h, &mut ws);
        x -= g[0] / h[0];
    }
    assert!((x - 2.97).abs() < 0.01, "{x}");
    f.hessian_vector_product(&[x], &[1.0], &mut h, &mut ws);
    assert!((h[0] - 87.0).abs() < 2.0, "curvature {}", h[0]);
}

#[test]
fn bad_shapes_and_data_are_typed_errors() {
    assert!(matches!(
        DeepLinear::whitened(&[3], Mat::zeros(3, 3)),
        Err(ModelError::Invalid { .. })
    ));
    assert!(matches!(
        DeepLinear::whitened(&[3, 0, 3], Mat::zeros(3, 3)),
        Err(ModelError::Empty { .. })
    ));
    assert!(matches!(
        DeepLinear::whitened(&[3, 3], Mat::zeros(2, 3)),
        Err(ModelError::Shape { .. })
    ));
    let nan = Mat::from_fn(2, 2, |_, _| f64::NAN);
    assert!(matches!(
        DeepLinear::whitened(&[2, 2], nan),
        Err(ModelError::NonFinite { .. })
    ));
    assert!(matches!(
        TwoLayerRelu::new(1, 1, vec![], vec![], vec![0.0], LossScale::FIGURE2),
        Err(ModelError::Empty { .. })
    ));
    assert!(matches!(
        TwoLayerRelu::new(
            1,
            1,
            vec![0.1, 0.2],
            vec![1.0],
            vec![0.0],
            LossScale::FIGURE2
        ),
        Err(ModelError::Shape { .. })
    ));
    assert!(
        SharpWells::new(
            1,
            vec![gd_models::Well {
                center: vec![0.0],
                depth: -1.0,
                width: 0.1
            }]
        )
        .is_err()
    );
}

#[test]
fn sorted_scalar_reformulation_matches_the_generic_loops() {
    let fig = Figure2::new(5).unwrap();
    assert!(fig.model.uses_sorted_scalar_path());
    let generic = fig.model.without_sorted_scalar_path();
    let (mut ws_fast, mut ws_slow) = (fig.model.workspace(), generic.workspace());
    for k in 0..5 {
        let theta = fig.student(k);
        let (mut g_fast, mut g_slow) = (vec![0.0; 40], vec![0.0; 40]);
        let l_fast = fig
            .model
            .loss_and_gradient(&theta, &mut g_fast, &mut ws_fast);
        let l_slow = generic.loss_and_gradient(&theta, &mut g_slow, &mut ws_slow);
        // Same active sets, different summation order: agreement to rounding of sums of 1000
        // terms (prefix-sum differences lose ~log10(N) digits relative to the gradient norm).
        assert!(
            (l_fast - l_slow).abs() <= 1e-12 * l_slow.abs().max(1.0),
            "{l_fast} vs {l_slow}"
        );
        let scale = g_slow.iter().fold(1.0_f64, |m, v| m.max(v.abs()));
        for (a, b) in g_fast.iter().zip(&g_slow) {
            assert!((a - b).abs() <= 1e-11 * scale, "{a} vs {b}");
        }
        assert_eq!(
            fig.model.loss(&theta, &mut ws_fast).to_bits(),
            l_fast.to_bits()
        );
    }
}

#[test]
fn a_reused_relu_workspace_gives_the_bits_of_a_fresh_one() {
    // The sorted-scalar path starts from the last call's switch points and event order: points
    // that move them a little (GD steps), a lot (other students) or switch units off and on (V
    // negated) must give exactly what a fresh workspace gives.
    let fig = Figure2::new(5).unwrap();
    let model = &fig.model;
    let mut points = Vec::new();
    for k in 0..4 {
        let theta = fig.student(k);
        let mut nudged = theta.clone();
        nudged.iter_mut().for_each(|t| *t *= 1.0 + 1e-3);
        let mut flipped = theta.clone();
        flipped[20..].iter_mut().step_by(3).for_each(|v| *v = -*v);
        points.extend([theta, nudged, flipped]);
    }
    let mut reused = model.workspace();
    for (i, theta) in points.iter().chain(points.iter().rev()).enumerate() {
        let (mut g_reused, mut g_fresh) = (vec![0.0; 40], vec![0.0; 40]);
        let l_reused = model.loss_and_gradient(theta, &mut g_reused, &mut reused);
        let l_fresh = model.loss_and_gradient(theta, &mut g_fresh, &mut model.workspace());
        assert_eq!(l_reused.to_bits(), l_fresh.to_bits(), "point {i}: loss");
        let bits = |g: &[f64]| g.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&g_reused), bits(&g_fresh), "point {i}: gradient");
    }
}
