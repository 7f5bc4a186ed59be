//! gd-core's integration tests: one binary, one module per capability.

mod support;

mod errors;
mod finite_difference;
mod linearization;
mod periodic_orbits;
mod sharpness;
mod stochastic;
mod sweeps;
