//! [`Network`]: [`Client`]s and the crate's own [`Server`] wired together in memory.
//!
//! Bytes go from one machine to the other without sockets, and time only moves when a
//! test says so ([`Network::advance`], [`Network::advance_to_next_timeout`]), so a
//! session of minutes runs in microseconds (quinn-proto's `Pair`, for a whole network).
//! Passport runs for real: each client's [`ClientOutput::HttpRequest`] is encoded to
//! HTTP bytes and answered by the server's in-memory Passport authority, as over plain
//! HTTP. A client that listens for an MSNFTP peer ([`ClientOutput::Listen`]) gets an
//! address of its own (in `192.0.2.0/24`), and the client that connects there is wired
//! to it directly.
//!
//! ```
//! use msnp::client::{ClientConfig, ClientEvent};
//! use msnp::testing::loopback::Network;
//!
//! let mut net = Network::new();
//! let alice = net.add_client("alice@example.com", "secret", "Alice", ClientConfig::default());
//! net.run();
//! assert!(net.take_events(alice).iter().any(|e| matches!(e, ClientEvent::LoggedIn { .. })));
//! ```

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::Secret;
use crate::client::{Client, ClientConfig, ClientEvent, ClientOutput, ConnId};
use crate::codec::{HostPort, List, Passport};
use crate::passport::{HttpRequest, HttpResponse, PassportConfig};
use crate::server::{self, Listener, Server, ServerConfig, ServerOutput};

/// The addresses the in-memory server answers on.
const DISPATCH: (&str, u16) = ("127.0.0.1", 1863);
const NOTIFICATION: (&str, u16) = ("127.0.0.1", 1864);
const SWITCHBOARD: (&str, u16) = ("127.0.0.1", 1865);
const PASSPORT_HOST: &str = "127.0.0.1:8080";

/// A client of the network and what it has said so far.
#[derive(Debug)]
struct Peer {
    client: Client,
    events: Vec<ClientEvent>,
    /// The server's end of each of this client's connections.
    links: HashMap<ConnId, server::ConnId>,
    /// Every address the client asked to connect to, in order.
    connects: Vec<HostPort<'static>>,
}

/// Clients and a server, connected in memory. See the module docs.
#[derive(Debug)]
pub struct Network {
    server: Server,
    peers: Vec<Peer>,
    /// Which client connection each server connection belongs to.
    routes: HashMap<server::ConnId, (usize, ConnId)>,
    /// Clients listening for a direct connection, by the address they were given.
    listening: HashMap<HostPort<'static>, (usize, ConnId)>,
    /// Each end of a direct connection between two clients, to the other end.
    directs: HashMap<(usize, ConnId), (usize, ConnId)>,
    next_port: u16,
    now: Instant,
}

impl Default for Network {
    fn default() -> Self {
        Self::new()
    }
}

fn addr((host, port): (&str, u16)) -> HostPort<'static> {
    HostPort::new(host.to_owned(), port).unwrap_or_else(|_| unreachable!("constant address"))
}

impl Network {
    /// A server with no accounts, at a fixed starting time.
    pub fn new() -> Self {
        let now = Instant::now();
        let config = ServerConfig {
            dispatch_addr: addr(DISPATCH),
            notification_addr: addr(NOTIFICATION),
            switchboard_addr: addr(SWITCHBOARD),
            ..ServerConfig::default()
        };
        let mut server = Server::new(config, now);
        server.verifier_mut().set_login_host(PASSPORT_HOST);
        Network {
            server,
            peers: Vec::new(),
            routes: HashMap::new(),
            listening: HashMap::new(),
            directs: HashMap::new(),
            next_port: 6891,
            now,
        }
    }

    /// The server, to inspect or change its directory.
    pub fn server(&mut self) -> &mut Server {
        &mut self.server
    }

    /// The current time of the network.
    pub fn now(&self) -> Instant {
        self.now
    }

    /// Creates `account` on the server and a client that signs in to it through the
    /// dispatch server; returns the client's index.
    ///
    /// # Panics
    ///
    /// When `account` is not a valid handle: this is a test helper.
    pub fn add_client(&mut self, account: &str, password: &str, name: &str, config: ClientConfig) -> usize {
        self.server
            .add_account(account, password, name)
            .unwrap_or_else(|e| panic!("cannot add {account}: {e}"));
        self.add_session(account, password, config)
    }

    /// A client that signs in to `account`, which already exists on the server (added
    /// by an earlier [`Network::add_client`]): a second session of the same account, or
    /// a later one reusing a kept contact list. Returns the client's index.
    ///
    /// # Panics
    ///
    /// When `account` is not a valid handle: this is a test helper.
    pub fn add_session(&mut self, account: &str, password: &str, mut config: ClientConfig) -> usize {
        config.server = addr(DISPATCH);
        let handle = Passport::try_from(account.to_owned()).unwrap_or_else(|e| panic!("{account}: {e}"));
        config.passport = PassportConfig {
            nexus_url: format!("http://{PASSPORT_HOST}/rdr/pprdr.asp"),
            allow_http: true,
            ..config.passport
        };
        self.peers.push(Peer {
            client: Client::new(config, handle, Secret::new(password.to_owned()), self.now),
            events: Vec::new(),
            links: HashMap::new(),
            connects: Vec::new(),
        });
        self.peers.len() - 1
    }

    /// Puts accounts `a` and `b` (added already) on each other's forward and allow
    /// lists, on the server only: their clients learn it from the list download.
    ///
    /// # Panics
    ///
    /// When either account does not exist: this is a test helper.
    pub fn befriend(&mut self, a: &str, b: &str) {
        for (owner, contact) in [(a, b), (b, a)] {
            for list in [List::Forward, List::Allow] {
                self.server
                    .directory_mut()
                    .add_to_list(owner, list, contact, None, None)
                    .unwrap_or_else(|e| panic!("cannot put {contact} on {owner}'s lists: {e}"));
            }
        }
    }

    /// Client `peer`, to call its mutators; then call [`Network::run`].
    pub fn client(&mut self, peer: usize) -> &mut Client {
        &mut self.peers[peer].client
    }

    /// Takes the events client `peer` emitted so far.
    pub fn take_events(&mut self, peer: usize) -> Vec<ClientEvent> {
        std::mem::take(&mut self.peers[peer].events)
    }

    /// Every address client `peer` asked to connect to so far, in order: the dispatch
    /// server, the notification server it referred to, then switchboards.
    pub fn connects(&self, peer: usize) -> &[HostPort<'static>] {
        &self.peers[peer].connects
    }

    /// Resets every switchboard connection of client `peer` (or of all clients, with
    /// `None`) as a crashed switchboard would: both ends see the transport close, the
    /// server without a goodbye. Returns how many were dropped; then call
    /// [`Network::run`].
    pub fn drop_switchboards(&mut self, peer: Option<usize>) -> usize {
        let now = self.now;
        let mut doomed: Vec<(server::ConnId, usize, ConnId)> = self
            .routes
            .iter()
            .filter(|(conn, (index, _))| {
                peer.is_none_or(|p| p == *index)
                    && self.server.listener(**conn) == Some(Listener::Switchboard)
            })
            .map(|(&conn, &(index, client_conn))| (conn, index, client_conn))
            .collect();
        // The routes are a hash map: close in a fixed order so runs are reproducible.
        doomed.sort();
        for &(server_conn, index, client_conn) in &doomed {
            self.routes.remove(&server_conn);
            self.peers[index].links.remove(&client_conn);
            let _ = self.server.handle_closed(server_conn, now);
            self.peers[index].client.handle_closed(client_conn, now);
        }
        doomed.len()
    }

    /// Cuts every direct connection between two clients (MSNFTP transfers), as a
    /// failed network would: both ends see the transport close. Returns how many were
    /// cut; then call [`Network::run`].
    pub fn drop_direct_connections(&mut self) -> usize {
        let now = self.now;
        let mut ends: Vec<(usize, ConnId)> = self.directs.drain().map(|(end, _)| end).collect();
        // A hash map: close in a fixed order so runs are reproducible.
        ends.sort();
        for &(index, conn) in &ends {
            self.peers[index].client.handle_closed(conn, now);
        }
        ends.len() / 2
    }

    /// Hands client `peer`'s pending output to the server without letting the server
    /// answer yet: what the client wrote is now in flight.
    pub fn flush_client(&mut self, peer: usize) {
        self.drain_client(peer);
    }

    /// Moves bytes until no machine has anything more to say.
    ///
    /// # Panics
    ///
    /// When the machines keep talking for a million steps: a livelock.
    pub fn run(&mut self) {
        for _ in 0..1_000_000 {
            if !self.step() {
                return;
            }
        }
        panic!("the network never went quiet");
    }

    /// Moves the clock on by `by`, fires every timer that is due, and runs.
    pub fn advance(&mut self, by: Duration) {
        self.now += by;
        for peer in &mut self.peers {
            peer.client.handle_timeout(self.now);
        }
        self.server.handle_timeout(self.now);
        self.run();
    }

    /// Jumps to the earliest timer of any machine and fires it; false when none is set.
    pub fn advance_to_next_timeout(&mut self) -> bool {
        let mut next: Option<Instant> = None;
        for peer in &mut self.peers {
            if let ClientOutput::Idle { next_timeout } = peer.client.poll_output() {
                next = next.into_iter().chain(next_timeout).min();
            }
        }
        if let ServerOutput::Idle { next_timeout } = self.server.poll_output() {
            next = next.into_iter().chain(next_timeout).min();
        }
        match next {
            Some(at) => {
                self.advance(at.saturating_duration_since(self.now));
                true
            }
            None => false,
        }
    }

    /// One round: every client's output, then the server's. False when all were idle.
    fn step(&mut self) -> bool {
        let mut progress = false;
        for index in 0..self.peers.len() {
            progress |= self.drain_client(index);
        }
        loop {
            match self.server.poll_output() {
                ServerOutput::Idle { .. } => break,
                output => {
                    progress = true;
                    self.server_output(output);
                }
            }
        }
        progress
    }

    /// Drains client `index`, as its driver must after every input; true if it had output.
    fn drain_client(&mut self, index: usize) -> bool {
        let mut progress = false;
        loop {
            let peer = &mut self.peers[index];
            // A transmit borrows the client, so it is handed to the server right here;
            // every other output owns its data and goes on to `client_output`.
            let output = match peer.client.poll_output() {
                ClientOutput::Idle { .. } => return progress,
                ClientOutput::Transmit { conn, bytes } => {
                    if let Some(&server_conn) = peer.links.get(&conn) {
                        // An error means the server already closed it; its Close output follows.
                        let _ = self.server.handle_input(server_conn, self.now, bytes);
                    } else if let Some(&(other, other_conn)) = self.directs.get(&(index, conn)) {
                        let bytes = bytes.to_vec();
                        self.peers[other]
                            .client
                            .handle_input(other_conn, self.now, &bytes);
                    }
                    None
                }
                ClientOutput::Listen { conn, toward } => Some(ClientOutput::Listen { conn, toward }),
                ClientOutput::Connect { conn, addr } => Some(ClientOutput::Connect { conn, addr }),
                ClientOutput::Close { conn } => Some(ClientOutput::Close { conn }),
                ClientOutput::HttpRequest { id, request } => Some(ClientOutput::HttpRequest { id, request }),
                ClientOutput::Event(event) => Some(ClientOutput::Event(event)),
            };
            progress = true;
            if let Some(output) = output {
                self.client_output(index, output);
            }
        }
    }

    fn client_output(&mut self, index: usize, output: ClientOutput<'static>) {
        let now = self.now;
        match output {
            ClientOutput::Connect { conn, addr } => {
                self.peers[index].connects.push(addr.clone());
                let listener = match (addr.host(), addr.port()) {
                    (host, port) if (host, port) == DISPATCH => Some(Listener::Dispatch),
                    (host, port) if (host, port) == NOTIFICATION => Some(Listener::Notification),
                    (host, port) if (host, port) == SWITCHBOARD => Some(Listener::Switchboard),
                    _ => None,
                };
                if let Some((other, other_conn)) = self.listening.remove(&addr) {
                    self.directs.insert((index, conn), (other, other_conn));
                    self.directs.insert((other, other_conn), (index, conn));
                    self.peers[other].client.handle_connected(other_conn, now);
                    self.peers[index].client.handle_connected(conn, now);
                    return;
                }
                let peer = &mut self.peers[index];
                match listener {
                    Some(listener) => {
                        let server_conn = self.server.accept(now, listener);
                        peer.links.insert(conn, server_conn);
                        self.routes.insert(server_conn, (index, conn));
                        peer.client.handle_connected(conn, now);
                    }
                    None => peer.client.handle_connect_failed(conn, now),
                }
            }
            ClientOutput::Listen { conn, .. } => {
                let host = format!("192.0.2.{}", index % 254 + 1);
                let port = self.next_port;
                self.next_port = self.next_port.wrapping_add(1).max(1024);
                match HostPort::new(host, port) {
                    Ok(addr) => {
                        self.listening.insert(addr.clone(), (index, conn));
                        self.peers[index].client.handle_listening(conn, now, &addr);
                    }
                    Err(_) => self.peers[index].client.handle_connect_failed(conn, now),
                }
            }
            // Handed to the server in `drain_client`.
            ClientOutput::Transmit { .. } => {}
            ClientOutput::Close { conn } => {
                if let Some(server_conn) = self.peers[index].links.remove(&conn) {
                    self.routes.remove(&server_conn);
                    let _ = self.server.handle_closed(server_conn, now);
                }
                self.listening.retain(|_, listener| *listener != (index, conn));
                if let Some(other) = self.directs.remove(&(index, conn)) {
                    self.directs.remove(&other);
                    self.peers[other.0].client.handle_closed(other.1, now);
                }
            }
            ClientOutput::HttpRequest { id, request } => {
                let mut bytes = Vec::new();
                request.encode(&mut bytes);
                let answer = self.server.verifier_mut().handle_http_request(&bytes);
                let client = &mut self.peers[index].client;
                match answer.map(|head| HttpResponse::parse_head(&head)) {
                    Some(Ok(response)) => client.handle_http_response(now, id, response),
                    Some(Err(error)) => client.handle_http_failed(now, id, error.to_string()),
                    None => client.handle_http_failed(now, id, "the server sent no answer".to_owned()),
                }
            }
            ClientOutput::Event(event) => self.peers[index].events.push(event),
            ClientOutput::Idle { .. } => {}
        }
    }

    fn server_output(&mut self, output: ServerOutput) {
        let now = self.now;
        match output {
            ServerOutput::Transmit { conn, bytes } => {
                if let Some(&(index, client_conn)) = self.routes.get(&conn) {
                    self.peers[index].client.handle_input(client_conn, now, &bytes);
                    self.drain_client(index);
                }
            }
            ServerOutput::Close { conn } => {
                if let Some((index, client_conn)) = self.routes.remove(&conn) {
                    self.peers[index].links.remove(&client_conn);
                    self.peers[index].client.handle_closed(client_conn, now);
                }
            }
            _ => {}
        }
    }
}

/// A Passport that signs anyone in with `ticket`, for scripted tests of a
/// [`Client`]: a request without credentials is the nexus's, answered with a login
/// server on the same host; one with credentials gets `ticket`.
///
/// ```
/// use msnp::passport::{PassportConfig, PassportFlow, Step};
/// use msnp::testing::loopback::passport_answer;
/// use msnp::Secret;
///
/// let password = Secret::new("pw".to_owned());
/// let flow = PassportFlow::new(&PassportConfig::default(), "lc=1033", "a@b.c", &password)?;
/// let answer = passport_answer(flow.request(), "t=1&p=2");
/// let Step::Continue(flow) = flow.handle_response(answer)? else {
///     panic!("the nexus names the login server")
/// };
/// let answer = passport_answer(flow.request(), "t=1&p=2");
/// let Step::Done(ticket) = flow.handle_response(answer)? else {
///     panic!("the login server issues the ticket")
/// };
/// assert_eq!(ticket.expose(), "t=1&p=2");
/// # Ok::<(), msnp::passport::PassportError>(())
/// ```
pub fn passport_answer(request: &HttpRequest, ticket: &str) -> HttpResponse {
    crate::passport::success_answer(request, ticket)
}
