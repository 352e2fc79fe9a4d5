//! Property tests of the switchboard machine: random operation sequences keep the
//! delivery accounting (every message ends exactly once, and is counted), never panic,
//! and do not depend on how the server's bytes are chunked; texts survive the round
//! trip through the wire format.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use msnp::codec::{AckMode, ClientCommand, Passport, Token, TrId};
use msnp::msg::TextFormat;
use msnp::sb::{MAX_PAYLOAD_LEN, SbConfig, SbEvent, SwitchboardClient};
use msnp::{Output, Secret};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    SendText { ack: AckMode, len: usize, wide: bool },
    SendMessage(AckMode),
    Typing,
    Invite,
    Server(Vec<u8>),
    Advance(u64),
    Leave,
    Close,
}

fn ack() -> impl Strategy<Value = AckMode> {
    prop_oneof![
        Just(AckMode::Unacknowledged),
        Just(AckMode::NegativeOnly),
        Just(AckMode::Always)
    ]
}

fn server_line() -> impl Strategy<Value = Vec<u8>> {
    let who = prop_oneof![Just("bob"), Just("carol"), Just("dave")];
    prop_oneof![
        3 => who.clone().prop_map(|w| format!("JOI {w}@passport.com {w}\r\n").into_bytes()),
        2 => (who, any::<bool>()).prop_map(|(w, idle)| {
            format!("BYE {w}@passport.com{}\r\n", if idle { " 1" } else { "" }).into_bytes()
        }),
        3 => (1u32..24).prop_map(|t| format!("ACK {t}\r\n").into_bytes()),
        2 => (1u32..24).prop_map(|t| format!("NAK {t}\r\n").into_bytes()),
        1 => (1u32..24, prop_oneof![Just(217u16), Just(282), Just(500)])
            .prop_map(|(t, c)| format!("{c} {t}\r\n").into_bytes()),
        1 => (1u32..24).prop_map(|t| format!("CAL {t} RINGING 42\r\n").into_bytes()),
        1 => Just(b"MSG bob@passport.com Bob 23\r\nContent-Type: x/y\r\n\r\nhi".to_vec()),
        1 => Just(b"OUT\r\n".to_vec()),
        1 => proptest::collection::vec(any::<u8>(), 0..24),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (ack(), 1usize..2400, any::<bool>()).prop_map(|(ack, len, wide)| Op::SendText { ack, len, wide }),
        1 => ack().prop_map(Op::SendMessage),
        1 => Just(Op::Typing),
        1 => Just(Op::Invite),
        6 => server_line().prop_map(Op::Server),
        2 => (0u64..40_000).prop_map(Op::Advance),
        1 => Just(Op::Leave),
        1 => Just(Op::Close),
    ]
}

/// What a caller sees, for comparing runs and checking the ledger.
#[derive(Default)]
struct Seen {
    events: Vec<String>,
    sent: Vec<u8>,
    /// Submitted message → times it ended.
    ends: BTreeMap<TrId, u32>,
    closed: u32,
}

impl Seen {
    fn drain(&mut self, sb: &mut SwitchboardClient) {
        for _ in 0..10_000 {
            match sb.poll_output() {
                Output::Transmit(bytes) => {
                    assert!(
                        self.closed == 0 || bytes.ends_with(b"OUT\r\n"),
                        "bytes after the end"
                    );
                    self.sent.extend(bytes);
                }
                Output::Event(event) => {
                    assert_eq!(self.closed, 0, "event after Closed: {event:?}");
                    match &event {
                        SbEvent::SentUnconfirmed { trid }
                        | SbEvent::Delivered { trid }
                        | SbEvent::NotDelivered { trid, .. } => {
                            *self
                                .ends
                                .get_mut(trid)
                                .expect("an end for a message never submitted") += 1;
                        }
                        SbEvent::Closed { .. } => self.closed += 1,
                        _ => {}
                    }
                    self.events.push(format!("{event:?}"));
                }
                Output::Idle { .. } => return,
            }
        }
        panic!("poll_output never went idle");
    }
}

/// Runs `ops` with the server's bytes fed in pieces of `chunk` bytes.
fn run(answer: bool, join: bool, ops: &[Op], chunk: usize) -> Seen {
    let mut now = Instant::now();
    let me = Passport::try_from("alice@passport.com").unwrap();
    let cookie = Secret::new(Token::try_from("cookie").unwrap());
    let config = SbConfig {
        max_pending: 40,
        ..SbConfig::default()
    };
    let mut sb = if answer {
        SwitchboardClient::answer(config, me, Token::try_from("42").unwrap(), cookie, now)
    } else {
        SwitchboardClient::call(config, me, cookie, now)
    };
    let mut seen = Seen::default();
    let join_bytes: &[u8] = if answer {
        b"IRO 1 1 1 bob@passport.com Bob\r\nANS 1 OK\r\n"
    } else {
        b"USR 1 OK alice@passport.com Alice\r\n"
    };
    if join {
        for piece in join_bytes.chunks(chunk) {
            sb.handle_input(now, piece);
            seen.drain(&mut sb);
        }
    }
    let bob = Passport::try_from("bob@passport.com").unwrap();
    for op in ops {
        match op {
            Op::SendText { ack, len, wide } => {
                let text = if *wide {
                    "ж".repeat(*len)
                } else {
                    "x".repeat(*len)
                };
                if let Ok(trids) = sb.send_text(now, &text, None, *ack) {
                    for trid in trids {
                        assert!(seen.ends.insert(trid, 0).is_none(), "TrID reused");
                    }
                }
            }
            Op::SendMessage(ack) => {
                if let Ok(trid) = sb.send_message(now, b"Content-Type: x/y\r\n\r\n", *ack) {
                    assert!(seen.ends.insert(trid, 0).is_none(), "TrID reused");
                }
            }
            Op::Typing => {
                let _ = sb.send_typing(now);
            }
            Op::Invite => {
                let _ = sb.invite(now, &bob);
            }
            Op::Server(bytes) => {
                for piece in bytes.chunks(chunk) {
                    sb.handle_input(now, piece);
                    seen.drain(&mut sb);
                }
            }
            Op::Advance(ms) => {
                now += Duration::from_millis(*ms);
                sb.handle_timeout(now);
            }
            Op::Leave => {
                let _ = sb.leave(now);
            }
            Op::Close => sb.handle_closed(now),
        }
        seen.drain(&mut sb);
        let stats = sb.stats();
        assert_eq!(stats.submitted, seen.ends.len() as u64);
        let ended = seen.ends.values().filter(|n| **n > 0).count() as u64;
        assert_eq!(
            stats.sent_unconfirmed + stats.delivered + stats.not_delivered,
            ended
        );
        assert!(seen.ends.values().all(|n| *n <= 1), "a message ended twice");
    }
    sb.handle_closed(now);
    seen.drain(&mut sb);
    assert_eq!(seen.closed, 1, "exactly one Closed");
    assert_eq!(sb.stats().pending(), 0);
    assert!(seen.ends.values().all(|n| *n == 1), "a message never ended");
    seen
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn every_message_ends_exactly_once(
        answer: bool,
        join in proptest::bool::weighted(0.85),
        ops in proptest::collection::vec(op(), 1..40),
    ) {
        run(answer, join, &ops, usize::MAX);
    }

    #[test]
    fn chunking_of_server_bytes_changes_nothing(
        answer: bool,
        ops in proptest::collection::vec(op(), 1..30),
        chunk in 1usize..9,
    ) {
        let whole = run(answer, true, &ops, usize::MAX);
        let pieces = run(answer, true, &ops, chunk);
        prop_assert_eq!(whole.events, pieces.events);
        prop_assert_eq!(whole.sent, pieces.sent);
    }

    /// A text sent by one machine and fed to another as the server would relay it
    /// arrives as the same text, in as many pieces as it was split into, each within
    /// the payload limit.
    #[test]
    fn text_round_trips_through_the_wire(text in "\\PC{1,1200}", formatted: bool) {
        let now = Instant::now();
        let format = formatted.then(|| TextFormat::parse("FN=Arial; EF=I; CO=ff; CS=0; PF=22").unwrap());
        let mut sender = joined(now);
        sender.send_text(now, &text, format.as_ref(), AckMode::Unacknowledged).unwrap();
        let mut receiver = joined(now);
        let mut wire = Vec::new();
        while let Output::Transmit(_) | Output::Event(SbEvent::SentUnconfirmed { .. }) = drain_one(&mut sender, &mut wire) {}
        let mut received = String::new();
        let mut rest = &wire[..];
        while !rest.is_empty() {
            let (command, used) = ClientCommand::decode(rest).unwrap();
            rest = &rest[used..];
            let ClientCommand::Msg { payload, .. } = command else { panic!("not a MSG") };
            prop_assert!(payload.len() <= MAX_PAYLOAD_LEN);
            let mut relayed = format!("MSG bob@passport.com Bob {}\r\n", payload.len()).into_bytes();
            relayed.extend_from_slice(&payload);
            receiver.handle_input(now, &relayed);
            match receiver.poll_output() {
                Output::Event(SbEvent::Text { text, format: got, .. }) => {
                    prop_assert_eq!(&got, &format);
                    received.push_str(&text);
                }
                other => panic!("expected a text, got {other:?}"),
            }
        }
        prop_assert_eq!(received, text);
    }
}

/// A called session with bob in it, its first outputs drained.
fn joined(now: Instant) -> SwitchboardClient {
    let me = Passport::try_from("alice@passport.com").unwrap();
    let cookie = Secret::new(Token::try_from("cookie").unwrap());
    let mut sb = SwitchboardClient::call(SbConfig::default(), me, cookie, now);
    sb.handle_input(
        now,
        b"USR 1 OK alice@passport.com Alice\r\nJOI bob@passport.com Bob\r\n",
    );
    while !matches!(sb.poll_output(), Output::Idle { .. }) {}
    sb
}

/// Takes one output, collecting transmitted bytes in `wire`.
fn drain_one<'a>(sb: &'a mut SwitchboardClient, wire: &mut Vec<u8>) -> Output<'a, SbEvent> {
    let output = sb.poll_output();
    if let Output::Transmit(bytes) = &output {
        wire.extend_from_slice(bytes);
    }
    output
}

/// A `Debug` field's count, as the machine reports it.
fn debug_count(sb: &SwitchboardClient, field: &str) -> usize {
    let debug = format!("{sb:?}");
    let label = format!("{field}: ");
    let at = debug.find(&label).unwrap() + label.len();
    debug[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

fn hostile_line() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => (0u32..400).prop_map(|i| format!("JOI u{i}@example.com U{i}\r\n").into_bytes()),
        2 => (0u32..400).prop_map(|i| format!("BYE u{i}@example.com\r\n").into_bytes()),
        2 => Just(b"JOI broken\r\n".to_vec()),
        1 => (0usize..300).prop_map(|n| {
            let mut line = format!("MSG bob@passport.com Bob {n}\r\n").into_bytes();
            line.extend(std::iter::repeat_n(b'x', n));
            line
        }),
        1 => proptest::collection::vec(any::<u8>(), 0..40),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever a server sends, in whatever chunks, what the machine keeps stays within
    /// its config: participants within `max_participants`, unparsed input within one
    /// frame's limit plus the chunk being pushed, no event left once `Idle` is reached.
    #[test]
    fn no_input_grows_the_machine_past_its_bounds(
        lines in proptest::collection::vec(hostile_line(), 1..200),
        chunk in 1usize..600,
    ) {
        let now = Instant::now();
        let config = SbConfig {
            max_participants: 16,
            limits: msnp::codec::Limits { max_line_len: 64, max_payload_len: 128, max_buffered: 0, max_skip_len: 1024 },
            ..SbConfig::default()
        };
        let largest_frame = 64 + 2 + 128;
        let me = Passport::try_from("alice@passport.com").unwrap();
        let cookie = Secret::new(Token::try_from("cookie").unwrap());
        let mut sb = SwitchboardClient::call(config, me, cookie, now);
        sb.handle_input(now, b"USR 1 OK alice@passport.com Alice\r\n");
        let stream: Vec<u8> = lines.concat();
        for piece in stream.chunks(chunk) {
            sb.handle_input(now, piece);
            prop_assert!(debug_count(&sb, "buffered_input") <= largest_frame + piece.len());
            while !matches!(sb.poll_output(), Output::Idle { .. }) {
                prop_assert!(sb.participants().len() <= 16);
                prop_assert!(debug_count(&sb, "events") <= 2);
            }
            prop_assert_eq!(debug_count(&sb, "events"), 0);
            prop_assert!(debug_count(&sb, "buffered_input") <= largest_frame);
        }
    }
}
