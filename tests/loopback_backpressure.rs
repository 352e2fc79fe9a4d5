//! Backpressure through the crate's `LoopbackServer`: a file sent over P2P as fast as
//! the sender's `Client` takes it, to a receiver whose bot reads its events slowly,
//! arrives whole, because the server reads the sender only as fast as the receiver
//! takes the relayed bytes (rather than holding them, and dropping the receiver once
//! it falls a megabyte behind). Also [`Server::relay_peers`], the query the driver
//! asks, in memory.
//!
//! Every wait is bounded (`STEP`), so a regression fails with a message instead of
//! hanging CI.

mod support {
    pub mod bots;
    pub mod net;
}

use std::time::{Duration, Instant};

use msnp::client::ClientEvent;
use msnp::codec::{List, Status};
use msnp::server::std_driver::LoopbackServer;
use msnp::server::{ConnId, Listener, Server};
use sha2::Digest;
use support::bots::*;
use support::net::{Net, word_after};

/// Where alice's side of the transfer is.
struct Sender {
    id: msnp::client::TransferId,
    accepted: bool,
    written: usize,
    sent: Option<Result<u64, String>>,
}

impl Sender {
    fn take(&mut self, event: ClientEvent) {
        match event {
            ClientEvent::TransferAccepted { id } if id == self.id => self.accepted = true,
            ClientEvent::TransferEnded { id, result } if id == self.id => {
                self.sent = Some(result.map_err(|why| why.to_string()));
            }
            event @ (ClientEvent::ConversationEnded { .. } | ClientEvent::SessionEnded { .. }) => {
                panic!("alice's side ended at {} bytes written: {event:?}", self.written)
            }
            _ => {}
        }
    }
}

/// Bob's events are taken in bursts of this many, with a pause after each, and his
/// driver holds this many before it stops reading: he falls behind a sender on
/// loopback from the first chunk.
const BOB_BURST: usize = 8;
const BOB_PAUSE: Duration = Duration::from_millis(2);
/// Before his first event bob is busy for this long, time enough for a sender the
/// server does not hold back to pile megabytes onto his switchboard connection,
/// beyond what the kernel buffers for a socket that is not read.
const BOB_BUSY: Duration = Duration::from_millis(300);

#[test]
fn eight_mib_written_as_fast_as_taken_reach_a_slow_reader_whole() {
    const LEN: usize = 8 * 1024 * 1024;
    let server = LoopbackServer::start(|s| {
        for (account, password, name) in [ALICE, BOB] {
            s.add_account(account, password, name)?;
        }
        Ok(())
    })
    .unwrap();
    let alice = sign_in_with(ALICE, config(&server));
    let mut slow = config(&server);
    slow.event_queue = BOB_BURST;
    let bob = sign_in_with(BOB, slow);
    alice.bot.add_contact(List::Forward, &passport(BOB.0)).unwrap();
    bob.bot.add_contact(List::Forward, &passport(ALICE.0)).unwrap();
    assert_eq!(presence(&alice, BOB.0), Status::Online);
    assert_eq!(presence(&bob, ALICE.0), Status::Online);

    let file = random_file(LEN, 14);
    let started = Instant::now();
    let id = alice
        .bot
        .send_file(&passport(BOB.0), "file.bin", LEN as u64)
        .unwrap();
    let offer = bob.expect("the offer", |e| match e {
        ClientEvent::TransferOffered { id, .. } => Some(*id),
        _ => None,
    });
    bob.bot.accept_transfer(offer).unwrap();

    // Bob, on his own thread, takes his events slowly; his switchboard must stay up.
    let receiver = std::thread::spawn(move || {
        let (mut hash, mut got, mut taken) = (sha2::Sha256::new(), 0usize, 0usize);
        let bob = bob;
        for event in bob.passed.take() {
            assert!(!matches!(event, ClientEvent::TransferEnded { .. }), "{event:?}");
        }
        std::thread::sleep(BOB_BUSY);
        loop {
            let event = bob
                .events
                .recv_timeout(STEP)
                .unwrap_or_else(|e| panic!("bob stalled at {got} bytes: {e}"));
            taken += 1;
            if taken % BOB_BURST == 0 {
                std::thread::sleep(BOB_PAUSE);
            }
            match event {
                ClientEvent::TransferData { id, bytes } if id == offer => {
                    hash.update(&bytes);
                    got += bytes.len();
                }
                ClientEvent::TransferEnded { id, result } if id == offer => {
                    let result = result.map_err(|why| why.to_string());
                    return (result, got, <[u8; 32]>::from(hash.finalize()), bob);
                }
                event @ (ClientEvent::ConversationEnded { .. } | ClientEvent::SessionEnded { .. }) => {
                    panic!("bob's side ended at {got} bytes: {event:?}")
                }
                _ => {}
            }
        }
    });

    // Alice writes as fast as her `Client` takes the bytes, and otherwise waits for the
    // event that says there is room again.
    let mut sender = Sender {
        id,
        accepted: false,
        written: 0,
        sent: None,
    };
    for event in alice.passed.take() {
        sender.take(event);
    }
    while sender.sent.is_none() {
        let taken = if sender.accepted && sender.written < LEN {
            // A transfer that failed refuses bytes; its end event says why.
            alice.bot.write_transfer(id, &file[sender.written..]).unwrap_or(0)
        } else {
            0
        };
        sender.written += taken;
        if taken == 0 {
            let event = alice
                .events
                .recv_timeout(STEP)
                .unwrap_or_else(|e| panic!("alice stalled at {} bytes written: {e}", sender.written));
            sender.take(event);
        }
        while let Ok(event) = alice.events.recv_timeout(Duration::ZERO) {
            sender.take(event);
        }
    }
    assert_eq!(sender.sent, Some(Ok(LEN as u64)));
    let (received, got, hash, _bob) = receiver.join().unwrap();
    let elapsed = started.elapsed();
    assert_eq!((received, got), (Ok(LEN as u64), LEN));
    assert_eq!(hash, <[u8; 32]>::from(sha2::Sha256::digest(&file)));
    eprintln!(
        "8 MiB to a slow reader in {elapsed:?} ({:.1} MB/s)",
        LEN as f64 / elapsed.as_secs_f64() / 1e6
    );
}

/// Who `conn`'s input reaches, in order.
fn peers(server: &Server, conn: ConnId) -> Vec<ConnId> {
    server.relay_peers(conn).collect()
}

/// The relay relation the driver pauses by: the other participants of a switchboard
/// session, in joining order, both ways; nobody for notification connections, for a
/// switchboard connection before it joins, or after a participant leaves.
#[test]
fn relay_peers_are_the_other_participants_of_the_session() {
    use support::net::{ALICE, BOB, CAROL};
    let mut net = Net::new();
    let (alice, _) = net.go_online(ALICE);
    let (bob, _) = net.go_online(BOB);
    let (carol, _) = net.go_online(CAROL);
    net.send(alice, "XFR 10 SB\r\n");
    let cookie = word_after(&net.take(alice), "CKI ").to_owned();
    let sb_a = net.accept(Listener::Switchboard);
    assert_eq!(peers(&net.server, sb_a), []);
    net.send(sb_a, format!("USR 1 {ALICE} {cookie}\r\n"));
    assert_eq!(peers(&net.server, sb_a), [], "alone in the session");

    let join = |net: &mut Net, ns: ConnId, who: &str, trid: u32| {
        net.send(sb_a, format!("CAL {trid} {who}\r\n"));
        let ring = net.take(ns);
        let sb = net.accept(Listener::Switchboard);
        net.send(
            sb,
            format!(
                "ANS 1 {who} {} {}\r\n",
                word_after(&ring, "CKI "),
                word_after(&ring, "RNG ")
            ),
        );
        net.take(sb_a);
        net.take(sb);
        sb
    };
    let sb_b = join(&mut net, bob, BOB, 2);
    let sb_c = join(&mut net, carol, CAROL, 3);
    assert_eq!(peers(&net.server, sb_a), [sb_b, sb_c]);
    assert_eq!(peers(&net.server, sb_b), [sb_a, sb_c]);
    assert_eq!(peers(&net.server, sb_c), [sb_a, sb_b]);
    for ns in [alice, bob, carol] {
        assert_eq!(
            peers(&net.server, ns),
            [],
            "notification connections relay nothing"
        );
    }

    net.send(sb_b, "OUT\r\n");
    assert_eq!(peers(&net.server, sb_a), [sb_c]);
    assert_eq!(peers(&net.server, sb_b), []);
    net.hang_up(sb_c);
    assert_eq!(peers(&net.server, sb_a), []);
}
