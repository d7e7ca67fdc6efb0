//! The command line of `random-data`, the client.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};

use crate::bus::BusArgs;
use crate::{OBJECT_PATH, SERVICE_NAME};

/// Ask the random-data D-Bus service for a random number.
///
/// Exit codes: 0 printed a number, 1 the service refused (e.g. bits out of range) or another
/// D-Bus error, 2 no bus or no service, 3 a slow request timed out.
#[derive(Debug, Parser)]
#[command(name = "random-data", version, args_conflicts_with_subcommands = true)]
pub struct ClientCli {
    /// What to do other than ask for a number.
    #[command(subcommand)]
    pub command: Option<Command>,
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
    #[command(flatten)]
    pub bus: BusArgs,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Compare a live object's introspection with an introspection XML file.
    ///
    /// Prints every difference, classed as breaking or compatible. Exit codes: 0 no breaking
    /// difference (with --strict: no difference at all), 1 a breaking difference (with
    /// --strict: any), 2 the XML or the object could not be read.
    Contract(ContractArgs),
}

/// The arguments of `random-data contract`.
#[derive(Debug, clap::Args)]
pub struct ContractArgs {
    /// The introspection XML the object should match.
    pub file: PathBuf,
    /// The bus name of the object's owner.
    #[arg(long, default_value = SERVICE_NAME)]
    pub dest: String,
    /// The object's path.
    #[arg(long, default_value = OBJECT_PATH)]
    pub path: String,
    /// Fail on compatible differences too.
    #[arg(long)]
    pub strict: bool,
    #[command(flatten)]
    pub bus: BusArgs,
}
