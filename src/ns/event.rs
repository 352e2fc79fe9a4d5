//! [`NsEvent`]: what the notification machine tells its caller.

use std::fmt;

use super::Phone;
use crate::Secret;
use crate::codec::{
    AddPrompt, ClientCaps, ClientCommand, DecodeError, Dialect, ErrorCode, FriendlyName, GroupId, GroupName,
    HostPort, List, Passport, Privacy, RawCommand, ServerCommand, Status, Token, TrId,
};
use crate::msg::{EmailNotification, InitialEmailNotification, Profile};
use crate::presence::{MsnObject, PersonalStatus};

/// Something the notification server said or did, in the order it happened.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NsEvent {
    /// The server refers the login to another server (`XFR … NS`). Close this
    /// connection, connect to `addr`, then call
    /// [`handle_connected`](super::NotificationClient::handle_connected).
    Redirect {
        /// Where to connect.
        addr: HostPort<'static>,
    },
    /// Passport 1.4 must issue a ticket for these opaque arguments (`USR T TWN S …`):
    /// run `msnp::passport` with them, then call
    /// [`submit_ticket`](super::NotificationClient::submit_ticket) or
    /// [`passport_failed`](super::NotificationClient::passport_failed).
    PassportRequired {
        /// The `lc=…,id=…,…` arguments, verbatim.
        challenge: String,
    },
    /// Signed in (`USR … OK`).
    LoggedIn {
        /// The account, as the server spells it.
        account: Passport<'static>,
        /// The user's friendly name. MSNP10+ servers send it later, in the list
        /// download (`PRP MFN`); until then the account stands in, as it does for an
        /// account that never set a name.
        name: FriendlyName<'static>,
        /// Whether the Passport's e-mail address is verified.
        verified: bool,
        /// MSNP8's restricted flag: the official client signs out when set [YW usr.md].
        restricted: bool,
        /// The dialect the session speaks, chosen from the server's `VER` reply. An
        /// MSNP7 login ([`NsConfig::md5_password`](super::NsConfig::md5_password))
        /// reports MSNP8, whose grammar the machine then speaks.
        dialect: Dialect,
    },
    /// A `SYN` finished: the [`ContactList`](super::ContactList) is current.
    ListSynced {
        /// The list version.
        version: u32,
        /// Contacts on any list.
        contacts: usize,
        /// Groups.
        groups: usize,
        /// The server said the cached list was current; nothing was downloaded.
        from_cache: bool,
    },
    /// The server confirmed a change of the lists or settings (or, with TrID 0, made
    /// one itself).
    ListChanged {
        /// The request it answers, or 0.
        trid: TrId,
        /// The list version after the change.
        version: u32,
        /// What changed.
        change: ListChange,
    },
    /// Someone put the user on their forward list (`ADD 0 RL`).
    AddedBy {
        /// Who.
        account: Passport<'static>,
        /// Their friendly name.
        name: FriendlyName<'static>,
        /// The list version after the change.
        version: u32,
    },
    /// Someone took the user off their forward list (`REM 0 RL`).
    RemovedBy {
        /// Who.
        account: Passport<'static>,
        /// The list version after the change.
        version: u32,
    },
    /// The user's own status is now `status` (`CHG` echo, or TrID 0 from the server).
    StatusChanged {
        /// The request it answers, or 0.
        trid: TrId,
        /// The new status.
        status: Status,
    },
    /// A contact is online or changed status (`ILN` after `CHG`/`ADD`, or `NLN`).
    ContactPresence {
        /// The contact.
        account: Passport<'static>,
        /// The status.
        status: Status,
        /// Their friendly name.
        name: FriendlyName<'static>,
        /// Their capability bits.
        caps: Option<ClientCaps>,
    },
    /// A contact went offline (`FLN`).
    ContactOffline {
        /// The contact.
        account: Passport<'static>,
    },
    /// The profile message sent right after login (`text/x-msmsgsprofile`);
    /// `MSPAuth` stays a [`Secret`].
    Profile(Profile<'static>),
    /// The unread-mail count sent after login
    /// (`text/x-msmsgsinitialemailnotification`).
    InitialEmail(InitialEmailNotification<'static>),
    /// New mail arrived (`text/x-msmsgsemailnotification`).
    NewEmail(EmailNotification<'static>),
    /// Any other `MSG` from the server (active-mail and system messages, or a payload
    /// that could not be read): parse `payload` with [`crate::msg::Message`].
    ///
    /// A payload that may hold the profile's secrets is withheld (`payload` is empty):
    /// a profile that does not parse, or bytes that are no MIME message at all.
    ServerMessage {
        /// The `Content-Type` header, if any.
        content_type: Option<String>,
        /// The whole MIME payload, or nothing when withheld.
        payload: Vec<u8>,
    },
    /// An MSN Alerts notification (`NOT`), XML.
    Notification {
        /// The payload.
        payload: Vec<u8>,
    },
    /// An incoming page (`IPG`).
    Page {
        /// The payload.
        payload: Vec<u8>,
    },
    /// A switchboard asked for with
    /// [`request_switchboard`](super::NotificationClient::request_switchboard) is ready.
    SwitchboardReady {
        /// The request it answers.
        trid: TrId,
        /// Where to connect.
        addr: HostPort<'static>,
        /// The cookie for the switchboard's `USR`.
        cookie: Secret<Token<'static>>,
    },
    /// Someone invites the user into a switchboard (`RNG`).
    SwitchboardInvite {
        /// The session id for `ANS`.
        session: Token<'static>,
        /// Where to connect.
        addr: HostPort<'static>,
        /// The cookie for `ANS`.
        cookie: Secret<Token<'static>>,
        /// Who invites.
        from: Passport<'static>,
        /// Their friendly name.
        name: FriendlyName<'static>,
    },
    /// The server refused a request with an error code.
    CommandFailed {
        /// The request's TrID.
        trid: TrId,
        /// The request as it was sent (secrets still wrapped).
        request: ClientCommand<'static>,
        /// The server's code; [`ErrorCode::meaning`] says what it means.
        code: ErrorCode,
    },
    /// An error reply that answers no outstanding request (none, or an unknown TrID):
    /// a session-level error [DRAFT §7.11; TW gotError].
    ServerError {
        /// The code.
        code: ErrorCode,
        /// The TrID it carried, if any.
        trid: Option<TrId>,
    },
    /// The reply to a request sent with
    /// [`send_command`](super::NotificationClient::send_command) that the machine does
    /// not model (`URL`, …).
    Reply {
        /// The request's TrID.
        trid: TrId,
        /// The reply.
        reply: ServerCommand<'static>,
    },
    /// A command of a verb the codec does not know, delivered as it came.
    Unknown(RawCommand<'static>),
    /// A frame that could not be used and was skipped (a malformed line, a payload
    /// over the limit); the session goes on.
    Skipped {
        /// Why.
        error: DecodeError,
    },
    /// The session is over; close the connection. Always the last event.
    Closed {
        /// Why.
        reason: CloseReason,
    },
    /// A contact online shows another display picture, or none (`ILN`/`NLN` with an
    /// MSNObject, MSNP9+; `<msnobj/>`, a missing or an unreadable object is none).
    /// Only changes are reported.
    ContactMsnObject {
        /// The contact.
        account: Passport<'static>,
        /// Their picture's MSNObject; `None` for none.
        object: Option<MsnObject>,
    },
    /// A contact shows another personal message or current media (`UBX`, MSNP11+).
    /// Only changes are reported.
    ContactPersonalStatus {
        /// The contact.
        account: Passport<'static>,
        /// Their personal message and media.
        status: PersonalStatus,
    },
    /// The server stored the personal message sent with
    /// [`set_personal_status`](super::NotificationClient::set_personal_status)
    /// (`UUX T 0`).
    PersonalStatusSet {
        /// The request it answers.
        trid: TrId,
        /// What that request set.
        status: PersonalStatus,
    },
    /// A configuration file (`GCF`, MSNP11+), asked for with
    /// [`request_config`](super::NotificationClient::request_config) or sent unasked
    /// (TrID 0).
    ConfigFile {
        /// The request it answers, or 0.
        trid: TrId,
        /// The file's name (`Shields.xml`).
        file: Token<'static>,
        /// The file, as sent.
        payload: Vec<u8>,
    },
}

/// A change of the lists or settings confirmed by the server.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ListChange {
    /// `ADD`: on `list` (and in `group`).
    Added {
        /// The list.
        list: List,
        /// The contact.
        account: Passport<'static>,
        /// The stored name.
        name: FriendlyName<'static>,
        /// The group, for the forward list.
        group: Option<GroupId>,
    },
    /// `REM`: off `list`, or only out of `group`.
    Removed {
        /// The list.
        list: List,
        /// The contact.
        account: Passport<'static>,
        /// Only out of this group.
        group: Option<GroupId>,
    },
    /// `REA`: a contact's stored name, or the user's own friendly name.
    Renamed {
        /// Whose name.
        account: Passport<'static>,
        /// The new name.
        name: FriendlyName<'static>,
    },
    /// `ADG`: a group was created.
    GroupAdded {
        /// Its id.
        group: GroupId,
        /// Its name.
        name: GroupName<'static>,
    },
    /// `RMG`: a group was deleted.
    GroupRemoved {
        /// Its id.
        group: GroupId,
    },
    /// `REG`: a group was renamed.
    GroupRenamed {
        /// Its id.
        group: GroupId,
        /// Its new name.
        name: GroupName<'static>,
    },
    /// `GTC`.
    AddPrompt(AddPrompt),
    /// `BLP`.
    Privacy(Privacy),
    /// `PRP`: one of the user's phone properties, now kept in the
    /// [`ContactList`](super::ContactList); `None` when cleared.
    OwnPhone {
        /// Which one.
        phone: Phone,
        /// The percent-encoded value.
        value: Option<FriendlyName<'static>>,
    },
    /// `BPR`: one of a contact's phone properties, now kept in the
    /// [`ContactList`](super::ContactList); `None` when cleared.
    ContactPhone {
        /// The contact.
        account: Passport<'static>,
        /// Which one.
        phone: Phone,
        /// The percent-encoded value.
        value: Option<FriendlyName<'static>>,
    },
    /// `PRP` of a property that is no [`Phone`] (MSNP10's `MFN`, or one this crate
    /// does not know): reported, not kept.
    OwnProperty {
        /// The property's code.
        property: Token<'static>,
        /// The percent-encoded value.
        value: Option<FriendlyName<'static>>,
    },
    /// `BPR` of a property that is no [`Phone`]: reported, not kept.
    ContactProperty {
        /// The contact.
        account: Passport<'static>,
        /// The property's code.
        property: Token<'static>,
        /// The percent-encoded value.
        value: Option<FriendlyName<'static>>,
    },
}

/// Why a session ended. Its `Display` is a sentence a person understands ("signed in
/// elsewhere", "wrong e-mail address or password"), fit for a bot's log or its user.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CloseReason {
    /// [`logout`](super::NotificationClient::logout) was called.
    LoggedOut,
    /// `OUT OTH`: the account signed in from another place.
    SignedInElsewhere,
    /// `OUT SSD`: the server is shutting down.
    ServerShutdown,
    /// `OUT` without a known reason (after a missed challenge, say).
    ServerClosed {
        /// The word after `OUT`, if any.
        reason: Option<String>,
    },
    /// The connection ended without `OUT`.
    ConnectionLost,
    /// The server speaks none of the offered dialects (`VER T 0`).
    VersionRefused,
    /// The server refused the login (`USR`) with an error: 911 authentication failed,
    /// 923/924 account problems, 931 wrong server, 6xx/9xx busy.
    AuthenticationFailed {
        /// The code.
        code: ErrorCode,
    },
    /// The server refused an earlier login step (`VER`, `CVR`, `INF`).
    LoginRejected {
        /// The code.
        code: ErrorCode,
    },
    /// The caller reported that Passport failed; its `Display` is the caller's reason,
    /// which should be a sentence that names Passport.
    PassportFailed {
        /// The caller's words.
        reason: String,
    },
    /// More referrals than [`NsConfig::max_redirects`](super::NsConfig::max_redirects).
    TooManyRedirects {
        /// The limit.
        max: u8,
    },
    /// The server did not answer `PNG` in time.
    KeepAliveTimedOut,
    /// The server did not answer a request in time.
    CommandTimedOut {
        /// The request's TrID.
        trid: TrId,
        /// The request.
        request: ClientCommand<'static>,
    },
    /// The input stream could not be framed any more.
    Undecodable(DecodeError),
    /// The server made the machine reach one of its bounds (see [`Limit`]).
    LimitReached {
        /// Which bound.
        limit: Limit,
        /// Its value in the configuration.
        max: usize,
    },
    /// The server sent something that has no place here.
    ProtocolViolation {
        /// What was wrong.
        reason: &'static str,
        /// The command's verb.
        verb: String,
    },
    /// `OUT RCT <minutes>` (MSNP11+): the server closes the connection and asks to be
    /// reconnected to after that many minutes [YW msnp11].
    ReconnectLater {
        /// How long to wait before signing in again.
        minutes: u32,
    },
}

/// A bound of [`NsConfig`](super::NsConfig) the server made the machine reach. Its
/// `Display` says what there was too much of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Limit {
    /// [`NsConfig::max_open_challenges`](super::NsConfig::max_open_challenges).
    OpenChallenges,
    /// [`NsConfig::max_contacts`](super::NsConfig::max_contacts), by an `ADD`.
    Contacts,
    /// [`NsConfig::max_contact_list_bytes`](super::NsConfig::max_contact_list_bytes).
    ContactListBytes,
    /// [`MAX_GROUPS_PER_CONTACT`](super::MAX_GROUPS_PER_CONTACT), by an `ADD`.
    GroupsPerContact,
    /// [`NsConfig::max_groups`](super::NsConfig::max_groups), by a `REG` of a new group.
    Groups,
    /// [`NsConfig::max_presence_bytes`](super::NsConfig::max_presence_bytes).
    PresenceBytes,
}

impl fmt::Display for CloseReason {
    /// A sentence for a person: "signed in elsewhere", not `SignedInElsewhere`. It names
    /// a request by its verb only, never its arguments (a ticket may be among them).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CloseReason::LoggedOut => f.write_str("signed out"),
            CloseReason::SignedInElsewhere => f.write_str("signed in elsewhere"),
            CloseReason::ServerShutdown => f.write_str("the server is shutting down"),
            CloseReason::ServerClosed { reason: None } => f.write_str("the server ended the session"),
            CloseReason::ServerClosed { reason: Some(reason) } => {
                write!(f, "the server ended the session (OUT {reason})")
            }
            CloseReason::ConnectionLost => f.write_str("the connection to the server was lost"),
            CloseReason::VersionRefused => {
                f.write_str("the server speaks none of the protocol versions offered")
            }
            CloseReason::AuthenticationFailed { code } if wrong_credentials(*code) => {
                f.write_str("wrong e-mail address or password")
            }
            CloseReason::AuthenticationFailed { code } => {
                write!(f, "the server refused the sign-in: error {code}")
            }
            CloseReason::LoginRejected { code } => {
                write!(f, "the server refused the login: error {code}")
            }
            // The reason is the caller's sentence about Passport, shown as it is.
            CloseReason::PassportFailed { reason } => f.write_str(reason),
            CloseReason::TooManyRedirects { max } => {
                write!(f, "the server referred the login elsewhere more than {max} times")
            }
            CloseReason::KeepAliveTimedOut => f.write_str("no reply from the server (keep-alive timed out)"),
            CloseReason::CommandTimedOut { trid, request } => write!(
                f,
                "no reply from the server to {} (request {trid}) in time",
                request.verb()
            ),
            CloseReason::Undecodable(error) => {
                write!(f, "the server sent data that cannot be read: {error}")
            }
            CloseReason::LimitReached { limit, max } => {
                write!(f, "the server went past a limit: {limit} (at most {max})")
            }
            CloseReason::ProtocolViolation { reason, verb } => {
                write!(f, "the server broke the protocol: {reason} ({verb})")
            }
            CloseReason::ReconnectLater { minutes: 1 } => {
                f.write_str("the server ended the session and asks to reconnect in 1 minute")
            }
            CloseReason::ReconnectLater { minutes } => {
                write!(
                    f,
                    "the server ended the session and asks to reconnect in {minutes} minutes"
                )
            }
        }
    }
}

impl std::error::Error for CloseReason {}

/// 911 and 917 are what a wrong password or unknown account gets [reference §9].
fn wrong_credentials(code: ErrorCode) -> bool {
    matches!(code.0, 911 | 917)
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Limit::OpenChallenges => "too many challenges awaiting their acknowledgement",
            Limit::Contacts => "too many contacts",
            Limit::ContactListBytes => "too many bytes in the contact list",
            Limit::GroupsPerContact => "one contact in too many groups",
            Limit::Groups => "too many groups",
            Limit::PresenceBytes => "too many bytes of personal messages and display pictures",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Secret;

    /// Every variant, spelled out with no wildcard, so that a new one cannot go without
    /// its sentence in the test below.
    fn every_close_reason() -> Vec<(CloseReason, &'static str)> {
        use CloseReason::*;
        let all = vec![
            (LoggedOut, "signed out"),
            (SignedInElsewhere, "signed in elsewhere"),
            (ServerShutdown, "the server is shutting down"),
            (ServerClosed { reason: None }, "the server ended the session"),
            (
                ServerClosed {
                    reason: Some("XYZ".into()),
                },
                "the server ended the session (OUT XYZ)",
            ),
            (ConnectionLost, "the connection to the server was lost"),
            (
                VersionRefused,
                "the server speaks none of the protocol versions offered",
            ),
            (
                AuthenticationFailed { code: ErrorCode(911) },
                "wrong e-mail address or password",
            ),
            (
                AuthenticationFailed { code: ErrorCode(924) },
                "the server refused the sign-in: error 924 (Passport account not verified)",
            ),
            (
                LoginRejected { code: ErrorCode(710) },
                "the server refused the login: error 710 (invalid CVR parameters)",
            ),
            (
                PassportFailed {
                    reason: "Passport could not be reached: connection refused".into(),
                },
                "Passport could not be reached: connection refused",
            ),
            (
                TooManyRedirects { max: 4 },
                "the server referred the login elsewhere more than 4 times",
            ),
            (
                KeepAliveTimedOut,
                "no reply from the server (keep-alive timed out)",
            ),
            (
                CommandTimedOut {
                    trid: TrId(4),
                    request: ClientCommand::UsrTwnTicket {
                        trid: TrId(4),
                        ticket: Secret::new(Token::try_from("t=secret").unwrap()),
                    },
                },
                "no reply from the server to USR (request 4) in time",
            ),
            (
                Undecodable(DecodeError::LineTooLong { max: 8192 }),
                "the server sent data that cannot be read: line longer than 8192 bytes",
            ),
            (
                LimitReached {
                    limit: Limit::Contacts,
                    max: 10,
                },
                "the server went past a limit: too many contacts (at most 10)",
            ),
            (
                ProtocolViolation {
                    reason: "LST outside SYN",
                    verb: "LST".into(),
                },
                "the server broke the protocol: LST outside SYN (LST)",
            ),
            (
                ReconnectLater { minutes: 5 },
                "the server ended the session and asks to reconnect in 5 minutes",
            ),
            (
                ReconnectLater { minutes: 1 },
                "the server ended the session and asks to reconnect in 1 minute",
            ),
        ];
        for (reason, _) in &all {
            match reason {
                LoggedOut
                | SignedInElsewhere
                | ServerShutdown
                | ServerClosed { .. }
                | ConnectionLost
                | VersionRefused
                | AuthenticationFailed { .. }
                | LoginRejected { .. }
                | PassportFailed { .. }
                | TooManyRedirects { .. }
                | KeepAliveTimedOut
                | CommandTimedOut { .. }
                | Undecodable(_)
                | LimitReached { .. }
                | ProtocolViolation { .. }
                | ReconnectLater { .. } => {}
            }
        }
        all
    }

    #[test]
    fn every_close_reason_reads_as_a_sentence() {
        for (reason, words) in every_close_reason() {
            assert_eq!(reason.to_string(), words, "{reason:?}");
        }
    }

    #[test]
    fn every_limit_reads_as_a_sentence() {
        let all = [
            (
                Limit::OpenChallenges,
                "too many challenges awaiting their acknowledgement",
            ),
            (Limit::Contacts, "too many contacts"),
            (Limit::ContactListBytes, "too many bytes in the contact list"),
            (Limit::GroupsPerContact, "one contact in too many groups"),
            (Limit::Groups, "too many groups"),
            (
                Limit::PresenceBytes,
                "too many bytes of personal messages and display pictures",
            ),
        ];
        for (limit, words) in all {
            match limit {
                Limit::OpenChallenges
                | Limit::Contacts
                | Limit::ContactListBytes
                | Limit::GroupsPerContact
                | Limit::Groups
                | Limit::PresenceBytes => assert_eq!(limit.to_string(), words),
            }
        }
    }
}
