//! Eigenvalues of dense matrices through faer, with the input validated first (faer returns
//! Ok(NaN) for NaN input and reads one triangle only) and parallelism pinned to `Par::Seq`,
//! so that the bits never depend on the machine's thread count.

use crate::error::{CoreError, Result};
use faer::diag::Diag;
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::evd::{self, ComputeEigenvectors};
use faer::linalg::svd::{self, ComputeSvdVectors};
use faer::{Mat, MatRef, Par};
use serde::{Deserialize, Serialize};

/// Asymmetry accepted in a "symmetric" matrix, relative to its largest entry: a Hessian
/// assembled from d Hessian-vector products carries rounding of a few ε per entry.
pub const SYMMETRY_TOLERANCE: f64 = 1e-8;

/// A complex eigenvalue as (re, im), serializable.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Complex {
    /// Real part.
    pub re: f64,
    /// Imaginary part.
    pub im: f64,
}

impl Complex {
    /// |z|.
    pub fn modulus(self) -> f64 {
        self.re.hypot(self.im)
    }
}

fn validate_square(what: &'static str, a: MatRef<'_, f64>) -> Result<()> {
    if a.nrows() != a.ncols() {
        return Err(CoreError::DimensionMismatch {
            what,
            expected: a.nrows(),
            found: a.ncols(),
        });
    }
    for j in 0..a.ncols() {
        for i in 0..a.nrows() {
            if !a[(i, j)].is_finite() {
                return Err(CoreError::NonFinite { what });
            }
        }
    }
    Ok(())
}

/// Returns the largest |a_ij − a_ji| of a square matrix.
pub fn asymmetry(a: MatRef<'_, f64>) -> f64 {
    let n = a.nrows();
    let mut worst = 0.0_f64;
    for j in 0..n {
        for i in (j + 1)..n {
            worst = worst.max((a[(i, j)] - a[(j, i)]).abs());
        }
    }
    worst
}

/// Checks that `a` is square, finite and symmetric within [`SYMMETRY_TOLERANCE`].
pub fn validate_symmetric(what: &'static str, a: MatRef<'_, f64>) -> Result<()> {
    validate_square(what, a)?;
    let scale = (0..a.ncols())
        .flat_map(|j| (0..a.nrows()).map(move |i| (i, j)))
        .fold(0.0_f64, |m, (i, j)| m.max(a[(i, j)].abs()));
    let asym = asymmetry(a);
    let tolerance = SYMMETRY_TOLERANCE * scale.max(f64::MIN_POSITIVE);
    if asym > tolerance {
        return Err(CoreError::NotSymmetric {
            what,
            asymmetry: asym,
            tolerance,
        });
    }
    Ok(())
}

/// Eigenvalues of a symmetric matrix in ascending order (validated; lower triangle read).
pub fn symmetric_eigenvalues(a: MatRef<'_, f64>) -> Result<Vec<f64>> {
    validate_symmetric("symmetric matrix", a)?;
    symmetric_eigenvalues_unchecked(a)
}

/// Eigenvalues of a symmetric matrix known to be finite, ascending; reads the lower triangle.
pub(crate) fn symmetric_eigenvalues_unchecked(a: MatRef<'_, f64>) -> Result<Vec<f64>> {
    let n = a.nrows();
    let par = Par::Seq;
    let mut buf = MemBuffer::new(evd::self_adjoint_evd_scratch::<f64>(
        n,
        ComputeEigenvectors::No,
        par,
        Default::default(),
    ));
    let mut s = Diag::<f64>::zeros(n);
    evd::self_adjoint_evd(
        a,
        s.as_mut(),
        None,
        par,
        MemStack::new(&mut buf),
        Default::default(),
    )
    .map_err(CoreError::Eigen)?;
    Ok((0..n).map(|i| s.column_vector()[i]).collect())
}

/// Eigenvalues (ascending) and eigenvectors (columns, same order) of a symmetric matrix,
/// validated (finite, symmetric within [`SYMMETRY_TOLERANCE`]).
pub fn symmetric_eigen(a: MatRef<'_, f64>) -> Result<(Vec<f64>, Mat<f64>)> {
    validate_symmetric("symmetric matrix", a)?;
    symmetric_eigen_unchecked(a)
}

/// Eigenvalues (ascending) and eigenvectors (columns, same order) of a symmetric matrix
/// known to be finite; reads the lower triangle.
pub(crate) fn symmetric_eigen_unchecked(a: MatRef<'_, f64>) -> Result<(Vec<f64>, Mat<f64>)> {
    let n = a.nrows();
    let par = Par::Seq;
    let mut buf = MemBuffer::new(evd::self_adjoint_evd_scratch::<f64>(
        n,
        ComputeEigenvectors::Yes,
        par,
        Default::default(),
    ));
    let mut s = Diag::<f64>::zeros(n);
    let mut u = Mat::<f64>::zeros(n, n);
    evd::self_adjoint_evd(
        a,
        s.as_mut(),
        Some(u.as_mut()),
        par,
        MemStack::new(&mut buf),
        Default::default(),
    )
    .map_err(CoreError::Eigen)?;
    Ok(((0..n).map(|i| s.column_vector()[i]).collect(), u))
}

/// Eigenvalues of a general real square matrix, sorted by decreasing modulus, then by
/// decreasing argument, so that the order is reproducible (faer's order is unspecified).
pub fn general_eigenvalues(a: MatRef<'_, f64>) -> Result<Vec<Complex>> {
    validate_square("matrix", a)?;
    let n = a.nrows();
    if n == 0 {
        return Ok(Vec::new());
    }
    let par = Par::Seq;
    let mut buf = MemBuffer::new(evd::evd_scratch::<f64>(
        n,
        ComputeEigenvectors::No,
        ComputeEigenvectors::No,
        par,
        Default::default(),
    ));
    let mut re = Diag::<f64>::zeros(n);
    let mut im = Diag::<f64>::zeros(n);
    evd::evd_real(
        a,
        re.as_mut(),
        im.as_mut(),
        None,
        None,
        par,
        MemStack::new(&mut buf),
        Default::default(),
    )
    .map_err(CoreError::Eigen)?;
    let mut z: Vec<Complex> = (0..n)
        .map(|i| Complex {
            re: re.column_vector()[i],
            im: im.column_vector()[i],
        })
        .collect();
    z.sort_by(|a, b| {
        b.modulus()
            .total_cmp(&a.modulus())
            .then(b.im.atan2(b.re).total_cmp(&a.im.atan2(a.re)))
    });
    Ok(z)
}

/// A thin singular value decomposition A = U diag(s) Vᵀ, singular values descending.
#[derive(Clone, Debug)]
pub struct ThinSvd {
    /// Left singular vectors (m × k), k = min(m, n).
    pub u: Mat<f64>,
    /// Singular values, descending.
    pub s: Vec<f64>,
    /// Right singular vectors (n × k).
    pub v: Mat<f64>,
}

/// The thin SVD of a finite matrix, sequential (bit-reproducible).
pub fn thin_svd(a: MatRef<'_, f64>) -> Result<ThinSvd> {
    for j in 0..a.ncols() {
        for i in 0..a.nrows() {
            if !a[(i, j)].is_finite() {
                return Err(CoreError::NonFinite { what: "matrix" });
            }
        }
    }
    let (m, n) = (a.nrows(), a.ncols());
    let k = m.min(n);
    let par = Par::Seq;
    let mut buf = MemBuffer::new(svd::svd_scratch::<f64>(
        m,
        n,
        ComputeSvdVectors::Thin,
        ComputeSvdVectors::Thin,
        par,
        Default::default(),
    ));
    let mut s = Diag::<f64>::zeros(k);
    let mut u = Mat::<f64>::zeros(m, k);
    let mut v = Mat::<f64>::zeros(n, k);
    svd::svd(
        a,
        s.as_mut(),
        Some(u.as_mut()),
        Some(v.as_mut()),
        par,
        MemStack::new(&mut buf),
        Default::default(),
    )
    .map_err(CoreError::Svd)?;
    Ok(ThinSvd {
        u,
        s: (0..k).map(|i| s.column_vector()[i]).collect(),
        v,
    })
}
