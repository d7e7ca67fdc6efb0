/// What `GetManagedObjects` answers: every object of the tree, by path, with its
/// interfaces and their properties.
pub type ManagedObjects = std::collections::HashMap<
    zbus::OwnedObjectPath,
    std::collections::HashMap<zbus::names::OwnedInterfaceName, Properties>,
>;

/// A future that a tree keeps for later, boxed.
type Boxed<T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send>>;

/// Reads the properties of one interface served at a path (its `GetAll`).
type ReadProperties = std::sync::Arc<
    dyn Fn(zbus::Connection, zbus::OwnedObjectPath) -> Boxed<zbus::fdo::Result<Properties>>
        + Send
        + Sync,
>;

/// Serves one interface at a path; `false` where the path has it already.
type ServeAt =
    Box<dyn FnOnce(zbus::Connection, zbus::OwnedObjectPath) -> Boxed<zbus::Result<bool>> + Send>;

/// One interface of a managed object: its name and how to read its properties.
#[derive(Clone)]
struct Managed {
    name: zbus::names::InterfaceName<'static>,
    properties: ReadProperties,
}

impl Managed {
    fn of<I: zbus::object_server::Interface>() -> Self {
        let properties: ReadProperties = std::sync::Arc::new(|connection, path| {
            Box::pin(async move {
                let server = connection.object_server();
                let interface = server.interface::<_, I>(&path).await?;
                let emitter = interface.signal_emitter().clone();
                let interface = interface.get().await;
                zbus::object_server::Interface::get_all(
                    &*interface,
                    server,
                    &connection,
                    None,
                    &emitter,
                )
                .await
            })
        });
        Self {
            name: I::name(),
            properties,
        }
    }
}

/// One interface waiting to be served at a path of its object.
struct Pending {
    managed: Managed,
    serve: ServeAt,
}

/// The interfaces of one object, to add to a [`Tree`] together: the object appears with all
/// of them in one `InterfacesAdded`.
///
/// ```ignore
/// let object = Object::new()
///     .with(DeviceServer::new(device))
///     .with(PowerServer::new(power));
/// tree.add(&tree.object_path(["devices", &id]), object).await?;
/// ```
#[derive(Default)]
pub struct Object {
    interfaces: Vec<Pending>,
}

impl Object {
    /// An object with no interfaces yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The object with `interface` too (a generated `NameServer`, or any zbus interface).
    pub fn with<I: zbus::object_server::Interface>(mut self, interface: I) -> Self {
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
            managed: Managed::of::<I>(),
            serve,
        });
        self
    }
}

/// The objects of a tree, by path, each with its interfaces in the order they were added.
type Objects = std::sync::Arc<
    std::sync::Mutex<std::collections::HashMap<zbus::OwnedObjectPath, Vec<Managed>>>,
>;

/// A tree of objects below one path, published with `org.freedesktop.DBus.ObjectManager`
/// at that path, as GDBus's `GDBusObjectManagerClient`, Qt, `busctl` and the generated
/// [`Change`] stream expect.
///
/// The objects' interfaces are served by zbus's object server (so `Introspect`,
/// `org.freedesktop.DBus.Properties` and calls are zbus's own). The tree answers
/// `GetManagedObjects` with the objects it was given, and not the path nodes between them
/// (`…/devices` has no interfaces, so it is no object), and announces an object added
/// with all its interfaces and their properties in one `InterfacesAdded`. Add and remove
/// the objects of a tree through it, not through `ObjectServer::at`: an interface served
/// behind its back is not managed.
///
/// zbus's own `fdo::ObjectManager` (its `object-manager` feature) lists the path nodes and
/// announces each interface on its own: serve one or the other at a path, not both.
#[derive(Clone)]
pub struct Tree {
    connection: zbus::Connection,
    path: zbus::OwnedObjectPath,
    objects: Objects,
}

impl std::fmt::Debug for Tree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let objects = self.objects.lock().expect("the tree's lock").len();
        f.debug_struct("Tree")
            .field("path", &self.path.as_str())
            .field("objects", &objects)
            .finish()
    }
}

impl Tree {
    /// Serves `org.freedesktop.DBus.ObjectManager` at `path` on `connection`, managing no
    /// objects yet.
    pub async fn serve(connection: &zbus::Connection, path: &str) -> zbus::Result<Self> {
        let path = zbus::OwnedObjectPath::try_from(path)?;
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
        })
    }

    /// The manager's path.
    pub fn path(&self) -> &zbus::ObjectPath<'static> {
        &self.path
    }

    /// The path of an object below the manager: the manager's path and then each of
    /// `elements`, escaped with [`escape_path_element`] (so any text, an id or a serial
    /// number with `-` or `.` in it, makes a valid element, and `""` makes `_`).
    pub fn object_path<S: AsRef<str>>(
        &self,
        elements: impl IntoIterator<Item = S>,
    ) -> zbus::OwnedObjectPath {
        let mut path = self.path.as_str().trim_end_matches('/').to_owned();
        for element in elements {
            path.push('/');
            path.push_str(&escape_path_element(element.as_ref()));
        }
        zbus::OwnedObjectPath::try_from(path)
            .expect("escaped elements below an object path make an object path")
    }

    /// The paths of the objects managed now, in order.
    pub fn objects(&self) -> Vec<zbus::OwnedObjectPath> {
        let mut paths: Vec<_> = self.lock().keys().cloned().collect();
        paths.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        paths
    }

    /// Adds the object `path` with `object`'s interfaces, and announces it with one
    /// `InterfacesAdded` that carries them all with their properties. Fails, and serves
    /// nothing, where `path` is not below the manager's, the tree has an object there
    /// already, or `object` has no interfaces or one interface twice.
    pub async fn add(&self, path: &zbus::ObjectPath<'_>, object: Object) -> zbus::Result<()> {
        let path = self.below(path)?;
        if self.lock().contains_key(&path) {
            return Err(zbus::Error::Failure(format!(
                "the tree has an object at {path} already: add_interface adds to it"
            )));
        }
        if object.interfaces.is_empty() {
            return Err(zbus::Error::Failure(format!(
                "an object without interfaces is no object: nothing added at {path}"
            )));
        }
        let mut served: Vec<Managed> = Vec::new();
        for pending in object.interfaces {
            let serve = (pending.serve)(self.connection.clone(), path.clone()).await;
            if !matches!(serve, Ok(true)) {
                // Undo, so that a failed add leaves nothing behind.
                for done in &served {
                    let _ = self
                        .connection
                        .object_server()
                        .remove_named(&path, done.name.clone())
                        .await;
                }
                return Err(serve.err().unwrap_or_else(|| {
                    zbus::Error::InterfaceExists(
                        pending.managed.name.clone(),
                        path.clone().into_inner(),
                    )
                }));
            }
            served.push(pending.managed);
        }
        self.announce(&path, &served).await?;
        self.lock().insert(path, served);
        Ok(())
    }

    /// Adds `interface` to the object `path` (creating the object where the tree has none),
    /// and announces it with `InterfacesAdded`.
    pub async fn add_interface<I: zbus::object_server::Interface>(
        &self,
        path: &zbus::ObjectPath<'_>,
        interface: I,
    ) -> zbus::Result<()> {
        let path = self.below(path)?;
        if !self.lock().contains_key(&path) {
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
        let managed = Managed::of::<I>();
        self.announce(&path, std::slice::from_ref(&managed)).await?;
        self.lock().entry(path).or_default().push(managed);
        Ok(())
    }

    /// Removes `I` from the object `path` (and the object, where it was its last
    /// interface), and announces it with `InterfacesRemoved`.
    pub async fn remove_interface<I: zbus::object_server::Interface>(
        &self,
        path: &zbus::ObjectPath<'_>,
    ) -> zbus::Result<()> {
        let path = self.below(path)?;
        let name = I::name();
        {
            let mut objects = self.lock();
            let interfaces = objects
                .get_mut(&path)
                .ok_or(zbus::Error::InterfaceNotFound)?;
            let before = interfaces.len();
            interfaces.retain(|managed| managed.name != name);
            if interfaces.len() == before {
                return Err(zbus::Error::InterfaceNotFound);
            }
            if interfaces.is_empty() {
                objects.remove(&path);
            }
        }
        self.connection
            .object_server()
            .remove_named(&path, name.clone())
            .await?;
        Manager::interfaces_removed(&self.emitter()?, &path, vec![name]).await
    }

    /// Removes the object `path` with all its interfaces, and announces it with one
    /// `InterfacesRemoved`. Fails where the tree has no object there.
    pub async fn remove(&self, path: &zbus::ObjectPath<'_>) -> zbus::Result<()> {
        let path = self.below(path)?;
        let interfaces = self
            .lock()
            .remove(&path)
            .ok_or_else(|| zbus::Error::Failure(format!("the tree has no object at {path}")))?;
        let names: Vec<zbus::names::InterfaceName<'static>> =
            interfaces.into_iter().map(|managed| managed.name).collect();
        for name in &names {
            self.connection
                .object_server()
                .remove_named(&path, name.clone())
                .await?;
        }
        Manager::interfaces_removed(&self.emitter()?, &path, names).await
    }

    /// `path`, where it lies below the manager's.
    fn below(&self, path: &zbus::ObjectPath<'_>) -> zbus::Result<zbus::OwnedObjectPath> {
        let root = self.path.as_str().trim_end_matches('/');
        match path.as_str().strip_prefix(root) {
            Some(rest) if rest.len() > 1 && rest.starts_with('/') => Ok(path.to_owned().into()),
            _ => Err(zbus::Error::Failure(format!(
                "{path} is not below the object manager at {}: Tree::object_path makes paths that are",
                self.path
            ))),
        }
    }

    /// Sends `InterfacesAdded` for `interfaces` of the object `path`.
    async fn announce(
        &self,
        path: &zbus::OwnedObjectPath,
        interfaces: &[Managed],
    ) -> zbus::Result<()> {
        let mut added = std::collections::HashMap::new();
        for managed in interfaces {
            let properties = (managed.properties)(self.connection.clone(), path.clone()).await?;
            added.insert(managed.name.clone(), properties);
        }
        Manager::interfaces_added(&self.emitter()?, path, added).await
    }

    fn emitter(&self) -> zbus::Result<zbus::object_server::SignalEmitter<'static>> {
        zbus::object_server::SignalEmitter::new(&self.connection, self.path.clone())
    }

    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<zbus::OwnedObjectPath, Vec<Managed>>>
    {
        self.objects
            .lock()
            .expect("the tree's lock is never held across a panic")
    }
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
        #[zbus(connection)] connection: &zbus::Connection,
    ) -> zbus::fdo::Result<ManagedObjects> {
        let objects: Vec<(zbus::OwnedObjectPath, Vec<Managed>)> = self
            .objects
            .lock()
            .expect("the tree's lock is never held across a panic")
            .iter()
            .map(|(path, interfaces)| (path.clone(), interfaces.clone()))
            .collect();
        let mut managed = ManagedObjects::with_capacity(objects.len());
        for (path, interfaces) in objects {
            let mut by_name = std::collections::HashMap::with_capacity(interfaces.len());
            for interface in interfaces {
                let properties = (interface.properties)(connection.clone(), path.clone()).await?;
                by_name.insert(interface.name.into(), properties);
            }
            managed.insert(path, by_name);
        }
        Ok(managed)
    }

    /// An object was added, or gained interfaces. (`#[zbus(signal)]` writes the body.)
    #[zbus(signal)]
    async fn interfaces_added(
        emitter: &zbus::object_server::SignalEmitter<'_>,
        object_path: &zbus::OwnedObjectPath,
        interfaces_and_properties: std::collections::HashMap<
            zbus::names::InterfaceName<'static>,
            Properties,
        >,
    ) -> zbus::Result<()> {
    }

    /// An object was removed, or lost interfaces. (`#[zbus(signal)]` writes the body.)
    #[zbus(signal)]
    async fn interfaces_removed(
        emitter: &zbus::object_server::SignalEmitter<'_>,
        object_path: &zbus::OwnedObjectPath,
        interfaces: Vec<zbus::names::InterfaceName<'static>>,
    ) -> zbus::Result<()> {
    }
}
