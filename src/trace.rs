//! Frame-level trace logging: what the original toolkit's `DEBUG_PACKET_SEND` and
//! `DEBUG_PACKET_RECV` flags printed, with secrets and private data left out.
//!
//! With the `tracing` feature, [`NotificationClient`](crate::ns::NotificationClient) and
//! [`SwitchboardClient`](crate::sb::SwitchboardClient) emit one `TRACE` event per frame
//! they hand out or parse, with target [`TARGET`] (`msnp::frame`) and the fields
//!
//! - `conn`: the machine's trace label (`set_trace_label`, e.g. `ns#1`, `sb#3`), or its
//!   role (`ns`, `sb`) when none was set;
//! - `dir`: `send` (bytes returned by `poll_output` as `Transmit`) or `recv` (a frame
//!   the machine parsed);
//! - `len`: the frame's length on the wire, line end and payload included;
//! - the message: the command's `Debug` form, redacted as below; or, for a frame that
//!   does not decode, `undecodable frame` with an `error` field.
//!
//! Without the feature every function here is an empty `#[inline(always)]` body and the
//! crate has no `tracing` dependency.
//!
//! # What is never logged
//!
//! - Credentials: the Passport ticket (`USR TWN S`), the MD5 hash (`USR MD5 S`), the
//!   switchboard cookies (`XFR SB`, `RNG`, `USR` and `ANS` on a switchboard) are
//!   [`Secret`](crate::Secret)s in the typed commands and print as `Secret(<redacted>)`.
//! - Payloads: `MSG`, `QRY`, `NOT`, `IPG` and unknown payload verbs show only the payload
//!   length and, for `MSG`, its media type. Message text is the users' private data, the
//!   initial profile carries `MSPAuth` (a Hotmail credential) and `QRY` carries a digest of
//!   the product key.
//! - Undecodable frames: only their length and the [`DecodeError`], whose text never
//!   quotes the peer's bytes.
//!
//! Sent frames are logged by decoding the bytes that leave the machine, not the values it
//! meant to send: the log shows exactly what went on the wire, a raw command given to
//! `send_command` with a known verb (say a hand-made `USR` with a cookie) is typed and
//! redacted like the machine's own, and commands discarded before they were handed out
//! (the connection dropped) are not logged as sent. The decoding costs nothing unless a
//! subscriber wants `TRACE` events of this target. Lines of unknown verbs are printed:
//! every MSNP8 verb that carries a credential is typed, and an unknown line is exactly
//! what one turns tracing on to see.
//!
//! # Why `tracing` and not `log`
//!
//! `tracing` is what the async stacks this crate is driven from already use (tokio, quinn,
//! hyper, rustls' users), so a caller sees these events next to its own, inside its
//! spans: the `Client` layer can enter one span per connection and every frame event
//! lands in it. Its structured fields (`conn`, `dir`, `len`) filter without parsing text,
//! and `enabled!` lets the sent-frame decoding be skipped when nobody listens. Callers on
//! `log` lose nothing: enabling `tracing`'s own `log` feature in their build forwards
//! every event to the `log` facade. The cost is one small dependency with default
//! features off (no proc-macro `attributes`), and only when the feature is on.

#[cfg(feature = "tracing")]
use std::fmt;

#[cfg(feature = "tracing")]
use crate::codec::ClientCommand;
use crate::codec::{DecodeError, ServerCommand};

/// The `tracing` target of every frame event, to filter on (`msnp::frame=trace`).
#[cfg_attr(not(feature = "tracing"), allow(dead_code))]
pub(crate) const TARGET: &str = "msnp::frame";

/// Logs every frame in `bytes`, which the machine labelled `conn` is handing out in
/// `dialect`.
#[cfg(feature = "tracing")]
pub(crate) fn sent(conn: &str, dialect: crate::codec::Dialect, bytes: &[u8]) {
    if !tracing::enabled!(target: TARGET, tracing::Level::TRACE) {
        return;
    }
    // The machine's own bytes: whole frames, any size a raw command may have.
    let limits = crate::codec::Limits {
        max_line_len: bytes.len(),
        max_payload_len: bytes.len(),
        max_buffered: bytes.len(),
        max_skip_len: bytes.len(),
    };
    let mut rest = bytes;
    while !rest.is_empty() {
        let len = match ClientCommand::decode_in(rest, dialect, &limits) {
            Ok((command, len)) => {
                tracing::trace!(target: TARGET, conn, dir = "send", len, "{:?}", Shown(&command));
                len
            }
            Err(error) => {
                let len = error.frame_len().unwrap_or(rest.len());
                undecodable(conn, "send", len, &error);
                len
            }
        };
        // `len` is never 0 for a decoded or skippable frame; stop rather than spin if
        // that ever changed.
        match rest.get(len..) {
            Some(next) if len > 0 => rest = next,
            _ => break,
        }
    }
}

/// Logs a frame of `len` bytes that the machine labelled `conn` has parsed.
#[cfg(feature = "tracing")]
pub(crate) fn received(conn: &str, len: usize, command: &ServerCommand<'_>) {
    tracing::trace!(target: TARGET, conn, dir = "recv", len, "{:?}", Shown(command));
}

/// Logs bytes from the peer that do not form a command: `len` is the frame's length
/// when known, else the bytes buffered.
#[cfg(feature = "tracing")]
pub(crate) fn undecodable_received(conn: &str, len: usize, error: &DecodeError) {
    undecodable(conn, "recv", len, error);
}

#[cfg(feature = "tracing")]
fn undecodable(conn: &str, dir: &'static str, len: usize, error: &DecodeError) {
    tracing::trace!(target: TARGET, conn, dir, len, error = %error, "undecodable frame");
}

#[cfg(not(feature = "tracing"))]
#[inline(always)]
pub(crate) fn sent(_conn: &str, _dialect: crate::codec::Dialect, _bytes: &[u8]) {}

#[cfg(not(feature = "tracing"))]
#[inline(always)]
pub(crate) fn received(_conn: &str, _len: usize, _command: &ServerCommand<'_>) {}

#[cfg(not(feature = "tracing"))]
#[inline(always)]
pub(crate) fn undecodable_received(_conn: &str, _len: usize, _error: &DecodeError) {}

/// A command's `Debug` form with every payload replaced by its [`PayloadSummary`].
/// Secrets are already redacted by [`Secret`](crate::Secret)'s own `Debug`.
#[cfg(feature = "tracing")]
struct Shown<'c, C>(&'c C);

#[cfg(feature = "tracing")]
impl fmt::Debug for Shown<'_, ClientCommand<'_>> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            ClientCommand::Msg { trid, ack, payload } => f
                .debug_struct("Msg")
                .field("trid", trid)
                .field("ack", ack)
                .field("payload", &PayloadSummary::mime(payload))
                .finish(),
            ClientCommand::Qry {
                trid,
                product_id,
                response,
            } => f
                .debug_struct("Qry")
                .field("trid", trid)
                .field("product_id", product_id)
                .field("payload", &PayloadSummary::opaque(response.as_str().as_bytes()))
                .finish(),
            ClientCommand::Uux { trid, payload } => f
                .debug_struct("Uux")
                .field("trid", trid)
                .field("payload", &PayloadSummary::opaque(payload))
                .finish(),
            ClientCommand::Other(raw) => raw_command(f, raw),
            other => fmt::Debug::fmt(other, f),
        }
    }
}

#[cfg(feature = "tracing")]
impl fmt::Debug for Shown<'_, ServerCommand<'_>> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            ServerCommand::Msg { from, name, payload } => f
                .debug_struct("Msg")
                .field("from", from)
                .field("name", name)
                .field("payload", &PayloadSummary::mime(payload))
                .finish(),
            ServerCommand::Not { payload } => f
                .debug_struct("Not")
                .field("payload", &PayloadSummary::opaque(payload))
                .finish(),
            ServerCommand::Ipg { payload } => f
                .debug_struct("Ipg")
                .field("payload", &PayloadSummary::opaque(payload))
                .finish(),
            ServerCommand::Ubx { account, payload } => f
                .debug_struct("Ubx")
                .field("account", account)
                .field("payload", &PayloadSummary::opaque(payload))
                .finish(),
            ServerCommand::Gcf { trid, file, payload } => f
                .debug_struct("Gcf")
                .field("trid", trid)
                .field("file", file)
                .field("payload", &PayloadSummary::opaque(payload))
                .finish(),
            ServerCommand::Other(raw) => raw_command(f, raw),
            other => fmt::Debug::fmt(other, f),
        }
    }
}

/// An unknown verb: its line as text (escaped by `str`'s `Debug`), its payload summed up.
#[cfg(feature = "tracing")]
fn raw_command(f: &mut fmt::Formatter<'_>, raw: &crate::codec::RawCommand<'_>) -> fmt::Result {
    let mut s = f.debug_struct("Other");
    s.field("line", &String::from_utf8_lossy(raw.line()));
    if let Some(payload) = raw.payload() {
        s.field("payload", &PayloadSummary::opaque(payload));
    }
    s.finish()
}

/// What a log may say about a payload: its length, and for a MIME payload its media type.
#[cfg(feature = "tracing")]
struct PayloadSummary {
    len: usize,
    content_type: Option<String>,
}

/// Media types are short (`text/x-msmsgsprofile` is 20 bytes); a peer's longer one is cut.
#[cfg(feature = "tracing")]
const MAX_SHOWN_CONTENT_TYPE: usize = 64;

#[cfg(feature = "tracing")]
impl PayloadSummary {
    fn mime(payload: &[u8]) -> Self {
        let content_type = crate::msg::Message::parse(payload).ok().and_then(|message| {
            message
                .content_type()
                .map(|ty| cut(ty, MAX_SHOWN_CONTENT_TYPE).to_owned())
        });
        PayloadSummary {
            len: payload.len(),
            content_type,
        }
    }

    fn opaque(payload: &[u8]) -> Self {
        PayloadSummary {
            len: payload.len(),
            content_type: None,
        }
    }
}

/// At most `max` bytes of `text`, cut on a character boundary.
#[cfg(feature = "tracing")]
fn cut(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).unwrap_or_default()
}

#[cfg(feature = "tracing")]
impl fmt::Debug for PayloadSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Payload");
        s.field("len", &self.len);
        if let Some(ty) = &self.content_type {
            s.field("content_type", &ty);
        }
        s.finish()
    }
}

#[cfg(all(test, feature = "tracing"))]
mod tests {
    use super::*;
    use crate::codec::{Dialect, Direction, PAYLOAD_VERBS};

    /// 32 hex digits, so that even `QRY`'s digest payload decodes.
    const MARKER: &str = "abcdef0123456789abcdef0123456789";

    /// Every payload verb of either direction, typed or not, shows its payload by length
    /// only: a payload variant added later without a summary fails here.
    #[test]
    fn no_payload_verb_shows_its_payload() {
        let limits = crate::codec::Limits::default();
        for (rule, dialect) in PAYLOAD_VERBS
            .iter()
            .flat_map(|r| [(r, Dialect::Msnp8), (r, Dialect::Msnp12)])
        {
            let shapes = [
                "",
                " 1",
                " 1 A",
                " a@b.c n",
                " 1 msmsgs@msnmsgr.com",
                " 1 Shields.xml",
            ];
            let mut shown = None;
            for shape in shapes {
                let frame = format!("{}{shape} 32\r\n{MARKER}", rule.verb);
                let text = match rule.direction {
                    Direction::ClientToServer => ClientCommand::decode_in(frame.as_bytes(), dialect, &limits)
                        .ok()
                        .map(|(c, _)| format!("{:?}", Shown(&c))),
                    Direction::ServerToClient => ServerCommand::decode_in(frame.as_bytes(), dialect, &limits)
                        .ok()
                        .map(|(c, _)| format!("{:?}", Shown(&c))),
                };
                // A bare `UUX 32` is a plain line, its payload-to-be the next line.
                if text.as_ref().is_some_and(|t| t.contains("ayload")) {
                    shown = text;
                    break;
                }
            }
            let shown = shown.unwrap_or_else(|| panic!("no test shape decodes {rule:?}"));
            assert!(!shown.contains(&MARKER[..8]), "{rule:?}: {shown}");
            assert!(shown.contains("Payload { len: 32"), "{rule:?}: {shown}");
        }
    }

    #[test]
    fn a_mime_payload_shows_its_media_type_cut_to_a_bound() {
        let long = "x".repeat(100);
        let payload = format!("MIME-Version: 1.0\r\nContent-Type: text/{long}; charset=UTF-8\r\n\r\nbody");
        let summary = PayloadSummary::mime(payload.as_bytes());
        assert_eq!(summary.len, payload.len());
        assert_eq!(
            summary.content_type.as_deref().map(str::len),
            Some(MAX_SHOWN_CONTENT_TYPE)
        );
        assert_eq!(
            format!("{:?}", PayloadSummary::mime(b"no header")),
            "Payload { len: 9 }"
        );
        assert_eq!(cut("ééé", 3), "é");
    }
}
