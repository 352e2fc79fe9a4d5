//! The HTTP messages a [`PassportFlow`](super::PassportFlow) exchanges: [`HttpRequest`]
//! (built by the flow, sent by the caller) and [`HttpResponse`] (received by the caller,
//! read by the flow).

use std::fmt;

use super::PassportError;

/// A URL the flow may request: `http(s)://host[:port]/path`, every byte printable ASCII,
/// its host and port checked.
///
/// One string and offsets into it, so that a flow (which holds two) stays small.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Url {
    /// `scheme://authority/path`, the host in lower case.
    full: String,
    /// Where the authority starts, ends, and where its host part ends.
    authority: (usize, usize),
    host_end: usize,
    port: u16,
    https: bool,
}

/// Scheme, host and port: what decides where a request goes and whether TLS protects it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Origin {
    https: bool,
    host: String,
    port: u16,
}

impl Url {
    /// Reads a URL from the configuration or the network; `Err` holds what is wrong.
    ///
    /// `DALogin` comes without a scheme (`login.passport.com/login2.srf`) [YW passport14;
    /// MSPASS §2.2.12], so a URL without one means `https`. A path-only URL (a relative
    /// `Location`) resolves against `base`. Only `https` and `http` are requested, a host
    /// must be a DNS name or an IP address, and a port a number from 1 to 65535, so that a
    /// `DALogin` like `javascript:alert(1)` fails here, before any request is built.
    pub(crate) fn parse(text: &str, base: Option<&Url>) -> Result<Self, &'static str> {
        // Every byte lands in a request line or a `Host` header: no space, CR, LF, NUL.
        if !text.bytes().all(|b| b.is_ascii_graphic()) {
            return Err("it contains a space, a control character or a non-ASCII character");
        }
        // A `://` after the first `/`, `?` or `#` is inside the path, not a scheme.
        let scheme = text
            .split_once("://")
            .filter(|(scheme, _)| !scheme.contains(['/', '?', '#']));
        let (https, rest) = match scheme {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("https") => (true, rest),
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => (false, rest),
            Some(_) => return Err("the scheme is neither https nor http"),
            None => match base {
                Some(base) if text.starts_with('/') && !text.starts_with("//") => {
                    let mut url = base.clone();
                    url.full.truncate(base.authority.1);
                    push_origin_form(&mut url.full, text);
                    return Ok(url);
                }
                _ => (true, text),
            },
        };
        let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, path) = rest.split_at(authority_end);
        if authority.is_empty() {
            return Err("it has no host");
        }
        if authority.contains('@') {
            return Err("user information is not supported");
        }
        let (host, port) = split_authority(authority)?;
        let mut full = String::from(if https { "https://" } else { "http://" });
        let start = full.len();
        full.extend(host.chars().map(|c| c.to_ascii_lowercase()));
        let host_end = full.len();
        if let Some(port) = port {
            full.push(':');
            full.push_str(&port.to_string());
        }
        let end = full.len();
        push_origin_form(&mut full, path);
        Ok(Self {
            full,
            authority: (start, end),
            host_end,
            port: port.unwrap_or(if https { 443 } else { 80 }),
            https,
        })
    }

    pub(crate) fn origin(&self) -> Origin {
        Origin {
            https: self.https,
            host: self.full[self.authority.0..self.host_end].to_owned(),
            port: self.port,
        }
    }

    pub(crate) fn is_https(&self) -> bool {
        self.https
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.full
    }

    /// The authority (`host` or `host:port`), the value of the `Host` header.
    pub(crate) fn host(&self) -> &str {
        &self.full[self.authority.0..self.authority.1]
    }

    /// The request target: path and query.
    pub(crate) fn path(&self) -> &str {
        &self.full[self.authority.1..]
    }
}

/// Splits `host[:port]` or `[v6]:port` and checks both halves.
fn split_authority(authority: &str) -> Result<(&str, Option<u16>), &'static str> {
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (address, after) = v6.split_once(']').ok_or("an IPv6 address lacks its closing ]")?;
        if address.parse::<std::net::Ipv6Addr>().is_err() {
            return Err("the host is not a valid IPv6 address");
        }
        let port = match after {
            "" => None,
            _ => Some(after.strip_prefix(':').ok_or("text follows the IPv6 address")?),
        };
        (&authority[..address.len() + 2], port)
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if !host.starts_with('[') && !is_dns_name(host) {
        return Err("the host is neither a DNS name nor an IP address");
    }
    let port = port
        .map(|port| {
            port.parse::<u16>()
                .ok()
                .filter(|&p| p != 0 && port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit()))
                .ok_or("the port is not a number from 1 to 65535")
        })
        .transpose()?;
    Ok((host, port))
}

/// Labels of letters, digits and inner hyphens, 1 to 63 bytes each, 253 in all [RFC 1123
/// §2.1]; dotted IPv4 addresses are such names too.
fn is_dns_name(host: &str) -> bool {
    host.len() <= 253
        && host.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// Appends the request target for what follows the authority: the fragment is never
/// sent, and an empty path is `/`.
fn push_origin_form(out: &mut String, path: &str) {
    let path = path.split_once('#').map_or(path, |(before, _)| before);
    if !path.starts_with('/') {
        out.push('/');
    }
    out.push_str(path);
}

/// A URL as error messages may show it: without user information (which could hold a
/// password) and cut to a length a log line can take.
pub(crate) fn shown(text: &str) -> String {
    const MAX: usize = 200;
    let start = text.find("://").map_or(0, |i| i + 3);
    let authority_end = text[start..]
        .find(['/', '?', '#'])
        .map_or(text.len(), |i| start + i);
    let mut out = match text[start..authority_end].rfind('@') {
        Some(at) => format!("{}<redacted>{}", &text[..start], &text[start + at..]),
        None => text.to_owned(),
    };
    if let Some((cut, _)) = out.char_indices().nth(MAX) {
        out.truncate(cut);
        out.push('…');
    }
    out
}

/// An HTTP `GET` request that the caller performs for a [`PassportFlow`](super::PassportFlow).
///
/// Send it with any HTTP client: the [`url`](Self::url) and the [`headers`](Self::headers)
/// (the `Host` header is included for callers that write HTTP by hand, see
/// [`encode`](Self::encode); HTTP libraries accept it or set the same value themselves).
/// Do not follow redirects in the client: the flow follows them itself, re-sending the
/// `Authorization` header as Passport requires.
///
/// Every header value is free of CR, LF and NUL whatever the inputs were.
/// `Debug` hides the `Authorization` value, which carries the password.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    url: Url,
    headers: Vec<(&'static str, String)>,
}

impl HttpRequest {
    /// Builds `GET url` with these headers, in this order.
    pub(crate) fn get(url: Url, headers: Vec<(&'static str, String)>) -> Self {
        Self { url, headers }
    }

    pub(crate) fn target(&self) -> &Url {
        &self.url
    }

    /// The method, always `GET`: Passport 1.4 logins use `GET` [MSPASS §3.1.5].
    pub fn method(&self) -> &str {
        "GET"
    }

    /// The absolute URL to request, such as `https://login.passport.com/login2.srf`.
    pub fn url(&self) -> &str {
        self.url.as_str()
    }

    /// The URL's authority (`host` or `host:port`): the server to connect to, and the
    /// value of the `Host` header.
    pub fn host(&self) -> &str {
        self.url.host()
    }

    /// The request target: the URL's path and query, such as `/login2.srf?lc=1033`.
    pub fn path(&self) -> &str {
        self.url.path()
    }

    /// The headers to send, in order, as `(name, value)`.
    pub fn headers(&self) -> impl Iterator<Item = (&str, &str)> {
        self.headers.iter().map(|(name, value)| (*name, value.as_str()))
    }

    /// The value of the first header named `name`, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, value)| value)
    }

    /// Appends the request as HTTP/1.1 bytes (request line, headers, empty line) to `out`,
    /// for callers that speak HTTP over their own TLS stream.
    ///
    /// ```
    /// # use msnp::passport::{PassportConfig, PassportFlow};
    /// # use msnp::Secret;
    /// let flow = PassportFlow::new(&PassportConfig::default(), "lc=1033", "a@b.c",
    ///     &Secret::new("pw".to_owned()))?;
    /// let mut out = Vec::new();
    /// flow.request().encode(&mut out);
    /// assert_eq!(out, b"GET /rdr/pprdr.asp HTTP/1.1\r\nHost: nexus.passport.com\r\n\r\n");
    /// # Ok::<(), msnp::passport::PassportError>(())
    /// ```
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"GET ");
        out.extend_from_slice(self.path().as_bytes());
        out.extend_from_slice(b" HTTP/1.1\r\n");
        for (name, value) in self.headers() {
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method())
            .field("url", &self.url())
            .field("headers", &Redacted(&self.headers, &["Authorization"]))
            .finish()
    }
}

/// The response to an [`HttpRequest`], as the caller received it; the body is not needed.
///
/// Build it from an HTTP library's response with [`new`](Self::new) and
/// [`push_header`](Self::push_header), or from raw bytes with
/// [`parse_head`](Self::parse_head). Header names compare case-insensitively.
/// `Debug` hides the values of `Authentication-Info` (it carries the ticket) and
/// `Set-Cookie`.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpResponse {
    status: u16,
    headers: Vec<(String, String)>,
}

impl HttpResponse {
    /// A response with this status code and no headers yet.
    pub fn new(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
        }
    }

    /// Adds a header; repeated names are kept, and [`header`](Self::header) finds the first.
    pub fn push_header(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.headers.push((name.into(), value.into()));
    }

    /// Adds a header, builder style.
    ///
    /// ```
    /// # use msnp::passport::HttpResponse;
    /// let response = HttpResponse::new(302).with_header("Location", "https://example.net/");
    /// assert_eq!(response.header("location"), Some("https://example.net/"));
    /// ```
    #[must_use]
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.push_header(name, value);
        self
    }

    /// Reads an HTTP/1.x response head: the status line, the header lines and the empty
    /// line that ends them. Bytes after the empty line (the body) are ignored. Lines may
    /// end in CR LF or a bare LF; obsolete folded header lines are refused.
    ///
    /// ```
    /// # use msnp::passport::HttpResponse;
    /// let head = b"HTTP/1.1 302 Found\r\nLocation: https://example.net/\r\n\r\n";
    /// let response = HttpResponse::parse_head(head)?;
    /// assert_eq!(response.status(), 302);
    /// assert_eq!(response.header("Location"), Some("https://example.net/"));
    /// # Ok::<(), msnp::passport::PassportError>(())
    /// ```
    pub fn parse_head(bytes: &[u8]) -> Result<Self, PassportError> {
        let malformed = |reason| PassportError::MalformedResponse { reason };
        let text = std::str::from_utf8(bytes).map_err(|_| malformed("not UTF-8"))?;
        // A line without its LF is cut short: the head is incomplete.
        let mut lines = text.split_inclusive('\n').map(|line| {
            line.strip_suffix('\n')
                .map(|line| line.strip_suffix('\r').unwrap_or(line))
        });
        let status_line = lines.next().flatten().unwrap_or_default();
        let mut parts = status_line.splitn(3, ' ');
        let version = parts.next().unwrap_or_default();
        if !version.starts_with("HTTP/1.") {
            return Err(malformed("the status line does not start with HTTP/1."));
        }
        let status = parts
            .next()
            .filter(|code| code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|code| code.parse().ok())
            .ok_or(malformed("the status code is not three digits"))?;
        let mut response = Self::new(status);
        while let Some(Some(line)) = lines.next() {
            if line.is_empty() {
                return Ok(response);
            }
            if line.starts_with([' ', '\t']) {
                return Err(malformed("folded header line"));
            }
            let (name, value) = line
                .split_once(':')
                .ok_or(malformed("a header line has no colon"))?;
            response.push_header(name, value.trim_matches([' ', '\t']));
        }
        Err(malformed("no empty line ends the head"))
    }

    /// The HTTP status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The value of the first header named `name`, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, value)| value)
    }

    /// All headers, in order, as `(name, value)`.
    pub fn headers(&self) -> impl Iterator<Item = (&str, &str)> {
        self.headers
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
    }
}

impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field(
                "headers",
                &Redacted(&self.headers, &["Authentication-Info", "Set-Cookie"]),
            )
            .finish()
    }
}

/// Headers shown with the values of the `hidden` ones replaced by a placeholder.
struct Redacted<'a, N>(&'a [(N, String)], &'a [&'a str]);

impl<N: AsRef<str>> fmt::Debug for Redacted<'_, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self(headers, hidden) = self;
        let mut list = f.debug_list();
        for (name, value) in headers.iter() {
            let name = name.as_ref();
            if hidden.iter().any(|h| h.eq_ignore_ascii_case(name)) {
                list.entry(&(name, "<redacted>"));
            } else {
                list.entry(&(name, value));
            }
        }
        list.finish()
    }
}

/// What a Passport server answers `request` with when all goes well: the nexus names
/// its login server, the login server issues `ticket`. Shared by the test helpers
/// (`testing::loopback::passport_answer`) and the whole-client fuzz body.
#[cfg(any(feature = "fuzzing", all(feature = "testing", feature = "server")))]
pub(crate) fn success_answer(request: &HttpRequest, ticket: &str) -> HttpResponse {
    match request.header("Authorization") {
        None => HttpResponse::new(200).with_header(
            "PassportURLs",
            format!("DARealm=Passport.Net,DALogin={}/login2.srf", request.host()),
        ),
        Some(_) => HttpResponse::new(200).with_header(
            "Authentication-Info",
            format!("Passport1.4 da-status=success,from-PP='{ticket}'"),
        ),
    }
}
