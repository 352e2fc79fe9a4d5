//! [`Client`]: one object for a whole session, routing bytes between one notification
//! connection and any number of switchboards.
//!
//! Still sans-IO: the client says which connections to open ([`ClientOutput::Connect`]),
//! what to write where, and what happened; the caller owns the sockets and the clock.
//!
//! ```
//! use std::time::Instant;
//! use msnp::client::{Client, ClientConfig, ClientOutput};
//! use msnp::codec::Passport;
//! use msnp::Secret;
//!
//! let now = Instant::now();
//! let account = Passport::try_from("bot@example.com").unwrap().into_owned();
//! let password = Secret::new("secret".to_owned());
//! let mut client = Client::new(ClientConfig::default(), account, password, now);
//! // The first thing to do is to open the dispatch server's connection.
//! let ClientOutput::Connect { conn, addr } = client.poll_output() else { panic!() };
//! assert_eq!(addr.to_string(), "messenger.hotmail.com:1863");
//! client.handle_connected(conn, now);
//! let ClientOutput::Transmit { bytes, .. } = client.poll_output() else { panic!() };
//! assert_eq!(bytes, b"VER 1 MSNP12 MSNP11 MSNP10 MSNP9 MSNP8 CVR0\r\n");
//! ```

mod config;
mod conn;
mod conversation;
mod error;
mod event;
mod lists;
mod notification;
mod passport;
mod transfer;

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::time::Instant;

pub use config::{ClientConfig, Delivery, InvitationPolicy};
pub use conn::ConnId;
pub use error::ClientError;
pub use event::{
    ClientEvent, ClientOutput, CloseReason, ConversationId, MessageHandle, PassportFailure, Undelivered,
};
pub use passport::HttpId;
pub use transfer::{TransferConfig, TransferError, TransferFailure, TransferId};

use crate::Output;
use crate::Secret;
use crate::codec::{HostPort, List, Passport, TrId};
use crate::msg::Invitation;
use crate::ns::{self, ContactList, NotificationClient};
use crate::passport as passport_api;
use crate::sb::Participant;
use conn::Slots;
use conversation::{Body, Outgoing, PendingSwitchboard, Switchboard};
use passport::{Next, PassportLogin};

/// What one step of the poll loop found.
enum Step {
    /// Every machine is idle.
    Idle,
    /// An output was taken (perhaps queued in `outputs`, perhaps dropped).
    Busy,
    /// Connection `conn`'s machine lent a transmit: hand it out before polling again.
    Transmit(ConnId),
}

/// One connection the client owns.
#[derive(Debug)]
enum Connection {
    /// The notification server's (after a referral, the newest one).
    Notification,
    /// A switchboard's.
    Switchboard(Box<Switchboard>),
    /// A direct connection carrying an MSNFTP transfer.
    Direct(Box<transfer::Direct>),
}

/// A whole MSNP8 session: the notification connection and every switchboard.
///
/// Methods come in four groups, as in quinn-proto's `Connection`:
/// - getters ([`Client::contact_list`], [`Client::conversations`], …);
/// - `handle_*` inputs: report each connection's events and the time;
/// - mutators: [`Client::send_message`], [`Client::set_status`], … (they queue output);
/// - [`Client::poll_output`]: after every input or mutator, drain it until
///   [`ClientOutput::Idle`], performing each [`ClientOutput`] in order.
///
/// What a peer can make it keep is bounded by [`ClientConfig`]: switchboards open or
/// asked for ([`ClientConfig::max_switchboards`]; an invitation past it is declined),
/// texts waiting for a switchboard ([`ClientConfig::max_queued_messages`]), messages in
/// flight on each (its [`SbConfig::max_pending`](crate::sb::SbConfig::max_pending)), and
/// outputs held for the caller (one machine output's worth per
/// [`poll_output`](Client::poll_output)).
///
/// `Debug` shows state and counts, never buffers or cookies.
pub struct Client {
    config: ClientConfig,
    account: Passport<'static>,
    ns: NotificationClient,
    passport: PassportLogin,
    ns_conn: Option<ConnId>,
    conns: Slots<Connection>,
    /// Outputs that own their data; transmits are lent straight from the machines.
    outputs: VecDeque<ClientOutput<'static>>,
    pending: BTreeMap<TrId, PendingSwitchboard>,
    messages: BTreeMap<MessageHandle, Outgoing>,
    next_handle: u64,
    next_conversation: u64,
    now: Instant,
    closed: bool,
    /// The session ended; [`ClientEvent::SessionEnded`] follows the switchboards' last events.
    closing: Option<CloseReason>,
    /// Why the Client's own Passport login failed, to report it typed when the
    /// notification machine ends the session over it.
    passport_failure: Option<PassportFailure>,
    /// The display picture's bytes, for the contacts who ask for it.
    display_picture: Option<Vec<u8>>,
    /// The user's name as the caller last heard it (`LoggedIn`, `NameChanged`).
    shown_name: Option<crate::codec::FriendlyName<'static>>,
    /// Display pictures and files over P2P, and their sessions.
    transfers: transfer::Transfers,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let switchboards = self
            .conns
            .iter()
            .filter(|(_, conn)| matches!(conn, Connection::Switchboard(_)))
            .count();
        f.debug_struct("Client")
            .field("account", &self.account)
            .field("notification", &self.ns.state())
            .field("passport", &self.passport)
            .field("ns_conn", &self.ns_conn)
            .field("switchboards", &switchboards)
            .field("switchboards_requested", &self.pending.len())
            .field("texts_waiting", &self.queued_texts())
            .field("messages_in_flight", &self.messages.len())
            .field("outputs", &self.outputs.len())
            .field("closed", &self.closed)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for `account`, signing in with `password` through Passport 1.4
    /// ([`ClientConfig::passport`]); its first output asks to connect to
    /// [`ClientConfig::server`].
    pub fn new(
        mut config: ClientConfig,
        account: Passport<'static>,
        password: Secret<String>,
        now: Instant,
    ) -> Self {
        let mut ns = NotificationClient::new(config.notification_config(), account.borrow(), now);
        if let Some(list) = config.contact_list.take() {
            ns = ns.with_contact_list(list);
        }
        let passport = PassportLogin::new(config.passport.clone(), config.passport_timeout, password);
        let mut client = Client {
            account,
            ns,
            passport,
            ns_conn: None,
            conns: Slots::default(),
            outputs: VecDeque::new(),
            pending: BTreeMap::new(),
            messages: BTreeMap::new(),
            next_handle: 0,
            next_conversation: 0,
            now,
            closed: false,
            closing: None,
            passport_failure: None,
            display_picture: None,
            shown_name: None,
            transfers: transfer::Transfers::default(),
            config,
        };
        let addr = client.config.server.clone();
        client.connect_notification(addr);
        client
    }

    // ----- getters -----

    /// The account signing in.
    pub fn account(&self) -> &Passport<'static> {
        &self.account
    }

    /// The notification machine: status, contact list, session state.
    pub fn notification(&self) -> &NotificationClient {
        &self.ns
    }

    /// The contact list as the server last confirmed it.
    pub fn contact_list(&self) -> &ContactList {
        self.ns.contact_list()
    }

    /// The open conversations and who is in each. A conversation whose switchboard has
    /// ended is not listed, even before [`ClientEvent::ConversationEnded`] is polled.
    pub fn conversations(&self) -> impl Iterator<Item = (ConversationId, &[Participant])> {
        self.conns.iter().filter_map(|(_, conn)| match conn {
            Connection::Switchboard(sb) if !sb.machine.is_closed() => {
                Some((sb.conversation, sb.machine.participants()))
            }
            _ => None,
        })
    }

    /// The Passport login server learned from the nexus (or configured): put it in the
    /// next session's [`ClientConfig::passport`]`.dalogin` to skip the nexus there.
    pub fn passport_dalogin(&self) -> Option<&str> {
        self.passport.dalogin()
    }

    /// Whether the session is over.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    // ----- inputs -----

    /// `conn`'s TCP connection is open.
    pub fn handle_connected(&mut self, conn: ConnId, now: Instant) {
        self.touch(now);
        match self.conns.get_mut(conn) {
            Some(Connection::Notification) => {
                // Only fails once the session is closed, which the NS events report.
                let _ = self.ns.handle_connected(now);
            }
            Some(Connection::Switchboard(sb)) => sb.connected = true,
            Some(Connection::Direct(direct)) => direct.handle_connected(),
            None => {}
        }
    }

    /// `conn`'s TCP connection could not be opened.
    pub fn handle_connect_failed(&mut self, conn: ConnId, now: Instant) {
        self.handle_closed(conn, now);
    }

    /// Bytes arrived on `conn`. Input for a connection the client closed is dropped.
    pub fn handle_input(&mut self, conn: ConnId, now: Instant, bytes: &[u8]) {
        self.touch(now);
        match self.conns.get_mut(conn) {
            Some(Connection::Notification) => self.ns.handle_input(now, bytes),
            Some(Connection::Switchboard(sb)) => sb.machine.handle_input(now, bytes),
            Some(Connection::Direct(direct)) => direct.handle_input(now, bytes),
            None => {}
        }
    }

    /// `conn` closed (EOF or reset).
    pub fn handle_closed(&mut self, conn: ConnId, now: Instant) {
        self.touch(now);
        match self.conns.get_mut(conn) {
            // The notification connection closed before it ever opened: the old
            // server's close after a referral went with its connection id, so this one
            // failed to connect.
            Some(Connection::Notification)
                if matches!(
                    self.ns.state(),
                    ns::SessionState::Disconnected | ns::SessionState::Redirected
                ) =>
            {
                self.ns.handle_connect_failed(now)
            }
            Some(Connection::Notification) => self.ns.handle_closed(now),
            Some(Connection::Switchboard(sb)) => {
                // Before anyone joined, the messages waiting there never had a chance:
                // the switchboard itself failed, not their delivery.
                let before_join = sb.awaiting_join;
                sb.machine.handle_closed(now);
                if before_join {
                    self.fail_parts(conn, Undelivered::ConnectionFailed);
                }
            }
            Some(Connection::Direct(direct)) => direct.handle_closed(now),
            None => {}
        }
    }

    /// `bytes` of `conn`'s transmits reached its socket (were written, not merely
    /// queued): the flow control of MSNFTP sends, whose data nothing acknowledges
    /// ([`TransferConfig::direct_write_window`]). Needed only with that window set, and
    /// then for every write to a direct connection
    /// ([`transfer_connection`](Client::transfer_connection)); reports for other
    /// connections, closed ones, or more bytes than are unwritten are clamped or
    /// ignored. When it brings the unwritten bytes down to a quarter of the window
    /// after a [`write_transfer`](Client::write_transfer) was refused for them, the
    /// transfer's [`ClientEvent::TransferProgress`] is told again (its `done` counts
    /// the bytes handed out in transmits, written or not), the cue to write on.
    pub fn handle_written(&mut self, conn: ConnId, now: Instant, bytes: usize) {
        self.touch(now);
        self.direct_written(conn, bytes);
    }

    /// The answer to [`ClientOutput::HttpRequest`] `id` (its status and headers; the
    /// body is not needed). An id the client no longer waits for is ignored.
    pub fn handle_http_response(&mut self, now: Instant, id: HttpId, response: passport_api::HttpResponse) {
        self.touch(now);
        let next = self.passport.response(now, id, response);
        self.passport_next(next);
    }

    /// [`ClientOutput::HttpRequest`] `id` got no answer: `reason` says why in the
    /// transport's words ("connection refused"), and must not hold credentials. A
    /// request to a login server cached from an earlier login is retried once through
    /// the nexus; otherwise the session ends with
    /// [`ns::CloseReason::PassportFailed`]. An id the client no longer waits for is
    /// ignored.
    pub fn handle_http_failed(&mut self, now: Instant, id: HttpId, reason: String) {
        self.touch(now);
        let next = self.passport.failed(now, id, &reason, self.account.as_str());
        self.passport_next(next);
    }

    /// The time has come (or passed); early calls do nothing.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.touch(now);
        let next = self.passport.handle_timeout(now);
        self.passport_next(next);
        self.ns.handle_timeout(now);
        self.transfers_timeout(now);
        for id in self.conns.ids() {
            let Some(Connection::Switchboard(sb)) = self.conns.get_mut(id) else {
                continue;
            };
            sb.machine.handle_timeout(now);
            if sb.join_deadline.is_some_and(|deadline| now >= deadline) {
                sb.join_deadline = None;
                sb.awaiting_join = false;
                self.fail_parts(id, Undelivered::NobodyJoined);
                if let Some(Connection::Switchboard(sb)) = self.conns.get_mut(id) {
                    let _ = sb.machine.leave(now);
                }
            }
        }
    }

    // ----- mutators -----

    /// Sends `text` to `to`: in the open conversation where `to` is the only other
    /// participant, or in a new one (`XFR SB` → connect → `USR` → `CAL` → `JOI`), where
    /// it waits until `to` joins. When the conversation's window is full
    /// ([`SbConfig::max_pending`](crate::sb::SbConfig::max_pending) messages awaiting
    /// their end) the text waits its turn, within
    /// [`ClientConfig::max_queued_messages`] over all conversations. The handle ends in
    /// exactly one
    /// [`ClientEvent::MessageDelivered`], [`ClientEvent::MessageSentUnconfirmed`] or
    /// [`ClientEvent::MessageNotDelivered`].
    pub fn send_message(
        &mut self,
        now: Instant,
        to: &Passport<'_>,
        text: &str,
    ) -> Result<MessageHandle, ClientError> {
        self.touch(now);
        self.check_open()?;
        if text.is_empty() {
            return Err(ClientError::EmptyText);
        }
        if to.same_account(&self.account) {
            return Err(ClientError::MessageToSelf);
        }
        if let Some(id) = self.conversation_with(to) {
            return self.send_on(id, Body::Text(text.to_owned()));
        }
        // Past here the text waits for a switchboard, one asked for already or a new one.
        if self.queued_texts() >= self.config.max_queued_messages {
            return Err(ClientError::TooManyQueued {
                max: self.config.max_queued_messages,
            });
        }
        if let Some(pending) = self.pending.values_mut().find(|p| p.to.same_account(to)) {
            let handle = MessageHandle(self.next_handle);
            self.next_handle += 1;
            pending.texts.push((handle, text.to_owned()));
            self.messages.insert(handle, Outgoing::new(1));
            return Ok(handle);
        }
        if self.switchboard_count() >= self.config.max_switchboards {
            return Err(ClientError::TooManySwitchboards {
                max: self.config.max_switchboards,
            });
        }
        let trid = self.ns.request_switchboard(now)?;
        let handle = MessageHandle(self.next_handle);
        self.next_handle += 1;
        self.messages.insert(handle, Outgoing::new(1));
        self.pending.insert(
            trid,
            PendingSwitchboard {
                to: to.borrow().into_owned(),
                texts: vec![(handle, text.to_owned())],
            },
        );
        Ok(handle)
    }

    /// Sends `text` to everyone in `conversation`.
    pub fn send_to_conversation(
        &mut self,
        now: Instant,
        conversation: ConversationId,
        text: &str,
    ) -> Result<MessageHandle, ClientError> {
        self.touch(now);
        self.check_open()?;
        if text.is_empty() {
            return Err(ClientError::EmptyText);
        }
        let id = self.find_conversation(conversation)?;
        self.send_on(id, Body::Text(text.to_owned()))
    }

    /// Sends a whole `MSG` payload (MIME headers and body, e.g. one built with
    /// [`crate::msg`]) to everyone in `conversation`, asking for `delivery`. It waits
    /// behind a full window as a text does, and its handle ends the same way.
    pub fn send_payload(
        &mut self,
        now: Instant,
        conversation: ConversationId,
        payload: &[u8],
        delivery: Delivery,
    ) -> Result<MessageHandle, ClientError> {
        self.touch(now);
        self.check_open()?;
        let id = self.find_conversation(conversation)?;
        self.send_on(
            id,
            Body::Payload {
                bytes: payload.to_vec(),
                ack: delivery.ack_mode(),
            },
        )
    }

    /// Sends an invitation message (`text/x-msmsgsinvite`) to `conversation`: an offer,
    /// or a reply to one received as [`ClientEvent::InvitationReceived`], e.g.
    /// [`Invitation::accept`]. It asks for [`Delivery::FailuresOnly`], as the official
    /// client does [HYP1; TW fileInvitationReply]. What follows an acceptance (the file's own connection) is
    /// the caller's.
    pub fn send_invitation(
        &mut self,
        now: Instant,
        conversation: ConversationId,
        invitation: &Invitation<'_>,
    ) -> Result<MessageHandle, ClientError> {
        let mut payload = Vec::new();
        invitation.encode(&mut payload)?;
        self.send_payload(now, conversation, &payload, Delivery::FailuresOnly)
    }

    /// Declines the invitation `cookie` names ([`ClientEvent::InvitationReceived`]) in
    /// `conversation`: an `Invitation-Command: CANCEL` with `Cancel-Code: REJECT`, as
    /// a receiver declines a file [HYP1; TW fileInvitationReply].
    pub fn decline_invitation(
        &mut self,
        now: Instant,
        conversation: ConversationId,
        cookie: u32,
    ) -> Result<MessageHandle, ClientError> {
        self.send_invitation(now, conversation, &Invitation::cancel(cookie, "REJECT"))
    }

    /// Invites `account` into `conversation`, making it a group conversation.
    pub fn invite(
        &mut self,
        now: Instant,
        conversation: ConversationId,
        account: &Passport<'_>,
    ) -> Result<(), ClientError> {
        self.touch(now);
        let id = self.find_conversation(conversation)?;
        if let Some(Connection::Switchboard(sb)) = self.conns.get_mut(id) {
            sb.machine.invite(now, account)?;
        }
        Ok(())
    }

    /// Tells `conversation` the user is typing (rate-limited by the switchboard machine).
    pub fn send_typing(&mut self, now: Instant, conversation: ConversationId) -> Result<(), ClientError> {
        self.touch(now);
        let id = self.find_conversation(conversation)?;
        if let Some(Connection::Switchboard(sb)) = self.conns.get_mut(id) {
            sb.machine.send_typing(now)?;
        }
        Ok(())
    }

    /// Leaves `conversation` (`OUT`); messages still unacknowledged there end undelivered.
    pub fn leave(&mut self, now: Instant, conversation: ConversationId) -> Result<(), ClientError> {
        self.touch(now);
        let id = self.find_conversation(conversation)?;
        if let Some(Connection::Switchboard(sb)) = self.conns.get_mut(id) {
            sb.machine.leave(now)?;
        }
        Ok(())
    }

    /// Signs out (`OUT`); every conversation ends and then the session.
    pub fn logout(&mut self, now: Instant) -> Result<(), ClientError> {
        self.touch(now);
        self.ns.logout(now)?;
        Ok(())
    }

    // ----- output -----

    /// The next thing to do; drain until [`ClientOutput::Idle`].
    ///
    /// Each call takes at most one output from one machine (the notification machine
    /// first, then the switchboards in turn), so however much input is buffered, what
    /// the client holds for the caller stays a few outputs: the machines parse one frame
    /// per call, and so does the client. A `Transmit` lends that machine's buffer until
    /// the next call.
    pub fn poll_output(&mut self) -> ClientOutput<'_> {
        loop {
            if let Some(output) = self.outputs.pop_front() {
                return output;
            }
            match self.step() {
                Step::Idle => {
                    return ClientOutput::Idle {
                        next_timeout: self.next_timeout(),
                    };
                }
                Step::Busy => {}
                // Handed out at once: the bytes live in the machine until its next poll,
                // which cannot come before the caller's next call.
                Step::Transmit(conn) => {
                    return ClientOutput::Transmit {
                        conn,
                        bytes: self.last_transmit(conn),
                    };
                }
            }
        }
    }

    /// The bytes machine `conn` handed out in its last `Transmit`.
    fn last_transmit(&self, conn: ConnId) -> &[u8] {
        if self.ns_conn == Some(conn) {
            return self.ns.last_transmit();
        }
        match self.conns.get(conn) {
            Some(Connection::Switchboard(sb)) => sb.machine.last_transmit(),
            Some(Connection::Direct(direct)) => &direct.out,
            _ => &[],
        }
    }

    /// Takes one output from one machine.
    fn step(&mut self) -> Step {
        match self.step_notification() {
            Step::Idle => {}
            step => return step,
        }
        // Before the switchboards: each P2P message a switchboard hands over is read
        // before the next, so the sessions' input queues stay short.
        match self.step_transfers() {
            Step::Idle => {}
            step => return step,
        }
        match self.step_switchboards() {
            Step::Idle => {}
            step => return step,
        }
        // The session's end waits until every switchboard has told how it ended, so
        // that `Closed` is the last event.
        if let Some(reason) = self.closing.take() {
            self.emit(ClientEvent::SessionEnded { reason });
            return Step::Busy;
        }
        Step::Idle
    }

    fn step_notification(&mut self) -> Step {
        let Some(ns_conn) = self.ns_conn else {
            return Step::Idle;
        };
        match self.ns.poll_output() {
            Output::Transmit(_) => return Step::Transmit(ns_conn),
            Output::Event(event) => self.on_ns_event(event),
            Output::Idle { .. } => return Step::Idle,
        }
        Step::Busy
    }

    /// Takes one output from the first switchboard, in slot order, that has one: each
    /// conversation's outputs come together, in the order a caller draining to `Idle`
    /// saw before. The scan is bounded by [`ClientConfig::max_switchboards`].
    fn step_switchboards(&mut self) -> Step {
        for index in 0..self.conns.slot_count() {
            if let Some(id) = self.conns.id_at(index) {
                match self.step_switchboard(id) {
                    Step::Idle => {}
                    step => return step,
                }
            }
        }
        Step::Idle
    }

    /// Takes one output from switchboard `id`.
    fn step_switchboard(&mut self, id: ConnId) -> Step {
        let Some(Connection::Switchboard(sb)) = self.conns.get_mut(id) else {
            return Step::Idle;
        };
        // A switchboard's first command waits until its connection is open; one that
        // ended before that has only events left to give.
        if !sb.connected && !sb.machine.is_closed() {
            return Step::Idle;
        }
        match sb.machine.poll_output() {
            Output::Transmit(_) => {
                let connected = sb.connected;
                // The output buffer just emptied: texts waiting for it may fit now. They
                // go into the machine's next buffer, not the one just lent.
                if !sb.backlog.is_empty() || !sb.invitations.is_empty() {
                    self.flush_backlog(id);
                }
                if connected {
                    return Step::Transmit(id);
                }
            }
            Output::Event(event) => self.on_sb_event(id, event),
            Output::Idle { next_timeout } => {
                sb.next_timeout = next_timeout;
                return Step::Idle;
            }
        }
        Step::Busy
    }

    fn next_timeout(&self) -> Option<Instant> {
        let switchboards = self.conns.iter().filter_map(|(_, conn)| match conn {
            Connection::Switchboard(sb) => [sb.next_timeout, sb.join_deadline].into_iter().flatten().min(),
            Connection::Notification => None,
            Connection::Direct(direct) => direct.poll_timeout(),
        });
        self.ns
            .next_timeout()
            .into_iter()
            .chain(self.passport.deadline())
            .chain(switchboards)
            .chain(self.transfers_next_timeout())
            .min()
    }

    /// Carries out what the Passport login asks for. The notification machine refuses
    /// only when it no longer waits for a ticket (the session ended meanwhile), which
    /// its own events report.
    fn passport_next(&mut self, next: Next) {
        match next {
            Next::Request(id, request) => self.outputs.push_back(ClientOutput::HttpRequest { id, request }),
            Next::Ticket(ticket) => {
                if let Err(error) = self.ns.submit_ticket(self.now, ticket) {
                    let _ = self.ns.passport_failed(self.now, error.to_string());
                }
            }
            Next::Failed(failure) => {
                let _ = self.ns.passport_failed(self.now, failure.to_string());
                self.passport_failure = Some(failure);
            }
            Next::Nothing => {}
        }
    }

    fn connect_notification(&mut self, addr: HostPort<'static>) {
        let conn = self.conns.insert(Connection::Notification);
        self.ns_conn = Some(conn);
        self.outputs.push_back(ClientOutput::Connect { conn, addr });
    }

    fn set_initial_status(&mut self) {
        if let Some(status) = self.config.initial_status {
            // Refused only once the session is closed, which its own event reports.
            let _ = self.ns.set_status(self.now, status);
        }
    }

    fn accepts_invitation_from(&self, from: &Passport<'_>) -> bool {
        match self.config.invitations {
            InvitationPolicy::AcceptAll => true,
            InvitationPolicy::AcceptContacts => self
                .ns
                .contact_list()
                .contact(from)
                .is_some_and(|c| c.lists().contains(List::Forward) && !c.lists().contains(List::Block)),
            InvitationPolicy::DeclineAll => false,
        }
    }

    /// The notification session ended: every conversation and waiting message ends too,
    /// and then, once the switchboards have said so, the session ([`Client::step`]).
    fn close_session(&mut self, reason: ns::CloseReason) {
        self.passport.cancel();
        for (_, pending) in std::mem::take(&mut self.pending) {
            for (handle, _) in pending.texts {
                self.fail_message(handle, Undelivered::SessionEnded);
            }
        }
        for id in self.conns.ids() {
            if let Some(Connection::Switchboard(sb)) = self.conns.get_mut(id) {
                let _ = sb.machine.leave(self.now);
            }
        }
        if let Some(conn) = self.ns_conn.take() {
            self.conns.remove(conn);
            self.outputs.push_back(ClientOutput::Close { conn });
        }
        self.closed = true;
        self.closing = Some(match (reason, self.passport_failure.take()) {
            (ns::CloseReason::PassportFailed { .. }, Some(failure)) => CloseReason::Passport(failure),
            (reason, _) => CloseReason::Notification(reason),
        });
    }

    /// Takes the caller's time, never going back: a clock that steps backwards must not
    /// move deadlines the machines already hold (they keep the latest time too).
    fn touch(&mut self, now: Instant) {
        self.now = self.now.max(now);
    }

    fn emit(&mut self, event: ClientEvent) {
        if let ClientEvent::LoggedIn { name, .. } | ClientEvent::NameChanged { name } = &event {
            self.shown_name = Some(name.clone());
        }
        self.outputs.push_back(ClientOutput::Event(event));
    }

    fn check_open(&self) -> Result<(), ClientError> {
        if self.closed {
            Err(ClientError::Closed)
        } else {
            Ok(())
        }
    }

    /// Texts waiting for a switchboard asked for with `XFR SB` or for room in one's
    /// window, over all of them.
    fn queued_texts(&self) -> usize {
        let backlogs: usize = self
            .conns
            .iter()
            .map(|(_, conn)| match conn {
                Connection::Switchboard(sb) => sb.backlog.len(),
                Connection::Notification | Connection::Direct(_) => 0,
            })
            .sum();
        self.pending.values().map(|p| p.texts.len()).sum::<usize>() + backlogs
    }

    /// Switchboards open or asked for: what [`ClientConfig::max_switchboards`] bounds.
    fn switchboard_count(&self) -> usize {
        let open = self
            .conns
            .iter()
            .filter(|(_, conn)| matches!(conn, Connection::Switchboard(_)))
            .count();
        open + self.pending.len()
    }
}
