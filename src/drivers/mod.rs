//! What the two drivers, `msnp::tokio` (feature `tokio`) and `msnp::blocking` (feature
//! `blocking`), share: their settings ([`DriverConfig`]), why a
//! session could not start or ended ([`DriverError`]), and the run loop around the
//! [`Client`](crate::client::Client) that both carry out, each with its own sockets,
//! timers and HTTP client.
//!
//! Every protocol decision stays in the `Client`; a driver only moves bytes, reads the
//! clock and performs the Passport requests the `Client` asks for. How it opens a
//! connection and makes an HTTP request is its connector's business
//! (`msnp::tokio::Connector`, `msnp::blocking::Connector`): TCP and HTTPS by default,
//! the crate's server in memory for tests (`msnp::testing::memory`).
//!
//! # Backpressure
//!
//! Nothing waits on a slow peer except that peer's own connection:
//! - each socket has a reader and a writer of its own, so the notification server's
//!   keep-alive and the other conversations go on on time while one peer does not
//!   read; a connection whose peer takes no bytes for [`DriverConfig::write_timeout`],
//!   or leaves [`DriverConfig::write_queue`] transmits unwritten, is closed as if the
//!   peer had hung up (for a switchboard, its unacknowledged messages end
//!   undelivered);
//! - a message sent while its conversation's window is full waits in the `Client`'s
//!   queue ([`ClientConfig::max_queued_messages`](crate::client::ClientConfig::max_queued_messages),
//!   over all conversations); only past that bound is the send refused with
//!   [`ClientError::TooManyQueued`];
//! - a file goes out no faster than its peer takes it: over P2P the switchboard's
//!   window holds it back until the server acknowledges (and the crate's loopback
//!   server reads a sender only as fast as the receivers take the relayed bytes);
//!   over MSNFTP, whose data nothing acknowledges, each writer reports what it wrote
//!   to the `Client`
//!   ([`Client::handle_written`](crate::client::Client::handle_written)), whose
//!   [`TransferConfig::direct_write_window`](crate::client::TransferConfig::direct_write_window)
//!   ([`DIRECT_WRITE_WINDOW`] unless set) stops `write_transfer` while that much
//!   waits for the socket, and tells the transfer's progress again once a quarter of
//!   it is left;
//! - events wait for the bot in a queue of [`DriverConfig::event_queue`]; a bot that
//!   does not take them slows down its own session (socket data is no longer read),
//!   never grows memory, and never ends it: while reading is paused no timeout is
//!   judged, since the answer it waits for may be among the unread data.

#[cfg(feature = "blocking")]
pub mod blocking;
mod shell;
#[cfg(feature = "tokio")]
pub mod tokio;

use std::io;
use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::client::CloseReason;
use crate::client::{ClientConfig, ClientError};

use shell::{Command, Input, Io, Reply, Shell, TransferAnswer};

/// Settings of a driver: the [`Client`](crate::client::Client)'s, and how the driver
/// reaches the network.
///
/// ```
/// use msnp::drivers::DriverConfig;
/// let mut config = DriverConfig::default();
/// config.ca_file = Some("revival-ca.pem".into());
/// assert_eq!(config.client.server.to_string(), "messenger.hotmail.com:1863");
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct DriverConfig {
    /// The session's settings: server, Passport nexus, bounds, policies.
    pub client: ClientConfig,
    /// A PEM file of extra certificate authorities to trust for Passport over HTTPS,
    /// besides Mozilla's roots: revival and test servers run their own CA.
    pub ca_file: Option<PathBuf>,
    /// Allow Passport over plain HTTP, at the origins of the configured nexus and login
    /// server only (see [`PassportConfig::allow_http`](crate::passport::PassportConfig::allow_http)).
    /// For loopback test servers: the login request carries the password. `false` by
    /// default.
    pub allow_http_passport: bool,
    /// How long opening a TCP connection may take. Default 10 s.
    pub connect_timeout: Duration,
    /// Transmits waiting for one socket's writer; a peer that leaves this many unread
    /// has its connection closed. Default 1024 (about 1.7 MB at the largest `MSG`).
    pub write_queue: usize,
    /// How long a peer may take no bytes at all before its connection is closed: each
    /// write to the socket must move at least one byte within it, so a large transmit
    /// that keeps moving is never cut off. Zero means no limit. Default 30 s.
    pub write_timeout: Duration,
    /// Events waiting for the bot (at least 1). Once this many wait, both drivers stop
    /// handing socket data to the session, and the peers slow down behind TCP; at
    /// most the events of one more input, and one read per connection, wait beyond
    /// it. Commands, connections and Passport answers still go on, but no timeout is
    /// judged until the bot takes an event: a keep-alive answer or an
    /// acknowledgement may sit in the unread data, and a slow bot must not end its
    /// session with a reason that blames the server. When reading resumes, the held
    /// data reaches the session before any timer. Default 1024.
    pub event_queue: usize,
    /// Commands waiting for the session. Default 1024.
    pub command_queue: usize,
    /// The ports the MSNFTP listeners of both drivers' `TcpConnector`s bind, the first
    /// free one each time, so that a router can forward them to a bot
    /// behind NAT (with
    /// [`TransferConfig::msnftp_public_ip`](crate::client::TransferConfig::msnftp_public_ip)
    /// as the address peers are told). A range lets sends run side by side: one that
    /// finds every port taken fails at once. Messenger used 6891 to 6900. `None`, the
    /// default, takes any port the system picks.
    pub msnftp_ports: Option<RangeInclusive<u16>>,
}

impl Default for DriverConfig {
    fn default() -> Self {
        DriverConfig {
            client: ClientConfig::default(),
            ca_file: None,
            allow_http_passport: false,
            connect_timeout: Duration::from_secs(10),
            write_queue: 1024,
            write_timeout: Duration::from_secs(30),
            event_queue: 1024,
            command_queue: 1024,
            msnftp_ports: None,
        }
    }
}

/// Why a driver could not sign in, or refused a command.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DriverError {
    /// The account is not an e-mail address MSNP accepts.
    #[error("{account:?} is not a valid account")]
    InvalidAccount {
        /// What was given.
        account: String,
    },
    /// [`DriverConfig::ca_file`] could not be read or holds no certificate.
    #[error("cannot use the CA file {path}: {reason}")]
    CaFile {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The HTTP client for Passport could not be built.
    #[error("cannot set up HTTPS for Passport: {reason}")]
    Http {
        /// Why.
        reason: String,
    },
    /// A connection needed to sign in could not be opened.
    #[error("cannot connect to {addr}: {source}")]
    Connect {
        /// Where to.
        addr: String,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// The session ended (before sign-in, or before the command could be carried out).
    #[error("{reason}")]
    Ended {
        /// Why, as the `Client` reported it (boxed: some reasons carry a command).
        reason: Box<CloseReason>,
    },
    /// The session refused the command; nothing changed.
    #[error(transparent)]
    Refused(#[from] ClientError),
    /// The session is over: its run loop has stopped.
    #[error("the session is over")]
    Closed,
}

/// An error and its sources in one line ("error sending request: connection refused"),
/// for [`Client::handle_http_failed`](crate::client::Client::handle_http_failed).
pub(crate) fn sentence(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let more = cause.to_string();
        // Many HTTP errors repeat their source's words in their own.
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = cause.source();
    }
    text
}

/// The `Client`'s settings as a driver uses them.
pub(crate) fn client_config(config: &DriverConfig) -> ClientConfig {
    let mut client = config.client.clone();
    client.passport.allow_http |= config.allow_http_passport;
    // The sans-IO default is fixed, for reproducible tests; a driver's session gets a
    // seed no peer can guess, since MSNFTP auth cookies and P2P ids come from it.
    if client.transfer.seed == crate::client::TransferConfig::default().seed {
        client.transfer.seed = random_seed();
    }
    // The writers report every write, so a driver's MSNFTP sends always have flow
    // control; a window the caller chose stays.
    client
        .transfer
        .direct_write_window
        .get_or_insert(DIRECT_WRITE_WINDOW);
    client
}

/// The MSNFTP write window of a driver's session when its config sets none
/// ([`TransferConfig::direct_write_window`](crate::client::TransferConfig::direct_write_window)):
/// 256 KiB unwritten stop a file's data, which goes on once 64 KiB are left.
pub const DIRECT_WRITE_WINDOW: usize = 256 * 1024;

/// 64 random bits without a dependency: std's `RandomState` is keyed from the operating
/// system's randomness once per process, and each instance differs.
fn random_seed() -> u64 {
    use std::hash::BuildHasher;
    std::collections::hash_map::RandomState::new().hash_one(std::time::SystemTime::now())
}

/// The headers to set on a Passport request: all but `Host`, which the HTTP clients
/// write from the URL (the same value).
pub(crate) fn headers(request: &crate::passport::HttpRequest) -> impl Iterator<Item = (&str, &str)> {
    request
        .headers()
        .filter(|(name, _)| !name.eq_ignore_ascii_case("host"))
}

/// A Passport answer as the flow reads it: the status and the headers whose values are
/// text (`None` for one that is not, which the flow has no use for).
pub(crate) fn response<'a>(
    status: u16,
    headers: impl IntoIterator<Item = (&'a str, Option<&'a str>)>,
) -> crate::passport::HttpResponse {
    let mut answer = crate::passport::HttpResponse::new(status);
    for (name, value) in headers {
        if let Some(value) = value {
            answer.push_header(name, value);
        }
    }
    answer
}

/// Reads [`DriverConfig::ca_file`], if set.
pub(crate) fn read_ca_file(config: &DriverConfig) -> Result<Option<(PathBuf, Vec<u8>)>, DriverError> {
    let Some(path) = &config.ca_file else {
        return Ok(None);
    };
    match std::fs::read(path) {
        Ok(pem) => Ok(Some((path.clone(), pem))),
        Err(error) => Err(DriverError::CaFile {
            path: path.clone(),
            reason: error.to_string(),
        }),
    }
}

/// The error of a connector that cannot listen for peers.
pub(crate) fn cannot_listen() -> io::Error {
    io::Error::new(
        io::ErrorKind::Unsupported,
        "this connector cannot listen for peers",
    )
}

/// The local address that routes to `target`: a UDP socket "connected" there learns it
/// from the routing table, and no packet is sent.
pub(crate) fn local_ip_toward(target: std::net::SocketAddr) -> io::Result<std::net::IpAddr> {
    let any: std::net::SocketAddr = if target.is_ipv4() {
        (std::net::Ipv4Addr::UNSPECIFIED, 0).into()
    } else {
        (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
    };
    let probe = std::net::UdpSocket::bind(any)?;
    probe.connect(target)?;
    Ok(probe.local_addr()?.ip())
}

/// A listener on `ip`, on the first port of `ports` that is free (each port is tried
/// once, so the work is bounded by the range), or on any port without a range.
pub(crate) fn bind_listener(
    ip: std::net::IpAddr,
    ports: Option<&RangeInclusive<u16>>,
) -> io::Result<std::net::TcpListener> {
    let Some(ports) = ports else {
        return std::net::TcpListener::bind((ip, 0));
    };
    let mut taken = None;
    for port in ports.clone() {
        match std::net::TcpListener::bind((ip, port)) {
            Ok(listener) => return Ok(listener),
            Err(error) if error.kind() == io::ErrorKind::AddrInUse => taken = Some(error),
            Err(error) => return Err(error),
        }
    }
    Err(taken.unwrap_or_else(|| {
        io::Error::new(io::ErrorKind::InvalidInput, "DriverConfig::msnftp_ports is empty")
    }))
}

/// `ip`:`port` as the protocol writes an address.
pub(crate) fn host_port(ip: std::net::IpAddr, port: u16) -> io::Result<crate::codec::HostPort<'static>> {
    crate::codec::HostPort::new(ip.to_string(), port)
        .map_err(|error| io::Error::new(io::ErrorKind::InvalidData, error.to_string()))
}

/// The account as MSNP spells it.
pub(crate) fn account(account: &str) -> Result<crate::codec::Passport<'static>, DriverError> {
    crate::codec::Passport::try_from(account.to_owned()).map_err(|_| DriverError::InvalidAccount {
        account: account.to_owned(),
    })
}

impl From<CloseReason> for DriverError {
    fn from(reason: CloseReason) -> Self {
        DriverError::Ended {
            reason: Box::new(reason),
        }
    }
}

/// The write buffers of one connection, handed back by its writer once written: the
/// `Client` lends each transmit, and the driver copies it into a reused buffer rather
/// than a fresh one per write. At most [`BufferPool::MAX_FREE`] wait here, none larger
/// than [`BufferPool::MAX_CAPACITY`], so a burst never leaves much memory behind.
#[derive(Clone, Default)]
pub(crate) struct BufferPool(Arc<Mutex<Vec<Vec<u8>>>>);

impl BufferPool {
    /// Most buffers kept free: the writer rarely holds more than a few at once.
    const MAX_FREE: usize = 4;
    /// Largest buffer kept: one a burst grew is given back to the allocator.
    const MAX_CAPACITY: usize = 64 * 1024;

    /// A buffer holding `bytes`: a free one if any, else a new one.
    pub(crate) fn filled(&self, bytes: &[u8]) -> Vec<u8> {
        let free = self.0.lock().ok().and_then(|mut free| free.pop());
        let mut buffer = free.unwrap_or_default();
        buffer.extend_from_slice(bytes);
        buffer
    }

    /// Takes back a written buffer for the next transmit.
    pub(crate) fn give_back(&self, mut buffer: Vec<u8>) {
        if buffer.capacity() > Self::MAX_CAPACITY {
            return;
        }
        buffer.clear();
        if let Ok(mut free) = self.0.lock()
            && free.len() < Self::MAX_FREE
        {
            free.push(buffer);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{BufferPool, DIRECT_WRITE_WINDOW, DriverConfig, bind_listener, client_config};
    use crate::client::TransferConfig;

    #[test]
    fn an_empty_msnftp_port_range_is_refused_without_binding() {
        let ip = std::net::Ipv4Addr::LOCALHOST.into();
        let empty = std::ops::RangeInclusive::new(6900, 6891);
        let refused = bind_listener(ip, Some(&empty)).err().map(|e| e.kind());
        assert_eq!(refused, Some(std::io::ErrorKind::InvalidInput));
    }

    #[test]
    fn a_written_buffer_carries_the_next_transmit() {
        let pool = BufferPool::default();
        let first = pool.filled(b"MSG 5 A 3\r\nhi!");
        let address = first.as_ptr();
        pool.give_back(first);
        let second = pool.filled(b"PNG\r\n");
        assert_eq!((second.as_slice(), second.as_ptr()), (&b"PNG\r\n"[..], address));
    }

    #[test]
    fn the_pool_keeps_a_few_small_buffers_only() {
        let pool = BufferPool::default();
        pool.give_back(Vec::with_capacity(BufferPool::MAX_CAPACITY + 1));
        assert_eq!(pool.0.lock().unwrap().len(), 0);
        for _ in 0..BufferPool::MAX_FREE + 3 {
            pool.give_back(Vec::with_capacity(16));
        }
        assert_eq!(pool.0.lock().unwrap().len(), BufferPool::MAX_FREE);
    }

    #[test]
    fn each_driver_session_gets_its_own_transfer_seed_unless_one_is_set() {
        let config = DriverConfig::default();
        let (a, b) = (
            client_config(&config).transfer.seed,
            client_config(&config).transfer.seed,
        );
        assert_ne!(a, b);
        assert_ne!(a, TransferConfig::default().seed);
        let mut chosen = config;
        chosen.client.transfer.seed = 7;
        assert_eq!(client_config(&chosen).transfer.seed, 7);
    }

    #[test]
    fn a_driver_session_has_an_msnftp_write_window_unless_one_is_set() {
        let mut config = DriverConfig::default();
        let window = client_config(&config).transfer.direct_write_window;
        assert_eq!(window, Some(DIRECT_WRITE_WINDOW));
        config.client.transfer.direct_write_window = Some(4096);
        assert_eq!(client_config(&config).transfer.direct_write_window, Some(4096));
    }
}
