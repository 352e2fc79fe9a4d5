//! One contact model for every dialect: the same contacts synced as MSNP8 lines and as
//! MSNP10, MSNP11 or MSNP12 lines give the same [`View`] of the [`ContactList`], and
//! the edits of MSNP10+ keep it as MSNP8's do.
//!
//! The view is what a bot reads through the public API whatever the dialect: per
//! contact (ordered by lower-cased account) its account, name, lists, the NAMES of its
//! groups (ids differ between dialects: MSNP8's are the server's, MSNP10+'s the
//! list's own) and phones; the group names of the list; the privacy settings and the
//! user's own phones.

use std::collections::BTreeSet;
use std::time::Instant;

use msnp::codec::{GroupId, List, ListMask, Passport, TrId};
use msnp::ns::{
    ContactList, ListChange, NotificationClient, NsConfig, NsError, NsEvent, Phone, SessionState,
};
use msnp::{Output, Secret};
use proptest::prelude::*;

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

fn feed(ns: &mut NotificationClient, now: Instant, lines: &str) -> (String, Vec<NsEvent>) {
    ns.handle_input(now, lines.as_bytes());
    drain(ns)
}

fn passport(s: &str) -> Passport<'static> {
    Passport::try_from(s.to_owned()).unwrap()
}

/// A machine signed in under MSNP`dialect` (8, 10, 11 or 12), TrIDs 1–4 used.
fn logged_in(dialect: u8, now: Instant) -> NotificationClient {
    let mut config = NsConfig::default();
    let chosen = msnp::codec::Dialect::parse(&format!("MSNP{dialect}")).unwrap();
    config.dialects = msnp::codec::DialectSet::only(chosen);
    let mut ns = NotificationClient::new(config, passport("example@passport.com"), now);
    ns.handle_connected(now).unwrap();
    drain(&mut ns);
    for line in [
        format!("VER 1 MSNP{dialect}\r\n"),
        "CVR 2 1 1 1 x y\r\n".to_owned(),
        "USR 3 TWN S a=b\r\n".to_owned(),
    ] {
        feed(&mut ns, now, &line);
    }
    ns.submit_ticket(now, Secret::new("t=1&p=2".into())).unwrap();
    drain(&mut ns);
    let ok = if dialect >= 10 {
        "USR 4 OK example@passport.com 1 0\r\n"
    } else {
        "USR 4 OK example@passport.com Me 1 0\r\n"
    };
    feed(&mut ns, now, ok);
    assert_eq!(ns.state(), SessionState::LoggedIn, "MSNP{dialect}");
    ns
}

/// One contact of a generated list.
#[derive(Clone, Debug)]
struct Person {
    account: String,
    name: String,
    lists: u8,
    /// Indexes into the generated groups (kept only for forward-list contacts).
    groups: BTreeSet<usize>,
    phones: Vec<(&'static str, String)>,
}

#[derive(Clone, Debug)]
struct Generated {
    groups: Vec<String>,
    people: Vec<Person>,
    privacy: &'static str,
    prompt: &'static str,
    own_phones: Vec<(&'static str, String)>,
}

const PHONES: [&str; 3] = ["PHH", "PHW", "PHM"];

fn phones() -> impl Strategy<Value = Vec<(&'static str, String)>> {
    proptest::sample::subsequence(PHONES.to_vec(), 0..=3).prop_flat_map(|codes| {
        let n = codes.len();
        proptest::collection::vec("[0-9]{1,4}(%20[0-9]{1,3})?", n)
            .prop_map(move |values| codes.iter().copied().zip(values).collect::<Vec<_>>())
    })
}

fn generated() -> impl Strategy<Value = Generated> {
    let groups = proptest::collection::btree_set("[A-Z][a-z]{0,5}(%20[a-z]{1,3})?", 0..5)
        .prop_map(|names| names.into_iter().collect::<Vec<_>>());
    (groups, 0usize..7).prop_flat_map(|(groups, people)| {
        let g = groups.len();
        let person = (
            "[a-z]{1,6}",
            "[A-Za-z]{1,6}(%20[A-Za-z]{1,4})?",
            // FL, AL, BL, RL: the lists both models share.
            1u8..16,
            proptest::collection::btree_set(0..g.max(1), 0..=g.min(3)),
            phones(),
        );
        let accounts = proptest::collection::vec(person, people);
        (
            Just(groups),
            accounts,
            prop_oneof![Just("AL"), Just("BL")],
            prop_oneof![Just("A"), Just("N")],
            phones(),
        )
            .prop_map(move |(groups, raw, privacy, prompt, own_phones)| {
                let mut seen = BTreeSet::new();
                let people = raw
                    .into_iter()
                    .enumerate()
                    .filter_map(|(i, (user, name, lists, in_groups, phones))| {
                        let account = format!("{user}{i}@Example.com");
                        seen.insert(account.to_ascii_lowercase()).then(|| Person {
                            account,
                            name,
                            lists,
                            groups: if lists & 1 == 1 && g > 0 {
                                in_groups
                            } else {
                                BTreeSet::new()
                            },
                            phones,
                        })
                    })
                    .collect();
                Generated {
                    groups,
                    people,
                    privacy,
                    prompt,
                    own_phones,
                }
            })
    })
}

fn group_guid(index: usize) -> String {
    format!("{index:08x}-0000-4000-8000-00000000abcd")
}

fn contact_guid(index: usize) -> String {
    format!("c0ffee{index:02x}-1111-4222-8333-444455556666")
}

/// The `SYN` reply and its lines for `g` in MSNP`dialect`, TrID 5.
fn syn_lines(g: &Generated, dialect: u8) -> String {
    let mut out = String::new();
    let (n, groups) = (g.people.len(), g.groups.len());
    if dialect >= 10 {
        out += &format!("SYN 5 2000-01-01T00:00:00.0-00:00 2000-01-01T00:00:00.0-00:00 {n} {groups}\r\n");
    } else {
        out += &format!("SYN 5 42 {n} {groups}\r\n");
    }
    out += &format!("GTC {}\r\nBLP {}\r\n", g.prompt, g.privacy);
    if dialect >= 10 {
        out += "PRP MFN Me\r\n";
    }
    for (code, value) in &g.own_phones {
        out += &format!("PRP {code} {value}\r\n");
    }
    for (i, name) in g.groups.iter().enumerate() {
        if dialect >= 10 {
            out += &format!("LSG {name} {}\r\n", group_guid(i));
        } else {
            out += &format!("LSG {i} {name} 0\r\n");
        }
    }
    for (i, p) in g.people.iter().enumerate() {
        if dialect >= 10 {
            let guid = if p.lists & 1 == 1 {
                format!(" C={}", contact_guid(i))
            } else {
                String::new()
            };
            let net = if dialect >= 12 { " 1" } else { "" };
            let groups: Vec<String> = p.groups.iter().map(|&j| group_guid(j)).collect();
            // Escargot leaves a space where the group field is empty.
            out += &format!(
                "LST N={} F={}{guid} {}{net} {}\r\n",
                p.account,
                p.name,
                p.lists,
                groups.join(",")
            );
        } else {
            let groups: Vec<String> = p.groups.iter().map(|j| j.to_string()).collect();
            let groups = if groups.is_empty() {
                String::new()
            } else {
                format!(" {}", groups.join(","))
            };
            out += &format!("LST {} {} {}{groups}\r\n", p.account, p.name, p.lists);
        }
        for (code, value) in &p.phones {
            out += &format!("BPR {code} {value}\r\n");
        }
    }
    out
}

/// One contact as a bot sees it.
type ContactView = (String, String, u8, Vec<String>, Vec<(Phone, String)>);

/// What a bot sees of a list, the same in every dialect.
#[derive(Debug, PartialEq, Eq)]
struct View {
    contacts: Vec<ContactView>,
    groups: BTreeSet<String>,
    privacy: Option<String>,
    prompt: Option<String>,
    phones: Vec<(Phone, String)>,
}

fn view(list: &ContactList) -> View {
    let phones = |p: &[(Phone, msnp::codec::FriendlyName<'static>)]| {
        p.iter()
            .map(|(phone, value)| (*phone, value.as_str().to_owned()))
            .collect::<Vec<_>>()
    };
    View {
        contacts: list
            .contacts()
            .map(|c| {
                let mut groups: Vec<String> = c
                    .groups()
                    .iter()
                    .map(|id| list.group(*id).unwrap().as_str().to_owned())
                    .collect();
                groups.sort();
                (
                    c.account().as_str().to_owned(),
                    c.name().as_str().to_owned(),
                    c.lists().0,
                    groups,
                    phones(c.phones()),
                )
            })
            .collect(),
        groups: list.groups().map(|(_, name)| name.as_str().to_owned()).collect(),
        privacy: list.privacy().map(|p| p.as_str().to_owned()),
        prompt: list.add_prompt().map(|p| p.as_str().to_owned()),
        phones: phones(list.phones()),
    }
}

fn synced(g: &Generated, dialect: u8, now: Instant) -> NotificationClient {
    let mut ns = logged_in(dialect, now);
    assert_eq!(ns.sync_lists(now), Ok(TrId(5)));
    let sent = drain(&mut ns).0;
    let expected = if dialect >= 10 {
        "SYN 5 0 0\r\n"
    } else {
        "SYN 5 0\r\n"
    };
    assert_eq!(sent, expected);
    let (_, events) = feed(&mut ns, now, &syn_lines(g, dialect));
    assert!(
        events
            .iter()
            .any(|e| matches!(e, NsEvent::ListSynced { contacts, .. } if *contacts == g.people.len())),
        "MSNP{dialect}: {events:?}"
    );
    assert_eq!(ns.state(), SessionState::LoggedIn, "MSNP{dialect}: {events:?}");
    ns
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(48),
        ..ProptestConfig::default()
    })]

    /// The same contacts, synced under MSNP8 and under MSNP10, MSNP11 and MSNP12, give
    /// the same view; under MSNP10+ every forward-list contact and every group also
    /// carries its GUID, and the own name comes from `PRP MFN`.
    #[test]
    fn every_dialect_gives_the_same_view(g in generated()) {
        let now = Instant::now();
        let msnp8 = synced(&g, 8, now);
        let expected = view(msnp8.contact_list());
        prop_assert_eq!(expected.contacts.len(), g.people.len());
        for dialect in [10u8, 11, 12] {
            let ns = synced(&g, dialect, now);
            let list = ns.contact_list();
            prop_assert_eq!(&view(list), &expected, "MSNP{}", dialect);
            for (i, p) in g.people.iter().enumerate() {
                let contact = list.contact(&passport(&p.account)).unwrap();
                let guid = contact.guid().map(|g| g.as_str().to_owned());
                prop_assert_eq!(guid, (p.lists & 1 == 1).then(|| contact_guid(i)));
            }
            for (i, name) in g.groups.iter().enumerate() {
                let guid = msnp::codec::Guid::try_from(group_guid(i)).unwrap();
                let id = list.group_by_guid(&guid).unwrap();
                prop_assert_eq!(list.group(id).unwrap().as_str(), name.as_str());
            }
            prop_assert_eq!(list.own_name().map(|n| n.as_str()), Some("Me"));
            prop_assert_eq!(ns.friendly_name().map(|n| n.as_str()), Some("Me"));
            // Only MSNP12's LST names the network (here MSN's, 1, for everyone).
            let network = (dialect >= 12).then_some(1);
            prop_assert!(list.contacts().all(|c| c.network() == network), "MSNP{}", dialect);
            // Saved and read back, the MSNP10+ list is the same, GUIDs and all.
            #[cfg(feature = "serde")]
            {
                let json = serde_json::to_string(list).unwrap();
                let back: ContactList = serde_json::from_str(&json).unwrap();
                prop_assert_eq!(&back, list);
            }
        }
    }
}

/// Groups a list knew keep their ids through a new MSNP10 `SYN`, whatever order the
/// server sends them in; a new group takes an id none of them had.
#[test]
fn group_ids_survive_a_new_sync() {
    let now = Instant::now();
    let g = Generated {
        groups: vec!["A".into(), "B".into()],
        people: vec![],
        privacy: "AL",
        prompt: "A",
        own_phones: vec![],
    };
    let first = synced(&g, 11, now).into_contact_list();
    let (a, b) = (GroupId(0), GroupId(1));
    assert_eq!(first.group(a).unwrap().as_str(), "A");
    let mut ns = logged_in(11, now).with_contact_list(first);
    ns.sync_lists(now).unwrap();
    assert_eq!(
        drain(&mut ns).0,
        "SYN 5 2000-01-01T00:00:00.0-00:00 2000-01-01T00:00:00.0-00:00\r\n"
    );
    let lines = format!(
        "SYN 5 2000-01-02T00:00:00.0-00:00 2000-01-01T00:00:00.0-00:00 0 3\r\nGTC A\r\nBLP AL\r\n\
         LSG New {}\r\nLSG B {}\r\nLSG A {}\r\n",
        group_guid(7),
        group_guid(1),
        group_guid(0)
    );
    let (_, events) = feed(&mut ns, now, &lines);
    assert!(
        matches!(
            events[..],
            [NsEvent::ListSynced {
                groups: 3,
                from_cache: false,
                ..
            }]
        ),
        "{events:?}"
    );
    let list = ns.contact_list();
    assert_eq!(list.group(a).unwrap().as_str(), "A");
    assert_eq!(list.group(b).unwrap().as_str(), "B");
    assert_eq!(list.group(GroupId(2)).unwrap().as_str(), "New");
}

/// A current cache: the 3-field reply keeps the saved list.
#[test]
fn the_three_field_reply_keeps_the_list() {
    let now = Instant::now();
    let g = Generated {
        groups: vec!["A".into()],
        people: vec![Person {
            account: "bob@example.com".into(),
            name: "Bob".into(),
            lists: 11,
            groups: [0].into(),
            phones: vec![],
        }],
        privacy: "BL",
        prompt: "N",
        own_phones: vec![],
    };
    let saved = synced(&g, 10, now).into_contact_list();
    let mut ns = logged_in(10, now).with_contact_list(saved.clone());
    ns.sync_lists(now).unwrap();
    drain(&mut ns);
    let (_, events) = feed(
        &mut ns,
        now,
        "SYN 5 2000-01-01T00:00:00.0-00:00 2000-01-01T00:00:00.0-00:00\r\n",
    );
    assert_eq!(
        events,
        [NsEvent::ListSynced {
            version: 0,
            contacts: 1,
            groups: 1,
            from_cache: true
        }]
    );
    assert_eq!(ns.contact_list(), &saved);
    // Other timestamps without a list cannot be honoured.
    let mut ns = logged_in(10, now).with_contact_list(saved);
    ns.sync_lists(now).unwrap();
    drain(&mut ns);
    let (_, events) = feed(
        &mut ns,
        now,
        "SYN 5 2001-01-01T00:00:00.0-00:00 2000-01-01T00:00:00.0-00:00\r\n",
    );
    assert!(matches!(events[..], [NsEvent::Closed { .. }]), "{events:?}");
}

/// An MSNP8 list kept for a session that speaks MSNP10 has no timestamps: `SYN 0 0`.
#[test]
fn an_msnp8_list_under_msnp10_asks_for_everything() {
    let now = Instant::now();
    let g = Generated {
        groups: vec![],
        people: vec![],
        privacy: "AL",
        prompt: "A",
        own_phones: vec![],
    };
    let msnp8 = synced(&g, 8, now).into_contact_list();
    assert_eq!(msnp8.version(), 42);
    let mut ns = logged_in(10, now).with_contact_list(msnp8);
    ns.sync_lists(now).unwrap();
    assert_eq!(drain(&mut ns).0, "SYN 5 0 0\r\n");
}

const BOB_GUID: &str = "c0ffee00-1111-4222-8333-444455556666";

/// Synced under MSNP`dialect`: group A (id 0), bob on FL AL RL in A, pat pending.
fn small(dialect: u8, now: Instant) -> NotificationClient {
    let mut ns = logged_in(dialect, now);
    ns.sync_lists(now).unwrap();
    drain(&mut ns);
    let net = if dialect >= 12 { " 1" } else { "" };
    let lines = format!(
        "SYN 5 2000-01-01T00:00:00.0-00:00 2000-01-01T00:00:00.0-00:00 2 1\r\nGTC A\r\nBLP AL\r\n\
         PRP MFN Me\r\nLSG A {}\r\nLST N=bob@example.com F=Bob C={BOB_GUID} 11{net} {}\r\n\
         LST N=pat@example.com F=Pat 16{net} \r\n",
        group_guid(0),
        group_guid(0)
    );
    let (_, events) = feed(&mut ns, now, &lines);
    assert!(
        matches!(events[..], [NsEvent::ListSynced { contacts: 2, .. }]),
        "{events:?}"
    );
    ns
}

/// MSNP12's network id is kept per contact, so a Yahoo! interop contact (32) is told
/// apart from a Passport one (1); a contact added during the session has none until
/// a `SYN` lists it, and a contact already known keeps its own through an edit.
#[test]
fn msnp12_keeps_each_contacts_network() {
    let now = Instant::now();
    let mut ns = logged_in(12, now);
    ns.sync_lists(now).unwrap();
    drain(&mut ns);
    let yuri_guid = "0000aaaa-1111-4222-8333-444455556666";
    let lines = format!(
        "SYN 5 2000-01-01T00:00:00.0-00:00 2000-01-01T00:00:00.0-00:00 3 1\r\nGTC A\r\nBLP AL\r\n\
         PRP MFN Me\r\nLSG A {group}\r\n\
         LST N=bob@example.com F=Bob C={BOB_GUID} 11 1 {group}\r\n\
         LST N=yuri@yahoo.com F=Yuri C={yuri_guid} 1 32 \r\n\
         LST N=pat@example.com F=Pat 8 1 \r\n",
        group = group_guid(0),
    );
    let (_, events) = feed(&mut ns, now, &lines);
    assert!(
        matches!(events[..], [NsEvent::ListSynced { contacts: 3, .. }]),
        "{events:?}"
    );
    let network =
        |ns: &NotificationClient, who: &str| ns.contact_list().contact(&passport(who)).unwrap().network();
    assert_eq!(
        network(&ns, "bob@example.com"),
        Some(msnp::ns::Contact::MSN_NETWORK)
    );
    assert_eq!(network(&ns, "yuri@yahoo.com"), Some(32));
    assert_eq!(network(&ns, "pat@example.com"), Some(1));
    let yuri = ns.contact_list().contact(&passport("yuri@yahoo.com")).unwrap();
    assert_eq!(
        (yuri.lists(), yuri.groups(), yuri.guid().unwrap().as_str()),
        (ListMask(1), &[][..], yuri_guid)
    );
    // An edit of a known contact keeps its network; ADC names none for a new one.
    let yuri = passport("yuri@yahoo.com");
    assert_eq!(ns.add_contact(now, List::Allow, &yuri, None), Ok(TrId(6)));
    assert_eq!(drain(&mut ns).0, "ADC 6 AL N=yuri@yahoo.com\r\n");
    feed(&mut ns, now, "ADC 6 AL N=yuri@yahoo.com\r\n");
    assert_eq!(network(&ns, "yuri@yahoo.com"), Some(32));
    assert_eq!(lists_of(&ns, "yuri@yahoo.com"), ListMask(3));
    let carol = passport("carol@example.com");
    assert_eq!(ns.add_contact(now, List::Forward, &carol, None), Ok(TrId(7)));
    drain(&mut ns);
    feed(
        &mut ns,
        now,
        "ADC 7 FL N=carol@example.com F=carol@example.com C=0000cccc-1111-4222-8333-444455556666\r\n",
    );
    assert_eq!(network(&ns, "carol@example.com"), None);
    // Saved with the list (feature `serde`), and read back.
    #[cfg(feature = "serde")]
    {
        let json = serde_json::to_string(ns.contact_list()).unwrap();
        assert!(json.contains(r#""account":"yuri@yahoo.com","name":"Yuri","lists":3,"groups":[],"phones":{},"guid":"0000aaaa-1111-4222-8333-444455556666","network":32}"#), "{json}");
        assert!(!json.contains(r#""account":"carol@example.com","name":"carol@example.com","lists":1,"groups":[],"phones":{},"guid":"0000cccc-1111-4222-8333-444455556666","network""#), "{json}");
        let back: ContactList = serde_json::from_str(&json).unwrap();
        assert_eq!(&back, ns.contact_list());
    }
    // Before MSNP12 no LST names a network.
    let ns = small(11, now);
    assert_eq!(network(&ns, "bob@example.com"), None);
    assert_eq!(network(&ns, "pat@example.com"), None);
    let ns = small(12, now);
    assert_eq!(network(&ns, "bob@example.com"), Some(1));
    assert_eq!(network(&ns, "pat@example.com"), Some(1));
}

fn lists_of(ns: &NotificationClient, who: &str) -> ListMask {
    ns.contact_list().contact(&passport(who)).unwrap().lists()
}

#[test]
fn edits_name_guids_from_the_model_and_unknown_ones_are_refused() {
    let now = Instant::now();
    let mut ns = small(11, now);
    let bob = passport("bob@example.com");
    let carol = passport("carol@example.com");
    // Unknown contact or group: refused before anything is sent.
    assert_eq!(
        ns.remove_contact(now, List::Forward, &carol, None),
        Err(NsError::UnknownContact)
    );
    assert_eq!(ns.rename_contact(now, &carol, "C"), Err(NsError::UnknownContact));
    assert_eq!(
        ns.remove_group(now, GroupId(9)),
        Err(NsError::UnknownGroup { group: GroupId(9) })
    );
    assert_eq!(
        ns.add_contact(now, List::Forward, &carol, Some(GroupId(9))),
        Err(NsError::UnknownGroup { group: GroupId(9) })
    );
    assert_eq!(
        ns.add_contact(now, List::Pending, &carol, None),
        Err(NsError::Forbidden("the pending list is kept by the server"))
    );
    assert_eq!(drain(&mut ns).0, "");
    // Removal from a group and from the forward list, by GUIDs.
    assert_eq!(
        ns.remove_contact(now, List::Forward, &bob, Some(GroupId(0))),
        Ok(TrId(6))
    );
    assert_eq!(
        drain(&mut ns).0,
        format!("REM 6 FL {BOB_GUID} {}\r\n", group_guid(0))
    );
    let (_, events) = feed(
        &mut ns,
        now,
        &format!("REM 6 FL {BOB_GUID} {}\r\n", group_guid(0)),
    );
    assert_eq!(
        events,
        [NsEvent::ListChanged {
            trid: TrId(6),
            version: 0,
            change: ListChange::Removed {
                list: List::Forward,
                account: bob.clone(),
                group: Some(GroupId(0)),
            },
        }]
    );
    assert!(ns.contact_list().contact(&bob).unwrap().groups().is_empty());
    // Back into the group: the contact already has a GUID, one request.
    assert_eq!(
        ns.add_contact(now, List::Forward, &bob, Some(GroupId(0))),
        Ok(TrId(7))
    );
    assert_eq!(
        drain(&mut ns).0,
        format!("ADC 7 FL C={BOB_GUID} {}\r\n", group_guid(0))
    );
    feed(
        &mut ns,
        now,
        &format!("ADC 7 FL C={BOB_GUID} {}\r\n", group_guid(0)),
    );
    assert_eq!(ns.contact_list().contact(&bob).unwrap().groups(), [GroupId(0)]);
    // A contact's stored name by SBP, the own name by PRP MFN.
    assert_eq!(ns.rename_contact(now, &bob, "Bobby T"), Ok(TrId(8)));
    assert_eq!(drain(&mut ns).0, format!("SBP 8 {BOB_GUID} MFN Bobby%20T\r\n"));
    let (_, events) = feed(&mut ns, now, &format!("SBP 8 {BOB_GUID} MFN Bobby%20T\r\n"));
    assert!(
        matches!(&events[..], [NsEvent::ListChanged { change: ListChange::Renamed { name, .. }, .. }] if name.as_str() == "Bobby%20T"),
        "{events:?}"
    );
    assert_eq!(ns.set_friendly_name(now, "Me Too"), Ok(TrId(9)));
    assert_eq!(drain(&mut ns).0, "PRP 9 MFN Me%20Too\r\n");
    feed(&mut ns, now, "PRP 9 MFN Me%20Too\r\n");
    assert_eq!(ns.friendly_name().unwrap().as_str(), "Me%20Too");
    assert_eq!(ns.contact_list().own_name().unwrap().as_str(), "Me%20Too");
    // Off the forward list: the GUID goes with it.
    assert_eq!(ns.remove_contact(now, List::Forward, &bob, None), Ok(TrId(10)));
    assert_eq!(drain(&mut ns).0, format!("REM 10 FL {BOB_GUID}\r\n"));
    feed(&mut ns, now, &format!("REM 10 FL {BOB_GUID}\r\n"));
    let bob_now = ns.contact_list().contact(&bob).unwrap();
    assert_eq!((bob_now.lists(), bob_now.guid()), (ListMask(10), None));
}

#[test]
fn a_new_contact_joins_its_group_once_it_has_a_guid() {
    let now = Instant::now();
    let mut ns = small(10, now);
    let carol = passport("carol@example.com");
    assert_eq!(
        ns.add_contact(now, List::Forward, &carol, Some(GroupId(0))),
        Ok(TrId(6))
    );
    assert_eq!(
        drain(&mut ns).0,
        "ADC 6 FL N=carol@example.com F=carol@example.com\r\n"
    );
    let carol_guid = "0000cccc-1111-4222-8333-444455556666";
    let (sent, events) = feed(
        &mut ns,
        now,
        &format!("ADC 6 FL N=carol@example.com F=carol@example.com C={carol_guid}\r\n"),
    );
    assert_eq!(sent, format!("ADC 7 FL C={carol_guid} {}\r\n", group_guid(0)));
    assert!(
        matches!(
            &events[..],
            [NsEvent::ListChanged {
                trid: TrId(6),
                change: ListChange::Added { group: None, .. },
                ..
            }]
        ),
        "{events:?}"
    );
    let (_, events) = feed(
        &mut ns,
        now,
        &format!("ADC 7 FL C={carol_guid} {}\r\n", group_guid(0)),
    );
    assert!(
        matches!(
            &events[..],
            [NsEvent::ListChanged {
                trid: TrId(7),
                change: ListChange::Added {
                    group: Some(GroupId(0)),
                    ..
                },
                ..
            }]
        ),
        "{events:?}"
    );
    let carol_now = ns.contact_list().contact(&carol).unwrap();
    assert_eq!(carol_now.guid().unwrap().as_str(), carol_guid);
    assert_eq!(carol_now.groups(), [GroupId(0)]);
    // 208, MSNP10's "no such user", reads as MSNP8's 205.
    let nobody = passport("nobody@example.com");
    assert_eq!(ns.add_contact(now, List::Forward, &nobody, None), Ok(TrId(8)));
    drain(&mut ns);
    let (_, events) = feed(&mut ns, now, "208 8\r\n");
    assert!(
        matches!(
            events[..],
            [NsEvent::CommandFailed {
                trid: TrId(8),
                code: msnp::codec::ErrorCode(205),
                ..
            }]
        ),
        "{events:?}"
    );
}

#[test]
fn accepting_a_pending_contact_leaves_the_pending_list() {
    let now = Instant::now();
    let mut ns = small(12, now);
    let pat = passport("pat@example.com");
    assert_eq!(ns.accept_contact(now, &pat), Ok(vec![TrId(6), TrId(7), TrId(8)]));
    assert_eq!(
        drain(&mut ns).0,
        "ADC 6 AL N=pat@example.com\r\nADC 7 FL N=pat@example.com F=pat@example.com\r\nREM 8 PL pat@example.com\r\n"
    );
    feed(&mut ns, now, "ADC 6 AL N=pat@example.com\r\n");
    let pat_guid = "0000aaaa-1111-4222-8333-444455556666";
    feed(
        &mut ns,
        now,
        &format!("ADC 7 FL N=pat@example.com F=pat@example.com C={pat_guid}\r\n"),
    );
    feed(&mut ns, now, "REM 8 PL pat@example.com\r\n");
    let pat_now = ns.contact_list().contact(&pat).unwrap();
    assert_eq!(pat_now.lists(), ListMask(3));
    // Someone adds the user and leaves again: the events of MSNP8's ADD/REM 0 RL.
    let (_, events) = feed(
        &mut ns,
        now,
        "ADC 0 RL N=zed@example.com F=Zed\r\nREM 0 RL zed@example.com\r\n",
    );
    assert_eq!(
        events,
        [
            NsEvent::AddedBy {
                account: passport("zed@example.com"),
                name: msnp::codec::EncodedName::try_from("Zed").unwrap().into_owned(),
                version: 0,
            },
            NsEvent::RemovedBy {
                account: passport("zed@example.com"),
                version: 0,
            },
        ]
    );
}

/// Escargot's reply shapes for groups (`ADG T name GUID 0`, `REG T 1 name GUID 0`,
/// `RMG T 1 GUID`) update the model as the official ones do.
#[test]
fn escargot_group_replies_update_the_model() {
    let now = Instant::now();
    let mut ns = small(11, now);
    assert_eq!(ns.add_group(now, "Probe Group"), Ok(TrId(6)));
    assert_eq!(drain(&mut ns).0, "ADG 6 Probe%20Group\r\n");
    let g = "0aa0aa0a-0000-4000-8000-000000000001";
    let (_, events) = feed(&mut ns, now, &format!("ADG 6 Probe%20Group {g} 0\r\n"));
    assert!(
        matches!(
            &events[..],
            [NsEvent::ListChanged {
                change: ListChange::GroupAdded {
                    group: GroupId(1),
                    ..
                },
                ..
            }]
        ),
        "{events:?}"
    );
    assert_eq!(ns.rename_group(now, GroupId(1), "Renamed"), Ok(TrId(7)));
    assert_eq!(drain(&mut ns).0, format!("REG 7 {g} Renamed\r\n"));
    feed(&mut ns, now, &format!("REG 7 1 Renamed {g} 0\r\n"));
    assert_eq!(ns.contact_list().group(GroupId(1)).unwrap().as_str(), "Renamed");
    assert_eq!(ns.remove_group(now, GroupId(1)), Ok(TrId(8)));
    assert_eq!(drain(&mut ns).0, format!("RMG 8 {g}\r\n"));
    let (_, events) = feed(&mut ns, now, &format!("RMG 8 1 {g}\r\n"));
    assert!(
        matches!(
            &events[..],
            [NsEvent::ListChanged {
                change: ListChange::GroupRemoved { group: GroupId(1) },
                ..
            }]
        ),
        "{events:?}"
    );
    assert_eq!(ns.contact_list().group_count(), 1);
}

#[test]
fn msnp8_has_no_pending_list() {
    let now = Instant::now();
    let mut ns = logged_in(8, now);
    let pat = passport("pat@example.com");
    let refused = ns.remove_contact(now, List::Pending, &pat, None).unwrap_err();
    assert_eq!(refused.to_string(), "`remove_contact` is not possible in MSNP8");
}

/// Lines an MSNP10+ server could send over and over, `{i}` a counter, `{n}` a long
/// name, `{g}`/`{c}` GUIDs made from the counter.
const HOSTILE: &[&str] = &[
    "ADC 0 RL N=u{i}@x.com F={n}\r\n",
    "ADC 0 AL N=u{i}@x.com\r\n",
    "ADC 0 FL N=u{i}@x.com F={n} C={c}\r\n",
    "REM 0 RL u{i}@x.com\r\n",
    "BPR u{i}@x.com PHH {n}\r\n",
    "BPR u{i}@x.com X{i} {n}\r\n",
    "NLN NLN u{i}@x.com {n} 1342177280 %3Cmsnobj%2F%3E\r\n",
    "208 {i}\r\n",
];

/// Replies by TrID: one that answers nothing ends the session, so they come seldom.
const REPLIES: &[&str] = &[
    "SYN {i} 2000-01-01T00:00:00.0-00:00 2000-01-01T00:00:00.0-00:00 5 2\r\n",
    "ADG {i} {n} {g} 0\r\n",
    "REG {i} 1 {n} {g} 0\r\n",
    "RMG {i} 1 {g}\r\n",
    "SBP {i} {c} MFN {n}\r\n",
    "ADC {i} FL N=u{i}@x.com F={n} C={c}\r\n",
];

#[derive(Clone, Debug)]
enum Hostile {
    Lines(usize, u8, u16),
    Reply(usize, u16),
    /// `sync_lists`, answered with a download of this many groups and contacts.
    Download(u8, u8, u16),
    Garbage(Vec<u8>),
    Sync,
    Edit(u8, u16),
}

fn hostile_op() -> impl Strategy<Value = Hostile> {
    prop_oneof![
        8 => (0..HOSTILE.len(), 1u8..30, any::<u16>()).prop_map(|(l, n, i)| Hostile::Lines(l, n, i)),
        1 => (0..REPLIES.len(), any::<u16>()).prop_map(|(l, i)| Hostile::Reply(l, i % 16)),
        2 => (0u8..12, 0u8..40, any::<u16>()).prop_map(|(g, c, i)| Hostile::Download(g, c, i)),
        1 => proptest::collection::vec(any::<u8>(), 0..64).prop_map(Hostile::Garbage),
        1 => Just(Hostile::Sync),
        2 => (any::<u8>(), any::<u16>()).prop_map(|(w, i)| Hostile::Edit(w, i)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(48),
        ..ProptestConfig::default()
    })]

    /// No MSNP10+ input makes the machine keep more than its configuration allows, and
    /// the GUID indexes stay in step with the list they index.
    #[test]
    fn msnp10_lines_stay_within_the_configured_bounds(
        dialect in 10u8..=12,
        ops in proptest::collection::vec(hostile_op(), 0..30),
    ) {
        let now = Instant::now();
        let mut ns = small(dialect, now);
        let mut config = NsConfig::default();
        config.max_contacts = 20;
        config.max_contact_list_bytes = 16 * 1024;
        config.max_groups = 8;
        config.dialects = msnp::codec::DialectSet::ALL;
        let bound = config.clone();
        // The small list, kept, under the tight bounds.
        let list = ns.contact_list().clone();
        ns = NotificationClient::new(config, passport("example@passport.com"), now).with_contact_list(list);
        ns.handle_connected(now).unwrap();
        drain(&mut ns);
        let offered = format!("VER 1 MSNP{dialect}\r\nCVR 2 1 1 1 x y\r\nUSR 3 TWN S a=b\r\n");
        feed(&mut ns, now, &offered);
        ns.submit_ticket(now, Secret::new("t=1&p=2".into())).unwrap();
        drain(&mut ns);
        feed(&mut ns, now, "USR 4 OK example@passport.com 1 0\r\n");
        prop_assert_eq!(ns.state(), SessionState::LoggedIn);
        let long = "n".repeat(500);
        for op in ops {
            match op {
                Hostile::Lines(line, count, seed) => {
                    let mut input = String::new();
                    for k in 0..usize::from(count) {
                        let i = usize::from(seed) + k;
                        input += &HOSTILE[line]
                            .replace("{i}", &i.to_string())
                            .replace("{n}", &long)
                            .replace("{g}", &group_guid(i % 11))
                            .replace("{c}", &contact_guid(i % 250));
                    }
                    ns.handle_input(now, input.as_bytes());
                }
                Hostile::Reply(line, i) => {
                    let i = usize::from(i);
                    let input = REPLIES[line]
                        .replace("{i}", &i.to_string())
                        .replace("{n}", &long)
                        .replace("{g}", &group_guid(i % 11))
                        .replace("{c}", &contact_guid(i % 250));
                    ns.handle_input(now, input.as_bytes());
                }
                Hostile::Download(groups, contacts, seed) => {
                    let Ok(trid) = ns.sync_lists(now) else { continue };
                    drain(&mut ns);
                    let stamp = "2000-01-01T00:00:00.0-00:00";
                    let net = if dialect >= 12 { " 1" } else { "" };
                    let mut input = format!("SYN {} {stamp} {stamp} {contacts} {groups}\r\nGTC A\r\nBLP AL\r\nPRP MFN {long}\r\n", trid.0);
                    for k in 0..usize::from(groups) {
                        input += &format!("LSG G{k}%20{long} {}\r\n", group_guid((usize::from(seed) + k) % 11));
                    }
                    for k in 0..usize::from(contacts) {
                        let i = usize::from(seed) + k;
                        input += &format!(
                            "LST N=u{i}@x.com F={long} C={} 11{net} {},{}\r\nBPR PHH {long}\r\n",
                            contact_guid(i % 250),
                            group_guid(i % 11),
                            group_guid((i + 1) % 11)
                        );
                    }
                    ns.handle_input(now, input.as_bytes());
                }
                Hostile::Garbage(bytes) => ns.handle_input(now, &bytes),
                Hostile::Sync => { let _ = ns.sync_lists(now); }
                Hostile::Edit(which, i) => {
                    let who = passport(&format!("u{}@x.com", i % 40));
                    let _ = match which % 6 {
                        0 => ns.add_contact(now, List::Forward, &who, Some(GroupId(u32::from(i % 3)))),
                        1 => ns.remove_contact(now, List::Forward, &who, None),
                        2 => ns.rename_contact(now, &who, "x y"),
                        3 => ns.add_group(now, "g"),
                        4 => ns.remove_group(now, GroupId(u32::from(i % 3))),
                        _ => ns.accept_contact(now, &who).map(|t| t.first().copied().unwrap_or(TrId(0))),
                    };
                }
            }
            drain(&mut ns);
            let list = ns.contact_list();
            prop_assert!(list.len() <= bound.max_contacts as usize);
            prop_assert!(list.group_count() <= bound.max_groups as usize);
            prop_assert!(list.retained_bytes() <= bound.max_contact_list_bytes + 1_024);
            for contact in list.contacts() {
                prop_assert!(contact.groups().len() <= msnp::ns::MAX_GROUPS_PER_CONTACT);
                // Every GUID leads back to its contact, every group id to a group.
                if let Some(guid) = contact.guid() {
                    prop_assert_eq!(list.contact_by_guid(guid).map(|c| c.account()), Some(contact.account()));
                }
            }
            for (id, _) in list.groups() {
                if let Some(guid) = list.group_guid(id) {
                    prop_assert_eq!(list.group_by_guid(guid), Some(id));
                }
            }
        }
        #[cfg(feature = "serde")]
        {
            let list = ns.contact_list().clone();
            let json = serde_json::to_string(&list).unwrap();
            let back: ContactList = serde_json::from_str(&json).unwrap();
            let offline = NotificationClient::new(NsConfig::default(), passport("example@passport.com"), now)
                .with_contact_list(list)
                .into_contact_list();
            prop_assert_eq!(back, offline);
        }
    }
}
