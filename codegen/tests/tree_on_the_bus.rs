//! Nothing of the toolkit's on the bus: every signal sent while a generated tree is served is
//! recorded, in each configuration a service may build (zbus's `object-manager` feature on or
//! off; the name owned before the tree is served, or after), and none names an object but the
//! service's own. The file's properties are not in alphabetical order (`Label`, `Count`):
//! busctl and gdbus print `GetManagedObjects` in the file's order, and so come the
//! `InterfacesAdded` that the tree sends.

mod support;

use std::collections::{BTreeSet, HashMap};
use std::process::Command;
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

/// What one signal of the service said.
#[derive(Debug)]
struct Signal {
    member: String,
    /// The object paths it names: its own, and the one in an ObjectManager signal's body.
    paths: Vec<String>,
    /// For an `InterfacesAdded`: whether `Label` comes before `Count`, as the file declares
    /// them (a hash map's order would put them either way).
    in_declared_order: Option<bool>,
}

impl Signal {
    fn of(message: &zbus::Message) -> Self {
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
            _ => {
                return Self {
                    member,
                    paths,
                    in_declared_order: None,
                };
            }
        };
        paths.push(object.expect("an ObjectManager signal's body").to_string());
        let bytes: &[u8] = body.data();
        let at = |name: &[u8]| bytes.windows(name.len()).position(|w| w == name);
        let in_declared_order = (member == "InterfacesAdded").then(|| at(b"Label") < at(b"Count"));
        Self {
            member,
            paths,
            in_declared_order,
        }
    }
}

/// What a client saw of one configuration.
struct Recorded {
    /// Whether zbus announced the tree (`Tree::zbus_announces`).
    announces: bool,
    /// Every signal the service sent.
    signals: Vec<Signal>,
    /// `GetManagedObjects` as busctl and gdbus print it.
    managed: [String; 2],
}

/// `GetManagedObjects` of the tree as `busctl` and `gdbus` print it (in the order received).
fn managed_objects(bus: &test_bus::PrivateBus) -> [String; 2] {
    let busctl = Command::new("busctl")
        .arg(format!("--address={}", bus.address()))
        .args([
            "--timeout=20",
            "call",
            "org.example.Things",
            "/org/example/Things",
        ])
        .args(["org.freedesktop.DBus.ObjectManager", "GetManagedObjects"])
        .output()
        .expect("busctl runs (Debian package systemd)");
    let gdbus = Command::new("gdbus")
        .args([
            "call",
            "--address",
            bus.address(),
            "--dest",
            "org.example.Things",
        ])
        .args(["--object-path", "/org/example/Things"])
        .args([
            "--method",
            "org.freedesktop.DBus.ObjectManager.GetManagedObjects",
        ])
        .output()
        .expect("gdbus runs (Debian package libglib2.0-bin)");
    [busctl, gdbus].map(|output| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// Serves the tree of `krate` on a fresh bus while a client records every signal.
async fn record(krate: &GeneratedCrate, name_first: bool) -> Recorded {
    let bus = test_bus::PrivateBus::open(None).expect("a private bus");
    let recorder = zbus::connection::Builder::address(bus.address())
        .build()
        .await
        .expect("a recording connection");
    let rule = zbus::MatchRule::builder()
        .msg_type(zbus::message::Type::Signal)
        .build()
        .expect("a match rule of every signal");
    let mut stream =
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
        .unwrap_or_else(|_| {
            panic!(
                "{} (name first: {name_first}) did not answer GetManagedObjects within {:?}: \
                 its tree holds a lock of the object server, or its connection stopped reading",
                krate.name(),
                test_bus::WAIT
            )
        })
        .expect("GetManagedObjects");
    let listed: BTreeSet<String> = objects.keys().map(|p| p.to_string()).collect();
    assert_eq!(listed, BTreeSet::from(["/org/example/Things/a".to_owned()]));
    let managed = managed_objects(&bus);
    let mut signals = Vec::new();
    let deadline = Instant::now() + Duration::from_millis(500);
    while let Ok(Some(Ok(message))) = tokio::time::timeout_at(deadline.into(), stream.next()).await
    {
        let from_bus = message
            .header()
            .sender()
            .is_some_and(|sender| sender.as_str() == "org.freedesktop.DBus");
        if !from_bus {
            signals.push(Signal::of(&message));
        }
    }
    drop(served);
    Recorded {
        announces,
        signals,
        managed,
    }
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

fn check(configuration: &str, feature: bool, recorded: &Recorded) {
    let Recorded {
        announces,
        signals,
        managed,
    } = recorded;
    assert_eq!(*announces, feature, "{configuration}: zbus_announces");
    for signal in signals {
        for path in &signal.paths {
            assert!(
                OWN.contains(&path.as_str()),
                "{configuration}: the signal {} names {path}, which the service never made: \
                 {signals:?}",
                signal.member
            );
        }
    }
    // The recorder works: it saw the objects come and go.
    let names = |member: &str, path: &str| {
        signals
            .iter()
            .any(|s| s.member == member && s.paths.iter().any(|p| p == path))
    };
    assert!(
        names("InterfacesAdded", "/org/example/Things/a"),
        "{configuration}: no InterfacesAdded for a: {signals:?}"
    );
    assert!(
        names("InterfacesRemoved", "/org/example/Things/b"),
        "{configuration}: no InterfacesRemoved for b: {signals:?}"
    );
    // Properties in the file's order: always in GetManagedObjects (the tree answers it), and
    // in InterfacesAdded where the tree announces (zbus announces in hash order).
    assert_eq!(
        managed,
        &[
            r#"a{oa{sa{sv}}} 1 "/org/example/Things/a" 1 "org.example.Thing" 2 "Label" s "a" "Count" u 1"#.to_owned(),
            "({objectpath '/org/example/Things/a': {'org.example.Thing': {'Label': <'a'>, 'Count': <uint32 1>}}},)".to_owned(),
        ],
        "{configuration}"
    );
    if !announces {
        for signal in signals {
            assert_ne!(
                signal.in_declared_order,
                Some(false),
                "{configuration}: {signal:?} lists Count before Label"
            );
        }
    }
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
            let recorded = record(&krate, name_first).await;
            check(&configuration, feature, &recorded);
        }
    }
}
