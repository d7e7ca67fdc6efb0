//! Prints the Rust module that `dbus-xml-codegen` generates for an introspection XML file:
//! the server side and the proxy of every interface in it.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

/// Generate a zbus server trait and client proxy from D-Bus introspection XML.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// The introspection XML file.
    file: PathBuf,
    /// The well-known bus name that the generated proxies call by default.
    #[arg(long)]
    service: Option<String>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let mut builder = dbus_xml_codegen::Builder::new();
    if let Some(service) = args.service {
        builder = builder.service(service);
    }
    match builder.generate_file(&args.file) {
        Ok(code) => {
            print!("{code}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
