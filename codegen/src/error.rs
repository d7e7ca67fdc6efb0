//! Where something is in an XML file, and why a file could not be used.

use std::fmt;
use std::path::{Path, PathBuf};

/// Where in an XML file something is: the file, and the line and column where known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file.
    pub path: PathBuf,
    /// 1-based line and column.
    pub line_column: Option<(usize, usize)>,
}

impl Location {
    pub(crate) fn file(path: &Path) -> Self {
        Self {
            path: path.to_owned(),
            line_column: None,
        }
    }

    /// The location of byte `offset` of `text`, read from `path`.
    pub(crate) fn at(path: &Path, text: &str, offset: usize) -> Self {
        let before = &text.as_bytes()[..offset.min(text.len())];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(&before[line_start..])
            .chars()
            .count()
            + 1;
        Self {
            path: path.to_owned(),
            line_column: Some((line, column)),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some((line, column)) = self.line_column {
            write!(f, ":{line}:{column}")?;
        }
        Ok(())
    }
}

/// Why code could not be generated.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The XML file could not be read.
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not well-formed XML.
    #[error("{location}: {message}")]
    Xml {
        /// Where.
        location: Location,
        /// What is wrong.
        message: String,
    },
    /// The XML is well formed but names or types something D-Bus does not allow.
    #[error("{location}: {message}")]
    Invalid {
        /// Where.
        location: Location,
        /// What is wrong, with the element.
        message: String,
    },
    /// The file uses something this generator does not handle.
    #[error("{location}: interface `{interface}`: {what} is not supported")]
    Unsupported {
        /// Where.
        location: Location,
        /// The interface that uses it.
        interface: String,
        /// What it uses.
        what: String,
    },
    /// The generated code could not be written.
    #[error("{}: cannot write: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// The text of the file at `path`, or [`Error::Read`] naming it.
pub(crate) fn read_text(path: &std::path::Path) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })
}
