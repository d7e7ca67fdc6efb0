//! The client side of one interface: the `#[zbus::proxy]` trait that `zbus_xmlgen` writes,
//! completed with what it leaves out: the XML's documentation, `Deprecated`, `NoReply` and
//! `EmitsChangedSignal`, distinct Rust names where a method and a property would clash, and
//! one function per overload (named as the model names them). Each of zbus_xmlgen's functions
//! is checked against the member it is paired with (name, kind, argument count).

use std::collections::HashSet;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{Attribute, FnArg, Item, TraitItem, TraitItemFn, parse_quote};
use zbus::ObjectPath;
use zbus::names::BusName;
use zbus_xml::Child;
use zbus_xmlgen::CodeGenerator;

use crate::annotations::DEPRECATED_NOTE;
use crate::client_trait::{ProxyFn, client_trait};
use crate::model::{EmitsChanged, Interface};
use crate::types;

/// One function of the proxy trait, as the XML declares it.
enum Member<'m> {
    Method(&'m crate::model::Method),
    Signal(&'m crate::model::Signal),
    Getter(&'m crate::model::Property),
    Setter(&'m crate::model::Property),
}

/// The items of the client module for `interface`, the name of its proxy and that of its
/// client trait; `service` and `path` become the proxy's defaults where given. Fails only if zbus_xmlgen's output is not
/// what it is known to write.
pub(crate) fn proxy_items(
    xml_interface: &zbus_xml::Interface<'_>,
    interface: &Interface,
    service: Option<&BusName<'_>>,
    path: Option<&ObjectPath<'_>>,
) -> Result<(TokenStream, String, String), String> {
    let code = CodeGenerator::new()
        .with_service(service)
        .with_path(path)
        .with_format(false)
        .interface_code(xml_interface)
        .map_err(|e| e.to_string())?;
    let mut file = syn::parse_file(&code).map_err(|e| format!("zbus_xmlgen wrote {e}"))?;

    // zbus_xmlgen writes the trait's functions in document order, a getter before a setter.
    let mut members = Vec::new();
    let (mut methods, mut signals, mut properties) = (
        interface.methods.iter(),
        interface.signals.iter(),
        interface.properties.iter(),
    );
    for child in xml_interface.children() {
        match child {
            Child::Method(_) => members.extend(methods.next().map(Member::Method)),
            Child::Signal(_) => members.extend(signals.next().map(Member::Signal)),
            Child::Property(_) => {
                let property = properties.next().ok_or("more properties than modelled")?;
                if property.read {
                    members.push(Member::Getter(property));
                }
                if property.write {
                    members.push(Member::Setter(property));
                }
            }
            _ => {}
        }
    }

    let proxy_trait = file
        .items
        .iter_mut()
        .find_map(|item| match item {
            Item::Trait(item) => Some(item),
            _ => None,
        })
        .ok_or("zbus_xmlgen wrote no trait")?;
    // `#[proxy]` names the proxy after the trait.
    let proxy_name = format!("{}Proxy", proxy_trait.ident);
    if interface.deprecated {
        proxy_trait
            .attrs
            .push(parse_quote!(#[deprecated(note = #DEPRECATED_NOTE)]));
    }
    let functions: Vec<&mut TraitItemFn> = proxy_trait
        .items
        .iter_mut()
        .filter_map(|item| match item {
            TraitItem::Fn(function) => Some(function),
            _ => None,
        })
        .collect();
    if functions.len() != members.len() {
        return Err(format!(
            "zbus_xmlgen wrote {} functions for {} members",
            functions.len(),
            members.len()
        ));
    }
    let mut taken = HashSet::new();
    for (function, member) in functions.into_iter().zip(&members) {
        check_pairing(function, member)?;
        if let Member::Method(method) = member
            && method.overload.is_some()
        {
            // zbus_xmlgen gives every overload the same function name: use the model's, and
            // say which D-Bus method each calls.
            let wire = &method.wire;
            function.sig.ident = method.rust.clone();
            function.attrs.retain(|attr| !is_zbus(attr));
            function.attrs.push(parse_quote!(#[zbus(name = #wire)]));
        }
        complete(function, member);
        retype_named(function, member);
        let name = function.sig.ident.to_string();
        if !taken.insert(name.clone()) {
            let renamed = format!("{name}_property");
            function.sig.ident = format_ident!("{renamed}");
            taken.insert(renamed);
        }
    }
    let client_name = crate::model::type_ident(interface, "Client").to_string();
    let client = client_trait(
        &interface.wire,
        &client_name,
        &proxy_name,
        &proxy_functions(&file, &members),
    );
    let items = quote! {
        use zbus::proxy;
        #file
        #client
    };
    Ok((items, proxy_name, client_name))
}

/// The functions of the proxy trait in `file`, each with what the client trait makes of it.
fn proxy_functions<'f>(file: &'f syn::File, members: &[Member<'f>]) -> Vec<ProxyFn<'f>> {
    let functions = file.items.iter().flat_map(|item| match item {
        Item::Trait(item) => item.items.iter().collect(),
        _ => Vec::new(),
    });
    functions
        .filter_map(|item| match item {
            TraitItem::Fn(function) => Some(function),
            _ => None,
        })
        .zip(members)
        .map(|(function, member)| match member {
            Member::Signal(signal) => ProxyFn::Signal(function, signal),
            _ => ProxyFn::Call(function),
        })
        .collect()
}

/// zbus_xmlgen writes plain types (every struct a tuple); where a member has a named type of
/// the file, or a struct wider than a tuple carries, its function takes and returns the
/// types of the model instead: borrowed in, owned out, as the server's are.
fn retype_named(function: &mut TraitItemFn, member: &Member<'_>) {
    let signatures: Vec<&zbus::Signature> = match member {
        Member::Method(m) => m
            .inputs
            .iter()
            .chain(&m.outputs)
            .map(|a| &a.signature)
            .collect(),
        Member::Signal(s) => s.args.iter().map(|a| &a.signature).collect(),
        Member::Getter(p) | Member::Setter(p) => vec![&p.signature],
    };
    let named = match member {
        Member::Method(m) => m.inputs.iter().chain(&m.outputs).any(|a| !a.ty.is_plain()),
        Member::Signal(s) => s.args.iter().any(|a| !a.ty.is_plain()),
        Member::Getter(p) | Member::Setter(p) => !p.ty.is_plain(),
    };
    if !named && types::wide_structs(signatures.into_iter()).is_empty() {
        return;
    }
    let (inputs, output): (Vec<TokenStream>, Option<TokenStream>) = match member {
        Member::Method(m) => (
            m.inputs.iter().map(|a| types::borrowed(&a.ty)).collect(),
            Some(types::returned(m.outputs.iter().map(|a| &a.ty))),
        ),
        Member::Signal(s) => (
            s.args.iter().map(|a| types::owned_ty(&a.ty)).collect(),
            None,
        ),
        Member::Getter(p) => (Vec::new(), Some(types::owned_ty(&p.ty))),
        Member::Setter(p) => (vec![types::borrowed(&p.ty)], None),
    };
    let typed = function
        .sig
        .inputs
        .iter_mut()
        .filter_map(|input| match input {
            FnArg::Typed(typed) => Some(typed),
            FnArg::Receiver(_) => None,
        });
    for (param, ty) in typed.zip(inputs) {
        *param.ty = parse_quote!(#ty);
    }
    if let Some(output) = output {
        function.sig.output = parse_quote!(-> zbus::Result<#output>);
    }
}

/// Checks that zbus_xmlgen wrote `function` for `member`: its first doc line is zbus_xmlgen's
/// `{name} method` (`signal`, `property`), and a method takes as many arguments as it has in
/// arguments. (The pairing is by document order, which zbus_xmlgen keeps; this makes sure.)
fn check_pairing(function: &TraitItemFn, member: &Member<'_>) -> Result<(), String> {
    let (kind, wire, inputs) = match member {
        Member::Method(m) => ("method", &m.wire, Some(m.inputs.len())),
        Member::Signal(s) => ("signal", &s.wire, Some(s.args.len())),
        Member::Getter(p) => ("property", &p.wire, None),
        // A setter shares its getter's doc line, or has it where it is write-only.
        Member::Setter(p) if p.read => return Ok(()),
        Member::Setter(p) => ("property", &p.wire, None),
    };
    let first_doc = function
        .attrs
        .iter()
        .find(|a| is_doc(a))
        .and_then(|attr| match &attr.meta {
            syn::Meta::NameValue(syn::MetaNameValue {
                value:
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(text),
                        ..
                    }),
                ..
            }) => Some(text.value()),
            _ => None,
        });
    let expected = format!(" {wire} {kind}");
    if first_doc.as_deref() != Some(expected.as_str()) {
        return Err(format!(
            "zbus_xmlgen's function `{}` is not the {kind} `{wire}` (its doc: {first_doc:?})",
            function.sig.ident
        ));
    }
    let params = function
        .sig
        .inputs
        .iter()
        .filter(|input| matches!(input, FnArg::Typed(_)))
        .count();
    match inputs {
        Some(inputs) if inputs != params => Err(format!(
            "zbus_xmlgen's function for the {kind} `{wire}` takes {params} arguments, not {inputs}"
        )),
        _ => Ok(()),
    }
}

/// Whether `attr` is zbus's `#[zbus(property(emits_changed_signal = "false"), …)]`.
fn turns_change_signal_off(attr: &Attribute) -> bool {
    let mut off = false;
    let _ = attr.parse_nested_meta(|meta| {
        if meta.path.is_ident("property") && meta.input.peek(syn::token::Paren) {
            meta.parse_nested_meta(|inner| {
                if inner.path.is_ident("emits_changed_signal") {
                    let value: syn::LitStr = inner.value()?.parse()?;
                    off |= value.value() == "false";
                }
                Ok(())
            })?;
        } else if meta.input.peek(syn::Token![=]) {
            // `name = "…"`: read past its value.
            let _: syn::Expr = meta.value()?.parse()?;
        }
        Ok(())
    });
    off
}

fn is_doc(attr: &Attribute) -> bool {
    attr.path().is_ident("doc")
}

fn is_zbus(attr: &Attribute) -> bool {
    attr.path().is_ident("zbus")
}

/// Adds to one proxy function what the XML says of its member.
fn complete(function: &mut TraitItemFn, member: &Member<'_>) {
    let (docs, deprecated) = match member {
        Member::Method(m) => (&m.docs, m.deprecated),
        Member::Signal(s) => (&s.docs, s.deprecated),
        Member::Getter(p) => (&p.docs, p.deprecated),
        Member::Setter(p) => (&Vec::new(), p.deprecated),
    };
    if !docs.is_empty() {
        function.attrs.retain(|attr| !is_doc(attr));
        let lines = docs.iter().map(|line| format!(" {line}"));
        for line in lines.rev() {
            function.attrs.insert(0, parse_quote!(#[doc = #line]));
        }
    }
    if deprecated {
        function
            .attrs
            .push(parse_quote!(#[deprecated(note = #DEPRECATED_NOTE)]));
    }
    match member {
        Member::Method(method) if method.no_reply => {
            function.attrs.push(parse_quote!(#[zbus(no_reply)]));
        }
        Member::Getter(property) | Member::Setter(property) => {
            let wire = &property.wire;
            // zbus_xmlgen turns change notification off where a `<Name>Changed` signal would
            // clash with the proxy's own change stream: keep that.
            let shadowed = function
                .attrs
                .iter()
                .filter(|a| is_zbus(a))
                .any(turns_change_signal_off);
            let emits = if shadowed {
                EmitsChanged::False
            } else {
                property.emits
            };
            function.attrs.retain(|attr| !is_zbus(attr));
            let attr: Attribute = match (member, emits) {
                (Member::Getter(_), EmitsChanged::True) => {
                    parse_quote!(#[zbus(property, name = #wire)])
                }
                (Member::Getter(_), emits) => {
                    let emits = emits.as_str();
                    parse_quote!(#[zbus(property(emits_changed_signal = #emits), name = #wire)])
                }
                _ => parse_quote!(#[zbus(property, name = #wire)]),
            };
            function.attrs.push(attr);
        }
        _ => {}
    }
}
