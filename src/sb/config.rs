//! [`SbConfig`]: the switchboard machine's settings and bounds.

use std::time::Duration;

use crate::codec::Limits;

/// The switchboard machine's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SbConfig {
    /// Bounds on what the server can make the machine buffer.
    pub limits: Limits,
    /// Mode `A`: how long to wait for `ACK` or `NAK` before ending a message as
    /// [`NotDelivered::TimedOut`]. Default 60 s.
    pub ack_timeout: Duration,
    /// Mode `N`: how long without `NAK` before a message counts as delivered. Default 15 s.
    pub nak_grace: Duration,
    /// Least time between two typing notifications; the official client re-sends about
    /// every 5 s [TW sendTypingNotification]. Default 5 s.
    pub typing_interval: Duration,
    /// Most messages (queued or awaiting their end) plus invitations awaiting an answer.
    /// Default 256.
    pub max_pending: usize,
    /// Most bytes waiting in the outgoing buffer before calls are refused. Default 256 KiB.
    pub max_outgoing: usize,
    /// Most other participants; a server announcing more is treated as broken (no
    /// limit is documented; "there used to be a limit of five" [HYP sb/miscellaneous]).
    /// Default 1024.
    pub max_participants: usize,
}

impl Default for SbConfig {
    fn default() -> Self {
        Self {
            limits: Limits::default(),
            ack_timeout: Duration::from_secs(60),
            nak_grace: Duration::from_secs(15),
            typing_interval: Duration::from_secs(5),
            max_pending: 256,
            max_outgoing: 256 * 1024,
            max_participants: 1024,
        }
    }
}
