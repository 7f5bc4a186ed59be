//! The reported period is the true one at the period doublings of the logistic map, whose
//! bifurcation points are published constants (Feigenbaum 1978; e.g. Strogatz, *Nonlinear
//! Dynamics and Chaos*, §10.2): r₁ = 3, r₂ = 1 + √6, r₃ ≈ 3.544090, r₄ ≈ 3.564407,
//! r₅ ≈ 3.568759. Just below a doubling the multiplier of the k-orbit is near −1 and the
//! floating-point iterates settle on a 2k-cycle of rounding flicker; just above it the true
//! 2k-orbit is born. Both must be reported as the map's period, by `run_gd` and by the lane
//! engine alike.

use crate::support::Logistic;
use gd_core::DEFAULT_MARGINAL_TOLERANCE;
use gd_core::scalar_map::{LaneConfig, final_states, iterate_lane};
use gd_core::{Attractor, RunConfig, Schedule, Stability, Trajectory, floquet_multipliers, run_gd};

const R2: f64 = 3.449_489_742_783_178; // 1 + √6
const R3: f64 = 3.544_090;
const R4: f64 = 3.564_407;
const R5: f64 = 3.568_759;
const _: () = assert!(R4 + 0.005 > R5, "the r₄ + 0.005 case sits past r₅");

/// (r, the period of the attracting orbit there). ±0.005 around each doubling, except above
/// r₄, where r₄ + 0.005 is already past r₅: r₄ + 0.002 and r₄ + 0.005 (period 32) instead.
fn cases() -> Vec<(f64, usize)> {
    vec![
        (3.0 - 0.005, 1),
        (3.0 + 0.005, 2),
        (R2 - 0.005, 2),
        (R2 + 0.005, 4),
        (R3 - 0.005, 4),
        (R3 + 0.005, 8),
        (R4 - 0.005, 8),
        (R4 + 0.002, 16),
        (R4 + 0.005, 32),
    ]
}

const STARTS: [f64; 4] = [0.1, 0.3, 0.55, 0.9];
/// η of the GD form: any positive value gives the same map; 0.5 keeps it from being the
/// plain logistic arithmetic.
const ETA: f64 = 0.5;

/// GD with the default run settings on the logistic map's GD form from x₀.
fn run_logistic(map: Logistic, x0: f64) -> Trajectory {
    run_gd(
        &map,
        &[x0],
        Schedule::constant(ETA).unwrap(),
        &RunConfig::default(),
    )
    .unwrap()
}

#[test]
fn run_gd_reports_the_true_period_on_both_sides_of_each_doubling() {
    for (r, expected) in cases() {
        let map = Logistic { r, eta: ETA };
        for x0 in STARTS {
            let t = run_logistic(map, x0);
            assert_eq!(
                t.attractor.period(),
                Some(expected),
                "r = {r}, x0 = {x0}: {:?}",
                t.attractor
            );
            if let Attractor::Periodic { orbit, .. } = &t.attractor {
                assert_eq!(
                    orbit.len(),
                    expected,
                    "r = {r}: the orbit has one point per step of the period"
                );
            }
        }
    }
}

#[test]
fn final_states_reports_the_true_period_on_both_sides_of_each_doubling() {
    for (r, expected) in cases() {
        let map = Logistic { r, eta: ETA };
        let lanes = final_states(
            |x| map.derivative(x),
            &[ETA],
            &STARTS,
            &LaneConfig::new(100_000, 1e6),
        )
        .unwrap();
        for (lane, x0) in lanes.iter().zip(STARTS) {
            assert_eq!(lane.period, Some(expected), "r = {r}, x0 = {x0}: {lane:?}");
            let single = iterate_lane(
                &|x| map.derivative(x),
                ETA,
                x0,
                &LaneConfig::new(100_000, 1e6),
            )
            .unwrap();
            assert_eq!(
                single.period,
                Some(expected),
                "r = {r}, x0 = {x0}, one lane: {single:?}"
            );
        }
    }
}

#[test]
fn a_two_cycle_whose_float_cycle_has_length_four_is_period_two_with_its_multiplier() {
    // r = 3.44: the 2-orbit's multiplier is g′(x₁)g′(x₂) = 4 + 2r − r² ≈ −0.9536.
    let r = 3.44;
    let map = Logistic { r, eta: ETA };
    let t = run_logistic(map, 0.3);
    let Attractor::Periodic {
        period,
        orbit,
        exact,
    } = &t.attractor
    else {
        panic!("{:?}", t.attractor);
    };
    assert_eq!(*period, 2);
    assert!(!exact, "the float cycle is longer than the orbit");
    // The 2-orbit in closed form: x± = (r + 1 ± √((r + 1)(r − 3))) / (2r).
    let root = ((r + 1.0) * (r - 3.0)).sqrt();
    let (high, low) = ((r + 1.0 + root) / (2.0 * r), (r + 1.0 - root) / (2.0 * r));
    let mut points: Vec<f64> = orbit.iter().map(|p| p[0]).collect();
    points.sort_by(f64::total_cmp);
    // Rounding flicker of ~u/(1 − |μ|) ≈ 20u around each point.
    assert!(
        (points[0] - low).abs() < 1e-13 && (points[1] - high).abs() < 1e-13,
        "{points:?}"
    );
    let floquet = floquet_multipliers(&map, orbit, ETA, DEFAULT_MARGINAL_TOLERANCE).unwrap();
    let expected = 4.0 + 2.0 * r - r * r;
    assert!(
        (floquet.spectral_radius - expected.abs()).abs() < 1e-12,
        "{floquet:?} vs |{expected}|"
    );
    assert_eq!(floquet.stability, Stability::Stable);
}

#[test]
fn fixed_points_with_multipliers_near_minus_one_are_period_one() {
    // Fixed point x* = 1 − 1/r with multiplier 2 − r: −0.9 at r = 2.9, −0.95 at r = 2.95.
    for r in [2.9, 2.95] {
        let map = Logistic { r, eta: ETA };
        let t = run_logistic(map, 0.3);
        let Attractor::FixedPoint { point, .. } = &t.attractor else {
            panic!("r = {r}: {:?}", t.attractor);
        };
        assert!((point[0] - (1.0 - 1.0 / r)).abs() < 1e-13, "{point:?}");
        let lanes = final_states(
            |x| map.derivative(x),
            &[ETA],
            &[0.3],
            &LaneConfig::new(4096, 1e6),
        )
        .unwrap();
        assert_eq!(lanes[0].period, Some(1), "r = {r}: {:?}", lanes[0]);
    }
}

#[test]
fn a_bitwise_cycle_is_reported_exact() {
    // Far from any doubling (r = 3.2, multiplier of the 2-orbit 4 + 2r − r² = 0.16) rounding
    // damps out and the float 2-cycle is the orbit itself.
    let map = Logistic { r: 3.2, eta: ETA };
    let t = run_logistic(map, 0.3);
    assert!(
        matches!(
            t.attractor,
            Attractor::Periodic {
                period: 2,
                exact: true,
                ..
            }
        ),
        "{:?}",
        t.attractor
    );
}
