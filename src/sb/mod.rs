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
//!     Output::Transmit(b"USR 1 alice@passport.com 17262740.1050826919.32308\r\n".to_vec())
//! );
//! sb.handle_input(now, b"USR 1 OK alice@passport.com Alice\r\n");
//! assert!(matches!(sb.poll_output(), Output::Event(SbEvent::Authenticated { .. })));
//! let bob = Passport::try_from("bob@passport.com").unwrap();
//! let cal = sb.invite(now, &bob).unwrap();
//! assert_eq!(sb.poll_output(), Output::Transmit(b"CAL 3 bob@passport.com\r\n".to_vec()));
//! sb.handle_input(now, b"CAL 3 RINGING 11752013\r\nJOI bob@passport.com Bob\r\nACK 2\r\n");
//! assert!(matches!(sb.poll_output(), Output::Event(SbEvent::Ringing { trid, .. }) if trid == cal));
//! let Output::Transmit(msg) = sb.poll_output() else { panic!() };
//! assert!(msg.starts_with(b"MSG 2 A 64\r\n"));
//! assert!(matches!(sb.poll_output(), Output::Event(SbEvent::ParticipantJoined { .. })));
//! assert_eq!(sb.poll_output(), Output::Event(SbEvent::Delivered { trid: trids[0] }));
//! ```
//!
//! Every message sent through [`SwitchboardClient::send_text`] or
//! [`SwitchboardClient::send_message`] ends in exactly one of [`SbEvent::Sent`],
//! [`SbEvent::Delivered`] or [`SbEvent::NotDelivered`]; see [`DeliveryStats`] for the
//! count and the table in the ledger below for which ends which.

mod delivery;
mod error;
mod event;
mod roster;

use std::borrow::Cow;
use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use crate::codec::{
    AckMode, ClientCommand, DecodeError, Limits, OutReason, Passport, ServerCommand, Token, TrId,
};
use crate::msg::{Message, MessageKind, Text, TextFormat, Typing};
use crate::{Output, Secret, trace};

pub use crate::msg::MAX_PAYLOAD_LEN;
pub use delivery::DeliveryStats;
pub use error::SbError;
pub use event::{CloseReason, InviteFailure, NotDelivered, ProtocolViolation, SbEvent};
pub use roster::Participant;

use delivery::{Ledger, Queued};
use roster::Roster;

/// The switchboard machine's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SbConfig {
    /// Bounds on what the server can make the machine buffer.
    pub limits: Limits,
    /// Mode `A`: how long to wait for `ACK` or `NAK` before ending a message as
    /// [`NotDelivered::TimedOut`]. Default 60 s.
    pub ack_timeout: Duration,
    /// Mode `N`: how long without `NAK` before a message counts as delivered. Default 15 s.
    pub nak_grace: Duration,
    /// Least time between two typing notifications; the official client re-sends about
    /// every 5 s [TW sendTypingNotification]. Default 5 s.
    pub typing_interval: Duration,
    /// Most messages (queued or awaiting their end) plus invitations awaiting an answer.
    /// Default 256.
    pub max_pending: usize,
    /// Most bytes waiting in the outgoing buffer before calls are refused. Default 256 KiB.
    pub max_outgoing: usize,
    /// Most other participants; a server announcing more is treated as broken (no
    /// limit is documented; "there used to be a limit of five" [HYP sb/miscellaneous]).
    /// Default 1024.
    pub max_participants: usize,
}

impl Default for SbConfig {
    fn default() -> Self {
        Self {
            limits: Limits::default(),
            ack_timeout: Duration::from_secs(60),
            nak_grace: Duration::from_secs(15),
            typing_interval: Duration::from_secs(5),
            max_pending: 256,
            max_outgoing: 256 * 1024,
            max_participants: 1024,
        }
    }
}

/// Types an incoming payload; anything whose typed view does not parse comes raw, since
/// the payload is the peers' business, not the server's.
fn incoming(from: Passport<'static>, name: crate::codec::FriendlyName<'static>, payload: &[u8]) -> SbEvent {
    let raw = |from, name| SbEvent::Message {
        from,
        name,
        payload: payload.to_vec(),
    };
    let Ok(message) = Message::parse(payload) else {
        return raw(from, name);
    };
    match message.kind() {
        Ok(MessageKind::Text(text)) => SbEvent::Text {
            from,
            name,
            text: text.body.into_owned(),
            format: text.format.map(TextFormat::into_owned),
        },
        Ok(MessageKind::Typing(typing)) => SbEvent::Typing {
            from,
            user: typing.user.into_owned(),
        },
        Ok(MessageKind::Invitation(invitation)) => SbEvent::Invitation {
            from,
            name,
            invitation: invitation.into_owned(),
        },
        _ => raw(from, name),
    }
}

/// How many untracked requests (typing notifications) are remembered for naming an
/// error reply.
const RECENT_REQUESTS: usize = 16;

/// Where the session is.
#[derive(Debug)]
enum Phase {
    /// `USR T account cookie` sent (calling).
    Authenticating { trid: TrId },
    /// `ANS T account cookie session` sent (answering); `IRO` lines collect here.
    Answering { trid: TrId, roster: Vec<Participant> },
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
/// - getters: [`account`](Self::account), [`participants`](Self::participants),
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
#[derive(Debug)]
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
    /// Server bytes; `input[consumed..]` is not parsed yet.
    input: Vec<u8>,
    consumed: usize,
    outgoing: Vec<u8>,
    events: VecDeque<SbEvent>,
    /// Names the connection in frame logs (feature `tracing`).
    trace_label: Option<Cow<'static, str>>,
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
            roster: Vec::new(),
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
        Self {
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
            input: Vec::new(),
            consumed: 0,
            outgoing: Vec::new(),
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
    /// within [`Limits::max_buffered`] plus one chunk.
    pub fn handle_input(&mut self, now: Instant, bytes: &[u8]) {
        self.tick(now);
        if self.closed.is_some() {
            return;
        }
        self.input.drain(..self.consumed);
        self.consumed = 0;
        self.input.extend_from_slice(bytes);
    }

    /// Ends messages whose acknowledgement deadline has passed. Early or repeated calls
    /// do nothing.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.tick(now);
        if self.closed.is_none() {
            self.ledger.expire(now, &mut self.events);
        }
    }

    /// The connection closed (EOF or reset). Server bytes not yet parsed are dropped.
    pub fn handle_closed(&mut self, now: Instant) {
        self.tick(now);
        if self.closed.is_some() {
            return;
        }
        let reason = if self.is_joined() {
            CloseReason::TransportClosed
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
        self.tick(now);
        self.check_open()?;
        if !self.is_joined() {
            return Err(SbError::NotJoined);
        }
        self.check_room(1, 0)?;
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
        self.tick(now);
        self.check_open()?;
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
    /// tracked like a text. It must fit in [`MAX_PAYLOAD_LEN`].
    pub fn send_message(&mut self, now: Instant, payload: &[u8], ack: AckMode) -> Result<TrId, SbError> {
        self.tick(now);
        self.check_open()?;
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
        self.tick(now);
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
    /// messages not yet handed out go out with the `OUT` and end as [`SbEvent::Sent`].
    /// Then [`SbEvent::Closed`] with [`CloseReason::Left`]. Close the connection after
    /// writing the last `Transmit`.
    pub fn leave(&mut self, now: Instant) -> Result<(), SbError> {
        self.tick(now);
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
        self.tick(now);
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
    pub fn poll_output(&mut self) -> Output<SbEvent> {
        loop {
            if !self.outgoing.is_empty() {
                self.ledger.written(&mut self.events);
                let bytes = std::mem::take(&mut self.outgoing);
                trace::sent(self.conn(), &bytes);
                return Output::Transmit(bytes);
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

    fn tick(&mut self, now: Instant) {
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

    /// Refuses a call that would pass `max_pending` or `max_outgoing`.
    fn check_room(&self, requests: usize, bytes: usize) -> Result<(), SbError> {
        let pending = self.ledger.len() + self.invites.len();
        if requests > 0 && pending + requests > self.config.max_pending {
            return Err(SbError::TooManyPending {
                pending,
                max: self.config.max_pending,
            });
        }
        if self.outgoing.len() + bytes > self.config.max_outgoing {
            return Err(SbError::OutputFull {
                buffered: self.outgoing.len(),
                max: self.config.max_outgoing,
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
        self.input = Vec::new();
        self.consumed = 0;
        self.events.push_back(SbEvent::Closed {
            reason: reason.clone(),
        });
        self.closed = Some(reason);
    }

    fn violation(&mut self, violation: ProtocolViolation) {
        self.close(CloseReason::ProtocolViolation(violation), false);
    }

    /// Parses and handles one server command; `false` when none is complete yet.
    fn process_frame(&mut self) -> bool {
        let input = std::mem::take(&mut self.input);
        let rest = input.get(self.consumed..).unwrap_or_default();
        if rest.is_empty() {
            self.input = input;
            return false;
        }
        let handled = match ServerCommand::decode_with_limits(rest, &self.config.limits) {
            Ok((command, len)) => {
                trace::received(self.conn(), len, &command);
                self.consumed += len;
                self.handle_command(command);
                true
            }
            Err(DecodeError::Incomplete) if rest.len() <= self.config.limits.max_buffered => false,
            Err(DecodeError::Incomplete) => {
                let error = DecodeError::BufferFull {
                    max: self.config.limits.max_buffered,
                };
                trace::undecodable_received(self.conn(), rest.len(), &error);
                self.violation(error.into());
                return true;
            }
            Err(error) => {
                let len = error.frame_len().unwrap_or(rest.len());
                trace::undecodable_received(self.conn(), len, &error);
                self.violation(error.into());
                return true;
            }
        };
        if self.closed.is_none() {
            self.input = input;
        }
        handled
    }

    fn handle_command(&mut self, command: ServerCommand<'_>) {
        use ServerCommand as S;
        match command {
            S::UsrOk {
                trid, account, name, ..
            } => match self.phase {
                Phase::Authenticating { trid: usr } if usr == trid => {
                    self.phase = Phase::Joined;
                    self.events.push_back(SbEvent::Authenticated {
                        account: account.into_owned(),
                        name: name.into_owned(),
                    });
                }
                _ => self.violation_unexpected("USR"),
            },
            S::Iro {
                trid, account, name, ..
            } => {
                let max = self.config.max_participants;
                match &mut self.phase {
                    Phase::Answering { trid: ans, roster } if *ans == trid => {
                        let participant = Participant {
                            account: account.into_owned(),
                            name: name.into_owned(),
                        };
                        let known = roster
                            .iter()
                            .position(|p| p.account.same_account(&participant.account));
                        match known {
                            Some(at) => {
                                if let Some(slot) = roster.get_mut(at) {
                                    *slot = participant;
                                }
                            }
                            None if roster.len() >= max => {
                                self.violation(ProtocolViolation::TooManyParticipants { max });
                            }
                            None => roster.push(participant),
                        }
                    }
                    _ => self.violation_unexpected("IRO"),
                }
            }
            S::Ans { trid } => match std::mem::replace(&mut self.phase, Phase::Joined) {
                Phase::Answering { trid: ans, roster } if ans == trid => {
                    for participant in &roster {
                        self.roster.join(participant.clone());
                    }
                    self.events.push_back(SbEvent::Roster { participants: roster });
                    if !self.roster.is_empty() {
                        self.flush_queued();
                    }
                }
                other => {
                    self.phase = other;
                    self.violation_unexpected("ANS");
                }
            },
            S::Cal { trid, session } => match self.invites.remove(&trid) {
                Some(account) => {
                    let session = session.into_owned();
                    self.session = Some(session.clone());
                    self.events.push_back(SbEvent::Ringing {
                        trid,
                        account,
                        session,
                    });
                }
                None => self.pass_on(S::Cal { trid, session }),
            },
            S::Joi { account, name } => {
                if !self.is_joined() {
                    return self.violation_unexpected("JOI");
                }
                let participant = Participant {
                    account: account.into_owned(),
                    name: name.into_owned(),
                };
                let max = self.config.max_participants;
                if !self.roster.contains(&participant.account) && self.roster.len() >= max {
                    return self.violation(ProtocolViolation::TooManyParticipants { max });
                }
                let was_alone = self.roster.is_empty();
                self.roster.join(participant.clone());
                if was_alone {
                    self.flush_queued();
                }
                self.events.push_back(SbEvent::ParticipantJoined { participant });
            }
            S::Bye { account, idle } => {
                if !self.is_joined() {
                    return self.violation_unexpected("BYE");
                }
                if !self.roster.leave(&account) {
                    return self.pass_on(S::Bye { account, idle });
                }
                self.events.push_back(SbEvent::ParticipantLeft {
                    account: account.into_owned(),
                    idle,
                });
                if self.roster.is_empty() {
                    self.events.push_back(SbEvent::Alone);
                }
            }
            S::Msg { from, name, payload } => {
                if !self.is_joined() {
                    return self.violation_unexpected("MSG");
                }
                let from = from.into_owned();
                let name = name.into_owned();
                let event = incoming(from, name, &payload);
                self.events.push_back(event);
            }
            S::Ack { trid } => match self.ledger.ack(trid) {
                Some(event) => self.events.push_back(event),
                None => self.pass_on(S::Ack { trid }),
            },
            S::Nak { trid } => match self.ledger.fail(trid, NotDelivered::Nak) {
                Some(event) => self.events.push_back(event),
                None => self.pass_on(S::Nak { trid }),
            },
            S::Error { code, trid, .. } => self.handle_error(code, trid),
            S::Out { reason } => {
                let reason = reason.and_then(|r| OutReason::from_wire(r.as_str()));
                self.close(CloseReason::ServerOut { reason }, false);
            }
            other => self.pass_on(other),
        }
    }

    fn violation_unexpected(&mut self, verb: &'static str) {
        let state = match self.phase {
            Phase::Authenticating { .. } => "before USR OK",
            Phase::Answering { .. } => "before ANS OK",
            Phase::Joined => "in the session",
            Phase::Closed => "after the end",
        };
        self.violation(ProtocolViolation::Unexpected { verb, state });
    }

    fn pass_on(&mut self, command: ServerCommand<'_>) {
        self.events.push_back(SbEvent::Unhandled {
            command: command.into_owned(),
        });
    }

    /// An error reply completes the request with its TrID (reference §9).
    fn handle_error(&mut self, code: crate::codec::ErrorCode, trid: Option<TrId>) {
        let Some(trid) = trid else {
            self.events.push_back(SbEvent::CommandFailed {
                trid: None,
                request: None,
                code,
            });
            return;
        };
        match self.phase {
            // Any error to USR or ANS: the cookie was refused (reference §7).
            Phase::Authenticating { trid: t } | Phase::Answering { trid: t, .. } if t == trid => {
                return self.close(CloseReason::AuthenticationFailed { code }, false);
            }
            _ => {}
        }
        if let Some(account) = self.invites.remove(&trid) {
            self.events.push_back(SbEvent::InviteFailed {
                trid,
                account,
                reason: InviteFailure::from_code(code),
                code,
            });
        } else if self.ledger.is_tracked(trid) {
            if let Some(event) = self.ledger.fail(trid, NotDelivered::Rejected(code)) {
                self.events.push_back(event);
            }
        } else {
            let request = self
                .recent
                .iter()
                .position(|(t, _)| *t == trid)
                .and_then(|at| self.recent.remove(at))
                .map(|(_, verb)| verb);
            self.events.push_back(SbEvent::CommandFailed {
                trid: Some(trid),
                request,
                code,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joined(config: SbConfig, now: Instant) -> SwitchboardClient {
        let me = Passport::try_from("alice@passport.com").unwrap();
        let cookie = Secret::new(Token::try_from("c").unwrap());
        let mut sb = SwitchboardClient::call(config, me, cookie, now);
        sb.handle_input(
            now,
            b"USR 1 OK alice@passport.com Alice\r\nJOI bob@passport.com Bob\r\n",
        );
        while !matches!(sb.poll_output(), Output::Idle { .. }) {}
        sb
    }

    #[test]
    fn refused_calls_change_nothing() {
        let now = Instant::now();
        let config = SbConfig {
            max_pending: 2,
            ..SbConfig::default()
        };
        let mut sb = joined(config, now);
        let too_big = vec![b'x'; MAX_PAYLOAD_LEN + 1];
        assert_eq!(
            sb.send_message(now, &too_big, AckMode::Always),
            Err(SbError::PayloadTooLarge {
                len: MAX_PAYLOAD_LEN + 1,
                max: MAX_PAYLOAD_LEN
            })
        );
        assert_eq!(
            sb.send_text(now, "", None, AckMode::Always),
            Err(SbError::EmptyText)
        );
        // Three pieces do not fit in a limit of two: nothing is sent, no TrID is used.
        let long = "x".repeat(2 * 1602 + 1);
        assert_eq!(
            sb.send_text(now, &long, None, AckMode::Always),
            Err(SbError::TooManyPending { pending: 0, max: 2 })
        );
        assert_eq!(sb.stats(), DeliveryStats::default());
        assert_eq!(sb.poll_output(), Output::Idle { next_timeout: None });
        assert_eq!(sb.send_text(now, "ok", None, AckMode::Always), Ok(vec![TrId(2)]));
        let huge = TextFormat {
            font: "F".repeat(MAX_PAYLOAD_LEN).into(),
            ..TextFormat::default()
        };
        assert_eq!(
            sb.send_text(now, "x", Some(&huge), AckMode::Always),
            Err(SbError::FormatTooLarge { max: MAX_PAYLOAD_LEN })
        );
    }

    #[test]
    fn nothing_moves_after_the_end_and_timeouts_tolerate_early_calls() {
        let now = Instant::now();
        let mut sb = joined(SbConfig::default(), now);
        let [trid] = sb.send_text(now, "hi", None, AckMode::Always).unwrap()[..] else {
            panic!()
        };
        while !matches!(sb.poll_output(), Output::Idle { .. }) {}
        // Early and repeated wake-ups do nothing.
        sb.handle_timeout(now);
        sb.handle_timeout(now + Duration::from_secs(59));
        assert_eq!(
            sb.poll_output(),
            Output::Idle {
                next_timeout: Some(now + Duration::from_secs(60))
            }
        );
        sb.handle_closed(now);
        sb.handle_closed(now);
        assert_eq!(
            sb.poll_output(),
            Output::Event(SbEvent::NotDelivered {
                trid,
                reason: NotDelivered::SessionClosed
            })
        );
        assert_eq!(
            sb.poll_output(),
            Output::Event(SbEvent::Closed {
                reason: CloseReason::TransportClosed
            })
        );
        sb.handle_input(now, b"JOI carol@passport.com Carol\r\n");
        assert_eq!(sb.poll_output(), Output::Idle { next_timeout: None });
        assert_eq!(sb.leave(now), Err(SbError::Closed));
        assert_eq!(sb.send_typing(now), Err(SbError::Closed));
        assert_eq!(sb.poll_output(), Output::Idle { next_timeout: None });
    }

    #[test]
    fn a_stream_with_no_line_end_is_bounded() {
        let now = Instant::now();
        let mut sb = joined(SbConfig::default(), now);
        let limits = Limits::default();
        sb.handle_input(now, &vec![b'x'; limits.max_line_len + 8]);
        assert!(matches!(
            sb.poll_output(),
            Output::Event(SbEvent::Closed {
                reason: CloseReason::ProtocolViolation(ProtocolViolation::Decode(
                    DecodeError::LineTooLong { .. }
                ))
            })
        ));
    }

    #[test]
    fn secrets_stay_out_of_debug() {
        let now = Instant::now();
        let me = Passport::try_from("alice@passport.com").unwrap();
        let cookie = Secret::new(Token::try_from("s3cr3t.cookie").unwrap());
        let sb = SwitchboardClient::answer(
            SbConfig::default(),
            me,
            Token::try_from("42").unwrap(),
            cookie,
            now,
        );
        assert!(!format!("{sb:?}").contains("s3cr3t"));
    }
}
