//! Basin maps of SPEC W5's loss at η = 0.10 and η = 0.12: at 0.12 the sharper (global) minima
//! are linearly unstable and their basins turn into period-2 orbits, so the step size selects
//! the minima. Writes `basins-eta-0.10.svg` and `basins-eta-0.12.svg`.
//!
//! `cargo run --release --example basins_w5 [OUTPUT_FOLDER]`

#[path = "support/output.rs"]
mod output;

use stepsize::dynamics::analyses::{Axis, BasinAttractor, BasinOptions, Plane, basins};
use stepsize::dynamics::num_dual::DualNum;
use stepsize::dynamics::{Autodiff, Loss};
use stepsize_cli::svg;

struct W5;

impl Loss for W5 {
    fn dim(&self) -> usize {
        2
    }
    fn loss<D: DualNum<Primitive = f64> + Copy>(&self, t: &[D]) -> D {
        let (x, y) = (t[0], t[1]);
        (x * x - 1.0).powi(2) + (y * y - 1.0).powi(2) * 2.0 + x * y * 0.5
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let axis = Axis::new(-2.0, 2.0, 160)?;
    for eta in [0.10, 0.12] {
        let map = basins(
            &Autodiff::new(W5),
            eta,
            &Plane::xy(axis, axis),
            &BasinOptions::default(),
            None,
        )?;
        println!("η = {eta}:");
        let legend: Vec<String> = map
            .attractors
            .iter()
            .zip(&map.counts)
            .map(|(a, n)| {
                let what = match a {
                    BasinAttractor::FixedPoint {
                        point,
                        linearization,
                        ..
                    } => format!(
                        "({:+.2}, {:+.2}) {:?}",
                        point[0], point[1], linearization.stability
                    ),
                    BasinAttractor::Periodic { period } => format!("period {period}"),
                    BasinAttractor::Diverged => "diverged".into(),
                    _ => "unresolved".into(),
                };
                println!("  {what}: {n} starts");
                what
            })
            .collect();
        let path = output::output_folder().join(format!("basins-eta-{eta:.2}.svg"));
        let title = format!("where GD ends at η = {eta}");
        std::fs::write(
            &path,
            svg::raster(
                &title,
                (-2.0, 2.0),
                (-2.0, 2.0),
                axis.len(),
                &map.labels,
                &legend,
            ),
        )?;
        println!("  wrote {}", path.display());
    }
    Ok(())
}

#[test]
fn runs() {
    main().unwrap();
}
