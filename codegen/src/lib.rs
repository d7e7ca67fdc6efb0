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

mod docs;
mod model;
mod names;
mod parse;
mod proxy;
mod server;
mod types;

use std::fmt;
use std::path::{Path, PathBuf};

use quote::{format_ident, quote};
use zbus::ObjectPath;
use zbus::names::BusName;

/// Where in an XML file something is: the file, and the line and column where known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file.
    pub path: PathBuf,
    /// 1-based line and column.
    pub line_column: Option<(usize, usize)>,
}

impl Location {
    fn file(path: &Path) -> Self {
        Self {
            path: path.to_owned(),
            line_column: None,
        }
    }

    /// The location of byte `offset` of `text`, read from `path`.
    fn at(path: &Path, text: &str, offset: usize) -> Self {
        let before = &text.as_bytes()[..offset.min(text.len())];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(&before[line_start..])
            .chars()
            .count()
            + 1;
        Self {
            path: path.to_owned(),
            line_column: Some((line, column)),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some((line, column)) = self.line_column {
            write!(f, ":{line}:{column}")?;
        }
        Ok(())
    }
}

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
    /// The file is not well-formed XML.
    #[error("{location}: {message}")]
    Xml {
        /// Where.
        location: Location,
        /// What is wrong.
        message: String,
    },
    /// The XML is well formed but names or types something D-Bus does not allow.
    #[error("{location}: {message}")]
    Invalid {
        /// Where.
        location: Location,
        /// What is wrong, with the element.
        message: String,
    },
    /// The file uses something this generator does not handle.
    #[error("{location}: interface `{interface}`: {what} is not supported")]
    Unsupported {
        /// Where.
        location: Location,
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
    /// errors. Every interface of the root node and of nested nodes is generated once.
    pub fn generate(&self, path: &Path, xml: &str) -> Result<String, Error> {
        let invalid = |message: String| Error::Invalid {
            location: Location::file(path),
            message,
        };
        let document = parse::parse_document(path, xml)?;
        let service = self
            .service
            .as_deref()
            .map(BusName::try_from)
            .transpose()
            .map_err(|e| invalid(format!("bad service name: {e}")))?;
        let object_path = document
            .node
            .name()
            .filter(|name| name.starts_with('/'))
            .map(ObjectPath::try_from)
            .transpose()
            .map_err(|e| invalid(format!("bad object path in <node name>: {e}")))?;

        let mut modules = Vec::new();
        let mut stems = std::collections::HashSet::new();
        for xml_interface in all_interfaces(&document.node) {
            let unsupported = |what: String| Error::Unsupported {
                location: Location::file(path),
                interface: xml_interface.name().to_string(),
                what,
            };
            let mut interface = model::interface(xml_interface, &document.docs)
                .map_err(|model::Unsupported(what)| unsupported(what))?;
            if let Some(what) = types::unsupported_in(xml_interface) {
                return Err(unsupported(what));
            }
            // Two interfaces whose names end alike (`a.Device` and `b.Device`) get distinct
            // modules.
            if !stems.insert(interface.module_stem.clone()) {
                interface.module_stem = names::snake_case(&xml_interface.name().replace('.', "_"));
                stems.insert(interface.module_stem.clone());
            }
            let server_module = format_ident!("{}_server", interface.module_stem);
            let client_module = format_ident!("{}_client", interface.module_stem);
            let server = server::server_code(&interface);
            let client = proxy::proxy_items(
                xml_interface,
                &interface,
                service.as_ref(),
                object_path.as_ref(),
            )
            .map_err(|e| {
                invalid(format!(
                    "generating the proxy of `{}`: {e}; please report",
                    interface.wire
                ))
            })?;
            let server_doc = format!(" Server side of the D-Bus interface `{}`.", interface.wire);
            let client_doc = format!(" Client side of the D-Bus interface `{}`.", interface.wire);
            // The XML decides names, argument counts, types and documentation; lints about
            // those are the XML's business, not the including crate's.
            let allow = quote! {
                #[allow(
                    non_snake_case,
                    deprecated,
                    clippy::too_many_arguments,
                    clippy::type_complexity,
                    clippy::doc_lazy_continuation,
                    clippy::doc_overindented_list_items
                )]
            };
            modules.push(quote! {
                #[doc = #server_doc]
                #allow
                pub mod #server_module {
                    #server
                }

                #[doc = #client_doc]
                #allow
                pub mod #client_module {
                    #client
                }
            });
        }
        let file = syn::parse2::<syn::File>(quote!(#(#modules)*)).map_err(|e| {
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

/// The interfaces of `node` and of all nodes below it, each name once, in document order.
fn all_interfaces<'n>(node: &'n zbus_xml::Node<'n>) -> Vec<&'n zbus_xml::Interface<'n>> {
    let mut seen = std::collections::HashSet::new();
    let mut found = Vec::new();
    let mut pending = vec![node];
    while let Some(node) = pending.pop() {
        for interface in node.interfaces() {
            if seen.insert(interface.name().to_string()) {
                found.push(interface);
            }
        }
        pending.extend(node.nodes().iter().rev());
    }
    found
}
