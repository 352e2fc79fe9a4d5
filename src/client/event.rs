//! What a [`Client`](super::Client) tells its caller: [`ClientOutput`] and [`ClientEvent`].

use std::fmt;
use std::time::Instant;

use super::{ConnId, HttpId};
use crate::codec::{ErrorCode, FriendlyName, HostPort, Passport, Token};
use crate::msg::TextFormat;
use crate::ns::{self, NsEvent};
use crate::sb::{self, InviteFailure, SbEvent};

/// The next thing the [`Client`](super::Client) wants done. Drain
/// [`poll_output`](super::Client::poll_output) until it returns [`ClientOutput::Idle`].
///
/// `Debug` shows a transmit's length and first verb only: the bytes carry the Passport
/// ticket, switchboard cookies and challenge answers.
// Outputs are moved once each; boxing events would allocate per event instead.
#[allow(clippy::large_enum_variant)]
pub enum ClientOutput {
    /// Open a TCP connection to `addr`, then report
    /// [`handle_connected`](super::Client::handle_connected) or
    /// [`handle_connect_failed`](super::Client::handle_connect_failed).
    Connect {
        /// The id to report it under.
        conn: ConnId,
        /// Where to connect.
        addr: HostPort<'static>,
    },
    /// Write these bytes to `conn`, in order.
    Transmit {
        /// The connection.
        conn: ConnId,
        /// The bytes.
        bytes: Vec<u8>,
    },
    /// Close `conn`; the client has forgotten it.
    Close {
        /// The connection.
        conn: ConnId,
    },
    /// Perform this Passport HTTP `GET` exactly as given (its URL and every header;
    /// don't follow redirects, the client does), then report
    /// [`handle_http_response`](super::Client::handle_http_response) or
    /// [`handle_http_failed`](super::Client::handle_http_failed) under `id`. The URL is
    /// `https` unless [`PassportConfig::allow_http`](crate::passport::PassportConfig::allow_http)
    /// allowed plain HTTP at its origin. Its `Authorization` header carries the
    /// password: never log it.
    HttpRequest {
        /// The id to report the answer under.
        id: HttpId,
        /// The request.
        request: crate::passport::HttpRequest,
    },
    /// Something happened.
    Event(ClientEvent),
    /// Nothing to do until input arrives or `next_timeout` passes.
    Idle {
        /// When to call [`handle_timeout`](super::Client::handle_timeout).
        next_timeout: Option<Instant>,
    },
}

impl fmt::Debug for ClientOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientOutput::Connect { conn, addr } => f
                .debug_struct("Connect")
                .field("conn", conn)
                .field("addr", addr)
                .finish(),
            ClientOutput::Transmit { conn, bytes } => f
                .debug_struct("Transmit")
                .field("conn", conn)
                .field("bytes", &crate::output::Wire(bytes))
                .finish(),
            ClientOutput::Close { conn } => f.debug_struct("Close").field("conn", conn).finish(),
            ClientOutput::HttpRequest { id, request } => f
                .debug_struct("HttpRequest")
                .field("id", id)
                .field("request", request)
                .finish(),
            ClientOutput::Event(event) => f.debug_tuple("Event").field(event).finish(),
            ClientOutput::Idle { next_timeout } => f
                .debug_struct("Idle")
                .field("next_timeout", next_timeout)
                .finish(),
        }
    }
}

/// A conversation: one switchboard session, with one or more other people.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConversationId(pub(crate) u64);

/// A message given to [`send_message`](super::Client::send_message); it ends in exactly
/// one [`ClientEvent::MessageDelivered`], [`ClientEvent::MessageSentUnconfirmed`] or
/// [`ClientEvent::MessageNotDelivered`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MessageHandle(pub(crate) u64);

/// Why a message was not delivered.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Undelivered {
    /// The switchboard reported it (NAK, error reply, no acknowledgement in time, the
    /// session ended).
    Switchboard(sb::NotDelivered),
    /// The notification server would not open a switchboard (`XFR SB` answered with an
    /// error, e.g. 913 while hidden).
    NoSwitchboard(ErrorCode),
    /// The recipient could not be invited (offline, blocking, unknown).
    InviteFailed(InviteFailure),
    /// Nobody joined the conversation within
    /// [`ClientConfig::join_timeout`](super::ClientConfig::join_timeout).
    NobodyJoined,
    /// The switchboard connection could not be opened, or closed before joining.
    ConnectionFailed,
    /// The session ended before the message could go out.
    SessionEnded,
    /// The switchboard refused the text even with nothing else in flight (e.g. split
    /// into more messages than [`SbConfig::max_pending`](crate::sb::SbConfig::max_pending)).
    Refused(sb::SbError),
}

/// Something that happened in the session.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientEvent {
    /// Signed in.
    LoggedIn {
        /// The account, as the server spells it.
        account: Passport<'static>,
        /// The user's friendly name.
        name: FriendlyName<'static>,
    },
    /// Anything else the notification server said: presence, list changes, mail, …
    Notification(NsEvent),
    /// A conversation started: one the user asked for, or an invitation accepted.
    ConversationStarted {
        /// The conversation.
        conversation: ConversationId,
        /// Who invited the user, for accepted invitations.
        invited_by: Option<Passport<'static>>,
    },
    /// An invitation was declined by the [`InvitationPolicy`](super::InvitationPolicy).
    InvitationDeclined {
        /// Who invited.
        from: Passport<'static>,
        /// The switchboard session id.
        session: Token<'static>,
    },
    /// Someone joined a conversation.
    Joined {
        /// The conversation.
        conversation: ConversationId,
        /// Who.
        account: Passport<'static>,
        /// Their friendly name.
        name: FriendlyName<'static>,
    },
    /// Someone left a conversation (`idle`: dropped by the server).
    Left {
        /// The conversation.
        conversation: ConversationId,
        /// Who.
        account: Passport<'static>,
        /// Dropped for idleness.
        idle: bool,
    },
    /// A text message arrived.
    TextReceived {
        /// The conversation.
        conversation: ConversationId,
        /// The sender.
        from: Passport<'static>,
        /// The sender's friendly name.
        name: FriendlyName<'static>,
        /// The text.
        text: String,
        /// Its font, colour and effects.
        format: Option<TextFormat<'static>>,
    },
    /// Someone is typing.
    Typing {
        /// The conversation.
        conversation: ConversationId,
        /// Who.
        from: Passport<'static>,
    },
    /// Anything else a switchboard said: invitations, raw payloads, failed commands.
    Switchboard {
        /// The conversation.
        conversation: ConversationId,
        /// What happened.
        event: SbEvent,
    },
    /// Every part of the message was acknowledged (`ACK`, asked for with
    /// [`AckMode::Always`](crate::codec::AckMode)).
    MessageDelivered {
        /// The message.
        handle: MessageHandle,
    },
    /// The message went out, but no acknowledgement was asked for
    /// ([`AckMode::Unacknowledged`](crate::codec::AckMode), or
    /// [`AckMode::NegativeOnly`](crate::codec::AckMode) once its grace passed without
    /// `NAK`): whether anyone got it is not known. Never reported as delivered.
    MessageSentUnconfirmed {
        /// The message.
        handle: MessageHandle,
    },
    /// A message did not reach its recipients.
    MessageNotDelivered {
        /// The message.
        handle: MessageHandle,
        /// Why.
        reason: Undelivered,
    },
    /// A conversation ended; its connection is closed.
    ConversationEnded {
        /// The conversation.
        conversation: ConversationId,
        /// Why.
        reason: sb::CloseReason,
    },
    /// The session is over: every connection is closed. Always the last event.
    Closed {
        /// Why.
        reason: ns::CloseReason,
    },
}
