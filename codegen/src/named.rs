//! Named types as a file defines them, and the Rust type of a value: the layer below the
//! types table ([`crate::type_table`]), which the Telepathy reader
//! ([`crate::telepathy`]) and this toolkit's annotations ([`crate::type_annotations`]) fill
//! with definitions, and which every emitter reads through [`Ty`].

use proc_macro2::Ident;
use zbus::Signature;

/// A type definition as a file (or an annotation) gives it, not yet checked.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Def {
    /// Its name in the file (`Connection_Status`).
    pub name: String,
    /// The name of an array of it, where the file gives one (Telepathy's `array-name`).
    pub array_name: Option<String>,
    /// Its documentation.
    pub docs: String,
    /// What it is.
    pub kind: Kind,
    /// Where the file defines it, for warnings; none for an annotation's.
    pub location: Option<crate::Location>,
}

/// What a [`Def`] defines; types are signatures as written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    /// Another name for a type (`tp:simple-type`).
    Alias(String),
    /// Named values of a string or integer type.
    Enum(String, Vec<Value>),
    /// Named bits of an unsigned integer type.
    Flags(String, Vec<Value>),
    /// A struct with named fields.
    Struct(Vec<Field>),
    /// A dict, its key and value named.
    Mapping(Vec<Field>),
}

/// A named value of an enum or flags.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Value {
    /// Its name (`Connected`).
    pub name: String,
    /// Its value on the wire, as written.
    pub wire: String,
    /// Its documentation.
    pub docs: String,
}

/// A field of a struct or mapping.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Field {
    /// Its name.
    pub name: String,
    /// Its type, as written.
    pub signature: String,
    /// The named type it has, where it has one.
    pub reference: Option<String>,
    /// Its documentation.
    pub docs: String,
}

/// The Rust type of a value: its signature's own, with the file's named types where it
/// names them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Ty {
    /// The type that the signature gives (see [`crate::types::owned`]).
    Plain(Signature),
    /// A type of the module `types`.
    Named(Named),
    /// An array of something named.
    Array(Box<Ty>),
    /// A dict with something named in it.
    Dict(Box<Ty>, Box<Ty>),
}

/// A reference to a type of the module `types`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Named {
    /// Its Rust name.
    pub rust: Ident,
    /// Its signature.
    pub signature: Signature,
    /// Whether it is `Copy` and small, so passed by value.
    pub by_value: bool,
}
