//! Sharpness along training: a deep linear net W₃W₂W₁ fitted to a symmetric target by GD at
//! two step sizes, with λmax(∇²f) sampled along the way against 2/η. Near the identity, large
//! target eigenvalues make the minima sharp; GD at a step η can only settle where
//! λmax ≤ 2/η (Nar & Sastry, Theorem 1). Writes `sharpness-along-training.svg`.
//!
//! `cargo run --release --example sharpness_deep_linear [OUTPUT_FOLDER]`

#[path = "support/output.rs"]
mod output;

use stepsize::dynamics::Schedule;
use stepsize::dynamics::analyses::{Monitor, SharpnessAlongOptions, sharpness_along};
use stepsize::models::linear_data::{random_orthogonal, symmetric_target};
use stepsize::models::{DeepLinear, Initialization, initialize};
use stepsize_cli::svg;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let target = symmetric_target(&[3.0, 1.5, 0.5, 0.2], &random_orthogonal(4, 7)?)?;
    let net = DeepLinear::whitened(&[4, 4, 4, 4], target)?;
    let theta0 = initialize(
        &net,
        &Initialization::IdentityPlusNoise {
            scale: 0.05,
            seed: 3,
        },
    )?;
    let mut points = Vec::new();
    let options = SharpnessAlongOptions {
        every: 20,
        ..SharpnessAlongOptions::default()
    };
    for eta in [0.05, 0.12, 0.17] {
        let schedule = Schedule::constant(eta)?;
        let run = sharpness_along(&net, &theta0, schedule, 2000, &options, Monitor::default())?;
        let last = run.samples.last().expect("sampled");
        let final_loss = *run.losses.last().expect("evaluated");
        println!(
            "η = {eta}: λmax {:.3} → {:.3} after {} steps (2/η = {:.1}); final loss {:.2e}",
            run.samples[0].sharpness,
            last.sharpness,
            last.iteration,
            2.0 / eta,
            final_loss
        );
        let converged = final_loss < 1e-12;
        assert!(
            !converged || last.sharpness <= 2.0 / eta,
            "GD settled where λmax > 2/η"
        );
        points.extend(
            run.samples
                .iter()
                .map(|s| (s.iteration as f64, s.sharpness)),
        );
    }
    let path = output::output_folder().join("sharpness-along-training.svg");
    std::fs::write(
        &path,
        svg::scatter("λmax along training", "step", "λmax", &points, &[]),
    )?;
    println!("wrote {}", path.display());
    Ok(())
}

#[test]
fn runs() {
    main().unwrap();
}
