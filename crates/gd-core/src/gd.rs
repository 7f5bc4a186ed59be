//! The full-batch gradient-descent map θ ← θ − η_k∇f(θ), as a stepper that owns its
//! gradient buffer and workspace and allocates nothing per step.

use crate::error::{Result, check_dimension};
use crate::objective::Objective;
use crate::schedule::Schedule;

/// Gradient descent on one objective.
pub struct GradientDescent<'a, O: Objective> {
    objective: &'a O,
    schedule: Schedule,
    gradient: Vec<f64>,
    workspace: O::Workspace,
    iteration: usize,
}

/// What one step saw at the point it started from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepInfo {
    /// f(θ_k).
    pub loss: f64,
    /// η_k used.
    pub eta: f64,
}

impl<'a, O: Objective> GradientDescent<'a, O> {
    /// A stepper with a validated schedule.
    pub fn new(objective: &'a O, schedule: Schedule) -> Result<Self> {
        schedule.validate()?;
        Ok(Self {
            objective,
            schedule,
            gradient: vec![0.0; objective.dim()],
            workspace: objective.workspace(),
            iteration: 0,
        })
    }

    /// Applies one step in place: θ ← θ − η_k∇f(θ). Returns f and η at the old θ.
    pub fn step(&mut self, theta: &mut [f64]) -> Result<StepInfo> {
        check_dimension("theta", self.gradient.len(), theta.len())?;
        let eta = self.schedule.eta(self.iteration)?;
        let loss = self
            .objective
            .loss_and_gradient(theta, &mut self.gradient, &mut self.workspace);
        for (t, g) in theta.iter_mut().zip(&self.gradient) {
            *t -= eta * g;
        }
        self.iteration += 1;
        Ok(StepInfo { loss, eta })
    }

    /// ∇f at the point the last step started from.
    pub fn last_gradient(&self) -> &[f64] {
        &self.gradient
    }

    /// Number of steps taken.
    pub fn iteration(&self) -> usize {
        self.iteration
    }

    /// The schedule.
    pub fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    /// The objective's workspace, for observables computed between steps.
    pub fn workspace_mut(&mut self) -> &mut O::Workspace {
        &mut self.workspace
    }
}
