//! Scalar examples: the theory's thresholds against runs of the GD map on both sides.

use stepsize::dynamics::{Attractor, RunConfig, Schedule, run_gd};
use stepsize::models::{example1, example2, example3};
use stepsize::theory::scalar::{
    example1_convergent_starts, example1_orbit_amplitude, example1_orbit_loss, example3_threshold,
    max_stable_step,
};

/// A step 2 % inside/outside a threshold: far enough from the multiplier −1 that a few
/// thousand iterations decide, close enough to show the threshold is where theory puts it.
const MARGIN: f64 = 0.02;

fn ends_at(x0: f64, eta: f64, target: f64) -> bool {
    let config = RunConfig {
        max_iterations: 50_000,
        ..RunConfig::default()
    };
    let t = run_gd(
        &example2(),
        &[x0],
        Schedule::constant(eta).unwrap(),
        &config,
    )
    .unwrap();
    matches!(&t.attractor, Attractor::FixedPoint { point, .. } if (point[0] - target).abs() < 1e-9)
}

#[test]
fn f2_minima_are_reachable_exactly_below_their_thresholds() {
    let f2 = example2();
    let limit1 = max_stable_step(f2.second_derivative(1.0)).unwrap();
    let limit2 = max_stable_step(f2.second_derivative(2.0)).unwrap();
    assert_eq!((limit1, limit2), (0.5, 0.2));
    for (target, limit) in [(1.0, limit1), (2.0, limit2)] {
        for offset in [-1e-3, 1e-3] {
            assert!(
                ends_at(target + offset, limit * (1.0 - MARGIN), target),
                "x* = {target} below its limit"
            );
            assert!(
                !ends_at(target + offset, limit * (1.0 + MARGIN), target),
                "x* = {target} above its limit"
            );
        }
    }
}

#[test]
fn f1_orbit_amplitude_and_loss_match_eta_squared_over_4_and_eta_cubed_over_12() {
    for (k, eta) in [0.1, 0.5, 1.0, 2.0].into_iter().enumerate() {
        let x0 = 3.7 * eta + 0.123 * k as f64;
        let t = run_gd(
            &example1(),
            &[x0],
            Schedule::constant(eta).unwrap(),
            &RunConfig::default(),
        )
        .unwrap();
        let Attractor::Periodic {
            period: 2, orbit, ..
        } = &t.attractor
        else {
            panic!("eta {eta}: {:?}", t.attractor);
        };
        let amplitude = example1_orbit_amplitude(eta).unwrap();
        let loss = example1_orbit_loss(eta).unwrap();
        for x in orbit {
            assert!((x[0].abs() - amplitude).abs() <= 1e-9 * amplitude);
            assert!((example1().value(x[0]) - loss).abs() <= 1e-9 * loss);
        }
    }
}

#[test]
fn f1_starts_on_s1_reach_zero_and_generic_starts_do_not() {
    let eta = 0.5;
    let s = example1_convergent_starts(eta, 2).unwrap();
    assert_eq!(s[0], 0.25);
    assert!((s[1] - eta * eta * (3.0 + 5f64.sqrt()) / 2.0).abs() < 1e-15);
    let t = run_gd(
        &example1(),
        &[s[0]],
        Schedule::constant(eta).unwrap(),
        &RunConfig::default(),
    )
    .unwrap();
    assert!(
        matches!(&t.attractor, Attractor::FixedPoint { point, .. } if point[0] == 0.0),
        "{:?}",
        t.attractor
    );
    let t = run_gd(
        &example1(),
        &[s[0] * (1.0 + 1e-12)],
        Schedule::constant(eta).unwrap(),
        &RunConfig::default(),
    )
    .unwrap();
    assert!(
        matches!(t.attractor, Attractor::Periodic { period: 2, .. }),
        "0 repels: {:?}",
        t.attractor
    );
}

#[test]
fn f3_converges_below_and_diverges_above_its_threshold() {
    for power in [4, 6] {
        for eta in [0.05, 0.2] {
            let threshold = example3_threshold(eta, power).unwrap();
            let f3 = example3(power).unwrap();
            let config = RunConfig {
                max_iterations: 20_000,
                lyapunov_iterations: 10,
                ..RunConfig::default()
            };
            let below = run_gd(
                &f3,
                &[threshold * (1.0 - MARGIN)],
                Schedule::constant(eta).unwrap(),
                &config,
            )
            .unwrap();
            let above = run_gd(
                &f3,
                &[threshold * (1.0 + MARGIN)],
                Schedule::constant(eta).unwrap(),
                &config,
            )
            .unwrap();
            let end = below
                .final_state
                .expect("below the threshold the run stays finite")
                .parameters[0];
            assert!(
                end.abs() < 0.5 * threshold,
                "L = {power}, eta = {eta}: |x| fell only to {end}"
            );
            assert!(
                matches!(above.attractor, Attractor::Diverged { .. }),
                "{:?}",
                above.attractor
            );
        }
    }
}
