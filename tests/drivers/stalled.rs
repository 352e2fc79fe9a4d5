//! A scripted server whose switchboard stops reading once the conversation has
//! started, while its notification server answers every keep-alive and reports it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::Shutdown;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;

pub struct StalledServer {
    pub dispatch: SocketAddr,
    pub nexus_url: String,
    /// One message per `PNG` answered.
    pub pings: mpsc::Receiver<()>,
    /// The notification connection, to kill.
    ns: Arc<Mutex<Option<TcpStream>>>,
}

impl StalledServer {
    /// Resets the notification connection without a word, as a crashed server does.
    pub fn kill(&self) {
        if let Some(stream) = self.ns.lock().unwrap().take() {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

pub const ME: &str = "user@example.com";
pub const PEER: &str = "peer@example.com";

pub fn start() -> StalledServer {
    let http = TcpListener::bind("127.0.0.1:0").unwrap();
    let http_addr = http.local_addr().unwrap();
    thread::spawn(move || {
        for stream in http.incoming().flatten() {
            passport(stream, http_addr);
        }
    });
    let sb = TcpListener::bind("127.0.0.1:0").unwrap();
    let sb_addr = sb.local_addr().unwrap();
    thread::spawn(move || {
        if let Ok((stream, _)) = sb.accept() {
            switchboard(stream);
        }
    });
    let ns = TcpListener::bind("127.0.0.1:0").unwrap();
    let dispatch = ns.local_addr().unwrap();
    let (pings_tx, pings) = mpsc::channel();
    let ns_socket = Arc::new(Mutex::new(None));
    let keep = Arc::clone(&ns_socket);
    thread::spawn(move || {
        if let Ok((stream, _)) = ns.accept() {
            *keep.lock().unwrap() = stream.try_clone().ok();
            notification(stream, sb_addr, &pings_tx);
        }
    });
    StalledServer {
        dispatch,
        nexus_url: format!("http://{http_addr}/rdr/pprdr.asp"),
        pings,
        ns: ns_socket,
    }
}

/// A nexus naming itself as the login server, which issues a ticket to anyone.
fn passport(mut stream: TcpStream, me: SocketAddr) {
    let head = read_head(&mut stream);
    let response = if head.to_ascii_lowercase().contains("authorization:") {
        "HTTP/1.1 200 OK\r\nAuthentication-Info: Passport1.4 da-status=success,from-PP='t=1&p=2'\r\n"
            .to_owned()
    } else {
        format!("HTTP/1.1 200 OK\r\nPassportURLs: DALogin=http://{me}/login2.srf\r\n")
    };
    let _ = stream.write_all(format!("{response}Content-Length: 0\r\nConnection: close\r\n\r\n").as_bytes());
}

fn read_head(stream: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut byte = [0];
    while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).is_ok_and(|n| n == 1) {
        head.push(byte[0]);
    }
    String::from_utf8_lossy(&head).into_owned()
}

/// A dispatch and notification server in one, as some servers are.
fn notification(stream: TcpStream, sb: SocketAddr, pings: &mpsc::Sender<()>) {
    let mut out = stream.try_clone().unwrap();
    for line in BufReader::new(stream).lines() {
        let Ok(line) = line else { return };
        let words: Vec<&str> = line.split(' ').collect();
        let reply = match words.as_slice() {
            ["VER", trid, ..] => format!("VER {trid} MSNP8 CVR0\r\n"),
            ["CVR", trid, ..] => format!("CVR {trid} 1.0.0000 1.0.0000 1.0.0000 http://x http://y\r\n"),
            ["USR", trid, "TWN", "I", _] => format!("USR {trid} TWN S lc=1033,id=507\r\n"),
            ["USR", trid, "TWN", "S", _] => format!("USR {trid} OK {ME} Me 1 0\r\n"),
            ["CHG", trid, status, ..] => format!("CHG {trid} {status} 0\r\n"),
            ["XFR", trid, "SB"] => format!("XFR {trid} SB {sb} CKI 1.2.3\r\n"),
            ["PNG"] => {
                let _ = pings.send(());
                "QNG 50\r\n".to_owned()
            }
            ["OUT"] => return,
            _ => continue,
        };
        if out.write_all(reply.as_bytes()).is_err() {
            return;
        }
    }
}

/// Answers `USR` and `CAL`, lets the peer join, and never reads again.
fn switchboard(stream: TcpStream) {
    let mut out = stream.try_clone().unwrap();
    let mut lines = BufReader::new(stream);
    let mut line = String::new();
    for _ in 0..2 {
        line.clear();
        if lines.read_line(&mut line).is_err() {
            return;
        }
        let words: Vec<&str> = line.trim_end().split(' ').collect();
        let reply = match words.as_slice() {
            ["USR", trid, ..] => format!("USR {trid} OK {ME} Me\r\n"),
            ["CAL", trid, ..] => format!("CAL {trid} RINGING 42\r\nJOI {PEER} Peer\r\n"),
            _ => return,
        };
        let _ = out.write_all(reply.as_bytes());
    }
    // Holds the connection open, unread, until the client gives up on it.
    let rest = lines.into_inner();
    let _ = rest.set_read_timeout(None);
    thread::park();
    drop(rest);
}
