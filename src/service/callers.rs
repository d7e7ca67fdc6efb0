//! Who is calling: each caller of slow requests, known by its unique name while it stays on
//! the bus, with its Unix user (asked of the bus once, with `GetConnectionUnixUser`) and one
//! signal handle that all its requests share.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use zbus::names::{BusName, UniqueName};

use super::errors::ServiceError;
use crate::{RandomDataCall, RandomDataSignals};

/// A caller of a slow request, as the registry counts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Caller {
    /// Its unique name on the bus (empty on a peer-to-peer connection, which has no bus).
    pub name: Arc<str>,
    /// The Unix user that owns its connection, where there is a bus to ask.
    pub user: Option<u32>,
}

/// A caller and the handle that sends it its signals (to it alone).
#[derive(Debug)]
pub(super) struct KnownCaller {
    /// Who it is.
    pub caller: Caller,
    /// Its signals.
    pub signals: RandomDataSignals,
}

/// The callers that have made a slow request and are still on the bus.
#[derive(Debug, Default)]
pub(super) struct Callers {
    known: Mutex<HashMap<Arc<str>, Arc<KnownCaller>>>,
}

impl Callers {
    /// The caller of `call`: known already, or learned now, its Unix user asked of the bus on
    /// `lookups`. A caller whose user cannot be learned (it left, or the bus would not say) is
    /// refused with [`ServiceError::UnknownUser`].
    pub(super) async fn of(
        &self,
        call: &RandomDataCall<'_>,
        lookups: &zbus::Connection,
    ) -> Result<Arc<KnownCaller>, ServiceError> {
        let Some(sender) = call.sender() else {
            // A peer-to-peer connection: one caller, with no bus to ask.
            return Ok(self.remember(KnownCaller {
                caller: Caller {
                    name: Arc::from(""),
                    user: None,
                },
                signals: call.signals(),
            }));
        };
        if let Some(known) = self.get(sender.as_str()) {
            return Ok(known);
        }
        let user = unix_user(lookups, sender).await?;
        let signals = call.signals().to(BusName::from(sender.to_owned()));
        // A caller that left while the bus answered stays here (a few hundred bytes; unique
        // names are never reused).
        Ok(self.remember(KnownCaller {
            caller: Caller {
                name: Arc::from(sender.as_str()),
                user: Some(user),
            },
            signals,
        }))
    }

    /// The caller with the unique name `name`, if it is known.
    pub(super) fn get(&self, name: &str) -> Option<Arc<KnownCaller>> {
        let known = self.known.lock().expect("the callers lock");
        known.get(name).cloned()
    }

    /// Remembers `caller`, unless a caller of its name is known already; returns the one
    /// remembered.
    fn remember(&self, caller: KnownCaller) -> Arc<KnownCaller> {
        let caller = Arc::new(caller);
        let mut known = self.known.lock().expect("the callers lock");
        let name = Arc::clone(&caller.caller.name);
        Arc::clone(known.entry(name).or_insert(caller))
    }

    /// Forgets `name`, which left the bus.
    pub(super) fn forget(&self, name: &str) {
        self.known.lock().expect("the callers lock").remove(name);
    }
}

/// The Unix user that owns `caller`'s connection, asked of the bus on `connection`.
async fn unix_user(
    connection: &zbus::Connection,
    caller: &UniqueName<'_>,
) -> Result<u32, ServiceError> {
    connection
        .call_method(
            Some("org.freedesktop.DBus"),
            "/org/freedesktop/DBus",
            Some("org.freedesktop.DBus"),
            "GetConnectionUnixUser",
            &(caller.as_str(),),
        )
        .await
        .and_then(|reply| reply.body().deserialize::<u32>())
        .map_err(|error| {
            ServiceError::UnknownUser(format!(
                "cannot learn the Unix user of caller {caller}: {error}"
            ))
        })
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::MetadataExt;

    use super::*;

    async fn connect(bus: &test_bus::PrivateBus) -> zbus::Connection {
        bus.connect()
            .await
            .expect("a connection to the private bus")
    }

    #[tokio::test]
    async fn the_bus_tells_a_callers_user_until_it_leaves() {
        let bus = test_bus::PrivateBus::open(None).expect("a private bus");
        let (service, caller) = (connect(&bus).await, connect(&bus).await);
        let name = caller.unique_name().expect("a unique name").to_owned();

        let ours = std::fs::metadata("/proc/self").unwrap().uid();
        assert_eq!(unix_user(&service, &name).await, Ok(ours));

        caller.close().await.expect("the caller leaves");
        let dbus = zbus::fdo::DBusProxy::new(&service).await.unwrap();
        let bus_name = BusName::from(name.clone());
        tokio::time::timeout(test_bus::WAIT, async {
            while dbus.name_has_owner(bus_name.clone()).await.unwrap() {
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
        })
        .await
        .expect("the bus sees the caller leave");
        let refused = unix_user(&service, &name).await.unwrap_err();
        assert!(
            matches!(&refused, ServiceError::UnknownUser(m) if m.contains(name.as_str())),
            "{refused:?}"
        );
    }

    #[tokio::test]
    async fn a_caller_is_remembered_once_until_forgotten() {
        let bus = test_bus::PrivateBus::open(None).expect("a private bus");
        let connection = connect(&bus).await;
        let known = |user| KnownCaller {
            caller: Caller {
                name: Arc::from(":1.7"),
                user: Some(user),
            },
            signals: RandomDataSignals::new(&connection, crate::OBJECT_PATH.try_into().unwrap()),
        };
        let callers = Callers::default();
        let first = callers.remember(known(7));
        // Two first requests at once: the second finds the first one's entry.
        let second = callers.remember(known(8));
        assert!(Arc::ptr_eq(&first, &second));
        assert_eq!(callers.get(":1.7").map(|c| c.caller.user), Some(Some(7)));
        callers.forget(":1.7");
        assert!(callers.get(":1.7").is_none());
    }
}
