//! The client's view of a tree published with `org.freedesktop.DBus.ObjectManager`: its
//! objects as typed proxies, and the changes to it as a stream.

use std::collections::HashMap;
use std::future::Future;

use zbus::names::{OwnedBusName, OwnedInterfaceName};
use zbus::{Connection, OwnedObjectPath};

/// The properties of one interface of an object, by name, as a manager announced them.
pub type Properties = HashMap<String, zbus::OwnedVariant>;

/// The interfaces a client knows, as one type: a generated module's enum `Interface` (its
/// files' proxies, and `Other` for the rest) implements it.
pub trait Proxies: Sized + Send + 'static {
    /// The interface `name` of the object `path` of `destination`, with the properties
    /// its manager announced.
    fn new(
        connection: &Connection,
        destination: &OwnedBusName,
        path: &OwnedObjectPath,
        name: OwnedInterfaceName,
        properties: Properties,
    ) -> impl Future<Output = zbus::Result<Self>> + Send;
}

/// One object of a watched tree: its path, and its interfaces as the generated proxies with
/// the properties the manager announced for them.
#[derive(Debug, Clone)]
pub struct ObjectProxies<I> {
    /// The object's path.
    pub path: zbus::OwnedObjectPath,
    /// Its interfaces (the ones it gained, in a [`Change::Added`]).
    pub interfaces: Vec<I>,
}

/// A change to a watched tree, in the order the manager announced it.
#[derive(Debug, Clone)]
pub enum Change<I> {
    /// An object appeared, or gained interfaces (`InterfacesAdded`).
    Added(ObjectProxies<I>),
    /// An object lost interfaces, or went with all of them (`InterfacesRemoved`).
    Removed {
        /// The object's path.
        path: zbus::OwnedObjectPath,
        /// The interfaces it lost.
        interfaces: Vec<zbus::names::OwnedInterfaceName>,
    },
}

/// Watches the tree that the object manager at `manager_path` of `destination` publishes:
/// subscribes to its `InterfacesAdded` and `InterfacesRemoved` first, then calls
/// `GetManagedObjects` once. Returns the objects there now, by path, and the changes since,
/// in order. A signal whose body is not what the ObjectManager interface declares is passed
/// over.
pub async fn watch<I: Proxies>(
    connection: &zbus::Connection,
    destination: &str,
    manager_path: &str,
) -> zbus::Result<(Vec<ObjectProxies<I>>, Changes<I>)> {
    let manager = zbus::fdo::ObjectManagerProxy::builder(connection)
        .destination(destination.to_owned())
        .path(manager_path.to_owned())
        .build()
        .await?;
    let signals = manager.inner().receive_all_signals().await?;
    let destination = zbus::names::OwnedBusName::try_from(destination.to_owned())?;
    let mut objects = Vec::new();
    for (path, interfaces) in manager.get_managed_objects().await? {
        objects.push(proxies(connection, &destination, path, interfaces).await?);
    }
    objects.sort_by(|a, b| a.path.cmp(&b.path));
    let watcher = Watcher {
        connection: connection.clone(),
        destination,
        signals,
        proxies: std::marker::PhantomData,
    };
    Ok((
        objects,
        Changes {
            watcher: Some(watcher),
            next: None,
        },
    ))
}

/// The proxies of the object `path`, from what the manager said of its interfaces.
async fn proxies<I: Proxies>(
    connection: &zbus::Connection,
    destination: &zbus::names::OwnedBusName,
    path: zbus::OwnedObjectPath,
    interfaces: HashMap<OwnedInterfaceName, Properties>,
) -> zbus::Result<ObjectProxies<I>> {
    let mut interfaces: Vec<_> = interfaces.into_iter().collect();
    interfaces.sort_by(|a, b| a.0.cmp(&b.0));
    let mut made = Vec::with_capacity(interfaces.len());
    for (name, properties) in interfaces {
        made.push(I::new(connection, destination, &path, name, properties).await?);
    }
    Ok(ObjectProxies {
        path,
        interfaces: made,
    })
}

/// What a [`Changes`] stream reads its signals with.
struct Watcher<I> {
    connection: zbus::Connection,
    destination: zbus::names::OwnedBusName,
    signals: zbus::proxy::SignalStream<'static>,
    proxies: std::marker::PhantomData<fn() -> I>,
}

impl<I: Proxies> Watcher<I> {
    /// The next change, and the watcher back; `None` where the connection closed.
    async fn next(mut self) -> (Option<Change<I>>, Self) {
        use zbus::export::futures_core::Stream;
        loop {
            let next =
                std::future::poll_fn(|cx| std::pin::Pin::new(&mut self.signals).poll_next(cx));
            let Some(message) = next.await else {
                return (None, self);
            };
            if let Some(change) = self.change(&message).await {
                return (Some(change), self);
            }
        }
    }

    /// The change that `message` announces, where it is one of the manager's signals.
    async fn change(&self, message: &zbus::Message) -> Option<Change<I>> {
        let header = message.header();
        let body = message.body();
        match header.member()?.as_str() {
            "InterfacesAdded" => {
                let (path, interfaces): (
                    zbus::OwnedObjectPath,
                    HashMap<OwnedInterfaceName, Properties>,
                ) = body.deserialize().ok()?;
                let object = proxies(&self.connection, &self.destination, path, interfaces)
                    .await
                    .ok()?;
                Some(Change::Added(object))
            }
            "InterfacesRemoved" => {
                let (path, interfaces) = body.deserialize().ok()?;
                Some(Change::Removed { path, interfaces })
            }
            _ => None,
        }
    }
}

/// The next change being read, with the watcher that reads it.
type NextChange<I> = crate::served::Boxed<'static, (Option<Change<I>>, Watcher<I>)>;

/// The changes to a watched tree ([`watch`]): a stream that ends when the connection does.
pub struct Changes<I> {
    watcher: Option<Watcher<I>>,
    next: Option<NextChange<I>>,
}

impl<I> std::fmt::Debug for Changes<I> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Changes").finish_non_exhaustive()
    }
}

impl<I: Proxies> zbus::export::futures_core::Stream for Changes<I> {
    type Item = Change<I>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Change<I>>> {
        if self.next.is_none() {
            let Some(watcher) = self.watcher.take() else {
                return std::task::Poll::Ready(None);
            };
            self.next = Some(Box::pin(watcher.next()));
        }
        let next = self.next.as_mut().expect("a pending change was just set");
        match std::future::Future::poll(next.as_mut(), cx) {
            std::task::Poll::Pending => std::task::Poll::Pending,
            std::task::Poll::Ready((change, watcher)) => {
                self.next = None;
                if change.is_some() {
                    self.watcher = Some(watcher);
                }
                std::task::Poll::Ready(change)
            }
        }
    }
}
