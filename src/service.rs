//! The service's own logic: the hand-written implementation of the generated [`RandomData`]
//! trait.

use std::sync::Arc;
use std::time::Duration;

use zbus::names::BusName;

use crate::bits::{self, BitProgress, Width};
use crate::callers::{Caller, CallerUsers};
use crate::errors::ServiceError;
use crate::pending::{Limits, PendingRequests};
use crate::request_ids::RequestIds;
use crate::{RandomData, RandomDataCall, RandomDataSignals};

/// How the service behaves.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// How long a slow request takes per bit.
    pub bit_interval: Duration,
    /// Caps on pending slow requests.
    pub limits: Limits,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        Self {
            bit_interval: Duration::from_secs(1),
            limits: Limits::default(),
        }
    }
}

/// The random-data service.
#[derive(Debug)]
pub struct Service {
    config: ServiceConfig,
    request_ids: RequestIds,
    pending: Arc<PendingRequests>,
    callers: CallerUsers,
    /// The connection that asks the bus for callers' Unix users, if not the serving one.
    lookups: Option<zbus::Connection>,
}

impl Service {
    /// A service with `config`.
    pub fn new(config: ServiceConfig) -> Self {
        Self {
            pending: PendingRequests::new(config.limits),
            config,
            request_ids: RequestIds::new(),
            callers: CallerUsers::default(),
            lookups: None,
        }
    }

    /// Asks the bus for callers' Unix users on `connection` rather than on the one that
    /// serves the call (which cannot read the answer while its queue of calls is full).
    pub fn with_lookup_connection(mut self, connection: zbus::Connection) -> Self {
        self.lookups = Some(connection);
        self
    }

    /// Its pending slow requests.
    pub fn pending(&self) -> &Arc<PendingRequests> {
        &self.pending
    }

    /// Forgets `caller`, which left the bus: its pending requests are cancelled (no result is
    /// sent for them). Returns how many there were.
    pub fn caller_left(&self, caller: &str) -> usize {
        self.callers.forget(caller);
        self.pending.cancel_caller(caller)
    }
}

/// Checks a requested width, answering a bad one with `InvalidArgs`.
fn width(bits: i32) -> Result<Width, ServiceError> {
    Width::try_from(bits).map_err(|error| ServiceError::InvalidArgs(error.to_string()))
}

impl RandomData for Service {
    type Error = ServiceError;

    async fn quick(&self, bits: i32, call: &RandomDataCall<'_>) -> Result<String, ServiceError> {
        let number = bits::random_number(width(bits)?).to_string();
        tracing::debug!(caller = ?call.sender(), bits, "quick");
        Ok(number)
    }

    async fn slow(&self, bits: i32, call: &RandomDataCall<'_>) -> Result<String, ServiceError> {
        self.start_slow(bits, call, false).await
    }

    async fn slow_with_progress(
        &self,
        bits: i32,
        call: &RandomDataCall<'_>,
    ) -> Result<String, ServiceError> {
        self.start_slow(bits, call, true).await
    }

    async fn bit_interval_ms(&self) -> Result<u32, ServiceError> {
        Ok(u32::try_from(self.config.bit_interval.as_millis()).unwrap_or(u32::MAX))
    }
}

impl Service {
    /// Starts a slow request for `call`; with `progress`, it reports each bit with
    /// `slow_progress`.
    async fn start_slow(
        &self,
        bits: i32,
        call: &RandomDataCall<'_>,
        progress: bool,
    ) -> Result<String, ServiceError> {
        let width = width(bits)?;
        let sender = call.sender().map(|sender| sender.to_owned());
        // The result goes to the caller alone: see README, "Reliability".
        let (signals, caller) = match &sender {
            Some(sender) => (
                call.signals().to(BusName::from(sender.clone())),
                Caller {
                    name: sender.to_string(),
                    user: Some(self.caller_user(call, sender).await?),
                },
            ),
            None => (
                call.signals(),
                Caller {
                    name: String::new(),
                    user: None,
                },
            ),
        };
        let id = self.request_ids.next_id();
        let tick = self.config.bit_interval;
        let request_id = id.clone();
        let report = progress.then(|| ProgressReport {
            signals: signals.clone(),
            request_id: id.clone(),
            total: width.bits(),
        });
        self.pending.start(&caller, &id, move |hurry| async move {
            let number = bits::random_number_slowly(width, tick, hurry, report).await;
            // Boxed: the emission's state is large, and a pending request should not carry it
            // while it waits for its ticks.
            let emitted = Box::pin(signals.slow_result(&request_id, &number.to_string())).await;
            if let Err(error) = emitted {
                tracing::warn!(%request_id, %error, "could not emit slow_result");
            }
        })?;
        tracing::debug!(caller = caller.name, user = ?caller.user, request_id = %id, bits, progress, "slow request started");
        Ok(id)
    }
}

impl Service {
    /// The Unix user of `sender`, the caller of `call`.
    async fn caller_user(
        &self,
        call: &RandomDataCall<'_>,
        sender: &zbus::names::UniqueName<'_>,
    ) -> Result<u32, ServiceError> {
        let connection = self.lookups.as_ref().unwrap_or(call.connection());
        self.callers.user_of(connection, sender).await
    }
}

/// Tells a caller of `slow_with_progress` of each bit, with `slow_progress`.
struct ProgressReport {
    signals: RandomDataSignals,
    request_id: String,
    total: u32,
}

impl BitProgress for ProgressReport {
    async fn bit_drawn(&mut self, done: u32) {
        let sent = self
            .signals
            .slow_progress(&self.request_id, done, self.total);
        if let Err(error) = Box::pin(sent).await {
            tracing::warn!(request_id = %self.request_id, %error, "could not emit slow_progress");
        }
    }
}
