//! The orbit diagram of a 1-D loss: for each η, where GD settles after a transient, with the
//! 2/λmax line of each minimum. Writes `orbit-diagram.svg`.
//!
//! `cargo run --release --example orbit_diagram [OUTPUT_FOLDER]`

#[path = "support/output.rs"]
mod output;

use stepsize::dynamics::analyses::{Axis, OrbitDiagramOptions, orbit_diagram};
use stepsize::dynamics::num_dual::DualNum;
use stepsize::dynamics::{Autodiff, Loss};
use stepsize_cli::svg;

/// f(x) = (x² + 1)(x − 1)²(x − 2)²: minima at 1 (f″ = 4) and 2 (f″ = 10).
struct TwoMinima;

impl Loss for TwoMinima {
    fn dim(&self) -> usize {
        1
    }
    fn loss<D: DualNum<Primitive = f64> + Copy>(&self, t: &[D]) -> D {
        let x = t[0];
        (x * x + 1.0) * (x - 1.0).powi(2) * (x - 2.0).powi(2)
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let etas = Axis::new(0.05, 0.6, 200)?.values();
    let starts: Vec<Vec<f64>> = Axis::new(0.6, 2.4, 7)?
        .values()
        .into_iter()
        .map(|x| vec![x])
        .collect();
    let options = OrbitDiagramOptions {
        transient: 500,
        points: 32,
        ..Default::default()
    };
    let diagram = orbit_diagram(&Autodiff::new(TwoMinima), &etas, &starts, &options, None)?;
    let points: Vec<(f64, f64)> = diagram
        .columns
        .iter()
        .flat_map(|c| c.points.iter().map(move |p| (c.eta, p[0])))
        .collect();
    let lines: Vec<(f64, String)> = diagram
        .minima
        .iter()
        .map(|m| {
            (
                m.max_stable_step,
                format!("2/λmax of x = {:.3}", m.point[0]),
            )
        })
        .collect();
    for m in &diagram.minima {
        println!(
            "minimum x = {:.6}: λmax = {:.4}, 2/λmax = {:.4}",
            m.point[0], m.sharpness, m.max_stable_step
        );
    }
    let path = output::output_folder().join("orbit-diagram.svg");
    std::fs::write(
        &path,
        svg::scatter(
            "GD's orbit diagram",
            "η",
            "x after the transient",
            &points,
            &lines,
        ),
    )?;
    println!("wrote {}", path.display());
    Ok(())
}

#[test]
fn runs() {
    main().unwrap();
}
