//! Reference values from the Rust API, for the Python tests' bit-for-bit comparison: the
//! papers' models built from small exact data (multiples of 1/4), their loss, gradient and
//! HVP at exact points, and where GD ends from there. `crates/stepsize-py/tests` builds the
//! same objectives from NumPy arrays through the Python module and demands equal bits.

use gd_core::analyses::attractor_of;
use gd_core::{Attractor, Objective};
use gd_models::{Activation, DeepLinear, LossScale, Mlp, MlpLoss, TwoLayerRelu, example2};
use serde_json::{Value, json};
use std::path::Path;

/// `x[i][j] = ((7i + 3j + salt) mod 11 − 5) / 4`: exact in binary, the same in Python.
fn exact(rows: usize, columns: usize, salt: usize) -> Vec<Vec<f64>> {
    (0..rows)
        .map(|i| {
            (0..columns)
                .map(|j| ((7 * i + 3 * j + salt) % 11) as f64 / 4.0 - 1.25)
                .collect()
        })
        .collect()
}

fn column_major(m: &[Vec<f64>]) -> Vec<f64> {
    let (rows, columns) = (m.len(), m[0].len());
    (0..columns)
        .flat_map(|j| (0..rows).map(move |i| m[i][j]))
        .collect()
}

fn faer_matrix(m: &[Vec<f64>]) -> faer::Mat<f64> {
    faer::Mat::from_fn(m.len(), m[0].len(), |i, j| m[i][j])
}

/// Loss, gradient, HVP at θ, and the end of GD at η from θ.
fn evaluate<O: Objective>(o: &O, theta: &[f64], v: &[f64], eta: f64) -> Result<Value, String> {
    let mut ws = o.workspace();
    let mut gradient = vec![0.0; o.dim()];
    let loss = o.loss_and_gradient(theta, &mut gradient, &mut ws);
    let mut hvp = vec![0.0; o.dim()];
    o.hessian_vector_product(theta, v, &mut hvp, &mut ws);
    let run = attractor_of(o, theta, eta).map_err(|e| e.to_string())?;
    let point = match &run.attractor {
        Attractor::FixedPoint { point, .. } => Some(point.clone()),
        _ => None,
    };
    Ok(json!({
        "theta": theta, "v": v, "eta": eta,
        "loss": loss, "gradient": gradient, "hvp": hvp,
        "kind": run.attractor.kind(), "steps": run.iterations, "point": point,
    }))
}

fn theta(d: usize, salt: usize) -> Vec<f64> {
    exact(1, d, salt)
        .remove(0)
        .into_iter()
        .map(|x| x / 2.0)
        .collect()
}

/// Writes the reference values to `path` as JSON.
pub fn write(path: &Path) -> Result<(), String> {
    let mut cases = serde_json::Map::new();

    let (x, y) = (exact(3, 6, 0), exact(2, 6, 5));
    let widths = [3, 4, 2];
    let model = DeepLinear::from_samples(&widths, faer_matrix(&x), faer_matrix(&y))
        .map_err(|e| e.to_string())?;
    let mut case = evaluate(&model, &theta(model.dim(), 1), &theta(model.dim(), 2), 0.05)?;
    case["x"] = json!(x);
    case["y"] = json!(y);
    case["widths"] = json!(widths);
    cases.insert("deep_linear".into(), case);

    let (x, y, bias) = (exact(2, 5, 1), exact(1, 5, 4), vec![0.25, -0.5, 0.75]);
    let scale = LossScale {
        half: true,
        mean: false,
    };
    let model = TwoLayerRelu::new(
        2,
        1,
        column_major(&x),
        column_major(&y),
        bias.clone(),
        scale,
    )
    .map_err(|e| e.to_string())?;
    let mut case = evaluate(&model, &theta(model.dim(), 3), &theta(model.dim(), 4), 0.02)?;
    case["x"] = json!(x);
    case["y"] = json!(y);
    case["bias"] = json!(bias);
    cases.insert("two_layer_relu".into(), case);

    let (x, y, sizes) = (exact(2, 7, 2), exact(1, 7, 6), [2, 3, 1]);
    let model = Mlp::new(
        &sizes,
        Activation::Tanh,
        MlpLoss::Squared,
        column_major(&x),
        column_major(&y),
    )
    .map_err(|e| e.to_string())?;
    let mut case = evaluate(&model, &theta(model.dim(), 5), &theta(model.dim(), 6), 0.1)?;
    case["x"] = json!(x);
    case["y"] = json!(y);
    case["sizes"] = json!(sizes);
    cases.insert("mlp".into(), case);

    let model = example2();
    cases.insert(
        "nar_sastry_example_2".into(),
        evaluate(&model, &[0.5], &[1.0], 0.1)?,
    );

    let text = serde_json::to_string_pretty(&Value::Object(cases)).map_err(|e| e.to_string())?;
    std::fs::write(path, text).map_err(|e| format!("I/O error on {}: {e}", path.display()))
}
