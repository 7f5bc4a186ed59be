//! A few lines of SVG: points with labeled vertical reference lines (orbit diagrams), and a
//! labelled map drawn from its PNG with a legend beside it (basin maps). Plain text; no fonts beyond the viewer's
//! default, so the bytes depend on nothing but the data.

use std::fmt::Write;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 400.0;
const MARGIN: f64 = 50.0;

/// The colours of labels 0, 1, 2, … (cycled).
pub const PALETTE: [&str; 8] = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#9c755f",
];

/// A polyline's (x, y) points.
pub type Curve<'a> = &'a [(f64, f64)];

/// One line of a panel: its points, colour and legend label (none when empty).
type Series<'a> = (Curve<'a>, &'a str, &'a str);

fn scale(v: f64, lo: f64, hi: f64, out_lo: f64, out_hi: f64) -> f64 {
    out_lo + (v - lo) / (hi - lo) * (out_hi - out_lo)
}

/// A scatter plot of `(x, y)` points with labeled vertical lines at `lines`.
pub fn scatter(
    title: &str,
    x_label: &str,
    y_label: &str,
    points: &[(f64, f64)],
    lines: &[(f64, String)],
) -> String {
    let (mut x0, mut x1, mut y0, mut y1) = (
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
    );
    for (x, y) in points {
        (x0, x1, y0, y1) = (x0.min(*x), x1.max(*x), y0.min(*y), y1.max(*y));
    }
    for (x, _) in lines {
        (x0, x1) = (x0.min(*x), x1.max(*x));
    }
    if x1.partial_cmp(&x0) != Some(std::cmp::Ordering::Greater) {
        (x0, x1) = (x0 - 1.0, x0 + 1.0);
    }
    if y1.partial_cmp(&y0) != Some(std::cmp::Ordering::Greater) {
        (y0, y1) = (y0 - 1.0, y0 + 1.0);
    }
    let px = |x: f64| scale(x, x0, x1, MARGIN, WIDTH - MARGIN);
    let py = |y: f64| scale(y, y0, y1, HEIGHT - MARGIN, MARGIN);
    let mut svg = header(title);
    axes(&mut svg, x_label, y_label, (x0, x1), (y0, y1));
    for (x, label) in lines {
        let _ = write!(
            svg,
            r##"<line x1="{0:.1}" y1="{1}" x2="{0:.1}" y2="{2}" stroke="#e15759" stroke-dasharray="4 3"/><text x="{0:.1}" y="{3}" font-size="11" fill="#e15759">{label}</text>"##,
            px(*x),
            MARGIN,
            HEIGHT - MARGIN,
            MARGIN - 6.0
        );
    }
    for (x, y) in points {
        let _ = write!(
            svg,
            r##"<circle cx="{:.1}" cy="{:.1}" r="1" fill="#4e79a7"/>"##,
            px(*x),
            py(*y)
        );
    }
    svg.push_str("</svg>\n");
    svg
}

/// The side of a map's frame, its margins, and the legend's geometry (font size 11: a
/// sans-serif glyph is at most about 0.6 em wide on average, so a line of n characters needs
/// n · [`LEGEND_CHAR_WIDTH`] pixels).
pub const MAP_SIDE: f64 = 400.0;
const MAP_LEFT: f64 = 64.0;
const MAP_TOP: f64 = 36.0;
const MAP_BOTTOM: f64 = 44.0;
/// Pixels between the frame and the legend, and per legend row.
pub const LEGEND_GAP: f64 = 20.0;
const LEGEND_ROW: f64 = 18.0;
/// The width allowed per character of a legend line.
pub const LEGEND_CHAR_WIDTH: f64 = 6.6;

/// The colours of [`PALETTE`] as RGB bytes (the PNG's palette).
pub fn palette_rgb() -> Vec<[u8; 3]> {
    PALETTE
        .iter()
        .map(|hex| {
            let byte = |k: usize| u8::from_str_radix(&hex[k..k + 2], 16).unwrap_or(0);
            [byte(1), byte(3), byte(5)]
        })
        .collect()
}

/// A labelled map whose cells are the pixels of the PNG `image` (a file beside the SVG, one
/// pixel per cell, label k in `PALETTE[k % 8]`): the image fills the axes' frame exactly, x
/// from `x.0` to `x.1` and y from `y.0` (bottom) to `y.1`; the legend (one line per label, in
/// label order) sits right of the frame, outside the data, on a canvas as wide as its longest
/// line needs.
pub fn map(title: &str, x: (f64, f64), y: (f64, f64), image: &str, legend: &[String]) -> String {
    let longest = legend.iter().map(|t| t.chars().count()).max().unwrap_or(0);
    let legend_x = MAP_LEFT + MAP_SIDE + LEGEND_GAP;
    let width = (legend_x + 16.0 + longest as f64 * LEGEND_CHAR_WIDTH + 12.0).ceil();
    let legend_height = LEGEND_ROW * legend.len() as f64;
    let height = (MAP_TOP + MAP_SIDE.max(legend_height) + MAP_BOTTOM).ceil();
    let (left, top, bottom) = (MAP_LEFT, MAP_TOP, MAP_TOP + MAP_SIDE);
    let right = left + MAP_SIDE;
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="{width}" height="{height}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/><text x="{}" y="22" font-size="14" text-anchor="middle">{title}</text>"#,
        left + MAP_SIDE / 2.0
    );
    let _ = write!(
        svg,
        r#"<image x="{left}" y="{top}" width="{MAP_SIDE}" height="{MAP_SIDE}" preserveAspectRatio="none" style="image-rendering:pixelated" href="{image}" xlink:href="{image}"/><rect x="{left}" y="{top}" width="{MAP_SIDE}" height="{MAP_SIDE}" fill="none" stroke="black"/>"#
    );
    let _ = write!(
        svg,
        r##"<text x="{left}" y="{t}" font-size="11">{:.3}</text><text x="{right}" y="{t}" font-size="11" text-anchor="end">{:.3}</text><text x="{c}" y="{t}" font-size="12" text-anchor="middle">x</text><text x="{l}" y="{bottom}" font-size="11" text-anchor="end">{:.3}</text><text x="{l}" y="{ty}" font-size="11" text-anchor="end">{:.3}</text><text x="{l}" y="{mid}" font-size="12" text-anchor="end">y</text>"##,
        x.0,
        x.1,
        y.0,
        y.1,
        t = bottom + 18.0,
        c = left + MAP_SIDE / 2.0,
        l = left - 6.0,
        ty = top + 10.0,
        mid = top + MAP_SIDE / 2.0,
    );
    for (k, text) in legend.iter().enumerate() {
        let yk = top + LEGEND_ROW * k as f64;
        let _ = write!(
            svg,
            r#"<rect x="{legend_x}" y="{yk}" width="12" height="12" fill="{}"/><text x="{}" y="{}" font-size="11">{text}</text>"#,
            PALETTE[k % PALETTE.len()],
            legend_x + 16.0,
            yk + 10.0
        );
    }
    svg.push_str("</svg>\n");
    svg
}

fn header(title: &str) -> String {
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/><text x="{}" y="20" font-size="14" text-anchor="middle">{title}</text>"#,
        WIDTH / 2.0
    )
}

fn axes(svg: &mut String, x_label: &str, y_label: &str, x: (f64, f64), y: (f64, f64)) {
    let _ = write!(
        svg,
        r##"<line x1="{m}" y1="{b}" x2="{r}" y2="{b}" stroke="black"/><line x1="{m}" y1="{m}" x2="{m}" y2="{b}" stroke="black"/><text x="{m}" y="{t}" font-size="11">{:.3}</text><text x="{r}" y="{t}" font-size="11" text-anchor="end">{:.3}</text><text x="{c}" y="{t}" font-size="12" text-anchor="middle">{x_label}</text><text x="4" y="{b}" font-size="11">{:.3}</text><text x="4" y="{m}" font-size="11">{:.3}</text><text x="4" y="{mid}" font-size="12">{y_label}</text>"##,
        x.0,
        x.1,
        y.0,
        y.1,
        m = MARGIN,
        b = HEIGHT - MARGIN,
        r = WIDTH - MARGIN,
        t = HEIGHT - MARGIN + 18.0,
        c = WIDTH / 2.0,
        mid = HEIGHT / 2.0
    );
}

/// A panel of several polylines (points, colour, legend label; no legend entry for an empty
/// label) sharing the value range, with horizontal dashed lines (value, label, colour); the
/// legend sits above the panel, outside the data.
fn lines_panel(
    svg: &mut String,
    frame: (f64, f64, f64, f64),
    labels: (&str, &str),
    series: &[Series<'_>],
    dashed: &[(f64, String, &str)],
) {
    let (left, top, width, height) = frame;
    let finite = |points: &'_ [(f64, f64)]| {
        points
            .iter()
            .copied()
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .collect::<Vec<_>>()
    };
    let (mut x0, mut x1, mut y0, mut y1) = (
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
    );
    for (points, _, _) in series {
        for (x, y) in finite(points) {
            (x0, x1, y0, y1) = (x0.min(x), x1.max(x), y0.min(y), y1.max(y));
        }
    }
    for (y, _, _) in dashed {
        (y0, y1) = (y0.min(*y), y1.max(*y));
    }
    if x1.partial_cmp(&x0) != Some(std::cmp::Ordering::Greater) {
        (x0, x1) = (x0 - 1.0, x0 + 1.0);
    }
    if y1.partial_cmp(&y0) != Some(std::cmp::Ordering::Greater) {
        (y0, y1) = (y0 - 1.0, y0 + 1.0);
    }
    let pad = 0.05 * (y1 - y0);
    (y0, y1) = (y0 - pad, y1 + pad);
    let px = |x: f64| scale(x, x0, x1, left, left + width);
    let py = |y: f64| scale(y, y0, y1, top + height, top);
    let (bottom, right) = (top + height, left + width);
    let _ = write!(
        svg,
        r##"<rect x="{left}" y="{top}" width="{width}" height="{height}" fill="none" stroke="black"/><text x="{left}" y="{t}" font-size="11">{x0:.0}</text><text x="{right}" y="{t}" font-size="11" text-anchor="end">{x1:.0}</text><text x="{c}" y="{t}" font-size="12" text-anchor="middle">{xl}</text><text x="{l}" y="{bottom}" font-size="11" text-anchor="end">{y0:.4}</text><text x="{l}" y="{top2}" font-size="11" text-anchor="end">{y1:.4}</text><text x="{left}" y="{ty}" font-size="12">{yl}</text>"##,
        t = bottom + 16.0,
        c = left + width / 2.0,
        xl = labels.0,
        l = left - 4.0,
        top2 = top + 10.0,
        ty = top - 6.0,
        yl = labels.1,
    );
    for (y, label, colour) in dashed {
        let _ = write!(
            svg,
            r##"<line x1="{left}" y1="{0:.1}" x2="{right}" y2="{0:.1}" stroke="{colour}" stroke-dasharray="5 4"/><text x="{1}" y="{2:.1}" font-size="11" fill="{colour}" text-anchor="end">{label}</text>"##,
            py(*y),
            right - 4.0,
            py(*y) - 4.0
        );
    }
    let mut legend_x = left + 80.0;
    for (points, colour, label) in series {
        let path: Vec<String> = finite(points)
            .iter()
            .map(|(x, y)| format!("{:.1},{:.1}", px(*x), py(*y)))
            .collect();
        let _ = write!(
            svg,
            r##"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="1.2"/>"##,
            path.join(" ")
        );
        if !label.is_empty() {
            let _ = write!(
                svg,
                r##"<line x1="{legend_x}" y1="{y:.1}" x2="{x2}" y2="{y:.1}" stroke="{colour}" stroke-width="2"/><text x="{tx}" y="{ty:.1}" font-size="11">{label}</text>"##,
                y = top - 10.0,
                x2 = legend_x + 14.0,
                tx = legend_x + 18.0,
                ty = top - 6.0,
            );
            legend_x += 30.0 + 6.0 * label.chars().count() as f64;
        }
    }
}

/// One panel of a two-panel figure: axis labels, lines, horizontal dashed lines.
struct Panel<'a> {
    labels: (&'a str, &'a str),
    series: Vec<Series<'a>>,
    dashed: Vec<(f64, String, &'a str)>,
}

/// A figure of two panels side by side under `title`.
fn two_panels(title: &str, left: Panel<'_>, right: Panel<'_>) -> String {
    let (w, h) = (2.0 * WIDTH, HEIGHT);
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/><text x="{}" y="20" font-size="14" text-anchor="middle">{title}</text>"#,
        w / 2.0
    );
    let panel = (WIDTH - 2.0 * MARGIN - 20.0, HEIGHT - 2.0 * MARGIN - 10.0);
    for (x, p) in [(MARGIN + 20.0, left), (WIDTH + MARGIN + 20.0, right)] {
        lines_panel(
            &mut svg,
            (x, MARGIN + 10.0, panel.0, panel.1),
            p.labels,
            &p.series,
            &p.dashed,
        );
    }
    svg.push_str("</svg>\n");
    svg
}

/// The central-flow figure: GD's loss (raw and averaged over a window) and the flow's
/// predicted time-averaged loss (left); λmax at GD's iterate and along the flow, with 2/η
/// dashed (right).
pub fn central_flow(
    losses: (Curve<'_>, Curve<'_>, Curve<'_>),
    sharpness: (Curve<'_>, Curve<'_>),
    threshold: f64,
) -> String {
    two_panels(
        "GD and its central flow",
        Panel {
            labels: ("step", "loss"),
            series: vec![
                (losses.0, "#bab0ac", "GD"),
                (losses.1, PALETTE[0], "GD, averaged"),
                (losses.2, PALETTE[2], "central flow's prediction"),
            ],
            dashed: Vec::new(),
        },
        Panel {
            labels: ("step", "sharpness λmax"),
            series: vec![
                (sharpness.0, PALETTE[0], "GD"),
                (sharpness.1, PALETTE[2], "central flow"),
            ],
            dashed: vec![(threshold, format!("2/η = {threshold:.4}"), "black")],
        },
    )
}

/// The edge-of-stability figure: λmax along the run with 2/η as a dashed line in the same
/// colour (left), and the loss at every step (right).
pub fn edge_of_stability(
    sharpness: &[(f64, f64)],
    threshold: f64,
    losses: &[(f64, f64)],
) -> String {
    two_panels(
        "GD at the edge of stability",
        Panel {
            labels: ("step", "sharpness λmax"),
            series: vec![(sharpness, PALETTE[0], "")],
            dashed: vec![(threshold, format!("2/η = {threshold:.4}"), PALETTE[0])],
        },
        Panel {
            labels: ("step", "loss"),
            series: vec![(losses, PALETTE[1], "")],
            dashed: Vec::new(),
        },
    )
}
