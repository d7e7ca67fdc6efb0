//! The library example on a private bus, watched while it changes by clients nobody here
//! wrote: GDBus's `GDBusObjectManagerClient` (PyGObject), `busctl tree` (sd-bus), `gdbus
//! introspect --recurse`, driven with `gdbus call`; and by the generated client view,
//! `object_manager::watch`.

#[allow(dead_code, unreachable_pub)]
mod api {
    include!(concat!(env!("OUT_DIR"), "/org.example.Library1.rs"));
}

use std::process::{Child, Command, Output, Stdio};
use std::time::Instant;

use api::object_manager::{Change, Interface, ObjectProxies};
use futures_util::StreamExt;
use test_bus::{Lines, PrivateBus, WAIT};

const NAME: &str = "org.example.Library1";
const PATH: &str = "/org/example/Library1";
const MANAGER: &str = "org.example.Library1.Manager";

/// The example library, serving on a private bus of its own; killed when dropped.
struct Running {
    bus: PrivateBus,
    library: Child,
}

impl Running {
    fn start() -> Self {
        let bus = PrivateBus::open(None).expect("a private dbus-daemon");
        let mut library = Command::new(env!("CARGO_BIN_EXE_library-example"))
            .args(["--address", bus.address()])
            .stdout(Stdio::piped())
            .spawn()
            .expect("the example library starts");
        let lines = Lines::of(library.stdout.take().expect("piped stdout"));
        let first = lines.next_before(Instant::now() + WAIT);
        assert_eq!(
            first.as_deref(),
            Some(format!("serving {NAME} at {PATH}").as_str()),
            "the library prints that it serves once it owns its name; it did not within \
             {WAIT:?} (its stderr says why, e.g. the name was taken)"
        );
        Self { bus, library }
    }

    /// Runs `program` with `args`, bounded by [`WAIT`].
    fn output(&self, program: &str, args: &[&str]) -> Output {
        let output = Command::new("timeout")
            .arg(WAIT.as_secs().to_string())
            .arg(program)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{program} runs: {e}"));
        assert_ne!(
            output.status.code(),
            Some(124),
            "{program} {args:?} did not finish within {WAIT:?}: the library or the bus stopped \
             answering"
        );
        output
    }

    /// `gdbus call` of `method` on the object `path`.
    fn gdbus_call(&self, path: &str, method: &str, args: &[&str]) -> Output {
        let base = ["call", "--address", self.bus.address(), "--dest", NAME];
        let target = ["--object-path", path, "--method", method];
        self.output("gdbus", &[&base[..], &target, args].concat())
    }

    /// What `gdbus call` printed, having succeeded.
    fn gdbus(&self, path: &str, method: &str, args: &[&str]) -> String {
        let output = self.gdbus_call(path, method, args);
        assert!(
            output.status.success(),
            "gdbus call {method} {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("UTF-8 output")
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.library.kill();
        let _ = self.library.wait();
    }
}

/// GDBus's object manager client, watching the library; ended when dropped.
struct Watcher {
    child: Child,
    lines: Lines,
}

impl Watcher {
    fn start(running: &Running) -> Self {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/watch_tree.py");
        let mut child = Command::new("/usr/bin/python3")
            .args([script, running.bus.address(), NAME, PATH])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs the watcher");
        let lines = Lines::of(child.stdout.take().expect("piped stdout"));
        Self { child, lines }
    }

    /// The lines up to the next `ready`, or one line: what GDBus reported next.
    fn next(&self, what: &str) -> String {
        self.lines
            .next_before(Instant::now() + WAIT)
            .unwrap_or_else(|| {
                panic!(
                    "GDBusObjectManagerClient reported nothing within {WAIT:?} while waiting \
                     for {what}: the signal never came, or the watcher failed (its stderr \
                     above says why)"
                )
            })
    }

    /// The lines before `ready`: the objects present at the start.
    fn present(&self) -> Vec<String> {
        let mut lines = Vec::new();
        loop {
            let line = self.next("the objects present at the start");
            if line == "ready" {
                return lines;
            }
            lines.push(line);
        }
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn gdbus_object_manager_client_sees_objects_and_interfaces_come_and_go() {
    let running = Running::start();
    let watcher = Watcher::start(&running);
    // What GetManagedObjects lists: the two objects, not the path nodes between them.
    assert_eq!(
        watcher.present(),
        [
            format!(
                "present {PATH}/books/1 org.example.Library1.Book \
                 Shelf={PATH}/shelves/Fiction Title=Moby-Dick"
            ),
            format!("present {PATH}/shelves/Fiction org.example.Library1.Shelf Name=Fiction"),
        ]
    );

    // A shelf with a name that an object path cannot hold as it is.
    let shelf = format!("{PATH}/shelves/Sci_2dfi_20_26_20more");
    let added = running.gdbus(PATH, &format!("{MANAGER}.AddShelf"), &["Sci-fi & more"]);
    assert_eq!(added.trim(), format!("(objectpath '{shelf}',)"));
    assert_eq!(
        watcher.next("the new shelf"),
        format!("object-added {shelf} org.example.Library1.Shelf Name=Sci-fi & more")
    );

    // A book arrives with all its properties at once.
    running.gdbus(PATH, &format!("{MANAGER}.AddBook"), &["Dune", &shelf]);
    let book = format!("{PATH}/books/2");
    assert_eq!(
        watcher.next("the new book"),
        format!("object-added {book} org.example.Library1.Book Shelf={shelf} Title=Dune")
    );

    // Lent, it gains an interface; returned, it loses it.
    running.gdbus(&book, "org.example.Library1.Book.Lend", &["ann"]);
    assert_eq!(
        watcher.next("the loan"),
        format!("interface-added {book} org.example.Library1.Loan Borrower=ann")
    );
    running.gdbus(&book, "org.example.Library1.Book.Return", &[]);
    assert_eq!(
        watcher.next("the loan's end"),
        format!("interface-removed {book} org.example.Library1.Loan")
    );

    // A shelf that holds a book is not removed, with a named error; the service goes on.
    let refused = running.gdbus_call(PATH, &format!("{MANAGER}.Remove"), &[&shelf]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        !refused.status.success()
            && stderr.contains("org.freedesktop.DBus.Error.InvalidArgs")
            && stderr.contains("holds 1 book(s)"),
        "{stderr}"
    );
    running.gdbus(PATH, &format!("{MANAGER}.Remove"), &[&book]);
    assert_eq!(
        watcher.next("the book's removal"),
        format!("object-removed {book}")
    );
    running.gdbus(PATH, &format!("{MANAGER}.Remove"), &[&shelf]);
    assert_eq!(
        watcher.next("the shelf's removal"),
        format!("object-removed {shelf}")
    );
}

#[test]
fn busctl_tree_and_gdbus_introspect_recurse_walk_the_tree() {
    let running = Running::start();
    running.gdbus(
        &format!("{PATH}/books/1"),
        "org.example.Library1.Book.Lend",
        &["bo"],
    );
    let address = format!("--address={}", running.bus.address());
    let tree = running.output("busctl", &[&address, "tree", NAME]);
    let printed = String::from_utf8_lossy(&tree.stdout);
    assert!(
        tree.status.success() && tree.stderr.is_empty(),
        "busctl tree failed or complained: {printed}{}",
        String::from_utf8_lossy(&tree.stderr)
    );
    for path in [format!("{PATH}/books/1"), format!("{PATH}/shelves/Fiction")] {
        assert!(printed.contains(&path), "{path} not in:\n{printed}");
    }

    let recurse = running.output(
        "gdbus",
        &[
            "introspect",
            "--address",
            running.bus.address(),
            "--dest",
            NAME,
            "--object-path",
            PATH,
            "--recurse",
        ],
    );
    let printed = String::from_utf8_lossy(&recurse.stdout);
    assert!(recurse.status.success(), "{printed}");
    let book = printed
        .split(&format!("node {PATH}/books/1 {{"))
        .nth(1)
        .unwrap_or_else(|| panic!("no books/1 node in:\n{printed}"));
    for interface in ["org.example.Library1.Book", "org.example.Library1.Loan"] {
        assert!(
            book.contains(&format!("interface {interface} {{")),
            "{interface} not on books/1 in:\n{printed}"
        );
    }
}

/// The interfaces of `object` by name, in order.
fn names(object: &ObjectProxies) -> Vec<&str> {
    object.interfaces.iter().map(Interface::name).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_generated_client_view_follows_the_tree_with_typed_proxies() {
    let running = Running::start();
    let connection = zbus::connection::Builder::address(running.bus.address())
        .build()
        .await
        .expect("a connection to the private bus");
    let (objects, mut changes) =
        tokio::time::timeout(WAIT, api::object_manager::watch(&connection, NAME, PATH))
            .await
            .expect("GetManagedObjects answers in time")
            .expect("the tree is watched");
    let paths: Vec<&str> = objects.iter().map(|o| o.path.as_str()).collect();
    assert_eq!(
        paths,
        [format!("{PATH}/books/1"), format!("{PATH}/shelves/Fiction")]
    );
    // The book's proxy, typed, with the properties announced and a live property read.
    let Interface::Book(book, announced) = &objects[0].interfaces[0] else {
        panic!("books/1 is no Book: {:?}", names(&objects[0]));
    };
    assert_eq!(
        announced.get("Title").map(|t| String::try_from(t.clone())),
        Some(Ok("Moby-Dick".to_owned()))
    );
    assert_eq!(book.title().await.expect("Title reads"), "Moby-Dick");

    // Changes come as they happen, through the generated manager proxy.
    let manager = api::manager_client::ManagerProxy::builder(&connection)
        .destination(NAME)
        .build()
        .await
        .expect("the manager's proxy");
    let next = async |changes: &mut api::object_manager::Changes, what: &str| {
        tokio::time::timeout(WAIT, changes.next())
            .await
            .unwrap_or_else(|_| panic!("no change within {WAIT:?} while waiting for {what}"))
            .unwrap_or_else(|| panic!("the change stream ended while waiting for {what}"))
    };
    // A name that would make a megabyte-long path is refused, and nothing is announced.
    let long = manager.add_shelf(&"x".repeat(1 << 20)).await;
    assert!(
        matches!(&long, Err(zbus::Error::MethodError(name, _, _)) if name.as_str() == "org.freedesktop.DBus.Error.InvalidArgs")
            || matches!(&long, Err(zbus::Error::FDO(e)) if matches!(**e, zbus::fdo::Error::InvalidArgs(_))),
        "{long:?}"
    );
    let shelf = manager.add_shelf("Poetry").await.expect("AddShelf answers");
    let Change::Added(added) = next(&mut changes, "the new shelf").await else {
        panic!("a shelf was added");
    };
    assert_eq!(added.path, shelf);
    assert!(matches!(&added.interfaces[..], [Interface::Shelf(..)]));

    book.lend("cy").await.expect("Lend answers");
    let Change::Added(gained) = next(&mut changes, "the loan").await else {
        panic!("a loan was added");
    };
    assert_eq!(gained.path.as_str(), format!("{PATH}/books/1"));
    let [Interface::Loan(loan, _)] = &gained.interfaces[..] else {
        panic!("books/1 gained {:?}", names(&gained));
    };
    assert_eq!(loan.borrower().await.expect("Borrower reads"), "cy");

    manager.remove(&shelf).await.expect("Remove answers");
    let Change::Removed { path, interfaces } = next(&mut changes, "the shelf's removal").await
    else {
        panic!("a shelf was removed");
    };
    assert_eq!(path, shelf);
    assert_eq!(interfaces, ["org.example.Library1.Shelf"]);
}
