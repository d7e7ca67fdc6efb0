//! Which bus to connect to: the command-line options both binaries share.

use std::time::Duration;

use zbus::connection::Builder;

/// How long a method call waits for its reply: libdbus's default.
pub(crate) const METHOD_TIMEOUT: Duration = Duration::from_secs(25);

/// The bus to use: the session bus unless an option says otherwise.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct BusArgs {
    /// Connect to the bus at this D-Bus address instead of the session bus.
    #[arg(long, value_name = "ADDR", conflicts_with = "system")]
    pub address: Option<String>,
    /// Connect to the system bus instead of the session bus.
    #[arg(long)]
    pub system: bool,
}

impl BusArgs {
    /// A connection builder for the chosen bus; a malformed address fails at `build()`. Method
    /// calls on it time out after [`METHOD_TIMEOUT`].
    pub fn builder(&self) -> Builder<'static> {
        let builder = match (&self.address, self.system) {
            (Some(address), _) => Builder::address(address.as_str()),
            (None, true) => Builder::system(),
            (None, false) => Builder::session(),
        };
        builder.method_timeout(METHOD_TIMEOUT)
    }
}
