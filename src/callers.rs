//! Who is calling: the Unix user behind each caller's unique name, asked of the bus once
//! (`GetConnectionUnixUser`) and forgotten when the name leaves the bus.

use std::collections::HashMap;
use std::sync::Mutex;

use zbus::names::UniqueName;

use crate::errors::ServiceError;

/// A caller of a slow request, as the registry counts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// Its unique name on the bus (empty on a peer-to-peer connection, which has no bus).
    pub name: String,
    /// The Unix user that owns its connection, where there is a bus to ask.
    pub user: Option<u32>,
}

/// The Unix user of each unique name that has made a slow request and is still on the bus.
#[derive(Debug, Default)]
pub struct CallerUsers {
    users: Mutex<HashMap<String, u32>>,
}

impl CallerUsers {
    /// The Unix user that owns `caller`'s connection: from the cache, or else asked of the bus
    /// that `connection` is on. A caller whose user cannot be learned (it left, or the bus
    /// would not say) is refused with [`ServiceError::UnknownUser`].
    pub async fn user_of(
        &self,
        connection: &zbus::Connection,
        caller: &UniqueName<'_>,
    ) -> Result<u32, ServiceError> {
        if let Some(user) = self.cached(caller) {
            return Ok(user);
        }
        let reply = connection
            .call_method(
                Some("org.freedesktop.DBus"),
                "/org/freedesktop/DBus",
                Some("org.freedesktop.DBus"),
                "GetConnectionUnixUser",
                &(caller.as_str(),),
            )
            .await
            .and_then(|reply| reply.body().deserialize::<u32>());
        let user = reply.map_err(|error| {
            ServiceError::UnknownUser(format!(
                "cannot learn the Unix user of caller {caller}: {error}"
            ))
        })?;
        // A caller that left while the bus answered stays here (a few bytes; unique names are
        // never reused).
        self.users
            .lock()
            .expect("the caller cache lock")
            .insert(caller.to_string(), user);
        Ok(user)
    }

    fn cached(&self, caller: &UniqueName<'_>) -> Option<u32> {
        let users = self.users.lock().expect("the caller cache lock");
        users.get(caller.as_str()).copied()
    }

    /// Forgets `caller`, which left the bus.
    pub fn forget(&self, caller: &str) {
        self.users
            .lock()
            .expect("the caller cache lock")
            .remove(caller);
    }
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
    async fn a_caller_is_known_by_its_user_until_it_leaves() {
        let bus = test_bus::PrivateBus::open(None).expect("a private bus");
        let (service, caller) = (connect(&bus).await, connect(&bus).await);
        let name = caller.unique_name().expect("a unique name").to_owned();
        let users = CallerUsers::default();

        let ours = std::fs::metadata("/proc/self").unwrap().uid();
        assert_eq!(users.user_of(&service, &name).await, Ok(ours));
        assert_eq!(users.cached(&name), Some(ours));

        users.forget(name.as_str());
        assert_eq!(users.cached(&name), None);
        caller.close().await.expect("the caller leaves");
        let dbus = zbus::fdo::DBusProxy::new(&service).await.unwrap();
        let bus_name = zbus::names::BusName::from(name.clone());
        tokio::time::timeout(test_bus::WAIT, async {
            while dbus.name_has_owner(bus_name.clone()).await.unwrap() {
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
        })
        .await
        .expect("the bus sees the caller leave");
        let refused = users.user_of(&service, &name).await.unwrap_err();
        assert!(
            matches!(&refused, ServiceError::UnknownUser(m) if m.contains(name.as_str())),
            "{refused:?}"
        );
    }
}
