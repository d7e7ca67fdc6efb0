//! A toolkit for D-Bus introspection XML, built on zbus: generate a server trait and a client
//! proxy from an interface file (in `build.rs`, the way `tonic-build` serves protobuf), check a
//! live object against the file, tell whether a new version of the file is compatible with an
//! old one, and document it in Markdown.
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
//!   `NameServer<T>` that serves any implementor, the per-call context `NameCall`, the
//!   signal handle `NameSignals` and the constant `INTERFACE_NAME`;
//! - `name_client`: the proxy `NameProxy` (zbus's `#[proxy]`), with typed signal streams,
//!   the client trait `NameClient` that the proxy implements (so client logic can be tested
//!   with a fake), each signal's owned arguments `SignalEvent`, and `INTERFACE_NAME` again;
//!
//! each thing with one Rust name on every side (the server trait, the signal handle, the
//! proxy, the client trait, `doc`), resolved once in the model;
//!
//! with [`Builder::object_manager`], `object_manager`: the server's `Tree` of objects made of
//! generated servers, published with `org.freedesktop.DBus.ObjectManager`, and the client's
//! `watch` of such a tree as the generated proxies;
//!
//! `types`, where the file names types of its values (Telepathy's `tp:enum`, `tp:flags`,
//! `tp:struct`, `tp:mapping`; this crate's `rs.dbus_xml_codegen.Enum`/`Flags`/`Struct`/`Type`
//! annotations, also from an [`Overlay`] with [`Builder::annotate`]; GLib bytestrings where
//! `Type` names the built-in `Bytestring`): enums
//! that keep unknown values as `Unknown(raw)`, flags, structs with named fields, maps;
//!
//! and, at its top, `OBJECT_PATH` where the root `<node name>` is a path and `SERVICE_NAME`
//! where [`Builder::service`] gave one.
//!
//! Wire names, argument names and signatures stay exactly as in the XML.
//!
//! Every use of a file reads it once, through [`Document`]: DOCTYPE entities are expanded,
//! errors say the file, line and column, and documentation (`<doc:doc>`, comments,
//! `org.gtk.GDBus.DocString`) is kept. [`compare::compare`] compares two [`wire`] trees, whether
//! both come from files (`diff`) or one from a live object ([`check::check`]).

mod annotations;
mod builder;
pub mod check;
mod check_tree;
mod client_fns;
mod client_trait;
pub mod compare;
pub mod contract;
mod docs;
mod emit;
mod error;
mod file_model;
mod forwarding;
mod generate;
#[cfg(feature = "mock")]
pub mod mock;
mod model;
pub mod monitor;
mod named;
mod names;
mod object_manager;
mod overlay;
mod parse;
pub mod policy;
mod proxy;
mod reference;
mod releases;
mod report;
mod server;
mod since;
mod source;
mod telepathy;
mod together;
mod type_annotations;
mod type_code;
mod type_listing;
mod type_table;
mod typed_mock;
mod types;
pub mod wire;
mod zbus_target;

pub use annotations::{Annotations, EmitsChanged};
pub use builder::Builder;
pub use error::{Error, Location};
pub use generate::{Generated, GeneratedClient, GeneratedInterface, GeneratedServer};
pub use overlay::Overlay;
pub use parse::{Document, Warning};
pub use releases::Releases;
