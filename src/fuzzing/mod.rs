//! Bodies of the fuzz targets in `fuzz/`, one function per target, named after it.
//!
//! **Unstable and internal** (feature `fuzzing`): not part of the crate's API, free to
//! change in any release, hidden from the docs.
//!
//! They live in the crate, not in `fuzz/`, so that stable tests (`tests/*fuzz_corpus*.rs`)
//! replay the committed corpus through exactly the code the fuzzer runs, and the
//! session bodies can drive the machines through their public API only. Each body panics
//! when a law of the crate breaks (a round trip, a bound, an event contract); no input
//! from the peer may make the crate itself panic.

pub mod client;
pub mod codec;
pub mod msg;
pub mod msnftp;
pub mod ns;
pub mod p2p;
pub mod passport;
pub mod presence;
pub mod sb;
#[cfg(feature = "server")]
pub mod server;
