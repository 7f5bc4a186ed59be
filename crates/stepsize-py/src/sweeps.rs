//! The sweeps as Python functions: orbit diagrams, basin maps and runs over η × starts, whole
//! or one shard at a time, and the merge of a folder of shards.
//!
//! A shard is written as gd-core's shard file (`gd_core::shard_file`, the command's format):
//! the invocation (the analysis, the objective's description and dimension, and every argument
//! that changes a result), which shard, and its part (rows of a map, columns of a diagram, runs
//! of a sweep). Each unit is computed exactly as in the unsharded call, and the merge builds the
//! result from the parts with the same gd-core call the unsharded call ends with, so a merged
//! result is the unsharded one bit for bit.

use crate::analyses::{in_pool, linearization_dict};
use crate::arrays::{to_numpy, to_numpy_matrix, value_error, vector};
use crate::objective::{Objective, with_objective};
use gd_core::analyses::{
    Axis, BasinAttractor, BasinMap, BasinOptions, BasinRow, OrbitColumn, OrbitDiagram,
    OrbitDiagramOptions, Plane, basin_map_from_rows, basin_rows, orbit_columns, orbit_minima,
};
use gd_core::shard_file::{self, ShardFile};
use gd_core::{
    Objective as _, RunConfig, Schedule, Shard, SweepOptions, Trajectory, run_gd, starts_in_box,
    sweep,
};
use numpy::{PyArray1, PyArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The most runs of one sweep.
const MAX_RUNS: usize = 1 << 24;

/// The shard a call asked for: `(i, n)`, `"i/n"`, or `"slurm"` (the array task's variables).
fn parse_shard(value: &Bound<'_, PyAny>) -> PyResult<Shard> {
    if let Ok(text) = value.extract::<String>() {
        if text == "slurm" {
            return Shard::from_slurm_env()
                .ok_or_else(|| {
                    PyValueError::new_err(
                        "shard = 'slurm' outside a Slurm array job (SLURM_ARRAY_TASK_ID is not set)",
                    )
                })?
                .map_err(value_error);
        }
        return Shard::parse(&text).map_err(value_error);
    }
    let (index, count): (usize, usize) = value.extract().map_err(|_| {
        PyValueError::new_err(format!(
            "shard = {} is not allowed: (i, n) with 0 ≤ i < n, 'i/n', or 'slurm'",
            value.repr().map(|r| r.to_string()).unwrap_or_default()
        ))
    })?;
    Shard::new(index, count).map_err(value_error)
}

/// A shard and the folder it is written to, as a call gave them.
struct ShardRequest {
    shard: Shard,
    out: PathBuf,
}

fn shard_request(
    shard: Option<&Bound<'_, PyAny>>,
    out: Option<PathBuf>,
) -> PyResult<Option<ShardRequest>> {
    match (shard, out) {
        (None, None) => Ok(None),
        (Some(s), Some(out)) => Ok(Some(ShardRequest {
            shard: parse_shard(s)?,
            out,
        })),
        (Some(_), None) => Err(PyValueError::new_err(
            "shard is given without out: the folder the shard file is written to",
        )),
        (None, Some(out)) => Err(PyValueError::new_err(format!(
            "out = {:?} is given without shard: out is where a shard is written",
            out.display().to_string()
        ))),
    }
}

/// The invocation a shard file records: the analysis, the objective and `arguments`.
fn invocation(
    analysis: &str,
    objective: &Objective,
    arguments: serde_json::Value,
) -> serde_json::Value {
    serde_json::json!({
        "analysis": analysis,
        "objective": objective.description(),
        "dim": objective.dim(),
        "arguments": arguments,
    })
}

/// Writes one shard's part; returns the file's path.
fn write_shard(
    request: &ShardRequest,
    invocation: serde_json::Value,
    part: &impl Serialize,
) -> PyResult<String> {
    let file = ShardFile::new(invocation, request.shard, part).map_err(value_error)?;
    let path = shard_file::write(&request.out, &file).map_err(value_error)?;
    Ok(path.display().to_string())
}

/// The orbit diagram: for each η and start, the iterates after a transient; and the minima
/// with 2/λmax. With a shard, only its (η, start) columns, written to `out`.
#[pyfunction]
#[pyo3(signature = (objective, etas, starts, transient, points, divergence_bound, merge_tolerance, threads, progress, shard = None, out = None))]
#[allow(clippy::too_many_arguments)]
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
    shard: Option<&Bound<'py, PyAny>>,
    out: Option<PathBuf>,
) -> PyResult<Bound<'py, PyAny>> {
    let request = shard_request(shard, out)?;
    let etas = vector(py, "etas", etas, None)?;
    let starts = objective.points(py, "starts", starts)?;
    let options = OrbitDiagramOptions {
        transient,
        points,
        divergence_bound,
        merge_tolerance,
    };
    let tasks = etas.len().saturating_mul(starts.len());
    let range = request.as_ref().map_or(0..tasks, |r| r.shard.range(tasks));
    let columns = objective.watched(py, progress, |inner, watch| {
        in_pool(threads, || {
            with_objective!(inner, stop = &watch.stop, |o| {
                orbit_columns(o, &etas, &starts, &options, range, Some(&watch.hook()))
                    .map_err(value_error)
            })
        })
    })?;
    if let Some(request) = request {
        let arguments = serde_json::json!({ "etas": etas, "starts": starts, "options": options });
        let path = write_shard(
            &request,
            invocation("orbit_diagram", objective, arguments),
            &columns,
        )?;
        return Ok(path.into_pyobject(py)?.into_any());
    }
    let diagram = finish_orbit_diagram(py, objective, &etas, &starts, &options, columns)?;
    Ok(orbit_diagram_dict(py, &etas, &diagram)?.into_any())
}

/// The diagram from all its columns: the minima added (the last step of gd-core's
/// `orbit_diagram`).
fn finish_orbit_diagram(
    py: Python<'_>,
    objective: &Objective,
    etas: &[f64],
    starts: &[Vec<f64>],
    options: &OrbitDiagramOptions,
    columns: Vec<OrbitColumn>,
) -> PyResult<OrbitDiagram> {
    let minima = objective.watched(py, None, |inner, watch| {
        with_objective!(inner, stop = &watch.stop, |o| orbit_minima(
            o, etas, starts, options
        )
        .map_err(value_error))
    })?;
    Ok(OrbitDiagram { columns, minima })
}

fn orbit_diagram_dict<'py>(
    py: Python<'py>,
    etas: &[f64],
    diagram: &OrbitDiagram,
) -> PyResult<Bound<'py, PyDict>> {
    let (mut eta, mut start, mut x) = (Vec::new(), Vec::new(), Vec::new());
    let mut diverged = Vec::new();
    for c in &diagram.columns {
        diverged.push(c.diverged);
        for p in &c.points {
            eta.push(c.eta);
            start.push(c.start as i64);
            x.extend_from_slice(p);
        }
    }
    let d = PyDict::new(py);
    let n = eta.len();
    d.set_item("eta", to_numpy(py, &eta))?;
    d.set_item("start", PyArray1::from_vec(py, start))?;
    d.set_item("points", to_numpy_matrix(py, x, n)?)?;
    d.set_item("etas", to_numpy(py, etas))?;
    d.set_item(
        "diverged",
        PyArray1::from_vec(py, diverged)
            .reshape([etas.len(), diagram.columns.len() / etas.len().max(1)])?,
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

/// The basin map over the plane center + s·u + t·v. With a shard, only its rows (values of
/// t), written to `out`.
#[pyfunction]
#[pyo3(signature = (objective, eta, s, t, center, u, v, max_iterations, divergence_bound, max_period, merge_tolerance, threads, progress, shard = None, out = None))]
#[allow(clippy::too_many_arguments)]
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
    shard: Option<&Bound<'py, PyAny>>,
    out: Option<PathBuf>,
) -> PyResult<Bound<'py, PyAny>> {
    let request = shard_request(shard, out)?;
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
    let rows = plane.t.len();
    let range = request.as_ref().map_or(0..rows, |r| r.shard.range(rows));
    let part = objective.watched(py, progress, |inner, watch| {
        in_pool(threads, || {
            with_objective!(inner, stop = &watch.stop, |o| {
                basin_rows(o, eta, &plane, &options, range, Some(&watch.hook()))
                    .map_err(value_error)
            })
        })
    })?;
    if let Some(request) = request {
        let arguments = serde_json::json!({ "eta": eta, "plane": plane, "options": options });
        let path = write_shard(&request, invocation("basins", objective, arguments), &part)?;
        return Ok(path.into_pyobject(py)?.into_any());
    }
    let map = finish_basins(py, objective, eta, &plane, &options, part)?;
    Ok(basins_dict(py, &map)?.into_any())
}

/// The map from all its rows, attractors labelled (the last step of gd-core's `basins`).
fn finish_basins(
    py: Python<'_>,
    objective: &Objective,
    eta: f64,
    plane: &Plane,
    options: &BasinOptions,
    rows: Vec<BasinRow>,
) -> PyResult<BasinMap> {
    objective.watched(py, None, |inner, watch| {
        with_objective!(inner, stop = &watch.stop, |o| basin_map_from_rows(
            o, eta, plane, options, rows
        )
        .map_err(value_error))
    })
}

fn basins_dict<'py>(py: Python<'py>, map: &BasinMap) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    let labels: Vec<i32> = map.labels.iter().map(|l| *l as i32).collect();
    d.set_item(
        "labels",
        PyArray1::from_vec(py, labels).reshape([map.plane.t.len(), map.plane.s.len()])?,
    )?;
    d.set_item("s", to_numpy(py, &map.plane.s.values()))?;
    d.set_item("t", to_numpy(py, &map.plane.t.values()))?;
    d.set_item("eta", map.eta)?;
    let counts: Vec<i64> = map.counts.iter().map(|c| *c as i64).collect();
    d.set_item("counts", PyArray1::from_vec(py, counts))?;
    d.set_item("steps", map.steps_evaluated)?;
    let attractors = PyList::empty(py);
    for a in &map.attractors {
        let ad = PyDict::new(py);
        ad.set_item("kind", a.kind())?;
        ad.set_item("period", a.period())?;
        if let BasinAttractor::FixedPoint {
            point,
            loss,
            linearization,
        } = a
        {
            ad.set_item("point", to_numpy(py, point))?;
            ad.set_item("loss", *loss)?;
            ad.set_item("linearization", linearization_dict(py, linearization)?)?;
        }
        attractors.append(ad)?;
    }
    d.set_item("attractors", attractors)?;
    Ok(d)
}

/// The (η, start) runs of a sweep and how they end.
struct RunsSetting {
    etas: Vec<f64>,
    starts: Vec<Vec<f64>>,
    config: RunConfig,
    seed: u64,
}

/// One run's end, or the error that stopped it.
type RunEnd = Result<Trajectory, String>;

/// Where GD ends for every (η, start): starts given, or `count` drawn uniformly from the box
/// [low, high]ᵈ, start i from the stream (seed, i). Tasks run in parallel; the same results at
/// any thread count. With a shard, only its runs, written to `out`.
#[pyfunction]
#[pyo3(signature = (objective, etas, starts, count, r#box, seed, max_iterations, threads, progress, shard = None, out = None))]
#[allow(clippy::too_many_arguments)]
pub fn _sweep<'py>(
    py: Python<'py>,
    objective: &Objective,
    etas: &Bound<'py, PyAny>,
    starts: Option<&Bound<'py, PyAny>>,
    count: Option<usize>,
    r#box: (f64, f64),
    seed: u64,
    max_iterations: usize,
    threads: Option<usize>,
    progress: Option<Py<PyAny>>,
    shard: Option<&Bound<'py, PyAny>>,
    out: Option<PathBuf>,
) -> PyResult<Bound<'py, PyAny>> {
    let request = shard_request(shard, out)?;
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
        (None, Some(n)) => starts_in_box(n, dim, r#box, seed).map_err(value_error)?,
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
    if tasks > MAX_RUNS {
        return Err(PyValueError::new_err(format!(
            "len(etas)·len(starts) = {tasks} is not allowed: at most 2^24 runs"
        )));
    }
    let config = RunConfig {
        max_iterations,
        ..gd_core::analyses::run_config_for_analysis()
    };
    config.validate().map_err(value_error)?;
    let setting = RunsSetting {
        etas,
        starts,
        config,
        seed,
    };
    let range = request.as_ref().map_or(0..tasks, |r| r.shard.range(tasks));
    let ends = run_range(py, objective, &setting, range, threads, progress)?;
    if let Some(request) = request {
        let arguments = serde_json::json!({
            "etas": setting.etas,
            "starts": setting.starts,
            "max_iterations": max_iterations,
            "seed": seed,
        });
        let path = write_shard(&request, invocation("sweep", objective, arguments), &ends)?;
        return Ok(path.into_pyobject(py)?.into_any());
    }
    Ok(sweep_dict(py, dim, &setting, ends)?.into_any())
}

/// The runs `range` of a sweep (η outer, start inner), in order.
fn run_range(
    py: Python<'_>,
    objective: &Objective,
    setting: &RunsSetting,
    range: std::ops::Range<usize>,
    threads: Option<usize>,
    progress: Option<Py<PyAny>>,
) -> PyResult<Vec<RunEnd>> {
    let RunsSetting {
        etas,
        starts,
        config,
        seed,
    } = setting;
    let options = SweepOptions {
        bytes_per_result: Some(64 * (objective.dim() + 8)),
        ..SweepOptions::seeded(*seed)
    };
    let (first, total) = (range.start, range.len());
    objective.watched(py, progress, |inner, watch| {
        in_pool(threads, || {
            with_objective!(inner, stop = &watch.stop, |o| {
                let done = AtomicUsize::new(0);
                let task = |k: usize| {
                    let i = first + k;
                    let (eta, start) = (etas[i / starts.len()], &starts[i % starts.len()]);
                    let end = Schedule::constant(eta)
                        .and_then(|s| run_gd(o, start, s, config))
                        .map_err(|e| e.to_string());
                    watch.report(done.fetch_add(1, Ordering::Relaxed) + 1, total);
                    end
                };
                if o.batch_size().is_some() {
                    // Python functions: one after another on this thread (see
                    // `Callables::batch_size`); each task is the same run either way.
                    Ok((0..total).map(task).collect())
                } else {
                    sweep(total, &options, |k, _| task(k)).map_err(value_error)
                }
            })
        })
    })
}

fn sweep_dict<'py>(
    py: Python<'py>,
    dim: usize,
    setting: &RunsSetting,
    ends: Vec<RunEnd>,
) -> PyResult<Bound<'py, PyDict>> {
    let (etas, starts) = (&setting.etas, &setting.starts);
    let tasks = ends.len();
    // bound: one per run end in `ends`, each holding its dim numbers, in memory.
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
        period.push(t.attractor.period().unwrap_or(0) as i64);
        steps.push(t.iterations as i64);
        match &t.final_state {
            Some(f) if f.parameters.iter().all(|x| x.is_finite()) && f.loss.is_finite() => {
                end.extend_from_slice(&f.parameters);
                loss.push(f.loss);
                has_end.push(true);
            }
            _ => {
                end.extend(std::iter::repeat_n(0.0, dim));
                loss.push(0.0);
                has_end.push(false);
            }
        }
    }
    let d = PyDict::new(py);
    let eta_of_task: Vec<f64> = (0..tasks).map(|i| etas[i / starts.len()]).collect();
    let start_of_task: Vec<i64> = (0..tasks).map(|i| (i % starts.len()) as i64).collect();
    d.set_item("eta", to_numpy(py, &eta_of_task))?;
    d.set_item("start", PyArray1::from_vec(py, start_of_task))?;
    d.set_item(
        "starts",
        to_numpy_matrix(py, starts.concat(), starts.len())?,
    )?;
    d.set_item("kind", kind)?;
    d.set_item("period", PyArray1::from_vec(py, period))?;
    d.set_item("steps", PyArray1::from_vec(py, steps))?;
    d.set_item("end", to_numpy_matrix(py, end, tasks)?)?;
    d.set_item("loss", to_numpy(py, &loss))?;
    d.set_item("has_end", PyArray1::from_vec(py, has_end))?;
    Ok(d)
}

/// A field of a shard file's arguments.
fn argument<T: DeserializeOwned>(
    arguments: &serde_json::Value,
    folder: &str,
    name: &str,
) -> PyResult<T> {
    serde_json::from_value(arguments.get(name).cloned().unwrap_or_default()).map_err(|e| {
        PyValueError::new_err(format!(
            "shards in {folder} do not merge: their invocation's {name} is not readable ({e})"
        ))
    })
}

/// The result of the sharded analysis whose shard files are in `folder`, for `objective` (the
/// one its shards were computed with): ("basins" | "orbit_diagram" | "sweep", its dict), the
/// unsharded call's result bit for bit.
#[pyfunction]
pub fn _merge<'py>(
    py: Python<'py>,
    folder: PathBuf,
    objective: &Objective,
) -> PyResult<(String, Bound<'py, PyDict>)> {
    let (invocation, files) = shard_file::read_all(&folder).map_err(value_error)?;
    let name = folder.display().to_string();
    let recorded: (String, String, usize) = (
        argument(&invocation, &name, "analysis")?,
        argument(&invocation, &name, "objective")?,
        argument(&invocation, &name, "dim")?,
    );
    let (analysis, description, dim) = recorded;
    if description != objective.description() || Some(dim) != objective.known_dim() {
        return Err(PyValueError::new_err(format!(
            "shards in {name} were computed for the objective {description} (d = {dim}); \
             merge was given {} (d = {})",
            objective.description(),
            objective
                .known_dim()
                .map_or("not known yet".into(), |d| d.to_string())
        )));
    }
    let arguments = invocation.get("arguments").cloned().unwrap_or_default();
    let d = match analysis.as_str() {
        "basins" => {
            let eta: f64 = argument(&arguments, &name, "eta")?;
            let plane: Plane = argument(&arguments, &name, "plane")?;
            let options: BasinOptions = argument(&arguments, &name, "options")?;
            let rows = shard_file::units(&folder, files, plane.t.len()).map_err(value_error)?;
            basins_dict(
                py,
                &finish_basins(py, objective, eta, &plane, &options, rows)?,
            )?
        }
        "orbit_diagram" => {
            let etas: Vec<f64> = argument(&arguments, &name, "etas")?;
            let starts: Vec<Vec<f64>> = argument(&arguments, &name, "starts")?;
            let options: OrbitDiagramOptions = argument(&arguments, &name, "options")?;
            let columns = shard_file::units(&folder, files, etas.len() * starts.len())
                .map_err(value_error)?;
            let diagram = finish_orbit_diagram(py, objective, &etas, &starts, &options, columns)?;
            orbit_diagram_dict(py, &etas, &diagram)?
        }
        "sweep" => {
            let max_iterations: usize = argument(&arguments, &name, "max_iterations")?;
            let setting = RunsSetting {
                etas: argument(&arguments, &name, "etas")?,
                starts: argument(&arguments, &name, "starts")?,
                config: RunConfig {
                    max_iterations,
                    ..gd_core::analyses::run_config_for_analysis()
                },
                seed: argument(&arguments, &name, "seed")?,
            };
            let ends = shard_file::units(&folder, files, setting.etas.len() * setting.starts.len())
                .map_err(value_error)?;
            sweep_dict(py, dim, &setting, ends)?
        }
        other => {
            return Err(PyValueError::new_err(format!(
                "shards in {name} do not merge: analysis {other:?} is not one of basins, \
                 orbit_diagram, sweep"
            )));
        }
    };
    Ok((analysis, d))
}
