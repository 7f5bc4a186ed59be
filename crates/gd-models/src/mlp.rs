//! Multilayer perceptrons with biases and ReLU / tanh / identity hidden activations, squared
//! or softmax cross-entropy loss averaged over samples, mini-batch gradients, and the exact
//! Hessian-vector product by Pearlmutter's R-operator (forward-over-reverse), for the neural
//! network experiments of Mohtashami, Jaggi & Stich.
//!
//! Parameters: for each layer l = 1..L, W_l (n_l × n_{l−1}, column-major) then b_l (n_l).
//! ReLU″ = 0 and ReLU′(0) = 0, as in [`crate::two_layer_relu`].

use crate::error::{ModelError, Result, invalid};
use crate::linear_data::standard_normal;
use gd_core::{Objective, SampleObjective};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// Hidden-layer activation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Activation {
    /// max(z, 0).
    Relu,
    /// tanh z.
    Tanh,
    /// z (a deep linear network with biases).
    Identity,
}

impl Activation {
    /// σ(z) for every z into `out`, the match outside the loop.
    fn apply(self, z: &[f64], out: &mut [f64]) {
        match self {
            Self::Relu => {
                for (a, &zi) in out.iter_mut().zip(z) {
                    *a = positive_part(zi);
                }
            }
            Self::Tanh => {
                for (a, &zi) in out.iter_mut().zip(z) {
                    *a = zi.tanh();
                }
            }
            Self::Identity => out.copy_from_slice(z),
        }
    }

    /// (σ′(z), σ″(z)) from z and a = σ(z) as [`Activation::apply`] computed it, without
    /// evaluating tanh again.
    fn derivatives(self, z: f64, a: f64) -> (f64, f64) {
        match self {
            Self::Relu => (relu_slope(z), 0.0),
            Self::Tanh => {
                let d = 1.0 - a * a;
                (d, -2.0 * a * d)
            }
            Self::Identity => (1.0, 0.0),
        }
    }

    /// out_i = σ′(z_i)·b_i (back-propagation through the activation), the match outside the
    /// loop.
    fn times_slope(self, z: &[f64], a: &[f64], b: &[f64], out: &mut [f64]) {
        match self {
            Self::Relu => {
                for ((d, &zi), &bi) in out.iter_mut().zip(z).zip(b) {
                    *d = relu_slope(zi) * bi;
                }
            }
            Self::Tanh => {
                for ((d, &ai), &bi) in out.iter_mut().zip(a).zip(b) {
                    *d = (1.0 - ai * ai) * bi;
                }
            }
            Self::Identity => out.copy_from_slice(b),
        }
    }
}

/// `if z > 0 { z } else { 0 }` (so NaN and −0 give +0) as a bit mask: no branch on the sign,
/// which a network's pre-activations flip at random.
fn positive_part(z: f64) -> f64 {
    f64::from_bits(z.to_bits() & u64::from(z > 0.0).wrapping_neg())
}

/// ReLU′(z): 1 for z > 0, else 0 (ReLU′(0) = 0), as a bit mask.
fn relu_slope(z: f64) -> f64 {
    f64::from_bits(1f64.to_bits() & u64::from(z > 0.0).wrapping_neg())
}

/// z += W a for W (z.len() × a.len(), column-major), each z_i summed over the columns in
/// order, as the column-by-column update sums it; rows go in blocks of [`ROW_BLOCK`] (and one
/// last block of the remaining rows) that stay in registers across the columns instead of
/// being loaded and stored once per column.
fn affine_in_row_blocks(z: &mut [f64], w: &[f64], a: &[f64]) {
    let rows = z.len();
    let mut start = 0;
    while start + ROW_BLOCK <= rows {
        affine_block::<ROW_BLOCK>(z, w, a, start);
        start += ROW_BLOCK;
    }
    match rows - start {
        1 => affine_block::<1>(z, w, a, start),
        2 => affine_block::<2>(z, w, a, start),
        3 => affine_block::<3>(z, w, a, start),
        4 => affine_block::<4>(z, w, a, start),
        5 => affine_block::<5>(z, w, a, start),
        6 => affine_block::<6>(z, w, a, start),
        7 => affine_block::<7>(z, w, a, start),
        _ => {}
    }
}

/// Rows start..start + R of [`affine_in_row_blocks`].
fn affine_block<const R: usize>(z: &mut [f64], w: &[f64], a: &[f64], start: usize) {
    let rows = z.len();
    let mut block = [0.0_f64; R];
    block.copy_from_slice(&z[start..start + R]);
    for (column, &aj) in w.chunks_exact(rows).zip(a) {
        for (zi, wi) in block.iter_mut().zip(&column[start..start + R]) {
            *zi += wi * aj;
        }
    }
    z[start..start + R].copy_from_slice(&block);
}

/// Rows of z = W a + b kept in registers together by [`affine_in_row_blocks`].
const ROW_BLOCK: usize = 8;

/// The training loss.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MlpLoss {
    /// (1/N) Σ ½‖out − y‖².
    Squared,
    /// (1/N) Σ −yᵀ log softmax(out), y one-hot (or any probability vector).
    SoftmaxCrossEntropy,
}

/// An MLP with its training data.
#[derive(Clone, Debug)]
pub struct Mlp {
    sizes: Vec<usize>,
    activation: Activation,
    loss: MlpLoss,
    x: Vec<f64>,
    y: Vec<f64>,
    samples: usize,
    offsets: Vec<usize>,
}

/// Per-layer buffers for one sample's forward, backward and R-passes, and for the gradient of
/// a chunk of samples.
pub struct MlpWorkspace {
    z: Vec<Vec<f64>>,
    a: Vec<Vec<f64>>,
    delta: Vec<Vec<f64>>,
    rz: Vec<Vec<f64>>,
    ra: Vec<Vec<f64>>,
    rdelta: Vec<Vec<f64>>,
    back: Vec<f64>,
    rback: Vec<f64>,
    /// Per layer l ≥ 1, (scale·δ_l) of each sample of the chunk: n_l × [`CHUNK`], column-major
    /// (entry 0 is empty).
    chunk_delta: Vec<Vec<f64>>,
    /// Per layer l ≥ 1, a_{l−1} of each sample of the chunk: [`CHUNK`] × n_{l−1}, column-major
    /// (a unit's values over the chunk are contiguous).
    chunk_input: Vec<Vec<f64>>,
}

/// Samples whose gradient terms are added together, each gradient entry held in a register
/// across the chunk instead of being loaded and stored once per sample.
const CHUNK: usize = 8;

/// The multipliers of the bias terms: scale·δ times exactly 1.
const ONES: [f64; CHUNK] = [1.0; CHUNK];

impl Mlp {
    /// An MLP with layer sizes n_0..n_L, inputs `x` (n_0 × N) and targets `y` (n_L × N),
    /// both column-major.
    pub fn new(
        sizes: &[usize],
        activation: Activation,
        loss: MlpLoss,
        x: Vec<f64>,
        y: Vec<f64>,
    ) -> Result<Self> {
        if sizes.len() < 2 {
            return invalid(
                "sizes",
                format!("{sizes:?}"),
                "at least the input and output sizes",
            );
        }
        if sizes.contains(&0) {
            return Err(ModelError::Empty {
                what: "layer width",
            });
        }
        let (n0, nl) = (sizes[0], sizes[sizes.len() - 1]);
        if x.is_empty() {
            return Err(ModelError::Empty { what: "sample set" });
        }
        if !x.len().is_multiple_of(n0) || y.len() != nl * (x.len() / n0) {
            return Err(ModelError::Shape {
                what: "data",
                expected: format!("x: {n0} x N, y: {nl} x N"),
                found: format!("{} and {} values", x.len(), y.len()),
            });
        }
        if x.iter().chain(&y).any(|v| !v.is_finite()) {
            return Err(ModelError::NonFinite { what: "data" });
        }
        let mut offsets = vec![0];
        for l in 1..sizes.len() {
            let last = *offsets.last().unwrap_or(&0);
            offsets.push(last + sizes[l] * sizes[l - 1] + sizes[l]);
        }
        Ok(Self {
            sizes: sizes.to_vec(),
            activation,
            loss,
            samples: x.len() / n0,
            x,
            y,
            offsets,
        })
    }

    /// Layer sizes.
    pub fn sizes(&self) -> &[usize] {
        &self.sizes
    }

    /// Depth L.
    pub fn depth(&self) -> usize {
        self.sizes.len() - 1
    }

    /// The same network on other data (e.g. a test set).
    pub fn with_data(&self, x: Vec<f64>, y: Vec<f64>) -> Result<Self> {
        Self::new(&self.sizes, self.activation, self.loss, x, y)
    }

    /// He/Xavier-style Gaussian initialization: W_l ~ N(0, gain²/n_{l−1}), b = 0, seeded.
    pub fn initialize(&self, gain: f64, seed: u64) -> Vec<f64> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut theta = vec![0.0; self.offsets[self.depth()]];
        for l in 1..=self.depth() {
            let (rows, cols) = (self.sizes[l], self.sizes[l - 1]);
            let g = standard_normal(&mut rng, rows * cols);
            let s = gain / (cols as f64).sqrt();
            let start = self.offsets[l - 1];
            for (t, v) in theta[start..start + rows * cols].iter_mut().zip(g) {
                *t = s * v;
            }
        }
        theta
    }

    fn weights<'a>(&self, theta: &'a [f64], l: usize) -> (&'a [f64], &'a [f64]) {
        let start = self.offsets[l - 1];
        let nw = self.sizes[l] * self.sizes[l - 1];
        (
            &theta[start..start + nw],
            &theta[start + nw..self.offsets[l]],
        )
    }

    fn forward(&self, theta: &[f64], input: &[f64], ws: &mut MlpWorkspace) {
        ws.a[0].copy_from_slice(input);
        let l_max = self.depth();
        for l in 1..=l_max {
            let (w, b) = self.weights(theta, l);
            let cols = self.sizes[l - 1];
            let (prev, rest) = ws.a.split_at_mut(l);
            let z = &mut ws.z[l];
            z.copy_from_slice(b);
            affine_in_row_blocks(z, w, &prev[l - 1][..cols]);
            if l == l_max {
                rest[0].copy_from_slice(z);
            } else {
                self.activation.apply(z, &mut rest[0]);
            }
        }
    }

    /// Per-sample loss at the output, and δ_L = ∂ℓ/∂z_L into ws.delta[L].
    fn output_loss(&self, target: &[f64], ws: &mut MlpWorkspace) -> f64 {
        let l = self.depth();
        let out = &ws.z[l];
        let delta = &mut ws.delta[l];
        match self.loss {
            MlpLoss::Squared => {
                let mut s = 0.0;
                for i in 0..out.len() {
                    let e = out[i] - target[i];
                    delta[i] = e;
                    s += 0.5 * e * e;
                }
                s
            }
            MlpLoss::SoftmaxCrossEntropy => {
                let max = out.iter().fold(f64::NEG_INFINITY, |m, v| m.max(*v));
                let log_sum = out.iter().map(|v| (v - max).exp()).sum::<f64>().ln() + max;
                let mut s = 0.0;
                for i in 0..out.len() {
                    let p = (out[i] - log_sum).exp();
                    delta[i] = p - target[i];
                    s -= target[i] * (out[i] - log_sum);
                }
                s
            }
        }
    }

    /// δ_l of every layer from δ_L (back-propagation), storing (scale·δ_l, a_{l−1}) as sample
    /// `slot` of the chunk.
    fn backward(&self, theta: &[f64], scale: f64, slot: usize, ws: &mut MlpWorkspace) {
        for l in (1..=self.depth()).rev() {
            let (rows, cols) = (self.sizes[l], self.sizes[l - 1]);
            let (lower, upper) = ws.delta.split_at_mut(l);
            let delta = &upper[0][..rows];
            for (sd, &d) in ws.chunk_delta[l][slot * rows..(slot + 1) * rows]
                .iter_mut()
                .zip(delta)
            {
                *sd = scale * d;
            }
            for (input, &aj) in ws.chunk_input[l][slot..]
                .iter_mut()
                .step_by(CHUNK)
                .zip(&ws.a[l - 1][..cols])
            {
                *input = aj;
            }
            if l > 1 {
                let (w, _) = self.weights(theta, l);
                let back = &mut ws.back[..cols];
                for (b, column) in back.iter_mut().zip(w.chunks_exact(rows)) {
                    *b = column.iter().zip(delta).map(|(w, d)| w * d).sum();
                }
                self.activation
                    .times_slope(&ws.z[l - 1], &ws.a[l - 1], back, &mut lower[l - 1]);
            }
        }
    }

    /// Adds the gradient terms of the chunk's first `count` samples, in sample order:
    /// ∂W_l += Σ_s (scale·δ_l,s) a_{l−1,s}ᵀ and ∂b_l += Σ_s scale·δ_l,s, each entry summed as
    /// one sample at a time would sum it.
    fn add_chunk(&self, gradient: &mut [f64], count: usize, ws: &MlpWorkspace) {
        for l in 1..=self.depth() {
            let (rows, cols) = (self.sizes[l], self.sizes[l - 1]);
            let start = self.offsets[l - 1];
            let (gw, gb) = gradient[start..self.offsets[l]].split_at_mut(rows * cols);
            let deltas = &ws.chunk_delta[l][..rows * count];
            for (column, inputs) in gw
                .chunks_exact_mut(rows)
                .zip(ws.chunk_input[l].chunks_exact(CHUNK))
            {
                affine_in_row_blocks(column, deltas, &inputs[..count]);
            }
            affine_in_row_blocks(gb, deltas, &ONES[..count]);
        }
    }

    fn accumulate(
        &self,
        theta: &[f64],
        samples: &mut dyn Iterator<Item = usize>,
        count: usize,
        gradient: &mut [f64],
        ws: &mut MlpWorkspace,
    ) -> f64 {
        gradient.fill(0.0);
        let (n0, nl) = (self.sizes[0], self.sizes[self.depth()]);
        let scale = 1.0 / count as f64;
        let mut loss = 0.0;
        let mut slot = 0;
        for i in samples {
            self.forward(theta, &self.x[i * n0..(i + 1) * n0], ws);
            loss += self.output_loss(&self.y[i * nl..(i + 1) * nl], ws);
            self.backward(theta, scale, slot, ws);
            slot += 1;
            if slot == CHUNK {
                self.add_chunk(gradient, slot, ws);
                slot = 0;
            }
        }
        self.add_chunk(gradient, slot, ws);
        loss * scale
    }

    /// Network outputs for every sample, n_L × N column-major.
    pub fn outputs(&self, theta: &[f64]) -> Vec<f64> {
        let mut ws = self.workspace();
        let (n0, nl) = (self.sizes[0], self.sizes[self.depth()]);
        let mut out = Vec::with_capacity(nl * self.samples);
        for i in 0..self.samples {
            self.forward(theta, &self.x[i * n0..(i + 1) * n0], &mut ws);
            out.extend_from_slice(&ws.z[self.depth()]);
        }
        out
    }

    /// Fraction of samples whose largest output matches the largest target entry.
    pub fn accuracy(&self, theta: &[f64]) -> f64 {
        let nl = self.sizes[self.depth()];
        let out = self.outputs(theta);
        let argmax = |v: &[f64]| (0..v.len()).fold(0, |b, i| if v[i] > v[b] { i } else { b });
        let hits = (0..self.samples)
            .filter(|&i| {
                argmax(&out[i * nl..(i + 1) * nl]) == argmax(&self.y[i * nl..(i + 1) * nl])
            })
            .count();
        hits as f64 / self.samples as f64
    }
}

impl Objective for Mlp {
    type Workspace = MlpWorkspace;

    fn dim(&self) -> usize {
        self.offsets[self.depth()]
    }

    fn workspace(&self) -> MlpWorkspace {
        let layers = |_: ()| self.sizes.iter().map(|n| vec![0.0; *n]).collect::<Vec<_>>();
        let widest = *self.sizes.iter().max().unwrap_or(&0);
        MlpWorkspace {
            z: layers(()),
            a: layers(()),
            delta: layers(()),
            rz: layers(()),
            ra: layers(()),
            rdelta: layers(()),
            back: vec![0.0; widest],
            rback: vec![0.0; widest],
            chunk_delta: std::iter::once(Vec::new())
                .chain(self.sizes[1..].iter().map(|n| vec![0.0; n * CHUNK]))
                .collect(),
            chunk_input: std::iter::once(Vec::new())
                .chain(
                    self.sizes[..self.depth()]
                        .iter()
                        .map(|n| vec![0.0; n * CHUNK]),
                )
                .collect(),
        }
    }

    fn loss(&self, theta: &[f64], ws: &mut MlpWorkspace) -> f64 {
        let (n0, nl) = (self.sizes[0], self.sizes[self.depth()]);
        let mut loss = 0.0;
        for i in 0..self.samples {
            self.forward(theta, &self.x[i * n0..(i + 1) * n0], ws);
            loss += self.output_loss(&self.y[i * nl..(i + 1) * nl], ws);
        }
        loss / self.samples as f64
    }

    fn loss_and_gradient(&self, theta: &[f64], gradient: &mut [f64], ws: &mut MlpWorkspace) -> f64 {
        self.accumulate(theta, &mut (0..self.samples), self.samples, gradient, ws)
    }

    fn hessian_vector_product(
        &self,
        theta: &[f64],
        v: &[f64],
        out: &mut [f64],
        ws: &mut MlpWorkspace,
    ) {
        out.fill(0.0);
        let l_max = self.depth();
        let (n0, nl) = (self.sizes[0], self.sizes[l_max]);
        let scale = 1.0 / self.samples as f64;
        for s in 0..self.samples {
            self.forward(theta, &self.x[s * n0..(s + 1) * n0], ws);
            self.output_loss(&self.y[s * nl..(s + 1) * nl], ws);
            // R-forward: R(z_l) = V_l a_{l−1} + W_l R(a_{l−1}) + c_l, R(a_l) = σ′(z_l) R(z_l).
            ws.ra[0].fill(0.0);
            for l in 1..=l_max {
                let (rows, cols) = (self.sizes[l], self.sizes[l - 1]);
                let (w, _) = self.weights(theta, l);
                let (vw, vb) = self.weights(v, l);
                let rz = &mut ws.rz[l];
                rz.copy_from_slice(vb);
                let columns = vw.chunks_exact(rows).zip(w.chunks_exact(rows));
                let inputs = ws.a[l - 1][..cols].iter().zip(&ws.ra[l - 1][..cols]);
                for ((v_column, w_column), (&aj, &raj)) in columns.zip(inputs) {
                    for ((r, vij), wij) in rz.iter_mut().zip(v_column).zip(w_column) {
                        *r += vij * aj + wij * raj;
                    }
                }
                for i in 0..rows {
                    ws.ra[l][i] = if l == l_max {
                        rz[i]
                    } else {
                        self.activation.derivatives(ws.z[l][i], ws.a[l][i]).0 * rz[i]
                    };
                }
            }
            // R of the output δ: Hessian of the per-sample loss in z_L times R(z_L).
            match self.loss {
                MlpLoss::Squared => ws.rdelta[l_max].copy_from_slice(&ws.rz[l_max]),
                MlpLoss::SoftmaxCrossEntropy => {
                    let target = &self.y[s * nl..(s + 1) * nl];
                    // p = softmax(z_L) = δ_L + y, kept in R(a_L), which the output never uses.
                    let p = &mut ws.ra[l_max];
                    for ((p, d), t) in p.iter_mut().zip(&ws.delta[l_max]).zip(target) {
                        *p = d + t;
                    }
                    let prz: f64 = p.iter().zip(&ws.rz[l_max]).map(|(a, b)| a * b).sum();
                    for i in 0..nl {
                        ws.rdelta[l_max][i] = p[i] * (ws.rz[l_max][i] - prz);
                    }
                }
            }
            // R-backward.
            for l in (1..=l_max).rev() {
                let (rows, cols) = (self.sizes[l], self.sizes[l - 1]);
                let start = self.offsets[l - 1];
                let (ow, ob) = out[start..self.offsets[l]].split_at_mut(rows * cols);
                let (delta, rdelta) = (&ws.delta[l][..rows], &ws.rdelta[l][..rows]);
                let inputs = ws.a[l - 1][..cols].iter().zip(&ws.ra[l - 1][..cols]);
                for (column, (&aj, &raj)) in ow.chunks_exact_mut(rows).zip(inputs) {
                    for ((o, rd), d) in column.iter_mut().zip(rdelta).zip(delta) {
                        *o += scale * (rd * aj + d * raj);
                    }
                }
                for (o, rd) in ob.iter_mut().zip(rdelta) {
                    *o += scale * rd;
                }
                if l > 1 {
                    let (w, _) = self.weights(theta, l);
                    let (vw, _) = self.weights(v, l);
                    let columns = w.chunks_exact(rows).zip(vw.chunks_exact(rows));
                    let sums = ws.back[..cols].iter_mut().zip(&mut ws.rback[..cols]);
                    for ((w_column, v_column), (back, rback)) in columns.zip(sums) {
                        let (mut b, mut rb) = (0.0, 0.0);
                        for ((wij, vij), (d, rd)) in
                            w_column.iter().zip(v_column).zip(delta.iter().zip(rdelta))
                        {
                            b += wij * d;
                            rb += vij * d + wij * rd;
                        }
                        *back = b;
                        *rback = rb;
                    }
                    for j in 0..cols {
                        let (d1, d2) = self.activation.derivatives(ws.z[l - 1][j], ws.a[l - 1][j]);
                        ws.rdelta[l - 1][j] = d2 * ws.rz[l - 1][j] * ws.back[j] + d1 * ws.rback[j];
                        ws.delta[l - 1][j] = d1 * ws.back[j];
                    }
                }
            }
        }
    }
}

impl SampleObjective for Mlp {
    fn num_samples(&self) -> usize {
        self.samples
    }

    fn minibatch_loss_and_gradient(
        &self,
        theta: &[f64],
        batch: &[usize],
        gradient: &mut [f64],
        ws: &mut MlpWorkspace,
    ) -> f64 {
        self.accumulate(theta, &mut batch.iter().copied(), batch.len(), gradient, ws)
    }
}

#[cfg(test)]
mod tests {
    use super::{Activation, Mlp, MlpLoss};
    use crate::datasets::two_spirals;
    use gd_core::{Objective, SampleObjective};

    /// The gradient as a per-sample loop sums it: each sample's terms (scale·δ)·a added into
    /// the gradient before the next sample's, δ back-propagated through σ′ one unit at a time.
    fn per_sample_gradient(mlp: &Mlp, theta: &[f64], batch: &[usize]) -> (f64, Vec<f64>) {
        let mut ws = mlp.workspace();
        let mut gradient = vec![0.0; mlp.dim()];
        let (n0, nl) = (mlp.sizes[0], mlp.sizes[mlp.depth()]);
        let scale = 1.0 / batch.len() as f64;
        let mut loss = 0.0;
        for &i in batch {
            mlp.forward(theta, &mlp.x[i * n0..(i + 1) * n0], &mut ws);
            loss += mlp.output_loss(&mlp.y[i * nl..(i + 1) * nl], &mut ws);
            for l in (1..=mlp.depth()).rev() {
                let (rows, cols) = (mlp.sizes[l], mlp.sizes[l - 1]);
                let start = mlp.offsets[l - 1];
                for j in 0..cols {
                    for r in 0..rows {
                        gradient[start + j * rows + r] += scale * ws.delta[l][r] * ws.a[l - 1][j];
                    }
                }
                for r in 0..rows {
                    gradient[start + rows * cols + r] += scale * ws.delta[l][r];
                }
                let (w, _) = mlp.weights(theta, l);
                for j in 0..cols {
                    let back: f64 = (0..rows).map(|r| w[j * rows + r] * ws.delta[l][r]).sum();
                    let (z, a) = (ws.z[l - 1][j], ws.a[l - 1][j]);
                    ws.delta[l - 1][j] = mlp.activation.derivatives(z, a).0 * back;
                }
            }
        }
        (loss * scale, gradient)
    }

    #[test]
    fn chunked_minibatch_gradients_are_bitwise_the_per_sample_sums() {
        let data = two_spirals(20, 1.25, 0.05, 3).unwrap();
        for activation in [Activation::Relu, Activation::Tanh, Activation::Identity] {
            // Widths 9 and 3: a block of 8 rows and a remainder, and a remainder alone.
            let mlp = Mlp::new(
                &[2, 9, 3, 2],
                activation,
                MlpLoss::SoftmaxCrossEntropy,
                data.x.clone(),
                data.y.clone(),
            )
            .unwrap();
            let theta = mlp.initialize(1.3, 11);
            let mut ws = mlp.workspace();
            let mut gradient = vec![0.0; mlp.dim()];
            // Batches shorter than, equal to, one more than and several times a chunk.
            for batch in [
                vec![5],
                (0..7).collect(),
                (3..11).collect(),
                (0..9).rev().collect(),
                (0..40).map(|i| (7 * i) % 40).collect::<Vec<usize>>(),
            ] {
                let loss = mlp.minibatch_loss_and_gradient(&theta, &batch, &mut gradient, &mut ws);
                let (reference_loss, reference) = per_sample_gradient(&mlp, &theta, &batch);
                assert_eq!(
                    loss.to_bits(),
                    reference_loss.to_bits(),
                    "{activation:?} {batch:?}"
                );
                for (k, (g, r)) in gradient.iter().zip(&reference).enumerate() {
                    assert_eq!(
                        g.to_bits(),
                        r.to_bits(),
                        "{activation:?}, batch {batch:?}, entry {k}: {g} vs {r}"
                    );
                }
            }
        }
    }

    #[test]
    fn relu_masks_are_bitwise_the_branches() {
        let values = [
            0.0,
            -0.0,
            1.5,
            -1.5,
            f64::MIN_POSITIVE / 4.0,
            -f64::MIN_POSITIVE / 4.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            -f64::NAN,
            f64::MAX,
        ];
        for z in values {
            let branch = if z > 0.0 { z } else { 0.0 };
            assert_eq!(super::positive_part(z).to_bits(), branch.to_bits(), "{z}");
            let slope = if z > 0.0 { 1.0 } else { 0.0 };
            assert_eq!(super::relu_slope(z).to_bits(), f64::to_bits(slope), "{z}");
        }
    }
}
