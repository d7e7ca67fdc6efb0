//! Trees of objects with `org.freedesktop.DBus.ObjectManager`, checked with `check
//! --recursive`: a real-world tree file (bolt's, from the corpus) served as a tree by its
//! generated code with default bodies, and a hand-written manager whose announcements drift.

mod support;

use std::collections::HashMap;

use futures_util::StreamExt;

use dbus_xml_codegen::Builder;
use support::GeneratedCrate;
use zbus::{OwnedObjectPath, OwnedVariant};

/// Runs `dbus-xml-codegen check --recursive FILE --dest NAME --path PATH` on `bus`, with
/// `extra`; its exit code and everything it printed.
async fn check_recursive(
    bus: &test_bus::PrivateBus,
    file: &str,
    name: &str,
    path: &str,
    extra: &[&str],
) -> (Option<i32>, String) {
    let args = ["check", "--recursive", file, "--dest", name, "--path", path];
    support::codegen_on(bus, &[&args[..], extra].concat()).await
}

/// bolt's interface file from the fetched corpus (`DBUS_XML_CORPUS`, as `.ci/run` sets it),
/// or from the machine.
fn bolt_file() -> Option<std::path::PathBuf> {
    let mut folders: Vec<std::path::PathBuf> = std::env::var("DBUS_XML_CORPUS")
        .map(|dirs| std::env::split_paths(&dirs).collect())
        .unwrap_or_default();
    let fetched = !folders.is_empty();
    folders.push("/usr/share/dbus-1/interfaces".into());
    let found = folders
        .iter()
        .map(|folder| folder.join("org.freedesktop.bolt.xml"))
        .find(|file| file.exists());
    assert!(
        found.is_some() || !fetched,
        "DBUS_XML_CORPUS is set but holds no org.freedesktop.bolt.xml (scripts/fetch-corpus \
         fetches it with the bolt package)"
    );
    found
}

/// bolt's tree as its generated code serves it with default bodies: the manager object
/// (Manager, Power) and, below it, two devices and a domain (with its host's Device), at the
/// paths boltd uses, made from ids with `-` in them.
const BOLT_MAIN: &str = r#"mod api {
    include!("api.rs");
}

use api::device_server::{Device, DeviceServer};
use api::domain_server::{Domain, DomainServer};
use api::manager_server::{Manager, ManagerServer};
use api::object_manager::{Object, Tree};
use api::power_server::{Power, PowerServer};

/// Implements nothing: every member answers as default bodies do.
struct Nothing;

impl Manager for Nothing {
    type Error = zbus::fdo::Error;
}

impl Power for Nothing {
    type Error = zbus::fdo::Error;
}

impl Device for Nothing {
    type Error = zbus::fdo::Error;
}

impl Domain for Nothing {
    type Error = zbus::fdo::Error;
}

#[tokio::main]
async fn main() -> zbus::Result<()> {
    let address = std::env::args().nth(1).expect("a bus address");
    let connection = zbus::connection::Builder::address(address.as_str()).build().await?;
    let tree = Tree::serve(&connection, "/org/freedesktop/bolt").await?;
    let server = connection.object_server();
    server.at("/org/freedesktop/bolt", ManagerServer::new(Nothing)).await?;
    server.at("/org/freedesktop/bolt", PowerServer::new(Nothing)).await?;
    for uid in ["c0b1e2f3-0001-4a2b-8c00-000000000001", "c0b1e2f3-0002-4a2b-8c00-000000000002"] {
        let object = Object::new().with(DeviceServer::new(Nothing));
        tree.add(&tree.object_path(["devices", uid]), object).await?;
    }
    // One object with two interfaces: the domain and its host controller.
    let domain = Object::new()
        .with(DomainServer::new(Nothing))
        .with(DeviceServer::new(Nothing));
    tree.add(&tree.object_path(["domains", "domain0"]), domain).await?;
    connection.request_name("org.freedesktop.bolt").await?;
    println!("ready");
    std::future::pending::<()>().await;
    Ok(())
}
"#;

#[tokio::test]
async fn bolt_served_as_a_tree_with_default_bodies_checks_clean_recursively() {
    let Some(bolt) = bolt_file() else {
        test_bus::skip(
            "tree (bolt)",
            "no org.freedesktop.bolt.xml (DBUS_XML_CORPUS=$(scripts/fetch-corpus))",
        );
        return;
    };
    let code = Builder::new()
        .default_impls(true)
        .object_manager(true)
        .generate_file(&bolt)
        .expect("bolt's file generates");
    let krate = GeneratedCrate::new("bolt_tree");
    krate.build_program(&code, BOLT_MAIN);
    let bus = test_bus::PrivateBus::open(None).expect("a private bus");
    // Every InterfacesAdded on the bus, from before the service starts.
    let connection = bus.connect().await.expect("a connection");
    let rule = zbus::MatchRule::builder()
        .msg_type(zbus::message::Type::Signal)
        .interface("org.freedesktop.DBus.ObjectManager")
        .member("InterfacesAdded")
        .build()
        .expect("a match rule");
    let mut announced = zbus::MessageStream::for_match_rule(rule, &connection, None)
        .await
        .expect("a subscription");
    let _served = krate.serve("bolt_tree", &bus, &[]);

    // One signal an object, with all its interfaces and their properties.
    let mut objects = Vec::new();
    while objects.len() < 3 {
        let message = tokio::time::timeout(test_bus::WAIT, announced.next())
            .await
            .expect("the tree announces its three objects in time")
            .expect("the stream goes on")
            .expect("a message");
        let (path, interfaces): (
            OwnedObjectPath,
            HashMap<String, HashMap<String, OwnedVariant>>,
        ) = message
            .body()
            .deserialize()
            .expect("InterfacesAdded's arguments");
        let mut names: Vec<String> = interfaces.into_keys().collect();
        names.sort();
        objects.push(format!("{} {}", path.as_str(), names.join(" ")));
    }
    objects.sort();
    assert_eq!(
        objects,
        [
            "/org/freedesktop/bolt/devices/c0b1e2f3_2d0001_2d4a2b_2d8c00_2d000000000001 \
             org.freedesktop.bolt1.Device",
            "/org/freedesktop/bolt/devices/c0b1e2f3_2d0002_2d4a2b_2d8c00_2d000000000002 \
             org.freedesktop.bolt1.Device",
            "/org/freedesktop/bolt/domains/domain0 org.freedesktop.bolt1.Device \
             org.freedesktop.bolt1.Domain",
        ]
    );
    // Nothing more: the service answers a Ping after every signal it sent before.
    zbus::fdo::PeerProxy::builder(&connection)
        .destination("org.freedesktop.bolt")
        .path("/org/freedesktop/bolt")
        .build()
        .await
        .expect("a Peer proxy")
        .ping()
        .await
        .expect("the service answers Ping");
    let more = tokio::time::timeout(std::time::Duration::from_millis(100), announced.next()).await;
    assert!(more.is_err(), "a fourth InterfacesAdded: {more:?}");

    let file = bolt.to_str().expect("a UTF-8 path");
    let (code, output) = check_recursive(
        &bus,
        file,
        "org.freedesktop.bolt",
        "/org/freedesktop/bolt",
        &["--strict"],
    )
    .await;
    assert_eq!(code, Some(0), "{output}");
    assert!(output.ends_with("0 breaking, 0 compatible\n"), "{output}");

    // What a client of the manager reads: the three objects, no path node between, and
    // every property that bolt's file declares for a device, at its type's default.
    let manager = zbus::fdo::ObjectManagerProxy::builder(&connection)
        .destination("org.freedesktop.bolt")
        .path("/org/freedesktop/bolt")
        .build()
        .await
        .expect("the manager's proxy");
    let objects = manager
        .get_managed_objects()
        .await
        .expect("GetManagedObjects");
    let mut paths: Vec<&str> = objects.keys().map(|p| p.as_str()).collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "/org/freedesktop/bolt/devices/c0b1e2f3_2d0001_2d4a2b_2d8c00_2d000000000001",
            "/org/freedesktop/bolt/devices/c0b1e2f3_2d0002_2d4a2b_2d8c00_2d000000000002",
            "/org/freedesktop/bolt/domains/domain0",
        ]
    );
    let device = objects
        .iter()
        .find(|(path, _)| path.as_str() == paths[0])
        .expect("the first device")
        .1;
    let properties = &device
        .iter()
        .find(|(name, _)| name.as_str() == "org.freedesktop.bolt1.Device")
        .expect("a device carries org.freedesktop.bolt1.Device")
        .1;
    for (property, default) in [("Uid", ""), ("Name", ""), ("Vendor", "")] {
        let value = properties
            .get(property)
            .map(|v| String::try_from(v.clone()));
        assert_eq!(value, Some(Ok(default.to_owned())), "{property}");
    }
}

/// A manager that announces what the test hands it, as a drifting service might.
struct Announcing(HashMap<OwnedObjectPath, HashMap<String, HashMap<String, OwnedVariant>>>);

#[zbus::interface(name = "org.freedesktop.DBus.ObjectManager")]
impl Announcing {
    async fn get_managed_objects(
        &self,
    ) -> HashMap<OwnedObjectPath, HashMap<String, HashMap<String, OwnedVariant>>> {
        self.0.clone()
    }
}

/// The library example's shelf, as declared.
struct Shelf;

#[zbus::interface(name = "org.example.Library1.Shelf")]
impl Shelf {
    #[zbus(property, name = "Name")]
    async fn name(&self) -> String {
        "Fiction".into()
    }
}

const LIBRARY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/examples/library/interfaces/org.example.Library1.xml"
);

#[tokio::test]
async fn check_recursive_holds_get_managed_objects_to_the_file() {
    let root = "/org/example/Library1";
    let shelf = |name: &str| OwnedObjectPath::try_from(format!("{root}/shelves/{name}")).unwrap();
    // The root serves the manager alone (not org.example.Library1.Manager). Fiction is
    // announced without its Name, Poetry with a Name of the wrong type; the
    // path node `shelves` as an object without interfaces; Drama is served, not announced.
    let announced = HashMap::from([
        (
            shelf("Fiction"),
            HashMap::from([("org.example.Library1.Shelf".into(), HashMap::new())]),
        ),
        (
            shelf("Poetry"),
            HashMap::from([(
                "org.example.Library1.Shelf".into(),
                HashMap::from([("Name".into(), OwnedVariant::from(7u32))]),
            )]),
        ),
        (
            OwnedObjectPath::try_from(format!("{root}/shelves")).unwrap(),
            HashMap::new(),
        ),
    ]);
    let bus = test_bus::PrivateBus::open(None).expect("a private bus");
    let _service = zbus::connection::Builder::address(bus.address())
        .name("org.example.Library1")
        .serve_at(root, Announcing(announced))
        .serve_at(shelf("Fiction"), Shelf)
        .serve_at(shelf("Poetry"), Shelf)
        .serve_at(shelf("Drama"), Shelf)
        .build()
        .await
        .expect("the drifting tree is served");

    let (code, output) = check_recursive(&bus, LIBRARY, "org.example.Library1", root, &[]).await;
    assert_eq!(code, Some(1), "{output}");
    let lines: Vec<&str> = output
        .lines()
        .filter(|l| l.starts_with("breaking") || l.starts_with("compatible"))
        .collect();
    assert_eq!(
        lines,
        [
            "breaking: node /org/example/Library1/shelves/Drama: object not listed by \
             GetManagedObjects; old clients: clients of the object manager at \
             /org/example/Library1 never see this object",
            "breaking: node /org/example/Library1/shelves/Fiction, interface \
             org.example.Library1.Shelf, property Name: missing from GetManagedObjects; old \
             clients: clients of the object manager find the property unset (GDBus's cached \
             getter returns NULL)",
            "breaking: node /org/example/Library1/shelves/Poetry, interface \
             org.example.Library1.Shelf, property Name: announced as type u, declared s; old \
             clients: clients of the object manager cannot read the value",
            "compatible: node /org/example/Library1/shelves: listed by GetManagedObjects \
             without interfaces",
        ],
        "{output}"
    );
    assert!(
        output.contains(
            "no live object carries org.example.Library1.Manager, org.example.Library1.Book, \
             org.example.Library1.Loan: not compared"
        ),
        "{output}"
    );
}
