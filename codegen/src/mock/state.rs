//! What a mock holds: its objects with their interfaces' property values and scripted
//! answers, where its ObjectManager is, and the log of calls it was sent.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde_json::Value as Json;
use zbus::OwnedVariant;

use super::MockError;
use super::values::{default_of, from_json, owned};
use crate::contract::Contracts;
use crate::docs::{DocTarget, MemberKind};
use crate::wire::Interface;

/// One interface of one object.
#[derive(Debug, Clone)]
pub(crate) struct Served {
    /// Its name.
    pub name: String,
    /// Its properties' values, in the order the file declares them.
    pub properties: Vec<(String, OwnedVariant)>,
    /// Answers set for its methods, by method name.
    pub scripts: HashMap<String, Script>,
}

/// How a method answers, where the values file or a control call says.
#[derive(Debug, Clone)]
pub(crate) enum Script {
    /// These out-values.
    Reply(Vec<OwnedVariant>),
    /// This error, with this message.
    Error { name: String, message: String },
}

/// A call that a mock was sent: of a declared method, by whom, with what.
#[derive(Debug, Clone)]
pub struct Call {
    /// When, in microseconds since the Unix epoch.
    pub time: u64,
    /// The caller's unique name.
    pub sender: String,
    /// The object called.
    pub path: String,
    /// The interface of the method.
    pub interface: String,
    /// The method.
    pub member: String,
    /// Its arguments.
    pub args: Vec<OwnedVariant>,
}

/// Everything a mock holds.
#[derive(Debug, Default)]
pub(crate) struct State {
    /// Its objects by path, each with its interfaces in the order they were declared.
    pub objects: BTreeMap<String, Vec<Served>>,
    /// Where it serves org.freedesktop.DBus.ObjectManager, if anywhere.
    pub manager: Option<String>,
    /// The calls of declared methods it was sent, in order.
    pub calls: Vec<Call>,
}

impl Served {
    /// `interface` with every property at its type's default; a property that holds a file
    /// descriptor, which a mock cannot make up, is left out (as `GetAll` leaves out a
    /// generated server's property without a value).
    pub(crate) fn of(interface: &Interface) -> Self {
        Self {
            name: interface.name.clone(),
            properties: interface
                .properties
                .iter()
                .filter(|p| !crate::types::holds_fd(&p.signature))
                .map(|p| (p.name.clone(), owned(default_of(&p.signature))))
                .collect(),
            scripts: HashMap::new(),
        }
    }

    /// The value of the property `name`.
    pub(crate) fn property_mut(&mut self, name: &str) -> Option<&mut OwnedVariant> {
        self.properties
            .iter_mut()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }
}

impl State {
    /// The interface `name` of the object at `path`.
    pub(crate) fn served_mut(&mut self, path: &str, name: &str) -> Option<&mut Served> {
        self.objects
            .get_mut(path)?
            .iter_mut()
            .find(|s| s.name == name)
    }

    /// Reads a values file's text: `{PATH: {INTERFACE: {"properties": {NAME: VALUE}, "methods":
    /// {NAME: {"reply": [VALUE…]} | {"error": NAME, "message": TEXT}}}}}`, each value typed by
    /// the XML. An object not yet there is added with the interfaces named.
    pub(crate) fn apply_values(
        &mut self,
        contracts: &Contracts,
        json: &str,
        origin: &Path,
    ) -> Result<(), MockError> {
        let at = |place: String, message: String| MockError::Values {
            file: origin.to_owned(),
            place,
            message,
        };
        let root: Json =
            serde_json::from_str(json).map_err(|e| at(String::new(), e.to_string()))?;
        let objects = root
            .as_object()
            .ok_or_else(|| at(String::new(), "not an object of object paths".into()))?;
        for (path, interfaces) in objects {
            zbus::ObjectPath::try_from(path.as_str())
                .map_err(|e| at(path.clone(), format!("not an object path: {e}")))?;
            let interfaces = interfaces
                .as_object()
                .ok_or_else(|| at(path.clone(), "not an object of interfaces".into()))?;
            for (name, settings) in interfaces {
                let place = format!("{path} {name}");
                let (document, declared) = contracts
                    .interface(name)
                    .ok_or_else(|| at(place.clone(), "no file declares this interface".into()))?;
                let object = self.objects.entry(path.clone()).or_default();
                if !object.iter().any(|s| s.name == *name) {
                    object.push(Served::of(declared));
                }
                let served = self.served_mut(path, name).expect("just added");
                let settings = settings
                    .as_object()
                    .ok_or_else(|| at(place.clone(), "not an object".into()))?;
                for (key, value) in settings {
                    match key.as_str() {
                        "properties" => {
                            let values = value.as_object().ok_or_else(|| {
                                at(place.clone(), "properties: not an object".into())
                            })?;
                            for (property, json) in values {
                                let place = format!("{place} properties {property}");
                                let Some(declared) =
                                    declared.properties.iter().find(|p| &p.name == property)
                                else {
                                    return Err(at(
                                        place,
                                        "the interface has no such property".into(),
                                    ));
                                };
                                let target =
                                    DocTarget::member(name, MemberKind::Property, property);
                                let value = from_json(json, &declared.signature).map_err(|e| {
                                    at(
                                        place.clone(),
                                        format!("{e} ({} declares it)", document.location(&target)),
                                    )
                                })?;
                                let Some(slot) = served.property_mut(property) else {
                                    let why =
                                        "it holds a file descriptor, which a mock does not serve";
                                    return Err(at(place, why.into()));
                                };
                                *slot = owned(value);
                            }
                        }
                        "methods" => {
                            let scripts = value.as_object().ok_or_else(|| {
                                at(place.clone(), "methods: not an object".into())
                            })?;
                            for (method, script) in scripts {
                                let place = format!("{place} methods {method}");
                                let Some(declared) =
                                    declared.methods.iter().find(|m| &m.name == method)
                                else {
                                    return Err(at(
                                        place,
                                        "the interface has no such method".into(),
                                    ));
                                };
                                let script = Script::from_json(script, declared)
                                    .map_err(|message| at(place, message))?;
                                served.scripts.insert(method.clone(), script);
                            }
                        }
                        other => {
                            return Err(at(
                                place,
                                format!("{other:?}: neither \"properties\" nor \"methods\""),
                            ));
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

impl Script {
    /// A script from the values file: `{"reply": [VALUE…]}` (the out-arguments, typed by the
    /// method) or `{"error": NAME, "message": TEXT}`.
    fn from_json(json: &Json, method: &crate::wire::Method) -> Result<Self, String> {
        if let Some(name) = json.get("error").and_then(Json::as_str) {
            zbus::names::ErrorName::try_from(name).map_err(|e| format!("error {name:?}: {e}"))?;
            let message = json
                .get("message")
                .and_then(Json::as_str)
                .unwrap_or_default();
            return Ok(Self::Error {
                name: name.to_owned(),
                message: message.to_owned(),
            });
        }
        let outputs: Vec<_> = method.outputs().collect();
        let reply = json
            .get("reply")
            .and_then(Json::as_array)
            .filter(|values| values.len() == outputs.len())
            .ok_or_else(|| {
                format!(
                    "give {{\"reply\": [{} value(s)]}} or {{\"error\": NAME, \"message\": TEXT}}",
                    outputs.len()
                )
            })?;
        let values = reply
            .iter()
            .zip(outputs)
            .enumerate()
            .map(|(i, (json, arg))| {
                from_json(json, &arg.signature)
                    .map(owned)
                    .map_err(|e| format!("reply value {i}: {e}"))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self::Reply(values))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_property_that_holds_a_file_descriptor_is_not_served_nor_set() {
        let xml = r#"<node><interface name="org.example.Fds">
            <property name="Handle" type="h" access="read"/>
            <property name="Handles" type="a{sh}" access="read"/>
            <property name="Name" type="s" access="read"/>
        </interface></node>"#;
        let document = crate::Document::parse("fds.xml", xml).unwrap();
        let served = Served::of(&document.root().interfaces[0]);
        let names: Vec<&str> = served.properties.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["Name"]);
        let contracts = Contracts::new(vec![document]);
        let json = r#"{"/a": {"org.example.Fds": {"properties": {"Handles": {}}}}}"#;
        let refused = State::default()
            .apply_values(&contracts, json, Path::new("values.json"))
            .unwrap_err();
        assert_eq!(
            refused.to_string(),
            "values.json: /a org.example.Fds properties Handles: it holds a file descriptor, \
             which a mock does not serve"
        );
    }
}
