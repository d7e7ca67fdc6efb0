/// A future that a tree keeps for later, boxed.
type Boxed<T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send>>;

/// Reads the properties of one interface served at a path (its `GetAll`).
type ReadProperties =
    fn(zbus::Connection, zbus::OwnedObjectPath) -> Boxed<zbus::fdo::Result<Properties>>;

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
        Self {
            name: I::name(),
            properties: properties_of::<I>,
        }
    }
}

/// The properties of the interface `I` served at `path` (what `GetAll` answers).
fn properties_of<I: zbus::object_server::Interface>(
    connection: zbus::Connection,
    path: zbus::OwnedObjectPath,
) -> Boxed<zbus::fdo::Result<Properties>> {
    Box::pin(async move {
        let server = connection.object_server();
        let interface = server.interface::<_, I>(&path).await?;
        let emitter = interface.signal_emitter().clone();
        let interface = interface.get().await;
        zbus::object_server::Interface::get_all(&*interface, server, &connection, None, &emitter)
            .await
    })
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
    std::sync::Mutex<std::collections::HashMap<zbus::OwnedObjectPath, std::sync::Arc<[Managed]>>>,
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
/// zbus's own `fdo::ObjectManager` lists the path nodes as objects and announces each
/// interface in a signal of its own. Where zbus's `object-manager` feature is on in a build
/// (its default features turn it on), zbus announces the tree's changes that way too, and
/// the tree leaves that to it ([`Tree::zbus_announces`]): build zbus with
/// `default-features = false` for one signal per object.
#[derive(Clone)]
pub struct Tree {
    connection: zbus::Connection,
    path: zbus::OwnedObjectPath,
    objects: Objects,
    zbus_announces: bool,
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
        // With zbus's `object-manager` feature, zbus reads the properties of every object
        // below an interface called org.freedesktop.DBus.ObjectManager as it is served: a
        // probe below tells whether it does (and so announces each interface itself).
        let server = connection.object_server();
        let probe_path = format!("{}/{PROBE}", path.as_str().trim_end_matches('/'));
        let probe = Probe::default();
        let read = probe.read.clone();
        server.at(probe_path.as_str(), probe).await?;
        let served = server.at(&path, manager).await;
        server.remove::<Probe, _>(probe_path.as_str()).await?;
        if served?.is_some() {
            return Err(zbus::Error::InterfaceExists(
                <Manager as zbus::object_server::Interface>::name(),
                path.into_inner(),
            ));
        }
        Ok(Self {
            connection: connection.clone(),
            path,
            objects,
            zbus_announces: read.load(std::sync::atomic::Ordering::SeqCst),
        })
    }

    /// Whether zbus announces the tree's changes itself, one interface a signal: where its
    /// `object-manager` feature is on (as in its default features) in the build, zbus takes
    /// any interface called org.freedesktop.DBus.ObjectManager for its own, and the tree
    /// leaves announcing to it rather than send every change twice. (It found out by serving
    /// a probe below its path for a moment, which zbus then announced and withdrew.)
    pub fn zbus_announces(&self) -> bool {
        self.zbus_announces
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
        self.lock().insert(path, served.into());
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
        let mut objects = self.lock();
        let interfaces = objects.entry(path).or_default();
        *interfaces = interfaces.iter().cloned().chain([managed]).collect();
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
            let kept: Vec<Managed> = interfaces
                .iter()
                .filter(|managed| managed.name != name)
                .cloned()
                .collect();
            if kept.len() == interfaces.len() {
                return Err(zbus::Error::InterfaceNotFound);
            }
            if kept.is_empty() {
                objects.remove(&path);
            } else {
                *interfaces = kept.into();
            }
        }
        self.connection
            .object_server()
            .remove_named(&path, name.clone())
            .await?;
        self.announce_removed(&path, vec![name]).await
    }

    /// Removes the object `path` with all its interfaces, and announces it with one
    /// `InterfacesRemoved`. Fails where the tree has no object there.
    pub async fn remove(&self, path: &zbus::ObjectPath<'_>) -> zbus::Result<()> {
        let path = self.below(path)?;
        let interfaces = self
            .lock()
            .remove(&path)
            .ok_or_else(|| zbus::Error::Failure(format!("the tree has no object at {path}")))?;
        let names: Vec<zbus::names::InterfaceName<'static>> = interfaces
            .iter()
            .map(|managed| managed.name.clone())
            .collect();
        for name in &names {
            self.connection
                .object_server()
                .remove_named(&path, name.clone())
                .await?;
        }
        self.announce_removed(&path, names).await
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

    /// Sends `InterfacesAdded` for `interfaces` of the object `path`, unless zbus did.
    async fn announce(
        &self,
        path: &zbus::OwnedObjectPath,
        interfaces: &[Managed],
    ) -> zbus::Result<()> {
        if self.zbus_announces {
            return Ok(());
        }
        let mut added = std::collections::HashMap::new();
        for managed in interfaces {
            let properties = (managed.properties)(self.connection.clone(), path.clone()).await?;
            added.insert(managed.name.clone(), properties);
        }
        Manager::interfaces_added(&self.emitter()?, path, added).await
    }

    /// Sends `InterfacesRemoved` for `interfaces` of the object `path`, unless zbus did.
    async fn announce_removed(
        &self,
        path: &zbus::OwnedObjectPath,
        interfaces: Vec<zbus::names::InterfaceName<'static>>,
    ) -> zbus::Result<()> {
        if self.zbus_announces {
            return Ok(());
        }
        Manager::interfaces_removed(&self.emitter()?, path, interfaces).await
    }

    fn emitter(&self) -> zbus::Result<zbus::object_server::SignalEmitter<'static>> {
        zbus::object_server::SignalEmitter::new(&self.connection, self.path.clone())
    }

    fn lock(
        &self,
    ) -> std::sync::MutexGuard<
        '_,
        std::collections::HashMap<zbus::OwnedObjectPath, std::sync::Arc<[Managed]>>,
    > {
        self.objects
            .lock()
            .expect("the tree's lock is never held across a panic")
    }
}

/// The element of the path below a new tree's where [`Probe`] is served for a moment.
const PROBE: &str = "_dbus_xml_codegen_probe";

/// Served below a tree's path while its manager is served: its property is read there only
/// where zbus's `object-manager` feature is on.
#[derive(Default)]
struct Probe {
    read: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

#[zbus::interface(name = "rs.dbus_xml_codegen.Probe")]
impl Probe {
    /// Notes that zbus read it.
    #[zbus(property)]
    async fn read(&self) -> bool {
        self.read.store(true, std::sync::atomic::Ordering::SeqCst);
        true
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
    ) -> zbus::fdo::Result<zbus::fdo::ManagedObjects> {
        let objects: Vec<(zbus::OwnedObjectPath, std::sync::Arc<[Managed]>)> = self
            .objects
            .lock()
            .expect("the tree's lock is never held across a panic")
            .iter()
            .map(|(path, interfaces)| (path.clone(), interfaces.clone()))
            .collect();
        let mut managed = zbus::fdo::ManagedObjects::with_capacity(objects.len());
        for (path, interfaces) in objects {
            let mut by_name = std::collections::HashMap::with_capacity(interfaces.len());
            for interface in interfaces.iter() {
                let properties = (interface.properties)(connection.clone(), path.clone()).await?;
                by_name.insert(interface.name.clone().into(), properties);
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
