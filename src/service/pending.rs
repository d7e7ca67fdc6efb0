//! The slow requests in flight: bounded per caller, per Unix user and in all, cancelled when
//! their caller leaves the bus, and handed over to be finished at once when the service stops.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;
use tokio::task::AbortHandle;

use super::bits::Width;
use super::callers::Caller;
use super::errors::ServiceError;

/// Caps on pending slow requests. The per-user cap keeps one user from taking the whole
/// service with many connections (a system bus allows 256 per user).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Limits {
    /// The most one caller (one bus connection) may have pending.
    pub per_caller: usize,
    /// The most the connections of one Unix user may have pending together.
    pub per_user: usize,
    /// The most all callers together may have pending.
    pub total: usize,
    /// Where each cap is set, named in a refusal so that its reader knows what to raise.
    pub set_by: LimitSettings,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            per_caller: 1_000,
            per_user: 10_000,
            total: 100_000,
            set_by: LimitSettings::default(),
        }
    }
}

/// The names of the settings that set each of the [`Limits`] (the service's command line
/// gives its flags); empty names are left out of refusals.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct LimitSettings {
    /// Sets [`Limits::per_caller`].
    pub per_caller: String,
    /// Sets [`Limits::per_user`].
    pub per_user: String,
    /// Sets [`Limits::total`].
    pub total: String,
}

/// ` (setting)`, to follow the name of a limit in a refusal, or nothing if `setting` is empty.
fn set_by(setting: &str) -> String {
    if setting.is_empty() {
        String::new()
    } else {
        format!(" ({setting})")
    }
}

/// A pending request's entry: its task, and its width, which stopping needs.
#[derive(Debug)]
struct Entry {
    task: AbortHandle,
    width: Width,
}

/// One caller's pending requests.
#[derive(Debug)]
struct CallerRequests {
    user: Option<u32>,
    /// By request number.
    tasks: HashMap<u64, Entry>,
}

#[derive(Debug, Default)]
struct State {
    /// By caller's unique name.
    by_caller: HashMap<Arc<str>, CallerRequests>,
    /// How many are pending for each Unix user.
    by_user: HashMap<u32, usize>,
    total: usize,
    /// Requests that left the registry to send their result and have not yet.
    sending: usize,
    stopping: bool,
}

impl State {
    /// Whether nothing is pending and no result is being sent.
    fn is_settled(&self) -> bool {
        self.total == 0 && self.sending == 0
    }

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
            .get(&*caller.name)
            .map_or(0, |requests| requests.tasks.len());
        if of_caller >= limits.per_caller {
            return Some(ServiceError::Busy(format!(
                "this caller has {of_caller} slow requests pending, the limit per caller{}",
                set_by(&limits.set_by.per_caller)
            )));
        }
        if let Some(user) = caller.user {
            let of_user = self.by_user.get(&user).copied().unwrap_or(0);
            if of_user >= limits.per_user {
                return Some(ServiceError::Busy(format!(
                    "Unix user {user} has {of_user} slow requests pending, the limit per user{}",
                    set_by(&limits.set_by.per_user)
                )));
            }
        }
        (self.total >= limits.total).then(|| {
            ServiceError::Busy(format!(
                "the service has {} slow requests pending, its limit{}",
                self.total,
                set_by(&limits.set_by.total)
            ))
        })
    }
}

/// The registry of pending slow requests. Each runs as one tokio task, which leaves the
/// registry (with [`Claim::take`]) when its number is drawn, to send its result.
#[derive(Debug)]
pub(super) struct PendingRequests {
    limits: Limits,
    state: Mutex<State>,
    /// Woken whenever the registry becomes settled: nothing pending, no result being sent.
    settled: Notify,
}

/// A request that [`PendingRequests::stop`] took over: its task is aborted, and its result
/// is the stopper's to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Unfinished {
    /// The unique name of the caller that made it.
    pub caller: Arc<str>,
    /// Its number.
    pub id: u64,
    /// Its width.
    pub width: Width,
}

/// A request task's right to send its result: [`Claim::take`] it once the number is drawn.
/// (Only the registry: the task knows its caller and id, and a pending request should be
/// small.)
#[derive(Debug)]
pub(super) struct Claim {
    registry: Arc<PendingRequests>,
}

impl Claim {
    /// Takes request `id` of `caller` out of the registry, so that its task sends the result
    /// while the returned guard lives; `None` if stopping took the request over (and sends
    /// the result itself) or its caller left.
    pub(super) fn take(self, caller: &str, id: u64) -> Option<Sending> {
        let mut state = self.registry.state.lock().expect("the registry lock");
        let requests = state.by_caller.get_mut(caller)?;
        requests.tasks.remove(&id)?;
        let user = requests.user;
        if requests.tasks.is_empty() {
            state.by_caller.remove(caller);
        }
        state.release(user, 1);
        state.sending += 1;
        drop(state);
        Some(Sending {
            registry: self.registry,
        })
    }
}

/// A result being sent; stopping waits until none is.
#[derive(Debug)]
pub(super) struct Sending {
    registry: Arc<PendingRequests>,
}

impl Drop for Sending {
    fn drop(&mut self) {
        let mut state = self.registry.state.lock().expect("the registry lock");
        state.sending -= 1;
        if state.is_settled() {
            self.registry.settled.notify_waiters();
        }
    }
}

impl PendingRequests {
    /// An empty registry with `limits`.
    pub(super) fn new(limits: Limits) -> Arc<Self> {
        Arc::new(Self {
            limits,
            state: Mutex::default(),
            settled: Notify::new(),
        })
    }

    /// Starts `work` as request number `id` of `caller`, `width` bits wide, or refuses it if
    /// a limit is reached or the service is stopping. `work` gets the [`Claim`] it takes
    /// before it sends its result.
    pub(super) fn start<W, F>(
        self: &Arc<Self>,
        caller: &Caller,
        id: u64,
        width: Width,
        work: W,
    ) -> Result<(), ServiceError>
    where
        W: FnOnce(Claim) -> F,
        F: Future<Output = ()> + Send + 'static,
    {
        let mut state = self.state.lock().expect("the registry lock");
        if let Some(refusal) = state.refusal(caller, &self.limits) {
            return Err(refusal);
        }
        let claim = Claim {
            registry: Arc::clone(self),
        };
        // The task cannot take its claim before it is registered: `take` takes the same lock.
        let task = tokio::spawn(work(claim)).abort_handle();
        state
            .by_caller
            .entry(Arc::clone(&caller.name))
            .or_insert_with(|| CallerRequests {
                user: caller.user,
                tasks: HashMap::new(),
            })
            .tasks
            .insert(id, Entry { task, width });
        if let Some(user) = caller.user {
            *state.by_user.entry(user).or_default() += 1;
        }
        state.total += 1;
        Ok(())
    }

    /// Cancels every pending request of `caller` (it left the bus): no result is sent for
    /// them. Returns how many there were.
    pub(super) fn cancel_caller(&self, caller: &str) -> usize {
        let mut state = self.state.lock().expect("the registry lock");
        let Some(requests) = state.by_caller.remove(caller) else {
            return 0;
        };
        for entry in requests.tasks.values() {
            entry.task.abort();
        }
        state.release(requests.user, requests.tasks.len());
        if state.is_settled() {
            self.settled.notify_waiters();
        }
        requests.tasks.len()
    }

    /// How many requests are pending.
    pub(super) fn len(&self) -> usize {
        self.state.lock().expect("the registry lock").total
    }

    /// Refuses new requests from now on and takes over every pending one: their tasks are
    /// aborted, and their results are the caller's to send. Results that tasks are sending
    /// already are not among them; [`PendingRequests::settled`] waits for those.
    pub(super) fn stop(&self) -> Vec<Unfinished> {
        let mut state = self.state.lock().expect("the registry lock");
        state.stopping = true;
        let mut unfinished = Vec::with_capacity(state.total);
        for (caller, requests) in state.by_caller.drain() {
            for (id, entry) in requests.tasks {
                entry.task.abort();
                let caller = Arc::clone(&caller);
                unfinished.push(Unfinished {
                    caller,
                    id,
                    width: entry.width,
                });
            }
        }
        state.by_user.clear();
        state.total = 0;
        if state.is_settled() {
            self.settled.notify_waiters();
        }
        unfinished
    }

    /// Waits until nothing is pending and no task is sending a result.
    pub(super) async fn settled(&self) {
        loop {
            let settled = self.settled.notified();
            tokio::pin!(settled);
            settled.as_mut().enable();
            if self.state.lock().expect("the registry lock").is_settled() {
                return;
            }
            settled.await;
        }
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
            set_by: LimitSettings {
                per_caller: "the caller's setting".into(),
                per_user: "the user's setting".into(),
                total: "the total's setting".into(),
            },
        }
    }

    /// Caller `name` of Unix user `user`.
    fn caller(name: &str, user: u32) -> Caller {
        Caller {
            name: Arc::from(name),
            user: Some(user),
        }
    }

    fn width(bits: i32) -> Width {
        Width::try_from(bits).unwrap()
    }

    /// Work that never finishes (until aborted).
    async fn forever(_claim: Claim) {
        std::future::pending::<()>().await;
    }

    #[tokio::test]
    async fn limits_per_caller_per_user_and_in_all_are_enforced_and_named() {
        let pending = PendingRequests::new(limits(2, 3, 4));
        let start = |name, user, id| pending.start(&caller(name, user), id, width(8), forever);
        start(":1.1", 1000, 1).unwrap();
        start(":1.1", 1000, 2).unwrap();
        let refused = start(":1.1", 1000, 3).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "this caller has 2 slow requests pending, the limit per caller (the caller's setting)"
        );
        start(":1.2", 1000, 4).unwrap();
        let refused = start(":1.3", 1000, 5).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "Unix user 1000 has 3 slow requests pending, the limit per user \
             (the user's setting)"
        );
        start(":1.4", 1001, 6).unwrap();
        let refused = start(":1.5", 1002, 7).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "the service has 4 slow requests pending, its limit (the total's setting)"
        );
        assert_eq!(pending.len(), 4);
    }

    #[tokio::test]
    async fn a_limit_set_nowhere_is_named_without_a_setting() {
        let pending = PendingRequests::new(Limits {
            per_caller: 1,
            ..Limits::default()
        });
        pending
            .start(&caller(":1.1", 1000), 1, width(8), forever)
            .unwrap();
        let refused = pending.start(&caller(":1.1", 1000), 2, width(8), forever);
        assert_eq!(
            refused.unwrap_err().to_string(),
            "this caller has 1 slow requests pending, the limit per caller"
        );
    }

    #[tokio::test]
    async fn a_departed_caller_frees_its_places_and_its_users() {
        let pending = PendingRequests::new(limits(2, 2, 3));
        let start = |name, id| pending.start(&caller(name, 7), id, width(8), forever);
        start(":1.1", 1).unwrap();
        start(":1.1", 2).unwrap();
        assert!(start(":1.2", 3).is_err());
        assert_eq!(pending.cancel_caller(":1.1"), 2);
        assert_eq!(pending.len(), 0);
        start(":1.2", 3).unwrap();
        start(":1.2", 4).unwrap();
    }

    #[tokio::test]
    async fn a_caller_without_a_user_counts_per_caller_and_in_all() {
        let pending = PendingRequests::new(limits(2, 1, 3));
        let peer = Caller {
            name: Arc::from(""),
            user: None,
        };
        pending.start(&peer, 1, width(8), forever).unwrap();
        pending.start(&peer, 2, width(8), forever).unwrap();
        assert!(pending.start(&peer, 3, width(8), forever).is_err());
        assert_eq!(pending.len(), 2);
    }

    #[tokio::test]
    async fn stopping_takes_over_pending_requests_and_refuses_new_ones() {
        let pending = PendingRequests::new(Limits::default());
        pending
            .start(&caller(":1.1", 7), 1, width(12), forever)
            .unwrap();
        let unfinished = pending.stop();
        assert_eq!(
            unfinished,
            [Unfinished {
                caller: Arc::from(":1.1"),
                id: 1,
                width: width(12)
            }]
        );
        assert_eq!(pending.len(), 0);
        tokio::time::timeout(Duration::from_secs(5), pending.settled())
            .await
            .expect("nothing is left to wait for");
        assert_eq!(
            pending.start(&caller(":1.1", 7), 2, width(12), forever),
            Err(ServiceError::ShuttingDown)
        );
    }

    #[tokio::test]
    async fn a_result_being_sent_is_waited_for_and_not_taken_over() {
        let pending = PendingRequests::new(limits(1, 1, 1));
        let (claimed, sending) = tokio::sync::oneshot::channel();
        let (release, released) = tokio::sync::oneshot::channel::<()>();
        let work = |claim: Claim| async move {
            let guard = claim.take(":1.1", 1);
            let _ = claimed.send(guard.is_some());
            let _ = released.await;
        };
        pending
            .start(&caller(":1.1", 7), 1, width(8), work)
            .unwrap();
        assert_eq!(sending.await, Ok(true));
        // Its place is free at once; the registry is not settled until the result is sent.
        pending
            .start(&caller(":1.2", 7), 2, width(8), forever)
            .unwrap();
        assert_eq!(pending.stop().len(), 1, "only the request still pending");
        let settled = tokio::spawn({
            let pending = Arc::clone(&pending);
            async move { pending.settled().await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(
            !settled.is_finished(),
            "settled while a result was being sent"
        );
        release.send(()).unwrap();
        tokio::time::timeout(Duration::from_secs(5), settled)
            .await
            .expect("settled once the result is sent")
            .unwrap();
    }

    #[tokio::test]
    async fn a_request_taken_over_by_stopping_cannot_be_claimed() {
        let pending = PendingRequests::new(Limits::default());
        let (give, claim) = tokio::sync::oneshot::channel();
        let work = |claim: Claim| async move {
            let _ = give.send(claim);
            std::future::pending::<()>().await;
        };
        pending
            .start(&caller(":1.1", 7), 1, width(8), work)
            .unwrap();
        let claim = claim.await.unwrap();
        assert_eq!(pending.stop().len(), 1);
        assert!(claim.take(":1.1", 1).is_none());
    }
}
