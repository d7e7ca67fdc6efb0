//! The command lines of both binaries, kept in the library so that their man pages and shell
//! completions are generated from the same definitions (see `dev/assets`).

pub mod client;
pub mod service;
