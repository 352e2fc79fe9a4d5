//! Contact-list chores without list letters (accept, block, unblock) and typed phone
//! properties, byte for byte.

use std::time::Instant;

use msnp::codec::{EncodedName, ListMask, Passport, TrId};
use msnp::ns::{ListChange, NotificationClient, NsConfig, NsError, NsEvent, Phone, SessionState};
use msnp::{Output, Secret};

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

fn feed(ns: &mut NotificationClient, now: Instant, line: &str) -> (String, Vec<NsEvent>) {
    ns.handle_input(now, line.as_bytes());
    drain(ns)
}

fn passport(s: &str) -> Passport<'static> {
    Passport::try_from(s.to_owned()).unwrap()
}

fn logged_in(config: NsConfig, now: Instant) -> NotificationClient {
    let mut ns = NotificationClient::new(config, passport("example@passport.com"), now);
    ns.handle_connected(now).unwrap();
    drain(&mut ns);
    for line in [
        "VER 1 MSNP8 CVR0\r\n",
        "CVR 2 1 1 1 x y\r\n",
        "USR 3 TWN S a=b\r\n",
    ] {
        feed(&mut ns, now, line);
    }
    ns.submit_ticket(now, Secret::new("t=1&p=2".into())).unwrap();
    drain(&mut ns);
    feed(&mut ns, now, "USR 4 OK example@passport.com Me 1 0\r\n");
    assert_eq!(ns.state(), SessionState::LoggedIn);
    ns
}

/// Synchronised at version 9 (TrID 5): bob only has the user on his list (RL), carol
/// is a contact (FL AL RL), dave is blocked (BL RL).
fn synced(config: NsConfig, now: Instant) -> NotificationClient {
    let mut ns = logged_in(config, now);
    assert_eq!(ns.sync_lists(now), Ok(TrId(5)));
    drain(&mut ns);
    let (_, events) = feed(
        &mut ns,
        now,
        "SYN 5 9 3 1\r\nGTC A\r\nBLP AL\r\nLSG 0 Other%20Contacts 0\r\n\
         LST bob@example.com Bob 8\r\nLST carol@example.com Carol 11 0\r\nLST dave@example.com Dave 12\r\n",
    );
    assert!(matches!(events[..], [NsEvent::ListSynced { contacts: 3, .. }]));
    ns
}

fn lists(ns: &NotificationClient, who: &str) -> ListMask {
    ns.contact_list().contact(&passport(who)).unwrap().lists()
}

#[test]
fn accepting_allows_and_adds_to_the_contact_list() {
    let now = Instant::now();
    let mut ns = synced(NsConfig::default(), now);
    let bob = passport("bob@example.com");
    assert_eq!(ns.accept_contact(now, &bob), Ok(vec![TrId(6), TrId(7)]));
    assert_eq!(
        drain(&mut ns).0,
        "ADD 6 AL bob@example.com bob@example.com\r\n\
         ADD 7 FL bob@example.com bob@example.com 0\r\n"
    );
    feed(&mut ns, now, "ADD 6 AL 10 bob@example.com bob@example.com\r\n");
    feed(&mut ns, now, "ADD 7 FL 11 bob@example.com bob@example.com 0\r\n");
    assert_eq!(lists(&ns, "bob@example.com"), ListMask(11));
    assert_eq!(ns.contact_list().version(), 11);
    // Done already: nothing left to send.
    assert_eq!(ns.accept_contact(now, &bob), Ok(vec![]));
    assert_eq!(drain(&mut ns).0, "");
}

#[test]
fn accepting_a_blocked_contact_unblocks_first() {
    let now = Instant::now();
    let mut ns = synced(NsConfig::default(), now);
    let dave = passport("dave@example.com");
    assert_eq!(ns.accept_contact(now, &dave), Ok(vec![TrId(6), TrId(7), TrId(8)]));
    assert_eq!(
        drain(&mut ns).0,
        "REM 6 BL dave@example.com\r\n\
         ADD 7 AL dave@example.com dave@example.com\r\n\
         ADD 8 FL dave@example.com dave@example.com 0\r\n"
    );
}

#[test]
fn block_and_unblock_move_between_allow_and_block_lists() {
    let now = Instant::now();
    let mut ns = synced(NsConfig::default(), now);
    let carol = passport("carol@example.com");
    assert_eq!(ns.block(now, &carol), Ok(vec![TrId(6), TrId(7)]));
    assert_eq!(
        drain(&mut ns).0,
        "REM 6 AL carol@example.com\r\nADD 7 BL carol@example.com carol@example.com\r\n"
    );
    feed(&mut ns, now, "REM 6 AL 10 carol@example.com\r\n");
    let (_, events) = feed(
        &mut ns,
        now,
        "ADD 7 BL 11 carol@example.com carol@example.com\r\n",
    );
    assert!(matches!(
        &events[..],
        [NsEvent::ListChanged {
            trid: TrId(7),
            version: 11,
            change: ListChange::Added { .. }
        }]
    ));
    assert_eq!(lists(&ns, "carol@example.com"), ListMask(13));

    assert_eq!(ns.unblock(now, &carol), Ok(vec![TrId(8), TrId(9)]));
    assert_eq!(
        drain(&mut ns).0,
        "REM 8 BL carol@example.com\r\nADD 9 AL carol@example.com carol@example.com\r\n"
    );
    feed(&mut ns, now, "REM 8 BL 12 carol@example.com\r\n");
    feed(
        &mut ns,
        now,
        "ADD 9 AL 13 carol@example.com carol@example.com\r\n",
    );
    assert_eq!(lists(&ns, "carol@example.com"), ListMask(11));
    // Someone not on any list yet: only the additions.
    assert_eq!(ns.block(now, &passport("eve@example.com")), Ok(vec![TrId(10)]));
    assert_eq!(drain(&mut ns).0, "ADD 10 BL eve@example.com eve@example.com\r\n");
}

#[test]
fn refused_when_not_signed_in_or_out_of_room_with_nothing_sent() {
    let now = Instant::now();
    let bob = passport("bob@example.com");
    let mut ns = NotificationClient::new(NsConfig::default(), bob.clone(), now);
    let not_in = Err(NsError::WrongState {
        call: "accept_contact",
        state: "disconnected",
    });
    assert_eq!(ns.accept_contact(now, &bob), not_in);
    assert!(matches!(
        ns.block(now, &bob),
        Err(NsError::WrongState { call: "block", .. })
    ));
    assert!(matches!(
        ns.unblock(now, &bob),
        Err(NsError::WrongState { call: "unblock", .. })
    ));
    assert_eq!(ns.poll_output(), Output::Idle { next_timeout: None });

    // Two steps, one free slot: neither goes.
    let mut config = NsConfig::default();
    config.max_pending = 2;
    let mut ns = synced(config, now);
    ns.set_phone(now, Phone::Home, Some("1")).unwrap();
    drain(&mut ns);
    assert_eq!(
        ns.accept_contact(now, &bob),
        Err(NsError::TooManyPending { max: 2 })
    );
    assert_eq!(ns.pending_requests(), 1);
    assert_eq!(drain(&mut ns).0, "");

    ns.logout(now).unwrap();
    drain(&mut ns);
    assert_eq!(ns.block(now, &bob), Err(NsError::Closed));
}

#[test]
fn phones_are_typed_on_both_sides() {
    let now = Instant::now();
    let mut ns = synced(NsConfig::default(), now);
    assert_eq!(ns.set_phone(now, Phone::Work, Some("555 (1234)")), Ok(TrId(6)));
    assert_eq!(ns.set_phone(now, Phone::MobileAllowed, Some("Y")), Ok(TrId(7)));
    assert_eq!(ns.set_phone(now, Phone::Home, None), Ok(TrId(8)));
    assert_eq!(
        drain(&mut ns).0,
        "PRP 6 PHW 555%20(1234)\r\nPRP 7 MOB Y\r\nPRP 8 PHH\r\n"
    );
    feed(&mut ns, now, "PRP 6 10 PHW 555%20(1234)\r\nPRP 7 11 MOB Y\r\n");
    let (_, events) = feed(&mut ns, now, "BPR 12 carol@example.com PHM 1%202\r\n");
    let encoded = |s: &str| Some(EncodedName::try_from(s.to_owned()).unwrap());
    assert_eq!(
        events,
        [NsEvent::ListChanged {
            trid: TrId::ASYNC,
            version: 12,
            change: ListChange::ContactPhone {
                account: passport("carol@example.com"),
                phone: Phone::Mobile,
                value: encoded("1%202"),
            },
        }]
    );
    let list = ns.contact_list();
    assert_eq!(list.phone(Phone::Work), encoded("555%20(1234)").as_ref());
    assert_eq!(list.phone(Phone::MobileAllowed).map(|v| v.as_str()), Some("Y"));
    let carol = list.contact(&passport("carol@example.com")).unwrap();
    assert_eq!(carol.phone(Phone::Mobile).unwrap().decode(), "1 2");
}
