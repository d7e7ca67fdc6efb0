//! A mock's answer to each method call: the standard interfaces (`Introspectable`, `Peer`,
//! `Properties`, `ObjectManager`), the control interface, and the files' methods, answered
//! with scripted or default out-values.

use zbus::fdo;
use zbus::message::{Header, Message};
use zbus::wire::{DynamicType, Structure, StructureBuilder};
use zbus::{OwnedObjectPath, OwnedVariant};

use super::state::{Call, Script, Served, State};
use super::values::{default_of, owned};
use super::{CONTROL, Shared};

/// A call that fails: the error's name and message.
#[derive(Debug)]
pub(crate) struct Failure {
    pub name: String,
    pub message: String,
}

impl From<fdo::Error> for Failure {
    fn from(error: fdo::Error) -> Self {
        Self {
            name: zbus::DBusError::name(&error).to_string(),
            message: zbus::DBusError::description(&error)
                .unwrap_or_default()
                .to_owned(),
        }
    }
}

impl From<zbus::Error> for Failure {
    fn from(error: zbus::Error) -> Self {
        fdo::Error::Failed(error.to_string()).into()
    }
}

/// What a handler gives: the reply, or why the call fails.
pub(crate) type Handled = Result<Message, Failure>;

/// The reply to `call` carrying `body`.
pub(crate) fn reply_with(
    call: &Header<'_>,
    body: &(impl zbus::export::serde::Serialize + DynamicType),
) -> Handled {
    Ok(Message::method_return(call).build(body)?)
}

/// `values` as a reply body (each value one argument).
pub(crate) fn reply_values(call: &Header<'_>, values: Vec<OwnedVariant>) -> Handled {
    Ok(with_values(Message::method_return(call), values)?)
}

/// The message that `builder` makes, with `values` as its arguments (one each).
pub(crate) fn with_values(
    builder: zbus::message::Builder<'_>,
    values: Vec<OwnedVariant>,
) -> zbus::Result<Message> {
    if values.is_empty() {
        return builder.build(&());
    }
    let body: Structure<'_> = values
        .into_iter()
        .fold(StructureBuilder::new(), |b, v| b.append_field(v.into()))
        .build()?;
    builder.build(&body)
}

/// `Ok` where the call's arguments have the signature `wanted`; else `InvalidArgs`.
pub(crate) fn expect(message: &Message, wanted: &str) -> Result<(), Failure> {
    let sent = message.body().signature().to_string_no_parens();
    if sent == wanted {
        return Ok(());
    }
    let member = message.header().member().map(|m| m.to_string());
    Err(fdo::Error::InvalidArgs(format!(
        "{} takes arguments of signature \"{wanted}\", not \"{sent}\"",
        member.unwrap_or_default()
    ))
    .into())
}

/// The arguments of `message`, one value each.
pub(crate) fn arguments(message: &Message) -> Vec<OwnedVariant> {
    let body = message.body();
    if body.signature().to_string_no_parens().is_empty() {
        return Vec::new();
    }
    body.deserialize::<Structure<'_>>()
        .map(|s| {
            s.fields()
                .iter()
                .filter_map(|f| f.try_to_owned().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// The path prefix of the objects below `path`.
pub(crate) fn below(path: &str) -> String {
    if path == "/" {
        "/".to_owned()
    } else {
        format!("{path}/")
    }
}

/// Answers the method call `message`: its reply, and the signals it causes (sent after it).
pub(crate) fn answer(shared: &Shared, message: &Message) -> (zbus::Result<Message>, Vec<Message>) {
    let header = message.header();
    let mut emit = Vec::new();
    let handled = handle(shared, message, &mut emit);
    let reply = handled.or_else(|failure| {
        Message::error(&header, failure.name.as_str()).build(&(failure.message,))
    });
    (reply, emit)
}

fn handle(shared: &Shared, message: &Message, emit: &mut Vec<Message>) -> Handled {
    let header = message.header();
    let path = header.path().map(|p| p.to_string()).unwrap_or_default();
    let interface = header
        .interface()
        .map(|i| i.to_string())
        .unwrap_or_default();
    let member = header.member().map(|m| m.to_string()).unwrap_or_default();
    let mut state = shared.state.lock().expect("the mock's state");
    let prefix = below(&path);
    let exists = state.objects.contains_key(&path)
        || state.objects.keys().any(|p| p.starts_with(&prefix))
        || path == "/";
    if !exists {
        return Err(fdo::Error::UnknownObject(format!("No object at {path}")).into());
    }
    match (interface.as_str(), member.as_str()) {
        ("org.freedesktop.DBus.Introspectable", "Introspect") => {
            expect(message, "")?;
            reply_with(&header, &(super::introspect::xml(shared, &state, &path),))
        }
        ("org.freedesktop.DBus.Peer", "Ping") => {
            expect(message, "")?;
            reply_with(&header, &())
        }
        ("org.freedesktop.DBus.Peer", "GetMachineId") => {
            expect(message, "")?;
            let id = std::fs::read_to_string("/etc/machine-id")
                .map_err(|e| fdo::Error::Failed(format!("/etc/machine-id: {e}")))?;
            reply_with(&header, &(id.trim(),))
        }
        ("org.freedesktop.DBus.Properties", _) => {
            super::properties::handle(shared, &mut state, message, &path, emit)
        }
        ("org.freedesktop.DBus.ObjectManager", "GetManagedObjects")
            if state.manager.as_deref() == Some(path.as_str()) =>
        {
            expect(message, "")?;
            reply_with(&header, &(managed_objects(&state, &path),))
        }
        (CONTROL, _) => super::control::handle(shared, &mut state, message, &path, emit),
        _ => declared_call(shared, &mut state, message, &path),
    }
}

/// Every object below `root`, its interfaces with their properties in declared order
/// (`GetManagedObjects`).
pub(crate) fn managed_objects(
    state: &State,
    root: &str,
) -> dbus_xml_runtime::Ordered<OwnedObjectPath, dbus_xml_runtime::InterfaceMap> {
    let prefix = below(root);
    dbus_xml_runtime::Ordered(
        state
            .objects
            .iter()
            .filter(|(p, _)| p.starts_with(&prefix) && *p != root)
            .filter_map(|(p, served)| {
                let path = OwnedObjectPath::try_from(p.as_str()).ok()?;
                Some((path, interfaces_of(served)))
            })
            .collect(),
    )
}

/// An object's interfaces with their properties, as `InterfacesAdded` and
/// `GetManagedObjects` carry them.
pub(crate) fn interfaces_of(served: &[Served]) -> dbus_xml_runtime::InterfaceMap {
    dbus_xml_runtime::Ordered(
        served
            .iter()
            .filter_map(|s| {
                let name = zbus::names::OwnedInterfaceName::try_from(s.name.as_str()).ok()?;
                Some((name, dbus_xml_runtime::Ordered(s.properties.clone())))
            })
            .collect(),
    )
}

/// A call of a method that a file declares: the object must have the interface, the method
/// its in-signature; it is logged and answered as scripted, else with default out-values.
fn declared_call(shared: &Shared, state: &mut State, message: &Message, path: &str) -> Handled {
    let header = message.header();
    let interface = header
        .interface()
        .map(|i| i.to_string())
        .unwrap_or_default();
    let member = header.member().map(|m| m.to_string()).unwrap_or_default();
    let served = state
        .objects
        .get(path)
        .and_then(|object| object.iter().find(|s| s.name == interface))
        .ok_or_else(|| fdo::Error::UnknownInterface(format!("Unknown interface '{interface}'")))?;
    let (_, declared) = shared
        .contracts
        .interface(&interface)
        .expect("served interfaces are declared");
    let sent = message.body().signature().to_string_no_parens();
    let method = match crate::contract::method_called(declared, &member, &sent) {
        Ok(method) => method,
        Err(declared) if declared.is_empty() => {
            return Err(fdo::Error::UnknownMethod(format!("Unknown method '{member}'")).into());
        }
        Err(declared) => {
            let wanted: Vec<String> = declared.iter().map(|s| format!("\"{s}\"")).collect();
            return Err(fdo::Error::InvalidArgs(format!(
                "{member} takes arguments of signature {}, not \"{sent}\"",
                wanted.join(" or ")
            ))
            .into());
        }
    };
    let script = served.scripts.get(&member).cloned();
    state.calls.push(Call {
        time: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_micros() as u64),
        sender: header.sender().map(|s| s.to_string()).unwrap_or_default(),
        path: path.to_owned(),
        interface,
        member,
        args: arguments(message),
    });
    match script {
        Some(Script::Reply(values)) => reply_values(&header, values),
        Some(Script::Error { name, message }) => Err(Failure { name, message }),
        None if method
            .outputs()
            .any(|a| crate::types::holds_fd(&a.signature)) =>
        {
            Err(fdo::Error::NotSupported(format!(
                "{} returns a file descriptor, which a mock cannot make up",
                method.name
            ))
            .into())
        }
        None => {
            let defaults = method.outputs().map(|a| owned(default_of(&a.signature)));
            reply_values(&header, defaults.collect())
        }
    }
}
