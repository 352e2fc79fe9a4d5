//! What a [`Client`](super::Client) tells its caller: [`ClientOutput`] and [`ClientEvent`].

use std::fmt;
use std::time::Instant;

use super::{ConnId, HttpId, TransferFailure, TransferId};
use crate::codec::{
    AddPrompt, DecodeError, Dialect, ErrorCode, FriendlyName, GroupId, GroupName, HostPort, List, Passport,
    Privacy, Status, Token, TrId,
};
use crate::msg::{Invitation, TextFormat};
use crate::ns::{self, Phone};
use crate::presence::{CurrentMedia, MsnObject};
use crate::sb::{self, InviteFailure};

/// The next thing the [`Client`](super::Client) wants done. Drain
/// [`poll_output`](super::Client::poll_output) until it returns [`ClientOutput::Idle`].
///
/// A [`Transmit`](ClientOutput::Transmit) borrows the connection's output buffer inside
/// the `Client` (no fresh `Vec` per write): write or copy its bytes before the next
/// `poll_output`, which reuses the buffer. Commands issued on one connection since its
/// last transmit go out together, in order.
///
/// `Debug` shows a transmit's length and first verb only: the bytes carry the Passport
/// ticket, switchboard cookies and challenge answers.
// Outputs are moved once each; boxing events would allocate per event instead.
#[allow(clippy::large_enum_variant)]
pub enum ClientOutput<'a> {
    /// Open a TCP connection to `addr`, then report
    /// [`handle_connected`](super::Client::handle_connected) or
    /// [`handle_connect_failed`](super::Client::handle_connect_failed).
    Connect {
        /// The id to report it under.
        conn: ConnId,
        /// Where to connect.
        addr: HostPort<'static>,
    },
    /// Listen for one TCP connection from a peer, for an MSNFTP file the user sends
    /// ([`Client::send_file_msnftp`](super::Client::send_file_msnftp)): bind a socket on
    /// the local address that reaches `toward` (the conversation's switchboard server,
    /// whose other clients the peer is one of), report the address the peer is to
    /// connect to with [`handle_listening`](super::Client::handle_listening), then the
    /// first connection that arrives as `conn` with
    /// [`handle_connected`](super::Client::handle_connected) (its bytes and its end
    /// under `conn`, as for a connection the client asked for). Report
    /// [`handle_connect_failed`](super::Client::handle_connect_failed) if no socket can
    /// be bound. A [`Close`](ClientOutput::Close) of `conn` before anyone connected
    /// means stop listening.
    Listen {
        /// The id to report the listener's address and its connection under.
        conn: ConnId,
        /// The server the peer is reached through.
        toward: HostPort<'static>,
    },
    /// Write these bytes to `conn`, in order, before the next `poll_output`.
    Transmit {
        /// The connection.
        conn: ConnId,
        /// The bytes, lent until the next `poll_output`.
        bytes: &'a [u8],
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

impl fmt::Debug for ClientOutput<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientOutput::Connect { conn, addr } => f
                .debug_struct("Connect")
                .field("conn", conn)
                .field("addr", addr)
                .finish(),
            ClientOutput::Listen { conn, toward } => f
                .debug_struct("Listen")
                .field("conn", conn)
                .field("toward", toward)
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

/// A message given to [`send_message`](super::Client::send_message) (or
/// [`send_to_conversation`](super::Client::send_to_conversation),
/// [`send_payload`](super::Client::send_payload)…); it ends in exactly one
/// [`ClientEvent::MessageDelivered`], [`ClientEvent::MessageSentUnconfirmed`] or
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

impl fmt::Display for Undelivered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Switchboard(reason) => reason.fmt(f),
            Self::NoSwitchboard(code) => {
                write!(f, "the server would not open a conversation: error {code}")
            }
            Self::InviteFailed(reason) => reason.fmt(f),
            Self::NobodyJoined => f.write_str("nobody joined the conversation in time"),
            Self::ConnectionFailed => {
                f.write_str("the conversation's connection failed before anyone joined")
            }
            Self::SessionEnded => f.write_str("the session ended before the message went out"),
            Self::Refused(error) => write!(f, "the switchboard refused the message: {error}"),
        }
    }
}

/// Why the session ended ([`ClientEvent::SessionEnded`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CloseReason {
    /// The notification session ended: signed out, signed in elsewhere, the connection
    /// lost, the login refused…
    Notification(ns::CloseReason),
    /// Passport, which the `Client` runs itself, could not issue a ticket.
    Passport(PassportFailure),
}

impl CloseReason {
    /// The notification machine's reason, for matching on its details.
    pub fn notification(&self) -> Option<&ns::CloseReason> {
        match self {
            Self::Notification(reason) => Some(reason),
            Self::Passport(_) => None,
        }
    }
}

/// Why Passport could not sign the session in ([`CloseReason::Passport`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PassportFailure {
    /// The login server refused the e-mail address or the password.
    CredentialsRejected {
        /// The server's explanation, if it sent one.
        message: Option<String>,
    },
    /// No Passport server could be reached (refused, unresolved, a TLS failure…), in
    /// the HTTP transport's words.
    Unreachable {
        /// What the transport said.
        reason: String,
    },
    /// Passport did not answer within
    /// [`ClientConfig::passport_timeout`](super::ClientConfig::passport_timeout).
    TimedOut,
    /// The exchange went wrong otherwise: an unexpected status or header, a URL the
    /// policy refuses, too many redirects.
    Failed {
        /// What went wrong, as a sentence.
        reason: String,
    },
}

impl fmt::Display for PassportFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::CredentialsRejected { message: None } => f.write_str("Passport refused the credentials"),
            Self::CredentialsRejected { message: Some(m) } => {
                write!(f, "Passport refused the credentials: {m:?}")
            }
            Self::Unreachable { reason } => write!(f, "Passport could not be reached: {reason}"),
            Self::TimedOut => f.write_str("Passport did not answer in time"),
            Self::Failed { reason } => write!(f, "Passport login failed: {reason}"),
        }
    }
}

impl From<ns::CloseReason> for CloseReason {
    fn from(reason: ns::CloseReason) -> Self {
        Self::Notification(reason)
    }
}

impl fmt::Display for CloseReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Notification(reason) => reason.fmt(f),
            Self::Passport(failure) => failure.fmt(f),
        }
    }
}

/// Something that happened in the session, flat enough to match directly:
///
/// ```
/// # use msnp::client::ClientEvent;
/// fn on_event(event: &ClientEvent) {
///     match event {
///         ClientEvent::TextReceived { from, text, .. } => println!("{from}: {text}"),
///         ClientEvent::ContactOffline { account } => println!("{account} went offline"),
///         ClientEvent::SessionEnded { reason } => println!("bye: {reason}"),
///         _ => {}
///     }
/// }
/// ```
///
/// What a bot rarely needs (a referral answered, an unknown verb, a server message
/// with no typed view) comes as [`ClientEvent::Other`], described in words.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientEvent {
    // --- the session ---
    /// Signed in.
    LoggedIn {
        /// The account, as the server spells it.
        account: Passport<'static>,
        /// The user's friendly name. MSNP10+ servers send it with the list download
        /// ([`ClientEvent::NameChanged`] then brings it); until then the account
        /// stands in.
        name: FriendlyName<'static>,
        /// The protocol dialect the server chose
        /// ([`NsConfig::dialects`](crate::ns::NsConfig::dialects) lists those offered).
        dialect: Dialect,
    },
    /// The contact list is downloaded (or the saved one was current):
    /// [`Client::contact_list`](super::Client::contact_list) is complete.
    ListSynced {
        /// Contacts on any list.
        contacts: usize,
        /// Groups.
        groups: usize,
        /// The server said the kept list
        /// ([`ClientConfig::contact_list`](super::ClientConfig::contact_list)) was
        /// current; nothing was downloaded.
        from_cache: bool,
    },
    /// The user's own status changed (the server confirmed
    /// [`set_status`](super::Client::set_status), or changed it itself).
    StatusChanged {
        /// The new status.
        status: Status,
    },
    /// The user's own friendly name changed.
    NameChanged {
        /// The new name.
        name: FriendlyName<'static>,
    },
    /// The session is over: every connection is closed. Always the last event.
    SessionEnded {
        /// Why.
        reason: CloseReason,
    },

    // --- contacts ---
    /// A contact came online or changed status or name.
    ContactPresence {
        /// The contact.
        account: Passport<'static>,
        /// Their friendly name.
        name: FriendlyName<'static>,
        /// Their status.
        status: Status,
    },
    /// A contact went offline.
    ContactOffline {
        /// The contact.
        account: Passport<'static>,
    },
    /// Someone added the user to their contact list.
    AddedBy {
        /// Who.
        account: Passport<'static>,
        /// Their friendly name.
        name: FriendlyName<'static>,
    },
    /// Someone removed the user from their contact list.
    RemovedBy {
        /// Who.
        account: Passport<'static>,
    },
    /// The server confirmed that a contact was put on a list.
    ContactAdded {
        /// The contact.
        account: Passport<'static>,
        /// The name stored for them.
        name: FriendlyName<'static>,
        /// Which list.
        list: List,
        /// The group, on the forward list.
        group: Option<GroupId>,
    },
    /// The server confirmed that a contact was taken off a list (or, with a group,
    /// only out of that group).
    ContactRemoved {
        /// The contact.
        account: Passport<'static>,
        /// Which list.
        list: List,
        /// Only out of this group.
        group: Option<GroupId>,
    },
    /// The name stored for a contact changed.
    ContactRenamed {
        /// The contact.
        account: Passport<'static>,
        /// The new name.
        name: FriendlyName<'static>,
    },
    /// A contact's phone number changed; `None` when cleared.
    ContactPhoneChanged {
        /// The contact.
        account: Passport<'static>,
        /// Which number.
        phone: Phone,
        /// The percent-encoded value.
        value: Option<FriendlyName<'static>>,
    },
    /// One of the user's own phone numbers changed; `None` when cleared.
    PhoneChanged {
        /// Which number.
        phone: Phone,
        /// The percent-encoded value.
        value: Option<FriendlyName<'static>>,
    },
    /// A group was created.
    GroupAdded {
        /// Its id.
        group: GroupId,
        /// Its name.
        name: GroupName<'static>,
    },
    /// A group was deleted.
    GroupRemoved {
        /// Its id.
        group: GroupId,
    },
    /// A group was renamed.
    GroupRenamed {
        /// Its id.
        group: GroupId,
        /// Its new name.
        name: GroupName<'static>,
    },
    /// Who may reach the user when on neither the allow nor the block list.
    PrivacyChanged {
        /// The setting.
        privacy: Privacy,
    },
    /// Whether the user is asked when someone adds them.
    AddPromptChanged {
        /// The setting.
        prompt: AddPrompt,
    },
    /// The mailbox's unread counts, sent after sign-in.
    UnreadMail {
        /// Unread messages in the inbox.
        inbox: u32,
        /// Unread messages in other folders, when told.
        folders: Option<u32>,
    },
    /// New mail arrived.
    NewMail {
        /// The sender's name, when told.
        from: Option<String>,
        /// The sender's address, when told.
        address: Option<String>,
        /// The subject, when told.
        subject: Option<String>,
    },

    // --- conversations ---
    /// A conversation started: one the user asked for, or an invitation accepted.
    ConversationStarted {
        /// The conversation.
        conversation: ConversationId,
        /// Who invited the user, for accepted invitations.
        invited_by: Option<Passport<'static>>,
    },
    /// An invitation into a conversation was declined by the
    /// [`InvitationPolicy`](super::InvitationPolicy) or
    /// [`ClientConfig::max_switchboards`](super::ClientConfig::max_switchboards).
    ConversationDeclined {
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
    /// Someone could not be invited into a conversation.
    InviteFailed {
        /// The conversation.
        conversation: ConversationId,
        /// Who.
        account: Passport<'static>,
        /// Why.
        reason: InviteFailure,
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
    /// An invitation to an application (a file transfer, …) or a reply to one. Decline
    /// it with [`decline_invitation`](super::Client::decline_invitation); other replies
    /// (an [`Invitation::accept`]) go out with
    /// [`send_invitation`](super::Client::send_invitation).
    InvitationReceived {
        /// The conversation.
        conversation: ConversationId,
        /// The sender.
        from: Passport<'static>,
        /// The sender's friendly name.
        name: FriendlyName<'static>,
        /// Its fields; [`Invitation::cookie`] names it in replies.
        invitation: Invitation<'static>,
    },
    /// A message of another kind (or one whose typed view did not parse); read it with
    /// [`crate::msg::Message`].
    MessageReceived {
        /// The conversation.
        conversation: ConversationId,
        /// The sender.
        from: Passport<'static>,
        /// The whole MIME payload.
        payload: Vec<u8>,
    },
    /// A conversation ended; its connection is closed.
    ConversationEnded {
        /// The conversation.
        conversation: ConversationId,
        /// Why.
        reason: sb::CloseReason,
    },

    // --- the user's messages: each ends in exactly one of these three ---
    /// Every part of the message was acknowledged ([`Delivery::Acknowledged`](super::Delivery)).
    MessageDelivered {
        /// The message.
        handle: MessageHandle,
    },
    /// The message went out, but no acknowledgement was asked for
    /// ([`Delivery::Unconfirmed`](super::Delivery), or
    /// [`Delivery::FailuresOnly`](super::Delivery) once its grace passed without a
    /// failure): whether anyone got it is not known. Never reported as delivered.
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

    // --- diagnostics ---
    /// A server refused a request with an error code, on the notification connection
    /// (`conversation` is `None`) or in a conversation; or sent an error that answers
    /// no request (`request` is `None`).
    CommandFailed {
        /// The conversation, for a switchboard's error.
        conversation: Option<ConversationId>,
        /// The transaction id in the reply, as the call that sent the request returned it.
        trid: Option<TrId>,
        /// The verb of the request it answered, when there was one.
        request: Option<String>,
        /// The server's code; its `Display` says what it means.
        code: ErrorCode,
    },
    /// A server frame that could not be used was passed over; the session goes on.
    Skipped {
        /// The conversation, for a switchboard's frame.
        conversation: Option<ConversationId>,
        /// Why. Its text never quotes the frame's arguments.
        error: DecodeError,
    },
    /// Anything else a server said, described in words (never with credentials or
    /// payload bytes): a profile or system message, an unknown verb, an invitation
    /// ringing, …
    Other {
        /// The conversation, for a switchboard's.
        conversation: Option<ConversationId>,
        /// What happened.
        description: String,
    },

    // --- personal messages and display pictures (MSNP9+) ---
    /// The server stored the user's own personal message and media
    /// ([`Client::set_personal_message`](super::Client::set_personal_message),
    /// [`Client::set_current_media`](super::Client::set_current_media); MSNP11+).
    PersonalMessageChanged {
        /// The personal message; empty for none.
        message: String,
        /// What the user is playing, shown beside it.
        media: Option<CurrentMedia>,
    },
    /// A contact shows another personal message or current media (MSNP11+).
    ContactPersonalMessage {
        /// The contact.
        account: Passport<'static>,
        /// Their personal message; empty for none.
        message: String,
        /// What they are playing.
        media: Option<CurrentMedia>,
    },
    /// A contact online shows another display picture, or none (MSNP9+). The object
    /// names the picture (its size and SHA-1); fetching it is a P2P transfer.
    ContactDisplayPicture {
        /// The contact.
        account: Passport<'static>,
        /// The picture's MSNObject; `None` for none.
        object: Option<MsnObject>,
    },

    // --- transfers: each ends in exactly one TransferEnded ---
    /// A contact offers a file: answer with
    /// [`accept_transfer`](super::Client::accept_transfer) or
    /// [`decline_transfer`](super::Client::decline_transfer).
    TransferOffered {
        /// The transfer.
        id: TransferId,
        /// Who offers it.
        from: Passport<'static>,
        /// The file's name, as the sender gave it (no path).
        name: String,
        /// Its size in bytes.
        size: u64,
    },
    /// The peer accepted a transfer the user started (a file offered, a picture asked
    /// for): its data moves now.
    TransferAccepted {
        /// The transfer.
        id: TransferId,
    },
    /// Bytes done of total, after each piece sent or received.
    TransferProgress {
        /// The transfer.
        id: TransferId,
        /// Bytes sent or received so far.
        done: u64,
        /// Bytes in all.
        total: u64,
    },
    /// The next bytes of a file being received, in order (one P2P chunk at most,
    /// [`MAX_CHUNK_LEN`](crate::p2p::MAX_CHUNK_LEN) bytes).
    TransferData {
        /// The transfer.
        id: TransferId,
        /// The bytes.
        bytes: Vec<u8>,
    },
    /// A display picture asked for with
    /// [`request_display_picture`](super::Client::request_display_picture) arrived
    /// whole and matches its MSNObject's `SHA1D`; its `TransferEnded` follows.
    DisplayPicture {
        /// The transfer.
        id: TransferId,
        /// Whose picture.
        from: Passport<'static>,
        /// The MSNObject it was asked for by.
        object: MsnObject,
        /// The picture's bytes.
        data: Vec<u8>,
    },
    /// A transfer ended: with the byte count, or why not. Exactly once per transfer.
    TransferEnded {
        /// The transfer.
        id: TransferId,
        /// The bytes transferred, or the failure.
        result: Result<u64, TransferFailure>,
    },
}
