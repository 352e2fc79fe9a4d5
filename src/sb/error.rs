//! [`SbError`]: a call the switchboard machine refused, with no change of state.

use crate::codec::{Dialect, EncodeError};

/// Why a [`SwitchboardClient`](super::SwitchboardClient) call was refused. Nothing was
/// queued and the machine's state did not change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SbError {
    /// The session is over (see [`SbEvent::Closed`](super::SbEvent::Closed)).
    #[error("the switchboard session is closed")]
    Closed,
    /// The call needs a joined session (after `USR … OK` or `ANS … OK`).
    #[error("the switchboard session is not joined yet")]
    NotJoined,
    /// An empty text makes no message.
    #[error("cannot send an empty text")]
    EmptyText,
    /// The payload is larger than a switchboard accepts [HYP sb/messages].
    #[error("payload of {len} bytes is larger than the {max} a switchboard accepts")]
    PayloadTooLarge {
        /// Its length.
        len: usize,
        /// The limit, [`MAX_PAYLOAD_LEN`](super::MAX_PAYLOAD_LEN).
        max: usize,
    },
    /// The text format does not leave room for any text within the payload limit.
    #[error("the text format leaves no room for text in a {max}-byte payload")]
    FormatTooLarge {
        /// The payload limit.
        max: usize,
    },
    /// Too many messages wait to be written or acknowledged: drain
    /// [`poll_output`](super::SwitchboardClient::poll_output) and wait for outcomes.
    #[error("{pending} requests already pending, the limit is {max}")]
    TooManyPending {
        /// How many are pending.
        pending: usize,
        /// [`SbConfig::max_pending`](super::SbConfig::max_pending).
        max: usize,
    },
    /// Too many invitations wait for an answer.
    #[error("{max} invitations already wait for an answer")]
    TooManyInvitations {
        /// [`SbConfig::max_participants`](super::SbConfig::max_participants).
        max: usize,
    },
    /// Too many bytes wait to be transmitted: drain
    /// [`poll_output`](super::SwitchboardClient::poll_output) first.
    #[error("{buffered} bytes wait to be transmitted, the limit is {max}")]
    TransmitFull {
        /// Bytes waiting.
        buffered: usize,
        /// [`SbConfig::max_transmit`](super::SbConfig::max_transmit).
        max: usize,
    },
    /// The command cannot be written.
    #[error("cannot encode the command: {0}")]
    Encode(#[from] EncodeError),
    /// The session's dialect has no such thing (acknowledgement mode `D` before
    /// MSNP9), as [`NsError::NotInDialect`](crate::ns::NsError::NotInDialect) says it
    /// of the notification machine's calls.
    #[error("`{call}` is not possible in {dialect}")]
    NotInDialect {
        /// The refused call, with the argument that needs a later dialect.
        call: &'static str,
        /// The session's dialect.
        dialect: Dialect,
    },
}
