//! Property tests of the notification machine: random sequences of API calls, server
//! lines (valid and garbage) and time steps, checked against a small model.

use std::time::{Duration, Instant};

use msnp::codec::{GroupId, List, Passport, Status, TrId};
use msnp::fuzzing::ns as fuzz;
use msnp::ns::{NotificationClient, NsConfig, NsEvent, SessionState};
use msnp::{Output, Secret};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    /// A line the server could send, with a TrID near the ones in use.
    Line(usize, u8),
    /// Arbitrary bytes.
    Garbage(Vec<u8>),
    Time(u8),
    Call(u8, u8),
    Closed,
}

const LINES: &[&str] = &[
    "VER {t} MSNP8 CVR0\r\n",
    "CVR {t} 1 1 1 x y\r\n",
    "USR {t} TWN S a=b\r\n",
    "USR {t} OK example@passport.com Me 1 0\r\n",
    "XFR {t} NS 10.0.0.1:1863 0 10.0.0.2:1863\r\n",
    "SYN {t} 5 2 1\r\n",
    "SYN {t} 0\r\n",
    "GTC A\r\n",
    "BLP AL\r\n",
    "LSG 0 Other 0\r\n",
    "LST b@b.c B 11 0\r\n",
    "LST c@c.c C 3\r\n",
    "BPR PHH 1\r\n",
    "CHG {t} NLN 0\r\n",
    "ILN {t} AWY b@b.c B 0\r\n",
    "NLN BSY b@b.c B 0\r\n",
    "FLN b@b.c\r\n",
    "ADD {t} FL 6 c@c.c c@c.c 0\r\n",
    "ADD 0 RL 7 d@d.c D\r\n",
    "REM {t} FL 8 c@c.c\r\n",
    "REM 0 RL 9 d@d.c\r\n",
    "ADG {t} 11 G 1 0\r\n",
    "CHL 0 123\r\n",
    "QRY {t}\r\n",
    "QNG\r\n",
    "XFR {t} SB 10.0.0.3:1863 CKI 1.2.3\r\n",
    "RNG 1 10.0.0.3:1863 CKI 1.2 e@e.c E\r\n",
    "MSG Hotmail Hotmail 5\r\nA: b\n",
    "{t}01 {t}\r\n",
    "215 {t}\r\n",
    "OUT OTH\r\n",
];

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0..LINES.len(), 0u8..12).prop_map(|(l, t)| Op::Line(l, t)),
        1 => proptest::collection::vec(any::<u8>(), 0..40).prop_map(Op::Garbage),
        2 => any::<u8>().prop_map(Op::Time),
        4 => (any::<u8>(), any::<u8>()).prop_map(|(w, a)| Op::Call(w, a)),
        1 => Just(Op::Closed),
    ]
}

/// What the test knows independently of the machine.
#[derive(Default)]
struct Model {
    closed: bool,
    logged_in: bool,
    last_trid: u32,
}

fn call(ns: &mut NotificationClient, now: Instant, which: u8, arg: u8) -> Result<Option<TrId>, ()> {
    let bob = Passport::try_from(format!("b{}@b.c", arg % 3)).unwrap();
    let moved = |r: Result<Vec<TrId>, _>| r.map(|trids: Vec<TrId>| trids.last().copied()).map_err(drop);
    let r = match which % 13 {
        0 => return ns.handle_connected(now).map(|_| None).map_err(drop),
        1 => ns.submit_ticket(now, Secret::new("t=1&p=2".into())),
        2 => ns.sync_lists(now),
        3 => ns.add_contact(now, List::Forward, &bob, Some(GroupId(0))),
        4 => ns.remove_contact(now, List::Forward, &bob, None),
        5 => ns.set_status(now, Status::ALL[usize::from(arg) % Status::ALL.len()]),
        6 => ns.request_switchboard(now),
        7 => ns.add_group(now, "g h"),
        8 => return ns.logout(now).map(|_| None).map_err(drop),
        9 => return moved(ns.accept_contact(now, &bob)),
        10 => return moved(ns.block(now, &bob)),
        11 => return moved(ns.unblock(now, &bob)),
        _ => ns.set_friendly_name(now, "Me"),
    };
    r.map(Some).map_err(drop)
}

proptest! {
    // 128 cases by default keeps CI fast; PROPTEST_CASES overrides for long runs.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(128),
        ..ProptestConfig::default()
    })]

    #[test]
    fn sessions_follow_the_model(prelogin in any::<bool>(), ops in proptest::collection::vec(op(), 0..60)) {
        let start = Instant::now();
        let mut now = start;
        let account = Passport::try_from("example@passport.com").unwrap();
        let config = NsConfig::default();
        // The machine's own QRY answers may go past the caller's bound, within their own.
        let max_pending = config.max_pending + config.max_open_challenges;
        let mut ns = NotificationClient::new(config, account, now);
        let mut model = Model::default();
        if prelogin {
            // Most interesting states need a login first; random ops rarely make one.
            ns.handle_connected(now).unwrap();
            for line in ["VER 1 MSNP8 CVR0\r\n", "CVR 2 1 1 1 x y\r\n", "USR 3 TWN S a=b\r\n"] {
                ns.handle_input(now, line.as_bytes());
                fuzz::drain(&mut ns, 100);
            }
            ns.submit_ticket(now, Secret::new("t=1&p=2".into())).unwrap();
            ns.handle_input(now, b"USR 4 OK example@passport.com Me 1 0\r\n");
            fuzz::drain(&mut ns, 100);
            prop_assert_eq!(ns.state(), SessionState::LoggedIn);
            model.logged_in = true;
            model.last_trid = 4;
        }
        for op in ops {
            match op {
                Op::Line(l, t) => ns.handle_input(now, LINES[l].replace("{t}", &t.to_string()).as_bytes()),
                Op::Garbage(bytes) => ns.handle_input(now, &bytes),
                Op::Time(s) => {
                    now += Duration::from_secs(u64::from(s));
                    ns.handle_timeout(now);
                }
                Op::Call(w, a) => {
                    let before = ns.state();
                    match call(&mut ns, now, w, a) {
                        Ok(Some(trid)) => {
                            prop_assert!(!model.closed, "a closed machine accepted a command");
                            // TrIDs increase within a connection, never 0.
                            prop_assert!(trid.0 > model.last_trid || trid.0 == 1, "{trid:?} after {}", model.last_trid);
                            prop_assert!(trid.0 != 0);
                            model.last_trid = trid.0;
                        }
                        Ok(None) => {
                            if w % 13 == 0 { model.last_trid = 1; }
                        }
                        Err(()) => prop_assert_eq!(ns.state(), before, "a refused call changed the state"),
                    }
                }
                Op::Closed => ns.handle_closed(now),
            }
            let events = fuzz::drain(&mut ns, 10_000);
            for event in &events {
                match event {
                    NsEvent::LoggedIn { .. } => {
                        prop_assert!(!model.logged_in, "logged in twice");
                        model.logged_in = true;
                    }
                    NsEvent::Closed { .. } => {
                        prop_assert!(!model.closed, "closed twice");
                        model.closed = true;
                    }
                    _ => {}
                }
            }
            // Events of one step stay few: one frame is parsed per poll.
            prop_assert!(events.len() <= 64, "{} events in one step", events.len());
            prop_assert_eq!(model.closed, ns.state() == SessionState::Closed);
            if model.logged_in && !model.closed {
                prop_assert_eq!(ns.state(), SessionState::LoggedIn);
            }
            prop_assert!(ns.pending_requests() <= max_pending);
            if model.closed {
                prop_assert_eq!(ns.pending_requests(), 0);
                let idle = matches!(ns.poll_output(), Output::Idle { next_timeout: None });
                prop_assert!(idle, "a closed machine still has work");
            }
            prop_assert_eq!(ns.contact_list().len(), ns.contact_list().contacts().count());
        }
        // Whatever state the list is in, it survives a restart unchanged.
        #[cfg(feature = "serde")]
        {
            let list = ns.contact_list().clone();
            let json = serde_json::to_string(&list).unwrap();
            let back: msnp::ns::ContactList = serde_json::from_str(&json).unwrap();
            let account = Passport::try_from("example@passport.com").unwrap();
            let offline = NotificationClient::new(NsConfig::default(), account, now)
                .with_contact_list(list)
                .into_contact_list();
            prop_assert_eq!(back, offline);
        }
    }

    #[test]
    fn arbitrary_fuzz_input_never_panics(data in proptest::collection::vec(any::<u8>(), 0..512)) {
        fuzz::ns_session(&data);
    }
}

/// Lines of the MSNP9–12 notification grammar (reference §2–§7), beside MSNP8's, for
/// sessions under a random dialect: a line of another dialect must be skipped or end
/// the session, never confuse it.
const DIALECT_LINES: &[&str] = &[
    "USR {t} OK example@passport.com 1 0\r\n",
    "SBS 0 null\r\n",
    "CHG {t} NLN 1342177280 %3Cmsnobj%2F%3E\r\n",
    "ILN {t} NLN b@b.c B 1342177280 %3Cmsnobj%20Creator%3D%22b%40b.c%22%20Size%3D%221%22%20Type%3D%223%22%20Location%3D%220%22%20Friendly%3D%22AAA%3D%22%20SHA1D%3D%22x%22%2F%3E\r\n",
    "NLN BSY b@b.c B 268435456 %3Cmsnobj%2F%3E\r\n",
    "UBX b@b.c 51\r\n<Data><PSM>hi &amp; bye</PSM><CurrentMedia/></Data>",
    "UUX {t} 0\r\n",
    "GCF {t} Shields.xml 8\r\n<x/>\n\n\n\n",
    "QNG 50\r\n",
    "QNG 0\r\n",
    "OUT RCT 5\r\n",
    "SYN {t} 2000-01-01T00:00:00.0-00:00 2000-01-01T00:00:00.0-00:00 1 1\r\n",
    "PRP MFN Me\r\n",
    "LSG G 8f3c4b2a-0000-4000-8000-000000000001\r\n",
    "LST N=b@b.c F=B C=8f3c4b2a-0000-4000-8000-000000000002 11 1 \r\n",
    "CHL 0 22210219642164014968\r\n",
    "MSG Hotmail Hotmail 88\r\nMIME-Version: 1.0\r\nContent-Type: text/x-msmsgsinitialmdatanotification\r\n\r\nMail-Data: x\r\n",
];

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(96),
        ..ProptestConfig::default()
    })]

    #[test]
    fn sessions_follow_the_model_in_every_dialect(
        dialect in 0..msnp::codec::Dialect::ALL.len(),
        ops in proptest::collection::vec(
            prop_oneof![
                3 => (0..DIALECT_LINES.len(), 0u8..12).prop_map(|(l, t)| (Some(l), Op::Line(l, t))),
                4 => op().prop_map(|op| (None, op)),
            ],
            0..60,
        ),
    ) {
        let dialect = msnp::codec::Dialect::ALL[dialect];
        let mut now = Instant::now();
        let account = Passport::try_from("example@passport.com").unwrap();
        let mut config = NsConfig::default();
        config.dialects = msnp::codec::DialectSet::ALL;
        let max_pending = config.max_pending + config.max_open_challenges;
        let mut ns = NotificationClient::new(config, account, now);
        ns.handle_connected(now).unwrap();
        let ok = if dialect >= msnp::codec::Dialect::Msnp10 {
            "USR 4 OK example@passport.com 1 0\r\n"
        } else {
            "USR 4 OK example@passport.com Me 1 0\r\n"
        };
        let ver = format!("VER 1 {dialect}\r\n");
        for line in [ver.as_str(), "CVR 2 1 1 1 x y\r\n", "USR 3 TWN S a=b\r\n"] {
            ns.handle_input(now, line.as_bytes());
            fuzz::drain(&mut ns, 100);
        }
        ns.submit_ticket(now, Secret::new("t=1&p=2".into())).unwrap();
        ns.handle_input(now, ok.as_bytes());
        fuzz::drain(&mut ns, 100);
        prop_assert_eq!(ns.state(), SessionState::LoggedIn);
        prop_assert_eq!(ns.dialect(), Some(dialect));
        let mut model = Model { logged_in: true, last_trid: 4, ..Model::default() };
        for (dialect_line, op) in ops {
            match (dialect_line, op) {
                (Some(l), Op::Line(_, t)) => {
                    ns.handle_input(now, DIALECT_LINES[l].replace("{t}", &t.to_string()).as_bytes());
                }
                (_, Op::Line(l, t)) => ns.handle_input(now, LINES[l].replace("{t}", &t.to_string()).as_bytes()),
                (_, Op::Garbage(bytes)) => ns.handle_input(now, &bytes),
                (_, Op::Time(s)) => {
                    now += Duration::from_secs(u64::from(s));
                    ns.handle_timeout(now);
                }
                (_, Op::Call(w, a)) => {
                    let before = ns.state();
                    match call(&mut ns, now, w, a) {
                        Ok(Some(trid)) => {
                            prop_assert!(!model.closed, "a closed machine accepted a command");
                            prop_assert!(trid.0 > model.last_trid || trid.0 == 1, "{trid:?} after {}", model.last_trid);
                            model.last_trid = trid.0;
                        }
                        Ok(None) => {
                            if w % 13 == 0 { model.last_trid = 1; }
                        }
                        Err(()) => prop_assert_eq!(ns.state(), before, "a refused call changed the state"),
                    }
                }
                (_, Op::Closed) => ns.handle_closed(now),
            }
            let events = fuzz::drain(&mut ns, 10_000);
            for event in &events {
                match event {
                    NsEvent::LoggedIn { dialect: got, .. } => {
                        prop_assert!(!model.logged_in, "logged in twice");
                        prop_assert_eq!(*got, dialect);
                        model.logged_in = true;
                    }
                    NsEvent::Closed { .. } => {
                        prop_assert!(!model.closed, "closed twice");
                        model.closed = true;
                    }
                    _ => {}
                }
            }
            prop_assert!(events.len() <= 64, "{} events in one step", events.len());
            prop_assert_eq!(model.closed, ns.state() == SessionState::Closed);
            if !model.closed && ns.state() == SessionState::LoggedIn {
                // A session keeps the dialect its VER chose.
                prop_assert_eq!(ns.dialect(), Some(dialect));
            }
            prop_assert!(ns.pending_requests() <= max_pending);
            if model.closed {
                prop_assert_eq!(ns.pending_requests(), 0);
                let idle = matches!(ns.poll_output(), Output::Idle { next_timeout: None });
                prop_assert!(idle, "a closed machine still has work");
            }
        }
    }
}
