//! What interface files promise about traffic, message by message: a call names a declared
//! member with its in-signature, a reply has the out-signature, a signal is declared with its
//! types, and property values (`Get`, `GetAll`, `PropertiesChanged`, `InterfacesAdded`,
//! `GetManagedObjects`) are declared, typed and announced as `EmitsChangedSignal` says.
//!
//! [`crate::monitor`] feeds it what a bus carries; each broken promise is a [`Violation`] that
//! points at the line of the file that made it.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use zbus::message::Message;
use zbus::{OwnedObjectPath, OwnedVariant};

use crate::docs::{DocTarget, MemberKind};
use crate::wire::{Interface, Property};
use crate::{Document, EmitsChanged, Error, Location};

const PROPERTIES: &str = "org.freedesktop.DBus.Properties";
const OBJECT_MANAGER: &str = "org.freedesktop.DBus.ObjectManager";

/// One message that broke what a file declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The unique name of the message's sender.
    pub sender: String,
    /// The message's serial number (its sender's).
    pub serial: u32,
    /// What the message is: `call org.example.Thing.Frob`, `reply to …`, `signal …`.
    pub message: String,
    /// What it broke.
    pub what: String,
    /// Where the file declares what was broken.
    pub declared: Location,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self {
            sender,
            serial,
            message,
            what,
            declared,
        } = self;
        write!(f, "{declared}: {sender} #{serial} {message}: {what}")
    }
}

/// What the reply to a checked call must hold.
#[derive(Debug, Clone)]
pub(crate) struct Expected {
    /// The call, as violations name it.
    call: String,
    /// Where its file declares what the call used.
    declared: Location,
    /// The reply's shape.
    reply: Reply,
}

#[derive(Debug, Clone)]
enum Reply {
    /// A method's out-arguments, run together.
    Signature(String),
    /// `Properties.Get`: one value of this type.
    Value(String),
    /// `Properties.Set`: nothing.
    Nothing,
    /// `Properties.GetAll` of this interface.
    Properties(String),
    /// `ObjectManager.GetManagedObjects`.
    ManagedObjects,
}

/// The interfaces of a set of files, by name, each with the file that declares it (the first
/// file, where several do).
pub struct Contracts {
    documents: Vec<Document>,
    /// Interface name → its document's index and its declaration (a copy, made once, so that
    /// no message walks a document's nodes again).
    index: HashMap<String, (usize, Interface)>,
}

impl Contracts {
    /// The contracts of `documents`.
    pub fn new(documents: Vec<Document>) -> Self {
        let mut index = HashMap::new();
        for (d, document) in documents.iter().enumerate() {
            for interface in document.root().all_interfaces() {
                index
                    .entry(interface.name.clone())
                    .or_insert_with(|| (d, interface.clone()));
            }
        }
        Self { documents, index }
    }

    /// The contracts of the files at `paths`.
    pub fn read(paths: impl IntoIterator<Item = impl AsRef<Path>>) -> Result<Self, Error> {
        let documents = paths
            .into_iter()
            .map(Document::read)
            .collect::<Result<_, _>>()?;
        Ok(Self::new(documents))
    }

    /// Whether a file declares the interface `name`.
    pub fn declares(&self, name: &str) -> bool {
        self.index.contains_key(name)
    }

    /// The declaration of the interface `name`, with its document.
    pub(crate) fn interface(&self, name: &str) -> Option<(&Document, &Interface)> {
        let (d, interface) = self.index.get(name)?;
        Some((&self.documents[*d], interface))
    }

    /// The one declared interface that has a method `member`, for a call that names no
    /// interface.
    pub(crate) fn interface_of_method(&self, member: &str) -> Option<String> {
        let mut having = self.index.keys().filter(|name| {
            self.interface(name)
                .is_some_and(|(_, i)| i.methods.iter().any(|m| m.name == member))
        });
        match (having.next(), having.next()) {
            (Some(only), None) => Some(only.clone()),
            _ => None,
        }
    }

    /// Checks the method call `message` (to `interface`, resolved already); returns what its
    /// reply must hold, where it can be known.
    pub(crate) fn call(
        &self,
        message: &Message,
        interface: &str,
        out: &mut Vec<Violation>,
    ) -> Option<Expected> {
        let header = message.header();
        let member = header.member()?.as_str();
        let body = message.body();
        match (interface, member) {
            (PROPERTIES, "Get") => {
                let (name, property): (String, String) = body.deserialize().ok()?;
                let (document, _, declared) = self.property(message, &name, &property, out)?;
                Some(Expected {
                    call: format!("Get {name}.{property}"),
                    declared: declared_at(document, &name, MemberKind::Property, &property),
                    reply: Reply::Value(declared.signature.to_string()),
                })
            }
            (PROPERTIES, "Set") => {
                let (name, property, value): (String, String, OwnedVariant) =
                    body.deserialize().ok()?;
                let (document, _, declared) = self.property(message, &name, &property, out)?;
                let location = declared_at(document, &name, MemberKind::Property, &property);
                let what = Describe::of(message, format!("call Set {name}.{property}"));
                if !declared.access.write() {
                    out.push(what.violation("the property is read-only", &location));
                }
                if let Some(wrong) = wrong_type(&value, declared) {
                    out.push(what.violation(wrong, &location));
                }
                Some(Expected {
                    call: format!("Set {name}.{property}"),
                    declared: location,
                    reply: Reply::Nothing,
                })
            }
            (PROPERTIES, "GetAll") => {
                let name: String = body.deserialize().ok()?;
                let (document, _) = self.interface(&name)?;
                Some(Expected {
                    call: format!("GetAll {name}"),
                    declared: document.location(&DocTarget::interface(&name)),
                    reply: Reply::Properties(name),
                })
            }
            (OBJECT_MANAGER, "GetManagedObjects") => Some(Expected {
                call: "GetManagedObjects".to_owned(),
                // The objects' interfaces are checked one by one, each against its file.
                declared: self.documents.first()?.location(&DocTarget::interface("")),
                reply: Reply::ManagedObjects,
            }),
            _ => self.method_call(message, interface, member, out),
        }
    }

    /// Checks a call of a method of a declared interface.
    fn method_call(
        &self,
        message: &Message,
        interface: &str,
        member: &str,
        out: &mut Vec<Violation>,
    ) -> Option<Expected> {
        let (document, declared) = self.interface(interface)?;
        let call = format!("{interface}.{member}");
        let what = Describe::of(message, format!("call {call}"));
        let location = declared_at(document, interface, MemberKind::Method, member);
        let sent = message.body().signature().to_string_no_parens();
        let method = match method_called(declared, member, &sent) {
            Ok(method) => method,
            Err(declared) if declared.is_empty() => {
                let wrong = format!("{interface} has no method {member}");
                out.push(what.violation(wrong, &location));
                return None;
            }
            Err(declared) => {
                let declared: Vec<String> = declared.iter().map(|s| format!("({s})")).collect();
                let wrong = format!(
                    "arguments ({sent}), where the file declares {}",
                    declared.join(" or ")
                );
                out.push(what.violation(wrong, &location));
                return None;
            }
        };
        Some(Expected {
            call,
            declared: location,
            reply: Reply::Signature(crate::wire::signature_of(
                &method.args,
                crate::wire::Direction::Out,
            )),
        })
    }

    /// The declared property `property` of the declared interface `interface`; an undeclared
    /// property of a declared interface is a violation.
    fn property(
        &self,
        message: &Message,
        interface: &str,
        property: &str,
        out: &mut Vec<Violation>,
    ) -> Option<(&Document, &Interface, &Property)> {
        let (document, declared) = self.interface(interface)?;
        match declared.properties.iter().find(|p| p.name == property) {
            Some(found) => Some((document, declared, found)),
            None => {
                let member = message.header().member().map(|m| m.to_string());
                let what = Describe::of(
                    message,
                    format!("call {} {interface}.{property}", member.unwrap_or_default()),
                );
                out.push(what.violation(
                    format!("{interface} has no property {property}"),
                    &document.location(&DocTarget::interface(interface)),
                ));
                None
            }
        }
    }

    /// Checks the reply (or error) `message` to a call that expected `expected`.
    pub(crate) fn reply(&self, message: &Message, expected: &Expected, out: &mut Vec<Violation>) {
        let header = message.header();
        let call = &expected.call;
        if let Some(error) = header.error_name() {
            let what = Describe::of(message, format!("error reply to {call}"));
            let body = message.body().signature().to_string_no_parens();
            if !(body.is_empty() || body.starts_with('s')) {
                out.push(what.violation(
                    format!("{error} carries ({body}), not a message string first"),
                    &expected.declared,
                ));
            }
            let unknown = ["UnknownMethod", "UnknownProperty"]
                .map(|e| format!("org.freedesktop.DBus.Error.{e}"));
            if unknown.contains(&error.to_string()) && !matches!(expected.reply, Reply::Nothing) {
                out.push(what.violation(
                    format!("{error}, for what the file declares"),
                    &expected.declared,
                ));
            }
            return;
        }
        let what = Describe::of(message, format!("reply to {call}"));
        let body = message.body();
        let sent = body.signature().to_string_no_parens();
        match &expected.reply {
            Reply::Signature(declared) => {
                if sent != *declared {
                    out.push(what.violation(
                        format!("returns ({sent}), where the file declares ({declared})"),
                        &expected.declared,
                    ));
                }
            }
            Reply::Value(declared) => match body.deserialize::<OwnedVariant>() {
                Ok(value) if value.value_signature().to_string() != *declared => {
                    out.push(what.violation(
                        format!(
                            "a value of type {}, where the file declares {declared}",
                            value.value_signature()
                        ),
                        &expected.declared,
                    ));
                }
                Ok(_) => {}
                Err(_) => out.push(what.violation(
                    format!("returns ({sent}), not a variant"),
                    &expected.declared,
                )),
            },
            Reply::Nothing => {}
            Reply::Properties(interface) => {
                match body.deserialize::<HashMap<String, OwnedVariant>>() {
                    Ok(values) => self.values(&what, interface, &values, out),
                    Err(_) => {
                        out.push(what.violation(
                            format!("returns ({sent}), not a{{sv}}"),
                            &expected.declared,
                        ))
                    }
                }
            }
            Reply::ManagedObjects => {
                if let Ok(objects) = body.deserialize::<ManagedObjects>() {
                    for interfaces in objects.values() {
                        self.interfaces(&what, interfaces, out);
                    }
                }
            }
        }
    }

    /// Checks the signal `message`.
    pub(crate) fn signal(&self, message: &Message, out: &mut Vec<Violation>) {
        let header = message.header();
        let (Some(interface), Some(member)) = (header.interface(), header.member()) else {
            return;
        };
        let (interface, member) = (interface.as_str(), member.as_str());
        let body = message.body();
        match (interface, member) {
            (PROPERTIES, "PropertiesChanged") => {
                let Ok((name, changed, invalidated)) =
                    body.deserialize::<(String, HashMap<String, OwnedVariant>, Vec<String>)>()
                else {
                    return;
                };
                let what = Describe::of(message, format!("signal PropertiesChanged {name}"));
                self.changed(&what, &name, &changed, &invalidated, out);
            }
            (OBJECT_MANAGER, "InterfacesAdded") => {
                if let Ok((_, interfaces)) =
                    body.deserialize::<(OwnedObjectPath, HashMap<String, Properties>)>()
                {
                    let what = Describe::of(message, "signal InterfacesAdded".to_owned());
                    self.interfaces(&what, &interfaces, out);
                }
            }
            _ => {
                let Some((document, declared)) = self.interface(interface) else {
                    return;
                };
                let what = Describe::of(message, format!("signal {interface}.{member}"));
                let location = declared_at(document, interface, MemberKind::Signal, member);
                let sent = body.signature().to_string_no_parens();
                match declared.signals.iter().find(|s| s.name == member) {
                    None => out.push(
                        what.violation(format!("{interface} has no signal {member}"), &location),
                    ),
                    Some(signal) => {
                        let types: String = signal
                            .args
                            .iter()
                            .map(|a| a.signature.to_string())
                            .collect();
                        if types != sent {
                            out.push(what.violation(
                                format!("arguments ({sent}), where the file declares ({types})"),
                                &location,
                            ));
                        }
                    }
                }
            }
        }
    }

    /// Checks a `PropertiesChanged` of the interface `name`.
    fn changed(
        &self,
        what: &Describe,
        name: &str,
        changed: &HashMap<String, OwnedVariant>,
        invalidated: &[String],
        out: &mut Vec<Violation>,
    ) {
        let Some((document, _)) = self.interface(name) else {
            return;
        };
        self.values(what, name, changed, out);
        let mut names: Vec<(&String, bool)> = changed.keys().map(|p| (p, true)).collect();
        names.sort();
        names.extend(invalidated.iter().map(|p| (p, false)));
        for (property, with_value) in names {
            let Some((_, _, declared)) = self.declared_property(name, property) else {
                continue;
            };
            let location = declared_at(document, name, MemberKind::Property, property);
            let emits = declared.emits().unwrap_or(EmitsChanged::True);
            let wrong = match (emits, with_value) {
                (EmitsChanged::Const | EmitsChanged::False, _) => Some(format!(
                    "announces {property} as changed, whose EmitsChangedSignal is {}",
                    declared.emits_changed
                )),
                (EmitsChanged::Invalidates, true) => Some(format!(
                    "carries the value of {property}, whose EmitsChangedSignal is invalidates \
                     (its name belongs in the invalidated list)"
                )),
                (EmitsChanged::True, false) => Some(format!(
                    "invalidates {property} without its value, whose EmitsChangedSignal is true"
                )),
                _ => None,
            };
            if let Some(wrong) = wrong {
                out.push(what.violation(wrong, &location));
            }
        }
    }

    /// Checks an object's interfaces with their properties (`InterfacesAdded`,
    /// `GetManagedObjects`): those the files declare.
    fn interfaces(
        &self,
        what: &Describe,
        interfaces: &HashMap<String, Properties>,
        out: &mut Vec<Violation>,
    ) {
        let mut names: Vec<&String> = interfaces.keys().collect();
        names.sort();
        for name in names {
            self.values(what, name, &interfaces[name], out);
        }
    }

    /// Checks property values said to be of the interface `name`, if a file declares it:
    /// each declared, of its declared type.
    fn values(
        &self,
        what: &Describe,
        name: &str,
        values: &HashMap<String, OwnedVariant>,
        out: &mut Vec<Violation>,
    ) {
        let Some((document, _)) = self.interface(name) else {
            return;
        };
        let mut properties: Vec<&String> = values.keys().collect();
        properties.sort();
        for property in properties {
            match self.declared_property(name, property) {
                None => out.push(what.violation(
                    format!("{name} has no property {property}"),
                    &document.location(&DocTarget::interface(name)),
                )),
                Some((_, _, declared)) => {
                    if let Some(wrong) = wrong_type(&values[property], declared) {
                        out.push(what.violation(
                            format!("{property}: {wrong}"),
                            &declared_at(document, name, MemberKind::Property, property),
                        ));
                    }
                }
            }
        }
    }

    /// The declared property `property` of `interface`, if a file declares both.
    pub(crate) fn declared_property(
        &self,
        interface: &str,
        property: &str,
    ) -> Option<(&Document, &Interface, &Property)> {
        let (document, declared) = self.interface(interface)?;
        let found = declared.properties.iter().find(|p| p.name == property)?;
        Some((document, declared, found))
    }
}

/// The method `member` of `interface` that a call with arguments of signature `sent` calls
/// (one of its overloads, where it has several); else the in-signatures declared for
/// `member`, none where `interface` has no such method.
pub(crate) fn method_called<'i>(
    interface: &'i Interface,
    member: &str,
    sent: &str,
) -> Result<&'i crate::wire::Method, Vec<String>> {
    let overloads = interface.methods.iter().filter(|m| m.name == member);
    let mut declared = Vec::new();
    for method in overloads {
        let in_signature = method.in_signature();
        if in_signature == sent {
            return Ok(method);
        }
        declared.push(in_signature);
    }
    Err(declared)
}

/// An object's interfaces and their properties, as `GetManagedObjects` answers.
type ManagedObjects = HashMap<OwnedObjectPath, HashMap<String, Properties>>;
/// An interface's properties by name.
type Properties = HashMap<String, OwnedVariant>;

/// Where `document` declares the member `member` of `interface`.
fn declared_at(document: &Document, interface: &str, kind: MemberKind, member: &str) -> Location {
    document.location(&DocTarget::member(interface, kind, member))
}

/// What is wrong with `value` as the value of `declared`, if anything.
fn wrong_type(value: &OwnedVariant, declared: &Property) -> Option<String> {
    let sent = value.value_signature();
    (*sent != declared.signature).then(|| {
        format!(
            "a value of type {sent}, where the file declares {}",
            declared.signature
        )
    })
}

/// The message that violations of one check name.
struct Describe {
    sender: String,
    serial: u32,
    message: String,
}

impl Describe {
    fn of(message: &Message, what: String) -> Self {
        let header = message.header();
        Self {
            sender: header.sender().map(|s| s.to_string()).unwrap_or_default(),
            serial: header.primary().serial_num().get(),
            message: what,
        }
    }

    fn violation(&self, what: impl Into<String>, declared: &Location) -> Violation {
        Violation {
            sender: self.sender.clone(),
            serial: self.serial,
            message: self.message.clone(),
            what: what.into(),
            declared: declared.clone(),
        }
    }
}
