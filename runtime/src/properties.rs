//! `org.freedesktop.DBus.Properties` as sd-bus services answer it, served in place of zbus's
//! own at every path that [`serve_at`] (or a [`Tree`](crate::Tree)) serves:
//!
//! - `GetAll("")` answers every interface's properties of the object (sd-bus's property
//!   mapping asks that), and `Get("", name)` the property where exactly one interface has it;
//! - `GetAll` lists properties in the order the file declares them, not a hash map's;
//! - `Set` of a read-only property answers `org.freedesktop.DBus.Error.PropertyReadOnly`;
//! - a body whose signature is not the method's (`(ss)` for `ss`) answers `InvalidArgs`.
//!
//! Everything else (getters, setters and their validation, `PropertiesChanged`) is each
//! interface's own, as zbus's `#[interface]` made it.

use std::collections::HashMap;

use zbus::message::Header;
use zbus::object_server::SignalEmitter;
use zbus::{BoxDBusError, Connection, OwnedVariant, fdo};

use crate::ordered::PropertyMap;
use crate::served::{Access, Declared, Place, Served};

/// The runtime's `org.freedesktop.DBus.Properties` at one path: the interfaces served there
/// through the runtime, in the order they were served.
pub(crate) struct Properties {
    interfaces: Vec<Served>,
}

/// `Ok` where `header`'s body signature is `expected`; else the `InvalidArgs` that sd-bus
/// answers (zbus's dispatch would accept `(ss)` for `ss`).
fn check_signature(header: &Header<'_>, member: &str, expected: &str) -> fdo::Result<()> {
    let signature = header.signature().to_string_no_parens();
    if signature == expected {
        Ok(())
    } else {
        Err(fdo::Error::InvalidArgs(format!(
            "{member} takes arguments of signature \"{expected}\", not \"{signature}\""
        )))
    }
}

impl Properties {
    /// The interface called `name` here.
    fn interface(&self, name: &str) -> fdo::Result<&Served> {
        self.interfaces
            .iter()
            .find(|served| served.is(name))
            .ok_or_else(|| fdo::Error::UnknownInterface(format!("Unknown interface '{name}'")))
    }

    /// The interface that a call naming `interface` and the property `property` means: the
    /// one named, or for `""` the one interface of the object that declares the property.
    fn interface_of(&self, interface: &str, property: &str) -> fdo::Result<&Served> {
        if !interface.is_empty() {
            return self.interface(interface);
        }
        let having: Vec<&Served> = self
            .interfaces
            .iter()
            .filter(|served| served.declared(property).is_some())
            .collect();
        match having.as_slice() {
            [one] => Ok(one),
            [] => Err(fdo::Error::UnknownProperty(format!(
                "No interface of this object has a property '{property}'"
            ))),
            several => {
                let names: Vec<zbus::names::InterfaceName<'static>> =
                    several.iter().map(|served| served.name()).collect();
                Err(fdo::Error::InvalidArgs(format!(
                    "Property '{property}' is on several interfaces of this object ({}): name one",
                    names.join(", ")
                )))
            }
        }
    }
}

/// The path of the call that `header` belongs to.
fn path_of<'h>(header: &'h Header<'_>) -> fdo::Result<&'h zbus::ObjectPath<'h>> {
    header
        .path()
        .ok_or_else(|| fdo::Error::InvalidArgs("the call has no object path".to_owned()))
}

fn unknown_property(property: &str) -> BoxDBusError {
    fdo::Error::UnknownProperty(format!("Unknown property '{property}'")).into()
}

#[zbus::interface(
    name = "org.freedesktop.DBus.Properties",
    introspection_docs = false,
    spawn = false
)]
impl Properties {
    #[zbus(out_args("value"))]
    async fn get(
        &self,
        interface_name: &str,
        property_name: &str,
        #[zbus(connection)] connection: &Connection,
        #[zbus(header)] header: Header<'_>,
    ) -> Result<OwnedVariant, BoxDBusError> {
        check_signature(&header, "Get", "ss")?;
        let served = self.interface_of(interface_name, property_name)?;
        let place = Place {
            connection,
            path: path_of(&header)?,
            header: Some(&header),
        };
        served
            .read(&place, property_name)
            .await
            .unwrap_or_else(|| Err(unknown_property(property_name)))
    }

    async fn set(
        &self,
        interface_name: &str,
        property_name: &str,
        value: zbus::Variant<'_>,
        #[zbus(connection)] connection: &Connection,
        #[zbus(header)] header: Header<'_>,
    ) -> Result<(), BoxDBusError> {
        check_signature(&header, "Set", "ssv")?;
        let served = self.interface_of(interface_name, property_name)?;
        if served
            .declared(property_name)
            .is_some_and(|property| property.access == Access::Read)
        {
            return Err(fdo::Error::PropertyReadOnly(format!(
                "Property '{property_name}' of '{}' is read-only",
                served.name()
            ))
            .into());
        }
        let place = Place {
            connection,
            path: path_of(&header)?,
            header: Some(&header),
        };
        served
            .write(&place, property_name, &value)
            .await
            .unwrap_or_else(|| Err(unknown_property(property_name)))
    }

    #[zbus(out_args("props"))]
    async fn get_all(
        &self,
        interface_name: &str,
        #[zbus(connection)] connection: &Connection,
        #[zbus(header)] header: Header<'_>,
    ) -> fdo::Result<PropertyMap> {
        check_signature(&header, "GetAll", "s")?;
        let place = Place {
            connection,
            path: path_of(&header)?,
            header: Some(&header),
        };
        if !interface_name.is_empty() {
            return self.interface(interface_name)?.read_all(&place).await;
        }
        let mut all = PropertyMap::default();
        for served in &self.interfaces {
            match served.read_all(&place).await {
                Ok(properties) => all.0.extend(properties.0),
                // Removed with `ObjectServer::remove` rather than `remove_at`: gone.
                Err(fdo::Error::ZBus(zbus::Error::InterfaceNotFound)) => {}
                Err(error) => return Err(error),
            }
        }
        Ok(all)
    }

    /// Declared for introspection: each interface emits its own changes.
    #[allow(dead_code)]
    #[zbus(signal)]
    async fn properties_changed(
        emitter: &SignalEmitter<'_>,
        interface_name: &str,
        changed_properties: HashMap<&str, zbus::Variant<'_>>,
        invalidated_properties: &[&str],
    ) -> zbus::Result<()>;
}

/// Serves `interface` at `path` on `connection`'s object server, with the runtime's
/// `org.freedesktop.DBus.Properties` there in place of zbus's: `GetAll("")` answers every
/// interface of the object, properties come in the order their file declares them,
/// `Get("", name)` finds the one interface with the property, `Set` of a read-only one
/// answers `PropertyReadOnly`, a body of another signature `InvalidArgs`.
/// Serve every interface of a path this way (or through a [`Tree`](crate::Tree)): one served
/// with `ObjectServer::at` or `connection::Builder::serve_at` is not reached by the runtime's
/// `Properties`, and zbus's answers where nothing was served this way.
///
/// Fails where `path` is no object path or has an interface of that name already.
pub async fn serve_at<'p, P, I>(connection: &Connection, path: P, interface: I) -> zbus::Result<()>
where
    I: Declared,
    P: TryInto<zbus::ObjectPath<'p>>,
    P::Error: Into<zbus::Error>,
{
    let path = path.try_into().map_err(Into::into)?;
    if connection
        .object_server()
        .at(&path, interface)
        .await?
        .is_some()
    {
        return Err(zbus::Error::InterfaceExists(I::name(), path.into_owned()));
    }
    register(connection, &path, Served::of::<I>()).await
}

/// Removes the interface `I` that [`serve_at`] served at `path`, from the object server and
/// from the runtime's `Properties` there. Returns whether the object went with it (it had no
/// other interface), as `ObjectServer::remove` does.
pub async fn remove_at<'p, P, I>(connection: &Connection, path: P) -> zbus::Result<bool>
where
    I: Declared,
    P: TryInto<zbus::ObjectPath<'p>>,
    P::Error: Into<zbus::Error>,
{
    let path = path.try_into().map_err(Into::into)?;
    let destroyed = connection.object_server().remove::<I, _>(&path).await?;
    unregister(connection, &path, &I::name()).await;
    Ok(destroyed)
}

/// Puts `served`, just served at `path`, in the runtime's `Properties` there (serving that in
/// place of zbus's where it is the first).
pub(crate) async fn register(
    connection: &Connection,
    path: &zbus::ObjectPath<'_>,
    served: Served,
) -> zbus::Result<()> {
    let server = connection.object_server();
    if let Ok(properties) = server.interface::<_, Properties>(path).await {
        properties.get_mut().await.interfaces.push(served);
        return Ok(());
    }
    // The node has another interface now, so removing zbus's Properties leaves it in place.
    server.remove::<fdo::Properties, _>(path).await?;
    let properties = Properties {
        interfaces: vec![served],
    };
    server.at(path, properties).await?;
    Ok(())
}

/// Takes the interface `name` out of the runtime's `Properties` at `path`, after it was
/// removed from the object server.
pub(crate) async fn unregister(
    connection: &Connection,
    path: &zbus::ObjectPath<'_>,
    name: &zbus::names::InterfaceName<'_>,
) {
    if let Ok(properties) = connection
        .object_server()
        .interface::<_, Properties>(path)
        .await
    {
        properties
            .get_mut()
            .await
            .interfaces
            .retain(|served| !served.is(name));
    }
}

/// The properties of `served` at `path`, in declared order: what `InterfacesAdded` and
/// `GetManagedObjects` carry.
pub(crate) async fn read_all_of(
    connection: &Connection,
    path: &zbus::ObjectPath<'_>,
    served: &Served,
) -> fdo::Result<PropertyMap> {
    let place = Place {
        connection,
        path,
        header: None,
    };
    served.read_all(&place).await
}
