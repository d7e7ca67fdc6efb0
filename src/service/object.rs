//! The service's own logic: the hand-written implementation of the generated [`RandomData`]
//! trait.

use std::sync::Arc;
use std::time::Duration;

use super::bits::{self, Width};
use super::callers::Callers;
use super::errors::ServiceError;
use super::pending::{Limits, PendingRequests};
use super::request_ids::RequestIds;
use super::slow_request::{SlowRequest, send_result};
use crate::{RandomData, RandomDataCall};

/// How the service behaves.
#[derive(Debug, Clone)]
pub(super) struct ServiceConfig {
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
pub(super) struct Service {
    /// How long a slow request takes per bit.
    bit_interval: Duration,
    request_ids: RequestIds,
    pending: Arc<PendingRequests>,
    callers: Callers,
    /// The connection that asks the bus for callers' Unix users, if not the serving one.
    lookups: Option<zbus::Connection>,
}

impl Service {
    /// A service with `config`.
    pub(super) fn new(config: ServiceConfig) -> Self {
        Self {
            bit_interval: config.bit_interval,
            pending: PendingRequests::new(config.limits),
            request_ids: RequestIds::default(),
            callers: Callers::default(),
            lookups: None,
        }
    }

    /// Asks the bus for callers' Unix users on `connection` rather than on the one that
    /// serves the call (which cannot read the answer while its queue of calls is full).
    pub(super) fn with_lookup_connection(mut self, connection: zbus::Connection) -> Self {
        self.lookups = Some(connection);
        self
    }

    /// Its pending slow requests.
    pub(super) fn pending(&self) -> &Arc<PendingRequests> {
        &self.pending
    }

    /// Stops taking slow requests and finishes the pending ones at once: each gets a
    /// uniformly random number of its width, drawn now, as its result. Returns when every
    /// result is sent.
    pub(super) async fn stop(&self) {
        for unfinished in self.pending.stop() {
            let Some(caller) = self.callers.get(&unfinished.caller) else {
                continue;
            };
            let id = self.request_ids.id(unfinished.id);
            send_result(&caller, id, &bits::random_number(unfinished.width)).await;
        }
        self.pending.settled().await;
    }

    /// Forgets `caller`, which left the bus: its pending requests are cancelled (no result is
    /// sent for them). Returns how many there were.
    pub(super) fn caller_left(&self, caller: &str) -> usize {
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
        Ok(u32::try_from(self.bit_interval.as_millis()).unwrap_or(u32::MAX))
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
        let lookups = self.lookups.as_ref().unwrap_or(call.connection());
        // The result goes to the caller alone: see README, "Reliability".
        let caller = self.callers.of(call, lookups).await?;
        let id = self.request_ids.next_id();
        let request = SlowRequest {
            caller: Arc::clone(&caller),
            id,
            width,
            tick: self.bit_interval,
        };
        let (number, pending) = (id.number(), &self.pending);
        // Two task types: a plain `slow` request carries no reporter.
        if progress {
            let report = request.progress_report();
            pending.start(&caller.caller, number, width, |claim| {
                request.run(claim, report)
            })?;
        } else {
            pending.start(&caller.caller, number, width, |claim| {
                request.run(claim, ())
            })?;
        }
        tracing::debug!(caller = %caller.caller.name, user = ?caller.caller.user, %id, bits, progress, "slow request started");
        Ok(id.to_string())
    }
}
