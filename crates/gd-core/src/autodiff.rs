//! A loss written once, generic over the number type, made an [`Objective`] with an exact
//! gradient and Hessian-vector product by forward-mode automatic differentiation (num-dual).
//!
//! With θ_j + δ_ij ε (a dual number per coordinate) one evaluation gives ∂f/∂θ_i, so the
//! gradient takes d evaluations on [`Dual64`]. With hyper-dual numbers θ_j + v_j ε₁ + δ_ij ε₂,
//! the ε₁ε₂ part of f is (∇²f v)_i and the ε₂ part is ∂f/∂θ_i: the Hessian-vector product
//! takes d evaluations on [`HyperDual64`]. Both are exact to rounding (no truncation error),
//! and the dual buffers live in the workspace: nothing is allocated per call.
//!
//! Cost, measured (BENCHMARKS.md, "autodiff cost"; Rosenbrock chain, against hand-written
//! derivatives): a gradient costs 1.5× hand-written code at d = 2, 6× at d = 10 and 62× at
//! d = 100 (it is d loss evaluations on dual numbers); a Hessian-vector product 6×, 14× and
//! 165×. So: the right tool for low-dimensional losses (the basin maps and orbit diagrams it is
//! made for: W5's map runs at half the hand-written speed); above d of a few tens, where the
//! cost grows with d, write the gradient by hand and implement [`Objective`] directly.

use crate::objective::Objective;
use num_dual::{Dual64, DualNum, HyperDual64, HyperHyperDual64};

/// A loss f: ℝᵈ → ℝ written once for any number type `D` (f64, dual, hyper-dual).
///
/// Write it with the operations of [`DualNum`]: `+ − × ÷` between `D`s and with `f64` on the
/// right (`x * 2.0`, not `2.0 * x`), and methods such as `powi`, `exp`, `ln`, `sin`, `tanh`.
///
/// # Example
/// ```
/// use gd_core::{Autodiff, Loss, Objective, num_dual::DualNum};
///
/// /// SPEC W5: (x² − 1)² + 2(y² − 1)² + xy/2.
/// struct W5;
/// impl Loss for W5 {
///     fn dim(&self) -> usize {
///         2
///     }
///     fn loss<D: DualNum<Primitive = f64> + Copy>(&self, t: &[D]) -> D {
///         let (x, y) = (t[0], t[1]);
///         (x * x - 1.0).powi(2) + (y * y - 1.0).powi(2) * 2.0 + x * y * 0.5
///     }
/// }
///
/// let f = Autodiff::new(W5);
/// let mut ws = f.workspace();
/// let mut g = [0.0; 2];
/// let loss = f.loss_and_gradient(&[1.0, 2.0], &mut g, &mut ws);
/// assert_eq!(loss, 19.0);
/// assert_eq!(g, [1.0, 48.5]); // (4x(x² − 1) + y/2, 8y(y² − 1) + x/2)
/// ```
pub trait Loss: Sync {
    /// The number of parameters d.
    fn dim(&self) -> usize;

    /// f(θ) for `theta` of length d.
    fn loss<D: DualNum<Primitive = f64> + Copy>(&self, theta: &[D]) -> D;
}

/// A [`Loss`] as an [`Objective`]: gradient and Hessian-vector product by forward-mode
/// automatic differentiation.
#[derive(Clone, Debug)]
pub struct Autodiff<L: Loss> {
    loss: L,
}

impl<L: Loss> Autodiff<L> {
    /// The objective of `loss`.
    pub fn new(loss: L) -> Self {
        Self { loss }
    }

    /// The loss written once.
    pub fn inner(&self) -> &L {
        &self.loss
    }
}

/// The dual-number buffers of one caller (one per thread).
#[derive(Clone, Debug)]
pub struct AutodiffWorkspace {
    duals: Vec<Dual64>,
    hyper_duals: Vec<HyperDual64>,
    hyper_hyper_duals: Vec<HyperHyperDual64>,
}

impl<L: Loss> Objective for Autodiff<L> {
    type Workspace = AutodiffWorkspace;

    fn dim(&self) -> usize {
        self.loss.dim()
    }

    fn workspace(&self) -> AutodiffWorkspace {
        let d = self.loss.dim();
        AutodiffWorkspace {
            duals: vec![Dual64::from(0.0); d],
            hyper_duals: vec![HyperDual64::from(0.0); d],
            hyper_hyper_duals: vec![HyperHyperDual64::from(0.0); d],
        }
    }

    fn loss(&self, theta: &[f64], _: &mut AutodiffWorkspace) -> f64 {
        self.loss.loss(theta)
    }

    fn loss_and_gradient(
        &self,
        theta: &[f64],
        gradient: &mut [f64],
        ws: &mut AutodiffWorkspace,
    ) -> f64 {
        let duals = &mut ws.duals;
        for (dual, t) in duals.iter_mut().zip(theta) {
            *dual = Dual64::new(*t, 0.0);
        }
        let mut loss = if theta.is_empty() {
            self.loss.loss(theta)
        } else {
            0.0
        };
        for i in 0..theta.len() {
            duals[i].eps = 1.0;
            let value = self.loss.loss(duals.as_slice());
            duals[i].eps = 0.0;
            gradient[i] = value.eps;
            loss = value.re;
        }
        loss
    }

    fn hessian_vector_product(
        &self,
        theta: &[f64],
        v: &[f64],
        out: &mut [f64],
        ws: &mut AutodiffWorkspace,
    ) {
        let hyper = &mut ws.hyper_duals;
        for ((h, t), vj) in hyper.iter_mut().zip(theta).zip(v) {
            *h = HyperDual64::new(*t, *vj, 0.0, 0.0);
        }
        for i in 0..theta.len() {
            hyper[i].eps2 = 1.0;
            out[i] = self.loss.loss(hyper.as_slice()).eps1eps2;
            hyper[i].eps2 = 0.0;
        }
    }

    /// D³f(θ)[u, v, e_i] for each i: one hyper-hyper-dual pass per coordinate (θ + ε₁u + ε₂v
    /// + ε₃e_i), exact to rounding.
    fn third_derivative(
        &self,
        theta: &[f64],
        u: &[f64],
        v: &[f64],
        out: &mut [f64],
        ws: &mut AutodiffWorkspace,
    ) -> bool {
        let h = &mut ws.hyper_hyper_duals;
        for ((h, t), (ui, vi)) in h.iter_mut().zip(theta).zip(u.iter().zip(v)) {
            *h = HyperHyperDual64::new(*t, *ui, *vi, 0.0, 0.0, 0.0, 0.0, 0.0);
        }
        for i in 0..theta.len() {
            h[i].eps3 = 1.0;
            out[i] = self.loss.loss(h.as_slice()).eps1eps2eps3;
            h[i].eps3 = 0.0;
        }
        true
    }
}
