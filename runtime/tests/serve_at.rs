//! `serve_at` and `remove_at` with hand-written zbus interfaces (each `Declared` with its
//! properties in order), over a private bus: `GetAll("")` answers every interface served at
//! the path in the order they were served, each in its declared order, and an interface
//! removed with `remove_at` is gone from it, while the other stays.

use std::collections::HashMap;

use dbus_xml_runtime::{Access, Declared, Property};
use zbus::{OwnedVariant, fdo};

struct Lamp;

#[zbus::interface(name = "org.example.Lamp")]
impl Lamp {
    #[zbus(property, name = "Zone")]
    async fn zone(&self) -> String {
        "kitchen".into()
    }

    #[zbus(property, name = "Brightness")]
    async fn brightness(&self) -> u32 {
        40
    }
}

impl Declared for Lamp {
    const PROPERTIES: &'static [Property] = &[
        Property {
            name: "Zone",
            access: Access::Read,
        },
        Property {
            name: "Brightness",
            access: Access::Read,
        },
    ];
}

struct Power;

#[zbus::interface(name = "org.example.Lamp.Power")]
impl Power {
    #[zbus(property, name = "Watts")]
    async fn watts(&self) -> f64 {
        4.5
    }
}

// Listed by name: nothing declared.
impl Declared for Power {}

/// The names of the properties that `GetAll(interface)` answers, in the order received.
async fn get_all(connection: &zbus::Connection, interface: &str) -> fdo::Result<Vec<String>> {
    let reply = connection
        .call_method(
            Some("org.example.Lamp"),
            "/org/example/Lamp",
            Some("org.freedesktop.DBus.Properties"),
            "GetAll",
            &(interface,),
        )
        .await?;
    let body = reply.body();
    body.deserialize::<HashMap<String, OwnedVariant>>()?;
    // The order the entries came in: where each name stands in the message.
    let bytes: &[u8] = body.data();
    let mut names: Vec<(usize, String)> = ["Zone", "Brightness", "Watts"]
        .iter()
        .filter_map(|name| {
            bytes
                .windows(name.len())
                .position(|w| w == name.as_bytes())
                .map(|at| (at, (*name).to_owned()))
        })
        .collect();
    names.sort();
    Ok(names.into_iter().map(|(_, name)| name).collect())
}

#[tokio::test]
async fn get_all_of_every_interface_follows_serve_at_and_remove_at() {
    let bus = test_bus::PrivateBus::open(None).expect("a private bus");
    let service = bus.connect().await.expect("a service connection");
    let path = "/org/example/Lamp";
    dbus_xml_runtime::serve_at(&service, path, Lamp)
        .await
        .expect("Lamp served");
    dbus_xml_runtime::serve_at(&service, path, Power)
        .await
        .expect("Power served");
    service
        .request_name("org.example.Lamp")
        .await
        .expect("the name");
    let client = bus.connect().await.expect("a client connection");

    assert_eq!(
        get_all(&client, "").await.expect("GetAll(\"\")"),
        ["Zone", "Brightness", "Watts"]
    );
    // Served twice: refused, and nothing changes.
    assert!(
        dbus_xml_runtime::serve_at(&service, path, Power)
            .await
            .is_err()
    );
    assert_eq!(get_all(&client, "").await.expect("GetAll(\"\")").len(), 3);

    let destroyed = dbus_xml_runtime::remove_at::<_, Power>(&service, path)
        .await
        .expect("Power removed");
    assert!(!destroyed, "Lamp keeps the object");
    assert_eq!(
        get_all(&client, "").await.expect("GetAll(\"\")"),
        ["Zone", "Brightness"]
    );
    let gone = get_all(&client, "org.example.Lamp.Power").await;
    assert!(
        matches!(gone, Err(fdo::Error::UnknownInterface(_))),
        "{gone:?}"
    );
}
