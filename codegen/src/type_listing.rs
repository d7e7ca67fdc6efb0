//! The types table as `doc` lists it: each type's Rust name, its name in the file, its
//! signature and what it holds.

use crate::type_table::{Shape, Table};
use crate::types::rust_type;

impl Table {
    /// Each type, for `doc`: its Rust name, its name in the file, its signature and what it
    /// holds (values, fields), each with its documentation.
    pub(crate) fn describe(&self) -> Vec<Described> {
        self.entries
            .iter()
            .map(|entry| {
                let (kind, items) = match &entry.shape {
                    Shape::Alias(_) => ("alias", Vec::new()),
                    Shape::Enum { variants, .. } => (
                        "enum",
                        variants
                            .iter()
                            .map(|(r, w, d)| (r.to_string(), format!("`{w}`"), d.clone()))
                            .collect(),
                    ),
                    Shape::Flags { consts, .. } => (
                        "flags",
                        consts
                            .iter()
                            .map(|(r, v, d)| (r.to_string(), format!("`{v:#x}`"), d.clone()))
                            .collect(),
                    ),
                    Shape::Struct(fields) => (
                        "struct",
                        fields
                            .iter()
                            .map(|(n, t, d)| {
                                let ty = rust_type(t);
                                (n.to_string(), format!("`{ty}`"), d.clone())
                            })
                            .collect(),
                    ),
                    Shape::Mapping(..) => ("map", Vec::new()),
                    Shape::Bytestring => ("GLib bytestring", Vec::new()),
                };
                let named_by_file = !matches!(entry.shape, Shape::Bytestring);
                Described {
                    rust: entry.named.rust.to_string(),
                    name: named_by_file.then(|| entry.name.clone()),
                    signature: entry.named.signature.to_string(),
                    kind,
                    docs: entry.docs.clone(),
                    items,
                }
            })
            .collect()
    }
}

/// One type, as `doc` lists it.
pub(crate) struct Described {
    pub rust: String,
    /// Its name in the file, where the file names it.
    pub name: Option<String>,
    pub signature: String,
    pub kind: &'static str,
    pub docs: String,
    /// Values or fields: name, value or type, documentation.
    pub items: Vec<(String, String, String)>,
}
