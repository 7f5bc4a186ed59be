//! gd-models: the networks and test functions of both papers as gd-core objectives, with
//! exact (analytic) gradients and Hessian-vector products over one flat parameter vector.
//!
//! - [`Scalar`], [`example1`], [`example2`], [`example3`]: Nar & Sastry's Examples 1–3 and any
//!   1-D objective from closures;
//! - [`DeepLinear`], [`ResidualLinear`], [`initialize`]: deep linear networks in sample and
//!   covariance form, their residual reparametrization, and their initializations;
//! - [`TwoThreadDeepLinear`]: a deep linear network whose gradient two threads share, bitwise
//!   the same;
//! - [`linear_data`]: whitened samples and targets with a given spectrum;
//! - [`TwoLayerRelu`], [`Figure2`]: W relu(V x − b) with fixed b, and Figure 2's setting;
//! - [`SharpWells`]: the sharp-local / flat-global stand-in for Mohtashami et al.;
//! - [`Mlp`], [`datasets`]: multilayer perceptrons on blocks of samples (both cores, the same
//!   bits at any thread count) and synthetic data;
//! - [`LabelledData`]: real data: the digits set shipped with the crate, IDX (MNIST) and CSV
//!   files.

mod activation;
pub mod datasets;
mod deep_linear;
mod deep_linear_initialization;
mod deep_linear_two_threads;
mod error;
mod figure2;
mod labelled_data;
pub mod linear_data;
mod mlp;
mod residual_linear;
mod scalar;
mod sharp_wells;
mod timed_choice;
mod two_layer_relu;
mod two_patterns;

pub use deep_linear::{DeepLinear, DeepLinearWorkspace, MAX_PARAMETERS, frobenius_distance};
pub use deep_linear_initialization::{Initialization, balanced, initialize};
pub use deep_linear_two_threads::{IDLE_SPIN, TwoThreadDeepLinear, TwoThreadWorkspace};
pub use error::{ModelError, Result};
pub use figure2::{FIGURE2_HIDDEN, FIGURE2_SAMPLES, Figure2};
pub use labelled_data::{LabelledData, MAX_DATA_BYTES};
pub use mlp::{Activation, DEFAULT_MEMORY_CAP, MAX_BLOCK, Mlp, MlpLoss, MlpWorkspace, ROUND};
pub use residual_linear::{ResidualLinear, ResidualLinearWorkspace};
pub use scalar::{
    Scalar, example1, example2, example3, f2_derivative, f2_second_derivative, f2_value,
};
pub use sharp_wells::{SharpWells, Well};
pub use two_layer_relu::{LossScale, ReluWorkspace, TwoLayerRelu};
pub use two_patterns::{Pattern, PatternedData, TwoPatterns};

/// The README's examples, compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
