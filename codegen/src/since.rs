//! "Since": the version that added each interface and member, for rustdoc and `doc`.
//!
//! An `org.gtk.GDBus.Since` annotation on the element says it, as gdbus-codegen reads it.
//! Elsewhere it comes from the released versions of the file that a project keeps: for
//! `NAME.xml`, every `NAME-VERSION.xml` in a folder (the app's `interfaces/released/`); an
//! element's version is the oldest release that has it, and an element that no release has is
//! "not yet released". Nobody writes "Added in 0.2" by hand.

use std::path::Path;

use crate::docs::{DocTarget, Docs, MemberKind};
use crate::wire::{Interface, Node};
use crate::{Document, Error};

/// `org.gtk.GDBus.Since`: the version that added an element, as gdbus-codegen reads it.
pub(crate) const SINCE: &str = "org.gtk.GDBus.Since";

/// The released versions of one interface file, oldest first.
#[derive(Debug)]
pub struct Releases {
    versions: Vec<(String, Node)>,
}

impl Releases {
    /// Every `STEM-VERSION.xml` in `folder`, where `xml` is `STEM.xml`; other files are not
    /// its releases and are passed over. A release that cannot be read is an error.
    pub fn read(folder: &Path, xml: &Path) -> Result<Self, Error> {
        let unreadable = |source| Error::Read {
            path: folder.to_owned(),
            source,
        };
        let stem = xml
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut versions = Vec::new();
        for entry in std::fs::read_dir(folder).map_err(unreadable)? {
            let path = entry.map_err(unreadable)?.path();
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            let version = name
                .strip_suffix(".xml")
                .and_then(|n| n.strip_prefix(stem.as_str()))
                .and_then(|n| n.strip_prefix('-'))
                .filter(|v| v.starts_with(|c: char| c.is_ascii_digit()));
            if let Some(version) = version {
                versions.push((version.to_owned(), Document::read(&path)?.root().clone()));
            }
        }
        versions.sort_by_cached_key(|(version, _)| order(version));
        Ok(Self { versions })
    }

    /// The oldest release whose interface `interface` has what `has` looks for.
    fn first(&self, interface: &str, has: impl Fn(&Interface) -> bool) -> Option<&str> {
        self.versions
            .iter()
            .find(|(_, root)| {
                root.walk()
                    .iter()
                    .flat_map(|node| &node.interfaces)
                    .any(|i| i.name == interface && has(i))
            })
            .map(|(version, _)| version.as_str())
    }
}

/// Sorts `1.10.0` after `1.9.0`: numbers by value, other parts as text.
fn order(version: &str) -> Vec<(u64, String)> {
    version
        .split(['.', '-'])
        .map(|part| (part.parse().unwrap_or(u64::MAX), part.to_owned()))
        .collect()
}

/// Adds "Since VERSION." to the documentation of the interfaces and members of `root`.
/// Without `releases`, of those with an `org.gtk.GDBus.Since` annotation (as a document is
/// read); with them, of all others, from the oldest release that has each.
pub(crate) fn document(root: &Node, releases: Option<&Releases>, docs: &mut Docs) {
    let mut seen = std::collections::HashSet::new();
    for interface in root.walk().iter().flat_map(|node| &node.interfaces) {
        let name = interface.name.as_str();
        // Docs are kept by interface name: an interface that several nodes carry is
        // documented once.
        if !seen.insert(name) {
            continue;
        }
        let mut note =
            |target: DocTarget, annotated: Option<&str>, has: &dyn Fn(&Interface) -> bool| {
                let text = match (annotated, releases) {
                    (Some(version), None) => format!("Since {version}."),
                    (None, Some(releases)) => match releases.first(name, has) {
                        Some(version) => format!("Since {version}."),
                        None => "Not yet released.".to_owned(),
                    },
                    _ => return,
                };
                docs.add(target, &text);
            };
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

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn versions_sort_by_their_numbers() {
        let mut versions = vec!["1.10.0", "0.2.0", "1.9.1", "0.10.0"];
        versions.sort_by_key(|v| order(v));
        assert_eq!(versions, ["0.2.0", "0.10.0", "1.9.1", "1.10.0"]);
    }
}
