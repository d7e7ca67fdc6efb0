//! The generator's entry point for `build.rs`: settings, then `compile` (load → generate →
//! write if changed).

use std::path::{Path, PathBuf};

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use zbus::ObjectPath;
use zbus::names::BusName;

use crate::compare::STANDARD_INTERFACES;
use crate::{
    Document, Error, Location, Warning, model, names, object_manager, proxy, server, types, wire,
};

/// The namespace prefix of Telepathy's extensions to the introspection format.
const TELEPATHY: &str = "tp";

impl Default for Builder {
    fn default() -> Self {
        Self::new()
    }
}

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

/// Settings for one run of the generator.
#[derive(Debug, Clone)]
pub struct Builder {
    service: Option<String>,
    /// The object path set with [`Builder::object_path`].
    object_path: Option<String>,
    /// Namespace prefixes whose ignored elements are not warned about (see
    /// [`Builder::quiet_vocabulary`]).
    quiet: Vec<String>,
    out_dir: Option<PathBuf>,
    default_impls: bool,
    build_server: bool,
    build_client: bool,
    /// The interfaces set with [`Builder::interfaces`].
    interfaces: Option<Vec<String>>,
    /// The folder set with [`Builder::released`].
    released: Option<PathBuf>,
    /// Set with [`Builder::object_manager`].
    object_manager: bool,
    /// The overlays set with [`Builder::annotate`] and [`Builder::annotate_with`], in order.
    overlays: Vec<OverlaySource>,
}

/// Where an overlay comes from: a file read at generation, or one already read.
#[derive(Debug, Clone)]
enum OverlaySource {
    File(PathBuf),
    Read(crate::Overlay),
}

impl Builder {
    /// A generator with no default service, writing to `OUT_DIR`, quiet about Telepathy's
    /// documentation elements.
    pub fn new() -> Self {
        Self {
            service: None,
            object_path: None,
            quiet: vec![TELEPATHY.to_owned()],
            out_dir: None,
            default_impls: false,
            build_server: true,
            build_client: true,
            interfaces: None,
            released: None,
            object_manager: false,
            overlays: Vec::new(),
        }
    }

    /// Lays the annotations of the overlay file at `path` over the interface file's elements
    /// for generation (see [`crate::Overlay`]): a vendor's file stays as it is, and so do
    /// `Introspect()`, `check` and `diff`. Call it again for more overlays; a later one wins.
    pub fn annotate(mut self, path: impl Into<PathBuf>) -> Self {
        self.overlays.push(OverlaySource::File(path.into()));
        self
    }

    /// Lays an overlay already read over the file's elements, as [`Builder::annotate`] does
    /// with a file: for an overlay held as text (`Overlay::parse("inline", XML)?`) or built
    /// by a tool. Overlays apply in the order they were given, whichever way.
    pub fn annotate_with(mut self, overlay: crate::Overlay) -> Self {
        self.overlays.push(OverlaySource::Read(overlay));
        self
    }

    /// The folder of the file's released versions (`NAME-VERSION.xml` for `NAME.xml`, e.g.
    /// `interfaces/released`): each interface and member's rustdoc then says the version that
    /// added it ("Since 0.2.0.", or "Not yet released."), unless an `org.gtk.GDBus.Since`
    /// annotation says so already (that one is always shown).
    pub fn released(mut self, folder: impl Into<PathBuf>) -> Self {
        self.released = Some(folder.into());
        self
    }

    /// Reads the file at `xml_path`, with the versions of [`Builder::released`] in its docs.
    pub fn read(&self, xml_path: &Path) -> Result<Document, Error> {
        let mut document = Document::read(xml_path)?;
        if let Some(folder) = &self.released {
            document.document_since(&crate::since::Releases::read(folder, xml_path)?);
        }
        Ok(document)
    }

    /// The object path that generated proxies call by default and that the module names as
    /// `OBJECT_PATH`. Without it, the root `<node name>` of the file is used where it is a
    /// plausible path of the service (see [`plausible_object_path`]): a specification's file
    /// often names a path of its own, such as MPRIS's `/Media_Player`.
    pub fn object_path(mut self, path: impl Into<String>) -> Self {
        self.object_path = Some(path.into());
        self
    }

    /// The object path the module will name: [`Builder::object_path`], else the root
    /// `<node name>` of `document` where it is plausible for the service.
    pub fn chosen_object_path<'a>(&'a self, document: &'a Document) -> Option<&'a str> {
        self.object_path.as_deref().or_else(|| {
            document
                .object_path()
                .filter(|path| plausible_object_path(path, self.service.as_deref()))
        })
    }

    /// Leaves out of the build's warnings the ignored elements of the vocabulary whose
    /// namespace prefix is `prefix` (`"tp"` for `<tp:added>`): for a file whose extra markup
    /// you know. Telepathy's (`tp`) is quiet from [`Builder::new`]: its types are read, its
    /// documentation elements (`tp:added`, `tp:rationale`, …) have no use in code. Elements of
    /// every other vocabulary are warned about.
    pub fn quiet_vocabulary(mut self, prefix: impl Into<String>) -> Self {
        self.quiet.push(prefix.into());
        self
    }

    /// What this builder reports of `document`: what the parser ignored, but the elements of
    /// quiet vocabularies; and each type definition of the file that cannot be a Rust type
    /// (it is left out, and values of it are its plain type).
    pub fn reported_warnings(&self, document: &Document) -> Vec<Warning> {
        let ignored = document.warnings().iter().filter(|warning| {
            let prefix = warning.element.split_once(':').map(|(prefix, _)| prefix);
            !prefix.is_some_and(|prefix| self.quiet.iter().any(|q| q == prefix))
        });
        let no_interfaces = std::iter::empty::<&wire::Interface>();
        let left_out = crate::typedefs::Table::build(&document.telepathy, no_interfaces)
            .map(|table| table.left_out)
            .unwrap_or_default();
        let left_out = left_out.into_iter().map(|(def, why)| Warning {
            message: format!(
                "the Telepathy type `{}` is left out ({why}): values of it are its plain type",
                def.name
            ),
            location: def
                .location
                .unwrap_or_else(|| Location::file(Path::new(""))),
            element: def.name,
        });
        ignored.cloned().chain(left_out).collect()
    }

    /// The well-known bus name that generated proxies call by default.
    pub fn service(mut self, service: impl Into<String>) -> Self {
        self.service = Some(service.into());
        self
    }

    /// Whether every member of the generated traits has a default body, so that a service can
    /// implement a large interface one member at a time: methods and setters answer
    /// `org.freedesktop.DBus.Error.NotSupported`; getters answer their type's default value,
    /// as gdbus-codegen's skeletons do for a property nobody set (`v` and `h`, which have
    /// none, answer `NotSupported`), and say so once per property through `tracing`
    /// (`dbus_xml_runtime::notice`). Off by default: a member of the XML that the service
    /// does not implement is then a compile error that names it. With default bodies, the
    /// trait's `Error` must convert from `zbus::fdo::Error`.
    pub fn default_impls(mut self, default_impls: bool) -> Self {
        self.default_impls = default_impls;
        self
    }

    /// Whether to generate the server side (trait, adapter, call context, signal handle) of
    /// every interface; on by default.
    pub fn build_server(mut self, build_server: bool) -> Self {
        self.build_server = build_server;
        self
    }

    /// Whether to generate the client side (the proxy) of every interface; on by default.
    pub fn build_client(mut self, build_client: bool) -> Self {
        self.build_client = build_client;
        self
    }

    /// Whether to generate the module `object_manager` too (off by default), for services
    /// of many objects published with `org.freedesktop.DBus.ObjectManager`, like
    /// gdbus-codegen's `--c-generate-object-manager`. Server side: `Tree`, served at a path,
    /// to which `Object`s made of generated servers are added and removed (each announced
    /// in one `InterfacesAdded` or `InterfacesRemoved`), and `Tree::object_path`, which
    /// escapes any id into a path. Client side: `watch`, the objects of a remote tree as the
    /// generated proxies (the enum `Interface`) and a stream of its `Change`s.
    pub fn object_manager(mut self, object_manager: bool) -> Self {
        self.object_manager = object_manager;
        self
    }

    /// The client side alone, for a client of a service written elsewhere: the module then
    /// holds no server code. Short for `build_server(false).build_client(true)`.
    pub fn client_only(self) -> Self {
        self.build_server(false).build_client(true)
    }

    /// The server side alone. Short for `build_server(true).build_client(false)`.
    pub fn server_only(self) -> Self {
        self.build_server(true).build_client(false)
    }

    /// Generates these interfaces of the file alone, by their names on the bus; naming one the
    /// file lacks is an error. Without it, every interface of the file but the standard
    /// `org.freedesktop.DBus.{Introspectable, Peer, Properties, ObjectManager}`, which zbus
    /// serves and calls by itself (an introspected live object lists them); name one here to
    /// have it generated.
    pub fn interfaces<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.interfaces = Some(names.into_iter().map(Into::into).collect());
        self
    }

    /// Where [`Builder::compile`] writes; `OUT_DIR` by default.
    pub fn out_dir(mut self, out_dir: impl Into<PathBuf>) -> Self {
        self.out_dir = Some(out_dir.into());
        self
    }

    /// Generates the module for the XML file at `xml_path` into the output folder, as the file
    /// name with `.rs` in place of `.xml`, and tells Cargo to rerun when the XML changes. What
    /// the XML parser ignored reaches the build as `cargo:warning=` lines. The file is
    /// rewritten only when its contents change. Returns the path written.
    pub fn compile(&self, xml_path: impl AsRef<Path>) -> Result<PathBuf, Error> {
        let xml_path = xml_path.as_ref();
        let document = self.load(xml_path)?;
        let code = self.generate_document(xml_path, &document)?;
        let file_name = xml_path.with_extension("rs");
        let file_name = file_name.file_name().expect("a file path has a name");
        self.write(Path::new(file_name), &code)
    }

    /// Reads the file at `xml_path` for [`Builder::compile`] and its kin, telling Cargo to
    /// rerun when it (or a released version, or an overlay) changes, and passing on what the
    /// parser ignored as `cargo:warning=` lines.
    pub(crate) fn load(&self, xml_path: &Path) -> Result<Document, Error> {
        println!("cargo:rerun-if-changed={}", xml_path.display());
        if let Some(folder) = &self.released {
            println!("cargo:rerun-if-changed={}", folder.display());
        }
        for overlay in &self.overlays {
            if let OverlaySource::File(path) = overlay {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
        let document = self.read(xml_path)?;
        for warning in self.reported_warnings(&document) {
            println!("cargo:warning={warning}");
        }
        if let Some(warning) = self.no_object_path_warning(xml_path, &document) {
            println!("cargo:warning={warning}");
        }
        Ok(document)
    }

    /// Why the module for `document` names no `OBJECT_PATH`, where it names none and the file
    /// did not say so: a root `<node>` without a name (most specifications, every captured
    /// file) or with one that is no plausible path of the service. `<node name="/">` says
    /// that the file's objects have no fixed path (NetworkManager's and ModemManager's files:
    /// one interface a file, served at many paths), and gets no warning.
    pub(crate) fn no_object_path_warning(
        &self,
        path: &Path,
        document: &Document,
    ) -> Option<String> {
        if self.chosen_object_path(document).is_some() {
            return None;
        }
        let root = match document.object_path() {
            Some("/") => return None,
            Some(named) => format!(
                "the root <node name=\"{named}\"> is not a plausible object path of the service"
            ),
            None => "the root <node> names no path".to_owned(),
        };
        Some(format!(
            "{}: {root}, so the module names no OBJECT_PATH; give one with \
             Builder::object_path(\"/your/object\") (or `<node name=\"/\">` for a file whose \
             objects have no fixed path)",
            path.display()
        ))
    }

    /// Writes `code` as `file_name` in the output folder, if it changed; returns its path.
    pub(crate) fn write(&self, file_name: &Path, code: &str) -> Result<PathBuf, Error> {
        let out_dir = self
            .out_dir
            .clone()
            .or_else(|| std::env::var_os("OUT_DIR").map(PathBuf::from))
            .expect("OUT_DIR is set when run from build.rs; otherwise call Builder::out_dir");
        let out_path = out_dir.join(file_name);
        write_if_changed(&out_path, code)?;
        Ok(out_path)
    }

    /// The formatted Rust module for the XML file at `xml_path`.
    pub fn generate_file(&self, xml_path: &Path) -> Result<String, Error> {
        self.generate_document(xml_path, &self.read(xml_path)?)
    }

    /// The formatted Rust module for the introspection document `xml`; `path` names it in
    /// errors.
    pub fn generate(&self, path: &Path, xml: &str) -> Result<String, Error> {
        self.generate_document(path, &Document::parse(path, xml)?)
    }

    /// The formatted Rust module for `document`, read from `path`. Every interface of the root
    /// node and of nested nodes is generated once.
    pub fn generate_document(&self, path: &Path, document: &Document) -> Result<String, Error> {
        self.generate_items(path, document)
            .map(|generated| generated.code)
    }

    /// The formatted Rust module for `document`, read from `path`, with the names of what it
    /// holds for each interface (for tests, documentation and tools that use the module).
    pub fn generate_items(&self, path: &Path, document: &Document) -> Result<Generated, Error> {
        let mut clients_of = Vec::new();
        let (mut items, interfaces) = self.items(path, document, &mut clients_of)?;
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
    /// `object_manager`, with the names of what they hold for each interface; each client
    /// side generated is pushed onto `clients_of`.
    pub(crate) fn items(
        &self,
        path: &Path,
        document: &Document,
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
        let mut all: Vec<wire::Interface> = document
            .root()
            .all_interfaces()
            .into_iter()
            .cloned()
            .collect();
        for overlay in &self.overlays {
            match overlay {
                OverlaySource::File(path) => crate::Overlay::read(path)?.apply(&mut all)?,
                OverlaySource::Read(overlay) => overlay.apply(&mut all)?,
            }
        }
        let table = crate::typedefs::Table::build(&document.telepathy, &all).map_err(&invalid)?;
        items.push(table.code());
        if let Some(named) = &self.interfaces
            && let Some(missing) = named.iter().find(|n| !all.iter().any(|i| &i.name == *n))
        {
            return Err(invalid(format!(
                "no interface `{missing}` in the XML (asked for by Builder::interfaces)"
            )));
        }
        let chosen = all.iter().filter(|i| match &self.interfaces {
            Some(named) => named.contains(&i.name),
            None => !STANDARD_INTERFACES.contains(&i.name.as_str()),
        });
        let mut interfaces = Vec::new();
        for wire_interface in chosen {
            let unsupported = |what: String| Error::Unsupported {
                location: Location::file(path),
                interface: wire_interface.name.clone(),
                what,
            };
            let interface = model::interface(wire_interface, &document.docs, &table)
                .map_err(|model::Unsupported(what)| unsupported(what))?;
            if let Some(what) = types::unsupported_in(wire_interface) {
                return Err(unsupported(what));
            }
            interfaces.push(interface);
        }
        model::distinct_module_stems(&mut interfaces);
        for interface in &interfaces {
            let wire = &interface.wire;
            let server = if self.build_server {
                let source_xml = document.interface_xml(wire).ok_or_else(|| {
                    invalid(format!(
                        "the text of interface `{wire}` was not found; please report"
                    ))
                })?;
                let code = server::server_code(interface, source_xml, self.default_impls);
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

/// Whether `path` (a root `<node name>`) looks like an object path the service serves, not
/// a placeholder of a specification: it has two elements or more, and where the service's
/// bus name is known, its first two are the name's first two (its reverse domain, `-` read as
/// `_`): `/com/larry_price/test/RandomData` for `com.larry-price.test`, `/org/example/Counter`
/// for `org.example.Service`, but not `/Media_Player` for `org.mpris.MediaPlayer2.vlc`.
pub fn plausible_object_path(path: &str, service: Option<&str>) -> bool {
    let elements: Vec<&str> = path.split('/').filter(|e| !e.is_empty()).collect();
    if elements.len() < 2 {
        return false;
    }
    service.is_none_or(|service| {
        let domain: Vec<String> = service
            .split('.')
            .take(2)
            .map(|e| e.replace('-', "_"))
            .collect();
        domain.len() == 2 && domain.iter().zip(&elements).all(|(d, e)| d == e)
    })
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

/// Writes `contents` to `path` unless the file holds them already, so that an unchanged
/// module does not make Cargo rebuild what includes it.
fn write_if_changed(path: &Path, contents: &str) -> Result<(), Error> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == contents) {
        return Ok(());
    }
    std::fs::write(path, contents).map_err(|source| Error::Write {
        path: path.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_overlay_held_as_text_applies_as_a_file_does() {
        let xml = r#"<node><interface name="a.b.C">
            <method name="Old"/><method name="New"/></interface></node>"#;
        let deprecate = |member: &str| {
            let text = format!(
                r#"<node><interface name="a.b.C"><method name="{member}">
                   <annotation name="org.freedesktop.DBus.Deprecated" value="true"/>
                   </method></interface></node>"#
            );
            crate::Overlay::parse("inline.xml", &text).expect("an overlay")
        };
        let plain = Builder::new().generate(Path::new("f.xml"), xml).unwrap();
        let code = Builder::new()
            .annotate_with(deprecate("Old"))
            .generate(Path::new("f.xml"), xml)
            .unwrap();
        let deprecated = |code: &str| code.matches("#[deprecated").count();
        assert_eq!(deprecated(&plain), 0, "{plain}");
        assert!(deprecated(&code) > 0, "{code}");
        let missing = Builder::new()
            .annotate_with(deprecate("Gone"))
            .generate(Path::new("f.xml"), xml)
            .unwrap_err()
            .to_string();
        assert!(
            missing.contains("Gone") && missing.contains("inline.xml"),
            "{missing}"
        );
    }

    #[test]
    fn a_module_without_object_path_says_why_unless_the_file_says_so() {
        let warning = |xml: &str, builder: Builder| {
            let document = Document::parse(Path::new("f.xml"), xml).expect("parses");
            builder.no_object_path_warning(Path::new("f.xml"), &document)
        };
        let bare = "<node><interface name=\"a.b.C\"/></node>";
        let said = warning(bare, Builder::new()).expect("a bare root warns");
        assert!(
            said.contains("names no path") && said.contains("Builder::object_path"),
            "{said}"
        );
        assert_eq!(warning(bare, Builder::new().object_path("/a/b")), None);
        let placeholder = "<node name=\"/Media_Player\"><interface name=\"a.b.C\"/></node>";
        let said = warning(placeholder, Builder::new()).expect("a placeholder warns");
        assert!(said.contains("/Media_Player"), "{said}");
        let anywhere = "<node name=\"/\"><interface name=\"a.b.C\"/></node>";
        assert_eq!(warning(anywhere, Builder::new()), None);
    }

    #[test]
    fn a_node_name_is_an_object_path_where_it_is_plausible_for_the_service() {
        let service = Some("com.larry-price.test");
        assert!(plausible_object_path(
            "/com/larry_price/test/RandomData",
            service
        ));
        assert!(plausible_object_path(
            "/org/example/Counter",
            Some("org.example.Service")
        ));
        assert!(plausible_object_path("/org/example/Counter", None));
        assert!(!plausible_object_path("/Media_Player", None));
        assert!(!plausible_object_path(
            "/org/freedesktop/Media",
            Some("org.mpris.MediaPlayer2.vlc")
        ));
        assert!(!plausible_object_path("/", None));
    }

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
