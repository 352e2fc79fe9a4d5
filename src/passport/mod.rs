//! Passport 1.4 ("Tweener") login without I/O: turns the challenge of `USR T TWN S` into
//! the ticket for `USR T TWN S <ticket>`.
//!
//! The login is two or more HTTPS `GET`s [reference §3]. [`PassportFlow`] says which
//! [`HttpRequest`] to perform and reads each [`HttpResponse`]; the caller owns the HTTP
//! client. A blocking caller implements [`PassportTransport`] and calls [`authenticate`];
//! an async caller drives [`PassportFlow`] in its own loop (example there).
//!
//! The login server's URL (DALogin) is learned from the nexus on the first login. Keep it
//! in [`PassportConfig::dalogin`] to skip the nexus on later logins: [`authenticate`]
//! stores it there itself, and [`PassportFlow::dalogin_url`] returns it to async callers.
//!
//! Requests carry only `Host` and `Authorization` unless
//! [`PassportConfig::client_headers`] is set, so they match transcript T2 byte for byte.
//!
//! # Where the password goes
//!
//! The `Authorization` header (account and password) goes only to the login server
//! (the configured or nexus-named `DALogin`) and to the hosts its `302` redirects name,
//! as Passport requires [MSPASS §3.1.5.6]: its servers redirect between hosts
//! (`login.passport.com` to `loginnet.passport.com`, transcript T2), and TLS proves that
//! each host is the one named. Every URL, configured or received, is checked before a
//! request is built: the scheme (`https`, or `http` under the rule below), a host that is
//! a DNS name or an IP address, a port from 1 to 65535, no user information, only
//! printable ASCII ([`PassportError::InvalidUrl`]).
//!
//! Plain `http` is refused ([`PassportError::InsecureUrl`]) unless
//! [`PassportConfig::allow_http`] is set, and then it covers only the origins (scheme,
//! host, port) of the URLs the caller configured, `nexus_url` and `dalogin`, as for a
//! loopback test server. A URL from the network (a `DALogin`, a `Location`) may use
//! `http` only at such an origin and only when the request that named it was plain
//! `http` too: nothing a server sends can downgrade `https`, or send the password in
//! clear text to another host.

mod error;
mod flow;
mod http;
mod params;

pub use error::{PassportError, Stage, UrlSource};
pub use flow::{DEFAULT_NEXUS_URL, PassportConfig, PassportFlow, Step};
#[cfg(any(feature = "fuzzing", all(feature = "testing", feature = "server")))]
pub(crate) use http::success_answer;
pub use http::{HttpRequest, HttpResponse};

use crate::Secret;

/// A blocking HTTP client, as [`authenticate`] needs it.
///
/// `get` performs the request exactly as given: its URL and all its headers, over TLS
/// for `https`. It must not follow redirects itself (the flow does), and returns the
/// response whatever its status; only a failure to get a response at all is an `Err`.
pub trait PassportTransport {
    /// Why the client got no response (connection refused, TLS failure, timeout…).
    type Error: std::error::Error + Send + Sync + 'static;

    /// Performs `request` and returns the response's status and headers.
    fn get(&mut self, request: &HttpRequest) -> Result<HttpResponse, Self::Error>;
}

/// Runs a whole Passport 1.4 login over `transport` and returns the ticket.
///
/// `challenge` is the arguments of `USR T TWN S <challenge>` as received. Once the nexus
/// has named the login server, `config.dalogin` holds it (success or not), so the next
/// call with the same `config` skips the nexus. If a request to a cached login server
/// fails in the transport, set `config.dalogin` to `None` before trying again.
///
/// ```
/// use msnp::passport::{authenticate, HttpRequest, HttpResponse, PassportConfig, PassportTransport};
/// use msnp::Secret;
///
/// /// Answers from memory, as a test server would.
/// struct FakeHttp;
/// impl PassportTransport for FakeHttp {
///     type Error = std::io::Error;
///     fn get(&mut self, request: &HttpRequest) -> Result<HttpResponse, Self::Error> {
///         Ok(match request.url() {
///             "https://nexus.passport.com/rdr/pprdr.asp" => HttpResponse::new(200)
///                 .with_header("PassportURLs", "DARealm=Passport.Net,DALogin=login.example.net/login2.srf"),
///             "https://login.example.net/login2.srf" => HttpResponse::new(200).with_header(
///                 "Authentication-Info",
///                 "Passport1.4 da-status=success,from-PP='t=ticket&p=profile'",
///             ),
///             _ => HttpResponse::new(404),
///         })
///     }
/// }
///
/// let mut config = PassportConfig::default();
/// let password = Secret::new("password".to_owned());
/// let ticket = authenticate(&mut FakeHttp, &mut config, "lc=1033,id=507", "example@passport.com", &password)?;
/// assert_eq!(ticket.expose(), "t=ticket&p=profile");
/// assert_eq!(config.dalogin.as_deref(), Some("https://login.example.net/login2.srf"));
/// # Ok::<(), msnp::passport::PassportError>(())
/// ```
pub fn authenticate<T: PassportTransport>(
    transport: &mut T,
    config: &mut PassportConfig,
    challenge: &str,
    account: &str,
    password: &Secret<String>,
) -> Result<Secret<String>, PassportError> {
    let mut flow = PassportFlow::new(config, challenge, account, password)?;
    loop {
        let response = transport
            .get(flow.request())
            .map_err(|error| PassportError::Transport(Box::new(error)))?;
        match flow.handle_response(response)? {
            Step::Continue(next) => {
                config.dalogin = next.dalogin_url().map(str::to_owned);
                flow = next;
            }
            Step::Done(ticket) => return Ok(ticket),
        }
    }
}
