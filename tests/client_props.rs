//! Property test of the `Client`'s delivery accounting against the crate's server, in
//! memory: random user actions (messages to contacts who may be offline, group
//! messages, leaving, status changes including hidden, typing, logout) interleaved with
//! network events (contacts signing in and out, switchboards crashing, time passing).
//!
//! Law: every `MessageHandle` a client returned ends exactly once (delivered, sent
//! unconfirmed or not delivered), no event names a handle that was never returned,
//! `Closed` is a session's last event, once the network is quiet and time has run past
//! every deadline no handle is left pending, and "delivered" is only ever reported for a
//! message sent asking for an acknowledgement (`A`), "sent unconfirmed" only for one that
//! did not (`U`, `N`).

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use msnp::client::{ClientConfig, ClientEvent, Delivery, InvitationPolicy, MessageHandle};
use msnp::codec::{Passport, Status};
use msnp::testing::loopback::Network;
use proptest::prelude::*;

/// Alice is the client under test; the others are her contacts, who come and go.
const ACCOUNTS: [&str; 4] = [
    "alice@example.com",
    "bob@example.com",
    "carol@example.com",
    "dave@example.com",
];

#[derive(Debug, Clone)]
enum Action {
    /// Alice sends to contact `to` (1..=3).
    Send {
        to: usize,
        long: bool,
    },
    /// Alice writes in her `nth` open conversation.
    SendToConversation(usize),
    /// Alice invites contact `who` into her `nth` conversation.
    Invite {
        nth: usize,
        who: usize,
    },
    Typing(usize),
    Leave(usize),
    SetStatus(Status),
    Logout,
    /// Contact `who` signs in (with an invitation policy) or, when signed in, out.
    Toggle {
        who: usize,
        policy: InvitationPolicy,
    },
    /// Contact `who`, if signed in, messages Alice.
    ContactSends(usize),
    /// Every switchboard connection of Alice (or of everyone) is reset.
    DropSwitchboards {
        everyone: bool,
    },
    /// Time passes.
    Advance(u64),
    /// Bytes move until the network is quiet.
    Run,
}

fn status() -> impl Strategy<Value = Status> {
    prop_oneof![
        Just(Status::Online),
        Just(Status::Busy),
        Just(Status::Away),
        Just(Status::Hidden)
    ]
}

fn policy() -> impl Strategy<Value = InvitationPolicy> {
    prop_oneof![
        3 => Just(InvitationPolicy::AcceptAll),
        1 => Just(InvitationPolicy::AcceptContacts),
        1 => Just(InvitationPolicy::DeclineAll),
    ]
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        8 => (1usize..4, proptest::bool::weighted(0.1)).prop_map(|(to, long)| Action::Send { to, long }),
        3 => (0usize..3).prop_map(Action::SendToConversation),
        1 => (0usize..3, 1usize..4).prop_map(|(nth, who)| Action::Invite { nth, who }),
        1 => (0usize..3).prop_map(Action::Typing),
        1 => (0usize..3).prop_map(Action::Leave),
        2 => status().prop_map(Action::SetStatus),
        1 => Just(Action::Logout),
        3 => (1usize..4, policy()).prop_map(|(who, policy)| Action::Toggle { who, policy }),
        2 => (1usize..4).prop_map(Action::ContactSends),
        1 => any::<bool>().prop_map(|everyone| Action::DropSwitchboards { everyone }),
        2 => prop_oneof![0u64..5, 55u64..65, 100u64..400].prop_map(Action::Advance),
        6 => Just(Action::Run),
    ]
}

fn ack_mode() -> impl Strategy<Value = Delivery> {
    prop_oneof![
        2 => Just(Delivery::Acknowledged),
        1 => Just(Delivery::FailuresOnly),
        1 => Just(Delivery::Unconfirmed),
    ]
}

/// Every peer's handles and how each ended, checked as events are taken.
#[derive(Default)]
struct Ledger {
    returned: BTreeMap<usize, BTreeSet<MessageHandle>>,
    ended: BTreeMap<usize, BTreeSet<MessageHandle>>,
    closed: BTreeSet<usize>,
    /// Peers whose messages ask for no acknowledgement (Alice, unless her mode is `A`).
    unacknowledged: BTreeSet<usize>,
}

impl Ledger {
    fn returned(&mut self, peer: usize, handle: MessageHandle) -> Result<(), TestCaseError> {
        prop_assert!(
            self.returned.entry(peer).or_default().insert(handle),
            "peer {} got {:?} twice",
            peer,
            handle
        );
        Ok(())
    }

    fn observe(&mut self, net: &mut Network, peer: usize) -> Result<(), TestCaseError> {
        for event in net.take_events(peer) {
            prop_assert!(
                !self.closed.contains(&peer),
                "peer {} emitted {:?} after Closed",
                peer,
                event
            );
            let acknowledged = !self.unacknowledged.contains(&peer);
            let handle = match &event {
                ClientEvent::MessageDelivered { handle } => {
                    prop_assert!(
                        acknowledged,
                        "peer {} reported {:?} delivered without ACK",
                        peer,
                        handle
                    );
                    *handle
                }
                ClientEvent::MessageSentUnconfirmed { handle } => {
                    prop_assert!(!acknowledged, "peer {} asked for ACK but got {:?}", peer, event);
                    *handle
                }
                ClientEvent::MessageNotDelivered { handle, .. } => *handle,
                ClientEvent::SessionEnded { .. } => {
                    self.closed.insert(peer);
                    continue;
                }
                _ => continue,
            };
            prop_assert!(
                self.returned.get(&peer).is_some_and(|r| r.contains(&handle)),
                "peer {} ended {:?}, which it never returned",
                peer,
                handle
            );
            prop_assert!(
                self.ended.entry(peer).or_default().insert(handle),
                "peer {} ended {:?} twice",
                peer,
                handle
            );
        }
        Ok(())
    }

    fn pending(&self) -> Vec<(usize, MessageHandle)> {
        self.returned
            .iter()
            .flat_map(|(&peer, handles)| {
                handles
                    .iter()
                    .filter(move |h| !self.ended.get(&peer).is_some_and(|e| e.contains(h)))
                    .map(move |&h| (peer, h))
            })
            .collect()
    }
}

struct World {
    net: Network,
    /// The network peer currently signed in as each account, if any.
    session: [Option<usize>; 4],
    ledger: Ledger,
}

impl World {
    fn new(ack: Delivery) -> Self {
        let mut net = Network::new();
        for account in &ACCOUNTS[1..] {
            net.server().add_account(account, "secret", account).unwrap();
        }
        let mut config = ClientConfig::default();
        config.delivery = ack;
        let alice = net.add_client(ACCOUNTS[0], "secret", "Alice", config);
        // Alice lists every contact so she sees their presence; everyone allows all.
        let directory = net.server().directory_mut();
        for contact in &ACCOUNTS[1..] {
            directory
                .add_to_list(ACCOUNTS[0], msnp::codec::List::Forward, contact, None, None)
                .unwrap();
        }
        // Bob and Carol start signed in, Dave signed out.
        let bob = net.add_session(ACCOUNTS[1], "secret", ClientConfig::default());
        let carol = net.add_session(ACCOUNTS[2], "secret", ClientConfig::default());
        let mut world = World {
            net,
            session: [Some(alice), Some(bob), Some(carol), None],
            ledger: Ledger::default(),
        };
        if ack != Delivery::Acknowledged {
            world.ledger.unacknowledged.insert(alice);
        }
        world.net.run();
        world
    }

    fn live(&mut self, who: usize) -> Option<usize> {
        self.session[who].filter(|&peer| !self.net.client(peer).is_closed())
    }

    fn nth_conversation(&mut self, peer: usize, nth: usize) -> Option<msnp::client::ConversationId> {
        self.net.client(peer).conversations().map(|(id, _)| id).nth(nth)
    }

    fn observe_all(&mut self) -> Result<(), TestCaseError> {
        for peer in self.session.iter().flatten().copied().collect::<Vec<_>>() {
            self.ledger.observe(&mut self.net, peer)?;
        }
        Ok(())
    }

    fn apply(&mut self, action: Action) -> Result<(), TestCaseError> {
        let now = self.net.now();
        let alice = self.session[0].unwrap_or(0);
        match action {
            Action::Send { to, long } => {
                let text = if long {
                    "long ".repeat(800)
                } else {
                    format!("hi {to}")
                };
                let to = Passport::try_from(ACCOUNTS[to]).unwrap();
                if let Ok(handle) = self.net.client(alice).send_message(now, &to, &text) {
                    self.ledger.returned(alice, handle)?;
                }
            }
            Action::SendToConversation(nth) => {
                if let Some(id) = self.nth_conversation(alice, nth)
                    && let Ok(handle) = self.net.client(alice).send_to_conversation(now, id, "to all")
                {
                    self.ledger.returned(alice, handle)?;
                }
            }
            Action::Invite { nth, who } => {
                if let Some(id) = self.nth_conversation(alice, nth) {
                    let who = Passport::try_from(ACCOUNTS[who]).unwrap();
                    let _ = self.net.client(alice).invite(now, id, &who);
                }
            }
            Action::Typing(nth) => {
                if let Some(id) = self.nth_conversation(alice, nth) {
                    let _ = self.net.client(alice).send_typing(now, id);
                }
            }
            Action::Leave(nth) => {
                if let Some(id) = self.nth_conversation(alice, nth) {
                    prop_assert!(self.net.client(alice).leave(now, id).is_ok());
                }
            }
            Action::SetStatus(status) => {
                let _ = self.net.client(alice).set_status(now, status);
            }
            Action::Logout => {
                let _ = self.net.client(alice).logout(now);
            }
            Action::Toggle { who, policy } => match self.live(who) {
                Some(peer) => {
                    let _ = self.net.client(peer).logout(now);
                }
                None => {
                    let mut config = ClientConfig::default();
                    config.invitations = policy;
                    self.session[who] = Some(self.net.add_session(ACCOUNTS[who], "secret", config));
                }
            },
            Action::ContactSends(who) => {
                if let Some(peer) = self.live(who) {
                    let alice = Passport::try_from(ACCOUNTS[0]).unwrap();
                    if let Ok(handle) = self.net.client(peer).send_message(now, &alice, "hello alice") {
                        self.ledger.returned(peer, handle)?;
                    }
                }
            }
            Action::DropSwitchboards { everyone } => {
                self.net
                    .drop_switchboards(if everyone { None } else { Some(alice) });
            }
            Action::Advance(secs) => self.net.advance(Duration::from_secs(secs)),
            Action::Run => self.net.run(),
        }
        self.observe_all()
    }
}

/// Retired sessions keep their events until observed: check every peer ever created.
fn observe_everyone(world: &mut World, peers: usize) -> Result<(), TestCaseError> {
    for peer in 0..peers {
        world.ledger.observe(&mut world.net, peer)?;
    }
    Ok(())
}

proptest! {
    // 64 cases by default keeps CI fast; PROPTEST_CASES overrides for long runs.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64),
        ..ProptestConfig::default()
    })]

    #[test]
    fn every_message_handle_ends_exactly_once(
        ack in ack_mode(),
        actions in proptest::collection::vec(action(), 1..60),
    ) {
        let mut world = World::new(ack);
        let mut peers = 3;
        for action in actions {
            // Sessions replaced by a new one still owe their handles' endings.
            let before: Vec<usize> = world.session.iter().flatten().copied().collect();
            world.apply(action)?;
            peers = peers.max(world.session.iter().flatten().map(|p| p + 1).max().unwrap_or(1));
            for peer in before {
                world.ledger.observe(&mut world.net, peer)?;
            }
        }
        // Quiet network, then past every deadline (join 60 s, acknowledgements, idle
        // switchboards), a few times over.
        world.net.run();
        for _ in 0..4 {
            world.net.advance(Duration::from_secs(300));
        }
        observe_everyone(&mut world, peers)?;
        let pending = world.ledger.pending();
        prop_assert!(pending.is_empty(), "never ended: {:?}", pending);
    }
}
