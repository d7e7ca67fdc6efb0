//! The service speaks the XML's wire names and signatures, so that tools and clients written
//! in other languages interoperate with it.

use crate::common;

use common::{
    DBUS_PYTHON, PYGOBJECT, PrivateBus, debian_python, debian_tool, fits, printed_number,
    run_with_timeout,
};
use random_data::random_data_server::INTERFACE_NAME;
use random_data::{OBJECT_PATH, SERVICE_NAME};

/// `gdbus introspect` output with all white space folded to single spaces.
async fn gdbus_introspect(bus: &PrivateBus) -> String {
    let mut gdbus = debian_tool("gdbus", "libglib2.0-bin");
    gdbus
        .args(["introspect", "--address", bus.address()])
        .args(["--dest", SERVICE_NAME, "--object-path", OBJECT_PATH]);
    let output = run_with_timeout(gdbus).await;
    assert!(output.status.success(), "{output:?}");
    String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[tokio::test]
async fn gdbus_sees_the_xml_names_and_signatures() {
    let bus = PrivateBus::start().await;
    let _service = bus.start_service().await;

    let introspection = gdbus_introspect(&bus).await;
    for member in [
        "quick(in i bits, out s result);",
        "slow(in i bits, out s thread_id);",
        "slow_result(s thread_id, s result);",
    ] {
        assert!(
            introspection.contains(member),
            "{member} not in {introspection}"
        );
    }
}

#[tokio::test]
async fn gdbus_calls_quick_by_its_wire_name() {
    let bus = PrivateBus::start().await;
    let _service = bus.start_service().await;

    let mut gdbus = debian_tool("gdbus", "libglib2.0-bin");
    gdbus
        .args(["call", "--address", bus.address()])
        .args(["--dest", SERVICE_NAME, "--object-path", OBJECT_PATH])
        .args(["--method", &format!("{INTERFACE_NAME}.quick"), "24"]);
    let output = run_with_timeout(gdbus).await;
    assert!(output.status.success(), "{output:?}");
    // gdbus prints a tuple of one string: ('12345',)
    let reply = String::from_utf8_lossy(&output.stdout);
    let number: num_bigint::BigUint = reply
        .trim()
        .trim_start_matches("('")
        .trim_end_matches("',)")
        .parse()
        .unwrap_or_else(|_| panic!("unexpected reply {reply}"));
    assert!(fits(&number, 24));
}

#[tokio::test]
async fn a_tutorial_style_python_client_gets_its_slow_result() {
    let bus = PrivateBus::start().await;
    let _service = bus.start_service().await;

    let mut python = debian_python(&[DBUS_PYTHON, PYGOBJECT]);
    python.args([
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/python/tutorial_client.py"
        ),
        bus.address(),
        "6",
    ]);
    let output = run_with_timeout(python).await;
    assert!(fits(&printed_number(&output), 6));
}

#[tokio::test]
async fn our_client_works_against_the_python_tutorial_service() {
    let bus = PrivateBus::start().await;
    let _python = bus.start_python_service("0.01").await;

    assert!(fits(&printed_number(&bus.run_client(&["20"]).await), 20));
    let slow = bus.run_client(&["6", "--slow", "--timeout", "15s"]).await;
    assert!(fits(&printed_number(&slow), 6));
}

/// dbus-python's default style (`proxy.quick(bits)`, as the original tutorial client calls)
/// sends no interface header. The specification allows that, but zbus's object server refuses
/// it before any interface sees it; naming the interface works, and the service goes on.
#[tokio::test]
async fn a_call_without_an_interface_header_is_refused_and_one_with_it_served() {
    let bus = PrivateBus::start().await;
    let _service = bus.start_service().await;

    let mut python = debian_python(&[DBUS_PYTHON]);
    python
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/python/interface_header.py"
        ))
        .args([bus.address(), "16"]);
    let output = run_with_timeout(python).await;
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[0],
        "default style: org.freedesktop.DBus.Error.Failed: Missing interface"
    );
    let number: num_bigint::BigUint = lines[1]
        .strip_prefix("interface named: ")
        .expect("a number with the interface named")
        .parse()
        .unwrap();
    assert!(fits(&number, 16));
}
