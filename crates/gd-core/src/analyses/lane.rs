//! One lane: a GD trajectory of a sweep (a start of a basin map, an (η, start) of an orbit
//! diagram, an (η, x₀) of the 1-D maps), told after each step whether it has ended. What a
//! lane is lives here once: the escape test, Brent's search for an exact repeat, the
//! collection of the cycle found, its reduction to a fixed point or a period, and the step
//! budget. The schedulers only decide which lanes step when: `basins.rs` steps the lanes
//! of a row in blocks (telling each lane of the steps it passed when it reaches its
//! [`BasinLane::horizon`], escapes or meets its tortoise), `lockstep.rs` steps a batch of
//! lanes through one batched gradient call, `orbit_diagram.rs` runs one lane per task, and `crate::scalar_map` runs
//! 1-D lanes (one by one with [`CycleSearch`], or a row at a time by chunks, its vectorized
//! loop writing the same escape test as `|x| ≤ bound`); the results are the same bits under
//! each.
//!
//! Two divergence rules exist, each for a reason. A lane has escaped when a coordinate is NaN
//! or |θᵢ| exceeds the bound (10⁶ by default): the rule of SPEC W1 and W5, so that maps and
//! diagrams count what the peers count. A single run (`run_gd`) has diverged when ‖θ‖₂
//! exceeds `RunConfig::divergence_bound` (10¹²): a run is classified afterwards and keeps the
//! norm it reports.

use crate::attractor::end_kind;
use crate::period::reduced_period;
use serde::{Deserialize, Serialize};

/// Settings of the basin lanes.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct BasinOptions {
    /// Step budget per start.
    pub max_iterations: usize,
    /// |θᵢ| beyond which a lane is diverged.
    pub divergence_bound: f64,
    /// Longest period labeled as an orbit (longer cycles are unresolved).
    pub max_period: usize,
    /// Points of a cycle within this (largest coordinate difference) are one point: a cycle
    /// whose points all lie this close is a fixed point, and fixed points this close are one
    /// attractor. SPEC W5 classifies at 1e-6.
    pub merge_tolerance: f64,
}

impl Default for BasinOptions {
    /// 2000 steps, divergence beyond 10⁶, periods up to 64, merge within 1e-6 (SPEC W5).
    fn default() -> Self {
        Self {
            max_iterations: 2000,
            divergence_bound: 1e6,
            max_period: 64,
            merge_tolerance: 1e-6,
        }
    }
}

/// How one lane ended (before the attractors are labeled across the map).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum LaneEnd {
    /// A cycle whose points lie within the merge tolerance: the point reached.
    FixedPoint(Vec<f64>),
    /// A cycle of this (reduced) period.
    Periodic(usize),
    /// No repeat within the budget, or a cycle longer than `max_period`.
    Unresolved,
    /// The lane left the bound or the finite numbers.
    Diverged,
}

impl LaneEnd {
    /// Its kind, in the names of [`crate::end_kind`].
    pub fn kind(&self) -> &'static str {
        match self {
            Self::FixedPoint(_) => end_kind::FIXED_POINT,
            Self::Periodic(_) => end_kind::PERIODIC,
            Self::Unresolved => end_kind::UNRESOLVED,
            Self::Diverged => end_kind::DIVERGED,
        }
    }

    /// The period: 1 for a fixed point, k for an orbit, `None` otherwise.
    pub fn period(&self) -> Option<usize> {
        match self {
            Self::FixedPoint(_) => Some(1),
            Self::Periodic(k) => Some(*k),
            _ => None,
        }
    }
}

/// Whether a lane has escaped: a coordinate is NaN or beyond `bound` in absolute value.
#[inline(always)]
pub(crate) fn escaped(theta: &[f64], bound: f64) -> bool {
    theta.iter().any(|x| beyond(*x, bound))
}

/// Whether one coordinate has escaped: NaN, or beyond `bound` in absolute value (one
/// comparison: NaN is unordered, so it escapes too).
#[inline(always)]
pub(crate) fn beyond(x: f64, bound: f64) -> bool {
    x.abs().partial_cmp(&bound).is_none_or(|o| o.is_gt())
}

/// A lane's state storage: a `Vec` in any dimension, or an array when the dimension is known
/// at compile time (d ≤ 4), so that the compiler sees the length in the hot loop. `Lanes<L>`
/// holds the states of L lanes coordinate by coordinate (coordinate k of lane l at `[k][l]`),
/// the layout in which a step of L lanes is a step of vectors.
pub(crate) trait State: AsRef<[f64]> + AsMut<[f64]> {
    type Lanes<const L: usize>: AsRef<[[f64; L]]> + AsMut<[[f64; L]]>;
    fn zeros(d: usize) -> Self;
    fn lanes<const L: usize>(d: usize) -> Self::Lanes<L>;
    /// Sets this state to lane `l`'s of `lanes`.
    fn gather<const L: usize>(&mut self, lanes: &Self::Lanes<L>, l: usize);
}

impl State for Vec<f64> {
    type Lanes<const L: usize> = Vec<[f64; L]>;
    fn zeros(d: usize) -> Self {
        vec![0.0; d]
    }
    fn lanes<const L: usize>(d: usize) -> Vec<[f64; L]> {
        vec![[0.0; L]; d]
    }
    fn gather<const L: usize>(&mut self, lanes: &Vec<[f64; L]>, l: usize) {
        for (x, coordinate) in self.iter_mut().zip(lanes) {
            *x = coordinate[l];
        }
    }
}

impl<const N: usize> State for [f64; N] {
    type Lanes<const L: usize> = [[f64; L]; N];
    fn zeros(_: usize) -> Self {
        [0.0; N]
    }
    fn lanes<const L: usize>(_: usize) -> [[f64; L]; N] {
        [[0.0; L]; N]
    }
    fn gather<const L: usize>(&mut self, lanes: &[[f64; L]; N], l: usize) {
        // Built as one value: with a gradient that does not vectorize (W5 `autodiff`) this
        // measured 0.55 s against 0.61 s for a copy coordinate by coordinate.
        *self = std::array::from_fn(|k| lanes[k][l]);
    }
}

/// Brent's search for an exact repeat along one lane: the state is compared with a tortoise
/// that jumps to the current state at powers of two, so a cycle of length λ entered after μ
/// steps is found within about μ + 2λ steps. A repeat is bitwise (−0 is not +0), so a lane
/// stopped on one would have repeated forever.
pub(crate) struct CycleSearch<S> {
    tortoise: S,
    power: usize,
    length: usize,
}

impl<S: State> CycleSearch<S> {
    /// A search in dimension `d`; [`CycleSearch::start`] sets it at a start.
    pub(crate) fn new(d: usize) -> Self {
        Self {
            tortoise: S::zeros(d),
            power: 1,
            length: 0,
        }
    }

    /// Starts afresh at `theta`.
    pub(crate) fn start(&mut self, theta: &[f64]) {
        self.tortoise.as_mut().copy_from_slice(theta);
        (self.power, self.length) = (1, 0);
    }

    /// After a step to `theta`: `Some(λ)` when `theta` is bitwise the state λ steps back.
    #[inline(always)]
    pub(crate) fn observe(&mut self, theta: &[f64]) -> Option<usize> {
        self.length += 1;
        let tortoise = self.tortoise.as_ref();
        // Float equality first (it vectorizes), then the bits (±0 are equal floats).
        if theta == tortoise
            && theta
                .iter()
                .zip(tortoise)
                .all(|(a, b)| a.to_bits() == b.to_bits())
        {
            return Some(self.length);
        }
        if self.length == self.power {
            self.tortoise.as_mut().copy_from_slice(theta);
            self.power *= 2;
            self.length = 0;
        }
        None
    }

    /// Observations up to the one that moves the tortoise (at least 1).
    fn until_jump(&self) -> usize {
        self.power - self.length
    }

    /// The state the search compares with.
    pub(crate) fn tortoise(&self) -> &[f64] {
        self.tortoise.as_ref()
    }

    /// Counts `n` observations of states that differ from the tortoise, all before the one
    /// that moves it (`n < until_jump`): what [`CycleSearch::observe`] would have done.
    fn pass(&mut self, n: usize) {
        debug_assert!(n < self.until_jump());
        self.length += n;
    }
}

/// A basin lane between steps: searching for an exact repeat, or, once it found one of length
/// λ, collecting the λ points of the cycle as it goes round it once more.
pub(super) struct BasinLane<S> {
    search: CycleSearch<S>,
    /// Steps taken (the collection of a cycle's points is not counted).
    step: usize,
    /// The length of the cycle being collected, once one was found (0 before).
    cycle: usize,
    /// The points of the cycle (d coordinates each), while collecting.
    orbit: Vec<f64>,
}

impl<S: State> BasinLane<S> {
    /// A lane of dimension `d`; [`BasinLane::start`] sets it at a start.
    pub(super) fn new(d: usize) -> Self {
        Self {
            search: CycleSearch::new(d),
            step: 0,
            cycle: 0,
            orbit: Vec::new(),
        }
    }

    /// Starts the lane afresh at `theta`.
    pub(super) fn start(&mut self, theta: &[f64]) {
        self.search.start(theta);
        (self.step, self.cycle) = (0, 0);
    }

    /// Steps from here to the first one after which [`BasinLane::after_step`] may do more
    /// than count it even if the state neither escaped nor equals the tortoise: the step that
    /// moves the tortoise or spends the budget. 0 while the lane collects a cycle (every step
    /// is then needed).
    pub(super) fn horizon(&self, options: &BasinOptions) -> usize {
        if self.cycle > 0 {
            return 0;
        }
        self.search
            .until_jump()
            .min(options.max_iterations.saturating_sub(self.step))
    }

    /// The tortoise of the lane's search.
    pub(super) fn tortoise(&self) -> &[f64] {
        self.search.tortoise()
    }

    /// Counts `n` steps before the horizon whose states neither escaped nor equalled the
    /// tortoise: what [`BasinLane::after_step`] would have done with each (`n` below
    /// [`BasinLane::horizon`]).
    pub(super) fn pass(&mut self, n: usize) {
        debug_assert!(self.cycle == 0);
        self.step += n;
        self.search.pass(n);
    }

    /// The lane's end, if it has one, after the step that led to `theta`: it left the bound,
    /// repeated (then its cycle's points are collected over the next steps), or spent the
    /// budget; with the steps taken. (`theta` is the lane's own storage where it has one, so
    /// that its length is known to the compiler in the hot loop.)
    #[inline(always)]
    pub(super) fn after_step<T: AsRef<[f64]> + ?Sized>(
        &mut self,
        theta: &T,
        options: &BasinOptions,
    ) -> Option<(LaneEnd, u64)> {
        let theta = theta.as_ref();
        let d = theta.len();
        if self.cycle > 0 {
            self.orbit.extend_from_slice(theta);
            return (self.orbit.len() == self.cycle * d)
                .then(|| (end_of_cycle(&self.orbit, d, options), self.step as u64));
        }
        self.step += 1;
        if escaped(theta, options.divergence_bound) {
            return Some((LaneEnd::Diverged, self.step as u64));
        }
        if let Some(length) = self.search.observe(theta) {
            if length > options.max_period {
                return Some((LaneEnd::Unresolved, self.step as u64));
            }
            self.orbit.clear();
            self.orbit.extend_from_slice(theta);
            if length == 1 {
                return Some((end_of_cycle(&self.orbit, d, options), self.step as u64));
            }
            self.cycle = length;
            return None;
        }
        (self.step >= options.max_iterations).then_some((LaneEnd::Unresolved, self.step as u64))
    }
}

/// The end of a lane whose state repeated: `orbit` holds the cycle's points (d coordinates
/// each, in the order visited). A fixed point when every point lies within the merge tolerance
/// of the first, else an orbit of its reduced period.
fn end_of_cycle(orbit: &[f64], d: usize, options: &BasinOptions) -> LaneEnd {
    let length = orbit.len() / d;
    let point = |k: usize| &orbit[(k % length) * d..(k % length + 1) * d];
    let close = |a: &[f64], b: &[f64]| {
        a.iter()
            .zip(b)
            .all(|(x, y)| (x - y).abs() <= options.merge_tolerance)
    };
    match reduced_period(length, options.max_period, |k| {
        (0..length).all(|i| close(point(i), point(i + k)))
    }) {
        Some(1) => LaneEnd::FixedPoint(point(0).to_vec()),
        Some(period) => LaneEnd::Periodic(period),
        None => LaneEnd::Periodic(length),
    }
}

/// An orbit-diagram lane between steps: how many it has taken.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct OrbitLane {
    taken: usize,
}

/// What an orbit lane does with the state a step led to.
pub(super) enum OrbitStep {
    /// Escaped: the column is diverged and keeps no points.
    Escaped,
    /// Past the transient: the state is one of the column's points.
    Keep,
    /// Still in the transient.
    Discard,
}

impl OrbitLane {
    /// The verdict on `theta`, reached by this lane's next step, and whether the lane is done
    /// (escaped, or `transient + points` steps taken).
    #[inline]
    pub(super) fn after_step(
        &mut self,
        theta: &[f64],
        transient: usize,
        points: usize,
        bound: f64,
    ) -> (OrbitStep, bool) {
        self.taken += 1;
        if escaped(theta, bound) {
            (OrbitStep::Escaped, true)
        } else if self.taken > transient {
            (OrbitStep::Keep, self.taken == transient + points)
        } else {
            (OrbitStep::Discard, false)
        }
    }
}
