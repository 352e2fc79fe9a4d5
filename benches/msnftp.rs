//! MSNFTP throughput: an 8 MiB file from a `Sender` to a `Receiver` wired in memory
//! (handshake, 2045-byte blocks with their 3-byte headers, `BYE`), beside a baseline
//! measured in the same run that only frames the same bytes into blocks and copies
//! them out again: the floor any MSNFTP implementation pays.

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use msnp::Output;
use msnp::Secret;
use msnp::codec::Passport;
use msnp::msnftp::{MsnftpConfig, Receiver, ReceiverEvent, Sender};

const FILE_LEN: usize = 8 * 1024 * 1024;
const COOKIE: u32 = 1234;

/// One whole transfer; the bytes the receiver handed out.
fn transfer(data: &[u8]) -> usize {
    let now = Instant::now();
    let config = MsnftpConfig::default();
    let bob = Passport::try_from("bob@passport.com").unwrap();
    let mut rx = Receiver::new(config.clone(), bob, Secret::new(COOKIE), now);
    rx.expect_size(data.len() as u64).unwrap();
    let mut tx = Sender::new(config, Secret::new(COOKIE), data.len() as u64, now);
    let (mut to_tx, mut to_rx, mut received, mut written) = (Vec::new(), Vec::new(), 0, 0);
    while !(tx.is_finished() && rx.is_finished()) {
        loop {
            match rx.poll_output() {
                Output::Transmit(bytes) => to_tx.extend_from_slice(bytes),
                Output::Event(ReceiverEvent::Data(d)) => received += black_box(d).len(),
                Output::Event(_) => {}
                Output::Idle { .. } => break,
            }
        }
        tx.handle_input(now, &std::mem::take(&mut to_tx));
        loop {
            match tx.poll_output() {
                Output::Transmit(bytes) => to_rx.extend_from_slice(bytes),
                Output::Event(_) => {}
                Output::Idle { .. } => {
                    if !tx.wants_data() || written == data.len() {
                        break;
                    }
                    written += tx.write(now, &data[written..]).unwrap();
                }
            }
        }
        rx.handle_input(now, &std::mem::take(&mut to_rx));
    }
    received
}

/// The same bytes framed into 2045-byte blocks and copied out: no protocol at all.
fn baseline(data: &[u8], wire: &mut Vec<u8>, out: &mut Vec<u8>) -> usize {
    wire.clear();
    out.clear();
    for block in data.chunks(2045) {
        let len = (block.len() as u16).to_le_bytes();
        wire.extend_from_slice(&[0, len[0], len[1]]);
        wire.extend_from_slice(block);
    }
    let mut rest = &wire[..];
    while let [_, lo, hi, tail @ ..] = rest {
        let len = usize::from(u16::from_le_bytes([*lo, *hi]));
        out.extend_from_slice(&tail[..len]);
        rest = &tail[len..];
    }
    out.len()
}

fn bench(c: &mut Criterion) {
    let data: Vec<u8> = (0..FILE_LEN as u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    assert_eq!(transfer(&data), FILE_LEN);
    let mut group = c.benchmark_group("msnftp");
    group.throughput(Throughput::Bytes(FILE_LEN as u64));
    group.sample_size(10);
    group.bench_function("transfer_8MiB", |b| b.iter(|| transfer(black_box(&data))));
    let (mut wire, mut out) = (Vec::new(), Vec::new());
    group.bench_function("baseline_block_copy_8MiB", |b| {
        b.iter(|| baseline(black_box(&data), &mut wire, &mut out))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
