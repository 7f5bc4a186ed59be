//! Sharpness λmax(∇²f(θ)) and the most negative curvature λmin: a dense symmetric
//! eigensolver for small d, Lanczos on Hessian-vector products above a threshold.

use crate::error::{Result, check_nonempty_objective};
use crate::hessian::dense_hessian;
use crate::lanczos::{ExtremeEigenvalues, Lanczos, LanczosOptions, RitzValue};
use crate::objective::Objective;
use crate::spectrum::symmetric_eigen_unchecked;
use serde::{Deserialize, Serialize};

/// Dimension up to which the dense path is used by default: assembling d HVPs and an O(d³)
/// eigensolve beats Lanczos's ~20–100 HVPs with reorthogonalization below about this size.
pub const DEFAULT_DENSE_MAX_DIM: usize = 200;

/// Settings for [`Sharpness`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SharpnessOptions {
    /// Use the dense eigensolver when d ≤ this.
    pub dense_max_dim: usize,
    /// Lanczos settings (used above `dense_max_dim`; `top_k` also applies to the dense path).
    pub lanczos: LanczosOptions,
}

impl Default for SharpnessOptions {
    fn default() -> Self {
        Self {
            dense_max_dim: DEFAULT_DENSE_MAX_DIM,
            lanczos: LanczosOptions::default(),
        }
    }
}

/// Extreme eigenvalues of ∇²f(θ) by the dense symmetric eigensolver. Residuals are zero by
/// construction (to the eigensolver's backward error) and every value is flagged converged.
pub fn dense_extreme_eigenvalues<O: Objective>(
    objective: &O,
    theta: &[f64],
    top_k: usize,
    workspace: &mut O::Workspace,
) -> Result<ExtremeEigenvalues> {
    let h = dense_hessian(objective, theta, workspace)?;
    let (values, vectors) = symmetric_eigen_unchecked(h.as_ref())?;
    let d = values.len();
    let exact = |value: f64| RitzValue {
        value,
        residual: 0.0,
        converged: true,
    };
    Ok(ExtremeEigenvalues {
        largest: (0..top_k.min(d))
            .map(|i| exact(values[d - 1 - i]))
            .collect(),
        smallest: exact(values[0]),
        top_eigenvector: (0..d).map(|i| vectors[(i, d - 1)]).collect(),
        top_eigenvectors: (0..top_k.min(d))
            .map(|k| (0..d).map(|i| vectors[(i, d - 1 - k)]).collect())
            .collect(),
        bottom_eigenvector: (0..d).map(|i| vectors[(i, 0)]).collect(),
        hessian_vector_products: 0,
        converged: true,
    })
}

/// Tracks sharpness along a trajectory: chooses the dense or Lanczos path by dimension, and
/// warm-starts Lanczos from the previous top eigenvector.
#[derive(Clone, Debug)]
pub struct Sharpness {
    options: SharpnessOptions,
    lanczos: Lanczos,
    warm_start: Option<Vec<f64>>,
}

/// Weight of the all-ones direction in a warm start: keeps the start generic (every
/// eigen-direction present) while the previous extreme vectors dominate it.
const WARM_START_GENERIC_WEIGHT: f64 = 0.1;

impl Sharpness {
    /// A tracker with validated options.
    pub fn new(options: SharpnessOptions) -> Result<Self> {
        let lanczos = Lanczos::new(options.lanczos.clone())?;
        Ok(Self {
            options,
            lanczos,
            warm_start: None,
        })
    }

    /// Extreme eigenvalues of ∇²f(θ), Lanczos started from the generic vector.
    pub fn compute<O: Objective>(
        &mut self,
        objective: &O,
        theta: &[f64],
        workspace: &mut O::Workspace,
    ) -> Result<ExtremeEigenvalues> {
        self.extremes(objective, theta, false, workspace)
    }

    /// Extreme eigenvalues of ∇²f(θ), Lanczos started from the sum of the previous call's top
    /// and bottom eigenvectors plus a small generic component (the Hessian changes little
    /// between nearby θ along a trajectory, and both ends are wanted); the first call starts
    /// as [`Sharpness::compute`] does.
    pub fn compute_warm<O: Objective>(
        &mut self,
        objective: &O,
        theta: &[f64],
        workspace: &mut O::Workspace,
    ) -> Result<ExtremeEigenvalues> {
        self.extremes(objective, theta, true, workspace)
    }

    fn extremes<O: Objective>(
        &mut self,
        objective: &O,
        theta: &[f64],
        warm_start: bool,
        workspace: &mut O::Workspace,
    ) -> Result<ExtremeEigenvalues> {
        check_nonempty_objective(objective.dim())?;
        let result = if objective.dim() <= self.options.dense_max_dim {
            dense_extreme_eigenvalues(objective, theta, self.options.lanczos.top_k, workspace)?
        } else {
            let start = if warm_start {
                self.warm_start.as_deref()
            } else {
                None
            };
            self.lanczos.run(objective, theta, start, workspace)?
        };
        let d = result.top_eigenvector.len();
        let generic = WARM_START_GENERIC_WEIGHT / (d as f64).sqrt();
        let mut start = vec![generic; d];
        for vector in &result.top_eigenvectors {
            start.iter_mut().zip(vector).for_each(|(s, v)| *s += v);
        }
        if self.options.lanczos.converge_smallest {
            start
                .iter_mut()
                .zip(&result.bottom_eigenvector)
                .for_each(|(s, v)| *s += v);
        }
        self.warm_start = Some(start);
        Ok(result)
    }
}

/// λmax and λmin of ∇²f(θ) with default options: the one-call form.
pub fn extreme_eigenvalues<O: Objective>(
    objective: &O,
    theta: &[f64],
) -> Result<ExtremeEigenvalues> {
    let mut ws = objective.workspace();
    Sharpness::new(SharpnessOptions::default())?.compute(objective, theta, &mut ws)
}
