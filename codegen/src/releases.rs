//! The released versions of an interface file that a project keeps: for `NAME.xml`, every
//! `NAME-VERSION.xml` in a folder (the app's `interfaces/released/`). An element's version
//! is the oldest release that has it, and an element that no release has is "not yet
//! released"; [`Document::document_since`] writes that into the docs ([`crate::since`]).

use std::path::Path;

use crate::docs::DocTarget;
use crate::wire::{Interface, Node};
use crate::{Document, Error};

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

impl Document {
    /// Adds to the documentation of each interface and member without an
    /// `org.gtk.GDBus.Since` annotation the oldest of `releases` that has it ("Since 0.2.0.",
    /// or "Not yet released."), for rustdoc and `doc`.
    pub fn document_since(&mut self, releases: &Releases) {
        let mut notes: Vec<(DocTarget, String)> = Vec::new();
        crate::since::each_element(self.root(), |target, annotated, has| {
            if annotated.is_some() {
                return;
            }
            let name = target.interface.clone();
            let text = match releases.first(&name, has) {
                Some(version) => format!("Since {version}."),
                None => "Not yet released.".to_owned(),
            };
            notes.push((target, text));
        });
        for (target, text) in notes {
            self.docs.add(target, &text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_sort_by_their_numbers() {
        let mut versions = vec!["1.10.0", "0.2.0", "1.9.1", "0.10.0"];
        versions.sort_by_key(|v| order(v));
        assert_eq!(versions, ["0.2.0", "0.10.0", "1.9.1", "1.10.0"]);
    }
}
