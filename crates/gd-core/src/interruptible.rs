//! Stopping any analysis from outside: an objective that answers NaN once a flag is set.
//!
//! Every engine of gd-core ends a trajectory whose iterate or loss stops being finite (a run
//! ends `Diverged`, a lane escapes, Lanczos reports a non-finite product), so an analysis over
//! an [`Interruptible`] objective returns within one gradient or Hessian-vector product of the
//! flag being set, from whichever thread it runs on. Its result is then meaningless: the caller
//! that set the flag discards it (Python raises `KeyboardInterrupt`, the command exits on
//! SIGTERM without writing). Until the flag is set every call is forwarded unchanged, so the
//! results are the same bits as on the objective itself.

use crate::Objective;
use std::sync::atomic::{AtomicBool, Ordering};

/// `objective`, answering NaN from the moment `stop` is set.
#[derive(Clone, Copy)]
pub struct Interruptible<'a, O> {
    objective: &'a O,
    stop: &'a AtomicBool,
}

impl<'a, O: Objective> Interruptible<'a, O> {
    /// `objective`, stopped by `stop`.
    pub fn new(objective: &'a O, stop: &'a AtomicBool) -> Self {
        Self { objective, stop }
    }

    fn flag_set(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}

impl<O: Objective> Objective for Interruptible<'_, O> {
    type Workspace = O::Workspace;

    fn dim(&self) -> usize {
        self.objective.dim()
    }

    fn workspace(&self) -> O::Workspace {
        self.objective.workspace()
    }

    fn loss(&self, theta: &[f64], workspace: &mut O::Workspace) -> f64 {
        if self.flag_set() {
            return f64::NAN;
        }
        self.objective.loss(theta, workspace)
    }

    fn loss_and_gradient(
        &self,
        theta: &[f64],
        gradient: &mut [f64],
        workspace: &mut O::Workspace,
    ) -> f64 {
        if self.flag_set() {
            gradient.fill(f64::NAN);
            return f64::NAN;
        }
        self.objective.loss_and_gradient(theta, gradient, workspace)
    }

    fn gradient(&self, theta: &[f64], gradient: &mut [f64], workspace: &mut O::Workspace) {
        if self.flag_set() {
            gradient.fill(f64::NAN);
            return;
        }
        self.objective.gradient(theta, gradient, workspace);
    }

    fn gradients(&self, thetas: &[f64], gradients: &mut [f64], workspace: &mut O::Workspace) {
        if self.flag_set() {
            gradients.fill(f64::NAN);
            return;
        }
        self.objective.gradients(thetas, gradients, workspace);
    }

    fn batch_size(&self) -> Option<usize> {
        self.objective.batch_size()
    }

    fn stopped(&self) -> bool {
        self.flag_set() || self.objective.stopped()
    }

    fn hessian_vector_product(
        &self,
        theta: &[f64],
        v: &[f64],
        out: &mut [f64],
        workspace: &mut O::Workspace,
    ) {
        if self.flag_set() {
            out.fill(f64::NAN);
            return;
        }
        self.objective
            .hessian_vector_product(theta, v, out, workspace);
    }

    fn third_derivative(
        &self,
        theta: &[f64],
        u: &[f64],
        v: &[f64],
        out: &mut [f64],
        workspace: &mut O::Workspace,
    ) -> bool {
        if self.flag_set() {
            out.fill(f64::NAN);
            return true;
        }
        self.objective.third_derivative(theta, u, v, out, workspace)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyses::{Axis, BasinOptions, Plane, basin_rows};
    use crate::{Attractor, Autodiff, RunConfig, Schedule, run_gd};

    /// (x² − 1)² + 2(y² − 1)² + xy/2: four minima, a bounded basin map.
    #[derive(Clone, Copy)]
    struct Wells;
    impl crate::Loss for Wells {
        fn dim(&self) -> usize {
            2
        }
        fn loss<D: num_dual::DualNum<Primitive = f64> + Copy>(&self, t: &[D]) -> D {
            let (x, y) = (t[0], t[1]);
            let (a, b) = (x * x - 1.0, y * y - 1.0);
            a * a + b * b * 2.0 + x * y * 0.5
        }
    }

    #[test]
    fn unset_flag_changes_no_bit_and_a_set_flag_ends_runs_and_maps() {
        let f = Autodiff::new(Wells);
        let (unset, set) = (AtomicBool::new(false), AtomicBool::new(true));
        let config = RunConfig::default();
        let eta = || Schedule::constant(0.05).unwrap();
        let plain = run_gd(&f, &[0.3, 0.4], eta(), &config).unwrap();
        let wrapped = run_gd(&Interruptible::new(&f, &unset), &[0.3, 0.4], eta(), &config).unwrap();
        assert_eq!(format!("{plain:?}"), format!("{wrapped:?}"));
        let stopped = run_gd(&Interruptible::new(&f, &set), &[0.3, 0.4], eta(), &config).unwrap();
        assert!(
            matches!(stopped.attractor, Attractor::Diverged { .. }),
            "{:?}",
            stopped.attractor
        );
        assert!(stopped.iterations <= 1, "{}", stopped.iterations);

        let plane = Plane::xy(
            Axis::new(-2.0, 2.0, 16).unwrap(),
            Axis::new(-2.0, 2.0, 16).unwrap(),
        );
        let options = BasinOptions::default();
        // A stopped map skips its rows: nothing evaluated (the result is the caller's to drop).
        let rows = basin_rows(
            &Interruptible::new(&f, &set),
            0.05,
            &plane,
            &options,
            0..16,
            None,
        )
        .unwrap();
        assert!(rows.iter().all(|r| r.steps_evaluated == 0));
    }
}
