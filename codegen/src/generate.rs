//! Code generation, the builder's second step (load → **generate** → write if changed): the
//! model of the file built once ([`crate::file_model`]), then each emitter's items — the
//! service's names, the nodes, wide structs, named types, each interface's server and client
//! modules and the object manager — formatted into one module.

use std::path::Path;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use zbus::ObjectPath;
use zbus::names::BusName;

use crate::compare::STANDARD_INTERFACES;
use crate::file_model::FileModel;
use crate::type_table::Shared;
use crate::typed_mock;
use crate::{
    Builder, Document, Error, Location, model, names, object_manager, proxy, server, types, wire,
};

/// What one run of the generator made: the module's text, and the names in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    /// The formatted Rust module.
    pub code: String,
    /// Every interface it serves and calls, in document order.
    pub interfaces: Vec<GeneratedInterface>,
}

/// The items generated for one interface, by their names in the module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedInterface {
    /// The interface's name on the bus.
    pub interface: String,
    /// The paths below the root of the nodes that declare it (`""` for the root).
    pub nodes: Vec<String>,
    /// The server side, unless the builder left it out ([`Builder::build_server`]).
    pub server: Option<GeneratedServer>,
    /// The client side, unless the builder left it out ([`Builder::build_client`]).
    pub client: Option<GeneratedClient>,
}

/// The server side of one interface, by its names in the module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedServer {
    /// The server module (`counter_server`).
    pub module: String,
    /// The trait, in the server module (`Counter`).
    pub trait_name: String,
    /// The adapter that serves an implementor, in the server module (`CounterServer`).
    pub adapter: String,
}

/// The client side of one interface, by its names in the module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedClient {
    /// The client module (`counter_client`).
    pub module: String,
    /// The proxy, in the client module (`CounterProxy`).
    pub proxy: String,
    /// The client trait that the proxy implements, in the client module (`CounterClient`).
    pub client_trait: String,
}

impl Builder {
    /// The formatted Rust module for the XML file at `xml_path`.
    pub fn generate_file(&self, xml_path: &Path) -> Result<String, Error> {
        Ok(self.generate_items(xml_path, &self.read(xml_path)?)?.code)
    }

    /// The formatted Rust module for the introspection document `xml`; `path` names it in
    /// errors.
    pub fn generate(&self, path: &Path, xml: &str) -> Result<String, Error> {
        Ok(self
            .generate_items(path, &Document::parse(path, xml)?)?
            .code)
    }

    /// The formatted Rust module for `document`, read from `path` (its `code`), with the names
    /// of what it holds for each interface (for tests, documentation and tools that use the
    /// module). Every interface of the root node and of nested nodes is generated once.
    pub fn generate_items(&self, path: &Path, document: &Document) -> Result<Generated, Error> {
        let mut clients_of = Vec::new();
        let (mut items, interfaces) = self.items(path, document, &[], &mut clients_of)?;
        items.extend(self.object_manager_module(&clients_of));
        Ok(Generated {
            code: formatted(&items, path)?,
            interfaces,
        })
    }

    /// The module `object_manager`, where [`Builder::object_manager`] asks for it, with the
    /// enum of the proxies in `clients_of`.
    pub(crate) fn object_manager_module(
        &self,
        clients_of: &[object_manager::ClientOf],
    ) -> Option<TokenStream> {
        self.object_manager.then(|| {
            let clients = self.build_client.then_some(clients_of);
            object_manager::module(self.build_server, clients)
        })
    }

    /// The items of the module for `document`, read from `path`, but the module
    /// `object_manager`, with the names of what they hold for each interface; the file may
    /// refer to the `shared` definitions of files generated with it; each client side
    /// generated is pushed onto `clients_of`.
    pub(crate) fn items(
        &self,
        path: &Path,
        document: &Document,
        shared: &[Shared],
        clients_of: &mut Vec<object_manager::ClientOf>,
    ) -> Result<(Vec<TokenStream>, Vec<GeneratedInterface>), Error> {
        let invalid = |message: String| Error::Invalid {
            location: Location::file(path),
            message,
        };
        let service = self
            .service
            .as_deref()
            .map(BusName::try_from)
            .transpose()
            .map_err(|e| invalid(format!("bad service name: {e}")))?;
        let object_path = self
            .chosen_object_path(document)
            .map(ObjectPath::try_from)
            .transpose()
            .map_err(|e| invalid(format!("bad object path: {e}")))?;

        let mut items = vec![
            names_of_the_service(service.as_ref(), object_path.as_ref()),
            child_nodes(document.root()),
            wide_structs(document),
        ];
        let mut made = Vec::new();
        let declared = document.root().all_interfaces();
        if let Some(named) = &self.interfaces
            && let Some(missing) = named
                .iter()
                .find(|n| !declared.iter().any(|i| &i.name == *n))
        {
            return Err(invalid(format!(
                "no interface `{missing}` in the XML (asked for by Builder::interfaces)"
            )));
        }
        let model = FileModel::build(path, document, &self.overlays()?, shared, |i| {
            match &self.interfaces {
                Some(named) => named.contains(&i.name),
                None => !STANDARD_INTERFACES.contains(&i.name.as_str()),
            }
        })?;
        items.push(model.table.code());
        for interface in &model.interfaces {
            if let Some(what) = types::unsupported_in(model.wire_of(interface)) {
                return Err(Error::Unsupported {
                    location: Location::file(path),
                    interface: interface.wire.clone(),
                    what,
                });
            }
        }
        let interfaces = &model.interfaces;
        for interface in interfaces {
            let wire = &interface.wire;
            let server = if self.build_server {
                let source_xml = document.interface_xml(wire).ok_or_else(|| {
                    invalid(format!(
                        "the text of interface `{wire}` was not found; please report"
                    ))
                })?;
                let mut code = server::server_code(interface, source_xml, self.default_impls);
                if self.build_mock {
                    code.extend(typed_mock::mock_code(interface));
                }
                let module = side_module(interface, Side::Server, code, &mut items);
                Some(GeneratedServer {
                    module: module.to_string(),
                    trait_name: model::type_ident(interface, "").to_string(),
                    adapter: model::type_ident(interface, "Server").to_string(),
                })
            } else {
                None
            };
            let client = if self.build_client {
                let (code, proxy, client_trait) =
                    proxy::proxy_items(interface, service.as_ref(), object_path.as_ref());
                let module = side_module(interface, Side::Client, code, &mut items);
                // Two interfaces whose names end alike get distinct variants, as modules.
                let mut variant = model::type_ident(interface, "");
                if clients_of
                    .iter()
                    .any(|c: &object_manager::ClientOf| c.variant == variant)
                {
                    variant = format_ident!("{}", names::pascal_case(&interface.module_stem));
                }
                clients_of.push(object_manager::ClientOf {
                    wire: wire.clone(),
                    variant,
                    file: None,
                    module: module.clone(),
                    proxy: proxy.clone(),
                });
                Some(GeneratedClient {
                    module: module.to_string(),
                    proxy: proxy.to_string(),
                    client_trait: client_trait.to_string(),
                })
            } else {
                None
            };
            made.push(GeneratedInterface {
                interface: wire.clone(),
                nodes: document
                    .root()
                    .walk()
                    .into_iter()
                    .filter(|node| node.interfaces.iter().any(|i| &i.name == wire))
                    .map(|node| node.path.clone())
                    .collect(),
                server,
                client,
            });
        }
        Ok((items, made))
    }
}

/// `items` as a formatted file, with the `@generated` line that names `source` and the
/// versions of zbus and the runtime the code is written for.
pub(crate) fn formatted(items: &[TokenStream], source: &Path) -> Result<String, Error> {
    let file = syn::parse2::<syn::File>(quote!(#(#items)*)).map_err(|e| Error::Invalid {
        location: Location::file(source),
        message: format!("generated code does not parse ({e}); please report"),
    })?;
    let header = format!(
        "// @generated by dbus-xml-codegen from {} for zbus {} and dbus-xml-runtime {}. \
         Do not edit: edit the XML.\n\n",
        source.display(),
        crate::zbus_target::ZBUS_REQUIREMENT,
        crate::zbus_target::RUNTIME_REQUIREMENT
    );
    Ok(header + &prettyplease::unparse(&file))
}

/// The two sides of an interface, each in a module of its own.
#[derive(Clone, Copy)]
enum Side {
    Server,
    Client,
}

/// Pushes onto `items` the module of one side of `interface` (`counter_server`), holding
/// `code` and the interface's name; returns the module's name.
fn side_module(
    interface: &model::Interface,
    side: Side,
    code: TokenStream,
    items: &mut Vec<TokenStream>,
) -> proc_macro2::Ident {
    let (suffix, what) = match side {
        Side::Server => ("server", "Server"),
        Side::Client => ("client", "Client"),
    };
    let module = format_ident!("{}_{suffix}", interface.module_stem);
    let wire = &interface.wire;
    let doc = format!(" {what} side of the D-Bus interface `{wire}`.");
    // The XML decides names, argument counts, types and documentation; lints about those are
    // the XML's business, not the including crate's. A binary need not use every helper of
    // the API.
    items.push(quote! {
        #[doc = #doc]
        #[allow(
            dead_code,
            non_snake_case,
            deprecated,
            clippy::too_many_arguments,
            clippy::type_complexity,
            clippy::upper_case_acronyms,
            clippy::doc_lazy_continuation,
            clippy::doc_overindented_list_items
        )]
        pub mod #module {
            /// The name of this interface on the bus.
            pub const INTERFACE_NAME: &str = #wire;
            #code
        }
    });
    module
}

/// The constants that name where the service is: its bus name and its object's path, where
/// the build and the XML give them.
fn names_of_the_service(
    service: Option<&BusName<'_>>,
    object_path: Option<&ObjectPath<'_>>,
) -> TokenStream {
    let service = service.map(|service| {
        let service = service.as_str();
        quote! {
            /// The well-known bus name of the service (from the generator's settings).
            #[allow(dead_code)]
            pub const SERVICE_NAME: &str = #service;
        }
    });
    let object_path = object_path.map(|path| {
        let path = path.as_str();
        quote! {
            /// The path of the object that the XML describes (its root `<node name>`).
            #[allow(dead_code)]
            pub const OBJECT_PATH: &str = #path;
        }
    });
    quote!(#service #object_path)
}

/// The module `nodes`, with a constant for every node below the root that the XML names: its
/// path relative to the root (`branch/leaf` is `BRANCH_LEAF`), where there are any.
fn child_nodes(root: &wire::Node) -> TokenStream {
    let mut used = std::collections::HashSet::new();
    let constants = root.walk().into_iter().skip(1).map(|node| {
        let path = &node.path;
        // Elements in snake case, and whatever a name may not hold (a file's `-`) as `_`.
        let mut name: String = path
            .split('/')
            .map(|element| names::snake_case(element).to_uppercase())
            .collect::<Vec<_>>()
            .join("_")
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
            name.insert_str(0, "NODE_");
        }
        // Two paths that spell alike (`a_b` and `a/b`) each get a constant.
        let base = name.clone();
        let mut count = 1;
        while !used.insert(name.clone()) {
            count += 1;
            name = format!("{base}_{count}");
        }
        let name = format_ident!("{name}");
        let interfaces: Vec<String> = node
            .interfaces
            .iter()
            .map(|i| format!("`{}`", i.name))
            .collect();
        let doc = if interfaces.is_empty() {
            format!(" `{path}`, a node without interfaces of its own.")
        } else {
            format!(" `{path}`, with {}.", interfaces.join(", "))
        };
        quote! {
            #[doc = #doc]
            pub const #name: &str = #path;
        }
    });
    let constants: Vec<TokenStream> = constants.collect();
    if constants.is_empty() {
        return TokenStream::new();
    }
    quote! {
        /// The objects that the XML places below its root, by their paths relative to it: join
        /// one to the root's path (`OBJECT_PATH`, or wherever you serve the root) with `/`.
        #[allow(dead_code)]
        pub mod nodes {
            #(#constants)*
        }
    }
}

/// The module `structs`, with a type for every struct of the document that is too wide for a
/// tuple, where there are any.
fn wide_structs(document: &Document) -> TokenStream {
    let interfaces = document.root().all_interfaces();
    let wide = types::wide_structs(interfaces.iter().flat_map(|i| i.signatures()));
    if wide.is_empty() {
        return TokenStream::new();
    }
    let definitions = wide.iter().map(types::wide_struct_definition);
    quote! {
        /// D-Bus structs too wide for Rust tuples, each with a type of its own.
        #[allow(dead_code)]
        pub mod structs {
            #(#definitions)*
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_names_what_it_made_for_each_interface_and_its_nodes() {
        let path = Path::new("../codegen/tests/fixtures/org.example.Tree.xml");
        let document = Document::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/org.example.Tree.xml"
        ))
        .unwrap();
        let made = Builder::new().generate_items(path, &document).unwrap();
        let branch = &made.interfaces[1];
        assert_eq!(
            branch,
            &GeneratedInterface {
                interface: "org.example.Branch".into(),
                nodes: vec!["branch".into()],
                server: Some(GeneratedServer {
                    module: "branch_server".into(),
                    trait_name: "Branch".into(),
                    adapter: "BranchServer".into(),
                }),
                client: Some(GeneratedClient {
                    module: "branch_client".into(),
                    proxy: "BranchProxy".into(),
                    client_trait: "BranchClient".into(),
                }),
            }
        );
        let (server, client) = (
            branch.server.as_ref().unwrap(),
            branch.client.as_ref().unwrap(),
        );
        // (The proxy struct is written by zbus's #[proxy] macro, from the trait.)
        for name in [&server.module, &client.module, &server.adapter] {
            assert!(
                made.code.contains(name.as_str()),
                "{name} is not in the code"
            );
        }
        let leaf = &made.interfaces[2];
        assert_eq!(leaf.nodes, ["branch/leaf"]);
        // The child nodes' paths, relative to the root, as constants.
        assert!(made.code.contains("pub const BRANCH: &str = \"branch\";"));
        assert!(
            made.code
                .contains("pub const BRANCH_LEAF: &str = \"branch/leaf\";")
        );
    }
}
