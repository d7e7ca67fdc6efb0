//! The client against a mock of the app's own XML (the toolkit's `mock`, no service code):
//! scripted to answer `quick`, and to answer `slow` with an id whose `slow_result` the test
//! emits, after one for another id that the client must ignore. The mock's call log shows
//! what the client sent.

use crate::common;

use std::time::Instant;

use common::{PrivateBus, WAIT};
use dbus_xml_codegen::Document;
use dbus_xml_codegen::mock::{Mock, MockHandle};
use random_data::{OBJECT_PATH, SERVICE_NAME};
use zbus::{OwnedVariant, Variant};

const INTERFACE: &str = "com.larry_price.test.RandomData";

/// The scripted answers (README's example): `quick` gives 12345, `slow` the id `request-7`.
const VALUES: &str = include_str!("mock-values.json");

async fn mocked(bus: &PrivateBus) -> MockHandle {
    let xml = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/interfaces/com.larry_price.test.RandomData.xml"
    );
    let document = Document::read(xml).expect("the app's XML reads");
    let connection = bus.connect().await;
    let (mock, serving) = Mock::new([(document, None)])
        .expect("the XML names its object path")
        .values(VALUES)
        .expect("the values are of the XML's types")
        .serve(&connection);
    tokio::spawn(serving);
    mock.request_name(SERVICE_NAME)
        .await
        .expect("the name is free");
    mock
}

fn text(value: &str) -> OwnedVariant {
    OwnedVariant::try_from(Variant::from(value)).expect("a string")
}

#[tokio::test]
async fn the_client_gets_the_mocks_scripted_quick_answer() {
    let bus = PrivateBus::start().await;
    let mock = mocked(&bus).await;
    let output = bus.run_client(&["8"]).await;
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "Your random number is: 12345\n"
    );
    let calls = mock.calls();
    let [call] = calls.as_slice() else {
        panic!("one call: {calls:?}");
    };
    assert_eq!(
        (call.interface.as_str(), call.member.as_str()),
        (INTERFACE, "quick")
    );
    assert_eq!(call.args, [OwnedVariant::from(8i32)]);
    assert!(call.sender.starts_with(':'), "{call:?}");
}

#[tokio::test]
async fn the_slow_client_takes_the_result_with_its_own_id_from_the_mock() {
    let bus = PrivateBus::start().await;
    let mock = mocked(&bus).await;
    let client = bus.spawn_client(&["4", "--slow"]);
    let deadline = Instant::now() + WAIT;
    while !mock.calls().iter().any(|c| c.member == "slow") {
        assert!(
            Instant::now() < deadline,
            "the client did not call slow within {WAIT:?} (did it start?)"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    for (id, number) in [("request-6", "1"), ("request-7", "9")] {
        let args = vec![text(id), text(number)];
        mock.emit_signal(OBJECT_PATH, INTERFACE, "slow_result", args)
            .await
            .expect("slow_result is declared with (ss)");
    }
    let output = client.await.expect("the client ran");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "Your random number is: 9\n",
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(mock.calls()[0].args, [OwnedVariant::from(4i32)]);
}
