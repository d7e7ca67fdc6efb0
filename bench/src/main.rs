//! `random-data-bench`: measures the service against the bus's own limit (Peer.Ping on the
//! same connection) and against the original Python service, on one private bus, in one run.
//! Prints one line per figure and the ratios, and writes them all as JSON.
//!
//! Build it with the other binaries, in release mode (debug builds are about ten times slower
//! on the bus): `cargo build --release --workspace --bins && target/release/random-data-bench`.

mod measure;
mod processes;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use measure::{Load, SlowBatch, load, slow_batch};
use processes::Service;
use random_data::{OBJECT_PATH, RandomDataProxy};
use serde::Serialize;
use test_bus::PrivateBus;

/// Benchmark random-data against Peer.Ping and the original Python service.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// A short run (small counts, brief loads), to check that the benchmark works.
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
}

/// How big a run is.
struct Plan {
    load_time: Duration,
    slow_counts: Vec<usize>,
    python_slow_count: usize,
}

/// Throughput, latency and CPU of one service under `quick` (or `Ping`) load.
#[derive(Debug, Serialize)]
struct CallFigures {
    in_flight_1: Load,
    in_flight_64: Load,
    /// The service's CPU time per call over both loads, microseconds.
    cpu_us_per_call: f64,
}

/// One batch of concurrent slow requests against one service.
#[derive(Debug, Serialize)]
struct SlowFigures {
    #[serde(flatten)]
    batch: SlowBatch,
    /// The service's peak resident memory, MiB.
    peak_rss_mib: f64,
    /// The service's CPU time per request, microseconds.
    cpu_us_per_request: f64,
}

#[derive(Debug, Serialize)]
struct Figures {
    machine: String,
    quick: CallFigures,
    ping: CallFigures,
    python_quick: CallFigures,
    slow: Vec<SlowFigures>,
    python_slow: SlowFigures,
    ratios: Ratios,
}

#[derive(Debug, Serialize)]
struct Ratios {
    /// quick / Ping throughput at 64 in flight (target >= 0.9).
    quick_vs_ping_throughput_64: f64,
    /// quick / Ping p50 latency at 1 in flight (target <= 1.1).
    quick_vs_ping_p50_1: f64,
    /// Ours / Python CPU per quick call (target <= 0.5).
    cpu_per_quick_vs_python: f64,
    /// Ours (largest N) / Python CPU per slow request (target <= 0.25).
    cpu_per_slow_vs_python: f64,
    /// Ours / Python quick throughput at 64 in flight.
    quick_vs_python_throughput_64: f64,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args).await {
        Ok(figures) => {
            print(&figures);
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

async fn run(args: &Args) -> zbus::Result<Figures> {
    let plan = if args.short {
        Plan {
            load_time: Duration::from_millis(300),
            slow_counts: vec![1_000],
            python_slow_count: 100,
        }
    } else {
        Plan {
            load_time: Duration::from_secs(3),
            slow_counts: vec![10_000, 100_000],
            python_slow_count: 1_000,
        }
    };
    let ours = sibling_binary("random-data-service")?;
    let bus =
        processes::start_bus().map_err(|e| zbus::Error::Failure(format!("dbus-daemon: {e}")))?;
    let caps = [
        "--max-pending-per-caller",
        "1000000",
        "--max-pending",
        "1000000",
    ];
    let tick = humantime::format_duration(args.slow_tick).to_string();
    let our_args = [
        &["--address", bus.address(), "--bit-interval", &tick][..],
        &caps[..],
    ]
    .concat();

    eprintln!("measuring quick and Ping on our service…");
    let service = Service::start(&bus, &ours, &our_args).await?;
    let quick = call_figures(&bus, &service, &plan, Call::Quick).await?;
    let ping = call_figures(&bus, &service, &plan, Call::Ping).await?;
    service.stop().await;

    let mut slow = Vec::new();
    for &count in &plan.slow_counts {
        eprintln!("measuring {count} concurrent slow requests on our service…");
        let service = Service::start(&bus, &ours, &our_args).await?;
        slow.push(slow_figures(&bus, &service, count).await?);
        service.stop().await;
    }

    eprintln!("measuring the Python service…");
    let python_tick = args.slow_tick.as_secs_f64().to_string();
    let python_args = [
        &args.python_service.to_string_lossy()[..],
        bus.address(),
        &python_tick,
    ];
    let python = Service::start(&bus, Path::new("/usr/bin/python3"), &python_args).await?;
    let python_quick = call_figures(&bus, &python, &plan, Call::Quick).await?;
    let python_slow = slow_figures(&bus, &python, plan.python_slow_count).await?;
    python.stop().await;

    let largest = slow.last().expect("at least one slow count");
    let ratios = Ratios {
        quick_vs_ping_throughput_64: quick.in_flight_64.per_second / ping.in_flight_64.per_second,
        quick_vs_ping_p50_1: quick.in_flight_1.p50_us / ping.in_flight_1.p50_us,
        cpu_per_quick_vs_python: quick.cpu_us_per_call / python_quick.cpu_us_per_call,
        cpu_per_slow_vs_python: largest.cpu_us_per_request / python_slow.cpu_us_per_request,
        quick_vs_python_throughput_64: quick.in_flight_64.per_second
            / python_quick.in_flight_64.per_second,
    };
    Ok(Figures {
        machine: machine(),
        quick,
        ping,
        python_quick,
        slow,
        python_slow,
        ratios,
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
            "{} is missing: build all binaries first (cargo build --release --workspace --bins)",
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
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory_gib = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0 / 1024.0);
    format!("{cores} cores, {memory_gib:.0} GiB, {model}")
}

#[derive(Clone, Copy)]
enum Call {
    Quick,
    Ping,
}

async fn call_figures(
    bus: &PrivateBus,
    service: &Service,
    plan: &Plan,
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
    load(64, plan.load_time / 5, one.clone()).await?;
    let cpu_before = service.cpu_seconds();
    let in_flight_1 = load(1, plan.load_time, one.clone()).await?;
    let in_flight_64 = load(64, plan.load_time, one).await?;
    let cpu = service.cpu_seconds() - cpu_before;
    let calls = (in_flight_1.calls + in_flight_64.calls) as f64;
    Ok(CallFigures {
        in_flight_1,
        in_flight_64,
        cpu_us_per_call: cpu * 1e6 / calls,
    })
}

async fn slow_figures(
    bus: &PrivateBus,
    service: &Service,
    count: usize,
) -> zbus::Result<SlowFigures> {
    let mut proxies = Vec::new();
    for _ in 0..16 {
        proxies.push(RandomDataProxy::new(&processes::connect(bus).await?).await?);
    }
    let cpu_before = service.cpu_seconds();
    let batch = slow_batch(&proxies, count, 4, 64, Duration::from_secs(300)).await?;
    let cpu = service.cpu_seconds() - cpu_before;
    Ok(SlowFigures {
        peak_rss_mib: service.peak_rss_mib(),
        cpu_us_per_request: cpu * 1e6 / count as f64,
        batch,
    })
}

fn print(figures: &Figures) {
    println!("machine: {}", figures.machine);
    for (name, calls) in [
        ("quick", &figures.quick),
        ("Ping", &figures.ping),
        ("Python quick", &figures.python_quick),
    ] {
        for (in_flight, load) in [(1, &calls.in_flight_1), (64, &calls.in_flight_64)] {
            println!(
                "{name:<13} {in_flight:>2} in flight: {:>9.0} calls/s  p50 {:>7.1} us  p99 {:>7.1} us",
                load.per_second, load.p50_us, load.p99_us
            );
        }
        println!(
            "{name:<13} service CPU per call: {:.1} us",
            calls.cpu_us_per_call
        );
    }
    for (name, slow) in figures
        .slow
        .iter()
        .map(|s| ("ours", s))
        .chain([("Python", &figures.python_slow)])
    {
        let b = &slow.batch;
        println!(
            "slow {name:<6} N = {:>6}: all results in {:.1} s, lost {}, duplicated {}, mismatched {}, foreign {}, peak RSS {:.1} MiB, CPU {:.1} us per request",
            b.requests,
            b.seconds,
            b.lost,
            b.duplicated,
            b.mismatched,
            b.foreign,
            slow.peak_rss_mib,
            slow.cpu_us_per_request
        );
    }
    let r = &figures.ratios;
    println!(
        "ratio quick/Ping throughput at 64 in flight: {:.2} (target >= 0.9)",
        r.quick_vs_ping_throughput_64
    );
    println!(
        "ratio quick/Ping p50 latency at 1 in flight: {:.2} (target <= 1.1)",
        r.quick_vs_ping_p50_1
    );
    println!(
        "ratio CPU per quick, ours/Python: {:.2} (target <= 0.5)",
        r.cpu_per_quick_vs_python
    );
    println!(
        "ratio CPU per slow request, ours/Python: {:.2} (target <= 0.25)",
        r.cpu_per_slow_vs_python
    );
    println!(
        "ratio quick throughput at 64 in flight, ours/Python: {:.2}",
        r.quick_vs_python_throughput_64
    );
}
