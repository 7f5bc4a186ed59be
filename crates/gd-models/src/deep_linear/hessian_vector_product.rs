//! The deep linear network's Hessian-vector product: the directional derivatives of the
//! prefix and suffix chains, of P and G, and of every layer's gradient along v.

use super::small_products::mm;
use super::{Data, DeepLinear, DeepLinearWorkspace, Sigma};
use faer::linalg::matmul::matmul;
use faer::{Accum, MatMut, MatRef, Par};

impl DeepLinear {
    /// ∇²f(θ)·v into `out` (the R-operator through the prefix and suffix chains).
    pub(super) fn hessian_vector_product_into(
        &self,
        theta: &[f64],
        v: &[f64],
        out: &mut [f64],
        ws: &mut DeepLinearWorkspace,
    ) {
        let l = self.depth();
        let current = ws
            .products_for
            .as_ref()
            .is_some_and(|t| t.iter().zip(theta).all(|(a, b)| a.to_bits() == b.to_bits()));
        if !current {
            self.products(theta, ws);
            self.loss_gradient_in_p(ws.prefix[l].as_ref(), &mut ws.residual, &mut ws.g);
            // B_{j+1}ᵀ G does not depend on the direction: once per θ (B_{L+1}ᵀ G = G).
            for j in 2..l {
                mm(
                    ws.left2[j - 1].as_mut(),
                    Accum::Replace,
                    ws.suffix[j + 1].transpose(),
                    ws.g.as_ref(),
                );
            }
            match &mut ws.products_for {
                Some(t) => t.copy_from_slice(theta),
                None => ws.products_for = Some(theta.to_vec()),
            }
        }
        let dir = |j: usize| {
            MatRef::from_column_major_slice(
                &v[self.layer_range(j)],
                self.widths[j],
                self.widths[j - 1],
            )
        };
        // dA_j = W_j dA_{j−1} + V_j A_{j−1}, dA_1 = V_1.
        ws.d_prefix[1].copy_from(dir(1));
        for j in 2..=l {
            let (done, rest) = ws.d_prefix.split_at_mut(j);
            mm(
                rest[0].as_mut(),
                Accum::Replace,
                self.layer(theta, j),
                done[j - 1].as_ref(),
            );
            mm(
                rest[0].as_mut(),
                Accum::Add,
                dir(j),
                ws.prefix[j - 1].as_ref(),
            );
        }
        // dB_j = dB_{j+1} W_j + B_{j+1} V_j, dB_L = V_L; dB_1 is never needed.
        if l >= 2 {
            ws.d_suffix[l].copy_from(dir(l));
        }
        for j in (2..l).rev() {
            let (head, tail) = ws.d_suffix.split_at_mut(j + 1);
            mm(
                head[j].as_mut(),
                Accum::Replace,
                tail[0].as_ref(),
                self.layer(theta, j),
            );
            mm(
                head[j].as_mut(),
                Accum::Add,
                ws.suffix[j + 1].as_ref(),
                dir(j),
            );
        }
        // dG = dP Σ (covariance) or (dP X) Xᵀ/N (samples).
        let dp = ws.d_prefix[l].as_ref();
        match &self.data {
            Data::Covariance { sigma, .. } => match sigma {
                Sigma::Identity => ws.dg.copy_from(dp),
                Sigma::Measured(sigma) => mm(ws.dg.as_mut(), Accum::Replace, dp, sigma.as_ref()),
            },
            Data::Samples { x, .. } => {
                mm(ws.d_residual.as_mut(), Accum::Replace, dp, x.as_ref());
                let n = x.ncols() as f64;
                matmul(
                    ws.dg.as_mut(),
                    Accum::Replace,
                    ws.d_residual.as_ref(),
                    x.transpose(),
                    1.0 / n,
                    Par::Seq,
                );
            }
        }
        for j in 1..=l {
            let (rows, cols) = (self.widths[j], self.widths[j - 1]);
            let mut o =
                MatMut::from_column_major_slice_mut(&mut out[self.layer_range(j)], rows, cols);
            // (dB_{j+1}ᵀ G + B_{j+1}ᵀ dG) A_{j−1}ᵀ + (B_{j+1}ᵀ G) dA_{j−1}ᵀ, where
            // B_{L+1} = A_0 = I and dB_{L+1} = dA_0 = 0.
            let left = if j == l {
                ws.dg.as_ref()
            } else {
                mm(
                    ws.left[j - 1].as_mut(),
                    Accum::Replace,
                    ws.d_suffix[j + 1].transpose(),
                    ws.g.as_ref(),
                );
                mm(
                    ws.left[j - 1].as_mut(),
                    Accum::Add,
                    ws.suffix[j + 1].transpose(),
                    ws.dg.as_ref(),
                );
                ws.left[j - 1].as_ref()
            };
            if j == 1 {
                o.copy_from(left);
                continue;
            }
            mm(
                o.as_mut(),
                Accum::Replace,
                left,
                ws.prefix[j - 1].transpose(),
            );
            let left2 = if j == l {
                ws.g.as_ref()
            } else {
                ws.left2[j - 1].as_ref()
            };
            mm(o, Accum::Add, left2, ws.d_prefix[j - 1].transpose());
        }
    }
}
