//! The command line of `random-data-service`, and its `main`.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use tokio::signal::unix::{SignalKind, signal};

use super::pending::{LimitSettings, Limits};
use super::run::{self, StartError, Stopped};
use super::{Service, ServiceConfig};
use crate::bus::BusArgs;

/// Serve random numbers on D-Bus as `com.larry-price.test`.
///
/// Exit codes: 0 stopped by SIGINT or SIGTERM (pending slow requests are finished at once and
/// their results sent), 1 could not start (for example, the name is already taken), 2 lost the
/// bus connection or the name while serving.
#[derive(Debug, Parser)]
#[command(name = "random-data-service", version)]
pub struct ServiceArgs {
    /// How long a slow request takes per bit (e.g. `1s`, `10ms`).
    #[arg(
        long,
        value_name = "DURATION",
        env = "RANDOM_DATA_BIT_INTERVAL",
        default_value = "1s",
        value_parser = humantime::parse_duration
    )]
    pub bit_interval: Duration,
    /// The most slow requests one caller (one bus connection) may have pending.
    #[arg(long = MAX_PENDING_PER_CALLER, value_name = "N", default_value_t = Limits::default().per_caller)]
    pub max_pending_per_caller: usize,
    /// The most slow requests the connections of one Unix user may have pending together.
    #[arg(long = MAX_PENDING_PER_USER, value_name = "N", default_value_t = Limits::default().per_user)]
    pub max_pending_per_user: usize,
    /// The most slow requests all callers together may have pending.
    #[arg(long = MAX_PENDING, value_name = "N", default_value_t = Limits::default().total)]
    pub max_pending: usize,
    /// Which bus to serve on.
    #[command(flatten)]
    pub bus: BusArgs,
}

/// The flags that set the caps on pending slow requests; a refusal names the one to raise.
const MAX_PENDING_PER_CALLER: &str = "max-pending-per-caller";
const MAX_PENDING_PER_USER: &str = "max-pending-per-user";
const MAX_PENDING: &str = "max-pending";

impl ServiceArgs {
    /// The caps on pending slow requests, as given on the command line.
    fn limits(&self) -> Limits {
        Limits {
            per_caller: self.max_pending_per_caller,
            per_user: self.max_pending_per_user,
            total: self.max_pending,
            set_by: LimitSettings {
                per_caller: format!("--{MAX_PENDING_PER_CALLER}"),
                per_user: format!("--{MAX_PENDING_PER_USER}"),
                total: format!("--{MAX_PENDING}"),
            },
        }
    }
}

/// Whether the log may use colour: only on a terminal, and not when `NO_COLOR` is set to
/// anything (<https://no-color.org>).
fn colour_on_stderr() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// The service's `main`: parses the command line, serves until stopped, and returns the exit
/// code. (Here rather than in the binary, so that an edit to the XML recompiles one crate and
/// the binary only relinks.)
pub fn main() -> ExitCode {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build();
    match runtime {
        Ok(runtime) => runtime.block_on(serve_from_command_line()),
        Err(error) => {
            eprintln!("random-data-service: cannot start the tokio runtime: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn serve_from_command_line() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(colour_on_stderr())
        .init();
    let args = ServiceArgs::parse();
    let service = Service::new(ServiceConfig {
        bit_interval: args.bit_interval,
        limits: args.limits(),
    });
    let shutdown = match shutdown_requested() {
        Ok(shutdown) => shutdown,
        Err(error) => {
            eprintln!("random-data-service: cannot watch for signals: {error}");
            return ExitCode::FAILURE;
        }
    };
    match run::run(&args.bus, service, shutdown).await {
        Ok(Stopped::Requested) => ExitCode::SUCCESS,
        Ok(Stopped::BusLost | Stopped::NameLost) => ExitCode::from(2),
        Err(StartError::AlreadyRunning) => {
            eprintln!("service is already running");
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("random-data-service: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Resolves on SIGINT or SIGTERM.
fn shutdown_requested() -> std::io::Result<impl std::future::Future<Output = ()>> {
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    })
}
