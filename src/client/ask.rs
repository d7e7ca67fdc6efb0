//! The command-line client: asks the service for a number, at once or the slow way.

use std::time::Duration;

use futures_util::StreamExt;
use indicatif::ProgressBar;
use zbus::fdo;

use crate::RandomDataProxy;

/// Why the client could not print a number. Each kind has its own exit code.
#[derive(Debug, thiserror::Error)]
pub(super) enum ClientError {
    /// No bus to connect to, or no service on it.
    #[error("the random-data service is not reachable: {0}")]
    NoService(String),
    /// The service answered the call with an error.
    #[error("the service refused the request: {0}")]
    Refused(String),
    /// The service left the bus while a slow request was pending.
    #[error("the service left the bus before sending the result of request {request_id}")]
    ServiceGone {
        /// The id the service gave the request.
        request_id: String,
    },
    /// No `slow_result` for our request arrived in time.
    #[error("no result for request {request_id} after {}", humantime::format_duration(*waited))]
    TimedOut {
        /// The id the service gave the request.
        request_id: String,
        /// How long the client waited.
        waited: Duration,
    },
    /// Anything else that went wrong on the bus.
    #[error("D-Bus error: {0}")]
    Bus(zbus::Error),
}

impl ClientError {
    /// The process exit code for this error: 1 refused or bus error, 2 no service (or it left),
    /// 3 timed out.
    pub(super) fn exit_code(&self) -> u8 {
        match self {
            ClientError::Refused(_) | ClientError::Bus(_) => 1,
            ClientError::NoService(_) | ClientError::ServiceGone { .. } => 2,
            ClientError::TimedOut { .. } => 3,
        }
    }
}

impl From<zbus::Error> for ClientError {
    fn from(error: zbus::Error) -> Self {
        match error {
            zbus::Error::FDO(fdo_error) => match *fdo_error {
                fdo::Error::ServiceUnknown(message) | fdo::Error::NameHasNoOwner(message) => {
                    ClientError::NoService(message)
                }
                other => ClientError::Refused(other.to_string()),
            },
            zbus::Error::MethodError(name, message, _) => {
                ClientError::Refused(format!("{name}: {}", message.unwrap_or_default()))
            }
            zbus::Error::Address(_)
            | zbus::Error::InputOutput(_)
            | zbus::Error::Handshake(_)
            | zbus::Error::Connection(..) => ClientError::NoService(error.to_string()),
            other => ClientError::Bus(other),
        }
    }
}

/// How long `--slow` waits by default: one tick per bit (the service's `bit_interval_ms`, or
/// the default 1 s where a service does not say), plus ten seconds for the bus.
pub(super) async fn default_slow_timeout(proxy: &RandomDataProxy<'_>, bits: i32) -> Duration {
    let tick_ms = proxy.bit_interval_ms().await.unwrap_or(1000);
    Duration::from_millis(u64::from(tick_ms) * u64::from(bits.max(0).unsigned_abs()))
        + Duration::from_secs(10)
}

/// Asks for a number at once.
pub(super) async fn quick(proxy: &RandomDataProxy<'_>, bits: i32) -> Result<String, ClientError> {
    Ok(proxy.quick(bits).await?)
}

/// A number that a slow request returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SlowNumber {
    /// The id the service gave the request.
    pub request_id: String,
    /// The number, in decimal.
    pub number: String,
}

/// Asks for a number the slow way: subscribes to `slow_result` (and, with `progress`, to
/// `slow_progress`) and to changes of the service's owner, calls `slow` (or
/// `slow_with_progress`, where the service has it), and waits up to `timeout` for the signal
/// that carries the id of this request, ignoring all others; gives up at once if the service
/// leaves the bus. `progress` is told of every bit.
pub(super) async fn slow(
    proxy: &RandomDataProxy<'_>,
    bits: i32,
    timeout: Duration,
    progress: Option<&ProgressBar>,
) -> Result<SlowNumber, ClientError> {
    let mut results = proxy.receive_slow_result().await?;
    let mut steps = proxy.receive_slow_progress().await?;
    let mut owners = proxy.inner().receive_owner_changed().await?;
    let request_id = match progress {
        Some(_) => match proxy.slow_with_progress(bits).await {
            // A service from before 0.2 (or the Python original): no progress, then.
            Err(zbus::Error::FDO(error)) if matches!(*error, fdo::Error::UnknownMethod(_)) => {
                proxy.slow(bits).await?
            }
            other => other?,
        },
        None => proxy.slow(bits).await?,
    };
    let ours = async {
        loop {
            tokio::select! {
                // In the order the bus delivered them: a service that stops sends the result
                // and then leaves, and both can be waiting at once.
                biased;
                signal = results.next() => {
                    let Some(signal) = signal else { break };
                    let args = signal.args()?;
                    if args.thread_id() == &request_id {
                        return Ok(args.result().to_string());
                    }
                }
                step = steps.next() => {
                    let (Some(step), Some(bar)) = (step, progress) else { continue };
                    let args = step.args()?;
                    if args.thread_id() == &request_id {
                        bar.set_length(u64::from(*args.total()));
                        bar.set_position(u64::from(*args.done()));
                    }
                }
                owner = owners.next() => match owner {
                    Some(Some(_)) => {}
                    Some(None) => {
                        return Err(ClientError::ServiceGone { request_id: request_id.clone() });
                    }
                    None => break,
                },
            }
        }
        Err(ClientError::NoService("the bus connection closed".into()))
    };
    match tokio::time::timeout(timeout, ours).await {
        Ok(number) => Ok(SlowNumber {
            number: number?,
            request_id,
        }),
        Err(_) => Err(ClientError::TimedOut {
            request_id,
            waited: timeout,
        }),
    }
}
