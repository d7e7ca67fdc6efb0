//! The D-Bus errors the service answers with.

use zbus::DBusError;
use zbus::message::{Header, Message};
use zbus::names::ErrorName;

/// The error name of a refusal because too many slow requests are pending.
pub const BUSY: &str = "com.larry_price.test.RandomData.Error.Busy";
/// The error name of a refusal because the service is stopping.
pub const SHUTTING_DOWN: &str = "com.larry_price.test.RandomData.Error.ShuttingDown";

/// Why the service refused a call. Each kind has its own D-Bus error name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(super) enum ServiceError {
    /// A bad argument: `org.freedesktop.DBus.Error.InvalidArgs`.
    #[error("{0}")]
    InvalidArgs(String),
    /// A limit on pending slow requests is reached: `com.larry_price.test.RandomData.Error.Busy`.
    #[error("{0}")]
    Busy(String),
    /// The service is stopping and takes no new requests:
    /// `com.larry_price.test.RandomData.Error.ShuttingDown`.
    #[error("the service is shutting down")]
    ShuttingDown,
    /// The bus would not say which Unix user a caller is, so its slow requests cannot be
    /// counted against its user's cap: `org.freedesktop.DBus.Error.AccessDenied`.
    #[error("{0}")]
    UnknownUser(String),
}

impl DBusError for ServiceError {
    fn create_reply(&self, call: &Header<'_>) -> zbus::Result<Message> {
        Message::error(call, self.name()).build(&(self.to_string(),))
    }

    fn name(&self) -> ErrorName<'_> {
        ErrorName::from_static_str_unchecked(match self {
            ServiceError::InvalidArgs(_) => "org.freedesktop.DBus.Error.InvalidArgs",
            ServiceError::Busy(_) => BUSY,
            ServiceError::ShuttingDown => SHUTTING_DOWN,
            ServiceError::UnknownUser(_) => "org.freedesktop.DBus.Error.AccessDenied",
        })
    }

    fn description(&self) -> Option<&str> {
        match self {
            ServiceError::InvalidArgs(message)
            | ServiceError::Busy(message)
            | ServiceError::UnknownUser(message) => Some(message),
            ServiceError::ShuttingDown => Some("the service is shutting down"),
        }
    }
}
