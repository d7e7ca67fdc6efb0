//! Many slow requests at once, from several clients: every client gets exactly the results of
//! its own requests, none lost, duplicated or mixed up.

mod common;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use common::{PrivateBus, WAIT, fits, printed_number};
use futures_util::StreamExt;
use random_data::RandomDataProxy;
use tokio::task::JoinSet;

const CLIENTS: usize = 5;
const REQUESTS_PER_CLIENT: usize = 20;
const BITS: i32 = 8;

/// What one client saw: the ids it was given, and every `slow_result` it received.
struct Seen {
    own_ids: HashSet<String>,
    signals: Vec<(String, String)>,
}

/// Subscribes, issues its requests concurrently, and collects every signal until it has seen
/// all of them (they are broadcast), then a little longer to catch duplicates.
async fn one_client(proxy: RandomDataProxy<'static>, total: usize) -> Seen {
    let mut results = proxy.receive_slow_result().await.unwrap();
    let mut calls = JoinSet::new();
    for _ in 0..REQUESTS_PER_CLIENT {
        let proxy = proxy.clone();
        calls.spawn(async move { proxy.slow(BITS).await.unwrap() });
    }
    let own_ids: HashSet<String> = calls.join_all().await.into_iter().collect();
    assert_eq!(
        own_ids.len(),
        REQUESTS_PER_CLIENT,
        "the service gave an id twice"
    );

    let mut signals = Vec::new();
    let mut collect = async |deadline: Duration, until: usize| {
        while signals.len() < until {
            match tokio::time::timeout(deadline, results.next()).await {
                Ok(Some(signal)) => {
                    let args = signal.args().unwrap();
                    signals.push((args.thread_id().to_string(), args.result().to_string()));
                }
                Ok(None) | Err(_) => break,
            }
        }
    };
    collect(WAIT, total).await;
    collect(Duration::from_millis(300), usize::MAX).await;
    Seen { own_ids, signals }
}

#[tokio::test]
async fn a_hundred_concurrent_slow_requests_each_get_their_own_result_once() {
    let bus = PrivateBus::start().await;
    let _service = bus.start_service().await;
    let total = CLIENTS * REQUESTS_PER_CLIENT;

    let mut clients = JoinSet::new();
    for _ in 0..CLIENTS {
        let proxy = bus.proxy().await;
        clients.spawn(one_client(proxy, total));
    }
    let seen = clients.join_all().await;

    let all_ids: HashSet<&String> = seen.iter().flat_map(|s| &s.own_ids).collect();
    assert_eq!(all_ids.len(), total, "ids were shared between clients");
    for client in &seen {
        let mut per_id: HashMap<&str, usize> = HashMap::new();
        for (id, result) in &client.signals {
            *per_id.entry(id).or_default() += 1;
            assert!(fits(&result.parse().unwrap(), BITS as u32));
        }
        for id in &client.own_ids {
            assert_eq!(
                per_id.get(id.as_str()),
                Some(&1),
                "result for {id} lost or repeated"
            );
        }
        assert_eq!(client.signals.len(), total, "signals lost or repeated");
        assert!(per_id.keys().all(|id| all_ids.contains(&id.to_string())));
    }
}

#[tokio::test]
async fn the_client_takes_only_the_result_of_its_own_request() {
    let bus = PrivateBus::start().await;
    let _service = bus.start_service().await;
    let proxy = bus.proxy().await;
    let mut results = proxy.receive_slow_result().await.unwrap();

    // While the client waits 16 ticks for its 16 bits, results for 1-bit requests of another
    // client keep arriving first.
    let client = tokio::spawn({
        let address = bus.address().to_owned();
        async move {
            let mut client = std::process::Command::new(env!("CARGO_BIN_EXE_random-data"));
            client.args(["16", "--slow", "--timeout", "15s", "--address", &address]);
            common::run_with_timeout(client).await
        }
    });
    let mut others = HashSet::new();
    for _ in 0..20 {
        others.insert(proxy.slow(1).await.unwrap());
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let printed = printed_number(&client.await.unwrap());

    let mut foreign_results = Vec::new();
    tokio::time::timeout(WAIT, async {
        while foreign_results.is_empty() {
            let signal = results.next().await.unwrap();
            let args = signal.args().unwrap();
            if !others.contains(*args.thread_id()) {
                foreign_results.push(args.result().to_string());
            }
        }
    })
    .await
    .expect("the client's own result was broadcast");
    assert_eq!(foreign_results, [printed.to_string()]);
}
