//! The central flow of gradient descent (Cohen, Damian, Talwalkar, Kolter & Lee, *Understanding
//! Optimization in Deep Learning with Central Flows*, ICLR 2025, eq. (5)–(6); one direction:
//! Damian, Nichani & Lee, *Self-Stabilization*, ICLR 2023), integrated beside GD itself.
//!
//! At the edge of stability GD oscillates along the top Hessian eigenvectors while λmax stays at
//! 2/η; its time-averaged path follows
//!
//! dθ/dt = −η [∇L(θ) + ½ ∇⟨∇²L(θ), Σ(θ)⟩],   t in GD steps,
//!
//! where Σ = U X Uᵀ lives on the edge subspace U (the Hessian's eigenvectors with eigenvalues
//! ≥ `threshold`·2/η) and X ⪰ 0 solves the complementarity problem that keeps those
//! eigenvalues from rising past 2/η. With H_ij = u_iᵀ∇²L u_j and their gradients ∇H_ij (third
//! derivatives), X solves SDCP(A, B) (`crate::semidefinite_complementarity`):
//!
//! A_ij = η⟨∇H_ij, ∇L⟩ + κ(2/η − λ_i)δ_ij,   B\[X\]_ij = (η/2) Σ_kl ⟨∇H_ij, ∇H_kl⟩ X_kl,
//!
//! i.e. −dH/dt + κ(2/η − H) ⪰ 0 with equality where X acts. κ (`restoring_rate`) is the rate at
//! which an edge eigenvalue off 2/η is brought back (a Baumgarte term; the paper's Euler
//! discretization has κ = 1/Δt). With one direction X is the paper's closed form
//! σ² = 2⟨−∇L, ∇S⟩/‖∇S‖² at S = 2/η. Below the edge X = 0 and the flow is gradient flow.
//! The flow predicts GD's time-averaged loss L(θ) + ½⟨∇²L, Σ⟩ (eq. 8).
//!
//! Integration: Bogacki–Shampine 3(2) with an adaptive step, local error ≤ `tolerance`·(1 + ‖θ‖)
//! per step, landing on every integer time (GD's steps), deterministic.

use super::sharpness_along::Monitor;
use crate::error::{check_dimension, check_finite, out_of_range};
use crate::run_config::{reserved_records, validate_iterations};
use crate::semidefinite_complementarity::{MAX_SIZE, solve_sdcp};
use crate::vector::{distance, dot, norm};
use crate::{
    GradientDescent, Lanczos, LanczosOptions, Objective, Result, Schedule, ThirdDerivativeScratch,
    third_derivative,
};
use serde::{Deserialize, Serialize};

/// Settings of [`central_flow`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CentralFlowOptions {
    /// Eigenvalues ≥ `threshold`·2/η form the edge subspace (the paper: 1.95/η, i.e. 0.975).
    pub threshold: f64,
    /// κ: the rate (per step) at which an edge eigenvalue above or below 2/η returns to it.
    pub restoring_rate: f64,
    /// Local error per integration step, relative to 1 + ‖θ‖.
    pub tolerance: f64,
    /// Record every `every` steps (GD's λmax is computed at these steps).
    pub every: usize,
    /// Width, in steps, of the window over which GD's loss is averaged (centred).
    pub window: usize,
    /// Most edge directions (the complementarity problem has k⁴ coefficients).
    pub max_edge: usize,
    /// Lanczos residual tolerance, relative to λmax, for the edge eigenvectors.
    pub eigen_tolerance: f64,
    /// GD has diverged once ‖θ‖₂ exceeds this.
    pub divergence_bound: f64,
    /// Steps of GD before the flow starts from GD's iterate (the paper's warm start): the
    /// flow and GD then run side by side from step `warm_start` on.
    pub warm_start: usize,
}

impl Default for CentralFlowOptions {
    fn default() -> Self {
        Self {
            threshold: 0.95,
            restoring_rate: 2.0,
            tolerance: 1e-6,
            every: 1,
            window: 20,
            max_edge: 8,
            eigen_tolerance: 1e-10,
            divergence_bound: 1e12,
            warm_start: 0,
        }
    }
}

impl CentralFlowOptions {
    /// Checks every field.
    pub fn validate(&self) -> Result<()> {
        if !(self.threshold > 0.0 && self.threshold <= 1.0) {
            return Err(out_of_range("threshold", self.threshold, "in (0, 1]"));
        }
        if !(self.restoring_rate.is_finite() && self.restoring_rate >= 0.0) {
            return Err(out_of_range(
                "restoring_rate",
                self.restoring_rate,
                "finite and ≥ 0",
            ));
        }
        if !(self.tolerance > 1e-14 && self.tolerance < 1.0) {
            return Err(out_of_range("tolerance", self.tolerance, "in (1e-14, 1)"));
        }
        if self.every == 0 {
            return Err(out_of_range("every", 0, "at least 1"));
        }
        if self.window == 0 {
            return Err(out_of_range("window", 0, "at least 1"));
        }
        if !(1..=MAX_SIZE).contains(&self.max_edge) {
            return Err(out_of_range(
                "max_edge",
                self.max_edge,
                format!("1 to {MAX_SIZE}"),
            ));
        }
        if !(self.eigen_tolerance > 0.0 && self.eigen_tolerance < 1e-2) {
            return Err(out_of_range(
                "eigen_tolerance",
                self.eigen_tolerance,
                "in (0, 1e-2)",
            ));
        }
        if !(self.divergence_bound.is_finite() && self.divergence_bound > 0.0) {
            return Err(out_of_range(
                "divergence_bound",
                self.divergence_bound,
                "finite and > 0",
            ));
        }
        Ok(())
    }
}

/// The flow and GD at one step k.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CentralFlowSample {
    /// The step k of GD (the flow's time t = k − `warm_start`).
    pub iteration: usize,
    /// L at the flow's point.
    pub flow_loss: f64,
    /// The flow's prediction of GD's time-averaged loss, L + ½⟨∇²L, Σ⟩.
    pub predicted_loss: f64,
    /// λmax at the flow's point.
    pub flow_sharpness: f64,
    /// Directions at the edge (the rank of the subspace Σ may use).
    pub edge: usize,
    /// tr Σ: the predicted variance of GD's oscillation.
    pub sigma_trace: f64,
    /// GD's loss at step k.
    pub gd_loss: f64,
    /// GD's loss averaged over the window centred at k.
    pub gd_loss_average: f64,
    /// λmax at GD's iterate.
    pub gd_sharpness: f64,
    /// ‖θ_GD(k) − θ_flow(k)‖.
    pub distance: f64,
    /// ‖(θ_GD(k) + θ_GD(k+1))/2 − θ_flow(k)‖: the midpoint of GD's step, which an oscillation
    /// of period 2 centres.
    pub midpoint_distance: f64,
    /// ‖θ_GD(k) − θ_GD(warm_start)‖: how far GD has moved, the scale of the distances.
    pub travelled: f64,
}

/// How closely the flow predicts GD over the samples from a step on (the claims of
/// Cohen et al., §4): each as its mean and its largest value.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Agreement {
    /// The first step at which the flow had a direction at the edge.
    pub flow_onset: Option<usize>,
    /// Samples compared.
    pub samples: usize,
    /// |λmax(flow)/(2/η) − 1| over the samples with a direction at the edge (mean, max).
    pub sharpness_error: (f64, f64),
    /// |predicted loss − GD's averaged loss| / GD's averaged loss (mean, max).
    pub loss_error: (f64, f64),
    /// ‖θ_GD − θ_flow‖ / ‖θ_GD − θ_GD(start)‖ (mean, max).
    pub relative_distance: (f64, f64),
    /// ‖midpoint of GD's step − θ_flow‖ / ‖θ_GD − θ_GD(start)‖ (mean, max).
    pub relative_midpoint_distance: (f64, f64),
}

/// A claim of the central flow held against GD: its measured mean and largest value over the
/// samples, the tolerance its mean is judged by, and the verdict.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct FlowClaim {
    /// What is measured.
    pub name: &'static str,
    /// Mean over the samples.
    pub mean: f64,
    /// Largest value.
    pub max: f64,
    /// The mean's tolerance.
    pub tolerance: f64,
    /// mean ≤ tolerance.
    pub holds: bool,
}

/// The tolerances of the claims, on their means. λmax along the flow: 1 %, the "λmax ≈ 2/η"
/// of the edge of stability (the flow itself holds it to its integration error once settled).
/// The predicted loss against GD's loss averaged over the window: 5 %, what the paper's
/// figures show for networks (Cohen et al. 2025, Fig. 1 and §4). GD's distance to the flow:
/// 10 % of the distance GD has travelled, "GD stays close to the flow" measured against how far
/// it moves; measured from the midpoint of GD's step, since the flow models GD's time-averaged
/// path and the iterate itself sits ±√Σ off it by design (the raw distance is reported
/// beside it).
pub const CLAIM_TOLERANCES: [f64; 3] = [0.01, 0.05, 0.10];

impl Agreement {
    /// The three claims with their verdicts: λmax(flow) at 2/η, the predicted loss against GD's
    /// averaged loss, the relative distance from the midpoint of GD's step to the flow.
    pub fn claims(&self) -> [FlowClaim; 3] {
        let claim = |name, (mean, max): (f64, f64), tolerance: f64| FlowClaim {
            name,
            mean,
            max,
            tolerance,
            holds: mean <= tolerance,
        };
        [
            claim(
                "flow's lambda_max at 2/eta",
                self.sharpness_error,
                CLAIM_TOLERANCES[0],
            ),
            claim(
                "predicted loss vs GD's averaged loss",
                self.loss_error,
                CLAIM_TOLERANCES[1],
            ),
            claim(
                "GD's (midpoint) distance to the flow",
                self.relative_midpoint_distance,
                CLAIM_TOLERANCES[2],
            ),
        ]
    }
}

/// Steps after the flow's onset left out of [`CentralFlow::agreement_after_onset`]: the
/// restoring term brings λmax to 2/η at rate κ (e^(−κ·10) ≈ 2e-9 at the default κ = 2), and
/// GD's oscillation needs about as long to grow.
pub const SETTLE_STEPS: usize = 10;

impl CentralFlow {
    /// The agreement from [`SETTLE_STEPS`] after the flow's onset (from the start when the flow
    /// never reached the edge).
    pub fn agreement_after_onset(&self) -> Option<Agreement> {
        let from = self
            .samples
            .iter()
            .find(|s| s.edge > 0)
            .map_or(self.warm_start, |s| s.iteration + SETTLE_STEPS);
        self.agreement(from)
    }

    /// The agreement over the samples at steps ≥ `from` whose averaging window lies inside the
    /// run; `None` when there are none.
    pub fn agreement(&self, from: usize) -> Option<Agreement> {
        let window = self.window;
        let last = self.warm_start + self.steps;
        let chosen: Vec<&CentralFlowSample> = self
            .samples
            .iter()
            .filter(|s| s.iteration >= from && s.iteration + window / 2 <= last)
            .collect();
        if chosen.is_empty() {
            return None;
        }
        let spread = |values: &mut dyn Iterator<Item = f64>| {
            let (mut sum, mut max, mut n) = (0.0, 0.0_f64, 0usize);
            for v in values {
                (sum, max, n) = (sum + v, max.max(v), n + 1);
            }
            (if n == 0 { 0.0 } else { sum / n as f64 }, max)
        };
        let scale = |s: &CentralFlowSample| s.travelled.max(f64::MIN_POSITIVE);
        Some(Agreement {
            flow_onset: self
                .samples
                .iter()
                .find(|s| s.edge > 0)
                .map(|s| s.iteration),
            samples: chosen.len(),
            sharpness_error: spread(
                &mut chosen
                    .iter()
                    .filter(|s| s.edge > 0)
                    .map(|s| (s.flow_sharpness / self.threshold - 1.0).abs()),
            ),
            loss_error: spread(
                &mut chosen.iter().map(|s| {
                    (s.predicted_loss - s.gd_loss_average).abs() / s.gd_loss_average.abs()
                }),
            ),
            relative_distance: spread(&mut chosen.iter().map(|s| s.distance / scale(s))),
            relative_midpoint_distance: spread(
                &mut chosen.iter().map(|s| s.midpoint_distance / scale(s)),
            ),
        })
    }
}

/// How the run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CentralFlowEnd {
    /// All steps.
    Completed,
    /// GD's loss or iterate stopped being finite or left the bound.
    GdDiverged,
    /// More eigenvalues at the edge than `max_edge`.
    EdgeTooLarge,
    /// The integrator's step fell below 1e-9 steps (the flow cannot be followed).
    StepUnderflow,
    /// The caller's stop hook.
    Stopped,
}

impl CentralFlowEnd {
    /// The end's name in results ("completed", "gd_diverged", …).
    pub fn name(self) -> &'static str {
        match self {
            Self::Completed => "completed",
            Self::GdDiverged => "gd_diverged",
            Self::EdgeTooLarge => "edge_too_large",
            Self::StepUnderflow => "step_underflow",
            Self::Stopped => "stopped",
        }
    }
}

/// The central flow from θ₀ at η beside GD from θ₀.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CentralFlow {
    /// The step size.
    pub eta: f64,
    /// 2/η.
    pub threshold: f64,
    /// Every `every` steps, and the last.
    pub samples: Vec<CentralFlowSample>,
    /// GD's loss at every step from `warm_start` on.
    pub gd_losses: Vec<f64>,
    /// The step both started from.
    pub warm_start: usize,
    /// The window of GD's averaged loss (`options.window`).
    pub window: usize,
    /// Steps of GD (and time of the flow) reached after the warm start.
    pub steps: usize,
    /// How it ended.
    pub end: CentralFlowEnd,
    /// Accepted and rejected integration steps.
    pub accepted: usize,
    /// Rejected integration steps.
    pub rejected: usize,
    /// Evaluations of the flow's vector field.
    pub field_evaluations: usize,
    /// Hessian-vector products in all (the flow's eigenvectors and third derivatives, GD's λmax).
    pub hessian_vector_products: usize,
    /// Whether the third derivatives were exact (dual numbers) rather than central differences;
    /// `None` when the flow never reached the edge and needed none.
    pub exact_third_derivatives: Option<bool>,
    /// The flow's final point.
    pub final_theta: Vec<f64>,
}

/// The vector field at one point, with what it says about the oscillation.
#[derive(Clone, Debug, Default)]
struct Field {
    loss: f64,
    sharpness: f64,
    edge: usize,
    sigma_trace: f64,
    /// ½⟨∇²L, Σ⟩ = ½ Σ_i λ_i X_ii.
    oscillation_loss: f64,
    direction: Vec<f64>,
}

/// Buffers and warm starts of the vector field.
struct FieldWorkspace<O: Objective> {
    ws: O::Workspace,
    gradient: Vec<f64>,
    lanczos: Lanczos,
    start: Vec<f64>,
    pair_gradients: Vec<Vec<f64>>,
    scratch: ThirdDerivativeScratch,
    tracked: usize,
    hessian_vector_products: usize,
    exact: Option<bool>,
}

/// Evaluates the field at θ into `field`; `Ok(false)` when more than `max_edge` eigenvalues
/// are at the edge.
fn evaluate<O: Objective>(
    objective: &O,
    theta: &[f64],
    eta: f64,
    options: &CentralFlowOptions,
    w: &mut FieldWorkspace<O>,
    field: &mut Field,
) -> Result<bool> {
    let d = theta.len();
    field.loss = objective.loss_and_gradient(theta, &mut w.gradient, &mut w.ws);
    let edge_value = options.threshold * 2.0 / eta;
    // Enough eigenpairs to see the first one below the edge value.
    let (values, vectors) = loop {
        let k = w.tracked.min(d);
        if w.lanczos.options().top_k != k {
            w.lanczos = Lanczos::new(LanczosOptions {
                top_k: k,
                ..*w.lanczos.options()
            })?;
        }
        let start = (norm(&w.start) > 0.0).then_some(w.start.as_slice());
        let e = w.lanczos.run(objective, theta, start, &mut w.ws)?;
        w.hessian_vector_products += e.hessian_vector_products;
        let values: Vec<f64> = e.largest.iter().map(|r| r.value).collect();
        let above = values.iter().filter(|v| **v >= edge_value).count();
        if above < k || k == d || k > options.max_edge {
            w.tracked = (above + 1).max(1);
            break (values, e.top_eigenvectors);
        }
        w.tracked = k + 1;
    };
    w.start.iter_mut().for_each(|s| *s = 0.0);
    for v in &vectors {
        w.start.iter_mut().zip(v).for_each(|(s, x)| *s += x);
    }
    field.sharpness = values.first().copied().unwrap_or(f64::NAN);
    let k = values.iter().filter(|v| **v >= edge_value).count();
    field.edge = k;
    field.direction.clear();
    field.direction.extend(w.gradient.iter().map(|g| -eta * g));
    field.sigma_trace = 0.0;
    field.oscillation_loss = 0.0;
    if k == 0 {
        return Ok(true);
    }
    if k > options.max_edge {
        return Ok(false);
    }
    // ∇H_ij for i ≤ j, in the order (0,0), (0,1), …, (1,1), ….
    let pairs: Vec<(usize, usize)> = (0..k).flat_map(|i| (i..k).map(move |j| (i, j))).collect();
    w.pair_gradients.resize_with(pairs.len(), || vec![0.0; d]);
    for (p, &(i, j)) in pairs.iter().enumerate() {
        let exact = third_derivative(
            objective,
            theta,
            &vectors[i],
            &vectors[j],
            &mut w.pair_gradients[p],
            &mut w.scratch,
            &mut w.ws,
        );
        w.exact = Some(exact);
        if !exact {
            w.hessian_vector_products += 2;
        }
    }
    let pair = |i: usize, j: usize| {
        let (a, b) = if i <= j { (i, j) } else { (j, i) };
        a * k - a * (a + 1) / 2 + b
    };
    // bound: k ≤ `max_edge` ≤ `MAX_SIZE`, so n² ≤ 16⁴.
    let n = k * k;
    let mut a = vec![0.0; n];
    let mut b = vec![0.0; n * n];
    for i in 0..k {
        for j in 0..k {
            let gij = &w.pair_gradients[pair(i, j)];
            a[i * k + j] = eta * dot(gij, &w.gradient)
                + if i == j {
                    options.restoring_rate * (2.0 / eta - values[i])
                } else {
                    0.0
                };
            for l in 0..k {
                for m in 0..k {
                    b[(i * k + j) * n + l * k + m] =
                        0.5 * eta * dot(gij, &w.pair_gradients[pair(l, m)]);
                }
            }
        }
    }
    let x = solve_sdcp(&a, &b, k, 1e-12, 1_000_000)?.x;
    for i in 0..k {
        for j in 0..k {
            let c = -0.5 * eta * x[i * k + j];
            if c != 0.0 {
                let gij = &w.pair_gradients[pair(i, j)];
                field
                    .direction
                    .iter_mut()
                    .zip(gij)
                    .for_each(|(f, g)| *f += c * g);
            }
        }
        field.sigma_trace += x[i * k + i];
        field.oscillation_loss += 0.5 * values[i] * x[i * k + i];
    }
    Ok(true)
}

/// Runs GD from `theta0` at constant step `eta` for `options.warm_start` steps, then GD for
/// `steps` more steps beside the central flow integrated from GD's iterate over the same time, recording both every `options.every` steps (and at
/// the last): the flow's loss, predicted loss and λmax, GD's loss (raw and averaged over
/// `options.window` steps) and λmax, and their distance.
pub fn central_flow<O: Objective>(
    objective: &O,
    theta0: &[f64],
    eta: f64,
    steps: usize,
    options: &CentralFlowOptions,
    monitor: Monitor<'_>,
) -> Result<CentralFlow> {
    options.validate()?;
    validate_iterations("steps", steps)?;
    let d = objective.dim();
    check_dimension("theta0", d, theta0.len())?;
    check_finite("theta0", theta0)?;
    crate::run_config::validate_iterations("warm_start", options.warm_start)?;
    let mut gd = GradientDescent::new(objective, Schedule::constant(eta)?, theta0)?;
    for _ in 0..options.warm_start {
        let loss = gd.evaluate();
        if !loss.is_finite() || !crate::vector::norm_within(gd.theta(), options.divergence_bound) {
            return Err(out_of_range(
                "warm_start",
                options.warm_start,
                "fewer steps than GD takes to diverge from theta0",
            ));
        }
        gd.advance();
    }
    let mut gd_lanczos = crate::Sharpness::new(crate::SharpnessOptions {
        lanczos: LanczosOptions {
            relative_tolerance: options.eigen_tolerance,
            converge_smallest: false,
            ..LanczosOptions::default()
        },
        ..crate::SharpnessOptions::default()
    })?;
    let mut w = FieldWorkspace {
        ws: objective.workspace(),
        gradient: vec![0.0; d],
        lanczos: Lanczos::new(LanczosOptions {
            top_k: 2,
            relative_tolerance: options.eigen_tolerance,
            max_iterations: 2000,
            converge_smallest: false,
            ..LanczosOptions::default()
        })?,
        start: vec![0.0; d],
        pair_gradients: Vec::new(),
        scratch: ThirdDerivativeScratch::default(),
        tracked: 2,
        hessian_vector_products: 0,
        exact: None,
    };
    // bound: `reserved_records` caps what is reserved.
    let mut run = CentralFlow {
        eta,
        threshold: 2.0 / eta,
        samples: Vec::with_capacity(reserved_records(steps / options.every + 2)),
        gd_losses: Vec::with_capacity(reserved_records(steps + 1)),
        warm_start: options.warm_start,
        window: options.window,
        steps: 0,
        end: CentralFlowEnd::Completed,
        accepted: 0,
        rejected: 0,
        field_evaluations: 0,
        hessian_vector_products: 0,
        exact_third_derivatives: None,
        final_theta: Vec::new(),
    };
    let mut theta = gd.theta().to_vec();
    let start = theta.clone();
    let mut at = Field::default();
    if !evaluate(objective, &theta, eta, options, &mut w, &mut at)? {
        run.end = CentralFlowEnd::EdgeTooLarge;
    }
    run.field_evaluations += 1;
    let (mut k2, mut k3, mut k4) = (Field::default(), Field::default(), Field::default());
    let (mut stage, mut next, mut embedded) = (vec![0.0; d], vec![0.0; d], vec![0.0; d]);
    let mut h: f64 = 0.5;
    let mut midpoints = Vec::new();
    for k in 0..=steps {
        if run.end != CentralFlowEnd::Completed {
            break;
        }
        let gd_loss = gd.evaluate();
        if !gd_loss.is_finite() || !crate::vector::norm_within(gd.theta(), options.divergence_bound)
        {
            run.end = CentralFlowEnd::GdDiverged;
            break;
        }
        run.gd_losses.push(gd_loss);
        if k % options.every == 0 || k == steps {
            let gd_sharpness = {
                let (f, gd_theta, ws) = gd.at_current();
                let e = gd_lanczos.compute_warm(f, gd_theta, ws)?;
                run.hessian_vector_products += e.hessian_vector_products;
                e.sharpness()
            };
            // The midpoint of GD's next step: θ_k − (η/2)∇L(θ_k).
            for (m, (t, g)) in stage
                .iter_mut()
                .zip(gd.theta().iter().zip(gd.last_gradient()))
            {
                *m = t - 0.5 * eta * g;
            }
            midpoints.push(distance(&stage, &theta));
            run.samples.push(CentralFlowSample {
                iteration: options.warm_start + k,
                flow_loss: at.loss,
                predicted_loss: at.loss + at.oscillation_loss,
                flow_sharpness: at.sharpness,
                edge: at.edge,
                sigma_trace: at.sigma_trace,
                gd_loss,
                gd_loss_average: gd_loss,
                gd_sharpness,
                distance: distance(gd.theta(), &theta),
                midpoint_distance: 0.0,
                travelled: distance(gd.theta(), &start),
            });
        }
        if k == steps {
            break;
        }
        gd.advance();
        // The flow from t = k to t = k + 1.
        let mut t = 0.0;
        while t < 1.0 {
            h = h.min(1.0 - t);
            if h < 1e-9 {
                run.end = CentralFlowEnd::StepUnderflow;
                break;
            }
            let mut ok = true;
            for (s, (y, f)) in stage.iter_mut().zip(theta.iter().zip(&at.direction)) {
                *s = y + 0.5 * h * f;
            }
            ok &= evaluate(objective, &stage, eta, options, &mut w, &mut k2)?;
            for (s, (y, f)) in stage.iter_mut().zip(theta.iter().zip(&k2.direction)) {
                *s = y + 0.75 * h * f;
            }
            ok &= evaluate(objective, &stage, eta, options, &mut w, &mut k3)?;
            for (i, n) in next.iter_mut().enumerate() {
                *n = theta[i]
                    + h * (2.0 / 9.0 * at.direction[i]
                        + 1.0 / 3.0 * k2.direction[i]
                        + 4.0 / 9.0 * k3.direction[i]);
            }
            ok &= evaluate(objective, &next, eta, options, &mut w, &mut k4)?;
            run.field_evaluations += 3;
            if !ok {
                run.end = CentralFlowEnd::EdgeTooLarge;
                break;
            }
            for (i, e) in embedded.iter_mut().enumerate() {
                *e = theta[i]
                    + h * (7.0 / 24.0 * at.direction[i]
                        + 0.25 * k2.direction[i]
                        + 1.0 / 3.0 * k3.direction[i]
                        + 0.125 * k4.direction[i]);
            }
            let error = distance(&next, &embedded) / (options.tolerance * (1.0 + norm(&theta)));
            if !error.is_finite() {
                run.end = CentralFlowEnd::StepUnderflow;
                break;
            }
            if error <= 1.0 {
                t += h;
                theta.copy_from_slice(&next);
                std::mem::swap(&mut at, &mut k4);
                run.accepted += 1;
            } else {
                run.rejected += 1;
            }
            h *= (0.9 * error.max(1e-12).powf(-1.0 / 3.0)).clamp(0.2, 5.0);
        }
        run.steps = k + 1;
        if let Some(progress) = monitor.progress {
            progress(k + 1, steps);
        }
        if monitor.stop.is_some_and(|stop| stop()) {
            run.end = CentralFlowEnd::Stopped;
            break;
        }
    }
    // GD's loss averaged over the centred window, where the window fits in the run.
    let half = options.window / 2;
    let losses = &run.gd_losses;
    for (s, m) in run.samples.iter_mut().zip(&midpoints) {
        let lo = (s.iteration - options.warm_start).saturating_sub(half);
        let hi = (lo + options.window).min(losses.len());
        let lo = hi.saturating_sub(options.window);
        s.gd_loss_average = losses[lo..hi].iter().sum::<f64>() / (hi - lo).max(1) as f64;
        s.midpoint_distance = *m;
    }
    run.hessian_vector_products += w.hessian_vector_products;
    run.exact_third_derivatives = w.exact;
    run.final_theta = theta;
    Ok(run)
}
