//! [`ServerConfig`]: addresses, limits and timers of a [`Server`](super::Server).

use std::time::Duration;

use crate::codec::{DialectSet, HostPort, Limits};

/// The largest `MSG` payload a switchboard relays; a longer one closes the sender's
/// connection, as MSN's switchboards did [HYP sb/messages; TW `MSN_MAX_MESSAGE`].
pub const MAX_MESSAGE_LEN: usize = 1664;

/// Settings of a [`Server`](super::Server). Build with `ServerConfig::default()` and set fields.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ServerConfig {
    /// The address sent in `XFR … NS` referrals.
    pub notification_addr: HostPort<'static>,
    /// The dispatch server's own address (the last field of `XFR … NS`).
    pub dispatch_addr: HostPort<'static>,
    /// The switchboard address sent in `XFR … SB` and `RNG`.
    pub switchboard_addr: HostPort<'static>,
    /// Framing limits for client input. The default payload limit is
    /// [`MAX_MESSAGE_LEN`], so an oversized `MSG` is refused before it is buffered.
    pub limits: Limits,
    /// The most output bytes held for one connection; a peer that does not read is
    /// disconnected rather than allowed to grow memory.
    pub max_queued_output: usize,
    /// How long a switchboard cookie stays valid ("at least two minutes", HYP sb/authentication).
    pub cookie_lifetime: Duration,
    /// The most unredeemed cookies per account; older ones are dropped first.
    pub max_cookies_per_account: usize,
    /// How long a client has to answer `CHL` ("about 50 seconds", NINA Challenges).
    pub challenge_timeout: Duration,
    /// Switchboard connections silent this long are dropped (`BYE account 1` to the
    /// others); `None` never drops.
    pub switchboard_idle_timeout: Option<Duration>,
    /// Seed of the generator of tickets, cookies and challenges (not cryptographic:
    /// this is a test server).
    pub seed: u64,
    /// Unix time in seconds at the `now` given to [`Server::new`](super::Server::new), for `ct=` and
    /// `LoginTime` (the server never reads the clock).
    pub unix_time: u64,
    /// The dialects the server speaks; `VER` answers the newest one the client also
    /// offers, as Escargot does (reference §2.1). MSNP8 to MSNP12 by default.
    pub dialects: DialectSet,
    /// Answer `ADG`, `RMG` and `REG` (MSNP10+) in Escargot's shapes (`ADG T name guid 0`,
    /// `RMG T 1 guid`, `REG T 1 name guid 0`, reference §4.2) instead of the official
    /// ones, to test a client against what the revival network sends.
    pub escargot_quirks: bool,
    /// The largest `UUX` payload (personal message and current media, MSNP11+) the
    /// server keeps; a larger one closes the connection
    /// ([`CloseReason::PersonalMessageTooLarge`](super::CloseReason::PersonalMessageTooLarge)).
    /// The official client's text fits in a few hundred bytes.
    pub max_personal_message_len: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        let here = HostPort::new("127.0.0.1", 1863).expect("constant address");
        ServerConfig {
            notification_addr: here.clone(),
            dispatch_addr: here.clone(),
            switchboard_addr: here,
            limits: Limits {
                max_line_len: 2048,
                max_payload_len: MAX_MESSAGE_LEN,
                max_buffered: 2048 + MAX_MESSAGE_LEN + 2,
                max_skip_len: 1024 * 1024,
            },
            max_queued_output: 256 * 1024,
            cookie_lifetime: Duration::from_secs(120),
            max_cookies_per_account: 16,
            challenge_timeout: Duration::from_secs(50),
            switchboard_idle_timeout: Some(Duration::from_secs(300)),
            seed: 0x4d53_4e50_3820_2003,
            unix_time: 1_062_764_229,
            dialects: DialectSet::ALL,
            escargot_quirks: false,
            max_personal_message_len: 1024,
        }
    }
}
