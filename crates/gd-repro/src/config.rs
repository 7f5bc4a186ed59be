//! Experiment configurations: each experiment has a typed config with a full and a quick
//! preset; a TOML file can override any field, per experiment id (`[ns-ex1]` tables).
//! Unknown fields are rejected, so a typo is an error, not a silent default.

use crate::error::ReproError;
use crate::field_check::excerpt;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Characters of context shown on either side of a parse error.
const PARSE_CONTEXT: usize = 30;

/// User overrides: a TOML table of tables keyed by experiment id.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    table: toml::Table,
}

impl Overrides {
    /// Parses overrides from TOML text; `path` names the source in error messages.
    pub fn parse(path: &str, text: &str) -> Result<Self, ReproError> {
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| parse_error(path, text, &e))?;
        for (id, value) in &table {
            if !value.is_table() {
                return Err(ReproError::Config {
                    id: id.clone(),
                    field: "(table)".into(),
                    value: excerpt(&value.to_string()),
                    allowed: format!("a table of fields, `[{id}]`"),
                });
            }
        }
        Ok(Self { table })
    }

    /// The experiment ids named in the file.
    pub fn ids(&self) -> impl Iterator<Item = &String> {
        self.table.keys()
    }

    /// The preset, with the fields of `[id]` replaced by the overrides. Each overridden field
    /// is tried alone first, so an unknown field or a wrong type names the field.
    pub fn apply<C: Serialize + DeserializeOwned>(
        &self,
        id: &str,
        preset: C,
    ) -> Result<C, ReproError> {
        let Some(toml::Value::Table(over)) = self.table.get(id) else {
            return Ok(preset);
        };
        let error = |field: &str, value: &toml::Value, e: toml::de::Error| ReproError::Config {
            id: id.into(),
            field: field.into(),
            value: excerpt(&value.to_string()),
            allowed: e.message().trim().to_string(),
        };
        let base = toml::Table::try_from(&preset).map_err(|e| ReproError::Config {
            id: id.into(),
            field: "(preset)".into(),
            value: "(preset)".into(),
            allowed: e.to_string(),
        })?;
        for (field, value) in over {
            let mut one = base.clone();
            one.insert(field.clone(), value.clone());
            toml::Value::Table(one)
                .try_into::<C>()
                .map_err(|e| error(field, value, e))?;
        }
        let mut all = base;
        all.extend(over.iter().map(|(k, v)| (k.clone(), v.clone())));
        let all = toml::Value::Table(all);
        all.clone()
            .try_into::<C>()
            .map_err(|e| error("(fields together)", &all, e))
    }
}

/// A parse error with its line, column and a short excerpt around the position (a long line
/// is not echoed whole).
fn parse_error(path: &str, text: &str, e: &toml::de::Error) -> ReproError {
    let at = e.span().map_or(0, |s| s.start).min(text.len());
    let at = (0..=at)
        .rev()
        .find(|i| text.is_char_boundary(*i))
        .unwrap_or(0);
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    let before: String = {
        let chars: Vec<char> = text[line_start..at].chars().collect();
        chars[chars.len().saturating_sub(PARSE_CONTEXT)..]
            .iter()
            .collect()
    };
    let after: String = text[at..line_end].chars().take(PARSE_CONTEXT).collect();
    ReproError::Parse {
        path: path.to_string(),
        line: text[..at].matches('\n').count() + 1,
        column: text[line_start..at].chars().count() + 1,
        message: e.message().trim().to_string(),
        excerpt: format!("{before}⟨here⟩{after}"),
    }
}

#[cfg(test)]
mod properties {
    //! What a user writes in a config file: any text is parsed or refused with a typed error,
    //! never a panic; a syntactically valid override of any field with any value is applied,
    //! or refused naming that field.

    use super::Overrides;
    use crate::error::ReproError;
    use crate::experiments::mjs_gd::Config;
    use crate::run_options::RunOptions;
    use proptest::prelude::*;

    const FIELDS: [&str; 15] = [
        "depth",
        "center",
        "width",
        "eta_min",
        "eta_max",
        "etas",
        "starts",
        "x_max",
        "flow_eta",
        "dim",
        "wells",
        "well_radius",
        "max_iterations",
        "seed",
        "no_such_field",
    ];

    /// A TOML value of any kind, including the awkward ones (huge, negative, NaN, inf).
    fn value() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<i64>().prop_map(|v| v.to_string()),
            any::<f64>().prop_map(|v| format!("{v:?}")),
            Just("nan".to_string()),
            Just("-inf".to_string()),
            Just("1e308".to_string()),
            "[a-z ]{0,8}".prop_map(|s| format!("{s:?}")),
            Just("[1, 2, 3]".to_string()),
            Just("{ a = 1 }".to_string()),
            Just("true".to_string()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        #[test]
        fn any_text_is_parsed_or_refused(text in "\\PC{0,80}") {
            let _ = Overrides::parse("generated.toml", &text);
        }

        #[test]
        fn any_field_override_is_applied_or_refused_by_name(
            field in prop::sample::select(FIELDS.to_vec()),
            value in value(),
        ) {
            let text = format!("[mjs-gd]\n{field} = {value}\n");
            let Ok(overrides) = Overrides::parse("generated.toml", &text) else {
                return Ok(());
            };
            let options = RunOptions { overrides, quick: true, ..RunOptions::default() };
            match options.config("mjs-gd", Config::quick(), Config::full()) {
                Ok(_) => {}
                Err(ReproError::Config { field: named, .. }) => prop_assert_eq!(named, field),
                Err(other) => prop_assert!(false, "{other}"),
            }
        }
    }
}
