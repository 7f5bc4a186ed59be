//! `stepsize eos --central-flow FROM`: the central flow of the invocation's network integrated
//! from GD's iterate at step FROM beside GD, its claims table and its outputs:
//! `central-flow.json` (the agreement and every sample), `central-flow.csv` (one row per
//! sample) and `central-flow.svg` (GD's loss, raw and averaged, against the flow's prediction;
//! λmax of both against 2/η), each replaced whole.

use crate::eos::Eos;
use crate::error::CliError;
use crate::svg;
use gd_core::analyses::{CentralFlow, CentralFlowOptions, Monitor, central_flow};
use std::path::{Path, PathBuf};

/// Runs GD for `eos.steps` steps and the flow from step `from` on.
pub fn run(eos: &Eos, from: usize, monitor: Monitor<'_>) -> Result<CentralFlow, CliError> {
    if from >= eos.steps {
        return Err(CliError::flag(
            "--central-flow",
            from,
            format!("a step before --steps ({})", eos.steps),
        ));
    }
    let (network, theta0) = eos.network()?;
    let mlp = gd_core::Interruptible::new(&network, crate::termination::flag());
    let options = CentralFlowOptions {
        warm_start: from,
        every: eos.every,
        ..CentralFlowOptions::default()
    };
    Ok(central_flow(
        &mlp,
        &theta0,
        eos.eta,
        eos.steps - from,
        &options,
        monitor,
    )?)
}

/// The claims table as text, with the cost of the flow.
pub fn summary(flow: &CentralFlow, seconds: f64) -> String {
    let mut text = format!(
        "central flow from step {} over {} steps ({}), η = {}, 2/η = {:.4}\n",
        flow.warm_start,
        flow.steps,
        flow.end.name(),
        flow.eta,
        flow.threshold
    );
    match flow.agreement_after_onset() {
        Some(a) => {
            text.push_str(&format!(
                "flow onset: {}; compared over {} samples after it\n",
                a.flow_onset
                    .map_or("never (below the edge throughout)".into(), |k| format!(
                        "step {k}"
                    )),
                a.samples
            ));
            text.push_str(&format!(
                "{:<40} {:<11} {:<11} {:<10} verdict\n",
                "claim", "mean", "max", "tolerance"
            ));
            for c in a.claims() {
                text.push_str(&format!(
                    "{:<40} {:<11.3e} {:<11.3e} {:<10} {}\n",
                    c.name,
                    c.mean,
                    c.max,
                    c.tolerance,
                    if c.holds { "holds" } else { "does not hold" }
                ));
            }
            text.push_str(&format!(
                "{:<40} {:<11.3e} {:.3e}\n",
                "(GD's iterate itself to the flow)", a.relative_distance.0, a.relative_distance.1
            ));
        }
        None => text.push_str("no sample to compare\n"),
    }
    text.push_str(&format!(
        "cost: {} field evaluations ({} accepted and {} rejected integration steps), {} Hessian-vector products, {:.1} s ({:.3} s and {:.1} HVPs per flow step); third derivatives {}",
        flow.field_evaluations,
        flow.accepted,
        flow.rejected,
        flow.hessian_vector_products,
        seconds,
        seconds / flow.steps.max(1) as f64,
        flow.hessian_vector_products as f64 / flow.steps.max(1) as f64,
        match flow.exact_third_derivatives {
            Some(true) => "exact (dual numbers)",
            Some(false) => "by central differences of HVPs",
            None => "not needed (below the edge throughout)",
        }
    ));
    text
}

/// The figure of a flow beside GD.
pub fn figure(flow: &CentralFlow) -> String {
    let at = |f: fn(&gd_core::analyses::CentralFlowSample) -> f64| -> Vec<(f64, f64)> {
        flow.samples
            .iter()
            .map(|s| (s.iteration as f64, f(s)))
            .collect()
    };
    let raw: Vec<(f64, f64)> = flow
        .gd_losses
        .iter()
        .enumerate()
        .map(|(k, l)| ((flow.warm_start + k) as f64, *l))
        .collect();
    svg::central_flow(
        (&raw, &at(|s| s.gd_loss_average), &at(|s| s.predicted_loss)),
        (&at(|s| s.gd_sharpness), &at(|s| s.flow_sharpness)),
        flow.threshold,
    )
}

/// Writes the outputs into `out`; returns their paths.
pub fn write(eos: &Eos, flow: &CentralFlow, out: &Path) -> Result<Vec<PathBuf>, CliError> {
    let mut csv = String::from(
        "iteration,gd_loss,gd_loss_average,predicted_loss,flow_loss,gd_sharpness,flow_sharpness,edge,sigma_trace,distance,midpoint_distance,travelled\n",
    );
    for s in &flow.samples {
        csv.push_str(&format!(
            "{},{:e},{:e},{:e},{:e},{:e},{:e},{},{:e},{:e},{:e},{:e}\n",
            s.iteration,
            s.gd_loss,
            s.gd_loss_average,
            s.predicted_loss,
            s.flow_loss,
            s.gd_sharpness,
            s.flow_sharpness,
            s.edge,
            s.sigma_trace,
            s.distance,
            s.midpoint_distance,
            s.travelled
        ));
    }
    let json = serde_json::json!({
        "invocation": eos,
        "from": flow.warm_start,
        "window": flow.window,
        "settle": gd_core::analyses::SETTLE_STEPS,
        "agreement": flow.agreement_after_onset(),
        "claims": flow.agreement_after_onset().map(|a| a.claims()),
        "end": flow.end.name(),
        "steps": flow.steps,
        "accepted": flow.accepted,
        "rejected": flow.rejected,
        "field_evaluations": flow.field_evaluations,
        "hessian_vector_products": flow.hessian_vector_products,
        "exact_third_derivatives": flow.exact_third_derivatives,
        "samples": flow.samples,
    });
    let json = serde_json::to_string_pretty(&json).map_err(|e| CliError::Model(e.to_string()))?;
    let (json, svg) = (json + "\n", figure(flow));
    crate::output_files::write(
        out,
        &[
            ("central-flow.json", json.as_bytes()),
            ("central-flow.csv", csv.as_bytes()),
            ("central-flow.svg", svg.as_bytes()),
        ],
    )
}
