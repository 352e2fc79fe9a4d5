//! Passport inside the `Client`: the challenge becomes HTTP requests the caller
//! performs, and their answers (or failures, or silence) decide the session.

use std::time::{Duration, Instant};

use msnp::Secret;
use msnp::client::{Client, ClientConfig, ClientOutput, ConnId, HttpId};
use msnp::codec::Passport;
use msnp::passport::{HttpRequest, HttpResponse};
use msnp::testing::loopback::passport_answer;

const ME: &str = "bot@example.com";
const TICKET: &str = "t=passport.ticket&p=passport.profile";

struct Session {
    client: Client,
    now: Instant,
    ns: ConnId,
    requests: Vec<(HttpId, HttpRequest)>,
    sent: Vec<String>,
    events: Vec<String>,
}

impl Session {
    /// A client that has just been challenged by the notification server.
    fn challenged(config: ClientConfig) -> Session {
        let now = Instant::now();
        let mut client = Client::new(
            config,
            Passport::try_from(ME).unwrap(),
            Secret::new("pass word".to_owned()),
            now,
        );
        let ClientOutput::Connect { conn: ns, .. } = client.poll_output() else {
            panic!("the first output connects")
        };
        client.handle_connected(ns, now);
        let mut s = Session {
            client,
            now,
            ns,
            requests: Vec::new(),
            sent: Vec::new(),
            events: Vec::new(),
        };
        s.input("VER 1 MSNP8 CVR0\r\n");
        s.input("CVR 2 1.0.0000 1.0.0000 1.0.0000 http://x http://y\r\n");
        s.input("USR 3 TWN S lc=1033,id=507\r\n");
        s.sent.clear();
        s
    }

    fn input(&mut self, line: &str) {
        self.client.handle_input(self.ns, self.now, line.as_bytes());
        self.drain();
    }

    fn drain(&mut self) {
        loop {
            match self.client.poll_output() {
                ClientOutput::Transmit { bytes, .. } => {
                    self.sent.push(String::from_utf8(bytes.to_vec()).unwrap())
                }
                ClientOutput::HttpRequest { id, request } => self.requests.push((id, request)),
                ClientOutput::Event(event) => self.events.push(format!("{event:?}")),
                ClientOutput::Idle { .. } => return,
                _ => {}
            }
        }
    }

    fn request(&mut self) -> (HttpId, HttpRequest) {
        assert_eq!(self.requests.len(), 1, "{:?}", self.requests);
        self.requests.remove(0)
    }

    fn answer(&mut self, id: HttpId, response: HttpResponse) {
        self.client.handle_http_response(self.now, id, response);
        self.drain();
    }
}

fn bytes(request: &HttpRequest) -> String {
    let mut out = Vec::new();
    request.encode(&mut out);
    String::from_utf8(out).unwrap()
}

#[test]
fn the_challenge_becomes_two_requests_and_the_ticket_goes_to_the_server() {
    let mut s = Session::challenged(ClientConfig::default());
    let (id, nexus) = s.request();
    assert_eq!(
        bytes(&nexus),
        "GET /rdr/pprdr.asp HTTP/1.1\r\nHost: nexus.passport.com\r\n\r\n"
    );
    s.answer(id, passport_answer(&nexus, TICKET));
    let (id, login) = s.request();
    assert_eq!(login.url(), "https://nexus.passport.com/login2.srf");
    assert_eq!(
        login.header("Authorization"),
        Some(
            "Passport1.4 OrgVerb=GET,OrgURL=http%3A%2F%2Fmessenger%2Emsn%2Ecom,sign-in=bot%40example.com,pwd=pass%20word,lc=1033,id=507"
        )
    );
    assert!(s.sent.is_empty());
    s.answer(id, passport_answer(&login, TICKET));
    assert_eq!(s.sent, [format!("USR 4 TWN S {TICKET}\r\n")]);
    assert_eq!(
        s.client.passport_dalogin(),
        Some("https://nexus.passport.com/login2.srf")
    );
    assert!(s.events.is_empty(), "{:?}", s.events);
}

#[test]
fn a_known_login_server_skips_the_nexus() {
    let mut config = ClientConfig::default();
    config.passport.dalogin = Some("login.example.net/login2.srf".to_owned());
    let mut s = Session::challenged(config);
    let (id, login) = s.request();
    assert_eq!(login.url(), "https://login.example.net/login2.srf");
    s.answer(id, passport_answer(&login, TICKET));
    assert_eq!(s.sent, [format!("USR 4 TWN S {TICKET}\r\n")]);
}

#[test]
fn an_unreachable_cached_login_server_is_asked_of_the_nexus_again() {
    let mut config = ClientConfig::default();
    config.passport.dalogin = Some("https://gone.example.net/login2.srf".to_owned());
    let mut s = Session::challenged(config);
    let (id, _) = s.request();
    s.client
        .handle_http_failed(s.now, id, "connection refused".to_owned());
    s.drain();
    let (id, nexus) = s.request();
    assert_eq!(nexus.url(), "https://nexus.passport.com/rdr/pprdr.asp");
    assert_eq!(s.client.passport_dalogin(), None);
    s.answer(id, passport_answer(&nexus, TICKET));
    let (id, login) = s.request();
    s.answer(id, passport_answer(&login, TICKET));
    assert_eq!(s.sent, [format!("USR 4 TWN S {TICKET}\r\n")]);
}

#[test]
fn an_unreachable_nexus_ends_the_session_in_the_transports_words() {
    let mut s = Session::challenged(ClientConfig::default());
    let (id, _) = s.request();
    s.client
        .handle_http_failed(s.now, id, "connection refused".to_owned());
    s.drain();
    assert_eq!(s.sent, ["OUT\r\n"]);
    assert_eq!(
        s.events,
        [r#"SessionEnded { reason: Passport(Unreachable { reason: "connection refused" }) }"#]
    );
    assert!(s.client.is_closed());
}

#[test]
fn a_silent_passport_ends_the_session_at_the_configured_deadline() {
    let mut config = ClientConfig::default();
    config.passport_timeout = Duration::from_secs(5);
    let mut s = Session::challenged(config);
    let (id, _) = s.request();
    let ClientOutput::Idle { next_timeout } = s.client.poll_output() else {
        panic!("idle while the request is out")
    };
    assert_eq!(next_timeout, Some(s.now + Duration::from_secs(5)));
    s.now += Duration::from_secs(4);
    s.client.handle_timeout(s.now);
    s.drain();
    assert!(s.events.is_empty());
    s.now += Duration::from_secs(1);
    s.client.handle_timeout(s.now);
    s.drain();
    assert_eq!(s.events, [r#"SessionEnded { reason: Passport(TimedOut) }"#]);
    // The answer that comes too late is ignored.
    s.events.clear();
    s.answer(id, HttpResponse::new(200));
    assert!(s.events.is_empty() && s.requests.is_empty());
}

#[test]
fn a_stale_or_unknown_id_is_ignored() {
    let mut s = Session::challenged(ClientConfig::default());
    let (first, nexus) = s.request();
    s.answer(first, passport_answer(&nexus, TICKET));
    let (second, login) = s.request();
    // The nexus's id again, and a failure under it: nothing happens.
    s.answer(first, passport_answer(&login, TICKET));
    s.client.handle_http_failed(s.now, first, "late".to_owned());
    s.drain();
    assert!(s.sent.is_empty() && s.events.is_empty() && s.requests.is_empty());
    s.answer(second, passport_answer(&login, TICKET));
    assert_eq!(s.sent, [format!("USR 4 TWN S {TICKET}\r\n")]);
}

#[test]
fn refused_credentials_end_the_session_with_passports_words() {
    let mut s = Session::challenged(ClientConfig::default());
    let (id, nexus) = s.request();
    s.answer(id, passport_answer(&nexus, TICKET));
    let (id, _) = s.request();
    s.answer(
        id,
        HttpResponse::new(401).with_header("WWW-Authenticate", "Passport1.4 da-status=failed"),
    );
    assert_eq!(s.sent, ["OUT\r\n"]);
    assert_eq!(
        s.events,
        [r#"SessionEnded { reason: Passport(CredentialsRejected { message: None }) }"#]
    );
}

#[test]
fn plain_http_without_the_opt_in_ends_the_session_before_any_request() {
    let mut config = ClientConfig::default();
    config.passport.nexus_url = "http://127.0.0.1:8080/rdr/pprdr.asp".to_owned();
    let s = Session::challenged(config);
    assert!(s.requests.is_empty());
    assert_eq!(
        s.events,
        [
            r#"SessionEnded { reason: Passport(Failed { reason: "refusing plain HTTP to \"http://127.0.0.1:8080/rdr/pprdr.asp\", named by the configuration: allow_http is not set" }) }"#
        ]
    );
}

#[test]
fn the_login_server_learned_in_one_session_starts_the_next() {
    let mut first = Session::challenged(ClientConfig::default());
    let (id, nexus) = first.request();
    first.answer(id, passport_answer(&nexus, TICKET));
    let (id, login) = first.request();
    first.answer(id, passport_answer(&login, TICKET));
    let learned = first.client.passport_dalogin().map(str::to_owned);
    assert_eq!(learned.as_deref(), Some("https://nexus.passport.com/login2.srf"));

    let mut config = ClientConfig::default();
    config.passport.dalogin = learned;
    let mut second = Session::challenged(config);
    let (id, login) = second.request();
    assert_eq!(login.url(), "https://nexus.passport.com/login2.srf");
    second.answer(id, passport_answer(&login, TICKET));
    assert_eq!(second.sent, [format!("USR 4 TWN S {TICKET}\r\n")]);
}
