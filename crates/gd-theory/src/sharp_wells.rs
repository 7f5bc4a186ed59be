//! Stability limits for the stand-in of Mohtashami, Jaggi & Stich (catalogue, MJS):
//! f(x) = ½x² − A exp(−(x − c)²/(2w²)). The paper's function class, theorem constants and
//! step-size ranges are not available here; these are the same statements (a minimum is
//! reachable only below 2/curvature) for our stand-in's constants A, c, w.

use crate::error::{Result, outside};

/// A critical point of the 1-D stand-in and its curvature f″.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CriticalPoint {
    /// Location.
    pub x: f64,
    /// f″(x).
    pub curvature: f64,
}

fn derivatives(x: f64, depth: f64, center: f64, width: f64) -> (f64, f64, f64) {
    let w2 = width * width;
    let d = x - center;
    let g = depth * (-d * d / (2.0 * w2)).exp();
    let f1 = x + g * d / w2;
    let f2 = 1.0 + g / w2 - g * d * d / (w2 * w2);
    let f3 = -3.0 * g * d / (w2 * w2) + g * d * d * d / (w2 * w2 * w2);
    (f1, f2, f3)
}

/// The minimum of the 1-D stand-in nearest to `start`, by Newton's method on f′ (with the
/// step halved while f″ ≤ 0): a root-finding of the formula, not a GD run.
pub fn stand_in_minimum(depth: f64, center: f64, width: f64, start: f64) -> Result<CriticalPoint> {
    if !(depth > 0.0 && width > 0.0 && center.is_finite() && start.is_finite()) {
        return outside(
            "stand-in constants (A, w, c, start)",
            format!("({depth}, {width}, {center}, {start})"),
            "A > 0, w > 0, c and start finite",
        );
    }
    let mut x = start;
    for _ in 0..200 {
        let (g, h, _) = derivatives(x, depth, center, width);
        let step = if h > 0.0 {
            g / h
        } else {
            g.signum() * width * 0.1
        };
        x -= step;
        if step.abs() <= 1e-15 * x.abs().max(1.0) {
            break;
        }
    }
    let (g, h, _) = derivatives(x, depth, center, width);
    if g.abs() > 1e-10 || h <= 0.0 {
        return outside(
            "start",
            start,
            format!("a start from which Newton finds a minimum (it ended at f′ = {g}, f″ = {h})"),
        );
    }
    Ok(CriticalPoint { x, curvature: h })
}

/// The step range in which GD cannot converge to the sharp minimum but can to the flat one:
/// (2/λ_sharp, 2/λ_flat). Empty (None) unless λ_sharp > λ_flat > 0.
pub fn escape_step_range(sharp_curvature: f64, flat_curvature: f64) -> Option<(f64, f64)> {
    (sharp_curvature > flat_curvature && flat_curvature > 0.0)
        .then(|| (2.0 / sharp_curvature, 2.0 / flat_curvature))
}
