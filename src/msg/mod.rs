//! The MIME-style payload carried by `MSG` commands, with typed views of the kinds an
//! MSNP8 client meets.
//!
//! A payload is header lines `Name: value\r\n`, a blank line, then a body of raw bytes
//! [DRAFT §8.8]. [`Message`] parses it without copying or allocating and writes it back;
//! the typed views ([`Text`], [`Typing`], [`Profile`], [`InitialEmailNotification`],
//! [`EmailNotification`], [`ActiveMailNotification`], [`SystemMessage`], [`Invitation`])
//! read and build the payloads whose meaning the protocol fixes. [`Message::kind`] picks
//! the right view in one call, so a session machine dispatches with one `match`:
//!
//! ```
//! use msnp::msg::{Message, MessageKind};
//!
//! let payload = b"MIME-Version: 1.0\r\nContent-Type: text/x-msmsgscontrol\r\n\
//!                 TypingUser: bob@passport.com\r\n\r\n\r\n";
//! let message = Message::parse(payload)?;
//! match message.kind()? {
//!     MessageKind::Typing(typing) => assert_eq!(typing.user, "bob@passport.com"),
//!     other => panic!("unexpected {other:?}"),
//! }
//! # Ok::<(), msnp::msg::ParseError>(())
//! ```
//!
//! Reading is tolerant (bare-LF line ends, a missing blank line after the headers);
//! writing is strict (CR LF everywhere, `MIME-Version: 1.0` then `Content-Type` first, and
//! no CR, LF or NUL in any header a caller supplies, so caller text cannot add headers).

mod control;
mod fields;
mod invite;
mod mail;
mod profile;
mod text;

use std::borrow::Cow;
use std::fmt;

pub use control::Typing;
pub use invite::{CancelCode, FILE_TRANSFER_GUID, Invitation, InvitationCommand};
pub use mail::{ActiveMailNotification, EmailNotification, InitialEmailNotification, SystemMessage};
pub use profile::Profile;
pub use text::{Effects, Rgb, Text, TextFormat, max_text_body_len};

/// The largest `MSG` payload a switchboard accepts from a client, in bytes.
///
/// "If it is any longer, the switchboard will close the connection" [HYP sb/messages,
/// as of April 2003; TW `MSN_MAX_MESSAGE = 1664`]. Longer texts must be split, see
/// [`split_text`] and [`Text::split`].
pub const MAX_PAYLOAD_LEN: usize = 1664;

/// Why a payload (or one of its typed views) could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// The input ends inside a header line, or holds no header line and no blank line.
    #[error("the payload ends before its header block does")]
    NoHeaderTerminator,
    /// The header block is not UTF-8.
    #[error("the header block is not valid UTF-8")]
    NonUtf8Header,
    /// A non-empty header line (or a header-style line of a body) has no `:`.
    #[error("line {line} has no colon")]
    MissingColon {
        /// 1-based line number, in the header block or in the body.
        line: usize,
    },
    /// The content type is not the one the typed view reads.
    #[error("the content type is not {expected}")]
    WrongContentType {
        /// The media type the view expected.
        expected: &'static str,
    },
    /// A field the typed view needs is absent.
    #[error("the required field {field} is missing")]
    MissingField {
        /// The header (or body field) name.
        field: &'static str,
    },
    /// A field is present but its value does not have the expected form.
    #[error("the field {field} has an invalid value")]
    InvalidField {
        /// The header (or body field) name.
        field: &'static str,
    },
    /// The body must be text in a charset this crate reads, and is not.
    #[error("the body is not valid text in its charset")]
    InvalidBody,
    /// The `charset` parameter names a charset other than UTF-8 or ISO-8859-1, which the
    /// official client does not display either [HYP client/plaintext].
    #[error("unsupported charset")]
    UnsupportedCharset,
}

/// Why a message could not be written: a header the caller supplied would break the
/// payload's structure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MsgError {
    /// A header name is empty or contains a byte outside visible ASCII, or a `:`.
    #[error("header name {name:?} is empty or contains a colon, space or control character")]
    InvalidHeaderName {
        /// The offending name.
        name: String,
    },
    /// A header value contains CR, LF or NUL, or starts or ends with white space (which
    /// a reader would strip). The value itself is not repeated: it may be a credential.
    #[error("the value of header {name} contains CR, LF or NUL, or has surrounding white space")]
    InvalidHeaderValue {
        /// The name of the header whose value was refused.
        name: String,
    },
    /// The header is written by the message type itself (`MIME-Version`, `Content-Type`,
    /// or a field of the typed view), so adding it again would make a duplicate.
    #[error("header {name} is written by the message itself")]
    ReservedHeader {
        /// The offending name.
        name: String,
    },
}

/// One `MSG` payload: headers and body, borrowed from the input or built by the caller.
///
/// [`Message::parse`] borrows; it neither copies nor allocates, and header lookups scan the
/// header block on demand. Header names compare case-insensitively in lookups.
///
/// ```
/// use msnp::msg::Message;
///
/// let message = Message::builder("text/x-clientcaps")
///     .header("Client-Name", "msnp/0.1")
///     .body(b"".as_slice())
///     .build();
/// let mut wire = Vec::new();
/// message.encode(&mut wire)?;
/// assert_eq!(
///     wire,
///     b"MIME-Version: 1.0\r\nContent-Type: text/x-clientcaps\r\nClient-Name: msnp/0.1\r\n\r\n"
/// );
/// let parsed = Message::parse(&wire).unwrap();
/// assert_eq!(parsed.header("client-name"), Some("msnp/0.1"));
/// assert_eq!(parsed, message);
/// # Ok::<(), msnp::msg::MsgError>(())
/// ```
#[derive(Clone)]
pub struct Message<'a> {
    head: Head<'a>,
    body: Cow<'a, [u8]>,
}

/// The header block, kept in the form it arrived in so parsing costs nothing.
#[derive(Clone)]
enum Head<'a> {
    /// Header lines as received (LF or CR LF ends, each line checked to hold a colon),
    /// without the blank line that ends them.
    Wire(Cow<'a, str>),
    /// Built by the caller: `MIME-Version` and `Content-Type` are implied, in that order.
    Built {
        content_type: Cow<'a, str>,
        extra: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    },
}

impl<'a> Message<'a> {
    /// Reads a payload. Never allocates; never panics.
    ///
    /// Lines may end in LF alone, and the blank line after the headers may be missing
    /// when the input ends right after a header line (the body is then empty).
    pub fn parse(input: &'a [u8]) -> Result<Self, ParseError> {
        let mut pos = 0;
        let mut line_no = 0;
        let (head, body) = loop {
            let rest = &input[pos..];
            let Some(nl) = rest.iter().position(|&b| b == b'\n') else {
                if rest.is_empty() && pos > 0 {
                    break (input, &input[pos..]);
                }
                return Err(ParseError::NoHeaderTerminator);
            };
            line_no += 1;
            let line = &rest[..nl];
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.is_empty() {
                break (&input[..pos], &rest[nl + 1..]);
            }
            if !line.contains(&b':') {
                return Err(ParseError::MissingColon { line: line_no });
            }
            pos += nl + 1;
        };
        let head = std::str::from_utf8(head).map_err(|_| ParseError::NonUtf8Header)?;
        Ok(Self {
            head: Head::Wire(Cow::Borrowed(head)),
            body: Cow::Borrowed(body),
        })
    }

    /// Starts building a message of the given content type (with its parameters, e.g.
    /// `text/plain; charset=UTF-8`).
    pub fn builder(content_type: impl Into<Cow<'a, str>>) -> MessageBuilder<'a> {
        MessageBuilder {
            content_type: content_type.into(),
            extra: Vec::new(),
            body: Cow::Borrowed(&[]),
        }
    }

    /// Every header in order, as `(name, value)`; values have surrounding white space
    /// removed.
    pub fn headers(&self) -> Headers<'_> {
        Headers(match &self.head {
            Head::Wire(block) => HeadersInner::Wire(block.split_terminator('\n')),
            Head::Built { content_type, extra } => HeadersInner::Built {
                step: 0,
                content_type,
                extra: extra.iter(),
            },
        })
    }

    /// The value of the first header with this name, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// The media type of `Content-Type`, without parameters (`text/plain` for
    /// `text/plain; charset=UTF-8`), as sent. Compare it with
    /// [`Message::has_content_type`], which ignores case.
    pub fn content_type(&self) -> Option<&str> {
        let value = self.header("Content-Type")?;
        let media = value.split(';').next().unwrap_or(value);
        Some(media.trim_matches(fields::is_space))
    }

    /// Whether the media type is `media_type`, ignoring ASCII case.
    pub fn has_content_type(&self, media_type: &str) -> bool {
        self.content_type()
            .is_some_and(|ty| ty.eq_ignore_ascii_case(media_type))
    }

    /// The `charset` parameter of `Content-Type`, without quotes.
    pub fn charset(&self) -> Option<&str> {
        let value = self.header("Content-Type")?;
        value.split(';').skip(1).find_map(|param| {
            let (key, value) = param.split_once('=')?;
            key.trim_matches(fields::is_space)
                .eq_ignore_ascii_case("charset")
                .then(|| value.trim_matches(fields::is_space).trim_matches('"'))
        })
    }

    /// The body: raw bytes, which may hold anything, bare LF included.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// Reads the typed view that the content type announces, or [`MessageKind::Other`].
    pub fn kind(&self) -> Result<MessageKind<'_>, ParseError> {
        classify(self)
    }

    /// Appends the payload to `out`: CR LF line ends, the header block as received (or
    /// `MIME-Version: 1.0` then `Content-Type` then the added headers when built), a blank
    /// line, the body.
    ///
    /// A payload parsed from canonical bytes (CR LF everywhere, blank line present) is
    /// written back byte for byte. On error nothing is appended.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), MsgError> {
        transactional(out, |out| {
            match &self.head {
                Head::Wire(block) => {
                    for line in block.split_terminator('\n') {
                        let line = line.strip_suffix('\r').unwrap_or(line);
                        let (name, value) = fields::split_line(line);
                        fields::check_header(name, value)?;
                        out.extend_from_slice(line.as_bytes());
                        out.extend_from_slice(b"\r\n");
                    }
                }
                Head::Built { content_type, extra } => {
                    out.extend_from_slice(b"MIME-Version: 1.0\r\n");
                    fields::write_header(out, "Content-Type", content_type)?;
                    for (name, value) in extra {
                        if is_mime_header(name) {
                            return Err(MsgError::ReservedHeader {
                                name: name.to_string(),
                            });
                        }
                        fields::write_header(out, name, value)?;
                    }
                }
            }
            out.extend_from_slice(b"\r\n");
            out.extend_from_slice(&self.body);
            Ok(())
        })
    }

    /// Copies whatever is borrowed, so the message outlives its input.
    pub fn into_owned(self) -> Message<'static> {
        Message {
            head: match self.head {
                Head::Wire(block) => Head::Wire(Cow::Owned(block.into_owned())),
                Head::Built { content_type, extra } => Head::Built {
                    content_type: Cow::Owned(content_type.into_owned()),
                    extra: extra
                        .into_iter()
                        .map(|(n, v)| (Cow::Owned(n.into_owned()), Cow::Owned(v.into_owned())))
                        .collect(),
                },
            },
            body: Cow::Owned(self.body.into_owned()),
        }
    }
}

/// Two messages are equal when they have the same headers in the same order (names
/// compared exactly) and the same body, whether parsed or built.
impl PartialEq for Message<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.body == other.body && self.headers().eq(other.headers())
    }
}

impl Eq for Message<'_> {}

/// Headers are listed, with `MSPAuth` (the Passport ticket, see [`Profile`]) redacted;
/// the body is shown with non-printable bytes escaped.
impl fmt::Debug for Message<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct HeaderList<'m>(&'m Message<'m>);
        impl fmt::Debug for HeaderList<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_list()
                    .entries(self.0.headers().map(|(name, value)| {
                        let value = if name.eq_ignore_ascii_case("MSPAuth") {
                            "<redacted>"
                        } else {
                            value
                        };
                        (name, value)
                    }))
                    .finish()
            }
        }
        f.debug_struct("Message")
            .field("headers", &HeaderList(self))
            .field("body", &format_args!("\"{}\"", self.body.escape_ascii()))
            .finish()
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for Message<'static> {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        let mut builder = Message::builder(fields::arbitrary_value(u)?);
        for _ in 0..u.int_in_range(0..=4)? {
            // Generated names start with `X-`, so never repeat `Content-Type`.
            builder = builder.header(fields::arbitrary_name(u)?, fields::arbitrary_value(u)?);
        }
        let body: Vec<u8> = u.arbitrary()?;
        Ok(builder.body(body).build())
    }
}

fn is_mime_header(name: &str) -> bool {
    name.eq_ignore_ascii_case("MIME-Version") || name.eq_ignore_ascii_case("Content-Type")
}

/// Runs `write`, and removes what it appended if it fails, so a refused message never
/// leaves half a payload in the caller's buffer.
fn transactional(
    out: &mut Vec<u8>,
    write: impl FnOnce(&mut Vec<u8>) -> Result<(), MsgError>,
) -> Result<(), MsgError> {
    let start = out.len();
    let result = write(out);
    if result.is_err() {
        out.truncate(start);
    }
    result
}

/// Builds a [`Message`]; see [`Message::builder`].
///
/// Nothing is checked until [`Message::encode`], which refuses unsafe names and values.
#[derive(Debug, Clone)]
#[must_use]
pub struct MessageBuilder<'a> {
    content_type: Cow<'a, str>,
    extra: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    body: Cow<'a, [u8]>,
}

impl<'a> MessageBuilder<'a> {
    /// Adds a header after `MIME-Version` and `Content-Type` (and after the headers
    /// already added).
    pub fn header(mut self, name: impl Into<Cow<'a, str>>, value: impl Into<Cow<'a, str>>) -> Self {
        self.extra.push((name.into(), value.into()));
        self
    }

    /// Sets the body (empty by default).
    pub fn body(mut self, body: impl Into<Cow<'a, [u8]>>) -> Self {
        self.body = body.into();
        self
    }

    /// Finishes the message.
    pub fn build(self) -> Message<'a> {
        Message {
            head: Head::Built {
                content_type: self.content_type,
                extra: self.extra,
            },
            body: self.body,
        }
    }
}

/// Iterator over a message's headers as `(name, value)`; see [`Message::headers`].
#[derive(Debug, Clone)]
pub struct Headers<'m>(HeadersInner<'m>);

#[derive(Debug, Clone)]
enum HeadersInner<'m> {
    Wire(std::str::SplitTerminator<'m, char>),
    Built {
        step: u8,
        content_type: &'m str,
        extra: std::slice::Iter<'m, (Cow<'m, str>, Cow<'m, str>)>,
    },
}

impl<'m> Iterator for Headers<'m> {
    type Item = (&'m str, &'m str);

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.0 {
            HeadersInner::Wire(lines) => {
                let line = lines.next()?;
                Some(fields::split_line(line.strip_suffix('\r').unwrap_or(line)))
            }
            HeadersInner::Built {
                step,
                content_type,
                extra,
            } => match *step {
                0 => {
                    *step = 1;
                    Some(("MIME-Version", "1.0"))
                }
                1 => {
                    *step = 2;
                    Some(("Content-Type", content_type.trim_matches(fields::is_space)))
                }
                _ => extra
                    .next()
                    .map(|(n, v)| (n.as_ref(), v.trim_matches(fields::is_space))),
            },
        }
    }
}

/// What a payload is, read into its typed view; see [`classify`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MessageKind<'m> {
    /// `text/plain`: an instant message.
    Text(Text<'m>),
    /// `text/x-msmsgscontrol`: a typing notification.
    Typing(Typing<'m>),
    /// `text/x-msmsgsprofile`: the account profile the NS sends after login.
    Profile(Profile<'m>),
    /// `text/x-msmsgsinitialemailnotification`: unread mail counts at login.
    InitialEmail(InitialEmailNotification<'m>),
    /// `text/x-msmsgsemailnotification`: a new e-mail arrived.
    NewEmail(EmailNotification<'m>),
    /// `text/x-msmsgsactivemailnotification`: mail moved or was read elsewhere.
    ActiveMail(ActiveMailNotification<'m>),
    /// `application/x-msmsgssystemmessage`: e.g. an announced server shutdown.
    SystemMessage(SystemMessage),
    /// `text/x-msmsgsinvite`: an invitation (file transfer etc.) or a reply to one.
    Invitation(Invitation<'m>),
    /// Any other content type (`text/x-clientcaps`, `text/x-mms-emoticon`, …), untouched.
    Other(&'m Message<'m>),
}

impl MessageKind<'_> {
    /// Writes the payload of this view; [`MessageKind::Other`] writes the message as is.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), MsgError> {
        match self {
            Self::Text(text) => {
                text.encode(out);
                Ok(())
            }
            Self::Typing(typing) => typing.encode(out),
            Self::Profile(profile) => profile.encode(out),
            Self::InitialEmail(mail) => mail.encode(out),
            Self::NewEmail(mail) => mail.encode(out),
            Self::ActiveMail(mail) => mail.encode(out),
            Self::SystemMessage(system) => {
                system.encode(out);
                Ok(())
            }
            Self::Invitation(invitation) => invitation.encode(out),
            Self::Other(message) => message.encode(out),
        }
    }
}

/// Reads the typed view that the message's content type announces.
///
/// Unknown content types, and messages without one, give [`MessageKind::Other`]; a known
/// content type whose fields are malformed gives the view's [`ParseError`].
pub fn classify<'m>(message: &'m Message<'_>) -> Result<MessageKind<'m>, ParseError> {
    let Some(media_type) = message.content_type() else {
        return Ok(MessageKind::Other(message));
    };
    let is = |ty: &str| media_type.eq_ignore_ascii_case(ty);
    Ok(if is(text::CONTENT_TYPE) {
        MessageKind::Text(Text::parse(message)?)
    } else if is(control::CONTENT_TYPE) {
        MessageKind::Typing(Typing::parse(message)?)
    } else if is(profile::CONTENT_TYPE) {
        MessageKind::Profile(Profile::parse(message)?)
    } else if is(mail::INITIAL_CONTENT_TYPE) {
        MessageKind::InitialEmail(InitialEmailNotification::parse(message)?)
    } else if is(mail::NEW_CONTENT_TYPE) {
        MessageKind::NewEmail(EmailNotification::parse(message)?)
    } else if is(mail::ACTIVE_CONTENT_TYPE) {
        MessageKind::ActiveMail(ActiveMailNotification::parse(message)?)
    } else if is(mail::SYSTEM_CONTENT_TYPE) {
        MessageKind::SystemMessage(SystemMessage::parse(message)?)
    } else if is(invite::CONTENT_TYPE) {
        MessageKind::Invitation(Invitation::parse(message)?)
    } else {
        MessageKind::Other(message)
    })
}

/// Splits `text` into chunks of at most `max_body_bytes` bytes, on character boundaries,
/// for texts longer than one `MSG` may carry ([`MAX_PAYLOAD_LEN`]).
///
/// Chunks are never empty and concatenate back to `text`; an empty text gives no chunk.
/// A CR LF pair is kept in one chunk when possible. A chunk is longer than the limit only
/// when the limit is smaller than one character; that chunk is then exactly one character.
///
/// ```
/// let chunks: Vec<&str> = msnp::msg::split_text("héllo", 2).collect();
/// assert_eq!(chunks, ["h", "é", "ll", "o"]);
/// ```
pub fn split_text(text: &str, max_body_bytes: usize) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut end = max_body_bytes.min(rest.len());
        while !rest.is_char_boundary(end) {
            end -= 1;
        }
        if end == 0 {
            end = rest.chars().next().map_or(rest.len(), char::len_utf8);
        } else if end > 1 && end < rest.len() && rest[..end].ends_with('\r') && rest[end..].starts_with('\n')
        {
            end -= 1;
        }
        let (chunk, tail) = rest.split_at(end);
        rest = tail;
        Some(chunk)
    })
}
