//! The personal message and current media of MSNP11: the `<Data>` payload a client sends
//! with `UUX` and the server relays with `UBX`.

use std::fmt;

use quick_xml::Reader;
use quick_xml::escape::escape;
use quick_xml::events::Event;

use super::xml;

/// The separator of the current-media fields: the two characters `\` and `0`, not a NUL
/// [YW uux; PURPLE state.c; PECAN].
const SEPARATOR: &str = "\\0";

mod element {
    pub const DATA: &str = "Data";
    pub const PSM: &str = "PSM";
    pub const CURRENT_MEDIA: &str = "CurrentMedia";
}

/// Why a `UBX`/`UUX` payload cannot be read, or a [`PersonalStatus`] cannot be written.
///
/// Messages quote at most a short excerpt of the peer's text, never the whole payload.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PersonalStatusError {
    /// The payload (read or written) is longer than
    /// [`PersonalStatus::MAX_PAYLOAD_LEN`].
    #[error("personal status payload of {len} bytes is longer than the {max} allowed")]
    TooLong {
        /// Its length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The payload is not UTF-8.
    #[error("the personal status payload is not UTF-8 text")]
    NotUtf8,
    /// The payload is not well-formed XML (an unclosed or mismatched tag, a stray `&`).
    #[error("the personal status payload is not well-formed XML (near byte {at})")]
    Xml {
        /// Byte offset in the payload where the reader stopped.
        at: u64,
    },
    /// The document's element is not `<Data>`.
    #[error("expected a <Data> element, found {found}")]
    NotData {
        /// What was found: an element's name (excerpt) or a kind of content.
        found: String,
    },
    /// Something other than white space or a comment follows the `<Data>` element.
    #[error("unexpected content after the <Data> element")]
    TrailingContent,
    /// `<PSM>` or `<CurrentMedia>` appears twice.
    #[error("the <{0}> element appears twice")]
    DuplicateElement(&'static str),
    /// An element inside `<PSM>` or `<CurrentMedia>`, which hold text only.
    #[error("an element inside <{inside}>, which holds text only")]
    UnexpectedElement {
        /// The element that holds it.
        inside: &'static str,
    },
    /// A reference other than a character reference or one of XML's five predefined
    /// entities (an HTML `&nbsp;`, say), or a character reference to no character.
    #[error("unknown reference &{name}; in <{inside}>")]
    UnknownReference {
        /// The reference's name (excerpt).
        name: String,
        /// The element it is in.
        inside: &'static str,
    },
    /// A character XML 1.0 cannot carry (a control other than tab, LF, CR).
    #[error("the {field} holds the control character U+{code:04X}")]
    ForbiddenCharacter {
        /// Which field.
        field: &'static str,
        /// The character's code point.
        code: u32,
    },
    /// The current media has fewer than the four fields before its arguments (player,
    /// type, enabled, format).
    #[error("the current media has {found} of the 4 fields it needs")]
    MediaTooFewFields {
        /// How many there are.
        found: usize,
    },
    /// The current media's enabled field is neither `1` nor `0`.
    #[error("the current media's enabled field is {found:?}, not 1 or 0")]
    MediaEnabled {
        /// The field (excerpt).
        found: String,
    },
    /// More arguments than [`CurrentMedia::MAX_ARGS`].
    #[error("the current media has more than {max} arguments")]
    MediaTooManyArgs {
        /// The limit.
        max: usize,
    },
    /// A current-media field contains the separator `\0` (backslash, zero), so it would
    /// split in two.
    #[error("the current media's {field} contains the separator \\0")]
    MediaSeparator {
        /// Which field.
        field: &'static str,
    },
}

/// What a contact shows beside their name (MSNP11+): a personal message and, optionally,
/// what they are playing.
///
/// [`parse`](Self::parse) reads a `UBX` (or `UUX`) payload, un-escaping XML (the five
/// predefined entities and character references such as `&#x5C;`);
/// [`encode`](Self::encode) writes the `UUX` payload, escaping `& < > ' "` as Escargot
/// does [ESC misc.py]. Whatever `encode` accepts, `parse` reads back as the same value.
///
/// No media is written as `<CurrentMedia></CurrentMedia>`, the official form [YW uux];
/// the self-closing `<CurrentMedia/>` the SDK sends is read as the same thing.
///
/// ```
/// use msnp::presence::PersonalStatus;
///
/// let status = PersonalStatus { message: "example status message".into(), media: None };
/// let mut payload = Vec::new();
/// status.encode(&mut payload)?;
/// assert_eq!(payload, b"<Data><PSM>example status message</PSM><CurrentMedia></CurrentMedia></Data>");
/// assert_eq!(PersonalStatus::parse(&payload)?, status);
/// assert_eq!(PersonalStatus::parse(b"<Data><PSM>test</PSM><CurrentMedia/></Data>")?.message, "test");
/// # Ok::<(), msnp::presence::PersonalStatusError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct PersonalStatus {
    /// The personal message (`<PSM>`), unescaped; empty when none is set.
    pub message: String,
    /// What the contact is playing (`<CurrentMedia>`), if anything.
    pub media: Option<CurrentMedia>,
}

impl PersonalStatus {
    /// The longest payload read or written, in bytes. The official client limits the
    /// message to 129 characters; the bound leaves room for escaping and media.
    pub const MAX_PAYLOAD_LEN: usize = 4096;

    /// No message and no media: what a contact shows who has set neither.
    ///
    /// ```
    /// use msnp::presence::PersonalStatus;
    /// assert!(PersonalStatus::parse(b"<Data><PSM></PSM><CurrentMedia></CurrentMedia></Data>")?.is_empty());
    /// # Ok::<(), msnp::presence::PersonalStatusError>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.message.is_empty() && self.media.is_none()
    }

    /// Reads a `UBX` or `UUX` payload.
    ///
    /// An empty payload is the default value (no message, no media). Elements other than
    /// `<PSM>` and `<CurrentMedia>` (the `<MachineGuid>` of MSNP13, say) are skipped; a
    /// missing `<PSM>` is an empty message.
    ///
    /// # Errors
    /// A payload over [`MAX_PAYLOAD_LEN`](Self::MAX_PAYLOAD_LEN) (as received, or as
    /// [`encode`](Self::encode) would write it back), not UTF-8 or not well-formed XML, a
    /// root other than `<Data>`, a character XML cannot carry, or a malformed current
    /// media.
    pub fn parse(payload: &[u8]) -> Result<Self, PersonalStatusError> {
        if payload.len() > Self::MAX_PAYLOAD_LEN {
            return Err(PersonalStatusError::TooLong {
                len: payload.len(),
                max: Self::MAX_PAYLOAD_LEN,
            });
        }
        if payload.is_empty() {
            return Ok(Self::default());
        }
        let text = std::str::from_utf8(payload).map_err(|_| PersonalStatusError::NotUtf8)?;
        let mut reader = xml::reader(text);
        let mut status = Self::default();
        loop {
            match reader.read_event().map_err(|_| xml_error(&reader))? {
                Event::Eof => {
                    return Err(PersonalStatusError::NotData {
                        found: "nothing".to_owned(),
                    });
                }
                Event::Empty(root) if root.name().as_ref() == element::DATA => break,
                Event::Start(root) if root.name().as_ref() == element::DATA => {
                    status.read_children(&mut reader)?;
                    break;
                }
                event if xml::is_filler(&event) || matches!(event, Event::Decl(_)) => {}
                event => {
                    return Err(PersonalStatusError::NotData {
                        found: xml::describe(&event),
                    });
                }
            }
        }
        loop {
            match reader.read_event().map_err(|_| xml_error(&reader))? {
                Event::Eof => break,
                event if xml::is_filler(&event) => {}
                _ => return Err(PersonalStatusError::TrailingContent),
            }
        }
        // Written back, escaping may lengthen what the peer left unescaped (a quote, a
        // CDATA section) past the bound; refusing it here keeps every parsed value
        // encodable.
        status.encode(&mut Vec::with_capacity(payload.len()))?;
        Ok(status)
    }

    /// Appends the `UUX` payload to `out`:
    /// `<Data><PSM>…</PSM><CurrentMedia>…</CurrentMedia></Data>`, text XML-escaped.
    ///
    /// # Errors
    /// A message or media field holding a control character other than tab, LF or CR, a
    /// media field holding the separator `\0`, more than [`CurrentMedia::MAX_ARGS`]
    /// arguments, or a payload over [`MAX_PAYLOAD_LEN`](Self::MAX_PAYLOAD_LEN); `out`
    /// is then left as it was.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), PersonalStatusError> {
        self.check()?;
        let start = out.len();
        out.extend_from_slice(b"<Data><PSM>");
        out.extend_from_slice(escape(self.message.as_str()).as_bytes());
        out.extend_from_slice(b"</PSM><CurrentMedia>");
        if let Some(media) = &self.media {
            media.write(out);
        }
        out.extend_from_slice(b"</CurrentMedia></Data>");
        let len = out.len() - start;
        if len > Self::MAX_PAYLOAD_LEN {
            out.truncate(start);
            return Err(PersonalStatusError::TooLong {
                len,
                max: Self::MAX_PAYLOAD_LEN,
            });
        }
        Ok(())
    }

    fn read_children(&mut self, reader: &mut Reader<&[u8]>) -> Result<(), PersonalStatusError> {
        let mut seen_message = false;
        let mut seen_media = false;
        loop {
            match reader.read_event().map_err(|_| xml_error(reader))? {
                // quick-xml checks that it closes `<Data>`.
                Event::End(_) => return Ok(()),
                Event::Eof => return Err(unclosed(reader)),
                Event::Start(child) => match child.name().as_ref() {
                    element::PSM => {
                        seen(&mut seen_message, element::PSM)?;
                        self.message = read_text(reader, element::PSM)?;
                    }
                    element::CURRENT_MEDIA => {
                        seen(&mut seen_media, element::CURRENT_MEDIA)?;
                        let text = read_text(reader, element::CURRENT_MEDIA)?;
                        self.media = CurrentMedia::from_field(&text)?;
                    }
                    _ => {
                        reader.read_to_end(child.name()).map_err(|_| xml_error(reader))?;
                    }
                },
                Event::Empty(child) => match child.name().as_ref() {
                    element::PSM => seen(&mut seen_message, element::PSM)?,
                    element::CURRENT_MEDIA => seen(&mut seen_media, element::CURRENT_MEDIA)?,
                    _ => {}
                },
                // Text between the children carries nothing (white space, in practice).
                _ => {}
            }
        }
    }

    fn check(&self) -> Result<(), PersonalStatusError> {
        check_text("personal message", &self.message)?;
        if let Some(media) = &self.media {
            media.check()?;
        }
        Ok(())
    }
}

/// What kind of thing [`CurrentMedia`] describes: its second field.
///
/// Equality goes by [`as_str`](MediaKind::as_str), so `Other("Music")` equals `Music`.
///
/// ```
/// use msnp::presence::MediaKind;
/// assert_eq!(MediaKind::from("Games"), MediaKind::Games);
/// assert_eq!(MediaKind::from("Radio").as_str(), "Radio");
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum MediaKind {
    /// `Music`: a song, shown with a note icon.
    Music,
    /// `Games`: a game being played.
    Games,
    /// `Office`: a document being worked on.
    Office,
    /// Any other word, kept as written.
    Other(String),
}

impl MediaKind {
    /// The word written on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            MediaKind::Music => "Music",
            MediaKind::Games => "Games",
            MediaKind::Office => "Office",
            MediaKind::Other(word) => word,
        }
    }
}

impl From<&str> for MediaKind {
    fn from(word: &str) -> Self {
        match word {
            "Music" => MediaKind::Music,
            "Games" => MediaKind::Games,
            "Office" => MediaKind::Office,
            other => MediaKind::Other(other.to_owned()),
        }
    }
}

impl PartialEq for MediaKind {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for MediaKind {}

impl std::hash::Hash for MediaKind {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl fmt::Display for MediaKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a contact is playing (MSNP11 `<CurrentMedia>`): fields separated by the two
/// characters `\0`, `player\0type\0enabled\0format\0arg0\0arg1\0…\0`.
///
/// `format` holds `{0}`, `{1}`, … placeholders for `args`; [`text`](Self::text) fills
/// them in. The written form always ends with the separator after the last field, as
/// every source's examples do; on reading, one empty field after the last argument is
/// that terminator, not an argument.
///
/// ```
/// use msnp::presence::{CurrentMedia, MediaKind, PersonalStatus};
///
/// let payload = br"<Data><PSM></PSM><CurrentMedia>\0Music\01\0{0} - {1}\0Song Title\0Song Artist\0Song Album\0\0</CurrentMedia></Data>";
/// let media = PersonalStatus::parse(payload)?.media.expect("media");
/// assert_eq!(media.kind, MediaKind::Music);
/// assert!(media.enabled);
/// assert_eq!(media.args, ["Song Title", "Song Artist", "Song Album", ""]);
/// assert_eq!(media.text(), "Song Title - Song Artist");
/// # Ok::<(), msnp::presence::PersonalStatusError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CurrentMedia {
    /// The application (`WMP`, often empty).
    pub player: String,
    /// Music, games, office, or another word.
    pub kind: MediaKind,
    /// Whether the contact shows it (`1`) or has turned it off (`0`).
    pub enabled: bool,
    /// The line shown, with `{0}`, `{1}`, … standing for `args`.
    pub format: String,
    /// The values of the placeholders (title, artist, album, … for music).
    pub args: Vec<String>,
}

impl CurrentMedia {
    /// The most arguments read or written. Official formats use up to four.
    pub const MAX_ARGS: usize = 16;

    /// A song, as the official client announces one: no player name, format
    /// `{0} - {1}` (title - artist), and the arguments title, artist, album and an empty
    /// fourth one, as in every source's example [YW uux; PURPLE; PECAN].
    ///
    /// ```
    /// use msnp::presence::{CurrentMedia, PersonalStatus};
    ///
    /// let status = PersonalStatus {
    ///     message: String::new(),
    ///     media: Some(CurrentMedia::music("Title", "Artist", "Album")),
    /// };
    /// let mut payload = Vec::new();
    /// status.encode(&mut payload)?;
    /// assert_eq!(payload, br"<Data><PSM></PSM><CurrentMedia>\0Music\01\0{0} - {1}\0Title\0Artist\0Album\0\0</CurrentMedia></Data>");
    /// # Ok::<(), msnp::presence::PersonalStatusError>(())
    /// ```
    pub fn music(title: &str, artist: &str, album: &str) -> Self {
        CurrentMedia {
            player: String::new(),
            kind: MediaKind::Music,
            enabled: true,
            format: "{0} - {1}".to_owned(),
            args: vec![
                title.to_owned(),
                artist.to_owned(),
                album.to_owned(),
                String::new(),
            ],
        }
    }

    /// The line a client shows: `format` with each `{n}` replaced by `args[n]`; a
    /// placeholder without an argument stays as written.
    pub fn text(&self) -> String {
        let mut out = String::with_capacity(self.format.len());
        let mut rest = self.format.as_str();
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let digits = after.bytes().take_while(u8::is_ascii_digit).count();
            let arg = (digits > 0 && after[digits..].starts_with('}'))
                .then(|| after[..digits].parse::<usize>().ok())
                .flatten()
                .and_then(|index| self.args.get(index));
            match arg {
                Some(arg) => {
                    out.push_str(arg);
                    rest = &after[digits + 1..];
                }
                None => {
                    out.push('{');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }

    /// Reads the text of `<CurrentMedia>`, already XML-unescaped; empty is no media.
    fn from_field(text: &str) -> Result<Option<Self>, PersonalStatusError> {
        if text.is_empty() {
            return Ok(None);
        }
        let mut fields = text.split(SEPARATOR);
        let mut next = |found| {
            fields
                .next()
                .ok_or(PersonalStatusError::MediaTooFewFields { found })
        };
        let player = next(0)?.to_owned();
        let kind = MediaKind::from(next(1)?);
        let enabled = match next(2)? {
            "1" => true,
            "0" => false,
            other => {
                return Err(PersonalStatusError::MediaEnabled {
                    found: xml::excerpt(other),
                });
            }
        };
        let format = next(3)?.to_owned();
        let mut args = Vec::new();
        for field in fields {
            // One more than the limit may be the terminator.
            if args.len() > Self::MAX_ARGS {
                return Err(PersonalStatusError::MediaTooManyArgs { max: Self::MAX_ARGS });
            }
            args.push(field.to_owned());
        }
        if args.last().is_some_and(String::is_empty) {
            args.pop();
        }
        if args.len() > Self::MAX_ARGS {
            return Err(PersonalStatusError::MediaTooManyArgs { max: Self::MAX_ARGS });
        }
        Ok(Some(CurrentMedia {
            player,
            kind,
            enabled,
            format,
            args,
        }))
    }

    fn check(&self) -> Result<(), PersonalStatusError> {
        if self.args.len() > Self::MAX_ARGS {
            return Err(PersonalStatusError::MediaTooManyArgs { max: Self::MAX_ARGS });
        }
        let fields = [
            ("media player", self.player.as_str()),
            ("media type", self.kind.as_str()),
            ("media format", self.format.as_str()),
        ];
        let args = self.args.iter().map(|arg| ("media argument", arg.as_str()));
        for (field, text) in fields.into_iter().chain(args) {
            if text.contains(SEPARATOR) {
                return Err(PersonalStatusError::MediaSeparator { field });
            }
            check_text(field, text)?;
        }
        Ok(())
    }

    fn write(&self, out: &mut Vec<u8>) {
        let enabled = if self.enabled { "1" } else { "0" };
        let head = [
            self.player.as_str(),
            self.kind.as_str(),
            enabled,
            self.format.as_str(),
        ];
        for (i, field) in head
            .into_iter()
            .chain(self.args.iter().map(String::as_str))
            .enumerate()
        {
            if i > 0 {
                out.extend_from_slice(SEPARATOR.as_bytes());
            }
            out.extend_from_slice(escape(field).as_bytes());
        }
        out.extend_from_slice(SEPARATOR.as_bytes());
    }
}

fn seen(flag: &mut bool, name: &'static str) -> Result<(), PersonalStatusError> {
    if std::mem::replace(flag, true) {
        return Err(PersonalStatusError::DuplicateElement(name));
    }
    Ok(())
}

/// The text of an element that holds only text, up to its end tag: character data,
/// resolved references and CDATA, with XML's end-of-line normalisation.
fn read_text(reader: &mut Reader<&[u8]>, inside: &'static str) -> Result<String, PersonalStatusError> {
    let mut text = String::new();
    loop {
        match reader.read_event().map_err(|_| xml_error(reader))? {
            Event::Text(chunk) => text.push_str(&chunk.xml10_content()),
            Event::CData(chunk) => text.push_str(&chunk.xml10_content()),
            Event::GeneralRef(reference) => match xml::resolve_reference(&reference) {
                Some(c) => text.push(c),
                None => {
                    return Err(PersonalStatusError::UnknownReference {
                        name: xml::excerpt(&reference),
                        inside,
                    });
                }
            },
            Event::End(_) => return Ok(text),
            Event::Start(_) | Event::Empty(_) => {
                return Err(PersonalStatusError::UnexpectedElement { inside });
            }
            Event::Eof => return Err(unclosed(reader)),
            // Comments and processing instructions add no text.
            _ => {}
        }
    }
}

fn check_text(field: &'static str, text: &str) -> Result<(), PersonalStatusError> {
    match xml::forbidden_in_text(text) {
        Some(c) => Err(PersonalStatusError::ForbiddenCharacter {
            field,
            code: u32::from(c),
        }),
        None => Ok(()),
    }
}

/// quick-xml reports an unclosed element as a plain end of input.
fn unclosed(reader: &Reader<&[u8]>) -> PersonalStatusError {
    PersonalStatusError::Xml {
        at: reader.buffer_position(),
    }
}

fn xml_error(reader: &Reader<&[u8]>) -> PersonalStatusError {
    PersonalStatusError::Xml {
        at: reader.error_position(),
    }
}
