//! The analyses as Python functions: each checks its arguments into Rust values, runs without
//! the interpreter lock and returns a dict of NumPy arrays and numbers, which the package's
//! Python layer turns into result objects (`stepsize/_results.py`).

use crate::arrays::{to_numpy, to_numpy_matrix, value_error};
use crate::objective::{Objective, with_objective};
use gd_core::analyses::{
    BoundaryOptions, CentralFlowOptions, CentralFlowSample, EndStability, SharpnessAlong,
    SharpnessAlongOptions, central_flow, end_stability, sharpness_along, stability,
    stability_boundary, summarize,
};
use gd_core::{
    Attractor, ExtremeEigenvalues, Linearization, RunConfig, Schedule, Stability, Trajectory,
    extreme_eigenvalues, run_gd,
};
use numpy::{PyArray1, PyArray2};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// Runs `f` on a pool of `threads` threads (the global pool when `None`); results do not
/// depend on it.
pub(crate) fn in_pool<T: Send>(
    threads: Option<usize>,
    f: impl FnOnce() -> PyResult<T> + Send,
) -> PyResult<T> {
    match threads {
        None => f(),
        Some(n) => gd_core::thread_pool("threads", n)
            .map_err(value_error)?
            .install(f),
    }
}

fn stability_name(s: Stability) -> &'static str {
    match s {
        Stability::Stable => "stable",
        Stability::Unstable => "unstable",
        Stability::Marginal => "marginal",
    }
}

pub(crate) fn linearization_dict<'py>(
    py: Python<'py>,
    l: &Linearization,
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("eta", l.eta)?;
    d.set_item("sharpness", l.sharpness)?;
    d.set_item("lambda_min", l.lambda_min)?;
    d.set_item("spectral_radius", l.spectral_radius)?;
    d.set_item("max_stable_step", l.max_stable_step)?;
    d.set_item("stability", stability_name(l.stability))?;
    Ok(d)
}

fn extremes_dict<'py>(py: Python<'py>, e: &ExtremeEigenvalues) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("lambda_max", e.sharpness())?;
    d.set_item("lambda_max_residual", e.largest[0].residual)?;
    d.set_item("lambda_min", e.smallest.value)?;
    d.set_item("lambda_min_residual", e.smallest.residual)?;
    d.set_item("converged", e.converged)?;
    d.set_item("hessian_vector_products", e.hessian_vector_products)?;
    d.set_item("top_eigenvector", to_numpy(py, &e.top_eigenvector))?;
    d.set_item("bottom_eigenvector", to_numpy(py, &e.bottom_eigenvector))?;
    Ok(d)
}

/// The end of a run and its stability at η (`gd_core::analyses::end_stability`).
struct RunEnd {
    trajectory: Trajectory,
    stability: Option<EndStability>,
}

/// Where GD from θ₀ at η ends.
#[pyfunction]
#[pyo3(signature = (objective, theta0, eta, max_iterations, gradient_tolerance, max_period, divergence_bound, progress = None))]
pub fn _run<'py>(
    py: Python<'py>,
    objective: &Objective,
    theta0: &Bound<'py, PyAny>,
    eta: f64,
    max_iterations: usize,
    gradient_tolerance: Option<f64>,
    max_period: usize,
    divergence_bound: f64,
    progress: Option<Py<PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let theta0 = objective.point(py, "theta0", theta0)?;
    let config = RunConfig {
        max_iterations,
        gradient_tolerance,
        max_period,
        divergence_bound,
        ..gd_core::analyses::run_config_for_analysis()
    };
    let end = objective.watched(py, progress, |inner, watch| {
        with_objective!(inner, stop = &watch.stop, |o| {
            let schedule = Schedule::constant(eta).map_err(value_error)?;
            let trajectory = run_gd(o, &theta0, schedule, &config).map_err(value_error)?;
            let stability = end_stability(o, &trajectory.attractor, eta).map_err(value_error)?;
            Ok(RunEnd {
                trajectory,
                stability,
            })
        })
    })?;
    let t = &end.trajectory;
    let d = PyDict::new(py);
    d.set_item("kind", t.attractor.kind())?;
    d.set_item("period", t.attractor.period())?;
    d.set_item("steps", t.iterations)?;
    d.set_item("eta", eta)?;
    let dim = objective.dim();
    let (orbit, exact, residual): (Vec<f64>, Option<bool>, Option<f64>) = match &t.attractor {
        Attractor::FixedPoint {
            point,
            residual,
            exact,
        } => (point.clone(), Some(*exact), Some(*residual)),
        Attractor::Periodic { orbit, exact, .. } => (orbit.concat(), Some(*exact), None),
        _ => (Vec::new(), None, None),
    };
    let rows = orbit.len() / dim;
    d.set_item("orbit", to_numpy_matrix(py, orbit, rows)?)?;
    d.set_item("exact", exact)?;
    d.set_item("residual", residual)?;
    match &t.final_state {
        Some(f) => {
            d.set_item("point", to_numpy(py, &f.parameters))?;
            d.set_item("loss", f.loss)?;
            d.set_item("gradient_norm", f.gradient_norm)?;
        }
        None => {
            d.set_item("point", py.None())?;
            d.set_item("loss", py.None())?;
            d.set_item("gradient_norm", py.None())?;
        }
    }
    match &end.stability {
        Some(m) => {
            let multipliers = m.multipliers.as_deref().unwrap_or_default();
            let re: Vec<f64> = multipliers.iter().map(|z| z.re).collect();
            let im: Vec<f64> = multipliers.iter().map(|z| z.im).collect();
            d.set_item("multipliers_re", to_numpy(py, &re))?;
            d.set_item("multipliers_im", to_numpy(py, &im))?;
            d.set_item("spectral_radius", m.spectral_radius)?;
            d.set_item("stability", stability_name(m.stability))?;
        }
        None => {
            for key in [
                "multipliers_re",
                "multipliers_im",
                "spectral_radius",
                "stability",
            ] {
                d.set_item(key, py.None())?;
            }
        }
    }
    match &t.attractor {
        Attractor::Unresolved {
            lyapunov: Some(l), ..
        } => {
            d.set_item("lyapunov", l.exponent)?;
            d.set_item("lyapunov_standard_error", l.standard_error)?;
        }
        _ => {
            d.set_item("lyapunov", py.None())?;
            d.set_item("lyapunov_standard_error", py.None())?;
        }
    }
    d.set_item(
        "diverged_at",
        match &t.attractor {
            Attractor::Diverged { at_iteration } => Some(*at_iteration),
            _ => None,
        },
    )?;
    Ok(d)
}

/// The Hessian's extremes at a point, 2/λmax and, with η, the verdict there.
#[pyfunction]
#[pyo3(signature = (objective, at, eta = None))]
pub fn _stability<'py>(
    py: Python<'py>,
    objective: &Objective,
    at: &Bound<'py, PyAny>,
    eta: Option<f64>,
) -> PyResult<Bound<'py, PyDict>> {
    let at = objective.point(py, "at", at)?;
    let s = objective.watched(py, None, |inner, watch| {
        with_objective!(inner, stop = &watch.stop, |o| stability(o, &at, eta)
            .map_err(value_error))
    })?;
    let d = PyDict::new(py);
    d.set_item("point", to_numpy(py, &s.point))?;
    d.set_item("loss", s.loss)?;
    d.set_item("gradient_norm", s.gradient_norm)?;
    d.set_item("max_stable_step", s.max_stable_step)?;
    d.set_item("extremes", extremes_dict(py, &s.extremes)?)?;
    match &s.at_eta {
        Some(l) => d.set_item("at_eta", linearization_dict(py, l)?)?,
        None => d.set_item("at_eta", py.None())?,
    }
    Ok(d)
}

/// λmax and λmin of ∇²f at a point (Lanczos, or dense for small d), with residuals.
#[pyfunction]
pub fn _sharpness<'py>(
    py: Python<'py>,
    objective: &Objective,
    at: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyDict>> {
    let at = objective.point(py, "at", at)?;
    if let Some(i) = at.iter().position(|x| !x.is_finite()) {
        return Err(PyValueError::new_err(format!(
            "at[{i}] = {} is not allowed: a finite number",
            at[i]
        )));
    }
    let e = objective.watched(py, None, |inner, watch| {
        with_objective!(inner, stop = &watch.stop, |o| extreme_eigenvalues(o, &at)
            .map_err(value_error))
    })?;
    extremes_dict(py, &e)
}

/// GD at η from θ₀ with λmax sampled as `options` says, without the interpreter lock; Ctrl-C
/// stops it (raising `KeyboardInterrupt`), `progress(done, total)` is called as it goes.
fn tracked_run(
    py: Python<'_>,
    objective: &Objective,
    theta0: &Bound<'_, PyAny>,
    eta: f64,
    steps: usize,
    options: &SharpnessAlongOptions,
    progress: Option<Py<PyAny>>,
) -> PyResult<SharpnessAlong> {
    let theta0 = objective.point(py, "theta0", theta0)?;
    objective.watched(py, progress, |inner, watch| {
        with_objective!(inner, stop = &watch.stop, |o| {
            let schedule = Schedule::constant(eta).map_err(value_error)?;
            watch
                .with_monitor(|hooks| sharpness_along(o, &theta0, schedule, steps, options, hooks))
                .map_err(value_error)
        })
    })
}

/// λmax(∇²f(θ_k)) every `every` steps along GD at η from θ₀, with the loss at every step.
#[pyfunction]
#[pyo3(signature = (objective, theta0, eta, steps, every, top_k, tolerance, lambda_min, progress))]
pub fn _sharpness_along<'py>(
    py: Python<'py>,
    objective: &Objective,
    theta0: &Bound<'py, PyAny>,
    eta: f64,
    steps: usize,
    every: usize,
    top_k: usize,
    tolerance: f64,
    lambda_min: bool,
    progress: Option<Py<PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let options = SharpnessAlongOptions {
        every,
        top_k,
        relative_tolerance: tolerance,
        lambda_min,
        ..SharpnessAlongOptions::default()
    };
    let run = tracked_run(py, objective, theta0, eta, steps, &options, progress)?;
    sharpness_along_dict(py, eta, &run)
}

/// The edge-of-stability summary (`gd_core::analyses::summarize`) of the run of
/// `_sharpness_along` at η, with the run.
#[pyfunction]
#[pyo3(signature = (objective, theta0, eta, steps, every, tolerance, progress))]
pub fn _edge_of_stability<'py>(
    py: Python<'py>,
    objective: &Objective,
    theta0: &Bound<'py, PyAny>,
    eta: f64,
    steps: usize,
    every: usize,
    tolerance: f64,
    progress: Option<Py<PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let options = SharpnessAlongOptions {
        every,
        relative_tolerance: tolerance,
        ..SharpnessAlongOptions::default()
    };
    let run = tracked_run(py, objective, theta0, eta, steps, &options, progress)?;
    let e = summarize(eta, every, run);
    let d = PyDict::new(py);
    d.set_item("eta", e.eta)?;
    d.set_item("threshold", e.threshold)?;
    d.set_item("starts_above", e.starts_above)?;
    d.set_item("onset", e.onset)?;
    d.set_item("sharpening_initial", e.sharpening.initial)?;
    d.set_item("sharpening_last", e.sharpening.last)?;
    d.set_item("sharpening_rising_fraction", e.sharpening.rising_fraction)?;
    let spread = |f: fn(&gd_core::analyses::Spread) -> f64| e.ratio_after_onset.as_ref().map(f);
    d.set_item("ratio_mean", spread(|s| s.mean))?;
    d.set_item("ratio_std", spread(|s| s.std))?;
    d.set_item("ratio_min", spread(|s| s.min))?;
    d.set_item("ratio_max", spread(|s| s.max))?;
    d.set_item("loss_rise_fraction", e.loss_rise_fraction)?;
    d.set_item(
        "loss_rise_fraction_after_onset",
        e.loss_rise_fraction_after_onset,
    )?;
    d.set_item("alternation_after_onset", e.alternation_after_onset)?;
    d.set_item("run", sharpness_along_dict(py, eta, &e.run)?)?;
    Ok(d)
}

/// A tracked run as the dict `SharpnessAlong` is built from.
pub fn sharpness_along_dict<'py>(
    py: Python<'py>,
    eta: f64,
    t: &SharpnessAlong,
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    let samples = &t.samples;
    let iterations: Vec<usize> = samples.iter().map(|s| s.iteration).collect();
    d.set_item("iterations", PyArray1::from_vec(py, iterations))?;
    let values: Vec<f64> = samples.iter().map(|s| s.sharpness).collect();
    d.set_item("sharpness", to_numpy(py, &values))?;
    let top: Vec<Vec<f64>> = samples.iter().map(|s| s.top.clone()).collect();
    d.set_item("top", PyArray2::from_vec2(py, &top)?)?;
    let lambda_min: Option<Vec<f64>> = samples.iter().map(|s| s.lambda_min).collect();
    d.set_item("lambda_min", lambda_min.map(|v| to_numpy(py, &v)))?;
    let values: Vec<f64> = samples.iter().map(|s| s.loss).collect();
    d.set_item("loss", to_numpy(py, &values))?;
    let values: Vec<f64> = samples.iter().map(|s| s.residual).collect();
    d.set_item("residual", to_numpy(py, &values))?;
    let converged: Vec<bool> = samples.iter().map(|s| s.converged).collect();
    d.set_item("converged", PyArray1::from_vec(py, converged))?;
    let hvps: Vec<usize> = samples.iter().map(|s| s.hessian_vector_products).collect();
    d.set_item("hvps", PyArray1::from_vec(py, hvps))?;
    d.set_item("losses", to_numpy(py, &t.losses))?;
    d.set_item("steps_along_top", to_numpy(py, &t.steps_along_top))?;
    d.set_item("steps", t.steps)?;
    d.set_item("end", t.end.name())?;
    d.set_item("eta", eta)?;
    Ok(d)
}

/// The empirical stability boundary of the minimum near a point, against 2/λmax.
#[pyfunction]
pub fn _boundary<'py>(
    py: Python<'py>,
    objective: &Objective,
    near: &Bound<'py, PyAny>,
    relative_tolerance: f64,
    perturbation: f64,
    max_iterations: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let near = objective.point(py, "near", near)?;
    let options = BoundaryOptions {
        relative_tolerance,
        perturbation,
        max_iterations,
    };
    let b = objective.watched(py, None, |inner, watch| {
        with_objective!(inner, stop = &watch.stop, |o| stability_boundary(
            o, &near, &options
        )
        .map_err(value_error))
    })?;
    let d = PyDict::new(py);
    d.set_item("minimum", to_numpy(py, &b.minimum))?;
    d.set_item("loss", b.loss)?;
    d.set_item("sharpness", b.sharpness)?;
    d.set_item("theory", b.theory)?;
    d.set_item("empirical", b.empirical)?;
    d.set_item("bracket", b.bracket)?;
    d.set_item("trials", b.trials)?;
    Ok(d)
}

/// The central flow beside GD (`gd_core::analyses::central_flow`), with its agreement after
/// the onset.
#[pyfunction]
#[pyo3(signature = (objective, theta0, eta, steps, every = None, warm_start = None, window = None, threshold = None, restoring_rate = None, tolerance = None, progress = None))]
#[allow(clippy::too_many_arguments)]
pub fn _central_flow<'py>(
    py: Python<'py>,
    objective: &Objective,
    theta0: &Bound<'py, PyAny>,
    eta: f64,
    steps: usize,
    every: Option<usize>,
    warm_start: Option<usize>,
    window: Option<usize>,
    threshold: Option<f64>,
    restoring_rate: Option<f64>,
    tolerance: Option<f64>,
    progress: Option<Py<PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let theta0 = objective.point(py, "theta0", theta0)?;
    let defaults = CentralFlowOptions::default();
    let options = CentralFlowOptions {
        every: every.unwrap_or(defaults.every),
        warm_start: warm_start.unwrap_or(defaults.warm_start),
        window: window.unwrap_or(defaults.window),
        threshold: threshold.unwrap_or(defaults.threshold),
        restoring_rate: restoring_rate.unwrap_or(defaults.restoring_rate),
        tolerance: tolerance.unwrap_or(defaults.tolerance),
        ..defaults
    };
    let flow = objective.watched(py, progress, |inner, watch| {
        with_objective!(inner, stop = &watch.stop, |o| watch
            .with_monitor(|hooks| central_flow(o, &theta0, eta, steps, &options, hooks))
            .map_err(value_error))
    })?;
    let d = PyDict::new(py);
    let column =
        |f: fn(&CentralFlowSample) -> f64| -> Vec<f64> { flow.samples.iter().map(f).collect() };
    let iterations: Vec<usize> = flow.samples.iter().map(|s| s.iteration).collect();
    d.set_item("iterations", PyArray1::from_vec(py, iterations))?;
    d.set_item(
        "loss_predicted",
        to_numpy(py, &column(|s| s.predicted_loss)),
    )?;
    d.set_item("flow_loss", to_numpy(py, &column(|s| s.flow_loss)))?;
    d.set_item("sharpness", to_numpy(py, &column(|s| s.flow_sharpness)))?;
    d.set_item("gd_loss", to_numpy(py, &column(|s| s.gd_loss)))?;
    d.set_item(
        "gd_loss_average",
        to_numpy(py, &column(|s| s.gd_loss_average)),
    )?;
    d.set_item("gd_sharpness", to_numpy(py, &column(|s| s.gd_sharpness)))?;
    d.set_item("distance", to_numpy(py, &column(|s| s.distance)))?;
    d.set_item(
        "midpoint_distance",
        to_numpy(py, &column(|s| s.midpoint_distance)),
    )?;
    d.set_item("travelled", to_numpy(py, &column(|s| s.travelled)))?;
    d.set_item("sigma_trace", to_numpy(py, &column(|s| s.sigma_trace)))?;
    let edge: Vec<usize> = flow.samples.iter().map(|s| s.edge).collect();
    d.set_item("edge", PyArray1::from_vec(py, edge))?;
    d.set_item("gd_losses", to_numpy(py, &flow.gd_losses))?;
    d.set_item("eta", flow.eta)?;
    d.set_item("threshold", flow.threshold)?;
    d.set_item("warm_start", flow.warm_start)?;
    d.set_item("window", flow.window)?;
    d.set_item("steps", flow.steps)?;
    d.set_item("end", flow.end.name())?;
    d.set_item("field_evaluations", flow.field_evaluations)?;
    d.set_item("hessian_vector_products", flow.hessian_vector_products)?;
    d.set_item("exact_third_derivatives", flow.exact_third_derivatives)?;
    d.set_item("final_theta", to_numpy(py, &flow.final_theta))?;
    let agreement = match flow.agreement_after_onset() {
        Some(a) => {
            let ad = PyDict::new(py);
            ad.set_item("flow_onset", a.flow_onset)?;
            ad.set_item("samples", a.samples)?;
            ad.set_item("sharpness_error", a.sharpness_error)?;
            ad.set_item("loss_error", a.loss_error)?;
            ad.set_item("relative_distance", a.relative_distance)?;
            ad.set_item("relative_midpoint_distance", a.relative_midpoint_distance)?;
            let claims = pyo3::types::PyList::empty(py);
            for c in a.claims() {
                let cd = PyDict::new(py);
                cd.set_item("name", c.name)?;
                cd.set_item("mean", c.mean)?;
                cd.set_item("max", c.max)?;
                cd.set_item("tolerance", c.tolerance)?;
                cd.set_item("holds", c.holds)?;
                claims.append(cd)?;
            }
            ad.set_item("claims", claims)?;
            ad.into_any()
        }
        None => py.None().into_bound(py),
    };
    d.set_item("agreement", agreement)?;
    Ok(d)
}
