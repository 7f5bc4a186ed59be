//! Your own 2-D loss in a few lines: its minima, their stability, and where GD ends.
//!
//! `cargo run --release --example own_loss`

use stepsize::dynamics::analyses::{attractor_of, stability};
use stepsize::dynamics::num_dual::DualNum;
use stepsize::dynamics::{Attractor, Autodiff, Loss};

/// f(x, y) = (x² − 1)² + 2(y² − 1)² + xy/2: four minima of different sharpness.
struct TiltedWells;

impl Loss for TiltedWells {
    fn dim(&self) -> usize {
        2
    }
    fn loss<D: DualNum<Primitive = f64> + Copy>(&self, t: &[D]) -> D {
        let (x, y) = (t[0], t[1]);
        (x * x - 1.0).powi(2) + (y * y - 1.0).powi(2) * 2.0 + x * y * 0.5
    }
}

fn main() -> Result<(), stepsize::dynamics::CoreError> {
    let f = Autodiff::new(TiltedWells);
    println!("minima (reached by GD at a small step), and the largest step each tolerates:");
    for corner in [[1.0, 1.0], [1.0, -1.0], [-1.0, 1.0], [-1.0, -1.0]] {
        let Attractor::FixedPoint { point, .. } = attractor_of(&f, &corner, 0.01)?.attractor else {
            continue;
        };
        let s = stability(&f, &point, Some(0.12))?;
        println!(
            "  ({:+.6}, {:+.6})  loss {:+.4}  λmax {:.3}  2/λmax {:.4}  at η = 0.12: {:?}",
            point[0],
            point[1],
            s.loss,
            s.extremes.sharpness(),
            s.max_stable_step.unwrap_or(f64::INFINITY),
            s.at_eta.map(|l| l.stability)
        );
    }
    for eta in [0.05, 0.12] {
        let end = attractor_of(&f, &[0.9, -1.1], eta)?;
        println!(
            "from (0.9, -1.1) at η = {eta}: {}",
            describe(&end.attractor)
        );
    }
    Ok(())
}

fn describe(a: &Attractor) -> String {
    match a {
        Attractor::FixedPoint { point, .. } => {
            format!("fixed point ({:+.4}, {:+.4})", point[0], point[1])
        }
        Attractor::Periodic { period, orbit, .. } => format!(
            "period-{period} orbit through ({:+.4}, {:+.4})",
            orbit[0][0], orbit[0][1]
        ),
        Attractor::Diverged { at_iteration } => format!("diverged at step {at_iteration}"),
        other => format!("{other:?}"),
    }
}

#[test]
fn runs() {
    main().unwrap();
}
