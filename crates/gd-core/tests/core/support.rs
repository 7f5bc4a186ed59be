//! Small objectives with known derivatives for gd-core's own tests.

use gd_core::{Objective, SampleObjective};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// f(θ) = ½θᵀAθ for a dense symmetric A (row-major).
pub struct Quadratic {
    pub d: usize,
    pub a: Vec<f64>,
}

impl Quadratic {
    /// A = Q diag(spectrum) Qᵀ with a seeded random orthogonal Q (Gram–Schmidt).
    pub fn with_spectrum(spectrum: &[f64], seed: u64) -> Self {
        let d = spectrum.len();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut q: Vec<Vec<f64>> = Vec::with_capacity(d);
        while q.len() < d {
            let mut v: Vec<f64> = (0..d).map(|_| rng.random_range(-1.0..1.0)).collect();
            for _ in 0..2 {
                for u in &q {
                    let c: f64 = u.iter().zip(&v).map(|(a, b)| a * b).sum();
                    v.iter_mut().zip(u).for_each(|(x, y)| *x -= c * y);
                }
            }
            let n = v.iter().map(|x| x * x).sum::<f64>().sqrt();
            if n > 1e-8 {
                v.iter_mut().for_each(|x| *x /= n);
                q.push(v);
            }
        }
        let mut a = vec![0.0; d * d];
        for i in 0..d {
            for j in 0..=i {
                let s: f64 = (0..d).map(|k| q[k][i] * spectrum[k] * q[k][j]).sum();
                a[i * d + j] = s;
                a[j * d + i] = s;
            }
        }
        Self { d, a }
    }

    fn apply(&self, x: &[f64], out: &mut [f64]) {
        for i in 0..self.d {
            out[i] = self.a[i * self.d..(i + 1) * self.d]
                .iter()
                .zip(x)
                .map(|(a, b)| a * b)
                .sum();
        }
    }
}

impl Objective for Quadratic {
    type Workspace = Vec<f64>;
    fn dim(&self) -> usize {
        self.d
    }
    fn workspace(&self) -> Vec<f64> {
        vec![0.0; self.d]
    }
    fn loss(&self, theta: &[f64], ws: &mut Vec<f64>) -> f64 {
        self.apply(theta, ws);
        0.5 * ws.iter().zip(theta).map(|(a, b)| a * b).sum::<f64>()
    }
    fn loss_and_gradient(&self, theta: &[f64], g: &mut [f64], _: &mut Vec<f64>) -> f64 {
        self.apply(theta, g);
        0.5 * g.iter().zip(theta).map(|(a, b)| a * b).sum::<f64>()
    }
    fn hessian_vector_product(&self, _: &[f64], v: &[f64], out: &mut [f64], _: &mut Vec<f64>) {
        self.apply(v, out);
    }
}

/// A one-dimensional objective from its value, derivative and second derivative.
#[derive(Clone, Copy)]
pub struct Scalar {
    pub f: fn(f64) -> f64,
    pub df: fn(f64) -> f64,
    pub d2f: fn(f64) -> f64,
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
    fn loss_and_gradient(&self, theta: &[f64], g: &mut [f64], _: &mut ()) -> f64 {
        g[0] = (self.df)(theta[0]);
        (self.f)(theta[0])
    }
    fn hessian_vector_product(&self, theta: &[f64], v: &[f64], out: &mut [f64], _: &mut ()) {
        out[0] = (self.d2f)(theta[0]) * v[0];
    }
}

/// Nar & Sastry Example 1: f1(x) = (2/3)|x|^{3/2}.
pub fn f1() -> Scalar {
    Scalar {
        f: |x| 2.0 / 3.0 * x.abs().powf(1.5),
        df: |x| x.signum() * x.abs().sqrt(),
        d2f: |x| 0.5 / x.abs().sqrt(),
    }
}

/// Nar & Sastry Example 2: f2(x) = (x²+1)(x−1)²(x−2)².
pub fn f2() -> Scalar {
    Scalar {
        f: |x| (x * x + 1.0) * (x - 1.0).powi(2) * (x - 2.0).powi(2),
        df: |x| {
            let p = (x - 1.0) * (x - 2.0);
            2.0 * x * p * p + (x * x + 1.0) * 2.0 * p * (2.0 * x - 3.0)
        },
        d2f: |x| {
            // f2 = x⁶ − 6x⁵ + 14x⁴ − 18x³ + 17x² − 12x + 4
            30.0 * x.powi(4) - 120.0 * x.powi(3) + 168.0 * x * x - 108.0 * x + 34.0
        },
    }
}

/// Least squares (1/N) Σ ½(aᵢᵀθ − yᵢ)² with an exact solution (interpolation).
pub struct LeastSquares {
    pub d: usize,
    pub rows: Vec<Vec<f64>>,
    pub targets: Vec<f64>,
}

impl LeastSquares {
    pub fn interpolating(n: usize, d: usize, seed: u64) -> (Self, Vec<f64>) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let solution: Vec<f64> = (0..d).map(|_| rng.random_range(-1.0..1.0)).collect();
        let rows: Vec<Vec<f64>> = (0..n)
            .map(|_| (0..d).map(|_| rng.random_range(-1.0..1.0)).collect())
            .collect();
        let targets = rows
            .iter()
            .map(|r| r.iter().zip(&solution).map(|(a, b)| a * b).sum())
            .collect();
        (Self { d, rows, targets }, solution)
    }

    fn accumulate(
        &self,
        theta: &[f64],
        idx: &mut dyn Iterator<Item = usize>,
        scale: f64,
        g: &mut [f64],
    ) -> f64 {
        g.fill(0.0);
        let mut loss = 0.0;
        for i in idx {
            let r: f64 = self.rows[i]
                .iter()
                .zip(theta)
                .map(|(a, b)| a * b)
                .sum::<f64>()
                - self.targets[i];
            loss += 0.5 * r * r * scale;
            g.iter_mut()
                .zip(&self.rows[i])
                .for_each(|(gj, a)| *gj += scale * r * a);
        }
        loss
    }
}

impl Objective for LeastSquares {
    type Workspace = Vec<f64>;
    fn dim(&self) -> usize {
        self.d
    }
    fn workspace(&self) -> Vec<f64> {
        vec![0.0; self.d]
    }
    fn loss(&self, theta: &[f64], ws: &mut Vec<f64>) -> f64 {
        let n = self.rows.len();
        self.accumulate(theta, &mut (0..n), 1.0 / n as f64, ws)
    }
    fn loss_and_gradient(&self, theta: &[f64], g: &mut [f64], _: &mut Vec<f64>) -> f64 {
        let n = self.rows.len();
        self.accumulate(theta, &mut (0..n), 1.0 / n as f64, g)
    }
    fn hessian_vector_product(&self, _: &[f64], v: &[f64], out: &mut [f64], _: &mut Vec<f64>) {
        let n = self.rows.len() as f64;
        out.fill(0.0);
        for row in &self.rows {
            let av: f64 = row.iter().zip(v).map(|(a, b)| a * b).sum();
            out.iter_mut().zip(row).for_each(|(o, a)| *o += av * a / n);
        }
    }
}

impl SampleObjective for LeastSquares {
    fn num_samples(&self) -> usize {
        self.rows.len()
    }
    fn minibatch_loss_and_gradient(
        &self,
        theta: &[f64],
        batch: &[usize],
        g: &mut [f64],
        _: &mut Vec<f64>,
    ) -> f64 {
        self.accumulate(
            theta,
            &mut batch.iter().copied(),
            1.0 / batch.len() as f64,
            g,
        )
    }
}

/// The logistic map g(x) = r·x(1 − x) written as a GD map with step η: f′(x) = (x − g(x))/η,
/// so that x − ηf′(x) = g(x) up to rounding. Its multiplier at x is g′(x) = r(1 − 2x).
#[derive(Clone, Copy)]
pub struct Logistic {
    pub r: f64,
    pub eta: f64,
}

impl Logistic {
    pub fn derivative(&self, x: f64) -> f64 {
        (x - self.r * x * (1.0 - x)) / self.eta
    }
}

impl Objective for Logistic {
    type Workspace = ();
    fn dim(&self) -> usize {
        1
    }
    fn workspace(&self) {}
    fn loss(&self, theta: &[f64], _: &mut ()) -> f64 {
        let x = theta[0];
        (0.5 * x * x - self.r * (0.5 * x * x - x * x * x / 3.0)) / self.eta
    }
    fn loss_and_gradient(&self, theta: &[f64], g: &mut [f64], ws: &mut ()) -> f64 {
        g[0] = self.derivative(theta[0]);
        self.loss(theta, ws)
    }
    fn hessian_vector_product(&self, theta: &[f64], v: &[f64], out: &mut [f64], _: &mut ()) {
        out[0] = (1.0 - self.r * (1.0 - 2.0 * theta[0])) / self.eta * v[0];
    }
}
