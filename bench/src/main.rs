//! `random-data-bench`: measures the service against the bus's own limit (Peer.Ping on the
//! same connection) and against the original Python service, in one run, on private buses.
//! Call loads run in interleaved rounds (quick, Ping and Python's quick in turn, the order
//! rotating) and are reported as the median and the spread over the rounds. Memory is
//! measured with many slow requests pending (a window of calls in flight, then bursts of
//! calls sent at once), against a bare sleeping tokio task measured in the same run. Prints
//! one line per figure and writes them all as JSON.
//!
//! Build it with the other binaries, in release mode (debug builds are about ten times slower
//! on the bus): `cargo build --release -p random-data -p random-data-bench --bins && target/release/random-data-bench`.

mod measure;
mod processes;
mod report;
mod stats;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use measure::{Load, SlowBatch, bare_task_bytes, load, slow_batch};
use processes::Service;
use random_data::{OBJECT_PATH, RandomDataProxy};
use serde::Serialize;
use stats::Spread;
use test_bus::PrivateBus;

/// Benchmark random-data against Peer.Ping and the original Python service.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// A short run (small counts, brief loads, two rounds), to check that the benchmark works.
    #[arg(long)]
    short: bool,
    /// Where to write the figures as JSON.
    #[arg(long, default_value = "target/bench.json")]
    output: PathBuf,
    /// The tick of slow requests (both services).
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = humantime::parse_duration)]
    slow_tick: Duration,
    /// The Python tutorial service to compare with.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/python/tutorial_service.py"))]
    python_service: PathBuf,
    /// Interleaved rounds of the call loads [default: 7; 2 with --short].
    #[arg(long, value_name = "N")]
    rounds: Option<usize>,
    /// Slow requests pending at once in the windowed load [default: 100000; 1000 with --short].
    #[arg(long, value_name = "N")]
    pending: Option<usize>,
    /// A burst: N slow requests sent at once, 1000 from each of N/1000 connections; repeat
    /// for several [default: 10000, 20000, 40000; 2000 with --short].
    #[arg(long = "burst", value_name = "N")]
    bursts: Vec<usize>,
    /// Measure only this part.
    #[arg(long, value_enum)]
    only: Option<Part>,
    /// Run our service under this command, e.g. `heaptrack -o /tmp/service`, to profile it
    /// (its CPU and memory figures are then the wrapper's).
    #[arg(long, value_name = "COMMAND")]
    wrap: Option<String>,
}

/// The parts of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Part {
    /// quick, Ping and Python's quick, in rounds.
    Calls,
    /// Slow requests through a window of calls in flight, and Python's.
    Windowed,
    /// Bursts of slow requests.
    Bursts,
}

/// How big a run is.
struct Plan {
    load_time: Duration,
    rounds: usize,
    pending: usize,
    python_slow_count: usize,
    bursts: Vec<usize>,
}

impl Plan {
    fn of(args: &Args) -> Self {
        let (load_time, rounds, pending, python_slow_count, bursts) = if args.short {
            (Duration::from_millis(300), 2, 1_000, 100, vec![2_000])
        } else {
            (
                Duration::from_secs(2),
                7,
                100_000,
                1_000,
                vec![10_000, 20_000, 40_000],
            )
        };
        Self {
            load_time,
            rounds: args.rounds.unwrap_or(rounds),
            pending: args.pending.unwrap_or(pending),
            python_slow_count,
            bursts: if args.bursts.is_empty() {
                bursts
            } else {
                args.bursts.clone()
            },
        }
    }
}

/// Caps high enough for any load here, so that none is refused.
const RAISED_CAPS: [&str; 6] = [
    "--max-pending-per-caller",
    "10000000",
    "--max-pending-per-user",
    "10000000",
    "--max-pending",
    "10000000",
];

/// Throughput, latency and CPU of one service under `quick` (or `Ping`) load, in one round.
#[derive(Debug, Serialize)]
struct CallFigures {
    in_flight_1: Load,
    in_flight_64: Load,
    /// The service's CPU time per call over both loads, microseconds.
    cpu_us_per_call: f64,
}

/// One target's figures over the rounds.
#[derive(Debug, Serialize)]
struct CallSummary {
    per_second_64: Spread,
    p50_us_1: Spread,
    p99_us_1: Spread,
    cpu_us_per_call: Spread,
}

impl CallSummary {
    fn of(rounds: &[CallFigures]) -> Self {
        Self {
            per_second_64: Spread::of(rounds.iter().map(|r| r.in_flight_64.per_second)),
            p50_us_1: Spread::of(rounds.iter().map(|r| r.in_flight_1.p50_us)),
            p99_us_1: Spread::of(rounds.iter().map(|r| r.in_flight_1.p99_us)),
            cpu_us_per_call: Spread::of(rounds.iter().map(|r| r.cpu_us_per_call)),
        }
    }
}

/// The call loads, round by round, and what they add up to.
#[derive(Debug, Serialize)]
struct CallRounds {
    quick: Vec<CallFigures>,
    ping: Vec<CallFigures>,
    python_quick: Vec<CallFigures>,
    summary: CallRatios,
}

/// The call targets' medians and spreads, and their ratios, each taken within a round.
#[derive(Debug, Serialize)]
struct CallRatios {
    quick: CallSummary,
    ping: CallSummary,
    python_quick: CallSummary,
    /// quick / Ping service CPU per call (target <= 1.1).
    cpu_quick_vs_ping: Spread,
    /// quick / Ping p50 latency at 1 in flight (target <= 1.05).
    p50_quick_vs_ping: Spread,
    /// quick / Ping throughput at 64 in flight (target >= 0.95).
    throughput_quick_vs_ping: Spread,
    /// Ours / Python service CPU per quick call (target <= 0.5).
    cpu_quick_vs_python: Spread,
}

/// One batch of slow requests against one service.
#[derive(Debug, Serialize)]
struct SlowFigures {
    #[serde(flatten)]
    batch: SlowBatch,
    /// The service's resident memory before the batch, MiB.
    rss_before_mib: f64,
    /// The service's peak resident memory, MiB.
    peak_rss_mib: f64,
    /// The peak's growth over the resident memory before, per request, bytes.
    bytes_per_request: f64,
    /// The service's CPU time per request, microseconds.
    cpu_us_per_request: f64,
}

/// Slow requests through a window of calls in flight.
#[derive(Debug, Serialize)]
struct Windowed {
    ours: SlowFigures,
    python: SlowFigures,
    /// A bare sleeping tokio task (with an abort handle), bytes: the floor.
    bare_task_bytes: f64,
    /// Ours per pending request / bare task.
    bytes_vs_bare_task: f64,
    /// Ours / Python CPU per slow request (target <= 0.25).
    cpu_per_slow_vs_python: f64,
}

#[derive(Debug, Serialize)]
struct Figures {
    machine: String,
    calls: Option<CallRounds>,
    windowed: Option<Windowed>,
    bursts: Vec<SlowFigures>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args).await {
        Ok(figures) => {
            report::print(&figures);
            let json = serde_json::to_string_pretty(&figures).expect("figures serialize");
            if let Err(error) = std::fs::write(&args.output, json + "\n") {
                eprintln!(
                    "random-data-bench: cannot write {}: {error}",
                    args.output.display()
                );
                return ExitCode::FAILURE;
            }
            println!("figures written to {}", args.output.display());
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("random-data-bench: {error}");
            ExitCode::FAILURE
        }
    }
}

/// What a run needs: its plan, a bus, and how to start each service on it.
struct Run<'a> {
    args: &'a Args,
    plan: Plan,
    bus: PrivateBus,
    ours: PathBuf,
    tick: String,
}

impl Run<'_> {
    /// Starts our service on `bus` with raised caps.
    async fn our_service(&self, bus: &PrivateBus) -> zbus::Result<Service> {
        let args = [
            &["--address", bus.address(), "--bit-interval", &self.tick][..],
            &RAISED_CAPS[..],
        ]
        .concat();
        Service::start(bus, &self.ours, &args, self.args.wrap.as_deref()).await
    }

    /// Starts the Python service on `bus`.
    async fn python_service(&self, bus: &PrivateBus) -> zbus::Result<Service> {
        let tick = self.args.slow_tick.as_secs_f64().to_string();
        let script = self.args.python_service.to_string_lossy();
        let args = [&script[..], bus.address(), &tick];
        Service::start(bus, Path::new("/usr/bin/python3"), &args, None).await
    }
}

async fn run(args: &Args) -> zbus::Result<Figures> {
    let wanted = |part| args.only.is_none_or(|only| only == part);
    let run = Run {
        args,
        plan: Plan::of(args),
        bus: processes::start_bus()?,
        ours: sibling_binary("random-data-service")?,
        tick: humantime::format_duration(args.slow_tick).to_string(),
    };
    // First, while this process's heap is fresh.
    let bare_task = bare_task_bytes(100_000).await;
    let calls = match wanted(Part::Calls) {
        true => Some(call_rounds(&run).await?),
        false => None,
    };
    let windowed = match wanted(Part::Windowed) {
        true => Some(windowed(&run, bare_task).await?),
        false => None,
    };
    let mut bursts = Vec::new();
    if wanted(Part::Bursts) {
        for &count in &run.plan.bursts {
            eprintln!("a burst of {count} slow requests…");
            let service = run.our_service(&run.bus).await?;
            let connections = count.div_ceil(1000);
            bursts.push(slow_figures(&run.bus, &service, count, connections, 1000).await?);
            service.stop().await;
        }
    }
    Ok(Figures {
        machine: machine(),
        calls,
        windowed,
        bursts,
    })
}

/// The call loads in interleaved rounds: our service serves quick and Ping; the Python
/// service, on a second bus of its own (both want the same name), serves its quick.
async fn call_rounds(run: &Run<'_>) -> zbus::Result<CallRounds> {
    let python_bus = processes::start_bus()?;
    let service = run.our_service(&run.bus).await?;
    let python = run.python_service(&python_bus).await?;
    let targets = [
        (&run.bus, &service, Call::Quick),
        (&run.bus, &service, Call::Ping),
        (&python_bus, &python, Call::Quick),
    ];
    let mut rounds: [Vec<CallFigures>; 3] = Default::default();
    for round in 0..run.plan.rounds {
        eprintln!(
            "round {} of {}: quick, Ping, Python's quick…",
            round + 1,
            run.plan.rounds
        );
        for turn in 0..targets.len() {
            let index = (round + turn) % targets.len();
            let (bus, service, call) = targets[index];
            rounds[index].push(call_figures(bus, service, run.plan.load_time, call).await?);
        }
    }
    service.stop().await;
    python.stop().await;
    let [quick, ping, python_quick] = rounds;
    let ratio = |of: fn(&CallFigures) -> f64, over: &[CallFigures]| {
        Spread::of(quick.iter().zip(over).map(|(q, o)| of(q) / of(o)))
    };
    let summary = CallRatios {
        cpu_quick_vs_ping: ratio(|f| f.cpu_us_per_call, &ping),
        p50_quick_vs_ping: ratio(|f| f.in_flight_1.p50_us, &ping),
        throughput_quick_vs_ping: ratio(|f| f.in_flight_64.per_second, &ping),
        cpu_quick_vs_python: ratio(|f| f.cpu_us_per_call, &python_quick),
        quick: CallSummary::of(&quick),
        ping: CallSummary::of(&ping),
        python_quick: CallSummary::of(&python_quick),
    };
    Ok(CallRounds {
        quick,
        ping,
        python_quick,
        summary,
    })
}

/// Slow requests through a window (16 connections, 64 calls in flight on each), on our
/// service and on Python's.
async fn windowed(run: &Run<'_>, bare_task_bytes: f64) -> zbus::Result<Windowed> {
    let count = run.plan.pending;
    eprintln!("{count} slow requests through a window, on our service…");
    let service = run.our_service(&run.bus).await?;
    let ours = slow_figures(&run.bus, &service, count, 16, 64).await?;
    service.stop().await;
    let count = run.plan.python_slow_count;
    eprintln!("{count} slow requests through a window, on the Python service…");
    let python = run.python_service(&run.bus).await?;
    let python_figures = slow_figures(&run.bus, &python, count, 16, 64).await?;
    python.stop().await;
    Ok(Windowed {
        bytes_vs_bare_task: ours.bytes_per_request / bare_task_bytes,
        cpu_per_slow_vs_python: ours.cpu_us_per_request / python_figures.cpu_us_per_request,
        bare_task_bytes,
        ours,
        python: python_figures,
    })
}

/// A binary built beside this one (`cargo build --bins` builds them all).
fn sibling_binary(name: &str) -> zbus::Result<PathBuf> {
    let me = std::env::current_exe().map_err(|e| zbus::Error::Failure(e.to_string()))?;
    let sibling = me.with_file_name(name);
    if sibling.exists() {
        Ok(sibling)
    } else {
        Err(zbus::Error::Failure(format!(
            "{} is missing: build all binaries first (cargo build --release -p random-data -p random-data-bench --bins)",
            sibling.display()
        )))
    }
}

/// Cores, memory and processor, for the record.
fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")
                .and_then(|r| r.split_once(':'))
                .map(|(_, m)| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown processor".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory_gib = processes::status_mib("/proc/meminfo", "MemTotal") / 1024.0;
    format!("{cores} cores, {memory_gib:.0} GiB, {model}")
}

#[derive(Clone, Copy)]
enum Call {
    Quick,
    Ping,
}

/// One round of a call target: a warm-up, then 1 and 64 calls in flight.
async fn call_figures(
    bus: &PrivateBus,
    service: &Service,
    load_time: Duration,
    call: Call,
) -> zbus::Result<CallFigures> {
    let connection = processes::connect(bus).await?;
    let proxy = RandomDataProxy::new(&connection).await?;
    let peer = zbus::fdo::PeerProxy::builder(&connection)
        .destination(random_data::SERVICE_NAME)
        .path(OBJECT_PATH)
        .build()
        .await?;
    let one = move || {
        let (proxy, peer) = (proxy.clone(), peer.clone());
        async move {
            match call {
                Call::Quick => proxy.quick(16).await.map(drop),
                Call::Ping => peer.ping().await,
            }
        }
    };
    // Warm up, then measure; the service's CPU is counted over the measured loads only.
    load(64, load_time / 5, one.clone()).await?;
    let cpu_before = service.cpu_seconds();
    let in_flight_1 = load(1, load_time, one.clone()).await?;
    let in_flight_64 = load(64, load_time, one).await?;
    let cpu = service.cpu_seconds() - cpu_before;
    let calls = (in_flight_1.calls + in_flight_64.calls) as f64;
    Ok(CallFigures {
        in_flight_1,
        in_flight_64,
        cpu_us_per_call: cpu * 1e6 / calls,
    })
}

/// `count` slow requests of 4 bits from `connections` connections with `in_flight` calls
/// outstanding on each.
async fn slow_figures(
    bus: &PrivateBus,
    service: &Service,
    count: usize,
    connections: usize,
    in_flight: usize,
) -> zbus::Result<SlowFigures> {
    let mut proxies = Vec::new();
    for _ in 0..connections {
        proxies.push(RandomDataProxy::new(&processes::connect(bus).await?).await?);
    }
    let rss_before_mib = service.rss_mib();
    let cpu_before = service.cpu_seconds();
    let batch = slow_batch(&proxies, count, 4, in_flight, Duration::from_secs(300)).await?;
    let cpu = service.cpu_seconds() - cpu_before;
    let peak_rss_mib = service.peak_rss_mib();
    Ok(SlowFigures {
        bytes_per_request: (peak_rss_mib - rss_before_mib) * 1024.0 * 1024.0 / count as f64,
        rss_before_mib,
        peak_rss_mib,
        cpu_us_per_request: cpu * 1e6 / count as f64,
        batch,
    })
}
