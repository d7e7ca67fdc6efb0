//! Quick and slow requests end to end over a private bus: through the generated proxy and
//! through the real client binary.

use crate::common;

use std::time::{Duration, Instant};

use common::{PrivateBus, WAIT, fits, printed_number};
use futures_util::StreamExt;
use num_bigint::BigUint;

#[tokio::test]
async fn quick_numbers_have_the_requested_width() {
    let mut bus = PrivateBus::start_watched().await;
    let _service = bus.start_service().await;
    let proxy = bus.proxy().await;

    for bits in [1, 2, 16, 63, 64, 65, 1000, 4096] {
        let mut widest = 0;
        for _ in 0..32 {
            let number: BigUint = proxy.quick(bits).await.unwrap().parse().unwrap();
            assert!(
                fits(&number, bits as u32),
                "{number} has more than {bits} bits"
            );
            widest = widest.max(number.bits());
        }
        // The top bit is set in half of all draws: 32 draws all without it have odds 2^-32.
        assert_eq!(
            widest, bits as u64,
            "no draw of {bits} bits used the top bit"
        );
    }
    bus.assert_contract_kept().await;
}

#[tokio::test]
async fn slow_result_carries_the_returned_id_after_one_tick_per_bit() {
    let mut bus = PrivateBus::start_watched().await;
    let _service = bus.start_service().await;
    let proxy = bus.proxy().await;

    let mut results = proxy.receive_slow_result().await.unwrap();
    let started = Instant::now();
    let request_id = proxy.slow(12).await.unwrap();
    let signal = tokio::time::timeout(WAIT, results.next())
        .await
        .expect("slow_result in time")
        .expect("a signal");
    let args = signal.args().unwrap();

    assert_eq!(args.thread_id(), &request_id);
    let number: BigUint = args.result().parse().unwrap();
    assert!(fits(&number, 12));
    // 12 bits at the tests' 10 ms tick.
    assert!(started.elapsed() >= Duration::from_millis(120));
    bus.assert_contract_kept().await;
}

#[tokio::test]
async fn request_ids_are_unique() {
    let mut bus = PrivateBus::start_watched().await;
    let _service = bus.start_service().await;
    let proxy = bus.proxy().await;

    let mut ids = std::collections::HashSet::new();
    for _ in 0..50 {
        assert!(ids.insert(proxy.slow(1).await.unwrap()), "an id came twice");
    }
    bus.assert_contract_kept().await;
}

#[tokio::test]
async fn client_prints_a_quick_number() {
    let mut bus = PrivateBus::start_watched().await;
    let _service = bus.start_service().await;

    assert!(fits(&printed_number(&bus.run_client(&["100"]).await), 100));
    // BITS defaults to 16.
    assert!(fits(&printed_number(&bus.run_client(&[]).await), 16));
    bus.assert_contract_kept().await;
}

#[tokio::test]
async fn client_prints_a_slow_number() {
    let mut bus = PrivateBus::start_watched().await;
    let _service = bus.start_service().await;

    for flag in ["--slow", "-s"] {
        let output = bus.run_client(&["10", flag, "--timeout", "15s"]).await;
        assert!(fits(&printed_number(&output), 10));
    }
    bus.assert_contract_kept().await;
}

#[tokio::test]
async fn client_without_a_service_says_so_and_exits_2() {
    let bus = PrivateBus::start().await;

    for args in [&["8"][..], &["8", "--slow"][..]] {
        let output = bus.run_client(args).await;
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("service is not reachable"), "{stderr}");
    }
}

#[tokio::test]
async fn client_gives_up_on_a_slow_request_at_its_timeout() {
    let mut bus = PrivateBus::start_watched().await;
    let _service = bus.start_service().await;

    // 200 bits take 2 s at the tests' tick; the client waits 300 ms.
    let started = Instant::now();
    let output = bus
        .run_client(&["200", "--slow", "--timeout", "300ms"])
        .await;
    assert_eq!(output.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no result for request"));
    assert!(started.elapsed() < Duration::from_secs(2));
    bus.assert_contract_kept().await;
}
