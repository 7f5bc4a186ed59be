//! The MLP's loss, gradient and Hessian-vector product sample by sample with matrix-vector
//! loops and the C library's tanh: the straightforward reference that the block products of
//! [`super::Mlp`] are tested against.

use super::{Activation, Mlp, MlpLoss};
use gd_core::Objective;

fn sigma(activation: Activation, z: f64) -> f64 {
    match activation {
        Activation::Relu => z.max(0.0),
        Activation::Tanh => z.tanh(),
        Activation::Identity => z,
    }
}

/// (σ′(z), σ″(z)).
fn slopes(activation: Activation, z: f64) -> (f64, f64) {
    match activation {
        Activation::Relu => (if z > 0.0 { 1.0 } else { 0.0 }, 0.0),
        Activation::Tanh => {
            let a = z.tanh();
            (1.0 - a * a, -2.0 * a * (1.0 - a * a))
        }
        Activation::Identity => (1.0, 0.0),
    }
}

/// W_l a + b_l.
fn affine(mlp: &Mlp, theta: &[f64], l: usize, a: &[f64]) -> Vec<f64> {
    let (w, b) = mlp.weights(theta, l);
    let rows = mlp.sizes[l];
    let mut z = b.to_vec();
    for (column, &aj) in w.chunks_exact(rows).zip(a) {
        for (zi, wi) in z.iter_mut().zip(column) {
            *zi += wi * aj;
        }
    }
    z
}

/// W_lᵀ δ.
fn affine_transposed(mlp: &Mlp, theta: &[f64], l: usize, delta: &[f64]) -> Vec<f64> {
    let (w, _) = mlp.weights(theta, l);
    w.chunks_exact(mlp.sizes[l])
        .map(|column| column.iter().zip(delta).map(|(w, d)| w * d).sum())
        .collect()
}

struct Pass {
    z: Vec<Vec<f64>>,
    a: Vec<Vec<f64>>,
    delta: Vec<Vec<f64>>,
    loss: f64,
}

/// One sample's forward pass, loss and (unscaled) errors δ_l.
fn sample_pass(mlp: &Mlp, theta: &[f64], i: usize) -> Pass {
    let depth = mlp.depth();
    let (n0, nl) = (mlp.sizes[0], mlp.sizes[depth]);
    let mut a = vec![mlp.x[i * n0..(i + 1) * n0].to_vec()];
    let mut z = vec![Vec::new()];
    for l in 1..=depth {
        let zl = affine(mlp, theta, l, &a[l - 1]);
        a.push(if l < depth {
            zl.iter().map(|&v| sigma(mlp.activation, v)).collect()
        } else {
            zl.clone()
        });
        z.push(zl);
    }
    let target = &mlp.y[i * nl..(i + 1) * nl];
    let out = &z[depth];
    let (loss, top) = match mlp.loss {
        MlpLoss::Squared => (
            out.iter()
                .zip(target)
                .map(|(o, t)| 0.5 * (o - t) * (o - t))
                .sum(),
            out.iter()
                .zip(target)
                .map(|(o, t)| o - t)
                .collect::<Vec<_>>(),
        ),
        MlpLoss::SoftmaxCrossEntropy => {
            let max = out.iter().fold(f64::NEG_INFINITY, |m, v| m.max(*v));
            let lse = out.iter().map(|v| (v - max).exp()).sum::<f64>().ln() + max;
            (
                -out.iter()
                    .zip(target)
                    .map(|(o, t)| t * (o - lse))
                    .sum::<f64>(),
                out.iter()
                    .zip(target)
                    .map(|(o, t)| (o - lse).exp() - t)
                    .collect(),
            )
        }
    };
    let mut delta = vec![Vec::new(); depth + 1];
    delta[depth] = top;
    for l in (2..=depth).rev() {
        let back = affine_transposed(mlp, theta, l, &delta[l]);
        delta[l - 1] = back
            .iter()
            .zip(&z[l - 1])
            .map(|(b, &zv)| slopes(mlp.activation, zv).0 * b)
            .collect();
    }
    Pass { z, a, delta, loss }
}

/// Adds scale·(u wᵀ) to the weights of layer l and scale·u to its biases.
fn add_outer(mlp: &Mlp, out: &mut [f64], l: usize, scale: f64, u: &[f64], w: &[f64]) {
    let (rows, cols) = (mlp.sizes[l], mlp.sizes[l - 1]);
    let start = mlp.offsets[l - 1];
    for j in 0..cols {
        for r in 0..rows {
            out[start + j * rows + r] += scale * u[r] * w[j];
        }
    }
}

/// Loss and gradient over `batch`, sample by sample.
pub(super) fn loss_and_gradient(mlp: &Mlp, theta: &[f64], batch: &[usize]) -> (f64, Vec<f64>) {
    let scale = 1.0 / batch.len() as f64;
    let mut gradient = vec![0.0; mlp.dim()];
    let mut loss = 0.0;
    for &i in batch {
        let pass = sample_pass(mlp, theta, i);
        loss += pass.loss;
        for l in 1..=mlp.depth() {
            add_outer(mlp, &mut gradient, l, scale, &pass.delta[l], &pass.a[l - 1]);
            let bias = mlp.offsets[l] - mlp.sizes[l];
            for (g, d) in gradient[bias..mlp.offsets[l]]
                .iter_mut()
                .zip(&pass.delta[l])
            {
                *g += scale * d;
            }
        }
    }
    (loss * scale, gradient)
}

/// ∇²f·v over the whole data set by the R-operator, sample by sample.
pub(super) fn hessian_vector_product(mlp: &Mlp, theta: &[f64], v: &[f64]) -> Vec<f64> {
    let depth = mlp.depth();
    let nl = mlp.sizes[depth];
    let scale = 1.0 / mlp.samples as f64;
    let mut out = vec![0.0; mlp.dim()];
    for i in 0..mlp.samples {
        let pass = sample_pass(mlp, theta, i);
        let mut rz = vec![Vec::new(); depth + 1];
        let mut ra = vec![vec![0.0; mlp.sizes[0]]; depth + 1];
        for l in 1..=depth {
            let mut r = affine(mlp, v, l, &pass.a[l - 1]);
            let (w, _) = mlp.weights(theta, l);
            for (column, &raj) in w.chunks_exact(mlp.sizes[l]).zip(&ra[l - 1]) {
                for (ri, wi) in r.iter_mut().zip(column) {
                    *ri += wi * raj;
                }
            }
            ra[l] = r
                .iter()
                .zip(&pass.z[l])
                .map(|(rv, &zv)| {
                    if l < depth {
                        slopes(mlp.activation, zv).0 * rv
                    } else {
                        *rv
                    }
                })
                .collect();
            rz[l] = r;
        }
        let mut rdelta = vec![Vec::new(); depth + 1];
        rdelta[depth] = match mlp.loss {
            MlpLoss::Squared => rz[depth].clone(),
            MlpLoss::SoftmaxCrossEntropy => {
                let target = &mlp.y[i * nl..(i + 1) * nl];
                let p: Vec<f64> = pass.delta[depth]
                    .iter()
                    .zip(target)
                    .map(|(d, t)| d + t)
                    .collect();
                let pr: f64 = p.iter().zip(&rz[depth]).map(|(a, b)| a * b).sum();
                p.iter()
                    .zip(&rz[depth])
                    .map(|(pi, ri)| pi * (ri - pr))
                    .collect()
            }
        };
        for l in (1..=depth).rev() {
            add_outer(mlp, &mut out, l, scale, &rdelta[l], &pass.a[l - 1]);
            add_outer(mlp, &mut out, l, scale, &pass.delta[l], &ra[l - 1]);
            let bias = mlp.offsets[l] - mlp.sizes[l];
            for (o, d) in out[bias..mlp.offsets[l]].iter_mut().zip(&rdelta[l]) {
                *o += scale * d;
            }
            if l > 1 {
                let back = affine_transposed(mlp, theta, l, &pass.delta[l]);
                let mut r_back = affine_transposed(mlp, v, l, &pass.delta[l]);
                for (rb, t) in r_back
                    .iter_mut()
                    .zip(affine_transposed(mlp, theta, l, &rdelta[l]))
                {
                    *rb += t;
                }
                rdelta[l - 1] = (0..mlp.sizes[l - 1])
                    .map(|j| {
                        let (d1, d2) = slopes(mlp.activation, pass.z[l - 1][j]);
                        d2 * rz[l - 1][j] * back[j] + d1 * r_back[j]
                    })
                    .collect();
            }
        }
    }
    out
}
