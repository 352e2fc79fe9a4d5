//! What a [`Server`](super::Server) hands its caller: [`ServerOutput`], its
//! [`ServerEvent`]s and the [`CloseReason`] of each connection that ends.

use std::time::Instant;

use thiserror::Error;

use super::config::MAX_MESSAGE_LEN;
use super::connection::ConnId;
use crate::codec::{DecodeError, Passport};

/// Why the server closed (or saw the end of) a connection.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum CloseReason {
    /// The peer closed the transport ([`Server::handle_closed`](super::Server::handle_closed)).
    #[error("the peer closed the connection")]
    PeerClosed,
    /// The client sent `OUT`.
    #[error("the client signed out")]
    SignedOut,
    /// The dispatch server referred the client to the notification server.
    #[error("referred to the notification server")]
    Redirected,
    /// The account signed in on another connection (`OUT OTH`).
    #[error("the account signed in elsewhere")]
    OtherLocation,
    /// [`Server::shutdown`](super::Server::shutdown) (`OUT SSD`).
    #[error("the server shut down")]
    Shutdown,
    /// `VER` offered no dialect the server speaks (`VER T 0`).
    #[error("no common protocol version")]
    UnsupportedProtocol,
    /// A bad Passport ticket or switchboard cookie (`911`).
    #[error("authentication failed")]
    AuthenticationFailed,
    /// A wrong `QRY` answer (`540`).
    #[error("wrong challenge answer")]
    ChallengeFailed,
    /// No `QRY` within [`ServerConfig::challenge_timeout`](super::ServerConfig::challenge_timeout) (`OUT`).
    #[error("challenge not answered in time")]
    ChallengeTimeout,
    /// The switchboard connection was idle too long (`BYE account 1` to the others).
    #[error("idle switchboard connection")]
    Idle,
    /// A command that is not allowed at this point of the session.
    #[error("unexpected `{verb}` command")]
    UnexpectedCommand {
        /// The command's verb.
        verb: String,
    },
    /// A `MSG` over [`MAX_MESSAGE_LEN`] bytes.
    #[error("message of {len} bytes is over the {MAX_MESSAGE_LEN}-byte limit")]
    MessageTooLarge {
        /// The announced payload length.
        len: usize,
    },
    /// A `UUX` payload over [`ServerConfig::max_personal_message_len`](super::ServerConfig::max_personal_message_len).
    #[error("personal message of {len} bytes is over the {max}-byte limit")]
    PersonalMessageTooLarge {
        /// The payload's length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A P2P message (`application/x-msnmsgrp2p`) sent with acknowledgement `U`, `N`
    /// or `A` instead of `D`: Escargot closes the switchboard connection over it
    /// (reference §9.1).
    #[error("P2P message not sent in acknowledgement mode D")]
    P2pWithoutDataAck,
    /// The byte stream could not be framed any more.
    #[error("unframeable input: {0}")]
    Decode(DecodeError),
    /// The peer did not read its output and the queue passed its bound.
    #[error("output queue over {max} bytes: peer not reading")]
    OutputOverflow {
        /// [`ServerConfig::max_queued_output`](super::ServerConfig::max_queued_output).
        max: usize,
    },
}

/// What the server tells its caller besides bytes to send.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServerEvent {
    /// An account signed in on a notification connection.
    SignedIn {
        /// The connection.
        conn: ConnId,
        /// The account.
        account: Passport<'static>,
    },
    /// A connection ended; a [`ServerOutput::Close`] follows unless the peer closed it.
    Closed {
        /// The connection.
        conn: ConnId,
        /// Why.
        reason: CloseReason,
    },
}

/// The next thing the server wants done. Drain [`Server::poll_output`](super::Server::poll_output) until `Idle`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerOutput {
    /// Write these bytes to `conn`, in order.
    Transmit {
        /// The connection.
        conn: ConnId,
        /// The bytes.
        bytes: Vec<u8>,
    },
    /// Close `conn` (its last bytes were handed out before this).
    Close {
        /// The connection.
        conn: ConnId,
    },
    /// Something the caller may want to know.
    Event(ServerEvent),
    /// Nothing to do until new input or `next_timeout`.
    Idle {
        /// When to call [`Server::handle_timeout`](super::Server::handle_timeout), if a timer is armed.
        next_timeout: Option<Instant>,
    },
}
