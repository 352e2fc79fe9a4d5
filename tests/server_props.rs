//! Properties of the server under random input: no panic, bounded output queues,
//! chunking does not matter, and the directory's list invariants hold.

use std::time::Instant;

use std::collections::{BTreeMap, BTreeSet};

use msnp::codec::{Dialect, DialectSet, GroupId, Limits, List, Privacy, ServerCommand};
use msnp::fuzzing::server::server_session as fuzz_server;
use msnp::server::{ConnId, Directory, Listener, Server, ServerConfig, ServerOutput};
use proptest::prelude::*;

/// Lines a client might send, good and bad, to mix with raw bytes.
const LINES: &[&str] = &[
    "VER 1 MSNP8 CVR0\r\n",
    "VER 1 MSNP12 MSNP11 MSNP10 MSNP9 MSNP8 CVR0\r\n",
    "VER 1 MSNP10\r\n",
    "CVR 2 0x0409 win 4.10 i386 MSNMSGR 5.0.0544 MSMSGS alice@example.com\r\n",
    "USR 3 TWN I alice@example.com\r\n",
    "USR 4 TWN S t=x&p=y\r\n",
    "USR 1 alice@example.com 1.2.3\r\n",
    "SYN 5 0\r\n",
    "CHG 6 NLN 1\r\n",
    "CHG 6 NLN 1 %3Cmsnobj%2F%3E\r\n",
    "SYN 5 0 0\r\n",
    "ADC 11 FL N=alice@example.com F=Alice\r\n",
    "ADC 12 RL N=alice@example.com\r\n",
    "REM 13 FL 00000000-0000-0000-0000-000000000000\r\n",
    "ADG 14 Group\r\n",
    "UUX 15 5\r\n<a/>x",
    "MSG 16 D 3\r\nabc",
    "XFR 7 SB\r\n",
    "MSG 8 A 3\r\nabc",
    "MSG 9 A 99999\r\n",
    "QRY 10 msmsgs@msnmsgr.com 32\r\n00000000000000000000000000000000",
    "PNG\r\n",
    "OUT\r\n",
    "\r\n",
];

fn stream() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            prop::sample::select(LINES).prop_map(|l| l.as_bytes().to_vec()),
            prop::collection::vec(any::<u8>(), 0..40),
        ],
        0..24,
    )
    .prop_map(|parts| parts.concat())
}

fn listener() -> impl Strategy<Value = Listener> {
    prop::sample::select(vec![
        Listener::Dispatch,
        Listener::Notification,
        Listener::Switchboard,
    ])
}

/// The dialects a server speaks: any non-empty set.
fn dialects() -> impl Strategy<Value = DialectSet> {
    (1u8..32).prop_map(|mask| {
        Dialect::ALL
            .into_iter()
            .enumerate()
            .filter(|(bit, _)| mask & (1 << bit) != 0)
            .map(|(_, d)| d)
            .collect()
    })
}

/// Feeds `bytes` in `chunks` to a fresh connection; returns everything it output.
fn run(
    listener: Listener,
    dialects: DialectSet,
    bytes: &[u8],
    cuts: &[usize],
    max: usize,
) -> (Vec<u8>, Vec<String>) {
    let now = Instant::now();
    let mut config = ServerConfig::default();
    config.max_queued_output = max;
    config.dialects = dialects;
    let mut server = Server::new(config, now);
    server.add_account("alice@example.com", "pw", "Alice").unwrap();
    let conn = server.accept(now, listener);
    let mut sent = Vec::new();
    let mut events = Vec::new();
    let mut start = 0;
    let mut ends: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    ends.sort_unstable();
    ends.push(bytes.len());
    for end in ends {
        let _ = server.handle_input(conn, now, &bytes[start..end.max(start)]);
        start = end.max(start);
        assert!(server.queued_output(conn) <= max);
        drain(&mut server, conn, &mut sent, &mut events);
    }
    (sent, events)
}

/// Each contact of `a@x.com`'s SYN in `dialect`: name, list bits and group names.
fn syn_view(
    server: &mut Server,
    now: Instant,
    dialect: Dialect,
) -> BTreeMap<String, (String, u8, BTreeSet<String>)> {
    let conn = server.accept(now, Listener::Notification);
    let ticket = server.verifier_mut().issue_ticket("a@x.com").unwrap();
    let syn = if dialect >= Dialect::Msnp10 {
        "SYN 4 0 0"
    } else {
        "SYN 4 0"
    };
    let login = format!(
        "VER 1 {dialect}\r\nUSR 2 TWN I a@x.com\r\nUSR 3 TWN S {}\r\n{syn}\r\n",
        ticket.expose()
    );
    server.handle_input(conn, now, login.as_bytes()).unwrap();
    let mut bytes = Vec::new();
    loop {
        match server.poll_output() {
            ServerOutput::Transmit { conn: c, bytes: b } if c == conn => bytes.extend_from_slice(&b),
            ServerOutput::Idle { .. } => break,
            _ => {}
        }
    }
    let mut input = &bytes[..];
    let mut groups = BTreeMap::new();
    let mut view = BTreeMap::new();
    while !input.is_empty() {
        let (command, used) = ServerCommand::decode_in(input, dialect, &Limits::default()).unwrap();
        match command {
            // MSNP10 has no "Other Contacts": group 0 is no group.
            ServerCommand::Lsg { group, name } if group.0 != 0 => {
                groups.insert(group.0.to_string(), name.decode().into_owned());
            }
            ServerCommand::LsgGuid { name, group } => {
                groups.insert(group.as_str().to_owned(), name.decode().into_owned());
            }
            ServerCommand::Lst {
                account,
                name,
                lists,
                groups: in_groups,
            } => {
                let names = in_groups
                    .iter()
                    .flat_map(|g| g.iter())
                    .filter_map(|g| groups.get(&g.0.to_string()).cloned())
                    .collect();
                view.insert(
                    account.as_str().to_owned(),
                    (name.decode().into_owned(), lists.0, names),
                );
            }
            ServerCommand::LstGuid {
                account,
                name,
                lists,
                groups: in_groups,
                ..
            } => {
                let names = in_groups
                    .iter()
                    .flat_map(|g| g.iter())
                    .filter_map(|g| groups.get(g.as_str()).cloned())
                    .collect();
                view.insert(
                    account.as_str().to_owned(),
                    (
                        name.map(|n| n.decode().into_owned()).unwrap_or_default(),
                        lists.0,
                        names,
                    ),
                );
            }
            _ => {}
        }
        input = &input[used..];
    }
    view
}

fn drain(server: &mut Server, conn: ConnId, sent: &mut Vec<u8>, events: &mut Vec<String>) {
    loop {
        match server.poll_output() {
            ServerOutput::Transmit { conn: c, bytes } => {
                assert_eq!(c, conn);
                sent.extend_from_slice(&bytes);
            }
            ServerOutput::Close { .. } => events.push("close".into()),
            ServerOutput::Event(e) => events.push(format!("{e:?}")),
            ServerOutput::Idle { .. } => return,
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn random_client_streams_never_panic_and_chunking_does_not_matter(
        listener in listener(),
        dialects in dialects(),
        bytes in stream(),
        cuts in prop::collection::vec(any::<usize>(), 0..8),
    ) {
        let whole = run(listener, dialects, &bytes, &[], 1 << 16);
        let split = run(listener, dialects, &bytes, &cuts, 1 << 16);
        prop_assert_eq!(whole, split);
    }

    #[test]
    fn output_never_grows_past_its_bound(
        listener in listener(),
        dialects in dialects(),
        bytes in stream(),
        max in 16usize..512,
    ) {
        run(listener, dialects, &bytes, &[1, 7, 30], max);
    }

    /// The same lists read the same through MSNP8's SYN and MSNP12's: each contact
    /// with its name, list bits and group names (MSNP8's group 0 being MSNP12's "no
    /// group").
    #[test]
    fn msnp8_and_msnp12_syn_show_the_same_lists(
        ops in prop::collection::vec((0u8..6, 0usize..3, 0u32..4), 0..32),
    ) {
        const OTHERS: [&str; 3] = ["b@x.com", "c@x.com", "d@x.com"];
        let now = Instant::now();
        let mut server = Server::new(ServerConfig::default(), now);
        server.add_account("a@x.com", "pw", "A").unwrap();
        for other in OTHERS {
            server.add_account(other, "pw", other).unwrap();
        }
        let dir = server.directory_mut();
        for (op, other, n) in ops {
            let other = OTHERS[other];
            let list = [List::Forward, List::Allow, List::Block][n as usize % 3];
            let _ = match op {
                0 | 1 => dir.add_to_list("a@x.com", list, other, None, (list == List::Forward).then_some(GroupId(n % 3))).map(|_| ()),
                2 => dir.remove_from_list("a@x.com", list, other, None).map(|_| ()),
                3 => dir.add_group("a@x.com", &msnp::codec::EncodedName::from_text(&format!("g{n}")).unwrap()).map(|_| ()),
                4 => dir.remove_group("a@x.com", GroupId(n)).map(|_| ()),
                _ => dir.add_to_list(other, List::Forward, "a@x.com", None, None).map(|_| ()),
            };
        }
        let eight = syn_view(&mut server, now, Dialect::Msnp8);
        let twelve = syn_view(&mut server, now, Dialect::Msnp12);
        prop_assert_eq!(eight.len(), server.directory().account("a@x.com").unwrap().contacts().count());
        prop_assert_eq!(eight, twelve);
    }

    #[test]
    fn whole_sessions_with_many_connections_never_panic(
        data in prop::collection::vec(any::<u8>(), 0..512),
    ) {
        fuzz_server(&data);
    }

    /// A small model of the lists: FL and RL mirror each other, AL and BL never share a
    /// contact, and the version moves exactly on successful edits.
    #[test]
    fn list_edits_keep_the_directory_consistent(
        ops in prop::collection::vec((0u8..8, 0usize..3, 0usize..3, 0u32..3), 0..64),
    ) {
        const ACCOUNTS: [&str; 3] = ["a@x.com", "b@x.com", "c@x.com"];
        let mut dir = Directory::default();
        for a in ACCOUNTS {
            dir.add_account(a, a).unwrap();
        }
        for (op, owner, other, n) in ops {
            let (owner, other) = (ACCOUNTS[owner], ACCOUNTS[other]);
            let before = dir.account(owner).unwrap().version();
            let list = [List::Forward, List::Allow, List::Block][n as usize % 3];
            let ok = match op {
                0 | 1 => dir.add_to_list(owner, list, other, None, (list == List::Forward).then_some(GroupId(n % 2))).is_ok(),
                2 | 3 => dir.remove_from_list(owner, list, other, None).is_ok(),
                4 => dir.add_group(owner, &msnp::codec::EncodedName::from_text("g").unwrap()).is_ok(),
                5 => dir.remove_group(owner, GroupId(n)).is_ok(),
                6 => dir.set_privacy(owner, if n % 2 == 0 { Privacy::AllowAll } else { Privacy::BlockAll }).is_ok(),
                _ => dir.remove_from_list(owner, List::Forward, other, Some(GroupId(n % 2))).is_ok(),
            };
            let after = dir.account(owner).unwrap().version();
            prop_assert_eq!(after, if ok { before + 1 } else { before });
            for x in ACCOUNTS {
                for y in ACCOUNTS {
                    let ax = dir.account(x).unwrap();
                    let ay = dir.account(y).unwrap();
                    prop_assert_eq!(ax.has_on(List::Forward, y), ay.has_on(List::Reverse, x));
                    prop_assert!(!(ax.has_on(List::Allow, y) && ax.has_on(List::Block, y)));
                    if let Some(c) = ax.contact(y) {
                        prop_assert!(c.lists().0 != 0, "empty entries are dropped");
                        prop_assert_eq!(c.groups().next().is_some(), c.lists().contains(List::Forward));
                    }
                }
            }
        }
    }
}
