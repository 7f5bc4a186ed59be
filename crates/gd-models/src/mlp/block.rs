//! The passes of an [`Mlp`] over one block of samples, as matrix products (faer, `Par::Seq`):
//! samples are columns, so a layer is Z_l = W_l A_{l−1} + b_l 1ᵀ for the whole block.
//!
//! - forward: Z_l, A_l = σ(Z_l) (A_0 the block's inputs, the output is Z_L);
//! - output: the block's summed loss and Δ_L = scale·∂ℓ/∂z_L;
//! - back-propagation: Δ_{l−1} = σ′(Z_{l−1}) ⊙ W_lᵀ Δ_l;
//! - gradient terms: ∂W_l = Δ_l A_{l−1}ᵀ, ∂b_l = Δ_l 1;
//! - the R-operator (Pearlmutter 1994, "Fast exact multiplication by the Hessian", eqs. 4–5)
//!   along v = (V_l, c_l): R(Z_l) = V_l A_{l−1} + W_l R(A_{l−1}) + c_l 1ᵀ, R(A_l) = σ′ ⊙ R(Z_l),
//!   R(Δ_L) from the loss's Hessian in z_L, R(Δ_{l−1}) = σ′ ⊙ (V_lᵀ Δ_l + W_lᵀ R(Δ_l)) +
//!   σ″ ⊙ R(Z_{l−1}) ⊙ W_lᵀ Δ_l, and (∇²f v) for W_l = R(Δ_l) A_{l−1}ᵀ + Δ_l R(A_{l−1})ᵀ.

use super::{Mlp, MlpLoss};
use faer::linalg::matmul::matmul;
use faer::{Accum, MatMut, MatRef, Par};

/// Which samples a block holds: `len` samples from `start` of the data set, or the listed ones
/// (a mini-batch, which may repeat samples).
#[derive(Clone, Copy)]
pub(super) enum Samples<'a> {
    Range(usize),
    Listed(&'a [usize]),
}

impl Samples<'_> {
    fn index(self, j: usize) -> usize {
        match self {
            Self::Range(start) => start + j,
            Self::Listed(indices) => indices[j],
        }
    }
}

/// One block's matrices, each n_l × (block length) column-major in a buffer of
/// [`super::MAX_BLOCK`] columns; entry l of each list is layer l (entry 0 of `z`, `a` and the
/// R-buffers is empty: A_0 is the input).
pub(super) struct BlockBuffers {
    /// A mini-batch's inputs, gathered (a range of the data set is viewed in place).
    input: Vec<f64>,
    z: Vec<Vec<f64>>,
    a: Vec<Vec<f64>>,
    delta: Vec<Vec<f64>>,
    rz: Vec<Vec<f64>>,
    ra: Vec<Vec<f64>>,
    rdelta: Vec<Vec<f64>>,
}

/// A column-major view of the first `cols` columns of `data` with `rows` rows.
fn view(data: &[f64], rows: usize, cols: usize) -> MatRef<'_, f64> {
    MatRef::from_column_major_slice(&data[..rows * cols], rows, cols)
}

/// The mutable twin of [`view`].
fn view_mut(data: &mut [f64], rows: usize, cols: usize) -> MatMut<'_, f64> {
    MatMut::from_column_major_slice_mut(&mut data[..rows * cols], rows, cols)
}

/// dst (+)= lhs · rhs on one thread: `Accum::Replace` or `Accum::Add`.
fn product(dst: MatMut<'_, f64>, accum: Accum, lhs: MatRef<'_, f64>, rhs: MatRef<'_, f64>) {
    matmul(dst, accum, lhs, rhs, 1.0, Par::Seq);
}

/// Every column of `m` (rows × len) set to `column`.
fn fill_columns(m: &mut [f64], column: &[f64], len: usize) {
    for c in m[..column.len() * len].chunks_exact_mut(column.len()) {
        c.copy_from_slice(column);
    }
}

/// out = M 1: the row sums of M (rows × len), each summed over the columns in order.
fn row_sums(out: &mut [f64], m: &[f64], len: usize) {
    let rows = out.len();
    out.copy_from_slice(&m[..rows]);
    for c in m[rows..rows * len].chunks_exact(rows) {
        for (o, v) in out.iter_mut().zip(c) {
            *o += v;
        }
    }
}

/// log Σ exp(o_i), shifted by the largest entry.
fn log_sum_exp(out: &[f64]) -> f64 {
    let max = out.iter().fold(f64::NEG_INFINITY, |m, v| m.max(*v));
    out.iter().map(|v| (v - max).exp()).sum::<f64>().ln() + max
}

impl BlockBuffers {
    // bound: the block's memory is counted in `workspace_bytes_for` and capped by `with_memory_cap` before any is built.
    pub(super) fn new(sizes: &[usize], columns: usize) -> Self {
        let layers = || {
            std::iter::once(Vec::new())
                .chain(sizes[1..].iter().map(|n| vec![0.0; n * columns]))
                .collect::<Vec<_>>()
        };
        Self {
            input: vec![0.0; sizes[0] * columns],
            z: layers(),
            a: layers(),
            delta: layers(),
            rz: layers(),
            ra: layers(),
            rdelta: layers(),
        }
    }

    /// Z_L of the last forward pass: the first `n` values of the network's outputs.
    pub(super) fn output(&self, depth: usize, n: usize) -> &[f64] {
        &self.z[depth][..n]
    }

    /// Floats held for layer sizes `sizes` and `columns` columns (see [`BlockBuffers::new`]).
    pub(super) fn floats(sizes: &[usize], columns: usize) -> Option<usize> {
        let layers = sizes[1..]
            .iter()
            .try_fold(0_usize, |s, n| s.checked_add(*n))?;
        layers
            .checked_mul(6)?
            .checked_add(sizes[0])?
            .checked_mul(columns)
    }
}

impl Mlp {
    fn weight_view<'t>(&self, theta: &'t [f64], l: usize) -> (MatRef<'t, f64>, &'t [f64]) {
        let (w, b) = self.weights(theta, l);
        (view(w, self.sizes[l], self.sizes[l - 1]), b)
    }

    /// A_0: the block's inputs, a view of the data set (a range) or gathered into
    /// `buffer` by [`Mlp::forward_block`] (listed samples).
    fn block_input<'s>(
        &'s self,
        samples: Samples<'_>,
        len: usize,
        buffer: &'s [f64],
    ) -> MatRef<'s, f64> {
        let n0 = self.sizes[0];
        match samples {
            Samples::Range(start) => view(&self.x[start * n0..], n0, len),
            Samples::Listed(_) => view(buffer, n0, len),
        }
    }

    /// Z_l and A_l of every layer for the block's `len` samples.
    pub(super) fn forward_block(
        &self,
        theta: &[f64],
        samples: Samples<'_>,
        len: usize,
        buffers: &mut BlockBuffers,
    ) {
        let BlockBuffers { input, z, a, .. } = buffers;
        let n0 = self.sizes[0];
        if let Samples::Listed(indices) = samples {
            for (column, &i) in input.chunks_exact_mut(n0).zip(indices) {
                column.copy_from_slice(&self.x[i * n0..(i + 1) * n0]);
            }
        }
        let depth = self.depth();
        for l in 1..=depth {
            let rows = self.sizes[l];
            let (w, b) = self.weight_view(theta, l);
            fill_columns(&mut z[l], b, len);
            let (lower, upper) = a.split_at_mut(l);
            let previous = if l == 1 {
                self.block_input(samples, len, input)
            } else {
                view(&lower[l - 1], self.sizes[l - 1], len)
            };
            product(view_mut(&mut z[l], rows, len), Accum::Add, w, previous);
            if l < depth {
                self.activation
                    .apply(&z[l][..rows * len], &mut upper[0][..rows * len]);
            }
        }
    }

    /// The block's loss Σ ℓ_i (summed in sample order) and Δ_L = scale·∂ℓ_i/∂z_L.
    pub(super) fn output_block(
        &self,
        samples: Samples<'_>,
        len: usize,
        scale: f64,
        buffers: &mut BlockBuffers,
    ) -> f64 {
        let depth = self.depth();
        let rows = self.sizes[depth];
        let outputs = buffers.z[depth][..rows * len].chunks_exact(rows);
        let deltas = buffers.delta[depth][..rows * len].chunks_exact_mut(rows);
        let mut loss = 0.0;
        for (j, (out, delta)) in outputs.zip(deltas).enumerate() {
            let i = samples.index(j);
            let target = &self.y[i * rows..(i + 1) * rows];
            match self.loss {
                MlpLoss::Squared => {
                    for ((d, &o), &t) in delta.iter_mut().zip(out).zip(target) {
                        let e = o - t;
                        *d = scale * e;
                        loss += 0.5 * e * e;
                    }
                }
                MlpLoss::SoftmaxCrossEntropy => {
                    let log_sum = log_sum_exp(out);
                    for ((d, &o), &t) in delta.iter_mut().zip(out).zip(target) {
                        *d = scale * ((o - log_sum).exp() - t);
                        loss -= t * (o - log_sum);
                    }
                }
            }
        }
        loss
    }

    /// Δ_{l−1} = σ′(Z_{l−1}) ⊙ W_lᵀ Δ_l for l = L..2.
    pub(super) fn back_propagate_block(
        &self,
        theta: &[f64],
        len: usize,
        buffers: &mut BlockBuffers,
    ) {
        let BlockBuffers { z, a, delta, .. } = buffers;
        for l in (2..=self.depth()).rev() {
            let (rows, cols) = (self.sizes[l], self.sizes[l - 1]);
            let (w, _) = self.weight_view(theta, l);
            let (lower, upper) = delta.split_at_mut(l);
            let back = &mut lower[l - 1][..cols * len];
            product(
                view_mut(back, cols, len),
                Accum::Replace,
                w.transpose(),
                view(&upper[0], rows, len),
            );
            self.activation
                .times_slope(&z[l - 1][..cols * len], &a[l - 1][..cols * len], back);
        }
    }

    /// The block's gradient terms into `out` (length d): ∂W_l = Δ_l A_{l−1}ᵀ, ∂b_l = Δ_l 1.
    pub(super) fn gradient_block(
        &self,
        samples: Samples<'_>,
        len: usize,
        buffers: &BlockBuffers,
        out: &mut [f64],
    ) {
        for l in 1..=self.depth() {
            let (rows, cols) = (self.sizes[l], self.sizes[l - 1]);
            let (gw, gb) = out[self.offsets[l - 1]..self.offsets[l]].split_at_mut(rows * cols);
            let previous = if l == 1 {
                self.block_input(samples, len, &buffers.input)
            } else {
                view(&buffers.a[l - 1], cols, len)
            };
            let delta = &buffers.delta[l];
            product(
                view_mut(gw, rows, cols),
                Accum::Replace,
                view(delta, rows, len),
                previous.transpose(),
            );
            row_sums(gb, delta, len);
        }
    }

    /// R(Z_l) and R(A_l) along v.
    pub(super) fn r_forward_block(
        &self,
        theta: &[f64],
        v: &[f64],
        samples: Samples<'_>,
        len: usize,
        buffers: &mut BlockBuffers,
    ) {
        let BlockBuffers {
            input,
            z,
            a,
            rz,
            ra,
            ..
        } = buffers;
        let depth = self.depth();
        for l in 1..=depth {
            let rows = self.sizes[l];
            let (vw, vb) = self.weight_view(v, l);
            fill_columns(&mut rz[l], vb, len);
            let mut target = view_mut(&mut rz[l], rows, len);
            if l == 1 {
                let x = self.block_input(samples, len, input);
                product(target, Accum::Add, vw, x);
            } else {
                let cols = self.sizes[l - 1];
                let (w, _) = self.weight_view(theta, l);
                product(target.as_mut(), Accum::Add, vw, view(&a[l - 1], cols, len));
                product(target, Accum::Add, w, view(&ra[l - 1], cols, len));
            }
            if l < depth {
                let n = rows * len;
                let r = &mut ra[l][..n];
                r.copy_from_slice(&rz[l][..n]);
                self.activation.times_slope(&z[l][..n], &a[l][..n], r);
            }
        }
    }

    /// R(Δ_L) = scale·(∂²ℓ/∂z_L²) R(Z_L): R(Z_L) for the squared loss, p ⊙ (R(z) − ⟨p, R(z)⟩)
    /// for softmax cross-entropy (p = softmax(z_L)).
    pub(super) fn r_output_block(&self, len: usize, scale: f64, buffers: &mut BlockBuffers) {
        let depth = self.depth();
        let rows = self.sizes[depth];
        let n = rows * len;
        let BlockBuffers {
            z, rz, ra, rdelta, ..
        } = buffers;
        match self.loss {
            MlpLoss::Squared => {
                for (rd, r) in rdelta[depth][..n].iter_mut().zip(&rz[depth][..n]) {
                    *rd = scale * r;
                }
            }
            MlpLoss::SoftmaxCrossEntropy => {
                // p is kept in R(A_L), which the output layer never uses.
                let columns = z[depth][..n]
                    .chunks_exact(rows)
                    .zip(rz[depth][..n].chunks_exact(rows))
                    .zip(ra[depth][..n].chunks_exact_mut(rows))
                    .zip(rdelta[depth][..n].chunks_exact_mut(rows));
                for (((out, r), p), rd) in columns {
                    let log_sum = log_sum_exp(out);
                    for (pi, &o) in p.iter_mut().zip(out) {
                        *pi = (o - log_sum).exp();
                    }
                    let pr: f64 = p.iter().zip(r).map(|(a, b)| a * b).sum();
                    for ((d, &pi), &ri) in rd.iter_mut().zip(p.iter()).zip(r) {
                        *d = scale * (pi * (ri - pr));
                    }
                }
            }
        }
    }

    /// R(Δ_l) for l = L−1..1 and the block's terms of ∇²f·v into `out` (length d).
    pub(super) fn r_backward_block(
        &self,
        theta: &[f64],
        v: &[f64],
        samples: Samples<'_>,
        len: usize,
        buffers: &mut BlockBuffers,
        out: &mut [f64],
    ) {
        let BlockBuffers {
            input,
            z,
            a,
            delta,
            rz,
            ra,
            rdelta,
        } = buffers;
        for l in (1..=self.depth()).rev() {
            let (rows, cols) = (self.sizes[l], self.sizes[l - 1]);
            let (ow, ob) = out[self.offsets[l - 1]..self.offsets[l]].split_at_mut(rows * cols);
            let mut ow = view_mut(ow, rows, cols);
            let (lower, upper) = rdelta.split_at_mut(l);
            let r_delta = &upper[0];
            if l == 1 {
                let x = self.block_input(samples, len, input);
                product(ow, Accum::Replace, view(r_delta, rows, len), x.transpose());
            } else {
                let previous = view(&a[l - 1], cols, len);
                product(
                    ow.as_mut(),
                    Accum::Replace,
                    view(r_delta, rows, len),
                    previous.transpose(),
                );
                product(
                    ow,
                    Accum::Add,
                    view(&delta[l], rows, len),
                    view(&ra[l - 1], cols, len).transpose(),
                );
            }
            row_sums(ob, r_delta, len);
            if l > 1 {
                let (w, _) = self.weight_view(theta, l);
                let (vw, _) = self.weight_view(v, l);
                let n = cols * len;
                let r_back = &mut lower[l - 1][..n];
                let mut target = view_mut(r_back, cols, len);
                product(
                    target.as_mut(),
                    Accum::Replace,
                    vw.transpose(),
                    view(&delta[l], rows, len),
                );
                product(target, Accum::Add, w.transpose(), view(r_delta, rows, len));
                self.activation.r_times_slope(
                    &z[l - 1][..n],
                    &a[l - 1][..n],
                    &rz[l - 1][..n],
                    &delta[l - 1][..n],
                    r_back,
                );
            }
        }
    }
}
