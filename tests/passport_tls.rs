//! Both drivers' Passport against a local HTTPS login server with a private CA
//! (`tests/data/tls`, valid for 100 years): `ca_file` makes it trusted, a `DALogin`
//! without a scheme is reached over HTTPS, and a redirect is followed by the flow,
//! credentials and all, to the place it names; a CA file without a certificate is
//! refused before anything is sent. (An untrusted certificate is `tests/drivers.rs`'s.)

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread;

use msnp::Secret;
use msnp::codec::HostPort;
use msnp::drivers::{DriverConfig, DriverError};
use msnp::server::std_driver::LoopbackServer;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

const USER: &str = "a@example.com";
/// The end of every answer of the front's own: it serves one request per connection,
/// so a client must not keep the connection for the next.
const CLOSE: &str = "Content-Length: 0\r\nConnection: close\r\n\r\n";

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/tls")
        .join(name)
}

/// An HTTPS Passport before `upstream` (the loopback server's plain-HTTP one), one
/// request per connection: a nexus at `/rdr/pprdr.asp` naming a scheme-less login
/// server, `/login2.srf` redirecting to `/elsewhere.srf`, which hands the request to
/// `upstream`'s login server. Returns its address and the log of
/// `path authorization-present` lines.
fn https_passport(upstream: SocketAddr) -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
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
                "/rdr/pprdr.asp" => format!(
                    "HTTP/1.1 200 OK\r\nPassportURLs: DARealm=Passport.Net,DALogin={addr}/login2.srf\r\n{CLOSE}"
                )
                .into_bytes(),
                "/login2.srf" => format!(
                    "HTTP/1.1 302 Found\r\nLocation: https://{addr}/elsewhere.srf\r\n{CLOSE}"
                )
                .into_bytes(),
                "/elsewhere.srf" => {
                    let mut forwarded = head[1..].concat();
                    forwarded.insert_str(0, "GET /login2.srf HTTP/1.1\r\n");
                    forwarded.push_str("\r\n");
                    let mut answer = Vec::new();
                    if let Ok(mut plain) = TcpStream::connect(upstream) {
                        let _ = plain.write_all(forwarded.as_bytes());
                        let _ = plain.read_to_end(&mut answer);
                    }
                    answer
                }
                _ => format!("HTTP/1.1 404 Not Found\r\n{CLOSE}").into_bytes(),
            };
            let _ = tls.write_all(&response);
            tls.conn.send_close_notify();
            let _ = tls.flush();
        }
    });
    (addr, log)
}

/// The loopback server, its HTTPS Passport front, and a config trusting the front.
fn setup() -> (LoopbackServer, DriverConfig, Arc<Mutex<Vec<String>>>) {
    let server = LoopbackServer::start(|s| s.add_account(USER, "pw", "A")).unwrap();
    let (addr, log) = https_passport(server.passport_addr());
    let mut config = DriverConfig::default();
    let dispatch = server.dispatch_addr();
    config.client.server = HostPort::new(dispatch.ip().to_string(), dispatch.port()).unwrap();
    config.client.passport.nexus_url = format!("https://{addr}/rdr/pprdr.asp");
    config.ca_file = Some(data("ca.pem"));
    (server, config, log)
}

/// What both drivers must have sent: the nexus without credentials, then the
/// scheme-less login server over HTTPS and the place its redirect names, each with them.
const HOPS: [&str; 3] = ["/rdr/pprdr.asp false", "/login2.srf true", "/elsewhere.srf true"];

fn password() -> Secret<String> {
    Secret::new("pw".to_owned())
}

fn ca_file(name: &str) -> DriverConfig {
    let mut config = DriverConfig::default();
    config.ca_file = Some(data(name));
    config
}

fn assert_ca_file_refused(no_certificate: DriverError, missing: DriverError) {
    assert!(
        matches!(&no_certificate, DriverError::CaFile { path, .. } if path.ends_with("server.key")),
        "{no_certificate:?}"
    );
    assert!(
        no_certificate
            .to_string()
            .ends_with("server.key: it holds no PEM certificate"),
        "{no_certificate}"
    );
    assert!(
        matches!(&missing, DriverError::CaFile { path, .. } if path.ends_with("missing.pem")),
        "{missing:?}"
    );
    assert!(
        missing.to_string().starts_with("cannot use the CA file "),
        "{missing}"
    );
}

#[test]
fn on_threads_an_extra_root_lets_passport_run_over_https() {
    let (_server, config, log) = setup();
    let (bot, _events) = msnp::blocking::connect(config, USER, password()).unwrap();
    assert_eq!(*log.lock().unwrap(), HOPS);
    bot.sign_out().unwrap();
}

#[tokio::test]
async fn on_tokio_an_extra_root_lets_passport_run_over_https() {
    let (_server, config, log) = setup();
    let (bot, _events) = msnp::tokio::connect(config, USER, password()).await.unwrap();
    assert_eq!(*log.lock().unwrap(), HOPS);
    bot.sign_out().await.unwrap();
}

#[test]
fn on_threads_a_ca_file_must_hold_a_certificate() {
    let connect = |name| msnp::blocking::connect(ca_file(name), USER, password()).unwrap_err();
    assert_ca_file_refused(connect("server.key"), connect("missing.pem"));
}

#[tokio::test]
async fn on_tokio_a_ca_file_must_hold_a_certificate() {
    let no_certificate = msnp::tokio::connect(ca_file("server.key"), USER, password())
        .await
        .unwrap_err();
    let missing = msnp::tokio::connect(ca_file("missing.pem"), USER, password())
        .await
        .unwrap_err();
    assert_ca_file_refused(no_certificate, missing);
}
