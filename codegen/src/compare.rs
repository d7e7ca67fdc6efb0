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
//! A removed member whose signature exactly one added member has is reported as renamed.
//! The standard interfaces that bus libraries add to every object are listed apart where only
//! the new node has them; where both declare one, it is compared like any other.

use std::fmt;

use zbus_xml::{Annotation, Arg, ArgDirection, Interface, Node, PropertyAccess};

/// Interfaces that bus libraries (zbus, GDBus, dbus-python, sd-bus) add to every object.
pub const STANDARD_INTERFACES: &[&str] = &[
    "org.freedesktop.DBus.Introspectable",
    "org.freedesktop.DBus.Peer",
    "org.freedesktop.DBus.Properties",
    "org.freedesktop.DBus.ObjectManager",
];

const NO_REPLY: &str = "org.freedesktop.DBus.Method.NoReply";
const DEPRECATED: &str = "org.freedesktop.DBus.Deprecated";
const EMITS_CHANGED: &str = "org.freedesktop.DBus.Property.EmitsChangedSignal";

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
    /// The interface it is in.
    pub interface: String,
    /// The member, where there is one: `method Add`, `signal Changed`, `property Step`.
    pub member: Option<String>,
    /// What differs.
    pub what: String,
    /// What a client written against the old node will see, for a breaking difference.
    pub old_clients_see: Option<String>,
}

impl Difference {
    /// Where: `interface a.B` or `interface a.B, method m`.
    pub fn place(&self) -> String {
        match &self.member {
            Some(member) => format!("interface {}, {member}", self.interface),
            None => format!("interface {}", self.interface),
        }
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
        let mut interfaces: Vec<&str> = self.breaking().map(|d| d.interface.as_str()).collect();
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
        let breaking = self.breaking_count();
        let compatible = self.differences.len() - breaking;
        write!(f, "{breaking} breaking, {compatible} compatible")
    }
}

/// Compares the interfaces of `old` (what clients were written against) with those of `new`.
pub fn compare(old: &Node<'_>, new: &Node<'_>) -> Report {
    let mut report = Report::default();
    let find = |node: &'_ Node<'_>, name: &str| -> bool {
        node.interfaces().iter().any(|i| i.name().as_str() == name)
    };
    for interface in old.interfaces() {
        let name = interface.name().to_string();
        match new
            .interfaces()
            .iter()
            .find(|i| i.name() == interface.name())
        {
            Some(new_interface) => {
                Members::new(&mut report, &name).interface(interface, new_interface)
            }
            None => report.differences.push(Difference {
                class: Class::Breaking,
                interface: name,
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
    for interface in new.interfaces() {
        let name = interface.name().to_string();
        if find(old, &name) {
            continue;
        }
        if STANDARD_INTERFACES.contains(&name.as_str()) {
            report.standard_interfaces.push(name);
        } else {
            report.differences.push(Difference {
                class: Class::Compatible,
                interface: name,
                member: None,
                what: "added".into(),
                old_clients_see: None,
            });
        }
    }
    report.differences.sort();
    report
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

/// One argument reduced to what the comparison needs.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ArgShape {
    out: bool,
    ty: String,
    name: Option<String>,
}

/// A member reduced to what the comparison needs.
struct Member {
    kind: Kind,
    name: String,
    args: Vec<ArgShape>,
    /// The property's type and access.
    property: Option<(String, PropertyAccess)>,
    annotations: Vec<(String, String)>,
    /// The property's effective EmitsChangedSignal (its own, else its interface's, else true).
    emits_changed: Option<String>,
}

impl Member {
    fn label(&self) -> String {
        format!("{} {}", self.kind.as_str(), self.name)
    }

    /// The arguments' directions and types: `(in i, out s)`.
    fn signature(&self) -> String {
        let typed: Vec<String> = self
            .args
            .iter()
            .map(|a| format!("{} {}", if a.out { "out" } else { "in" }, a.ty))
            .collect();
        format!("({})", typed.join(", "))
    }

    /// A method (`kind` Method) or a signal, from its name, arguments and annotations.
    fn with_args(kind: Kind, name: String, args: &[Arg<'_>], notes: &[Annotation<'_>]) -> Self {
        let args = args
            .iter()
            .map(|arg| ArgShape {
                // A signal's arguments are all out, whatever the XML says.
                out: kind == Kind::Signal || arg.direction() == Some(ArgDirection::Out),
                ty: arg.ty().to_string(),
                name: arg.name().map(str::to_owned),
            })
            .collect();
        Member {
            kind,
            name,
            args,
            property: None,
            annotations: pairs(notes),
            emits_changed: None,
        }
    }
}

fn pairs<'a>(annotations: impl IntoIterator<Item = &'a Annotation<'a>>) -> Vec<(String, String)> {
    annotations
        .into_iter()
        .map(|a| (a.name().to_owned(), a.value().to_owned()))
        .collect()
}

fn value_of<'v>(annotations: &'v [(String, String)], name: &str) -> Option<&'v str> {
    annotations
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

fn members(interface: &Interface<'_>) -> Vec<Member> {
    let interface_notes = pairs(interface.annotations());
    let interface_emits = value_of(&interface_notes, EMITS_CHANGED).map(str::to_owned);
    let methods = interface.methods().map(|m| {
        Member::with_args(
            Kind::Method,
            m.name().to_string(),
            m.args(),
            m.annotations(),
        )
    });
    let signals = interface.signals().map(|s| {
        Member::with_args(
            Kind::Signal,
            s.name().to_string(),
            s.args(),
            s.annotations(),
        )
    });
    let properties = interface.properties().map(|p| {
        let annotations = pairs(p.annotations());
        let emits = value_of(&annotations, EMITS_CHANGED)
            .map(str::to_owned)
            .or(interface_emits.clone())
            .unwrap_or_else(|| "true".into());
        Member {
            kind: Kind::Property,
            name: p.name().to_string(),
            args: Vec::new(),
            property: Some((p.ty().to_string(), p.access())),
            annotations,
            emits_changed: Some(emits),
        }
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

/// How much a property announces its changes: `const` above all (it never changes), then
/// `true`, `invalidates`, `false`. A value the specification does not name ranks lowest.
fn emits_rank(value: &str) -> u8 {
    match value {
        "const" => 4,
        "true" => 3,
        "invalidates" => 2,
        _ => 1,
    }
}

/// Collects the differences inside one interface.
struct Members<'r> {
    report: &'r mut Report,
    interface: &'r str,
}

impl<'r> Members<'r> {
    fn new(report: &'r mut Report, interface: &'r str) -> Self {
        Self { report, interface }
    }

    fn push(&mut self, member: Option<&Member>, what: String, old_clients_see: Option<String>) {
        let class = if old_clients_see.is_some() {
            Class::Breaking
        } else {
            Class::Compatible
        };
        self.report.differences.push(Difference {
            class,
            interface: self.interface.to_owned(),
            member: member.map(Member::label),
            what,
            old_clients_see,
        });
    }

    fn interface(&mut self, old: &Interface<'_>, new: &Interface<'_>) {
        // An interface's EmitsChangedSignal is compared where it takes effect: on each property.
        let interface_notes = |i: &Interface<'_>| -> Vec<(String, String)> {
            pairs(i.annotations())
                .into_iter()
                .filter(|(name, _)| name != EMITS_CHANGED)
                .collect()
        };
        self.annotations(None, &interface_notes(old), &interface_notes(new));
        let old = members(old);
        let new = members(new);
        let is_in = |m: &Member, others: &[Member]| {
            others.iter().any(|o| o.kind == m.kind && o.name == m.name)
        };
        let added: Vec<&Member> = new.iter().filter(|m| !is_in(m, &old)).collect();
        let mut renamed_to = Vec::new();
        for member in &old {
            match new
                .iter()
                .find(|o| o.kind == member.kind && o.name == member.name)
            {
                Some(new_member) => self.member(member, new_member),
                None => {
                    // A removed member whose shape only one added member has: renamed.
                    let candidates: Vec<&&Member> = added
                        .iter()
                        .filter(|a| {
                            a.kind == member.kind
                                && a.signature() == member.signature()
                                && a.property == member.property
                        })
                        .collect();
                    let what = match candidates.as_slice() {
                        [only] => {
                            renamed_to.push(only.name.clone());
                            format!("renamed to `{}`", only.name)
                        }
                        _ => "removed".to_owned(),
                    };
                    let seen = member.kind.removed_means().to_owned();
                    self.push(Some(member), what, Some(seen));
                }
            }
        }
        for member in added {
            if !renamed_to.contains(&member.name) {
                self.push(Some(member), "added".into(), None);
            }
        }
    }

    fn member(&mut self, old: &Member, new: &Member) {
        self.arguments(old, new);
        if let (Some((old_type, old_access)), Some((new_type, new_access))) =
            (&old.property, &new.property)
        {
            if old_type != new_type {
                self.push(
                    Some(old),
                    format!("type changed from {old_type} to {new_type}"),
                    Some("values it cannot decode; Set fails with InvalidArgs".into()),
                );
            }
            if old_access != new_access {
                self.access(old, *old_access, *new_access);
            }
        }
        if let (Some(was), Some(is)) = (&old.emits_changed, &new.emits_changed)
            && was != is
        {
            let what = format!("{EMITS_CHANGED} changed from \"{was}\" to \"{is}\"");
            let weakened = was == "const" || emits_rank(is) < emits_rank(was);
            let seen = weakened.then(|| {
                "a client that caches the property misses changes it used to be told of".into()
            });
            self.push(Some(old), what, seen);
        }
        self.annotations(Some(old), &old.annotations, &new.annotations);
    }

    fn arguments(&mut self, old: &Member, new: &Member) {
        let shape = |m: &Member| -> Vec<(bool, String)> {
            m.args.iter().map(|a| (a.out, a.ty.clone())).collect()
        };
        if shape(old) != shape(new) {
            let inputs = |m: &Member| -> Vec<String> {
                m.args
                    .iter()
                    .filter(|a| !a.out)
                    .map(|a| a.ty.clone())
                    .collect()
            };
            let outputs = |m: &Member| -> Vec<String> {
                m.args
                    .iter()
                    .filter(|a| a.out)
                    .map(|a| a.ty.clone())
                    .collect()
            };
            let seen = match old.kind {
                Kind::Signal => "signals it cannot decode".to_owned(),
                _ => {
                    let mut seen = Vec::new();
                    if inputs(old) != inputs(new) {
                        seen.push("calls fail with org.freedesktop.DBus.Error.InvalidArgs");
                    }
                    if outputs(old) != outputs(new) {
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
        for (position, (was, is)) in old.args.iter().zip(&new.args).enumerate() {
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

    fn access(&mut self, old: &Member, was: PropertyAccess, is: PropertyAccess) {
        let what = format!(
            "access changed from {} to {}",
            access_name(was),
            access_name(is)
        );
        let seen = if was.read() && !is.read() {
            Some("Get fails: the property is no longer readable".to_owned())
        } else if was.write() && !is.write() {
            Some("Set fails with org.freedesktop.DBus.Error.PropertyReadOnly".to_owned())
        } else if was == PropertyAccess::Read {
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

    fn annotations(
        &mut self,
        member: Option<&Member>,
        old: &[(String, String)],
        new: &[(String, String)],
    ) {
        let no_reply = |notes: &[(String, String)]| value_of(notes, NO_REPLY) == Some("true");
        match (no_reply(old), no_reply(new)) {
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
        // NoReply is judged above by its meaning; EmitsChangedSignal on the property itself.
        let judged = |name: &str| name == NO_REPLY || name == EMITS_CHANGED;
        for (name, value) in old.iter().filter(|(n, _)| !judged(n)) {
            let what = match value_of(new, name) {
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
            if value_of(old, name).is_none() {
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

    fn node(interface_body: &str) -> Node<'static> {
        let xml = format!("<node><interface name=\"a.B\">{interface_body}</interface></node>");
        Node::from_reader(xml.as_bytes()).unwrap()
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
        let old = Node::from_reader(&b"<node><interface name=\"a.B\"/></node>"[..]).unwrap();
        let new = Node::from_reader(
            &b"<node><interface name=\"org.freedesktop.DBus.Peer\"/><interface name=\"c.D\"/></node>"[..],
        )
        .unwrap();
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
