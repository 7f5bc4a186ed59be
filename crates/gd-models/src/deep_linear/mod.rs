//! Deep linear networks W_L⋯W_1 (Nar & Sastry, Sec. 4) trained on samples (X, Y) with loss
//! (1/2N) Σᵢ ‖yᵢ − W_L⋯W_1 xᵢ‖², exact gradient and Hessian-vector product.
//!
//! Parameters are one flat vector: W_1, …, W_L in order, each column-major (n_j × n_{j−1}).
//! With P = W_L⋯W_1, prefix products A_j = W_j⋯W_1 and suffix products B_j = W_L⋯W_j,
//! the gradient is ∇W_j = B_{j+1}ᵀ G A_{j−1}ᵀ with G = ∂loss/∂P (A_0 = B_{L+1} = I).
//!
//! The gradient is evaluated around a split layer m (chosen once from the widths, so that both
//! sides cost about the same): the prefix chain A_1..A_m and the suffix chain B_L..B_{m+1}, then
//! P = B_{m+1} A_m and G; below the split by back-propagation, U_m = B_{m+1}ᵀ G,
//! U_{j−1} = W_jᵀ U_j, ∇W_j = U_j A_{j−1}ᵀ; above it by forward propagation,
//! V_{m+1} = G A_mᵀ, V_{j+1} = V_j W_jᵀ, ∇W_j = B_{j+1}ᵀ V_j. For L square layers that is
//! 3L − 3 products and G (forming every B_{j+1}ᵀ G A_{j−1}ᵀ would take 4L − 5), and the two
//! sides are independent but for P and G, which is what [`crate::TwoThreadDeepLinear`] uses.
//!
//! Two exact forms of the same loss:
//! - sample form: E = P X − Y, loss = ‖E‖²/(2N), G = E Xᵀ/N; a step costs O(L n² N);
//! - covariance form, exact when Y = R X: with Σ = X Xᵀ/N and D = P − R,
//!   loss = ½ tr(D Σ Dᵀ), G = D Σ; a step costs O(L n³) and the loss has no cancellation.
//!
//! Here: the data, the model and its workspace, the constructors and the loss and gradient;
//! `gradient_parts.rs` the pieces of the gradient around the split (shared with the two-thread
//! twin), `hessian_vector_product.rs` the HVP, `small_products.rs` the small-matrix kernels,
//! `split_cost.rs` the choice of the split, `validation.rs` the input checks.

mod gradient_parts;
mod hessian_vector_product;
mod small_products;
mod split_cost;
mod validation;

use crate::error::{ModelError, Result, invalid};
use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatMut, MatRef, Par};
use gd_core::Objective;
use small_products::mm;
use split_cost::balanced_split;
pub use validation::MAX_PARAMETERS;
use validation::{check_finite, check_widths, shape_error};

/// How the data enter the loss.
#[derive(Clone, Debug)]
enum Data {
    Covariance { sigma: Sigma, target: Mat<f64> },
    Samples { x: Mat<f64>, y: Mat<f64> },
}

/// Σ = X Xᵀ/N of the covariance form.
#[derive(Clone, Debug)]
enum Sigma {
    /// Whitened data, Σ = I: no product by Σ is formed.
    Identity,
    /// Σ computed from the samples (n_0 × n_0).
    Measured(Mat<f64>),
}

/// A deep linear network with its training data.
#[derive(Clone, Debug)]
pub struct DeepLinear {
    widths: Vec<usize>,
    offsets: Vec<usize>,
    data: Data,
    /// The split layer m ∈ 1..=L of the gradient's evaluation (module docs).
    split: usize,
}

/// Scratch memory of a [`DeepLinear`]: prefix/suffix products and their directional
/// derivatives, reused across calls.
pub struct DeepLinearWorkspace {
    prefix: Vec<Mat<f64>>,
    suffix: Vec<Mat<f64>>,
    d_prefix: Vec<Mat<f64>>,
    d_suffix: Vec<Mat<f64>>,
    g: Mat<f64>,
    dg: Mat<f64>,
    residual: Mat<f64>,
    d_residual: Mat<f64>,
    end_to_end: Mat<f64>,
    left: Vec<Mat<f64>>,
    left2: Vec<Mat<f64>>,
    right: Vec<Mat<f64>>,
    /// θ for which prefix, suffix and G are current (HVPs at one θ, as in Lanczos, reuse
    /// them); cleared by any call that overwrites them.
    products_for: Option<Vec<f64>>,
}

impl DeepLinear {
    fn with_data(widths: &[usize], data: Data) -> Result<Self> {
        check_widths(widths)?;
        let mut offsets = Vec::with_capacity(widths.len());
        let mut off = 0;
        for j in 1..widths.len() {
            offsets.push(off);
            off += widths[j] * widths[j - 1];
        }
        offsets.push(off);
        Ok(Self {
            widths: widths.to_vec(),
            offsets,
            data,
            split: balanced_split(widths),
        })
    }

    /// The covariance form for whitened data (Σ = I): loss ½‖W_L⋯W_1 − R‖_F² (Theorem 1's
    /// setting). `target` is n_L × n_0.
    pub fn whitened(widths: &[usize], target: Mat<f64>) -> Result<Self> {
        check_widths(widths)?;
        Self::covariance(widths, Sigma::Identity, target)
    }

    /// The covariance form for samples X (n_0 × N) and targets Y = R X: exact, with
    /// Σ = X Xᵀ/N computed once.
    pub fn from_target(widths: &[usize], x: MatRef<'_, f64>, target: Mat<f64>) -> Result<Self> {
        let n = x.ncols();
        if n == 0 {
            return Err(ModelError::Empty { what: "sample set" });
        }
        check_finite("samples", x)?;
        let mut sigma = Mat::<f64>::zeros(x.nrows(), x.nrows());
        matmul(
            sigma.as_mut(),
            Accum::Replace,
            x,
            x.transpose(),
            1.0 / n as f64,
            Par::Seq,
        );
        Self::covariance(widths, Sigma::Measured(sigma), target)
    }

    fn covariance(widths: &[usize], sigma: Sigma, target: Mat<f64>) -> Result<Self> {
        let model = Self::with_data(widths, Data::Covariance { sigma, target })?;
        let (n0, nl) = (widths[0], widths[widths.len() - 1]);
        if let Data::Covariance { sigma, target } = &model.data {
            if let Sigma::Measured(sigma) = sigma
                && (sigma.nrows(), sigma.ncols()) != (n0, n0)
            {
                return Err(shape_error(
                    "samples (rows = n_0)",
                    (n0, n0),
                    (sigma.nrows(), sigma.ncols()),
                ));
            }
            if (target.nrows(), target.ncols()) != (nl, n0) {
                return Err(shape_error(
                    "target R",
                    (nl, n0),
                    (target.nrows(), target.ncols()),
                ));
            }
            check_finite("target R", target.as_ref())?;
        }
        Ok(model)
    }

    /// The sample form for samples X (n_0 × N) and targets Y (n_L × N).
    pub fn from_samples(widths: &[usize], x: Mat<f64>, y: Mat<f64>) -> Result<Self> {
        if x.ncols() == 0 {
            return Err(ModelError::Empty { what: "sample set" });
        }
        let (n0, nl) = (*widths.first().unwrap_or(&0), *widths.last().unwrap_or(&0));
        if x.nrows() != n0 {
            return Err(shape_error(
                "samples X",
                (n0, x.ncols()),
                (x.nrows(), x.ncols()),
            ));
        }
        if (y.nrows(), y.ncols()) != (nl, x.ncols()) {
            return Err(shape_error(
                "targets Y",
                (nl, x.ncols()),
                (y.nrows(), y.ncols()),
            ));
        }
        check_finite("samples X", x.as_ref())?;
        check_finite("targets Y", y.as_ref())?;
        Self::with_data(widths, Data::Samples { x, y })
    }

    /// Depth L.
    pub fn depth(&self) -> usize {
        self.widths.len() - 1
    }

    /// Widths n_0, …, n_L.
    pub fn widths(&self) -> &[usize] {
        &self.widths
    }

    /// Whether the covariance form is in use.
    pub fn is_covariance_form(&self) -> bool {
        matches!(self.data, Data::Covariance { .. })
    }

    /// Range of W_j (1-based j) in the flat parameter vector.
    pub fn layer_range(&self, j: usize) -> std::ops::Range<usize> {
        self.offsets[j - 1]..self.offsets[j]
    }

    /// W_j (1-based) viewed in θ without copying.
    pub fn layer<'a>(&self, theta: &'a [f64], j: usize) -> MatRef<'a, f64> {
        MatRef::from_column_major_slice(
            &theta[self.layer_range(j)],
            self.widths[j],
            self.widths[j - 1],
        )
    }

    /// Flattens W_1, …, W_L into θ, checking each shape.
    pub fn flatten(&self, layers: &[Mat<f64>]) -> Result<Vec<f64>> {
        if layers.len() != self.depth() {
            return invalid(
                "layers",
                format!("{} matrices", layers.len()),
                format!("one per layer ({})", self.depth()),
            );
        }
        let mut theta = vec![0.0; self.dim()];
        for (j, w) in layers.iter().enumerate() {
            let shape = (self.widths[j + 1], self.widths[j]);
            if (w.nrows(), w.ncols()) != shape {
                return Err(shape_error("layer W_j", shape, (w.nrows(), w.ncols())));
            }
            check_finite("layer W_j", w.as_ref())?;
            let range = self.layer_range(j + 1);
            let mut view = MatMut::from_column_major_slice_mut(&mut theta[range], shape.0, shape.1);
            view.copy_from(w);
        }
        Ok(theta)
    }

    /// The end-to-end matrix W_L⋯W_1 at θ.
    pub fn product(&self, theta: &[f64]) -> Mat<f64> {
        let mut p = Mat::<f64>::identity(self.widths[0], self.widths[0]);
        for j in 1..=self.depth() {
            let mut next = Mat::<f64>::zeros(self.widths[j], self.widths[0]);
            mm(
                next.as_mut(),
                Accum::Replace,
                self.layer(theta, j),
                p.as_ref(),
            );
            p = next;
        }
        p
    }

    /// The split layer m of the gradient's evaluation (module docs).
    pub fn split(&self) -> usize {
        self.split
    }
}

impl Objective for DeepLinear {
    type Workspace = DeepLinearWorkspace;

    fn dim(&self) -> usize {
        self.offsets[self.depth()]
    }

    fn workspace(&self) -> DeepLinearWorkspace {
        let (n0, nl) = (self.widths[0], self.widths[self.depth()]);
        let prefix = self.prefix_buffers();
        let suffix = self.suffix_buffers();
        let d_prefix = prefix
            .iter()
            .map(|m| Mat::zeros(m.nrows(), m.ncols()))
            .collect();
        let d_suffix = suffix
            .iter()
            .map(|m| Mat::zeros(m.nrows(), m.ncols()))
            .collect();
        DeepLinearWorkspace {
            prefix,
            suffix,
            d_prefix,
            d_suffix,
            g: Mat::zeros(nl, n0),
            dg: Mat::zeros(nl, n0),
            residual: self.residual_buffer(),
            d_residual: self.residual_buffer(),
            end_to_end: self.end_to_end_buffer(),
            left: self.left_buffers(),
            left2: self.left_buffers(),
            right: self.right_buffers(),
            products_for: None,
        }
    }

    fn loss(&self, theta: &[f64], ws: &mut DeepLinearWorkspace) -> f64 {
        ws.products_for = None;
        self.split_products(theta, ws);
        self.fill_end_to_end(&ws.prefix, &ws.suffix, &mut ws.end_to_end);
        self.loss_gradient_in_p(ws.end_to_end.as_ref(), &mut ws.residual, &mut ws.g)
    }

    fn loss_and_gradient(
        &self,
        theta: &[f64],
        gradient: &mut [f64],
        ws: &mut DeepLinearWorkspace,
    ) -> f64 {
        let loss = self.loss(theta, ws);
        let (head, tail) = gradient.split_at_mut(self.upper_offset());
        self.lower_gradients(
            theta,
            &ws.prefix,
            &ws.suffix,
            ws.g.as_ref(),
            &mut ws.left,
            head,
        );
        self.upper_gradients(
            theta,
            ws.prefix[self.split].as_ref(),
            &ws.suffix,
            ws.g.as_ref(),
            &mut ws.right,
            tail,
        );
        loss
    }

    fn hessian_vector_product(
        &self,
        theta: &[f64],
        v: &[f64],
        out: &mut [f64],
        ws: &mut DeepLinearWorkspace,
    ) {
        self.hessian_vector_product_into(theta, v, out, ws);
    }
}

/// Frobenius distance ‖A − B‖_F (column-major summation order).
pub fn frobenius_distance(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> f64 {
    let mut s = 0.0;
    for j in 0..a.ncols() {
        for i in 0..a.nrows() {
            s += (a[(i, j)] - b[(i, j)]).powi(2);
        }
    }
    s.sqrt()
}
