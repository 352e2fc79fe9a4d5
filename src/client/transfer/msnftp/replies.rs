//! The MSNFTP invitation replies (`ACCEPT`, `CANCEL`) the client sends over a
//! conversation's switchboard, outside the message ledger, and what becomes of a
//! transfer whose reply finds no room to wait in a full window.

use super::super::{Kind, TransferFailure, TransferId};
use crate::client::conversation::fits_later;
use crate::client::{Client, ClientEvent, ConnId, Connection};
use crate::codec::AckMode;
use crate::msg::{CancelCode, Invitation};

/// What an invitation reply does to its transfer, which sets how many replies may wait
/// ahead of it for room in a switchboard's window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Reply {
    /// It moves a transfer on (an `ACCEPT`): it waits within
    /// [`TransferConfig::max_waiting_replies`](crate::client::TransferConfig::max_waiting_replies),
    /// and its transfer ends when it finds no room.
    Onward,
    /// It declines an offer past [`TransferConfig::max_transfers`](crate::client::TransferConfig::max_transfers),
    /// which no transfer was made for: it waits within `max_waiting_replies`.
    Decline,
    /// It ends a transfer (a `CANCEL`). Each transfer sends at most one, so these may
    /// also take [`TransferConfig::max_transfers`](crate::client::TransferConfig::max_transfers)
    /// places more, and a peer hears of a transfer that ended for want of room.
    Ending,
}

/// What became of an invitation reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Sent {
    /// It went, or waits for room in the window.
    Went,
    /// Too many replies wait already.
    NoRoom,
    /// Its switchboard is gone or refused it.
    Lost,
}

impl Client {
    /// Sends an invitation reply on switchboard `sb` outside the message ledger, so no
    /// delivery event names a handle the caller never got (mode `N`, as the official
    /// client answers invitations [HYP1]). A full window holds it until room opens,
    /// within [`TransferConfig::max_waiting_replies`](crate::client::TransferConfig::max_waiting_replies)
    /// for a reply that moves a transfer on, and [`max_transfers`](crate::client::TransferConfig::max_transfers)
    /// places more for one that ends a transfer.
    pub(super) fn send_on_switchboard(
        &mut self,
        sb: ConnId,
        invitation: &Invitation<'_>,
        reply: Reply,
    ) -> Sent {
        let mut payload = Vec::new();
        if invitation.encode(&mut payload).is_err() {
            return Sent::Lost;
        }
        let config = &self.config.transfer;
        let room = match reply {
            Reply::Onward | Reply::Decline => config.max_waiting_replies,
            Reply::Ending => config.max_waiting_replies.saturating_add(config.max_transfers),
        };
        let conn = sb;
        let Some(Connection::Switchboard(sb)) = self.conns.get_mut(conn) else {
            return Sent::Lost;
        };
        // Behind replies already waiting, so that they keep their order.
        if sb.invitations.is_empty() {
            match sb.machine.send_message(self.now, &payload, AckMode::NegativeOnly) {
                Ok(_) => return Sent::Went,
                Err(error) if fits_later(&error) => {}
                Err(_) => return Sent::Lost,
            }
        }
        if sb.invitations.len() < room {
            sb.invitations.push_back(payload);
            return Sent::Went;
        }
        // An ACCEPT's transfer ends, which tells the caller; these have no other trace.
        let waiting = sb.invitations.len();
        let description = match reply {
            Reply::Onward => return Sent::NoRoom,
            Reply::Decline => format!(
                "a file offer past the transfer limit was declined, but the decline was dropped: \
                 the conversation has no room left for invitation replies ({waiting} wait)"
            ),
            Reply::Ending => format!(
                "a transfer's CANCEL was dropped, and its peer ends it by its own timer: \
                 the conversation has no room left for invitation replies ({waiting} wait)"
            ),
        };
        let conversation = self.conversation_of(conn);
        self.emit(ClientEvent::Other {
            conversation,
            description,
        });
        Sent::NoRoom
    }

    /// Transfer `id`'s reply did not go: it ends now rather than by its timer.
    pub(super) fn reply_unsent(&mut self, id: TransferId, sent: Sent) {
        match sent {
            Sent::Went => {}
            Sent::NoRoom => self.replies_full(id),
            Sent::Lost => {
                let direct = self.transfer_connection(id);
                self.end_transfer(id, Err(TransferFailure::ConnectionLost));
                self.cancel_direct(direct);
            }
        }
    }

    /// Transfer `id`'s reply found no room to wait in its switchboard: it ends now,
    /// rather than by its timer, and its peer hears a `CANCEL` (`FAIL`) once the
    /// replies ahead of it went, rather than waiting for its own timer.
    fn replies_full(&mut self, id: TransferId) {
        let max = self.config.transfer.max_waiting_replies;
        self.tell_peer_unreachable(id, &TransferFailure::TooManyWaitingReplies { max });
        let direct = self.transfer_connection(id);
        self.end_transfer(id, Err(TransferFailure::TooManyWaitingReplies { max }));
        self.cancel_direct(direct);
    }

    /// Transfer `id`'s direct connection ended before it ever opened (no socket to
    /// listen on, the peer unreachable, nobody connecting in time): the peer, who
    /// waits for it, hears a `CANCEL` (`FTTIMEOUT` or `FAIL`) rather than its own timer.
    pub(super) fn tell_peer_unreachable(&mut self, id: TransferId, failure: &TransferFailure) {
        let code = if *failure == TransferFailure::TimedOut {
            CancelCode::FtTimeout
        } else {
            CancelCode::Fail
        };
        let cancel = match self.transfers.entries.get_mut(&id).map(|e| &mut e.kind) {
            Some(Kind::MsnftpSend(offering)) => offering.offer.cancel(code).map(|c| (offering.sb, c)),
            Some(Kind::Msnftp(invited)) => invited.invitation.cancel(code).map(|c| (invited.sb, c)),
            _ => return,
        };
        if let Ok((sb, cancel)) = cancel {
            self.send_on_switchboard(sb, &cancel, Reply::Ending);
        }
    }
}
