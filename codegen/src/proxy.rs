//! The client side of one interface, walked from the model as the server side is: the
//! `#[zbus::proxy]` trait, whose functions, arguments and types are the model's (one name and
//! one type for each thing on both sides), and the client trait that the proxy implements
//! ([`crate::client_trait`]).
//!
//! The proxy used to be zbus_xmlgen's text, renamed and retyped member by member; it named
//! some things otherwise than the server (`time_usec` beside `time_u_sec`, `arg_1` beside
//! `arg0`). zbus_xmlgen stays the reference: the corpus test compares the signatures of every
//! function of both proxies.

use proc_macro2::{Ident, TokenStream};
use quote::quote;
use zbus::ObjectPath;
use zbus::names::BusName;

use crate::client_fns::{ClientFn, Member, client_fns};
use crate::docs::own_line;
use crate::emit::{deprecated_attr, doc_attrs};
use crate::model::{EmitsChanged, Interface, type_ident};

/// The `#[zbus(…)]` attribute of a proxy function: the member's name on the bus always
/// (zbus would derive another from the Rust name), and what kind of member it is.
fn zbus_attr(member: Member<'_>) -> TokenStream {
    match member {
        Member::Method(method) => {
            let wire = &method.wire;
            let no_reply = method.no_reply.then(|| quote!(, no_reply));
            quote!(#[zbus(name = #wire #no_reply)])
        }
        Member::Signal(signal) => {
            let wire = &signal.wire;
            quote!(#[zbus(signal, name = #wire)])
        }
        Member::Getter(property) if property.emits != EmitsChanged::True => {
            let (wire, emits) = (&property.wire, property.emits.as_str());
            quote!(#[zbus(property(emits_changed_signal = #emits), name = #wire)])
        }
        Member::Getter(property) | Member::Setter(property) => {
            let wire = &property.wire;
            quote!(#[zbus(property, name = #wire)])
        }
    }
}

/// The items of the client module for `interface`, the name of its proxy and that of its
/// client trait; `service` and `path` become the proxy's defaults where given (else zbus
/// assumes them from the interface's name, as zbus_xmlgen has it).
pub(crate) fn proxy_items(
    interface: &Interface,
    service: Option<&BusName<'_>>,
    path: Option<&ObjectPath<'_>>,
) -> (TokenStream, Ident, Ident) {
    let wire = &interface.wire;
    let trait_ = type_ident(interface, "");
    let proxy = type_ident(interface, "Proxy");
    let client = type_ident(interface, "Client");
    let service = service.map(|s| {
        let s = s.as_str();
        quote!(, default_service = #s)
    });
    let path = path.map(|p| {
        let p = p.as_str();
        quote!(, default_path = #p)
    });
    let assume = (service.is_none() || path.is_none()).then(|| quote!(, assume_defaults = true));
    let docs = doc_attrs(&interface.docs, own_line(None, wire));
    let deprecated = deprecated_attr(interface.deprecated);
    let functions = client_fns(interface);
    let declarations = functions.iter().map(|f| {
        let ClientFn {
            attrs,
            name,
            params,
            output,
            ..
        } = f;
        let zbus = zbus_attr(f.member);
        quote! {
            #attrs
            #zbus
            fn #name(&self, #(#params),*) -> zbus::Result<#output>;
        }
    });
    let proxy_doc = format!(" The proxy [`{proxy}`] calls `{wire}` on the bus.");
    let client_trait = crate::client_trait::client_trait(wire, &client, &proxy, &functions);
    let items = quote! {
        #docs
        #[doc = ""]
        #[doc = #proxy_doc]
        #deprecated
        #[zbus::proxy(interface = #wire #service #path #assume)]
        pub trait #trait_ {
            #(#declarations)*
        }

        #client_trait
    };
    (items, proxy, client)
}
