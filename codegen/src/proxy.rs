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

use crate::docs::{MemberKind, own_line};
use crate::emit::{deprecated_attr, doc_attrs};
use crate::model::{Arg, EmitsChanged, Interface, Method, Property, Signal, type_ident};
use crate::types;

/// One function of the client side, as the model declares it: what the proxy trait and the
/// client trait both write.
pub(crate) struct ClientFn<'m> {
    /// What it stands for.
    pub member: Member<'m>,
    /// Its documentation and `#[deprecated]`.
    pub attrs: TokenStream,
    /// Its name.
    pub name: &'m Ident,
    /// Its parameters, `name: Type`, without `&self`.
    pub params: Vec<TokenStream>,
    /// Its parameters' names.
    pub args: Vec<Ident>,
    /// What its call returns, inside `zbus::Result` (a signal's function returns `()`).
    pub output: TokenStream,
}

/// The member a client function stands for.
#[derive(Clone, Copy)]
pub(crate) enum Member<'m> {
    Method(&'m Method),
    Signal(&'m Signal),
    Getter(&'m Property),
    Setter(&'m Property),
}

impl<'m> ClientFn<'m> {
    /// The function for `member`, taking `args`, each of the type `ty` gives it.
    fn taking(
        member: Member<'m>,
        args: &[Arg],
        ty: fn(&crate::typedefs::Ty) -> TokenStream,
        output: TokenStream,
    ) -> Self {
        let params = args
            .iter()
            .map(|arg| {
                let (name, ty) = (&arg.rust, ty(&arg.ty));
                quote!(#name: #ty)
            })
            .collect();
        Self {
            member,
            attrs: member.attrs(),
            name: member.rust_name(),
            params,
            args: args.iter().map(|a| a.rust.clone()).collect(),
            output,
        }
    }
}

impl<'m> Member<'m> {
    /// The function's name: the method's or signal's, or the property's getter or setter.
    fn rust_name(self) -> &'m Ident {
        match self {
            Member::Method(m) => &m.rust,
            Member::Signal(s) => &s.rust,
            Member::Getter(p) => &p.getter,
            Member::Setter(p) => &p.setter,
        }
    }

    /// The member's rustdoc (its own line, then the file's docs) and `#[deprecated]` where
    /// it is.
    fn attrs(self) -> TokenStream {
        let (docs, kind, wire, deprecated) = match self {
            Member::Method(m) => (&m.docs, MemberKind::Method, &m.wire, m.deprecated),
            Member::Signal(s) => (&s.docs, MemberKind::Signal, &s.wire, s.deprecated),
            Member::Getter(p) => (&p.docs, MemberKind::Property, &p.wire, p.deprecated),
            Member::Setter(p) => {
                let doc = format!(" Sets the D-Bus property `{}`.", p.wire);
                let deprecated = deprecated_attr(p.deprecated);
                return quote!(#[doc = #doc] #deprecated);
            }
        };
        let docs = doc_attrs(docs, own_line(Some(kind), wire));
        let deprecated = deprecated_attr(deprecated);
        quote!(#docs #deprecated)
    }
}

/// The client functions of `interface` in the model's order (methods, properties, signals): a
/// caller passes borrowed values and receives owned ones, as the server's signal handle
/// takes and its trait returns them.
pub(crate) fn client_fns(interface: &Interface) -> Vec<ClientFn<'_>> {
    let mut functions = Vec::new();
    for method in &interface.methods {
        let output = types::returned(method.outputs.iter().map(|a| &a.ty));
        let inputs = &method.inputs;
        functions.push(ClientFn::taking(
            Member::Method(method),
            inputs,
            types::borrowed,
            output,
        ));
    }
    for property in &interface.properties {
        if property.read {
            let output = types::owned_ty(&property.ty);
            functions.push(ClientFn::taking(
                Member::Getter(property),
                &[],
                types::owned_ty,
                output,
            ));
        }
        if property.write {
            let ty = types::borrowed(&property.ty);
            let member = Member::Setter(property);
            functions.push(ClientFn {
                member,
                attrs: member.attrs(),
                name: member.rust_name(),
                params: vec![quote!(value: #ty)],
                args: vec![quote::format_ident!("value")],
                output: quote!(()),
            });
        }
    }
    for signal in &interface.signals {
        // A signal's arguments are decoded, so owned.
        let (args, unit) = (&signal.args, quote!(()));
        functions.push(ClientFn::taking(
            Member::Signal(signal),
            args,
            types::owned_ty,
            unit,
        ));
    }
    functions
}

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
