//! A D-Bus random-number service and its client, both generated from
//! `interfaces/com.larry_price.test.RandomData.xml`.
//!
//! `build.rs` turns the XML into the server trait [`RandomData`], its adapter
//! [`RandomDataServer`] and the client [`RandomDataProxy`]; this crate adds the two sides that use them,
//! each with its command line: [`service`] (`random-data-service`) and [`client`]
//! (`random-data`).
//!
//! The library exists for the two binaries, their man pages (`dev/assets`), the integration
//! tests and the benchmark; it exports what they use and nothing else.

mod bus;
pub mod client;
pub mod service;

/// The code generated from the interface XML (see `build.rs`).
#[allow(missing_docs)] // zbus's #[proxy] writes the proxy struct without docs.
mod generated {
    include!(concat!(
        env!("OUT_DIR"),
        "/com.larry_price.test.RandomData.rs"
    ));
}

pub use generated::random_data_client::{self, RandomDataProxy};
pub use generated::random_data_server::{
    self, RandomData, RandomDataCall, RandomDataServer, RandomDataSignals,
};
/// The well-known bus name the service owns, and the path of its one object (from build.rs
/// and the XML's root `<node name>`).
pub use generated::{OBJECT_PATH, SERVICE_NAME};
