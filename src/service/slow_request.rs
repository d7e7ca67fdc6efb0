//! One slow request: the task that draws its number one bit per tick, tells its caller of
//! each bit if asked to, and sends the result.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use num_bigint::BigUint;

use super::bits::{self, BitProgress, Width};
use super::callers::KnownCaller;
use super::pending::Claim;
use super::request_ids::RequestId;

/// What a slow request's task holds while it waits for its ticks: kept small, since a
/// service may have a hundred thousand of them pending.
#[derive(Debug)]
pub(super) struct SlowRequest {
    /// Who asked, and the handle that sends it signals.
    pub caller: Arc<KnownCaller>,
    /// The request's id.
    pub id: RequestId,
    /// How wide the number is.
    pub width: Width,
    /// How long a bit takes.
    pub tick: Duration,
}

impl SlowRequest {
    /// Draws the number, telling `progress` of each bit, then, unless the request was taken
    /// over or cancelled meanwhile (see [`Claim::take`]), sends it with `slow_result`.
    /// `progress` is `()` for `slow`, so that its requests do not carry a reporter's state.
    // Not an `async fn`, which would keep its arguments twice in a pending request.
    #[allow(clippy::manual_async_fn)]
    pub(super) fn run(
        self,
        claim: Claim,
        progress: impl BitProgress + 'static,
    ) -> impl Future<Output = ()> + Send {
        async move {
            let number = bits::random_number_slowly(self.width, self.tick, progress).await;
            if let Some(_sending) = claim.take(&self.caller.caller.name, self.id.number()) {
                // Boxed: a pending request should not carry an emission's state.
                Box::pin(send_result(&self.caller, self.id, &number)).await;
            }
        }
    }

    /// What tells this request's caller of each bit, with `slow_progress`.
    pub(super) fn progress_report(&self) -> ProgressReport {
        ProgressReport {
            caller: Arc::clone(&self.caller),
            id: self.id,
            total: self.width.bits(),
        }
    }
}

/// Sends `caller` the result of its request `id`.
pub(super) async fn send_result(caller: &KnownCaller, id: RequestId, number: &BigUint) {
    let sent = caller
        .signals
        .slow_result(&id.to_string(), &number.to_string())
        .await;
    if let Err(error) = sent {
        tracing::warn!(%id, %error, "could not emit slow_result");
    }
}

/// Tells a caller of `slow_with_progress` of each bit, with `slow_progress`.
#[derive(Debug)]
pub(super) struct ProgressReport {
    caller: Arc<KnownCaller>,
    id: RequestId,
    total: u32,
}

impl BitProgress for ProgressReport {
    async fn bit_drawn(&mut self, done: u32) {
        let (signals, id, total) = (self.caller.signals.clone(), self.id, self.total);
        let sent =
            Box::pin(async move { signals.slow_progress(&id.to_string(), done, total).await });
        if let Err(error) = sent.await {
            tracing::warn!(%id, %error, "could not emit slow_progress");
        }
    }
}
