//! A rounded view of a report for snapshot tests: numbers to a fixed count of significant
//! figures (insta's redactions round to decimal places, which erases small numbers), series
//! summarized by length and end points.

use crate::report::Report;
use serde::Serialize;

/// Significant figures kept in snapshots: enough to catch any change of a result, few enough
/// that a last-bit difference in a library's rounding does not churn every snapshot.
pub const SIGNIFICANT_FIGURES: usize = 8;

/// x rounded to [`SIGNIFICANT_FIGURES`], as text (`"NaN"`, `"inf"` kept visible).
pub fn round_sig(x: f64) -> String {
    if !x.is_finite() || x == 0.0 {
        return format!("{x}");
    }
    format!("{:.*e}", SIGNIFICANT_FIGURES - 1, x)
}

/// One claim, rounded.
#[derive(Serialize)]
pub struct ClaimView {
    statement: String,
    theory: Option<String>,
    measured: String,
    verdict: String,
}

/// One series, summarized.
#[derive(Serialize)]
pub struct SeriesView {
    label: String,
    len: usize,
    first: Option<(String, String)>,
    last: Option<(String, String)>,
}

/// The snapshot view of a report.
#[derive(Serialize)]
pub struct ReportView {
    id: String,
    claims: Vec<ClaimView>,
    series: Vec<SeriesView>,
    table_rows: Vec<(String, usize)>,
}

/// The rounded view of `report`.
pub fn view(report: &Report) -> ReportView {
    let point = |x: &[f64], y: &[f64], i: usize| (round_sig(x[i]), round_sig(y[i]));
    ReportView {
        id: report.id.clone(),
        claims: report
            .claims
            .iter()
            .map(|c| ClaimView {
                statement: c.statement.clone(),
                theory: c.theory.map(round_sig),
                measured: round_sig(c.measured),
                verdict: c.verdict.label().into(),
            })
            .collect(),
        series: report
            .figures
            .iter()
            .flat_map(|f| f.lines.iter().chain(&f.points))
            .map(|s| SeriesView {
                label: s.label.clone(),
                len: s.x.len(),
                first: (!s.x.is_empty()).then(|| point(&s.x, &s.y, 0)),
                last: (!s.x.is_empty()).then(|| point(&s.x, &s.y, s.x.len() - 1)),
            })
            .collect(),
        table_rows: report
            .tables
            .iter()
            .map(|t| (t.name.clone(), t.rows.len()))
            .collect(),
    }
}
