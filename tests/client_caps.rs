//! What a `Client` announces in `CHG` reaches its contacts through the server: MSNC1
//! from an MSNP9+ client that hosts P2P, nothing from an MSNP8 one or from one that
//! opted out, so MSN 6/7 peers know which transport to ask it for (reference §3).

use msnp::client::ClientConfig;
use msnp::codec::{ClientCaps, Dialect, DialectSet, Passport};
use msnp::testing::loopback::Network;

const ALICE: &str = "alice@example.com";

fn passport(account: &str) -> Passport<'static> {
    Passport::try_from(account.to_owned()).unwrap()
}

#[test]
fn contacts_see_msnc1_only_from_clients_that_can_use_it() {
    let mut msnp8 = ClientConfig::default();
    msnp8.notification.dialects = DialectSet::only(Dialect::Msnp8);
    let mut opted_out = ClientConfig::default();
    opted_out.announce_p2p = false;
    opted_out.notification.caps = ClientCaps(ClientCaps::WEBCAM);
    let mut webcam = ClientConfig::default();
    webcam.notification.caps = ClientCaps(ClientCaps::WEBCAM);
    let peers = [
        (
            "bob@example.com",
            ClientConfig::default(),
            ClientCaps(0x1000_0000),
        ),
        ("carol@example.com", msnp8, ClientCaps(0)),
        ("dave@example.com", opted_out, ClientCaps(0x10)),
        ("erin@example.com", webcam, ClientCaps(0x1000_0010)),
    ];
    let mut net = Network::new();
    let alice = net.add_client(ALICE, "a-secret", "Alice", ClientConfig::default());
    for (account, config, _) in &peers {
        net.add_client(account, "secret", "Peer", config.clone());
        net.befriend(ALICE, account);
    }
    net.run();
    let seen: Vec<_> = peers
        .iter()
        .map(|(account, _, _)| {
            let list = net.client(alice).contact_list();
            (*account, list.contact(&passport(account)).and_then(|c| c.caps()))
        })
        .collect();
    let expected: Vec<_> = peers.iter().map(|(a, _, caps)| (*a, Some(*caps))).collect();
    assert_eq!(seen, expected);
}
