//! `text/x-msmsgsprofile`: the account profile the notification server sends right after
//! `USR … OK`.

use std::borrow::Cow;
use std::net::Ipv4Addr;

use super::fields::{self, flag, parsed, set_first, write_opt, write_some};
use super::{Message, MsgError, ParseError};
use crate::Secret;

pub(super) const CONTENT_TYPE: &str = "text/x-msmsgsprofile";
const FULL_CONTENT_TYPE: &str = "text/x-msmsgsprofile; charset=UTF-8";

/// Header names, in the order the server sends them [TW testProfile; YW msnp8.md].
/// `preferredEmail` is spelled as in the captured profile [TW testProfile].
mod name {
    pub const LOGIN_TIME: &str = "LoginTime";
    pub const EMAIL_ENABLED: &str = "EmailEnabled";
    pub const MEMBER_ID_HIGH: &str = "MemberIdHigh";
    pub const MEMBER_ID_LOW: &str = "MemberIdLow";
    pub const LANG_PREFERENCE: &str = "lang_preference";
    pub const PREFERRED_EMAIL: &str = "preferredEmail";
    pub const COUNTRY: &str = "country";
    pub const POSTAL_CODE: &str = "PostalCode";
    pub const GENDER: &str = "Gender";
    pub const KID: &str = "Kid";
    pub const AGE: &str = "Age";
    pub const BDAY_PRE: &str = "BDayPre";
    pub const BIRTHDAY: &str = "Birthday";
    pub const WALLET: &str = "Wallet";
    pub const FLAGS: &str = "Flags";
    pub const SID: &str = "sid";
    pub const KV: &str = "kv";
    pub const MSPAUTH: &str = "MSPAuth";
    pub const CLIENT_IP: &str = "ClientIP";
    pub const CLIENT_PORT: &str = "ClientPort";
}

const FIELDS: [&str; 20] = [
    name::LOGIN_TIME,
    name::EMAIL_ENABLED,
    name::MEMBER_ID_HIGH,
    name::MEMBER_ID_LOW,
    name::LANG_PREFERENCE,
    name::PREFERRED_EMAIL,
    name::COUNTRY,
    name::POSTAL_CODE,
    name::GENDER,
    name::KID,
    name::AGE,
    name::BDAY_PRE,
    name::BIRTHDAY,
    name::WALLET,
    name::FLAGS,
    name::SID,
    name::KV,
    name::MSPAUTH,
    name::CLIENT_IP,
    name::CLIENT_PORT,
];

/// The profile message: every datum is a header and the body is empty [YW msnp8.md].
///
/// Numbers and flags are typed; an empty number (the server sends `Age:`-style empty
/// headers) reads as `None`. Free-text fields keep an empty value as `Some("")` so the
/// profile writes back as received. Headers this type does not know are kept in
/// [`Profile::extra`].
///
/// ```
/// use msnp::msg::{Message, Profile};
///
/// let wire = b"MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsprofile; charset=UTF-8\r\n\
///              LoginTime: 1063195238\r\nMSPAuth: 7Sz2dVo!Xa$$\r\nClientIP: 192.0.2.14\r\n\
///              ClientPort: 29128\r\n\r\n";
/// let message = Message::parse(wire)?;
/// let profile = Profile::parse(&message)?;
/// assert_eq!(profile.login_time, Some(1_063_195_238));
/// assert_eq!(profile.mspauth.as_ref().map(|t| t.expose().as_ref()), Some("7Sz2dVo!Xa$$"));
/// assert_eq!(profile.real_client_port(), Some(51_313));
/// # Ok::<(), msnp::msg::ParseError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Profile<'a> {
    /// `LoginTime`: seconds since the Unix epoch.
    pub login_time: Option<u64>,
    /// `EmailEnabled`: whether the account has a Hotmail inbox.
    pub email_enabled: Option<bool>,
    /// `MemberIdHigh`: high half of the Passport member id.
    pub member_id_high: Option<i64>,
    /// `MemberIdLow`: low half of the Passport member id (sent signed).
    pub member_id_low: Option<i64>,
    /// `lang_preference`: Windows LCID, e.g. 1033.
    pub lang_preference: Option<u32>,
    /// `preferredEmail`.
    pub preferred_email: Option<Cow<'a, str>>,
    /// `country`: ISO code, e.g. `US`.
    pub country: Option<Cow<'a, str>>,
    /// `PostalCode`.
    pub postal_code: Option<Cow<'a, str>>,
    /// `Gender`: `M`, `F` or empty.
    pub gender: Option<Cow<'a, str>>,
    /// `Kid`: whether this is a Kids Passport account.
    pub kid: Option<bool>,
    /// `Age`, as sent (often empty).
    pub age: Option<Cow<'a, str>>,
    /// `BDayPre`, as sent.
    pub bday_pre: Option<Cow<'a, str>>,
    /// `Birthday`, as sent.
    pub birthday: Option<Cow<'a, str>>,
    /// `Wallet`, as sent.
    pub wallet: Option<Cow<'a, str>>,
    /// `Flags`.
    pub flags: Option<u32>,
    /// `sid`: Passport site id (507 for Messenger).
    pub sid: Option<u32>,
    /// `kv`: Passport key version.
    pub kv: Option<u32>,
    /// `MSPAuth`: the Passport ticket, needed to open Hotmail; a credential.
    pub mspauth: Option<Secret<Cow<'a, str>>>,
    /// `ClientIP`: the client's address as the server sees it (new in MSNP8).
    pub client_ip: Option<Ipv4Addr>,
    /// `ClientPort`, exactly as sent: byte-swapped, see [`Profile::real_client_port`].
    pub client_port: Option<u16>,
    /// Other headers, in order (not `MIME-Version` or `Content-Type`).
    pub extra: Vec<(Cow<'a, str>, Cow<'a, str>)>,
}

impl Profile<'_> {
    /// Reads a profile message.
    pub fn parse<'m>(message: &'m Message<'_>) -> Result<Profile<'m>, ParseError> {
        fields::expect_type(message, CONTENT_TYPE)?;
        let text = |v: &'m str| Some(Cow::Borrowed(v));
        let mut p = Profile::default();
        for (header, value) in message.headers() {
            let is = |n: &str| header.eq_ignore_ascii_case(n);
            if is(name::LOGIN_TIME) {
                set_first(&mut p.login_time, parsed(value, name::LOGIN_TIME)?);
            } else if is(name::EMAIL_ENABLED) {
                set_first(&mut p.email_enabled, flag(value, name::EMAIL_ENABLED)?);
            } else if is(name::MEMBER_ID_HIGH) {
                set_first(&mut p.member_id_high, parsed(value, name::MEMBER_ID_HIGH)?);
            } else if is(name::MEMBER_ID_LOW) {
                set_first(&mut p.member_id_low, parsed(value, name::MEMBER_ID_LOW)?);
            } else if is(name::LANG_PREFERENCE) {
                set_first(&mut p.lang_preference, parsed(value, name::LANG_PREFERENCE)?);
            } else if is(name::PREFERRED_EMAIL) {
                set_first(&mut p.preferred_email, text(value));
            } else if is(name::COUNTRY) {
                set_first(&mut p.country, text(value));
            } else if is(name::POSTAL_CODE) {
                set_first(&mut p.postal_code, text(value));
            } else if is(name::GENDER) {
                set_first(&mut p.gender, text(value));
            } else if is(name::KID) {
                set_first(&mut p.kid, flag(value, name::KID)?);
            } else if is(name::AGE) {
                set_first(&mut p.age, text(value));
            } else if is(name::BDAY_PRE) {
                set_first(&mut p.bday_pre, text(value));
            } else if is(name::BIRTHDAY) {
                set_first(&mut p.birthday, text(value));
            } else if is(name::WALLET) {
                set_first(&mut p.wallet, text(value));
            } else if is(name::FLAGS) {
                set_first(&mut p.flags, parsed(value, name::FLAGS)?);
            } else if is(name::SID) {
                set_first(&mut p.sid, parsed(value, name::SID)?);
            } else if is(name::KV) {
                set_first(&mut p.kv, parsed(value, name::KV)?);
            } else if is(name::MSPAUTH) {
                set_first(&mut p.mspauth, Some(Secret::new(Cow::Borrowed(value))));
            } else if is(name::CLIENT_IP) {
                set_first(&mut p.client_ip, parsed(value, name::CLIENT_IP)?);
            } else if is(name::CLIENT_PORT) {
                set_first(&mut p.client_port, parsed(value, name::CLIENT_PORT)?);
            } else if !super::is_mime_header(header) {
                p.extra.push((Cow::Borrowed(header), Cow::Borrowed(value)));
            }
        }
        Ok(p)
    }

    /// The client's real TCP port: the server sends `ClientPort` with its two bytes
    /// swapped, "ClientPort needs to be endian swapped" [YW msnp8.md].
    pub fn real_client_port(&self) -> Option<u16> {
        self.client_port.map(u16::swap_bytes)
    }

    /// Appends the payload: the fields that are set, in the server's order, then
    /// [`Profile::extra`], then the blank line. Values holding CR, LF or NUL, and extra
    /// headers that repeat a field, are refused.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), MsgError> {
        super::transactional(out, |out| {
            fields::write_preamble(out, FULL_CONTENT_TYPE);
            write_some(out, name::LOGIN_TIME, self.login_time);
            write_some(out, name::EMAIL_ENABLED, self.email_enabled.map(u8::from));
            write_some(out, name::MEMBER_ID_HIGH, self.member_id_high);
            write_some(out, name::MEMBER_ID_LOW, self.member_id_low);
            write_some(out, name::LANG_PREFERENCE, self.lang_preference);
            write_opt(out, name::PREFERRED_EMAIL, self.preferred_email.as_ref())?;
            write_opt(out, name::COUNTRY, self.country.as_ref())?;
            write_opt(out, name::POSTAL_CODE, self.postal_code.as_ref())?;
            write_opt(out, name::GENDER, self.gender.as_ref())?;
            write_some(out, name::KID, self.kid.map(u8::from));
            write_opt(out, name::AGE, self.age.as_ref())?;
            write_opt(out, name::BDAY_PRE, self.bday_pre.as_ref())?;
            write_opt(out, name::BIRTHDAY, self.birthday.as_ref())?;
            write_opt(out, name::WALLET, self.wallet.as_ref())?;
            write_some(out, name::FLAGS, self.flags);
            write_some(out, name::SID, self.sid);
            write_some(out, name::KV, self.kv);
            write_opt(out, name::MSPAUTH, self.mspauth.as_ref().map(Secret::expose))?;
            write_some(out, name::CLIENT_IP, self.client_ip);
            write_some(out, name::CLIENT_PORT, self.client_port);
            for (name, value) in &self.extra {
                fields::write_extra(out, name, value, &FIELDS)?;
            }
            out.extend_from_slice(b"\r\n");
            Ok(())
        })
    }

    /// Copies whatever is borrowed.
    pub fn into_owned(self) -> Profile<'static> {
        let text = |v: Option<Cow<'_, str>>| v.map(fields::owned);
        Profile {
            login_time: self.login_time,
            email_enabled: self.email_enabled,
            member_id_high: self.member_id_high,
            member_id_low: self.member_id_low,
            lang_preference: self.lang_preference,
            preferred_email: text(self.preferred_email),
            country: text(self.country),
            postal_code: text(self.postal_code),
            gender: text(self.gender),
            kid: self.kid,
            age: text(self.age),
            bday_pre: text(self.bday_pre),
            birthday: text(self.birthday),
            wallet: text(self.wallet),
            flags: self.flags,
            sid: self.sid,
            kv: self.kv,
            mspauth: self.mspauth.map(|t| Secret::new(fields::owned(t.into_inner()))),
            client_ip: self.client_ip,
            client_port: self.client_port,
            extra: fields::owned_pairs(self.extra),
        }
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for Profile<'static> {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        let text = fields::arbitrary_opt;
        let extra = fields::arbitrary_extra(u)?;
        Ok(Self {
            login_time: u.arbitrary()?,
            email_enabled: u.arbitrary()?,
            member_id_high: u.arbitrary()?,
            member_id_low: u.arbitrary()?,
            lang_preference: u.arbitrary()?,
            preferred_email: text(u)?,
            country: text(u)?,
            postal_code: text(u)?,
            gender: text(u)?,
            kid: u.arbitrary()?,
            age: text(u)?,
            bday_pre: text(u)?,
            birthday: text(u)?,
            wallet: text(u)?,
            flags: u.arbitrary()?,
            sid: u.arbitrary()?,
            kv: u.arbitrary()?,
            mspauth: text(u)?.map(Secret::new),
            client_ip: u.arbitrary::<Option<[u8; 4]>>()?.map(Ipv4Addr::from),
            client_port: u.arbitrary()?,
            extra,
        })
    }
}
