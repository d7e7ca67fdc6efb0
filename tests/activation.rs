//! D-Bus activation with the shipped `dist/com.larry-price.test.service`: a client call with
//! no service running starts the service, and gets its answer.

mod common;

use common::{PrivateBus, fits, printed_number};
use random_data::BUS_NAME;

#[tokio::test]
async fn a_call_with_no_service_running_starts_it() {
    let services = tempfile::tempdir().unwrap();
    let shipped = include_str!("../dist/com.larry-price.test.service");
    let bindir = std::path::Path::new(env!("CARGO_BIN_EXE_random-data-service"))
        .parent()
        .unwrap();
    std::fs::write(
        services.path().join("com.larry-price.test.service"),
        shipped.replace("@bindir@", &bindir.display().to_string()),
    )
    .unwrap();
    let bus = PrivateBus::start_with_services(Some(services.path())).await;
    let dbus = zbus::fdo::DBusProxy::new(&bus.connect().await)
        .await
        .unwrap();
    let name = zbus::names::BusName::try_from(BUS_NAME).unwrap();
    assert!(!dbus.name_has_owner(name.clone()).await.unwrap());

    let output = bus.run_client(&["24"]).await;
    assert!(fits(&printed_number(&output), 24));
    assert!(
        dbus.name_has_owner(name).await.unwrap(),
        "the activated service left"
    );
}
