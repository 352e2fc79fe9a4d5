//! [`PassportError`]: why a Passport 1.4 login did not yield a ticket.

use std::error::Error as StdError;
use std::fmt;

/// The request of a [`PassportFlow`](super::PassportFlow) that a response answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Stage {
    /// The nexus request, which only asks where the login server (DALogin) is.
    Nexus,
    /// A login request to DALogin, or to a URL it redirected to.
    Login,
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Nexus => "nexus",
            Self::Login => "login server",
        })
    }
}

/// Who named a URL that a [`PassportFlow`](super::PassportFlow) was asked to request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UrlSource {
    /// The caller, in [`PassportConfig`](super::PassportConfig).
    Config,
    /// The nexus, as `DALogin` in its `PassportURLs` header.
    Nexus,
    /// A login server, as the `Location` of a `302` redirect.
    Redirect,
}

impl fmt::Display for UrlSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Config => "configuration",
            Self::Nexus => "nexus's DALogin",
            Self::Redirect => "login server's redirect",
        })
    }
}

/// Why a Passport 1.4 login failed.
///
/// Every error is final: the [`PassportFlow`](super::PassportFlow) that returned it was
/// consumed, so a new login starts from a new flow.
///
/// No variant carries the password or the ticket, and the `Display` output quotes any
/// text that came from the network (`{:?}`), so a hostile server cannot forge log lines.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PassportError {
    /// The login server refused the account or the password: `401` with
    /// `WWW-Authenticate: Passport1.4 da-status=failed` or `failed-noretry` [MSPASS §2.2.2].
    #[error("Passport refused the credentials{}", match message {
        Some(m) => format!(": {m:?}"),
        None => String::new(),
    })]
    CredentialsRejected {
        /// The server's explanation, the percent-decoded `cbtxt` parameter, if it sent one.
        message: Option<String>,
        /// `da-status=failed-noretry`: the server asks not to try again with these
        /// credentials, for example because the account is locked.
        no_retry: bool,
    },
    /// A status that the stage does not expect (the nexus may answer `503`, for instance).
    #[error("the {stage} answered HTTP status {status}")]
    UnexpectedStatus {
        /// The request that got this status.
        stage: Stage,
        /// The HTTP status code.
        status: u16,
    },
    /// A response lacks a header the protocol needs.
    #[error("the response has no {header} header")]
    MissingHeader {
        /// The header's name.
        header: &'static str,
    },
    /// A header lacks a parameter the protocol needs (`DALogin`, `from-PP`, `da-status`).
    #[error("the {header} header has no {field} parameter")]
    MissingField {
        /// The header's name.
        header: &'static str,
        /// The parameter's name.
        field: &'static str,
    },
    /// A header is present but cannot be understood.
    #[error("the {header} header is malformed: {reason}")]
    MalformedHeader {
        /// The header's name.
        header: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Bytes given to [`HttpResponse::parse_head`](super::HttpResponse::parse_head) are
    /// not an HTTP/1.x response head.
    #[error("malformed HTTP response head: {reason}")]
    MalformedResponse {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The login server redirected more often than
    /// [`PassportConfig::max_redirects`](super::PassportConfig::max_redirects) allows.
    #[error("the login server redirected more than {limit} times")]
    TooManyRedirects {
        /// The configured limit.
        limit: u32,
    },
    /// A URL uses plain `http` where the flow may not use it: the login request carries
    /// the password, and even the nexus's answer decides where it goes.
    ///
    /// Plain `http` is requested only with [`PassportConfig::allow_http`](super::PassportConfig::allow_http),
    /// and then only at the origins (scheme, host, port) of the configured
    /// [`nexus_url`](super::PassportConfig::nexus_url) and
    /// [`dalogin`](super::PassportConfig::dalogin); a URL from the network never moves
    /// from `https` to `http`.
    #[error("refusing plain HTTP to {url:?}, named by the {named_by}: {reason}")]
    InsecureUrl {
        /// The URL, without user information and cut to 200 characters.
        url: String,
        /// Who named it.
        named_by: UrlSource,
        /// Which rule it breaks.
        reason: &'static str,
    },
    /// A URL (configured, or sent as `DALogin` or `Location`) cannot be requested: a
    /// scheme other than `https` or `http`, a host that is no DNS name or IP address, a
    /// port outside 1 to 65535, user information, or bytes that cannot go into a request.
    #[error("invalid URL {url:?}, named by the {named_by}: {reason}")]
    InvalidUrl {
        /// The URL, without user information and cut to 200 characters.
        url: String,
        /// Who named it.
        named_by: UrlSource,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The challenge arguments of `USR T TWN S` cannot go into an HTTP header.
    #[error("invalid Passport challenge: {reason}")]
    InvalidChallenge {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The caller's HTTP client failed (see [`authenticate`](super::authenticate)).
    #[error("the HTTP transport failed")]
    Transport(#[source] Box<dyn StdError + Send + Sync + 'static>),
}
