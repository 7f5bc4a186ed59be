//! Nar & Sastry, Theorem 4: two-layer ReLU networks f̂(x) = W relu(V x − b) with fixed b.

use crate::error::{Result, check_eta, outside};

/// Theorem 4 (reconstructed, catalogue ns-thm4): if GD with step η converges to (Ŵ, V̂) from a
/// random init, then almost surely maxᵢ ‖xᵢ‖ ‖f̂(xᵢ)‖ ≤ 1/η for the loss ½ Σᵢ ‖f̂(xᵢ) − yᵢ‖².
/// A loss without the ½ has twice the Hessian, so the bound halves to 1/(2η); a mean over N
/// samples divides the Hessian by N, multiplying the bound by N.
pub fn theorem4_bound(eta: f64, half: bool, mean_over: Option<usize>) -> Result<f64> {
    check_eta(eta)?;
    let mut bound = if half { 1.0 / eta } else { 1.0 / (2.0 * eta) };
    if let Some(n) = mean_over {
        if n == 0 {
            return outside("samples", 0, "at least 1 (Theorem 4 averages over them)");
        }
        bound *= n as f64;
    }
    Ok(bound)
}

/// The quantity Theorem 4 bounds: maxᵢ ‖xᵢ‖ ‖f̂(xᵢ)‖, from per-sample norms.
pub fn theorem4_statistic(input_norms: &[f64], output_norms: &[f64]) -> Result<f64> {
    if input_norms.len() != output_norms.len() || input_norms.is_empty() {
        return outside(
            "input and output norms",
            format!("{} and {} values", input_norms.len(), output_norms.len()),
            "two non-empty lists of equal length (Theorem 4 statistic)",
        );
    }
    Ok(input_norms
        .iter()
        .zip(output_norms)
        .map(|(a, b)| a * b)
        .fold(0.0, f64::max))
}
