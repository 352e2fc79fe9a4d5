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

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use msnp::codec::{ClientCommand, Dialect, Direction, Framer, Limits, ServerCommand, split_frame_in};

const PROFILE: &str = "MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsprofile; charset=UTF-8\r\nLoginTime: 1062764231\r\nEmailEnabled: 1\r\nMemberIdHigh: 84736\r\nMemberIdLow: -1434161204\r\nlang_preference: 1033\r\npreferredEmail: example@passport.com\r\ncountry: US\r\nPostalCode: \r\nGender: \r\nKid: 0\r\nAge: \r\nBDayPre: \r\nBirthday: \r\nWallet: \r\nFlags: 1027\r\nsid: 507\r\nkv: 5\r\nMSPAuth: 5Y6dQqPCSd5Rz8GIfq3l7Y3iUtEoeOpNHk8zExZBOPfH2jaiL9TfwJE4Z5Zk8NsOPnfXLE\r\nClientIP: 203.0.113.7\r\nClientPort: 40450\r\n\r\n";

const INITIAL_MAIL: &str = "MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsinitialemailnotification; charset=UTF-8\r\n\r\nInbox-Unread: 3\r\nFolders-Unread: 0\r\nInbox-URL: /cgi-bin/HoTMaiL\r\nFolders-URL: /cgi-bin/folders\r\nPost-URL: http://www.hotmail.com\r\n\r\n";

fn new_mail(i: usize) -> String {
    format!(
        "MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsemailnotification; charset=UTF-8\r\n\r\nFrom: Sender Number {i}\r\nMessage-URL: /cgi-bin/getmsg?msg=MSG1062764{i:04}.12&start=1&len=3521&curmbox=ACTIVE\r\nPost-URL: https://loginnet.passport.com/ppsecure/md5auth.srf?lc=1033\r\nSubject: =?\"us-ascii\"?Q?Re: meeting notes {i}?=\r\nDest-Folder: ACTIVE\r\nFrom-Addr: sender{i}@example.com\r\nid: 2\r\n\r\n"
    )
}

fn msg(out: &mut Vec<u8>, from: &str, name: &str, payload: &str) {
    out.extend_from_slice(format!("MSG {from} {name} {}\r\n{payload}", payload.len()).as_bytes());
}

fn contact(i: usize) -> String {
    format!("contact.number{i}@hotmail.com")
}

/// A recorded-shape notification-server session, server to client.
fn ns_stream() -> (Vec<u8>, usize) {
    let mut out = Vec::new();
    let mut lines = |s: &str| out.extend_from_slice(s.as_bytes());
    lines("VER 1 MSNP8 CVR0\r\n");
    lines(
        "CVR 2 6.0.0602 6.0.0602 1.0.0000 http://download.microsoft.com/download/8/a/4/8a42bcae-f533-4468-b871-d2bc8dd32e9e/SETUP9x.EXE http://messenger.msn.com\r\n",
    );
    lines(
        "USR 3 TWN S lc=1033,id=507,tw=40,fs=1,ru=http%3A%2F%2Fmessenger%2Emsn%2Ecom,ct=1062764229,kpp=1,kv=5,ver=2.1.0173.1,tpf=43f8a4c8ed940c04e3740be46c4d1619\r\n",
    );
    lines("USR 4 OK example@passport.com example%20display%20name 1 0\r\n");
    msg(&mut out, "Hotmail", "Hotmail", PROFILE);
    msg(&mut out, "Hotmail", "Hotmail", INITIAL_MAIL);
    let mut lines = |s: String| out.extend_from_slice(s.as_bytes());
    lines("SYN 5 147 600 12\r\nGTC A\r\nBLP AL\r\nPRP PHH 123%20(4567)\r\nPRP MOB Y\r\n".into());
    for g in 0..12 {
        lines(format!("LSG {g} Group%20number%20{g} 0\r\n"));
    }
    for i in 0..600 {
        let mask = [11, 13, 3, 10, 9][i % 5];
        let groups = if mask & 1 == 1 {
            format!(" {},{}", i % 12, (i + 5) % 12)
        } else {
            String::new()
        };
        lines(format!(
            "LST {} Contact%20%E2%98%85%20number%20{i} {mask}{groups}\r\n",
            contact(i)
        ));
        if i % 10 == 0 {
            lines(format!("BPR PHH 1%20(222)%20333%20{i:04}\r\n"));
        }
    }
    lines("CHG 6 NLN 268435492\r\n".into());
    for i in (0..600).step_by(3) {
        lines(format!(
            "ILN 6 NLN {} Contact%20number%20{i} 268435492\r\n",
            contact(i)
        ));
    }
    lines("CHL 0 15570131571988941333\r\n".into());
    for i in 0..3000 {
        let who = contact(i * 7 % 600);
        match i % 4 {
            0 => lines(format!("FLN {who}\r\n")),
            1 => lines(format!("NLN AWY {who} Away%20friend%20{i} 268435492\r\n")),
            2 => lines(format!("NLN BSY {who} Busy%20friend%20{i} 24\r\n")),
            _ => lines(format!("NLN NLN {who} Back%20%28again%29%20{i} 268435492\r\n")),
        }
    }
    for i in 0..20 {
        msg(&mut out, "Hotmail", "Hotmail", &new_mail(i));
    }
    out.extend_from_slice(b"QNG\r\nOUT SSD\r\n");
    let count = count_commands(&out, Dialect::Msnp8);
    (out, count)
}

fn guid(kind: u32, i: usize) -> String {
    format!(
        "{:08x}-{kind:04x}-4bd7-b5d6-{:012x}",
        i * 2_654_435_761 % 0xffff_ffff,
        i
    )
}

/// An MSNP11 notification-server session, server to client.
fn msnp11_stream() -> (Vec<u8>, usize) {
    let mut out = Vec::new();
    let object = "%3Cmsnobj%20Creator%3D%22buddy1%40hotmail.com%22%20Size%3D%2224539%22%20Type%3D%223%22%20Location%3D%22TFR2C.tmp%22%20Friendly%3D%22AAA%3D%22%20SHA1D%3D%22trC8SlFx2sWQxZMIBAWSEnXc8oQ%3D%22%20SHA1C%3D%22U32o6bosZzluJq82eAtMpx5dIEI%3D%22%2F%3E";
    let mut lines = |s: &str| out.extend_from_slice(s.as_bytes());
    lines(
        "VER 1 MSNP11\r\nCVR 2 7.0.0813 7.0.0813 7.0.0813 https://escargot.log1p.xyz https://escargot.log1p.xyz\r\n",
    );
    lines("USR 3 TWN S ct=1062764229,rver=5.5.4177.0,wp=FS_40SEC_0_COMPACT,lc=1033,id=507\r\n");
    lines("USR 4 OK example@passport.com 1 0\r\nSBS 0 null\r\n");
    msg(&mut out, "Hotmail", "Hotmail", PROFILE);
    let mut lines = |s: String| out.extend_from_slice(s.as_bytes());
    lines(
        "SYN 5 2005-04-23T18:57:44.8130000-07:00 2005-04-23T18:57:54.2070000-07:00 600 12\r\nGTC A\r\nBLP AL\r\nPRP MFN example%20display%20name\r\nPRP PHH 123%20(4567)\r\n"
        .into(),
    );
    for g in 0..12 {
        lines(format!("LSG Group%20number%20{g} {}\r\n", guid(1, g)));
    }
    for i in 0..600 {
        let mask = [11, 13, 3, 10, 9][i % 5];
        let (c, groups) = if mask & 1 == 1 {
            (
                format!(" C={}", guid(2, i)),
                format!(" {},{}", guid(1, i % 12), guid(1, (i + 5) % 12)),
            )
        } else {
            (String::new(), String::new())
        };
        lines(format!(
            "LST N={} F=Contact%20%E2%98%85%20number%20{i}{c} {mask}{groups}\r\n",
            contact(i)
        ));
        if i % 10 == 0 {
            lines(format!("BPR PHH 1%20(222)%20333%20{i:04}\r\n"));
        }
    }
    lines(format!("CHG 6 NLN 1073741824 {object}\r\n"));
    let psm = |i: usize| {
        format!(
            "<Data><PSM>status message {i} &amp; more</PSM><CurrentMedia>\0Music\01\0{{0}} - {{1}}\0Title {i}\0Artist\0Album\0\0</CurrentMedia></Data>"
        )
    };
    for i in (0..600).step_by(3) {
        lines(format!(
            "ILN 6 NLN {} Contact%20number%20{i} 1073741824 {object}\r\n",
            contact(i)
        ));
        let data = psm(i);
        lines(format!("UBX {} {}\r\n{data}", contact(i), data.len()));
    }
    for i in 0..3000 {
        let who = contact(i * 7 % 600);
        match i % 5 {
            0 => lines(format!("FLN {who}\r\n")),
            1 => lines(format!(
                "NLN AWY {who} Away%20friend%20{i} 1073741824 {object}\r\n"
            )),
            2 => lines(format!(
                "NLN BSY {who} Busy%20friend%20{i} 1342177280 %3Cmsnobj%2F%3E\r\n"
            )),
            3 => {
                let data = psm(i);
                lines(format!("UBX {who} {}\r\n{data}", data.len()))
            }
            _ => lines(format!(
                "NLN NLN {who} Back%20%28again%29%20{i} 1073741824 {object}\r\n"
            )),
        }
    }
    for i in 0..20 {
        lines(format!(
            "ADC 0 RL N=new.friend{i}@hotmail.com F=New%20friend%20{i}\r\n"
        ));
        lines(format!("REM 0 RL old.friend{i}@hotmail.com\r\n"));
    }
    out.extend_from_slice(b"QNG 60\r\nOUT SSD\r\n");
    let count = count_commands(&out, Dialect::Msnp11);
    (out, count)
}

/// A switchboard chat, server to client.
fn sb_stream() -> (Vec<u8>, usize) {
    let mut out = Vec::new();
    out.extend_from_slice(
        b"USR 1 OK example@passport.com example%20display%20name\r\nCAL 2 RINGING 11752013\r\n",
    );
    out.extend_from_slice(b"JOI bob@passport.com Bob%20the%20builder\r\n");
    let typing =
        "MIME-Version: 1.0\r\nContent-Type: text/x-msmsgscontrol\r\nTypingUser: bob@passport.com\r\n\r\n\r\n";
    let sizes = [20, 45, 80, 140, 300, 60, 1600, 35, 500, 90];
    for round in 0..300 {
        msg(&mut out, "bob@passport.com", "Bob%20the%20builder", typing);
        let body = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(30);
        let text = &body[..sizes[round % sizes.len()]];
        let payload = format!(
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nX-MMS-IM-Format: FN=Arial; EF=I; CO=0; CS=0; PF=22\r\n\r\n{text}"
        );
        msg(&mut out, "bob@passport.com", "Bob%20the%20builder", &payload);
        out.extend_from_slice(format!("ACK {}\r\n", round + 3).as_bytes());
    }
    out.extend_from_slice(b"BYE bob@passport.com\r\n");
    let count = count_commands(&out, Dialect::Msnp8);
    (out, count)
}

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

/// The ceiling typed decoding is measured against: the least work that still finds every
/// frame of the same bytes (line ends by `memchr`, each payload skipped by its declared
/// length), typing nothing.
fn memchr_walk(input: &[u8]) -> usize {
    let mut count = 0;
    let mut at = 0;
    while let Some(lf) = memchr::memchr(b'\n', &input[at..]) {
        let line = &input[at..at + lf];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let mut end = at + lf + 1;
        if matches!(line.get(..4), Some(b"MSG " | b"NOT " | b"IPG " | b"UBX ")) {
            let last = memchr::memrchr(b' ', line).map_or(line, |sp| &line[sp + 1..]);
            let len = last
                .iter()
                .fold(0usize, |n, &d| n * 10 + usize::from(d.wrapping_sub(b'0')));
            end += len;
        }
        at = end;
        count += 1;
        if at >= input.len() {
            break;
        }
    }
    count
}

/// The least time of `runs` runs of `f`: on a shared two-core machine the minimum is the
/// figure least disturbed by other processes (criterion's mean includes their noise).
///
/// `BEST_OF` in the environment sets the count (a few runs suffice under callgrind).
fn best_of(runs: usize, mut f: impl FnMut()) -> std::time::Duration {
    let runs = std::env::var("BEST_OF")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(runs);
    (0..runs)
        .map(|_| {
            let start = std::time::Instant::now();
            f();
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
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
        ("ns", Dialect::Msnp8, ns_stream as fn() -> (Vec<u8>, usize)),
        ("sb", Dialect::Msnp8, sb_stream),
        ("ns11", Dialect::Msnp11, msnp11_stream),
    ]
    .into_iter()
    .filter(|(name, ..)| only.as_deref().is_none_or(|only| only == *name))
    .map(|(name, dialect, stream)| (name, dialect, stream()))
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
