//! A Telepathy-style spec folder (fixtures/telepathy-spec/, modelled on telepathy-spec's own
//! files): shared types in `generic-types.xml`, which has no interface, and interface files that
//! name them and each other's types by `tp:type`. Generated together, every name resolves to one
//! Rust type, defined once by the file that defines it and re-exported where others use it; a
//! client and a server built from the folder talk over a private bus with those types.

mod support;

use std::path::{Path, PathBuf};

use dbus_xml_codegen::{Builder, Document};
use support::GeneratedCrate;

/// The spec's files, the shared types first as in telepathy-spec's `all.xml`.
const FILES: [&str; 3] = ["generic-types.xml", "Connection.xml", "Channel.xml"];

fn spec() -> Vec<(PathBuf, Document)> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/telepathy-spec");
    FILES
        .iter()
        .map(|file| {
            let path = folder.join(file);
            let document = Builder::new().read(&path).expect("the fixture reads");
            (path, document)
        })
        .collect()
}

/// The text of `module`'s block in `code`, to the next file's module.
fn module<'a>(code: &'a str, module: &str) -> &'a str {
    let start = code
        .find(&format!("pub mod {module} {{"))
        .unwrap_or_else(|| panic!("no module {module} in:\n{code}"));
    let rest = &code[start + 1..];
    let end = rest.find("\npub mod ").map_or(rest.len(), |end| end + 1);
    &rest[..end]
}

#[test]
fn the_types_of_one_file_are_the_types_of_the_files_generated_with_it() {
    let code = Builder::new()
        .generate_together("api", &spec())
        .expect("the spec generates");
    let connection = module(&code, "connection");
    let channel = module(&code, "channel");
    // Each file's `types` re-exports what it uses of another file's: by name, through an array
    // name, and in a field of its own struct.
    for (file, module, name) in [
        (connection, "generic_types", "SocketAddressIPv4"),
        (connection, "generic_types", "SocketAccessControl"),
        (connection, "generic_types", "UnixTimestamp64"),
        (connection, "generic_types", "QualifiedPropertyValueMap"),
        (channel, "connection", "HandleType"),
        (channel, "generic_types", "QualifiedPropertyValueMap"),
    ] {
        let reexport = format!("pub use super::super::{module}::types::{name};");
        assert!(file.contains(&reexport), "no `{reexport}` in:\n{file}");
    }
    // ... and nothing it does not use itself (a shared mapping's key type is the mapping's).
    assert!(!channel.contains("SocketAddressIPv4"), "{channel}");
    assert!(!connection.contains("DBusQualifiedMember"), "{connection}");
    // The members take them.
    for typed in [
        "address: super::types::SocketAddressIPv4",
        "pub access: super::types::SocketAccessControl",
        "Vec<super::types::QualifiedPropertyValueMap>",
        "Result<super::types::UnixTimestamp64, Self::Error>",
    ] {
        assert!(connection.contains(typed), "no `{typed}` in:\n{connection}");
    }
    assert!(
        channel.contains("Result<super::types::HandleType, Self::Error>"),
        "{channel}"
    );
    // One file alone has only its own names: the others' read as their plain types.
    let (path, document) = &spec()[1];
    let alone = Builder::new()
        .generate_items(path, document)
        .expect("Connection.xml generates alone")
        .code;
    assert!(!alone.contains("pub use super::super"), "{alone}");
    assert!(alone.contains("address: (String, u16)"), "{alone}");
}

const MAIN: &str = r#"mod api {
    include!("api.rs");
}

use api::channel::channel_client::ChannelProxy;
use api::channel::channel_server::{Channel, ChannelServer};
use api::connection::connection_client::ConnectionProxy;
use api::connection::connection_server::{Connection, ConnectionCall, ConnectionServer};
use api::connection::types::{HandleType, StreamEndpoint};
use api::generic_types::types::{SocketAccessControl, SocketAddressIPv4, UnixTimestamp64};
use zbus::fdo;

struct Served;

impl Connection for Served {
    type Error = fdo::Error;

    async fn listen(
        &self,
        address: SocketAddressIPv4,
        access: SocketAccessControl,
        _call: &ConnectionCall<'_>,
    ) -> fdo::Result<(StreamEndpoint,)> {
        Ok((StreamEndpoint { address, access },))
    }

    async fn connected_since(&self) -> fdo::Result<UnixTimestamp64> {
        Ok(-1)
    }
}

impl Channel for Served {
    type Error = fdo::Error;

    async fn target_handle_type(&self) -> fdo::Result<HandleType> {
        Ok(HandleType::Room)
    }
}

#[tokio::main]
async fn main() -> zbus::Result<()> {
    let address = std::env::args().nth(1).expect("a bus address");
    let server = zbus::connection::Builder::address(address.as_str())
        .name("org.freedesktop.Telepathy.Example")
        .serve_at("/Connection", ConnectionServer::new(Served))
        .serve_at("/Channel", ChannelServer::new(Served))
        .build()
        .await?;
    let client = zbus::connection::Builder::address(address.as_str()).build().await?;
    let connection = ConnectionProxy::builder(&client)
        .destination("org.freedesktop.Telepathy.Example")
        .path("/Connection")
        .build()
        .await?;
    // The shared struct, from the file that defines it, is the one Connection's method takes.
    let address = SocketAddressIPv4 { address: "127.0.0.1".into(), port: 4242 };
    let (endpoint,) = connection.listen(&address, SocketAccessControl::Credentials).await?;
    println!("{}:{} {:?}", endpoint.address.address, endpoint.address.port, endpoint.access);
    println!("since {}", connection.connected_since().await?);
    let channel = ChannelProxy::builder(&client)
        .destination("org.freedesktop.Telepathy.Example")
        .path("/Channel")
        .build()
        .await?;
    println!("{:?}", channel.target_handle_type().await?);
    drop(server);
    Ok(())
}
"#;

#[test]
fn a_client_and_a_server_of_the_spec_talk_with_its_shared_types() {
    let code = Builder::new()
        .default_impls(true)
        .generate_together("api", &spec())
        .expect("the spec generates");
    let krate = GeneratedCrate::with_manifest(
        "telepathy-spec",
        &format!(
            "[dependencies]\n{}tokio = {{ version = \"1\", features = [\"rt-multi-thread\", \"macros\"] }}\n",
            support::DEPENDENCIES
        ),
    );
    krate.build_program(&code, MAIN);
    let bus = test_bus::PrivateBus::open(None).expect("a private bus");
    let printed = String::from_utf8_lossy(&krate.run_on(&bus).stdout).into_owned();
    assert_eq!(printed, "127.0.0.1:4242 Credentials\nsince -1\nRoom\n");
}
