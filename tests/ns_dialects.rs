//! The notification machine per dialect, for what transcripts cannot configure: a
//! challenge product set by the caller, keep-alive bounds.

use std::time::{Duration, Instant};

use msnp::Output;
use msnp::challenge::Product;
use msnp::codec::{ClientCaps, Dialect, DialectSet, Passport, Status};
use msnp::ns::{ChallengeProduct, NotificationClient, NsConfig, NsEvent};

fn drain(ns: &mut NotificationClient) -> (String, Vec<NsEvent>) {
    let (mut sent, mut events) = (Vec::new(), Vec::new());
    loop {
        match ns.poll_output() {
            Output::Transmit(bytes) => sent.extend_from_slice(bytes),
            Output::Event(event) => events.push(event),
            Output::Idle { .. } => return (String::from_utf8(sent).unwrap(), events),
        }
    }
}

fn feed(ns: &mut NotificationClient, now: Instant, bytes: &str) -> (String, Vec<NsEvent>) {
    ns.handle_input(now, bytes.as_bytes());
    drain(ns)
}

/// A session signed in under `dialect`, the server answering `VER` with it alone
/// (as Escargot does, reference §2.1).
fn signed_in(mut config: NsConfig, dialect: Dialect, now: Instant) -> NotificationClient {
    config.dialects = DialectSet::ALL;
    let account = Passport::try_from("example@passport.com").unwrap();
    let mut ns = NotificationClient::new(config, account, now);
    ns.handle_connected(now).unwrap();
    drain(&mut ns);
    feed(&mut ns, now, &format!("VER 1 {dialect}\r\n"));
    feed(&mut ns, now, "CVR 2 1 1 1 x y\r\n");
    feed(&mut ns, now, "USR 3 TWN S a=b\r\n");
    ns.submit_ticket(now, msnp::Secret::new("t=1&p=2".into()))
        .unwrap();
    drain(&mut ns);
    let ok = if dialect >= Dialect::Msnp10 {
        "USR 4 OK example@passport.com 1 0\r\n"
    } else {
        "USR 4 OK example@passport.com Me 1 0\r\n"
    };
    let (_, events) = feed(&mut ns, now, ok);
    assert!(
        matches!(events.as_slice(), [NsEvent::LoggedIn { .. }]),
        "{events:?}"
    );
    assert_eq!(ns.dialect(), Some(dialect));
    ns
}

/// The published vectors: MSNP6–10's MD5 [TW] and MSNP11's fold [NINA; ECF; EMMSN].
const MD5_CHALLENGE: &str = "15570131571988941333";
const MD5_ANSWER: &str = "8f2f5a91b72102cd28355e9fc9000d6e";
const MSNP11_CHALLENGE: &str = "22210219642164014968";
const MSNP11_ANSWER: &str = "85ecb0db8f32113df79ce0892b9a102c";

#[test]
fn the_challenge_is_answered_with_the_product_of_the_dialect() {
    let now = Instant::now();
    for dialect in Dialect::ALL {
        let mut ns = signed_in(NsConfig::default(), dialect, now);
        let (challenge, expected) = if dialect >= Dialect::Msnp11 {
            (
                MSNP11_CHALLENGE,
                format!("QRY 5 PROD0090YUAUV{{2B 32\r\n{MSNP11_ANSWER}"),
            )
        } else {
            (
                MD5_CHALLENGE,
                format!("QRY 5 msmsgs@msnmsgr.com 32\r\n{MD5_ANSWER}"),
            )
        };
        let (sent, events) = feed(&mut ns, now, &format!("CHL 0 {challenge}\r\n"));
        assert_eq!(sent, expected, "{dialect}");
        assert_eq!(events, []);
        assert_eq!(feed(&mut ns, now, "QRY 5\r\n"), (String::new(), vec![]));
        assert_eq!(ns.pending_requests(), 0);
    }
}

#[test]
fn a_configured_product_answers_whatever_the_dialect() {
    let now = Instant::now();
    for dialect in [Dialect::Msnp8, Dialect::Msnp12] {
        let mut config = NsConfig::default();
        config.challenge = Some(ChallengeProduct::from(Product::PROD0090));
        let mut ns = signed_in(config, dialect, now);
        let (sent, _) = feed(&mut ns, now, &format!("CHL 0 {MSNP11_CHALLENGE}\r\n"));
        assert_eq!(sent, format!("QRY 5 PROD0090YUAUV{{2B 32\r\n{MSNP11_ANSWER}"));

        let mut config = NsConfig::default();
        config.challenge = Some(ChallengeProduct::default());
        let mut ns = signed_in(config, dialect, now);
        let (sent, _) = feed(&mut ns, now, &format!("CHL 0 {MD5_CHALLENGE}\r\n"));
        assert_eq!(sent, format!("QRY 5 msmsgs@msnmsgr.com 32\r\n{MD5_ANSWER}"));
    }
}

#[test]
fn the_product_key_stays_out_of_debug() {
    let product = ChallengeProduct::from(Product::PROD0090);
    let shown = format!("{product:?} {:?}", NsConfig::default());
    assert!(!shown.contains("YMM8C_H7KCQ2S_KL"), "{shown}");
    assert!(format!("{product:?}").contains("PROD0090YUAUV{2B"));
}

/// Pings until the `PNG`, answers it with `qng`, and gives the wait until the next one.
fn interval_after(ns: &mut NotificationClient, now: &mut Instant, qng: &str) -> Option<Duration> {
    let due = ns.next_timeout().expect("a ping is due");
    *now = due;
    ns.handle_timeout(due);
    let (sent, _) = drain(ns);
    assert_eq!(sent, "PNG\r\n");
    feed(ns, *now, qng);
    ns.next_timeout().map(|next| next - *now)
}

#[test]
fn qng_seconds_set_the_next_ping_within_bounds_from_msnp9() {
    let mut now = Instant::now();
    let mut config = NsConfig::default();
    config.min_keepalive_interval = Duration::from_secs(10);
    config.max_keepalive_interval = Duration::from_secs(120);
    let mut ns = signed_in(config.clone(), Dialect::Msnp9, now);
    let secs = Duration::from_secs;
    assert_eq!(interval_after(&mut ns, &mut now, "QNG 50\r\n"), Some(secs(50)));
    assert_eq!(interval_after(&mut ns, &mut now, "QNG 0\r\n"), Some(secs(10)));
    assert_eq!(
        interval_after(&mut ns, &mut now, "QNG 4294967295\r\n"),
        Some(secs(120))
    );
    // Without seconds the configured interval applies, as in MSNP8.
    assert_eq!(interval_after(&mut ns, &mut now, "QNG\r\n"), Some(secs(60)));

    // MSNP8's QNG has no seconds; a server that sends some changes nothing.
    let mut ns = signed_in(config, Dialect::Msnp8, now);
    assert_eq!(interval_after(&mut ns, &mut now, "QNG 50\r\n"), Some(secs(60)));
}

#[test]
fn keepalive_bounds_out_of_order_or_endless_do_not_panic() {
    let mut now = Instant::now();
    let mut config = NsConfig::default();
    config.min_keepalive_interval = Duration::MAX;
    config.max_keepalive_interval = Duration::ZERO;
    let mut ns = signed_in(config, Dialect::Msnp12, now);
    // The upper bound wins; a zero wait pings at once.
    assert_eq!(
        interval_after(&mut ns, &mut now, "QNG 60\r\n"),
        Some(Duration::ZERO)
    );

    let mut config = NsConfig::default();
    config.min_keepalive_interval = Duration::MAX;
    config.max_keepalive_interval = Duration::MAX;
    let mut ns = signed_in(config, Dialect::Msnp12, now);
    // Too long for the clock: no ping is armed.
    assert_eq!(interval_after(&mut ns, &mut now, "QNG 60\r\n"), None);
}

#[test]
fn what_contacts_show_is_bounded_in_bytes() {
    let now = Instant::now();
    let mut config = NsConfig::default();
    config.max_presence_bytes = 400;
    let mut ns = signed_in(config, Dialect::Msnp11, now);
    let psm = "<Data><PSM>a</PSM><CurrentMedia></CurrentMedia></Data>";
    for n in 0..3 {
        let (_, events) = feed(
            &mut ns,
            now,
            &format!("UBX c{n}@example.com {}\r\n{psm}", psm.len()),
        );
        assert!(
            matches!(events.as_slice(), [NsEvent::ContactPersonalStatus { .. }]),
            "{n}: {events:?}"
        );
    }
    // Each entry counts its payload (54 bytes) and 64 of bookkeeping: the fourth passes 400.
    let (_, events) = feed(
        &mut ns,
        now,
        &format!("UBX c3@example.com {}\r\n{psm}", psm.len()),
    );
    assert_eq!(
        events,
        [NsEvent::Closed {
            reason: msnp::ns::CloseReason::LimitReached {
                limit: msnp::ns::Limit::PresenceBytes,
                max: 400,
            }
        }]
    );
}

#[test]
fn a_contact_going_offline_frees_what_they_showed() {
    let now = Instant::now();
    let mut config = NsConfig::default();
    config.max_presence_bytes = 200;
    let mut ns = signed_in(config, Dialect::Msnp12, now);
    let psm = "<Data><PSM>a</PSM><CurrentMedia></CurrentMedia></Data>";
    // Far more contacts than fit at once, one online at a time: never past the bound.
    for n in 0..50 {
        let account = format!("c{n}@example.com");
        let (_, events) = feed(&mut ns, now, &format!("UBX {account} {}\r\n{psm}", psm.len()));
        assert_eq!(events.len(), 1, "{events:?}");
        let (_, events) = feed(&mut ns, now, &format!("FLN {account}\r\n"));
        assert!(
            matches!(events.as_slice(), [NsEvent::ContactOffline { .. }]),
            "{events:?}"
        );
    }
    assert_eq!(ns.state(), msnp::ns::SessionState::LoggedIn);
}

#[test]
fn an_unchanged_object_or_message_is_not_reported_again() {
    let now = Instant::now();
    let mut ns = signed_in(NsConfig::default(), Dialect::Msnp11, now);
    let psm = "<Data><PSM>same</PSM><CurrentMedia/></Data>";
    let ubx = format!("UBX Bob@Example.com {}\r\n{psm}", psm.len());
    assert_eq!(feed(&mut ns, now, &ubx).1.len(), 1);
    // Servers may change the case of an account (reference §11.5): still the same contact.
    let ubx = format!("UBX bob@example.com {}\r\n{psm}", psm.len());
    assert_eq!(feed(&mut ns, now, &ubx).1, []);
    let bob = Passport::try_from("BOB@example.com").unwrap();
    assert_eq!(
        ns.contact_personal_status(&bob).map(|s| s.message.as_str()),
        Some("same")
    );
}

/// The user's display picture, as an MSNObject.
fn picture() -> msnp::presence::MsnObject {
    let me = Passport::try_from("example@passport.com").unwrap();
    msnp::presence::MsnObject::for_data(
        me,
        msnp::presence::MsnObjectKind::DisplayPicture,
        "0",
        "",
        b"PNG-bytes",
    )
    .unwrap()
}

#[test]
fn an_object_set_before_login_goes_out_only_where_the_dialect_has_one() {
    let now = Instant::now();
    let object = picture();
    for dialect in Dialect::ALL {
        let mut config = NsConfig::default();
        config.dialects = DialectSet::ALL;
        let account = Passport::try_from("example@passport.com").unwrap();
        let mut ns = NotificationClient::new(config, account, now);
        assert_eq!(ns.set_msn_object(now, Some(object.clone())), Ok(None));
        // Reuse the login of `signed_in` on this machine.
        ns.handle_connected(now).unwrap();
        drain(&mut ns);
        feed(
            &mut ns,
            now,
            &format!("VER 1 {dialect}\r\nCVR 2 1 1 1 x y\r\nUSR 3 TWN S a=b\r\n"),
        );
        ns.submit_ticket(now, msnp::Secret::new("t=1&p=2".into()))
            .unwrap();
        drain(&mut ns);
        feed(&mut ns, now, "USR 4 OK example@passport.com Me 1 0\r\n");
        ns.set_status(now, msnp::codec::Status::Online).unwrap();
        let (sent, _) = drain(&mut ns);
        if dialect >= Dialect::Msnp9 {
            assert_eq!(sent, format!("CHG 5 NLN 0 {}\r\n", object.to_percent_encoded()));
        } else {
            assert_eq!(sent, "CHG 5 NLN 0\r\n");
            assert_eq!(
                ns.set_msn_object(now, None),
                Err(msnp::ns::NsError::NotInDialect {
                    call: "set_msn_object",
                    dialect: Dialect::Msnp8,
                })
            );
        }
    }
}

#[test]
fn the_msnc_version_goes_out_from_msnp9_and_only_under_an_empty_nibble() {
    let now = Instant::now();
    let object = picture();
    let token = object.to_percent_encoded();
    let caps = |caps: u32, msnc: u8| {
        let mut config = NsConfig::default();
        config.caps = ClientCaps(caps);
        config.msnc = msnc;
        config
    };
    for dialect in Dialect::ALL {
        let msnc = dialect >= Dialect::Msnp9;
        // The machine alone hosts no P2P: by default nothing is announced.
        let mut ns = signed_in(NsConfig::default(), dialect, now);
        ns.set_status(now, Status::Online).unwrap();
        assert_eq!(drain(&mut ns).0, "CHG 5 NLN 0\r\n");
        // MSNC1 asked for: on top of the user's bits, with and without an object.
        let mut ns = signed_in(caps(0x24, 1), dialect, now);
        ns.set_status(now, Status::Online).unwrap();
        let expected = if msnc {
            "CHG 5 NLN 268435492\r\n"
        } else {
            "CHG 5 NLN 36\r\n"
        };
        assert_eq!(drain(&mut ns).0, expected, "{dialect}");
        if msnc {
            feed(&mut ns, now, expected);
            assert_eq!(
                ns.set_msn_object(now, Some(object.clone()))
                    .map(|t| t.map(|t| t.0)),
                Ok(Some(6))
            );
            assert_eq!(drain(&mut ns).0, format!("CHG 6 NLN 268435492 {token}\r\n"));
        }
        // A nibble in the caps wins over the machine's version, in every dialect.
        let mut ns = signed_in(caps(0x3000_0000, 1), dialect, now);
        ns.set_status(now, Status::Busy).unwrap();
        assert_eq!(drain(&mut ns).0, "CHG 5 BSY 805306368\r\n", "{dialect}");
    }
}
