//! gd-models: the networks and test functions of both papers as gd-core objectives, with
//! exact (analytic) gradients and Hessian-vector products over one flat parameter vector.
//!
//! - [`scalar`]: Nar & Sastry's Examples 1–3 and any 1-D objective from closures;
//! - [`deep_linear`], [`residual_linear`], [`initialization`]: deep linear networks in sample and
//!   covariance form, their residual reparametrization, and initializations;
//! - [`data`]: whitened samples and targets with a given spectrum;
//! - [`two_layer_relu`]: W relu(V x − b) with fixed b, including Figure 2's setting;
//! - [`sharp_wells`]: the sharp-local / flat-global stand-in for Mohtashami et al.;
//! - [`mlp`], [`datasets`]: multilayer perceptrons and synthetic data.

pub mod data;
pub mod datasets;
pub mod deep_linear;
pub mod error;
pub mod initialization;
pub mod mlp;
pub mod residual_linear;
pub mod scalar;
pub mod sharp_wells;
pub mod two_layer_relu;

pub use deep_linear::{DeepLinear, frobenius_distance};
pub use error::{ModelError, Result};
pub use initialization::{Initialization, balanced, initialize};
pub use mlp::{Activation, Mlp, MlpLoss};
pub use residual_linear::ResidualLinear;
pub use scalar::{Scalar, example1, example2, example3};
pub use sharp_wells::{SharpWells, Well};
pub use two_layer_relu::{Figure2, LossScale, TwoLayerRelu};

/// The README's examples, compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
