//! Reads request bodies as the OpenAPI document describes them. serde's
//! derived structs also accept a JSON array of their fields in order, so
//! `{"questionnaire": [null, null]}` would pass for an object; this
//! deserializer over a parsed [`Value`] refuses an array wherever a struct is
//! expected, at any depth, and otherwise behaves as `serde_json` does.

use serde::de::value::StrDeserializer;
use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, IntoDeserializer, MapAccess, SeqAccess,
    Unexpected, VariantAccess, Visitor,
};
use serde_json::{Error, Value};

/// A [`Value`] read as a request body is: structs only from objects.
pub struct StrictJson<'a>(pub &'a Value);

fn unexpected(value: &Value) -> Unexpected<'_> {
    match value {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(_) => Unexpected::Other("number"),
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

impl<'de> Deserializer<'de> for StrictJson<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => n.clone().deserialize_any(visitor),
            Value::String(s) => visitor.visit_borrowed_str(s),
            Value::Array(items) => visitor.visit_seq(Items(items.iter())),
            Value::Object(map) => visitor.visit_map(Fields {
                entries: map.iter(),
                pending: None,
            }),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::Object(_) => self.deserialize_any(visitor),
            other => Err(de::Error::invalid_type(unexpected(other), &"an object")),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::String(variant) => visitor.visit_enum(Variant {
                name: variant,
                content: None,
            }),
            Value::Object(map) if map.len() == 1 => {
                let (name, content) = map.iter().next().expect("one entry");
                visitor.visit_enum(Variant {
                    name,
                    content: Some(content),
                })
            }
            other => Err(de::Error::invalid_type(
                unexpected(other),
                &"a variant name, or an object with one variant",
            )),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map identifier ignored_any
    }
}

struct Items<'a>(std::slice::Iter<'a, Value>);

impl<'de> SeqAccess<'de> for Items<'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        self.0
            .next()
            .map(|item| seed.deserialize(StrictJson(item)))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct Fields<'a> {
    entries: serde_json::map::Iter<'a>,
    pending: Option<&'a Value>,
}

impl<'de> MapAccess<'de> for Fields<'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        self.pending = Some(value);
        let key: StrDeserializer<'_, Error> = key.as_str().into_deserializer();
        seed.deserialize(key).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let value = self
            .pending
            .take()
            .ok_or_else(|| de::Error::custom("a value was asked for before its key"))?;
        seed.deserialize(StrictJson(value))
    }
}

struct Variant<'a> {
    name: &'a str,
    content: Option<&'a Value>,
}

impl<'de> EnumAccess<'de> for Variant<'de> {
    type Error = Error;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self), Error> {
        let name: StrDeserializer<'_, Error> = self.name.into_deserializer();
        Ok((seed.deserialize(name)?, self))
    }
}

impl<'de> VariantAccess<'de> for Variant<'de> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        match self.content {
            None | Some(Value::Null) => Ok(()),
            Some(other) => Err(de::Error::invalid_type(unexpected(other), &"no content")),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        match self.content {
            Some(value) => seed.deserialize(StrictJson(value)),
            None => Err(de::Error::invalid_type(Unexpected::UnitVariant, &"content")),
        }
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        match self.content {
            Some(Value::Array(items)) => visitor.visit_seq(Items(items.iter())),
            Some(other) => Err(de::Error::invalid_type(unexpected(other), &"an array")),
            None => Err(de::Error::invalid_type(
                Unexpected::UnitVariant,
                &"an array",
            )),
        }
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.content {
            Some(value) => StrictJson(value).deserialize_struct("", fields, visitor),
            None => Err(de::Error::invalid_type(
                Unexpected::UnitVariant,
                &"an object",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Inner {
        a: Option<u32>,
        b: Option<String>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        Plain,
        Tagged { x: u32 },
        Wrapped(String),
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Outer {
        inner: Inner,
        #[serde(default)]
        maybe: Option<Inner>,
        kinds: Vec<Kind>,
        numbers: Vec<i64>,
    }

    fn read<T: for<'de> Deserialize<'de>>(text: &str) -> Result<T, String> {
        let value: Value = serde_json::from_str(text).unwrap();
        serde_path_to_error::deserialize(StrictJson(&value)).map_err(|e| e.to_string())
    }

    #[test]
    fn objects_read_as_serde_json_reads_them() {
        let outer: Outer = read(
            r#"{"inner": {"a": 1, "b": "x"}, "maybe": null,
                "kinds": ["plain", {"tagged": {"x": 2}}, {"wrapped": "w"}], "numbers": [-3, 4]}"#,
        )
        .unwrap();
        assert_eq!(
            outer.inner,
            Inner {
                a: Some(1),
                b: Some("x".into())
            }
        );
        assert_eq!(outer.kinds[1], Kind::Tagged { x: 2 });
        assert_eq!(outer.numbers, [-3, 4]);
    }

    #[test]
    fn an_array_for_a_struct_is_refused_at_any_depth_naming_the_place() {
        let top = read::<Inner>("[1, null]").unwrap_err();
        assert!(top.contains("expected an object"), "{top}");
        let nested =
            read::<Outer>(r#"{"inner": [null, null], "kinds": [], "numbers": []}"#).unwrap_err();
        assert!(nested.starts_with("inner: "), "{nested}");
        let optional =
            read::<Outer>(r#"{"inner": {}, "maybe": [null, null], "kinds": [], "numbers": []}"#)
                .unwrap_err();
        assert!(optional.starts_with("maybe: "), "{optional}");
        let variant = read::<Outer>(r#"{"inner": {}, "kinds": [{"tagged": [2]}], "numbers": []}"#)
            .unwrap_err();
        assert!(variant.contains("expected an object"), "{variant}");
    }

    #[test]
    fn unknown_fields_and_wrong_types_are_still_refused() {
        assert!(
            read::<Inner>(r#"{"c": 1}"#)
                .unwrap_err()
                .contains("unknown field")
        );
        assert!(
            read::<Inner>(r#"{"a": "one"}"#)
                .unwrap_err()
                .starts_with("a: ")
        );
    }
}
