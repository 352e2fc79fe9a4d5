//! Dialect negotiation: the exact `VER` line for each configured offer, the choice of
//! the newest shared dialect, and the crate's own MSNP8 server keeping to MSNP8 whatever
//! a client offers (reference §2.1). The conversations themselves are transcripts
//! (`tests/transcripts/ns/dialect_*.txt`, `tests/transcripts/server/ver_many_dialects.txt`).

use std::time::Instant;

use msnp::Output;
use msnp::Secret;
use msnp::client::{ClientConfig, ClientEvent};
use msnp::codec::{Dialect, DialectSet, Passport};
use msnp::ns::{CloseReason, NotificationClient, NsConfig, NsError, NsEvent, SessionState};
use msnp::testing::loopback::Network;

fn machine(dialects: DialectSet, md5: bool) -> NotificationClient {
    let mut config = NsConfig::default();
    config.dialects = dialects;
    config.md5_password = md5.then(|| Secret::new("password".to_owned()));
    let account = Passport::try_from("example@passport.com").unwrap();
    NotificationClient::new(config, account, Instant::now())
}

fn drain(ns: &mut NotificationClient) -> (Vec<u8>, Vec<NsEvent>) {
    let (mut sent, mut events) = (Vec::new(), Vec::new());
    loop {
        match ns.poll_output() {
            Output::Transmit(bytes) => sent.extend(bytes),
            Output::Event(event) => events.push(event),
            Output::Idle { .. } => return (sent, events),
        }
    }
}

fn ver_line(dialects: DialectSet, md5: bool) -> String {
    let mut ns = machine(dialects, md5);
    ns.handle_connected(Instant::now()).unwrap();
    String::from_utf8(drain(&mut ns).0).unwrap()
}

#[test]
fn default_offer_is_msnp8_alone() {
    assert_eq!(NsConfig::default().dialects, DialectSet::only(Dialect::Msnp8));
    assert_eq!(
        ver_line(NsConfig::default().dialects, false),
        "VER 1 MSNP8 CVR0\r\n"
    );
}

#[test]
fn ver_lists_the_offer_newest_first_then_cvr0() {
    // MSN Messenger 7.5's offer, and the reference's full example [NINA Commands/VER].
    let seven_five = DialectSet::from_iter([Dialect::Msnp10, Dialect::Msnp12, Dialect::Msnp11]);
    assert_eq!(ver_line(seven_five, false), "VER 1 MSNP12 MSNP11 MSNP10 CVR0\r\n");
    assert_eq!(
        ver_line(DialectSet::ALL, false),
        "VER 1 MSNP12 MSNP11 MSNP10 MSNP9 MSNP8 CVR0\r\n"
    );
    // MSN Messenger 6.x [reference §1].
    let six = DialectSet::from_iter([Dialect::Msnp8, Dialect::Msnp9]);
    assert_eq!(ver_line(six, false), "VER 1 MSNP9 MSNP8 CVR0\r\n");
    // The MD5 login's MSNP7 comes after every dialect, before CVR0.
    assert_eq!(ver_line(six, true), "VER 1 MSNP9 MSNP8 MSNP7 CVR0\r\n");
    assert_eq!(ver_line(DialectSet::EMPTY, true), "VER 1 MSNP7 CVR0\r\n");
}

#[test]
fn an_empty_offer_is_refused_without_a_state_change() {
    let mut ns = machine(DialectSet::EMPTY, false);
    assert!(matches!(
        ns.handle_connected(Instant::now()),
        Err(NsError::Forbidden(_))
    ));
    assert_eq!(ns.state(), SessionState::Disconnected);
    assert_eq!(drain(&mut ns), (Vec::new(), Vec::new()));
}

#[test]
fn the_newest_shared_dialect_is_chosen() {
    let now = Instant::now();
    for (offer, reply, chosen) in [
        (DialectSet::ALL, "VER 1 MSNP8\r\n", Some(Dialect::Msnp8)),
        (
            DialectSet::ALL,
            "VER 1 MSNP11 MSNP12 CVR0\r\n",
            Some(Dialect::Msnp12),
        ),
        (
            DialectSet::ALL,
            "VER 1 CVR0 MSNP9 MSNP10\r\n",
            Some(Dialect::Msnp10),
        ),
        (
            DialectSet::from_iter([Dialect::Msnp8, Dialect::Msnp11]),
            "VER 1 MSNP12 MSNP10 MSNP8\r\n",
            Some(Dialect::Msnp8),
        ),
        (DialectSet::ALL, "VER 1 0\r\n", None),
        (DialectSet::ALL, "VER 1 MSNP13 CVR0\r\n", None),
    ] {
        let mut ns = machine(offer, false);
        ns.handle_connected(now).unwrap();
        drain(&mut ns);
        ns.handle_input(now, reply.as_bytes());
        let (sent, events) = drain(&mut ns);
        assert_eq!(ns.dialect(), chosen, "{reply:?}");
        match chosen {
            Some(_) => {
                assert!(sent.starts_with(b"CVR 2 "), "{reply:?}");
                assert_eq!(events, []);
            }
            None => {
                assert_eq!(sent, b"");
                assert_eq!(
                    events,
                    [NsEvent::Closed {
                        reason: CloseReason::VersionRefused
                    }]
                );
            }
        }
    }
}

#[test]
fn a_referral_negotiates_again() {
    let now = Instant::now();
    let mut ns = machine(DialectSet::only(Dialect::Msnp8), false);
    ns.handle_connected(now).unwrap();
    drain(&mut ns);
    ns.handle_input(now, b"VER 1 MSNP8 CVR0\r\nCVR 2 1 1 1 x y\r\n");
    drain(&mut ns);
    assert_eq!(ns.dialect(), Some(Dialect::Msnp8));
    ns.handle_input(now, b"XFR 3 NS 10.0.0.1:1863 0 10.0.0.2:1863\r\n");
    drain(&mut ns);
    ns.handle_closed(now);
    ns.handle_connected(now).unwrap();
    assert_eq!(ns.dialect(), None);
    assert_eq!(drain(&mut ns).0, b"VER 1 MSNP8 CVR0\r\n");
}

#[test]
fn the_loopback_server_chooses_the_newest_shared_dialect() {
    // A client offering every dialect signs in to the crate's server, which speaks
    // MSNP8 to MSNP12, as MSNP12.
    let mut config = ClientConfig::default();
    config.notification.dialects = DialectSet::ALL;
    let mut net = Network::new();
    let alice = net.add_client("alice@example.com", "secret", "Alice", config);
    net.run();
    let dialects: Vec<Dialect> = net
        .take_events(alice)
        .into_iter()
        .filter_map(|event| match event {
            ClientEvent::LoggedIn { dialect, .. } => Some(dialect),
            _ => None,
        })
        .collect();
    assert_eq!(dialects, [Dialect::Msnp12]);
}
