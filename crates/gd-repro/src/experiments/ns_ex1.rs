//! ns-ex1 — Nar & Sastry, Example 1: GD on the convex f1 = (2/3)|x|^{3/2} converges to the
//! period-2 orbit ±η²/4 from almost every start, never to the minimum 0.

use crate::error::Result;
use crate::field_check::Fields;
use crate::numerics::{linspace, slope};
use crate::report::{Claim, Figure, Report, Series, Table};
use crate::run_options::RunOptions;
use crate::seeded_sweep::seeded_sweep;
use gd_core::DEFAULT_MARGINAL_TOLERANCE;
use gd_core::{Attractor, RunConfig, Schedule, Stability, floquet_multipliers, run_gd};
use gd_models::example1;
use gd_theory::scalar::{
    example1_convergent_starts, example1_orbit_amplitude, example1_orbit_loss,
};
use rand::RngExt;
use serde::{Deserialize, Serialize};

/// Catalogue id.
pub const ID: &str = "ns-ex1";

/// Relative agreement required between the measured orbit and η²/4 (and η³/12): the orbit is
/// superstable (multiplier 0), so it is reached to a few ulps; 1e-9 leaves ample margin.
const ORBIT_TOLERANCE: f64 = 1e-9;

/// Settings.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Step sizes.
    pub etas: Vec<f64>,
    /// Random starts per step size, x₀ ~ U(−x_max, x_max).
    pub starts_per_eta: usize,
    /// Range of the starts.
    pub x_max: f64,
    /// Elements s₁…s_k of the convergent set S tried per η.
    pub set_elements: usize,
    /// Master seed.
    pub seed: u64,
}

impl Config {
    fn quick() -> Self {
        Self {
            etas: vec![0.1, 0.5, 1.0, 2.0],
            starts_per_eta: 25,
            x_max: 10.0,
            set_elements: 5,
            seed: 2018,
        }
    }

    fn full() -> Self {
        Self {
            starts_per_eta: 2000,
            ..Self::quick()
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Outcome {
    period2: bool,
    amplitude_error: f64,
    loss_error: f64,
    floquet: f64,
    stable: bool,
}

/// The config a run uses: the preset (quick or full) with the overrides, checked field by
/// field.
pub fn config(options: &RunOptions) -> Result<Config> {
    let config: Config = options.config(ID, Config::quick(), Config::full())?;
    check(&config)?;
    Ok(config)
}

/// Runs the experiment.
pub fn run(options: &RunOptions) -> Result<Report> {
    let config = config(options)?;
    let outcomes = sweep_random_starts(&config, options)?;
    let mut report = Report::new(
        ID,
        "Example 1: a convex function whose GD iterates converge to a period-2 orbit",
    )
    .with_config(&config)?;
    let table = orbit_table(&config, &outcomes)?;
    report
        .claims
        .extend(orbit_claims(&config, &outcomes, &table));
    let (on_set, note, claim) = starts_on_s(&config)?;
    report.notes.push(note);
    report.claims.push(claim);
    report.figures.extend(figures(&config, &table)?);
    report.tables.extend([table, on_set]);
    Ok(report)
}

fn check(config: &Config) -> Result<()> {
    let f = Fields::of(ID);
    f.list("etas", &config.etas, 1)?;
    f.each("etas", &config.etas, |e| e > 0.0, "> 0")?;
    f.at_least("starts_per_eta", config.starts_per_eta, 1)?;
    f.half_width("x_max", config.x_max)?;
    f.tasks(
        "etas × starts_per_eta",
        &[config.etas.len(), config.starts_per_eta],
    )?;
    Ok(())
}

/// Where GD ends from `starts_per_eta` uniform random starts at each η.
fn sweep_random_starts(config: &Config, options: &RunOptions) -> Result<Vec<Outcome>> {
    let per = config.starts_per_eta;
    let tasks = config.etas.len() * per;
    let f1 = example1();
    seeded_sweep(ID, options, tasks, config.seed, |i, rng| {
        let eta = config.etas[i / per];
        let x0: f64 = rng.random_range(-config.x_max..config.x_max);
        let t = run_gd(&f1, &[x0], Schedule::constant(eta)?, &RunConfig::default())?;
        let amplitude = example1_orbit_amplitude(eta)?;
        let loss = example1_orbit_loss(eta)?;
        Ok(match &t.attractor {
            Attractor::Periodic {
                period: 2, orbit, ..
            } => {
                let fl = floquet_multipliers(&f1, orbit, eta, DEFAULT_MARGINAL_TOLERANCE)?;
                Outcome {
                    period2: true,
                    amplitude_error: orbit
                        .iter()
                        .map(|x| (x[0].abs() - amplitude).abs() / amplitude)
                        .fold(0.0, f64::max),
                    loss_error: orbit
                        .iter()
                        .map(|x| (f1.value(x[0]) - loss).abs() / loss)
                        .fold(0.0, f64::max),
                    floquet: fl.spectral_radius,
                    stable: fl.stability == Stability::Stable,
                }
            }
            _ => Outcome {
                period2: false,
                amplitude_error: f64::INFINITY,
                loss_error: f64::INFINITY,
                floquet: f64::NAN,
                stable: false,
            },
        })
    })
}

/// Per η: the fraction of starts in the orbit, its amplitude and loss, the largest Floquet radius.
fn orbit_table(config: &Config, outcomes: &[Outcome]) -> Result<Table> {
    let per = config.starts_per_eta;
    let mut table = Table::new(
        "orbits",
        &[
            "eta",
            "fraction_period2",
            "mean_amplitude",
            "theory_amplitude",
            "max_amplitude_error",
            "orbit_loss_theory",
            "max_floquet",
        ],
    );
    for (k, eta) in config.etas.iter().enumerate() {
        let group = &outcomes[k * per..(k + 1) * per];
        let period2 = group.iter().filter(|o| o.period2).count();
        let theory = example1_orbit_amplitude(*eta)?;
        table.push(vec![
            *eta,
            period2 as f64 / per as f64,
            theory * (1.0 + group.iter().map(|o| o.amplitude_error).sum::<f64>() / per as f64),
            theory,
            group.iter().map(|o| o.amplitude_error).fold(0.0, f64::max),
            example1_orbit_loss(*eta)?,
            group.iter().map(|o| o.floquet).fold(0.0, f64::max),
        ]);
    }
    Ok(table)
}

/// The orbit's existence, amplitude, loss, scaling and stability.
fn orbit_claims(config: &Config, outcomes: &[Outcome], table: &Table) -> Vec<Claim> {
    let tasks = outcomes.len();
    let mut claims = Vec::new();
    let n_period2 = outcomes.iter().filter(|o| o.period2).count();
    claims.push(Claim::new(
        ID,
        "almost every start ends in the period-2 orbit ±η²/4 (x → 0 only on a countable set)",
        Some(1.0),
        n_period2 as f64 / tasks as f64,
        format!("fraction of {tasks} continuous random starts ending in a period-2 orbit; holds iff all do"),
        n_period2 == tasks,
    ));
    let worst_amplitude = outcomes
        .iter()
        .map(|o| o.amplitude_error)
        .fold(0.0, f64::max);
    claims.push(Claim::new(
        ID,
        "the orbit's amplitude is η²/4",
        Some(0.0),
        worst_amplitude,
        format!("max relative error of |x| on the orbit vs η²/4 ≤ {ORBIT_TOLERANCE:e}"),
        worst_amplitude <= ORBIT_TOLERANCE,
    ));
    let worst_loss = outcomes.iter().map(|o| o.loss_error).fold(0.0, f64::max);
    claims.push(Claim::new(
        ID,
        "the training loss converges to η³/12 > 0 while the iterate never converges",
        Some(0.0),
        worst_loss,
        format!("max relative error of f1 on the orbit vs η³/12 ≤ {ORBIT_TOLERANCE:e}"),
        worst_loss <= ORBIT_TOLERANCE,
    ));
    let measured_amplitudes: Vec<f64> = table.rows.iter().map(|r| r[2]).collect();
    let log_eta: Vec<f64> = config.etas.iter().map(|e| e.ln()).collect();
    let log_amp: Vec<f64> = measured_amplitudes.iter().map(|a| a.ln()).collect();
    let fitted = slope(&log_eta, &log_amp);
    claims.push(Claim::new(
        ID,
        "amplitude grows as η² (log–log slope 2)",
        Some(2.0),
        fitted,
        "least-squares slope of log amplitude on log η, |slope − 2| ≤ 1e-6",
        (fitted - 2.0).abs() <= 1e-6,
    ));
    let worst_floquet = outcomes
        .iter()
        .filter(|o| o.period2)
        .map(|o| o.floquet)
        .fold(0.0, f64::max);
    let all_stable = outcomes.iter().filter(|o| o.period2).all(|o| o.stable);
    claims.push(Claim::new(
        ID,
        "the orbit is stable: its Floquet multiplier (1 − η f1″)² is 0 on ±η²/4",
        Some(0.0),
        worst_floquet,
        "largest |Floquet multiplier| over all orbits found < 1e-6, and every orbit's verdict is Stable",
        worst_floquet < 1e-6 && all_stable,
    ));

    claims
}

/// Starts on S = {0, ±s₁, ±s₂, …}, the only starts from which GD reaches 0: which reach it in
/// floating point, and whether a 1e-12 nudge sends each to the orbit.
fn starts_on_s(config: &Config) -> Result<(Table, String, Claim)> {
    let f1 = example1();
    let mut on_set = Table::new(
        "set-s",
        &["eta", "k", "s_k", "reached_zero", "perturbed_reached_orbit"],
    )
    .with_flag_legend("reached_zero")
    .with_flag_legend("perturbed_reached_orbit");
    let mut perturbed_ok = true;
    for eta in &config.etas {
        for (k, s) in example1_convergent_starts(*eta, config.set_elements)?
            .iter()
            .enumerate()
        {
            let exact = run_gd(&f1, &[*s], Schedule::constant(*eta)?, &RunConfig::default())?;
            let reached =
                matches!(&exact.attractor, Attractor::FixedPoint { point, .. } if point[0] == 0.0);
            let nudged = run_gd(
                &f1,
                &[s * (1.0 + 1e-12)],
                Schedule::constant(*eta)?,
                &RunConfig::default(),
            )?;
            let orbit = matches!(nudged.attractor, Attractor::Periodic { period: 2, .. });
            perturbed_ok &= orbit;
            on_set.push(vec![
                *eta,
                (k + 1) as f64,
                *s,
                reached as u8 as f64,
                orbit as u8 as f64,
            ]);
        }
    }
    let reached: Vec<String> = on_set
        .rows
        .iter()
        .filter(|r| r[3] == 1.0)
        .map(|r| format!("s{} at η = {}", r[1], r[0]))
        .collect();
    let note = format!(
        "x → 0 only on S, which floating point cannot hold: of the starts s₁…s{} computed from the recursion, those that reach 0 exactly are {}; every other element is off S by rounding and falls back to the orbit, because 0 repels the magnitude map (|x_{{k+1}}| ≈ η√|x_k| near 0).",
        config.set_elements,
        if reached.is_empty() {
            "none".to_string()
        } else {
            reached.join(", ")
        }
    );
    let claim = Claim::new(
        ID,
        "0 repels: a start 1e-12 (relative) off any s_k ends in the orbit",
        Some(1.0),
        on_set.rows.iter().filter(|r| r[4] == 1.0).count() as f64 / on_set.rows.len().max(1) as f64,
        "fraction of perturbed starts on S that end in the period-2 orbit; holds iff all do",
        perturbed_ok,
    );
    Ok((on_set, note, claim))
}

/// Amplitude and loss on the orbit against η²/4 and η³/12.
fn figures(config: &Config, table: &Table) -> Result<[Figure; 2]> {
    let f1 = example1();
    let measured_amplitudes: Vec<f64> = table.rows.iter().map(|r| r[2]).collect();
    let amplitudes = config
        .etas
        .iter()
        .map(|eta| example1_orbit_amplitude(*eta))
        .collect::<std::result::Result<Vec<f64>, _>>()?;
    let mut amplitude = Figure::new(
        "ns-ex1-amplitude",
        "Example 1: orbit amplitude vs step size",
        "eta",
        "|x| on the orbit",
    );
    amplitude.log_x = true;
    amplitude.log_y = true;
    let fine = linspace(
        config.etas[0].ln(),
        config.etas[config.etas.len() - 1].ln(),
        50,
    )
    .into_iter()
    .map(f64::exp)
    .collect::<Vec<_>>();
    amplitude.lines.push(Series::new(
        "theory eta^2/4",
        fine.clone(),
        fine.iter().map(|e| e * e / 4.0).collect(),
    ));
    amplitude.points.push(Series::new(
        "measured",
        config.etas.clone(),
        measured_amplitudes,
    ));
    let mut loss = Figure::new(
        "ns-ex1-loss",
        "Example 1: loss on the orbit vs step size",
        "eta",
        "f1 on the orbit",
    );
    loss.log_x = true;
    loss.log_y = true;
    loss.lines.push(Series::new(
        "theory eta^3/12",
        fine.clone(),
        fine.iter().map(|e| e.powi(3) / 12.0).collect(),
    ));
    loss.points.push(Series::new(
        "measured",
        config.etas.clone(),
        config
            .etas
            .iter()
            .zip(&amplitudes)
            .map(|(_, a)| f1.value(*a))
            .collect(),
    ));
    Ok([amplitude, loss])
}
