//! Inbound message throughput through a joined switchboard machine: 1000 text messages
//! (the reference's 133-byte example) per iteration, and 1000 sent messages with their
//! ACKs, fed in 4 KiB reads as a socket would deliver them.

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use msnp::codec::{AckMode, Passport, Token};
use msnp::sb::{SbConfig, SwitchboardClient};
use msnp::{Output, Secret};

const MESSAGES: usize = 1000;

fn joined(now: Instant) -> SwitchboardClient {
    let me = Passport::try_from("alice@passport.com").unwrap();
    let cookie = Secret::new(Token::try_from("17262740.1050826919.32308").unwrap());
    let config = SbConfig {
        max_pending: MESSAGES,
        ..SbConfig::default()
    };
    let mut sb = SwitchboardClient::call(config, me, cookie, now);
    sb.handle_input(
        now,
        b"USR 1 OK alice@passport.com Alice\r\nJOI bob@passport.com Bob\r\n",
    );
    while !matches!(sb.poll_output(), Output::Idle { .. }) {}
    sb
}

fn text_stream() -> Vec<u8> {
    let payload = b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\
X-MMS-IM-Format: FN=Arial; EF=I; CO=0; CS=0; PF=22\r\n\r\nHello! How are you?";
    let mut stream = Vec::new();
    for _ in 0..MESSAGES {
        stream.extend_from_slice(format!("MSG bob@passport.com Bob {}\r\n", payload.len()).as_bytes());
        stream.extend_from_slice(payload);
    }
    stream
}

fn drain(sb: &mut SwitchboardClient) -> usize {
    let mut events = 0;
    loop {
        match sb.poll_output() {
            Output::Event(event) => {
                black_box(event);
                events += 1;
            }
            Output::Transmit(bytes) => {
                black_box(bytes);
            }
            Output::Idle { .. } => return events,
        }
    }
}

fn inbound(c: &mut Criterion) {
    let now = Instant::now();
    let stream = text_stream();
    let mut group = c.benchmark_group("sb");
    group.throughput(Throughput::Elements(MESSAGES as u64));
    group.bench_function("inbound_text_messages", |b| {
        b.iter_batched(
            || joined(now),
            |mut sb| {
                let mut events = 0;
                for read in stream.chunks(4096) {
                    sb.handle_input(now, read);
                    events += drain(&mut sb);
                }
                assert_eq!(events, MESSAGES);
                sb
            },
            criterion::BatchSize::SmallInput,
        );
    });
    group.bench_function("send_and_ack", |b| {
        let acks: Vec<u8> = (0..MESSAGES)
            .flat_map(|i| format!("ACK {}\r\n", i + 2).into_bytes())
            .collect();
        b.iter_batched(
            || joined(now),
            |mut sb| {
                for _ in 0..MESSAGES {
                    sb.send_text(now, "Hello! How are you?", None, AckMode::Always)
                        .unwrap();
                    drain(&mut sb);
                }
                let mut events = 0;
                for read in acks.chunks(4096) {
                    sb.handle_input(now, read);
                    events += drain(&mut sb);
                }
                assert_eq!(events, MESSAGES);
                sb
            },
            criterion::BatchSize::SmallInput,
        );
    });
    group.finish();
}

criterion_group!(benches, inbound);
criterion_main!(benches);
