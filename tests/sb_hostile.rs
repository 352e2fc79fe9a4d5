//! A hostile switchboard against `SwitchboardClient` (issues 10 and 11): what it can
//! make the machine hold is bounded by `SbConfig`, bad lines are skipped without losing
//! the stream, and no configured duration makes time arithmetic panic. Sizes are scaled
//! to run in well under a second; assertions are on sizes and exact events, not time.

use std::time::{Duration, Instant};

use msnp::codec::{AckMode, DecodeError, Limits, Passport, Token};
use msnp::sb::{CloseReason, ProtocolViolation, SbConfig, SbEvent, SwitchboardClient};
use msnp::{Output, Secret};

fn me() -> Passport<'static> {
    Passport::try_from("alice@passport.com").unwrap()
}

fn cookie() -> Secret<Token<'static>> {
    Secret::new(Token::try_from("17262740.1050826919.32308").unwrap())
}

/// A `Debug` field's count, as the machine reports it.
fn count(sb: &SwitchboardClient, field: &str) -> usize {
    let debug = format!("{sb:?}");
    let label = format!("{field}: ");
    let at = debug
        .find(&label)
        .unwrap_or_else(|| panic!("no {field} in {debug}"))
        + label.len();
    debug[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

/// Everything until `Idle`, checking after each call that the machine keeps at most
/// `max_events` events queued.
fn drain(sb: &mut SwitchboardClient, max_events: usize) -> Vec<SbEvent> {
    let mut events = Vec::new();
    loop {
        let idle = match sb.poll_output() {
            Output::Event(event) => {
                events.push(event);
                false
            }
            Output::Transmit(_) => false,
            Output::Idle { .. } => true,
        };
        let queued = count(sb, "events");
        assert!(queued <= max_events, "{queued} events queued");
        if idle {
            return events;
        }
    }
}

fn joined(config: SbConfig, now: Instant) -> SwitchboardClient {
    let mut sb = SwitchboardClient::call(config, me(), cookie(), now);
    sb.handle_input(now, b"USR 1 OK alice@passport.com Alice\r\n");
    drain(&mut sb, 1);
    sb
}

/// `JOI` of ever new accounts: the roster stops at `max_participants` and the session
/// ends with a typed reason; the rest of the burst is never parsed.
#[test]
fn joins_past_the_participant_bound_close_the_session() {
    let now = Instant::now();
    let config = SbConfig {
        max_participants: 50,
        ..SbConfig::default()
    };
    let mut sb = joined(config, now);
    let burst: Vec<u8> = (0..10_000)
        .flat_map(|i| format!("JOI u{i}@example.com U{i}\r\n").into_bytes())
        .collect();
    sb.handle_input(now, &burst);
    let events = drain(&mut sb, 2);
    let joined = events
        .iter()
        .filter(|e| matches!(e, SbEvent::ParticipantJoined { .. }))
        .count();
    assert_eq!(joined, 50);
    assert_eq!(
        events.last(),
        Some(&SbEvent::Closed {
            reason: CloseReason::ProtocolViolation(ProtocolViolation::TooManyParticipants { max: 50 })
        })
    );
    assert_eq!(count(&sb, "buffered_input"), 0, "nothing is kept after the end");
}

/// The same account joining again (a second connection of theirs) refreshes its entry:
/// a flood of it stays one participant.
#[test]
fn the_same_account_joining_again_is_one_participant() {
    let now = Instant::now();
    let mut sb = joined(SbConfig::default(), now);
    let burst: Vec<u8> = (0..5_000)
        .flat_map(|i| {
            let account = if i % 2 == 0 {
                "BOB@example.com"
            } else {
                "bob@EXAMPLE.com"
            };
            format!("JOI {account} B{i}\r\n").into_bytes()
        })
        .collect();
    sb.handle_input(now, &burst);
    drain(&mut sb, 2);
    assert_eq!(sb.participants().len(), 1);
    assert_eq!(sb.participants()[0].name.as_str(), "B4999");
}

/// `IRO` lines while answering are bounded the same way.
#[test]
fn roster_lines_past_the_participant_bound_close_the_session() {
    let now = Instant::now();
    let config = SbConfig {
        max_participants: 20,
        ..SbConfig::default()
    };
    let mut sb = SwitchboardClient::answer(config, me(), Token::try_from("42").unwrap(), cookie(), now);
    let burst: Vec<u8> = (0..5_000)
        .flat_map(|i| format!("IRO 1 {i} 5000 u{i}@example.com U\r\n").into_bytes())
        .collect();
    sb.handle_input(now, &burst);
    let events = drain(&mut sb, 1);
    assert_eq!(
        events,
        [SbEvent::Closed {
            reason: CloseReason::ProtocolViolation(ProtocolViolation::TooManyParticipants { max: 20 })
        }]
    );
}

/// A burst of well-formed and malformed lines in one read: one frame per
/// `poll_output`, each bad line skipped and reported, the good ones all handled.
#[test]
fn malformed_lines_are_skipped_one_frame_per_poll() {
    let now = Instant::now();
    let mut sb = joined(SbConfig::default(), now);
    sb.handle_input(now, b"JOI bob@passport.com Bob\r\n");
    drain(&mut sb, 1);
    let mut burst = Vec::new();
    for i in 0..3_000 {
        burst.extend_from_slice(b"JOI bob@passport.com\r\nACK x\r\n");
        burst.extend_from_slice(format!("BYE carol{i}@passport.com\r\n").as_bytes());
    }
    sb.handle_input(now, &burst);
    let buffered = count(&sb, "buffered_input");
    assert_eq!(buffered, burst.len());
    let events = drain(&mut sb, 1);
    let skipped = events
        .iter()
        .filter(|e| {
            matches!(
                e,
                SbEvent::Skipped {
                    error: DecodeError::Malformed { .. }
                }
            )
        })
        .count();
    let unhandled = events
        .iter()
        .filter(|e| matches!(e, SbEvent::Unhandled { .. }))
        .count();
    assert_eq!((skipped, unhandled, events.len()), (6_000, 3_000, 9_000));
    assert!(!sb.is_closed());
    assert_eq!(sb.participants().len(), 1);
}

/// A payload over the limit is skipped by its announced length, however it is
/// chunked, and the next line is read.
#[test]
fn an_oversized_payload_is_skipped_and_the_stream_stays_in_sync() {
    let now = Instant::now();
    let config = SbConfig {
        limits: Limits {
            max_line_len: 200,
            max_payload_len: 100,
            max_buffered: 0,
            max_skip_len: 10_000,
        },
        ..SbConfig::default()
    };
    let mut stream = b"MSG bob@passport.com Bob 1000\r\n".to_vec();
    stream.extend(std::iter::repeat_n(b'x', 1000));
    stream.extend_from_slice(b"JOI carol@passport.com Carol\r\n");
    for chunk in [1, 7, 64, stream.len()] {
        let mut sb = joined(config.clone(), now);
        let mut events = Vec::new();
        for piece in stream.chunks(chunk) {
            sb.handle_input(now, piece);
            events.extend(drain(&mut sb, 1));
            assert!(count(&sb, "buffered_input") <= 200 + 2 + 100 + chunk);
        }
        assert_eq!(
            events,
            [
                SbEvent::Skipped {
                    error: DecodeError::PayloadTooLarge {
                        len: 1000,
                        max: 100,
                        frame_len: 1031
                    }
                },
                SbEvent::ParticipantJoined {
                    participant: msnp::sb::Participant {
                        account: Passport::try_from("carol@passport.com").unwrap(),
                        name: msnp::codec::FriendlyName::from_text("Carol").unwrap(),
                        caps: None,
                    }
                },
            ],
            "chunk {chunk}"
        );
    }
}

/// Item 9: `Duration::MAX` as "never" for every switchboard duration: no timer, no
/// panic, however far the clock goes.
#[test]
fn durations_of_max_mean_never() {
    let now = Instant::now();
    let config = SbConfig {
        ack_timeout: Duration::MAX,
        nak_grace: Duration::MAX,
        typing_interval: Duration::MAX,
        ..SbConfig::default()
    };
    let mut sb = joined(config, now);
    sb.handle_input(now, b"JOI bob@passport.com Bob\r\n");
    drain(&mut sb, 1);
    let a = sb.send_text(now, "a", None, AckMode::Always).unwrap();
    let n = sb.send_text(now, "n", None, AckMode::NegativeOnly).unwrap();
    assert!(sb.send_typing(now).unwrap().is_some());
    assert_eq!(sb.send_typing(now).unwrap(), None, "rate-limited for ever");
    drain(&mut sb, 1);
    assert_eq!(sb.poll_output(), Output::Idle { next_timeout: None });
    let later = now + Duration::from_secs(100 * 365 * 24 * 3600);
    sb.handle_timeout(later);
    sb.handle_input(later, b"JOI carol@passport.com Carol\r\n");
    assert_eq!(sb.send_typing(later).unwrap(), None);
    drain(&mut sb, 1);
    assert_eq!(sb.stats().pending(), 2, "{a:?} {n:?} still wait for an answer");
    sb.handle_input(later, format!("ACK {}\r\nNAK {}\r\n", a[0].0, n[0].0).as_bytes());
    let events = drain(&mut sb, 1);
    assert_eq!(events.len(), 2);
    assert_eq!(sb.stats().pending(), 0);
}

/// Item 7: `Debug` gives the state and counts; input not yet parsed shows as its size
/// only, and the cookie nowhere.
#[test]
fn debug_shows_counts_and_no_buffers() {
    let now = Instant::now();
    let mut sb = joined(SbConfig::default(), now);
    sb.handle_input(
        now,
        b"JOI bob@passport.com Bob\r\nMSG bob@passport.com Bob 4\r\nab",
    );
    let debug = format!("{sb:?}");
    assert!(debug.contains("phase: \"joined\""), "{debug}");
    assert!(debug.contains("buffered_input: 56"), "{debug}");
    assert!(!debug.contains("17262740"), "{debug}");
}
