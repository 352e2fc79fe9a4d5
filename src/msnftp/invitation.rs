//! The `text/x-msmsgsinvite` flow that sets up a transfer over the switchboard, one
//! state holder per invitation cookie and role (reference §10.1):
//!
//! ```text
//! inviter → INVITE  (Application-File, Application-FileSize, cookie)      FileOffer::new
//! invitee → ACCEPT  (Launch-Application: FALSE, Request-Data: IP-Address:) FileInvitation::accept
//!        or CANCEL  (Cancel-Code: REJECT)                                 FileInvitation::decline
//! inviter → ACCEPT  (IP-Address, Port, AuthCookie)                        FileOffer::listening
//! either  → CANCEL  (FTTIMEOUT, OUTBANDCANCEL, …) at any time             cancel
//! ```
//!
//! The holders build the [`Invitation`]s to send (encode them and send them with
//! [`SwitchboardClient::send_message`](crate::sb::SwitchboardClient::send_message)) and
//! read the ones that arrive ([`SbEvent::Invitation`](crate::sb::SbEvent::Invitation));
//! the caller routes them by cookie ([`FileOffer::is_for`], [`FileInvitation::is_for`]).
//! Cookies are the caller's: random in 1…2³²−1, from its own entropy.

use std::borrow::Cow;
use std::num::NonZeroU32;

use crate::Secret;
use crate::msg::{CancelCode, FILE_TRANSFER_GUID, Invitation, InvitationCommand};

/// Why an invitation message was not used. Nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvitationError {
    /// The message carries another invitation's cookie.
    #[error("the message belongs to another invitation")]
    OtherInvitation,
    /// Not an `INVITE` of MSN file transfer (another application, or a reply).
    #[error("the message is not a file transfer invitation")]
    NotFileTransfer,
    /// A field the step needs is missing.
    #[error("the invitation message has no `{field}` field")]
    MissingField {
        /// The field's name.
        field: &'static str,
    },
    /// The message or call does not fit where the invitation is.
    #[error("`{what}` is not expected {state}")]
    Unexpected {
        /// The message's command or the call.
        what: &'static str,
        /// Where the invitation is.
        state: &'static str,
    },
}

/// What a reply did to a [`FileOffer`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum InviterUpdate {
    /// The invitee accepted: listen on a port, then send
    /// [`FileOffer::listening`]'s message and run a [`Sender`](super::Sender) on the
    /// connection that comes.
    Accepted,
    /// The invitee declined or cancelled; the offer is over.
    Cancelled(CancelCode<'static>),
}

/// What a message did to a [`FileInvitation`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum InviteeUpdate {
    /// The inviter listens: connect there and run a [`Receiver`](super::Receiver) with
    /// the auth cookie. An inviter behind NAT also gives its LAN address
    /// ([`ConnectTo::ip_address_internal`]): when the connection to `IP-Address` fails,
    /// or closes before the sender said anything, one more try there (with a fresh
    /// receiver) reaches an inviter on the same LAN behind a router that does not
    /// loop traffic for its own public address back in.
    Connect(ConnectTo),
    /// The inviter cancelled; the invitation is over.
    Cancelled(CancelCode<'static>),
}

/// Where the invitee connects, from the inviter's `ACCEPT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectTo {
    /// `IP-Address`, as sent (an IPv4 address in practice): the address to try first.
    pub ip_address: String,
    /// `Port`, for either address.
    pub port: u16,
    /// `AuthCookie`, for [`Receiver::new`](super::Receiver::new).
    pub auth_cookie: Secret<u32>,
    /// `IP-Address-Internal`, which an inviter behind NAT (Messenger, Miranda, this
    /// crate with [`TransferConfig::msnftp_public_ip`](crate::client::TransferConfig::msnftp_public_ip))
    /// writes beside its public `IP-Address`: its address on its own LAN, the one to
    /// try once when `IP-Address` cannot be reached. Kept only when it is an IP
    /// address (IPv4 or IPv6, nothing around it) other than `IP-Address`; `None`
    /// otherwise, so that a second try always goes somewhere new.
    pub ip_address_internal: Option<String>,
}

/// The `ACCEPT` field with the inviter's LAN address when `IP-Address` is a public one
/// (see [`ConnectTo::ip_address_internal`]). The reference does not name it, but Miranda
/// writes it and Messenger wrote it, right after `IP-Address` [MIR msnftp_startFileSend;
/// a Messenger `ACCEPT` quoted in POE::Component::Client::MSN]. Peers read the fields by
/// name, so where it stands among them is no matter.
pub(crate) const IP_ADDRESS_INTERNAL: &str = "IP-Address-Internal";

/// `IP-Address-Internal` of `invitation`, when it is a well-formed IP address other
/// than `ip_address`. The first such field counts, as for the known fields.
fn internal_address(invitation: &Invitation<'_>, ip_address: &str) -> Option<String> {
    let (_, value) = invitation
        .extra
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(IP_ADDRESS_INTERNAL))?;
    let internal: std::net::IpAddr = value.parse().ok()?;
    let public = ip_address.parse::<std::net::IpAddr>().ok();
    (public != Some(internal)).then(|| internal.to_string())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// `INVITE` sent or received; no answer yet.
    Invited,
    /// The invitee accepted; the inviter has not given its address yet.
    Accepted,
    /// The address went (inviter) or came (invitee): the transfer is on its TCP
    /// connection now; only a `CANCEL` can still come.
    Connecting,
    /// Declined or cancelled.
    Over,
}

impl Stage {
    fn name(self) -> &'static str {
        match self {
            Self::Invited => "before the invitation is answered",
            Self::Accepted => "after the invitation was accepted",
            Self::Connecting => "once the address was given",
            Self::Over => "after the invitation ended",
        }
    }
}

fn unexpected<T>(what: &'static str, stage: Stage) -> Result<T, InvitationError> {
    Err(InvitationError::Unexpected {
        what,
        state: stage.name(),
    })
}

fn cancel_code(invitation: &Invitation<'_>) -> CancelCode<'static> {
    invitation
        .cancel_reason()
        .map_or(CancelCode::Other(Cow::Borrowed("")), CancelCode::into_owned)
}

/// The inviter's side of one file offer.
///
/// ```
/// use std::num::NonZeroU32;
/// use msnp::msg::{Invitation, InvitationCommand};
/// use msnp::msnftp::{FileOffer, InviterUpdate};
/// use msnp::Secret;
///
/// let cookie = NonZeroU32::new(33267).unwrap();
/// let mut offer = FileOffer::new(cookie, "readme.txt", 60904);
/// let invite = offer.invitation(); // encode and send over the switchboard
/// assert_eq!(invite.command, InvitationCommand::Invite);
/// let reply = Invitation::accept(33267); // what the invitee answers
/// assert_eq!(offer.handle(&reply), Ok(InviterUpdate::Accepted));
/// let address = offer.listening("192.0.2.7", 6891, Secret::new(41)).unwrap();
/// assert_eq!(address.port, Some(6891));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileOffer {
    cookie: NonZeroU32,
    file_name: String,
    size: u64,
    stage: Stage,
}

impl FileOffer {
    /// An offer of `file_name` (`size` bytes) under the invitation cookie `cookie`.
    pub fn new(cookie: NonZeroU32, file_name: impl Into<String>, size: u64) -> Self {
        Self {
            cookie,
            file_name: file_name.into(),
            size,
            stage: Stage::Invited,
        }
    }

    /// The `INVITE` to send, as HYP1 gives it [reference §10.1]: without the
    /// `Connectivity: N` of [`Invitation::file_transfer`], which would tell the invitee
    /// that the inviter cannot accept its connection, when here it listens.
    pub fn invitation(&self) -> Invitation<'_> {
        Invitation {
            connectivity: None,
            ..Invitation::file_transfer(self.cookie.get(), self.file_name.as_str(), self.size)
        }
    }

    /// The invitation cookie.
    pub fn cookie(&self) -> u32 {
        self.cookie.get()
    }

    /// The offered file's name.
    pub fn file_name(&self) -> &str {
        &self.file_name
    }

    /// The offered file's size.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Whether the offer is over (declined or cancelled).
    pub fn is_over(&self) -> bool {
        self.stage == Stage::Over
    }

    /// Whether `invitation` carries this offer's cookie.
    pub fn is_for(&self, invitation: &Invitation<'_>) -> bool {
        invitation.cookie == self.cookie.get()
    }

    /// Reads the invitee's reply: `ACCEPT` or `CANCEL`.
    pub fn handle(&mut self, invitation: &Invitation<'_>) -> Result<InviterUpdate, InvitationError> {
        if !self.is_for(invitation) {
            return Err(InvitationError::OtherInvitation);
        }
        match (invitation.command, self.stage) {
            (_, Stage::Over) => unexpected(invitation.command.as_str(), self.stage),
            (InvitationCommand::Cancel, _) => {
                self.stage = Stage::Over;
                Ok(InviterUpdate::Cancelled(cancel_code(invitation)))
            }
            (InvitationCommand::Accept, Stage::Invited) => {
                self.stage = Stage::Accepted;
                Ok(InviterUpdate::Accepted)
            }
            (command, stage) => unexpected(command.as_str(), stage),
        }
    }

    /// The `ACCEPT` that tells the invitee where the caller listens, with the auth
    /// cookie the [`Sender`](super::Sender) will check (random, from the caller's
    /// entropy). Only after [`InviterUpdate::Accepted`].
    pub fn listening(
        &mut self,
        ip_address: &str,
        port: u16,
        auth_cookie: Secret<u32>,
    ) -> Result<Invitation<'static>, InvitationError> {
        if self.stage != Stage::Accepted {
            return unexpected("listening", self.stage);
        }
        self.stage = Stage::Connecting;
        Ok(Invitation::accept_with_address(
            self.cookie.get(),
            ip_address.to_owned(),
            port,
            auth_cookie,
        ))
    }

    /// Withdraws the offer: the `CANCEL` to send, e.g. with [`CancelCode::FtTimeout`]
    /// when nobody connected in time.
    pub fn cancel(&mut self, code: CancelCode<'static>) -> Result<Invitation<'static>, InvitationError> {
        if self.stage == Stage::Over {
            return unexpected("cancel", self.stage);
        }
        self.stage = Stage::Over;
        Ok(Invitation::cancel(self.cookie.get(), code))
    }
}

/// The invitee's side of one file invitation.
///
/// ```
/// use msnp::msg::Invitation;
/// use msnp::msnftp::{FileInvitation, InviteeUpdate};
/// use msnp::Secret;
///
/// let invite = Invitation::file_transfer(33267, "readme.txt", 60904); // as received
/// let mut invitation = FileInvitation::from_invite(&invite).unwrap();
/// assert_eq!((invitation.file_name(), invitation.size()), ("readme.txt", 60904));
/// let _accept = invitation.accept().unwrap(); // encode and send
/// let address = Invitation::accept_with_address(33267, "192.0.2.7", 6891, Secret::new(41));
/// let Ok(InviteeUpdate::Connect(to)) = invitation.handle(&address) else { panic!() };
/// assert_eq!((to.ip_address.as_str(), to.port), ("192.0.2.7", 6891));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileInvitation {
    cookie: u32,
    file_name: String,
    size: u64,
    /// `Connectivity: N` came with the `INVITE`.
    inviter_unreachable: bool,
    stage: Stage,
}

impl FileInvitation {
    /// Reads an `INVITE` of MSN file transfer (by its `Application-GUID`), which must
    /// name the file and its size.
    pub fn from_invite(invitation: &Invitation<'_>) -> Result<Self, InvitationError> {
        let is_file_transfer = invitation
            .application_guid
            .as_deref()
            .is_some_and(|guid| guid.eq_ignore_ascii_case(FILE_TRANSFER_GUID));
        if invitation.command != InvitationCommand::Invite || !is_file_transfer {
            return Err(InvitationError::NotFileTransfer);
        }
        let file_name = invitation
            .application_file
            .as_deref()
            .ok_or(InvitationError::MissingField {
                field: "Application-File",
            })?;
        let size = invitation
            .application_file_size
            .ok_or(InvitationError::MissingField {
                field: "Application-FileSize",
            })?;
        let inviter_unreachable = invitation
            .connectivity
            .as_deref()
            .is_some_and(|c| c.eq_ignore_ascii_case("N"));
        Ok(Self {
            cookie: invitation.cookie,
            file_name: file_name.to_owned(),
            size,
            inviter_unreachable,
            stage: Stage::Invited,
        })
    }

    /// The invitation cookie.
    pub fn cookie(&self) -> u32 {
        self.cookie
    }

    /// The offered file's name, as sent: never use it as a path unchecked.
    pub fn file_name(&self) -> &str {
        &self.file_name
    }

    /// The offered file's size; give it to [`Receiver::expect_size`](super::Receiver::expect_size).
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Whether the `INVITE` said `Connectivity: N`: the inviter (MSN 5 and later) cannot
    /// accept connections and may never send an address; the reverse set-up it then
    /// expects (`Sender-Connect`) is not documented well enough to implement
    /// [reference §10.1], so declining is the honest answer.
    pub fn inviter_unreachable(&self) -> bool {
        self.inviter_unreachable
    }

    /// Whether the invitation is over (declined or cancelled).
    pub fn is_over(&self) -> bool {
        self.stage == Stage::Over
    }

    /// Whether `invitation` carries this invitation's cookie.
    pub fn is_for(&self, invitation: &Invitation<'_>) -> bool {
        invitation.cookie == self.cookie
    }

    /// Accepts: the `ACCEPT` to send, asking for the inviter's address
    /// (`Launch-Application: FALSE`, `Request-Data: IP-Address:`).
    pub fn accept(&mut self) -> Result<Invitation<'static>, InvitationError> {
        if self.stage != Stage::Invited {
            return unexpected("accept", self.stage);
        }
        self.stage = Stage::Accepted;
        Ok(Invitation::accept(self.cookie))
    }

    /// Declines: the `CANCEL` with `Cancel-Code: REJECT` to send.
    pub fn decline(&mut self) -> Result<Invitation<'static>, InvitationError> {
        if self.stage != Stage::Invited {
            return unexpected("decline", self.stage);
        }
        self.stage = Stage::Over;
        Ok(Invitation::cancel(self.cookie, CancelCode::Reject))
    }

    /// Aborts after accepting: the `CANCEL` to send, e.g. with
    /// [`CancelCode::OutbandCancel`].
    pub fn cancel(&mut self, code: CancelCode<'static>) -> Result<Invitation<'static>, InvitationError> {
        if self.stage == Stage::Over {
            return unexpected("cancel", self.stage);
        }
        self.stage = Stage::Over;
        Ok(Invitation::cancel(self.cookie, code))
    }

    /// Reads the inviter's next message: its `ACCEPT` with the address, or `CANCEL`.
    pub fn handle(&mut self, invitation: &Invitation<'_>) -> Result<InviteeUpdate, InvitationError> {
        if !self.is_for(invitation) {
            return Err(InvitationError::OtherInvitation);
        }
        match (invitation.command, self.stage) {
            (_, Stage::Over) => unexpected(invitation.command.as_str(), self.stage),
            (InvitationCommand::Cancel, _) => {
                self.stage = Stage::Over;
                Ok(InviteeUpdate::Cancelled(cancel_code(invitation)))
            }
            (InvitationCommand::Accept, Stage::Accepted) => {
                let missing = |field| InvitationError::MissingField { field };
                let ip_address = invitation.ip_address.as_deref().ok_or(missing("IP-Address"))?;
                let port = invitation.port.ok_or(missing("Port"))?;
                let auth_cookie = invitation.auth_cookie.clone().ok_or(missing("AuthCookie"))?;
                self.stage = Stage::Connecting;
                Ok(InviteeUpdate::Connect(ConnectTo {
                    ip_address: ip_address.to_owned(),
                    port,
                    auth_cookie,
                    ip_address_internal: internal_address(invitation, ip_address),
                }))
            }
            (command, stage) => unexpected(command.as_str(), stage),
        }
    }
}
