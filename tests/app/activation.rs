//! D-Bus activation with the shipped `dist/session/com.larry-price.test.service`: a client call with
//! no service running starts the service, and gets its answer.

use crate::common;

use common::{PrivateBus, fits, printed_number};
use random_data::SERVICE_NAME;

#[tokio::test]
async fn a_call_with_no_service_running_starts_it() {
    let services = tempfile::tempdir().unwrap();
    let shipped = include_str!("../../dist/session/com.larry-price.test.service");
    let bindir = std::path::Path::new(env!("CARGO_BIN_EXE_random-data-service"))
        .parent()
        .unwrap();
    std::fs::write(
        services.path().join("com.larry-price.test.service"),
        shipped.replace("@bindir@", &bindir.display().to_string()),
    )
    .unwrap();
    let bus = PrivateBus::start_with_services(services.path()).await;
    let dbus = zbus::fdo::DBusProxy::new(&bus.connect().await)
        .await
        .unwrap();
    let name = zbus::names::BusName::try_from(SERVICE_NAME).unwrap();
    assert!(!dbus.name_has_owner(name.clone()).await.unwrap());

    let output = bus.run_client(&["24"]).await;
    assert!(fits(&printed_number(&output), 24));
    assert!(
        dbus.name_has_owner(name).await.unwrap(),
        "the activated service left"
    );
}

#[tokio::test]
async fn on_the_system_bus_only_the_dedicated_user_may_own_the_name() {
    let bus = PrivateBus::start_with(|dir| {
        common::system_bus_config(
            dir,
            include_str!("../../dist/system/com.larry-price.test.conf"),
        )
    })
    .await;

    // These tests do not run as the user random-data.
    let mut service = std::process::Command::new(env!("CARGO_BIN_EXE_random-data-service"));
    service.args(["--address", bus.address()]);
    let output = common::run_with_timeout(service).await;
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("not allowed to own the service"),
        "{stderr}"
    );
}
