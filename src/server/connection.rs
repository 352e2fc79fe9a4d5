//! One TCP connection of the [`Server`](super::Server): its [`ConnId`], the
//! [`Listener`] it came in on, and its machine state.

use std::fmt;
use std::time::Instant;

use super::event::CloseReason;
use crate::codec::{Dialect, Direction, Framer, Limits, Passport, TrId};

/// Names one connection of a [`Server`](super::Server). Never reused by the same server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnId(pub(super) u64);

impl ConnId {
    /// The number behind the id, for logs and maps.
    pub fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for ConnId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "conn#{}", self.0)
    }
}

/// Which port a connection arrived on, which decides the role its machine plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Listener {
    /// The dispatch server: handshake, then `XFR … NS` to the notification server.
    Dispatch,
    /// The notification server: Passport login, lists, presence, `XFR SB`.
    Notification,
    /// The switchboard: `USR`/`ANS` with a cookie, then `CAL` and `MSG`.
    Switchboard,
}

/// Where a dispatch or notification connection is in the login handshake.
#[derive(Debug, Clone, Default)]
pub(crate) struct Handshake {
    /// The dialect `VER` agreed on.
    pub(crate) dialect: Option<Dialect>,
    /// The account of `USR TWN I`, waiting for its ticket.
    pub(crate) account: Option<Passport<'static>>,
}

/// A signed-in notification session.
#[derive(Debug, Clone)]
pub(crate) struct NsSession {
    /// Lower-cased account.
    pub(crate) account: String,
    /// The open challenge and its deadline.
    /// The open challenge and its deadline (`None`: a timeout too large to reach).
    pub(crate) challenge: Option<(String, Option<Instant>)>,
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
    /// The dialect replies are shaped in: chosen by `VER` on a notification
    /// connection, carried by the cookie to a switchboard; MSNP8 until then.
    pub(crate) dialect: Dialect,
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
            dialect: Dialect::Msnp8,
        }
    }

    /// Speaks `dialect` from now on, in its replies and in how its input is framed.
    pub(crate) fn set_dialect(&mut self, dialect: Dialect) {
        self.dialect = dialect;
        self.framer.set_dialect(dialect);
    }

    pub(crate) fn challenge_deadline(&self) -> Option<Instant> {
        match &self.state {
            State::SignedIn(NsSession {
                challenge: Some((_, deadline)),
                ..
            }) => *deadline,
            _ => None,
        }
    }
}

/// The TrID of a raw command line, when its second word is a number.
pub(crate) fn line_trid(bytes: &[u8]) -> Option<TrId> {
    let line = bytes.split(|&b| b == b'\r' || b == b'\n').next()?;
    let word = line.split(|&b| b == b' ').filter(|w| !w.is_empty()).nth(1)?;
    std::str::from_utf8(word).ok()?.parse().ok().map(TrId)
}
