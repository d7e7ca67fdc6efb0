//! The control interface of a mock, `org.freedesktop.DBus.Mock` at every object as
//! python-dbusmock serves it: a test adds and removes objects, updates properties, emits
//! signals, scripts answers and reads the calls a client made, from any language.

use std::collections::HashMap;

use zbus::fdo;
use zbus::message::Message;
use zbus::{OwnedObjectPath, OwnedVariant};

use super::Shared;
use super::dispatch::{Failure, Handled, below, expect, interfaces_of, reply_with, with_values};
use super::state::{Script, Served, State};

/// The control interface's XML, which introspection lists (so that `gdbus call` and `busctl`
/// know its types; `check` counts it among the standard interfaces).
pub(crate) const XML: &str = r#"  <interface name="org.freedesktop.DBus.Mock">
    <method name="AddObject">
      <arg name="path" type="s" direction="in"/>
      <arg name="interface" type="s" direction="in"/>
      <arg name="properties" type="a{sv}" direction="in"/>
      <arg name="methods" type="a(ssss)" direction="in"/>
    </method>
    <method name="RemoveObject">
      <arg name="path" type="o" direction="in"/>
    </method>
    <method name="UpdateProperties">
      <arg name="interface" type="s" direction="in"/>
      <arg name="properties" type="a{sv}" direction="in"/>
    </method>
    <method name="EmitSignal">
      <arg name="interface" type="s" direction="in"/>
      <arg name="name" type="s" direction="in"/>
      <arg name="signature" type="s" direction="in"/>
      <arg name="args" type="av" direction="in"/>
    </method>
    <method name="SetReply">
      <arg name="interface" type="s" direction="in"/>
      <arg name="method" type="s" direction="in"/>
      <arg name="values" type="av" direction="in"/>
    </method>
    <method name="SetError">
      <arg name="interface" type="s" direction="in"/>
      <arg name="method" type="s" direction="in"/>
      <arg name="name" type="s" direction="in"/>
      <arg name="message" type="s" direction="in"/>
    </method>
    <method name="GetCalls">
      <arg name="calls" type="a(tsav)" direction="out"/>
    </method>
    <method name="GetMethodCalls">
      <arg name="method" type="s" direction="in"/>
      <arg name="calls" type="a(tav)" direction="out"/>
    </method>
    <method name="GetCallLog">
      <arg name="calls" type="a(tsossav)" direction="out"/>
    </method>
    <method name="ClearCalls"/>
  </interface>
"#;

/// `AddObject`'s arguments: path, interface, properties, and python-dbusmock's methods (name,
/// in-signature, out-signature, Python code), which a mock of files has no use for.
type AddObject = (
    String,
    String,
    HashMap<String, OwnedVariant>,
    Vec<(String, String, String, String)>,
);

/// Answers a call of the control interface at `path`.
pub(crate) fn handle(
    shared: &Shared,
    state: &mut State,
    message: &Message,
    path: &str,
    emit: &mut Vec<Message>,
) -> Handled {
    let header = message.header();
    let body = message.body();
    let member = header.member().map(|m| m.to_string()).unwrap_or_default();
    match member.as_str() {
        "AddObject" => {
            expect(message, "ssa{sv}a(ssss)")?;
            let (object, interface, properties, methods): AddObject = body.deserialize()?;
            if !methods.is_empty() {
                return Err(fdo::Error::NotSupported(
                    "methods come from the files; script their answers with SetReply or SetError"
                        .into(),
                )
                .into());
            }
            add_object(shared, state, &object, &interface, properties, emit)?;
            reply_with(&header, &())
        }
        "RemoveObject" => {
            expect(message, "o")?;
            let object: OwnedObjectPath = body.deserialize()?;
            remove_object(state, object.as_str(), emit)?;
            reply_with(&header, &())
        }
        "UpdateProperties" => {
            expect(message, "sa{sv}")?;
            let (interface, properties): (String, HashMap<String, OwnedVariant>) =
                body.deserialize()?;
            let mut names: Vec<&String> = properties.keys().collect();
            names.sort();
            for name in names {
                let value = properties[name].clone();
                super::properties::set(shared, state, path, &interface, name, value, emit)?;
            }
            reply_with(&header, &())
        }
        "EmitSignal" => {
            expect(message, "sssav")?;
            let (interface, name, signature, args): (String, String, String, Vec<OwnedVariant>) =
                body.deserialize()?;
            emit.push(signal(shared, path, &interface, &name, &signature, args)?);
            reply_with(&header, &())
        }
        "SetReply" | "SetError" => {
            let script = if member == "SetReply" {
                expect(message, "ssav")?;
                let (interface, method, values): (String, String, Vec<OwnedVariant>) =
                    body.deserialize()?;
                (interface, method, Script::Reply(values))
            } else {
                expect(message, "ssss")?;
                let (interface, method, name, text): (String, String, String, String) =
                    body.deserialize()?;
                zbus::names::ErrorName::try_from(name.as_str())
                    .map_err(|e| fdo::Error::InvalidArgs(format!("error name {name:?}: {e}")))?;
                (
                    interface,
                    method,
                    Script::Error {
                        name,
                        message: text,
                    },
                )
            };
            set_script(shared, state, path, script)?;
            reply_with(&header, &())
        }
        "GetCalls" => {
            expect(message, "")?;
            let calls: Vec<(u64, &str, Vec<OwnedVariant>)> = state
                .calls
                .iter()
                .map(|c| (c.time, c.member.as_str(), c.args.clone()))
                .collect();
            reply_with(&header, &(calls,))
        }
        "GetMethodCalls" => {
            expect(message, "s")?;
            let method: String = body.deserialize()?;
            let calls: Vec<(u64, Vec<OwnedVariant>)> = state
                .calls
                .iter()
                .filter(|c| c.member == method)
                .map(|c| (c.time, c.args.clone()))
                .collect();
            reply_with(&header, &(calls,))
        }
        "GetCallLog" => {
            expect(message, "")?;
            let calls: Vec<_> = state
                .calls
                .iter()
                .filter_map(|c| {
                    let path = OwnedObjectPath::try_from(c.path.as_str()).ok()?;
                    let (time, sender) = (c.time, c.sender.as_str());
                    let (interface, member) = (c.interface.as_str(), c.member.as_str());
                    Some((time, sender, path, interface, member, c.args.clone()))
                })
                .collect();
            reply_with(&header, &(calls,))
        }
        "ClearCalls" => {
            expect(message, "")?;
            state.calls.clear();
            reply_with(&header, &())
        }
        other => Err(fdo::Error::UnknownMethod(format!("Mock has no method {other}")).into()),
    }
}

/// Adds `interface` (which a file declares) to the object at `object` (made if new), with
/// `properties` over its defaults, and queues `InterfacesAdded` where a manager is above it.
pub(crate) fn add_object(
    shared: &Shared,
    state: &mut State,
    object: &str,
    interface: &str,
    properties: HashMap<String, OwnedVariant>,
    emit: &mut Vec<Message>,
) -> Result<(), Failure> {
    zbus::ObjectPath::try_from(object)
        .map_err(|e| fdo::Error::InvalidArgs(format!("{object:?}: {e}")))?;
    let (_, declared) = shared.contracts.interface(interface).ok_or_else(|| {
        fdo::Error::InvalidArgs(format!("no file of the mock declares {interface}"))
    })?;
    let mut served = Served::of(declared);
    for (name, value) in properties {
        let declared = declared
            .properties
            .iter()
            .find(|p| p.name == name)
            .ok_or_else(|| {
                fdo::Error::InvalidArgs(format!("{interface} has no property {name}"))
            })?;
        super::properties::of_its_type(declared, &value)?;
        *served
            .property_mut(&name)
            .ok_or_else(|| fd_property(&name))? = value;
    }
    // Checked before the object is made: a refused call leaves no empty object behind.
    let served_now = state.objects.entry(object.to_owned()).or_default();
    if served_now.iter().any(|s| s.name == interface) {
        return Err(fdo::Error::InvalidArgs(format!("{object} has {interface} already")).into());
    }
    let added = interfaces_of(std::slice::from_ref(&served));
    served_now.push(served);
    if let Some(manager) = manager_above(state, object) {
        let path = OwnedObjectPath::try_from(object).expect("checked");
        let signal = Message::signal(
            manager,
            "org.freedesktop.DBus.ObjectManager",
            "InterfacesAdded",
        )
        .build(&(path, added))?;
        emit.push(signal);
    }
    Ok(())
}

/// Why a property that holds a file descriptor cannot be given a value.
pub(crate) fn fd_property(name: &str) -> Failure {
    fdo::Error::InvalidArgs(format!(
        "{name} holds a file descriptor, which a mock does not serve"
    ))
    .into()
}

/// Removes the object at `object`, and queues `InterfacesRemoved` where a manager is above it.
pub(crate) fn remove_object(
    state: &mut State,
    object: &str,
    emit: &mut Vec<Message>,
) -> Result<(), Failure> {
    let removed = state
        .objects
        .remove(object)
        .ok_or_else(|| fdo::Error::UnknownObject(format!("No object at {object}")))?;
    if let Some(manager) = manager_above(state, object) {
        let names: Vec<&str> = removed.iter().map(|s| s.name.as_str()).collect();
        let path = OwnedObjectPath::try_from(object).expect("an object's path");
        let signal = Message::signal(
            manager,
            "org.freedesktop.DBus.ObjectManager",
            "InterfacesRemoved",
        )
        .build(&(path, names))?;
        emit.push(signal);
    }
    Ok(())
}

/// The manager's path, where `object` is below it.
fn manager_above<'s>(state: &'s State, object: &str) -> Option<&'s str> {
    state
        .manager
        .as_deref()
        .filter(|manager| object.starts_with(&below(manager)) && object != *manager)
}

/// The signal `name` of `interface` from `path`, with `args`: declared, with its signature.
pub(crate) fn signal(
    shared: &Shared,
    path: &str,
    interface: &str,
    name: &str,
    signature: &str,
    args: Vec<OwnedVariant>,
) -> Result<Message, Failure> {
    let (_, declared) = shared.contracts.interface(interface).ok_or_else(|| {
        fdo::Error::InvalidArgs(format!("no file of the mock declares {interface}"))
    })?;
    let declared = declared
        .signals
        .iter()
        .find(|s| s.name == name)
        .ok_or_else(|| fdo::Error::InvalidArgs(format!("{interface} has no signal {name}")))?;
    let types: String = declared
        .args
        .iter()
        .map(|a| a.signature.to_string())
        .collect();
    let sent: String = args
        .iter()
        .map(|a| a.value_signature().to_string())
        .collect();
    if sent != types || (!signature.is_empty() && signature != types) {
        return Err(
            fdo::Error::InvalidArgs(format!("{name} carries ({types}), not ({sent})")).into(),
        );
    }
    Ok(with_values(Message::signal(path, interface, name), args)?)
}

/// Sets how a method of the object at `path` answers.
fn set_script(
    shared: &Shared,
    state: &mut State,
    path: &str,
    (interface, method, script): (String, String, Script),
) -> Result<(), Failure> {
    let (_, declared) = shared.contracts.interface(&interface).ok_or_else(|| {
        fdo::Error::InvalidArgs(format!("no file of the mock declares {interface}"))
    })?;
    let declared = declared
        .methods
        .iter()
        .find(|m| m.name == method)
        .ok_or_else(|| fdo::Error::InvalidArgs(format!("{interface} has no method {method}")))?;
    if let Script::Reply(values) = &script {
        let out = crate::wire::signature_of(&declared.args, crate::wire::Direction::Out);
        let sent: String = values
            .iter()
            .map(|v| v.value_signature().to_string())
            .collect();
        if sent != out {
            return Err(
                fdo::Error::InvalidArgs(format!("{method} returns ({out}), not ({sent})")).into(),
            );
        }
    }
    let served = state
        .served_mut(path, &interface)
        .ok_or_else(|| fdo::Error::UnknownInterface(format!("{path} has no {interface}")))?;
    served.scripts.insert(method, script);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_add_object_leaves_no_object_behind() {
        let xml = r#"<node><interface name="org.example.Shelf">
            <property name="Name" type="s" access="read"/>
        </interface></node>"#;
        let document = crate::Document::parse("shelf.xml", xml).unwrap();
        let shared = Shared {
            contracts: crate::contract::Contracts::new(vec![document]),
            state: Default::default(),
        };
        let mut state = State::default();
        let wrong = HashMap::from([("Name".to_owned(), OwnedVariant::from(7u32))]);
        let refused = add_object(
            &shared,
            &mut state,
            "/s",
            "org.example.Shelf",
            wrong,
            &mut Vec::new(),
        );
        assert_eq!(
            refused.unwrap_err().message,
            "Property 'Name' is of type s, not u"
        );
        assert!(state.objects.is_empty(), "{:?}", state.objects.keys());
    }
}
