//! Conversations: the switchboards the client opened or joined, and the messages on
//! their way through them, each ending exactly once.

use std::collections::{BTreeMap, VecDeque};
use std::time::Instant;

use super::{
    Client, ClientError, ClientEvent, ClientOutput, ConnId, Connection, ConversationId, MessageHandle,
    Undelivered,
};
use crate::Secret;
use crate::codec::{AckMode, HostPort, Passport, TrId};
use crate::sb::{NotDelivered, SbConfig, SbError, SbEvent, SwitchboardClient};

/// A switchboard connection and what the client tracks about it.
#[derive(Debug)]
pub(super) struct Switchboard {
    pub(super) machine: SwitchboardClient,
    pub(super) conversation: ConversationId,
    pub(super) connected: bool,
    /// Where it is: a direct connection offered in it listens on the local address
    /// that reaches this server.
    pub(super) addr: HostPort<'static>,
    /// For conversations the user asked for: who they are for (invited once
    /// authenticated).
    pub(super) invitee: Option<Passport<'static>>,
    pub(super) invited: bool,
    /// Nobody has joined yet: the messages waiting here depend on the switchboard itself.
    pub(super) awaiting_join: bool,
    /// Until someone joins: when to give up on the queued messages; `None` when
    /// [`ClientConfig::join_timeout`] is too long to reach (never).
    pub(super) join_deadline: Option<Instant>,
    /// The switchboard's own timer, from its last `Idle`.
    pub(super) next_timeout: Option<Instant>,
    /// Which message each switchboard TrID is a part of.
    pub(super) parts: BTreeMap<TrId, MessageHandle>,
    /// Texts waiting for room in the switchboard's window
    /// ([`SbConfig::max_pending`](crate::sb::SbConfig::max_pending)), oldest first;
    /// counted in [`ClientConfig::max_queued_messages`](super::ClientConfig).
    pub(super) backlog: VecDeque<(MessageHandle, Body)>,
    /// Why the backlog will not go out, once the switchboard failed before anyone joined.
    pub(super) backlog_failure: Option<Undelivered>,
    /// Invitation replies (mode `N`, outside the message ledger) waiting for room in
    /// the window, oldest first; within
    /// [`TransferConfig::max_waiting_replies`](super::TransferConfig::max_waiting_replies)
    /// (and [`max_transfers`](super::TransferConfig::max_transfers) more for `CANCEL`s).
    pub(super) invitations: VecDeque<Vec<u8>>,
}

/// What a message of the user's carries.
#[derive(Debug)]
pub(super) enum Body {
    /// A text of [`Client::send_message`], sent with the configured format and delivery
    /// (split when long).
    Text(String),
    /// A whole payload of [`Client::send_payload`], sent as one `MSG`.
    Payload { bytes: Vec<u8>, ack: AckMode },
}

/// A message on its way; it ends when all its parts (a long text is split) have ended:
/// delivered if every part was acknowledged, not delivered if any part failed, sent
/// unconfirmed otherwise.
#[derive(Debug)]
pub(super) struct Outgoing {
    pub(super) parts_left: usize,
    pub(super) failure: Option<Undelivered>,
    /// A part ended without an acknowledgement.
    pub(super) unconfirmed: bool,
}

impl Outgoing {
    pub(super) fn new(parts_left: usize) -> Self {
        Outgoing {
            parts_left,
            failure: None,
            unconfirmed: false,
        }
    }
}

/// How one part of a message ended.
pub(super) enum PartEnd {
    Delivered,
    Unconfirmed,
    Failed(Undelivered),
}

/// Messages waiting for a switchboard asked for with `XFR SB`.
#[derive(Debug)]
pub(super) struct PendingSwitchboard {
    pub(super) to: Passport<'static>,
    pub(super) texts: Vec<(MessageHandle, String)>,
}

impl Client {
    pub(super) fn on_sb_event(&mut self, id: ConnId, event: SbEvent) {
        let Some(Connection::Switchboard(sb)) = self.conns.get_mut(id) else {
            return;
        };
        let conversation = sb.conversation;
        match event {
            SbEvent::Authenticated { .. } => {
                if let Some(invitee) = sb.invitee.as_ref().filter(|_| !sb.invited) {
                    sb.invited = true;
                    if sb.machine.invite(self.now, invitee).is_err() {
                        let _ = sb.machine.leave(self.now);
                    }
                }
            }
            SbEvent::ParticipantJoined { participant } => {
                sb.awaiting_join = false;
                sb.join_deadline = None;
                self.emit(ClientEvent::Joined {
                    conversation,
                    account: participant.account,
                    name: participant.name,
                });
            }
            SbEvent::Roster { participants } => {
                sb.awaiting_join = false;
                sb.join_deadline = None;
                for participant in participants {
                    self.emit(ClientEvent::Joined {
                        conversation,
                        account: participant.account,
                        name: participant.name,
                    });
                }
            }
            SbEvent::ParticipantLeft { account, idle } => {
                self.emit(ClientEvent::Left {
                    conversation,
                    account,
                    idle,
                });
            }
            // Nobody is left to talk to: a new message opens a new switchboard.
            SbEvent::Alone => {
                let _ = sb.machine.leave(self.now);
            }
            SbEvent::InviteFailed { account, reason, .. } => {
                self.emit(ClientEvent::InviteFailed {
                    conversation,
                    account,
                    reason,
                });
                let Some(Connection::Switchboard(sb)) = self.conns.get_mut(id) else {
                    return;
                };
                if sb.machine.participants().is_empty() {
                    self.fail_parts(id, Undelivered::InviteFailed(reason));
                    if let Some(Connection::Switchboard(sb)) = self.conns.get_mut(id) {
                        let _ = sb.machine.leave(self.now);
                    }
                }
            }
            SbEvent::Text {
                from,
                name,
                text,
                format,
            } => self.emit(ClientEvent::TextReceived {
                conversation,
                from,
                name,
                text,
                format,
            }),
            SbEvent::Typing { from, .. } => self.emit(ClientEvent::Typing { conversation, from }),
            SbEvent::Invitation {
                from,
                name,
                invitation,
            } => {
                if !self.route_invitation(id, &from, &invitation) {
                    self.emit(ClientEvent::InvitationReceived {
                        conversation,
                        from,
                        name,
                        invitation,
                    });
                }
            }
            SbEvent::Message { from, payload, .. } => {
                if !self.route_p2p(id, &from, &payload) {
                    self.emit(ClientEvent::MessageReceived {
                        conversation,
                        from,
                        payload,
                    });
                }
            }
            SbEvent::Delivered { trid } => {
                if let Some(handle) = sb.parts.remove(&trid) {
                    self.end_part(handle, PartEnd::Delivered);
                }
                self.flush_backlog(id);
            }
            SbEvent::SentUnconfirmed { trid } => {
                if let Some(handle) = sb.parts.remove(&trid) {
                    self.end_part(handle, PartEnd::Unconfirmed);
                }
                self.flush_backlog(id);
            }
            SbEvent::NotDelivered { trid, reason } => {
                if let Some(handle) = sb.parts.remove(&trid) {
                    self.end_part(handle, PartEnd::Failed(Undelivered::Switchboard(reason)));
                }
                self.flush_backlog(id);
            }
            SbEvent::Closed { reason } => {
                self.transfers_connection_closed(id);
                if let Some(Connection::Switchboard(sb)) = self.conns.remove(id) {
                    // Texts that never got into the window never reached the server.
                    let failure = sb
                        .backlog_failure
                        .unwrap_or(Undelivered::Switchboard(NotDelivered::NeverSent));
                    for (handle, _) in sb.backlog {
                        self.fail_message(handle, failure.clone());
                    }
                }
                self.outputs.push_back(ClientOutput::Close { conn: id });
                self.emit(ClientEvent::ConversationEnded { conversation, reason });
            }
            SbEvent::CommandFailed { trid, request, code } => self.emit(ClientEvent::CommandFailed {
                conversation: Some(conversation),
                trid,
                request: request.map(str::to_owned),
                code,
            }),
            SbEvent::Skipped { error } => self.emit(ClientEvent::Skipped {
                conversation: Some(conversation),
                error,
            }),
            SbEvent::Ringing { account, .. } => self.emit(ClientEvent::Other {
                conversation: Some(conversation),
                description: format!("the invitation to {account} is ringing"),
            }),
            SbEvent::Unhandled { command } => self.emit(ClientEvent::Other {
                conversation: Some(conversation),
                description: format!("the switchboard sent an unexpected `{}`", command.verb()),
            }),
        }
    }

    /// The settings of a new switchboard: the configured ones, in the dialect the
    /// notification session speaks, which every switchboard it hands out speaks too.
    pub(super) fn switchboard_config(&self) -> SbConfig {
        let mut config = self.config.switchboard.clone();
        if let Some(dialect) = self.ns.dialect() {
            config.dialect = dialect;
        }
        config
    }

    /// Opens the switchboard `XFR SB` gave for `pending`, queueing its texts there.
    pub(super) fn open_switchboard(
        &mut self,
        addr: HostPort<'static>,
        cookie: Secret<crate::codec::Token<'static>>,
        pending: PendingSwitchboard,
    ) {
        let machine =
            SwitchboardClient::call(self.switchboard_config(), self.account.clone(), cookie, self.now);
        let (id, conversation) = self.add_switchboard(machine, addr, Some(pending.to));
        self.emit(ClientEvent::ConversationStarted {
            conversation,
            invited_by: None,
        });
        for (handle, text) in pending.texts {
            self.messages.remove(&handle);
            self.queue_body(id, handle, Body::Text(text));
        }
    }

    pub(super) fn add_switchboard(
        &mut self,
        mut machine: SwitchboardClient,
        addr: HostPort<'static>,
        invitee: Option<Passport<'static>>,
    ) -> (ConnId, ConversationId) {
        let conversation = ConversationId(self.next_conversation);
        self.next_conversation += 1;
        machine.set_trace_label(format!("sb#{}", conversation.0));
        // A timeout too long to reach (`Duration::MAX` as "never") arms no timer.
        let join_deadline = self.now.checked_add(self.config.join_timeout);
        let conn = self.conns.insert(Connection::Switchboard(Box::new(Switchboard {
            machine,
            conversation,
            connected: false,
            addr: addr.clone(),
            invitee,
            invited: false,
            awaiting_join: true,
            join_deadline,
            next_timeout: None,
            parts: BTreeMap::new(),
            backlog: VecDeque::new(),
            backlog_failure: None,
            invitations: VecDeque::new(),
        })));
        self.outputs.push_back(ClientOutput::Connect { conn, addr });
        (conn, conversation)
    }

    /// A new message for switchboard `id`: sent now, or queued behind a full window
    /// within [`ClientConfig::max_queued_messages`](super::ClientConfig::max_queued_messages).
    pub(super) fn send_on(&mut self, id: ConnId, body: Body) -> Result<MessageHandle, ClientError> {
        let handle = MessageHandle(self.next_handle);
        let room = self.queued_texts() < self.config.max_queued_messages;
        self.track(id, handle, body, room)?;
        self.next_handle += 1;
        Ok(handle)
    }

    /// Queues a message that waited for its switchboard (it is counted already, so it
    /// may join the backlog); a refusal ends it at once.
    pub(super) fn queue_body(&mut self, id: ConnId, handle: MessageHandle, body: Body) {
        if let Err(error) = self.track(id, handle, body, true) {
            let reason = match error {
                ClientError::Switchboard(error) => Undelivered::Refused(error),
                _ => Undelivered::SessionEnded,
            };
            self.fail_message(handle, reason);
        }
    }

    /// Hands `body` to switchboard `id` and remembers which message its parts belong to;
    /// when the window is full (and `may_wait`) the message waits in the backlog,
    /// keeping the order of sending.
    pub(super) fn track(
        &mut self,
        id: ConnId,
        handle: MessageHandle,
        body: Body,
        may_wait: bool,
    ) -> Result<(), ClientError> {
        let Some(Connection::Switchboard(sb)) = self.conns.get_mut(id) else {
            return Err(ClientError::NoSuchConversation);
        };
        // Behind a backlog a message waits its turn, so messages go out in the order sent.
        let result = sb
            .backlog
            .is_empty()
            .then(|| submit(&mut sb.machine, self.now, &body, &self.config));
        match result {
            Some(Ok(trids)) => {
                for trid in &trids {
                    sb.parts.insert(*trid, handle);
                }
                self.messages.insert(handle, Outgoing::new(trids.len()));
                Ok(())
            }
            Some(Err(error)) if !fits_later(&error) => Err(error.into()),
            _ if !may_wait => Err(ClientError::TooManyQueued {
                max: self.config.max_queued_messages,
            }),
            _ => {
                sb.backlog.push_back((handle, body));
                self.messages.insert(handle, Outgoing::new(0));
                Ok(())
            }
        }
    }

    /// Moves texts from switchboard `id`'s backlog into its window while they fit.
    pub(super) fn flush_backlog(&mut self, id: ConnId) {
        loop {
            let Some(Connection::Switchboard(sb)) = self.conns.get_mut(id) else {
                return;
            };
            // An ended switchboard's backlog ends with its `Closed` event.
            if sb.machine.is_closed() {
                return;
            }
            // Invitation replies first: a transfer's peer waits on them.
            while let Some(reply) = sb.invitations.front() {
                match sb.machine.send_message(self.now, reply, AckMode::NegativeOnly) {
                    Err(error) if fits_later(&error) => return,
                    _ => drop(sb.invitations.pop_front()),
                }
            }
            let Some((handle, body)) = sb.backlog.front() else {
                return;
            };
            let handle = *handle;
            match submit(&mut sb.machine, self.now, body, &self.config) {
                Ok(trids) => {
                    sb.backlog.pop_front();
                    for trid in &trids {
                        sb.parts.insert(*trid, handle);
                    }
                    if let Some(message) = self.messages.get_mut(&handle) {
                        message.parts_left = trids.len();
                    }
                }
                Err(error) if fits_later(&error) => return,
                Err(error) => {
                    sb.backlog.pop_front();
                    self.fail_message(handle, Undelivered::Refused(error));
                }
            }
        }
    }

    /// Marks every message waiting on switchboard `id` as failed for `reason`; they end
    /// when the switchboard reports their parts (which leaving it does).
    pub(super) fn fail_parts(&mut self, id: ConnId, reason: Undelivered) {
        let Some(Connection::Switchboard(sb)) = self.conns.get_mut(id) else {
            return;
        };
        sb.backlog_failure.get_or_insert_with(|| reason.clone());
        for handle in sb.parts.values() {
            if let Some(message) = self.messages.get_mut(handle) {
                message.failure.get_or_insert_with(|| reason.clone());
            }
        }
    }

    pub(super) fn end_part(&mut self, handle: MessageHandle, end: PartEnd) {
        let Some(message) = self.messages.get_mut(&handle) else {
            return;
        };
        match end {
            PartEnd::Delivered => {}
            PartEnd::Unconfirmed => message.unconfirmed = true,
            PartEnd::Failed(reason) => {
                message.failure.get_or_insert(reason);
            }
        }
        message.parts_left = message.parts_left.saturating_sub(1);
        if message.parts_left == 0 {
            let end = match message.failure.take() {
                Some(reason) => PartEnd::Failed(reason),
                None if message.unconfirmed => PartEnd::Unconfirmed,
                None => PartEnd::Delivered,
            };
            self.end_message(handle, end);
        }
    }

    pub(super) fn end_message(&mut self, handle: MessageHandle, end: PartEnd) {
        self.messages.remove(&handle);
        self.emit(match end {
            PartEnd::Delivered => ClientEvent::MessageDelivered { handle },
            PartEnd::Unconfirmed => ClientEvent::MessageSentUnconfirmed { handle },
            PartEnd::Failed(reason) => ClientEvent::MessageNotDelivered { handle, reason },
        });
    }

    /// Ends a message that never reached a switchboard.
    pub(super) fn fail_message(&mut self, handle: MessageHandle, reason: Undelivered) {
        self.end_message(handle, PartEnd::Failed(reason));
    }

    /// The open conversation whose only other participant is `to`, or which was opened
    /// to invite `to` and is still waiting for them.
    pub(super) fn conversation_with(&self, to: &Passport<'_>) -> Option<ConnId> {
        self.conns.iter().find_map(|(id, conn)| match conn {
            Connection::Switchboard(sb) if !sb.machine.is_closed() => {
                let participants = sb.machine.participants();
                let only = participants.len() == 1 && participants[0].account.same_account(to);
                let waiting =
                    participants.is_empty() && sb.invitee.as_ref().is_some_and(|i| i.same_account(to));
                (only || waiting).then_some(id)
            }
            _ => None,
        })
    }

    /// The connection of `conversation`, unless its switchboard has ended (its end is
    /// then on the way to the caller, and calls on it are refused).
    pub(super) fn conn_of(&self, conversation: ConversationId) -> Option<ConnId> {
        self.conns.iter().find_map(|(id, conn)| match conn {
            Connection::Switchboard(sb) if sb.conversation == conversation && !sb.machine.is_closed() => {
                Some(id)
            }
            _ => None,
        })
    }

    pub(super) fn find_conversation(&self, conversation: ConversationId) -> Result<ConnId, ClientError> {
        self.conn_of(conversation).ok_or(ClientError::NoSuchConversation)
    }
}

/// Hands one message to a switchboard machine; the TrIDs of its parts.
fn submit(
    machine: &mut SwitchboardClient,
    now: Instant,
    body: &Body,
    config: &super::ClientConfig,
) -> Result<Vec<TrId>, SbError> {
    match body {
        Body::Text(text) => {
            machine.send_text(now, text, config.text_format.as_ref(), config.delivery.ack_mode())
        }
        Body::Payload { bytes, ack } => machine.send_message(now, bytes, *ack).map(|trid| vec![trid]),
    }
}

/// Whether a refused text would fit once messages in flight end: the window or the
/// output buffer is full now, but not with this text alone.
pub(super) fn fits_later(error: &SbError) -> bool {
    match error {
        SbError::TooManyPending { pending, .. } => *pending > 0,
        SbError::TransmitFull { buffered, .. } => *buffered > 0,
        _ => false,
    }
}
