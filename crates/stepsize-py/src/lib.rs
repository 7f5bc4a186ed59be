//! The native part of the Python package `stepsize` (module `stepsize._stepsize`): objectives
//! from the papers' models, formulas and Python functions, and the one-call analyses of
//! gd-core, run without the interpreter lock. The package's Python layer
//! (`python/stepsize/`) adds JAX objectives, result objects and plots.

mod analyses;
mod arrays;
mod callables;
mod data;
mod monitor;
mod objective;
mod repro;
mod sweeps;

use pyo3::prelude::*;

/// The native module.
#[pymodule]
fn _stepsize(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("MAX_THREADS", gd_core::MAX_THREADS)?;
    m.add("_DEFAULTS", defaults())?;
    m.add_class::<objective::Objective>()?;
    m.add_function(wrap_pyfunction!(objective::from_formula, m)?)?;
    m.add_function(wrap_pyfunction!(objective::_from_callables, m)?)?;
    m.add_function(wrap_pyfunction!(objective::deep_linear, m)?)?;
    m.add_function(wrap_pyfunction!(objective::two_layer_relu, m)?)?;
    m.add_function(wrap_pyfunction!(objective::mlp, m)?)?;
    m.add_function(wrap_pyfunction!(objective::nar_sastry_example, m)?)?;
    m.add_function(wrap_pyfunction!(data::digits, m)?)?;
    m.add_function(wrap_pyfunction!(data::load_idx, m)?)?;
    m.add_function(wrap_pyfunction!(analyses::_run, m)?)?;
    m.add_function(wrap_pyfunction!(analyses::_stability, m)?)?;
    m.add_function(wrap_pyfunction!(analyses::_sharpness, m)?)?;
    m.add_function(wrap_pyfunction!(analyses::_sharpness_along, m)?)?;
    m.add_function(wrap_pyfunction!(analyses::_edge_of_stability, m)?)?;
    m.add_function(wrap_pyfunction!(analyses::_central_flow, m)?)?;
    m.add_function(wrap_pyfunction!(sweeps::_orbit_diagram, m)?)?;
    m.add_function(wrap_pyfunction!(sweeps::_basins, m)?)?;
    m.add_function(wrap_pyfunction!(analyses::_boundary, m)?)?;
    m.add_function(wrap_pyfunction!(sweeps::_sweep, m)?)?;
    m.add_function(wrap_pyfunction!(sweeps::_merge, m)?)?;
    m.add_function(wrap_pyfunction!(repro::_repro, m)?)?;
    Ok(())
}

/// The defaults of the analyses' options (and of Python objectives' batch size), as JSON (gd-core's `Default`s, read by the Python
/// layer's signatures so that no default is written twice).
fn defaults() -> String {
    use gd_core::analyses::{
        BasinOptions, BoundaryOptions, OrbitDiagramOptions, SharpnessAlongOptions,
        run_config_for_analysis,
    };
    serde_json::json!({
        "run": run_config_for_analysis(),
        "basins": BasinOptions::default(),
        "orbit_diagram": OrbitDiagramOptions::default(),
        "sharpness_along": SharpnessAlongOptions::default(),
        "boundary": BoundaryOptions::default(),
        "callables": { "batch_size": objective::DEFAULT_BATCH_SIZE },
    })
    .to_string()
}
