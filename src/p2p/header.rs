//! The P2P carrier: the 48-byte binary header, its footer, and the `MSG` payload that
//! holds them [reference §9.1–9.2].

use std::borrow::Cow;
use std::fmt;
use std::ops::BitOr;

use super::P2pError;
use crate::msg::Message;

/// The media type of a P2P `MSG` payload.
pub const P2P_CONTENT_TYPE: &str = "application/x-msnmsgrp2p";

/// The most data bytes one P2P chunk carries on a switchboard, so that MIME part, header,
/// data and footer stay within the 1664-byte `MSG` limit [PURPLE `MSN_SBCONN_MAX_SIZE`;
/// PECAN; SDK `chunks(1202)`; ESC-CAP an INVITE of 1274 bytes sent as 1202 + 72].
pub const MAX_CHUNK_LEN: usize = 1202;

/// The `Flags` field of a [`Header`]: a set of the named bits, unknown bits kept as they
/// came [KB P2Pv1_Headers; PURPLE p2p.h].
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Flags(u32);

impl Flags {
    /// No bit: an SLP message or the data-preparation message.
    pub const NONE: Flags = Flags(0);
    /// Negative acknowledgement / out of order.
    pub const NAK: Flags = Flags(0x1);
    /// An acknowledgement.
    pub const ACK: Flags = Flags(0x2);
    /// Waiting for a pending invitation.
    pub const WAITING: Flags = Flags(0x4);
    /// A binary error.
    pub const ERROR: Flags = Flags(0x8);
    /// File data (with [`Flags::MSN_OBJECT_DATA`] and [`Flags::COMPATIBILITY`] in
    /// [`Flags::FILE_DATA`]).
    pub const FILE: Flags = Flags(0x10);
    /// MSNObject data: a display picture or an emoticon.
    pub const MSN_OBJECT_DATA: Flags = Flags(0x20);
    /// Closes the session.
    pub const CLOSE_SESSION: Flags = Flags(0x40);
    /// A transport error.
    pub const TRANSPORT_ERROR: Flags = Flags(0x80);
    /// Direct-connection handshake.
    pub const DIRECT_HANDSHAKE: Flags = Flags(0x100);
    /// The bit PURPLE names "WLM 2009 compatibility", part of [`Flags::FILE_DATA`].
    pub const COMPATIBILITY: Flags = Flags(0x0100_0000);
    /// What file data chunks carry: `0x01000030`.
    pub const FILE_DATA: Flags = Flags(0x0100_0030);

    const NAMES: [(Flags, &'static str); 10] = [
        (Flags::NAK, "NAK"),
        (Flags::ACK, "ACK"),
        (Flags::WAITING, "WAITING"),
        (Flags::ERROR, "ERROR"),
        (Flags::FILE, "FILE"),
        (Flags::MSN_OBJECT_DATA, "MSN_OBJECT_DATA"),
        (Flags::CLOSE_SESSION, "CLOSE_SESSION"),
        (Flags::TRANSPORT_ERROR, "TRANSPORT_ERROR"),
        (Flags::DIRECT_HANDSHAKE, "DIRECT_HANDSHAKE"),
        (Flags::COMPATIBILITY, "COMPATIBILITY"),
    ];

    /// The set with exactly these bits, unknown ones included.
    pub const fn from_bits(bits: u32) -> Flags {
        Flags(bits)
    }

    /// The bits as on the wire.
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// Whether every bit of `other` is set.
    pub const fn contains(self, other: Flags) -> bool {
        self.0 & other.0 == other.0
    }
}

impl BitOr for Flags {
    type Output = Flags;

    fn bitor(self, rhs: Flags) -> Flags {
        Flags(self.0 | rhs.0)
    }
}

impl fmt::Debug for Flags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            return f.write_str("Flags(NONE)");
        }
        f.write_str("Flags(")?;
        let mut rest = self.0;
        let mut first = true;
        for (flag, name) in Flags::NAMES {
            if self.contains(flag) {
                if !first {
                    f.write_str(" | ")?;
                }
                f.write_str(name)?;
                rest &= !flag.0;
                first = false;
            }
        }
        if rest != 0 {
            if !first {
                f.write_str(" | ")?;
            }
            write!(f, "{rest:#x}")?;
        }
        f.write_str(")")
    }
}

/// The footer: the application a P2P message belongs to, a big-endian `u32` after the
/// data [KB; PURPLE p2p.h `P2P_APPID_*`; PECAN `GUINT32_FROM_BE`]. Values without a name
/// here are kept as they came.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct AppId(pub u32);

impl AppId {
    /// SLP messages and acknowledgements.
    pub const SLP: AppId = AppId(0);
    /// Display picture or emoticon data, and their data-preparation message.
    pub const MSN_OBJECT: AppId = AppId(1);
    /// File transfer data.
    pub const FILE: AppId = AppId(2);
}

/// The 48-byte binary header of a P2P message, every field little-endian [NINA
/// P2Pv1_Headers; PURPLE p2p.h; PECAN msg.c; SDK binary_header.rs].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Header {
    /// 0 for SLP messages and their acks, the SLP `SessionID` for session data.
    pub session_id: u32,
    /// The message's id, the same in every chunk of one message.
    pub identifier: u32,
    /// Where this chunk's data starts inside the message.
    pub offset: u64,
    /// The size of the whole message.
    pub total_size: u64,
    /// Data bytes in this chunk.
    pub length: u32,
    /// What kind of message this is.
    pub flags: Flags,
    /// A random value, or in an ack the acked message's `Identifier`.
    pub ack_id: u32,
    /// 0, or in an ack the acked message's `AckID`.
    pub ack_uid: u32,
    /// 0, or in an ack the acked message's `TotalSize`.
    pub ack_size: u64,
}

impl Header {
    /// Its size on the wire.
    pub const LEN: usize = 48;

    /// Reads a header from the first 48 bytes of `bytes`.
    pub fn decode(bytes: &[u8]) -> Result<Header, P2pError> {
        let Some(b) = bytes.first_chunk::<{ Header::LEN }>() else {
            return Err(P2pError::TooShort { len: bytes.len() });
        };
        let u32_at = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        let u64_at = |i: usize| u64::from(u32_at(i)) | (u64::from(u32_at(i + 4)) << 32);
        Ok(Header {
            session_id: u32_at(0),
            identifier: u32_at(4),
            offset: u64_at(8),
            total_size: u64_at(16),
            length: u32_at(24),
            flags: Flags(u32_at(28)),
            ack_id: u32_at(32),
            ack_uid: u32_at(36),
            ack_size: u64_at(40),
        })
    }

    /// The 48 bytes of the header.
    pub fn to_bytes(&self) -> [u8; Header::LEN] {
        let mut b = [0; Header::LEN];
        b[0..4].copy_from_slice(&self.session_id.to_le_bytes());
        b[4..8].copy_from_slice(&self.identifier.to_le_bytes());
        b[8..16].copy_from_slice(&self.offset.to_le_bytes());
        b[16..24].copy_from_slice(&self.total_size.to_le_bytes());
        b[24..28].copy_from_slice(&self.length.to_le_bytes());
        b[28..32].copy_from_slice(&self.flags.0.to_le_bytes());
        b[32..36].copy_from_slice(&self.ack_id.to_le_bytes());
        b[36..40].copy_from_slice(&self.ack_uid.to_le_bytes());
        b[40..48].copy_from_slice(&self.ack_size.to_le_bytes());
        b
    }

    /// Whether this is an acknowledgement.
    pub fn is_ack(&self) -> bool {
        self.flags.contains(Flags::ACK)
    }

    /// Whether `Offset + Length` stays within `TotalSize`.
    pub fn fits(&self) -> bool {
        self.offset
            .checked_add(u64::from(self.length))
            .is_some_and(|end| end <= self.total_size)
    }

    /// The acknowledgement of the message this header belongs to (any of its chunks: the
    /// fields an ack copies are the same in all), sent under the acker's own
    /// `identifier`.
    ///
    /// One ack per complete message, never per chunk; the official client refuses a
    /// transfer whose acks are missing or wrong [NINA Display_pictures; SDK `acknowledge`;
    /// ESC-CAP]. It goes out with [`AppId::SLP`].
    pub fn ack(&self, identifier: u32) -> Header {
        Header {
            session_id: self.session_id,
            identifier,
            offset: 0,
            total_size: self.total_size,
            length: 0,
            flags: Flags::ACK,
            ack_id: self.identifier,
            ack_uid: self.ack_id,
            ack_size: self.total_size,
        }
    }
}

/// One P2P `MSG` payload: `MIME-Version`, `Content-Type: application/x-msnmsgrp2p`,
/// `P2P-Dest: <handle>`, a blank line, then header, data and footer [reference §9.1].
///
/// [`P2pMessage::parse`] borrows from its input and never allocates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct P2pMessage<'a> {
    /// The handle the message is for; everyone in the switchboard receives it, and a
    /// client drops what is not for it [SDK `OtherDestination`].
    pub dest: Cow<'a, str>,
    /// The binary header; its `length` matches `data`.
    pub header: Header,
    /// This chunk's data.
    pub data: Cow<'a, [u8]>,
    /// The footer.
    pub app_id: AppId,
}

impl<'a> P2pMessage<'a> {
    /// A message of `data` to `dest`, with `header.length` set to the data's length.
    ///
    /// # Panics
    /// Never: data longer than `u32::MAX` gets a saturated length, which
    /// [`P2pMessage::encode`] then refuses.
    pub fn new(
        dest: impl Into<Cow<'a, str>>,
        mut header: Header,
        data: impl Into<Cow<'a, [u8]>>,
        app_id: AppId,
    ) -> Self {
        let data = data.into();
        header.length = u32::try_from(data.len()).unwrap_or(u32::MAX);
        P2pMessage {
            dest: dest.into(),
            header,
            data,
            app_id,
        }
    }

    /// Reads a whole payload (the `MSG` command's payload, without the command line).
    pub fn parse(input: &'a [u8]) -> Result<Self, P2pError> {
        let mime = Message::parse(input)?;
        if !mime.has_content_type(P2P_CONTENT_TYPE) {
            return Err(P2pError::NotP2p);
        }
        let dest = mime.header("P2P-Dest").ok_or(P2pError::MissingDest)?;
        check_dest(dest)?;
        let body = mime.body();
        // The body is a suffix of the input, so the slice can outlive `mime`.
        let binary = &input[input.len() - body.len()..];
        // The handle also borrows from the input: find it there by its address.
        let dest = sub_str(input, dest).ok_or(P2pError::MissingDest)?;
        if binary.len() < Header::LEN + 4 {
            return Err(P2pError::TooShort { len: binary.len() });
        }
        let header = Header::decode(binary)?;
        let (data, footer) = binary[Header::LEN..].split_at(binary.len() - Header::LEN - 4);
        if usize::try_from(header.length).ok() != Some(data.len()) {
            return Err(P2pError::LengthMismatch {
                length: header.length,
                available: data.len(),
            });
        }
        check_fits(&header)?;
        let app_id = AppId(u32::from_be_bytes([footer[0], footer[1], footer[2], footer[3]]));
        Ok(P2pMessage {
            dest: Cow::Borrowed(dest),
            header,
            data: Cow::Borrowed(data),
            app_id,
        })
    }

    /// Appends the payload to `out`. On error nothing is appended.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), P2pError> {
        check_dest(&self.dest)?;
        if usize::try_from(self.header.length).ok() != Some(self.data.len()) {
            return Err(P2pError::LengthMismatch {
                length: self.header.length,
                available: self.data.len(),
            });
        }
        check_fits(&self.header)?;
        out.reserve(self.encoded_len());
        out.extend_from_slice(b"MIME-Version: 1.0\r\nContent-Type: ");
        out.extend_from_slice(P2P_CONTENT_TYPE.as_bytes());
        out.extend_from_slice(b"\r\nP2P-Dest: ");
        out.extend_from_slice(self.dest.as_bytes());
        out.extend_from_slice(b"\r\n\r\n");
        out.extend_from_slice(&self.header.to_bytes());
        out.extend_from_slice(&self.data);
        out.extend_from_slice(&self.app_id.0.to_be_bytes());
        Ok(())
    }

    /// The length [`P2pMessage::encode`] appends.
    pub fn encoded_len(&self) -> usize {
        const FIXED: usize = "MIME-Version: 1.0\r\nContent-Type: \r\nP2P-Dest: \r\n\r\n".len()
            + P2P_CONTENT_TYPE.len()
            + Header::LEN
            + 4;
        FIXED + self.dest.len() + self.data.len()
    }

    /// Copies whatever is borrowed, so the message outlives its input.
    pub fn into_owned(self) -> P2pMessage<'static> {
        P2pMessage {
            dest: Cow::Owned(self.dest.into_owned()),
            header: self.header,
            data: Cow::Owned(self.data.into_owned()),
            app_id: self.app_id,
        }
    }
}

fn check_dest(dest: &str) -> Result<(), P2pError> {
    if dest.is_empty() || dest.bytes().any(|b| b <= b' ' || b == 0x7f) {
        return Err(P2pError::InvalidDest);
    }
    Ok(())
}

fn check_fits(header: &Header) -> Result<(), P2pError> {
    if header.fits() {
        Ok(())
    } else {
        Err(P2pError::BeyondTotal {
            offset: header.offset,
            length: header.length,
            total_size: header.total_size,
        })
    }
}

/// `part`, which lies inside `whole`, as a slice of `whole` with `whole`'s lifetime.
fn sub_str<'w>(whole: &'w [u8], part: &str) -> Option<&'w str> {
    let start = (part.as_ptr() as usize).checked_sub(whole.as_ptr() as usize)?;
    let bytes = whole.get(start..start.checked_add(part.len())?)?;
    std::str::from_utf8(bytes).ok()
}
