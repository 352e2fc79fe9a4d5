//! The `Client` against the crate's own server, in memory: login through the dispatch
//! server and Passport, lists, presence, conversations and delivery accounting.

use msnp::client::{ClientConfig, ClientEvent};
use msnp::codec::{List, Passport};
use msnp::testing::loopback::Network;

fn passport(s: &str) -> Passport<'static> {
    Passport::try_from(s.to_owned()).unwrap()
}

#[test]
fn two_clients_log_in_and_chat() {
    let mut net = Network::new();
    let alice = net.add_client("alice@example.com", "a-secret", "Alice", ClientConfig::default());
    let bob = net.add_client("bob@example.com", "b-secret", "Bob", ClientConfig::default());
    net.run();
    let events = net.take_events(alice);
    assert!(
        matches!(&events[0], ClientEvent::PassportRequired { .. }),
        "{events:?}"
    );
    assert!(
        matches!(&events[1], ClientEvent::LoggedIn { account, .. } if account.as_str() == "alice@example.com"),
        "{events:?}"
    );
    net.take_events(bob);

    let now = net.now();
    net.client(alice)
        .add_contact(now, List::Forward, &passport("bob@example.com"))
        .unwrap();
    net.run();
    let handle = net
        .client(alice)
        .send_message(now, &passport("bob@example.com"), "hello bob")
        .unwrap();
    net.run();
    let events = net.take_events(alice);
    assert!(
        events.contains(&ClientEvent::MessageDelivered { handle }),
        "{events:#?}"
    );
    let received: Vec<_> = net
        .take_events(bob)
        .into_iter()
        .filter_map(|e| match e {
            ClientEvent::TextReceived { from, text, .. } => Some((from.as_str().to_owned(), text)),
            _ => None,
        })
        .collect();
    assert_eq!(
        received,
        [("alice@example.com".to_owned(), "hello bob".to_owned())]
    );
}
