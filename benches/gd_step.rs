//! Criterion benches of the hot steps: the scalar GD map (one step, a run, a lane grid), a deep
//! linear step, its HVP and Lanczos sharpness, and a Figure 2 ReLU step.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use stepsize::dynamics::scalar_map::{LaneConfig, final_states};
use stepsize::dynamics::{
    GradientDescent, Lanczos, LanczosOptions, Objective, RunConfig, Schedule, run_gd,
};
use stepsize::models::f2_derivative;
use stepsize::models::linear_data::{dct_whitened_samples, dct2, symmetric_target};
use stepsize::models::{DeepLinear, Initialization, LossScale, TwoLayerRelu, initialize};

/// Nar & Sastry's f2(x) = (x²+1)(x−1)²(x−2)², the W1 workload's function.
struct F2;

impl Objective for F2 {
    type Workspace = ();
    fn dim(&self) -> usize {
        1
    }
    fn workspace(&self) {}
    fn loss(&self, t: &[f64], _: &mut ()) -> f64 {
        let x = t[0];
        (x * x + 1.0) * (x - 1.0).powi(2) * (x - 2.0).powi(2)
    }
    fn loss_and_gradient(&self, t: &[f64], g: &mut [f64], _: &mut ()) -> f64 {
        let x = t[0];
        let p = (x - 1.0) * (x - 2.0);
        g[0] = 2.0 * x * p * p + (x * x + 1.0) * 2.0 * p * (2.0 * x - 3.0);
        (x * x + 1.0) * p * p
    }
    fn hessian_vector_product(&self, t: &[f64], v: &[f64], out: &mut [f64], _: &mut ()) {
        let x = t[0];
        out[0] = (30.0 * x.powi(4) - 120.0 * x.powi(3) + 168.0 * x * x - 108.0 * x + 34.0) * v[0];
    }
}

fn scalar_step(c: &mut Criterion) {
    // From 1.3 at η = 0.1 GD settles at x = 1; a step costs the same wherever it starts.
    let mut gd = GradientDescent::new(&F2, Schedule::constant(0.1).unwrap(), &[1.3]).unwrap();
    c.bench_function("gd_step_scalar_f2", |b| b.iter(|| black_box(gd.step())));
    let config = RunConfig {
        max_iterations: 4096,
        ..RunConfig::default()
    };
    c.bench_function("run_gd_f2_chaotic_4096_steps", |b| {
        b.iter(|| {
            run_gd(
                &F2,
                black_box(&[2.1]),
                Schedule::constant(0.29).unwrap(),
                &config,
            )
            .unwrap()
        })
    });
    // W1's lockstep lanes on a 64 × 64 corner of its grid (cycle stop included).
    let etas: Vec<f64> = (0..64).map(|i| 0.05 + 0.55 * i as f64 / 63.0).collect();
    let starts: Vec<f64> = (0..64).map(|i| 3.0 * i as f64 / 63.0).collect();
    c.bench_function("final_states_f2_64x64_lanes_4096_steps", |b| {
        b.iter(|| {
            final_states(
                f2_derivative,
                black_box(&etas),
                &starts,
                &LaneConfig::new(4096, 1e6),
            )
            .unwrap()
        })
    });
}

/// W2's network: n = 32, L = 10, DCT-whitened data, R = C diag(linspace(0.5, 2)) Cᵀ.
fn w2_network(covariance: bool) -> DeepLinear {
    let n = 32;
    let spectrum: Vec<f64> = (0..n)
        .map(|i| 0.5 + 1.5 * i as f64 / (n - 1) as f64)
        .collect();
    let r = symmetric_target(&spectrum, &dct2(n).transpose().to_owned()).unwrap();
    let x = dct_whitened_samples(n, 1024).unwrap();
    if covariance {
        DeepLinear::from_target(&[n; 11], x.as_ref(), r).unwrap()
    } else {
        let y = stepsize::models::linear_data::product(r.as_ref(), x.as_ref()).unwrap();
        DeepLinear::from_samples(&[n; 11], x, y).unwrap()
    }
}

fn deep_linear_step(c: &mut Criterion) {
    for (name, covariance) in [
        ("gd_step_deep_linear_n32_l10_cov", true),
        ("gd_step_deep_linear_n32_l10_samples", false),
    ] {
        let net = w2_network(covariance);
        let theta0 = initialize(&net, &Initialization::Identity).unwrap();
        let mut gd =
            GradientDescent::new(&net, Schedule::constant(0.05).unwrap(), &theta0).unwrap();
        c.bench_function(name, |b| b.iter(|| black_box(gd.step())));
    }
    let net = w2_network(true);
    let theta = initialize(&net, &Initialization::Identity).unwrap();
    let mut ws = net.workspace();
    let v = vec![1.0; net.dim()];
    let mut out = vec![0.0; net.dim()];
    c.bench_function("hvp_deep_linear_n32_l10", |b| {
        b.iter(|| net.hessian_vector_product(black_box(&theta), &v, &mut out, &mut ws))
    });
    let mut lanczos = Lanczos::new(LanczosOptions {
        relative_tolerance: 1e-8,
        ..LanczosOptions::default()
    })
    .unwrap();
    c.bench_function("lanczos_sharpness_deep_linear_n32_l10", |b| {
        b.iter(|| {
            lanczos
                .run(&net, black_box(&theta), None, &mut ws)
                .unwrap()
                .sharpness()
        })
    });
}

/// W3's network: Figure 2's sizes with the spec's deterministic initial values and target.
fn relu_step(c: &mut Criterion) {
    let n = 1000;
    let x: Vec<f64> = (1..=n).map(|i| i as f64 / n as f64).collect();
    let y: Vec<f64> = x
        .iter()
        .map(|&x| {
            if x < 0.25 {
                1.0
            } else if x < 0.6 {
                2.0 * x - 0.5
            } else {
                0.2
            }
        })
        .collect();
    let b: Vec<f64> = (1..=20).map(|j| (2.9 * j as f64 + 1.1).sin()).collect();
    let net = TwoLayerRelu::new(1, 1, x, y, b, LossScale::FIGURE2).unwrap();
    let w: Vec<f64> = (1..=20).map(|j| (1.3 * j as f64).cos()).collect();
    let v: Vec<f64> = (1..=20)
        .map(|j| 2.0 * (1.7 * j as f64 + 0.3).sin())
        .collect();
    let theta = net.flatten(&w, &v).unwrap();
    let mut gd = GradientDescent::new(&net, Schedule::constant(2e-4).unwrap(), &theta).unwrap();
    c.bench_function("gd_step_relu_figure2", |b| b.iter(|| black_box(gd.step())));
}

criterion_group!(benches, scalar_step, deep_linear_step, relu_step);
criterion_main!(benches);
