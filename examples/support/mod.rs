//! A blocking `std::net` driver for [`msnp::client::Client`], shared by the examples and
//! the TCP tests.
//!
//! The crate does no I/O; this is the smallest honest loop around it, on one thread:
//!
//! 1. perform every [`ClientOutput`] in order: `Connect` (a blocking connect with a
//!    timeout), `Transmit` (written without blocking, the rest kept for later), `Close`;
//! 2. read every socket without blocking, handing the bytes to the client and draining
//!    `poll_output` until `Idle` after *each* input (the run-loop contract);
//! 3. call `handle_timeout` once the `Idle` deadline has passed;
//! 4. when nothing happened, sleep until the earliest of that deadline and a short poll
//!    interval.
//!
//! A real program would use a readiness API (mio, tokio) instead of the poll interval;
//! the calls into the client stay the same. The client's Passport requests are
//! performed right in the loop over HTTPS ([`UreqTransport`]).
//!
//! [`msnp::client::Client`]: msnp::client::Client

// Each example uses its own part of this module.
#![allow(dead_code)]

pub mod demo;
pub mod wait;

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, ToSocketAddrs};
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use msnp::Secret;
use msnp::client::{Client, ClientConfig, ClientEvent, ClientOutput, ConnId, HttpId};
use msnp::codec::{HostPort, Passport};
use msnp::passport::{HttpRequest, HttpResponse, PassportConfig, PassportTransport};

/// How long a TCP connect may take before the connection counts as failed.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest the loop sleeps without looking at its sockets: the latency a loop
/// without a readiness API pays.
pub const POLL_INTERVAL: Duration = Duration::from_millis(1);
/// Bytes held for a socket that does not take them; past this the connection counts as
/// lost, so a stalled peer cannot grow memory without bound.
const MAX_UNSENT: usize = 4 * 1024 * 1024;
/// Reads per socket per turn, so one busy connection cannot starve the others.
const MAX_READS_PER_TURN: usize = 16;
/// How long the bytes queued before a `Close` (a final `OUT`) may take to leave.
const LINGER: Duration = Duration::from_secs(1);
/// How long one Passport HTTP request may take.
const HTTP_TIMEOUT: Duration = Duration::from_secs(30);

/// Who signs in, and how Passport is reached.
#[derive(Debug, Clone)]
pub struct Login {
    /// The account (the Passport's e-mail address).
    pub account: String,
    /// Its password; only ever sent to the Passport login server.
    pub password: Secret<String>,
    /// The nexus URL, the cached login server, and whether plain HTTP is allowed.
    pub passport: PassportConfig,
}

impl Login {
    /// `account` with `password`, through Passport's default (HTTPS) nexus.
    pub fn new(account: &str, password: &str) -> Self {
        Login {
            account: account.to_owned(),
            password: Secret::new(password.to_owned()),
            passport: PassportConfig::default(),
        }
    }

    /// For the crate's loopback server: its nexus, over plain HTTP.
    pub fn loopback(account: &str, password: &str, nexus_url: &str) -> Self {
        let mut login = Login::new(account, password);
        login.passport.nexus_url = nexus_url.to_owned();
        login.passport.allow_http = true;
        login
    }
}

/// Why a [`Driver`] gave up. Protocol-level endings are not errors: they arrive as
/// [`ClientEvent::SessionEnded`].
#[derive(Debug)]
pub enum DriverError {
    /// The account is not a valid e-mail address for MSNP.
    InvalidAccount(String),
    /// A connection needed to sign in could not be opened.
    Connect {
        /// Where to.
        addr: String,
        /// Why.
        source: io::Error,
    },
    /// Passport issued no ticket (wrong password, unreachable server, …), in the
    /// client's words.
    Passport(String),
}

impl fmt::Display for DriverError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DriverError::InvalidAccount(account) => write!(f, "{account:?} is not a valid account"),
            DriverError::Connect { addr, source } => write!(f, "cannot connect to {addr}: {source}"),
            DriverError::Passport(reason) => write!(f, "{reason}"),
        }
    }
}

impl std::error::Error for DriverError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DriverError::Connect { source, .. } => Some(source),
            DriverError::Passport(_) | DriverError::InvalidAccount(_) => None,
        }
    }
}

/// One TCP connection of the client.
struct Socket {
    stream: TcpStream,
    /// Bytes the kernel did not take yet.
    unsent: Vec<u8>,
}

/// A [`Client`] with its sockets and its clock. See the module docs.
///
/// ```ignore
/// let login = Login::new("bot@example.com", "password");
/// let mut bot = Driver::start(ClientConfig::default(), login, UreqTransport::new(None)?)?;
/// while let Some(event) = bot.next_event(Duration::from_secs(60))? {
///     println!("{event:?}");
/// }
/// ```
pub struct Driver {
    client: Client,
    sockets: BTreeMap<ConnId, Socket>,
    login: Login,
    http: UreqTransport,
    next_timeout: Option<Instant>,
    events: VecDeque<ClientEvent>,
    /// A failure to report before any further event.
    failure: Option<DriverError>,
    signed_in: bool,
}

impl Driver {
    /// Creates the client and opens its first connection (to `config.server`).
    pub fn start(mut config: ClientConfig, login: Login, http: UreqTransport) -> Result<Driver, DriverError> {
        let account = Passport::try_from(login.account.clone())
            .map_err(|_| DriverError::InvalidAccount(login.account.clone()))?;
        config.passport = login.passport.clone();
        let client = Client::new(config, account, login.password.clone(), Instant::now());
        let mut driver = Driver {
            client,
            sockets: BTreeMap::new(),
            login,
            http,
            next_timeout: None,
            events: VecDeque::new(),
            failure: None,
            signed_in: false,
        };
        driver.drain();
        Ok(driver)
    }

    // ----- getters -----

    /// The client, to read its state.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The login server learned from the nexus.
    pub fn dalogin(&self) -> Option<&str> {
        self.client.passport_dalogin()
    }

    /// The remote address of every open connection.
    pub fn peer_addrs(&self) -> Vec<(ConnId, SocketAddr)> {
        self.sockets
            .iter()
            .filter_map(|(&conn, socket)| Some((conn, socket.stream.peer_addr().ok()?)))
            .collect()
    }

    // ----- mutators -----

    /// Calls one of the client's mutators with the current time, then performs the
    /// output it queued.
    ///
    /// ```ignore
    /// driver.act(|client, now| client.set_status(now, Status::Busy))?;
    /// ```
    pub fn act<R>(&mut self, call: impl FnOnce(&mut Client, Instant) -> R) -> R {
        let result = call(&mut self.client, Instant::now());
        self.drain();
        result
    }

    // ----- the loop -----

    /// Waits up to `timeout` for the next event, doing the I/O meanwhile; `None` when
    /// the time ran out. After [`ClientEvent::SessionEnded`] no more events come.
    pub fn next_event(&mut self, timeout: Duration) -> Result<Option<ClientEvent>, DriverError> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(event) = self.take_event()? {
                return Ok(Some(event));
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(None);
            }
            if !self.turn() {
                thread::sleep(self.idle_wait(now).min(deadline - now));
            }
        }
    }

    /// The next event already received, without waiting or doing I/O.
    pub fn take_event(&mut self) -> Result<Option<ClientEvent>, DriverError> {
        if let Some(failure) = self.failure.take() {
            return Err(failure);
        }
        Ok(self.events.pop_front())
    }

    /// One round of I/O without blocking: reads every socket, writes what is pending,
    /// fires the timer if it is due. True when anything happened. For loops that drive
    /// several clients ([`turn_all`]).
    pub fn turn(&mut self) -> bool {
        let mut progress = false;
        let conns: Vec<ConnId> = self.sockets.keys().copied().collect();
        for conn in conns {
            progress |= self.read(conn);
            progress |= self.flush(conn);
        }
        let now = Instant::now();
        if self.next_timeout.is_some_and(|at| at <= now) {
            self.client.handle_timeout(now);
            self.drain();
            progress = true;
        }
        progress
    }

    /// How long the loop may sleep when idle: until the client's timer, at most
    /// [`POLL_INTERVAL`].
    fn idle_wait(&self, now: Instant) -> Duration {
        match self.next_timeout {
            Some(at) => at.saturating_duration_since(now).min(POLL_INTERVAL),
            None => POLL_INTERVAL,
        }
    }

    /// Reads what `conn` has, handing each read to the client and draining after each.
    fn read(&mut self, conn: ConnId) -> bool {
        let mut buf = [0u8; 16 * 1024];
        for reads in 0..MAX_READS_PER_TURN {
            let Some(socket) = self.sockets.get_mut(&conn) else {
                return reads > 0;
            };
            match socket.stream.read(&mut buf) {
                Ok(0) => {
                    self.lost(conn);
                    return true;
                }
                Ok(n) => {
                    self.client.handle_input(conn, Instant::now(), &buf[..n]);
                    self.drain();
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => return reads > 0,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => {
                    self.lost(conn);
                    return true;
                }
            }
        }
        true
    }

    /// Writes what the kernel takes of `conn`'s pending bytes.
    fn flush(&mut self, conn: ConnId) -> bool {
        let Some(socket) = self.sockets.get_mut(&conn) else {
            return false;
        };
        let mut progress = false;
        while !socket.unsent.is_empty() {
            match socket.stream.write(&socket.unsent) {
                Ok(0) => break,
                Ok(n) => {
                    socket.unsent.drain(..n);
                    progress = true;
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => {
                    self.lost(conn);
                    return true;
                }
            }
        }
        if socket.unsent.len() > MAX_UNSENT {
            self.lost(conn);
            return true;
        }
        progress
    }

    /// The connection ended under us: tell the client.
    fn lost(&mut self, conn: ConnId) {
        self.sockets.remove(&conn);
        self.client.handle_closed(conn, Instant::now());
        self.drain();
    }

    /// Performs the client's output until it is idle.
    fn drain(&mut self) {
        loop {
            match self.client.poll_output() {
                ClientOutput::Connect { conn, addr } => self.connect(conn, &addr),
                ClientOutput::Transmit { conn, bytes } => {
                    if let Some(socket) = self.sockets.get_mut(&conn) {
                        socket.unsent.extend_from_slice(bytes);
                        self.flush(conn);
                    }
                }
                ClientOutput::Close { conn } => {
                    if let Some(socket) = self.sockets.remove(&conn) {
                        close(socket);
                    }
                }
                ClientOutput::HttpRequest { id, request } => self.http_request(id, &request),
                ClientOutput::Event(event) => self.on_event(event),
                ClientOutput::Idle { next_timeout } => {
                    self.next_timeout = next_timeout;
                    return;
                }
            }
        }
    }

    fn on_event(&mut self, event: ClientEvent) {
        match &event {
            ClientEvent::SessionEnded {
                reason:
                    msnp::client::CloseReason::Notification(msnp::ns::CloseReason::PassportFailed { reason }),
            } if self.failure.is_none() => self.failure = Some(DriverError::Passport(reason.clone())),
            ClientEvent::LoggedIn { .. } => self.signed_in = true,
            _ => {}
        }
        self.events.push_back(event);
    }

    fn connect(&mut self, conn: ConnId, addr: &HostPort<'static>) {
        let now = Instant::now();
        match open(addr) {
            Ok(stream) => {
                self.sockets.insert(
                    conn,
                    Socket {
                        stream,
                        unsent: Vec::new(),
                    },
                );
                self.client.handle_connected(conn, now);
            }
            Err(source) => {
                // Before sign-in every connection is the dispatch or notification
                // server's, and the session cannot go on without it; later ones are
                // switchboards, whose failure the client reports per message.
                if !self.signed_in && self.failure.is_none() {
                    self.failure = Some(DriverError::Connect {
                        addr: addr.to_string(),
                        source,
                    });
                }
                self.client.handle_connect_failed(conn, now);
            }
        }
    }

    fn http_request(&mut self, id: HttpId, request: &HttpRequest) {
        let result = self.http.get(request);
        let now = Instant::now();
        match result {
            Ok(response) => self.client.handle_http_response(now, id, response),
            Err(error) => self.client.handle_http_failed(now, id, error.to_string()),
        }
    }
}

/// Turns every driver once, and sleeps a poll interval when none had anything to do.
pub fn turn_all(drivers: &mut [&mut Driver]) {
    let mut progress = false;
    for driver in drivers.iter_mut() {
        progress |= driver.turn();
    }
    if !progress {
        let now = Instant::now();
        let wait = drivers
            .iter()
            .map(|d| d.idle_wait(now))
            .min()
            .unwrap_or(POLL_INTERVAL);
        thread::sleep(wait);
    }
}

/// Resolves `addr` and connects to the first address that answers.
fn open(addr: &HostPort<'static>) -> io::Result<TcpStream> {
    let mut last = io::Error::new(ErrorKind::NotFound, "the name resolves to no address");
    for candidate in (addr.host(), addr.port()).to_socket_addrs()? {
        match TcpStream::connect_timeout(&candidate, CONNECT_TIMEOUT) {
            Ok(stream) => {
                stream.set_nonblocking(true)?;
                // Commands are small and answered one by one: do not wait to batch them.
                stream.set_nodelay(true)?;
                return Ok(stream);
            }
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// Lets the bytes queued before a `Close` leave (within [`LINGER`]), then hangs up.
fn close(mut socket: Socket) {
    if !socket.unsent.is_empty()
        && socket.stream.set_nonblocking(false).is_ok()
        && socket.stream.set_write_timeout(Some(LINGER)).is_ok()
    {
        let _ = socket.stream.write_all(&socket.unsent);
    }
    let _ = socket.stream.shutdown(Shutdown::Both);
}

/// [`PassportTransport`] over `ureq` with rustls: Mozilla's roots (plus any given), no
/// redirects followed (the flow follows them itself), every status returned as it is.
#[derive(Clone)]
pub struct UreqTransport {
    agent: ureq::Agent,
}

impl UreqTransport {
    /// A transport that also trusts the certificates in the PEM file `extra_roots`
    /// (for a Passport server with a private CA).
    pub fn new(extra_roots: Option<&Path>) -> Result<UreqTransport, String> {
        use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};

        let mut tls = TlsConfig::builder();
        if let Some(path) = extra_roots {
            let pem = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let mut roots: Vec<Certificate<'static>> = webpki_root_certs::TLS_SERVER_ROOT_CERTS
                .iter()
                .map(|der| Certificate::from_der(der.as_ref()).to_owned())
                .collect();
            let mut added = 0;
            for item in ureq::tls::parse_pem(&pem) {
                match item {
                    Ok(PemItem::Certificate(cert)) => {
                        roots.push(cert);
                        added += 1;
                    }
                    Ok(_) => {}
                    Err(e) => return Err(format!("{}: {e}", path.display())),
                }
            }
            if added == 0 {
                return Err(format!("{} holds no PEM certificate", path.display()));
            }
            tls = tls.root_certs(RootCerts::from(roots));
        }
        let agent = ureq::Agent::config_builder()
            .tls_config(tls.build())
            .max_redirects(0)
            .http_status_as_error(false)
            .timeout_global(Some(HTTP_TIMEOUT))
            .build()
            .new_agent();
        Ok(UreqTransport { agent })
    }
}

impl PassportTransport for UreqTransport {
    type Error = ureq::Error;

    fn get(&mut self, request: &HttpRequest) -> Result<HttpResponse, ureq::Error> {
        let mut call = self.agent.get(request.url());
        for (name, value) in request.headers() {
            // ureq writes `Host` from the URL, which is the same value.
            if !name.eq_ignore_ascii_case("host") {
                call = call.header(name, value);
            }
        }
        let response = call.call()?;
        let mut answer = HttpResponse::new(response.status().as_u16());
        for (name, value) in response.headers() {
            if let Ok(value) = value.to_str() {
                answer.push_header(name.as_str(), value);
            }
        }
        Ok(answer)
    }
}
