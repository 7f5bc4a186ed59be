//! One deep linear run on two cores: `TwoThreadDeepLinear` computes each gradient on the caller
//! and a helper thread its workspace owns (the prefix chain A_j = W_j⋯W_1 on one, the suffix
//! chain B_j = W_L⋯W_j on the other, then half of the layer gradients each). The trajectory is
//! bitwise that of `DeepLinear`; only the time differs.
//!
//! `cargo run --release --example two_threads_deep_linear [-- WIDTH DEPTH STEPS]` (default
//! 32 10 2000; the README's table of speed-ups comes from it)

use std::time::Instant;
use stepsize::dynamics::{GradientDescent, Schedule};
use stepsize::models::linear_data::{random_orthogonal, symmetric_target};
use stepsize::models::{DeepLinear, Initialization, TwoThreadDeepLinear, initialize};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, name: &str, default: usize, max: usize| -> Result<usize, String> {
        match args.get(i) {
            None => Ok(default),
            Some(text) => match text.parse::<usize>() {
                Ok(v) if (1..=max).contains(&v) => Ok(v),
                _ => Err(format!(
                    "{name} = {text:?}: expected a whole number in 1..={max}"
                )),
            },
        }
    };
    run(
        arg(0, "WIDTH", 32, 1024)?,
        arg(1, "DEPTH", 10, 1024)?,
        arg(2, "STEPS", 2000, 10_000_000)?,
    )
}

fn run(width: usize, depth: usize, steps: usize) -> Result<(), Box<dyn std::error::Error>> {
    let spectrum: Vec<f64> = (0..width)
        .map(|i| 0.5 + 1.5 * i as f64 / (width.max(2) - 1) as f64)
        .collect();
    let target = symmetric_target(&spectrum, &random_orthogonal(width, 3)?)?;
    let net = DeepLinear::whitened(&vec![width; depth + 1], target)?;
    let theta0 = initialize(&net, &Initialization::Identity)?;
    let pair = TwoThreadDeepLinear::new(net.clone());
    let eta = Schedule::constant(0.02)?;

    let started = Instant::now();
    let mut one = GradientDescent::new(&net, eta.clone(), &theta0)?;
    let mut loss_one = f64::NAN;
    for _ in 0..steps {
        loss_one = one.step().loss;
    }
    let seconds_one = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let mut two = GradientDescent::new(&pair, eta, &theta0)?;
    let mut loss_two = f64::NAN;
    for _ in 0..steps {
        loss_two = two.step().loss;
    }
    let seconds_two = started.elapsed().as_secs_f64();

    let on_pair = two.workspace_mut().calls_on_pair();
    let same = one
        .theta()
        .iter()
        .zip(two.theta())
        .all(|(a, b)| a.to_bits() == b.to_bits());
    println!(
        "{steps} steps of a {depth}-layer, {width}-wide net: loss {loss_one:.3e} (one thread, {seconds_one:.3} s) \
         and {loss_two:.3e} (two threads, {seconds_two:.3} s, {on_pair} gradients on the pair); \
         parameters bitwise equal: {same}"
    );
    assert!(same && loss_one.to_bits() == loss_two.to_bits());
    Ok(())
}

#[test]
fn runs() {
    run(32, 10, 2000).expect("the example runs");
    run(3, 4, 50).expect("a small net runs");
}
