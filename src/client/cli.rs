//! The command line of `random-data`, the client, and its `main`.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};

use super::ask;
use crate::RandomDataProxy;
use crate::bus::BusArgs;

/// Ask the random-data D-Bus service for a random number.
///
/// Exit codes: 0 printed a number, 1 the service refused (e.g. bits out of range) or another
/// D-Bus error, 2 no bus or no service, 3 a slow request timed out.
#[derive(Debug, Parser)]
#[command(name = "random-data", version)]
pub struct ClientCli {
    /// How to ask for a number.
    #[command(flatten)]
    pub ask: AskArgs,
}

/// The arguments of `random-data [BITS]`.
#[derive(Debug, clap::Args)]
pub struct AskArgs {
    /// How many bits the number has.
    #[arg(default_value_t = 16, allow_negative_numbers = true)]
    pub bits: i32,
    /// Ask the slow way: the service draws one bit per tick and signals the result.
    #[arg(short, long)]
    pub slow: bool,
    /// How long to wait for a slow result [default: the service's tick per bit, plus 10 s].
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub timeout: Option<Duration>,
    /// Print the result as one JSON object instead of a sentence.
    #[arg(long)]
    pub json: bool,
    /// Which bus to call on.
    #[command(flatten)]
    pub bus: BusArgs,
}

/// The client's `main`: parses the command line, asks, and returns the exit code.
/// (Here rather than in the binary, so that an edit to the XML recompiles one crate and the
/// binary only relinks.)
pub fn main() -> ExitCode {
    match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime.block_on(run_command_line()),
        Err(error) => {
            eprintln!("random-data: cannot start the tokio runtime: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run_command_line() -> ExitCode {
    ask(&ClientCli::parse().ask).await
}

/// What the client prints with `--json`.
#[derive(Debug, serde::Serialize)]
struct JsonAnswer<'a> {
    bits: i32,
    number: &'a str,
    /// The slow request's id; absent for a quick number.
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<&'a str>,
}

async fn ask(args: &AskArgs) -> ExitCode {
    let answer = async {
        let connection = args.bus.builder().build().await?;
        let proxy = RandomDataProxy::new(&connection).await?;
        if args.slow {
            let timeout = match args.timeout {
                Some(timeout) => timeout,
                None => ask::default_slow_timeout(&proxy, args.bits).await,
            };
            // A progress bar on a terminal only: piped output stays quiet.
            let bar = std::io::stderr()
                .is_terminal()
                .then(|| progress_bar(args.bits));
            let slow = ask::slow(&proxy, args.bits, timeout, bar.as_ref()).await;
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
            slow.map(|slow| (slow.number, Some(slow.request_id)))
        } else {
            ask::quick(&proxy, args.bits)
                .await
                .map(|number| (number, None))
        }
    };
    match answer.await {
        Ok((number, request_id)) => {
            if args.json {
                let answer = JsonAnswer {
                    bits: args.bits,
                    number: &number,
                    request_id: request_id.as_deref(),
                };
                println!(
                    "{}",
                    serde_json::to_string(&answer).expect("the answer serializes")
                );
            } else {
                println!("Your random number is: {number}");
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("random-data: {error}");
            ExitCode::from(error.exit_code())
        }
    }
}

fn progress_bar(bits: i32) -> ProgressBar {
    let bar = ProgressBar::new(u64::from(bits.max(0).unsigned_abs()));
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} bits, {elapsed}")
            .expect("the template is valid"),
    );
    bar
}
