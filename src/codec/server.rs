//! [`ServerCommand`]: every command an MSNP8 server sends to a client, in the order of
//! the reference's inventory (§1.2).
//!
//! Longer than most modules on purpose: the table row, the grammar arm and the encoder
//! arm of each of the server's verbs stay in one file, in the same order, so one verb
//! reads in three places side by side; splitting by verb would scatter them.

use std::borrow::Cow;
use std::io::Write as _;

use super::command::{IntoStatic, TridField, commands};
use super::dialect::Dialect;
use super::error::{DecodeError, EncodeError};
use super::framer::{Direction, Frame, Limits};
use super::grammar::{
    Parsed, adc_fields, adc_line, caps, decode_with, field, flag, group, guid, host_port, list, list_in,
    number, parse_frame, payload, status, trid, verb_since,
};
use super::parse::{canonical_u32, span};
use super::raw::RawCommand;
use super::token::{EncodedName, GroupList, Guid, GuidList, Passport, Token, TokenList, is_guid};
use super::types::{
    AddPrompt, ClientCaps, ErrorCode, GroupId, HostPort, List, ListMask, Privacy, Status, TrId,
};
use super::verb;
use super::wire::{Prefixed, Word, line, payload_line};
use crate::Secret;

/// The account flags of a notification server's `USR … OK` (absent on switchboards).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct AccountFlags {
    /// The Passport's e-mail address is verified (since MSNP6).
    pub verified: bool,
    /// New in MSNP8: when set, the official client signs out [YW usr.md].
    pub restricted: Option<bool>,
}

/// The transaction id and new list version of a setting changed outside `SYN`
/// (`GTC T ver A`); inside a `SYN` block these commands carry neither [YW syn.md].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct ListStamp {
    /// The request's transaction id.
    pub trid: TrId,
    /// The list version after the change.
    pub version: u32,
}

/// The list version and contact of an asynchronous `BPR ver account PHH value`
/// (inside `SYN`, `BPR` follows its `LST` and names neither) [TW handle_BPR].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct BprStamp<'a> {
    /// The list version after the change.
    pub version: u32,
    /// The contact whose number changed.
    pub account: Passport<'a>,
}

/// The counts announced by `SYN T ver contacts groups` when a list download follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct SynCounts {
    /// How many `LST` lines follow.
    pub contacts: u32,
    /// How many `LSG` lines follow.
    pub groups: u32,
}

commands! {
/// A command sent by a dispatch, notification or switchboard server.
///
/// ```
/// use msnp::codec::{ServerCommand, Status};
/// let (nln, _) = ServerCommand::decode(b"NLN AWY example@passport.com example%20display%20name 268435492\r\n").unwrap();
/// let ServerCommand::Nln { status, account, name, caps, .. } = nln else { panic!() };
/// assert_eq!(status, Status::Away);
/// assert_eq!(account.as_str(), "example@passport.com");
/// assert_eq!(name.decode(), "example display name");
/// assert_eq!(caps.unwrap().0, 268435492);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum ServerCommand<'a> {
    /// `VER T MSNP8 [CVR0]`, or `VER T 0` when no offered dialect is spoken.
    Ver {
        /// The request's transaction id.
        trid: TrId,
        /// The dialects accepted, or `0`.
        protocols: TokenList<'a>,
    } = "VER", trid = trid;
    /// `CVR T rec rec2 min download-url info-url`: client version advice.
    Cvr {
        /// The request's transaction id.
        trid: TrId,
        /// Recommended version.
        recommended: Token<'a>,
        /// Recommended version, repeated.
        recommended_again: Token<'a>,
        /// Minimum version.
        minimum: Token<'a>,
        /// Where to download it.
        download_url: Token<'a>,
        /// Where to read about it.
        info_url: Token<'a>,
    } = "CVR", trid = trid;
    /// `USR T TWN S args`: the Passport 1.4 challenge, passed verbatim to Passport.
    UsrTwnChallenge {
        /// The request's transaction id.
        trid: TrId,
        /// The comma-separated `lc=…,id=…,…` arguments.
        challenge: Token<'a>,
    } = "USR", trid = trid;
    /// `USR T MD5 S salt`: the MD5 login's salt (MSNP7 and earlier).
    UsrMd5Salt {
        /// The request's transaction id.
        trid: TrId,
        /// The salt to hash with the password.
        salt: Token<'a>,
    } = "USR", trid = trid;
    /// `USR T OK account name [verified [restricted]]`: signed in (notification
    /// server), or joined (switchboard, without flags). MSNP10+ notification servers
    /// drop the name: `USR T OK account verified restricted` (the name comes as
    /// `PRP MFN` in `SYN`) [YW msnp10].
    UsrOk {
        /// The request's transaction id.
        trid: TrId,
        /// The user's account.
        account: Passport<'a>,
        /// The user's friendly name; `None` in the MSNP10+ notification form (then
        /// the flags, both of them, must be there for the line to read back).
        name: Option<EncodedName<'a>>,
        /// Account flags, from a notification server.
        flags: Option<AccountFlags>,
    } = "USR", trid = trid;
    /// `INF T MD5`: the login methods (MSNP7 and earlier).
    Inf {
        /// The request's transaction id.
        trid: TrId,
        /// The methods, `MD5`.
        methods: TokenList<'a>,
    } = "INF", trid = trid;
    /// `XFR T NS addr 0 [current]`: go to another notification server.
    XfrNs {
        /// The request's transaction id.
        trid: TrId,
        /// Where to connect.
        addr: HostPort<'a>,
        /// The server sending the referral (MSNP7+).
        current: Option<HostPort<'a>>,
    } = "XFR", trid = trid;
    /// `XFR T SB addr CKI cookie`: a switchboard is ready.
    XfrSb {
        /// The request's transaction id.
        trid: TrId,
        /// Where to connect.
        addr: HostPort<'a>,
        /// The one-use cookie for `USR`.
        cookie: Secret<Token<'a>>,
    } = "XFR", trid = trid;
    /// `SYN T ver [contacts groups]`: the list version; counts when a download follows.
    Syn {
        /// The request's transaction id.
        trid: TrId,
        /// The server's list version.
        version: u32,
        /// Present when the lists follow.
        counts: Option<SynCounts>,
    } = "SYN", trid = trid;
    /// `GTC [T ver] A|N`.
    Gtc {
        /// Outside `SYN`: the request and the new list version.
        stamp: Option<ListStamp>,
        /// The setting.
        prompt: AddPrompt,
    } = "GTC", trid = stamp;
    /// `BLP [T ver] AL|BL`.
    Blp {
        /// Outside `SYN`: the request and the new list version.
        stamp: Option<ListStamp>,
        /// The setting.
        privacy: Privacy,
    } = "BLP", trid = stamp;
    /// `PRP [T ver] property [value]`: a phone number or setting of the user.
    Prp {
        /// Outside `SYN`: the request and the new list version.
        stamp: Option<ListStamp>,
        /// `PHH`, `PHW`, `PHM`, `MOB`, `MBE`, …
        property: Token<'a>,
        /// The percent-encoded value; none when cleared.
        value: Option<EncodedName<'a>>,
    } = "PRP", trid = stamp;
    /// `LSG gid name 0`: a group, inside `SYN`.
    Lsg {
        /// The group id.
        group: GroupId,
        /// The group's name.
        name: EncodedName<'a>,
    } = "LSG";
    /// `LST account name lists [groups]`: a contact, inside `SYN`.
    Lst {
        /// The contact.
        account: Passport<'a>,
        /// The contact's friendly name.
        name: EncodedName<'a>,
        /// The lists the contact is on.
        lists: ListMask,
        /// The contact's groups, when on the forward list.
        groups: Option<GroupList<'a>>,
    } = "LST";
    /// `BPR [ver account] property [value]`: a contact's phone number or setting.
    Bpr {
        /// Outside `SYN`: the new list version and the contact.
        stamp: Option<BprStamp<'a>>,
        /// `PHH`, `PHW`, `PHM`, `MOB`, …
        property: Token<'a>,
        /// The percent-encoded value; none when cleared.
        value: Option<EncodedName<'a>>,
    } = "BPR";
    /// `CHG T status [caps [msnobj]]`: the user's status changed (TrID 0 when
    /// unsolicited). The MSNObject is MSNP9+.
    Chg {
        /// The request's transaction id, or 0.
        trid: TrId,
        /// The new status.
        status: Status,
        /// Client capability bits.
        caps: Option<ClientCaps>,
        /// The display picture's MSNObject, percent-encoded (MSNP9+; needs `caps`).
        msn_object: Option<EncodedName<'a>>,
    } = "CHG", trid = trid;
    /// `ILN T status account name [caps [msnobj]]`: a contact's status, after `CHG` or
    /// `ADD`. The MSNObject is MSNP9+ (Escargot always sends one, `%3Cmsnobj%2F%3E`).
    Iln {
        /// The `CHG` or `ADD` it answers.
        trid: TrId,
        /// The contact's status.
        status: Status,
        /// The contact.
        account: Passport<'a>,
        /// The contact's friendly name.
        name: EncodedName<'a>,
        /// The contact's capability bits.
        caps: Option<ClientCaps>,
        /// The contact's MSNObject, percent-encoded (MSNP9+; needs `caps`).
        msn_object: Option<EncodedName<'a>>,
    } = "ILN", trid = trid;
    /// `NLN status account name [caps [msnobj]]`: a contact came online or changed
    /// status. The MSNObject is MSNP9+.
    Nln {
        /// The contact's status.
        status: Status,
        /// The contact.
        account: Passport<'a>,
        /// The contact's friendly name.
        name: EncodedName<'a>,
        /// The contact's capability bits.
        caps: Option<ClientCaps>,
        /// The contact's MSNObject, percent-encoded (MSNP9+; needs `caps`).
        msn_object: Option<EncodedName<'a>>,
    } = "NLN";
    /// `FLN account`: a contact went offline.
    Fln {
        /// The contact.
        account: Passport<'a>,
    } = "FLN";
    /// `ADD T list ver account name [group]`: a contact was added (TrID 0 and list RL
    /// when someone added the user).
    Add {
        /// The request's transaction id, or 0.
        trid: TrId,
        /// The list.
        list: List,
        /// The new list version.
        version: u32,
        /// The contact.
        account: Passport<'a>,
        /// The contact's name.
        name: EncodedName<'a>,
        /// The group, for the forward list.
        group: Option<GroupId>,
    } = "ADD", trid = trid;
    /// `REM T list ver account [group]`: a contact was removed (TrID 0 and list RL when
    /// someone removed the user).
    Rem {
        /// The request's transaction id, or 0.
        trid: TrId,
        /// The list.
        list: List,
        /// The new list version.
        version: u32,
        /// The contact.
        account: Passport<'a>,
        /// Removed only from this group.
        group: Option<GroupId>,
    } = "REM", trid = trid;
    /// `REA T ver account name`: a name changed.
    Rea {
        /// The request's transaction id.
        trid: TrId,
        /// The new list version.
        version: u32,
        /// Whose name.
        account: Passport<'a>,
        /// The new name.
        name: EncodedName<'a>,
    } = "REA", trid = trid;
    /// `ADG T ver name gid 0`: a group was created.
    Adg {
        /// The request's transaction id.
        trid: TrId,
        /// The new list version.
        version: u32,
        /// The group's name.
        name: EncodedName<'a>,
        /// The new group's id.
        group: GroupId,
    } = "ADG", trid = trid;
    /// `RMG T ver gid`: a group was deleted.
    Rmg {
        /// The request's transaction id.
        trid: TrId,
        /// The new list version.
        version: u32,
        /// The group.
        group: GroupId,
    } = "RMG", trid = trid;
    /// `REG T ver gid name 0`: a group was renamed.
    Reg {
        /// The request's transaction id.
        trid: TrId,
        /// The new list version.
        version: u32,
        /// The group.
        group: GroupId,
        /// The new name.
        name: EncodedName<'a>,
    } = "REG", trid = trid;
    /// `URL T redirect-url login-url [site-id]`.
    Url {
        /// The request's transaction id.
        trid: TrId,
        /// The service's URL.
        redirect: Token<'a>,
        /// The Passport login URL to post to.
        login_url: Token<'a>,
        /// The Passport site id.
        site_id: Option<Token<'a>>,
    } = "URL", trid = trid;
    /// `CHL 0 challenge`: answer with `QRY` within about 50 seconds [NINA Challenges].
    Chl {
        /// Always 0 in practice.
        trid: TrId,
        /// The challenge string, to hash with the product key.
        challenge: Token<'a>,
    } = "CHL", trid = trid;
    /// `QRY T`: the challenge answer was right.
    Qry {
        /// The `QRY` request's transaction id.
        trid: TrId,
    } = "QRY", trid = trid;
    /// `RNG session addr CKI cookie account name`: someone invites the user into a
    /// switchboard. The first field is a session id, not a TrID.
    Rng {
        /// The switchboard session id.
        session: Token<'a>,
        /// The switchboard's address.
        addr: HostPort<'a>,
        /// The cookie for `ANS`.
        cookie: Secret<Token<'a>>,
        /// Who invites.
        account: Passport<'a>,
        /// Their friendly name.
        name: EncodedName<'a>,
    } = "RNG";
    /// `QNG [seconds]`: keep-alive answer; the seconds until the next `PNG` are MSNP9+.
    Qng {
        /// Seconds until the next ping is due (MSNP9+).
        seconds: Option<u32>,
    } = "QNG";
    /// `OUT [reason]`: the server closes the connection; see [`OutReason`](super::OutReason).
    Out {
        /// `OTH`, `SSD`, or a later dialect's word.
        reason: Option<Token<'a>>,
    } = "OUT";
    /// `MSG from name length` + payload: a message (`Hotmail Hotmail` on the
    /// notification server).
    Msg {
        /// The sender.
        from: Passport<'a>,
        /// The sender's friendly name.
        name: EncodedName<'a>,
        /// The MIME-style payload (see the `msg` module).
        payload: Cow<'a, [u8]>,
    } = "MSG";
    /// `NOT length` + payload: an MSN Alerts notification (XML).
    Not {
        /// The payload.
        payload: Cow<'a, [u8]>,
    } = "NOT";
    /// `IPG length` + payload: an incoming page.
    Ipg {
        /// The payload.
        payload: Cow<'a, [u8]>,
    } = "IPG";
    /// `CAL T RINGING session`: the invitation is on its way (not yet joined).
    Cal {
        /// The `CAL` request's transaction id.
        trid: TrId,
        /// The switchboard session id.
        session: Token<'a>,
    } = "CAL", trid = trid;
    /// `ANS T OK`: joined the switchboard after the `IRO` roster.
    Ans {
        /// The `ANS` request's transaction id.
        trid: TrId,
    } = "ANS", trid = trid;
    /// `IRO T index total account name [caps]`: a participant already in the
    /// switchboard; the caps are MSNP12's [YW msnp12].
    Iro {
        /// The `ANS` request's transaction id.
        trid: TrId,
        /// This participant's position, from 1.
        index: u32,
        /// How many participants are listed.
        total: u32,
        /// The participant.
        account: Passport<'a>,
        /// Their friendly name.
        name: EncodedName<'a>,
        /// Their capability bits (MSNP12).
        caps: Option<ClientCaps>,
    } = "IRO", trid = trid;
    /// `JOI account name [caps]`: a participant joined the switchboard; the caps are
    /// MSNP12's.
    Joi {
        /// The participant.
        account: Passport<'a>,
        /// Their friendly name.
        name: EncodedName<'a>,
        /// Their capability bits (MSNP12).
        caps: Option<ClientCaps>,
    } = "JOI";
    /// `BYE account [1]`: a participant left (`1`: dropped by the server for idleness).
    Bye {
        /// The participant.
        account: Passport<'a>,
        /// Dropped by the server rather than leaving.
        idle: bool,
    } = "BYE";
    /// `ACK T`: the message with this TrID was delivered.
    Ack {
        /// The `MSG` request's transaction id.
        trid: TrId,
    } = "ACK", trid = trid;
    /// `NAK T`: the message with this TrID was not delivered.
    Nak {
        /// The `MSG` request's transaction id.
        trid: TrId,
    } = "NAK", trid = trid;
    /// `SYN T list-stamp settings-stamp [contacts groups]` (MSNP10+): the list and
    /// settings versions as ISO-8601 timestamps; the counts when the lists follow (a
    /// valid cache gets the three-field form) [NINA MSNP11/Changes].
    SynStamps {
        /// The request's transaction id.
        trid: TrId,
        /// The list version (a timestamp).
        list_stamp: Token<'a>,
        /// The settings version (a timestamp).
        settings_stamp: Token<'a>,
        /// Present when the lists follow.
        counts: Option<SynCounts>,
    } = "SYN", trid = trid;
    /// `GTC T A|N` (MSNP10+): the setting changed; no list version any more.
    GtcReply {
        /// The request's transaction id.
        trid: TrId,
        /// The setting.
        prompt: AddPrompt,
    } = "GTC", trid = trid;
    /// `BLP T AL|BL` (MSNP10+): the setting changed; no list version any more.
    BlpReply {
        /// The request's transaction id.
        trid: TrId,
        /// The setting.
        privacy: Privacy,
    } = "BLP", trid = trid;
    /// `PRP T property [value]` (MSNP10+, `PRP T MFN name` for the user's own name):
    /// a property changed; no list version any more.
    PrpReply {
        /// The request's transaction id.
        trid: TrId,
        /// `MFN`, `PHH`, `PHW`, `PHM`, `MOB`, `MBE`, …
        property: Token<'a>,
        /// The percent-encoded value; none when cleared.
        value: Option<EncodedName<'a>>,
    } = "PRP", trid = trid;
    /// `LSG name guid` (MSNP10+): a group, inside `SYN`.
    LsgGuid {
        /// The group's name.
        name: EncodedName<'a>,
        /// The group's id.
        group: Guid<'a>,
    } = "LSG";
    /// `LST N=account [F=name] [C=contact] lists [network] [groups]` (MSNP10+): a
    /// contact, inside `SYN`. MSNP12 adds the network id (1 = MSN) [YW msnp12]; the
    /// groups are comma-separated GUIDs, absent for a contact in none.
    LstGuid {
        /// The contact (`N=`).
        account: Passport<'a>,
        /// The stored name (`F=`).
        name: Option<EncodedName<'a>>,
        /// The contact's id, for forward-list members (`C=`).
        contact: Option<Guid<'a>>,
        /// The lists the contact is on.
        lists: ListMask,
        /// The network id (MSNP12).
        network: Option<u32>,
        /// The contact's groups.
        groups: Option<GuidList<'a>>,
    } = "LST";
    /// `BPR account property [value]` (MSNP10+): a contact's phone number changed,
    /// outside `SYN`; no list version any more.
    BprOf {
        /// The contact.
        account: Passport<'a>,
        /// `PHH`, `PHW`, `PHM`, `MOB`, …
        property: Token<'a>,
        /// The percent-encoded value; none when cleared.
        value: Option<EncodedName<'a>>,
    } = "BPR";
    /// `ADC T list [N=account] [F=name] [C=contact] [group]` (MSNP10+): a contact was
    /// added (TrID 0 and list RL when someone added the user: `ADC 0 RL N=… F=…`); the
    /// forward-list reply carries the new `C=` id; `ADC T FL C=contact group` added a
    /// contact to a group [NINA Commands/ADC; YW adc].
    Adc {
        /// The request's transaction id, or 0.
        trid: TrId,
        /// The list.
        list: List,
        /// The contact (`N=`).
        account: Option<Passport<'a>>,
        /// The stored name (`F=`).
        name: Option<EncodedName<'a>>,
        /// The contact's id (`C=`).
        contact: Option<Guid<'a>>,
        /// The group the contact was added to.
        group: Option<Guid<'a>>,
    } = "ADC", trid = trid;
    /// `REM T FL contact [group]` (MSNP10+): a forward-list contact was removed, by id;
    /// with a group, from that group only.
    RemGuid {
        /// The request's transaction id.
        trid: TrId,
        /// The contact's id.
        contact: Guid<'a>,
        /// Removed only from this group.
        group: Option<Guid<'a>>,
    } = "REM", trid = trid;
    /// `REM T AL|BL|RL|PL account` (MSNP10+): a contact was removed from a list by its
    /// handle (TrID 0 and RL when someone removed the user).
    RemHandle {
        /// The request's transaction id, or 0.
        trid: TrId,
        /// The list (not FL).
        list: List,
        /// The contact.
        account: Passport<'a>,
    } = "REM", trid = trid;
    /// `ADG T name guid` (MSNP10+; Escargot appends ` 0`, read as the same): a group
    /// was created.
    AdgGuid {
        /// The request's transaction id.
        trid: TrId,
        /// The group's name.
        name: EncodedName<'a>,
        /// The new group's id.
        group: Guid<'a>,
    } = "ADG", trid = trid;
    /// `RMG T guid` (MSNP10+; Escargot's `RMG T 1 guid` reads as the same): a group was
    /// deleted.
    RmgGuid {
        /// The request's transaction id.
        trid: TrId,
        /// The group.
        group: Guid<'a>,
    } = "RMG", trid = trid;
    /// `REG T guid name` (MSNP10+; Escargot's `REG T 1 name guid 0` reads as the same):
    /// a group was renamed.
    RegGuid {
        /// The request's transaction id.
        trid: TrId,
        /// The group.
        group: Guid<'a>,
        /// The new name.
        name: EncodedName<'a>,
    } = "REG", trid = trid;
    /// `SBP T contact property value` (MSNP10+): a contact's stored property (`MFN`,
    /// the name) changed [NINA Commands/SBP].
    Sbp {
        /// The request's transaction id.
        trid: TrId,
        /// The contact's id.
        contact: Guid<'a>,
        /// `MFN`, …
        property: Token<'a>,
        /// The percent-encoded value.
        value: EncodedName<'a>,
    } = "SBP", trid = trid;
    /// `UUX T [0]` (MSNP11+): the personal message was stored. The `0` is an empty
    /// payload's length; some servers leave it out [YW uux].
    Uux {
        /// The request's transaction id.
        trid: TrId,
        /// Whether the line ends with the `0` length.
        with_length: bool,
    } = "UUX", trid = trid;
    /// `UBX account length` + payload (MSNP11+): a contact's personal message and
    /// current media (`<Data><PSM>…</PSM>…</Data>`).
    Ubx {
        /// The contact.
        account: Passport<'a>,
        /// The XML payload.
        payload: Cow<'a, [u8]>,
    } = "UBX";
    /// `GCF T file length` + payload (MSNP11+): a configuration file (`Shields.xml`).
    Gcf {
        /// The request's transaction id.
        trid: TrId,
        /// The file's name.
        file: Token<'a>,
        /// The file.
        payload: Cow<'a, [u8]>,
    } = "GCF", trid = trid;
    /// `SBS T words…` (MSNP11+): subscription status, `SBS 0 null` after login; to be
    /// ignored [YW sbs].
    Sbs {
        /// Always 0 in practice.
        trid: TrId,
        /// `null`, or `SC=…;SI=…`.
        args: TokenList<'a>,
    } = "SBS", trid = trid;
    /// `OUT RCT minutes` (MSNP11+): the server closes the connection; reconnect after
    /// the minutes given.
    OutReconnect {
        /// Minutes to wait before reconnecting.
        minutes: u32,
    } = "OUT";
    /// `NNN [T] [words…]`: an error reply [DRAFT §7.11; HYP error_list].
    Error {
        /// The three-digit code.
        code: ErrorCode,
        /// The request it answers; server-generated errors have none.
        trid: Option<TrId>,
        /// Any further words.
        extra: Option<TokenList<'a>>,
    } = "error", trid = trid;
}
}

impl<'a> ServerCommand<'a> {
    /// Decodes the command at the start of `input` with the default [`Limits`], returning
    /// it and the number of bytes it spans.
    ///
    /// Commands that look the same inside and outside `SYN` are told apart by their
    /// number of words (reference §11.1).
    pub fn decode(input: &'a [u8]) -> Result<(Self, usize), DecodeError> {
        Self::decode_with_limits(input, &Limits::default())
    }

    /// [`ServerCommand::decode`] with explicit limits.
    pub fn decode_with_limits(input: &'a [u8], limits: &Limits) -> Result<(Self, usize), DecodeError> {
        Self::decode_in(input, Dialect::Msnp8, limits)
    }

    /// [`ServerCommand::decode_with_limits`] in `dialect`: the shapes of that dialect are
    /// typed, those it does not have stay [`ServerCommand::Other`].
    ///
    /// ```
    /// use msnp::codec::{Dialect, Limits, ServerCommand};
    /// let line = b"USR 4 OK alice@example.com 1 0\r\n";
    /// let (ok, _) = ServerCommand::decode_in(line, Dialect::Msnp11, &Limits::default()).unwrap();
    /// let ServerCommand::UsrOk { name, flags, .. } = ok else { panic!() };
    /// assert_eq!((name, flags.map(|f| f.verified)), (None, Some(true)));
    /// ```
    pub fn decode_in(
        input: &'a [u8],
        dialect: Dialect,
        limits: &Limits,
    ) -> Result<(Self, usize), DecodeError> {
        decode_with(
            input,
            Direction::ServerToClient,
            dialect,
            limits,
            parse,
            ServerCommand::Other,
        )
    }

    /// Parses a frame a [`Framer`](super::Framer) for `Direction::ServerToClient` handed out,
    /// in the frame's [`dialect`](Frame::dialect); the framer has already consumed its
    /// [`Frame::len`](super::Frame::len) bytes.
    ///
    /// ```
    /// use msnp::codec::{Direction, Framer, Limits, ServerCommand};
    /// let mut framer = Framer::new(Direction::ServerToClient, Limits::default());
    /// framer.push(b"OUT\r\n");
    /// let frame = framer.next_frame().unwrap().unwrap();
    /// assert!(matches!(ServerCommand::decode_frame(frame), Ok(ServerCommand::Out { .. })));
    /// ```
    pub fn decode_frame(frame: Frame<'a>) -> Result<Self, DecodeError> {
        parse_frame(frame, parse, ServerCommand::Other)
    }

    /// Appends the command's bytes to `out`. Fails, appending nothing, only where the
    /// value would read back as something else: a field that needs another one absent
    /// (an MSNObject without caps, a nameless `UsrOk` without both flags, an `Adc`
    /// without any field), `PL` in an MSNP8 command, an [`ServerCommand::Error`] whose code
    /// is not three digits, or without TrID whose first extra word is a number (it would
    /// read back as the TrID); an [`ServerCommand::Other`] whose payload does not match
    /// what the verb carries from a server (see [`RawCommand::check_direction`]). An
    /// `Other` with a typed verb or a three-digit one is written as it is and reads back
    /// typed.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        use ServerCommand::*;
        check(self)?;
        match self {
            Ver { trid, protocols } => line(out, "VER", &[trid, protocols]),
            Cvr {
                trid,
                recommended,
                recommended_again,
                minimum,
                download_url,
                info_url,
            } => line(
                out,
                "CVR",
                &[
                    trid,
                    recommended,
                    recommended_again,
                    minimum,
                    download_url,
                    info_url,
                ],
            ),
            UsrTwnChallenge { trid, challenge } => line(out, "USR", &[trid, &"TWN", &"S", challenge]),
            UsrMd5Salt { trid, salt } => line(out, "USR", &[trid, &"MD5", &"S", salt]),
            UsrOk {
                trid,
                account,
                name,
                flags,
            } => {
                let verified = flags.map(|f| f.verified);
                let restricted = flags.and_then(|f| f.restricted);
                line(out, "USR", &[trid, &"OK", account, name, &verified, &restricted])
            }
            Inf { trid, methods } => line(out, "INF", &[trid, methods]),
            XfrNs { trid, addr, current } => line(out, "XFR", &[trid, &"NS", addr, &"0", current]),
            XfrSb { trid, addr, cookie } => line(out, "XFR", &[trid, &"SB", addr, &"CKI", cookie]),
            Syn {
                trid,
                version,
                counts,
            } => {
                let contacts = counts.map(|c| c.contacts);
                let groups = counts.map(|c| c.groups);
                line(out, "SYN", &[trid, version, &contacts, &groups])
            }
            Gtc { stamp, prompt } => line(out, "GTC", &[stamp, prompt]),
            Blp { stamp, privacy } => line(out, "BLP", &[stamp, privacy]),
            Prp {
                stamp,
                property,
                value,
            } => line(out, "PRP", &[stamp, property, value]),
            Lsg { group, name } => line(out, "LSG", &[group, name, &"0"]),
            Lst {
                account,
                name,
                lists,
                groups,
            } => line(out, "LST", &[account, name, lists, groups]),
            Bpr {
                stamp,
                property,
                value,
            } => line(out, "BPR", &[stamp, property, value]),
            Chg {
                trid,
                status,
                caps,
                msn_object,
            } => line(out, "CHG", &[trid, status, caps, msn_object]),
            Iln {
                trid,
                status,
                account,
                name,
                caps,
                msn_object,
            } => line(out, "ILN", &[trid, status, account, name, caps, msn_object]),
            Nln {
                status,
                account,
                name,
                caps,
                msn_object,
            } => line(out, "NLN", &[status, account, name, caps, msn_object]),
            Fln { account } => line(out, "FLN", &[account]),
            Add {
                trid,
                list,
                version,
                account,
                name,
                group,
            } => line(out, "ADD", &[trid, list, version, account, name, group]),
            Rem {
                trid,
                list,
                version,
                account,
                group,
            } => line(out, "REM", &[trid, list, version, account, group]),
            Rea {
                trid,
                version,
                account,
                name,
            } => line(out, "REA", &[trid, version, account, name]),
            Adg {
                trid,
                version,
                name,
                group,
            } => line(out, "ADG", &[trid, version, name, group, &"0"]),
            Rmg { trid, version, group } => line(out, "RMG", &[trid, version, group]),
            Reg {
                trid,
                version,
                group,
                name,
            } => line(out, "REG", &[trid, version, group, name, &"0"]),
            Url {
                trid,
                redirect,
                login_url,
                site_id,
            } => line(out, "URL", &[trid, redirect, login_url, site_id]),
            Chl { trid, challenge } => line(out, "CHL", &[trid, challenge]),
            Qry { trid } => line(out, "QRY", &[trid]),
            Rng {
                session,
                addr,
                cookie,
                account,
                name,
            } => line(out, "RNG", &[session, addr, &"CKI", cookie, account, name]),
            Qng { seconds } => line(out, "QNG", &[seconds]),
            Out { reason } => line(out, "OUT", &[reason]),
            Msg { from, name, payload } => payload_line(out, "MSG", &[from, name], payload),
            Not { payload } => payload_line(out, "NOT", &[], payload),
            Ipg { payload } => payload_line(out, "IPG", &[], payload),
            Cal { trid, session } => line(out, "CAL", &[trid, &"RINGING", session]),
            Ans { trid } => line(out, "ANS", &[trid, &"OK"]),
            Iro {
                trid,
                index,
                total,
                account,
                name,
                caps,
            } => line(out, "IRO", &[trid, index, total, account, name, caps]),
            Joi { account, name, caps } => line(out, "JOI", &[account, name, caps]),
            Bye { account, idle } => line(out, "BYE", &[account, &idle.then_some("1")]),
            Ack { trid } => line(out, "ACK", &[trid]),
            Nak { trid } => line(out, "NAK", &[trid]),
            SynStamps {
                trid,
                list_stamp,
                settings_stamp,
                counts,
            } => {
                let contacts = counts.map(|c| c.contacts);
                let groups = counts.map(|c| c.groups);
                line(
                    out,
                    "SYN",
                    &[trid, list_stamp, settings_stamp, &contacts, &groups],
                )
            }
            GtcReply { trid, prompt } => line(out, "GTC", &[trid, prompt]),
            BlpReply { trid, privacy } => line(out, "BLP", &[trid, privacy]),
            PrpReply {
                trid,
                property,
                value,
            } => line(out, "PRP", &[trid, property, value]),
            LsgGuid { name, group } => line(out, "LSG", &[name, group]),
            LstGuid {
                account,
                name,
                contact,
                lists,
                network,
                groups,
            } => line(
                out,
                "LST",
                &[
                    &Prefixed("N=", account.as_str()),
                    &name.as_ref().map(|n| Prefixed("F=", n.as_str())),
                    &contact.as_ref().map(|c| Prefixed("C=", c.as_str())),
                    lists,
                    network,
                    groups,
                ],
            ),
            BprOf {
                account,
                property,
                value,
            } => line(out, "BPR", &[account, property, value]),
            Adc {
                trid,
                list,
                account,
                name,
                contact,
                group,
            } => adc_line(out, trid, list, (account, name, contact, group)),
            RemGuid { trid, contact, group } => line(out, "REM", &[trid, &"FL", contact, group]),
            RemHandle { trid, list, account } => line(out, "REM", &[trid, list, account]),
            AdgGuid { trid, name, group } => line(out, "ADG", &[trid, name, group]),
            RmgGuid { trid, group } => line(out, "RMG", &[trid, group]),
            RegGuid { trid, group, name } => line(out, "REG", &[trid, group, name]),
            Sbp {
                trid,
                contact,
                property,
                value,
            } => line(out, "SBP", &[trid, contact, property, value]),
            Uux { trid, with_length } => line(out, "UUX", &[trid, &with_length.then_some("0")]),
            Ubx { account, payload } => payload_line(out, "UBX", &[account], payload),
            Gcf { trid, file, payload } => payload_line(out, "GCF", &[trid, file], payload),
            Sbs { trid, args } => line(out, "SBS", &[trid, args]),
            OutReconnect { minutes } => line(out, "OUT", &[&"RCT", minutes]),
            Error { code, trid, extra } => {
                // `0xx` and four-digit codes would read back as unknown verbs.
                if !(100..=999).contains(&code.0) {
                    return Err(EncodeError::InvalidField {
                        reason: "error code is not three digits from 100 to 999",
                    });
                }
                let first_extra = extra.as_ref().and_then(|e| e.iter().next());
                if trid.is_none() && first_extra.is_some_and(|w| super::grammar::trid(w).is_ok()) {
                    return Err(EncodeError::InvalidField {
                        reason: "error extra words without a TrID cannot start with a number",
                    });
                }
                // Writing into a Vec cannot fail.
                let _ = write!(out, "{}", code.0);
                line(out, "", &[trid, extra])
            }
            Other(raw) => {
                raw.check_direction(Direction::ServerToClient)?;
                raw.encode(out);
            }
        }
        Ok(())
    }
}

impl Word for ListStamp {
    fn put(&self, out: &mut Vec<u8>) {
        self.trid.put(out);
        self.version.put(out);
    }
}

impl Word for BprStamp<'_> {
    fn put(&self, out: &mut Vec<u8>) {
        self.version.put(out);
        self.account.put(out);
    }
}

impl IntoStatic for BprStamp<'_> {
    type Static = BprStamp<'static>;
    fn into_static(self) -> BprStamp<'static> {
        BprStamp {
            version: self.version,
            account: self.account.into_owned(),
        }
    }
}

macro_rules! static_by_copy {
    ($($ty:ty),+) => {$(
        impl IntoStatic for $ty {
            type Static = $ty;
            fn into_static(self) -> $ty {
                self
            }
        }
    )+};
}
static_by_copy!(AccountFlags, ListStamp, SynCounts);

impl TridField for ListStamp {
    fn get(&self) -> Option<TrId> {
        Some(self.trid)
    }
    fn set(&mut self, trid: TrId) {
        self.trid = trid;
    }
}

/// What `encode` refuses before writing: values whose bytes would read back as another.
fn check(command: &ServerCommand<'_>) -> Result<(), EncodeError> {
    use ServerCommand::*;
    let refuse = |reason| Err(EncodeError::InvalidField { reason });
    match command {
        Chg { caps, msn_object, .. } | Iln { caps, msn_object, .. } | Nln { caps, msn_object, .. }
            if msn_object.is_some() && caps.is_none() =>
        {
            refuse("an MSNObject needs the caps before it")
        }
        UsrOk {
            name: None, flags, ..
        } if flags.is_some_and(|f| f.restricted.is_none()) => {
            refuse("a nameless USR OK needs both flags or none")
        }
        Adc {
            account: None,
            name: None,
            contact: None,
            group: None,
            ..
        } => refuse("ADC needs at least one of N=, F=, C= or a group"),
        Add {
            list: List::Pending, ..
        }
        | Rem {
            list: List::Pending, ..
        } => refuse("PL is MSNP10's; MSNP8's ADD and REM have no such list"),
        RemHandle {
            list: List::Forward, ..
        } => refuse("forward-list contacts are removed by GUID (RemGuid)"),
        BprOf { account, .. } if !account.as_str().contains('@') => {
            refuse("BPR's contact must be an address (with @) to read back as one")
        }
        _ => Ok(()),
    }
}

/// The `LST` of MSNP10+: `N=`, `F=`, `C=` by prefix, then the list bits, the network id
/// (a number; MSNP12) and the groups. Runs of spaces (Escargot's trailing one) are
/// already gone with the word split.
fn lst_guid<'a>(args: &[&'a str], clean: bool) -> Result<ServerCommand<'a>, &'static str> {
    let mut rest = args;
    let mut prefixed = |prefix: &str| match rest.split_first() {
        Some((word, more)) => word.strip_prefix(prefix).inspect(|_| rest = more),
        None => None,
    };
    let account = prefixed("N=").ok_or("LST without N=")?;
    let name = prefixed("F=");
    let contact = prefixed("C=");
    let (lists, tail) = rest.split_first().ok_or("LST without list bits")?;
    let (network, groups) = match tail {
        [] => (None, None),
        [one] if canonical_u32(one).is_some() => (Some(*one), None),
        [one] => (None, Some(*one)),
        [network, groups] => (Some(*network), Some(*groups)),
        _ => return Err("LST has words after its groups"),
    };
    Ok(ServerCommand::LstGuid {
        account: Passport::from_word(account, clean).map_err(|_| "account is not a valid token")?,
        name: name
            .map(|n| EncodedName::from_word(n, clean))
            .transpose()
            .map_err(|_| "name is not a valid token")?,
        contact: contact.map(guid).transpose()?,
        lists: ListMask(
            number(lists, "bad list mask")?
                .try_into()
                .map_err(|_| "list mask out of range")?,
        ),
        network: network.map(|n| number(n, "bad network id")).transpose()?,
        groups: groups.map(|g| field(g, "bad group list")).transpose()?,
    })
}

fn stamp(t: &str, version: &str) -> Result<ListStamp, &'static str> {
    Ok(ListStamp {
        trid: trid(t)?,
        version: number(version, "bad list version")?,
    })
}

#[inline(always)]
fn optional<'a, T>(
    word: Option<&&'a str>,
    parse: impl FnOnce(&'a str) -> Result<T, &'static str>,
) -> Result<Option<T>, &'static str> {
    word.map(|w| parse(w)).transpose()
}

/// One arm per verb, in the order of the enum.
// Inlined into each entry point so the command is built where it is returned, not
// copied out through three layers of `Result`.
#[inline(always)]
fn parse<'a>(
    line: &'a str,
    words: &[&'a str],
    body: Option<&'a [u8]>,
    clean: bool,
    dialect: Dialect,
) -> Parsed<ServerCommand<'a>> {
    use ServerCommand::*;
    let Some((&verb, args)) = words.split_first() else {
        return Ok(None);
    };
    if verb_since(verb) > dialect {
        return Ok(None);
    }
    let v10 = dialect >= Dialect::Msnp10;
    // MSNP9 added the MSNObject after the caps; MSNP12 the caps to IRO and JOI.
    let presence_extra = if dialect >= Dialect::Msnp9 { 2 } else { 1 };
    let roster_extra = usize::from(dialect >= Dialect::Msnp12);
    let account = |w: &'a str| Passport::from_word(w, clean).map_err(|_| "account is not a valid token");
    let name = |w: &'a str| EncodedName::from_word(w, clean).map_err(|_| "name is not a valid token");
    let token = |w: &'a str| Token::from_word(w, clean).map_err(|_| "field is not a valid token");
    let version = |w: &'a str| number(w, "bad list version");
    let command = match (verb::code(verb.as_bytes()), args) {
        (verb::VER, [t, first, rest @ ..]) => Ver {
            trid: trid(t)?,
            protocols: field(
                span(line, first, rest.last().unwrap_or(first)),
                "bad protocol list",
            )?,
        },
        (verb::CVR, [t, recommended, recommended_again, minimum, download_url, info_url]) => Cvr {
            trid: trid(t)?,
            recommended: token(recommended)?,
            recommended_again: token(recommended_again)?,
            minimum: token(minimum)?,
            download_url: token(download_url)?,
            info_url: token(info_url)?,
        },
        (verb::USR, [t, "TWN", "S", challenge]) => UsrTwnChallenge {
            trid: trid(t)?,
            challenge: token(challenge)?,
        },
        (verb::USR, [t, "MD5", "S", salt]) => UsrMd5Salt {
            trid: trid(t)?,
            salt: token(salt)?,
        },
        (verb::USR, [t, "OK", who, rest @ ..]) if v10 && rest.len() <= 3 => {
            let (friendly, flags) = match rest {
                [] => (None, None),
                [friendly] => (Some(friendly), None),
                [verified, restricted] if flag(verified).is_ok() && flag(restricted).is_ok() => (
                    None,
                    Some(AccountFlags {
                        verified: flag(verified)?,
                        restricted: Some(flag(restricted)?),
                    }),
                ),
                [friendly, verified, restricted @ ..] => (
                    Some(friendly),
                    Some(AccountFlags {
                        verified: flag(verified)?,
                        restricted: optional(restricted.first(), flag)?,
                    }),
                ),
            };
            UsrOk {
                trid: trid(t)?,
                account: account(who)?,
                name: optional(friendly, name)?,
                flags,
            }
        }
        (verb::USR, [t, "OK", who, friendly, rest @ ..]) if rest.len() <= 2 => UsrOk {
            trid: trid(t)?,
            account: account(who)?,
            name: Some(name(friendly)?),
            flags: match rest {
                [] => None,
                [verified, restricted @ ..] => Some(AccountFlags {
                    verified: flag(verified)?,
                    restricted: optional(restricted.first(), flag)?,
                }),
            },
        },
        (verb::INF, [t, first, rest @ ..]) => Inf {
            trid: trid(t)?,
            methods: field(span(line, first, rest.last().unwrap_or(first)), "bad method list")?,
        },
        (verb::XFR, [t, "NS", addr, "0", current @ ..]) if current.len() <= 1 => XfrNs {
            trid: trid(t)?,
            addr: host_port(addr)?,
            current: optional(current.first(), host_port)?,
        },
        (verb::XFR, [t, "SB", addr, "CKI", cookie]) => XfrSb {
            trid: trid(t)?,
            addr: host_port(addr)?,
            cookie: Secret::new(token(cookie)?),
        },
        (verb::SYN, [t, list_stamp, settings_stamp, counts @ ..]) if v10 && counts.len() != 1 => SynStamps {
            trid: trid(t)?,
            list_stamp: token(list_stamp)?,
            settings_stamp: token(settings_stamp)?,
            counts: match counts {
                [] => None,
                [contacts, groups] => Some(SynCounts {
                    contacts: number(contacts, "bad contact count")?,
                    groups: number(groups, "bad group count")?,
                }),
                _ => return Err("SYN has words after its counts"),
            },
        },
        (verb::SYN, [t, ver]) => Syn {
            trid: trid(t)?,
            version: version(ver)?,
            counts: None,
        },
        (verb::SYN, [t, ver, contacts, groups]) => Syn {
            trid: trid(t)?,
            version: version(ver)?,
            counts: Some(SynCounts {
                contacts: number(contacts, "bad contact count")?,
                groups: number(groups, "bad group count")?,
            }),
        },
        (verb::GTC, [t, setting]) if v10 => GtcReply {
            trid: trid(t)?,
            prompt: AddPrompt::from_wire(setting).ok_or("GTC setting is neither A nor N")?,
        },
        (verb::BLP, [t, setting]) if v10 => BlpReply {
            trid: trid(t)?,
            privacy: Privacy::from_wire(setting).ok_or("BLP setting is neither AL nor BL")?,
        },
        (verb::GTC, [setting]) | (verb::GTC, [_, _, setting]) => Gtc {
            stamp: match args {
                [t, v, _] => Some(stamp(t, v)?),
                _ => None,
            },
            prompt: AddPrompt::from_wire(setting).ok_or("GTC setting is neither A nor N")?,
        },
        (verb::BLP, [setting]) | (verb::BLP, [_, _, setting]) => Blp {
            stamp: match args {
                [t, v, _] => Some(stamp(t, v)?),
                _ => None,
            },
            privacy: Privacy::from_wire(setting).ok_or("BLP setting is neither AL nor BL")?,
        },
        // MSNP10+ replies lead with the TrID; properties are never numbers.
        (verb::PRP, [t, property, value @ ..]) if v10 && value.len() <= 1 && canonical_u32(t).is_some() => {
            PrpReply {
                trid: trid(t)?,
                property: token(property)?,
                value: optional(value.first(), name)?,
            }
        }
        // Inside SYN: 1 or 2 words; outside: TrID and version first, 3 or 4 [YW prp.md].
        (verb::PRP, [property, value @ ..]) if value.len() <= 1 => Prp {
            stamp: None,
            property: token(property)?,
            value: optional(value.first(), name)?,
        },
        (verb::PRP, [t, v, property, value @ ..]) if value.len() <= 1 => Prp {
            stamp: Some(stamp(t, v)?),
            property: token(property)?,
            value: optional(value.first(), name)?,
        },
        (verb::LSG, [group_name, g]) if v10 => LsgGuid {
            name: name(group_name)?,
            group: guid(g)?,
        },
        (verb::LST, _) if v10 => lst_guid(args, clean)?,
        (verb::LSG, [g, group_name, "0"]) => Lsg {
            group: group(g)?,
            name: name(group_name)?,
        },
        (verb::LST, [who, friendly, lists, groups @ ..]) if groups.len() <= 1 => Lst {
            account: account(who)?,
            name: name(friendly)?,
            lists: ListMask(
                number(lists, "bad list mask")?
                    .try_into()
                    .map_err(|_| "list mask out of range")?,
            ),
            groups: optional(groups.first(), |g| field(g, "bad group list"))?,
        },
        // Outside SYN in MSNP10+: the contact first, an address where properties are words.
        (verb::BPR, [who, property, value @ ..]) if v10 && value.len() <= 1 && who.contains('@') => BprOf {
            account: account(who)?,
            property: token(property)?,
            value: optional(value.first(), name)?,
        },
        // Inside SYN: 1 or 2 words; outside: version and account first [TW handle_BPR].
        (verb::BPR, [property, value @ ..]) if value.len() <= 1 => Bpr {
            stamp: None,
            property: token(property)?,
            value: optional(value.first(), name)?,
        },
        (verb::BPR, [v, who, property, value @ ..]) if value.len() <= 1 => Bpr {
            stamp: Some(BprStamp {
                version: version(v)?,
                account: account(who)?,
            }),
            property: token(property)?,
            value: optional(value.first(), name)?,
        },
        (verb::CHG, [t, st, rest @ ..]) if rest.len() <= presence_extra => Chg {
            trid: trid(t)?,
            status: status(st)?,
            caps: optional(rest.first(), caps)?,
            msn_object: optional(rest.get(1), name)?,
        },
        (verb::ILN, [t, st, who, friendly, rest @ ..]) if rest.len() <= presence_extra => Iln {
            trid: trid(t)?,
            status: status(st)?,
            account: account(who)?,
            name: name(friendly)?,
            caps: optional(rest.first(), caps)?,
            msn_object: optional(rest.get(1), name)?,
        },
        (verb::NLN, [st, who, friendly, rest @ ..]) if rest.len() <= presence_extra => Nln {
            status: status(st)?,
            account: account(who)?,
            name: name(friendly)?,
            caps: optional(rest.first(), caps)?,
            msn_object: optional(rest.get(1), name)?,
        },
        (verb::FLN, [who]) => Fln {
            account: account(who)?,
        },
        (verb::ADD, [t, l, v, who, friendly, rest @ ..]) if rest.len() <= 1 => Add {
            trid: trid(t)?,
            list: list(l)?,
            version: version(v)?,
            account: account(who)?,
            name: name(friendly)?,
            group: optional(rest.first(), group)?,
        },
        (verb::REM, [t, "FL", contact, group @ ..]) if v10 && group.len() <= 1 => RemGuid {
            trid: trid(t)?,
            contact: guid(contact)?,
            group: optional(group.first(), guid)?,
        },
        (verb::REM, [t, l, who]) if v10 => RemHandle {
            trid: trid(t)?,
            list: list_in(l, dialect)?,
            account: account(who)?,
        },
        (verb::REM, [t, l, v, who, rest @ ..]) if rest.len() <= 1 => Rem {
            trid: trid(t)?,
            list: list(l)?,
            version: version(v)?,
            account: account(who)?,
            group: optional(rest.first(), group)?,
        },
        (verb::REA, [t, v, who, friendly]) => Rea {
            trid: trid(t)?,
            version: version(v)?,
            account: account(who)?,
            name: name(friendly)?,
        },
        // Escargot appends a `0` [reference §4.2].
        (verb::ADG, [t, group_name, g, zero @ ..]) if v10 && matches!(zero, [] | ["0"]) => AdgGuid {
            trid: trid(t)?,
            name: name(group_name)?,
            group: guid(g)?,
        },
        // Escargot puts a `1` before the GUID.
        (verb::RMG, [t, g]) | (verb::RMG, [t, _, g]) if v10 && (args.len() == 2 || is_guid(g)) => RmgGuid {
            trid: trid(t)?,
            group: guid(g)?,
        },
        // Escargot answers `REG T 1 name guid 0`: the GUID is found by its shape.
        (verb::REG, [t, g, group_name, zero @ ..]) if v10 && is_guid(g) && matches!(zero, [] | ["0"]) => {
            RegGuid {
                trid: trid(t)?,
                group: guid(g)?,
                name: name(group_name)?,
            }
        }
        // MSNP8's `REG T ver gid name 0` has a number where Escargot has the name.
        (verb::REG, [t, _, group_name, g, "0"])
            if v10 && is_guid(g) && canonical_u32(group_name).is_none() =>
        {
            RegGuid {
                trid: trid(t)?,
                group: guid(g)?,
                name: name(group_name)?,
            }
        }
        (verb::ADC, [t, l, fields @ ..]) => {
            let (account, name, contact, group) = adc_fields(fields, clean)?;
            Adc {
                trid: trid(t)?,
                list: list_in(l, dialect)?,
                account,
                name,
                contact,
                group,
            }
        }
        (verb::SBP, [t, contact, property, value]) => Sbp {
            trid: trid(t)?,
            contact: guid(contact)?,
            property: token(property)?,
            value: name(value)?,
        },
        (verb::UUX, [t]) => Uux {
            trid: trid(t)?,
            with_length: false,
        },
        (verb::UUX, [t, "0"]) => Uux {
            trid: trid(t)?,
            with_length: true,
        },
        (verb::UBX, [who, _len]) => Ubx {
            account: account(who)?,
            payload: payload(body)?,
        },
        (verb::GCF, [t, file, _len]) => Gcf {
            trid: trid(t)?,
            file: token(file)?,
            payload: payload(body)?,
        },
        (verb::SBS, [t, first, rest @ ..]) => Sbs {
            trid: trid(t)?,
            args: field(span(line, first, rest.last().unwrap_or(first)), "bad SBS words")?,
        },
        (verb::OUT, ["RCT", minutes]) if dialect >= Dialect::Msnp11 => OutReconnect {
            minutes: number(minutes, "bad reconnect delay")?,
        },
        (verb::ADG, [t, v, group_name, g, "0"]) => Adg {
            trid: trid(t)?,
            version: version(v)?,
            name: name(group_name)?,
            group: group(g)?,
        },
        (verb::RMG, [t, v, g]) => Rmg {
            trid: trid(t)?,
            version: version(v)?,
            group: group(g)?,
        },
        (verb::REG, [t, v, g, group_name, "0"]) => Reg {
            trid: trid(t)?,
            version: version(v)?,
            group: group(g)?,
            name: name(group_name)?,
        },
        (verb::URL, [t, redirect, login_url, site_id @ ..]) if site_id.len() <= 1 => Url {
            trid: trid(t)?,
            redirect: token(redirect)?,
            login_url: token(login_url)?,
            site_id: optional(site_id.first(), token)?,
        },
        (verb::CHL, [t, challenge]) => Chl {
            trid: trid(t)?,
            challenge: token(challenge)?,
        },
        (verb::QRY, [t]) => Qry { trid: trid(t)? },
        (verb::RNG, [session, addr, "CKI", cookie, who, friendly]) => Rng {
            session: token(session)?,
            addr: host_port(addr)?,
            cookie: Secret::new(token(cookie)?),
            account: account(who)?,
            name: name(friendly)?,
        },
        (verb::QNG, seconds) if seconds.len() <= 1 => Qng {
            seconds: optional(seconds.first(), |s| number(s, "bad QNG interval"))?,
        },
        (verb::OUT, reason) if reason.len() <= 1 => Out {
            reason: optional(reason.first(), token)?,
        },
        (verb::MSG, [from, friendly, _len]) => Msg {
            from: account(from)?,
            name: name(friendly)?,
            payload: payload(body)?,
        },
        (verb::NOT, [_len]) => Not {
            payload: payload(body)?,
        },
        (verb::IPG, [_len]) => Ipg {
            payload: payload(body)?,
        },
        (verb::CAL, [t, "RINGING", session]) => Cal {
            trid: trid(t)?,
            session: token(session)?,
        },
        (verb::ANS, [t, "OK"]) => Ans { trid: trid(t)? },
        (verb::IRO, [t, index, total, who, friendly, rest @ ..]) if rest.len() <= roster_extra => Iro {
            trid: trid(t)?,
            index: number(index, "bad roster index")?,
            total: number(total, "bad roster size")?,
            account: account(who)?,
            name: name(friendly)?,
            caps: optional(rest.first(), caps)?,
        },
        (verb::JOI, [who, friendly, rest @ ..]) if rest.len() <= roster_extra => Joi {
            account: account(who)?,
            name: name(friendly)?,
            caps: optional(rest.first(), caps)?,
        },
        (verb::BYE, [who]) => Bye {
            account: account(who)?,
            idle: false,
        },
        (verb::BYE, [who, "1"]) => Bye {
            account: account(who)?,
            idle: true,
        },
        (verb::ACK, [t]) => Ack { trid: trid(t)? },
        (verb::NAK, [t]) => Nak { trid: trid(t)? },
        (_, rest) if is_error_code(verb) => {
            let code = ErrorCode(
                number(verb, "bad error code")?
                    .try_into()
                    .map_err(|_| "bad error code")?,
            );
            let (trid, extra) = match rest {
                [] => (None, None),
                [first, more @ ..] => match trid(first) {
                    Ok(t) => (Some(t), more.first().map(|m| (m, more.last().unwrap_or(m)))),
                    Err(_) => (None, Some((first, more.last().unwrap_or(first)))),
                },
            };
            Error {
                code,
                trid,
                extra: extra
                    .map(|(a, b)| field(span(line, a, b), "bad error words"))
                    .transpose()?,
            }
        }
        // `error` names the numeric replies' row; it is no verb of the wire.
        _ if verb != "error" && VERBS.contains(&verb) => {
            return Err("arguments do not match the command's grammar");
        }
        _ => return Ok(None),
    };
    Ok(Some(command))
}

/// Three digits, the first not 0: an error reply [HYP error_list].
fn is_error_code(verb: &str) -> bool {
    matches!(verb.as_bytes(), [b'1'..=b'9', b'0'..=b'9', b'0'..=b'9'])
}
