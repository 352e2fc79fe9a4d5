//! Sans-IO MSN Messenger protocol, version 8 (MSNP8), for clients.
//!
//! See the README for the layer diagram and the run loop contract.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_auto_cfg))]

pub mod challenge;
pub mod codec;
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
