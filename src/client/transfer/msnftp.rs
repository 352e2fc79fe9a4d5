//! MSNFTP hosted by the [`Client`]: a file offered with a `text/x-msmsgsinvite`
//! `INVITE` (any dialect, what MSNP8-era peers send) is told as
//! [`ClientEvent::TransferOffered`]; accepting sends the `ACCEPT`, and the inviter's
//! `ACCEPT` with its address makes the client ask for a new connection
//! ([`ClientOutput::Connect`]) that runs an MSNFTP [`Receiver`] [reference §10].
//! An inviter behind NAT gives its LAN address too (`IP-Address-Internal`): when the
//! connection to its public `IP-Address` fails or closes before the sender said a
//! word, the client asks once more, for a new connection there (see
//! [`Client::accept_transfer`]).
//!
//! Sending ([`Client::send_file_msnftp`]) is the other way round: once the invitee
//! accepts, the client asks the caller to listen ([`ClientOutput::Listen`]), sends the
//! address the caller reports ([`Client::handle_listening`]) with a fresh auth cookie,
//! and runs an MSNFTP [`Sender`] on the connection that arrives there.
//!
//! Both directions share the direct connections and the timers here, which keeps this
//! file near 800 lines; the invitation replies they send over the switchboard are in
//! the `replies` submodule.

use std::borrow::Cow;
use std::time::Instant;

use super::window::WriteWindow;
use super::{Entry, Kind, State, TransferFailure, TransferId};
use crate::Output;
use crate::Secret;
use crate::client::ClientError;
use crate::client::conversation::fits_later;
use crate::client::{Client, ClientEvent, ClientOutput, ConnId, Connection, Step};
use crate::codec::{AckMode, HostPort, Passport};
use crate::msg::{CancelCode, Invitation};
use crate::msnftp::{
    Failure, FileInvitation, FileOffer, IP_ADDRESS_INTERNAL, InviteeUpdate, InviterUpdate, MsnftpConfig,
    Receiver, ReceiverEvent, Sender, SenderEvent,
};
use replies::Reply;

mod replies;

/// The MSNFTP machine of a direct connection.
#[derive(Debug)]
enum Machine {
    Receiver(Receiver),
    Sender(Sender),
}

impl Machine {
    fn is_finished(&self) -> bool {
        match self {
            Self::Receiver(r) => r.is_finished(),
            Self::Sender(s) => s.is_finished(),
        }
    }

    fn cancel(&mut self, now: Instant) {
        let _ = match self {
            Self::Receiver(r) => r.cancel(now),
            Self::Sender(s) => s.cancel(now),
        };
    }
}

/// A direct connection carrying one MSNFTP machine. `Debug` leaves out the last
/// transmit, which holds the auth cookie (`USR handle cookie`).
pub(in crate::client) struct Direct {
    id: TransferId,
    receiver: Machine,
    connected: bool,
    /// The peer sent something: the MSNFTP handshake began, so the connection reached
    /// the right peer and a second address is no longer worth trying.
    heard: bool,
    /// The connection ended (or never opened): the machine has only its end to tell.
    closed: bool,
    /// The last transmit, copied out of the receiver (the buffer is reused).
    pub(in crate::client) out: Vec<u8>,
    /// What the caller has not written yet of the transmits handed out.
    window: WriteWindow,
}

impl std::fmt::Debug for Direct {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Direct")
            .field("id", &self.id)
            .field("receiver", &self.receiver)
            .field("connected", &self.connected)
            .finish_non_exhaustive()
    }
}

impl Direct {
    fn new(id: TransferId, machine: Machine) -> Self {
        Self {
            id,
            receiver: machine,
            connected: false,
            heard: false,
            closed: false,
            out: Vec::new(),
            window: WriteWindow::default(),
        }
    }

    pub(in crate::client) fn handle_connected(&mut self) {
        self.connected = true;
    }

    pub(in crate::client) fn handle_input(&mut self, now: Instant, bytes: &[u8]) {
        self.heard |= !bytes.is_empty();
        match &mut self.receiver {
            Machine::Receiver(r) => r.handle_input(now, bytes),
            Machine::Sender(s) => s.handle_input(now, bytes),
        }
    }

    pub(in crate::client) fn handle_closed(&mut self, now: Instant) {
        self.closed = true;
        match &mut self.receiver {
            Machine::Receiver(r) => r.handle_closed(now),
            Machine::Sender(s) => s.handle_closed(now),
        }
    }

    pub(in crate::client) fn poll_timeout(&self) -> Option<Instant> {
        match &self.receiver {
            Machine::Receiver(r) => r.poll_timeout(),
            Machine::Sender(s) => s.poll_timeout(),
        }
    }

    fn handle_timeout(&mut self, now: Instant) {
        match &mut self.receiver {
            Machine::Receiver(r) => r.handle_timeout(now),
            Machine::Sender(s) => s.handle_timeout(now),
        }
    }
}

/// Where an MSNFTP invitation is.
#[derive(Debug)]
pub(super) struct Invited {
    /// The switchboard it came on.
    sb: ConnId,
    invitation: FileInvitation,
    /// Until the caller answers, or the inviter gives its address.
    deadline: Option<Instant>,
    /// The receiver's connection, once the address came.
    direct: Option<ConnId>,
    /// The inviter's LAN address, still to try once if its public one fails.
    fallback: Option<Fallback>,
}

/// The second address of an MSNFTP receive, and what a fresh receiver there needs.
#[derive(Debug)]
struct Fallback {
    addr: HostPort<'static>,
    auth_cookie: Secret<u32>,
    /// When the first receiver started: the second one's idle timer counts from
    /// there, so two tries wait no longer than one.
    started: Instant,
}

/// Where an MSNFTP offer of the user's is.
#[derive(Debug)]
pub(super) struct Offering {
    sb: ConnId,
    offer: FileOffer,
    /// The cookie the connecting invitee must prove.
    auth_cookie: Secret<u32>,
    /// Until the invitee answers; then the sender's own timer runs.
    deadline: Option<Instant>,
    /// The connection listened for, once the invitee accepted.
    direct: Option<ConnId>,
}

/// One machine event without the machine's borrow.
enum Got {
    Nothing,
    Started,
    Data(Vec<u8>),
    Progress(u64, u64),
    Ended(Result<u64, TransferFailure>),
}

impl From<Failure> for TransferFailure {
    fn from(failure: Failure) -> Self {
        match failure {
            Failure::CancelledByPeer => Self::CancelledByPeer,
            Failure::CancelledLocally => Self::Cancelled,
            Failure::ConnectionLost => Self::ConnectionLost,
            Failure::TimedOut => Self::TimedOut,
            Failure::SizeMismatch {
                expected,
                transferred,
            } => Self::SizeMismatch {
                expected,
                got: transferred,
            },
            Failure::SizeNotAsInvited { invited, announced } => Self::SizeMismatch {
                expected: invited,
                got: announced,
            },
            Failure::FileTooLarge { size, max } => Self::TooLarge { size, max },
            other => Self::Direct(other),
        }
    }
}

impl Client {
    /// A `text/x-msmsgsinvite` from `from` on switchboard `sb`: a file offer, or the
    /// next step of one, when [`TransferConfig::msnftp`](super::TransferConfig::msnftp)
    /// hosts them (whether the caller sees it as an invitation: `false`).
    pub(in crate::client) fn route_invitation(
        &mut self,
        sb: ConnId,
        from: &Passport<'static>,
        invitation: &Invitation<'_>,
    ) -> bool {
        if !self.config.transfer.msnftp {
            return false;
        }
        let now = self.now;
        let known = self.transfers.entries.iter().find_map(|(id, e)| match &e.kind {
            Kind::Msnftp(invited)
                if invited.sb == sb && e.peer.same_account(from) && invited.invitation.is_for(invitation) =>
            {
                Some(*id)
            }
            _ => None,
        });
        if let Some(id) = known {
            self.invitation_step(id, invitation);
            return true;
        }
        let offered = self.transfers.entries.iter().find_map(|(id, e)| match &e.kind {
            Kind::MsnftpSend(o) if o.sb == sb && e.peer.same_account(from) && o.offer.is_for(invitation) => {
                Some(*id)
            }
            _ => None,
        });
        if let Some(id) = offered {
            self.offer_step(id, invitation);
            return true;
        }
        let Ok(mut offer) = FileInvitation::from_invite(invitation) else {
            return false;
        };
        if self.transfers.entries.len() >= self.config.transfer.max_transfers {
            if let Ok(decline) = offer.decline() {
                self.send_on_switchboard(sb, &decline, Reply::Decline);
            }
            return true;
        }
        let id = TransferId(self.transfers.next_id);
        self.transfers.next_id += 1;
        self.emit(ClientEvent::TransferOffered {
            id,
            from: from.clone(),
            name: offer.file_name().to_owned(),
            size: offer.size(),
        });
        self.transfers.entries.insert(
            id,
            Entry {
                peer: from.clone(),
                kind: Kind::Msnftp(Box::new(Invited {
                    sb,
                    invitation: offer,
                    deadline: now.checked_add(self.config.transfer.p2p.timeout),
                    direct: None,
                    fallback: None,
                })),
                state: State::Direct,
            },
        );
        true
    }

    /// The inviter's `ACCEPT` with its address, or its `CANCEL`.
    fn invitation_step(&mut self, id: TransferId, invitation: &Invitation<'_>) {
        let now = self.now;
        let account = self.account.clone();
        let Some(Kind::Msnftp(invited)) = self.transfers.entries.get_mut(&id).map(|e| &mut e.kind) else {
            return;
        };
        match invited.invitation.handle(invitation) {
            Ok(InviteeUpdate::Connect(to)) => {
                let Ok(addr) = HostPort::new(to.ip_address.clone(), to.port) else {
                    self.end_transfer(id, Err(TransferFailure::ConnectionLost));
                    return;
                };
                // An address the client cannot connect to is no second try.
                invited.fallback = to
                    .ip_address_internal
                    .and_then(|ip| HostPort::new(ip, to.port).ok())
                    .map(|addr| Fallback {
                        addr,
                        auth_cookie: to.auth_cookie.clone(),
                        started: now,
                    });
                let receiver = receiving(account, to.auth_cookie, invited.invitation.size(), now);
                invited.deadline = None;
                let conn = self
                    .conns
                    .insert(Connection::Direct(Box::new(Direct::new(id, receiver))));
                invited.direct = Some(conn);
                self.outputs.push_back(ClientOutput::Connect { conn, addr });
            }
            Ok(InviteeUpdate::Cancelled(_)) => {
                let direct = invited.direct;
                self.end_transfer(id, Err(TransferFailure::CancelledByPeer));
                self.cancel_direct(direct);
            }
            // A message out of turn changes nothing; the deadline still runs.
            Err(_) => {}
        }
    }

    pub(super) fn accept_msnftp(&mut self, id: TransferId) -> Result<(), super::TransferError> {
        let now = self.now;
        let timeout = self.config.transfer.p2p.timeout;
        let Some(Kind::Msnftp(invited)) = self.transfers.entries.get_mut(&id).map(|e| &mut e.kind) else {
            return Err(super::TransferError::WrongState);
        };
        let accept = invited
            .invitation
            .accept()
            .map_err(|_| super::TransferError::WrongState)?;
        invited.deadline = now.checked_add(timeout);
        let sb = invited.sb;
        let sent = self.send_on_switchboard(sb, &accept, Reply::Onward);
        self.reply_unsent(id, sent);
        Ok(())
    }

    pub(super) fn decline_msnftp(&mut self, id: TransferId) -> Result<(), super::TransferError> {
        let Some(Kind::Msnftp(invited)) = self.transfers.entries.get_mut(&id).map(|e| &mut e.kind) else {
            return Err(super::TransferError::WrongState);
        };
        let decline = invited
            .invitation
            .decline()
            .map_err(|_| super::TransferError::WrongState)?;
        let sb = invited.sb;
        self.send_on_switchboard(sb, &decline, Reply::Ending);
        self.end_transfer(id, Err(TransferFailure::DeclinedHere));
        Ok(())
    }

    pub(super) fn cancel_msnftp(&mut self, id: TransferId) {
        if let Some(Kind::MsnftpSend(offering)) = self.transfers.entries.get_mut(&id).map(|e| &mut e.kind) {
            let (sb, direct) = (offering.sb, offering.direct);
            let code = if direct.is_some() {
                CancelCode::OutbandCancel
            } else {
                CancelCode::Timeout
            };
            if let Ok(cancel) = offering.offer.cancel(code) {
                self.send_on_switchboard(sb, &cancel, Reply::Ending);
            }
            self.end_transfer(id, Err(TransferFailure::Cancelled));
            self.cancel_direct(direct);
            return;
        }
        let Some(Kind::Msnftp(invited)) = self.transfers.entries.get_mut(&id).map(|e| &mut e.kind) else {
            return;
        };
        let direct = invited.direct;
        let code = if direct.is_some() {
            CancelCode::OutbandCancel
        } else {
            CancelCode::Reject
        };
        let sb = invited.sb;
        if let Ok(cancel) = invited.invitation.cancel(code) {
            self.send_on_switchboard(sb, &cancel, Reply::Ending);
        }
        self.end_transfer(id, Err(TransferFailure::Cancelled));
        self.cancel_direct(direct);
    }

    fn cancel_direct(&mut self, direct: Option<ConnId>) {
        if let Some(conn) = direct
            && let Some(Connection::Direct(d)) = self.conns.get_mut(conn)
        {
            d.receiver.cancel(self.now);
        }
    }

    /// Invitations still waiting on switchboard `sb` lose their way to the inviter.
    pub(super) fn msnftp_switchboard_closed(&mut self, sb: ConnId) {
        let lost: Vec<TransferId> = self
            .transfers
            .entries
            .iter()
            .filter(|(_, e)| match &e.kind {
                Kind::Msnftp(i) => i.sb == sb && i.direct.is_none(),
                Kind::MsnftpSend(o) => o.sb == sb && o.direct.is_none(),
                _ => false,
            })
            .map(|(id, _)| *id)
            .collect();
        for id in lost {
            self.end_transfer(id, Err(TransferFailure::ConnectionLost));
        }
    }

    pub(super) fn msnftp_timeout(&mut self, now: Instant) {
        let expired: Vec<TransferId> = self
            .transfers
            .entries
            .iter()
            .filter(|(_, e)| match &e.kind {
                Kind::Msnftp(i) => i.deadline.is_some_and(|d| d <= now),
                Kind::MsnftpSend(o) => o.deadline.is_some_and(|d| d <= now),
                _ => false,
            })
            .map(|(id, _)| *id)
            .collect();
        for id in expired {
            match self.transfers.entries.get_mut(&id).map(|e| &mut e.kind) {
                Some(Kind::Msnftp(invited)) => {
                    let sb = invited.sb;
                    if let Ok(cancel) = invited.invitation.cancel(CancelCode::FtTimeout) {
                        self.send_on_switchboard(sb, &cancel, Reply::Ending);
                    }
                }
                Some(Kind::MsnftpSend(offering)) => {
                    let sb = offering.sb;
                    if let Ok(cancel) = offering.offer.cancel(CancelCode::FtTimeout) {
                        self.send_on_switchboard(sb, &cancel, Reply::Ending);
                    }
                }
                _ => {}
            }
            self.end_transfer(id, Err(TransferFailure::TimedOut));
        }
        for id in self.conns.ids() {
            if let Some(Connection::Direct(d)) = self.conns.get_mut(id) {
                d.handle_timeout(now);
            }
        }
    }

    pub(super) fn msnftp_next_timeout(&self) -> Option<Instant> {
        self.transfers
            .entries
            .values()
            .filter_map(|e| match &e.kind {
                Kind::Msnftp(invited) => invited.deadline,
                Kind::MsnftpSend(offering) => offering.deadline,
                _ => None,
            })
            .min()
    }

    /// Offers `to` a file of `size` bytes named `name` over MSNFTP, the transfer of
    /// every dialect (MSNP8 included), in the conversation with them (opened when there
    /// is none). Once they accept, the client asks the caller to listen for their
    /// connection ([`ClientOutput::Listen`]). Data goes in with
    /// [`write_transfer`](Self::write_transfer) after [`ClientEvent::TransferAccepted`]
    /// (the receiver asked for it); [`ClientEvent::TransferEnded`] comes once the
    /// receiver confirmed every byte. Needs
    /// [`TransferConfig::msnftp`](super::TransferConfig::msnftp).
    pub fn send_file_msnftp(
        &mut self,
        now: Instant,
        to: &Passport<'_>,
        name: &str,
        size: u64,
    ) -> Result<TransferId, ClientError> {
        self.touch(now);
        if !self.config.transfer.msnftp {
            return Err(super::TransferError::MsnftpOff.into());
        }
        // The name must fit an invitation; checked now rather than once the peer joined.
        let probe = FileOffer::new(std::num::NonZeroU32::MIN, name, size);
        probe.invitation().encode(&mut Vec::new())?;
        self.start_transfer(
            to,
            Kind::MsnftpOffer {
                name: name.to_owned(),
                size,
            },
        )
    }

    /// The peer of offer `id` is in switchboard `sb`: the `INVITE` goes out, or waits
    /// while the switchboard's window is full (mode `N` messages hold their place until
    /// [`SbConfig::nak_grace`](crate::sb::SbConfig::nak_grace) passed). Whether anything
    /// changed.
    pub(super) fn offer_msnftp_in(&mut self, id: TransferId, sb: ConnId) -> bool {
        let now = self.now;
        let seed = self.config.transfer.seed;
        let timeout = self.config.transfer.p2p.timeout;
        let Some(entry) = self.transfers.entries.get_mut(&id) else {
            return false;
        };
        let Kind::MsnftpOffer { name, size } = &entry.kind else {
            return false;
        };
        let entropy = super::mix(&[seed, super::fnv(entry.peer.as_str()), id.0, 0x4654_5053]);
        let cookie = std::num::NonZeroU32::new((entropy as u32) | 1).unwrap_or(std::num::NonZeroU32::MIN);
        let offer = FileOffer::new(cookie, name.as_str(), *size);
        let mut payload = Vec::new();
        let sent = match (offer.invitation().encode(&mut payload), self.conns.get_mut(sb)) {
            (Ok(()), Some(Connection::Switchboard(s))) => {
                match s.machine.send_message(now, &payload, AckMode::NegativeOnly) {
                    Err(error) if fits_later(&error) => return false,
                    sent => sent.is_ok(),
                }
            }
            _ => false,
        };
        if !sent {
            self.end_transfer(id, Err(TransferFailure::ConnectionLost));
            return true;
        }
        if let Some(entry) = self.transfers.entries.get_mut(&id) {
            entry.kind = Kind::MsnftpSend(Box::new(Offering {
                sb,
                offer,
                auth_cookie: Secret::new((entropy >> 32) as u32),
                deadline: now.checked_add(timeout),
                direct: None,
            }));
            entry.state = State::Direct;
        }
        true
    }

    /// The caller listens for `conn` ([`ClientOutput::Listen`]) at `addr`, the address
    /// the peer is to connect to (reachable by the peer: not a wildcard such as
    /// `0.0.0.0`). The client sends it to the peer (with
    /// [`TransferConfig::msnftp_public_ip`](super::TransferConfig::msnftp_public_ip)
    /// set, that IP with `addr`'s port instead, and `addr`'s host as
    /// `IP-Address-Internal`); the connection that comes is then reported with
    /// [`handle_connected`](Self::handle_connected). Ignored for a connection that is
    /// not listened for, or once its address went.
    pub fn handle_listening(&mut self, conn: ConnId, now: Instant, addr: &HostPort<'_>) {
        self.touch(now);
        let public = self.config.transfer.msnftp_public_ip;
        let id = match self.conns.get(conn) {
            Some(Connection::Direct(d)) if !d.connected => d.id,
            _ => return,
        };
        let Some(Kind::MsnftpSend(offering)) = self.transfers.entries.get_mut(&id).map(|e| &mut e.kind)
        else {
            return;
        };
        if offering.direct != Some(conn) {
            return;
        }
        let sb = offering.sb;
        let public = public.map(|ip| ip.to_string());
        let advertised = public.as_deref().unwrap_or(addr.host());
        // Refused only once the address went: a second report changes nothing.
        if let Ok(mut address) =
            offering
                .offer
                .listening(advertised, addr.port(), offering.auth_cookie.clone())
        {
            if public.is_some() {
                address.extra.push((
                    Cow::Borrowed(IP_ADDRESS_INTERNAL),
                    Cow::Owned(addr.host().to_owned()),
                ));
            }
            let sent = self.send_on_switchboard(sb, &address, Reply::Onward);
            self.reply_unsent(id, sent);
        }
    }

    /// The direct connection carrying transfer `id` (an MSNFTP file being sent or
    /// received), once there is one: the `conn` of its transmits, whose writes
    /// [`handle_written`](Self::handle_written) reports. Nothing acknowledges a direct
    /// connection's data; with
    /// [`TransferConfig::direct_write_window`](super::TransferConfig::direct_write_window)
    /// set, the client itself holds [`write_transfer`](Self::write_transfer) back
    /// while much of it is unwritten, so a loop need not.
    pub fn transfer_connection(&self, id: TransferId) -> Option<ConnId> {
        match self.transfers.entries.get(&id).map(|e| &e.kind) {
            Some(Kind::MsnftpSend(offering)) => offering.direct,
            Some(Kind::Msnftp(invited)) => invited.direct,
            _ => None,
        }
    }

    /// The next bytes of an MSNFTP offer's file, into its sender: what it takes.
    pub(super) fn write_msnftp(
        &mut self,
        id: TransferId,
        data: &[u8],
    ) -> Result<usize, super::TransferError> {
        let now = self.now;
        let conn = match self.transfers.entries.get(&id).map(|e| &e.kind) {
            Some(Kind::MsnftpSend(offering)) => offering.direct,
            Some(Kind::MsnftpOffer { .. }) => None,
            _ => return Err(super::TransferError::WrongState),
        };
        let Some(conn) = conn else {
            return Ok(0);
        };
        let window = self.config.transfer.direct_write_window;
        match self.conns.get_mut(conn) {
            Some(Connection::Direct(d)) => match &mut d.receiver {
                Machine::Sender(_) if !data.is_empty() && d.window.refuses(window) => Ok(0),
                Machine::Sender(s) if s.wants_data() => Ok(s.write(now, data).unwrap_or(0)),
                _ => Ok(0),
            },
            _ => Ok(0),
        }
    }

    /// The caller wrote `bytes` of direct connection `conn`'s transmits: when that
    /// opens the write window for a send that was refused, its progress is told again,
    /// the cue to write on.
    pub(in crate::client) fn direct_written(&mut self, conn: ConnId, bytes: usize) {
        let window = self.config.transfer.direct_write_window;
        let Some(Connection::Direct(d)) = self.conns.get_mut(conn) else {
            return;
        };
        if !d.window.written(bytes, window) {
            return;
        }
        let Machine::Sender(s) = &d.receiver else {
            return;
        };
        let (id, done, total) = (d.id, s.sent(), s.size());
        if !s.is_finished() && self.transfers.entries.contains_key(&id) {
            self.emit(ClientEvent::TransferProgress { id, done, total });
        }
    }

    /// The invitee's `ACCEPT` (send where the caller listens) or `CANCEL`.
    fn offer_step(&mut self, id: TransferId, invitation: &Invitation<'_>) {
        let Some(Kind::MsnftpSend(offering)) = self.transfers.entries.get_mut(&id).map(|e| &mut e.kind)
        else {
            return;
        };
        match offering.offer.handle(invitation) {
            Ok(InviterUpdate::Accepted) => {
                // The sender's own timer (its idle timeout) bounds the wait for the
                // connection from here on.
                offering.deadline = None;
                let sender = Sender::new(
                    MsnftpConfig::default(),
                    offering.auth_cookie.clone(),
                    offering.offer.size(),
                    self.now,
                );
                let toward = match self.conns.get(offering.sb) {
                    Some(Connection::Switchboard(s)) => s.addr.clone(),
                    _ => return self.end_transfer(id, Err(TransferFailure::ConnectionLost)),
                };
                let conn = self.conns.insert(Connection::Direct(Box::new(Direct::new(
                    id,
                    Machine::Sender(sender),
                ))));
                offering.direct = Some(conn);
                self.outputs.push_back(ClientOutput::Listen { conn, toward });
            }
            Ok(InviterUpdate::Cancelled(code)) => {
                let direct = offering.direct;
                let failure = if code == CancelCode::Reject {
                    TransferFailure::Declined
                } else {
                    TransferFailure::CancelledByPeer
                };
                self.end_transfer(id, Err(failure));
                self.cancel_direct(direct);
            }
            _ => {}
        }
    }

    /// Receive `id`'s connection `failed` never reached the sender: its second address,
    /// if it has one left, gets a fresh receiver on a new connection, and `failed`
    /// closes without a word to the caller. Whether it went there.
    fn receive_elsewhere(&mut self, id: TransferId, failed: ConnId) -> bool {
        let account = self.account.clone();
        let Some(Kind::Msnftp(invited)) = self.transfers.entries.get_mut(&id).map(|e| &mut e.kind) else {
            return false;
        };
        if invited.direct != Some(failed) {
            return false;
        }
        // Taken, so a transfer tries its second address once at most.
        let Some(retry) = invited.fallback.take() else {
            return false;
        };
        let receiver = receiving(
            account,
            retry.auth_cookie,
            invited.invitation.size(),
            retry.started,
        );
        let conn = self
            .conns
            .insert(Connection::Direct(Box::new(Direct::new(id, receiver))));
        invited.direct = Some(conn);
        self.conns.remove(failed);
        self.outputs.push_back(ClientOutput::Close { conn: failed });
        self.outputs.push_back(ClientOutput::Connect {
            conn,
            addr: retry.addr,
        });
        true
    }

    /// One output of one direct connection.
    pub(super) fn step_direct(&mut self) -> Step {
        let closed = self.closed;
        let now = self.now;
        for index in 0..self.conns.slot_count() {
            let Some(conn) = self.conns.id_at(index) else {
                continue;
            };
            let Some(Connection::Direct(d)) = self.conns.get_mut(conn) else {
                continue;
            };
            // The session's end ends its transfers first, so that SessionEnded stays last.
            if closed && !d.receiver.is_finished() {
                d.receiver.cancel(now);
            }
            if !d.connected && !d.closed && !d.receiver.is_finished() {
                continue;
            }
            let (id, never_opened, heard) = (d.id, !d.connected, d.heard);
            let polled = match &mut d.receiver {
                Machine::Receiver(r) => match r.poll_output() {
                    Output::Transmit(bytes) => Some(Err(bytes)),
                    Output::Event(ReceiverEvent::Data(data)) => Some(Ok(Got::Data(data.to_vec()))),
                    Output::Event(ReceiverEvent::Progress { received, total }) => {
                        Some(Ok(Got::Progress(received, total)))
                    }
                    Output::Event(ReceiverEvent::Completed { bytes }) => Some(Ok(Got::Ended(Ok(bytes)))),
                    Output::Event(ReceiverEvent::Failed(failure)) => {
                        Some(Ok(Got::Ended(Err(failure.into()))))
                    }
                    Output::Event(_) => Some(Ok(Got::Nothing)),
                    Output::Idle { .. } => None,
                },
                Machine::Sender(s) => match s.poll_output() {
                    Output::Transmit(bytes) => Some(Err(bytes)),
                    Output::Event(SenderEvent::TransferStarted) => Some(Ok(Got::Started)),
                    Output::Event(SenderEvent::Progress { sent, total }) => {
                        Some(Ok(Got::Progress(sent, total)))
                    }
                    Output::Event(SenderEvent::Completed { bytes }) => Some(Ok(Got::Ended(Ok(bytes)))),
                    Output::Event(SenderEvent::Failed(failure)) => Some(Ok(Got::Ended(Err(failure.into())))),
                    Output::Event(_) => Some(Ok(Got::Nothing)),
                    Output::Idle { .. } => None,
                },
            };
            let got = match polled {
                Some(Err(bytes)) => {
                    if !d.connected || d.closed {
                        return Step::Busy;
                    }
                    d.out.clear();
                    d.out.extend_from_slice(bytes);
                    d.window.handed_out(d.out.len());
                    return Step::Transmit(conn);
                }
                Some(Ok(got)) => got,
                None => {
                    if d.receiver.is_finished() {
                        self.conns.remove(conn);
                        self.outputs.push_back(ClientOutput::Close { conn });
                        return Step::Busy;
                    }
                    continue;
                }
            };
            // Events of a transfer already ended (cancelled, or its inviter's CANCEL) are
            // not the caller's any more.
            let live = self.transfers.entries.contains_key(&id);
            match got {
                Got::Data(bytes) if live => self.emit(ClientEvent::TransferData { id, bytes }),
                Got::Started if live => self.emit(ClientEvent::TransferAccepted { id }),
                Got::Progress(done, total) if live => {
                    self.emit(ClientEvent::TransferProgress { id, done, total })
                }
                Got::Ended(Err(TransferFailure::ConnectionLost))
                    if !heard && self.receive_elsewhere(id, conn) => {}
                Got::Ended(result) => {
                    if never_opened && let Err(failure) = &result {
                        self.tell_peer_unreachable(id, failure);
                    }
                    self.end_transfer(id, result);
                }
                _ => {}
            }
            return Step::Busy;
        }
        Step::Idle
    }
}

/// A receiver for a file of `size` bytes (as invited), its idle timer from `started`.
fn receiving(account: Passport<'static>, auth_cookie: Secret<u32>, size: u64, started: Instant) -> Machine {
    let mut receiver = Receiver::new(MsnftpConfig::default(), account, auth_cookie, started);
    // Set before any byte arrives, so it cannot fail.
    let _ = receiver.expect_size(size);
    Machine::Receiver(receiver)
}
