//! Generates a zbus server trait and client proxy from D-Bus introspection XML, for use in a
//! `build.rs` the way `tonic-build` serves protobuf:
//!
//! ```no_run
//! // in build.rs's main:
//! dbus_xml_codegen::Builder::new()
//!     .service("com.example.Service")
//!     .compile("interfaces/com.example.Service.xml")
//!     .unwrap_or_else(|error| panic!("{error}"));
//! ```
//!
//! For every interface `a.b.Name` in the file, the generated module holds:
//! - `name_server`: the trait `Name` with one async method per D-Bus method, the adapter
//!   `NameServer<T>` that serves any implementor, the per-call context `NameCall` and the
//!   signal handle `NameSignals`;
//! - `name_client`: the proxy `NameProxy`, with typed signal streams (written by
//!   `zbus_xmlgen`).
//!
//! Wire names, argument names and signatures stay exactly as in the XML.

mod names;
mod parse;
mod proxy;
mod server;
mod types;

use std::path::{Path, PathBuf};

use quote::{format_ident, quote};
use zbus::ObjectPath;
use zbus::names::BusName;

/// Why code could not be generated.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The XML file could not be read.
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not well-formed introspection XML.
    #[error("{}:{line}:{column}: {message}", path.display())]
    Xml {
        /// The file.
        path: PathBuf,
        /// 1-based line of the fault.
        line: usize,
        /// 1-based column of the fault.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// The XML is well formed but names or types something D-Bus does not allow.
    #[error("{}: {message}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The file uses something this generator does not handle yet.
    #[error("{}: interface `{interface}`: {what} is not supported yet", path.display())]
    Unsupported {
        /// The file.
        path: PathBuf,
        /// The interface that uses it.
        interface: String,
        /// What it uses.
        what: String,
    },
    /// The generated code could not be written.
    #[error("{}: cannot write: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// Settings for one run of the generator.
#[derive(Debug, Clone, Default)]
pub struct Builder {
    service: Option<String>,
    out_dir: Option<PathBuf>,
}

impl Builder {
    /// A generator with no default service, writing to `OUT_DIR`.
    pub fn new() -> Self {
        Self::default()
    }

    /// The well-known bus name that generated proxies call by default.
    pub fn service(mut self, service: impl Into<String>) -> Self {
        self.service = Some(service.into());
        self
    }

    /// Where [`Builder::compile`] writes; `OUT_DIR` by default.
    pub fn out_dir(mut self, out_dir: impl Into<PathBuf>) -> Self {
        self.out_dir = Some(out_dir.into());
        self
    }

    /// Generates the module for the XML file at `xml_path` into the output folder, as the file
    /// name with `.rs` in place of `.xml`, and tells Cargo to rerun when the XML changes.
    /// Returns the path written.
    pub fn compile(&self, xml_path: impl AsRef<Path>) -> Result<PathBuf, Error> {
        let xml_path = xml_path.as_ref();
        println!("cargo:rerun-if-changed={}", xml_path.display());
        let code = self.generate_file(xml_path)?;
        let out_dir = self
            .out_dir
            .clone()
            .or_else(|| std::env::var_os("OUT_DIR").map(PathBuf::from))
            .expect("OUT_DIR is set when run from build.rs; otherwise call Builder::out_dir");
        let file_name = xml_path.with_extension("rs");
        let out_path = out_dir.join(file_name.file_name().expect("a file path has a name"));
        std::fs::write(&out_path, code).map_err(|source| Error::Write {
            path: out_path.clone(),
            source,
        })?;
        Ok(out_path)
    }

    /// The formatted Rust module for the XML file at `xml_path`.
    pub fn generate_file(&self, xml_path: &Path) -> Result<String, Error> {
        let xml = std::fs::read_to_string(xml_path).map_err(|source| Error::Read {
            path: xml_path.to_owned(),
            source,
        })?;
        self.generate(xml_path, &xml)
    }

    /// The formatted Rust module for the introspection document `xml`; `path` names it in
    /// errors.
    pub fn generate(&self, path: &Path, xml: &str) -> Result<String, Error> {
        let invalid = |message: String| Error::Invalid {
            path: path.to_owned(),
            message,
        };
        let node = parse::parse_document(path, xml)?;
        let service = self
            .service
            .as_deref()
            .map(BusName::try_from)
            .transpose()
            .map_err(|e| invalid(format!("bad service name: {e}")))?;
        let object_path = node
            .name()
            .filter(|name| name.starts_with('/'))
            .map(ObjectPath::try_from)
            .transpose()
            .map_err(|e| invalid(format!("bad object path in <node name>: {e}")))?;

        let mut items = Vec::new();
        let mut clients = String::new();
        for interface in node.interfaces() {
            if interface.properties().next().is_some() {
                return Err(Error::Unsupported {
                    path: path.to_owned(),
                    interface: interface.name().to_string(),
                    what: "<property>".into(),
                });
            }
            let module_base =
                names::snake_case(&names::interface_type_name(interface.name().as_str()));
            let server_module = format_ident!("{module_base}_server");
            let client_module = format_ident!("{module_base}_client");
            let server = server::server_code(interface);
            let doc = format!(
                " Server side of the D-Bus interface `{}`.",
                interface.name()
            );
            items.push(quote! {
                #[doc = #doc]
                pub mod #server_module {
                    #server
                }
            });
            let doc = format!(
                "/// Client side of the D-Bus interface `{}`.",
                interface.name()
            );
            let proxy = proxy::proxy_code(interface, service.as_ref(), object_path.as_ref());
            clients.push_str(&format!("{doc}\npub mod {client_module} {{\n{proxy}\n}}\n"));
        }
        let source = format!("{}\n{clients}", quote!(#(#items)*));
        let file = syn::parse_file(&source).map_err(|e| {
            invalid(format!(
                "generated code does not parse ({e}); please report"
            ))
        })?;
        let header = format!(
            "// Generated by dbus-xml-codegen from {}. Do not edit: edit the XML.\n\n",
            path.display()
        );
        Ok(header + &prettyplease::unparse(&file))
    }
}
