//! P2P file transfer throughput through two `Client`s and the crate's server in memory
//! (`testing::loopback::Network`): one 256 KiB file per iteration, written as fast as
//! the sender's buffer takes it, every byte through MSG D, the server's relay and the
//! receiver's P2P session, acknowledged at the end.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use msnp::client::{ClientConfig, ClientEvent};
use msnp::codec::{Dialect, DialectSet, Passport};
use msnp::testing::loopback::Network;

const ALICE: &str = "alice@example.com";
const BOB: &str = "bob@example.com";
const FILE_LEN: usize = 256 * 1024;

fn network() -> (Network, usize, usize) {
    let mut config = ClientConfig::default();
    config.notification.dialects = DialectSet::only(Dialect::Msnp9);
    let mut net = Network::new();
    let alice = net.add_client(ALICE, "a", "Alice", config.clone());
    let bob = net.add_client(BOB, "b", "Bob", config);
    net.befriend(ALICE, BOB);
    net.run();
    net.take_events(alice);
    net.take_events(bob);
    (net, alice, bob)
}

/// Sends one file from Alice to Bob; the bytes Bob received.
fn transfer(net: &mut Network, alice: usize, bob: usize, data: &[u8]) -> usize {
    let now = net.now();
    let bob_account = Passport::try_from(BOB).unwrap();
    let id = net
        .client(alice)
        .send_file(now, &bob_account, "bench.bin", data.len() as u64)
        .unwrap();
    let (mut written, mut received, mut ends) = (0, 0, 0);
    while ends < 2 {
        if written < data.len() {
            written += net.client(alice).write_transfer(id, &data[written..]).unwrap();
        }
        net.run();
        for event in net.take_events(alice) {
            ends += usize::from(matches!(event, ClientEvent::TransferEnded { .. }));
        }
        for event in net.take_events(bob) {
            match event {
                ClientEvent::TransferOffered { id, .. } => net.client(bob).accept_transfer(now, id).unwrap(),
                ClientEvent::TransferData { bytes, .. } => received += bytes.len(),
                ClientEvent::TransferEnded { .. } => ends += 1,
                _ => {}
            }
        }
    }
    received
}

fn throughput(c: &mut Criterion) {
    let (mut net, alice, bob) = network();
    let data: Vec<u8> = (0..FILE_LEN).map(|i| (i * 31 % 251) as u8).collect();
    let mut group = c.benchmark_group("p2p_transfer");
    group.throughput(Throughput::Bytes(FILE_LEN as u64));
    group.sample_size(10);
    group.bench_function("256KiB_alice_to_bob", |b| {
        b.iter(|| assert_eq!(black_box(transfer(&mut net, alice, bob, &data)), FILE_LEN));
    });
    group.finish();
}

criterion_group!(benches, throughput);
criterion_main!(benches);
