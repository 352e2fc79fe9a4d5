//! The examples' `UreqTransport` against a local HTTPS Passport with a private CA
//! (`tests/data/tls`, valid for 100 years): `--ca-file` makes it trusted, redirects are
//! left to the flow, and a `DALogin` without a scheme is reached over HTTPS.

#[path = "../examples/support/mod.rs"]
mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread;

use msnp::Secret;
use msnp::passport::{PassportConfig, PassportError, PassportFlow, PassportTransport, authenticate};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use support::UreqTransport;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/tls")
        .join(name)
}

/// A one-request-per-connection HTTPS server with a nexus at `/rdr/pprdr.asp`, a login
/// server at `/login2.srf` that redirects to `/elsewhere.srf`, which issues the ticket.
/// Returns its address and the log of `path authorization-present` lines.
fn https_passport() -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let certs = CertificateDer::pem_file_iter(data("server.pem"))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_file(data("server.key")).unwrap();
    let config = Arc::new(
        rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .unwrap(),
    );
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let log = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&log);
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let Ok(conn) = rustls::ServerConnection::new(Arc::clone(&config)) else {
                continue;
            };
            let mut tls = rustls::StreamOwned::new(conn, stream);
            let mut head = Vec::new();
            {
                let mut reader = BufReader::new(&mut tls);
                let mut line = String::new();
                // A failed handshake (an untrusting client) ends here.
                while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                    head.push(std::mem::take(&mut line));
                }
            }
            let Some(request) = head.first() else { continue };
            let path = request.split(' ').nth(1).unwrap_or_default().to_owned();
            let authorized = head
                .iter()
                .any(|h| h.to_ascii_lowercase().starts_with("authorization:"));
            seen.lock().unwrap().push(format!("{path} {authorized}"));
            let response = match path.as_str() {
                "/rdr/pprdr.asp" => {
                    format!("HTTP/1.1 200 OK\r\nPassportURLs: DARealm=Passport.Net,DALogin={addr}/login2.srf\r\n")
                }
                "/login2.srf" => format!("HTTP/1.1 302 Found\r\nLocation: https://{addr}/elsewhere.srf\r\n"),
                "/elsewhere.srf" => "HTTP/1.1 200 OK\r\nAuthentication-Info: Passport1.4 da-status=success,from-PP='t=tls&p=ok'\r\n".to_owned(),
                _ => "HTTP/1.1 404 Not Found\r\n".to_owned(),
            };
            let _ =
                tls.write_all(format!("{response}Content-Length: 0\r\nConnection: close\r\n\r\n").as_bytes());
            tls.conn.send_close_notify();
            let _ = tls.flush();
        }
    });
    (addr, log)
}

fn config(addr: SocketAddr) -> PassportConfig {
    let mut config = PassportConfig::default();
    config.nexus_url = format!("https://{addr}/rdr/pprdr.asp");
    config
}

#[test]
fn an_extra_root_lets_passport_run_over_https() {
    let (addr, log) = https_passport();
    let mut http = UreqTransport::new(Some(&data("ca.pem"))).unwrap();
    let mut config = config(addr);
    let password = Secret::new("pw".to_owned());
    let ticket = authenticate(
        &mut http,
        &mut config,
        "lc=1033,id=507",
        "a@example.com",
        &password,
    )
    .unwrap();
    assert_eq!(ticket.expose(), "t=tls&p=ok");
    // The scheme-less DALogin was taken as HTTPS, and each hop was the flow's own.
    assert_eq!(config.dalogin, Some(format!("https://{addr}/login2.srf")));
    assert_eq!(
        *log.lock().unwrap(),
        ["/rdr/pprdr.asp false", "/login2.srf true", "/elsewhere.srf true"]
    );
}

#[test]
fn the_transport_returns_a_redirect_instead_of_following_it() {
    let (addr, log) = https_passport();
    let mut http = UreqTransport::new(Some(&data("ca.pem"))).unwrap();
    let mut config = config(addr);
    config.dalogin = Some(format!("https://{addr}/login2.srf"));
    let password = Secret::new("pw".to_owned());
    let flow = PassportFlow::new(&config, "lc=1033", "a@example.com", &password).unwrap();
    let response = http.get(flow.request()).unwrap();
    assert_eq!(response.status(), 302);
    assert_eq!(
        response.header("Location"),
        Some(format!("https://{addr}/elsewhere.srf").as_str())
    );
    assert_eq!(*log.lock().unwrap(), ["/login2.srf true"]);
}

#[test]
fn without_the_root_the_certificate_is_refused() {
    let (addr, _) = https_passport();
    let mut http = UreqTransport::new(None).unwrap();
    let password = Secret::new("pw".to_owned());
    let error = authenticate(
        &mut http,
        &mut config(addr),
        "lc=1033",
        "a@example.com",
        &password,
    )
    .unwrap_err();
    let PassportError::Transport(source) = error else {
        panic!("{error:?}")
    };
    assert!(source.to_string().contains("UnknownIssuer"), "{source}");
}

#[test]
fn a_ca_file_must_hold_a_certificate() {
    let error = UreqTransport::new(Some(&data("server.key"))).err().unwrap();
    assert!(error.ends_with("server.key holds no PEM certificate"), "{error}");
    let error = UreqTransport::new(Some(&data("missing.pem"))).err().unwrap();
    assert!(
        error.starts_with("cannot read ") && error.contains("missing.pem"),
        "{error}"
    );
}
