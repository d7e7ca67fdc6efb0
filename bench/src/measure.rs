//! Load generators and what they measure: calls with a fixed number in flight, and batches of
//! slow requests whose results are counted.

use std::collections::HashSet;
use std::future::Future;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use random_data::RandomDataProxy;
use serde::Serialize;
use tokio::task::JoinSet;

/// Throughput and latency of one load.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Load {
    /// Calls completed.
    pub calls: usize,
    /// Calls per second.
    pub per_second: f64,
    /// Median latency, microseconds.
    pub p50_us: f64,
    /// 99th percentile latency, microseconds.
    pub p99_us: f64,
}

/// Runs `call` from `in_flight` concurrent workers for `duration` and measures it.
pub(crate) async fn load<F, Fut>(
    in_flight: usize,
    duration: Duration,
    call: F,
) -> zbus::Result<Load>
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = zbus::Result<()>> + Send,
{
    let started = Instant::now();
    let mut latencies = run_for(in_flight, duration, call).await?;
    let elapsed = started.elapsed();
    latencies.sort_unstable();
    let percentile = |p: f64| {
        let index = ((latencies.len() as f64 * p) as usize).min(latencies.len() - 1);
        latencies[index].as_secs_f64() * 1e6
    };
    Ok(Load {
        calls: latencies.len(),
        per_second: latencies.len() as f64 / elapsed.as_secs_f64(),
        p50_us: percentile(0.50),
        p99_us: percentile(0.99),
    })
}

async fn run_for<F, Fut>(
    in_flight: usize,
    duration: Duration,
    call: F,
) -> zbus::Result<Vec<Duration>>
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = zbus::Result<()>> + Send,
{
    let deadline = Instant::now() + duration;
    let mut workers = JoinSet::new();
    for _ in 0..in_flight {
        let call = call.clone();
        workers.spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let started = Instant::now();
                call().await?;
                latencies.push(started.elapsed());
            }
            Ok::<_, zbus::Error>(latencies)
        });
    }
    let mut all = Vec::new();
    for latencies in workers.join_all().await {
        all.extend(latencies?);
    }
    Ok(all)
}

/// The outcome of a batch of slow requests.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct SlowBatch {
    /// Requests made.
    pub requests: usize,
    /// Seconds from the first call to the last call's reply (its id or an error).
    pub seconds_to_replies: f64,
    /// Seconds from the first call to the last result.
    pub seconds: f64,
    /// Calls answered with an error (refused, or timed out) instead of an id.
    pub refused: usize,
    /// The first such error.
    pub first_refusal: Option<String>,
    /// Requests whose result never reached the connection that made them.
    pub lost: usize,
    /// Results that reached their connection twice.
    pub duplicated: usize,
    /// Results for ids that no connection was given.
    pub mismatched: usize,
    /// Results that reached a connection which did not make the request (a broadcasting
    /// service sends every result to every subscriber; not an error).
    pub foreign: usize,
}

/// What one connection was given and received.
struct Share {
    given: HashSet<String>,
    received: Vec<String>,
    refusals: Vec<String>,
    replied: Instant,
}

/// Makes `requests` slow requests of `bits` bits, spread over `proxies` (one per connection)
/// with `in_flight` calls outstanding on each, and waits up to `timeout` for every result.
pub(crate) async fn slow_batch(
    proxies: &[RandomDataProxy<'static>],
    requests: usize,
    bits: i32,
    in_flight: usize,
    timeout: Duration,
) -> zbus::Result<SlowBatch> {
    let started = Instant::now();
    let mut connections = JoinSet::new();
    for (index, proxy) in proxies.iter().enumerate() {
        let share = (index..requests).step_by(proxies.len()).count();
        let proxy = proxy.clone();
        connections
            .spawn(async move { one_connection(proxy, share, bits, in_flight, timeout).await });
    }
    let mut shares = Vec::new();
    for share in connections.join_all().await {
        shares.push(share?);
    }
    let seconds = started.elapsed().as_secs_f64();
    let everyone: HashSet<&String> = shares.iter().flat_map(|s| &s.given).collect();
    let replied = shares.iter().map(|s| s.replied).max().unwrap_or(started);
    let mut refusals = shares.iter().flat_map(|s| &s.refusals);
    let mut batch = SlowBatch {
        requests,
        seconds_to_replies: (replied - started).as_secs_f64(),
        seconds,
        refused: refusals.clone().count(),
        first_refusal: refusals.next().cloned(),
        lost: 0,
        duplicated: 0,
        mismatched: 0,
        foreign: 0,
    };
    for share in &shares {
        let mut seen = HashSet::new();
        for id in &share.received {
            if share.given.contains(id) {
                if !seen.insert(id) {
                    batch.duplicated += 1;
                }
            } else if everyone.contains(id) {
                batch.foreign += 1;
            } else {
                batch.mismatched += 1;
            }
        }
        batch.lost += share.given.len() - seen.len();
    }
    Ok(batch)
}

/// One connection's share of the requests.
async fn one_connection(
    proxy: RandomDataProxy<'static>,
    requests: usize,
    bits: i32,
    in_flight: usize,
    timeout: Duration,
) -> zbus::Result<Share> {
    let mut results = proxy.receive_slow_result().await?;
    let (given_tx, mut given_rx) = tokio::sync::oneshot::channel::<HashSet<String>>();
    // Read results while calling (zbus stops reading a connection whose streams are full),
    // until every id this connection was given has its result.
    let collector = tokio::spawn(async move {
        let mut received = Vec::with_capacity(requests);
        let mut given: Option<HashSet<String>> = None;
        let mut own = 0;
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if given.as_ref().is_some_and(|g| own >= g.len()) {
                break;
            }
            tokio::select! {
                ids = &mut given_rx, if given.is_none() => {
                    let ids = ids.unwrap_or_default();
                    own = received.iter().filter(|id| ids.contains(*id)).count();
                    given = Some(ids);
                }
                signal = tokio::time::timeout_at(deadline, results.next()) => {
                    let Ok(Some(signal)) = signal else { break };
                    let Ok(args) = signal.args() else { continue };
                    let id = args.thread_id().to_string();
                    if given.as_ref().is_some_and(|g| g.contains(&id)) {
                        own += 1;
                    }
                    received.push(id);
                }
            }
        }
        received
    });
    let mut given = HashSet::with_capacity(requests);
    let mut callers = JoinSet::new();
    for caller in 0..in_flight {
        let proxy = proxy.clone();
        let calls = (caller..requests).step_by(in_flight).count();
        callers.spawn(async move {
            let mut ids = Vec::with_capacity(calls);
            let mut refusals = Vec::new();
            for _ in 0..calls {
                match proxy.slow(bits).await {
                    Ok(id) => ids.push(id),
                    Err(error) => refusals.push(error.to_string()),
                }
            }
            (ids, refusals)
        });
    }
    let mut refusals = Vec::new();
    for (ids, refused) in callers.join_all().await {
        given.extend(ids);
        refusals.extend(refused);
    }
    let replied = Instant::now();
    let _ = given_tx.send(given.clone());
    let received = collector.await.expect("the collector");
    Ok(Share {
        given,
        received,
        refusals,
        replied,
    })
}

/// The memory of a bare sleeping tokio task in this process, in bytes: resident memory before
/// and after spawning `count` tasks that only sleep (and keeping an abort handle to each, as a
/// registry would), divided by `count`. The baseline for the service's cost per pending
/// request.
pub(crate) async fn bare_task_bytes(count: usize) -> f64 {
    let rss = || crate::processes::status_mib("/proc/self/status", "VmRSS");
    let before = rss();
    let tasks: Vec<tokio::task::AbortHandle> = (0..count)
        .map(|_| tokio::spawn(tokio::time::sleep(Duration::from_secs(3600))).abort_handle())
        .collect();
    // Let every task run once, so that its timer is registered.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let after = rss();
    for task in &tasks {
        task.abort();
    }
    (after - before) * 1024.0 * 1024.0 / count as f64
}
