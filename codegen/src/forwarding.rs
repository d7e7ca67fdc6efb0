//! The adapter's forwarding of zbus's `Interface` trait to the dispatcher that
//! `#[zbus::interface]` writes, with the choice among overloads: the part of the server that
//! depends most on the zbus targeted ([`crate::zbus_target`]), which zbus calls unstable across
//! minor versions; `tests/zbus_interface_trait.rs` fails when it changes.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use crate::model::{Method, Overload};

/// Where `methods` has overloads, a function that maps a call of an overloaded name to the
/// dispatcher's own name for the overload that its body signature picks; a call that fits
/// none goes to the first, which answers `InvalidArgs` as any call with wrong arguments.
fn overload_dispatch(methods: &[Method]) -> Option<TokenStream> {
    let overloads: Vec<(&Method, &Overload)> = methods
        .iter()
        .filter_map(|m| m.overload.as_ref().map(|o| (m, o)))
        .collect();
    if overloads.is_empty() {
        return None;
    }
    let arms = overloads.iter().map(|(method, overload)| {
        let (wire, signature, own) = (
            &method.wire,
            &overload.in_signature,
            &overload.dispatch_name,
        );
        quote!((#wire, #signature) => #own,)
    });
    let mut fallbacks = Vec::new();
    for (method, overload) in &overloads {
        if !fallbacks.iter().any(|(wire, _)| *wire == &method.wire) {
            fallbacks.push((&method.wire, &overload.dispatch_name));
        }
    }
    let fallbacks = fallbacks
        .iter()
        .map(|(wire, own)| quote!((#wire, _) => #own,));
    Some(quote! {
        /// The dispatcher's own name for the overload of `name` that `message`'s body picks,
        /// or `name` itself where it is not overloaded.
        fn overload_of<'call>(
            message: &zbus::Message,
            name: zbus::names::MemberName<'call>,
        ) -> zbus::names::MemberName<'call> {
            let signature = message.body().signature().to_string_no_parens();
            let own = match (name.as_str(), signature.as_str()) {
                #(#arms)*
                #(#fallbacks)*
                _ => return name,
            };
            zbus::names::MemberName::from_static_str_unchecked(own)
        }
    })
}

/// `zbus::object_server::Interface` for the adapter: every method is the dispatcher's but the
/// introspection, which writes [`INTERFACE_XML`], and the choice among overloads. zbus calls
/// this trait unstable across minor versions; the generator pins the zbus it targets, and a
/// test breaks when the trait changes.
pub(crate) fn interface_forwarding(
    adapter: &Ident,
    dispatch: &Ident,
    trait_: &Ident,
    methods: &[Method],
) -> TokenStream {
    let overload_of = overload_dispatch(methods);
    let name = if overload_of.is_some() {
        quote!(overload_of(message, name))
    } else {
        quote!(name)
    };
    quote! {
        #overload_of

        /// The dispatcher, as the `Interface` it is: its trait methods are called by this
        /// path, since the XML's members may be called `get`, `set`, `call`, `name`….
        type Inner<T> = #dispatch<T>;

        #[zbus::export::async_trait::async_trait]
        impl<T: #trait_> zbus::object_server::Interface for #adapter<T> {
            fn name() -> zbus::names::InterfaceName<'static> {
                <Inner<T> as zbus::object_server::Interface>::name()
            }

            fn spawn_tasks_for_methods(&self) -> bool {
                <Inner<T> as zbus::object_server::Interface>::spawn_tasks_for_methods(&self.dispatch)
            }

            async fn get(
                &self,
                property_name: &str,
                server: &zbus::ObjectServer,
                connection: &zbus::Connection,
                header: Option<&zbus::message::Header<'_>>,
                emitter: &zbus::object_server::SignalEmitter<'_>,
            ) -> Option<Result<zbus::OwnedVariant, zbus::BoxDBusError>> {
                <Inner<T> as zbus::object_server::Interface>::get(&self.dispatch, property_name, server, connection, header, emitter).await
            }

            async fn get_all(
                &self,
                server: &zbus::ObjectServer,
                connection: &zbus::Connection,
                header: Option<&zbus::message::Header<'_>>,
                emitter: &zbus::object_server::SignalEmitter<'_>,
            ) -> zbus::fdo::Result<std::collections::HashMap<String, zbus::OwnedVariant>> {
                <Inner<T> as zbus::object_server::Interface>::get_all(&self.dispatch, server, connection, header, emitter).await
            }

            fn set<'call>(
                &'call self,
                property_name: &'call str,
                value: &'call zbus::Variant<'_>,
                server: &'call zbus::ObjectServer,
                connection: &'call zbus::Connection,
                header: Option<&'call zbus::message::Header<'_>>,
                emitter: &'call zbus::object_server::SignalEmitter<'_>,
            ) -> zbus::object_server::DispatchResult<'call> {
                <Inner<T> as zbus::object_server::Interface>::set(&self.dispatch, property_name, value, server, connection, header, emitter)
            }

            async fn set_mut(
                &mut self,
                property_name: &str,
                value: &zbus::Variant<'_>,
                server: &zbus::ObjectServer,
                connection: &zbus::Connection,
                header: Option<&zbus::message::Header<'_>>,
                emitter: &zbus::object_server::SignalEmitter<'_>,
            ) -> Option<Result<(), zbus::BoxDBusError>> {
                <Inner<T> as zbus::object_server::Interface>::set_mut(&mut self.dispatch, property_name, value, server, connection, header, emitter)
                    .await
            }

            fn call<'call>(
                &'call self,
                server: &'call zbus::ObjectServer,
                connection: &'call zbus::Connection,
                message: &'call zbus::Message,
                name: zbus::names::MemberName<'call>,
            ) -> zbus::object_server::DispatchResult<'call> {
                <Inner<T> as zbus::object_server::Interface>::call(&self.dispatch, server, connection, message, #name)
            }

            fn call_mut<'call>(
                &'call mut self,
                server: &'call zbus::ObjectServer,
                connection: &'call zbus::Connection,
                message: &'call zbus::Message,
                name: zbus::names::MemberName<'call>,
            ) -> zbus::object_server::DispatchResult<'call> {
                <Inner<T> as zbus::object_server::Interface>::call_mut(&mut self.dispatch, server, connection, message, #name)
            }

            fn introspect_to_writer(&self, writer: &mut dyn std::fmt::Write, level: usize) {
                // A writer to a String does not fail.
                for line in INTERFACE_XML.lines() {
                    let _ = if line.is_empty() {
                        writeln!(writer)
                    } else {
                        writeln!(writer, "{:level$}{line}", "")
                    };
                }
            }
        }
    }
}
