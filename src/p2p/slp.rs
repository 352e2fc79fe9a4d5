//! MSNSLP: the SIP-like text carried as the data of session-0 P2P messages
//! [reference §9.3; NINA MSNSLP; ESC-CAP].

use std::borrow::Cow;
use std::fmt::Write as _;

use super::SlpError;

/// `Content-Type` of an INVITE and of its `200 OK` / `603 Decline`.
pub const SESSION_REQUEST_BODY: &str = "application/x-msnmsgr-sessionreqbody";
/// `Content-Type` of a BYE.
pub const SESSION_CLOSE_BODY: &str = "application/x-msnmsgr-sessionclosebody";
/// `EUF-GUID` of a display-picture (or emoticon) session [PURPLE `MSN_OBJ_GUID`; PECAN; SDK].
pub const DISPLAY_PICTURE_GUID: &str = "{A4268EEC-FEC5-49E5-95C3-F126696BDBF6}";
/// `EUF-GUID` of a file-transfer session [SDK file_invite; ESC-CAP].
pub const FILE_TRANSFER_GUID: &str = "{5D3E02AB-6190-11D3-BBBB-00C04F795683}";

/// Bounds on what [`SlpMessage::parse_with`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlpLimits {
    /// The largest message, in bytes. An official INVITE for a file is 1274 bytes
    /// (ESC-CAP); the default, 16 KiB, leaves room for long MSNObjects.
    pub max_len: usize,
    /// The most header lines plus body fields.
    pub max_fields: usize,
}

impl Default for SlpLimits {
    fn default() -> Self {
        SlpLimits {
            max_len: 16 * 1024,
            max_fields: 32,
        }
    }
}

/// The method of an SLP request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SlpMethod<'a> {
    /// Opens a session.
    Invite,
    /// Closes one.
    Bye,
    /// Any other method, as sent.
    Other(Cow<'a, str>),
}

impl SlpMethod<'_> {
    fn as_str(&self) -> &str {
        match self {
            SlpMethod::Invite => "INVITE",
            SlpMethod::Bye => "BYE",
            SlpMethod::Other(name) => name,
        }
    }

    fn into_owned(self) -> SlpMethod<'static> {
        match self {
            SlpMethod::Invite => SlpMethod::Invite,
            SlpMethod::Bye => SlpMethod::Bye,
            SlpMethod::Other(name) => SlpMethod::Other(Cow::Owned(name.into_owned())),
        }
    }
}

/// The first line of an SLP message.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum StartLine<'a> {
    /// `<METHOD> MSNMSGR:<handle> MSNSLP/1.0`.
    Request {
        /// The method.
        method: SlpMethod<'a>,
        /// The handle of the request line. PURPLE and PECAN put their own handle in a
        /// BYE's, the official client the peer's: read it, don't rely on it.
        target: Cow<'a, str>,
    },
    /// `MSNSLP/1.0 <code> <reason>`.
    Status {
        /// The code: [`StartLine::OK`], [`StartLine::DECLINE`] or another, kept.
        code: u16,
        /// The reason phrase, as sent.
        reason: Cow<'a, str>,
    },
}

impl StartLine<'_> {
    /// The code of `MSNSLP/1.0 200 OK`.
    pub const OK: u16 = 200;
    /// The code of `MSNSLP/1.0 603 Decline`.
    pub const DECLINE: u16 = 603;

    fn into_owned(self) -> StartLine<'static> {
        match self {
            StartLine::Request { method, target } => StartLine::Request {
                method: method.into_owned(),
                target: Cow::Owned(target.into_owned()),
            },
            StartLine::Status { code, reason } => StartLine::Status {
                code,
                reason: Cow::Owned(reason.into_owned()),
            },
        }
    }
}

/// One MSNSLP message: start line, headers in the official order, and a body of
/// `key: value` lines.
///
/// On the wire the body is the fields, a blank line and one NUL byte, which
/// `Content-Length` counts [NINA MSNSLP; PECAN `strlen+1`; ESC-CAP `Content-Length: 25`
/// for a decline's 24 bytes + NUL]; [`SlpMessage::encode`] writes exactly that and
/// computes the length itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlpMessage<'a> {
    /// The request or status line.
    pub start: StartLine<'a>,
    /// The handle of `To: <msnmsgr:…>`.
    pub to: Cow<'a, str>,
    /// The handle of `From: <msnmsgr:…>`.
    pub from: Cow<'a, str>,
    /// The `branch` of `Via: MSNSLP/1.0/TLP ;branch=…`, braces included; a response
    /// repeats its request's.
    pub branch: Cow<'a, str>,
    /// `CSeq`: 0 in requests, 1 in responses (ESC-CAP).
    pub cseq: u32,
    /// `Call-ID`, braces included; a response repeats its request's.
    pub call_id: Cow<'a, str>,
    /// `Max-Forwards` (0 in every capture; 0 when absent).
    pub max_forwards: u32,
    /// `Content-Type`, e.g. [`SESSION_REQUEST_BODY`].
    pub content_type: Cow<'a, str>,
    /// The body's `key: value` fields, in order.
    pub body: Vec<(Cow<'a, str>, Cow<'a, str>)>,
}

impl<'a> SlpMessage<'a> {
    /// An INVITE for a session (`EUF-GUID`, `SessionID`, `AppID`, `Context`), CSeq 0.
    ///
    /// `context` is the `Context:` value as it goes on the wire (base64): for a display
    /// picture the MSNObject, for a file a [`FileContext`](super::FileContext).
    #[allow(clippy::too_many_arguments)]
    pub fn invite(
        to: impl Into<Cow<'a, str>>,
        from: impl Into<Cow<'a, str>>,
        branch: impl Into<Cow<'a, str>>,
        call_id: impl Into<Cow<'a, str>>,
        euf_guid: impl Into<Cow<'a, str>>,
        session_id: u32,
        app_id: u32,
        context: impl Into<Cow<'a, str>>,
    ) -> Self {
        let to = to.into();
        SlpMessage {
            start: StartLine::Request {
                method: SlpMethod::Invite,
                target: to.clone(),
            },
            to,
            from: from.into(),
            branch: branch.into(),
            cseq: 0,
            call_id: call_id.into(),
            max_forwards: 0,
            content_type: Cow::Borrowed(SESSION_REQUEST_BODY),
            body: vec![
                (Cow::Borrowed("EUF-GUID"), euf_guid.into()),
                (Cow::Borrowed("SessionID"), Cow::Owned(session_id.to_string())),
                (Cow::Borrowed("AppID"), Cow::Owned(app_id.to_string())),
                (Cow::Borrowed("Context"), context.into()),
            ],
        }
    }

    /// The `200 OK` accepting this INVITE.
    pub fn accept(&self) -> SlpMessage<'a> {
        self.respond(StartLine::OK, "OK")
    }

    /// The `603 Decline` refusing this INVITE.
    pub fn decline(&self) -> SlpMessage<'a> {
        self.respond(StartLine::DECLINE, "Decline")
    }

    /// A response to this request: To and From swapped, same branch and Call-ID, CSeq
    /// one more, body the request's `SessionID` [PURPLE slp.c; ESC-CAP].
    fn respond(&self, code: u16, reason: &'static str) -> SlpMessage<'a> {
        SlpMessage {
            start: StartLine::Status {
                code,
                reason: Cow::Borrowed(reason),
            },
            to: self.from.clone(),
            from: self.to.clone(),
            branch: self.branch.clone(),
            cseq: self.cseq.saturating_add(1),
            call_id: self.call_id.clone(),
            max_forwards: 0,
            content_type: Cow::Borrowed(SESSION_REQUEST_BODY),
            body: self
                .field("SessionID")
                .map(|id| (Cow::Borrowed("SessionID"), Cow::Owned(id.to_owned())))
                .into_iter()
                .collect(),
        }
    }

    /// A BYE closing the session of `call_id`, under a new `branch`; the body has no
    /// field [SDK bye].
    pub fn bye(
        to: impl Into<Cow<'a, str>>,
        from: impl Into<Cow<'a, str>>,
        branch: impl Into<Cow<'a, str>>,
        call_id: impl Into<Cow<'a, str>>,
    ) -> Self {
        let to = to.into();
        SlpMessage {
            start: StartLine::Request {
                method: SlpMethod::Bye,
                target: to.clone(),
            },
            to,
            from: from.into(),
            branch: branch.into(),
            cseq: 0,
            call_id: call_id.into(),
            max_forwards: 0,
            content_type: Cow::Borrowed(SESSION_CLOSE_BODY),
            body: Vec::new(),
        }
    }

    /// The value of the first body field with this name, compared case-insensitively.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.body
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref())
    }

    /// The body's `SessionID`, if present and a number.
    pub fn session_id(&self) -> Option<u32> {
        self.field("SessionID")?.parse().ok()
    }

    /// The body's `AppID`, if present and a number.
    pub fn app_id(&self) -> Option<u32> {
        self.field("AppID")?.parse().ok()
    }

    /// The body's `EUF-GUID`.
    pub fn euf_guid(&self) -> Option<&str> {
        self.field("EUF-GUID")
    }

    /// The body's `Context` (base64, as sent).
    pub fn context(&self) -> Option<&str> {
        self.field("Context")
    }

    /// The status code, for a response.
    pub fn status(&self) -> Option<u16> {
        match self.start {
            StartLine::Status { code, .. } => Some(code),
            StartLine::Request { .. } => None,
        }
    }

    /// Reads a message with the default [`SlpLimits`].
    pub fn parse(input: &'a [u8]) -> Result<Self, SlpError> {
        Self::parse_with(input, &SlpLimits::default())
    }

    /// Reads a message: the whole data of one reassembled session-0 P2P message.
    ///
    /// Lines may end in LF alone; `CSeq: 0` is read with or without the official
    /// client's trailing space; the body's trailing NUL may be absent; `Content-Length`
    /// must match the bytes after the blank line.
    pub fn parse_with(input: &'a [u8], limits: &SlpLimits) -> Result<Self, SlpError> {
        if input.len() > limits.max_len {
            return Err(SlpError::TooLarge {
                len: input.len(),
                max: limits.max_len,
            });
        }
        let (head, body) = split_head(input)?;
        let head = std::str::from_utf8(head).map_err(|_| SlpError::NonUtf8)?;
        let mut lines = head.split_terminator('\n').map(|l| l.trim_end_matches('\r'));
        let start = parse_start(lines.next().ok_or(SlpError::InvalidStartLine)?)?;
        let mut fields = Fields::default();
        let mut count = 0;
        for line in lines {
            count += 1;
            if count > limits.max_fields {
                return Err(SlpError::TooManyFields {
                    max: limits.max_fields,
                });
            }
            let (name, value) = split_field(line)?;
            fields.set(name, value)?;
        }
        let declared: usize = parse_number(fields.content_length, "Content-Length")?;
        if declared != body.len() {
            return Err(SlpError::ContentLength {
                declared,
                available: body.len(),
            });
        }
        let text = body.strip_suffix(b"\0").unwrap_or(body);
        let text = std::str::from_utf8(text).map_err(|_| SlpError::NonUtf8)?;
        let mut body = Vec::new();
        for line in text.split_terminator('\n').map(|l| l.trim_end_matches('\r')) {
            if line.is_empty() {
                continue;
            }
            count += 1;
            if count > limits.max_fields {
                return Err(SlpError::TooManyFields {
                    max: limits.max_fields,
                });
            }
            let (name, value) = split_field(line)?;
            body.push((Cow::Borrowed(name), Cow::Borrowed(value)));
        }
        Ok(SlpMessage {
            start,
            to: Cow::Borrowed(handle(fields.to, "To")?),
            from: Cow::Borrowed(handle(fields.from, "From")?),
            branch: Cow::Borrowed(branch(fields.via)?),
            cseq: parse_number(fields.cseq, "CSeq")?,
            call_id: Cow::Borrowed(
                fields
                    .call_id
                    .ok_or(SlpError::MissingHeader { name: "Call-ID" })?,
            ),
            max_forwards: match fields.max_forwards {
                None => 0,
                some => parse_number(some, "Max-Forwards")?,
            },
            content_type: Cow::Borrowed(
                fields
                    .content_type
                    .ok_or(SlpError::MissingHeader { name: "Content-Type" })?,
            ),
            body,
        })
    }

    /// Appends the message to `out`, headers in the official order with the official
    /// client's `CSeq: <n> ` (trailing space), body fields, blank line and NUL, and the
    /// `Content-Length` that counts them. On error nothing is appended.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), SlpError> {
        self.check()?;
        let body_len = self
            .body
            .iter()
            .map(|(n, v)| n.len() + 2 + v.len() + 2)
            .sum::<usize>()
            + 3;
        let mut head = String::with_capacity(256);
        // Writing to a String cannot fail.
        let _ = match &self.start {
            StartLine::Request { method, target } => {
                write!(head, "{} MSNMSGR:{target} MSNSLP/1.0\r\n", method.as_str())
            }
            StartLine::Status { code, reason } => write!(head, "MSNSLP/1.0 {code} {reason}\r\n"),
        };
        let _ = write!(
            head,
            "To: <msnmsgr:{}>\r\nFrom: <msnmsgr:{}>\r\nVia: MSNSLP/1.0/TLP ;branch={}\r\n\
             CSeq: {} \r\nCall-ID: {}\r\nMax-Forwards: {}\r\nContent-Type: {}\r\n\
             Content-Length: {body_len}\r\n\r\n",
            self.to, self.from, self.branch, self.cseq, self.call_id, self.max_forwards, self.content_type,
        );
        out.reserve(head.len() + body_len);
        out.extend_from_slice(head.as_bytes());
        for (name, value) in &self.body {
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n\0");
        Ok(())
    }

    /// The bytes of [`SlpMessage::encode`].
    pub fn to_bytes(&self) -> Result<Vec<u8>, SlpError> {
        let mut out = Vec::new();
        self.encode(&mut out)?;
        Ok(out)
    }

    /// Copies whatever is borrowed, so the message outlives its input.
    pub fn into_owned(self) -> SlpMessage<'static> {
        let own = |s: Cow<'_, str>| Cow::Owned(s.into_owned());
        SlpMessage {
            start: self.start.into_owned(),
            to: own(self.to),
            from: own(self.from),
            branch: own(self.branch),
            cseq: self.cseq,
            call_id: own(self.call_id),
            max_forwards: self.max_forwards,
            content_type: own(self.content_type),
            body: self.body.into_iter().map(|(n, v)| (own(n), own(v))).collect(),
        }
    }

    /// Refuses values that would read back differently: a caller's text must not add
    /// lines or change the structure.
    fn check(&self) -> Result<(), SlpError> {
        match &self.start {
            StartLine::Request { method, target } => {
                let name = method.as_str();
                if name.is_empty()
                    || name.eq_ignore_ascii_case("MSNSLP/1.0")
                    || !name.bytes().all(|b| b.is_ascii_graphic())
                    || matches!(method, SlpMethod::Other(n) if n.eq_ignore_ascii_case("INVITE") || n.eq_ignore_ascii_case("BYE"))
                {
                    return Err(SlpError::InvalidField { name: "method" });
                }
                check_token(target, "target")?;
            }
            StartLine::Status { code, reason } => {
                if !(100..=999).contains(code) {
                    return Err(SlpError::InvalidField { name: "status" });
                }
                check_value(reason, "reason")?;
            }
        }
        check_token(&self.to, "To")?;
        check_token(&self.from, "From")?;
        if self.to.contains('>') || self.from.contains('>') {
            return Err(SlpError::InvalidField { name: "To" });
        }
        check_token(&self.branch, "Via")?;
        check_token(&self.call_id, "Call-ID")?;
        check_token(&self.content_type, "Content-Type")?;
        for (name, value) in &self.body {
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic() && b != b':') {
                return Err(SlpError::InvalidField { name: "body field" });
            }
            check_value(value, "body field")?;
        }
        Ok(())
    }
}

/// No white space or control byte at all: a token inside a header.
fn check_token(value: &str, name: &'static str) -> Result<(), SlpError> {
    if value.is_empty() || value.bytes().any(|b| b <= b' ' || b == 0x7f) {
        return Err(SlpError::InvalidField { name });
    }
    Ok(())
}

/// No control byte and no surrounding white space, which a reader would strip.
fn check_value(value: &str, name: &'static str) -> Result<(), SlpError> {
    if value.bytes().any(|b| b < b' ' || b == 0x7f) || value.trim() != value {
        return Err(SlpError::InvalidField { name });
    }
    Ok(())
}

/// The header block (with its start line, without the blank line) and the body.
fn split_head(input: &[u8]) -> Result<(&[u8], &[u8]), SlpError> {
    let mut pos = 0;
    while let Some(nl) = memchr::memchr(b'\n', &input[pos..]) {
        let line = &input[pos..pos + nl];
        if line.is_empty() || line == b"\r" {
            return Ok((&input[..pos], &input[pos + nl + 1..]));
        }
        pos += nl + 1;
    }
    Err(SlpError::NoHeaderEnd)
}

fn parse_start(line: &str) -> Result<StartLine<'_>, SlpError> {
    let mut parts = line.splitn(3, ' ');
    let (Some(first), Some(second), Some(third)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(SlpError::InvalidStartLine);
    };
    if first == "MSNSLP/1.0" {
        let code = second
            .parse::<u16>()
            .ok()
            .filter(|c| (100..=999).contains(c) && second.len() == 3)
            .ok_or(SlpError::InvalidStartLine)?;
        return Ok(StartLine::Status {
            code,
            reason: Cow::Borrowed(third),
        });
    }
    let target = second
        .get(..8)
        .filter(|p| p.eq_ignore_ascii_case("MSNMSGR:"))
        .map(|_| &second[8..])
        .filter(|t| !t.is_empty())
        .ok_or(SlpError::InvalidStartLine)?;
    if third != "MSNSLP/1.0" || first.is_empty() {
        return Err(SlpError::InvalidStartLine);
    }
    let method = match first {
        "INVITE" => SlpMethod::Invite,
        "BYE" => SlpMethod::Bye,
        _ if first.eq_ignore_ascii_case("INVITE") || first.eq_ignore_ascii_case("BYE") => {
            return Err(SlpError::InvalidStartLine);
        }
        other => SlpMethod::Other(Cow::Borrowed(other)),
    };
    Ok(StartLine::Request {
        method,
        target: Cow::Borrowed(target),
    })
}

fn split_field(line: &str) -> Result<(&str, &str), SlpError> {
    let (name, value) = line.split_once(':').ok_or(SlpError::MissingColon)?;
    let name = name.trim();
    if name.is_empty() {
        return Err(SlpError::MissingColon);
    }
    Ok((name, value.trim()))
}

fn parse_number<T: std::str::FromStr>(value: Option<&str>, name: &'static str) -> Result<T, SlpError> {
    value
        .ok_or(SlpError::MissingHeader { name })?
        .parse()
        .map_err(|_| SlpError::InvalidField { name })
}

/// The handle inside `<msnmsgr:…>`.
fn handle<'v>(value: Option<&'v str>, name: &'static str) -> Result<&'v str, SlpError> {
    let value = value.ok_or(SlpError::MissingHeader { name })?;
    value
        .strip_suffix('>')
        .and_then(|v| {
            let prefix = v.get(..9)?;
            prefix.eq_ignore_ascii_case("<msnmsgr:").then(|| &v[9..])
        })
        .filter(|h| !h.is_empty() && !h.contains('>'))
        .ok_or(SlpError::InvalidField { name })
}

/// The `branch` of `MSNSLP/1.0/TLP ;branch={…}`.
fn branch(via: Option<&str>) -> Result<&str, SlpError> {
    let via = via.ok_or(SlpError::MissingHeader { name: "Via" })?;
    let (_, branch) = via
        .split_once(";branch=")
        .ok_or(SlpError::InvalidField { name: "Via" })?;
    let branch = branch.trim();
    if branch.is_empty() || branch.bytes().any(|b| b <= b' ') {
        return Err(SlpError::InvalidField { name: "Via" });
    }
    Ok(branch)
}

/// The headers the message reads; others are ignored, as by PURPLE.
#[derive(Default)]
struct Fields<'a> {
    to: Option<&'a str>,
    from: Option<&'a str>,
    via: Option<&'a str>,
    cseq: Option<&'a str>,
    call_id: Option<&'a str>,
    max_forwards: Option<&'a str>,
    content_type: Option<&'a str>,
    content_length: Option<&'a str>,
}

impl<'a> Fields<'a> {
    fn set(&mut self, name: &str, value: &'a str) -> Result<(), SlpError> {
        let slots = [
            (&mut self.to, "To"),
            (&mut self.from, "From"),
            (&mut self.via, "Via"),
            (&mut self.cseq, "CSeq"),
            (&mut self.call_id, "Call-ID"),
            (&mut self.max_forwards, "Max-Forwards"),
            (&mut self.content_type, "Content-Type"),
            (&mut self.content_length, "Content-Length"),
        ];
        let Some((slot, name)) = slots
            .into_iter()
            .find(|(_, known)| known.eq_ignore_ascii_case(name))
        else {
            return Ok(());
        };
        if slot.replace(value).is_some() {
            return Err(SlpError::DuplicateHeader { name });
        }
        Ok(())
    }
}
