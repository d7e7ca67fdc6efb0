//! `mock` over a private bus, driven by clients nobody here wrote: GDBus's object manager client
//! follows a mocked tree while objects come and go through the control interface (called with
//! `gdbus call`), a call of a declared method lands in the call log with its sender and
//! arguments, and the toolkit's monitor finds that all of that traffic keeps the file. A
//! values file of the wrong types is refused where it is wrong; bad calls get named errors
//! and leave the mock serving.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use dbus_xml_codegen::Document;
use dbus_xml_codegen::contract::Contracts;
use dbus_xml_codegen::mock::{Mock, MockError, MockHandle};
use dbus_xml_codegen::monitor::Monitor;
use test_bus::{Lines, PrivateBus, WAIT};

const NAME: &str = "org.example.Library1";
const ROOT: &str = "/org/example/Library1";

fn library_file() -> &'static Path {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/library/interfaces/org.example.Library1.xml"
    ))
}

/// A shelf and a book on it.
const VALUES: &str = r#"{
  "/org/example/Library1/shelves/fiction": {
    "org.example.Library1.Shelf": {"properties": {"Name": "Fiction"}}
  },
  "/org/example/Library1/books/1": {
    "org.example.Library1.Book": {
      "properties": {"Title": "Dune", "Shelf": "/org/example/Library1/shelves/fiction"}
    }
  }
}"#;

/// The library mocked from its file and [`VALUES`], with its manager at the root, serving
/// on `bus` as `NAME`.
async fn library(bus: &PrivateBus) -> MockHandle {
    let document = Document::read(library_file()).expect("the library's file reads");
    let connection = bus.connect().await.expect("the mock connects");
    let (mock, serving) = Mock::new([(document, None)])
        .expect("the file names its path")
        .object_manager(ROOT)
        .values(VALUES)
        .expect("the values are of the file's types")
        .serve(&connection);
    tokio::spawn(serving);
    mock.request_name(NAME).await.expect("the name is free");
    mock
}

/// `gdbus call` on the bus: its stdout, or its stderr where it failed.
fn gdbus_call(address: &str, path: &str, method: &str, args: &[&str]) -> Result<String, String> {
    let output = Command::new("timeout")
        .args(["20", "gdbus", "call", "--address", address, "--dest", NAME])
        .args(["--object-path", path, "--method", method])
        .args(args)
        .output()
        .expect("gdbus runs (libglib2.0-bin, which scripts/prerequisites installs)");
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).trim().to_owned();
    if output.status.success() {
        Ok(text(&output.stdout))
    } else {
        Err(text(&output.stderr))
    }
}

#[tokio::test]
async fn gdbus_follows_a_mocked_tree_driven_through_the_control_interface() {
    let bus = PrivateBus::open(None).expect("a private dbus-daemon starts");
    let address = bus.address().to_owned();
    let contracts = Contracts::read([library_file()]).expect("the file reads");
    let running = Monitor::new(contracts, Some(NAME.to_owned()))
        .start(&address.parse().expect("an address"))
        .await
        .expect("the bus takes a monitor");
    let mock = library(&bus).await;

    let work = tokio::task::spawn_blocking(move || {
        let script = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/library/tests/watch_tree.py"
        );
        let mut watch = Command::new("/usr/bin/python3")
            .args([script, &address, NAME, ROOT])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 with PyGObject runs (scripts/prerequisites installs them)");
        let lines = Lines::of(watch.stdout.take().expect("piped stdout"));
        let next = |waited_for: &str| {
            lines
                .next_before(Instant::now() + WAIT)
                .unwrap_or_else(|| panic!("GDBus's manager client said nothing within {WAIT:?} while the test waited for {waited_for} (its stderr above says why)"))
        };
        let mut present = Vec::new();
        loop {
            let line = next("ready");
            if line == "ready" {
                break;
            }
            present.push(line);
        }
        assert_eq!(
            present,
            [
                "present /org/example/Library1/books/1 org.example.Library1.Book Shelf=/org/example/Library1/shelves/fiction Title=Dune",
                "present /org/example/Library1/shelves/fiction org.example.Library1.Shelf Name=Fiction",
            ]
        );

        let control = "org.freedesktop.DBus.Mock";
        let add = format!("{control}.AddObject");
        let book = "/org/example/Library1/books/2";
        let added = gdbus_call(
            &address,
            ROOT,
            &add,
            &[
                book,
                "org.example.Library1.Book",
                "{'Title': <'Emma'>}",
                "@a(ssss) []",
            ],
        );
        assert_eq!(added, Ok("()".to_owned()));
        assert_eq!(
            next("books/2 added"),
            "object-added /org/example/Library1/books/2 org.example.Library1.Book Shelf=/ Title=Emma"
        );
        let lent = gdbus_call(
            &address,
            ROOT,
            &add,
            &[
                book,
                "org.example.Library1.Loan",
                "{'Borrower': <'Ann'>}",
                "@a(ssss) []",
            ],
        );
        assert_eq!(lent, Ok("()".to_owned()));
        assert_eq!(
            next("the loan added to books/2"),
            "interface-added /org/example/Library1/books/2 org.example.Library1.Loan Borrower=Ann"
        );
        let removed = gdbus_call(
            &address,
            ROOT,
            &format!("{control}.RemoveObject"),
            &["/org/example/Library1/books/1"],
        );
        assert_eq!(removed, Ok("()".to_owned()));
        assert_eq!(
            next("books/1 removed"),
            "object-removed /org/example/Library1/books/1"
        );

        // A client's call lands in the log, with its arguments and sender.
        let called = gdbus_call(&address, book, "org.example.Library1.Book.Lend", &["Bob"]);
        assert_eq!(called, Ok("()".to_owned()));
        let log = gdbus_call(&address, ROOT, &format!("{control}.GetCallLog"), &[]);
        let log = log.expect("the log reads");
        assert!(
            log.contains("objectpath '/org/example/Library1/books/2', 'org.example.Library1.Book', 'Lend', [<'Bob'>])"),
            "{log}"
        );
        // A property changes as the file says it announces changes.
        let update = format!("{control}.UpdateProperties");
        let shelf = "/org/example/Library1/shelves/fiction";
        let updated = gdbus_call(
            &address,
            shelf,
            &update,
            &["org.example.Library1.Shelf", "{'Name': <'Novels'>}"],
        );
        assert_eq!(updated, Ok("()".to_owned()));
        let read = gdbus_call(
            &address,
            shelf,
            "org.freedesktop.DBus.Properties.Get",
            &["org.example.Library1.Shelf", "Name"],
        );
        assert_eq!(read, Ok("(<'Novels'>,)".to_owned()));
        // A value of another type, a signal the file does not declare: refused by name.
        let wrong = gdbus_call(
            &address,
            shelf,
            &update,
            &["org.example.Library1.Shelf", "{'Name': <7>}"],
        );
        assert!(
            wrong
                .as_ref()
                .is_err_and(|e| e.contains("InvalidArgs") && e.contains("is of type s, not i")),
            "{wrong:?}"
        );
        let emit = format!("{control}.EmitSignal");
        let undeclared = gdbus_call(
            &address,
            shelf,
            &emit,
            &["org.example.Library1.Shelf", "Tipped", "", "@av []"],
        );
        assert!(
            undeclared
                .as_ref()
                .is_err_and(|e| e.contains("has no signal Tipped")),
            "{undeclared:?}"
        );
        drop(watch.stdin.take());
        let _ = watch.wait();
    });
    let (monitor, done) = tokio::time::timeout(2 * WAIT, running.stop_after(work))
        .await
        .expect("the clients and the monitor's end marker within 2 × WAIT")
        .expect("the monitor watches to the end");
    if let Err(panic) = done {
        std::panic::resume_unwind(panic.into_panic());
    }
    let report = monitor.report();
    assert!(report.violations.is_empty(), "{report}");
    assert!(report.checked.signals >= 4, "{report}");
    let calls = mock.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert!(calls[0].sender.starts_with(':'));
}

#[tokio::test]
async fn bad_calls_get_named_errors_and_the_mock_keeps_serving() {
    let bus = PrivateBus::open(None).expect("a private dbus-daemon starts");
    let _mock = library(&bus).await;
    let client = bus.connect().await.expect("the client connects");
    let book = "/org/example/Library1/books/1";
    let error_of = |result: zbus::Result<zbus::Message>| match result {
        Err(error) => {
            let error = zbus::fdo::Error::from(error);
            let name = zbus::DBusError::name(&error);
            format!(
                "{name}: {}",
                zbus::DBusError::description(&error).unwrap_or_default()
            )
        }
        Ok(reply) => panic!("an error expected, not {reply:?}"),
    };
    let lend = client
        .call_method(
            Some(NAME),
            book,
            Some("org.example.Library1.Book"),
            "Lend",
            &(7u32,),
        )
        .await;
    assert_eq!(
        error_of(lend),
        "org.freedesktop.DBus.Error.InvalidArgs: Lend takes arguments of signature \"s\", not \"u\""
    );
    let properties = Some("org.freedesktop.DBus.Properties");
    let set = client
        .call_method(
            Some(NAME),
            book,
            properties,
            "Set",
            &(
                "org.example.Library1.Book",
                "Title",
                zbus::Variant::from("X"),
            ),
        )
        .await;
    assert_eq!(
        error_of(set),
        "org.freedesktop.DBus.Error.PropertyReadOnly: Property 'Title' is read-only"
    );
    let nowhere = client
        .call_method(
            Some(NAME),
            "/org/example/Elsewhere",
            properties,
            "GetAll",
            &("",),
        )
        .await;
    assert!(error_of(nowhere).starts_with("org.freedesktop.DBus.Error.UnknownObject"));
    // sd-bus's GetAll(""): every interface of the object, in the file's order.
    let all: std::collections::HashMap<String, zbus::OwnedVariant> = client
        .call_method(Some(NAME), book, properties, "GetAll", &("",))
        .await
        .expect("the mock still serves")
        .body()
        .deserialize()
        .expect("a{sv}");
    let mut names: Vec<&String> = all.keys().collect();
    names.sort();
    assert_eq!(names, ["Shelf", "Title"]);
}

#[test]
fn a_values_file_of_another_type_is_refused_where_it_is_wrong() {
    let mock = || {
        let document = Document::read(library_file()).expect("the file reads");
        Mock::new([(document, None)]).expect("the file names its path")
    };
    let refused = |json: &str| match mock().values(json) {
        Err(error @ MockError::Values { .. }) => error.to_string(),
        Err(other) => panic!("a values error expected, not {other}"),
        Ok(_) => panic!("{json} was taken"),
    };
    let said = refused(
        r#"{"/org/example/Library1/shelves/a": {"org.example.Library1.Shelf": {"properties": {"Name": 7}}}}"#,
    );
    let xml = std::fs::read_to_string(library_file()).unwrap();
    let line = xml
        .lines()
        .position(|l| l.contains("<property name=\"Name\""))
        .unwrap()
        + 1;
    assert!(
        said.starts_with("values: /org/example/Library1/shelves/a org.example.Library1.Shelf properties Name: 7 is not a value of type s (")
            && said.contains(&format!("org.example.Library1.xml:{line}:")),
        "{said}"
    );
    let said = refused(r#"{"/a": {"org.example.Nothing": {}}}"#);
    assert_eq!(
        said,
        "values: /a org.example.Nothing: no file declares this interface"
    );
    let said =
        refused(r#"{"/a": {"org.example.Library1.Book": {"methods": {"Lend": {"reply": [1]}}}}}"#);
    assert!(said.contains("give {\"reply\": [0 value(s)]}"), "{said}");
    let said = refused("[1");
    assert!(said.starts_with("values: : "), "{said}");
}
