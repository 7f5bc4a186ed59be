//! Synthetic data sets a user regenerates from a seed: two spirals and Gaussian mixtures
//! (classification, one-hot targets) and a teacher network (regression).

use crate::error::{ModelError, Result, invalid};
use crate::labelled_data::MAX_DATA_BYTES;
use crate::linear_data::standard_normal;
use crate::mlp::{Activation, Mlp, MlpLoss};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// Samples as columns: inputs (dim × N) and targets (outputs × N), column-major.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Dataset {
    /// Input dimension.
    pub dim: usize,
    /// Target dimension.
    pub outputs: usize,
    /// Inputs, column-major.
    pub x: Vec<f64>,
    /// Targets, column-major (one-hot for classification).
    pub y: Vec<f64>,
}

impl Dataset {
    /// Number of samples.
    pub fn len(&self) -> usize {
        self.x.len() / self.dim
    }

    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }
}

fn one_hot(classes: usize, label: usize, y: &mut Vec<f64>) {
    y.extend((0..classes).map(|c| if c == label { 1.0 } else { 0.0 }));
}

/// Refuses a generated data set of `samples` samples with `numbers_per_sample` inputs and
/// targets each whose f64 values exceed [`MAX_DATA_BYTES`], before anything is allocated.
pub(crate) fn check_generated_size(
    field: &'static str,
    samples: usize,
    numbers_per_sample: usize,
) -> Result<()> {
    let bytes = samples
        .checked_mul(numbers_per_sample)
        .and_then(|n| n.checked_mul(8));
    if bytes.is_none_or(|b| b > MAX_DATA_BYTES) {
        return invalid(
            field,
            samples,
            format!(
                "at most {} samples of {numbers_per_sample} numbers ({MAX_DATA_BYTES} bytes of f64)",
                MAX_DATA_BYTES / 8 / numbers_per_sample.max(1)
            ),
        );
    }
    Ok(())
}

/// Two interleaved spirals in ℝ², `n` points per class, Gaussian jitter `noise`, seeded.
pub fn two_spirals(n: usize, turns: f64, noise: f64, seed: u64) -> Result<Dataset> {
    if n == 0 {
        return Err(ModelError::Empty { what: "spiral" });
    }
    check_generated_size("points per class", n, 8)?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // bound: `check_generated_size` above.
    let (mut x, mut y) = (Vec::with_capacity(4 * n), Vec::with_capacity(4 * n));
    for _ in 0..n {
        let t: f64 = rng.random_range(0.0..1.0);
        let angle = turns * 2.0 * std::f64::consts::PI * t.sqrt();
        let radius = t.sqrt();
        let jitter = standard_normal(&mut rng, 4);
        for class in 0..2 {
            let sign = if class == 0 { 1.0 } else { -1.0 };
            x.push(sign * radius * angle.cos() + noise * jitter[2 * class]);
            x.push(sign * radius * angle.sin() + noise * jitter[2 * class + 1]);
            one_hot(2, class, &mut y);
        }
    }
    Ok(Dataset {
        dim: 2,
        outputs: 2,
        x,
        y,
    })
}

/// `per_class` points for each of `classes` Gaussian blobs in ℝ^dim with unit variance and
/// centres at distance `separation` from the origin along random directions, seeded.
pub fn gaussian_mixture(
    dim: usize,
    classes: usize,
    per_class: usize,
    separation: f64,
    seed: u64,
) -> Result<Dataset> {
    if dim == 0 || classes < 2 || per_class == 0 {
        return invalid(
            "mixture (dim, classes, per_class)",
            format!("({dim}, {classes}, {per_class})"),
            "dim ≥ 1, classes ≥ 2, per_class ≥ 1",
        );
    }
    check_generated_size(
        "per_class × classes",
        per_class.saturating_mul(classes),
        dim.saturating_add(classes),
    )?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let centres: Vec<Vec<f64>> = (0..classes)
        .map(|_| {
            let g = standard_normal(&mut rng, dim);
            let n = gd_core::vector::norm(&g).max(f64::MIN_POSITIVE);
            g.iter().map(|v| separation * v / n).collect()
        })
        .collect();
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for _ in 0..per_class {
        for (c, centre) in centres.iter().enumerate() {
            let g = standard_normal(&mut rng, dim);
            x.extend(centre.iter().zip(g).map(|(m, v)| m + v));
            one_hot(classes, c, &mut y);
        }
    }
    Ok(Dataset {
        dim,
        outputs: classes,
        x,
        y,
    })
}

/// Regression data from a random teacher MLP (sizes, tanh): inputs N(0, I), targets the
/// teacher's outputs. The teacher is drawn with `seed`, the inputs with `seed + 1`.
pub fn teacher_regression(sizes: &[usize], n: usize, seed: u64) -> Result<Dataset> {
    if n == 0 {
        return Err(ModelError::Empty { what: "sample set" });
    }
    let dim = *sizes.first().ok_or(ModelError::Empty { what: "sizes" })?;
    let outputs = *sizes.last().unwrap_or(&0);
    check_generated_size("samples", n, dim.saturating_add(outputs))?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed.wrapping_add(1));
    let x = standard_normal(&mut rng, dim * n);
    let probe = Mlp::new(
        sizes,
        Activation::Tanh,
        MlpLoss::Squared,
        x.clone(),
        // bound: `check_generated_size` above.
        vec![0.0; outputs * n],
    )?;
    let teacher = probe.initialize(1.0, seed);
    let y = probe.outputs(&teacher);
    Ok(Dataset { dim, outputs, x, y })
}
