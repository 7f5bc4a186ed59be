//! `stepsize.Objective`: one loss, whatever it was built from (a model of the papers from
//! NumPy arrays, a formula, Python functions), with its loss, gradient and HVP callable from
//! Python; and the constructors.

use crate::arrays::{formula_error, matrix, to_numpy, value_error, vector};
use crate::callables::{Callables, Structure};
use crate::monitor::{Watch, watched};
use gd_core::Objective as _;
use gd_models::{Activation, DeepLinear, LossScale, Mlp, MlpLoss, Scalar, TwoLayerRelu};
use numpy::PyArray1;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use std::sync::Arc;
use stepsize_cli::formula::{Formula, dimension_of};

/// The most parameters an objective from Python functions may have: the models' cap.
const MAX_DIM: usize = gd_models::MAX_PARAMETERS;

/// Trajectories run in lockstep through one call of a batched gradient, by default: enough to
/// make a Python call's overhead (about 100 µs) small against its work.
pub(crate) const DEFAULT_BATCH_SIZE: usize = 1024;

/// The most trajectories one batched call may take.
const MAX_BATCH_SIZE: usize = 1 << 20;

/// What an objective was built from (held once per objective, in an `Arc`, so the variants'
/// sizes do not matter).
#[allow(clippy::large_enum_variant)]
pub enum Inner {
    DeepLinear(DeepLinear),
    TwoLayerRelu(TwoLayerRelu),
    Mlp(Mlp),
    Scalar(Scalar),
    Formula(Formula),
    Callables(Callables),
}

/// Runs `$body` with `$o` bound to the concrete objective (each analysis is monomorphized per
/// kind, so the models run at full speed).
macro_rules! with_objective {
    ($objective:expr, |$o:ident| $body:expr) => {
        match $objective {
            $crate::objective::Inner::DeepLinear($o) => $body,
            $crate::objective::Inner::TwoLayerRelu($o) => $body,
            $crate::objective::Inner::Mlp($o) => $body,
            $crate::objective::Inner::Scalar($o) => $body,
            $crate::objective::Inner::Formula($o) => $body,
            $crate::objective::Inner::Callables($o) => $body,
        }
    };
    ($objective:expr, stop = $stop:expr, |$o:ident| $body:expr) => {
        $crate::objective::with_objective!($objective, |inner| {
            let $o = &gd_core::Interruptible::new(inner, $stop);
            $body
        })
    };
}
pub(crate) use with_objective;

/// A loss f: ℝᵈ → ℝ with its gradient and Hessian-vector product, ready for every analysis.
#[pyclass(name = "Objective", module = "stepsize", frozen)]
pub struct Objective {
    pub inner: Arc<Inner>,
    description: String,
}

impl Objective {
    fn new(inner: Inner, description: String) -> Self {
        Self {
            inner: Arc::new(inner),
            description,
        }
    }

    pub fn dim(&self) -> usize {
        with_objective!(&*self.inner, |o| o.dim())
    }

    /// What the objective was built from, as `repr` shows it.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// d, unless this is Python functions given without `dim` and no point has been seen.
    pub fn known_dim(&self) -> Option<usize> {
        match &*self.inner {
            Inner::Callables(c) => c.known_dim(),
            _ => Some(self.dim()),
        }
    }

    /// d, or an error saying that `argument` needs it and how to give it.
    pub fn require_dim(&self, argument: &str) -> PyResult<usize> {
        self.known_dim().ok_or_else(|| {
            PyValueError::new_err(format!(
                "{argument} needs the number of parameters, which is not known yet: pass \
                 dim= to from_callables, or call an analysis with a point first"
            ))
        })
    }

    /// Fixes d at `n` for functions given without `dim` (checking 1 ≤ n ≤ 2²⁸); returns d.
    fn bind_dim(&self, name: &str, n: usize) -> PyResult<usize> {
        match &*self.inner {
            Inner::Callables(c) if c.known_dim().is_none() => {
                if !(1..=MAX_DIM).contains(&n) {
                    return Err(PyValueError::new_err(format!(
                        "{name} has {n} numbers; a point of 1 to {MAX_DIM} parameters"
                    )));
                }
                Ok(c.bind_dim(n))
            }
            _ => Ok(self.dim()),
        }
    }

    /// A point θ of this objective (its first point fixes d for functions given without it).
    pub fn point(
        &self,
        py: Python<'_>,
        name: &str,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<f64>> {
        match self.known_dim() {
            Some(d) => vector(py, name, value, Some(d)),
            None => {
                let theta = vector(py, name, value, None)?;
                let d = self.bind_dim(name, theta.len())?;
                vector(py, name, value, Some(d))
            }
        }
    }

    /// The rows of an n × d matrix as points (its columns fix d for functions given without
    /// it).
    pub fn points(
        &self,
        py: Python<'_>,
        name: &str,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<Vec<f64>>> {
        let d = match self.known_dim() {
            Some(d) => d,
            None => {
                let (_, columns, _) = matrix(py, name, value, None)?;
                self.bind_dim(name, columns)?
            }
        };
        crate::arrays::rows_as_points(py, name, value, d)
    }

    /// How the model's parameters map to θ, for objectives built from a model.
    fn structure(&self) -> PyResult<&Structure> {
        match &*self.inner {
            Inner::Callables(Callables {
                structure: Some(s), ..
            }) => Ok(s),
            _ => Err(pyo3::exceptions::PyTypeError::new_err(format!(
                "flatten and unflatten need an objective built from a model (from_jax with a \
                 pytree, from_torch); this is {}",
                self.description
            ))),
        }
    }

    /// Runs the analysis `f` on a worker thread (see [`crate::monitor`]): Ctrl-C sets the
    /// watch's stop flag (pass it to `with_objective!(.., stop = ..)`) and raises
    /// `KeyboardInterrupt`; progress reported to the watch reaches `progress`. An exception
    /// raised by a Python function of the objective is raised instead of the result.
    pub fn watched<T: Send>(
        &self,
        py: Python<'_>,
        progress: Option<Py<PyAny>>,
        f: impl FnOnce(&Inner, &Watch) -> PyResult<T> + Send,
    ) -> PyResult<T> {
        let inner = &*self.inner;
        let result = watched(py, progress, |watch| f(inner, watch));
        let raised = match inner {
            Inner::Callables(c) => c.take_error(),
            _ => None,
        };
        match (result, raised) {
            (Err(stopped), _) => Err(stopped),
            (Ok(_), Some(error)) => Err(error),
            (Ok(result), None) => result,
        }
    }

    /// Runs `f` without the interpreter lock (Python callables take it per call), then
    /// raises the first exception a callback raised, if any, instead of `f`'s result.
    pub fn detached<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&Inner) -> Result<T, PyErr> + Send,
    ) -> PyResult<T> {
        let inner = &*self.inner;
        let result = py.detach(|| f(inner));
        if let Inner::Callables(c) = inner
            && let Some(error) = c.take_error()
        {
            return Err(error);
        }
        result
    }
}

#[pymethods]
impl Objective {
    /// Seeded Gaussian initial parameters of an `mlp` objective: W_l ~ N(0, gain²/n_{l−1}),
    /// b = 0 (`gd_models::Mlp::initialize`).
    #[pyo3(signature = (gain = 1.0, seed = 0))]
    fn initialize<'py>(
        &self,
        py: Python<'py>,
        gain: f64,
        seed: u64,
    ) -> PyResult<Bound<'py, numpy::PyArray1<f64>>> {
        match &*self.inner {
            Inner::Mlp(m) => {
                if !(gain.is_finite() && gain >= 0.0) {
                    return Err(PyValueError::new_err(format!(
                        "gain = {gain} is not allowed: finite and ≥ 0"
                    )));
                }
                Ok(numpy::PyArray1::from_vec(py, m.initialize(gain, seed)))
            }
            _ => Err(PyValueError::new_err(format!(
                "initialize is defined for mlp objectives, not for {}",
                self.description
            ))),
        }
    }

    /// The number of parameters d (None for Python functions given without `dim`, until
    /// the first point).
    #[getter(dim)]
    fn py_dim(&self) -> Option<usize> {
        self.known_dim()
    }

    /// f(θ).
    fn loss(&self, py: Python<'_>, theta: &Bound<'_, PyAny>) -> PyResult<f64> {
        let theta = self.point(py, "theta", theta)?;
        self.detached(py, |inner| {
            Ok(with_objective!(inner, |o| o.loss(&theta, &mut o.workspace())))
        })
    }

    /// ∇f(θ).
    fn gradient<'py>(
        &self,
        py: Python<'py>,
        theta: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let theta = self.point(py, "theta", theta)?;
        let g = self.detached(py, |inner| {
            let mut g = vec![0.0; theta.len()];
            with_objective!(inner, |o| o.gradient(&theta, &mut g, &mut o.workspace()));
            Ok(g)
        })?;
        Ok(to_numpy(py, &g))
    }

    /// ∇²f(θ)·v.
    fn hvp<'py>(
        &self,
        py: Python<'py>,
        theta: &Bound<'py, PyAny>,
        v: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let theta = self.point(py, "theta", theta)?;
        let v = vector(py, "v", v, Some(self.dim()))?;
        let out = self.detached(py, |inner| {
            let mut out = vec![0.0; theta.len()];
            with_objective!(inner, |o| o.hessian_vector_product(
                &theta,
                &v,
                &mut out,
                &mut o.workspace()
            ));
            Ok(out)
        })?;
        Ok(to_numpy(py, &out))
    }

    /// θ as the model's parameters (a JAX pytree, a dict of PyTorch tensors), for objectives
    /// from `from_jax` with a pytree or from `from_torch`.
    fn unflatten(&self, py: Python<'_>, theta: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let theta = self.point(py, "theta", theta)?;
        let structure = self.structure()?;
        structure
            .unflatten
            .call1(py, (PyArray1::from_vec(py, theta),))
    }

    /// The flat θ of the model's parameters `params` (a pytree like the example, a module or
    /// a dict of tensors); the parameters given at construction when None.
    #[pyo3(signature = (params = None))]
    fn flatten<'py>(
        &self,
        py: Python<'py>,
        params: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let structure = self.structure()?;
        let flat = structure.flatten.bind(py).call1((params,))?;
        let theta = self.point(py, "flatten's result", &flat)?;
        Ok(PyArray1::from_vec(py, theta))
    }

    fn __repr__(&self) -> String {
        let d = self
            .known_dim()
            .map_or("not known yet".to_string(), |d| d.to_string());
        format!("<stepsize.Objective {} (d = {d})>", self.description)
    }
}

/// A loss given as a formula in x; x and y; or x1 … xd, with exact symbolic derivatives.
#[pyfunction]
#[pyo3(signature = (formula, dim = None))]
pub fn from_formula(formula: &str, dim: Option<usize>) -> PyResult<Objective> {
    let dim = match dim {
        Some(d) => d,
        None => dimension_of(formula).map_err(formula_error)?,
    };
    let f = Formula::parse(formula, dim).map_err(formula_error)?;
    Ok(Objective::new(
        Inner::Formula(f),
        format!("formula {formula:?}"),
    ))
}

/// A loss from Python functions (see the package's `from_callables`).
#[pyfunction]
#[pyo3(signature = (loss, grad, dim = None, hvp = None, batched_grad = None, value_and_grad = None, batch_size = DEFAULT_BATCH_SIZE, flatten = None, unflatten = None, description = None))]
#[allow(clippy::too_many_arguments)]
pub fn _from_callables(
    loss: &Bound<'_, PyAny>,
    grad: &Bound<'_, PyAny>,
    dim: Option<usize>,
    hvp: Option<&Bound<'_, PyAny>>,
    batched_grad: Option<&Bound<'_, PyAny>>,
    value_and_grad: Option<&Bound<'_, PyAny>>,
    batch_size: usize,
    flatten: Option<&Bound<'_, PyAny>>,
    unflatten: Option<&Bound<'_, PyAny>>,
    description: Option<String>,
) -> PyResult<Objective> {
    for (name, f) in [
        ("flatten", flatten),
        ("unflatten", unflatten),
        ("loss", Some(loss)),
        ("grad", Some(grad)),
        ("hvp", hvp),
        ("batched_grad", batched_grad),
        ("value_and_grad", value_and_grad),
    ] {
        if let Some(f) = f
            && !f.is_callable()
        {
            return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                "{name} must be callable"
            )));
        }
    }
    if let Some(dim) = dim
        && !(1..=MAX_DIM).contains(&dim)
    {
        return Err(PyValueError::new_err(format!(
            "dim = {dim} is not allowed: 1 to {MAX_DIM}"
        )));
    }
    if !(1..=MAX_BATCH_SIZE).contains(&batch_size) {
        return Err(PyValueError::new_err(format!(
            "batch_size = {batch_size} is not allowed: 1 to {MAX_BATCH_SIZE}"
        )));
    }
    let callables = Callables::new(
        dim,
        loss.clone().unbind(),
        grad.clone().unbind(),
        hvp.map(|f| f.clone().unbind()),
        batched_grad.map(|f| f.clone().unbind()),
        value_and_grad.map(|f| f.clone().unbind()),
        batch_size,
        flatten.zip(unflatten).map(|(f, u)| Structure {
            flatten: f.clone().unbind(),
            unflatten: u.clone().unbind(),
        }),
    );
    let batched = if batched_grad.is_some() {
        ", batched"
    } else {
        ""
    };
    let origin = description.unwrap_or_else(|| "Python functions".into());
    Ok(Objective::new(
        Inner::Callables(callables),
        format!("from {origin}{batched}"),
    ))
}

/// Rows (n, N) row-major as the column-major n × N the models take.
fn column_major(rows: usize, columns: usize, values: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; values.len()];
    for i in 0..rows {
        for j in 0..columns {
            out[j * rows + i] = values[i * columns + j];
        }
    }
    out
}

/// Nar & Sastry's deep linear network Y ≈ W_L ⋯ W_1 X under ½‖·‖²/N (their loss), for samples
/// `x` (n₀ × N) and targets `y` (n_L × N); θ is the layers flattened.
#[pyfunction]
pub fn deep_linear(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    y: &Bound<'_, PyAny>,
    widths: Vec<usize>,
) -> PyResult<Objective> {
    let (xr, xc, xv) = matrix(py, "x", x, None)?;
    let (yr, yc, yv) = matrix(py, "y", y, None)?;
    let x = faer::Mat::from_fn(xr, xc, |i, j| xv[i * xc + j]);
    let y = faer::Mat::from_fn(yr, yc, |i, j| yv[i * yc + j]);
    let model = DeepLinear::from_samples(&widths, x, y).map_err(value_error)?;
    Ok(Objective::new(
        Inner::DeepLinear(model),
        format!("deep linear network, widths {widths:?}"),
    ))
}

/// Nar & Sastry's two-layer ReLU network with fixed biases (Theorem 4, Figure 2), for inputs
/// `x` (n × N) and targets `y` (m × N); hidden width = len(bias).
#[pyfunction]
#[pyo3(signature = (x, y, bias, half = true, mean = false))]
pub fn two_layer_relu(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    y: &Bound<'_, PyAny>,
    bias: &Bound<'_, PyAny>,
    half: bool,
    mean: bool,
) -> PyResult<Objective> {
    let (n, samples, xv) = matrix(py, "x", x, None)?;
    let (m, _, yv) = matrix(py, "y", y, Some(samples))
        .map_err(|_| PyValueError::new_err(format!("y must have shape (m, {samples})")))?;
    let bias = vector(py, "bias", bias, None)?;
    let hidden = bias.len();
    let model = TwoLayerRelu::new(
        n,
        m,
        column_major(n, samples, &xv),
        column_major(m, samples, &yv),
        bias,
        LossScale { half, mean },
    )
    .map_err(value_error)?;
    Ok(Objective::new(
        Inner::TwoLayerRelu(model),
        format!("two-layer ReLU network, {n} → {hidden} → {m}"),
    ))
}

/// A multilayer perceptron with biases, for inputs `x` (n₀ × N) and targets `y` (n_L × N).
#[pyfunction]
#[pyo3(signature = (sizes, x, y, activation = "tanh", loss = "squared"))]
pub fn mlp(
    py: Python<'_>,
    sizes: Vec<usize>,
    x: &Bound<'_, PyAny>,
    y: &Bound<'_, PyAny>,
    activation: &str,
    loss: &str,
) -> PyResult<Objective> {
    let names = |list: &[&str]| {
        list.iter()
            .map(|n| format!("{n:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let activation_value = Activation::from_name(activation).ok_or_else(|| {
        PyValueError::new_err(format!(
            "activation = {activation:?} is not allowed: one of {}",
            names(&Activation::NAMES.map(|(n, _)| n))
        ))
    })?;
    let loss_value = MlpLoss::from_name(loss).ok_or_else(|| {
        PyValueError::new_err(format!(
            "loss = {loss:?} is not allowed: one of {}",
            names(&MlpLoss::NAMES.map(|(n, _)| n))
        ))
    })?;
    let (xr, xc, xv) = matrix(py, "x", x, None)?;
    let (yr, yc, yv) = matrix(py, "y", y, None)?;
    let model = Mlp::new(
        &sizes,
        activation_value,
        loss_value,
        column_major(xr, xc, &xv),
        column_major(yr, yc, &yv),
    )
    .map_err(value_error)?;
    Ok(Objective::new(
        Inner::Mlp(model),
        format!("MLP {sizes:?}, {activation}, {loss} loss"),
    ))
}

/// Nar & Sastry's scalar examples: 1 (two minima of different sharpness), 2 (f2) or 3 (x^L).
#[pyfunction]
#[pyo3(signature = (number, power = 4))]
pub fn nar_sastry_example(number: u32, power: u32) -> PyResult<Objective> {
    let f: Scalar = match number {
        1 => gd_models::example1(),
        2 => gd_models::example2(),
        3 => gd_models::example3(power).map_err(value_error)?,
        other => {
            return Err(PyValueError::new_err(format!(
                "number = {other} is not allowed: 1, 2 or 3"
            )));
        }
    };
    let description = format!("Nar & Sastry example {number}: {}", f.name());
    Ok(Objective::new(Inner::Scalar(f), description))
}
