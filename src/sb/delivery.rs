//! The ledger of tracked messages: each one ends exactly once, and is counted.
//!
//! How a message ends, by acknowledgement mode [HYP sb/messages]:
//!
//! | mode | ends as |
//! |---|---|
//! | `U` | `SentUnconfirmed` when the bytes are handed out; the server never answers |
//! | `N` | `NotDelivered(Nak)` on `NAK`; otherwise `SentUnconfirmed` once `nak_grace` passes in silence |
//! | `A` | `Delivered` on `ACK`, `NotDelivered(Nak)` on `NAK`, `NotDelivered(TimedOut)` after `ack_timeout` |
//!
//! Any mode: an error reply with the message's TrID ends it as `NotDelivered(Rejected)`;
//! the session ending first ends it as `NotDelivered(NeverSent)` if its bytes were never
//! handed out, `NotDelivered(SessionClosed)` otherwise.
//!
//! Mode `N` asks the switchboard to answer only failures (`NAK`) [HYP sb/messages]: no
//! answer within the grace means "no failure reported yet", not "the peer has it", so it
//! ends like `U`, as sent unconfirmed. Only an `ACK` counts as delivered.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::Instant;

use crate::codec::{AckMode, TrId};

use super::event::{NotDelivered, SbEvent};

/// Counts of tracked messages, for the identity
/// `submitted == sent_unconfirmed + delivered + not_delivered + pending`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct DeliveryStats {
    /// Messages accepted by `send_text` (one per piece) and `send_message`.
    pub submitted: u64,
    /// Ended as [`SbEvent::SentUnconfirmed`] (modes `U` and `N`).
    pub sent_unconfirmed: u64,
    /// Ended as [`SbEvent::Delivered`].
    pub delivered: u64,
    /// Ended as [`SbEvent::NotDelivered`].
    pub not_delivered: u64,
}

impl DeliveryStats {
    /// Messages whose end is still to come.
    pub fn pending(&self) -> u64 {
        self.submitted
            .saturating_sub(self.sent_unconfirmed)
            .saturating_sub(self.delivered)
            .saturating_sub(self.not_delivered)
    }
}

/// A message waiting for someone to join.
#[derive(Debug)]
pub(crate) struct Queued {
    pub(crate) trid: TrId,
    pub(crate) ack: AckMode,
    pub(crate) payload: Vec<u8>,
}

/// A message put into the outgoing bytes.
#[derive(Debug)]
struct InFlight {
    ack: AckMode,
    /// Handed out in a `Transmit`.
    written: bool,
    /// When mode `A` times out or mode `N`'s grace ends.
    deadline: Option<Instant>,
}

#[derive(Debug, Default)]
pub(crate) struct Ledger {
    queued: VecDeque<Queued>,
    in_flight: BTreeMap<TrId, InFlight>,
    /// In flight but not yet handed out, in write order: what the next `Transmit` carries.
    unwritten: Vec<TrId>,
    /// The deadlines of `in_flight`, soonest first.
    deadlines: BTreeSet<(Instant, TrId)>,
    stats: DeliveryStats,
}

impl Ledger {
    pub(crate) fn stats(&self) -> DeliveryStats {
        self.stats
    }

    /// Messages queued or in flight; bounded by the machine's `max_pending`.
    pub(crate) fn len(&self) -> usize {
        self.queued.len() + self.in_flight.len()
    }

    pub(crate) fn is_tracked(&self, trid: TrId) -> bool {
        self.in_flight.contains_key(&trid)
    }

    pub(crate) fn queue(&mut self, message: Queued) {
        self.stats.submitted += 1;
        self.queued.push_back(message);
    }

    pub(crate) fn take_queued(&mut self) -> VecDeque<Queued> {
        std::mem::take(&mut self.queued)
    }

    /// Records a message just put into the outgoing bytes; a queued one was counted
    /// already.
    pub(crate) fn on_wire(&mut self, trid: TrId, ack: AckMode, deadline: Option<Instant>, fresh: bool) {
        if fresh {
            self.stats.submitted += 1;
        }
        let deadline = if ack == AckMode::Unacknowledged {
            None
        } else {
            deadline
        };
        self.unwritten.push(trid);
        if let Some(deadline) = deadline {
            self.deadlines.insert((deadline, trid));
        }
        self.in_flight.insert(
            trid,
            InFlight {
                ack,
                written: false,
                deadline,
            },
        );
    }

    /// The outgoing bytes were handed out: `U` messages end here, unconfirmed.
    pub(crate) fn written(&mut self, events: &mut VecDeque<SbEvent>) {
        for trid in std::mem::take(&mut self.unwritten) {
            // Messages that already ended (an error reply before the handoff) are gone.
            let Some(message) = self.in_flight.get_mut(&trid) else {
                continue;
            };
            message.written = true;
            if message.ack == AckMode::Unacknowledged {
                self.remove(trid);
                self.stats.sent_unconfirmed += 1;
                events.push_back(SbEvent::SentUnconfirmed { trid });
            }
        }
    }

    fn remove(&mut self, trid: TrId) -> Option<InFlight> {
        let message = self.in_flight.remove(&trid)?;
        if let Some(deadline) = message.deadline {
            self.deadlines.remove(&(deadline, trid));
        }
        Some(message)
    }

    pub(crate) fn ack(&mut self, trid: TrId) -> Option<SbEvent> {
        self.remove(trid)?;
        self.stats.delivered += 1;
        Some(SbEvent::Delivered { trid })
    }

    pub(crate) fn fail(&mut self, trid: TrId, reason: NotDelivered) -> Option<SbEvent> {
        self.remove(trid)?;
        Some(self.not_delivered(trid, reason))
    }

    fn not_delivered(&mut self, trid: TrId, reason: NotDelivered) -> SbEvent {
        self.stats.not_delivered += 1;
        SbEvent::NotDelivered { trid, reason }
    }

    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.deadlines.first().map(|(deadline, _)| *deadline)
    }

    /// Ends every message whose deadline has come, earliest first.
    pub(crate) fn expire(&mut self, now: Instant, events: &mut VecDeque<SbEvent>) {
        while let Some(&(deadline, trid)) = self.deadlines.first() {
            if deadline > now {
                break;
            }
            let Some(message) = self.remove(trid) else {
                // Unreachable by construction; never loop on a stale entry.
                self.deadlines.remove(&(deadline, trid));
                continue;
            };
            events.push_back(if message.ack == AckMode::NegativeOnly {
                self.stats.sent_unconfirmed += 1;
                SbEvent::SentUnconfirmed { trid }
            } else {
                self.not_delivered(trid, NotDelivered::TimedOut)
            });
        }
    }

    /// The session ended: every message still pending ends now, in TrID order for
    /// those in flight, then in queue order.
    pub(crate) fn close(&mut self, events: &mut VecDeque<SbEvent>) {
        self.unwritten.clear();
        self.deadlines.clear();
        for (trid, message) in std::mem::take(&mut self.in_flight) {
            let reason = if message.written {
                NotDelivered::SessionClosed
            } else {
                NotDelivered::NeverSent
            };
            let event = self.not_delivered(trid, reason);
            events.push_back(event);
        }
        for queued in std::mem::take(&mut self.queued) {
            let event = self.not_delivered(queued.trid, NotDelivered::NeverSent);
            events.push_back(event);
        }
    }
}
