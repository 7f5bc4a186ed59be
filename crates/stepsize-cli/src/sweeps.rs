//! The sweep subcommands (basin map, orbit diagram) as data: what was asked (the invocation a
//! shard file records), how to compute a shard of it, and how to write the outputs from all
//! its parts. The unsharded run and `merge` call the same writer, so their outputs are equal
//! byte for byte.

use crate::error::CliError;
use crate::formula::Formula;
use crate::{png, svg};
use gd_core::Shard;
use gd_core::analyses::{
    Axis, BasinAttractor, BasinMap, BasinOptions, BasinRow, OrbitColumn, OrbitDiagramOptions,
    Plane, Progress, basin_map_from_rows, basin_rows, orbit_columns, orbit_minima,
};
use gd_core::shard_file::{self, ShardFile};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The largest basin map: 2¹⁴ × 2¹⁴ starts would need 1 GiB of labels.
pub const MAX_GRID: usize = 1 << 13;

/// The step sizes, starts and options of an orbit diagram.
type DiagramSetting = (Vec<f64>, Vec<Vec<f64>>, OrbitDiagramOptions);

/// A sweep, as the command line asked for it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Sweep {
    /// `stepsize basins`.
    Basins {
        /// The loss formula in x and y.
        loss: String,
        /// The step size.
        eta: f64,
        /// Starts per axis.
        grid: usize,
        /// Range of x.
        x: (f64, f64),
        /// Range of y.
        y: (f64, f64),
        /// Step budget per start.
        max_iterations: usize,
    },
    /// `stepsize eos` over step sizes × initializations.
    Eos {
        /// The network, data and run (its `eta` and `seed` are the first task's).
        setting: crate::eos::Eos,
        /// Step sizes (LO, HI, N).
        eta: (f64, f64, usize),
        /// Initializations per step size: seeds `setting.seed`, `setting.seed + 1`, ….
        seeds: usize,
    },
    /// `stepsize orbit-diagram`.
    OrbitDiagram {
        /// The loss formula in x.
        loss: String,
        /// Step sizes (LO, HI, N).
        eta: (f64, f64, usize),
        /// Starts (LO, HI, M).
        x0: (f64, f64, usize),
        /// Steps discarded.
        transient: usize,
        /// Points kept.
        points: usize,
    },
}

impl Sweep {
    /// Units of work that shards split: rows of a map, (η, start) tasks of a diagram.
    pub fn units(&self) -> usize {
        match self {
            Self::Basins { grid, .. } => *grid,
            Self::OrbitDiagram { eta, x0, .. } => eta.2 * x0.2,
            Self::Eos { eta, seeds, .. } => eta.2 * seeds,
        }
    }

    /// Task i of an `eos` sweep: (η, seed), η outer.
    fn eos_task(&self, i: usize) -> Result<(f64, u64), CliError> {
        let Self::Eos {
            setting,
            eta,
            seeds,
        } = self
        else {
            return Err(CliError::flag("(sweep)", "another sweep", "an eos sweep"));
        };
        let etas = if eta.2 == 1 {
            vec![eta.0]
        } else {
            Axis::new(eta.0, eta.1, eta.2)?.values()
        };
        Ok((
            etas[i / seeds],
            setting.seed.wrapping_add((i % seeds) as u64),
        ))
    }

    fn formula(&self) -> Result<Formula, CliError> {
        match self {
            Self::Basins { loss, .. } => Formula::parse(loss, 2),
            Self::OrbitDiagram { loss, .. } => Formula::parse(loss, 1),
            Self::Eos { .. } => Err(not_a_formula_sweep()),
        }
    }

    fn plane(&self) -> Result<(Plane, BasinOptions, f64), CliError> {
        let Self::Basins {
            eta,
            grid,
            x,
            y,
            max_iterations,
            ..
        } = self
        else {
            return Err(CliError::flag("(sweep)", "an orbit diagram", "a basin map"));
        };
        let plane = Plane::xy(Axis::new(x.0, x.1, *grid)?, Axis::new(y.0, y.1, *grid)?);
        let options = BasinOptions {
            max_iterations: *max_iterations,
            ..BasinOptions::default()
        };
        Ok((plane, options, *eta))
    }

    fn diagram(&self) -> Result<DiagramSetting, CliError> {
        let Self::OrbitDiagram {
            eta,
            x0,
            transient,
            points,
            ..
        } = self
        else {
            return Err(CliError::flag("(sweep)", "a basin map", "an orbit diagram"));
        };
        let etas = Axis::new(eta.0, eta.1, eta.2)?.values();
        let starts = Axis::new(x0.0, x0.1, x0.2)?
            .values()
            .into_iter()
            .map(|x| vec![x])
            .collect();
        let options = OrbitDiagramOptions {
            transient: *transient,
            points: *points,
            ..OrbitDiagramOptions::default()
        };
        Ok((etas, starts, options))
    }

    /// Checks everything that can be checked before running: the formula, the axes.
    pub fn check(&self) -> Result<(), CliError> {
        match self {
            Self::Basins { .. } => self.formula().and_then(|_| self.plane()).map(drop),
            Self::OrbitDiagram { .. } => self.formula().and_then(|_| self.diagram()).map(drop),
            Self::Eos { setting, seeds, .. } => {
                if *seeds == 0 {
                    return Err(CliError::flag("--seeds", 0, "at least 1"));
                }
                setting.network().map(drop)
            }
        }
    }

    /// The shard file of `shard` (the one shard of all units when unsharded): this sweep as
    /// its invocation and its units' results.
    pub fn compute(
        &self,
        shard: Shard,
        progress: Option<Progress<'_>>,
    ) -> Result<ShardFile, CliError> {
        let range = shard.range(self.units());
        let invocation = serde_json::to_value(self)
            .map_err(|e| CliError::flag("(invocation)", e, "serializable"))?;
        if let Self::Eos { setting, .. } = self {
            // Tasks one after another: each network already uses every core.
            let mut tasks = Vec::with_capacity(range.len());
            let total = range.len();
            for (done, i) in range.enumerate() {
                let (eta, seed) = self.eos_task(i)?;
                let e = setting
                    .at(eta, seed)
                    .run(gd_core::analyses::Monitor::default())?;
                tasks.push(crate::eos::EosTask::of(eta, seed, &e));
                if let Some(p) = progress {
                    p(done + 1, total);
                }
            }
            return Ok(ShardFile::new(invocation, shard, &tasks)?);
        }
        let formula = self.formula()?;
        let f = gd_core::Interruptible::new(&formula, crate::termination::flag());
        Ok(match self {
            Self::Basins { .. } => {
                let (plane, options, eta) = self.plane()?;
                let rows = basin_rows(&f, eta, &plane, &options, range, progress)?;
                ShardFile::new(invocation, shard, &rows)?
            }
            Self::OrbitDiagram { .. } => {
                let (etas, starts, options) = self.diagram()?;
                let columns = orbit_columns(&f, &etas, &starts, &options, range, progress)?;
                ShardFile::new(invocation, shard, &columns)?
            }
            Self::Eos { .. } => return Err(not_a_formula_sweep()),
        })
    }

    /// Writes the outputs from the files of all shards, in shard order (one file when
    /// unsharded), read from `shards` (named in errors), into `out`.
    pub fn write(
        &self,
        files: Vec<ShardFile>,
        shards: &Path,
        out: &Path,
    ) -> Result<Vec<String>, CliError> {
        let units = self.units();
        let outputs = match self {
            Self::Eos { .. } => {
                let tasks: Vec<crate::eos::EosTask> = shard_file::units(shards, files, units)?;
                eos_sweep_files(self, &tasks)
            }
            Self::Basins { .. } => {
                let f = self.formula()?;
                let (plane, options, eta) = self.plane()?;
                let rows: Vec<BasinRow> = shard_file::units(shards, files, units)?;
                let map = basin_map_from_rows(&f, eta, &plane, &options, rows)?;
                basin_files(self, &map, eta)
            }
            Self::OrbitDiagram { .. } => {
                let f = self.formula()?;
                let (etas, starts, options) = self.diagram()?;
                let columns: Vec<OrbitColumn> = shard_file::units(shards, files, units)?;
                let minima = orbit_minima(&f, &etas, &starts, &options)?;
                orbit_files(self, &columns, &minima)
            }
        };
        let outputs: Vec<(&str, &[u8])> = outputs.iter().map(|(n, b)| (*n, b.as_slice())).collect();
        Ok(crate::output_files::write(out, &outputs)?
            .iter()
            .map(|p| p.display().to_string())
            .collect())
    }
}

/// The error of a formula-sweep step asked of an eos sweep.
fn not_a_formula_sweep() -> CliError {
    CliError::flag("(sweep)", "an eos sweep", "a formula sweep")
}

/// `eos-sweep.csv` (a row per (η, seed)), `eos-sweep.json` and `eos-sweep.svg` (λmax/(2/η)
/// after the onset against η).
fn eos_sweep_files(sweep: &Sweep, tasks: &[crate::eos::EosTask]) -> Vec<(&'static str, Vec<u8>)> {
    let mut csv = String::from(
        "eta,seed,starts_above,onset,ratio_mean,ratio_std,loss_rise_fraction,alternation_after_onset,final_loss,final_sharpness,end,hessian_vector_products\n",
    );
    let optional = |v: Option<f64>| v.map_or(String::new(), |x| format!("{x:e}"));
    let mut points = Vec::new();
    for t in tasks {
        csv.push_str(&format!(
            "{:e},{},{},{},{},{},{:e},{},{:e},{:e},{},{}\n",
            t.eta,
            t.seed,
            t.starts_above,
            t.onset.map_or(String::new(), |o| o.to_string()),
            optional(t.ratio_after_onset.map(|r| r.mean)),
            optional(t.ratio_after_onset.map(|r| r.std)),
            t.loss_rise_fraction,
            optional(t.alternation_after_onset),
            t.final_loss,
            t.final_sharpness,
            t.end,
            t.hessian_vector_products
        ));
        if let Some(r) = t.ratio_after_onset {
            points.push((t.eta, r.mean));
        }
    }
    let summary = serde_json::json!({"invocation": sweep, "tasks": tasks});
    let picture = svg::scatter(
        "λmax/(2/η) after the onset",
        "η",
        "mean λmax/(2/η)",
        &points,
        &[],
    );
    vec![
        ("eos-sweep.csv", csv.into_bytes()),
        ("eos-sweep.json", pretty(&summary)),
        ("eos-sweep.svg", picture.into_bytes()),
    ]
}

/// A basin map's picture: the PNG of its labels (one pixel per start, label k in
/// `svg::PALETTE[k % 8]`) and the SVG that frames it with axes and a legend in words, which
/// refers to the PNG as `png_name` (a file beside it).
pub fn basin_picture(map: &BasinMap, title: &str, png_name: &str) -> (Vec<u8>, String) {
    let (columns, rows) = (map.plane.s.len(), map.plane.t.len());
    // The PNG's rows run top down; the map's row 0 is y's lowest value.
    let image = png::palette_png(columns, rows, &svg::palette_rgb(), |i, j| {
        (map.labels[(rows - 1 - j) * columns + i] as usize % svg::PALETTE.len()) as u8
    });
    let names: Vec<String> = map.attractors.iter().map(describe).collect();
    let (x, y) = (map.plane.s.bounds(), map.plane.t.bounds());
    (image, svg::map(title, x, y, png_name, &names))
}

/// What an attractor is, in words (for legends).
pub fn describe(a: &BasinAttractor) -> String {
    match a {
        BasinAttractor::FixedPoint {
            point,
            linearization,
            ..
        } => {
            let coordinates: Vec<String> = point.iter().map(|v| format!("{v:+.4}")).collect();
            format!(
                "({}) {:?} at η",
                coordinates.join(", "),
                linearization.stability
            )
        }
        BasinAttractor::Periodic { period } => format!("period-{period} orbits"),
        BasinAttractor::Diverged => "diverged".into(),
        _ => "unresolved (chaos or slow)".into(),
    }
}

fn basin_files(sweep: &Sweep, map: &BasinMap, eta: f64) -> Vec<(&'static str, Vec<u8>)> {
    let labels: Vec<u8> = map.labels.iter().flat_map(|l| l.to_le_bytes()).collect();
    let legend = serde_json::json!({
        "invocation": sweep,
        "labels": "labels.bin: u32 little-endian, row-major, row j = y_j, column i = x_i",
        "columns": map.plane.s.len(), "rows": map.plane.t.len(),
        "attractors": map.attractors.iter().zip(&map.counts).enumerate().map(|(label, (a, n))| {
            serde_json::json!({"label": label, "starts": n, "what": describe(a), "attractor": a})
        }).collect::<Vec<_>>(),
        "steps_evaluated": map.steps_evaluated,
    });
    let title = format!("where GD ends at η = {eta}");
    let (image, picture) = basin_picture(map, &title, "basins.png");
    vec![
        ("labels.bin", labels),
        ("basins.json", pretty(&legend)),
        ("basins.png", image),
        ("basins.svg", picture.into_bytes()),
    ]
}

fn orbit_files(
    sweep: &Sweep,
    columns: &[OrbitColumn],
    minima: &[gd_core::analyses::Minimum],
) -> Vec<(&'static str, Vec<u8>)> {
    let mut csv = String::from("eta,start,x\n");
    let mut points = Vec::new();
    for c in columns {
        for p in &c.points {
            csv.push_str(&format!("{:e},{},{:e}\n", c.eta, c.start, p[0]));
            points.push((c.eta, p[0]));
        }
    }
    let summary = serde_json::json!({
        "invocation": sweep,
        "diverged": columns.iter().filter(|c| c.diverged).count(),
        "minima": minima,
    });
    let lines: Vec<(f64, String)> = minima
        .iter()
        .map(|m| {
            (
                m.max_stable_step,
                format!("2/λmax of x = {:.4}", m.point[0]),
            )
        })
        .collect();
    let picture = svg::scatter(
        "GD's orbit diagram",
        "η",
        "x after the transient",
        &points,
        &lines,
    );
    vec![
        ("orbit-diagram.csv", csv.into_bytes()),
        ("orbit-diagram.json", pretty(&summary)),
        ("orbit-diagram.svg", picture.into_bytes()),
    ]
}

fn pretty(value: &serde_json::Value) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(value).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}
