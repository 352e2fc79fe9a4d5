//! [`ServerCommand`]: every command an MSNP8 server sends to a client, in the order of
//! the reference's inventory (§1.2).
//!
//! Longer than most modules on purpose: the table row, the grammar arm and the encoder
//! arm of each of the server's verbs stay in one file, in the same order, so one verb
//! reads in three places side by side; splitting by verb would scatter them.

use std::borrow::Cow;
use std::io::Write as _;

use super::command::{IntoStatic, TridField, commands};
use super::error::{DecodeError, EncodeError};
use super::framer::{Direction, Frame, Limits};
use super::grammar::{
    Parsed, caps, decode_with, field, flag, group, host_port, list, number, parse_frame, payload, status,
    trid,
};
use super::parse::span;
use super::raw::RawCommand;
use super::token::{EncodedName, GroupList, Passport, Token, TokenList};
use super::types::{
    AddPrompt, ClientCaps, ErrorCode, GroupId, HostPort, List, ListMask, Privacy, Status, TrId,
};
use super::verb;
use super::wire::{Word, line, payload_line};
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
/// let ServerCommand::Nln { status, account, name, caps } = nln else { panic!() };
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
    /// server), or joined (switchboard, without flags).
    UsrOk {
        /// The request's transaction id.
        trid: TrId,
        /// The user's account.
        account: Passport<'a>,
        /// The user's friendly name.
        name: EncodedName<'a>,
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
    /// `CHG T status [caps]`: the user's status changed (TrID 0 when unsolicited).
    Chg {
        /// The request's transaction id, or 0.
        trid: TrId,
        /// The new status.
        status: Status,
        /// Client capability bits.
        caps: Option<ClientCaps>,
    } = "CHG", trid = trid;
    /// `ILN T status account name [caps]`: a contact's status, after `CHG` or `ADD`.
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
    } = "ILN", trid = trid;
    /// `NLN status account name [caps]`: a contact came online or changed status.
    Nln {
        /// The contact's status.
        status: Status,
        /// The contact.
        account: Passport<'a>,
        /// The contact's friendly name.
        name: EncodedName<'a>,
        /// The contact's capability bits.
        caps: Option<ClientCaps>,
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
    /// `IRO T index total account name`: a participant already in the switchboard.
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
    } = "IRO", trid = trid;
    /// `JOI account name`: a participant joined the switchboard.
    Joi {
        /// The participant.
        account: Passport<'a>,
        /// Their friendly name.
        name: EncodedName<'a>,
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
        decode_with(
            input,
            Direction::ServerToClient,
            limits,
            parse,
            ServerCommand::Other,
        )
    }

    /// Parses a frame a [`Framer`](super::Framer) for `Direction::ServerToClient` handed out;
    /// the framer has already consumed its [`Frame::len`](super::Frame::len) bytes.
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
    /// value would read back as something else: an [`ServerCommand::Error`] whose code
    /// is not three digits, or without TrID whose first extra word is a number (it would
    /// read back as the TrID); an [`ServerCommand::Other`] whose payload does not match
    /// what the verb carries from a server (see [`RawCommand::check_direction`]). An
    /// `Other` with a typed verb or a three-digit one is written as it is and reads back
    /// typed.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        use ServerCommand::*;
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
            Chg { trid, status, caps } => line(out, "CHG", &[trid, status, caps]),
            Iln {
                trid,
                status,
                account,
                name,
                caps,
            } => line(out, "ILN", &[trid, status, account, name, caps]),
            Nln {
                status,
                account,
                name,
                caps,
            } => line(out, "NLN", &[status, account, name, caps]),
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
            } => line(out, "IRO", &[trid, index, total, account, name]),
            Joi { account, name } => line(out, "JOI", &[account, name]),
            Bye { account, idle } => line(out, "BYE", &[account, &idle.then_some("1")]),
            Ack { trid } => line(out, "ACK", &[trid]),
            Nak { trid } => line(out, "NAK", &[trid]),
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
) -> Parsed<ServerCommand<'a>> {
    use ServerCommand::*;
    let Some((&verb, args)) = words.split_first() else {
        return Ok(None);
    };
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
        (verb::USR, [t, "OK", who, friendly, rest @ ..]) if rest.len() <= 2 => UsrOk {
            trid: trid(t)?,
            account: account(who)?,
            name: name(friendly)?,
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
        (verb::CHG, [t, st, rest @ ..]) if rest.len() <= 1 => Chg {
            trid: trid(t)?,
            status: status(st)?,
            caps: optional(rest.first(), caps)?,
        },
        (verb::ILN, [t, st, who, friendly, rest @ ..]) if rest.len() <= 1 => Iln {
            trid: trid(t)?,
            status: status(st)?,
            account: account(who)?,
            name: name(friendly)?,
            caps: optional(rest.first(), caps)?,
        },
        (verb::NLN, [st, who, friendly, rest @ ..]) if rest.len() <= 1 => Nln {
            status: status(st)?,
            account: account(who)?,
            name: name(friendly)?,
            caps: optional(rest.first(), caps)?,
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
        (verb::IRO, [t, index, total, who, friendly]) => Iro {
            trid: trid(t)?,
            index: number(index, "bad roster index")?,
            total: number(total, "bad roster size")?,
            account: account(who)?,
            name: name(friendly)?,
        },
        (verb::JOI, [who, friendly]) => Joi {
            account: account(who)?,
            name: name(friendly)?,
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
