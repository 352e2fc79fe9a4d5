//! What the presence values share about XML: the reader's settings, the characters a
//! value may hold, and short excerpts for errors.

use quick_xml::Reader;
use quick_xml::events::{BytesRef, Event};

/// A reader over a whole document held in memory: quick-xml checks that end tags match
/// and that every `&` starts a reference, so a truncated or spliced payload is an error
/// rather than a different value.
pub(super) fn reader(input: &str) -> Reader<&[u8]> {
    let mut reader = Reader::from_str(input);
    let config = reader.config_mut();
    config.check_end_names = true;
    config.allow_dangling_amp = false;
    config.trim_text(false);
    reader
}

/// The first character XML 1.0 cannot carry in text content: C0 controls other than tab,
/// LF and CR (XML 1.0 §2.2 `Char`). Values holding one would not survive a real client's
/// parser, so they are refused on both sides.
pub(super) fn forbidden_in_text(text: &str) -> Option<char> {
    text.chars()
        .find(|&c| c < ' ' && !matches!(c, '\t' | '\n' | '\r'))
}

/// The first control character in an attribute value. Stricter than text: XML
/// normalises a raw tab, CR or LF in an attribute to a space (XML 1.0 §3.3.3), so one
/// would not come back as written.
pub(super) fn forbidden_in_attribute(value: &str) -> Option<char> {
    value.chars().find(|c| c.is_control())
}

/// The text a reference in character data stands for: a character reference
/// (`&#x5C;`, `&#92;`) or one of the five predefined entities. `None` for anything else,
/// which a document without a DTD cannot define.
pub(super) fn resolve_reference(reference: &BytesRef<'_>) -> Option<char> {
    if reference.is_char_ref() {
        return reference.resolve_char_ref().ok().flatten();
    }
    quick_xml::escape::resolve_predefined_entity(reference).and_then(|text| text.chars().next())
}

/// At most this many characters of the peer's text go into an error message.
const EXCERPT_CHARS: usize = 32;

/// A short, printable excerpt of the peer's text for an error message, never the whole
/// input.
pub(super) fn excerpt(text: &str) -> String {
    let mut out: String = text
        .chars()
        .take(EXCERPT_CHARS)
        .flat_map(char::escape_debug)
        .collect();
    if text.chars().nth(EXCERPT_CHARS).is_some() {
        out.push('…');
    }
    out
}

/// White space between elements, and comments, carry nothing.
pub(super) fn is_filler(event: &Event<'_>) -> bool {
    match event {
        Event::Comment(_) => true,
        Event::Text(text) => text.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n')),
        _ => false,
    }
}

/// What stands where an element was expected, for an error message.
pub(super) fn describe(event: &Event<'_>) -> String {
    match event {
        Event::Start(element) | Event::Empty(element) => {
            format!("<{}>", excerpt(element.name().as_ref()))
        }
        Event::End(_) => "a closing tag".to_owned(),
        Event::CData(_) => "a CDATA section".to_owned(),
        Event::DocType(_) => "a DOCTYPE".to_owned(),
        Event::PI(_) => "a processing instruction".to_owned(),
        _ => "text".to_owned(),
    }
}
