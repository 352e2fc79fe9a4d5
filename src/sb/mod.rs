//! The switchboard session: one [`SwitchboardClient`] per switchboard connection.
//!
//! A switchboard is the server that relays one conversation (reference §7). The user
//! gets into one of two ways:
//!
//! - **calling**: after the notification server's `XFR T SB addr CKI cookie`, connect and
//!   create the machine with [`SwitchboardClient::call`]; it authenticates (`USR`), then
//!   [`SwitchboardClient::invite`] rings contacts (`CAL`), who join (`JOI`);
//! - **answering**: after `RNG session addr CKI cookie …`, connect and create it with
//!   [`SwitchboardClient::answer`]; it joins (`ANS`) and learns who is there (`IRO`…,
//!   `ANS OK`).
//!
//! ```
//! use std::time::Instant;
//! use msnp::codec::{AckMode, Passport, Token};
//! use msnp::sb::{SbConfig, SbEvent, SwitchboardClient};
//! use msnp::{Output, Secret};
//!
//! let now = Instant::now();
//! let me = Passport::try_from("alice@passport.com").unwrap();
//! let cookie = Secret::new(Token::try_from("17262740.1050826919.32308").unwrap());
//! let mut sb = SwitchboardClient::call(SbConfig::default(), me, cookie, now);
//! // Text sent before anyone joined waits for the first participant.
//! let trids = sb.send_text(now, "hi", None, AckMode::Always).unwrap();
//! assert_eq!(
//!     sb.poll_output(),
//!     Output::Transmit(b"USR 1 alice@passport.com 17262740.1050826919.32308\r\n")
//! );
//! sb.handle_input(now, b"USR 1 OK alice@passport.com Alice\r\n");
//! assert!(matches!(sb.poll_output(), Output::Event(SbEvent::Authenticated { .. })));
//! let bob = Passport::try_from("bob@passport.com").unwrap();
//! let cal = sb.invite(now, &bob).unwrap();
//! assert_eq!(sb.poll_output(), Output::Transmit(b"CAL 3 bob@passport.com\r\n"));
//! sb.handle_input(now, b"CAL 3 RINGING 11752013\r\nJOI bob@passport.com Bob\r\nACK 2\r\n");
//! assert!(matches!(sb.poll_output(), Output::Event(SbEvent::Ringing { trid, .. }) if trid == cal));
//! let Output::Transmit(msg) = sb.poll_output() else { panic!() };
//! assert!(msg.starts_with(b"MSG 2 A 64\r\n"));
//! assert!(matches!(sb.poll_output(), Output::Event(SbEvent::ParticipantJoined { .. })));
//! assert_eq!(sb.poll_output(), Output::Event(SbEvent::Delivered { trid: trids[0] }));
//! ```
//!
//! Every message sent through [`SwitchboardClient::send_text`] or
//! [`SwitchboardClient::send_message`] ends in exactly one of [`SbEvent::SentUnconfirmed`],
//! [`SbEvent::Delivered`] or [`SbEvent::NotDelivered`]; see [`DeliveryStats`] for the
//! count and the table in the ledger below for which ends which. Only
//! [`SbEvent::Delivered`] means the peer acknowledged (`ACK`, mode `A`).
//!
//! Server input goes through the codec's [`Framer`], one frame per
//! [`poll_output`](SwitchboardClient::poll_output), under the notification machine's
//! policy: a frame that cannot be used (a known verb with malformed arguments, a payload
//! over the limit) is reported as [`SbEvent::Skipped`] and passed over, the stream stays
//! in sync; only input that can never be framed again ends the session
//! ([`CloseReason::Undecodable`], as on the notification connection).

mod config;
mod delivery;
mod error;
mod event;
mod incoming;
mod roster;

use std::borrow::Cow;
use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::time::Instant;

use crate::codec::{
    AckMode, ClientCommand, Dialect, Direction, Framer, Passport, ServerCommand, Token, TrId,
};
use crate::msg::{Text, TextFormat, Typing};
use crate::{Output, Secret, trace};

pub use crate::msg::MAX_PAYLOAD_LEN;
pub use config::SbConfig;
pub use delivery::DeliveryStats;
pub use error::SbError;
pub use event::{CloseReason, InviteFailure, NotDelivered, ProtocolViolation, SbEvent};
pub use roster::Participant;

use delivery::{Ledger, Queued};
use roster::Roster;

/// How many untracked requests (typing notifications) are remembered for naming an
/// error reply.
const RECENT_REQUESTS: usize = 16;

/// Where the session is.
#[derive(Debug)]
enum Phase {
    /// `USR T account cookie` sent (calling).
    Authenticating { trid: TrId },
    /// `ANS T account cookie session` sent (answering); `IRO` lines collect here.
    Answering { trid: TrId, roster: Roster },
    /// In the session.
    Joined,
    /// Over; see `closed`.
    Closed,
}

/// One switchboard connection, from authentication to the end of the session.
///
/// Sans-IO: the caller owns the socket and the clock. The run loop is: connect, create
/// the machine, then after every input (bytes, a timer, the connection closing, an
/// API call) drain [`poll_output`](Self::poll_output) until it returns
/// [`Output::Idle`], writing every [`Output::Transmit`] in order and calling
/// [`handle_timeout`](Self::handle_timeout) when `next_timeout` passes.
///
/// Methods come in four groups, as in quinn-proto's `Connection`:
/// - getters: [`account`](Self::account), [`dialect`](Self::dialect), [`participants`](Self::participants),
///   [`is_joined`](Self::is_joined), [`is_alone`](Self::is_alone),
///   [`is_closed`](Self::is_closed), [`close_reason`](Self::close_reason),
///   [`session`](Self::session), [`stats`](Self::stats), [`trace_label`](Self::trace_label);
/// - inputs: [`handle_input`](Self::handle_input), [`handle_timeout`](Self::handle_timeout),
///   [`handle_closed`](Self::handle_closed);
/// - mutators, each returning the TrID it used: [`invite`](Self::invite),
///   [`send_text`](Self::send_text), [`send_message`](Self::send_message),
///   [`send_typing`](Self::send_typing), [`leave`](Self::leave),
///   [`send_command`](Self::send_command) with [`next_trid`](Self::next_trid);
///   [`set_trace_label`](Self::set_trace_label) names the connection in frame logs;
/// - output: [`poll_output`](Self::poll_output).
///
/// `Debug` shows state and counts, never buffers or the cookie.
pub struct SwitchboardClient {
    config: SbConfig,
    account: Passport<'static>,
    phase: Phase,
    closed: Option<CloseReason>,
    session: Option<Token<'static>>,
    roster: Roster,
    /// `CAL` requests awaiting `RINGING` or an error.
    invites: BTreeMap<TrId, Passport<'static>>,
    ledger: Ledger,
    next_trid: u32,
    /// The latest time any input or call told the machine.
    now: Instant,
    last_typing: Option<Instant>,
    /// Recent untracked requests (typing notifications), so an error reply can name
    /// its request; the oldest are forgotten past `RECENT_REQUESTS`.
    recent: VecDeque<(TrId, &'static str)>,
    /// Server bytes not parsed yet; `None` once the session is over, so nothing is kept.
    framer: Option<Framer>,
    outgoing: Vec<u8>,
    /// The bytes of the last `Transmit`, lent to the caller until the next
    /// `poll_output`; it swaps with `outgoing` so both keep their capacity.
    sent: Vec<u8>,
    events: VecDeque<SbEvent>,
    /// Names the connection in frame logs (feature `tracing`).
    trace_label: Option<Cow<'static, str>>,
}

impl fmt::Debug for SwitchboardClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let phase = match self.phase {
            Phase::Authenticating { .. } => "authenticating",
            Phase::Answering { .. } => "answering",
            Phase::Joined => "joined",
            Phase::Closed => "closed",
        };
        f.debug_struct("SwitchboardClient")
            .field("account", &self.account)
            .field("phase", &phase)
            .field("closed", &self.closed)
            .field("session", &self.session)
            .field("participants", &self.roster.len())
            .field("invites", &self.invites.len())
            .field("stats", &self.ledger.stats())
            .field("next_trid", &self.next_trid)
            .field(
                "buffered_input",
                &self.framer.as_ref().map_or(0, Framer::buffered),
            )
            .field("buffered_output", &self.outgoing.len())
            .field("events", &self.events.len())
            .field("trace_label", &self.trace_label)
            .finish_non_exhaustive()
    }
}

impl SwitchboardClient {
    /// A session on a switchboard the user asked for with `XFR T SB`: queues
    /// `USR T account cookie` [HYP sb/authentication].
    pub fn call(
        config: SbConfig,
        account: Passport<'static>,
        cookie: Secret<Token<'static>>,
        now: Instant,
    ) -> Self {
        let mut sb = Self::new(config, account, now);
        let trid = sb.allocate_trid();
        sb.phase = Phase::Authenticating { trid };
        sb.write(&ClientCommand::UsrSwitchboard {
            trid,
            account: sb.account.clone(),
            cookie,
        });
        sb
    }

    /// A session the user was invited into with `RNG session addr CKI cookie …`: queues
    /// `ANS T account cookie session` [HYP participants; YW ans.md].
    pub fn answer(
        config: SbConfig,
        account: Passport<'static>,
        session: Token<'static>,
        cookie: Secret<Token<'static>>,
        now: Instant,
    ) -> Self {
        let mut sb = Self::new(config, account, now);
        let trid = sb.allocate_trid();
        sb.phase = Phase::Answering {
            trid,
            roster: Roster::default(),
        };
        sb.write(&ClientCommand::Ans {
            trid,
            account: sb.account.clone(),
            cookie,
            session: session.clone(),
        });
        sb.session = Some(session);
        sb
    }

    fn new(config: SbConfig, account: Passport<'static>, now: Instant) -> Self {
        let mut framer = Framer::new(Direction::ServerToClient, config.limits);
        framer.set_dialect(config.dialect);
        Self {
            framer: Some(framer),
            config,
            account,
            phase: Phase::Closed,
            closed: None,
            session: None,
            roster: Roster::default(),
            invites: BTreeMap::new(),
            ledger: Ledger::default(),
            next_trid: 1,
            now,
            last_typing: None,
            recent: VecDeque::new(),
            outgoing: Vec::new(),
            sent: Vec::new(),
            events: VecDeque::new(),
            trace_label: None,
        }
    }

    // ----- getters -----

    /// The user's account.
    pub fn account(&self) -> &Passport<'static> {
        &self.account
    }

    /// The other participants, in the order they joined.
    pub fn participants(&self) -> &[Participant] {
        self.roster.members()
    }

    /// The dialect the session speaks: [`SbConfig::dialect`], its notification
    /// session's.
    pub fn dialect(&self) -> Dialect {
        self.config.dialect
    }

    /// Whether the user is in the session (`USR … OK` or `ANS … OK` came, not closed).
    pub fn is_joined(&self) -> bool {
        matches!(self.phase, Phase::Joined)
    }

    /// Whether the user is in the session with nobody else: messages sent now wait.
    pub fn is_alone(&self) -> bool {
        self.is_joined() && self.roster.is_empty()
    }

    /// Whether the session is over.
    pub fn is_closed(&self) -> bool {
        self.closed.is_some()
    }

    /// Why the session ended, once it has.
    pub fn close_reason(&self) -> Option<&CloseReason> {
        self.closed.as_ref()
    }

    /// The session id: from `RNG` when answering, from `CAL … RINGING` when calling.
    pub fn session(&self) -> Option<&Token<'static>> {
        self.session.as_ref()
    }

    /// How many tracked messages were submitted and how each ended.
    pub fn stats(&self) -> DeliveryStats {
        self.ledger.stats()
    }

    /// The label frame logs carry in their `conn` field, if one was set with
    /// [`set_trace_label`](Self::set_trace_label); `sb` is logged otherwise.
    pub fn trace_label(&self) -> Option<&str> {
        self.trace_label.as_deref()
    }

    // ----- inputs -----

    /// Takes bytes from the switchboard connection. Never fails: problems surface from
    /// [`poll_output`](Self::poll_output). Bytes after the end of the session are
    /// ignored. Drain `poll_output` after each call so that buffered input stays
    /// within [`Limits::max_buffered`](crate::codec::Limits::max_buffered) plus one chunk.
    pub fn handle_input(&mut self, now: Instant, bytes: &[u8]) {
        self.touch(now);
        if let Some(framer) = &mut self.framer {
            framer.push(bytes);
        }
    }

    /// Ends messages whose acknowledgement deadline has passed. Early or repeated calls
    /// do nothing.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.touch(now);
        if self.closed.is_none() {
            self.ledger.expire(now, &mut self.events);
        }
    }

    /// The connection closed (EOF or reset). Server bytes not yet parsed are dropped.
    pub fn handle_closed(&mut self, now: Instant) {
        self.touch(now);
        if self.closed.is_some() {
            return;
        }
        let reason = if self.is_joined() {
            CloseReason::ConnectionLost
        } else {
            CloseReason::ClosedBeforeJoin
        };
        self.close(reason, false);
    }

    // ----- mutators -----

    /// Invites a contact: `CAL T account`. [`SbEvent::Ringing`] or
    /// [`SbEvent::InviteFailed`] answers, then [`SbEvent::ParticipantJoined`] when they
    /// come.
    pub fn invite(&mut self, now: Instant, account: &Passport<'_>) -> Result<TrId, SbError> {
        self.touch(now);
        self.check_open()?;
        if !self.is_joined() {
            return Err(SbError::NotJoined);
        }
        // Invitations have their own bound, so that texts waiting for the first
        // participant can never keep that participant from being invited.
        let max = self.config.max_participants;
        if self.invites.len() >= max {
            return Err(SbError::TooManyInvitations { max });
        }
        self.check_room(0, 0)?;
        let trid = self.allocate_trid();
        let account = account.clone().into_owned();
        self.write(&ClientCommand::Cal {
            trid,
            account: account.clone(),
        });
        self.invites.insert(trid, account);
        Ok(trid)
    }

    /// Sends a text as `text/plain; charset=UTF-8` with an optional `X-MMS-IM-Format`,
    /// split on character boundaries into as many messages as the 1664-byte payload
    /// limit needs [HYP sb/messages]. Returns each message's TrID, in order.
    ///
    /// While nobody else is in the session the messages wait (counted in
    /// [`SbConfig::max_pending`]) and go out when someone joins.
    pub fn send_text(
        &mut self,
        now: Instant,
        text: &str,
        format: Option<&TextFormat<'_>>,
        ack: AckMode,
    ) -> Result<Vec<TrId>, SbError> {
        self.touch(now);
        self.check_open()?;
        self.check_ack_mode(ack)?;
        if text.is_empty() {
            return Err(SbError::EmptyText);
        }
        let max_body = crate::msg::max_text_body_len(format);
        if max_body < 4 {
            // Less than one character of any width: the format alone fills the payload.
            return Err(SbError::FormatTooLarge { max: MAX_PAYLOAD_LEN });
        }
        let pieces: Vec<&str> = crate::msg::split_text(text, max_body).collect();
        let bytes = text.len() + pieces.len() * (MAX_PAYLOAD_LEN - max_body + 32);
        self.check_room(pieces.len(), bytes)?;
        let mut trids = Vec::with_capacity(pieces.len());
        for piece in pieces {
            let mut payload = Vec::with_capacity(MAX_PAYLOAD_LEN);
            Text {
                format: format.cloned(),
                body: piece.into(),
            }
            .encode(&mut payload);
            trids.push(self.submit(ack, payload));
        }
        Ok(trids)
    }

    /// Sends any MIME payload (an invitation, a custom content type…) as one `MSG`,
    /// tracked like a text. It must fit in [`MAX_PAYLOAD_LEN`]. Mode [`AckMode::Data`]
    /// (`D`, MSNP9+) carries P2P data and is acknowledged like `A`, or refused with
    /// error 282 [YW msg.md]; an MSNP8 switchboard refuses it
    /// ([`SbError::NotInDialect`]).
    pub fn send_message(&mut self, now: Instant, payload: &[u8], ack: AckMode) -> Result<TrId, SbError> {
        self.touch(now);
        self.check_open()?;
        self.check_ack_mode(ack)?;
        if payload.len() > MAX_PAYLOAD_LEN {
            return Err(SbError::PayloadTooLarge {
                len: payload.len(),
                max: MAX_PAYLOAD_LEN,
            });
        }
        self.check_room(1, payload.len() + 32)?;
        Ok(self.submit(ack, payload.to_vec()))
    }

    /// Tells the others the user is typing (`text/x-msmsgscontrol`, mode `U`, untracked).
    ///
    /// Returns `Ok(None)` without sending when nobody else is in the session, or when the
    /// last notification went out less than [`SbConfig::typing_interval`] ago.
    pub fn send_typing(&mut self, now: Instant) -> Result<Option<TrId>, SbError> {
        self.touch(now);
        self.check_open()?;
        if !self.is_joined() || self.roster.is_empty() {
            return Ok(None);
        }
        if self
            .last_typing
            .is_some_and(|last| now.saturating_duration_since(last) < self.config.typing_interval)
        {
            return Ok(None);
        }
        self.check_room(0, MAX_PAYLOAD_LEN)?;
        let mut payload = Vec::with_capacity(128);
        // A Passport holds no CR, LF or NUL, so the header is never refused; if it were,
        // sending nothing is the honest outcome.
        if Typing::new(self.account.as_str()).encode(&mut payload).is_err() {
            return Ok(None);
        }
        let trid = self.allocate_trid();
        self.write(&ClientCommand::Msg {
            trid,
            ack: AckMode::Unacknowledged,
            payload: payload.into(),
        });
        self.last_typing = Some(now);
        if self.recent.len() >= RECENT_REQUESTS {
            self.recent.pop_front();
        }
        self.recent.push_back((trid, "MSG"));
        Ok(Some(trid))
    }

    /// Leaves the session: queues `OUT` [DRAFT §8.6] and ends the machine at once.
    ///
    /// Messages written and still awaiting an answer end as
    /// [`NotDelivered::SessionClosed`], queued ones as [`NotDelivered::NeverSent`]; `U`
    /// messages not yet handed out go out with the `OUT` and end as
    /// [`SbEvent::SentUnconfirmed`].
    /// Then [`SbEvent::Closed`] with [`CloseReason::Left`]. Close the connection after
    /// writing the last `Transmit`.
    pub fn leave(&mut self, now: Instant) -> Result<(), SbError> {
        self.touch(now);
        self.check_open()?;
        self.write(&ClientCommand::Out);
        self.close(CloseReason::Left, true);
        Ok(())
    }

    /// Names this connection in the frame logs of the `tracing` feature (the `conn` field,
    /// e.g. `sb#3`). Frames are logged as they are handed out by
    /// [`poll_output`](Self::poll_output), so a label set right after
    /// [`call`](Self::call) or [`answer`](Self::answer) already names their `USR` or
    /// `ANS`. Without the feature the label is only kept.
    ///
    /// ```
    /// # use std::time::Instant;
    /// # use msnp::{Secret, codec::{Passport, Token}, sb::{SbConfig, SwitchboardClient}};
    /// let me = Passport::try_from("alice@passport.com").unwrap();
    /// let cookie = Secret::new(Token::try_from("17262740.1050826919.32308").unwrap());
    /// let mut sb = SwitchboardClient::call(SbConfig::default(), me, cookie, Instant::now());
    /// sb.set_trace_label("sb#3");
    /// assert_eq!(sb.trace_label(), Some("sb#3"));
    /// ```
    pub fn set_trace_label(&mut self, label: impl Into<Cow<'static, str>>) {
        self.trace_label = Some(label.into());
    }

    /// Reserves a fresh TrID for [`send_command`](Self::send_command).
    pub fn next_trid(&mut self) -> Result<TrId, SbError> {
        self.check_open()?;
        Ok(self.allocate_trid())
    }

    /// Writes any command as it is: the escape hatch for what this machine has no call
    /// for. Its TrID should come from [`next_trid`](Self::next_trid). The machine does
    /// not track it: replies come as [`SbEvent::Unhandled`] or
    /// [`SbEvent::CommandFailed`] with no request named.
    pub fn send_command(&mut self, now: Instant, command: &ClientCommand<'_>) -> Result<(), SbError> {
        self.touch(now);
        self.check_open()?;
        let mut bytes = Vec::new();
        command.encode(&mut bytes)?;
        self.check_room(0, bytes.len())?;
        self.outgoing.extend_from_slice(&bytes);
        Ok(())
    }

    // ----- output -----

    /// The next thing to do: bytes to write, an event, or nothing until more input or
    /// `next_timeout`. Parses at most one server command per call, so the machine's
    /// state always matches the events handed out so far.
    ///
    /// A `Transmit` lends the machine's buffer: write it before the next call.
    pub fn poll_output(&mut self) -> Output<'_, SbEvent> {
        self.sent.clear();
        loop {
            if !self.outgoing.is_empty() {
                self.ledger.written(&mut self.events);
                std::mem::swap(&mut self.outgoing, &mut self.sent);
                trace::sent(self.conn(), self.config.dialect, &self.sent);
                return Output::Transmit(&self.sent);
            }
            if let Some(event) = self.events.pop_front() {
                return Output::Event(event);
            }
            if self.closed.is_some() || !self.process_frame() {
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

    fn next_timeout(&self) -> Option<Instant> {
        if self.closed.is_some() {
            None
        } else {
            self.ledger.next_deadline()
        }
    }

    // ----- internals -----

    /// The connection's name in frame logs.
    fn conn(&self) -> &str {
        self.trace_label.as_deref().unwrap_or("sb")
    }

    fn touch(&mut self, now: Instant) {
        self.now = self.now.max(now);
    }

    fn allocate_trid(&mut self) -> TrId {
        let trid = TrId(self.next_trid);
        // TrID 0 marks unsolicited commands [HYP general/commands]: never use it.
        self.next_trid = self.next_trid.checked_add(1).unwrap_or(1);
        trid
    }

    fn check_open(&self) -> Result<(), SbError> {
        if self.closed.is_some() {
            Err(SbError::Closed)
        } else {
            Ok(())
        }
    }

    /// Refuses mode `D` before MSNP9, whose switchboards do not know it [YW msg.md;
    /// reference §9.1].
    fn check_ack_mode(&self, ack: AckMode) -> Result<(), SbError> {
        let dialect = self.config.dialect;
        if ack == AckMode::Data && dialect < Dialect::Msnp9 {
            return Err(SbError::NotInDialect {
                call: "MSG with acknowledgement mode D",
                dialect,
            });
        }
        Ok(())
    }

    /// Refuses a call that would pass `max_pending` or `max_transmit`.
    fn check_room(&self, requests: usize, bytes: usize) -> Result<(), SbError> {
        let pending = self.ledger.len();
        if requests > 0 && pending + requests > self.config.max_pending {
            return Err(SbError::TooManyPending {
                pending,
                max: self.config.max_pending,
            });
        }
        if self.outgoing.len() + bytes > self.config.max_transmit {
            return Err(SbError::TransmitFull {
                buffered: self.outgoing.len(),
                max: self.config.max_transmit,
            });
        }
        Ok(())
    }

    fn write(&mut self, command: &ClientCommand<'_>) {
        // Commands built here are valid by construction; a failure would only drop
        // this one command, never corrupt the stream (encode appends nothing on error).
        let _ = command.encode(&mut self.outgoing);
    }

    /// Tracks a new message; writes it now if someone is there to read it.
    fn submit(&mut self, ack: AckMode, payload: Vec<u8>) -> TrId {
        let trid = self.allocate_trid();
        if self.is_joined() && !self.roster.is_empty() {
            self.put_on_wire(trid, ack, payload, true);
        } else {
            self.ledger.queue(Queued { trid, ack, payload });
        }
        trid
    }

    fn put_on_wire(&mut self, trid: TrId, ack: AckMode, payload: Vec<u8>, fresh: bool) {
        let wait = match ack {
            AckMode::NegativeOnly => self.config.nak_grace,
            _ => self.config.ack_timeout,
        };
        self.write(&ClientCommand::Msg {
            trid,
            ack,
            payload: payload.into(),
        });
        self.ledger.on_wire(trid, ack, self.now.checked_add(wait), fresh);
    }

    /// Someone joined: messages waiting for a reader go out, in the order submitted.
    fn flush_queued(&mut self) {
        for queued in self.ledger.take_queued() {
            self.put_on_wire(queued.trid, queued.ack, queued.payload, false);
        }
    }

    /// Ends the session. `keep_outgoing`: the caller still writes what is buffered
    /// (leaving); otherwise the connection is gone and unwritten bytes never leave.
    fn close(&mut self, reason: CloseReason, keep_outgoing: bool) {
        if keep_outgoing {
            self.ledger.written(&mut self.events);
        } else {
            self.outgoing.clear();
        }
        self.ledger.close(&mut self.events);
        self.invites.clear();
        self.phase = Phase::Closed;
        self.framer = None;
        self.events.push_back(SbEvent::Closed {
            reason: reason.clone(),
        });
        self.closed = Some(reason);
    }

    fn violation(&mut self, violation: ProtocolViolation) {
        self.close(CloseReason::ProtocolViolation(violation), false);
    }

    /// Parses and handles one server frame; `false` when none is complete yet.
    ///
    /// The policy for bad input is the notification machine's: a frame that cannot be
    /// used (a known verb with malformed arguments, a payload over the limit) is reported
    /// as [`SbEvent::Skipped`] and passed over, so the stream stays in sync; only input
    /// that can never be framed again ends the session.
    fn process_frame(&mut self) -> bool {
        // Taken out so the decoded command can borrow its bytes while the machine changes;
        // put back unless the command ended the session.
        let Some(mut framer) = self.framer.take() else {
            return false;
        };
        let handled = match framer.next_frame() {
            None => false,
            Some(Ok(frame)) => {
                match ServerCommand::decode_frame(frame) {
                    Ok(command) => {
                        trace::received(self.conn(), frame.len, &command);
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
                self.close(CloseReason::Undecodable(error), false);
                return true;
            }
        };
        if self.closed.is_none() {
            self.framer = Some(framer);
        }
        handled
    }

    fn skip(&mut self, len: usize, error: crate::codec::DecodeError) {
        trace::undecodable_received(self.conn(), len, &error);
        self.events.push_back(SbEvent::Skipped { error });
    }
}

#[cfg(test)]
mod tests;
