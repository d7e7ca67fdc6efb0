//! Many slow requests at once, from several clients: every client gets exactly the results of
//! its own requests, none lost, duplicated or mixed up.

use crate::common;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use common::{PrivateBus, WAIT, fits, printed_number};
use futures_util::StreamExt;
use random_data::{
    OBJECT_PATH, RandomData, RandomDataCall, RandomDataProxy, RandomDataServer, SERVICE_NAME,
};
use tokio::task::JoinSet;

const CLIENTS: usize = 5;
const REQUESTS_PER_CLIENT: usize = 20;
const BITS: i32 = 8;

/// What one client saw: the ids it was given, and every `slow_result` it received.
struct Seen {
    own_ids: HashSet<String>,
    signals: Vec<(String, String)>,
}

/// Subscribes, issues its requests concurrently, and collects every signal it receives until it
/// has as many as it made requests, then a little longer to catch duplicates.
async fn one_client(proxy: RandomDataProxy<'static>) -> Seen {
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
    collect(WAIT, REQUESTS_PER_CLIENT).await;
    collect(Duration::from_millis(300), usize::MAX).await;
    Seen { own_ids, signals }
}

#[tokio::test]
async fn a_hundred_concurrent_slow_requests_each_get_their_own_result_once() {
    let mut bus = PrivateBus::start_watched().await;
    let _service = bus.start_service().await;
    let total = CLIENTS * REQUESTS_PER_CLIENT;

    let mut clients = JoinSet::new();
    for _ in 0..CLIENTS {
        let proxy = bus.proxy().await;
        clients.spawn(one_client(proxy));
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
        // Results go to their caller alone.
        assert_eq!(
            client.signals.len(),
            REQUESTS_PER_CLIENT,
            "signals lost or repeated"
        );
        assert!(per_id.keys().all(|id| client.own_ids.contains(*id)));
    }
    bus.assert_contract_kept().await;
}

/// A stand-in service that answers every slow request with the id `mine`, then emits a result
/// for another id before the result for `mine`.
struct Impostor;

impl RandomData for Impostor {
    type Error = zbus::fdo::Error;

    async fn quick(&self, _bits: i32, _call: &RandomDataCall<'_>) -> zbus::fdo::Result<String> {
        Ok("0".into())
    }

    async fn slow(&self, _bits: i32, call: &RandomDataCall<'_>) -> zbus::fdo::Result<String> {
        let signals = call.signals();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(100)).await;
            signals.slow_result("theirs", "1").await.unwrap();
            signals.slow_result("mine", "42").await.unwrap();
        });
        Ok("mine".into())
    }

    async fn slow_with_progress(
        &self,
        bits: i32,
        call: &RandomDataCall<'_>,
    ) -> zbus::fdo::Result<String> {
        self.slow(bits, call).await
    }

    async fn bit_interval_ms(&self) -> zbus::fdo::Result<u32> {
        Ok(100)
    }
}

#[tokio::test]
async fn the_client_takes_only_the_result_with_its_own_id() {
    let mut bus = PrivateBus::start_watched().await;
    let _impostor = zbus::connection::Builder::address(bus.address())
        .name(SERVICE_NAME)
        .serve_at(OBJECT_PATH, RandomDataServer::new(Impostor))
        .build()
        .await
        .unwrap();

    let output = bus.run_client(&["8", "--slow", "--timeout", "10s"]).await;
    assert_eq!(printed_number(&output).to_string(), "42");
    bus.assert_contract_kept().await;
}

#[tokio::test]
async fn a_third_client_observes_no_result_of_others() {
    let mut bus = PrivateBus::start_watched().await;
    let _service = bus.start_service().await;
    let observer = bus.proxy().await;
    let mut observed = observer.receive_slow_result().await.unwrap();

    let caller = bus.proxy().await;
    let mut results = caller.receive_slow_result().await.unwrap();
    let id = caller.slow(4).await.unwrap();
    let signal = tokio::time::timeout(WAIT, results.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(signal.args().unwrap().thread_id(), &id);

    let leaked = tokio::time::timeout(Duration::from_millis(300), observed.next()).await;
    assert!(
        leaked.is_err(),
        "the observer received another caller's result"
    );
    bus.assert_contract_kept().await;
}
