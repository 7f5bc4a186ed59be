//! Seeded data and targets for the linear-network experiments: whitened samples with
//! (1/N)Σ xᵢxᵢᵀ = I to machine precision, random orthogonal matrices, the DCT-II basis of the
//! benchmark spec, and targets R with a given spectrum or given singular values.

use crate::error::{ModelError, Result, invalid};
use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatRef, Par};
use rand::{Rng, RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

/// `n` standard-normal draws, in order.
pub fn standard_normal(rng: &mut impl Rng, n: usize) -> Vec<f64> {
    (0..n).map(|_| normal(rng)).collect()
}

/// One standard-normal draw (the same draws as [`standard_normal`], without a vector).
pub fn normal(rng: &mut impl Rng) -> f64 {
    rng.sample::<f64, _>(StandardNormal)
}

/// A rows × cols matrix of standard-normal entries drawn column by column.
pub fn gaussian_matrix(rng: &mut impl Rng, rows: usize, cols: usize) -> Mat<f64> {
    let v = standard_normal(rng, rows * cols);
    Mat::from_fn(rows, cols, |i, j| v[j * rows + i])
}

/// Orthonormalizes the columns of `a` in place by modified Gram–Schmidt, applied twice so the
/// columns are orthonormal to working precision. Fails on (numerically) dependent columns.
pub fn orthonormalize_columns(a: &mut Mat<f64>) -> Result<()> {
    let (rows, cols) = (a.nrows(), a.ncols());
    if cols > rows {
        return invalid(
            "orthonormal columns",
            cols,
            format!("at most the dimension {rows}"),
        );
    }
    for _pass in 0..2 {
        for j in 0..cols {
            for k in 0..j {
                let c: f64 = (0..rows).map(|i| a[(i, k)] * a[(i, j)]).sum();
                for i in 0..rows {
                    a[(i, j)] -= c * a[(i, k)];
                }
            }
            let n = (0..rows).map(|i| a[(i, j)] * a[(i, j)]).sum::<f64>().sqrt();
            if n < 1e-10 {
                return invalid(
                    "orthonormal columns",
                    format!("column {j} (norm 0 after projection)"),
                    "linearly independent random columns",
                );
            }
            for i in 0..rows {
                a[(i, j)] /= n;
            }
        }
    }
    Ok(())
}

/// A Haar-like random orthogonal n × n matrix (Gram–Schmidt of a Gaussian matrix), seeded.
pub fn random_orthogonal(n: usize, seed: u64) -> Result<Mat<f64>> {
    random_orthonormal_columns(n, n, seed)
}

/// A rows × cols matrix with orthonormal columns (cols ≤ rows), seeded.
pub fn random_orthonormal_columns(rows: usize, cols: usize, seed: u64) -> Result<Mat<f64>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut a = gaussian_matrix(&mut rng, rows, cols);
    orthonormalize_columns(&mut a)?;
    Ok(a)
}

/// n samples in ℝᵈ as the columns of a d × n matrix X with (1/n) X Xᵀ = I to machine
/// precision: X = √n Qᵀ for Q (n × d) with orthonormal columns.
pub fn whitened_samples(d: usize, n: usize, seed: u64) -> Result<Mat<f64>> {
    if d == 0 || n == 0 {
        return Err(ModelError::Empty { what: "sample set" });
    }
    if n < d {
        return invalid(
            "sample count",
            n,
            format!("at least the dimension {d} (whitening)"),
        );
    }
    let q = random_orthonormal_columns(n, d, seed)?;
    let s = (n as f64).sqrt();
    Ok(Mat::from_fn(d, n, |i, j| s * q[(j, i)]))
}

/// The orthonormal DCT-II matrix C of size n: C[k, t] = s_k cos(π (t + ½) k / n), s₀ = √(1/n),
/// s_k = √(2/n) (benchmark spec W2).
pub fn dct2(n: usize) -> Mat<f64> {
    let nf = n as f64;
    Mat::from_fn(n, n, |k, t| {
        let s = if k == 0 {
            (1.0 / nf).sqrt()
        } else {
            (2.0 / nf).sqrt()
        };
        s * (std::f64::consts::PI * (t as f64 + 0.5) * k as f64 / nf).cos()
    })
}

/// The deterministic whitened data of benchmark spec W2: X = √N C_N[0..d, :] (d × N).
pub fn dct_whitened_samples(d: usize, n: usize) -> Result<Mat<f64>> {
    if d == 0 || n < d {
        return invalid("sample count", format!("N = {n} with d = {d}"), "0 < d ≤ N");
    }
    let c = dct2(n);
    let s = (n as f64).sqrt();
    Ok(Mat::from_fn(d, n, |i, j| s * c[(i, j)]))
}

/// R = Q diag(spectrum) Qᵀ for an orthogonal Q: a symmetric target with the given eigenvalues
/// (PSD when all are ≥ 0; with negative ones for Theorem 3).
pub fn symmetric_target(spectrum: &[f64], q: &Mat<f64>) -> Result<Mat<f64>> {
    let n = spectrum.len();
    if q.nrows() != n || q.ncols() != n {
        return Err(ModelError::Shape {
            what: "orthogonal basis",
            expected: format!("{n} x {n}"),
            found: format!("{} x {}", q.nrows(), q.ncols()),
        });
    }
    if spectrum.iter().any(|v| !v.is_finite()) {
        return Err(ModelError::NonFinite { what: "spectrum" });
    }
    let mut r = Mat::<f64>::zeros(n, n);
    for j in 0..n {
        for i in j..n {
            let v: f64 = (0..n).map(|k| q[(i, k)] * spectrum[k] * q[(j, k)]).sum();
            r[(i, j)] = v;
            r[(j, i)] = v;
        }
    }
    Ok(r)
}

/// R = U diag(singular_values) Vᵀ (rows × cols) with random orthonormal U, V, seeded;
/// `singular_values.len()` must be ≤ min(rows, cols).
pub fn general_target(
    rows: usize,
    cols: usize,
    singular_values: &[f64],
    seed: u64,
) -> Result<Mat<f64>> {
    let k = singular_values.len();
    if k > rows.min(cols) {
        return invalid(
            "singular values",
            format!("{k} values"),
            format!("at most min({rows}, {cols}) for a {rows} x {cols} matrix"),
        );
    }
    if singular_values.iter().any(|s| !s.is_finite() || *s < 0.0) {
        return invalid(
            "singular values",
            format!("{singular_values:?}"),
            "finite and ≥ 0",
        );
    }
    let u = random_orthonormal_columns(rows, k, seed)?;
    let v = random_orthonormal_columns(cols, k, seed ^ 0x9e37_79b9_7f4a_7c15)?;
    Ok(Mat::from_fn(rows, cols, |i, j| {
        (0..k)
            .map(|m| u[(i, m)] * singular_values[m] * v[(j, m)])
            .sum()
    }))
}

/// The product A·B (for example the targets Y = R X of samples X), computed with `Par::Seq`
/// like every product of the workspace, so it is the same at any thread count.
pub fn product(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> Result<Mat<f64>> {
    if a.ncols() != b.nrows() {
        return invalid(
            "product shapes",
            format!(
                "A {} x {}, B {} x {}",
                a.nrows(),
                a.ncols(),
                b.nrows(),
                b.ncols()
            ),
            "A's columns equal to B's rows",
        );
    }
    let mut out = Mat::zeros(a.nrows(), b.ncols());
    matmul(out.as_mut(), Accum::Replace, a, b, 1.0, Par::Seq);
    Ok(out)
}
