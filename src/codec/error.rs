//! The codec's errors: what was wrong with bytes from the peer, or with a value to send.

use thiserror::Error;

/// A value cannot be a token of a command line.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum TokenError {
    /// Tokens cannot be empty.
    #[error("empty token")]
    Empty,
    /// The value holds a byte that cannot stand in a token (space, control byte, or a
    /// separator of the field).
    #[error("byte 0x{byte:02x} at {at} cannot stand in a token")]
    Forbidden {
        /// The offending byte.
        byte: u8,
        /// Its position.
        at: usize,
    },
    /// The value is longer than the protocol allows.
    #[error("token of {len} bytes is longer than the {max} allowed")]
    TooLong {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The value ends before its fixed shape does (a GUID of fewer than 36 characters).
    #[error("token ends at {at}, before its shape does")]
    Truncated {
        /// Its length.
        at: usize,
    },
}

/// Bytes from the peer that do not form a command.
///
/// [`DecodeError::frame_len`] tells how many bytes the bad frame spans where that is known,
/// so a stream can skip it and stay in sync.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The input ends before the frame does: feed more bytes.
    #[error("incomplete frame: more bytes needed")]
    Incomplete,
    /// No line end within the line limit: the stream cannot be framed any more.
    #[error("line longer than {max} bytes")]
    LineTooLong {
        /// The limit from [`Limits`](super::Limits).
        max: usize,
    },
    /// A payload command announced more bytes than the limit; its frame is skipped.
    #[error("payload of {len} bytes is larger than the {max} allowed")]
    PayloadTooLarge {
        /// The announced length.
        len: usize,
        /// The limit from [`Limits`](super::Limits).
        max: usize,
        /// Line plus announced payload.
        frame_len: usize,
    },
    /// A payload command whose length is not a decimal number: the stream cannot be
    /// framed any more.
    #[error("payload command `{verb}` has no valid length")]
    InvalidPayloadLength {
        /// The command verb.
        verb: String,
    },
    /// A payload command announced more bytes than [`Limits::max_skip_len`](super::Limits::max_skip_len):
    /// skipping them would discard the rest of the stream, so it cannot be framed any more.
    #[error(
        "payload of {len} bytes is beyond the {max} that may be skipped: the stream cannot be framed any more"
    )]
    UnskippablePayload {
        /// The announced length.
        len: usize,
        /// The limit from [`Limits`](super::Limits).
        max: usize,
    },
    /// The peer sent more unframed bytes than the buffer limit allows.
    #[error("more than {max} bytes buffered without a complete frame")]
    BufferFull {
        /// The limit from [`Limits`](super::Limits).
        max: usize,
    },
    /// A known command whose arguments do not match its grammar. Arguments are not
    /// quoted here: they may hold secrets.
    #[error("malformed `{verb}` command: {reason}")]
    Malformed {
        /// The command verb.
        verb: String,
        /// What was wrong.
        reason: &'static str,
        /// Line plus payload, to skip.
        frame_len: usize,
    },
}

impl DecodeError {
    /// How many bytes to skip to pass the bad frame, when the stream can stay in sync.
    pub fn frame_len(&self) -> Option<usize> {
        match self {
            DecodeError::PayloadTooLarge { frame_len, .. } | DecodeError::Malformed { frame_len, .. } => {
                Some(*frame_len)
            }
            _ => None,
        }
    }

    /// Whether the stream can no longer be framed after this error.
    pub fn is_fatal(&self) -> bool {
        matches!(
            self,
            DecodeError::LineTooLong { .. }
                | DecodeError::InvalidPayloadLength { .. }
                | DecodeError::UnskippablePayload { .. }
                | DecodeError::BufferFull { .. }
        )
    }
}

/// A value that cannot be written as a well-formed command.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// A raw command line holds CR, LF or NUL, or does not start with a verb.
    #[error("raw command line is not a single well-formed line: {reason}")]
    InvalidRawLine {
        /// What was wrong.
        reason: &'static str,
    },
    /// A payload is larger than the command can announce or the peer accepts.
    #[error("payload of {len} bytes is larger than the {max} allowed")]
    PayloadTooLarge {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A field whose value would read back as a different command or field.
    #[error("invalid field: {reason}")]
    InvalidField {
        /// What was wrong.
        reason: &'static str,
    },
}
