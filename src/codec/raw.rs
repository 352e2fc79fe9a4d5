//! [`RawCommand`]: a command the crate has no type for, kept as bytes.

use std::borrow::Cow;

use super::error::EncodeError;
use super::framer::{Announced, Direction, PAYLOAD_VERBS, announced_length, payload_verb};
use super::parse::canonical_usize;

fn is_payload_verb(verb: &[u8]) -> bool {
    PAYLOAD_VERBS.iter().any(|p| p.verb.as_bytes() == verb)
}

/// A command whose verb the crate does not know (a later dialect's, a server's own),
/// delivered as it came so nothing is dropped. Re-encodes to the same bytes.
///
/// ```
/// use msnp::codec::RawCommand;
/// let raw = RawCommand::new(&b"UBX bob@example.com 2"[..], Some(b"{}".into())).unwrap();
/// assert_eq!(raw.verb(), b"UBX");
/// assert!(RawCommand::new(&b"UBX 1\r\nOUT"[..], None).is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RawCommand<'a> {
    line: Cow<'a, [u8]>,
    payload: Option<Cow<'a, [u8]>>,
}

impl<'a> RawCommand<'a> {
    /// Builds a raw command from its line (without line end) and payload. The line must
    /// hold no CR, LF or NUL and start with a verb; with a payload, its last word must be
    /// the payload's length.
    pub fn new(line: impl Into<Cow<'a, [u8]>>, payload: Option<Cow<'a, [u8]>>) -> Result<Self, EncodeError> {
        let line = line.into();
        if line.iter().any(|b| matches!(b, b'\r' | b'\n' | 0)) {
            return Err(EncodeError::InvalidRawLine {
                reason: "holds CR, LF or NUL",
            });
        }
        if line.first().is_none_or(|&b| b == b' ') {
            return Err(EncodeError::InvalidRawLine {
                reason: "does not start with a verb",
            });
        }
        let verb = line.split(|&b| b == b' ').next().unwrap_or_default();
        let last = line.rsplit(|&b| b == b' ').next().unwrap_or_default();
        let announced = (last.len() < line.len()).then(|| canonical_usize(last)).flatten();
        match &payload {
            Some(payload) if announced != Some(payload.len()) => {
                return Err(EncodeError::InvalidRawLine {
                    reason: "last word is not the payload length",
                });
            }
            // A peer would read the next command as this one's payload.
            None if announced.is_some() && is_payload_verb(verb) => {
                return Err(EncodeError::InvalidRawLine {
                    reason: "announces a payload it does not carry",
                });
            }
            _ => {}
        }
        Ok(RawCommand { line, payload })
    }

    /// Checks that a peer reading this command from `direction` frames it as it is: with
    /// a payload exactly when the verb carries one that way. `ServerCommand::encode` and
    /// `ClientCommand::encode` call it, so a raw command cannot swallow the next one.
    ///
    /// ```
    /// use msnp::codec::{Direction, RawCommand};
    /// let ubx = RawCommand::new(&b"UBX bob@example.com 2"[..], Some(b"{}".into())).unwrap();
    /// assert!(ubx.check_direction(Direction::ServerToClient).is_ok());
    /// // A server reads `UBX` from a client without a payload: `{}` would be a second command.
    /// assert!(ubx.check_direction(Direction::ClientToServer).is_err());
    /// ```
    pub fn check_direction(&self, direction: Direction) -> Result<(), EncodeError> {
        let Some(rule) = payload_verb(self.verb(), direction) else {
            return match self.payload {
                Some(_) => Err(EncodeError::InvalidRawLine {
                    reason: "carries a payload but its verb has none in this direction",
                }),
                None => Ok(()),
            };
        };
        // Later dialects' payload verbs also have plain replies (`ADL 12 OK`); an MSNP8
        // payload verb always announces a length. Either way the framer decides by the
        // line alone, so the line must say what the command carries.
        let announces = matches!(announced_length(&self.line, rule), Announced::Length(_));
        match (&self.payload, announces) {
            (Some(_), false) => Err(EncodeError::InvalidRawLine {
                reason: "carries a payload its line does not announce to a peer",
            }),
            (None, true) => Err(EncodeError::InvalidRawLine {
                reason: "announces a payload it does not carry",
            }),
            (None, false) if rule.since <= 8 => Err(EncodeError::InvalidRawLine {
                reason: "its verb carries a payload in this direction",
            }),
            _ => Ok(()),
        }
    }

    /// Wraps a decoded frame; the framer has already checked it.
    pub(crate) fn decoded(line: &'a [u8], payload: Option<&'a [u8]>) -> Self {
        RawCommand {
            line: Cow::Borrowed(line),
            payload: payload.map(Cow::Borrowed),
        }
    }

    /// The first word of the line.
    pub fn verb(&self) -> &[u8] {
        self.line.split(|&b| b == b' ').next().unwrap_or_default()
    }

    /// The command line without its line end.
    pub fn line(&self) -> &[u8] {
        &self.line
    }

    /// The payload, for payload commands.
    pub fn payload(&self) -> Option<&[u8]> {
        self.payload.as_deref()
    }

    /// Writes the line, its CRLF and the payload.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.line);
        out.extend_from_slice(b"\r\n");
        if let Some(payload) = &self.payload {
            out.extend_from_slice(payload);
        }
    }

    /// Detaches the value from the buffer it was decoded from.
    pub fn into_owned(self) -> RawCommand<'static> {
        RawCommand {
            line: Cow::Owned(self.line.into_owned()),
            payload: self.payload.map(|p| Cow::Owned(p.into_owned())),
        }
    }
}
