//! [`NsConfig`]: what a [`NotificationClient`](super::NotificationClient) says about
//! itself and how long it waits.

use std::time::Duration;

use crate::Secret;
use crate::challenge::{Algorithm, Product};
use crate::codec::{ClientCaps, Dialect, DialectSet, Limits, Token};

/// The client identity sent in `CVR` (reference §2, [PIKI Command:CVR]).
///
/// The default is MSN Messenger 5.0 on Windows 98, as TW sends it:
/// `0x0409 win 4.10 i386 MSNMSGR 5.0.0544 MSMSGS`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientIdentity {
    /// Hexadecimal locale id, `0x0409`.
    pub locale: Token<'static>,
    /// `win` or `winnt`.
    pub os_type: Token<'static>,
    /// `4.10`, `5.1`.
    pub os_version: Token<'static>,
    /// `i386`.
    pub arch: Token<'static>,
    /// `MSNMSGR`.
    pub client_name: Token<'static>,
    /// `5.0.0544`.
    pub client_version: Token<'static>,
}

impl Default for ClientIdentity {
    fn default() -> Self {
        let token = |s: &'static str| Token::try_from(s).expect("static token");
        ClientIdentity {
            locale: token("0x0409"),
            os_type: token("win"),
            os_version: token("4.10"),
            arch: token("i386"),
            client_name: token("MSNMSGR"),
            client_version: token("5.0.0544"),
        }
    }
}

/// The product id and key that answer `CHL` challenges, and the algorithm the
/// servers of that product's era check the answer with (reference §4, §6).
///
/// Build one from a published pair ([`challenge::Product`](crate::challenge::Product))
/// or with [`ChallengeProduct::new`] for a private one:
///
/// ```
/// use msnp::challenge::{Algorithm, Product};
/// use msnp::codec::Dialect;
/// use msnp::ns::ChallengeProduct;
/// assert_eq!(ChallengeProduct::for_dialect(Dialect::Msnp11), ChallengeProduct::from(Product::PROD0090));
/// let own = ChallengeProduct::new("PROD0101{0RM?UBW", "CFHUR$52U_{VIX5T".to_owned(), Algorithm::Msnp11).unwrap();
/// assert_eq!(own, Product::PROD0101.into());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ChallengeProduct {
    /// Sent in `QRY T <id> 32`.
    pub id: Token<'static>,
    /// Appended to the challenge before hashing; never sent.
    pub key: Secret<String>,
    /// How the key and challenge make the answer.
    pub algorithm: Algorithm,
}

impl ChallengeProduct {
    /// A product of the caller's: `id` must be a token (no space, CR, LF or NUL).
    pub fn new(
        id: impl Into<String>,
        key: String,
        algorithm: Algorithm,
    ) -> Result<ChallengeProduct, crate::codec::TokenError> {
        Ok(ChallengeProduct {
            id: Token::try_from(id.into())?,
            key: Secret::new(key),
            algorithm,
        })
    }

    /// The pair a session of `dialect` answers with when none is configured:
    /// `msmsgs@msnmsgr.com` (MD5) up to MSNP10, `PROD0090` (the MSNP11 algorithm) from
    /// MSNP11, whose servers refuse the MD5 answer [YW qry.md; NINA MSNP11/Challenges;
    /// ESC `_QRY_ID_CODES` maps MSNP11–12 to PROD0090; reference §6].
    pub fn for_dialect(dialect: Dialect) -> ChallengeProduct {
        if dialect >= Dialect::Msnp11 {
            Product::PROD0090.into()
        } else {
            Product::MSMSGS.into()
        }
    }

    /// The 32-character answer to `CHL 0 <challenge>`.
    pub(crate) fn answer(&self, challenge: &str) -> String {
        let key = self.key.expose();
        match self.algorithm {
            Algorithm::Msnp11 => crate::challenge::msnp11_digest(challenge, self.id.as_str(), key),
            Algorithm::Md5 => crate::challenge::digest(challenge, key),
        }
    }
}

impl From<Product> for ChallengeProduct {
    fn from(product: Product) -> Self {
        ChallengeProduct {
            id: Token::try_from(product.id).expect("published product ids are tokens"),
            key: Secret::new(product.key.to_owned()),
            algorithm: product.algorithm,
        }
    }
}

impl Default for ChallengeProduct {
    /// `msmsgs@msnmsgr.com` / `Q1P7W2E4J9R8U3S5`, accepted by MSNP6–10 servers
    /// [ESC `_QRY_ID_CODES`; TW].
    fn default() -> Self {
        Product::MSMSGS.into()
    }
}

/// Settings of a [`NotificationClient`](super::NotificationClient).
///
/// Build with [`NsConfig::default`] and change fields:
///
/// ```
/// use std::time::Duration;
/// let mut config = msnp::ns::NsConfig::default();
/// config.keepalive_interval = Duration::from_secs(50);
/// ```
///
/// A duration too long for the clock (`Duration::MAX` is the natural spelling) means
/// "never": that deadline is not set.
///
/// Every collection the server can make the machine grow is bounded here or by a
/// constant of the module ([`MAX_GROUPS_PER_CONTACT`](super::MAX_GROUPS_PER_CONTACT),
/// one value per [`Phone`](super::Phone)). Events are parsed one frame per
/// [`poll_output`](super::NotificationClient::poll_output) call, so the event queue
/// never holds more than one frame's events.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct NsConfig {
    /// Sent in `CVR`.
    pub identity: ClientIdentity,
    /// The dialects offered in `VER`, newest first; the session speaks the newest one
    /// the server's reply also names (reference §2.1). Default MSNP12 down to MSNP8,
    /// as MSN Messenger 7.5 offered; a server for MSNP8 only answers MSNP8. An empty
    /// set (without [`md5_password`](Self::md5_password)) makes
    /// [`handle_connected`](super::NotificationClient::handle_connected) refuse.
    pub dialects: DialectSet,
    /// The user's capability bits, sent with every `CHG` (MSNP8 reference §5) in every
    /// dialect. Default 0. From MSNP9 on the session adds the MSNC version of
    /// [`msnc`](Self::msnc) when these bits leave the top nibble 0; a nibble set here
    /// is sent as it is.
    pub caps: ClientCaps,
    /// The MSNC version the session announces from MSNP9 on, in the top nibble of the
    /// `CHG` capabilities ([`ClientCaps::with_msnc`]) when [`caps`](Self::caps) leaves it
    /// 0 (reference §3). MSNP8 has no MSNC, so its `CHG` carries `caps` alone.
    ///
    /// Default 0, a 5.0-class client: a `NotificationClient` on its own hosts no P2P,
    /// and a peer that sees a version asks for display pictures and offers files over
    /// P2P instead of MSNFTP [YW msnftp]. The [`Client`](crate::client::Client), which
    /// hosts P2P, sets 1 (MSNC1) unless
    /// [`ClientConfig::announce_p2p`](crate::client::ClientConfig::announce_p2p) is off.
    pub msnc: u8,
    /// Answers `CHL`. Default `None`: the pair of the session's dialect
    /// ([`ChallengeProduct::for_dialect`]), since MSNP11+ servers check another
    /// algorithm than MSNP8–10 servers; set it to answer with one product whatever the
    /// dialect.
    pub challenge: Option<ChallengeProduct>,
    /// When set, `VER` also offers `MSNP7` and, if the server picks it, the login uses
    /// `USR MD5` with this password instead of Passport (reference §2.1).
    pub md5_password: Option<Secret<String>>,
    /// Idle time after which a `PNG` is sent. Default 60 s: no MSNP8 source states an
    /// interval; MSNP9 servers ask for one every 50 s (`QNG 50`), and a minute keeps
    /// NAT mappings alive without chatter (reference §10). From MSNP9 on, each `QNG
    /// <seconds>` sets the interval until the next `PNG` instead, within
    /// [`min_keepalive_interval`](Self::min_keepalive_interval) and
    /// [`max_keepalive_interval`](Self::max_keepalive_interval); this interval is the
    /// first one.
    pub keepalive_interval: Duration,
    /// The shortest interval a server's `QNG <seconds>` (MSNP9+) may set for the next
    /// `PNG`; a smaller value (`QNG 0`) is raised to it. Default 5 s.
    pub min_keepalive_interval: Duration,
    /// The longest interval a server's `QNG <seconds>` may set; a larger value is
    /// lowered to it. Default 300 s (servers ask for 50 or 60 s [reference §3]).
    pub max_keepalive_interval: Duration,
    /// How long to wait for `QNG` before the session is declared dead. Default 30 s.
    pub keepalive_timeout: Duration,
    /// How long the server may take to answer any command with a TrID. Default 60 s.
    pub command_timeout: Duration,
    /// How many `XFR … NS` referrals one login follows. Default 4.
    pub max_redirects: u8,
    /// Requests that may await an answer at once, the machine's own included; more of
    /// the caller's are refused ([`NsError::TooManyPending`](super::NsError::TooManyPending)).
    /// Default 64.
    pub max_pending: usize,
    /// Challenges (`CHL`) that may await the server's `QRY` acknowledgement at once,
    /// on top of [`max_pending`](Self::max_pending): a challenge is always answered,
    /// even when the caller's requests fill the table, since a missed one costs the
    /// session [NINA Challenges]. A server asks again only after acknowledging the
    /// last answer, so more than this many open challenges is a flood and ends the
    /// session with [`CloseReason::LimitReached`](super::CloseReason::LimitReached)
    /// ([`Limit::OpenChallenges`](super::Limit::OpenChallenges)). Default 4.
    pub max_open_challenges: usize,
    /// The most contacts kept, whatever verb brings them (`SYN`, `ADD`): a `SYN`
    /// announcing more is a protocol violation, an `ADD` of one more ends the session
    /// with [`CloseReason::LimitReached`](super::CloseReason::LimitReached)
    /// ([`Limit::Contacts`](super::Limit::Contacts)). Default 65 536.
    pub max_contacts: u32,
    /// The most bytes the contact list may hold
    /// ([`ContactList::retained_bytes`](super::ContactList::retained_bytes): contacts,
    /// names, groups, properties). A line is at most
    /// [`Limits::max_line_len`] bytes, so `max_contacts` alone would allow
    /// `max_contacts × 8 KiB`; a change past this bound ends the session with
    /// [`CloseReason::LimitReached`](super::CloseReason::LimitReached)
    /// ([`Limit::ContactListBytes`](super::Limit::ContactListBytes)). Default 32 MiB:
    /// 65 536 contacts of 512 bytes each, while a typical one takes about 300.
    pub max_contact_list_bytes: usize,
    /// The most bytes kept of what the contacts online show beyond their status: the
    /// MSNObjects of `ILN`/`NLN` (MSNP9+) and the personal messages of `UBX` (MSNP11+),
    /// counted by their wire size, each at most 4 KiB
    /// ([`PersonalStatus::MAX_PAYLOAD_LEN`](crate::presence::PersonalStatus::MAX_PAYLOAD_LEN),
    /// [`MsnObject::MAX_XML_LEN`](crate::presence::MsnObject::MAX_XML_LEN)). Past it the
    /// session ends with [`CloseReason::LimitReached`](super::CloseReason::LimitReached)
    /// ([`Limit::PresenceBytes`](super::Limit::PresenceBytes)). Default 16 MiB: a
    /// thousand contacts online showing a picture and a message take about 1 MiB.
    pub max_presence_bytes: usize,
    /// Largest number of groups accepted. Default 1 024 (servers allow 30).
    pub max_groups: u32,
    /// Untaken outgoing bytes above which commands are refused. Default 256 KiB.
    pub max_transmit: usize,
    /// Codec limits for server input.
    pub limits: Limits,
}

impl Default for NsConfig {
    fn default() -> Self {
        NsConfig {
            identity: ClientIdentity::default(),
            dialects: DialectSet::ALL,
            caps: ClientCaps(0),
            msnc: 0,
            challenge: None,
            md5_password: None,
            keepalive_interval: Duration::from_secs(60),
            min_keepalive_interval: Duration::from_secs(5),
            max_keepalive_interval: Duration::from_secs(300),
            keepalive_timeout: Duration::from_secs(30),
            command_timeout: Duration::from_secs(60),
            max_redirects: 4,
            max_pending: 64,
            max_open_challenges: 4,
            max_contacts: 65_536,
            max_contact_list_bytes: 32 * 1024 * 1024,
            max_presence_bytes: 16 * 1024 * 1024,
            max_groups: 1_024,
            max_transmit: 256 * 1024,
            limits: Limits::default(),
        }
    }
}
