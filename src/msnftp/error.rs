//! Why a transfer failed ([`Failure`]) and why a call was refused ([`MsnftpError`]).

use super::ByeCode;

/// Why a transfer ended without success. Each sentence is what a person can be told.
///
/// No variant carries the auth cookie or file data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Failure {
    /// The peer cancelled: `CCL`, an end-of-transfer block before every byte came, or
    /// `BYE 2164261682`.
    #[error("the other side cancelled the transfer")]
    CancelledByPeer,
    /// The receiver ended with a `BYE` code other than success or cancel (disk full,
    /// its own timeout, an unknown code).
    #[error("the transfer was stopped: {0}")]
    PeerEnded(ByeCode),
    /// The caller cancelled ([`Sender::cancel`](super::Sender::cancel),
    /// [`Receiver::cancel`](super::Receiver::cancel)).
    #[error("you cancelled the transfer")]
    CancelledLocally,
    /// More or fewer bytes than announced: a block past the `FIL` size, a `BYE` of
    /// success before every byte was sent, or a sender's data ending early
    /// ([`Sender::finish`](super::Sender::finish)).
    #[error("the file was announced as {expected} bytes but {transferred} were transferred")]
    SizeMismatch {
        /// The size `FIL` announced.
        expected: u64,
        /// The bytes transferred (for a block past the end: what it would have made).
        transferred: u64,
    },
    /// `FIL` announced another size than the invitation
    /// ([`Receiver::expect_size`](super::Receiver::expect_size)).
    #[error("the file was invited as {invited} bytes but announced as {announced}")]
    SizeNotAsInvited {
        /// `Application-FileSize` of the invitation.
        invited: u64,
        /// The size `FIL` announced.
        announced: u64,
    },
    /// `FIL` announced more than [`MsnftpConfig::max_file_size`](super::MsnftpConfig).
    #[error("the file is {size} bytes, more than the {max} accepted")]
    FileTooLarge {
        /// The size announced.
        size: u64,
        /// The limit.
        max: u64,
    },
    /// The connecting side did not prove the auth cookie of the invitation (sender), or
    /// the connection closed right after it tried (receiver).
    #[error("the other side did not present the right authentication cookie")]
    AuthenticationFailed,
    /// The connection closed before the transfer ended.
    #[error("the connection was lost before the transfer ended")]
    ConnectionLost,
    /// The peer was silent for [`MsnftpConfig::idle_timeout`](super::MsnftpConfig).
    #[error("the other side stopped answering")]
    TimedOut,
    /// The peer broke the protocol.
    #[error("the other side broke the file transfer protocol: {0}")]
    ProtocolViolation(ProtocolViolation),
}

/// What the peer did wrong. The text never quotes the peer's line (it could hold the
/// cookie).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProtocolViolation {
    /// `VER` did not offer MSNFTP.
    #[error("it does not speak MSNFTP")]
    VersionRefused,
    /// A line that cannot come at this point, or that does not parse.
    #[error("it sent an unexpected or malformed `{verb}` line {state}")]
    UnexpectedLine {
        /// The line's first word, if it is a known verb; `?` otherwise.
        verb: &'static str,
        /// Where the machine was.
        state: &'static str,
    },
    /// A line longer than [`MsnftpConfig::max_line_len`](super::MsnftpConfig).
    #[error("it sent a line longer than {max} bytes")]
    LineTooLong {
        /// The limit.
        max: usize,
    },
}

/// Why a call was refused. Nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MsnftpError {
    /// The transfer is over.
    #[error("the transfer is over")]
    Finished,
    /// More data than the size announced in `FIL`.
    #[error("the file was announced as {size} bytes; no more data can be sent")]
    MoreThanAnnounced {
        /// The announced size.
        size: u64,
    },
    /// The call is too late: `FIL` has come already.
    #[error("the file size is known already")]
    TooLate,
}
