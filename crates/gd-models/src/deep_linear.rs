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

use crate::error::{ModelError, Result, invalid};
use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatMut, MatRef, Par};
use gd_core::Objective;

/// How the data enter the loss.
#[derive(Clone, Debug)]
enum Data {
    Covariance {
        sigma: Mat<f64>,
        target: Mat<f64>,
        sigma_is_identity: bool,
    },
    Samples {
        x: Mat<f64>,
        y: Mat<f64>,
    },
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

/// Largest dimension of a product that [`small_product`] computes: below it faer's dispatch
/// (a plan per call, a copy for a transposed factor) costs several times the arithmetic.
const SMALL: usize = 8;

/// C = A·B (Accum::Replace) or C += A·B, sequential.
fn mm(mut dst: MatMut<'_, f64>, accum: Accum, a: MatRef<'_, f64>, b: MatRef<'_, f64>) {
    let (m, k, n) = (a.nrows(), a.ncols(), b.ncols());
    match (m, k, n) {
        _ if m.max(k).max(n) > SMALL => matmul(dst, accum, a, b, 1.0, Par::Seq),
        (4, 4, 4) if product_4x4(dst.as_mut(), accum, a, b) => {}
        _ if m <= 4 && k <= 4 => small_product::<4, 4>(dst, accum, a, b),
        _ if m <= 4 => small_product::<4, SMALL>(dst, accum, a, b),
        _ if k <= 4 => small_product::<SMALL, 4>(dst, accum, a, b),
        _ => small_product::<SMALL, SMALL>(dst, accum, a, b),
    }
}

/// C = A·B or C += A·B for A of at most R rows and K columns: each entry Σ_p a_ip b_pj summed
/// in p order from 0 (then added to C's entry). A's columns and each column of B are copied to
/// the stack, padded with zeros to R rows and K entries, so that both loops have fixed lengths
/// the compiler unrolls and vectorizes (a padding term adds +0, which changes no sum but −0).
fn small_product<const R: usize, const K: usize>(
    dst: MatMut<'_, f64>,
    accum: Accum,
    a: MatRef<'_, f64>,
    b: MatRef<'_, f64>,
) {
    let mut lhs = [[0.0_f64; R]; K];
    for (column, a_column) in lhs.iter_mut().zip(a.col_iter()) {
        for (v, x) in column.iter_mut().zip(a_column.iter()) {
            *v = *x;
        }
    }
    for (out, b_column) in dst.col_iter_mut().zip(b.col_iter()) {
        let mut bp = [0.0_f64; K];
        for (v, x) in bp.iter_mut().zip(b_column.iter()) {
            *v = *x;
        }
        let mut sum = [0.0_f64; R];
        for (column, bpj) in lhs.iter().zip(bp) {
            for (s, x) in sum.iter_mut().zip(column) {
                *s += x * bpj;
            }
        }
        match accum {
            Accum::Replace => out.iter_mut().zip(&sum).for_each(|(c, s)| *c = *s),
            Accum::Add => out.iter_mut().zip(&sum).for_each(|(c, s)| *c += *s),
        }
    }
}

/// The columns of a 4 × 4 matrix stored by columns or by rows, as arrays (fixed-size copies,
/// which compile to a few moves); None for other strides.
#[inline(always)]
fn columns_4x4(m: MatRef<'_, f64>) -> Option<[[f64; 4]; 4]> {
    let mut out = [[0.0_f64; 4]; 4];
    if let Some(m) = m.try_as_col_major() {
        for (j, column) in out.iter_mut().enumerate() {
            *column = m.col(j).as_slice().try_into().ok()?;
        }
    } else {
        let rows = m.transpose().try_as_col_major()?;
        for i in 0..4 {
            let row: [f64; 4] = rows.col(i).as_slice().try_into().ok()?;
            for (column, x) in out.iter_mut().zip(row) {
                column[i] = x;
            }
        }
    }
    Some(out)
}

/// [`small_product`] for 4 × 4 factors stored by columns or rows and a column-major C: the same
/// sums in the same order, on arrays; false (nothing written) for other layouts.
#[inline(always)]
fn product_4x4(dst: MatMut<'_, f64>, accum: Accum, a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> bool {
    let square = dst.nrows() == 4 && dst.ncols() == 4;
    let (true, Some(lhs), Some(rhs), Some(mut dst)) = (
        square,
        columns_4x4(a),
        columns_4x4(b),
        dst.try_as_col_major_mut(),
    ) else {
        return false;
    };
    for (j, b_column) in rhs.iter().enumerate() {
        let mut sum = [0.0_f64; 4];
        for (column, bpj) in lhs.iter().zip(b_column) {
            for (s, x) in sum.iter_mut().zip(column) {
                *s += x * bpj;
            }
        }
        // A column-major 4 × 4 column is 4 long: the conversion cannot fail.
        if let Ok(out) = <&mut [f64; 4]>::try_from(dst.as_mut().col_mut(j).as_slice_mut()) {
            match accum {
                Accum::Replace => *out = sum,
                Accum::Add => out.iter_mut().zip(sum).for_each(|(c, s)| *c += s),
            }
        }
    }
    true
}

/// dst = src for matrices of the same shape, element by element along column slices where
/// both are column-major (faer's generic `copy_from`, like a `memcpy` call, costs more than the
/// copy for the small matrices of the linear experiments).
fn copy(mut dst: MatMut<'_, f64>, src: MatRef<'_, f64>) {
    if let (Some(mut d), Some(s)) = (dst.as_mut().try_as_col_major_mut(), src.try_as_col_major()) {
        for j in 0..s.ncols() {
            let out = d.as_mut().col_mut(j).as_slice_mut();
            out.iter_mut()
                .zip(s.col(j).as_slice())
                .for_each(|(o, x)| *o = *x);
        }
    } else {
        dst.copy_from(src);
    }
}

fn shape_error(what: &'static str, expected: (usize, usize), found: (usize, usize)) -> ModelError {
    ModelError::Shape {
        what,
        expected: format!("{} x {}", expected.0, expected.1),
        found: format!("{} x {}", found.0, found.1),
    }
}

fn check_finite(what: &'static str, m: MatRef<'_, f64>) -> Result<()> {
    for j in 0..m.ncols() {
        for i in 0..m.nrows() {
            if !m[(i, j)].is_finite() {
                return Err(ModelError::NonFinite { what });
            }
        }
    }
    Ok(())
}

/// The most parameters (and entries of the n_0 × n_0 input covariance) a deep linear net may
/// have: 2²⁸, i.e. 2 GiB of f64, checked before anything is allocated.
pub const MAX_PARAMETERS: usize = 1 << 28;

/// Checks n_0..n_L: at least two widths, none zero, and Σ n_j·n_(j−1) and n_0² within
/// [`MAX_PARAMETERS`] (overflow-checked).
fn check_widths(widths: &[usize]) -> Result<()> {
    if widths.len() < 2 {
        return invalid(
            "widths",
            format!("{widths:?}"),
            "n_0..n_L with L ≥ 1 (at least 2 widths)",
        );
    }
    if widths.contains(&0) {
        return Err(ModelError::Empty {
            what: "layer width",
        });
    }
    let parameters = widths
        .windows(2)
        .try_fold(0_usize, |sum, w| sum.checked_add(w[0].checked_mul(w[1])?));
    let covariance = widths[0].checked_mul(widths[0]);
    match (parameters, covariance) {
        (Some(p), Some(c)) if p <= MAX_PARAMETERS && c <= MAX_PARAMETERS => Ok(()),
        _ => invalid(
            "widths",
            format!("{widths:?}"),
            format!(
                "at most {MAX_PARAMETERS} parameters and n_0² ≤ {MAX_PARAMETERS} (2 GiB of f64)"
            ),
        ),
    }
}

/// The flops of C = A B for A a × k, B k × b.
fn product_cost(a: usize, k: usize, b: usize) -> f64 {
    a as f64 * k as f64 * b as f64
}

/// The split layer m ∈ 1..=L (module docs) whose two sides cost the closest to the same
/// flops (the first such m); P and G, which both sides need, count for neither.
fn balanced_split(n: &[usize]) -> usize {
    let l = n.len() - 1;
    let lower = |m: usize| -> f64 {
        let above = if m < l {
            product_cost(n[m], n[l], n[0])
        } else {
            0.0
        };
        above
            + (2..=m)
                .map(|j| {
                    product_cost(n[j], n[j - 1], n[0])
                        + product_cost(n[j - 1], n[j], n[0])
                        + product_cost(n[j], n[0], n[j - 1])
                })
                .sum::<f64>()
    };
    let upper = |m: usize| -> f64 {
        if m == l {
            return 0.0;
        }
        product_cost(n[l], n[0], n[m])
            + (m + 1..l)
                .map(|j| {
                    product_cost(n[l], n[j], n[j - 1])
                        + product_cost(n[l], n[j - 1], n[j])
                        + product_cost(n[j], n[l], n[j - 1])
                })
                .sum::<f64>()
    };
    let cost = |m: usize| lower(m).max(upper(m));
    (1..=l)
        .min_by(|&a, &b| cost(a).total_cmp(&cost(b)))
        .unwrap_or(1)
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
        let n0 = widths[0];
        Self::covariance(widths, Mat::identity(n0, n0), target, true)
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
        Self::covariance(widths, sigma, target, false)
    }

    fn covariance(
        widths: &[usize],
        sigma: Mat<f64>,
        target: Mat<f64>,
        sigma_is_identity: bool,
    ) -> Result<Self> {
        let model = Self::with_data(
            widths,
            Data::Covariance {
                sigma,
                target,
                sigma_is_identity,
            },
        )?;
        let (n0, nl) = (widths[0], widths[widths.len() - 1]);
        if let Data::Covariance { sigma, target, .. } = &model.data {
            if (sigma.nrows(), sigma.ncols()) != (n0, n0) {
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

    /// Where layer m+1 starts in θ (θ's length when m = L): θ's head up to it holds the layers
    /// below the split.
    pub(crate) fn upper_offset(&self) -> usize {
        self.offsets[self.split]
    }

    /// Fills prefix A_1..A_L and suffix B_2..B_L at θ (A_0 = B_{L+1} = I are fixed, and
    /// B_1 = P is never needed).
    fn products(&self, theta: &[f64], ws: &mut DeepLinearWorkspace) {
        self.fill_prefix(theta, &mut ws.prefix, self.depth());
        self.fill_suffix(theta, &mut ws.suffix, 2);
    }

    /// Prefix buffers A_0..A_L (A_j is n_j × n_0; A_0 = I is fixed).
    pub(crate) fn prefix_buffers(&self) -> Vec<Mat<f64>> {
        let n0 = self.widths[0];
        (0..=self.depth())
            .map(|j| {
                if j == 0 {
                    Mat::identity(n0, n0)
                } else {
                    Mat::zeros(self.widths[j], n0)
                }
            })
            .collect()
    }

    /// Suffix buffers: entry j is B_j (n_L × n_{j−1}) for j = 1..=L+1, B_{L+1} = I fixed;
    /// entry 0 is unused.
    pub(crate) fn suffix_buffers(&self) -> Vec<Mat<f64>> {
        let (nl, l) = (self.widths[self.depth()], self.depth());
        (0..=l + 1)
            .map(|j| match j {
                0 => Mat::zeros(0, 0),
                j if j == l + 1 => Mat::identity(nl, nl),
                j => Mat::zeros(nl, self.widths[j - 1]),
            })
            .collect()
    }

    /// The residual buffer: n_L × n_0 (covariance form) or n_L × N (sample form).
    pub(crate) fn residual_buffer(&self) -> Mat<f64> {
        let n_cols = match &self.data {
            Data::Covariance { .. } => self.widths[0],
            Data::Samples { x, .. } => x.ncols(),
        };
        Mat::zeros(self.widths[self.depth()], n_cols)
    }

    /// The buffer of P = W_L⋯W_1 (n_L × n_0).
    pub(crate) fn end_to_end_buffer(&self) -> Mat<f64> {
        Mat::zeros(self.widths[self.depth()], self.widths[0])
    }

    /// The buffers of U_j = B_{j+1}ᵀ G, one per layer j = 1..=L (n_j × n_0).
    pub(crate) fn left_buffers(&self) -> Vec<Mat<f64>> {
        (1..=self.depth())
            .map(|j| Mat::zeros(self.widths[j], self.widths[0]))
            .collect()
    }

    /// The buffers of V_j = G A_{j−1}ᵀ: entry j (n_L × n_{j−1}) for m < j < L; the others,
    /// never used, are empty.
    pub(crate) fn right_buffers(&self) -> Vec<Mat<f64>> {
        let l = self.depth();
        (0..=l)
            .map(|j| {
                if self.split < j && j < l {
                    Mat::zeros(self.widths[l], self.widths[j - 1])
                } else {
                    Mat::zeros(0, 0)
                }
            })
            .collect()
    }

    /// Fills suffix B_L = W_L, B_j = B_{j+1} W_j down to B_first (first ≥ 2).
    pub(crate) fn fill_suffix(&self, theta: &[f64], suffix: &mut [Mat<f64>], first: usize) {
        let l = self.depth();
        if l >= first {
            copy(suffix[l].as_mut(), self.layer(theta, l));
        }
        for j in (first..l).rev() {
            let (head, tail) = suffix.split_at_mut(j + 1);
            mm(
                head[j].as_mut(),
                Accum::Replace,
                tail[0].as_ref(),
                self.layer(theta, j),
            );
        }
    }

    /// Fills prefix A_1 = W_1, A_j = W_j A_{j−1} up to A_last.
    pub(crate) fn fill_prefix(&self, theta: &[f64], prefix: &mut [Mat<f64>], last: usize) {
        copy(prefix[1].as_mut(), self.layer(theta, 1));
        for j in 2..=last {
            let (done, rest) = prefix.split_at_mut(j);
            mm(
                rest[0].as_mut(),
                Accum::Replace,
                self.layer(theta, j),
                done[j - 1].as_ref(),
            );
        }
    }

    /// Fills the two chains of the split evaluation at θ: A_1..A_m and B_L..B_{m+1}.
    fn split_products(&self, theta: &[f64], ws: &mut DeepLinearWorkspace) {
        self.fill_prefix(theta, &mut ws.prefix, self.split);
        self.fill_suffix(theta, &mut ws.suffix, self.split + 1);
    }

    /// Writes P = B_{m+1} A_m into `p`, from the chains of the split evaluation.
    pub(crate) fn fill_end_to_end(
        &self,
        prefix: &[Mat<f64>],
        suffix: &[Mat<f64>],
        p: &mut Mat<f64>,
    ) {
        let m = self.split;
        if m == self.depth() {
            copy(p.as_mut(), prefix[m].as_ref());
        } else {
            mm(
                p.as_mut(),
                Accum::Replace,
                suffix[m + 1].as_ref(),
                prefix[m].as_ref(),
            );
        }
    }

    /// Layer j's block (n_j × n_{j−1}) of `part`, the part of a θ-sized vector that starts at
    /// entry `base`.
    fn block<'a>(&self, part: &'a mut [f64], base: usize, j: usize) -> MatMut<'a, f64> {
        let range = self.layer_range(j);
        MatMut::from_column_major_slice_mut(
            &mut part[range.start - base..range.end - base],
            self.widths[j],
            self.widths[j - 1],
        )
    }

    /// Writes ∇W_1..∇W_m into `out` (θ's head up to layer m) by back-propagation:
    /// U_m = B_{m+1}ᵀ G, ∇W_j = U_j A_{j−1}ᵀ, U_{j−1} = W_jᵀ U_j, ∇W_1 = U_1.
    pub(crate) fn lower_gradients(
        &self,
        theta: &[f64],
        prefix: &[Mat<f64>],
        suffix: &[Mat<f64>],
        g: MatRef<'_, f64>,
        left: &mut [Mat<f64>],
        out: &mut [f64],
    ) {
        let m = self.split;
        // U_1 is ∇W_1: written straight into the gradient.
        let top = if m == 1 {
            self.block(out, 0, 1)
        } else {
            left[m - 1].as_mut()
        };
        if m == self.depth() {
            copy(top, g);
        } else {
            mm(top, Accum::Replace, suffix[m + 1].transpose(), g);
        }
        for j in (2..=m).rev() {
            let (below, at) = left.split_at_mut(j - 1);
            mm(
                self.block(out, 0, j),
                Accum::Replace,
                at[0].as_ref(),
                prefix[j - 1].transpose(),
            );
            let next = if j == 2 {
                self.block(out, 0, 1)
            } else {
                below[j - 2].as_mut()
            };
            mm(
                next,
                Accum::Replace,
                self.layer(theta, j).transpose(),
                at[0].as_ref(),
            );
        }
    }

    /// Writes ∇W_{m+1}..∇W_L into `out` (θ's tail from layer m+1) by forward propagation:
    /// V_{m+1} = G A_mᵀ, ∇W_j = B_{j+1}ᵀ V_j, V_{j+1} = V_j W_jᵀ, ∇W_L = V_L. Reads θ's
    /// layers above m only.
    pub(crate) fn upper_gradients(
        &self,
        theta: &[f64],
        prefix_at_split: MatRef<'_, f64>,
        suffix: &[Mat<f64>],
        g: MatRef<'_, f64>,
        right: &mut [Mat<f64>],
        out: &mut [f64],
    ) {
        let (m, l) = (self.split, self.depth());
        if m == l {
            return;
        }
        let base = self.upper_offset();
        if m + 1 == l {
            mm(
                self.block(out, base, l),
                Accum::Replace,
                g,
                prefix_at_split.transpose(),
            );
            return;
        }
        mm(
            right[m + 1].as_mut(),
            Accum::Replace,
            g,
            prefix_at_split.transpose(),
        );
        for j in m + 1..l {
            let (done, next) = right.split_at_mut(j + 1);
            mm(
                self.block(out, base, j),
                Accum::Replace,
                suffix[j + 1].transpose(),
                done[j].as_ref(),
            );
            let w = self.layer(theta, j).transpose();
            if j + 1 == l {
                mm(
                    self.block(out, base, l),
                    Accum::Replace,
                    done[j].as_ref(),
                    w,
                );
            } else {
                mm(next[0].as_mut(), Accum::Replace, done[j].as_ref(), w);
            }
        }
    }

    /// Computes g = ∂loss/∂P from P, returns the loss.
    pub(crate) fn loss_gradient_in_p(
        &self,
        p: MatRef<'_, f64>,
        residual: &mut Mat<f64>,
        g: &mut Mat<f64>,
    ) -> f64 {
        match &self.data {
            Data::Covariance {
                sigma,
                target,
                sigma_is_identity,
            } => {
                if *sigma_is_identity {
                    // G = D: ½ Σ d², summed by columns like the general case.
                    let mut s = 0.0;
                    for ((g, p), r) in g.col_iter_mut().zip(p.col_iter()).zip(target.col_iter()) {
                        for ((g, p), r) in g.iter_mut().zip(p.iter()).zip(r.iter()) {
                            let d = *p - *r;
                            *g = d;
                            s += d * d;
                        }
                    }
                    return 0.5 * s;
                }
                let d = residual.as_mut();
                faer::zip!(d, p, target.as_ref()).for_each(|faer::unzip!(d, p, r)| *d = *p - *r);
                mm(
                    g.as_mut(),
                    Accum::Replace,
                    residual.as_ref(),
                    sigma.as_ref(),
                );
                let mut s = 0.0;
                for j in 0..g.ncols() {
                    for i in 0..g.nrows() {
                        s += residual[(i, j)] * g[(i, j)];
                    }
                }
                0.5 * s
            }
            Data::Samples { x, y } => {
                let n = x.ncols() as f64;
                mm(residual.as_mut(), Accum::Replace, p, x.as_ref());
                let mut s = 0.0;
                for j in 0..y.ncols() {
                    for i in 0..y.nrows() {
                        let e = residual[(i, j)] - y[(i, j)];
                        residual[(i, j)] = e;
                        s += e * e;
                    }
                }
                matmul(
                    g.as_mut(),
                    Accum::Replace,
                    residual.as_ref(),
                    x.transpose(),
                    1.0 / n,
                    Par::Seq,
                );
                s / (2.0 * n)
            }
        }
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
        let l = self.depth();
        let current = ws
            .products_for
            .as_ref()
            .is_some_and(|t| t.iter().zip(theta).all(|(a, b)| a.to_bits() == b.to_bits()));
        if !current {
            self.products(theta, ws);
            self.loss_gradient_in_p(ws.prefix[l].as_ref(), &mut ws.residual, &mut ws.g);
            // B_{j+1}ᵀ G does not depend on the direction: once per θ (B_{L+1}ᵀ G = G).
            for j in 2..l {
                mm(
                    ws.left2[j - 1].as_mut(),
                    Accum::Replace,
                    ws.suffix[j + 1].transpose(),
                    ws.g.as_ref(),
                );
            }
            match &mut ws.products_for {
                Some(t) => t.copy_from_slice(theta),
                None => ws.products_for = Some(theta.to_vec()),
            }
        }
        let dir = |j: usize| {
            MatRef::from_column_major_slice(
                &v[self.layer_range(j)],
                self.widths[j],
                self.widths[j - 1],
            )
        };
        // dA_j = W_j dA_{j−1} + V_j A_{j−1}, dA_1 = V_1.
        ws.d_prefix[1].copy_from(dir(1));
        for j in 2..=l {
            let (done, rest) = ws.d_prefix.split_at_mut(j);
            mm(
                rest[0].as_mut(),
                Accum::Replace,
                self.layer(theta, j),
                done[j - 1].as_ref(),
            );
            mm(
                rest[0].as_mut(),
                Accum::Add,
                dir(j),
                ws.prefix[j - 1].as_ref(),
            );
        }
        // dB_j = dB_{j+1} W_j + B_{j+1} V_j, dB_L = V_L; dB_1 is never needed.
        if l >= 2 {
            ws.d_suffix[l].copy_from(dir(l));
        }
        for j in (2..l).rev() {
            let (head, tail) = ws.d_suffix.split_at_mut(j + 1);
            mm(
                head[j].as_mut(),
                Accum::Replace,
                tail[0].as_ref(),
                self.layer(theta, j),
            );
            mm(
                head[j].as_mut(),
                Accum::Add,
                ws.suffix[j + 1].as_ref(),
                dir(j),
            );
        }
        // dG = dP Σ (covariance) or (dP X) Xᵀ/N (samples).
        let dp = ws.d_prefix[l].as_ref();
        match &self.data {
            Data::Covariance {
                sigma,
                sigma_is_identity,
                ..
            } => {
                if *sigma_is_identity {
                    ws.dg.copy_from(dp);
                } else {
                    mm(ws.dg.as_mut(), Accum::Replace, dp, sigma.as_ref());
                }
            }
            Data::Samples { x, .. } => {
                mm(ws.d_residual.as_mut(), Accum::Replace, dp, x.as_ref());
                let n = x.ncols() as f64;
                matmul(
                    ws.dg.as_mut(),
                    Accum::Replace,
                    ws.d_residual.as_ref(),
                    x.transpose(),
                    1.0 / n,
                    Par::Seq,
                );
            }
        }
        for j in 1..=l {
            let (rows, cols) = (self.widths[j], self.widths[j - 1]);
            let mut o =
                MatMut::from_column_major_slice_mut(&mut out[self.layer_range(j)], rows, cols);
            // (dB_{j+1}ᵀ G + B_{j+1}ᵀ dG) A_{j−1}ᵀ + (B_{j+1}ᵀ G) dA_{j−1}ᵀ, where
            // B_{L+1} = A_0 = I and dB_{L+1} = dA_0 = 0.
            let left = if j == l {
                ws.dg.as_ref()
            } else {
                mm(
                    ws.left[j - 1].as_mut(),
                    Accum::Replace,
                    ws.d_suffix[j + 1].transpose(),
                    ws.g.as_ref(),
                );
                mm(
                    ws.left[j - 1].as_mut(),
                    Accum::Add,
                    ws.suffix[j + 1].transpose(),
                    ws.dg.as_ref(),
                );
                ws.left[j - 1].as_ref()
            };
            if j == 1 {
                o.copy_from(left);
                continue;
            }
            mm(
                o.as_mut(),
                Accum::Replace,
                left,
                ws.prefix[j - 1].transpose(),
            );
            let left2 = if j == l {
                ws.g.as_ref()
            } else {
                ws.left2[j - 1].as_ref()
            };
            mm(o, Accum::Add, left2, ws.d_prefix[j - 1].transpose());
        }
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

#[cfg(test)]
mod tests {
    use super::{SMALL, balanced_split, mm};
    use faer::{Accum, Mat};

    #[test]
    fn the_split_balances_the_two_sides_of_the_gradient() {
        // L square layers: 3m − 2 products below the split, 3(L − m) − 2 above it.
        for (depth, split) in [(1, 1), (2, 1), (3, 1), (4, 2), (10, 5), (11, 5), (21, 10)] {
            assert_eq!(balanced_split(&vec![4; depth + 1]), split, "L = {depth}");
        }
        // Wide layers at the top pull the split up.
        assert_eq!(balanced_split(&[2, 2, 2, 2, 2, 16, 16]), 5);
    }

    /// Σ_p a_ip b_pj in p order from 0, then added to C's entry: the sums `mm` promises.
    fn in_order(
        c: &Mat<f64>,
        accum: Accum,
        a: faer::MatRef<'_, f64>,
        b: faer::MatRef<'_, f64>,
    ) -> Mat<f64> {
        Mat::from_fn(a.nrows(), b.ncols(), |i, j| {
            let mut s = 0.0;
            for p in 0..a.ncols() {
                s += a[(i, p)] * b[(p, j)];
            }
            match accum {
                Accum::Replace => s,
                Accum::Add => c[(i, j)] + s,
            }
        })
    }

    #[test]
    fn small_products_are_the_in_order_sums_and_large_ones_agree_with_them() {
        let value = |seed: usize| ((seed as f64 * 0.618_033_988_7).fract() - 0.5) * 3.0;
        for m in 1..=SMALL + 2 {
            for k in 1..=SMALL + 2 {
                for n in [1, 3, 4, SMALL, SMALL + 2] {
                    let a = Mat::from_fn(m, k, |i, p| value(7 * i + 31 * p + 1));
                    let bt = Mat::from_fn(n, k, |j, p| value(11 * j + 5 * p + 2));
                    let c0 = Mat::from_fn(m, n, |i, j| value(3 * i + 13 * j + 3));
                    let a_rows = a.transpose().to_owned();
                    let b = bt.transpose().to_owned();
                    // Each factor stored by columns and as a transposed view (by rows), as the
                    // gradient's products use them.
                    let layouts = [
                        (a.as_ref(), bt.transpose()),
                        (a_rows.transpose(), b.as_ref()),
                    ];
                    for (accum, (a, b)) in [Accum::Replace, Accum::Add]
                        .into_iter()
                        .flat_map(|accum| layouts.map(|l| (accum, l)))
                    {
                        let expected = in_order(&c0, accum, a, b);
                        let mut c = c0.clone();
                        mm(c.as_mut(), accum, a, b);
                        for j in 0..n {
                            for i in 0..m {
                                let (got, want) = (c[(i, j)], expected[(i, j)]);
                                if m.max(k).max(n) <= SMALL {
                                    assert_eq!(
                                        got.to_bits(),
                                        want.to_bits(),
                                        "{m}x{k}x{n} ({i},{j})"
                                    );
                                } else {
                                    // faer's order: two orders of one sum differ by at most
                                    // 2γ_k·Σ|terms| (Higham eq. 3.5); |terms| ≤ 2.25, |c| ≤ 1.5,
                                    // so 2kε(2.25k + 1.5) with a factor 4 to spare.
                                    let bound =
                                        4.0 * k as f64 * f64::EPSILON * (9.0 * k as f64 + 3.0);
                                    assert!((got - want).abs() <= bound, "{m}x{k}x{n} ({i},{j})");
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
