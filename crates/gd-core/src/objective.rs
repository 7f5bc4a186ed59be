//! The objective interface: a loss over one flat parameter vector θ ∈ ℝᵈ, its gradient and
//! its Hessian-vector product. Everything else in gd-core works through these traits.
//!
//! Objectives are immutable and `Sync`, so one objective is shared by every task of a sweep;
//! the scratch memory a model needs lives in a caller-owned [`Objective::Workspace`], created
//! once and reused, so that hot loops allocate nothing per step.

/// A twice-differentiable loss f: ℝᵈ → ℝ over a flat parameter vector.
///
/// Contract: slices passed in have length [`Objective::dim`] (callers in gd-core check this
/// once, before their loops); results are written into caller buffers.
pub trait Objective: Sync {
    /// Scratch memory for one caller (one trajectory, one thread).
    type Workspace: Send;

    /// Dimension d of the parameter vector.
    fn dim(&self) -> usize;

    /// A fresh workspace for this objective.
    fn workspace(&self) -> Self::Workspace;

    /// f(θ).
    fn loss(&self, theta: &[f64], workspace: &mut Self::Workspace) -> f64;

    /// Writes ∇f(θ) into `gradient` and returns f(θ).
    fn loss_and_gradient(
        &self,
        theta: &[f64],
        gradient: &mut [f64],
        workspace: &mut Self::Workspace,
    ) -> f64;

    /// Writes ∇f(θ) into `gradient`. The default calls [`Objective::loss_and_gradient`];
    /// override it where the loss costs extra work: the lanes of basin maps and orbit diagrams,
    /// which never look at the loss, call this.
    fn gradient(&self, theta: &[f64], gradient: &mut [f64], workspace: &mut Self::Workspace) {
        self.loss_and_gradient(theta, gradient, workspace);
    }

    /// Writes ∇f at each of the points `thetas` (n points of d coordinates, one after another)
    /// into `gradients` (the same layout). The default calls [`Objective::gradient`] point by
    /// point; an objective whose every call costs a fixed overhead (a Python function, a jitted
    /// JAX gradient) overrides it and sets [`Objective::batch_size`].
    fn gradients(&self, thetas: &[f64], gradients: &mut [f64], workspace: &mut Self::Workspace) {
        let d = self.dim().max(1);
        for (theta, gradient) in thetas.chunks_exact(d).zip(gradients.chunks_exact_mut(d)) {
            self.gradient(theta, gradient, workspace);
        }
    }

    /// How many points the sweeps (basin maps, orbit diagrams) hand to
    /// [`Objective::gradients`] at once, iterating that many trajectories in lockstep on one
    /// thread. `None` (the default): each trajectory calls [`Objective::gradient`] itself, in
    /// parallel. The results are the same bits either way.
    fn batch_size(&self) -> Option<usize> {
        None
    }

    /// Writes ∇²f(θ)·v into `out`.
    fn hessian_vector_product(
        &self,
        theta: &[f64],
        v: &[f64],
        out: &mut [f64],
        workspace: &mut Self::Workspace,
    );

    /// Whether the caller has asked the analyses of this objective to stop (an
    /// [`crate::Interruptible`] whose flag is set): the sweeps check it between rows and tasks
    /// and skip the rest, whose results are discarded anyway.
    fn stopped(&self) -> bool {
        false
    }

    /// Writes D³f(θ)[u, v, ·] = ∇_θ(uᵀ∇²f(θ)v) into `out` and returns `true`, for an objective
    /// with an exact path to third derivatives (dual numbers); the default returns `false` and
    /// writes nothing, and callers use [`crate::third_derivative`] (central differences of
    /// Hessian-vector products) instead.
    fn third_derivative(
        &self,
        _theta: &[f64],
        _u: &[f64],
        _v: &[f64],
        _out: &mut [f64],
        _workspace: &mut Self::Workspace,
    ) -> bool {
        false
    }
}

/// An objective that is an average (or sum) of per-sample losses, f = Σᵢ cᵢ ℓᵢ, so that
/// stochastic gradient descent can use the gradient of a mini-batch.
pub trait SampleObjective: Objective {
    /// Number of samples N.
    fn num_samples(&self) -> usize;

    /// Writes the mini-batch gradient for the sample indices `batch` into `gradient` and
    /// returns the mini-batch loss, both scaled so that their expectation over a batch drawn
    /// uniformly (with or without replacement) equals the full loss and gradient.
    /// Indices may repeat (sampling with replacement); each must be below
    /// [`SampleObjective::num_samples`] (the SGD map draws them so; an index out of range is a
    /// caller's bug and may panic).
    fn minibatch_loss_and_gradient(
        &self,
        theta: &[f64],
        batch: &[usize],
        gradient: &mut [f64],
        workspace: &mut Self::Workspace,
    ) -> f64;
}
