//! Renders a [`Figure`] to SVG with plotters (SVG backend only, no system fonts, so the bytes
//! are the same on every machine). The only module that knows how figures are drawn.

use crate::report::Figure;
use plotters::prelude::*;

const PALETTE: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(23, 190, 207),
];

fn extent(values: impl Iterator<Item = f64>, log: bool) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite() && (!log || *v > 0.0))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    if !lo.is_finite() {
        return if log { (0.1, 10.0) } else { (0.0, 1.0) };
    }
    if log {
        let (lo, hi) = if hi > lo {
            (lo, hi)
        } else {
            (lo / 2.0, hi * 2.0)
        };
        (lo / 1.2, hi * 1.2)
    } else {
        let pad = if hi > lo {
            0.04 * (hi - lo)
        } else {
            0.5 * lo.abs().max(1.0)
        };
        (lo - pad, hi + pad)
    }
}

/// The palette slot of line `i`: its own among the lines that are not references (in order),
/// or, for a reference line, its run's.
fn line_colour(figure: &Figure, i: usize) -> usize {
    let own = |k: usize| {
        figure.lines[..k]
            .iter()
            .filter(|s| s.reference_of.is_none())
            .count()
    };
    match figure.lines[i].reference_of {
        Some(run) if run < figure.lines.len() => own(run),
        _ => own(i),
    }
}

/// The SVG text of `figure` (800 × 560 px).
pub fn render(figure: &Figure) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (800, 560)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let all = || figure.lines.iter().chain(&figure.points);
        let xs = extent(all().flat_map(|s| s.x.iter().copied()), figure.log_x);
        let ys = extent(all().flat_map(|s| s.y.iter().copied()), figure.log_y);
        let mut builder = ChartBuilder::on(&root);
        builder
            .caption(&figure.title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(70);
        macro_rules! draw {
            ($chart:expr) => {{
                let mut chart = $chart;
                chart
                    .configure_mesh()
                    .x_desc(figure.x_label.as_str())
                    .y_desc(figure.y_label.as_str())
                    .draw()
                    .map_err(|e| e.to_string())?;
                let ok = |x: f64, y: f64| {
                    x.is_finite()
                        && y.is_finite()
                        && (!figure.log_x || x > 0.0)
                        && (!figure.log_y || y > 0.0)
                };
                for (i, s) in figure.lines.iter().enumerate() {
                    let color = PALETTE[line_colour(figure, i) % PALETTE.len()];
                    let width = if s.reference_of.is_some() { 1 } else { 2 };
                    let pts: Vec<(f64, f64)> =
                        s.x.iter()
                            .zip(&s.y)
                            .map(|(x, y)| (*x, *y))
                            .filter(|(x, y)| ok(*x, *y))
                            .collect();
                    chart
                        .draw_series(LineSeries::new(pts, color.stroke_width(width)))
                        .map_err(|e| e.to_string())?
                        .label(s.label.as_str())
                        .legend(move |(x, y)| {
                            PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(width))
                        });
                }
                for (i, s) in figure.points.iter().enumerate() {
                    let color = PALETTE[(i + figure.lines.len()) % PALETTE.len()];
                    let pts: Vec<(f64, f64)> =
                        s.x.iter()
                            .zip(&s.y)
                            .map(|(x, y)| (*x, *y))
                            .filter(|(x, y)| ok(*x, *y))
                            .collect();
                    chart
                        .draw_series(pts.into_iter().map(|p| Circle::new(p, 2, color.filled())))
                        .map_err(|e| e.to_string())?
                        .label(s.label.as_str())
                        .legend(move |(x, y)| Circle::new((x + 9, y), 3, color.filled()));
                }
                chart
                    .configure_series_labels()
                    .background_style(WHITE.mix(0.85))
                    .border_style(BLACK)
                    .draw()
                    .map_err(|e| e.to_string())?;
            }};
        }
        match (figure.log_x, figure.log_y) {
            (false, false) => draw!(
                builder
                    .build_cartesian_2d(xs.0..xs.1, ys.0..ys.1)
                    .map_err(|e| e.to_string())?
            ),
            (true, false) => draw!(
                builder
                    .build_cartesian_2d((xs.0..xs.1).log_scale(), ys.0..ys.1)
                    .map_err(|e| e.to_string())?
            ),
            (false, true) => draw!(
                builder
                    .build_cartesian_2d(xs.0..xs.1, (ys.0..ys.1).log_scale())
                    .map_err(|e| e.to_string())?
            ),
            (true, true) => draw!(
                builder
                    .build_cartesian_2d((xs.0..xs.1).log_scale(), (ys.0..ys.1).log_scale())
                    .map_err(|e| e.to_string())?
            ),
        }
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::render;
    use crate::report::{Figure, Series};

    /// (stroke, stroke-width) of each polyline drawn in a palette colour (the series and
    /// their legend entries, not the mesh), in document order.
    fn strokes(svg: &str) -> Vec<(String, String)> {
        let palette: Vec<String> = super::PALETTE
            .iter()
            .map(|c| format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2))
            .collect();
        svg.split("<polyline ")
            .skip(1)
            .map(|p| {
                let attribute = |name: &str| {
                    let at = p.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
                    p[at..at + p[at..].find('"').unwrap()].to_string()
                };
                (
                    attribute("stroke").to_uppercase(),
                    attribute("stroke-width"),
                )
            })
            .filter(|(stroke, _)| palette.contains(stroke))
            .collect()
    }

    #[test]
    fn a_reference_line_is_drawn_in_its_runs_colour_and_thinner() {
        let mut fig = Figure::new("pairs", "two runs and their 2/η", "step", "λmax");
        let run = |k: f64| {
            Series::new(
                format!("eta = {k}"),
                vec![0.0, 1.0, 2.0],
                vec![k, k + 1.0, k],
            )
        };
        let limit = |k: f64| Series::new(format!("2/eta = {k}"), vec![0.0, 2.0], vec![k, k]);
        fig.lines.push(run(1.0));
        fig.lines.push(limit(3.0).reference_of(0));
        fig.lines.push(run(5.0));
        fig.lines.push(limit(7.0).reference_of(2));
        let svg = render(&fig).unwrap();
        let drawn = strokes(&svg);
        // The four series first, in order, then their legend entries.
        assert!(drawn.len() >= 8, "{drawn:?}");
        assert_eq!(drawn[1].0, drawn[0].0, "the first run's 2/η line");
        assert_eq!(drawn[3].0, drawn[2].0, "the second run's 2/η line");
        assert_ne!(drawn[0].0, drawn[2].0, "the two runs");
        assert_eq!((drawn[0].1.as_str(), drawn[1].1.as_str()), ("2", "1"));
        assert_eq!(
            drawn[4..8],
            drawn[..4],
            "the legend pairs them the same way"
        );
    }
}
