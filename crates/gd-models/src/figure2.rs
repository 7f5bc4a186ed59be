//! Nar & Sastry's Figure 2 setting: a two-layer ReLU network on 1000 points of [0, 1), its
//! teacher and its students, drawn as the authors' code draws them.

use crate::error::Result;
use crate::linear_data::standard_normal;
use crate::two_layer_relu::{LossScale, TwoLayerRelu};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Nar & Sastry's Figure 2 setting as the authors' code runs it: N = 1000 inputs
/// x_i = i/1000 on [0, 1), r = 20 hidden units, a fixed standard-normal bias b, and a target
/// that is the network itself at a first random draw of (W, V) (a teacher); students are
/// drawn afresh. Σ-loss without ½, float64.
#[derive(Clone, Debug)]
pub struct Figure2 {
    /// The network with the teacher's outputs as targets.
    pub model: TwoLayerRelu,
    /// The teacher's parameters (a zero-loss solution).
    pub teacher: Vec<f64>,
    seed: u64,
}

/// Figure 2's sizes.
pub const FIGURE2_SAMPLES: usize = 1000;
/// Figure 2's hidden width.
pub const FIGURE2_HIDDEN: usize = 20;

impl Figure2 {
    /// The setting for `seed`: stream 0 draws b, then the teacher's W, then V (standard normal).
    pub fn new(seed: u64) -> Result<Self> {
        let r = FIGURE2_HIDDEN;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(0);
        let bias = standard_normal(&mut rng, r);
        let teacher: Vec<f64> = standard_normal(&mut rng, 2 * r);
        let x: Vec<f64> = (0..FIGURE2_SAMPLES)
            .map(|i| i as f64 / FIGURE2_SAMPLES as f64)
            .collect();
        let probe = TwoLayerRelu::new(
            1,
            1,
            x.clone(),
            vec![0.0; FIGURE2_SAMPLES],
            bias.clone(),
            LossScale::FIGURE2,
        )?;
        let y = probe.outputs(&teacher);
        let model = TwoLayerRelu::new(1, 1, x, y, bias, LossScale::FIGURE2)?;
        Ok(Self {
            model,
            teacher,
            seed,
        })
    }

    /// Student `k`'s initial (W, V): standard normal from stream k + 1 of the seed.
    pub fn student(&self, k: u64) -> Vec<f64> {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(k + 1);
        standard_normal(&mut rng, 2 * FIGURE2_HIDDEN)
    }
}
