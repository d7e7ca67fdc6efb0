//! A mock of any service, from its interface files and no code: every object the files
//! declare, serving their interfaces with properties at their types' defaults (or a values
//! file's), methods answering default out-values (or scripted replies and errors), the
//! standard interfaces (`Properties` with the runtime's semantics, `ObjectManager` where the
//! files' objects call for it), and a control interface modelled on python-dbusmock's
//! `org.freedesktop.DBus.Mock`.
//!
//! zbus's interfaces are Rust types, one per interface name; a mock serves interfaces known
//! only at run time, so it answers every call itself, from zbus's `MessageStream`.
//!
//! ```no_run
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! use dbus_xml_codegen::Document;
//! use dbus_xml_codegen::mock::Mock;
//!
//! let document = Document::read("interfaces/com.example.Thing.xml")?;
//! let connection = zbus::Connection::session().await?;
//! let (mock, serving) = Mock::new([(document, None)])?
//!     .values(r#"{"/com/example/Thing": {"com.example.Thing": {"properties": {"Count": 3}}}}"#)?
//!     .serve(&connection);
//! tokio::spawn(serving);
//! mock.request_name("com.example.Thing").await?;
//! // … run the client under test, then read what it called:
//! for call in mock.calls() {
//!     println!("{} called {}.{}", call.sender, call.interface, call.member);
//! }
//! # Ok(())
//! # }
//! ```

mod control;
mod dispatch;
mod introspect;
mod properties;
mod state;
mod values;

use std::collections::HashMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use zbus::message::{Flags, Message, Type};
use zbus::{Connection, MessageStream, OwnedVariant};

pub use state::Call;
use state::{Served, State};

use crate::contract::Contracts;
use crate::{Document, Error};

/// The control interface's name, as python-dbusmock names it.
pub(crate) const CONTROL: &str = "org.freedesktop.DBus.Mock";

/// What a mock's dispatch and its handles share.
pub(crate) struct Shared {
    contracts: Contracts,
    state: Mutex<State>,
}

/// A mock, made from files and values, before it serves.
pub struct Mock {
    shared: Shared,
}

/// Why a mock cannot be made, or refused what it was asked.
#[derive(Debug, thiserror::Error)]
pub enum MockError {
    /// A file could not be read.
    #[error(transparent)]
    Xml(#[from] Error),
    /// A file's root `<node>` names no object path, and none was given.
    #[error("{}: the root <node> names no object path: give one (--path)", .0.display())]
    NoPath(PathBuf),
    /// A values file holds something the files do not declare, or a value of another type.
    #[error("{}: {place}: {message}", file.display())]
    Values {
        /// The values file.
        file: PathBuf,
        /// Where in it: the object path, interface, and property or method.
        place: String,
        /// What is wrong.
        message: String,
    },
    /// A control request was refused (as the control interface refuses it on the bus).
    #[error("{name}: {message}")]
    Refused {
        /// The D-Bus error name.
        name: String,
        /// Why.
        message: String,
    },
    /// Someone else owns the bus name asked for.
    #[error("{0} is owned by another connection already")]
    NameTaken(String),
    /// The bus refused a message.
    #[error("the bus: {0}")]
    Bus(#[from] zbus::Error),
}

impl From<dispatch::Failure> for MockError {
    fn from(failure: dispatch::Failure) -> Self {
        Self::Refused {
            name: failure.name,
            message: failure.message,
        }
    }
}

impl Mock {
    /// A mock of `files`, each at the object path given, else at its root `<node name>`; each
    /// node of a file is an object, each interface of it (but the standard ones) served with
    /// default values. Where a file declares `org.freedesktop.DBus.ObjectManager` on a node,
    /// or has more than one object, the manager is at its root.
    pub fn new(
        files: impl IntoIterator<Item = (Document, Option<String>)>,
    ) -> Result<Self, MockError> {
        let mut state = State::default();
        let mut documents = Vec::new();
        for (document, path) in files {
            let base = path
                .or_else(|| document.object_path().map(str::to_owned))
                .ok_or_else(|| MockError::NoPath(document.path().to_owned()))?;
            let mut objects = 0;
            for node in document.root().walk() {
                let at = match (base.as_str(), node.path.as_str()) {
                    (base, "") => base.to_owned(),
                    ("/", below) => format!("/{below}"),
                    (base, below) => format!("{base}/{below}"),
                };
                if node.interfaces.iter().any(|i| i.name == MANAGER) {
                    state.manager = Some(at.clone());
                }
                let served: Vec<Served> = node
                    .interfaces
                    .iter()
                    .filter(|i| !crate::compare::STANDARD_INTERFACES.contains(&i.name.as_str()))
                    .map(Served::of)
                    .collect();
                if !served.is_empty() {
                    objects += 1;
                    state.objects.entry(at).or_default().extend(served);
                }
            }
            if objects > 1 && state.manager.is_none() {
                state.manager = Some(base);
            }
            documents.push(document);
        }
        Ok(Self {
            shared: Shared {
                contracts: Contracts::new(documents),
                state: Mutex::new(state),
            },
        })
    }

    /// The mock of the files at `paths`, all at `path` where it is given (each file's
    /// interfaces on one object), else each at its root `<node name>`.
    pub fn read(
        paths: impl IntoIterator<Item = impl AsRef<Path>>,
        path: Option<&str>,
    ) -> Result<Self, MockError> {
        let files = paths
            .into_iter()
            .map(|file| Ok((Document::read(file)?, path.map(str::to_owned))))
            .collect::<Result<Vec<_>, Error>>()?;
        Self::new(files)
    }

    /// Sets values from a values file's text (JSON): `{PATH: {INTERFACE: {"properties":
    /// {NAME: VALUE}, "methods": {NAME: {"reply": [VALUE…]} | {"error": NAME, "message":
    /// TEXT}}}}}`. Each value is typed by the XML; an object not yet there is added.
    pub fn values(self, json: &str) -> Result<Self, MockError> {
        self.values_from(json, Path::new("values"))
    }

    /// [`Mock::values`] from the file at `path`, which errors name.
    pub fn values_file(self, path: impl AsRef<Path>) -> Result<Self, MockError> {
        let path = path.as_ref();
        let json = crate::error::read_text(path)?;
        self.values_from(&json, path)
    }

    fn values_from(self, json: &str, origin: &Path) -> Result<Self, MockError> {
        {
            let mut state = self.shared.state.lock().expect("the mock's state");
            state.apply_values(&self.shared.contracts, json, origin)?;
        }
        Ok(self)
    }

    /// Serves org.freedesktop.DBus.ObjectManager at `path` (where a file does not say that it
    /// has one, as files whose objects come and go at run time often do not).
    pub fn object_manager(self, path: &str) -> Self {
        self.shared.state.lock().expect("the mock's state").manager = Some(path.to_owned());
        self
    }

    /// The object paths it serves, in order.
    pub fn object_paths(&self) -> Vec<String> {
        let state = self.shared.state.lock().expect("the mock's state");
        state.objects.keys().cloned().collect()
    }

    /// Serves on `connection`: returns the handle that drives the mock, and the future that
    /// answers its calls (spawn it, then take the service's name: zbus's own object server
    /// must not run on this connection).
    pub fn serve(
        self,
        connection: &Connection,
    ) -> (MockHandle, impl Future<Output = ()> + Send + 'static) {
        let shared = Arc::new(self.shared);
        let handle = MockHandle {
            shared: shared.clone(),
            connection: connection.clone(),
        };
        let stream = MessageStream::from(connection);
        let connection = connection.clone();
        let serving = async move {
            use zbus::export::futures_core::Stream;
            let mut stream = std::pin::pin!(stream);
            while let Some(next) = std::future::poll_fn(|cx| stream.as_mut().poll_next(cx)).await {
                let Ok(message) = next else { continue };
                if message.message_type() != Type::MethodCall {
                    continue;
                }
                let (reply, emit) = dispatch::answer(&shared, &message);
                let wants_reply = !message
                    .primary_header()
                    .flags()
                    .contains(Flags::NO_REPLY_EXPECTED);
                if let (Ok(reply), true) = (reply, wants_reply) {
                    // A caller that left is not the mock's problem.
                    let _ = connection.send(&reply).await;
                }
                for signal in emit {
                    let _ = connection.send(&signal).await;
                }
            }
        };
        (handle, serving)
    }
}

/// The ObjectManager interface's name.
const MANAGER: &str = "org.freedesktop.DBus.ObjectManager";

/// Drives a serving mock from Rust, as the control interface does from the bus.
#[derive(Clone)]
pub struct MockHandle {
    shared: Arc<Shared>,
    connection: Connection,
}

impl MockHandle {
    /// Runs `change` on the state, then sends the signals it queued.
    async fn change(
        &self,
        change: impl FnOnce(&Shared, &mut State, &mut Vec<Message>) -> Result<(), dispatch::Failure>,
    ) -> Result<(), MockError> {
        let mut emit = Vec::new();
        {
            let mut state = self.shared.state.lock().expect("the mock's state");
            change(&self.shared, &mut state, &mut emit)?;
        }
        for signal in emit {
            self.connection.send(&signal).await?;
        }
        Ok(())
    }

    /// Sets a property (of its declared type), with the `PropertiesChanged` that its
    /// `EmitsChangedSignal` asks for.
    pub async fn set_property(
        &self,
        path: &str,
        interface: &str,
        property: &str,
        value: OwnedVariant,
    ) -> Result<(), MockError> {
        self.change(|shared, state, emit| {
            properties::set(shared, state, path, interface, property, value, emit)
        })
        .await
    }

    /// Emits the declared signal `name` of `interface` from `path`, with `args` of its types.
    pub async fn emit_signal(
        &self,
        path: &str,
        interface: &str,
        name: &str,
        args: Vec<OwnedVariant>,
    ) -> Result<(), MockError> {
        self.change(|shared, _, emit| {
            emit.push(control::signal(shared, path, interface, name, "", args)?);
            Ok(())
        })
        .await
    }

    /// Adds `interface` to the object at `path` (made if new), with `properties` over its
    /// defaults; `InterfacesAdded` goes out where a manager is above it.
    pub async fn add_object(
        &self,
        path: &str,
        interface: &str,
        properties: HashMap<String, OwnedVariant>,
    ) -> Result<(), MockError> {
        self.change(|shared, state, emit| {
            control::add_object(shared, state, path, interface, properties, emit)
        })
        .await
    }

    /// Removes the object at `path`; `InterfacesRemoved` goes out where a manager is above it.
    pub async fn remove_object(&self, path: &str) -> Result<(), MockError> {
        self.change(|_, state, emit| control::remove_object(state, path, emit))
            .await
    }

    /// Takes the bus name `name` for the mock (refused where someone owns it already).
    pub async fn request_name(&self, name: &str) -> Result<(), MockError> {
        let name = zbus::names::WellKnownName::try_from(name)?;
        let reply = zbus::fdo::DBusProxy::new(&self.connection)
            .await?
            .request_name(name.clone(), zbus::fdo::RequestNameFlags::DO_NOT_QUEUE)
            .await
            .map_err(zbus::Error::from)?;
        match reply {
            zbus::fdo::RequestNameReply::PrimaryOwner
            | zbus::fdo::RequestNameReply::AlreadyOwner => Ok(()),
            _ => Err(MockError::NameTaken(name.to_string())),
        }
    }

    /// The calls of declared methods it was sent, in order.
    pub fn calls(&self) -> Vec<Call> {
        let state = self.shared.state.lock().expect("the mock's state");
        state.calls.clone()
    }

    /// Forgets the calls so far.
    pub fn clear_calls(&self) {
        let mut state = self.shared.state.lock().expect("the mock's state");
        state.calls.clear();
    }
}
