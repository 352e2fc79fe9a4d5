//! [`SbEvent`]: what a switchboard session tells its caller.

use std::fmt;

use crate::codec::{DecodeError, ErrorCode, FriendlyName, OutReason, Passport, ServerCommand, Token, TrId};

use super::roster::Participant;
use crate::msg::{Invitation, TextFormat};

/// Something that happened in a switchboard session, taken from
/// [`SwitchboardClient::poll_output`](super::SwitchboardClient::poll_output).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SbEvent {
    // --- joining ---
    /// `USR T OK account name`: the cookie was accepted on a switchboard the user asked
    /// for; the user is alone until someone answers an [`invite`](super::SwitchboardClient::invite).
    Authenticated {
        /// The user's account, as the server spells it.
        account: Passport<'static>,
        /// The user's friendly name.
        name: FriendlyName<'static>,
    },
    /// `ANS T OK`: the user joined a switchboard it was invited into; these were there
    /// already (from the `IRO` lines, in the server's order).
    Roster {
        /// Everyone else in the session.
        participants: Vec<Participant>,
    },
    /// `CAL T RINGING session`: the invitation is on its way. The contact has not joined
    /// yet: [`SbEvent::ParticipantJoined`] follows when it does [HYP sb/miscellaneous].
    Ringing {
        /// The `CAL` request.
        trid: TrId,
        /// Who was invited.
        account: Passport<'static>,
        /// The switchboard session id.
        session: Token<'static>,
    },
    /// An invitation was refused with an error reply; the session goes on.
    InviteFailed {
        /// The `CAL` request.
        trid: TrId,
        /// Who was invited.
        account: Passport<'static>,
        /// What the server answered.
        reason: InviteFailure,
        /// The error code itself.
        code: ErrorCode,
    },

    // --- roster ---
    /// `JOI account name`: someone joined.
    ParticipantJoined {
        /// Who joined.
        participant: Participant,
    },
    /// `BYE account [1]`: someone left.
    ParticipantLeft {
        /// Who left.
        account: Passport<'static>,
        /// `BYE account 1`: the server dropped them for idleness, they did not leave
        /// [YW bye.md].
        idle: bool,
    },
    /// The last other participant left. Messages sent now wait (bounded) for someone to
    /// be invited back; the usual move is [`leave`](super::SwitchboardClient::leave)
    /// (reference §11.11).
    Alone,

    // --- incoming messages ---
    /// A `text/plain` instant message.
    Text {
        /// The sender.
        from: Passport<'static>,
        /// The sender's friendly name.
        name: FriendlyName<'static>,
        /// The text (line breaks are CR LF).
        text: String,
        /// Its `X-MMS-IM-Format`, if sent.
        format: Option<TextFormat<'static>>,
    },
    /// A `text/x-msmsgscontrol` typing notification.
    Typing {
        /// The sender of the notification.
        from: Passport<'static>,
        /// The `TypingUser` it names.
        user: String,
    },
    /// A `text/x-msmsgsinvite` message: an invitation (file transfer…) or a reply to one.
    Invitation {
        /// The sender.
        from: Passport<'static>,
        /// The sender's friendly name.
        name: FriendlyName<'static>,
        /// The invitation's fields.
        invitation: Invitation<'static>,
    },
    /// Any other message (or one whose typed view did not parse), payload untouched.
    Message {
        /// The sender.
        from: Passport<'static>,
        /// The sender's friendly name.
        name: FriendlyName<'static>,
        /// The whole MIME payload.
        payload: Vec<u8>,
    },

    // --- delivery: every tracked message ends in exactly one of these three ---
    /// The message went out but nobody will confirm it: mode `U` once its bytes were
    /// handed out in an [`Output::Transmit`](crate::Output) (the server never answers),
    /// mode `N` once [`SbConfig::nak_grace`](super::SbConfig::nak_grace) passed without
    /// `NAK`. Silence is not an acknowledgement, so this is never counted as delivered.
    SentUnconfirmed {
        /// The message's `MSG` transaction id.
        trid: TrId,
    },
    /// The peer acknowledged the message: `ACK`, which only mode `A` asks for.
    Delivered {
        /// The message's `MSG` transaction id.
        trid: TrId,
    },
    /// The message was not (or not knowably) delivered.
    NotDelivered {
        /// The message's `MSG` transaction id.
        trid: TrId,
        /// Why.
        reason: NotDelivered,
    },

    // --- other ---
    /// An error reply to a request other than `CAL`, or with no request to match.
    CommandFailed {
        /// The transaction id in the reply, if any.
        trid: Option<TrId>,
        /// The verb of the request it answers, when the machine sent it.
        request: Option<&'static str>,
        /// The error code.
        code: ErrorCode,
    },
    /// A command the switchboard role does not expect (an unknown verb, an `ACK` for a
    /// raw [`send_command`](super::SwitchboardClient::send_command) message…), passed on.
    Unhandled {
        /// The command.
        command: ServerCommand<'static>,
    },
    /// A server frame that could not be used was passed over (a known verb with malformed
    /// arguments, a payload over [`Limits::max_payload_len`](crate::codec::Limits)); the
    /// session goes on with the next frame.
    Skipped {
        /// Why. Its text never quotes the frame's arguments.
        error: DecodeError,
    },
    /// The session is over; nothing more will be sent or received. Always the last event.
    Closed {
        /// Why.
        reason: CloseReason,
    },
}

/// Why a tracked message ended without delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NotDelivered {
    /// The switchboard answered `NAK`.
    Nak,
    /// The switchboard answered with an error code.
    Rejected(ErrorCode),
    /// Mode `A`: no `ACK` within [`SbConfig::ack_timeout`](super::SbConfig::ack_timeout).
    TimedOut,
    /// The message was written but the session ended before its outcome was known.
    SessionClosed,
    /// The session ended while the message still waited to be written (queued before
    /// anyone joined, or not yet handed out); it never reached the server.
    NeverSent,
}

/// What an error reply to `CAL` means [HYP error_list; YW cal.md].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InviteFailure {
    /// 215: already invited, or already in the session.
    AlreadyThere,
    /// 216: the contact blocks the user (obsolete; servers now send 217).
    Blocked,
    /// 217: offline, unknown, or not accepting messages.
    Offline,
    /// 280: the switchboard failed.
    SwitchboardFailed,
    /// 208: the account is not a valid handle.
    InvalidAccount,
    /// 713: too many invitations to offline contacts; wait before the next.
    TooActive,
    /// Any other code.
    Other,
}

impl InviteFailure {
    /// The meaning of an error code answering `CAL`.
    pub fn from_code(code: ErrorCode) -> Self {
        match code.0 {
            215 => Self::AlreadyThere,
            216 => Self::Blocked,
            217 => Self::Offline,
            280 => Self::SwitchboardFailed,
            208 => Self::InvalidAccount,
            713 => Self::TooActive,
            _ => Self::Other,
        }
    }
}

/// Why the session ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CloseReason {
    /// The user called [`leave`](super::SwitchboardClient::leave) (`OUT` was queued).
    Left,
    /// The switchboard refused the cookie: an error reply to `USR` or `ANS`.
    AuthenticationFailed {
        /// The error code.
        code: ErrorCode,
    },
    /// The transport closed before `USR … OK` or `ANS … OK`.
    ClosedBeforeJoin,
    /// The transport closed.
    ConnectionLost,
    /// The server sent `OUT`.
    ServerOut {
        /// `OUT OTH` / `OUT SSD`, when typed.
        reason: Option<OutReason>,
    },
    /// The input stream could not be framed any more.
    Undecodable(DecodeError),
    /// The server broke the protocol; the stream cannot be trusted any more.
    ProtocolViolation(ProtocolViolation),
}

/// What the server did wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProtocolViolation {
    /// A command that cannot come in the session's current state.
    #[error("`{verb}` is not expected {state}")]
    Unexpected {
        /// The verb received.
        verb: &'static str,
        /// Where the machine was.
        state: &'static str,
    },
    /// More participants than [`SbConfig::max_participants`](super::SbConfig::max_participants).
    #[error("more than {max} participants")]
    TooManyParticipants {
        /// The limit.
        max: usize,
    },
}

// The sentences below are what a bot prints to a person ("the contact is offline"),
// so they name the situation, not the variant; codes keep their documented meaning.

impl fmt::Display for NotDelivered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Nak => f.write_str("the switchboard could not deliver the message"),
            Self::Rejected(code) => write!(f, "the switchboard refused the message: error {code}"),
            Self::TimedOut => f.write_str("no acknowledgement came in time"),
            Self::SessionClosed => f.write_str("the conversation ended before delivery was confirmed"),
            Self::NeverSent => f.write_str("the conversation ended before the message was sent"),
        }
    }
}

impl fmt::Display for InviteFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::AlreadyThere => "the contact is already in the conversation or invited",
            Self::Blocked => "the contact blocks you",
            Self::Offline => "the contact is offline or does not accept messages",
            Self::SwitchboardFailed => "the switchboard failed",
            Self::InvalidAccount => "the address is not a valid account",
            Self::TooActive => "too many invitations to offline contacts; wait before the next",
            Self::Other => "the switchboard refused the invitation",
        })
    }
}

impl fmt::Display for CloseReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Left => f.write_str("you left the conversation"),
            Self::AuthenticationFailed { code } => {
                write!(f, "the switchboard refused to let you in: error {code}")
            }
            Self::ClosedBeforeJoin => f.write_str("the switchboard connection closed before you joined"),
            Self::ConnectionLost => f.write_str("the switchboard connection was lost"),
            Self::ServerOut {
                reason: Some(OutReason::OtherLocation),
            } => f.write_str("signed in elsewhere"),
            Self::ServerOut {
                reason: Some(OutReason::ServerShutdown),
            } => f.write_str("the switchboard is shutting down"),
            Self::ServerOut { reason: None } => f.write_str("the switchboard ended the conversation"),
            Self::Undecodable(error) => write!(f, "the switchboard's data could not be read: {error}"),
            Self::ProtocolViolation(violation) => {
                write!(f, "the switchboard broke the protocol: {violation}")
            }
        }
    }
}
