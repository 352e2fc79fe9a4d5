//! MSNFTP hosted by the [`Client`]: a file offered with a `text/x-msmsgsinvite`
//! `INVITE` (any dialect, what MSNP8-era peers send) is told as
//! [`ClientEvent::TransferOffered`]; accepting sends the `ACCEPT`, and the inviter's
//! `ACCEPT` with its address makes the client ask for a new connection
//! ([`ClientOutput::Connect`]) that runs an MSNFTP [`Receiver`] [reference §10].
//!
//! Receiving only: sending over MSNFTP needs a listening socket, which the client
//! cannot ask its caller for yet; files go out over P2P ([`Client::send_file`]).

use std::time::Instant;

use super::{Entry, Kind, State, TransferFailure, TransferId};
use crate::Output;
use crate::client::{Client, ClientEvent, ClientOutput, ConnId, Connection, Step};
use crate::codec::{AckMode, HostPort, Passport};
use crate::msg::{CancelCode, Invitation};
use crate::msnftp::{Failure, FileInvitation, InviteeUpdate, MsnftpConfig, Receiver, ReceiverEvent};

/// A direct connection carrying one MSNFTP receiver. `Debug` leaves out the last
/// transmit, which holds the auth cookie (`USR handle cookie`).
pub(in crate::client) struct Direct {
    id: TransferId,
    receiver: Receiver,
    connected: bool,
    /// The last transmit, copied out of the receiver (the buffer is reused).
    pub(in crate::client) out: Vec<u8>,
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
    pub(in crate::client) fn handle_connected(&mut self) {
        self.connected = true;
    }

    pub(in crate::client) fn handle_input(&mut self, now: Instant, bytes: &[u8]) {
        self.receiver.handle_input(now, bytes);
    }

    pub(in crate::client) fn handle_closed(&mut self, now: Instant) {
        self.receiver.handle_closed(now);
    }

    pub(in crate::client) fn poll_timeout(&self) -> Option<Instant> {
        self.receiver.poll_timeout()
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
}

/// One receiver event without the receiver's borrow.
enum Got {
    Nothing,
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
        let Ok(mut offer) = FileInvitation::from_invite(invitation) else {
            return false;
        };
        if self.transfers.entries.len() >= self.config.transfer.max_transfers {
            if let Ok(decline) = offer.decline() {
                self.send_on_switchboard(sb, &decline);
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
                let mut receiver = Receiver::new(MsnftpConfig::default(), account, to.auth_cookie, now);
                // Set before any byte arrives, so it cannot fail.
                let _ = receiver.expect_size(invited.invitation.size());
                invited.deadline = None;
                let conn = self.conns.insert(Connection::Direct(Box::new(Direct {
                    id,
                    receiver,
                    connected: false,
                    out: Vec::new(),
                })));
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
        self.send_on_switchboard(sb, &accept);
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
        self.send_on_switchboard(sb, &decline);
        self.end_transfer(id, Err(TransferFailure::DeclinedHere));
        Ok(())
    }

    pub(super) fn cancel_msnftp(&mut self, id: TransferId) {
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
            self.send_on_switchboard(sb, &cancel);
        }
        self.end_transfer(id, Err(TransferFailure::Cancelled));
        self.cancel_direct(direct);
    }

    fn cancel_direct(&mut self, direct: Option<ConnId>) {
        if let Some(conn) = direct
            && let Some(Connection::Direct(d)) = self.conns.get_mut(conn)
        {
            let _ = d.receiver.cancel(self.now);
        }
    }

    /// Sends an invitation reply on switchboard `sb` outside the message ledger, so no
    /// delivery event names a handle the caller never got (mode `N`, as the official
    /// client answers invitations [HYP1]).
    fn send_on_switchboard(&mut self, sb: ConnId, invitation: &Invitation<'_>) {
        let mut payload = Vec::new();
        if invitation.encode(&mut payload).is_err() {
            return;
        }
        if let Some(Connection::Switchboard(sb)) = self.conns.get_mut(sb) {
            let _ = sb.machine.send_message(self.now, &payload, AckMode::NegativeOnly);
        }
    }

    /// Invitations still waiting on switchboard `sb` lose their way to the inviter.
    pub(super) fn msnftp_switchboard_closed(&mut self, sb: ConnId) {
        let lost: Vec<TransferId> = self
            .transfers
            .entries
            .iter()
            .filter(|(_, e)| matches!(&e.kind, Kind::Msnftp(i) if i.sb == sb && i.direct.is_none()))
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
            .filter(|(_, e)| matches!(&e.kind, Kind::Msnftp(i) if i.deadline.is_some_and(|d| d <= now)))
            .map(|(id, _)| *id)
            .collect();
        for id in expired {
            if let Some(Kind::Msnftp(invited)) = self.transfers.entries.get_mut(&id).map(|e| &mut e.kind) {
                let sb = invited.sb;
                if let Ok(cancel) = invited.invitation.cancel(CancelCode::FtTimeout) {
                    self.send_on_switchboard(sb, &cancel);
                }
            }
            self.end_transfer(id, Err(TransferFailure::TimedOut));
        }
        for id in self.conns.ids() {
            if let Some(Connection::Direct(d)) = self.conns.get_mut(id) {
                d.receiver.handle_timeout(now);
            }
        }
    }

    pub(super) fn msnftp_next_timeout(&self) -> Option<Instant> {
        self.transfers
            .entries
            .values()
            .filter_map(|e| match &e.kind {
                Kind::Msnftp(invited) => invited.deadline,
                _ => None,
            })
            .min()
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
                let _ = d.receiver.cancel(now);
            }
            if !d.connected && !d.receiver.is_finished() {
                continue;
            }
            let id = d.id;
            let got = match d.receiver.poll_output() {
                Output::Transmit(bytes) => {
                    if !d.connected {
                        return Step::Busy;
                    }
                    d.out.clear();
                    d.out.extend_from_slice(bytes);
                    return Step::Transmit(conn);
                }
                Output::Event(ReceiverEvent::Data(data)) => Got::Data(data.to_vec()),
                Output::Event(ReceiverEvent::Progress { received, total }) => Got::Progress(received, total),
                Output::Event(ReceiverEvent::Completed { bytes }) => Got::Ended(Ok(bytes)),
                Output::Event(ReceiverEvent::Failed(failure)) => Got::Ended(Err(failure.into())),
                Output::Event(_) => Got::Nothing,
                Output::Idle { .. } => {
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
                Got::Progress(done, total) if live => {
                    self.emit(ClientEvent::TransferProgress { id, done, total })
                }
                Got::Ended(result) => self.end_transfer(id, result),
                _ => {}
            }
            return Step::Busy;
        }
        Step::Idle
    }
}
