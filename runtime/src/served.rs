//! What the runtime knows of one interface served at a path: its name, the properties its
//! file declares (in order, with their access), and how to reach its zbus implementation
//! for `Get`, `GetAll` and `Set` without knowing its type.

use std::future::Future;
use std::pin::Pin;

use zbus::object_server::{DispatchResult, Interface, InterfaceRef, SignalEmitter};
use zbus::{BoxDBusError, OwnedVariant, fdo};

use crate::ordered::PropertyMap;

/// How clients may use a property, as its file's `access` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// `read`: `Get` and `GetAll` show it; `Set` answers `PropertyReadOnly`.
    Read,
    /// `write`: only `Set`.
    Write,
    /// `readwrite`.
    ReadWrite,
}

/// One property as its file declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Property {
    /// Its name on the bus.
    pub name: &'static str,
    /// How clients may use it.
    pub access: Access,
}

/// A zbus interface with what its file declares of its properties. Generated servers
/// implement it; a hand-written `#[zbus::interface]` type served beside them implements it
/// with an empty body (`impl Declared for Mine {}`), and its properties are then listed by
/// name.
pub trait Declared: Interface {
    /// The properties in the order the file declares them.
    const PROPERTIES: &'static [Property] = &[];
}

/// A future that the runtime keeps, boxed.
pub(crate) type Boxed<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Where a property call happens: the object, and the call that asked (absent where the
/// runtime reads properties for a signal of its own).
pub(crate) struct Place<'a> {
    pub(crate) connection: &'a zbus::Connection,
    pub(crate) path: &'a zbus::ObjectPath<'a>,
    pub(crate) header: Option<&'a zbus::message::Header<'a>>,
}

type ReadAll = for<'a> fn(&'a Place<'a>) -> Boxed<'a, fdo::Result<PropertyMap>>;
type Read =
    for<'a> fn(&'a Place<'a>, &'a str) -> Boxed<'a, Option<Result<OwnedVariant, BoxDBusError>>>;
type Write = for<'a> fn(
    &'a Place<'a>,
    &'a str,
    &'a zbus::Variant<'a>,
) -> Boxed<'a, Option<Result<(), BoxDBusError>>>;

/// How to reach an interface type's implementation: one `'static` table per type.
struct Ops {
    name: fn() -> zbus::names::InterfaceName<'static>,
    properties: &'static [Property],
    read_all: ReadAll,
    read: Read,
    write: Write,
}

/// The table of `I`, a constant that `&` makes `'static`.
trait OpsOf {
    const OPS: Ops;
}

impl<I: Declared> OpsOf for I {
    const OPS: Ops = Ops {
        name: I::name,
        properties: I::PROPERTIES,
        read_all: read_all::<I>,
        read: read::<I>,
        write: write::<I>,
    };
}

/// One interface served at a path, reached without its type: a pointer to its type's table,
/// so that an object of a tree costs a word an interface.
#[derive(Clone, Copy)]
pub(crate) struct Served {
    ops: &'static Ops,
}

impl std::fmt::Debug for Served {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Served")
            .field("name", &self.name().as_str())
            .finish()
    }
}

impl Served {
    /// The interface `I`.
    pub(crate) fn of<I: Declared>() -> Self {
        Self {
            ops: &<I as OpsOf>::OPS,
        }
    }

    /// Its name on the bus.
    pub(crate) fn name(&self) -> zbus::names::InterfaceName<'static> {
        (self.ops.name)()
    }

    /// Whether it is the interface called `name`.
    pub(crate) fn is(&self, name: &str) -> bool {
        self.name().as_str() == name
    }

    /// Its properties (what its `GetAll` answers), in the order its file declares them.
    pub(crate) fn read_all<'a>(&self, place: &'a Place<'a>) -> Boxed<'a, fdo::Result<PropertyMap>> {
        (self.ops.read_all)(place)
    }

    /// The property `name`; `None` where it has none of that name.
    pub(crate) fn read<'a>(
        &self,
        place: &'a Place<'a>,
        name: &'a str,
    ) -> Boxed<'a, Option<Result<OwnedVariant, BoxDBusError>>> {
        (self.ops.read)(place, name)
    }

    /// Sets the property `name`; `None` where it has no writable property of that name.
    pub(crate) fn write<'a>(
        &self,
        place: &'a Place<'a>,
        name: &'a str,
        value: &'a zbus::Variant<'a>,
    ) -> Boxed<'a, Option<Result<(), BoxDBusError>>> {
        (self.ops.write)(place, name, value)
    }

    /// The declared property `name`.
    pub(crate) fn declared(&self, name: &str) -> Option<&'static Property> {
        self.ops
            .properties
            .iter()
            .find(|property| property.name == name)
    }
}

/// The interface `I` where `place` is, and its signal emitter.
async fn found<I: Declared>(
    place: &Place<'_>,
) -> zbus::Result<(InterfaceRef<I>, SignalEmitter<'static>)> {
    let server = place.connection.object_server();
    let interface = server.interface::<_, I>(place.path).await?;
    let emitter = interface.signal_emitter().clone();
    Ok((interface, emitter))
}

fn read_all<'a, I: Declared>(place: &'a Place<'a>) -> Boxed<'a, fdo::Result<PropertyMap>> {
    Box::pin(async move {
        let (interface, emitter) = found::<I>(place).await?;
        let server = place.connection.object_server();
        let all = interface
            .get()
            .await
            .get_all(server, place.connection, place.header, &emitter)
            .await?;
        Ok(in_declared_order(I::PROPERTIES, all))
    })
}

fn read<'a, I: Declared>(
    place: &'a Place<'a>,
    name: &'a str,
) -> Boxed<'a, Option<Result<OwnedVariant, BoxDBusError>>> {
    Box::pin(async move {
        let (interface, emitter) = match found::<I>(place).await {
            Ok(found) => found,
            Err(error) => return Some(Err(fdo::Error::from(error).into())),
        };
        let server = place.connection.object_server();
        let guard = interface.get().await;
        guard
            .get(name, server, place.connection, place.header, &emitter)
            .await
    })
}

fn write<'a, I: Declared>(
    place: &'a Place<'a>,
    name: &'a str,
    value: &'a zbus::Variant<'a>,
) -> Boxed<'a, Option<Result<(), BoxDBusError>>> {
    Box::pin(async move {
        let (interface, emitter) = match found::<I>(place).await {
            Ok(found) => found,
            Err(error) => return Some(Err(fdo::Error::from(error).into())),
        };
        let server = place.connection.object_server();
        // As zbus's own Properties: the shared `set` first, `set_mut` where it asks for it.
        {
            let guard = interface.get().await;
            match guard.set(
                name,
                value,
                server,
                place.connection,
                place.header,
                &emitter,
            ) {
                DispatchResult::NotFound => return None,
                DispatchResult::Async(future) => return Some(future.await),
                DispatchResult::RequiresMut => {}
            }
        }
        interface
            .get_mut()
            .await
            .set_mut(
                name,
                value,
                server,
                place.connection,
                place.header,
                &emitter,
            )
            .await
    })
}

/// `all` in the order of `declared`, then what it has beyond them, by name.
fn in_declared_order(
    declared: &[Property],
    mut all: std::collections::HashMap<String, OwnedVariant>,
) -> PropertyMap {
    let mut ordered = PropertyMap::with_capacity(all.len());
    for property in declared {
        if let Some((name, value)) = all.remove_entry(property.name) {
            ordered.push(name, value);
        }
    }
    let mut rest: Vec<(String, OwnedVariant)> = all.into_iter().collect();
    rest.sort_by(|a, b| a.0.cmp(&b.0));
    ordered.0.extend(rest);
    ordered
}

/// The implementation that a generated server holds: its own (`NameServer::new`), or one
/// shared with other code (`NameServer::from_arc`), so that a server of its own costs no
/// allocation beside zbus's. Either way it reads as `&T`.
#[derive(Debug)]
pub enum Implementation<T> {
    /// Held by the server alone.
    Owned(T),
    /// Shared with other code: other interfaces of the object, tasks.
    Shared(std::sync::Arc<T>),
}

impl<T> std::ops::Deref for Implementation<T> {
    type Target = T;

    fn deref(&self) -> &T {
        match self {
            Self::Owned(inner) => inner,
            Self::Shared(inner) => inner,
        }
    }
}
