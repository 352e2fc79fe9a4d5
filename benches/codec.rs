//! Codec throughput on realistic traffic, and heap allocations per decoded command.
//!
//! The notification-server stream is a login (VER/CVR/USR), the profile and initial
//! e-mail `MSG`s, a `SYN` of 600 contacts in 12 groups (GTC, BLP, PRP, LSG, LST, BPR), the
//! `ILN` burst after the first `CHG`, a presence storm of `NLN`/`FLN`, new-mail
//! notifications and a challenge. The switchboard stream is a chat: `JOI`, typing
//! notifications, text `MSG`s from 20 to 1600 bytes, `ACK`s, `BYE`. The MSNP11 stream is
//! the notification session of that dialect, decoded in it: `USR OK` without a name,
//! `SBS`, a `SYN` with timestamps, `LSG`s and 600 `LST N= F= C=` with group GUIDs, `ILN`
//! and `NLN` with MSNObjects, `UBX` personal messages and `ADC`/`REM` of the reverse list.
//!
//! Run: `cargo bench --bench codec -- --warm-up-time 1 --measurement-time 3`.
//!
//! Counting instead of timing (repeatable on a shared machine): `CODEC_ONCE=1` makes the
//! binary walk and decode each stream once and exit, `CODEC_STREAM=ns` (or `sb`) keeps one
//! stream, and callgrind counts exactly one decode with
//! `valgrind --tool=callgrind --toggle-collect=codec::decode_once <bench binary> --bench`
//! (`codec::walk_once` for the ceiling). `CODEC_ONCE=300 CODEC_PARTS=1` prints best
//! times of the decode, of framing alone and of framing + UTF-8 validation.

#[path = "support/counting_alloc.rs"]
mod counting_alloc;
#[path = "support/traffic.rs"]
mod traffic;

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use msnp::codec::{ClientCommand, Dialect, Direction, Framer, Limits, ServerCommand, split_frame_in};
use traffic::{best_of, memchr_walk, msnp11_stream, ns_stream, sb_stream};

/// Decodes the whole stream through the borrowed path; returns the number of commands.
fn decode_all(mut input: &[u8], dialect: Dialect) -> usize {
    let limits = Limits::default();
    let mut count = 0;
    while !input.is_empty() {
        let (command, used) = ServerCommand::decode_in(input, dialect, &limits).expect("valid stream");
        debug_assert!(!matches!(command, ServerCommand::Other(_)));
        black_box(&command);
        input = &input[used..];
        count += 1;
    }
    count
}

fn count_commands(input: &[u8], dialect: Dialect) -> usize {
    decode_all(input, dialect)
}

/// Streams through a [`Framer`] in 1460-byte segments (one TCP MSS), typing each frame.
fn frame_and_decode(input: &[u8], framer: &mut Framer) -> usize {
    let mut count = 0;
    for segment in input.chunks(1460) {
        framer.push(segment);
        while let Some(frame) = framer.next_frame() {
            let command = ServerCommand::decode_frame(frame.expect("valid stream")).expect("valid command");
            black_box(&command);
            count += 1;
        }
    }
    count
}

fn mib_per_s(bytes: usize, time: std::time::Duration) -> f64 {
    bytes as f64 / time.as_secs_f64() / (1024.0 * 1024.0)
}

/// Best times of the memchr walk, typed decode and Framer + decode over one stream.
type Times = [std::time::Duration; 3];

fn allocations_per_command(name: &str, dialect: Dialect, stream: &[u8], count: usize) -> Times {
    let before = counting_alloc::allocations();
    let decoded = decode_all(stream, dialect);
    let borrowed = counting_alloc::allocations() - before;
    let mut framer = Framer::new(Direction::ServerToClient, Limits::default());
    framer.set_dialect(dialect);
    frame_and_decode(stream, &mut framer); // warms the framer's buffer
    let before = counting_alloc::allocations();
    frame_and_decode(stream, &mut framer);
    let framed = counting_alloc::allocations() - before;
    let before = counting_alloc::allocations();
    let mut input = stream;
    while !input.is_empty() {
        let (command, used) = ServerCommand::decode_in(input, dialect, &Limits::default()).unwrap();
        black_box(command.into_owned());
        input = &input[used..];
    }
    let owned = counting_alloc::allocations() - before;
    assert_eq!(decoded, count);
    assert_eq!(memchr_walk(stream), count);
    let walk = best_of(300, || {
        black_box(memchr_walk(black_box(stream)));
    });
    let best = best_of(300, || {
        black_box(decode_all(black_box(stream), dialect));
    });
    let mut framer = Framer::new(Direction::ServerToClient, Limits::default());
    framer.set_dialect(dialect);
    let framed_best = best_of(300, || {
        black_box(frame_and_decode(black_box(stream), &mut framer));
    });
    println!(
        "{name}: best of 300: memchr walk {:.0} MiB/s; typed decode {:.0} MiB/s ({:.0} ns per command), ratio to walk {:.3}; Framer + decode_frame {:.0} MiB/s, ratio to walk {:.3}",
        mib_per_s(stream.len(), walk),
        mib_per_s(stream.len(), best),
        best.as_nanos() as f64 / count as f64,
        walk.as_secs_f64() / best.as_secs_f64(),
        mib_per_s(stream.len(), framed_best),
        walk.as_secs_f64() / framed_best.as_secs_f64(),
    );
    println!(
        "{name}: {} bytes, {count} commands; heap allocations per command: decode (borrowed) {:.3}, Framer + decode_frame {:.3}, decode + into_owned {:.2}",
        stream.len(),
        borrowed as f64 / count as f64,
        framed as f64 / count as f64,
        owned as f64 / count as f64,
    );
    [walk, best, framed_best]
}

/// A stream's name, its dialect, its bytes and its number of commands.
type Stream = (&'static str, Dialect, (Vec<u8>, usize));

/// The recorded streams; `CODEC_STREAM=ns` (or `sb`, `ns11`) keeps one, for an
/// instruction count of each under callgrind.
fn streams() -> Vec<Stream> {
    // `CODEC_LINE='NLN NLN a@b.c Name 24'` (with `CODEC_STREAM=line`): 1000 copies of one
    // line, to count what one command of a kind costs.
    if let Ok(line) = std::env::var("CODEC_LINE") {
        let stream = format!("{line}\r\n").repeat(1000).into_bytes();
        let count = count_commands(&stream, Dialect::Msnp8);
        return vec![("line", Dialect::Msnp8, (stream, count))];
    }
    let only = std::env::var("CODEC_STREAM").ok();
    [
        ("ns", Dialect::Msnp8, ns_stream as fn() -> Vec<u8>),
        ("sb", Dialect::Msnp8, sb_stream),
        ("ns11", Dialect::Msnp11, msnp11_stream),
    ]
    .into_iter()
    .filter(|(name, ..)| only.as_deref().is_none_or(|only| only == *name))
    .map(|(name, dialect, stream)| {
        let stream = stream();
        let count = count_commands(&stream, dialect);
        (name, dialect, (stream, count))
    })
    .collect()
}

/// One decode of the stream, a function of its own so that callgrind can count exactly it:
/// `CODEC_ONCE=1 valgrind --tool=callgrind --toggle-collect=codec::decode_once …`.
#[inline(never)]
fn decode_once(stream: &[u8], dialect: Dialect) -> usize {
    decode_all(black_box(stream), dialect)
}

/// One memchr walk of the stream, for `--toggle-collect=codec::walk_once`.
#[inline(never)]
fn walk_once(stream: &[u8]) -> usize {
    memchr_walk(black_box(stream))
}

/// `CODEC_ONCE=n`: n walks and decodes of each stream and nothing else, so that a counter
/// (callgrind) sees only this work; with `CODEC_PARTS`, the best times of framing alone and
/// of framing + UTF-8 validation too, the parts decoding cannot do without.
fn decode_only(runs: usize) {
    for (name, dialect, (stream, count)) in streams() {
        let mut best = std::time::Duration::MAX;
        for _ in 0..runs {
            let start = std::time::Instant::now();
            let decoded = decode_once(&stream, dialect);
            best = best.min(start.elapsed());
            assert_eq!((walk_once(&stream), decoded), (count, count));
        }
        println!("{name}: {count} commands decoded {runs} times, best {best:?}");
        if std::env::var_os("CODEC_PARTS").is_none() {
            continue;
        }
        for utf8 in [false, true] {
            let best = best_of(runs, || {
                black_box(frame_lines(black_box(&stream), dialect, utf8));
            });
            let what = if utf8 {
                "split_frame + from_utf8"
            } else {
                "split_frame"
            };
            println!("{name}: {what} best {best:?}");
        }
    }
}

/// Splits every frame off the stream, validating each line as UTF-8 when `utf8` is set.
fn frame_lines(mut input: &[u8], dialect: Dialect, utf8: bool) -> usize {
    let mut valid = 0;
    while !input.is_empty() {
        let (frame, used) = split_frame_in(input, Direction::ServerToClient, dialect, &Limits::default())
            .expect("valid stream");
        if utf8 {
            valid += std::str::from_utf8(frame.line).map_or(0, str::len);
        }
        black_box(&frame);
        input = &input[used..];
    }
    valid
}

fn bench_decode(c: &mut Criterion) {
    if let Some(runs) = std::env::var("CODEC_ONCE").ok().and_then(|n| n.parse().ok()) {
        return decode_only(runs);
    }
    let mut total = [std::time::Duration::ZERO; 3];
    for (name, dialect, (stream, count)) in streams() {
        let times = allocations_per_command(name, dialect, &stream, count);
        // Issue 11's figure stays the MSNP8 streams'; MSNP11's is printed on its own line.
        if dialect == Dialect::Msnp8 {
            for (sum, time) in total.iter_mut().zip(times) {
                *sum += time;
            }
        }
        let mut group = c.benchmark_group(format!("decode_{name}"));
        group.throughput(Throughput::Bytes(stream.len() as u64));
        group.bench_function("bytes", |b| b.iter(|| decode_all(black_box(&stream), dialect)));
        let mut framer = Framer::new(Direction::ServerToClient, Limits::default());
        framer.set_dialect(dialect);
        group.bench_function("framer_bytes", |b| {
            b.iter(|| frame_and_decode(black_box(&stream), &mut framer))
        });
        group.throughput(Throughput::Elements(count as u64));
        group.bench_function("commands", |b| b.iter(|| decode_all(black_box(&stream), dialect)));
        group.finish();
    }
    // The figure issue 11 tracks: both recorded streams, one after the other.
    let [walk, best, framed] = total;
    println!(
        "ns + sb: typed decode / memchr walk {:.3}; Framer + decode_frame / memchr walk {:.3}",
        walk.as_secs_f64() / best.as_secs_f64(),
        walk.as_secs_f64() / framed.as_secs_f64(),
    );
}

fn bench_encode(c: &mut Criterion) {
    for (name, dialect, (stream, count)) in streams() {
        let mut commands = Vec::with_capacity(count);
        let mut input = &stream[..];
        while !input.is_empty() {
            let (command, used) = ServerCommand::decode_in(input, dialect, &Limits::default()).unwrap();
            commands.push(command);
            input = &input[used..];
        }
        let mut out = Vec::with_capacity(stream.len());
        let mut group = c.benchmark_group(format!("encode_{name}"));
        group.throughput(Throughput::Bytes(stream.len() as u64));
        group.bench_function("bytes", |b| {
            b.iter(|| {
                out.clear();
                for command in &commands {
                    command.encode(&mut out).unwrap();
                }
                assert_eq!(out.len(), stream.len());
            })
        });
        group.finish();
    }
    // What a client writes most: switchboard messages.
    let payload = "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nX-MMS-IM-Format: FN=Arial; EF=I; CO=0; CS=0; PF=22\r\n\r\nHello! How are you?";
    let command = ClientCommand::Msg {
        trid: msnp::codec::TrId(4),
        ack: msnp::codec::AckMode::NegativeOnly,
        payload: payload.as_bytes().into(),
    };
    let mut out = Vec::with_capacity(256);
    let mut group = c.benchmark_group("encode_client_msg");
    group.throughput(Throughput::Elements(1));
    group.bench_function("commands", |b| {
        b.iter(|| {
            out.clear();
            black_box(&command).encode(&mut out).unwrap();
        })
    });
    group.finish();
}

/// Long lines trickling in: each byte is searched for a line end once however the stream
/// is chunked, so one byte per push costs a constant factor over whole pushes, not the
/// line length (issue 10, item 6).
fn bench_trickle(c: &mut Criterion) {
    let mut stream = Vec::new();
    for i in 0..8 {
        stream.extend_from_slice(format!("NLN NLN contact{i}@example.com ").as_bytes());
        stream.extend_from_slice(&b"x".repeat(8 * 1024 - 40));
        stream.extend_from_slice(b" 24\r\n");
    }
    let mut group = c.benchmark_group("framer_8k_lines");
    group.throughput(Throughput::Bytes(stream.len() as u64));
    for chunk in [stream.len(), 1] {
        let name = if chunk == 1 {
            "one_byte_pushes"
        } else {
            "whole_push"
        };
        let mut framer = Framer::new(Direction::ServerToClient, Limits::default());
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut frames = 0;
                for piece in black_box(&stream).chunks(chunk) {
                    framer.push(piece);
                    while let Some(frame) = framer.next_frame() {
                        black_box(frame.expect("valid stream"));
                        frames += 1;
                    }
                }
                assert_eq!(frames, 8);
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_decode, bench_encode, bench_trickle);
criterion_main!(benches);
