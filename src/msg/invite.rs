//! `text/x-msmsgsinvite`: invitations to out-of-band sessions (file transfer, …) and the
//! replies to them. The fields are header-style lines in the body [HYP client/invitations].

use std::borrow::Cow;

use super::fields::{self, body_fields, parsed, set_first, write_opt, write_some};
use super::{Message, MsgError, ParseError};
use crate::Secret;

pub(super) const CONTENT_TYPE: &str = "text/x-msmsgsinvite";
const FULL_CONTENT_TYPE: &str = "text/x-msmsgsinvite; charset=UTF-8";

/// `Application-GUID` of MSN file transfer (MSNFTP) [TW sendFileInvitation].
pub const FILE_TRANSFER_GUID: &str = "{5D3E02AB-6190-11d3-BBBB-00C04F795683}";

mod name {
    pub const APPLICATION_NAME: &str = "Application-Name";
    pub const APPLICATION_GUID: &str = "Application-GUID";
    pub const COMMAND: &str = "Invitation-Command";
    pub const COOKIE: &str = "Invitation-Cookie";
    pub const APPLICATION_FILE: &str = "Application-File";
    pub const APPLICATION_FILE_SIZE: &str = "Application-FileSize";
    pub const CONNECTIVITY: &str = "Connectivity";
    pub const CANCEL_CODE: &str = "Cancel-Code";
    pub const IP_ADDRESS: &str = "IP-Address";
    pub const PORT: &str = "Port";
    pub const AUTH_COOKIE: &str = "AuthCookie";
    pub const LAUNCH_APPLICATION: &str = "Launch-Application";
    pub const REQUEST_DATA: &str = "Request-Data";
}

/// The fields an [`Invitation`] writes itself, in the order it writes them.
const FIELDS: [&str; 13] = [
    name::APPLICATION_NAME,
    name::APPLICATION_GUID,
    name::COMMAND,
    name::COOKIE,
    name::APPLICATION_FILE,
    name::APPLICATION_FILE_SIZE,
    name::CONNECTIVITY,
    name::CANCEL_CODE,
    name::IP_ADDRESS,
    name::PORT,
    name::AUTH_COOKIE,
    name::LAUNCH_APPLICATION,
    name::REQUEST_DATA,
];

/// `Invitation-Command`: what this invitation message does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum InvitationCommand {
    /// Proposes a session.
    Invite,
    /// Accepts it (and, from the side that will listen, gives the address).
    Accept,
    /// Declines or aborts it; see [`Invitation::cancel_code`].
    Cancel,
}

impl InvitationCommand {
    /// The wire word. Read case-insensitively: some clients send `Invite` [TW tests].
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Invite => "INVITE",
            Self::Accept => "ACCEPT",
            Self::Cancel => "CANCEL",
        }
    }

    fn parse(value: &str) -> Result<Self, ParseError> {
        [Self::Invite, Self::Accept, Self::Cancel]
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(value))
            .ok_or(ParseError::InvalidField { field: name::COMMAND })
    }
}

/// `Cancel-Code`: why an invitation was declined or aborted [HYP invitations; NINA
/// MSNFTP/Invitation]. Codes the crate does not know are kept as [`CancelCode::Other`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CancelCode<'a> {
    /// `REJECT`: the invitee declined.
    Reject,
    /// `TIMEOUT`: nobody answered the invitation in time.
    Timeout,
    /// `FTTIMEOUT`: the file transfer connection did not come in time (the official
    /// client listens for 30 s).
    FtTimeout,
    /// `OUTBANDCANCEL`: the transfer was cancelled after it was set up.
    OutbandCancel,
    /// `FAIL`: setting up the transfer failed.
    Fail,
    /// `REJECT_NOT_INSTALLED`: the invitee has no application for it.
    RejectNotInstalled,
    /// Any other code, as sent.
    Other(Cow<'a, str>),
}

impl<'a> CancelCode<'a> {
    const KNOWN: [Self; 6] = [
        Self::Reject,
        Self::Timeout,
        Self::FtTimeout,
        Self::OutbandCancel,
        Self::Fail,
        Self::RejectNotInstalled,
    ];

    /// The wire word.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Reject => "REJECT",
            Self::Timeout => "TIMEOUT",
            Self::FtTimeout => "FTTIMEOUT",
            Self::OutbandCancel => "OUTBANDCANCEL",
            Self::Fail => "FAIL",
            Self::RejectNotInstalled => "REJECT_NOT_INSTALLED",
            Self::Other(code) => code,
        }
    }

    /// Reads a code; known words case-insensitively.
    pub fn parse(value: &'a str) -> Self {
        Self::KNOWN
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(value))
            .unwrap_or(Self::Other(Cow::Borrowed(value)))
    }

    /// Copies whatever is borrowed.
    pub fn into_owned(self) -> CancelCode<'static> {
        match self {
            Self::Reject => CancelCode::Reject,
            Self::Timeout => CancelCode::Timeout,
            Self::FtTimeout => CancelCode::FtTimeout,
            Self::OutbandCancel => CancelCode::OutbandCancel,
            Self::Fail => CancelCode::Fail,
            Self::RejectNotInstalled => CancelCode::RejectNotInstalled,
            Self::Other(code) => CancelCode::Other(fields::owned(code)),
        }
    }
}

impl<'a> From<CancelCode<'a>> for Cow<'a, str> {
    fn from(code: CancelCode<'a>) -> Self {
        match code {
            CancelCode::Other(code) => code,
            known => Cow::Owned(known.as_str().to_owned()),
        }
    }
}

impl std::fmt::Display for CancelCode<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Reject => f.write_str("the invitation was declined"),
            Self::Timeout => f.write_str("nobody answered the invitation in time"),
            Self::FtTimeout => f.write_str("the transfer connection was not made in time"),
            Self::OutbandCancel => f.write_str("the transfer was cancelled"),
            Self::Fail => f.write_str("the transfer could not be set up"),
            Self::RejectNotInstalled => f.write_str("the other side cannot take this kind of invitation"),
            Self::Other(code) => write!(f, "the invitation was cancelled (code {code})"),
        }
    }
}

/// An invitation message, or a reply to one, matched by [`cookie`](Self::cookie).
///
/// ```
/// use msnp::msg::{Invitation, Message};
///
/// let offer = Invitation::file_transfer(42, "photo.jpg", 31_337);
/// let mut wire = Vec::new();
/// offer.encode(&mut wire)?;
/// let parsed = Message::parse(&wire).unwrap();
/// assert_eq!(Invitation::parse(&parsed).unwrap(), offer);
/// # Ok::<(), msnp::msg::MsgError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Invitation<'a> {
    /// `Invitation-Command`.
    pub command: InvitationCommand,
    /// `Invitation-Cookie`: chosen by the inviter, repeated in every reply.
    pub cookie: u32,
    /// `Application-Name`, e.g. `File Transfer`.
    pub application_name: Option<Cow<'a, str>>,
    /// `Application-GUID`, e.g. [`FILE_TRANSFER_GUID`].
    pub application_guid: Option<Cow<'a, str>>,
    /// `Application-File`: the offered file's name.
    pub application_file: Option<Cow<'a, str>>,
    /// `Application-FileSize`, in bytes.
    pub application_file_size: Option<u64>,
    /// `Connectivity` (MSN 5 and later): `N` when the inviter cannot accept connections
    /// [YW msnp8.md].
    pub connectivity: Option<Cow<'a, str>>,
    /// `Cancel-Code`, e.g. `REJECT`, `TIMEOUT`, `OUTBANDCANCEL`.
    pub cancel_code: Option<Cow<'a, str>>,
    /// `IP-Address` to connect to.
    pub ip_address: Option<Cow<'a, str>>,
    /// `Port` to connect to.
    pub port: Option<u16>,
    /// `AuthCookie`: proves the connecting peer is the invited one; a credential.
    pub auth_cookie: Option<Secret<u32>>,
    /// `Launch-Application` (`TRUE`/`FALSE`).
    pub launch_application: Option<bool>,
    /// `Request-Data`: names the fields the accepting side asks for, e.g. `IP-Address:`.
    pub request_data: Option<Cow<'a, str>>,
    /// Other body fields, in order.
    pub extra: Vec<(Cow<'a, str>, Cow<'a, str>)>,
}

impl<'a> Invitation<'a> {
    /// A bare message with `command` and `cookie`, every other field unset.
    pub fn new(command: InvitationCommand, cookie: u32) -> Self {
        Self {
            command,
            cookie,
            application_name: None,
            application_guid: None,
            application_file: None,
            application_file_size: None,
            connectivity: None,
            cancel_code: None,
            ip_address: None,
            port: None,
            auth_cookie: None,
            launch_application: None,
            request_data: None,
            extra: Vec::new(),
        }
    }

    /// Offers a file (MSNFTP), as MSN 5 does: name, GUID, command, cookie, file, size,
    /// and `Connectivity: N` (this library cannot promise to accept connections)
    /// [TW sendFileInvitation; YW msnp8.md].
    pub fn file_transfer(cookie: u32, file_name: impl Into<Cow<'a, str>>, size: u64) -> Self {
        Self {
            application_name: Some(Cow::Borrowed("File Transfer")),
            application_guid: Some(Cow::Borrowed(FILE_TRANSFER_GUID)),
            application_file: Some(file_name.into()),
            application_file_size: Some(size),
            connectivity: Some(Cow::Borrowed("N")),
            ..Self::new(InvitationCommand::Invite, cookie)
        }
    }

    /// Accepts the invitation `cookie`, asking the inviter for its address.
    pub fn accept(cookie: u32) -> Self {
        Self {
            launch_application: Some(false),
            request_data: Some(Cow::Borrowed("IP-Address:")),
            ..Self::new(InvitationCommand::Accept, cookie)
        }
    }

    /// The inviter's reply to an [`accept`](Self::accept): where to connect and the
    /// cookie to prove there (`IP-Address`, `Port`, `AuthCookie`) [HYP1; TW
    /// sendTransferInfo].
    pub fn accept_with_address(
        cookie: u32,
        ip_address: impl Into<Cow<'a, str>>,
        port: u16,
        auth_cookie: Secret<u32>,
    ) -> Self {
        Self {
            ip_address: Some(ip_address.into()),
            port: Some(port),
            auth_cookie: Some(auth_cookie),
            ..Self::new(InvitationCommand::Accept, cookie)
        }
    }

    /// Declines or aborts the invitation `cookie`, e.g. with `REJECT`.
    pub fn cancel(cookie: u32, code: impl Into<Cow<'a, str>>) -> Self {
        Self {
            cancel_code: Some(code.into()),
            ..Self::new(InvitationCommand::Cancel, cookie)
        }
    }

    /// `Cancel-Code`, typed.
    pub fn cancel_reason(&self) -> Option<CancelCode<'_>> {
        self.cancel_code.as_deref().map(CancelCode::parse)
    }

    /// Reads an invitation; `Invitation-Command` and `Invitation-Cookie` are required.
    pub fn parse<'m>(message: &'m Message<'_>) -> Result<Invitation<'m>, ParseError> {
        fields::expect_type(message, CONTENT_TYPE)?;
        let text = |v: &'m str| Some(Cow::Borrowed(v));
        let (mut command, mut cookie) = (None, None);
        let mut i = Invitation::new(InvitationCommand::Invite, 0);
        for field in body_fields(message.body())? {
            let (field, value) = field?;
            let is = |n: &str| field.eq_ignore_ascii_case(n);
            if is(name::COMMAND) {
                set_first(&mut command, Some(InvitationCommand::parse(value)?));
            } else if is(name::COOKIE) {
                set_first(&mut cookie, parsed(value, name::COOKIE)?);
            } else if is(name::APPLICATION_NAME) {
                set_first(&mut i.application_name, text(value));
            } else if is(name::APPLICATION_GUID) {
                set_first(&mut i.application_guid, text(value));
            } else if is(name::APPLICATION_FILE) {
                set_first(&mut i.application_file, text(value));
            } else if is(name::APPLICATION_FILE_SIZE) {
                set_first(
                    &mut i.application_file_size,
                    parsed(value, name::APPLICATION_FILE_SIZE)?,
                );
            } else if is(name::CONNECTIVITY) {
                set_first(&mut i.connectivity, text(value));
            } else if is(name::CANCEL_CODE) {
                set_first(&mut i.cancel_code, text(value));
            } else if is(name::IP_ADDRESS) {
                set_first(&mut i.ip_address, text(value));
            } else if is(name::PORT) {
                set_first(&mut i.port, parsed(value, name::PORT)?);
            } else if is(name::AUTH_COOKIE) {
                let auth: Option<u32> = parsed(value, name::AUTH_COOKIE)?;
                set_first(&mut i.auth_cookie, auth.map(Secret::new));
            } else if is(name::LAUNCH_APPLICATION) {
                let launch = match value {
                    v if v.eq_ignore_ascii_case("TRUE") => true,
                    v if v.eq_ignore_ascii_case("FALSE") => false,
                    _ => {
                        return Err(ParseError::InvalidField {
                            field: name::LAUNCH_APPLICATION,
                        });
                    }
                };
                set_first(&mut i.launch_application, Some(launch));
            } else if is(name::REQUEST_DATA) {
                set_first(&mut i.request_data, text(value));
            } else {
                i.extra.push((Cow::Borrowed(field), Cow::Borrowed(value)));
            }
        }
        i.command = command.ok_or(ParseError::MissingField { field: name::COMMAND })?;
        i.cookie = cookie.ok_or(ParseError::MissingField { field: name::COOKIE })?;
        Ok(i)
    }

    /// Appends the payload: the fields that are set, [`Invitation::extra`], and the
    /// blank line that ends the body [TW sendFileInvitation]. Values holding CR, LF or
    /// NUL, and extra fields that repeat a known one, are refused.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), MsgError> {
        super::transactional(out, |out| {
            fields::write_preamble(out, FULL_CONTENT_TYPE);
            out.extend_from_slice(b"\r\n");
            write_opt(out, name::APPLICATION_NAME, self.application_name.as_ref())?;
            write_opt(out, name::APPLICATION_GUID, self.application_guid.as_ref())?;
            write_some(out, name::COMMAND, Some(self.command.as_str()));
            write_some(out, name::COOKIE, Some(self.cookie));
            write_opt(out, name::APPLICATION_FILE, self.application_file.as_ref())?;
            write_some(out, name::APPLICATION_FILE_SIZE, self.application_file_size);
            write_opt(out, name::CONNECTIVITY, self.connectivity.as_ref())?;
            write_opt(out, name::CANCEL_CODE, self.cancel_code.as_ref())?;
            write_opt(out, name::IP_ADDRESS, self.ip_address.as_ref())?;
            write_some(out, name::PORT, self.port);
            write_some(
                out,
                name::AUTH_COOKIE,
                self.auth_cookie.as_ref().map(Secret::expose),
            );
            let launch = self.launch_application.map(|l| if l { "TRUE" } else { "FALSE" });
            write_some(out, name::LAUNCH_APPLICATION, launch);
            write_opt(out, name::REQUEST_DATA, self.request_data.as_ref())?;
            for (name, value) in &self.extra {
                fields::write_extra(out, name, value, &FIELDS)?;
            }
            out.extend_from_slice(b"\r\n");
            Ok(())
        })
    }

    /// Copies whatever is borrowed.
    pub fn into_owned(self) -> Invitation<'static> {
        let text = |v: Option<Cow<'_, str>>| v.map(fields::owned);
        Invitation {
            command: self.command,
            cookie: self.cookie,
            application_name: text(self.application_name),
            application_guid: text(self.application_guid),
            application_file: text(self.application_file),
            application_file_size: self.application_file_size,
            connectivity: text(self.connectivity),
            cancel_code: text(self.cancel_code),
            ip_address: text(self.ip_address),
            port: self.port,
            auth_cookie: self.auth_cookie,
            launch_application: self.launch_application,
            request_data: text(self.request_data),
            extra: fields::owned_pairs(self.extra),
        }
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for Invitation<'static> {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        let text = fields::arbitrary_opt;
        let extra = fields::arbitrary_extra(u)?;
        Ok(Self {
            command: u.arbitrary()?,
            cookie: u.arbitrary()?,
            application_name: text(u)?,
            application_guid: text(u)?,
            application_file: text(u)?,
            application_file_size: u.arbitrary()?,
            connectivity: text(u)?,
            cancel_code: text(u)?,
            ip_address: text(u)?,
            port: u.arbitrary()?,
            auth_cookie: u.arbitrary::<Option<u32>>()?.map(Secret::new),
            launch_application: u.arbitrary()?,
            request_data: text(u)?,
            extra,
        })
    }
}
