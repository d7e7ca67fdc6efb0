//! The module `object_manager` ([`crate::Builder::object_manager`]): a tree of objects below
//! one path, published with `org.freedesktop.DBus.ObjectManager` (the server's `Tree`), and
//! the client's view of such a tree as the generated proxies (`watch`).
//!
//! What does not depend on the file is written once, as Rust, in `object_manager/*.rs` and
//! copied into each module; what does (the enum of the file's proxies) is generated here.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

/// Path escaping and the properties map: both sides.
const COMMON: &str = include_str!("object_manager/common.rs");
/// The server's `Tree`, `Object` and the manager interface.
const SERVE: &str = include_str!("object_manager/serve.rs");
/// The client's `watch`, `Change` and `Changes`.
const WATCH: &str = include_str!("object_manager/watch.rs");

/// One interface of the file whose client side was generated, for the client's enum.
pub(crate) struct ClientOf {
    /// The interface's name on the bus.
    pub wire: String,
    /// Its variant in the enum (`Device`).
    pub variant: Ident,
    /// Its client module (`device_client`).
    pub module: Ident,
    /// Its proxy, in that module (`DeviceProxy`).
    pub proxy: Ident,
}

impl ClientOf {
    /// The proxy's path from the module `object_manager`.
    fn proxy_type(&self) -> TokenStream {
        let (module, proxy) = (&self.module, &self.proxy);
        quote!(super::#module::#proxy)
    }
}

/// The module `object_manager`: the server's tree where `server`, the client's view where
/// `clients` is some (the interfaces whose proxies it hands out).
pub(crate) fn module(server: bool, clients: Option<&[ClientOf]>) -> TokenStream {
    let mut items = vec![template(COMMON)];
    if server {
        items.push(template(SERVE));
    }
    if let Some(clients) = clients {
        items.push(proxies_enum(clients));
        items.push(template(WATCH));
    }
    quote! {
        /// A tree of objects below one path with `org.freedesktop.DBus.ObjectManager`: the
        /// server's [`Tree`](self) of generated servers, and the client's [`watch`](self) of
        /// one as generated proxies.
        // The variants are named after the file's interfaces (`PPP`).
        #[allow(dead_code, clippy::type_complexity, clippy::upper_case_acronyms)]
        pub mod object_manager {
            #(#items)*
        }
    }
}

/// The items of one of the files written as Rust.
fn template(source: &str) -> TokenStream {
    source
        .parse()
        .expect("the object manager's templates are Rust (a unit test compiles them)")
}

/// The enum `Interface`: one variant a proxy of the file, and `Other` for the rest.
fn proxies_enum(clients: &[ClientOf]) -> TokenStream {
    let other = if clients.iter().any(|c| c.variant == "Other") {
        format_ident!("OtherInterface")
    } else {
        format_ident!("Other")
    };
    let variants = clients.iter().map(|client| {
        let (variant, proxy) = (&client.variant, client.proxy_type());
        let doc = format!(
            " `{}`: its proxy, and the properties announced with it.",
            client.wire
        );
        quote! {
            #[doc = #doc]
            #variant(#proxy<'static>, Properties)
        }
    });
    let made = clients.iter().map(|client| {
        let (wire, variant, proxy) = (&client.wire, &client.variant, client.proxy_type());
        quote! {
            #wire => Self::#variant(
                #proxy::builder(connection)
                    .destination(destination.clone())
                    .path(path.clone())
                    .build()
                    .await?,
                properties,
            ),
        }
    });
    let names = clients.iter().map(|client| {
        let (wire, variant) = (&client.wire, &client.variant);
        quote!(Self::#variant(..) => #wire,)
    });
    let properties = clients.iter().map(|client| {
        let variant = &client.variant;
        quote!(Self::#variant(_, properties) => properties,)
    });
    quote! {
        /// One interface of an object in a watched tree: the file's interfaces as their
        /// generated proxies, any other by its name.
        #[derive(Debug, Clone)]
        pub enum Interface {
            #(#variants,)*
            /// An interface that the file does not declare, by its name, with its properties.
            #other(zbus::names::OwnedInterfaceName, Properties),
        }

        impl Interface {
            /// The interface `name` of the object `path` of `destination`.
            async fn new(
                connection: &zbus::Connection,
                destination: &zbus::names::OwnedBusName,
                path: &zbus::OwnedObjectPath,
                name: zbus::names::OwnedInterfaceName,
                properties: Properties,
            ) -> zbus::Result<Self> {
                Ok(match name.as_str() {
                    #(#made)*
                    _ => Self::#other(name, properties),
                })
            }

            /// The interface's name on the bus.
            pub fn name(&self) -> &str {
                match self {
                    #(#names)*
                    Self::#other(name, _) => name.as_str(),
                }
            }

            /// The properties that the manager announced with the interface (values of
            /// then: a proxy reads what they are now).
            pub fn properties(&self) -> &Properties {
                match self {
                    #(#properties)*
                    Self::#other(_, properties) => properties,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_templates_are_items_of_rust() {
        for source in [COMMON, SERVE, WATCH] {
            syn::parse2::<syn::File>(template(source)).expect("the template parses");
        }
    }

    /// The server's templates, compiled here so that rustc checks them where they are
    /// written. (The client's needs the file's `Interface`: the examples and the corpus
    /// test compile it in generated modules.)
    #[allow(dead_code, unreachable_pub, clippy::type_complexity)]
    mod compiled {
        include!("object_manager/common.rs");
        include!("object_manager/serve.rs");

        #[test]
        fn a_path_element_escapes_as_glib_does_and_reads_back() {
            for (text, element) in [
                ("", "_"),
                ("sda1", "sda1"),
                ("sda-1", "sda_2d1"),
                ("a_b", "a_5fb"),
                ("d0b1e2f3-aa", "d0b1e2f3_2daa"),
                ("é", "_c3_a9"),
            ] {
                assert_eq!(escape_path_element(text), element);
                assert_eq!(unescape_path_element(element).as_deref(), Some(text));
            }
            for not_an_escape in ["a-b", "_2", "_zz", "_41", "_2D"] {
                assert_eq!(
                    unescape_path_element(not_an_escape),
                    None,
                    "{not_an_escape}"
                );
            }
        }
    }
}
