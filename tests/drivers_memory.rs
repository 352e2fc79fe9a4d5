//! The blocking driver against the crate's server in memory
//! (`testing::memory::BlockingMemoryServer`): no port is bound, yet two bots sign in
//! through Passport, talk through a switchboard, see it crash, and talk again; an MSNFTP
//! file, which needs a socket the in-memory connector cannot listen on, fails on both
//! sides at once; and a connector that panics fails the sign-in instead of hanging it.

use std::time::Duration;

use msnp::Secret;
use msnp::blocking::{Bot, Events, connect_with};
use msnp::client::ClientEvent;
use msnp::codec::Passport;
use msnp::testing::memory::BlockingMemoryServer;

const ALICE: &str = "alice@example.com";
const BOB: &str = "bob@example.com";
/// Far more than any step takes; only reached when something hangs.
const PATIENCE: Duration = Duration::from_secs(10);

fn sign_in(server: &BlockingMemoryServer, account: &str) -> (Bot, Events) {
    let password = Secret::new(format!("{account}-pw"));
    connect_with(server.driver_config(), server.connector(), account, password)
        .unwrap_or_else(|error| panic!("{account} cannot sign in: {error}"))
}

/// The next text, skipping everything else; with the conversation ends seen before it.
fn next_text(events: &Events) -> (usize, String) {
    let mut ended = 0;
    loop {
        match events.recv_timeout(PATIENCE).expect("an event in time") {
            ClientEvent::TextReceived { text, .. } => return (ended, text),
            ClientEvent::ConversationEnded { .. } => ended += 1,
            ClientEvent::SessionEnded { reason } => panic!("the session ended: {reason}"),
            _ => {}
        }
    }
}

/// How the next transfer `events` hears of ended.
fn transfer_end(events: &Events) -> Result<u64, msnp::client::TransferFailure> {
    loop {
        match events.recv_timeout(PATIENCE).expect("an event in time") {
            ClientEvent::TransferEnded { result, .. } => return result,
            ClientEvent::SessionEnded { reason } => panic!("the session ended: {reason}"),
            _ => {}
        }
    }
}

#[test]
fn an_msnftp_send_through_a_connector_that_cannot_listen_fails_on_both_sides() {
    let server = BlockingMemoryServer::start(|s| {
        s.add_account(ALICE, &format!("{ALICE}-pw"), "Alice")?;
        s.add_account(BOB, &format!("{BOB}-pw"), "Bob")
    })
    .unwrap();
    let mut config = server.driver_config();
    config.client.transfer.msnftp = true;
    let connect = |account: &str| {
        let password = Secret::new(format!("{account}-pw"));
        connect_with(config.clone(), server.connector(), account, password).unwrap()
    };
    let ((alice, alice_events), (bob, bob_events)) = (connect(ALICE), connect(BOB));
    alice
        .send_file_msnftp(&Passport::try_from(BOB).unwrap(), "notes.txt", 5)
        .unwrap();
    let offer = loop {
        match bob_events.recv_timeout(PATIENCE).expect("the offer in time") {
            ClientEvent::TransferOffered { id, .. } => break id,
            ClientEvent::SessionEnded { reason } => panic!("the session ended: {reason}"),
            _ => {}
        }
    };
    bob.accept_transfer(offer).unwrap();
    assert_eq!(
        transfer_end(&alice_events),
        Err(msnp::client::TransferFailure::ConnectionLost)
    );
    assert_eq!(
        transfer_end(&bob_events),
        Err(msnp::client::TransferFailure::CancelledByPeer)
    );
}

#[test]
fn two_bots_talk_through_the_in_memory_server() {
    let server = BlockingMemoryServer::start(|s| {
        s.add_account(ALICE, &format!("{ALICE}-pw"), "Alice")?;
        s.add_account(BOB, &format!("{BOB}-pw"), "Bob")
    })
    .unwrap();
    let (alice, alice_events) = sign_in(&server, ALICE);
    let (_bob, bob_events) = sign_in(&server, BOB);
    let bob = Passport::try_from(BOB).unwrap();

    alice.send_message(&bob, "hello").unwrap();
    assert_eq!(next_text(&bob_events), (0, "hello".to_owned()));
    assert_eq!(server.drop_switchboards(), 2);
    // Once alice saw the crashed conversation end, her next text opens a new one, and
    // Bob sees the old one end before it.
    while !matches!(
        alice_events.recv_timeout(PATIENCE).expect("an event in time"),
        ClientEvent::ConversationEnded { .. }
    ) {}
    alice.send_message(&bob, "still there?").unwrap();
    assert_eq!(next_text(&bob_events), (1, "still there?".to_owned()));
    alice.sign_out().unwrap();
}

/// A connector is the bot author's code; one that panics fails the sign-in with a
/// reason instead of leaving it waiting forever.
struct Panicking;

impl msnp::tokio::Connector for Panicking {
    type Stream = tokio::io::DuplexStream;

    async fn connect(&self, _: &msnp::codec::HostPort<'static>) -> std::io::Result<Self::Stream> {
        panic!("a bug in the connector")
    }

    async fn http(&self, _: &msnp::passport::HttpRequest) -> Result<msnp::passport::HttpResponse, String> {
        panic!("a bug in the connector")
    }
}

#[tokio::test]
async fn a_panicking_connector_fails_the_sign_in() {
    let config = msnp::drivers::DriverConfig::default();
    let password = Secret::new("pw".to_owned());
    let error = msnp::tokio::connect_with(config, Panicking, ALICE, password)
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "cannot connect to messenger.hotmail.com:1863: the connector panicked"
    );
}
