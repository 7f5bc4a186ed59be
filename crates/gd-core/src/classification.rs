//! The end state of a run, classified: a bitwise repeat reduced to its true period, or at the
//! end of the budget a return within the tolerance, or unresolved with its Lyapunov exponent.

use crate::attractor::Attractor;
use crate::error::{CoreError, Result};
use crate::history::History;
use crate::lyapunov::largest_lyapunov_exponent;
use crate::objective::Objective;
use crate::period::{orbit_threshold, reduced_period};
use crate::record::{FinalState, Record, Trajectory};
use crate::run_config::RunConfig;
use crate::schedule::Schedule;
use crate::vector::{distance, norm};

pub(crate) fn final_state<O: Objective>(
    objective: &O,
    theta: &[f64],
    ws: &mut O::Workspace,
) -> FinalState {
    let mut g = vec![0.0; theta.len()];
    let loss = objective.loss_and_gradient(theta, &mut g, ws);
    FinalState {
        parameters: theta.to_vec(),
        loss,
        gradient_norm: norm(&g),
    }
}

pub(crate) fn fixed_point<O: Objective>(
    objective: &O,
    point: Vec<f64>,
    exact: bool,
    iterations: usize,
    record: Record,
    ws: &mut O::Workspace,
) -> Trajectory {
    let state = final_state(objective, &point, ws);
    Trajectory {
        attractor: Attractor::FixedPoint {
            residual: state.gradient_norm,
            point,
            exact,
        },
        iterations,
        final_state: Some(state),
        record,
    }
}

/// The largest norm of a set of states: the scale of the orbit threshold.
fn largest_norm<'a>(states: impl Iterator<Item = &'a [f64]>) -> f64 {
    states.map(norm).fold(0.0, f64::max)
}

/// A bitwise repeat after `cycle_length` steps: `orbit` holds the cycle's states, oldest
/// first (`orbit[0]` is θ itself). The period is reduced to the smallest k whose shift maps
/// every point within the tolerance onto itself ([`crate::period`]).
pub(crate) fn finish_repeat<O: Objective>(
    objective: &O,
    theta: Vec<f64>,
    mut orbit: Vec<Vec<f64>>,
    cycle_length: usize,
    config: &RunConfig,
    record: Record,
    iterations: usize,
    ws: &mut O::Workspace,
) -> Result<Trajectory> {
    let threshold = orbit_threshold(
        config.tolerance,
        largest_norm(orbit.iter().map(Vec::as_slice)),
    );
    let period = reduced_period(cycle_length, config.max_period, |k| {
        (0..cycle_length).all(|i| distance(&orbit[i], &orbit[(i + k) % cycle_length]) <= threshold)
    })
    // The shift by the cycle length itself is the identity on a bitwise cycle.
    .unwrap_or(cycle_length);
    let exact = period == cycle_length;
    if period == 1 {
        return Ok(fixed_point(objective, theta, exact, iterations, record, ws));
    }
    orbit.truncate(period);
    let state = final_state(objective, &theta, ws);
    Ok(Trajectory {
        attractor: Attractor::Periodic {
            period,
            orbit,
            exact,
        },
        iterations,
        final_state: Some(state),
        record,
    })
}

/// The end of the budget without a bitwise repeat: the smallest q with θ_T within the
/// tolerance of θ_{T−q}, reduced as an exact repeat is, where every recorded state lies within
/// the tolerance of the state k steps before it; otherwise unresolved, with the Lyapunov
/// exponent of the continuation.
pub(crate) fn classify_end<O: Objective>(
    objective: &O,
    theta: Vec<f64>,
    schedule: &Schedule,
    config: &RunConfig,
    history: &History,
    record: Record,
    ws: &mut O::Workspace,
) -> Result<Trajectory> {
    let iterations = config.max_iterations;
    // history.get(1) is θ_T itself; get(b) is θ_{T−b+1}.
    let threshold = orbit_threshold(
        config.tolerance,
        largest_norm((1..=history.len).map(|b| history.get(b))),
    );
    let returns_within = |q: usize, k: usize| {
        (1..=q)
            .filter(|b| b + k <= history.len)
            .all(|b| distance(history.get(b), history.get(b + k)) <= threshold)
    };
    for q in 1..history.len {
        if distance(history.get(q + 1), &theta) > threshold {
            continue;
        }
        let Some(period) = reduced_period(q, config.max_period, |k| returns_within(q, k)) else {
            continue;
        };
        if period == 1 {
            return Ok(fixed_point(objective, theta, false, iterations, record, ws));
        }
        let orbit = history.orbit(period);
        let state = final_state(objective, &theta, ws);
        return Ok(Trajectory {
            attractor: Attractor::Periodic {
                period,
                orbit,
                exact: false,
            },
            iterations,
            final_state: Some(state),
            record,
        });
    }
    let eta = schedule.eta(iterations.saturating_sub(1));
    let lyapunov =
        match largest_lyapunov_exponent(objective, &theta, eta, 0, config.lyapunov_iterations) {
            Ok(estimate) => Some(estimate),
            Err(CoreError::NonFinite { .. } | CoreError::Superstable { .. }) => None,
            Err(e) => return Err(e),
        };
    let state = final_state(objective, &theta, ws);
    Ok(Trajectory {
        attractor: Attractor::Unresolved { lyapunov },
        iterations,
        final_state: Some(state),
        record,
    })
}
