//! The slow requests in flight: bounded per caller and in all, cancelled when their caller
//! leaves the bus, and hurried to an end when the service stops.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use tokio::sync::{Notify, watch};
use tokio::task::AbortHandle;

use crate::errors::ServiceError;

/// Caps on pending slow requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The most one caller (one bus connection) may have pending.
    pub per_caller: usize,
    /// The most all callers together may have pending.
    pub total: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            per_caller: 1_000,
            total: 100_000,
        }
    }
}

#[derive(Debug, Default)]
struct State {
    /// By caller's unique name, then by request id: the task computing it.
    by_caller: HashMap<String, HashMap<String, AbortHandle>>,
    total: usize,
    stopping: bool,
}

/// The registry of pending slow requests. Each runs as one tokio task.
#[derive(Debug)]
pub struct PendingRequests {
    limits: Limits,
    state: Mutex<State>,
    /// Set once the service stops: tasks then finish at once.
    hurry: watch::Sender<bool>,
    /// Woken whenever the last pending request ends.
    settled: Notify,
}

impl PendingRequests {
    /// An empty registry with `limits`.
    pub fn new(limits: Limits) -> Arc<Self> {
        Arc::new(Self {
            limits,
            state: Mutex::default(),
            hurry: watch::Sender::new(false),
            settled: Notify::new(),
        })
    }

    /// Starts `work` as request `id` of `caller`, or refuses it if a limit is reached or the
    /// service is stopping. `work` gets a receiver that turns true when it must finish at once.
    pub fn start<W, F>(
        self: &Arc<Self>,
        caller: &str,
        id: &str,
        work: W,
    ) -> Result<(), ServiceError>
    where
        W: FnOnce(watch::Receiver<bool>) -> F,
        F: Future<Output = ()> + Send + 'static,
    {
        let mut state = self.state.lock().expect("the registry lock");
        if state.stopping {
            return Err(ServiceError::ShuttingDown);
        }
        if state.total >= self.limits.total {
            return Err(ServiceError::Busy(format!(
                "the service has {} slow requests pending, its limit",
                self.limits.total
            )));
        }
        let of_caller = state.by_caller.get(caller).map_or(0, HashMap::len);
        if of_caller >= self.limits.per_caller {
            return Err(ServiceError::Busy(format!(
                "this caller has {} slow requests pending, the limit per caller",
                self.limits.per_caller
            )));
        }
        let registry = Arc::clone(self);
        let (owner, request) = (caller.to_owned(), id.to_owned());
        let work = work(self.hurry.subscribe());
        // The task cannot finish before it is registered: `finish` takes the same lock.
        let task = tokio::spawn(async move {
            work.await;
            registry.finish(&owner, &request);
        });
        state
            .by_caller
            .entry(caller.to_owned())
            .or_default()
            .insert(id.to_owned(), task.abort_handle());
        state.total += 1;
        Ok(())
    }

    fn finish(&self, caller: &str, id: &str) {
        let mut state = self.state.lock().expect("the registry lock");
        let Some(requests) = state.by_caller.get_mut(caller) else {
            return;
        };
        if requests.remove(id).is_some() {
            if requests.is_empty() {
                state.by_caller.remove(caller);
            }
            state.total -= 1;
            if state.total == 0 {
                self.settled.notify_waiters();
            }
        }
    }

    /// Cancels every pending request of `caller` (it left the bus): no result is sent for
    /// them. Returns how many there were.
    pub fn cancel_caller(&self, caller: &str) -> usize {
        let mut state = self.state.lock().expect("the registry lock");
        let Some(requests) = state.by_caller.remove(caller) else {
            return 0;
        };
        for task in requests.values() {
            task.abort();
        }
        state.total -= requests.len();
        if state.total == 0 {
            self.settled.notify_waiters();
        }
        requests.len()
    }

    /// How many requests are pending.
    pub fn len(&self) -> usize {
        self.state.lock().expect("the registry lock").total
    }

    /// Whether none is pending.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Refuses new requests from now on, tells pending ones to finish at once, and waits
    /// until none is pending.
    pub async fn stop(&self) {
        let settled = self.settled.notified();
        tokio::pin!(settled);
        settled.as_mut().enable();
        {
            let mut state = self.state.lock().expect("the registry lock");
            state.stopping = true;
            if state.total == 0 {
                return;
            }
        }
        self.hurry.send_replace(true);
        settled.await;
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn limits(per_caller: usize, total: usize) -> Limits {
        Limits { per_caller, total }
    }

    /// Work that waits until told to hurry.
    async fn until_hurried(mut hurry: watch::Receiver<bool>) {
        let _ = hurry.wait_for(|h| *h).await;
    }

    #[tokio::test]
    async fn limits_per_caller_and_in_all_are_enforced_and_named() {
        let pending = PendingRequests::new(limits(2, 3));
        pending.start(":1.1", "a", until_hurried).unwrap();
        pending.start(":1.1", "b", until_hurried).unwrap();
        let refused = pending.start(":1.1", "c", until_hurried).unwrap_err();
        assert!(
            refused.to_string().contains("limit per caller"),
            "{refused}"
        );
        pending.start(":1.2", "d", until_hurried).unwrap();
        let refused = pending.start(":1.3", "e", until_hurried).unwrap_err();
        assert!(
            refused
                .to_string()
                .contains("3 slow requests pending, its limit"),
            "{refused}"
        );
        assert_eq!(pending.len(), 3);
    }

    #[tokio::test]
    async fn a_departed_caller_frees_its_places() {
        let pending = PendingRequests::new(limits(2, 2));
        pending.start(":1.1", "a", until_hurried).unwrap();
        pending.start(":1.1", "b", until_hurried).unwrap();
        assert_eq!(pending.cancel_caller(":1.1"), 2);
        assert!(pending.is_empty());
        pending.start(":1.2", "c", until_hurried).unwrap();
    }

    #[tokio::test]
    async fn stopping_hurries_pending_work_and_refuses_new_work() {
        let pending = PendingRequests::new(Limits::default());
        pending.start(":1.1", "a", until_hurried).unwrap();
        tokio::time::timeout(Duration::from_secs(5), pending.stop())
            .await
            .expect("stop returns once the work is done");
        assert!(pending.is_empty());
        assert_eq!(
            pending.start(":1.1", "b", until_hurried),
            Err(ServiceError::ShuttingDown)
        );
    }

    #[tokio::test]
    async fn finished_work_leaves_the_registry() {
        let pending = PendingRequests::new(Limits::default());
        pending.start(":1.1", "a", |_| async {}).unwrap();
        tokio::time::timeout(Duration::from_secs(5), async {
            while !pending.is_empty() {
                tokio::task::yield_now().await;
            }
        })
        .await
        .expect("the finished request is removed");
    }
}
