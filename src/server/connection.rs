//! One TCP connection's machine state inside the [`Server`](super::Server).

use std::time::Instant;

use super::{CloseReason, Listener};
use crate::codec::{Direction, Framer, Limits, Passport};

/// Where a dispatch or notification connection is in the login handshake.
#[derive(Debug, Clone, Default)]
pub(crate) struct Handshake {
    /// `VER` agreed on MSNP8.
    pub(crate) version: bool,
    /// The account of `USR TWN I`, waiting for its ticket.
    pub(crate) account: Option<Passport<'static>>,
}

/// A signed-in notification session.
#[derive(Debug, Clone)]
pub(crate) struct NsSession {
    /// Lower-cased account.
    pub(crate) account: String,
    /// The open challenge and its deadline.
    pub(crate) challenge: Option<(String, Instant)>,
    /// The first `CHG` (which starts presence and the first `CHL`) happened.
    pub(crate) challenged: bool,
}

/// What a connection is doing.
#[derive(Debug, Clone)]
pub(crate) enum State {
    /// Dispatch or notification, before sign-in.
    Handshake(Handshake),
    /// Notification, signed in.
    SignedIn(NsSession),
    /// Switchboard, before `USR`/`ANS`.
    SwitchboardAuth,
    /// Switchboard, in a session.
    Joined {
        /// The session id.
        session: u64,
        /// The participant's account.
        account: Passport<'static>,
    },
    /// Closed; departure announced.
    Gone,
}

#[derive(Debug)]
pub(crate) struct Connection {
    pub(crate) listener: Listener,
    pub(crate) framer: Framer,
    /// Encoded output not yet handed out, bounded by `max_queued_output`.
    pub(crate) out: Vec<u8>,
    /// Queued in the server's dirty list.
    pub(crate) dirty: bool,
    /// Set once closed: input is ignored, output drains, then `Close`.
    pub(crate) closing: Option<CloseReason>,
    pub(crate) state: State,
    pub(crate) last_activity: Instant,
}

impl Connection {
    pub(crate) fn new(listener: Listener, limits: Limits, now: Instant) -> Self {
        let state = match listener {
            Listener::Switchboard => State::SwitchboardAuth,
            Listener::Dispatch | Listener::Notification => State::Handshake(Handshake::default()),
        };
        Connection {
            listener,
            framer: Framer::new(Direction::ClientToServer, limits),
            out: Vec::new(),
            dirty: false,
            closing: None,
            state,
            last_activity: now,
        }
    }

    pub(crate) fn challenge_deadline(&self) -> Option<Instant> {
        match &self.state {
            State::SignedIn(NsSession {
                challenge: Some((_, deadline)),
                ..
            }) => Some(*deadline),
            _ => None,
        }
    }
}
