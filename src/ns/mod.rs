//! The notification-server session: [`NotificationClient`], one sans-IO machine per
//! dispatch or notification server connection.
//!
//! The machine plays both the dispatch (DS) and the notification (NS) role, as the
//! protocol treats them alike: it logs in (`VER`, `CVR`, `USR TWN`), follows `XFR … NS`
//! referrals, keeps the [`ContactList`] in step with the server, tracks presence,
//! answers challenges and keeps the connection alive. It never reads the clock and never
//! touches a socket.
//!
//! # Run loop
//!
//! After every `handle_*` call and every command, drain [`NotificationClient::poll_output`]
//! until it returns [`Output::Idle`]; write each `Transmit` to the connection in order, act
//! on each `Event`, and call [`NotificationClient::handle_timeout`] at `next_timeout`.
//!
//! ```
//! use std::time::Instant;
//! use msnp::{Output, codec::Passport, ns::{NotificationClient, NsConfig, NsEvent}};
//!
//! let now = Instant::now();
//! let account = Passport::try_from("example@passport.com").unwrap();
//! let mut ns = NotificationClient::new(NsConfig::default(), account, now);
//! ns.handle_connected(now).unwrap();
//! assert_eq!(ns.poll_output(), Output::Transmit(b"VER 1 MSNP12 MSNP11 MSNP10 MSNP9 MSNP8 CVR0\r\n"));
//! ns.handle_input(now, b"VER 1 MSNP8 CVR0\r\n");
//! let Output::Transmit(cvr) = ns.poll_output() else { panic!() };
//! assert!(cvr.starts_with(b"CVR 2 0x0409 win 4.10 i386 MSNMSGR 5.0.0544 MSMSGS "));
//! assert!(matches!(ns.poll_output(), Output::Idle { next_timeout: Some(_) }));
//! ```
//!
//! # Decisions
//!
//! - TrIDs count from 1 on every connection (the referral target too), as HYP's example
//!   (transcript T1) does; the reference accepts both (§2).
//! - The dialect the server's `VER` reply chose holds for the connection: every later
//!   frame is cut and parsed in it, and the switchboards it hands out speak it too
//!   ([`SbConfig::dialect`](crate::sb::SbConfig::dialect)) [ESC `_m_xfr`; MSNP9–12
//!   reference §2.1]. What a dialect lacks is refused before anything is sent
//!   ([`NsError::NotInDialect`]).
//! - Lists are downloaded only when the caller asks ([`NotificationClient::sync_lists`]).
//! - A request the server does not answer within [`NsConfig::command_timeout`] ends the
//!   session ([`CloseReason::CommandTimedOut`]): an MSNP8 server answers every TrID on
//!   the same connection, so silence means the connection is dead, and a late reply
//!   could no longer be told from a violation.
//! - A reply whose TrID answers no outstanding request, or that does not fit the
//!   request, is a protocol violation and ends the session. Error replies without a
//!   matching request are delivered as [`NsEvent::ServerError`] (reference §9).
//!
//! # Bad input
//!
//! Input goes through one [`Framer`], the codec's, and one frame
//! is parsed per [`poll_output`](NotificationClient::poll_output) call. A frame that
//! cannot be used but whose end is known (a malformed line of a known verb,
//! [`DecodeError::Malformed`]; a payload over the limit, [`DecodeError::PayloadTooLarge`])
//! is reported as [`NsEvent::Skipped`] and passed over: the stream stays in sync and
//! the next line is handled as usual. Only input that can never be framed again (a
//! fatal [`DecodeError`]: a line without end, a payload length that is no number)
//! ends the session with [`CloseReason::Undecodable`].
//!
//! # Bounds
//!
//! Whatever the server sends, what the machine keeps stays within [`NsConfig`]:
//! pending requests (its own `QRY` answers included), contacts and the bytes they hold,
//! groups, properties, what the contacts online show beyond their status (MSNObjects,
//! personal messages: [`NsConfig::max_presence_bytes`]); the event queue holds one
//! frame's events. Reaching a bound ends
//! the session with [`CloseReason::LimitReached`]. Each line costs O(log n): requests
//! are found by TrID and expire by deadline in ordered maps, contacts by account.
//!
//! # Layout
//!
//! This file keeps the machine, its inputs and outputs and the request bookkeeping;
//! each phase of the protocol has its own file: `login` (and referral), `download`
//! (`SYN`), `edits` (lists and privacy), `presence`, `switchboard` (`XFR SB`, `RNG`),
//! `keepalive` (`CHL`/`QRY`, `PNG`/`QNG`), `messages` (`MSG`, `NOT`, `IPG`) and `raw`
//! ([`NotificationClient::send_command`]).

mod config;
mod contacts;
mod download;
mod edits;
mod error;
mod event;
mod keepalive;
mod login;
mod messages;
mod phone;
mod presence;
mod raw;
mod switchboard;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;
use std::time::{Duration, Instant};

pub use config::{ChallengeProduct, ClientIdentity, NsConfig};
pub use contacts::{Contact, ContactList, MAX_GROUPS_PER_CONTACT, SyncStamps};
pub use error::NsError;
pub use event::{CloseReason, Limit, ListChange, NsEvent};
pub use phone::Phone;

use crate::codec::{
    ClientCommand, DecodeError, Dialect, Direction, ErrorCode, Framer, FriendlyName, Guid, Passport,
    ServerCommand, Status, TrId,
};
use crate::{Output, trace};
use download::{Download, SyncTail};

/// Where the session stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SessionState {
    /// Waiting for [`NotificationClient::handle_connected`].
    Disconnected,
    /// `VER`, `CVR`, `INF` or `USR` awaits its answer.
    LoggingIn,
    /// Waiting for the caller's Passport ticket.
    AwaitingPassport,
    /// Referred elsewhere: waiting for the new connection.
    Redirected,
    /// Signed in.
    LoggedIn,
    /// Over; see [`NotificationClient::close_reason`].
    Closed,
}

impl fmt::Display for SessionState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.words())
    }
}

impl SessionState {
    fn words(self) -> &'static str {
        match self {
            SessionState::Disconnected => "disconnected",
            SessionState::LoggingIn => "logging in",
            SessionState::AwaitingPassport => "awaiting a Passport ticket",
            SessionState::Redirected => "redirected",
            SessionState::LoggedIn => "logged in",
            SessionState::Closed => "closed",
        }
    }
}

/// A request awaiting its reply.
struct Pending {
    request: ClientCommand<'static>,
    /// `None` when [`NsConfig::command_timeout`] is too long for the clock: never.
    deadline: Option<Instant>,
}

/// The dispatch/notification server client machine.
///
/// # Method groups
///
/// - **Getters**: [`state`](Self::state), [`dialect`](Self::dialect), [`account`](Self::account),
///   [`friendly_name`](Self::friendly_name), [`status`](Self::status),
///   [`contact_list`](Self::contact_list), [`close_reason`](Self::close_reason),
///   [`pending_requests`](Self::pending_requests), [`buffered_input`](Self::buffered_input),
///   [`queued_events`](Self::queued_events), [`next_timeout`](Self::next_timeout),
///   [`trace_label`](Self::trace_label); what contacts show beyond their status
///   ([`contact_msn_object`](Self::contact_msn_object),
///   [`contact_personal_status`](Self::contact_personal_status)) and the user's own
///   ([`msn_object`](Self::msn_object), [`personal_status`](Self::personal_status)).
/// - **Inputs** (`handle_*`): [`handle_connected`](Self::handle_connected),
///   [`handle_input`](Self::handle_input), [`handle_timeout`](Self::handle_timeout),
///   [`handle_closed`](Self::handle_closed). They never fail on peer data.
/// - **Mutators** (commands, each returning the TrID it used): login
///   ([`submit_ticket`](Self::submit_ticket), [`passport_failed`](Self::passport_failed)),
///   lists ([`sync_lists`](Self::sync_lists), [`accept_contact`](Self::accept_contact),
///   [`block`](Self::block), [`unblock`](Self::unblock), [`add_contact`](Self::add_contact),
///   [`set_phone`](Self::set_phone), …),
///   presence ([`set_status`](Self::set_status), [`set_msn_object`](Self::set_msn_object),
///   [`set_personal_status`](Self::set_personal_status)),
///   [`request_config`](Self::request_config), switchboards
///   ([`request_switchboard`](Self::request_switchboard)), [`logout`](Self::logout) and
///   [`send_command`](Self::send_command). Misuse returns [`NsError`] and changes nothing.
///   [`set_trace_label`](Self::set_trace_label) names the connection in frame logs.
/// - **Output**: [`poll_output`](Self::poll_output): bytes to send first, then events,
///   then `Idle`. It parses one frame per call, so the state seen through the getters
///   always matches the events handed out.
///
/// Its `Debug` shows the state and counts, never buffered bytes: those may hold a
/// ticket, a switchboard cookie or the profile's `MSPAuth`.
pub struct NotificationClient {
    config: NsConfig,
    account: Passport<'static>,
    state: SessionState,
    /// The latest time any input carried; frames are stamped with it.
    now: Instant,
    next_trid: u32,
    redirects: u8,
    /// Chosen by the server's `VER` reply on the current connection.
    dialect: Option<Dialect>,

    framer: Framer,
    transmit: Vec<u8>,
    /// The bytes of the last `Transmit`, lent to the caller until the next
    /// `poll_output`; it swaps with `transmit` so both keep their capacity.
    sent: Vec<u8>,
    events: VecDeque<NsEvent>,
    pending: BTreeMap<TrId, Pending>,
    /// The deadlines of `pending`, earliest first.
    deadlines: BTreeSet<(Instant, TrId)>,
    /// Pending `QRY` answers, bounded by [`NsConfig::max_open_challenges`].
    open_challenges: usize,

    contacts: ContactList,
    /// MSNP10+: the group a contact new to the forward list joins once the `ADC` that
    /// adds it (by TrID) is confirmed; at most one per pending request.
    group_follow_ups: BTreeMap<TrId, Guid<'static>>,
    download: Option<Download>,
    tail: Option<SyncTail>,
    name: Option<FriendlyName<'static>>,
    status: Option<Status>,

    next_ping: Option<Instant>,
    /// A `PNG` awaits its `QNG` (whose deadline may be "never").
    awaiting_pong: bool,
    pong_deadline: Option<Instant>,
    close_reason: Option<CloseReason>,
    /// Names the connection in frame logs (feature `tracing`).
    trace_label: Option<Cow<'static, str>>,
    /// What the contacts online show beyond their status (MSNP9+).
    presences: presence::Presences,
    /// The user's display picture, sent with `CHG` (MSNP9+).
    own_object: Option<crate::presence::MsnObject>,
    /// The user's personal message, as last sent (MSNP11+).
    own_personal: crate::presence::PersonalStatus,
}

impl fmt::Debug for NotificationClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NotificationClient")
            .field("account", &self.account)
            .field("state", &self.state)
            .field("dialect", &self.dialect)
            .field("next_trid", &self.next_trid)
            .field("pending_requests", &self.pending.len())
            .field("contacts", &self.contacts.len())
            .field("groups", &self.contacts.group_count())
            .field("downloading", &self.download.is_some())
            .field("buffered_input", &self.framer.buffered())
            .field("queued_transmit", &self.transmit.len())
            .field("queued_events", &self.events.len())
            .field("close_reason", &self.close_reason)
            .field("presences", &self.presences.len())
            .finish_non_exhaustive()
    }
}

impl NotificationClient {
    /// A machine that will sign in `account`. Call
    /// [`handle_connected`](Self::handle_connected) once the TCP connection to the
    /// dispatch server (`messenger.hotmail.com:1863`) is up.
    pub fn new(config: NsConfig, account: Passport<'_>, now: Instant) -> Self {
        let framer = Framer::new(Direction::ServerToClient, config.limits);
        NotificationClient {
            config,
            account: account.into_owned(),
            state: SessionState::Disconnected,
            now,
            next_trid: 1,
            redirects: 0,
            dialect: None,
            framer,
            transmit: Vec::new(),
            sent: Vec::new(),
            events: VecDeque::new(),
            pending: BTreeMap::new(),
            deadlines: BTreeSet::new(),
            open_challenges: 0,
            contacts: ContactList::new(),
            group_follow_ups: BTreeMap::new(),
            download: None,
            tail: None,
            name: None,
            status: None,
            next_ping: None,
            awaiting_pong: false,
            pong_deadline: None,
            close_reason: None,
            trace_label: None,
            presences: presence::Presences::default(),
            own_object: None,
            own_personal: crate::presence::PersonalStatus::default(),
        }
    }

    /// Starts from a list kept from an earlier session (with the `serde` feature, one
    /// read back from a file): [`sync_lists`](Self::sync_lists) then sends its version,
    /// and the server skips the download when it is current. Everyone on it starts
    /// offline.
    ///
    /// A list beyond this machine's bounds ([`ContactList::fits`] is false) is not
    /// kept: the session starts from an empty list at version 0, so the server sends
    /// the whole list and the bounds apply to it as to any download.
    pub fn with_contact_list(mut self, mut list: ContactList) -> Self {
        if list.fits(&self.config) {
            list.clear_presence();
            self.contacts = list;
        }
        self
    }

    // ----- Getters -----

    /// Where the session stands.
    pub fn state(&self) -> SessionState {
        self.state
    }

    /// The dialect the server chose in its `VER` reply on the current connection;
    /// `None` until then (and again after a referral, until the next server answers).
    pub fn dialect(&self) -> Option<Dialect> {
        self.dialect
    }

    /// The account signing in.
    pub fn account(&self) -> &Passport<'static> {
        &self.account
    }

    /// The user's friendly name, once signed in.
    pub fn friendly_name(&self) -> Option<&FriendlyName<'static>> {
        self.name.as_ref()
    }

    /// The user's status as the server last confirmed it; `None` before the first `CHG`.
    pub fn status(&self) -> Option<Status> {
        self.status
    }

    /// The contact list as the server last confirmed it.
    pub fn contact_list(&self) -> &ContactList {
        &self.contacts
    }

    /// Takes the contact list out of a closed machine, to keep it for the next session.
    pub fn into_contact_list(self) -> ContactList {
        self.contacts
    }

    /// Why the session ended, once it has.
    pub fn close_reason(&self) -> Option<&CloseReason> {
        self.close_reason.as_ref()
    }

    /// How many requests await an answer: at most [`NsConfig::max_pending`] plus
    /// [`NsConfig::max_open_challenges`].
    pub fn pending_requests(&self) -> usize {
        self.pending.len()
    }

    /// How many received bytes wait to be parsed.
    pub fn buffered_input(&self) -> usize {
        self.framer.buffered()
    }

    /// How many events wait in [`poll_output`](Self::poll_output): at most one frame's.
    pub fn queued_events(&self) -> usize {
        self.events.len()
    }

    /// When [`handle_timeout`](Self::handle_timeout) is next due.
    pub fn next_timeout(&self) -> Option<Instant> {
        let request = self.deadlines.first().map(|(deadline, _)| *deadline);
        request
            .into_iter()
            .chain(self.pong_deadline)
            .chain(self.next_ping)
            .min()
    }

    /// The label frame logs carry in their `conn` field, if one was set with
    /// [`set_trace_label`](Self::set_trace_label); `ns` is logged otherwise.
    pub fn trace_label(&self) -> Option<&str> {
        self.trace_label.as_deref()
    }

    // ----- Inputs -----

    /// A connection is up: starts the login on it. Call it first for the dispatch
    /// server, and again after each [`NsEvent::Redirect`] once the new connection is up.
    pub fn handle_connected(&mut self, now: Instant) -> Result<(), NsError> {
        self.touch(now);
        match self.state {
            SessionState::Disconnected | SessionState::Redirected => {}
            SessionState::Closed => return Err(NsError::Closed),
            state => return Err(self.wrong_state("handle_connected", state)),
        }
        let protocols = self.offered_protocols()?;
        // A new connection: nothing of the old one carries over.
        self.reset_input();
        self.transmit.clear();
        self.clear_pending();
        self.next_trid = 1;
        self.dialect = None;
        self.state = SessionState::LoggingIn;
        self.send_request(|trid| ClientCommand::Ver { trid, protocols });
        Ok(())
    }

    /// Bytes arrived from the server. They are only buffered here; parsing happens in
    /// [`poll_output`](Self::poll_output). Bytes arriving while no login runs on the
    /// connection (after a referral, after the end) are dropped.
    pub fn handle_input(&mut self, now: Instant, bytes: &[u8]) {
        self.touch(now);
        if self.reads_input() {
            self.framer.push(bytes);
        }
    }

    /// Time passed. Sends the keep-alive `PNG` when due and ends the session when the
    /// server missed a deadline. Early or repeated calls do nothing.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.touch(now);
        if self.state == SessionState::Closed {
            return;
        }
        let now = self.now;
        if let Some(&(deadline, trid)) = self.deadlines.first()
            && deadline <= now
        {
            if let Some(Pending { request, .. }) = self.take_pending(trid) {
                self.close(CloseReason::CommandTimedOut { trid, request });
            }
            return;
        }
        self.keepalive_due();
    }

    /// The connection closed. Expected after a referral; otherwise the session ends with
    /// [`CloseReason::ConnectionLost`].
    pub fn handle_closed(&mut self, now: Instant) {
        self.touch(now);
        match self.state {
            SessionState::Disconnected | SessionState::Redirected | SessionState::Closed => {}
            _ => self.close(CloseReason::ConnectionLost),
        }
    }

    /// The connection opened for this machine (the first, or the one a
    /// [`NsEvent::Redirect`] asked for) could not be established: the session ends with
    /// [`CloseReason::ConnectionLost`].
    ///
    /// [`handle_closed`](Self::handle_closed) cannot tell this apart from the old
    /// server closing after its referral, which is expected; the caller can.
    pub fn handle_connect_failed(&mut self, now: Instant) {
        self.touch(now);
        self.close(CloseReason::ConnectionLost);
    }

    // ----- Mutators (the phase files hold the rest) -----

    /// Names this connection in the frame logs of the `tracing` feature (the `conn` field,
    /// e.g. `ns#1`), from the next frame on; it stays across referrals. Without the
    /// feature the label is only kept.
    ///
    /// ```
    /// # use std::time::Instant;
    /// # use msnp::{codec::Passport, ns::{NotificationClient, NsConfig}};
    /// let account = Passport::try_from("example@passport.com").unwrap();
    /// let mut ns = NotificationClient::new(NsConfig::default(), account, Instant::now());
    /// ns.set_trace_label("ns#1");
    /// assert_eq!(ns.trace_label(), Some("ns#1"));
    /// ```
    pub fn set_trace_label(&mut self, label: impl Into<Cow<'static, str>>) {
        self.trace_label = Some(label.into());
    }

    // ----- Output -----

    /// The next thing to do: bytes to send, then events, then `Idle` with the next
    /// deadline. Parses at most one buffered frame per call.
    ///
    /// A `Transmit` lends the machine's buffer: write it before the next call.
    pub fn poll_output(&mut self) -> Output<'_, NsEvent> {
        self.sent.clear();
        loop {
            if !self.transmit.is_empty() {
                std::mem::swap(&mut self.transmit, &mut self.sent);
                trace::sent(
                    self.conn(),
                    self.dialect.unwrap_or(crate::codec::Dialect::Msnp8),
                    &self.sent,
                );
                return Output::Transmit(&self.sent);
            }
            if let Some(event) = self.events.pop_front() {
                return Output::Event(event);
            }
            if !self.parse_one() {
                return Output::Idle {
                    next_timeout: self.next_timeout(),
                };
            }
        }
    }

    /// The bytes of the last `Transmit`: the `Client` hands them on after polling.
    pub(crate) fn last_transmit(&self) -> &[u8] {
        &self.sent
    }

    // ----- Internals: bookkeeping -----

    /// The connection's name in frame logs.
    fn conn(&self) -> &str {
        self.trace_label.as_deref().unwrap_or("ns")
    }

    fn touch(&mut self, now: Instant) {
        // Time never runs backwards for the machine, whatever the caller passes.
        self.now = self.now.max(now);
    }

    /// `now + span`, or `None` ("never") when that is past what the clock can hold.
    fn deadline_after(&self, span: Duration) -> Option<Instant> {
        self.now.checked_add(span)
    }

    fn reads_input(&self) -> bool {
        matches!(
            self.state,
            SessionState::LoggingIn | SessionState::AwaitingPassport | SessionState::LoggedIn
        )
    }

    fn wrong_state(&self, call: &'static str, state: SessionState) -> NsError {
        NsError::WrongState {
            call,
            state: state.words(),
        }
    }

    fn expect_state(&self, call: &'static str, expected: SessionState) -> Result<(), NsError> {
        match self.state {
            state if state == expected => Ok(()),
            SessionState::Closed => Err(NsError::Closed),
            state => Err(self.wrong_state(call, state)),
        }
    }

    fn expect_logged_in(&self, call: &'static str) -> Result<(), NsError> {
        self.expect_state(call, SessionState::LoggedIn)
    }

    fn check_room(&self) -> Result<(), NsError> {
        if self.transmit.len() > self.config.max_transmit {
            return Err(NsError::TransmitFull {
                max: self.config.max_transmit,
            });
        }
        Ok(())
    }

    fn take_trid(&mut self) -> TrId {
        let trid = TrId(self.next_trid);
        // TrID 0 marks the server's own commands: skip it on wrap [HYP general/commands].
        self.next_trid = self.next_trid.checked_add(1).unwrap_or(1);
        trid
    }

    /// A caller's request: checked, numbered, sent and awaited. The machine's own
    /// requests count against [`NsConfig::max_pending`] too.
    fn request(&mut self, build: impl FnOnce(TrId) -> ClientCommand<'static>) -> Result<TrId, NsError> {
        if self.pending.len() >= self.config.max_pending {
            return Err(NsError::TooManyPending {
                max: self.config.max_pending,
            });
        }
        self.check_room()?;
        let trid = TrId(self.next_trid);
        let command = build(trid);
        self.push_checked(&command)?;
        self.take_trid();
        self.await_reply(trid, command);
        Ok(trid)
    }

    /// The machine's own request (login steps, `QRY`): its values are valid by
    /// construction.
    fn send_request(&mut self, build: impl FnOnce(TrId) -> ClientCommand<'static>) -> TrId {
        let trid = self.take_trid();
        let command = build(trid);
        self.push_command(&command);
        self.await_reply(trid, command);
        trid
    }

    fn await_reply(&mut self, trid: TrId, request: ClientCommand<'static>) {
        if matches!(request, ClientCommand::Qry { .. }) {
            self.open_challenges += 1;
        }
        let deadline = self.deadline_after(self.config.command_timeout);
        if let Some(deadline) = deadline {
            self.deadlines.insert((deadline, trid));
        }
        // A TrID still pending after 2³² requests is replaced, its deadline with it.
        if let Some(old) = self.pending.insert(trid, Pending { request, deadline }) {
            self.forget_pending(trid, &old);
        }
    }

    /// Takes the request `trid` out of the table, with its deadline.
    fn take_pending(&mut self, trid: TrId) -> Option<Pending> {
        let pending = self.pending.remove(&trid)?;
        self.forget_pending(trid, &pending);
        Some(pending)
    }

    fn forget_pending(&mut self, trid: TrId, pending: &Pending) {
        self.group_follow_ups.remove(&trid);
        if let Some(deadline) = pending.deadline {
            self.deadlines.remove(&(deadline, trid));
        }
        if matches!(pending.request, ClientCommand::Qry { .. }) {
            self.open_challenges = self.open_challenges.saturating_sub(1);
        }
    }

    fn clear_pending(&mut self) {
        self.pending.clear();
        self.group_follow_ups.clear();
        self.deadlines.clear();
        self.open_challenges = 0;
    }

    /// The verb of the request awaiting `trid`, if any.
    fn pending_verb(&self, trid: TrId) -> Option<&str> {
        self.pending.get(&trid).map(|p| p.request.verb())
    }

    /// Settles the request that the reply `trid` answers, which must have verb `verb`;
    /// a reply that answers nothing outstanding closes the session and gives false.
    fn settle(&mut self, trid: TrId, verb: &'static str) -> bool {
        if self.pending_verb(trid) == Some(verb) {
            self.take_pending(trid);
            return true;
        }
        self.violation("reply answers no outstanding request", verb);
        false
    }

    fn push_checked(&mut self, command: &ClientCommand<'_>) -> Result<(), NsError> {
        command.encode(&mut self.transmit)?;
        Ok(())
    }

    fn push_command(&mut self, command: &ClientCommand<'_>) {
        // The machine's own commands are built from validated values; should encoding
        // ever refuse one, the session cannot go on honestly.
        if let Err(error) = command.encode(&mut self.transmit) {
            let verb = command.verb().to_owned();
            debug_assert!(false, "unencodable own command {verb}: {error}");
            self.close(CloseReason::ProtocolViolation {
                reason: "the machine built a command it cannot encode",
                verb,
            });
        }
    }

    /// Drops buffered input, as after a referral or the end: the bytes of the old
    /// connection may hold its secrets.
    fn reset_input(&mut self) {
        self.framer = Framer::new(Direction::ServerToClient, self.config.limits);
    }

    fn close(&mut self, reason: CloseReason) {
        if self.state == SessionState::Closed {
            return;
        }
        self.state = SessionState::Closed;
        self.clear_pending();
        self.download = None;
        self.tail = None;
        self.next_ping = None;
        self.awaiting_pong = false;
        self.pong_deadline = None;
        self.reset_input();
        self.presences.clear();
        self.close_reason = Some(reason.clone());
        self.events.push_back(NsEvent::Closed { reason });
    }

    fn violation(&mut self, reason: &'static str, verb: &str) {
        self.close(CloseReason::ProtocolViolation {
            reason,
            verb: verb.to_owned(),
        });
    }

    fn limit_reached(&mut self, limit: Limit, max: usize) {
        self.close(CloseReason::LimitReached { limit, max });
    }

    /// Checks the contact lists (the current one and a download's) against
    /// [`NsConfig::max_contact_list_bytes`] after a change; false once closed.
    fn lists_within_bounds(&mut self) -> bool {
        let max = self.config.max_contact_list_bytes;
        let download = self.download.as_ref().map_or(0, |d| d.list.retained_bytes());
        if self.contacts.retained_bytes() > max || download > max {
            self.limit_reached(Limit::ContactListBytes, max);
            return false;
        }
        true
    }

    // ----- Internals: input -----

    /// Parses and handles one frame; false when none is complete.
    fn parse_one(&mut self) -> bool {
        if !self.reads_input() {
            return false;
        }
        // Taken out so that the frame can borrow its bytes while the machine changes;
        // a close or referral meanwhile leaves a fresh one in its place.
        let mut framer = std::mem::replace(
            &mut self.framer,
            Framer::new(Direction::ServerToClient, self.config.limits),
        );
        let mut holds_secret = false;
        let progressed = match framer.next_frame() {
            None => false,
            Some(Ok(frame)) => {
                match ServerCommand::decode_frame(frame) {
                    Ok(command) => {
                        trace::received(self.conn(), frame.len, &command);
                        holds_secret = matches!(
                            command,
                            ServerCommand::XfrSb { .. }
                                | ServerCommand::Rng { .. }
                                | ServerCommand::Msg { .. }
                        );
                        self.handle_command(command);
                    }
                    Err(error) => self.skip(frame.len, error),
                }
                true
            }
            Some(Err(error)) if !error.is_fatal() => {
                let len = error.frame_len().unwrap_or_default();
                self.skip(len, error);
                true
            }
            Some(Err(error)) => {
                trace::undecodable_received(self.conn(), framer.buffered(), &error);
                self.close(CloseReason::Undecodable(error));
                true
            }
        };
        // A frame's bytes stay in the framer until the next push; a cookie or an
        // MSPAuth need not.
        if holds_secret {
            framer.release();
        }
        if self.reads_input() {
            self.framer = framer;
            // `VER` may just have chosen the dialect the next frames are cut in.
            if let Some(dialect) = self.dialect {
                self.framer.set_dialect(dialect);
            }
        }
        progressed
    }

    /// A frame that cannot be used but whose end is known: reported, passed over.
    fn skip(&mut self, len: usize, error: DecodeError) {
        trace::undecodable_received(self.conn(), len, &error);
        self.tail = None;
        self.events.push_back(NsEvent::Skipped { error });
    }

    fn handle_command(&mut self, command: ServerCommand<'_>) {
        match self.state {
            SessionState::LoggingIn | SessionState::AwaitingPassport => self.handle_login(command),
            SessionState::LoggedIn => self.handle_session(command),
            _ => {}
        }
    }

    /// Everything after `USR … OK`, routed to the phase it belongs to.
    fn handle_session(&mut self, command: ServerCommand<'_>) {
        use ServerCommand::*;
        // Trailing `BPR`s (and `PRP`s of a list with no contacts) after the last counted
        // line still belong to the download [TW handle_LST].
        let in_tail = matches!(command, Bpr { stamp: None, .. } | Prp { stamp: None, .. });
        let tail = if in_tail { self.tail.take() } else { None };
        if !in_tail {
            self.tail = None;
        }
        let download_line = matches!(
            command,
            Syn { .. }
                | SynStamps { .. }
                | Lsg { .. }
                | LsgGuid { .. }
                | Lst { .. }
                | LstGuid { .. }
                | Gtc { stamp: None, .. }
                | Blp { stamp: None, .. }
                | Prp { stamp: None, .. }
                | Bpr { stamp: None, .. }
        );
        if download_line {
            return self.handle_download(command, tail);
        }
        self.end_download_before_other_lines();
        match command {
            command @ (Add { .. }
            | Rem { .. }
            | Rea { .. }
            | Adg { .. }
            | Rmg { .. }
            | Reg { .. }
            | Gtc { .. }
            | Blp { .. }
            | Prp { .. }
            | Bpr { .. }) => self.handle_edit(command),
            command @ (GtcReply { .. }
            | BlpReply { .. }
            | PrpReply { .. }
            | BprOf { .. }
            | Adc { .. }
            | RemGuid { .. }
            | RemHandle { .. }
            | AdgGuid { .. }
            | RmgGuid { .. }
            | RegGuid { .. }
            | Sbp { .. }) => self.handle_guid_edit(command),
            command @ (Chg { .. } | Iln { .. } | Nln { .. } | Fln { .. }) => self.handle_presence(command),
            command @ (XfrSb { .. } | Rng { .. }) => self.handle_switchboard(command),
            command @ (Chl { .. } | Qry { .. } | Qng { .. }) => self.handle_keepalive(command),
            command @ (Msg { .. } | Not { .. } | Ipg { .. }) => self.handle_message(command),
            Out { reason } => self.server_out(reason),
            OutReconnect { minutes } => self.close(CloseReason::ReconnectLater { minutes }),
            command @ (Ubx { .. } | Uux { .. }) => self.handle_presence(command),
            // The subscription status after login carries nothing a client acts on [YW sbs].
            Sbs { .. } => {}
            Gcf { trid, file, payload } => self.config_file(trid, file, &payload),
            Url { trid, .. } if self.pending.contains_key(&trid) => {
                let reply = command.into_owned();
                self.take_pending(trid);
                self.events.push_back(NsEvent::Reply { trid, reply });
            }
            Error { code, trid, .. } => self.error_reply(code, trid),
            Other(raw) => self.events.push_back(NsEvent::Unknown(raw.into_owned())),
            other => self.misplaced(&other),
        }
    }

    /// A command of a phase that has no place in the session (the phase handlers' last
    /// arm, too, which the routing above never reaches).
    fn misplaced(&mut self, command: &ServerCommand<'_>) {
        self.violation("command has no place in a notification session", command.verb());
    }

    fn error_reply(&mut self, code: ErrorCode, trid: Option<TrId>) {
        let Some((trid, Pending { request, .. })) =
            trid.and_then(|t| self.take_pending(t).map(|pending| (t, pending)))
        else {
            return self.events.push_back(NsEvent::ServerError { code, trid });
        };
        let code = self.dialect_neutral_code(&request, code);
        self.events
            .push_back(NsEvent::CommandFailed { trid, request, code });
    }
}

#[cfg(test)]
mod tests;
