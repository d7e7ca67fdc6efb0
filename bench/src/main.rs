//! `random-data-bench`: measures the service, in one run and on private buses, against
//! baselines that no change to the app can move: a C server on sd-bus and a hand-written
//! `#[zbus::interface]`, each answering `quick` with a constant (the bus's floor and zbus's),
//! beside the generated adapter around the same constant, zbus's own Peer.Ping on the app's
//! connection, and the original Python service. Call loads run in interleaved rounds (every
//! target in turn, the order rotating) and are reported as the median and the spread over the
//! rounds; instructions per call are counted under valgrind, which noise cannot move. Memory is
//! measured with many slow requests pending (a window of calls in flight, then bursts of
//! calls sent at once), against a bare sleeping tokio task measured in the same run. Prints
//! one line per figure and writes them all as JSON.
//!
//! Build it with the other binaries, in release mode (debug builds are about ten times slower
//! on the bus): `cargo build --release -p random-data -p random-data-bench --bins && target/release/random-data-bench`.

mod floors;
mod instructions;
mod measure;
mod processes;
mod report;
mod stats;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use floors::{Floor, Floors};
use instructions::Work;
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
    /// Also measure this build of `random-data-service` (e.g. an older release) in the same
    /// rounds, as the call target "other quick".
    #[arg(long, value_name = "PATH")]
    other_service: Option<PathBuf>,
    /// Fail (exit 1) when the app's instructions per quick call exceed zbus's floor, counted
    /// in the same run, by more than this ratio.
    #[arg(long, value_name = "RATIO")]
    max_instructions_vs_zbus: Option<f64>,
}

/// The parts of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Part {
    /// quick on the app, the floors and Python, and Ping, in rounds.
    Calls,
    /// Instructions per quick call (app, generated adapter, zbus and C floors) and per slow
    /// request, under valgrind.
    Instructions,
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
    quick_counted: instructions::Calls,
    slow_counted: instructions::Calls,
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
        let (quick_counted, slow_counted) = if args.short {
            ((200, 1_200, 5), (20, 120, 3))
        } else {
            ((1_000, 6_000, 9), (100, 600, 5))
        };
        let calls = |(small, large, repeats)| instructions::Calls {
            small,
            large,
            repeats,
        };
        Self {
            load_time,
            rounds: args.rounds.unwrap_or(rounds),
            pending: args.pending.unwrap_or(pending),
            python_slow_count,
            quick_counted: calls(quick_counted),
            slow_counted: calls(slow_counted),
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

/// What answers the calls of a call target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Server {
    /// The app's service.
    Ours,
    /// The build given with `--other-service`.
    Other,
    /// The Python tutorial service.
    Python,
    /// A baseline that answers `quick` with a constant.
    Floor(Floor),
}

/// A call target of the rounds: a call, and who answers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// quick on the app's service.
    Quick,
    /// zbus's Peer.Ping on the app's service.
    Ping,
    /// quick on the generated adapter around a constant.
    GeneratedQuick,
    /// quick on a hand-written `#[zbus::interface]`.
    ZbusQuick,
    /// quick on the C server (sd-bus).
    CQuick,
    /// quick on the Python service.
    PythonQuick,
    /// quick on the build given with `--other-service`.
    OtherQuick,
}

impl Target {
    /// The targets of a run: all but `OtherQuick`, which only `--other-service` adds.
    fn of(args: &Args) -> Vec<Target> {
        let mut targets = vec![
            Target::Quick,
            Target::Ping,
            Target::GeneratedQuick,
            Target::ZbusQuick,
            Target::CQuick,
            Target::PythonQuick,
        ];
        if args.other_service.is_some() {
            targets.push(Target::OtherQuick);
        }
        targets
    }

    /// Its name in the report.
    fn name(self) -> &'static str {
        match self {
            Target::Quick => "quick",
            Target::Ping => "Ping",
            Target::GeneratedQuick => "generated quick",
            Target::ZbusQuick => "zbus quick",
            Target::CQuick => "C quick",
            Target::PythonQuick => "Python quick",
            Target::OtherQuick => "other quick",
        }
    }

    fn server(self) -> Server {
        match self {
            Target::Quick | Target::Ping => Server::Ours,
            Target::GeneratedQuick => Server::Floor(Floor::Generated),
            Target::ZbusQuick => Server::Floor(Floor::Zbus),
            Target::CQuick => Server::Floor(Floor::C),
            Target::PythonQuick => Server::Python,
            Target::OtherQuick => Server::Other,
        }
    }

    fn call(self) -> Call {
        match self {
            Target::Ping => Call::Ping,
            _ => Call::Quick,
        }
    }
}

/// One target's rounds and what they add up to.
#[derive(Debug, Serialize)]
struct TargetRounds {
    name: &'static str,
    rounds: Vec<CallFigures>,
    summary: CallSummary,
}

/// A ratio of two targets' figures, taken within each round.
#[derive(Debug, Serialize)]
struct Ratio {
    what: String,
    ratio: Spread,
    /// What it should be, if anything is promised.
    target: Option<&'static str>,
}

/// The call loads, round by round, and their ratios.
#[derive(Debug, Serialize)]
struct CallRounds {
    rounds: usize,
    targets: Vec<TargetRounds>,
    ratios: Vec<Ratio>,
}

/// Instructions per call, under valgrind.
#[derive(Debug, Serialize)]
struct InstructionFigures {
    quick_calls: instructions::Calls,
    slow_requests: instructions::Calls,
    /// Per quick call: the app, the generated adapter, zbus's and the C floor.
    quick: instructions::Count,
    generated_quick: instructions::Count,
    zbus_quick: instructions::Count,
    c_quick: instructions::Count,
    /// Per slow request of 4 bits (the call, four ticks, the signal), the app.
    slow: instructions::Count,
    /// Per quick call, the build given with `--other-service`.
    other_quick: Option<instructions::Count>,
    quick_vs_zbus: f64,
    quick_vs_c: f64,
    generated_vs_zbus: f64,
    zbus_vs_c: f64,
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
    instructions: Option<InstructionFigures>,
    windowed: Option<Windowed>,
    bursts: Vec<SlowFigures>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args).await {
        Ok(figures) => {
            report::print(&figures);
            let over_budget = match (&figures.instructions, args.max_instructions_vs_zbus) {
                (Some(counted), Some(limit)) if counted.quick_vs_zbus > limit => {
                    eprintln!(
                        "random-data-bench: the app's instructions per quick call are {:.3}× zbus's floor, over the limit of {limit:.3}× (--max-instructions-vs-zbus): something was added to the quick path",
                        counted.quick_vs_zbus
                    );
                    true
                }
                _ => false,
            };
            let json = serde_json::to_string_pretty(&figures).expect("figures serialize");
            if let Err(error) = std::fs::write(&args.output, json + "\n") {
                eprintln!(
                    "random-data-bench: cannot write {}: {error}",
                    args.output.display()
                );
                return ExitCode::FAILURE;
            }
            println!("figures written to {}", args.output.display());
            if over_budget {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
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
    floors: Option<Floors>,
    tick: String,
}

impl Run<'_> {
    /// Starts our service on `bus` with raised caps, under `--wrap` if given.
    async fn our_service(&self, bus: &PrivateBus) -> zbus::Result<Service> {
        self.start(Server::Ours, bus, None).await
    }

    /// Starts our service on `bus` with raised caps and a tick of `tick`, under `wrapper` if
    /// given.
    async fn our_service_ticking(
        &self,
        bus: &PrivateBus,
        tick: &str,
        wrapper: Option<&str>,
    ) -> zbus::Result<Service> {
        let args = [
            &["--address", bus.address(), "--bit-interval", tick][..],
            &RAISED_CAPS[..],
        ]
        .concat();
        Service::start(bus, &self.ours, &args, wrapper).await
    }

    /// Starts `server` on `bus`, under `wrapper` if given (our service otherwise under
    /// `--wrap`, if given); ours with raised caps.
    async fn start(
        &self,
        server: Server,
        bus: &PrivateBus,
        wrapper: Option<&str>,
    ) -> zbus::Result<Service> {
        match server {
            Server::Ours => {
                let wrapper = wrapper.or(self.args.wrap.as_deref());
                self.our_service_ticking(bus, &self.tick, wrapper).await
            }
            Server::Other => {
                let other = self.args.other_service.as_ref().expect("--other-service");
                // Its own defaults: older builds lack some of the caps' flags, and quick
                // calls meet no cap.
                Service::start(bus, other, &["--address", bus.address()], wrapper).await
            }
            Server::Python => self.python_service(bus).await,
            Server::Floor(floor) => {
                let floors = self.floors.as_ref().expect("the floors are built");
                floors.start(floor, bus, wrapper).await
            }
        }
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
    let floors = match wanted(Part::Calls) || wanted(Part::Instructions) {
        true => Some(Floors::build()?),
        false => None,
    };
    let run = Run {
        args,
        plan: Plan::of(args),
        bus: processes::start_bus()?,
        ours: sibling_binary("random-data-service")?,
        floors,
        tick: humantime::format_duration(args.slow_tick).to_string(),
    };
    // First, while this process's heap is fresh.
    let bare_task = bare_task_bytes(100_000).await;
    let calls = match wanted(Part::Calls) {
        true => Some(call_rounds(&run).await?),
        false => None,
    };
    let instructions = match wanted(Part::Instructions) {
        true => Some(instruction_counts(&run).await?),
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
        instructions,
        windowed,
        bursts,
    })
}

/// The call loads in interleaved rounds: each server on a bus of its own (they all want the
/// same name), the app's serving both quick and Ping.
async fn call_rounds(run: &Run<'_>) -> zbus::Result<CallRounds> {
    let all = Target::of(run.args);
    let mut servers: Vec<(Server, PrivateBus, Service)> = Vec::new();
    for &target in &all {
        let server = target.server();
        if servers.iter().all(|(started, ..)| *started != server) {
            let bus = processes::start_bus()?;
            let service = run.start(server, &bus, None).await?;
            servers.push((server, bus, service));
        }
    }
    let mut rounds: Vec<Vec<CallFigures>> = all.iter().map(|_| Vec::new()).collect();
    for round in 0..run.plan.rounds {
        eprintln!(
            "round {} of {}: every call target…",
            round + 1,
            run.plan.rounds
        );
        for turn in 0..all.len() {
            let index = (round + turn) % all.len();
            let target = all[index];
            let (_, bus, service) = servers
                .iter()
                .find(|(server, ..)| *server == target.server())
                .expect("every target's server is started");
            let figures = call_figures(bus, service, run.plan.load_time, target.call()).await?;
            rounds[index].push(figures);
        }
    }
    for (_, _, service) in servers {
        service.stop().await;
    }
    let of = |target: Target| &rounds[all.iter().position(|t| *t == target).unwrap()];
    let ratio = |what: &str,
                 figure: fn(&CallFigures) -> f64,
                 over: Target,
                 under: Target,
                 target: Option<&'static str>| Ratio {
        what: format!("{what}, {} / {}", over.name(), under.name()),
        ratio: Spread::of(
            of(over)
                .iter()
                .zip(of(under))
                .map(|(o, u)| figure(o) / figure(u)),
        ),
        target,
    };
    let cpu = |f: &CallFigures| f.cpu_us_per_call;
    let p50 = |f: &CallFigures| f.in_flight_1.p50_us;
    let throughput = |f: &CallFigures| f.in_flight_64.per_second;
    use Target::{CQuick, GeneratedQuick, OtherQuick, Ping, PythonQuick, Quick, ZbusQuick};
    let mut ratios = vec![
        ratio("service CPU per call", cpu, Quick, CQuick, None),
        ratio("service CPU per call", cpu, Quick, ZbusQuick, None),
        ratio(
            "service CPU per call",
            cpu,
            GeneratedQuick,
            ZbusQuick,
            Some("≈ 1"),
        ),
        ratio("service CPU per call", cpu, GeneratedQuick, CQuick, None),
        ratio("service CPU per call", cpu, ZbusQuick, CQuick, None),
        ratio("service CPU per call", cpu, Quick, Ping, Some("<= 1.1")),
        ratio(
            "service CPU per call",
            cpu,
            Quick,
            PythonQuick,
            Some("<= 0.5"),
        ),
        ratio("p50 at 1 in flight", p50, Quick, CQuick, None),
        ratio("p50 at 1 in flight", p50, Quick, ZbusQuick, None),
        ratio("p50 at 1 in flight", p50, Quick, Ping, Some("<= 1.05")),
        ratio(
            "throughput at 64 in flight",
            throughput,
            Quick,
            CQuick,
            None,
        ),
        ratio(
            "throughput at 64 in flight",
            throughput,
            Quick,
            ZbusQuick,
            None,
        ),
        ratio(
            "throughput at 64 in flight",
            throughput,
            Quick,
            Ping,
            Some(">= 0.95"),
        ),
    ];
    if all.contains(&OtherQuick) {
        ratios.extend([
            ratio("service CPU per call", cpu, Quick, OtherQuick, None),
            ratio("service CPU per call", cpu, OtherQuick, CQuick, None),
            ratio("p50 at 1 in flight", p50, Quick, OtherQuick, None),
            ratio(
                "throughput at 64 in flight",
                throughput,
                Quick,
                OtherQuick,
                None,
            ),
        ]);
    }
    let targets = all
        .iter()
        .zip(rounds)
        .map(|(target, rounds)| TargetRounds {
            name: target.name(),
            summary: CallSummary::of(&rounds),
            rounds,
        })
        .collect();
    Ok(CallRounds {
        rounds: run.plan.rounds,
        targets,
        ratios,
    })
}

/// Instructions per quick call of the app, the generated adapter and the two floors, and per
/// slow request of the app, each under callgrind.
async fn instruction_counts(run: &Run<'_>) -> zbus::Result<InstructionFigures> {
    let count = |server: Server, work: Work, calls: instructions::Calls| async move {
        eprintln!("counting instructions under valgrind: {server:?}, {work:?}…");
        instructions::per_call(
            |bus, wrapper| async move {
                let service = run.start(server, &bus, Some(&wrapper)).await?;
                Ok((bus, service))
            },
            work,
            calls,
        )
        .await
    };
    let quick_calls = run.plan.quick_counted;
    let quick = count(Server::Ours, Work::Quick, quick_calls).await?;
    let generated_quick = count(Server::Floor(Floor::Generated), Work::Quick, quick_calls).await?;
    let zbus_quick = count(Server::Floor(Floor::Zbus), Work::Quick, quick_calls).await?;
    let c_quick = count(Server::Floor(Floor::C), Work::Quick, quick_calls).await?;
    let other_quick = match run.args.other_service {
        Some(_) => Some(count(Server::Other, Work::Quick, quick_calls).await?),
        None => None,
    };
    // Slow requests with a tick of 1 ms: the ticks' instructions are counted, not their time.
    eprintln!("counting instructions under valgrind: Ours, Slow…");
    let slow = instructions::per_call(
        |bus, wrapper| async move {
            let service = run.our_service_ticking(&bus, "1ms", Some(&wrapper)).await?;
            Ok((bus, service))
        },
        Work::Slow,
        run.plan.slow_counted,
    )
    .await?;
    Ok(InstructionFigures {
        quick_calls,
        slow_requests: run.plan.slow_counted,
        quick_vs_zbus: quick.per_call / zbus_quick.per_call,
        quick_vs_c: quick.per_call / c_quick.per_call,
        generated_vs_zbus: generated_quick.per_call / zbus_quick.per_call,
        zbus_vs_c: zbus_quick.per_call / c_quick.per_call,
        quick,
        generated_quick,
        zbus_quick,
        c_quick,
        slow,
        other_quick,
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
pub(crate) fn sibling_binary(name: &str) -> zbus::Result<PathBuf> {
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
