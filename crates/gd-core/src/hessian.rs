//! The dense Hessian ∇²f(θ), assembled column by column from Hessian-vector products, for
//! small dimensions (linearization, Floquet multipliers, the dense sharpness path).

use crate::error::{CoreError, Result, check_dimension, check_finite, check_nonempty_objective};
use crate::objective::Objective;
use faer::Mat;

/// Largest dimension for which a dense Hessian is assembled: d HVPs and d² doubles
/// (4096² · 8 B = 128 MiB). Above it use Lanczos ([`crate::Lanczos`]).
pub const DENSE_HESSIAN_MAX_DIM: usize = 4096;

/// Returns ∇²f(θ) as a dense symmetric matrix: column i is ∇²f(θ)eᵢ, then the matrix is
/// symmetrized as (H + Hᵀ)/2 to remove rounding asymmetry of the HVPs.
pub fn dense_hessian<O: Objective>(
    objective: &O,
    theta: &[f64],
    workspace: &mut O::Workspace,
) -> Result<Mat<f64>> {
    let d = objective.dim();
    check_dimension("theta", d, theta.len())?;
    check_finite("theta", theta)?;
    check_nonempty_objective(d)?;
    if d > DENSE_HESSIAN_MAX_DIM {
        return Err(CoreError::TooLargeForDense {
            what: "a dense Hessian",
            dim: d,
            limit: DENSE_HESSIAN_MAX_DIM,
        });
    }
    let mut h = Mat::<f64>::zeros(d, d);
    let mut e = vec![0.0; d];
    let mut col = vec![0.0; d];
    for i in 0..d {
        e[i] = 1.0;
        objective.hessian_vector_product(theta, &e, &mut col, workspace);
        e[i] = 0.0;
        for (r, v) in col.iter().enumerate() {
            h[(r, i)] = *v;
        }
    }
    for j in 0..d {
        for i in (j + 1)..d {
            let m = 0.5 * (h[(i, j)] + h[(j, i)]);
            h[(i, j)] = m;
            h[(j, i)] = m;
        }
    }
    for j in 0..d {
        for i in 0..d {
            if !h[(i, j)].is_finite() {
                return Err(CoreError::NonFinite { what: "Hessian" });
            }
        }
    }
    Ok(h)
}
