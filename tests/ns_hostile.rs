//! A hostile notification server (issue 10, NS cases): whatever it sends, what the
//! machine keeps stays within `NsConfig`, and reaching a bound is a typed close.
//! Sizes are scaled to run in well under a second; the per-item cost is O(log n) by
//! structure (ordered maps for requests, deadlines and contacts), so no test times it.

use std::time::{Duration, Instant};

use msnp::codec::{Limits, Passport};
use msnp::ns::{
    CloseReason, Limit, MAX_GROUPS_PER_CONTACT, NotificationClient, NsConfig, NsEvent, Phone, SessionState,
};
use msnp::{Output, Secret};
use proptest::prelude::*;

/// Everything `poll_output` hands out until `Idle`: transmitted bytes and events. The
/// event queue is checked on the way: one frame's events at most.
fn drain(ns: &mut NotificationClient) -> (Vec<u8>, Vec<NsEvent>) {
    let (mut sent, mut events) = (Vec::new(), Vec::new());
    loop {
        assert!(ns.queued_events() <= 2, "{} events queued", ns.queued_events());
        match ns.poll_output() {
            Output::Transmit(bytes) => sent.extend_from_slice(bytes),
            Output::Event(event) => events.push(event),
            Output::Idle { .. } => return (sent, events),
        }
    }
}

fn logged_in(config: NsConfig, now: Instant) -> NotificationClient {
    let account = Passport::try_from("example@passport.com").unwrap();
    let mut ns = NotificationClient::new(config, account, now);
    ns.handle_connected(now).unwrap();
    for line in [
        "VER 1 MSNP8 CVR0\r\n",
        "CVR 2 1 1 1 x y\r\n",
        "USR 3 TWN S a=b\r\n",
    ] {
        ns.handle_input(now, line.as_bytes());
        drain(&mut ns);
    }
    ns.submit_ticket(now, Secret::new("t=1&p=2".into())).unwrap();
    ns.handle_input(now, b"USR 4 OK example@passport.com Me 1 0\r\n");
    drain(&mut ns);
    assert_eq!(ns.state(), SessionState::LoggedIn);
    ns
}

/// Logged in with one contact, `bob@example.com`, synchronised at version 5.
fn synced(config: NsConfig, now: Instant) -> NotificationClient {
    let mut ns = logged_in(config, now);
    ns.sync_lists(now).unwrap();
    drain(&mut ns);
    ns.handle_input(
        now,
        b"SYN 5 5 1 0\r\nGTC A\r\nBLP AL\r\nLST bob@example.com Bob 11\r\n",
    );
    let (_, events) = drain(&mut ns);
    assert!(matches!(
        events.as_slice(),
        [NsEvent::ListSynced { contacts: 1, .. }]
    ));
    ns
}

fn closed_by(events: &[NsEvent]) -> Option<&CloseReason> {
    events.iter().find_map(|e| match e {
        NsEvent::Closed { reason } => Some(reason),
        _ => None,
    })
}

fn repeated(count: usize, line: impl Fn(usize) -> String) -> Vec<u8> {
    (0..count).flat_map(|i| line(i).into_bytes()).collect()
}

/// Item 1: every `CHL` is answered, but a server that asks faster than it acknowledges
/// meets `max_open_challenges`, not a million pending requests.
#[test]
fn a_challenge_flood_closes_at_the_open_challenge_bound() {
    let now = Instant::now();
    let config = NsConfig::default();
    let (max_pending, max_open) = (config.max_pending, config.max_open_challenges);
    let mut ns = logged_in(config, now);
    ns.handle_input(
        now,
        &repeated(20_000, |_| "CHL 0 15570131571988941333\r\n".into()),
    );
    let (sent, events) = drain(&mut ns);
    let answers = sent.windows(4).filter(|w| w == b"QRY ").count();
    assert_eq!(answers, max_open);
    assert_eq!(
        closed_by(&events),
        Some(&CloseReason::LimitReached {
            limit: Limit::OpenChallenges,
            max: max_open,
        })
    );
    assert!(ns.pending_requests() <= max_pending + max_open);
    assert_eq!(ns.buffered_input(), 0, "a closed machine keeps no input");
}

/// Item 1, one challenge per read, each acknowledged: the table never grows.
#[test]
fn acknowledged_challenges_leave_nothing_pending() {
    let now = Instant::now();
    let mut ns = logged_in(NsConfig::default(), now);
    for trid in 5..5_005 {
        ns.handle_input(now, b"CHL 0 15570131571988941333\r\n");
        let (sent, _) = drain(&mut ns);
        assert!(sent.starts_with(format!("QRY {trid} ").as_bytes()));
        assert_eq!(ns.pending_requests(), 1);
        ns.handle_input(now, format!("QRY {trid}\r\n").as_bytes());
        drain(&mut ns);
        assert_eq!(ns.pending_requests(), 0);
    }
    assert_eq!(ns.state(), SessionState::LoggedIn);
}

/// Item 1: the caller's requests filling `max_pending` do not stop the answer, and the
/// answer counts against the caller's bound.
#[test]
fn a_challenge_is_answered_when_the_callers_requests_fill_the_table() {
    let now = Instant::now();
    let mut config = NsConfig::default();
    config.max_pending = 3;
    let mut ns = logged_in(config, now);
    for _ in 0..3 {
        ns.request_switchboard(now).unwrap();
    }
    assert!(ns.request_switchboard(now).is_err());
    drain(&mut ns);
    ns.handle_input(now, b"CHL 0 15570131571988941333\r\n");
    let (sent, _) = drain(&mut ns);
    assert_eq!(
        sent,
        b"QRY 8 msmsgs@msnmsgr.com 32\r\n8f2f5a91b72102cd28355e9fc9000d6e"
    );
    assert_eq!(ns.pending_requests(), 4);
    // Two switchboards answered: one slot left, since the QRY holds one.
    ns.handle_input(
        now,
        b"XFR 5 SB 10.0.0.1:1863 CKI 1.2\r\nXFR 6 SB 10.0.0.1:1863 CKI 1.3\r\n",
    );
    drain(&mut ns);
    assert!(ns.request_switchboard(now).is_ok());
    assert!(ns.request_switchboard(now).is_err());
}

/// Item 1: deadlines expire in order, one close for the earliest.
#[test]
fn the_earliest_deadline_expires_first() {
    let start = Instant::now();
    let mut ns = logged_in(NsConfig::default(), start);
    let first = ns.request_switchboard(start).unwrap();
    let later = start + Duration::from_secs(10);
    ns.request_switchboard(later).unwrap();
    drain(&mut ns);
    assert_eq!(ns.next_timeout(), Some(start + Duration::from_secs(60)));
    ns.handle_timeout(start + Duration::from_secs(60));
    let (_, events) = drain(&mut ns);
    assert!(matches!(
        closed_by(&events),
        Some(CloseReason::CommandTimedOut { trid, .. }) if *trid == first
    ));
}

/// Item 2: `ADD 0 RL` from the server counts against `max_contacts` like `SYN`.
#[test]
fn server_additions_stop_at_max_contacts() {
    let now = Instant::now();
    let mut config = NsConfig::default();
    config.max_contacts = 1_000;
    let mut ns = logged_in(config, now);
    ns.handle_input(
        now,
        &repeated(5_000, |i| format!("ADD 0 RL {i} u{i}@x.com N\r\n")),
    );
    let (_, events) = drain(&mut ns);
    assert_eq!(ns.contact_list().len(), 1_000);
    assert_eq!(events.len(), 1_001);
    assert_eq!(
        closed_by(&events),
        Some(&CloseReason::LimitReached {
            limit: Limit::Contacts,
            max: 1_000,
        })
    );
}

/// Item 2: long names within `max_contacts` meet `max_contact_list_bytes`, in a
/// download and from `ADD` alike.
#[test]
fn long_names_stop_at_the_byte_bound() {
    let now = Instant::now();
    let max = 1024 * 1024;
    let mut config = NsConfig::default();
    config.max_contact_list_bytes = max;
    let name = "n".repeat(8_000);
    let mut ns = logged_in(config.clone(), now);
    ns.sync_lists(now).unwrap();
    drain(&mut ns);
    ns.handle_input(now, b"SYN 5 5 65536 0\r\nGTC A\r\nBLP AL\r\n");
    ns.handle_input(now, &repeated(300, |i| format!("LST u{i}@x.com {name} 11\r\n")));
    let (_, events) = drain(&mut ns);
    assert_eq!(
        closed_by(&events),
        Some(&CloseReason::LimitReached {
            limit: Limit::ContactListBytes,
            max,
        })
    );

    let mut ns = logged_in(config, now);
    ns.handle_input(
        now,
        &repeated(300, |i| format!("ADD 0 RL {i} u{i}@x.com {name}\r\n")),
    );
    let (_, events) = drain(&mut ns);
    assert!(matches!(
        closed_by(&events),
        Some(CloseReason::LimitReached {
            limit: Limit::ContactListBytes,
            ..
        })
    ));
    // Checked after each line: over by at most one line's contact.
    let retained = ns.contact_list().retained_bytes();
    assert!(retained <= max + 9_000, "{retained} bytes kept");
    assert!(ns.contact_list().len() < 140);
}

/// Item 2: groups of one contact are bounded too.
#[test]
fn groups_of_one_contact_are_bounded() {
    let now = Instant::now();
    let mut ns = synced(NsConfig::default(), now);
    ns.handle_input(
        now,
        &repeated(1_000, |i| format!("ADD 0 FL {i} bob@example.com Bob {i}\r\n")),
    );
    let (_, events) = drain(&mut ns);
    assert_eq!(
        closed_by(&events),
        Some(&CloseReason::LimitReached {
            limit: Limit::GroupsPerContact,
            max: MAX_GROUPS_PER_CONTACT,
        })
    );
    let bob = Passport::try_from("bob@example.com").unwrap();
    let groups = ns.contact_list().contact(&bob).unwrap().groups().len();
    assert_eq!(groups, MAX_GROUPS_PER_CONTACT);
}

/// Item 3: properties are the known set, one value each, whatever names the server
/// makes up; each line is still reported.
#[test]
fn made_up_properties_are_reported_not_kept() {
    let now = Instant::now();
    let mut ns = synced(NsConfig::default(), now);
    // Stamp-less lines right after the download belong to it (the trailing `BPR`s).
    let mut input = repeated(5_000, |i| format!("BPR P{i} v\r\nPRP P{i} v\r\n"));
    input.extend(b"BPR PHM 2\r\nPRP MOB 3\r\n");
    input.extend(repeated(5_000, |i| format!("BPR {i} bob@example.com P{i} v\r\n")));
    input.extend(b"BPR 1 bob@example.com PHH 1\r\nBPR 2 bob@example.com PHW 4\r\n");
    ns.handle_input(now, &input);
    let (_, events) = drain(&mut ns);
    assert_eq!(events.len(), 15_004);
    assert!(events.iter().all(|e| matches!(e, NsEvent::ListChanged { .. })));
    let bob = Passport::try_from("bob@example.com").unwrap();
    let phones = ns.contact_list().contact(&bob).unwrap().phones();
    let names: Vec<Phone> = phones.iter().map(|(p, _)| *p).collect();
    assert_eq!(names, [Phone::Home, Phone::Work, Phone::Mobile]);
    let own: Vec<Phone> = ns.contact_list().phones().iter().map(|(p, _)| *p).collect();
    assert_eq!(own, [Phone::MobileAllowed]);
}

/// Item 7: the machine's `Debug` shows counts, never what the server sent; a profile
/// that fails to parse does not carry its `MSPAuth` out in an event.
#[test]
fn debug_and_unparsed_profiles_hold_no_secret() {
    let now = Instant::now();
    let mut ns = logged_in(NsConfig::default(), now);
    let profile = "MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsprofile; charset=UTF-8\r\n\
LoginTime: soon\r\nMSPAuth: 7pTwPAsDa8e3wEcuSRcbLE8Hv9eyKgTQx9Yhj2sJ0a$$\r\nsid: 507\r\n\r\n";
    let msg = format!("MSG Hotmail Hotmail {}\r\n{profile}", profile.len());
    ns.handle_input(now, msg.as_bytes());
    let (_, events) = drain(&mut ns);
    assert_eq!(
        events,
        [NsEvent::ServerMessage {
            content_type: Some("text/x-msmsgsprofile".into()),
            payload: Vec::new(),
        }]
    );
    let switchboard = ns.request_switchboard(now).unwrap();
    drain(&mut ns);
    let xfr = format!("XFR {switchboard} SB 10.0.0.1:1863 CKI 17262740.1050826919.32308\r\n");
    ns.handle_input(now, xfr.as_bytes());
    // Before and after parsing: the bytes are buffered, then gone.
    for _ in 0..2 {
        let debug = format!("{ns:?}");
        assert!(
            !debug.contains("7pTwPAsDa8e3") && !debug.contains("17262740"),
            "{debug}"
        );
        assert!(!debug.contains("55, 112, 84"), "bytes of MSPAuth in {debug}");
        drain(&mut ns);
    }
    assert_eq!(ns.buffered_input(), 0);
}

fn each_duration(change: impl Fn(&mut NsConfig, Duration)) -> NsConfig {
    let mut config = NsConfig::default();
    change(&mut config, Duration::MAX);
    config
}

/// Item 9: `Duration::MAX` in any `NsConfig` duration means "never", not a panic.
#[test]
fn duration_max_means_never() {
    let now = Instant::now();
    let far = now + Duration::from_secs(100 * 365 * 24 * 3600);

    let config = each_duration(|c, d| c.command_timeout = d);
    let mut ns = logged_in(config, now);
    ns.request_switchboard(now).unwrap();
    drain(&mut ns);
    assert_eq!(
        ns.next_timeout(),
        Some(now + Duration::from_secs(60)),
        "only the ping"
    );
    ns.handle_timeout(far);
    let (sent, _) = drain(&mut ns);
    assert_eq!(sent, b"PNG\r\n");
    assert_eq!(ns.state(), SessionState::LoggedIn);

    let config = each_duration(|c, d| c.keepalive_interval = d);
    let mut ns = logged_in(config, now);
    assert_eq!(ns.next_timeout(), None);
    ns.handle_timeout(far);
    assert_eq!(drain(&mut ns).0, b"");

    let config = each_duration(|c, d| c.keepalive_timeout = d);
    let mut ns = logged_in(config, now);
    let ping = now + Duration::from_secs(60);
    ns.handle_timeout(ping);
    assert_eq!(drain(&mut ns).0, b"PNG\r\n");
    assert_eq!(ns.next_timeout(), None, "QNG awaited forever");
    ns.handle_timeout(far);
    ns.handle_input(far, b"QNG 50\r\n");
    drain(&mut ns);
    assert_eq!(
        ns.next_timeout(),
        Some(far + Duration::from_secs(60)),
        "QNG re-arms"
    );
    assert_eq!(ns.state(), SessionState::LoggedIn);
}

/// Item 7 and the one-frame rule: a large read is parsed a frame per poll, so the
/// event queue stays at one frame's events while the input drains.
#[test]
fn a_large_read_queues_one_frame_of_events() {
    let now = Instant::now();
    let mut ns = synced(NsConfig::default(), now);
    ns.handle_input(
        now,
        &repeated(20_000, |_| "NLN AWY bob@example.com Bob 0\r\n".into()),
    );
    assert_eq!(ns.queued_events(), 0, "handle_input only buffers");
    let before = ns.buffered_input();
    assert!(matches!(
        ns.poll_output(),
        Output::Event(NsEvent::ContactPresence { .. })
    ));
    assert_eq!(ns.queued_events(), 0);
    assert_eq!(ns.buffered_input(), before - 31);
    let (_, events) = drain(&mut ns);
    assert_eq!(events.len(), 19_999);
}

/// Lines a hostile server would send, with `{i}` varying and `{n}` a long name.
const HOSTILE: &[&str] = &[
    "CHL 0 {i}\r\n",
    "QRY {i}\r\n",
    "ADD 0 RL {i} u{i}@x.com {n}\r\n",
    "ADD 0 FL {i} bob@example.com Bob {i}\r\n",
    "BPR {i} bob@example.com P{i} v\r\n",
    "BPR P{i} {n}\r\n",
    "PRP P{i} v\r\n",
    "SYN {i} 9 30 2\r\n",
    "LST u{i}@x.com {n} 11 0,{i}\r\n",
    "LSG {i} {n} 0\r\n",
    "NLN NLN u{i}@x.com {n} 0\r\n",
    "REA {i} 9 u{i}@x.com {n}\r\n",
    "XFR {i} SB 10.0.0.1:1863 CKI 1.2\r\n",
    "MSG Hotmail Hotmail 1000\r\n",
    "{i}\r\n",
];

#[derive(Clone, Debug)]
enum Op {
    Lines(usize, u8, u16),
    Garbage(Vec<u8>),
    Sync,
    Switchboard,
    Time(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        8 => (0..HOSTILE.len(), 1u8..40, any::<u16>()).prop_map(|(l, n, i)| Op::Lines(l, n, i)),
        1 => proptest::collection::vec(any::<u8>(), 0..64).prop_map(Op::Garbage),
        1 => Just(Op::Sync),
        1 => Just(Op::Switchboard),
        1 => any::<u8>().prop_map(Op::Time),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64),
        ..ProptestConfig::default()
    })]

    /// No input makes the machine keep more than its configuration allows.
    #[test]
    fn retained_memory_stays_within_the_configured_bounds(ops in proptest::collection::vec(op(), 0..40)) {
        let mut now = Instant::now();
        let limits = Limits { max_line_len: 600, max_payload_len: 600, max_buffered: 1_202, max_skip_len: 4_800 };
        let mut config = NsConfig::default();
        config.max_pending = 4;
        config.max_open_challenges = 2;
        config.max_contacts = 20;
        config.max_contact_list_bytes = 16 * 1024;
        config.max_groups = 8;
        config.limits = limits;
        let bound = config.clone();
        let mut ns = synced(config, now);
        let mut largest_read = 0;
        for op in ops {
            match op {
                Op::Lines(line, count, seed) => {
                    let long = "n".repeat(500);
                    let input = repeated(usize::from(count), |k| {
                        let i = (usize::from(seed) + k).to_string();
                        HOSTILE[line].replace("{i}", &i).replace("{n}", &long)
                    });
                    largest_read = largest_read.max(input.len());
                    ns.handle_input(now, &input);
                }
                Op::Garbage(bytes) => ns.handle_input(now, &bytes),
                Op::Sync => { let _ = ns.sync_lists(now); }
                Op::Switchboard => { let _ = ns.request_switchboard(now); }
                Op::Time(s) => {
                    now += Duration::from_secs(u64::from(s));
                    ns.handle_timeout(now);
                }
            }
            prop_assert!(ns.buffered_input() <= 1_202 + largest_read.max(64));
            drain(&mut ns);
            prop_assert!(ns.pending_requests() <= bound.max_pending + bound.max_open_challenges);
            let list = ns.contact_list();
            prop_assert!(list.len() <= bound.max_contacts as usize);
            prop_assert!(list.group_count() <= bound.max_groups as usize);
            // Checked after each line: over by at most one line's contact.
            prop_assert!(list.retained_bytes() <= bound.max_contact_list_bytes + 1_024);
            for contact in list.contacts() {
                prop_assert!(contact.phones().len() <= Phone::ALL.len());
                prop_assert!(contact.groups().len() <= MAX_GROUPS_PER_CONTACT);
            }
            prop_assert!(list.phones().len() <= Phone::ALL.len());
        }
        // A hostile server's list saved and read back: the same list, and read within
        // the machine's bounds exactly when it fits them.
        #[cfg(feature = "serde")]
        {
            let list = ns.contact_list().clone();
            let json = serde_json::to_string(&list).unwrap();
            let back: msnp::ns::ContactList = serde_json::from_str(&json).unwrap();
            let account = Passport::try_from("example@passport.com").unwrap();
            let offline = NotificationClient::new(NsConfig::default(), account, now)
                .with_contact_list(list.clone())
                .into_contact_list();
            prop_assert_eq!(&back, &offline);
            let mut reader = serde_json::Deserializer::from_str(&json);
            let within = msnp::ns::ContactList::deserialize_within(&mut reader, &bound);
            prop_assert_eq!(within.is_ok(), list.fits(&bound));
        }
    }
}
