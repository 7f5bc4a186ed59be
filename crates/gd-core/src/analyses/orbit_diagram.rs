//! The orbit diagram: for each η of a list and each start, the points GD visits after a
//! transient, beside the minima found and their 2/λmax.

use super::Progress;
use super::end_state::attractor_of;
use super::lane::{OrbitLane, OrbitStep};
use super::lockstep;
use super::point_stability::stability;
use crate::attractor::Attractor;
use crate::error::{Result, check_dimension, check_finite, out_of_range, validate_eta};
use crate::objective::Objective;
use crate::run_config::validate_iterations;
use crate::sweep::{SweepOptions, check_budget, sweep};
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Steps of the orbit diagram.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrbitDiagramOptions {
    /// Steps taken and discarded before plotting.
    pub transient: usize,
    /// Iterates kept per (η, start) after the transient.
    pub points: usize,
    /// |θᵢ| beyond which a trajectory counts as diverged (no points kept).
    pub divergence_bound: f64,
    /// Two fixed points closer than this (largest coordinate difference) are one minimum.
    pub merge_tolerance: f64,
}

impl Default for OrbitDiagramOptions {
    /// 1000 transient steps, 64 points, divergence beyond 10⁶, minima merged within 1e-6.
    fn default() -> Self {
        Self {
            transient: 1000,
            points: 64,
            divergence_bound: 1e6,
            merge_tolerance: 1e-6,
        }
    }
}

/// The points after the transient from one start at one η.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrbitColumn {
    /// The step size.
    pub eta: f64,
    /// Index of the start in the list given.
    pub start: usize,
    /// The kept iterates (empty when the trajectory diverged).
    pub points: Vec<Vec<f64>>,
    /// Whether the trajectory left the bound or the finite numbers.
    pub diverged: bool,
}

/// A minimum found from the starts, with what limits the step there.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Minimum {
    /// The point.
    pub point: Vec<f64>,
    /// f at the point.
    pub loss: f64,
    /// λmax of ∇²f there.
    pub sharpness: f64,
    /// λmin of ∇²f there (> 0 at a strict minimum).
    pub lambda_min: f64,
    /// 2/λmax: above it GD cannot converge to this minimum.
    pub max_stable_step: f64,
}

/// An orbit diagram.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrbitDiagram {
    /// One column per (η, start), η outer.
    pub columns: Vec<OrbitColumn>,
    /// The distinct minima that GD reaches from the starts at small steps, in order of first
    /// appearance.
    pub minima: Vec<Minimum>,
}

/// For each η of `etas` and each start, the `points` iterates after `transient` steps; and the
/// minima GD reaches from the starts at the smallest η (halved up to 10 times until it
/// converges), each with 2/λmax. Tasks run in parallel; the result is the same at any thread
/// count.
///
/// # Example
/// ```
/// use gd_core::analyses::{OrbitDiagramOptions, orbit_diagram};
/// use gd_core::{Autodiff, Loss, num_dual::DualNum};
///
/// struct DoubleWell; // (x² − 1)²: f″(±1) = 8, 2/λmax = 0.25
/// impl Loss for DoubleWell {
///     fn dim(&self) -> usize { 1 }
///     fn loss<D: DualNum<Primitive = f64> + Copy>(&self, t: &[D]) -> D {
///         (t[0] * t[0] - 1.0).powi(2)
///     }
/// }
/// let options = OrbitDiagramOptions { transient: 500, points: 8, ..Default::default() };
/// let d = orbit_diagram(&Autodiff::new(DoubleWell), &[0.2, 0.3], &[vec![0.5]], &options, None).unwrap();
/// assert_eq!(d.minima.len(), 1);
/// assert!((d.minima[0].max_stable_step - 0.25).abs() < 1e-9);
/// let below = &d.columns[0].points; // η = 0.2: every point at x = 1
/// assert!(below.iter().all(|p| (p[0] - 1.0).abs() < 1e-9));
/// let above = &d.columns[1].points; // η = 0.3: a 2-cycle around x = 1
/// assert!((above[0][0] - above[1][0]).abs() > 0.1);
/// ```
pub fn orbit_diagram<O: Objective>(
    objective: &O,
    etas: &[f64],
    starts: &[Vec<f64>],
    options: &OrbitDiagramOptions,
    progress: Option<Progress<'_>>,
) -> Result<OrbitDiagram> {
    let tasks = etas.len().saturating_mul(starts.len());
    let columns = orbit_columns(objective, etas, starts, options, 0..tasks, progress)?;
    let minima = minima_from(objective, etas, starts, options.merge_tolerance)?;
    Ok(OrbitDiagram { columns, minima })
}

/// The columns of tasks `tasks` (task i is η = etas[i / starts.len()] from
/// starts[i % starts.len()]): what one shard of a diagram computes. In parallel; the same at
/// any thread count.
pub fn orbit_columns<O: Objective>(
    objective: &O,
    etas: &[f64],
    starts: &[Vec<f64>],
    options: &OrbitDiagramOptions,
    tasks: std::ops::Range<usize>,
    progress: Option<Progress<'_>>,
) -> Result<Vec<OrbitColumn>> {
    check_arguments(objective, etas, starts, options)?;
    let total = etas.len().saturating_mul(starts.len());
    if tasks.end > total || tasks.start > tasks.end {
        return Err(out_of_range(
            "tasks",
            format!("{}..{}", tasks.start, tasks.end),
            format!("within 0..{total}"),
        ));
    }
    let sweep_options = SweepOptions {
        bytes_per_result: Some(
            options
                .points
                .saturating_mul(objective.dim().saturating_add(3))
                .saturating_mul(8)
                .saturating_add(64),
        ),
        ..SweepOptions::seeded(0)
    };
    if let Some(batch) = objective.batch_size() {
        check_budget::<OrbitColumn>(tasks.len(), &sweep_options)?;
        let mut lanes = TaskLanes {
            starts,
            first_task: tasks.start,
            options,
            columns: tasks
                .clone()
                .map(|i| empty_column(etas, starts, i))
                .collect(),
        };
        if options.transient + options.points > 0 {
            let count = tasks.len();
            lockstep::run(objective, &mut lanes, batch, |finished| {
                if let Some(p) = progress {
                    p(finished, count);
                }
            });
        }
        return Ok(lanes.columns);
    }
    let (first, count) = (tasks.start, tasks.len());
    let done = AtomicUsize::new(0);
    sweep(count, &sweep_options, |k, _| {
        let i = first + k;
        let column = orbit_column(objective, etas, starts, i, options);
        if let Some(p) = progress {
            p(done.fetch_add(1, Ordering::Relaxed) + 1, count);
        }
        column
    })
}

/// The distinct strict minima GD reaches from `starts` at the smallest η of `etas` (halved up
/// to 10 times until it converges), each with 2/λmax, merged within `merge_tolerance`.
pub fn orbit_minima<O: Objective>(
    objective: &O,
    etas: &[f64],
    starts: &[Vec<f64>],
    options: &OrbitDiagramOptions,
) -> Result<Vec<Minimum>> {
    check_arguments(objective, etas, starts, options)?;
    minima_from(objective, etas, starts, options.merge_tolerance)
}

fn check_arguments<O: Objective>(
    objective: &O,
    etas: &[f64],
    starts: &[Vec<f64>],
    options: &OrbitDiagramOptions,
) -> Result<()> {
    if etas.is_empty() {
        return Err(out_of_range("etas", "[]", "at least one step size"));
    }
    if starts.is_empty() {
        return Err(out_of_range("starts", "[]", "at least one start"));
    }
    for eta in etas {
        validate_eta(*eta)?;
    }
    for start in starts {
        check_dimension("start", objective.dim(), start.len())?;
        check_finite("start", start)?;
    }
    validate_iterations("transient", options.transient)?;
    validate_iterations("points", options.points)?;
    super::check_bound_and_tolerance(options.divergence_bound, options.merge_tolerance)
}

/// Task `i`'s column before any step: η = etas[i / starts.len()], start i % starts.len().
fn empty_column(etas: &[f64], starts: &[Vec<f64>], i: usize) -> OrbitColumn {
    OrbitColumn {
        eta: etas[i / starts.len()],
        start: i % starts.len(),
        points: Vec::new(),
        diverged: false,
    }
}

/// Keeps in `column` what an orbit lane's step to `theta` gives; whether the lane is done.
fn record(
    lane: &mut OrbitLane,
    theta: &[f64],
    column: &mut OrbitColumn,
    options: &OrbitDiagramOptions,
) -> bool {
    let (what, done) = lane.after_step(
        theta,
        options.transient,
        options.points,
        options.divergence_bound,
    );
    match what {
        OrbitStep::Escaped => {
            column.points = Vec::new();
            column.diverged = true;
        }
        OrbitStep::Keep => column.points.push(theta.to_vec()),
        OrbitStep::Discard => {}
    }
    done
}

/// The iterates of one (η, start) after the transient.
fn orbit_column<O: Objective>(
    objective: &O,
    etas: &[f64],
    starts: &[Vec<f64>],
    i: usize,
    options: &OrbitDiagramOptions,
) -> OrbitColumn {
    let mut column = empty_column(etas, starts, i);
    let mut ws = objective.workspace();
    let mut theta = starts[column.start].clone();
    let mut gradient = vec![0.0; theta.len()];
    // bound: a column's points are counted in its bytes, checked by `check_budget`.
    column.points.reserve(options.points);
    let mut lane = OrbitLane::default();
    for _ in 0..options.transient + options.points {
        objective.gradient(&theta, &mut gradient, &mut ws);
        for (t, g) in theta.iter_mut().zip(&gradient) {
            *t -= column.eta * g;
        }
        if record(&mut lane, &theta, &mut column, options) {
            break;
        }
    }
    column
}

/// The tasks of a range, for [`lockstep::run`]: their starts, η, and columns.
struct TaskLanes<'a> {
    starts: &'a [Vec<f64>],
    first_task: usize,
    options: &'a OrbitDiagramOptions,
    columns: Vec<OrbitColumn>,
}

impl lockstep::Lanes for TaskLanes<'_> {
    type Lane = OrbitLane;
    fn count(&self) -> usize {
        self.columns.len()
    }
    fn new_lane(&self) -> OrbitLane {
        OrbitLane::default()
    }
    fn start(&self, index: usize, theta: &mut [f64], lane: &mut OrbitLane) {
        theta.copy_from_slice(&self.starts[(self.first_task + index) % self.starts.len()]);
        *lane = OrbitLane::default();
    }
    fn eta(&self, index: usize) -> f64 {
        self.columns[index].eta
    }
    fn after_step(&mut self, index: usize, theta: &[f64], lane: &mut OrbitLane) -> bool {
        record(lane, theta, &mut self.columns[index], self.options)
    }
}

/// The distinct strict minima GD reaches from the starts at a small step.
fn minima_from<O: Objective>(
    objective: &O,
    etas: &[f64],
    starts: &[Vec<f64>],
    merge_tolerance: f64,
) -> Result<Vec<Minimum>> {
    let smallest = etas.iter().copied().fold(f64::INFINITY, f64::min);
    let ends = sweep(starts.len(), &SweepOptions::seeded(0), |i, _| {
        let mut eta = smallest;
        for _ in 0..=10 {
            match attractor_of(objective, &starts[i], eta).map(|t| t.attractor) {
                Ok(Attractor::FixedPoint { point, .. }) => return Some(point),
                Ok(_) => eta /= 2.0,
                Err(_) => return None,
            }
        }
        None
    })?;
    let mut minima: Vec<Minimum> = Vec::new();
    for point in ends.into_iter().flatten() {
        let known = minima.iter().any(|m| {
            m.point
                .iter()
                .zip(&point)
                .all(|(a, b)| (a - b).abs() <= merge_tolerance)
        });
        if known {
            continue;
        }
        let s = stability(objective, &point, None)?;
        if s.extremes.smallest.value > 0.0
            && let Some(max_stable_step) = s.max_stable_step
        {
            minima.push(Minimum {
                point,
                loss: s.loss,
                sharpness: s.extremes.sharpness(),
                lambda_min: s.extremes.smallest.value,
                max_stable_step,
            });
        }
    }
    Ok(minima)
}
