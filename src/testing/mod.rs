//! Test helpers for this crate and for bots built on it (feature `testing`).
//!
//! - [`transcript`]: replays whole conversations written as `C:`/`S:` lines against a
//!   session machine, with random input splits.
//! - [`client`]: the whole `Client`'s transcript mini-language, for [`transcript::run_client`].
//! - [`known_answer`]: "these bytes decode to this value" and "this value encodes to these
//!   bytes", printing escaped bytes on a mismatch.
//! - [`ns`]: the notification machine's transcript mini-language.
//! - [`sb`]: the switchboard machine's transcript host and mini-language.
//! - [`loopback`] (with feature `server`): clients and the crate's server wired together in memory.
//! - [`memory`] (with features `server` and `tokio`): the crate's server in process, reached
//!   through a driver's connector, so a bot runs unchanged against it without ports.

pub mod client;
pub mod known_answer;
#[cfg(feature = "server")]
pub mod loopback;
#[cfg(all(feature = "server", feature = "tokio"))]
pub mod memory;
pub mod ns;
pub mod sb;
pub mod transcript;
