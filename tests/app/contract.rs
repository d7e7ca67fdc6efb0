//! The contract check against live objects: our service matches its XML; a divergent object
//! is reported with exactly its differences; the Python tutorial service differs in argument
//! names only.

use crate::common;

use std::path::Path;

use common::PrivateBus;
use dbus_xml_codegen::check;
use dbus_xml_codegen::compare::{Class, Report};
use random_data::{OBJECT_PATH, SERVICE_NAME};
use zbus::object_server::SignalEmitter;

const XML: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/interfaces/com.larry_price.test.RandomData.xml"
);
/// The interface as it was at 0.1, before slow_with_progress, slow_progress and
/// bit_interval_ms: what the original Python service and older clients know.
const XML_V1: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/interfaces/released/com.larry_price.test.RandomData-0.1.0.xml"
);

/// An object that drifted from the XML: `quick` takes a string, `slow` is now `slower`, and
/// `slow_result`'s first argument is called `id`.
struct Divergent;

#[zbus::interface(name = "com.larry_price.test.RandomData")]
impl Divergent {
    #[zbus(name = "quick", out_args("result"))]
    async fn quick(&self, bits: String) -> String {
        bits
    }

    #[zbus(name = "slower", out_args("thread_id"))]
    async fn slower(&self, bits: i32) -> String {
        bits.to_string()
    }

    #[zbus(signal, name = "slow_result")]
    async fn slow_result(emitter: &SignalEmitter<'_>, id: &str, result: &str) -> zbus::Result<()>;
}

/// The contract check of the object on `bus` against the XML file `xml`.
async fn check_against(bus: &PrivateBus, xml: &str) -> Report {
    check::check(
        &bus.connect().await,
        SERVICE_NAME,
        OBJECT_PATH,
        Path::new(xml),
        false,
    )
    .await
    .unwrap()
}

/// The class, member and description of each difference in `report`.
fn found(report: &Report) -> Vec<(Class, &str, &str)> {
    report
        .differences
        .iter()
        .map(|d| {
            assert_eq!(
                d.interface.as_deref(),
                Some("com.larry_price.test.RandomData")
            );
            (d.class, d.member.as_deref().unwrap_or(""), d.what.as_str())
        })
        .collect()
}

#[tokio::test]
async fn our_service_matches_the_xml() {
    let bus = PrivateBus::start().await;
    let _service = bus.start_service().await;

    let report = check_against(&bus, XML).await;
    assert_eq!(report.differences, []);
    assert_eq!(
        report.standard_interfaces,
        [
            "org.freedesktop.DBus.Introspectable",
            "org.freedesktop.DBus.Peer",
            "org.freedesktop.DBus.Properties"
        ]
    );

    let output = bus.run_check(&["--strict", XML]).await;
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stdout).ends_with("0 breaking, 0 compatible\n"));
}

#[tokio::test]
async fn a_divergent_object_is_reported_with_exactly_its_differences() {
    let bus = PrivateBus::start().await;
    let _divergent = zbus::connection::Builder::address(bus.address())
        .name(SERVICE_NAME)
        .serve_at(OBJECT_PATH, Divergent)
        .build()
        .await
        .unwrap();

    let report = check_against(&bus, XML_V1).await;
    assert_eq!(
        found(&report),
        [
            (
                Class::Breaking,
                "method quick",
                "signature changed from (in i, out s) to (in s, out s)"
            ),
            (Class::Breaking, "method slow", "renamed to `slower`"),
            (
                Class::Compatible,
                "signal slow_result",
                "argument 1 renamed from `thread_id` to `id`"
            ),
        ]
    );
    assert_eq!(
        report.differences[0].old_clients_see.as_deref(),
        Some("calls fail with org.freedesktop.DBus.Error.InvalidArgs")
    );

    let output = bus.run_check(&[XML_V1]).await;
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(
            "breaking: interface com.larry_price.test.RandomData, method slow: renamed to `slower`"
        ),
        "{stdout}"
    );
    assert!(stdout.ends_with("2 breaking, 1 compatible\n"), "{stdout}");
}

#[tokio::test]
async fn the_python_tutorial_service_differs_in_argument_names_only() {
    let bus = PrivateBus::start().await;
    let _python = bus.start_python_service("0.01").await;

    let report = check_against(&bus, XML_V1).await;
    assert!(!report.differences.is_empty());
    for difference in &report.differences {
        assert_eq!(difference.class, Class::Compatible, "{difference:?}");
        assert!(difference.what.contains("renamed from"), "{difference:?}");
    }

    // Compatible: passes, but not with --strict.
    assert_eq!(bus.run_check(&[XML_V1]).await.status.code(), Some(0));
    assert_eq!(
        bus.run_check(&["--strict", XML_V1]).await.status.code(),
        Some(1)
    );
}

#[tokio::test]
async fn the_evolved_service_is_compatible_with_the_first_xml() {
    let bus = PrivateBus::start().await;
    let _service = bus.start_service().await;

    let report = check_against(&bus, XML_V1).await;
    assert_eq!(
        found(&report),
        [
            (Class::Compatible, "method slow_with_progress", "added"),
            (Class::Compatible, "property bit_interval_ms", "added"),
            (Class::Compatible, "signal slow_progress", "added"),
        ]
    );
    assert_eq!(bus.run_check(&[XML_V1]).await.status.code(), Some(0));
}

#[tokio::test]
async fn no_object_or_a_bad_file_exits_2() {
    let bus = PrivateBus::start().await;
    let output = bus.run_check(&[XML]).await;
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot introspect"));

    let _service = bus.start_service().await;
    let output = bus.run_check(&["no/such/file.xml"]).await;
    assert_eq!(output.status.code(), Some(2), "{output:?}");
}
