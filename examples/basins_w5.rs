//! Basin maps of SPEC W5's loss at η = 0.10 and η = 0.12: at 0.12 the sharper (global) minima
//! are linearly unstable and their basins turn into period-2 orbits, so the step size selects
//! the minima. Writes `basins-eta-0.10.{png,svg}` and `basins-eta-0.12.{png,svg}`.
//!
//! `cargo run --release --example basins_w5 [OUTPUT_FOLDER]`

#[path = "support/output.rs"]
mod output;

use stepsize::dynamics::analyses::{Axis, BasinOptions, Plane, basins};
use stepsize::dynamics::num_dual::DualNum;
use stepsize::dynamics::{Autodiff, Loss};
use stepsize_cli::sweeps;

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
        for (a, n) in map.attractors.iter().zip(&map.counts) {
            println!("  {}: {n} starts", sweeps::describe(a));
        }
        let name = format!("basins-eta-{eta:.2}");
        let (image, picture) = sweeps::basin_picture(
            &map,
            &format!("where GD ends at η = {eta}"),
            &format!("{name}.png"),
        );
        let folder = output::output_folder();
        std::fs::write(folder.join(format!("{name}.png")), image)?;
        std::fs::write(folder.join(format!("{name}.svg")), picture)?;
        println!("  wrote {}", folder.join(format!("{name}.svg")).display());
    }
    Ok(())
}

#[test]
fn runs() {
    main().unwrap();
}
