//! SGD with seeded mini-batches: reproducible, sampling as documented, and convergent on an
//! interpolating least-squares problem.

use crate::support::LeastSquares;
use gd_core::{
    Attractor, MinibatchConfig, RunConfig, Sampling, Schedule, StochasticGradientDescent, run_sgd,
};

#[test]
fn without_replacement_every_epoch_visits_each_sample_once() {
    let (ls, _) = LeastSquares::interpolating(12, 3, 1);
    let mut sgd = StochasticGradientDescent::new(
        &ls,
        Schedule::constant(0.01).unwrap(),
        &[0.0; 3],
        4,
        Sampling::WithoutReplacement,
        9,
        0,
    )
    .unwrap();
    for _epoch in 0..3 {
        let mut seen = Vec::new();
        for _ in 0..3 {
            sgd.step();
            seen.extend_from_slice(sgd.last_batch());
        }
        seen.sort_unstable();
        assert_eq!(seen, (0..12).collect::<Vec<_>>());
    }
}

#[test]
fn same_seed_gives_the_same_bits_and_another_stream_differs() {
    let (ls, _) = LeastSquares::interpolating(40, 5, 2);
    let run = |stream| {
        let mb = MinibatchConfig {
            batch_size: 8,
            sampling: Sampling::WithReplacement,
            seed: 77,
            stream,
        };
        let config = RunConfig {
            max_iterations: 200,
            ..RunConfig::default()
        };
        run_sgd(
            &ls,
            &[0.5; 5],
            Schedule::constant(0.05).unwrap(),
            mb,
            &config,
        )
        .unwrap()
    };
    let a = run(0).final_state.unwrap().parameters;
    let b = run(0).final_state.unwrap().parameters;
    let c = run(1).final_state.unwrap().parameters;
    assert!(a.iter().zip(&b).all(|(x, y)| x.to_bits() == y.to_bits()));
    assert!(a.iter().zip(&c).any(|(x, y)| x.to_bits() != y.to_bits()));
}

#[test]
fn sgd_interpolates_a_consistent_least_squares_problem() {
    let (ls, solution) = LeastSquares::interpolating(60, 4, 3);
    let mb = MinibatchConfig {
        batch_size: 6,
        sampling: Sampling::WithoutReplacement,
        seed: 5,
        stream: 0,
    };
    let config = RunConfig {
        max_iterations: 20_000,
        ..RunConfig::default()
    };
    let t = run_sgd(
        &ls,
        &[0.0; 4],
        Schedule::constant(0.3).unwrap(),
        mb,
        &config,
    )
    .unwrap();
    let Attractor::FixedPoint { point, .. } = &t.attractor else {
        panic!("{:?}", t.attractor);
    };
    for (p, s) in point.iter().zip(&solution) {
        assert!((p - s).abs() < 1e-10, "{p} vs {s}");
    }
}

#[test]
fn a_batch_beyond_the_cap_is_refused_before_it_is_allocated() {
    let (ls, _) = LeastSquares::interpolating(12, 3, 1);
    for (sampling, batch, allowed) in [
        (
            Sampling::WithReplacement,
            usize::MAX,
            "1..=16777216 with replacement",
        ),
        (
            Sampling::WithReplacement,
            gd_core::MAX_BATCH_SIZE + 1,
            "1..=16777216",
        ),
        (Sampling::WithoutReplacement, 13, "1..=12 for 12 samples"),
    ] {
        let message = StochasticGradientDescent::new(
            &ls,
            Schedule::constant(0.01).unwrap(),
            &[0.0; 3],
            batch,
            sampling,
            9,
            0,
        )
        .err()
        .expect("refused")
        .to_string();
        assert!(
            message.contains("batch_size") && message.contains(&batch.to_string()),
            "{message}"
        );
        assert!(message.contains(allowed), "{message}");
    }
    let largest = StochasticGradientDescent::new(
        &ls,
        Schedule::constant(0.01).unwrap(),
        &[0.0; 3],
        1 << 10,
        Sampling::WithReplacement,
        9,
        0,
    );
    assert!(
        largest.is_ok(),
        "a batch larger than the samples, drawn with replacement"
    );
}
