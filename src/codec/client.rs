//! [`ClientCommand`]: every command an MSNP8 client sends, in the order of the reference's
//! inventory (§1.2).

use std::borrow::Cow;

use super::command::commands;
use super::dialect::Dialect;
use super::error::{DecodeError, EncodeError};
use super::framer::{Direction, Frame, Limits};
use super::grammar::{
    Parsed, adc_fields, adc_line, caps, decode_with, field, group, guid, list, list_in, number, parse_frame,
    payload, status, trid, verb_since,
};
use super::parse::span;
use super::raw::RawCommand;
use super::token::{EncodedName, Guid, Passport, Token, TokenList, is_guid};
use super::types::{AckMode, AddPrompt, ClientCaps, GroupId, List, Privacy, Status, TrId};
use super::verb;
use super::wire::{line, payload_line};
use crate::Secret;

commands! {
/// A command sent by a client to a dispatch, notification or switchboard server.
///
/// ```
/// use msnp::codec::{ClientCommand, Passport, TrId};
/// let usr = ClientCommand::UsrTwnInitial {
///     trid: TrId(3),
///     account: Passport::try_from("example@passport.com").unwrap(),
/// };
/// let mut out = Vec::new();
/// usr.encode(&mut out).unwrap();
/// assert_eq!(out, b"USR 3 TWN I example@passport.com\r\n");
/// assert_eq!(ClientCommand::decode(&out).unwrap(), (usr, out.len()));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum ClientCommand<'a> {
    /// `VER T MSNP8 CVR0`: the protocol versions the client speaks.
    Ver {
        /// Transaction id.
        trid: TrId,
        /// Dialects, most preferred first.
        protocols: TokenList<'a>,
    } = "VER", trid = trid;
    /// `CVR T locale os os-ver arch client client-ver MSMSGS account`: client identity
    /// [PIKI Command:CVR].
    Cvr {
        /// Transaction id.
        trid: TrId,
        /// Hexadecimal locale id, `0x0409`.
        locale: Token<'a>,
        /// `win` or `winnt`.
        os_type: Token<'a>,
        /// `4.10`, `5.1`.
        os_version: Token<'a>,
        /// `i386`.
        arch: Token<'a>,
        /// `MSNMSGR`.
        client_name: Token<'a>,
        /// `5.0.0544`.
        client_version: Token<'a>,
        /// Always `MSMSGS`.
        product: Token<'a>,
        /// The account, or any word ("the server is just as happy" with `null`, HYP).
        account: Token<'a>,
    } = "CVR", trid = trid;
    /// `USR T TWN I account`: start Passport 1.4 login.
    UsrTwnInitial {
        /// Transaction id.
        trid: TrId,
        /// The account signing in.
        account: Passport<'a>,
    } = "USR", trid = trid;
    /// `USR T TWN S ticket`: the Passport ticket.
    UsrTwnTicket {
        /// Transaction id.
        trid: TrId,
        /// The `t=…&p=…` ticket from Passport.
        ticket: Secret<Token<'a>>,
    } = "USR", trid = trid;
    /// `USR T MD5 I account`: start MD5 login (MSNP7 and earlier).
    UsrMd5Initial {
        /// Transaction id.
        trid: TrId,
        /// The account signing in.
        account: Passport<'a>,
    } = "USR", trid = trid;
    /// `USR T MD5 S hash`: MD5 of the salt and the password (MSNP7 and earlier).
    UsrMd5Hash {
        /// Transaction id.
        trid: TrId,
        /// 32 lower-case hex digits.
        hash: Secret<Token<'a>>,
    } = "USR", trid = trid;
    /// `USR T account cookie`: authenticate on a switchboard after `XFR SB`.
    UsrSwitchboard {
        /// Transaction id.
        trid: TrId,
        /// The user's account.
        account: Passport<'a>,
        /// The cookie from `XFR … SB … CKI cookie`.
        cookie: Secret<Token<'a>>,
    } = "USR", trid = trid;
    /// `INF T`: ask for the login methods (MSNP7 and earlier; removed in MSNP8).
    Inf {
        /// Transaction id.
        trid: TrId,
    } = "INF", trid = trid;
    /// `XFR T SB`: ask for a switchboard.
    XfrSb {
        /// Transaction id.
        trid: TrId,
    } = "XFR", trid = trid;
    /// `SYN T version`: fetch the lists unless the cached `version` is current.
    Syn {
        /// Transaction id.
        trid: TrId,
        /// The cached list version, 0 for none.
        version: u32,
    } = "SYN", trid = trid;
    /// `GTC T A|N`: whether to be asked when someone adds the user.
    Gtc {
        /// Transaction id.
        trid: TrId,
        /// The new setting.
        prompt: AddPrompt,
    } = "GTC", trid = trid;
    /// `BLP T AL|BL`: who may reach the user when on no list.
    Blp {
        /// Transaction id.
        trid: TrId,
        /// The new setting.
        privacy: Privacy,
    } = "BLP", trid = trid;
    /// `PRP T property [value]`: set (or with no value, clear) a phone number or setting.
    Prp {
        /// Transaction id.
        trid: TrId,
        /// `PHH`, `PHW`, `PHM`, `MOB`, `MBE`, …
        property: Token<'a>,
        /// The percent-encoded value.
        value: Option<EncodedName<'a>>,
    } = "PRP", trid = trid;
    /// `CHG T status [caps [msnobj]]`: set the user's status; the MSNObject (the
    /// display picture) is MSNP9+.
    Chg {
        /// Transaction id.
        trid: TrId,
        /// The new status.
        status: Status,
        /// Client capability bits.
        caps: Option<ClientCaps>,
        /// The MSNObject, percent-encoded as one token (MSNP9+; needs `caps`).
        msn_object: Option<EncodedName<'a>>,
    } = "CHG", trid = trid;
    /// `ADD T list account name [group]`: add a contact to a list.
    Add {
        /// Transaction id.
        trid: TrId,
        /// The list.
        list: List,
        /// The contact.
        account: Passport<'a>,
        /// The stored name; the official client sends the account again [YW add.md].
        name: EncodedName<'a>,
        /// The group, for the forward list.
        group: Option<GroupId>,
    } = "ADD", trid = trid;
    /// `REM T list account [group]`: remove a contact from a list or group.
    Rem {
        /// Transaction id.
        trid: TrId,
        /// The list.
        list: List,
        /// The contact.
        account: Passport<'a>,
        /// Remove only from this group (forward list).
        group: Option<GroupId>,
    } = "REM", trid = trid;
    /// `REA T account name`: rename a contact, or the user (own account).
    Rea {
        /// Transaction id.
        trid: TrId,
        /// Whose name.
        account: Passport<'a>,
        /// The new name.
        name: EncodedName<'a>,
    } = "REA", trid = trid;
    /// `ADG T name 0`: create a group.
    Adg {
        /// Transaction id.
        trid: TrId,
        /// The group's name.
        name: EncodedName<'a>,
    } = "ADG", trid = trid;
    /// `RMG T group`: delete a group.
    Rmg {
        /// Transaction id.
        trid: TrId,
        /// The group.
        group: GroupId,
    } = "RMG", trid = trid;
    /// `REG T group name 0`: rename a group.
    Reg {
        /// Transaction id.
        trid: TrId,
        /// The group.
        group: GroupId,
        /// The new name.
        name: EncodedName<'a>,
    } = "REG", trid = trid;
    /// `URL T service [param]`: ask for a Hotmail or profile URL.
    Url {
        /// Transaction id.
        trid: TrId,
        /// `INBOX`, `COMPOSE`, `PASSWORD`, `PERSON`, `PROFILE`, …
        service: Token<'a>,
        /// The service's parameter (`0x0409` for `PROFILE`).
        param: Option<Token<'a>>,
    } = "URL", trid = trid;
    /// `QRY T product-id 32` + digest: the answer to `CHL`.
    Qry {
        /// Transaction id.
        trid: TrId,
        /// The product id whose key made the digest.
        product_id: Token<'a>,
        /// The 32 hex digits of the digest, sent as the payload.
        response: Token<'a>,
    } = "QRY", trid = trid;
    /// `PNG`: keep-alive; the server answers `QNG`.
    Png = "PNG";
    /// `OUT`: sign out, or leave a switchboard.
    Out = "OUT";
    /// `MSG T U|N|A|D length` + payload: a message into a switchboard (`D`, for P2P
    /// data, is MSNP9+).
    Msg {
        /// Transaction id.
        trid: TrId,
        /// Which acknowledgement to send back.
        ack: AckMode,
        /// The MIME-style payload (see the `msg` module).
        payload: Cow<'a, [u8]>,
    } = "MSG", trid = trid;
    /// `CAL T account`: invite a contact into the switchboard.
    Cal {
        /// Transaction id.
        trid: TrId,
        /// The contact.
        account: Passport<'a>,
    } = "CAL", trid = trid;
    /// `ANS T account cookie session`: join a switchboard after `RNG`.
    Ans {
        /// Transaction id.
        trid: TrId,
        /// The user's account.
        account: Passport<'a>,
        /// The cookie from `RNG`.
        cookie: Secret<Token<'a>>,
        /// The session id from `RNG`.
        session: Token<'a>,
    } = "ANS", trid = trid;
    /// `SYN T list-stamp settings-stamp` (MSNP10+): fetch the lists unless the cached
    /// timestamps are current (`0 0` for none) [NINA MSNP11/Changes].
    SynStamps {
        /// Transaction id.
        trid: TrId,
        /// The cached list version (a timestamp), `0` for none.
        list_stamp: Token<'a>,
        /// The cached settings version (a timestamp), `0` for none.
        settings_stamp: Token<'a>,
    } = "SYN", trid = trid;
    /// `ADC T list [N=account] [F=name] [C=contact] [group]` (MSNP10+): add a contact
    /// (`FL N= F=`, `AL N=`), or a forward-list contact to a group (`FL C= group`)
    /// [NINA Commands/ADC].
    Adc {
        /// Transaction id.
        trid: TrId,
        /// The list.
        list: List,
        /// The contact (`N=`).
        account: Option<Passport<'a>>,
        /// The stored name (`F=`).
        name: Option<EncodedName<'a>>,
        /// The contact's id (`C=`).
        contact: Option<Guid<'a>>,
        /// The group to add the contact to.
        group: Option<Guid<'a>>,
    } = "ADC", trid = trid;
    /// `REM T FL contact [group]` (MSNP10+): remove a forward-list contact by id, or
    /// with a group, from that group only.
    RemGuid {
        /// Transaction id.
        trid: TrId,
        /// The contact's id.
        contact: Guid<'a>,
        /// Remove only from this group.
        group: Option<Guid<'a>>,
    } = "REM", trid = trid;
    /// `REM T AL|BL|PL account` (MSNP10+): remove a contact from a list by handle.
    RemHandle {
        /// Transaction id.
        trid: TrId,
        /// The list (not FL).
        list: List,
        /// The contact.
        account: Passport<'a>,
    } = "REM", trid = trid;
    /// `ADG T name` (MSNP10+): create a group; the reply brings its GUID.
    AdgName {
        /// Transaction id.
        trid: TrId,
        /// The group's name.
        name: EncodedName<'a>,
    } = "ADG", trid = trid;
    /// `RMG T guid` (MSNP10+): delete a group.
    RmgGuid {
        /// Transaction id.
        trid: TrId,
        /// The group.
        group: Guid<'a>,
    } = "RMG", trid = trid;
    /// `REG T guid name` (MSNP10+): rename a group.
    RegGuid {
        /// Transaction id.
        trid: TrId,
        /// The group.
        group: Guid<'a>,
        /// The new name.
        name: EncodedName<'a>,
    } = "REG", trid = trid;
    /// `SBP T contact property value` (MSNP10+): set a contact's stored property
    /// (`MFN`: the name) [NINA Commands/SBP].
    Sbp {
        /// Transaction id.
        trid: TrId,
        /// The contact's id.
        contact: Guid<'a>,
        /// `MFN`, …
        property: Token<'a>,
        /// The percent-encoded value.
        value: EncodedName<'a>,
    } = "SBP", trid = trid;
    /// `UUX T length` + payload (MSNP11+): set the personal message and current media
    /// (`<Data><PSM>…</PSM><CurrentMedia>…</CurrentMedia></Data>`) [YW uux].
    Uux {
        /// Transaction id.
        trid: TrId,
        /// The XML payload.
        payload: Cow<'a, [u8]>,
    } = "UUX", trid = trid;
    /// `GCF T file` (MSNP11+): ask for a configuration file (`Shields.xml`).
    Gcf {
        /// Transaction id.
        trid: TrId,
        /// The file's name.
        file: Token<'a>,
    } = "GCF", trid = trid;
}
}

impl<'a> ClientCommand<'a> {
    /// Decodes the command at the start of `input` with the default [`Limits`], returning
    /// it and the number of bytes it spans.
    pub fn decode(input: &'a [u8]) -> Result<(Self, usize), DecodeError> {
        Self::decode_with_limits(input, &Limits::default())
    }

    /// [`ClientCommand::decode`] with explicit limits.
    pub fn decode_with_limits(input: &'a [u8], limits: &Limits) -> Result<(Self, usize), DecodeError> {
        Self::decode_in(input, Dialect::Msnp8, limits)
    }

    /// [`ClientCommand::decode_with_limits`] in `dialect`: the shapes of that dialect are
    /// typed, those it does not have stay [`ClientCommand::Other`].
    ///
    /// ```
    /// use msnp::codec::{ClientCommand, Dialect, Limits};
    /// let line = b"SYN 8 0 0\r\n";
    /// let (syn, _) = ClientCommand::decode_in(line, Dialect::Msnp11, &Limits::default()).unwrap();
    /// assert!(matches!(syn, ClientCommand::SynStamps { .. }));
    /// ```
    pub fn decode_in(
        input: &'a [u8],
        dialect: Dialect,
        limits: &Limits,
    ) -> Result<(Self, usize), DecodeError> {
        decode_with(
            input,
            Direction::ClientToServer,
            dialect,
            limits,
            parse,
            ClientCommand::Other,
        )
    }

    /// Parses a frame a [`Framer`](super::Framer) for `Direction::ClientToServer` handed out,
    /// in the frame's [`dialect`](Frame::dialect); the framer has already consumed its
    /// [`Frame::len`](super::Frame::len) bytes.
    ///
    /// ```
    /// use msnp::codec::{Direction, Framer, Limits, ClientCommand};
    /// let mut framer = Framer::new(Direction::ClientToServer, Limits::default());
    /// framer.push(b"OUT\r\n");
    /// let frame = framer.next_frame().unwrap().unwrap();
    /// assert!(matches!(ClientCommand::decode_frame(frame), Ok(ClientCommand::Out { .. })));
    /// ```
    pub fn decode_frame(frame: Frame<'a>) -> Result<Self, DecodeError> {
        parse_frame(frame, parse, ClientCommand::Other)
    }

    /// Appends the command's bytes to `out`. Fails, appending nothing, only where the
    /// value would read back as something else: an MSNObject without caps, `PL` in an
    /// MSNP8 command, an `Adc` without any field, a `RemHandle` of the forward list, or
    /// an [`ClientCommand::Other`] whose payload does not match what the verb carries from a
    /// client (see [`RawCommand::check_direction`]).
    ///
    /// An `Other` whose verb this crate types (a later dialect's `CHG` with an MSNObject,
    /// say) is written as it is: it is the escape hatch for such variants, and reads back
    /// typed or as [`DecodeError::Malformed`], not as `Other`.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        use ClientCommand::*;
        check(self)?;
        match self {
            Ver { trid, protocols } => line(out, "VER", &[trid, protocols]),
            Cvr {
                trid,
                locale,
                os_type,
                os_version,
                arch,
                client_name,
                client_version,
                product,
                account,
            } => line(
                out,
                "CVR",
                &[
                    trid,
                    locale,
                    os_type,
                    os_version,
                    arch,
                    client_name,
                    client_version,
                    product,
                    account,
                ],
            ),
            UsrTwnInitial { trid, account } => line(out, "USR", &[trid, &"TWN", &"I", account]),
            UsrTwnTicket { trid, ticket } => line(out, "USR", &[trid, &"TWN", &"S", ticket]),
            UsrMd5Initial { trid, account } => line(out, "USR", &[trid, &"MD5", &"I", account]),
            UsrMd5Hash { trid, hash } => line(out, "USR", &[trid, &"MD5", &"S", hash]),
            UsrSwitchboard {
                trid,
                account,
                cookie,
            } => line(out, "USR", &[trid, account, cookie]),
            Inf { trid } => line(out, "INF", &[trid]),
            XfrSb { trid } => line(out, "XFR", &[trid, &"SB"]),
            Syn { trid, version } => line(out, "SYN", &[trid, version]),
            Gtc { trid, prompt } => line(out, "GTC", &[trid, prompt]),
            Blp { trid, privacy } => line(out, "BLP", &[trid, privacy]),
            Prp {
                trid,
                property,
                value,
            } => line(out, "PRP", &[trid, property, value]),
            Chg {
                trid,
                status,
                caps,
                msn_object,
            } => line(out, "CHG", &[trid, status, caps, msn_object]),
            Add {
                trid,
                list,
                account,
                name,
                group,
            } => line(out, "ADD", &[trid, list, account, name, group]),
            Rem {
                trid,
                list,
                account,
                group,
            } => line(out, "REM", &[trid, list, account, group]),
            Rea { trid, account, name } => line(out, "REA", &[trid, account, name]),
            Adg { trid, name } => line(out, "ADG", &[trid, name, &"0"]),
            Rmg { trid, group } => line(out, "RMG", &[trid, group]),
            Reg { trid, group, name } => line(out, "REG", &[trid, group, name, &"0"]),
            Url { trid, service, param } => line(out, "URL", &[trid, service, param]),
            Qry {
                trid,
                product_id,
                response,
            } => payload_line(out, "QRY", &[trid, product_id], response.as_str().as_bytes()),
            Png => line(out, "PNG", &[]),
            Out => line(out, "OUT", &[]),
            Msg { trid, ack, payload } => payload_line(out, "MSG", &[trid, ack], payload),
            Cal { trid, account } => line(out, "CAL", &[trid, account]),
            Ans {
                trid,
                account,
                cookie,
                session,
            } => line(out, "ANS", &[trid, account, cookie, session]),
            SynStamps {
                trid,
                list_stamp,
                settings_stamp,
            } => line(out, "SYN", &[trid, list_stamp, settings_stamp]),
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
            AdgName { trid, name } => line(out, "ADG", &[trid, name]),
            RmgGuid { trid, group } => line(out, "RMG", &[trid, group]),
            RegGuid { trid, group, name } => line(out, "REG", &[trid, group, name]),
            Sbp {
                trid,
                contact,
                property,
                value,
            } => line(out, "SBP", &[trid, contact, property, value]),
            Uux { trid, payload } => payload_line(out, "UUX", &[trid], payload),
            Gcf { trid, file } => line(out, "GCF", &[trid, file]),
            Other(raw) => {
                raw.check_direction(Direction::ClientToServer)?;
                raw.encode(out);
            }
        }
        Ok(())
    }
}

/// What `encode` refuses before writing: values whose bytes would read back as another.
fn check(command: &ClientCommand<'_>) -> Result<(), EncodeError> {
    use ClientCommand::*;
    let refuse = |reason| Err(EncodeError::InvalidField { reason });
    match command {
        Chg {
            caps: None,
            msn_object: Some(_),
            ..
        } => refuse("an MSNObject needs the caps before it"),
        Add {
            list: List::Pending, ..
        }
        | Rem {
            list: List::Pending, ..
        } => refuse("PL is MSNP10's; MSNP8's ADD and REM have no such list"),
        Adc {
            account: None,
            name: None,
            contact: None,
            group: None,
            ..
        } => refuse("ADC needs at least one of N=, F=, C= or a group"),
        RemHandle {
            list: List::Forward, ..
        } => refuse("forward-list contacts are removed by GUID (RemGuid)"),
        _ => Ok(()),
    }
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
) -> Parsed<ClientCommand<'a>> {
    use ClientCommand::*;
    let Some((&verb, args)) = words.split_first() else {
        return Ok(None);
    };
    if verb_since(verb) > dialect {
        return Ok(None);
    }
    let v10 = dialect >= Dialect::Msnp10;
    let presence_extra = if dialect >= Dialect::Msnp9 { 2 } else { 1 };
    let bad_account = "account is not a valid token";
    let command = match (verb::code(verb.as_bytes()), args) {
        (verb::VER, [t, first, .., last]) => Ver {
            trid: trid(t)?,
            protocols: field(span(line, first, last), "bad protocol list")?,
        },
        (verb::VER, [t, only]) => Ver {
            trid: trid(t)?,
            protocols: field(only, "bad protocol list")?,
        },
        (
            verb::CVR,
            [
                t,
                locale,
                os_type,
                os_version,
                arch,
                client_name,
                client_version,
                product,
                account,
            ],
        ) => {
            let word = |w: &'a str| field::<Token<'a>>(w, "CVR field is not a valid token");
            Cvr {
                trid: trid(t)?,
                locale: word(locale)?,
                os_type: word(os_type)?,
                os_version: word(os_version)?,
                arch: word(arch)?,
                client_name: word(client_name)?,
                client_version: word(client_version)?,
                product: word(product)?,
                account: word(account)?,
            }
        }
        (verb::USR, [t, "TWN", "I", account]) => UsrTwnInitial {
            trid: trid(t)?,
            account: field(account, bad_account)?,
        },
        (verb::USR, [t, "TWN", "S", ticket]) => UsrTwnTicket {
            trid: trid(t)?,
            ticket: Secret::new(field(ticket, "bad ticket")?),
        },
        (verb::USR, [t, "MD5", "I", account]) => UsrMd5Initial {
            trid: trid(t)?,
            account: field(account, bad_account)?,
        },
        (verb::USR, [t, "MD5", "S", hash]) => UsrMd5Hash {
            trid: trid(t)?,
            hash: Secret::new(field(hash, "bad hash")?),
        },
        (verb::USR, [t, account, cookie]) => UsrSwitchboard {
            trid: trid(t)?,
            account: field(account, bad_account)?,
            cookie: Secret::new(field(cookie, "bad cookie")?),
        },
        (verb::INF, [t]) => Inf { trid: trid(t)? },
        (verb::XFR, [t, "SB"]) => XfrSb { trid: trid(t)? },
        (verb::SYN, [t, list_stamp, settings_stamp]) if v10 => SynStamps {
            trid: trid(t)?,
            list_stamp: field(list_stamp, "bad list version")?,
            settings_stamp: field(settings_stamp, "bad settings version")?,
        },
        (verb::SYN, [t, version]) => Syn {
            trid: trid(t)?,
            version: number(version, "bad list version")?,
        },
        (verb::GTC, [t, prompt]) => Gtc {
            trid: trid(t)?,
            prompt: AddPrompt::from_wire(prompt).ok_or("GTC setting is neither A nor N")?,
        },
        (verb::BLP, [t, privacy]) => Blp {
            trid: trid(t)?,
            privacy: Privacy::from_wire(privacy).ok_or("BLP setting is neither AL nor BL")?,
        },
        (verb::PRP, [t, property, value @ ..]) if value.len() <= 1 => Prp {
            trid: trid(t)?,
            property: field(property, "bad property")?,
            value: value.first().map(|v| field(v, "bad value")).transpose()?,
        },
        (verb::CHG, [t, st, rest @ ..]) if rest.len() <= presence_extra => Chg {
            trid: trid(t)?,
            status: status(st)?,
            caps: rest.first().map(|c| caps(c)).transpose()?,
            msn_object: rest.get(1).map(|o| field(o, "bad MSNObject")).transpose()?,
        },
        (verb::REM, [t, "FL", contact, group @ ..]) if v10 && group.len() <= 1 => RemGuid {
            trid: trid(t)?,
            contact: guid(contact)?,
            group: group.first().map(|g| guid(g)).transpose()?,
        },
        (verb::REM, [t, l, account]) if v10 => RemHandle {
            trid: trid(t)?,
            list: list_in(l, dialect)?,
            account: field(account, bad_account)?,
        },
        (verb::ADG, [t, name]) if v10 => AdgName {
            trid: trid(t)?,
            name: field(name, "bad group name")?,
        },
        (verb::RMG, [t, g]) if v10 && is_guid(g) => RmgGuid {
            trid: trid(t)?,
            group: guid(g)?,
        },
        (verb::REG, [t, g, name]) if v10 => RegGuid {
            trid: trid(t)?,
            group: guid(g)?,
            name: field(name, "bad group name")?,
        },
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
            property: field(property, "bad property")?,
            value: field(value, "bad value")?,
        },
        (verb::UUX, [t, _len]) => Uux {
            trid: trid(t)?,
            payload: payload(body)?,
        },
        (verb::GCF, [t, file]) => Gcf {
            trid: trid(t)?,
            file: field(file, "bad file name")?,
        },
        (verb::ADD, [t, l, account, name, rest @ ..]) if rest.len() <= 1 => Add {
            trid: trid(t)?,
            list: list(l)?,
            account: field(account, bad_account)?,
            name: field(name, "bad name")?,
            group: rest.first().map(|g| group(g)).transpose()?,
        },
        (verb::REM, [t, l, account, rest @ ..]) if rest.len() <= 1 => Rem {
            trid: trid(t)?,
            list: list(l)?,
            account: field(account, bad_account)?,
            group: rest.first().map(|g| group(g)).transpose()?,
        },
        (verb::REA, [t, account, name]) => Rea {
            trid: trid(t)?,
            account: field(account, bad_account)?,
            name: field(name, "bad name")?,
        },
        (verb::ADG, [t, name, "0"]) => Adg {
            trid: trid(t)?,
            name: field(name, "bad group name")?,
        },
        (verb::RMG, [t, g]) => Rmg {
            trid: trid(t)?,
            group: group(g)?,
        },
        (verb::REG, [t, g, name, "0"]) => Reg {
            trid: trid(t)?,
            group: group(g)?,
            name: field(name, "bad group name")?,
        },
        (verb::URL, [t, service, rest @ ..]) if rest.len() <= 1 => Url {
            trid: trid(t)?,
            service: field(service, "bad service")?,
            param: rest.first().map(|p| field(p, "bad parameter")).transpose()?,
        },
        (verb::QRY, [t, product_id, _len]) => Qry {
            trid: trid(t)?,
            product_id: field(product_id, "bad product id")?,
            response: std::str::from_utf8(body.ok_or("QRY without a payload")?)
                .ok()
                .and_then(|r| Token::try_from(r).ok())
                .ok_or("QRY response is not a token")?,
        },
        (verb::PNG, []) => Png,
        (verb::OUT, []) => Out,
        (verb::MSG, [t, ack, _len]) => Msg {
            trid: trid(t)?,
            ack: match AckMode::from_wire(ack) {
                Some(AckMode::Data) if dialect < Dialect::Msnp9 => None,
                mode => mode,
            }
            .ok_or("MSG acknowledgement is not U, N or A (or D from MSNP9)")?,
            payload: payload(body)?,
        },
        (verb::CAL, [t, account]) => Cal {
            trid: trid(t)?,
            account: field(account, bad_account)?,
        },
        (verb::ANS, [t, account, cookie, session]) => Ans {
            trid: trid(t)?,
            account: field(account, bad_account)?,
            cookie: Secret::new(field(cookie, "bad cookie")?),
            session: field(session, "bad session id")?,
        },
        _ if VERBS.contains(&verb) => return Err("arguments do not match the command's grammar"),
        _ => return Ok(None),
    };
    Ok(Some(command))
}
