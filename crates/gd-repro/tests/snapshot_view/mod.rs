//! A rounded view of a report for snapshot tests: numbers to a fixed count of significant
//! figures (insta's redactions round to decimal places, which erases small numbers); each
//! series and table summarized by its length, its end points and a digest of all its rounded
//! values, so that a change anywhere in an orbit diagram or a basin map shows.

use gd_repro::Report;
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

/// FNV-1a (64 bit) of the rounded values, as 16 hex digits: equal iff (up to a 2⁻⁶⁴ chance)
/// every value rounds to the same significant figures.
pub fn digest<'a>(values: impl Iterator<Item = &'a f64>) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for v in values {
        for byte in round_sig(*v).bytes().chain([b';']) {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

/// One series, summarized.
#[derive(Serialize)]
pub struct SeriesView {
    label: String,
    len: usize,
    first: Option<(String, String)>,
    last: Option<(String, String)>,
    digest: String,
}

/// One table, summarized.
#[derive(Serialize)]
pub struct TableView {
    name: String,
    rows: usize,
    digest: String,
}

/// The snapshot view of a report.
#[derive(Serialize)]
pub struct ReportView {
    id: String,
    claims: Vec<ClaimView>,
    series: Vec<SeriesView>,
    tables: Vec<TableView>,
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
                digest: digest(s.x.iter().chain(&s.y)),
            })
            .collect(),
        tables: report
            .tables
            .iter()
            .map(|t| TableView {
                name: t.name.clone(),
                rows: t.rows.len(),
                digest: digest(t.rows.iter().flatten()),
            })
            .collect(),
    }
}
