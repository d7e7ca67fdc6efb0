//! Traffic held to the files: a monitor connection (`BecomeMonitor`, as `busctl monitor` and
//! `dbus-monitor` use) sees every message on a bus, and each one to or from the service is
//! checked against the [`Contracts`] of its interface files.
//!
//! ```no_run
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! use dbus_xml_codegen::contract::Contracts;
//! use dbus_xml_codegen::monitor::Monitor;
//!
//! let contracts = Contracts::read(["interfaces/com.example.Thing.xml"])?;
//! let running = Monitor::new(contracts, Some("com.example.Thing".into()))
//!     .start(&"unix:path=/tmp/test-bus".parse()?)
//!     .await?;
//! // Checks every message while the client or service under test runs:
//! let (monitor, ()) = running.stop_after(async { /* the test */ }).await?;
//! let report = monitor.report();
//! assert!(report.violations.is_empty(), "{report}");
//! # Ok(())
//! # }
//! ```

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::future::Future;
use std::pin::pin;
use std::task::Poll;

use zbus::export::futures_core::Stream;
use zbus::message::{Flags, Message, Type};
use zbus::{Address, Connection, MessageStream};

use crate::contract::{Contracts, Expected, Violation};

/// The bus's own name, which owns no interface of the files.
const BUS: &str = "org.freedesktop.DBus";

/// Checks messages against contracts, one at a time, remembering the calls that wait for a
/// reply.
pub struct Monitor {
    contracts: Contracts,
    /// The service's name, where one was given: then only messages to and from it count.
    dest: Option<String>,
    /// The unique names that have owned `dest`.
    owners: HashSet<String>,
    /// Checked calls still waiting for their reply, by caller and serial.
    pending: HashMap<(String, u32), Expected>,
    report: Report,
}

/// What a monitor saw.
#[derive(Debug, Default, Clone)]
pub struct Report {
    /// Calls, replies and signals checked.
    pub checked: Counts,
    /// What broke a contract, in the order seen.
    pub violations: Vec<Violation>,
}

/// How many messages of each kind were checked.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Method calls.
    pub calls: usize,
    /// Replies and error replies.
    pub replies: usize,
    /// Signals.
    pub signals: usize,
}

impl Report {
    /// The last line of a report: how many violations in how many messages.
    pub fn summary(&self) -> String {
        let Counts {
            calls,
            replies,
            signals,
        } = self.checked;
        let violations = self.violations.len();
        let plural = if violations == 1 { "" } else { "s" };
        format!(
            "{violations} violation{plural} in {calls} calls, {replies} replies and {signals} \
             signals checked"
        )
    }
}

impl fmt::Display for Report {
    /// One line per violation, then the summary.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for violation in &self.violations {
            writeln!(f, "{violation}")?;
        }
        f.write_str(&self.summary())
    }
}

/// Why a monitor could not watch.
#[derive(Debug, thiserror::Error)]
pub enum MonitorError {
    /// The bus could not be reached, or refused to make the connection a monitor.
    #[error("cannot monitor the bus at {address}: {source}")]
    Bus {
        /// The bus's address.
        address: String,
        /// Why.
        source: zbus::Error,
    },
    /// The marker that ends a watch could not be sent.
    #[error("cannot send the end marker on the monitored bus: {0}")]
    Marker(zbus::Error),
    /// The bus closed the monitor's connection before the end marker came back.
    #[error(
        "the bus closed the monitor's connection before it saw the end marker (the bus may \
         have exited): messages after that went unchecked"
    )]
    Closed,
}

impl Monitor {
    /// A monitor of `contracts`; with `dest`, of the messages to and from that bus name alone
    /// (else of every message that names an interface the files declare).
    pub fn new(contracts: Contracts, dest: Option<String>) -> Self {
        let owners = dest
            .iter()
            .filter(|d| d.starts_with(':'))
            .cloned()
            .collect();
        Self {
            contracts,
            dest,
            owners,
            pending: HashMap::new(),
            report: Report::default(),
        }
    }

    /// What it has seen so far.
    pub fn report(&self) -> &Report {
        &self.report
    }

    /// Checks one message as the bus carried it; returns the violations it adds.
    pub fn observe(&mut self, message: &Message) -> &[Violation] {
        let before = self.report.violations.len();
        let mut found = Vec::new();
        match message.message_type() {
            Type::MethodCall => self.call(message, &mut found),
            Type::MethodReturn | Type::Error => self.reply(message, &mut found),
            Type::Signal => self.signal(message, &mut found),
        }
        self.report.violations.extend(found);
        &self.report.violations[before..]
    }

    fn call(&mut self, message: &Message, found: &mut Vec<Violation>) {
        let header = message.header();
        if let Some(dest) = &self.dest {
            let to = header.destination().map(|d| d.to_string());
            if !to.is_some_and(|to| to == *dest || self.owners.contains(&to)) {
                return;
            }
        }
        let interface = match (header.interface(), header.member(), &self.dest) {
            (Some(interface), ..) => interface.to_string(),
            (None, Some(member), Some(_)) => {
                match self.contracts.interface_of_method(member.as_str()) {
                    Some(interface) => interface,
                    None => return,
                }
            }
            _ => return,
        };
        let standard = interface.starts_with("org.freedesktop.DBus.");
        if !standard && !self.contracts.declares(&interface) {
            return;
        }
        let expected = self.contracts.call(message, &interface, found);
        if !standard || expected.is_some() {
            self.report.checked.calls += 1;
        }
        let (Some(expected), Some(sender)) = (expected, header.sender()) else {
            return;
        };
        if !header.primary().flags().contains(Flags::NO_REPLY_EXPECTED) {
            let serial = header.primary().serial_num().get();
            self.pending.insert((sender.to_string(), serial), expected);
        }
    }

    fn reply(&mut self, message: &Message, found: &mut Vec<Violation>) {
        let header = message.header();
        let (Some(caller), Some(serial)) = (header.destination(), header.reply_serial()) else {
            return;
        };
        if let Some(expected) = self.pending.remove(&(caller.to_string(), serial.get())) {
            self.report.checked.replies += 1;
            self.contracts.reply(message, &expected, found);
        }
    }

    fn signal(&mut self, message: &Message, found: &mut Vec<Violation>) {
        let header = message.header();
        let sender = header.sender().map(|s| s.to_string()).unwrap_or_default();
        if sender == BUS || header.sender().is_none() {
            self.bus_signal(message);
            return;
        }
        if self.dest.is_some() && !self.owners.contains(&sender) {
            return;
        }
        let interface = header
            .interface()
            .map(|i| i.to_string())
            .unwrap_or_default();
        let standard = interface.starts_with("org.freedesktop.DBus.");
        if standard || self.contracts.declares(&interface) {
            self.report.checked.signals += 1;
            self.contracts.signal(message, found);
        }
    }

    /// Follows the owner of `dest` through the bus's `NameOwnerChanged`.
    fn bus_signal(&mut self, message: &Message) {
        let header = message.header();
        if header.member().map(|m| m.as_str()) != Some("NameOwnerChanged") {
            return;
        }
        if let Ok((name, _old, new)) = message.body().deserialize::<(String, String, String)>()
            && Some(&name) == self.dest.as_ref()
            && !new.is_empty()
        {
            self.owners.insert(new);
        }
    }

    /// Makes a connection to the bus at `address` a monitor, and returns it watching.
    pub async fn start(mut self, address: &Address) -> Result<Running, MonitorError> {
        let bus_error = |source| MonitorError::Bus {
            address: address.to_string(),
            source,
        };
        let connect = || async {
            zbus::connection::Builder::address(address.clone())
                .method_timeout(MARKER_TIMEOUT)
                .build()
                .await
        };
        let connection = connect().await.map_err(bus_error)?;
        let marker = connect().await.map_err(bus_error)?;
        if let Some(dest) = self.dest.clone().filter(|d| !d.starts_with(':'))
            && let Ok(owner) = zbus::fdo::DBusProxy::new(&connection)
                .await
                .map_err(bus_error)?
                .get_name_owner(dest.as_str().try_into().map_err(bus_error)?)
                .await
        {
            self.owners.insert(owner.to_string());
        }
        zbus::fdo::MonitoringProxy::new(&connection)
            .await
            .map_err(bus_error)?
            .become_monitor(&[], 0)
            .await
            .map_err(|e| bus_error(e.into()))?;
        Ok(Running {
            stream: MessageStream::from(connection),
            marker,
            monitor: self,
            live: None,
        })
    }
}

/// A monitor watching a bus.
pub struct Running {
    stream: MessageStream,
    /// A connection of its own, which sends the end marker.
    marker: Connection,
    monitor: Monitor,
    /// Told of each violation as it is found.
    live: Option<Live>,
}

/// What is told of each violation as it is found.
type Live = Box<dyn FnMut(&Violation) + Send>;

/// How long a monitor waits for the bus's answer to its end marker.
pub const MARKER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// What came first: the next message, or the end of what was raced against it.
enum Next<T> {
    Message(Option<zbus::Result<Message>>),
    Done(T),
}

impl Running {
    /// The next message of the stream, unless `other` ends first.
    async fn next_or<T>(&mut self, other: &mut (impl Future<Output = T> + Unpin)) -> Next<T> {
        std::future::poll_fn(|cx| {
            if let Poll::Ready(value) = std::pin::Pin::new(&mut *other).poll(cx) {
                return Poll::Ready(Next::Done(value));
            }
            std::pin::Pin::new(&mut self.stream)
                .poll_next(cx)
                .map(Next::Message)
        })
        .await
    }

    /// Checks every message until `work` ends, then every message sent before it ended;
    /// returns the monitor, with what `work` gave.
    ///
    /// Messages sent before the end are those the bus forwards before its answer to a call
    /// that the monitor makes then (`GetId`, on a connection of its own); that call times out
    /// after [`MARKER_TIMEOUT`].
    pub async fn stop_after<T>(
        mut self,
        work: impl Future<Output = T>,
    ) -> Result<(Monitor, T), MonitorError> {
        let mut work = pin!(work);
        let result = loop {
            match self.next_or(&mut work).await {
                Next::Done(value) => break value,
                Next::Message(message) => self.take(message)?,
            }
        };
        let marker = self.marker.clone();
        let own_name = marker.unique_name().map(|n| n.to_string());
        let mut answer: std::pin::Pin<Box<dyn Future<Output = zbus::Result<Message>> + Send>> =
            Box::pin(marker.call_method(
                Some(BUS),
                "/org/freedesktop/DBus",
                Some(BUS),
                "GetId",
                &(),
            ));
        loop {
            // Once answered, the bus has queued its copy of the answer to the monitor too.
            match self.next_or(&mut answer).await {
                Next::Done(Ok(_)) => answer = Box::pin(std::future::pending()),
                Next::Done(Err(error)) => return Err(MonitorError::Marker(error)),
                Next::Message(Some(Ok(message))) => {
                    let header = message.header();
                    let to_marker = header.destination().map(|d| d.to_string()) == own_name;
                    if to_marker && header.message_type() == Type::MethodReturn {
                        return Ok((self.monitor, result));
                    }
                    drop(header);
                    self.take(Some(Ok(message)))?;
                }
                Next::Message(other) => self.take(other)?,
            }
        }
    }

    /// Calls `live` with each violation as it is found (as well as keeping it for the report).
    pub fn on_violation(mut self, live: impl FnMut(&Violation) + Send + 'static) -> Self {
        self.live = Some(Box::new(live));
        self
    }

    /// Checks a message off the stream.
    fn take(&mut self, message: Option<zbus::Result<Message>>) -> Result<(), MonitorError> {
        match message {
            Some(Ok(message)) => {
                let found = self.monitor.observe(&message);
                if let Some(live) = &mut self.live {
                    found.iter().for_each(live);
                }
                Ok(())
            }
            Some(Err(_)) => Ok(()),
            None => Err(MonitorError::Closed),
        }
    }
}
