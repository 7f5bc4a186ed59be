//! Serde helpers that keep non-finite numbers in JSON: serde_json writes NaN and ±∞ as `null`,
//! which then fails to read back as f64. Finite values stay JSON numbers (bit-exact with
//! `float_roundtrip`); NaN, inf and -inf become the strings "NaN", "inf", "-inf".

use serde::de::Error;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum Number {
    Finite(f64),
    Text(String),
}

fn to_number(x: f64) -> Number {
    if x.is_finite() {
        Number::Finite(x)
    } else {
        Number::Text(x.to_string())
    }
}

fn from_number<E: Error>(n: Number) -> Result<f64, E> {
    match n {
        Number::Finite(x) => Ok(x),
        Number::Text(s) => match s.as_str() {
            "NaN" => Ok(f64::NAN),
            "inf" => Ok(f64::INFINITY),
            "-inf" => Ok(f64::NEG_INFINITY),
            other => Err(E::custom(format!(
                "expected a number, NaN, inf or -inf, got {other:?}"
            ))),
        },
    }
}

/// `#[serde(with = "json_number::scalar")]` for f64.
pub mod scalar {
    use super::*;
    /// Serializes one f64.
    pub fn serialize<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
        to_number(*x).serialize(s)
    }
    /// Deserializes one f64.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        from_number(Number::deserialize(d)?)
    }
}

/// `#[serde(with = "json_number::vector")]` for `Vec<f64>`.
pub mod vector {
    use super::*;
    /// Serializes a vector.
    pub fn serialize<S: Serializer>(v: &[f64], s: S) -> Result<S::Ok, S::Error> {
        v.iter()
            .map(|x| to_number(*x))
            .collect::<Vec<_>>()
            .serialize(s)
    }
    /// Deserializes a vector.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        Vec::<Number>::deserialize(d)?
            .into_iter()
            .map(from_number)
            .collect()
    }
}

/// `#[serde(with = "json_number::matrix")]` for `Vec<Vec<f64>>`.
pub mod matrix {
    use super::*;
    /// Serializes rows.
    pub fn serialize<S: Serializer>(rows: &[Vec<f64>], s: S) -> Result<S::Ok, S::Error> {
        rows.iter()
            .map(|r| r.iter().map(|x| to_number(*x)).collect::<Vec<_>>())
            .collect::<Vec<_>>()
            .serialize(s)
    }
    /// Deserializes rows.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<f64>>, D::Error> {
        Vec::<Vec<Number>>::deserialize(d)?
            .into_iter()
            .map(|r| r.into_iter().map(from_number).collect())
            .collect()
    }
}

/// `#[serde(with = "json_number::optional")]` for `Option<f64>`.
pub mod optional {
    use super::*;
    /// Serializes an optional f64.
    pub fn serialize<S: Serializer>(x: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
        x.map(to_number).serialize(s)
    }
    /// Deserializes an optional f64.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
        Option::<Number>::deserialize(d)?
            .map(from_number)
            .transpose()
    }
}
