//! The analyses as Python functions: each checks its arguments into Rust values, runs without
//! the interpreter lock and returns a dict of NumPy arrays and numbers, which the package's
//! Python layer turns into result objects (`stepsize/_results.py`).

use crate::arrays::{to_numpy, to_numpy_matrix, value_error, vector};
use crate::objective::{Objective, with_objective};
use gd_core::analyses::{
    Axis, BasinAttractor, BasinOptions, BoundaryOptions, OrbitDiagramOptions, Plane,
    SharpnessAlong, SharpnessAlongOptions, basins, orbit_diagram, sharpness_along, stability,
    stability_boundary, summarize,
};
use gd_core::{
    Attractor, DEFAULT_MARGINAL_TOLERANCE, ExtremeEigenvalues, Linearization, Objective as _,
    RunConfig, Schedule, Stability, SweepOptions, Trajectory, extreme_eigenvalues,
    floquet_multipliers, linearize, run_gd, sweep, task_rng,
};
use numpy::{PyArray1, PyArray2};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use rand::RngExt;

/// The largest dimension for which `run` computes Floquet multipliers (a dense Hessian per
/// orbit point and a general eigenproblem).
const FLOQUET_MAX_DIM: usize = 64;

/// The most threads a call may ask for.
const MAX_THREADS: usize = 1024;

/// Runs `f` on a pool of `threads` threads (the global pool when `None`); results do not
/// depend on it.
fn in_pool<T: Send>(threads: Option<usize>, f: impl FnOnce() -> PyResult<T> + Send) -> PyResult<T> {
    match threads {
        None => f(),
        Some(n) if (1..=MAX_THREADS).contains(&n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .map_err(value_error)?
            .install(f),
        Some(n) => Err(PyValueError::new_err(format!(
            "threads = {n} is not allowed: 1 to {MAX_THREADS}"
        ))),
    }
}

fn stability_name(s: Stability) -> &'static str {
    match s {
        Stability::Stable => "stable",
        Stability::Unstable => "unstable",
        Stability::Marginal => "marginal",
    }
}

fn linearization_dict<'py>(py: Python<'py>, l: &Linearization) -> PyResult<Bound<'py, PyDict>> {
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

/// The end of a run, with its Floquet multipliers (d ≤ 64) or spectral radius, or its
/// Lyapunov exponent.
struct RunEnd {
    trajectory: Trajectory,
    multipliers: Option<Multipliers>,
}

/// Floquet multipliers (re, im) by decreasing modulus (empty when only the spectral radius
/// was computed), the spectral radius and the verdict.
struct Multipliers {
    values: Vec<(f64, f64)>,
    spectral_radius: f64,
    stability: Stability,
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
            let orbit = match &trajectory.attractor {
                Attractor::FixedPoint { point, .. } => Some(vec![point.clone()]),
                Attractor::Periodic { orbit, .. } => Some(orbit.clone()),
                _ => None,
            };
            let multipliers = match orbit {
                Some(orbit) if o.dim() <= FLOQUET_MAX_DIM => {
                    floquet_multipliers(o, &orbit, eta, DEFAULT_MARGINAL_TOLERANCE)
                        .ok()
                        .map(|f| Multipliers {
                            values: f.multipliers.iter().map(|z| (z.re, z.im)).collect(),
                            spectral_radius: f.spectral_radius,
                            stability: f.stability,
                        })
                }
                Some(orbit) if orbit.len() == 1 => {
                    linearize(o, &orbit[0], eta, DEFAULT_MARGINAL_TOLERANCE)
                        .ok()
                        .map(|l| Multipliers {
                            values: Vec::new(),
                            spectral_radius: l.spectral_radius,
                            stability: l.stability,
                        })
                }
                _ => None,
            };
            Ok(RunEnd {
                trajectory,
                multipliers,
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
    match &end.multipliers {
        Some(m) => {
            let re: Vec<f64> = m.values.iter().map(|z| z.0).collect();
            let im: Vec<f64> = m.values.iter().map(|z| z.1).collect();
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

/// The orbit diagram: for each η and start, the iterates after a transient; and the minima
/// with 2/λmax.
#[pyfunction]
pub fn _orbit_diagram<'py>(
    py: Python<'py>,
    objective: &Objective,
    etas: &Bound<'py, PyAny>,
    starts: &Bound<'py, PyAny>,
    transient: usize,
    points: usize,
    divergence_bound: f64,
    merge_tolerance: f64,
    threads: Option<usize>,
    progress: Option<Py<PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let etas = vector(py, "etas", etas, None)?;
    let starts = objective.points(py, "starts", starts)?;
    let options = OrbitDiagramOptions {
        transient,
        points,
        divergence_bound,
        merge_tolerance,
    };
    let diagram = objective.watched(py, progress, |inner, watch| {
        in_pool(threads, || {
            with_objective!(inner, stop = &watch.stop, |o| {
                orbit_diagram(o, &etas, &starts, &options, Some(&watch.hook())).map_err(value_error)
            })
        })
    })?;
    let (mut eta, mut start, mut x) = (Vec::new(), Vec::new(), Vec::new());
    let mut diverged = Vec::new();
    for c in &diagram.columns {
        diverged.push(f64::from(u8::from(c.diverged)));
        for p in &c.points {
            eta.push(c.eta);
            start.push(c.start as f64);
            x.extend_from_slice(p);
        }
    }
    let d = PyDict::new(py);
    let n = eta.len();
    d.set_item("eta", to_numpy(py, &eta))?;
    d.set_item("start", to_numpy(py, &start))?;
    d.set_item("points", to_numpy_matrix(py, x, n)?)?;
    d.set_item("etas", to_numpy(py, &etas))?;
    d.set_item(
        "diverged",
        to_numpy_matrix(py, diverged, etas.len())?.call_method1("astype", ("bool",))?,
    )?;
    let minima = PyList::empty(py);
    for m in &diagram.minima {
        let md = PyDict::new(py);
        md.set_item("point", to_numpy(py, &m.point))?;
        md.set_item("loss", m.loss)?;
        md.set_item("sharpness", m.sharpness)?;
        md.set_item("lambda_min", m.lambda_min)?;
        md.set_item("max_stable_step", m.max_stable_step)?;
        minima.append(md)?;
    }
    d.set_item("minima", minima)?;
    Ok(d)
}

/// An axis (lo, hi, n) from Python.
fn axis(name: &str, value: (f64, f64, usize)) -> PyResult<Axis> {
    Axis::new(value.0, value.1, value.2).map_err(|e| PyValueError::new_err(format!("{name}: {e}")))
}

/// The basin map over the plane center + s·u + t·v.
#[pyfunction]
pub fn _basins<'py>(
    py: Python<'py>,
    objective: &Objective,
    eta: f64,
    s: (f64, f64, usize),
    t: (f64, f64, usize),
    center: Option<&Bound<'py, PyAny>>,
    u: Option<&Bound<'py, PyAny>>,
    v: Option<&Bound<'py, PyAny>>,
    max_iterations: usize,
    divergence_bound: f64,
    max_period: usize,
    merge_tolerance: f64,
    threads: Option<usize>,
    progress: Option<Py<PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let dim = match center {
        Some(c) => objective.point(py, "center", c)?.len(),
        None => objective.require_dim("basins without center")?,
    };
    let (s_axis, t_axis) = (axis("s", s)?, axis("t", t)?);
    let unit = |i: usize| (0..dim).map(|k| f64::from(u8::from(k == i))).collect();
    let get = |name: &str, value: Option<&Bound<'py, PyAny>>, default: Vec<f64>| match value {
        Some(x) => vector(py, name, x, Some(dim)),
        None if dim >= 2 => Ok(default),
        None => Err(PyValueError::new_err(format!(
            "{name} is required for a {dim}-parameter objective (the plane's directions)"
        ))),
    };
    let plane = Plane {
        center: get("center", center, vec![0.0; dim])?,
        u: get("u", u, unit(0))?,
        v: get("v", v, unit(1))?,
        s: s_axis,
        t: t_axis,
    };
    let options = BasinOptions {
        max_iterations,
        divergence_bound,
        max_period,
        merge_tolerance,
    };
    let map = objective.watched(py, progress, |inner, watch| {
        in_pool(threads, || {
            with_objective!(inner, stop = &watch.stop, |o| {
                basins(o, eta, &plane, &options, Some(&watch.hook())).map_err(value_error)
            })
        })
    })?;
    let d = PyDict::new(py);
    let labels: Vec<f64> = map.labels.iter().map(|l| f64::from(*l)).collect();
    d.set_item(
        "labels",
        to_numpy_matrix(py, labels, plane.t.len())?.call_method1("astype", ("int32",))?,
    )?;
    d.set_item("s", to_numpy(py, &plane.s.values()))?;
    d.set_item("t", to_numpy(py, &plane.t.values()))?;
    d.set_item("eta", eta)?;
    let counts: Vec<f64> = map.counts.iter().map(|c| *c as f64).collect();
    d.set_item(
        "counts",
        PyArray1::from_vec(py, counts).call_method1("astype", ("int64",))?,
    )?;
    d.set_item("steps", map.steps_evaluated)?;
    let attractors = PyList::empty(py);
    for a in &map.attractors {
        let ad = PyDict::new(py);
        match a {
            BasinAttractor::FixedPoint {
                point,
                loss,
                linearization,
            } => {
                ad.set_item("kind", "fixed_point")?;
                ad.set_item("period", 1)?;
                ad.set_item("point", to_numpy(py, point))?;
                ad.set_item("loss", *loss)?;
                ad.set_item("linearization", linearization_dict(py, linearization)?)?;
            }
            BasinAttractor::Periodic { period } => {
                ad.set_item("kind", "periodic")?;
                ad.set_item("period", *period)?;
            }
            BasinAttractor::Unresolved => ad.set_item("kind", "unresolved")?,
            BasinAttractor::Diverged => ad.set_item("kind", "diverged")?,
            _ => ad.set_item("kind", "other")?,
        }
        attractors.append(ad)?;
    }
    d.set_item("attractors", attractors)?;
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

/// Where GD ends for every (η, start): starts given, or `count` drawn uniformly from the box
/// [low, high]ᵈ, start i from the stream (seed, i). Tasks run in parallel; the same results at
/// any thread count.
#[pyfunction]
pub fn _sweep<'py>(
    py: Python<'py>,
    objective: &Objective,
    etas: &Bound<'py, PyAny>,
    starts: Option<&Bound<'py, PyAny>>,
    count: Option<usize>,
    low: f64,
    high: f64,
    seed: u64,
    max_iterations: usize,
    threads: Option<usize>,
    progress: Option<Py<PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let starts = starts
        .map(|s| objective.points(py, "starts", s))
        .transpose()?;
    let dim = objective.require_dim("sweep with count")?;
    let etas = vector(py, "etas", etas, None)?;
    if etas.is_empty() {
        return Err(PyValueError::new_err(
            "etas = [] is not allowed: at least one step size",
        ));
    }
    let starts: Vec<Vec<f64>> = match (starts, count) {
        (Some(s), None) => s,
        (None, Some(n)) => {
            if !(low.is_finite() && high.is_finite() && low < high && high - low < f64::MAX) {
                return Err(PyValueError::new_err(format!(
                    "box = ({low}, {high}) is not allowed: finite low < high"
                )));
            }
            if !(1..=1 << 20).contains(&n) {
                return Err(PyValueError::new_err(format!(
                    "count = {n} is not allowed: 1 to {}",
                    1 << 20
                )));
            }
            if n.saturating_mul(dim) > 1 << 27 {
                return Err(PyValueError::new_err(format!(
                    "count = {n} is not allowed for d = {dim}: count·d at most 2^27 numbers"
                )));
            }
            (0..n)
                .map(|i| {
                    let mut rng = task_rng(seed, i);
                    (0..dim)
                        .map(|_| low + (high - low) * rng.random::<f64>())
                        .collect()
                })
                .collect()
        }
        _ => {
            return Err(PyValueError::new_err(
                "give either starts (an n × d array) or count (starts drawn from the box)",
            ));
        }
    };
    if starts.is_empty() {
        return Err(PyValueError::new_err("starts is empty: at least one start"));
    }
    let tasks = etas.len().saturating_mul(starts.len());
    if tasks > 1 << 24 {
        return Err(PyValueError::new_err(format!(
            "len(etas)·len(starts) = {tasks} is not allowed: at most 2^24 runs"
        )));
    }
    let config = RunConfig {
        max_iterations,
        ..gd_core::analyses::run_config_for_analysis()
    };
    let options = SweepOptions {
        bytes_per_result: Some(64 * (dim + 8)),
        ..SweepOptions::seeded(seed)
    };
    let ends = objective.watched(py, progress, |inner, watch| {
        in_pool(threads, || {
            with_objective!(inner, stop = &watch.stop, |o| {
                config.validate().map_err(value_error)?;
                let done = std::sync::atomic::AtomicUsize::new(0);
                let task = |i: usize| {
                    let (eta, start) = (etas[i / starts.len()], &starts[i % starts.len()]);
                    let end = Schedule::constant(eta)
                        .and_then(|s| run_gd(o, start, s, &config))
                        .map_err(|e| e.to_string());
                    let finished = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                    watch.report(finished, tasks);
                    end
                };
                if o.batch_size().is_some() {
                    // Python functions: one after another on this thread (see
                    // `Callables::batch_size`); each task is the same run either way.
                    Ok((0..tasks).map(task).collect())
                } else {
                    sweep(tasks, &options, |i, _| task(i)).map_err(value_error)
                }
            })
        })
    })?;
    let mut kind = Vec::with_capacity(tasks);
    let (mut period, mut steps, mut loss) = (Vec::new(), Vec::new(), Vec::new());
    let (mut end, mut has_end) = (Vec::with_capacity(tasks * dim), Vec::new());
    for (i, e) in ends.into_iter().enumerate() {
        let t = e.map_err(|message| {
            PyValueError::new_err(format!(
                "run {i} (eta = {}): {message}",
                etas[i / starts.len()]
            ))
        })?;
        kind.push(t.attractor.kind());
        period.push(t.attractor.period().unwrap_or(0) as f64);
        steps.push(t.iterations as f64);
        match &t.final_state {
            Some(f) if f.parameters.iter().all(|x| x.is_finite()) && f.loss.is_finite() => {
                end.extend_from_slice(&f.parameters);
                loss.push(f.loss);
                has_end.push(1.0);
            }
            _ => {
                end.extend(std::iter::repeat_n(0.0, dim));
                loss.push(0.0);
                has_end.push(0.0);
            }
        }
    }
    let d = PyDict::new(py);
    let eta_of_task: Vec<f64> = (0..tasks).map(|i| etas[i / starts.len()]).collect();
    let start_of_task: Vec<f64> = (0..tasks).map(|i| (i % starts.len()) as f64).collect();
    d.set_item("eta", to_numpy(py, &eta_of_task))?;
    d.set_item("start_index", to_numpy(py, &start_of_task))?;
    d.set_item(
        "starts",
        to_numpy_matrix(py, starts.concat(), starts.len())?,
    )?;
    d.set_item("kind", kind)?;
    d.set_item("period", to_numpy(py, &period))?;
    d.set_item("steps", to_numpy(py, &steps))?;
    d.set_item("end", to_numpy_matrix(py, end, tasks)?)?;
    d.set_item("loss", to_numpy(py, &loss))?;
    d.set_item("has_end", to_numpy(py, &has_end))?;
    Ok(d)
}
