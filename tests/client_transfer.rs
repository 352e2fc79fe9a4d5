//! Transfers hosted by the `Client`, end to end through the crate's server in memory:
//! over P2P (the switchboard, MSNP9+) display pictures fetched and served, files of
//! 0 B, 1 B and 1 MiB both ways, declines, cancels and a switchboard dropped mid-way;
//! over MSNFTP (a direct connection, MSNP8) files of 0 B, 1 B and 1 MiB both ways and
//! a direct connection cut mid-way;
//! each transfer ending exactly once on each side.

use msnp::client::{ClientConfig, ClientError, ClientEvent, TransferError, TransferFailure, TransferId};
use msnp::codec::{Dialect, DialectSet, Passport};
use msnp::p2p::MAX_CHUNK_LEN;
use msnp::testing::loopback::Network;

const ALICE: &str = "alice@example.com";
const BOB: &str = "bob@example.com";
/// Every dialect offered: the session speaks MSNP12, which has P2P.
const P2P: DialectSet = DialectSet::ALL;

fn passport(s: &str) -> Passport<'static> {
    Passport::try_from(s.to_owned()).unwrap()
}

fn config(dialects: DialectSet) -> ClientConfig {
    let mut config = ClientConfig::default();
    config.notification.dialects = dialects;
    config
}

/// Alice and Bob, friends, signed in with `dialects`; their login events taken.
fn alice_and_bob(dialects: DialectSet) -> (Network, usize, usize) {
    alice_and_bob_with(config(dialects))
}

fn alice_and_bob_with(config: ClientConfig) -> (Network, usize, usize) {
    let mut net = Network::new();
    let alice = net.add_client(ALICE, "a-secret", "Alice", config.clone());
    let bob = net.add_client(BOB, "b-secret", "Bob", config);
    net.befriend(ALICE, BOB);
    net.run();
    let a = net.take_events(alice);
    let b = net.take_events(bob);
    assert!(!net.client(alice).is_closed(), "{a:#?}");
    assert!(!net.client(bob).is_closed(), "{b:#?}");
    (net, alice, bob)
}

/// Deterministic noise (xorshift), so a failure reproduces.
fn random_bytes(len: usize, mut seed: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed as u8
        })
        .collect()
}

/// What one side saw of a transfer.
#[derive(Debug, Default)]
struct Seen {
    data: Vec<u8>,
    largest_piece: usize,
    progress: Vec<(u64, u64)>,
    offered: Vec<(TransferId, String, u64)>,
    accepted: usize,
    ended: Vec<(TransferId, Result<u64, TransferFailure>)>,
    pictures: Vec<(TransferId, Vec<u8>)>,
    other: Vec<String>,
}

impl Seen {
    fn take(&mut self, net: &mut Network, peer: usize) {
        for event in net.take_events(peer) {
            match event {
                ClientEvent::TransferOffered { id, name, size, .. } => self.offered.push((id, name, size)),
                ClientEvent::TransferAccepted { .. } => self.accepted += 1,
                ClientEvent::TransferProgress { done, total, .. } => self.progress.push((done, total)),
                ClientEvent::TransferData { bytes, .. } => {
                    self.largest_piece = self.largest_piece.max(bytes.len());
                    self.data.extend_from_slice(&bytes);
                }
                ClientEvent::TransferEnded { id, result } => self.ended.push((id, result)),
                ClientEvent::DisplayPicture { id, data, .. } => self.pictures.push((id, data)),
                other => self.other.push(format!("{other:?}")),
            }
        }
    }
}

/// Runs the network, writing `data` into transfer `id` of `from` as room opens, and
/// accepting every offer `to` gets; until both sides saw an end (or nothing moves).
fn pump(net: &mut Network, from: usize, to: usize, id: TransferId, data: &[u8]) -> (Seen, Seen) {
    pump_until(net, (from, to), id, data, |tx, rx| {
        !tx.ended.is_empty() && !rx.ended.is_empty()
    })
}

/// [`pump`] until `done` says so; a write to the transfer before the sender saw its end
/// must not fail.
fn pump_until(
    net: &mut Network,
    (from, to): (usize, usize),
    id: TransferId,
    data: &[u8],
    done: impl Fn(&Seen, &Seen) -> bool,
) -> (Seen, Seen) {
    let (mut tx, mut rx) = (Seen::default(), Seen::default());
    let mut written = 0;
    let mut largest_write = 0;
    for _ in 0..100_000 {
        if written < data.len() && tx.ended.is_empty() {
            let n = net.client(from).write_transfer(id, &data[written..]).unwrap();
            largest_write = largest_write.max(n);
            written += n;
        }
        net.run();
        tx.take(net, from);
        rx.take(net, to);
        for (offer, _, _) in std::mem::take(&mut rx.offered) {
            let now = net.now();
            net.client(to).accept_transfer(now, offer).unwrap();
        }
        if done(&tx, &rx) {
            break;
        }
    }
    assert!(done(&tx, &rx), "the network went quiet first:\n{tx:?}\n{rx:?}");
    // The client takes no more than its buffer at once, whatever the caller offers.
    assert!(largest_write <= ClientConfig::default().transfer.buffer);
    (tx, rx)
}

fn file_both_ways(len: usize) {
    let (mut net, alice, bob) = alice_and_bob(P2P);
    for (from, to, to_name) in [(alice, bob, BOB), (bob, alice, ALICE)] {
        let data = random_bytes(len, 0x5EED + len as u64 + from as u64);
        let now = net.now();
        let id = net
            .client(from)
            .send_file(now, &passport(to_name), "photo.jpg", len as u64)
            .unwrap();
        let (tx, rx) = pump(&mut net, from, to, id, &data);
        assert_eq!(tx.ended, [(id, Ok(len as u64))], "sender {tx:?}");
        assert_eq!(rx.ended.len(), 1, "receiver {rx:?}");
        assert_eq!(rx.ended[0].1, Ok(len as u64));
        assert_eq!(rx.data.len(), len);
        assert!(rx.data == data, "the bytes differ");
        assert_eq!(tx.accepted, 1);
        // Received data comes one chunk at a time: the receiver never holds the file.
        assert!(rx.largest_piece <= MAX_CHUNK_LEN);
        assert_eq!(tx.progress.last(), Some(&(len as u64, len as u64)));
        assert_eq!(rx.progress.last(), Some(&(len as u64, len as u64)));
    }
}

#[test]
fn an_empty_file_goes_both_ways() {
    file_both_ways(0);
}

#[test]
fn a_one_byte_file_goes_both_ways() {
    file_both_ways(1);
}

#[test]
fn a_mebibyte_file_of_random_data_goes_both_ways() {
    file_both_ways(1 << 20);
}

#[test]
fn the_offer_names_the_file_and_a_decline_ends_both_sides() {
    let (mut net, alice, bob) = alice_and_bob(P2P);
    let now = net.now();
    let id = net
        .client(alice)
        .send_file(now, &passport(BOB), "notes.txt", 10)
        .unwrap();
    net.run();
    let (mut tx, mut rx) = (Seen::default(), Seen::default());
    tx.take(&mut net, alice);
    rx.take(&mut net, bob);
    assert_eq!(rx.offered.len(), 1);
    let (offer, name, size) = rx.offered[0].clone();
    assert_eq!((name.as_str(), size), ("notes.txt", 10));
    // Only the receiver answers an offer.
    assert!(matches!(
        net.client(alice).accept_transfer(now, id),
        Err(ClientError::Transfer(TransferError::WrongState))
    ));
    net.client(bob).decline_transfer(now, offer).unwrap();
    net.run();
    tx.take(&mut net, alice);
    rx.take(&mut net, bob);
    assert_eq!(tx.ended, [(id, Err(TransferFailure::Declined))]);
    assert_eq!(rx.ended, [(offer, Err(TransferFailure::DeclinedHere))]);
    assert_eq!(
        TransferFailure::Declined.to_string(),
        "the peer declined the transfer"
    );
    // Ended means forgotten.
    assert!(matches!(
        net.client(bob).accept_transfer(now, offer),
        Err(ClientError::Transfer(TransferError::UnknownTransfer))
    ));
}

#[test]
fn a_cancel_mid_transfer_ends_both_sides_once() {
    let (mut net, alice, bob) = alice_and_bob(P2P);
    let data = random_bytes(200_000, 7);
    let now = net.now();
    let id = net
        .client(alice)
        .send_file(now, &passport(BOB), "big.bin", data.len() as u64)
        .unwrap();
    // Until some data arrived, not all of it.
    let (mut tx, mut rx) = pump_until(&mut net, (alice, bob), id, &data, |_, rx| rx.data.len() >= 10_000);
    net.client(alice).cancel_transfer(now, id).unwrap();
    net.run();
    tx.take(&mut net, alice);
    rx.take(&mut net, bob);
    assert_eq!(tx.ended, [(id, Err(TransferFailure::Cancelled))]);
    assert_eq!(rx.ended.len(), 1);
    assert_eq!(rx.ended[0].1, Err(TransferFailure::CancelledByPeer));
    assert!(rx.data.len() < data.len());
    assert!(rx.data[..] == data[..rx.data.len()]);
    // Writing to an ended transfer is refused.
    assert!(matches!(
        net.client(alice).write_transfer(id, b"x"),
        Err(ClientError::Transfer(TransferError::UnknownTransfer))
    ));
}

#[test]
fn a_switchboard_dropped_mid_transfer_fails_both_sides() {
    let (mut net, alice, bob) = alice_and_bob(P2P);
    let data = random_bytes(200_000, 9);
    let now = net.now();
    let id = net
        .client(bob)
        .send_file(now, &passport(ALICE), "big.bin", data.len() as u64)
        .unwrap();
    let (mut tx, mut rx) = pump_until(&mut net, (bob, alice), id, &data, |_, rx| rx.data.len() >= 10_000);
    assert!(net.drop_switchboards(None) > 0);
    net.run();
    tx.take(&mut net, bob);
    rx.take(&mut net, alice);
    assert_eq!(tx.ended, [(id, Err(TransferFailure::ConnectionLost))]);
    assert_eq!(rx.ended.len(), 1);
    assert_eq!(rx.ended[0].1, Err(TransferFailure::ConnectionLost));
    assert_eq!(
        TransferFailure::ConnectionLost.to_string(),
        "the connection carrying the transfer was lost"
    );
}

#[test]
fn a_display_picture_is_fetched_served_and_checked() {
    let (mut net, alice, bob) = alice_and_bob(P2P);
    let picture = random_bytes(20_000, 3);
    let now = net.now();
    net.client(alice)
        .set_display_picture(now, picture.clone())
        .unwrap();
    net.run();
    net.take_events(alice);
    let object = net.client(alice).display_picture().unwrap().0.clone();
    // Bob learns the object from Alice's presence.
    let announced = net.take_events(bob).into_iter().find_map(|event| match event {
        ClientEvent::ContactDisplayPicture { object, .. } => object,
        _ => None,
    });
    assert_eq!(announced.as_ref(), Some(&object));
    let id = net
        .client(bob)
        .request_display_picture(now, &passport(ALICE), &object)
        .unwrap();
    net.run();
    let (mut owner, mut asker) = (Seen::default(), Seen::default());
    owner.take(&mut net, alice);
    asker.take(&mut net, bob);
    assert_eq!(asker.pictures, [(id, picture.clone())]);
    assert_eq!(asker.ended, [(id, Ok(picture.len() as u64))]);
    assert_eq!(asker.progress.last(), Some(&(20_000, 20_000)));
    // Serving is the client's own business: no transfer events for the owner.
    assert!(owner.ended.is_empty() && owner.progress.is_empty(), "{owner:?}");
}

#[test]
fn a_picture_the_owner_does_not_have_is_declined() {
    let (mut net, alice, bob) = alice_and_bob(P2P);
    let now = net.now();
    net.client(alice)
        .set_display_picture(now, b"the real picture".to_vec())
        .unwrap();
    net.run();
    let real = net.client(alice).display_picture().unwrap().0.clone();
    // Alice serves only the picture she announced, known by its SHA1D.
    let other = msnp::presence::MsnObject::for_data(
        passport(ALICE),
        msnp::presence::MsnObjectKind::DisplayPicture,
        "0",
        "",
        b"another picture!",
    )
    .unwrap();
    assert_eq!(real.size(), other.size());
    let id = net
        .client(bob)
        .request_display_picture(now, &passport(ALICE), &other)
        .unwrap();
    net.run();
    let mut asker = Seen::default();
    asker.take(&mut net, bob);
    // Alice has no picture with that SHA1D: she declines.
    assert_eq!(asker.ended, [(id, Err(TransferFailure::Declined))]);
    assert!(asker.pictures.is_empty());
}

#[test]
fn a_picture_larger_than_the_bound_is_refused_before_asking() {
    let (mut net, _alice, bob) = alice_and_bob(P2P);
    let big = msnp::presence::MsnObject::for_data(
        passport(ALICE),
        msnp::presence::MsnObjectKind::DisplayPicture,
        "0",
        "",
        &vec![0; 300 * 1024],
    )
    .unwrap();
    let now = net.now();
    assert_eq!(
        net.client(bob)
            .request_display_picture(now, &passport(ALICE), &big),
        Err(ClientError::Transfer(TransferError::PictureTooLarge {
            size: 300 * 1024,
            max: 256 * 1024
        }))
    );
}

/// A file of `len` bytes each way over MSNFTP between two MSNP8 clients, which the
/// network wires to each other once the sender listens.
fn msnftp_file_both_ways(len: usize) {
    let mut config = config(DialectSet::only(Dialect::Msnp8));
    config.transfer.msnftp = true;
    let (mut net, alice, bob) = alice_and_bob_with(config);
    for (from, to, to_name) in [(alice, bob, BOB), (bob, alice, ALICE)] {
        let data = random_bytes(len, 0xF7 + len as u64 + from as u64);
        let now = net.now();
        let id = net
            .client(from)
            .send_file_msnftp(now, &passport(to_name), "notes.txt", len as u64)
            .unwrap();
        let (tx, rx) = pump(&mut net, from, to, id, &data);
        assert_eq!(tx.ended, [(id, Ok(len as u64))], "sender {tx:?}");
        assert_eq!(rx.ended.len(), 1, "receiver {rx:?}");
        assert_eq!(rx.ended[0].1, Ok(len as u64));
        assert!(rx.data == data, "the bytes differ");
        assert_eq!(tx.accepted, 1);
        assert_eq!(tx.progress.last(), Some(&(len as u64, len as u64)));
        assert_eq!(rx.progress.last(), Some(&(len as u64, len as u64)));
    }
}

#[test]
fn an_empty_file_goes_both_ways_over_msnftp() {
    msnftp_file_both_ways(0);
}

#[test]
fn a_one_byte_file_goes_both_ways_over_msnftp() {
    msnftp_file_both_ways(1);
}

#[test]
fn a_mebibyte_file_of_random_data_goes_both_ways_over_msnftp() {
    msnftp_file_both_ways(1 << 20);
}

#[test]
fn a_direct_connection_cut_mid_transfer_fails_both_sides_over_msnftp() {
    let mut config = config(DialectSet::only(Dialect::Msnp8));
    config.transfer.msnftp = true;
    let (mut net, alice, bob) = alice_and_bob_with(config);
    let data = random_bytes(1 << 20, 0xC07);
    let now = net.now();
    let id = net
        .client(alice)
        .send_file_msnftp(now, &passport(BOB), "big.bin", data.len() as u64)
        .unwrap();
    // Until Bob holds part of the file.
    let (mut tx, mut rx) = pump_until(&mut net, (alice, bob), id, &data, |_, rx| !rx.data.is_empty());
    assert_eq!(net.drop_direct_connections(), 1);
    net.run();
    tx.take(&mut net, alice);
    rx.take(&mut net, bob);
    assert_eq!(tx.ended, [(id, Err(TransferFailure::ConnectionLost))]);
    assert_eq!(rx.ended.len(), 1, "{rx:?}");
    assert_eq!(rx.ended[0].1, Err(TransferFailure::ConnectionLost));
    assert!(rx.data.len() < data.len() && data.starts_with(&rx.data));
    // Nothing is left to cut, and the sessions go on.
    assert_eq!(net.drop_direct_connections(), 0);
    assert!(!net.client(alice).is_closed() && !net.client(bob).is_closed());
}

#[test]
fn msnp8_has_no_p2p_transfers() {
    let (mut net, _alice, bob) = alice_and_bob(DialectSet::only(Dialect::Msnp8));
    let now = net.now();
    let refused = net.client(bob).send_file(now, &passport(ALICE), "a.txt", 1);
    assert_eq!(
        refused,
        Err(ClientError::Transfer(TransferError::NeedsMsnp9 {
            dialect: Some(Dialect::Msnp8)
        }))
    );
    assert_eq!(
        refused.unwrap_err().to_string(),
        "transfers over the switchboard need MSNP9 or later, the session speaks MSNP8"
    );
}

#[test]
fn a_transfer_to_someone_offline_ends_without_a_conversation() {
    let mut net = Network::new();
    let alice = net.add_client(ALICE, "a-secret", "Alice", config(P2P));
    net.server().add_account(BOB, "b", "Bob").unwrap();
    net.run();
    net.take_events(alice);
    let now = net.now();
    let id = net
        .client(alice)
        .send_file(now, &passport(BOB), "a.txt", 1)
        .unwrap();
    net.run();
    let mut seen = Seen::default();
    seen.take(&mut net, alice);
    assert_eq!(seen.ended, [(id, Err(TransferFailure::NoConversation))]);
}

#[test]
fn an_unanswered_offer_times_out_on_both_sides() {
    let (mut net, alice, bob) = alice_and_bob(P2P);
    let now = net.now();
    let id = net
        .client(alice)
        .send_file(now, &passport(BOB), "later.txt", 3)
        .unwrap();
    net.run();
    let (mut tx, mut rx) = (Seen::default(), Seen::default());
    tx.take(&mut net, alice);
    rx.take(&mut net, bob);
    let (offer, _, _) = rx.offered[0].clone();
    // Nothing happens for the P2P timeout (120 s by default).
    net.advance(std::time::Duration::from_secs(119));
    tx.take(&mut net, alice);
    rx.take(&mut net, bob);
    assert!(tx.ended.is_empty() && rx.ended.is_empty());
    net.advance(std::time::Duration::from_secs(2));
    tx.take(&mut net, alice);
    rx.take(&mut net, bob);
    assert_eq!(tx.ended, [(id, Err(TransferFailure::TimedOut))]);
    assert_eq!(rx.ended, [(offer, Err(TransferFailure::TimedOut))]);
}

#[test]
fn the_receiver_cancelling_mid_transfer_ends_both_sides_once() {
    let (mut net, alice, bob) = alice_and_bob(P2P);
    let data = random_bytes(200_000, 11);
    let now = net.now();
    let id = net
        .client(alice)
        .send_file(now, &passport(BOB), "big.bin", data.len() as u64)
        .unwrap();
    let (mut tx, mut rx) = (Seen::default(), Seen::default());
    let mut written = 0;
    let mut offer = None;
    while rx.data.len() < 10_000 {
        written += net.client(alice).write_transfer(id, &data[written..]).unwrap();
        net.run();
        tx.take(&mut net, alice);
        rx.take(&mut net, bob);
        for (id, _, _) in std::mem::take(&mut rx.offered) {
            net.client(bob).accept_transfer(now, id).unwrap();
            offer = Some(id);
        }
    }
    let offer = offer.unwrap();
    net.client(bob).cancel_transfer(now, offer).unwrap();
    net.run();
    tx.take(&mut net, alice);
    rx.take(&mut net, bob);
    assert_eq!(rx.ended, [(offer, Err(TransferFailure::Cancelled))]);
    assert_eq!(tx.ended, [(id, Err(TransferFailure::CancelledByPeer))]);
    assert_eq!(
        TransferFailure::CancelledByPeer.to_string(),
        "the peer cancelled the transfer"
    );
}

#[test]
fn two_files_at_once_each_arrive_whole() {
    let (mut net, alice, bob) = alice_and_bob(P2P);
    let first = random_bytes(30_000, 21);
    let second = random_bytes(45_000, 22);
    let now = net.now();
    let a = net
        .client(alice)
        .send_file(now, &passport(BOB), "one.bin", first.len() as u64)
        .unwrap();
    let b = net
        .client(alice)
        .send_file(now, &passport(BOB), "two.bin", second.len() as u64)
        .unwrap();
    let mut received: std::collections::BTreeMap<TransferId, Vec<u8>> = Default::default();
    let mut names: std::collections::BTreeMap<TransferId, String> = Default::default();
    let (mut wa, mut wb, mut ends) = (0, 0, Vec::new());
    for _ in 0..10_000 {
        wa += net.client(alice).write_transfer(a, &first[wa..]).unwrap_or(0);
        wb += net.client(alice).write_transfer(b, &second[wb..]).unwrap_or(0);
        net.run();
        for event in net.take_events(alice) {
            if let ClientEvent::TransferEnded { id, result } = event {
                ends.push((id, result));
            }
        }
        for event in net.take_events(bob) {
            match event {
                ClientEvent::TransferOffered { id, name, .. } => {
                    names.insert(id, name);
                    net.client(bob).accept_transfer(now, id).unwrap();
                }
                ClientEvent::TransferData { id, bytes } => received.entry(id).or_default().extend(bytes),
                ClientEvent::TransferEnded { id, result } => ends.push((id, result)),
                _ => {}
            }
        }
        if ends.len() == 4 {
            break;
        }
    }
    assert_eq!(ends.len(), 4, "{ends:?}");
    assert!(ends.iter().all(|(_, result)| result.is_ok()), "{ends:?}");
    for (id, name) in names {
        let expected = if name == "one.bin" { &first } else { &second };
        assert!(received[&id] == *expected, "{name} differs");
    }
}

/// The transfer events of an empty file sent from Alice to Bob (over MSNFTP between
/// MSNP8 clients, or over P2P) and accepted, one list per side (the conversation's own
/// events left out).
fn empty_file_events(msnftp: bool) -> (Vec<ClientEvent>, Vec<ClientEvent>) {
    let mut config = config(if msnftp {
        DialectSet::only(Dialect::Msnp8)
    } else {
        P2P
    });
    config.transfer.msnftp = msnftp;
    let (mut net, alice, bob) = alice_and_bob_with(config);
    let now = net.now();
    let client = net.client(alice);
    if msnftp {
        client
            .send_file_msnftp(now, &passport(BOB), "empty.txt", 0)
            .unwrap();
    } else {
        client.send_file(now, &passport(BOB), "empty.txt", 0).unwrap();
    }
    let is_transfer = |e: &ClientEvent| {
        matches!(
            e,
            ClientEvent::TransferOffered { .. }
                | ClientEvent::TransferAccepted { .. }
                | ClientEvent::TransferProgress { .. }
                | ClientEvent::TransferData { .. }
                | ClientEvent::TransferEnded { .. }
        )
    };
    let (mut tx, mut rx) = (Vec::new(), Vec::new());
    for _ in 0..1000 {
        net.run();
        tx.extend(net.take_events(alice).into_iter().filter(is_transfer));
        let got: Vec<ClientEvent> = net.take_events(bob).into_iter().filter(is_transfer).collect();
        for event in &got {
            if let ClientEvent::TransferOffered { id, .. } = event {
                let now = net.now();
                net.client(bob).accept_transfer(now, *id).unwrap();
            }
        }
        rx.extend(got);
        if tx
            .iter()
            .chain(&rx)
            .filter(|e| matches!(e, ClientEvent::TransferEnded { .. }))
            .count()
            == 2
        {
            break;
        }
    }
    (tx, rx)
}

/// Both transports tell an empty file alike: one progress (0 of 0) on each side, the
/// sender's once the receiver asked for the data, then the end.
#[test]
fn an_empty_file_reports_the_same_progress_over_msnftp_as_over_p2p() {
    for msnftp in [false, true] {
        let (tx, rx) = empty_file_events(msnftp);
        let Some(ClientEvent::TransferAccepted { id }) = tx.first().cloned() else {
            panic!("the sender saw {tx:?}");
        };
        assert_eq!(
            tx,
            [
                ClientEvent::TransferAccepted { id },
                ClientEvent::TransferProgress {
                    id,
                    done: 0,
                    total: 0
                },
                ClientEvent::TransferEnded { id, result: Ok(0) },
            ]
        );
        let Some(ClientEvent::TransferOffered { id: rid, .. }) = rx.first().cloned() else {
            panic!("the receiver saw {rx:?}");
        };
        assert_eq!(
            rx,
            [
                ClientEvent::TransferOffered {
                    id: rid,
                    from: passport(ALICE),
                    name: "empty.txt".into(),
                    size: 0,
                },
                ClientEvent::TransferProgress {
                    id: rid,
                    done: 0,
                    total: 0
                },
                ClientEvent::TransferEnded {
                    id: rid,
                    result: Ok(0)
                },
            ]
        );
    }
}
