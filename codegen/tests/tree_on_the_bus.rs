//! Nothing of the toolkit's on the bus: every signal sent while a generated tree is served is
//! recorded, in each configuration a service may build (zbus's `object-manager` feature on or
//! off; the name owned before the tree is served, or after), and none names an object but the
//! service's own.

mod support;

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use dbus_xml_codegen::Builder;
use futures_util::StreamExt;
use support::GeneratedCrate;

/// One interface's properties, as a signal carries them.
type Properties = HashMap<String, zbus::OwnedVariant>;

const XML: &str = r#"<node>
  <interface name="org.example.Thing">
    <property name="Label" type="s" access="read"/>
    <property name="Count" type="u" access="read"/>
  </interface>
</node>
"#;

const MAIN: &str = r#"mod api {
    include!("api.rs");
}

use api::object_manager::{Object, Tree};
use api::thing_server::{Thing, ThingServer};
use zbus::fdo;

struct Named(&'static str);

impl Thing for Named {
    type Error = fdo::Error;

    async fn label(&self) -> fdo::Result<String> {
        Ok(self.0.to_owned())
    }

    async fn count(&self) -> fdo::Result<u32> {
        Ok(1)
    }
}

#[tokio::main]
async fn main() -> zbus::Result<()> {
    let mut args = std::env::args().skip(1);
    let address = args.next().expect("a bus address");
    let name_first = args.next().as_deref() == Some("--name-first");
    let builder = zbus::connection::Builder::address(address.as_str());
    let connection = if name_first {
        builder.name("org.example.Things").build().await?
    } else {
        builder.build().await?
    };
    let tree = Tree::serve(&connection, "/org/example/Things").await?;
    tree.add("/org/example/Things/a", Object::new().with(ThingServer::new(Named("a")))).await?;
    tree.add("/org/example/Things/b", Object::new().with(ThingServer::new(Named("b")))).await?;
    tree.remove("/org/example/Things/b").await?;
    if !name_first {
        connection.request_name("org.example.Things").await?;
    }
    println!("ready {}", tree.zbus_announces());
    std::future::pending::<()>().await;
    Ok(())
}
"#;

/// The generated tree service, built with zbus's `object-manager` feature or without.
fn build(object_manager_feature: bool) -> GeneratedCrate {
    let code = Builder::new()
        .object_manager(true)
        .generate(std::path::Path::new("org.example.Thing.xml"), XML)
        .expect("the file generates");
    let (name, dependencies) = if object_manager_feature {
        let features = r#"features = ["tokio", "proxy", "service""#;
        let with = format!("{features}, \"object-manager\"");
        assert!(support::DEPENDENCIES.contains(features));
        (
            "quiet-tree-zbus-om",
            support::DEPENDENCIES.replace(features, &with),
        )
    } else {
        ("quiet-tree", support::DEPENDENCIES.to_owned())
    };
    let krate = GeneratedCrate::with_manifest(
        name,
        &format!(
            "[dependencies]\n{dependencies}tokio = {{ version = \"1\", features = [\"rt-multi-thread\", \"macros\"] }}\n"
        ),
    );
    krate.build_program(&code, MAIN);
    krate
}

/// What one signal said: its member, and the object paths it names (its own, and the one in
/// an ObjectManager signal's body).
fn paths_of(message: &zbus::Message) -> (String, Vec<String>) {
    let header = message.header();
    let member = header.member().map(|m| m.to_string()).unwrap_or_default();
    let mut paths: Vec<String> = header.path().map(|p| p.to_string()).into_iter().collect();
    let body = message.body();
    let object = match member.as_str() {
        "InterfacesAdded" => body
            .deserialize::<(zbus::OwnedObjectPath, HashMap<String, Properties>)>()
            .map(|(object, _)| object),
        "InterfacesRemoved" => body
            .deserialize::<(zbus::OwnedObjectPath, Vec<String>)>()
            .map(|(object, _)| object),
        _ => return (member, paths),
    };
    paths.push(object.expect("an ObjectManager signal's body").to_string());
    (member, paths)
}

/// Serves the tree of `krate` on a fresh bus while a client records every signal; returns
/// whether zbus announced the tree, and the signals (member and paths) that the service sent.
async fn record(krate: &GeneratedCrate, name_first: bool) -> (bool, Vec<(String, Vec<String>)>) {
    let bus = test_bus::PrivateBus::open(None).expect("a private bus");
    let recorder = zbus::connection::Builder::address(bus.address())
        .build()
        .await
        .expect("a recording connection");
    let rule = zbus::MatchRule::builder()
        .msg_type(zbus::message::Type::Signal)
        .build()
        .expect("a match rule of every signal");
    let mut signals =
        zbus::MessageStream::for_match_rule(rule, &recorder, std::num::NonZeroUsize::new(1000))
            .await
            .expect("subscribed to every signal");
    let args: &[&str] = if name_first { &["--name-first"] } else { &[] };
    let (served, announces) = serve(krate, &bus, args);
    // A call answered after the service's signals: everything it sent is in by then.
    let manager = zbus::fdo::ObjectManagerProxy::builder(&recorder)
        .destination("org.example.Things")
        .path("/org/example/Things")
        .build()
        .await
        .expect("a manager proxy");
    let objects = tokio::time::timeout(test_bus::WAIT, manager.get_managed_objects())
        .await
        .expect("GetManagedObjects answers in time")
        .expect("GetManagedObjects");
    let listed: BTreeSet<String> = objects.keys().map(|p| p.to_string()).collect();
    assert_eq!(listed, BTreeSet::from(["/org/example/Things/a".to_owned()]));
    let mut recorded = Vec::new();
    let deadline = Instant::now() + Duration::from_millis(500);
    while let Ok(Some(Ok(message))) = tokio::time::timeout_at(deadline.into(), signals.next()).await
    {
        let from_bus = message
            .header()
            .sender()
            .is_some_and(|sender| sender.as_str() == "org.freedesktop.DBus");
        if !from_bus {
            recorded.push(paths_of(&message));
        }
    }
    drop(served);
    (announces, recorded)
}

/// Starts the built program on `bus` and reads whether zbus announces from its `ready` line.
fn serve(
    krate: &GeneratedCrate,
    bus: &test_bus::PrivateBus,
    args: &[&str],
) -> (support::Served, bool) {
    let name = krate.name();
    let (served, line) = krate.start(&name, bus, args);
    let announces = match line.trim() {
        "ready true" => true,
        "ready false" => false,
        other => panic!("{name} printed {other:?} instead of `ready true|false`"),
    };
    (served, announces)
}

/// The service's objects, and the tree's path: nothing else may appear in a signal.
const OWN: [&str; 3] = [
    "/org/example/Things",
    "/org/example/Things/a",
    "/org/example/Things/b",
];

fn check(
    configuration: &str,
    announces: bool,
    expected_announces: bool,
    recorded: &[(String, Vec<String>)],
) {
    assert_eq!(
        announces, expected_announces,
        "{configuration}: zbus_announces"
    );
    for (member, paths) in recorded {
        for path in paths {
            assert!(
                OWN.contains(&path.as_str()),
                "{configuration}: the signal {member} names {path}, which the service never made: {recorded:?}"
            );
        }
    }
    // The recorder works: it saw the objects come and go.
    let added: Vec<&Vec<String>> = recorded
        .iter()
        .filter(|(member, _)| member == "InterfacesAdded")
        .map(|(_, paths)| paths)
        .collect();
    assert!(
        added
            .iter()
            .any(|paths| paths.contains(&"/org/example/Things/a".to_owned())),
        "{configuration}: no InterfacesAdded for a: {recorded:?}"
    );
    assert!(
        recorded
            .iter()
            .any(|(member, paths)| member == "InterfacesRemoved"
                && paths.contains(&"/org/example/Things/b".to_owned())),
        "{configuration}: no InterfacesRemoved for b: {recorded:?}"
    );
}

#[tokio::test]
async fn no_signal_names_an_object_but_the_services_own_in_any_configuration() {
    for feature in [false, true] {
        let krate = build(feature);
        for name_first in [false, true] {
            let configuration = format!(
                "object-manager feature {}, name owned {} the tree is served",
                if feature { "on" } else { "off" },
                if name_first { "before" } else { "after" }
            );
            let (announces, recorded) = record(&krate, name_first).await;
            check(&configuration, announces, feature, &recorded);
        }
    }
}
