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

/// num-dual 0.15, whose number types a [`Loss`] is written for.
pub use num_dual;

pub mod analyses;
pub mod atomic_file;
mod attractor;
mod autodiff;
mod classification;
mod closure_objective;
mod error;
pub mod exact_json;
pub mod finite_difference;
mod gd;
mod hessian;
mod history;
mod interruptible;
mod lanczos;
mod linearization;
mod lyapunov;
mod objective;
pub mod period;
mod record;
mod run;
mod run_config;
pub mod scalar_map;
mod schedule;
pub mod semidefinite_complementarity;
mod sgd;
pub mod shard_file;
mod sharpness;
pub mod spectrum;
mod sweep;
mod third_derivative;
pub mod vector;

pub use attractor::{Attractor, end_kind};
pub use autodiff::{Autodiff, AutodiffWorkspace, Loss};
pub use closure_objective::{ClosureWorkspace, FromClosures, hvp_by_central_difference};
pub use error::{CoreError, Result};
pub use gd::{GradientDescent, StepInfo};
pub use hessian::{DENSE_HESSIAN_MAX_DIM, dense_hessian};
pub use interruptible::Interruptible;
pub use lanczos::{
    DEFAULT_BASIS_SIZE, ExtremeEigenvalues, Lanczos, LanczosOptions, MAX_BASIS_BYTES, RitzValue,
};
pub use linearization::{
    DEFAULT_MARGINAL_TOLERANCE, Floquet, Linearization, Stability, floquet_multipliers,
    gd_jacobian, gd_spectral_radius, linearize,
};
pub use lyapunov::{LyapunovEstimate, largest_lyapunov_exponent};
pub use objective::{Objective, SampleObjective};
pub use record::{FinalState, ObservableSeries, Record, SharpnessSample, Trajectory};
pub use run::{MinibatchConfig, run_gd, run_sgd};
pub use run_config::{MAX_ITERATIONS, MAX_PERIOD, Observe, RunConfig};
pub use schedule::Schedule;
pub use sgd::{MAX_BATCH_SIZE, Sampling, StochasticGradientDescent};
pub use sharpness::{
    DEFAULT_DENSE_MAX_DIM, Sharpness, SharpnessOptions, dense_extreme_eigenvalues,
    extreme_eigenvalues,
};
pub use sweep::{
    DEFAULT_MEMORY_BUDGET, Grid, MAX_THREADS, Shard, ShardResults, SweepOptions, merge_shards,
    set_global_threads, starts_in_box, sweep, sweep_shard, sweep_tasks, task_rng, thread_pool,
};
pub use third_derivative::{ThirdDerivativeScratch, third_derivative};
/// The README's examples, compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
