//! The client side of one interface as a trait, `NameClient`: the proxy's methods, property
//! getters and setters, and signal streams of owned arguments, implemented by the proxy.
//! Application logic that takes `impl NameClient` runs against the bus through the proxy, and
//! against a fake in a unit test.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use crate::client_fns::{ClientFn, Member};
use crate::names::pascal_case;
use crate::types;

/// The trait `trait_name`, its implementation for the proxy `proxy`, and the owned arguments
/// of each signal; `interface` is the interface's name on the bus.
pub(crate) fn client_trait(
    interface: &str,
    trait_name: &Ident,
    proxy: &Ident,
    functions: &[ClientFn<'_>],
) -> TokenStream {
    let mut declarations = Vec::new();
    let mut implementations = Vec::new();
    let mut events = Vec::new();
    for function in functions {
        match function.member {
            Member::Signal(_) => {
                let (declaration, implementation, event) = signal_stream(function, proxy);
                declarations.push(declaration);
                implementations.push(implementation);
                events.push(event);
            }
            _ => {
                // Docs and `#[deprecated]` go on the declaration; on an implementation they
                // have no effect.
                let ClientFn {
                    attrs,
                    name,
                    params,
                    args,
                    output,
                    ..
                } = function;
                let head = quote! {
                    fn #name(&self, #(#params),*)
                        -> impl std::future::Future<Output = zbus::Result<#output>> + Send
                };
                declarations.push(quote!(#attrs #head;));
                implementations.push(quote!(#head { #proxy::#name(self, #(#args),*) }));
            }
        }
    }
    let doc = format!(
        " The client side of `{interface}` as a trait: take `impl {trait_name}` in application \
         code, and hand it the proxy [`{proxy}`] on a bus or a fake of your own in a unit test. \
         Implementors may write `async fn`."
    );
    let events_doc = " A stream of one signal's arguments, decoded from the proxy's signal \
                      stream; a signal whose arguments do not decode as the XML declares is \
                      passed over.";
    quote! {
        #[doc = #doc]
        pub trait #trait_name {
            #(#declarations)*
        }

        impl #trait_name for #proxy<'_> {
            #(#implementations)*
        }

        #(#events)*

        #[doc = #events_doc]
        pub struct SignalEvents<S, T> {
            signals: S,
            decode: fn(&zbus::Message) -> Option<T>,
        }

        impl<S, T> zbus::export::futures_core::Stream for SignalEvents<S, T>
        where
            S: zbus::export::futures_core::Stream + Unpin,
            S::Item: Into<zbus::Message>,
        {
            type Item = T;

            fn poll_next(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<Option<T>> {
                let this = self.get_mut();
                loop {
                    let polled = std::pin::Pin::new(&mut this.signals).poll_next(cx);
                    match polled {
                        std::task::Poll::Ready(Some(signal)) => {
                            if let Some(event) = (this.decode)(&signal.into()) {
                                return std::task::Poll::Ready(Some(event));
                            }
                        }
                        std::task::Poll::Ready(None) => return std::task::Poll::Ready(None),
                        std::task::Poll::Pending => return std::task::Poll::Pending,
                    }
                }
            }
        }
    }
}

/// A signal: the declaration of `receive_NAME`, its implementation (the proxy's stream,
/// decoded), and the type of its owned arguments, `NameEvent`.
fn signal_stream(
    function: &ClientFn<'_>,
    proxy: &Ident,
) -> (TokenStream, TokenStream, TokenStream) {
    let Member::Signal(signal) = function.member else {
        unreachable!("only signals have streams")
    };
    let name = function.name.to_string();
    let name = name.trim_start_matches("r#");
    let receive = format_ident!("receive_{name}");
    let event = format_ident!("{}Event", pascal_case(name));
    let fields: Vec<&syn::Ident> = signal.args.iter().map(|a| &a.rust).collect();
    let types: Vec<TokenStream> = signal.args.iter().map(|a| types::owned_ty(&a.ty)).collect();
    let docs = signal.args.iter().enumerate().map(|(i, a)| match &a.wire {
        Some(name) => format!(" The argument `{name}`."),
        None => format!(" Argument {} (the XML names none).", i + 1),
    });
    let clone =
        (!signal.args.iter().any(|a| types::holds_fd(&a.signature))).then(|| quote!(Clone,));
    let derives = quote!(#[derive(Debug, #clone PartialEq)]);
    let wire = &signal.wire;
    let event_doc = format!(" The arguments of the signal `{wire}`, owned.");
    let receive_doc = format!(
        " Receives the signal `{wire}` from now on, each with its arguments (the proxy's \
         [`{proxy}::{receive}`], decoded)."
    );
    // The signal's own docs, then how to receive it.
    let attrs = &function.attrs;
    let stream = quote!(impl zbus::export::futures_core::Stream<Item = #event> + Send + Unpin);
    let declaration = quote! {
        #attrs
        #[doc = ""]
        #[doc = #receive_doc]
        fn #receive(&self) -> impl std::future::Future<Output = zbus::Result<#stream>> + Send;
    };
    // Several arguments are a tuple in the body; one is itself.
    let decode = match (fields.as_slice(), types.as_slice()) {
        ([], _) => quote!(|_| Some(#event {})),
        ([field], [ty]) => quote! {
            |message| {
                let body = message.body();
                let #field: #ty = body.deserialize().ok()?;
                Some(#event { #field })
            }
        },
        (fields, types) => quote! {
            |message| {
                let body = message.body();
                let (#(#fields,)*): (#(#types,)*) = body.deserialize().ok()?;
                Some(#event { #(#fields),* })
            }
        },
    };
    let implementation = quote! {
        async fn #receive(&self) -> zbus::Result<#stream> {
            let signals = #proxy::#receive(self).await?;
            Ok(SignalEvents { signals, decode: #decode })
        }
    };
    let event_type = quote! {
        #[doc = #event_doc]
        #derives
        pub struct #event {
            #(#[doc = #docs] pub #fields: #types,)*
        }
    };
    (declaration, implementation, event_type)
}
