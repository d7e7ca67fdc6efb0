//! Instructions per call, counted under valgrind's callgrind: figures that the noise of a
//! shared machine cannot move. A server runs under callgrind twice, once for `small` calls
//! and once for `large`; the difference of the two totals over `large - small` is the
//! steady-state count per call, free of start-up and shut-down.
//!
//! Within one process the count per call barely moves (±0.01 %), but some processes of the
//! same program run in a second steady state that costs about 2.5 % more per call, all of it
//! in glibc's malloc and free (the allocator's free lists end up shaped differently; which
//! processes do varies from run to run). Noise of this kind only adds: the figure takes the
//! smallest total at each count over `repeats` processes, and the report shows the spread of
//! the pairs beside it.

use std::path::PathBuf;
use std::time::Duration;

use futures_util::StreamExt;
use random_data::RandomDataProxy;
use serde::Serialize;
use test_bus::PrivateBus;

use crate::processes::{self, Service};
use crate::stats::Spread;

/// The client's pause between two counted calls.
const PAUSE: Duration = Duration::from_millis(1);

/// What the client does, once per counted call.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Work {
    /// `quick(16)`.
    Quick,
    /// `slow(4)`, then its `slow_result`: the call, the ticks and the signal.
    Slow,
}

/// How many calls the two runs of a count make, and how many pairs of runs there are.
#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct Calls {
    pub small: usize,
    pub large: usize,
    pub repeats: usize,
}

/// The command line that runs a server under callgrind, writing its report to `report`.
pub(crate) fn callgrind(report: &std::path::Path) -> String {
    format!(
        "valgrind --tool=callgrind --quiet --callgrind-out-file={}",
        report.display()
    )
}

/// A report file of this run's, for the `index`th count.
pub(crate) fn report_path(index: usize) -> PathBuf {
    std::env::temp_dir().join(format!(
        "random-data-bench-{}-{index}.callgrind",
        std::process::id()
    ))
}

/// Steady-state instructions per call of `work` against a server that `start` starts on a
/// bus under the given wrapper command line.
pub(crate) async fn per_call<F, Fut>(start: F, work: Work, calls: Calls) -> zbus::Result<Count>
where
    F: Fn(PrivateBus, String) -> Fut,
    Fut: Future<Output = zbus::Result<(PrivateBus, Service)>>,
{
    let per_call =
        |small: u64, large: u64| (large as f64 - small as f64) / (calls.large - calls.small) as f64;
    let mut pairs = Vec::new();
    for _ in 0..calls.repeats {
        let small = total(&start, work, calls.small).await?;
        let large = total(&start, work, calls.large).await?;
        pairs.push((small, large));
    }
    let smallest = |of: fn(&(u64, u64)) -> u64| pairs.iter().map(of).min().expect("a pair");
    Ok(Count {
        per_call: per_call(smallest(|p| p.0), smallest(|p| p.1)),
        pairs: Spread::of(pairs.iter().map(|&(small, large)| per_call(small, large))),
    })
}

/// Instructions per call.
#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct Count {
    /// From the smallest totals.
    pub per_call: f64,
    /// From each pair of processes: median (min–max).
    pub pairs: Spread,
}

/// The instructions of a server process that answered `count` calls of `work`, start-up and
/// shut-down included.
async fn total<F, Fut>(start: &F, work: Work, count: usize) -> zbus::Result<u64>
where
    F: Fn(PrivateBus, String) -> Fut,
    Fut: Future<Output = zbus::Result<(PrivateBus, Service)>>,
{
    let report = report_path(count);
    let (bus, service) = start(processes::start_bus()?, callgrind(&report)).await?;
    let proxy = RandomDataProxy::builder(&processes::connect(&bus).await?)
        .cache_properties(zbus::proxy::CacheProperties::No)
        .build()
        .await?;
    for _ in 0..count {
        one(&proxy, work).await?;
        // Each call finds the server idle: without the pause, whether the next call arrives
        // before the server (slowed down by valgrind) has gone back to waiting varies from
        // process to process, and so does the count, by about 2 %.
        tokio::time::sleep(PAUSE).await;
    }
    service.terminate(Duration::from_secs(120)).await?;
    let total = read_total(&report);
    let _ = std::fs::remove_file(&report);
    total
}

async fn one(proxy: &RandomDataProxy<'_>, work: Work) -> zbus::Result<()> {
    match work {
        Work::Quick => proxy.quick(16).await.map(drop),
        Work::Slow => {
            let mut results = proxy.receive_slow_result().await?;
            let id = proxy.slow(4).await?;
            let wait = async {
                while let Some(result) = results.next().await {
                    if result.args()?.thread_id == id {
                        return Ok(());
                    }
                }
                Err(zbus::Error::Failure("the signal stream ended".into()))
            };
            tokio::time::timeout(Duration::from_secs(60), wait)
                .await
                .map_err(|_| {
                    zbus::Error::Failure(format!(
                        "no slow_result for request {id} within 60 s under valgrind"
                    ))
                })?
        }
    }
}

/// The total instruction count of a callgrind report (its `totals:` or `summary:` line).
fn read_total(report: &std::path::Path) -> zbus::Result<u64> {
    let text = std::fs::read_to_string(report).map_err(|e| {
        zbus::Error::Failure(format!(
            "no callgrind report at {} ({e}): is valgrind installed (Debian package valgrind)?",
            report.display()
        ))
    })?;
    text.lines()
        .rev()
        .find_map(|line| {
            line.strip_prefix("totals:")
                .or_else(|| line.strip_prefix("summary:"))
        })
        .and_then(|count| count.split_whitespace().next()?.parse().ok())
        .ok_or_else(|| zbus::Error::Failure(format!("{} has no totals line", report.display())))
}
