//! The two-thread deep linear network gives the one-thread network's gradients bit for bit, in
//! every form and shape, and its helper threads end with their workspaces.

use gd_core::{GradientDescent, Objective, Schedule};
use gd_models::linear_data::{gaussian_matrix, general_target, product};
use gd_models::{DeepLinear, Initialization, TwoThreadDeepLinear, initialize};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// The networks of the comparison: whitened, general covariance, samples; equal and unequal
/// widths; depths 1 to 10 (below 3 the pair computes on the caller alone).
fn networks() -> Vec<(String, DeepLinear)> {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut nets = Vec::new();
    for widths in [
        vec![5, 4],
        vec![5, 6, 4],
        vec![5, 6, 3, 4],
        vec![5, 7, 2, 6, 3, 4],
        vec![32; 11],
    ] {
        let (n0, nl) = (widths[0], widths[widths.len() - 1]);
        let x = gaussian_matrix(&mut rng, n0, 48);
        let spectrum: Vec<f64> = (0..nl.min(n0)).map(|i| 1.5 - 0.03 * i as f64).collect();
        let r = general_target(nl, n0, &spectrum, 3).unwrap();
        let y = product(r.as_ref(), x.as_ref()).unwrap();
        nets.push((
            format!("whitened {widths:?}"),
            DeepLinear::whitened(&widths, r.clone()).unwrap(),
        ));
        nets.push((
            format!("covariance {widths:?}"),
            DeepLinear::from_target(&widths, x.as_ref(), r).unwrap(),
        ));
        nets.push((
            format!("samples {widths:?}"),
            DeepLinear::from_samples(&widths, x, y).unwrap(),
        ));
    }
    nets
}

#[test]
fn two_threads_give_the_one_thread_trajectory_bit_for_bit() {
    for (name, net) in networks() {
        let theta0 = initialize(
            &net,
            &Initialization::Gaussian {
                scale: 0.6,
                seed: 11,
            },
        )
        .unwrap();
        let pair = TwoThreadDeepLinear::new(net.clone());
        let eta = Schedule::constant(0.01).unwrap();
        let mut one = GradientDescent::new(&net, eta.clone(), &theta0).unwrap();
        let mut two = GradientDescent::new(&pair, eta, &theta0).unwrap();
        for step in 0..40 {
            let (a, b) = (one.step(), two.step());
            assert_eq!(
                a.loss.to_bits(),
                b.loss.to_bits(),
                "{name}: loss at step {step}"
            );
            assert_eq!(
                bits(one.theta()),
                bits(two.theta()),
                "{name}: θ at step {step}"
            );
        }
        if net.depth() >= 3 {
            // Calls 9 to 24 of a workspace run on the pair whatever the timings.
            let on_pair = two.workspace_mut().calls_on_pair();
            assert!(on_pair >= 16, "{name}: {on_pair} calls on the pair");
        }
        let theta = one.theta().to_vec();
        let v: Vec<f64> = (0..net.dim()).map(|i| (i as f64 * 0.37).sin()).collect();
        let (mut ws1, mut ws2) = (net.workspace(), pair.workspace());
        let (mut h1, mut h2) = (vec![0.0; net.dim()], vec![0.0; net.dim()]);
        net.hessian_vector_product(&theta, &v, &mut h1, &mut ws1);
        pair.hessian_vector_product(&theta, &v, &mut h2, &mut ws2);
        assert_eq!(bits(&h1), bits(&h2), "{name}: HVP");
        assert_eq!(
            net.loss(&theta, &mut ws1).to_bits(),
            pair.loss(&theta, &mut ws2).to_bits(),
            "{name}: loss"
        );
    }
}

#[test]
fn workspaces_come_and_go_and_calls_interleave() {
    let net = DeepLinear::whitened(&[6; 6], faer::Mat::<f64>::identity(6, 6) * 2.0).unwrap();
    let pair = TwoThreadDeepLinear::new(net.clone());
    let theta = initialize(&net, &Initialization::Identity).unwrap();
    let mut expected = vec![0.0; net.dim()];
    net.loss_and_gradient(&theta, &mut expected, &mut net.workspace());
    // Many short-lived workspaces, each used past its first solo window (8 calls) into its
    // first pair window (16 calls, whatever the timings): each joins its helper when dropped.
    for _ in 0..64 {
        let mut ws = pair.workspace();
        let mut g = vec![0.0; net.dim()];
        for _ in 0..10 {
            pair.loss_and_gradient(&theta, &mut g, &mut ws);
            assert_eq!(bits(&g), bits(&expected));
        }
        assert_eq!(ws.calls_on_pair(), 2);
    }
    // Two live workspaces used alternately, with idle pauses long enough to park the helper.
    let (mut a, mut b) = (pair.workspace(), pair.workspace());
    let mut g = vec![0.0; net.dim()];
    for round in 0..16 {
        pair.loss_and_gradient(&theta, &mut g, &mut a);
        assert_eq!(bits(&g), bits(&expected), "round {round}, workspace a");
        std::thread::sleep(gd_models::IDLE_SPIN * 3);
        pair.loss_and_gradient(&theta, &mut g, &mut b);
        assert_eq!(bits(&g), bits(&expected), "round {round}, workspace b");
    }
    assert!(a.calls_on_pair() >= 8 && b.calls_on_pair() >= 8);
}

#[test]
fn a_start_of_the_wrong_length_is_a_typed_error_naming_theta0() {
    let net = DeepLinear::whitened(&[4; 5], faer::Mat::<f64>::identity(4, 4)).unwrap();
    let pair = TwoThreadDeepLinear::new(net);
    let err = GradientDescent::new(&pair, Schedule::constant(0.1).unwrap(), &[0.0; 7])
        .err()
        .expect("a 7-vector is not a start of a 64-parameter net");
    let message = err.to_string();
    assert!(
        message.contains("theta0") && message.contains("64"),
        "{message}"
    );
}
