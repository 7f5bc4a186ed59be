//! Lanczos iteration on Hessian-vector products: the extreme eigenvalues of ∇²f(θ) without
//! forming it. Full reorthogonalization (two Gram–Schmidt passes), top-k largest *algebraic*
//! eigenvalues plus the smallest algebraic one (a largest-magnitude solver would return a
//! large negative eigenvalue as "sharpness"), a residual and a converged flag per Ritz value,
//! and a warm start from a previous eigenvector.

use crate::error::{
    CoreError, Result, check_dimension, check_finite, check_nonempty_objective, out_of_range,
};
use crate::objective::Objective;
use crate::spectrum::symmetric_eigen_unchecked;
use crate::vector::{dot, norm};
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
    /// Largest Krylov dimension (capped at d).
    pub max_iterations: usize,
    /// Also iterate until the smallest eigenvalue converges (it is always reported, with its
    /// own residual and flag; turn this off when only λmax is needed).
    #[serde(default = "converge_smallest_default")]
    pub converge_smallest: bool,
}

fn converge_smallest_default() -> bool {
    true
}

impl Default for LanczosOptions {
    fn default() -> Self {
        Self {
            top_k: 1,
            relative_tolerance: 1e-10,
            max_iterations: 300,
            converge_smallest: true,
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

/// A Lanczos solver that keeps its Krylov basis between calls, so tracking sharpness along a
/// trajectory reuses memory.
#[derive(Clone, Debug)]
pub struct Lanczos {
    options: LanczosOptions,
    basis: Vec<f64>,
    alpha: Vec<f64>,
    beta: Vec<f64>,
    w: Vec<f64>,
    coefficients: Vec<f64>,
}

/// Iterations after which convergence is tested only every [`CHECK_STRIDE`] steps: the
/// tridiagonal eigenproblem costs O(m³) per test.
const CHECK_EVERY_UNTIL: usize = 40;
const CHECK_STRIDE: usize = 4;

/// Seed of the restart directions after a breakdown (fixed: results are reproducible).
const RESTART_SEED: u64 = 0x01a2_c205;

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
        Ok(Self {
            options,
            basis: Vec::new(),
            alpha: Vec::new(),
            beta: Vec::new(),
            w: Vec::new(),
            coefficients: Vec::new(),
        })
    }

    /// The options in force.
    pub fn options(&self) -> &LanczosOptions {
        &self.options
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
        let m_max = self.options.max_iterations.min(d);
        let k = self.options.top_k.min(d);
        // The basis grows by one vector per iteration (capacity kept between calls): sizing
        // it for m_max up front would zero megabytes for a run that needs 20 vectors.
        self.basis.clear();
        self.basis.resize(d, 0.0);
        self.w.resize(d, 0.0);
        self.alpha.clear();
        self.beta.clear();

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
        let mut m = 0;
        // Gershgorin bound on ‖T‖ ≤ ‖H‖: the scale against which β counts as a breakdown.
        let mut scale_estimate = 0.0_f64;
        let mut previous_beta = 0.0_f64;
        let mut restarts = 0_u64;
        loop {
            objective.hessian_vector_product(
                theta,
                &self.basis[m * d..(m + 1) * d],
                &mut self.w,
                workspace,
            );
            hvps += 1;
            if !self.w.iter().all(|v| v.is_finite()) {
                return Err(CoreError::NonFinite {
                    what: "Hessian-vector product",
                });
            }
            let a = dot(&self.basis[m * d..(m + 1) * d], &self.w);
            self.alpha.push(a);
            self.orthogonalize_w(d, m + 1);
            let b = norm(&self.w);
            m += 1;
            scale_estimate = scale_estimate.max(a.abs() + b + previous_beta);
            // β ≈ 0: the Krylov space is invariant. Its Ritz values are exact eigenvalues but
            // need not be the extreme ones (e.g. a start on an eigenvector), so restart with
            // a fresh direction orthogonal to the basis rather than stop.
            let breakdown =
                b <= f64::EPSILON * scale_estimate.max(f64::MIN_POSITIVE) * (d as f64).sqrt();

            let due = m <= CHECK_EVERY_UNTIL || m % CHECK_STRIDE == 0;
            if m == m_max || (m > k && due && !breakdown) {
                let (values, s) = tridiagonal_eigen(&self.alpha, &self.beta)?;
                let scale = values
                    .iter()
                    .fold(0.0_f64, |acc, t| acc.max(t.abs()))
                    .max(f64::MIN_POSITIVE);
                let tol = self.options.relative_tolerance * scale;
                let exact = m == d && breakdown;
                let residual = |col: usize| {
                    if exact {
                        0.0
                    } else {
                        b * s[(m - 1, col)].abs()
                    }
                };
                let kk = k.min(m);
                let converged = (0..kk).all(|i| residual(m - 1 - i) <= tol)
                    && (!self.options.converge_smallest || residual(0) <= tol);
                if converged || m == m_max {
                    return Ok(self.finish(d, m, kk, &values, &s, b, exact, tol, hvps));
                }
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
                self.basis.extend_from_slice(&self.w);
                self.beta.push(0.0);
                previous_beta = 0.0;
            } else {
                let b_inv = 1.0 / b;
                self.basis.extend(self.w.iter().map(|w| w * b_inv));
                self.beta.push(b);
                previous_beta = b;
            }
        }
    }

    /// Removes from w its components along the first `m` basis vectors: two passes of
    /// classical Gram–Schmidt (c = Qᵀw, w ← w − Qc, as two matrix–vector products) keep the
    /// basis orthogonal to working precision (Kahan's "twice is enough").
    fn orthogonalize_w(&mut self, d: usize, m: usize) {
        if m == 0 {
            return;
        }
        self.coefficients.resize(m, 0.0);
        let q = MatRef::from_column_major_slice(&self.basis[..m * d], d, m);
        for _ in 0..2 {
            let mut c = MatMut::from_column_major_slice_mut(&mut self.coefficients, m, 1);
            matmul(
                c.as_mut(),
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
                MatRef::from_column_major_slice(&self.coefficients, m, 1),
                -1.0,
                Par::Seq,
            );
        }
    }

    fn finish(
        &self,
        d: usize,
        m: usize,
        k: usize,
        values: &[f64],
        s: &Mat<f64>,
        b: f64,
        exact: bool,
        tol: f64,
        hvps: usize,
    ) -> ExtremeEigenvalues {
        let ritz = |col: usize| {
            let residual = if exact {
                0.0
            } else {
                b * s[(m - 1, col)].abs()
            };
            RitzValue {
                value: values[col],
                residual,
                converged: residual <= tol,
            }
        };
        let largest: Vec<RitzValue> = (0..k).map(|i| ritz(m - 1 - i)).collect();
        let smallest = ritz(0);
        let top = self.ritz_vector(d, m, s, m - 1);
        let bottom = self.ritz_vector(d, m, s, 0);
        let converged = largest.iter().all(|r| r.converged)
            && (smallest.converged || !self.options.converge_smallest);
        ExtremeEigenvalues {
            largest,
            smallest,
            top_eigenvector: top,
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

/// Eigen-decomposition of the symmetric tridiagonal matrix with diagonal `alpha` and
/// off-diagonal `beta` (ascending eigenvalues, eigenvectors as columns).
fn tridiagonal_eigen(alpha: &[f64], beta: &[f64]) -> Result<(Vec<f64>, Mat<f64>)> {
    let m = alpha.len();
    let mut t = Mat::<f64>::zeros(m, m);
    for i in 0..m {
        t[(i, i)] = alpha[i];
        if i + 1 < m {
            t[(i + 1, i)] = beta[i];
            t[(i, i + 1)] = beta[i];
        }
    }
    symmetric_eigen_unchecked(t.as_ref())
}
