//! The few `MSG` payloads a switchboard session builds and reads.
//!
//! Interim: `msnp::msg` (being written alongside) replaces this module once it lands on
//! main; the names here follow it so the swap is local.

/// The largest `MSG` payload a switchboard accepts from a client: "If it is any longer,
/// the switchboard will close the connection" [HYP sb/messages; TW `MSN_MAX_MESSAGE`].
pub const MAX_PAYLOAD_LEN: usize = 1664;

/// "text/plain; charset=UTF-8" is the form every client displays [HYP client/plaintext].
const TEXT_PREAMBLE: &str = "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n";
const FORMAT_HEADER: &str = "X-MMS-IM-Format";

/// The value of an `X-MMS-IM-Format` header (`FN=Arial; EF=I; CO=0; CS=0; PF=22`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TextFormat(String);

impl TextFormat {
    /// A format from its header value; `None` when it holds CR, LF or NUL (it would
    /// break the header block).
    pub fn new(value: &str) -> Option<Self> {
        (!value.bytes().any(|b| matches!(b, b'\r' | b'\n' | 0))).then(|| Self(value.trim().to_owned()))
    }

    /// The header value.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for TextFormat {
    /// What MSN Messenger 5 sends when the user never picked a font.
    fn default() -> Self {
        Self("FN=Microsoft%20Sans%20Serif; EF=; CO=0; CS=0; PF=22".to_owned())
    }
}

/// The fields of a `text/x-msmsgsinvite` body, in order [HYP client/invitations].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Invitation {
    /// `(name, value)` pairs.
    pub fields: Vec<(String, String)>,
}

impl Invitation {
    /// The first field with this name (case-insensitive).
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Appends a text message's payload.
pub(crate) fn encode_text(format: Option<&TextFormat>, body: &str, out: &mut Vec<u8>) {
    out.extend_from_slice(TEXT_PREAMBLE.as_bytes());
    if let Some(format) = format {
        out.extend_from_slice(FORMAT_HEADER.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(format.0.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body.as_bytes());
}

/// How many body bytes fit in [`MAX_PAYLOAD_LEN`] next to the headers.
pub(crate) fn max_text_body_len(format: Option<&TextFormat>) -> usize {
    let format_len = format.map_or(0, |f| FORMAT_HEADER.len() + 2 + f.0.len() + 2);
    MAX_PAYLOAD_LEN.saturating_sub(TEXT_PREAMBLE.len() + format_len + 2)
}

/// Cuts `text` into pieces of at most `max` bytes on character boundaries.
pub(crate) fn split_text(text: &str, max: usize) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() || max == 0 {
            return None;
        }
        let mut end = max.min(rest.len());
        while !rest.is_char_boundary(end) {
            end -= 1;
        }
        if end == 0 {
            end = rest.chars().next().map_or(rest.len(), char::len_utf8);
        }
        let (chunk, tail) = rest.split_at(end);
        rest = tail;
        Some(chunk)
    })
}

/// Appends a typing notification: the body is a lone CR LF [HYP sb/example_session].
pub(crate) fn encode_typing(user: &str, out: &mut Vec<u8>) {
    out.extend_from_slice(b"MIME-Version: 1.0\r\nContent-Type: text/x-msmsgscontrol\r\nTypingUser: ");
    out.extend_from_slice(user.as_bytes());
    out.extend_from_slice(b"\r\n\r\n\r\n");
}

/// What an incoming payload is.
pub(crate) enum Incoming {
    Text {
        text: String,
        format: Option<TextFormat>,
    },
    Typing {
        user: String,
    },
    Invitation(Invitation),
    Other,
}

/// Reads a payload; anything unreadable is [`Incoming::Other`] (the caller gets it raw).
pub(crate) fn parse(payload: &[u8]) -> Incoming {
    let Some((head, body)) = split_head(payload) else {
        return Incoming::Other;
    };
    let header = |name: &str| {
        head.lines().find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
    };
    let Some(content_type) = header("Content-Type") else {
        return Incoming::Other;
    };
    let mut params = content_type.split(';');
    let media = params.next().unwrap_or_default().trim();
    let utf8 = params.any(|p| {
        p.split_once('=').is_some_and(|(k, v)| {
            k.trim().eq_ignore_ascii_case("charset") && v.trim().eq_ignore_ascii_case("utf-8")
        })
    });
    if media.eq_ignore_ascii_case("text/plain") {
        let text = if utf8 {
            match std::str::from_utf8(body) {
                Ok(text) => text.to_owned(),
                Err(_) => return Incoming::Other,
            }
        } else {
            // No charset: ISO-8859-1, one code point per byte [HYP client/plaintext].
            body.iter().map(|&b| char::from(b)).collect()
        };
        let format = header(FORMAT_HEADER).and_then(TextFormat::new);
        Incoming::Text { text, format }
    } else if media.eq_ignore_ascii_case("text/x-msmsgscontrol") {
        match header("TypingUser") {
            Some(user) => Incoming::Typing {
                user: user.to_owned(),
            },
            None => Incoming::Other,
        }
    } else if media.eq_ignore_ascii_case("text/x-msmsgsinvite") {
        let Ok(body) = std::str::from_utf8(body) else {
            return Incoming::Other;
        };
        let fields = body
            .lines()
            .filter_map(|line| line.split_once(':'))
            .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
            .collect();
        Incoming::Invitation(Invitation { fields })
    } else {
        Incoming::Other
    }
}

/// Splits the header block (UTF-8) from the body at the first blank line.
fn split_head(payload: &[u8]) -> Option<(&str, &[u8])> {
    let end = payload.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(payload.get(..end)?).ok()?;
    Some((head, payload.get(end + 4..)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_text_example_is_133_bytes() {
        let mut out = Vec::new();
        let format = TextFormat::new("FN=Arial; EF=I; CO=0; CS=0; PF=22").unwrap();
        encode_text(Some(&format), "Hello! How are you?", &mut out);
        assert_eq!(out.len(), 133);
        let Incoming::Text { text, format: got } = parse(&out) else {
            panic!()
        };
        assert_eq!((text.as_str(), got), ("Hello! How are you?", Some(format)));
    }

    #[test]
    fn typing_for_bob_is_89_bytes() {
        let mut out = Vec::new();
        encode_typing("bob@passport.com", &mut out);
        assert_eq!(out.len(), 89);
    }

    #[test]
    fn split_keeps_characters_whole() {
        let chunks: Vec<&str> = split_text("héllo", 2).collect();
        assert_eq!(chunks, ["h", "é", "ll", "o"]);
    }
}
