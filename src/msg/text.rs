//! `text/plain`: instant messages and their `X-MMS-IM-Format` header.

use std::borrow::Cow;
use std::fmt;
use std::ops::{BitOr, BitOrAssign};

use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};

use super::fields::{self, is_space};
use super::{MAX_PAYLOAD_LEN, Message, ParseError};

pub(super) const CONTENT_TYPE: &str = "text/plain";
const FORMAT_HEADER: &str = "X-MMS-IM-Format";
/// Always UTF-8 on output: "text/plain; charset=UTF-8 … vs text/plain (ISO-8859-1)"
/// [HYP client/plaintext].
const PREAMBLE: &str = "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n";

/// Bytes of the font name that are percent-encoded on the wire: what would end the
/// parameter (`;`), the escape itself, space and controls [HYP client/plaintext: "FN=<url
/// encoded font name>"]; non-ASCII is always encoded.
const FONT_ESCAPES: &AsciiSet = &CONTROLS.add(b' ').add(b'%').add(b';');

/// Text effects (`EF=`): any mix of bold, italic, underline and strike-through.
///
/// ```
/// use msnp::msg::Effects;
/// let effects = Effects::BOLD | Effects::ITALIC;
/// assert!(effects.contains(Effects::BOLD));
/// assert_eq!(effects.to_string(), "BI");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Effects(u8);

impl Effects {
    /// No effect (`EF=`).
    pub const NONE: Self = Self(0);
    /// Bold (`B`).
    pub const BOLD: Self = Self(1);
    /// Italic (`I`).
    pub const ITALIC: Self = Self(2);
    /// Underline (`U`).
    pub const UNDERLINE: Self = Self(4);
    /// Strike-through (`S`).
    pub const STRIKETHROUGH: Self = Self(8);

    /// The wire letters, in the order the official client writes them.
    const LETTERS: [(char, Self); 4] = [
        ('B', Self::BOLD),
        ('I', Self::ITALIC),
        ('U', Self::UNDERLINE),
        ('S', Self::STRIKETHROUGH),
    ];

    /// Whether every effect of `other` is set.
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether no effect is set.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Reads the `EF` letters; unknown letters are ignored, as later clients may add some.
    fn parse(value: &str) -> Self {
        let mut effects = Self::NONE;
        for c in value.chars() {
            for (letter, effect) in Self::LETTERS {
                if c.eq_ignore_ascii_case(&letter) {
                    effects |= effect;
                }
            }
        }
        effects
    }
}

impl BitOr for Effects {
    type Output = Self;
    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}

impl BitOrAssign for Effects {
    fn bitor_assign(&mut self, rhs: Self) {
        self.0 |= rhs.0;
    }
}

/// The `EF` value: the letters of the set effects, e.g. `BI`.
impl fmt::Display for Effects {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (letter, effect) in Self::LETTERS {
            if self.contains(effect) {
                f.write_fmt(format_args!("{letter}"))?;
            }
        }
        Ok(())
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for Effects {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(Self(u.arbitrary::<u8>()? & 0x0f))
    }
}

/// A text colour.
///
/// The wire form (`CO=`) is hexadecimal in *BGR* order, without leading zeros: red is
/// `CO=ff`, blue `CO=ff0000` [HYP client/plaintext].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Rgb {
    /// Red.
    pub r: u8,
    /// Green.
    pub g: u8,
    /// Blue.
    pub b: u8,
}

impl Rgb {
    /// Black, the default.
    pub const BLACK: Self = Self { r: 0, g: 0, b: 0 };

    /// The colour of a `0xBBGGRR` value as sent in `CO=`.
    pub const fn from_bgr(bgr: u32) -> Self {
        let [r, g, b, _] = bgr.to_le_bytes();
        Self { r, g, b }
    }

    /// The `0xBBGGRR` value sent in `CO=`.
    pub const fn to_bgr(self) -> u32 {
        u32::from_le_bytes([self.r, self.g, self.b, 0])
    }
}

/// The `X-MMS-IM-Format` header: how the sender's client renders the text.
///
/// ```
/// use msnp::msg::{Effects, Rgb, TextFormat};
///
/// let format = TextFormat::parse("FN=Arial; EF=I; CO=ff; CS=0; PF=22")?;
/// assert_eq!(format.font, "Arial");
/// assert_eq!(format.effects, Effects::ITALIC);
/// assert_eq!(format.color, Rgb { r: 255, g: 0, b: 0 });
/// assert_eq!(format.to_string(), "FN=Arial; EF=I; CO=ff; CS=0; PF=22");
/// # Ok::<(), msnp::msg::ParseError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TextFormat<'a> {
    /// Font name, decoded (the wire form is percent-encoded).
    pub font: Cow<'a, str>,
    /// Bold, italic, underline, strike-through.
    pub effects: Effects,
    /// Text colour.
    pub color: Rgb,
    /// Windows character set number (`CS=`, hex; 0 = ANSI).
    pub charset: u8,
    /// Windows pitch and family (`PF=`, hex; `22` = variable-pitch swiss).
    pub pitch_family: u8,
    /// Right-to-left text (`RL=1`).
    pub right_to_left: bool,
}

/// What MSN Messenger 5 sends when the user never picked a font:
/// `FN=Microsoft%20Sans%20Serif; EF=; CO=0; CS=0; PF=22`.
impl Default for TextFormat<'_> {
    fn default() -> Self {
        Self {
            font: Cow::Borrowed("Microsoft Sans Serif"),
            effects: Effects::NONE,
            color: Rgb::BLACK,
            charset: 0,
            pitch_family: 0x22,
            right_to_left: false,
        }
    }
}

impl<'a> TextFormat<'a> {
    /// Reads an `X-MMS-IM-Format` value.
    ///
    /// Parameters missing from the value keep their [`Default`]; unknown parameters are
    /// ignored. Malformed numbers or a font that does not decode to UTF-8 are errors.
    pub fn parse(value: &'a str) -> Result<Self, ParseError> {
        const FIELD: &str = FORMAT_HEADER;
        let invalid = ParseError::InvalidField { field: FIELD };
        let hex = |v: &str| u8::from_str_radix(v, 16).map_err(|_| invalid.clone());
        let mut format = Self::default();
        for param in value.split(';') {
            let Some((key, v)) = param.split_once('=') else {
                continue;
            };
            let v = v.trim_matches(is_space);
            match key.trim_matches(is_space) {
                "FN" => {
                    format.font = percent_decode_str(v).decode_utf8().map_err(|_| invalid.clone())?;
                }
                "EF" => format.effects = Effects::parse(v),
                "CO" => {
                    let bgr = u32::from_str_radix(v, 16).map_err(|_| invalid.clone())?;
                    if bgr > 0x00ff_ffff {
                        return Err(invalid);
                    }
                    format.color = Rgb::from_bgr(bgr);
                }
                "CS" => format.charset = hex(v)?,
                "PF" => format.pitch_family = hex(v)?,
                "RL" => format.right_to_left = v == "1",
                _ => {}
            }
        }
        Ok(format)
    }

    /// Copies the font name so the format outlives its input.
    pub fn into_owned(self) -> TextFormat<'static> {
        TextFormat {
            font: fields::owned(self.font),
            ..self
        }
    }
}

/// The header value, in the official order `FN; EF; CO; CS; PF` ("the switchboard
/// server requires FN to be the first parameter if it's included" [HYP client/plaintext,
/// summer 2003]), then `RL=1` if set.
impl fmt::Display for TextFormat<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "FN={}; EF={}; CO={:x}; CS={:x}; PF={:x}",
            utf8_percent_encode(&self.font, FONT_ESCAPES),
            self.effects,
            self.color.to_bgr(),
            self.charset,
            self.pitch_family,
        )?;
        if self.right_to_left {
            f.write_str("; RL=1")?;
        }
        Ok(())
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for TextFormat<'static> {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        // Any font is valid: the wire form is percent-encoded.
        let font: String = u.arbitrary()?;
        Ok(Self {
            font: Cow::Owned(font),
            effects: u.arbitrary()?,
            color: u.arbitrary()?,
            charset: u.arbitrary()?,
            pitch_family: u.arbitrary()?,
            right_to_left: u.arbitrary()?,
        })
    }
}

/// An instant message: `text/plain`, optionally formatted.
///
/// ```
/// use msnp::msg::{Effects, Message, Text, TextFormat};
///
/// let text = Text::new("Hello! How are you?").with_format(TextFormat {
///     font: "Arial".into(),
///     effects: Effects::ITALIC,
///     ..TextFormat::default()
/// });
/// let mut wire = Vec::new();
/// text.encode(&mut wire);
/// assert_eq!(wire.len(), 133);
/// let message = Message::parse(&wire)?;
/// assert_eq!(Text::parse(&message)?, text);
/// # Ok::<(), msnp::msg::ParseError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Text<'a> {
    /// The `X-MMS-IM-Format` header, if sent.
    pub format: Option<TextFormat<'a>>,
    /// The text; line breaks are CR LF [HYP client/plaintext].
    pub body: Cow<'a, str>,
}

impl<'a> Text<'a> {
    /// An unformatted text.
    pub fn new(body: impl Into<Cow<'a, str>>) -> Self {
        Self {
            format: None,
            body: body.into(),
        }
    }

    /// Sets the format.
    #[must_use]
    pub fn with_format(mut self, format: TextFormat<'a>) -> Self {
        self.format = Some(format);
        self
    }

    /// Reads a `text/plain` message.
    ///
    /// The body is UTF-8 when `charset=UTF-8`, and ISO-8859-1 when no charset is given
    /// (older clients) [HYP client/plaintext]; other charsets are refused.
    pub fn parse<'m>(message: &'m Message<'_>) -> Result<Text<'m>, ParseError> {
        fields::expect_type(message, CONTENT_TYPE)?;
        let format = message.header(FORMAT_HEADER).map(TextFormat::parse).transpose()?;
        let body = match message.charset() {
            Some(cs) if cs.eq_ignore_ascii_case("utf-8") => {
                Cow::Borrowed(std::str::from_utf8(message.body()).map_err(|_| ParseError::InvalidBody)?)
            }
            None => latin1(message.body()),
            Some(cs) if cs.eq_ignore_ascii_case("iso-8859-1") => latin1(message.body()),
            Some(_) => return Err(ParseError::UnsupportedCharset),
        };
        Ok(Text { format, body })
    }

    /// Appends the payload (always `charset=UTF-8`). A text cannot be refused: the font is
    /// percent-encoded and the body may hold any byte.
    ///
    /// The result may exceed [`MAX_PAYLOAD_LEN`]; see [`Text::split`].
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(PREAMBLE.as_bytes());
        if let Some(format) = &self.format {
            fields::write_display(out, FORMAT_HEADER, format);
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(self.body.as_bytes());
    }

    /// Splits the text into messages that each fit in [`MAX_PAYLOAD_LEN`], with the same
    /// format, cutting on character boundaries (see [`split_text`](super::split_text)).
    /// An empty text gives no message.
    pub fn split(&self) -> impl Iterator<Item = Text<'_>> {
        let max = max_text_body_len(self.format.as_ref());
        super::split_text(&self.body, max).map(|chunk| Text {
            format: self.format.clone(),
            body: Cow::Borrowed(chunk),
        })
    }

    /// Copies whatever is borrowed.
    pub fn into_owned(self) -> Text<'static> {
        Text {
            format: self.format.map(TextFormat::into_owned),
            body: fields::owned(self.body),
        }
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for Text<'static> {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        let body: String = u.arbitrary()?;
        Ok(Self {
            format: u.arbitrary()?,
            body: Cow::Owned(body),
        })
    }
}

/// ISO-8859-1 maps each byte to the code point of the same value.
fn latin1(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(ascii) if ascii.is_ascii() => Cow::Borrowed(ascii),
        _ => Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect()),
    }
}

/// How many body bytes a `text/plain` message with this format can carry within
/// [`MAX_PAYLOAD_LEN`]; zero when the format alone does not fit.
///
/// ```
/// use msnp::msg::{max_text_body_len, TextFormat};
/// // 1664 - 60 (MIME-Version, Content-Type) - 70 (X-MMS-IM-Format) - 2 (blank line)
/// assert_eq!(max_text_body_len(Some(&TextFormat::default())), 1532);
/// assert_eq!(max_text_body_len(None), 1602);
/// ```
pub fn max_text_body_len(format: Option<&TextFormat<'_>>) -> usize {
    let format_len = format.map_or(0, |format| {
        let mut counter = Counter(0);
        // Counting cannot fail.
        let _ = fmt::write(&mut counter, format_args!("{format}"));
        FORMAT_HEADER.len() + ": ".len() + counter.0 + "\r\n".len()
    });
    MAX_PAYLOAD_LEN.saturating_sub(PREAMBLE.len() + format_len + "\r\n".len())
}

/// Measures formatted output without allocating.
struct Counter(usize);

impl fmt::Write for Counter {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0 += s.len();
        Ok(())
    }
}
