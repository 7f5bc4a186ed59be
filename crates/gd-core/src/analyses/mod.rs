//! The one-call analyses: where GD from θ₀ at η ends, the stability of a point, an orbit
//! diagram over η, a basin map over a plane of starts, the empirical stability boundary of a
//! minimum, sharpness along a trajectory, the edge of stability and the central flow. Each takes any [`crate::Objective`] (a model, a
//! [`crate::Loss`] written once, closures), checks its input into typed errors, and gives the
//! same bits at any thread count; the sweeps take an optional progress hook.

mod axis;
mod basins;
mod central_flow;
mod edge_of_stability;
mod end_state;
pub(crate) mod lane;
mod lockstep;
mod orbit_diagram;
mod point_stability;
mod sharpness_along;
mod stability_boundary;

pub use axis::Axis;
pub use basins::{
    BasinAttractor, BasinMap, BasinRow, MAX_ATTRACTORS, Plane, basin_map_from_rows, basin_rows,
    basins,
};
pub use central_flow::{
    Agreement, CLAIM_TOLERANCES, CentralFlow, CentralFlowEnd, CentralFlowOptions,
    CentralFlowSample, FlowClaim, SETTLE_STEPS, central_flow,
};
pub use edge_of_stability::{EdgeOfStability, Sharpening, Spread, edge_of_stability, summarize};
pub use end_state::{
    EndStability, FLOQUET_MAX_DIM, attractor_of, end_stability, run_config_for_analysis,
};
pub use lane::{BasinOptions, LaneEnd};
pub use orbit_diagram::{
    Minimum, OrbitColumn, OrbitDiagram, OrbitDiagramOptions, orbit_columns, orbit_diagram,
    orbit_minima,
};
pub use point_stability::{PointStability, stability};
pub use sharpness_along::{
    Monitor, SharpnessAlong, SharpnessAlongOptions, SharpnessSample, TrackingEnd, sharpness_along,
};
pub use stability_boundary::{BoundaryOptions, StabilityBoundary, stability_boundary};

/// Called with (tasks done, tasks in all) as a sweep progresses, from any thread; the results
/// do not depend on it.
pub type Progress<'a> = &'a (dyn Fn(usize, usize) + Sync);

/// Checks the settings the sweeps share: a finite positive divergence bound and a finite
/// non-negative merge tolerance.
fn check_bound_and_tolerance(divergence_bound: f64, merge_tolerance: f64) -> crate::Result<()> {
    if !(divergence_bound.is_finite() && divergence_bound > 0.0) {
        return Err(crate::error::out_of_range(
            "divergence_bound",
            divergence_bound,
            "finite and > 0",
        ));
    }
    if !(merge_tolerance.is_finite() && merge_tolerance >= 0.0) {
        return Err(crate::error::out_of_range(
            "merge_tolerance",
            merge_tolerance,
            "finite and ≥ 0",
        ));
    }
    Ok(())
}
