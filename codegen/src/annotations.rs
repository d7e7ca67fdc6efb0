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

    /// The value of the annotation `name`, if the element has it.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
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

/// How a property announces changes ([`EMITS_CHANGED`]).
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
