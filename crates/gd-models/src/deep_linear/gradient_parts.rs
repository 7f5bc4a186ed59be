//! The pieces of the deep linear network's gradient around its split layer (module docs of
//! `deep_linear`): the prefix and suffix chains, P and G, the gradients below and above the
//! split, and the buffers they fill. The one-thread gradient and [`crate::TwoThreadDeepLinear`]
//! both compose them.

use super::small_products::{copy, mm};
use super::{Data, DeepLinear, DeepLinearWorkspace, Sigma};
use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatMut, MatRef, Par};

impl DeepLinear {
    /// Where layer m+1 starts in θ (θ's length when m = L): θ's head up to it holds the layers
    /// below the split.
    pub(crate) fn upper_offset(&self) -> usize {
        self.offsets[self.split]
    }

    /// Fills prefix A_1..A_L and suffix B_2..B_L at θ (A_0 = B_{L+1} = I are fixed, and
    /// B_1 = P is never needed).
    pub(super) fn products(&self, theta: &[f64], ws: &mut DeepLinearWorkspace) {
        self.fill_prefix(theta, &mut ws.prefix, self.depth());
        self.fill_suffix(theta, &mut ws.suffix, 2);
    }

    /// Prefix buffers A_0..A_L (A_j is n_j × n_0; A_0 = I is fixed).
    pub(crate) fn prefix_buffers(&self) -> Vec<Mat<f64>> {
        let n0 = self.widths[0];
        (0..=self.depth())
            .map(|j| {
                if j == 0 {
                    Mat::identity(n0, n0)
                } else {
                    Mat::zeros(self.widths[j], n0)
                }
            })
            .collect()
    }

    /// Suffix buffers: entry j is B_j (n_L × n_{j−1}) for j = 1..=L+1, B_{L+1} = I fixed;
    /// entry 0 is unused.
    pub(crate) fn suffix_buffers(&self) -> Vec<Mat<f64>> {
        let (nl, l) = (self.widths[self.depth()], self.depth());
        (0..=l + 1)
            .map(|j| match j {
                0 => Mat::zeros(0, 0),
                j if j == l + 1 => Mat::identity(nl, nl),
                j => Mat::zeros(nl, self.widths[j - 1]),
            })
            .collect()
    }

    /// The residual buffer: n_L × n_0 (covariance form) or n_L × N (sample form).
    pub(crate) fn residual_buffer(&self) -> Mat<f64> {
        let n_cols = match &self.data {
            Data::Covariance { .. } => self.widths[0],
            Data::Samples { x, .. } => x.ncols(),
        };
        Mat::zeros(self.widths[self.depth()], n_cols)
    }

    /// The buffer of P = W_L⋯W_1 (n_L × n_0).
    pub(crate) fn end_to_end_buffer(&self) -> Mat<f64> {
        Mat::zeros(self.widths[self.depth()], self.widths[0])
    }

    /// The buffers of U_j = B_{j+1}ᵀ G, one per layer j = 1..=L (n_j × n_0).
    pub(crate) fn left_buffers(&self) -> Vec<Mat<f64>> {
        (1..=self.depth())
            .map(|j| Mat::zeros(self.widths[j], self.widths[0]))
            .collect()
    }

    /// The buffers of V_j = G A_{j−1}ᵀ: entry j (n_L × n_{j−1}) for m < j < L; the others,
    /// never used, are empty.
    pub(crate) fn right_buffers(&self) -> Vec<Mat<f64>> {
        let l = self.depth();
        (0..=l)
            .map(|j| {
                if self.split < j && j < l {
                    Mat::zeros(self.widths[l], self.widths[j - 1])
                } else {
                    Mat::zeros(0, 0)
                }
            })
            .collect()
    }

    /// Fills suffix B_L = W_L, B_j = B_{j+1} W_j down to B_first (first ≥ 2).
    pub(crate) fn fill_suffix(&self, theta: &[f64], suffix: &mut [Mat<f64>], first: usize) {
        let l = self.depth();
        if l >= first {
            copy(suffix[l].as_mut(), self.layer(theta, l));
        }
        for j in (first..l).rev() {
            let (head, tail) = suffix.split_at_mut(j + 1);
            mm(
                head[j].as_mut(),
                Accum::Replace,
                tail[0].as_ref(),
                self.layer(theta, j),
            );
        }
    }

    /// Fills prefix A_1 = W_1, A_j = W_j A_{j−1} up to A_last.
    pub(crate) fn fill_prefix(&self, theta: &[f64], prefix: &mut [Mat<f64>], last: usize) {
        copy(prefix[1].as_mut(), self.layer(theta, 1));
        for j in 2..=last {
            let (done, rest) = prefix.split_at_mut(j);
            mm(
                rest[0].as_mut(),
                Accum::Replace,
                self.layer(theta, j),
                done[j - 1].as_ref(),
            );
        }
    }

    /// Fills the two chains of the split evaluation at θ: A_1..A_m and B_L..B_{m+1}.
    pub(super) fn split_products(&self, theta: &[f64], ws: &mut DeepLinearWorkspace) {
        self.fill_prefix(theta, &mut ws.prefix, self.split);
        self.fill_suffix(theta, &mut ws.suffix, self.split + 1);
    }

    /// Writes P = B_{m+1} A_m into `p`, from the chains of the split evaluation.
    pub(crate) fn fill_end_to_end(
        &self,
        prefix: &[Mat<f64>],
        suffix: &[Mat<f64>],
        p: &mut Mat<f64>,
    ) {
        let m = self.split;
        if m == self.depth() {
            copy(p.as_mut(), prefix[m].as_ref());
        } else {
            mm(
                p.as_mut(),
                Accum::Replace,
                suffix[m + 1].as_ref(),
                prefix[m].as_ref(),
            );
        }
    }

    /// Layer j's block (n_j × n_{j−1}) of `part`, the part of a θ-sized vector that starts at
    /// entry `base`.
    pub(super) fn block<'a>(&self, part: &'a mut [f64], base: usize, j: usize) -> MatMut<'a, f64> {
        let range = self.layer_range(j);
        MatMut::from_column_major_slice_mut(
            &mut part[range.start - base..range.end - base],
            self.widths[j],
            self.widths[j - 1],
        )
    }

    /// Writes ∇W_1..∇W_m into `out` (θ's head up to layer m) by back-propagation:
    /// U_m = B_{m+1}ᵀ G, ∇W_j = U_j A_{j−1}ᵀ, U_{j−1} = W_jᵀ U_j, ∇W_1 = U_1.
    pub(crate) fn lower_gradients(
        &self,
        theta: &[f64],
        prefix: &[Mat<f64>],
        suffix: &[Mat<f64>],
        g: MatRef<'_, f64>,
        left: &mut [Mat<f64>],
        out: &mut [f64],
    ) {
        let m = self.split;
        // U_1 is ∇W_1: written straight into the gradient.
        let top = if m == 1 {
            self.block(out, 0, 1)
        } else {
            left[m - 1].as_mut()
        };
        if m == self.depth() {
            copy(top, g);
        } else {
            mm(top, Accum::Replace, suffix[m + 1].transpose(), g);
        }
        for j in (2..=m).rev() {
            let (below, at) = left.split_at_mut(j - 1);
            mm(
                self.block(out, 0, j),
                Accum::Replace,
                at[0].as_ref(),
                prefix[j - 1].transpose(),
            );
            let next = if j == 2 {
                self.block(out, 0, 1)
            } else {
                below[j - 2].as_mut()
            };
            mm(
                next,
                Accum::Replace,
                self.layer(theta, j).transpose(),
                at[0].as_ref(),
            );
        }
    }

    /// Writes ∇W_{m+1}..∇W_L into `out` (θ's tail from layer m+1) by forward propagation:
    /// V_{m+1} = G A_mᵀ, ∇W_j = B_{j+1}ᵀ V_j, V_{j+1} = V_j W_jᵀ, ∇W_L = V_L. Reads θ's
    /// layers above m only.
    pub(crate) fn upper_gradients(
        &self,
        theta: &[f64],
        prefix_at_split: MatRef<'_, f64>,
        suffix: &[Mat<f64>],
        g: MatRef<'_, f64>,
        right: &mut [Mat<f64>],
        out: &mut [f64],
    ) {
        let (m, l) = (self.split, self.depth());
        if m == l {
            return;
        }
        let base = self.upper_offset();
        if m + 1 == l {
            mm(
                self.block(out, base, l),
                Accum::Replace,
                g,
                prefix_at_split.transpose(),
            );
            return;
        }
        mm(
            right[m + 1].as_mut(),
            Accum::Replace,
            g,
            prefix_at_split.transpose(),
        );
        for j in m + 1..l {
            let (done, next) = right.split_at_mut(j + 1);
            mm(
                self.block(out, base, j),
                Accum::Replace,
                suffix[j + 1].transpose(),
                done[j].as_ref(),
            );
            let w = self.layer(theta, j).transpose();
            if j + 1 == l {
                mm(
                    self.block(out, base, l),
                    Accum::Replace,
                    done[j].as_ref(),
                    w,
                );
            } else {
                mm(next[0].as_mut(), Accum::Replace, done[j].as_ref(), w);
            }
        }
    }

    /// Computes g = ∂loss/∂P from P, returns the loss.
    pub(crate) fn loss_gradient_in_p(
        &self,
        p: MatRef<'_, f64>,
        residual: &mut Mat<f64>,
        g: &mut Mat<f64>,
    ) -> f64 {
        match &self.data {
            Data::Covariance { sigma, target } => {
                let Sigma::Measured(sigma) = sigma else {
                    // G = D: ½ Σ d², summed by columns like the general case.
                    let mut s = 0.0;
                    for ((g, p), r) in g.col_iter_mut().zip(p.col_iter()).zip(target.col_iter()) {
                        for ((g, p), r) in g.iter_mut().zip(p.iter()).zip(r.iter()) {
                            let d = *p - *r;
                            *g = d;
                            s += d * d;
                        }
                    }
                    return 0.5 * s;
                };
                let d = residual.as_mut();
                faer::zip!(d, p, target.as_ref()).for_each(|faer::unzip!(d, p, r)| *d = *p - *r);
                mm(
                    g.as_mut(),
                    Accum::Replace,
                    residual.as_ref(),
                    sigma.as_ref(),
                );
                let mut s = 0.0;
                for j in 0..g.ncols() {
                    for i in 0..g.nrows() {
                        s += residual[(i, j)] * g[(i, j)];
                    }
                }
                0.5 * s
            }
            Data::Samples { x, y } => {
                let n = x.ncols() as f64;
                mm(residual.as_mut(), Accum::Replace, p, x.as_ref());
                let mut s = 0.0;
                for j in 0..y.ncols() {
                    for i in 0..y.nrows() {
                        let e = residual[(i, j)] - y[(i, j)];
                        residual[(i, j)] = e;
                        s += e * e;
                    }
                }
                matmul(
                    g.as_mut(),
                    Accum::Replace,
                    residual.as_ref(),
                    x.transpose(),
                    1.0 / n,
                    Par::Seq,
                );
                s / (2.0 * n)
            }
        }
    }
}
