//! The lane engine under each of its schedulers gives the same bits: basin maps and orbit
//! diagrams computed lane by lane (parallel rows, lanes in blocks) and in lockstep through
//! batched gradients, in dimensions 1, 2, 3 (the fixed-size states) and 5 (a vector), at
//! batch sizes that fill a row, refill it mid-row and hold everything at once; and the 1-D
//! lanes of `scalar_map` end as the d = 1 basin lanes do.

use gd_core::analyses::{
    Axis, BasinOptions, LaneEnd, OrbitDiagramOptions, Plane, basin_rows, orbit_diagram,
};
use gd_core::num_dual::DualNum;
use gd_core::scalar_map::{LaneConfig, final_states};
use gd_core::{Autodiff, Loss, Objective};

/// Σᵢ (1 + i/20)(θᵢ² − 1)² + ¼ Σᵢ θᵢθᵢ₊₁: a double well per coordinate, coupled, with
/// minima of different sharpness, so that one η shows minima, cycles, chaos and divergence.
struct CoupledWells(usize);

impl Loss for CoupledWells {
    fn dim(&self) -> usize {
        self.0
    }
    fn loss<D: DualNum<Primitive = f64> + Copy>(&self, t: &[D]) -> D {
        let mut f = D::from(0.0);
        for (i, &x) in t.iter().enumerate() {
            f += (x * x - 1.0).powi(2) * (1.0 + 0.05 * i as f64);
        }
        for w in t.windows(2) {
            f += w[0] * w[1] * 0.25;
        }
        f
    }
}

/// An objective that asks the sweeps for batched gradients, so that they run in lockstep; the
/// arithmetic is the wrapped objective's.
struct Batched<O>(O, usize);

impl<O: Objective> Objective for Batched<O> {
    type Workspace = O::Workspace;
    fn dim(&self) -> usize {
        self.0.dim()
    }
    fn workspace(&self) -> Self::Workspace {
        self.0.workspace()
    }
    fn loss(&self, theta: &[f64], ws: &mut Self::Workspace) -> f64 {
        self.0.loss(theta, ws)
    }
    fn loss_and_gradient(&self, theta: &[f64], g: &mut [f64], ws: &mut Self::Workspace) -> f64 {
        self.0.loss_and_gradient(theta, g, ws)
    }
    fn hessian_vector_product(&self, t: &[f64], v: &[f64], o: &mut [f64], ws: &mut O::Workspace) {
        self.0.hessian_vector_product(t, v, o, ws)
    }
    fn batch_size(&self) -> Option<usize> {
        Some(self.1)
    }
}

/// The plane through the origin spanned by the first coordinate and the last (for d = 1, the
/// line of the only coordinate, crossed with a second axis along it as well), `points` by
/// `points`.
fn plane(d: usize, points: usize) -> Plane {
    plane_of(d, points, points)
}

/// That plane with `columns` points on its first axis and `rows` on its second.
fn plane_of(d: usize, columns: usize, rows: usize) -> Plane {
    let unit = |i: usize| (0..d).map(|k| f64::from(k == i)).collect::<Vec<f64>>();
    Plane {
        center: vec![0.0; d],
        u: unit(0),
        v: if d == 1 { vec![0.37] } else { unit(d - 1) },
        s: Axis::new(-1.9, 1.9, columns).unwrap(),
        t: Axis::new(-1.9, 1.9, rows).unwrap(),
    }
}

fn option_sets() -> [BasinOptions; 5] {
    [
        BasinOptions::default(),
        BasinOptions {
            max_iterations: 150,
            ..Default::default()
        },
        BasinOptions {
            max_period: 2,
            ..Default::default()
        },
        BasinOptions {
            max_iterations: 0,
            ..Default::default()
        },
        BasinOptions {
            max_iterations: 1,
            ..Default::default()
        },
    ]
}

/// The kind of a lane's end, for counting which branches a test reached.
fn kind(end: &LaneEnd) -> usize {
    match end {
        LaneEnd::FixedPoint(_) => 0,
        LaneEnd::Periodic(_) => 1,
        LaneEnd::Unresolved => 2,
        LaneEnd::Diverged => 3,
    }
}

#[test]
fn basin_lanes_give_the_same_bits_in_lockstep_at_every_dimension_and_batch() {
    // At η = 0.24 the first coordinate's minima are stable (ηλ = 1.92) and the third's are not
    // (2.11): fixed points, cycles and divergence in one map from d = 3 on.
    // Rows of 24 columns and of 13 and 5: the row engine steps its lanes in blocks, and a row
    // that is not a whole number of blocks ends with fewer lanes in flight than a block holds.
    let eta = 0.24;
    let mut reached = [false; 4];
    for d in [1, 2, 3, 5] {
        let f = Autodiff::new(CoupledWells(d));
        let mut kinds = [false; 4];
        for (columns, rows) in [(24, 24), (13, 7), (5, 7)] {
            let plane = plane_of(d, columns, rows);
            for options in option_sets() {
                let lanes = basin_rows(&f, eta, &plane, &options, 0..rows, None).unwrap();
                lanes
                    .iter()
                    .flat_map(|r| &r.ends)
                    .for_each(|e| kinds[kind(e)] = true);
                for batch in [1, 2, 3, 7, columns * rows] {
                    let batched = Batched(Autodiff::new(CoupledWells(d)), batch);
                    let lockstep =
                        basin_rows(&batched, eta, &plane, &options, 0..rows, None).unwrap();
                    assert_eq!(
                        lockstep, lanes,
                        "d = {d}, {columns} columns, batch {batch}, {options:?}"
                    );
                }
            }
        }
        assert!(
            kinds.iter().filter(|k| **k).count() >= 2,
            "d = {d}: {kinds:?}"
        );
        reached.iter_mut().zip(kinds).for_each(|(r, k)| *r |= k);
    }
    assert_eq!(reached, [true; 4], "every kind of end is compared");
}

#[test]
fn orbit_lanes_give_the_same_bits_in_lockstep_at_every_dimension_and_batch() {
    let etas: Vec<f64> = (0..10).map(|i| 0.05 + 0.04 * f64::from(i)).collect();
    for d in [1, 2, 3, 5] {
        let starts: Vec<Vec<f64>> = (0..4)
            .map(|k| {
                (0..d)
                    .map(|i| -1.7 + 0.9 * f64::from(k) + 0.1 * i as f64)
                    .collect()
            })
            .collect();
        let options = OrbitDiagramOptions {
            transient: 120,
            points: 8,
            ..Default::default()
        };
        let f = Autodiff::new(CoupledWells(d));
        let lanes = orbit_diagram(&f, &etas, &starts, &options, None).unwrap();
        assert!(lanes.columns.iter().any(|c| c.diverged), "d = {d}");
        assert!(lanes.columns.iter().any(|c| !c.diverged), "d = {d}");
        for batch in [1, 2, 3, 7, 40] {
            let batched = Batched(Autodiff::new(CoupledWells(d)), batch);
            let lockstep = orbit_diagram(&batched, &etas, &starts, &options, None).unwrap();
            assert_eq!(lockstep, lanes, "d = {d}, batch {batch}");
        }
    }
}

#[test]
fn one_dimensional_lanes_end_as_the_basin_lanes_of_dimension_one() {
    // The same map x ← x − η f′(x), the same bound and budget: the same divergence verdict,
    // and where both find a cycle, the same period (a fixed point is period 1).
    let f = Autodiff::new(CoupledWells(1));
    let derivative = |x: f64| 4.0 * x * (x * x - 1.0);
    let eta = 0.26;
    let plane = plane(1, 64);
    let options = BasinOptions::default();
    let row = &basin_rows(&f, eta, &plane, &options, 0..1, None).unwrap()[0];
    // Row 0's starts, computed as the basin engine computes them.
    let t = plane.t.value(0);
    let starts: Vec<f64> = (0..64)
        .map(|i| plane.center[0] + plane.s.value(i) * plane.u[0] + t * plane.v[0])
        .collect();
    let config = LaneConfig {
        iterations: options.max_iterations,
        divergence_bound: options.divergence_bound,
        ..LaneConfig::new(0, 1.0)
    };
    let scalar = final_states(derivative, &[eta], &starts, &config).unwrap();
    let mut compared = 0;
    for (lane, &label) in scalar.iter().zip(&row.labels) {
        match &row.ends[label as usize] {
            LaneEnd::Diverged => assert!(lane.diverged, "{lane:?}"),
            LaneEnd::FixedPoint(_) => {
                assert_eq!(lane.period, Some(1), "{lane:?}");
                compared += 1;
            }
            LaneEnd::Periodic(p) => {
                assert_eq!(lane.period, Some(*p), "{lane:?}");
                compared += 1;
            }
            LaneEnd::Unresolved => assert!(!lane.diverged, "{lane:?}"),
        }
    }
    assert!(compared >= 16, "only {compared} lanes reached a cycle");
}

#[test]
fn a_run_and_the_basin_map_name_the_same_ends_alike() {
    // One vocabulary (`gd_core::end_kind`): from each start of a row, the run's attractor and
    // the map's label have the same kind and period, except where the map's 2000-step budget
    // ends before the run's 10⁵ steps resolve the lane.
    use gd_core::analyses::{attractor_of, basins};
    let (d, eta) = (3, 0.24);
    let f = Autodiff::new(CoupledWells(d));
    let plane = plane(d, 24);
    let map = basins(&f, eta, &plane, &BasinOptions::default(), None).unwrap();
    let mut compared = 0;
    for column in 0..24 {
        let theta0: Vec<f64> = (0..d)
            .map(|k| plane.s.value(column) * plane.u[k] + plane.t.value(5) * plane.v[k])
            .collect();
        let run = attractor_of(&f, &theta0, eta).unwrap().attractor;
        let label = map.labels[5 * 24 + column] as usize;
        let lane = &map.attractors[label];
        if lane.kind() == gd_core::end_kind::UNRESOLVED {
            continue;
        }
        assert_eq!(
            run.kind(),
            lane.kind(),
            "column {column}: {run:?} vs {lane:?}"
        );
        assert_eq!(run.period(), lane.period(), "column {column}");
        compared += 1;
    }
    assert!(compared >= 12, "only {compared} starts compared");
    for end in [
        LaneEnd::FixedPoint(vec![0.0]),
        LaneEnd::Periodic(3),
        LaneEnd::Unresolved,
        LaneEnd::Diverged,
    ] {
        let expected = match end {
            LaneEnd::FixedPoint(_) => "fixed_point",
            LaneEnd::Periodic(_) => "periodic",
            LaneEnd::Unresolved => "unresolved",
            LaneEnd::Diverged => "diverged",
        };
        assert_eq!(end.kind(), expected);
    }
}
