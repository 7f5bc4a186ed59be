//! What an experiment returns: claims (the paper's statement, the theory value, the measured
//! value, the tolerance and a verdict), plus the series and tables behind its figures.

use crate::error::{ReproError, Result};
use serde::{Deserialize, Serialize};

/// Whether a claim held when measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Verdict {
    /// The measured value agrees with the claim within its tolerance.
    Holds,
    /// It does not.
    Fails,
    /// The measured effect did not appear in our scaled-down setting, where the catalogue
    /// allows that outcome to be reported as such (Mohtashami et al.'s GPU-scale claims).
    NotReproducedAtCpuScale,
}

impl Figure {
    /// An empty figure with linear axes.
    pub fn new(name: &str, title: &str, x_label: &str, y_label: &str) -> Self {
        Self {
            name: name.into(),
            title: title.into(),
            x_label: x_label.into(),
            y_label: y_label.into(),
            log_x: false,
            log_y: false,
            lines: Vec::new(),
            points: Vec::new(),
        }
    }
}

impl Verdict {
    /// `Holds` iff `condition`.
    pub fn from_bool(condition: bool) -> Self {
        if condition { Self::Holds } else { Self::Fails }
    }

    /// "holds" or "FAILS".
    pub fn label(self) -> &'static str {
        match self {
            Self::Holds => "holds",
            Self::Fails => "FAILS",
            Self::NotReproducedAtCpuScale => "not reproduced at CPU scale",
        }
    }
}

/// One checked statement.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Claim {
    /// Catalogue id of the result, e.g. `ns-ex2`.
    pub id: String,
    /// The paper's statement, in words.
    pub statement: String,
    /// The theory value (bound or limit), if the claim has one.
    #[serde(with = "gd_core::exact_json")]
    pub theory: Option<f64>,
    /// The measured value.
    #[serde(with = "gd_core::exact_json")]
    pub measured: f64,
    /// How measured and theory are compared, and why that tolerance.
    pub criterion: String,
    /// The outcome.
    pub verdict: Verdict,
}

impl Claim {
    /// A claim whose verdict is `holds`.
    pub fn new(
        id: &str,
        statement: impl Into<String>,
        theory: Option<f64>,
        measured: f64,
        criterion: impl Into<String>,
        holds: bool,
    ) -> Self {
        Self {
            id: id.into(),
            statement: statement.into(),
            theory,
            measured,
            criterion: criterion.into(),
            verdict: Verdict::from_bool(holds && measured.is_finite()),
        }
    }

    /// measured / theory, when both exist and theory ≠ 0.
    pub fn ratio(&self) -> Option<f64> {
        self.theory.filter(|t| *t != 0.0).map(|t| self.measured / t)
    }
}

/// A named series of (x, y) points for a figure.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// Legend label.
    pub label: String,
    /// x values.
    #[serde(with = "gd_core::exact_json")]
    pub x: Vec<f64>,
    /// y values.
    #[serde(with = "gd_core::exact_json")]
    pub y: Vec<f64>,
    /// For a reference line that belongs to a run (its 2/η, its bound): the index of that
    /// run's series among the figure's lines, whose colour it is drawn in (thinner).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_of: Option<usize>,
}

impl Series {
    /// A series from x and y values.
    pub fn new(label: impl Into<String>, x: Vec<f64>, y: Vec<f64>) -> Self {
        Self {
            label: label.into(),
            x,
            y,
            reference_of: None,
        }
    }

    /// This series as the reference line of line `run` of its figure, drawn in its colour.
    pub fn reference_of(self, run: usize) -> Self {
        Self {
            reference_of: Some(run),
            ..self
        }
    }
}

/// A figure: axis labels, scales and series (measured and theory drawn side by side).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    /// File stem, e.g. `ns-fig1`.
    pub name: String,
    /// Title.
    pub title: String,
    /// x-axis label.
    pub x_label: String,
    /// y-axis label.
    pub y_label: String,
    /// Log scale on x.
    pub log_x: bool,
    /// Log scale on y.
    pub log_y: bool,
    /// Curves drawn as lines.
    pub lines: Vec<Series>,
    /// Series drawn as points.
    pub points: Vec<Series>,
}

/// A table of numbers (written as CSV beside the JSON).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Table {
    /// File stem suffix: `data/<id>-<name>.csv`.
    pub name: String,
    /// Column names.
    pub columns: Vec<String>,
    /// Rows, each as long as `columns`.
    #[serde(with = "gd_core::exact_json")]
    pub rows: Vec<Vec<f64>>,
    /// What the values of coded columns mean.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub legends: Vec<Legend>,
}

/// The meaning of each value of a coded column.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Legend {
    /// The column.
    pub column: String,
    /// Each value and what it means.
    pub codes: Vec<Code>,
}

/// One value of a coded column and its meaning.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Code {
    /// The value as written in the table.
    pub value: f64,
    /// What it stands for.
    pub meaning: String,
}

impl Table {
    /// The table with a legend for the coded `column` (which must be one of its columns).
    pub fn with_legend(mut self, column: &str, codes: &[(f64, &str)]) -> Self {
        debug_assert!(self.columns.iter().any(|c| c == column), "{column}");
        self.legends.push(Legend {
            column: column.into(),
            codes: codes
                .iter()
                .map(|(value, meaning)| Code {
                    value: *value,
                    meaning: (*meaning).into(),
                })
                .collect(),
        });
        self
    }

    /// The table with the legend 0 = no, 1 = yes for the 0/1 `column`.
    pub fn with_flag_legend(self, column: &str) -> Self {
        self.with_legend(column, &[(0.0, "no"), (1.0, "yes")])
    }

    /// An empty table with the given columns.
    pub fn new(name: &str, columns: &[&str]) -> Self {
        Self {
            name: name.into(),
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows: Vec::new(),
            legends: Vec::new(),
        }
    }

    /// Appends a row.
    pub fn push(&mut self, row: Vec<f64>) {
        debug_assert_eq!(row.len(), self.columns.len());
        self.rows.push(row);
    }
}

/// The report of one experiment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Catalogue id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Free-text findings (what happened, stated plainly).
    pub notes: Vec<String>,
    /// The checked claims.
    pub claims: Vec<Claim>,
    /// Figures.
    pub figures: Vec<Figure>,
    /// Tables behind the figures and claims.
    pub tables: Vec<Table>,
    /// The full configuration the report was produced with (preset and overrides applied):
    /// enough to run it again.
    #[serde(default)]
    pub config: serde_json::Value,
}

impl Report {
    /// An empty report.
    pub fn new(id: &str, title: &str) -> Self {
        Self {
            id: id.into(),
            title: title.into(),
            notes: Vec::new(),
            claims: Vec::new(),
            figures: Vec::new(),
            tables: Vec::new(),
            config: serde_json::Value::Null,
        }
    }

    /// The report with the configuration it was produced with.
    pub fn with_config(mut self, config: &impl Serialize) -> Result<Self> {
        self.config = serde_json::to_value(config).map_err(|e| ReproError::Serialize {
            what: format!("the configuration of {}", self.id),
            reason: e.to_string(),
        })?;
        Ok(self)
    }

    /// Whether no claim fails (a claim not reproduced at CPU scale is reported, not failed).
    pub fn all_hold(&self) -> bool {
        self.claims.iter().all(|c| c.verdict != Verdict::Fails)
    }
}

/// The claims of all reports as a fixed-width text table.
pub fn claims_table(reports: &[Report]) -> String {
    let mut out = format!(
        "{:<14} {:<12} {:>14} {:>14} {:>10}  {}\n",
        "id", "verdict", "theory", "measured", "ratio", "statement"
    );
    let fmt = |v: Option<f64>| v.map_or("-".to_string(), |x| format!("{x:.6e}"));
    for c in reports.iter().flat_map(|r| &r.claims) {
        out.push_str(&format!(
            "{:<14} {:<12} {:>14} {:>14} {:>10}  {}\n",
            c.id,
            c.verdict.label(),
            fmt(c.theory),
            fmt(Some(c.measured)),
            c.ratio().map_or("-".to_string(), |r| format!("{r:.4}")),
            c.statement
        ));
    }
    if reports.iter().all(|r| r.claims.is_empty()) {
        out.push_str("(no claims: no experiment is registered yet)\n");
    }
    out
}
