//! The codec's targets: framing in any chunking, decode → encode → decode in both
//! directions, and arbitrary value → bytes → value (feature `arbitrary`). Each body
//! panics when a law of the codec breaks; no input from the peer may make the codec
//! itself panic.
//!
//! The dialect comes from the input's first byte: a byte 8 to 12 names MSNP8 to MSNP12
//! and is taken off; any other first byte (every corpus file from before dialects starts
//! with a verb's letter) means MSNP8 and stays part of the input, so old files replay as
//! they always did. `framer_chunks` reads it from bits of its control byte instead.

use crate::codec::{
    ClientCommand, DecodeError, Dialect, Direction, Frame, Framer, Limits, ServerCommand, split_frame_in,
};

/// The dialect the input names, and the rest of it (see the module documentation).
pub fn dialect_prefix(data: &[u8]) -> (Dialect, &[u8]) {
    match data.split_first() {
        Some((&byte, rest)) if (8..=12).contains(&byte) => {
            let dialect = Dialect::ALL
                .into_iter()
                .find(|d| d.number() == byte)
                .unwrap_or(Dialect::Msnp8);
            (dialect, rest)
        }
        _ => (Dialect::Msnp8, data),
    }
}

/// Small limits, so that short fuzz inputs reach every framing error. `max_buffered` keeps
/// the default relation (line, CRLF, payload): with less, how the bytes are chunked could
/// decide whether a frame fits.
const SMALL_LIMITS: Limits = Limits {
    max_line_len: 48,
    max_payload_len: 96,
    max_buffered: 48 + 2 + 96,
    max_skip_len: 4 * 96,
};

/// What the framer made of one frame, detached from its buffer.
type Outcome = Result<(Vec<u8>, Option<Vec<u8>>), DecodeError>;

fn owned(frame: Frame<'_>) -> (Vec<u8>, Option<Vec<u8>>) {
    (frame.line.to_vec(), frame.payload.map(<[u8]>::to_vec))
}

/// Feeds `chunks` to a framer, draining after each push; checks the memory bound.
fn framer_outcomes<'a>(
    direction: Direction,
    dialect: Dialect,
    chunks: impl IntoIterator<Item = &'a [u8]>,
) -> Vec<Outcome> {
    let mut framer = Framer::new(direction, SMALL_LIMITS);
    framer.set_dialect(dialect);
    let mut outcomes = Vec::new();
    for chunk in chunks {
        framer.push(chunk);
        assert!(framer.buffered() <= SMALL_LIMITS.max_buffered + chunk.len());
        while let Some(next) = framer.next_frame() {
            let fatal = next.as_ref().is_err_and(DecodeError::is_fatal);
            outcomes.push(next.map(owned));
            if fatal {
                assert!(
                    framer.next_frame().is_some_and(|again| again.is_err()),
                    "fatal errors stay fatal"
                );
                return outcomes;
            }
        }
        assert!(framer.buffered() <= SMALL_LIMITS.max_buffered);
    }
    outcomes
}

/// The same, with the one-shot [`split_frame`] over the whole input.
fn split_outcomes(direction: Direction, dialect: Dialect, mut input: &[u8]) -> Vec<Outcome> {
    let mut outcomes = Vec::new();
    while !input.is_empty() {
        match split_frame_in(input, direction, dialect, &SMALL_LIMITS) {
            Ok((frame, used)) => {
                assert_eq!(frame.dialect, dialect);
                outcomes.push(Ok(owned(frame)));
                input = input.get(used..).unwrap_or_default();
            }
            Err(DecodeError::Incomplete) => break,
            Err(error) => {
                let skip = error.frame_len();
                outcomes.push(Err(error));
                match skip {
                    Some(len) => input = input.get(len..).unwrap_or_default(),
                    None => break,
                }
            }
        }
    }
    outcomes
}

/// Chunk lengths 0 to 16 from a xorshift generator seeded by one input byte.
fn random_chunks(input: &[u8], seed: u8) -> Vec<&[u8]> {
    let mut state = u32::from(seed) | 0x100;
    let mut chunks = Vec::new();
    let mut rest = input;
    while !rest.is_empty() {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let len = usize::try_from(state % 17).unwrap_or(1).min(rest.len());
        let (chunk, tail) = rest.split_at(len);
        chunks.push(chunk);
        rest = tail;
    }
    chunks
}

/// Target `framer_chunks`: the first byte picks the direction (bit 0), the dialect (bits
/// 1 to 3: 0 to 4 are MSNP8 to MSNP12, more is MSNP8) and the chunking; the rest is the
/// stream. Whole, chunked and byte-by-byte feeding, and [`split_frame_in`], must agree.
pub fn framer_chunks(data: &[u8]) {
    let Some((&control, input)) = data.split_first() else {
        return;
    };
    let direction = if control & 1 == 0 {
        Direction::ServerToClient
    } else {
        Direction::ClientToServer
    };
    let dialect = Dialect::ALL
        .get(usize::from((control >> 1) & 7))
        .copied()
        .unwrap_or(Dialect::Msnp8);
    let whole = framer_outcomes(direction, dialect, [input]);
    assert_eq!(
        whole,
        split_outcomes(direction, dialect, input),
        "framer vs split_frame"
    );
    assert_eq!(
        whole,
        framer_outcomes(direction, dialect, random_chunks(input, control)),
        "chunked"
    );
    assert_eq!(
        whole,
        framer_outcomes(direction, dialect, input.chunks(1)),
        "byte by byte"
    );
}

/// The frame as this crate writes it: CRLF, and for a typed command single spaces
/// between words (decoding accepts bare LF and runs of spaces [HYP general/commands]).
fn canonical(frame: Frame<'_>, typed: bool) -> Vec<u8> {
    let mut out = Vec::new();
    if typed {
        for word in frame.line.split(|&b| b == b' ').filter(|w| !w.is_empty()) {
            if !out.is_empty() {
                out.push(b' ');
            }
            out.extend_from_slice(word);
        }
    } else {
        out.extend_from_slice(frame.line);
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(frame.payload.unwrap_or_default());
    out
}

/// Whether the frame may be one of Escargot's group replies (`ADG T name guid 0`,
/// `REG T 1 name guid 0`, `RMG T 1 guid`, reference §4.2), which read as the official
/// shapes and so re-encode as those: for them only the value must survive the trip.
fn tolerated(frame: Frame<'_>, dialect: Dialect) -> bool {
    // The grammar skips leading spaces, so the verb is the first word, wherever it starts.
    let verb = frame.line.trim_ascii_start().get(..4);
    dialect >= Dialect::Msnp10 && matches!(verb, Some(b"ADG " | b"REG " | b"RMG "))
}

/// Limits that let any encoded command through, so the round trip tests the grammar
/// and not the peer-protection limits.
fn roomy(encoded: &[u8]) -> Limits {
    Limits {
        max_line_len: encoded.len(),
        max_payload_len: encoded.len(),
        max_buffered: 2 * encoded.len() + 2,
        max_skip_len: encoded.len(),
    }
}

/// Generates `decode → encode → decode` checks for one direction.
macro_rules! decode_roundtrip {
    ($name:ident, $command:ident, $direction:expr) => {
        /// Decodes every frame of `data` in the dialect its first byte names; each must
        /// re-encode to its canonical bytes and decode back to the same value.
        pub fn $name(data: &[u8]) {
            let (dialect, mut rest) = dialect_prefix(data);
            let limits = Limits::default();
            while !rest.is_empty() {
                let used = match $command::decode_in(rest, dialect, &limits) {
                    Ok((command, used)) => {
                        let frame = rest.get(..used).unwrap_or_default();
                        let (frame, _) =
                            split_frame_in(frame, $direction, dialect, &limits).expect("decoded frame");
                        let mut out = Vec::new();
                        command.encode(&mut out).expect("a decoded command encodes");
                        let typed = !matches!(command, $command::Other(_));
                        if !tolerated(frame, dialect) {
                            assert_eq!(out, canonical(frame, typed), "re-encoding of {command:?}");
                        }
                        let again = $command::decode_in(&out, dialect, &roomy(&out));
                        assert_eq!(again, Ok((command.clone(), out.len())));
                        assert_eq!(command.clone().into_owned(), command);
                        used
                    }
                    Err(error) => match error.frame_len() {
                        Some(len) => len,
                        None => break,
                    },
                };
                rest = rest.get(used..).unwrap_or_default();
            }
        }
    };
}

decode_roundtrip!(server_roundtrip, ServerCommand, Direction::ServerToClient);
decode_roundtrip!(client_roundtrip, ClientCommand, Direction::ClientToServer);

/// Generates `arbitrary value → bytes → value` checks for one direction.
#[cfg(feature = "arbitrary")]
macro_rules! value_roundtrip {
    ($name:ident, $command:ident) => {
        /// Builds a command from `data`; if it encodes, it must decode back to itself in
        /// some dialect (the one whose shape it is), and in every dialect where its bytes
        /// decode at all, to a value that writes the same bytes; if it does not encode,
        /// nothing may have been written.
        pub fn $name(data: &[u8]) {
            let mut u = arbitrary::Unstructured::new(data);
            let Ok(command) = <$command<'_> as arbitrary::Arbitrary>::arbitrary(&mut u) else {
                return;
            };
            let mut out = b"before".to_vec();
            match command.encode(&mut out) {
                Ok(()) => {
                    let encoded = out.get(6..).unwrap_or_default();
                    let mut homes = 0;
                    for dialect in Dialect::ALL {
                        let decoded = $command::decode_in(encoded, dialect, &roomy(encoded));
                        if decoded == Ok((command.clone(), encoded.len())) {
                            homes += 1;
                        } else if let Ok((other, used)) = decoded {
                            let mut again = Vec::new();
                            other.encode(&mut again).expect("a decoded command encodes");
                            assert_eq!(
                                (again.as_slice(), used),
                                (encoded, encoded.len()),
                                "{dialect} reads {command:?} as {other:?}"
                            );
                        }
                    }
                    assert!(
                        homes > 0,
                        "no dialect reads back {command:?} from {encoded:?}"
                    );
                    let mut again = Vec::new();
                    command
                        .clone()
                        .into_owned()
                        .encode(&mut again)
                        .expect("encodes twice");
                    assert_eq!(again, encoded);
                }
                Err(_) => assert_eq!(out, b"before", "a refused encode wrote bytes"),
            }
        }
    };
}

#[cfg(feature = "arbitrary")]
value_roundtrip!(server_value_roundtrip, ServerCommand);
#[cfg(feature = "arbitrary")]
value_roundtrip!(client_value_roundtrip, ClientCommand);
