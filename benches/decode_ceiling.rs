//! How fast can safe Rust type these streams at all? Issue 11 asks the codec for 0.25 of
//! the memchr walk; this bench measures what a decoder built only for that figure
//! reaches, in the same run as the walk and the codec, on the same bytes.
//!
//! The decoder here is the design the codec would move to: no word array, a cursor that
//! finds each word eight bytes at a time and checks those bytes for control bytes and
//! DEL in the same step, each verb pulling exactly its words, fields borrowed from the
//! line. It types only the verbs of the two MSNP8 streams (`traffic.rs`), and it checks
//! less than the codec: one dialect, no error reasons, no `Other`, no runs of spaces,
//! no GUIDs. Its figure is therefore a ceiling for the codec's, not a goal:
//! - **on the codec's framing** (`split_frame_in`, then `from_utf8` of the line): what
//!   a full rewrite of the grammar could reach at best;
//! - **on the walk's own framing** (the line end by `memchr`, the four payload verbs by
//!   their first bytes, no limit but the line length): what is left once framing does
//!   no more than the walk;
//! - **the same without the control-byte check**, which no decoder may skip (a CR or NUL
//!   inside a field would pass into the user's hands and fail to encode back): what
//!   the check costs.
//!
//! Run: `cargo bench --bench decode_ceiling`; `BEST_OF=n` sets the runs per figure.

#[path = "support/traffic.rs"]
mod traffic;

use std::borrow::Cow;
use std::hint::black_box;

use msnp::codec::{Dialect, Direction, Limits, ServerCommand, split_frame_in};
use traffic::{best_of, memchr_walk, ns_stream, sb_stream};

/// The commands of the two streams, with fields of the codec's sizes (text as `Cow`).
#[derive(Debug)]
#[allow(dead_code)] // read only through `black_box`
enum Command<'a> {
    Ver(u32, Cow<'a, str>),
    Cvr(u32, [Cow<'a, str>; 5]),
    UsrTwn(u32, Cow<'a, str>),
    UsrOk(
        u32,
        Cow<'a, str>,
        Option<Cow<'a, str>>,
        Option<(bool, Option<bool>)>,
    ),
    Msg(Cow<'a, str>, Cow<'a, str>, Cow<'a, [u8]>),
    Syn(u32, u32, Option<(u32, u32)>),
    Gtc(Cow<'a, str>),
    Blp(Cow<'a, str>),
    Prp(Cow<'a, str>, Option<Cow<'a, str>>),
    Lsg(u32, Cow<'a, str>),
    Lst(Cow<'a, str>, Cow<'a, str>, u8, Option<Cow<'a, str>>),
    Bpr(Cow<'a, str>, Option<Cow<'a, str>>),
    Chg(u32, u8, Option<u32>),
    Iln(u32, u8, Cow<'a, str>, Cow<'a, str>, Option<u32>),
    Nln(u8, Cow<'a, str>, Cow<'a, str>, Option<u32>),
    Chl(u32, Cow<'a, str>),
    Fln(Cow<'a, str>),
    Qng,
    Out(Option<Cow<'a, str>>),
    Cal(u32, Cow<'a, str>),
    Joi(Cow<'a, str>, Cow<'a, str>),
    Ack(u32),
    Bye(Cow<'a, str>),
}

const LOW: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// High bit set in exactly the bytes of `x` that are zero.
const fn zero_bytes(x: u64) -> u64 {
    const SEVEN: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    !(((x & SEVEN).wrapping_add(SEVEN)) | x | SEVEN)
}

/// Nonzero when some byte of `x` is a control byte or DEL (an ASCII byte below 0x20, or
/// 0x7f); exact as to whether, not as to which.
const fn controls(x: u64) -> u64 {
    let below_space = x.wrapping_sub(LOW * 0x20) & !x;
    let del = x ^ (LOW * 0x7f);
    (below_space | (del.wrapping_sub(LOW) & !del)) & HIGH
}

/// The words of one line, in order, each found (and, with `CHECK`, checked for control
/// bytes) once.
struct Words<'a, const CHECK: bool> {
    line: &'a str,
    at: usize,
    controls: u64,
}

impl<'a, const CHECK: bool> Words<'a, CHECK> {
    fn new(line: &'a str) -> Self {
        Self {
            line,
            at: 0,
            controls: 0,
        }
    }

    #[inline(always)]
    fn next(&mut self) -> Option<&'a str> {
        let bytes = self.line.as_bytes();
        let start = self.at;
        let mut end = start;
        loop {
            match bytes.get(end..).and_then(|rest| rest.first_chunk::<8>()) {
                Some(chunk) => {
                    let x = u64::from_le_bytes(*chunk);
                    if CHECK {
                        self.controls |= controls(x);
                    }
                    let spaces = zero_bytes(x ^ (LOW * u64::from(b' ')));
                    if spaces != 0 {
                        end += (spaces.trailing_zeros() / 8) as usize;
                        break;
                    }
                    end += 8;
                }
                None => {
                    while end < bytes.len() && bytes[end] != b' ' {
                        if CHECK {
                            self.controls |= u64::from((bytes[end] < b' ') | (bytes[end] == 0x7f));
                        }
                        end += 1;
                    }
                    break;
                }
            }
        }
        if end == start {
            return None;
        }
        self.at = end + 1;
        self.line.get(start..end)
    }

    /// The rest of the line, as one field.
    fn rest(&mut self) -> Option<&'a str> {
        let rest = self.line.get(self.at..)?;
        if CHECK {
            self.controls |= u64::from(rest.bytes().any(|b| (b < b' ') | (b == 0x7f)));
        }
        self.at = self.line.len();
        Some(rest)
    }

    /// Every word taken and none of them held a control byte.
    fn finished(&self) -> bool {
        self.at >= self.line.len() && self.controls == 0
    }
}

fn number(word: &str) -> Option<u32> {
    let digits = word.as_bytes();
    if digits.is_empty() || digits.len() > 10 || (digits[0] == b'0' && digits.len() > 1) {
        return None;
    }
    let mut n = 0u64;
    for &b in digits {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        n = n * 10 + u64::from(digit);
    }
    u32::try_from(n).ok()
}

fn status(word: &str) -> Option<u8> {
    Some(match word {
        "NLN" => 0,
        "BSY" => 1,
        "IDL" => 2,
        "BRB" => 3,
        "AWY" => 4,
        "PHN" => 5,
        "LUN" => 6,
        "HDN" => 7,
        _ => return None,
    })
}

/// An optional last field: absent is fine, present must parse.
fn optional<'a, T>(word: Option<&'a str>, parse: impl FnOnce(&'a str) -> Option<T>) -> Option<Option<T>> {
    match word {
        Some(word) => parse(word).map(Some),
        None => Some(None),
    }
}

fn account(word: &str) -> Option<Cow<'_, str>> {
    (word.len() <= 129).then_some(Cow::Borrowed(word))
}

fn text(word: &str) -> Cow<'_, str> {
    Cow::Borrowed(word)
}

fn groups(word: &str) -> Option<Cow<'_, str>> {
    word.bytes()
        .all(|b| b.is_ascii_digit() || b == b',')
        .then_some(Cow::Borrowed(word))
}

/// The verb as a number: one compare per arm.
const fn code(verb: &[u8; 3]) -> u32 {
    u32::from_le_bytes([verb[0], verb[1], verb[2], 0])
}

#[inline(always)]
fn parse<'a, const CHECK: bool>(line: &'a str, payload: Option<&'a [u8]>) -> Option<Command<'a>> {
    use Command::*;
    let mut w = Words::<CHECK>::new(line);
    let verb: &[u8; 3] = w.next()?.as_bytes().try_into().ok()?;
    let command = match code(verb) {
        c if c == code(b"NLN") => Nln(
            status(w.next()?)?,
            account(w.next()?)?,
            text(w.next()?),
            optional(w.next(), number)?,
        ),
        c if c == code(b"FLN") => Fln(account(w.next()?)?),
        c if c == code(b"ILN") => Iln(
            number(w.next()?)?,
            status(w.next()?)?,
            account(w.next()?)?,
            text(w.next()?),
            optional(w.next(), number)?,
        ),
        c if c == code(b"LST") => Lst(
            account(w.next()?)?,
            text(w.next()?),
            u8::try_from(number(w.next()?)?).ok()?,
            optional(w.next(), groups)?,
        ),
        c if c == code(b"BPR") => Bpr(text(w.next()?), w.next().map(text)),
        c if c == code(b"PRP") => Prp(text(w.next()?), w.next().map(text)),
        c if c == code(b"LSG") => {
            let lsg = Lsg(number(w.next()?)?, text(w.next()?));
            (w.next()? == "0").then_some(lsg)?
        }
        c if c == code(b"MSG") => {
            let msg = Msg(account(w.next()?)?, text(w.next()?), Cow::Borrowed(payload?));
            w.next()?; // the length, which framing read
            msg
        }
        c if c == code(b"ACK") => Ack(number(w.next()?)?),
        c if c == code(b"JOI") => Joi(account(w.next()?)?, text(w.next()?)),
        c if c == code(b"BYE") => Bye(account(w.next()?)?),
        c if c == code(b"CHG") => Chg(
            number(w.next()?)?,
            status(w.next()?)?,
            optional(w.next(), number)?,
        ),
        c if c == code(b"CHL") => Chl(number(w.next()?)?, text(w.next()?)),
        c if c == code(b"SYN") => {
            let (trid, version) = (number(w.next()?)?, number(w.next()?)?);
            let counts = match w.next() {
                Some(contacts) => Some((number(contacts)?, number(w.next()?)?)),
                None => None,
            };
            Syn(trid, version, counts)
        }
        c if c == code(b"GTC") => Gtc(text(w.next()?)),
        c if c == code(b"BLP") => Blp(text(w.next()?)),
        c if c == code(b"VER") => Ver(number(w.next()?)?, text(w.rest()?)),
        c if c == code(b"CVR") => {
            let trid = number(w.next()?)?;
            let mut fields = [const { Cow::Borrowed("") }; 5];
            for field in &mut fields {
                *field = text(w.next()?);
            }
            Cvr(trid, fields)
        }
        c if c == code(b"USR") => {
            let trid = number(w.next()?)?;
            match w.next()? {
                "TWN" => {
                    (w.next()? == "S").then_some(())?;
                    UsrTwn(trid, text(w.next()?))
                }
                "OK" => {
                    let (who, name) = (account(w.next()?)?, w.next().map(text));
                    let flags = w
                        .next()
                        .map(|verified| (verified == "1", w.next().map(|r| r == "1")));
                    UsrOk(trid, who, name, flags)
                }
                _ => return None,
            }
        }
        c if c == code(b"CAL") => {
            let trid = number(w.next()?)?;
            (w.next()? == "RINGING").then_some(())?;
            Cal(trid, text(w.next()?))
        }
        c if c == code(b"QNG") => Qng,
        c if c == code(b"OUT") => Out(w.next().map(text)),
        _ => return None,
    };
    // Not `then_some(command)`: that copies the command once more.
    if !w.finished() {
        return None;
    }
    Some(command)
}

/// Types every command, framed by the codec.
fn on_codec_framing(mut input: &[u8]) -> usize {
    let limits = Limits::default();
    let mut count = 0;
    while !input.is_empty() {
        let (frame, used) =
            split_frame_in(input, Direction::ServerToClient, Dialect::Msnp8, &limits).expect("framed");
        let line = std::str::from_utf8(frame.line).expect("UTF-8");
        black_box(&parse::<true>(line, frame.payload).expect("typed"));
        input = &input[used..];
        count += 1;
    }
    count
}

/// Types every command, framed as the walk frames; without `CHECK`, a control byte passes.
fn on_walk_framing<const CHECK: bool>(input: &[u8]) -> usize {
    let mut count = 0;
    let mut at = 0;
    while let Some(lf) = memchr::memchr(b'\n', &input[at..]) {
        let line = &input[at..at + lf];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        assert!(line.len() <= Limits::default().max_line_len, "line too long");
        let mut end = at + lf + 1;
        let mut payload = None;
        if matches!(line.get(..4), Some(b"MSG " | b"NOT " | b"IPG " | b"UBX ")) {
            let last = memchr::memrchr(b' ', line).map_or(line, |sp| &line[sp + 1..]);
            let len = last
                .iter()
                .fold(0usize, |n, &d| n * 10 + usize::from(d.wrapping_sub(b'0')));
            payload = input.get(end..end + len);
            end += len;
        }
        let line = std::str::from_utf8(line).expect("UTF-8");
        black_box(&parse::<CHECK>(line, payload).expect("typed"));
        at = end;
        count += 1;
        if at >= input.len() {
            break;
        }
    }
    count
}

/// The codec's typed decode, as `codec.rs` measures it.
fn codec_decode(mut input: &[u8]) -> usize {
    let limits = Limits::default();
    let mut count = 0;
    while !input.is_empty() {
        let (command, used) = ServerCommand::decode_in(input, Dialect::Msnp8, &limits).expect("decoded");
        black_box(command);
        input = &input[used..];
        count += 1;
    }
    count
}

/// A way through a stream, and its name; it returns the number of commands.
type Decoder = (&'static str, fn(&[u8]) -> usize);

fn main() {
    let decoders: [Decoder; 5] = [
        ("memchr walk", memchr_walk),
        ("codec decode", codec_decode),
        ("ceiling on the codec's framing", on_codec_framing),
        ("ceiling on the walk's framing", on_walk_framing::<true>),
        (
            "the same without the control-byte check",
            on_walk_framing::<false>,
        ),
    ];
    let mut totals = [std::time::Duration::ZERO; 5];
    for (name, stream) in [("ns", ns_stream()), ("sb", sb_stream())] {
        let count = memchr_walk(&stream);
        let times = decoders.map(|(what, decode)| {
            assert_eq!(decode(&stream), count, "{name}: {what} miscounts");
            best_of(300, || {
                black_box(decode(black_box(&stream)));
            })
        });
        let line = decoders
            .iter()
            .zip(&times)
            .skip(1)
            .map(|((what, _), time)| {
                format!(
                    "{what} {:.1} ns per command, ratio to walk {:.3}",
                    time.as_nanos() as f64 / count as f64,
                    times[0].as_secs_f64() / time.as_secs_f64()
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        println!("{name}: {count} commands; {line}");
        for (total, time) in totals.iter_mut().zip(times) {
            *total += time;
        }
    }
    let ratios = decoders
        .iter()
        .zip(&totals)
        .skip(1)
        .map(|((what, _), total)| format!("{what} {:.3}", totals[0].as_secs_f64() / total.as_secs_f64()))
        .collect::<Vec<_>>()
        .join("; ");
    println!("ns + sb: ratio to walk: {ratios}");
}
