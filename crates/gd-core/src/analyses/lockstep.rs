//! Trajectories iterated in lockstep through batched gradients: for objectives whose every
//! call costs a fixed overhead (a Python callback, a jitted JAX gradient), the sweeps keep
//! [`Objective::batch_size`] trajectories in flight and make one [`Objective::gradients`]
//! call per step for all of them. Each trajectory's arithmetic is exactly what it is in the
//! lane engines, so a map or diagram has the same bits either way.

use crate::objective::Objective;

/// The most numbers the slots in flight hold in each of θ and the gradients: 2²⁴ f64
/// (128 MiB). A larger batch is run this many rows at a time; the results do not depend on it.
const MAX_SLOT_NUMBERS: usize = 1 << 24;

/// Slots in flight: the objective's batch, at most the lanes to run and at most
/// [`MAX_SLOT_NUMBERS`] / d (at least one).
fn slot_capacity(batch: usize, lanes: usize, d: usize) -> usize {
    batch.min(lanes).min(MAX_SLOT_NUMBERS / d.max(1)).max(1)
}

/// The trajectories in flight: states and gradients of slot k at `k*d..(k+1)*d`, the first
/// `len` slots in use.
struct Slots {
    d: usize,
    len: usize,
    thetas: Vec<f64>,
    gradients: Vec<f64>,
}

impl Slots {
    // bound: capacity·d ≤ max(`MAX_SLOT_NUMBERS`, d), by `slot_capacity`.
    fn new(d: usize, capacity: usize) -> Self {
        Self {
            d,
            len: 0,
            thetas: vec![0.0; capacity * d],
            gradients: vec![0.0; capacity * d],
        }
    }

    fn theta(&self, k: usize) -> &[f64] {
        &self.thetas[k * self.d..(k + 1) * self.d]
    }

    fn theta_mut(&mut self, k: usize) -> &mut [f64] {
        &mut self.thetas[k * self.d..(k + 1) * self.d]
    }

    /// One batched gradient call for the slots in use, padded to a power of two of rows (at
    /// most the capacity) with copies of the first: as lanes finish, the batch takes at most
    /// log₂(capacity) + 2 shapes, so a function compiled per shape (jit) compiles that often,
    /// not once per lane.
    fn gradients<O: Objective>(&mut self, objective: &O, workspace: &mut O::Workspace) {
        let (d, capacity) = (self.d, self.thetas.len() / self.d.max(1));
        let rows = self.len.next_power_of_two().min(capacity);
        for k in self.len..rows {
            self.thetas.copy_within(0..d, k * d);
        }
        let n = rows * d;
        objective.gradients(&self.thetas[..n], &mut self.gradients[..n], workspace);
    }

    /// θ_k ← θ_k − η_k ∇f(θ_k) for every slot in use.
    fn step(&mut self, eta: impl Fn(usize) -> f64) {
        let d = self.d;
        for k in 0..self.len {
            let eta = eta(k);
            let (theta, gradient) = (
                &mut self.thetas[k * d..(k + 1) * d],
                &self.gradients[k * d..(k + 1) * d],
            );
            for (t, g) in theta.iter_mut().zip(gradient) {
                *t -= eta * g;
            }
        }
    }

    /// Moves the last slot in use into slot k (whose trajectory has ended).
    fn swap_remove(&mut self, k: usize) {
        let (d, last) = (self.d, self.len - 1);
        self.thetas.copy_within(last * d..(last + 1) * d, k * d);
        self.len -= 1;
    }
}

/// What the lockstep scheduler asks of the lanes it runs: their count, each one's start and
/// η, and after each step whether it has ended (the lanes keep their own results).
pub(super) trait Lanes {
    /// A lane's state between steps.
    type Lane;
    /// How many lanes to run (indices 0..count).
    fn count(&self) -> usize;
    /// A lane to hold in a slot ([`Lanes::start`] sets it at a start).
    fn new_lane(&self) -> Self::Lane;
    /// Writes lane `index`'s start into `theta` and sets `lane` there.
    fn start(&self, index: usize, theta: &mut [f64], lane: &mut Self::Lane);
    /// The step size of lane `index`.
    fn eta(&self, index: usize) -> f64;
    /// After a step of lane `index` to `theta`: whether it has ended.
    fn after_step(&mut self, index: usize, theta: &[f64], lane: &mut Self::Lane) -> bool;
}

/// Runs every lane of `lanes` to its end, `batch` at a time (at most [`MAX_SLOT_NUMBERS`]
/// numbers in flight) through one [`Objective::gradients`] call per step; a finished lane's
/// slot takes the next lane. `finished` is told how many lanes have ended, after each.
pub(super) fn run<O: Objective, L: Lanes>(
    objective: &O,
    lanes: &mut L,
    batch: usize,
    mut finished: impl FnMut(usize),
) {
    let (d, total) = (objective.dim(), lanes.count());
    if total == 0 {
        return;
    }
    // bound: capacity·d ≤ max(`MAX_SLOT_NUMBERS`, d), by `slot_capacity`.
    let capacity = slot_capacity(batch, total, d);
    let mut slots = Slots::new(d, capacity);
    // (lane index, lane) of each slot in use.
    let mut in_flight: Vec<(usize, L::Lane)> = Vec::with_capacity(capacity);
    let mut workspace = objective.workspace();
    let (mut next, mut done) = (0, 0);
    while next < capacity {
        let mut lane = lanes.new_lane();
        slots.len += 1;
        lanes.start(next, slots.theta_mut(next), &mut lane);
        in_flight.push((next, lane));
        next += 1;
    }
    while slots.len > 0 {
        slots.gradients(objective, &mut workspace);
        slots.step(|k| lanes.eta(in_flight[k].0));
        let mut k = 0;
        while k < slots.len {
            let (index, lane) = &mut in_flight[k];
            if !lanes.after_step(*index, slots.theta(k), lane) {
                k += 1;
                continue;
            }
            done += 1;
            finished(done);
            if next < total {
                *index = next;
                lanes.start(next, slots.theta_mut(k), lane);
                next += 1;
                k += 1;
            } else {
                slots.swap_remove(k);
                in_flight.swap_remove(k);
            }
        }
    }
}
