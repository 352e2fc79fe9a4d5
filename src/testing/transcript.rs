//! Transcripts: whole conversations written as text and replayed against a session machine.
//!
//! A transcript is one step per line:
//!
//! ```text
//! # comment; blank lines are ignored
//! C: <bytes>    the machine must transmit exactly these bytes next
//! S: <bytes>    the peer sends these bytes (handle_input)
//! E: <text>     the machine must emit this event next: exactly its `{:?}` output
//! > <call>      an API call in the machine's own mini-language; must succeed
//! >! <call>     an API call that must fail
//! T: +<n>s      the clock moves on by n seconds (or +<n>ms); then handle_timeout
//! N: +<n>s      the machine's next timeout must be exactly now + n (`N: none`: no timer)
//! X:            the transport closed (handle_closed)
//! ```
//!
//! Bytes take the escapes `\r`, `\n`, `\t`, `\\` and `\xHH`. Transmitted bytes and events
//! are two ordered queues: `C:` consumes from the outgoing byte stream however the
//! machine chunked it, and `E:` takes the next event. After every step the runner drains
//! `poll_output` until `Idle`; at the end both queues must be empty.
//!
//! [`run`] replays a transcript as written and then again with every `S:` split into
//! random pieces, which must not change the outcome.
//!
//! ```
//! use std::time::Instant;
//! use msnp::Output;
//! use msnp::testing::transcript::{Scripted, run};
//!
//! /// A toy machine that answers every `PNG` line with `QNG`.
//! #[derive(Default)]
//! struct Echo { input: Vec<u8>, out: Vec<u8>, sent: Vec<u8> }
//!
//! impl Scripted for Echo {
//!     type Event = ();
//!     fn handle_input(&mut self, _: Instant, bytes: &[u8]) {
//!         self.input.extend_from_slice(bytes);
//!         while let Some(end) = self.input.windows(2).position(|w| w == b"\r\n") {
//!             self.input.drain(..end + 2);
//!             self.out.extend_from_slice(b"QNG\r\n");
//!         }
//!     }
//!     fn handle_timeout(&mut self, _: Instant) {}
//!     fn handle_closed(&mut self, _: Instant) {}
//!     fn poll_output(&mut self) -> Output<'_, ()> {
//!         // The last transmit was written: its buffer takes the next one.
//!         self.sent.clear();
//!         if self.out.is_empty() {
//!             Output::Idle { next_timeout: None }
//!         } else {
//!             std::mem::swap(&mut self.out, &mut self.sent);
//!             Output::Transmit(&self.sent)
//!         }
//!     }
//!     fn call(&mut self, _: Instant, _: &str) -> Result<(), String> { Err("no calls".into()) }
//! }
//!
//! run(|_| Echo::default(), "S: PNG\\r\\n\nC: QNG\\r\\n\n").unwrap();
//! assert!(run(|_| Echo::default(), "S: PNG\\r\\n\nC: QNG 50\\r\\n\n").is_err());
//! ```

use std::collections::VecDeque;
use std::fmt::{self, Debug, Write as _};
use std::time::{Duration, Instant};

use crate::Output;

/// A session machine that transcripts can drive.
pub trait Scripted {
    /// The machine's event type; transcripts compare its `{:?}` output.
    type Event: Debug;
    /// Feeds bytes from the peer.
    fn handle_input(&mut self, now: Instant, bytes: &[u8]);
    /// Tells the machine the time has come (or passed).
    fn handle_timeout(&mut self, now: Instant);
    /// Tells the machine the transport closed.
    fn handle_closed(&mut self, now: Instant);
    /// Takes the next output.
    fn poll_output(&mut self) -> Output<'_, Self::Event>;
    /// Performs one API call written in the machine's mini-language (`set_status BSY`).
    fn call(&mut self, now: Instant, call: &str) -> Result<(), String>;
}

/// A transcript that did not replay as written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("transcript line {line}: {message}")]
pub struct TranscriptError {
    /// The 1-based line of the transcript (0 for the end of the transcript).
    pub line: usize,
    /// What differed, with bytes escaped.
    pub message: String,
}

/// One parsed step of a transcript.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Client(Vec<u8>),
    Server(Vec<u8>),
    Event(String),
    Call { call: String, must_fail: bool },
    Advance(Duration),
    NextTimeout(Option<Duration>),
    Closed,
}

/// Writes bytes with CR, LF, tab, backslash and non-printable bytes escaped, the way
/// transcripts write them.
pub fn escape(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'\r' => out.push_str("\\r"),
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(char::from(b)),
            _ => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
    out
}

/// Reads the escapes of [`escape`] back; non-ASCII text is kept as its UTF-8 bytes.
pub fn unescape(text: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(text.len());
    let mut rest = text.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        rest = tail;
        if b != b'\\' {
            out.push(b);
            continue;
        }
        let Some((&e, tail)) = rest.split_first() else {
            return Err("a lone backslash ends the line".into());
        };
        rest = tail;
        match e {
            b'r' => out.push(b'\r'),
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'\\' => out.push(b'\\'),
            b'x' => {
                let hex = rest.get(..2).ok_or("\\x needs two hex digits")?;
                let hex = std::str::from_utf8(hex).map_err(|_| "\\x needs two hex digits")?;
                out.push(u8::from_str_radix(hex, 16).map_err(|_| "\\x needs two hex digits")?);
                rest = &rest[2..];
            }
            other => return Err(format!("unknown escape \\{}", char::from(other))),
        }
    }
    Ok(out)
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.strip_prefix('+').ok_or("a duration starts with +")?;
    let (number, unit) = match text.strip_suffix("ms") {
        Some(n) => (n, 1),
        None => (text.strip_suffix('s').ok_or("a duration ends in s or ms")?, 1000),
    };
    let n: u64 = number.parse().map_err(|_| format!("bad duration {text:?}"))?;
    Ok(Duration::from_millis(n.saturating_mul(unit)))
}

fn parse(script: &str) -> Result<Vec<(usize, Step)>, TranscriptError> {
    let mut steps = Vec::new();
    for (index, raw) in script.lines().enumerate() {
        let line = index + 1;
        let text = raw.trim_end_matches('\r');
        if text.trim().is_empty() || text.starts_with('#') {
            continue;
        }
        let error = |message: String| TranscriptError { line, message };
        let step = if let Some(call) = text.strip_prefix(">!") {
            Step::Call {
                call: call.trim().to_owned(),
                must_fail: true,
            }
        } else if let Some(call) = text.strip_prefix('>') {
            Step::Call {
                call: call.trim().to_owned(),
                must_fail: false,
            }
        } else {
            let (tag, body) = text.split_once(':').ok_or_else(|| error("no step tag".into()))?;
            let body = body.strip_prefix(' ').unwrap_or(body);
            match tag {
                "C" => Step::Client(unescape(body).map_err(error)?),
                "S" => Step::Server(unescape(body).map_err(error)?),
                "E" => Step::Event(body.to_owned()),
                "T" => Step::Advance(parse_duration(body.trim()).map_err(error)?),
                "N" if body.trim() == "none" => Step::NextTimeout(None),
                "N" => Step::NextTimeout(Some(parse_duration(body.trim()).map_err(error)?)),
                "X" => Step::Closed,
                other => return Err(error(format!("unknown step tag {other:?}"))),
            }
        };
        steps.push((line, step));
    }
    Ok(steps)
}

/// SplitMix64: a small, seeded generator so random splits are reproducible.
struct Splits(u64);

impl Splits {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Cuts `len` bytes into random pieces, returning the piece lengths.
    fn pieces(&mut self, len: usize) -> Vec<usize> {
        let mut pieces = Vec::new();
        let mut left = len;
        while left > 0 {
            let piece = (self.next() % 7) as usize + 1;
            let piece = piece.min(left);
            pieces.push(piece);
            left -= piece;
        }
        pieces
    }
}

struct Replay<M: Scripted> {
    machine: M,
    now: Instant,
    sent: VecDeque<u8>,
    events: VecDeque<String>,
    next_timeout: Option<Instant>,
}

impl<M: Scripted> Replay<M> {
    /// Drains the machine; a machine that never goes idle is a failure, not a hang.
    fn drain(&mut self) -> Result<(), String> {
        for _ in 0..100_000 {
            match self.machine.poll_output() {
                Output::Transmit(bytes) => self.sent.extend(bytes.iter().copied()),
                Output::Event(event) => self.events.push_back(format!("{event:?}")),
                Output::Idle { next_timeout } => {
                    self.next_timeout = next_timeout;
                    return Ok(());
                }
            }
        }
        Err("poll_output never returned Idle".into())
    }

    fn step(&mut self, step: &Step, splits: Option<&mut Splits>) -> Result<(), String> {
        match step {
            Step::Client(expected) => {
                let take = expected.len().min(self.sent.len());
                let got: Vec<u8> = self.sent.drain(..take).collect();
                if &got != expected {
                    let more: Vec<u8> = self.sent.iter().copied().take(200).collect();
                    return Err(format!(
                        "expected the machine to send\n  {}\nbut it sent\n  {}{}",
                        escape(expected),
                        escape(&got),
                        if more.is_empty() {
                            String::new()
                        } else {
                            format!("  (then {})", escape(&more))
                        }
                    ));
                }
            }
            Step::Server(bytes) => match splits {
                None => {
                    self.machine.handle_input(self.now, bytes);
                    self.drain()?;
                }
                Some(splits) => {
                    let mut rest = &bytes[..];
                    for piece in splits.pieces(bytes.len()) {
                        let (chunk, tail) = rest.split_at(piece);
                        self.machine.handle_input(self.now, chunk);
                        self.drain()?;
                        rest = tail;
                    }
                }
            },
            Step::Event(expected) => match self.events.pop_front() {
                Some(event) if &event == expected => {}
                Some(event) => return Err(format!("expected event\n  {expected}\nbut got\n  {event}")),
                None => return Err(format!("expected event\n  {expected}\nbut there was none")),
            },
            Step::Call { call, must_fail } => {
                let result = self.machine.call(self.now, call);
                match (result, must_fail) {
                    (Ok(()), false) | (Err(_), true) => {}
                    (Ok(()), true) => return Err(format!("call `{call}` succeeded but should fail")),
                    (Err(why), false) => return Err(format!("call `{call}` failed: {why}")),
                }
                self.drain()?;
            }
            Step::Advance(by) => {
                self.now += *by;
                self.machine.handle_timeout(self.now);
                self.drain()?;
            }
            Step::NextTimeout(expected) => {
                let got = self.next_timeout.map(|t| t.saturating_duration_since(self.now));
                let in_past = self.next_timeout.is_some_and(|t| t < self.now);
                if got != *expected || in_past {
                    return Err(format!(
                        "expected next timeout {expected:?} from now, machine has {got:?}"
                    ));
                }
            }
            Step::Closed => {
                self.machine.handle_closed(self.now);
                self.drain()?;
            }
        }
        Ok(())
    }
}

fn replay<M: Scripted>(
    make: &impl Fn(Instant) -> M,
    steps: &[(usize, Step)],
    mut splits: Option<Splits>,
) -> Result<(), TranscriptError> {
    let now = Instant::now();
    let mut replay = Replay {
        machine: make(now),
        now,
        sent: VecDeque::new(),
        events: VecDeque::new(),
        next_timeout: None,
    };
    replay
        .drain()
        .map_err(|message| TranscriptError { line: 0, message })?;
    for (line, step) in steps {
        replay
            .step(step, splits.as_mut())
            .map_err(|message| TranscriptError { line: *line, message })?;
    }
    let mut leftovers = String::new();
    if !replay.sent.is_empty() {
        let sent: Vec<u8> = replay.sent.iter().copied().collect();
        let _ = write!(leftovers, "\nunexpected bytes sent: {}", escape(&sent));
    }
    for event in &replay.events {
        let _ = write!(leftovers, "\nunexpected event: {event}");
    }
    if leftovers.is_empty() {
        Ok(())
    } else {
        Err(TranscriptError {
            line: 0,
            message: format!("at the end of the transcript:{leftovers}"),
        })
    }
}

/// How many times [`run`] replays each transcript with random splits.
pub const SPLIT_RUNS: u64 = 8;

/// Replays `script` against a machine made by `make`, as written and then
/// [`SPLIT_RUNS`] times with the peer's bytes split at random points.
pub fn run<M: Scripted>(make: impl Fn(Instant) -> M, script: &str) -> Result<(), TranscriptError> {
    let steps = parse(script)?;
    replay(&make, &steps, None)?;
    for seed in 0..SPLIT_RUNS {
        replay(&make, &steps, Some(Splits(seed))).map_err(|e| TranscriptError {
            line: e.line,
            message: format!("with input split by seed {seed}: {}", e.message),
        })?;
    }
    Ok(())
}

/// Runs every `*.txt` transcript in `dir`, reporting all failures together.
///
/// # Panics
///
/// When the directory cannot be read, holds no transcript, or any transcript fails:
/// this is meant to be called from a `#[test]`.
pub fn run_dir<M: Scripted>(dir: impl AsRef<std::path::Path>, make: impl Fn(Instant) -> M) {
    let dir = dir.as_ref();
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "txt"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no transcripts in {}", dir.display());
    let failures: Vec<String> = paths
        .iter()
        .filter_map(|path| {
            let script = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            run(&make, &script)
                .err()
                .map(|e| format!("{}:{}", path.display(), e))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} transcript(s) failed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Client(bytes) => write!(f, "C: {}", escape(bytes)),
            Step::Server(bytes) => write!(f, "S: {}", escape(bytes)),
            Step::Event(text) => write!(f, "E: {text}"),
            Step::Call { call, must_fail } => write!(f, "{} {call}", if *must_fail { ">!" } else { ">" }),
            Step::Advance(by) => write!(f, "T: +{}ms", by.as_millis()),
            Step::NextTimeout(None) => f.write_str("N: none"),
            Step::NextTimeout(Some(by)) => write!(f, "N: +{}ms", by.as_millis()),
            Step::Closed => f.write_str("X:"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_round_trip() {
        let bytes = b"MSG a b 3\r\n\x00\\\xff\t";
        assert_eq!(unescape(&escape(bytes)).unwrap(), bytes);
        assert_eq!(escape(bytes), "MSG a b 3\\r\\n\\x00\\\\\\xff\\t");
        assert!(unescape("\\q").is_err());
        assert!(unescape("\\x4").is_err());
    }

    #[test]
    fn steps_parse_and_print_back() {
        let script = "# c\n\nC: VER 1\\r\\n\nS: OUT\\r\\n\nE: Closed\n> login\n>! logout\nT: +30s\nN: +250ms\nN: none\nX:\n";
        let steps = parse(script).unwrap();
        let printed: Vec<String> = steps.iter().map(|(_, s)| s.to_string()).collect();
        assert_eq!(
            printed,
            [
                "C: VER 1\\r\\n",
                "S: OUT\\r\\n",
                "E: Closed",
                "> login",
                ">! logout",
                "T: +30000ms",
                "N: +250ms",
                "N: none",
                "X:"
            ]
        );
        assert_eq!(steps[0].0, 3);
        assert!(parse("Q: x").is_err());
        assert!(parse("T: 30s").is_err());
    }

    #[test]
    fn splits_cover_every_byte() {
        let mut splits = Splits(7);
        for len in [0, 1, 5, 100] {
            let pieces = splits.pieces(len);
            assert_eq!(pieces.iter().sum::<usize>(), len);
            assert!(pieces.iter().all(|&p| (1..=7).contains(&p)));
        }
    }
}
