//! The edge of stability on real data: full-batch GD on the digits set (scikit-learn's
//! `load_digits`, shipped with gd-models) with λmax sampled along the way. λmax rises
//! (progressive sharpening) until it reaches 2/η, then hovers there while the loss keeps
//! falling over many steps though not on every one, and the iterate oscillates along the top
//! eigenvector (Cohen et al. 2021). Writes `edge-of-stability.svg` (λmax with 2/η dashed in
//! the same colour, the loss beside it) and prints the summary.
//!
//! `cargo run --release --example edge_of_stability -- [OUTPUT_FOLDER] [--full]`: the short form
//! (the default, run by the test command) trains 64 → 100 → 100 → 10 on 500 digits at η = 0.065 for
//! 1000 steps (λmax starts just above 2/η, falls below it, sharpens back to it near step 260,
//! overshoots, and from then on hovers about 2/η while the loss spikes and falls); `--full` is SPEC W6 (all 1797 digits, 64 → 200 → 200 → 10, η = 0.035, 1000 steps
//! from the seeded initialization, about 15 s on two cores).

#[path = "support/digits.rs"]
mod digits;
#[path = "support/output.rs"]
mod output;

use stepsize::dynamics::analyses::{Monitor, SharpnessAlongOptions, edge_of_stability};
use stepsize_cli::eos;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let full = std::env::args().any(|a| a == "--full");
    let (count, widths, eta, steps, every) = if full {
        (1797, vec![64, 200, 200, 10], 0.035, 1000, 25)
    } else {
        (500, vec![64, 100, 100, 10], 0.065, 1000, 10)
    };
    let (mlp, theta0) = digits::digits_network(count, &widths)?;
    let options = SharpnessAlongOptions {
        every,
        ..SharpnessAlongOptions::default()
    };
    let e = edge_of_stability(&mlp, &theta0, eta, steps, &options, Monitor::default())?;
    println!(
        "η = {eta}, 2/η = {:.3}: λmax {:.3} at step 0, {:.3} before the onset ({} samples, rising in {:.0} %)",
        e.threshold,
        e.sharpening.initial,
        e.sharpening.last,
        e.sharpening.samples,
        100.0 * e.sharpening.rising_fraction
    );
    match (e.onset, e.ratio_after_onset) {
        (Some(onset), Some(r)) => println!(
            "onset at step {onset}; after it λmax/(2/η) = {:.3} ± {:.3} (min {:.3}, max {:.3}); the loss rose on {:.0} % of those steps; consecutive steps alternate along u in {:.0} %",
            r.mean,
            r.std,
            r.min,
            r.max,
            100.0 * e.loss_rise_fraction_after_onset.unwrap_or(0.0),
            100.0 * e.alternation_after_onset.unwrap_or(0.0)
        ),
        _ => println!("no onset within {steps} steps"),
    }
    println!(
        "loss {:.4e} → {:.4e}; {} Hessian-vector products",
        e.run.losses[0],
        e.run.losses.last().copied().unwrap_or(f64::NAN),
        e.run.hessian_vector_products
    );
    // The short form reaches the edge: an onset, and λmax held within 10 % of 2/η after it.
    if !full {
        let r = e.ratio_after_onset.ok_or("no onset in the short form")?;
        assert!(e.onset.is_some());
        assert!(
            (r.mean - 1.0).abs() < 0.1,
            "λmax/(2/η) averages {:.3}",
            r.mean
        );
    }
    let path = output::output_folder().join("edge-of-stability.svg");
    std::fs::write(&path, eos::figure(&e))?;
    println!("wrote {}", path.display());
    Ok(())
}

#[test]
fn runs() {
    main().unwrap();
}
