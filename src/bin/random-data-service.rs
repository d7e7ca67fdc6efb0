//! `random-data-service`: serves `com.larry_price.test.RandomData` on the bus.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use random_data::cli::service::ServiceArgs;
use random_data::pending::Limits;
use random_data::serve::{self, StartError, Stopped};
use random_data::{Service, ServiceConfig};
use tokio::signal::unix::{SignalKind, signal};

/// Whether the log may use colour: only on a terminal, and not when `NO_COLOR` is set to
/// anything (<https://no-color.org>).
fn colour_on_stderr() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
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
        limits: Limits {
            per_caller: args.max_pending_per_caller,
            per_user: args.max_pending_per_user,
            total: args.max_pending,
        },
    });
    let shutdown = match shutdown_requested() {
        Ok(shutdown) => shutdown,
        Err(error) => {
            eprintln!("random-data-service: cannot watch for signals: {error}");
            return ExitCode::FAILURE;
        }
    };
    match serve::run(&args.bus, service, shutdown).await {
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
