//! The `p2p_parse` target: P2P payloads, MSNSLP messages and file contexts through their
//! parsers and writers, chunk sequences through a bounded [`Reassembler`], and payloads
//! through a whole [`P2pSession`].

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use crate::Output;
use crate::p2p::{
    FileContext, Header, P2pConfig, P2pEvent, P2pMessage, P2pSession, Reassembler, ReassemblyLimits,
    Received, SlpMessage,
};

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
    session(data);
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

/// Feeds `data` to a [`P2pSession`] as payloads separated by `|P2P|`, accepting every invitation and answering every send request,
/// then lets every deadline pass: every transfer must end exactly once.
fn session(data: &[u8]) {
    let start = Instant::now();
    let config = P2pConfig {
        max_transfers: 3,
        max_queued_input: 8,
        ..P2pConfig::default()
    };
    let mut session = P2pSession::new(config, "alice@passport.com", "bob@passport.com", 1);
    let mut ended = BTreeSet::new();
    let mut invited = Vec::new();
    let mut ready = Vec::new();
    let drain = |session: &mut P2pSession,
                 ended: &mut BTreeSet<u32>,
                 invited: &mut Vec<_>,
                 ready: &mut Vec<_>| {
        loop {
            match session.poll_output() {
                Output::Transmit(bytes) => {
                    P2pMessage::parse(bytes).expect("the session writes valid payloads");
                }
                Output::Event(P2pEvent::Completed { transfer, .. } | P2pEvent::Failed { transfer, .. }) => {
                    assert!(ended.insert(transfer.0), "a transfer ended twice");
                }
                Output::Event(P2pEvent::Invited { transfer, .. }) => invited.push(transfer),
                Output::Event(P2pEvent::SendReady { transfer, total }) => ready.push((transfer, total)),
                Output::Event(_) => {}
                Output::Idle { .. } => return,
            }
        }
    };
    let _ = session.request_display_picture(start, "AA==", None);
    let _ = session.send_file(start, FileContext::new("f", 3));
    for payload in payloads(data) {
        session.handle_input(start, payload);
        drain(&mut session, &mut ended, &mut invited, &mut ready);
        for id in invited.drain(..) {
            let _ = session.accept(start, id, 5);
        }
        for (id, total) in ready.drain(..) {
            let piece = [0u8; 5];
            let _ = session.send_data(start, id, &piece[..(total.min(5)) as usize]);
        }
        drain(&mut session, &mut ended, &mut invited, &mut ready);
    }
    session.handle_timeout(start + Duration::from_secs(3600));
    drain(&mut session, &mut ended, &mut invited, &mut ready);
    assert_eq!(session.open_transfers(), 0, "a transfer outlived its deadline");
}

/// The payloads of a session input: `data` split at each `|P2P|`.
fn payloads(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    const MARK: &[u8] = b"|P2P|";
    let mut rest = Some(data);
    std::iter::from_fn(move || {
        let current = rest?;
        match current.windows(MARK.len()).position(|w| w == MARK) {
            Some(i) => {
                rest = Some(&current[i + MARK.len()..]);
                Some(&current[..i])
            }
            None => {
                rest = None;
                Some(current)
            }
        }
    })
}
