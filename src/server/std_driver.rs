//! A blocking `std::net` driver for [`Server`]: the only I/O in the crate.
//!
//! [`LoopbackServer::start`] binds four ephemeral ports on 127.0.0.1 (dispatch,
//! notification, switchboard, and plain-HTTP Passport; [`LoopbackServer::start_on`] takes
//! fixed ones), and runs the sans-IO server on
//! one thread with non-blocking sockets and a short sleep when nothing happens. It is
//! meant for demos and tests on one machine, not for serving the Internet: no TLS, no
//! readiness API, a few milliseconds of latency.
//!
//! ```no_run
//! use msnp::server::std_driver::LoopbackServer;
//! let server = LoopbackServer::start(|s| {
//!     s.add_account("alice@example.com", "secret", "Alice")?;
//!     s.add_account("bob@example.com", "secret", "Bob")
//! })?;
//! println!("dispatch at {}, nexus at {}", server.dispatch_addr(), server.nexus_url());
//! server.stop()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::Server;
use super::config::ServerConfig;
use super::connection::{ConnId, Listener};
use super::error::ServerError;
use super::event::ServerOutput;
use crate::codec::HostPort;

/// Bytes the driver holds for one socket that does not read; past it, the connection
/// is dropped (the server bounds its own queue the same way).
const MAX_PENDING_WRITE: usize = 1024 * 1024;
/// How long the loop sleeps when a round made no progress.
const IDLE_SLEEP: Duration = Duration::from_millis(2);

/// A [`Server`] running on loopback sockets in a background thread. Dropping it stops
/// the server (as [`LoopbackServer::stop`] does, ignoring errors).
#[derive(Debug)]
pub struct LoopbackServer {
    dispatch: SocketAddr,
    notification: SocketAddr,
    switchboard: SocketAddr,
    passport: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<io::Result<()>>>,
}

impl LoopbackServer {
    /// Binds the ports, lets `setup` add accounts to the server, and starts serving.
    pub fn start(setup: impl FnOnce(&mut Server) -> Result<(), ServerError>) -> io::Result<LoopbackServer> {
        Self::start_with(ServerConfig::default(), setup)
    }

    /// [`LoopbackServer::start`] with settings; the three addresses are replaced by the
    /// bound ports.
    pub fn start_with(
        config: ServerConfig,
        setup: impl FnOnce(&mut Server) -> Result<(), ServerError>,
    ) -> io::Result<LoopbackServer> {
        Self::start_on(ListenAddrs::default(), config, setup)
    }

    /// [`LoopbackServer::start_with`] on the addresses of `listen` (fixed ports for a
    /// server that people point clients at by hand). The three addresses of `config` are
    /// replaced by the bound ones, so bind specific addresses, not `0.0.0.0`: the bound
    /// address is what referrals (`XFR`, `RNG`) and `DALogin` tell clients.
    pub fn start_on(
        listen: ListenAddrs,
        mut config: ServerConfig,
        setup: impl FnOnce(&mut Server) -> Result<(), ServerError>,
    ) -> io::Result<LoopbackServer> {
        let bind = |addr: SocketAddr| {
            TcpListener::bind(addr)
                .map_err(|e| io::Error::new(e.kind(), format!("cannot listen on {addr}: {e}")))
        };
        let listeners = [
            (bind(listen.dispatch)?, Some(Listener::Dispatch)),
            (bind(listen.notification)?, Some(Listener::Notification)),
            (bind(listen.switchboard)?, Some(Listener::Switchboard)),
            (bind(listen.passport)?, None),
        ];
        let addrs: Vec<SocketAddr> = listeners
            .iter()
            .map(|(l, _)| l.local_addr())
            .collect::<io::Result<_>>()?;
        let host_port = |a: &SocketAddr| {
            HostPort::new(a.ip().to_string(), a.port())
                .map_err(|e| io::Error::new(ErrorKind::InvalidInput, e))
        };
        config.dispatch_addr = host_port(&addrs[0])?;
        config.notification_addr = host_port(&addrs[1])?;
        config.switchboard_addr = host_port(&addrs[2])?;
        let mut server = Server::new(config, Instant::now());
        // With the scheme: a bare `host:port` DALogin means HTTPS [MSPASS §2.2.12], and
        // this Passport speaks plain HTTP.
        server
            .verifier_mut()
            .set_login_host(&format!("http://{}", addrs[3]));
        setup(&mut server).map_err(|e| io::Error::new(ErrorKind::InvalidInput, e))?;
        for (listener, _) in &listeners {
            listener.set_nonblocking(true)?;
        }
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("msnp-loopback-server".into())
            .spawn(move || run(server, listeners, &flag))?;
        Ok(LoopbackServer {
            dispatch: addrs[0],
            notification: addrs[1],
            switchboard: addrs[2],
            passport: addrs[3],
            stop,
            thread: Some(thread),
        })
    }

    /// Where clients connect first.
    pub fn dispatch_addr(&self) -> SocketAddr {
        self.dispatch
    }

    /// The notification server (clients reach it through the dispatch's referral).
    pub fn notification_addr(&self) -> SocketAddr {
        self.notification
    }

    /// The switchboard.
    pub fn switchboard_addr(&self) -> SocketAddr {
        self.switchboard
    }

    /// The plain-HTTP Passport (nexus and `login2.srf`).
    pub fn passport_addr(&self) -> SocketAddr {
        self.passport
    }

    /// The nexus URL to start Passport 1.4 at (plain HTTP: the client must allow it).
    pub fn nexus_url(&self) -> String {
        format!("http://{}/rdr/pprdr.asp", self.passport)
    }

    /// Sends `OUT SSD` to every client, closes every connection and waits for the
    /// thread; returns the I/O error that ended it early, if any.
    pub fn stop(mut self) -> io::Result<()> {
        self.stop_and_join()
    }

    fn stop_and_join(&mut self) -> io::Result<()> {
        self.stop.store(true, Ordering::SeqCst);
        match self.thread.take() {
            Some(thread) => thread
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("server thread panicked"))),
            None => Ok(()),
        }
    }
}

impl Drop for LoopbackServer {
    fn drop(&mut self) {
        let _ = self.stop_and_join();
    }
}

/// Where a [`LoopbackServer`] listens; port 0 lets the system pick a free port. The
/// default is four ephemeral ports on 127.0.0.1.
///
/// ```
/// use msnp::server::std_driver::ListenAddrs;
/// let mut listen = ListenAddrs::default();
/// listen.dispatch = "127.0.0.1:1863".parse().unwrap();
/// assert_eq!(listen.passport.to_string(), "127.0.0.1:0");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListenAddrs {
    /// Where clients connect first (MSN's was port 1863).
    pub dispatch: SocketAddr,
    /// The notification server that the dispatch server refers clients to.
    pub notification: SocketAddr,
    /// The switchboard.
    pub switchboard: SocketAddr,
    /// The plain-HTTP Passport: nexus and login server.
    pub passport: SocketAddr,
}

impl Default for ListenAddrs {
    fn default() -> Self {
        let any_port = SocketAddr::from(([127, 0, 0, 1], 0));
        ListenAddrs {
            dispatch: any_port,
            notification: any_port,
            switchboard: any_port,
            passport: any_port,
        }
    }
}

struct Peer {
    stream: TcpStream,
    pending: Vec<u8>,
    /// The server asked to close once `pending` is written.
    closing: bool,
}

struct HttpPeer {
    stream: TcpStream,
    request: Vec<u8>,
}

fn run(
    mut server: Server,
    listeners: [(TcpListener, Option<Listener>); 4],
    stop: &AtomicBool,
) -> io::Result<()> {
    let mut peers: BTreeMap<ConnId, Peer> = BTreeMap::new();
    let mut http: Vec<HttpPeer> = Vec::new();
    let mut buf = vec![0u8; 16 * 1024];
    let mut next_timeout: Option<Instant> = None;
    loop {
        let now = Instant::now();
        let stopping = stop.load(Ordering::SeqCst);
        if stopping {
            server.shutdown(now);
        }
        let mut progress = false;
        for (listener, kind) in &listeners {
            loop {
                match listener.accept() {
                    Ok((stream, _)) => {
                        progress = true;
                        stream.set_nonblocking(true)?;
                        let _ = stream.set_nodelay(true);
                        match kind {
                            Some(kind) => {
                                let conn = server.accept(now, *kind);
                                peers.insert(
                                    conn,
                                    Peer {
                                        stream,
                                        pending: Vec::new(),
                                        closing: false,
                                    },
                                );
                            }
                            None => http.push(HttpPeer {
                                stream,
                                request: Vec::new(),
                            }),
                        }
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
        }
        // Read what each client sent.
        let ids: Vec<ConnId> = peers.keys().copied().collect();
        for conn in ids {
            let Some(peer) = peers.get_mut(&conn) else {
                continue;
            };
            if peer.closing {
                continue;
            }
            loop {
                match peer.stream.read(&mut buf) {
                    Ok(0) => {
                        let _ = server.handle_closed(conn, now);
                        peers.remove(&conn);
                        progress = true;
                        break;
                    }
                    Ok(n) => {
                        progress = true;
                        let _ = server.handle_input(conn, now, &buf[..n]);
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(_) => {
                        let _ = server.handle_closed(conn, now);
                        peers.remove(&conn);
                        progress = true;
                        break;
                    }
                }
            }
        }
        progress |= serve_http(&mut server, &mut http, &mut buf);
        if next_timeout.is_some_and(|t| t <= now) {
            server.handle_timeout(now);
        }
        // Hand the server's output to the sockets.
        loop {
            match server.poll_output() {
                ServerOutput::Transmit { conn, bytes } => {
                    if let Some(peer) = peers.get_mut(&conn) {
                        peer.pending.extend_from_slice(&bytes);
                    }
                }
                ServerOutput::Close { conn } => {
                    if let Some(peer) = peers.get_mut(&conn) {
                        peer.closing = true;
                    }
                }
                ServerOutput::Event(_) => {}
                ServerOutput::Idle { next_timeout: t } => {
                    next_timeout = t;
                    break;
                }
            }
        }
        progress |= flush(&mut server, &mut peers, now);
        if stopping {
            // Best effort: give the last bytes (OUT SSD) a moment to leave.
            let deadline = Instant::now() + Duration::from_millis(200);
            while !peers.is_empty() && Instant::now() < deadline {
                flush(&mut server, &mut peers, Instant::now());
                std::thread::sleep(IDLE_SLEEP);
            }
            return Ok(());
        }
        if !progress {
            std::thread::sleep(IDLE_SLEEP);
        }
    }
}

/// Writes pending bytes; closes peers that asked for it once drained, and drops
/// peers that stopped reading.
fn flush(server: &mut Server, peers: &mut BTreeMap<ConnId, Peer>, now: Instant) -> bool {
    let mut progress = false;
    let mut gone = Vec::new();
    for (&conn, peer) in peers.iter_mut() {
        while !peer.pending.is_empty() {
            match peer.stream.write(&peer.pending) {
                Ok(0) => {
                    gone.push((conn, true));
                    break;
                }
                Ok(n) => {
                    peer.pending.drain(..n);
                    progress = true;
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => {
                    gone.push((conn, !peer.closing));
                    break;
                }
            }
        }
        if peer.pending.len() > MAX_PENDING_WRITE {
            gone.push((conn, !peer.closing));
        } else if peer.closing && peer.pending.is_empty() {
            let _ = peer.stream.shutdown(Shutdown::Both);
            gone.push((conn, false));
        }
    }
    for (conn, tell_server) in gone {
        peers.remove(&conn);
        if tell_server {
            let _ = server.handle_closed(conn, now);
        }
        progress = true;
    }
    progress
}

/// Reads Passport HTTP requests and answers each complete one, then closes.
fn serve_http(server: &mut Server, http: &mut Vec<HttpPeer>, buf: &mut [u8]) -> bool {
    let mut progress = false;
    http.retain_mut(|peer| {
        loop {
            match peer.stream.read(buf) {
                Ok(0) => return false,
                Ok(n) => {
                    progress = true;
                    peer.request.extend_from_slice(&buf[..n]);
                    if let Some(response) = server.verifier_mut().handle_http_request(&peer.request) {
                        // A Passport reply is small: write it blocking, then hang up.
                        let _ = peer.stream.set_nonblocking(false);
                        let _ = peer.stream.set_write_timeout(Some(Duration::from_secs(5)));
                        let _ = peer.stream.write_all(&response);
                        let _ = peer.stream.shutdown(Shutdown::Both);
                        return false;
                    }
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => return true,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => return false,
            }
        }
    });
    progress
}
