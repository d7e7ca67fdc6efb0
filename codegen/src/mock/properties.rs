//! A mock's `org.freedesktop.DBus.Properties`, with the runtime's semantics (sd-bus's):
//! `GetAll("")` answers every interface of the object, properties go in declared order,
//! `Get("", name)` finds the one interface with the property, `Set` of a read-only property
//! answers `PropertyReadOnly`, a value of another type `InvalidArgs`; and a change is
//! announced as the property's `EmitsChangedSignal` says.

use zbus::fdo;
use zbus::message::Message;
use zbus::{OwnedVariant, Variant};

use super::Shared;
use super::dispatch::{Failure, Handled, expect, reply_with};
use super::state::State;
use crate::EmitsChanged;

/// Answers a call of `org.freedesktop.DBus.Properties` at `path`.
pub(crate) fn handle(
    shared: &Shared,
    state: &mut State,
    message: &Message,
    path: &str,
    emit: &mut Vec<Message>,
) -> Handled {
    let header = message.header();
    let body = message.body();
    match header.member().map(|m| m.as_str()) {
        Some("Get") => {
            expect(message, "ss")?;
            let (interface, property): (String, String) = body.deserialize()?;
            let interface = interface_of(shared, state, path, &interface, &property)?;
            let value = value_of(state, path, &interface, &property)?;
            reply_with(&header, &(Variant::from(value),))
        }
        Some("GetAll") => {
            expect(message, "s")?;
            let interface: String = body.deserialize()?;
            let object = state
                .objects
                .get(path)
                .map(Vec::as_slice)
                .unwrap_or_default();
            let mut all = dbus_xml_runtime::PropertyMap::default();
            let mut found = interface.is_empty();
            for served in object
                .iter()
                .filter(|s| interface.is_empty() || s.name == interface)
            {
                found = true;
                all.0.extend(served.properties.iter().cloned());
            }
            if !found {
                return Err(unknown_interface(&interface));
            }
            reply_with(&header, &(all,))
        }
        Some("Set") => {
            expect(message, "ssv")?;
            let (interface, property, value): (String, String, OwnedVariant) =
                body.deserialize()?;
            let interface = interface_of(shared, state, path, &interface, &property)?;
            let (_, _, declared) = (shared.contracts)
                .declared_property(&interface, &property)
                .expect("found before");
            if !declared.access.write() {
                return Err(fdo::Error::PropertyReadOnly(format!(
                    "Property '{property}' is read-only"
                ))
                .into());
            }
            set(shared, state, path, &interface, &property, value, emit)?;
            reply_with(&header, &())
        }
        other => Err(fdo::Error::UnknownMethod(format!(
            "Properties has no method {}",
            other.unwrap_or_default()
        ))
        .into()),
    }
}

/// Sets the property `property` of `interface` at `path` to `value` (of its declared type,
/// else `InvalidArgs`), and queues the `PropertiesChanged` that its `EmitsChangedSignal`
/// asks for.
pub(crate) fn set(
    shared: &Shared,
    state: &mut State,
    path: &str,
    interface: &str,
    property: &str,
    value: OwnedVariant,
    emit: &mut Vec<Message>,
) -> Result<(), Failure> {
    let (_, declared) = shared
        .contracts
        .interface(interface)
        .ok_or_else(|| unknown_interface(interface))?;
    let declared = declared
        .properties
        .iter()
        .find(|p| p.name == property)
        .ok_or_else(|| unknown_property(property))?;
    of_its_type(declared, &value)?;
    let served = state
        .served_mut(path, interface)
        .ok_or_else(|| unknown_interface(interface))?;
    let slot = served
        .property_mut(property)
        .ok_or_else(|| unknown_property(property))?;
    *slot = value.clone();
    let mut changed = dbus_xml_runtime::PropertyMap::default();
    let mut invalidated: Vec<&str> = Vec::new();
    match declared.emits().unwrap_or(EmitsChanged::True) {
        EmitsChanged::True => changed.push(property.to_owned(), value),
        EmitsChanged::Invalidates => invalidated.push(property),
        EmitsChanged::Const | EmitsChanged::False => return Ok(()),
    }
    let signal = Message::signal(path, "org.freedesktop.DBus.Properties", "PropertiesChanged")
        .build(&(interface, changed, invalidated))?;
    emit.push(signal);
    Ok(())
}

/// `Ok` where `value` is of the type `declared` has; else `InvalidArgs`.
pub(crate) fn of_its_type(
    declared: &crate::wire::Property,
    value: &OwnedVariant,
) -> Result<(), Failure> {
    if *value.value_signature() == declared.signature {
        return Ok(());
    }
    Err(fdo::Error::InvalidArgs(format!(
        "Property '{}' is of type {}, not {}",
        declared.name,
        declared.signature,
        value.value_signature()
    ))
    .into())
}

/// The interface that a call naming `interface` and the property `property` means: the one
/// named, or for `""` the one interface of the object that has the property.
fn interface_of(
    shared: &Shared,
    state: &State,
    path: &str,
    interface: &str,
    property: &str,
) -> Result<String, Failure> {
    let object = state
        .objects
        .get(path)
        .map(Vec::as_slice)
        .unwrap_or_default();
    if !interface.is_empty() {
        if !object.iter().any(|s| s.name == interface) {
            return Err(unknown_interface(interface));
        }
        let declared = shared.contracts.interface(interface).map(|(_, i)| i);
        if !declared.is_some_and(|i| i.properties.iter().any(|p| p.name == property)) {
            return Err(unknown_property(property));
        }
        return Ok(interface.to_owned());
    }
    let having: Vec<&str> = object
        .iter()
        .filter(|s| s.properties.iter().any(|(p, _)| p == property))
        .map(|s| s.name.as_str())
        .collect();
    match having.as_slice() {
        [one] => Ok((*one).to_owned()),
        [] => Err(fdo::Error::UnknownProperty(format!(
            "No interface of this object has a property '{property}'"
        ))
        .into()),
        several => Err(fdo::Error::InvalidArgs(format!(
            "Property '{property}' is on several interfaces of this object ({}): name one",
            several.join(", ")
        ))
        .into()),
    }
}

/// The value of a property, if readable.
fn value_of(
    state: &mut State,
    path: &str,
    interface: &str,
    property: &str,
) -> Result<OwnedVariant, Failure> {
    let served = state
        .served_mut(path, interface)
        .ok_or_else(|| unknown_interface(interface))?;
    served
        .property_mut(property)
        .map(|v| v.clone())
        .ok_or_else(|| unknown_property(property))
}

fn unknown_interface(interface: &str) -> Failure {
    fdo::Error::UnknownInterface(format!("Unknown interface '{interface}'")).into()
}

fn unknown_property(property: &str) -> Failure {
    fdo::Error::UnknownProperty(format!("Unknown property '{property}'")).into()
}
