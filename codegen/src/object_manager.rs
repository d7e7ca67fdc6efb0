//! The module `object_manager` ([`crate::Builder::object_manager`]): a tree of objects below
//! one path, published with `org.freedesktop.DBus.ObjectManager` (the server's `Tree`), and
//! the client's view of such a tree as the generated proxies (`watch`).
//!
//! What does not depend on the file lives in the runtime crate, `dbus_xml_runtime`, once for
//! every generated module; what does (the enum of the file's proxies) is generated here.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

/// One interface of the file whose client side was generated, for the client's enum.
pub(crate) struct ClientOf {
    /// The interface's name on the bus.
    pub wire: String,
    /// Its variant in the enum (`Device`).
    pub variant: Ident,
    /// The module of its file, where several files are generated together (`device_wired`).
    pub file: Option<Ident>,
    /// Its client module (`device_client`).
    pub module: Ident,
    /// Its proxy, in that module (`DeviceProxy`).
    pub proxy: Ident,
}

impl ClientOf {
    /// The proxy's path from the module `object_manager`.
    fn proxy_type(&self) -> TokenStream {
        let (module, proxy) = (&self.module, &self.proxy);
        match &self.file {
            Some(file) => quote!(super::#file::#module::#proxy),
            None => quote!(super::#module::#proxy),
        }
    }
}

/// The module `object_manager`: the server's tree where `server`, the client's view where
/// `clients` is some (the interfaces whose proxies it hands out).
pub(crate) fn module(server: bool, clients: Option<&[ClientOf]>) -> TokenStream {
    let mut items = vec![quote! {
        pub use dbus_xml_runtime::{escape_path_element, unescape_path_element};
    }];
    if server {
        items.push(quote! {
            pub use dbus_xml_runtime::{Object, Tree};
        });
    }
    if let Some(clients) = clients {
        items.push(proxies_enum(clients));
        items.push(quote! {
            pub use dbus_xml_runtime::Properties;

            /// One object of a watched tree: its path, and its interfaces as the generated
            /// proxies with the properties the manager announced for them.
            pub type ObjectProxies = dbus_xml_runtime::ObjectProxies<Interface>;

            /// A change to a watched tree, in the order the manager announced it.
            pub type Change = dbus_xml_runtime::Change<Interface>;

            /// The changes to a watched tree ([`watch`]): a stream that ends when the
            /// connection does.
            pub type Changes = dbus_xml_runtime::Changes<Interface>;

            /// Watches the tree that the object manager at `manager_path` of `destination`
            /// publishes, as this module's proxies: the objects there now, by path, and the
            /// changes since, in order (`dbus_xml_runtime::watch`).
            pub async fn watch(
                connection: &zbus::Connection,
                destination: &str,
                manager_path: &str,
            ) -> zbus::Result<(Vec<ObjectProxies>, Changes)> {
                dbus_xml_runtime::watch(connection, destination, manager_path).await
            }
        });
    }
    quote! {
        /// A tree of objects below one path with `org.freedesktop.DBus.ObjectManager`: the
        /// server's [`Tree`](self) of generated servers, and the client's [`watch`](self) of
        /// one as generated proxies.
        // The variants are named after the file's interfaces (`PPP`).
        #[allow(dead_code, unused_imports, clippy::upper_case_acronyms)]
        pub mod object_manager {
            #(#items)*
        }
    }
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

        impl dbus_xml_runtime::Proxies for Interface {
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
        }

        impl Interface {
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
