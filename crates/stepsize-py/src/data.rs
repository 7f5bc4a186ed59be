//! Real data sets as NumPy arrays shaped for `stepsize.mlp`: inputs (n₀, N) and one-hot
//! targets (classes, N), from gd-models' readers (the digits set shipped with the library, IDX
//! files).

use crate::arrays::{to_numpy_matrix, value_error};
use gd_models::LabelledData;
use pyo3::prelude::*;
use std::path::PathBuf;

/// (x, y) of `data`'s first `count` samples (all when `None`), inputs times `scale`: x (n₀, N)
/// and one-hot y (classes, N), as `mlp` takes them.
fn arrays(
    py: Python<'_>,
    data: LabelledData,
    scale: f64,
    count: Option<usize>,
) -> PyResult<(Bound<'_, PyAny>, Bound<'_, PyAny>)> {
    let data = match count {
        Some(c) => data.first(c),
        None => Ok(data),
    }
    .and_then(|d| d.scaled(scale))
    .map_err(value_error)?;
    let n = data.len();
    let y = data.one_hot().map_err(value_error)?;
    // Column-major n₀ × N is row-major N × n₀: transposed views.
    let x = to_numpy_matrix(py, data.x, n)?.getattr("T")?;
    let y = to_numpy_matrix(py, y, n)?.getattr("T")?;
    Ok((x, y))
}

/// The digits set (scikit-learn's `load_digits`: 1797 images of 8 × 8 pixels with values
/// 0..16, 10 classes; UCI, CC BY 4.0), shipped with the library: (x, y), x (64, N) pixels
/// times `scale` (1/16 by default, SPEC W6's inputs), y one-hot (10, N); the first `count`
/// samples only when given.
#[pyfunction]
#[pyo3(signature = (scale = 1.0 / 16.0, count = None))]
pub fn digits(
    py: Python<'_>,
    scale: f64,
    count: Option<usize>,
) -> PyResult<(Bound<'_, PyAny>, Bound<'_, PyAny>)> {
    arrays(
        py,
        LabelledData::digits().map_err(value_error)?,
        scale,
        count,
    )
}

/// Images and labels from a pair of IDX files (the MNIST / Fashion-MNIST format, raw or
/// gzip-compressed): (x, y), x (rows·cols, N) pixels times `scale` (1/255 by default), y
/// one-hot (classes, N); the first `count` samples only when given.
#[pyfunction]
#[pyo3(signature = (images, labels, classes = 10, scale = 1.0 / 255.0, count = None))]
pub fn load_idx(
    py: Python<'_>,
    images: PathBuf,
    labels: PathBuf,
    classes: usize,
    scale: f64,
    count: Option<usize>,
) -> PyResult<(Bound<'_, PyAny>, Bound<'_, PyAny>)> {
    let data = py
        .detach(|| LabelledData::from_idx(&images, &labels, classes))
        .map_err(value_error)?;
    arrays(py, data, scale, count)
}
