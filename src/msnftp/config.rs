//! [`MsnftpConfig`]: the transfer machines' settings and bounds.

use std::time::Duration;

/// Settings of a [`Sender`](super::Sender) or [`Receiver`](super::Receiver).
///
/// What the peer can make a machine keep is bounded here: a command line by
/// [`max_line_len`](Self::max_line_len) (past it the transfer fails with
/// [`ProtocolViolation::LineTooLong`](super::ProtocolViolation::LineTooLong)), the file
/// by [`max_file_size`](Self::max_file_size). Block data is never kept: it goes out as
/// it arrives. What the caller makes a sender keep is bounded by
/// [`max_transmit`](Self::max_transmit). A duration too long to add to an `Instant`
/// (`Duration::MAX`) means "never": no timer is armed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MsnftpConfig {
    /// Longest command line, CR LF included. The longest real one is `USR` with a
    /// 129-byte handle and a 10-digit cookie. Default 512.
    pub max_line_len: usize,
    /// Largest file a receiver accepts in `FIL`; a larger offer is cancelled with
    /// [`Failure::FileTooLarge`](super::Failure::FileTooLarge). Default 4 GiB.
    pub max_file_size: u64,
    /// How long a machine waits for the peer before failing with
    /// [`Failure::TimedOut`](super::Failure::TimedOut): the receiver at any point, the
    /// sender while it waits for a line (not while it waits for the caller's data).
    /// The official client gives up listening after 30 s [NINA MSNFTP]. Default 60 s.
    pub idle_timeout: Duration,
    /// Most bytes a sender keeps for the next `Transmit`; [`Sender::write`](super::Sender::write)
    /// takes no more than fits (at least one header and one byte, whatever this says).
    /// Default 64 KiB.
    pub max_transmit: usize,
}

impl Default for MsnftpConfig {
    fn default() -> Self {
        Self {
            max_line_len: 512,
            max_file_size: 4 << 30,
            idle_timeout: Duration::from_secs(60),
            max_transmit: 64 * 1024,
        }
    }
}
