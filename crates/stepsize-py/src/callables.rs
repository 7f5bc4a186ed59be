//! An objective from Python functions: the loss, its gradient, optionally the Hessian-vector
//! product (else central differences of the gradient, error about ε^(2/3)) and a batched
//! gradient on B × d arrays, which the sweeps call for many trajectories at once.
//!
//! The analyses call these from Rust, attaching to the interpreter per call: on the calling
//! thread for runs and the lockstep sweeps, from pool threads in the parallel ones.
//! A call that raises, or returns the wrong shape, is recorded (the first one) and answered
//! with NaN, which ends every trajectory at once; the entry point then raises the recorded
//! exception instead of returning a result.

use numpy::{PyArray1, PyArray2, PyArrayMethods, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};

/// The Python functions of an objective.
pub struct Callables {
    /// d: given, or fixed by the first point an analysis receives.
    dim: OnceLock<usize>,
    pub loss: Py<PyAny>,
    pub gradient: Py<PyAny>,
    pub hvp: Option<Py<PyAny>>,
    pub batched_gradient: Option<Py<PyAny>>,
    /// (f(θ), ∇f(θ)) in one call, used where both are needed (each step of a run).
    pub value_and_gradient: Option<Py<PyAny>>,
    /// Trajectories per batched call.
    pub batch_size: usize,
    /// The model's parameters (a JAX pytree, PyTorch tensors) from θ, and back, when the
    /// objective was built from a model rather than from a function of a vector.
    pub structure: Option<Structure>,
    failed: AtomicBool,
    error: Mutex<Option<PyErr>>,
}

/// The model's parameters as θ (`flatten(params=None)`, the example given when None) and θ as
/// the model's parameters (`unflatten(theta)`).
pub struct Structure {
    pub flatten: Py<PyAny>,
    pub unflatten: Py<PyAny>,
}

/// Scratch of the central-difference HVP.
pub struct CallablesWorkspace {
    shifted: Vec<f64>,
    scratch: Vec<f64>,
}

impl Callables {
    pub fn new(
        dim: Option<usize>,
        loss: Py<PyAny>,
        gradient: Py<PyAny>,
        hvp: Option<Py<PyAny>>,
        batched_gradient: Option<Py<PyAny>>,
        value_and_gradient: Option<Py<PyAny>>,
        batch_size: usize,
        structure: Option<Structure>,
    ) -> Self {
        let known = OnceLock::new();
        if let Some(d) = dim {
            let _ = known.set(d);
        }
        Self {
            dim: known,
            loss,
            gradient,
            hvp,
            batched_gradient,
            value_and_gradient,
            batch_size,
            structure,
            failed: AtomicBool::new(false),
            error: Mutex::new(None),
        }
    }

    /// d, when known.
    pub fn known_dim(&self) -> Option<usize> {
        self.dim.get().copied()
    }

    /// Fixes d at `n` if it was not known; returns d.
    pub fn bind_dim(&self, n: usize) -> usize {
        *self.dim.get_or_init(|| n)
    }

    /// The first exception raised since the last call, clearing it.
    pub fn take_error(&self) -> Option<PyErr> {
        let error = self.error.lock().map(|mut e| e.take()).unwrap_or(None);
        self.failed.store(false, Ordering::SeqCst);
        error
    }

    fn record(&self, error: PyErr) {
        if !self.failed.swap(true, Ordering::SeqCst)
            && let Ok(mut slot) = self.error.lock()
        {
            *slot = Some(error);
        }
    }

    /// Calls `function(args…)` and copies its result, of `out.len()` numbers, into `out`;
    /// NaN on any failure (recorded).
    fn call_into<'py>(
        &self,
        py: Python<'py>,
        name: &str,
        function: &Py<PyAny>,
        args: impl pyo3::call::PyCallArgs<'py>,
        out: &mut [f64],
    ) {
        if self.failed.load(Ordering::Relaxed) {
            out.fill(f64::NAN);
            return;
        }
        let result = function
            .call1(py, args)
            .and_then(|r| copy_result(py, name, r.bind(py), out));
        if let Err(e) = result {
            self.record(e);
            out.fill(f64::NAN);
        }
    }

    fn call_loss(&self, theta: &[f64]) -> f64 {
        if self.failed.load(Ordering::Relaxed) {
            return f64::NAN;
        }
        Python::attach(|py| {
            let result = self
                .loss
                .call1(py, (PyArray1::from_slice(py, theta),))
                .and_then(|r| loss_value("loss", r.bind(py)));
            result.unwrap_or_else(|e| {
                self.record(e);
                f64::NAN
            })
        })
    }

    fn call_gradient(&self, theta: &[f64], out: &mut [f64]) {
        Python::attach(|py| {
            let x = PyArray1::from_slice(py, theta);
            self.call_into(py, "grad", &self.gradient, (x,), out);
        });
    }
}

/// A returned loss as f64: a float, or anything with `__float__` (a NumPy or JAX scalar); else
/// a `ValueError` naming the function.
fn loss_value(name: &str, value: &Bound<'_, PyAny>) -> PyResult<f64> {
    value
        .extract::<f64>()
        .or_else(|_| value.call_method0("__float__")?.extract::<f64>())
        .map_err(|_| {
            PyValueError::new_err(format!(
                "{name} returned {}; expected a number",
                value.repr().map(|s| s.to_string()).unwrap_or_default()
            ))
        })
}

/// Copies a returned array of exactly `out.len()` numbers into `out` (any shape with that
/// many elements: (d,) from a gradient, (B, d) from a batched one).
fn copy_result(
    py: Python<'_>,
    name: &str,
    value: &Bound<'_, PyAny>,
    out: &mut [f64],
) -> PyResult<()> {
    if let Ok(array) = value.cast::<PyArray1<f64>>()
        && array.is_c_contiguous()
        && array.len() == out.len()
    {
        out.copy_from_slice(array.readonly().as_slice()?);
        return Ok(());
    }
    if let Ok(array) = value.cast::<PyArray2<f64>>()
        && array.is_c_contiguous()
        && array.len() == out.len()
    {
        out.copy_from_slice(array.readonly().as_slice()?);
        return Ok(());
    }
    let numpy = py.import("numpy")?;
    let array = numpy.call_method1("asarray", (value, numpy.getattr("float64")?))?;
    let size: usize = array.getattr("size")?.extract()?;
    if size != out.len() {
        let shape = array.getattr("shape")?.str()?.to_string();
        return Err(PyValueError::new_err(format!(
            "{name} returned an array of shape {shape}; expected {} numbers",
            out.len()
        )));
    }
    let flat = numpy.call_method1("ascontiguousarray", (array.call_method0("ravel")?,))?;
    out.copy_from_slice(flat.cast::<PyArray1<f64>>()?.readonly().as_slice()?);
    Ok(())
}

impl gd_core::Objective for Callables {
    type Workspace = CallablesWorkspace;

    /// 0 until known: every entry point binds it from its first point before running.
    fn dim(&self) -> usize {
        self.known_dim().unwrap_or(0)
    }

    fn workspace(&self) -> CallablesWorkspace {
        CallablesWorkspace {
            shifted: vec![0.0; self.dim()],
            scratch: vec![0.0; self.dim()],
        }
    }

    fn loss(&self, theta: &[f64], _: &mut CallablesWorkspace) -> f64 {
        self.call_loss(theta)
    }

    fn loss_and_gradient(
        &self,
        theta: &[f64],
        gradient: &mut [f64],
        _: &mut CallablesWorkspace,
    ) -> f64 {
        let Some(both) = &self.value_and_gradient else {
            self.call_gradient(theta, gradient);
            return self.call_loss(theta);
        };
        if self.failed.load(Ordering::Relaxed) {
            gradient.fill(f64::NAN);
            return f64::NAN;
        }
        Python::attach(|py| {
            let result = both
                .call1(py, (PyArray1::from_slice(py, theta),))
                .and_then(|r| {
                    let (loss, g): (Bound<'_, PyAny>, Bound<'_, PyAny>) =
                        r.extract(py).map_err(|_| {
                            PyValueError::new_err("value_and_grad must return (loss, gradient)")
                        })?;
                    copy_result(py, "value_and_grad", &g, gradient)?;
                    loss_value("value_and_grad", &loss)
                });
            result.unwrap_or_else(|e| {
                self.record(e);
                gradient.fill(f64::NAN);
                f64::NAN
            })
        })
    }

    fn gradient(&self, theta: &[f64], gradient: &mut [f64], _: &mut CallablesWorkspace) {
        self.call_gradient(theta, gradient);
    }

    fn gradients(&self, thetas: &[f64], gradients: &mut [f64], ws: &mut CallablesWorkspace) {
        let dim = self.dim().max(1);
        let Some(batched) = &self.batched_gradient else {
            for (t, g) in thetas
                .chunks_exact(dim)
                .zip(gradients.chunks_exact_mut(dim))
            {
                self.gradient(t, g, ws);
            }
            return;
        };
        Python::attach(|py| {
            let rows = thetas.len() / dim;
            match PyArray1::from_slice(py, thetas).reshape([rows, dim]) {
                Ok(x) => self.call_into(py, "batched_grad", batched, (x,), gradients),
                Err(e) => {
                    self.record(e);
                    gradients.fill(f64::NAN);
                }
            }
        });
    }

    /// Always a batch: the sweeps then run their lockstep engine on the calling thread, whose
    /// Python thread state persists, instead of lanes on pool threads, each of which would
    /// create and destroy a thread state per call (and wait for the lock anyway). Without a
    /// batched function, `gradients` calls `grad` point by point.
    fn batch_size(&self) -> Option<usize> {
        Some(self.batch_size)
    }

    fn hessian_vector_product(
        &self,
        theta: &[f64],
        v: &[f64],
        out: &mut [f64],
        ws: &mut CallablesWorkspace,
    ) {
        match &self.hvp {
            Some(hvp) => Python::attach(|py| {
                let (x, v) = (PyArray1::from_slice(py, theta), PyArray1::from_slice(py, v));
                self.call_into(py, "hvp", hvp, (x, v), out);
            }),
            None => gd_core::hvp_by_central_difference(
                theta,
                v,
                out,
                &mut ws.shifted,
                &mut ws.scratch,
                |t: &[f64], g: &mut [f64]| self.call_gradient(t, g),
            ),
        }
    }
}
