//! Known-answer helpers for codec tests: "these bytes decode to this value, leaving this
//! remainder" and "this value encodes to these bytes" (after imap-codec's `testing.rs`).
//!
//! On a mismatch they panic with both sides written as escaped text (`\r\n`, `\xHH`), so
//! a failing case shows exactly which byte differs.
//!
//! ```
//! use msnp::codec::{ServerCommand, TrId};
//! use msnp::testing::known_answer::{assert_encodes, assert_server_decodes};
//! let ack = ServerCommand::Ack { trid: TrId(4) };
//! assert_server_decodes(b"ACK 4\r\nNAK 5\r\n", &ack, b"NAK 5\r\n");
//! assert_encodes(&ack, b"ACK 4\r\n");
//! ```

use std::fmt::{self, Debug, Write as _};

use crate::codec::{ClientCommand, DecodeError, EncodeError, ServerCommand};

/// Writes bytes as printable text: `\r`, `\n`, `\t`, `\\` and `\xHH` for every other byte
/// outside printable ASCII, the escapes of the transcript format.
///
/// ```
/// use msnp::testing::known_answer::escape;
/// assert_eq!(escape(b"MSG a b 2\r\n\x00\xff"), r"MSG a b 2\r\n\x00\xff");
/// ```
pub fn escape(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &byte in bytes {
        // Writing into a String cannot fail.
        let _ = match byte {
            b'\r' => out.write_str(r"\r"),
            b'\n' => out.write_str(r"\n"),
            b'\t' => out.write_str(r"\t"),
            b'\\' => out.write_str(r"\\"),
            b' '..=b'~' => out.write_char(char::from(byte)),
            _ => write!(out, r"\x{byte:02x}"),
        };
    }
    out
}

/// A command that can be encoded: [`ServerCommand`] or [`ClientCommand`].
pub trait Encode: Debug + PartialEq + sealed::Sealed {
    /// Appends the command's bytes.
    fn encode_into(&self, out: &mut Vec<u8>) -> Result<(), EncodeError>;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for crate::codec::ServerCommand<'_> {}
    impl Sealed for crate::codec::ClientCommand<'_> {}
}

impl Encode for ServerCommand<'_> {
    fn encode_into(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.encode(out)
    }
}

impl Encode for ClientCommand<'_> {
    fn encode_into(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        self.encode(out)
    }
}

/// Bytes shown escaped in an assertion message.
struct Escaped<'a>(&'a [u8]);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{}\"", escape(self.0))
    }
}

#[track_caller]
fn check_decoded<C: Debug + PartialEq>(
    input: &[u8],
    decoded: Result<(C, usize), DecodeError>,
    expected: &C,
    remainder: &[u8],
) {
    let (value, used) = match decoded {
        Ok(ok) => ok,
        Err(error) => panic!(
            "decoding {} failed: {error:?}\n  expected: {expected:?}",
            Escaped(input)
        ),
    };
    let rest = input.get(used..).unwrap_or_default();
    if value != *expected || rest != remainder {
        panic!(
            "decoding {}\n  gave      {value:?}\n  expected  {expected:?}\n  remainder {}\n  expected  {}",
            Escaped(input),
            Escaped(rest),
            Escaped(remainder),
        );
    }
}

/// Asserts that `input` decodes as a server command to `expected`, leaving `remainder`.
#[track_caller]
pub fn assert_server_decodes(input: &[u8], expected: &ServerCommand<'_>, remainder: &[u8]) {
    check_decoded(input, ServerCommand::decode(input), expected, remainder);
}

/// Asserts that `input` decodes as a client command to `expected`, leaving `remainder`.
#[track_caller]
pub fn assert_client_decodes(input: &[u8], expected: &ClientCommand<'_>, remainder: &[u8]) {
    check_decoded(input, ClientCommand::decode(input), expected, remainder);
}

/// Asserts that `value` encodes to exactly `expected`.
#[track_caller]
pub fn assert_encodes<C: Encode>(value: &C, expected: &[u8]) {
    let mut out = Vec::new();
    if let Err(error) = value.encode_into(&mut out) {
        panic!(
            "encoding {value:?} failed: {error:?}\n  expected {}",
            Escaped(expected)
        );
    }
    if out != expected {
        panic!(
            "encoding {value:?}\n  gave     {}\n  expected {}",
            Escaped(&out),
            Escaped(expected)
        );
    }
}

/// Both ways at once: `wire` (one whole command) decodes as a server command to `value`,
/// and `value` encodes back to `wire`.
#[track_caller]
pub fn assert_server_known_answer(wire: &[u8], value: &ServerCommand<'_>) {
    assert_server_decodes(wire, value, b"");
    assert_encodes(value, wire);
}

/// Both ways at once, for a client command.
#[track_caller]
pub fn assert_client_known_answer(wire: &[u8], value: &ClientCommand<'_>) {
    assert_client_decodes(wire, value, b"");
    assert_encodes(value, wire);
}

#[track_caller]
fn check_error<C: Debug>(input: &[u8], decoded: Result<(C, usize), DecodeError>, expected: &DecodeError) {
    match decoded {
        Err(error) if error == *expected => {}
        other => panic!(
            "decoding {}\n  gave     {other:?}\n  expected Err({expected:?})",
            Escaped(input)
        ),
    }
}

/// Asserts that decoding `input` as a server command fails with `expected`.
#[track_caller]
pub fn assert_server_decode_error(input: &[u8], expected: &DecodeError) {
    check_error(input, ServerCommand::decode(input), expected);
}

/// Asserts that decoding `input` as a client command fails with `expected`.
#[track_caller]
pub fn assert_client_decode_error(input: &[u8], expected: &DecodeError) {
    check_error(input, ClientCommand::decode(input), expected);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::TrId;

    #[test]
    fn escape_covers_the_transcript_escapes() {
        assert_eq!(escape(b"a\\b\t\x7f\x80 ~"), r"a\\b\t\x7f\x80 ~");
    }

    #[test]
    fn a_mismatch_shows_escaped_bytes() {
        let result = std::panic::catch_unwind(|| {
            assert_encodes(&ServerCommand::Ack { trid: TrId(4) }, b"ACK 5\r\n");
        });
        let message = result.unwrap_err();
        let message = message.downcast_ref::<String>().unwrap();
        assert!(message.contains(r#"gave     "ACK 4\r\n""#), "{message}");
        assert!(message.contains(r#"expected "ACK 5\r\n""#), "{message}");
    }

    #[test]
    fn a_wrong_remainder_fails() {
        let result = std::panic::catch_unwind(|| {
            assert_server_decodes(b"ACK 4\r\nX", &ServerCommand::Ack { trid: TrId(4) }, b"");
        });
        let message = result.unwrap_err();
        let message = message.downcast_ref::<String>().unwrap();
        assert!(message.contains(r#"remainder "X""#), "{message}");
    }
}
