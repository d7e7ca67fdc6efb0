//! The facts of the zbus that generated code targets, [`ZBUS_REQUIREMENT`], below the model:
//! the parameter names the adapter takes for itself and the names that zbus's `#[interface]`
//! macro derives, which the model keeps free. The adapter's forwarding of zbus's `Interface`
//! trait, which zbus calls unstable across minor versions, is [`crate::forwarding`]'s. Moving
//! to another zbus starts in these two modules.

/// The zbus that generated code is written for (the workspace's `zbus` requirement).
pub(crate) const ZBUS_REQUIREMENT: &str = "~6.2";

/// The runtime crate that generated code is written for (`runtime/` in this workspace):
/// its `Declared`, `Tree`, `watch` and `notice`, which it pins to the same zbus.
pub(crate) const RUNTIME_REQUIREMENT: &str = "0.1";

/// The parameters the adapter's methods take for themselves, which no argument may be
/// named: zbus's `#[zbus(header)]` and `#[zbus(signal_emitter)]`, and the call context.
pub(crate) const ADAPTER_PARAMS: &[&str] = &["__zbus_header", "__zbus_emitter", "__zbus_call"];

/// The most arguments that zbus carries one way in one message: its macros read and write a
/// method's arguments and a signal's as one tuple, and serde's and zvariant's tuples stop at
/// 16.
pub(crate) const WIDEST_MESSAGE: usize = 16;

/// The helper methods that zbus's `#[interface]` writes into the adapter for a property
/// whose name in snake case is `stem`, which no other adapter method may be named.
pub(crate) fn property_helpers(stem: &str) -> [String; 2] {
    [format!("{stem}_changed"), format!("{stem}_invalidate")]
}
