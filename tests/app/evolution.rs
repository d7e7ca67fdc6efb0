//! What the API gained through the XML (0.2): progress for slow requests, the tick as a
//! property, and what the client does with them; plus the client's JSON output.

use crate::common;

use common::{PrivateBus, WAIT, debian_tool, fits, run_with_timeout};
use futures_util::StreamExt;

#[tokio::test]
async fn slow_with_progress_reports_every_bit_before_the_result() {
    let mut bus = PrivateBus::start_watched().await;
    let _service = bus.start_service().await;
    let proxy = bus.proxy().await;
    let mut steps = proxy.receive_slow_progress().await.unwrap();
    let mut results = proxy.receive_slow_result().await.unwrap();

    let id = proxy.slow_with_progress(6).await.unwrap();
    let mut done = Vec::new();
    for _ in 0..6 {
        let step = tokio::time::timeout(WAIT, steps.next())
            .await
            .unwrap()
            .unwrap();
        let args = step.args().unwrap();
        assert_eq!((args.thread_id(), *args.total()), (&id, 6));
        done.push(*args.done());
    }
    assert_eq!(done, [1, 2, 3, 4, 5, 6]);
    let result = tokio::time::timeout(WAIT, results.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(result.args().unwrap().thread_id(), &id);

    // Plain slow requests send no progress.
    proxy.slow(3).await.unwrap();
    tokio::time::timeout(WAIT, results.next())
        .await
        .unwrap()
        .unwrap();
    let extra = tokio::time::timeout(std::time::Duration::from_millis(200), steps.next()).await;
    assert!(extra.is_err(), "slow sent progress");
    bus.assert_contract_kept().await;
}

#[tokio::test]
async fn the_tick_is_a_read_only_property() {
    let bus = PrivateBus::start().await;
    let _service = bus.start_service_with(&["--bit-interval", "250ms"]).await;
    let proxy = bus.proxy().await;
    assert_eq!(proxy.bit_interval_ms().await.unwrap(), 250);
    let mut busctl = debian_tool("busctl", "systemd");
    busctl.env("DBUS_SESSION_BUS_ADDRESS", bus.address()).args([
        "--user",
        "get-property",
        random_data::SERVICE_NAME,
        random_data::OBJECT_PATH,
        random_data::random_data_server::INTERFACE_NAME,
        "bit_interval_ms",
    ]);
    let output = run_with_timeout(busctl).await;
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        "u 250",
        "{output:?}"
    );
}

#[tokio::test]
async fn json_output_carries_the_number_and_the_request_id() {
    let mut bus = PrivateBus::start_watched().await;
    let _service = bus.start_service().await;

    let quick = bus.run_client(&["40", "--json"]).await;
    let value: serde_json::Value = serde_json::from_slice(&quick.stdout).unwrap();
    assert_eq!(value["bits"], 40);
    assert!(value.get("request_id").is_none());
    let number: num_bigint::BigUint = value["number"].as_str().unwrap().parse().unwrap();
    assert!(fits(&number, 40));

    let slow = bus.run_client(&["5", "--slow", "--json"]).await;
    let value: serde_json::Value = serde_json::from_slice(&slow.stdout).unwrap();
    assert!(
        value["request_id"]
            .as_str()
            .is_some_and(|id| !id.is_empty())
    );
    let number: num_bigint::BigUint = value["number"].as_str().unwrap().parse().unwrap();
    assert!(fits(&number, 5));
    bus.assert_contract_kept().await;
}

#[tokio::test]
async fn piped_slow_output_is_quiet_and_a_terminal_gets_a_progress_bar() {
    let mut bus = PrivateBus::start_watched().await;
    let _service = bus.start_service().await;

    let piped = bus.run_client(&["8", "--slow"]).await;
    assert!(piped.status.success());
    assert!(
        piped.stderr.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&piped.stderr)
    );

    // `script` runs the client on a pseudo-terminal and records what it drew.
    let client = format!(
        "{} 20 --slow --address {}",
        env!("CARGO_BIN_EXE_random-data"),
        bus.address()
    );
    let mut script = debian_tool("script", "bsdutils");
    script.args(["-qec", &client, "/dev/null"]);
    let on_terminal = run_with_timeout(script).await;
    let drawn = String::from_utf8_lossy(&on_terminal.stdout);
    assert!(on_terminal.status.success(), "{drawn}");
    assert!(drawn.contains("/20 bits"), "no progress bar in {drawn:?}");
    assert!(drawn.contains("Your random number is: "), "{drawn:?}");
    bus.assert_contract_kept().await;
}
