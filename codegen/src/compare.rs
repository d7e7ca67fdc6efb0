//! One comparison of two introspection nodes, for two questions: does a live object still
//! match its XML ([`crate::check`]), and is a new version of an XML file compatible with the
//! old one (`diff`)? Either way the first node is what clients were written against ("old")
//! and the second is what they meet now ("new").
//!
//! The rules are dbus-deviation's. Each difference is judged for **old clients** of the new
//! version (backward compatibility: [`Difference::class`], [`Difference::old_clients_see`])
//! and for **new clients** of the old version (forward compatibility: the same rules with the
//! versions swapped, [`Difference::class_for_new_clients`], [`Difference::new_clients_see`]).
//! Adding a member is compatible for old clients and breaks new ones that call it; removing
//! one is the reverse; a changed signature breaks both. The full table is in the crate's
//! README ("Compatibility rules"); [`crate::policy`] says which breaks a project forgives.
//!
//! Nodes are paired by their path below the root, and each difference names its node where it
//! is not the root. Overloads (one method name with several in-signatures, as Qt exports
//! them) are paired by name and in-signature, each its own member.
//! A removed member whose signature exactly one added member has is reported as renamed.
//! The standard interfaces that bus libraries add to every object are listed apart where only
//! the new node has them; where both declare one, it is compared like any other.

use crate::annotations::{Annotations, DEPRECATED, EMITS_CHANGED, EmitsChanged, NO_REPLY};
use crate::wire::{Access, Arg, Direction, Interface, Node, Property};

/// Interfaces that bus libraries (zbus, GDBus, dbus-python, sd-bus) add to every object, and
/// mocks (python-dbusmock, `dbus-xml-codegen mock`) their control interface.
pub const STANDARD_INTERFACES: &[&str] = &[
    "org.freedesktop.DBus.Introspectable",
    "org.freedesktop.DBus.Peer",
    "org.freedesktop.DBus.Properties",
    "org.freedesktop.DBus.ObjectManager",
    // The control interface of mocks (python-dbusmock's, and `dbus-xml-codegen mock`'s).
    "org.freedesktop.DBus.Mock",
];

pub use crate::report::{Class, Difference, Report, Waiver};

/// Compares `old` (what clients were written against) with `new`, node by node: every node
/// of either tree, paired by its path below the root.
pub fn compare(old: &Node, new: &Node) -> Report {
    let mut report = Report::default();
    for old_node in old.walk() {
        let place = (!old_node.path.is_empty()).then(|| old.object_path_of(&old_node.path));
        match new.find(&old_node.path) {
            Some(new_node) => interfaces(&mut report, place, old_node, new_node),
            None => {
                let place = place.or_else(|| Some(old.object_path_of("")));
                let seen = object_gone(old_node);
                let removed =
                    Difference::new((place, None, None), "node removed".into(), seen, None);
                report.differences.push(removed);
            }
        }
    }
    for new_node in new.walk() {
        if old.find(&new_node.path).is_none() {
            let place = Some(new.object_path_of(&new_node.path));
            let seen = object_gone(new_node);
            let added = Difference::new((place, None, None), "node added".into(), None, seen);
            report.differences.push(added);
        }
    }
    report.differences.sort();
    report
}

/// What a client of `node` sees where the other version lacks it: nothing, unless it serves
/// interfaces.
fn object_gone(node: &Node) -> Option<String> {
    (!node.interfaces.is_empty()).then(|| {
        "calls to the object fail with org.freedesktop.DBus.Error.UnknownObject (or \
         UnknownMethod, by the service's library)"
            .into()
    })
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

/// What a client of an interface sees where the other version lacks it.
const INTERFACE_GONE: &str = "every call fails with org.freedesktop.DBus.Error.UnknownInterface \
                              (or UnknownMethod, by the service's library)";

/// Compares the interfaces of one node; `node` names it in the differences.
fn interfaces(report: &mut Report, node: Option<String>, old: &Node, new: &Node) {
    fn find<'n>(node: &'n Node, name: &str) -> Option<&'n Interface> {
        node.interfaces.iter().find(|i| i.name == name)
    }
    let place = |interface: &Interface| (node.clone(), Some(interface.name.clone()), None);
    for interface in &old.interfaces {
        match find(new, &interface.name) {
            // What the specification fixes of a standard interface is its members' names,
            // signatures and directions: each bus library serves it with argument names of
            // its own (zbus without any), so a file captured from another library's service
            // differs from a faithful server there and nowhere else.
            Some(new_interface) if STANDARD_INTERFACES.contains(&interface.name.as_str()) => {
                Members {
                    report: &mut *report,
                    node: node.clone(),
                    interface: &interface.name,
                    unstable: false,
                }
                .interface(&as_specified(interface), &as_specified(new_interface))
            }
            Some(new_interface) => Members {
                report: &mut *report,
                node: node.clone(),
                interface: &interface.name,
                unstable: interface.is_unstable() || new_interface.is_unstable(),
            }
            .interface(interface, new_interface),
            None => {
                let seen = Some(INTERFACE_GONE.to_owned());
                let mut removed = Difference::new(place(interface), "removed".into(), seen, None);
                removed.unstable = interface.is_unstable();
                report.differences.push(removed);
            }
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
            let seen = Some(INTERFACE_GONE.to_owned());
            let mut added = Difference::new(place(interface), "added".into(), None, seen);
            added.unstable = interface.is_unstable();
            report.differences.push(added);
        }
    }
}

/// A standard interface as its specification fixes it: its members' names, signatures and
/// directions, without argument names, annotations or docs.
fn as_specified(interface: &Interface) -> Interface {
    let mut specified = interface.clone();
    specified.annotations = Annotations::default();
    let args = specified
        .methods
        .iter_mut()
        .flat_map(|method| method.args.iter_mut())
        .chain(
            specified
                .signals
                .iter_mut()
                .flat_map(|signal| signal.args.iter_mut()),
        );
    for arg in args {
        arg.name = None;
        arg.annotations = Annotations::default();
    }
    for method in &mut specified.methods {
        method.annotations = Annotations::default();
    }
    for signal in &mut specified.signals {
        signal.annotations = Annotations::default();
    }
    specified
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
    /// Whether either version marks the interface unstable.
    unstable: bool,
}

/// What old clients of the new version see, and what new clients of the old version see,
/// each where they can fail.
type Seen = (Option<String>, Option<String>);

/// The same failure either way.
fn both(seen: impl Into<String>) -> Seen {
    let seen = seen.into();
    (Some(seen.clone()), Some(seen))
}

/// Nothing fails either way.
const NEITHER: Seen = (None, None);

impl Members<'_> {
    /// Records a difference: `seen` is what old clients see and what new clients of the old
    /// version see, each where they can fail.
    fn push(&mut self, member: Option<&Member<'_>>, what: String, seen: Seen) {
        let place = (
            self.node.clone(),
            Some(self.interface.to_owned()),
            member.map(Member::label),
        );
        let mut difference = Difference::new(place, what, seen.0, seen.1);
        difference.unstable = self.unstable;
        self.report.differences.push(difference);
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
                    // New clients call the new name, which the old version lacks.
                    let new_clients_see = match candidates.as_slice() {
                        [only] => Some(missing_in(only, &old).to_owned()),
                        _ => None,
                    };
                    let seen = (Some(missing_in(member, &new).to_owned()), new_clients_see);
                    self.push(Some(member), what, seen);
                }
            }
        }
        for member in added {
            if !renamed_to.contains(&member.key) {
                let seen = (None, Some(missing_in(member, &old).to_owned()));
                self.push(Some(member), "added".into(), seen);
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
                    both("values it cannot decode; Set fails with InvalidArgs"),
                );
            }
            if was.access != is.access {
                self.access(old, was.access, is.access);
            }
            if was.emits_changed != is.emits_changed {
                let (was, is) = (&was.emits_changed, &is.emits_changed);
                let what = format!("{EMITS_CHANGED} changed from \"{was}\" to \"{is}\"");
                let weakened = |was: &str, is: &str| {
                    (EmitsChanged::parse(was) == Some(EmitsChanged::Const)
                        || emits_rank(is) < emits_rank(was))
                    .then(|| {
                        "a client that caches the property misses changes it expects to be told \
                         of"
                        .to_owned()
                    })
                };
                let seen = (weakened(was, is), weakened(is, was));
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
            self.push(Some(old), what, both(seen));
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
                self.push(Some(old), what, NEITHER);
            }
        }
    }

    fn access(&mut self, old: &Member<'_>, was: Access, is: Access) {
        let what = format!("access changed from {} to {}", was.as_str(), is.as_str());
        self.push(
            Some(old),
            what,
            (access_seen(was, is), access_seen(is, was)),
        );
    }

    fn annotations(&mut self, member: Option<&Member<'_>>, old: &Annotations, new: &Annotations) {
        let (was, is) = (old.is_true(NO_REPLY), new.is_true(NO_REPLY));
        if was != is {
            let what = format!(
                "annotation {NO_REPLY} {}",
                if is { "added" } else { "removed" }
            );
            self.push(
                member,
                what,
                (no_reply_seen(was, is), no_reply_seen(is, was)),
            );
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
            self.push(member, what, NEITHER);
        }
        for (name, value) in new.iter().filter(|(n, _)| !judged(n)) {
            if old.get(name).is_none() {
                let what = if name == DEPRECATED {
                    format!("deprecated ({name}=\"{value}\")")
                } else {
                    format!("annotation {name}=\"{value}\" added")
                };
                self.push(member, what, NEITHER);
            }
        }
    }
}

/// What a client of `member` sees where `other` (the other version's members) lacks it.
fn missing_in(member: &Member<'_>, other: &[Member<'_>]) -> &'static str {
    let name_remains = other
        .iter()
        .any(|o| o.kind == member.kind && o.name == member.name);
    if name_remains {
        // An overload missing, others of its name there.
        "calls with these arguments fail with org.freedesktop.DBus.Error.InvalidArgs"
    } else {
        member.kind.removed_means()
    }
}

/// What a client written for a property of access `was` sees where it is `is`.
fn access_seen(was: Access, is: Access) -> Option<String> {
    let seen = if was.read() && !is.read() {
        "Get fails: the property is not readable"
    } else if was.write() && !is.write() {
        "Set fails with org.freedesktop.DBus.Error.PropertyReadOnly"
    } else if was == Access::Read {
        // read → readwrite: the one widening that dbus-deviation counts as compatible.
        return None;
    } else {
        "nothing fails at once, but a write-only property reads back what clients wrote \
         (dbus-deviation counts this as breaking)"
    };
    Some(seen.to_owned())
}

/// What a caller written for a method with NoReply `was` sees where it is `is`.
fn no_reply_seen(was: bool, is: bool) -> Option<String> {
    let seen = match (was, is) {
        (false, true) => {
            "the service may send no reply, and callers wait for one until they time out"
        }
        (true, false) => {
            "callers ask for no reply, so they never see the method's result or its errors"
        }
        _ => return None,
    };
    Some(seen.to_owned())
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
    fn standard_interfaces_compare_by_what_their_specification_fixes() {
        // As `gdbus introspect --xml` captures GDBus's Properties, and as zbus serves it.
        let captured = parsed(
            r#"<node><interface name="org.freedesktop.DBus.Properties">
              <method name="Get"><arg type="s" name="interface_name" direction="in"/>
                <arg type="s" name="property_name" direction="in"/>
                <arg type="v" name="value" direction="out"/></method>
              <signal name="PropertiesChanged"><arg type="s" name="interface_name"/>
                <arg type="a{sv}" name="changed_properties"/>
                <arg type="as" name="invalidated_properties"/></signal>
            </interface></node>"#,
        );
        let served = parsed(
            r#"<node><interface name="org.freedesktop.DBus.Properties">
              <method name="Get"><arg type="s" direction="in"/><arg type="s" direction="in"/>
                <arg type="v" direction="out"/></method>
              <signal name="PropertiesChanged"><arg type="s"/><arg type="a{sv}"/>
                <arg type="as"/></signal>
            </interface></node>"#,
        );
        assert_eq!(compare(&captured, &served).differences, []);
        // A signature is what the specification fixes: it still counts.
        let drifted = parsed(
            r#"<node><interface name="org.freedesktop.DBus.Properties">
              <method name="Get"><arg type="s" direction="in"/><arg type="s" direction="in"/>
                <arg type="s" direction="out"/></method>
              <signal name="PropertiesChanged"><arg type="s"/><arg type="a{sv}"/>
                <arg type="as"/></signal>
            </interface></node>"#,
        );
        assert_eq!(compare(&captured, &drifted).differences.len(), 1);
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
