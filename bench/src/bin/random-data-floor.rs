//! `random-data-floor zbus|generated BUS_ADDRESS`: zbus's floor for `quick`, a service that
//! owns `com.larry-price.test` and answers `quick(i) -> s` with a constant, on the same
//! runtime as the app's service (tokio, one thread), until SIGTERM or SIGINT.
//!
//! - `zbus`: a hand-written `#[zbus::interface]`, dispatched as the generated adapter
//!   dispatches by default (`spawn = false`, calls served in order).
//! - `generated`: the app's generated adapter (`RandomDataServer`) around an implementation
//!   that answers the same constant; against `zbus`, it shows what the generated layer costs.
//!
//! The benchmark measures both beside the app and a C server on sd-bus.

use std::process::ExitCode;

use random_data::{OBJECT_PATH, RandomData, RandomDataCall, RandomDataServer, SERVICE_NAME};
use tokio::signal::unix::{SignalKind, signal};

/// The answer to every `quick`: five digits, as long as the app's answer to `quick(16)` at
/// most.
const ANSWER: &str = "40731";

/// The hand-written interface.
struct HandWritten;

#[zbus::interface(name = "com.larry_price.test.RandomData", spawn = false)]
impl HandWritten {
    #[zbus(name = "quick", out_args("result"))]
    async fn quick(&self, _bits: i32) -> String {
        ANSWER.to_owned()
    }
}

/// The generated trait, implemented with the same answer (and nothing else).
struct Constant;

impl RandomData for Constant {
    type Error = zbus::fdo::Error;

    async fn quick(&self, _bits: i32, _call: &RandomDataCall<'_>) -> zbus::fdo::Result<String> {
        Ok(ANSWER.to_owned())
    }

    async fn slow(&self, _bits: i32, _call: &RandomDataCall<'_>) -> zbus::fdo::Result<String> {
        Err(zbus::fdo::Error::NotSupported(
            "a floor serves quick only".into(),
        ))
    }

    async fn slow_with_progress(
        &self,
        bits: i32,
        call: &RandomDataCall<'_>,
    ) -> zbus::fdo::Result<String> {
        self.slow(bits, call).await
    }

    async fn bit_interval_ms(&self) -> zbus::fdo::Result<u32> {
        Ok(0)
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [kind, address] = &args[..] else {
        eprintln!("usage: random-data-floor zbus|generated BUS_ADDRESS");
        return ExitCode::from(2);
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let served = runtime.block_on(async {
        let builder = zbus::connection::Builder::address(address.as_str()).name(SERVICE_NAME);
        let builder = match kind.as_str() {
            "zbus" => builder.serve_at(OBJECT_PATH, HandWritten),
            "generated" => builder.serve_at(OBJECT_PATH, RandomDataServer::new(Constant)),
            other => {
                return Err(zbus::Error::Failure(format!(
                    "unknown floor `{other}`: zbus or generated"
                )));
            }
        };
        let _connection = builder.build().await?;
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
        Ok(())
    });
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("random-data-floor: {error}");
            ExitCode::FAILURE
        }
    }
}
