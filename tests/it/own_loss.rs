//! A loss written once (automatic differentiation) and from closures, against the hand-written
//! models; and the one-call analyses on SPEC W5's loss against the numbers SPEC fixes.

use stepsize::dynamics::analyses::{
    Axis, BasinAttractor, BasinOptions, BoundaryOptions, Plane, basins, stability,
    stability_boundary,
};
use stepsize::dynamics::finite_difference::FiniteDifferenceCheck;
use stepsize::dynamics::num_dual::DualNum;
use stepsize::dynamics::{Autodiff, FromClosures, Loss, Objective, Stability};
use stepsize::models::{DeepLinear, LossScale, TwoLayerRelu, example2};

/// Relative agreement demanded of two exact derivatives computed in different orders: a few
/// hundred ulps of the largest term.
const EXACT: f64 = 1e-13;

fn close(a: &[f64], b: &[f64], tolerance: f64) -> bool {
    let scale = b.iter().fold(1.0_f64, |m, v| m.max(v.abs()));
    a.iter()
        .zip(b)
        .all(|(x, y)| (x - y).abs() <= tolerance * scale)
}

/// Compares gradient and HVP of two objectives at `theta` along `v`.
fn agree<A: Objective, B: Objective>(a: &A, b: &B, theta: &[f64], v: &[f64], tolerance: f64) {
    let (mut wa, mut wb) = (a.workspace(), b.workspace());
    let d = theta.len();
    let (mut ga, mut gb, mut ha, mut hb) = (vec![0.0; d], vec![0.0; d], vec![0.0; d], vec![0.0; d]);
    let la = a.loss_and_gradient(theta, &mut ga, &mut wa);
    let lb = b.loss_and_gradient(theta, &mut gb, &mut wb);
    assert!(
        (la - lb).abs() <= tolerance * lb.abs().max(1.0),
        "loss {la} vs {lb}"
    );
    assert!(close(&ga, &gb, tolerance), "gradient {ga:?} vs {gb:?}");
    a.hessian_vector_product(theta, v, &mut ha, &mut wa);
    b.hessian_vector_product(theta, v, &mut hb, &mut wb);
    assert!(close(&ha, &hb, tolerance), "HVP {ha:?} vs {hb:?}");
}

/// f2 = (x² + 1)(x − 1)²(x − 2)² (Nar & Sastry, Example 2).
struct F2;
impl Loss for F2 {
    fn dim(&self) -> usize {
        1
    }
    fn loss<D: DualNum<Primitive = f64> + Copy>(&self, t: &[D]) -> D {
        let x = t[0];
        (x * x + 1.0) * (x - 1.0).powi(2) * (x - 2.0).powi(2)
    }
}

#[test]
fn example_2_written_once_matches_its_hand_written_derivatives() {
    for x in [-1.3, 0.0, 0.7, 1.0, 1.5, 2.0, 2.9] {
        agree(&Autodiff::new(F2), &example2(), &[x], &[1.0], EXACT);
    }
}

/// ½‖W₂W₁ − R‖_F² with W₁ (3 × 2), W₂ (2 × 3), column-major, R fixed: DeepLinear's whitened
/// covariance form.
struct TwoLayerLinear {
    r: [[f64; 2]; 2],
}
impl Loss for TwoLayerLinear {
    fn dim(&self) -> usize {
        12
    }
    fn loss<D: DualNum<Primitive = f64> + Copy>(&self, t: &[D]) -> D {
        let w1 = |i: usize, j: usize| t[j * 3 + i];
        let w2 = |i: usize, j: usize| t[6 + j * 2 + i];
        let mut total = D::from(0.0);
        for i in 0..2 {
            for j in 0..2 {
                let p = (0..3).fold(D::from(0.0), |s, k| s + w2(i, k) * w1(k, j));
                total += (p - self.r[i][j]).powi(2);
            }
        }
        total * 0.5
    }
}

#[test]
fn a_deep_linear_net_written_once_matches_the_model() {
    let r = [[1.5, 0.2], [0.2, 0.8]];
    let model = DeepLinear::whitened(
        &[2, 3, 2],
        stepsize::dynamics::faer::Mat::from_fn(2, 2, |i, j| r[i][j]),
    )
    .unwrap();
    let theta: Vec<f64> = (0..12).map(|k| ((k * 7 % 11) as f64 - 5.0) / 6.0).collect();
    let v: Vec<f64> = (0..12).map(|k| ((k * 5 % 13) as f64 - 6.0) / 7.0).collect();
    agree(
        &Autodiff::new(TwoLayerLinear { r }),
        &model,
        &theta,
        &v,
        EXACT,
    );
}

/// Σᵢ |W relu(V xᵢ − b) − yᵢ|² for scalar inputs and outputs, 3 hidden units.
struct SmallRelu {
    x: Vec<f64>,
    y: Vec<f64>,
    b: [f64; 3],
}
impl Loss for SmallRelu {
    fn dim(&self) -> usize {
        6
    }
    fn loss<D: DualNum<Primitive = f64> + Copy>(&self, t: &[D]) -> D {
        let mut total = D::from(0.0);
        for (x, y) in self.x.iter().zip(&self.y) {
            let mut out = D::from(0.0);
            for k in 0..3 {
                let pre = t[3 + k] * *x - self.b[k];
                if pre.re() > 0.0 {
                    out += t[k] * pre;
                }
            }
            total += (out - *y).powi(2);
        }
        total
    }
}

#[test]
fn the_two_layer_relu_net_written_once_matches_the_model_inside_a_linear_region() {
    let (x, y, b) = (vec![0.5, 1.0, 2.0], vec![1.0, -0.5, 2.0], [0.1, -0.2, 0.3]);
    let model =
        TwoLayerRelu::new(1, 1, x.clone(), y.clone(), b.to_vec(), LossScale::FIGURE2).unwrap();
    let theta = [0.4, -0.7, 1.1, 0.9, -0.3, 1.3];
    let v = [0.3, 0.1, -0.2, 0.5, 0.7, -0.4];
    agree(
        &Autodiff::new(SmallRelu { x, y, b }),
        &model,
        &theta,
        &v,
        EXACT,
    );
}

/// SPEC W5: (x² − 1)² + 2(y² − 1)² + xy/2.
struct W5;
impl Loss for W5 {
    fn dim(&self) -> usize {
        2
    }
    fn loss<D: DualNum<Primitive = f64> + Copy>(&self, t: &[D]) -> D {
        let (x, y) = (t[0], t[1]);
        (x * x - 1.0).powi(2) + (y * y - 1.0).powi(2) * 2.0 + x * y * 0.5
    }
}

fn w5_closures() -> impl Objective {
    FromClosures::new(
        2,
        |t: &[f64]| {
            let (x, y) = (t[0], t[1]);
            (x * x - 1.0).powi(2) + 2.0 * (y * y - 1.0).powi(2) + 0.5 * x * y
        },
        |t: &[f64], g: &mut [f64]| {
            let (x, y) = (t[0], t[1]);
            g[0] = 4.0 * x * (x * x - 1.0) + 0.5 * y;
            g[1] = 8.0 * y * (y * y - 1.0) + 0.5 * x;
        },
    )
}

#[test]
fn closures_agree_with_autodiff_to_the_stated_central_difference_error() {
    // The central difference's error is about ε^(2/3) ≈ 4e-11 of the scale (module docs).
    for theta in [[0.3, -1.2], [1.0, 1.0], [-1.7, 0.4]] {
        agree(
            &w5_closures(),
            &Autodiff::new(W5),
            &theta,
            &[0.6, -0.8],
            1e-9,
        );
    }
    let check = FiniteDifferenceCheck::default();
    for objective_theta in [[0.3, -1.2], [1.4, 0.2]] {
        let f = Autodiff::new(W5);
        let gradient = check.gradient(&f, &objective_theta).unwrap();
        let hvp = check.hessian_vector_product(&f, &objective_theta).unwrap();
        assert!(gradient.passed && hvp.passed, "{gradient:?} {hvp:?}");
    }
}

#[test]
fn stability_boundaries_of_w5_match_two_over_lambda_max() {
    // SPEC W5: local minima 2/λmax = 0.1371, global minima 0.1138 (computed by Newton there).
    let f = Autodiff::new(W5);
    for (near, expected) in [([0.9, 0.9], 0.1371), ([1.0, -1.0], 0.1138)] {
        let b = stability_boundary(&f, &near, &BoundaryOptions::default()).unwrap();
        assert!((b.theory - expected).abs() < 1e-4, "{b:?}");
        // The bisection's bracket is 1e-3 of 2/λmax wide and the empirical boundary is its
        // lower end: GD converges back at `empirical` and not at `bracket.1`.
        assert!(
            b.empirical <= b.theory && b.bracket.1 >= b.theory * (1.0 - 1e-3),
            "{b:?}"
        );
        assert!(b.theory - b.empirical <= 2e-3 * b.theory, "{b:?}");
        let s = stability(&f, &b.minimum, Some(b.empirical)).unwrap();
        assert!(s.gradient_norm < 1e-10);
    }
}

#[test]
fn the_w5_basin_map_at_256_squared_matches_spec_and_thread_counts_agree() {
    // SPEC: at 256 × 256 and η = 0.12, 24972 starts end at the (stable) local minima, 8226
    // diverge, 32338 end elsewhere (period-2 orbits around the unstable global minima);
    // NumPy and JAX agree exactly, with tolerance 0.5 % per count.
    let axis = Axis::new(-2.0, 2.0, 256).unwrap();
    let plane = Plane::xy(axis, axis);
    let f = Autodiff::new(W5);
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| basins(&f, 0.12, &plane, &BasinOptions::default(), None).unwrap())
    };
    let map = run(2);
    assert_eq!(map, run(1), "the map depends on the thread count");
    let stable = map.count_at_fixed_points(Stability::Stable);
    let diverged: usize = map
        .attractors
        .iter()
        .zip(&map.counts)
        .filter(|(a, _)| matches!(a, BasinAttractor::Diverged))
        .map(|(_, n)| n)
        .sum();
    let other = 256 * 256 - stable - diverged;
    for (got, spec) in [(stable, 24972.0), (diverged, 8226.0), (other, 32338.0)] {
        assert!(
            (got as f64 - spec).abs() <= 0.005 * spec,
            "{got} vs SPEC {spec}"
        );
    }
    let stable_minima = map
        .attractors
        .iter()
        .filter(|a| matches!(a, BasinAttractor::FixedPoint { linearization, .. } if linearization.stability == Stability::Stable))
        .count();
    assert_eq!(stable_minima, 2);
    // Every lane stops at its first exact repeat: SPEC says about 5 % of the 2000-step budget.
    assert!(
        map.steps_evaluated < 65536 * 2000 / 10,
        "{}",
        map.steps_evaluated
    );
}
