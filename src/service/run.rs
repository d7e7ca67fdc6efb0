//! Running the service on a bus: take the name, serve the object, cancel the requests of
//! callers that leave, and stop cleanly.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use zbus::fdo::{DBusProxy, RequestNameFlags};

use super::Service;
use crate::bus::BusArgs;
use crate::{OBJECT_PATH, RandomDataServer, SERVICE_NAME};

/// How long a stopping service waits for the results of its pending requests to be sent.
pub(super) const SETTLE_TIMEOUT: Duration = Duration::from_secs(10);

/// Why the service stopped serving.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stopped {
    /// It was asked to (SIGINT, SIGTERM): pending requests were settled and the name released.
    Requested,
    /// The bus connection closed.
    BusLost,
    /// Another process took the name.
    NameLost,
}

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub(super) enum StartError {
    /// Another process owns the name.
    #[error("service is already running")]
    AlreadyRunning,
    /// No bus, or the bus refused.
    #[error("cannot serve on the bus: {0}")]
    Bus(#[from] zbus::Error),
}

/// Serves `service` on the bus that `bus` chooses until `shutdown` completes or the bus or
/// the name is lost.
pub(super) async fn run(
    bus: &BusArgs,
    service: Service,
    shutdown: impl Future<Output = ()>,
) -> Result<Stopped, StartError> {
    // Callers' Unix users are asked of the bus on a connection of their own: the serving
    // connection stops reading while its queue of incoming calls is full, so a reply queued
    // behind those calls would never reach the call that waits for it.
    let lookups = bus.builder().build().await?;
    let service = Arc::new(service.with_lookup_connection(lookups));
    // Served first and named then, so that a client that sees the name finds the object;
    // through the runtime, so that `Properties` answers as sd-bus clients expect.
    let connection = bus.builder().build().await?;
    dbus_xml_runtime::serve_at(
        &connection,
        OBJECT_PATH,
        RandomDataServer::from_arc(Arc::clone(&service)),
    )
    .await?;
    // Subscribed before the name is taken: once a client (or a test) sees the name, nothing
    // is left to ask of the bus, and a bus lost from then on is `BusLost`, not a failed start.
    let dbus = DBusProxy::new(&connection).await?;
    // Unique names whose owner is now nobody: connections that left the bus.
    let mut departures = dbus
        .receive_name_owner_changed_with_args(&[(2, "")])
        .await?;
    let mut names_lost = dbus.receive_name_lost().await?;
    // Without ALLOW_REPLACEMENT: a second instance may not take the name over from the first.
    connection
        .request_name_with_flags(SERVICE_NAME, RequestNameFlags::DO_NOT_QUEUE)
        .await
        .map_err(|error| match error {
            zbus::Error::NameTaken => StartError::AlreadyRunning,
            other => StartError::Bus(other),
        })?;
    tracing::info!(name = SERVICE_NAME, path = OBJECT_PATH, "serving");
    tokio::pin!(shutdown);

    let stopped = loop {
        tokio::select! {
            () = &mut shutdown => break Stopped::Requested,
            departure = departures.next() => {
                let Some(departure) = departure else { break Stopped::BusLost };
                let Ok(args) = departure.args() else { continue };
                let name = args.name().as_str();
                if name.starts_with(':') {
                    let cancelled = service.caller_left(name);
                    if cancelled > 0 {
                        tracing::debug!(caller = name, cancelled, "caller left; its requests are cancelled");
                    }
                }
            }
            lost = names_lost.next() => {
                let Some(lost) = lost else { break Stopped::BusLost };
                if lost.args().is_ok_and(|args| args.name().as_str() == SERVICE_NAME) {
                    break Stopped::NameLost;
                }
            }
        }
    };
    match stopped {
        Stopped::Requested => {
            let pending = service.pending().len();
            tracing::info!(pending, "stopping: pending slow requests finish at once");
            if tokio::time::timeout(SETTLE_TIMEOUT, service.stop())
                .await
                .is_err()
            {
                tracing::warn!(
                    left = service.pending().len(),
                    "gave up waiting for pending requests"
                );
            }
            if let Err(error) = connection.release_name(SERVICE_NAME).await {
                tracing::warn!(%error, "could not release the name");
            }
        }
        Stopped::BusLost => tracing::error!("lost the connection to the bus"),
        Stopped::NameLost => tracing::error!(name = SERVICE_NAME, "lost the bus name"),
    }
    Ok(stopped)
}
