//! gd-core's integration tests: one binary, one module per capability.

mod support;

mod central_flow;
mod errors;
mod finite_difference;
mod lane_engines;
mod linearization;
mod lyapunov_accuracy;
mod period_doubling;
mod periodic_orbits;
mod sharpness;
mod stochastic;
mod sweeps;
