//! Sans-IO MSNP8–MSNP12 servers (feature `server`): dispatch, notification and
//! switchboard over an in-memory [`Directory`], for loopback tests, demos and test
//! doubles.
//!
//! One [`Server`] owns the directory and every connection machine, because one user's
//! action produces output on *other* connections (`NLN` to watchers, `RNG` to an
//! invitee, `JOI`/`MSG` to switchboard participants). Connections are named by
//! [`ConnId`]s that [`Server::accept`] hands out. Like the client machines, the server
//! reads no clock and owns no socket: bytes and time go in, bytes and close requests
//! come out.
//!
//! # Run loop
//! After every input ([`Server::accept`], [`Server::handle_input`],
//! [`Server::handle_closed`], [`Server::handle_timeout`], [`Server::shutdown`]) drain
//! [`Server::poll_output`] until it returns [`ServerOutput::Idle`], then wait for input
//! or for `next_timeout`. [`std_driver`] is that loop over `std::net`, the only I/O in
//! the crate.
//!
//! ```
//! use std::time::Instant;
//! use msnp::server::{Listener, Server, ServerConfig, ServerOutput};
//!
//! let now = Instant::now();
//! let mut server = Server::new(ServerConfig::default(), now);
//! let ds = server.accept(now, Listener::Dispatch);
//! server.handle_input(ds, now, b"VER 1 MSNP12 MSNP11 CVR0\r\n").unwrap();
//! assert_eq!(
//!     server.poll_output(),
//!     ServerOutput::Transmit { conn: ds, bytes: b"VER 1 MSNP12\r\n".to_vec() }
//! );
//! assert!(matches!(server.poll_output(), ServerOutput::Idle { .. }));
//! ```
//!
//! # Dialects
//! `VER` picks the newest dialect of [`ServerConfig::dialects`] the client offers, and
//! the connection is framed and answered in it; a switchboard connection speaks the
//! dialect of the notification session its cookie was issued to. The behaviour copied
//! is Escargot's, the revival network's server (reference §13): MSNP10+'s GUID contact
//! model over the same [`Directory`] (so an MSNP8 and an MSNP12 client share one
//! network, each seeing the other in its own dialect's form), MSNObjects relayed
//! re-encoded with an empty `<msnobj/>` for contacts without one, `UUX`/`UBX` relayed
//! as opaque bytes, `QNG 60`, no challenge from MSNP9 on, `MSG … D` for P2P.
//!
//! # What it does not do
//! No MD5 login (MSNP7 and below), no `NOT`/`IPG`, no `BPR` fan-out when a user
//! changes a phone number, no `FND`; no pending list (PL), no initial mail-data
//! message (MSNP11), no `OUT RCT`, and the `UUX` XML is not read or re-escaped. A
//! `CHG` without caps is taken in every dialect (Escargot ignores it from MSNP8 on).
//! Friendly-name rate limits (800) and CAL flood limits (713) are not enforced.

// Shared types live in their own modules (`config`, `connection`, `event`, `error`,
// `entropy`), re-exported below. `dispatch`, `notification`, `guid_lists` (MSNP10+'s
// contact model) and `switchboard` are the role-specific `impl Server` blocks: `Server`
// is the one thing they take from here.
mod config;
mod connection;
mod directory;
mod dispatch;
mod entropy;
mod error;
mod event;
mod guid_lists;
mod notification;
mod passport;
pub mod std_driver;
mod switchboard;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;
use std::time::Instant;

use crate::codec::{DecodeError, Dialect, ErrorCode, ServerCommand, TrId};
use connection::{Connection, State, line_trid};
use entropy::Entropy;

pub use config::{MAX_MESSAGE_LEN, ServerConfig};
pub use connection::{ConnId, Listener};
pub use error::ServerError;
pub use event::{CloseReason, ServerEvent, ServerOutput};

pub use directory::{
    Account, AccountError, Contact, Directory, ListChange, ListError, MAX_FRIENDLY_NAME_LEN,
    MAX_GROUP_NAME_LEN, MAX_GROUPS, MAX_PHONE_LEN, PHONE_PROPERTIES,
};
pub use passport::{MAX_HTTP_REQUEST_LEN, PassportAuthority, TicketVerifier};

/// The MSNP8–MSNP12 server: see the module docs.
///
/// Methods come in four groups, as in quinn-proto's `Connection`: getters; `handle_*`
/// inputs (bytes, transport close, time); mutators (accounts, shutdown); and
/// [`Server::poll_output`], to drain after each of the others.
pub struct Server<V: TicketVerifier = PassportAuthority> {
    config: ServerConfig,
    directory: Directory,
    verifier: V,
    conns: BTreeMap<ConnId, Connection>,
    /// Every live connection's deadline, ordered: the next timeout and the expired
    /// connections are found without visiting the others.
    deadlines: BTreeSet<(Instant, ConnId)>,
    next_conn: u64,
    /// Connections with output or a close to hand out, in the order they got it.
    dirty: VecDeque<ConnId>,
    events: VecDeque<ServerEvent>,
    /// Closed connections whose departure (FLN, BYE) is not yet announced.
    leaving: VecDeque<ConnId>,
    entropy: Entropy,
    started: Instant,
}

/// Buffered input and output may hold tickets and cookies: only counts are shown.
impl<V: TicketVerifier + fmt::Debug> fmt::Debug for Server<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("config", &self.config)
            .field("directory", &self.directory)
            .field("verifier", &self.verifier)
            .field("connections", &self.conns.len())
            .finish_non_exhaustive()
    }
}

impl Server<PassportAuthority> {
    /// A server with an in-memory [`PassportAuthority`] issuing and checking tickets.
    pub fn new(config: ServerConfig, now: Instant) -> Self {
        let authority = PassportAuthority::new(config.seed ^ 0x7061_7373);
        Server::with_verifier(config, now, authority)
    }

    /// Creates an account: its password with the Passport authority, its name and
    /// lists in the directory.
    pub fn add_account(&mut self, account: &str, password: &str, name: &str) -> Result<(), ServerError> {
        self.directory.add_account(account, name)?;
        self.verifier.add_credentials(account, password);
        Ok(())
    }
}

impl<V: TicketVerifier> Server<V> {
    /// A server checking tickets with `verifier`.
    pub fn with_verifier(config: ServerConfig, now: Instant, verifier: V) -> Self {
        let mut directory = Directory::default();
        // Its own stream: drawing ids from `entropy` would move every later ticket and
        // challenge with the number of accounts and groups.
        directory.reseed(config.seed ^ 0x6775_6964);
        Server {
            entropy: Entropy(config.seed),
            config,
            directory,
            verifier,
            conns: BTreeMap::new(),
            deadlines: BTreeSet::new(),
            next_conn: 1,
            dirty: VecDeque::new(),
            events: VecDeque::new(),
            leaving: VecDeque::new(),
            started: now,
        }
    }

    // ---- getters ----

    /// The settings.
    pub fn config(&self) -> &ServerConfig {
        &self.config
    }

    /// Accounts, lists, presence and sessions.
    pub fn directory(&self) -> &Directory {
        &self.directory
    }

    /// The ticket verifier.
    pub fn verifier(&self) -> &V {
        &self.verifier
    }

    /// How many connections are open (closing ones included until their `Close`).
    pub fn connection_count(&self) -> usize {
        self.conns.len()
    }

    /// The listener a connection came from, while it is open.
    pub fn listener(&self, conn: ConnId) -> Option<Listener> {
        self.conns.get(&conn).map(|c| c.listener)
    }

    /// How many output bytes wait for `conn` (at most [`ServerConfig::max_queued_output`]).
    pub fn queued_output(&self, conn: ConnId) -> usize {
        self.conns.get(&conn).map_or(0, |c| c.out.len())
    }

    /// The connections whose input [`Server::handle_input`] relays to `conn`: the other
    /// participants of its switchboard session, in joining order; none for a
    /// connection outside a session (a notification connection's fan-out, `NLN` and
    /// the like, is a few lines per command and not counted). Relaying is symmetric,
    /// so these are also the connections that `conn`'s own messages reach.
    ///
    /// This is what a driver needs for backpressure: when it cannot write to `conn`
    /// as fast as the server fills it, it stops reading these, so their senders slow
    /// down behind TCP instead of the bytes piling up ([`std_driver`] does this). Each
    /// call visits the session's participants once and allocates nothing.
    pub fn relay_peers(&self, conn: ConnId) -> impl Iterator<Item = ConnId> + '_ {
        let session = match self.conns.get(&conn).map(|c| &c.state) {
            Some(State::Joined { session, .. }) => self.directory.sessions.get(session),
            _ => None,
        };
        session
            .into_iter()
            .flat_map(|s| s.participants.iter())
            .map(|&(c, _)| c)
            .filter(move |&c| c != conn)
    }

    // ---- handle_* inputs ----

    /// A new connection arrived on `listener`. The client speaks first, so nothing is
    /// sent yet.
    pub fn accept(&mut self, now: Instant, listener: Listener) -> ConnId {
        let conn = ConnId(self.next_conn);
        self.next_conn += 1;
        self.conns
            .insert(conn, Connection::new(listener, self.config.limits, now));
        self.reschedule(conn);
        conn
    }

    /// Bytes received on `conn`, in any chunking. Input to a connection that is
    /// already closing is dropped: its reason has been reported.
    pub fn handle_input(&mut self, conn: ConnId, now: Instant, bytes: &[u8]) -> Result<(), ServerError> {
        let c = self
            .conns
            .get_mut(&conn)
            .ok_or(ServerError::UnknownConnection(conn))?;
        if c.closing.is_some() {
            return Ok(());
        }
        c.last_activity = now;
        c.framer.push(bytes);
        self.process_frames(conn, now);
        // Only this connection's own input moves its deadline (activity, a challenge
        // sent or answered); closing others takes theirs out as it happens.
        self.reschedule(conn);
        self.flush_leaving();
        Ok(())
    }

    /// The transport of `conn` closed: its account goes offline or it leaves its
    /// switchboard. No `Close` is emitted for it.
    pub fn handle_closed(&mut self, conn: ConnId, _now: Instant) -> Result<(), ServerError> {
        if !self.conns.contains_key(&conn) {
            return Err(ServerError::UnknownConnection(conn));
        }
        self.close(conn, CloseReason::PeerClosed);
        self.flush_leaving();
        self.conns.remove(&conn);
        Ok(())
    }

    /// Time passed: unanswered challenges and idle switchboard connections expire.
    /// Early calls do nothing.
    pub fn handle_timeout(&mut self, now: Instant) {
        let mut expired = Vec::new();
        for &(at, id) in &self.deadlines {
            if at > now {
                break;
            }
            let Some(c) = self.conns.get(&id) else {
                continue;
            };
            let reason = match c.challenge_deadline() {
                Some(d) if d <= now => CloseReason::ChallengeTimeout,
                _ => CloseReason::Idle,
            };
            expired.push((id, reason));
        }
        for (id, reason) in expired {
            if reason == CloseReason::ChallengeTimeout {
                // A missed challenge ends with a bare OUT [YW chl.md].
                self.send(id, &ServerCommand::Out { reason: None });
            }
            self.close(id, reason);
        }
        self.flush_leaving();
    }

    // ---- mutators ----

    /// Accounts, lists and settings, to prepare a scenario. Changes made here are not
    /// announced to connected clients.
    pub fn directory_mut(&mut self) -> &mut Directory {
        &mut self.directory
    }

    /// The ticket verifier, e.g. to issue tickets or answer Passport HTTP requests.
    pub fn verifier_mut(&mut self) -> &mut V {
        &mut self.verifier
    }

    /// Sends `OUT SSD` on every notification connection and closes every connection.
    pub fn shutdown(&mut self, _now: Instant) {
        let ids: Vec<ConnId> = self.conns.keys().copied().collect();
        for id in ids {
            if self
                .conns
                .get(&id)
                .is_some_and(|c| c.listener == Listener::Notification)
            {
                self.send(
                    id,
                    &ServerCommand::Out {
                        reason: Some(crate::codec::Token::try_from("SSD").expect("constant token")),
                    },
                );
            }
            self.close(id, CloseReason::Shutdown);
        }
        self.flush_leaving();
    }

    // ---- poll_* output ----

    /// The next output: events first, then each connection's bytes (all that is queued
    /// for it, in one `Transmit`) and closes, then `Idle`.
    pub fn poll_output(&mut self) -> ServerOutput {
        if let Some(event) = self.events.pop_front() {
            return ServerOutput::Event(event);
        }
        while let Some(id) = self.dirty.pop_front() {
            let Some(c) = self.conns.get_mut(&id) else {
                continue;
            };
            if !c.out.is_empty() {
                let bytes = std::mem::take(&mut c.out);
                if c.closing.is_some() {
                    self.dirty.push_front(id);
                } else {
                    c.dirty = false;
                }
                return ServerOutput::Transmit { conn: id, bytes };
            }
            c.dirty = false;
            if c.closing.is_some() {
                self.conns.remove(&id);
                return ServerOutput::Close { conn: id };
            }
        }
        ServerOutput::Idle {
            next_timeout: self.next_timeout(),
        }
    }

    fn next_timeout(&self) -> Option<Instant> {
        self.deadlines.first().map(|&(at, _)| at)
    }

    /// Puts `conn`'s deadline, as it is now, in the ordered index (none once it closes
    /// or is gone).
    fn reschedule(&mut self, conn: ConnId) {
        let idle = self.config.switchboard_idle_timeout;
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        let deadline = c.deadline(idle);
        if c.scheduled == deadline {
            return;
        }
        if let Some(old) = c.scheduled.take() {
            self.deadlines.remove(&(old, conn));
        }
        if let Some(at) = deadline {
            self.deadlines.insert((at, conn));
        }
        c.scheduled = deadline;
    }

    // ---- plumbing shared by the machines ----

    /// Parses and handles every complete frame of `conn`, until it closes.
    fn process_frames(&mut self, conn: ConnId, now: Instant) {
        loop {
            let Some(c) = self.conns.get_mut(&conn) else {
                return;
            };
            if c.closing.is_some() {
                return;
            }
            // The frame borrows the framer; copy it out so handling may touch the server.
            let frame = match c.framer.next_frame() {
                None => return,
                Some(Ok(frame)) => {
                    let mut bytes =
                        Vec::with_capacity(frame.line.len() + 2 + frame.payload.map_or(0, <[u8]>::len));
                    bytes.extend_from_slice(frame.line);
                    bytes.extend_from_slice(b"\r\n");
                    if let Some(payload) = frame.payload {
                        bytes.extend_from_slice(payload);
                    }
                    Ok((bytes, frame.dialect))
                }
                Some(Err(error)) => Err(error),
            };
            match frame {
                Ok((bytes, dialect)) => self.handle_frame(conn, now, &bytes, dialect),
                Err(DecodeError::PayloadTooLarge { len, .. }) => {
                    // Real switchboards close on an oversized MSG (reference §8).
                    self.close(conn, CloseReason::MessageTooLarge { len });
                }
                Err(error) => self.close(conn, CloseReason::Decode(error)),
            }
        }
    }

    fn handle_frame(&mut self, conn: ConnId, now: Instant, bytes: &[u8], dialect: Dialect) {
        let limits = self.config.limits;
        let command = match crate::codec::ClientCommand::decode_in(bytes, dialect, &limits) {
            Ok((command, _)) => command,
            Err(DecodeError::Malformed { .. }) => {
                // A known verb with bad arguments: syntax error, the session goes on.
                // MSNP10's forward list goes by GUID: Escargot answers a handle with 403
                // (reference §4.2).
                let words = bytes
                    .split(|&b| b == b' ' || b == b'\r')
                    .take(3)
                    .collect::<Vec<_>>();
                let code = if dialect >= Dialect::Msnp10 && matches!(words[..], [b"REM", _, b"FL"]) {
                    403
                } else {
                    200
                };
                self.send_error(conn, code, line_trid(bytes));
                return;
            }
            Err(error) => {
                self.close(conn, CloseReason::Decode(error));
                return;
            }
        };
        let Some(c) = self.conns.get(&conn) else { return };
        match c.listener {
            Listener::Switchboard => self.switchboard_command(conn, now, command),
            Listener::Dispatch | Listener::Notification => self.notification_command(conn, now, command),
        }
    }

    /// Queues `command` for `conn`; false when the connection is closing or its queue
    /// overflowed (then it is closed).
    fn send(&mut self, conn: ConnId, command: &ServerCommand<'_>) -> bool {
        let max = self.config.max_queued_output;
        let Some(c) = self.conns.get_mut(&conn) else {
            return false;
        };
        if c.closing.is_some() {
            return false;
        }
        if command.encode(&mut c.out).is_err() {
            return false;
        }
        if c.out.len() > max {
            c.out = Vec::new();
            self.close(conn, CloseReason::OutputOverflow { max });
            return false;
        }
        if !c.dirty {
            c.dirty = true;
            self.dirty.push_back(conn);
        }
        true
    }

    /// Queues the error reply `code` with the request's TrID.
    fn send_error(&mut self, conn: ConnId, code: u16, trid: Option<TrId>) {
        self.send(
            conn,
            &ServerCommand::Error {
                code: ErrorCode(code),
                trid,
                extra: None,
            },
        );
    }

    /// Marks `conn` closed: no more input is read, queued bytes still go out, then
    /// `Close`. Its departure is announced by [`Server::flush_leaving`].
    fn close(&mut self, conn: ConnId, reason: CloseReason) {
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        if c.closing.is_some() {
            return;
        }
        c.closing = Some(reason.clone());
        if !c.dirty {
            c.dirty = true;
            self.dirty.push_back(conn);
        }
        self.reschedule(conn);
        self.events.push_back(ServerEvent::Closed { conn, reason });
        self.leaving.push_back(conn);
    }

    /// Announces departures; announcing may overflow and close other connections,
    /// whose departures are announced in turn. Each connection leaves once.
    fn flush_leaving(&mut self) {
        while let Some(conn) = self.leaving.pop_front() {
            let Some(c) = self.conns.get_mut(&conn) else {
                continue;
            };
            let state = std::mem::replace(&mut c.state, State::Gone);
            let idle = matches!(c.closing, Some(CloseReason::Idle));
            match state {
                State::SignedIn(session) => self.sign_out(conn, &session.account),
                State::Joined { session, account } => self.leave_session(conn, session, &account, idle),
                _ => {}
            }
        }
    }

    /// The dialect `conn` speaks (MSNP8 for a connection that is gone).
    fn dialect_of(&self, conn: ConnId) -> Dialect {
        self.conns.get(&conn).map_or(Dialect::Msnp8, |c| c.dialect)
    }

    fn unix_now(&self, now: Instant) -> u64 {
        self.config
            .unix_time
            .saturating_add(now.saturating_duration_since(self.started).as_secs())
    }
}
