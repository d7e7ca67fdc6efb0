//! The functions of an interface's client side, walked from the model once: what the proxy
//! trait ([`crate::proxy`]) and the client trait ([`crate::client_trait`]) both write, with
//! the same names, parameters, types and docs.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use crate::docs::{MemberKind, own_line};
use crate::emit::{deprecated_attr, doc_attrs};
use crate::model::{Arg, Interface, Method, Property, Signal};
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
        ty: fn(&crate::named::Ty) -> TokenStream,
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
