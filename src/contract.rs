//! The contract check: does a live object still match its introspection XML?
//!
//! [`compare`] sets the interfaces that the XML declares beside those that the object's
//! `Introspect()` reports, and classes every difference: **breaking** where a client written
//! against the XML can fail (a missing or renamed member, a changed signature or direction, a
//! property's access narrowed or type changed), **compatible** where it cannot (an added member,
//! a renamed argument, an annotation added, dropped or changed, a property's access widened).
//! The standard interfaces that bus libraries add to every object are recognised by name and
//! listed apart; they are compared like any other only where the XML declares them.

use std::fmt;

use zbus_xml::{Annotation, Arg, ArgDirection, Interface, Node, PropertyAccess};

/// Interfaces that bus libraries (zbus, GDBus, dbus-python, sd-bus) add to every object.
pub const STANDARD_INTERFACES: &[&str] = &[
    "org.freedesktop.DBus.Introspectable",
    "org.freedesktop.DBus.Peer",
    "org.freedesktop.DBus.Properties",
    "org.freedesktop.DBus.ObjectManager",
];

/// How much a difference matters to a client written against the XML.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Class {
    /// Such a client can fail.
    Breaking,
    /// Such a client keeps working.
    Compatible,
}

/// One way the live object differs from the XML.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Difference {
    /// How much it matters.
    pub class: Class,
    /// Where: the interface and, where there is one, the member (`method quick`).
    pub place: String,
    /// What differs.
    pub what: String,
}

/// All differences between a live object and its XML.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// The differences, breaking first.
    pub differences: Vec<Difference>,
    /// Standard interfaces the object has and the XML does not declare.
    pub standard_interfaces: Vec<String>,
}

impl Report {
    /// Whether any difference is breaking.
    pub fn is_breaking(&self) -> bool {
        self.differences.iter().any(|d| d.class == Class::Breaking)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for difference in &self.differences {
            let class = match difference.class {
                Class::Breaking => "breaking",
                Class::Compatible => "compatible",
            };
            writeln!(f, "{class}: {}: {}", difference.place, difference.what)?;
        }
        if !self.standard_interfaces.is_empty() {
            writeln!(
                f,
                "standard interfaces (added by the bus library): {}",
                self.standard_interfaces.join(", ")
            )?;
        }
        let breaking = self
            .differences
            .iter()
            .filter(|d| d.class == Class::Breaking)
            .count();
        let compatible = self.differences.len() - breaking;
        if self.differences.is_empty() {
            write!(f, "the object matches the XML")
        } else {
            write!(f, "{breaking} breaking, {compatible} compatible")
        }
    }
}

/// Compares the interfaces that `declared` (the XML's root node) holds with those of `live`.
pub fn compare(declared: &Node<'_>, live: &Node<'_>) -> Report {
    let mut report = Report::default();
    for interface in declared.interfaces() {
        let place = format!("interface {}", interface.name());
        match live
            .interfaces()
            .iter()
            .find(|i| i.name() == interface.name())
        {
            Some(live_interface) => {
                Members::new(&mut report, &place).interface(interface, live_interface)
            }
            None => report.differences.push(Difference {
                class: Class::Breaking,
                place,
                what: "missing".into(),
            }),
        }
    }
    for interface in live.interfaces() {
        let name = interface.name().to_string();
        if declared
            .interfaces()
            .iter()
            .any(|i| i.name() == interface.name())
        {
            continue;
        }
        if STANDARD_INTERFACES.contains(&name.as_str()) {
            report.standard_interfaces.push(name);
        } else {
            report.differences.push(Difference {
                class: Class::Compatible,
                place: format!("interface {name}"),
                what: "added".into(),
            });
        }
    }
    report.differences.sort();
    report
}

/// A member reduced to what the comparison needs.
struct Member {
    kind: &'static str,
    name: String,
    /// Argument types with their direction (`in i`, `out s`), or the property's type.
    signature: String,
    args: Vec<Option<String>>,
    access: Option<PropertyAccess>,
    annotations: Vec<(String, String)>,
}

fn annotations<'a>(
    annotations: impl IntoIterator<Item = &'a Annotation<'a>>,
) -> Vec<(String, String)> {
    annotations
        .into_iter()
        .map(|a| (a.name().to_owned(), a.value().to_owned()))
        .collect()
}

fn signature_of(args: &[Arg<'_>], method: bool) -> String {
    let typed: Vec<String> = args
        .iter()
        .map(|arg| {
            let direction = match (arg.direction(), method) {
                (Some(ArgDirection::Out), _) | (None, false) => "out",
                _ => "in",
            };
            format!("{direction} {}", arg.ty())
        })
        .collect();
    format!("({})", typed.join(", "))
}

impl Member {
    /// A method (`method` true) or a signal, from its name, arguments and annotations.
    fn with_args(method: bool, name: String, args: &[Arg<'_>], notes: &[Annotation<'_>]) -> Self {
        Member {
            kind: if method { "method" } else { "signal" },
            name,
            signature: signature_of(args, method),
            args: args.iter().map(|a| a.name().map(str::to_owned)).collect(),
            access: None,
            annotations: annotations(notes),
        }
    }
}

fn members(interface: &Interface<'_>) -> Vec<Member> {
    let methods = interface
        .methods()
        .map(|m| Member::with_args(true, m.name().to_string(), m.args(), m.annotations()));
    let signals = interface
        .signals()
        .map(|s| Member::with_args(false, s.name().to_string(), s.args(), s.annotations()));
    let properties = interface.properties().map(|p| Member {
        kind: "property",
        name: p.name().to_string(),
        signature: p.ty().to_string(),
        args: Vec::new(),
        access: Some(p.access()),
        annotations: annotations(p.annotations()),
    });
    methods.chain(signals).chain(properties).collect()
}

fn access_name(access: PropertyAccess) -> &'static str {
    match access {
        PropertyAccess::Read => "read",
        PropertyAccess::Write => "write",
        PropertyAccess::ReadWrite => "readwrite",
    }
}

/// Collects the differences inside one interface.
struct Members<'r> {
    report: &'r mut Report,
    interface_place: &'r str,
}

impl<'r> Members<'r> {
    fn new(report: &'r mut Report, interface_place: &'r str) -> Self {
        Self {
            report,
            interface_place,
        }
    }

    fn push(&mut self, class: Class, member: Option<&Member>, what: String) {
        let place = match member {
            Some(m) => format!("{}, {} {}", self.interface_place, m.kind, m.name),
            None => self.interface_place.to_owned(),
        };
        self.report
            .differences
            .push(Difference { class, place, what });
    }

    fn interface(&mut self, declared: &Interface<'_>, live: &Interface<'_>) {
        self.annotations(
            None,
            &annotations(declared.annotations()),
            &annotations(live.annotations()),
        );
        let declared = members(declared);
        let live = members(live);
        let is_in = |m: &Member, others: &[Member]| {
            others.iter().any(|o| o.kind == m.kind && o.name == m.name)
        };
        let added: Vec<&Member> = live.iter().filter(|m| !is_in(m, &declared)).collect();
        let mut renamed_to = Vec::new();
        for member in &declared {
            match live
                .iter()
                .find(|o| o.kind == member.kind && o.name == member.name)
            {
                Some(live_member) => self.member(member, live_member),
                None => {
                    // A missing member whose signature only one added member has: renamed.
                    let candidates: Vec<&&Member> = added
                        .iter()
                        .filter(|a| a.kind == member.kind && a.signature == member.signature)
                        .collect();
                    let what = match candidates.as_slice() {
                        [only] => {
                            renamed_to.push(only.name.clone());
                            format!("renamed to `{}`", only.name)
                        }
                        _ => "missing".to_owned(),
                    };
                    self.push(Class::Breaking, Some(member), what);
                }
            }
        }
        for member in added {
            if !renamed_to.contains(&member.name) {
                self.push(Class::Compatible, Some(member), "added".into());
            }
        }
    }

    fn member(&mut self, declared: &Member, live: &Member) {
        if declared.signature != live.signature {
            let what = format!(
                "signature changed from {} to {}",
                declared.signature, live.signature
            );
            self.push(Class::Breaking, Some(declared), what);
        } else {
            for (position, (was, is)) in declared.args.iter().zip(&live.args).enumerate() {
                if was != is {
                    let name = |n: &Option<String>| {
                        n.as_deref()
                            .map_or("(unnamed)".to_owned(), |n| format!("`{n}`"))
                    };
                    let what = format!(
                        "argument {} renamed from {} to {}",
                        position + 1,
                        name(was),
                        name(is)
                    );
                    self.push(Class::Compatible, Some(declared), what);
                }
            }
        }
        if let (Some(was), Some(is)) = (declared.access, live.access)
            && was != is
        {
            let narrowed = (was.read() && !is.read()) || (was.write() && !is.write());
            let class = if narrowed {
                Class::Breaking
            } else {
                Class::Compatible
            };
            let what = format!(
                "access {} from {} to {}",
                if narrowed { "narrowed" } else { "widened" },
                access_name(was),
                access_name(is)
            );
            self.push(class, Some(declared), what);
        }
        self.annotations(Some(declared), &declared.annotations, &live.annotations);
    }

    fn annotations(
        &mut self,
        member: Option<&Member>,
        declared: &[(String, String)],
        live: &[(String, String)],
    ) {
        for (name, value) in declared {
            let what = match live.iter().find(|(n, _)| n == name) {
                None => format!("annotation {name} dropped"),
                Some((_, live_value)) if live_value != value => {
                    format!("annotation {name} changed from \"{value}\" to \"{live_value}\"")
                }
                Some(_) => continue,
            };
            self.push(Class::Compatible, member, what);
        }
        for (name, value) in live {
            if !declared.iter().any(|(n, _)| n == name) {
                self.push(
                    Class::Compatible,
                    member,
                    format!("annotation {name}=\"{value}\" added"),
                );
            }
        }
    }
}

/// Why the check could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ContractError {
    /// The XML file could not be read or parsed.
    #[error("{path}: {message}")]
    Xml {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// The object could not be introspected.
    #[error("cannot introspect {destination} {path}: {source}")]
    Introspect {
        /// The bus name asked.
        destination: String,
        /// The object path asked.
        path: String,
        /// Why.
        source: zbus::Error,
    },
    /// The object's answer is not introspection XML.
    #[error("the introspection of {destination} {path} does not parse: {message}")]
    LiveXml {
        /// The bus name asked.
        destination: String,
        /// The object path asked.
        path: String,
        /// What is wrong.
        message: String,
    },
}

/// Introspects the object `path` of `destination` on `connection` and compares it with the
/// XML file at `xml_path`.
pub async fn check(
    connection: &zbus::Connection,
    destination: &str,
    path: &str,
    xml_path: &std::path::Path,
) -> Result<Report, ContractError> {
    let xml_error = |message: String| ContractError::Xml {
        path: xml_path.display().to_string(),
        message,
    };
    let xml = std::fs::read_to_string(xml_path).map_err(|e| xml_error(e.to_string()))?;
    let declared = Node::from_reader(xml.as_bytes()).map_err(|e| xml_error(e.to_string()))?;
    let introspect_error = |source: zbus::Error| ContractError::Introspect {
        destination: destination.to_owned(),
        path: path.to_owned(),
        source,
    };
    let introspectable = zbus::fdo::IntrospectableProxy::builder(connection)
        .destination(destination.to_owned())
        .path(path.to_owned())
        .build()
        .await
        .map_err(introspect_error)?;
    let live_xml = introspectable
        .introspect()
        .await
        .map_err(|e| introspect_error(e.into()))?;
    let live = Node::from_reader(live_xml.as_bytes()).map_err(|e| ContractError::LiveXml {
        destination: destination.to_owned(),
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    Ok(compare(&declared, &live))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(interface_body: &str) -> Node<'static> {
        let xml = format!("<node><interface name=\"a.B\">{interface_body}</interface></node>");
        Node::from_reader(xml.as_bytes()).unwrap()
    }

    fn differences(declared: &str, live: &str) -> Vec<(Class, String)> {
        compare(&node(declared), &node(live))
            .differences
            .into_iter()
            .map(|d| (d.class, d.what))
            .collect()
    }

    #[test]
    fn identical_interfaces_match() {
        let body = r#"<method name="m"><arg name="x" type="i"/></method>"#;
        assert_eq!(differences(body, body), []);
    }

    #[test]
    fn a_changed_direction_is_breaking() {
        assert_eq!(
            differences(
                r#"<method name="m"><arg type="i" direction="in"/></method>"#,
                r#"<method name="m"><arg type="i" direction="out"/></method>"#
            ),
            [(
                Class::Breaking,
                "signature changed from (in i) to (out i)".to_owned()
            )]
        );
    }

    #[test]
    fn property_access_narrowed_is_breaking_and_widened_is_not() {
        let rw = r#"<property name="P" type="s" access="readwrite"/>"#;
        let r = r#"<property name="P" type="s" access="read"/>"#;
        assert_eq!(
            differences(rw, r),
            [(
                Class::Breaking,
                "access narrowed from readwrite to read".to_owned()
            )]
        );
        assert_eq!(
            differences(r, rw),
            [(
                Class::Compatible,
                "access widened from read to readwrite".to_owned()
            )]
        );
    }

    #[test]
    fn a_dropped_annotation_is_compatible() {
        assert_eq!(
            differences(
                r#"<method name="m"><annotation name="org.freedesktop.DBus.Deprecated" value="true"/></method>"#,
                r#"<method name="m"/>"#
            ),
            [(
                Class::Compatible,
                "annotation org.freedesktop.DBus.Deprecated dropped".to_owned()
            )]
        );
    }

    #[test]
    fn a_missing_interface_is_breaking_and_standard_ones_are_listed_apart() {
        let declared = Node::from_reader(&b"<node><interface name=\"a.B\"/></node>"[..]).unwrap();
        let live = Node::from_reader(
            &b"<node><interface name=\"org.freedesktop.DBus.Peer\"/><interface name=\"c.D\"/></node>"[..],
        )
        .unwrap();
        let report = compare(&declared, &live);
        assert_eq!(report.standard_interfaces, ["org.freedesktop.DBus.Peer"]);
        let found: Vec<_> = report
            .differences
            .iter()
            .map(|d| (d.class, d.place.as_str(), d.what.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                (Class::Breaking, "interface a.B", "missing"),
                (Class::Compatible, "interface c.D", "added")
            ]
        );
    }
}
