//! The binary blocks that carry the file after `TFR` [reference §10.2].
//!
//! Each block is a 3-byte header, then data: byte 0 is the flag (`0` data, anything
//! else the end of the transfer: MIR treats every nonzero flag as the end), bytes 1–2
//! the data length, little-endian [TW makeHeader `chr(0)+chr(len%256)+chr(len//256)`;
//! MIR `len = b1 | b2<<8`].

/// Bytes in a block header.
pub const BLOCK_HEADER_LEN: usize = 3;

/// Most data bytes the official client puts in one block (2048 with the header)
/// [TW `segmentSize = 2045`]. A [`Sender`](super::Sender) never writes more; a
/// [`Receiver`](super::Receiver) takes any length the header can say.
pub const MAX_BLOCK_DATA: usize = 2045;

/// The header of a data block of `len` bytes.
pub(super) fn data_header(len: u16) -> [u8; BLOCK_HEADER_LEN] {
    let [lo, hi] = len.to_le_bytes();
    [0, lo, hi]
}

/// The end-of-transfer block a sender cancels with: flag 1, no data.
pub(super) const END_BLOCK: [u8; BLOCK_HEADER_LEN] = [1, 0, 0];

/// A parsed block header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Header {
    /// `len` data bytes follow.
    Data(u16),
    /// The sender ends the transfer; what its length says is ignored.
    End,
}

impl Header {
    pub(super) fn parse(bytes: [u8; BLOCK_HEADER_LEN]) -> Self {
        match bytes {
            [0, lo, hi] => Self::Data(u16::from_le_bytes([lo, hi])),
            _ => Self::End,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_little_endian() {
        assert_eq!(data_header(11), [0, 0x0b, 0]);
        assert_eq!(data_header(2045), [0, 0xfd, 0x07]);
        assert_eq!(Header::parse([0, 0xfd, 0x07]), Header::Data(2045));
        assert_eq!(Header::parse([0, 0xff, 0xff]), Header::Data(u16::MAX));
        assert_eq!(Header::parse(END_BLOCK), Header::End);
        assert_eq!(Header::parse([7, 1, 0]), Header::End);
    }
}
