//! The client side: `random-data`, which asks the service for a number through the generated
//! [`RandomDataProxy`](crate::RandomDataProxy), at once or the slow way.
//!
//! Only the command line ([`cli`]) is public.

mod ask;
pub mod cli;
