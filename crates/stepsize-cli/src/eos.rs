//! `stepsize eos`: the edge of stability of a network on a real data set, as an invocation
//! checked once from the flags' values (the data, the widths, the activation and loss, η, the
//! steps and the sampling) and its outputs: `eos.json` (the summary and every sample),
//! `eos.csv` (one row per sample), `losses.csv` (the loss at every step) and
//! `edge-of-stability.svg` (λmax with 2/η dashed in its colour, the loss beside it), each
//! replaced whole.

use crate::error::CliError;
use crate::svg;
use crate::values;
use gd_core::analyses::{EdgeOfStability, Monitor, SharpnessAlongOptions, edge_of_stability};

use gd_models::{Activation, LabelledData, Mlp, MlpLoss};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Where the samples come from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Data {
    /// The digits set shipped with gd-models.
    Digits,
    /// A pair of IDX files (images, labels).
    Idx {
        /// The images file.
        images: PathBuf,
        /// The labels file.
        labels: PathBuf,
    },
}

/// The flags of `stepsize eos`, as text.
#[derive(Clone, Debug, Default)]
pub struct EosFlags {
    /// `digits` or `idx`.
    pub data: String,
    /// `--images`, `--labels` for `idx`.
    pub images: Option<PathBuf>,
    /// The labels file.
    pub labels: Option<PathBuf>,
    /// Classes of the labels.
    pub classes: String,
    /// Samples used (the first N), or all.
    pub count: Option<String>,
    /// The inputs' scale factor, or the data set's default.
    pub scale: Option<String>,
    /// Hidden widths `A[,B…]`.
    pub hidden: String,
    /// Activation name.
    pub activation: String,
    /// Loss name.
    pub loss: String,
    /// Step size, or an axis `LO:HI:N` of step sizes (a sweep).
    pub eta: String,
    /// Initializations per step size (seeds `seed`, `seed + 1`, …; more than one: a sweep).
    pub seeds: String,
    /// GD steps.
    pub steps: String,
    /// Steps between samples.
    pub every: String,
    /// Initialization seed.
    pub seed: String,
    /// A file of d little-endian f64 to start from instead.
    pub theta0: Option<PathBuf>,
}

/// A checked `stepsize eos` invocation (one η; a sweep over η × seeds is
/// [`crate::sweeps::Sweep::Eos`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Eos {
    /// The data set.
    pub data: Data,
    /// Classes of its labels.
    pub classes: usize,
    /// Samples used.
    pub count: Option<usize>,
    /// The inputs' scale factor.
    pub scale: f64,
    /// Hidden widths.
    pub hidden: Vec<usize>,
    /// Activation.
    pub activation: Activation,
    /// Loss.
    pub loss: MlpLoss,
    /// Step size.
    pub eta: f64,
    /// GD steps.
    pub steps: usize,
    /// Steps between λmax samples.
    pub every: usize,
    /// Initialization seed (when no θ₀ file is given).
    pub seed: u64,
    /// θ₀ file.
    pub theta0: Option<PathBuf>,
}

fn named<T: Copy>(flag: &str, text: &str, names: &[(&'static str, T)]) -> Result<T, CliError> {
    names
        .iter()
        .find(|(n, _)| *n == text)
        .map(|(_, v)| *v)
        .ok_or_else(|| {
            let list: Vec<&str> = names.iter().map(|(n, _)| *n).collect();
            CliError::flag(flag, text, format!("one of {}", list.join(", ")))
        })
}

/// The edge-of-stability summary of one (η, seed) task of a sweep.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EosTask {
    /// The step size.
    pub eta: f64,
    /// The initialization seed.
    pub seed: u64,
    /// λmax(θ₀) ≥ 2/η.
    pub starts_above: bool,
    /// The onset (first sample reaching 2/η from below).
    pub onset: Option<usize>,
    /// Mean and spread of λmax/(2/η) after the onset.
    pub ratio_after_onset: Option<gd_core::analyses::Spread>,
    /// Fraction of steps whose loss rose.
    pub loss_rise_fraction: f64,
    /// Fraction of consecutive steps alternating along u after the onset.
    pub alternation_after_onset: Option<f64>,
    /// The loss at the last step evaluated.
    pub final_loss: f64,
    /// λmax at the last sample.
    pub final_sharpness: f64,
    /// How the run ended.
    pub end: String,
    /// Hessian-vector products spent.
    pub hessian_vector_products: usize,
}

impl EosTask {
    /// The task's summary from its analysis.
    pub fn of(eta: f64, seed: u64, e: &EdgeOfStability) -> Self {
        Self {
            eta,
            seed,
            starts_above: e.starts_above,
            onset: e.onset,
            ratio_after_onset: e.ratio_after_onset,
            loss_rise_fraction: e.loss_rise_fraction,
            alternation_after_onset: e.alternation_after_onset,
            final_loss: e.run.losses.last().copied().unwrap_or(f64::NAN),
            final_sharpness: e.run.samples.last().map_or(f64::NAN, |s| s.sharpness),
            end: e.run.end.name().to_string(),
            hessian_vector_products: e.run.hessian_vector_products,
        }
    }
}

/// The step sizes and seeds of an `eos` invocation: one η, or an axis of them with `seeds`
/// initializations each.
pub fn eta_axis(text: &str) -> Result<(f64, f64, usize), CliError> {
    if text.contains(':') {
        let axis = values::axis("--eta", text, 1 << 12)?;
        if axis.bounds().0 <= 0.0 {
            return Err(CliError::flag("--eta", text, "step sizes > 0 (LO > 0)"));
        }
        let (lo, hi) = axis.bounds();
        Ok((lo, hi, axis.len()))
    } else {
        let eta = values::eta("--eta", text)?;
        Ok((eta, eta, 1))
    }
}

impl Eos {
    /// Checks every flag, naming the bad one; `eta` is the first of `--eta`'s step sizes.
    pub fn from_flags(f: &EosFlags) -> Result<Self, CliError> {
        let data = match f.data.as_str() {
            "digits" => Data::Digits,
            "idx" => match (&f.images, &f.labels) {
                (Some(images), Some(labels)) => Data::Idx {
                    images: images.clone(),
                    labels: labels.clone(),
                },
                _ => {
                    return Err(CliError::flag(
                        "--data",
                        "idx",
                        "idx with both --images and --labels",
                    ));
                }
            },
            other => return Err(CliError::flag("--data", other, "digits or idx")),
        };
        let default_scale = match data {
            Data::Digits => 1.0 / 16.0,
            Data::Idx { .. } => 1.0 / 255.0,
        };
        let scale = match &f.scale {
            Some(text) => values::eta("--scale", text)?,
            None => default_scale,
        };
        let hidden = if f.hidden.trim().is_empty() {
            Vec::new()
        } else {
            f.hidden
                .split(',')
                .map(|w| values::count("--hidden", w, 1, 1 << 16))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| {
                    CliError::flag(
                        "--hidden",
                        &f.hidden,
                        "widths A[,B…], each an integer in 1..=65536",
                    )
                })?
        };
        if hidden.len() > 64 {
            return Err(CliError::flag(
                "--hidden",
                &f.hidden,
                "at most 64 hidden layers",
            ));
        }
        Ok(Self {
            data,
            classes: values::count("--classes", &f.classes, 2, 1 << 16)?,
            count: f
                .count
                .as_ref()
                .map(|c| values::count("--count", c, 1, usize::MAX))
                .transpose()?,
            scale,
            hidden,
            activation: named("--activation", &f.activation, &Activation::NAMES)?,
            loss: named("--loss", &f.loss, &MlpLoss::NAMES)?,
            eta: eta_axis(&f.eta)?.0,
            steps: values::count("--steps", &f.steps, 1, gd_core::MAX_ITERATIONS)?,
            every: values::count("--every", &f.every, 1, gd_core::MAX_ITERATIONS)?,
            seed: values::count("--seed", &f.seed, 0, usize::MAX)? as u64,
            theta0: f.theta0.clone(),
        })
    }

    /// The network on its data, and θ₀.
    pub fn network(&self) -> Result<(Mlp, Vec<f64>), CliError> {
        let model = |e: gd_models::ModelError| CliError::Model(e.to_string());
        let data = match &self.data {
            Data::Digits => LabelledData::digits(),
            Data::Idx { images, labels } => LabelledData::from_idx(images, labels, self.classes),
        }
        .map_err(model)?;
        let data = match self.count {
            Some(n) => data.first(n).map_err(|_| {
                CliError::flag(
                    "--count",
                    n,
                    format!("1..={} (the samples in the data)", data.len()),
                )
            })?,
            None => data,
        }
        .scaled(self.scale)
        .map_err(model)?;
        let mut sizes = vec![data.features];
        sizes.extend(&self.hidden);
        sizes.push(data.classes);
        let y = data.one_hot().map_err(model)?;
        let mlp = Mlp::new(&sizes, self.activation, self.loss, data.x, y).map_err(model)?;
        let theta0 = match &self.theta0 {
            Some(path) => read_theta(path, gd_core::Objective::dim(&mlp))?,
            None => mlp.initialize(1.0, self.seed),
        };
        Ok((mlp, theta0))
    }

    /// The same invocation at another step size and seed.
    pub fn at(&self, eta: f64, seed: u64) -> Self {
        Self {
            eta,
            seed,
            ..self.clone()
        }
    }

    /// Runs the analysis, reporting progress.
    pub fn run(&self, monitor: Monitor<'_>) -> Result<EdgeOfStability, CliError> {
        let (network, theta0) = self.network()?;
        let mlp = gd_core::Interruptible::new(&network, crate::termination::flag());
        let options = SharpnessAlongOptions {
            every: self.every,
            ..SharpnessAlongOptions::default()
        };
        Ok(edge_of_stability(
            &mlp, &theta0, self.eta, self.steps, &options, monitor,
        )?)
    }

    /// Writes the outputs into `out` (created if needed), each file replaced whole; returns
    /// their paths.
    pub fn write(&self, e: &EdgeOfStability, out: &Path) -> Result<Vec<PathBuf>, CliError> {
        std::fs::create_dir_all(out).map_err(CliError::io(out))?;
        let mut samples = String::from(
            "iteration,loss,sharpness,ratio_to_two_over_eta,residual,converged,hessian_vector_products\n",
        );
        for s in &e.run.samples {
            samples.push_str(&format!(
                "{},{:e},{:e},{:e},{:e},{},{}\n",
                s.iteration,
                s.loss,
                s.sharpness,
                s.sharpness / e.threshold,
                s.residual,
                s.converged,
                s.hessian_vector_products
            ));
        }
        let mut losses = String::from("step,loss,step_along_top\n");
        for (k, l) in e.run.losses.iter().enumerate() {
            let along = e
                .run
                .steps_along_top
                .get(k)
                .map_or(String::new(), |v| format!("{v:e}"));
            losses.push_str(&format!("{k},{l:e},{along}\n"));
        }
        let summary = serde_json::json!({
            "invocation": self,
            "eta": e.eta,
            "threshold": e.threshold,
            "starts_above": e.starts_above,
            "onset": e.onset,
            "sharpening": e.sharpening,
            "ratio_after_onset": e.ratio_after_onset,
            "loss_rise_fraction": e.loss_rise_fraction,
            "loss_rise_fraction_after_onset": e.loss_rise_fraction_after_onset,
            "alternation_after_onset": e.alternation_after_onset,
            "end": e.run.end.name(),
            "steps": e.run.steps,
            "hessian_vector_products": e.run.hessian_vector_products,
            "samples": e.run.samples,
        });
        let json =
            serde_json::to_string_pretty(&summary).map_err(|e| CliError::Model(e.to_string()))?;
        let (json, svg) = (json + "\n", figure(e));
        crate::output_files::write(
            out,
            &[
                ("eos.json", json.as_bytes()),
                ("eos.csv", samples.as_bytes()),
                ("losses.csv", losses.as_bytes()),
                ("edge-of-stability.svg", svg.as_bytes()),
            ],
        )
    }
}

/// The edge-of-stability figure of a run: λmax at its samples with 2/η dashed in the same
/// colour, and the loss at every step.
pub fn figure(e: &EdgeOfStability) -> String {
    let sharpness: Vec<(f64, f64)> = e
        .run
        .samples
        .iter()
        .map(|s| (s.iteration as f64, s.sharpness))
        .collect();
    let losses: Vec<(f64, f64)> = e
        .run
        .losses
        .iter()
        .enumerate()
        .map(|(k, l)| (k as f64, *l))
        .collect();
    svg::edge_of_stability(&sharpness, e.threshold, &losses)
}

/// θ₀ from a file of `d` little-endian f64.
fn read_theta(path: &Path, d: usize) -> Result<Vec<f64>, CliError> {
    let bytes = std::fs::read(path).map_err(CliError::io(path))?;
    if bytes.len() != 8 * d {
        return Err(CliError::flag(
            "--theta0",
            path.display(),
            format!(
                "a file of {d} little-endian f64 ({} bytes), not {} bytes",
                8 * d,
                bytes.len()
            ),
        ));
    }
    let theta: Vec<f64> = bytes
        .chunks_exact(8)
        .map(|b| f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
        .collect();
    if theta.iter().any(|t| !t.is_finite()) {
        return Err(CliError::flag(
            "--theta0",
            path.display(),
            "finite values only",
        ));
    }
    Ok(theta)
}
