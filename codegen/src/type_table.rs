//! The types table of a file: its named types under their Rust names, checked. Enums
//! (integer or string), flags, structs with named fields, maps and aliases come from the
//! Telepathy vocabulary ([`crate::telepathy`]) or from this toolkit's own annotations
//! ([`crate::type_annotations`]), GLib bytestrings (`ay` ending in a NUL) too. The wire never
//! changes: every type here serialises exactly as its signature says.
//!
//! [`Table::ty`] gives the Rust type ([`Ty`]) of one argument or property; the module `types`
//! that defines them is [`crate::type_code`]'s, and `doc`'s listing [`crate::type_listing`]'s.

use std::collections::HashMap;
use std::str::FromStr;

use proc_macro2::Ident;
use quote::format_ident;
use zbus::Signature;

use crate::annotations::{Annotations, ENUM, FLAGS, STRUCT, TYPE};
use crate::docs::DocTarget;
use crate::named::{Def, Field, Kind, Named, Ty};
use crate::names::{pascal_case, snake_case};
use crate::type_annotations::{annotated, annotated_def, declaration};
use crate::types;

/// The Rust name of the GLib bytestring type, built in: an `ay` (or `aay`) of paths or names,
/// which GLib ends with a NUL, is this type where [`TYPE`] names it. (Not where GDBus's
/// `org.gtk.GDBus.C.ForceGVariant` marks an `ay`: gdbus-codegen reads an unmarked `ay` as a
/// bytestring, and the mark keeps raw bytes raw, as NetworkManager's `Ssid` and `PublicKey`.)
pub(crate) const BYTESTRING: &str = "Bytestring";

/// What a checked definition becomes.
#[derive(Debug)]
pub(crate) enum Shape {
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
pub(crate) struct Entry {
    pub name: String,
    /// The module of the file that defines it, where that is another file generated together
    /// with this one ([`Shared`]): the module `types` then re-exports that file's type.
    pub home: Option<Ident>,
    /// The name of an array of it (Telepathy's `array-name`).
    pub array_name: Option<String>,
    pub named: Named,
    pub docs: String,
    pub shape: Shape,
}

/// A Telepathy definition of a file generated together with others
/// ([`crate::Builder::compile_together`]), which they may refer to: a spec keeps its shared
/// types in one file (telepathy-spec's `generic-types.xml`) and refers to them from the rest.
#[derive(Debug, Clone)]
pub(crate) struct Shared {
    /// The module of the file that defines it.
    pub module: Ident,
    /// The definition.
    pub def: Def,
}

impl Shared {
    /// Each definition of `telepathy` that its own file's table keeps (one that cannot be a
    /// Rust type is left out there, and so here), as shared from `module`.
    pub(crate) fn of_file(module: &Ident, telepathy: &crate::telepathy::Telepathy) -> Vec<Self> {
        let own = Table::build(
            telepathy,
            &[],
            std::iter::empty::<&crate::wire::Interface>(),
        )
        .unwrap_or_default();
        telepathy
            .defs
            .iter()
            .filter(|def| own.find(&def.name).is_some())
            .map(|def| Self {
                module: module.clone(),
                def: def.clone(),
            })
            .collect()
    }
}

/// Whether `def` is the type `name` refers to (`Handle`, or its array name `Handle_List`).
fn is_named(def: &Def, name: &str) -> bool {
    def.name == name || def.array_name.as_deref() == Some(name)
}

/// The types that the fields of `def` name.
fn field_references(def: &Def) -> impl Iterator<Item = &str> {
    let fields = match &def.kind {
        Kind::Struct(fields) | Kind::Mapping(fields) => fields.as_slice(),
        _ => &[],
    };
    fields.iter().filter_map(|f| f.reference.as_deref())
}

/// The definitions of `shared` that a file needs: those that `names` (what it refers to)
/// name and the file does not define (`defines`). (Not those that their fields name: the
/// file re-exports each, defined by its own file.)
fn needed(
    shared: &[Shared],
    defines: impl Fn(&str) -> bool,
    names: impl Iterator<Item = String>,
) -> Vec<&Shared> {
    let mut taken: Vec<&Shared> = Vec::new();
    for name in names {
        let name = name.trim_end_matches("[]");
        let found = shared.iter().find(|s| is_named(&s.def, name));
        if let Some(found) = found.filter(|_| !defines(name))
            && !taken.iter().any(|t| std::ptr::eq(*t, found))
        {
            taken.push(found);
        }
    }
    taken
}

/// The named types of one file, by their names in it.
#[derive(Debug, Default)]
pub(crate) struct Table {
    pub(crate) entries: Vec<Entry>,
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
    /// cannot be a Rust type is left out, and references to it read as plain types), those of
    /// `shared` that it refers to and does not define, then those that the annotations of
    /// `interfaces` declare (where one cannot be, the error says why).
    pub(crate) fn build<'i>(
        telepathy: &crate::telepathy::Telepathy,
        shared: &[Shared],
        interfaces: impl IntoIterator<Item = &'i crate::wire::Interface> + Clone,
    ) -> Result<Self, String> {
        let mut table = Table {
            references: telepathy.references.clone(),
            ..Table::default()
        };
        let defines = |name: &str| telepathy.defs.iter().any(|d| is_named(d, name));
        let referred = telepathy
            .references
            .values()
            .cloned()
            .chain(
                telepathy
                    .defs
                    .iter()
                    .flat_map(field_references)
                    .map(str::to_owned),
            )
            .chain(interfaces.clone().into_iter().flat_map(|interface| {
                annotated(interface)
                    .filter_map(|(_, annotations, _)| annotations.get(TYPE).map(str::to_owned))
                    .collect::<Vec<_>>()
            }));
        let defs: Vec<(Option<&Ident>, &Def)> = (telepathy.defs.iter().map(|def| (None, def)))
            .chain(
                needed(shared, defines, referred)
                    .into_iter()
                    .map(|s| (Some(&s.module), &s.def)),
            )
            .collect();
        // Structs and mappings last, each after the types its fields name where it can, so
        // that the fields get them.
        let (composite, simple): (Vec<_>, Vec<_>) = defs
            .into_iter()
            .partition(|(_, d)| matches!(d.kind, Kind::Struct(_) | Kind::Mapping(_)));
        for (home, def) in simple {
            table.add_or_leave_out(def, home);
        }
        let mut pending = composite;
        while !pending.is_empty() {
            let waiting_for = |def: &Def, pending: &[(Option<&Ident>, &Def)]| {
                field_references(def).any(|r| {
                    let name = r.trim_end_matches("[]");
                    pending
                        .iter()
                        .any(|(_, p)| p.name != def.name && is_named(p, name))
                })
            };
            let ready: Vec<(Option<&Ident>, &Def)> = pending
                .iter()
                .copied()
                .filter(|(_, def)| !waiting_for(def, &pending))
                .collect();
            // A cycle (which no signature can close) would wait forever: take the rest as
            // they are.
            let taken = if ready.is_empty() {
                pending.clone()
            } else {
                ready
            };
            for (home, def) in &taken {
                table.add_or_leave_out(def, *home);
            }
            pending.retain(|(_, def)| !taken.iter().any(|(_, t)| std::ptr::eq(*t, *def)));
        }
        for interface in interfaces {
            for (what, annotations, signature) in annotated(interface) {
                for name in [ENUM, FLAGS, STRUCT] {
                    let Some(value) = annotations.get(name) else {
                        continue;
                    };
                    let def = annotated_def(name, value, signature)
                        .and_then(|def| table.add(&def, None).map(drop))
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

    /// Adds a definition, from the file itself or from the file `home`, or notes why the
    /// file's own is left out (that file warns of a shared one).
    fn add_or_leave_out(&mut self, def: &Def, home: Option<&Ident>) {
        if let Err(why) = self.add(def, home)
            && home.is_none()
        {
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
            home: None,
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

    /// Checks `def`, from the file itself or from the file `home`, and adds it; a definition
    /// of a name already taken must be the same one.
    fn add(&mut self, def: &Def, home: Option<&Ident>) -> Result<Named, String> {
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
            home: home.cloned(),
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
                .add(&annotated_def(name, value, &sig(signature)).unwrap(), None)
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
        table.add(&def, None).unwrap();
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
            .add(
                &annotated_def(ENUM, "Small: A=300", &sig("y")).unwrap(),
                None,
            )
            .unwrap_err();
        assert!(error.contains("not a `y`"), "{error}");
        let error = table
            .add(
                &annotated_def(ENUM, "Twice: A=1 B=1", &sig("u")).unwrap(),
                None,
            )
            .unwrap_err();
        assert!(error.contains("twice"), "{error}");
        let named = table
            .add(
                &annotated_def(ENUM, "Level: Unknown Low High", &sig("u")).unwrap(),
                None,
            )
            .unwrap();
        assert!(named.by_value);
        let Shape::Enum { fallback, .. } = &table.find("Level").unwrap().shape else {
            panic!()
        };
        assert_eq!(fallback.to_string(), "UnknownValue");
    }
}
