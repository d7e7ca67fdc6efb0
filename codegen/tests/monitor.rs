//! `monitor` over a private bus: a service of the test's own breaks one rule of its file at a
//! time (a call, a reply, an error, a signal, each kind of property traffic), and the monitor
//! reports exactly that message, pointing at the line of the file that it broke; traffic that
//! keeps the file reports nothing. The command runs a command under the monitor.

use std::collections::HashMap;
use std::future::Future;
use std::path::Path;

use dbus_xml_codegen::contract::{Contracts, Violation};
use dbus_xml_codegen::monitor::{Monitor, Report};
use futures_util::StreamExt;
use test_bus::{PrivateBus, WAIT};
use zbus::message::{Message, Type};
use zbus::{Connection, MessageStream, OwnedObjectPath, OwnedVariant, Variant};

const NAME: &str = "org.example.Contract";
const INTERFACE: &str = "org.example.Contract";
const PATH: &str = "/org/example/Contract";
const PROPERTIES: &str = "org.freedesktop.DBus.Properties";

fn file() -> &'static Path {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/monitor/org.example.Contract.xml"
    ))
}

/// The line of the fixture that holds `text`.
fn line_of(text: &str) -> usize {
    let xml = std::fs::read_to_string(file()).expect("the fixture reads");
    xml.lines()
        .position(|line| line.contains(text))
        .unwrap_or_else(|| panic!("the fixture has no {text}"))
        + 1
}

/// How the test's service answers each call made to it.
type Answer = fn(&Message) -> zbus::Result<Message>;

/// Answers every call with an empty reply.
fn empty(call: &Message) -> zbus::Result<Message> {
    Message::method_return(&call.header()).build(&())
}

/// What a monitor of the fixture, with `--dest`, reports while `work` runs with a client
/// connection and the service's own (which owns the name and answers each call with
/// `answer`).
async fn watched<F>(answer: Answer, work: impl FnOnce(Connection, Connection) -> F) -> Report
where
    F: Future<Output = ()>,
{
    let bus = PrivateBus::open(None).expect("a private dbus-daemon starts");
    let service = bus.connect().await.expect("the service connects");
    service.request_name(NAME).await.expect("the name is free");
    let mut calls = MessageStream::from(&service);
    let answering = service.clone();
    let answers = tokio::spawn(async move {
        while let Some(Ok(call)) = calls.next().await {
            let header = call.header();
            if header.message_type() == Type::MethodCall
                && header.destination().is_some_and(|d| d.as_str() == NAME)
            {
                drop(header);
                let reply = answer(&call).expect("the answer builds");
                answering.send(&reply).await.expect("the answer is sent");
            }
        }
    });
    let client = bus.connect().await.expect("the client connects");
    let contracts = Contracts::read([file()]).expect("the fixture reads");
    let running = Monitor::new(contracts, Some(NAME.to_owned()))
        .start(&bus.address().parse().expect("an address"))
        .await
        .expect("the bus takes a monitor");
    let (monitor, ()) = tokio::time::timeout(WAIT, running.stop_after(work(client, service)))
        .await
        .expect("the work and the end marker within WAIT (is the bus up?)")
        .expect("the monitor watches to the end");
    answers.abort();
    monitor.report().clone()
}

/// The one violation of `report`, checked to point at the fixture's line holding `declared`.
fn only(report: &Report, declared: &str) -> Violation {
    let [violation] = report.violations.as_slice() else {
        panic!("one violation expected:\n{report}");
    };
    assert_eq!(violation.declared.path, file(), "{violation}");
    let (line, _) = violation.declared.line_column.expect("a line");
    assert_eq!(line, line_of(declared), "{violation}");
    assert!(
        violation
            .to_string()
            .starts_with(&format!("{}:{line}:", file().display())),
        "{violation}"
    );
    violation.clone()
}

async fn call(
    client: &Connection,
    member: &str,
    body: &(impl zbus::export::serde::Serialize + zbus::Type),
) {
    client
        .call_method(Some(NAME), PATH, Some(INTERFACE), member, body)
        .await
        .ok();
}

async fn call_properties(
    client: &Connection,
    member: &str,
    body: &(impl zbus::export::serde::Serialize + zbus::Type),
) {
    client
        .call_method(Some(NAME), PATH, Some(PROPERTIES), member, body)
        .await
        .ok();
}

async fn changed(service: &Connection, changed: &[(&str, Variant<'_>)], invalidated: &[&str]) {
    let changed: HashMap<&str, &Variant<'_>> = changed.iter().map(|(k, v)| (*k, v)).collect();
    service
        .emit_signal(
            None::<()>,
            PATH,
            PROPERTIES,
            "PropertiesChanged",
            &(INTERFACE, changed, invalidated),
        )
        .await
        .expect("the signal is sent");
}

#[tokio::test]
async fn traffic_that_keeps_the_file_reports_nothing() {
    fn verdict(call: &Message) -> zbus::Result<Message> {
        match call.header().member().map(|m| m.as_str()) {
            Some("Frob") => Message::method_return(&call.header()).build(&("fine",)),
            Some("Get") => Message::method_return(&call.header()).build(&(Variant::from(3i32),)),
            _ => empty(call),
        }
    }
    let report = watched(verdict, |client, service| async move {
        call(&client, "Frob", &(1i32,)).await;
        call_properties(&client, "Get", &(INTERFACE, "Count")).await;
        call_properties(&client, "Set", &(INTERFACE, "Label", Variant::from("x"))).await;
        service
            .emit_signal(None::<()>, PATH, INTERFACE, "Ticked", &(7u32,))
            .await
            .unwrap();
        changed(&service, &[("Count", Variant::from(4i32))], &["Status"]).await;
    })
    .await;
    assert!(report.violations.is_empty(), "{report}");
    assert_eq!(
        (
            report.checked.calls,
            report.checked.replies,
            report.checked.signals
        ),
        (3, 3, 2),
        "{report}"
    );
}

#[tokio::test]
async fn a_call_of_an_undeclared_method() {
    let report = watched(empty, |client, _| async move {
        call(&client, "Frobnicate", &()).await;
    })
    .await;
    let violation = only(&report, "<interface name=\"org.example.Contract\"");
    assert_eq!(
        violation.what,
        "org.example.Contract has no method Frobnicate"
    );
}

#[tokio::test]
async fn a_call_with_arguments_of_other_types() {
    let report = watched(empty, |client, _| async move {
        call(&client, "Frob", &("loud",)).await;
    })
    .await;
    let violation = only(&report, "<method name=\"Frob\"");
    assert_eq!(violation.what, "arguments (s), where the file declares (i)");
    assert_eq!(violation.message, "call org.example.Contract.Frob");
}

#[tokio::test]
async fn a_reply_of_other_types() {
    fn number(call: &Message) -> zbus::Result<Message> {
        Message::method_return(&call.header()).build(&(42i32,))
    }
    let report = watched(number, |client, _| async move {
        call(&client, "Frob", &(1i32,)).await;
    })
    .await;
    let violation = only(&report, "<method name=\"Frob\"");
    assert_eq!(violation.what, "returns (i), where the file declares (s)");
    assert_eq!(violation.message, "reply to org.example.Contract.Frob");
}

#[tokio::test]
async fn an_error_that_denies_a_declared_method() {
    fn unknown(call: &Message) -> zbus::Result<Message> {
        Message::error(&call.header(), "org.freedesktop.DBus.Error.UnknownMethod")
            .build(&("no Frob here",))
    }
    let report = watched(unknown, |client, _| async move {
        call(&client, "Frob", &(1i32,)).await;
    })
    .await;
    let violation = only(&report, "<method name=\"Frob\"");
    assert!(violation.what.contains("UnknownMethod"), "{violation}");
}

#[tokio::test]
async fn an_error_without_its_message() {
    fn coded(call: &Message) -> zbus::Result<Message> {
        Message::error(&call.header(), "org.example.Contract.Error.Jammed").build(&(7u32,))
    }
    let report = watched(coded, |client, _| async move {
        call(&client, "Frob", &(1i32,)).await;
    })
    .await;
    let violation = only(&report, "<method name=\"Frob\"");
    assert!(
        violation.what.contains("not a message string"),
        "{violation}"
    );
}

#[tokio::test]
async fn an_undeclared_signal() {
    let report = watched(empty, |_, service| async move {
        let sent = service.emit_signal(None::<()>, PATH, INTERFACE, "Tocked", &());
        sent.await.unwrap();
    })
    .await;
    let violation = only(&report, "<interface name=\"org.example.Contract\"");
    assert_eq!(violation.what, "org.example.Contract has no signal Tocked");
}

#[tokio::test]
async fn a_signal_of_other_types() {
    let report = watched(empty, |_, service| async move {
        let sent = service.emit_signal(None::<()>, PATH, INTERFACE, "Ticked", &(-1i32,));
        sent.await.unwrap();
    })
    .await;
    let violation = only(&report, "<signal name=\"Ticked\"");
    assert_eq!(violation.what, "arguments (i), where the file declares (u)");
}

#[tokio::test]
async fn properties_changed_with_an_undeclared_property() {
    let report = watched(empty, |_, service| async move {
        changed(&service, &[("Colour", Variant::from("red"))], &[]).await;
    })
    .await;
    let violation = only(&report, "<interface name=\"org.example.Contract\"");
    assert_eq!(
        violation.what,
        "org.example.Contract has no property Colour"
    );
}

#[tokio::test]
async fn properties_changed_with_a_value_of_another_type() {
    let report = watched(empty, |_, service| async move {
        changed(&service, &[("Count", Variant::from("four"))], &[]).await;
    })
    .await;
    let violation = only(&report, "<property name=\"Count\"");
    assert_eq!(
        violation.what,
        "Count: a value of type s, where the file declares i"
    );
}

#[tokio::test]
async fn properties_changed_for_a_const_property() {
    let report = watched(empty, |_, service| async move {
        changed(&service, &[("Version", Variant::from("2"))], &[]).await;
    })
    .await;
    let violation = only(&report, "<property name=\"Version\"");
    assert!(
        violation.what.contains("EmitsChangedSignal is const"),
        "{violation}"
    );
}

#[tokio::test]
async fn properties_changed_for_a_property_that_announces_nothing() {
    let report = watched(empty, |_, service| async move {
        changed(&service, &[], &["Secret"]).await;
    })
    .await;
    let violation = only(&report, "<property name=\"Secret\"");
    assert!(
        violation.what.contains("EmitsChangedSignal is false"),
        "{violation}"
    );
}

#[tokio::test]
async fn properties_changed_with_the_value_of_an_invalidates_property() {
    let report = watched(empty, |_, service| async move {
        changed(&service, &[("Status", Variant::from("on"))], &[]).await;
    })
    .await;
    let violation = only(&report, "<property name=\"Status\"");
    assert!(violation.what.contains("is invalidates"), "{violation}");
}

#[tokio::test]
async fn properties_changed_without_the_value_of_a_true_property() {
    let report = watched(empty, |_, service| async move {
        changed(&service, &[], &["Count"]).await;
    })
    .await;
    let violation = only(&report, "<property name=\"Count\"");
    assert!(violation.what.contains("without its value"), "{violation}");
}

#[tokio::test]
async fn a_get_answered_with_a_value_of_another_type() {
    fn text(call: &Message) -> zbus::Result<Message> {
        Message::method_return(&call.header()).build(&(Variant::from("three"),))
    }
    let report = watched(text, |client, _| async move {
        call_properties(&client, "Get", &(INTERFACE, "Count")).await;
    })
    .await;
    let violation = only(&report, "<property name=\"Count\"");
    assert_eq!(
        violation.what,
        "a value of type s, where the file declares i"
    );
    assert_eq!(violation.message, "reply to Get org.example.Contract.Count");
}

#[tokio::test]
async fn a_set_of_a_read_only_property() {
    let report = watched(empty, |client, _| async move {
        let value = Variant::from(5i32);
        call_properties(&client, "Set", &(INTERFACE, "Count", value)).await;
    })
    .await;
    let violation = only(&report, "<property name=\"Count\"");
    assert_eq!(violation.what, "the property is read-only");
}

#[tokio::test]
async fn get_all_answered_with_an_undeclared_property() {
    fn extra(call: &Message) -> zbus::Result<Message> {
        let values = HashMap::from([("Count", Variant::from(1i32)), ("Mood", Variant::from(1u8))]);
        Message::method_return(&call.header()).build(&(values,))
    }
    let report = watched(extra, |client, _| async move {
        call_properties(&client, "GetAll", &(INTERFACE,)).await;
    })
    .await;
    let violation = only(&report, "<interface name=\"org.example.Contract\"");
    assert_eq!(violation.what, "org.example.Contract has no property Mood");
}

/// An object with the contract's interface whose `Count` is text.
fn object_with_text_count()
-> HashMap<OwnedObjectPath, HashMap<String, HashMap<String, OwnedVariant>>> {
    let properties = HashMap::from([(
        "Count".to_owned(),
        OwnedVariant::try_from(Variant::from("one")).unwrap(),
    )]);
    let path = OwnedObjectPath::try_from(PATH).unwrap();
    HashMap::from([(path, HashMap::from([(INTERFACE.to_owned(), properties)]))])
}

#[tokio::test]
async fn interfaces_added_with_a_value_of_another_type() {
    let report = watched(empty, |_, service| async move {
        let (path, interfaces) = object_with_text_count().into_iter().next().unwrap();
        let manager = "org.freedesktop.DBus.ObjectManager";
        let body = (path, interfaces);
        let sent = service.emit_signal(None::<()>, "/", manager, "InterfacesAdded", &body);
        sent.await.unwrap();
    })
    .await;
    let violation = only(&report, "<property name=\"Count\"");
    assert_eq!(violation.message, "signal InterfacesAdded");
}

#[tokio::test]
async fn managed_objects_with_a_value_of_another_type() {
    fn objects(call: &Message) -> zbus::Result<Message> {
        Message::method_return(&call.header()).build(&(object_with_text_count(),))
    }
    let report = watched(objects, |client, _| async move {
        let manager = "org.freedesktop.DBus.ObjectManager";
        let called = client.call_method(Some(NAME), "/", Some(manager), "GetManagedObjects", &());
        called.await.ok();
    })
    .await;
    let violation = only(&report, "<property name=\"Count\"");
    assert_eq!(violation.message, "reply to GetManagedObjects");
}

#[tokio::test]
async fn messages_of_other_senders_are_not_the_services() {
    let report = watched(empty, |client, _| async move {
        // The client is not the service: its signal breaks nothing of the service's.
        let sent = client.emit_signal(None::<()>, PATH, INTERFACE, "Tocked", &());
        sent.await.unwrap();
    })
    .await;
    assert!(report.violations.is_empty(), "{report}");
    assert_eq!(report.checked.signals, 0);
}

/// `dbus-xml-codegen monitor FILE --dest NAME --address ADDR -- sh -c SCRIPT` on a private
/// bus: its exit code, stdout and stderr.
fn monitor_command(script: &str) -> (Option<i32>, String, String) {
    let bus = PrivateBus::open(None).expect("a private dbus-daemon starts");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_dbus-xml-codegen"))
        .arg("monitor")
        .arg(file())
        .args([
            "--dest",
            NAME,
            "--address",
            bus.address(),
            "--",
            "sh",
            "-c",
            script,
        ])
        .output()
        .expect("the command runs");
    let text = |bytes: Vec<u8>| String::from_utf8(bytes).expect("UTF-8");
    (
        output.status.code(),
        text(output.stdout),
        text(output.stderr),
    )
}

#[test]
fn the_command_runs_a_command_under_the_monitor_and_fails_with_what_it_found() {
    // busctl finds the bus through DBUS_SESSION_BUS_ADDRESS, which the monitor sets to
    // --address; nobody owns the name, so the call itself fails, and `true` ends the script.
    let (code, stdout, stderr) = monitor_command(&format!(
        "busctl --user call {NAME} {PATH} {INTERFACE} Frob s loud; true"
    ));
    let line = line_of("<method name=\"Frob\"");
    let mut lines = stdout.lines();
    let first = lines.next().unwrap_or_default();
    assert!(
        first.starts_with(&format!("{}:{line}:", file().display()))
            && first.contains(
                " call org.example.Contract.Frob: arguments (s), where the file declares (i)"
            ),
        "{stdout}{stderr}"
    );
    assert_eq!(
        lines.next(),
        Some("1 violation in 1 calls, 0 replies and 0 signals checked"),
        "{stdout}{stderr}"
    );
    assert_eq!(code, Some(1), "{stdout}{stderr}");
}

#[test]
fn the_command_passes_clean_traffic_and_fails_a_failing_command() {
    let (code, stdout, stderr) = monitor_command("true");
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert_eq!(
        stdout,
        "0 violations in 0 calls, 0 replies and 0 signals checked\n"
    );
    let (code, stdout, stderr) = monitor_command("exit 3");
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(
        stderr.contains("the command failed (exit status: 3)"),
        "{stderr}"
    );
}

#[test]
fn a_bad_file_or_an_unreachable_bus_exits_2() {
    let run = |args: &[&str]| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_dbus-xml-codegen"))
            .arg("monitor")
            .args(args)
            .output()
            .expect("the command runs");
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (code, stderr) = run(&["/nonexistent.xml", "--address", "unix:path=/nonexistent"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("/nonexistent.xml"), "{stderr}");
    let file = file().to_str().unwrap();
    let (code, stderr) = run(&[
        file,
        "--address",
        "unix:path=/nonexistent/bus",
        "--",
        "true",
    ]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("cannot monitor the bus at unix:path=/nonexistent/bus"),
        "{stderr}"
    );
}
