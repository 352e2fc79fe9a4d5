//! Unit tests of the switchboard machine's internals.

use super::*;
use crate::codec::{DecodeError, Limits};
use std::time::Duration;

fn joined(config: SbConfig, now: Instant) -> SwitchboardClient {
    let me = Passport::try_from("alice@passport.com").unwrap();
    let cookie = Secret::new(Token::try_from("c").unwrap());
    let mut sb = SwitchboardClient::call(config, me, cookie, now);
    sb.handle_input(
        now,
        b"USR 1 OK alice@passport.com Alice\r\nJOI bob@passport.com Bob\r\n",
    );
    while !matches!(sb.poll_output(), Output::Idle { .. }) {}
    sb
}

#[test]
fn refused_calls_change_nothing() {
    let now = Instant::now();
    let config = SbConfig {
        max_pending: 2,
        ..SbConfig::default()
    };
    let mut sb = joined(config, now);
    let too_big = vec![b'x'; MAX_PAYLOAD_LEN + 1];
    assert_eq!(
        sb.send_message(now, &too_big, AckMode::Always),
        Err(SbError::PayloadTooLarge {
            len: MAX_PAYLOAD_LEN + 1,
            max: MAX_PAYLOAD_LEN
        })
    );
    assert_eq!(
        sb.send_text(now, "", None, AckMode::Always),
        Err(SbError::EmptyText)
    );
    // Three pieces do not fit in a limit of two: nothing is sent, no TrID is used.
    let long = "x".repeat(2 * 1602 + 1);
    assert_eq!(
        sb.send_text(now, &long, None, AckMode::Always),
        Err(SbError::TooManyPending { pending: 0, max: 2 })
    );
    assert_eq!(sb.stats(), DeliveryStats::default());
    assert_eq!(sb.poll_output(), Output::Idle { next_timeout: None });
    assert_eq!(sb.send_text(now, "ok", None, AckMode::Always), Ok(vec![TrId(2)]));
    let huge = TextFormat {
        font: "F".repeat(MAX_PAYLOAD_LEN).into(),
        ..TextFormat::default()
    };
    assert_eq!(
        sb.send_text(now, "x", Some(&huge), AckMode::Always),
        Err(SbError::FormatTooLarge { max: MAX_PAYLOAD_LEN })
    );
}

#[test]
fn nothing_moves_after_the_end_and_timeouts_tolerate_early_calls() {
    let now = Instant::now();
    let mut sb = joined(SbConfig::default(), now);
    let [trid] = sb.send_text(now, "hi", None, AckMode::Always).unwrap()[..] else {
        panic!()
    };
    while !matches!(sb.poll_output(), Output::Idle { .. }) {}
    // Early and repeated wake-ups do nothing.
    sb.handle_timeout(now);
    sb.handle_timeout(now + Duration::from_secs(59));
    assert_eq!(
        sb.poll_output(),
        Output::Idle {
            next_timeout: Some(now + Duration::from_secs(60))
        }
    );
    sb.handle_closed(now);
    sb.handle_closed(now);
    assert_eq!(
        sb.poll_output(),
        Output::Event(SbEvent::NotDelivered {
            trid,
            reason: NotDelivered::SessionClosed
        })
    );
    assert_eq!(
        sb.poll_output(),
        Output::Event(SbEvent::Closed {
            reason: CloseReason::ConnectionLost
        })
    );
    sb.handle_input(now, b"JOI carol@passport.com Carol\r\n");
    assert_eq!(sb.poll_output(), Output::Idle { next_timeout: None });
    assert_eq!(sb.leave(now), Err(SbError::Closed));
    assert_eq!(sb.send_typing(now), Err(SbError::Closed));
    assert_eq!(sb.poll_output(), Output::Idle { next_timeout: None });
}

#[test]
fn a_stream_with_no_line_end_is_bounded() {
    let now = Instant::now();
    let mut sb = joined(SbConfig::default(), now);
    let limits = Limits::default();
    sb.handle_input(now, &vec![b'x'; limits.max_line_len + 8]);
    assert!(matches!(
        sb.poll_output(),
        Output::Event(SbEvent::Closed {
            reason: CloseReason::Undecodable(DecodeError::LineTooLong { .. })
        })
    ));
}

#[test]
fn secrets_stay_out_of_debug() {
    let now = Instant::now();
    let me = Passport::try_from("alice@passport.com").unwrap();
    let cookie = Secret::new(Token::try_from("s3cr3t.cookie").unwrap());
    let sb = SwitchboardClient::answer(
        SbConfig::default(),
        me,
        Token::try_from("42").unwrap(),
        cookie,
        now,
    );
    assert!(!format!("{sb:?}").contains("s3cr3t"));
}
