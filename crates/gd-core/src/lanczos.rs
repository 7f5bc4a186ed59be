//! Lanczos iteration on Hessian-vector products: the extreme eigenvalues of ∇²f(θ) without
//! forming it. Thick-restart Lanczos (Wu & Simon 2000, "Thick-restart Lanczos method for large
//! symmetric eigenvalue problems"): a basis of at most `basis_size` vectors, fully
//! reorthogonalized (two Gram–Schmidt passes), restarted from the wanted Ritz vectors when it
//! is full, so memory is `basis_size · d` floats whatever the number of products. Top-k largest
//! *algebraic* eigenvalues plus the smallest algebraic one (a largest-magnitude solver would
//! return a large negative eigenvalue as "sharpness"), a residual and a converged flag per Ritz
//! value, and a warm start from previous eigenvectors.
//!
//! With V the orthonormal basis and T = VᵀHV (built from the Gram–Schmidt coefficients), every
//! restart keeps H V = V T + f e_mᵀ, so a Ritz pair (θ, Vs) has residual ‖f‖·|s_m|, and by the
//! symmetric eigenvalue bound |λ − θ| ≤ residual for some eigenvalue λ of ∇²f: a value is
//! converged when its residual is at most `relative_tolerance` times the largest |Ritz value|.

use crate::error::{
    CoreError, Result, check_dimension, check_finite, check_nonempty_objective, out_of_range,
};
use crate::objective::Objective;
use crate::spectrum::symmetric_eigen_unchecked;
use crate::vector::norm;
use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatMut, MatRef, Par};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// One Ritz value with its residual ‖Hy − θy‖ = β_m·|e_mᵀs| and whether it met the tolerance.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct RitzValue {
    /// The eigenvalue estimate θ.
    pub value: f64,
    /// ‖∇²f·y − θ·y‖ for the unit Ritz vector y.
    pub residual: f64,
    /// Whether `residual ≤ relative_tolerance · spectral scale`.
    pub converged: bool,
}

/// Settings of a Lanczos run.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LanczosOptions {
    /// Number of largest eigenvalues wanted (k ≥ 1).
    pub top_k: usize,
    /// Residual tolerance relative to the largest |Ritz value|. The eigenvalue error is about
    /// residual²/gap, far smaller than the residual itself.
    pub relative_tolerance: f64,
    /// Most Hessian-vector products per run (the budget; a run that reaches it returns its
    /// Ritz values flagged as not converged).
    pub max_iterations: usize,
    /// Most vectors in the basis (capped at d): memory is `basis_size · d` floats. When the
    /// basis is full it restarts from the wanted Ritz vectors and half the rest of the basis's
    /// best ones.
    #[serde(default = "basis_size_default")]
    pub basis_size: usize,
    /// Also iterate until the smallest eigenvalue converges (it is always reported, with its
    /// own residual and flag; turn this off when only λmax is needed).
    #[serde(default = "converge_smallest_default")]
    pub converge_smallest: bool,
    /// The most bytes the basis may take (`min(basis_size, d) · d · 8`), checked before anything
    /// is allocated; raise it for a larger basis on a machine that has the memory.
    #[serde(default = "max_basis_bytes_default")]
    pub max_basis_bytes: usize,
}

fn max_basis_bytes_default() -> usize {
    MAX_BASIS_BYTES
}

fn converge_smallest_default() -> bool {
    true
}

fn basis_size_default() -> usize {
    DEFAULT_BASIS_SIZE
}

/// The default `basis_size`: 240 MB for d = 10⁶.
pub const DEFAULT_BASIS_SIZE: usize = 30;

/// The default cap on a run's basis, in bytes (`basis_size · d · 8`), checked before it
/// allocates anything (`LanczosOptions::max_basis_bytes` raises it).
pub const MAX_BASIS_BYTES: usize = 4 << 30;

impl Default for LanczosOptions {
    fn default() -> Self {
        Self {
            top_k: 1,
            relative_tolerance: 1e-10,
            max_iterations: 300,
            basis_size: DEFAULT_BASIS_SIZE,
            converge_smallest: true,
            max_basis_bytes: MAX_BASIS_BYTES,
        }
    }
}

/// Extreme eigenvalues of a symmetric operator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExtremeEigenvalues {
    /// The k largest eigenvalues, descending.
    pub largest: Vec<RitzValue>,
    /// The smallest (most negative) eigenvalue.
    pub smallest: RitzValue,
    /// Unit eigenvector of `largest[0]`, for warm starts.
    pub top_eigenvector: Vec<f64>,
    /// Unit eigenvectors of every value in `largest`, in the same order.
    pub top_eigenvectors: Vec<Vec<f64>>,
    /// Unit eigenvector of `smallest`, for warm starts.
    pub bottom_eigenvector: Vec<f64>,
    /// Hessian-vector products spent (0 for the dense path).
    pub hessian_vector_products: usize,
    /// Whether every value the options asked to converge did (the top k, and the smallest
    /// unless `converge_smallest` is off; `smallest.converged` always tells).
    pub converged: bool,
}

impl ExtremeEigenvalues {
    /// λmax, the sharpness.
    pub fn sharpness(&self) -> f64 {
        self.largest[0].value
    }
}

/// A Lanczos solver that keeps its basis between calls, so tracking sharpness along a
/// trajectory reuses memory.
#[derive(Clone, Debug)]
pub struct Lanczos {
    options: LanczosOptions,
    /// The basis, `basis_size` columns of d (column-major).
    basis: Vec<f64>,
    /// T = VᵀHV for the basis's vectors (`basis_size`², column-major).
    projected: Vec<f64>,
    w: Vec<f64>,
    coefficients: Vec<f64>,
    second_pass: Vec<f64>,
    /// Restarted Ritz vectors, before they replace the basis's first columns.
    kept: Vec<f64>,
}

/// Seed of the restart directions after a breakdown (fixed: results are reproducible).
const RESTART_SEED: u64 = 0x01a2_c205;

/// The Ritz values and vectors of the current basis: ascending values, and S with the
/// coordinates of each Ritz vector in the basis as a column.
struct RitzPairs {
    values: Vec<f64>,
    vectors: Mat<f64>,
}

impl Lanczos {
    /// A solver with validated options.
    pub fn new(options: LanczosOptions) -> Result<Self> {
        if options.top_k == 0 {
            return Err(out_of_range("lanczos top_k", 0, "at least 1"));
        }
        if !(options.relative_tolerance.is_finite() && options.relative_tolerance > 0.0) {
            return Err(out_of_range(
                "lanczos relative_tolerance",
                options.relative_tolerance,
                "finite and > 0",
            ));
        }
        if options.max_iterations < options.top_k + 1 {
            return Err(out_of_range(
                "lanczos max_iterations",
                options.max_iterations,
                format!("more than top_k ({})", options.top_k),
            ));
        }
        // Room for the wanted vectors (and the smallest), the new direction and a few more.
        let least = options.top_k + 4;
        if options.basis_size < least {
            return Err(out_of_range(
                "lanczos basis_size",
                options.basis_size,
                format!("at least top_k + 4 = {least}"),
            ));
        }
        Ok(Self {
            options,
            basis: Vec::new(),
            projected: Vec::new(),
            w: Vec::new(),
            coefficients: Vec::new(),
            second_pass: Vec::new(),
            kept: Vec::new(),
        })
    }

    /// The options in force.
    pub fn options(&self) -> &LanczosOptions {
        &self.options
    }

    /// The bytes a run on an objective of dimension d allocates for its basis.
    pub fn basis_bytes(&self, d: usize) -> Option<usize> {
        self.options
            .basis_size
            .min(d)
            .checked_mul(d)?
            .checked_mul(std::mem::size_of::<f64>())
    }

    /// Runs Lanczos on ∇²f(θ) from `start` (normalized here; the all-ones vector if `None`).
    pub fn run<O: Objective>(
        &mut self,
        objective: &O,
        theta: &[f64],
        start: Option<&[f64]>,
        workspace: &mut O::Workspace,
    ) -> Result<ExtremeEigenvalues> {
        let d = objective.dim();
        check_dimension("theta", d, theta.len())?;
        check_finite("theta", theta)?;
        check_nonempty_objective(d)?;
        let cap = self.options.max_basis_bytes;
        match self.basis_bytes(d) {
            Some(bytes) if bytes <= cap => {}
            _ => {
                return Err(out_of_range(
                    "lanczos basis_size",
                    self.options.basis_size,
                    format!(
                        "at most {} vectors of d = {d} (max_basis_bytes = {cap} bytes; raise it \
                         where the memory is there)",
                        cap / 8 / d
                    ),
                ));
            }
        }
        let m_max = self.options.basis_size.min(d);
        let k = self.options.top_k.min(d);
        self.basis.resize(m_max * d, 0.0);
        self.projected.clear();
        self.projected.resize(m_max * m_max, 0.0);
        self.w.resize(d, 0.0);
        {
            let q0 = &mut self.basis[..d];
            match start {
                Some(s) => {
                    check_dimension("lanczos start vector", d, s.len())?;
                    check_finite("lanczos start vector", s)?;
                    q0.copy_from_slice(s);
                }
                None => q0.fill(1.0),
            }
            let n0 = norm(q0);
            if n0 == 0.0 {
                return Err(out_of_range(
                    "lanczos start vector",
                    "0",
                    "a nonzero vector",
                ));
            }
            q0.iter_mut().for_each(|v| *v /= n0);
        }

        let mut hvps = 0;
        // Vectors in the basis; the newest is column m − 1.
        let mut m = 1;
        // Gershgorin-style bound on ‖T‖ ≤ ‖H‖: the scale against which β counts as a breakdown.
        let mut scale_estimate = 0.0_f64;
        let mut restarts = 0_u64;
        loop {
            let newest = m - 1;
            objective.hessian_vector_product(
                theta,
                &self.basis[newest * d..m * d],
                &mut self.w,
                workspace,
            );
            hvps += 1;
            if !self.w.iter().all(|v| v.is_finite()) {
                return Err(CoreError::NonFinite {
                    what: "Hessian-vector product",
                });
            }
            self.orthogonalize_w(d, m);
            for i in 0..m {
                let c = self.coefficients[i];
                self.projected[newest * m_max + i] = c;
                self.projected[i * m_max + newest] = c;
            }
            let b = norm(&self.w);
            let column_sum: f64 = self.coefficients[..m].iter().map(|c| c.abs()).sum();
            scale_estimate = scale_estimate.max(column_sum + b);
            // β ≈ 0: the basis spans an invariant space. Its Ritz values are exact eigenvalues
            // but need not be the extreme ones (e.g. a start on an eigenvector), so continue
            // with a fresh direction orthogonal to the basis rather than stop.
            let breakdown =
                b <= f64::EPSILON * scale_estimate.max(f64::MIN_POSITIVE) * (d as f64).sqrt();
            let ritz = self.ritz_pairs(m, m_max)?;
            let scale = ritz
                .values
                .iter()
                .fold(0.0_f64, |acc, t| acc.max(t.abs()))
                .max(f64::MIN_POSITIVE);
            let tol = self.options.relative_tolerance * scale;
            // A basis of d vectors spans the space: its Ritz values are the eigenvalues.
            let exact = m == d;
            let residual = |col: usize| {
                if exact {
                    0.0
                } else {
                    b * ritz.vectors[(m - 1, col)].abs()
                }
            };
            let kk = k.min(m);
            let converged = !breakdown
                && m > k
                && (0..kk).all(|i| residual(m - 1 - i) <= tol)
                && (!self.options.converge_smallest || residual(0) <= tol);
            if converged || exact || hvps >= self.options.max_iterations {
                return Ok(self.finish(d, m, kk, &ritz, b, exact, tol, hvps));
            }
            if breakdown {
                restarts += 1;
                let mut rng = ChaCha8Rng::seed_from_u64(RESTART_SEED);
                rng.set_stream(restarts);
                self.w
                    .iter_mut()
                    .for_each(|w| *w = rng.random_range(-1.0..1.0));
                self.orthogonalize_w(d, m);
                let n = norm(&self.w);
                self.w.iter_mut().for_each(|w| *w /= n);
                // The new direction is uncoupled: its column of T starts at zero.
                if m == m_max {
                    m = self.restart(d, m, m_max, k, &ritz, 0.0);
                }
                self.basis[m * d..(m + 1) * d].copy_from_slice(&self.w);
                m += 1;
                continue;
            }
            if m == m_max {
                m = self.restart(d, m, m_max, k, &ritz, b);
            }
            let b_inv = 1.0 / b;
            for (q, w) in self.basis[m * d..(m + 1) * d].iter_mut().zip(&self.w) {
                *q = w * b_inv;
            }
            m += 1;
        }
    }

    /// Thick restart: replaces the basis by the Ritz vectors worth keeping — the top k, the
    /// smallest, and the best half of the others by value from the top — and T by their Ritz
    /// values with the coupling b·s_m of each to the next direction (which the caller appends).
    /// Returns the basis's new size.
    fn restart(
        &mut self,
        d: usize,
        m: usize,
        m_max: usize,
        k: usize,
        ritz: &RitzPairs,
        b: f64,
    ) -> usize {
        let extra = (m - k - 1) / 2;
        let mut columns: Vec<usize> = (0..m).rev().take(k + extra).collect();
        if !columns.contains(&0) {
            columns.push(0);
        }
        let keep = columns.len();
        self.kept.resize(keep * d, 0.0);
        let mut s = Mat::<f64>::zeros(m, keep);
        for (j, &col) in columns.iter().enumerate() {
            for i in 0..m {
                s[(i, j)] = ritz.vectors[(i, col)];
            }
        }
        let v = MatRef::from_column_major_slice(&self.basis[..m * d], d, m);
        let y = MatMut::from_column_major_slice_mut(&mut self.kept, d, keep);
        matmul(y, Accum::Replace, v, s.as_ref(), 1.0, Par::Seq);
        self.basis[..keep * d].copy_from_slice(&self.kept);
        self.projected.fill(0.0);
        for (j, &col) in columns.iter().enumerate() {
            self.projected[j * m_max + j] = ritz.values[col];
            let coupling = b * ritz.vectors[(m - 1, col)];
            self.projected[keep * m_max + j] = coupling;
            self.projected[j * m_max + keep] = coupling;
        }
        keep
    }

    /// The eigenpairs of T (the leading m × m block).
    fn ritz_pairs(&self, m: usize, m_max: usize) -> Result<RitzPairs> {
        let t = Mat::from_fn(m, m, |i, j| self.projected[j * m_max + i]);
        let (values, vectors) = symmetric_eigen_unchecked(t.as_ref())?;
        Ok(RitzPairs { values, vectors })
    }

    /// Removes from w its components along the first `m` basis vectors: two passes of
    /// classical Gram–Schmidt (c = Qᵀw, w ← w − Qc, as two matrix–vector products) keep the
    /// basis orthogonal to working precision (Kahan's "twice is enough"); `coefficients`
    /// receives the sum of both passes' c, column m − 1 of T = QᵀHQ.
    fn orthogonalize_w(&mut self, d: usize, m: usize) {
        self.coefficients.clear();
        self.coefficients.resize(m, 0.0);
        self.second_pass.resize(m, 0.0);
        let q = MatRef::from_column_major_slice(&self.basis[..m * d], d, m);
        for pass in 0..2 {
            let c = if pass == 0 {
                &mut self.coefficients
            } else {
                &mut self.second_pass
            };
            matmul(
                MatMut::from_column_major_slice_mut(&mut c[..m], m, 1),
                Accum::Replace,
                q.transpose(),
                MatRef::from_column_major_slice(&self.w, d, 1),
                1.0,
                Par::Seq,
            );
            let w = MatMut::from_column_major_slice_mut(&mut self.w, d, 1);
            matmul(
                w,
                Accum::Add,
                q,
                MatRef::from_column_major_slice(&c[..m], m, 1),
                -1.0,
                Par::Seq,
            );
        }
        for (c, s) in self.coefficients.iter_mut().zip(&self.second_pass) {
            *c += s;
        }
    }

    fn finish(
        &self,
        d: usize,
        m: usize,
        k: usize,
        ritz: &RitzPairs,
        b: f64,
        exact: bool,
        tol: f64,
        hvps: usize,
    ) -> ExtremeEigenvalues {
        let pair = |col: usize| {
            let residual = if exact {
                0.0
            } else {
                b * ritz.vectors[(m - 1, col)].abs()
            };
            RitzValue {
                value: ritz.values[col],
                residual,
                converged: residual <= tol,
            }
        };
        let largest: Vec<RitzValue> = (0..k).map(|i| pair(m - 1 - i)).collect();
        let smallest = pair(0);
        let top_eigenvectors = (0..k)
            .map(|i| self.ritz_vector(d, m, &ritz.vectors, m - 1 - i))
            .collect::<Vec<_>>();
        let bottom = self.ritz_vector(d, m, &ritz.vectors, 0);
        let converged = largest.iter().all(|r| r.converged)
            && (smallest.converged || !self.options.converge_smallest);
        ExtremeEigenvalues {
            largest,
            smallest,
            top_eigenvector: top_eigenvectors[0].clone(),
            top_eigenvectors,
            bottom_eigenvector: bottom,
            hessian_vector_products: hvps,
            converged,
        }
    }

    /// The unit Ritz vector Σᵢ s[i, col]·qᵢ.
    fn ritz_vector(&self, d: usize, m: usize, s: &Mat<f64>, col: usize) -> Vec<f64> {
        let mut y = vec![0.0; d];
        for i in 0..m {
            let c = s[(i, col)];
            y.iter_mut()
                .zip(&self.basis[i * d..(i + 1) * d])
                .for_each(|(t, q)| *t += c * q);
        }
        let n = norm(&y);
        if n > 0.0 {
            y.iter_mut().for_each(|t| *t /= n);
        }
        y
    }
}
