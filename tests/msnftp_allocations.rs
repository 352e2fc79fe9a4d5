//! Heap allocations of an MSNFTP transfer in its steady state, counted (not timed):
//! once the buffers have grown to a round's size, the sender's blocks and the receiver's
//! data events allocate nothing, however long the file. One test, so that no other
//! test's allocations land in the shared counter meanwhile.

#[path = "../benches/support/counting_alloc.rs"]
mod counting_alloc;

use std::time::Instant;

use msnp::codec::Passport;
use msnp::msnftp::{MsnftpConfig, Receiver, ReceiverEvent, Sender};
use msnp::{Output, Secret};

const ROUND: usize = 8192;
const ROUNDS: usize = 256;

#[test]
fn a_steady_transfer_allocates_nothing() {
    let now = Instant::now();
    let size = (ROUND * (ROUNDS + 2)) as u64;
    let bob = Passport::try_from("bob@passport.com").unwrap();
    let mut rx = Receiver::new(MsnftpConfig::default(), bob, Secret::new(7), now);
    let mut tx = Sender::new(MsnftpConfig::default(), Secret::new(7), size, now);
    let mut wire = Vec::with_capacity(4 * ROUND);
    // The handshake: a few lines each way.
    for _ in 0..4 {
        while let Output::Transmit(bytes) = rx.poll_output() {
            wire.extend_from_slice(bytes);
        }
        tx.handle_input(now, &wire);
        wire.clear();
        while let Output::Transmit(bytes) = tx.poll_output() {
            wire.extend_from_slice(bytes);
        }
        rx.handle_input(now, &wire);
        wire.clear();
    }
    assert!(tx.wants_data(), "the handshake is done");
    let chunk = vec![0x5a; ROUND];
    let mut file_bytes = 0u64;
    let mut counted = 0;
    for round in 0..ROUNDS + 2 {
        let before = counting_alloc::allocations();
        assert_eq!(tx.write(now, &chunk).unwrap(), ROUND);
        loop {
            match tx.poll_output() {
                Output::Transmit(bytes) => wire.extend_from_slice(bytes),
                Output::Event(_) => {}
                Output::Idle { .. } => break,
            }
        }
        rx.handle_input(now, &wire);
        wire.clear();
        loop {
            match rx.poll_output() {
                Output::Transmit(bytes) => wire.extend_from_slice(bytes),
                Output::Event(ReceiverEvent::Data(data)) => file_bytes += data.len() as u64,
                Output::Event(_) => {}
                Output::Idle { .. } => break,
            }
        }
        // The first rounds grow the buffers; the last ends the transfer (BYE, events).
        if (2..ROUNDS + 1).contains(&round) {
            counted += counting_alloc::allocations() - before;
        }
    }
    assert_eq!(file_bytes, size);
    assert_eq!(rx.outcome(), Some(&Ok(size)));
    assert_eq!(
        counted,
        0,
        "allocations in {} steady rounds of {ROUND} bytes",
        ROUNDS - 1
    );
}
