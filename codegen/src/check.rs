//! The contract check: does a live object still match its introspection XML? The object's
//! `Introspect()` answer is read like any file and compared with [`compare::compare`], the
//! XML as the old side (what clients were written against) and the object as the new.

use std::path::Path;

use crate::compare::{self, Report};
use crate::{Document, Error};

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
/// XML file at `xml_path`: the interfaces of the file's root node against the object's.
pub async fn check(
    connection: &zbus::Connection,
    destination: &str,
    path: &str,
    xml_path: &Path,
) -> Result<Report, CheckError> {
    let declared = Document::read(xml_path)?;
    let live = introspect(connection, destination, path).await?;
    Ok(compare::compare(declared.node(), live.node()))
}
