//! `dbus-xml-codegen check`: a live object on a private bus against an interface file, through
//! the command as a user runs it.

mod support;

use std::process::Output;

use dbus_xml_codegen::Builder;
use support::GeneratedCrate;
use zbus::object_server::SignalEmitter;

const COUNTER: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/org.example.Counter.xml"
);

/// An object that serves `org.example.Counter` as the fixture declares it.
struct Faithful;

#[zbus::interface(name = "org.example.Counter")]
impl Faithful {
    #[zbus(name = "add", out_args("total"))]
    async fn add(&self, amount: u32) -> u64 {
        amount.into()
    }

    #[zbus(signal, name = "changed")]
    async fn changed(emitter: &SignalEmitter<'_>, total: u64) -> zbus::Result<()>;

    #[zbus(property, name = "Step")]
    async fn step(&self) -> u32 {
        1
    }

    #[zbus(property, name = "Step")]
    async fn set_step(&mut self, _value: u32) {}
}

/// The same interface drifted: `add` takes a signed amount, and `Step` became read-only.
struct Drifted;

#[zbus::interface(name = "org.example.Counter")]
impl Drifted {
    #[zbus(name = "add", out_args("total"))]
    async fn add(&self, amount: i32) -> u64 {
        amount.unsigned_abs().into()
    }

    #[zbus(signal, name = "changed")]
    async fn changed(emitter: &SignalEmitter<'_>, total: u64) -> zbus::Result<()>;

    #[zbus(property, name = "Step")]
    async fn step(&self) -> u32 {
        1
    }
}

async fn check(bus: &test_bus::PrivateBus, extra: &[&str]) -> Output {
    check_file(bus, COUNTER, extra).await
}

/// `check FILE --dest org.example.Counter EXTRA` on `bus`.
async fn check_file(bus: &test_bus::PrivateBus, file: &str, extra: &[&str]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_dbus-xml-codegen"))
        .args(["check", file, "--dest", "org.example.Counter"])
        .args(["--address", bus.address()])
        .args(extra)
        .kill_on_drop(true)
        .output()
        .await
        .expect("dbus-xml-codegen runs")
}

async fn serve(
    bus: &test_bus::PrivateBus,
    object: impl zbus::object_server::Interface,
) -> zbus::Connection {
    zbus::connection::Builder::address(bus.address())
        .name("org.example.Counter")
        .serve_at("/org/example/Counter", object)
        .build()
        .await
        .expect("the object is served")
}

#[tokio::test]
async fn a_faithful_object_passes_strict_at_the_path_the_xml_names() {
    let bus = test_bus::PrivateBus::open(None).expect("a private bus");
    let _service = serve(&bus, Faithful).await;
    let output = tokio::time::timeout(test_bus::WAIT, check(&bus, &["--strict"]))
        .await
        .expect("check ends in time");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.ends_with("0 breaking, 0 compatible\n"), "{stdout}");
    assert!(
        stdout.contains("standard interfaces (added by the bus library)"),
        "{stdout}"
    );
}

/// The standard interfaces as `gdbus introspect --xml` captures them from a GDBus service:
/// with their arguments' names, which zbus does not serve.
const GDBUS_STANDARD_INTERFACES: &str = r#"  <interface name="org.freedesktop.DBus.Properties">
    <method name="Get">
      <arg type="s" name="interface_name" direction="in"/>
      <arg type="s" name="property_name" direction="in"/>
      <arg type="v" name="value" direction="out"/>
    </method>
    <method name="GetAll">
      <arg type="s" name="interface_name" direction="in"/>
      <arg type="a{sv}" name="properties" direction="out"/>
    </method>
    <method name="Set">
      <arg type="s" name="interface_name" direction="in"/>
      <arg type="s" name="property_name" direction="in"/>
      <arg type="v" name="value" direction="in"/>
    </method>
    <signal name="PropertiesChanged">
      <arg type="s" name="interface_name"/>
      <arg type="a{sv}" name="changed_properties"/>
      <arg type="as" name="invalidated_properties"/>
    </signal>
  </interface>
  <interface name="org.freedesktop.DBus.Introspectable">
    <method name="Introspect">
      <arg type="s" name="xml_data" direction="out"/>
    </method>
  </interface>
  <interface name="org.freedesktop.DBus.Peer">
    <method name="Ping"/>
    <method name="GetMachineId">
      <arg type="s" name="machine_uuid" direction="out"/>
    </method>
  </interface>
"#;

#[tokio::test]
async fn a_file_captured_from_a_gdbus_service_checks_clean_against_a_faithful_zbus_server() {
    let counter = std::fs::read_to_string(COUNTER).expect("the fixture");
    let captured = counter.replacen("</node>", &format!("{GDBUS_STANDARD_INTERFACES}</node>"), 1);
    let file = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("captured-counter.xml");
    std::fs::write(&file, captured).expect("the captured file");
    let bus = test_bus::PrivateBus::open(None).expect("a private bus");
    let _service = serve(&bus, Faithful).await;
    let check = check_file(&bus, file.to_str().expect("a UTF-8 path"), &["--strict"]);
    let output = tokio::time::timeout(test_bus::WAIT, check)
        .await
        .expect("check ends in time");
    let stdout = String::from_utf8_lossy(&output.stdout);
    // Standard interfaces are compared by what their specification fixes: names,
    // signatures, directions; not by the argument names each library gives them.
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.ends_with("0 breaking, 0 compatible\n"), "{stdout}");
}

#[tokio::test]
async fn a_drifted_object_is_reported_with_what_old_clients_see() {
    let bus = test_bus::PrivateBus::open(None).expect("a private bus");
    let _service = serve(&bus, Drifted).await;
    let output = tokio::time::timeout(test_bus::WAIT, check(&bus, &[]))
        .await
        .expect("check ends in time");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[..2],
        [
            "breaking: interface org.example.Counter, method add: signature changed from (in u, out t) to (in i, out t); old clients: calls fail with org.freedesktop.DBus.Error.InvalidArgs",
            "breaking: interface org.example.Counter, property Step: access changed from readwrite to read; old clients: Set fails with org.freedesktop.DBus.Error.PropertyReadOnly",
        ],
        "{stdout}"
    );
    assert!(stdout.ends_with("2 breaking, 0 compatible\n"), "{stdout}");
}

#[tokio::test]
async fn no_object_exits_2() {
    let bus = test_bus::PrivateBus::open(None).expect("a private bus");
    let output = tokio::time::timeout(test_bus::WAIT, check(&bus, &[]))
        .await
        .expect("check ends in time");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot introspect org.example.Counter /org/example/Counter"),
        "{stderr}"
    );
}

const TREE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/org.example.Tree.xml"
);

/// The fixture's root object.
struct Root;

#[zbus::interface(name = "org.example.Tree")]
impl Root {
    #[zbus(name = "Count", out_args("leaves"))]
    async fn count(&self) -> u32 {
        1
    }
}

/// The fixture's branch, drifted: `Grow` takes a number instead of a name.
struct DriftedBranch;

#[zbus::interface(name = "org.example.Branch")]
impl DriftedBranch {
    #[zbus(name = "Grow", out_args("leaf"))]
    async fn grow(&self, _name: u32) -> zbus::OwnedObjectPath {
        zbus::OwnedObjectPath::try_from("/org/example/Tree/branch/leaf").unwrap()
    }

    #[zbus(property, name = "Length")]
    async fn length(&self) -> u32 {
        3
    }
}

/// The fixture's leaf, as declared.
struct Leaf;

#[zbus::interface(name = "org.example.Leaf")]
impl Leaf {
    #[zbus(signal, name = "Fell")]
    async fn fell(emitter: &SignalEmitter<'_>, when: u64) -> zbus::Result<()>;
}

async fn check_tree(bus: &test_bus::PrivateBus, extra: &[&str]) -> (Option<i32>, String) {
    let args = [&["check", TREE, "--dest", "org.example.Tree"], extra].concat();
    support::codegen_on(bus, &args).await
}

#[tokio::test]
async fn check_recursive_finds_a_drifted_child_object_that_the_root_check_cannot_see() {
    let bus = test_bus::PrivateBus::open(None).expect("a private bus");
    let _service = zbus::connection::Builder::address(bus.address())
        .name("org.example.Tree")
        .serve_at("/org/example/Tree", Root)
        .serve_at("/org/example/Tree/branch", DriftedBranch)
        .serve_at("/org/example/Tree/branch/leaf", Leaf)
        .build()
        .await
        .expect("the tree is served");

    let (code, output) = check_tree(&bus, &[]).await;
    assert_eq!(code, Some(0), "{output}");
    assert!(
        output.contains(
            "compared the root object only; not its 2 child node(s) (branch, branch/leaf): \
             --recursive compares them too"
        ),
        "{output}"
    );

    let (code, output) = check_tree(&bus, &["--recursive"]).await;
    assert_eq!(code, Some(1), "{output}");
    let breaking: Vec<&str> = output
        .lines()
        .filter(|l| l.starts_with("breaking"))
        .collect();
    assert_eq!(
        breaking,
        [
            "breaking: node /org/example/Tree/branch, interface org.example.Branch, method Grow: \
             signature changed from (in s, out o) to (in u, out o); old clients: calls fail with \
             org.freedesktop.DBus.Error.InvalidArgs"
        ],
        "{output}"
    );
    assert!(output.ends_with("1 breaking, 0 compatible\n"), "{output}");
}

/// The tree fixture's generated code, served at the paths its `nodes` constants name.
const TREE_MAIN: &str = r#"mod api {
    include!("api.rs");
}

use api::branch_server::{Branch, BranchCall, BranchServer};
use api::leaf_server::{Leaf, LeafServer};
use api::tree_server::{Tree, TreeCall, TreeServer};
use api::{OBJECT_PATH, nodes};
use zbus::fdo;

struct Root;

impl Tree for Root {
    type Error = fdo::Error;

    async fn count(&self, _call: &TreeCall<'_>) -> fdo::Result<u32> {
        Ok(1)
    }
}

struct OneBranch;

impl Branch for OneBranch {
    type Error = fdo::Error;

    async fn grow(&self, _name: String, _call: &BranchCall<'_>) -> fdo::Result<zbus::OwnedObjectPath> {
        let leaf = format!("{OBJECT_PATH}/{}", nodes::BRANCH_LEAF);
        Ok(zbus::OwnedObjectPath::try_from(leaf).map_err(zbus::Error::from)?)
    }

    async fn length(&self) -> fdo::Result<u32> {
        Ok(1)
    }
}

struct OneLeaf;

impl Leaf for OneLeaf {
    type Error = fdo::Error;
}

#[tokio::main]
async fn main() -> zbus::Result<()> {
    let address = std::env::args().nth(1).expect("a bus address");
    let _service = zbus::connection::Builder::address(address.as_str())
        .name("org.example.Tree")
        .serve_at(OBJECT_PATH, TreeServer::new(Root))
        .serve_at(format!("{OBJECT_PATH}/{}", nodes::BRANCH), BranchServer::new(OneBranch))
        .serve_at(format!("{OBJECT_PATH}/{}", nodes::BRANCH_LEAF), LeafServer::new(OneLeaf))
        .build()
        .await?;
    println!("ready");
    std::future::pending::<()>().await;
    Ok(())
}
"#;

#[tokio::test]
async fn the_generated_tree_checks_clean_recursively_and_its_clients_generate_back() {
    let xml = std::fs::read_to_string(TREE).expect("the fixture");
    let code = Builder::new()
        .service("org.example.Tree")
        .generate(std::path::Path::new(TREE), &xml)
        .expect("the fixture generates");
    let krate = GeneratedCrate::new("tree");
    krate.build_program(&code, TREE_MAIN);

    let bus = test_bus::PrivateBus::open(None).expect("a private bus");
    let _served = krate.serve("tree", &bus, &[]);

    let (code, output) = check_tree(&bus, &["--recursive", "--strict"]).await;
    assert_eq!(code, Some(0), "{output}");
    assert!(output.ends_with("0 breaking, 0 compatible\n"), "{output}");

    // And back: clients of the live tree, generated from it, with its paths.
    let generate = tokio::process::Command::new(env!("CARGO_BIN_EXE_dbus-xml-codegen"))
        .args([
            "generate",
            "--dest",
            "org.example.Tree",
            "--path",
            "/org/example/Tree",
        ])
        .args(["--recursive", "--client-only", "--address", bus.address()])
        .output();
    let generate = tokio::time::timeout(test_bus::WAIT, generate)
        .await
        .expect("generate ends in time")
        .expect("dbus-xml-codegen runs");
    let code = String::from_utf8_lossy(&generate.stdout);
    assert!(
        generate.status.success(),
        "{}",
        String::from_utf8_lossy(&generate.stderr)
    );
    for expected in [
        "pub mod tree_client",
        "pub mod branch_client",
        "pub mod leaf_client",
        "pub const BRANCH_LEAF: &str = \"branch/leaf\";",
    ] {
        assert!(code.contains(expected), "no {expected} in:\n{code}");
    }
    let clients = GeneratedCrate::new("tree_clients");
    clients.build_program(
        &code,
        "mod api {\n    include!(\"api.rs\");\n}\n\nfn main() {\n    \
         let _: Option<api::leaf_client::LeafProxy<'static>> = None;\n    \
         println!(\"{}/{}\", api::OBJECT_PATH, api::nodes::BRANCH_LEAF);\n}\n",
    );
}
