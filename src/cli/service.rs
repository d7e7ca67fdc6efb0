//! The command line of `random-data-service`.

use std::time::Duration;

use clap::Parser;

use crate::bus::BusArgs;
use crate::pending::Limits;

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
    #[arg(long, value_name = "N", default_value_t = Limits::default().per_caller)]
    pub max_pending_per_caller: usize,
    /// The most slow requests the connections of one Unix user may have pending together.
    #[arg(long, value_name = "N", default_value_t = Limits::default().per_user)]
    pub max_pending_per_user: usize,
    /// The most slow requests all callers together may have pending.
    #[arg(long, value_name = "N", default_value_t = Limits::default().total)]
    pub max_pending: usize,
    /// Which bus to serve on.
    #[command(flatten)]
    pub bus: BusArgs,
}
