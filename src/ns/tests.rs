//! Unit tests for what transcripts cannot set up: configuration variants, kept lists,
//! limits.

use std::time::{Duration, Instant};

use super::*;
use crate::Secret;
use crate::codec::{ClientCommand, EncodedName, GroupId, Token};

fn account() -> Passport<'static> {
    Passport::try_from("example@passport.com").unwrap()
}

/// Drains everything: the bytes sent and the events.
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

fn feed(ns: &mut NotificationClient, now: Instant, bytes: &str) -> (String, Vec<NsEvent>) {
    ns.handle_input(now, bytes.as_bytes());
    let (sent, events) = drain(ns);
    (String::from_utf8(sent).unwrap(), events)
}

fn logged_in(config: NsConfig, now: Instant) -> NotificationClient {
    let mut ns = NotificationClient::new(config, account(), now);
    ns.handle_connected(now).unwrap();
    drain(&mut ns);
    feed(&mut ns, now, "VER 1 MSNP8 CVR0\r\n");
    feed(&mut ns, now, "CVR 2 1 1 1 x y\r\n");
    feed(&mut ns, now, "USR 3 TWN S a=b\r\n");
    ns.submit_ticket(now, Secret::new("t=1&p=2".into())).unwrap();
    drain(&mut ns);
    let (_, events) = feed(&mut ns, now, "USR 4 OK example@passport.com Me 1 0\r\n");
    assert!(
        matches!(events.as_slice(), [NsEvent::LoggedIn { .. }]),
        "{events:?}"
    );
    ns
}

#[test]
fn md5_login_when_the_server_only_speaks_msnp7() {
    let now = Instant::now();
    let config = NsConfig {
        md5_password: Some(Secret::new("password".into())),
        ..NsConfig::default()
    };
    let mut ns = NotificationClient::new(config, account(), now);
    ns.handle_connected(now).unwrap();
    assert_eq!(
        drain(&mut ns).0,
        b"VER 1 MSNP12 MSNP11 MSNP10 MSNP9 MSNP8 MSNP7 CVR0\r\n"
    );
    assert_eq!(feed(&mut ns, now, "VER 1 MSNP7 CVR0\r\n").0, "INF 2\r\n");
    assert_eq!(
        feed(&mut ns, now, "INF 2 MD5\r\n").0,
        "USR 3 MD5 I example@passport.com\r\n"
    );
    // The reference's known answer [YW usr.md].
    assert_eq!(
        feed(&mut ns, now, "USR 3 MD5 S 1234567890.123456789\r\n").0,
        "USR 4 MD5 S f59af8f2fa91d38aff7c870c17f99903\r\n"
    );
    let (_, events) = feed(&mut ns, now, "USR 4 OK example@passport.com example%20user 1\r\n");
    assert_eq!(
        events,
        [NsEvent::LoggedIn {
            account: account(),
            name: EncodedName::try_from("example%20user").unwrap(),
            verified: true,
            restricted: false,
            // MSNP7's login, MSNP8's grammar.
            dialect: Dialect::Msnp8,
        }]
    );
}

#[test]
fn msnp7_is_refused_without_a_password() {
    let now = Instant::now();
    let mut ns = NotificationClient::new(NsConfig::default(), account(), now);
    ns.handle_connected(now).unwrap();
    drain(&mut ns);
    let (_, events) = feed(&mut ns, now, "VER 1 MSNP7\r\n");
    assert_eq!(
        events,
        [NsEvent::Closed {
            reason: CloseReason::VersionRefused
        }]
    );
}

#[test]
fn referral_chain_is_capped() {
    let now = Instant::now();
    let config = NsConfig {
        max_redirects: 2,
        ..NsConfig::default()
    };
    let mut ns = NotificationClient::new(config, account(), now);
    for hop in 0..3 {
        ns.handle_connected(now).unwrap();
        drain(&mut ns);
        feed(&mut ns, now, "VER 1 MSNP8 CVR0\r\n");
        feed(&mut ns, now, "CVR 2 1 1 1 x y\r\n");
        let (_, events) = feed(&mut ns, now, "XFR 3 NS 10.0.0.1:1863 0 10.0.0.2:1863\r\n");
        if hop < 2 {
            assert!(
                matches!(events.as_slice(), [NsEvent::Redirect { .. }]),
                "{events:?}"
            );
            ns.handle_closed(now);
            assert_eq!(ns.state(), SessionState::Redirected);
        } else {
            assert_eq!(
                events,
                [NsEvent::Closed {
                    reason: CloseReason::TooManyRedirects { max: 2 }
                }]
            );
        }
    }
    assert_eq!(ns.handle_connected(now), Err(NsError::Closed));
}

#[test]
fn a_kept_list_is_reused_when_the_server_says_it_is_current() {
    let now = Instant::now();
    let mut ns = logged_in(NsConfig::default(), now);
    ns.sync_lists(now).unwrap();
    drain(&mut ns);
    feed(
        &mut ns,
        now,
        "SYN 5 9 1 1\r\nGTC A\r\nBLP AL\r\nLSG 0 O 0\r\nLST bob@x.com Bob 3 0\r\n",
    );
    let kept = {
        ns.logout(now).unwrap();
        drain(&mut ns);
        ns.into_contact_list()
    };
    assert_eq!((kept.version(), kept.len()), (9, 1));

    let mut ns = logged_in(NsConfig::default(), now);
    ns = ns.with_contact_list(kept);
    ns.sync_lists(now).unwrap();
    assert_eq!(drain(&mut ns).0, b"SYN 5 9\r\n");
    let (_, events) = feed(&mut ns, now, "SYN 5 9\r\n");
    assert_eq!(
        events,
        [NsEvent::ListSynced {
            version: 9,
            contacts: 1,
            groups: 1,
            from_cache: true
        }]
    );
    let bob = Passport::try_from("BOB@x.com").unwrap();
    assert_eq!(
        ns.contact_list().contact(&bob).unwrap().lists(),
        crate::codec::ListMask(3)
    );
}

#[test]
fn raw_commands_are_renumbered_and_their_replies_delivered() {
    let now = Instant::now();
    let mut ns = logged_in(NsConfig::default(), now);
    let url = ClientCommand::Url {
        trid: TrId(999),
        service: Token::try_from("INBOX").unwrap(),
        param: None,
    };
    assert_eq!(ns.send_command(now, &url), Ok(Some(TrId(5))));
    assert_eq!(drain(&mut ns).0, b"URL 5 INBOX\r\n");
    let (_, events) = feed(&mut ns, now, "URL 5 /cgi-bin/HoTMaiL https://x/md5auth.srf 2\r\n");
    assert!(
        matches!(events.as_slice(), [NsEvent::Reply { trid: TrId(5), .. }]),
        "{events:?}"
    );
    assert_eq!(
        ns.send_command(now, &ClientCommand::Png),
        Err(NsError::ManagedVerb { verb: "PNG".into() })
    );
    // Raw lines of managed verbs are refused like the typed ones.
    for line in ["USR 9 TWN I x@y.com", "SYN 9 0", "CAL 9 bob@x.com"] {
        let raw = crate::codec::RawCommand::new(line.as_bytes().to_vec(), None).unwrap();
        let verb = line.split(' ').next().unwrap().to_owned();
        assert_eq!(
            ns.send_command(now, &ClientCommand::Other(raw)),
            Err(NsError::ManagedVerb { verb })
        );
    }
    assert_eq!(ns.pending_requests(), 0);
    assert!(drain(&mut ns).0.is_empty());
    // A typed SYN outside a download is the caller's to send.
    let syn = ClientCommand::Syn {
        trid: TrId(1),
        version: 0,
    };
    assert_eq!(ns.send_command(now, &syn), Ok(Some(TrId(6))));
    assert_eq!(drain(&mut ns).0, b"SYN 6 0\r\n");
}

#[test]
fn misuse_changes_nothing() {
    let now = Instant::now();
    let config = NsConfig {
        max_pending: 2,
        ..NsConfig::default()
    };
    let mut ns = logged_in(config, now);
    ns.add_group(now, "a").unwrap();
    ns.add_group(now, "b").unwrap();
    assert_eq!(ns.add_group(now, "c"), Err(NsError::TooManyPending { max: 2 }));
    assert_eq!(drain(&mut ns).0, b"ADG 5 a 0\r\nADG 6 b 0\r\n");
    // The refused call did not use a TrID.
    feed(&mut ns, now, "ADG 5 1 a 1 0\r\n");
    assert_eq!(ns.add_group(now, "c"), Ok(TrId(7)));
}

#[test]
fn unread_output_is_bounded() {
    let now = Instant::now();
    let config = NsConfig {
        max_transmit: 64,
        max_pending: 1000,
        ..NsConfig::default()
    };
    let mut ns = logged_in(config, now);
    let mut refused = None;
    for i in 0..100 {
        if let Err(e) = ns.set_status(now, Status::Busy) {
            refused = Some((i, e));
            break;
        }
    }
    let (i, error) = refused.expect("the queue fills up");
    assert_eq!(error, NsError::TransmitFull { max: 64 });
    assert!(i < 10, "refused only after {i} commands");
}

#[test]
fn secrets_stay_out_of_debug_output() {
    let now = Instant::now();
    let mut ns = logged_in(NsConfig::default(), now);
    let (_, events) = feed(
        &mut ns,
        now,
        "RNG 1 10.0.0.1:1863 CKI sekrit-cookie bob@x.com Bob\r\n",
    );
    let shown = format!("{events:?} {ns:?}");
    assert!(!shown.contains("sekrit-cookie"), "{shown}");
    assert!(!shown.contains("t=1&p=2"), "{shown}");
    assert!(!shown.contains("Q1P7W2E4J9R8U3S5"), "{shown}");
}

#[test]
fn a_huge_payload_is_skipped_and_the_stream_stays_in_sync() {
    let now = Instant::now();
    let mut ns = logged_in(NsConfig::default(), now);
    ns.handle_input(now, b"MSG Hotmail Hotmail 70000\r\n");
    let (_, events) = drain(&mut ns);
    assert!(
        matches!(events.as_slice(), [NsEvent::Skipped { .. }]),
        "{events:?}"
    );
    ns.handle_input(now, &vec![b'x'; 70_000]);
    let (_, events) = feed(&mut ns, now, "FLN bob@x.com\r\n");
    assert_eq!(
        events,
        [NsEvent::ContactOffline {
            account: Passport::try_from("bob@x.com").unwrap()
        }]
    );
}

#[test]
fn an_endless_line_ends_the_session() {
    let now = Instant::now();
    let mut ns = logged_in(NsConfig::default(), now);
    ns.handle_input(now, &vec![b'A'; 9000]);
    let (_, events) = drain(&mut ns);
    assert!(
        matches!(
            events.as_slice(),
            [NsEvent::Closed {
                reason: CloseReason::Undecodable(_)
            }]
        ),
        "{events:?}"
    );
}

#[test]
fn early_timeouts_do_nothing() {
    let now = Instant::now();
    let mut ns = logged_in(NsConfig::default(), now);
    let due = ns.next_timeout().unwrap();
    assert_eq!(due, now + Duration::from_secs(60));
    ns.handle_timeout(now + Duration::from_secs(59));
    ns.handle_timeout(now);
    assert_eq!(drain(&mut ns), (Vec::new(), Vec::new()));
    ns.handle_timeout(due);
    assert_eq!(drain(&mut ns).0, b"PNG\r\n");
}

#[test]
fn a_connection_that_never_opened_ends_the_session() {
    let now = Instant::now();
    let mut ns = NotificationClient::new(NsConfig::default(), account(), now);
    // A close before connecting is the old server's after a referral: ignored.
    ns.handle_closed(now);
    assert_eq!(drain(&mut ns), (Vec::new(), Vec::new()));
    ns.handle_connect_failed(now);
    assert_eq!(
        drain(&mut ns),
        (
            Vec::new(),
            vec![NsEvent::Closed {
                reason: CloseReason::ConnectionLost
            }]
        )
    );
    assert_eq!(ns.state(), SessionState::Closed);
    ns.handle_connect_failed(now);
    assert_eq!(drain(&mut ns), (Vec::new(), Vec::new()));
}

#[test]
fn a_renamed_group_that_is_new_counts_against_max_groups() {
    let now = Instant::now();
    let config = NsConfig {
        max_groups: 1,
        ..NsConfig::default()
    };
    let mut ns = logged_in(config, now);
    ns.rename_group(now, GroupId(0), "a").unwrap();
    let renamed = ns.rename_group(now, GroupId(1), "b").unwrap();
    drain(&mut ns);
    let (_, events) = feed(&mut ns, now, "REG 5 6 0 a 0\r\n");
    assert!(matches!(events.as_slice(), [NsEvent::ListChanged { .. }]));
    let (_, events) = feed(&mut ns, now, &format!("REG {renamed} 7 1 b 0\r\n"));
    assert_eq!(
        events,
        [NsEvent::Closed {
            reason: CloseReason::LimitReached {
                limit: Limit::Groups,
                max: 1,
            },
        }]
    );
}

#[test]
fn debug_shows_counts_not_buffers() {
    let now = Instant::now();
    let mut ns = logged_in(NsConfig::default(), now);
    ns.handle_input(
        now,
        b"RNG 1 10.0.0.3:1863 CKI 17262740.1050826919.32308 e@e.c E\r\n",
    );
    let debug = format!("{ns:?}");
    assert!(debug.contains("buffered_input: 59"), "{debug}");
    assert!(
        !debug.contains("17262740") && !debug.contains("49, 55, 50"),
        "{debug}"
    );
}

#[test]
fn phones_are_typed_and_mfn_is_the_name_not_a_phone() {
    let now = Instant::now();
    let mut ns = logged_in(NsConfig::default(), now);
    let trid = ns.set_phone(now, Phone::Mobile, Some("+1 555")).unwrap();
    assert_eq!(
        drain(&mut ns).0,
        format!("PRP {trid} PHM +1%20555\r\n").as_bytes()
    );
    let (_, events) = feed(&mut ns, now, &format!("PRP {trid} 3 PHM +1%20555\r\n"));
    let value = Some(EncodedName::try_from("+1%20555").unwrap().into_owned());
    assert_eq!(
        events,
        [NsEvent::ListChanged {
            trid,
            version: 3,
            change: ListChange::OwnPhone {
                phone: Phone::Mobile,
                value: value.clone(),
            },
        }]
    );
    assert_eq!(ns.contact_list().phone(Phone::Mobile), value.as_ref());
    // MSNP10's own name arrives as a property: it names the user, it is no phone.
    let trid = ns
        .send_command(
            now,
            &ClientCommand::Prp {
                trid: TrId(0),
                property: Token::try_from("MFN").unwrap(),
                value: Some(EncodedName::try_from("New%20Me").unwrap()),
            },
        )
        .unwrap()
        .unwrap();
    drain(&mut ns);
    let (_, events) = feed(&mut ns, now, &format!("PRP {trid} 4 MFN New%20Me\r\n"));
    assert!(
        matches!(&events[..], [NsEvent::ListChanged { change: ListChange::OwnProperty { property, .. }, .. }] if property.as_str() == "MFN"),
        "{events:?}"
    );
    assert_eq!(ns.friendly_name().unwrap().as_str(), "New%20Me");
    assert_eq!(ns.contact_list().phones().len(), 1);
}
