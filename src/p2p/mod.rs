//! P2P (MSNC1) over the switchboard, MSNP9 and later: display pictures and file transfer
//! [reference §9].
//!
//! A P2P message travels as the payload of `MSG <trid> D <len>` on a switchboard:
//! a MIME part naming the recipient (`P2P-Dest`), a 48-byte binary [`Header`], up to
//! [`MAX_CHUNK_LEN`] bytes of data and a 4-byte [`AppId`] footer ([`P2pMessage`]). A message
//! longer than one chunk is split by [`Chunker`] into chunks sharing its `Identifier` and
//! `TotalSize`. Messages of session 0 carry MSNSLP text ([`SlpMessage`]: INVITE, `200 OK`,
//! `603 Decline`, BYE), which the [`Reassembler`] puts back together within a bound;
//! messages of other sessions carry the picture or file data, which it hands on chunk by
//! chunk without buffering. Every complete message is acknowledged once ([`Header::ack`]).
//!
//! ```
//! use msnp::p2p::{AppId, Header, P2pMessage};
//!
//! let invite = Header { identifier: 0x0118_A958, total_size: 4, ack_id: 0x001E_38AB, ..Header::default() };
//! let message = P2pMessage::new("bob@passport.com", invite, &b"INV\0"[..], AppId::SLP);
//! let mut wire = Vec::new();
//! message.encode(&mut wire)?;
//! assert_eq!(P2pMessage::parse(&wire)?, message);
//!
//! let ack = invite.ack(0x2D1F_7A10);
//! assert_eq!((ack.ack_id, ack.ack_uid, ack.ack_size), (0x0118_A958, 0x001E_38AB, 4));
//! # Ok::<(), msnp::p2p::P2pError>(())
//! ```
//!
//! On top, [`P2pSession`] runs the transfers with one peer, sans-IO: fetching a
//! display picture and serving one's own (§9.4), sending and receiving files, with
//! progress events and every transfer ending exactly once ([`P2pEvent::Completed`] or
//! [`P2pEvent::Failed`]). Its inputs are received `MSG` payloads, its outputs payloads
//! to send as `MSG <trid> D <len>` on the switchboard; it opens no connection and reads
//! no clock.

mod chunk;
mod context;
mod error;
mod header;
mod reassembly;
mod session;
mod slp;

pub use chunk::Chunker;
pub use context::{FileContext, MAX_FILE_NAME_UNITS};
pub use error::{ContextError, FailReason, P2pCallError, P2pError, ReassemblyError, SlpError};
pub use header::{AppId, Flags, Header, MAX_CHUNK_LEN, P2P_CONTENT_TYPE, P2pMessage};
pub use reassembly::{Reassembler, ReassemblyLimits, Received};
pub use session::{P2pConfig, P2pEvent, P2pSession, TransferId, TransferKind};
pub use slp::{
    DISPLAY_PICTURE_GUID, FILE_TRANSFER_GUID, SESSION_CLOSE_BODY, SESSION_REQUEST_BODY, SlpLimits,
    SlpMessage, SlpMethod, StartLine,
};
