//! One comparison of two introspection nodes, for two questions: does a live object still
//! match its XML ([`crate::check`]), and is a new version of an XML file compatible with the
//! old one (`diff`)? Either way the first node is what clients were written against ("old")
//! and the second is what they meet now ("new").
//!
//! The rules are dbus-deviation's, and each breaking difference also says what an old client
//! will see. A difference is **breaking** where such a client can fail:
//!
//! | change | class |
//! |---|---|
//! | interface, method, signal or property added | compatible |
//! | interface, method, signal or property removed | breaking |
//! | argument count, type or direction changed (compared by position) | breaking |
//! | argument renamed | compatible |
//! | property type changed | breaking |
//! | property access read → readwrite | compatible |
//! | any other property access change | breaking |
//! | `org.freedesktop.DBus.Method.NoReply` added or removed | breaking |
//! | `org.freedesktop.DBus.Deprecated` added or removed | compatible |
//! | `EmitsChangedSignal` weakened (true → invalidates → false, or const → anything) | breaking |
//! | `EmitsChangedSignal` strengthened | compatible |
//! | any other annotation added, removed or changed | compatible |
//!
//! | node (object) with interfaces removed | breaking |
//! | node added, or one without interfaces removed | compatible |
//!
//! Nodes are paired by their path below the root, and each difference names its node where it
//! is not the root. Overloads (one method name with several in-signatures, as Qt exports
//! them) are paired by name and in-signature, each its own member.
//! A removed member whose signature exactly one added member has is reported as renamed.
//! The standard interfaces that bus libraries add to every object are listed apart where only
//! the new node has them; where both declare one, it is compared like any other.

use std::fmt;

use crate::annotations::{Annotations, DEPRECATED, EMITS_CHANGED, EmitsChanged, NO_REPLY};
use crate::wire::{Access, Arg, Direction, Interface, Node, Property};

/// Interfaces that bus libraries (zbus, GDBus, dbus-python, sd-bus) add to every object.
pub const STANDARD_INTERFACES: &[&str] = &[
    "org.freedesktop.DBus.Introspectable",
    "org.freedesktop.DBus.Peer",
    "org.freedesktop.DBus.Properties",
    "org.freedesktop.DBus.ObjectManager",
];

/// How much a difference matters to a client written against the old node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize),
    serde(rename_all = "lowercase")
)]
pub enum Class {
    /// Such a client can fail.
    Breaking,
    /// Such a client keeps working.
    Compatible,
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Class::Breaking => "breaking",
            Class::Compatible => "compatible",
        })
    }
}

/// One way the new node differs from the old.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Difference {
    /// How much it matters.
    pub class: Class,
    /// The node it is in, where that is not the root: its object path where the root's
    /// `<node name>` is one, else its path below the root.
    pub node: Option<String>,
    /// The interface it is in, where it is in one (not for a node added or removed).
    pub interface: Option<String>,
    /// The member, where there is one: `method Add`, `signal Changed`, `property Step`, or
    /// `method Add(s)` for one of several overloads.
    pub member: Option<String>,
    /// What differs.
    pub what: String,
    /// What a client written against the old node will see, for a breaking difference.
    pub old_clients_see: Option<String>,
}

impl Difference {
    /// Where: `interface a.B`, `interface a.B, method m` or `node /a/b/c, interface a.B, …`.
    pub fn place(&self) -> String {
        let parts: Vec<String> = [
            self.node.as_ref().map(|n| format!("node {n}")),
            self.interface.as_ref().map(|i| format!("interface {i}")),
            self.member.clone(),
        ]
        .into_iter()
        .flatten()
        .collect();
        parts.join(", ")
    }
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.class, self.place(), self.what)?;
        if let Some(seen) = &self.old_clients_see {
            write!(f, "; old clients: {seen}")?;
        }
        Ok(())
    }
}

/// All differences between two nodes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Report {
    /// The differences, breaking first.
    pub differences: Vec<Difference>,
    /// Standard interfaces that only the new node has.
    pub standard_interfaces: Vec<String>,
    /// Nodes below the root that were not compared (the root object was compared alone), by
    /// their path below the root.
    pub not_compared: Vec<String>,
}

impl Report {
    /// Whether any difference is breaking.
    pub fn is_breaking(&self) -> bool {
        self.breaking().next().is_some()
    }

    /// How many differences are breaking.
    pub fn breaking_count(&self) -> usize {
        self.breaking().count()
    }

    fn breaking(&self) -> impl Iterator<Item = &Difference> {
        self.differences
            .iter()
            .filter(|d| d.class == Class::Breaking)
    }

    /// The D-Bus API design guidelines' remedy for each interface with a breaking
    /// difference: a new interface name beside the old one.
    pub fn remedies(&self) -> Vec<String> {
        let mut interfaces: Vec<&str> = self
            .breaking()
            .filter_map(|d| d.interface.as_deref())
            .collect();
        interfaces.sort();
        interfaces.dedup();
        interfaces
            .into_iter()
            .map(|interface| {
                format!(
                    "{interface} changed incompatibly: serve the new API as {} and keep {interface} \
                     as it was until its clients have moved",
                    next_interface_version(interface)
                )
            })
            .collect()
    }
}

/// `a.b.Foo1` → `a.b.Foo2`, `a.b.Foo` → `a.b.Foo2`.
fn next_interface_version(interface: &str) -> String {
    let stem = interface.trim_end_matches(|c: char| c.is_ascii_digit());
    let version: u64 = interface[stem.len()..].parse().unwrap_or(1);
    format!("{stem}{}", version + 1)
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for difference in &self.differences {
            writeln!(f, "{difference}")?;
        }
        for remedy in self.remedies() {
            writeln!(f, "remedy: {remedy}")?;
        }
        if !self.standard_interfaces.is_empty() {
            writeln!(
                f,
                "standard interfaces (added by the bus library): {}",
                self.standard_interfaces.join(", ")
            )?;
        }
        if !self.not_compared.is_empty() {
            writeln!(
                f,
                "compared the root object only; not its {} child node(s) ({}): --recursive \
                 compares them too",
                self.not_compared.len(),
                self.not_compared.join(", ")
            )?;
        }
        let breaking = self.breaking_count();
        let compatible = self.differences.len() - breaking;
        write!(f, "{breaking} breaking, {compatible} compatible")
    }
}

/// Compares `old` (what clients were written against) with `new`, node by node: every node
/// of either tree, paired by its path below the root.
pub fn compare(old: &Node, new: &Node) -> Report {
    let mut report = Report::default();
    for old_node in old.walk() {
        let place = (!old_node.path.is_empty()).then(|| old.object_path_of(&old_node.path));
        match new.find(&old_node.path) {
            Some(new_node) => interfaces(&mut report, place, old_node, new_node),
            None => {
                let served = !old_node.interfaces.is_empty();
                report.differences.push(Difference {
                    class: if served {
                        Class::Breaking
                    } else {
                        Class::Compatible
                    },
                    node: place.or_else(|| Some(old.object_path_of(""))),
                    interface: None,
                    member: None,
                    what: "node removed".into(),
                    old_clients_see: served.then(|| {
                        "calls to the object fail with org.freedesktop.DBus.Error.UnknownObject \
                         (or UnknownMethod, by the service's library)"
                            .into()
                    }),
                });
            }
        }
    }
    for new_node in new.walk() {
        if old.find(&new_node.path).is_none() {
            report.differences.push(Difference {
                class: Class::Compatible,
                node: Some(new.object_path_of(&new_node.path)),
                interface: None,
                member: None,
                what: "node added".into(),
                old_clients_see: None,
            });
        }
    }
    report.differences.sort();
    report
}

/// Compares the interfaces of the root object of `old` with those of `new`; the nodes below
/// either root are listed in [`Report::not_compared`].
pub fn compare_object(old: &Node, new: &Node) -> Report {
    let mut report = Report::default();
    interfaces(&mut report, None, old, new);
    report.not_compared = old.walk()[1..].iter().map(|n| n.path.clone()).collect();
    report.differences.sort();
    report
}

/// Compares the interfaces of one node; `node` names it in the differences.
fn interfaces(report: &mut Report, node: Option<String>, old: &Node, new: &Node) {
    fn find<'n>(node: &'n Node, name: &str) -> Option<&'n Interface> {
        node.interfaces.iter().find(|i| i.name == name)
    }
    for interface in &old.interfaces {
        match find(new, &interface.name) {
            Some(new_interface) => Members {
                report: &mut *report,
                node: node.clone(),
                interface: &interface.name,
            }
            .interface(interface, new_interface),
            None => report.differences.push(Difference {
                class: Class::Breaking,
                node: node.clone(),
                interface: Some(interface.name.clone()),
                member: None,
                what: "removed".into(),
                old_clients_see: Some(
                    "every call fails with org.freedesktop.DBus.Error.UnknownInterface (or \
                     UnknownMethod, by the service's library)"
                        .into(),
                ),
            }),
        }
    }
    for interface in &new.interfaces {
        if find(old, &interface.name).is_some() {
            continue;
        }
        if STANDARD_INTERFACES.contains(&interface.name.as_str()) {
            if !report.standard_interfaces.contains(&interface.name) {
                report.standard_interfaces.push(interface.name.clone());
            }
        } else {
            report.differences.push(Difference {
                class: Class::Compatible,
                node: node.clone(),
                interface: Some(interface.name.clone()),
                member: None,
                what: "added".into(),
                old_clients_see: None,
            });
        }
    }
}

/// What kind of member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Method,
    Signal,
    Property,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Method => "method",
            Kind::Signal => "signal",
            Kind::Property => "property",
        }
    }

    /// What an old client sees when a member of this kind is gone.
    fn removed_means(self) -> &'static str {
        match self {
            Kind::Method => "calls fail with org.freedesktop.DBus.Error.UnknownMethod",
            Kind::Signal => "the signal never comes; its handlers never run",
            Kind::Property => {
                "Get and Set fail (org.freedesktop.DBus.Error.UnknownProperty or InvalidArgs, \
                 by the service's library)"
            }
        }
    }
}

/// One member of the wire layer, seen the same way whatever its kind.
struct Member<'w> {
    kind: Kind,
    name: &'w str,
    /// What pairs it with its counterpart: its name, and for an overload its in-signature.
    key: String,
    args: &'w [Arg],
    property: Option<&'w Property>,
    annotations: &'w Annotations,
}

impl Member<'_> {
    fn label(&self) -> String {
        format!("{} {}", self.kind.as_str(), self.key)
    }

    /// The arguments' directions and types: `(in i, out s)`.
    fn signature(&self) -> String {
        let typed: Vec<String> = self
            .args
            .iter()
            .map(|a| {
                let direction = match a.direction {
                    Direction::In => "in",
                    Direction::Out => "out",
                };
                format!("{direction} {}", a.signature)
            })
            .collect();
        format!("({})", typed.join(", "))
    }

    /// The property's type and access, for telling a renamed property.
    fn property_shape(&self) -> Option<(String, Access)> {
        self.property.map(|p| (p.signature.to_string(), p.access))
    }
}

/// The members of `interface`; a method whose name `overloaded` holds is keyed by its name
/// and in-signature.
fn members<'w>(interface: &'w Interface, overloaded: &[&str]) -> Vec<Member<'w>> {
    let methods = interface.methods.iter().map(|m| Member {
        kind: Kind::Method,
        name: &m.name,
        key: if overloaded.contains(&m.name.as_str()) {
            format!("{}({})", m.name, m.in_signature())
        } else {
            m.name.clone()
        },
        args: &m.args,
        property: None,
        annotations: &m.annotations,
    });
    let signals = interface.signals.iter().map(|s| Member {
        kind: Kind::Signal,
        name: &s.name,
        key: s.name.clone(),
        args: &s.args,
        property: None,
        annotations: &s.annotations,
    });
    let properties = interface.properties.iter().map(|p| Member {
        kind: Kind::Property,
        name: &p.name,
        key: p.name.clone(),
        args: &[],
        property: Some(p),
        annotations: &p.annotations,
    });
    methods.chain(signals).chain(properties).collect()
}

/// The method names that either side overloads.
fn overloaded<'w>(old: &'w Interface, new: &'w Interface) -> Vec<&'w str> {
    [old, new]
        .into_iter()
        .flat_map(|i| i.methods.iter().filter(|m| i.is_overloaded(m)))
        .map(|m| m.name.as_str())
        .collect()
}

/// How much a property's `EmitsChangedSignal` value tells a cached client; a value the
/// specification does not name ranks lowest.
fn emits_rank(value: &str) -> u8 {
    EmitsChanged::parse(value).map_or(0, EmitsChanged::rank)
}

/// Collects the differences inside one interface.
struct Members<'r> {
    report: &'r mut Report,
    node: Option<String>,
    interface: &'r str,
}

impl Members<'_> {
    fn push(&mut self, member: Option<&Member<'_>>, what: String, old_clients_see: Option<String>) {
        let class = if old_clients_see.is_some() {
            Class::Breaking
        } else {
            Class::Compatible
        };
        self.report.differences.push(Difference {
            class,
            node: self.node.clone(),
            interface: Some(self.interface.to_owned()),
            member: member.map(Member::label),
            what,
            old_clients_see,
        });
    }

    fn interface(&mut self, old: &Interface, new: &Interface) {
        self.annotations(None, &old.annotations, &new.annotations);
        let overloaded = overloaded(old, new);
        let old = members(old, &overloaded);
        let new = members(new, &overloaded);
        let same = |a: &Member<'_>, b: &Member<'_>| a.kind == b.kind && a.key == b.key;
        let added: Vec<&Member<'_>> = new
            .iter()
            .filter(|m| !old.iter().any(|o| same(o, m)))
            .collect();
        let mut renamed_to = Vec::new();
        for member in &old {
            match new.iter().find(|n| same(member, n)) {
                Some(new_member) => self.member(member, new_member),
                None => {
                    // A removed member whose shape only one added member has: renamed.
                    let candidates: Vec<&&Member<'_>> = added
                        .iter()
                        .filter(|a| {
                            a.kind == member.kind
                                && a.name != member.name
                                && a.signature() == member.signature()
                                && a.property_shape() == member.property_shape()
                        })
                        .collect();
                    let what = match candidates.as_slice() {
                        [only] => {
                            renamed_to.push(only.key.clone());
                            format!("renamed to `{}`", only.name)
                        }
                        _ => "removed".to_owned(),
                    };
                    let name_remains = new
                        .iter()
                        .any(|n| n.kind == member.kind && n.name == member.name);
                    let seen = if name_remains {
                        // An overload gone, others of its name still there.
                        "calls with these arguments fail with \
                         org.freedesktop.DBus.Error.InvalidArgs"
                    } else {
                        member.kind.removed_means()
                    };
                    self.push(Some(member), what, Some(seen.to_owned()));
                }
            }
        }
        for member in added {
            if !renamed_to.contains(&member.key) {
                self.push(Some(member), "added".into(), None);
            }
        }
    }

    fn member(&mut self, old: &Member<'_>, new: &Member<'_>) {
        self.arguments(old, new);
        if let (Some(was), Some(is)) = (old.property, new.property) {
            if was.signature != is.signature {
                self.push(
                    Some(old),
                    format!("type changed from {} to {}", was.signature, is.signature),
                    Some("values it cannot decode; Set fails with InvalidArgs".into()),
                );
            }
            if was.access != is.access {
                self.access(old, was.access, is.access);
            }
            if was.emits_changed != is.emits_changed {
                let (was, is) = (&was.emits_changed, &is.emits_changed);
                let what = format!("{EMITS_CHANGED} changed from \"{was}\" to \"{is}\"");
                let weakened = EmitsChanged::parse(was) == Some(EmitsChanged::Const)
                    || emits_rank(is) < emits_rank(was);
                let seen = weakened.then(|| {
                    "a client that caches the property misses changes it used to be told of".into()
                });
                self.push(Some(old), what, seen);
            }
        }
        self.annotations(Some(old), old.annotations, new.annotations);
    }

    fn arguments(&mut self, old: &Member<'_>, new: &Member<'_>) {
        if old.signature() != new.signature() {
            let types = |m: &Member<'_>, direction| crate::wire::signature_of(m.args, direction);
            let seen = match old.kind {
                Kind::Signal => "signals it cannot decode".to_owned(),
                _ => {
                    let mut seen = Vec::new();
                    if types(old, Direction::In) != types(new, Direction::In) {
                        seen.push("calls fail with org.freedesktop.DBus.Error.InvalidArgs");
                    }
                    if types(old, Direction::Out) != types(new, Direction::Out) {
                        seen.push("replies it cannot decode");
                    }
                    seen.join(", and ")
                }
            };
            let what = format!(
                "signature changed from {} to {}",
                old.signature(),
                new.signature()
            );
            self.push(Some(old), what, Some(seen));
            return;
        }
        for (position, (was, is)) in old.args.iter().zip(new.args).enumerate() {
            if was.name != is.name {
                let name = |n: &Option<String>| {
                    n.as_deref()
                        .map_or("(unnamed)".to_owned(), |n| format!("`{n}`"))
                };
                let what = format!(
                    "argument {} renamed from {} to {}",
                    position + 1,
                    name(&was.name),
                    name(&is.name)
                );
                self.push(Some(old), what, None);
            }
        }
    }

    fn access(&mut self, old: &Member<'_>, was: Access, is: Access) {
        let what = format!("access changed from {} to {}", was.as_str(), is.as_str());
        let seen = if was.read() && !is.read() {
            Some("Get fails: the property is no longer readable".to_owned())
        } else if was.write() && !is.write() {
            Some("Set fails with org.freedesktop.DBus.Error.PropertyReadOnly".to_owned())
        } else if was == Access::Read {
            // read → readwrite: the one widening that dbus-deviation counts as compatible.
            None
        } else {
            Some(
                "nothing fails at once, but a write-only property now reads back what clients \
                 wrote (dbus-deviation counts this as breaking)"
                    .to_owned(),
            )
        };
        self.push(Some(old), what, seen);
    }

    fn annotations(&mut self, member: Option<&Member<'_>>, old: &Annotations, new: &Annotations) {
        match (old.is_true(NO_REPLY), new.is_true(NO_REPLY)) {
            (false, true) => self.push(
                member,
                format!("annotation {NO_REPLY} added"),
                Some("the service may send no reply, and old callers wait for one until they time out".into()),
            ),
            (true, false) => self.push(
                member,
                format!("annotation {NO_REPLY} removed"),
                Some("old callers ask for no reply, so they never see the method's result or its errors".into()),
            ),
            _ => {}
        }
        // NoReply is judged above by its meaning; EmitsChangedSignal where it takes effect, on
        // each property.
        let judged = |name: &str| name == NO_REPLY || name == EMITS_CHANGED;
        for (name, value) in old.iter().filter(|(n, _)| !judged(n)) {
            let what = match new.get(name) {
                None if name == DEPRECATED => "no longer deprecated".to_owned(),
                None => format!("annotation {name} removed"),
                Some(new_value) if new_value != value => {
                    format!("annotation {name} changed from \"{value}\" to \"{new_value}\"")
                }
                Some(_) => continue,
            };
            self.push(member, what, None);
        }
        for (name, value) in new.iter().filter(|(n, _)| !judged(n)) {
            if old.get(name).is_none() {
                let what = if name == DEPRECATED {
                    format!("deprecated ({name}=\"{value}\")")
                } else {
                    format!("annotation {name}=\"{value}\" added")
                };
                self.push(member, what, None);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(xml: &str) -> Node {
        Node::of(&zbus_xml::Node::from_reader(xml.as_bytes()).unwrap())
    }

    fn node(interface_body: &str) -> Node {
        parsed(&format!(
            "<node><interface name=\"a.B\">{interface_body}</interface></node>"
        ))
    }

    fn differences(old: &str, new: &str) -> Vec<(Class, String)> {
        compare(&node(old), &node(new))
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
    fn read_to_readwrite_is_the_one_compatible_access_change() {
        let rw = r#"<property name="P" type="s" access="readwrite"/>"#;
        let r = r#"<property name="P" type="s" access="read"/>"#;
        let w = r#"<property name="P" type="s" access="write"/>"#;
        assert_eq!(differences(r, rw)[0].0, Class::Compatible);
        assert_eq!(differences(rw, r)[0].0, Class::Breaking);
        assert_eq!(differences(w, rw)[0].0, Class::Breaking);
    }

    #[test]
    fn an_absent_emits_changed_signal_means_true() {
        let plain = r#"<property name="P" type="s" access="read"/>"#;
        let explicit = r#"<property name="P" type="s" access="read"><annotation name="org.freedesktop.DBus.Property.EmitsChangedSignal" value="true"/></property>"#;
        assert_eq!(differences(plain, explicit), []);
    }

    #[test]
    fn the_remedy_names_the_next_interface_version() {
        assert_eq!(
            next_interface_version("org.example.Foo1"),
            "org.example.Foo2"
        );
        assert_eq!(
            next_interface_version("org.example.Foo"),
            "org.example.Foo2"
        );
        assert_eq!(
            next_interface_version("org.example.Foo9"),
            "org.example.Foo10"
        );
    }

    #[test]
    fn a_removed_interface_is_breaking_and_added_standard_ones_are_listed_apart() {
        let old = parsed("<node><interface name=\"a.B\"/></node>");
        let new = parsed(
            "<node><interface name=\"org.freedesktop.DBus.Peer\"/><interface name=\"c.D\"/></node>",
        );
        let report = compare(&old, &new);
        assert_eq!(report.standard_interfaces, ["org.freedesktop.DBus.Peer"]);
        let found: Vec<_> = report
            .differences
            .iter()
            .map(|d| (d.class, d.place(), d.what.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                (Class::Breaking, "interface a.B".to_owned(), "removed"),
                (Class::Compatible, "interface c.D".to_owned(), "added")
            ]
        );
    }
}
