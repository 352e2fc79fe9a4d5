//! [`MemoryServer`]: the crate's [`Server`] in the same process as the bots under test,
//! reached through a driver [`Connector`](crate::tokio::Connector) instead of ports
//! (features `testing`, `server` and `tokio`).
//!
//! A bot written against [`msnp::tokio`](crate::tokio) runs unchanged: give
//! [`crate::tokio::connect_with`] the server's [`MemoryServer::connector`] and
//! [`MemoryServer::driver_config`]. Each connection is an in-memory
//! [`tokio::io::duplex`] pipe whose other end the server's task
//! serves; Passport requests are encoded to HTTP bytes and answered by the server's own
//! [`PassportAuthority`](crate::server::PassportAuthority), as over plain HTTP.
//!
//! The server reads tokio's clock, as the driver does: under a paused runtime
//! (`#[tokio::test(start_paused = true)]`) the whole network sleeps until the next
//! timer of any machine, and minutes of keep-alives and idle switchboards pass in a few
//! milliseconds of wall time.
//!
//! ```
//! use msnp::Secret;
//! use msnp::testing::memory::MemoryServer;
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! let server = MemoryServer::start(|s| s.add_account("bot@example.com", "pw", "Bot")).unwrap();
//! let password = Secret::new("pw".to_owned());
//! let (bot, _events) =
//!     msnp::tokio::connect_with(server.driver_config(), server.connector(), "bot@example.com", password)
//!         .await
//!         .unwrap();
//! bot.sign_out().await.unwrap();
//! # }
//! ```

use std::collections::HashMap;
use std::io;
use std::time::Instant;

use ::tokio::io::{AsyncWriteExt, DuplexStream, ReadHalf, WriteHalf};
use ::tokio::sync::{mpsc, oneshot};
use ::tokio::task::AbortHandle;

use crate::codec::HostPort;
use crate::drivers::DriverConfig;
use crate::passport::{HttpRequest, HttpResponse};
use crate::server::{ConnId, Listener, Server, ServerConfig, ServerError, ServerOutput};

/// The addresses the in-memory server answers on: no socket is bound to them.
const DISPATCH: (&str, u16) = ("127.0.0.1", 1863);
const NOTIFICATION: (&str, u16) = ("127.0.0.1", 1864);
const SWITCHBOARD: (&str, u16) = ("127.0.0.1", 1865);
const PASSPORT_HOST: &str = "127.0.0.1:8080";

/// Bytes each in-memory pipe holds per direction before its writer waits, as a
/// socket's buffer would.
const PIPE: usize = 64 * 1024;
/// Inputs waiting for the server's task; readers wait when it is full.
const INPUT_QUEUE: usize = 256;
/// Transmits waiting for one connection's writer; a client that leaves this many
/// unread is disconnected, as the loopback TCP server drops one that stops reading.
const WRITE_QUEUE: usize = 1024;

fn addr((host, port): (&str, u16)) -> HostPort<'static> {
    HostPort::new(host.to_owned(), port).unwrap_or_else(|_| unreachable!("constant address"))
}

/// The server's clock: tokio's, so a paused test runtime moves it.
fn now() -> Instant {
    ::tokio::time::Instant::now().into_std()
}

/// A closure run on the server, with its answer sent back.
type Job = Box<dyn FnOnce(&mut Server) + Send>;

/// What the server's task waits for.
enum ToServer {
    Accept {
        listener: Listener,
        stream: DuplexStream,
        accepted: oneshot::Sender<()>,
    },
    Bytes {
        conn: ConnId,
        bytes: Vec<u8>,
    },
    Closed {
        conn: ConnId,
    },
    Http {
        request: Vec<u8>,
        answer: oneshot::Sender<Option<Vec<u8>>>,
    },
    DropSwitchboards {
        dropped: oneshot::Sender<usize>,
    },
    Run(Job),
}

/// The crate's server on a tokio task, reached through [`MemoryConnector`]s. See the
/// module docs. Dropping it shuts the server down (`OUT SSD` to every client).
#[derive(Debug)]
pub struct MemoryServer {
    inputs: mpsc::Sender<ToServer>,
    /// Dropped (or sent) to stop the task.
    stop: Option<oneshot::Sender<()>>,
}

impl MemoryServer {
    /// A server with the default settings whose accounts `setup` adds; spawns its task,
    /// so call it within a tokio runtime.
    pub fn start(setup: impl FnOnce(&mut Server) -> Result<(), ServerError>) -> Result<Self, ServerError> {
        Self::start_with(ServerConfig::default(), setup)
    }

    /// [`MemoryServer::start`] with settings; the three addresses are replaced by the
    /// in-memory ones.
    pub fn start_with(
        mut config: ServerConfig,
        setup: impl FnOnce(&mut Server) -> Result<(), ServerError>,
    ) -> Result<Self, ServerError> {
        config.dispatch_addr = addr(DISPATCH);
        config.notification_addr = addr(NOTIFICATION);
        config.switchboard_addr = addr(SWITCHBOARD);
        let mut server = Server::new(config, now());
        server.verifier_mut().set_login_host(PASSPORT_HOST);
        setup(&mut server)?;
        let (inputs_tx, inputs) = mpsc::channel(INPUT_QUEUE);
        let (stop_tx, stop) = oneshot::channel();
        let task = Task {
            server,
            inputs_tx: inputs_tx.clone(),
            links: HashMap::new(),
        };
        ::tokio::spawn(task.run(inputs, stop));
        Ok(MemoryServer {
            inputs: inputs_tx,
            stop: Some(stop_tx),
        })
    }

    /// Opens connections to this server and performs its Passport requests.
    pub fn connector(&self) -> MemoryConnector {
        MemoryConnector {
            inputs: self.inputs.clone(),
        }
    }

    /// Default driver settings pointed at this server: its dispatch address, its
    /// Passport nexus over (in-memory) plain HTTP.
    pub fn driver_config(&self) -> DriverConfig {
        let mut config = DriverConfig::default();
        config.client.server = addr(DISPATCH);
        config.client.passport.nexus_url = format!("http://{PASSPORT_HOST}/rdr/pprdr.asp");
        config.allow_http_passport = true;
        config
    }

    /// Resets every switchboard connection as a crashed switchboard would: the server
    /// forgets them without a goodbye and their clients see the transport close.
    /// Returns how many were dropped (0 once the server is gone).
    pub async fn drop_switchboards(&self) -> usize {
        let (dropped, answer) = oneshot::channel();
        if self
            .inputs
            .send(ToServer::DropSwitchboards { dropped })
            .await
            .is_err()
        {
            return 0;
        }
        answer.await.unwrap_or(0)
    }

    /// Runs `job` on the server between two inputs, to inspect or change it (changes
    /// to the directory are not announced to clients); `None` once the server is gone.
    pub async fn with_server<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Server) -> T + Send + 'static,
    ) -> Option<T> {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |server| {
            let _ = tx.send(job(server));
        });
        self.inputs.send(ToServer::Run(job)).await.ok()?;
        rx.await.ok()
    }

    /// Says `OUT SSD` to every client and closes every connection.
    pub fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A [`Connector`](crate::tokio::Connector) to a [`MemoryServer`]: connects to its
/// dispatch, notification and switchboard addresses (any other address is refused),
/// and answers Passport requests whatever their URL.
#[derive(Clone, Debug)]
pub struct MemoryConnector {
    inputs: mpsc::Sender<ToServer>,
}

fn gone() -> io::Error {
    io::Error::new(io::ErrorKind::ConnectionRefused, "the in-memory server is gone")
}

impl crate::tokio::Connector for MemoryConnector {
    type Stream = DuplexStream;

    async fn connect(&self, addr: &HostPort<'static>) -> io::Result<DuplexStream> {
        let listener = match (addr.host(), addr.port()) {
            at if at == DISPATCH => Listener::Dispatch,
            at if at == NOTIFICATION => Listener::Notification,
            at if at == SWITCHBOARD => Listener::Switchboard,
            _ => {
                return Err(io::Error::new(
                    io::ErrorKind::ConnectionRefused,
                    format!("nothing listens on {addr} in memory"),
                ));
            }
        };
        let (client, stream) = ::tokio::io::duplex(PIPE);
        let (accepted, answer) = oneshot::channel();
        let accept = ToServer::Accept {
            listener,
            stream,
            accepted,
        };
        self.inputs.send(accept).await.map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?;
        Ok(client)
    }

    async fn http(&self, request: &HttpRequest) -> Result<HttpResponse, String> {
        let mut bytes = Vec::new();
        request.encode(&mut bytes);
        let (answer, rx) = oneshot::channel();
        let ask = ToServer::Http {
            request: bytes,
            answer,
        };
        let no_answer = || "the in-memory Passport is gone".to_owned();
        self.inputs.send(ask).await.map_err(|_| no_answer())?;
        let head = rx
            .await
            .map_err(|_| no_answer())?
            .ok_or("the in-memory Passport sent no answer")?;
        HttpResponse::parse_head(&head).map_err(|error| error.to_string())
    }
}

/// What the task keeps of one connection: its writer's queue and its reader.
struct Link {
    writer: mpsc::Sender<Vec<u8>>,
    reader: AbortHandle,
}

struct Task {
    server: Server,
    inputs_tx: mpsc::Sender<ToServer>,
    links: HashMap<ConnId, Link>,
}

impl Task {
    async fn run(mut self, mut inputs: mpsc::Receiver<ToServer>, mut stop: oneshot::Receiver<()>) {
        loop {
            let next_timeout = self.drain();
            let timer = async {
                match next_timeout {
                    Some(at) => ::tokio::time::sleep_until(at.into()).await,
                    None => std::future::pending().await,
                }
            };
            ::tokio::select! {
                biased;
                _ = &mut stop => break,
                Some(input) = inputs.recv() => {
                    self.input(input);
                    // What else is waiting goes in before the next drain: the server's
                    // idle answer looks at every connection for its next timeout, so
                    // one drain per input would make thousands of sessions quadratic.
                    for _ in 1..INPUT_QUEUE {
                        match inputs.try_recv() {
                            Ok(input) => self.input(input),
                            Err(_) => break,
                        }
                    }
                }
                () = timer => self.server.handle_timeout(now()),
            }
        }
        self.server.shutdown(now());
        self.drain();
    }

    fn input(&mut self, input: ToServer) {
        let now = now();
        match input {
            ToServer::Accept {
                listener,
                stream,
                accepted,
            } => {
                let conn = self.server.accept(now, listener);
                let (read, write) = ::tokio::io::split(stream);
                let reader = ::tokio::spawn(read_loop(conn, read, self.inputs_tx.clone()));
                let (writer, queue) = mpsc::channel(WRITE_QUEUE);
                ::tokio::spawn(write_loop(write, queue, reader.abort_handle()));
                self.links.insert(
                    conn,
                    Link {
                        writer,
                        reader: reader.abort_handle(),
                    },
                );
                let _ = accepted.send(());
            }
            ToServer::Bytes { conn, bytes } => {
                // An error means the server already closed it; its Close follows.
                let _ = self.server.handle_input(conn, now, &bytes);
            }
            ToServer::Closed { conn } => {
                if self.links.remove(&conn).is_some() {
                    let _ = self.server.handle_closed(conn, now);
                }
            }
            ToServer::Http { request, answer } => {
                let _ = answer.send(self.server.verifier_mut().handle_http_request(&request));
            }
            ToServer::DropSwitchboards { dropped } => {
                let mut doomed: Vec<ConnId> = self
                    .links
                    .keys()
                    .copied()
                    .filter(|&conn| self.server.listener(conn) == Some(Listener::Switchboard))
                    .collect();
                // A hash map's order: sorted, so the departures are announced the same way each run.
                doomed.sort();
                for conn in &doomed {
                    if let Some(link) = self.links.remove(conn) {
                        // No goodbye: what is already queued still goes out, then the
                        // pipe ends and nothing more is read from it.
                        link.reader.abort();
                    }
                    let _ = self.server.handle_closed(*conn, now);
                }
                let _ = dropped.send(doomed.len());
            }
            ToServer::Run(job) => job(&mut self.server),
        }
    }

    /// Hands the server's output to the pipes; returns its next timeout.
    fn drain(&mut self) -> Option<Instant> {
        loop {
            match self.server.poll_output() {
                ServerOutput::Transmit { conn, bytes } => {
                    let full = self
                        .links
                        .get(&conn)
                        .is_some_and(|link| link.writer.try_send(bytes).is_err());
                    if full {
                        // The client stopped reading: cut it off rather than hold more.
                        if let Some(link) = self.links.remove(&conn) {
                            link.reader.abort();
                        }
                        let _ = self.server.handle_closed(conn, now());
                    }
                }
                // The writer writes what is queued, then shuts the pipe.
                ServerOutput::Close { conn } => drop(self.links.remove(&conn)),
                ServerOutput::Idle { next_timeout } => return next_timeout,
                _ => {}
            }
        }
    }
}

async fn read_loop(conn: ConnId, mut read: ReadHalf<DuplexStream>, inputs: mpsc::Sender<ToServer>) {
    loop {
        // No buffer held while the client is silent, as in the driver.
        let input = match crate::drivers::tokio::read_some(&mut read).await {
            Ok(bytes) if bytes.is_empty() => ToServer::Closed { conn },
            Err(_) => ToServer::Closed { conn },
            Ok(bytes) => ToServer::Bytes { conn, bytes },
        };
        let last = matches!(input, ToServer::Closed { .. });
        if inputs.send(input).await.is_err() || last {
            return;
        }
    }
}

async fn write_loop(
    mut write: WriteHalf<DuplexStream>,
    mut queue: mpsc::Receiver<Vec<u8>>,
    reader: AbortHandle,
) {
    while let Some(bytes) = queue.recv().await {
        if write.write_all(&bytes).await.is_err() {
            break;
        }
    }
    // The server forgot the connection (or the client left): the client reads the end.
    let _ = write.shutdown().await;
    reader.abort();
}

/// The in-memory server for the blocking driver (feature `blocking` as well): a
/// [`MemoryServer`] on a tokio runtime of its own, on a thread of its own, whose
/// connections the blocking driver reads and writes as [`MemoryStream`]s. Time is the
/// real one, as the blocking driver's.
///
/// ```
/// use msnp::Secret;
/// use msnp::testing::memory::BlockingMemoryServer;
///
/// let server = BlockingMemoryServer::start(|s| s.add_account("bot@example.com", "pw", "Bot")).unwrap();
/// let password = Secret::new("pw".to_owned());
/// let (bot, _events) =
///     msnp::blocking::connect_with(server.driver_config(), server.connector(), "bot@example.com", password)
///         .unwrap();
/// bot.sign_out().unwrap();
/// ```
#[cfg(feature = "blocking")]
#[derive(Debug)]
pub struct BlockingMemoryServer {
    server: Option<MemoryServer>,
    handle: ::tokio::runtime::Handle,
    /// Dropped to end the runtime's thread.
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

#[cfg(feature = "blocking")]
impl BlockingMemoryServer {
    /// A server with the default settings whose accounts `setup` adds.
    pub fn start(setup: impl FnOnce(&mut Server) -> Result<(), ServerError>) -> Result<Self, ServerError> {
        Self::start_with(ServerConfig::default(), setup)
    }

    /// [`BlockingMemoryServer::start`] with settings, as [`MemoryServer::start_with`].
    ///
    /// # Panics
    ///
    /// When the runtime or its thread cannot be started: this is a test helper.
    pub fn start_with(
        config: ServerConfig,
        setup: impl FnOnce(&mut Server) -> Result<(), ServerError>,
    ) -> Result<Self, ServerError> {
        let runtime = ::tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("a tokio runtime for the in-memory server");
        let handle = runtime.handle().clone();
        let server = {
            let _entered = runtime.enter();
            MemoryServer::start_with(config, setup)?
        };
        let (stop, stopped) = oneshot::channel::<()>();
        // A current-thread runtime runs its tasks and timers only inside `block_on`.
        let thread = std::thread::Builder::new()
            .name("msnp-memory-server".into())
            .spawn(move || {
                let _ = runtime.block_on(stopped);
            })
            .expect("a thread for the in-memory server");
        Ok(BlockingMemoryServer {
            server: Some(server),
            handle,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    fn server(&self) -> &MemoryServer {
        self.server
            .as_ref()
            .unwrap_or_else(|| unreachable!("taken only on drop"))
    }

    /// Opens connections to this server and performs its Passport requests.
    pub fn connector(&self) -> BlockingMemoryConnector {
        BlockingMemoryConnector {
            connector: self.server().connector(),
            handle: self.handle.clone(),
        }
    }

    /// Default driver settings pointed at this server, as [`MemoryServer::driver_config`].
    pub fn driver_config(&self) -> DriverConfig {
        self.server().driver_config()
    }

    /// [`MemoryServer::drop_switchboards`], waiting for it.
    pub fn drop_switchboards(&self) -> usize {
        self.handle.block_on(self.server().drop_switchboards())
    }

    /// [`MemoryServer::with_server`], waiting for it.
    pub fn with_server<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Server) -> T + Send + 'static,
    ) -> Option<T> {
        self.handle.block_on(self.server().with_server(job))
    }
}

#[cfg(feature = "blocking")]
impl Drop for BlockingMemoryServer {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.stop();
        }
        // The server's last words (OUT SSD) go out before the runtime stops.
        self.handle
            .block_on(async { ::tokio::time::sleep(std::time::Duration::from_millis(20)).await });
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A blocking [`Connector`](crate::blocking::Connector) to a [`BlockingMemoryServer`].
#[cfg(feature = "blocking")]
#[derive(Clone, Debug)]
pub struct BlockingMemoryConnector {
    connector: MemoryConnector,
    handle: ::tokio::runtime::Handle,
}

#[cfg(feature = "blocking")]
impl crate::blocking::Connector for BlockingMemoryConnector {
    type Stream = MemoryStream;

    fn connect(
        &self,
        addr: &HostPort<'static>,
        timeout: std::time::Duration,
        write_timeout: std::time::Duration,
    ) -> io::Result<MemoryStream> {
        use crate::tokio::Connector as _;
        // The timer is made inside the runtime's context.
        let opening = async { ::tokio::time::timeout(timeout, self.connector.connect(addr)).await };
        let stream = self
            .handle
            .block_on(opening)
            .map_err(|_| io::Error::from(io::ErrorKind::TimedOut))??;
        let (read, write) = ::tokio::io::split(stream);
        let (shut, _) = ::tokio::sync::watch::channel(false);
        Ok(MemoryStream {
            read: std::sync::Arc::new(std::sync::Mutex::new(read)),
            write: std::sync::Arc::new(std::sync::Mutex::new(write)),
            shut: std::sync::Arc::new(shut),
            handle: self.handle.clone(),
            write_timeout,
        })
    }

    fn http(&self, request: &HttpRequest) -> Result<HttpResponse, String> {
        use crate::tokio::Connector as _;
        self.handle.block_on(self.connector.http(request))
    }
}

/// One end of an in-memory connection, read and written with blocking calls (a
/// [`Stream`](crate::blocking::Stream) of the blocking driver).
#[cfg(feature = "blocking")]
pub struct MemoryStream {
    read: std::sync::Arc<std::sync::Mutex<ReadHalf<DuplexStream>>>,
    write: std::sync::Arc<std::sync::Mutex<WriteHalf<DuplexStream>>>,
    /// Set once either handle shut the stream: waiting reads and writes give up.
    shut: std::sync::Arc<::tokio::sync::watch::Sender<bool>>,
    handle: ::tokio::runtime::Handle,
    write_timeout: std::time::Duration,
}

#[cfg(feature = "blocking")]
impl std::fmt::Debug for MemoryStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStream").finish_non_exhaustive()
    }
}

#[cfg(feature = "blocking")]
impl MemoryStream {
    fn is_shut(&self) -> bool {
        *self.shut.borrow()
    }
}

#[cfg(feature = "blocking")]
impl io::Read for MemoryStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        use ::tokio::io::AsyncReadExt as _;
        let mut shut = self.shut.subscribe();
        let mut read = self
            .read
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        self.handle.block_on(async {
            ::tokio::select! {
                read = read.read(buf) => read,
                _ = shut.wait_for(|shut| *shut) => Ok(0),
            }
        })
    }
}

#[cfg(feature = "blocking")]
impl io::Write for MemoryStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.is_shut() {
            return Err(io::ErrorKind::BrokenPipe.into());
        }
        let mut shut = self.shut.subscribe();
        let mut write = self
            .write
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let limit = self.write_timeout;
        self.handle.block_on(async {
            let writing = async {
                if limit.is_zero() {
                    write.write(buf).await
                } else {
                    ::tokio::time::timeout(limit, write.write(buf))
                        .await
                        .unwrap_or_else(|_| Err(io::ErrorKind::TimedOut.into()))
                }
            };
            ::tokio::select! {
                written = writing => written,
                _ = shut.wait_for(|shut| *shut) => Err(io::ErrorKind::BrokenPipe.into()),
            }
        })
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(feature = "blocking")]
impl crate::blocking::Stream for MemoryStream {
    fn try_clone(&self) -> io::Result<Self> {
        Ok(MemoryStream {
            read: std::sync::Arc::clone(&self.read),
            write: std::sync::Arc::clone(&self.write),
            shut: std::sync::Arc::clone(&self.shut),
            handle: self.handle.clone(),
            write_timeout: self.write_timeout,
        })
    }

    fn shutdown(&self) -> io::Result<()> {
        self.shut.send_replace(true);
        // A writer blocked on a full pipe holds the half; it gives up on `shut`, and the
        // peer reads the end once both halves are dropped.
        if let Ok(mut write) = self.write.try_lock() {
            let _ = self.handle.block_on(write.shutdown());
        }
        Ok(())
    }
}
