//! The service side: `random-data-service`, which owns `com.larry-price.test` and serves the
//! generated [`RandomData`](crate::RandomData) trait, implemented by hand in
//! `object.rs`.
//!
//! Only the command line ([`cli`]) and the names of the errors the service answers with are
//! public; the rest is the service's own business.

mod bits;
mod callers;
pub mod cli;
mod errors;
mod object;
mod pending;
mod request_ids;
mod run;
mod slow_request;

pub use errors::{BUSY, SHUTTING_DOWN};
use object::{Service, ServiceConfig};
