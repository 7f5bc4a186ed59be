//! Multilayer perceptrons with biases and ReLU / tanh / identity hidden activations, squared
//! or softmax cross-entropy loss averaged over samples, mini-batch gradients, and the exact
//! Hessian-vector product by Pearlmutter's R-operator (forward-over-reverse): the networks of
//! Mohtashami, Jaggi & Stich's experiments and of the edge-of-stability setting of Cohen et
//! al. (2021) on real data.
//!
//! Parameters: for each layer l = 1..L, W_l (n_l × n_{l−1}, column-major) then b_l (n_l).
//!
//! **Blocks of samples.** Every pass is a matrix product over a block of at most
//! [`MAX_BLOCK`] samples (`block.rs`). The samples of a call are split into the fewest blocks
//! of at most [`MAX_BLOCK`] (a multiple of 4 of them when more than one, so that two or four
//! threads get equal shares), of near-equal lengths, a partition fixed by the number of samples
//! alone. The blocks run in parallel on rayon's current pool, each into its own partial
//! gradient (or Hessian-vector product), and the partials are added in block order, each
//! coordinate by the same sequence of additions whichever thread computed what: losses,
//! gradients, Hessian-vector products and whole trajectories are bitwise the same at any
//! thread count.
//!
//! **Memory.** A workspace holds, per block it keeps, the activations, back-propagated errors
//! and their R-images of [`MAX_BLOCK`] samples, and a partial of d floats
//! ([`Mlp::workspace_bytes`]). When every block of the data set fits under the memory cap
//! ([`DEFAULT_MEMORY_CAP`], [`Mlp::with_memory_cap`]), the workspace keeps them all, and a
//! Hessian-vector product at the θ of the last gradient (the many products of an eigensolver at
//! one point) reuses that forward pass and its errors; otherwise it holds [`ROUND`] blocks and
//! processes the data set [`ROUND`] blocks at a time. [`Mlp::new`] refuses a network whose
//! workspace would not fit even so, before anything is allocated.

mod block;
#[cfg(test)]
mod per_sample;

use self::block::{BlockBuffers, Samples};
pub use crate::activation::Activation;
use crate::error::{ModelError, Result, invalid};
use crate::linear_data::standard_normal;
use gd_core::{Objective, SampleObjective};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// The most samples in one block: enough for faer's products to run near the processor's
/// peak at the widths of common networks, few enough that the blocks of a data set of a
/// thousand samples or more keep two cores busy.
pub const MAX_BLOCK: usize = 128;

/// Blocks held at once by a workspace that cannot keep the whole data set's.
pub const ROUND: usize = 8;

/// The default cap on one workspace's memory, in bytes (4 GiB).
pub const DEFAULT_MEMORY_CAP: usize = 4 << 30;

/// Coordinates per task when the blocks' partials are added.
const REDUCTION_CHUNK: usize = 8192;

/// The training loss.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MlpLoss {
    /// (1/N) Σ ½‖out − y‖².
    Squared,
    /// (1/N) Σ −yᵀ log softmax(out), y one-hot (or any probability vector).
    SoftmaxCrossEntropy,
}

impl MlpLoss {
    /// Every loss with its name in files and front ends.
    pub const NAMES: [(&'static str, Self); 2] = [
        ("squared", Self::Squared),
        ("softmax_cross_entropy", Self::SoftmaxCrossEntropy),
    ];

    /// The loss called `name` ("squared" or "softmax_cross_entropy").
    pub fn from_name(name: &str) -> Option<Self> {
        Self::NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, l)| *l)
    }

    /// Its name in files and front ends.
    pub fn name(self) -> &'static str {
        Self::NAMES
            .iter()
            .find(|(_, l)| *l == self)
            .map_or("", |(n, _)| n)
    }
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
    /// Blocks a workspace holds: every block of the data set, or [`ROUND`].
    slots: usize,
    memory_cap: usize,
}

/// One block's buffers and its partial result.
struct Slot {
    buffers: BlockBuffers,
    partial: Vec<f64>,
    loss: f64,
}

/// Scratch memory of an [`Mlp`]: the buffers of the blocks it holds and the θ of the forward
/// pass they keep.
pub struct MlpWorkspace {
    slots: Vec<Slot>,
    forward_at: Vec<f64>,
    forward_kept: bool,
}

/// Blocks of `count` samples: the fewest of at most [`MAX_BLOCK`], and when there is more than
/// one, a multiple of 4, so that 2 or 4 threads get equal shares.
fn block_count(count: usize) -> usize {
    match count.div_ceil(MAX_BLOCK) {
        0 | 1 => count.min(1),
        blocks => blocks.next_multiple_of(4),
    }
}

/// First position and length of block `b` of `count` samples in `blocks` blocks: the first
/// `count % blocks` blocks have one sample more than the others.
fn block_bounds(count: usize, blocks: usize, b: usize) -> (usize, usize) {
    let (base, extra) = (count / blocks, count % blocks);
    (b * base + b.min(extra), base + usize::from(b < extra))
}

impl Mlp {
    /// An MLP with layer sizes n_0..n_L, inputs `x` (n_0 × N) and targets `y` (n_L × N),
    /// both column-major (one sample after another), and the default memory cap.
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
            return invalid("sizes", format!("{sizes:?}"), "every width at least 1");
        }
        let (n0, nl) = (sizes[0], sizes[sizes.len() - 1]);
        if x.is_empty() {
            return Err(ModelError::Empty { what: "sample set" });
        }
        if !x.len().is_multiple_of(n0) {
            return invalid(
                "x",
                format!("{} values", x.len()),
                format!("sizes[0] = {n0} features per sample (a multiple of {n0} values)"),
            );
        }
        let samples = x.len() / n0;
        if Some(y.len()) != nl.checked_mul(samples) {
            return invalid(
                "y",
                format!("{} values", y.len()),
                format!(
                    "{nl} outputs (the last size) × {samples} samples = {} values",
                    nl * samples
                ),
            );
        }
        for (name, values, rows) in [("x", &x, n0), ("y", &y, nl)] {
            if let Some(k) = values.iter().position(|v| !v.is_finite()) {
                return invalid(
                    name,
                    format!("{name}[{}, {}] = {}", k % rows, k / rows, values[k]),
                    "finite numbers",
                );
            }
        }
        let mut offsets = vec![0_usize];
        for l in 1..sizes.len() {
            let layer = sizes[l]
                .checked_mul(sizes[l - 1])
                .and_then(|w| w.checked_add(sizes[l]));
            match layer.and_then(|n| n.checked_add(offsets[l - 1])) {
                Some(end) => offsets.push(end),
                None => {
                    return invalid(
                        "sizes",
                        format!("{sizes:?}"),
                        "a parameter count below 2^64",
                    );
                }
            }
        }
        let mut mlp = Self {
            sizes: sizes.to_vec(),
            activation,
            loss,
            samples: x.len() / n0,
            x,
            y,
            offsets,
            slots: 0,
            memory_cap: DEFAULT_MEMORY_CAP,
        };
        mlp.choose_slots()?;
        Ok(mlp)
    }

    /// The same network with another cap on one workspace's memory, in bytes.
    pub fn with_memory_cap(mut self, bytes: usize) -> Result<Self> {
        self.memory_cap = bytes;
        self.choose_slots()?;
        Ok(self)
    }

    /// Every block of the data set if their workspace fits under the cap, else [`ROUND`];
    /// an error naming both sizes if not even that fits.
    fn choose_slots(&mut self) -> Result<()> {
        let all = block_count(self.samples);
        let fewest = all.min(ROUND);
        for slots in [all, fewest] {
            if let Some(bytes) = self.workspace_bytes_for(slots)
                && bytes <= self.memory_cap
            {
                self.slots = slots;
                return Ok(());
            }
        }
        Err(ModelError::TooLarge {
            what: "MLP workspace",
            bytes: self.workspace_bytes_for(fewest),
            cap: self.memory_cap,
            remedy: "fewer or narrower layers, or Mlp::with_memory_cap",
        })
    }

    fn workspace_bytes_for(&self, slots: usize) -> Option<usize> {
        let d = self.dim();
        let per_slot = BlockBuffers::floats(&self.sizes, MAX_BLOCK)?.checked_add(d)?;
        per_slot
            .checked_mul(slots)?
            .checked_add(d)?
            .checked_mul(std::mem::size_of::<f64>())
    }

    /// The bytes one workspace allocates: per block held, 6 Σ_{l≥1} n_l + n_0 floats per
    /// sample for [`MAX_BLOCK`] samples and a partial of d floats; and θ's copy.
    pub fn workspace_bytes(&self) -> usize {
        self.workspace_bytes_for(self.slots).unwrap_or(usize::MAX)
    }

    /// Whether a workspace keeps every block's forward pass, so that a Hessian-vector product
    /// at the θ of the last gradient or product reuses it.
    pub fn keeps_forward_pass(&self) -> bool {
        self.slots >= block_count(self.samples)
    }

    /// Layer sizes.
    pub fn sizes(&self) -> &[usize] {
        &self.sizes
    }

    /// Depth L.
    pub fn depth(&self) -> usize {
        self.sizes.len() - 1
    }

    /// The hidden activation.
    pub fn activation(&self) -> Activation {
        self.activation
    }

    /// The training loss.
    pub fn loss_kind(&self) -> MlpLoss {
        self.loss
    }

    /// The same network on other data (e.g. a test set), with the same memory cap.
    pub fn with_data(&self, x: Vec<f64>, y: Vec<f64>) -> Result<Self> {
        Self::new(&self.sizes, self.activation, self.loss, x, y)?.with_memory_cap(self.memory_cap)
    }

    /// He/Xavier-style Gaussian initialization: W_l ~ N(0, gain²/n_{l−1}), b = 0, seeded.
    pub fn initialize(&self, gain: f64, seed: u64) -> Vec<f64> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut theta = vec![0.0; self.dim()];
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

    /// Runs `pass` on every block of `count` samples (blocks in parallel, each on its own
    /// slot) and returns the blocks' results added in block order; with `out`, the blocks'
    /// partials (written by `pass` into its last argument) added in block order into `out`.
    fn for_each_block<F>(
        &self,
        workspace: &mut MlpWorkspace,
        count: usize,
        mut out: Option<&mut [f64]>,
        pass: F,
    ) -> f64
    where
        F: Fn(usize, usize, &mut BlockBuffers, &mut [f64]) -> f64 + Sync,
    {
        let blocks = block_count(count);
        if blocks == 0 {
            if let Some(out) = out {
                out.fill(0.0);
            }
            return 0.0;
        }
        if blocks == 1 {
            let slot = &mut workspace.slots[0];
            let partial = match out {
                Some(out) => out,
                None => &mut slot.partial,
            };
            return pass(0, count, &mut slot.buffers, partial);
        }
        let held = workspace.slots.len();
        let mut total = 0.0;
        for first in (0..blocks).step_by(held) {
            let round = &mut workspace.slots[..held.min(blocks - first)];
            round.par_iter_mut().enumerate().for_each(|(i, slot)| {
                let (start, len) = block_bounds(count, blocks, first + i);
                slot.loss = pass(start, len, &mut slot.buffers, &mut slot.partial);
            });
            for slot in round.iter() {
                total += slot.loss;
            }
            if let Some(out) = out.as_deref_mut() {
                add_partials(out, round, first == 0);
            }
        }
        total
    }

    /// Forward pass, output and back-propagated errors of a block.
    fn forward_and_errors(
        &self,
        theta: &[f64],
        samples: Samples<'_>,
        len: usize,
        scale: f64,
        buffers: &mut BlockBuffers,
    ) -> f64 {
        self.forward_block(theta, samples, len, buffers);
        let loss = self.output_block(samples, len, scale, buffers);
        self.back_propagate_block(theta, len, buffers);
        loss
    }

    /// Loss and gradient over `count` samples given by `samples_of(start, len)`.
    fn gradient_over<'b>(
        &self,
        theta: &[f64],
        count: usize,
        samples_of: impl Fn(usize, usize) -> Samples<'b> + Sync,
        gradient: &mut [f64],
        workspace: &mut MlpWorkspace,
    ) -> f64 {
        let scale = 1.0 / count as f64;
        let total = self.for_each_block(
            workspace,
            count,
            Some(gradient),
            |start, len, buffers, partial| {
                let samples = samples_of(start, len);
                let loss = self.forward_and_errors(theta, samples, len, scale, buffers);
                self.gradient_block(samples, len, buffers, partial);
                loss
            },
        );
        total * scale
    }

    /// Network outputs for every sample, n_L × N column-major.
    pub fn outputs(&self, theta: &[f64]) -> Vec<f64> {
        let mut workspace = self.workspace();
        let nl = self.sizes[self.depth()];
        // bound: n_L·N numbers are the targets `y` the model holds.
        let mut out = Vec::with_capacity(nl * self.samples);
        let blocks = block_count(self.samples);
        let buffers = &mut workspace.slots[0].buffers;
        for b in 0..blocks {
            let (start, len) = block_bounds(self.samples, blocks, b);
            self.forward_block(theta, Samples::Range(start), len, buffers);
            out.extend_from_slice(buffers.output(self.depth(), nl * len));
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

/// out = p_0 + p_1 + … (or out + p_0 + …, when not `first`) for the partials of `round` in
/// order, coordinate chunks in parallel: each coordinate's additions are the same at any
/// thread count.
fn add_partials(out: &mut [f64], round: &[Slot], first: bool) {
    out.par_chunks_mut(REDUCTION_CHUNK)
        .enumerate()
        .for_each(|(c, chunk)| {
            let start = c * REDUCTION_CHUNK;
            for (k, slot) in round.iter().enumerate() {
                let partial = &slot.partial[start..start + chunk.len()];
                if first && k == 0 {
                    chunk.copy_from_slice(partial);
                } else {
                    for (o, p) in chunk.iter_mut().zip(partial) {
                        *o += p;
                    }
                }
            }
        });
}

impl Objective for Mlp {
    type Workspace = MlpWorkspace;

    fn dim(&self) -> usize {
        self.offsets[self.depth()]
    }

    fn workspace(&self) -> MlpWorkspace {
        let d = self.dim();
        MlpWorkspace {
            slots: (0..self.slots)
                .map(|_| Slot {
                    buffers: BlockBuffers::new(&self.sizes, MAX_BLOCK),
                    partial: vec![0.0; d],
                    loss: 0.0,
                })
                .collect(),
            forward_at: vec![0.0; d],
            forward_kept: false,
        }
    }

    fn loss(&self, theta: &[f64], workspace: &mut MlpWorkspace) -> f64 {
        workspace.forward_kept = false;
        let scale = 1.0 / self.samples as f64;
        let total = self.for_each_block(workspace, self.samples, None, |start, len, buffers, _| {
            let samples = Samples::Range(start);
            self.forward_block(theta, samples, len, buffers);
            self.output_block(samples, len, scale, buffers)
        });
        total * scale
    }

    fn loss_and_gradient(
        &self,
        theta: &[f64],
        gradient: &mut [f64],
        workspace: &mut MlpWorkspace,
    ) -> f64 {
        let loss = self.gradient_over(
            theta,
            self.samples,
            |start, _| Samples::Range(start),
            gradient,
            workspace,
        );
        workspace.keep_forward(theta, self.keeps_forward_pass());
        loss
    }

    fn hessian_vector_product(
        &self,
        theta: &[f64],
        v: &[f64],
        out: &mut [f64],
        workspace: &mut MlpWorkspace,
    ) {
        let reuse = workspace.forward_kept
            && workspace
                .forward_at
                .iter()
                .zip(theta)
                .all(|(a, b)| a.to_bits() == b.to_bits());
        let scale = 1.0 / self.samples as f64;
        self.for_each_block(
            workspace,
            self.samples,
            Some(out),
            |start, len, buffers, partial| {
                let samples = Samples::Range(start);
                if !reuse {
                    self.forward_and_errors(theta, samples, len, scale, buffers);
                }
                self.r_forward_block(theta, v, samples, len, buffers);
                self.r_output_block(len, scale, buffers);
                self.r_backward_block(theta, v, samples, len, buffers, partial);
                0.0
            },
        );
        if !reuse {
            workspace.keep_forward(theta, self.keeps_forward_pass());
        }
    }
}

impl MlpWorkspace {
    /// Records that the held blocks keep the forward pass at θ (when they are the whole data
    /// set's).
    fn keep_forward(&mut self, theta: &[f64], all_blocks: bool) {
        self.forward_kept = all_blocks;
        if all_blocks {
            self.forward_at.copy_from_slice(theta);
        }
    }
}

impl SampleObjective for Mlp {
    fn num_samples(&self) -> usize {
        self.samples
    }

    /// An empty batch has loss 0 and gradient 0.
    fn minibatch_loss_and_gradient(
        &self,
        theta: &[f64],
        batch: &[usize],
        gradient: &mut [f64],
        workspace: &mut MlpWorkspace,
    ) -> f64 {
        workspace.forward_kept = false;
        if batch.is_empty() {
            gradient.fill(0.0);
            return 0.0;
        }
        self.gradient_over(
            theta,
            batch.len(),
            |start, len| Samples::Listed(&batch[start..start + len]),
            gradient,
            workspace,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::{Activation, MAX_BLOCK, Mlp, MlpLoss, ROUND, per_sample};
    use crate::error::ModelError;
    use gd_core::{Objective, SampleObjective};
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    /// A network of `sizes` on `samples` Gaussian inputs with one-hot (cross-entropy) or
    /// Gaussian (squared) targets.
    fn network(sizes: &[usize], activation: Activation, loss: MlpLoss, samples: usize) -> Mlp {
        let mut rng = ChaCha8Rng::seed_from_u64(17);
        let (n0, nl) = (sizes[0], sizes[sizes.len() - 1]);
        let x = crate::linear_data::standard_normal(&mut rng, n0 * samples);
        let y = match loss {
            MlpLoss::Squared => crate::linear_data::standard_normal(&mut rng, nl * samples),
            MlpLoss::SoftmaxCrossEntropy => (0..samples * nl)
                .map(|k| f64::from(u8::from(k % nl == (k / nl) % nl)))
                .collect(),
        };
        Mlp::new(sizes, activation, loss, x, y).unwrap()
    }

    /// max_i |a_i − b_i| / max_i |b_i|.
    fn relative_difference(a: &[f64], b: &[f64]) -> f64 {
        let scale = b.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        a.iter()
            .zip(b)
            .fold(0.0_f64, |m, (x, y)| m.max((x - y).abs()))
            / scale
    }

    fn bits(v: &[f64]) -> Vec<u64> {
        v.iter().map(|x| x.to_bits()).collect()
    }

    const ACTIVATIONS: [Activation; 3] = [Activation::Tanh, Activation::Relu, Activation::Identity];
    const LOSSES: [MlpLoss; 2] = [MlpLoss::Squared, MlpLoss::SoftmaxCrossEntropy];

    #[test]
    fn block_products_agree_with_the_per_sample_reference() {
        // 300 samples: three blocks of 100; widths with and without a vector remainder.
        for activation in ACTIVATIONS {
            for loss in LOSSES {
                let mlp = network(&[5, 13, 8, 3], activation, loss, 300);
                let theta = mlp.initialize(1.2, 3);
                let v: Vec<f64> = (0..mlp.dim()).map(|i| (i as f64 * 0.7).cos()).collect();
                let mut ws = mlp.workspace();
                let mut g = vec![0.0; mlp.dim()];
                let mut hv = vec![0.0; mlp.dim()];
                let f = mlp.loss_and_gradient(&theta, &mut g, &mut ws);
                mlp.hessian_vector_product(&theta, &v, &mut hv, &mut ws);
                let all: Vec<usize> = (0..300).collect();
                let (f_ref, g_ref) = per_sample::loss_and_gradient(&mlp, &theta, &all);
                let hv_ref = per_sample::hessian_vector_product(&mlp, &theta, &v);
                // Both sum the same 300 terms in other orders, with tanh within 2 ulps of the C
                // library's: rounding of order 300 ε relative to the largest entry.
                let tolerance = 1e-12;
                let name = format!("{activation:?} {loss:?}");
                assert!(
                    (f - f_ref).abs() <= tolerance * f_ref.abs(),
                    "{name}: {f} vs {f_ref}"
                );
                assert!(
                    relative_difference(&g, &g_ref) <= tolerance,
                    "{name} gradient"
                );
                assert!(relative_difference(&hv, &hv_ref) <= tolerance, "{name} HVP");
                assert_eq!(
                    f.to_bits(),
                    mlp.loss(&theta, &mut ws).to_bits(),
                    "{name} loss"
                );
                // Mini-batches with repeats, longer than a block, and a single sample.
                for batch in [
                    vec![7, 7, 299, 0],
                    (0..MAX_BLOCK + 9).map(|i| (i * 37) % 300).collect(),
                    vec![42],
                ] {
                    let fb = mlp.minibatch_loss_and_gradient(&theta, &batch, &mut g, &mut ws);
                    let (fb_ref, gb_ref) = per_sample::loss_and_gradient(&mlp, &theta, &batch);
                    assert!(
                        (fb - fb_ref).abs() <= tolerance * fb_ref.abs(),
                        "{name} batch loss"
                    );
                    assert!(
                        relative_difference(&g, &gb_ref) <= tolerance,
                        "{name} batch gradient"
                    );
                }
            }
        }
    }

    /// Loss, gradient, HVP and 10 GD steps, run inside a pool of `threads` threads.
    fn results_on(threads: usize, mlp: &Mlp, theta0: &[f64]) -> Vec<Vec<u64>> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let mut ws = mlp.workspace();
            let d = mlp.dim();
            let (mut g, mut hv) = (vec![0.0; d], vec![0.0; d]);
            let mut theta = theta0.to_vec();
            let mut out = Vec::new();
            for _ in 0..10 {
                let f = mlp.loss_and_gradient(&theta, &mut g, &mut ws);
                mlp.hessian_vector_product(&theta, &g, &mut hv, &mut ws);
                out.push(vec![f.to_bits()]);
                out.push(bits(&g));
                out.push(bits(&hv));
                for (t, gi) in theta.iter_mut().zip(&g) {
                    *t -= 0.05 * gi;
                }
            }
            let batch: Vec<usize> = (0..700).map(|i| (i * 13) % mlp.num_samples()).collect();
            let f = mlp.minibatch_loss_and_gradient(&theta, &batch, &mut g, &mut ws);
            out.push(vec![f.to_bits(), mlp.loss(&theta, &mut ws).to_bits()]);
            out.push(bits(&g));
            out.push(bits(&theta));
            out
        })
    }

    #[test]
    fn results_are_bitwise_the_same_at_one_two_and_three_threads() {
        // 1000 samples: 8 blocks of 125; a cap that holds every block and one that holds
        // ROUND blocks at a time (1300 samples: 11 blocks, two rounds).
        for (samples, small_cap) in [(1000, false), (1300, true)] {
            let mut mlp = network(
                &[6, 40, 30, 4],
                Activation::Tanh,
                MlpLoss::SoftmaxCrossEntropy,
                samples,
            );
            if small_cap {
                let cap = mlp.workspace_bytes_for(ROUND).unwrap();
                mlp = mlp.with_memory_cap(cap).unwrap();
                assert!(!mlp.keeps_forward_pass());
            } else {
                assert!(mlp.keeps_forward_pass());
            }
            let theta0 = mlp.initialize(1.0, 5);
            let one = results_on(1, &mlp, &theta0);
            assert_eq!(
                one,
                results_on(2, &mlp, &theta0),
                "2 threads, {samples} samples"
            );
            assert_eq!(
                one,
                results_on(3, &mlp, &theta0),
                "3 threads, {samples} samples"
            );
        }
    }

    #[test]
    fn a_product_reusing_the_gradients_forward_pass_is_bitwise_a_fresh_one() {
        let mlp = network(&[4, 20, 3], Activation::Tanh, MlpLoss::Squared, 400);
        let theta = mlp.initialize(1.0, 1);
        let other = mlp.initialize(1.0, 2);
        let v: Vec<f64> = (0..mlp.dim()).map(|i| (i as f64).sin()).collect();
        let d = mlp.dim();
        let (mut g, mut fresh, mut reused) = (vec![0.0; d], vec![0.0; d], vec![0.0; d]);
        mlp.hessian_vector_product(&theta, &v, &mut fresh, &mut mlp.workspace());
        let mut ws = mlp.workspace();
        mlp.loss_and_gradient(&theta, &mut g, &mut ws);
        mlp.hessian_vector_product(&theta, &v, &mut reused, &mut ws);
        assert_eq!(bits(&fresh), bits(&reused));
        // At another θ the kept pass is not used.
        let mut at_other = vec![0.0; d];
        mlp.hessian_vector_product(&other, &v, &mut at_other, &mut ws);
        mlp.hessian_vector_product(&other, &v, &mut fresh, &mut mlp.workspace());
        assert_eq!(bits(&fresh), bits(&at_other));
        // Nor after a mini-batch overwrote the blocks.
        mlp.loss_and_gradient(&theta, &mut g, &mut ws);
        mlp.minibatch_loss_and_gradient(&theta, &[1, 2, 3], &mut g, &mut ws);
        mlp.hessian_vector_product(&theta, &v, &mut reused, &mut ws);
        mlp.hessian_vector_product(&theta, &v, &mut fresh, &mut mlp.workspace());
        assert_eq!(bits(&fresh), bits(&reused));
    }

    #[test]
    fn a_workspace_above_the_cap_is_refused_before_allocation() {
        let mlp = network(&[4, 20, 3], Activation::Relu, MlpLoss::Squared, 10);
        match mlp.clone().with_memory_cap(1000) {
            Err(ModelError::TooLarge {
                bytes: Some(b),
                cap: 1000,
                ..
            }) => {
                assert_eq!(Some(b), mlp.workspace_bytes_for(1));
            }
            other => panic!("expected TooLarge, got {other:?}"),
        }
        // Sizes whose parameter count overflows are refused, not wrapped.
        let huge = Mlp::new(
            &[1, usize::MAX / 2, 4],
            Activation::Relu,
            MlpLoss::Squared,
            vec![0.0],
            vec![0.0; 4],
        );
        assert!(
            matches!(huge, Err(ModelError::Invalid { field: "sizes", .. })),
            "{huge:?}"
        );
        let message = mlp.with_memory_cap(1000).unwrap_err().to_string();
        assert!(message.contains("above the cap of 1000 bytes"), "{message}");
    }
}
