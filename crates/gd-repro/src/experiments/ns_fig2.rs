//! ns-fig2 — Nar & Sastry, Figure 2: the two-layer ReLU network of the authors' code (teacher
//! target, 1000 inputs on [0, 1), 20 hidden units, Σ-loss without ½) trained by GD reaches a
//! fixed point at a small step and a period-2 orbit at a larger one. We show the paper's pair
//! from a declared seed, and the outcome fractions over many seeds.

use crate::error::Result;
use crate::field_check::Fields;
use crate::report::{Claim, Figure, Report, Series, Table};
use crate::run_options::RunOptions;
use crate::seeded_sweep::seeded_sweep;
use gd_core::DEFAULT_MARGINAL_TOLERANCE;
use gd_core::dense_hessian;
use gd_core::spectrum::symmetric_eigenvalues;
use gd_core::vector::distance;
use gd_core::{
    Attractor, GradientDescent, Objective, RunConfig, Schedule, floquet_multipliers, run_gd,
};
use gd_models::Figure2;
use gd_theory::relu::{theorem4_bound, theorem4_statistic};
use serde::{Deserialize, Serialize};

/// Catalogue id.
pub const ID: &str = "ns-fig2";

/// The catalogue's fixed-point criterion: ‖θ_{k+1} − θ_k‖ below this.
const FIXED_STEP: f64 = 1e-7;
/// An end state that moves by more than the fixed-point criterion is a period-2 orbit when two
/// more steps return this much closer than one step moves: an oscillation, still drifting
/// slowly along near-flat directions of the loss (measured returns are 1e-4–1e-6 of the move,
/// a chaotic or higher-period state returns about as far as it moves).
const ORBIT_CONTRAST: f64 = 1e-3;
/// Pre-activations closer than this to a kink are flagged: there the frozen-pattern Hessian
/// may not describe the dynamics.
const KINK_FLAG: f64 = 1e-6;

/// Settings.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Step sizes.
    pub etas: Vec<f64>,
    /// Seeds (each draws b, the teacher and the student).
    pub seeds: Vec<u64>,
    /// Steps per run (the authors' code runs 20 001).
    pub max_iterations: usize,
    /// The step of the paper's fixed-point run.
    pub pair_small_eta: f64,
    /// The step of the paper's period-2 run.
    pub pair_large_eta: f64,
}

impl Config {
    fn quick() -> Self {
        Self {
            etas: vec![1e-4, 2e-4, 3e-4],
            // Seed 2 shows the paper's pair; seed 3 the opposite trend at the small steps.
            seeds: vec![2, 3],
            // The authors ran 20 001 steps; here runs drift along near-flat directions for
            // far longer before the fixed-point criterion is met.
            max_iterations: 300_000,
            pair_small_eta: 2e-4,
            pair_large_eta: 3e-4,
        }
    }

    fn full() -> Self {
        Self {
            seeds: (0..24).collect(),
            ..Self::quick()
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum Fate {
    Fixed,
    Period2,
    Other,
    Dead,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Outcome {
    fate: Fate,
    /// η λmax / 2 at a fixed point.
    sharpness_ratio: f64,
    /// Theorem 4 statistic over its bound at a fixed point.
    theorem4_ratio: f64,
    /// Nearest kink at a fixed point.
    kink: f64,
    /// Floquet spectral radius of a period-2 orbit.
    floquet: f64,
    /// η λmax(teacher) / 2.
    teacher_ratio: f64,
    /// End parameters (fixed point) or the orbit's two points.
    points: Vec<Vec<f64>>,
    loss: f64,
    /// η‖∇f‖ at the end: the length of the last step.
    final_step: f64,
    /// 0 fixed point, k period k, −1 diverged, −2 unresolved (the run's own classification).
    attractor: f64,
    /// ‖θ_(T+1) − θ_T‖ from the end state.
    one_step_move: f64,
    /// ‖θ_(T+2) − θ_T‖ from the end state.
    two_step_return: f64,
}

fn sharpness(fig: &Figure2, theta: &[f64]) -> Result<f64> {
    let mut ws = fig.model.workspace();
    let h = dense_hessian(&fig.model, theta, &mut ws)?;
    Ok(*symmetric_eigenvalues(h.as_ref())?
        .last()
        .unwrap_or(&f64::NAN))
}

fn train(seed: u64, eta: f64, max_iterations: usize) -> Result<Outcome> {
    let fig = Figure2::new(seed)?;
    let config = RunConfig {
        max_iterations,
        // Stop once the step η‖∇f‖ is below the fixed-point criterion.
        gradient_tolerance: Some(FIXED_STEP / eta),
        // A k-step return within 1e-8·‖θ‖ (‖θ‖ ≈ 5 here, so ~5e-8 < FIXED_STEP) is an orbit.
        tolerance: 1e-8,
        lyapunov_iterations: 100,
        ..RunConfig::default()
    };
    let t = run_gd(
        &fig.model,
        &fig.student(0),
        Schedule::constant(eta)?,
        &config,
    )?;
    let teacher_ratio = eta * sharpness(&fig, &fig.teacher)? / 2.0;
    let mut out = Outcome {
        fate: Fate::Other,
        sharpness_ratio: f64::NAN,
        theorem4_ratio: f64::NAN,
        kink: f64::NAN,
        floquet: f64::NAN,
        teacher_ratio,
        points: Vec::new(),
        loss: f64::NAN,
        final_step: f64::NAN,
        one_step_move: f64::NAN,
        two_step_return: f64::NAN,
        attractor: match &t.attractor {
            Attractor::FixedPoint { .. } => 0.0,
            Attractor::Periodic { period, .. } => *period as f64,
            Attractor::Diverged { .. } => -1.0,
            // Unresolved (the enum is non-exhaustive: a later kind counts as unresolved too).
            _ => -2.0,
        },
    };
    let Some(state) = t.final_state else {
        return Ok(out);
    };
    out.loss = state.loss;
    out.final_step = eta * state.gradient_norm;
    if fig.model.is_dead(&state.parameters) {
        out.fate = Fate::Dead;
        return Ok(out);
    }
    let step = eta * state.gradient_norm;
    // Two more steps from the end state: does it return (period 2) or drift?
    let theta_t = state.parameters.clone();
    let mut gd = GradientDescent::new(&fig.model, Schedule::constant(eta)?, &theta_t)?;
    gd.step();
    let theta_t1 = gd.theta().to_vec();
    gd.step();
    let theta_t2 = gd.into_theta();
    let (d1, d2) = (distance(&theta_t1, &theta_t), distance(&theta_t2, &theta_t));
    let approximate_orbit = d2 < ORBIT_CONTRAST * d1;
    out.one_step_move = d1;
    out.two_step_return = d2;
    match &t.attractor {
        Attractor::Periodic {
            period: 2, orbit, ..
        } => {
            out.fate = Fate::Period2;
            out.floquet = floquet_multipliers(&fig.model, orbit, eta, DEFAULT_MARGINAL_TOLERANCE)?
                .spectral_radius;
            out.points = orbit.clone();
        }
        _ if approximate_orbit && step >= FIXED_STEP => {
            let orbit = vec![theta_t, theta_t1];
            out.fate = Fate::Period2;
            out.floquet = floquet_multipliers(&fig.model, &orbit, eta, DEFAULT_MARGINAL_TOLERANCE)?
                .spectral_radius;
            out.points = orbit;
        }
        a if matches!(a, Attractor::FixedPoint { .. }) || step < FIXED_STEP => {
            let theta = state.parameters.clone();
            out.fate = Fate::Fixed;
            out.sharpness_ratio = eta * sharpness(&fig, &theta)? / 2.0;
            let outputs = fig.model.outputs(&theta);
            let inputs: Vec<f64> = fig.model.inputs().iter().map(|x| x.abs()).collect();
            let statistic = theorem4_statistic(
                &inputs,
                &outputs.iter().map(|v| v.abs()).collect::<Vec<_>>(),
            )?;
            out.theorem4_ratio = statistic / theorem4_bound(eta, false, None)?;
            out.kink = fig.model.nearest_kink_distance(&theta);
            out.points = vec![theta];
        }
        _ => {}
    }
    Ok(out)
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
    let c = config(options)?;
    let (ne, ns) = (c.etas.len(), c.seeds.len());
    let outcomes = seeded_sweep(ID, options, ne * ns, 0, |i, _| {
        train(c.seeds[i % ns], c.etas[i / ns], c.max_iterations)
    })?;
    let mut report = Report::new(
        ID,
        "Figure 2: fixed point vs period-2 orbit in a two-layer ReLU network",
    )
    .with_config(&c)?;
    let (table, fractions, fraction_fixed) = tables(&c, &outcomes);
    let pair = paper_pair(&c, &outcomes);
    report
        .claims
        .extend(claims(&c, &outcomes, pair, &fraction_fixed));
    report.notes.extend(notes(&outcomes));
    report
        .figures
        .extend(figures(&c, &outcomes, &fractions, pair)?);
    report.tables.extend([fractions, table]);
    Ok(report)
}

fn check(c: &Config) -> Result<()> {
    let f = Fields::of(ID);
    f.list("etas", &c.etas, 1)?;
    f.list("seeds", &c.seeds, 1)?;
    f.each("etas", &c.etas, |e| e > 0.0, "> 0")?;
    f.positive("pair_small_eta", c.pair_small_eta)?;
    f.positive("pair_large_eta", c.pair_large_eta)?;
    f.at_least("max_iterations", c.max_iterations, 1)?;
    f.tasks("etas × seeds", &[c.etas.len(), c.seeds.len()])?;
    Ok(())
}

/// Every run as a row, and per η the fraction of each fate (also returned for the fixed points).
fn tables(c: &Config, outcomes: &[Outcome]) -> (Table, Table, Vec<f64>) {
    let ns = c.seeds.len();
    let mut table = Table::new(
        "runs",
        &[
            "eta",
            "seed",
            "fate",
            "loss",
            "eta_lambda_max_over_2",
            "teacher_eta_lambda_max_over_2",
            "theorem4_ratio",
            "nearest_kink",
            "floquet_radius",
            "final_step",
            "attractor",
            "one_step_move",
            "two_step_return",
        ],
    )
    .with_legend(
        "fate",
        &[
            (1.0, "fixed point (final step below 1e-7)"),
            (2.0, "period-2 orbit"),
            (0.0, "other"),
            (-1.0, "dead network (every ReLU off)"),
        ],
    )
    .with_legend(
        "attractor",
        &[
            (0.0, "the run's own class: fixed point"),
            (-1.0, "diverged"),
            (-2.0, "unresolved"),
            (2.0, "k >= 2: an orbit of period k"),
        ],
    );
    let mut fraction_fixed = Vec::new();
    let mut fractions = Table::new("fractions", &["eta", "fixed", "period2", "other", "dead"]);
    for (k, eta) in c.etas.iter().enumerate() {
        let group = &outcomes[k * ns..(k + 1) * ns];
        let frac = |f: Fate| group.iter().filter(|o| o.fate == f).count() as f64 / ns as f64;
        fractions.push(vec![
            *eta,
            frac(Fate::Fixed),
            frac(Fate::Period2),
            frac(Fate::Other),
            frac(Fate::Dead),
        ]);
        fraction_fixed.push(frac(Fate::Fixed));
        for (o, seed) in group.iter().zip(&c.seeds) {
            let code = match o.fate {
                Fate::Fixed => 1.0,
                Fate::Period2 => 2.0,
                Fate::Other => 0.0,
                Fate::Dead => -1.0,
            };
            table.push(vec![
                *eta,
                *seed as f64,
                code,
                o.loss,
                o.sharpness_ratio,
                o.teacher_ratio,
                o.theorem4_ratio,
                o.kink,
                o.floquet,
                o.final_step,
                o.attractor,
                o.one_step_move,
                o.two_step_return,
            ]);
        }
    }
    (table, fractions, fraction_fixed)
}

/// The paper's pair: the first seed with a fixed point at the small step and a period-2 orbit
/// at the large one, as (small η index, large η index, seed index).
fn paper_pair(c: &Config, outcomes: &[Outcome]) -> Option<(usize, usize, usize)> {
    let ns = c.seeds.len();
    let index = |eta: f64| c.etas.iter().position(|e| *e == eta);
    match (index(c.pair_small_eta), index(c.pair_large_eta)) {
        (Some(a), Some(b)) => (0..ns)
            .find(|s| {
                outcomes[a * ns + s].fate == Fate::Fixed
                    && outcomes[b * ns + s].fate == Fate::Period2
            })
            .map(|s| (a, b, s)),
        _ => None,
    }
}

/// The pair, the effect of η on the fixed-point fraction, and the stability of what GD reaches.
fn claims(
    c: &Config,
    outcomes: &[Outcome],
    pair: Option<(usize, usize, usize)>,
    fraction_fixed: &[f64],
) -> Vec<Claim> {
    let ne = c.etas.len();
    let mut claims = Vec::new();
    claims.push(Claim::new(
        ID,
        format!("the paper's pair: η = {} ends at a fixed point and η = {} in a period-2 orbit, same data and init", c.pair_small_eta, c.pair_large_eta),
        None,
        pair.map_or(f64::NAN, |(_, _, s)| c.seeds[s] as f64),
        "the first seed showing both outcomes (measured = that seed); holds iff one exists",
        pair.is_some(),
    ));
    let non_increasing = fraction_fixed.windows(2).all(|w| w[1] <= w[0])
        && fraction_fixed[0] > fraction_fixed[ne - 1];
    claims.push(Claim::new(
        ID,
        "a larger step gives fewer fixed points",
        None,
        fraction_fixed[ne - 1] - fraction_fixed[0],
        format!("change of the fixed-point fraction from the smallest to the largest η (fractions {fraction_fixed:?}); holds iff non-increasing and strictly lower at the largest"),
        non_increasing,
    ));
    let fixed: Vec<&Outcome> = outcomes.iter().filter(|o| o.fate == Fate::Fixed).collect();
    let worst_ratio = fixed.iter().map(|o| o.sharpness_ratio).fold(0.0, f64::max);
    claims.push(Claim::new(
        ID,
        "every fixed point GD reaches is linearly stable: η·λmax(H)/2 ≤ 1 (Hessian of the Σ-loss actually minimized)",
        Some(1.0),
        worst_ratio,
        format!("max over the {} fixed points of η λmax / 2; holds iff ≤ 1 + 1e-6 and some fixed point was reached", fixed.len()),
        !fixed.is_empty() && worst_ratio <= 1.0 + 1e-6,
    ));
    let teacher_sharp = outcomes.iter().filter(|o| o.teacher_ratio > 1.0).count();
    claims.push(Claim::new(
        ID,
        "GD usually cannot converge to the zero-loss teacher: its λmax exceeds 2/η",
        Some(0.5),
        teacher_sharp as f64 / outcomes.len() as f64,
        "fraction of (seed, η) with η λmax(teacher)/2 > 1; holds iff > 0.5",
        2 * teacher_sharp > outcomes.len(),
    ));
    let worst_t4 = fixed.iter().map(|o| o.theorem4_ratio).fold(0.0, f64::max);
    claims.push(Claim::new(
        ID,
        "Theorem 4 holds at every fixed point (Σ-loss without ½: max |x||f̂(x)| ≤ 1/(2η))",
        Some(1.0),
        worst_t4,
        "max over fixed points of the statistic / bound; holds iff ≤ 1 (the bound is loose here)",
        worst_t4 <= 1.0,
    ));
    claims
}

/// Floquet radii of the orbits, the setting, and η λmax/2 at each fixed point.
fn notes(outcomes: &[Outcome]) -> Vec<String> {
    let fixed: Vec<&Outcome> = outcomes.iter().filter(|o| o.fate == Fate::Fixed).collect();
    let mut notes = Vec::new();
    let orbits: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| o.fate == Fate::Period2)
        .collect();
    let mut radii: Vec<f64> = orbits.iter().map(|o| o.floquet).collect();
    radii.sort_by(f64::total_cmp);
    if !radii.is_empty() {
        notes.push(format!(
            "Floquet spectral radius of the {} period-2 orbits (product of the two Jacobians, frozen activation pattern): median {:.6}, max {:.6}. These orbits still drift along near-flat directions, where multipliers sit at ≈ 1, so the radius is reported, not judged: a value a few 1e-3 above 1 is within what computing it at (θ_T, θ_(T+1)) instead of an exact orbit can shift.",
            radii.len(),
            radii[radii.len() / 2],
            radii[radii.len() - 1]
        ));
    }
    let flagged = fixed.iter().filter(|o| o.kink < KINK_FLAG).count();
    notes.push(format!(
        "Setting as the authors' code runs it: x_i = i/1000 (i = 0..999), 20 hidden units, b ~ N(0, 1) fixed, target = the network at a first draw of (W, V) (teacher), student drawn afresh, loss Σ|f̂ − f|² with no ½, float64 (the authors used float32 and TensorFlow's seed 963, which cannot be reproduced outside TensorFlow). Fixed point: ‖θ_(k+1) − θ_k‖ < {FIXED_STEP:e}; period 2: ‖θ_(T+2) − θ_T‖ < {ORBIT_CONTRAST:e}·‖θ_(T+1) − θ_T‖ (an oscillation still drifting along near-flat directions); λmax of the Hessian with the activation pattern frozen. {flagged} fixed point(s) have a pre-activation within {KINK_FLAG:e} of a kink."
    ));
    let ratios: Vec<String> = fixed
        .iter()
        .map(|o| format!("{:.4}", o.sharpness_ratio))
        .collect();
    notes.push(format!(
        "η λmax/2 at the fixed points: {}.",
        ratios.join(", ")
    ));

    notes
}

/// Outcome fractions against η, and the paper's pair as Figure 2.
fn figures(
    c: &Config,
    outcomes: &[Outcome],
    fractions: &Table,
    pair: Option<(usize, usize, usize)>,
) -> Result<Vec<Figure>> {
    let ns = c.seeds.len();
    let mut figures = Vec::new();
    let mut frac_fig = Figure::new(
        "ns-fig2-fractions",
        "Figure 2 setting: outcome fractions vs step size",
        "eta",
        "fraction of seeds",
    );
    for (col, label) in [
        (1, "fixed point"),
        (2, "period 2"),
        (3, "other"),
        (4, "dead"),
    ] {
        frac_fig.lines.push(Series::new(
            label,
            c.etas.clone(),
            fractions.rows.iter().map(|r| r[col]).collect(),
        ));
    }
    figures.push(frac_fig);
    if let Some((a, b, s)) = pair {
        let model = Figure2::new(c.seeds[s])?.model;
        let x = model.inputs().to_vec();
        let mut fig = Figure::new(
            "ns-fig2",
            &format!(
                "Figure 2 (seed {}): fixed point at eta = {} vs period-2 orbit at eta = {}",
                c.seeds[s], c.pair_small_eta, c.pair_large_eta
            ),
            "x",
            "f(x)",
        );
        fig.lines.push(Series::new(
            "target f (teacher)",
            x.clone(),
            model.targets().to_vec(),
        ));
        fig.lines.push(Series::new(
            format!("fixed point, eta = {}", c.pair_small_eta),
            x.clone(),
            model.outputs(&outcomes[a * ns + s].points[0]),
        ));
        let orbit = &outcomes[b * ns + s].points;
        fig.lines.push(Series::new(
            format!("f_odd, eta = {}", c.pair_large_eta),
            x.clone(),
            model.outputs(&orbit[0]),
        ));
        fig.lines.push(Series::new(
            format!("f_even, eta = {}", c.pair_large_eta),
            x,
            model.outputs(&orbit[1]),
        ));
        figures.push(fig);
    }
    Ok(figures)
}
