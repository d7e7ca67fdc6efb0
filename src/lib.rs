//! A D-Bus random-number service and its client, both generated from
//! `interfaces/com.larry_price.test.RandomData.xml`.
//!
//! `build.rs` turns the XML into the server trait [`RandomData`], its adapter
//! [`RandomDataServer`] and the client [`RandomDataProxy`]; this crate adds the service's own
//! logic ([`Service`]) and the command-line client ([`client`]).

pub mod bits;
pub mod bus;
pub mod client;
pub mod contract;
pub mod errors;
pub mod pending;
mod request_ids;
pub mod serve;
pub mod service;

/// The code generated from the interface XML (see `build.rs`).
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
pub use service::{Service, ServiceConfig};

/// The well-known bus name the service owns.
pub const BUS_NAME: &str = "com.larry-price.test";
/// The path of the service's one object.
pub const OBJECT_PATH: &str = "/com/larry_price/test/RandomData";
/// The name of the interface, as in the XML.
pub const INTERFACE: &str = "com.larry_price.test.RandomData";
