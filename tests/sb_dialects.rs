//! The switchboard machine per dialect: it cuts frames in the dialect of the
//! notification session that handed it out, sends `MSG T D` (P2P data) from MSNP9 only,
//! and reads MSNP12's capabilities on `JOI`/`IRO`.

use std::time::Instant;

use msnp::codec::{AckMode, Dialect, Passport, Token};
use msnp::sb::{SbConfig, SbError, SbEvent, SwitchboardClient};
use msnp::{Output, Secret};

fn me() -> Passport<'static> {
    Passport::try_from("alice@example.com").unwrap()
}

fn cookie() -> Secret<Token<'static>> {
    Secret::new(Token::try_from("17262740.1050826919.32308").unwrap())
}

fn drain(sb: &mut SwitchboardClient) -> (String, Vec<SbEvent>) {
    let (mut sent, mut events) = (Vec::new(), Vec::new());
    loop {
        match sb.poll_output() {
            Output::Transmit(bytes) => sent.extend_from_slice(bytes),
            Output::Event(event) => events.push(event),
            Output::Idle { .. } => return (String::from_utf8(sent).unwrap(), events),
        }
    }
}

/// A switchboard of `dialect` with bob in it.
fn with_bob(dialect: Dialect, now: Instant) -> SwitchboardClient {
    let config = SbConfig {
        dialect,
        ..SbConfig::default()
    };
    let mut sb = SwitchboardClient::call(config, me(), cookie(), now);
    assert_eq!(sb.dialect(), dialect);
    sb.handle_input(now, b"USR 1 OK alice@example.com Alice\r\n");
    drain(&mut sb);
    sb.invite(now, &Passport::try_from("bob@example.com").unwrap())
        .unwrap();
    drain(&mut sb);
    // MSNP12 switchboards add the joiner's capabilities [YW msnp12; reference §7].
    let joi: &[u8] = if dialect >= Dialect::Msnp12 {
        b"JOI bob@example.com Bob 1342177312\r\n"
    } else {
        b"JOI bob@example.com Bob\r\n"
    };
    sb.handle_input(now, b"CAL 2 RINGING 11752013\r\n");
    sb.handle_input(now, joi);
    let (_, events) = drain(&mut sb);
    assert!(
        matches!(events.last(), Some(SbEvent::ParticipantJoined { .. })),
        "{events:?}"
    );
    sb
}

/// The P2P carrier of reference §9.1, without its binary part: enough for the mode.
const P2P: &[u8] = b"MIME-Version: 1.0\r\nContent-Type: application/x-msnmsgrp2p\r\nP2P-Dest: bob@example.com\r\n\r\n\x00\x01";

#[test]
fn mode_d_goes_out_from_msnp9_and_is_acknowledged_like_a() {
    let now = Instant::now();
    for dialect in [Dialect::Msnp9, Dialect::Msnp12] {
        let mut sb = with_bob(dialect, now);
        let trid = sb.send_message(now, P2P, AckMode::Data).unwrap();
        let (sent, _) = drain(&mut sb);
        let mut expected = format!("MSG {} D {}\r\n", trid.0, P2P.len()).into_bytes();
        expected.extend_from_slice(P2P);
        assert_eq!(sent.as_bytes(), expected);
        sb.handle_input(now, format!("ACK {}\r\n", trid.0).as_bytes());
        let (_, events) = drain(&mut sb);
        assert!(
            matches!(events.as_slice(), [SbEvent::Delivered { trid: t }] if *t == trid),
            "{events:?}"
        );
        // A payload the switchboard finds malformed: 282, and the message is not delivered.
        let trid = sb.send_message(now, P2P, AckMode::Data).unwrap();
        drain(&mut sb);
        sb.handle_input(now, format!("282 {}\r\n", trid.0).as_bytes());
        let (_, events) = drain(&mut sb);
        assert!(
            matches!(events.as_slice(), [SbEvent::NotDelivered { trid: t, .. }] if *t == trid),
            "{events:?}"
        );
    }
}

#[test]
fn mode_d_is_refused_under_msnp8() {
    let now = Instant::now();
    let mut sb = with_bob(Dialect::Msnp8, now);
    assert_eq!(
        sb.send_message(now, P2P, AckMode::Data),
        Err(SbError::NotInDialect {
            call: "MSG with acknowledgement mode D",
            dialect: Dialect::Msnp8,
        })
    );
    assert_eq!(
        sb.send_text(now, "hi", None, AckMode::Data)
            .unwrap_err()
            .to_string(),
        "`MSG with acknowledgement mode D` is not possible in MSNP8"
    );
    assert_eq!(drain(&mut sb), (String::new(), vec![]));
}

#[test]
fn msnp12_capabilities_are_kept_on_participants() {
    let now = Instant::now();
    let sb = with_bob(Dialect::Msnp12, now);
    assert_eq!(
        sb.participants()[0].caps,
        Some(msnp::codec::ClientCaps(1_342_177_312))
    );
    let sb = with_bob(Dialect::Msnp11, now);
    assert_eq!(sb.participants()[0].caps, None);

    // Escargot's IRO for an MSNP12 answerer [reference §7 OBS].
    let config = SbConfig {
        dialect: Dialect::Msnp12,
        ..SbConfig::default()
    };
    let session = Token::try_from("11752013").unwrap();
    let mut sb = SwitchboardClient::answer(config, me(), session, cookie(), now);
    drain(&mut sb);
    sb.handle_input(now, b"IRO 1 1 1 bob@example.com Bob 1342177312\r\nANS 1 OK\r\n");
    let (_, events) = drain(&mut sb);
    assert_eq!(
        format!("{events:?}"),
        r#"[Roster { participants: [Participant { account: Passport("bob@example.com"), name: EncodedName("Bob"), caps: Some(ClientCaps(1342177312)) }] }]"#
    );
}
