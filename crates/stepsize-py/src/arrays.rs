//! Arguments from Python into checked Rust values (a float64 vector or matrix of the shape
//! asked for, or a `ValueError`/`TypeError` naming the argument), results back into NumPy
//! arrays, and the libraries' typed errors as Python exceptions.

use numpy::{PyArray1, PyArray2, PyArrayMethods, PyUntypedArrayMethods};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyAnyMethods;

/// `numpy.asarray(value)` as float64, refusing what is not real numbers (strings, objects,
/// complex) with a `TypeError` naming `name`.
fn float_array<'py>(
    py: Python<'py>,
    name: &str,
    value: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    if let Ok(array) = value.cast::<PyArray1<f64>>()
        && array.is_c_contiguous()
    {
        return Ok(array.clone().into_any());
    }
    let numpy = py.import("numpy")?;
    let array = numpy
        .call_method1("asarray", (value,))
        .map_err(|e| PyTypeError::new_err(format!("{name}: not an array of numbers ({e})")))?;
    let kind: String = array.getattr("dtype")?.getattr("kind")?.extract()?;
    if !matches!(kind.as_str(), "b" | "i" | "u" | "f") {
        let dtype = array.getattr("dtype")?.str()?.to_string();
        return Err(PyTypeError::new_err(format!(
            "{name} has dtype {dtype}; expected real numbers (float64, or integers to convert)"
        )));
    }
    numpy.call_method1("ascontiguousarray", (array, numpy.getattr("float64")?))
}

/// A vector of `dim` numbers (any length when `dim` is `None`).
pub fn vector(
    py: Python<'_>,
    name: &str,
    value: &Bound<'_, PyAny>,
    dim: Option<usize>,
) -> PyResult<Vec<f64>> {
    let array = float_array(py, name, value)?;
    let shape: Vec<usize> = array.getattr("shape")?.extract()?;
    let length = match (shape.as_slice(), dim) {
        ([n], Some(d)) if *n == d => *n,
        ([n], None) => *n,
        ([], Some(1)) => 1,
        _ => {
            let expected = dim.map_or("(n,)".to_string(), |d| format!("({d},)"));
            return Err(PyValueError::new_err(format!(
                "{name} has shape {shape:?}; expected {expected}"
            )));
        }
    };
    let array = array.call_method1("reshape", (length,))?;
    let array = array.cast::<PyArray1<f64>>()?;
    Ok(array.readonly().as_slice()?.to_vec())
}

/// A matrix, row-major, with `columns` columns when given: (rows, columns, values).
pub fn matrix(
    py: Python<'_>,
    name: &str,
    value: &Bound<'_, PyAny>,
    columns: Option<usize>,
) -> PyResult<(usize, usize, Vec<f64>)> {
    let array = float_array(py, name, value)?;
    let shape: Vec<usize> = array.getattr("shape")?.extract()?;
    match (shape.as_slice(), columns) {
        ([r, c], Some(d)) if *c == d => Ok((*r, *c, flat(&array)?)),
        ([r, c], None) => Ok((*r, *c, flat(&array)?)),
        _ => {
            let expected = columns.map_or("(rows, columns)".to_string(), |d| format!("(n, {d})"));
            Err(PyValueError::new_err(format!(
                "{name} has shape {shape:?}; expected {expected}"
            )))
        }
    }
}

/// The rows of an n × `dim` matrix, each a point.
pub fn rows_as_points(
    py: Python<'_>,
    name: &str,
    value: &Bound<'_, PyAny>,
    dim: usize,
) -> PyResult<Vec<Vec<f64>>> {
    let (_, _, values) = matrix(py, name, value, Some(dim))?;
    Ok(values.chunks_exact(dim).map(<[f64]>::to_vec).collect())
}

fn flat(array: &Bound<'_, PyAny>) -> PyResult<Vec<f64>> {
    let flat = array.call_method0("ravel")?;
    Ok(flat
        .cast::<PyArray1<f64>>()?
        .readonly()
        .as_slice()?
        .to_vec())
}

/// A NumPy vector.
pub fn to_numpy<'py>(py: Python<'py>, values: &[f64]) -> Bound<'py, PyArray1<f64>> {
    PyArray1::from_slice(py, values)
}

/// A NumPy matrix of `rows` rows from row-major values.
pub fn to_numpy_matrix<'py>(
    py: Python<'py>,
    values: Vec<f64>,
    rows: usize,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let columns = values.len().checked_div(rows).unwrap_or(0);
    PyArray1::from_vec(py, values).reshape([rows, columns])
}

/// A library error as a `ValueError` carrying its message (which names the field, the value
/// and what is allowed).
pub fn value_error(error: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(error.to_string())
}

/// A `CliError` from the formula parser, with the command's flag name replaced by `formula`.
pub fn formula_error(error: stepsize_cli::error::CliError) -> PyErr {
    PyValueError::new_err(error.to_string().replacen("--loss", "formula", 1))
}
