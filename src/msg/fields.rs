//! `Name: value` lines, shared by the header block and by the bodies that repeat the
//! header syntax (e-mail notifications, invitations).

use std::borrow::Cow;
use std::str::FromStr;

use super::{Message, MsgError, ParseError};

/// The white space a reader strips around values (SP and HT, as in MIME).
pub(super) fn is_space(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// Splits a line known to hold a colon into its name and trimmed value.
pub(super) fn split_line(line: &str) -> (&str, &str) {
    match line.split_once(':') {
        Some((name, value)) => (name, value.trim_matches(is_space)),
        None => (line, ""),
    }
}

/// Refuses what would change the payload's structure once written: a name that is not a
/// visible-ASCII token without `:`, or a value that holds CR, LF or NUL or would lose
/// surrounding white space when read back.
pub(super) fn check_header(name: &str, value: &str) -> Result<(), MsgError> {
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic() && b != b':') {
        return Err(MsgError::InvalidHeaderName {
            name: name.to_owned(),
        });
    }
    if value.contains(['\r', '\n', '\0']) || value.trim_matches(is_space).len() != value.len() {
        return Err(MsgError::InvalidHeaderValue {
            name: name.to_owned(),
        });
    }
    Ok(())
}

/// Writes one checked `Name: value` line; an empty value is written `Name:` as the
/// servers do (TW testProfile `Age:`).
pub(super) fn write_header(out: &mut Vec<u8>, name: &str, value: &str) -> Result<(), MsgError> {
    check_header(name, value)?;
    out.extend_from_slice(name.as_bytes());
    out.push(b':');
    if !value.is_empty() {
        out.push(b' ');
        out.extend_from_slice(value.as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    Ok(())
}

/// Writes a header whose value is a number or another value that cannot break a line.
pub(super) fn write_display(out: &mut Vec<u8>, name: &str, value: impl std::fmt::Display) {
    use std::io::Write as _;
    // Writing into a Vec cannot fail.
    let _ = write!(out, "{name}: {value}\r\n");
}

/// Writes a number-like header when it is set.
pub(super) fn write_some(out: &mut Vec<u8>, name: &str, value: Option<impl std::fmt::Display>) {
    if let Some(value) = value {
        write_display(out, name, value);
    }
}

/// `MIME-Version: 1.0` then `Content-Type`, in that order: "apparently order matters
/// with at least MIME-Version and Content-Type" [TW sendMessage].
pub(super) fn write_preamble(out: &mut Vec<u8>, content_type: &'static str) {
    out.extend_from_slice(b"MIME-Version: 1.0\r\nContent-Type: ");
    out.extend_from_slice(content_type.as_bytes());
    out.extend_from_slice(b"\r\n");
}

/// Checks that a typed view's extra header neither breaks the payload nor repeats one of
/// the fields the view writes itself.
pub(super) fn write_extra(
    out: &mut Vec<u8>,
    name: &str,
    value: &str,
    reserved: &[&str],
) -> Result<(), MsgError> {
    if reserved.iter().any(|r| r.eq_ignore_ascii_case(name)) || super::is_mime_header(name) {
        return Err(MsgError::ReservedHeader {
            name: name.to_owned(),
        });
    }
    write_header(out, name, value)
}

/// Fails unless the message's media type is `expected`.
pub(super) fn expect_type(message: &Message<'_>, expected: &'static str) -> Result<(), ParseError> {
    if message.has_content_type(expected) {
        Ok(())
    } else {
        Err(ParseError::WrongContentType { expected })
    }
}

/// The `Name: value` lines of a body, blank lines skipped (such bodies end with one).
pub(super) fn body_fields(
    body: &[u8],
) -> Result<impl Iterator<Item = Result<(&str, &str), ParseError>>, ParseError> {
    let text = std::str::from_utf8(body).map_err(|_| ParseError::InvalidBody)?;
    Ok(text
        .split_terminator('\n')
        .enumerate()
        .filter_map(|(index, line)| {
            let line = line.strip_suffix('\r').unwrap_or(line);
            if line.trim_matches(is_space).is_empty() {
                None
            } else if line.contains(':') {
                Some(Ok(split_line(line)))
            } else {
                Some(Err(ParseError::MissingColon { line: index + 1 }))
            }
        }))
}

/// Reads a number (or address) field; an empty value (the servers send `Age:`) reads as
/// absent.
pub(super) fn parsed<T: FromStr>(value: &str, field: &'static str) -> Result<Option<T>, ParseError> {
    if value.is_empty() {
        return Ok(None);
    }
    value
        .parse()
        .map(Some)
        .map_err(|_| ParseError::InvalidField { field })
}

/// Reads a `0`/`1` flag; an empty value reads as absent.
pub(super) fn flag(value: &str, field: &'static str) -> Result<Option<bool>, ParseError> {
    match value {
        "" => Ok(None),
        "0" => Ok(Some(false)),
        "1" => Ok(Some(true)),
        _ => Err(ParseError::InvalidField { field }),
    }
}

/// Keeps the first occurrence of a field, as [`Message::header`] does.
pub(super) fn set_first<T>(slot: &mut Option<T>, value: Option<T>) {
    if slot.is_none() {
        *slot = value;
    }
}

/// Writes an optional text field.
pub(super) fn write_opt(out: &mut Vec<u8>, name: &str, value: Option<&Cow<'_, str>>) -> Result<(), MsgError> {
    match value {
        Some(value) => write_header(out, name, value),
        None => Ok(()),
    }
}

/// Copies a borrowed string so it lives on.
pub(super) fn owned(value: Cow<'_, str>) -> Cow<'static, str> {
    Cow::Owned(value.into_owned())
}

/// Copies the extra fields of a typed view.
pub(super) fn owned_pairs(
    pairs: Vec<(Cow<'_, str>, Cow<'_, str>)>,
) -> Vec<(Cow<'static, str>, Cow<'static, str>)> {
    pairs
        .into_iter()
        .map(|(name, value)| (owned(name), owned(value)))
        .collect()
}

/// A header value that [`check_header`] accepts.
#[cfg(feature = "arbitrary")]
pub(super) fn arbitrary_value(u: &mut arbitrary::Unstructured<'_>) -> arbitrary::Result<Cow<'static, str>> {
    let raw: String = u.arbitrary()?;
    let clean: String = raw.chars().filter(|c| !matches!(c, '\r' | '\n' | '\0')).collect();
    Ok(Cow::Owned(clean.trim_matches(is_space).to_owned()))
}

/// An optional header value that [`check_header`] accepts.
#[cfg(feature = "arbitrary")]
pub(super) fn arbitrary_opt(
    u: &mut arbitrary::Unstructured<'_>,
) -> arbitrary::Result<Option<Cow<'static, str>>> {
    if u.arbitrary()? {
        arbitrary_value(u).map(Some)
    } else {
        Ok(None)
    }
}

/// A header name that [`check_header`] accepts, prefixed so it never collides with a
/// field a typed view writes itself.
#[cfg(feature = "arbitrary")]
pub(super) fn arbitrary_name(u: &mut arbitrary::Unstructured<'_>) -> arbitrary::Result<Cow<'static, str>> {
    let raw: Vec<u8> = u.arbitrary()?;
    let mut name = String::from("X-");
    name.extend(
        raw.into_iter()
            .filter(|b| b.is_ascii_graphic() && *b != b':')
            .map(char::from),
    );
    Ok(Cow::Owned(name))
}

/// Up to three extra fields that [`check_header`] accepts, for a typed view's `extra`.
#[cfg(feature = "arbitrary")]
pub(super) fn arbitrary_extra(
    u: &mut arbitrary::Unstructured<'_>,
) -> arbitrary::Result<Vec<(Cow<'static, str>, Cow<'static, str>)>> {
    let mut extra = Vec::new();
    for _ in 0..u.int_in_range(0..=3)? {
        extra.push((arbitrary_name(u)?, arbitrary_value(u)?));
    }
    Ok(extra)
}
