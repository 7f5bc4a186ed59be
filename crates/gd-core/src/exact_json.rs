//! JSON that keeps every f64. JSON has no NaN or ±∞ (serde_json writes them as `null` and
//! cannot read that back as a float), so a non-finite float is written as the string `"NaN"`,
//! `"inf"` or `"-inf"` (Rust's `Display` of it) and read back as that float wherever the type
//! asks for a float. Finite floats are written as serde_json writes them (the shortest form
//! that reads back to the same bits, with `float_roundtrip`), so every finite bit pattern, −0
//! included, comes back; a NaN comes back as `f64::NAN` (its sign and payload are not kept).
//! The decoding follows the type: a string field holding `"NaN"` stays a string. Types that
//! buffer their input before choosing a shape (`#[serde(untagged)]`, internally tagged enums,
//! `#[serde(flatten)]`) read their floats without the names.
//!
//! Two serde adapters, [`Encode`] (a value, for any serializer) and [`Decode`] (any
//! deserializer), which change the non-finite floats at every depth and pass the rest through;
//! [`to_value`] and [`from_value`] for serde_json values; and [`serialize`] / [`deserialize`]
//! for `#[serde(with = "gd_core::exact_json")]` on a field of any type.

use serde::Deserialize;
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess,
    VariantAccess, Visitor,
};
use serde::ser::{self, Serialize, Serializer};
use std::fmt;

/// The names of the non-finite floats.
const NAN: &str = "NaN";
const INFINITY: &str = "inf";
const NEG_INFINITY: &str = "-inf";

/// `value` as a serde_json value, its non-finite floats as their names.
pub fn to_value<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<serde_json::Value> {
    serde_json::to_value(Encode(value))
}

/// A `T` from a serde_json value written by [`to_value`] (or by serde_json, when it holds no
/// non-finite float).
pub fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> serde_json::Result<T> {
    T::deserialize(Decode(value))
}

/// `#[serde(with = "gd_core::exact_json")]`: serializes the field through [`Encode`].
pub fn serialize<T: Serialize + ?Sized, S: Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
    Encode(value).serialize(s)
}

/// `#[serde(with = "gd_core::exact_json")]`: deserializes the field through [`Decode`].
pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    T::deserialize(Decode(d))
}

/// A value serialized with its non-finite floats as their names.
pub struct Encode<'a, T: ?Sized>(pub &'a T);

impl<T: Serialize + ?Sized> Serialize for Encode<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(Encoder(serializer))
    }
}

/// A serializer that writes non-finite floats as their names and passes the rest to `S`.
struct Encoder<S>(S);

/// A compound serializer (sequence, map, struct, …) whose elements are [`Encode`]d.
struct EncodeCompound<C>(C);

fn name_of(x: f64) -> &'static str {
    if x.is_nan() {
        NAN
    } else if x > 0.0 {
        INFINITY
    } else {
        NEG_INFINITY
    }
}

impl<S: Serializer> Serializer for Encoder<S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = EncodeCompound<S::SerializeSeq>;
    type SerializeTuple = EncodeCompound<S::SerializeTuple>;
    type SerializeTupleStruct = EncodeCompound<S::SerializeTupleStruct>;
    type SerializeTupleVariant = EncodeCompound<S::SerializeTupleVariant>;
    type SerializeMap = EncodeCompound<S::SerializeMap>;
    type SerializeStruct = EncodeCompound<S::SerializeStruct>;
    type SerializeStructVariant = EncodeCompound<S::SerializeStructVariant>;

    fn serialize_f64(self, v: f64) -> Result<S::Ok, S::Error> {
        if v.is_finite() {
            self.0.serialize_f64(v)
        } else {
            self.0.serialize_str(name_of(v))
        }
    }
    fn serialize_f32(self, v: f32) -> Result<S::Ok, S::Error> {
        if v.is_finite() {
            self.0.serialize_f32(v)
        } else {
            self.0.serialize_str(name_of(f64::from(v)))
        }
    }
    fn serialize_bool(self, v: bool) -> Result<S::Ok, S::Error> {
        self.0.serialize_bool(v)
    }
    fn serialize_i8(self, v: i8) -> Result<S::Ok, S::Error> {
        self.0.serialize_i8(v)
    }
    fn serialize_i16(self, v: i16) -> Result<S::Ok, S::Error> {
        self.0.serialize_i16(v)
    }
    fn serialize_i32(self, v: i32) -> Result<S::Ok, S::Error> {
        self.0.serialize_i32(v)
    }
    fn serialize_i64(self, v: i64) -> Result<S::Ok, S::Error> {
        self.0.serialize_i64(v)
    }
    fn serialize_i128(self, v: i128) -> Result<S::Ok, S::Error> {
        self.0.serialize_i128(v)
    }
    fn serialize_u8(self, v: u8) -> Result<S::Ok, S::Error> {
        self.0.serialize_u8(v)
    }
    fn serialize_u16(self, v: u16) -> Result<S::Ok, S::Error> {
        self.0.serialize_u16(v)
    }
    fn serialize_u32(self, v: u32) -> Result<S::Ok, S::Error> {
        self.0.serialize_u32(v)
    }
    fn serialize_u64(self, v: u64) -> Result<S::Ok, S::Error> {
        self.0.serialize_u64(v)
    }
    fn serialize_u128(self, v: u128) -> Result<S::Ok, S::Error> {
        self.0.serialize_u128(v)
    }
    fn serialize_char(self, v: char) -> Result<S::Ok, S::Error> {
        self.0.serialize_char(v)
    }
    fn serialize_str(self, v: &str) -> Result<S::Ok, S::Error> {
        self.0.serialize_str(v)
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<S::Ok, S::Error> {
        self.0.serialize_bytes(v)
    }
    fn serialize_none(self) -> Result<S::Ok, S::Error> {
        self.0.serialize_none()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<S::Ok, S::Error> {
        self.0.serialize_some(&Encode(value))
    }
    fn serialize_unit(self) -> Result<S::Ok, S::Error> {
        self.0.serialize_unit()
    }
    fn serialize_unit_struct(self, name: &'static str) -> Result<S::Ok, S::Error> {
        self.0.serialize_unit_struct(name)
    }
    fn serialize_unit_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
    ) -> Result<S::Ok, S::Error> {
        self.0.serialize_unit_variant(name, index, variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        self.0.serialize_newtype_struct(name, &Encode(value))
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        self.0
            .serialize_newtype_variant(name, index, variant, &Encode(value))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Self::SerializeSeq, S::Error> {
        self.0.serialize_seq(len).map(EncodeCompound)
    }
    fn serialize_tuple(self, len: usize) -> Result<Self::SerializeTuple, S::Error> {
        self.0.serialize_tuple(len).map(EncodeCompound)
    }
    fn serialize_tuple_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleStruct, S::Error> {
        self.0.serialize_tuple_struct(name, len).map(EncodeCompound)
    }
    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleVariant, S::Error> {
        self.0
            .serialize_tuple_variant(name, index, variant, len)
            .map(EncodeCompound)
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Self::SerializeMap, S::Error> {
        self.0.serialize_map(len).map(EncodeCompound)
    }
    fn serialize_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStruct, S::Error> {
        self.0.serialize_struct(name, len).map(EncodeCompound)
    }
    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStructVariant, S::Error> {
        self.0
            .serialize_struct_variant(name, index, variant, len)
            .map(EncodeCompound)
    }
    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

/// The compound serializers whose elements are one value each (sequences, tuples, tuple
/// structs and variants): each element [`Encode`]d.
macro_rules! encode_elements {
    ($($trait:ident::$method:ident),*) => {$(
        impl<C: ser::$trait> ser::$trait for EncodeCompound<C> {
            type Ok = C::Ok;
            type Error = C::Error;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), C::Error> {
                self.0.$method(&Encode(value))
            }
            fn end(self) -> Result<C::Ok, C::Error> {
                self.0.end()
            }
        }
    )*};
}

encode_elements!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

/// The compound serializers of named fields (structs and struct variants): each field's value
/// [`Encode`]d.
macro_rules! encode_fields {
    ($($trait:ident),*) => {$(
        impl<C: ser::$trait> ser::$trait for EncodeCompound<C> {
            type Ok = C::Ok;
            type Error = C::Error;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), C::Error> {
                self.0.serialize_field(key, &Encode(value))
            }
            fn skip_field(&mut self, key: &'static str) -> Result<(), C::Error> {
                self.0.skip_field(key)
            }
            fn end(self) -> Result<C::Ok, C::Error> {
                self.0.end()
            }
        }
    )*};
}

encode_fields!(SerializeStruct, SerializeStructVariant);

impl<C: ser::SerializeMap> ser::SerializeMap for EncodeCompound<C> {
    type Ok = C::Ok;
    type Error = C::Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), C::Error> {
        self.0.serialize_key(&Encode(key))
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), C::Error> {
        self.0.serialize_value(&Encode(value))
    }
    fn end(self) -> Result<C::Ok, C::Error> {
        self.0.end()
    }
}

/// A deserializer that reads a float's name as the float and passes the rest through `D`.
pub struct Decode<D>(pub D);

/// A visitor (or a seed, a sequence, a map, an enum) whose nested deserializers are
/// [`Decode`]d.
struct Decoding<V>(V);

/// The visitor of a float: a number, or the name of a non-finite one.
struct FloatOrName<V>(V);

impl<'de, V: Visitor<'de>> Visitor<'de> for FloatOrName<V> {
    type Value = V::Value;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "a number, \"{NAN}\", \"{INFINITY}\" or \"{NEG_INFINITY}\""
        )
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<V::Value, E> {
        self.0.visit_f64(v)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<V::Value, E> {
        self.0.visit_i64(v)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<V::Value, E> {
        self.0.visit_u64(v)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<V::Value, E> {
        match v {
            NAN => self.0.visit_f64(f64::NAN),
            INFINITY => self.0.visit_f64(f64::INFINITY),
            NEG_INFINITY => self.0.visit_f64(f64::NEG_INFINITY),
            _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
        }
    }
}

/// Every `deserialize_*` method but the floats': `D`'s, with the visitor wrapped.
macro_rules! pass_through {
    ($($method:ident),*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
            self.0.$method(Decoding(visitor))
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Decode<D> {
    type Error = D::Error;

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_any(FloatOrName(visitor))
    }
    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_any(FloatOrName(visitor))
    }
    pass_through!(
        deserialize_any,
        deserialize_bool,
        deserialize_i8,
        deserialize_i16,
        deserialize_i32,
        deserialize_i64,
        deserialize_i128,
        deserialize_u8,
        deserialize_u16,
        deserialize_u32,
        deserialize_u64,
        deserialize_u128,
        deserialize_char,
        deserialize_str,
        deserialize_string,
        deserialize_bytes,
        deserialize_byte_buf,
        deserialize_option,
        deserialize_unit,
        deserialize_seq,
        deserialize_map,
        deserialize_identifier,
        deserialize_ignored_any
    );
    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_unit_struct(name, Decoding(visitor))
    }
    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_newtype_struct(name, Decoding(visitor))
    }
    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_tuple(len, Decoding(visitor))
    }
    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0
            .deserialize_tuple_struct(name, len, Decoding(visitor))
    }
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_struct(name, fields, Decoding(visitor))
    }
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_enum(name, variants, Decoding(visitor))
    }
    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

/// Visitor methods that carry no nested deserializer: passed through as they are.
macro_rules! visit_through {
    ($($method:ident($t:ty)),*) => {$(
        fn $method<E: de::Error>(self, v: $t) -> Result<V::Value, E> {
            self.0.$method(v)
        }
    )*};
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Decoding<V> {
    type Value = V::Value;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        self.0.expecting(f)
    }
    visit_through!(
        visit_bool(bool),
        visit_i8(i8),
        visit_i16(i16),
        visit_i32(i32),
        visit_i64(i64),
        visit_i128(i128),
        visit_u8(u8),
        visit_u16(u16),
        visit_u32(u32),
        visit_u64(u64),
        visit_u128(u128),
        visit_f32(f32),
        visit_f64(f64),
        visit_char(char),
        visit_str(&str),
        visit_borrowed_str(&'de str),
        visit_string(String),
        visit_bytes(&[u8]),
        visit_borrowed_bytes(&'de [u8]),
        visit_byte_buf(Vec<u8>)
    );
    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.0.visit_none()
    }
    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.0.visit_unit()
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.0.visit_some(Decode(d))
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.0.visit_newtype_struct(Decode(d))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.0.visit_seq(Decoding(seq))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.0.visit_map(Decoding(map))
    }
    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        self.0.visit_enum(Decoding(data))
    }
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Decoding<S> {
    type Value = S::Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
        self.0.deserialize(Decode(d))
    }
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for Decoding<A> {
    type Error = A::Error;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, A::Error> {
        self.0.next_element_seed(Decoding(seed))
    }
    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Decoding<A> {
    type Error = A::Error;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        self.0.next_key_seed(Decoding(seed))
    }
    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, A::Error> {
        self.0.next_value_seed(Decoding(seed))
    }
    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, A: EnumAccess<'de>> EnumAccess<'de> for Decoding<A> {
    type Error = A::Error;
    type Variant = Decoding<A::Variant>;
    fn variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<(T::Value, Self::Variant), A::Error> {
        let (value, variant) = self.0.variant_seed(Decoding(seed))?;
        Ok((value, Decoding(variant)))
    }
}

impl<'de, A: VariantAccess<'de>> VariantAccess<'de> for Decoding<A> {
    type Error = A::Error;
    fn unit_variant(self) -> Result<(), A::Error> {
        self.0.unit_variant()
    }
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, A::Error> {
        self.0.newtype_variant_seed(Decoding(seed))
    }
    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, A::Error> {
        self.0.tuple_variant(len, Decoding(visitor))
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        self.0.struct_variant(fields, Decoding(visitor))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::{Deserialize, Serialize};
    use std::collections::BTreeMap;

    #[derive(Debug, Serialize, Deserialize)]
    enum Shape {
        Unit,
        Newtype(f64),
        Tuple(f64, f32),
        Struct { x: f64, label: String },
    }

    #[derive(Debug, Serialize, Deserialize)]
    struct Newtype(f64);

    #[derive(Debug, Serialize, Deserialize)]
    struct Every {
        scalar: f64,
        single: f32,
        optional: Option<f64>,
        absent: Option<f64>,
        vector: Vec<f64>,
        nested: Vec<Vec<f64>>,
        pair: (f64, u64),
        shapes: Vec<Shape>,
        newtype: Newtype,
        map: BTreeMap<String, f64>,
        text: String,
        integer: i64,
    }

    /// f64s compared by bits, NaN by being NaN.
    fn same(a: f64, b: f64) -> bool {
        a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
    }

    fn every() -> Every {
        let special = [
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            -0.0,
            5e-324,
            f64::MAX,
            0.1,
        ];
        Every {
            scalar: f64::NAN,
            single: f32::NEG_INFINITY,
            optional: Some(f64::INFINITY),
            absent: None,
            vector: special.to_vec(),
            nested: vec![special.to_vec(), vec![], vec![-f64::NAN]],
            pair: (f64::NEG_INFINITY, u64::MAX),
            shapes: vec![
                Shape::Unit,
                Shape::Newtype(f64::NAN),
                Shape::Tuple(f64::INFINITY, f32::NAN),
                Shape::Struct {
                    x: f64::NEG_INFINITY,
                    label: "NaN".into(),
                },
            ],
            newtype: Newtype(f64::INFINITY),
            map: [("inf".to_string(), f64::NAN), ("b".into(), -0.0)].into(),
            text: "inf".into(),
            integer: -7,
        }
    }

    /// Every non-finite float at every depth and shape serde has comes back, and every finite
    /// one with its bits; strings that spell a float's name stay strings.
    #[test]
    fn every_float_comes_back_at_every_depth() {
        let a = every();
        let text = serde_json::to_string(&Encode(&a)).unwrap();
        // The one null is the absent option; no float became null.
        assert_eq!(text.matches("null").count(), 1, "{text}");
        let b: Every = from_value(serde_json::from_str(&text).unwrap()).unwrap();
        assert!(same(a.scalar, b.scalar) && a.single.is_infinite() && b.single == a.single);
        assert_eq!(b.optional, Some(f64::INFINITY));
        assert_eq!(b.absent, None);
        assert!(a.vector.iter().zip(&b.vector).all(|(x, y)| same(*x, *y)));
        assert_eq!(a.vector.len(), b.vector.len());
        for (x, y) in a.nested.iter().zip(&b.nested) {
            assert_eq!(x.len(), y.len());
            assert!(x.iter().zip(y).all(|(x, y)| same(*x, *y)));
        }
        assert!(same(a.pair.0, b.pair.0) && b.pair.1 == u64::MAX);
        assert!(matches!(b.shapes[0], Shape::Unit));
        assert!(matches!(b.shapes[1], Shape::Newtype(x) if x.is_nan()));
        assert!(matches!(b.shapes[2], Shape::Tuple(x, y) if x == f64::INFINITY && y.is_nan()));
        assert!(
            matches!(&b.shapes[3], Shape::Struct { x, label } if *x == f64::NEG_INFINITY && label == "NaN")
        );
        assert_eq!(b.newtype.0, f64::INFINITY);
        assert!(b.map["inf"].is_nan() && same(b.map["b"], -0.0));
        assert_eq!((b.text.as_str(), b.integer), ("inf", -7));
    }

    /// Random bit patterns: finite ones come back bit for bit, the others as what they were.
    #[test]
    fn random_bit_patterns_come_back() {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let values: Vec<f64> = (0..4096)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                f64::from_bits(state)
            })
            .chain([f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.0, 0.0])
            .collect();
        let back: Vec<f64> = from_value(to_value(&values).unwrap()).unwrap();
        assert_eq!(values.len(), back.len());
        for (a, b) in values.iter().zip(&back) {
            assert!(same(*a, *b), "{a:e} came back as {b:e}");
        }
    }

    /// What plain serde_json writes (no non-finite float) reads back the same; a string that
    /// is not a float's name, where a float is asked for, is an error naming what is allowed.
    #[test]
    fn plain_json_reads_and_other_strings_are_refused() {
        let plain: Vec<f64> = from_value(serde_json::json!([1.5, -2, 3])).unwrap();
        assert_eq!(plain, [1.5, -2.0, 3.0]);
        let err = from_value::<Vec<f64>>(serde_json::json!(["Infinity"])).unwrap_err();
        assert!(err.to_string().contains("\"NaN\""), "{err}");
        assert!(from_value::<f64>(serde_json::Value::Null).is_err());
    }
}
