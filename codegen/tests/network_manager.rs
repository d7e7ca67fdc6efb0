//! A tree across files, with NetworkManager's own interface files (one interface a file, as
//! Debian's network-manager-dev ships them): generated together by one builder, served as
//! NetworkManager serves them (the manager object and two devices, each `Device` plus
//! `Device.Wired` or `Device.Statistics`, under one ObjectManager at `/org/freedesktop`), and
//! followed while objects come and go by the generated `watch` (every interface typed, none
//! `Other`) and by GDBus's `Gio.DBusObjectManagerClient`; the toolkit's `monitor` finds that
//! all of that traffic keeps the files.

mod support;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::Instant;

use dbus_xml_codegen::Builder;
use support::GeneratedCrate;
use test_bus::{Lines, WAIT};

/// The files of the test, as NetworkManager names them.
const FILES: [&str; 4] = [
    "org.freedesktop.NetworkManager.xml",
    "org.freedesktop.NetworkManager.Device.xml",
    "org.freedesktop.NetworkManager.Device.Wired.xml",
    "org.freedesktop.NetworkManager.Device.Statistics.xml",
];

/// Where the corpus (`DBUS_XML_CORPUS`, as `.ci/run` sets it) or the machine has them.
fn network_manager_files() -> Option<Vec<PathBuf>> {
    let mut folders: Vec<PathBuf> = std::env::var("DBUS_XML_CORPUS")
        .map(|dirs| std::env::split_paths(&dirs).collect())
        .unwrap_or_default();
    let fetched = !folders.is_empty();
    folders.push("/usr/share/dbus-1/interfaces".into());
    let folder = folders.into_iter().find(|f| f.join(FILES[0]).exists());
    assert!(
        folder.is_some() || !fetched,
        "DBUS_XML_CORPUS is set but holds no {} (scripts/fetch-corpus fetches it with \
         network-manager-dev)",
        FILES[0]
    );
    folder.map(|folder| FILES.iter().map(|file| folder.join(file)).collect())
}

const MAIN: &str = r#"mod api {
    include!("api.rs");
}

use api::device::device_server::{Device, DeviceServer};
use api::device_statistics::statistics_server::{Statistics, StatisticsServer};
use api::device_wired::wired_server::{Wired, WiredServer};
use api::network_manager::network_manager_server::{NetworkManager, NetworkManagerServer};
use api::object_manager::{Change, Interface, Object, Tree};
use futures_util::StreamExt;
use tokio::io::AsyncBufReadExt;
use zbus::fdo;

const NAME: &str = "org.freedesktop.NetworkManager";
const DEVICES: &str = "/org/freedesktop/NetworkManager/Devices";

struct Manager;

impl NetworkManager for Manager {
    type Error = fdo::Error;

    async fn version(&self) -> fdo::Result<String> {
        Ok("1.42.4".into())
    }
}

struct Nic(&'static str);

impl Device for Nic {
    type Error = fdo::Error;

    async fn driver(&self) -> fdo::Result<String> {
        Ok(self.0.into())
    }
}

impl Wired for Nic {
    type Error = fdo::Error;

    async fn speed(&self) -> fdo::Result<u32> {
        Ok(1000)
    }
}

impl Statistics for Nic {
    type Error = fdo::Error;

    async fn refresh_rate_ms(&self) -> fdo::Result<u32> {
        Ok(500)
    }
}

fn wired(driver: &'static str) -> Object {
    let nic = std::sync::Arc::new(Nic(driver));
    Object::new()
        .with(DeviceServer::from_arc(nic.clone()))
        .with(WiredServer::from_arc(nic))
}

/// Serves NetworkManager's tree, then adds device 3 on `add` and removes device 2 on
/// `remove` (lines on stdin), saying `added` and `removed` when done.
async fn serve(address: &str) -> zbus::Result<()> {
    let connection = zbus::connection::Builder::address(address).build().await?;
    let tree = Tree::serve(&connection, "/org/freedesktop").await?;
    let manager = Object::new().with(NetworkManagerServer::new(Manager));
    tree.add("/org/freedesktop/NetworkManager", manager).await?;
    tree.add(format!("{DEVICES}/1").as_str(), wired("e1000e")).await?;
    let nic = std::sync::Arc::new(Nic("r8169"));
    let counted = Object::new()
        .with(DeviceServer::from_arc(nic.clone()))
        .with(StatisticsServer::from_arc(nic));
    tree.add(format!("{DEVICES}/2").as_str(), counted).await?;
    connection.request_name(NAME).await?;
    println!("ready");
    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    while let Some(line) = lines.next_line().await? {
        match line.as_str() {
            "add" => {
                tree.add(format!("{DEVICES}/3").as_str(), wired("igb")).await?;
                println!("added");
            }
            "remove" => {
                tree.remove(format!("{DEVICES}/2").as_str()).await?;
                println!("removed");
            }
            other => panic!("no command {other}"),
        }
    }
    Ok(())
}

/// An interface as the generated watch hands it out, with a property read through its
/// typed proxy.
async fn described(interface: &Interface) -> zbus::Result<String> {
    Ok(match interface {
        Interface::NetworkManager(proxy, _) => format!("NetworkManager({})", proxy.version().await?),
        Interface::Device(proxy, _) => format!("Device({})", proxy.driver().await?),
        Interface::Wired(proxy, _) => format!("Wired({})", proxy.speed().await?),
        Interface::Statistics(proxy, _) => format!("Statistics({})", proxy.refresh_rate_ms().await?),
        Interface::Other(name, _) => format!("Other({name})"),
    })
}

async fn say_object(what: &str, object: &api::object_manager::ObjectProxies) -> zbus::Result<()> {
    let mut words = vec![what.to_owned(), object.path.to_string()];
    for interface in &object.interfaces {
        words.push(described(interface).await?);
    }
    println!("{}", words.join(" "));
    Ok(())
}

/// Follows the tree with the generated watch, one line an object or change.
async fn watch(address: &str) -> zbus::Result<()> {
    let connection = zbus::connection::Builder::address(address).build().await?;
    let (objects, mut changes) = api::object_manager::watch(&connection, NAME, "/org/freedesktop").await?;
    for object in &objects {
        say_object("present", object).await?;
    }
    println!("ready");
    while let Some(change) = changes.next().await {
        match change {
            Change::Added(object) => say_object("added", &object).await?,
            Change::Removed { path, interfaces } => {
                let names: Vec<String> = interfaces.iter().map(|i| i.to_string()).collect();
                println!("removed {path} {}", names.join(" "));
            }
        }
    }
    Ok(())
}

#[tokio::main]
async fn main() -> zbus::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args[1].as_str() {
        "serve" => serve(&args[0]).await,
        _ => watch(&args[0]).await,
    }
}
"#;

/// A program of the test's, with its stdin and its stdout's lines.
struct Running {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Lines,
    what: String,
}

impl Running {
    fn start(program: &mut Command, what: &str) -> Self {
        let mut child = program
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{what} starts: {e}"));
        let stdin = child.stdin.take();
        let lines = Lines::of(child.stdout.take().expect("piped stdout"));
        Self {
            child,
            stdin,
            lines,
            what: what.to_owned(),
        }
    }

    /// The next line, waiting for `waited_for`.
    fn next(&self, waited_for: &str) -> String {
        self.lines
            .next_before(Instant::now() + WAIT)
            .unwrap_or_else(|| {
                panic!(
                    "{} printed nothing within {WAIT:?} while the test waited for {waited_for}: \
                     the signal never came, or it failed (its stderr above says why)",
                    self.what
                )
            })
    }

    /// The lines up to (not with) `ready`.
    fn until_ready(&self) -> Vec<String> {
        let mut lines = Vec::new();
        loop {
            let line = self.next("ready");
            if line == "ready" {
                return lines;
            }
            lines.push(line);
        }
    }

    /// Sends one command line and waits for its answer.
    fn command(&mut self, command: &str, answer: &str) {
        let stdin = self.stdin.as_mut().expect("stdin is open");
        writeln!(stdin, "{command}").expect("the service reads its stdin");
        assert_eq!(self.next(answer), answer);
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_tree_of_network_managers_files_followed_by_the_generated_watch_and_gdbus() {
    let Some(files) = network_manager_files() else {
        test_bus::skip(
            "network_manager",
            "no NetworkManager interface files (DBUS_XML_CORPUS=$(scripts/fetch-corpus))",
        );
        return;
    };
    let builder = Builder::new()
        .service("org.freedesktop.NetworkManager")
        .object_manager(true)
        .default_impls(true);
    let documents: Vec<_> = files
        .iter()
        .map(|file| {
            (
                file.clone(),
                builder.read(file).expect("NetworkManager's file reads"),
            )
        })
        .collect();
    let code = builder
        .generate_together("network_manager", &documents)
        .expect("the files generate together");
    let krate = GeneratedCrate::with_manifest(
        "network-manager-tree",
        &format!(
            "[dependencies]\n{}{}",
            support::DEPENDENCIES,
            r#"tokio = { version = "1", features = ["rt-multi-thread", "macros", "io-std", "io-util"] }
futures-util = { version = "0.3", default-features = false }
"#
        ),
    );
    krate.build_program(&code, MAIN);
    let binary = krate.binary("network-manager-tree");

    let bus = test_bus::PrivateBus::open(None).expect("a private bus");
    let monitor =
        support::Monitored::start(&files, "org.freedesktop.NetworkManager", bus.address());
    let mut service = Running::start(
        Command::new(&binary).args([bus.address(), "serve"]),
        "the service",
    );
    assert_eq!(service.until_ready(), Vec::<String>::new());
    let generated = Running::start(
        Command::new(&binary).args([bus.address(), "watch"]),
        "the generated watch",
    );
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/library/tests/watch_tree.py"
    );
    let gdbus = Running::start(
        Command::new("/usr/bin/python3").args([
            script,
            bus.address(),
            "org.freedesktop.NetworkManager",
            "/org/freedesktop",
        ]),
        "GDBusObjectManagerClient",
    );

    // Every interface typed, from every file; each proxy reads its own property.
    assert_eq!(
        generated.until_ready(),
        [
            "present /org/freedesktop/NetworkManager NetworkManager(1.42.4)",
            "present /org/freedesktop/NetworkManager/Devices/1 Device(e1000e) Wired(1000)",
            "present /org/freedesktop/NetworkManager/Devices/2 Device(r8169) Statistics(500)",
        ]
    );
    let present: Vec<String> = gdbus
        .until_ready()
        .iter()
        .map(|line| line.split(' ').take(3).collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(
        present,
        [
            "present /org/freedesktop/NetworkManager org.freedesktop.NetworkManager",
            "present /org/freedesktop/NetworkManager/Devices/1 org.freedesktop.NetworkManager.Device",
            "present /org/freedesktop/NetworkManager/Devices/1 org.freedesktop.NetworkManager.Device.Wired",
            "present /org/freedesktop/NetworkManager/Devices/2 org.freedesktop.NetworkManager.Device",
            "present /org/freedesktop/NetworkManager/Devices/2 org.freedesktop.NetworkManager.Device.Statistics",
        ]
    );

    // An object comes with both its interfaces at once, and one goes.
    service.command("add", "added");
    assert_eq!(
        generated.next("device 3 added"),
        "added /org/freedesktop/NetworkManager/Devices/3 Device(igb) Wired(1000)"
    );
    let added: Vec<String> = (0..2).map(|_| gdbus.next("device 3 added")).collect();
    let heads: Vec<String> = added
        .iter()
        .map(|line| line.split(' ').take(3).collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(
        heads,
        [
            "object-added /org/freedesktop/NetworkManager/Devices/3 org.freedesktop.NetworkManager.Device",
            "object-added /org/freedesktop/NetworkManager/Devices/3 org.freedesktop.NetworkManager.Device.Wired",
        ]
    );
    // GDBus has the properties that came with the object, the implemented ones included.
    assert!(added[0].contains("Driver=igb"), "{added:?}");
    assert!(added[1].contains("Speed=1000"), "{added:?}");
    service.command("remove", "removed");
    assert_eq!(
        generated.next("device 2 removed"),
        "removed /org/freedesktop/NetworkManager/Devices/2 org.freedesktop.NetworkManager.Device org.freedesktop.NetworkManager.Device.Statistics"
    );
    assert_eq!(
        gdbus.next("device 2 removed"),
        "object-removed /org/freedesktop/NetworkManager/Devices/2"
    );

    // All that traffic (GetManagedObjects, InterfacesAdded, GetAll, Get, from zbus and GDBus
    // clients) kept NetworkManager's own files.
    let (code, printed) = monitor.finish();
    let summary = printed.lines().last().unwrap_or_default();
    assert!(summary.starts_with("0 violations in "), "{printed}");
    let calls: usize = summary["0 violations in ".len()..]
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a count of calls");
    assert!(calls > 0, "{printed}");
    assert_eq!(code, Some(0), "{printed}");
    eprintln!("the monitor of the tree: {summary}");
}
