//! The wire layer of the model: an introspection document as the bus sees it. Every node
//! with its path, its interfaces, their members in document order, arguments with their
//! names (or none) and types, typed access and direction, and the annotations. Overloads (one
//! method name with several in-signatures, as Qt and KDE export them) are distinct members.
//!
//! Built once per document ([`crate::Document::root`]); `compare`, the generators and `doc`
//! all read it. The Rust names that the generators add are a layer above (the crate's
//! private `model`).

use zbus::Signature;
use zbus_xml::{ArgDirection, PropertyAccess};

use crate::annotations::{Annotations, EMITS_CHANGED, EmitsChanged, UNSTABLE};

/// One `<node>`: an object, with the objects below it.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Its `<node name>`, as the XML gives it: for the root, its object path, if any; below,
    /// its path relative to its parent.
    pub name: Option<String>,
    /// Its path relative to the root: `""` for the root itself, `child/grandchild` below.
    pub path: String,
    /// Its interfaces, in document order.
    pub interfaces: Vec<Interface>,
    /// The nodes below it, in document order.
    pub children: Vec<Node>,
}

/// One `<interface>`.
#[derive(Debug, Clone, PartialEq)]
pub struct Interface {
    /// Its name on the bus.
    pub name: String,
    /// Its methods, in document order, overloads each on their own.
    pub methods: Vec<Method>,
    /// Its signals, in document order.
    pub signals: Vec<Signal>,
    /// Its properties, in document order.
    pub properties: Vec<Property>,
    /// Its annotations.
    pub annotations: Annotations,
}

/// Which way an argument goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// From the caller (a method's argument).
    In,
    /// To the caller (a method's result, or a signal's argument).
    Out,
}

/// An argument of a method or a signal.
#[derive(Debug, Clone, PartialEq)]
pub struct Arg {
    /// Its name, where the XML gives one.
    pub name: Option<String>,
    /// Its type.
    pub signature: Signature,
    /// Which way it goes; always out for a signal's, whatever the XML says.
    pub direction: Direction,
    /// Its annotations (most files have none on arguments; some name types, as Qt's and
    /// this toolkit's do).
    pub annotations: Annotations,
}

/// A `<method>`.
#[derive(Debug, Clone, PartialEq)]
pub struct Method {
    /// Its name on the bus.
    pub name: String,
    /// Its arguments, in and out, in document order.
    pub args: Vec<Arg>,
    /// Its annotations.
    pub annotations: Annotations,
}

/// A `<signal>`.
#[derive(Debug, Clone, PartialEq)]
pub struct Signal {
    /// Its name on the bus.
    pub name: String,
    /// Its arguments.
    pub args: Vec<Arg>,
    /// Its annotations.
    pub annotations: Annotations,
}

/// Whether a property can be read, written or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// `read`.
    Read,
    /// `write`.
    Write,
    /// `readwrite`.
    ReadWrite,
}

impl Access {
    /// Whether `Get` works.
    pub fn read(self) -> bool {
        self != Access::Write
    }

    /// Whether `Set` works.
    pub fn write(self) -> bool {
        self != Access::Read
    }

    /// The attribute's value.
    pub fn as_str(self) -> &'static str {
        match self {
            Access::Read => "read",
            Access::Write => "write",
            Access::ReadWrite => "readwrite",
        }
    }
}

/// A `<property>`.
#[derive(Debug, Clone, PartialEq)]
pub struct Property {
    /// Its name on the bus.
    pub name: String,
    /// Its type.
    pub signature: Signature,
    /// Whether it can be read, written or both.
    pub access: Access,
    /// Its own annotations.
    pub annotations: Annotations,
    /// Its `org.freedesktop.DBus.Property.EmitsChangedSignal` as it takes effect: its own,
    /// else its interface's, else `true`.
    pub emits_changed: String,
}

impl Property {
    /// How it announces changes, if [`Property::emits_changed`] is a value the
    /// specification names.
    pub fn emits(&self) -> Option<EmitsChanged> {
        EmitsChanged::parse(&self.emits_changed)
    }
}

/// The types of `args` that go `direction`, run together: a method's in- or out-signature.
pub fn signature_of(args: &[Arg], direction: Direction) -> String {
    args.iter()
        .filter(|a| a.direction == direction)
        .map(|a| a.signature.to_string())
        .collect()
}

impl Method {
    /// The types of its in arguments, run together (which tells overloads apart).
    pub fn in_signature(&self) -> String {
        signature_of(&self.args, Direction::In)
    }

    /// Its in arguments.
    pub fn inputs(&self) -> impl Iterator<Item = &Arg> {
        self.args.iter().filter(|a| a.direction == Direction::In)
    }

    /// Its out arguments.
    pub fn outputs(&self) -> impl Iterator<Item = &Arg> {
        self.args.iter().filter(|a| a.direction == Direction::Out)
    }
}

impl Interface {
    /// Whether the interface is marked unstable: by the annotation
    /// `rs.dbus_xml_codegen.Unstable` or by its name (an element `unstable` or
    /// `experimental`); a comparison reports its breaks without failing.
    pub fn is_unstable(&self) -> bool {
        self.annotations.is_true(UNSTABLE)
            || self.name.split('.').any(|element| {
                element.eq_ignore_ascii_case("unstable")
                    || element.eq_ignore_ascii_case("experimental")
            })
    }

    /// Sets each property's [`Property::emits_changed`] from the annotations as they are now:
    /// its own, else the interface's, else `true` (after an overlay changed them, too).
    pub(crate) fn settle_emits_changed(&mut self) {
        let interface_emits = self.annotations.get(EMITS_CHANGED).map(str::to_owned);
        for property in &mut self.properties {
            property.emits_changed = (property.annotations.get(EMITS_CHANGED).map(str::to_owned))
                .or_else(|| interface_emits.clone())
                .unwrap_or_else(|| EmitsChanged::True.as_str().to_owned());
        }
    }

    /// The type of every argument and property.
    pub fn signatures(&self) -> impl Iterator<Item = &Signature> {
        let methods = self.methods.iter().flat_map(|m| &m.args);
        let signals = self.signals.iter().flat_map(|s| &s.args);
        let args = methods.chain(signals).map(|a| &a.signature);
        args.chain(self.properties.iter().map(|p| &p.signature))
    }

    /// Whether another method of this interface has `method`'s name.
    pub fn is_overloaded(&self, method: &Method) -> bool {
        self.methods
            .iter()
            .filter(|m| m.name == method.name)
            .count()
            > 1
    }
}

impl Node {
    /// The node and all below it, depth first in document order.
    pub fn walk(&self) -> Vec<&Node> {
        let mut found = vec![self];
        for child in &self.children {
            found.extend(child.walk());
        }
        found
    }

    /// The node at `path` below this one (`""` is this one).
    pub fn find(&self, path: &str) -> Option<&Node> {
        self.walk().into_iter().find(|n| n.path == path)
    }

    /// The interfaces of this node and all below it, each name once (its first), in
    /// document order.
    pub fn all_interfaces(&self) -> Vec<&Interface> {
        let mut seen = std::collections::HashSet::new();
        self.walk()
            .into_iter()
            .flat_map(|node| &node.interfaces)
            .filter(|i| seen.insert(i.name.as_str()))
            .collect()
    }

    /// The object path of the node at `path` below this one, where this one's name is an
    /// object path; else `path` itself.
    pub fn object_path_of(&self, path: &str) -> String {
        match self.name.as_deref().filter(|n| n.starts_with('/')) {
            Some(root) if path.is_empty() => root.to_owned(),
            Some(root) => format!("{}/{path}", root.trim_end_matches('/')),
            None => path.to_owned(),
        }
    }

    /// Builds the wire layer of `node`, the root of its document.
    pub(crate) fn of(node: &zbus_xml::Node<'_>) -> Self {
        Self::below(node, String::new())
    }

    fn below(node: &zbus_xml::Node<'_>, path: String) -> Self {
        let children = node
            .nodes()
            .iter()
            .map(|child| {
                let name = child.name().unwrap_or("").trim_matches('/');
                let path = match path.as_str() {
                    "" => name.to_owned(),
                    parent => format!("{parent}/{name}"),
                };
                Self::below(child, path)
            })
            .collect();
        Self {
            name: node.name().map(str::to_owned),
            path,
            interfaces: node.interfaces().iter().map(Interface::of).collect(),
            children,
        }
    }
}

fn args<'a>(args: impl IntoIterator<Item = &'a zbus_xml::Arg<'a>>, signal: bool) -> Vec<Arg> {
    args.into_iter()
        .map(|arg| Arg {
            name: arg.name().map(str::to_owned),
            signature: arg.ty().clone(),
            direction: if signal || arg.direction() == Some(ArgDirection::Out) {
                Direction::Out
            } else {
                Direction::In
            },
            annotations: Annotations::of(arg.annotations()),
        })
        .collect()
}

impl Interface {
    fn of(interface: &zbus_xml::Interface<'_>) -> Self {
        let annotations = Annotations::of(interface.annotations());
        let mut made = Self {
            name: interface.name().to_string(),
            methods: interface
                .methods()
                .map(|m| Method {
                    name: m.name().to_string(),
                    args: args(m.args(), false),
                    annotations: Annotations::of(m.annotations()),
                })
                .collect(),
            signals: interface
                .signals()
                .map(|s| Signal {
                    name: s.name().to_string(),
                    args: args(s.args(), true),
                    annotations: Annotations::of(s.annotations()),
                })
                .collect(),
            properties: interface
                .properties()
                .map(|p| {
                    let annotations = Annotations::of(p.annotations());
                    Property {
                        name: p.name().to_string(),
                        signature: p.ty().clone(),
                        access: match p.access() {
                            PropertyAccess::Read => Access::Read,
                            PropertyAccess::Write => Access::Write,
                            PropertyAccess::ReadWrite => Access::ReadWrite,
                        },
                        annotations,
                        emits_changed: String::new(),
                    }
                })
                .collect(),
            annotations,
        };
        made.settle_emits_changed();
        made
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_the_annotation_mark_unstable_interfaces() {
        let interface = |name: &str, annotated: bool| {
            let annotation = if annotated {
                format!(r#"<annotation name="{UNSTABLE}" value="true"/>"#)
            } else {
                String::new()
            };
            let xml = format!(r#"<node><interface name="{name}">{annotation}</interface></node>"#);
            let node = Node::of(&zbus_xml::Node::from_reader(xml.as_bytes()).unwrap());
            node.interfaces[0].clone()
        };
        assert!(interface("org.example.Unstable.Foo", false).is_unstable());
        assert!(interface("org.example.experimental.Foo", false).is_unstable());
        assert!(interface("org.example.Foo", true).is_unstable());
        assert!(!interface("org.example.UnstableFoo", false).is_unstable());
        assert!(!interface("org.example.Foo", false).is_unstable());
    }
}
