//! The `Client` fetching a display picture over P2P, on the wire: what it writes on the
//! switchboard (`MSG <trid> D`, the MSNSLP INVITE of §9.4 with the MSNObject as its
//! context) and how it answers a scripted owner, a `P2pSession` playing Bob, that
//! serves the right bytes or wrong ones (failed as corrupt, `SHA1D` checked).

mod support {
    pub mod scripted;
}

use msnp::Output;
use msnp::client::{ClientConfig, ClientEvent, TransferFailure};
use msnp::codec::{Dialect, DialectSet, Passport};
use msnp::p2p::{P2pConfig, P2pEvent, P2pMessage, P2pSession};
use msnp::presence::{MsnObject, MsnObjectKind};
use support::scripted::{BOB, Harness, ME, relayed};

impl Harness {
    /// Signed in without lists or status, every output so far drained.
    fn signed_in() -> Self {
        let mut config = ClientConfig::default();
        config.sync_lists = false;
        config.initial_status = None;
        config.notification.dialects = DialectSet::only(Dialect::Msnp9);
        Self::signed_in_with(config, Dialect::Msnp9)
    }
}

/// Bob's picture as he announced it, and the bytes he serves for it.
fn fetch(served: &[u8], announced: &[u8]) -> (Harness, Vec<String>, Vec<ClientEvent>) {
    let mut h = Harness::signed_in();
    let (_conversation, sb) = h.conversation_with_bob();
    let object = MsnObject::for_data(
        Passport::try_from(BOB).unwrap(),
        MsnObjectKind::DisplayPicture,
        "0",
        "",
        announced,
    )
    .unwrap();
    let id = h
        .client
        .request_display_picture(h.now, &Passport::try_from(BOB).unwrap(), &object)
        .unwrap();
    h.drain();
    let mut bob = P2pSession::new(P2pConfig::default(), BOB, ME, 99);
    let mut lines = Vec::new();
    let mut acked = 0;
    for _ in 0..50 {
        let sent = h.p2p_sent_on(sb);
        if sent.is_empty() {
            break;
        }
        let mut server = Vec::new();
        for (line, payload) in sent {
            // The switchboard acknowledges each, as mode D asks.
            let trid = line.split(' ').nth(1).unwrap().to_owned();
            server.extend_from_slice(format!("ACK {trid}\r\n").as_bytes());
            acked += 1;
            let message = P2pMessage::parse(&payload).unwrap();
            assert_eq!(message.dest, BOB);
            let first = String::from_utf8_lossy(&message.data);
            let first = first.lines().next().unwrap_or("").to_owned();
            lines.push(format!(
                "{} {first}",
                &line[..line.len() - line.rsplit(' ').next().unwrap().len()]
            ));
            bob.handle_input(h.now, &payload);
        }
        loop {
            match bob.poll_output() {
                Output::Transmit(payload) => server.extend(relayed(BOB, "Bob", payload)),
                Output::Event(P2pEvent::Invited {
                    transfer, context, ..
                }) => {
                    assert_eq!(context, object.to_base64_context());
                    bob.accept(h.now, transfer, served.len() as u64).unwrap();
                }
                Output::Event(P2pEvent::SendReady { transfer, .. }) => {
                    bob.send_data(h.now, transfer, served).unwrap();
                }
                Output::Event(_) => {}
                Output::Idle { .. } => break,
            }
        }
        h.input(sb, &server);
    }
    assert!(acked > 0);
    let _ = id;
    let events = std::mem::take(&mut h.events);
    (h, lines, events)
}

#[test]
fn a_picture_request_goes_out_as_msnslp_in_msg_d() {
    let picture = b"\x89PNG\r\n\x1a\n a tiny picture".to_vec();
    let (_h, lines, events) = fetch(&picture, &picture);
    // Bob's session saw the display-picture EUF-GUID and the object as context (checked
    // in `fetch`). The requester's side of §9.4: the INVITE, acks of the 200 OK, of the data
    // preparation and of the data, and the BYE that closes the session.
    assert_eq!(
        lines,
        [
            "MSG 4 D  INVITE MSNMSGR:bob@example.com MSNSLP/1.0",
            "MSG 5 D  ",
            "MSG 6 D  ",
            "MSG 7 D  ",
            "MSG 8 D  BYE MSNMSGR:bob@example.com MSNSLP/1.0",
        ]
    );
    let shown: Vec<String> = events.iter().map(|e| format!("{e:?}")).collect();
    assert!(
        matches!(&events[..], [ClientEvent::TransferAccepted { .. }, ClientEvent::TransferProgress { done: 23, total: 23, .. }, ClientEvent::DisplayPicture { data, .. }, ClientEvent::TransferEnded { result: Ok(23), .. }] if *data == picture),
        "{shown:#?}"
    );
}

#[test]
fn a_picture_of_another_size_than_its_object_fails_as_a_size_mismatch() {
    let (_h, _lines, events) = fetch(b"not the picture", b"the real picture");
    let ended: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            ClientEvent::TransferEnded { result, .. } => Some(result.clone()),
            _ => None,
        })
        .collect();
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, ClientEvent::DisplayPicture { .. })),
        "{events:?}"
    );
    assert_eq!(
        ended,
        [Err(TransferFailure::SizeMismatch {
            expected: 16,
            got: 15
        })]
    );
}

#[test]
fn same_size_other_bytes_fail_as_corrupt() {
    let (_h, _lines, events) = fetch(b"the fake picture", b"the real picture");
    let ended: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            ClientEvent::TransferEnded { result, .. } => Some(result.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(ended, [Err(TransferFailure::Corrupt)]);
    assert_eq!(
        TransferFailure::Corrupt.to_string(),
        "the transfer's data arrived damaged"
    );
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config { cases: 48, ..Default::default() })]

    /// Whatever a peer puts after a P2P MIME part addressed to the user (a binary
    /// header of random fields, any data, any footer), the client neither panics nor
    /// reports it as a message, and every transfer it opened still ends once.
    #[test]
    fn hostile_p2p_payloads_are_survived(
        header in proptest::collection::vec(proptest::num::u8::ANY, 0..60),
        data in proptest::collection::vec(proptest::num::u8::ANY, 0..200),
        slp in proptest::bool::ANY,
    ) {
        let mut h = Harness::signed_in();
        let (_conversation, sb) = h.conversation_with_bob();
        let bob = Passport::try_from(BOB).unwrap();
        let object = MsnObject::for_data(bob.clone(), MsnObjectKind::DisplayPicture, "0", "", b"pic").unwrap();
        let id = h.client.request_display_picture(h.now, &bob, &object).unwrap();
        h.drain();
        let mut payload = format!(
            "MIME-Version: 1.0\r\nContent-Type: application/x-msnmsgrp2p\r\nP2P-Dest: {ME}\r\n\r\n"
        )
        .into_bytes();
        payload.extend_from_slice(&header);
        if slp {
            payload.extend_from_slice(b"INVITE MSNMSGR:bot@example.com MSNSLP/1.0\r\n\r\n");
        }
        payload.extend_from_slice(&data);
        h.input(sb, &relayed(BOB, "Bob", &payload));
        proptest::prop_assert!(
            !h.events.iter().any(|e| matches!(e, ClientEvent::MessageReceived { .. })),
            "{:?}",
            h.events
        );
        h.events.clear();
        h.client.handle_closed(sb, h.now);
        h.drain();
        let ended: Vec<_> = h
            .events
            .iter()
            .filter(|e| matches!(e, ClientEvent::TransferEnded { id: ended, .. } if *ended == id))
            .collect();
        proptest::prop_assert_eq!(ended.len(), 1, "{:?}", h.events);
    }
}
