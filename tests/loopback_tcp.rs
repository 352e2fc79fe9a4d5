//! The crate's `Client`, driven by the examples' std driver, against the crate's
//! `LoopbackServer` over real loopback TCP: sign-in through the dispatch referral and
//! Passport over HTTP, cached lists, presence, list edits, group conversations,
//! delivery accounting, `OUT OTH`, `OUT SSD`, and two clients under load.
//!
//! Every wait is bounded (`Bots::expect` fails after `STEP`), so a regression fails with
//! a message instead of hanging CI.

#[path = "../examples/support/mod.rs"]
mod support;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use msnp::client::{ClientConfig, ClientEvent, ConversationId, MessageHandle};
use msnp::codec::{HostPort, List, Passport, Status};
use msnp::ns::{CloseReason, ContactList};
use msnp::server::std_driver::LoopbackServer;
use support::wait::Bots;
use support::{Driver, DriverError, Login, UreqTransport};

/// The longest any one step may take.
const STEP: Duration = Duration::from_secs(5);

const ALICE: (&str, &str, &str) = ("alice@example.com", "alice pw", "Alice");
const BOB: (&str, &str, &str) = ("bob@example.com", "bob pw", "Bob");
const CAROL: (&str, &str, &str) = ("carol@example.com", "carol pw", "Carol");

fn start(accounts: &[(&str, &str, &str)]) -> LoopbackServer {
    LoopbackServer::start(|server| {
        for (account, password, name) in accounts {
            server.add_account(account, password, name)?;
        }
        Ok(())
    })
    .unwrap()
}

fn passport(account: &str) -> Passport<'static> {
    Passport::try_from(account.to_owned()).unwrap()
}

fn config(server: &LoopbackServer) -> ClientConfig {
    let mut config = ClientConfig::default();
    config.server = HostPort::parse(&server.dispatch_addr().to_string())
        .unwrap()
        .into_owned();
    config
}

fn driver(
    server: &LoopbackServer,
    (account, password, _): (&str, &str, &str),
    config: ClientConfig,
) -> Driver {
    let login = Login::loopback(account, password, &server.nexus_url());
    Driver::start(config, login, UreqTransport::new(None).unwrap()).unwrap()
}

/// Adds a client for `who` and waits until it is signed in, synced and online.
fn sign_in(bots: &mut Bots, server: &LoopbackServer, who: (&str, &str, &str)) -> usize {
    let bot = bots.add(who.2, driver(server, who, config(server)));
    online(bots, bot);
    bot
}

fn online(bots: &mut Bots, bot: usize) {
    bots.expect(bot, "sign-in", |e| {
        matches!(e, ClientEvent::LoggedIn { .. }).then_some(())
    })
    .unwrap();
    bots.expect(bot, "the first status", |e| match e {
        ClientEvent::StatusChanged {
            status: Status::Online,
        } => Some(()),
        _ => None,
    })
    .unwrap();
}

fn presence(bots: &mut Bots, bot: usize, of: &str) -> Status {
    let of = passport(of);
    bots.expect(bot, &format!("the presence of {of}"), |e| match e {
        ClientEvent::ContactPresence { account, status, .. } if account.same_account(&of) => Some(*status),
        _ => None,
    })
    .unwrap()
}

fn offline(bots: &mut Bots, bot: usize, of: &str) {
    let of = passport(of);
    bots.expect(bot, &format!("{of} going offline"), |e| match e {
        ClientEvent::ContactOffline { account } if account.same_account(&of) => Some(()),
        _ => None,
    })
    .unwrap();
}

/// Waits for the server to confirm a change of `list` for `of`: true for `ADD`, false for
/// `REM`.
fn list_change(bots: &mut Bots, bot: usize, list: List, of: &str) -> bool {
    bots.expect(bot, &format!("a change of {list:?} for {of}"), |e| match e {
        ClientEvent::ContactAdded { list: l, account, .. } if *l == list && account.as_str() == of => {
            Some(true)
        }
        ClientEvent::ContactRemoved { list: l, account, .. } if *l == list && account.as_str() == of => {
            Some(false)
        }
        _ => None,
    })
    .unwrap()
}

fn closed(bots: &mut Bots, bot: usize) -> CloseReason {
    bots.expect(bot, "the end of the session", |e| match e {
        ClientEvent::SessionEnded { reason } => reason.notification().cloned(),
        _ => None,
    })
    .unwrap()
}

fn text(bots: &mut Bots, bot: usize, expected: &str) -> (ConversationId, Passport<'static>) {
    bots.expect(bot, &format!("the text {expected:?}"), |e| match e {
        ClientEvent::TextReceived {
            conversation,
            from,
            text,
            ..
        } if text == expected => Some((*conversation, from.clone())),
        _ => None,
    })
    .unwrap()
}

fn delivered(bots: &mut Bots, bot: usize, handle: MessageHandle) {
    let outcome = bots
        .expect(bot, "the message's end", |e| match e {
            ClientEvent::MessageDelivered { handle: h } if *h == handle => Some(Ok(())),
            ClientEvent::MessageNotDelivered { handle: h, reason } if *h == handle => {
                Some(Err(reason.clone()))
            }
            _ => None,
        })
        .unwrap();
    assert_eq!(outcome, Ok(()));
}

/// Both put each other on the forward list and see each other online.
fn befriend(bots: &mut Bots, a: usize, a_account: &str, b: usize, b_account: &str) {
    let (pa, pb) = (passport(a_account), passport(b_account));
    bots.act(a, |c, now| c.add_contact(now, List::Forward, &pb))
        .unwrap();
    assert!(list_change(bots, a, List::Forward, b_account));
    assert_eq!(presence(bots, a, b_account), Status::Online);
    bots.act(b, |c, now| c.add_contact(now, List::Forward, &pa))
        .unwrap();
    assert!(list_change(bots, b, List::Forward, a_account));
    assert_eq!(presence(bots, b, a_account), Status::Online);
}

#[test]
fn sign_in_follows_the_referral_and_gets_a_passport_ticket_over_http() {
    let server = start(&[ALICE]);
    let mut bots = Bots::new(STEP);
    let alice = bots.add("alice", driver(&server, ALICE, config(&server)));
    let (account, name) = bots
        .expect(alice, "sign-in", |e| match e {
            ClientEvent::LoggedIn { account, name } => {
                Some((account.to_string(), name.decode().into_owned()))
            }
            _ => None,
        })
        .unwrap();
    assert_eq!((account.as_str(), name.as_str()), ("alice@example.com", "Alice"));
    let synced = bots
        .expect(alice, "the lists", |e| match e {
            ClientEvent::ListSynced {
                contacts,
                groups,
                from_cache,
            } => Some((*contacts, *groups, *from_cache)),
            _ => None,
        })
        .unwrap();
    // A new account's list is at version 0, which is what a client without a kept
    // list asks for: nothing to download.
    assert_eq!(synced, (0, 0, true));
    bots.expect(alice, "the first status", |e| match e {
        ClientEvent::StatusChanged { status } => Some(*status),
        _ => None,
    })
    .map(|status| assert_eq!(status, Status::Online))
    .unwrap();

    // The dispatch connection is gone; the one left is the notification server's.
    let peers: Vec<_> = bots
        .driver(alice)
        .peer_addrs()
        .into_iter()
        .map(|(_, a)| a)
        .collect();
    assert_eq!(peers, [server.notification_addr()]);
    assert_eq!(
        bots.driver(alice).dalogin(),
        Some(format!("http://{}/login2.srf", server.passport_addr()).as_str())
    );

    bots.act(alice, |c, now| c.logout(now)).unwrap();
    assert_eq!(closed(&mut bots, alice), CloseReason::LoggedOut);
    assert!(bots.driver(alice).peer_addrs().is_empty());
}

#[test]
fn a_kept_contact_list_is_synced_from_the_cache_until_it_changes() {
    let server = start(&[ALICE, BOB, CAROL]);
    let mut bots = Bots::new(STEP);
    let first = sign_in(&mut bots, &server, ALICE);
    bots.act(first, |c, now| {
        c.add_contact(now, List::Forward, &passport(BOB.0))
    })
    .unwrap();
    assert!(list_change(&mut bots, first, List::Forward, BOB.0));
    let kept: ContactList = bots.client(first).contact_list().clone();
    assert_eq!(kept.len(), 1);
    bots.act(first, |c, now| c.logout(now)).unwrap();
    closed(&mut bots, first);

    let synced = |bots: &mut Bots, bot| {
        bots.expect(bot, "the lists", |e| match e {
            ClientEvent::ListSynced {
                from_cache, contacts, ..
            } => Some((*from_cache, *contacts)),
            _ => None,
        })
        .unwrap()
    };
    let mut cached = config(&server);
    cached.contact_list = Some(kept.clone());
    let second = bots.add("alice again", driver(&server, ALICE, cached));
    assert_eq!(synced(&mut bots, second), (true, 1));
    online(&mut bots, second);
    assert!(
        bots.client(second)
            .contact_list()
            .contact(&passport(BOB.0))
            .is_some()
    );
    bots.act(second, |c, now| {
        c.add_contact(now, List::Forward, &passport(CAROL.0))
    })
    .unwrap();
    assert!(list_change(&mut bots, second, List::Forward, CAROL.0));
    bots.act(second, |c, now| c.logout(now)).unwrap();
    closed(&mut bots, second);

    // The old copy is one version behind: the whole list comes again.
    let mut stale = config(&server);
    stale.contact_list = Some(kept);
    let third = bots.add("alice, stale", driver(&server, ALICE, stale));
    assert_eq!(synced(&mut bots, third), (false, 2));
}

#[test]
fn presence_and_list_edits_reach_the_other_side() {
    let server = start(&[ALICE, BOB]);
    let mut bots = Bots::new(STEP);
    let alice = sign_in(&mut bots, &server, ALICE);
    let bob = sign_in(&mut bots, &server, BOB);
    befriend(&mut bots, alice, ALICE.0, bob, BOB.0);

    bots.act(bob, |c, now| c.set_status(now, Status::Busy)).unwrap();
    assert_eq!(presence(&mut bots, alice, BOB.0), Status::Busy);

    // Blocking hides alice from bob; unblocking shows her again.
    let pb = passport(BOB.0);
    bots.act(alice, |c, now| c.add_contact(now, List::Block, &pb))
        .unwrap();
    assert!(list_change(&mut bots, alice, List::Block, BOB.0));
    offline(&mut bots, bob, ALICE.0);
    bots.act(alice, |c, now| c.remove_contact(now, List::Block, &pb))
        .unwrap();
    assert!(!list_change(&mut bots, alice, List::Block, BOB.0));
    assert_eq!(presence(&mut bots, bob, ALICE.0), Status::Online);

    // Taking bob off the forward list is confirmed, and bob is told.
    bots.act(alice, |c, now| c.remove_contact(now, List::Forward, &pb))
        .unwrap();
    assert!(!list_change(&mut bots, alice, List::Forward, BOB.0));
    bots.expect(bob, "the reverse-list removal", |e| match e {
        ClientEvent::RemovedBy { account } => Some(account.to_string()),
        _ => None,
    })
    .map(|by| assert_eq!(by, ALICE.0))
    .unwrap();
    let lists = bots.client(alice).contact_list().contact(&pb).map(|c| c.lists());
    assert!(lists.is_none_or(|l| !l.contains(List::Forward)), "{lists:?}");

    bots.act(alice, |c, now| c.logout(now)).unwrap();
    offline(&mut bots, bob, ALICE.0);
}

#[test]
fn a_third_participant_is_invited_into_a_conversation() {
    let server = start(&[ALICE, BOB, CAROL]);
    let mut bots = Bots::new(STEP);
    let alice = sign_in(&mut bots, &server, ALICE);
    let bob = sign_in(&mut bots, &server, BOB);
    let carol = sign_in(&mut bots, &server, CAROL);

    let first = bots
        .act(alice, |c, now| c.send_message(now, &passport(BOB.0), "just us"))
        .unwrap();
    let (at_bob, from) = text(&mut bots, bob, "just us");
    assert_eq!(from.as_str(), ALICE.0);
    delivered(&mut bots, alice, first);
    let conversation = bots
        .expect(alice, "bob joining", |e| match e {
            ClientEvent::Joined {
                conversation,
                account,
                ..
            } if account.as_str() == BOB.0 => Some(*conversation),
            _ => None,
        })
        .unwrap();

    bots.act(alice, |c, now| c.invite(now, conversation, &passport(CAROL.0)))
        .unwrap();
    let invited_by = bots
        .expect(carol, "the invitation", |e| match e {
            ClientEvent::ConversationStarted { invited_by, .. } => Some(invited_by.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(invited_by.map(|p| p.to_string()).as_deref(), Some(ALICE.0));
    for (who, conv) in [(alice, conversation), (bob, at_bob)] {
        let joined = bots
            .expect(who, "carol joining", |e| match e {
                ClientEvent::Joined {
                    conversation,
                    account,
                    ..
                } if account.as_str() == CAROL.0 => Some(*conversation),
                _ => None,
            })
            .unwrap();
        assert_eq!(joined, conv);
    }
    // Carol's roster names both.
    let mut roster = BTreeSet::new();
    while roster.len() < 2 {
        roster.insert(
            bots.expect(carol, "the roster", |e| match e {
                ClientEvent::Joined { account, .. } => Some(account.to_string()),
                _ => None,
            })
            .unwrap(),
        );
    }
    assert_eq!(roster, BTreeSet::from([ALICE.0.to_owned(), BOB.0.to_owned()]));

    let to_both = bots
        .act(alice, |c, now| {
            c.send_to_conversation(now, conversation, "hello both")
        })
        .unwrap();
    text(&mut bots, bob, "hello both");
    let (at_carol, _) = text(&mut bots, carol, "hello both");
    delivered(&mut bots, alice, to_both);
    let from_carol = bots
        .act(carol, |c, now| {
            c.send_to_conversation(now, at_carol, "hi from carol")
        })
        .unwrap();
    assert_eq!(text(&mut bots, alice, "hi from carol").0, conversation);
    assert_eq!(text(&mut bots, bob, "hi from carol").0, at_bob);
    delivered(&mut bots, carol, from_carol);

    bots.act(carol, |c, now| c.leave(now, at_carol)).unwrap();
    let left = bots
        .expect(alice, "carol leaving", |e| match e {
            ClientEvent::Left { account, idle, .. } => Some((account.to_string(), *idle)),
            _ => None,
        })
        .unwrap();
    assert_eq!(left, (CAROL.0.to_owned(), false));
}

#[test]
fn signing_in_again_elsewhere_ends_the_first_session() {
    let server = start(&[ALICE]);
    let mut bots = Bots::new(STEP);
    let first = sign_in(&mut bots, &server, ALICE);
    let second = sign_in(&mut bots, &server, ALICE);
    assert_eq!(closed(&mut bots, first), CloseReason::SignedInElsewhere);
    assert!(bots.driver(first).peer_addrs().is_empty());
    assert!(!bots.client(second).is_closed());
}

#[test]
fn server_shutdown_ends_every_session_and_conversation() {
    let server = start(&[ALICE, BOB]);
    let mut bots = Bots::new(STEP);
    let alice = sign_in(&mut bots, &server, ALICE);
    let bob = sign_in(&mut bots, &server, BOB);
    let handle = bots
        .act(alice, |c, now| {
            c.send_message(now, &passport(BOB.0), "before the end")
        })
        .unwrap();
    text(&mut bots, bob, "before the end");
    delivered(&mut bots, alice, handle);

    server.stop().unwrap();
    for who in [alice, bob] {
        bots.expect(who, "the conversation's end", |e| {
            matches!(e, ClientEvent::ConversationEnded { .. }).then_some(())
        })
        .unwrap();
        assert_eq!(closed(&mut bots, who), CloseReason::ServerShutdown);
        assert!(bots.driver(who).peer_addrs().is_empty());
    }
}

#[test]
fn the_driver_reports_refused_credentials_and_connections_as_typed_errors() {
    let server = start(&[ALICE]);
    let login = Login::loopback(ALICE.0, "not the password", &server.nexus_url());
    let mut bot = Driver::start(config(&server), login, UreqTransport::new(None).unwrap()).unwrap();
    match bot.next_event(STEP) {
        Err(DriverError::Passport(reason)) if reason.starts_with("Passport refused the credentials") => {}
        other => panic!("{other:?}"),
    }
    // The session then ends as the client reports it.
    let mut last = None;
    while let Ok(Some(event)) = bot.next_event(Duration::from_millis(100)) {
        last = Some(event);
    }
    assert!(
        matches!(
            last,
            Some(ClientEvent::SessionEnded {
                reason: msnp::client::CloseReason::Notification(CloseReason::PassportFailed { .. })
            })
        ),
        "{last:?}"
    );

    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let mut nowhere = config(&server);
    nowhere.server = HostPort::parse(&free.to_string()).unwrap().into_owned();
    let mut bot = driver(&server, ALICE, nowhere);
    match bot.next_event(STEP) {
        Err(DriverError::Connect { addr, source }) => {
            assert_eq!(addr, free.to_string());
            assert_eq!(source.kind(), std::io::ErrorKind::ConnectionRefused);
        }
        other => panic!("{other:?}"),
    }
}

/// Two clients send each other `COUNT` messages at once, each keeping at most `WINDOW`
/// unacknowledged: none is lost, each side receives the other's in order, and every
/// handle ends delivered.
#[test]
fn a_thousand_messages_each_way_arrive_in_order_and_are_all_acknowledged() {
    const COUNT: usize = 1000;
    const WINDOW: usize = 64;
    let server = start(&[ALICE, BOB]);
    let mut bots = Bots::new(STEP);
    let alice = sign_in(&mut bots, &server, ALICE);
    let bob = sign_in(&mut bots, &server, BOB);
    let opening = bots
        .act(alice, |c, now| c.send_message(now, &passport(BOB.0), "opening"))
        .unwrap();
    let (at_bob, _) = text(&mut bots, bob, "opening");
    delivered(&mut bots, alice, opening);
    let at_alice = bots
        .expect(alice, "the conversation", |e| match e {
            ClientEvent::Joined { conversation, .. } => Some(*conversation),
            _ => None,
        })
        .unwrap();

    struct Side {
        conversation: ConversationId,
        sent: usize,
        pending: BTreeSet<MessageHandle>,
        delivered: usize,
        received: Vec<String>,
    }
    let mut sides = [
        Side {
            conversation: at_alice,
            sent: 0,
            pending: BTreeSet::new(),
            delivered: 0,
            received: Vec::new(),
        },
        Side {
            conversation: at_bob,
            sent: 0,
            pending: BTreeSet::new(),
            delivered: 0,
            received: Vec::new(),
        },
    ];
    let names = ["alice", "bob"];
    let started = Instant::now();
    let deadline = started + Duration::from_secs(20);
    while sides
        .iter()
        .any(|s| s.delivered < COUNT || s.received.len() < COUNT)
    {
        assert!(
            Instant::now() < deadline,
            "stalled: {:?}",
            sides
                .iter()
                .map(|s| (s.sent, s.delivered, s.received.len()))
                .collect::<Vec<_>>()
        );
        for (who, side) in [alice, bob].into_iter().zip(sides.iter_mut()) {
            while side.sent < COUNT && side.pending.len() < WINDOW {
                let text = format!("{} #{}", names[who], side.sent);
                let handle = bots
                    .act(who, |c, now| {
                        c.send_to_conversation(now, side.conversation, &text)
                    })
                    .unwrap();
                side.pending.insert(handle);
                side.sent += 1;
            }
            while let Some(event) = bots.driver(who).take_event().unwrap() {
                match event {
                    ClientEvent::MessageDelivered { handle } => {
                        assert!(side.pending.remove(&handle), "{handle:?} ended twice");
                        side.delivered += 1;
                    }
                    ClientEvent::TextReceived { text, .. } => side.received.push(text),
                    ClientEvent::MessageNotDelivered { handle, reason } => panic!("{handle:?}: {reason:?}"),
                    ClientEvent::SessionEnded { reason } => panic!("{} closed: {reason:?}", names[who]),
                    _ => {}
                }
            }
        }
        bots.turn();
    }
    let elapsed = started.elapsed();
    for (who, side) in sides.iter().enumerate() {
        let other = names[1 - who];
        let expected: Vec<String> = (0..COUNT).map(|n| format!("{other} #{n}")).collect();
        assert_eq!(side.received, expected, "{} received out of order", names[who]);
        assert!(side.pending.is_empty());
    }
    eprintln!(
        "{} messages each way in {elapsed:?} ({:.0} msg/s both ways)",
        COUNT,
        (2 * COUNT) as f64 / elapsed.as_secs_f64()
    );
}
