//! The small network of the Mohtashami et al. experiments at CPU scale: a tanh MLP fitted to a
//! random teacher MLP with the squared loss (an over-parametrized regression with a manifold
//! of zero-loss minima of varying sharpness). Paper values: not available; the paper trains a
//! ResNet-18 on CIFAR-10 on a GPU.

use crate::error::Result;
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
