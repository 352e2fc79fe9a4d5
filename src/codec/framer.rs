//! Finding frame boundaries in a byte stream, before any grammar parsing.
//!
//! A frame is one command line, plus, for payload commands, exactly the number of bytes
//! its last argument announces. Which verbs carry a payload depends on the direction and
//! is kept in [`PAYLOAD_VERBS`], the one table of it in the crate.

use super::dialect::Dialect;
use super::error::DecodeError;
use super::parse::canonical_usize;

/// The line-end search: SIMD where the target has it, which matters for long lines.
fn find_byte(haystack: &[u8], needle: u8) -> Option<usize> {
    memchr::memchr(needle, haystack)
}

/// Who sent the bytes being framed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Direction {
    /// Bytes a client sends (what a server reads).
    ClientToServer,
    /// Bytes a server sends (what a client reads).
    ServerToClient,
}

/// A verb whose command line announces a payload, in one direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PayloadVerb {
    /// The three-letter verb.
    pub verb: &'static str,
    /// The direction in which it carries a payload.
    pub direction: Direction,
    /// The first protocol version in which it carries one (8 and below are MSNP8's).
    pub since: u8,
}

const fn payload(verb: &'static str, direction: Direction, since: u8) -> PayloadVerb {
    PayloadVerb {
        verb,
        direction,
        since,
    }
}

/// Every payload verb the framer knows [NINA Payload_Commands; YW; ESC `_PAYLOAD_COMMANDS`].
///
/// A verb is strict from its `since` dialect on: its last argument must be the length.
/// Before that (and for verbs of dialects after MSNP12) it is framed leniently, so that a
/// peer speaking a later dialect cannot desynchronise the stream: a numeric last argument
/// after at least one other argument is still a length, anything else means "no payload"
/// (replies like `ADL 12 OK` or a bare `UUX 2` carry none).
pub const PAYLOAD_VERBS: &[PayloadVerb] = &[
    payload("MSG", Direction::ClientToServer, 2),
    payload("MSG", Direction::ServerToClient, 2),
    payload("NOT", Direction::ServerToClient, 5),
    payload("PAG", Direction::ClientToServer, 5),
    payload("IPG", Direction::ServerToClient, 6),
    payload("QRY", Direction::ClientToServer, 6),
    payload("GCF", Direction::ServerToClient, 11),
    payload("UBX", Direction::ServerToClient, 11),
    payload("UUX", Direction::ClientToServer, 11),
    payload("ADL", Direction::ClientToServer, 13),
    payload("ADL", Direction::ServerToClient, 13),
    payload("RML", Direction::ClientToServer, 13),
    payload("RML", Direction::ServerToClient, 13),
    payload("FQY", Direction::ClientToServer, 13),
    payload("FQY", Direction::ServerToClient, 13),
    payload("UUN", Direction::ClientToServer, 13),
    payload("UBN", Direction::ServerToClient, 13),
];

/// The payload rule for `verb` sent in `direction`, if it carries one.
pub fn payload_verb(verb: &[u8], direction: Direction) -> Option<&'static PayloadVerb> {
    // Every payload verb has three letters: most lines are decided here.
    if verb.len() != 3 {
        return None;
    }
    if !may_carry_payload(verb) {
        return None;
    }
    let code = super::verb::code(verb);
    PAYLOAD_VERBS
        .iter()
        .find(|p| p.direction == direction && super::verb::code(p.verb.as_bytes()) == code)
}

/// Whether `verb` may be one of [`PAYLOAD_VERBS`] (in either direction): nearly every
/// line's verb is ruled out by one bit of a filter built from the table.
#[inline(always)]
fn may_carry_payload(verb: &[u8]) -> bool {
    PAYLOAD_FILTER & filter_bit(super::verb::code(verb)) != 0
}

/// A bit of [`PAYLOAD_FILTER`] for a verb's number: a multiplicative hash's top 7 bits.
const fn filter_bit(code: u32) -> u128 {
    1 << (code.wrapping_mul(0x9e37_79b1) >> 25)
}

/// The bits of every verb of [`PAYLOAD_VERBS`]: a verb whose bit is clear is none of them.
const PAYLOAD_FILTER: u128 = {
    let mut filter = 0;
    let mut i = 0;
    while i < PAYLOAD_VERBS.len() {
        filter |= filter_bit(super::verb::code(PAYLOAD_VERBS[i].verb.as_bytes()));
        i += 1;
    }
    filter
};

/// Bounds on what the peer can make the codec hold in memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The longest command line, without its line end. Longer lines are fatal.
    pub max_line_len: usize,
    /// The largest payload. Larger ones are skipped by their declared length and reported.
    pub max_payload_len: usize,
    /// The most bytes buffered while waiting for a frame to complete. A [`Framer`]
    /// raises it to the largest frame the other two limits allow, so that whether a frame
    /// fits never depends on how its bytes were chunked.
    pub max_buffered: usize,
    /// The largest oversized payload that is skipped rather than ending the stream. A
    /// longer declared length can never fit: skipping it would discard every later command
    /// (`MSG Hotmail Hotmail 18446744073709551615` would silence a connection for good),
    /// so it is fatal ([`DecodeError::UnskippablePayload`]). A [`Framer`] raises it to at
    /// least [`Limits::max_payload_len`].
    pub max_skip_len: usize,
}

impl Default for Limits {
    /// 8 KiB lines, 64 KiB payloads: generous next to MSNP8's 1664-byte messages and
    /// 400-byte tickets (reference §11.8). Oversized payloads up to 1 MiB (16 payloads'
    /// worth) are skipped; no server of any dialect sends more in one frame.
    fn default() -> Self {
        Limits {
            max_line_len: 8 * 1024,
            max_payload_len: 64 * 1024,
            max_buffered: 8 * 1024 + 64 * 1024 + 2,
            max_skip_len: 1024 * 1024,
        }
    }
}

/// One complete frame: a command line and its payload, borrowed from the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame<'a> {
    /// The command line without its line end.
    pub line: &'a [u8],
    /// The payload bytes, for payload commands.
    pub payload: Option<&'a [u8]>,
    /// How many bytes of the stream the frame spans: line, line end (CRLF or bare LF)
    /// and payload.
    pub len: usize,
    /// The dialect the frame was framed in (the framer's at the time), which
    /// `decode_frame` parses it by.
    pub dialect: Dialect,
}

/// How a frame at the start of the input ends.
enum Boundary {
    /// A whole frame of `len` bytes: the line is `..line_end`; for payload commands the
    /// payload starts at `body` and runs to `len`.
    Frame {
        len: usize,
        line_end: usize,
        body: usize,
        has_payload: bool,
    },
    /// A payload over the limit: skip `len` bytes.
    TooLarge { payload: usize, len: usize },
}

/// How far the line end may be from the start of a frame: the line, CR and LF.
fn line_scan_len(limits: &Limits) -> usize {
    limits.max_line_len.saturating_add(2)
}

/// The position of the first LF in `input`, within the line limit: the error says whether
/// more bytes could still bring one.
#[inline(always)]
fn find_line_end(input: &[u8], limits: &Limits) -> Result<usize, DecodeError> {
    let scan = &input[..input.len().min(line_scan_len(limits))];
    find_byte(scan, b'\n').ok_or_else(|| incomplete_line(scan.len(), limits))
}

/// What a line without LF in its first `scanned` bytes is.
#[cold]
fn incomplete_line(scanned: usize, limits: &Limits) -> DecodeError {
    if scanned > limits.max_line_len.saturating_add(1) {
        DecodeError::LineTooLong {
            max: limits.max_line_len,
        }
    } else {
        DecodeError::Incomplete
    }
}

/// What the line of a payload verb says about its payload.
pub(crate) enum Announced {
    /// Its last word is the payload's length.
    Length(usize),
    /// Its last word is a number but stands where a later dialect's verb has its TrID.
    NoLengthWord,
    /// Its last word is no number.
    NotANumber,
}

/// Reads the payload length `line` announces for `rule`'s verb, in every dialect alike.
pub(crate) fn announced_length(line: &[u8], rule: &PayloadVerb) -> Announced {
    let mut words = line.rsplit(|&b| b == b' ');
    let last = words.next().unwrap_or_default();
    // A later dialect's verb needs a word between the verb and the length: a bare
    // `UUX 2` is a TrID, not a length (reference §11).
    let has_length = || rule.since <= 8 || words.clone().filter(|w| !w.is_empty()).count() >= 2;
    match canonical_usize(last) {
        Some(len) if has_length() => Announced::Length(len),
        Some(_) => Announced::NoLengthWord,
        None => Announced::NotANumber,
    }
}

/// Finds where the frame at the start of `input` ends.
#[inline(always)]
fn boundary(
    input: &[u8],
    direction: Direction,
    dialect: Dialect,
    limits: &Limits,
) -> Result<Boundary, DecodeError> {
    let lf = find_line_end(input, limits)?;
    boundary_at(input, lf, direction, dialect, limits)
}

/// Where the frame at the start of `input`, whose first LF is at `lf`, ends.
///
/// Small enough to inline into every decode: a line that is no payload verb's is decided
/// here, and everything else (payload lines, errors) goes out of line.
#[inline(always)]
fn boundary_at(
    input: &[u8],
    lf: usize,
    direction: Direction,
    dialect: Dialect,
    limits: &Limits,
) -> Result<Boundary, DecodeError> {
    // Peers may end lines with a bare LF [HYP general/commands].
    let line_end = if lf > 0 && input[lf - 1] == b'\r' {
        lf - 1
    } else {
        lf
    };
    if line_end > limits.max_line_len {
        return Err(line_too_long(limits));
    }
    let line = &input[..line_end];
    let body = lf + 1;
    // Every payload verb has three letters and a space after them: most lines are ruled
    // out by their fourth byte or by their verb's bit in the filter.
    let verb = line.get(..3).unwrap_or_default();
    if line.len() > 3 && line[3] != b' ' || !may_carry_payload(verb) {
        return Ok(Boundary::Frame {
            len: body,
            line_end,
            body,
            has_payload: false,
        });
    }
    payload_boundary(input, lf, line_end, direction, dialect, limits)
}

#[cold]
fn line_too_long(limits: &Limits) -> DecodeError {
    DecodeError::LineTooLong {
        max: limits.max_line_len,
    }
}

/// [`boundary_at`] for a line whose verb may be a payload verb: by its announced length.
#[inline(never)]
fn payload_boundary(
    input: &[u8],
    lf: usize,
    line_end: usize,
    direction: Direction,
    dialect: Dialect,
    limits: &Limits,
) -> Result<Boundary, DecodeError> {
    let line = &input[..line_end];
    let body = lf + 1;
    let plain = Boundary::Frame {
        len: body,
        line_end,
        body,
        has_payload: false,
    };
    if line.get(3) != Some(&b' ') {
        return match line.len() == 3
            && payload_verb(line, direction).is_some_and(|p| p.since <= dialect.number())
        {
            true => Err(DecodeError::InvalidPayloadLength {
                verb: String::from_utf8_lossy(line).into_owned(),
            }),
            false => Ok(plain),
        };
    }
    let verb = &line[..3];
    let Some(rule) = payload_verb(verb, direction) else {
        return Ok(plain);
    };
    let strict = rule.since <= dialect.number();
    let payload = match announced_length(line, rule) {
        Announced::Length(len) => len,
        Announced::NoLengthWord => return Ok(plain),
        // Later dialects reply to payload verbs with plain lines (`ADL 12 OK`).
        Announced::NotANumber if !strict => return Ok(plain),
        Announced::NotANumber => {
            return Err(DecodeError::InvalidPayloadLength {
                verb: String::from_utf8_lossy(verb).into_owned(),
            });
        }
    };
    let len = body.saturating_add(payload);
    if payload > limits.max_payload_len {
        if payload > limits.max_skip_len.max(limits.max_payload_len) {
            return Err(DecodeError::UnskippablePayload {
                len: payload,
                max: limits.max_skip_len.max(limits.max_payload_len),
            });
        }
        return Ok(Boundary::TooLarge { payload, len });
    }
    if input.len() < len {
        return Err(DecodeError::Incomplete);
    }
    Ok(Boundary::Frame {
        len,
        line_end,
        body,
        has_payload: true,
    })
}

impl Boundary {
    fn frame(
        input: &[u8],
        line_end: usize,
        body: usize,
        len: usize,
        has_payload: bool,
        dialect: Dialect,
    ) -> Frame<'_> {
        Frame {
            line: &input[..line_end],
            payload: has_payload.then(|| &input[body..len]),
            len,
            dialect,
        }
    }
}

/// Splits the frame at the start of `input`, returning it and the bytes it spans.
///
/// This is the one-shot form behind `ServerCommand::decode`, in MSNP8; [`Framer`] is the
/// streaming form that buffers partial input and skips oversized payloads.
pub fn split_frame<'a>(
    input: &'a [u8],
    direction: Direction,
    limits: &Limits,
) -> Result<(Frame<'a>, usize), DecodeError> {
    split_frame_in(input, direction, Dialect::Msnp8, limits)
}

/// [`split_frame`] in `dialect`: which verbs carry a payload strictly depends on it
/// (`UUX` from a client, `UBX` and `GCF` from a server are payload verbs from MSNP11).
/// The frame carries the dialect, for `decode_frame`.
///
/// ```
/// use msnp::codec::{Dialect, Direction, Limits, split_frame_in};
/// let input = b"UUX 2 0\r\nPNG\r\n";
/// let (frame, len) = split_frame_in(input, Direction::ClientToServer, Dialect::Msnp11, &Limits::default()).unwrap();
/// assert_eq!((frame.line, frame.payload, len), (&b"UUX 2 0"[..], Some(&b""[..]), 9));
/// assert_eq!(frame.dialect, Dialect::Msnp11);
/// ```
#[inline(always)]
pub fn split_frame_in<'a>(
    input: &'a [u8],
    direction: Direction,
    dialect: Dialect,
    limits: &Limits,
) -> Result<(Frame<'a>, usize), DecodeError> {
    match boundary(input, direction, dialect, limits)? {
        Boundary::Frame {
            len,
            line_end,
            body,
            has_payload,
        } => Ok((
            Boundary::frame(input, line_end, body, len, has_payload, dialect),
            len,
        )),
        Boundary::TooLarge { payload, len } => Err(DecodeError::PayloadTooLarge {
            len: payload,
            max: limits.max_payload_len,
            frame_len: len,
        }),
    }
}

/// A streaming framer: feed bytes in any chunking, take complete frames.
///
/// Feeding one byte at a time yields exactly the frames of feeding everything at once.
/// Memory stays within [`Limits::max_buffered`] plus one input chunk: drain
/// [`Framer::next_frame`] after each [`Framer::push`].
///
/// ```
/// use msnp::codec::{Direction, Framer, Limits};
/// let mut framer = Framer::new(Direction::ServerToClient, Limits::default());
/// framer.push(b"ACK 4\r\nMSG Hotmail Hotmail 2\r\nhi");
/// let frame = framer.next_frame().unwrap().unwrap();
/// assert_eq!(frame.line, b"ACK 4");
/// let frame = framer.next_frame().unwrap().unwrap();
/// assert_eq!((frame.line, frame.payload), (&b"MSG Hotmail Hotmail 2"[..], Some(&b"hi"[..])));
/// assert!(framer.next_frame().is_none());
/// ```
///
/// `Debug` shows the limits and counts, never the buffered bytes: they hold whatever the
/// peer sent, tickets and cookies included.
pub struct Framer {
    direction: Direction,
    dialect: Dialect,
    limits: Limits,
    buffer: Vec<u8>,
    /// Bytes of `buffer` already handed out as frames, dropped on the next push.
    consumed: usize,
    /// Bytes of an oversized payload still to discard as they arrive.
    skipping: usize,
    /// How far past `consumed` the line end has been searched for without success, so
    /// that a line trickling in is scanned once, not once per push.
    scanned: usize,
    /// Where the line end of the frame at `consumed` is, once found (relative to it):
    /// a payload trickling in does not send the framer back to the line.
    line_end: Option<usize>,
    /// Bytes handed to the line-end search, for the test that each is searched once.
    #[cfg(test)]
    searched: usize,
    /// Set once the stream can no longer be framed; every later call reports it.
    failed: Option<DecodeError>,
}

impl std::fmt::Debug for Framer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Framer")
            .field("direction", &self.direction)
            .field("dialect", &self.dialect)
            .field("limits", &self.limits)
            .field("buffered", &self.buffered())
            .field("skipping", &self.skipping)
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}

impl Framer {
    /// A framer for bytes sent in `direction`.
    pub fn new(direction: Direction, mut limits: Limits) -> Self {
        let largest_frame = limits
            .max_line_len
            .saturating_add(2)
            .saturating_add(limits.max_payload_len);
        limits.max_buffered = limits.max_buffered.max(largest_frame);
        limits.max_skip_len = limits.max_skip_len.max(limits.max_payload_len);
        Framer {
            direction,
            dialect: Dialect::Msnp8,
            limits,
            buffer: Vec::new(),
            consumed: 0,
            skipping: 0,
            scanned: 0,
            line_end: None,
            #[cfg(test)]
            searched: 0,
            failed: None,
        }
    }

    /// Frames what follows in `dialect` (MSNP8 until set): once `VER` has chosen one.
    /// Frames already handed out keep the dialect they were framed in.
    pub fn set_dialect(&mut self, dialect: Dialect) {
        // A line end already found stays one: only the payload rule depends on the
        // dialect, and it is applied when the frame is cut.
        self.dialect = dialect;
    }

    /// The dialect frames are cut in.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// How many bytes are buffered and not yet handed out.
    pub fn buffered(&self) -> usize {
        self.buffer.len() - self.consumed
    }

    /// Frees the bytes already handed out, when nothing else is buffered; otherwise
    /// they go on the next [`push`](Self::push) as usual. For a frame that held a
    /// secret (a switchboard cookie, a profile's `MSPAuth`): its bytes need not wait in
    /// memory for the next read.
    pub fn release(&mut self) {
        if self.buffered() == 0 {
            self.buffer = Vec::new();
            self.consumed = 0;
            self.scanned = 0;
            self.line_end = None;
        }
    }

    /// Appends received bytes.
    pub fn push(&mut self, mut bytes: &[u8]) {
        if self.failed.is_some() {
            return;
        }
        self.buffer.drain(..self.consumed);
        self.consumed = 0;
        if self.skipping > 0 {
            let skip = self.skipping.min(bytes.len());
            self.skipping -= skip;
            bytes = &bytes[skip..];
        }
        self.buffer.extend_from_slice(bytes);
    }

    /// The next complete frame, `None` when more bytes are needed, or an error: a
    /// skipped oversized payload (framing goes on) or a fatal one (every later call
    /// repeats it).
    pub fn next_frame(&mut self) -> Option<Result<Frame<'_>, DecodeError>> {
        if let Some(error) = &self.failed {
            return Some(Err(error.clone()));
        }
        let input = &self.buffer[self.consumed..];
        if input.is_empty() {
            return None;
        }
        let start = self.consumed;
        let lf = match self.line_end {
            Some(lf) => lf,
            None => {
                let scan = &input[..input.len().min(line_scan_len(&self.limits))];
                let from = self.scanned.min(scan.len());
                let found = find_byte(&scan[from..], b'\n');
                #[cfg(test)]
                {
                    self.searched += found.map_or(scan.len() - from, |at| at + 1);
                }
                match found {
                    Some(at) => {
                        self.line_end = Some(from + at);
                        from + at
                    }
                    None => {
                        self.scanned = scan.len();
                        return self.incomplete(incomplete_line(scan.len(), &self.limits));
                    }
                }
            }
        };
        let input = &self.buffer[start..];
        match boundary_at(input, lf, self.direction, self.dialect, &self.limits) {
            Ok(Boundary::Frame {
                len,
                line_end,
                body,
                has_payload,
            }) => {
                self.next_line();
                self.consumed += len;
                let input = &self.buffer[start..start + len];
                Some(Ok(Boundary::frame(
                    input,
                    line_end,
                    body,
                    len,
                    has_payload,
                    self.dialect,
                )))
            }
            Ok(Boundary::TooLarge { payload, len }) => {
                let here = len.min(input.len());
                self.next_line();
                self.consumed += here;
                self.skipping = len - here;
                Some(Err(DecodeError::PayloadTooLarge {
                    len: payload,
                    max: self.limits.max_payload_len,
                    frame_len: len,
                }))
            }
            Err(error) => self.incomplete(error),
        }
    }

    /// Forgets the line-end search: the next frame starts after this one.
    fn next_line(&mut self) {
        self.scanned = 0;
        self.line_end = None;
    }

    /// Waits for more bytes on `Incomplete` within the buffer limit; fails otherwise.
    fn incomplete(&mut self, error: DecodeError) -> Option<Result<Frame<'_>, DecodeError>> {
        match error {
            DecodeError::Incomplete if self.buffered() <= self.limits.max_buffered => None,
            DecodeError::Incomplete => {
                let max = self.limits.max_buffered;
                Some(Err(self.fail(DecodeError::BufferFull { max })))
            }
            error => Some(Err(self.fail(error))),
        }
    }

    fn fail(&mut self, error: DecodeError) -> DecodeError {
        self.failed = Some(error.clone());
        self.buffer = Vec::new();
        self.consumed = 0;
        self.next_line();
        error
    }
}

#[cfg(test)]
mod clamp_tests {
    use super::*;

    /// A `max_buffered` below the largest frame would make the outcome depend on
    /// chunking; the framer raises it instead.
    #[test]
    fn small_buffer_limit_is_raised_to_the_largest_frame() {
        let limits = Limits {
            max_line_len: 100,
            max_payload_len: 100,
            max_buffered: 10,
            max_skip_len: 1000,
        };
        let stream = b"MSG a b 50\r\n01234567890123456789012345678901234567890123456789ACK 1\r\n";
        let frames = |chunk: usize| {
            let mut framer = Framer::new(Direction::ServerToClient, limits);
            assert_eq!(framer.limits().max_buffered, 202);
            let mut lines = Vec::new();
            for piece in stream.chunks(chunk) {
                framer.push(piece);
                while let Some(frame) = framer.next_frame() {
                    lines.push(frame.map(|f| f.line.to_vec()));
                }
            }
            lines
        };
        let whole = frames(stream.len());
        assert_eq!(whole, [Ok(b"MSG a b 50".to_vec()), Ok(b"ACK 1".to_vec())]);
        assert_eq!(frames(1), whole);
    }
}

#[cfg(test)]
mod trickle_tests {
    use super::*;

    /// Feeds `stream` in `chunk`-byte pieces; returns the lines framed and the bytes the
    /// line-end search looked at.
    fn trickle(stream: &[u8], chunk: usize) -> (Vec<Vec<u8>>, usize) {
        let mut framer = Framer::new(Direction::ServerToClient, Limits::default());
        let mut lines = Vec::new();
        for piece in stream.chunks(chunk) {
            framer.push(piece);
            while let Some(frame) = framer.next_frame() {
                lines.push(frame.unwrap().line.to_vec());
            }
        }
        (lines, framer.searched)
    }

    /// A line arriving one byte at a time is searched once, not once per byte (issue 10,
    /// item 6: 8 KB lines trickled in ran 20 times slower than short ones).
    #[test]
    fn each_byte_is_searched_once_in_any_chunking() {
        let mut stream = Vec::new();
        for i in 0..4 {
            stream.extend_from_slice(format!("NLN NLN a{i}@b.c ").as_bytes());
            stream.extend_from_slice(&[b'x'; 8000]);
            stream.extend_from_slice(b"\r\n");
        }
        stream.extend_from_slice(b"MSG a b 6000\r\n");
        stream.extend_from_slice(&[b'y'; 6000]);
        stream.extend_from_slice(b"ACK 1\r\n");
        let (whole, searched_whole) = trickle(&stream, stream.len());
        assert_eq!(whole.len(), 6);
        for chunk in [1, 7, 1460] {
            let (lines, searched) = trickle(&stream, chunk);
            assert_eq!(lines, whole);
            // Payload bytes are never searched; line bytes exactly once.
            assert_eq!(searched, searched_whole, "chunk {chunk}");
        }
        assert_eq!(searched_whole, stream.len() - 6000);
    }
}

#[cfg(test)]
mod debug_tests {
    use super::*;

    #[test]
    fn debug_shows_counts_not_bytes() {
        let mut framer = Framer::new(Direction::ServerToClient, Limits::default());
        framer.push(b"XFR 5 SB 10.0.0.1:1863 CKI 17262740.1050826919.32308\r\nUSR 6");
        assert!(framer.next_frame().is_some_and(|frame| frame.is_ok()));
        let shown = format!("{framer:?} {framer:#?}");
        assert!(!shown.contains("17262740"), "{shown}");
        assert!(!shown.contains("[88, 70, 82"), "{shown}");
        assert!(shown.contains("buffered: 5"), "{shown}");
    }
}

#[cfg(test)]
mod release_tests {
    use super::*;

    #[test]
    fn release_frees_handed_out_bytes_and_keeps_the_rest() {
        let mut framer = Framer::new(Direction::ServerToClient, Limits::default());
        framer.push(b"XFR 5 SB 10.0.0.1:1863 CKI 17262740.1050826919.32308\r\n");
        assert!(framer.next_frame().is_some_and(|frame| frame.is_ok()));
        framer.release();
        assert_eq!((framer.buffer.capacity(), framer.buffered()), (0, 0));
        // With more buffered, nothing is lost and framing goes on.
        framer.push(b"ACK 1\r\nACK");
        assert_eq!(framer.next_frame().unwrap().unwrap().line, b"ACK 1");
        framer.release();
        assert_eq!(framer.buffered(), 3);
        framer.push(b" 2\r\n");
        assert_eq!(framer.next_frame().unwrap().unwrap().line, b"ACK 2");
        assert!(framer.next_frame().is_none());
    }
}

#[cfg(test)]
mod short_line_tests {
    use super::*;

    /// Lines shorter than a verb, or whose verb is no payload verb's, are framed as plain
    /// lines; a bare payload verb is refused, as it announces no length.
    #[test]
    fn short_and_plain_lines_frame_without_payload() {
        let split = |input: &[u8]| {
            split_frame_in(
                input,
                Direction::ServerToClient,
                Dialect::Msnp8,
                &Limits::default(),
            )
            .map(|(frame, len)| (frame.line.to_vec(), frame.payload.is_some(), len))
        };
        assert_eq!(split(b"\r\n"), Ok((b"".to_vec(), false, 2)));
        assert_eq!(split(b"\n"), Ok((b"".to_vec(), false, 1)));
        assert_eq!(split(b"A\r\n"), Ok((b"A".to_vec(), false, 3)));
        assert_eq!(split(b"MS\n"), Ok((b"MS".to_vec(), false, 3)));
        assert_eq!(split(b"QNG\r\n"), Ok((b"QNG".to_vec(), false, 5)));
        assert_eq!(split(b"MSGX 1\r\n"), Ok((b"MSGX 1".to_vec(), false, 8)));
        assert_eq!(split(b"ACK 12\r\n"), Ok((b"ACK 12".to_vec(), false, 8)));
        assert_eq!(split(b"MSG a b 2\r\nhi"), Ok((b"MSG a b 2".to_vec(), true, 13)));
        assert_eq!(split(b"MSG a b 2\nhi"), Ok((b"MSG a b 2".to_vec(), true, 12)));
        assert!(matches!(
            split(b"MSG\r\n"),
            Err(DecodeError::InvalidPayloadLength { .. })
        ));
        // Before MSNP11, a lone number after UBX is no length (a later dialect's TrID).
        assert_eq!(split(b"UBX 2\r\nhi"), Ok((b"UBX 2".to_vec(), false, 7)));
    }
}

#[cfg(test)]
mod filter_tests {
    use super::*;

    /// The filter only ever saves the search: for every three-letter word the answer is
    /// the table's.
    #[test]
    fn the_filter_never_hides_a_payload_verb() {
        for direction in [Direction::ClientToServer, Direction::ServerToClient] {
            for a in b'A'..=b'Z' {
                for b in b'A'..=b'Z' {
                    for c in b'A'..=b'Z' {
                        let verb = [a, b, c];
                        let listed = PAYLOAD_VERBS
                            .iter()
                            .find(|p| p.direction == direction && p.verb.as_bytes() == verb);
                        assert_eq!(payload_verb(&verb, direction), listed, "{verb:?}");
                    }
                }
            }
        }
    }
}
