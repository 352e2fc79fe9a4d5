//! The MSNObject (MSNC1, MSNP9+): the descriptor of a display picture, emoticon or other
//! shared object, named by its creator and the SHA-1 of its data.

use std::borrow::Cow;
use std::fmt::{self, Write as _};

use base64::Engine as _;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use quick_xml::XmlVersion;
use quick_xml::escape::escape;
use quick_xml::events::{BytesStart, Event};
use sha1::{Digest as _, Sha1};

use super::xml;
use crate::codec::Passport;

/// Bytes left as they are in the `CHG`/`ILN`/`NLN` token: the unreserved set of RFC 3986,
/// which is what Escargot's `quote(safe='')` keeps [ESC msnp.py `_encode_msnobj`].
/// Everything else, `/` and space included, becomes `%XX`.
const TOKEN_SET: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'_')
    .remove(b'.')
    .remove(b'-')
    .remove(b'~');

/// Base64 as peers write it, read leniently: padding may be present or not, since the
/// value is looked at, not compared in its encoded form. Output always uses
/// [`STANDARD`], padded, as the official client does.
const LENIENT_BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The attributes the protocol defines, in the official order of output [NINA MSN_Object;
/// PURPLE, SDK and KOPETE emit the same order]. Parsing goes by name, not position.
mod name {
    pub const CREATOR: &str = "Creator";
    pub const SIZE: &str = "Size";
    pub const TYPE: &str = "Type";
    pub const LOCATION: &str = "Location";
    pub const FRIENDLY: &str = "Friendly";
    pub const SHA1D: &str = "SHA1D";
    pub const SHA1C: &str = "SHA1C";

    pub const ALL: [&str; 7] = [CREATOR, SIZE, TYPE, LOCATION, FRIENDLY, SHA1D, SHA1C];
}

/// The element's name. Escargot's "no picture" is this element with no attributes.
const ELEMENT: &str = "msnobj";

/// The three encodings of one object; named in [`MsnObjectError::TooLong`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MsnObjectForm {
    /// The `<msnobj …/>` element itself.
    Xml,
    /// The percent-encoded token of `CHG`/`ILN`/`NLN`.
    PercentEncoded,
    /// The base64 `Context:` of an MSNSLP `INVITE`.
    Base64Context,
}

impl fmt::Display for MsnObjectForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MsnObjectForm::Xml => "MSNObject XML",
            MsnObjectForm::PercentEncoded => "percent-encoded MSNObject",
            MsnObjectForm::Base64Context => "base64 MSNObject context",
        })
    }
}

/// Why bytes are not an MSNObject, or why values cannot make one.
///
/// Messages quote at most a short excerpt of the peer's text, never the whole input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MsnObjectError {
    /// The input (or, when building, the object written as XML) is longer than its form
    /// allows: see [`MsnObject::MAX_XML_LEN`] and the constants beside it.
    #[error("{form} of {len} bytes is longer than the {max} allowed")]
    TooLong {
        /// Which encoding was too long.
        form: MsnObjectForm,
        /// Its length in bytes.
        len: usize,
        /// The limit for that encoding.
        max: usize,
    },
    /// The XML, once decoded from its token or context, is not UTF-8.
    #[error("the MSNObject is not UTF-8 text")]
    NotUtf8,
    /// The `Context:` value is not base64.
    #[error("the MSNObject context is not base64")]
    NotBase64,
    /// The XML is not well-formed (an unclosed tag, a stray `&`, a repeated attribute).
    #[error("the MSNObject is not well-formed XML (near byte {at})")]
    Xml {
        /// Byte offset in the XML where the reader stopped.
        at: u64,
    },
    /// The document holds no element at all.
    #[error("no <msnobj> element found")]
    NoElement,
    /// The document's element is not `<msnobj>`, or text stands where it should be.
    #[error("expected an <msnobj> element, found {found}")]
    NotMsnObject {
        /// What was found: an element's name (excerpt) or a kind of content.
        found: String,
    },
    /// Something other than white space or a comment follows the `<msnobj>` element.
    #[error("unexpected content after the <msnobj> element")]
    TrailingContent,
    /// An object that names its creator and data lacks another attribute it needs.
    #[error("the MSNObject has no {0} attribute")]
    MissingAttribute(&'static str),
    /// An attribute's value cannot be read, or a value given to a builder cannot be
    /// written.
    #[error("the MSNObject's {name} attribute {reason}")]
    InvalidAttribute {
        /// The attribute's name (an excerpt, for one the peer named).
        name: String,
        /// What is wrong with it, as the end of a sentence.
        reason: &'static str,
    },
    /// More attributes than the defined seven and [`MsnObject::MAX_EXTRA_ATTRIBUTES`]
    /// others.
    #[error("the MSNObject has more than {max} attributes beyond the defined ones")]
    TooManyExtraAttributes {
        /// The limit.
        max: usize,
    },
}

impl MsnObjectError {
    fn invalid(name: &str, reason: &'static str) -> Self {
        MsnObjectError::InvalidAttribute {
            name: xml::excerpt(name),
            reason,
        }
    }
}

/// What an MSNObject describes: its `Type` attribute.
///
/// Numbers without a name here are kept as [`MsnObjectKind::Other`]. Equality and hashing
/// go by [`code`](MsnObjectKind::code), so `Other(3)` equals `DisplayPicture`, and
/// [`From<u32>`] always gives the named variant.
///
/// ```
/// use msnp::presence::MsnObjectKind;
/// assert_eq!(MsnObjectKind::from(3), MsnObjectKind::DisplayPicture);
/// assert_eq!(MsnObjectKind::Other(3), MsnObjectKind::DisplayPicture);
/// assert_eq!(MsnObjectKind::from(99).code(), 99);
/// ```
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum MsnObjectKind {
    /// 2: a custom emoticon.
    CustomEmoticon,
    /// 3: a display picture (user tile), the one kind `CHG` carries.
    DisplayPicture,
    /// 5: a background.
    Background,
    /// 7: a dynamic (animated) display picture.
    DynamicPicture,
    /// 8: a wink.
    Wink,
    /// 11: a voice clip.
    VoiceClip,
    /// 12: the state of an add-in.
    AddInState,
    /// 13: a roaming object.
    RoamingObject,
    /// 14: a signature sound.
    SignatureSound,
    /// Any other number, including those whose meaning the sources disagree on (1, 4,
    /// 6, 9, 10) [NINA MSNObject].
    Other(u32),
}

impl MsnObjectKind {
    /// The number written in the `Type` attribute.
    pub fn code(self) -> u32 {
        match self {
            MsnObjectKind::CustomEmoticon => 2,
            MsnObjectKind::DisplayPicture => 3,
            MsnObjectKind::Background => 5,
            MsnObjectKind::DynamicPicture => 7,
            MsnObjectKind::Wink => 8,
            MsnObjectKind::VoiceClip => 11,
            MsnObjectKind::AddInState => 12,
            MsnObjectKind::RoamingObject => 13,
            MsnObjectKind::SignatureSound => 14,
            MsnObjectKind::Other(code) => code,
        }
    }
}

impl From<u32> for MsnObjectKind {
    fn from(code: u32) -> Self {
        match code {
            2 => MsnObjectKind::CustomEmoticon,
            3 => MsnObjectKind::DisplayPicture,
            5 => MsnObjectKind::Background,
            7 => MsnObjectKind::DynamicPicture,
            8 => MsnObjectKind::Wink,
            11 => MsnObjectKind::VoiceClip,
            12 => MsnObjectKind::AddInState,
            13 => MsnObjectKind::RoamingObject,
            14 => MsnObjectKind::SignatureSound,
            other => MsnObjectKind::Other(other),
        }
    }
}

impl PartialEq for MsnObjectKind {
    fn eq(&self, other: &Self) -> bool {
        self.code() == other.code()
    }
}

impl Eq for MsnObjectKind {}

impl std::hash::Hash for MsnObjectKind {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.code().hash(state);
    }
}

/// What identifies an object's data for a cache: its creator (ASCII lower-cased, as
/// servers treat handles case-insensitively) and its `SHA1D`.
///
/// Two objects with the same key describe the same bytes, whatever their `Location`,
/// `Friendly` or extra attributes say [reference §8: "Key the cache on Creator+SHA1D"].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MsnObjectKey {
    creator: String,
    sha1d: [u8; 20],
}

impl MsnObjectKey {
    /// The creator's handle, lower-cased.
    pub fn creator(&self) -> &str {
        &self.creator
    }

    /// The SHA-1 of the object's data.
    pub fn sha1d(&self) -> &[u8; 20] {
        &self.sha1d
    }
}

/// An MSNObject: who made an object, how big it is, what kind it is and the SHA-1 of its
/// bytes, as carried by `CHG`/`ILN`/`NLN` (MSNP9+) and by the MSNSLP `Context:` of a
/// picture request.
///
/// One value, three encodings: the XML element ([`to_xml`](Self::to_xml)), the
/// percent-encoded token of the presence commands
/// ([`to_percent_encoded`](Self::to_percent_encoded)) and the base64 `Context:`
/// ([`to_base64_context`](Self::to_base64_context)); each has its parser, and each
/// parser reads `<msnobj/>` (an object naming no creator or no data, which Escargot
/// sends for "no picture") as `Ok(None)`.
///
/// Attributes beyond the defined seven (`contenttype`, `stamp`, …, sent by later
/// clients) are kept in order, at most [`MAX_EXTRA_ATTRIBUTES`](Self::MAX_EXTRA_ATTRIBUTES),
/// and written back after `SHA1C`; they are not covered by `SHA1C`.
///
/// Equality (`==`) compares every attribute; to ask whether two objects describe the
/// same data, as a picture cache does, compare their [`key`](Self::key)s.
///
/// ```
/// use msnp::presence::{MsnObject, MsnObjectKind};
///
/// let xml = br#"<msnobj Creator="buddy1@hotmail.com" Size="24539" Type="3" Location="TFR2C.tmp" Friendly="AAA=" SHA1D="trC8SlFx2sWQxZMIBAWSEnXc8oQ=" SHA1C="U32o6bosZzluJq82eAtMpx5dIEI="/>"#;
/// let object = MsnObject::from_xml(xml)?.expect("names a picture");
/// assert_eq!(object.creator().as_str(), "buddy1@hotmail.com");
/// assert_eq!(object.size(), 24539);
/// assert_eq!(object.kind(), MsnObjectKind::DisplayPicture);
/// assert!(object.sha1c_matches());
/// assert_eq!(object.to_xml().as_bytes(), xml);
///
/// // Escargot's placeholder for a contact without a picture.
/// assert_eq!(MsnObject::from_percent_encoded("%3Cmsnobj%2F%3E")?, None);
/// # Ok::<(), msnp::presence::MsnObjectError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct MsnObject {
    creator: Passport<'static>,
    size: u64,
    kind: MsnObjectKind,
    location: String,
    /// The `Friendly` attribute as written: base64 of UTF-16LE. Kept in its wire form
    /// because `SHA1C` hashes that text, and a sender may encode a name without its
    /// terminator.
    friendly: String,
    sha1d: [u8; 20],
    sha1c: Option<[u8; 20]>,
    extra: Vec<(String, String)>,
}

impl MsnObject {
    /// The longest XML accepted, in bytes, and the longest a built object may write.
    /// Real objects are 200–400 bytes; the limit leaves room for later clients' extra
    /// attributes.
    pub const MAX_XML_LEN: usize = 4096;
    /// The longest percent-encoded token accepted: every byte of the longest XML
    /// encoded as `%XX`.
    pub const MAX_TOKEN_LEN: usize = 3 * Self::MAX_XML_LEN;
    /// The longest base64 `Context:` accepted: the longest XML with its trailing NUL.
    pub const MAX_CONTEXT_LEN: usize = (Self::MAX_XML_LEN + 1).div_ceil(3) * 4;
    /// The most attributes kept beyond the seven the protocol defines.
    pub const MAX_EXTRA_ATTRIBUTES: usize = 16;
    /// The "no picture" object as Escargot writes it in `ILN`/`NLN` (observed).
    pub const NONE_XML: &'static str = "<msnobj/>";
    /// [`NONE_XML`](Self::NONE_XML) percent-encoded, as the token of a presence command.
    pub const NONE_PERCENT_ENCODED: &'static str = "%3Cmsnobj%2F%3E";

    /// Describes `data`: its size and `SHA1D` come from the bytes, and `SHA1C` is
    /// computed from the attributes.
    ///
    /// `location` is the creator-side file name (official clients later wrote `0`);
    /// `friendly` a display name for the object, usually empty.
    ///
    /// # Errors
    /// A `location` holding a control character, a `friendly` holding NUL, or an object
    /// whose XML would exceed [`MAX_XML_LEN`](Self::MAX_XML_LEN).
    ///
    /// ```
    /// use msnp::codec::Passport;
    /// use msnp::presence::{MsnObject, MsnObjectKind};
    ///
    /// let me = Passport::try_from("alice@example.com").unwrap();
    /// let object = MsnObject::for_data(me, MsnObjectKind::DisplayPicture, "0", "", b"image bytes")?;
    /// assert_eq!(object.size(), 11);
    /// assert!(object.matches_data(b"image bytes"));
    /// assert!(object.sha1c_matches());
    /// # Ok::<(), msnp::presence::MsnObjectError>(())
    /// ```
    pub fn for_data(
        creator: Passport<'_>,
        kind: MsnObjectKind,
        location: &str,
        friendly: &str,
        data: &[u8],
    ) -> Result<Self, MsnObjectError> {
        Self::new(
            creator,
            data.len() as u64,
            kind,
            location,
            friendly,
            Sha1::digest(data).into(),
        )
    }

    /// Describes data already hashed elsewhere (for instance while streaming a file):
    /// like [`for_data`](Self::for_data) with the size and `SHA1D` given.
    ///
    /// # Errors
    /// As [`for_data`](Self::for_data).
    pub fn new(
        creator: Passport<'_>,
        size: u64,
        kind: MsnObjectKind,
        location: &str,
        friendly: &str,
        sha1d: [u8; 20],
    ) -> Result<Self, MsnObjectError> {
        if friendly.contains('\0') {
            return Err(MsnObjectError::invalid(
                name::FRIENDLY,
                "cannot hold a NUL character",
            ));
        }
        let mut utf16 = Vec::with_capacity(2 * friendly.len() + 2);
        for unit in friendly.encode_utf16().chain([0]) {
            utf16.extend_from_slice(&unit.to_le_bytes());
        }
        let mut object = MsnObject {
            creator: creator.into_owned(),
            size,
            kind,
            location: location.to_owned(),
            friendly: STANDARD.encode(utf16),
            sha1d,
            sha1c: None,
            extra: Vec::new(),
        };
        object.sha1c = Some(object.computed_sha1c());
        object.check()?;
        Ok(object)
    }

    /// Adds an attribute beyond the defined seven, written after `SHA1C` (which does not
    /// cover it), such as the `contenttype` later clients send.
    ///
    /// # Errors
    /// A name that is one of the defined attributes, already present, or not a plain
    /// XML name (ASCII letters, digits, `_`, `-`, `.`, `:`, not starting with a digit,
    /// `-` or `.`); a value with a control character; more than
    /// [`MAX_EXTRA_ATTRIBUTES`](Self::MAX_EXTRA_ATTRIBUTES); or XML that would exceed
    /// [`MAX_XML_LEN`](Self::MAX_XML_LEN).
    pub fn with_extra(mut self, name: &str, value: &str) -> Result<Self, MsnObjectError> {
        if name::ALL.contains(&name) || self.extra.iter().any(|(n, _)| n == name) {
            return Err(MsnObjectError::invalid(name, "is already defined"));
        }
        self.push_extra(name, value.to_owned())?;
        self.check()?;
        Ok(self)
    }

    /// Reads the XML element.
    ///
    /// `Ok(None)` for an object that names no creator or no data (`<msnobj/>`, or a
    /// `Creator` or `SHA1D` missing or empty): "no picture". A `SHA1C` that does not
    /// match is no error (published objects with edited creators fail it); ask
    /// [`sha1c_matches`](Self::sha1c_matches).
    ///
    /// # Errors
    /// Input over [`MAX_XML_LEN`](Self::MAX_XML_LEN) (as received, or as
    /// [`to_xml`](Self::to_xml) would write it back, escaping what the peer left raw),
    /// not UTF-8 or not well-formed, an element other than `<msnobj>`, an attribute that
    /// cannot be read, or a value with a control character.
    pub fn from_xml(xml: &[u8]) -> Result<Option<Self>, MsnObjectError> {
        if xml.len() > Self::MAX_XML_LEN {
            return Err(MsnObjectError::TooLong {
                form: MsnObjectForm::Xml,
                len: xml.len(),
                max: Self::MAX_XML_LEN,
            });
        }
        let text = std::str::from_utf8(xml).map_err(|_| MsnObjectError::NotUtf8)?;
        let mut reader = xml::reader(text);
        let xml_error = |reader: &quick_xml::Reader<&[u8]>| MsnObjectError::Xml {
            at: reader.error_position(),
        };
        let object = loop {
            match reader.read_event() {
                Err(_) => return Err(xml_error(&reader)),
                Ok(Event::Eof) => return Err(MsnObjectError::NoElement),
                Ok(Event::Empty(element)) => {
                    break Self::from_element(&element, reader.buffer_position())?;
                }
                Ok(Event::Start(element)) => {
                    let object = Self::from_element(&element, reader.buffer_position())?;
                    // `<msnobj …></msnobj>` is the same object, if nothing stands inside.
                    loop {
                        match reader.read_event() {
                            Err(_) => return Err(xml_error(&reader)),
                            Ok(Event::End(_)) => break,
                            // quick-xml reports an unclosed element as a plain end.
                            Ok(Event::Eof) => {
                                return Err(MsnObjectError::Xml {
                                    at: reader.buffer_position(),
                                });
                            }
                            Ok(event) if xml::is_filler(&event) => {}
                            Ok(_) => return Err(MsnObjectError::TrailingContent),
                        }
                    }
                    break object;
                }
                Ok(event) if xml::is_filler(&event) || matches!(event, Event::Decl(_)) => {}
                Ok(event) => {
                    return Err(MsnObjectError::NotMsnObject {
                        found: xml::describe(&event),
                    });
                }
            }
        };
        loop {
            match reader.read_event() {
                Err(_) => return Err(xml_error(&reader)),
                Ok(Event::Eof) => return Ok(object),
                Ok(event) if xml::is_filler(&event) => {}
                Ok(_) => return Err(MsnObjectError::TrailingContent),
            }
        }
    }

    /// Reads the token of `CHG`/`ILN`/`NLN`: percent-decodes it, then reads the XML as
    /// [`from_xml`](Self::from_xml) does (ESC's `%3Cmsnobj%2F%3E` gives `Ok(None)`).
    ///
    /// # Errors
    /// A token over [`MAX_TOKEN_LEN`](Self::MAX_TOKEN_LEN), or any error of
    /// [`from_xml`](Self::from_xml).
    pub fn from_percent_encoded(token: &str) -> Result<Option<Self>, MsnObjectError> {
        if token.len() > Self::MAX_TOKEN_LEN {
            return Err(MsnObjectError::TooLong {
                form: MsnObjectForm::PercentEncoded,
                len: token.len(),
                max: Self::MAX_TOKEN_LEN,
            });
        }
        let xml: Cow<'_, [u8]> = percent_decode_str(token).into();
        Self::from_xml(&xml)
    }

    /// Reads the base64 `Context:` of an MSNSLP `INVITE`, with or without the trailing
    /// NUL(s) clients disagree on [reference §8], and with surrounding white space.
    ///
    /// # Errors
    /// A context over [`MAX_CONTEXT_LEN`](Self::MAX_CONTEXT_LEN), not base64, or any
    /// error of [`from_xml`](Self::from_xml).
    pub fn from_base64_context(context: &str) -> Result<Option<Self>, MsnObjectError> {
        let context = context.trim_ascii();
        if context.len() > Self::MAX_CONTEXT_LEN {
            return Err(MsnObjectError::TooLong {
                form: MsnObjectForm::Base64Context,
                len: context.len(),
                max: Self::MAX_CONTEXT_LEN,
            });
        }
        let decoded = LENIENT_BASE64
            .decode(context)
            .map_err(|_| MsnObjectError::NotBase64)?;
        let end = decoded.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
        Self::from_xml(&decoded[..end])
    }

    /// The XML element, attributes in the official order, values XML-escaped.
    pub fn to_xml(&self) -> String {
        let mut out = String::with_capacity(320);
        self.write_xml(&mut out);
        out
    }

    /// The token for `CHG`/`ILN`/`NLN`: the XML with every byte except `A–Z a–z 0–9 _ .
    /// - ~` percent-encoded, as Escargot writes it [ESC msnp.py].
    ///
    /// ```
    /// use msnp::codec::Passport;
    /// use msnp::presence::{MsnObject, MsnObjectKind};
    ///
    /// let me = Passport::try_from("a@b.c").unwrap();
    /// let object = MsnObject::for_data(me, MsnObjectKind::DisplayPicture, "0", "", b"")?;
    /// assert!(object.to_percent_encoded().starts_with("%3Cmsnobj%20Creator%3D%22a%40b.c%22%20Size%3D%220%22"));
    /// # Ok::<(), msnp::presence::MsnObjectError>(())
    /// ```
    pub fn to_percent_encoded(&self) -> String {
        utf8_percent_encode(&self.to_xml(), TOKEN_SET).to_string()
    }

    /// The `Context:` of an MSNSLP picture request: base64 of the XML followed by one
    /// NUL. The SDK's peer answers only a context with the NUL, and the others read
    /// both [reference §8].
    pub fn to_base64_context(&self) -> String {
        let mut xml = self.to_xml().into_bytes();
        xml.push(0);
        STANDARD.encode(xml)
    }

    /// The owner's handle (`Creator`).
    pub fn creator(&self) -> &Passport<'static> {
        &self.creator
    }

    /// The data's length in bytes (`Size`).
    pub fn size(&self) -> u64 {
        self.size
    }

    /// What the object is (`Type`).
    pub fn kind(&self) -> MsnObjectKind {
        self.kind
    }

    /// The creator-side file name (`Location`), empty when the object had none.
    pub fn location(&self) -> &str {
        &self.location
    }

    /// The object's display name (`Friendly`), decoded from base64 UTF-16LE up to its
    /// terminating NUL; unpaired surrogates read as U+FFFD.
    pub fn friendly(&self) -> String {
        let bytes = LENIENT_BASE64.decode(&self.friendly).unwrap_or_default();
        let units = bytes
            .chunks_exact(2)
            .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
            .take_while(|&unit| unit != 0);
        char::decode_utf16(units)
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect()
    }

    /// The `Friendly` attribute exactly as written (`AAA=` for an empty name).
    pub fn friendly_base64(&self) -> &str {
        &self.friendly
    }

    /// The SHA-1 of the data (`SHA1D`).
    pub fn sha1d(&self) -> &[u8; 20] {
        &self.sha1d
    }

    /// The `SHA1C` the object carries, if any.
    pub fn sha1c(&self) -> Option<&[u8; 20]> {
        self.sha1c.as_ref()
    }

    /// The `SHA1C` these attributes call for: SHA-1 of `"Creator"`, its value, `"Size"`,
    /// its value, and so on through `SHA1D` (base64), with no separators [NINA
    /// MSN_Object; SDK and KOPETE build the same string].
    pub fn computed_sha1c(&self) -> [u8; 20] {
        let mut hash = Sha1::new();
        hash.update(name::CREATOR);
        hash.update(self.creator.as_str());
        hash.update(name::SIZE);
        hash.update(self.size.to_string());
        hash.update(name::TYPE);
        hash.update(self.kind.code().to_string());
        hash.update(name::LOCATION);
        hash.update(&self.location);
        hash.update(name::FRIENDLY);
        hash.update(&self.friendly);
        hash.update(name::SHA1D);
        hash.update(STANDARD.encode(self.sha1d));
        hash.finalize().into()
    }

    /// Whether the object carries a `SHA1C` equal to [`computed_sha1c`](Self::computed_sha1c);
    /// `false` when it carries none.
    pub fn sha1c_matches(&self) -> bool {
        self.sha1c == Some(self.computed_sha1c())
    }

    /// Whether `data` is what the object describes: its length is `Size` and its SHA-1
    /// is `SHA1D`. Check a received picture with it before showing or caching it.
    pub fn matches_data(&self, data: &[u8]) -> bool {
        data.len() as u64 == self.size && <[u8; 20]>::from(Sha1::digest(data)) == self.sha1d
    }

    /// The attributes beyond the defined seven, in the order received or added.
    pub fn extra(&self) -> impl ExactSizeIterator<Item = (&str, &str)> {
        self.extra.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// What identifies the object's data in a cache: creator and `SHA1D`.
    pub fn key(&self) -> MsnObjectKey {
        MsnObjectKey {
            creator: self.creator.as_str().to_ascii_lowercase(),
            sha1d: self.sha1d,
        }
    }

    /// `tag_end` is where the reader stands, just past the tag, for an error's position.
    fn from_element(element: &BytesStart<'_>, tag_end: u64) -> Result<Option<Self>, MsnObjectError> {
        let found = element.name();
        if found.as_ref() != ELEMENT {
            return Err(MsnObjectError::NotMsnObject {
                found: format!("<{}>", xml::excerpt(found.as_ref())),
            });
        }
        let mut defined: [Option<Cow<'_, str>>; 7] = Default::default();
        let mut extra = Vec::new();
        for attribute in element.attributes() {
            // A repeated attribute or a value without quotes.
            let attribute = attribute.map_err(|_| MsnObjectError::Xml { at: tag_end })?;
            let key = attribute.key.0;
            let value = attribute
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|_| MsnObjectError::invalid(key, "holds an unknown or malformed reference"))?;
            match name::ALL.iter().position(|&defined_name| defined_name == key) {
                Some(index) => defined[index] = Some(value),
                None => extra.push((key, value)),
            }
        }
        let [creator, size, kind, location, friendly, sha1d, sha1c] = defined;
        let (Some(creator), Some(sha1d)) =
            (creator.filter(|v| !v.is_empty()), sha1d.filter(|v| !v.is_empty()))
        else {
            return Ok(None);
        };
        let creator = Passport::try_from(creator.into_owned())
            .map_err(|_| MsnObjectError::invalid(name::CREATOR, "is not a valid handle"))?;
        let size = size.ok_or(MsnObjectError::MissingAttribute(name::SIZE))?;
        let size =
            decimal(&size).ok_or_else(|| MsnObjectError::invalid(name::SIZE, "is not a byte count"))?;
        let kind = kind.ok_or(MsnObjectError::MissingAttribute(name::TYPE))?;
        let kind = decimal(&kind)
            .and_then(|code| u32::try_from(code).ok())
            .ok_or_else(|| MsnObjectError::invalid(name::TYPE, "is not a type number"))?;
        let friendly = friendly.map(Cow::into_owned).unwrap_or_default();
        if !friendly.is_empty() {
            let bytes = LENIENT_BASE64
                .decode(&friendly)
                .map_err(|_| MsnObjectError::invalid(name::FRIENDLY, "is not base64"))?;
            if !bytes.len().is_multiple_of(2) {
                return Err(MsnObjectError::invalid(
                    name::FRIENDLY,
                    "is not UTF-16 text (odd byte count)",
                ));
            }
        }
        let mut object = MsnObject {
            creator,
            size,
            kind: MsnObjectKind::from(kind),
            location: location.map(Cow::into_owned).unwrap_or_default(),
            friendly,
            sha1d: sha1(name::SHA1D, &sha1d)?,
            sha1c: sha1c.map(|v| sha1(name::SHA1C, &v)).transpose()?,
            extra: Vec::new(),
        };
        for (key, value) in extra {
            object.push_extra(key, value.into_owned())?;
        }
        object.check()?;
        Ok(Some(object))
    }

    fn push_extra(&mut self, name: &str, value: String) -> Result<(), MsnObjectError> {
        if self.extra.len() == Self::MAX_EXTRA_ATTRIBUTES {
            return Err(MsnObjectError::TooManyExtraAttributes {
                max: Self::MAX_EXTRA_ATTRIBUTES,
            });
        }
        if !is_plain_name(name) {
            return Err(MsnObjectError::invalid(name, "has no plain XML name"));
        }
        self.extra.push((name.to_owned(), value));
        Ok(())
    }

    /// The invariants every value keeps, so that whatever is built or parsed writes XML
    /// that parses back to itself: no control character in a value (XML would turn a
    /// raw one into a space), and the XML within [`MAX_XML_LEN`](Self::MAX_XML_LEN)
    /// (escaping may lengthen what a peer sent unescaped).
    fn check(&self) -> Result<(), MsnObjectError> {
        if xml::forbidden_in_attribute(&self.location).is_some() {
            return Err(MsnObjectError::invalid(
                name::LOCATION,
                "holds a control character",
            ));
        }
        if let Some((name, _)) = self
            .extra
            .iter()
            .find(|(_, value)| xml::forbidden_in_attribute(value).is_some())
        {
            return Err(MsnObjectError::invalid(name, "holds a control character"));
        }
        let len = self.to_xml().len();
        if len > Self::MAX_XML_LEN {
            return Err(MsnObjectError::TooLong {
                form: MsnObjectForm::Xml,
                len,
                max: Self::MAX_XML_LEN,
            });
        }
        Ok(())
    }

    fn write_xml(&self, out: &mut String) {
        // Writing to a String cannot fail.
        let _ = write!(
            out,
            r#"<{ELEMENT} {}="{}" {}="{}" {}="{}" {}="{}" {}="{}" {}="{}""#,
            name::CREATOR,
            escape(self.creator.as_str()),
            name::SIZE,
            self.size,
            name::TYPE,
            self.kind.code(),
            name::LOCATION,
            escape(self.location.as_str()),
            name::FRIENDLY,
            escape(self.friendly.as_str()),
            name::SHA1D,
            STANDARD.encode(self.sha1d),
        );
        if let Some(sha1c) = &self.sha1c {
            let _ = write!(out, r#" {}="{}""#, name::SHA1C, STANDARD.encode(sha1c));
        }
        for (name, value) in &self.extra {
            let _ = write!(out, r#" {name}="{}""#, escape(value.as_str()));
        }
        out.push_str("/>");
    }
}

impl fmt::Debug for MsnObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Hashes in base64, as on the wire, rather than as twenty numbers.
        f.debug_struct("MsnObject")
            .field("creator", &self.creator)
            .field("size", &self.size)
            .field("kind", &self.kind)
            .field("location", &self.location)
            .field("friendly", &self.friendly)
            .field("sha1d", &STANDARD.encode(self.sha1d))
            .field("sha1c", &self.sha1c.map(|c| STANDARD.encode(c)))
            .field("extra", &self.extra)
            .finish()
    }
}

/// A number written as decimal digits only: `u64::from_str` would also take a `+`.
fn decimal(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn sha1(name: &'static str, value: &str) -> Result<[u8; 20], MsnObjectError> {
    LENIENT_BASE64
        .decode(value)
        .ok()
        .and_then(|bytes| <[u8; 20]>::try_from(bytes).ok())
        .ok_or_else(|| MsnObjectError::invalid(name, "is not a base64 SHA-1"))
}

/// A name that can be written back as an attribute as it is: the ASCII subset of an XML
/// `Name`, which is all the attributes later clients add use.
fn is_plain_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_' || b == b':')
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':'))
}
