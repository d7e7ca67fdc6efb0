//! This toolkit's own type annotations (`rs.dbus_xml_codegen.Enum`, `Flags`, `Struct`): a
//! declaration `Name: word word=value …` on an argument or property read into a
//! [`Def`], as a Telepathy definition is.

use zbus::Signature;

use crate::annotations::{Annotations, ENUM, FLAGS, STRUCT};
use crate::named::{Def, Field, Kind, Value};

/// The first type in `signature`, through arrays and dict values, that is not a container
/// of those: where an annotation's enum or flags go.
fn leaf(signature: &Signature) -> &Signature {
    match signature {
        Signature::Array(element) => leaf(element),
        Signature::Dict { value, .. } => leaf(value),
        other => other,
    }
}

/// The first struct in `signature`, through arrays and dict values.
fn first_struct(signature: &Signature) -> Option<&Signature> {
    match signature {
        Signature::Structure(_) => Some(signature),
        Signature::Array(element) => first_struct(element),
        Signature::Dict { value, .. } => first_struct(value),
        _ => None,
    }
}

/// The words of an annotation's declaration: each name, with its value where given.
pub(crate) type Words = Vec<(String, Option<String>)>;

/// Reads an annotation's `Name: word word=value …` into the name and its words.
pub(crate) fn declaration(value: &str) -> Result<(String, Words), String> {
    let (name, rest) = value
        .split_once(':')
        .ok_or_else(|| format!("`{value}` is not `Name: value value …`"))?;
    let words = rest
        .split_whitespace()
        .map(|word| match word.split_once('=') {
            Some((name, value)) => (name.to_owned(), Some(value.to_owned())),
            None => (word.to_owned(), None),
        })
        .collect::<Vec<_>>();
    if words.is_empty() {
        return Err(format!("`{value}` names no values"));
    }
    Ok((name.trim().to_owned(), words))
}

/// The definition that this toolkit's annotation `name` = `value` makes for a value of
/// `signature`.
pub(crate) fn annotated_def(name: &str, value: &str, signature: &Signature) -> Result<Def, String> {
    let (type_name, words) = declaration(value)?;
    let values = |default: &dyn Fn(usize, &str) -> String| {
        words
            .iter()
            .enumerate()
            .map(|(i, (word, wire))| Value {
                name: word.clone(),
                wire: wire.clone().unwrap_or_else(|| default(i, word)),
                docs: String::new(),
            })
            .collect()
    };
    let kind = match name {
        ENUM => {
            let repr = leaf(signature);
            let values = if *repr == Signature::Str {
                values(&|_, word| word.to_owned())
            } else {
                values(&|i, _| i.to_string())
            };
            Kind::Enum(repr.to_string(), values)
        }
        FLAGS => Kind::Flags(
            leaf(signature).to_string(),
            values(&|i, _| (1u64 << i.min(63)).to_string()),
        ),
        _ => {
            let Some(Signature::Structure(fields)) = first_struct(signature) else {
                return Err(format!(
                    "{STRUCT} needs a struct, and `{signature}` has none"
                ));
            };
            let fields: Vec<&Signature> = fields.iter().collect();
            if fields.len() != words.len() {
                return Err(format!(
                    "`{value}` names {} fields of a struct that has {}",
                    words.len(),
                    fields.len()
                ));
            }
            Kind::Struct(
                words
                    .iter()
                    .zip(fields)
                    .map(|((word, _), signature)| Field {
                        name: word.clone(),
                        signature: signature.to_string(),
                        reference: None,
                        docs: String::new(),
                    })
                    .collect(),
            )
        }
    };
    Ok(Def {
        name: type_name,
        array_name: None,
        docs: String::new(),
        kind,
        location: None,
    })
}

/// Every argument and property of `interface` that carries annotations, with a phrase for
/// errors, its annotations and its signature.
pub(crate) fn annotated(
    interface: &crate::wire::Interface,
) -> impl Iterator<Item = (String, &Annotations, &Signature)> {
    let name = &interface.name;
    let args = interface
        .methods
        .iter()
        .map(|m| ("method", &m.name, &m.args))
        .chain(
            interface
                .signals
                .iter()
                .map(|s| ("signal", &s.name, &s.args)),
        )
        .flat_map(move |(kind, member, args)| {
            args.iter().enumerate().map(move |(i, arg)| {
                let arg_name = arg.name.clone().unwrap_or_else(|| format!("#{i}"));
                (
                    format!("{name}: {kind} `{member}`, argument `{arg_name}`"),
                    &arg.annotations,
                    &arg.signature,
                )
            })
        });
    let properties = interface.properties.iter().map(move |p| {
        (
            format!("{name}: property `{}`", p.name),
            &p.annotations,
            &p.signature,
        )
    });
    args.chain(properties)
}
