//! `arbitrary::Arbitrary` for the validated tokens (feature `arbitrary`), for fuzzing.
//!
//! Each impl generates only values the type's own constructor accepts, so a fuzzer
//! explores commands the API can build; the commands themselves derive `Arbitrary`.
//! The law the fuzz targets check is: if `encode(x)` succeeds, `decode` gives `x` back.

use std::borrow::Cow;

use arbitrary::{Arbitrary, Result, Unstructured};

use super::framer::{Direction, PAYLOAD_VERBS, payload_verb};
use super::token::{EncodedName, GroupList, Guid, GuidList, MAX_PASSPORT_LEN, Passport, Token, TokenList};
use super::types::{GroupId, HostPort};
use super::{RawCommand, client, server};

/// Mirrors `parse::is_token_byte` per character: every byte of a multi-byte character is
/// above 0x7f, so only ASCII controls, space and DEL are out.
fn is_token_char(c: char) -> bool {
    c > ' ' && c != '\x7f'
}

/// A non-empty token text from the fuzzer's bytes, without the characters in `forbid`.
fn token_text(u: &mut Unstructured<'_>, forbid: &[char]) -> Result<String> {
    let raw: &str = u.arbitrary()?;
    let mut text: String = raw
        .chars()
        .filter(|&c| is_token_char(c) && !forbid.contains(&c))
        .collect();
    if text.is_empty() {
        text.push(char::from(b'a' + u.int_in_range(0..=25)?));
    }
    Ok(text)
}

fn token<T: TryFrom<String, Error = super::TokenError>>(text: String) -> Result<T> {
    // The text was built to be valid; a refusal is a bug in this module, not input.
    T::try_from(text).map_err(|_| arbitrary::Error::IncorrectFormat)
}

impl<'a> Arbitrary<'a> for Token<'a> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        token(token_text(u, &[])?)
    }
}

impl<'a> Arbitrary<'a> for Passport<'a> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let mut text = token_text(u, &[])?;
        // Popping whole characters keeps the first one: never empty.
        while text.len() > MAX_PASSPORT_LEN {
            text.pop();
        }
        token(text)
    }
}

impl<'a> Arbitrary<'a> for EncodedName<'a> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        // Half built from display text (spaces, CR LF, emoji get encoded), half any token
        // a server might send (raw UTF-8, stray `%`).
        if u.arbitrary()? {
            let text: &str = u.arbitrary()?;
            EncodedName::from_text(if text.is_empty() { " " } else { text })
                .map_err(|_| arbitrary::Error::IncorrectFormat)
        } else {
            token(token_text(u, &[])?)
        }
    }
}

impl<'a> Arbitrary<'a> for TokenList<'a> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        // Up to 16 words: past the decoder's word array, to keep its overflow slot honest.
        let count = u.int_in_range(1..=16)?;
        let mut words = Vec::with_capacity(count);
        for _ in 0..count {
            words.push(token_text(u, &[])?);
        }
        TokenList::from_tokens(words.iter().map(String::as_str))
            .map_err(|_| arbitrary::Error::IncorrectFormat)
    }
}

impl<'a> Arbitrary<'a> for GroupList<'a> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let count = u.int_in_range(1..=4)?;
        let mut ids = Vec::with_capacity(count);
        for _ in 0..count {
            ids.push(GroupId(u.arbitrary()?));
        }
        GroupList::from_ids(ids).map_err(|_| arbitrary::Error::IncorrectFormat)
    }
}

/// A GUID text from 16 bytes, upper- or lower-case.
fn guid_text(u: &mut Unstructured<'_>) -> Result<String> {
    let bytes: [u8; 16] = u.arbitrary()?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let text = format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    );
    Ok(if u.arbitrary()? {
        text.to_ascii_uppercase()
    } else {
        text
    })
}

impl<'a> Arbitrary<'a> for Guid<'a> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        token(guid_text(u)?)
    }
}

impl<'a> Arbitrary<'a> for GuidList<'a> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let count = u.int_in_range(1..=3)?;
        let mut guids = Vec::with_capacity(count);
        for _ in 0..count {
            guids.push(guid_text(u)?);
        }
        GuidList::try_from(guids.join(",").as_str())
            .map(GuidList::into_owned)
            .map_err(|_| arbitrary::Error::IncorrectFormat)
    }
}

impl<'a> Arbitrary<'a> for HostPort<'a> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        HostPort::new(token_text(u, &[':'])?, u.arbitrary()?).map_err(|_| arbitrary::Error::IncorrectFormat)
    }
}

/// Verbs that read back typed (or as an error reply) in some direction, or whose payload
/// depends on the direction: a generated raw command never uses one, since `RawCommand`
/// does not know which way it will be sent.
fn is_reserved_verb(verb: &[u8]) -> bool {
    let known = |verbs: &[&str]| verbs.iter().any(|v| v.as_bytes() == verb);
    let error_code = matches!(verb, [b'1'..=b'9', b'0'..=b'9', b'0'..=b'9']);
    let one_way_payload =
        PAYLOAD_VERBS.iter().any(|p| p.verb.as_bytes() == verb) && !is_two_way_payload(verb);
    known(server::VERBS) || known(client::VERBS) || error_code || one_way_payload
}

/// A later dialect's verb that carries a payload both ways (`ADL`, `RML`, `FQY`).
fn is_two_way_payload(verb: &[u8]) -> bool {
    payload_verb(verb, Direction::ClientToServer).is_some()
        && payload_verb(verb, Direction::ServerToClient).is_some()
}

impl<'a> Arbitrary<'a> for RawCommand<'a> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        if u.ratio(1, 4)? {
            // A later dialect's payload command: `ADL <words> <len>` + payload.
            let verb = *u.choose(&["ADL", "RML", "FQY"])?;
            let words = raw_line_bytes(u)?;
            let payload: &[u8] = u.arbitrary()?;
            let mut line = verb.as_bytes().to_vec();
            if !words.is_empty() {
                line.push(b' ');
                line.extend_from_slice(&words);
            }
            line.extend_from_slice(format!(" {}", payload.len()).as_bytes());
            return RawCommand::new(line, Some(Cow::Borrowed(payload)))
                .map_err(|_| arbitrary::Error::IncorrectFormat);
        }
        let mut line = raw_line_bytes(u)?;
        let verb_len = line.iter().position(|&b| b == b' ').unwrap_or(line.len());
        if line.is_empty() || line.first() == Some(&b' ') || is_reserved_verb(&line[..verb_len]) {
            // `X` + a reserved verb is four letters long: no table knows it.
            line.insert(0, b'X');
        }
        if RawCommand::new(line.as_slice(), None).is_err() {
            // `ADL 12 5` without a payload: announces one it does not carry.
            line.insert(0, b'X');
        }
        RawCommand::new(line, None).map_err(|_| arbitrary::Error::IncorrectFormat)
    }
}

/// Line bytes without CR, LF or NUL (any other byte, UTF-8 or not).
fn raw_line_bytes(u: &mut Unstructured<'_>) -> Result<Vec<u8>> {
    let bytes: &[u8] = u.arbitrary()?;
    Ok(bytes
        .iter()
        .copied()
        .filter(|b| !matches!(b, b'\r' | b'\n' | 0))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_values_are_valid_even_from_hostile_bytes() {
        let seeds: [&[u8]; 4] = [b"", b"\x00\x00\x00", b"\xff\xfe VER 1 \r\n\x00 %%", &[b' '; 64]];
        for seed in seeds {
            let mut u = Unstructured::new(seed);
            let token = Token::arbitrary(&mut u).unwrap();
            assert!(Token::try_from(token.as_str()).is_ok());
            let mut u = Unstructured::new(seed);
            let raw = RawCommand::arbitrary(&mut u).unwrap();
            assert!(!is_reserved_verb(raw.verb()), "{raw:?}");
        }
    }

    #[test]
    fn reserved_verbs_cover_both_tables_and_error_codes() {
        for verb in ["VER", "LST", "MSG", "911", "100", "UBX", "PAG"] {
            assert!(is_reserved_verb(verb.as_bytes()), "{verb}");
        }
        for verb in ["ADL", "XVER", "099", "1000", "FOO", "ver"] {
            assert!(!is_reserved_verb(verb.as_bytes()), "{verb}");
        }
    }
}
