//! Lanczos on HVPs and the dense eigensolver agree; Lanczos reports λmin, residuals and
//! convergence, and warm starts save HVPs.

use crate::support::Quadratic;
use gd_core::dense_extreme_eigenvalues;
use gd_core::{Lanczos, LanczosOptions, Objective, Sharpness, SharpnessOptions};

/// A known spectrum: a bulk spread evenly over [−2, 8] and outliers −3 and 9, 9.5, 10 above
/// it, the shape of Hessians of trained networks (a few outliers over a bulk).
fn spectrum(d: usize) -> Vec<f64> {
    let mut s: Vec<f64> = (0..d - 4)
        .map(|i| -2.0 + 10.0 * i as f64 / (d - 5) as f64)
        .collect();
    s.extend([-3.0, 9.0, 9.5, 10.0]);
    s.sort_by(f64::total_cmp);
    s
}

#[test]
fn lanczos_and_dense_agree_to_1e10_on_a_500_dimensional_quadratic() {
    let d = 500;
    let s = spectrum(d);
    let q = Quadratic::with_spectrum(&s, 11);
    let theta = vec![0.0; d];
    let mut ws = q.workspace();
    let dense = dense_extreme_eigenvalues(&q, &theta, 3, &mut ws).unwrap();
    let mut lanczos = Lanczos::new(LanczosOptions {
        top_k: 3,
        relative_tolerance: 1e-10,
        max_iterations: 300,
        converge_smallest: true,
        ..LanczosOptions::default()
    })
    .unwrap();
    let lz = lanczos.run(&q, &theta, None, &mut ws).unwrap();
    assert!(lz.converged, "{:?}", (lz.largest, lz.smallest));
    for i in 0..3 {
        let exact = s[d - 1 - i];
        assert!(
            (dense.largest[i].value - exact).abs() <= 1e-12 * 10.0,
            "dense vs known"
        );
        assert!(
            (lz.largest[i].value - dense.largest[i].value).abs()
                <= 1e-10 * dense.largest[i].value.abs(),
            "{i}: {} vs {}",
            lz.largest[i].value,
            dense.largest[i].value
        );
        assert!(lz.largest[i].residual <= 1e-10 * 10.0);
    }
    // The most negative eigenvalue is reported, not a largest-magnitude one.
    assert!(
        (lz.smallest.value - (-3.0)).abs() <= 1e-10 * 3.0,
        "{:?}",
        lz.smallest
    );
    assert!((dense.smallest.value - (-3.0)).abs() <= 1e-12 * 10.0);
    assert!(lz.hessian_vector_products < 300);
}

#[test]
fn sharpness_with_negative_dominant_curvature_reports_the_algebraic_maximum() {
    // |λmin| = 50 ≫ λmax = 2: a largest-magnitude solver would call −50 the sharpness.
    let mut s: Vec<f64> = (0..300).map(|i| -50.0 + 52.0 * i as f64 / 299.0).collect();
    s[299] = 2.0;
    let q = Quadratic::with_spectrum(&s, 3);
    let mut ws = q.workspace();
    let mut tracker = Sharpness::new(SharpnessOptions {
        dense_max_dim: 10,
        ..SharpnessOptions::default()
    })
    .unwrap();
    let e = tracker.compute(&q, &vec![0.0; 300], &mut ws).unwrap();
    assert!((e.sharpness() - 2.0).abs() < 1e-9, "{}", e.sharpness());
    assert!((e.smallest.value + 50.0).abs() < 1e-9);
}

#[test]
fn a_warm_start_from_the_previous_eigenvector_needs_fewer_hvps() {
    let d = 400;
    let q = Quadratic::with_spectrum(&spectrum(d), 5);
    let mut ws = q.workspace();
    let mut tracker = Sharpness::new(SharpnessOptions {
        dense_max_dim: 10,
        lanczos: LanczosOptions {
            top_k: 1,
            ..LanczosOptions::default()
        },
    })
    .unwrap();
    let cold = tracker.compute(&q, &vec![0.0; d], &mut ws).unwrap();
    let warm = tracker.compute_warm(&q, &vec![0.0; d], &mut ws).unwrap();
    assert!(warm.hessian_vector_products < cold.hessian_vector_products);
    assert!((warm.sharpness() - cold.sharpness()).abs() < 1e-9 * cold.sharpness());
}

#[test]
fn lanczos_on_a_tiny_problem_stops_at_the_invariant_subspace() {
    let q = Quadratic::with_spectrum(&[1.0, 2.0, 3.0], 1);
    let mut lanczos = Lanczos::new(LanczosOptions::default()).unwrap();
    let mut ws = q.workspace();
    let e = lanczos.run(&q, &[0.0; 3], None, &mut ws).unwrap();
    assert!(e.converged);
    assert!((e.sharpness() - 3.0).abs() < 1e-13);
    assert!((e.smallest.value - 1.0).abs() < 1e-13);
}

#[test]
fn a_start_on_an_eigenvector_restarts_instead_of_reporting_one_eigenvalue_twice() {
    // Diagonal A: e₂ is an eigenvector (λ = 5), so the Krylov space from it is invariant after
    // one step. The extremes are 9 and −1, which only a restart can find.
    let diag = [1.0, -1.0, 5.0, 2.0, 9.0, 0.5];
    let q = Quadratic {
        d: 6,
        a: (0..36)
            .map(|k| if k / 6 == k % 6 { diag[k / 6] } else { 0.0 })
            .collect(),
    };
    let mut start = vec![0.0; 6];
    start[2] = 1.0;
    let mut lanczos = Lanczos::new(LanczosOptions::default()).unwrap();
    let mut ws = q.workspace();
    let e = lanczos.run(&q, &[0.0; 6], Some(&start), &mut ws).unwrap();
    assert!(e.converged);
    assert!((e.sharpness() - 9.0).abs() < 1e-12, "{e:?}");
    assert!((e.smallest.value + 1.0).abs() < 1e-12, "{e:?}");
}

#[test]
fn a_restarted_basis_of_twelve_vectors_finds_the_dense_solvers_top_three_and_lambda_min() {
    // Restarts are forced: 12 vectors hold far less than the ~60 a full basis needs here.
    let d = 500;
    let s = spectrum(d);
    let q = Quadratic::with_spectrum(&s, 5);
    let theta = vec![0.0; d];
    let mut ws = q.workspace();
    let dense = dense_extreme_eigenvalues(&q, &theta, 3, &mut ws).unwrap();
    let mut lanczos = Lanczos::new(LanczosOptions {
        top_k: 3,
        relative_tolerance: 1e-10,
        max_iterations: 2000,
        basis_size: 12,
        converge_smallest: true,
        ..LanczosOptions::default()
    })
    .unwrap();
    assert_eq!(lanczos.basis_bytes(d), Some(12 * d * 8));
    let lz = lanczos.run(&q, &theta, None, &mut ws).unwrap();
    assert!(
        lz.converged,
        "{:?}",
        (lz.largest, lz.smallest, lz.hessian_vector_products)
    );
    assert!(lz.hessian_vector_products > 12, "the basis restarted");
    for i in 0..3 {
        // Residual ≤ 1e-10·λmax bounds the eigenvalue error by the same (|λ − θ| ≤ r).
        assert!(
            (lz.largest[i].value - dense.largest[i].value).abs() <= 1e-10 * 10.0,
            "{i}: {} vs {}",
            lz.largest[i].value,
            dense.largest[i].value
        );
    }
    assert!((lz.smallest.value - dense.smallest.value).abs() <= 1e-10 * 10.0);
    // The top eigenvectors are unit and orthogonal: the Ritz vectors of distinct values.
    let v = &lz.top_eigenvectors;
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    assert!((dot(&v[0], &v[0]) - 1.0).abs() < 1e-12 && dot(&v[0], &v[1]).abs() < 1e-8);
}

/// ½‖θ‖² in d dimensions: Hessian I, nothing allocated beyond θ.
struct HalfSquaredNorm(usize);

impl Objective for HalfSquaredNorm {
    type Workspace = ();
    fn dim(&self) -> usize {
        self.0
    }
    fn workspace(&self) {}
    fn loss(&self, theta: &[f64], _: &mut ()) -> f64 {
        0.5 * theta.iter().map(|t| t * t).sum::<f64>()
    }
    fn loss_and_gradient(&self, theta: &[f64], gradient: &mut [f64], ws: &mut ()) -> f64 {
        gradient.copy_from_slice(theta);
        self.loss(theta, ws)
    }
    fn hessian_vector_product(&self, _: &[f64], v: &[f64], out: &mut [f64], _: &mut ()) {
        out.copy_from_slice(v);
    }
}

#[test]
fn a_basis_beyond_the_memory_cap_is_refused_before_allocation() {
    // 30,000 vectors of d = 30,000: 7.2 GB, above MAX_BASIS_BYTES (4 GiB).
    let d = 30_000;
    let f = HalfSquaredNorm(d);
    let mut lanczos = Lanczos::new(LanczosOptions {
        basis_size: d,
        max_iterations: d,
        ..LanczosOptions::default()
    })
    .unwrap();
    assert!(lanczos.basis_bytes(d).unwrap() > gd_core::MAX_BASIS_BYTES);
    let err = lanczos.run(&f, &vec![0.0; d], None, &mut ()).unwrap_err();
    assert!(err.to_string().contains("basis_size"), "{err}");
    assert!(
        err.to_string().contains("max_basis_bytes = 4294967296"),
        "{err}"
    );
    // The cap is the caller's to set: lowered, a modest basis is refused by the same check.
    let mut small = Lanczos::new(LanczosOptions {
        max_basis_bytes: 1 << 20,
        ..LanczosOptions::default()
    })
    .unwrap();
    let err = small.run(&f, &vec![1.0; d], None, &mut ()).unwrap_err();
    assert!(err.to_string().contains("at most 4 vectors"), "{err}");
}
