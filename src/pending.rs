//! The slow requests in flight: bounded per caller, per Unix user and in all, cancelled when
//! their caller leaves the bus, and hurried to an end when the service stops.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use tokio::sync::{Notify, watch};
use tokio::task::AbortHandle;

use crate::callers::Caller;
use crate::errors::ServiceError;

/// Caps on pending slow requests. The per-user cap keeps one user from taking the whole
/// service with many connections (a system bus allows 256 per user).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The most one caller (one bus connection) may have pending.
    pub per_caller: usize,
    /// The most the connections of one Unix user may have pending together.
    pub per_user: usize,
    /// The most all callers together may have pending.
    pub total: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            per_caller: 1_000,
            per_user: 10_000,
            total: 100_000,
        }
    }
}

/// One caller's pending requests.
#[derive(Debug)]
struct CallerRequests {
    user: Option<u32>,
    /// By request id: the task computing it.
    tasks: HashMap<String, AbortHandle>,
}

#[derive(Debug, Default)]
struct State {
    /// By caller's unique name.
    by_caller: HashMap<String, CallerRequests>,
    /// How many are pending for each Unix user.
    by_user: HashMap<u32, usize>,
    total: usize,
    stopping: bool,
}

impl State {
    /// Takes `count` requests of `user` off the counts.
    fn release(&mut self, user: Option<u32>, count: usize) {
        self.total -= count;
        if let Some(user) = user
            && let Some(of_user) = self.by_user.get_mut(&user)
        {
            *of_user -= count;
            if *of_user == 0 {
                self.by_user.remove(&user);
            }
        }
    }

    /// Why `caller` may not start one more request, if it may not.
    fn refusal(&self, caller: &Caller, limits: &Limits) -> Option<ServiceError> {
        if self.stopping {
            return Some(ServiceError::ShuttingDown);
        }
        let of_caller = self
            .by_caller
            .get(&caller.name)
            .map_or(0, |requests| requests.tasks.len());
        if of_caller >= limits.per_caller {
            return Some(ServiceError::Busy(format!(
                "this caller has {of_caller} slow requests pending, the limit per caller \
                 (--max-pending-per-caller)"
            )));
        }
        if let Some(user) = caller.user {
            let of_user = self.by_user.get(&user).copied().unwrap_or(0);
            if of_user >= limits.per_user {
                return Some(ServiceError::Busy(format!(
                    "Unix user {user} has {of_user} slow requests pending, the limit per user \
                     (--max-pending-per-user)"
                )));
            }
        }
        (self.total >= limits.total).then(|| {
            ServiceError::Busy(format!(
                "the service has {} slow requests pending, its limit (--max-pending)",
                self.total
            ))
        })
    }
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
        caller: &Caller,
        id: &str,
        work: W,
    ) -> Result<(), ServiceError>
    where
        W: FnOnce(watch::Receiver<bool>) -> F,
        F: Future<Output = ()> + Send + 'static,
    {
        let mut state = self.state.lock().expect("the registry lock");
        if let Some(refusal) = state.refusal(caller, &self.limits) {
            return Err(refusal);
        }
        let registry = Arc::clone(self);
        let (owner, request) = (caller.name.clone(), id.to_owned());
        let work = work(self.hurry.subscribe());
        // The task cannot finish before it is registered: `finish` takes the same lock.
        let task = tokio::spawn(async move {
            work.await;
            registry.finish(&owner, &request);
        });
        state
            .by_caller
            .entry(caller.name.clone())
            .or_insert_with(|| CallerRequests {
                user: caller.user,
                tasks: HashMap::new(),
            })
            .tasks
            .insert(id.to_owned(), task.abort_handle());
        if let Some(user) = caller.user {
            *state.by_user.entry(user).or_default() += 1;
        }
        state.total += 1;
        Ok(())
    }

    fn finish(&self, caller: &str, id: &str) {
        let mut state = self.state.lock().expect("the registry lock");
        let Some(requests) = state.by_caller.get_mut(caller) else {
            return;
        };
        if requests.tasks.remove(id).is_none() {
            return;
        }
        let user = requests.user;
        if requests.tasks.is_empty() {
            state.by_caller.remove(caller);
        }
        state.release(user, 1);
        if state.total == 0 {
            self.settled.notify_waiters();
        }
    }

    /// Cancels every pending request of `caller` (it left the bus): no result is sent for
    /// them. Returns how many there were.
    pub fn cancel_caller(&self, caller: &str) -> usize {
        let mut state = self.state.lock().expect("the registry lock");
        let Some(requests) = state.by_caller.remove(caller) else {
            return 0;
        };
        for task in requests.tasks.values() {
            task.abort();
        }
        state.release(requests.user, requests.tasks.len());
        if state.total == 0 {
            self.settled.notify_waiters();
        }
        requests.tasks.len()
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

    fn limits(per_caller: usize, per_user: usize, total: usize) -> Limits {
        Limits {
            per_caller,
            per_user,
            total,
        }
    }

    /// Caller `name` of Unix user `user`.
    fn caller(name: &str, user: u32) -> Caller {
        Caller {
            name: name.to_owned(),
            user: Some(user),
        }
    }

    /// Work that waits until told to hurry.
    async fn until_hurried(mut hurry: watch::Receiver<bool>) {
        let _ = hurry.wait_for(|h| *h).await;
    }

    #[tokio::test]
    async fn limits_per_caller_per_user_and_in_all_are_enforced_and_named() {
        let pending = PendingRequests::new(limits(2, 3, 4));
        pending
            .start(&caller(":1.1", 1000), "a", until_hurried)
            .unwrap();
        pending
            .start(&caller(":1.1", 1000), "b", until_hurried)
            .unwrap();
        let refused = pending
            .start(&caller(":1.1", 1000), "c", until_hurried)
            .unwrap_err();
        assert!(
            refused
                .to_string()
                .contains("limit per caller (--max-pending-per-caller)"),
            "{refused}"
        );
        pending
            .start(&caller(":1.2", 1000), "d", until_hurried)
            .unwrap();
        let refused = pending
            .start(&caller(":1.3", 1000), "e", until_hurried)
            .unwrap_err();
        assert_eq!(
            refused.to_string(),
            "Unix user 1000 has 3 slow requests pending, the limit per user \
             (--max-pending-per-user)"
        );
        pending
            .start(&caller(":1.4", 1001), "f", until_hurried)
            .unwrap();
        let refused = pending
            .start(&caller(":1.5", 1002), "g", until_hurried)
            .unwrap_err();
        assert!(
            refused
                .to_string()
                .contains("4 slow requests pending, its limit (--max-pending)"),
            "{refused}"
        );
        assert_eq!(pending.len(), 4);
    }

    #[tokio::test]
    async fn a_departed_caller_frees_its_places_and_its_users() {
        let pending = PendingRequests::new(limits(2, 2, 3));
        pending
            .start(&caller(":1.1", 7), "a", until_hurried)
            .unwrap();
        pending
            .start(&caller(":1.1", 7), "b", until_hurried)
            .unwrap();
        assert!(
            pending
                .start(&caller(":1.2", 7), "c", until_hurried)
                .is_err()
        );
        assert_eq!(pending.cancel_caller(":1.1"), 2);
        assert!(pending.is_empty());
        pending
            .start(&caller(":1.2", 7), "c", until_hurried)
            .unwrap();
        pending
            .start(&caller(":1.2", 7), "d", until_hurried)
            .unwrap();
    }

    #[tokio::test]
    async fn a_caller_without_a_user_counts_per_caller_and_in_all() {
        let pending = PendingRequests::new(limits(2, 1, 3));
        let peer = Caller {
            name: String::new(),
            user: None,
        };
        pending.start(&peer, "a", until_hurried).unwrap();
        pending.start(&peer, "b", until_hurried).unwrap();
        assert!(pending.start(&peer, "c", until_hurried).is_err());
        assert_eq!(pending.len(), 2);
    }

    #[tokio::test]
    async fn stopping_hurries_pending_work_and_refuses_new_work() {
        let pending = PendingRequests::new(Limits::default());
        pending
            .start(&caller(":1.1", 7), "a", until_hurried)
            .unwrap();
        tokio::time::timeout(Duration::from_secs(5), pending.stop())
            .await
            .expect("stop returns once the work is done");
        assert!(pending.is_empty());
        assert_eq!(
            pending.start(&caller(":1.1", 7), "b", until_hurried),
            Err(ServiceError::ShuttingDown)
        );
    }

    #[tokio::test]
    async fn finished_work_leaves_the_registry_and_frees_its_user() {
        let pending = PendingRequests::new(limits(1, 1, 1));
        pending
            .start(&caller(":1.1", 7), "a", |_| async {})
            .unwrap();
        tokio::time::timeout(Duration::from_secs(5), async {
            while !pending.is_empty() {
                tokio::task::yield_now().await;
            }
        })
        .await
        .expect("the finished request is removed");
        pending
            .start(&caller(":1.2", 7), "b", until_hurried)
            .unwrap();
    }
}
