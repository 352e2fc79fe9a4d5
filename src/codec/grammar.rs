//! What the grammars of both directions share: the frame-to-command driver and the
//! parsers of single fields.

use super::dialect::Dialect;
use super::error::DecodeError;
use super::framer::{Direction, Frame, Limits, split_frame_in};
use super::parse::{MAX_WORDS, canonical_u32, split_words};
use super::raw::RawCommand;
use super::token::{EncodedName, Guid, Passport};
use super::types::{ClientCaps, GroupId, HostPort, List, Status, TrId};
use super::wire::{Prefixed, line};

/// Why a known verb's arguments were refused.
pub(crate) type Reject = &'static str;

/// The result of one verb's parser: `Ok(None)` for a verb it does not know.
pub(crate) type Parsed<C> = Result<Option<C>, Reject>;

/// Frames and parses the command at the start of `input`.
///
/// `parse` receives the words of the line (the verb first), the payload and the dialect.
/// A line the grammar cannot type (unknown verb, not UTF-8) becomes `other(raw)`.
#[inline(always)]
pub(crate) fn decode_with<'a, C>(
    input: &'a [u8],
    direction: Direction,
    dialect: Dialect,
    limits: &Limits,
    parse: impl FnOnce(&'a str, &[&'a str], Option<&'a [u8]>, bool, Dialect) -> Parsed<C>,
    other: impl FnOnce(RawCommand<'a>) -> C,
) -> Result<(C, usize), DecodeError> {
    let (frame, frame_len) = split_frame_in(input, direction, dialect, limits)?;
    Ok((parse_frame(frame, parse, other)?, frame_len))
}

/// Parses a frame already split off the stream (by [`split_frame`] or a [`Framer`]).
#[inline(always)]
pub(crate) fn parse_frame<'a, C>(
    frame: Frame<'a>,
    parse: impl FnOnce(&'a str, &[&'a str], Option<&'a [u8]>, bool, Dialect) -> Parsed<C>,
    other: impl FnOnce(RawCommand<'a>) -> C,
) -> Result<C, DecodeError> {
    let raw = || RawCommand::decoded(frame.line, frame.payload);
    let Ok(line) = std::str::from_utf8(frame.line) else {
        return Ok(other(raw()));
    };
    let mut words = [""; MAX_WORDS];
    let (count, clean) = split_words(line, &mut words);
    let words = words.get(..count).unwrap_or_default();
    match parse(line, words, frame.payload, clean, frame.dialect) {
        Ok(Some(command)) => Ok(command),
        Ok(None) => Ok(other(raw())),
        Err(reason) => Err(DecodeError::Malformed {
            verb: words.first().copied().unwrap_or_default().to_owned(),
            reason,
            frame_len: frame.len,
        }),
    }
}

/// Parses one field, mapping failure to the reason given.
pub(crate) fn field<'a, T: TryFrom<&'a str>>(word: &'a str, reason: Reject) -> Result<T, Reject> {
    T::try_from(word).map_err(|_| reason)
}

pub(crate) fn trid(word: &str) -> Result<TrId, Reject> {
    canonical_u32(word)
        .map(TrId)
        .ok_or("transaction id is not a canonical number")
}

pub(crate) fn number(word: &str, reason: Reject) -> Result<u32, Reject> {
    canonical_u32(word).ok_or(reason)
}

pub(crate) fn flag(word: &str) -> Result<bool, Reject> {
    match word {
        "0" => Ok(false),
        "1" => Ok(true),
        _ => Err("flag is neither 0 nor 1"),
    }
}

pub(crate) fn status(word: &str) -> Result<Status, Reject> {
    Status::from_wire(word).ok_or("unknown status")
}

/// A list of MSNP8's four; `PL` is MSNP10's.
pub(crate) fn list(word: &str) -> Result<List, Reject> {
    match List::from_wire(word) {
        Some(List::Pending) | None => Err("unknown list"),
        Some(list) => Ok(list),
    }
}

/// A list of `dialect`: `PL` from MSNP10.
pub(crate) fn list_in(word: &str, dialect: Dialect) -> Result<List, Reject> {
    match List::from_wire(word) {
        Some(List::Pending) if dialect >= Dialect::Msnp10 => Ok(List::Pending),
        _ => list(word),
    }
}

/// The lowest dialect each of the newer verbs exists in; a verb of the table that is not
/// listed is MSNP8's. Before its dialect a verb is unknown (`Other`), not malformed.
#[inline(always)]
pub(crate) fn verb_since(verb: &str) -> Dialect {
    // On the verb's number, as the grammars dispatch: one integer compare per line.
    match super::verb::code(verb.as_bytes()) {
        super::verb::ADC | super::verb::SBP => Dialect::Msnp10,
        super::verb::UUX | super::verb::UBX | super::verb::GCF | super::verb::SBS => Dialect::Msnp11,
        _ => Dialect::Msnp8,
    }
}

pub(crate) fn guid<'a>(word: &'a str) -> Result<Guid<'a>, Reject> {
    // The shape check admits hex digits and dashes only: no control byte can pass it,
    // clean line or not.
    Guid::from_word(word, true).map_err(|_| "not a GUID")
}

pub(crate) fn group(word: &str) -> Result<GroupId, Reject> {
    number(word, "group id is not a canonical number").map(GroupId)
}

pub(crate) fn caps(word: &str) -> Result<ClientCaps, Reject> {
    number(word, "client id is not a canonical number").map(ClientCaps)
}

pub(crate) fn host_port(word: &str) -> Result<HostPort<'_>, Reject> {
    HostPort::parse(word).ok_or("address is not host:port")
}

pub(crate) fn payload(payload: Option<&[u8]>) -> Result<std::borrow::Cow<'_, [u8]>, Reject> {
    payload
        .map(std::borrow::Cow::Borrowed)
        .ok_or("payload command without a length")
}

/// The fields of an `ADC` after its list, in their order: `N=`, `F=`, `C=`, the group.
/// Both directions' `ADC` have this shape (reference §4.2).
pub(crate) type AdcFields<'a> = (
    Option<Passport<'a>>,
    Option<EncodedName<'a>>,
    Option<Guid<'a>>,
    Option<Guid<'a>>,
);

/// The fields of an `ADC`, after its list: `N=`, `F=`, `C=` by prefix, then a group.
pub(crate) fn adc_fields<'a>(fields: &[&'a str], clean: bool) -> Result<AdcFields<'a>, &'static str> {
    let mut rest = fields;
    let mut prefixed = |prefix: &str| match rest.split_first() {
        Some((word, more)) => word.strip_prefix(prefix).inspect(|_| rest = more),
        None => None,
    };
    let account = prefixed("N=");
    let name = prefixed("F=");
    let contact = prefixed("C=");
    let group = match rest {
        [] => None,
        [group] => Some(guid(group)?),
        _ => return Err("ADC has words after its group"),
    };
    if (account, name, contact, &group) == (None, None, None, &None) {
        return Err("ADC without a contact");
    }
    Ok((
        account
            .map(|a| Passport::from_word(a, clean))
            .transpose()
            .map_err(|_| "account is not a valid token")?,
        name.map(|n| EncodedName::from_word(n, clean))
            .transpose()
            .map_err(|_| "name is not a valid token")?,
        contact.map(guid).transpose()?,
        group,
    ))
}

/// Writes an `ADC` line from its TrID, list and [`AdcFields`].
pub(crate) fn adc_line(
    out: &mut Vec<u8>,
    trid: &TrId,
    list: &List,
    (account, name, contact, group): (
        &Option<Passport<'_>>,
        &Option<EncodedName<'_>>,
        &Option<Guid<'_>>,
        &Option<Guid<'_>>,
    ),
) {
    line(
        out,
        "ADC",
        &[
            trid,
            list,
            &account.as_ref().map(|a| Prefixed("N=", a.as_str())),
            &name.as_ref().map(|n| Prefixed("F=", n.as_str())),
            &contact.as_ref().map(|c| Prefixed("C=", c.as_str())),
            group,
        ],
    )
}
