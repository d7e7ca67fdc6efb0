//! `random-data-service`: serves `com.larry_price.test.RandomData` on the bus.

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use random_data::bus::BusArgs;
use random_data::{BUS_NAME, OBJECT_PATH, RandomDataServer, Service, ServiceConfig};
use tokio::signal::unix::{SignalKind, signal};

/// Serve random numbers on D-Bus as `com.larry-price.test`.
///
/// Exit codes: 0 stopped by SIGINT or SIGTERM, 1 could not start (for example, the name is
/// already taken).
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// How long a slow request takes per bit (e.g. `1s`, `10ms`).
    #[arg(
        long,
        value_name = "DURATION",
        env = "RANDOM_DATA_BIT_INTERVAL",
        default_value = "1s",
        value_parser = humantime::parse_duration
    )]
    bit_interval: Duration,
    #[command(flatten)]
    bus: BusArgs,
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let service = Service::new(ServiceConfig {
        bit_interval: args.bit_interval,
    });
    let connection = args
        .bus
        .builder()
        .name(BUS_NAME)
        // zbus would otherwise let a second instance take the name over from the first.
        .allow_name_replacements(false)
        .replace_existing_names(false)
        .serve_at(OBJECT_PATH, RandomDataServer::new(service))
        .build()
        .await;
    let _connection = match connection {
        Ok(connection) => connection,
        Err(zbus::Error::NameTaken) => {
            eprintln!("service is already running");
            return ExitCode::FAILURE;
        }
        Err(error) => {
            eprintln!("random-data-service: cannot serve on the bus: {error}");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(name = BUS_NAME, path = OBJECT_PATH, "serving");
    match shutdown_requested().await {
        Ok(()) => {
            tracing::info!("stopping");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("random-data-service: cannot watch for signals: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Waits for SIGINT or SIGTERM.
async fn shutdown_requested() -> std::io::Result<()> {
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    tokio::select! {
        _ = interrupt.recv() => {}
        _ = terminate.recv() => {}
    }
    Ok(())
}
