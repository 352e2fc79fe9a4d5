//! [`SbConfig`]: the switchboard machine's settings and bounds.

use std::time::Duration;

use crate::codec::{Dialect, Limits};

/// The switchboard machine's settings.
///
/// Everything a switchboard server can make the machine keep is bounded here: unparsed
/// input by [`limits`](Self::limits) (one frame at most, plus the chunk being pushed),
/// the participants and the `IRO` roster by [`max_participants`](Self::max_participants)
/// (past it the session closes with
/// [`ProtocolViolation::TooManyParticipants`](super::ProtocolViolation)), queued events
/// by the one frame parsed per [`poll_output`](super::SwitchboardClient::poll_output).
/// What the caller makes it keep is bounded by [`max_pending`](Self::max_pending) and
/// [`max_transmit`](Self::max_transmit), refused with a typed
/// [`SbError`](super::SbError). A duration too long to add to an `Instant`
/// (`Duration::MAX`) means "never": no timer is armed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SbConfig {
    /// The dialect of the notification session that handed out the switchboard: a
    /// switchboard speaks the dialect its notification server negotiated (Escargot
    /// keeps it in the cookie [ESC `_m_xfr`; reference §2.1]). Set it to
    /// [`NotificationClient::dialect`](crate::ns::NotificationClient::dialect); the
    /// `Client` does. Default MSNP8.
    pub dialect: Dialect,
    /// Bounds on what the server can make the machine buffer.
    pub limits: Limits,
    /// Mode `A`: how long to wait for `ACK` or `NAK` before ending a message as
    /// [`NotDelivered::TimedOut`](super::NotDelivered::TimedOut). Default 60 s.
    pub ack_timeout: Duration,
    /// Mode `N`: how long without `NAK` before a message ends as
    /// [`SbEvent::SentUnconfirmed`](super::SbEvent::SentUnconfirmed) (never as delivered:
    /// mode `N` asks for no acknowledgement). Default 15 s.
    pub nak_grace: Duration,
    /// Least time between two typing notifications; the official client re-sends about
    /// every 5 s [TW sendTypingNotification]. Default 5 s.
    pub typing_interval: Duration,
    /// Most messages queued or awaiting their end (the window). Default 256.
    pub max_pending: usize,
    /// Most bytes waiting in the outgoing buffer before calls are refused. Default 256 KiB.
    pub max_transmit: usize,
    /// Most other participants; a server announcing more is treated as broken (no
    /// limit is documented; "there used to be a limit of five" [HYP sb/miscellaneous]).
    /// Also the most invitations awaiting an answer. Default 1024.
    pub max_participants: usize,
}

impl Default for SbConfig {
    fn default() -> Self {
        Self {
            dialect: Dialect::Msnp8,
            limits: Limits::default(),
            ack_timeout: Duration::from_secs(60),
            nak_grace: Duration::from_secs(15),
            typing_interval: Duration::from_secs(5),
            max_pending: 256,
            max_transmit: 256 * 1024,
            max_participants: 1024,
        }
    }
}
