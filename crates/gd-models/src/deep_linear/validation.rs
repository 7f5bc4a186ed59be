//! The deep linear network's input checks: shapes, finiteness, and widths within
//! [`MAX_PARAMETERS`], before anything is allocated.

use crate::error::{ModelError, Result, invalid};
use faer::MatRef;

pub(super) fn shape_error(
    what: &'static str,
    expected: (usize, usize),
    found: (usize, usize),
) -> ModelError {
    ModelError::Shape {
        what,
        expected: format!("{} x {}", expected.0, expected.1),
        found: format!("{} x {}", found.0, found.1),
    }
}

pub(super) fn check_finite(what: &'static str, m: MatRef<'_, f64>) -> Result<()> {
    for j in 0..m.ncols() {
        for i in 0..m.nrows() {
            if !m[(i, j)].is_finite() {
                return Err(ModelError::NonFinite { what });
            }
        }
    }
    Ok(())
}

/// The most parameters (and entries of the n_0 × n_0 input covariance) a deep linear net may
/// have: 2²⁸, i.e. 2 GiB of f64, checked before anything is allocated.
pub const MAX_PARAMETERS: usize = 1 << 28;

/// Checks n_0..n_L: at least two widths, none zero, and Σ n_j·n_(j−1) and n_0² within
/// [`MAX_PARAMETERS`] (overflow-checked).
pub(super) fn check_widths(widths: &[usize]) -> Result<()> {
    if widths.len() < 2 {
        return invalid(
            "widths",
            format!("{widths:?}"),
            "n_0..n_L with L ≥ 1 (at least 2 widths)",
        );
    }
    if widths.contains(&0) {
        return Err(ModelError::Empty {
            what: "layer width",
        });
    }
    let parameters = widths
        .windows(2)
        .try_fold(0_usize, |sum, w| sum.checked_add(w[0].checked_mul(w[1])?));
    let covariance = widths[0].checked_mul(widths[0]);
    match (parameters, covariance) {
        (Some(p), Some(c)) if p <= MAX_PARAMETERS && c <= MAX_PARAMETERS => Ok(()),
        _ => invalid(
            "widths",
            format!("{widths:?}"),
            format!(
                "at most {MAX_PARAMETERS} parameters and n_0² ≤ {MAX_PARAMETERS} (2 GiB of f64)"
            ),
        ),
    }
}
