//! "Since": the version that added each interface and member, for rustdoc and `doc`.
//!
//! An `org.gtk.GDBus.Since` annotation on the element says it, as gdbus-codegen reads it, and
//! is read with the document. Elsewhere it comes from the released versions of the file that
//! a project keeps ([`crate::releases`]). Nobody writes "Added in 0.2" by hand.

use crate::docs::{DocTarget, Docs, MemberKind};
use crate::wire::{Interface, Node};

/// `org.gtk.GDBus.Since`: the version that added an element, as gdbus-codegen reads it.
pub(crate) const SINCE: &str = "org.gtk.GDBus.Since";

/// Calls `note` for each interface and member of `root` (an interface that several nodes
/// carry, once): its doc target, its `org.gtk.GDBus.Since` annotation, and a test of whether
/// another version's interface has it.
pub(crate) fn each_element(
    root: &Node,
    mut note: impl FnMut(DocTarget, Option<&str>, &dyn Fn(&Interface) -> bool),
) {
    let mut seen = std::collections::HashSet::new();
    for interface in root.walk().iter().flat_map(|node| &node.interfaces) {
        let name = interface.name.as_str();
        if !seen.insert(name) {
            continue;
        }
        note(
            DocTarget::interface(name),
            interface.annotations.get(SINCE),
            &|_| true,
        );
        for method in &interface.methods {
            let target = DocTarget::member(name, MemberKind::Method, &method.name);
            let has = |i: &Interface| i.methods.iter().any(|m| m.name == method.name);
            note(target, method.annotations.get(SINCE), &has);
        }
        for signal in &interface.signals {
            let target = DocTarget::member(name, MemberKind::Signal, &signal.name);
            let has = |i: &Interface| i.signals.iter().any(|s| s.name == signal.name);
            note(target, signal.annotations.get(SINCE), &has);
        }
        for property in &interface.properties {
            let target = DocTarget::member(name, MemberKind::Property, &property.name);
            let has = |i: &Interface| i.properties.iter().any(|p| p.name == property.name);
            note(target, property.annotations.get(SINCE), &has);
        }
    }
}

/// Adds "Since VERSION." to the documentation of the interfaces and members of `root` that
/// have an `org.gtk.GDBus.Since` annotation, as a document is read.
pub(crate) fn document_annotated(root: &Node, docs: &mut Docs) {
    each_element(root, |target, annotated, _| {
        if let Some(version) = annotated {
            docs.add(target, &format!("Since {version}."));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Document;

    #[test]
    fn an_interface_on_several_nodes_is_documented_once() {
        let method =
            r#"<method name="m"><annotation name="org.gtk.GDBus.Since" value="2"/></method>"#;
        let xml = format!(
            r#"<node><interface name="a.B">{method}</interface><node name="c"><interface name="a.B">{method}</interface></node></node>"#
        );
        let document = Document::parse("x.xml", &xml).unwrap();
        let target = DocTarget::member("a.B", MemberKind::Method, "m");
        assert_eq!(document.docs.text(&target).as_deref(), Some("Since 2."));
    }
}
