//! A contact list that survives a restart (feature `serde`): it round-trips through
//! JSON, a machine started from it asks `SYN` for its version, and a saved file is
//! read with the same checks and bounds as a download.
#![cfg(feature = "serde")]

use std::time::Instant;

use msnp::codec::Guid;
use msnp::codec::{GroupId, ListMask, Passport, TrId};
use msnp::ns::{ContactList, NotificationClient, NsConfig, NsEvent, Phone, SessionState};
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

fn machine(config: NsConfig, now: Instant) -> NotificationClient {
    NotificationClient::new(config, passport("example@passport.com"), now)
}

fn log_in(mut ns: NotificationClient, now: Instant) -> NotificationClient {
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

/// A list as a download leaves it: settings, own phones, groups, a contact in more
/// groups than are kept inline, contacts' phones, and presence that is not saved.
fn downloaded(now: Instant) -> ContactList {
    let mut ns = log_in(machine(NsConfig::default(), now), now);
    assert_eq!(ns.sync_lists(now), Ok(TrId(5)));
    drain(&mut ns);
    let (_, events) = feed(
        &mut ns,
        now,
        "SYN 5 15 3 6\r\nGTC A\r\nBLP BL\r\nPRP PHH 123%20(4567)\r\nPRP MBE Y\r\n\
         LSG 0 Other%20Contacts 0\r\nLSG 1 Friends 0\r\nLSG 2 Work 0\r\nLSG 3 a 0\r\nLSG 4 b 0\r\nLSG 5 c 0\r\n\
         LST anotheruser@hotmail.com another%20user 11 0\r\nBPR PHM 1%20(222)\r\nBPR MOB Y\r\n\
         LST Carol@Passport.com Carol 13 5,4,3,2,1\r\nLST dave@example.com Dave 12\r\nBPR PHW 9\r\n",
    );
    // The trailing BPR after the last LST still belongs to the download.
    assert!(
        matches!(
            events[..],
            [
                NsEvent::ListSynced {
                    contacts: 3,
                    groups: 6,
                    ..
                },
                NsEvent::ListChanged { .. }
            ]
        ),
        "{events:?}"
    );
    feed(&mut ns, now, "ILN 7 NLN dave@example.com Dave 0\r\n");
    ns.contact_list().clone()
}

/// What a saved list is compared with: the same, everyone offline.
fn offline(list: &ContactList) -> ContactList {
    let mut ns = machine(NsConfig::default(), Instant::now()).with_contact_list(list.clone());
    drain(&mut ns);
    ns.into_contact_list()
}

#[test]
fn a_downloaded_list_round_trips_through_json() {
    let list = downloaded(Instant::now());
    let json = serde_json::to_string(&list).unwrap();
    let back: ContactList = serde_json::from_str(&json).unwrap();
    assert_eq!(back, offline(&list));
    assert_eq!(back.retained_bytes(), list.retained_bytes());
    assert_eq!(back.phone(Phone::Home).unwrap().decode(), "123 (4567)");
    let carol = back.contact(&passport("carol@passport.com")).unwrap();
    let ids: Vec<u32> = carol.groups().iter().map(|g| g.0).collect();
    assert_eq!(ids, [5, 4, 3, 2, 1]);
    // And again: what was read writes the same text.
    assert_eq!(serde_json::to_string(&back).unwrap(), json);
}

#[test]
fn the_saved_form_is_plain_json() {
    let json = r#"{"version":7,"add_prompt":"N","privacy":"AL","phones":{"PHW":"1%202"},"groups":[{"id":0,"name":"Other%20Contacts"}],"contacts":[{"account":"bob@example.com","name":"Bob","lists":3,"groups":[0],"phones":{"PHM":"555"}}]}"#;
    let list: ContactList = serde_json::from_str(json).unwrap();
    assert_eq!(list.version(), 7);
    let bob = list.contact(&passport("BOB@example.com")).unwrap();
    assert_eq!(bob.lists(), ListMask(3));
    assert_eq!(bob.groups(), [GroupId(0)]);
    assert_eq!(bob.phone(Phone::Mobile).unwrap().as_str(), "555");
    assert_eq!(serde_json::to_string(&list).unwrap(), json);
    // Formats that write a struct as a sequence of its fields read the same way.
    let seq = r#"[7,"N","AL",{"PHW":"1%202"},[{"id":0,"name":"Other%20Contacts"}],[["bob@example.com","Bob",3,[0],{"PHM":"555"}]]]"#;
    assert_eq!(serde_json::from_str::<ContactList>(seq).unwrap(), list);
    let short = serde_json::from_str::<ContactList>("[7,null,null,{}]").unwrap_err();
    assert!(
        short
            .to_string()
            .starts_with("invalid length 4, expected 6 fields"),
        "{short}"
    );
    // Optional parts may be left out, unknown fields are passed over.
    let list: ContactList = serde_json::from_str(r#"{"version":2,"future":[1,2]}"#).unwrap();
    assert_eq!((list.version(), list.len()), (2, 0));
}

#[test]
fn a_machine_started_from_a_saved_list_syncs_its_version_and_keeps_it() {
    let now = Instant::now();
    let json = serde_json::to_string(&downloaded(now)).unwrap();
    let saved: ContactList = serde_json::from_str(&json).unwrap();
    let ns = machine(NsConfig::default(), now).with_contact_list(saved.clone());
    let mut ns = log_in(ns, now);
    assert_eq!(ns.sync_lists(now), Ok(TrId(5)));
    assert_eq!(drain(&mut ns).0, "SYN 5 15\r\n");
    let (_, events) = feed(&mut ns, now, "SYN 5 15\r\n");
    assert_eq!(
        events,
        [NsEvent::ListSynced {
            version: 15,
            contacts: 3,
            groups: 6,
            from_cache: true,
        }]
    );
    assert_eq!(ns.contact_list(), &saved);
}

#[test]
fn a_saved_list_beyond_the_machines_bounds_is_downloaded_anew() {
    let now = Instant::now();
    let saved = downloaded(now);
    let mut config = NsConfig::default();
    config.max_contacts = 2;
    assert!(!saved.fits(&config));
    let mut ns = log_in(machine(config, now).with_contact_list(saved), now);
    ns.sync_lists(now).unwrap();
    assert_eq!(drain(&mut ns).0, "SYN 5 0\r\n");
    assert!(ns.contact_list().is_empty());
}

/// A saved file is untrusted: each of these is refused, with a message that names the
/// fault by position, never by content.
#[test]
fn hostile_files_are_refused() {
    let contact = |fields: &str| format!(r#"{{"contacts":[{fields}]}}"#);
    let bob = r#"{"account":"bob@example.com","name":"Bob","lists":1}"#;
    let groups = |n: u32| (0..n).map(|i| i.to_string()).collect::<Vec<_>>().join(",");
    let long_name = "n".repeat(8 * 1024 + 1);
    let cases = [
        (
            contact(r#"{"account":"bob @example.com","name":"Bob","lists":1}"#),
            "contact 0: the account is invalid",
        ),
        (
            contact(&format!(
                r#"{{"account":"{}@x","name":"B","lists":1}}"#,
                "a".repeat(130)
            )),
            "contact 0: the account is invalid",
        ),
        (
            contact(r#"{"account":"bob@example.com","name":"B\r\nOUT","lists":1}"#),
            "contact 0: the name is invalid",
        ),
        (
            contact(&format!(
                r#"{{"account":"bob@example.com","name":"{long_name}","lists":1}}"#
            )),
            "contact 0: the name is longer than 8192 bytes",
        ),
        (
            contact(r#"{"account":"bob@example.com","name":"","lists":1}"#),
            "contact 0: the name is invalid",
        ),
        (
            contact(r#"{"account":"bob@example.com","name":"Bob","lists":32}"#),
            "contact 0: list mask 32",
        ),
        (
            contact(&format!(
                r#"{bob},{{"account":"BOB@example.com","name":"B","lists":2}}"#
            )),
            "contact 1: the account is listed twice",
        ),
        (
            contact(&format!(
                r#"{{"account":"bob@example.com","name":"Bob","lists":1,"groups":[{}]}}"#,
                groups(65)
            )),
            "invalid length 65, expected at most 64 group ids",
        ),
        (
            contact(r#"{"account":"bob@example.com","name":"Bob","lists":1,"groups":[1,2,1]}"#),
            "contact 0: group 1 is named twice",
        ),
        (
            contact(r#"{"account":"bob@example.com","name":"Bob","lists":1,"phones":{"PHH":"1 2"}}"#),
            "contact 0: a phone value is invalid",
        ),
        (
            r#"{"groups":[{"id":1,"name":"A"},{"id":1,"name":"B"}]}"#.to_owned(),
            "group 1: group 1 is named twice",
        ),
        (
            r#"{"add_prompt":"maybe"}"#.to_owned(),
            "add_prompt is none of A, N",
        ),
        (r#"{"privacy":"XL"}"#.to_owned(), "privacy is none of AL, BL"),
        (
            r#"{"version":1,"version":2}"#.to_owned(),
            "a field of the contact list appears twice",
        ),
        (r#"{"version":-1}"#.to_owned(), "invalid value"),
        (
            contact(r#"{"account":"bob@example.com","name":"Bob","lists":1,"guid":"1234"}"#),
            "contact 0: the GUID is invalid",
        ),
        (
            contact(&format!(
                r#"{{"account":"bob@example.com","name":"Bob","lists":1,"guid":"{G1}"}},{{"account":"carol@example.com","name":"C","lists":1,"guid":"{}"}}"#,
                G1.to_ascii_uppercase()
            )),
            "contact 1: the GUID is given twice",
        ),
        (
            format!(
                r#"{{"groups":[{{"id":0,"name":"A","guid":"{G1}"}},{{"id":1,"name":"B","guid":"{G1}"}}]}}"#
            ),
            "group 1: the GUID is given twice",
        ),
        (
            r#"{"own_name":"Me Myself"}"#.to_owned(),
            "the user's own settings: the own name is invalid",
        ),
        (
            r#"{"stamps":{"list":"2000 01","settings":"x"}}"#.to_owned(),
            "the user's own settings: the list timestamp is invalid",
        ),
    ];
    for (json, expected) in cases {
        let error = serde_json::from_str::<ContactList>(&json)
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with(expected),
            "{expected:?} for {json:.80}: {error}"
        );
        assert!(!error.contains("OUT"), "{error}");
    }
}

#[test]
fn counts_and_bytes_are_bounded_while_reading() {
    let contacts = |n: usize| {
        let all: Vec<String> = (0..n)
            .map(|i| {
                format!(
                    r#"{{"account":"u{i}@example.com","name":"{}","lists":1}}"#,
                    "n".repeat(100)
                )
            })
            .collect();
        format!(r#"{{"contacts":[{}]}}"#, all.join(","))
    };
    let read = |json: &str, config: &NsConfig| {
        let mut reader = serde_json::Deserializer::from_str(json);
        ContactList::deserialize_within(&mut reader, config).map_err(|e| e.to_string())
    };
    let mut config = NsConfig::default();
    config.max_contacts = 3;
    assert_eq!(read(&contacts(3), &config).unwrap().len(), 3);
    assert!(
        read(&contacts(4), &config)
            .unwrap_err()
            .starts_with("more than 3 contacts")
    );

    let mut config = NsConfig::default();
    let one = read(&contacts(1), &config).unwrap().retained_bytes();
    config.max_contact_list_bytes = one * 2;
    assert!(read(&contacts(2), &config).is_ok());
    assert!(
        read(&contacts(3), &config)
            .unwrap_err()
            .starts_with(&format!("the list holds more than {} bytes", one * 2))
    );

    let mut config = NsConfig::default();
    config.max_groups = 1;
    let groups = r#"{"groups":[{"id":0,"name":"A"},{"id":1,"name":"B"}]}"#;
    assert!(
        read(groups, &config)
            .unwrap_err()
            .starts_with("more than 1 groups")
    );
    // The default bounds apply to a plain `Deserialize`.
    let many = contacts(65_537);
    assert!(
        serde_json::from_str::<ContactList>(&many)
            .unwrap_err()
            .to_string()
            .starts_with("more than 65536 contacts")
    );
}

const G1: &str = "f86b80de-3b34-4bd7-b5d6-79c1b13a9e4a";
const G2: &str = "00000000-0000-0000-0000-000000000002";

/// An MSNP10+ list: GUIDs for groups and forward-list contacts, the own name, the
/// `SYN` timestamps, and a contact on the pending list.
fn msnp10_json() -> String {
    format!(
        r#"{{"version":0,"add_prompt":"A","privacy":"AL","phones":{{}},"groups":[{{"id":0,"name":"Friends","guid":"{G1}"}},{{"id":1,"name":"Work","guid":"{G2}"}}],"contacts":[{{"account":"bob@example.com","name":"Bob","lists":11,"groups":[0,1],"phones":{{}},"guid":"ab690000-0000-4000-8000-000000000001"}},{{"account":"pat@example.com","name":"Pat","lists":16,"groups":[],"phones":{{}}}}],"own_name":"Me%20Myself","stamps":{{"list":"2000-01-01T00:00:00.0-00:00","settings":"2000-01-01T00:00:00.0-00:00"}}}}"#
    )
}

#[test]
fn an_msnp10_list_round_trips_with_its_guids() {
    let json = msnp10_json();
    let list: ContactList = serde_json::from_str(&json).unwrap();
    assert_eq!(serde_json::to_string(&list).unwrap(), json);
    assert_eq!(list.own_name().unwrap().decode(), "Me Myself");
    let stamps = list.stamps().unwrap();
    assert_eq!(stamps.list.as_str(), "2000-01-01T00:00:00.0-00:00");
    let g2 = Guid::try_from(G2).unwrap();
    assert_eq!(list.group_by_guid(&g2), Some(GroupId(1)));
    assert_eq!(list.group_guid(GroupId(0)).unwrap().as_str(), G1);
    let bob_guid = Guid::try_from("AB690000-0000-4000-8000-000000000001").unwrap();
    let bob = list.contact_by_guid(&bob_guid).unwrap();
    assert_eq!(bob.account().as_str(), "bob@example.com");
    assert_eq!(bob.groups(), [GroupId(0), GroupId(1)]);
    assert_eq!(
        list.contact(&passport("pat@example.com")).unwrap().lists(),
        ListMask(16)
    );
    // Read back, it weighs what the wire path would have counted.
    let again: ContactList = serde_json::from_str(&serde_json::to_string(&list).unwrap()).unwrap();
    assert_eq!(again.retained_bytes(), list.retained_bytes());
    // Sequence formats carry the two MSNP10 fields at the end.
    let seq = format!(
        r#"[0,"A","AL",{{}},[{{"id":0,"name":"Friends","guid":"{G1}"}},{{"id":1,"name":"Work","guid":"{G2}"}}],[["bob@example.com","Bob",11,[0,1],{{}},"ab690000-0000-4000-8000-000000000001"],["pat@example.com","Pat",16,[],{{}}]],"Me%20Myself",{{"list":"2000-01-01T00:00:00.0-00:00","settings":"2000-01-01T00:00:00.0-00:00"}}]"#
    );
    assert_eq!(serde_json::from_str::<ContactList>(&seq).unwrap(), list);
}

#[test]
fn an_msnp8_saved_list_has_no_msnp10_fields_and_still_reads() {
    let list = downloaded(Instant::now());
    let json = serde_json::to_string(&list).unwrap();
    assert!(!json.contains("guid") && !json.contains("own_name") && !json.contains("stamps"));
    let back: ContactList = serde_json::from_str(&json).unwrap();
    assert_eq!((back.own_name(), back.stamps()), (None, None));
    assert!(back.contacts().all(|c| c.guid().is_none()));
}
