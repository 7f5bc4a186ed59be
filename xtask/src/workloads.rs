//! The benchmark workloads of `shared/bench/SPEC.md`, run through the public API (no
//! benchmark-only code paths): W1 orbit diagram of f2, W2 deep linear GD (n = 32, L = 10),
//! W3 the Figure 2 ReLU network, W4 Lanczos sharpness, W5 a basin map of a 2-D loss written
//! once (autodiff) or with a hand-written gradient, W6 the digits network's single calls. Each
//! returns its `check` value.

use faer::Mat;
use gd_core::analyses::{
    Axis, BasinAttractor, BasinOptions, Monitor, Plane, SharpnessAlongOptions, basins,
    sharpness_along,
};
use gd_core::num_dual::DualNum;
use gd_core::scalar_map::{LaneConfig, final_states};
use gd_core::{
    GradientDescent, Lanczos, LanczosOptions, Loss, Objective, SampleObjective, Schedule, Stability,
};
use gd_models::f2_derivative;
use gd_models::frobenius_distance;
use gd_models::linear_data::{dct_whitened_samples, dct2, symmetric_target};
use gd_models::{
    Activation, DeepLinear, Initialization, LabelledData, LossScale, Mlp, MlpLoss, TwoLayerRelu,
    TwoThreadDeepLinear, initialize,
};
use gd_repro::Result;
use gd_theory::deep_linear::{theorem2_limit, theorem2_step_bound};

/// What a workload run produced.
#[derive(Clone, Debug)]
pub struct WorkloadResult {
    /// The spec's check value.
    pub check: f64,
    /// Steps (GD steps, or HVPs for W4).
    pub steps: usize,
    /// Extra named values (e.g. W2's distance to the root).
    pub extra: Vec<(&'static str, f64)>,
    /// Floating-point operations performed (estimate from the arithmetic).
    pub flops: f64,
}

/// W1 inputs: 512 η on [0.05, 0.6], 512 x₀ on [0, 3], 4096 iterations, freeze at 1e6.
pub struct W1 {
    etas: Vec<f64>,
    starts: Vec<f64>,
}

fn linspace(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| lo + (hi - lo) * i as f64 / (n - 1) as f64)
        .collect()
}

impl W1 {
    /// The spec's grid.
    pub fn new() -> Self {
        Self {
            etas: linspace(0.05, 0.60, 512),
            starts: linspace(0.0, 3.0, 512),
        }
    }

    /// Runs W1: check = number of lanes ending within 1e-6 of 1.
    pub fn run(&self) -> Result<WorkloadResult> {
        let lanes = final_states(
            f2_derivative,
            &self.etas,
            &self.starts,
            &LaneConfig::new(4096, 1e6),
        )?;
        let check = lanes.iter().filter(|l| (l.x - 1.0).abs() <= 1e-6).count() as f64;
        let evaluated: usize = lanes.iter().map(|l| l.steps_evaluated).sum();
        Ok(WorkloadResult {
            check,
            steps: lanes.len() * 4096,
            extra: vec![("steps_evaluated", evaluated as f64)],
            // f2′ and the update: 12 flops a step.
            flops: 12.0 * evaluated as f64,
        })
    }
}

impl Default for W1 {
    fn default() -> Self {
        Self::new()
    }
}

/// The deep linear data of W2 and W4: X = √N C_N[0..n, :], R = C_n diag(λ) C_nᵀ.
fn deep_linear_data(n: usize, samples: usize) -> Result<(Mat<f64>, Mat<f64>, Vec<f64>)> {
    let x = dct_whitened_samples(n, samples)?;
    let lambda = linspace(0.5, 2.0, n);
    let c = dct2(n);
    // The spec computes R = (C * λ) @ Cᵀ = C diag(λ) Cᵀ, i.e. Q = C_n as it stands.
    let r = symmetric_target(&lambda, &c)?;
    Ok((x, r, lambda))
}

/// W2: 2000 GD steps from identity init, n = 32, L = 10, N = 1024, the gradient shared by two
/// threads ([`TwoThreadDeepLinear`], bitwise the one-thread gradient).
pub struct W2 {
    net: TwoThreadDeepLinear,
    target: Mat<f64>,
    eta: f64,
    theta0: Vec<f64>,
}

impl W2 {
    /// The spec's network in the covariance form (`covariance = true`) or the sample form.
    pub fn new(covariance: bool) -> Result<Self> {
        let (n, depth) = (32, 10);
        let (x, r, lambda) = deep_linear_data(n, 1024)?;
        let rho = lambda.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        // bound: n and depth are `W2`'s constants, set above.
        let widths = vec![n; depth + 1];
        let net = if covariance {
            DeepLinear::from_target(&widths, x.as_ref(), r.clone())?
        } else {
            let y = gd_models::linear_data::product(r.as_ref(), x.as_ref())?;
            DeepLinear::from_samples(&widths, x, y)?
        };
        let theta0 = initialize(&net, &Initialization::Identity)?;
        Ok(Self {
            eta: 0.9 * theorem2_step_bound(rho, depth)?,
            net: TwoThreadDeepLinear::new(net),
            target: r,
            theta0,
        })
    }

    /// Runs W2: check = final loss; also max‖W_i − R^{1/L}‖_F.
    pub fn run(&self) -> Result<WorkloadResult> {
        let mut gd = GradientDescent::new(&self.net, Schedule::constant(self.eta)?, &self.theta0)?;
        let steps = 2000;
        for _ in 0..steps {
            gd.step();
        }
        let theta = gd.into_theta();
        let net = self.net.network();
        let loss = net.loss(&theta, &mut net.workspace());
        let depth = net.depth();
        let root = theorem2_limit(self.target.as_ref(), depth)?;
        let mut worst = 0.0_f64;
        for j in 1..=depth {
            worst = worst.max(frobenius_distance(net.layer(&theta, j), root.as_ref()));
        }
        let n = 32.0_f64;
        let gemm = 2.0 * n * n * n;
        // A step (gd_models::deep_linear's split evaluation at m): m − 1 prefix and L − m − 1
        // suffix products, P = B_{m+1} A_m, then per side 1 + 2(side's layers − 1) gradient
        // products: 3L − 3 in all; then D Σ (covariance form) or P X and E Xᵀ (32 × 1024,
        // sample form).
        let chain = (3.0 * depth as f64 - 3.0) * gemm;
        let flops = if net.is_covariance_form() {
            chain + gemm
        } else {
            chain + 2.0 * 2.0 * n * n * 1024.0
        };
        Ok(WorkloadResult {
            check: loss,
            steps,
            extra: vec![("max_dist_to_root", worst)],
            flops: flops * steps as f64,
        })
    }
}

/// W3: the Figure 2 network with the spec's deterministic init and target, 100 000 steps.
pub struct W3 {
    net: TwoLayerRelu,
    theta0: Vec<f64>,
}

impl W3 {
    /// The spec's network.
    pub fn new() -> Result<Self> {
        let n = 1000;
        let x: Vec<f64> = (1..=n).map(|i| i as f64 / n as f64).collect();
        let y = x
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
        let b = (1..=20).map(|j| (2.9 * j as f64 + 1.1).sin()).collect();
        let net = TwoLayerRelu::new(1, 1, x, y, b, LossScale::FIGURE2)?;
        let w: Vec<f64> = (1..=20).map(|j| (1.3 * j as f64).cos()).collect();
        let v: Vec<f64> = (1..=20)
            .map(|j| 2.0 * (1.7 * j as f64 + 0.3).sin())
            .collect();
        let theta0 = net.flatten(&w, &v)?;
        Ok(Self { net, theta0 })
    }

    /// Runs W3: check = the loss after 100 steps; also the final loss.
    pub fn run(&self) -> Result<WorkloadResult> {
        let mut gd = GradientDescent::new(&self.net, Schedule::constant(2e-4)?, &self.theta0)?;
        let steps = 100_000;
        let mut loss_at_100 = f64::NAN;
        for k in 0..steps {
            let info = gd.step();
            if k == 100 {
                loss_at_100 = info.loss;
            }
        }
        let theta = gd.into_theta();
        let mut ws = self.net.workspace();
        let final_loss = self.net.loss(&theta, &mut ws);
        Ok(WorkloadResult {
            check: loss_at_100,
            steps,
            extra: vec![("final_loss", final_loss)],
            // Sorted-scalar form: ~8 flops per sample (prefix sums, residual) + O(r) per unit.
            flops: (8.0 * 1000.0 + 20.0 * 12.0) * steps as f64,
        })
    }
}

/// W4: λmax of the deep linear loss (n = 32, L = 4, covariance form) at W_i = I + 0.1 G_i by
/// Lanczos on HVPs to relative tolerance 1e-8 from the all-ones vector.
pub struct W4 {
    net: DeepLinear,
    theta: Vec<f64>,
}

impl W4 {
    /// The spec's point.
    pub fn new() -> Result<Self> {
        let (n, depth) = (32, 4);
        let (x, r, _) = deep_linear_data(n, 1024)?;
        // bound: n and depth are `W4`'s constants, set above.
        let net = DeepLinear::from_target(&vec![n; depth + 1], x.as_ref(), r)?;
        let layers: Vec<Mat<f64>> = (1..=depth)
            .map(|i| {
                Mat::from_fn(n, n, |a, b| {
                    let id = if a == b { 1.0 } else { 0.0 };
                    id + 0.1 * ((7 * a + 3 * b + 11 * i + 1) as f64).sin()
                })
            })
            .collect();
        let theta = net.flatten(&layers)?;
        Ok(Self { net, theta })
    }

    /// Seconds per Hessian-vector product at the W4 point (median of `reps`), for profiling.
    pub fn seconds_per_hvp(&self, reps: usize) -> f64 {
        let mut ws = self.net.workspace();
        let v = vec![1.0; self.net.dim()];
        let mut out = vec![0.0; self.net.dim()];
        let mut times: Vec<f64> = (0..reps.max(1))
            .map(|_| {
                let t = std::time::Instant::now();
                self.net
                    .hessian_vector_product(&self.theta, &v, &mut out, &mut ws);
                t.elapsed().as_secs_f64()
            })
            .collect();
        times.sort_by(f64::total_cmp);
        times[times.len() / 2]
    }

    /// Runs W4: check = λmax; steps = HVPs.
    pub fn run(&self) -> Result<WorkloadResult> {
        let mut lanczos = Lanczos::new(LanczosOptions {
            top_k: 1,
            relative_tolerance: 1e-8,
            max_iterations: 300,
            converge_smallest: false,
            ..LanczosOptions::default()
        })?;
        let mut ws = self.net.workspace();
        let e = lanczos.run(&self.net, &self.theta, None, &mut ws)?;
        let hvps = e.hessian_vector_products;
        let n = 32.0_f64;
        let d = self.net.dim() as f64;
        // Once per θ: L − 1 prefix, L − 2 suffix products, G = D Σ and L − 2 products
        // B_{j+1}ᵀ G. Per HVP: 2(L − 1) + 2(L − 2) directional products, dG and
        // 4L − 4 gradient-side products (identities and zeros at the ends skipped);
        // per Lanczos step: two Gram–Schmidt passes over the basis.
        let depth = self.net.depth() as f64;
        let gemm = 2.0 * n * n * n;
        let once = (3.0 * depth - 4.0) * gemm;
        let per_hvp = (8.0 * depth - 9.0) * gemm;
        let reorth: f64 = (1..=hvps).map(|m| 8.0 * m as f64 * d).sum();
        Ok(WorkloadResult {
            check: e.sharpness(),
            steps: hvps,
            extra: vec![("converged", e.converged as u8 as f64)],
            flops: once + per_hvp * hvps as f64 + reorth,
        })
    }
}

/// SPEC W5's loss, written once: (x² − 1)² + 2(y² − 1)² + xy/2.
pub struct W5Loss;

impl Loss for W5Loss {
    fn dim(&self) -> usize {
        2
    }
    fn loss<D: DualNum<Primitive = f64> + Copy>(&self, t: &[D]) -> D {
        let (x, y) = (t[0], t[1]);
        (x * x - 1.0).powi(2) + (y * y - 1.0).powi(2) * 2.0 + x * y * 0.5
    }
}

/// SPEC W5's loss with the gradient written by hand (variant `manual`); its Hessian is only
/// used to label the handful of attractors.
pub struct W5Manual;

impl Objective for W5Manual {
    type Workspace = ();
    fn dim(&self) -> usize {
        2
    }
    fn workspace(&self) {}
    fn loss(&self, t: &[f64], _: &mut ()) -> f64 {
        let (x, y) = (t[0], t[1]);
        (x * x - 1.0).powi(2) + 2.0 * (y * y - 1.0).powi(2) + 0.5 * x * y
    }
    fn loss_and_gradient(&self, t: &[f64], g: &mut [f64], ws: &mut ()) -> f64 {
        let (x, y) = (t[0], t[1]);
        g[0] = 4.0 * x * (x * x - 1.0) + y / 2.0;
        g[1] = 8.0 * y * (y * y - 1.0) + x / 2.0;
        self.loss(t, ws)
    }
    fn hessian_vector_product(&self, t: &[f64], v: &[f64], out: &mut [f64], _: &mut ()) {
        let (x, y) = (t[0], t[1]);
        out[0] = (12.0 * x * x - 4.0) * v[0] + 0.5 * v[1];
        out[1] = 0.5 * v[0] + (24.0 * y * y - 8.0) * v[1];
    }
}

/// W5: where GD at η = 0.12 ends from 1024 × 1024 starts on [−2, 2]², up to 2000 steps,
/// lanes frozen beyond 10⁶; check = starts ending at the two (stable) local minima.
pub fn w5<O: Objective>(objective: &O) -> Result<WorkloadResult> {
    let axis = Axis::new(-2.0, 2.0, 1024)?;
    let map = basins(
        objective,
        0.12,
        &Plane::xy(axis, axis),
        &BasinOptions::default(),
        None,
    )?;
    let count = |wanted: fn(&BasinAttractor) -> bool| -> usize {
        map.attractors
            .iter()
            .zip(&map.counts)
            .filter(|(a, _)| wanted(a))
            .map(|(_, n)| n)
            .sum()
    };
    let at_minima = map.count_at_fixed_points(Stability::Stable);
    let diverged = count(|a| matches!(a, BasinAttractor::Diverged));
    Ok(WorkloadResult {
        check: at_minima as f64,
        steps: map.steps_evaluated as usize,
        extra: vec![
            ("diverged", diverged as f64),
            ("other", (map.labels.len() - at_minima - diverged) as f64),
        ],
        // Per lane-step: a gradient (about 20 flops by hand) and the update.
        flops: 24.0 * map.steps_evaluated as f64,
    })
}

/// SPEC W6's network and data: digits (pixels / 16, one-hot targets), fc-tanh
/// 64 → 200 → 200 → 10, squared loss averaged over the 1797 samples, at θ₀ from
/// `shared/bench/data/w6-theta0.f64`.
pub struct W6 {
    /// The network on its data.
    pub mlp: Mlp,
    /// θ₀.
    pub theta0: Vec<f64>,
}

/// W6's step size and number of steps.
const W6_ETA: f64 = 0.035;
const W6_STEPS: usize = 1000;

/// Where W6's θ₀ lives beside the repository.
pub fn w6_theta0_path(root: &std::path::Path) -> std::path::PathBuf {
    root.parent()
        .unwrap_or(root)
        .join("shared/bench/data/w6-theta0.f64")
}

impl W6 {
    /// The spec's network and θ₀ (read from `theta0`: d little-endian f64).
    pub fn new(theta0: &std::path::Path) -> std::result::Result<Self, Box<dyn std::error::Error>> {
        let digits = LabelledData::digits()?.scaled(1.0 / 16.0)?;
        let mlp = Mlp::new(
            &[64, 200, 200, 10],
            Activation::Tanh,
            MlpLoss::Squared,
            digits.x.clone(),
            digits.one_hot()?,
        )?;
        let bytes = std::fs::read(theta0).map_err(|e| format!("{}: {e}", theta0.display()))?;
        if bytes.len() != 8 * mlp.dim() {
            return Err(format!(
                "{}: expected {} f64 ({} bytes), found {} bytes",
                theta0.display(),
                mlp.dim(),
                8 * mlp.dim(),
                bytes.len()
            )
            .into());
        }
        let theta0 = bytes
            .chunks_exact(8)
            .map(|b| f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
            .collect();
        Ok(Self { mlp, theta0 })
    }

    /// Floating-point operations of one gradient and of one Hessian-vector product with its
    /// own forward pass, counting the products' multiply-adds (2 flops each) only: per
    /// sample, the forward pass 2P, the weight gradients 2P and the back-propagation
    /// 2(P − P₁); the HVP's forward and back-propagation again, R-forward 2P + 2(P − P₁) and
    /// R-backward 2P + 6(P − P₁) (P weights, P₁ those of the first layer, whose input has no
    /// R-image and whose error is not propagated).
    pub fn flops(&self) -> (f64, f64) {
        let sizes = self.mlp.sizes();
        let p: f64 = sizes.windows(2).map(|w| (w[0] * w[1]) as f64).sum();
        let p1 = (sizes[0] * sizes[1]) as f64;
        let n = self.mlp.num_samples() as f64;
        let gradient = n * (4.0 * p + 2.0 * (p - p1));
        let hvp =
            n * (2.0 * p + 2.0 * (p - p1) + 2.0 * p + 2.0 * (p - p1) + 2.0 * p + 6.0 * (p - p1));
        (gradient, hvp)
    }

    /// SPEC W6: 1000 GD steps at η = 0.035 with λmax to a relative 10⁻⁸ every 25 steps
    /// (thick-restart Lanczos warm-started from the last sample, HVPs reusing the step's forward
    /// pass); check = the loss at step 1000; extra: λmax at step 1000 and the HVPs.
    pub fn run(&self) -> Result<WorkloadResult> {
        let options = SharpnessAlongOptions::default();
        let run = sharpness_along(
            &self.mlp,
            &self.theta0,
            Schedule::constant(W6_ETA)?,
            W6_STEPS,
            &options,
            Monitor::default(),
        )?;
        let last = run.samples.last().map_or(f64::NAN, |s| s.sharpness);
        let converged = run.samples.iter().filter(|s| s.converged).count();
        let (gradient_flops, hvp_flops) = self.flops();
        // Every product of a sample reuses its step's forward pass and errors.
        let sizes = self.mlp.sizes();
        let p: f64 = sizes.windows(2).map(|w| (w[0] * w[1]) as f64).sum();
        let p1 = (sizes[0] * sizes[1]) as f64;
        let reused = self.mlp.num_samples() as f64 * (2.0 * p + 2.0 * (p - p1));
        Ok(WorkloadResult {
            check: run.losses.last().copied().unwrap_or(f64::NAN),
            steps: W6_STEPS,
            extra: vec![
                ("lambda_max_last", last),
                ("hvps", run.hessian_vector_products as f64),
                ("samples", run.samples.len() as f64),
                ("samples_converged", converged as f64),
            ],
            flops: gradient_flops * (W6_STEPS + 1) as f64
                + (hvp_flops - reused) * run.hessian_vector_products as f64,
        })
    }

    /// Medians over `reps` calls (after one warm-up) of: a gradient; a Hessian-vector product
    /// with its own forward pass (each at a θ other than the last call's); and one that reuses
    /// the forward pass of a gradient at the same θ. Also the loss at θ₀.
    pub fn call_seconds(&self, reps: usize) -> (f64, f64, f64, f64) {
        let d = self.mlp.dim();
        let mut ws = self.mlp.workspace();
        let (mut g, mut hv) = (vec![0.0; d], vec![0.0; d]);
        let v: Vec<f64> = (0..d).map(|i| (i as f64).cos()).collect();
        // A second point, so that consecutive products do not share a forward pass.
        let other: Vec<f64> = self.theta0.iter().map(|t| t * (1.0 + 1e-3)).collect();
        let median_of = |f: &mut dyn FnMut()| {
            f();
            let mut t: Vec<f64> = (0..reps.max(1))
                .map(|_| {
                    let s = std::time::Instant::now();
                    f();
                    s.elapsed().as_secs_f64()
                })
                .collect();
            t.sort_by(f64::total_cmp);
            t[t.len() / 2]
        };
        let mut loss = 0.0;
        let gradient = median_of(&mut || {
            loss = self.mlp.loss_and_gradient(&self.theta0, &mut g, &mut ws);
        });
        let mut flip = false;
        let cold = median_of(&mut || {
            flip = !flip;
            let at = if flip { &other } else { &self.theta0 };
            self.mlp.hessian_vector_product(at, &v, &mut hv, &mut ws);
        });
        self.mlp.loss_and_gradient(&self.theta0, &mut g, &mut ws);
        let reusing = median_of(&mut || {
            self.mlp
                .hessian_vector_product(&self.theta0, &v, &mut hv, &mut ws);
        });
        (gradient, cold, reusing, loss)
    }
}
