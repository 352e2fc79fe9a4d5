//! Passport for the test server: [`TicketVerifier`], the trait the notification server
//! checks `USR … TWN S` tickets with, and [`PassportAuthority`], an in-memory Passport
//! that issues tickets and answers the nexus and `login2.srf` over plain HTTP/1.1
//! (sans-IO: raw request bytes in, raw response bytes out).

use std::collections::{HashMap, VecDeque};
use std::fmt;

use percent_encoding::percent_decode_str;

use super::directory::key;
use super::entropy::Entropy;
use crate::Secret;
use crate::codec::Passport;

/// Checks Passport tickets for the notification server.
pub trait TicketVerifier {
    /// The account `ticket` was issued to, or `None` for a ticket that is not good.
    fn verify(&self, ticket: &str) -> Option<Passport<'static>>;
}

/// The largest HTTP request head [`PassportAuthority::handle_http_request`] reads.
pub const MAX_HTTP_REQUEST_LEN: usize = 8 * 1024;

/// An in-memory Passport: credentials, and the tickets it issued (the most recent
/// [`PassportAuthority::MAX_TICKETS`]; older ones stop working).
///
/// ```
/// use msnp::server::{PassportAuthority, TicketVerifier};
/// let mut passport = PassportAuthority::new(7);
/// passport.add_credentials("alice@example.com", "p,w d");
/// let request = b"GET /login2.srf HTTP/1.1\r\nHost: 127.0.0.1:9\r\nAuthorization: Passport1.4 \
///     OrgVerb=GET,OrgURL=http%3A%2F%2Fmessenger%2Emsn%2Ecom,sign-in=alice%40example.com,\
///     pwd=p%2Cw%20d,lc=1033,id=507\r\n\r\n";
/// let response = passport.handle_http_request(request).unwrap();
/// let text = String::from_utf8(response).unwrap();
/// assert!(text.starts_with("HTTP/1.1 200 OK\r\n"));
/// let ticket = text.split("from-PP='").nth(1).unwrap().split('\'').next().unwrap();
/// assert_eq!(passport.verify(ticket).unwrap().as_str(), "alice@example.com");
/// ```
pub struct PassportAuthority {
    credentials: HashMap<String, (Passport<'static>, Secret<String>)>,
    tickets: HashMap<String, Passport<'static>>,
    issued: VecDeque<String>,
    entropy: Entropy,
    login_host: Option<String>,
}

impl fmt::Debug for PassportAuthority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PassportAuthority")
            .field("accounts", &self.credentials.len())
            .field("tickets", &self.tickets.len())
            .field("login_host", &self.login_host)
            .finish()
    }
}

impl TicketVerifier for PassportAuthority {
    fn verify(&self, ticket: &str) -> Option<Passport<'static>> {
        self.tickets.get(ticket).cloned()
    }
}

impl PassportAuthority {
    /// How many tickets stay valid at once.
    pub const MAX_TICKETS: usize = 1024;

    /// An authority with no accounts; `seed` drives ticket generation.
    pub fn new(seed: u64) -> Self {
        PassportAuthority {
            credentials: HashMap::new(),
            tickets: HashMap::new(),
            issued: VecDeque::new(),
            entropy: Entropy(seed),
            login_host: None,
        }
    }

    /// The `host:port` the nexus names as `DALogin`; by default the request's `Host`.
    /// Clients read a `DALogin` without a scheme as HTTPS, so a plain-HTTP server names
    /// itself `http://host:port`; and they follow plain HTTP only to the origin of the nexus
    /// URL they were configured with, so that must be this same `host:port`.
    pub fn set_login_host(&mut self, host_port: &str) {
        self.login_host = Some(host_port.to_owned());
    }

    /// Sets (or replaces) an account's password. Accounts that are not valid handles
    /// are ignored: they could never sign in.
    pub fn add_credentials(&mut self, account: &str, password: &str) {
        if let Ok(handle) = Passport::try_from(account.to_owned()) {
            self.credentials
                .insert(key(account), (handle, Secret::new(password.to_owned())));
        }
    }

    /// Checks a password and issues a ticket, as `login2.srf` does.
    pub fn login(&mut self, account: &str, password: &str) -> Option<Secret<String>> {
        let (_, stored) = self.credentials.get(&key(account))?;
        if stored.expose() != password {
            return None;
        }
        self.issue_ticket(account)
    }

    /// Issues a ticket for an account with credentials, without a password: for tests
    /// that skip the HTTP exchange.
    pub fn issue_ticket(&mut self, account: &str) -> Option<Secret<String>> {
        let (handle, _) = self.credentials.get(&key(account))?;
        let handle = handle.clone();
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!*";
        // Shaped like the 2003 tickets: `t=…$$&p=…` (reference T1).
        let ticket = format!(
            "t={}$$&p={}",
            self.entropy.string(ALPHABET, 64),
            self.entropy.string(ALPHABET, 96)
        );
        if self.issued.len() >= Self::MAX_TICKETS
            && let Some(oldest) = self.issued.pop_front()
        {
            self.tickets.remove(&oldest);
        }
        self.issued.push_back(ticket.clone());
        self.tickets.insert(ticket.clone(), handle);
        Some(Secret::new(ticket))
    }

    /// Answers one HTTP/1.1 request: `GET /rdr/pprdr.asp` (the nexus) or
    /// `GET /login2.srf` with a `Passport1.4` `Authorization` header (reference §3).
    ///
    /// Returns `None` while the request head is incomplete (read more and call again
    /// with all bytes so far), else the whole response; every response says
    /// `Connection: close`, so close after writing it. A head over
    /// [`MAX_HTTP_REQUEST_LEN`] gets `431`, a malformed one `400`.
    pub fn handle_http_request(&mut self, raw_request: &[u8]) -> Option<Vec<u8>> {
        let head_end = find(raw_request, b"\r\n\r\n").map(|i| i + 4);
        let Some(head_end) = head_end.filter(|&end| end <= MAX_HTTP_REQUEST_LEN) else {
            return (raw_request.len() > MAX_HTTP_REQUEST_LEN)
                .then(|| response("431 Request Header Fields Too Large", &[]));
        };
        let Some(head) = raw_request
            .get(..head_end)
            .and_then(|h| std::str::from_utf8(h).ok())
        else {
            return Some(response("400 Bad Request", &[]));
        };
        let mut lines = head.split("\r\n");
        let request_line = lines.next().unwrap_or_default();
        let mut parts = request_line.split(' ');
        let (Some(method), Some(target), Some(version), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Some(response("400 Bad Request", &[]));
        };
        if !version.starts_with("HTTP/1.") {
            return Some(response("400 Bad Request", &[]));
        }
        let mut host = None;
        let mut authorization = None;
        for line in lines.filter(|l| !l.is_empty()) {
            let Some((name, value)) = line.split_once(':') else {
                return Some(response("400 Bad Request", &[]));
            };
            let value = value.trim();
            if name.eq_ignore_ascii_case("host") {
                host = Some(value);
            } else if name.eq_ignore_ascii_case("authorization") {
                authorization = Some(value);
            }
        }
        if method != "GET" {
            return Some(response("405 Method Not Allowed", &[]));
        }
        let path = target.split('?').next().unwrap_or_default();
        match path {
            "/rdr/pprdr.asp" => {
                let login = self
                    .login_host
                    .clone()
                    .or_else(|| host.map(str::to_owned))
                    .unwrap_or_else(|| "127.0.0.1".to_owned());
                // The 2003 nexus reply, with our DALogin [CSX].
                let urls = format!(
                    "PassportURLs: DARealm=Passport.Net,DALogin={login}/login2.srf,\
                     DAReg=http://register.passport.net/uixpwiz.srf,\
                     Properties=https://register.passport.net/editprof.srf,\
                     Privacy=http://www.passport.com/consumer/privacypolicy.asp,\
                     GeneralRedir=http://nexusrdr.passport.com/redir.asp,\
                     Help=http://memberservices.passport.net/memberservice.srf,ConfigVersion=11"
                );
                Some(response("200 OK", &[&urls]))
            }
            "/login2.srf" => Some(self.login2(authorization)),
            _ => Some(response("404 Not Found", &[])),
        }
    }

    /// `login2.srf`: `200` with the ticket in `from-PP`, or `401 … da-status=failed`
    /// [MSPASS §2.2.2, §3.1.5; TW testPassportLoginFailure].
    fn login2(&mut self, authorization: Option<&str>) -> Vec<u8> {
        let fields = authorization
            .and_then(|a| a.strip_prefix("Passport1.4 "))
            .map(parse_fields)
            .unwrap_or_default();
        let field = |name: &str| {
            fields
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| percent_decode_str(v).decode_utf8_lossy().into_owned())
        };
        let ticket = match (field("sign-in"), field("pwd")) {
            (Some(account), Some(password)) => self.login(&account, &password),
            _ => None,
        };
        match ticket {
            Some(ticket) => {
                let info = format!(
                    "Authentication-Info: Passport1.4 da-status=success,tname=MSPAuth,tname=MSPProf,\
                     tname=MSPSec,from-PP='{}',ru=http://messenger.msn.com",
                    ticket.expose()
                );
                response("200 OK", &[&info])
            }
            None => response(
                "401 Unauthorized",
                &[
                    "WWW-Authenticate: Passport1.4 da-status=failed,srealm=Passport.NET,ts=-3,prompt,\
                   cburl=http://messenger.msn.com,cbtxt=The%20e-mail%20address%20or%20password%20is%20incorrect",
                ],
            ),
        }
    }
}

/// `k=v,k=v,…` split on `,` then the first `=` [TW `_parseHeader`].
fn parse_fields(value: &str) -> Vec<(&str, &str)> {
    value
        .split(',')
        .map(|field| field.split_once('=').unwrap_or((field, "")))
        .map(|(k, v)| (k.trim(), v.trim()))
        .collect()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn response(status: &str, headers: &[&str]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\n");
    for header in headers {
        out.push_str(header);
        out.push_str("\r\n");
    }
    out.push_str("Connection: close\r\nContent-Length: 0\r\n\r\n");
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn authority() -> PassportAuthority {
        let mut p = PassportAuthority::new(1);
        p.add_credentials("example@passport.com", "password");
        p
    }

    #[test]
    fn nexus_names_the_login_host() {
        let mut p = authority();
        let reply = p
            .handle_http_request(b"GET /rdr/pprdr.asp HTTP/1.1\r\nHost: 127.0.0.1:4000\r\n\r\n")
            .unwrap();
        assert_eq!(
            String::from_utf8(reply).unwrap(),
            "HTTP/1.1 200 OK\r\nPassportURLs: DARealm=Passport.Net,DALogin=127.0.0.1:4000/login2.srf,\
             DAReg=http://register.passport.net/uixpwiz.srf,Properties=https://register.passport.net/editprof.srf,\
             Privacy=http://www.passport.com/consumer/privacypolicy.asp,\
             GeneralRedir=http://nexusrdr.passport.com/redir.asp,\
             Help=http://memberservices.passport.net/memberservice.srf,ConfigVersion=11\r\n\
             Connection: close\r\nContent-Length: 0\r\n\r\n"
        );
    }

    #[test]
    fn login_accepts_the_t2_request_and_refuses_a_wrong_password() {
        let mut p = authority();
        let t2 = "GET /login2.srf HTTP/1.1\r\nAuthorization: Passport1.4 OrgVerb=GET,OrgURL=http%3A%2F%2Fmessenger%2Emsn%2Ecom,sign-in=example%40passport.com,pwd=password,lc=1033,id=507,tw=40,fs=1,ru=http%3A%2F%2Fmessenger%2Emsn%2Ecom,ct=1062764229,kpp=1,kv=5,ver=2.1.0173.1,tpf=43f8a4c8ed940c04e3740be46c4d1619\r\nHost: login.passport.com\r\n\r\n";
        let ok = String::from_utf8(p.handle_http_request(t2.as_bytes()).unwrap()).unwrap();
        assert!(ok.starts_with("HTTP/1.1 200 OK\r\nAuthentication-Info: Passport1.4 da-status=success,tname=MSPAuth,tname=MSPProf,tname=MSPSec,from-PP='t="), "{ok}");
        let ticket = ok.split("from-PP='").nth(1).unwrap().split('\'').next().unwrap();
        assert_eq!(p.verify(ticket).unwrap().as_str(), "example@passport.com");
        let bad = String::from_utf8(
            p.handle_http_request(t2.replace("pwd=password", "pwd=nope").as_bytes())
                .unwrap(),
        )
        .unwrap();
        assert_eq!(
            bad,
            "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Passport1.4 da-status=failed,srealm=Passport.NET,\
             ts=-3,prompt,cburl=http://messenger.msn.com,\
             cbtxt=The%20e-mail%20address%20or%20password%20is%20incorrect\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
        );
        assert!(!bad.contains("password,"));
    }

    #[test]
    fn requests_are_bounded_and_checked() {
        let mut p = authority();
        assert_eq!(p.handle_http_request(b"GET /rdr/pprdr.asp HTTP/1.1\r\n"), None);
        let huge = vec![b'a'; MAX_HTTP_REQUEST_LEN + 1];
        assert!(
            p.handle_http_request(&huge)
                .unwrap()
                .starts_with(b"HTTP/1.1 431 ")
        );
        assert!(
            p.handle_http_request(b"garbage\r\n\r\n")
                .unwrap()
                .starts_with(b"HTTP/1.1 400 ")
        );
        assert!(
            p.handle_http_request(b"POST /login2.srf HTTP/1.1\r\n\r\n")
                .unwrap()
                .starts_with(b"HTTP/1.1 405 ")
        );
        assert!(
            p.handle_http_request(b"GET /x HTTP/1.1\r\n\r\n")
                .unwrap()
                .starts_with(b"HTTP/1.1 404 ")
        );
        assert!(
            p.handle_http_request(b"GET /login2.srf HTTP/1.1\r\n\r\n")
                .unwrap()
                .starts_with(b"HTTP/1.1 401 ")
        );
    }

    #[test]
    fn old_tickets_expire_and_debug_hides_them() {
        let mut p = authority();
        let first = p.issue_ticket("example@passport.com").unwrap();
        for _ in 0..PassportAuthority::MAX_TICKETS {
            p.issue_ticket("example@passport.com").unwrap();
        }
        assert!(p.verify(first.expose()).is_none());
        assert!(!format!("{p:?}").contains("t="));
        assert!(p.issue_ticket("nobody@passport.com").is_none());
    }
}
