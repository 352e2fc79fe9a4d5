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
//! assert_eq!(ns.poll_output(), Output::Transmit(b"VER 1 MSNP8 CVR0\r\n".to_vec()));
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
//! - Lists are downloaded only when the caller asks ([`NotificationClient::sync_lists`]).
//! - A request the server does not answer within [`NsConfig::command_timeout`] ends the
//!   session ([`CloseReason::CommandTimedOut`]): an MSNP8 server answers every TrID on
//!   the same connection, so silence means the connection is dead, and a late reply
//!   could no longer be told from a violation.
//! - A reply whose TrID answers no outstanding request, or that does not fit the
//!   request, is a protocol violation and ends the session. Error replies without a
//!   matching request are delivered as [`NsEvent::ServerError`] (reference §9).
//! - A malformed line or an oversized payload is skipped and reported
//!   ([`NsEvent::Skipped`]); input that can no longer be framed ends the session.

mod config;
mod contacts;
mod error;
mod event;

use std::borrow::Cow;
use std::collections::VecDeque;
use std::time::Instant;

pub use config::{ChallengeProduct, ClientIdentity, NsConfig};
pub use contacts::{Contact, ContactList, Property};
pub use error::NsError;
pub use event::{CloseReason, ListChange, NsEvent};

use crate::codec::{
    AddPrompt, ClientCommand, DecodeError, EncodedName, ErrorCode, FriendlyName, GroupId, List, Passport,
    Privacy, ServerCommand, Status, Token, TokenList, TrId,
};
use crate::{Output, Secret, trace};

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
#[derive(Debug)]
struct Pending {
    trid: TrId,
    request: ClientCommand<'static>,
    deadline: Instant,
}

/// A `SYN` download in progress (reference §6).
#[derive(Debug)]
struct Download {
    trid: TrId,
    version: u32,
    contacts: u32,
    groups: u32,
    contacts_seen: u32,
    groups_seen: u32,
    list: ContactList,
    last: Option<Passport<'static>>,
}

impl Download {
    /// End of `SYN` is implicit: after the last `LST`; with no contacts, after the last
    /// `LSG`; with neither, after `BLP` [TW handle_LST; PURPLE sync.c].
    fn complete(&self, saw_privacy: bool) -> bool {
        self.contacts_seen == self.contacts
            && self.groups_seen == self.groups
            && (self.contacts > 0 || self.groups > 0 || saw_privacy)
    }
}

/// What a stamp-less `BPR`/`PRP` right after a finished download belongs to: the last
/// contact's trailing numbers are not counted by the `SYN` header [TW handle_LST].
#[derive(Debug)]
struct SyncTail {
    trid: TrId,
    last: Option<Passport<'static>>,
}

/// The dispatch/notification server client machine.
///
/// # Method groups
///
/// - **Getters**: [`state`](Self::state), [`account`](Self::account),
///   [`friendly_name`](Self::friendly_name), [`status`](Self::status),
///   [`contact_list`](Self::contact_list), [`close_reason`](Self::close_reason),
///   [`pending_requests`](Self::pending_requests), [`next_timeout`](Self::next_timeout),
///   [`trace_label`](Self::trace_label).
/// - **Inputs** (`handle_*`): [`handle_connected`](Self::handle_connected),
///   [`handle_input`](Self::handle_input), [`handle_timeout`](Self::handle_timeout),
///   [`handle_closed`](Self::handle_closed). They never fail on peer data.
/// - **Mutators** (commands, each returning the TrID it used): login
///   ([`submit_ticket`](Self::submit_ticket), [`passport_failed`](Self::passport_failed)),
///   lists ([`sync_lists`](Self::sync_lists), [`add_contact`](Self::add_contact), …),
///   presence ([`set_status`](Self::set_status)), switchboards
///   ([`request_switchboard`](Self::request_switchboard)), [`logout`](Self::logout) and
///   [`send_command`](Self::send_command). Misuse returns [`NsError`] and changes nothing.
///   [`set_trace_label`](Self::set_trace_label) names the connection in frame logs.
/// - **Output**: [`poll_output`](Self::poll_output): bytes to send first, then events,
///   then `Idle`. It parses one frame per call, so the state seen through the getters
///   always matches the events handed out.
#[derive(Debug)]
pub struct NotificationClient {
    config: NsConfig,
    account: Passport<'static>,
    state: SessionState,
    /// The latest time any input carried; frames are stamped with it.
    now: Instant,
    next_trid: u32,
    redirects: u8,

    input: Vec<u8>,
    consumed: usize,
    /// Bytes of an oversized payload still to drop as they arrive.
    skipping: usize,
    transmit: Vec<u8>,
    events: VecDeque<NsEvent>,
    pending: VecDeque<Pending>,

    contacts: ContactList,
    download: Option<Download>,
    tail: Option<SyncTail>,
    /// `BLP` seen in the current download (ends a download of no groups and no contacts).
    saw_privacy: bool,
    name: Option<FriendlyName<'static>>,
    status: Option<Status>,

    next_ping: Option<Instant>,
    pong_deadline: Option<Instant>,
    close_reason: Option<CloseReason>,
    /// Names the connection in frame logs (feature `tracing`).
    trace_label: Option<Cow<'static, str>>,
}

impl NotificationClient {
    /// A machine that will sign in `account`. Call
    /// [`handle_connected`](Self::handle_connected) once the TCP connection to the
    /// dispatch server (`messenger.hotmail.com:1863`) is up.
    pub fn new(config: NsConfig, account: Passport<'_>, now: Instant) -> Self {
        NotificationClient {
            config,
            account: account.into_owned(),
            state: SessionState::Disconnected,
            now,
            next_trid: 1,
            redirects: 0,
            input: Vec::new(),
            consumed: 0,
            skipping: 0,
            transmit: Vec::new(),
            events: VecDeque::new(),
            pending: VecDeque::new(),
            contacts: ContactList::new(),
            download: None,
            tail: None,
            saw_privacy: false,
            name: None,
            status: None,
            next_ping: None,
            pong_deadline: None,
            close_reason: None,
            trace_label: None,
        }
    }

    /// Starts from a list kept from an earlier session: [`sync_lists`](Self::sync_lists)
    /// then sends its version, and the server skips the download when it is current.
    pub fn with_contact_list(mut self, mut list: ContactList) -> Self {
        list.clear_presence();
        self.contacts = list;
        self
    }

    // ----- Getters -----

    /// Where the session stands.
    pub fn state(&self) -> SessionState {
        self.state
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

    /// How many requests await an answer.
    pub fn pending_requests(&self) -> usize {
        self.pending.len()
    }

    /// When [`handle_timeout`](Self::handle_timeout) is next due.
    pub fn next_timeout(&self) -> Option<Instant> {
        let deadlines = self.pending.iter().map(|p| p.deadline);
        deadlines.chain(self.pong_deadline).chain(self.next_ping).min()
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
        // A new connection: nothing of the old one carries over.
        self.input.clear();
        self.consumed = 0;
        self.skipping = 0;
        self.transmit.clear();
        self.pending.clear();
        self.next_trid = 1;
        let dialects = if self.config.md5_password.is_some() {
            "MSNP8 MSNP7 CVR0"
        } else {
            "MSNP8 CVR0"
        };
        self.state = SessionState::LoggingIn;
        let protocols = TokenList::try_from(dialects).expect("static dialect list is valid");
        self.send_request(|trid| ClientCommand::Ver { trid, protocols });
        Ok(())
    }

    /// Bytes arrived from the server. They are only buffered here; parsing happens in
    /// [`poll_output`](Self::poll_output). Bytes arriving while no login runs on the
    /// connection (after a referral, after the end) are dropped.
    pub fn handle_input(&mut self, now: Instant, mut bytes: &[u8]) {
        self.touch(now);
        if !self.reads_input() {
            return;
        }
        self.input.drain(..self.consumed);
        self.consumed = 0;
        if self.skipping > 0 {
            let skip = self.skipping.min(bytes.len());
            self.skipping -= skip;
            bytes = bytes.get(skip..).unwrap_or_default();
        }
        self.input.extend_from_slice(bytes);
    }

    /// Time passed. Sends the keep-alive `PNG` when due and ends the session when the
    /// server missed a deadline. Early or repeated calls do nothing.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.touch(now);
        if self.state == SessionState::Closed {
            return;
        }
        let now = self.now;
        if let Some(index) = self.pending.iter().position(|p| p.deadline <= now) {
            let expired = self.pending.remove(index);
            if let Some(Pending { trid, request, .. }) = expired {
                self.close(CloseReason::CommandTimedOut { trid, request });
            }
            return;
        }
        if self.pong_deadline.is_some_and(|d| d <= now) {
            self.close(CloseReason::KeepAliveTimedOut);
            return;
        }
        if self.state == SessionState::LoggedIn && self.next_ping.is_some_and(|d| d <= now) {
            self.next_ping = None;
            self.pong_deadline = Some(now + self.config.keepalive_timeout);
            self.push_command(&ClientCommand::Png);
        }
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

    // ----- Mutators: login -----

    /// Sends the Passport ticket (`t=…&p=…`) after [`NsEvent::PassportRequired`].
    pub fn submit_ticket(&mut self, now: Instant, ticket: Secret<String>) -> Result<TrId, NsError> {
        self.touch(now);
        self.expect_state("submit_ticket", SessionState::AwaitingPassport)?;
        let ticket = Token::try_from(ticket.into_inner()).map_err(|source| NsError::InvalidArgument {
            what: "ticket",
            source,
        })?;
        self.check_room()?;
        self.state = SessionState::LoggingIn;
        let ticket = Secret::new(ticket);
        Ok(self.send_request(|trid| ClientCommand::UsrTwnTicket { trid, ticket }))
    }

    /// Passport could not issue a ticket: sends `OUT` and ends the session with
    /// [`CloseReason::PassportFailed`].
    pub fn passport_failed(&mut self, now: Instant, reason: impl Into<String>) -> Result<(), NsError> {
        self.touch(now);
        self.expect_state("passport_failed", SessionState::AwaitingPassport)?;
        self.push_command(&ClientCommand::Out);
        self.close(CloseReason::PassportFailed {
            reason: reason.into(),
        });
        Ok(())
    }

    /// Signs out (`OUT`) and ends the session with [`CloseReason::LoggedOut`].
    pub fn logout(&mut self, now: Instant) -> Result<(), NsError> {
        self.touch(now);
        match self.state {
            SessionState::LoggingIn | SessionState::AwaitingPassport | SessionState::LoggedIn => {}
            SessionState::Closed => return Err(NsError::Closed),
            state => return Err(self.wrong_state("logout", state)),
        }
        self.push_command(&ClientCommand::Out);
        self.close(CloseReason::LoggedOut);
        Ok(())
    }

    // ----- Mutators: lists -----

    /// Asks for the lists (`SYN T version`), sending the version of the list given to
    /// [`with_contact_list`](Self::with_contact_list) (0 for none). Ends with
    /// [`NsEvent::ListSynced`].
    pub fn sync_lists(&mut self, now: Instant) -> Result<TrId, NsError> {
        self.touch(now);
        self.expect_logged_in("sync_lists")?;
        if self.download.is_some()
            || self
                .pending
                .iter()
                .any(|p| matches!(p.request, ClientCommand::Syn { .. }))
        {
            return Err(NsError::WrongState {
                call: "sync_lists",
                state: "synchronizing",
            });
        }
        let version = self.contacts.version();
        self.request(|trid| ClientCommand::Syn { trid, version })
    }

    /// Puts `account` on `list` (`ADD`), in `group` for the forward list. The reverse
    /// list is the server's: asking to change it is refused.
    pub fn add_contact(
        &mut self,
        now: Instant,
        list: List,
        account: &Passport<'_>,
        group: Option<GroupId>,
    ) -> Result<TrId, NsError> {
        self.touch(now);
        self.expect_logged_in("add_contact")?;
        check_list(list, group)?;
        // The official client stores the account as the name [YW add.md].
        let name = EncodedName::try_from(account.as_str())
            .map_err(|source| NsError::InvalidArgument {
                what: "account",
                source,
            })?
            .into_owned();
        let account = account.clone().into_owned();
        self.request(|trid| ClientCommand::Add {
            trid,
            list,
            account,
            name,
            group,
        })
    }

    /// Takes `account` off `list` (`REM`), or, with a group, only out of that group.
    pub fn remove_contact(
        &mut self,
        now: Instant,
        list: List,
        account: &Passport<'_>,
        group: Option<GroupId>,
    ) -> Result<TrId, NsError> {
        self.touch(now);
        self.expect_logged_in("remove_contact")?;
        check_list(list, group)?;
        let account = account.clone().into_owned();
        self.request(|trid| ClientCommand::Rem {
            trid,
            list,
            account,
            group,
        })
    }

    /// Changes the name stored for a contact (`REA`).
    pub fn rename_contact(
        &mut self,
        now: Instant,
        account: &Passport<'_>,
        name: &str,
    ) -> Result<TrId, NsError> {
        self.touch(now);
        self.expect_logged_in("rename_contact")?;
        let name = encode_name("name", name)?;
        let account = account.clone().into_owned();
        self.request(|trid| ClientCommand::Rea { trid, account, name })
    }

    /// Changes the user's own friendly name (`REA` on the own account) [YW rea.md].
    pub fn set_friendly_name(&mut self, now: Instant, name: &str) -> Result<TrId, NsError> {
        let account = self.account.clone();
        self.rename_contact(now, &account, name)
    }

    /// Creates a group (`ADG`).
    pub fn add_group(&mut self, now: Instant, name: &str) -> Result<TrId, NsError> {
        self.touch(now);
        self.expect_logged_in("add_group")?;
        let name = encode_name("group name", name)?;
        self.request(|trid| ClientCommand::Adg { trid, name })
    }

    /// Deletes a group (`RMG`).
    pub fn remove_group(&mut self, now: Instant, group: GroupId) -> Result<TrId, NsError> {
        self.touch(now);
        self.expect_logged_in("remove_group")?;
        self.request(|trid| ClientCommand::Rmg { trid, group })
    }

    /// Renames a group (`REG`).
    pub fn rename_group(&mut self, now: Instant, group: GroupId, name: &str) -> Result<TrId, NsError> {
        self.touch(now);
        self.expect_logged_in("rename_group")?;
        let name = encode_name("group name", name)?;
        self.request(|trid| ClientCommand::Reg { trid, group, name })
    }

    /// Sets who may reach the user when on neither allow nor block list (`BLP`).
    pub fn set_privacy(&mut self, now: Instant, privacy: Privacy) -> Result<TrId, NsError> {
        self.touch(now);
        self.expect_logged_in("set_privacy")?;
        self.request(|trid| ClientCommand::Blp { trid, privacy })
    }

    /// Sets whether the user is asked when someone adds them (`GTC`).
    pub fn set_add_prompt(&mut self, now: Instant, prompt: AddPrompt) -> Result<TrId, NsError> {
        self.touch(now);
        self.expect_logged_in("set_add_prompt")?;
        self.request(|trid| ClientCommand::Gtc { trid, prompt })
    }

    /// Sets (or with `None` clears) one of the user's phone numbers (`PRP`): `property`
    /// is `PHH`, `PHW`, `PHM`, `MOB` or `MBE`.
    pub fn set_phone(&mut self, now: Instant, property: &str, value: Option<&str>) -> Result<TrId, NsError> {
        self.touch(now);
        self.expect_logged_in("set_phone")?;
        let property = Token::try_from(property.to_owned()).map_err(|source| NsError::InvalidArgument {
            what: "property",
            source,
        })?;
        let value = value.map(|v| encode_name("phone number", v)).transpose()?;
        self.request(|trid| ClientCommand::Prp {
            trid,
            property,
            value,
        })
    }

    // ----- Mutators: presence and switchboards -----

    /// Sets the user's status (`CHG`, with the configured capability bits). The first
    /// call makes the user visible and brings the contacts' presence (`ILN`). Offline is
    /// not a status one can set (servers answer 201): use [`Status::Hidden`] or
    /// [`logout`](Self::logout).
    pub fn set_status(&mut self, now: Instant, status: Status) -> Result<TrId, NsError> {
        self.touch(now);
        self.expect_logged_in("set_status")?;
        if status == Status::Offline {
            return Err(NsError::Forbidden("FLN cannot be set; use HDN or logout"));
        }
        let caps = Some(self.config.caps);
        self.request(|trid| ClientCommand::Chg { trid, status, caps })
    }

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

    /// Asks for a switchboard (`XFR T SB`); the answer is [`NsEvent::SwitchboardReady`]
    /// with the same TrID, or [`NsEvent::CommandFailed`] (913 while hidden or before the
    /// first [`set_status`](Self::set_status)).
    pub fn request_switchboard(&mut self, now: Instant) -> Result<TrId, NsError> {
        self.touch(now);
        self.expect_logged_in("request_switchboard")?;
        self.request(|trid| ClientCommand::XfrSb { trid })
    }

    /// Sends any other command once signed in. A command with a TrID is renumbered with
    /// the machine's next TrID (returned) and tracked like the typed ones; its reply
    /// updates the model the same way, and replies the machine does not model come as
    /// [`NsEvent::Reply`]. Verbs the machine sends itself (`VER`, `CVR`, `USR`, `INF`,
    /// `QRY`, `PNG`, `OUT`) and switchboard verbs (`MSG`, `CAL`, `ANS`) are refused.
    pub fn send_command(
        &mut self,
        now: Instant,
        command: &ClientCommand<'_>,
    ) -> Result<Option<TrId>, NsError> {
        self.touch(now);
        self.expect_logged_in("send_command")?;
        use ClientCommand::*;
        let managed = match command {
            Ver { .. }
            | Cvr { .. }
            | UsrTwnInitial { .. }
            | UsrTwnTicket { .. }
            | UsrMd5Initial { .. }
            | UsrMd5Hash { .. }
            | UsrSwitchboard { .. }
            | Inf { .. }
            | Qry { .. }
            | Png
            | Out
            | Msg { .. }
            | Cal { .. }
            | Ans { .. } => true,
            Syn { .. } => self.download.is_some(),
            Other(raw) => matches!(
                raw.verb(),
                b"VER"
                    | b"CVR"
                    | b"USR"
                    | b"INF"
                    | b"QRY"
                    | b"PNG"
                    | b"OUT"
                    | b"MSG"
                    | b"CAL"
                    | b"ANS"
                    | b"SYN"
            ),
            _ => false,
        };
        if managed {
            return Err(NsError::ManagedVerb {
                verb: command.verb().to_owned(),
            });
        }
        if command.trid().is_none() {
            self.check_room()?;
            self.push_checked(command)?;
            return Ok(None);
        }
        let command = command.clone().into_owned();
        self.request(|trid| renumber(command, trid)).map(Some)
    }

    // ----- Output -----

    /// The next thing to do: bytes to send, then events, then `Idle` with the next
    /// deadline. Parses at most one buffered frame per call.
    pub fn poll_output(&mut self) -> Output<NsEvent> {
        loop {
            if !self.transmit.is_empty() {
                let bytes = std::mem::take(&mut self.transmit);
                trace::sent(self.conn(), &bytes);
                return Output::Transmit(bytes);
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

    // ----- Internals: bookkeeping -----

    /// The connection's name in frame logs.
    fn conn(&self) -> &str {
        self.trace_label.as_deref().unwrap_or("ns")
    }

    fn touch(&mut self, now: Instant) {
        // Time never runs backwards for the machine, whatever the caller passes.
        self.now = self.now.max(now);
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

    /// A caller's request: checked, numbered, sent and awaited.
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
        self.pending.push_back(Pending {
            trid,
            request,
            deadline: self.now + self.config.command_timeout,
        });
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

    fn close(&mut self, reason: CloseReason) {
        if self.state == SessionState::Closed {
            return;
        }
        self.state = SessionState::Closed;
        self.pending.clear();
        self.download = None;
        self.tail = None;
        self.next_ping = None;
        self.pong_deadline = None;
        self.input = Vec::new();
        self.consumed = 0;
        self.close_reason = Some(reason.clone());
        self.events.push_back(NsEvent::Closed { reason });
    }

    fn violation(&mut self, reason: &'static str, verb: &str) {
        self.close(CloseReason::ProtocolViolation {
            reason,
            verb: verb.to_owned(),
        });
    }

    /// Settles the request that the reply `trid` answers, which must have verb `verb`;
    /// a reply that answers nothing outstanding closes the session and gives false.
    fn settle(&mut self, trid: TrId, verb: &'static str) -> bool {
        let index = self
            .pending
            .iter()
            .position(|p| p.trid == trid && p.request.verb() == verb);
        match index {
            Some(index) => {
                self.pending.remove(index);
                true
            }
            None => {
                self.violation("reply answers no outstanding request", verb);
                false
            }
        }
    }

    // ----- Internals: input -----

    /// Parses and handles one frame; false when none is complete.
    fn parse_one(&mut self) -> bool {
        if !self.reads_input() || self.consumed >= self.input.len() {
            return false;
        }
        // Taken out so the decoded command can borrow it while the machine changes.
        let input = std::mem::take(&mut self.input);
        let rest = input.get(self.consumed..).unwrap_or_default();
        let progressed = match ServerCommand::decode_with_limits(rest, &self.config.limits) {
            Ok((command, len)) => {
                trace::received(self.conn(), len, &command);
                self.consumed += len;
                self.handle_command(command);
                true
            }
            Err(DecodeError::Incomplete) => {
                if rest.len() > self.config.limits.max_buffered {
                    let max = self.config.limits.max_buffered;
                    let error = DecodeError::BufferFull { max };
                    trace::undecodable_received(self.conn(), rest.len(), &error);
                    self.close(CloseReason::Undecodable(error));
                    true
                } else {
                    false
                }
            }
            Err(error) => match error.frame_len() {
                Some(len) if !error.is_fatal() => {
                    trace::undecodable_received(self.conn(), len, &error);
                    let here = len.min(rest.len());
                    self.consumed += here;
                    self.skipping = len - here;
                    self.tail = None;
                    self.events.push_back(NsEvent::Skipped { error });
                    true
                }
                len => {
                    trace::undecodable_received(self.conn(), len.unwrap_or(rest.len()), &error);
                    self.close(CloseReason::Undecodable(error));
                    true
                }
            },
        };
        if self.reads_input() {
            self.input = input;
        }
        progressed
    }

    fn handle_command(&mut self, command: ServerCommand<'_>) {
        match self.state {
            SessionState::LoggingIn | SessionState::AwaitingPassport => self.handle_login(command),
            SessionState::LoggedIn => self.handle_session(command),
            _ => {}
        }
    }

    /// One login step's answer (reference §2).
    fn handle_login(&mut self, command: ServerCommand<'_>) {
        use ServerCommand::*;
        let Some(trid) = command.trid() else {
            return match command {
                Out { reason } => self.server_out(reason),
                Other(raw) => self.events.push_back(NsEvent::Unknown(raw.into_owned())),
                Error { code, .. } => self.close(CloseReason::LoginRejected { code }),
                other => self.violation("command before login completed", other.verb()),
            };
        };
        if let Error { code, .. } = command {
            let asked = self
                .pending
                .iter()
                .find(|p| p.trid == trid)
                .map(|p| p.request.verb() == "USR");
            return self.close(match asked {
                Some(true) => CloseReason::AuthenticationFailed { code },
                _ => CloseReason::LoginRejected { code },
            });
        }
        let verb = command.verb();
        // Login replies differ in verb from their request (`USR` → `XFR`), so match
        // by TrID alone and check the pair below.
        let index = self.pending.iter().position(|p| p.trid == trid);
        let Some(request) = index.and_then(|i| self.pending.remove(i)).map(|p| p.request) else {
            return self.violation("reply to no outstanding login step", verb);
        };
        match (command, request) {
            (Ver { protocols, .. }, ClientCommand::Ver { .. }) => {
                if protocols.contains("MSNP8") {
                    let identity = self.config.identity.clone();
                    let account = self.account.clone();
                    self.send_request(|trid| cvr(&identity, &account, trid));
                } else if protocols.contains("MSNP7") && self.config.md5_password.is_some() {
                    self.send_request(|trid| ClientCommand::Inf { trid });
                } else {
                    self.close(CloseReason::VersionRefused);
                }
            }
            (Cvr { .. }, ClientCommand::Cvr { .. }) => {
                let account = self.account.clone();
                self.send_request(|trid| ClientCommand::UsrTwnInitial { trid, account });
            }
            (Inf { methods, .. }, ClientCommand::Inf { .. }) if methods.contains("MD5") => {
                let account = self.account.clone();
                self.send_request(|trid| ClientCommand::UsrMd5Initial { trid, account });
            }
            (
                XfrNs { addr, .. },
                ClientCommand::UsrTwnInitial { .. } | ClientCommand::UsrMd5Initial { .. },
            ) => {
                self.redirects = self.redirects.saturating_add(1);
                if self.redirects > self.config.max_redirects {
                    return self.close(CloseReason::TooManyRedirects {
                        max: self.config.max_redirects,
                    });
                }
                self.state = SessionState::Redirected;
                self.input = Vec::new();
                self.consumed = 0;
                self.events.push_back(NsEvent::Redirect {
                    addr: addr.into_owned(),
                });
            }
            (UsrTwnChallenge { challenge, .. }, ClientCommand::UsrTwnInitial { .. }) => {
                self.state = SessionState::AwaitingPassport;
                self.events.push_back(NsEvent::PassportRequired {
                    challenge: challenge.as_str().to_owned(),
                });
            }
            (UsrMd5Salt { salt, .. }, ClientCommand::UsrMd5Initial { .. }) => {
                let Some(password) = &self.config.md5_password else {
                    return self.violation("MD5 salt without an MD5 login", "USR");
                };
                let hash = crate::challenge::md5_login_hash(salt.as_str(), password);
                let hash = Token::try_from(hash).expect("hex digest is a valid token");
                let hash = Secret::new(hash);
                self.send_request(|trid| ClientCommand::UsrMd5Hash { trid, hash });
            }
            (
                UsrOk {
                    account, name, flags, ..
                },
                ClientCommand::UsrTwnTicket { .. } | ClientCommand::UsrMd5Hash { .. },
            ) => {
                self.state = SessionState::LoggedIn;
                self.name = Some(name.clone().into_owned());
                self.next_ping = Some(self.now + self.config.keepalive_interval);
                self.events.push_back(NsEvent::LoggedIn {
                    account: account.into_owned(),
                    name: name.into_owned(),
                    verified: flags.is_some_and(|f| f.verified),
                    restricted: flags.and_then(|f| f.restricted).unwrap_or(false),
                });
            }
            (other, _) => self.violation("reply does not answer the login step", other.verb()),
        }
    }

    fn server_out(&mut self, reason: Option<Token<'_>>) {
        let reason = match reason.as_ref().map(Token::as_str) {
            Some("OTH") => CloseReason::SignedInElsewhere,
            Some("SSD") => CloseReason::ServerShutdown,
            other => CloseReason::ServerClosed {
                reason: other.map(str::to_owned),
            },
        };
        self.close(reason);
    }

    /// Everything after `USR … OK`.
    fn handle_session(&mut self, command: ServerCommand<'_>) {
        use ServerCommand::*;
        // Trailing `BPR`s (and `PRP`s of a list with no contacts) after the last counted
        // line still belong to the download [TW handle_LST].
        let in_tail = matches!(command, Bpr { stamp: None, .. } | Prp { stamp: None, .. });
        let tail = if in_tail { self.tail.take() } else { None };
        if !in_tail {
            self.tail = None;
        }
        match command {
            Syn {
                trid,
                version,
                counts,
            } => {
                if !self.settle(trid, "SYN") {
                    return;
                }
                match counts {
                    None if version == self.contacts.version() => {
                        self.events.push_back(NsEvent::ListSynced {
                            version,
                            contacts: self.contacts.len(),
                            groups: self.contacts.group_count(),
                            from_cache: true,
                        })
                    }
                    None => self.violation("SYN without a list for another version", "SYN"),
                    Some(counts)
                        if counts.contacts > self.config.max_contacts
                            || counts.groups > self.config.max_groups =>
                    {
                        self.violation("SYN announces more than the configured limits", "SYN")
                    }
                    Some(counts) => {
                        let mut list = ContactList::new();
                        list.set_version(version);
                        self.saw_privacy = false;
                        self.download = Some(Download {
                            trid,
                            version,
                            contacts: counts.contacts,
                            groups: counts.groups,
                            contacts_seen: 0,
                            groups_seen: 0,
                            list,
                            last: None,
                        });
                    }
                }
            }
            Gtc { stamp: None, prompt } => match &mut self.download {
                Some(d) => d.list.set_add_prompt(prompt),
                None => self.violation("GTC without TrID outside SYN", "GTC"),
            },
            Blp { stamp: None, privacy } => match &mut self.download {
                Some(d) => {
                    d.list.set_privacy(privacy);
                    self.saw_privacy = true;
                    self.finish_download_if_complete();
                }
                None => self.violation("BLP without TrID outside SYN", "BLP"),
            },
            Prp {
                stamp: None,
                property,
                value,
            } => {
                let (property, value) = (property.into_owned(), value.map(EncodedName::into_owned));
                if let Some(d) = &mut self.download {
                    d.list.set_own_property(property, value);
                } else if let Some(tail) = tail {
                    self.contacts.set_own_property(property.clone(), value.clone());
                    let version = self.contacts.version();
                    self.events.push_back(NsEvent::ListChanged {
                        trid: tail.trid,
                        version,
                        change: ListChange::OwnProperty { property, value },
                    });
                    self.tail = Some(tail);
                } else {
                    self.violation("PRP without TrID outside SYN", "PRP");
                }
            }
            Lsg { group, name } => {
                let limit = self.config.max_groups;
                let Some(d) = &mut self.download else {
                    return self.violation("LSG outside SYN", "LSG");
                };
                if d.groups_seen >= d.groups || d.groups_seen >= limit {
                    return self.violation("more LSG lines than SYN announced", "LSG");
                }
                d.groups_seen += 1;
                d.list.insert_group(group, name.into_owned());
                self.finish_download_if_complete();
            }
            Lst {
                account,
                name,
                lists,
                groups,
            } => {
                let Some(d) = &mut self.download else {
                    return self.violation("LST outside SYN", "LST");
                };
                if d.contacts_seen >= d.contacts {
                    return self.violation("more LST lines than SYN announced", "LST");
                }
                d.contacts_seen += 1;
                let account = account.into_owned();
                let groups = groups.map(|g| g.iter().take(64).collect()).unwrap_or_default();
                d.list
                    .insert_listed(account.clone(), name.into_owned(), lists, groups);
                d.last = Some(account);
                if d.contacts_seen == d.contacts && d.groups_seen != d.groups {
                    return self.violation("SYN announced more groups than were sent", "LST");
                }
                self.finish_download_if_complete();
            }
            Bpr {
                stamp: None,
                property,
                value,
            } => {
                let (property, value) = (property.into_owned(), value.map(EncodedName::into_owned));
                if let Some(d) = &mut self.download {
                    match d.last.clone() {
                        Some(last) => {
                            d.list.set_contact_property(&last, property, value);
                        }
                        None => self.violation("BPR before any LST", "BPR"),
                    }
                } else if let Some(SyncTail {
                    trid,
                    last: Some(account),
                }) = tail
                {
                    self.contacts
                        .set_contact_property(&account, property.clone(), value.clone());
                    let version = self.contacts.version();
                    self.events.push_back(NsEvent::ListChanged {
                        trid,
                        version,
                        change: ListChange::ContactProperty {
                            account: account.clone(),
                            property,
                            value,
                        },
                    });
                    self.tail = Some(SyncTail {
                        trid,
                        last: Some(account),
                    });
                } else {
                    self.violation("BPR without version outside SYN", "BPR");
                }
            }
            Bpr {
                stamp: Some(stamp),
                property,
                value,
            } => {
                let account = stamp.account.into_owned();
                let (property, value) = (property.into_owned(), value.map(EncodedName::into_owned));
                self.contacts
                    .set_contact_property(&account, property.clone(), value.clone());
                self.contacts.set_version(stamp.version);
                self.events.push_back(NsEvent::ListChanged {
                    trid: TrId::ASYNC,
                    version: stamp.version,
                    change: ListChange::ContactProperty {
                        account,
                        property,
                        value,
                    },
                });
            }
            Gtc {
                stamp: Some(stamp),
                prompt,
            } => {
                if !self.settle(stamp.trid, "GTC") {
                    return;
                }
                self.contacts.set_add_prompt(prompt);
                self.list_changed(stamp.trid, stamp.version, ListChange::AddPrompt(prompt));
            }
            Blp {
                stamp: Some(stamp),
                privacy,
            } => {
                if !self.settle(stamp.trid, "BLP") {
                    return;
                }
                self.contacts.set_privacy(privacy);
                self.list_changed(stamp.trid, stamp.version, ListChange::Privacy(privacy));
            }
            Prp {
                stamp: Some(stamp),
                property,
                value,
            } => {
                if !self.settle(stamp.trid, "PRP") {
                    return;
                }
                let (property, value) = (property.into_owned(), value.map(EncodedName::into_owned));
                self.contacts.set_own_property(property.clone(), value.clone());
                self.list_changed(
                    stamp.trid,
                    stamp.version,
                    ListChange::OwnProperty { property, value },
                );
            }
            Chg { trid, status, .. } => {
                if trid != TrId::ASYNC && !self.settle(trid, "CHG") {
                    return;
                }
                self.status = Some(status);
                self.events.push_back(NsEvent::StatusChanged { trid, status });
            }
            // ILN carries the TrID of the CHG or ADD it follows, already answered.
            Iln {
                status,
                account,
                name,
                caps,
                ..
            }
            | Nln {
                status,
                account,
                name,
                caps,
            } => self.presence(account, status, name, caps),
            Fln { account } => {
                self.contacts.set_presence(&account, Status::Offline, None, None);
                if let Some(d) = &mut self.download {
                    d.list.set_presence(&account, Status::Offline, None, None);
                }
                self.events.push_back(NsEvent::ContactOffline {
                    account: account.into_owned(),
                });
            }
            Add {
                trid,
                list,
                version,
                account,
                name,
                group,
            } => {
                if trid != TrId::ASYNC && !self.settle(trid, "ADD") {
                    return;
                }
                self.contacts.add(list, &account, &name, group);
                self.contacts.set_version(version);
                let (account, name) = (account.into_owned(), name.into_owned());
                if trid == TrId::ASYNC && list == List::Reverse {
                    self.events.push_back(NsEvent::AddedBy {
                        account,
                        name,
                        version,
                    });
                } else {
                    self.list_changed(
                        trid,
                        version,
                        ListChange::Added {
                            list,
                            account,
                            name,
                            group,
                        },
                    );
                }
            }
            Rem {
                trid,
                list,
                version,
                account,
                group,
            } => {
                if trid != TrId::ASYNC && !self.settle(trid, "REM") {
                    return;
                }
                self.contacts.remove(list, &account, group);
                self.contacts.set_version(version);
                let account = account.into_owned();
                if trid == TrId::ASYNC && list == List::Reverse {
                    self.events.push_back(NsEvent::RemovedBy { account, version });
                } else {
                    self.list_changed(trid, version, ListChange::Removed { list, account, group });
                }
            }
            Rea {
                trid,
                version,
                account,
                name,
            } => {
                if !self.settle(trid, "REA") {
                    return;
                }
                if account.same_account(&self.account) {
                    self.name = Some(name.clone().into_owned());
                }
                self.contacts.rename(&account, &name);
                self.contacts.set_version(version);
                let change = ListChange::Renamed {
                    account: account.into_owned(),
                    name: name.into_owned(),
                };
                self.list_changed(trid, version, change);
            }
            Adg {
                trid,
                version,
                name,
                group,
            } => {
                if !self.settle(trid, "ADG") {
                    return;
                }
                if self.contacts.group_count() >= self.config.max_groups as usize {
                    return self.violation("more groups than the configured limit", "ADG");
                }
                let name = name.into_owned();
                self.contacts.insert_group(group, name.clone());
                self.list_changed(trid, version, ListChange::GroupAdded { group, name });
            }
            Rmg { trid, version, group } => {
                if !self.settle(trid, "RMG") {
                    return;
                }
                self.contacts.remove_group(group);
                self.list_changed(trid, version, ListChange::GroupRemoved { group });
            }
            Reg {
                trid,
                version,
                group,
                name,
            } => {
                if !self.settle(trid, "REG") {
                    return;
                }
                let name = name.into_owned();
                self.contacts.insert_group(group, name.clone());
                self.list_changed(trid, version, ListChange::GroupRenamed { group, name });
            }
            XfrSb { trid, addr, cookie } => {
                if !self.settle(trid, "XFR") {
                    return;
                }
                self.events.push_back(NsEvent::SwitchboardReady {
                    trid,
                    addr: addr.into_owned(),
                    cookie: Secret::new(cookie.into_inner().into_owned()),
                });
            }
            Rng {
                session,
                addr,
                cookie,
                account,
                name,
            } => self.events.push_back(NsEvent::SwitchboardInvite {
                session: session.into_owned(),
                addr: addr.into_owned(),
                cookie: Secret::new(cookie.into_inner().into_owned()),
                from: account.into_owned(),
                name: name.into_owned(),
            }),
            Chl { challenge, .. } => self.answer_challenge(challenge.as_str()),
            Qry { trid } => {
                self.settle(trid, "QRY");
            }
            Qng { .. } => {
                // An unasked QNG is harmless; only the awaited one re-arms the timer.
                if self.pong_deadline.take().is_some() {
                    self.next_ping = Some(self.now + self.config.keepalive_interval);
                }
            }
            Out { reason } => self.server_out(reason),
            Msg { payload, .. } => {
                let event = server_message(&payload);
                self.events.push_back(event);
            }
            Not { payload } => self.events.push_back(NsEvent::Notification {
                payload: payload.into_owned(),
            }),
            Ipg { payload } => self.events.push_back(NsEvent::Page {
                payload: payload.into_owned(),
            }),
            Url { trid, .. } if self.pending.iter().any(|p| p.trid == trid) => {
                let reply = command.into_owned();
                self.pending.retain(|p| p.trid != trid);
                self.events.push_back(NsEvent::Reply { trid, reply });
            }
            Error { code, trid, .. } => self.error_reply(code, trid),
            Other(raw) => self.events.push_back(NsEvent::Unknown(raw.into_owned())),
            other => self.violation("command has no place in a notification session", other.verb()),
        }
    }

    fn list_changed(&mut self, trid: TrId, version: u32, change: ListChange) {
        self.contacts.set_version(version);
        self.events.push_back(NsEvent::ListChanged {
            trid,
            version,
            change,
        });
    }

    fn presence(
        &mut self,
        account: Passport<'_>,
        status: Status,
        name: FriendlyName<'_>,
        caps: Option<crate::codec::ClientCaps>,
    ) {
        self.contacts.set_presence(&account, status, Some(&name), caps);
        if let Some(d) = &mut self.download {
            d.list.set_presence(&account, status, Some(&name), caps);
        }
        self.events.push_back(NsEvent::ContactPresence {
            account: account.into_owned(),
            status,
            name: name.into_owned(),
            caps,
        });
    }

    fn finish_download_if_complete(&mut self) {
        let Some(d) = self.download.as_ref() else {
            return;
        };
        if !d.complete(self.saw_privacy) {
            return;
        }
        let Some(Download {
            trid,
            version,
            mut list,
            last,
            ..
        }) = self.download.take()
        else {
            return;
        };
        list.set_version(version);
        self.contacts = list;
        self.tail = Some(SyncTail { trid, last });
        self.events.push_back(NsEvent::ListSynced {
            version,
            contacts: self.contacts.len(),
            groups: self.contacts.group_count(),
            from_cache: false,
        });
    }

    /// `CHL 0 x` → `QRY T id 32` + digest (reference §4).
    fn answer_challenge(&mut self, challenge: &str) {
        let answer = crate::challenge::digest(challenge, self.config.challenge.key.expose());
        let product_id = self.config.challenge.id.clone();
        let response = Token::try_from(answer).expect("a hex digest is a token");
        // The answer must go out even if the caller's requests filled the queue: a
        // missed challenge costs the session [NINA Challenges].
        self.send_request(|trid| ClientCommand::Qry {
            trid,
            product_id,
            response,
        });
    }

    fn error_reply(&mut self, code: ErrorCode, trid: Option<TrId>) {
        let index = trid.and_then(|t| self.pending.iter().position(|p| p.trid == t));
        let Some(Pending { trid, request, .. }) = index.and_then(|i| self.pending.remove(i)) else {
            return self.events.push_back(NsEvent::ServerError { code, trid });
        };
        self.events
            .push_back(NsEvent::CommandFailed { trid, request, code });
    }
}

/// `CVR T locale os os-ver arch client client-ver MSMSGS account` [PIKI Command:CVR].
fn cvr(identity: &ClientIdentity, account: &Passport<'static>, trid: TrId) -> ClientCommand<'static> {
    ClientCommand::Cvr {
        trid,
        locale: identity.locale.clone(),
        os_type: identity.os_type.clone(),
        os_version: identity.os_version.clone(),
        arch: identity.arch.clone(),
        client_name: identity.client_name.clone(),
        client_version: identity.client_version.clone(),
        product: Token::try_from("MSMSGS").expect("static token"),
        // The official client sends the account; any word would do [HYP msnp8].
        account: Token::try_from(account.as_str().to_owned()).expect("an account is a token"),
    }
}

fn check_list(list: List, group: Option<GroupId>) -> Result<(), NsError> {
    if list == List::Reverse {
        // The server disconnects a client that edits the reverse list [YW add.md].
        return Err(NsError::Forbidden("the reverse list is kept by the server"));
    }
    if group.is_some() && list != List::Forward {
        return Err(NsError::Forbidden("only the forward list has groups"));
    }
    Ok(())
}

fn encode_name(what: &'static str, text: &str) -> Result<EncodedName<'static>, NsError> {
    EncodedName::from_text(text).map_err(|source| NsError::InvalidArgument { what, source })
}

/// Gives a caller's command the machine's TrID.
fn renumber(command: ClientCommand<'static>, trid: TrId) -> ClientCommand<'static> {
    use ClientCommand::*;
    match command {
        XfrSb { .. } => XfrSb { trid },
        Syn { version, .. } => Syn { trid, version },
        Gtc { prompt, .. } => Gtc { trid, prompt },
        Blp { privacy, .. } => Blp { trid, privacy },
        Prp { property, value, .. } => Prp {
            trid,
            property,
            value,
        },
        Chg { status, caps, .. } => Chg { trid, status, caps },
        Add {
            list,
            account,
            name,
            group,
            ..
        } => Add {
            trid,
            list,
            account,
            name,
            group,
        },
        Rem {
            list, account, group, ..
        } => Rem {
            trid,
            list,
            account,
            group,
        },
        Rea { account, name, .. } => Rea { trid, account, name },
        Adg { name, .. } => Adg { trid, name },
        Rmg { group, .. } => Rmg { trid, group },
        Reg { group, name, .. } => Reg { trid, group, name },
        Url { service, param, .. } => Url { trid, service, param },
        // Managed verbs never reach here; anything else keeps its own number.
        other => other,
    }
}

/// Classifies an `MSG` from the server by its content type (reference §8); a payload
/// the `msg` module cannot read is passed on whole.
fn server_message(payload: &[u8]) -> NsEvent {
    use crate::msg::{Message, MessageKind};
    let raw = |content_type: Option<&str>| NsEvent::ServerMessage {
        content_type: content_type.map(str::to_owned),
        payload: payload.to_vec(),
    };
    let Ok(message) = Message::parse(payload) else {
        return raw(None);
    };
    match message.kind() {
        Ok(MessageKind::Profile(profile)) => NsEvent::Profile(profile.into_owned()),
        Ok(MessageKind::InitialEmail(mail)) => NsEvent::InitialEmail(mail.into_owned()),
        Ok(MessageKind::NewEmail(mail)) => NsEvent::NewEmail(mail.into_owned()),
        _ => raw(message.content_type()),
    }
}

#[cfg(test)]
mod tests;
