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
//! A whole [`Client`](crate::client::Client) has many connections, so its transcripts
//! ([`run_client`]) name the connection of every byte line instead of `C:`/`S:`/`X:`:
//! `ns> bytes` (sent on the connection named `ns`), `ns< bytes` (its server sends),
//! `ns+ host:port` (the client opens it), `ns-` (the client closes it), `ns!` (the
//! transport closed), `ft~ toward addr` (the client listens for a peer; the caller
//! listens at `addr`), `ft+` (the peer connected there), and `http>`, `http<`, `http!`
//! for the Passport requests, their answers and failures.
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

mod whole_client;

pub use whole_client::{run_client, run_client_dir, run_client_with_splits};

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
    Call {
        call: String,
        must_fail: bool,
    },
    Advance(Duration),
    NextTimeout(Option<Duration>),
    Closed,
    /// A line of a whole-`Client` transcript, addressed to one connection.
    On {
        conn: String,
        step: ConnStep,
    },
}

/// What a whole-`Client` transcript line does on its connection (see [`run_client`]).
#[derive(Debug, Clone, PartialEq, Eq)]
enum ConnStep {
    /// `name> bytes`: the client must send these bytes next on it.
    Sent(Vec<u8>),
    /// `name< bytes`: its server sends these bytes.
    Received(Vec<u8>),
    /// `name+ addr` (`name+! addr`): the client's next connection output must open
    /// `addr`, which is then named `name` and reported opened (or failed).
    Opened { addr: String, fails: bool },
    /// `name-`: the client's next connection output must close it.
    ClientClosed,
    /// `name~ toward addr` (`name~! toward`): the client's next connection output must
    /// ask to listen for a peer, on the local address toward `toward`; that connection
    /// is then named `name` and reported listening at `addr` (or the listener reported
    /// impossible to bind).
    Listening { toward: String, at: Option<String> },
    /// `name+` with no address: the peer connected to where `name` listens.
    PeerConnected,
    /// `name! [reason]`: the transport closed (for `http`, the request failed).
    PeerClosed(String),
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
        } else if let Some((conn, step)) = connection_line(text).map_err(error)? {
            Step::On { conn, step }
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

/// Reads a whole-`Client` transcript's connection line (`ns> …`, `sb1+ host:port`),
/// if `text` is one: a lowercase name, then one of `>`, `<`, `+`, `-`, `!`, `~`.
fn connection_line(text: &str) -> Result<Option<(String, ConnStep)>, String> {
    let name_len = text
        .bytes()
        .take_while(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        .count();
    let (name, rest) = text.split_at(name_len);
    let Some(mark) = rest.chars().next().filter(|_| !name.is_empty()) else {
        return Ok(None);
    };
    let body = &rest[1..];
    let body = body.strip_prefix(' ').unwrap_or(body);
    let step = match mark {
        '>' => ConnStep::Sent(unescape(body)?),
        '<' => ConnStep::Received(unescape(body)?),
        '+' if body.trim().is_empty() => ConnStep::PeerConnected,
        '~' => match body.strip_prefix('!') {
            Some(toward) => ConnStep::Listening {
                toward: toward.trim().to_owned(),
                at: None,
            },
            None => {
                let (toward, at) = body
                    .trim()
                    .split_once(' ')
                    .ok_or("`name~ toward addr` needs where the caller listens, or `name~! toward`")?;
                ConnStep::Listening {
                    toward: toward.to_owned(),
                    at: Some(at.trim().to_owned()),
                }
            }
        },
        '+' => match body.strip_prefix('!') {
            Some(addr) => ConnStep::Opened {
                addr: addr.trim().to_owned(),
                fails: true,
            },
            None => ConnStep::Opened {
                addr: body.trim().to_owned(),
                fails: false,
            },
        },
        '-' if body.trim().is_empty() => ConnStep::ClientClosed,
        '!' => ConnStep::PeerClosed(body.trim().to_owned()),
        _ => return Ok(None),
    };
    if name == HTTP
        && matches!(
            step,
            ConnStep::Opened { .. }
                | ConnStep::ClientClosed
                | ConnStep::Listening { .. }
                | ConnStep::PeerConnected
        )
    {
        return Err("`http` is Passport's: it is neither opened nor closed".into());
    }
    Ok(Some((name.to_owned(), step)))
}

/// The name of a whole-`Client` transcript's Passport exchanges.
const HTTP: &str = "http";

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
            Step::Event(expected) => next_event(&mut self.events, expected)?,
            Step::Call { call, must_fail } => {
                called(self.machine.call(self.now, call), call, *must_fail)?;
                self.drain()?;
            }
            Step::Advance(by) => {
                self.now += *by;
                self.machine.handle_timeout(self.now);
                self.drain()?;
            }
            Step::NextTimeout(expected) => timeout_is(self.next_timeout, self.now, *expected, "machine")?,
            Step::Closed => {
                self.machine.handle_closed(self.now);
                self.drain()?;
            }
            Step::On { conn, .. } => {
                return Err(format!(
                    "`{conn}` lines belong in whole-Client transcripts (run_client); this one scripts one connection"
                ));
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
    run_each(dir.as_ref(), |script| run(&make, script));
}

/// The step `event expected`: the next event told, as `{:?}` text.
fn next_event(events: &mut VecDeque<String>, expected: &str) -> Result<(), String> {
    match events.pop_front() {
        Some(event) if event == expected => Ok(()),
        Some(event) => Err(format!("expected event\n  {expected}\nbut got\n  {event}")),
        None => Err(format!("expected event\n  {expected}\nbut there was none")),
    }
}

/// The step `call …` (or `call! …`, which must fail), given what the call returned.
fn called(result: Result<(), String>, call: &str, must_fail: bool) -> Result<(), String> {
    match (result, must_fail) {
        (Ok(()), false) | (Err(_), true) => Ok(()),
        (Ok(()), true) => Err(format!("call `{call}` succeeded but should fail")),
        (Err(why), false) => Err(format!("call `{call}` failed: {why}")),
    }
}

/// The step `next-timeout …`: `who`'s timer, `next`, as seen from `now`.
fn timeout_is(
    next: Option<Instant>,
    now: Instant,
    expected: Option<Duration>,
    who: &str,
) -> Result<(), String> {
    let got = next.map(|t| t.saturating_duration_since(now));
    if got != expected || next.is_some_and(|t| t < now) {
        return Err(format!(
            "expected next timeout {expected:?} from now, {who} has {got:?}"
        ));
    }
    Ok(())
}

fn run_each(dir: &std::path::Path, run: impl Fn(&str) -> Result<(), TranscriptError>) {
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
            run(&script).err().map(|e| format!("{}:{}", path.display(), e))
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
            Step::On { conn, step } => match step {
                ConnStep::Sent(bytes) => write!(f, "{conn}> {}", escape(bytes)),
                ConnStep::Received(bytes) => write!(f, "{conn}< {}", escape(bytes)),
                ConnStep::Opened { addr, fails } => {
                    write!(f, "{conn}+{} {addr}", if *fails { "!" } else { "" })
                }
                ConnStep::ClientClosed => write!(f, "{conn}-"),
                ConnStep::Listening { toward, at: Some(at) } => write!(f, "{conn}~ {toward} {at}"),
                ConnStep::Listening { toward, at: None } => write!(f, "{conn}~! {toward}"),
                ConnStep::PeerConnected => write!(f, "{conn}+"),
                ConnStep::PeerClosed(reason) if reason.is_empty() => write!(f, "{conn}!"),
                ConnStep::PeerClosed(reason) => write!(f, "{conn}! {reason}"),
            },
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
    fn connection_lines_parse_and_print_back() {
        let script = "ns+ messenger.hotmail.com:1863\nsb2+! 10.0.0.1:1863\nns> VER 1\\r\\n\nsb1< ACK 2\\r\\n\nsb1-\nsb1!\nhttp! no route\nhttp< HTTP/1.1 200 OK\\r\\n\\r\\n\n";
        // Each step printed back as the line it was read from.
        let printed = |script: &str| -> Vec<String> {
            parse(script)
                .unwrap()
                .iter()
                .map(|(_, s)| s.to_string())
                .collect()
        };
        assert_eq!(
            printed(script),
            [
                "ns+ messenger.hotmail.com:1863",
                "sb2+! 10.0.0.1:1863",
                "ns> VER 1\\r\\n",
                "sb1< ACK 2\\r\\n",
                "sb1-",
                "sb1!",
                "http! no route",
                "http< HTTP/1.1 200 OK\\r\\n\\r\\n",
            ]
        );
        assert!(parse("http+ x:1").is_err());
        assert!(parse("http-").is_err());
        assert!(parse("http~ x:1 y:2").is_err());
        assert!(
            parse("ft~ 10.0.0.1:1865").is_err(),
            "where the caller listens is missing"
        );
        let listening = "ft~ 10.0.0.1:1865 192.0.2.1:6891\nft2~! 10.0.0.1:1865\nft+\n";
        assert_eq!(
            printed(listening),
            ["ft~ 10.0.0.1:1865 192.0.2.1:6891", "ft2~! 10.0.0.1:1865", "ft+"]
        );
    }

    /// The client's first output, scripted right and wrong.
    #[test]
    fn a_client_transcript_checks_each_connection() {
        let call = super::super::client::call;
        let good = "ns+ messenger.hotmail.com:1863\nns> VER 1 MSNP8 CVR0\\r\\n\n";
        run_client(super::super::client::machine, call, good).unwrap();
        let wrong_bytes = "ns+ messenger.hotmail.com:1863\nns> VER 1 MSNP9 CVR0\\r\\n\n";
        let error = run_client(super::super::client::machine, call, wrong_bytes).unwrap_err();
        assert_eq!(error.line, 2);
        let wrong_addr = "ns+ example.com:1863\n";
        assert_eq!(
            run_client(super::super::client::machine, call, wrong_addr)
                .unwrap_err()
                .line,
            1
        );
        let unread = "ns+ messenger.hotmail.com:1863\n";
        let error = run_client(super::super::client::machine, call, unread).unwrap_err();
        assert!(
            error.message.contains("unexpected bytes sent on `ns`: VER 1"),
            "{error}"
        );
        let one_connection = "C: VER 1 MSNP8 CVR0\\r\\n\n";
        assert!(run_client(super::super::client::machine, call, one_connection).is_err());
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
