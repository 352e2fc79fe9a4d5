//! [`NsError`]: why the machine refused a call (caller misuse; state unchanged).

use thiserror::Error;

use crate::codec::{EncodeError, TokenError};

/// Why a command was refused. The machine's state is unchanged.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum NsError {
    /// The call does not fit the session's current state.
    #[error("`{call}` is not possible while the session is {state}")]
    WrongState {
        /// The refused call.
        call: &'static str,
        /// The state, in words.
        state: &'static str,
    },
    /// The session is over; create a new machine.
    #[error("the session is closed")]
    Closed,
    /// An argument cannot be sent.
    #[error("invalid {what}: {source}")]
    InvalidArgument {
        /// Which argument.
        what: &'static str,
        /// What is wrong with it.
        source: TokenError,
    },
    /// The protocol forbids this value here.
    #[error("{0}")]
    Forbidden(&'static str),
    /// Too many requests await an answer.
    #[error("{max} requests already await an answer")]
    TooManyPending {
        /// The limit from `NsConfig::max_pending`.
        max: usize,
    },
    /// The caller has not taken the bytes already queued.
    #[error("more than {max} bytes queued for sending: drain poll_output")]
    TransmitFull {
        /// The limit from `NsConfig::max_transmit`.
        max: usize,
    },
    /// The command cannot be written.
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// [`send_command`](super::NotificationClient::send_command) with a verb the machine
    /// sends itself (login, keep-alive, `QRY`, `OUT`) or a switchboard verb.
    #[error("`{verb}` is managed by the machine or not valid on a notification server")]
    ManagedVerb {
        /// The verb.
        verb: String,
    },
}
