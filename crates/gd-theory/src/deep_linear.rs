//! Nar & Sastry, Sec. 4: step-size bounds for deep linear networks W_L⋯W_1 trained on whitened
//! data with loss ½‖W_L⋯W_1 − R‖_F² (+ const), and the limits of identity initialization.
//! ρ(·) is the largest singular value.

use crate::error::{Result, check_depth, check_eta, outside};
use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatRef, Par};
use gd_core::spectrum::{symmetric_eigen, thin_svd, validate_symmetric};

/// Theorem 1's ingredients at one factorization {Ŵ_j}.
#[derive(Clone, Debug, PartialEq)]
pub struct Theorem1 {
    /// 2 / Σ_j p_{j−1}² q_{j+1}²: GD with random init can converge to {Ŵ_j} only if η ≤ this.
    pub bound: f64,
    /// p_0 = 1, p_j = ‖Ŵ_j⋯Ŵ_1 v‖ (j = 0..L), v the top right singular vector of R̂.
    pub p: Vec<f64>,
    /// q_j = ‖uᵀŴ_L⋯Ŵ_j‖ (j = 1..L+1, stored at index j−1), q_{L+1} = 1, u the top left
    /// singular vector of R̂.
    pub q: Vec<f64>,
}

fn vector_norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

/// Theorem 1 (Nar & Sastry): for a factorization {Ŵ_j} of R̂ = Ŵ_L⋯Ŵ_1 with top singular
/// pair (u, v), GD converges to it only if η ≤ 2 / Σ_{j=1}^{L} p_{j−1}² q_{j+1}². The sum is
/// the Hessian's curvature along rank-one perturbations ΔW_j ∝ (Ŵ_L⋯Ŵ_{j+1})ᵀu (Ŵ_{j−1}⋯Ŵ_1 v)ᵀ,
/// a lower bound on λmax, so the bound is ≥ 2/λmax (tight at a balanced factorization of a
/// symmetric PSD R).
pub fn theorem1(layers: &[MatRef<'_, f64>]) -> Result<Theorem1> {
    let l = layers.len();
    check_depth(l)?;
    for j in 1..l {
        if layers[j].ncols() != layers[j - 1].nrows() {
            return outside(
                "layers",
                format!(
                    "W_{} with {} columns after W_{} with {} rows",
                    j + 1,
                    layers[j].ncols(),
                    j,
                    layers[j - 1].nrows()
                ),
                "chained shapes: each W_(j+1) has as many columns as W_j has rows (Theorem 1)",
            );
        }
    }
    let mut product = layers[0].to_owned();
    for w in &layers[1..] {
        let mut next = Mat::zeros(w.nrows(), product.ncols());
        matmul(
            next.as_mut(),
            Accum::Replace,
            w.as_ref(),
            product.as_ref(),
            1.0,
            Par::Seq,
        );
        product = next;
    }
    let svd = thin_svd(product.as_ref())?;
    if svd.s.first().is_none_or(|s| *s == 0.0) {
        return outside(
            "layers",
            "a zero product R̂",
            "a nonzero product (Theorem 1 needs its top singular pair)",
        );
    }
    let mut x: Vec<f64> = (0..svd.v.nrows()).map(|i| svd.v[(i, 0)]).collect();
    let mut p = vec![1.0];
    for w in layers {
        x = (0..w.nrows())
            .map(|r| (0..w.ncols()).map(|c| w[(r, c)] * x[c]).sum())
            .collect();
        p.push(vector_norm(&x));
    }
    // yᵀ = uᵀ W_L ⋯ W_j, built from j = L down to 1.
    let mut y: Vec<f64> = (0..svd.u.nrows()).map(|i| svd.u[(i, 0)]).collect();
    // bound: l is the number of `layers` given.
    let mut q = vec![1.0; l + 1];
    for j in (0..l).rev() {
        let w = layers[j];
        y = (0..w.ncols())
            .map(|c| (0..w.nrows()).map(|r| y[r] * w[(r, c)]).sum())
            .collect();
        q[j] = vector_norm(&y);
    }
    let sum: f64 = (1..=l).map(|j| p[j - 1].powi(2) * q[j].powi(2)).sum();
    Ok(Theorem1 {
        bound: 2.0 / sum,
        p,
        q,
    })
}

/// Corollary 1: GD can converge to a global optimum only if η ≤ 2 / (L ρ(R)^{2(L−1)/L}).
pub fn corollary1_bound(rho: f64, depth: usize) -> Result<f64> {
    let l = check_depth(depth)?;
    if !(rho.is_finite() && rho > 0.0) {
        return outside("ρ(R)", rho, "finite and > 0");
    }
    Ok(2.0 / (l * rho.powf(2.0 * (l - 1.0) / l)))
}

/// Corollary 2: if GD with step η converged to R̂ = Ŵ_L⋯Ŵ_1 (L ≥ 2), then almost surely
/// ρ(R̂) ≤ (2/(Lη))^{L/(2L−2)} (Corollary 1 solved for ρ).
pub fn corollary2_singular_value_bound(eta: f64, depth: usize) -> Result<f64> {
    check_eta(eta)?;
    let l = check_depth(depth)?;
    if depth < 2 {
        return outside(
            "depth",
            depth,
            "at least 2 (Corollary 2; for L = 1 the bound does not involve ρ)",
        );
    }
    Ok((2.0 / (l * eta)).powf(l / (2.0 * l - 2.0)))
}

/// Theorem 2's step condition (reconstructed, catalogue ns-thm2): with identity init, a
/// symmetric PSD R and η ≤ min{1/L, 1/(L ρ(R)^{2(L−1)/L})} = 1/(L max(1, ρ)^{2(L−1)/L}), every
/// W_j converges to R^{1/L}. Within a factor 2 of Corollary 1.
pub fn theorem2_step_bound(rho: f64, depth: usize) -> Result<f64> {
    let l = check_depth(depth)?;
    if !(rho.is_finite() && rho >= 0.0) {
        return outside("ρ(R)", rho, "finite and ≥ 0");
    }
    Ok((1.0 / l).min(1.0 / (l * rho.powf(2.0 * (l - 1.0) / l))))
}

/// The largest singular value ρ(R).
pub fn spectral_norm(r: MatRef<'_, f64>) -> Result<f64> {
    Ok(thin_svd(r)?.s.first().copied().unwrap_or(0.0))
}

/// Eigenvalues below −`PSD_TOLERANCE`·ρ count as negative; above, as rounding of zero.
const PSD_TOLERANCE: f64 = 1e-12;

fn eigen_map(r: MatRef<'_, f64>, f: impl Fn(f64) -> f64) -> Result<Mat<f64>> {
    validate_symmetric("target R", r)?;
    let (values, q) = symmetric_eigen(r)?;
    let mapped: Vec<f64> = values.iter().map(|v| f(*v)).collect();
    let n = values.len();
    Ok(Mat::from_fn(n, n, |i, j| {
        (0..n).map(|k| q[(i, k)] * mapped[k] * q[(j, k)]).sum()
    }))
}

/// Theorem 2's limit: the principal L-th root R^{1/L} = Q Λ^{1/L} Qᵀ of a symmetric PSD R.
pub fn theorem2_limit(r: MatRef<'_, f64>, depth: usize) -> Result<Mat<f64>> {
    let l = check_depth(depth)?;
    validate_symmetric("target R", r)?;
    let (values, _) = symmetric_eigen(r)?;
    let scale = values.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    if let Some(v) = values.iter().find(|v| **v < -PSD_TOLERANCE * scale) {
        return outside(
            "an eigenvalue of R",
            v,
            "≥ 0 (Theorem 2 needs R positive semi-definite)",
        );
    }
    eigen_map(r, |v| v.max(0.0).powf(1.0 / l))
}

/// Theorem 3's step condition (reconstructed, catalogue ns-thm3): identity init, symmetric R
/// with λmin(R) < 0, and η ≤ min{1/(1 − λmin), 1/L, 1/(L ρ^{2(L−1)/L})}.
pub fn theorem3_step_bound(lambda_min: f64, rho: f64, depth: usize) -> Result<f64> {
    if !(lambda_min.is_finite() && lambda_min < 0.0) {
        return outside("λmin(R)", lambda_min, "< 0 (Theorem 3)");
    }
    Ok((1.0 / (1.0 - lambda_min)).min(theorem2_step_bound(rho, depth)?))
}

/// Theorem 3's limit: the PSD matrix nearest to symmetric R in Frobenius norm,
/// R₊ = Q max(Λ, 0) Qᵀ.
pub fn nearest_psd(r: MatRef<'_, f64>) -> Result<Mat<f64>> {
    eigen_map(r, |v| v.max(0.0))
}

/// The loss ½‖R₊ − R‖_F² = ½ Σ_{λ<0} λ² at Theorem 3's limit.
pub fn theorem3_limit_loss(r: MatRef<'_, f64>) -> Result<f64> {
    validate_symmetric("target R", r)?;
    let (values, _) = symmetric_eigen(r)?;
    Ok(0.5
        * values
            .iter()
            .filter(|v| **v < 0.0)
            .map(|v| v * v)
            .sum::<f64>())
}
