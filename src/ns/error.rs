//! [`NsError`]: why the machine refused a call (caller misuse; state unchanged).

use thiserror::Error;

use crate::codec::{Dialect, EncodeError, GroupId, TokenError};

/// Why a command was refused. The machine's state is unchanged.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum NsError {
    /// The call does not fit the session's current state.
    #[error("`{call}` is not possible while the session is {state}")]
    WrongState {
        /// The refused call.
        call: &'static str,
        /// The state, in words.
        state: &'static str,
    },
    /// The session is over; create a new machine.
    #[error("the session is closed")]
    Closed,
    /// An argument cannot be sent.
    #[error("invalid {what}: {source}")]
    InvalidArgument {
        /// Which argument.
        what: &'static str,
        /// What is wrong with it.
        source: TokenError,
    },
    /// The protocol forbids this value here.
    #[error("{0}")]
    Forbidden(&'static str),
    /// Too many requests await an answer.
    #[error("{max} requests already await an answer")]
    TooManyPending {
        /// The limit from `NsConfig::max_pending`.
        max: usize,
    },
    /// The caller has not taken the bytes already queued.
    #[error("more than {max} bytes queued for sending: drain poll_output")]
    TransmitFull {
        /// The limit from `NsConfig::max_transmit`.
        max: usize,
    },
    /// The command cannot be written.
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// [`send_command`](super::NotificationClient::send_command) with a verb the machine
    /// sends itself (login, keep-alive, `QRY`, `OUT`) or a switchboard verb.
    #[error("`{verb}` is managed by the machine or not valid on a notification server")]
    ManagedVerb {
        /// The verb.
        verb: String,
    },
    /// Under MSNP10+ a forward-list contact is named by its GUID, and the
    /// [`ContactList`](super::ContactList) has none for this account (it is not on the
    /// forward list).
    #[error("the contact is not on the forward list, so it has no contact id")]
    UnknownContact,
    /// Under MSNP10+ a group is named by its GUID, and the
    /// [`ContactList`](super::ContactList) has none for this group id.
    #[error("group {group} is not in the contact list")]
    UnknownGroup {
        /// The group id asked for.
        group: GroupId,
    },
    /// The session's dialect has no command for this call (the pending list under
    /// MSNP8).
    #[error("`{call}` is not possible in {dialect}")]
    NotInDialect {
        /// The refused call.
        call: &'static str,
        /// The session's dialect.
        dialect: Dialect,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refusal_reads_as_a_sentence() {
        let all = [
            (
                NsError::WrongState {
                    call: "block",
                    state: "logging in",
                },
                "`block` is not possible while the session is logging in",
            ),
            (NsError::Closed, "the session is closed"),
            (
                NsError::InvalidArgument {
                    what: "group name",
                    source: TokenError::Empty,
                },
                "invalid group name: empty token",
            ),
            (
                NsError::Forbidden("the reverse list is kept by the server"),
                "the reverse list is kept by the server",
            ),
            (
                NsError::TooManyPending { max: 64 },
                "64 requests already await an answer",
            ),
            (
                NsError::TransmitFull { max: 10 },
                "more than 10 bytes queued for sending: drain poll_output",
            ),
            (
                NsError::Encode(EncodeError::InvalidRawLine { reason: "two lines" }),
                "raw command line is not a single well-formed line: two lines",
            ),
            (
                NsError::ManagedVerb { verb: "USR".into() },
                "`USR` is managed by the machine or not valid on a notification server",
            ),
            (
                NsError::UnknownContact,
                "the contact is not on the forward list, so it has no contact id",
            ),
            (
                NsError::UnknownGroup { group: GroupId(3) },
                "group 3 is not in the contact list",
            ),
            (
                NsError::NotInDialect {
                    call: "remove_contact",
                    dialect: Dialect::Msnp8,
                },
                "`remove_contact` is not possible in MSNP8",
            ),
        ];
        for (error, words) in all {
            match error {
                NsError::WrongState { .. }
                | NsError::Closed
                | NsError::InvalidArgument { .. }
                | NsError::Forbidden(_)
                | NsError::TooManyPending { .. }
                | NsError::TransmitFull { .. }
                | NsError::Encode(_)
                | NsError::ManagedVerb { .. }
                | NsError::UnknownContact
                | NsError::UnknownGroup { .. }
                | NsError::NotInDialect { .. } => assert_eq!(error.to_string(), words),
            }
        }
    }
}
