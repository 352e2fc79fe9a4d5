//! Sans-IO MSN Messenger protocol, version 8 (MSNP8), for clients.
//!
//! See the README for the layer diagram and the run loop contract.
//!
//! # Frame logs (feature `tracing`)
//!
//! [`ns::NotificationClient`] and [`sb::SwitchboardClient`] emit one `TRACE` event with
//! target `msnp::frame` for every frame they hand out (`dir=send`) or parse
//! (`dir=recv`), with the connection's label (`conn`, set with `set_trace_label`, else
//! `ns` or `sb`), the frame's length (`len`) and the command's `Debug` form. Tickets,
//! cookies and hashes print as `Secret(<redacted>)`; payloads (`MSG`, `QRY`, `NOT`,
//! `IPG`, unknown payload verbs) only by length and media type, since message text is
//! private and profiles carry `MSPAuth`; undecodable frames by length and error. Callers
//! on the `log` facade can enable `tracing`'s `log` feature to receive these events.
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
