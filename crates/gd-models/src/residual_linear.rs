//! Linear residual networks: W_j = I + A_j with parameters A_j (Nar & Sastry, Remark 4). Zero
//! initialization of the residual net is identity initialization of the deep linear net; the
//! loss, gradient and Hessian in A equal those of the deep linear net at W = I + A.

use crate::deep_linear::{DeepLinear, DeepLinearWorkspace};
use crate::error::{Result, invalid};
use gd_core::Objective;

/// A deep linear network reparametrized as W_j = I + A_j (square layers).
#[derive(Clone, Debug)]
pub struct ResidualLinear {
    inner: DeepLinear,
    diagonal: Vec<usize>,
}

/// Scratch of a [`ResidualLinear`]: W = I + A and the inner workspace.
pub struct ResidualLinearWorkspace {
    weights: Vec<f64>,
    inner: DeepLinearWorkspace,
}

impl ResidualLinear {
    /// Wraps a deep linear network whose layers are all square.
    pub fn new(inner: DeepLinear) -> Result<Self> {
        let w = inner.widths();
        if w.iter().any(|n| *n != w[0]) {
            return invalid(
                "widths",
                format!("{w:?}"),
                "all equal (a residual net has square layers)",
            );
        }
        let n = w[0];
        let diagonal = (1..=inner.depth())
            .flat_map(|j| {
                let start = inner.layer_range(j).start;
                (0..n).map(move |i| start + i * n + i)
            })
            .collect();
        Ok(Self { inner, diagonal })
    }

    /// The wrapped deep linear network.
    pub fn deep_linear(&self) -> &DeepLinear {
        &self.inner
    }

    /// W = I + A as the deep linear net's flat parameters.
    pub fn weights(&self, a: &[f64]) -> Vec<f64> {
        let mut w = a.to_vec();
        self.add_identity(&mut w);
        w
    }

    fn add_identity(&self, w: &mut [f64]) {
        for &k in &self.diagonal {
            w[k] += 1.0;
        }
    }

    fn load(&self, a: &[f64], ws: &mut ResidualLinearWorkspace) {
        ws.weights.copy_from_slice(a);
        self.add_identity(&mut ws.weights);
    }
}

impl Objective for ResidualLinear {
    type Workspace = ResidualLinearWorkspace;
    fn dim(&self) -> usize {
        self.inner.dim()
    }
    fn workspace(&self) -> ResidualLinearWorkspace {
        ResidualLinearWorkspace {
            weights: vec![0.0; self.inner.dim()],
            inner: self.inner.workspace(),
        }
    }
    fn loss(&self, a: &[f64], ws: &mut ResidualLinearWorkspace) -> f64 {
        self.load(a, ws);
        self.inner.loss(&ws.weights, &mut ws.inner)
    }
    fn loss_and_gradient(
        &self,
        a: &[f64],
        gradient: &mut [f64],
        ws: &mut ResidualLinearWorkspace,
    ) -> f64 {
        self.load(a, ws);
        self.inner
            .loss_and_gradient(&ws.weights, gradient, &mut ws.inner)
    }
    fn hessian_vector_product(
        &self,
        a: &[f64],
        v: &[f64],
        out: &mut [f64],
        ws: &mut ResidualLinearWorkspace,
    ) {
        self.load(a, ws);
        self.inner
            .hessian_vector_product(&ws.weights, v, out, &mut ws.inner);
    }
}
