//! The notification machine under load: a `SYN` of 10,000 contacts and a presence storm,
//! timed, with heap allocations counted by a wrapping global allocator. The download
//! must stay within three allocations per contact (`tests/ns_allocations.rs` checks it).

#[path = "support/counting_alloc.rs"]
mod counting_alloc;

use std::time::Instant;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use msnp::codec::Passport;
use msnp::ns::{NotificationClient, NsConfig, NsEvent};
use msnp::{Output, Secret};

const CONTACTS: usize = 10_000;

fn drain(ns: &mut NotificationClient) -> usize {
    let mut events = 0;
    loop {
        match ns.poll_output() {
            Output::Idle { .. } => return events,
            Output::Event(NsEvent::Closed { reason }) => panic!("closed: {reason:?}"),
            Output::Event(_) => events += 1,
            Output::Transmit(_) => {}
        }
    }
}

fn logged_in(now: Instant) -> NotificationClient {
    let account = Passport::try_from("example@passport.com").unwrap();
    let mut ns = NotificationClient::new(NsConfig::default(), account, now);
    ns.handle_connected(now).unwrap();
    for line in [
        "VER 1 MSNP8 CVR0\r\n",
        "CVR 2 1 1 1 x y\r\n",
        "USR 3 TWN S a=b\r\n",
    ] {
        ns.handle_input(now, line.as_bytes());
        drain(&mut ns);
    }
    ns.submit_ticket(now, Secret::new("t=1&p=2".into())).unwrap();
    ns.handle_input(now, b"USR 4 OK example@passport.com Me 1 0\r\n");
    drain(&mut ns);
    ns
}

fn syn_block() -> Vec<u8> {
    let mut out = format!("SYN 5 42 {CONTACTS} 3\r\nGTC A\r\nBLP AL\r\n").into_bytes();
    out.extend_from_slice(b"LSG 0 Other%20Contacts 0\r\nLSG 1 Friends 0\r\nLSG 2 Work 0\r\n");
    for i in 0..CONTACTS {
        let line = format!(
            "LST contact{i}@hotmail.com Contact%20number%20{i} 11 {}\r\n",
            i % 3
        );
        out.extend_from_slice(line.as_bytes());
        if i % 10 == 0 {
            out.extend_from_slice(b"BPR PHH 1%20(222)%20333%204444\r\n");
        }
    }
    out
}

fn storm() -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..CONTACTS {
        let line = format!(
            "NLN AWY contact{i}@hotmail.com Contact%20number%20{i} 268435492\r\nFLN contact{i}@hotmail.com\r\n"
        );
        out.extend_from_slice(line.as_bytes());
    }
    out
}

fn bench(c: &mut Criterion) {
    let now = Instant::now();
    let syn = syn_block();
    let mut group = c.benchmark_group("ns");
    group.throughput(Throughput::Bytes(syn.len() as u64));
    group.bench_function("syn_10000_contacts", |b| {
        b.iter_batched(
            || {
                let mut ns = logged_in(now);
                ns.sync_lists(now).unwrap();
                drain(&mut ns);
                ns
            },
            |mut ns| {
                ns.handle_input(now, &syn);
                assert_eq!(drain(&mut ns), 1);
                ns
            },
            criterion::BatchSize::LargeInput,
        )
    });

    let storm = storm();
    group.throughput(Throughput::Elements(2 * CONTACTS as u64));
    group.bench_function("presence_storm_20000_lines", |b| {
        let mut ns = logged_in(now);
        ns.sync_lists(now).unwrap();
        drain(&mut ns);
        ns.handle_input(now, &syn);
        drain(&mut ns);
        b.iter(|| {
            ns.handle_input(now, &storm);
            assert_eq!(drain(&mut ns), 2 * CONTACTS);
        })
    });
    group.finish();

    // Allocation counts, printed once.
    let mut ns = logged_in(now);
    ns.sync_lists(now).unwrap();
    drain(&mut ns);
    let before = counting_alloc::allocations();
    ns.handle_input(now, &syn);
    drain(&mut ns);
    let syn_allocs = counting_alloc::allocations() - before;
    let before = counting_alloc::allocations();
    ns.handle_input(now, &storm);
    drain(&mut ns);
    let storm_allocs = counting_alloc::allocations() - before;
    println!(
        "allocations: SYN of {CONTACTS} contacts {syn_allocs} ({:.1}/contact); presence storm of {} lines {storm_allocs} ({:.1}/line)",
        syn_allocs as f64 / CONTACTS as f64,
        2 * CONTACTS,
        storm_allocs as f64 / (2 * CONTACTS) as f64,
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
