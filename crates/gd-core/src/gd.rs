//! The full-batch gradient-descent map θ ← θ − η_k∇f(θ), as a stepper that owns θ, its
//! gradient buffer and workspace, checks them once when built, and allocates nothing per step.

use crate::error::{Result, check_dimension, check_finite};
use crate::objective::Objective;
use crate::schedule::Schedule;

/// Gradient descent on one objective, from a state θ it owns.
pub struct GradientDescent<'a, O: Objective> {
    objective: &'a O,
    schedule: Schedule,
    theta: Vec<f64>,
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
    /// A stepper at θ₀: its length must be the objective's dimension, its entries finite.
    pub fn new(objective: &'a O, schedule: Schedule, theta0: &[f64]) -> Result<Self> {
        check_dimension("theta0", objective.dim(), theta0.len())?;
        check_finite("theta0", theta0)?;
        Ok(Self {
            objective,
            schedule,
            theta: theta0.to_vec(),
            gradient: vec![0.0; objective.dim()],
            workspace: objective.workspace(),
            iteration: 0,
        })
    }

    /// f(θ) and ∇f(θ) at the current θ, without moving: the gradient is then
    /// [`GradientDescent::last_gradient`], and [`GradientDescent::at_current`] gives the
    /// workspace that computed it (an objective may reuse that evaluation for Hessian-vector
    /// products at the same θ). [`GradientDescent::advance`] then takes the step.
    pub fn evaluate(&mut self) -> f64 {
        self.objective
            .loss_and_gradient(&self.theta, &mut self.gradient, &mut self.workspace)
    }

    /// θ ← θ − η_k·(the last evaluated gradient); returns η_k. Call it after
    /// [`GradientDescent::evaluate`] at the same θ.
    pub fn advance(&mut self) -> f64 {
        let eta = self.schedule.eta(self.iteration);
        for (t, g) in self.theta.iter_mut().zip(&self.gradient) {
            *t -= eta * g;
        }
        self.iteration += 1;
        eta
    }

    /// The objective, the current θ and the workspace, for evaluations at θ beside the step
    /// (Hessian-vector products for the sharpness).
    pub fn at_current(&mut self) -> (&'a O, &[f64], &mut O::Workspace) {
        (self.objective, &self.theta, &mut self.workspace)
    }

    /// One step in place: θ ← θ − η_k∇f(θ). Returns f and η at the old θ. A step that leaves
    /// the finite numbers is taken as computed: the caller decides what divergence is.
    pub fn step(&mut self) -> StepInfo {
        let loss = self.evaluate();
        let eta = self.advance();
        StepInfo { loss, eta }
    }

    /// The current state θ_k.
    pub fn theta(&self) -> &[f64] {
        &self.theta
    }

    /// The current state, given back.
    pub fn into_theta(self) -> Vec<f64> {
        self.theta
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
