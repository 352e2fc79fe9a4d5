//! [`PassportFlow`]: the Passport 1.4 login as a sans-IO state machine.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::http::{HttpRequest, HttpResponse, Origin, Url, shown};
use super::params::Params;
use super::{PassportError, Stage, UrlSource};
use crate::Secret;

/// The nexus that tells clients where the login server is [YW passport14; MSPASS §2.2.12].
pub const DEFAULT_NEXUS_URL: &str = "https://nexus.passport.com/rdr/pprdr.asp";

/// Bytes sent as themselves in `sign-in` and `pwd`; all others become `%XX`.
///
/// MSPASS §2.2.7 asks for "unsafe character-escaped" UTF-8 and an escaped comma; TW sent the
/// password unescaped and broke on commas. Escaping everything but the RFC 3986 unreserved
/// set satisfies the server and keeps CR, LF and NUL out of the header.
const CREDENTIAL: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// How a [`PassportFlow`] reaches the login server.
///
/// ```
/// # use msnp::passport::PassportConfig;
/// let mut config = PassportConfig::default();
/// config.max_redirects = 3;
/// assert_eq!(config.nexus_url, "https://nexus.passport.com/rdr/pprdr.asp");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PassportConfig {
    /// The nexus to ask for the login server, [`DEFAULT_NEXUS_URL`] by default.
    pub nexus_url: String,
    /// The login server (DALogin) learned by an earlier login, which skips the nexus.
    ///
    /// Keep [`PassportFlow::dalogin_url`] here after a login (as
    /// [`authenticate`](super::authenticate) does), and set it back to `None` when a
    /// request to it fails at the transport level, so the next login asks the nexus again.
    /// With or without a scheme: `login.passport.com/login2.srf` means `https://…`.
    pub dalogin: Option<String>,
    /// How many `302` redirects from login servers to follow (5 by default).
    pub max_redirects: u32,
    /// Whether plain `http://` may be used for [`nexus_url`](Self::nexus_url) and
    /// [`dalogin`](Self::dalogin); only for loopback test servers, since the login request
    /// carries the password. `false` by default.
    ///
    /// It covers what the caller configured, never what the network names: a `DALogin`
    /// or a redirect may use `http` only at the origin (scheme, host and port) of one of
    /// these two URLs, and only from a request that was itself plain `http`. So a server
    /// can neither downgrade a login from `https` nor send the password in clear text to
    /// another host.
    pub allow_http: bool,
    /// Whether login requests also carry the headers MSN Messenger sent
    /// (`User-Agent: MSMSGS`, `Connection: Keep-Alive`, `Cache-Control: no-cache`
    /// [YW passport14; GAIM06]). `false` by default: the server does not need them, and the
    /// requests then match transcript T2 byte for byte.
    pub client_headers: bool,
}

impl Default for PassportConfig {
    fn default() -> Self {
        Self {
            nexus_url: DEFAULT_NEXUS_URL.to_owned(),
            dalogin: None,
            max_redirects: 5,
            allow_http: false,
            client_headers: false,
        }
    }
}

/// What a [`PassportFlow`] does after a response.
#[derive(Debug)]
#[must_use]
pub enum Step {
    /// Perform the flow's next [`request`](PassportFlow::request) and hand its response to
    /// this flow.
    Continue(PassportFlow),
    /// Login succeeded: the ticket (`t=…&p=…`, or whatever the server put in `from-PP`),
    /// to send verbatim as `USR T TWN S <ticket>`.
    Done(Secret<String>),
}

/// A Passport 1.4 login without I/O: it says which HTTP request to perform next and reads
/// each response, until it yields the ticket for `USR T TWN S`.
///
/// The exchange [reference §3; MSPASS §3.1.5]:
/// 1. `GET` the nexus; its `PassportURLs` header names the login server (`DALogin`).
///    Skipped when [`PassportConfig::dalogin`] is known.
/// 2. `GET` DALogin with `Authorization: Passport1.4 OrgVerb=GET,OrgURL=…,sign-in=…,pwd=…,<challenge>`.
/// 3. On `302` (`da-status=redir`), the same request to the `Location` URL.
/// 4. On `200` (`da-status=success`), the ticket is the quoted `from-PP` value; on `401`
///    (`da-status=failed`), the credentials were refused.
///
/// Methods, in the order of use: [`new`](Self::new); the getters [`request`](Self::request)
/// and [`dalogin_url`](Self::dalogin_url); the input [`handle_response`](Self::handle_response),
/// which consumes the flow, so an error ends it and a finished flow cannot be driven on.
///
/// An async caller drives it with its own HTTP client:
///
/// ```
/// use msnp::passport::{HttpRequest, HttpResponse, PassportConfig, PassportError, PassportFlow, Step};
/// use msnp::Secret;
///
/// async fn login(
///     http: &mut FakeHttp,
///     cached_dalogin: &mut Option<String>,
///     challenge: &str,
///     account: &str,
///     password: &Secret<String>,
/// ) -> Result<Secret<String>, PassportError> {
///     let mut config = PassportConfig::default();
///     config.dalogin = cached_dalogin.clone();
///     let mut flow = PassportFlow::new(&config, challenge, account, password)?;
///     loop {
///         let response = http.get(flow.request()).await.map_err(|e| PassportError::Transport(e.into()))?;
///         match flow.handle_response(response)? {
///             Step::Continue(next) => {
///                 *cached_dalogin = next.dalogin_url().map(str::to_owned);
///                 flow = next;
///             }
///             Step::Done(ticket) => return Ok(ticket),
///         }
///     }
/// }
///
/// /// Stands in for an async HTTP client.
/// struct FakeHttp;
/// impl FakeHttp {
///     async fn get(&mut self, request: &HttpRequest) -> Result<HttpResponse, std::io::Error> {
///         Ok(match request.url() {
///             "https://nexus.passport.com/rdr/pprdr.asp" => HttpResponse::new(200)
///                 .with_header("PassportURLs", "DARealm=Passport.Net,DALogin=login.example.net/login2.srf"),
///             "https://login.example.net/login2.srf" => HttpResponse::new(200).with_header(
///                 "Authentication-Info",
///                 "Passport1.4 da-status=success,from-PP='t=ticket&p=profile',ru=http://messenger.msn.com",
///             ),
///             _ => HttpResponse::new(404),
///         })
///     }
/// }
///
/// # fn block_on<F: std::future::Future>(future: F) -> F::Output {
/// #     let mut future = std::pin::pin!(future);
/// #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
/// #     loop {
/// #         if let std::task::Poll::Ready(out) = future.as_mut().poll(&mut cx) { return out; }
/// #     }
/// # }
/// let mut cached = None;
/// let password = Secret::new("password".to_owned());
/// let ticket = block_on(login(&mut FakeHttp, &mut cached, "lc=1033,id=507", "example@passport.com", &password))?;
/// assert_eq!(ticket.expose(), "t=ticket&p=profile");
/// assert_eq!(cached.as_deref(), Some("https://login.example.net/login2.srf"));
/// # Ok::<(), PassportError>(())
/// ```
///
/// `Debug` shows neither the password nor the `Authorization` header.
#[derive(Debug)]
pub struct PassportFlow {
    /// The `Authorization` value, re-sent unchanged after each redirect [MSPASS §3.1.5.6].
    authorization: Secret<String>,
    request: HttpRequest,
    stage: Stage,
    dalogin: Option<String>,
    redirects: u32,
    max_redirects: u32,
    http: HttpPolicy,
    client_headers: bool,
}

/// Where plain `http` may go: nowhere, unless the caller opted in, and then only to the
/// origins of the URLs the caller configured.
#[derive(Debug)]
struct HttpPolicy {
    allow_http: bool,
    /// At most two: the configured nexus's and login server's origins, if plain `http`.
    origins: Vec<Origin>,
}

impl HttpPolicy {
    fn new(config: &PassportConfig) -> Self {
        let configured = std::iter::once(config.nexus_url.as_str()).chain(config.dalogin.as_deref());
        let origins = configured
            .filter(|_| config.allow_http)
            .filter_map(|text| Url::parse(text, None).ok())
            .filter(|url| !url.is_https())
            .map(|url| url.origin())
            .collect();
        Self {
            allow_http: config.allow_http,
            origins,
        }
    }

    /// Parses `text`, named by `named_by` (relative to `base`, the URL that named it), and
    /// applies the policy of [`PassportConfig::allow_http`].
    fn resolve(&self, text: &str, base: Option<&Url>, named_by: UrlSource) -> Result<Url, PassportError> {
        let url = Url::parse(text, base).map_err(|reason| PassportError::InvalidUrl {
            url: shown(text),
            named_by,
            reason,
        })?;
        if url.is_https() {
            return Ok(url);
        }
        let refuse = |reason| PassportError::InsecureUrl {
            url: shown(text),
            named_by,
            reason,
        };
        if !self.allow_http {
            return Err(refuse("allow_http is not set"));
        }
        if named_by == UrlSource::Config {
            return Ok(url);
        }
        if base.is_some_and(Url::is_https) {
            return Err(refuse("a URL from the network may not downgrade https to http"));
        }
        if !self.origins.contains(&url.origin()) {
            return Err(refuse(
                "allow_http covers only the origins of the configured nexus and login server",
            ));
        }
        Ok(url)
    }
}

impl PassportFlow {
    /// Starts a login for `account` with `password`, answering `challenge`: the arguments
    /// of `USR T TWN S <challenge>` exactly as received (`lc=1033,id=507,…`).
    ///
    /// Fails, before any request, on a challenge that is empty or holds a control
    /// character, and on a configured URL that is invalid or plain `http` without
    /// [`PassportConfig::allow_http`].
    pub fn new(
        config: &PassportConfig,
        challenge: &str,
        account: &str,
        password: &Secret<String>,
    ) -> Result<Self, PassportError> {
        if challenge.is_empty() {
            return Err(PassportError::InvalidChallenge { reason: "empty" });
        }
        // It goes verbatim into the header [YW passport14]; CR or LF would end it.
        if challenge.chars().any(char::is_control) {
            return Err(PassportError::InvalidChallenge {
                reason: "contains a control character",
            });
        }
        let authorization = Secret::new(format!(
            "Passport1.4 OrgVerb=GET,OrgURL=http%3A%2F%2Fmessenger%2Emsn%2Ecom,sign-in={},pwd={},{challenge}",
            utf8_percent_encode(account, CREDENTIAL),
            utf8_percent_encode(password.expose(), CREDENTIAL),
        ));
        let http = HttpPolicy::new(config);
        let dalogin = config
            .dalogin
            .as_deref()
            .map(|url| http.resolve(url, None, UrlSource::Config))
            .transpose()?;
        let (stage, request) = match &dalogin {
            Some(url) => (
                Stage::Login,
                login_request(url.clone(), &authorization, config.client_headers),
            ),
            None => {
                let nexus = http.resolve(&config.nexus_url, None, UrlSource::Config)?;
                (Stage::Nexus, nexus_request(nexus))
            }
        };
        Ok(Self {
            authorization,
            request,
            stage,
            dalogin: dalogin.as_ref().map(|url| url.as_str().to_owned()),
            redirects: 0,
            max_redirects: config.max_redirects,
            http,
            client_headers: config.client_headers,
        })
    }

    /// The request to perform now; hand its response to [`handle_response`](Self::handle_response).
    pub fn request(&self) -> &HttpRequest {
        &self.request
    }

    /// The login server's URL, once known (from the configuration or the nexus), for
    /// [`PassportConfig::dalogin`] of later logins.
    pub fn dalogin_url(&self) -> Option<&str> {
        self.dalogin.as_deref()
    }

    /// Reads the response to [`request`](Self::request): the next step, or why the login
    /// failed. Headers the flow does not use are ignored.
    pub fn handle_response(mut self, response: HttpResponse) -> Result<Step, PassportError> {
        match (self.stage, response.status()) {
            (Stage::Nexus, 200) => {
                let dalogin = read_dalogin(&response, self.request.target(), &self.http)?;
                self.stage = Stage::Login;
                self.dalogin = Some(dalogin.as_str().to_owned());
                self.request = self.login_request(dalogin);
                Ok(Step::Continue(self))
            }
            (Stage::Login, 200) => read_ticket(&response).map(Step::Done),
            (Stage::Login, 302) => {
                if self.redirects >= self.max_redirects {
                    return Err(PassportError::TooManyRedirects {
                        limit: self.max_redirects,
                    });
                }
                let location = response
                    .header("Location")
                    .ok_or(PassportError::MissingHeader { header: "Location" })?;
                let target = self
                    .http
                    .resolve(location, Some(self.request.target()), UrlSource::Redirect)?;
                self.redirects += 1;
                self.request = self.login_request(target);
                Ok(Step::Continue(self))
            }
            (Stage::Login, 401) => Err(read_refusal(&response)),
            (stage, status) => Err(PassportError::UnexpectedStatus { stage, status }),
        }
    }

    fn login_request(&self, url: Url) -> HttpRequest {
        login_request(url, &self.authorization, self.client_headers)
    }
}

/// The nexus request: no credentials, only `Host` (T2; GAIM06 sends not even that).
fn nexus_request(nexus: Url) -> HttpRequest {
    let host = nexus.host().to_owned();
    HttpRequest::get(nexus, vec![("Host", host)])
}

/// A login request to DALogin or to where it redirected, in the header order of T2.
fn login_request(url: Url, authorization: &Secret<String>, client_headers: bool) -> HttpRequest {
    let mut headers = vec![
        ("Authorization", authorization.expose().clone()),
        ("Host", url.host().to_owned()),
    ];
    if client_headers {
        headers.extend(
            [
                ("User-Agent", "MSMSGS"),
                ("Connection", "Keep-Alive"),
                ("Cache-Control", "no-cache"),
            ]
            .map(|(name, value)| (name, value.to_owned())),
        );
    }
    HttpRequest::get(url, headers)
}

/// Finds `DALogin` in the nexus's `PassportURLs` header [MSPASS §2.2.12].
fn read_dalogin(response: &HttpResponse, nexus: &Url, http: &HttpPolicy) -> Result<Url, PassportError> {
    const HEADER: &str = "PassportURLs";
    let urls = response
        .header(HEADER)
        .ok_or(PassportError::MissingHeader { header: HEADER })?;
    let dalogin = Params::list(HEADER, urls)?
        .get("DALogin")
        .filter(|url| !url.is_empty())
        .ok_or(PassportError::MissingField {
            header: HEADER,
            field: "DALogin",
        })?;
    http.resolve(dalogin, Some(nexus), UrlSource::Nexus)
}

/// Takes the ticket from `Authentication-Info: Passport1.4 da-status=success,…,from-PP='…'`.
fn read_ticket(response: &HttpResponse) -> Result<Secret<String>, PassportError> {
    const HEADER: &str = "Authentication-Info";
    let info = response
        .header(HEADER)
        .ok_or(PassportError::MissingHeader { header: HEADER })?;
    let params = Params::passport14(HEADER, info)?;
    match params.get("da-status") {
        Some(status) if status.eq_ignore_ascii_case("success") => {}
        Some(_) => {
            return Err(PassportError::MalformedHeader {
                header: HEADER,
                reason: "da-status is not success on a 200 response",
            });
        }
        None => {
            return Err(PassportError::MissingField {
                header: HEADER,
                field: "da-status",
            });
        }
    }
    let from_pp = params.get("from-PP").ok_or(PassportError::MissingField {
        header: HEADER,
        field: "from-PP",
    })?;
    let ticket = from_pp
        .strip_prefix('\'')
        .and_then(|t| t.strip_suffix('\''))
        .ok_or(PassportError::MalformedHeader {
            header: HEADER,
            reason: "from-PP is not single-quoted",
        })?;
    // The ticket becomes one argument of `USR T TWN S <ticket>\r\n` on the notification
    // server: a space, CR or LF in it would split or end that command.
    if ticket.is_empty() || !ticket.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(PassportError::MalformedHeader {
            header: HEADER,
            reason: "from-PP is empty or holds a space, a control or a non-ASCII character",
        });
    }
    Ok(Secret::new(ticket.to_owned()))
}

/// Reads `401` + `WWW-Authenticate: Passport1.4 da-status=failed,…,cbtxt=…` [TW; MSPASS §2.2.2].
fn read_refusal(response: &HttpResponse) -> PassportError {
    const HEADER: &str = "WWW-Authenticate";
    let Some(value) = response.header(HEADER) else {
        return PassportError::MissingHeader { header: HEADER };
    };
    let params = match Params::passport14(HEADER, value) {
        Ok(params) => params,
        Err(error) => return error,
    };
    let no_retry = match params.get("da-status") {
        Some(s) if s.eq_ignore_ascii_case("failed") => false,
        Some(s) if s.eq_ignore_ascii_case("failed-noretry") => true,
        Some(_) => {
            return PassportError::MalformedHeader {
                header: HEADER,
                reason: "da-status is neither failed nor failed-noretry on a 401 response",
            };
        }
        None => {
            return PassportError::MissingField {
                header: HEADER,
                field: "da-status",
            };
        }
    };
    // `cbtxt` is percent-encoded text for the user [reference §3].
    let message = params.get("cbtxt").map(|text| {
        percent_encoding::percent_decode_str(text)
            .decode_utf8_lossy()
            .into_owned()
    });
    PassportError::CredentialsRejected { message, no_retry }
}
