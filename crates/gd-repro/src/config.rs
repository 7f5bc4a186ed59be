//! Experiment configurations: each experiment has a typed config with a full and a quick
//! preset; a TOML file can override any field, per experiment id (`[ns-ex1]` tables).
//! Unknown fields are rejected, so a typo is an error, not a silent default.

use crate::error::ReproError;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// User overrides: a TOML table of tables keyed by experiment id.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    table: toml::Table,
}

impl Overrides {
    /// Parses overrides from TOML text.
    pub fn parse(text: &str) -> Result<Self, ReproError> {
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| ReproError::Config {
                id: "(file)".into(),
                reason: e.to_string(),
            })?;
        Ok(Self { table })
    }

    /// The experiment ids named in the file.
    pub fn ids(&self) -> impl Iterator<Item = &String> {
        self.table.keys()
    }

    /// The preset, with the fields of `[id]` replaced by the overrides.
    pub fn apply<C: Serialize + DeserializeOwned>(
        &self,
        id: &str,
        preset: C,
    ) -> Result<C, ReproError> {
        let Some(over) = self.table.get(id) else {
            return Ok(preset);
        };
        let err = |reason: String| ReproError::Config {
            id: id.into(),
            reason,
        };
        let toml::Value::Table(over) = over else {
            return Err(err("expected a table of fields".into()));
        };
        let mut base = toml::Table::try_from(&preset).map_err(|e| err(e.to_string()))?;
        for (k, v) in over {
            base.insert(k.clone(), v.clone());
        }
        toml::Value::Table(base)
            .try_into()
            .map_err(|e: toml::de::Error| err(e.to_string()))
    }
}
