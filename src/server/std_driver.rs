//! A `std` driver for [`Server`] on loopback sockets: the only I/O in the crate.
//!
//! [`LoopbackServer::start`] binds four ephemeral ports on 127.0.0.1 (dispatch,
//! notification, switchboard, and plain-HTTP Passport; [`LoopbackServer::start_on`] takes
//! fixed ones), and runs the sans-IO server on one thread that waits for readiness
//! (`mio`: epoll, kqueue or IOCP) with the server's next deadline as its timeout. Bytes
//! are answered as they arrive, and idle connections cost nothing: with no input and no
//! deadline due, the thread sleeps in the kernel however many sessions are open. It is
//! meant for demos, tests and benchmarks on one machine, not for serving the Internet:
//! no TLS, and one thread for everything.
//!
//! # Backpressure
//!
//! A switchboard relays each participant's `MSG`s to the others, P2P file data
//! included, and acknowledges them on relay; a sender that writes as fast as the
//! acknowledgements come would outrun a receiver that reads slowly (a bot busy with
//! its events, whose driver then stops reading its socket). The driver passes the
//! receiver's pace back to the sender, as TCP would end to end:
//! - once more than `HIGH_WATER` (256 KiB) wait unsent for a connection, it is
//!   congested, and the connections that feed it ([`Server::relay_peers`]: the other
//!   participants of its switchboard session) are no longer read. Their bytes stay in
//!   the kernel, their senders' windows fill for want of `ACK`s, and they wait. A
//!   conversation of several thus goes at the pace of its slowest reader, since each
//!   message goes to all of them;
//! - once the congested connection drains to `LOW_WATER` (64 KiB), its feeders are
//!   read again. Readiness is edge-triggered, so a paused feeder is remembered as
//!   holding unread input and is read on the next turn without waiting for an event
//!   that may never come. A paused connection costs nothing until then: no timer,
//!   no polling;
//! - a feeder is checked before each read of at most 16 KiB, so the bytes waiting for
//!   a congested connection stay near `HIGH_WATER` plus what one read relays;
//! - notification connections are never paused (nothing is relayed to them), and a
//!   connection is never paused for its own output: what its input produces for
//!   itself (`ACK`s, replies) is small beside what it sends;
//! - a receiver that stops reading altogether still cannot grow memory: its feeders
//!   stay paused, and a hard cap of `MAX_PENDING_WRITE` (1 MiB) unsent bytes drops any
//!   connection, as before; the paused feeders, whose input no longer reaches the
//!   server, are dropped by the switchboard's idle timeout
//!   ([`ServerConfig::switchboard_idle_timeout`]).
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

use std::collections::HashMap;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr};
#[cfg(test)]
use std::sync::Arc;
#[cfg(test)]
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token, Waker};

use super::Server;
use super::config::ServerConfig;
use super::connection::{ConnId, Listener};
use super::error::ServerError;
use super::event::ServerOutput;
use crate::codec::HostPort;

/// Bytes the driver holds for one socket that does not read; past it, the connection
/// is dropped (the server bounds its own queue the same way). Relayed bytes stop near
/// [`HIGH_WATER`]; this catches what the connection's own input and the server's
/// notices add.
const MAX_PENDING_WRITE: usize = 1024 * 1024;
/// Unsent bytes past which a connection is congested and its feeders are not read.
const HIGH_WATER: usize = 256 * 1024;
/// Unsent bytes at or below which a congested connection's feeders are read again;
/// the gap keeps a receiver at the edge from pausing and resuming them on every read.
const LOW_WATER: usize = 64 * 1024;
/// Bytes read from one socket per turn. Readiness is edge-triggered, so a socket is read
/// until it would block, but a fast sender must not starve the others: past this budget
/// it goes back in line, and the next wait does not sleep.
const READ_BUDGET: usize = 64 * 1024;
/// Connections taken from one listener per turn, for the same reason.
const ACCEPT_BUDGET: usize = 256;
/// Passport HTTP connections open at once. Nothing times them out (a client that never
/// finishes its request keeps its socket), so past this new ones are closed at once.
const MAX_HTTP_PEERS: usize = 4096;
/// How long [`LoopbackServer::stop`] lets the last bytes (`OUT SSD`) leave.
const STOP_GRACE: Duration = Duration::from_millis(200);
/// Readiness events taken per wait; more simply wait for the next one.
const EVENTS_PER_WAIT: usize = 1024;

/// Tokens 0 to 3 are the listeners, in the order of [`LoopbackServer::start_on`].
const WAKER: Token = Token(4);
const FIRST_STREAM_TOKEN: usize = 5;

/// A [`Server`] running on loopback sockets in a background thread. Dropping it stops
/// the server (as [`LoopbackServer::stop`] does, ignoring errors).
#[derive(Debug)]
pub struct LoopbackServer {
    dispatch: SocketAddr,
    notification: SocketAddr,
    switchboard: SocketAddr,
    passport: SocketAddr,
    /// Wakes the thread to shut down, instead of it noticing a flag on a timer.
    waker: Waker,
    thread: Option<JoinHandle<io::Result<()>>>,
    #[cfg(test)]
    stats: Arc<Stats>,
}

/// What the backpressure did, for the module's tests.
#[cfg(test)]
#[derive(Debug, Default)]
struct Stats {
    /// The most unsent bytes seen for one connection.
    peak_pending: AtomicUsize,
    /// Reads stopped because a connection the input feeds was congested.
    pauses: AtomicUsize,
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
            std::net::TcpListener::bind(addr)
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
        let poll = Poll::new()?;
        let mut registered = Vec::with_capacity(listeners.len());
        for (index, (listener, kind)) in listeners.into_iter().enumerate() {
            listener.set_nonblocking(true)?;
            let mut listener = TcpListener::from_std(listener);
            poll.registry()
                .register(&mut listener, Token(index), Interest::READABLE)?;
            registered.push((listener, kind));
        }
        let waker = Waker::new(poll.registry(), WAKER)?;
        #[cfg(test)]
        let stats = Arc::new(Stats::default());
        let driver = Driver {
            server,
            poll,
            listeners: registered,
            peers: HashMap::new(),
            tokens: HashMap::new(),
            http: HashMap::new(),
            next_token: FIRST_STREAM_TOKEN,
            buf: vec![0u8; 16 * 1024],
            next_timeout: None,
            again: Vec::new(),
            touched: Vec::new(),
            #[cfg(test)]
            stats: Arc::clone(&stats),
        };
        let thread = std::thread::Builder::new()
            .name("msnp-loopback-server".into())
            .spawn(move || driver.run())?;
        Ok(LoopbackServer {
            dispatch: addrs[0],
            notification: addrs[1],
            switchboard: addrs[2],
            passport: addrs[3],
            waker,
            thread: Some(thread),
            #[cfg(test)]
            stats,
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
        let Some(thread) = self.thread.take() else {
            return Ok(());
        };
        // Should waking fail, the thread is left running rather than joined forever.
        self.waker.wake()?;
        thread
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("server thread panicked")))
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

/// Bytes waiting for a socket that would block: `bytes[sent..]` is still to go.
#[derive(Default)]
struct Outbox {
    bytes: Vec<u8>,
    sent: usize,
}

impl Outbox {
    fn unsent(&self) -> &[u8] {
        self.bytes.get(self.sent..).unwrap_or_default()
    }

    fn push(&mut self, more: &[u8]) {
        // Moving the unsent tail down once it is the smaller half keeps appends and
        // partial writes linear in the bytes that pass.
        if self.sent > 0 && self.sent >= self.bytes.len() / 2 {
            self.bytes.drain(..self.sent);
            self.sent = 0;
        }
        self.bytes.extend_from_slice(more);
    }

    /// Writes until the socket would block or all is sent; `Err` when the socket is
    /// gone.
    fn write_to(&mut self, stream: &mut TcpStream) -> Result<(), ()> {
        while !self.unsent().is_empty() {
            match stream.write(self.unsent()) {
                Ok(0) => return Err(()),
                Ok(n) => self.sent += n,
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => return Err(()),
            }
        }
        if self.unsent().is_empty() {
            self.bytes.clear();
            self.sent = 0;
        }
        Ok(())
    }
}

/// The socket of one [`Server`] connection.
struct Peer {
    stream: TcpStream,
    token: Token,
    out: Outbox,
    /// The server asked to close once `out` is written.
    closing: bool,
    /// Registered for writability too: only while `out` has bytes, or every idle
    /// socket would wake the loop each time its send buffer drains.
    write_interest: bool,
    /// Listed in [`Driver::touched`], to be flushed.
    touched: bool,
    /// More than [`HIGH_WATER`] bytes waited and it has not drained to [`LOW_WATER`]
    /// since: the connections that feed it are not read.
    congested: bool,
    /// Not read because a connection it feeds is congested, with input perhaps left
    /// in the socket: its readiness will not be signalled again, so it is read once
    /// its way is clear.
    paused: bool,
}

/// One Passport HTTP exchange: a request read, one response written, then a hang-up.
struct HttpPeer {
    stream: TcpStream,
    request: Vec<u8>,
    response: Option<Outbox>,
}

/// The thread's state: the server, its sockets, and what links one to the other.
struct Driver {
    server: Server,
    poll: Poll,
    listeners: Vec<(TcpListener, Option<Listener>)>,
    peers: HashMap<ConnId, Peer>,
    tokens: HashMap<Token, ConnId>,
    http: HashMap<Token, HttpPeer>,
    /// Never reused, so a readiness event left over for a closed socket finds nothing
    /// rather than its successor.
    next_token: usize,
    buf: Vec<u8>,
    next_timeout: Option<Instant>,
    /// Sockets and listeners that used up their budget while still ready.
    again: Vec<Token>,
    /// Connections given bytes (or a close) since their last flush.
    touched: Vec<ConnId>,
    #[cfg(test)]
    stats: Arc<Stats>,
}

/// Whether `conn` feeds a congested connection, so that reading it now would only add
/// to bytes that cannot leave.
fn feeds_congested(server: &Server, peers: &HashMap<ConnId, Peer>, conn: ConnId) -> bool {
    server
        .relay_peers(conn)
        .any(|to| peers.get(&to).is_some_and(|p| p.congested))
}

/// Reads `conn` again on the next turn, if it is paused and feeds no congested
/// connection any more.
fn resume(server: &Server, peers: &mut HashMap<ConnId, Peer>, again: &mut Vec<Token>, conn: ConnId) {
    if !peers.get(&conn).is_some_and(|p| p.paused) || feeds_congested(server, peers, conn) {
        return;
    }
    if let Some(peer) = peers.get_mut(&conn) {
        peer.paused = false;
        again.push(peer.token);
    }
}

impl Driver {
    fn run(mut self) -> io::Result<()> {
        let mut events = Events::with_capacity(EVENTS_PER_WAIT);
        loop {
            let timeout = if self.again.is_empty() {
                self.next_timeout
                    .map(|t| t.saturating_duration_since(Instant::now()))
            } else {
                Some(Duration::ZERO)
            };
            match self.poll.poll(&mut events, timeout) {
                Ok(()) => {}
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
            let mut stopping = false;
            for token in std::mem::take(&mut self.again) {
                self.ready(token)?;
            }
            for event in &events {
                if event.token() == WAKER {
                    stopping = true;
                } else {
                    self.ready(event.token())?;
                }
            }
            let now = Instant::now();
            if self.next_timeout.is_some_and(|t| t <= now) {
                self.server.handle_timeout(now);
                self.drain_output();
                self.flush_touched();
            }
            if stopping {
                self.server.shutdown(now);
                self.drain_output();
                self.flush_touched();
                self.linger(&mut events);
                return Ok(());
            }
        }
    }

    /// Serves one ready source: whatever it is ready for is tried, since a failed read
    /// or write costs one call that would block.
    fn ready(&mut self, token: Token) -> io::Result<()> {
        if let Some(&conn) = self.tokens.get(&token) {
            self.flush(conn);
            self.read(conn, token);
        } else if self.http.contains_key(&token) {
            self.serve_http(token);
        } else if token.0 < self.listeners.len() {
            self.accept(token)?;
        }
        self.flush_touched();
        Ok(())
    }

    fn accept(&mut self, token: Token) -> io::Result<()> {
        for _ in 0..ACCEPT_BUDGET {
            let Some((listener, kind)) = self.listeners.get(token.0) else {
                return Ok(());
            };
            let kind = *kind;
            match listener.accept() {
                Ok((stream, _)) => self.admit(stream, kind),
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.again.push(token);
        Ok(())
    }

    /// Registers a new socket; one that cannot be registered is closed unseen.
    fn admit(&mut self, mut stream: TcpStream, kind: Option<Listener>) {
        if kind.is_none() && self.http.len() >= MAX_HTTP_PEERS {
            return;
        }
        let Some(next) = self.next_token.checked_add(1) else {
            return;
        };
        let token = Token(self.next_token);
        if self
            .poll
            .registry()
            .register(&mut stream, token, Interest::READABLE)
            .is_err()
        {
            return;
        }
        self.next_token = next;
        let _ = stream.set_nodelay(true);
        match kind {
            Some(kind) => {
                let conn = self.server.accept(Instant::now(), kind);
                self.tokens.insert(token, conn);
                self.peers.insert(
                    conn,
                    Peer {
                        stream,
                        token,
                        out: Outbox::default(),
                        closing: false,
                        write_interest: false,
                        touched: false,
                        congested: false,
                        paused: false,
                    },
                );
            }
            None => {
                self.http.insert(
                    token,
                    HttpPeer {
                        stream,
                        request: Vec::new(),
                        response: None,
                    },
                );
            }
        }
    }

    /// Reads what the client sent, handing each chunk to the server and its answers to
    /// the sockets at once.
    fn read(&mut self, conn: ConnId, token: Token) {
        let mut budget = READ_BUDGET;
        loop {
            if self.peers.get(&conn).is_none_or(|p| p.closing) {
                return;
            }
            if budget == 0 {
                self.again.push(token);
                return;
            }
            // Checked before every read, not once per turn: what one read relays is
            // the most a congested connection can gain past the mark.
            if feeds_congested(&self.server, &self.peers, conn) {
                if let Some(peer) = self.peers.get_mut(&conn) {
                    peer.paused = true;
                }
                #[cfg(test)]
                self.stats.pauses.fetch_add(1, Ordering::Relaxed);
                return;
            }
            let Some(peer) = self.peers.get_mut(&conn) else {
                return;
            };
            match peer.stream.read(&mut self.buf) {
                Ok(0) => return self.drop_peer(conn, true),
                Ok(n) => {
                    budget = budget.saturating_sub(n);
                    let chunk = self.buf.get(..n).unwrap_or_default();
                    let _ = self.server.handle_input(conn, Instant::now(), chunk);
                    self.drain_output();
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => return self.drop_peer(conn, true),
            }
        }
    }

    /// Moves the server's output to the connections' outboxes, until it is idle.
    fn drain_output(&mut self) {
        loop {
            let conn = match self.server.poll_output() {
                ServerOutput::Transmit { conn, bytes } => {
                    if let Some(peer) = self.peers.get_mut(&conn) {
                        peer.out.push(&bytes);
                        let pending = peer.out.unsent().len();
                        // Marked at once, so that a feeder still reading in this turn
                        // stops before its next read.
                        peer.congested |= pending > HIGH_WATER;
                        #[cfg(test)]
                        self.stats.peak_pending.fetch_max(pending, Ordering::Relaxed);
                    }
                    conn
                }
                ServerOutput::Close { conn } => {
                    if let Some(peer) = self.peers.get_mut(&conn) {
                        peer.closing = true;
                    }
                    conn
                }
                ServerOutput::Event(_) => continue,
                ServerOutput::Idle { next_timeout } => {
                    self.next_timeout = next_timeout;
                    return;
                }
            };
            if let Some(peer) = self.peers.get_mut(&conn).filter(|p| !p.touched) {
                peer.touched = true;
                self.touched.push(conn);
            }
        }
    }

    /// Flushes every touched connection. Each turn either settles one connection or
    /// drops one (whose close may touch others), so this ends.
    fn flush_touched(&mut self) {
        while let Some(conn) = self.touched.pop() {
            self.flush(conn);
        }
    }

    /// Writes what waits for `conn`; closes it once drained if the server asked, drops
    /// it if it stopped reading, and asks for writability only while bytes wait.
    fn flush(&mut self, conn: ConnId) {
        let Some(peer) = self.peers.get_mut(&conn) else {
            return;
        };
        peer.touched = false;
        let written = peer.out.write_to(&mut peer.stream);
        if written.is_err() || peer.out.unsent().len() > MAX_PENDING_WRITE {
            let tell_server = !peer.closing;
            return self.drop_peer(conn, tell_server);
        }
        let pending = peer.out.unsent().len();
        let waiting = pending > 0;
        let drained = peer.congested && pending <= LOW_WATER;
        if drained {
            peer.congested = false;
        }
        // A feeder's way clears when its receiver drains, or when the receiver leaves
        // the session, which the server tells the feeder (`BYE`): either way a flush.
        if peer.paused {
            resume(&self.server, &mut self.peers, &mut self.again, conn);
        }
        if drained {
            // Each feeder visits its receivers: participants squared per drain, and a
            // drain follows `HIGH_WATER - LOW_WATER` bytes written, each of them
            // relayed to every participant.
            for feeder in self.server.relay_peers(conn) {
                resume(&self.server, &mut self.peers, &mut self.again, feeder);
            }
        }
        let Some(peer) = self.peers.get_mut(&conn) else {
            return;
        };
        if peer.closing && !waiting {
            let _ = peer.stream.shutdown(Shutdown::Both);
            return self.drop_peer(conn, false);
        }
        if waiting != peer.write_interest {
            let interest = if waiting {
                Interest::READABLE | Interest::WRITABLE
            } else {
                Interest::READABLE
            };
            if self
                .poll
                .registry()
                .reregister(&mut peer.stream, peer.token, interest)
                .is_err()
            {
                let tell_server = !peer.closing;
                return self.drop_peer(conn, tell_server);
            }
            peer.write_interest = waiting;
        }
    }

    /// Forgets the socket of `conn` (closing it); `tell_server` when the server does
    /// not know yet, so its account goes offline or leaves its switchboard.
    fn drop_peer(&mut self, conn: ConnId, tell_server: bool) {
        if let Some(mut peer) = self.peers.remove(&conn) {
            let _ = self.poll.registry().deregister(&mut peer.stream);
            self.tokens.remove(&peer.token);
        }
        if tell_server {
            let _ = self.server.handle_closed(conn, Instant::now());
            self.drain_output();
        }
    }

    /// Reads a Passport HTTP request until it is complete, then writes the answer and
    /// hangs up; never blocks the loop on a slow client.
    fn serve_http(&mut self, token: Token) {
        let Some(peer) = self.http.get_mut(&token) else {
            return;
        };
        let mut budget = READ_BUDGET;
        while peer.response.is_none() {
            if budget == 0 {
                self.again.push(token);
                return;
            }
            match peer.stream.read(&mut self.buf) {
                Ok(n) if n > 0 => {
                    budget = budget.saturating_sub(n);
                    peer.request
                        .extend_from_slice(self.buf.get(..n).unwrap_or_default());
                    if let Some(response) = self.server.verifier_mut().handle_http_request(&peer.request) {
                        peer.request = Vec::new();
                        let mut out = Outbox::default();
                        out.push(&response);
                        peer.response = Some(out);
                        // The request is all there is to read; writability is what
                        // matters from here.
                        if self
                            .poll
                            .registry()
                            .reregister(&mut peer.stream, token, Interest::WRITABLE)
                            .is_err()
                        {
                            return self.drop_http(token);
                        }
                    }
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                _ => return self.drop_http(token),
            }
        }
        let Some(out) = peer.response.as_mut() else {
            return;
        };
        match out.write_to(&mut peer.stream) {
            Ok(()) if out.unsent().is_empty() => {
                let _ = peer.stream.shutdown(Shutdown::Both);
                self.drop_http(token);
            }
            Ok(()) => {}
            Err(()) => self.drop_http(token),
        }
    }

    fn drop_http(&mut self, token: Token) {
        if let Some(mut peer) = self.http.remove(&token) {
            let _ = self.poll.registry().deregister(&mut peer.stream);
        }
    }

    /// After `shutdown`: gives the last bytes a moment to leave, waking only when a
    /// socket can take more.
    fn linger(&mut self, events: &mut Events) {
        let deadline = Instant::now() + STOP_GRACE;
        while !self.peers.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return;
            }
            match self.poll.poll(events, Some(left)) {
                Ok(()) => {}
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(_) => return,
            }
            for event in events.iter() {
                if let Some(&conn) = self.tokens.get(&event.token()) {
                    self.flush(conn);
                }
            }
            self.flush_touched();
        }
    }
}

#[cfg(test)]
mod tests {
    //! The backpressure on real loopback sockets: a switchboard whose receiver stops
    //! reading stops reading its sender, holds a bounded number of bytes, and reads the
    //! sender again when the receiver drains or leaves.

    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpStream;
    use std::sync::atomic::Ordering;
    use std::thread::JoinHandle;
    use std::time::{Duration, Instant};

    use super::{HIGH_WATER, LoopbackServer, READ_BUDGET};

    /// The longest any one wait may take.
    const STEP: Duration = Duration::from_secs(10);
    const ALICE: &str = "alice@example.com";
    const BOB: &str = "bob@example.com";
    /// Messages alice sends: 16 MiB, far more than the kernel buffers between the
    /// server and a receiver that does not read, and than `MAX_PENDING_WRITE`.
    const COUNT: usize = 10_000;
    const PAYLOAD: usize = 1664;

    /// One side of a raw MSNP connection.
    struct Line {
        out: TcpStream,
        input: BufReader<TcpStream>,
    }

    impl Line {
        fn connect(addr: std::net::SocketAddr) -> Line {
            let out = TcpStream::connect(addr).unwrap();
            out.set_read_timeout(Some(STEP)).unwrap();
            out.set_write_timeout(Some(STEP)).unwrap();
            let input = BufReader::new(out.try_clone().unwrap());
            Line { out, input }
        }

        fn send(&mut self, line: &str) {
            self.out.write_all(line.as_bytes()).unwrap();
        }

        /// The next command line, its payload (if it is a `MSG`) read and returned.
        fn next(&mut self) -> (String, Vec<u8>) {
            let mut line = String::new();
            self.input.read_line(&mut line).unwrap();
            assert!(!line.is_empty(), "the server hung up");
            let mut payload = Vec::new();
            if line.starts_with("MSG ") {
                let len: usize = line.trim_end().rsplit(' ').next().unwrap().parse().unwrap();
                payload.resize(len, 0);
                self.input.read_exact(&mut payload).unwrap();
            }
            (line, payload)
        }

        /// The first line that starts with `prefix`, those before it skipped.
        fn until(&mut self, prefix: &str) -> String {
            loop {
                let (line, _) = self.next();
                if line.starts_with(prefix) {
                    return line;
                }
            }
        }
    }

    fn word_after<'a>(line: &'a str, marker: &str) -> &'a str {
        let rest = &line[line.find(marker).unwrap() + marker.len()..];
        rest.split_whitespace().next().unwrap()
    }

    /// Signs `account` in over MSNP9 (no challenge) with `ticket`, online.
    fn sign_in(server: &LoopbackServer, account: &str, ticket: &str) -> Line {
        let mut ns = Line::connect(server.notification_addr());
        ns.send(&format!(
            "VER 1 MSNP9 CVR0\r\nUSR 2 TWN I {account}\r\nUSR 3 TWN S {ticket}\r\nCHG 4 NLN 0\r\n"
        ));
        ns.until("CHG 4 ");
        ns
    }

    /// Alice and bob in one switchboard session: their switchboard connections, and
    /// their notification connections (closing those would sign them out).
    fn session() -> (LoopbackServer, Line, Line, [Line; 2]) {
        let mut tickets = Vec::new();
        let server = LoopbackServer::start(|s| {
            for account in [ALICE, BOB] {
                s.add_account(account, "pw", "Name")?;
                tickets.push(s.verifier_mut().issue_ticket(account).unwrap());
            }
            Ok(())
        })
        .unwrap();
        let mut alice_ns = sign_in(&server, ALICE, tickets[0].expose());
        let mut bob_ns = sign_in(&server, BOB, tickets[1].expose());
        alice_ns.send("XFR 5 SB\r\n");
        let xfr = alice_ns.until("XFR 5 ");
        let mut alice = Line::connect(server.switchboard_addr());
        alice.send(&format!(
            "USR 1 {ALICE} {}\r\nCAL 2 {BOB}\r\n",
            word_after(&xfr, "CKI ")
        ));
        alice.until("CAL 2 RINGING");
        let rng = bob_ns.until("RNG ");
        let mut bob = Line::connect(server.switchboard_addr());
        bob.send(&format!(
            "ANS 1 {BOB} {} {}\r\n",
            word_after(&rng, "CKI "),
            word_after(&rng, "RNG ")
        ));
        bob.until("ANS 1 OK");
        alice.until("JOI ");
        (server, alice, bob, [alice_ns, bob_ns])
    }

    /// Alice's `COUNT` messages, written from their own thread, which blocks while the
    /// server does not read her.
    fn flood(alice: Line) -> JoinHandle<Line> {
        std::thread::spawn(move || {
            let mut alice = alice;
            let mut message = Vec::new();
            for n in 0..COUNT {
                message.clear();
                message.extend_from_slice(format!("MSG {} N {PAYLOAD}\r\n", n + 3).as_bytes());
                message.resize(message.len() + PAYLOAD, b'a' + (n % 26) as u8);
                alice.out.write_all(&message).unwrap();
            }
            alice
        })
    }

    /// The most bytes that may wait for a receiver whose senders are paused.
    const BOUND: usize = HIGH_WATER + READ_BUDGET;

    /// Waits until the server has stopped reading a connection for backpressure;
    /// fails at once if the bytes for the receiver grow past [`BOUND`] first.
    fn paused(server: &LoopbackServer) {
        let deadline = Instant::now() + STEP;
        while server.stats.pauses.load(Ordering::Relaxed) == 0 {
            let peak = server.stats.peak_pending.load(Ordering::Relaxed);
            assert!(
                peak <= BOUND,
                "{peak} bytes waited, and the sender was not paused"
            );
            assert!(Instant::now() < deadline, "the sender was never paused");
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    #[test]
    fn a_receiver_that_stops_reading_pauses_its_sender_and_draining_resumes_it() {
        let (server, alice, mut bob, _ns) = session();
        let sender = flood(alice);
        paused(&server);
        // Only now does bob read: every message arrives, whole and in order, so none
        // was dropped and the paused sender was read again each time bob drained.
        for n in 0..COUNT {
            let (line, payload) = bob.next();
            assert_eq!(line, format!("MSG {ALICE} Name {PAYLOAD}\r\n"), "message {n}");
            assert!(payload.iter().all(|&b| b == b'a' + (n % 26) as u8), "message {n}");
        }
        sender.join().unwrap();
        let peak = server.stats.peak_pending.load(Ordering::Relaxed);
        assert!(peak > HIGH_WATER && peak <= BOUND, "{peak} bytes waited for bob");
        eprintln!("peak {peak} bytes pending for the stalled receiver");
    }

    #[test]
    fn a_receiver_that_leaves_resumes_its_paused_sender() {
        let (server, alice, bob, _ns) = session();
        let sender = flood(alice);
        paused(&server);
        // Bob hangs up unread: alice is read again (her messages now go nowhere and
        // are answered NAK), so all of them are taken.
        drop(bob);
        let mut alice = sender.join().unwrap();
        alice.until("BYE ");
        let peak = server.stats.peak_pending.load(Ordering::Relaxed);
        assert!(peak <= BOUND, "{peak} bytes waited for bob");
    }
}
