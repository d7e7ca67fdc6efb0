//! The app's integration tests, in one binary (one link of zbus and tokio instead of twenty;
//! docs/testing.md has the measurement). Each module is one area; each test starts its own
//! private `dbus-daemon`. Run one area with `cargo test --test app reliability::`.

mod common;

mod activation;
mod api;
mod bad_input;
mod concurrency;
mod contract;
mod end_to_end;
mod evolution;
mod fairness;
mod fuzz_arguments;
mod hardening;
mod install;
mod logging;
mod mock;
mod other_languages;
mod pipelining;
mod randomness;
mod reliability;
mod setup;
mod soak;
mod wire_compat;
