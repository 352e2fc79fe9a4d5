//! Typed fields of MSNP8 commands: transaction ids, statuses, lists, error codes.

use std::borrow::Cow;
use std::fmt;

use super::error::TokenError;
use super::parse::{canonical_u32, check_token};

/// A transaction id: the client numbers each request, the server echoes the number in
/// its reply. `0` marks a server's unsolicited command [HYP general/commands].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct TrId(pub u32);

impl TrId {
    /// The TrID of asynchronous server commands (`CHL 0 …`, `ADD 0 RL …`).
    pub const ASYNC: TrId = TrId(0);
}

impl fmt::Display for TrId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Declares a closed set of wire words, with its parser and printer side by side.
macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $word:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
        }

        impl $name {
            /// Every value, in protocol order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The word written on the wire.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $word,)+
                }
            }

            /// Parses the wire word (case-sensitive, as the servers are).
            pub fn from_wire(word: &str) -> Option<Self> {
                match word {
                    $($word => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

wire_enum! {
    /// A presence status [DRAFT §7.7; HYP presence].
    Status {
        /// `NLN`: online.
        Online = "NLN",
        /// `BSY`: busy.
        Busy = "BSY",
        /// `IDL`: idle.
        Idle = "IDL",
        /// `BRB`: be right back.
        BeRightBack = "BRB",
        /// `AWY`: away.
        Away = "AWY",
        /// `PHN`: on the phone.
        OnThePhone = "PHN",
        /// `LUN`: out to lunch.
        OutToLunch = "LUN",
        /// `HDN`: appear offline; contacts see `FLN`.
        Hidden = "HDN",
        /// `FLN`: offline. Servers answer `CHG T FLN` with error 201.
        Offline = "FLN",
    }
}

wire_enum! {
    /// One of the four lists [DRAFT §5.7].
    List {
        /// `FL`: forward list, the user's contacts.
        Forward = "FL",
        /// `AL`: allow list.
        Allow = "AL",
        /// `BL`: block list.
        Block = "BL",
        /// `RL`: reverse list, who has the user on their forward list (server-kept).
        Reverse = "RL",
        /// `PL`: pending list, who added the user and awaits a decision (MSNP10+; the
        /// grammars refuse it in earlier dialects) [YW msnp10].
        Pending = "PL",
    }
}

impl List {
    /// This list's bit in an `LST` membership mask.
    pub const fn mask(self) -> ListMask {
        ListMask(match self {
            List::Forward => 1,
            List::Allow => 2,
            List::Block => 4,
            List::Reverse => 8,
            List::Pending => 16,
        })
    }
}

/// The lists a contact is on, as `LST` sends them: 1 = FL, 2 = AL, 4 = BL, 8 = RL
/// ("FL+AL+RL = 11") [YW msnp8.md, lst.md], 16 = PL (MSNP10+).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct ListMask(pub u8);

impl ListMask {
    /// On no list.
    pub const EMPTY: ListMask = ListMask(0);

    /// Whether `list`'s bit is set.
    pub const fn contains(self, list: List) -> bool {
        self.0 & list.mask().0 != 0
    }

    /// The mask with `list`'s bit set.
    pub const fn with(self, list: List) -> ListMask {
        ListMask(self.0 | list.mask().0)
    }

    /// The mask with `list`'s bit cleared.
    pub const fn without(self, list: List) -> ListMask {
        ListMask(self.0 & !list.mask().0)
    }
}

wire_enum! {
    /// `GTC`: what happens when someone adds the user [YW gtc.md].
    AddPrompt {
        /// `A`: ask the user.
        Ask = "A",
        /// `N`: allow without asking.
        Allow = "N",
    }
}

wire_enum! {
    /// `BLP`: who may reach the user when on neither AL nor BL [PURPLE sync.c; YW blp.md].
    Privacy {
        /// `AL`: everyone not blocked.
        AllowAll = "AL",
        /// `BL`: only those on the allow list.
        BlockAll = "BL",
    }
}

wire_enum! {
    /// The acknowledgement a sender asks of the switchboard for one `MSG` [HYP sb/messages].
    /// Case-sensitive: a lower-case flag makes the switchboard drop the connection.
    AckMode {
        /// `U`: no acknowledgement at all (typing notifications).
        Unacknowledged = "U",
        /// `N`: a `NAK` only if delivery failed.
        NegativeOnly = "N",
        /// `A`: `ACK` or `NAK` in every case.
        Always = "A",
        /// `D`: data (MSNC P2P), `ACK` or error 282 (MSNP9+; the grammars refuse it in
        /// MSNP8) [YW msg.md].
        Data = "D",
    }
}

wire_enum! {
    /// Why the server sent `OUT` [DRAFT §7.10].
    OutReason {
        /// `OTH`: the account signed in from another location.
        OtherLocation = "OTH",
        /// `SSD`: the server is shutting down.
        ServerShutdown = "SSD",
    }
}

/// A contact-list group id (0…29; group 0 always exists) [YW lsg.md, adg.md].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct GroupId(pub u32);

impl fmt::Display for GroupId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Client capability bits sent with `CHG` and seen in `ILN`/`NLN` (new in MSNP8)
/// [YW client_capabilities.md; PIKI Client_ID].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct ClientCaps(pub u32);

impl ClientCaps {
    /// Mobile device.
    pub const MOBILE: u32 = 0x01;
    /// MSN Explorer 8.
    pub const MSN_EXPLORER_8: u32 = 0x02;
    /// Can view ink as GIF.
    pub const INK_GIF: u32 = 0x04;
    /// Can view ink as ISF.
    pub const INK_ISF: u32 = 0x08;
    /// Has a webcam.
    pub const WEBCAM: u32 = 0x10;
    /// Supports multi-packet messages.
    pub const MULTI_PACKET: u32 = 0x20;
    /// MSN Mobile device.
    pub const MSN_MOBILE: u32 = 0x40;
    /// MSN Direct device.
    pub const MSN_DIRECT: u32 = 0x80;
    /// Web messenger.
    pub const WEB_MESSENGER: u32 = 0x200;
    /// Direct-IM capable.
    pub const DIRECT_IM: u32 = 0x4000;
    /// Winks.
    pub const WINKS: u32 = 0x8000;
    /// MSNC1 (MSN 6.0) in the version bits.
    pub const MSNC1: u32 = 0x1000_0000;
    /// The top nibble: the MSNC version (1 = 6.0, 2 = 6.1, 3 = 6.2, 4 = 7.0, 5 = 7.5)
    /// [YW client_capabilities; PECAN `PN_CLIENT_VER_*`].
    pub const MSNC_MASK: u32 = 0xF000_0000;

    /// Whether every bit of `flag` is set.
    pub const fn has(self, flag: u32) -> bool {
        self.0 & flag == flag
    }

    /// The raw bits, unknown ones included.
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// The set with the bits of `flag` set.
    #[must_use]
    pub const fn with(self, flag: u32) -> ClientCaps {
        ClientCaps(self.0 | flag)
    }

    /// The set with the bits of `flag` cleared.
    #[must_use]
    pub const fn without(self, flag: u32) -> ClientCaps {
        ClientCaps(self.0 & !flag)
    }

    /// The MSNC version in the top nibble: 0 for a 5.0-class client (MSNFTP only),
    /// 1 for MSNC1 (6.0) … 5 for 7.5.
    ///
    /// ```
    /// use msnp::codec::ClientCaps;
    /// let caps = ClientCaps(0x5000_0020);
    /// assert_eq!((caps.msnc(), caps.has(ClientCaps::MULTI_PACKET)), (5, true));
    /// assert_eq!(caps.with_msnc(1), ClientCaps(0x1000_0020));
    /// ```
    pub const fn msnc(self) -> u8 {
        (self.0 >> 28) as u8
    }

    /// The set with its MSNC version replaced by `version` (its low four bits); the
    /// other bits are kept.
    #[must_use]
    pub const fn with_msnc(self, version: u8) -> ClientCaps {
        ClientCaps((self.0 & !Self::MSNC_MASK) | (((version & 0xF) as u32) << 28))
    }
}

/// A `host:port` address of a server to connect to.
///
/// ```
/// use msnp::codec::HostPort;
/// let addr = HostPort::parse("207.46.106.35:1863").unwrap();
/// assert_eq!((addr.host(), addr.port()), ("207.46.106.35", 1863));
/// assert_eq!(addr.to_string(), "207.46.106.35:1863");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct HostPort<'a> {
    host: Cow<'a, str>,
    port: u16,
}

impl<'a> HostPort<'a> {
    /// Builds an address; the host must be a valid token without `:` (IPv6 literals
    /// have no MSNP8 syntax).
    pub fn new(host: impl Into<Cow<'a, str>>, port: u16) -> Result<Self, TokenError> {
        let host = host.into();
        check_token(&host)?;
        if let Some(at) = host.find(':') {
            return Err(TokenError::Forbidden { byte: b':', at });
        }
        Ok(HostPort { host, port })
    }

    /// Parses `host:port`, where the port has canonical decimal form.
    pub fn parse(s: &'a str) -> Option<Self> {
        let (host, port) = s.rsplit_once(':')?;
        let port = canonical_u32(port)?;
        HostPort::new(host, u16::try_from(port).ok()?).ok()
    }

    /// The host name or IPv4 address.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The TCP port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Detaches the value from the buffer it was decoded from.
    pub fn into_owned(self) -> HostPort<'static> {
        HostPort {
            host: Cow::Owned(self.host.into_owned()),
            port: self.port,
        }
    }
}

impl fmt::Display for HostPort<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.host, self.port)
    }
}

/// An error reply's three-digit code [HYP error_list; PIKI Reference:Error_List].
///
/// ```
/// use msnp::codec::ErrorCode;
/// assert_eq!(ErrorCode(911).name(), Some("ERR_AUTHENTICATION_FAILED"));
/// assert_eq!(ErrorCode(217).to_string(), "217 (principal not online)");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ErrorCode(pub u16);

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for ErrorCode {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(ErrorCode(u.int_in_range(100..=999)?))
    }
}

/// `(code, name, meaning)`, merged from DRAFT §7.11, HYP/PIKI, TW, PURPLE and YW
/// (reference §9). Where sources disagree the meaning says so.
const ERROR_TABLE: &[(u16, &str, &str)] = &[
    (200, "ERR_SYNTAX_ERROR", "syntax error"),
    (201, "ERR_INVALID_PARAMETER", "invalid parameter"),
    (205, "ERR_INVALID_USER", "no such account"),
    (206, "ERR_FQDN_MISSING", "domain name missing"),
    (207, "ERR_ALREADY_LOGIN", "already logged in"),
    (208, "ERR_INVALID_USERNAME", "invalid user name"),
    (209, "ERR_INVALID_FRIENDLY_NAME", "invalid friendly name"),
    (210, "ERR_LIST_FULL", "list full"),
    (215, "ERR_ALREADY_THERE", "already on the list or already invited"),
    (216, "ERR_NOT_ON_LIST", "not on the list, or blocked"),
    (217, "ERR_NOT_ONLINE", "principal not online"),
    (218, "ERR_ALREADY_IN_THE_MODE", "already in that mode"),
    (
        219,
        "ERR_ALREADY_IN_OPPOSITE_LIST",
        "already on the opposite list",
    ),
    (223, "ERR_TOO_MANY_GROUPS", "too many groups"),
    (224, "ERR_INVALID_GROUP", "invalid group"),
    (225, "ERR_PRINCIPAL_NOT_IN_GROUP", "principal not in group"),
    (229, "ERR_GROUP_NAME_TOO_LONG", "group name too long"),
    (230, "ERR_CANNOT_REMOVE_GROUP_ZERO", "cannot remove group 0"),
    (231, "ERR_INVALID_GROUP_2", "group does not exist"),
    (280, "ERR_SWITCHBOARD_FAILED", "switchboard failed"),
    (281, "ERR_NOTIFY_XFR_FAILED", "transfer to switchboard failed"),
    (300, "ERR_REQUIRED_FIELDS_MISSING", "required fields missing"),
    (301, "ERR_TOO_MANY_HITS", "too many results"),
    (302, "ERR_NOT_LOGGED_IN", "not logged in"),
    (500, "ERR_INTERNAL_SERVER", "internal server error"),
    (501, "ERR_DB_SERVER", "database server error"),
    (502, "ERR_CMD_DISABLED", "command disabled"),
    (510, "ERR_FILE_OPERATION", "file operation failed"),
    (511, "ERR_BANNED", "unknown (sources disagree)"),
    (520, "ERR_MEMORY_ALLOC", "memory allocation failed"),
    (540, "ERR_CHALLENGE_RESPONSE_FAILED", "wrong challenge response"),
    (600, "ERR_SERVER_BUSY", "server busy"),
    (601, "ERR_SERVER_UNAVAILABLE", "server unavailable"),
    (602, "ERR_PEER_NS_DOWN", "peer notification server down"),
    (603, "ERR_DB_CONNECT", "database connection failed"),
    (604, "ERR_SERVER_GOING_DOWN", "server going down"),
    (605, "ERR_SERVER_UNAVAILABLE_2", "server unavailable"),
    (707, "ERR_CREATE_CONNECTION", "could not create connection"),
    (710, "ERR_INVALID_LOCALE", "invalid CVR parameters"),
    (711, "ERR_BLOCKING_WRITE", "write is blocking"),
    (712, "ERR_SESSION_OVERLOAD", "session overload"),
    (713, "ERR_USER_TOO_ACTIVE", "user too active"),
    (714, "ERR_TOO_MANY_SESSIONS", "too many sessions"),
    (715, "ERR_NOT_EXPECTED", "command not expected now"),
    (717, "ERR_BAD_FRIEND_FILE", "bad friend file"),
    (731, "ERR_NOT_EXPECTED_CVR", "malformed CVR"),
    (800, "ERR_CHANGING_TOO_RAPIDLY", "changing too rapidly"),
    (910, "ERR_SERVER_TOO_BUSY", "server too busy"),
    (911, "ERR_AUTHENTICATION_FAILED", "authentication failed"),
    (912, "ERR_SERVER_TOO_BUSY_2", "server too busy"),
    (913, "ERR_NOT_ALLOWED_WHEN_OFFLINE", "not allowed when offline"),
    (914, "ERR_SERVER_UNAVAILABLE_3", "server unavailable"),
    (915, "ERR_SERVER_UNAVAILABLE_4", "server unavailable"),
    (916, "ERR_SERVER_UNAVAILABLE_5", "server unavailable"),
    (
        917,
        "ERR_AUTHENTICATION_FAILED_2",
        "authentication failed (or invalid domain)",
    ),
    (918, "ERR_SERVER_TOO_BUSY_3", "server too busy"),
    (919, "ERR_SERVER_TOO_BUSY_4", "server too busy"),
    (920, "ERR_NOT_ACCEPTING_NEW_USERS", "not accepting new users"),
    (921, "ERR_SERVER_TOO_BUSY_5", "server too busy"),
    (922, "ERR_SERVER_TOO_BUSY_6", "server too busy"),
    (
        923,
        "ERR_KIDS_WITHOUT_CONSENT",
        "kids Passport without parental consent",
    ),
    (924, "ERR_PASSPORT_NOT_VERIFIED", "Passport account not verified"),
    (928, "ERR_BAD_TICKET", "bad ticket"),
    (931, "ERR_WRONG_SERVER", "wrong server for this account"),
];

impl ErrorCode {
    /// The server refused the Passport ticket (`USR … TWN S`).
    pub const AUTHENTICATION_FAILED: ErrorCode = ErrorCode(911);
    /// The contact is already on the list, or already in the switchboard.
    pub const ALREADY_THERE: ErrorCode = ErrorCode(215);
    /// The contact is not on the list, or blocks the user.
    pub const NOT_ON_LIST: ErrorCode = ErrorCode(216);
    /// The contact is offline or does not accept messages.
    pub const NOT_ONLINE: ErrorCode = ErrorCode(217);
    /// The switchboard could not be created.
    pub const SWITCHBOARD_FAILED: ErrorCode = ErrorCode(280);
    /// The `QRY` answer to `CHL` was wrong; the server disconnects.
    pub const CHALLENGE_FAILED: ErrorCode = ErrorCode(540);
    /// `XFR SB` while hidden or before the first `CHG`.
    pub const NOT_ALLOWED_WHEN_OFFLINE: ErrorCode = ErrorCode(913);

    fn entry(self) -> Option<&'static (u16, &'static str, &'static str)> {
        ERROR_TABLE.iter().find(|(code, _, _)| *code == self.0)
    }

    /// The conventional constant name, for codes the sources document.
    pub fn name(self) -> Option<&'static str> {
        self.entry().map(|e| e.1)
    }

    /// A short English meaning, for codes the sources document.
    pub fn meaning(self) -> Option<&'static str> {
        self.entry().map(|e| e.2)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.meaning() {
            Some(meaning) => write!(f, "{} ({meaning})", self.0),
            None => write!(f, "{} (undocumented)", self.0),
        }
    }
}
