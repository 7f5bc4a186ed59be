//! Li, Wei & Ma's two-pattern distribution (NeurIPS 2019, arXiv 1907.04595, §3), at CPU
//! scale: each example carries a pattern P that is easy to fit but hard to generalize, a
//! pattern Q that is hard to fit but easy to generalize, or both. Their argument: a small
//! step memorizes Q first, so the examples that carry both stop teaching P, and the model
//! generalizes worse on examples with P alone; a large step's noise cannot resolve Q's small
//! scale, so it learns P from every example first.
//!
//! The paper's exact parameters are not recoverable from the text we have; the construction
//! below follows its description and its parameters are ours:
//! - label y ∈ {0, 1}, equally likely;
//! - P: x₁ ∈ ℝ^p drawn from N(0, s²I) and reflected across the hyperplane w⋆ᵀx₁ = 0 so that
//!   its side gives the label (w⋆ = (1, …, 1)/√p): linearly separable, so easy to fit, but a
//!   linear rule in p dimensions needs on the order of p examples per error rate to generalize;
//! - Q: x₂ ∈ ℝ² at z = (1, 0) for y = 1 and at z ± ζ·(0, 1) (sign at random) for y = 0, plus
//!   N(0, σ²I) with σ ≪ ζ: three tight clusters, learned from a handful of examples, but not
//!   linearly separable (the class in the middle) and at the small scale ζ;
//! - each example carries P alone (x₂ = 0), Q alone (x₁ = 0) or both, with fixed fractions.

use crate::datasets::{Dataset, check_generated_size};
use crate::error::{Result, invalid};
use crate::linear_data::standard_normal;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// Parameters of the distribution.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TwoPatterns {
    /// Dimension p of the pattern P.
    pub p_dim: usize,
    /// Standard deviation of each coordinate of x₁ (1/√p gives ‖x₁‖ ≈ 1, Q's scale).
    pub p_scale: f64,
    /// Half-distance ζ between Q's clusters.
    pub zeta: f64,
    /// Standard deviation σ of Q's clusters.
    pub q_noise: f64,
    /// Fraction of examples with P alone.
    pub p_only: f64,
    /// Fraction of examples with Q alone.
    pub q_only: f64,
}

/// Which patterns an example carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Pattern {
    /// P alone (x₂ = 0).
    POnly,
    /// Q alone (x₁ = 0).
    QOnly,
    /// Both.
    Both,
}

/// Examples with their patterns: inputs (p + 2 per column: x₁ then x₂), one-hot targets of two
/// classes, and each example's label and pattern.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PatternedData {
    /// Inputs and one-hot targets.
    pub data: Dataset,
    /// Label of each example (0 or 1).
    pub labels: Vec<usize>,
    /// Pattern of each example.
    pub patterns: Vec<Pattern>,
}

impl TwoPatterns {
    /// Checks the parameters: p ≥ 1, 0 ≤ σ < ζ finite, fractions in [0, 1] summing to ≤ 1.
    pub fn check(&self) -> Result<()> {
        if self.p_dim == 0 {
            return invalid("p_dim", 0, "at least 1");
        }
        if !(self.p_scale.is_finite() && self.p_scale > 0.0) {
            return invalid("p_scale", self.p_scale, "finite and > 0");
        }
        if !(self.zeta.is_finite() && self.zeta > 0.0) {
            return invalid("zeta", self.zeta, "finite and > 0");
        }
        if !(self.q_noise.is_finite() && self.q_noise >= 0.0 && self.q_noise < self.zeta) {
            return invalid("q_noise", self.q_noise, "finite, ≥ 0 and < zeta");
        }
        for (name, f) in [("p_only", self.p_only), ("q_only", self.q_only)] {
            if !(0.0..=1.0).contains(&f) {
                return invalid(name, f, "in [0, 1]");
            }
        }
        if self.p_only + self.q_only > 1.0 {
            return invalid(
                "p_only + q_only",
                self.p_only + self.q_only,
                "at most 1 (the rest carry both patterns)",
            );
        }
        Ok(())
    }

    /// Input dimension p + 2.
    pub fn dim(&self) -> usize {
        self.p_dim + 2
    }

    /// `n` examples drawn from the distribution, seeded.
    pub fn sample(&self, n: usize, seed: u64) -> Result<PatternedData> {
        self.check()?;
        if n == 0 {
            return invalid("examples", 0, "at least 1");
        }
        let dim = self.dim();
        check_generated_size("examples", n, dim + 2)?;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let w = 1.0 / (self.p_dim as f64).sqrt();
        // bound: `check_generated_size` above.
        let mut data = Dataset {
            dim,
            outputs: 2,
            x: Vec::with_capacity(n * dim),
            y: Vec::with_capacity(2 * n),
        };
        // bound: `check_generated_size` above.
        let (mut labels, mut patterns) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for _ in 0..n {
            let label = usize::from(rng.random::<bool>());
            let u: f64 = rng.random();
            let pattern = if u < self.p_only {
                Pattern::POnly
            } else if u < self.p_only + self.q_only {
                Pattern::QOnly
            } else {
                Pattern::Both
            };
            let mut x1 = standard_normal(&mut rng, self.p_dim);
            for v in x1.iter_mut() {
                *v *= self.p_scale;
            }
            let side: f64 = x1.iter().sum::<f64>() * w;
            let wanted = if label == 1 { 1.0 } else { -1.0 };
            if side * wanted < 0.0 {
                for v in x1.iter_mut() {
                    *v -= 2.0 * side * w;
                }
            }
            let jitter = standard_normal(&mut rng, 2);
            let offset = if label == 1 {
                0.0
            } else if rng.random::<bool>() {
                self.zeta
            } else {
                -self.zeta
            };
            let x2 = [
                1.0 + self.q_noise * jitter[0],
                offset + self.q_noise * jitter[1],
            ];
            match pattern {
                Pattern::QOnly => data.x.extend(std::iter::repeat_n(0.0, self.p_dim)),
                _ => data.x.extend_from_slice(&x1),
            }
            match pattern {
                Pattern::POnly => data.x.extend_from_slice(&[0.0, 0.0]),
                _ => data.x.extend_from_slice(&x2),
            }
            data.y
                .extend_from_slice(if label == 0 { &[1.0, 0.0] } else { &[0.0, 1.0] });
            labels.push(label);
            patterns.push(pattern);
        }
        Ok(PatternedData {
            data,
            labels,
            patterns,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> TwoPatterns {
        TwoPatterns {
            p_dim: 12,
            p_scale: 1.0,
            zeta: 0.2,
            q_noise: 0.01,
            p_only: 0.2,
            q_only: 0.2,
        }
    }

    #[test]
    fn each_pattern_determines_the_label_as_constructed() {
        let t = params();
        let s = t.sample(4000, 7).unwrap();
        let (p, dim) = (t.p_dim, t.dim());
        for (i, (&label, &pattern)) in s.labels.iter().zip(&s.patterns).enumerate() {
            let x = &s.data.x[i * dim..(i + 1) * dim];
            let (x1, x2) = x.split_at(p);
            // P: the side of w⋆ᵀx₁ = 0 is the label (linearly separable, no margin noise).
            if pattern != Pattern::QOnly {
                assert_eq!(usize::from(x1.iter().sum::<f64>() > 0.0), label);
            } else {
                assert!(x1.iter().all(|v| *v == 0.0));
            }
            // Q: label 1 at the middle cluster, label 0 at ±ζ; clusters 10σ apart at least.
            if pattern != Pattern::POnly {
                assert!((x2[0] - 1.0).abs() < 6.0 * t.q_noise);
                let middle = x2[1].abs() < t.zeta / 2.0;
                assert_eq!(usize::from(middle), label, "{x2:?}");
            } else {
                assert_eq!(x2, [0.0, 0.0]);
            }
            assert_eq!(s.data.y[2 * i + label], 1.0);
        }
    }

    #[test]
    fn fractions_and_labels_are_as_asked_within_binomial_error() {
        let t = params();
        let n = 10_000;
        let s = t.sample(n, 11).unwrap();
        let share = |f: &dyn Fn(usize) -> bool| (0..n).filter(|i| f(*i)).count() as f64 / n as f64;
        // 4 binomial standard errors: √(f(1 − f)/n) ≤ 0.005 at n = 10⁴.
        for (got, want) in [
            (share(&|i| s.patterns[i] == Pattern::POnly), 0.2),
            (share(&|i| s.patterns[i] == Pattern::QOnly), 0.2),
            (share(&|i| s.patterns[i] == Pattern::Both), 0.6),
            (share(&|i| s.labels[i] == 1), 0.5),
        ] {
            assert!(
                (got - want).abs() < 4.0 * (want * (1.0 - want) / n as f64).sqrt(),
                "{got} vs {want}"
            );
        }
    }

    #[test]
    fn q_is_not_linearly_separable_and_p_is() {
        // Along Q's axis the label-1 cluster lies between the two label-0 clusters: no
        // threshold on x₂ separates them, while the sign of w⋆ᵀx₁ does for P (above).
        let t = params();
        let s = t.sample(2000, 3).unwrap();
        let dim = t.dim();
        let q: Vec<(f64, usize)> = (0..2000)
            .filter(|i| s.patterns[*i] != Pattern::POnly)
            .map(|i| (s.data.x[i * dim + t.p_dim + 1], s.labels[i]))
            .collect();
        let max_of = |l: usize| {
            q.iter()
                .filter(|(_, y)| *y == l)
                .map(|(v, _)| *v)
                .fold(f64::MIN, f64::max)
        };
        let min_of = |l: usize| {
            q.iter()
                .filter(|(_, y)| *y == l)
                .map(|(v, _)| *v)
                .fold(f64::MAX, f64::min)
        };
        assert!(min_of(0) < min_of(1) && max_of(1) < max_of(0));
    }

    #[test]
    fn the_same_seed_gives_the_same_bits_and_bad_parameters_are_named() {
        let t = params();
        assert_eq!(t.sample(50, 5).unwrap(), t.sample(50, 5).unwrap());
        assert_ne!(t.sample(50, 5).unwrap(), t.sample(50, 6).unwrap());
        let bad = TwoPatterns { q_noise: 0.3, ..t };
        assert!(
            bad.sample(10, 1)
                .unwrap_err()
                .to_string()
                .contains("q_noise")
        );
        let bad = TwoPatterns {
            p_only: 0.7,
            q_only: 0.5,
            ..t
        };
        assert!(
            bad.sample(10, 1)
                .unwrap_err()
                .to_string()
                .contains("p_only + q_only")
        );
        assert!(t.sample(0, 1).unwrap_err().to_string().contains("examples"));
    }
}
