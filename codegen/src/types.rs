//! D-Bus type signatures to Rust types.

use proc_macro2::TokenStream;
use quote::quote;
use zbus::Signature;

use crate::named::Ty;
use crate::zbus_target::WIDEST_MESSAGE;

/// The owned Rust type that carries a value of `signature`: what a server method receives and
/// returns (`s` is `String`, `a{sv}` is `HashMap<String, OwnedValue>`).
pub(crate) fn owned(signature: &Signature) -> TokenStream {
    match signature {
        Signature::Unit => quote!(()),
        Signature::U8 => quote!(u8),
        Signature::Bool => quote!(bool),
        Signature::I16 => quote!(i16),
        Signature::U16 => quote!(u16),
        Signature::I32 => quote!(i32),
        Signature::U32 => quote!(u32),
        Signature::I64 => quote!(i64),
        Signature::U64 => quote!(u64),
        Signature::F64 => quote!(f64),
        Signature::Str => quote!(String),
        Signature::Signature => quote!(zbus::Signature),
        Signature::ObjectPath => quote!(zbus::OwnedObjectPath),
        Signature::Variant => quote!(zbus::OwnedVariant),
        Signature::Fd => quote!(zbus::OwnedFd),
        Signature::Array(element) => {
            let element = owned(element);
            quote!(Vec<#element>)
        }
        Signature::Dict { key, value } => {
            let (key, value) = (owned(key), owned(value));
            quote!(std::collections::HashMap<#key, #value>)
        }
        Signature::Structure(fields) if fields.len() > WIDEST_TUPLE => {
            // Defined in the module `structs` beside the interfaces' modules.
            let name = wide_struct_name(signature);
            quote!(super::structs::#name)
        }
        Signature::Structure(fields) => {
            let fields = fields.iter().map(owned);
            quote!((#(#fields,)*))
        }
    }
}

/// The owned Rust type of `ty`: [`owned`] for a plain one, and the file's named types in the
/// module `types`.
pub(crate) fn owned_ty(ty: &Ty) -> TokenStream {
    match ty {
        Ty::Plain(signature) => owned(signature),
        Ty::Named(named) => {
            let name = &named.rust;
            quote!(super::types::#name)
        }
        Ty::Array(element) => {
            let element = owned_ty(element);
            quote!(Vec<#element>)
        }
        Ty::Dict(key, value) => {
            let (key, value) = (owned_ty(key), owned_ty(value));
            quote!(std::collections::HashMap<#key, #value>)
        }
    }
}

/// Whether `signature` is a basic type (which a dict may be keyed by).
pub(crate) fn is_basic(signature: &Signature) -> bool {
    !matches!(
        signature,
        Signature::Unit
            | Signature::Variant
            | Signature::Array(_)
            | Signature::Dict { .. }
            | Signature::Structure(_)
    )
}

/// The widest D-Bus struct that a Rust tuple carries: std implements `Debug` for tuples of up
/// to 12 fields (serde and zbus go to 16). Wider structs get a type of their own.
pub(crate) const WIDEST_TUPLE: usize = 12;

/// The name of the type that carries the wide struct `signature`, made from the signature
/// itself so that every use finds it: type codes as they are, runs counted, brackets as capital
/// letters (`(sssssssssssss)` is `Struct_s13`, `(ua{sv}…)` is `Struct_uADsvF…`).
fn wide_struct_name(signature: &Signature) -> proc_macro2::Ident {
    let text = signature.to_string();
    let inner = &text[1..text.len() - 1];
    let mut name = String::from("Struct_");
    let mut chars = inner.chars().peekable();
    while let Some(ch) = chars.next() {
        let mut run = 1;
        while chars.peek() == Some(&ch) {
            chars.next();
            run += 1;
        }
        name.push(match ch {
            '(' => 'T',
            ')' => 'E',
            '{' => 'D',
            '}' => 'F',
            code => code,
        });
        if run > 1 {
            name.push_str(&run.to_string());
        }
    }
    quote::format_ident!("{name}")
}

/// The struct signatures in `signatures` (and nested in them) that are too wide for a tuple,
/// each once, in the order met.
pub(crate) fn wide_structs<'s>(signatures: impl Iterator<Item = &'s Signature>) -> Vec<Signature> {
    fn collect(signature: &Signature, found: &mut Vec<Signature>) {
        match signature {
            Signature::Array(element) => collect(element, found),
            Signature::Dict { key, value } => {
                collect(key, found);
                collect(value, found);
            }
            Signature::Structure(fields) => {
                fields.iter().for_each(|f| collect(f, found));
                if fields.len() > WIDEST_TUPLE && !found.contains(signature) {
                    found.push(signature.clone());
                }
            }
            _ => {}
        }
    }
    let mut found = Vec::new();
    signatures.for_each(|s| collect(s, &mut found));
    found
}

/// Whether `signature` holds a file descriptor anywhere: its owned type is then not `Clone`
/// (every owned type is `Debug` and `PartialEq`).
pub(crate) fn holds_fd(signature: &Signature) -> bool {
    match signature {
        Signature::Fd => true,
        Signature::Array(element) => holds_fd(element),
        Signature::Dict { key, value } => holds_fd(key) || holds_fd(value),
        Signature::Structure(fields) => fields.iter().any(holds_fd),
        _ => false,
    }
}

/// Whether the owned type of `signature` has a value by `Default` (0, false, "", empty
/// containers, `/`, the empty signature): all but variants, file descriptors, and structs that
/// hold one outside a container.
pub(crate) fn has_default(signature: &Signature) -> bool {
    match signature {
        Signature::Variant | Signature::Fd => false,
        Signature::Structure(fields) => fields.iter().all(has_default),
        _ => true,
    }
}

/// The definition of the type that carries the wide struct `signature`: a tuple struct with
/// the serde and zbus derives that zbus re-exports, so that the including crate needs zbus
/// alone, and `Default` where its fields have it.
pub(crate) fn wide_struct_definition(signature: &Signature) -> TokenStream {
    let Signature::Structure(fields) = signature else {
        unreachable!("only structs are wide")
    };
    let name = wide_struct_name(signature);
    let default = has_default(signature).then(|| quote!(Default,));
    let fields = fields.iter().map(owned);
    let doc = format!(
        " The D-Bus struct `{signature}`. It has more fields than Rust's tuples carry (std's \
         `Debug` stops at {WIDEST_TUPLE}), so it has a type of its own; its fields are in the \
         struct's order."
    );
    quote! {
        #[doc = #doc]
        #[allow(non_camel_case_types)]
        #[derive(Debug, Clone, PartialEq, #default zbus::export::serde::Serialize, zbus::export::serde::Deserialize, zbus::Type)]
        #[serde(crate = "zbus::export::serde")]
        #[zbus(crate = "zbus::wire")]
        pub struct #name(#(pub #fields),*);
    }
}

/// The type a signal emitter (or a proxy's caller) passes for a value of `ty`: plain values
/// and named enums and flags by value, strings as `&str`, arrays as slices, anything else
/// by reference to its owned type.
pub(crate) fn borrowed(ty: &Ty) -> TokenStream {
    let signature = match ty {
        Ty::Plain(signature) => signature,
        Ty::Named(named) if named.by_value => return owned_ty(ty),
        Ty::Array(element) => {
            let element = owned_ty(element);
            return quote!(&[#element]);
        }
        _ => {
            let owned = owned_ty(ty);
            return quote!(&#owned);
        }
    };
    match signature {
        Signature::Str => quote!(&str),
        Signature::Array(element) => {
            let element = owned(element);
            quote!(&[#element])
        }
        _ if passed_by_value(signature) => owned(signature),
        _ => {
            let owned = owned(signature);
            quote!(&#owned)
        }
    }
}

/// Whether a value of `signature` is small and `Copy`, so passed by value (numbers and
/// booleans).
pub(crate) fn passed_by_value(signature: &Signature) -> bool {
    matches!(
        signature,
        Signature::U8
            | Signature::Bool
            | Signature::I16
            | Signature::U16
            | Signature::I32
            | Signature::U32
            | Signature::I64
            | Signature::U64
            | Signature::F64
    )
}

/// The type that carries several values at once, as a method returns its out arguments:
/// nothing is `()`, one is its own type, more are a tuple. A single structure is wrapped in a
/// 1-tuple, so that zbus does not read its fields as several arguments.
pub(crate) fn returned<'a>(tys: impl ExactSizeIterator<Item = &'a Ty>) -> TokenStream {
    let single = tys.len() == 1;
    // A named struct is one value to zbus as a plain one is.
    let types: Vec<(bool, TokenStream)> = tys
        .map(|ty| {
            let structure = match ty {
                Ty::Plain(s) => matches!(s, Signature::Structure(_)),
                Ty::Named(named) => matches!(named.signature, Signature::Structure(_)),
                _ => false,
            };
            (structure, owned_ty(ty))
        })
        .collect();
    match types.as_slice() {
        [(false, ty)] if single => ty.clone(),
        _ => {
            let types = types.iter().map(|(_, ty)| ty);
            quote!((#(#types,)*))
        }
    }
}

/// What in `interface` has no Rust type here, if anything: a member with more arguments one
/// way than zbus carries ([`WIDEST_MESSAGE`]), or a dict keyed by doubles (a Rust map needs
/// keys that compare exactly).
pub(crate) fn unsupported_in(interface: &crate::wire::Interface) -> Option<String> {
    let too_many = |kind: &str, name: &str, way: &str, count: usize| {
        (count > WIDEST_MESSAGE).then(|| {
            format!(
                "the {kind} `{name}` with {count} {way}arguments (zbus carries at most \
                 {WIDEST_MESSAGE} in one message)"
            )
        })
    };
    fn keyed_by_doubles(signature: &Signature) -> bool {
        match signature {
            Signature::Dict { key, value } => {
                matches!(**key, Signature::F64) || keyed_by_doubles(value)
            }
            Signature::Array(element) => keyed_by_doubles(element),
            Signature::Structure(fields) => fields.iter().any(keyed_by_doubles),
            _ => false,
        }
    }
    let methods = interface.methods.iter().find_map(|m| {
        too_many("method", &m.name, "in-", m.inputs().count())
            .or_else(|| too_many("method", &m.name, "out-", m.outputs().count()))
    });
    let signals =
        || (interface.signals.iter()).find_map(|s| too_many("signal", &s.name, "", s.args.len()));
    let doubles = || {
        (interface.signatures().find(|s| keyed_by_doubles(s)))
            .map(|s| format!("the type `{s}` (a dict keyed by doubles)"))
    };
    methods.or_else(signals).or_else(doubles)
}

/// The Rust type of `ty`, as source text.
pub(crate) fn rust_type(ty: &Ty) -> String {
    // Wide structs and named types are named from the generated module's root.
    let tokens = owned_ty(ty)
        .to_string()
        .replace(' ', "")
        .replace("super::", "");
    tokens.replace(',', ", ").replace(", )", ",)")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owned_of(signature: &str) -> String {
        owned(&signature.parse().unwrap()).to_string()
    }

    #[test]
    fn containers_nest() {
        assert_eq!(
            owned_of("a{sv}"),
            "std :: collections :: HashMap < String , zbus :: OwnedVariant >"
        );
        assert_eq!(
            owned_of("a(uo)"),
            "Vec < (u32 , zbus :: OwnedObjectPath ,) >"
        );
    }

    #[test]
    fn a_single_structure_is_returned_in_a_one_tuple() {
        let one = Ty::Plain("(ss)".parse().unwrap());
        assert_eq!(
            returned([&one].into_iter()).to_string(),
            "((String , String ,) ,)"
        );
        let plain = Ty::Plain("s".parse().unwrap());
        assert_eq!(returned([&plain].into_iter()).to_string(), "String");
        assert_eq!(returned([].into_iter()).to_string(), "()");
    }
}
