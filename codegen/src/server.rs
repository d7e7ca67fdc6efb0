//! The server side of one interface: a trait to implement, an adapter that serves any
//! implementor on a zbus object server, a per-call context, and a handle to emit signals.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};
use zbus_xml::{Arg, ArgDirection, Interface, Method, Signal};

use crate::names::{ident, interface_type_name, snake_case};
use crate::types;

/// The Rust code of the server module for `interface`.
pub fn server_code(interface: &Interface<'_>) -> TokenStream {
    let wire_name = interface.name().to_string();
    let type_name = interface_type_name(&wire_name);
    let names = ServerNames {
        wire: wire_name,
        trait_: format_ident!("{type_name}"),
        adapter: format_ident!("{type_name}Server"),
        call: format_ident!("{type_name}Call"),
        signals: format_ident!("{type_name}Signals"),
    };
    let has_signals = interface.signals().next().is_some();

    let trait_code = trait_code(interface, &names);
    let adapter_code = adapter_code(interface, &names);
    let call_code = call_code(&names, has_signals);
    let signals_code = has_signals.then(|| signals_code(interface, &names));
    quote! {
        #trait_code
        #adapter_code
        #call_code
        #signals_code
    }
}

/// The Rust names generated for one interface.
struct ServerNames {
    /// The interface's name on the bus.
    wire: String,
    /// The trait a service implements.
    trait_: Ident,
    /// The generic adapter that serves an implementor.
    adapter: Ident,
    /// The context of one method call.
    call: Ident,
    /// The signal-emitting handle.
    signals: Ident,
}

/// An argument's Rust name: its XML name in snake case, or `argN` by position when unnamed.
fn arg_ident(arg: &Arg<'_>, position: usize) -> Ident {
    match arg.name() {
        Some(name) => ident(&snake_case(name)),
        None => format_ident!("arg{position}"),
    }
}

fn in_args<'a, 'm>(method: &'a Method<'m>) -> impl Iterator<Item = &'a Arg<'m>> {
    method
        .args()
        .iter()
        .filter(|a| a.direction() != Some(ArgDirection::Out))
}

fn out_args<'a, 'm>(method: &'a Method<'m>) -> impl ExactSizeIterator<Item = &'a Arg<'m>> {
    let outs: Vec<_> = method
        .args()
        .iter()
        .filter(|a| a.direction() == Some(ArgDirection::Out))
        .collect();
    outs.into_iter()
}

/// `name: Type` for each in argument of `method`, with owned types.
fn typed_in_params(method: &Method<'_>) -> Vec<TokenStream> {
    in_args(method)
        .enumerate()
        .map(|(i, arg)| {
            let name = arg_ident(arg, i);
            let ty = types::owned(arg.ty());
            quote!(#name: #ty)
        })
        .collect()
}

fn in_param_names(method: &Method<'_>) -> Vec<Ident> {
    in_args(method)
        .enumerate()
        .map(|(i, arg)| arg_ident(arg, i))
        .collect()
}

/// `name: Type` for each argument of `signal`, with the types a signal emitter takes.
fn signal_params(signal: &Signal<'_>) -> Vec<TokenStream> {
    signal
        .args()
        .iter()
        .enumerate()
        .map(|(i, arg)| {
            let name = arg_ident(arg, i);
            let ty = types::borrowed(arg.ty());
            quote!(#name: #ty)
        })
        .collect()
}

fn method_ident(method: &Method<'_>) -> Ident {
    ident(&snake_case(method.name().as_str()))
}

fn signal_ident(signal: &Signal<'_>) -> Ident {
    ident(&snake_case(signal.name().as_str()))
}

fn trait_code(interface: &Interface<'_>, names: &ServerNames) -> TokenStream {
    let ServerNames {
        wire, trait_, call, ..
    } = names;
    let doc = format!(
        " The D-Bus interface `{wire}`: implement it, then serve it with [`{}`].",
        names.adapter
    );
    let methods = interface.methods().map(|method| {
        let name = method_ident(method);
        let params = typed_in_params(method);
        let output = types::returned(out_args(method).map(|a| a.ty()));
        let doc = format!(" Handles the D-Bus method `{}`.", method.name());
        quote! {
            #[doc = #doc]
            fn #name(&self, #(#params,)* call: &#call<'_>)
                -> impl ::std::future::Future<Output = zbus::fdo::Result<#output>> + Send;
        }
    });
    quote! {
        #[doc = #doc]
        pub trait #trait_: Send + Sync + 'static {
            #(#methods)*
        }
    }
}

fn adapter_code(interface: &Interface<'_>, names: &ServerNames) -> TokenStream {
    let ServerNames {
        wire,
        trait_,
        adapter,
        call,
        ..
    } = names;
    let doc = format!(
        " Serves an implementation of [`{trait_}`] as the D-Bus interface `{wire}`, with the \
         members, names and signatures of its XML."
    );
    let methods = interface.methods().map(|method| {
        let name = method_ident(method);
        let wire_name = method.name().to_string();
        let params = typed_in_params(method);
        let args = in_param_names(method);
        let output = types::returned(out_args(method).map(|a| a.ty()));
        let out_names: Vec<&str> = out_args(method).filter_map(|a| a.name()).collect();
        let out_attr = (!out_names.is_empty() && out_names.len() == out_args(method).len())
            .then(|| quote!(, out_args(#(#out_names),*)));
        quote! {
            #[zbus(name = #wire_name #out_attr)]
            async fn #name(
                &self,
                #(#params,)*
                #[zbus(header)] __zbus_header: zbus::message::Header<'_>,
                #[zbus(signal_emitter)] __zbus_emitter: zbus::object_server::SignalEmitter<'_>,
            ) -> zbus::fdo::Result<#output> {
                let call = #call::new(&__zbus_header, &__zbus_emitter);
                self.inner.#name(#(#args,)* &call).await
            }
        }
    });
    let signals = interface.signals().map(|signal| {
        let name = signal_ident(signal);
        let wire_name = signal.name().to_string();
        let params = signal_params(signal);
        quote! {
            // Declared for introspection: the macro writes the body, and code emits through the
            // typed handle instead.
            #[allow(dead_code)]
            #[zbus(signal, name = #wire_name)]
            async fn #name(
                __zbus_emitter: &zbus::object_server::SignalEmitter<'_>,
                #(#params,)*
            ) -> zbus::Result<()> {}
        }
    });
    quote! {
        #[doc = #doc]
        #[derive(Debug)]
        pub struct #adapter<T: #trait_> {
            inner: ::std::sync::Arc<T>,
        }

        impl<T: #trait_> #adapter<T> {
            /// Wraps `inner` to be served with `zbus::connection::Builder::serve_at` or
            /// `ObjectServer::at`.
            pub fn new(inner: T) -> Self {
                Self::from_arc(::std::sync::Arc::new(inner))
            }

            /// Wraps an implementation that is shared with other code.
            pub fn from_arc(inner: ::std::sync::Arc<T>) -> Self {
                Self { inner }
            }

            /// The implementation being served.
            pub fn get_ref(&self) -> &::std::sync::Arc<T> {
                &self.inner
            }
        }

        #[zbus::interface(name = #wire)]
        impl<T: #trait_> #adapter<T> {
            #(#methods)*
            #(#signals)*
        }
    }
}

fn call_code(names: &ServerNames, has_signals: bool) -> TokenStream {
    let ServerNames {
        wire,
        trait_,
        call,
        signals,
        ..
    } = names;
    let doc = format!(
        " The method call being served: who sent it, and where it arrived. Every method of \
         [`{trait_}`] receives one."
    );
    let signals_fn = has_signals.then(|| {
        let doc = format!(
            " A handle that emits the signals of `{wire}` from this object; it can be moved \
             into a spawned task."
        );
        quote! {
            #[doc = #doc]
            pub fn signals(&self) -> #signals {
                #signals::from_emitter(self.emitter.to_owned())
            }
        }
    });
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, Copy)]
        pub struct #call<'a> {
            header: &'a zbus::message::Header<'a>,
            emitter: &'a zbus::object_server::SignalEmitter<'a>,
        }

        impl<'a> #call<'a> {
            fn new(
                header: &'a zbus::message::Header<'a>,
                emitter: &'a zbus::object_server::SignalEmitter<'a>,
            ) -> Self {
                Self { header, emitter }
            }

            /// The unique bus name of the caller, if the bus told it (a bus always does).
            pub fn sender(&self) -> Option<&zbus::names::UniqueName<'a>> {
                self.header.sender()
            }

            /// The header of the call's message.
            pub fn header(&self) -> &zbus::message::Header<'a> {
                self.header
            }

            /// The connection the call arrived on.
            pub fn connection(&self) -> &zbus::Connection {
                self.emitter.connection()
            }

            #signals_fn
        }
    }
}

fn signals_code(interface: &Interface<'_>, names: &ServerNames) -> TokenStream {
    let ServerNames { wire, signals, .. } = names;
    let doc = format!(
        " Emits the signals of `{wire}` from one object path. Cheap to clone; broadcast unless \
         [`{signals}::to`] names a destination."
    );
    let methods = interface.signals().map(|signal| {
        let name = signal_ident(signal);
        let wire_name = signal.name().to_string();
        let params = signal_params(signal);
        let arg_names: Vec<Ident> = signal
            .args()
            .iter()
            .enumerate()
            .map(|(i, arg)| arg_ident(arg, i))
            .collect();
        let body = match arg_names.as_slice() {
            [single] => quote!(&#single),
            many => quote!(&(#(#many,)*)),
        };
        let doc = format!(" Emits the D-Bus signal `{wire_name}`.");
        quote! {
            #[doc = #doc]
            pub async fn #name(&self, #(#params),*) -> zbus::Result<()> {
                self.emitter.emit(#wire, #wire_name, #body).await
            }
        }
    });
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone)]
        pub struct #signals {
            emitter: zbus::object_server::SignalEmitter<'static>,
        }

        impl #signals {
            /// A handle for the object at `path` on `connection`.
            pub fn new(connection: &zbus::Connection, path: zbus::OwnedObjectPath) -> Self {
                Self::from_emitter(zbus::object_server::SignalEmitter::from_parts(
                    connection.clone(),
                    path.into(),
                ))
            }

            fn from_emitter(emitter: zbus::object_server::SignalEmitter<'static>) -> Self {
                Self { emitter }
            }

            /// The same handle, but its signals go to `destination` alone instead of to every
            /// subscriber.
            pub fn to(self, destination: zbus::names::BusName<'static>) -> Self {
                Self::from_emitter(self.emitter.set_destination(destination))
            }

            #(#methods)*
        }
    }
}
