//! Two-layer ReLU networks f̂(x) = W relu(V x − b) with the bias b fixed (Nar & Sastry, Sec. 5,
//! Theorem 4 and Figure 2). Parameters θ = (W, V): W (m × r) then V (r × n), column-major.
//!
//! Loss c·Σᵢ ‖f̂(xᵢ) − yᵢ‖² with c = ½ or 1 (half) and a sum or a mean over samples.
//! At a kink (a pre-activation exactly 0) ReLU′(0) is taken as 0: the unit counts as off and
//! the gradient is the one-sided derivative from the left. The Hessian-vector product is the
//! exact Hessian of the loss with the activation pattern frozen (ReLU″ = 0 away from kinks),
//! which is the true Hessian inside a linear region; [`TwoLayerRelu::nearest_kink_distance`]
//! says how far θ is from leaving it.

use crate::error::{ModelError, Result, invalid};
use gd_core::{Objective, SampleObjective};
use serde::{Deserialize, Serialize};

/// How per-sample squared errors are combined.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LossScale {
    /// Multiply by ½ (Theorem 4's loss) or not (Figure 2's loss).
    pub half: bool,
    /// Divide by N (mean) or not (sum).
    pub mean: bool,
}

impl LossScale {
    /// The loss of Figure 2 as the authors' code computes it: Σᵢ |f̂(xᵢ) − f(xᵢ)|².
    pub const FIGURE2: Self = Self {
        half: false,
        mean: false,
    };
    /// The loss of Theorem 4: ½ Σᵢ ‖f̂(xᵢ) − f(xᵢ)‖².
    pub const THEOREM4: Self = Self {
        half: true,
        mean: false,
    };
}

/// A two-layer ReLU network with fixed bias and its training data.
#[derive(Clone, Debug)]
pub struct TwoLayerRelu {
    n: usize,
    r: usize,
    m: usize,
    samples: usize,
    x: Vec<f64>,
    y: Vec<f64>,
    bias: Vec<f64>,
    scale: LossScale,
    sorted_scalar: bool,
    /// Sorted-scalar path: prefix sums over the samples of x, x², y, xy and y²
    /// (`prefix[i]` = sums over samples 0..i), so a segment's sums cost O(1).
    prefix: Vec<[f64; 5]>,
}

/// In the sorted-scalar loss, a segment whose expanded Σe² is below this fraction of its
/// terms is summed residual by residual.
const CANCELLATION: f64 = 1e-6;

/// Scratch of a [`TwoLayerRelu`].
pub struct ReluWorkspace {
    z: Vec<f64>,
    e: Vec<f64>,
    dz: Vec<f64>,
    de: Vec<f64>,
    back: Vec<f64>,
    ranges: Vec<(usize, usize)>,
    /// Where units switch on or off: (sample index, unit, switches on).
    events: Vec<(usize, usize, bool)>,
    /// Per unit: Σ e and Σ e·x over the samples before its range starts and before it ends.
    sums_at_start: Vec<(f64, f64)>,
    sums_at_end: Vec<(f64, f64)>,
    gradient: Vec<f64>,
}

/// The partition point of `x` under a predicate that is true on a prefix (as
/// `slice::partition_point`), checked first at `guess`.
fn partition_near(x: &[f64], guess: usize, pred: impl Fn(f64) -> bool) -> usize {
    let holds_before = guess == 0 || x.get(guess - 1).is_some_and(|v| pred(*v));
    let fails_at = x.get(guess).is_none_or(|v| !pred(*v));
    if guess <= x.len() && holds_before && fails_at {
        guess
    } else {
        x.partition_point(|v| pred(*v))
    }
}

/// Sorts a nearly sorted slice in O(n + inversions).
fn insertion_sort<T: Ord + Copy>(v: &mut [T]) {
    for i in 1..v.len() {
        let mut j = i;
        while j > 0 && v[j - 1] > v[j] {
            v.swap(j - 1, j);
            j -= 1;
        }
    }
}

/// Σ (a·x_i − c − y_i)² over a segment, in four interleaved partial sums (the error bound
/// of a sum, Higham's eq. 4.4, is the same; the chain of dependent additions is a quarter).
fn squared_residuals(a: f64, c: f64, x: &[f64], y: &[f64]) -> f64 {
    let mut lanes = [0.0_f64; 4];
    let (xs, ys) = (x.chunks_exact(4), y.chunks_exact(4));
    let (x_tail, y_tail) = (xs.remainder(), ys.remainder());
    for (x4, y4) in xs.zip(ys) {
        for ((s, x), y) in lanes.iter_mut().zip(x4).zip(y4) {
            let e = a * x - c - y;
            *s += e * e;
        }
    }
    let tail: f64 = x_tail
        .iter()
        .zip(y_tail)
        .map(|(x, y)| {
            let e = a * x - c - y;
            e * e
        })
        .sum();
    (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]) + tail
}

impl TwoLayerRelu {
    /// A network for inputs `x` (n × N, column-major) and targets `y` (m × N), hidden width
    /// r = `bias.len()`.
    pub fn new(
        n: usize,
        m: usize,
        x: Vec<f64>,
        y: Vec<f64>,
        bias: Vec<f64>,
        scale: LossScale,
    ) -> Result<Self> {
        if n == 0 || m == 0 || bias.is_empty() {
            return Err(ModelError::Empty {
                what: "layer width",
            });
        }
        if x.is_empty() {
            return Err(ModelError::Empty { what: "sample set" });
        }
        if !x.len().is_multiple_of(n) {
            return invalid(
                "inputs length",
                x.len(),
                format!("a multiple of the input width n = {n}"),
            );
        }
        let samples = x.len() / n;
        if y.len() != m * samples {
            return Err(ModelError::Shape {
                what: "targets",
                expected: format!("{m} x {samples}"),
                found: format!("{} values", y.len()),
            });
        }
        for (what, v) in [("inputs", &x), ("targets", &y), ("bias", &bias)] {
            if v.iter().any(|t| !t.is_finite()) {
                return Err(ModelError::NonFinite { what });
            }
        }
        let sorted_scalar = n == 1 && m == 1 && x.windows(2).all(|w| w[0] <= w[1]);
        let mut prefix = Vec::new();
        if sorted_scalar {
            prefix.reserve(samples + 1);
            let mut sums = [0.0; 5];
            prefix.push(sums);
            for (xi, yi) in x.iter().zip(&y) {
                for (s, v) in sums
                    .iter_mut()
                    .zip([xi, &(xi * xi), yi, &(xi * yi), &(yi * yi)])
                {
                    *s += v;
                }
                prefix.push(sums);
            }
        }
        Ok(Self {
            n,
            r: bias.len(),
            m,
            samples,
            x,
            y,
            bias,
            scale,
            sorted_scalar,
            prefix,
        })
    }

    /// Whether the exact sorted-scalar reformulation is used (n = m = 1, inputs ascending):
    /// each unit is active on a contiguous range of samples, so the output is affine,
    /// a·x − c, between the 2r points where units switch, and loss and gradient cost
    /// O(r log N) through prefix sums of the data instead of O(N r). Each segment's Σe² is
    /// summed expanded unless that cancels to below 1e-6 of its terms, where it is summed
    /// residual by residual: a relative error of at most about 1e6·ε, and near a zero-loss
    /// point (every segment cancels) the residuals' own rounding, as the O(N) pass.
    pub fn uses_sorted_scalar_path(&self) -> bool {
        self.sorted_scalar
    }

    /// The sample range [lo, hi) on which unit k is active (V_k x − b_k > 0, the same
    /// floating-point predicate as the generic path; monotone in x for fixed V_k, b_k).
    /// `previous` is the unit's range at the last call: the switch point is tried there first
    /// (it rarely moves between GD steps), and searched for only if it moved.
    fn active_range(&self, v: f64, b: f64, previous: (usize, usize)) -> (usize, usize) {
        let active = |x: f64| -b + v * x > 0.0;
        let n = self.samples;
        if v > 0.0 {
            (partition_near(&self.x, previous.0, |x| !active(x)), n)
        } else if v < 0.0 {
            (0, partition_near(&self.x, previous.1, active))
        } else if active(0.0) {
            (0, n)
        } else {
            (0, 0)
        }
    }

    /// Loss and (optionally) gradient by the sorted-scalar reformulation.
    fn sorted_scalar_loss(
        &self,
        theta: &[f64],
        gradient: &mut [f64],
        ws: &mut ReluWorkspace,
    ) -> f64 {
        let (r, n) = (self.r, self.samples);
        let (w, v) = theta.split_at(r);
        // The events are the switch points of the units active at the last call, in order:
        // if the same units are active, move them and restore the order (a few swaps);
        // otherwise list them again. Either way they end sorted, and distinct, so the order
        // is the same.
        let mut same_units = true;
        for k in 0..r {
            let previous = ws.ranges[k];
            let (lo, hi) = self.active_range(v[k], self.bias[k], previous);
            same_units &= (lo < hi) == (previous.0 < previous.1);
            ws.ranges[k] = (lo, hi);
        }
        if same_units {
            for event in ws.events.iter_mut() {
                let (lo, hi) = ws.ranges[event.1];
                event.0 = if event.2 { lo } else { hi };
            }
            insertion_sort(&mut ws.events);
        } else {
            ws.events.clear();
            for (k, &(lo, hi)) in ws.ranges.iter().enumerate() {
                if lo < hi {
                    ws.events.push((lo, k, true));
                    ws.events.push((hi, k, false));
                }
            }
            ws.events.sort_unstable();
        }
        // Between consecutive switch points the output is a·x − c, so with the data's prefix
        // sums each segment's Σe, Σe·x and Σe² (e = a·x − c − y) cost O(1).
        let (mut a, mut c) = (0.0, 0.0);
        let (mut loss, mut se, mut sex) = (0.0, 0.0, 0.0);
        let mut start = 0;
        let mut next = 0;
        loop {
            let end = ws.events.get(next).map_or(n, |e| e.0);
            if end > start {
                let (p, q) = (&self.prefix[start], &self.prefix[end]);
                let len = (end - start) as f64;
                let [sx, sxx, sy, sxy, syy] = [
                    q[0] - p[0],
                    q[1] - p[1],
                    q[2] - p[2],
                    q[3] - p[3],
                    q[4] - p[4],
                ];
                se += a * sx - c * len - sy;
                sex += a * sxx - c * sx - sxy;
                let squares = a * a * sxx + c * c * len + syy;
                let expanded = squares - 2.0 * (a * c * sx + a * sxy - c * sy);
                // Where the expansion cancels to below 1e-6 of its terms its rounding would
                // dominate: sum that segment's squared residuals one by one instead, so the
                // loss keeps a relative error of at most about 1e6·ε (and zero stays ~0).
                loss += if expanded >= CANCELLATION * squares {
                    expanded
                } else {
                    squared_residuals(a, c, &self.x[start..end], &self.y[start..end])
                };
                start = end;
            }
            let Some(&(index, k, on)) = ws.events.get(next) else {
                break;
            };
            debug_assert_eq!(index, start);
            let sign = if on { 1.0 } else { -1.0 };
            a += sign * w[k] * v[k];
            c += sign * w[k] * self.bias[k];
            if on {
                ws.sums_at_start[k] = (se, sex);
            } else {
                ws.sums_at_end[k] = (se, sex);
            }
            next += 1;
        }
        let factor = self.factor(self.scale);
        let (gw, gv) = gradient.split_at_mut(r);
        for k in 0..r {
            let (lo, hi) = ws.ranges[k];
            let (e_sum, ex_sum) = if lo < hi {
                (
                    ws.sums_at_end[k].0 - ws.sums_at_start[k].0,
                    ws.sums_at_end[k].1 - ws.sums_at_start[k].1,
                )
            } else {
                (0.0, 0.0)
            };
            gw[k] = 2.0 * factor * (v[k] * ex_sum - self.bias[k] * e_sum);
            gv[k] = 2.0 * factor * w[k] * ex_sum;
        }
        factor * loss
    }

    /// Hidden width r.
    pub fn hidden(&self) -> usize {
        self.r
    }

    /// Number of samples N.
    pub fn samples(&self) -> usize {
        self.samples
    }

    /// The inputs, n × N column-major.
    pub fn inputs(&self) -> &[f64] {
        &self.x
    }

    /// The targets, m × N column-major.
    pub fn targets(&self) -> &[f64] {
        &self.y
    }

    /// The same network evaluated by the generic O(N r) loops (for checking the sorted-scalar
    /// reformulation).
    pub fn without_sorted_scalar_path(&self) -> Self {
        Self {
            sorted_scalar: false,
            ..self.clone()
        }
    }

    /// The fixed bias b.
    pub fn bias(&self) -> &[f64] {
        &self.bias
    }

    /// The loss scale.
    pub fn scale(&self) -> LossScale {
        self.scale
    }

    /// Flattens (W, V) into θ.
    pub fn flatten(&self, w: &[f64], v: &[f64]) -> Result<Vec<f64>> {
        if w.len() != self.m * self.r || v.len() != self.r * self.n {
            return Err(ModelError::Shape {
                what: "(W, V)",
                expected: format!("{} and {} values", self.m * self.r, self.r * self.n),
                found: format!("{} and {}", w.len(), v.len()),
            });
        }
        Ok(w.iter().chain(v).copied().collect())
    }

    fn factor(&self, scale: LossScale) -> f64 {
        let half = if scale.half { 0.5 } else { 1.0 };
        let mean = if scale.mean {
            1.0 / self.samples as f64
        } else {
            1.0
        };
        half * mean
    }

    fn pre_activation(&self, theta: &[f64], i: usize, z: &mut [f64]) {
        let (r, n) = (self.r, self.n);
        let v = &theta[self.m * r..];
        let xi = &self.x[i * n..(i + 1) * n];
        for k in 0..r {
            z[k] = -self.bias[k];
        }
        for a in 0..n {
            let xa = xi[a];
            for k in 0..r {
                z[k] += v[a * r + k] * xa;
            }
        }
    }

    /// Network output f̂(x_i) at θ, written into `out` (length m).
    pub fn output(&self, theta: &[f64], i: usize, out: &mut [f64]) {
        // bound: r is the length of the `bias` the model holds.
        let mut z = vec![0.0; self.r];
        self.pre_activation(theta, i, &mut z);
        for c in 0..self.m {
            out[c] = (0..self.r)
                .map(|k| theta[k * self.m + c] * z[k].max(0.0))
                .sum();
        }
    }

    /// All outputs f̂(x_i), m × N column-major.
    pub fn outputs(&self, theta: &[f64]) -> Vec<f64> {
        // bound: m·N is the length of the targets `y` the model holds.
        let mut out = vec![0.0; self.m * self.samples];
        for i in 0..self.samples {
            self.output(theta, i, &mut out[i * self.m..(i + 1) * self.m]);
        }
        out
    }

    /// min over samples and units of |V x_i − b|: how far θ is from a change of activation
    /// pattern (below ~1e-6 the frozen-pattern Hessian may not describe the dynamics).
    pub fn nearest_kink_distance(&self, theta: &[f64]) -> f64 {
        // bound: r is the length of the `bias` the model holds.
        let mut z = vec![0.0; self.r];
        let mut nearest = f64::INFINITY;
        for i in 0..self.samples {
            self.pre_activation(theta, i, &mut z);
            nearest = z.iter().fold(nearest, |m, v| m.min(v.abs()));
        }
        nearest
    }

    /// Whether every ReLU is off on every sample (a dead network: zero gradient in V).
    pub fn is_dead(&self, theta: &[f64]) -> bool {
        // bound: r is the length of the `bias` the model holds.
        let mut z = vec![0.0; self.r];
        (0..self.samples).all(|i| {
            self.pre_activation(theta, i, &mut z);
            z.iter().all(|v| *v <= 0.0)
        })
    }

    fn accumulate_gradient(
        &self,
        theta: &[f64],
        samples: &mut dyn Iterator<Item = usize>,
        factor: f64,
        gradient: &mut [f64],
        ws: &mut ReluWorkspace,
    ) -> f64 {
        let (r, m, n) = (self.r, self.m, self.n);
        let (w, _) = theta.split_at(m * r);
        gradient.fill(0.0);
        let (gw, gv) = gradient.split_at_mut(m * r);
        let mut loss = 0.0;
        for i in samples {
            self.pre_activation(theta, i, &mut ws.z);
            for c in 0..m {
                let out: f64 = (0..r).map(|k| w[k * m + c] * ws.z[k].max(0.0)).sum();
                let e = out - self.y[i * m + c];
                ws.e[c] = e;
                loss += e * e;
            }
            let xi = &self.x[i * n..(i + 1) * n];
            for k in 0..r {
                if ws.z[k] > 0.0 {
                    let h = ws.z[k];
                    let mut delta = 0.0;
                    for c in 0..m {
                        gw[k * m + c] += 2.0 * factor * ws.e[c] * h;
                        delta += w[k * m + c] * ws.e[c];
                    }
                    for a in 0..n {
                        gv[a * r + k] += 2.0 * factor * delta * xi[a];
                    }
                }
            }
        }
        factor * loss
    }
}

impl Objective for TwoLayerRelu {
    type Workspace = ReluWorkspace;

    fn dim(&self) -> usize {
        self.r * (self.m + self.n)
    }

    fn workspace(&self) -> ReluWorkspace {
        // bound: r and m are lengths of the `bias` and of a target in `y`, data the model holds.
        ReluWorkspace {
            z: vec![0.0; self.r],
            e: vec![0.0; self.m],
            dz: vec![0.0; self.r],
            de: vec![0.0; self.m],
            back: vec![0.0; self.r],
            ranges: vec![(0, 0); self.r],
            events: Vec::with_capacity(2 * self.r),
            sums_at_start: vec![(0.0, 0.0); self.r],
            sums_at_end: vec![(0.0, 0.0); self.r],
            gradient: vec![0.0; self.dim()],
        }
    }

    fn loss(&self, theta: &[f64], ws: &mut ReluWorkspace) -> f64 {
        if self.sorted_scalar {
            // The same code as the gradient path (into scratch), so loss() and
            // loss_and_gradient() agree bit for bit.
            let mut scratch = std::mem::take(&mut ws.gradient);
            let loss = self.sorted_scalar_loss(theta, &mut scratch, ws);
            ws.gradient = scratch;
            return loss;
        }
        let (r, m) = (self.r, self.m);
        let mut loss = 0.0;
        for i in 0..self.samples {
            self.pre_activation(theta, i, &mut ws.z);
            for c in 0..m {
                let out: f64 = (0..r).map(|k| theta[k * m + c] * ws.z[k].max(0.0)).sum();
                let e = out - self.y[i * m + c];
                loss += e * e;
            }
        }
        self.factor(self.scale) * loss
    }

    fn loss_and_gradient(
        &self,
        theta: &[f64],
        gradient: &mut [f64],
        ws: &mut ReluWorkspace,
    ) -> f64 {
        if self.sorted_scalar {
            return self.sorted_scalar_loss(theta, gradient, ws);
        }
        let factor = self.factor(self.scale);
        self.accumulate_gradient(theta, &mut (0..self.samples), factor, gradient, ws)
    }

    fn hessian_vector_product(
        &self,
        theta: &[f64],
        dir: &[f64],
        out: &mut [f64],
        ws: &mut ReluWorkspace,
    ) {
        let (r, m, n) = (self.r, self.m, self.n);
        let factor = 2.0 * self.factor(self.scale);
        let (w, _) = theta.split_at(m * r);
        let (dw, dv) = dir.split_at(m * r);
        out.fill(0.0);
        let (ow, ov) = out.split_at_mut(m * r);
        for i in 0..self.samples {
            self.pre_activation(theta, i, &mut ws.z);
            let xi = &self.x[i * n..(i + 1) * n];
            for k in 0..r {
                ws.dz[k] = if ws.z[k] > 0.0 {
                    (0..n).map(|a| dv[a * r + k] * xi[a]).sum()
                } else {
                    0.0
                };
            }
            for c in 0..m {
                let mut out_c = 0.0;
                let mut de = 0.0;
                for k in 0..r {
                    let h = ws.z[k].max(0.0);
                    out_c += w[k * m + c] * h;
                    de += dw[k * m + c] * h + w[k * m + c] * ws.dz[k];
                }
                ws.e[c] = out_c - self.y[i * m + c];
                ws.de[c] = de;
            }
            for k in 0..r {
                if ws.z[k] > 0.0 {
                    let h = ws.z[k];
                    let mut back = 0.0;
                    for c in 0..m {
                        ow[k * m + c] += factor * (ws.de[c] * h + ws.e[c] * ws.dz[k]);
                        back += dw[k * m + c] * ws.e[c] + w[k * m + c] * ws.de[c];
                    }
                    ws.back[k] = back;
                    for a in 0..n {
                        ov[a * r + k] += factor * back * xi[a];
                    }
                }
            }
        }
    }
}

impl SampleObjective for TwoLayerRelu {
    fn num_samples(&self) -> usize {
        self.samples
    }

    fn minibatch_loss_and_gradient(
        &self,
        theta: &[f64],
        batch: &[usize],
        gradient: &mut [f64],
        ws: &mut ReluWorkspace,
    ) -> f64 {
        // Unbiased: a sum over N samples is estimated by N/B times the batch sum.
        let factor = self.factor(self.scale) * self.samples as f64 / batch.len() as f64;
        self.accumulate_gradient(theta, &mut batch.iter().copied(), factor, gradient, ws)
    }
}
