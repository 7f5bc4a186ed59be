//! What a run returns: where it ended ([`Attractor`]), its end state, and the observables it
//! recorded along the way.

use crate::attractor::Attractor;
use serde::{Deserialize, Serialize};

/// A recorded scalar series.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ObservableSeries {
    /// Iteration of each value.
    pub iterations: Vec<usize>,
    /// The values.
    pub values: Vec<f64>,
}

impl ObservableSeries {
    pub(crate) fn push(&mut self, k: usize, v: f64) {
        self.iterations.push(k);
        self.values.push(v);
    }
}

/// Sharpness at one iteration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SharpnessSample {
    /// Iteration.
    pub iteration: usize,
    /// λmax(∇²f(θ_k)).
    pub sharpness: f64,
    /// λmin(∇²f(θ_k)).
    pub lambda_min: f64,
    /// Whether the eigensolver converged.
    pub converged: bool,
}

/// Everything recorded along a run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// f(θ_k).
    pub loss: ObservableSeries,
    /// ‖∇f(θ_k)‖.
    pub gradient_norm: ObservableSeries,
    /// (k, θ_k).
    pub parameters: Vec<(usize, Vec<f64>)>,
    /// Sharpness samples.
    pub sharpness: Vec<SharpnessSample>,
}

/// The last state of a run that did not diverge.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FinalState {
    /// θ at the end.
    pub parameters: Vec<f64>,
    /// f(θ) at the end.
    pub loss: f64,
    /// ‖∇f(θ)‖ at the end (full-batch).
    pub gradient_norm: f64,
}

/// The result of a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Trajectory {
    /// Where it ended.
    pub attractor: Attractor,
    /// Steps taken.
    pub iterations: usize,
    /// The end state (`None` when the run diverged).
    pub final_state: Option<FinalState>,
    /// The recorded observables.
    pub record: Record,
}
