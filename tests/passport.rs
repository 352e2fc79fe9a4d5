//! Passport 1.4 login: transcript T2 of the reference, every error, and the secrecy of the
//! password and the ticket.

use std::collections::VecDeque;

use msnp::Secret;
use msnp::fuzzing::passport::passport_response as fuzz_passport_response;
use msnp::passport::{
    HttpRequest, HttpResponse, PassportConfig, PassportError, PassportFlow, PassportTransport, Stage, Step,
    UrlSource, authenticate,
};
use proptest::prelude::*;

// Transcript T2 [reference §12], byte for byte; the account is example@passport.com and the
// password `password`.
const CHALLENGE: &str = "lc=1033,id=507,tw=40,fs=1,ru=http%3A%2F%2Fmessenger%2Emsn%2Ecom,ct=1062764229,kpp=1,kv=5,ver=2.1.0173.1,tpf=43f8a4c8ed940c04e3740be46c4d1619";
const C_NEXUS: &str = "GET /rdr/pprdr.asp HTTP/1.1\r\nHost: nexus.passport.com\r\n\r\n";
const S_NEXUS: &str = "HTTP/1.1 200 OK\r\nServer: Microsoft-IIS/5.0\r\nDate: Mon, 02 Jun 2003 11:57:47 GMT\r\nConnection: close\r\nPassportURLs: DARealm=Passport.Net,DALogin=login.passport.com/login2.srf,DAReg=http://register.passport.net/uixpwiz.srf,Properties=https://register.passport.net/editprof.srf,Privacy=http://www.passport.com/consumer/privacypolicy.asp,GeneralRedir=http://nexusrdr.passport.com/redir.asp,Help=http://memberservices.passport.net/memberservice.srf,ConfigVersion=11\r\nContent-Length: 0\r\nContent-Type: text/html\r\nCache-control: private\r\n\r\n";
const AUTHORIZATION: &str = "Passport1.4 OrgVerb=GET,OrgURL=http%3A%2F%2Fmessenger%2Emsn%2Ecom,sign-in=example%40passport.com,pwd=password,lc=1033,id=507,tw=40,fs=1,ru=http%3A%2F%2Fmessenger%2Emsn%2Ecom,ct=1062764229,kpp=1,kv=5,ver=2.1.0173.1,tpf=43f8a4c8ed940c04e3740be46c4d1619";
const C_LOGIN: &str = "GET /login2.srf HTTP/1.1\r\nAuthorization: Passport1.4 OrgVerb=GET,OrgURL=http%3A%2F%2Fmessenger%2Emsn%2Ecom,sign-in=example%40passport.com,pwd=password,lc=1033,id=507,tw=40,fs=1,ru=http%3A%2F%2Fmessenger%2Emsn%2Ecom,ct=1062764229,kpp=1,kv=5,ver=2.1.0173.1,tpf=43f8a4c8ed940c04e3740be46c4d1619\r\nHost: login.passport.com\r\n\r\n";
const S_REDIRECT: &str = "HTTP/1.1 302 Found\r\nLocation: https://loginnet.passport.com/login2.srf?lc=1033\r\nAuthentication-Info: Passport1.4 da-status=redir\r\nContent-Length: 0\r\n\r\n";
const C_LOGIN_REDIRECTED: &str = "GET /login2.srf?lc=1033 HTTP/1.1\r\nAuthorization: Passport1.4 OrgVerb=GET,OrgURL=http%3A%2F%2Fmessenger%2Emsn%2Ecom,sign-in=example%40passport.com,pwd=password,lc=1033,id=507,tw=40,fs=1,ru=http%3A%2F%2Fmessenger%2Emsn%2Ecom,ct=1062764229,kpp=1,kv=5,ver=2.1.0173.1,tpf=43f8a4c8ed940c04e3740be46c4d1619\r\nHost: loginnet.passport.com\r\n\r\n";
const S_SUCCESS: &str = "HTTP/1.1 200 OK\r\nAuthentication-Info: Passport1.4 da-status=success,tname=MSPAuth,tname=MSPProf,tname=MSPSec,from-PP='t=53*1hAu8ADuD3TEwdXoOMi08sD*2!cMrntTwVMTjoB3p6stWTqzbkKZPVQzA5NOt19SLI60PY!b8K4YhC!Ooo5ug$$&p=5eKBBC!yBH6ex5mftp!a9DrSb0B3hU8aqAWpaPn07iCGBw5akemiWSd7t2ot!okPvIR!Wqk!MKvi1IMpxfhkao9wpxlMWYAZ!DqRfACmyQGG112Bp9xrk04!BVBUa9*H9mJLoWw39m63YQRE1yHnYNv08nyz43D3OnMcaCoeSaEHVM7LpR*LWDme29qq2X3j8N',ru=http://messenger.msn.com\r\nContent-Length: 0\r\n\r\n";
const TICKET: &str = "t=53*1hAu8ADuD3TEwdXoOMi08sD*2!cMrntTwVMTjoB3p6stWTqzbkKZPVQzA5NOt19SLI60PY!b8K4YhC!Ooo5ug$$&p=5eKBBC!yBH6ex5mftp!a9DrSb0B3hU8aqAWpaPn07iCGBw5akemiWSd7t2ot!okPvIR!Wqk!MKvi1IMpxfhkao9wpxlMWYAZ!DqRfACmyQGG112Bp9xrk04!BVBUa9*H9mJLoWw39m63YQRE1yHnYNv08nyz43D3OnMcaCoeSaEHVM7LpR*LWDme29qq2X3j8N";
const S_FAILURE: &str = "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Passport1.4 da-status=failed,srealm=Passport.NET,ts=-3,prompt,cburl=http://host.com,cbtxt=the%20error%20message\r\nContent-Type: text/html\r\n\r\n";

const ACCOUNT: &str = "example@passport.com";

fn password() -> Secret<String> {
    Secret::new("password".to_owned())
}

fn response(head: &str) -> HttpResponse {
    HttpResponse::parse_head(head.as_bytes()).expect("a valid response head")
}

fn bytes(request: &HttpRequest) -> String {
    let mut out = Vec::new();
    request.encode(&mut out);
    String::from_utf8(out).expect("requests are UTF-8")
}

fn start(config: &PassportConfig) -> PassportFlow {
    PassportFlow::new(config, CHALLENGE, ACCOUNT, &password()).expect("a valid start")
}

fn with_dalogin(url: &str) -> PassportConfig {
    let mut config = PassportConfig::default();
    config.dalogin = Some(url.to_owned());
    config
}

/// A flow waiting for the login server's answer, the nexus skipped.
fn at_login() -> PassportFlow {
    start(&with_dalogin("login.passport.com/login2.srf"))
}

/// Feeds a response that the flow must answer with another request.
fn go_on(flow: PassportFlow, response: HttpResponse) -> PassportFlow {
    match flow.handle_response(response) {
        Ok(Step::Continue(flow)) => flow,
        other => panic!("expected another request, got {other:?}"),
    }
}

/// Feeds a response that must end the flow with an error.
fn fail(flow: PassportFlow, response: HttpResponse) -> PassportError {
    match flow.handle_response(response) {
        Err(error) => error,
        Ok(step) => panic!("expected an error, got {step:?}"),
    }
}

fn success_with(info: &str) -> HttpResponse {
    HttpResponse::new(200).with_header("Authentication-Info", info)
}

#[test]
fn t2_nexus_redirect_success() {
    let flow = start(&PassportConfig::default());
    assert_eq!(bytes(flow.request()), C_NEXUS);
    assert_eq!(flow.dalogin_url(), None);

    let flow = go_on(flow, response(S_NEXUS));
    assert_eq!(bytes(flow.request()), C_LOGIN);
    assert_eq!(flow.request().header("authorization"), Some(AUTHORIZATION));
    assert_eq!(flow.request().method(), "GET");
    assert_eq!(flow.request().url(), "https://login.passport.com/login2.srf");
    let dalogin = Some("https://login.passport.com/login2.srf");
    assert_eq!(flow.dalogin_url(), dalogin);

    let flow = go_on(flow, response(S_REDIRECT));
    assert_eq!(bytes(flow.request()), C_LOGIN_REDIRECTED);
    assert_eq!(flow.request().host(), "loginnet.passport.com");
    assert_eq!(flow.request().path(), "/login2.srf?lc=1033");
    // A redirect does not change the login server to remember.
    assert_eq!(flow.dalogin_url(), dalogin);

    match flow.handle_response(response(S_SUCCESS)) {
        Ok(Step::Done(ticket)) => assert_eq!(ticket.expose(), TICKET),
        other => panic!("expected the ticket, got {other:?}"),
    }
}

#[test]
fn t2_failure_variant() {
    let flow = go_on(start(&PassportConfig::default()), response(S_NEXUS));
    let error = fail(flow, response(S_FAILURE));
    assert!(
        matches!(
            &error,
            PassportError::CredentialsRejected { message: Some(m), no_retry: false }
                if m == "the error message"
        ),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "Passport refused the credentials: \"the error message\""
    );
}

#[test]
fn failed_noretry_without_message() {
    let refusal = HttpResponse::new(401).with_header(
        "www-authenticate",
        "Passport1.4 da-status=failed-noretry,srealm=Passport.NET",
    );
    assert!(matches!(
        fail(at_login(), refusal),
        PassportError::CredentialsRejected {
            message: None,
            no_retry: true
        }
    ));
}

#[test]
fn refusal_needs_a_well_formed_www_authenticate() {
    let header = "WWW-Authenticate";
    assert!(matches!(
        fail(at_login(), HttpResponse::new(401)),
        PassportError::MissingHeader {
            header: "WWW-Authenticate"
        }
    ));
    for value in ["Passport1.4 da-status=redir", "Basic realm=x"] {
        let refusal = HttpResponse::new(401).with_header(header, value);
        assert!(
            matches!(
                fail(at_login(), refusal),
                PassportError::MalformedHeader {
                    header: "WWW-Authenticate",
                    ..
                }
            ),
            "{value}"
        );
    }
    let refusal = HttpResponse::new(401).with_header(header, "Passport1.4 ts=-3");
    assert!(matches!(
        fail(at_login(), refusal),
        PassportError::MissingField {
            header: "WWW-Authenticate",
            field: "da-status"
        }
    ));
}

#[test]
fn nexus_unavailable() {
    let error = fail(start(&PassportConfig::default()), HttpResponse::new(503));
    assert!(matches!(
        error,
        PassportError::UnexpectedStatus {
            stage: Stage::Nexus,
            status: 503
        }
    ));
    assert_eq!(error.to_string(), "the nexus answered HTTP status 503");
}

#[test]
fn login_server_error_status() {
    assert!(matches!(
        fail(at_login(), HttpResponse::new(500)),
        PassportError::UnexpectedStatus {
            stage: Stage::Login,
            status: 500
        }
    ));
}

#[test]
fn nexus_without_passport_urls() {
    let bare = HttpResponse::new(200).with_header("Content-Length", "0");
    assert!(matches!(
        fail(start(&PassportConfig::default()), bare),
        PassportError::MissingHeader {
            header: "PassportURLs"
        }
    ));
}

#[test]
fn nexus_without_dalogin() {
    for urls in [
        "DARealm=Passport.Net,DAReg=http://register.passport.net/uixpwiz.srf",
        "DARealm=Passport.Net,DALogin=,ConfigVersion=11",
        "DALogin",
    ] {
        let reply = HttpResponse::new(200).with_header("PassportURLs", urls);
        assert!(
            matches!(
                fail(start(&PassportConfig::default()), reply),
                PassportError::MissingField {
                    header: "PassportURLs",
                    field: "DALogin"
                }
            ),
            "{urls}"
        );
    }
}

#[test]
fn dalogin_may_carry_a_scheme_and_names_are_case_insensitive() {
    let reply = HttpResponse::new(200).with_header(
        "passporturls",
        "darealm=Passport.Net,dalogin=HTTPS://login.example.net:8443/login2.srf",
    );
    let flow = go_on(start(&PassportConfig::default()), reply);
    assert_eq!(flow.request().url(), "https://login.example.net:8443/login2.srf");
    assert_eq!(flow.request().header("HOST"), Some("login.example.net:8443"));
}

#[test]
fn malformed_authentication_info() {
    for (info, reason) in [
        ("da-status=success,from-PP='t=1&p=2'", "does not start"),
        ("Passport1.4 da-status=success,from-PP='t=1&p=2", "not closed"),
        (
            "Passport1.4 da-status=success,from-PP='t=1'&p=2",
            "follows a single-quoted",
        ),
        ("Passport1.4 da-status=failed,from-PP='t=1&p=2'", "not success"),
        (
            "Passport1.4 da-status=success,from-PP=t=1&p=2",
            "not single-quoted",
        ),
        ("Passport1.4 da-status=success,from-PP=''", "is empty or holds"),
        (
            "Passport1.4 da-status=success,from-PP='t=1 p=2'",
            "is empty or holds",
        ),
        (
            "Passport1.4 da-status=success,from-PP='t=1\rp=2'",
            "is empty or holds",
        ),
    ] {
        match fail(at_login(), success_with(info)) {
            PassportError::MalformedHeader {
                header: "Authentication-Info",
                reason: why,
            } => {
                assert!(why.contains(reason), "{info}: {why}")
            }
            other => panic!("{info}: {other:?}"),
        }
    }
}

#[test]
fn success_needs_the_header_its_status_and_the_ticket() {
    assert!(matches!(
        fail(at_login(), HttpResponse::new(200)),
        PassportError::MissingHeader {
            header: "Authentication-Info"
        }
    ));
    let no_ticket = "Passport1.4 da-status=success,tname=MSPAuth,ru=http://messenger.msn.com";
    assert!(matches!(
        fail(at_login(), success_with(no_ticket)),
        PassportError::MissingField {
            header: "Authentication-Info",
            field: "from-PP"
        }
    ));
    assert!(matches!(
        fail(at_login(), success_with("Passport1.4 from-PP='t=1&p=2'")),
        PassportError::MissingField {
            header: "Authentication-Info",
            field: "da-status"
        }
    ));
}

#[test]
fn opaque_ticket_passes_through_unchanged() {
    let info = "Passport1.4 da-status=success,from-PP='opaque,token=with!$*&=signs'";
    match at_login().handle_response(success_with(info)) {
        Ok(Step::Done(ticket)) => assert_eq!(ticket.expose(), "opaque,token=with!$*&=signs"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn redirect_limit() {
    let mut config = with_dalogin("login.passport.com/login2.srf");
    config.max_redirects = 2;
    let twice = || go_on(go_on(start(&config), response(S_REDIRECT)), response(S_REDIRECT));

    let flow = twice();
    assert_eq!(bytes(flow.request()), C_LOGIN_REDIRECTED);
    assert!(matches!(
        fail(flow, response(S_REDIRECT)),
        PassportError::TooManyRedirects { limit: 2 }
    ));
    assert!(matches!(
        twice().handle_response(response(S_SUCCESS)),
        Ok(Step::Done(_))
    ));
}

#[test]
fn redirect_without_location() {
    let redirect = HttpResponse::new(302).with_header("Authentication-Info", "Passport1.4 da-status=redir");
    assert!(matches!(
        fail(at_login(), redirect),
        PassportError::MissingHeader { header: "Location" }
    ));
}

#[test]
fn relative_location_stays_on_the_same_server() {
    let redirect = HttpResponse::new(302).with_header("Location", "/login3.srf?x=http://y#frag");
    let flow = go_on(at_login(), redirect);
    assert_eq!(
        flow.request().url(),
        "https://login.passport.com/login3.srf?x=http://y"
    );
}

#[test]
fn plain_http_is_refused_by_default() {
    let mut config = PassportConfig::default();
    config.nexus_url = "http://nexus.passport.com/rdr/pprdr.asp".to_owned();
    for config in [config, with_dalogin("http://login.passport.com/login2.srf")] {
        assert!(matches!(
            PassportFlow::new(&config, CHALLENGE, ACCOUNT, &password()),
            Err(PassportError::InsecureUrl { .. })
        ));
    }

    let nexus =
        HttpResponse::new(200).with_header("PassportURLs", "DALogin=http://login.passport.com/login2.srf");
    let error = fail(start(&PassportConfig::default()), nexus);
    assert!(
        matches!(&error, PassportError::InsecureUrl { url, named_by: UrlSource::Nexus, .. } if url == "http://login.passport.com/login2.srf"),
        "{error:?}"
    );

    let redirect = HttpResponse::new(302).with_header("Location", "HTTP://evil.example/");
    assert!(matches!(
        fail(at_login(), redirect),
        PassportError::InsecureUrl { .. }
    ));
}

#[test]
fn plain_http_is_allowed_for_loopback_tests_on_request() {
    let mut config = PassportConfig::default();
    config.nexus_url = "http://127.0.0.1:8080/rdr/pprdr.asp".to_owned();
    config.allow_http = true;
    let flow = start(&config);
    assert_eq!(
        bytes(flow.request()),
        "GET /rdr/pprdr.asp HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n"
    );
    let nexus = HttpResponse::new(200).with_header("PassportURLs", "DALogin=/login2.srf");
    let flow = go_on(flow, nexus);
    assert_eq!(flow.request().url(), "http://127.0.0.1:8080/login2.srf");
}

/// A config for a plain-HTTP loopback Passport at `127.0.0.1:8080`.
fn loopback() -> PassportConfig {
    let mut config = PassportConfig::default();
    config.nexus_url = "http://127.0.0.1:8080/rdr/pprdr.asp".to_owned();
    config.allow_http = true;
    config
}

fn nexus_naming(dalogin: &str) -> HttpResponse {
    HttpResponse::new(200).with_header("PassportURLs", format!("DARealm=Passport.Net,DALogin={dalogin}"))
}

fn redirect_to(location: &str) -> HttpResponse {
    HttpResponse::new(302).with_header("Location", location)
}

#[test]
fn allow_http_covers_the_configured_origin_only() {
    // The loopback server names itself, with the scheme: that origin was configured.
    let flow = go_on(
        start(&loopback()),
        nexus_naming("http://127.0.0.1:8080/login2.srf"),
    );
    assert_eq!(flow.request().url(), "http://127.0.0.1:8080/login2.srf");
    assert_eq!(flow.request().header("Authorization"), Some(AUTHORIZATION));
    // And may redirect within it.
    let flow = go_on(flow, redirect_to("http://127.0.0.1:8080/elsewhere.srf"));
    assert_eq!(flow.request().url(), "http://127.0.0.1:8080/elsewhere.srf");

    // Another host, another port or the default port of a host is another origin.
    for dalogin in [
        "http://evil.example/login2.srf",
        "http://127.0.0.1:8081/login2.srf",
        "http://127.0.0.1/login2.srf",
    ] {
        let error = fail(start(&loopback()), nexus_naming(dalogin));
        assert!(
            matches!(&error, PassportError::InsecureUrl { url, named_by: UrlSource::Nexus, .. } if url == dalogin),
            "{dalogin}: {error:?}"
        );
        assert_eq!(
            error.to_string(),
            format!(
                "refusing plain HTTP to {dalogin:?}, named by the nexus's DALogin: allow_http covers only \
                 the origins of the configured nexus and login server"
            )
        );
    }
    let at_loopback_login = || go_on(start(&loopback()), nexus_naming("/login2.srf"));
    let error = fail(at_loopback_login(), redirect_to("http://evil.example/login2.srf"));
    assert!(
        matches!(
            error,
            PassportError::InsecureUrl {
                named_by: UrlSource::Redirect,
                ..
            }
        ),
        "{error:?}"
    );
    // Upgrading to https is fine, wherever it goes.
    let flow = go_on(
        at_loopback_login(),
        redirect_to("https://login.example.net/login2.srf"),
    );
    assert_eq!(flow.request().url(), "https://login.example.net/login2.srf");
}

#[test]
fn a_configured_login_server_is_trusted_over_http_too() {
    let mut config = loopback();
    config.dalogin = Some("http://127.0.0.1:4000/login2.srf".to_owned());
    let flow = go_on(start(&config), redirect_to("http://127.0.0.1:4000/again.srf"));
    assert_eq!(flow.request().url(), "http://127.0.0.1:4000/again.srf");
    // The configured nexus's origin is trusted as well, even when the nexus is skipped.
    let flow = go_on(start(&config), redirect_to("http://127.0.0.1:8080/login2.srf"));
    assert_eq!(flow.request().url(), "http://127.0.0.1:8080/login2.srf");
}

#[test]
fn https_is_never_downgraded() {
    // Even to an origin the caller allowed plain HTTP for.
    let mut config = loopback();
    config.dalogin = Some("https://127.0.0.1:8443/login2.srf".to_owned());
    let error = fail(start(&config), redirect_to("http://127.0.0.1:8080/login2.srf"));
    assert!(
        matches!(
            &error,
            PassportError::InsecureUrl {
                named_by: UrlSource::Redirect,
                reason,
                ..
            } if reason.contains("downgrade")
        ),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "refusing plain HTTP to \"http://127.0.0.1:8080/login2.srf\", named by the login server's \
         redirect: a URL from the network may not downgrade https to http"
    );

    // An https nexus cannot name a plain-HTTP login server either.
    let mut config = loopback();
    config.nexus_url = "https://127.0.0.1:8080/rdr/pprdr.asp".to_owned();
    let error = fail(start(&config), nexus_naming("http://127.0.0.1:8080/login2.srf"));
    assert!(
        matches!(&error, PassportError::InsecureUrl { reason, .. } if reason.contains("downgrade")),
        "{error:?}"
    );

    // Without allow_http, the reason says so.
    let error = fail(at_login(), redirect_to("http://login.passport.com/login2.srf"));
    assert_eq!(
        error.to_string(),
        "refusing plain HTTP to \"http://login.passport.com/login2.srf\", named by the login \
         server's redirect: allow_http is not set"
    );
}

#[test]
fn a_dalogin_that_is_no_host_is_refused_and_not_cached() {
    let mut http = ScriptedHttp::default();
    http.responses.extend([Ok(
        "HTTP/1.1 200 OK\r\nPassportURLs: DARealm=Passport.Net,DALogin=javascript:alert(1)\r\n\r\n",
    )]);
    let mut config = PassportConfig::default();
    let error = authenticate(&mut http, &mut config, CHALLENGE, ACCOUNT, &password()).unwrap_err();
    assert!(
        matches!(
            &error,
            PassportError::InvalidUrl { url, named_by: UrlSource::Nexus, reason }
                if url == "javascript:alert(1)" && reason.contains("port")
        ),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "invalid URL \"javascript:alert(1)\", named by the nexus's DALogin: the port is not a \
         number from 1 to 65535"
    );
    assert_eq!(config.dalogin, None);
    assert_eq!(http.requested, ["https://nexus.passport.com/rdr/pprdr.asp"]);
}

#[test]
fn hosts_and_ports_are_checked() {
    for (url, reason) in [
        ("https://-login.example/", "neither a DNS name"),
        ("https://login-.example/", "neither a DNS name"),
        ("https://login..example/", "neither a DNS name"),
        ("https://login.example./", "neither a DNS name"),
        ("https://log_in.example/", "neither a DNS name"),
        ("https://login.example%2F/", "neither a DNS name"),
        ("https://a:b:c/", "port"),
        ("https://login.example:/", "port"),
        ("https://login.example:0/", "port"),
        ("https://login.example:65536/", "port"),
        ("https://login.example:+443/", "port"),
        ("https://login.example:000443/", "port"),
        ("https://[::1/", "closing ]"),
        ("https://[not:v6]/", "IPv6"),
        ("https://[::1]x/", "follows the IPv6"),
        ("javascript:alert(1)", "port"),
        ("data:text/html,x", "port"),
        ("mailto:a@b.c", "user information"),
        ("file:///etc/passwd", "neither https nor http"),
        ("//login.example/", "no host"),
    ] {
        match PassportFlow::new(&with_dalogin(url), CHALLENGE, ACCOUNT, &password()) {
            Err(PassportError::InvalidUrl {
                named_by: UrlSource::Config,
                reason: why,
                ..
            }) => assert!(why.contains(reason), "{url}: {why}"),
            other => panic!("{url}: {other:?}"),
        }
    }
    let long = format!("{}.example", "a".repeat(64));
    assert!(matches!(
        PassportFlow::new(&with_dalogin(&long), CHALLENGE, ACCOUNT, &password()),
        Err(PassportError::InvalidUrl { .. })
    ));
    for (url, host, full) in [
        ("https://[::1]:8443/x", "[::1]:8443", "https://[::1]:8443/x"),
        ("https://[::1]/x", "[::1]", "https://[::1]/x"),
        (
            "LOGIN.Example.NET:443/x",
            "login.example.net:443",
            "https://login.example.net:443/x",
        ),
        (
            "https://127.0.0.1:65535?q",
            "127.0.0.1:65535",
            "https://127.0.0.1:65535/?q",
        ),
    ] {
        let flow = start(&with_dalogin(url));
        assert_eq!(flow.request().host(), host, "{url}");
        assert_eq!(flow.request().url(), full, "{url}");
    }
}

#[test]
fn url_errors_show_no_user_information() {
    for url in [
        "https://account:hunter2@login.example/",
        "http://account:hunter2@127.0.0.1:8080/",
    ] {
        let error = fail(at_login(), redirect_to(url));
        let shown = format!("{error} {error:?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("account"),
            "{shown}"
        );
        assert!(shown.contains("<redacted>@"), "{shown}");
    }
    let long = format!("https://login.example/{}", "x".repeat(5000));
    let error = fail(at_login(), redirect_to(&format!("{long} ")));
    assert!(error.to_string().len() < 400, "{error}");
}

#[test]
fn other_schemes_and_bad_urls_are_refused() {
    for url in [
        "ftp://login.passport.com/login2.srf",
        "https:///login2.srf",
        "https://user@login.passport.com/",
        "https://login.passport.com/a b",
        "login.passport.com/\u{e9}",
    ] {
        assert!(
            matches!(
                PassportFlow::new(&with_dalogin(url), CHALLENGE, ACCOUNT, &password()),
                Err(PassportError::InvalidUrl { .. })
            ),
            "{url}"
        );
    }
}

#[test]
fn control_characters_from_the_network_are_refused() {
    for challenge in ["lc=1033\r\nX-Evil: 1", "lc=1033\0", "lc=1033\n", "lc=\u{7f}", ""] {
        assert!(
            matches!(
                PassportFlow::new(&PassportConfig::default(), challenge, ACCOUNT, &password()),
                Err(PassportError::InvalidChallenge { .. })
            ),
            "{challenge:?}"
        );
    }
    for location in [
        "https://loginnet.passport.com/login2.srf\r\nX-Evil: 1",
        "https://loginnet.passport.com/\0",
        "https://loginnet.passport.com/\n",
    ] {
        let redirect = HttpResponse::new(302).with_header("Location", location);
        let error = fail(at_login(), redirect);
        assert!(matches!(error, PassportError::InvalidUrl { .. }), "{location:?}");
        // Display quotes network text, so a CR LF in it cannot start a new log line.
        assert!(!error.to_string().contains(['\r', '\n']), "{error}");
    }
    let nexus = HttpResponse::new(200).with_header("PassportURLs", "DALogin=login.passport.com/\r\nx");
    assert!(matches!(
        fail(start(&PassportConfig::default()), nexus),
        PassportError::InvalidUrl { .. }
    ));
}

#[test]
fn credentials_are_percent_encoded() {
    let password = Secret::new("p,w d%\u{e9}'\r\n\0~-_.".to_owned());
    let config = with_dalogin("login.passport.com/login2.srf");
    let flow = PassportFlow::new(&config, "lc=1033", "a+b@x.y", &password).unwrap();
    assert_eq!(
        flow.request().header("Authorization"),
        Some(concat!(
            "Passport1.4 OrgVerb=GET,OrgURL=http%3A%2F%2Fmessenger%2Emsn%2Ecom,",
            "sign-in=a%2Bb%40x.y,pwd=p%2Cw%20d%25%C3%A9%27%0D%0A%00~-_.,lc=1033"
        ))
    );
}

#[test]
fn client_headers_are_opt_in() {
    let mut config = with_dalogin("login.passport.com/login2.srf");
    config.client_headers = true;
    let flow = start(&config);
    let names: Vec<_> = flow.request().headers().map(|(name, _)| name).collect();
    assert_eq!(
        names,
        [
            "Authorization",
            "Host",
            "User-Agent",
            "Connection",
            "Cache-Control"
        ]
    );
    assert_eq!(flow.request().header("user-agent"), Some("MSMSGS"));
    assert_eq!(flow.request().header("connection"), Some("Keep-Alive"));
    // Redirected requests carry them too.
    let flow = go_on(flow, response(S_REDIRECT));
    assert_eq!(flow.request().header("Cache-Control"), Some("no-cache"));
    assert_eq!(flow.request().header("Authorization"), Some(AUTHORIZATION));
}

#[test]
fn cached_dalogin_skips_the_nexus() {
    let flow = at_login();
    assert_eq!(bytes(flow.request()), C_LOGIN);
    assert_eq!(flow.dalogin_url(), Some("https://login.passport.com/login2.srf"));
}

/// Answers from a script of responses and records the URLs requested.
#[derive(Default)]
struct ScriptedHttp {
    responses: VecDeque<Result<&'static str, std::io::Error>>,
    requested: Vec<String>,
}

impl PassportTransport for ScriptedHttp {
    type Error = std::io::Error;

    fn get(&mut self, request: &HttpRequest) -> Result<HttpResponse, Self::Error> {
        self.requested.push(request.url().to_owned());
        let next = self.responses.pop_front().expect("a scripted response");
        next.map(response)
    }
}

#[test]
fn authenticate_runs_t2_and_remembers_dalogin() {
    let mut http = ScriptedHttp::default();
    http.responses
        .extend([Ok(S_NEXUS), Ok(S_REDIRECT), Ok(S_SUCCESS)]);
    let mut config = PassportConfig::default();
    let ticket = authenticate(&mut http, &mut config, CHALLENGE, ACCOUNT, &password()).unwrap();
    assert_eq!(ticket.expose(), TICKET);
    assert_eq!(
        http.requested,
        [
            "https://nexus.passport.com/rdr/pprdr.asp",
            "https://login.passport.com/login2.srf",
            "https://loginnet.passport.com/login2.srf?lc=1033",
        ]
    );
    assert_eq!(
        config.dalogin.as_deref(),
        Some("https://login.passport.com/login2.srf")
    );

    // The next login goes straight to the remembered login server.
    let mut http = ScriptedHttp::default();
    http.responses.extend([Ok(S_FAILURE)]);
    let error = authenticate(&mut http, &mut config, CHALLENGE, ACCOUNT, &password()).unwrap_err();
    assert!(matches!(error, PassportError::CredentialsRejected { .. }));
    assert_eq!(http.requested, ["https://login.passport.com/login2.srf"]);
}

#[test]
fn authenticate_reports_transport_errors_with_their_source() {
    let mut http = ScriptedHttp::default();
    let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
    http.responses.extend([Err(refused)]);
    let mut config = PassportConfig::default();
    let error = authenticate(&mut http, &mut config, CHALLENGE, ACCOUNT, &password()).unwrap_err();
    let PassportError::Transport(source) = &error else {
        panic!("{error:?}");
    };
    let io = source.downcast_ref::<std::io::Error>().expect("the io::Error");
    assert_eq!(io.kind(), std::io::ErrorKind::ConnectionRefused);
    assert!(std::error::Error::source(&error).is_some());
    assert_eq!(config.dalogin, None);
}

#[test]
fn response_heads() {
    let head = HttpResponse::parse_head(b"HTTP/1.0 200 OK\nX: 1\nY:2  \n\nbody").unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(head.header("y"), Some("2"));
    assert_eq!(head.headers().count(), 2);
    for (bad, reason) in [
        (&b"HTTP/2 200 OK\r\n\r\n"[..], "does not start"),
        (b"HTTP/1.1 20 OK\r\n\r\n", "three digits"),
        (b"HTTP/1.1 2000\r\n\r\n", "three digits"),
        (b"HTTP/1.1 200 OK\r\nNoColon\r\n\r\n", "no colon"),
        (b"HTTP/1.1 200 OK\r\nA: 1\r\n folded\r\n\r\n", "folded"),
        (b"HTTP/1.1 200 OK\r\nA: 1\r\n", "no empty line"),
        (b"HTTP/1.1 200 OK\r\nA: \xff\r\n\r\n", "UTF-8"),
        (b"", "does not start"),
    ] {
        match HttpResponse::parse_head(bad) {
            Err(PassportError::MalformedResponse { reason: why }) => {
                assert!(why.contains(reason), "{bad:?}: {why}")
            }
            other => panic!("{bad:?}: {other:?}"),
        }
    }
}

#[test]
fn debug_output_hides_password_and_ticket() {
    let password = Secret::new("hunter2hunter2".to_owned());
    let config = with_dalogin("login.passport.com/login2.srf");
    let flow = PassportFlow::new(&config, CHALLENGE, ACCOUNT, &password).unwrap();
    let shown = format!("{flow:?} {:#?}", flow.request());
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("<redacted>"), "{shown}");

    let success = response(S_SUCCESS);
    let shown = format!("{success:?}");
    assert!(!shown.contains("1hAu8ADuD3"), "{shown}");
    let done = flow.handle_response(success).unwrap();
    let shown = format!("{done:?}");
    assert!(!shown.contains("1hAu8ADuD3"), "{shown}");
}

#[test]
fn replays_fuzz_corpus() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus/passport_response");
    let mut replayed = 0;
    for entry in std::fs::read_dir(dir).expect("the corpus directory") {
        let data = std::fs::read(entry.expect("a corpus entry").path()).expect("a corpus file");
        fuzz_passport_response(&data);
        replayed += 1;
    }
    assert!(replayed >= 6, "only {replayed} corpus files");
}

/// Response heads built from the pieces Passport headers are made of, so that most of them
/// parse and reach the flow's header readers (random bytes rarely would).
fn passport_heads() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just("Passport1.4 ".to_owned()),
        Just("da-status=".to_owned()),
        Just("success".to_owned()),
        Just("failed-noretry".to_owned()),
        Just("redir".to_owned()),
        Just("from-PP='t=1&p=2'".to_owned()),
        Just("DALogin=".to_owned()),
        Just("https://".to_owned()),
        Just("http://".to_owned()),
        Just("cbtxt=%E9%20".to_owned()),
        "[',=/@?#%:\\r\\n ]",
        "[ -~]{0,8}",
    ];
    let value = prop::collection::vec(piece, 0..10).prop_map(|pieces| pieces.concat());
    let name = prop::sample::select(vec![
        "PassportURLs",
        "Authentication-Info",
        "WWW-Authenticate",
        "Location",
        "X-Other",
    ]);
    let status = prop::sample::select(vec![200u16, 302, 401, 503, 0, 999]);
    (status, prop::collection::vec((name, value), 0..4)).prop_map(|(status, headers)| {
        let mut head = format!("HTTP/1.1 {status:03} Reason\r\n");
        for (name, value) in headers {
            head += &format!("{name}: {value}\r\n");
        }
        head += "\r\n";
        head.into_bytes()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn fuzz_body_never_panics(head in passport_heads()) {
        fuzz_passport_response(&head);
    }

    #[test]
    fn fuzz_body_never_panics_on_raw_bytes(data in prop::collection::vec(any::<u8>(), 0..256)) {
        fuzz_passport_response(&data);
    }

    #[test]
    fn request_headers_never_hold_cr_lf_or_nul(
        account in any::<String>(),
        password in any::<String>(),
        challenge in any::<String>(),
        location in any::<String>(),
    ) {
        let config = with_dalogin("login.passport.com/login2.srf");
        let Ok(flow) = PassportFlow::new(&config, &challenge, &account, &Secret::new(password)) else {
            prop_assert!(challenge.is_empty() || challenge.chars().any(char::is_control));
            return Ok(());
        };
        let mut requests = vec![flow.request().clone()];
        let redirect = HttpResponse::new(302).with_header("Location", location);
        if let Ok(Step::Continue(next)) = flow.handle_response(redirect) {
            requests.push(next.request().clone());
        }
        for request in &requests {
            for (name, value) in request.headers() {
                prop_assert!(!value.contains(['\r', '\n', '\0']), "{}: {:?}", name, value);
            }
            prop_assert!(!request.path().contains(['\r', '\n', '\0', ' ']));
        }
    }

    #[test]
    fn network_urls_never_downgrade_or_leave_the_configured_http_origin(
        location in prop_oneof![
            any::<String>(),
            "(https?://|HTTP://|//|/)?(127\\.0\\.0\\.1|evil\\.example|\\[::1\\])(:(8080|443|80|0|x))?(/[a-z]{0,4})?",
        ],
    ) {
        // From https, whatever the redirect names, the next request is https.
        if let Ok(Step::Continue(next)) = at_login().handle_response(redirect_to(&location)) {
            prop_assert!(next.request().url().starts_with("https://"), "{}", next.request().url());
        }
        // From the plain-HTTP loopback, plain HTTP stays at its configured origin.
        let flow = go_on(start(&loopback()), nexus_naming("/login2.srf"));
        if let Ok(Step::Continue(next)) = flow.handle_response(redirect_to(&location)) {
            let url = next.request().url();
            prop_assert!(
                url.starts_with("https://") || url.starts_with("http://127.0.0.1:8080/"),
                "{}", url
            );
        }
    }

    #[test]
    fn debug_and_errors_never_show_secrets(
        password in "[ -~]{0,12}",
        ticket in "[!-&(-+--~]{1,24}",
        status in 100u16..600,
    ) {
        // Markers make the secrets unlike any other text in the output.
        let password = format!("PW~{password}~PW");
        let ticket = format!("TK~{ticket}~TK");
        let config = with_dalogin("login.passport.com/login2.srf");
        let flow = PassportFlow::new(&config, CHALLENGE, ACCOUNT, &Secret::new(password.clone()))
            .unwrap();
        let info = format!("Passport1.4 da-status=success,from-PP='{ticket}'");
        let reply = HttpResponse::new(status)
            .with_header("Authentication-Info", info.as_str())
            .with_header("WWW-Authenticate", "Passport1.4 da-status=failed")
            .with_header("Location", "https://loginnet.passport.com/");
        let mut shown = format!("{flow:?} {:?} {reply:?}", flow.request());
        match flow.handle_response(reply) {
            Ok(Step::Done(got)) => {
                prop_assert_eq!(got.expose(), &ticket);
                shown += &format!("{:?}", Step::Done(got));
            }
            Ok(step) => shown += &format!("{step:?}"),
            Err(error) => shown += &format!("{error:?} {error}"),
        }
        prop_assert!(!shown.contains("PW~") && !shown.contains("TK~"), "{}", shown);
    }
}
