//! Bad calls get named D-Bus errors, and the service goes on serving; a second instance
//! refuses to start.

use crate::common;

use common::PrivateBus;
use random_data::random_data_server::INTERFACE_NAME;
use random_data::{OBJECT_PATH, SERVICE_NAME};
use zbus::fdo;

/// The `fdo::Error` inside a failed call.
fn fdo_error(error: zbus::Error) -> fdo::Error {
    match error {
        zbus::Error::FDO(error) => *error,
        other => panic!("expected a standard D-Bus error, got {other:?}"),
    }
}

#[tokio::test]
async fn out_of_range_bits_get_invalid_args_that_state_the_range() {
    let bus = PrivateBus::start().await;
    let _service = bus.start_service().await;
    let proxy = bus.proxy().await;

    for bits in [0, -5, 4097, i32::MIN, i32::MAX] {
        for error in [proxy.quick(bits).await, proxy.slow(bits).await] {
            match fdo_error(error.unwrap_err()) {
                fdo::Error::InvalidArgs(message) => {
                    assert_eq!(
                        message,
                        format!("bits must be between 1 and 4096, got {bits}")
                    )
                }
                other => panic!("expected InvalidArgs, got {other:?}"),
            }
        }
    }
    assert!(proxy.quick(16).await.is_ok(), "the service stopped serving");
}

#[tokio::test]
async fn wrong_argument_types_get_invalid_args() {
    let bus = PrivateBus::start().await;
    let _service = bus.start_service().await;
    let connection = bus.connect().await;

    for method in ["quick", "slow"] {
        let a_string = connection
            .call_method(
                Some(SERVICE_NAME),
                OBJECT_PATH,
                Some(INTERFACE_NAME),
                method,
                &("sixteen",),
            )
            .await;
        let nothing = connection
            .call_method(
                Some(SERVICE_NAME),
                OBJECT_PATH,
                Some(INTERFACE_NAME),
                method,
                &(),
            )
            .await;
        for reply in [a_string, nothing] {
            let error = fdo_error(reply.unwrap_err());
            assert!(
                matches!(error, fdo::Error::InvalidArgs(_)),
                "{method}: {error:?}"
            );
        }
    }
    assert!(
        bus.proxy().await.quick(16).await.is_ok(),
        "the service stopped serving"
    );
}

#[tokio::test]
async fn client_reports_bits_out_of_range_and_exits_1() {
    let bus = PrivateBus::start().await;
    let _service = bus.start_service().await;

    for args in [&["0"][..], &["-3", "--slow"][..], &["5000"][..]] {
        let output = bus.run_client(args).await;
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("InvalidArgs: bits must be between 1 and 4096"),
            "{stderr}"
        );
    }
}

#[tokio::test]
async fn a_second_instance_exits_1_and_the_first_keeps_its_name() {
    let bus = PrivateBus::start().await;
    let _service = bus.start_service().await;
    let connection = bus.connect().await;
    let dbus = fdo::DBusProxy::new(&connection).await.unwrap();
    let owner = dbus
        .get_name_owner(SERVICE_NAME.try_into().unwrap())
        .await
        .unwrap();

    let mut second = std::process::Command::new(env!("CARGO_BIN_EXE_random-data-service"));
    second.args(["--address", bus.address()]);
    let output = common::run_with_timeout(second).await;

    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr).trim(),
        "service is already running"
    );
    let owner_after = dbus
        .get_name_owner(SERVICE_NAME.try_into().unwrap())
        .await
        .unwrap();
    assert_eq!(owner, owner_after, "the second instance took the name");
    assert!(bus.proxy().await.quick(8).await.is_ok());
}
