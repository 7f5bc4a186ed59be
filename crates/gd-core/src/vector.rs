//! Norms, distances and inner products of flat parameter vectors, accumulated in index order:
//! every crate of the workspace uses these, so that the same vectors give the same bits
//! wherever a result is computed.

/// Euclidean norm ‖x‖₂, accumulated in index order (deterministic).
pub fn norm(x: &[f64]) -> f64 {
    x.iter().map(|v| v * v).sum::<f64>().sqrt()
}

/// Whether ‖x‖₂ is finite and at most `bound`: exactly `norm(x).is_finite() && norm(x) <= bound`,
/// decided from a four-lane sum of squares unless that lies within rounding of the bound.
///
/// Two summation orders of the same n non-negative terms differ by at most 2γ_{n−1} of their
/// sum (γ_k = kε/(1 − kε), Higham, *Accuracy and Stability*, eq. 4.4), so after the square root
/// the two norms differ by less than (n/2 + 1)·ε relatively; outside a band 8 times as wide the
/// four-lane norm decides, inside it [`norm`] does.
pub fn norm_within(x: &[f64], bound: f64) -> bool {
    let chunks = x.chunks_exact(4);
    let tail = chunks.remainder();
    let mut lanes = [0.0_f64; 4];
    for chunk in chunks {
        for (s, v) in lanes.iter_mut().zip(chunk) {
            *s += v * v;
        }
    }
    let fast = tail
        .iter()
        .fold((lanes[0] + lanes[1]) + (lanes[2] + lanes[3]), |s, v| {
            s + v * v
        });
    if fast.is_finite() {
        let size = fast.sqrt();
        let band = 4.0 * (x.len() as f64 + 2.0) * f64::EPSILON;
        if size * (1.0 + band) < bound {
            return true;
        }
        if size * (1.0 - band) > bound {
            return false;
        }
    }
    let size = norm(x);
    size.is_finite() && size <= bound
}

/// Euclidean distance ‖x − y‖₂.
pub fn distance(x: &[f64], y: &[f64]) -> f64 {
    x.iter()
        .zip(y)
        .map(|(a, b)| (a - b) * (a - b))
        .sum::<f64>()
        .sqrt()
}

/// Inner product xᵀy, accumulated in index order.
pub fn dot(x: &[f64], y: &[f64]) -> f64 {
    x.iter().zip(y).map(|(a, b)| a * b).sum()
}
