//! The basin map: over a grid of starts in a plane θ_c + s·u + t·v, the attractor each start
//! reaches, labeled. Each lane is iterated with Brent's cycle detection on the exact state, so
//! a lane stops as soon as it repeats bitwise (a float fixed point or cycle), as in SPEC W5.

use super::Progress;
use super::axis::Axis;
use super::lane::{BasinLane, BasinOptions, LaneEnd, State, beyond};
use crate::attractor::end_kind;

use super::lockstep;
use crate::error::{Result, check_dimension, check_finite, out_of_range, validate_eta};
use crate::linearization::{DEFAULT_MARGINAL_TOLERANCE, Linearization, Stability};
use crate::objective::Objective;
use crate::run_config::{MAX_PERIOD, validate_iterations};
use crate::sharpness::extreme_eigenvalues;
use crate::sweep::{SweepOptions, check_budget, sweep};
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The plane of starts: θ = center + s·u + t·v for s on the first axis, t on the second.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plane {
    /// θ_c.
    pub center: Vec<f64>,
    /// Direction of the first axis.
    pub u: Vec<f64>,
    /// Direction of the second axis.
    pub v: Vec<f64>,
    /// Values of s (columns of the map).
    pub s: Axis,
    /// Values of t (rows of the map).
    pub t: Axis,
}

impl Plane {
    /// The coordinate plane of the first two parameters of a 2-D loss: θ = (s, t).
    pub fn xy(s: Axis, t: Axis) -> Self {
        Self {
            center: vec![0.0, 0.0],
            u: vec![1.0, 0.0],
            v: vec![0.0, 1.0],
            s,
            t,
        }
    }
}

/// One attractor of the map, with its label.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum BasinAttractor {
    /// A fixed point (a minimum when λmin > 0), with its linearization at η.
    FixedPoint {
        /// The point (of the first lane that reached it).
        point: Vec<f64>,
        /// f there.
        loss: f64,
        /// λmax, λmin, ρ(I − η∇²f) and the verdict at η.
        linearization: Linearization,
    },
    /// Orbits of this period (all such orbits share the label).
    Periodic {
        /// The period.
        period: usize,
    },
    /// No repeat within the budget, or a cycle longer than `max_period` (chaos, slow
    /// convergence).
    Unresolved,
    /// The lane left the bound or the finite numbers.
    Diverged,
}

impl BasinAttractor {
    /// Its kind, in the names of [`crate::end_kind`].
    pub fn kind(&self) -> &'static str {
        match self {
            Self::FixedPoint { .. } => end_kind::FIXED_POINT,
            Self::Periodic { .. } => end_kind::PERIODIC,
            Self::Unresolved => end_kind::UNRESOLVED,
            Self::Diverged => end_kind::DIVERGED,
        }
    }

    /// The period: 1 for a fixed point, k for an orbit, `None` otherwise.
    pub fn period(&self) -> Option<usize> {
        match self {
            Self::FixedPoint { .. } => Some(1),
            Self::Periodic { period } => Some(*period),
            _ => None,
        }
    }
}

/// A labeled basin map.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BasinMap {
    /// The plane of starts.
    pub plane: Plane,
    /// The step size.
    pub eta: f64,
    /// Label of each start, row-major: `labels[j * s.len() + i]` for s_i, t_j.
    pub labels: Vec<u32>,
    /// Attractor of each label (label = index), in order of first appearance.
    pub attractors: Vec<BasinAttractor>,
    /// Starts with each label.
    pub counts: Vec<usize>,
    /// GD steps evaluated over all lanes (each lane stops at its first exact repeat).
    pub steps_evaluated: u64,
}

/// The most distinct attractors a map may label (each start is compared with each).
pub const MAX_ATTRACTORS: usize = 1024;

/// The lanes of one row of the map, labeled within the row: the distinct ends in order of
/// first appearance and each lane's index into them. Rows are the unit of work and of
/// sharding; [`basin_map_from_rows`] folds them in order into the map's labels, so a map
/// computed in shards equals the map computed at once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BasinRow {
    /// The distinct ends of the row.
    pub ends: Vec<LaneEnd>,
    /// Per lane (column order), the index of its end.
    pub labels: Vec<u32>,
    /// GD steps evaluated over the row's lanes.
    pub steps_evaluated: u64,
}

/// Whether two lane ends are one attractor: fixed points within the tolerance, otherwise the
/// same kind (and period).
fn same_attractor(a: &LaneEnd, b: &LaneEnd, merge_tolerance: f64) -> bool {
    match (a, b) {
        (LaneEnd::FixedPoint(p), LaneEnd::FixedPoint(q)) => p
            .iter()
            .zip(q)
            .all(|(x, y)| (x - y).abs() <= merge_tolerance),
        (a, b) => a == b,
    }
}

/// The index of `end` among `keys` (the first within the tolerance), appended if new; an
/// error past [`MAX_ATTRACTORS`].
fn key_of(keys: &mut Vec<LaneEnd>, end: LaneEnd, merge_tolerance: f64) -> Result<usize> {
    if let Some(i) = keys
        .iter()
        .position(|k| same_attractor(k, &end, merge_tolerance))
    {
        return Ok(i);
    }
    if keys.len() == MAX_ATTRACTORS {
        return Err(out_of_range(
            "distinct attractors",
            format!("more than {MAX_ATTRACTORS}"),
            format!(
                "at most {MAX_ATTRACTORS}; raise merge_tolerance (a continuum of minima gives one attractor per start)"
            ),
        ));
    }
    keys.push(end);
    Ok(keys.len() - 1)
}

/// The attractor each start of `plane` reaches under GD at `eta`, labeled: fixed points merged
/// within `merge_tolerance` (each with its loss and linearization at η), orbits by period,
/// unresolved, diverged. Rows run in parallel (or, for an objective with a
/// [`Objective::batch_size`], in lockstep through batched gradients); the map is the same at
/// any thread count.
///
/// # Example
/// ```
/// use gd_core::analyses::{Axis, BasinAttractor, BasinOptions, Plane, basins};
/// use gd_core::{Autodiff, Loss, Stability, num_dual::DualNum};
///
/// struct W5; // SPEC W5: two local minima (2/λmax = 0.137), two global ones (0.114)
/// impl Loss for W5 {
///     fn dim(&self) -> usize { 2 }
///     fn loss<D: DualNum<Primitive = f64> + Copy>(&self, t: &[D]) -> D {
///         let (x, y) = (t[0], t[1]);
///         (x * x - 1.0).powi(2) + (y * y - 1.0).powi(2) * 2.0 + x * y * 0.5
///     }
/// }
/// let axis = Axis::new(-2.0, 2.0, 32).unwrap();
/// let map = basins(&Autodiff::new(W5), 0.12, &Plane::xy(axis, axis), &BasinOptions::default(), None)
///     .unwrap();
/// let stable_minima = map.attractors.iter().filter(|a| matches!(a,
///     BasinAttractor::FixedPoint { linearization, .. } if linearization.stability == Stability::Stable)).count();
/// assert_eq!(stable_minima, 2); // at η = 0.12 only the two local minima are reachable
/// ```
pub fn basins<O: Objective>(
    objective: &O,
    eta: f64,
    plane: &Plane,
    options: &BasinOptions,
    progress: Option<Progress<'_>>,
) -> Result<BasinMap> {
    let rows = basin_rows(objective, eta, plane, options, 0..plane.t.len(), progress)?;
    basin_map_from_rows(objective, eta, plane, options, rows)
}

/// Checks the arguments of [`basins`] (and of its row form).
fn check_arguments<O: Objective>(
    objective: &O,
    eta: f64,
    plane: &Plane,
    options: &BasinOptions,
) -> Result<()> {
    validate_eta(eta)?;
    let d = objective.dim();
    for (name, vector) in [("center", &plane.center), ("u", &plane.u), ("v", &plane.v)] {
        check_dimension(name, d, vector.len())?;
        check_finite(name, vector)?;
    }
    validate_iterations("max_iterations", options.max_iterations)?;
    if !(1..=MAX_PERIOD).contains(&options.max_period) {
        return Err(out_of_range(
            "max_period",
            options.max_period,
            format!("in 1..={MAX_PERIOD}"),
        ));
    }
    super::check_bound_and_tolerance(options.divergence_bound, options.merge_tolerance)
}

/// The rows `rows` of the basin map (rows of the t axis), each labeled within itself: what one
/// shard of a map computes. Rows run in parallel; the result is the same at any thread count.
pub fn basin_rows<O: Objective>(
    objective: &O,
    eta: f64,
    plane: &Plane,
    options: &BasinOptions,
    rows: std::ops::Range<usize>,
    progress: Option<Progress<'_>>,
) -> Result<Vec<BasinRow>> {
    check_arguments(objective, eta, plane, options)?;
    if rows.end > plane.t.len() || rows.start > rows.end {
        return Err(out_of_range(
            "rows",
            format!("{}..{}", rows.start, rows.end),
            format!("within 0..{}", plane.t.len()),
        ));
    }
    let (d, columns, count) = (objective.dim(), plane.s.len(), rows.len());
    let sweep_options = SweepOptions {
        bytes_per_result: Some(columns.saturating_mul(4).saturating_add(64 * (d + 4))),
        ..SweepOptions::seeded(0)
    };
    if let Some(batch) = objective.batch_size() {
        check_budget::<BasinRow>(count, &sweep_options)?;
        return lockstep_rows(objective, eta, plane, rows, options, batch, progress)
            .into_iter()
            .map(|ends| label_row(ends, options.merge_tolerance))
            .collect();
    }
    let done = AtomicUsize::new(0);
    let first = rows.start;
    sweep(count, &sweep_options, |k, _| {
        if objective.stopped() {
            return Ok(BasinRow {
                ends: Vec::new(),
                labels: Vec::new(),
                steps_evaluated: 0,
            });
        }
        let j = first + k;
        let ends = match d {
            1 => row_of_lanes::<O, [f64; 1]>(objective, eta, plane, j, options),
            2 => row_of_lanes::<O, [f64; 2]>(objective, eta, plane, j, options),
            3 => row_of_lanes::<O, [f64; 3]>(objective, eta, plane, j, options),
            4 => row_of_lanes::<O, [f64; 4]>(objective, eta, plane, j, options),
            _ => row_of_lanes::<O, Vec<f64>>(objective, eta, plane, j, options),
        };
        let row = label_row(ends, options.merge_tolerance);
        if let Some(p) = progress {
            p(done.fetch_add(1, Ordering::Relaxed) + 1, count);
        }
        row
    })?
    .into_iter()
    .collect()
}

/// The row's ends labeled within the row.
pub(super) fn label_row(ends: Vec<(LaneEnd, u64)>, merge_tolerance: f64) -> Result<BasinRow> {
    let mut row = BasinRow {
        ends: Vec::new(),
        labels: Vec::with_capacity(ends.len()),
        steps_evaluated: 0,
    };
    for (end, steps) in ends {
        row.steps_evaluated += steps;
        let k = key_of(&mut row.ends, end, merge_tolerance)?;
        row.labels.push(k as u32);
    }
    Ok(row)
}

/// Lanes of a row stepped together: each lane's steps form one dependency chain, so a block of
/// independent lanes keeps the core busy, and, stored coordinate by coordinate, its step is a
/// step of vectors. Each lane's arithmetic is exactly what it would be alone.
const LANES: usize = 8;

/// θ = θ_c + s·u + t·v at column `column` of row `row` of the plane.
#[inline]
fn start_of(plane: &Plane, row: usize, column: usize, theta: &mut [f64]) {
    let (s, t) = (plane.s.value(column), plane.t.value(row));
    for (k, th) in theta.iter_mut().enumerate() {
        *th = plane.center[k] + s * plane.u[k] + t * plane.v[k];
    }
}

/// Copies `theta` into lane `l` of `lanes` (stored coordinate by coordinate).
fn write_lane<const L: usize>(theta: &[f64], lanes: &mut [[f64; L]], l: usize) {
    for (x, coordinate) in theta.iter().zip(lanes) {
        coordinate[l] = *x;
    }
}

/// The lanes in flight in a row, [`LANES`] at most. Between two visits a lane only steps: its
/// new state is tested against the bound and against a copy of its tortoise, and `left` counts
/// down to its horizon ([`BasinLane::horizon`]), or is set to 0 when the state escaped or
/// equals the tortoise. A lane whose `left` is 0 is visited: its [`BasinLane`] is told of the
/// steps it passed and of the last one, which is what it would have been told step by step.
struct Block<S: State, W> {
    /// θ of each lane, coordinate by coordinate.
    theta: S::Lanes<LANES>,
    /// Each lane's tortoise, as of its last visit.
    tortoise: S::Lanes<LANES>,
    /// Steps each lane may take before it must be visited (0: now).
    left: [f64; LANES],
    /// Each lane's state machine (in a `Vec`, apart from the numbers the step reads and
    /// writes: as an array inside the block, the step's loop over the lanes did not vectorize).
    lanes: Vec<BasinLane<S>>,
    /// Each lane's column in the row.
    column: [usize; LANES],
    /// The round of each lane's last visit.
    visited: [usize; LANES],
    /// Rounds of steps the block has taken.
    round: usize,
    /// The objective's workspace (the lanes' gradients are evaluated one after the other).
    workspace: W,
}

impl<S: State, W> Block<S, W> {
    /// One step of lane `l` (`point` and `gradient` are scratch); whether the lane must be
    /// visited.
    #[inline(always)]
    fn step<O: Objective<Workspace = W>>(
        &mut self,
        l: usize,
        objective: &O,
        eta: f64,
        bound: f64,
        point: &mut S,
        gradient: &mut S,
    ) -> bool {
        point.gather(&self.theta, l);
        objective.gradient(point.as_ref(), gradient.as_mut(), &mut self.workspace);
        let (mut same, mut out) = (true, false);
        for (((p, g), coordinate), old) in point
            .as_mut()
            .iter_mut()
            .zip(gradient.as_ref())
            .zip(self.theta.as_mut())
            .zip(self.tortoise.as_ref())
        {
            // From the block's θ rather than `p`: each coordinate is read as it was written,
            // so the store of it is forwarded to the load.
            *p = coordinate[l] - eta * g;
            coordinate[l] = *p;
            // Float equality; the lane's search confirms it bitwise.
            same &= *p == old[l];
            out |= beyond(*p, bound);
        }
        let left = if same | out { 0.0 } else { self.left[l] - 1.0 };
        self.left[l] = left;
        left == 0.0
    }

    /// Sets lane `l` at column `column` of row `j` (`point` is scratch).
    fn start(
        &mut self,
        l: usize,
        (plane, j, column): (&Plane, usize, usize),
        options: &BasinOptions,
        point: &mut S,
    ) {
        start_of(plane, j, column, point.as_mut());
        write_lane(point.as_ref(), self.theta.as_mut(), l);
        self.lanes[l].start(point.as_ref());
        self.column[l] = column;
        self.synchronize(l, options);
    }

    /// Copies lane `l`'s tortoise and horizon into the block.
    fn synchronize(&mut self, l: usize, options: &BasinOptions) {
        let lane = &self.lanes[l];
        write_lane(lane.tortoise(), self.tortoise.as_mut(), l);
        self.left[l] = lane.horizon(options) as f64;
        self.visited[l] = self.round;
    }

    /// Visits lane `l` after the block's last round: the lane's end, if it has one (a lane
    /// that found a cycle goes round it here, alone, to collect its points).
    fn visit<O: Objective<Workspace = W>>(
        &mut self,
        l: usize,
        (objective, eta): (&O, f64),
        options: &BasinOptions,
        (point, gradient): (&mut S, &mut S),
    ) -> Option<(LaneEnd, u64)> {
        point.gather(&self.theta, l);
        let lane = &mut self.lanes[l];
        lane.pass(self.round - self.visited[l] - 1);
        let mut end = lane.after_step(point, options);
        while end.is_none() && lane.horizon(options) == 0 {
            objective.gradient(point.as_ref(), gradient.as_mut(), &mut self.workspace);
            for (p, g) in point.as_mut().iter_mut().zip(gradient.as_ref()) {
                *p -= eta * g;
            }
            end = lane.after_step(point, options);
        }
        if end.is_none() {
            self.synchronize(l, options);
        }
        end
    }
}

/// The ends of the lanes of row `j`, in column order, with the steps each took.
fn row_of_lanes<O: Objective, S: State>(
    objective: &O,
    eta: f64,
    plane: &Plane,
    j: usize,
    options: &BasinOptions,
) -> Vec<(LaneEnd, u64)> {
    pulp::Arch::new().dispatch(Row::<O, S> {
        objective,
        eta,
        plane,
        j,
        options,
        state: std::marker::PhantomData,
    })
}

/// Row `j` of the map as a pulp operation: compiled inside the dispatched function with the
/// machine's vector instructions, so that a block's step is a step of vectors where the
/// objective's gradient inlines (the arithmetic, and so the bits, are the same on every path:
/// no operation is fused).
struct Row<'a, O, S> {
    objective: &'a O,
    eta: f64,
    plane: &'a Plane,
    j: usize,
    options: &'a BasinOptions,
    state: std::marker::PhantomData<S>,
}

impl<O: Objective, S: State> pulp::WithSimd for Row<'_, O, S> {
    type Output = Vec<(LaneEnd, u64)>;
    #[inline(always)]
    fn with_simd<V: pulp::Simd>(self, _: V) -> Self::Output {
        let Self {
            objective,
            eta,
            plane,
            j,
            options,
            ..
        } = self;
        let (columns, d) = (plane.s.len(), objective.dim());
        // bound: `columns` is the length of the plane's s axis, in memory.
        let mut ends: Vec<(LaneEnd, u64)> = vec![(LaneEnd::Unresolved, 0); columns];
        if options.max_iterations == 0 {
            return ends;
        }
        let (mut point, mut gradient) = (S::zeros(d), S::zeros(d));
        let mut block = Block::<S, O::Workspace> {
            theta: S::lanes(d),
            tortoise: S::lanes(d),
            left: [0.0; LANES],
            lanes: (0..LANES).map(|_| BasinLane::new(d)).collect(),
            column: [0; LANES],
            visited: [0; LANES],
            round: 0,
            workspace: objective.workspace(),
        };
        // The block's lanes in flight: all of them but at the row's end.
        let mut live: Vec<usize> = (0..LANES.min(columns)).collect();
        for &l in &live {
            block.start(l, (plane, j, l), options, &mut point);
        }
        let mut next = live.len();
        let mut due = [false; LANES];
        while !live.is_empty() {
            block.round += 1;
            if live.len() == LANES {
                let mut any = false;
                for l in 0..LANES {
                    any |= block.step(
                        l,
                        objective,
                        eta,
                        options.divergence_bound,
                        &mut point,
                        &mut gradient,
                    );
                }
                if !any {
                    continue;
                }
                for (l, due) in due.iter_mut().enumerate() {
                    *due = block.left[l] == 0.0;
                }
            } else {
                due = [false; LANES];
                for &l in &live {
                    due[l] = block.step(
                        l,
                        objective,
                        eta,
                        options.divergence_bound,
                        &mut point,
                        &mut gradient,
                    );
                }
            }
            for l in (0..LANES).filter(|&l| due[l]) {
                let Some(end) =
                    block.visit(l, (objective, eta), options, (&mut point, &mut gradient))
                else {
                    continue;
                };
                ends[block.column[l]] = end;
                if next < columns {
                    block.start(l, (plane, j, next), options, &mut point);
                    next += 1;
                } else {
                    live.retain(|&m| m != l);
                }
            }
        }
        ends
    }
}

/// The lanes of a row range, for [`lockstep::run`]: their starts, η, and ends.
struct RowLanes<'a> {
    plane: &'a Plane,
    first_row: usize,
    eta: f64,
    options: &'a BasinOptions,
    d: usize,
    ends: Vec<(LaneEnd, u64)>,
}

impl lockstep::Lanes for RowLanes<'_> {
    type Lane = BasinLane<Vec<f64>>;
    fn count(&self) -> usize {
        self.ends.len()
    }
    fn new_lane(&self) -> Self::Lane {
        BasinLane::new(self.d)
    }
    fn start(&self, index: usize, theta: &mut [f64], lane: &mut Self::Lane) {
        let columns = self.plane.s.len();
        start_of(
            self.plane,
            self.first_row + index / columns,
            index % columns,
            theta,
        );
        lane.start(theta);
    }
    fn eta(&self, _: usize) -> f64 {
        self.eta
    }
    fn after_step(&mut self, index: usize, theta: &[f64], lane: &mut Self::Lane) -> bool {
        let end = lane.after_step(theta, self.options);
        end.map(|end| self.ends[index] = end).is_some()
    }
}

/// The ends of the lanes of rows `rows`, row by row in column order, computed `batch` lanes at
/// a time in lockstep.
fn lockstep_rows<O: Objective>(
    objective: &O,
    eta: f64,
    plane: &Plane,
    rows: std::ops::Range<usize>,
    options: &BasinOptions,
    batch: usize,
    progress: Option<Progress<'_>>,
) -> Vec<Vec<(LaneEnd, u64)>> {
    let columns = plane.s.len();
    let mut lanes = RowLanes {
        plane,
        first_row: rows.start,
        eta,
        options,
        d: objective.dim(),
        // bound: the result's bytes per row, counted with the columns, are checked by
        // `check_budget` before the lanes start.
        ends: vec![(LaneEnd::Unresolved, 0); rows.len() * columns],
    };
    if options.max_iterations > 0 {
        lockstep::run(objective, &mut lanes, batch, |finished| {
            if let Some(p) = progress
                && finished % columns == 0
            {
                p(finished / columns, rows.len());
            }
        });
    }
    let mut ends = lanes.ends.into_iter();
    rows.map(|_| ends.by_ref().take(columns).collect())
        .collect()
}

/// The basin map from all its rows in order (from [`basin_rows`], at once or merged from
/// shards): each row's ends mapped to the map's attractors in row order (fixed points merged
/// within the tolerance, one label per period, one for unresolved, one for diverged), then
/// each fixed point's loss and linearization at η.
pub fn basin_map_from_rows<O: Objective>(
    objective: &O,
    eta: f64,
    plane: &Plane,
    options: &BasinOptions,
    rows: Vec<BasinRow>,
) -> Result<BasinMap> {
    check_arguments(objective, eta, plane, options)?;
    let columns = plane.s.len();
    if rows.len() != plane.t.len() {
        return Err(out_of_range(
            "rows",
            format!("{} rows", rows.len()),
            format!("one per point of the t axis ({})", plane.t.len()),
        ));
    }
    let mut keys: Vec<LaneEnd> = Vec::new();
    let mut counts: Vec<usize> = Vec::new();
    // bound: one label for each end the `rows` hold in memory.
    let mut labels = Vec::with_capacity(rows.len().saturating_mul(columns));
    let mut steps_evaluated = 0_u64;
    for (j, row) in rows.into_iter().enumerate() {
        if row.labels.len() != columns || row.labels.iter().any(|l| *l as usize >= row.ends.len()) {
            return Err(out_of_range(
                "rows",
                format!(
                    "row {j} with {} labels over {} ends",
                    row.labels.len(),
                    row.ends.len()
                ),
                format!("{columns} labels, each below the number of ends"),
            ));
        }
        steps_evaluated += row.steps_evaluated;
        let mut global = Vec::with_capacity(row.ends.len());
        for end in row.ends {
            let k = key_of(&mut keys, end, options.merge_tolerance)?;
            if k == counts.len() {
                counts.push(0);
            }
            global.push(k as u32);
        }
        for l in row.labels {
            let g = global[l as usize];
            counts[g as usize] += 1;
            labels.push(g);
        }
    }
    let mut workspace = objective.workspace();
    let attractors = keys
        .into_iter()
        .map(|key| {
            Ok(match key {
                LaneEnd::FixedPoint(point) => {
                    let extremes = extreme_eigenvalues(objective, &point)?;
                    BasinAttractor::FixedPoint {
                        loss: objective.loss(&point, &mut workspace),
                        linearization: Linearization::from_extremes(
                            eta,
                            &extremes,
                            DEFAULT_MARGINAL_TOLERANCE,
                        )?,
                        point,
                    }
                }
                LaneEnd::Periodic(period) => BasinAttractor::Periodic { period },
                LaneEnd::Unresolved => BasinAttractor::Unresolved,
                LaneEnd::Diverged => BasinAttractor::Diverged,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(BasinMap {
        plane: plane.clone(),
        eta,
        labels,
        attractors,
        counts,
        steps_evaluated,
    })
}

impl BasinMap {
    /// Starts that end at a fixed point with the given verdict at η.
    pub fn count_at_fixed_points(&self, stability: Stability) -> usize {
        self.attractors
            .iter()
            .zip(&self.counts)
            .filter(|(a, _)| {
                matches!(a, BasinAttractor::FixedPoint { linearization, .. } if linearization.stability == stability)
            })
            .map(|(_, n)| n)
            .sum()
    }
}
