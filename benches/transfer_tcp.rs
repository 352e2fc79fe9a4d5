//! File transfer throughput over real loopback TCP: two bots on the blocking driver,
//! signed in to the crate's `LoopbackServer`, send an 8 MiB file over MSNFTP (a direct
//! connection the sender's driver listens for) and over P2P (every byte relayed by the
//! server's switchboard as `MSG D`), beside a baseline measured in the same run: the
//! same bytes through one plain loopback TCP connection, in 64 KiB writes.
//!
//! The figures and the ratios to the baseline are printed (best of 5) after criterion's
//! own. Needs `--all-features` (the drivers and the server).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use msnp::Secret;
use msnp::blocking::{Bot, Events, connect};
use msnp::client::ClientEvent;
use msnp::codec::{HostPort, List, Passport, Status};
use msnp::drivers::DriverConfig;
use msnp::server::std_driver::LoopbackServer;

const FILE_LEN: usize = 8 * 1024 * 1024;
/// The baseline's write size, and the most the sender hands the transfer at once.
const ROUND: usize = 64 * 1024;
const ALICE: &str = "alice@example.com";
const BOB: &str = "bob@example.com";

/// Alice's bot, and Bob's, which runs on a thread of its own: it accepts every file
/// and tells how many bytes each one brought.
struct Pair {
    _server: LoopbackServer,
    alice: (Bot, Events),
    received: std::sync::mpsc::Receiver<usize>,
}

fn passport(account: &str) -> Passport<'static> {
    Passport::try_from(account.to_owned()).unwrap()
}

/// Alice and Bob signed in over MSNP12 with MSNFTP hosted, each on the other's list
/// and seeing the other online.
fn pair() -> Pair {
    let server = LoopbackServer::start(|s| {
        s.add_account(ALICE, "a", "Alice")?;
        s.add_account(BOB, "b", "Bob")
    })
    .unwrap();
    let mut config = DriverConfig::default();
    let dispatch = server.dispatch_addr();
    config.client.server = HostPort::new(dispatch.ip().to_string(), dispatch.port()).unwrap();
    config.client.passport.nexus_url = server.nexus_url();
    config.allow_http_passport = true;
    config.client.transfer.msnftp = true;
    // Each MSNFTP offer sends two mode-N invitation messages, which hold a place in
    // the switchboard's window until this passes: hundreds of back-to-back transfers
    // would otherwise wait for room.
    config.client.switchboard.nak_grace = Duration::from_millis(100);
    let alice = connect(config.clone(), ALICE, Secret::new("a".to_owned())).unwrap();
    let bob = connect(config, BOB, Secret::new("b".to_owned())).unwrap();
    alice.0.add_contact(List::Forward, &passport(BOB)).unwrap();
    bob.0.add_contact(List::Forward, &passport(ALICE)).unwrap();
    for (events, other) in [(&alice.1, BOB), (&bob.1, ALICE)] {
        loop {
            match events.recv_timeout(Duration::from_secs(10)).unwrap() {
                ClientEvent::ContactPresence { account, status, .. }
                    if account.as_str() == other && status == Status::Online =>
                {
                    break;
                }
                _ => {}
            }
        }
    }
    let (told, received) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let (bot, events) = bob;
        let mut bytes = 0;
        while let Some(event) = events.recv() {
            match event {
                ClientEvent::TransferOffered { id, .. } => bot.accept_transfer(id).unwrap(),
                ClientEvent::TransferData { bytes: data, .. } => bytes += data.len(),
                ClientEvent::TransferEnded { result, .. } => {
                    result.unwrap();
                    if told.send(std::mem::take(&mut bytes)).is_err() {
                        return;
                    }
                }
                _ => {}
            }
        }
    });
    Pair {
        _server: server,
        alice,
        received,
    }
}

/// Sends `file` from Alice to Bob, written as fast as the transfer takes it; the bytes
/// Bob received, once both sides ended it.
fn transfer(pair: &Pair, file: &[u8], msnftp: bool) -> usize {
    let (alice, events) = &pair.alice;
    let size = file.len() as u64;
    let id = if msnftp {
        alice.send_file_msnftp(&passport(BOB), "bench.bin", size)
    } else {
        alice.send_file(&passport(BOB), "bench.bin", size)
    }
    .unwrap();
    let mut written = 0;
    while let Some(event) = events.recv() {
        match event {
            ClientEvent::TransferAccepted { id: got } | ClientEvent::TransferProgress { id: got, .. }
                if got == id =>
            {
                while written < file.len() {
                    let round = file.len().min(written + ROUND);
                    match alice.write_transfer(id, &file[written..round]).unwrap() {
                        0 => break,
                        taken => written += taken,
                    }
                }
            }
            ClientEvent::TransferEnded { id: got, result } if got == id => {
                result.unwrap();
                return pair.received.recv().unwrap();
            }
            _ => {}
        }
    }
    panic!("alice's session ended")
}

/// The baseline: `file` through one loopback TCP connection in `ROUND`-byte writes.
fn socket_copy(file: &[u8]) -> usize {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let mut out = TcpStream::connect(addr).unwrap();
            for round in file.chunks(ROUND) {
                out.write_all(round).unwrap();
            }
        });
        let (mut input, _) = listener.accept().unwrap();
        let (mut buffer, mut received) = (vec![0; ROUND], 0);
        loop {
            match input.read(&mut buffer).unwrap() {
                0 => return received,
                n => received += n,
            }
        }
    })
}

fn best_of(runs: usize, mut run: impl FnMut()) -> Duration {
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            run();
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn throughput(c: &mut Criterion) {
    let pair = pair();
    let file: Vec<u8> = (0..FILE_LEN).map(|i| (i * 31 % 251) as u8).collect();
    let mut group = c.benchmark_group("tcp_transfer");
    group.throughput(Throughput::Bytes(FILE_LEN as u64));
    group.sample_size(10);
    group.bench_function("baseline_socket_copy_8MiB", |b| {
        b.iter(|| assert_eq!(socket_copy(&file), FILE_LEN));
    });
    group.bench_function("msnftp_8MiB", |b| {
        b.iter(|| assert_eq!(transfer(&pair, &file, true), FILE_LEN));
    });
    group.bench_function("p2p_8MiB", |b| {
        b.iter(|| assert_eq!(transfer(&pair, &file, false), FILE_LEN));
    });
    group.finish();

    let mib_per_s = |time: Duration| FILE_LEN as f64 / (1024.0 * 1024.0) / time.as_secs_f64();
    let baseline = best_of(5, || assert_eq!(socket_copy(&file), FILE_LEN));
    let msnftp = best_of(5, || assert_eq!(transfer(&pair, &file, true), FILE_LEN));
    let p2p = best_of(5, || assert_eq!(transfer(&pair, &file, false), FILE_LEN));
    println!(
        "8 MiB over loopback TCP, best of 5: socket copy {:.0} MiB/s; MSNFTP {:.0} MiB/s ({:.3} of it); P2P through the server {:.0} MiB/s ({:.3} of it)",
        mib_per_s(baseline),
        mib_per_s(msnftp),
        baseline.as_secs_f64() / msnftp.as_secs_f64(),
        mib_per_s(p2p),
        baseline.as_secs_f64() / p2p.as_secs_f64(),
    );
}

criterion_group!(benches, throughput);
criterion_main!(benches);
