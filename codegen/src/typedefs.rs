//! Named types: what a file says of its values beyond their signatures, and the Rust types
//! made of it. Enums (integer or string), flags, structs with named fields, maps and
//! aliases come from the Telepathy vocabulary ([`crate::telepathy`]) or from this toolkit's
//! own annotations on an argument or property, GLib bytestrings (`ay` ending in a NUL) too.
//! The wire never changes: every type here serialises exactly
//! as its signature says.
//!
//! A [`Table`] holds the file's types under their Rust names; [`Table::ty`] gives the Rust
//! type ([`Ty`]) of one argument or property, and [`Table::code`] the module `types` that
//! defines them.

use std::collections::HashMap;
use std::str::FromStr;

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};
use zbus::Signature;

use crate::annotations::{Annotations, ENUM, FLAGS, STRUCT, TYPE};
use crate::docs::DocTarget;
use crate::names::{pascal_case, snake_case};
use crate::types;

/// A type definition as a file (or an annotation) gives it, not yet checked.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Def {
    /// Its name in the file (`Connection_Status`).
    pub name: String,
    /// The name of an array of it, where the file gives one (Telepathy's `array-name`).
    pub array_name: Option<String>,
    /// Its documentation.
    pub docs: String,
    /// What it is.
    pub kind: Kind,
    /// Where the file defines it, for warnings; none for an annotation's.
    pub location: Option<crate::Location>,
}

/// What a [`Def`] defines; types are signatures as written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    /// Another name for a type (`tp:simple-type`).
    Alias(String),
    /// Named values of a string or integer type.
    Enum(String, Vec<Value>),
    /// Named bits of an unsigned integer type.
    Flags(String, Vec<Value>),
    /// A struct with named fields.
    Struct(Vec<Field>),
    /// A dict, its key and value named.
    Mapping(Vec<Field>),
}

/// A named value of an enum or flags.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Value {
    /// Its name (`Connected`).
    pub name: String,
    /// Its value on the wire, as written.
    pub wire: String,
    /// Its documentation.
    pub docs: String,
}

/// A field of a struct or mapping.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Field {
    /// Its name.
    pub name: String,
    /// Its type, as written.
    pub signature: String,
    /// The named type it has, where it has one.
    pub reference: Option<String>,
    /// Its documentation.
    pub docs: String,
}

/// The Rust type of a value: its signature's own, with the file's named types where it
/// names them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Ty {
    /// The type that the signature gives (see [`crate::types::owned`]).
    Plain(Signature),
    /// A type of the module `types`.
    Named(Named),
    /// An array of something named.
    Array(Box<Ty>),
    /// A dict with something named in it.
    Dict(Box<Ty>, Box<Ty>),
}

/// A reference to a type of the module `types`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Named {
    /// Its Rust name.
    pub rust: Ident,
    /// Its signature.
    pub signature: Signature,
    /// Whether it is `Copy` and small, so passed by value.
    pub by_value: bool,
}

/// The Rust name of the GLib bytestring type, built in: an `ay` (or `aay`) of paths or names,
/// which GLib ends with a NUL, is this type where [`TYPE`] names it. (Not where GDBus's
/// `org.gtk.GDBus.C.ForceGVariant` marks an `ay`: gdbus-codegen reads an unmarked `ay` as a
/// bytestring, and the mark keeps raw bytes raw, as NetworkManager's `Ssid` and `PublicKey`.)
const BYTESTRING: &str = "Bytestring";

/// What a checked definition becomes.
#[derive(Debug)]
enum Shape {
    Alias(Ty),
    Enum {
        repr: Signature,
        variants: Vec<(Ident, String, String)>,
        fallback: Ident,
    },
    Flags {
        repr: Signature,
        consts: Vec<(Ident, u64, String)>,
    },
    Struct(Vec<(Ident, Ty, String)>),
    Mapping(Ty, Ty),
    Bytestring,
}

/// One type of the table.
#[derive(Debug)]
struct Entry {
    name: String,
    /// The name of an array of it (Telepathy's `array-name`).
    array_name: Option<String>,
    named: Named,
    docs: String,
    shape: Shape,
}

/// The named types of one file, by their names in it.
#[derive(Debug, Default)]
pub(crate) struct Table {
    entries: Vec<Entry>,
    /// The Telepathy `tp:type` of each named argument and property that has one.
    references: HashMap<DocTarget, String>,
    /// The file's definitions that cannot be Rust types, with why: references to them read
    /// as plain types, and the build warns about each ([`crate::Builder::reported_warnings`]).
    pub(crate) left_out: Vec<(Def, String)>,
}

/// Where a declaration that annotations make goes: the first place in `signature`, through
/// arrays and dict values, whose type is `wanted`.
fn descend(signature: &Signature, named: &Named) -> Option<Ty> {
    if *signature == named.signature {
        return Some(Ty::Named(named.clone()));
    }
    match signature {
        Signature::Array(element) => descend(element, named).map(|t| Ty::Array(Box::new(t))),
        Signature::Dict { key, value } => descend(value, named)
            .map(|t| Ty::Dict(Box::new(Ty::Plain((**key).clone())), Box::new(t))),
        _ => None,
    }
}

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
type Words = Vec<(String, Option<String>)>;

/// Reads an annotation's `Name: word word=value …` into the name and its words.
fn declaration(value: &str) -> Result<(String, Words), String> {
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
fn annotated_def(name: &str, value: &str, signature: &Signature) -> Result<Def, String> {
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

/// The Rust name of a type or variant named `name` in a file, if Rust can spell it.
fn rust_name(name: &str) -> Option<Ident> {
    let pascal = pascal_case(name);
    let mut chars = pascal.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric());
    valid.then(|| format_ident!("{pascal}"))
}

/// Parses an integer value of an enum or flags, checked against its type.
fn integer(repr: &Signature, value: &str) -> Option<i128> {
    let (min, max): (i128, i128) = match repr {
        Signature::U8 => (0, u8::MAX.into()),
        Signature::I16 => (i16::MIN.into(), i16::MAX.into()),
        Signature::U16 => (0, u16::MAX.into()),
        Signature::I32 => (i32::MIN.into(), i32::MAX.into()),
        Signature::U32 => (0, u32::MAX.into()),
        Signature::I64 => (i64::MIN.into(), i64::MAX.into()),
        Signature::U64 => (0, u64::MAX.into()),
        _ => return None,
    };
    let parsed = match value.strip_prefix("0x") {
        Some(hex) => i128::from_str_radix(hex, 16).ok(),
        None => value.parse().ok(),
    };
    parsed.filter(|v| (min..=max).contains(v))
}

impl Table {
    /// The table of a file's definitions: `defs` from its Telepathy vocabulary (one that
    /// cannot be a Rust type is left out, and references to it read as plain types), then
    /// those that the annotations of `interfaces` declare (where one cannot be, the error
    /// says why).
    pub(crate) fn build<'i>(
        telepathy: &crate::telepathy::Telepathy,
        interfaces: impl IntoIterator<Item = &'i crate::wire::Interface>,
    ) -> Result<Self, String> {
        let mut table = Table {
            references: telepathy.references.clone(),
            ..Table::default()
        };
        // Structs and mappings last, each after the types its fields name where it can, so
        // that the fields get them.
        let (composite, simple): (Vec<&Def>, Vec<&Def>) = telepathy
            .defs
            .iter()
            .partition(|d| matches!(d.kind, Kind::Struct(_) | Kind::Mapping(_)));
        for def in simple {
            table.add_or_leave_out(def);
        }
        let mut pending = composite;
        while !pending.is_empty() {
            let waiting_for = |def: &Def, pending: &[&Def]| {
                let (Kind::Struct(fields) | Kind::Mapping(fields)) = &def.kind else {
                    return false;
                };
                fields
                    .iter()
                    .filter_map(|f| f.reference.as_deref())
                    .any(|r| {
                        let name = r.trim_end_matches("[]");
                        pending.iter().any(|p| {
                            p.name != def.name
                                && (p.name == name || p.array_name.as_deref() == Some(name))
                        })
                    })
            };
            let ready: Vec<&Def> = pending
                .iter()
                .copied()
                .filter(|def| !waiting_for(def, &pending))
                .collect();
            // A cycle (which no signature can close) would wait forever: take the rest as
            // they are.
            let taken = if ready.is_empty() {
                pending.clone()
            } else {
                ready
            };
            for def in &taken {
                table.add_or_leave_out(def);
            }
            pending.retain(|def| !taken.iter().any(|t| std::ptr::eq(*t, *def)));
        }
        for interface in interfaces {
            for (what, annotations, signature) in annotated(interface) {
                for name in [ENUM, FLAGS, STRUCT] {
                    let Some(value) = annotations.get(name) else {
                        continue;
                    };
                    let def = annotated_def(name, value, signature)
                        .and_then(|def| table.add(&def).map(drop))
                        .map_err(|e| format!("{what}: {name}: {e}"));
                    def?;
                }
                if annotations.get(TYPE) == Some(BYTESTRING) {
                    table.bytestring();
                }
            }
        }
        Ok(table)
    }

    /// Adds a file's definition, or notes why it is left out.
    fn add_or_leave_out(&mut self, def: &Def) {
        if let Err(why) = self.add(def) {
            self.left_out.push((def.clone(), why));
        }
    }

    fn find(&self, name: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.name == name)
    }

    /// Adds the GLib bytestring type, once.
    fn bytestring(&mut self) -> Named {
        if let Some(entry) = self.find(BYTESTRING) {
            return entry.named.clone();
        }
        let named = Named {
            rust: format_ident!("{BYTESTRING}"),
            signature: Signature::array(Signature::U8),
            by_value: false,
        };
        self.entries.push(Entry {
            name: BYTESTRING.to_owned(),
            array_name: None,
            named: named.clone(),
            docs: format!(
                "Values of the type `{BYTESTRING}` (`{TYPE}`): bytes that end in a NUL on the \
                 wire."
            ),
            shape: Shape::Bytestring,
        });
        named
    }

    /// Checks `def` and adds it; a definition of a name already taken must be the same one.
    fn add(&mut self, def: &Def) -> Result<Named, String> {
        let rust = rust_name(&def.name)
            .filter(|r| r != BYTESTRING)
            .ok_or_else(|| format!("`{}` cannot be the name of a Rust type", def.name))?;
        let (shape, signature, by_value) = self.shape(def)?;
        if let Some(taken) = self.entries.iter().find(|e| e.named.rust == rust) {
            return if taken.named.signature == signature && taken.name == def.name {
                Ok(taken.named.clone())
            } else {
                Err(format!(
                    "`{}` and `{}` would both be the Rust type `{rust}`",
                    taken.name, def.name
                ))
            };
        }
        let named = Named {
            rust,
            signature,
            by_value,
        };
        self.entries.push(Entry {
            name: def.name.clone(),
            array_name: def.array_name.clone(),
            named: named.clone(),
            docs: def.docs.clone(),
            shape,
        });
        Ok(named)
    }

    fn shape(&self, def: &Def) -> Result<(Shape, Signature, bool), String> {
        let parse = |s: &str| {
            Signature::from_str(s).map_err(|e| format!("`{s}` is not a type signature: {e}"))
        };
        Ok(match &def.kind {
            Kind::Alias(ty) => {
                let signature = parse(ty)?;
                let by_value = types::passed_by_value(&signature);
                (
                    Shape::Alias(Ty::Plain(signature.clone())),
                    signature,
                    by_value,
                )
            }
            Kind::Enum(ty, values) => {
                let repr = parse(ty)?;
                let string = repr == Signature::Str;
                if !string && integer(&repr, "0").is_none() {
                    return Err(format!("an enum of `{ty}`: only strings and integers"));
                }
                let mut variants: Vec<(Ident, String, String)> = Vec::new();
                for value in values {
                    let rust = rust_name(&value.name)
                        .ok_or_else(|| format!("`{}` cannot be a variant", value.name))?;
                    let wire = if string {
                        value.wire.clone()
                    } else {
                        integer(&repr, &value.wire)
                            .ok_or_else(|| format!("`{}` is not a `{ty}`", value.wire))?
                            .to_string()
                    };
                    if variants.iter().any(|(r, w, _)| *r == rust || *w == wire) {
                        return Err(format!("`{}` = `{}` is there twice", value.name, wire));
                    }
                    variants.push((rust, wire, value.docs.clone()));
                }
                let mut fallback = "Unknown".to_owned();
                while variants.iter().any(|(r, _, _)| *r == fallback) {
                    fallback.push_str("Value");
                }
                let shape = Shape::Enum {
                    repr: repr.clone(),
                    variants,
                    fallback: format_ident!("{fallback}"),
                };
                (shape, repr, !string)
            }
            Kind::Flags(ty, values) => {
                let repr = parse(ty)?;
                if !matches!(
                    repr,
                    Signature::U8 | Signature::U16 | Signature::U32 | Signature::U64
                ) {
                    return Err(format!("flags of `{ty}`: only unsigned integers"));
                }
                let mut consts: Vec<(Ident, u64, String)> = Vec::new();
                for value in values {
                    let rust = rust_name(&value.name)
                        .map(|r| format_ident!("{}", snake_case(&r.to_string()).to_uppercase()))
                        .ok_or_else(|| format!("`{}` cannot be a constant", value.name))?;
                    let bits = integer(&repr, &value.wire)
                        .ok_or_else(|| format!("`{}` is not a `{ty}`", value.wire))?
                        as u64;
                    if consts.iter().any(|(r, _, _)| *r == rust) {
                        return Err(format!("`{}` is there twice", value.name));
                    }
                    consts.push((rust, bits, value.docs.clone()));
                }
                (
                    Shape::Flags {
                        repr: repr.clone(),
                        consts,
                    },
                    repr,
                    true,
                )
            }
            Kind::Struct(fields) => {
                let mut made: Vec<(Ident, Ty, String)> = Vec::new();
                for field in fields {
                    let name = crate::names::ident(&snake_case(&field.name));
                    if made.iter().any(|(n, _, _)| *n == name) {
                        return Err(format!("the field `{}` is there twice", field.name));
                    }
                    made.push((name, self.field_ty(field)?, field.docs.clone()));
                }
                if made.is_empty() {
                    return Err("a struct without fields".to_owned());
                }
                let signature = Signature::structure(
                    fields
                        .iter()
                        .map(|f| parse(&f.signature))
                        .collect::<Result<Vec<_>, _>>()?,
                );
                (Shape::Struct(made), signature, false)
            }
            Kind::Mapping(fields) => {
                let [key, value] = fields.as_slice() else {
                    return Err(format!("a mapping of {} members, not 2", fields.len()));
                };
                let (key_signature, value_signature) =
                    (parse(&key.signature)?, parse(&value.signature)?);
                if !types::is_basic(&key_signature) || key_signature == Signature::F64 {
                    return Err(format!("a mapping keyed by `{}`", key.signature));
                }
                let signature = Signature::dict(key_signature, value_signature);
                let shape = Shape::Mapping(self.field_ty(key)?, self.field_ty(value)?);
                (shape, signature, false)
            }
        })
    }

    fn field_ty(&self, field: &Field) -> Result<Ty, String> {
        let signature = Signature::from_str(&field.signature)
            .map_err(|e| format!("`{}` is not a type signature: {e}", field.signature))?;
        Ok(self.reference(field.reference.as_deref(), &signature))
    }

    /// The type of a value of `signature` that a Telepathy `tp:type` names: `Name`, with one
    /// `[]` per array around it, or the `array-name` of a struct; the plain type where the
    /// name is not in the table or its signature is not `signature`.
    fn reference(&self, reference: Option<&str>, signature: &Signature) -> Ty {
        let plain = || Ty::Plain(signature.clone());
        let Some(reference) = reference else {
            return plain();
        };
        let (mut name, mut arrays) = (reference, 0);
        while let Some(inner) = name.strip_suffix("[]") {
            (name, arrays) = (inner, arrays + 1);
        }
        let (entry, arrays) = match self.find(name) {
            Some(entry) => (entry, arrays),
            None => match self
                .entries
                .iter()
                .find(|e| e.array_name.as_deref() == Some(name))
            {
                Some(entry) => (entry, arrays + 1),
                None => return plain(),
            },
        };
        let mut inner = signature;
        for _ in 0..arrays {
            match inner {
                Signature::Array(element) => inner = element,
                _ => return plain(),
            }
        }
        if *inner != entry.named.signature {
            return plain();
        }
        (0..arrays).fold(Ty::Named(entry.named.clone()), |ty, _| {
            Ty::Array(Box::new(ty))
        })
    }

    /// The Rust type of an argument or property of `signature` with `annotations` (its own
    /// and the overlay's) and the Telepathy `tp:type` `reference`. This toolkit's annotations
    /// come first; a name they give that the table lacks, or whose type is nowhere in
    /// `signature`, is an error.
    pub(crate) fn ty(
        &self,
        target: &DocTarget,
        signature: &Signature,
        annotations: &Annotations,
    ) -> Result<Ty, String> {
        let reference = self.references.get(target).map(String::as_str);
        let declared = [ENUM, FLAGS, STRUCT]
            .into_iter()
            .find_map(|name| annotations.get(name))
            .map(|value| declaration(value).map(|(name, _)| name))
            .transpose()?;
        let named = declared.or_else(|| annotations.get(TYPE).map(str::to_owned));
        let named = match named {
            Some(name) => Some(
                self.find(&name)
                    .map(|e| e.named.clone())
                    .ok_or_else(|| format!("{TYPE}: no type `{name}` in the file"))?,
            ),
            None => None,
        };
        match named {
            Some(named) => descend(signature, &named).ok_or_else(|| {
                format!(
                    "the type `{}` (`{}`) is nowhere in `{signature}`",
                    named.rust, named.signature
                )
            }),
            None => Ok(self.reference(reference, signature)),
        }
    }

    /// The module `types` with every type of the table, or nothing for an empty table.
    pub(crate) fn code(&self) -> TokenStream {
        if self.entries.is_empty() {
            return TokenStream::new();
        }
        let items = self.entries.iter().map(entry_code);
        quote! {
            /// The types that the XML names (Telepathy's `tp:enum`, `tp:flags`, `tp:struct`,
            /// `tp:mapping`, `tp:simple-type`, this toolkit's `rs.dbus_xml_codegen.*`
            /// annotations, GLib bytestrings). Each has the signature of the values it
            /// carries; the wire is the same as with the plain types.
            pub mod types {
                #(#items)*
            }
        }
    }

    /// Each type, for `doc`: its Rust name, its name in the file, its signature and what it
    /// holds (values, fields), each with its documentation.
    pub(crate) fn describe(&self) -> Vec<Described> {
        self.entries
            .iter()
            .map(|entry| {
                let (kind, items) = match &entry.shape {
                    Shape::Alias(_) => ("alias", Vec::new()),
                    Shape::Enum { variants, .. } => (
                        "enum",
                        variants
                            .iter()
                            .map(|(r, w, d)| (r.to_string(), format!("`{w}`"), d.clone()))
                            .collect(),
                    ),
                    Shape::Flags { consts, .. } => (
                        "flags",
                        consts
                            .iter()
                            .map(|(r, v, d)| (r.to_string(), format!("`{v:#x}`"), d.clone()))
                            .collect(),
                    ),
                    Shape::Struct(fields) => (
                        "struct",
                        fields
                            .iter()
                            .map(|(n, t, d)| {
                                let ty = crate::reference::rust_type(t);
                                (n.to_string(), format!("`{ty}`"), d.clone())
                            })
                            .collect(),
                    ),
                    Shape::Mapping(..) => ("map", Vec::new()),
                    Shape::Bytestring => ("GLib bytestring", Vec::new()),
                };
                let named_by_file = !matches!(entry.shape, Shape::Bytestring);
                Described {
                    rust: entry.named.rust.to_string(),
                    name: named_by_file.then(|| entry.name.clone()),
                    signature: entry.named.signature.to_string(),
                    kind,
                    docs: entry.docs.clone(),
                    items,
                }
            })
            .collect()
    }
}

/// One type, as `doc` lists it.
pub(crate) struct Described {
    pub rust: String,
    /// Its name in the file, where the file names it.
    pub name: Option<String>,
    pub signature: String,
    pub kind: &'static str,
    pub docs: String,
    /// Values or fields: name, value or type, documentation.
    pub items: Vec<(String, String, String)>,
}

/// Every argument and property of `interface` that carries annotations, with a phrase for
/// errors, its annotations and its signature.
fn annotated(
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

fn doc_attrs(docs: &str) -> TokenStream {
    let lines = docs.lines().map(|l| format!(" {l}"));
    quote!(#(#[doc = #lines])*)
}

const SERDE: &str = "zbus::export::serde";

fn entry_code(entry: &Entry) -> TokenStream {
    let rust = &entry.named.rust;
    let signature = entry.named.signature.to_string();
    let mut docs = entry.docs.clone();
    if docs.is_empty() {
        docs = format!("`{}` in the XML.", entry.name);
    }
    let docs = doc_attrs(&format!("{docs}\n\nOn the wire: `{signature}`."));
    let derive_serde = quote! {
        zbus::export::serde::Serialize, zbus::export::serde::Deserialize, zbus::Type
    };
    match &entry.shape {
        Shape::Alias(ty) => {
            let ty = types::owned_ty(ty);
            quote!(#docs pub type #rust = #ty;)
        }
        Shape::Mapping(key, value) => {
            let (key, value) = (types::owned_ty(key), types::owned_ty(value));
            quote!(#docs pub type #rust = std::collections::HashMap<#key, #value>;)
        }
        Shape::Struct(fields) => {
            let default = types::has_default(&entry.named.signature).then(|| quote!(Default,));
            let clone = (!types::holds_fd(&entry.named.signature)).then(|| quote!(Clone,));
            let fields = fields.iter().map(|(name, ty, docs)| {
                let ty = types::owned_ty(ty);
                let docs = doc_attrs(docs);
                quote!(#docs pub #name: #ty)
            });
            quote! {
                #docs
                #[derive(Debug, #clone PartialEq, #default #derive_serde)]
                #[serde(crate = #SERDE)]
                #[zbus(crate = "zbus::wire")]
                pub struct #rust { #(#fields,)* }
            }
        }
        Shape::Enum {
            repr,
            variants,
            fallback,
        } => enum_code(rust, &docs, repr, variants, fallback, &derive_serde),
        Shape::Flags { repr, consts } => flags_code(rust, &docs, repr, consts, &derive_serde),
        Shape::Bytestring => bytestring_code(&derive_serde),
    }
}

fn enum_code(
    rust: &Ident,
    docs: &TokenStream,
    repr: &Signature,
    variants: &[(Ident, String, String)],
    fallback: &Ident,
    derive_serde: &TokenStream,
) -> TokenStream {
    let string = *repr == Signature::Str;
    let raw = types::owned(repr);
    let raw_text = raw.to_string();
    let signature = repr.to_string();
    let names: Vec<&Ident> = variants.iter().map(|(r, _, _)| r).collect();
    let variant_docs = variants.iter().map(|(_, wire, docs)| {
        let head = format!(" `{wire}`");
        let docs = docs.lines().map(|l| format!(" {l}"));
        quote!(#[doc = #head] #(#[doc = ""] #[doc = #docs])*)
    });
    let fallback_doc = format!(
        " A value that the XML does not name, as it came: a newer peer may send one. \
         [`{rust}::known`] turns it into an `InvalidArgs` error where a service accepts \
         only the values it knows."
    );
    let patterns: Vec<TokenStream> = variants
        .iter()
        .map(|(_, wire, _)| {
            if string {
                quote!(#wire)
            } else {
                wire.parse().expect("an integer is a token")
            }
        })
        .collect();
    let copy = (!string).then(|| quote!(Copy,));
    let (from_raw, into_raw) = if string {
        (
            quote! {
                match raw.as_str() {
                    #(#patterns => Self::#names,)*
                    _ => Self::#fallback(raw),
                }
            },
            quote! {
                match value {
                    #(#rust::#names => #patterns.to_owned(),)*
                    #rust::#fallback(raw) => raw,
                }
            },
        )
    } else {
        (
            quote! {
                match raw {
                    #(#patterns => Self::#names,)*
                    other => Self::#fallback(other),
                }
            },
            quote! {
                match value {
                    #(#rust::#names => #patterns,)*
                    #rust::#fallback(raw) => raw,
                }
            },
        )
    };
    let known_list = variants
        .iter()
        .map(|(r, w, _)| {
            if string {
                format!("{w:?}")
            } else {
                format!("{w} ({r})")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
        .replace('{', "{{")
        .replace('}', "}}");
    let shown = if string { "{raw:?}" } else { "{raw}" };
    let not_named = format!("{shown} is not a value of {rust} (it has: {known_list})");
    let zero = if string {
        quote!(String::new())
    } else {
        quote!(0)
    };
    quote! {
        #docs
        #[derive(Debug, Clone, #copy PartialEq, Eq, Hash, #derive_serde)]
        #[serde(crate = #SERDE, from = #raw_text, into = #raw_text)]
        #[zbus(crate = "zbus::wire", signature = #signature)]
        pub enum #rust {
            #(#variant_docs #names,)*
            #[doc = #fallback_doc]
            #fallback(#raw),
        }

        impl From<#raw> for #rust {
            fn from(raw: #raw) -> Self {
                #from_raw
            }
        }

        impl From<#rust> for #raw {
            fn from(value: #rust) -> Self {
                #into_raw
            }
        }

        impl Default for #rust {
            /// What `0` or `""` is, as the plain type's default.
            fn default() -> Self {
                Self::from(#zero)
            }
        }

        impl #rust {
            /// Every value that the XML names, in its order.
            pub fn known_values() -> Vec<Self> {
                vec![#(Self::#names),*]
            }

            /// `self` where the XML names it; else `org.freedesktop.DBus.Error.InvalidArgs`
            /// naming the value and those known, for a service that takes no other.
            pub fn known(self) -> Result<Self, zbus::fdo::Error> {
                match self {
                    Self::#fallback(raw) => Err(zbus::fdo::Error::InvalidArgs(format!(#not_named))),
                    known => Ok(known),
                }
            }
        }
    }
}

fn flags_code(
    rust: &Ident,
    docs: &TokenStream,
    repr: &Signature,
    consts: &[(Ident, u64, String)],
    derive_serde: &TokenStream,
) -> TokenStream {
    let raw = types::owned(repr);
    let signature = repr.to_string();
    let values = consts.iter().map(|(name, bits, docs)| {
        let head = format!(" `{bits:#x}`");
        let docs = docs.lines().map(|l| format!(" {l}"));
        let bits: TokenStream = bits.to_string().parse().expect("an integer is a token");
        quote!(#[doc = #head] #(#[doc = ""] #[doc = #docs])* pub const #name: Self = Self(#bits);)
    });
    let known: TokenStream = consts
        .iter()
        .fold(0u64, |all, (_, bits, _)| all | bits)
        .to_string()
        .parse()
        .expect("an integer is a token");
    // `Debug` names the flags that are set, and the bits the XML names none of.
    let named = consts
        .iter()
        .filter(|(_, bits, _)| *bits != 0)
        .map(|(name, _, _)| {
            let text = name.to_string();
            quote!((Self::#name, #text))
        });
    // The type's name in the format string itself (an identifier: no braces to escape).
    let debug_format = format!("{rust}({{}})");
    quote! {
        #docs
        #[doc = ""]
        #[doc = " Bits that the XML does not name are kept as they came (see `unknown_bits`)."]
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Default, #derive_serde)]
        #[serde(crate = #SERDE, transparent)]
        #[zbus(crate = "zbus::wire", signature = #signature)]
        pub struct #rust(pub #raw);

        impl #rust {
            #(#values)*

            /// Every flag that the XML names.
            pub const KNOWN: Self = Self(#known);

            /// No flag set.
            pub const fn empty() -> Self {
                Self(0)
            }

            /// The bits, as on the wire.
            pub const fn bits(self) -> #raw {
                self.0
            }

            /// Whether every flag of `other` is set in `self`.
            pub const fn contains(self, other: Self) -> bool {
                self.0 & other.0 == other.0
            }

            /// The bits that the XML names none of.
            pub const fn unknown_bits(self) -> #raw {
                self.0 & !Self::KNOWN.0
            }
        }

        impl std::fmt::Debug for #rust {
            /// `TrackFlags(LIVE | FAVOURITE)`; bits the XML does not name in hex
            /// (`TrackFlags(EXPLICIT | 0x100)`); none set: `TrackFlags(0x0)`.
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                let mut parts: Vec<String> = [#(#named),*]
                    .iter()
                    .filter(|(flag, _)| self.contains(*flag))
                    .map(|(_, name)| (*name).to_owned())
                    .collect();
                let unknown = self.unknown_bits();
                if unknown != 0 || parts.is_empty() {
                    parts.push(format!("{unknown:#x}"));
                }
                write!(f, #debug_format, parts.join(" | "))
            }
        }

        impl std::ops::BitOr for #rust {
            type Output = Self;
            fn bitor(self, other: Self) -> Self {
                Self(self.0 | other.0)
            }
        }

        impl std::ops::BitOrAssign for #rust {
            fn bitor_assign(&mut self, other: Self) {
                self.0 |= other.0;
            }
        }

        impl std::ops::BitAnd for #rust {
            type Output = Self;
            fn bitand(self, other: Self) -> Self {
                Self(self.0 & other.0)
            }
        }
    }
}

fn bytestring_code(derive_serde: &TokenStream) -> TokenStream {
    quote! {
        /// A GLib bytestring: a path or name as bytes, which on the wire (`ay`) end in one NUL,
        /// as GLib's `g_variant_new_bytestring` writes them and GLib clients read them (without
        /// the NUL they read an empty string). This type holds the bytes without the NUL: it
        /// adds the NUL when sent and strips it when received, and takes a value received
        /// without one as it is.
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default, #derive_serde)]
        #[serde(crate = #SERDE, from = "Vec<u8>", into = "Vec<u8>")]
        #[zbus(crate = "zbus::wire", signature = "ay")]
        pub struct Bytestring(Vec<u8>);

        impl Bytestring {
            /// The bytes, without the NUL.
            pub fn as_bytes(&self) -> &[u8] {
                &self.0
            }

            /// The bytes as a path.
            pub fn as_path(&self) -> &std::path::Path {
                std::path::Path::new(<std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(&self.0))
            }

            /// The bytes as a string, where they are UTF-8.
            pub fn to_str(&self) -> Option<&str> {
                std::str::from_utf8(&self.0).ok()
            }
        }

        impl From<Vec<u8>> for Bytestring {
            /// Takes `bytes` as received: one NUL at the end is taken off.
            fn from(mut bytes: Vec<u8>) -> Self {
                if bytes.last() == Some(&0) {
                    bytes.pop();
                }
                Self(bytes)
            }
        }

        impl From<Bytestring> for Vec<u8> {
            /// The bytes as sent: with the NUL at the end.
            fn from(value: Bytestring) -> Self {
                let mut bytes = value.0;
                bytes.push(0);
                bytes
            }
        }

        impl From<&str> for Bytestring {
            fn from(text: &str) -> Self {
                Self::from(text.as_bytes().to_vec())
            }
        }

        impl From<String> for Bytestring {
            fn from(text: String) -> Self {
                Self::from(text.into_bytes())
            }
        }

        impl From<std::path::PathBuf> for Bytestring {
            fn from(path: std::path::PathBuf) -> Self {
                Self::from(<std::ffi::OsString as std::os::unix::ffi::OsStringExt>::into_vec(path.into_os_string()))
            }
        }

        impl From<&std::path::Path> for Bytestring {
            fn from(path: &std::path::Path) -> Self {
                Self::from(<std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::as_bytes(path.as_os_str()).to_vec())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sig(s: &str) -> Signature {
        s.parse().unwrap()
    }

    fn target() -> DocTarget {
        DocTarget::interface("a.B")
    }

    fn annotations(pairs: &[(&str, &str)]) -> Annotations {
        Annotations::from_pairs(pairs)
    }

    #[test]
    fn annotations_declare_enums_flags_and_structs_where_the_signature_has_them() {
        let mut table = Table::default();
        for (name, value, signature) in [
            (ENUM, "Status: Playing Paused", "as"),
            (FLAGS, "Caps: Read Write Exec=0x10", "u"),
            (STRUCT, "Point: x y", "a{s(ii)}"),
        ] {
            table
                .add(&annotated_def(name, value, &sig(signature)).unwrap())
                .unwrap();
        }
        let ty = table
            .ty(
                &target(),
                &sig("a{s(ii)}"),
                &annotations(&[(TYPE, "Point")]),
            )
            .unwrap();
        assert_eq!(
            types::owned_ty(&ty).to_string(),
            "std :: collections :: HashMap < String , super :: types :: Point >"
        );
        let Shape::Flags { consts, .. } = &table.find("Caps").unwrap().shape else {
            panic!()
        };
        let bits: Vec<u64> = consts.iter().map(|c| c.1).collect();
        assert_eq!(bits, [1, 2, 16]);
        let error = table
            .ty(&target(), &sig("u"), &annotations(&[(TYPE, "Status")]))
            .unwrap_err();
        assert!(error.contains("nowhere in `u`"), "{error}");
        let error = table
            .ty(&target(), &sig("u"), &annotations(&[(TYPE, "Nope")]))
            .unwrap_err();
        assert!(error.contains("no type `Nope`"), "{error}");
    }

    #[test]
    fn a_telepathy_reference_that_does_not_fit_reads_as_the_plain_type() {
        let mut table = Table::default();
        let def = Def {
            name: "Handle_Flags".into(),
            array_name: None,
            docs: String::new(),
            kind: Kind::Flags("u".into(), vec![]),
            location: None,
        };
        table.add(&def).unwrap();
        assert!(matches!(
            table.reference(Some("Handle_Flags"), &sig("s")),
            Ty::Plain(_)
        ));
        assert!(matches!(
            table.reference(Some("Missing"), &sig("u")),
            Ty::Plain(_)
        ));
        let ty = table.reference(Some("Handle_Flags[]"), &sig("au"));
        assert_eq!(
            types::owned_ty(&ty).to_string(),
            "Vec < super :: types :: HandleFlags >"
        );
    }

    #[test]
    fn enum_values_must_fit_their_type_and_be_distinct() {
        let mut table = Table::default();
        let error = table
            .add(&annotated_def(ENUM, "Small: A=300", &sig("y")).unwrap())
            .unwrap_err();
        assert!(error.contains("not a `y`"), "{error}");
        let error = table
            .add(&annotated_def(ENUM, "Twice: A=1 B=1", &sig("u")).unwrap())
            .unwrap_err();
        assert!(error.contains("twice"), "{error}");
        let named = table
            .add(&annotated_def(ENUM, "Level: Unknown Low High", &sig("u")).unwrap())
            .unwrap();
        assert!(named.by_value);
        let Shape::Enum { fallback, .. } = &table.find("Level").unwrap().shape else {
            panic!()
        };
        assert_eq!(fallback.to_string(), "UnknownValue");
    }
}
