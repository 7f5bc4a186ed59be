//! Trajectories iterated in lockstep through batched gradients: for objectives whose every
//! call costs a fixed overhead (a Python callback, a jitted JAX gradient), the sweeps keep
//! [`Objective::batch_size`] trajectories in flight and make one [`Objective::gradients`]
//! call per step for all of them. Each trajectory's arithmetic is exactly what it is in the
//! lane engines, so a map or diagram has the same bits either way.

use super::Progress;
use super::basins::{BasinOptions, LaneEnd, Plane, end_of_cycle};
use super::orbit_diagram::{OrbitColumn, OrbitDiagramOptions};
use crate::objective::Objective;

/// Where a basin lane is: searching for a repeat (Brent's counters), or collecting the points
/// of the cycle it found.
struct BasinLane {
    index: usize,
    step: usize,
    power: usize,
    length: usize,
    collecting: bool,
}

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

fn out_of_bounds(theta: &[f64], bound: f64) -> bool {
    theta.iter().any(|x| x.is_nan() || x.abs() > bound)
}

/// The ends of the lanes of rows `rows` of the basin map, row by row in column order, with
/// the steps each lane took: the lane engine's results, computed `batch` lanes at a time.
pub(super) fn basin_ends<O: Objective>(
    objective: &O,
    eta: f64,
    plane: &Plane,
    rows: std::ops::Range<usize>,
    options: &BasinOptions,
    batch: usize,
    progress: Option<Progress<'_>>,
) -> Vec<Vec<(LaneEnd, u64)>> {
    let (d, columns) = (objective.dim(), plane.s.len());
    // bound: the result's bytes per row, counted with the columns, are checked by
    // `check_budget` before the lanes start.
    let total = rows.len() * columns;
    let mut ends = vec![(LaneEnd::Unresolved, 0u64); total];
    if options.max_iterations > 0 && total > 0 {
        // bound: capacity·d ≤ max(`MAX_SLOT_NUMBERS`, d), by `slot_capacity`.
        let capacity = slot_capacity(batch, total, d);
        let mut slots = Slots::new(d, capacity);
        let mut tortoises = vec![0.0; capacity * d];
        let mut orbits: Vec<Vec<f64>> = vec![Vec::new(); capacity];
        let mut lanes: Vec<BasinLane> = Vec::with_capacity(capacity);
        let mut workspace = objective.workspace();
        let (mut next, mut finished) = (0, 0);
        let start = |slots: &mut Slots, tortoises: &mut [f64], k: usize, index: usize| {
            let (s, t) = (
                plane.s.value(index % columns),
                plane.t.value(rows.start + index / columns),
            );
            for (i, th) in slots.theta_mut(k).iter_mut().enumerate() {
                *th = plane.center[i] + s * plane.u[i] + t * plane.v[i];
            }
            tortoises[k * d..(k + 1) * d].copy_from_slice(slots.theta(k));
            BasinLane {
                index,
                step: 0,
                power: 1,
                length: 0,
                collecting: false,
            }
        };
        while next < capacity {
            slots.len += 1;
            lanes.push(start(&mut slots, &mut tortoises, next, next));
            next += 1;
        }
        while slots.len > 0 {
            slots.gradients(objective, &mut workspace);
            slots.step(|_| eta);
            let mut k = 0;
            while k < slots.len {
                let end = advance_basin_lane(
                    &mut lanes[k],
                    slots.theta(k),
                    &mut tortoises[k * d..(k + 1) * d],
                    &mut orbits[k],
                    options,
                );
                let Some(end) = end else {
                    k += 1;
                    continue;
                };
                ends[lanes[k].index] = end;
                finished += 1;
                if let Some(p) = progress
                    && finished % columns == 0
                {
                    p(finished / columns, rows.len());
                }
                if next < total {
                    lanes[k] = start(&mut slots, &mut tortoises, k, next);
                    next += 1;
                    k += 1;
                } else {
                    let last = slots.len - 1;
                    slots.swap_remove(k);
                    tortoises.copy_within(last * d..(last + 1) * d, k * d);
                    orbits.swap(k, last);
                    lanes.swap_remove(k);
                }
            }
        }
    }
    let mut rows_of_ends = Vec::with_capacity(rows.len());
    let mut rest = ends.into_iter();
    for _ in rows {
        rows_of_ends.push(rest.by_ref().take(columns).collect());
    }
    rows_of_ends
}

/// The checks after one step of a basin lane (the lane engine's, in the same order): it left
/// the bound, repeated bitwise, finished collecting its cycle, or spent the budget.
fn advance_basin_lane(
    lane: &mut BasinLane,
    theta: &[f64],
    tortoise: &mut [f64],
    orbit: &mut Vec<f64>,
    options: &BasinOptions,
) -> Option<(LaneEnd, u64)> {
    let d = theta.len();
    if lane.collecting {
        if orbit.len() < lane.length * d {
            orbit.extend_from_slice(theta);
        }
        return (orbit.len() == lane.length * d)
            .then(|| (end_of_cycle(orbit, d, options), lane.step as u64));
    }
    lane.step += 1;
    if out_of_bounds(theta, options.divergence_bound) {
        return Some((LaneEnd::Diverged, lane.step as u64));
    }
    lane.length += 1;
    if theta == tortoise {
        if lane.length > options.max_period {
            return Some((LaneEnd::Unresolved, lane.step as u64));
        }
        orbit.clear();
        orbit.extend_from_slice(theta);
        if lane.length == 1 {
            return Some((end_of_cycle(orbit, d, options), lane.step as u64));
        }
        lane.collecting = true;
        return None;
    }
    if lane.length == lane.power {
        tortoise.copy_from_slice(theta);
        lane.power *= 2;
        lane.length = 0;
    }
    (lane.step >= options.max_iterations).then_some((LaneEnd::Unresolved, lane.step as u64))
}

/// The orbit-diagram columns of tasks `tasks` (task i is η = etas[i / starts.len()] from
/// starts[i % starts.len()]): the lane engine's columns, computed `batch` tasks at a time.
pub(super) fn orbit_columns<O: Objective>(
    objective: &O,
    etas: &[f64],
    starts: &[Vec<f64>],
    options: &OrbitDiagramOptions,
    tasks: std::ops::Range<usize>,
    batch: usize,
    progress: Option<Progress<'_>>,
) -> Vec<OrbitColumn> {
    let (d, count) = (objective.dim(), tasks.len());
    let steps = options.transient + options.points;
    let column = |i: usize| OrbitColumn {
        eta: etas[i / starts.len()],
        start: i % starts.len(),
        points: Vec::new(),
        diverged: false,
    };
    let mut columns: Vec<OrbitColumn> = tasks.clone().map(column).collect();
    if steps == 0 || count == 0 {
        return columns;
    }
    // bound: capacity·d ≤ max(`MAX_SLOT_NUMBERS`, d), by `slot_capacity`.
    let capacity = slot_capacity(batch, count, d);
    let mut slots = Slots::new(d, capacity);
    // (index into `columns`, steps taken) of each slot in use.
    let mut lanes: Vec<(usize, usize)> = Vec::with_capacity(capacity);
    let mut workspace = objective.workspace();
    let (mut next, mut finished) = (0, 0);
    let start = |slots: &mut Slots, k: usize, index: usize| {
        slots
            .theta_mut(k)
            .copy_from_slice(&starts[(tasks.start + index) % starts.len()]);
        (index, 0)
    };
    while next < capacity {
        slots.len += 1;
        lanes.push(start(&mut slots, next, next));
        next += 1;
    }
    while slots.len > 0 {
        slots.gradients(objective, &mut workspace);
        slots.step(|k| columns[lanes[k].0].eta);
        let mut k = 0;
        while k < slots.len {
            let (index, taken) = &mut lanes[k];
            *taken += 1;
            let column = &mut columns[*index];
            let done = if out_of_bounds(slots.theta(k), options.divergence_bound) {
                column.points = Vec::new();
                column.diverged = true;
                true
            } else {
                if *taken > options.transient {
                    column.points.push(slots.theta(k).to_vec());
                }
                *taken == steps
            };
            if !done {
                k += 1;
                continue;
            }
            finished += 1;
            if let Some(p) = progress {
                p(finished, count);
            }
            if next < count {
                lanes[k] = start(&mut slots, k, next);
                next += 1;
                k += 1;
            } else {
                slots.swap_remove(k);
                lanes.swap_remove(k);
            }
        }
    }
    columns
}
