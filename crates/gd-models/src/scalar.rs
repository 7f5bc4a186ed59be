//! One-dimensional objectives f: ℝ → ℝ from closures (f, f′, f″), and Nar & Sastry's
//! examples: f1 = (2/3)|x|^{3/2} (Example 1), f2 = (x²+1)(x−1)²(x−2)² (Example 2, Figure 1),
//! f3 = x^L for even L > 2 (Example 3).

use crate::error::{Result, invalid};
use gd_core::Objective;
use std::sync::Arc;

type ScalarFn = Arc<dyn Fn(f64) -> f64 + Send + Sync>;

/// A scalar objective given by its value, first and second derivative.
#[derive(Clone)]
pub struct Scalar {
    name: String,
    f: ScalarFn,
    df: ScalarFn,
    d2f: ScalarFn,
}

impl std::fmt::Debug for Scalar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Scalar({})", self.name)
    }
}

impl Scalar {
    /// A scalar objective from closures; the caller vouches that `df` and `d2f` are the
    /// derivatives of `f` (check with `gd_core::finite_difference`).
    pub fn new(
        name: impl Into<String>,
        f: impl Fn(f64) -> f64 + Send + Sync + 'static,
        df: impl Fn(f64) -> f64 + Send + Sync + 'static,
        d2f: impl Fn(f64) -> f64 + Send + Sync + 'static,
    ) -> Self {
        Self {
            name: name.into(),
            f: Arc::new(f),
            df: Arc::new(df),
            d2f: Arc::new(d2f),
        }
    }

    /// The name given at construction.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// f(x).
    pub fn value(&self, x: f64) -> f64 {
        (self.f)(x)
    }

    /// f′(x).
    pub fn derivative(&self, x: f64) -> f64 {
        (self.df)(x)
    }

    /// f″(x).
    pub fn second_derivative(&self, x: f64) -> f64 {
        (self.d2f)(x)
    }

    /// One GD step x − ηf′(x).
    pub fn gd_map(&self, x: f64, eta: f64) -> f64 {
        x - eta * (self.df)(x)
    }
}

impl Objective for Scalar {
    type Workspace = ();
    fn dim(&self) -> usize {
        1
    }
    fn workspace(&self) {}
    fn loss(&self, theta: &[f64], _: &mut ()) -> f64 {
        (self.f)(theta[0])
    }
    fn loss_and_gradient(&self, theta: &[f64], gradient: &mut [f64], _: &mut ()) -> f64 {
        gradient[0] = (self.df)(theta[0]);
        (self.f)(theta[0])
    }
    fn hessian_vector_product(&self, theta: &[f64], v: &[f64], out: &mut [f64], _: &mut ()) {
        out[0] = (self.d2f)(theta[0]) * v[0];
    }
}

/// Example 1: f1(x) = (2/3)|x|^{3/2}, f1′ = sign(x)√|x|, f1″ = 1/(2√|x|) (+∞ at 0, where f1
/// is not twice differentiable).
pub fn example1() -> Scalar {
    Scalar::new(
        "f1 = (2/3)|x|^(3/2)",
        |x: f64| 2.0 / 3.0 * x.abs().powf(1.5),
        |x: f64| {
            if x == 0.0 {
                0.0
            } else {
                x.signum() * x.abs().sqrt()
            }
        },
        |x: f64| 0.5 / x.abs().sqrt(),
    )
}

/// f2(x) = (x²+1)(x−1)²(x−2)² evaluated as the product (no cancellation near the minima).
#[inline]
pub fn f2_value(x: f64) -> f64 {
    let p = (x - 1.0) * (x - 2.0);
    (x * x + 1.0) * p * p
}

/// f2′(x) = 2x p² + 2(x²+1) p (2x − 3) with p = (x−1)(x−2): exactly zero at both minima.
#[inline]
pub fn f2_derivative(x: f64) -> f64 {
    let p = (x - 1.0) * (x - 2.0);
    2.0 * p * (x * p + (x * x + 1.0) * (2.0 * x - 3.0))
}

/// f2″(x) = 30x⁴ − 120x³ + 168x² − 108x + 34 (f2″(1) = 4, f2″(2) = 10).
#[inline]
pub fn f2_second_derivative(x: f64) -> f64 {
    (((30.0 * x - 120.0) * x + 168.0) * x - 108.0) * x + 34.0
}

/// Example 2: f2(x) = (x²+1)(x−1)²(x−2)², two global minima x = 1 (f″ = 4, stable for
/// η < 0.5) and x = 2 (f″ = 10, stable for η < 0.2).
pub fn example2() -> Scalar {
    Scalar::new(
        "f2 = (x^2+1)(x-1)^2(x-2)^2",
        f2_value,
        f2_derivative,
        f2_second_derivative,
    )
}

/// Example 3: f3(x) = x^L for even L > 2.
pub fn example3(l: u32) -> Result<Scalar> {
    if l <= 2 || !l.is_multiple_of(2) {
        return invalid("power L", l, "even and > 2 (Example 3)");
    }
    let li = l as i32;
    let lf = l as f64;
    Ok(Scalar::new(
        format!("f3 = x^{l}"),
        move |x: f64| x.powi(li),
        move |x: f64| lf * x.powi(li - 1),
        move |x: f64| lf * (lf - 1.0) * x.powi(li - 2),
    ))
}
