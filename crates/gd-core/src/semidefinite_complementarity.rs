//! The small semidefinite complementarity problem of the central flow (Cohen et al., ICLR 2025,
//! §3 and App. B): given a symmetric k × k matrix A and a positive semidefinite operator B on
//! symmetric k × k matrices, find X with
//!
//! X ⪰ 0,   A + B\[X\] ⪰ 0,   ⟨X, A + B\[X\]⟩ = 0.
//!
//! With B positive semidefinite these are exactly the optimality conditions of the convex
//! problem min { ½⟨X, B\[X\]⟩ + ⟨A, X⟩ : X ⪰ 0 }, solved here by accelerated projected gradient
//! (FISTA with restarts; the projection onto the cone clips the eigenvalues of a k × k matrix)
//! until the fixed-point residual ‖X − Π(X − (A + B\[X\]))‖_F falls below `tolerance` times
//! max(‖A‖_F, ‖B‖ ‖X‖_F): a certificate of the three conditions to that accuracy. k = 1 is the
//! closed form x = max(0, −a/b).

use crate::error::out_of_range;
use crate::spectrum::symmetric_eigen;
use crate::{CoreError, Result};
use faer::Mat;

/// The largest problem solved (the central flow's edge eigenspace is rarely more than a few
/// directions; B has k⁴ entries).
pub const MAX_SIZE: usize = 16;

/// A solution X (k × k, row-major) with its certificate.
#[derive(Clone, Debug, PartialEq)]
pub struct SdcpSolution {
    /// X, row-major.
    pub x: Vec<f64>,
    /// ‖X − Π(X − (A + B\[X\]))‖_F relative to the problem's scale.
    pub residual: f64,
    /// Projected-gradient iterations used.
    pub iterations: usize,
}

/// The operator B as a k² × k² matrix on row-major vec(X): B\[X\]_ij = Σ_kl b[(ik+j)(k·k+l)] X_kl.
fn apply(b: &[f64], x: &[f64], out: &mut [f64]) {
    let n = x.len();
    for (i, o) in out.iter_mut().enumerate() {
        *o = b[i * n..(i + 1) * n]
            .iter()
            .zip(x)
            .map(|(bij, xj)| bij * xj)
            .sum();
    }
}

fn frobenius(x: &[f64]) -> f64 {
    x.iter().map(|v| v * v).sum::<f64>().sqrt()
}

/// Π onto the positive semidefinite cone: the symmetric part of `x` with its negative
/// eigenvalues set to zero, in place.
fn project(x: &mut [f64], k: usize) -> Result<()> {
    let m = Mat::from_fn(k, k, |i, j| 0.5 * (x[i * k + j] + x[j * k + i]));
    let (values, vectors) = symmetric_eigen(m.as_ref())?;
    for i in 0..k {
        for j in 0..k {
            x[i * k + j] = (0..k)
                .map(|r| values[r].max(0.0) * vectors[(i, r)] * vectors[(j, r)])
                .sum();
        }
    }
    Ok(())
}

/// Solves SDCP(A, B) for A (k × k, row-major, symmetric) and B (k² × k², symmetric positive
/// semidefinite as an operator on symmetric matrices) to relative accuracy `tolerance`,
/// within `max_iterations`; an error names what is out of range (sizes, non-finite entries,
/// a budget too small to reach the tolerance).
pub fn solve_sdcp(
    a: &[f64],
    b: &[f64],
    k: usize,
    tolerance: f64,
    max_iterations: usize,
) -> Result<SdcpSolution> {
    if !(1..=MAX_SIZE).contains(&k) {
        return Err(out_of_range("sdcp size k", k, format!("1 to {MAX_SIZE}")));
    }
    let n = k * k;
    if a.len() != n || b.len() != n * n {
        return Err(out_of_range(
            "sdcp A, B sizes",
            format!("{}, {}", a.len(), b.len()),
            format!("k² = {n} and k⁴ = {}", n * n),
        ));
    }
    if let Some(v) = a.iter().chain(b).find(|v| !v.is_finite()) {
        return Err(out_of_range("sdcp entries", v, "finite numbers"));
    }
    if !(tolerance.is_finite() && tolerance > 0.0) {
        return Err(out_of_range("sdcp tolerance", tolerance, "finite and > 0"));
    }
    if k == 1 {
        let x = if a[0] >= 0.0 || b[0] <= 0.0 {
            0.0
        } else {
            -a[0] / b[0]
        };
        return Ok(SdcpSolution {
            x: vec![x],
            residual: 0.0,
            iterations: 0,
        });
    }
    let b_matrix = Mat::from_fn(n, n, |i, j| 0.5 * (b[i * n + j] + b[j * n + i]));
    let (b_values, _) = symmetric_eigen(b_matrix.as_ref())?;
    let lipschitz = b_values.last().copied().unwrap_or(0.0).max(0.0);
    let scale_a = frobenius(a);
    // ⟨X, A⟩ unbounded below on the cone when B is zero: the conditions have no solution
    // unless A ⪰ 0 (then X = 0).
    let step = if lipschitz > 0.0 {
        1.0 / lipschitz
    } else {
        let mut x = a.to_vec();
        project(&mut x, k)?;
        let negative: Vec<f64> = a.iter().zip(&x).map(|(ai, pi)| pi - ai).collect();
        if frobenius(&negative) <= tolerance * scale_a.max(f64::MIN_POSITIVE) {
            return Ok(SdcpSolution {
                // bound: n = k² with k ≤ `MAX_SIZE`, checked above.
                x: vec![0.0; n],
                residual: 0.0,
                iterations: 0,
            });
        }
        return Err(CoreError::OutOfRange {
            field: "sdcp operator B",
            value: "0".into(),
            allowed: "nonzero when A is not positive semidefinite (no solution otherwise)".into(),
        });
    };
    // bound: n = k² with k ≤ `MAX_SIZE`, checked above.
    let (mut x, mut y, mut previous) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
    let (mut gradient, mut trial) = (vec![0.0; n], vec![0.0; n]);
    let mut momentum = 1.0_f64;
    let mut objective_before = f64::INFINITY;
    for iteration in 1..=max_iterations {
        apply(b, &y, &mut gradient);
        for ((t, yi), (gi, ai)) in trial.iter_mut().zip(&y).zip(gradient.iter().zip(a)) {
            *t = yi - step * (gi + ai);
        }
        project(&mut trial, k)?;
        previous.copy_from_slice(&x);
        x.copy_from_slice(&trial);
        // Fixed-point residual of the new iterate: the certificate.
        apply(b, &x, &mut gradient);
        let objective: f64 = x
            .iter()
            .zip(gradient.iter().zip(a))
            .map(|(xi, (gi, ai))| xi * (0.5 * gi + ai))
            .sum();
        for ((t, xi), (gi, ai)) in trial.iter_mut().zip(&x).zip(gradient.iter().zip(a)) {
            *t = xi - step * (gi + ai);
        }
        project(&mut trial, k)?;
        let moved: f64 = trial
            .iter()
            .zip(&x)
            .map(|(t, xi)| (t - xi) * (t - xi))
            .sum::<f64>()
            .sqrt()
            / step;
        let scale = scale_a
            .max(lipschitz * frobenius(&x))
            .max(f64::MIN_POSITIVE);
        if moved <= tolerance * scale {
            return Ok(SdcpSolution {
                x,
                residual: moved / scale,
                iterations: iteration,
            });
        }
        // FISTA momentum, restarted whenever the objective rises (O'Donoghue & Candès).
        if objective > objective_before {
            momentum = 1.0;
            y.copy_from_slice(&x);
        } else {
            let next = 0.5 * (1.0 + (1.0 + 4.0 * momentum * momentum).sqrt());
            let beta = (momentum - 1.0) / next;
            for ((yi, xi), pi) in y.iter_mut().zip(&x).zip(&previous) {
                *yi = xi + beta * (xi - pi);
            }
            momentum = next;
        }
        objective_before = objective;
    }
    Err(out_of_range(
        "sdcp max_iterations",
        max_iterations,
        format!("enough to reach a relative residual of {tolerance:e}"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use faer::linalg::solvers::Solve;
    use rand::{RngExt, SeedableRng};

    /// ½⟨X, B\[X\]⟩ + ⟨A, X⟩.
    fn objective(a: &[f64], b: &[f64], x: &[f64]) -> f64 {
        let mut bx = vec![0.0; x.len()];
        apply(b, x, &mut bx);
        x.iter()
            .zip(bx.iter().zip(a))
            .map(|(xi, (bi, ai))| xi * (0.5 * bi + ai))
            .sum()
    }

    /// A random k = 2 problem: A symmetric, B = GᵀG on symmetric matrices (G's rows applied to
    /// vec(X), symmetrized so B\[X\] is symmetric).
    fn problem(seed: u64) -> (Vec<f64>, Vec<f64>) {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let mut normal = || rng.random::<f64>() * 2.0 - 1.0;
        let (a01, a00, a11) = (normal(), normal(), normal());
        let shift = [-1.5, 0.0, 1.5][seed as usize % 3];
        let a = vec![a00 + shift, a01, a01, a11 + shift];
        // Gradients of H_00, H_01 (= H_10), H_11 in ℝ³: B[(ij),(kl)] = ⟨g_ij, g_kl⟩.
        let g: Vec<[f64; 3]> = (0..3).map(|_| [normal(), normal(), normal()]).collect();
        let index = |i: usize, j: usize| if i == j { 2 * i } else { 1 };
        let mut b = vec![0.0; 16];
        for i in 0..2 {
            for j in 0..2 {
                for k in 0..2 {
                    for l in 0..2 {
                        let (p, q) = (g[index(i, j)], g[index(k, l)]);
                        b[(2 * i + j) * 4 + 2 * k + l] = p.iter().zip(&q).map(|(x, y)| x * y).sum();
                    }
                }
            }
        }
        (a, b)
    }

    /// The minimum over the cone by brute force: X = 0; every rank-one X = s·vvᵀ (v on a grid of
    /// 200,000 angles, s at its one-dimensional optimum, the best angle refined by golden
    /// section); the unconstrained minimizer when it is positive semidefinite.
    fn brute_force(a: &[f64], b: &[f64]) -> f64 {
        let rank_one = |angle: f64| {
            let v = [angle.cos(), angle.sin()];
            let vv = [v[0] * v[0], v[0] * v[1], v[1] * v[0], v[1] * v[1]];
            let (mut bvv, av) = (
                vec![0.0; 4],
                a.iter().zip(&vv).map(|(x, y)| x * y).sum::<f64>(),
            );
            apply(b, &vv, &mut bvv);
            let curvature: f64 = vv.iter().zip(&bvv).map(|(x, y)| x * y).sum();
            if curvature > 0.0 && av < 0.0 {
                -0.5 * av * av / curvature
            } else {
                0.0
            }
        };
        let steps = 200_000;
        let delta = std::f64::consts::PI / steps as f64;
        let (mut best, mut at) = (0.0_f64, 0.0);
        for n in 0..steps {
            let value = rank_one(delta * n as f64);
            if value < best {
                (best, at) = (value, delta * n as f64);
            }
        }
        // The grid's best angle refined by golden-section search on its two neighbouring cells.
        let (mut lo, mut hi) = (at - delta, at + delta);
        for _ in 0..200 {
            let (m1, m2) = (
                hi - 0.618_033_988_749_895 * (hi - lo),
                lo + 0.618_033_988_749_895 * (hi - lo),
            );
            if rank_one(m1) < rank_one(m2) {
                hi = m2
            } else {
                lo = m1
            }
        }
        best = best.min(rank_one(0.5 * (lo + hi)));
        // Interior: solve B[X] = −A on symmetric matrices (3 unknowns x00, x01, x11).
        let m = Mat::from_fn(3, 3, |r, c| {
            let (i, j) = [(0, 0), (0, 1), (1, 1)][r];
            let e = |k: usize, l: usize| b[(2 * i + j) * 4 + 2 * k + l];
            match c {
                0 => e(0, 0),
                1 => e(0, 1) + e(1, 0),
                _ => e(1, 1),
            }
        });
        let rhs = Mat::from_fn(3, 1, |r, _| -[a[0], a[1], a[3]][r]);
        let lu = m.partial_piv_lu();
        let s = lu.solve(&rhs);
        let x = [s[(0, 0)], s[(1, 0)], s[(1, 0)], s[(2, 0)]];
        if x.iter().all(|v| v.is_finite())
            && x[0] >= 0.0
            && x[3] >= 0.0
            && x[0] * x[3] >= x[1] * x[1]
        {
            best = best.min(objective(a, b, &x));
        }
        best
    }

    #[test]
    fn k2_solutions_match_brute_force_and_satisfy_the_conditions() {
        // 40 random problems: the solver's objective equals the brute-force minimum within
        // 1e-9 relative (the refined angle is exact to rounding), and the three
        // conditions hold to 1e-9 of their scale: X ⪰ 0, A + B[X] ⪰ 0, ⟨X, A + B[X]⟩ = 0.
        let mut ranks = [0; 3];
        for seed in 0..40 {
            let (a, b) = problem(seed);
            let s = solve_sdcp(&a, &b, 2, 1e-12, 200_000).unwrap();
            let found = objective(&a, &b, &s.x);
            let brute = brute_force(&a, &b);
            let scale = 1.0 + brute.abs();
            assert!(
                found <= brute + 1e-9 * scale,
                "seed {seed}: {found} > {brute}"
            );
            assert!(
                found >= brute - 1e-9 * scale,
                "seed {seed}: {found} < {brute}"
            );
            let mut r = vec![0.0; 4];
            apply(&b, &s.x, &mut r);
            r.iter_mut().zip(&a).for_each(|(ri, ai)| *ri += ai);
            let eig = |m: &[f64]| {
                crate::spectrum::symmetric_eigenvalues(
                    Mat::from_fn(2, 2, |i, j| m[2 * i + j]).as_ref(),
                )
                .unwrap()
            };
            // Each condition relative to the size of its terms: ‖A‖ + ‖B‖‖X‖ for A + B[X].
            let size_r = frobenius(&a) + frobenius(&b) * frobenius(&s.x);
            assert!(
                eig(&s.x)[0] >= -1e-12 * frobenius(&s.x),
                "seed {seed}: X not PSD"
            );
            let r_min = eig(&r)[0];
            assert!(
                r_min >= -1e-9 * size_r,
                "seed {seed}: A + B[X] not PSD: {r_min}"
            );
            let gap: f64 = s.x.iter().zip(&r).map(|(x, y)| x * y).sum();
            let size = frobenius(&s.x) * size_r;
            assert!(gap.abs() <= 1e-9 * size.max(1.0), "seed {seed}: {gap}");
            let x_eig = eig(&s.x);
            ranks[x_eig
                .iter()
                .filter(|v| **v > 1e-9 * frobenius(&s.x))
                .count()] += 1;
        }
        assert!(
            ranks.iter().all(|n| *n >= 3),
            "solutions of rank 0, 1, 2: {ranks:?}"
        );
    }

    #[test]
    fn k1_is_the_closed_form_and_bad_input_is_refused() {
        assert_eq!(
            solve_sdcp(&[-3.0], &[2.0], 1, 1e-12, 10).unwrap().x,
            vec![1.5]
        );
        assert_eq!(
            solve_sdcp(&[3.0], &[2.0], 1, 1e-12, 10).unwrap().x,
            vec![0.0]
        );
        assert!(solve_sdcp(&[0.0; 4], &[0.0; 15], 2, 1e-12, 10).is_err());
        assert!(solve_sdcp(&[f64::NAN], &[1.0], 1, 1e-12, 10).is_err());
        assert!(solve_sdcp(&[], &[], 0, 1e-12, 10).is_err());
    }
}
