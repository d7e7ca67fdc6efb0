//! Limits, cancellation, shutdown and failure: the service holds under bad callers and lost
//! buses, and the client never hangs.

use crate::common;

use std::time::{Duration, Instant};

use common::{PrivateBus, fits, printed_number};
use random_data::service::BUSY;
use zbus::names::BusName;

/// The D-Bus error name and message of a failed call.
fn error_name(error: zbus::Error) -> (String, String) {
    match error {
        zbus::Error::MethodError(name, message, _) => {
            (name.to_string(), message.unwrap_or_default())
        }
        other => panic!("expected a D-Bus error reply, got {other:?}"),
    }
}

#[tokio::test]
async fn limits_per_caller_and_in_all_answer_busy_naming_the_limit() {
    let bus = PrivateBus::start().await;
    let limits = ["--max-pending-per-caller", "3", "--max-pending", "5"];
    let _service = bus
        .start_service_with(&[&limits[..], &["--bit-interval", "1s"]].concat())
        .await;

    let first = bus.proxy().await;
    for _ in 0..3 {
        first.slow(100).await.unwrap();
    }
    let (name, message) = error_name(first.slow(100).await.unwrap_err());
    assert_eq!(name, BUSY);
    assert!(
        message.contains("3 slow requests pending, the limit per caller"),
        "{message}"
    );

    let second = bus.proxy().await;
    second.slow(100).await.unwrap();
    second.slow(100).await.unwrap();
    let (name, message) = error_name(bus.proxy().await.slow(100).await.unwrap_err());
    assert_eq!(name, BUSY);
    assert!(
        message.contains("5 slow requests pending, its limit"),
        "{message}"
    );

    // quick is not limited, and the client reports Busy with exit code 1.
    assert!(first.quick(8).await.is_ok());
    let output = bus.run_client(&["8", "--slow"]).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("Error.Busy"));
}

#[tokio::test]
async fn a_caller_that_leaves_frees_its_places_at_once() {
    let bus = PrivateBus::start().await;
    let _service = bus
        .start_service_with(&["--max-pending", "5", "--bit-interval", "1s"])
        .await;

    // Five requests that would take 100 s each, then the caller vanishes.
    let leaver = bus.connect().await;
    let proxy = random_data::RandomDataProxy::new(&leaver).await.unwrap();
    for _ in 0..5 {
        proxy.slow(100).await.unwrap();
    }
    drop(proxy);
    leaver.close().await.unwrap();

    let other = bus.proxy().await;
    let started = Instant::now();
    let admitted = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match other.slow(1).await {
                Ok(id) => return id,
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        }
    })
    .await;
    assert!(
        admitted.is_ok(),
        "the departed caller's requests still hold the limit"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn sigterm_finishes_pending_requests_at_once_then_releases_the_name() {
    let bus = PrivateBus::start().await;
    let service = bus.start_service_with(&["--bit-interval", "1s"]).await;

    // 100 bits at 1 s a bit: 100 s, unless the service hurries.
    let client = bus.spawn_client(&["100", "--slow", "--timeout", "60s"]);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let started = Instant::now();
    service.signal("TERM").await;

    let output = client.await.unwrap();
    assert!(fits(&printed_number(&output), 100));
    assert!(started.elapsed() < Duration::from_secs(10));
    let (code, stderr) = service.exit().await;
    assert_eq!(code, Some(0), "{stderr}");
    let dbus = zbus::fdo::DBusProxy::new(&bus.connect().await)
        .await
        .unwrap();
    let name = BusName::try_from(random_data::SERVICE_NAME).unwrap();
    assert!(!dbus.name_has_owner(name).await.unwrap());
}

#[tokio::test]
async fn the_client_notices_at_once_when_the_service_dies() {
    let bus = PrivateBus::start().await;
    let service = bus.start_service_with(&["--bit-interval", "1s"]).await;
    let client = bus.spawn_client(&["100", "--slow", "--timeout", "60s"]);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let started = Instant::now();
    service.signal("KILL").await;

    let output = client.await.unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("left the bus"));
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn a_lost_bus_is_logged_and_ends_the_service_with_exit_2() {
    let mut bus = PrivateBus::start().await;
    let service = bus.start_service().await;
    bus.kill_daemon().await;

    let (code, stderr) = service.exit().await;
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("lost the connection to the bus"),
        "{stderr}"
    );
}
