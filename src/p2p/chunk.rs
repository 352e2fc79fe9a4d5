//! Splitting one P2P message into chunks that fit a switchboard `MSG`.

use super::{Header, MAX_CHUNK_LEN};

/// The headers of the chunks of one message: one `Identifier` and `TotalSize`, `Offset`
/// advancing by `Length`, at most [`MAX_CHUNK_LEN`] bytes each [reference §9.2].
///
/// It only computes headers, so a file can be sent from any source in pieces: slice the
/// data at `offset .. offset + length` of each header. [`Chunker::split`] does the
/// slicing for data already in memory.
///
/// ```
/// use msnp::p2p::{Chunker, Flags, Header};
///
/// let template = Header { session_id: 7, identifier: 42, total_size: 5000, flags: Flags::MSN_OBJECT_DATA, ..Header::default() };
/// let lengths: Vec<u32> = Chunker::new(template).map(|h| h.length).collect();
/// assert_eq!(lengths, [1202, 1202, 1202, 1202, 192]);
/// ```
#[derive(Debug, Clone)]
pub struct Chunker {
    template: Header,
    max: u64,
    next: u64,
    done: bool,
}

impl Chunker {
    /// The chunks of a message described by `template` (its `session_id`, `identifier`,
    /// `total_size`, `flags` and `ack_id`; `offset` and `length` are set per chunk),
    /// [`MAX_CHUNK_LEN`] bytes at most.
    pub fn new(template: Header) -> Self {
        Self::with_max(template, MAX_CHUNK_LEN)
    }

    /// As [`Chunker::new`] with another chunk size (at least 1 byte).
    pub fn with_max(template: Header, max_chunk: usize) -> Self {
        Chunker {
            template,
            max: u64::try_from(max_chunk.clamp(1, u32::MAX as usize)).unwrap_or(1),
            next: 0,
            done: false,
        }
    }

    /// The chunks of `data` as one message: `template`'s `total_size` is set to the
    /// data's length. An empty message is one empty chunk.
    pub fn split(template: Header, data: &[u8]) -> impl Iterator<Item = (Header, &[u8])> {
        let template = Header {
            total_size: data.len() as u64,
            ..template
        };
        Chunker::new(template).map(move |header| {
            // Each range lies within `data`: the chunker never passes `total_size`.
            let start = header.offset as usize;
            let end = start + header.length as usize;
            (header, &data[start..end])
        })
    }

    /// Data bytes not yet covered by a yielded header.
    pub fn remaining(&self) -> u64 {
        self.template.total_size - self.next
    }
}

impl Iterator for Chunker {
    type Item = Header;

    fn next(&mut self) -> Option<Header> {
        if self.done {
            return None;
        }
        let length = self.max.min(self.remaining());
        let header = Header {
            offset: self.next,
            // At most `max`, which fits u32.
            length: length as u32,
            ..self.template
        };
        self.next += length;
        self.done = self.next == self.template.total_size;
        Some(header)
    }
}
