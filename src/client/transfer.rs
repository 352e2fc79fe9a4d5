//! Transfers hosted by the [`Client`]: display pictures and files over P2P (MSNSLP,
//! MSNP9+) inside the conversations' switchboards [reference §9], and files over
//! MSNFTP (every dialect, direct connections; the `msnftp` submodule) [reference §10].
//!
//! Each (switchboard, peer) pair has one [`P2pSession`] (the `p2p_sessions` submodule):
//! switchboard messages of type `application/x-msnmsgrp2p` addressed to the user go
//! into it instead of being reported as messages, and what it writes goes out as
//! `MSG <trid> D <len>`. The caller sees flat events ([`ClientEvent::TransferOffered`],
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
use crate::codec::{Dialect, Passport};
use crate::p2p::{self, FailReason, FileContext, MAX_CHUNK_LEN, P2pCallError, P2pConfig, P2pSession};
use crate::presence::MsnObject;

mod msnftp;
mod p2p_sessions;
mod window;

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
    /// would send a peer on the same network that does not read
    /// `IP-Address-Internal` out through the router, which many routers do not loop
    /// back. This crate's receiver reads it (see [`Client::accept_transfer`]).
    pub msnftp_public_ip: Option<IpAddr>,
    /// Flow control of the MSNFTP files the client sends: the most bytes of one direct
    /// connection's transmits that may be handed out and not yet reported written with
    /// [`Client::handle_written`]. Nothing acknowledges a direct connection's data, so
    /// without it [`Client::write_transfer`] takes a file as fast as the caller polls
    /// its transmits out, and behind a slow receiver the file piles up in the caller's
    /// socket queue. With `Some(window)`, `write_transfer` takes nothing while that
    /// many bytes are unwritten (so at most the window plus one transmit's worth,
    /// [`MsnftpConfig::max_transmit`](crate::msnftp::MsnftpConfig::max_transmit), wait
    /// in the caller's queue); once `handle_written` brings them to a quarter of the
    /// window, a refused transfer hears [`ClientEvent::TransferProgress`] again, its
    /// cue to write on. A window of 0 counts as 1: data goes only once everything
    /// before it was written. `None`, the default, is no flow control: a caller that
    /// does not report writes never sees a write refused for them. The crate's drivers
    /// report every write and set 256 KiB when this is `None`.
    pub direct_write_window: Option<usize>,
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
            direct_write_window: None,
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
    ///
    /// An MSNFTP send ([`send_file_msnftp`](Self::send_file_msnftp)) takes what its
    /// sender's transmit buffer has room for, and with
    /// [`TransferConfig::direct_write_window`] set, nothing while that many bytes of
    /// its connection's transmits are not reported written
    /// ([`handle_written`](Self::handle_written)); the `TransferProgress` that tells
    /// the window opened again is the same cue.
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
    ///
    /// An MSNFTP receive connects where the inviter's `ACCEPT` says
    /// (`IP-Address`, [`ClientOutput::Connect`](super::ClientOutput::Connect)). An
    /// inviter behind NAT also writes its LAN address as `IP-Address-Internal`; when
    /// that is another IPv4 address and the first connection fails
    /// ([`handle_connect_failed`](Client::handle_connect_failed)) or closes before the
    /// sender sent a byte, the client closes it ([`ClientOutput::Close`](super::ClientOutput::Close))
    /// and asks for one more, with a new [`ConnId`], to that address and
    /// the same port: two machines behind one router reach each other though the router
    /// does not loop its public address back. The caller sees no event for the first
    /// try; only the second one's end counts. There is one second try at most, and the
    /// receiver's idle timeout still counts from the first, so both together take no
    /// longer than one would.
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
