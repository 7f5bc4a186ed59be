//! An objective from closures in any dimension: the loss and its gradient given, the
//! Hessian-vector product given too or taken by central differences of the gradient.

use crate::objective::Objective;
use crate::vector::norm;

/// The relative step of the central difference: ε^(1/3) ≈ 6.1e-6, which balances the
/// truncation error h²‖∇³f‖/6 against the rounding error ε‖∇f‖/h.
const RELATIVE_STEP: f64 = 6.055_454_452_393_343e-6;

/// A loss and gradient from closures, and a Hessian-vector product from a closure or from
/// central differences of the gradient:
/// Hv ≈ (∇f(θ + h v̂) − ∇f(θ − h v̂)) ‖v‖ / 2h with v̂ = v/‖v‖ and h = ε^(1/3)·max(1, ‖θ‖).
/// The difference's error is about ε^(2/3) ≈ 4e-11 relative to the scale of ∇f and its
/// derivatives (h²‖∇³f‖/6 + ε‖∇f‖/h): ample for the sign and size of curvature, not for
/// 1e-14 work (write the loss once with [`crate::Loss`] for an exact HVP).
///
/// # Example
/// ```
/// use gd_core::{FromClosures, Objective};
///
/// // f(x, y) = x² + 3y²
/// let f = FromClosures::new(
///     2,
///     |t: &[f64]| t[0] * t[0] + 3.0 * t[1] * t[1],
///     |t: &[f64], g: &mut [f64]| {
///         g[0] = 2.0 * t[0];
///         g[1] = 6.0 * t[1];
///     },
/// );
/// let mut ws = f.workspace();
/// let mut hv = [0.0; 2];
/// f.hessian_vector_product(&[0.5, -1.0], &[0.0, 1.0], &mut hv, &mut ws);
/// assert!((hv[1] - 6.0).abs() < 1e-9 && hv[0].abs() < 1e-9);
/// ```
pub struct FromClosures<F, G> {
    dim: usize,
    loss: F,
    gradient: G,
    hvp: Option<Box<HvpFn>>,
}

/// A Hessian-vector product `hvp(θ, v, out)`.
type HvpFn = dyn Fn(&[f64], &[f64], &mut [f64]) + Send + Sync;

impl<F, G> FromClosures<F, G>
where
    F: Fn(&[f64]) -> f64 + Sync,
    G: Fn(&[f64], &mut [f64]) + Sync,
{
    /// The objective with loss `loss(θ)` and gradient `gradient(θ, out)` in dimension `dim`;
    /// Hessian-vector products by central differences of the gradient.
    pub fn new(dim: usize, loss: F, gradient: G) -> Self {
        Self {
            dim,
            loss,
            gradient,
            hvp: None,
        }
    }

    /// The same objective with an exact Hessian-vector product `hvp(θ, v, out)`.
    pub fn with_hvp(
        mut self,
        hvp: impl Fn(&[f64], &[f64], &mut [f64]) + Send + Sync + 'static,
    ) -> Self {
        self.hvp = Some(Box::new(hvp));
        self
    }
}

/// The buffers of the central difference.
#[derive(Clone, Debug)]
pub struct ClosureWorkspace {
    shifted: Vec<f64>,
    gradient: Vec<f64>,
}

impl<F, G> Objective for FromClosures<F, G>
where
    F: Fn(&[f64]) -> f64 + Sync,
    G: Fn(&[f64], &mut [f64]) + Sync,
{
    type Workspace = ClosureWorkspace;

    fn dim(&self) -> usize {
        self.dim
    }

    fn workspace(&self) -> ClosureWorkspace {
        ClosureWorkspace {
            shifted: vec![0.0; self.dim],
            gradient: vec![0.0; self.dim],
        }
    }

    fn loss(&self, theta: &[f64], _: &mut ClosureWorkspace) -> f64 {
        (self.loss)(theta)
    }

    fn loss_and_gradient(
        &self,
        theta: &[f64],
        gradient: &mut [f64],
        _: &mut ClosureWorkspace,
    ) -> f64 {
        (self.gradient)(theta, gradient);
        (self.loss)(theta)
    }

    fn hessian_vector_product(
        &self,
        theta: &[f64],
        v: &[f64],
        out: &mut [f64],
        ws: &mut ClosureWorkspace,
    ) {
        if let Some(hvp) = &self.hvp {
            return hvp(theta, v, out);
        }
        hvp_by_central_difference(
            theta,
            v,
            out,
            &mut ws.shifted,
            &mut ws.gradient,
            |t: &[f64], g: &mut [f64]| (self.gradient)(t, g),
        );
    }
}

/// ∇²f(θ)·v by central differences of the gradient, as [`FromClosures`] takes it:
/// (∇f(θ + h v̂) − ∇f(θ − h v̂)) ‖v‖ / 2h with v̂ = v/‖v‖ and h = ε^(1/3)·max(1, ‖θ‖); error
/// about ε^(2/3) relative to the scale of ∇f and its derivatives. `shifted` and `scratch` are
/// caller buffers of length d.
pub fn hvp_by_central_difference(
    theta: &[f64],
    v: &[f64],
    out: &mut [f64],
    shifted: &mut [f64],
    scratch: &mut [f64],
    mut gradient: impl FnMut(&[f64], &mut [f64]),
) {
    let v_norm = norm(v);
    if v_norm == 0.0 {
        out.fill(0.0);
        return;
    }
    let h = RELATIVE_STEP * norm(theta).max(1.0);
    let shift = |sign: f64, shifted: &mut [f64]| {
        for ((s, t), vi) in shifted.iter_mut().zip(theta).zip(v) {
            *s = t + sign * h * vi / v_norm;
        }
    };
    shift(1.0, shifted);
    gradient(shifted, out);
    shift(-1.0, shifted);
    gradient(shifted, scratch);
    let scale = v_norm / (2.0 * h);
    for (o, g) in out.iter_mut().zip(scratch.iter()) {
        *o = (*o - g) * scale;
    }
}
