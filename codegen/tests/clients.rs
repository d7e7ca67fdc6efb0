//! Clients of services written elsewhere: a proxy generated from a live bus (the bus daemon's
//! own `org.freedesktop.DBus`), and one side of a file alone.

mod support;

use std::path::Path;
use std::process::Command;

use dbus_xml_codegen::Builder;
use support::{GeneratedCrate, printed};

const LIVE_MAIN: &str = r#"mod api {
    include!("api.rs");
}

use api::d_bus_client::DBusClient;
use futures_util::StreamExt;

/// Client logic written against the client trait, as an application would: the new owner
/// of `name`, announced by `NameOwnerChanged` (the bus daemon names none of its arguments)
/// once `claim` has run.
async fn new_owner_of<T>(bus: &impl DBusClient, name: &str, claim: impl Future<Output = T>) -> zbus::Result<(T, String)> {
    let mut changes = bus.receive_name_owner_changed().await?;
    let claimed = claim.await;
    while let Some(change) = changes.next().await {
        if change.arg0 == name {
            return Ok((claimed, change.arg2));
        }
    }
    Err(zbus::Error::Failure("the signal stream ended".into()))
}

#[tokio::main]
async fn main() -> zbus::Result<()> {
    let address = std::env::args().nth(1).expect("a bus address");
    let connection = zbus::connection::Builder::address(address.as_str()).build().await?;
    // The proxy calls the service and path it was generated from, by default.
    let bus = api::d_bus_client::DBusProxy::new(&connection).await?;
    println!("id {}", bus.get_id().await?);
    let names = bus.list_names().await?;
    println!("lists itself: {}", names.iter().any(|n| n == "org.freedesktop.DBus"));
    println!("lists us: {}", names.iter().any(|n| Some(n.as_str()) == connection.unique_name().map(|u| u.as_str())));
    // The same calls through the trait that the proxy implements.
    println!("same id through the trait: {}", DBusClient::get_id(&bus).await? == bus.get_id().await?);
    let claim = zbus::connection::Builder::address(address.as_str())
        .name("org.example.Watched")
        .build();
    let (other, owner) = new_owner_of(&bus, "org.example.Watched", claim).await?;
    let other = other?;
    println!("owner announced: {}", Some(owner.as_str()) == other.unique_name().map(|u| u.as_str()));
    Ok(())
}
"#;

#[test]
fn a_client_generated_from_the_live_bus_daemon_calls_it() {
    let bus = test_bus::PrivateBus::open(None).expect("a private dbus-daemon");
    let generate = Command::new(env!("CARGO_BIN_EXE_dbus-xml-codegen"))
        .args([
            "generate",
            "--dest",
            "org.freedesktop.DBus",
            "--path",
            "/org/freedesktop/DBus",
        ])
        .args(["--address", bus.address(), "--client-only"])
        .output()
        .expect("dbus-xml-codegen runs");
    assert!(generate.status.success(), "{}", printed(&generate));
    let code = String::from_utf8(generate.stdout).expect("UTF-8");
    assert!(code.contains("pub const SERVICE_NAME: &str = \"org.freedesktop.DBus\";"));
    assert!(
        !code.contains("_server"),
        "a client-only module has no server side"
    );
    // The standard interfaces are zbus's own, and left out.
    assert!(
        !code.contains("org.freedesktop.DBus.Introspectable"),
        "{code}"
    );

    let krate = GeneratedCrate::new("live_client");
    krate.build_program(&code, LIVE_MAIN);
    let run = krate.run_on(&bus);
    // The id, as GDBus reads it from the same bus.
    let gdbus = Command::new("gdbus")
        .args([
            "call",
            "--address",
            bus.address(),
            "--dest",
            "org.freedesktop.DBus",
        ])
        .args(["--object-path", "/org/freedesktop/DBus"])
        .args(["--method", "org.freedesktop.DBus.GetId"])
        .output()
        .expect("gdbus runs");
    let id = String::from_utf8_lossy(&gdbus.stdout);
    let id = id.trim().trim_start_matches("('").trim_end_matches("',)");
    assert_eq!(id.len(), 32, "{id}");
    assert_eq!(
        String::from_utf8_lossy(&run.stdout),
        format!(
            "id {id}\nlists itself: true\nlists us: true\nsame id through the trait: true\n\
             owner announced: true\n"
        )
    );
}

#[test]
fn one_side_of_the_apps_xml_alone_compiles_without_the_other() {
    let xml = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../interfaces/com.larry_price.test.RandomData.xml"
    ));
    let builder = Builder::new().service("com.larry-price.test");
    let client = builder
        .clone()
        .client_only()
        .generate_file(xml)
        .expect("client side");
    let server = builder
        .server_only()
        .generate_file(xml)
        .expect("server side");
    for server_code in [
        "random_data_server",
        "#[zbus::interface",
        "RandomDataSignals",
    ] {
        assert!(
            !client.contains(server_code),
            "client-only has {server_code}"
        );
        assert!(
            server.contains(server_code),
            "server-only lacks {server_code}"
        );
    }
    for client_code in ["random_data_client", "zbus::proxy", "default_service"] {
        assert!(
            !server.contains(client_code),
            "server-only has {client_code}"
        );
        assert!(
            client.contains(client_code),
            "client-only lacks {client_code}"
        );
    }
    let krate = GeneratedCrate::new("one_side");
    krate.write("src/server.rs", &server);
    krate.build_program(
        &client,
        r#"mod api {
    include!("api.rs");
}
mod server {
    include!("server.rs");
}

/// Uses each side's main type, so that both are compiled in full.
fn main() {
    let _client: Option<api::random_data_client::RandomDataProxy<'static>> = None;
    let _server: Option<server::random_data_server::RandomDataServer<Never>> = None;
}

struct Never;

impl server::random_data_server::RandomData for Never {
    type Error = zbus::fdo::Error;
    async fn quick(&self, _bits: i32, _call: &server::random_data_server::RandomDataCall<'_>) -> zbus::fdo::Result<String> {
        unreachable!()
    }
    async fn slow(&self, _bits: i32, _call: &server::random_data_server::RandomDataCall<'_>) -> zbus::fdo::Result<String> {
        unreachable!()
    }
    async fn slow_with_progress(&self, _bits: i32, _call: &server::random_data_server::RandomDataCall<'_>) -> zbus::fdo::Result<String> {
        unreachable!()
    }
    async fn bit_interval_ms(&self) -> zbus::fdo::Result<u32> {
        unreachable!()
    }
}
"#,
    );
}
