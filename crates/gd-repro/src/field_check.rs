//! Checks of an experiment's config, field by field, before anything is allocated or run:
//! every float finite, every count and list within a documented cap, then each experiment's
//! own rules. A failure names the experiment, the field, the value and what is allowed.

use crate::error::{ReproError, Result};
use serde::Serialize;
use std::fmt::Display;

/// The largest count (grid axis, starts, seeds, widths) and list length a config may hold:
/// 2²⁰. A task grid is checked separately against [`MAX_TASKS`].
pub const MAX_COUNT: usize = 1 << 20;

/// The largest step budget a config field may hold: gd-core's cap of 10⁹ steps per run.
pub const MAX_STEPS: usize = gd_core::MAX_ITERATIONS;

/// The most tasks (runs) one experiment may sweep over: 2²⁴, about 16.8 million.
pub const MAX_TASKS: usize = 1 << 24;

/// Fields that are step budgets (capped at [`MAX_STEPS`], not [`MAX_COUNT`]).
const STEP_FIELDS: [&str; 9] = [
    "max_iterations",
    "steps",
    "orbit_transient",
    "orbit_points",
    "continuation",
    "settle_budget",
    "phase1",
    "phase2",
    "every",
];

/// Fields that hold seeds: any u64.
const SEED_FIELDS: [&str; 4] = ["seed", "seeds", "data_seed", "init_seed"];

/// The longest printed value in a message.
const VALUE_EXCERPT: usize = 60;

/// Shortens a printed value to [`VALUE_EXCERPT`] characters.
pub(crate) fn excerpt(text: &str) -> String {
    if text.chars().count() <= VALUE_EXCERPT {
        text.to_string()
    } else {
        let head: String = text.chars().take(VALUE_EXCERPT).collect();
        format!("{head}… ({} characters)", text.len())
    }
}

/// The checks of one experiment's fields.
pub(crate) struct Fields {
    id: &'static str,
}

impl Fields {
    /// Checks for experiment `id`.
    pub(crate) fn of(id: &'static str) -> Self {
        Self { id }
    }

    /// The error for `field = value`, which must be `allowed`.
    pub(crate) fn error(
        &self,
        field: impl Into<String>,
        value: impl Display,
        allowed: impl Into<String>,
    ) -> ReproError {
        ReproError::Config {
            id: self.id.to_string(),
            field: field.into(),
            value: excerpt(&value.to_string()),
            allowed: allowed.into(),
        }
    }

    /// Passes when `ok`, else the error for `field = value`.
    pub(crate) fn require(
        &self,
        ok: bool,
        field: impl Into<String>,
        value: impl Display,
        allowed: impl Into<String>,
    ) -> Result<()> {
        if ok {
            Ok(())
        } else {
            Err(self.error(field, value, allowed))
        }
    }

    /// `value` ≥ `min`.
    pub(crate) fn at_least(&self, field: &str, value: usize, min: usize) -> Result<()> {
        self.require(value >= min, field, value, format!("at least {min}"))
    }

    /// `value` > 0 (finiteness is checked for every field already).
    pub(crate) fn positive(&self, field: &str, value: f64) -> Result<()> {
        self.require(value > 0.0, field, value, "> 0")
    }

    /// A small and a large step size: 0 < `small_eta` < `large_eta`.
    pub(crate) fn step_pair(&self, small_eta: f64, large_eta: f64) -> Result<()> {
        self.positive("small_eta", small_eta)?;
        self.increasing("small_eta", small_eta, "large_eta", large_eta)
    }

    /// A list with at least `min` entries.
    pub(crate) fn list<T: std::fmt::Debug>(
        &self,
        field: &str,
        list: &[T],
        min: usize,
    ) -> Result<()> {
        self.require(
            list.len() >= min,
            field,
            format!("{list:?}"),
            format!("at least {min} entries"),
        )
    }

    /// Every entry of `list` satisfies `ok`.
    pub(crate) fn each<T: Copy + Display>(
        &self,
        field: &str,
        list: &[T],
        ok: impl Fn(T) -> bool,
        allowed: &str,
    ) -> Result<()> {
        match list.iter().position(|v| !ok(*v)) {
            Some(i) => Err(self.error(format!("{field}[{i}]"), list[i], allowed)),
            None => Ok(()),
        }
    }

    /// `lo` < `hi`, both named, with a finite width `hi − lo` (a range to draw from).
    pub(crate) fn increasing(
        &self,
        lo_field: &str,
        lo: f64,
        hi_field: &str,
        hi: f64,
    ) -> Result<()> {
        self.require(
            lo < hi,
            hi_field,
            hi,
            format!("greater than {lo_field} ({lo})"),
        )?;
        self.require(
            (hi - lo).is_finite(),
            hi_field,
            hi,
            format!("within f64::MAX of {lo_field} ({lo}), so the range has a finite width"),
        )
    }

    /// A symmetric range (−`value`, `value`) to draw from: `value` > 0 and 2·`value` finite.
    pub(crate) fn half_width(&self, field: &str, value: f64) -> Result<()> {
        self.require(
            value > 0.0 && (2.0 * value).is_finite(),
            field,
            value,
            "> 0 and at most f64::MAX / 2 (the range (−x, x) must have a finite width)",
        )
    }

    /// The number of tasks of a sweep, `factors` multiplied with overflow checked, within
    /// [`MAX_TASKS`]. `what` names the fields, e.g. "etas × starts".
    pub(crate) fn tasks(&self, what: &str, factors: &[usize]) -> Result<usize> {
        let product = factors
            .iter()
            .try_fold(1_usize, |acc, n| acc.checked_mul(*n));
        let shown = factors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" × ");
        match product {
            Some(n) if n <= MAX_TASKS => Ok(n),
            _ => Err(self.error(
                what,
                shown,
                format!("at most {MAX_TASKS} tasks in all (split the sweep into shards or lower the resolution)"),
            )),
        }
    }

    /// The checks every config gets, on its serialized form: each float finite, each count
    /// within [`MAX_COUNT`] (step budgets within [`MAX_STEPS`], seeds unbounded), each list
    /// within [`MAX_COUNT`] entries.
    pub(crate) fn every_field<C: Serialize>(&self, config: &C) -> Result<()> {
        let value = toml::Value::try_from(config)
            .map_err(|e| self.error("(config)", e, "a config TOML can hold"))?;
        self.walk("", "", &value)
    }

    /// Checks `value` at `path`; `leaf` is the name of the field it belongs to (a list's
    /// entries belong to the list's field).
    fn walk(&self, path: &str, leaf: &str, value: &toml::Value) -> Result<()> {
        match value {
            toml::Value::Float(x) => self.require(x.is_finite(), path, x, "a finite number"),
            toml::Value::Integer(n) => {
                if SEED_FIELDS.contains(&leaf) {
                    return Ok(());
                }
                let cap = if STEP_FIELDS.contains(&leaf) {
                    MAX_STEPS
                } else {
                    MAX_COUNT
                };
                self.require(
                    usize::try_from(*n).is_ok_and(|n| n <= cap),
                    path,
                    n,
                    format!("at most {cap}"),
                )
            }
            toml::Value::Array(items) => {
                self.require(
                    items.len() <= MAX_COUNT,
                    path,
                    format!("{} entries", items.len()),
                    format!("at most {MAX_COUNT} entries"),
                )?;
                items
                    .iter()
                    .enumerate()
                    .try_for_each(|(i, v)| self.walk(&format!("{path}[{i}]"), leaf, v))
            }
            toml::Value::Table(table) => table.iter().try_for_each(|(k, v)| {
                let child = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                self.walk(&child, k, v)
            }),
            _ => Ok(()),
        }
    }
}
