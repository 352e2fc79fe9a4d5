//! Putting chunked P2P messages back together: SLP messages in a bounded buffer, session
//! data handed on as it arrives.

use std::borrow::{Borrow, Cow};
use std::collections::BTreeMap;

use super::{Header, ReassemblyError};

/// Bounds on what a [`Reassembler`] keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReassemblyLimits {
    /// Messages open at once (SLP messages being buffered and data messages being
    /// streamed), over all peers.
    pub max_messages: usize,
    /// Bytes the open SLP messages may reserve together; a message reserves its whole
    /// `TotalSize` when its first chunk arrives, so the bound holds whatever the peer
    /// sends next.
    pub max_bytes: usize,
}

impl Default for ReassemblyLimits {
    /// 16 messages and 64 KiB: an official file INVITE is 1274 bytes (ESC-CAP), a
    /// display-picture INVITE under 1 KiB.
    fn default() -> Self {
        ReassemblyLimits {
            max_messages: 16,
            max_bytes: 64 * 1024,
        }
    }
}

/// What one received chunk amounts to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received<'a> {
    /// An acknowledgement of one of ours.
    Ack(Header),
    /// A chunk of an SLP message whose other chunks are still to come.
    Pending,
    /// A complete SLP message (session 0): borrowed when it came in one chunk. Acknowledge
    /// it with [`Header::ack`] of `header`.
    Slp {
        /// The header of its last chunk.
        header: Header,
        /// The whole message.
        data: Cow<'a, [u8]>,
    },
    /// A chunk of session data (picture, file, data preparation), handed on unbuffered.
    /// On the message's last chunk `complete` is set: acknowledge it then.
    Data {
        /// This chunk's header.
        header: Header,
        /// This chunk's data.
        data: &'a [u8],
        /// Whether every byte of the message has now arrived.
        complete: bool,
    },
}

/// What the reassembler remembers of one open message.
#[derive(Debug)]
enum Partial {
    Slp { total: u64, data: Vec<u8> },
    Stream { total: u64, received: u64 },
}

impl Partial {
    fn total(&self) -> u64 {
        match self {
            Partial::Slp { total, .. } | Partial::Stream { total, .. } => *total,
        }
    }

    fn received(&self) -> u64 {
        match self {
            Partial::Slp { data, .. } => data.len() as u64,
            Partial::Stream { received, .. } => *received,
        }
    }
}

/// Reassembles the chunks of P2P messages, keyed by (peer, `SessionID`, `Identifier`).
///
/// Chunks of one message must come in order, each starting where the previous ended; a
/// gap, duplicate or overlap is refused (the switchboard is one ordered TCP stream, and
/// no client retransmits). Only SLP messages (session 0) are buffered; session data only
/// has its byte count tracked, so a file of any size costs the same memory.
///
/// `P` is the caller's name for a peer (by default its handle); lookups take any
/// borrowed form of it, so a `&str` finds a `String` key without allocating.
#[derive(Debug)]
pub struct Reassembler<P = String> {
    limits: ReassemblyLimits,
    open: BTreeMap<P, BTreeMap<(u32, u32), Partial>>,
    messages: usize,
    reserved: usize,
}

impl<P: Ord> Reassembler<P> {
    /// An empty reassembler with these bounds.
    pub fn new(limits: ReassemblyLimits) -> Self {
        Reassembler {
            limits,
            open: BTreeMap::new(),
            messages: 0,
            reserved: 0,
        }
    }

    /// Messages open now.
    pub fn open_messages(&self) -> usize {
        self.messages
    }

    /// Bytes reserved by open SLP messages.
    pub fn reserved_bytes(&self) -> usize {
        self.reserved
    }

    /// Takes in one received chunk (`header` and `data` of a parsed
    /// [`P2pMessage`](super::P2pMessage)) from `peer`.
    ///
    /// On error the chunk is dropped and the message it continued, if any, is forgotten.
    pub fn push<'d, Q>(
        &mut self,
        peer: &Q,
        header: &Header,
        data: &'d [u8],
    ) -> Result<Received<'d>, ReassemblyError>
    where
        P: Borrow<Q>,
        Q: Ord + ToOwned<Owned = P> + ?Sized,
    {
        if usize::try_from(header.length).ok() != Some(data.len()) {
            return Err(ReassemblyError::LengthMismatch {
                length: header.length,
                available: data.len(),
            });
        }
        if header.is_ack() {
            return Ok(Received::Ack(*header));
        }
        let key = (header.session_id, header.identifier);
        let length = u64::from(header.length);
        let Some(end) = header
            .offset
            .checked_add(length)
            .filter(|&end| end <= header.total_size)
        else {
            self.forget(peer, key);
            return Err(ReassemblyError::BeyondTotal {
                offset: header.offset,
                length,
                total_size: header.total_size,
            });
        };
        let complete = end == header.total_size;
        let slp = header.session_id == 0;
        let Some(partial) = self.open.get_mut(peer).and_then(|m| m.get_mut(&key)) else {
            if header.offset != 0 {
                return Err(ReassemblyError::UnexpectedOffset {
                    expected: 0,
                    offset: header.offset,
                });
            }
            if complete {
                return Ok(if slp {
                    Received::Slp {
                        header: *header,
                        data: Cow::Borrowed(data),
                    }
                } else {
                    Received::Data {
                        header: *header,
                        data,
                        complete,
                    }
                });
            }
            self.open(peer, key, header, data)?;
            return Ok(if slp {
                Received::Pending
            } else {
                Received::Data {
                    header: *header,
                    data,
                    complete,
                }
            });
        };
        if partial.total() != header.total_size {
            let was = partial.total();
            self.forget(peer, key);
            return Err(ReassemblyError::TotalSizeChanged {
                was,
                now: header.total_size,
            });
        }
        if partial.received() != header.offset {
            let expected = partial.received();
            self.forget(peer, key);
            return Err(ReassemblyError::UnexpectedOffset {
                expected,
                offset: header.offset,
            });
        }
        match partial {
            Partial::Slp { data: buffer, .. } => buffer.extend_from_slice(data),
            Partial::Stream { received, .. } => *received = end,
        }
        if !complete {
            return Ok(if slp {
                Received::Pending
            } else {
                Received::Data {
                    header: *header,
                    data,
                    complete,
                }
            });
        }
        Ok(match self.forget(peer, key) {
            Some(Partial::Slp { data: buffer, .. }) => Received::Slp {
                header: *header,
                data: Cow::Owned(buffer),
            },
            _ => Received::Data {
                header: *header,
                data,
                complete,
            },
        })
    }

    /// Forgets every open message of `peer` (it left the switchboard, or its session
    /// ended), freeing their bytes.
    pub fn forget_peer<Q>(&mut self, peer: &Q)
    where
        P: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        if let Some(messages) = self.open.remove(peer) {
            for partial in messages.values() {
                self.release(partial);
            }
        }
    }

    /// Forgets the open messages of one session of `peer`.
    pub fn forget_session<Q>(&mut self, peer: &Q, session_id: u32)
    where
        P: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        let Some(messages) = self.open.get_mut(peer) else {
            return;
        };
        let keys: Vec<(u32, u32)> = messages
            .range((session_id, 0)..=(session_id, u32::MAX))
            .map(|(key, _)| *key)
            .collect();
        for key in keys {
            self.forget(peer, key);
        }
    }

    fn open<Q>(
        &mut self,
        peer: &Q,
        key: (u32, u32),
        header: &Header,
        data: &[u8],
    ) -> Result<(), ReassemblyError>
    where
        P: Borrow<Q>,
        Q: Ord + ToOwned<Owned = P> + ?Sized,
    {
        if self.messages >= self.limits.max_messages {
            return Err(ReassemblyError::TooManyMessages {
                max: self.limits.max_messages,
            });
        }
        let partial = if key.0 == 0 {
            let room = self.limits.max_bytes - self.reserved;
            let total = usize::try_from(header.total_size)
                .ok()
                .filter(|&total| total <= room)
                .ok_or(ReassemblyError::BufferFull {
                    buffered: self.reserved,
                    needed: header.total_size,
                    max: self.limits.max_bytes,
                })?;
            self.reserved += total;
            let mut buffer = Vec::with_capacity(total);
            buffer.extend_from_slice(data);
            Partial::Slp {
                total: header.total_size,
                data: buffer,
            }
        } else {
            Partial::Stream {
                total: header.total_size,
                received: u64::from(header.length),
            }
        };
        self.messages += 1;
        if let Some(messages) = self.open.get_mut(peer) {
            messages.insert(key, partial);
        } else {
            self.open
                .insert(peer.to_owned(), BTreeMap::from([(key, partial)]));
        }
        Ok(())
    }

    fn forget<Q>(&mut self, peer: &Q, key: (u32, u32)) -> Option<Partial>
    where
        P: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        let messages = self.open.get_mut(peer)?;
        let partial = messages.remove(&key)?;
        if messages.is_empty() {
            self.open.remove(peer);
        }
        self.release(&partial);
        Some(partial)
    }

    fn release(&mut self, partial: &Partial) {
        self.messages -= 1;
        if let Partial::Slp { total, .. } = partial {
            // Only totals that fitted the budget were reserved.
            self.reserved -= *total as usize;
        }
    }
}

impl<P: Ord> Default for Reassembler<P> {
    fn default() -> Self {
        Self::new(ReassemblyLimits::default())
    }
}
