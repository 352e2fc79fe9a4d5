//! Transfers hosted by the [`Client`]: display pictures and files over P2P (MSNSLP,
//! MSNP9+) inside the conversations' switchboards [reference §9], and files over
//! MSNFTP (every dialect, direct connections; the `msnftp` submodule) [reference §10].
//!
//! Each (switchboard, peer) pair has one [`P2pSession`]: switchboard messages of type
//! `application/x-msnmsgrp2p` addressed to the user go into it instead of being
//! reported as messages, and what it writes goes out as `MSG <trid> D <len>`. The
//! caller sees flat events ([`ClientEvent::TransferOffered`],
//! [`ClientEvent::TransferProgress`], [`ClientEvent::TransferData`],
//! [`ClientEvent::DisplayPicture`], and exactly one [`ClientEvent::TransferEnded`] per
//! transfer it started or was offered).
//!
//! Sending is a push model with a bounded buffer: [`Client::write_transfer`] takes as
//! many bytes as fit in [`TransferConfig::buffer`] and returns how many; room opens as
//! the data moves on, which [`ClientEvent::TransferAccepted`] and
//! [`ClientEvent::TransferProgress`] announce. A picture the user set with
//! [`Client::set_display_picture`] is served to whoever asks for its MSNObject, without
//! events; any other picture request is declined.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::net::IpAddr;
use std::time::Instant;

use super::{Client, ClientError, ClientEvent, ConnId, Connection, Step};
use crate::Output;
use crate::codec::{AckMode, Dialect, Passport};
use crate::msg::Message;
use crate::p2p::{
    self, FailReason, FileContext, MAX_CHUNK_LEN, P2P_CONTENT_TYPE, P2pCallError, P2pConfig, P2pEvent,
    P2pSession, TransferKind,
};
use crate::presence::MsnObject;
use crate::sb::SbError;

mod msnftp;

pub(super) use msnftp::Direct;

/// One transfer of a [`Client`]: a file sent or offered, or a display picture fetched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TransferId(pub(crate) u64);

impl fmt::Display for TransferId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "transfer#{}", self.0)
    }
}

/// Bounds and settings of the [`Client`]'s transfers.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TransferConfig {
    /// Each P2P session's settings (one per conversation and peer).
    pub p2p: P2pConfig,
    /// The most transfers the client runs or waits on at once, served pictures
    /// included: past it a call is refused
    /// ([`TransferError::TooManyTransfers`]) and a peer's invitation declined.
    /// Default 16.
    pub max_transfers: usize,
    /// The most peers with a P2P session at once, over all conversations; P2P messages
    /// from one more are dropped and reported. Default 16.
    pub max_peers: usize,
    /// Bytes of a file [`Client::write_transfer`] holds before they move into the
    /// switchboard, and bytes of P2P messages a session may hold while its switchboard's
    /// window is full. Default 64 KiB.
    pub buffer: usize,
    /// Randomness for the P2P sessions' identifiers (SessionIDs, GUIDs, message ids):
    /// give each process a random value. The default is fixed, so tests are
    /// reproducible; sessions still differ by their handles.
    pub seed: u64,
    /// Whether the client hosts MSNFTP file invitations (`text/x-msmsgsinvite`, what
    /// MSNP8-era peers send): offers come as [`ClientEvent::TransferOffered`] and are
    /// received over a direct connection the client asks for. Off by default, so that
    /// they keep coming as [`ClientEvent::InvitationReceived`] for callers who answer
    /// them themselves.
    pub msnftp: bool,
    /// The most MSNFTP invitation replies (`ACCEPT`s, sent in mode `N` outside the
    /// message ledger) one switchboard holds while its window is full
    /// ([`SbConfig::max_pending`](crate::sb::SbConfig::max_pending)); they go first when
    /// room opens. Past it, the transfer whose reply finds no room ends at once with
    /// [`TransferFailure::TooManyWaitingReplies`]. The `CANCEL`s that end transfers may
    /// take [`max_transfers`](Self::max_transfers) places more, so that the peer of a
    /// transfer ended this way hears of it. A reply dropped with no transfer to end (a
    /// decline of an offer past `max_transfers`, a `CANCEL` past both bounds) is told
    /// as [`ClientEvent::Other`]. A few replies per transfer in flight is all the
    /// protocol makes. Default 32.
    pub max_waiting_replies: usize,
    /// The address an MSNFTP send gives its peer to connect to (`IP-Address`), for a
    /// client behind NAT: its public address, with the listener's port forwarded to it
    /// (the drivers' `DriverConfig::msnftp_ports` fixes that port). The listener's own
    /// address then goes beside it as `IP-Address-Internal`, as Messenger and Miranda
    /// wrote it [MIR msnftp; a Messenger `ACCEPT` quoted in POE::Component::Client::MSN],
    /// for peers on the same network that know the field. `None`, the
    /// default, gives the listener's address alone: the local address that routes to
    /// the switchboard, private behind NAT. Not taken from the profile's `ClientIP`
    /// (what the server saw): that address is no use without a forwarded port, and
    /// would send a peer on the same network (this crate's receiver reads
    /// `IP-Address` only) out through the router, which many routers do not loop back.
    pub msnftp_public_ip: Option<IpAddr>,
}

impl Default for TransferConfig {
    fn default() -> Self {
        TransferConfig {
            p2p: P2pConfig::default(),
            max_transfers: 16,
            max_peers: 16,
            buffer: 64 * 1024,
            seed: 0x6D73_6E70_7032_7030,
            msnftp: false,
            max_waiting_replies: 32,
            msnftp_public_ip: None,
        }
    }
}

/// Why a transfer ended without completing ([`ClientEvent::TransferEnded`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransferFailure {
    /// The peer declined it.
    Declined,
    /// The user declined it ([`Client::decline_transfer`]).
    DeclinedHere,
    /// The user cancelled it ([`Client::cancel_transfer`]).
    Cancelled,
    /// The peer cancelled it.
    CancelledByPeer,
    /// The connection carrying it (the conversation's switchboard) ended.
    ConnectionLost,
    /// No conversation with the peer could be opened, or the peer never joined it.
    NoConversation,
    /// Nothing happened on it for [`P2pConfig::timeout`].
    TimedOut,
    /// The data announced another size than the one agreed.
    SizeMismatch {
        /// The size agreed.
        expected: u64,
        /// The size the data announced.
        got: u64,
    },
    /// The data arrived damaged: out of order, with pieces dropped, or (a display
    /// picture) not matching its MSNObject's `SHA1D`.
    Corrupt,
    /// Larger than the client accepts: a display picture past
    /// [`ClientConfig::max_display_picture_len`](super::ClientConfig::max_display_picture_len),
    /// a file past [`MsnftpConfig::max_file_size`](crate::msnftp::MsnftpConfig::max_file_size).
    TooLarge {
        /// Its size.
        size: u64,
        /// The limit.
        max: u64,
    },
    /// An MSNFTP reply to the peer found
    /// [`TransferConfig::max_waiting_replies`] others waiting for room in the
    /// conversation's switchboard, whose window the peer has not acknowledged.
    TooManyWaitingReplies {
        /// The limit.
        max: usize,
    },
    /// The MSNFTP connection ended otherwise (a wrong auth cookie, a broken protocol,
    /// an error code of the peer's).
    Direct(crate::msnftp::Failure),
}

impl fmt::Display for TransferFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Declined => f.write_str("the peer declined the transfer"),
            Self::DeclinedHere => f.write_str("the transfer was declined here"),
            Self::Cancelled => f.write_str("the transfer was cancelled here"),
            Self::CancelledByPeer => f.write_str("the peer cancelled the transfer"),
            Self::ConnectionLost => f.write_str("the connection carrying the transfer was lost"),
            Self::NoConversation => f.write_str("no conversation with the peer could be opened"),
            Self::TimedOut => f.write_str("the transfer timed out"),
            Self::SizeMismatch { expected, got } => {
                write!(f, "the data is {got} bytes, {expected} were agreed")
            }
            Self::Corrupt => f.write_str("the transfer's data arrived damaged"),
            Self::TooLarge { size, max } => {
                write!(f, "the data is {size} bytes, more than the {max} accepted")
            }
            Self::TooManyWaitingReplies { max } => write!(
                f,
                "the conversation is too busy: no room is left for invitation replies (at most {max} wait)"
            ),
            Self::Direct(failure) => write!(f, "the direct transfer failed: {failure}"),
        }
    }
}

impl From<FailReason> for TransferFailure {
    fn from(reason: FailReason) -> Self {
        match reason {
            FailReason::Declined { .. } => Self::Declined,
            FailReason::Refused => Self::DeclinedHere,
            FailReason::Cancelled => Self::Cancelled,
            FailReason::CancelledByPeer => Self::CancelledByPeer,
            FailReason::TimedOut => Self::TimedOut,
            FailReason::SizeMismatch { expected, got } => Self::SizeMismatch { expected, got },
            FailReason::ConnectionLost => Self::ConnectionLost,
            _ => Self::Corrupt,
        }
    }
}

/// A transfer call the client refused; nothing changed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransferError {
    /// P2P transfers need MSNP9 or later; `None` before the dialect is known.
    #[error("transfers over the switchboard need MSNP9 or later, the session speaks {}", dialect_name(*.dialect))]
    NeedsMsnp9 {
        /// The session's dialect.
        dialect: Option<Dialect>,
    },
    /// No open transfer has this id (it never existed, or it ended).
    #[error("no open transfer has this id")]
    UnknownTransfer,
    /// The transfer is not in a state where this call applies (accepting a transfer
    /// the user started, writing to one it receives…).
    #[error("the transfer cannot do that in its current state")]
    WrongState,
    /// [`TransferConfig::max_transfers`] are open.
    #[error("{max} transfers are already open")]
    TooManyTransfers {
        /// The limit.
        max: usize,
    },
    /// The picture's MSNObject announces more than
    /// [`ClientConfig::max_display_picture_len`](super::ClientConfig::max_display_picture_len).
    #[error("the picture is {size} bytes, more than the {max} accepted")]
    PictureTooLarge {
        /// The size announced.
        size: u64,
        /// The limit.
        max: usize,
    },
    /// The P2P session refused the call.
    #[error(transparent)]
    P2p(#[from] P2pCallError),
    /// MSNFTP is not hosted: [`TransferConfig::msnftp`] is off.
    #[error("MSNFTP transfers are off in the client's configuration")]
    MsnftpOff,
}

fn dialect_name(dialect: Option<Dialect>) -> String {
    dialect.map_or_else(|| "none yet".to_owned(), |d| d.to_string())
}

/// The client's transfers and P2P sessions.
#[derive(Debug, Default)]
pub(super) struct Transfers {
    next_id: u64,
    next_session: u64,
    sessions: BTreeMap<u64, PeerSession>,
    entries: BTreeMap<TransferId, Entry>,
}

/// The P2P session with one peer in one conversation.
#[derive(Debug)]
struct PeerSession {
    conn: ConnId,
    peer: Passport<'static>,
    machine: P2pSession,
    /// Payloads the switchboard's window could not take yet, oldest first.
    held: VecDeque<Vec<u8>>,
    held_bytes: usize,
    /// The machine's last poll found nothing: its output buffer is empty, so data may go in.
    idle: bool,
    /// The switchboard ended; the machine has only failures left to tell.
    closed: bool,
}

#[derive(Debug)]
struct Entry {
    peer: Passport<'static>,
    kind: Kind,
    state: State,
}

#[derive(Debug)]
enum Kind {
    FetchPicture {
        object: MsnObject,
        data: Vec<u8>,
    },
    /// Our own picture, served from the client's copy while its `SHA1D` stays the same.
    ServePicture {
        sha1d: [u8; 20],
        fed: usize,
    },
    SendFile {
        name: String,
        size: u64,
        staged: VecDeque<u8>,
        written: u64,
        fed: u64,
    },
    ReceiveFile,
    /// An MSNFTP file offer, received over a direct connection once accepted.
    Msnftp(Box<msnftp::Invited>),
    /// An MSNFTP file offer of the user's, waiting for a conversation with the peer.
    MsnftpOffer {
        name: String,
        size: u64,
    },
    /// An MSNFTP file offer of the user's, sent over a connection the caller accepted.
    MsnftpSend(Box<msnftp::Offering>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Waiting for a conversation with the peer, and for the peer in it.
    AwaitingConversation,
    /// Running in a P2P session; `ready` once the data may be sent.
    Running {
        session: u64,
        p2p: p2p::TransferId,
        ready: bool,
        empty_sent: bool,
    },
    /// An MSNFTP transfer: its state is in [`Kind::Msnftp`].
    Direct,
}

/// Bytes handed to a P2P session at once: a few chunks, so that its buffer stays small.
const FEED: usize = 8 * MAX_CHUNK_LEN;

impl Client {
    // ----- transfer mutators -----

    /// Fetches `contact`'s display picture, named by the MSNObject they announced
    /// ([`ClientEvent::ContactDisplayPicture`]), over P2P in the conversation with them
    /// (opened when there is none, as [`send_message`](Self::send_message) does). It
    /// ends with [`ClientEvent::DisplayPicture`] (the bytes, their `SHA1D` checked) and
    /// [`ClientEvent::TransferEnded`]; progress comes as
    /// [`ClientEvent::TransferProgress`], the data not as
    /// [`ClientEvent::TransferData`]. MSNP9+ only.
    pub fn request_display_picture(
        &mut self,
        now: Instant,
        contact: &Passport<'_>,
        object: &MsnObject,
    ) -> Result<TransferId, ClientError> {
        self.touch(now);
        let max = self.config.max_display_picture_len;
        if object.size() > max as u64 {
            return Err(TransferError::PictureTooLarge {
                size: object.size(),
                max,
            }
            .into());
        }
        self.start_transfer(
            contact,
            Kind::FetchPicture {
                object: object.clone(),
                data: Vec::new(),
            },
        )
    }

    /// Offers `to` a file of `size` bytes named `name` over P2P in the conversation with
    /// them (opened when there is none). Its data goes in with
    /// [`write_transfer`](Self::write_transfer), before or after the peer accepts;
    /// [`ClientEvent::TransferEnded`] tells the end once the peer acknowledged every
    /// byte. MSNP9+ only.
    pub fn send_file(
        &mut self,
        now: Instant,
        to: &Passport<'_>,
        name: &str,
        size: u64,
    ) -> Result<TransferId, ClientError> {
        self.touch(now);
        // The name must fit the file context; checked now rather than once the peer joined.
        FileContext::new(name, size)
            .to_base64()
            .map_err(|e| TransferError::P2p(e.into()))?;
        self.start_transfer(
            to,
            Kind::SendFile {
                name: name.to_owned(),
                size,
                staged: VecDeque::new(),
                written: 0,
                fed: 0,
            },
        )
    }

    /// Hands the next bytes of file `id` ([`send_file`](Self::send_file)) to the
    /// client; returns how many it took: at most what [`TransferConfig::buffer`] has
    /// room for and what remains of the announced size, 0 when full. Write again after
    /// [`ClientEvent::TransferAccepted`] or [`ClientEvent::TransferProgress`] for `id`.
    pub fn write_transfer(&mut self, id: TransferId, data: &[u8]) -> Result<usize, ClientError> {
        if self
            .transfers
            .entries
            .get(&id)
            .is_some_and(|e| matches!(e.kind, Kind::MsnftpSend(_) | Kind::MsnftpOffer { .. }))
        {
            return Ok(self.write_msnftp(id, data)?);
        }
        let buffer = self.config.transfer.buffer;
        let entry = self
            .transfers
            .entries
            .get_mut(&id)
            .ok_or(TransferError::UnknownTransfer)?;
        let Kind::SendFile {
            size,
            staged,
            written,
            ..
        } = &mut entry.kind
        else {
            return Err(TransferError::WrongState.into());
        };
        let remaining = *size - *written;
        let room = buffer.saturating_sub(staged.len());
        let take = data
            .len()
            .min(room)
            .min(usize::try_from(remaining).unwrap_or(usize::MAX));
        staged.extend(&data[..take]);
        *written += take as u64;
        Ok(take)
    }

    /// Accepts the file `id` offered in [`ClientEvent::TransferOffered`]; its data
    /// comes as [`ClientEvent::TransferData`].
    pub fn accept_transfer(&mut self, now: Instant, id: TransferId) -> Result<(), ClientError> {
        self.touch(now);
        if self.is_msnftp(id) {
            return Ok(self.accept_msnftp(id)?);
        }
        let (session, p2p) = self.offered(id)?;
        let machine = self.session_mut(session)?;
        machine.accept(now, p2p, 0).map_err(TransferError::from)?;
        Ok(())
    }

    /// Declines the file `id` offered in [`ClientEvent::TransferOffered`]; it ends as
    /// [`TransferFailure::DeclinedHere`].
    pub fn decline_transfer(&mut self, now: Instant, id: TransferId) -> Result<(), ClientError> {
        self.touch(now);
        if self.is_msnftp(id) {
            return Ok(self.decline_msnftp(id)?);
        }
        let (session, p2p) = self.offered(id)?;
        let machine = self.session_mut(session)?;
        machine.decline(now, p2p).map_err(TransferError::from)?;
        Ok(())
    }

    /// Cancels transfer `id`, whichever side started it; it ends as
    /// [`TransferFailure::Cancelled`] and the peer is told.
    pub fn cancel_transfer(&mut self, now: Instant, id: TransferId) -> Result<(), ClientError> {
        self.touch(now);
        let entry = self
            .transfers
            .entries
            .get(&id)
            .ok_or(TransferError::UnknownTransfer)?;
        match entry.state {
            State::AwaitingConversation => {
                self.end_transfer(id, Err(TransferFailure::Cancelled));
                Ok(())
            }
            State::Running { session, p2p, .. } => {
                let machine = self.session_mut(session)?;
                machine.cancel(now, p2p).map_err(TransferError::from)?;
                Ok(())
            }
            State::Direct => {
                self.cancel_msnftp(id);
                Ok(())
            }
        }
    }

    fn is_msnftp(&self, id: TransferId) -> bool {
        self.transfers
            .entries
            .get(&id)
            .is_some_and(|e| matches!(e.kind, Kind::Msnftp(_) | Kind::MsnftpSend(_)))
    }

    // ----- internals -----

    fn start_transfer(&mut self, peer: &Passport<'_>, kind: Kind) -> Result<TransferId, ClientError> {
        self.check_open()?;
        match self.ns.dialect() {
            _ if matches!(kind, Kind::MsnftpOffer { .. }) => {}
            Some(dialect) if dialect >= Dialect::Msnp9 => {}
            dialect => return Err(TransferError::NeedsMsnp9 { dialect }.into()),
        }
        if peer.same_account(&self.account) {
            return Err(ClientError::MessageToSelf);
        }
        let max = self.config.transfer.max_transfers;
        if self.transfers.entries.len() >= max {
            return Err(TransferError::TooManyTransfers { max }.into());
        }
        let waiting = self.pending.values().any(|p| p.to.same_account(peer));
        if self.conversation_with(peer).is_none() && !waiting {
            if self.switchboard_count() >= self.config.max_switchboards {
                return Err(ClientError::TooManySwitchboards {
                    max: self.config.max_switchboards,
                });
            }
            let trid = self.ns.request_switchboard(self.now)?;
            self.pending.insert(
                trid,
                super::conversation::PendingSwitchboard {
                    to: peer.borrow().into_owned(),
                    texts: Vec::new(),
                },
            );
        }
        let id = TransferId(self.transfers.next_id);
        self.transfers.next_id += 1;
        self.transfers.entries.insert(
            id,
            Entry {
                peer: peer.borrow().into_owned(),
                kind,
                state: State::AwaitingConversation,
            },
        );
        Ok(id)
    }

    /// The session and P2P id of a file offer still waiting for an answer.
    fn offered(&self, id: TransferId) -> Result<(u64, p2p::TransferId), ClientError> {
        let entry = self
            .transfers
            .entries
            .get(&id)
            .ok_or(TransferError::UnknownTransfer)?;
        match (&entry.kind, entry.state) {
            (Kind::ReceiveFile, State::Running { session, p2p, .. }) => Ok((session, p2p)),
            _ => Err(TransferError::WrongState.into()),
        }
    }

    fn session_mut(&mut self, session: u64) -> Result<&mut P2pSession, ClientError> {
        let session = self
            .transfers
            .sessions
            .get_mut(&session)
            .filter(|s| !s.closed)
            .ok_or(TransferError::UnknownTransfer)?;
        session.idle = false;
        Ok(&mut session.machine)
    }

    /// Ends transfer `id` with its one [`ClientEvent::TransferEnded`].
    fn end_transfer(&mut self, id: TransferId, result: Result<u64, TransferFailure>) {
        if let Some(entry) = self.transfers.entries.remove(&id) {
            // Served pictures were never the caller's: their end is nobody's business.
            if !matches!(entry.kind, Kind::ServePicture { .. }) {
                self.emit(ClientEvent::TransferEnded { id, result });
            }
        }
    }

    /// A switchboard payload from `from` on `conn`: P2P for the user goes to the
    /// session with `from` (whether the caller sees it as a message: `false`).
    pub(super) fn route_p2p(&mut self, conn: ConnId, from: &Passport<'static>, payload: &[u8]) -> bool {
        let Ok(message) = Message::parse(payload) else {
            return false;
        };
        if !message.has_content_type(P2P_CONTENT_TYPE) {
            return false;
        }
        let for_us = message
            .header("P2P-Dest")
            .is_some_and(|dest| dest.trim().eq_ignore_ascii_case(self.account.as_str()));
        if !for_us {
            return false;
        }
        let Some(key) = self.session_for(conn, from) else {
            let conversation = self.conversation_of(conn);
            self.emit(ClientEvent::Other {
                conversation,
                description: format!(
                    "a P2P message from {from} was dropped: {} peers have sessions already",
                    self.config.transfer.max_peers
                ),
            });
            return true;
        };
        if let Some(session) = self.transfers.sessions.get_mut(&key) {
            session.machine.handle_input(self.now, payload);
            session.idle = false;
        }
        true
    }

    /// The open session with `peer` on `conn`, made when there is none and room for one.
    fn session_for(&mut self, conn: ConnId, peer: &Passport<'_>) -> Option<u64> {
        let found = self
            .transfers
            .sessions
            .iter()
            .find(|(_, s)| s.conn == conn && !s.closed && s.peer.same_account(peer))
            .map(|(key, _)| *key);
        if found.is_some() {
            return found;
        }
        if self.transfers.sessions.len() >= self.config.transfer.max_peers {
            return None;
        }
        let key = self.transfers.next_session;
        self.transfers.next_session += 1;
        let seed = mix(&[
            self.config.transfer.seed,
            fnv(self.account.as_str()),
            fnv(peer.as_str()).rotate_left(17),
            key,
        ]);
        let machine = P2pSession::new(
            self.config.transfer.p2p.clone(),
            self.account.as_str(),
            peer.as_str(),
            seed,
        );
        self.transfers.sessions.insert(
            key,
            PeerSession {
                conn,
                peer: peer.borrow().into_owned(),
                machine,
                held: VecDeque::new(),
                held_bytes: 0,
                idle: false,
                closed: false,
            },
        );
        Some(key)
    }

    fn conversation_of(&self, conn: ConnId) -> Option<super::ConversationId> {
        match self.conns.get(conn) {
            Some(Connection::Switchboard(sb)) => Some(sb.conversation),
            _ => None,
        }
    }

    /// Switchboard `conn` ended: the transfers in it fail once their sessions say so.
    pub(super) fn transfers_connection_closed(&mut self, conn: ConnId) {
        self.msnftp_switchboard_closed(conn);
        let now = self.now;
        for session in self.transfers.sessions.values_mut() {
            if session.conn == conn && !session.closed {
                session.machine.handle_closed(now);
                session.closed = true;
                session.idle = false;
                session.held.clear();
                session.held_bytes = 0;
            }
        }
    }

    pub(super) fn transfers_timeout(&mut self, now: Instant) {
        self.msnftp_timeout(now);
        for session in self.transfers.sessions.values_mut() {
            if session
                .machine
                .poll_timeout()
                .is_some_and(|deadline| deadline <= now)
            {
                session.machine.handle_timeout(now);
                session.idle = false;
            }
        }
    }

    pub(super) fn transfers_next_timeout(&self) -> Option<Instant> {
        self.transfers
            .sessions
            .values()
            .filter_map(|s| s.machine.poll_timeout())
            .chain(self.msnftp_next_timeout())
            .min()
    }

    /// One step of the transfers: a waiting transfer started, data fed, a held payload
    /// sent, or one output of one session taken.
    pub(super) fn step_transfers(&mut self) -> Step {
        match self.step_direct() {
            Step::Idle => {}
            step => return step,
        }
        if self.transfers.entries.is_empty() && self.transfers.sessions.is_empty() {
            return Step::Idle;
        }
        if self.start_waiting() {
            return Step::Busy;
        }
        if self.feed_data() {
            return Step::Busy;
        }
        // By key, not by a collected list: the poll loop runs this on every call.
        let mut from = 0;
        while let Some(key) = self.transfers.sessions.range(from..).next().map(|(key, _)| *key) {
            if self.flush_held(key) || self.poll_session(key) {
                return Step::Busy;
            }
            let Some(next) = key.checked_add(1) else {
                break;
            };
            from = next;
        }
        Step::Idle
    }

    /// Starts the transfers whose peer is now in a conversation with the user; fails
    /// those for whom none is open or on its way. Whether anything changed.
    fn start_waiting(&mut self) -> bool {
        if !self
            .transfers
            .entries
            .values()
            .any(|e| e.state == State::AwaitingConversation)
        {
            return false;
        }
        let waiting: Vec<TransferId> = self
            .transfers
            .entries
            .iter()
            .filter(|(_, e)| e.state == State::AwaitingConversation)
            .map(|(id, _)| *id)
            .collect();
        let mut changed = false;
        for id in waiting {
            let Some(peer) = self.transfers.entries.get(&id).map(|e| e.peer.clone()) else {
                continue;
            };
            let conn = self.conversation_with(&peer);
            let joined = conn.and_then(|conn| match self.conns.get(conn) {
                Some(Connection::Switchboard(sb))
                    if sb
                        .machine
                        .participants()
                        .iter()
                        .any(|p| p.account.same_account(&peer)) =>
                {
                    Some(conn)
                }
                _ => None,
            });
            if let Some(conn) = joined {
                changed |= self.start_in(id, conn, &peer);
            } else if conn.is_none() && !self.pending.values().any(|p| p.to.same_account(&peer)) {
                changed = true;
                self.end_transfer(id, Err(TransferFailure::NoConversation));
            }
        }
        changed
    }

    /// Starts transfer `id` in switchboard `conn`; false when it must wait longer (an
    /// MSNFTP offer whose switchboard window is full).
    fn start_in(&mut self, id: TransferId, conn: ConnId, peer: &Passport<'static>) -> bool {
        if self
            .transfers
            .entries
            .get(&id)
            .is_some_and(|e| matches!(e.kind, Kind::MsnftpOffer { .. }))
        {
            return self.offer_msnftp_in(id, conn);
        }
        let Some(key) = self.session_for(conn, peer) else {
            self.end_transfer(id, Err(TransferFailure::NoConversation));
            return true;
        };
        let now = self.now;
        let (Some(entry), Some(session)) = (
            self.transfers.entries.get_mut(&id),
            self.transfers.sessions.get_mut(&key),
        ) else {
            return true;
        };
        session.idle = false;
        let started = match &entry.kind {
            Kind::FetchPicture { object, .. } => {
                session
                    .machine
                    .request_display_picture(now, &object.to_base64_context(), Some(object.size()))
            }
            Kind::SendFile { name, size, .. } => session
                .machine
                .send_file(now, FileContext::new(name.clone(), *size)),
            Kind::ServePicture { .. }
            | Kind::ReceiveFile
            | Kind::Msnftp(_)
            | Kind::MsnftpOffer { .. }
            | Kind::MsnftpSend(_) => return true,
        };
        match started {
            Ok(p2p) => {
                entry.state = State::Running {
                    session: key,
                    p2p,
                    ready: false,
                    empty_sent: false,
                };
            }
            // Only the P2P session's own bound can refuse here (the name was checked).
            Err(_) => self.end_transfer(id, Err(TransferFailure::NoConversation)),
        }
        true
    }

    /// Moves data of ready senders into their sessions, a few chunks at a time and
    /// only into a session whose output has drained. Whether any moved.
    fn feed_data(&mut self) -> bool {
        let now = self.now;
        let picture = self.display_picture.as_deref();
        let current = self.ns.msn_object().map(|o| *o.sha1d());
        let mut cancel = Vec::new();
        let mut moved = false;
        for (&id, entry) in &mut self.transfers.entries {
            let State::Running {
                session,
                p2p,
                ready: true,
                empty_sent,
            } = &mut entry.state
            else {
                continue;
            };
            let Some(session) = self.transfers.sessions.get_mut(&*session) else {
                continue;
            };
            if session.closed || !session.idle || !session.held.is_empty() {
                continue;
            }
            let result = match &mut entry.kind {
                Kind::ServePicture { sha1d, fed } => {
                    // The picture changed while it was being served: what was sent is
                    // of the old one, so the rest must not follow.
                    let Some(picture) = picture.filter(|_| current.as_ref() == Some(sha1d)) else {
                        cancel.push((id, *p2p));
                        continue;
                    };
                    if *fed >= picture.len() && (*empty_sent || !picture.is_empty()) {
                        continue;
                    }
                    let end = picture.len().min(*fed + FEED);
                    let result = session.machine.send_data(now, *p2p, &picture[*fed..end]);
                    if result.is_ok() {
                        *fed = end;
                        *empty_sent = true;
                    }
                    result
                }
                Kind::SendFile {
                    size, staged, fed, ..
                } => {
                    let empty = *size == 0 && !*empty_sent;
                    if staged.is_empty() && !empty {
                        continue;
                    }
                    let take = staged.len().min(FEED);
                    // Contiguous once, then lent: no copy per piece.
                    let result = session
                        .machine
                        .send_data(now, *p2p, &staged.make_contiguous()[..take]);
                    if result.is_ok() {
                        staged.drain(..take);
                        *fed += take as u64;
                        *empty_sent = true;
                    }
                    result
                }
                Kind::FetchPicture { .. }
                | Kind::ReceiveFile
                | Kind::Msnftp(_)
                | Kind::MsnftpOffer { .. }
                | Kind::MsnftpSend(_) => {
                    continue;
                }
            };
            session.idle = false;
            moved |= result.is_ok();
        }
        for (_, p2p) in cancel {
            if let Some(key) = self.session_key_of(p2p) {
                let _ = self.session_mut(key).map(|m| m.cancel(now, p2p));
                moved = true;
            }
        }
        moved
    }

    fn session_key_of(&self, p2p: p2p::TransferId) -> Option<u64> {
        self.transfers.entries.values().find_map(|e| match e.state {
            State::Running { session, p2p: p, .. } if p == p2p => Some(session),
            _ => None,
        })
    }

    /// Sends held payloads of session `key` while its switchboard takes them.
    fn flush_held(&mut self, key: u64) -> bool {
        let now = self.now;
        let Some(session) = self.transfers.sessions.get_mut(&key) else {
            return false;
        };
        let Some(Connection::Switchboard(sb)) = self.conns.get_mut(session.conn) else {
            return false;
        };
        let mut moved = false;
        while let Some(payload) = session.held.front() {
            match sb.machine.send_message(now, payload, AckMode::Data) {
                Ok(_) => {
                    session.held_bytes -= payload.len();
                    session.held.pop_front();
                    moved = true;
                }
                Err(error) if waits(&error) => break,
                Err(_) => {
                    session.held.clear();
                    session.held_bytes = 0;
                    session.machine.handle_closed(now);
                    session.closed = true;
                    return true;
                }
            }
        }
        moved
    }

    /// Takes one output of session `key`; whether there was one.
    fn poll_session(&mut self, key: u64) -> bool {
        let now = self.now;
        let cap = self.config.transfer.buffer;
        let Some(session) = self.transfers.sessions.get_mut(&key) else {
            return false;
        };
        if session.held_bytes >= cap {
            return false;
        }
        match session.machine.poll_output() {
            Output::Transmit(bytes) => {
                if session.closed {
                    return true;
                }
                let sent = match self.conns.get_mut(session.conn) {
                    Some(Connection::Switchboard(sb)) if session.held.is_empty() => {
                        sb.machine.send_message(now, bytes, AckMode::Data)
                    }
                    Some(Connection::Switchboard(_)) => Err(SbError::TooManyPending { pending: 1, max: 0 }),
                    _ => Err(SbError::Closed),
                };
                match sent {
                    Ok(_) => {}
                    Err(error) if waits(&error) => {
                        session.held_bytes += bytes.len();
                        session.held.push_back(bytes.to_vec());
                    }
                    Err(_) => {
                        session.machine.handle_closed(now);
                        session.closed = true;
                    }
                }
                true
            }
            Output::Event(event) => {
                let event = OwnedEvent::from(event);
                self.on_p2p_event(key, event);
                true
            }
            Output::Idle { .. } => {
                // A session that has just gone idle may take the next data (`feed_data`
                // only feeds idle sessions): one more step, or the client would report
                // Idle with data still to send, and a driver would wait for input that
                // never comes.
                let just_idle = !std::mem::replace(&mut session.idle, true);
                if session.closed {
                    self.transfers.sessions.remove(&key);
                    return true;
                }
                just_idle
            }
        }
    }

    fn transfer_of(&self, key: u64, p2p: p2p::TransferId) -> Option<TransferId> {
        self.transfers.entries.iter().find_map(|(id, e)| match e.state {
            State::Running { session, p2p: p, .. } if session == key && p == p2p => Some(*id),
            _ => None,
        })
    }

    fn on_p2p_event(&mut self, key: u64, event: OwnedEvent) {
        let now = self.now;
        let Some(session) = self.transfers.sessions.get(&key) else {
            return;
        };
        let peer = session.peer.clone();
        let conn = session.conn;
        match event {
            OwnedEvent::Invited {
                transfer,
                kind,
                context,
            } => self.on_invited(key, peer, transfer, kind, &context),
            OwnedEvent::Accepted { transfer } => {
                if let Some(id) = self.transfer_of(key, transfer) {
                    self.emit(ClientEvent::TransferAccepted { id });
                }
            }
            OwnedEvent::SendReady { transfer } => {
                if let Some(id) = self.transfer_of(key, transfer)
                    && let Some(entry) = self.transfers.entries.get_mut(&id)
                    && let State::Running { ready, .. } = &mut entry.state
                {
                    *ready = true;
                }
            }
            OwnedEvent::Data { transfer, data } => {
                let Some(id) = self.transfer_of(key, transfer) else {
                    return;
                };
                let max = self.config.max_display_picture_len;
                let Some(entry) = self.transfers.entries.get_mut(&id) else {
                    return;
                };
                match &mut entry.kind {
                    Kind::FetchPicture { data: buffer, .. } => {
                        // The session checks the size against the MSNObject's, itself
                        // within the bound; this keeps the bound whatever a peer sends.
                        if buffer.len() + data.len() > max {
                            let size = (buffer.len() + data.len()) as u64;
                            if let Ok(machine) = self.session_mut(key) {
                                let _ = machine.cancel(now, transfer);
                            }
                            self.end_transfer(
                                id,
                                Err(TransferFailure::TooLarge {
                                    size,
                                    max: max as u64,
                                }),
                            );
                            return;
                        }
                        buffer.extend_from_slice(&data);
                    }
                    Kind::ReceiveFile => self.emit(ClientEvent::TransferData { id, bytes: data }),
                    _ => {}
                }
            }
            OwnedEvent::Progress {
                transfer,
                done,
                total,
            } => {
                if let Some(id) = self.transfer_of(key, transfer)
                    && self
                        .transfers
                        .entries
                        .get(&id)
                        .is_some_and(|e| !matches!(e.kind, Kind::ServePicture { .. }))
                {
                    self.emit(ClientEvent::TransferProgress { id, done, total });
                }
            }
            OwnedEvent::Completed { transfer, bytes } => {
                let Some(id) = self.transfer_of(key, transfer) else {
                    return;
                };
                let picture = match self.transfers.entries.get_mut(&id).map(|e| &mut e.kind) {
                    Some(Kind::FetchPicture { object, data }) => Some((object.clone(), std::mem::take(data))),
                    _ => None,
                };
                match picture {
                    Some((object, data)) if object.matches_data(&data) => {
                        self.emit(ClientEvent::DisplayPicture {
                            id,
                            from: peer,
                            object,
                            data,
                        });
                        self.end_transfer(id, Ok(bytes));
                    }
                    Some(_) => self.end_transfer(id, Err(TransferFailure::Corrupt)),
                    None => self.end_transfer(id, Ok(bytes)),
                }
            }
            OwnedEvent::Failed { transfer, reason } => {
                if let Some(id) = self.transfer_of(key, transfer) {
                    self.end_transfer(id, Err(reason.into()));
                }
            }
            OwnedEvent::Problem(description) => {
                let conversation = self.conversation_of(conn);
                self.emit(ClientEvent::Other {
                    conversation,
                    description: format!("P2P from {peer}: {description}"),
                });
            }
        }
    }

    fn on_invited(
        &mut self,
        key: u64,
        peer: Passport<'static>,
        transfer: p2p::TransferId,
        kind: TransferKind,
        context: &str,
    ) {
        let now = self.now;
        let full = self.transfers.entries.len() >= self.config.transfer.max_transfers;
        let (kind, accept_size) = match kind {
            TransferKind::DisplayPicture => {
                let asked = MsnObject::from_base64_context(context).ok().flatten();
                let ours = self
                    .display_picture()
                    .map(|(object, data)| (*object.sha1d(), data.len()));
                match (asked, ours) {
                    (Some(asked), Some((sha1d, len))) if *asked.sha1d() == sha1d && !full => {
                        (Kind::ServePicture { sha1d, fed: 0 }, Some(len as u64))
                    }
                    _ => {
                        if let Ok(machine) = self.session_mut(key) {
                            let _ = machine.decline(now, transfer);
                        }
                        return;
                    }
                }
            }
            TransferKind::File(file) => {
                if full {
                    if let Ok(machine) = self.session_mut(key) {
                        let _ = machine.decline(now, transfer);
                    }
                    return;
                }
                let id = TransferId(self.transfers.next_id);
                self.emit(ClientEvent::TransferOffered {
                    id,
                    from: peer.clone(),
                    name: file.name,
                    size: file.size,
                });
                (Kind::ReceiveFile, None)
            }
        };
        let id = TransferId(self.transfers.next_id);
        self.transfers.next_id += 1;
        self.transfers.entries.insert(
            id,
            Entry {
                peer,
                kind,
                state: State::Running {
                    session: key,
                    p2p: transfer,
                    ready: false,
                    empty_sent: false,
                },
            },
        );
        if let Some(size) = accept_size
            && let Ok(machine) = self.session_mut(key)
            && machine.accept(now, transfer, size).is_err()
        {
            self.transfers.entries.remove(&id);
        }
    }
}

/// A P2P event without the session's borrow.
enum OwnedEvent {
    Invited {
        transfer: p2p::TransferId,
        kind: TransferKind,
        context: String,
    },
    Accepted {
        transfer: p2p::TransferId,
    },
    SendReady {
        transfer: p2p::TransferId,
    },
    Data {
        transfer: p2p::TransferId,
        data: Vec<u8>,
    },
    Progress {
        transfer: p2p::TransferId,
        done: u64,
        total: u64,
    },
    Completed {
        transfer: p2p::TransferId,
        bytes: u64,
    },
    Failed {
        transfer: p2p::TransferId,
        reason: FailReason,
    },
    Problem(String),
}

impl From<P2pEvent<'_>> for OwnedEvent {
    fn from(event: P2pEvent<'_>) -> Self {
        match event {
            P2pEvent::Invited {
                transfer,
                kind,
                context,
            } => Self::Invited {
                transfer,
                kind,
                context,
            },
            P2pEvent::Accepted { transfer } => Self::Accepted { transfer },
            P2pEvent::SendReady { transfer, .. } => Self::SendReady { transfer },
            // One chunk, at most MAX_CHUNK_LEN bytes.
            P2pEvent::Data { transfer, data, .. } => Self::Data {
                transfer,
                data: data.to_vec(),
            },
            P2pEvent::Progress {
                transfer,
                done,
                total,
            } => Self::Progress {
                transfer,
                done,
                total,
            },
            P2pEvent::Completed { transfer, bytes } => Self::Completed { transfer, bytes },
            P2pEvent::Failed { transfer, reason } => Self::Failed { transfer, reason },
            P2pEvent::Malformed(e) => Self::Problem(format!("a malformed message was dropped: {e}")),
            P2pEvent::MalformedSlp(e) => {
                Self::Problem(format!("a malformed MSNSLP message was dropped: {e}"))
            }
            P2pEvent::Reassembly(e) => Self::Problem(format!("a chunk was refused: {e}")),
            P2pEvent::InputDropped { count } => Self::Problem(format!(
                "{count} messages arrived faster than they were read and were dropped"
            )),
        }
    }
}

/// Whether a switchboard refused only for lack of room, which its acknowledgements free.
fn waits(error: &SbError) -> bool {
    matches!(
        error,
        SbError::TooManyPending { .. } | SbError::TransmitFull { .. }
    )
}

fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xCBF2_9CE4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte.to_ascii_lowercase())).wrapping_mul(0x0100_0000_01B3)
    })
}

/// splitmix64 over the parts: distinct inputs give unrelated seeds.
fn mix(parts: &[u64]) -> u64 {
    parts.iter().fold(0, |state: u64, part| {
        let mut z = (state ^ part).wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    })
}
