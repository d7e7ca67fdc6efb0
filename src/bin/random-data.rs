//! `random-data [BITS] [-s|--slow]`: prints a random number from the random-data service.
//! `random-data contract FILE.xml`: checks a live object against its introspection XML.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use dbus_xml_codegen::check;
use indicatif::{ProgressBar, ProgressStyle};
use random_data::cli::client::{AskArgs, ClientCli, Command, ContractArgs};
use random_data::{RandomDataProxy, client};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = ClientCli::parse();
    match cli.command {
        Some(Command::Contract(args)) => check_contract(&args).await,
        None => ask(&cli.ask).await,
    }
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
                None => client::default_slow_timeout(&proxy, args.bits).await,
            };
            // A progress bar on a terminal only: piped output stays quiet.
            let bar = std::io::stderr()
                .is_terminal()
                .then(|| progress_bar(args.bits));
            let slow = client::slow(&proxy, args.bits, timeout, bar.as_ref()).await;
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
            slow.map(|slow| (slow.number, Some(slow.request_id)))
        } else {
            client::quick(&proxy, args.bits)
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

async fn check_contract(args: &ContractArgs) -> ExitCode {
    let report = async {
        let connection = args
            .bus
            .builder()
            .build()
            .await
            .map_err(|e| e.to_string())?;
        check::check(&connection, &args.dest, &args.path, &args.file)
            .await
            .map_err(|e| e.to_string())
    };
    match report.await {
        Ok(report) => {
            println!("{report}");
            let failed = report.is_breaking() || (args.strict && !report.differences.is_empty());
            ExitCode::from(u8::from(failed))
        }
        Err(error) => {
            eprintln!("random-data contract: {error}");
            ExitCode::from(2)
        }
    }
}
