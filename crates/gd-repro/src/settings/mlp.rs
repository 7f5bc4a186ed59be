//! The small network of the Mohtashami et al. experiments at CPU scale: a tanh MLP fitted to a
//! random teacher MLP with the squared loss (an over-parametrized regression with a manifold
//! of zero-loss minima of varying sharpness). Paper values: not available; the paper trains a
//! ResNet-18 on CIFAR-10 on a GPU.

use crate::error::Result;
use crate::field_check::Fields;
use gd_models::datasets::teacher_regression;
use gd_models::{Activation, Mlp, MlpLoss};
use serde::{Deserialize, Serialize};

/// The network and data.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MlpSetting {
    /// Teacher layer sizes.
    pub teacher: Vec<usize>,
    /// Student layer sizes.
    pub student: Vec<usize>,
    /// Training samples.
    pub samples: usize,
    /// Gain of the student's Gaussian initialization.
    pub init_gain: f64,
    /// Seed of teacher and data.
    pub data_seed: u64,
    /// Seed of the student's initialization.
    pub init_seed: u64,
}

impl Default for MlpSetting {
    fn default() -> Self {
        Self {
            teacher: vec![3, 6, 1],
            student: vec![3, 12, 1],
            samples: 20,
            init_gain: 1.0,
            data_seed: 21,
            init_seed: 22,
        }
    }
}

impl MlpSetting {
    /// Checks the sizes (at least input and output, none zero, student and teacher with the
    /// same input and output widths, at most [`crate::MAX_TASKS`] weights each), the sample
    /// count and the gain; `prefix` is the field's name in the experiment's config.
    pub fn check(&self, f: &Fields, prefix: &str) -> Result<()> {
        for (name, sizes) in [("teacher", &self.teacher), ("student", &self.student)] {
            let field = format!("{prefix}.{name}");
            f.list(&field, sizes, 2)?;
            f.each(&field, sizes, |n| n >= 1, "at least 1")?;
            for pair in sizes.windows(2) {
                f.tasks(&format!("{field} (weights of one layer)"), pair)?;
            }
        }
        f.require(
            self.teacher.first() == self.student.first()
                && self.teacher.last() == self.student.last(),
            format!("{prefix}.student"),
            format!("{:?}", self.student),
            format!("the teacher's input and output sizes ({:?})", self.teacher),
        )?;
        f.at_least(&format!("{prefix}.samples"), self.samples, 1)?;
        f.require(
            self.init_gain >= 0.0,
            format!("{prefix}.init_gain"),
            self.init_gain,
            "≥ 0",
        )
    }

    /// The student network on the teacher's data, and its initial parameters.
    pub fn build(&self) -> Result<(Mlp, Vec<f64>)> {
        let data = teacher_regression(&self.teacher, self.samples, self.data_seed)?;
        let mlp = Mlp::new(
            &self.student,
            Activation::Tanh,
            MlpLoss::Squared,
            data.x,
            data.y,
        )?;
        let theta = mlp.initialize(self.init_gain, self.init_seed);
        Ok((mlp, theta))
    }
}
