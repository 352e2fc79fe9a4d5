#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod challenge;
pub mod client;
pub mod codec;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
pub mod msg;
pub mod ns;
mod output;
pub mod passport;
pub mod sb;
mod secret;
#[cfg(feature = "server")]
pub mod server;
#[cfg(feature = "testing")]
pub mod testing;
mod trace;

pub use output::Output;
pub use secret::Secret;
