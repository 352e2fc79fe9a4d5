//! The `p2p_parse` target: P2P payloads, MSNSLP messages and file contexts through their
//! parsers and writers, and chunk sequences through a bounded [`Reassembler`].

use crate::p2p::{FileContext, Header, P2pMessage, Reassembler, ReassemblyLimits, Received, SlpMessage};

/// Bounds small enough that the fuzzer reaches them.
const LIMITS: ReassemblyLimits = ReassemblyLimits {
    max_messages: 4,
    max_bytes: 4096,
};

/// Fuzz body: every parser's output writes back and reads again as the same value, the
/// reassembler keeps its bounds, and nothing panics.
///
/// Shared by the cargo-fuzz target and by the corpus replay test.
pub fn p2p_parse(data: &[u8]) {
    if let Ok(message) = P2pMessage::parse(data) {
        let mut wire = Vec::new();
        message.encode(&mut wire).expect("a parsed payload writes");
        let again = P2pMessage::parse(&wire).expect("a written payload parses");
        assert_eq!(again, message, "payload changed through encode");
        slp(&message.data);
    }
    slp(data);
    if let Ok(context) = FileContext::decode(data)
        && let Ok(bytes) = context.encode()
    {
        assert_eq!(FileContext::decode(&bytes), Ok(context), "context changed");
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = FileContext::from_base64(text);
    }
    reassemble(data);
}

fn slp(data: &[u8]) {
    let Ok(message) = SlpMessage::parse(data) else {
        return;
    };
    if let Ok(wire) = message.to_bytes() {
        let again = SlpMessage::parse(&wire).expect("a written SLP message parses");
        assert_eq!(again, message, "SLP message changed through encode");
        assert_eq!(again.to_bytes().as_ref(), Ok(&wire), "SLP writing not stable");
    }
}

/// Reads `data` as records `[control][48-byte header][data…]`: the control byte picks
/// the peer, and its high bits make the header's length match the data and bring offsets
/// into a small range, so that messages actually complete.
fn reassemble(mut data: &[u8]) {
    let mut reassembler: Reassembler<u8> = Reassembler::new(LIMITS);
    while let Some((&control, rest)) = data.split_first() {
        let Ok(mut header) = Header::decode(rest) else {
            return;
        };
        let rest = &rest[Header::LEN..];
        if control & 0x40 != 0 {
            header.offset %= 4096;
            header.total_size %= 4096;
        }
        let len = (header.length as usize).min(rest.len()).min(2048);
        if control & 0x80 != 0 {
            header.length = len as u32;
        }
        let (chunk, rest) = rest.split_at(len);
        data = rest;
        match reassembler.push(&(control % 3), &header, chunk) {
            Ok(Received::Slp { header: last, data }) => {
                assert_eq!(last.session_id, 0);
                assert_eq!(data.len() as u64, last.total_size, "incomplete SLP message");
            }
            Ok(Received::Data {
                data,
                complete,
                header: got,
            }) => {
                assert_eq!(data.len(), got.length as usize);
                assert_eq!(complete, got.offset + u64::from(got.length) == got.total_size);
            }
            Ok(Received::Ack(_) | Received::Pending) | Err(_) => {}
        }
        assert!(reassembler.open_messages() <= LIMITS.max_messages);
        assert!(reassembler.reserved_bytes() <= LIMITS.max_bytes);
        if control & 0x3f == 0x3f {
            reassembler.forget_peer(&(control % 3));
        }
    }
}
