//! `random-data [BITS] [-s|--slow]`: prints a random number from the random-data service.

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use random_data::bus::BusArgs;
use random_data::{RandomDataProxy, client};

/// Ask the random-data D-Bus service for a random number.
///
/// Exit codes: 0 printed a number, 1 the service refused (e.g. bits out of range) or another
/// D-Bus error, 2 no bus or no service, 3 a slow request timed out.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// How many bits the number has.
    #[arg(default_value_t = 16, allow_negative_numbers = true)]
    bits: i32,
    /// Ask the slow way: the service draws one bit per tick and signals the result.
    #[arg(short, long)]
    slow: bool,
    /// How long to wait for a slow result [default: one second per bit, plus 10 s].
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    timeout: Option<Duration>,
    #[command(flatten)]
    bus: BusArgs,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args).await {
        Ok(number) => {
            println!("Your random number is: {number}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("random-data: {error}");
            ExitCode::from(error.exit_code())
        }
    }
}

async fn run(args: &Args) -> Result<String, client::ClientError> {
    let connection = args.bus.builder().build().await?;
    let proxy = RandomDataProxy::new(&connection).await?;
    if args.slow {
        let timeout = args
            .timeout
            .unwrap_or_else(|| client::default_slow_timeout(args.bits));
        client::slow(&proxy, args.bits, timeout).await
    } else {
        client::quick(&proxy, args.bits).await
    }
}
