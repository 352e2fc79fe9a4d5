//! Whole-session fuzz body: arbitrary bytes drive a real [`SwitchboardClient`].
//!
//! Shared by the cargo-fuzz target and by the test that replays the committed corpus
//! (`fuzz/corpus/sb_session/`).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::codec::{AckMode, Dialect, Passport, Token, TrId};
use crate::{Output, Secret};

use crate::sb::{SbConfig, SbEvent, SwitchboardClient};

/// Server lines the fuzzer splices in, so that sessions get past authentication and
/// reach the interesting states; `#` is replaced by a small number from the input.
const LINES: &[&str] = &[
    "USR 1 OK alice@passport.com Alice\r\n",
    "IRO 1 1 2 bob@passport.com Bob\r\n",
    "ANS 1 OK\r\n",
    "JOI bob@passport.com Bob\r\n",
    "JOI carol@passport.com Carol\r\n",
    // MSNP12's capabilities on the roster lines: malformed (skipped) in older dialects.
    "IRO 1 1 2 bob@passport.com Bob 1342177312\r\n",
    "JOI carol@passport.com Carol 1342177312\r\n",
    "282 #\r\n",
    "BYE bob@passport.com\r\n",
    "BYE carol@passport.com 1\r\n",
    "CAL # RINGING 11752013\r\n",
    "ACK #\r\n",
    "NAK #\r\n",
    "217 #\r\n",
    "911 1\r\n",
    "MSG bob@passport.com Bob 5\r\nA: b\n",
    "MSG bob@passport.com Bob 65\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nhi",
    "OUT\r\n",
    "XYZ 3 whatever\r\n",
];

/// Runs one session from `data`: its first byte picks the role (bit 0) and the dialect
/// (the rest, modulo the five). Panics only if the machine breaks its contract: an
/// event for a message twice, a message that never ends, counts that do not add up,
/// output after the end.
pub fn sb_session(data: &[u8]) {
    let mut bytes = data.iter().copied();
    let mut next = move || bytes.next();
    let start = Instant::now();
    let mut now = start;
    let me = Passport::try_from("alice@passport.com").unwrap_or_else(|_| unreachable!());
    let cookie = Secret::new(Token::try_from("17262740.1050826919.32308").unwrap_or_else(|_| unreachable!()));
    let first = next();
    let dialect = first.map_or(Dialect::Msnp8, |b| {
        Dialect::ALL[usize::from(b >> 1) % Dialect::ALL.len()]
    });
    let config = SbConfig {
        max_pending: 32,
        dialect,
        ..SbConfig::default()
    };
    let mut sb = match first {
        Some(b) if b % 2 == 1 => {
            let session = Token::try_from("11752013").unwrap_or_else(|_| unreachable!());
            SwitchboardClient::answer(config, me, session, cookie, now)
        }
        _ => SwitchboardClient::call(config, me, cookie, now),
    };
    let mut check = Checker::default();
    check.drain(&mut sb);
    let bob = Passport::try_from("bob@passport.com").unwrap_or_else(|_| unreachable!());
    while let Some(op) = next() {
        let arg = next().unwrap_or(0);
        match op % 10 {
            0 => {
                let chunk: Vec<u8> = (0..arg % 48).map_while(|_| next()).collect();
                sb.handle_input(now, &chunk);
            }
            1 | 2 => {
                let line = LINES[usize::from(arg) % LINES.len()].replace('#', &(arg % 8).to_string());
                sb.handle_input(now, line.as_bytes());
            }
            3 => {
                now += Duration::from_millis(u64::from(arg) * 500);
                sb.handle_timeout(now);
            }
            4 => {
                let ack = mode(arg);
                let len = usize::from(next().unwrap_or(1)) * 16;
                let text = "é".repeat(len);
                if let Ok(trids) = sb.send_text(now, &text, None, ack) {
                    check.submitted(&trids);
                }
            }
            5 => {
                if let Ok(trid) =
                    sb.send_message(now, b"MIME-Version: 1.0\r\nContent-Type: x/y\r\n\r\n", mode(arg))
                {
                    check.submitted(&[trid]);
                }
            }
            6 => {
                let _ = sb.send_typing(now);
            }
            7 => {
                let _ = sb.invite(now, &bob);
            }
            8 if arg % 4 == 0 => {
                let _ = sb.leave(now);
            }
            8 => sb.handle_closed(now),
            _ => {}
        }
        check.drain(&mut sb);
    }
    sb.handle_closed(now);
    check.drain(&mut sb);
    check.finish(&sb);
}

/// Every ack mode, MSNP9's `D` included (refused under MSNP8).
fn mode(arg: u8) -> AckMode {
    match arg % 4 {
        0 => AckMode::Unacknowledged,
        1 => AckMode::NegativeOnly,
        2 => AckMode::Data,
        _ => AckMode::Always,
    }
}

/// The accounting identity, checked from outside as a caller sees it.
#[derive(Default)]
struct Checker {
    /// Submitted message → whether it has ended.
    messages: BTreeMap<TrId, bool>,
    closed: bool,
}

impl Checker {
    fn submitted(&mut self, trids: &[TrId]) {
        for trid in trids {
            assert!(self.messages.insert(*trid, false).is_none(), "TrID {trid} reused");
        }
    }

    fn end(&mut self, trid: TrId) {
        let ended = self.messages.get_mut(&trid);
        assert_eq!(
            ended.as_deref(),
            Some(&false),
            "message {trid} ended twice or was never sent"
        );
        if let Some(ended) = ended {
            *ended = true;
        }
    }

    fn drain(&mut self, sb: &mut SwitchboardClient) {
        for _ in 0..100_000 {
            match sb.poll_output() {
                Output::Transmit(bytes) => {
                    assert!(!bytes.is_empty());
                    assert!(!self.closed || bytes.ends_with(b"OUT\r\n"), "bytes after the end");
                }
                Output::Event(event) => {
                    assert!(!self.closed, "event after Closed: {event:?}");
                    match event {
                        SbEvent::SentUnconfirmed { trid }
                        | SbEvent::Delivered { trid }
                        | SbEvent::NotDelivered { trid, .. } => {
                            self.end(trid);
                        }
                        SbEvent::Closed { .. } => self.closed = true,
                        _ => {}
                    }
                }
                Output::Idle { next_timeout } => {
                    assert!(!self.closed || next_timeout.is_none());
                    return;
                }
            }
        }
        panic!("poll_output never went idle");
    }

    fn finish(&self, sb: &SwitchboardClient) {
        assert!(self.closed && sb.is_closed());
        let stats = sb.stats();
        assert_eq!(stats.pending(), 0);
        assert_eq!(stats.submitted, self.messages.len() as u64);
        assert!(self.messages.values().all(|ended| *ended));
    }
}
