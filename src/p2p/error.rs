//! The errors of the P2P layer, one enum per kind of value it reads or builds.

use crate::msg::ParseError;

/// Why a P2P `MSG` payload (MIME part, binary header, data, footer) could not be read or
/// written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum P2pError {
    /// The MIME part of the payload is malformed.
    #[error("the MIME part of the P2P payload is malformed: {0}")]
    Mime(#[from] ParseError),
    /// The `Content-Type` is not `application/x-msnmsgrp2p`.
    #[error("the payload is not application/x-msnmsgrp2p")]
    NotP2p,
    /// The `P2P-Dest` header is absent.
    #[error("the P2P payload has no P2P-Dest header")]
    MissingDest,
    /// The destination handle is empty or holds white space or a control character.
    #[error("the P2P-Dest handle is empty or contains white space or a control character")]
    InvalidDest,
    /// The binary part is shorter than a header and a footer.
    #[error("the binary part is {len} bytes, shorter than the 52 of a header and a footer")]
    TooShort {
        /// Bytes after the MIME part.
        len: usize,
    },
    /// The header's `Length` does not match the bytes between header and footer.
    #[error("the header announces {length} data bytes but {available} are present")]
    LengthMismatch {
        /// The header's `Length` field.
        length: u32,
        /// Bytes between the header and the footer.
        available: usize,
    },
    /// `Offset + Length` lies beyond `TotalSize`.
    #[error("a chunk at offset {offset} of {length} bytes lies beyond the message's {total_size}")]
    BeyondTotal {
        /// The header's `Offset`.
        offset: u64,
        /// The header's `Length`.
        length: u32,
        /// The header's `TotalSize`.
        total_size: u64,
    },
}

/// Why an MSNSLP message could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SlpError {
    /// The message is larger than [`SlpLimits::max_len`](super::SlpLimits::max_len).
    #[error("the SLP message is {len} bytes, the limit is {max}")]
    TooLarge {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// More header lines or body fields than
    /// [`SlpLimits::max_fields`](super::SlpLimits::max_fields).
    #[error("the SLP message has more than {max} header lines or body fields")]
    TooManyFields {
        /// The limit.
        max: usize,
    },
    /// No blank line ends the header block.
    #[error("the SLP message ends before its header block does")]
    NoHeaderEnd,
    /// The header block or the body is not UTF-8.
    #[error("the SLP message is not valid UTF-8")]
    NonUtf8,
    /// The first line is neither a request line nor an `MSNSLP/1.0` status line.
    #[error("the SLP start line is malformed")]
    InvalidStartLine,
    /// A required header is absent.
    #[error("the SLP header {name} is missing")]
    MissingHeader {
        /// Its name.
        name: &'static str,
    },
    /// A header appears twice.
    #[error("the SLP header {name} appears twice")]
    DuplicateHeader {
        /// Its name.
        name: &'static str,
    },
    /// A header (or a field the caller supplied) does not have its expected form.
    #[error("the SLP field {name} has an invalid value")]
    InvalidField {
        /// Its name.
        name: &'static str,
    },
    /// A line of the header block or of the body has no `:`.
    #[error("an SLP line has no colon")]
    MissingColon,
    /// `Content-Length` does not match the bytes after the header block.
    #[error("Content-Length is {declared} but {available} body bytes are present")]
    ContentLength {
        /// The `Content-Length` value.
        declared: usize,
        /// Bytes after the blank line.
        available: usize,
    },
}

/// Why a file-transfer `Context` could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ContextError {
    /// The `Context:` value is not base64.
    #[error("the context is not valid base64")]
    Base64,
    /// The structure is shorter than its fixed part, or than its own length field.
    #[error("the context is {len} bytes, too short for its structure")]
    TooShort {
        /// Its length in bytes.
        len: usize,
    },
    /// The version and length fields are not a combination this crate reads (2 with at
    /// least 574 bytes, or 3 with 638).
    #[error("context version {version} with length {length} is not supported")]
    Unsupported {
        /// The version field.
        version: u32,
        /// The length field.
        length: u32,
    },
    /// The file name is not valid UTF-16, or holds a NUL.
    #[error("the file name is not valid UTF-16")]
    InvalidName,
    /// The file name does not fit the structure's fixed field.
    #[error("the file name is {units} UTF-16 units, the limit is {max}")]
    NameTooLong {
        /// Its length in UTF-16 code units.
        units: usize,
        /// The limit, [`MAX_FILE_NAME_UNITS`](super::MAX_FILE_NAME_UNITS).
        max: usize,
    },
}

/// Why the [`Reassembler`](super::Reassembler) refused a chunk. The chunk is dropped and
/// the message it belongs to (if one was open) is forgotten, so its bytes are freed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReassemblyError {
    /// [`ReassemblyLimits::max_messages`](super::ReassemblyLimits::max_messages) messages
    /// are already open.
    #[error("{max} messages are already being reassembled")]
    TooManyMessages {
        /// The limit.
        max: usize,
    },
    /// Buffering this message would pass
    /// [`ReassemblyLimits::max_bytes`](super::ReassemblyLimits::max_bytes).
    #[error("{buffered} bytes are reserved, {needed} more would pass the limit of {max}")]
    BufferFull {
        /// Bytes already reserved by open messages.
        buffered: usize,
        /// The new message's `TotalSize`.
        needed: u64,
        /// The limit.
        max: usize,
    },
    /// A chunk does not start where the bytes received so far end: out of order, a
    /// duplicate or an overlap.
    #[error("a chunk starts at offset {offset}, the next expected is {expected}")]
    UnexpectedOffset {
        /// The offset the message continues at.
        expected: u64,
        /// The chunk's offset.
        offset: u64,
    },
    /// `Offset + Length` lies beyond `TotalSize`.
    #[error("a chunk at offset {offset} of {length} bytes lies beyond the message's {total_size}")]
    BeyondTotal {
        /// The chunk's offset.
        offset: u64,
        /// The chunk's length.
        length: u64,
        /// The message's `TotalSize`.
        total_size: u64,
    },
    /// A chunk's `TotalSize` differs from its message's first chunk.
    #[error("a chunk says the message is {now} bytes, its first chunk said {was}")]
    TotalSizeChanged {
        /// `TotalSize` of the first chunk.
        was: u64,
        /// `TotalSize` of this chunk.
        now: u64,
    },
    /// The header's `Length` does not match the data handed in.
    #[error("the header announces {length} bytes but {available} were handed in")]
    LengthMismatch {
        /// The header's `Length`.
        length: u32,
        /// The data's length.
        available: usize,
    },
}

/// Why a [`P2pSession`](super::P2pSession) call was refused; nothing was sent and no
/// state changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum P2pCallError {
    /// No open transfer has this id (it never existed or has ended).
    #[error("no open transfer has this id")]
    UnknownTransfer,
    /// The transfer is not in a state where this call applies.
    #[error("the transfer cannot do that in its current state")]
    WrongState,
    /// [`P2pConfig::max_transfers`](super::P2pConfig::max_transfers) are open.
    #[error("{max} transfers are already open")]
    TooManyTransfers {
        /// The limit.
        max: usize,
    },
    /// [`P2pConfig::max_transmit`](super::P2pConfig::max_transmit) bytes wait to be
    /// sent: drain `poll_output` first.
    #[error("{buffered} bytes wait to be sent, the limit is {max}")]
    TransmitFull {
        /// Bytes waiting.
        buffered: usize,
        /// The limit.
        max: usize,
    },
    /// More data than the transfer announced.
    #[error("{len} bytes offered, only {remaining} remain of the transfer")]
    TooMuchData {
        /// Bytes offered.
        len: usize,
        /// Bytes the transfer still expects.
        remaining: u64,
    },
    /// The file context cannot be written.
    #[error("invalid file context: {0}")]
    Context(#[from] ContextError),
    /// An SLP message cannot be written (a handle or context with a forbidden byte).
    #[error("invalid SLP message: {0}")]
    Slp(#[from] SlpError),
}

/// Why a transfer failed. Every transfer ends exactly once, as completed or with one
/// of these.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FailReason {
    /// The peer declined our invitation (`603 Decline` or another refusal code).
    #[error("the peer declined the transfer (status {code})")]
    Declined {
        /// The status code of its answer.
        code: u16,
    },
    /// We declined the peer's invitation.
    #[error("the transfer was declined here")]
    Refused,
    /// We cancelled it.
    #[error("the transfer was cancelled here")]
    Cancelled,
    /// The peer closed it (`BYE`) before it completed.
    #[error("the peer cancelled the transfer")]
    CancelledByPeer,
    /// Nothing happened on it for [`P2pConfig::timeout`](super::P2pConfig::timeout).
    #[error("the transfer timed out")]
    TimedOut,
    /// The data announced a size other than the one agreed.
    #[error("the data is {got} bytes, {expected} were agreed")]
    SizeMismatch {
        /// The size agreed in the invitation.
        expected: u64,
        /// The `TotalSize` the data announced.
        got: u64,
    },
    /// A data chunk did not continue the data received so far.
    #[error("the transfer's data arrived out of order: {0}")]
    Corrupt(ReassemblyError),
    /// The switchboard connection ended.
    #[error("the connection carrying the transfer was lost")]
    ConnectionLost,
}
