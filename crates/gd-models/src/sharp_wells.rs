//! The stand-in function class for Mohtashami, Jaggi & Stich (catalogue, MJS): a flat global
//! bowl ½‖x‖² minus Gaussian wells, f(x) = ½‖x‖² − Σ_k A_k exp(−‖x − c_k‖²/(2w_k²)). A narrow
//! well (small w) makes a sharp local minimum beside the flat global one; its curvature
//! ≈ 1 + A/w² limits the steps that can stay there to η < 2/(1 + A/w²).

use crate::error::{ModelError, Result, invalid};
use crate::linear_data::standard_normal;
use gd_core::Objective;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// One Gaussian well.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Well {
    /// Centre c.
    pub center: Vec<f64>,
    /// Depth A > 0.
    pub depth: f64,
    /// Width w > 0.
    pub width: f64,
}

/// ½‖x‖² minus Gaussian wells.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SharpWells {
    dim: usize,
    wells: Vec<Well>,
}

impl SharpWells {
    /// A validated function in dimension `dim`.
    pub fn new(dim: usize, wells: Vec<Well>) -> Result<Self> {
        if dim == 0 {
            return Err(ModelError::Empty { what: "dimension" });
        }
        for w in &wells {
            if w.center.len() != dim {
                return Err(ModelError::Shape {
                    what: "well centre",
                    expected: dim.to_string(),
                    found: w.center.len().to_string(),
                });
            }
            if !(w.depth.is_finite() && w.depth > 0.0 && w.width.is_finite() && w.width > 0.0) {
                return invalid(
                    "well depth and width",
                    format!("{} and {}", w.depth, w.width),
                    "finite and > 0",
                );
            }
            if w.center.iter().any(|c| !c.is_finite()) {
                return Err(ModelError::NonFinite {
                    what: "well centre",
                });
            }
        }
        Ok(Self { dim, wells })
    }

    /// The catalogue's 1-D function: A = 1, c = 3, w = 0.1 (global minimum near 0 with
    /// curvature ≈ 1; sharp local minimum near 2.97 with curvature ≈ 87).
    pub fn one_dimensional() -> Self {
        Self {
            dim: 1,
            wells: vec![Well {
                center: vec![3.0],
                depth: 1.0,
                width: 0.1,
            }],
        }
    }

    /// `count` wells of depth A and width w at centres drawn uniformly on the sphere of
    /// radius `radius` (seeded): each makes a sharp local minimum near its centre.
    pub fn random(
        dim: usize,
        count: usize,
        radius: f64,
        depth: f64,
        width: f64,
        seed: u64,
    ) -> Result<Self> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let wells = (0..count)
            .map(|_| {
                let g = standard_normal(&mut rng, dim);
                let n = gd_core::vector::norm(&g).max(f64::MIN_POSITIVE);
                Well {
                    center: g.iter().map(|v| radius * v / n).collect(),
                    depth,
                    width,
                }
            })
            .collect();
        Self::new(dim, wells)
    }

    /// The wells.
    pub fn wells(&self) -> &[Well] {
        &self.wells
    }

    fn well_terms(&self, x: &[f64], mut each: impl FnMut(&Well, f64, &[f64])) {
        for w in &self.wells {
            let r2: f64 = x
                .iter()
                .zip(&w.center)
                .map(|(a, c)| (a - c) * (a - c))
                .sum();
            let g = w.depth * (-r2 / (2.0 * w.width * w.width)).exp();
            each(w, g, &w.center);
        }
    }
}

impl Objective for SharpWells {
    type Workspace = ();

    fn dim(&self) -> usize {
        self.dim
    }

    fn workspace(&self) {}

    fn loss(&self, x: &[f64], _: &mut ()) -> f64 {
        let mut f = 0.5 * x.iter().map(|v| v * v).sum::<f64>();
        self.well_terms(x, |_, g, _| f -= g);
        f
    }

    fn loss_and_gradient(&self, x: &[f64], gradient: &mut [f64], _: &mut ()) -> f64 {
        gradient.copy_from_slice(x);
        let mut f = 0.5 * x.iter().map(|v| v * v).sum::<f64>();
        self.well_terms(x, |w, g, c| {
            f -= g;
            let s = g / (w.width * w.width);
            gradient
                .iter_mut()
                .zip(x)
                .zip(c)
                .for_each(|((gr, xi), ci)| *gr += s * (xi - ci));
        });
        f
    }

    /// ∇²f = I + Σ g_k [I/w² − (x−c)(x−c)ᵀ/w⁴], g_k = A exp(−‖x−c‖²/(2w²)).
    fn hessian_vector_product(&self, x: &[f64], v: &[f64], out: &mut [f64], _: &mut ()) {
        out.copy_from_slice(v);
        self.well_terms(x, |w, g, c| {
            let w2 = w.width * w.width;
            let proj: f64 = x
                .iter()
                .zip(c)
                .zip(v)
                .map(|((xi, ci), vi)| (xi - ci) * vi)
                .sum();
            out.iter_mut()
                .zip(v)
                .zip(x.iter().zip(c))
                .for_each(|((o, vi), (xi, ci))| *o += g * (vi / w2 - (xi - ci) * proj / (w2 * w2)));
        });
    }
}
