//! The examples' network on real data: a tanh MLP with squared loss on the first `count` digits
//! (pixels / 16, one-hot targets), and its seeded initialization.

use stepsize::models::{Activation, LabelledData, Mlp, MlpLoss};

/// The network of `widths` on the first `count` digits, and θ₀ (seed 0, gain 1).
pub fn digits_network(
    count: usize,
    widths: &[usize],
) -> Result<(Mlp, Vec<f64>), Box<dyn std::error::Error>> {
    let digits = LabelledData::digits()?.first(count)?.scaled(1.0 / 16.0)?;
    let mlp = Mlp::new(
        widths,
        Activation::Tanh,
        MlpLoss::Squared,
        digits.x.clone(),
        digits.one_hot()?,
    )?;
    let theta0 = mlp.initialize(1.0, 0);
    Ok((mlp, theta0))
}
