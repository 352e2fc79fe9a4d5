//! The codec of MSNP8 to MSNP12: framing, typed commands in both directions, serialization.
//!
//! Pure and stateless. [`ServerCommand::decode`] and [`ClientCommand::decode`] take one
//! frame from the start of a buffer in MSNP8; `decode_in` does so in any [`Dialect`];
//! [`Framer`] does the same over a stream that arrives in pieces, in the dialect set with
//! [`Framer::set_dialect`], which each [`Frame`] carries to `decode_frame`. Decoding
//! borrows from the input; `into_owned` detaches a value.
//!
//! Encoding needs no dialect: each variant's shape fixes its bytes. Where a later
//! dialect changed a command's shape, the later shape is its own variant (`Adc`,
//! `LstGuid`, `SynStamps`, …, each documented with its wire form and dialects) or an
//! optional field (`UsrOk::name`, the MSNObject of `Chg`/`Iln`/`Nln`, the caps of
//! `Iro`/`Joi`). Decoding picks the shape by the dialect where two shapes are alike
//! (`USR OK` with or without a name, `PRP`, `BPR`, `REM`, `LST`…) and by shape
//! elsewhere; a shape the dialect does not have stays `Other`.
//!
//! Two laws hold and are tested: a value the API can build decodes back to itself after
//! encoding, and a canonical wire line (CRLF, single spaces) re-encodes to the same bytes.
//!
//! ```
//! use msnp::codec::{ServerCommand, TrId};
//! let (cmd, used) = ServerCommand::decode(b"CHL 0 15570131571988941333\r\n").unwrap();
//! assert_eq!(used, 28);
//! let ServerCommand::Chl { trid, challenge } = &cmd else { panic!() };
//! assert_eq!((*trid, challenge.as_str()), (TrId(0), "15570131571988941333"));
//! let mut out = Vec::new();
//! cmd.encode(&mut out).unwrap();
//! assert_eq!(out, b"CHL 0 15570131571988941333\r\n");
//! ```

// Imports point one way, from the commands down to the bytes:
// `client`, `server` → `grammar` → `command`, `wire` → `framer`, `raw`, `token` → `types`
// → `parse`, `verb`, `error`; `dialect` stands alone. `arbitrary_values` sits on top, beside the tests.
#[cfg(feature = "arbitrary")]
mod arbitrary_values;
mod client;
mod command;
mod dialect;
mod error;
mod framer;
mod grammar;
mod parse;
mod raw;
mod server;
mod token;
mod types;
mod verb;
mod wire;

pub use client::ClientCommand;
pub use dialect::{Dialect, DialectSet, UnknownDialect};
pub use error::{DecodeError, EncodeError, TokenError};
pub use framer::{
    Direction, Frame, Framer, Limits, PAYLOAD_VERBS, PayloadVerb, payload_verb, split_frame, split_frame_in,
};
pub use raw::RawCommand;
pub use server::{AccountFlags, BprStamp, ListStamp, ServerCommand, SynCounts};
pub use token::{
    EncodedName, FriendlyName, GroupList, GroupName, Guid, GuidList, MAX_PASSPORT_LEN, Passport, Token,
    TokenList,
};
pub use types::{
    AckMode, AddPrompt, ClientCaps, ErrorCode, GroupId, HostPort, List, ListMask, OutReason, Privacy, Status,
    TrId,
};
