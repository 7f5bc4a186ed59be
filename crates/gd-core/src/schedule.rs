//! Step-size schedules η_k: constant, piecewise constant, exponential decay, or a table of
//! steps. A `Schedule` can only be built through constructors that check every step, so
//! η_k is finite and positive at every k and stepping never fails.

use crate::error::{CoreError, Result, out_of_range, validate_eta};
use std::fmt;
use std::sync::Arc;

/// The step size as a function of the iteration k; every η_k is finite and > 0.
#[derive(Clone)]
pub struct Schedule(Kind);

#[derive(Clone)]
enum Kind {
    Constant(f64),
    Piecewise {
        boundaries: Vec<usize>,
        etas: Vec<f64>,
    },
    Exponential {
        eta0: f64,
        gamma: f64,
    },
    Tabulated(Arc<[f64]>),
}

impl fmt::Debug for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Kind::Constant(eta) => write!(f, "Constant({eta})"),
            Kind::Piecewise { boundaries, etas } => {
                write!(
                    f,
                    "Piecewise {{ boundaries: {boundaries:?}, etas: {etas:?} }}"
                )
            }
            Kind::Exponential { eta0, gamma } => {
                write!(f, "Exponential {{ eta0: {eta0}, gamma: {gamma} }}")
            }
            Kind::Tabulated(etas) => write!(f, "Tabulated({} steps)", etas.len()),
        }
    }
}

/// The most steps a tabulated schedule holds (8 MiB of steps).
pub const MAX_TABULATED_STEPS: usize = 1 << 20;

impl Schedule {
    /// η_k = η.
    pub fn constant(eta: f64) -> Result<Self> {
        Ok(Self(Kind::Constant(validate_eta(eta)?)))
    }

    /// η_k = `etas[i]` for `boundaries[i-1] ≤ k < boundaries[i]`: boundaries strictly
    /// increasing, one more step than boundaries.
    pub fn piecewise(boundaries: Vec<usize>, etas: Vec<f64>) -> Result<Self> {
        if etas.len() != boundaries.len() + 1 {
            return Err(out_of_range(
                "piecewise etas",
                format!("{} values", etas.len()),
                format!(
                    "one more value than boundaries ({} boundaries)",
                    boundaries.len()
                ),
            ));
        }
        if boundaries.windows(2).any(|w| w[0] >= w[1]) {
            return Err(out_of_range(
                "piecewise boundaries",
                format!("{boundaries:?}"),
                "strictly increasing",
            ));
        }
        for eta in &etas {
            validate_eta(*eta)?;
        }
        Ok(Self(Kind::Piecewise { boundaries, etas }))
    }

    /// η_k = max(η₀·γᵏ, 2⁻¹⁰²²) with γ in (0, 1]: the floor (the smallest normal f64) keeps
    /// the step positive where η₀·γᵏ would underflow to 0, after which GD is at rest anyway.
    pub fn exponential(eta0: f64, gamma: f64) -> Result<Self> {
        validate_eta(eta0)?;
        if !(gamma.is_finite() && gamma > 0.0 && gamma <= 1.0) {
            return Err(out_of_range("gamma", gamma, "in (0, 1]"));
        }
        Ok(Self(Kind::Exponential { eta0, gamma }))
    }

    /// η_k = `etas[k]`, and the last step after the table; each step is checked now.
    pub fn tabulated(etas: Vec<f64>) -> Result<Self> {
        if etas.is_empty() {
            return Err(CoreError::EmptyGrid {
                what: "tabulated schedule",
            });
        }
        if etas.len() > MAX_TABULATED_STEPS {
            return Err(out_of_range(
                "tabulated schedule length",
                etas.len(),
                format!("at most {MAX_TABULATED_STEPS} steps"),
            ));
        }
        if let Some((iteration, &eta)) = etas
            .iter()
            .enumerate()
            .find(|(_, e)| !(e.is_finite() && **e > 0.0))
        {
            return Err(CoreError::InvalidScheduledStep { iteration, eta });
        }
        Ok(Self(Kind::Tabulated(etas.into())))
    }

    /// Any function of k, evaluated and checked for k < `steps` now
    /// ([`Schedule::tabulated`]); the step at `steps − 1` holds after.
    pub fn from_fn(steps: usize, eta: impl Fn(usize) -> f64) -> Result<Self> {
        if steps > MAX_TABULATED_STEPS {
            return Err(out_of_range(
                "steps",
                steps,
                format!("at most {MAX_TABULATED_STEPS} (a tabulated schedule's cap)"),
            ));
        }
        Self::tabulated((0..steps).map(eta).collect())
    }

    /// η at iteration k: finite and > 0 by construction.
    pub fn eta(&self, k: usize) -> f64 {
        match &self.0 {
            Kind::Constant(eta) => *eta,
            Kind::Piecewise { boundaries, etas } => etas[boundaries.partition_point(|b| *b <= k)],
            Kind::Exponential { eta0, gamma } => {
                (eta0 * gamma.powf(k as f64)).max(f64::MIN_POSITIVE)
            }
            Kind::Tabulated(etas) => etas[k.min(etas.len() - 1)],
        }
    }

    /// The constant η, if the schedule is constant (then Φ_η is autonomous and a repeated
    /// state proves a periodic orbit).
    pub fn as_constant(&self) -> Option<f64> {
        match &self.0 {
            Kind::Constant(eta) => Some(*eta),
            _ => None,
        }
    }
}
