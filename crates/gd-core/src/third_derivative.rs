//! Third derivatives D³f(θ)\[u, v, ·\] = ∇_θ(uᵀ∇²f(θ)v), which the central flow needs (the
//! gradient of an eigenvalue, of an entry of the Hessian on the edge subspace): exact where the
//! objective has a path ([`Objective::third_derivative`], dual numbers), otherwise by central
//! differences of Hessian-vector products along u:
//!
//! D³f(θ)\[u, v, ·\] ≈ (∇²f(θ + hu)v − ∇²f(θ − hu)v) / 2h,   h = ε^(1/3)·max(1, ‖θ‖∞)/‖u‖∞,
//!
//! by the symmetry of D³f. Its truncation error is h²/6·|D⁵f\[u, u, u, v, ·\]| and its rounding
//! error about ε‖∇²f v‖/h, both ε^(2/3) ≈ 4e-11 relative for a well-scaled objective.

use crate::Objective;

/// Scratch of [`third_derivative`]: a shifted θ and one Hessian-vector product.
#[derive(Clone, Debug, Default)]
pub struct ThirdDerivativeScratch {
    shifted: Vec<f64>,
    product: Vec<f64>,
}

/// The step h of the central difference along `u` at `theta`.
fn step(theta: &[f64], u: &[f64]) -> f64 {
    let scale = theta.iter().fold(1.0_f64, |m, x| m.max(x.abs()));
    let size = u.iter().fold(0.0_f64, |m, x| m.max(x.abs()));
    f64::EPSILON.cbrt() * scale / size.max(f64::MIN_POSITIVE)
}

/// Writes D³f(θ)\[u, v, ·\] into `out`: exact when the objective offers it, else by the central
/// difference above (two Hessian-vector products). Returns whether it was exact.
pub fn third_derivative<O: Objective>(
    objective: &O,
    theta: &[f64],
    u: &[f64],
    v: &[f64],
    out: &mut [f64],
    scratch: &mut ThirdDerivativeScratch,
    workspace: &mut O::Workspace,
) -> bool {
    if objective.third_derivative(theta, u, v, out, workspace) {
        return true;
    }
    let d = theta.len();
    scratch.shifted.resize(d, 0.0);
    scratch.product.resize(d, 0.0);
    let h = step(theta, u);
    for (s, (t, ui)) in scratch.shifted.iter_mut().zip(theta.iter().zip(u)) {
        *s = t + h * ui;
    }
    objective.hessian_vector_product(&scratch.shifted, v, out, workspace);
    for (s, (t, ui)) in scratch.shifted.iter_mut().zip(theta.iter().zip(u)) {
        *s = t - h * ui;
    }
    objective.hessian_vector_product(&scratch.shifted, v, &mut scratch.product, workspace);
    for (o, p) in out.iter_mut().zip(&scratch.product) {
        *o = (*o - p) / (2.0 * h);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Autodiff, FromClosures, Loss, num_dual::DualNum};

    /// exp(x)·sin(y) + x²y³/3 + xyz: third derivatives of every kind.
    #[derive(Clone, Copy)]
    struct Mixed;
    impl Loss for Mixed {
        fn dim(&self) -> usize {
            3
        }
        fn loss<D: DualNum<Primitive = f64> + Copy>(&self, t: &[D]) -> D {
            let (x, y, z) = (t[0], t[1], t[2]);
            x.exp() * y.sin() + x * x * y * y * y * (1.0 / 3.0) + x * y * z
        }
    }

    #[test]
    fn dual_numbers_and_central_differences_agree_with_the_closed_form() {
        let theta = [0.3, -0.7, 1.1];
        let (u, v) = ([0.6, 0.0, -0.8], [0.2, 0.5, 0.1]);
        // D³f[u, v, e_m] = Σ_ij f_ijm u_i v_j, from the closed-form third derivatives.
        let (x, y) = (theta[0], theta[1]);
        let mut t = [[[0.0; 3]; 3]; 3];
        let set = |t: &mut [[[f64; 3]; 3]; 3], (i, j, k): (usize, usize, usize), value: f64| {
            for (a, b, c) in [
                (i, j, k),
                (i, k, j),
                (j, i, k),
                (j, k, i),
                (k, i, j),
                (k, j, i),
            ] {
                t[a][b][c] = value;
            }
        };
        set(&mut t, (0, 0, 0), x.exp() * y.sin());
        set(&mut t, (0, 0, 1), x.exp() * y.cos() + 2.0 * y * y);
        set(&mut t, (0, 1, 1), -x.exp() * y.sin() + 4.0 * x * y);
        set(&mut t, (1, 1, 1), -x.exp() * y.cos() + 2.0 * x * x);
        set(&mut t, (0, 1, 2), 1.0);
        let expected: Vec<f64> = (0..3)
            .map(|m| {
                (0..3)
                    .flat_map(|i| (0..3).map(move |j| (i, j)))
                    .map(|(i, j)| t[i][j][m] * u[i] * v[j])
                    .sum()
            })
            .collect();
        let exact = Autodiff::new(Mixed);
        let mut out = [0.0; 3];
        let mut scratch = ThirdDerivativeScratch::default();
        assert!(third_derivative(
            &exact,
            &theta,
            &u,
            &v,
            &mut out,
            &mut scratch,
            &mut exact.workspace()
        ));
        for (o, e) in out.iter().zip(&expected) {
            assert!((o - e).abs() <= 1e-14 * (1.0 + e.abs()), "{o} vs {e}");
        }
        // Without the exact path: the gradient and HVP closures of the same loss; the
        // stated error ε^(2/3) ≈ 4e-11 with a margin of 100 (the terms are of order 1).
        let f = FromClosures::new(
            3,
            |t: &[f64]| Mixed.loss(t),
            move |t: &[f64], g: &mut [f64]| exact.gradient(t, g, &mut exact.workspace()),
        )
        .with_hvp(move |t: &[f64], w: &[f64], o: &mut [f64]| {
            let e = Autodiff::new(Mixed);
            e.hessian_vector_product(t, w, o, &mut e.workspace())
        });
        assert!(!third_derivative(
            &f,
            &theta,
            &u,
            &v,
            &mut out,
            &mut scratch,
            &mut f.workspace()
        ));
        for (o, e) in out.iter().zip(&expected) {
            assert!((o - e).abs() <= 4e-9 * (1.0 + e.abs()), "{o} vs {e}");
        }
    }
}
