//! Runs end in the attractor the papers predict: Example 1's period-2 orbit ±η²/4, f2's
//! period doubling and chaos, with exact-repeat detection stopping runs early.

use crate::support::{f1, f2};
use gd_core::DEFAULT_MARGINAL_TOLERANCE;
use gd_core::{Attractor, Observe, RunConfig, Schedule, Stability, floquet_multipliers, run_gd};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

#[test]
fn example_1_ends_in_the_period_2_orbit_of_amplitude_eta_squared_over_4() {
    let eta = 0.1;
    let amplitude = eta * eta / 4.0;
    let mut rng = ChaCha8Rng::seed_from_u64(2018);
    let config = RunConfig::default();
    for _ in 0..50 {
        let x0: f64 = rng.random_range(-3.0..3.0);
        let t = run_gd(&f1(), &[x0], Schedule::constant(eta).unwrap(), &config).unwrap();
        let Attractor::Periodic {
            period,
            orbit,
            exact,
        } = &t.attractor
        else {
            panic!(
                "x0 = {x0}: expected a period-2 orbit, got {:?}",
                t.attractor
            );
        };
        assert_eq!(*period, 2);
        assert!(
            *exact,
            "the orbit repeats bitwise, so the run stops on the repeat"
        );
        assert!(t.iterations < 1000, "stopped early: {}", t.iterations);
        for x in orbit {
            assert!((x[0].abs() - amplitude).abs() < 1e-9 * amplitude, "{x:?}");
        }
        assert!(orbit[0][0] * orbit[1][0] < 0.0, "the orbit alternates sign");
        // Floquet multiplier: Π(1 − η f1''(xᵢ)) = Π(1 − η/(2√|xᵢ|)) = (1 − 1)² = 0 on ±η²/4.
        let floquet = floquet_multipliers(&f1(), orbit, eta, DEFAULT_MARGINAL_TOLERANCE).unwrap();
        let analytic: f64 = orbit
            .iter()
            .map(|x| 1.0 - eta * 0.5 / x[0].abs().sqrt())
            .product();
        assert!((floquet.multipliers[0].re - analytic).abs() < 1e-12);
        assert!(floquet.spectral_radius < 1e-6, "{floquet:?}");
        assert_eq!(floquet.stability, Stability::Stable);
    }
}

#[test]
fn f2_attractor_near_two_is_a_period_2_orbit_at_eta_021() {
    let t = run_gd(
        &f2(),
        &[2.1],
        Schedule::constant(0.21).unwrap(),
        &RunConfig::default(),
    )
    .unwrap();
    let Attractor::Periodic { period, orbit, .. } = &t.attractor else {
        panic!("{:?}", t.attractor);
    };
    assert_eq!(*period, 2);
    let floquet = floquet_multipliers(&f2(), orbit, 0.21, DEFAULT_MARGINAL_TOLERANCE).unwrap();
    assert_eq!(floquet.stability, Stability::Stable);
}

#[test]
fn f2_at_eta_029_is_unresolved_with_a_positive_lyapunov_exponent() {
    let config = RunConfig {
        max_iterations: 20_000,
        lyapunov_iterations: 5000,
        ..RunConfig::default()
    };
    let t = run_gd(&f2(), &[2.1], Schedule::constant(0.29).unwrap(), &config).unwrap();
    let Attractor::Unresolved {
        lyapunov: Some(estimate),
    } = t.attractor
    else {
        panic!("{:?}", t.attractor);
    };
    // Positive by more than four standard errors: chaos, not a slow approach.
    assert!(
        estimate.exponent > 4.0 * estimate.standard_error && estimate.exponent > 0.1,
        "{estimate:?}"
    );
}

#[test]
fn f2_converges_to_one_with_eta_03_from_the_left_basin() {
    // f2''(1) = 4 so x = 1 is stable for η < 0.5; x = 2 needs η < 0.2.
    let t = run_gd(
        &f2(),
        &[0.8],
        Schedule::constant(0.3).unwrap(),
        &RunConfig::default(),
    )
    .unwrap();
    let Attractor::FixedPoint { point, exact, .. } = &t.attractor else {
        panic!("{:?}", t.attractor);
    };
    assert!((point[0] - 1.0).abs() < 1e-12);
    assert!(*exact);
}

#[test]
fn observables_are_recorded_at_their_intervals() {
    let config = RunConfig {
        max_iterations: 100,
        gradient_tolerance: None,
        observe: Observe {
            loss_every: 1,
            gradient_norm_every: 10,
            parameters_every: 25,
            sharpness_every: 50,
            ..Observe::default()
        },
        ..RunConfig::default()
    };
    // Iterations from x0 = 1.3 with a small step approach x = 1 slowly enough to use all 100.
    let t = run_gd(&f2(), &[1.3], Schedule::constant(0.001).unwrap(), &config).unwrap();
    assert_eq!(t.iterations, 100);
    assert_eq!(t.record.loss.iterations, (0..100).collect::<Vec<_>>());
    assert_eq!(
        t.record.gradient_norm.iterations,
        (0..100).step_by(10).collect::<Vec<_>>()
    );
    assert_eq!(
        t.record.parameters.iter().map(|p| p.0).collect::<Vec<_>>(),
        vec![0, 25, 50, 75]
    );
    assert_eq!(t.record.sharpness.len(), 2);
    let x50 = t.record.parameters[2].1[0];
    let d2 = 30.0 * x50.powi(4) - 120.0 * x50.powi(3) + 168.0 * x50 * x50 - 108.0 * x50 + 34.0;
    assert!((t.record.sharpness[1].sharpness - d2).abs() < 1e-12 * d2.abs());
    assert!(
        t.record.loss.values.windows(2).all(|w| w[1] <= w[0]),
        "small-step GD descends"
    );
}

#[test]
fn schedules_change_the_step_at_their_boundaries() {
    let s = Schedule::piecewise(vec![10, 20], vec![0.1, 0.05, 0.01]).unwrap();
    assert_eq!(s.eta(0), 0.1);
    assert_eq!(s.eta(9), 0.1);
    assert_eq!(s.eta(10), 0.05);
    assert_eq!(s.eta(25), 0.01);
    // Exponential decay is floored at the smallest normal number instead of underflowing to 0.
    let decay = Schedule::exponential(0.1, 0.5).unwrap();
    assert_eq!(decay.eta(2), 0.025);
    assert_eq!(decay.eta(5000), f64::MIN_POSITIVE);
    let table = Schedule::from_fn(3, |k| 0.1 / (k + 1) as f64).unwrap();
    assert_eq!(
        (table.eta(1), table.eta(2), table.eta(99)),
        (0.05, 0.1 / 3.0, 0.1 / 3.0)
    );
    // A non-constant schedule makes the map non-autonomous: no repeat-based early stop, and
    // the run still classifies by tolerance at the end of its budget.
    let t = run_gd(
        &f2(),
        &[0.8],
        s,
        &RunConfig {
            max_iterations: 5000,
            ..RunConfig::default()
        },
    )
    .unwrap();
    assert_eq!(t.iterations, 5000);
    assert!(
        matches!(t.attractor, Attractor::FixedPoint { .. }),
        "{:?}",
        t.attractor
    );
}

#[test]
fn scalar_lanes_stopped_on_a_cycle_end_bit_identical_to_full_iteration() {
    use gd_core::scalar_map::{LaneConfig, final_states, iterate_lane};
    let df = crate::support::f2().df;
    // A row of 37 lanes: the vectorized chunk loop's body and its remainder both run.
    let etas = [0.05, 0.15, 0.21, 0.25, 0.29, 0.45, 0.52, 0.7];
    let starts: Vec<f64> = (0..37).map(|i| 3.0 * i as f64 / 36.0).collect();
    let lanes = final_states(df, &etas, &starts, &LaneConfig::new(4096, 1e6)).unwrap();
    let mut saved_work = 0;
    for (i, lane) in lanes.iter().enumerate() {
        let (eta, x0) = (etas[i / starts.len()], starts[i % starts.len()]);
        // Brute force, with the benchmark spec's freezing rule.
        let mut x = x0;
        for _ in 0..4096 {
            if x.abs() <= 1e6 {
                x -= eta * df(x);
            }
        }
        assert_eq!(lane.x.to_bits(), x.to_bits(), "eta {eta}, x0 {x0}");
        assert_eq!(lane.diverged, x.is_nan() || x.abs() > 1e6);
        saved_work += 4096 - lane.steps_evaluated;
    }
    assert!(
        saved_work > 4096 * lanes.len() / 2,
        "most lanes settle early"
    );
    let fixed = iterate_lane(&df, 0.1, 1.2, &LaneConfig::new(4096, 1e6)).unwrap();
    assert_eq!(fixed.period, Some(1));
    let orbit = iterate_lane(&df, 0.21, 2.05, &LaneConfig::new(4096, 1e6)).unwrap();
    assert_eq!(orbit.period, Some(2));
    assert!(final_states(df, &[], &starts, &LaneConfig::new(10, 1e6)).is_err());
    assert!(final_states(df, &[-0.1], &starts, &LaneConfig::new(10, 1e6)).is_err());
}

#[test]
fn a_lane_returning_to_minus_zero_as_plus_zero_is_not_taken_for_a_cycle() {
    use gd_core::scalar_map::{LaneConfig, final_states, iterate_lane};
    // −0 → +0 (equal as floats, not as bits) → 1, where the map rests.
    let derivative = |x: f64| match (x == 0.0, x.is_sign_negative()) {
        (true, true) => -0.0,
        (true, false) => -1.0,
        _ => 0.0,
    };
    let lanes = final_states(derivative, &[1.0], &[-0.0], &LaneConfig::new(100, 1e6)).unwrap();
    let single = iterate_lane(&derivative, 1.0, -0.0, &LaneConfig::new(100, 1e6)).unwrap();
    assert_eq!(lanes[0].x.to_bits(), 1.0_f64.to_bits());
    assert_eq!(lanes[0].x.to_bits(), single.x.to_bits());
    assert_eq!(lanes[0].period, Some(1));
}
