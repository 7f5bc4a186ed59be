//! The cost of a loss written once (`gd_core::Autodiff`) against hand-written derivatives, per
//! gradient and per Hessian-vector product, at d = 2, 10, 100, on the Rosenbrock chain
//! f(θ) = Σᵢ (1 − θᵢ)² + 100 (θᵢ₊₁ − θᵢ²)².

use gd_core::num_dual::DualNum;
use gd_core::{Autodiff, Loss, Objective};
use std::time::Instant;

/// The chain written once.
struct Chain(usize);

impl Loss for Chain {
    fn dim(&self) -> usize {
        self.0
    }
    fn loss<D: DualNum<Primitive = f64> + Copy>(&self, t: &[D]) -> D {
        let mut sum = D::from(0.0);
        for i in 0..t.len() - 1 {
            sum += (-t[i] + 1.0).powi(2) + (t[i + 1] - t[i] * t[i]).powi(2) * 100.0;
        }
        sum
    }
}

/// The chain with its gradient and (tridiagonal) Hessian written by hand.
struct ChainByHand(usize);

impl Objective for ChainByHand {
    type Workspace = ();
    fn dim(&self) -> usize {
        self.0
    }
    fn workspace(&self) {}
    fn loss(&self, t: &[f64], _: &mut ()) -> f64 {
        t.windows(2)
            .map(|w| (1.0 - w[0]).powi(2) + 100.0 * (w[1] - w[0] * w[0]).powi(2))
            .sum()
    }
    fn loss_and_gradient(&self, t: &[f64], g: &mut [f64], ws: &mut ()) -> f64 {
        g.fill(0.0);
        for i in 0..t.len() - 1 {
            let r = t[i + 1] - t[i] * t[i];
            g[i] += -2.0 * (1.0 - t[i]) - 400.0 * t[i] * r;
            g[i + 1] += 200.0 * r;
        }
        self.loss(t, ws)
    }
    fn hessian_vector_product(&self, t: &[f64], v: &[f64], out: &mut [f64], _: &mut ()) {
        out.fill(0.0);
        for i in 0..t.len() - 1 {
            let (a, b) = (t[i], t[i + 1]);
            let h_ii = 2.0 - 400.0 * (b - a * a) + 800.0 * a * a;
            let h_ij = -400.0 * a;
            out[i] += h_ii * v[i] + h_ij * v[i + 1];
            out[i + 1] += h_ij * v[i] + 200.0 * v[i + 1];
        }
    }
}

/// Median seconds per call of `f` over 7 batches sized to about 20 ms.
fn per_call(mut f: impl FnMut()) -> f64 {
    let mut calls = 1;
    loop {
        let t = Instant::now();
        (0..calls).for_each(|_| f());
        if t.elapsed().as_secs_f64() > 0.02 {
            break;
        }
        calls *= 2;
    }
    let mut times: Vec<f64> = (0..7)
        .map(|_| {
            let t = Instant::now();
            (0..calls).for_each(|_| f());
            t.elapsed().as_secs_f64() / calls as f64
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[3]
}

/// One JSON line per dimension: ns per gradient and per HVP, by hand and by `Autodiff`, and the
/// largest relative difference between the two (they must agree to rounding).
pub fn run() {
    for d in [2, 10, 100] {
        let (hand, auto) = (ChainByHand(d), Autodiff::new(Chain(d)));
        let theta: Vec<f64> = (0..d).map(|i| 0.5 + 0.1 * ((i * 7) % 5) as f64).collect();
        let v: Vec<f64> = (0..d).map(|i| 1.0 - 0.2 * ((i * 3) % 4) as f64).collect();
        let (mut g, mut h) = (vec![0.0; d], vec![0.0; d]);
        let (mut ga, mut ha) = (vec![0.0; d], vec![0.0; d]);
        let mut ws = auto.workspace();
        hand.loss_and_gradient(&theta, &mut g, &mut ());
        hand.hessian_vector_product(&theta, &v, &mut h, &mut ());
        auto.loss_and_gradient(&theta, &mut ga, &mut ws);
        auto.hessian_vector_product(&theta, &v, &mut ha, &mut ws);
        let relative = |a: &[f64], b: &[f64]| {
            let scale = b.iter().fold(1.0_f64, |m, x| m.max(x.abs()));
            a.iter()
                .zip(b)
                .fold(0.0_f64, |m, (x, y)| m.max((x - y).abs() / scale))
        };
        let gradient_hand = per_call(|| {
            std::hint::black_box(hand.loss_and_gradient(&theta, &mut g, &mut ()));
        });
        let gradient_auto = per_call(|| {
            std::hint::black_box(auto.loss_and_gradient(&theta, &mut ga, &mut ws));
        });
        let hvp_hand = per_call(|| {
            hand.hessian_vector_product(&theta, &v, &mut h, &mut ());
            std::hint::black_box(&h);
        });
        let hvp_auto = per_call(|| {
            auto.hessian_vector_product(&theta, &v, &mut ha, &mut ws);
            std::hint::black_box(&ha);
        });
        outln!(
            "{}",
            serde_json::json!({
                "autodiff_cost": "rosenbrock-chain", "d": d,
                "gradient_ns_by_hand": gradient_hand * 1e9, "gradient_ns_autodiff": gradient_auto * 1e9,
                "gradient_ratio": gradient_auto / gradient_hand,
                "hvp_ns_by_hand": hvp_hand * 1e9, "hvp_ns_autodiff": hvp_auto * 1e9,
                "hvp_ratio": hvp_auto / hvp_hand,
                "max_relative_difference": relative(&ga, &g).max(relative(&ha, &h)),
            })
        );
    }
}
