//! Norms, distances and inner products of flat parameter vectors, accumulated in index order:
//! every crate of the workspace uses these, so that the same vectors give the same bits
//! wherever a result is computed.

/// Euclidean norm ‖x‖₂, accumulated in index order (deterministic).
pub fn norm(x: &[f64]) -> f64 {
    x.iter().map(|v| v * v).sum::<f64>().sqrt()
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
