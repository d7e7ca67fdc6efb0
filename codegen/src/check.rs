//! The contract check: does a live object still match its introspection XML? The object's
//! `Introspect()` answer is read like any file and compared with [`compare`], the XML as the
//! old side (what clients were written against) and the object as the new.

use std::path::Path;

use crate::compare::{self, Report};
use crate::wire::Node;
use crate::{Document, Error, check_tree};

/// Why the check could not be made.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// The XML file could not be read or parsed.
    #[error(transparent)]
    Xml(#[from] Error),
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
    /// The object manager's `GetManagedObjects` failed.
    #[error("cannot read the managed objects of {destination} {path}: {source}")]
    Managed {
        /// The bus name asked.
        destination: String,
        /// The manager's path.
        path: String,
        /// Why.
        source: zbus::Error,
    },
    /// The object's answer is not introspection XML.
    #[error("the introspection of {destination} {path} does not parse: {source}")]
    LiveXml {
        /// The bus name asked.
        destination: String,
        /// The object path asked.
        path: String,
        /// What is wrong.
        source: Error,
    },
}

/// Reads the introspection of the object `path` of `destination` on `connection`.
pub async fn introspect(
    connection: &zbus::Connection,
    destination: &str,
    path: &str,
) -> Result<Document, CheckError> {
    let introspect_error = |source: zbus::Error| CheckError::Introspect {
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
    let xml = introspectable
        .introspect()
        .await
        .map_err(|e| introspect_error(e.into()))?;
    let label = format!("{destination}:{path}");
    Document::parse(&label, &xml).map_err(|source| CheckError::LiveXml {
        destination: destination.to_owned(),
        path: path.to_owned(),
        source,
    })
}

/// Introspects the object `path` of `destination` on `connection` and compares it with the
/// XML file at `xml_path`. Without `recursive`, the root object alone, and the report lists
/// the file's child nodes that were not compared. With it, every object below too (walked as
/// `gdbus introspect --recurse` walks them), each against the file's node of its path where
/// the file names one, else against the file's interfaces that it carries (a file like
/// UDisks2's declares at its root the interfaces of objects that come and go below); where
/// the root serves `org.freedesktop.DBus.ObjectManager`, its `GetManagedObjects` too: every
/// object with interfaces listed, none without, each declared readable property announced
/// with its type.
pub async fn check(
    connection: &zbus::Connection,
    destination: &str,
    path: &str,
    xml_path: &Path,
    recursive: bool,
) -> Result<Report, CheckError> {
    let declared = Document::read(xml_path)?;
    let mut declared = declared.root().clone();
    declared.name = Some(path.to_owned());
    if !recursive {
        let live = introspect(connection, destination, path).await?;
        return Ok(compare::compare_object(&declared, live.root()).one_way());
    }
    let live = introspect_tree(connection, destination, path).await?;
    let (declared, not_carried) = check_tree::declared_like(&declared, &live);
    let mut report = compare::compare(&declared, &live);
    report.not_carried = not_carried;
    if live
        .interfaces
        .iter()
        .any(|i| i.name == check_tree::OBJECT_MANAGER)
    {
        let managed = check_tree::managed_objects(connection, destination, path)
            .await
            .map_err(|source| CheckError::Managed {
                destination: destination.to_owned(),
                path: path.to_owned(),
                source,
            })?;
        check_tree::compare_managed(&declared, &live, &managed, &mut report);
        report.differences.sort();
    }
    Ok(report.one_way())
}

/// The object `path` of `destination` and every object below it, each introspected on its
/// own (an object's answer names its children but not their interfaces): the tree that
/// [`introspect_tree_xml`] writes, read.
pub async fn introspect_tree(
    connection: &zbus::Connection,
    destination: &str,
    path: &str,
) -> Result<Node, CheckError> {
    let xml = introspect_tree_xml(connection, destination, path).await?;
    let label = format!("{destination}:{path}");
    let tree = Document::parse(&label, &xml).map_err(|source| CheckError::LiveXml {
        destination: destination.to_owned(),
        path: path.to_owned(),
        source,
    })?;
    Ok(tree.root().clone())
}

/// The introspection of the object `path` of `destination` and of every object below it, as
/// one XML document in the shape of a file with child nodes: each object's `<interface>`
/// elements (as it wrote them) in a `<node>` where it lives. What `generate --recursive` reads.
pub async fn introspect_tree_xml(
    connection: &zbus::Connection,
    destination: &str,
    path: &str,
) -> Result<String, CheckError> {
    object_xml(connection, destination, path.to_owned(), path.to_owned()).await
}

/// The `<node name="{name}">` of the object at `path`, with the objects below it.
fn object_xml<'a>(
    connection: &'a zbus::Connection,
    destination: &'a str,
    path: String,
    name: String,
) -> std::pin::Pin<Box<dyn Future<Output = Result<String, CheckError>> + 'a>> {
    Box::pin(async move {
        let live = introspect(connection, destination, &path).await?;
        let mut xml = format!("<node name=\"{name}\">\n");
        for interface in &live.root().interfaces {
            xml.push_str(live.interface_xml(&interface.name).unwrap_or_default());
            xml.push('\n');
        }
        for child in &live.root().children {
            let below = object_path(&path, &child.path);
            xml.push_str(&object_xml(connection, destination, below, child.path.clone()).await?);
        }
        xml.push_str("</node>\n");
        Ok(xml)
    })
}

/// `path` below the object `root`.
fn object_path(root: &str, path: &str) -> String {
    format!("{}/{path}", root.trim_end_matches('/'))
}
