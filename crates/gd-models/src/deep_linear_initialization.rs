//! Initializations of a deep linear network's factors W_1, …, W_L (n_j × n_{j−1}): identity,
//! zero-mean Gaussian, orthogonal, balanced (from the target's SVD), or given matrices.

use crate::deep_linear::DeepLinear;
use crate::error::{Result, invalid};
use crate::linear_data::{gaussian_matrix, orthonormalize_columns};
use faer::Mat;
use gd_core::spectrum::thin_svd;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// How to initialize the factors.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Initialization {
    /// W_j = I (ones on the diagonal of a rectangular factor): Nar & Sastry, Theorems 2–3.
    Identity,
    /// Entries iid N(0, scale²), seeded.
    Gaussian {
        /// Standard deviation.
        scale: f64,
        /// Seed.
        seed: u64,
    },
    /// W_j with orthonormal columns (or rows, if wider than tall), seeded.
    Orthogonal {
        /// Seed.
        seed: u64,
    },
    /// Identity plus N(0, scale²) noise, seeded.
    IdentityPlusNoise {
        /// Standard deviation of the noise.
        scale: f64,
        /// Seed.
        seed: u64,
    },
}

fn rectangular_identity(rows: usize, cols: usize) -> Mat<f64> {
    Mat::from_fn(rows, cols, |i, j| if i == j { 1.0 } else { 0.0 })
}

/// Factors for `model` by the given rule, flattened into θ. Layer j uses the random stream j
/// of the seed, so adding layers does not change the earlier ones.
pub fn initialize(model: &DeepLinear, init: &Initialization) -> Result<Vec<f64>> {
    let w = model.widths();
    let layers: Vec<Mat<f64>> = (1..w.len())
        .map(|j| {
            let (rows, cols) = (w[j], w[j - 1]);
            let rng = |seed: u64| {
                let mut r = ChaCha8Rng::seed_from_u64(seed);
                r.set_stream(j as u64);
                r
            };
            match init {
                Initialization::Identity => Ok(rectangular_identity(rows, cols)),
                Initialization::Gaussian { scale, seed } => {
                    check_scale(*scale)?;
                    let g = gaussian_matrix(&mut rng(*seed), rows, cols);
                    Ok(Mat::from_fn(rows, cols, |a, b| scale * g[(a, b)]))
                }
                Initialization::IdentityPlusNoise { scale, seed } => {
                    check_scale(*scale)?;
                    let g = gaussian_matrix(&mut rng(*seed), rows, cols);
                    Ok(Mat::from_fn(
                        rows,
                        cols,
                        |a, b| if a == b { 1.0 } else { 0.0 } + scale * g[(a, b)],
                    ))
                }
                Initialization::Orthogonal { seed } => {
                    let (tall, short) = (rows.max(cols), rows.min(cols));
                    let mut q = gaussian_matrix(&mut rng(*seed), tall, short);
                    orthonormalize_columns(&mut q)?;
                    Ok(if rows >= cols {
                        q
                    } else {
                        Mat::from_fn(rows, cols, |a, b| q[(b, a)])
                    })
                }
            }
        })
        .collect::<Result<_>>()?;
    model.flatten(&layers)
}

fn check_scale(scale: f64) -> Result<()> {
    if scale.is_finite() && scale >= 0.0 {
        Ok(())
    } else {
        invalid("initialization scale", scale, "finite and ≥ 0")
    }
}

/// A balanced factorization of `target` R = U S Vᵀ (rank k = min(n_0, n_L)):
/// W_1 = S^{1/L} Vᵀ, W_j = S^{1/L} (2 ≤ j < L), W_L = U S^{1/L}, zero-padded to the widths.
/// Balanced means W_{j+1}ᵀW_{j+1} = W_j W_jᵀ; the product is exactly R up to rounding. For a
/// symmetric PSD R this is the flattest global minimum (Theorem 1 is tight there).
pub fn balanced(model: &DeepLinear, target: &Mat<f64>) -> Result<Vec<f64>> {
    let w = model.widths();
    let l = model.depth();
    let (n0, nl) = (w[0], w[l]);
    let k = n0.min(nl);
    if w.iter().any(|n| *n < k) {
        return invalid(
            "widths",
            format!("{w:?}"),
            format!("every width ≥ the target's rank {k} (balanced factorization)"),
        );
    }
    let svd = thin_svd(target.as_ref())?;
    let root: Vec<f64> = svd.s.iter().map(|s| s.powf(1.0 / l as f64)).collect();
    let layers: Vec<Mat<f64>> = (1..=l)
        .map(|j| {
            let (rows, cols) = (w[j], w[j - 1]);
            Mat::from_fn(rows, cols, |a, b| match (j == 1, j == l) {
                (true, true) => (0..k)
                    .map(|m| svd.u[(a, m)] * svd.s[m] * svd.v[(b, m)])
                    .sum(),
                (true, false) => {
                    if a < k {
                        root[a] * svd.v[(b, a)]
                    } else {
                        0.0
                    }
                }
                (false, true) => {
                    if b < k {
                        svd.u[(a, b)] * root[b]
                    } else {
                        0.0
                    }
                }
                (false, false) => {
                    if a == b && a < k {
                        root[a]
                    } else {
                        0.0
                    }
                }
            })
        })
        .collect();
    model.flatten(&layers)
}
