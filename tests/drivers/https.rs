//! A Passport over HTTPS for the driver tests: a certificate authority generated for
//! the test (rcgen), and a TLS front on loopback that answers the nexus itself and
//! hands login requests to the `LoopbackServer`'s plain-HTTP Passport.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// The front's address and the CA file that makes it trusted.
pub struct HttpsPassport {
    pub addr: SocketAddr,
    pub ca_file: PathBuf,
}

impl HttpsPassport {
    pub fn nexus_url(&self) -> String {
        format!("https://{}/rdr/pprdr.asp", self.addr)
    }
}

impl Drop for HttpsPassport {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.ca_file);
    }
}

/// Starts the front before `upstream`, the loopback server's plain-HTTP Passport.
pub fn start(upstream: SocketAddr) -> HttpsPassport {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&key, &issuer)
        .unwrap();

    static FILES: AtomicUsize = AtomicUsize::new(0);
    let ca_file = std::env::temp_dir().join(format!(
        "msnp-drivers-ca-{}-{}.pem",
        std::process::id(),
        FILES.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::write(&ca_file, ca_cert.pem()).unwrap();

    let config = Arc::new(
        rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![CertificateDer::from(leaf.der().to_vec())],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
            )
            .unwrap(),
    );
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let config = Arc::clone(&config);
            thread::spawn(move || serve(stream, config, addr, upstream));
        }
    });
    HttpsPassport { addr, ca_file }
}

/// One request per connection (so every answer says `Connection: close`, or a
/// pooling client could send its next request into a closed socket): the nexus names the front itself as the login server
/// (a bare `host:port`, which means HTTPS); everything else goes upstream as it came.
fn serve(stream: TcpStream, config: Arc<rustls::ServerConfig>, me: SocketAddr, upstream: SocketAddr) {
    let Ok(conn) = rustls::ServerConnection::new(config) else {
        return;
    };
    let mut tls = rustls::StreamOwned::new(conn, stream);
    let mut head = String::new();
    {
        let mut reader = BufReader::new(&mut tls);
        let mut line = String::new();
        while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
            head.push_str(&line);
            if line == "\r\n" {
                break;
            }
            line.clear();
        }
    }
    let response = if head.starts_with("GET /rdr/pprdr.asp ") {
        format!(
            "HTTP/1.1 200 OK\r\nPassportURLs: DARealm=Passport.Net,DALogin={me}/login2.srf\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
        .into_bytes()
    } else {
        let mut answer = Vec::new();
        if let Ok(mut plain) = TcpStream::connect(upstream) {
            let _ = plain.write_all(head.as_bytes());
            let _ = plain.read_to_end(&mut answer);
        }
        answer
    };
    let _ = tls.write_all(&response);
    tls.conn.send_close_notify();
    let _ = tls.flush();
}
