//! The crate's `Client` on its blocking driver (`msnp::blocking`), against the crate's
//! `LoopbackServer` over real loopback TCP: sign-in through the dispatch referral and
//! Passport over plain HTTP (the drivers' opt-in), cached lists, presence, list edits,
//! group conversations, delivery accounting, `OUT OTH`, `OUT SSD`, two clients under
//! load, files both ways, an MSNFTP listener stopped before its peer connects, and
//! MSNFTP listeners (both drivers') on the port the config fixes.
//!
//! Every wait is bounded (`Peer::expect` fails after `STEP`), so a regression fails
//! with a message instead of hanging CI.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use msnp::Secret;
use msnp::blocking::{Accepting, Connector, RecvTimeoutError, TcpConnector, connect, connect_with};
use msnp::client::{
    ClientEvent, CloseReason as SessionEnd, ConversationId, MessageHandle, PassportFailure, TransferFailure,
    TransferId,
};
use msnp::codec::{HostPort, List, Passport, Status};
use msnp::drivers::{DriverConfig, DriverError};
use msnp::ns::{CloseReason, ContactList};
use msnp::passport::{HttpRequest, HttpResponse};
use msnp::server::std_driver::LoopbackServer;
use support::bots::*;

mod support {
    pub mod bots;
}

/// [`config`] for a client that offers MSNP8 alone: list versions and the cache are MSNP8's.
fn msnp8(server: &LoopbackServer) -> DriverConfig {
    let mut config = config(server);
    config.client.notification.dialects = msnp::codec::DialectSet::only(msnp::codec::Dialect::Msnp8);
    config
}

fn offline(peer: &Peer, of: &str) {
    let of = passport(of);
    peer.expect(&format!("{of} going offline"), |e| match e {
        ClientEvent::ContactOffline { account } if account.same_account(&of) => Some(()),
        _ => None,
    })
}

/// Waits for the server to confirm a change of `list` for `of`: true for `ADD`, false for
/// `REM`.
fn list_change(peer: &Peer, list: List, of: &str) -> bool {
    peer.expect(&format!("a change of {list:?} for {of}"), |e| match e {
        ClientEvent::ContactAdded { list: l, account, .. } if *l == list && account.as_str() == of => {
            Some(true)
        }
        ClientEvent::ContactRemoved { list: l, account, .. } if *l == list && account.as_str() == of => {
            Some(false)
        }
        _ => None,
    })
}

/// Waits for the session's last event; nothing comes after it.
fn closed(peer: &Peer) -> CloseReason {
    let reason = peer.expect("the end of the session", |e| match e {
        ClientEvent::SessionEnded { reason } => reason.notification().cloned(),
        _ => None,
    });
    assert_eq!(
        peer.events.recv_timeout(STEP).err(),
        Some(RecvTimeoutError::Disconnected)
    );
    reason
}

fn text(peer: &Peer, expected: &str) -> (ConversationId, Passport<'static>) {
    peer.expect(&format!("the text {expected:?}"), |e| match e {
        ClientEvent::TextReceived {
            conversation,
            from,
            text,
            ..
        } if text == expected => Some((*conversation, from.clone())),
        _ => None,
    })
}

fn delivered(peer: &Peer, handle: MessageHandle) {
    let outcome = peer.expect("the message's end", |e| match e {
        ClientEvent::MessageDelivered { handle: h } if *h == handle => Some(Ok(())),
        ClientEvent::MessageNotDelivered { handle: h, reason } if *h == handle => Some(Err(reason.clone())),
        _ => None,
    });
    assert_eq!(outcome, Ok(()));
}

/// Both put each other on the forward list and see each other online.
fn befriend(a: &Peer, a_account: &str, b: &Peer, b_account: &str) {
    a.bot.add_contact(List::Forward, &passport(b_account)).unwrap();
    assert!(list_change(a, List::Forward, b_account));
    assert_eq!(presence(a, b_account), Status::Online);
    b.bot.add_contact(List::Forward, &passport(a_account)).unwrap();
    assert!(list_change(b, List::Forward, a_account));
    assert_eq!(presence(b, a_account), Status::Online);
}

#[test]
fn sign_in_follows_the_referral_and_gets_a_passport_ticket_over_http() {
    let server = start(&[ALICE]);
    // The configured server is the dispatch server, which only refers: a session that
    // signs in followed the referral to the notification server.
    let alice = peer(ALICE, config(&server));
    let (account, name) = alice.expect("sign-in", |e| match e {
        ClientEvent::LoggedIn { account, name, .. } => {
            Some((account.to_string(), name.decode().into_owned()))
        }
        _ => None,
    });
    // MSNP12 names only the account at login; the name comes with the list.
    assert_eq!(
        (account.as_str(), name.as_str()),
        ("alice@example.com", "alice@example.com")
    );
    let name = alice.expect("the name", |e| match e {
        ClientEvent::NameChanged { name } => Some(name.decode().into_owned()),
        _ => None,
    });
    assert_eq!(name, "Alice");
    let synced = alice.expect("the lists", |e| match e {
        ClientEvent::ListSynced {
            contacts,
            groups,
            from_cache,
        } => Some((*contacts, *groups, *from_cache)),
        _ => None,
    });
    // A new account's list is empty; MSNP12 sends it whole (no versions, no cache).
    assert_eq!(synced, (0, 0, false));
    let status = alice.expect("the first status", |e| match e {
        ClientEvent::StatusChanged { status } => Some(*status),
        _ => None,
    });
    assert_eq!(status, Status::Online);

    alice.bot.sign_out().unwrap();
    assert_eq!(closed(&alice), CloseReason::LoggedOut);
}

#[test]
fn a_kept_contact_list_is_synced_from_the_cache_until_it_changes() {
    let server = start(&[ALICE, BOB, CAROL]);
    let first = peer(ALICE, msnp8(&server));
    online(&first);
    first.bot.add_contact(List::Forward, &passport(BOB.0)).unwrap();
    assert!(list_change(&first, List::Forward, BOB.0));
    let kept: ContactList = first.bot.contact_list().unwrap();
    assert_eq!(kept.len(), 1);
    first.bot.sign_out().unwrap();
    closed(&first);

    let synced = |peer: &Peer| {
        peer.expect("the lists", |e| match e {
            ClientEvent::ListSynced {
                from_cache, contacts, ..
            } => Some((*from_cache, *contacts)),
            _ => None,
        })
    };
    let mut cached = msnp8(&server);
    cached.client.contact_list = Some(kept.clone());
    let second = peer(ALICE, cached);
    assert_eq!(synced(&second), (true, 1));
    online(&second);
    assert!(
        second
            .bot
            .contact_list()
            .unwrap()
            .contact(&passport(BOB.0))
            .is_some()
    );
    second.bot.add_contact(List::Forward, &passport(CAROL.0)).unwrap();
    assert!(list_change(&second, List::Forward, CAROL.0));
    second.bot.sign_out().unwrap();
    closed(&second);

    // The old copy is one version behind: the whole list comes again.
    let mut stale = msnp8(&server);
    stale.client.contact_list = Some(kept);
    let third = peer(ALICE, stale);
    assert_eq!(synced(&third), (false, 2));
}

#[test]
fn presence_and_list_edits_reach_the_other_side() {
    let server = start(&[ALICE, BOB]);
    let alice = sign_in(&server, ALICE);
    let bob = sign_in(&server, BOB);
    befriend(&alice, ALICE.0, &bob, BOB.0);

    bob.bot.set_status(Status::Busy).unwrap();
    assert_eq!(presence(&alice, BOB.0), Status::Busy);

    // Blocking hides alice from bob; unblocking shows her again.
    let pb = passport(BOB.0);
    alice.bot.add_contact(List::Block, &pb).unwrap();
    assert!(list_change(&alice, List::Block, BOB.0));
    offline(&bob, ALICE.0);
    alice.bot.remove_contact(List::Block, &pb).unwrap();
    assert!(!list_change(&alice, List::Block, BOB.0));
    assert_eq!(presence(&bob, ALICE.0), Status::Online);

    // Taking bob off the forward list is confirmed, and bob is told.
    alice.bot.remove_contact(List::Forward, &pb).unwrap();
    assert!(!list_change(&alice, List::Forward, BOB.0));
    let by = bob.expect("the reverse-list removal", |e| match e {
        ClientEvent::RemovedBy { account } => Some(account.to_string()),
        _ => None,
    });
    assert_eq!(by, ALICE.0);
    let lists = alice.bot.contact_list().unwrap().contact(&pb).map(|c| c.lists());
    assert!(lists.is_none_or(|l| !l.contains(List::Forward)), "{lists:?}");

    alice.bot.sign_out().unwrap();
    offline(&bob, ALICE.0);
}

#[test]
fn a_third_participant_is_invited_into_a_conversation() {
    let server = start(&[ALICE, BOB, CAROL]);
    let alice = sign_in(&server, ALICE);
    let bob = sign_in(&server, BOB);
    let carol = sign_in(&server, CAROL);

    let first = alice.bot.send_message(&passport(BOB.0), "just us").unwrap();
    let (at_bob, from) = text(&bob, "just us");
    assert_eq!(from.as_str(), ALICE.0);
    delivered(&alice, first);
    let conversation = alice.expect("bob joining", |e| match e {
        ClientEvent::Joined {
            conversation,
            account,
            ..
        } if account.as_str() == BOB.0 => Some(*conversation),
        _ => None,
    });

    alice.bot.invite(conversation, &passport(CAROL.0)).unwrap();
    let invited_by = carol.expect("the invitation", |e| match e {
        ClientEvent::ConversationStarted { invited_by, .. } => Some(invited_by.clone()),
        _ => None,
    });
    assert_eq!(invited_by.map(|p| p.to_string()).as_deref(), Some(ALICE.0));
    for (who, conv) in [(&alice, conversation), (&bob, at_bob)] {
        let joined = who.expect("carol joining", |e| match e {
            ClientEvent::Joined {
                conversation,
                account,
                ..
            } if account.as_str() == CAROL.0 => Some(*conversation),
            _ => None,
        });
        assert_eq!(joined, conv);
    }
    // Carol's roster names both.
    let mut roster = BTreeSet::new();
    while roster.len() < 2 {
        roster.insert(carol.expect("the roster", |e| match e {
            ClientEvent::Joined { account, .. } => Some(account.to_string()),
            _ => None,
        }));
    }
    assert_eq!(roster, BTreeSet::from([ALICE.0.to_owned(), BOB.0.to_owned()]));

    let to_both = alice
        .bot
        .send_to_conversation(conversation, "hello both")
        .unwrap();
    text(&bob, "hello both");
    let (at_carol, _) = text(&carol, "hello both");
    delivered(&alice, to_both);
    let from_carol = carol.bot.send_to_conversation(at_carol, "hi from carol").unwrap();
    assert_eq!(text(&alice, "hi from carol").0, conversation);
    assert_eq!(text(&bob, "hi from carol").0, at_bob);
    delivered(&carol, from_carol);

    carol.bot.leave(at_carol).unwrap();
    let left = alice.expect("carol leaving", |e| match e {
        ClientEvent::Left { account, idle, .. } => Some((account.to_string(), *idle)),
        _ => None,
    });
    assert_eq!(left, (CAROL.0.to_owned(), false));
}

#[test]
fn signing_in_again_elsewhere_ends_the_first_session() {
    let server = start(&[ALICE]);
    let first = sign_in(&server, ALICE);
    let second = sign_in(&server, ALICE);
    assert_eq!(closed(&first), CloseReason::SignedInElsewhere);
    // The second session goes on: the server still confirms its requests.
    second.bot.set_status(Status::Away).unwrap();
    let status = second.expect("the new status", |e| match e {
        ClientEvent::StatusChanged { status } => Some(*status),
        _ => None,
    });
    assert_eq!(status, Status::Away);
}

#[test]
fn server_shutdown_ends_every_session_and_conversation() {
    let server = start(&[ALICE, BOB]);
    let alice = sign_in(&server, ALICE);
    let bob = sign_in(&server, BOB);
    let handle = alice
        .bot
        .send_message(&passport(BOB.0), "before the end")
        .unwrap();
    text(&bob, "before the end");
    delivered(&alice, handle);

    server.stop().unwrap();
    for who in [&alice, &bob] {
        who.expect("the conversation's end", |e| {
            matches!(e, ClientEvent::ConversationEnded { .. }).then_some(())
        });
        assert_eq!(closed(who), CloseReason::ServerShutdown);
    }
}

#[test]
fn the_driver_reports_refused_credentials_and_connections_as_typed_errors() {
    let server = start(&[ALICE]);
    let refused = connect(
        config(&server),
        ALICE.0,
        Secret::new("not the password".to_owned()),
    )
    .unwrap_err();
    match &refused {
        DriverError::Ended { reason } => assert!(
            matches!(
                **reason,
                SessionEnd::Passport(PassportFailure::CredentialsRejected { .. })
            ),
            "{reason:?}"
        ),
        other => panic!("{other:?}"),
    }
    assert!(
        refused
            .to_string()
            .starts_with("Passport refused the credentials"),
        "{refused}"
    );

    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let mut nowhere = config(&server);
    nowhere.client.server = HostPort::parse(&free.to_string()).unwrap().into_owned();
    match connect(nowhere, ALICE.0, Secret::new(ALICE.1.to_owned())) {
        Err(DriverError::Connect { addr, source }) => {
            assert_eq!(addr, free.to_string());
            assert_eq!(source.kind(), std::io::ErrorKind::ConnectionRefused);
        }
        other => panic!("{other:?}"),
    }
}

/// Two clients send each other `COUNT` messages at once, each from its own thread: none
/// is lost, each side receives the other's in order, and every handle ends delivered,
/// in the order sent.
#[test]
fn a_thousand_messages_each_way_arrive_in_order_and_are_all_acknowledged() {
    const COUNT: usize = 1000;
    let server = start(&[ALICE, BOB]);
    // The default queue holds the burst: nothing is raised for it.
    let alice = peer(ALICE, config(&server));
    online(&alice);
    let bob = peer(BOB, config(&server));
    online(&bob);
    let opening = alice.bot.send_message(&passport(BOB.0), "opening").unwrap();
    let (at_bob, _) = text(&bob, "opening");
    delivered(&alice, opening);
    let at_alice = alice.expect("the conversation", |e| match e {
        ClientEvent::Joined { conversation, .. } => Some(*conversation),
        _ => None,
    });

    let started = Instant::now();
    let sides = [("alice", alice, at_alice), ("bob", bob, at_bob)].map(|(name, peer, conversation)| {
        std::thread::spawn(move || {
            let handles: Vec<MessageHandle> = (0..COUNT)
                .map(|n| {
                    peer.bot
                        .send_to_conversation(conversation, format!("{name} #{n}"))
                        .unwrap()
                })
                .collect();
            let (mut delivered, mut received) = (0, Vec::new());
            while delivered < COUNT || received.len() < COUNT {
                match peer.events.recv_timeout(Duration::from_secs(20)) {
                    Ok(ClientEvent::MessageDelivered { handle }) => {
                        assert_eq!(handle, handles[delivered], "{name}: out of order");
                        delivered += 1;
                    }
                    Ok(ClientEvent::TextReceived { text, .. }) => received.push(text),
                    Ok(
                        event @ (ClientEvent::MessageNotDelivered { .. } | ClientEvent::SessionEnded { .. }),
                    ) => {
                        panic!("{name}: {event:?}")
                    }
                    Ok(_) => {}
                    Err(error) => panic!(
                        "{name} stalled at {delivered} delivered, {} received: {error}",
                        received.len()
                    ),
                }
            }
            received
        })
    });
    let [alice_got, bob_got] = sides.map(|side| side.join().unwrap());
    let elapsed = started.elapsed();
    for (got, other) in [(alice_got, "bob"), (bob_got, "alice")] {
        let expected: Vec<String> = (0..COUNT).map(|n| format!("{other} #{n}")).collect();
        assert_eq!(got, expected, "{other}'s messages out of order");
    }
    eprintln!(
        "{} messages each way in {elapsed:?} ({:.0} msg/s both ways)",
        COUNT,
        (2 * COUNT) as f64 / elapsed.as_secs_f64()
    );
}

/// How a file sent from one bot to the other (over MSNFTP or P2P) ended, at the sender
/// and at the receiver, with the bytes the receiver got. Both bots' events are read in
/// turns, so neither falls behind (a bot that does pauses its sockets); `stop` runs
/// once the receiver holds its first bytes.
fn send_over(
    from: &Peer,
    to: (&Peer, &str),
    file: &[u8],
    msnftp: bool,
    mut stop: impl FnMut(),
) -> (Result<u64, String>, Result<u64, String>, Vec<u8>) {
    let (to, to_account) = to;
    let (account, size) = (passport(to_account), file.len() as u64);
    let id = if msnftp {
        from.bot.send_file_msnftp(&account, "file.bin", size)
    } else {
        from.bot.send_file(&account, "file.bin", size)
    }
    .unwrap();
    let offer = to.expect("the offer", |e| match e {
        ClientEvent::TransferOffered { id, .. } => Some(*id),
        _ => None,
    });
    to.bot.accept_transfer(offer).unwrap();
    let (mut written, mut accepted) = (0, false);
    let (mut sent, mut received, mut data) = (None, None, Vec::new());
    let deadline = Instant::now() + Duration::from_secs(60);
    while sent.is_none() || received.is_none() {
        assert!(Instant::now() < deadline, "the transfer did not end within 60 s");
        while let Ok(event) = from.events.recv_timeout(Duration::from_millis(1)) {
            match event {
                ClientEvent::TransferAccepted { id: got } if got == id => accepted = true,
                ClientEvent::TransferEnded { id: got, result } if got == id => {
                    sent = Some(result.map_err(|why| why.to_string()));
                }
                _ => {}
            }
        }
        // As much as the transfer takes: its buffer, the switchboard's window and the
        // server's backpressure bound what is in flight, whoever reads slowly.
        while accepted && sent.is_none() && written < file.len() {
            match from.bot.write_transfer(id, &file[written..]) {
                Ok(0) | Err(_) => break,
                Ok(taken) => written += taken,
            }
        }
        while let Ok(event) = to.events.recv_timeout(Duration::from_millis(1)) {
            match event {
                ClientEvent::TransferData { id, bytes } if id == offer => {
                    data.extend_from_slice(&bytes);
                    stop();
                }
                ClientEvent::TransferEnded { id, result } if id == offer => {
                    received = Some(result.map_err(|why| why.to_string()));
                }
                _ => {}
            }
        }
    }
    (sent.unwrap(), received.unwrap(), data)
}

/// Two friends signed in over MSNP12, each seeing the other online.
fn friends(server: &LoopbackServer) -> (Peer, Peer) {
    friends_with(server, config)
}

/// Two friends signed in with the settings `config` gives, each seeing the other online.
fn friends_with(server: &LoopbackServer, config: fn(&LoopbackServer) -> DriverConfig) -> (Peer, Peer) {
    let (alice, bob) = (peer(ALICE, config(server)), peer(BOB, config(server)));
    online(&alice);
    online(&bob);
    befriend(&alice, ALICE.0, &bob, BOB.0);
    (alice, bob)
}

/// The same files both ways between `alice` and `bob`, whole by their SHA-256.
fn files_both_ways(alice: &Peer, bob: &Peer, msnftp: bool) {
    for (seed, len) in [(1, 0), (2, 1), (3, 8 * 1024 * 1024)] {
        for (from, to, to_account) in [(alice, bob, BOB.0), (bob, alice, ALICE.0)] {
            let file = random_file(len, seed);
            let (sent, received, data) = send_over(from, (to, to_account), &file, msnftp, || {});
            assert_eq!(
                (sent, received),
                (Ok(len as u64), Ok(len as u64)),
                "{len} bytes to {to_account}"
            );
            assert_eq!(sha256(&data), sha256(&file), "{len} bytes to {to_account}");
        }
    }
}

#[test]
fn files_of_0_1_and_8_mib_cross_loopback_tcp_over_p2p_both_ways_whole() {
    let server = start(&[ALICE, BOB]);
    let (alice, bob) = friends(&server);
    files_both_ways(&alice, &bob, false);
}

#[test]
fn files_of_0_1_and_8_mib_cross_loopback_tcp_over_msnftp_between_msnp8_bots_both_ways_whole() {
    let server = start(&[ALICE, BOB]);
    let (alice, bob) = friends_with(&server, |server| {
        let mut config = msnp8(server);
        config.client.transfer.msnftp = true;
        config
    });
    files_both_ways(&alice, &bob, true);
}

#[test]
fn a_server_gone_mid_transfer_fails_it_on_both_sides_with_a_reason() {
    let server = start(&[ALICE, BOB]);
    let (alice, bob) = friends(&server);
    let file = random_file(8 * 1024 * 1024, 4);
    let mut server = Some(server);
    let (sent, received, data) = send_over(&alice, (&bob, BOB.0), &file, false, || {
        if let Some(server) = server.take() {
            let _ = server.stop();
        }
    });
    assert!(
        data.len() < file.len(),
        "the transfer had ended before the server stopped"
    );
    let sent = sent.unwrap_err();
    let received = received.unwrap_err();
    assert!(sent.contains("lost"), "{sent}");
    assert!(received.contains("lost"), "{received}");
}

#[test]
fn a_declined_file_and_a_cancelled_one_end_with_their_reasons_on_both_sides() {
    let server = start(&[ALICE, BOB]);
    let (alice, bob) = friends(&server);
    let ended = |peer: &Peer, id| {
        peer.expect("the end of the transfer", |e| match e {
            ClientEvent::TransferEnded { id: got, result } if *got == id => {
                Some(result.clone().map_err(|why| why.to_string()))
            }
            _ => None,
        })
    };
    let offer = |size| {
        let id = alice.bot.send_file(&passport(BOB.0), "file.bin", size).unwrap();
        let at_bob = bob.expect("the offer", |e| match e {
            ClientEvent::TransferOffered { id, .. } => Some(*id),
            _ => None,
        });
        (id, at_bob)
    };

    let (id, at_bob) = offer(10);
    bob.bot.decline_transfer(at_bob).unwrap();
    let (sent, received) = (ended(&alice, id).unwrap_err(), ended(&bob, at_bob).unwrap_err());
    assert!(sent.contains("declined"), "{sent}");
    assert!(received.contains("declined"), "{received}");

    let (id, at_bob) = offer(1 << 20);
    bob.bot.accept_transfer(at_bob).unwrap();
    alice.expect("the acceptance", |e| {
        matches!(e, ClientEvent::TransferAccepted { id: got } if *got == id).then_some(())
    });
    assert!(alice.bot.write_transfer(id, &random_file(4096, 5)).unwrap() > 0);
    alice.bot.cancel_transfer(id).unwrap();
    let (sent, received) = (ended(&alice, id).unwrap_err(), ended(&bob, at_bob).unwrap_err());
    assert!(sent.contains("cancel"), "{sent}");
    assert!(received.contains("cancel"), "{received}");
}

#[test]
fn an_msnftp_sender_waits_for_a_slow_receiver_instead_of_queueing_the_file() {
    let server = start(&[ALICE, BOB]);
    let mut alice_config = msnp8(&server);
    alice_config.client.transfer.msnftp = true;
    // Sixteen transmits: without the held-back writes, 1 MiB in the writer's queue
    // would end the connection ("the peer stopped reading").
    alice_config.write_queue = 16;
    let mut bob_config = alice_config.clone();
    bob_config.event_queue = 8;
    let (alice, bob) = (peer(ALICE, alice_config), peer(BOB, bob_config));
    online(&alice);
    online(&bob);
    befriend(&alice, ALICE.0, &bob, BOB.0);
    let file = random_file(8 * 1024 * 1024, 9);
    let receiving = std::thread::spawn(move || {
        let offer = bob.expect("the offer", |e| match e {
            ClientEvent::TransferOffered { id, .. } => Some(*id),
            _ => None,
        });
        bob.bot.accept_transfer(offer).unwrap();
        // A slow bot, busy at first: its driver stops reading, the sockets' buffers
        // fill, and then the sender's queue would.
        std::thread::sleep(Duration::from_millis(500));
        let mut data = Vec::new();
        loop {
            std::thread::sleep(Duration::from_micros(500));
            match bob.events.recv_timeout(Duration::from_secs(30)).unwrap() {
                ClientEvent::TransferData { bytes, .. } => data.extend_from_slice(&bytes),
                ClientEvent::TransferEnded { result, .. } => {
                    return (result.map_err(|e| e.to_string()), data);
                }
                _ => {}
            }
        }
    });
    let id = alice
        .bot
        .send_file_msnftp(&passport(BOB.0), "file.bin", file.len() as u64)
        .unwrap();
    let mut written = 0;
    let sent = loop {
        match alice.events.recv_timeout(Duration::from_secs(30)).unwrap() {
            ClientEvent::TransferAccepted { id: got } | ClientEvent::TransferProgress { id: got, .. }
                if got == id =>
            {
                while written < file.len() {
                    match alice.bot.write_transfer(id, &file[written..]).unwrap() {
                        0 => break,
                        taken => written += taken,
                    }
                }
            }
            ClientEvent::TransferEnded { id: got, result } if got == id => {
                break result.map_err(|e| e.to_string());
            }
            _ => {}
        }
    };
    let (received, data) = receiving.join().unwrap();
    assert_eq!((sent, received), (Ok(file.len() as u64), Ok(file.len() as u64)));
    assert_eq!(sha256(&data), sha256(&file));
}

/// Where one bot's listeners listened, for a test to look at.
type Listened = Arc<Mutex<Vec<HostPort<'static>>>>;

/// The TCP connector, with what it takes to catch a listener waiting: where this side
/// listened and how each wait for a peer ended (once it returns, its socket is closed),
/// and, for the other side, connections to those listeners held until the test lets go
/// (and then failed), so that nobody ever reaches them.
struct Watched {
    tcp: TcpConnector,
    listened: Listened,
    waits: Mutex<mpsc::Sender<Result<(), std::io::ErrorKind>>>,
    hold: Option<Hold>,
}

/// Connections to `of`'s addresses: each tells `holding`, then waits for `release` to
/// close (or a minute, as a hang guard).
struct Hold {
    of: Listened,
    holding: Mutex<mpsc::Sender<()>>,
    release: Mutex<mpsc::Receiver<()>>,
}

impl Connector for Watched {
    type Stream = std::net::TcpStream;

    fn connect(
        &self,
        addr: &HostPort<'static>,
        timeout: Duration,
        write_timeout: Duration,
    ) -> std::io::Result<Self::Stream> {
        if let Some(hold) = &self.hold
            && hold.of.lock().unwrap().contains(addr)
        {
            let _ = hold.holding.lock().unwrap().send(());
            let _ = hold.release.lock().unwrap().recv_timeout(Duration::from_secs(60));
            return Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionRefused,
                "held by the test",
            ));
        }
        self.tcp.connect(addr, timeout, write_timeout)
    }

    fn http(&self, request: &HttpRequest) -> Result<HttpResponse, String> {
        self.tcp.http(request)
    }

    fn listen(
        &self,
        toward: &HostPort<'static>,
        write_timeout: Duration,
    ) -> std::io::Result<(HostPort<'static>, Accepting<Self::Stream>)> {
        let (addr, accepting) = self.tcp.listen(toward, write_timeout)?;
        self.listened.lock().unwrap().push(addr.clone());
        let waits = self.waits.lock().unwrap().clone();
        let watched: Accepting<Self::Stream> = Box::new(move |stop| {
            // The call consumes the wait, and its listening socket with it.
            let accepted = accepting(stop);
            let _ = waits.send(accepted.as_ref().map(drop).map_err(|e| e.kind()));
            accepted
        });
        Ok((addr, watched))
    }
}

/// Alice, listening in vain for Bob's connection.
struct Waiting {
    alice: Peer,
    bob: Peer,
    id: TransferId,
    /// Where Alice listens.
    at: HostPort<'static>,
    /// How Alice's wait for a peer ended.
    waits: mpsc::Receiver<Result<(), std::io::ErrorKind>>,
    /// Lets Bob's connection go (and fail) when dropped.
    _release: mpsc::Sender<()>,
}

/// Alice offers Bob a file over MSNFTP and Bob accepts, but his connection to Alice's
/// listener is held back: returns once Alice's driver listens and nobody is coming.
fn alice_listens_for_bob_in_vain(server: &LoopbackServer) -> Waiting {
    let mut config = msnp8(server);
    config.client.transfer.msnftp = true;
    let listened = Listened::default();
    let (holding_tx, holding) = mpsc::channel();
    let (release, release_rx) = mpsc::channel();
    let (waits_tx, waits) = mpsc::channel();
    let watched = |hold| Watched {
        tcp: TcpConnector::new(&config).unwrap(),
        listened: Arc::clone(&listened),
        waits: Mutex::new(waits_tx.clone()),
        hold,
    };
    let alice_connector = watched(None);
    let bob_connector = watched(Some(Hold {
        of: Arc::clone(&listened),
        holding: Mutex::new(holding_tx),
        release: Mutex::new(release_rx),
    }));
    let sign_in = |(account, password, _): (&str, &str, &str), connector| {
        let (bot, events) = connect_with(
            config.clone(),
            connector,
            account,
            Secret::new(password.to_owned()),
        )
        .unwrap();
        let peer = Peer {
            bot,
            events,
            passed: Default::default(),
        };
        online(&peer);
        peer
    };
    let alice = sign_in(ALICE, alice_connector);
    let bob = sign_in(BOB, bob_connector);
    alice.bot.add_contact(List::Forward, &passport(BOB.0)).unwrap();
    bob.bot.add_contact(List::Forward, &passport(ALICE.0)).unwrap();
    assert_eq!(presence(&alice, BOB.0), Status::Online);
    assert_eq!(presence(&bob, ALICE.0), Status::Online);
    let id = alice
        .bot
        .send_file_msnftp(&passport(BOB.0), "file.bin", 5)
        .unwrap();
    let offer = bob.expect("the offer", |e| match e {
        ClientEvent::TransferOffered { id, .. } => Some(*id),
        _ => None,
    });
    bob.bot.accept_transfer(offer).unwrap();
    holding
        .recv_timeout(STEP)
        .expect("Bob's connection to Alice's listener");
    let at = listened.lock().unwrap().clone();
    let [at] = &at[..] else {
        panic!("Alice listened at {at:?}")
    };
    // Alice's socket holds its port: nothing else can take it.
    let bound = std::net::TcpListener::bind((at.host(), at.port()));
    assert_eq!(bound.err().map(|e| e.kind()), Some(std::io::ErrorKind::AddrInUse));
    assert_eq!(
        waits.try_recv().err(),
        Some(mpsc::TryRecvError::Empty),
        "Alice still waits"
    );
    Waiting {
        alice,
        bob,
        id,
        at: at.clone(),
        waits,
        _release: release,
    }
}

/// Alice's wait for Bob returns, as no longer wanted (within a hang guard): its socket
/// is closed, and a connection to where it listened is refused.
fn listener_closed(waiting: &Waiting) {
    let ended = waiting
        .waits
        .recv_timeout(STEP)
        .expect("the listener's wait returned");
    assert_eq!(ended, Err(std::io::ErrorKind::Interrupted));
    let addr: std::net::SocketAddr = waiting.at.to_string().parse().unwrap();
    let probe = std::net::TcpStream::connect_timeout(&addr, STEP);
    assert_eq!(
        probe.map(drop).map_err(|e| e.kind()),
        Err(std::io::ErrorKind::ConnectionRefused)
    );
}

#[test]
fn signing_out_while_an_msnftp_listener_waits_for_its_peer_closes_the_listener() {
    let server = start(&[ALICE, BOB]);
    let waiting = alice_listens_for_bob_in_vain(&server);
    let (alice, id) = (&waiting.alice, waiting.id);
    // A hang guard around the call, which must return although the listener waits.
    let bot = alice.bot.clone();
    let (done_tx, done) = mpsc::channel();
    std::thread::spawn(move || done_tx.send(bot.sign_out()));
    let signed_out = done.recv_timeout(STEP).expect("sign_out returned");
    assert!(signed_out.is_ok(), "{signed_out:?}");
    let ended = alice.expect("the transfer's end", |e| match e {
        ClientEvent::TransferEnded { id: got, result } if *got == id => Some(result.clone()),
        _ => None,
    });
    assert_eq!(ended, Err(TransferFailure::Cancelled));
    assert_eq!(closed(alice), CloseReason::LoggedOut);
    listener_closed(&waiting);
}

#[test]
fn an_msnftp_send_cancelled_while_its_listener_waits_closes_the_listener_and_tells_the_peer() {
    let server = start(&[ALICE, BOB]);
    let waiting = alice_listens_for_bob_in_vain(&server);
    let (alice, bob, id) = (&waiting.alice, &waiting.bob, waiting.id);
    alice.bot.cancel_transfer(id).unwrap();
    let ended = alice.expect("the transfer's end", |e| match e {
        ClientEvent::TransferEnded { id: got, result } if *got == id => Some(result.clone()),
        _ => None,
    });
    assert_eq!(ended, Err(TransferFailure::Cancelled));
    let told = bob.expect("the transfer's end", |e| match e {
        ClientEvent::TransferEnded { result, .. } => Some(result.clone()),
        _ => None,
    });
    assert_eq!(told, Err(TransferFailure::CancelledByPeer));
    listener_closed(&waiting);
    // The session goes on.
    let handle = alice.bot.send_message(&passport(BOB.0), "still here").unwrap();
    delivered(alice, handle);
}

/// A port nobody listens on now: bound by the system's choice, then let go.
fn free_port() -> u16 {
    let probe = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    probe.local_addr().unwrap().port()
}

#[test]
fn an_msnftp_send_listens_on_the_configured_port_and_the_peer_connects_there() {
    let server = start(&[ALICE, BOB]);
    let mut config = msnp8(&server);
    config.client.transfer.msnftp = true;
    let port = free_port();
    let mut alice_config = config.clone();
    alice_config.msnftp_ports = Some(port..=port);
    let listened = Listened::default();
    let (waits, _waited) = mpsc::channel();
    let connector = Watched {
        tcp: TcpConnector::new(&alice_config).unwrap(),
        listened: Arc::clone(&listened),
        waits: Mutex::new(waits),
        hold: None,
    };
    let (bot, events) =
        connect_with(alice_config, connector, ALICE.0, Secret::new(ALICE.1.to_owned())).unwrap();
    let alice = Peer {
        bot,
        events,
        passed: Default::default(),
    };
    let bob = peer(BOB, config);
    online(&alice);
    online(&bob);
    befriend(&alice, ALICE.0, &bob, BOB.0);
    let file = random_file(5, 4);
    let (sent, received, data) = send_over(&alice, (&bob, BOB.0), &file, true, || {});
    assert_eq!((sent, received, data), (Ok(5), Ok(5), file));
    // The address Alice's driver reported, and so the one Bob was given and reached.
    let at = HostPort::new("127.0.0.1".to_owned(), port).unwrap();
    assert_eq!(*listened.lock().unwrap(), [at]);
}

#[test]
fn both_drivers_listen_on_the_first_configured_port_and_fail_at_once_when_it_is_taken() {
    let toward = HostPort::new("127.0.0.1".to_owned(), 1863).unwrap();
    let port = free_port();
    let mut config = DriverConfig::default();
    config.msnftp_ports = Some(port..=port);
    let blocking = TcpConnector::new(&config).unwrap();
    let (at, accepting) = blocking.listen(&toward, Duration::ZERO).unwrap();
    assert_eq!((at.host(), at.port()), ("127.0.0.1", port));
    let _peer = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let stop = std::sync::atomic::AtomicBool::new(false);
    assert!(accepting(&stop).is_ok(), "the peer is accepted there");
    // The port is the only one allowed: held by another socket, listening fails.
    let holder = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
    let taken = blocking.listen(&toward, Duration::ZERO).err().map(|e| e.kind());
    assert_eq!(taken, Some(std::io::ErrorKind::AddrInUse));
    drop(holder);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        use msnp::tokio::Connector as _;
        let port = free_port();
        config.msnftp_ports = Some(port..=port);
        let tokio = msnp::tokio::TcpConnector::new(&config).unwrap();
        let (at, accepting) = tokio.listen(&toward).await.unwrap();
        assert_eq!((at.host(), at.port()), ("127.0.0.1", port));
        let _peer = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        assert!(accepting.await.is_ok(), "the peer is accepted there");
        let holder = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
        let taken = tokio.listen(&toward).await.err().map(|e| e.kind());
        assert_eq!(taken, Some(std::io::ErrorKind::AddrInUse));
        drop(holder);
    });
}
