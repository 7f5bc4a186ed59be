//! stepsize: gradient descent as a discrete-time dynamical system.
//!
//! This facade re-exports the layers so that a user needs one dependency:
//! [`core`] (the GD map, attractors, linearization, sharpness, sweeps), [`models`] (the
//! papers' networks and test functions with exact derivatives) and [`theory`] (the papers'
//! bounds and limits). The cross-crate checks in `tests/` and the criterion benches in
//! `benches/` belong to this package.

pub use gd_core as core;
pub use gd_models as models;
pub use gd_theory as theory;
