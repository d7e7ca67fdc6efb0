//! zbus_xmlgen's proxy as the reference for the generated one: for every function of both
//! (paired by kind, the member's name on the bus, and place among members of that name), the
//! D-Bus signature of what the function sends and of what it receives must be one. The
//! comparison is code that the corpus crate compiles (`zvariant::Type::SIGNATURE` of both
//! sides' Rust types), so it holds what zbus puts on the wire, not how the types are spelled.

use quote::ToTokens;
use syn::{FnArg, Item, ReturnType, TraitItem, TraitItemFn};

/// What a proxy function stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Key {
    kind: &'static str,
    wire: String,
}

/// One function of a proxy trait: what it stands for, its parameters' types and the type in
/// its `zbus::Result` (a signal's stands for nothing sent back).
struct Function {
    key: Key,
    params: Vec<String>,
    output: Option<String>,
}

/// What [`checks`] finds for one interface.
pub(crate) struct Checks {
    /// The lines of code that compare one signature each.
    pub lines: Vec<String>,
    /// The functions that one proxy has and the other lacks.
    pub unpaired: Vec<String>,
    /// The signatures not compared: where zbus_xmlgen writes a tuple of more than 16
    /// elements, which has no `zvariant::Type` (its proxy would not compile).
    pub incomparable: Vec<String>,
}

/// The checks of the generated client module `client` (of `generated_code`, whose proxy trait is
/// `trait_name`) against what zbus_xmlgen writes for the interface `interface`.
pub(crate) fn checks(
    generated_code: &syn::File,
    client: &str,
    trait_name: &str,
    interface: &zbus_xml::Interface<'_>,
) -> Checks {
    let wire = interface.name().to_string();
    let reference_code = zbus_xmlgen::CodeGenerator::new()
        .with_format(false)
        .interface_code(interface)
        .expect("zbus_xmlgen writes the interface");
    let reference = syn::parse_file(&reference_code).expect("zbus_xmlgen's code parses");
    let theirs = functions(trait_fns(&reference.items, None), reference_key);
    let module = generated_code
        .items
        .iter()
        .find_map(|item| match item {
            Item::Mod(m) if m.ident == client => m.content.as_ref().map(|c| &c.1),
            _ => None,
        })
        .expect("the generated client module");
    let ours = functions(trait_fns(module, Some(trait_name)), our_key);

    let mut lines = Vec::new();
    let mut unpaired = Vec::new();
    let mut incomparable = Vec::new();
    let mut taken = vec![false; theirs.len()];
    for (place, function) in ours.iter().enumerate() {
        let nth = ours[..place]
            .iter()
            .filter(|f| f.key == function.key)
            .count();
        let found = theirs
            .iter()
            .enumerate()
            .filter(|(_, f)| f.key == function.key)
            .nth(nth);
        let Some((index, reference)) = found else {
            unpaired.push(format!("{wire}: zbus_xmlgen has no {:?}", function.key));
            continue;
        };
        taken[index] = true;
        let what = format!("{wire} {} {}", function.key.kind, function.key.wire);
        let sent = (tuple(&function.params), tuple(&reference.params));
        let received = function.output.as_ref().zip(reference.output.as_ref());
        for (side, pair) in [("sent", Some((&sent.0, &sent.1))), ("received", received)] {
            let Some((ours, theirs)) = pair else {
                continue;
            };
            let what = format!("{what}: {side}");
            if wider_than_16(theirs) {
                incomparable.push(what);
            } else {
                lines.push(format!(
                    "check({what:?}, sig::<{ours}>(), sig::<{theirs}>());"
                ));
            }
        }
    }
    for (function, taken) in theirs.iter().zip(taken) {
        if !taken {
            unpaired.push(format!(
                "{wire}: the generated proxy has no {:?}",
                function.key
            ));
        }
    }
    Checks {
        lines,
        unpaired,
        incomparable,
    }
}

/// The tuple of `types`: `()` for none, `(A,)` for one.
fn tuple(types: &[String]) -> String {
    if types.is_empty() {
        "()".to_owned()
    } else {
        format!("({},)", types.join(", "))
    }
}

/// Whether the Rust type `ty` (as text) holds a tuple of more than 16 elements.
fn wider_than_16(ty: &str) -> bool {
    // For each open bracket: the elements closed so far, and whether one is open.
    let mut open: Vec<(usize, bool)> = Vec::new();
    for c in ty.chars() {
        match c {
            '(' | '<' | '[' => open.push((0, false)),
            ')' | '>' | ']' => {
                let elements = open.pop().map_or(0, |(n, more)| n + usize::from(more));
                if c == ')' && elements > 16 {
                    return true;
                }
                if let Some(last) = open.last_mut() {
                    last.1 = true;
                }
            }
            ',' => {
                if let Some(last) = open.last_mut() {
                    *last = (last.0 + usize::from(last.1), false);
                }
            }
            c if !c.is_whitespace() => {
                if let Some(last) = open.last_mut() {
                    last.1 = true;
                }
            }
            _ => {}
        }
    }
    false
}

/// The module that runs `lines` (from [`checks`]) in the generated file's module; `named_types`
/// where that module has a module `types` (zbus_xmlgen names such types too, bare).
pub(crate) fn module(lines: &[String], named_types: bool) -> String {
    let types = if named_types {
        "use super::types::*;"
    } else {
        ""
    };
    format!(
        r#"
/// The generated proxies against zbus_xmlgen's, signature by signature.
pub mod proxy_signatures {{
    #![allow(dead_code, unused_imports, deprecated, clippy::type_complexity)]
    {}

    fn sig<T: zbus::zvariant::Type + ?Sized>() -> String {{
        T::SIGNATURE.to_string()
    }}

    /// Each function whose signatures differ.
    pub fn problems() -> Vec<String> {{
        let mut problems = Vec::new();
        let mut check = |what: &str, ours: String, reference: String| {{
            if ours != reference {{
                problems.push(format!("{{what}}: `{{ours}}`, zbus_xmlgen's `{{reference}}`"));
            }}
        }};
        {}
        let _ = &mut check;
        problems
    }}
}}
"#,
        types,
        lines.join("\n        ")
    )
}

/// The functions of the (only, or named) trait among `items`.
fn trait_fns<'i>(items: &'i [Item], name: Option<&str>) -> Vec<&'i TraitItemFn> {
    items
        .iter()
        .filter_map(|item| match item {
            Item::Trait(t) if name.is_none_or(|name| t.ident == name) => Some(t),
            _ => None,
        })
        .flat_map(|t| &t.items)
        .filter_map(|item| match item {
            TraitItem::Fn(f) => Some(f),
            _ => None,
        })
        .collect()
}

fn functions(fns: Vec<&TraitItemFn>, key: fn(&TraitItemFn) -> Key) -> Vec<Function> {
    let mut previous = String::new();
    fns.into_iter()
        .map(|f| {
            let params: Vec<String> = f
                .sig
                .inputs
                .iter()
                .filter_map(|input| match input {
                    FnArg::Typed(typed) => Some(typed.ty.to_token_stream().to_string()),
                    FnArg::Receiver(_) => None,
                })
                .collect();
            let mut key = key(f);
            if key.wire.is_empty() {
                key.wire = previous.clone();
            }
            previous = key.wire.clone();
            let output = (key.kind != "signal").then(|| result_type(&f.sig.output));
            Function {
                key,
                params,
                output,
            }
        })
        .collect()
}

/// `T` of a function's `-> zbus::Result<T>`.
fn result_type(output: &ReturnType) -> String {
    let ReturnType::Type(_, ty) = output else {
        return "()".to_owned();
    };
    let syn::Type::Path(path) = &**ty else {
        panic!("not a zbus::Result: {}", ty.to_token_stream())
    };
    let last = path.path.segments.last().expect("a path");
    match &last.arguments {
        syn::PathArguments::AngleBracketed(args) => args.args.to_token_stream().to_string(),
        _ => panic!("not a zbus::Result: {}", ty.to_token_stream()),
    }
}

fn property_kind(f: &TraitItemFn) -> &'static str {
    if f.sig.inputs.len() > 1 {
        "setter"
    } else {
        "getter"
    }
}

/// zbus_xmlgen states each member's name and kind in its first doc line: ` Name method`.
fn reference_key(f: &TraitItemFn) -> Key {
    let doc = f
        .attrs
        .iter()
        .find(|a| a.path().is_ident("doc"))
        .and_then(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })
        .unwrap_or_default();
    if doc.is_empty() {
        // A setter shares its getter's doc line: the caller knows its name.
        return Key {
            kind: property_kind(f),
            wire: String::new(),
        };
    }
    let (wire, kind) = doc.trim().rsplit_once(' ').expect("` Name kind`");
    let kind = match kind {
        "method" => "method",
        "signal" => "signal",
        "property" => property_kind(f),
        other => panic!("zbus_xmlgen's doc line names a {other}"),
    };
    Key {
        kind,
        wire: wire.to_owned(),
    }
}

/// The generated proxy states each member's name and kind in `#[zbus(…)]`.
fn our_key(f: &TraitItemFn) -> Key {
    let attr = f
        .attrs
        .iter()
        .find(|a| a.path().is_ident("zbus"))
        .expect("every generated proxy function has #[zbus(…)]");
    let text = attr.to_token_stream().to_string();
    let wire = text
        .split("name = \"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("#[zbus(name = …)]")
        .to_owned();
    let head = text.split("name =").next().unwrap_or_default();
    let kind = if head.starts_with("# [zbus (signal") {
        "signal"
    } else if head.starts_with("# [zbus (property") {
        property_kind(f)
    } else {
        "method"
    };
    Key { kind, wire }
}
