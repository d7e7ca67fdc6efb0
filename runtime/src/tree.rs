//! A tree of objects below one path, published with `org.freedesktop.DBus.ObjectManager`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use smallvec::SmallVec;

use zbus::names::InterfaceName;
use zbus::object_server::SignalEmitter;
use zbus::{Connection, ObjectPath, OwnedObjectPath};

use crate::ordered::{InterfaceMap, Ordered};
use crate::properties;
use crate::served::{Boxed, Declared, Served};

/// Serves one interface at a path; `false` where the path has it already.
type ServeAt =
    Box<dyn FnOnce(Connection, OwnedObjectPath) -> Boxed<'static, zbus::Result<bool>> + Send>;

/// One interface waiting to be served at a path of its object.
struct Pending {
    served: Served,
    serve: ServeAt,
}

/// The interfaces of one object, to add to a [`Tree`] together: the object appears with all
/// of them in one `InterfacesAdded`.
///
/// ```no_run
/// # use dbus_xml_runtime::{Declared, Object, Tree};
/// # struct Device;
/// # #[zbus::interface(name = "org.example.Device")] impl Device {}
/// # impl Declared for Device {}
/// # struct Power;
/// # #[zbus::interface(name = "org.example.Power")] impl Power {}
/// # impl Declared for Power {}
/// # async fn add(connection: &zbus::Connection) -> zbus::Result<()> {
/// let tree = Tree::serve(connection, "/org/example").await?;
/// // Generated servers, `DeviceServer::new(device)`, or any `Declared` zbus interface.
/// let object = Object::new().with(Device).with(Power);
/// tree.add(tree.object_path(["devices", "sda-1"]), object).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Default)]
pub struct Object {
    interfaces: Vec<Pending>,
}

impl std::fmt::Debug for Object {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<_> = self.interfaces.iter().map(|p| p.served.name()).collect();
        f.debug_struct("Object")
            .field("interfaces", &names)
            .finish()
    }
}

impl Object {
    /// An object with no interfaces yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The object with `interface` too (a generated `NameServer`, or any zbus interface
    /// that implements [`Declared`]).
    pub fn with<I: Declared>(mut self, interface: I) -> Self {
        let serve: ServeAt = Box::new(move |connection, path| {
            Box::pin(async move {
                Ok(connection
                    .object_server()
                    .at(path, interface)
                    .await?
                    .is_none())
            })
        });
        self.interfaces.push(Pending {
            served: Served::of::<I>(),
            serve,
        });
        self
    }
}

/// The interfaces of one object, in the order they were added: inline up to two (most
/// objects have one or two), so that an object costs the tree no allocation of its own.
type Interfaces = SmallVec<[Served; 2]>;

/// The objects of a tree, by path (kept as plain text: the tree's own copy of each path
/// costs its bytes and no more).
type Objects = Arc<Mutex<HashMap<Box<str>, Interfaces>>>;

/// A path the tree keeps, as an object path again.
fn kept_path(path: &str) -> OwnedObjectPath {
    ObjectPath::from_string_unchecked(path.to_owned()).into()
}

/// A tree of objects below one path, published with `org.freedesktop.DBus.ObjectManager`
/// at that path, as GDBus's `GDBusObjectManagerClient`, Qt, `busctl` and [`watch`](crate::watch)
/// expect.
///
/// The tree answers `GetManagedObjects` with the objects it was given, by path, and not the
/// path nodes between them (`…/devices` has no interfaces, so it is no object); it announces
/// an object added with all its interfaces and their properties in one `InterfacesAdded`;
/// properties go in the order their files declare them everywhere, and each object has the
/// runtime's `Properties` ([`serve_at`](crate::serve_at)). Add and remove the objects of a
/// tree through it, not through `ObjectServer::at`: an interface served behind its back is
/// not managed.
///
/// The manager's own path is no object of the tree (as the ObjectManager specification
/// has it): serve an interface there, a service's `Manager`, with
/// [`serve_at`](crate::serve_at)`(connection, tree.path(), …)`.
///
/// zbus's own `fdo::ObjectManager` lists the path nodes as objects and announces each
/// interface in a signal of its own, in hash order. Where zbus's `object-manager` feature is
/// on in a build (its default features turn it on), zbus announces the tree's changes that
/// way too, the tree leaves that to it ([`Tree::zbus_announces`]) and its objects keep zbus's
/// `Properties` (replacing it would be announced): build zbus with
/// `default-features = false` for one signal per object, in declared order.
#[derive(Clone)]
pub struct Tree {
    connection: Connection,
    path: OwnedObjectPath,
    objects: Objects,
    zbus_announces: bool,
}

impl std::fmt::Debug for Tree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tree")
            .field("path", &self.path.as_str())
            .field("objects", &self.lock().len())
            .finish()
    }
}

/// A path argument, as zbus's `ObjectServer::at` takes it (`&str`, `ObjectPath`, …).
fn object_path<'p, P>(path: P) -> zbus::Result<OwnedObjectPath>
where
    P: TryInto<ObjectPath<'p>>,
    P::Error: Into<zbus::Error>,
{
    Ok(path.try_into().map_err(Into::into)?.into())
}

impl Tree {
    /// Serves `org.freedesktop.DBus.ObjectManager` at `path` on `connection`, managing no
    /// objects yet. The connection may have its name already (made by
    /// `zbus::connection::Builder` with `name`) or ask for it later: nothing of the tree's
    /// making appears on the bus.
    pub async fn serve<'p, P>(connection: &Connection, path: P) -> zbus::Result<Self>
    where
        P: TryInto<ObjectPath<'p>>,
        P::Error: Into<zbus::Error>,
    {
        let path = object_path(path)?;
        let zbus_announces = crate::probe::zbus_announces(connection, &path).await?;
        let objects = Objects::default();
        let manager = Manager {
            objects: objects.clone(),
        };
        if connection
            .object_server()
            .at(&path, manager)
            .await?
            .is_some()
        {
            return Err(zbus::Error::InterfaceExists(
                <Manager as zbus::object_server::Interface>::name(),
                path.into_inner(),
            ));
        }
        Ok(Self {
            connection: connection.clone(),
            path,
            objects,
            zbus_announces,
        })
    }

    /// Whether zbus announces the tree's changes itself, one interface a signal: where its
    /// `object-manager` feature is on (as in its default features) in the build, zbus takes
    /// any interface called org.freedesktop.DBus.ObjectManager for its own, and the tree
    /// leaves announcing to it rather than send every change twice.
    pub fn zbus_announces(&self) -> bool {
        self.zbus_announces
    }

    /// The manager's path.
    pub fn path(&self) -> &ObjectPath<'static> {
        &self.path
    }

    /// The path of an object below the manager: the manager's path and then each of
    /// `elements`, escaped with [`escape_path_element`](crate::escape_path_element) (so
    /// any text, an id or a serial number with `-` or `.` in it, makes a valid element, and
    /// `""` makes `_`). A service with an escaping of its own builds the path itself.
    pub fn object_path<S: AsRef<str>>(
        &self,
        elements: impl IntoIterator<Item = S>,
    ) -> OwnedObjectPath {
        let mut path = self.path.as_str().trim_end_matches('/').to_owned();
        for element in elements {
            path.push('/');
            path.push_str(&crate::escape_path_element(element.as_ref()));
        }
        OwnedObjectPath::try_from(path)
            .expect("escaped elements below an object path make an object path")
    }

    /// The paths of the tree's objects, in order.
    pub fn objects(&self) -> Vec<OwnedObjectPath> {
        let mut paths: Vec<OwnedObjectPath> = self.lock().keys().map(|p| kept_path(p)).collect();
        paths.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        paths
    }

    /// The paths of the tree's objects that have the interface `I`, in order.
    pub fn objects_with<I: zbus::object_server::Interface>(&self) -> Vec<OwnedObjectPath> {
        let name = I::name();
        let mut paths = self
            .lock()
            .iter()
            .filter(|(_, interfaces)| interfaces.iter().any(|served| served.name() == name))
            .map(|(path, _)| kept_path(path))
            .collect::<Vec<_>>();
        paths.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        paths
    }

    /// Adds the object `path` with `object`'s interfaces, and announces it with one
    /// `InterfacesAdded` that carries them all with their properties. Fails, and serves
    /// nothing, where `path` is not below the manager's, the tree has an object there
    /// already, or `object` has no interfaces or one interface twice.
    pub async fn add<'p, P>(&self, path: P, object: Object) -> zbus::Result<()>
    where
        P: TryInto<ObjectPath<'p>>,
        P::Error: Into<zbus::Error>,
    {
        let path = self.below(object_path(path)?)?;
        if self.lock().contains_key(path.as_str()) {
            return Err(zbus::Error::Failure(format!(
                "the tree has an object at {path} already: add_interface adds to it"
            )));
        }
        if object.interfaces.is_empty() {
            return Err(zbus::Error::Failure(format!(
                "an object without interfaces is no object: nothing added at {path}"
            )));
        }
        let mut served = Interfaces::with_capacity(object.interfaces.len());
        for pending in object.interfaces {
            let serve = (pending.serve)(self.connection.clone(), path.clone()).await;
            if !matches!(serve, Ok(true)) {
                // Undo, so that a failed add leaves nothing behind.
                for done in &served {
                    let _ = self
                        .connection
                        .object_server()
                        .remove_named(&path, done.name())
                        .await;
                }
                return Err(serve.err().unwrap_or_else(|| {
                    zbus::Error::InterfaceExists(pending.served.name(), path.clone().into_inner())
                }));
            }
            self.register(&path, &pending.served).await?;
            served.push(pending.served);
        }
        self.announce(&path, &served).await?;
        self.lock().insert(path.as_str().into(), served);
        Ok(())
    }

    /// Adds `interface` to the object `path` (creating the object where the tree has none),
    /// and announces it with `InterfacesAdded`.
    pub async fn add_interface<'p, P, I>(&self, path: P, interface: I) -> zbus::Result<()>
    where
        P: TryInto<ObjectPath<'p>>,
        P::Error: Into<zbus::Error>,
        I: Declared,
    {
        let path = self.below(object_path(path)?)?;
        if !self.lock().contains_key(path.as_str()) {
            return self.add(&path, Object::new().with(interface)).await;
        }
        if self
            .connection
            .object_server()
            .at(&path, interface)
            .await?
            .is_some()
        {
            return Err(zbus::Error::InterfaceExists(I::name(), path.into_inner()));
        }
        let served = Served::of::<I>();
        self.register(&path, &served).await?;
        self.announce(&path, std::slice::from_ref(&served)).await?;
        let mut objects = self.lock();
        objects
            .entry(path.as_str().into())
            .or_default()
            .push(served);
        Ok(())
    }

    /// Removes `I` from the object `path` (and the object, where it was its last
    /// interface), and announces it with `InterfacesRemoved`.
    pub async fn remove_interface<'p, I: zbus::object_server::Interface>(
        &self,
        path: impl TryInto<ObjectPath<'p>, Error: Into<zbus::Error>>,
    ) -> zbus::Result<()> {
        let path = self.below(object_path(path)?)?;
        let name = I::name();
        {
            let mut objects = self.lock();
            let interfaces = objects
                .get_mut(path.as_str())
                .ok_or(zbus::Error::InterfaceNotFound)?;
            let kept: Interfaces = interfaces
                .iter()
                .filter(|served| served.name() != name)
                .copied()
                .collect();
            if kept.len() == interfaces.len() {
                return Err(zbus::Error::InterfaceNotFound);
            }
            if kept.is_empty() {
                objects.remove(path.as_str());
            } else {
                *interfaces = kept;
            }
        }
        self.connection
            .object_server()
            .remove_named(&path, name.clone())
            .await?;
        properties::unregister(&self.connection, &path, &name).await;
        self.announce_removed(&path, vec![name]).await
    }

    /// Removes the object `path` with all its interfaces, and announces it with one
    /// `InterfacesRemoved`. Fails where the tree has no object there.
    pub async fn remove<'p, P>(&self, path: P) -> zbus::Result<()>
    where
        P: TryInto<ObjectPath<'p>>,
        P::Error: Into<zbus::Error>,
    {
        let path = self.below(object_path(path)?)?;
        let interfaces = self
            .lock()
            .remove(path.as_str())
            .ok_or_else(|| zbus::Error::Failure(format!("the tree has no object at {path}")))?;
        let names: Vec<InterfaceName<'static>> =
            interfaces.iter().map(|served| served.name()).collect();
        // The runtime's Properties, named as zbus's, goes with the object's last interface.
        for name in &names {
            self.connection
                .object_server()
                .remove_named(&path, name.clone())
                .await?;
        }
        self.announce_removed(&path, names).await
    }

    /// `path`, where it lies below the manager's.
    fn below(&self, path: OwnedObjectPath) -> zbus::Result<OwnedObjectPath> {
        let root = self.path.as_str().trim_end_matches('/');
        match path.as_str().strip_prefix(root) {
            Some(rest) if rest.len() > 1 && rest.starts_with('/') => Ok(path),
            _ => Err(zbus::Error::Failure(format!(
                "{path} is not below the object manager at {}: Tree::object_path makes paths that are",
                self.path
            ))),
        }
    }

    /// Puts `served` in the runtime's `Properties` at `path`, unless zbus announces the
    /// tree (it would announce the change of `Properties` too).
    async fn register(&self, path: &ObjectPath<'_>, served: &Served) -> zbus::Result<()> {
        if self.zbus_announces {
            return Ok(());
        }
        properties::register(&self.connection, path, *served).await
    }

    /// Sends `InterfacesAdded` for `interfaces` of the object `path`, unless zbus did.
    async fn announce(&self, path: &OwnedObjectPath, interfaces: &[Served]) -> zbus::Result<()> {
        if self.zbus_announces {
            return Ok(());
        }
        let added = interfaces_of(&self.connection, path, interfaces).await?;
        Manager::interfaces_added(&self.emitter()?, path, added).await
    }

    /// Sends `InterfacesRemoved` for `interfaces` of the object `path`, unless zbus did.
    async fn announce_removed(
        &self,
        path: &OwnedObjectPath,
        interfaces: Vec<InterfaceName<'static>>,
    ) -> zbus::Result<()> {
        if self.zbus_announces {
            return Ok(());
        }
        Manager::interfaces_removed(&self.emitter()?, path, interfaces).await
    }

    fn emitter(&self) -> zbus::Result<SignalEmitter<'static>> {
        SignalEmitter::new(&self.connection, self.path.clone())
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<Box<str>, Interfaces>> {
        lock(&self.objects)
    }
}

fn lock(objects: &Objects) -> MutexGuard<'_, HashMap<Box<str>, Interfaces>> {
    objects
        .lock()
        .expect("the tree's lock is never held across a panic")
}

/// The interfaces of the object `path` with their properties, in order.
async fn interfaces_of(
    connection: &Connection,
    path: &OwnedObjectPath,
    interfaces: &[Served],
) -> zbus::fdo::Result<InterfaceMap> {
    let mut added = InterfaceMap::with_capacity(interfaces.len());
    for served in interfaces {
        let properties = properties::read_all_of(connection, path, served).await?;
        added.push(served.name().into(), properties);
    }
    Ok(added)
}

/// `org.freedesktop.DBus.ObjectManager` for a [`Tree`].
struct Manager {
    objects: Objects,
}

#[zbus::interface(name = "org.freedesktop.DBus.ObjectManager", spawn = false)]
impl Manager {
    /// Every object of the tree with its interfaces and their properties.
    #[zbus(out_args("object_paths_interfaces_and_properties"))]
    async fn get_managed_objects(
        &self,
        #[zbus(connection)] connection: &Connection,
    ) -> zbus::fdo::Result<Ordered<OwnedObjectPath, InterfaceMap>> {
        let objects: Vec<(OwnedObjectPath, Interfaces)> = lock(&self.objects)
            .iter()
            .map(|(path, interfaces)| (kept_path(path), interfaces.clone()))
            .collect();
        let mut managed = Ordered::with_capacity(objects.len());
        for (path, interfaces) in objects {
            let interfaces = interfaces_of(connection, &path, &interfaces).await?;
            managed.push(path, interfaces);
        }
        Ok(managed)
    }

    /// An object was added, or gained interfaces. (`#[zbus(signal)]` writes the body.)
    #[zbus(signal)]
    async fn interfaces_added(
        emitter: &SignalEmitter<'_>,
        object_path: &OwnedObjectPath,
        interfaces_and_properties: InterfaceMap,
    ) -> zbus::Result<()>;

    /// An object was removed, or lost interfaces. (`#[zbus(signal)]` writes the body.)
    #[zbus(signal)]
    async fn interfaces_removed(
        emitter: &SignalEmitter<'_>,
        object_path: &OwnedObjectPath,
        interfaces: Vec<InterfaceName<'static>>,
    ) -> zbus::Result<()>;
}
