//! Whether zbus announces the objects below an `org.freedesktop.DBus.ObjectManager` itself:
//! it does where its `object-manager` feature is on in the build (its default features turn
//! it on, and any crate in the build may), which no crate can see at compile time.
//!
//! Found once per process, without a signal on the bus: a probe object is served below the
//! tree's path and a manager at the path; with the feature, zbus reads the probe's property
//! to announce it, the probe fails that read, and zbus gives up before sending anything.
//! Both are removed at once (with no manager above them, zbus announces no removal).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use zbus::message::Header;
use zbus::names::{InterfaceName, MemberName};
use zbus::object_server::{DispatchResult, Interface, SignalEmitter};
use zbus::{BoxDBusError, Connection, ObjectServer, OwnedVariant, fdo};

/// What was found, once per process (a build's features do not change while it runs).
static ZBUS_ANNOUNCES: OnceLock<bool> = OnceLock::new();

/// The element of the path below a tree's where the probe is served for a moment.
const PROBE: &str = "_dbus_xml_runtime_probe";

/// Whether zbus announces objects below a manager itself; probes below `path` (where no
/// manager is served yet) the first time it is asked.
pub(crate) async fn zbus_announces(
    connection: &Connection,
    path: &zbus::ObjectPath<'_>,
) -> zbus::Result<bool> {
    if let Some(&announces) = ZBUS_ANNOUNCES.get() {
        return Ok(announces);
    }
    let server = connection.object_server();
    let probe_path = format!("{}/{PROBE}", path.as_str().trim_end_matches('/'));
    let read = Arc::new(AtomicBool::new(false));
    server
        .at(probe_path.as_str(), Probe { read: read.clone() })
        .await?;
    // With the feature, this fails (the probe's error) after serving the manager.
    let served = server.at(path, ProbeManager).await;
    let _ = server.remove::<ProbeManager, _>(path).await;
    server.remove::<Probe, _>(probe_path.as_str()).await?;
    let announces = read.load(Ordering::SeqCst);
    if !announces {
        served?;
    }
    Ok(*ZBUS_ANNOUNCES.get_or_init(|| announces))
}

/// Served below the path for a moment: zbus reads its properties only with the feature.
/// Written by hand, since what zbus's `#[interface]` makes of a failing getter leaves the
/// property out of `GetAll` rather than fail it.
struct Probe {
    read: Arc<AtomicBool>,
}

#[zbus::export::async_trait::async_trait]
impl Interface for Probe {
    fn name() -> InterfaceName<'static> {
        InterfaceName::from_static_str_unchecked("rs.dbus_xml_runtime.Probe")
    }

    async fn get(
        &self,
        _property_name: &str,
        _server: &ObjectServer,
        _connection: &Connection,
        _header: Option<&Header<'_>>,
        _emitter: &SignalEmitter<'_>,
    ) -> Option<Result<OwnedVariant, BoxDBusError>> {
        None
    }

    /// Notes that zbus read it, and fails, so that zbus announces nothing.
    async fn get_all(
        &self,
        _server: &ObjectServer,
        _connection: &Connection,
        _header: Option<&Header<'_>>,
        _emitter: &SignalEmitter<'_>,
    ) -> fdo::Result<HashMap<String, OwnedVariant>> {
        self.read.store(true, Ordering::SeqCst);
        Err(fdo::Error::Failed(
            "a probe of zbus's features, never announced".to_owned(),
        ))
    }

    async fn set_mut(
        &mut self,
        _property_name: &str,
        _value: &zbus::Variant<'_>,
        _server: &ObjectServer,
        _connection: &Connection,
        _header: Option<&Header<'_>>,
        _emitter: &SignalEmitter<'_>,
    ) -> Option<Result<(), BoxDBusError>> {
        None
    }

    fn call<'call>(
        &'call self,
        _server: &'call ObjectServer,
        _connection: &'call Connection,
        _message: &'call zbus::Message,
        _name: MemberName<'call>,
    ) -> DispatchResult<'call> {
        DispatchResult::NotFound
    }

    fn call_mut<'call>(
        &'call mut self,
        _server: &'call ObjectServer,
        _connection: &'call Connection,
        _message: &'call zbus::Message,
        _name: MemberName<'call>,
    ) -> DispatchResult<'call> {
        DispatchResult::NotFound
    }

    fn introspect_to_writer(&self, _writer: &mut dyn std::fmt::Write, _level: usize) {}
}

/// An interface that zbus takes for an object manager (by its name), for the probe.
struct ProbeManager;

#[zbus::interface(name = "org.freedesktop.DBus.ObjectManager")]
impl ProbeManager {}
