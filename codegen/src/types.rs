//! D-Bus type signatures to Rust types.

use proc_macro2::TokenStream;
use quote::quote;
use zbus::Signature;

/// The owned Rust type that carries a value of `signature`: what a server method receives and
/// returns (`s` is `String`, `a{sv}` is `HashMap<String, OwnedValue>`).
pub fn owned(signature: &Signature) -> TokenStream {
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
        Signature::Structure(fields) => {
            let fields = fields.iter().map(owned);
            quote!((#(#fields,)*))
        }
    }
}

/// The type a signal emitter takes for an argument of `signature`: plain values by value,
/// strings as `&str`, arrays as slices, anything else by reference to its owned type.
pub fn borrowed(signature: &Signature) -> TokenStream {
    match signature {
        Signature::Str => quote!(&str),
        Signature::Array(element) => {
            let element = owned(element);
            quote!(&[#element])
        }
        Signature::U8
        | Signature::Bool
        | Signature::I16
        | Signature::U16
        | Signature::I32
        | Signature::U32
        | Signature::I64
        | Signature::U64
        | Signature::F64 => owned(signature),
        _ => {
            let owned = owned(signature);
            quote!(&#owned)
        }
    }
}

/// The type that carries several values at once, as a method returns its out arguments:
/// nothing is `()`, one is its own type, more are a tuple. A single structure is wrapped in a
/// 1-tuple, so that zbus does not read its fields as several arguments.
pub fn returned<'a>(signatures: impl ExactSizeIterator<Item = &'a Signature>) -> TokenStream {
    let single = signatures.len() == 1;
    let types: Vec<(bool, TokenStream)> = signatures
        .map(|s| (matches!(s, Signature::Structure(_)), owned(s)))
        .collect();
    match types.as_slice() {
        [(false, ty)] if single => ty.clone(),
        _ => {
            let types = types.iter().map(|(_, ty)| ty);
            quote!((#(#types,)*))
        }
    }
}

/// What in `interface` has no Rust type here, if anything: a dict keyed by doubles (a Rust
/// map needs keys that compare exactly).
pub fn unsupported_in(interface: &zbus_xml::Interface<'_>) -> Option<String> {
    fn find(signature: &Signature) -> bool {
        match signature {
            Signature::Dict { key, value } => matches!(**key, Signature::F64) || find(value),
            Signature::Array(element) => find(element),
            Signature::Structure(fields) => fields.iter().any(find),
            _ => false,
        }
    }
    let methods = interface.methods().flat_map(|m| m.args());
    let signals = interface.signals().flat_map(|s| s.args());
    let args = methods.chain(signals).map(|a| a.ty());
    let mut signatures = args.chain(interface.properties().map(|p| p.ty()));
    signatures
        .find(|s| find(s))
        .map(|s| format!("the type `{s}` (a dict keyed by doubles)"))
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
        let one: Signature = "(ss)".parse().unwrap();
        assert_eq!(
            returned([&one].into_iter()).to_string(),
            "((String , String ,) ,)"
        );
        let plain: Signature = "s".parse().unwrap();
        assert_eq!(returned([&plain].into_iter()).to_string(), "String");
        assert_eq!(returned([].into_iter()).to_string(), "()");
    }
}
