//! stepsize: gradient descent as a discrete-time dynamical system.
//!
//! This facade re-exports the layers so that a user needs one dependency:
//! [`dynamics`] (gd-core: the GD map, attractors, linearization, sharpness, sweeps),
//! [`models`] (the papers' networks and test functions with exact derivatives), [`theory`]
//! (the papers' bounds and limits) and [`faer`], whose matrix types appear in their signatures. The cross-crate checks in `tests/` and the criterion benches in
//! `benches/` belong to this package.

pub use gd_core as dynamics;
pub use gd_core::faer;
pub use gd_models as models;
pub use gd_theory as theory;

/// The README's examples, compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
