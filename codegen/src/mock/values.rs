//! Values of D-Bus types for a mock: each type's default, and JSON read as a value of a type
//! the XML names (so `3` is an `i` where the file says `i`, and refused where it says `s`).

use serde_json::Value as Json;
use zbus::wire::{Array, Dict, Signature, StructureBuilder};
use zbus::{ObjectPath, OwnedVariant, Variant};

/// The value a property or an out-argument of `signature` has where nothing else is set:
/// zero, false, empty, `/` for a path.
pub(crate) fn default_of(signature: &Signature) -> Variant<'static> {
    match signature {
        Signature::U8 => Variant::U8(0),
        Signature::Bool => Variant::Bool(false),
        Signature::I16 => Variant::I16(0),
        Signature::U16 => Variant::U16(0),
        Signature::I32 => Variant::I32(0),
        Signature::U32 => Variant::U32(0),
        Signature::I64 => Variant::I64(0),
        Signature::U64 => Variant::U64(0),
        Signature::F64 => Variant::F64(0.0),
        Signature::Str => Variant::from(String::new()),
        Signature::Signature => Variant::Signature(Signature::Unit),
        Signature::ObjectPath => Variant::ObjectPath(ObjectPath::from_static_str_unchecked("/")),
        Signature::Variant => Variant::Variant(Box::new(Variant::from(String::new()))),
        Signature::Array(child) => Variant::Array(Array::new(child.signature())),
        Signature::Dict { key, value } => {
            Variant::Dict(Dict::new(key.signature(), value.signature()))
        }
        Signature::Structure(fields) => {
            let builder = fields.iter().fold(StructureBuilder::new(), |b, f| {
                b.append_field(default_of(f))
            });
            Variant::Structure(builder.build().expect("a structure has fields"))
        }
        // No file descriptor can be made up: properties that hold one are not served, and a
        // method that returns one answers `NotSupported`.
        _ => Variant::U8(0),
    }
}

/// `json` as a value of `signature`, or what is wrong with it (the caller says where).
pub(crate) fn from_json(json: &Json, signature: &Signature) -> Result<Variant<'static>, String> {
    let wrong = || format!("{json} is not a value of type {signature}");
    let integer = |min: i128, max: i128| -> Result<i128, String> {
        let n = json
            .as_i64()
            .map(i128::from)
            .or_else(|| json.as_u64().map(i128::from))
            .ok_or_else(wrong)?;
        if (min..=max).contains(&n) {
            Ok(n)
        } else {
            Err(format!(
                "{n} is out of the range of type {signature} ({min}..={max})"
            ))
        }
    };
    let text = || json.as_str().map(str::to_owned).ok_or_else(wrong);
    Ok(match signature {
        Signature::U8 => Variant::U8(integer(0, u8::MAX.into())? as u8),
        Signature::Bool => Variant::Bool(json.as_bool().ok_or_else(wrong)?),
        Signature::I16 => Variant::I16(integer(i16::MIN.into(), i16::MAX.into())? as i16),
        Signature::U16 => Variant::U16(integer(0, u16::MAX.into())? as u16),
        Signature::I32 => Variant::I32(integer(i32::MIN.into(), i32::MAX.into())? as i32),
        Signature::U32 => Variant::U32(integer(0, u32::MAX.into())? as u32),
        Signature::I64 => Variant::I64(integer(i64::MIN.into(), i64::MAX.into())? as i64),
        Signature::U64 => Variant::U64(integer(0, u64::MAX.into())? as u64),
        Signature::F64 => Variant::F64(json.as_f64().ok_or_else(wrong)?),
        Signature::Str => Variant::from(text()?),
        Signature::Signature => {
            let text = text()?;
            Variant::Signature(
                Signature::try_from(text.as_str()).map_err(|e| format!("{text:?}: {e}"))?,
            )
        }
        Signature::ObjectPath => {
            let text = text()?;
            Variant::ObjectPath(
                ObjectPath::try_from(text.clone()).map_err(|e| format!("{text:?}: {e}"))?,
            )
        }
        Signature::Variant => Variant::Variant(Box::new(variant_from_json(json)?)),
        Signature::Array(child) if child.signature() == &Signature::U8 && json.is_string() => {
            // `ay` from a string: its bytes (GLib's bytestrings end in a NUL, as the file's
            // annotation says; the string gives them as it wants them).
            Variant::Array(Array::from(text()?.into_bytes()))
        }
        Signature::Array(child) => {
            let mut array = Array::new(child.signature());
            for (i, item) in json.as_array().ok_or_else(wrong)?.iter().enumerate() {
                let item = from_json(item, child.signature()).map_err(|e| format!("[{i}]: {e}"))?;
                array.append(item).map_err(|e| e.to_string())?;
            }
            Variant::Array(array)
        }
        Signature::Dict { key, value } => {
            let mut dict = Dict::new(key.signature(), value.signature());
            for (name, item) in json.as_object().ok_or_else(wrong)? {
                let key_json = match key.signature() {
                    Signature::Str | Signature::ObjectPath | Signature::Signature => {
                        Json::String(name.clone())
                    }
                    _ => serde_json::from_str(name)
                        .map_err(|_| format!("key {name:?} is not a {}", key.signature()))?,
                };
                let k = from_json(&key_json, key.signature()).map_err(|e| format!("key {e}"))?;
                let v =
                    from_json(item, value.signature()).map_err(|e| format!("[{name:?}]: {e}"))?;
                dict.append(k, v).map_err(|e| e.to_string())?;
            }
            Variant::Dict(dict)
        }
        Signature::Structure(fields) => {
            let items = json
                .as_array()
                .filter(|a| a.len() == fields.len())
                .ok_or_else(|| {
                    format!(
                        "{json} is not a list of {} fields of type {signature}",
                        fields.len()
                    )
                })?;
            let mut builder = StructureBuilder::new();
            for (i, (item, field)) in items.iter().zip(fields.iter()).enumerate() {
                builder = builder
                    .append_field(from_json(item, field).map_err(|e| format!("field {i}: {e}"))?);
            }
            Variant::Structure(builder.build().map_err(|e| e.to_string())?)
        }
        _ => return Err(format!("a mock makes no value of type {signature}")),
    })
}

/// A variant's content from JSON: `{"type": "SIGNATURE", "value": …}`, or a string, a
/// boolean, an integer (`i`, else `x`, else `t`) or a number (`d`) as it is.
fn variant_from_json(json: &Json) -> Result<Variant<'static>, String> {
    if let Some(object) = json.as_object()
        && let (Some(Json::String(signature)), Some(value)) =
            (object.get("type"), object.get("value"))
    {
        let signature =
            Signature::try_from(signature.as_str()).map_err(|e| format!("{signature:?}: {e}"))?;
        return from_json(value, &signature);
    }
    let guessed = match json {
        Json::String(_) => "s",
        Json::Bool(_) => "b",
        Json::Number(n) if n.as_i64().is_some_and(|n| i32::try_from(n).is_ok()) => "i",
        Json::Number(n) if n.is_i64() => "x",
        Json::Number(n) if n.is_u64() => "t",
        Json::Number(_) => "d",
        _ => {
            return Err(format!(
                "{json} in a variant: give its type, as {{\"type\": \"as\", \"value\": [\"a\"]}}"
            ));
        }
    };
    from_json(
        json,
        &Signature::try_from(guessed).expect("a basic signature"),
    )
}

/// `variant` owned, for keeping.
pub(crate) fn owned(variant: Variant<'_>) -> OwnedVariant {
    variant
        .try_into_owned()
        .expect("a mock's values hold no file descriptor")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signature(text: &str) -> Signature {
        Signature::try_from(text).unwrap()
    }

    #[test]
    fn json_is_read_as_the_declared_type() {
        let value = from_json(&serde_json::json!({"a": [1, "x"]}), &signature("a{s(us)}")).unwrap();
        assert_eq!(value.value_signature().to_string(), "a{s(us)}");
        let value = from_json(&serde_json::json!(3), &signature("t")).unwrap();
        assert_eq!(value, Variant::U64(3));
        let value = from_json(
            &serde_json::json!({"type": "au", "value": [1]}),
            &signature("v"),
        );
        assert_eq!(value.unwrap().to_string(), "<[uint32 1]>");
    }

    #[test]
    fn a_value_of_another_type_or_out_of_range_is_refused_with_why() {
        let refused = from_json(&serde_json::json!("three"), &signature("i")).unwrap_err();
        assert_eq!(refused, "\"three\" is not a value of type i");
        let refused = from_json(&serde_json::json!(300), &signature("y")).unwrap_err();
        assert_eq!(refused, "300 is out of the range of type y (0..=255)");
        let refused = from_json(&serde_json::json!([1, "x"]), &signature("a(us)")).unwrap_err();
        assert!(refused.starts_with("[0]: "), "{refused}");
    }

    #[test]
    fn every_type_has_a_default_of_its_own_signature() {
        for text in [
            "y",
            "b",
            "s",
            "o",
            "g",
            "v",
            "ai",
            "a{sv}",
            "(ia{sv}as)",
            "aa(yo)",
        ] {
            let sig = signature(text);
            assert_eq!(default_of(&sig).value_signature(), &sig, "{text}");
        }
    }
}
