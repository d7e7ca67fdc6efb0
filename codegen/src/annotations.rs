//! The annotations this toolkit understands, each named once: the freedesktop ones that
//! change what a member means on the wire, GDBus's documentation string, and this
//! generator's own.

/// `org.freedesktop.DBus.Deprecated`: the element is kept for old clients only.
pub(crate) const DEPRECATED: &str = "org.freedesktop.DBus.Deprecated";

/// `org.freedesktop.DBus.Method.NoReply`: callers of the method expect no reply.
pub(crate) const NO_REPLY: &str = "org.freedesktop.DBus.Method.NoReply";

/// `org.freedesktop.DBus.Property.EmitsChangedSignal`, on a property or its interface.
pub(crate) const EMITS_CHANGED: &str = "org.freedesktop.DBus.Property.EmitsChangedSignal";

/// `org.gtk.GDBus.DocString`: documentation, as gdbus-codegen reads it.
pub(crate) const DOC_STRING: &str = "org.gtk.GDBus.DocString";

/// This generator's own annotation on an `<interface>`: `"false"` (the default) serves its
/// method calls one after another, in the order they came, so replies keep the order of the
/// calls; `"true"` serves each call in a task of its own, so a method that awaits something
/// long does not hold up the connection's other calls, but replies may overtake each other.
pub(crate) const SPAWN: &str = "rs.dbus_xml_codegen.SpawnPerCall";

/// This generator's own annotation on an `<interface>`: `"true"` marks it unstable, so `diff`
/// reports its breaks without failing (see [`crate::policy`]).
pub(crate) const UNSTABLE: &str = "rs.dbus_xml_codegen.Unstable";

/// This generator's own annotation on an `<arg>` or `<property>`: `"Name: A B C"` makes the
/// values an enum `Name` with those variants. For strings, each word is a value as it is on
/// the wire (`Playing`); for integers, the values count from 0, or are given (`Off=0 On=1`).
/// Where the type is an array or dict, the enum is its elements' (its values').
pub(crate) const ENUM: &str = "rs.dbus_xml_codegen.Enum";

/// This generator's own annotation on an `<arg>` or `<property>` of an unsigned integer type:
/// `"Name: A B C=0x10"` makes the values flags `Name` with those bits (counting from `1`
/// where not given).
pub(crate) const FLAGS: &str = "rs.dbus_xml_codegen.Flags";

/// This generator's own annotation on an `<arg>` or `<property>` that holds a struct:
/// `"Name: field field"` makes the struct a Rust struct `Name` with those fields, in order.
pub(crate) const STRUCT: &str = "rs.dbus_xml_codegen.Struct";

/// This generator's own annotation on an `<arg>` or `<property>`: `"Name"` gives it the type
/// `Name` that another element's annotation or a Telepathy definition declares, or the
/// built-in `Bytestring` (a GLib bytestring: an `ay` that ends in a NUL on the wire).
pub(crate) const TYPE: &str = "rs.dbus_xml_codegen.Type";

/// The note of the `#[deprecated]` attribute that [`DEPRECATED`] becomes.
pub(crate) const DEPRECATED_NOTE: &str = "marked org.freedesktop.DBus.Deprecated in the XML";

/// The annotations of one element, in document order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Annotations(Vec<(String, String)>);

impl Annotations {
    /// From `zbus_xml`'s annotations.
    pub(crate) fn of<'a>(
        annotations: impl IntoIterator<Item = &'a zbus_xml::Annotation<'a>>,
    ) -> Self {
        Self(
            annotations
                .into_iter()
                .map(|a| (a.name().to_owned(), a.value().to_owned()))
                .collect(),
        )
    }

    /// From (name, value) pairs.
    pub(crate) fn from_pairs(pairs: &[(&str, &str)]) -> Self {
        Self(
            pairs
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    /// Adds `other`'s annotations; where both have one of a name, `other`'s is taken.
    pub(crate) fn overlay(&mut self, other: &Annotations) {
        for (name, value) in &other.0 {
            self.0.retain(|(n, _)| n != name);
            self.0.push((name.clone(), value.clone()));
        }
    }

    /// The value of the annotation `name`, if the element has it.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether [`DEPRECATED`] marks the element: the one place that reads it (the model
    /// keeps the answer of each element as a fact).
    pub(crate) fn deprecated(&self) -> bool {
        self.is_true(DEPRECATED)
    }

    /// Whether the annotation `name` is `"true"`.
    pub fn is_true(&self, name: &str) -> bool {
        self.get(name) == Some("true")
    }

    /// Every annotation, as (name, value).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }
}

/// How a property announces changes (`org.freedesktop.DBus.Property.EmitsChangedSignal`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize),
    serde(rename_all = "lowercase")
)]
pub enum EmitsChanged {
    /// `PropertiesChanged` with the new value (the default).
    True,
    /// `PropertiesChanged` naming it as invalidated.
    Invalidates,
    /// It never changes.
    Const,
    /// No signal.
    False,
}

impl EmitsChanged {
    /// The annotation's value.
    pub fn as_str(self) -> &'static str {
        match self {
            EmitsChanged::True => "true",
            EmitsChanged::Invalidates => "invalidates",
            EmitsChanged::Const => "const",
            EmitsChanged::False => "false",
        }
    }

    /// The value the specification names `value`, if it names it.
    pub(crate) fn parse(value: &str) -> Option<Self> {
        [Self::True, Self::Invalidates, Self::Const, Self::False]
            .into_iter()
            .find(|e| e.as_str() == value)
    }

    /// How much it tells a client that caches the property: `Const` above all (the value
    /// never changes), then `True`, `Invalidates`, `False`.
    pub(crate) fn rank(self) -> u8 {
        match self {
            EmitsChanged::Const => 3,
            EmitsChanged::True => 2,
            EmitsChanged::Invalidates => 1,
            EmitsChanged::False => 0,
        }
    }
}
