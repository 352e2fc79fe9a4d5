//! One server, two dialects: alice's client offers MSNP8 alone (MSN Messenger 5), bob's
//! the default MSNP12 down to MSNP8 (7.5). Each signs in in its own dialect, sees the
//! other in its own form, and they talk through one switchboard; what only MSNP9+ has
//! (bob's personal message and display picture) stays on bob's side of the line.

use msnp::client::{ClientConfig, ClientEvent};
use msnp::codec::{Dialect, DialectSet, List, Passport, Status};
use msnp::testing::loopback::Network;

const ALICE: &str = "alice@example.com";
const BOB: &str = "bob@example.com";

fn passport(account: &str) -> Passport<'static> {
    Passport::try_from(account.to_owned()).unwrap()
}

fn msnp8_only() -> ClientConfig {
    let mut config = ClientConfig::default();
    config.notification.dialects = DialectSet::only(Dialect::Msnp8);
    config
}

fn dialect_of(events: &[ClientEvent]) -> Option<Dialect> {
    events.iter().find_map(|e| match e {
        ClientEvent::LoggedIn { dialect, .. } => Some(*dialect),
        _ => None,
    })
}

fn texts(events: &[ClientEvent]) -> Vec<(String, String)> {
    events
        .iter()
        .filter_map(|e| match e {
            ClientEvent::TextReceived { from, text, .. } => Some((from.to_string(), text.clone())),
            _ => None,
        })
        .collect()
}

fn delivered(events: &[ClientEvent]) -> usize {
    events
        .iter()
        .filter(|e| matches!(e, ClientEvent::MessageDelivered { .. }))
        .count()
}

#[test]
fn an_msnp8_client_and_an_msnp12_client_share_one_server() {
    let mut net = Network::new();
    let alice = net.add_client(ALICE, "a-secret", "Alice", msnp8_only());
    let bob = net.add_client(BOB, "b-secret", "Bob", ClientConfig::default());
    net.run();
    assert_eq!(dialect_of(&net.take_events(alice)), Some(Dialect::Msnp8));
    assert_eq!(dialect_of(&net.take_events(bob)), Some(Dialect::Msnp12));

    // Each adds the other: alice with MSNP8's ADD, bob with MSNP10's ADC; each is told
    // of the other's addition in its own dialect's form (ADD 0 RL / ADC 0 RL).
    let now = net.now();
    net.client(alice)
        .add_contact(now, List::Forward, &passport(BOB))
        .unwrap();
    net.client(bob)
        .add_contact(now, List::Forward, &passport(ALICE))
        .unwrap();
    net.run();
    let at_alice = net.take_events(alice);
    let at_bob = net.take_events(bob);
    for (events, other, name) in [(&at_alice, BOB, "Bob"), (&at_bob, ALICE, "Alice")] {
        assert!(
            events
                .iter()
                .any(|e| matches!(e, ClientEvent::AddedBy { account, .. } if account.as_str() == other)),
            "{events:?}"
        );
        assert!(
            events.iter().any(|e| matches!(
                e,
                ClientEvent::ContactPresence { account, name: n, status: Status::Online }
                    if account.as_str() == other && n.decode() == name
            )),
            "{events:?}"
        );
    }
    // The same friendship, each list in its dialect's model: GUIDs only from MSNP10.
    let alice_list = net.client(alice).contact_list().clone();
    let bob_list = net.client(bob).contact_list().clone();
    assert!(alice_list.contact(&passport(BOB)).unwrap().guid().is_none());
    assert!(bob_list.contact(&passport(ALICE)).unwrap().guid().is_some());

    // What only MSNP9+ carries reaches no MSNP8 client: bob's personal message and
    // picture are accepted by the server, and alice hears nothing of them.
    let now = net.now();
    net.client(bob).set_personal_message(now, "on MSNP12").unwrap();
    net.client(bob)
        .set_display_picture(now, b"picture bytes".to_vec())
        .unwrap();
    net.run();
    assert!(
        net.take_events(bob).iter().any(
            |e| matches!(e, ClientEvent::PersonalMessageChanged { message, .. } if message == "on MSNP12")
        )
    );
    let at_alice = net.take_events(alice);
    assert!(
        !at_alice.iter().any(|e| matches!(
            e,
            ClientEvent::ContactPersonalMessage { .. } | ClientEvent::ContactDisplayPicture { .. }
        )),
        "{at_alice:?}"
    );

    // One switchboard, two dialects: each message is acknowledged.
    let now = net.now();
    net.client(alice)
        .send_message(now, &passport(BOB), "hello from MSNP8")
        .unwrap();
    net.run();
    let at_bob = net.take_events(bob);
    assert_eq!(
        texts(&at_bob),
        [(ALICE.to_owned(), "hello from MSNP8".to_owned())]
    );
    let conversation = at_bob
        .iter()
        .find_map(|e| match e {
            ClientEvent::TextReceived { conversation, .. } => Some(*conversation),
            _ => None,
        })
        .unwrap();
    assert_eq!(delivered(&net.take_events(alice)), 1);
    let now = net.now();
    net.client(bob)
        .send_to_conversation(now, conversation, "hello from MSNP12")
        .unwrap();
    net.run();
    assert_eq!(
        texts(&net.take_events(alice)),
        [(BOB.to_owned(), "hello from MSNP12".to_owned())]
    );
    assert_eq!(delivered(&net.take_events(bob)), 1);
}
