//! An evenly spaced axis lo..=hi with n points, checked once.

use crate::error::{Result, out_of_range};
use serde::{Deserialize, Serialize};

/// The most points on one axis of an analysis: 2¹⁶ (a 65536² basin map is 4·10⁹ starts; the
/// sweep's memory budget refuses far less).
pub const MAX_AXIS_POINTS: usize = 1 << 16;

/// n evenly spaced values from lo to hi inclusive (lo alone when n = 1).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Axis {
    lo: f64,
    hi: f64,
    n: usize,
}

impl Axis {
    /// The axis, with lo < hi finite (or lo = hi and n = 1) and 1 ≤ n ≤ 2¹⁶.
    ///
    /// # Example
    /// ```
    /// use gd_core::analyses::Axis;
    /// let x = Axis::new(-2.0, 2.0, 5).unwrap();
    /// assert_eq!(x.values(), [-2.0, -1.0, 0.0, 1.0, 2.0]);
    /// assert!(Axis::new(1.0, 0.0, 5).is_err());
    /// ```
    pub fn new(lo: f64, hi: f64, n: usize) -> Result<Self> {
        if !(1..=MAX_AXIS_POINTS).contains(&n) {
            return Err(out_of_range(
                "axis points",
                n,
                format!("in 1..={MAX_AXIS_POINTS}"),
            ));
        }
        if !(lo.is_finite() && hi.is_finite() && (hi - lo).is_finite()) {
            return Err(out_of_range(
                "axis range",
                format!("{lo}..{hi}"),
                "finite ends with a finite width",
            ));
        }
        if !(lo < hi || (lo == hi && n == 1)) {
            return Err(out_of_range(
                "axis range",
                format!("{lo}..{hi}"),
                "lo < hi (or lo = hi with 1 point)",
            ));
        }
        Ok(Self { lo, hi, n })
    }

    /// (lo, hi) as given.
    pub fn bounds(&self) -> (f64, f64) {
        (self.lo, self.hi)
    }

    /// The number of points.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Always false: an axis has at least one point.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Point i: lo + (hi − lo)·i/(n − 1).
    pub fn value(&self, i: usize) -> f64 {
        if self.n == 1 {
            self.lo
        } else {
            self.lo + (self.hi - self.lo) * i as f64 / (self.n - 1) as f64
        }
    }

    /// Every point.
    pub fn values(&self) -> Vec<f64> {
        (0..self.n).map(|i| self.value(i)).collect()
    }
}
