//! gd-core: gradient descent as a discrete-time dynamical system Φ_η(θ) = θ − η∇f(θ).
//!
//! Knows nothing of networks: its input is any [`Objective`] over a flat parameter vector.
//! It iterates the GD and SGD maps ([`run_gd`], [`run_sgd`]), classifies where a trajectory
//! ends ([`Attractor`]), linearizes the map (spectral radius of I − η∇²f, the largest stable
//! step 2/λmax, Floquet multipliers of orbits), estimates sharpness by a dense eigensolver or
//! Lanczos, estimates the largest Lyapunov exponent, and runs seeded, bit-reproducible
//! parallel sweeps. All linear algebra goes through faer with `Par::Seq`: parallelism is
//! across sweep tasks only, so results never depend on the thread count.

/// faer 0.24, whose matrix types appear in this crate's signatures: use it through this
/// re-export to be sure of the same version.
pub use faer;

pub mod attractor;
pub mod error;
pub mod finite_difference;
pub mod gd;
pub mod hessian;
pub mod lanczos;
pub mod linearization;
pub mod lyapunov;
pub mod objective;
pub mod period;
pub mod run;
pub mod scalar_map;
pub mod schedule;
pub mod sgd;
pub mod sharpness;
pub mod spectrum;
pub mod sweep;

pub use attractor::Attractor;
pub use error::{CoreError, Result};
pub use gd::GradientDescent;
pub use lanczos::{ExtremeEigenvalues, Lanczos, LanczosOptions, RitzValue};
pub use linearization::{
    Floquet, Linearization, Stability, floquet_multipliers, linearize, max_stable_step,
};
pub use lyapunov::{LyapunovEstimate, largest_lyapunov_exponent};
pub use objective::{Objective, SampleObjective};
pub use run::{MinibatchConfig, Observe, RunConfig, Trajectory, run_gd, run_sgd};
pub use schedule::Schedule;
pub use sgd::{Sampling, StochasticGradientDescent};
pub use sharpness::{Sharpness, SharpnessOptions, extreme_eigenvalues};
pub use sweep::{
    Grid, Shard, SweepOptions, merge_shards, sweep, sweep_shard, sweep_tasks, task_rng,
};

/// The README's examples, compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
