//! gd-theory: every analytic bound and limit of the papers as plain functions of numbers and
//! matrices, each citing its result and the conditions under which it holds. Nothing here
//! simulates; linear algebra goes through `gd_core::spectrum` (validated, sequential faer).
//!
//! - [`scalar`]: Nar & Sastry Examples 1–3, the largest stable step 2/f″;
//! - [`deep_linear`]: Theorem 1, Corollaries 1–2, Theorems 2–3;
//! - [`relu`]: Theorem 4;
//! - [`sharp_wells`]: stability limits of the Mohtashami et al. stand-in.

pub mod deep_linear;
mod error;
pub mod relu;
pub mod scalar;
pub mod sharp_wells;

pub use error::{Result, TheoryError};

/// The README's examples, compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
