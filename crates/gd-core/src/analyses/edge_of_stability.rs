//! The edge of stability (Cohen, Kaur, Li, Kolter & Talwalkar 2021, "Gradient descent on
//! neural networks typically occurs at the edge of stability"): GD at a constant η with λmax
//! sampled along it ([`sharpness_along`]), summarized as the paper describes it — progressive
//! sharpening (λmax rises while below 2/η), the onset (the first sample at which λmax reaches
//! 2/η from below; a start above 2/η, from which GD first falls back below it, is reported
//! apart), λmax hovering at 2/η after it, a loss that rises on some steps yet falls over many, and the
//! period-2 oscillation of the iterate along the top eigenvector.

use super::sharpness_along::{Monitor, SharpnessAlong, SharpnessAlongOptions, sharpness_along};
use crate::error::Result;
use crate::objective::Objective;
use crate::schedule::Schedule;
use serde::{Deserialize, Serialize};

/// Mean, standard deviation, least and largest of a set of numbers.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    /// How many numbers.
    pub count: usize,
    /// Their mean.
    pub mean: f64,
    /// Their standard deviation (population).
    pub std: f64,
    /// The least.
    pub min: f64,
    /// The largest.
    pub max: f64,
}

impl Spread {
    /// The spread of `values`; `None` when there are none.
    pub fn of(values: &[f64]) -> Option<Self> {
        if values.is_empty() {
            return None;
        }
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let variance = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
        Some(Self {
            count: values.len(),
            mean,
            std: variance.sqrt(),
            min: values.iter().copied().fold(f64::INFINITY, f64::min),
            max: values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        })
    }
}

/// Progressive sharpening: the samples before the onset (all of them without one; after a
/// start above 2/η they include the fall below it).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sharpening {
    /// λmax at step 0.
    pub initial: f64,
    /// λmax at the last sample before the onset.
    pub last: f64,
    /// Fraction of consecutive sample pairs before the onset in which λmax rose.
    pub rising_fraction: f64,
    /// Samples before the onset.
    pub samples: usize,
}

/// The edge-of-stability summary of one run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EdgeOfStability {
    /// The step size.
    pub eta: f64,
    /// 2/η, the stability threshold of GD on a quadratic.
    pub threshold: f64,
    /// The phase before the onset.
    pub sharpening: Sharpening,
    /// Whether λmax(θ₀) ≥ 2/η already (GD then first moves to flatter ground, or diverges).
    pub starts_above: bool,
    /// The first sampled step with λmax ≥ 2/η whose previous sample was below 2/η, if any.
    pub onset: Option<usize>,
    /// λmax/(2/η) over the samples from the onset on.
    pub ratio_after_onset: Option<Spread>,
    /// Fraction of all steps whose loss rose: f(θ_{k+1}) > f(θ_k).
    pub loss_rise_fraction: f64,
    /// The same over the steps from the onset on.
    pub loss_rise_fraction_after_onset: Option<f64>,
    /// Over consecutive steps from the onset on that project on the same top eigenvector u,
    /// the fraction whose components ⟨θ_{k+1} − θ_k, u⟩ have opposite signs: near 1 when the
    /// iterate oscillates with period 2 along u.
    pub alternation_after_onset: Option<f64>,
    /// The run behind the summary.
    pub run: SharpnessAlong,
}

/// Runs GD at the constant step `eta` from `theta0` for `steps` steps with λmax sampled as
/// `options` says, and summarizes it ([`EdgeOfStability`]).
///
/// # Example
/// ```
/// use gd_core::analyses::{Monitor, SharpnessAlongOptions, edge_of_stability};
/// use gd_core::{Autodiff, Loss, num_dual::DualNum};
///
/// // f(x, y) = ½(1 + x²)y²: λmax = 1 + x² ≈ 5 near (2, 0), below 2/η ≈ 6.7 at η = 0.3, so GD
/// // converges without reaching the edge.
/// struct Valley;
/// impl Loss for Valley {
///     fn dim(&self) -> usize { 2 }
///     fn loss<D: DualNum<Primitive = f64> + Copy>(&self, t: &[D]) -> D {
///         (t[0] * t[0] + 1.0) * t[1] * t[1] * 0.5
///     }
/// }
/// let options = SharpnessAlongOptions { every: 5, ..SharpnessAlongOptions::default() };
/// let e = edge_of_stability(&Autodiff::new(Valley), &[2.0, 0.1], 0.3, 50, &options, Monitor::default()).unwrap();
/// assert_eq!(e.onset, None);
/// assert!(e.loss_rise_fraction == 0.0);
/// ```
pub fn edge_of_stability<O: Objective>(
    objective: &O,
    theta0: &[f64],
    eta: f64,
    steps: usize,
    options: &SharpnessAlongOptions,
    monitor: Monitor<'_>,
) -> Result<EdgeOfStability> {
    let schedule = Schedule::constant(eta)?;
    let run = sharpness_along(objective, theta0, schedule, steps, options, monitor)?;
    Ok(summarize(eta, options.every, run))
}

/// The summary of a tracked run at the constant step `eta`, sampled every `every` steps.
pub fn summarize(eta: f64, every: usize, run: SharpnessAlong) -> EdgeOfStability {
    let threshold = 2.0 / eta;
    let samples = &run.samples;
    let onset_index = (1..samples.len())
        .find(|&i| samples[i].sharpness >= threshold && samples[i - 1].sharpness < threshold);
    let before = &samples[..onset_index.unwrap_or(samples.len())];
    let rising = before
        .windows(2)
        .filter(|w| w[1].sharpness > w[0].sharpness)
        .count();
    let sharpening = Sharpening {
        initial: samples.first().map_or(f64::NAN, |s| s.sharpness),
        last: before.last().map_or(f64::NAN, |s| s.sharpness),
        rising_fraction: if before.len() > 1 {
            rising as f64 / (before.len() - 1) as f64
        } else {
            0.0
        },
        samples: before.len(),
    };
    let onset = onset_index.map(|i| samples[i].iteration);
    let ratios: Vec<f64> = onset_index
        .map(|i| {
            samples[i..]
                .iter()
                .map(|s| s.sharpness / threshold)
                .collect()
        })
        .unwrap_or_default();
    let rises = |from: usize| {
        let pairs = run.losses.get(from..).unwrap_or(&[]);
        let steps = pairs.len().saturating_sub(1);
        (steps > 0).then(|| pairs.windows(2).filter(|w| w[1] > w[0]).count() as f64 / steps as f64)
    };
    let alternation = onset.and_then(|start| {
        // Steps k and k + 1 project on the same u unless a sample falls at k + 1.
        let pairs: Vec<bool> = (start..run.steps_along_top.len().saturating_sub(1))
            .filter(|k| (k + 1) % every != 0)
            .map(|k| run.steps_along_top[k] * run.steps_along_top[k + 1] < 0.0)
            .collect();
        (!pairs.is_empty())
            .then(|| pairs.iter().filter(|&&a| a).count() as f64 / pairs.len() as f64)
    });
    EdgeOfStability {
        eta,
        threshold,
        starts_above: samples.first().is_some_and(|s| s.sharpness >= threshold),
        sharpening,
        onset,
        ratio_after_onset: Spread::of(&ratios),
        loss_rise_fraction: rises(0).unwrap_or(0.0),
        loss_rise_fraction_after_onset: onset.and_then(rises),
        alternation_after_onset: alternation,
        run,
    }
}
