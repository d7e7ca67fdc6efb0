//! A bounded soak: 20 clients join over time and make 500 slow requests each at a 1 ms tick,
//! while other clients make long requests and leave without waiting. Nothing is lost,
//! duplicated or mismatched, and the service's memory returns near its baseline.

use crate::common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use common::{PrivateBus, RunningService};
use futures_util::StreamExt;
use random_data::RandomDataProxy;
use tokio::task::JoinSet;

const CLIENTS: usize = 20;
const REQUESTS_PER_CLIENT: usize = 500;
const LEAVERS: usize = 5;
const LEAVER_REQUESTS: usize = 100;
/// Calls a client keeps in flight (the bus allows 128 awaiting replies per connection).
const IN_FLIGHT: usize = 50;
const SOAK_TIMEOUT: Duration = Duration::from_secs(120);
/// How far above its baseline the service's resident memory may stay after the soak.
const RSS_SLACK_KIB: u64 = 16 * 1024;

/// One client's requests and what it received, checked: every own id exactly once, nothing else.
async fn steady_client(proxy: RandomDataProxy<'static>) -> usize {
    let mut results = proxy.receive_slow_result().await.unwrap();
    let collector = tokio::spawn(async move {
        let mut received = Vec::new();
        while received.len() < REQUESTS_PER_CLIENT {
            let signal = results.next().await.expect("the signal stream");
            received.push(signal.args().unwrap().thread_id().to_string());
        }
        // Anything more within a moment is a duplicate or someone else's.
        if let Ok(Some(extra)) =
            tokio::time::timeout(Duration::from_millis(200), results.next()).await
        {
            panic!(
                "an extra slow_result: {:?}",
                extra.args().unwrap().thread_id()
            );
        }
        received
    });
    let mut ids = HashSet::new();
    for _ in 0..REQUESTS_PER_CLIENT / IN_FLIGHT {
        let mut calls = JoinSet::new();
        for _ in 0..IN_FLIGHT {
            let proxy = proxy.clone();
            calls.spawn(async move { proxy.slow(4).await.unwrap() });
        }
        ids.extend(calls.join_all().await);
    }
    assert_eq!(ids.len(), REQUESTS_PER_CLIENT, "an id was given twice");
    let received = collector.await.unwrap();
    let distinct: HashSet<&String> = received.iter().collect();
    assert_eq!(distinct.len(), received.len(), "a result arrived twice");
    assert!(
        received.iter().all(|id| ids.contains(id)),
        "a result that is not ours"
    );
    received.len()
}

/// Makes long requests, then leaves the bus without waiting for them.
async fn leaving_client(bus: &PrivateBus) {
    let connection = bus.connect().await;
    let proxy = RandomDataProxy::new(&connection).await.unwrap();
    for _ in 0..LEAVER_REQUESTS {
        proxy.slow(4096).await.unwrap();
    }
    drop(proxy);
    connection.close().await.unwrap();
}

fn rss_mib(service: &RunningService, field: &str) -> f64 {
    service.memory_kib(field) as f64 / 1024.0
}

#[tokio::test(flavor = "multi_thread")]
async fn many_clients_joining_and_leaving_lose_nothing_and_memory_returns() {
    let bus = PrivateBus::start().await;
    let service = bus.start_service_with(&["--bit-interval", "1ms"]).await;
    // Warm up, so that the baseline includes what the first requests allocate for good.
    assert_eq!(steady_client(bus.proxy().await).await, REQUESTS_PER_CLIENT);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let baseline = service.memory_kib("VmRSS");

    let started = Instant::now();
    let soak = async {
        let mut clients = JoinSet::new();
        for client in 0..CLIENTS {
            // Clients join over the first second.
            tokio::time::sleep(Duration::from_millis(50)).await;
            let proxy = bus.proxy().await;
            clients.spawn(steady_client(proxy));
            if client % (CLIENTS / LEAVERS) == 0 {
                leaving_client(&bus).await;
            }
        }
        clients.join_all().await.into_iter().sum::<usize>()
    };
    let delivered = tokio::time::timeout(SOAK_TIMEOUT, soak)
        .await
        .expect("the soak ends in time");
    let elapsed = started.elapsed();
    assert_eq!(delivered, CLIENTS * REQUESTS_PER_CLIENT);

    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = service.memory_kib("VmRSS");
    eprintln!(
        "soak: {delivered} slow requests from {CLIENTS} clients (+{} cancelled from {LEAVERS} leavers) in {:.1} s; service RSS before {:.1} MiB, peak {:.1} MiB, after {:.1} MiB",
        LEAVERS * LEAVER_REQUESTS,
        elapsed.as_secs_f64(),
        baseline as f64 / 1024.0,
        rss_mib(&service, "VmHWM"),
        after as f64 / 1024.0,
    );
    assert!(
        after <= baseline + RSS_SLACK_KIB,
        "RSS stayed at {after} KiB, baseline {baseline} KiB"
    );
    // The service still serves.
    assert!(bus.proxy().await.quick(8).await.is_ok());
}
