//! A bot on std threads: [`connect`] signs in and returns a cloneable [`Bot`] handle
//! for commands and the [`Events`] of the session.
//!
//! ```no_run
//! use msnp::Secret;
//! use msnp::client::ClientEvent;
//! use msnp::drivers::DriverConfig;
//!
//! let password = Secret::new("secret".to_owned());
//! let (bot, events) = msnp::blocking::connect(DriverConfig::default(), "bot@example.com", password)?;
//! while let Some(event) = events.recv() {
//!     if let ClientEvent::TextReceived { conversation, text, .. } = event {
//!         bot.send_to_conversation(conversation, text)?;
//!     }
//! }
//! # Ok::<(), msnp::drivers::DriverError>(())
//! ```
//!
//! One thread owns the [`Client`](crate::client::Client) and waits on one channel, fed
//! by a reader thread per socket, the HTTP requests and the handles, until the
//! `Client`'s next timeout (`recv_timeout`): an idle bot uses no CPU. Each socket also
//! has a writer thread with a bounded queue, so a peer that stops reading never
//! blocks the owner (see [backpressure](crate::drivers#backpressure)). Passport goes
//! over HTTPS with ureq on rustls, trusting Mozilla's roots and
//! [`DriverConfig::ca_file`]; each request runs on a thread of its own.
//!
//! The session runs until it ends or every [`Bot`] is dropped, which signs out.
//!
//! # Connectors
//!
//! How a connection is opened and a Passport request made is the [`Connector`]'s
//! business: [`connect`] uses [`TcpConnector`] (TCP and ureq), and [`connect_with`]
//! takes any other, such as the in-memory server of `msnp::testing::memory` (features
//! `testing` and `server`). A connection is a [`Stream`]: the driver reads it on one
//! thread and writes it on another, so it must give a second handle on itself
//! ([`Stream::try_clone`]) and a way to end both directions from either
//! ([`Stream::shutdown`]), which wakes the reader.

use std::collections::{HashMap, HashSet};
use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::ops::RangeInclusive;
use std::sync::atomic::{AtomicBool, Ordering};
pub use std::sync::mpsc::RecvTimeoutError;
use std::sync::mpsc::{self, Receiver, Sender, SyncSender, TrySendError};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use super::{Backlog, BufferPool};
use super::{Command, DriverConfig, DriverError, Input, Io, Reply, Shell, TransferAnswer};
use crate::Secret;
use crate::client::{ClientEvent, ConnId, ConversationId, HttpId, MessageHandle, TransferId};
use crate::codec::{HostPort, List, Passport, Status};
use crate::ns::{ContactList, Phone};
use crate::passport::{HttpRequest, HttpResponse};
use crate::presence::{CurrentMedia, MsnObject};

/// Bytes asked of the socket per read.
const READ_BUFFER: usize = 16 * 1024;
/// Inputs from sockets and HTTP waiting for the session, beyond the command queue:
/// readers wait when it is full, which is what slows a flooding peer down.
const INPUT_QUEUE: usize = 64;

/// Signs in as `account` with `password`: returns once the session can open
/// conversations (logged in, lists synced, initial status set, as
/// [`ClientConfig`](crate::client::ClientConfig) asks), or fails with why it could
/// not: a connection that cannot be opened, refused credentials, an unreachable
/// Passport, a server that closes.
pub fn connect(
    config: DriverConfig,
    account: &str,
    password: Secret<String>,
) -> Result<(Bot, Events), DriverError> {
    let connector = TcpConnector::new(&config)?;
    connect_with(config, connector, account, password)
}

/// [`connect`] through `connector`: its streams carry the connections, its
/// [`Connector::http`] the Passport requests. [`DriverConfig::ca_file`] and the HTTP
/// settings are [`TcpConnector`]'s, so another connector ignores them; the rest of the
/// config applies as to [`connect`].
pub fn connect_with<C: Connector>(
    config: DriverConfig,
    connector: C,
    account: &str,
    password: Secret<String>,
) -> Result<(Bot, Events), DriverError> {
    let account = super::account(account)?;
    let (ready_tx, ready_rx) = mpsc::sync_channel(1);
    let ready: Reply<()> = Box::new(move |result| {
        let _ = ready_tx.send(result);
    });
    let shell = Shell::new(
        super::client_config(&config),
        account,
        password,
        ready,
        Instant::now,
    );
    let (inputs_tx, inputs) = mpsc::sync_channel(INPUT_QUEUE + config.command_queue);
    let (events_tx, events) = mpsc::channel();
    let gate = Arc::new(Gate::new(config.event_queue.max(1), inputs_tx.clone()));
    let io = ThreadIo {
        gate: Arc::clone(&gate),
        inputs: inputs_tx.clone(),
        writers: HashMap::new(),
        connecting: HashSet::new(),
        listening: HashMap::new(),
        connector: Arc::new(connector),
        connect_timeout: config.connect_timeout,
        write_queue: config.write_queue.max(1),
        write_timeout: config.write_timeout,
    };
    thread::Builder::new()
        .name("msnp-session".into())
        .spawn({
            let gate = Arc::clone(&gate);
            move || run(shell, io, inputs, &events_tx, &gate)
        })
        .map_err(|source| DriverError::Connect {
            addr: "a session thread".to_owned(),
            source,
        })?;
    match ready_rx.recv() {
        Ok(Ok(())) => Ok((
            Bot {
                handle: Arc::new(Handle { inputs: inputs_tx }),
            },
            Events { events, gate },
        )),
        Ok(Err(error)) => Err(error),
        Err(_) => Err(DriverError::Closed),
    }
}

/// One connection as the driver uses it: read on one thread, written on another.
pub trait Stream: Read + Write + Send + Sized + 'static {
    /// A second handle on the same connection, for the reader thread.
    fn try_clone(&self) -> io::Result<Self>;
    /// Ends both directions, from either handle: a read waiting on the other returns
    /// (end of stream or an error), and later writes fail.
    fn shutdown(&self) -> io::Result<()>;
}

impl Stream for TcpStream {
    fn try_clone(&self) -> io::Result<Self> {
        TcpStream::try_clone(self)
    }

    fn shutdown(&self) -> io::Result<()> {
        TcpStream::shutdown(self, Shutdown::Both)
    }
}

/// How the driver opens connections and performs Passport requests: TCP and HTTPS
/// with [`TcpConnector`], anything else for tests (see the [module docs](self#connectors)).
///
/// Each call runs on a thread of its own, so a slow connect or request delays nothing
/// else.
pub trait Connector: Send + Sync + 'static {
    /// A connection.
    type Stream: Stream;

    /// Opens a connection to `addr` (a dispatch, notification or switchboard server)
    /// within `timeout` ([`DriverConfig::connect_timeout`]), whose writes each give up
    /// when the peer takes no byte for `write_timeout`
    /// ([`DriverConfig::write_timeout`]; zero means never).
    fn connect(
        &self,
        addr: &HostPort<'static>,
        timeout: Duration,
        write_timeout: Duration,
    ) -> io::Result<Self::Stream>;

    /// Performs a Passport `GET` exactly as given (its URL and every header; no
    /// redirect followed), within
    /// [`ClientConfig::passport_timeout`](crate::client::ClientConfig::passport_timeout).
    /// Any status is an answer; only no answer at all is an error, worded for
    /// [`CloseReason`](crate::client::CloseReason)'s sentence.
    fn http(&self, request: &HttpRequest) -> Result<HttpResponse, String>;

    /// Listens for one peer's connection (an MSNFTP file the user sends), on the local
    /// address that reaches `toward` (the conversation's switchboard server), its writes
    /// bounded by `write_timeout` as in [`connect`](Self::connect): gives the address to
    /// hand the peer and the call that waits for the connection. The default refuses
    /// (`Unsupported`): a connector with no network of its own, such as the in-memory
    /// server's, cannot be reached by peers.
    fn listen(
        &self,
        toward: &HostPort<'static>,
        write_timeout: Duration,
    ) -> io::Result<(HostPort<'static>, Accepting<Self::Stream>)> {
        let _ = (toward, write_timeout);
        Err(super::cannot_listen())
    }
}

/// The connection a listener waits for ([`Connector::listen`]): the call blocks until a
/// peer connects, and fails once its flag is set (the transfer ended first; checking it
/// every few tens of milliseconds is enough).
pub type Accepting<S> = Box<dyn FnOnce(&AtomicBool) -> io::Result<S> + Send>;

/// How often a listener waiting for a peer looks whether it is still wanted.
const ACCEPT_POLL: Duration = Duration::from_millis(20);

/// The default [`Connector`]: TCP (no Nagle delay: commands are small and answered
/// one by one), and Passport over HTTPS with ureq on rustls, trusting Mozilla's roots
/// and [`DriverConfig::ca_file`], plain HTTP only where
/// [`DriverConfig::allow_http_passport`] allows it.
#[derive(Clone, Debug)]
pub struct TcpConnector {
    agent: ureq::Agent,
    msnftp_ports: Option<RangeInclusive<u16>>,
}

impl TcpConnector {
    /// The connector [`connect`] uses, set up from `config`: fails when the CA file
    /// cannot be read.
    pub fn new(config: &DriverConfig) -> Result<Self, DriverError> {
        Ok(TcpConnector {
            agent: http_agent(config)?,
            msnftp_ports: config.msnftp_ports.clone(),
        })
    }
}

impl Connector for TcpConnector {
    type Stream = TcpStream;

    fn connect(
        &self,
        addr: &HostPort<'static>,
        timeout: Duration,
        write_timeout: Duration,
    ) -> io::Result<TcpStream> {
        let stream = open(addr, timeout)?;
        // `set_write_timeout` refuses zero, which here means no limit.
        stream.set_write_timeout(Some(write_timeout).filter(|t| !t.is_zero()))?;
        Ok(stream)
    }

    fn http(&self, request: &HttpRequest) -> Result<HttpResponse, String> {
        get(&self.agent, request)
    }

    /// Binds on the local address that routes to `toward` (found without sending a
    /// packet), on the first free port of [`DriverConfig::msnftp_ports`], or one the
    /// system picks. The wait polls the socket every 20 ms
    /// (std cannot interrupt a blocking `accept`), only while a peer is awaited.
    fn listen(
        &self,
        toward: &HostPort<'static>,
        write_timeout: Duration,
    ) -> io::Result<(HostPort<'static>, Accepting<TcpStream>)> {
        let target = (toward.host(), toward.port())
            .to_socket_addrs()?
            .next()
            .ok_or_else(|| io::Error::new(ErrorKind::NotFound, "the name resolves to no address"))?;
        let ip = super::local_ip_toward(target)?;
        let listener = super::bind_listener(ip, self.msnftp_ports.as_ref())?;
        listener.set_nonblocking(true)?;
        let addr = super::host_port(ip, listener.local_addr()?.port())?;
        let accepting: Accepting<TcpStream> = Box::new(move |stop: &AtomicBool| {
            loop {
                match listener.accept() {
                    Ok((stream, _)) => {
                        stream.set_nonblocking(false)?;
                        stream.set_nodelay(true)?;
                        stream.set_write_timeout(Some(write_timeout).filter(|t| !t.is_zero()))?;
                        return Ok(stream);
                    }
                    Err(error) if error.kind() == ErrorKind::WouldBlock => {
                        if stop.load(Ordering::Relaxed) {
                            return Err(io::Error::new(ErrorKind::Interrupted, "no longer listening"));
                        }
                        thread::sleep(ACCEPT_POLL);
                    }
                    Err(error) if error.kind() == ErrorKind::Interrupted => {}
                    Err(error) => return Err(error),
                }
            }
        });
        Ok((addr, accepting))
    }
}

/// The session's events, in order; the last is
/// [`ClientEvent::SessionEnded`], after which
/// [`recv`](Events::recv) returns `None`.
///
/// While [`DriverConfig::event_queue`] events wait here, the session stops reading
/// from its sockets (the peers then slow down) and judges no timeout, but goes on
/// with commands, so a bot may send while it is behind with its events.
#[derive(Debug)]
pub struct Events {
    events: Receiver<ClientEvent>,
    gate: Arc<Gate>,
}

impl Events {
    /// Waits for the next event; `None` once the session is over.
    pub fn recv(&self) -> Option<ClientEvent> {
        let event = self.events.recv().ok()?;
        self.gate.taken();
        Some(event)
    }

    /// Waits at most `timeout` for the next event: [`RecvTimeoutError::Timeout`] when
    /// none came in time, [`RecvTimeoutError::Disconnected`] once the session is over.
    pub fn recv_timeout(&self, timeout: Duration) -> Result<ClientEvent, RecvTimeoutError> {
        let event = self.events.recv_timeout(timeout)?;
        self.gate.taken();
        Ok(event)
    }
}

impl Drop for Events {
    fn drop(&mut self) {
        // Nobody will take the events: let the readers go on.
        self.gate.open_for_good();
    }
}

/// Counts the events the bot has not taken; while too many wait, reading is paused:
/// each reader leaves what it read here and waits, and the session judges no timeout.
struct Gate {
    state: Mutex<GateState>,
    opened: Condvar,
    bound: usize,
    /// Wakes a session that waits for input while paused, once the bot takes events.
    wake: SyncSender<Input<Writer>>,
}

struct GateState {
    /// Events waiting, or `None` once nobody takes them (or the session is over).
    waiting: Option<usize>,
    /// Whether the bot can take events: not before it is signed in.
    armed: bool,
    /// What readers read while paused, in order: at most one read per connection,
    /// since each waits after leaving one.
    held: Vec<Input<Writer>>,
}

impl std::fmt::Debug for Gate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gate")
            .field("bound", &self.bound)
            .finish_non_exhaustive()
    }
}

impl GateState {
    fn paused(&self, bound: usize) -> bool {
        self.armed && self.waiting.is_some_and(|waiting| waiting >= bound)
    }
}

impl Gate {
    fn new(bound: usize, wake: SyncSender<Input<Writer>>) -> Self {
        Gate {
            state: Mutex::new(GateState {
                waiting: Some(0),
                armed: false,
                held: Vec::new(),
            }),
            opened: Condvar::new(),
            bound,
            wake,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, GateState> {
        // Nothing panics while holding it; a poisoned count is still a count.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn given(&self, signed_in: bool) {
        let mut guard = self.lock();
        guard.armed = signed_in;
        if let Some(waiting) = guard.waiting.as_mut() {
            *waiting += 1;
        }
    }

    fn taken(&self) {
        let mut guard = self.lock();
        let was_paused = guard.paused(self.bound);
        if let Some(waiting) = guard.waiting.as_mut() {
            *waiting = waiting.saturating_sub(1);
        }
        if was_paused && !guard.paused(self.bound) {
            drop(guard);
            self.resume();
        }
    }

    fn open_for_good(&self) {
        self.lock().waiting = None;
        self.resume();
    }

    fn resume(&self) {
        self.opened.notify_all();
        // A full queue means the session is busy, and will look here anyway.
        let _ = self.wake.try_send(Input::Wake);
    }

    fn is_paused(&self) -> bool {
        self.lock().paused(self.bound)
    }

    fn has_held(&self) -> bool {
        !self.lock().held.is_empty()
    }

    /// What readers left while paused; each of them goes on only once it is taken, so
    /// nothing it reads later can overtake it.
    fn take_held(&self) -> Vec<Input<Writer>> {
        let held = std::mem::take(&mut self.lock().held);
        self.opened.notify_all();
        held
    }

    /// Hands a reader's `input` to the session: at once, or while paused, left here
    /// once the reader has waited for the bot to catch up. False once the session is
    /// gone.
    fn deliver(&self, input: Input<Writer>, inputs: &SyncSender<Input<Writer>>) -> bool {
        let mut guard = self.lock();
        if guard.paused(self.bound) {
            guard.held.push(input);
            // Until the session took it: a later read sent past it would reorder the
            // connection's bytes.
            while guard.paused(self.bound) || !guard.held.is_empty() {
                guard = self.opened.wait(guard).unwrap_or_else(PoisonError::into_inner);
            }
            return true;
        }
        drop(guard);
        inputs.send(input).is_ok()
    }
}

/// A handle to the session, cheap to clone; each command waits for its result.
/// Dropping the last handle signs out.
#[derive(Clone)]
pub struct Bot {
    handle: Arc<Handle>,
}

impl std::fmt::Debug for Bot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bot").finish_non_exhaustive()
    }
}

/// What every clone shares; its end is the bot's.
struct Handle {
    inputs: SyncSender<Input<Writer>>,
}

impl Drop for Handle {
    fn drop(&mut self) {
        let sign_out = Command::SignOut {
            reply: Box::new(|_| {}),
        };
        // Waiting cannot hang: the session thread never waits on a handle, and once it
        // is gone the send fails at once.
        let _ = self.inputs.send(Input::Command(sign_out));
    }
}

impl Bot {
    /// Sends `text` to `to`, in the conversation with them alone or a new one; the
    /// handle ends in one delivery event. See
    /// [`Client::send_message`](crate::client::Client::send_message).
    pub fn send_message(
        &self,
        to: &Passport<'_>,
        text: impl Into<String>,
    ) -> Result<MessageHandle, DriverError> {
        let (to, text) = (to.borrow().into_owned(), text.into());
        self.ask(|reply| Command::SendMessage { to, text, reply })
    }

    /// Sends `text` to everyone in `conversation`.
    pub fn send_to_conversation(
        &self,
        conversation: ConversationId,
        text: impl Into<String>,
    ) -> Result<MessageHandle, DriverError> {
        let text = text.into();
        self.ask(|reply| Command::SendToConversation {
            conversation,
            text,
            reply,
        })
    }

    /// Invites `account` into `conversation`.
    pub fn invite(&self, conversation: ConversationId, account: &Passport<'_>) -> Result<(), DriverError> {
        let account = account.borrow().into_owned();
        self.ask(|reply| Command::Invite {
            conversation,
            account,
            reply,
        })
    }

    /// Tells `conversation` the bot is typing.
    pub fn send_typing(&self, conversation: ConversationId) -> Result<(), DriverError> {
        self.ask(|reply| Command::Typing { conversation, reply })
    }

    /// Leaves `conversation`.
    pub fn leave(&self, conversation: ConversationId) -> Result<(), DriverError> {
        self.ask(|reply| Command::Leave { conversation, reply })
    }

    /// Sets the bot's status.
    pub fn set_status(&self, status: Status) -> Result<(), DriverError> {
        self.ask(|reply| Command::SetStatus { status, reply })
    }

    /// Adds `account` to `list`; [`ClientEvent::ContactAdded`] confirms it. To accept,
    /// block or unblock someone, [`accept_contact`](Self::accept_contact),
    /// [`block`](Self::block) and [`unblock`](Self::unblock) take the steps without
    /// naming lists.
    pub fn add_contact(&self, list: List, account: &Passport<'_>) -> Result<(), DriverError> {
        let account = account.borrow().into_owned();
        self.ask(|reply| Command::AddContact { list, account, reply })
    }

    /// Takes `account` off `list`; [`ClientEvent::ContactRemoved`] confirms it. See
    /// [`Client::remove_contact`](crate::client::Client::remove_contact).
    pub fn remove_contact(&self, list: List, account: &Passport<'_>) -> Result<(), DriverError> {
        let account = account.borrow().into_owned();
        self.ask(|reply| Command::RemoveContact { list, account, reply })
    }

    /// Accepts someone who added the bot ([`ClientEvent::AddedBy`]): allows them and
    /// puts them on the bot's contact list, as [`ClientEvent::ContactAdded`]s confirm.
    /// Nothing is sent for the steps the contact list shows done already.
    pub fn accept_contact(&self, account: &Passport<'_>) -> Result<(), DriverError> {
        let account = account.borrow().into_owned();
        self.ask(|reply| Command::AcceptContact { account, reply })
    }

    /// Blocks `account`: they no longer see the bot's presence nor invite it; a
    /// [`ClientEvent::ContactAdded`] on the block list confirms it.
    pub fn block(&self, account: &Passport<'_>) -> Result<(), DriverError> {
        let account = account.borrow().into_owned();
        self.ask(|reply| Command::Block { account, reply })
    }

    /// Unblocks `account`: off the block list, onto the allow list, as
    /// [`ClientEvent::ContactRemoved`] and [`ClientEvent::ContactAdded`] confirm.
    pub fn unblock(&self, account: &Passport<'_>) -> Result<(), DriverError> {
        let account = account.borrow().into_owned();
        self.ask(|reply| Command::Unblock { account, reply })
    }

    /// Sets the bot's friendly name; [`ClientEvent::NameChanged`] confirms it, and
    /// contacts who see the bot learn it.
    pub fn set_name(&self, name: impl Into<String>) -> Result<(), DriverError> {
        let name = name.into();
        self.ask(|reply| Command::SetName { name, reply })
    }

    /// Sets the bot's personal message (`UUX`, MSNP11+), shown beside its name and
    /// kept with its current media; see
    /// [`Client::set_personal_message`](crate::client::Client::set_personal_message).
    pub fn set_personal_message(&self, message: impl Into<String>) -> Result<(), DriverError> {
        let message = message.into();
        self.ask(|reply| Command::SetPersonalMessage { message, reply })
    }

    /// Sets, or with `None` clears, what the bot is playing (MSNP11+); see
    /// [`Client::set_current_media`](crate::client::Client::set_current_media).
    pub fn set_current_media(&self, media: Option<CurrentMedia>) -> Result<(), DriverError> {
        self.ask(|reply| Command::SetCurrentMedia { media, reply })
    }

    /// Sets, or with `None` clears, the bot's display picture (the image file's bytes;
    /// MSNP9+): its MSNObject is announced with the status; see
    /// [`Client::set_display_picture`](crate::client::Client::set_display_picture).
    pub fn set_display_picture(&self, picture: Option<Vec<u8>>) -> Result<(), DriverError> {
        self.ask(|reply| Command::SetDisplayPicture { picture, reply })
    }

    /// Fetches a contact's display picture, named by the MSNObject its presence showed
    /// ([`ClientEvent::ContactDisplayPicture`]), over P2P (MSNP9+): it arrives as
    /// [`ClientEvent::DisplayPicture`] once its bytes match the object's SHA-1, or the
    /// transfer ends with a reason ([`ClientEvent::TransferEnded`]). See
    /// [`Client::request_display_picture`](crate::client::Client::request_display_picture).
    pub fn request_display_picture(
        &self,
        contact: &Passport<'_>,
        object: &MsnObject,
    ) -> Result<TransferId, DriverError> {
        let contact = contact.borrow().into_owned();
        let object = Box::new(object.clone());
        self.ask(|reply| Command::RequestDisplayPicture {
            contact,
            object,
            reply,
        })
    }

    /// Offers a file of `size` bytes to a contact over P2P (MSNP9+); once
    /// [`ClientEvent::TransferAccepted`] comes, feed it with
    /// [`write_transfer`](Self::write_transfer). See
    /// [`Client::send_file`](crate::client::Client::send_file).
    pub fn send_file(&self, to: &Passport<'_>, name: &str, size: u64) -> Result<TransferId, DriverError> {
        self.offer_file(to, name, size, false)
    }

    /// Offers a file of `size` bytes to a contact over MSNFTP (any dialect, MSNP8
    /// included): the driver listens for the contact's connection through the
    /// connector ([`Connector::listen`]). Needs
    /// [`TransferConfig::msnftp`](crate::client::TransferConfig::msnftp). See
    /// [`Client::send_file_msnftp`](crate::client::Client::send_file_msnftp).
    pub fn send_file_msnftp(
        &self,
        to: &Passport<'_>,
        name: &str,
        size: u64,
    ) -> Result<TransferId, DriverError> {
        self.offer_file(to, name, size, true)
    }

    fn offer_file(
        &self,
        to: &Passport<'_>,
        name: &str,
        size: u64,
        msnftp: bool,
    ) -> Result<TransferId, DriverError> {
        let (to, name) = (to.borrow().into_owned(), name.to_owned());
        self.ask(|reply| Command::SendFile {
            to,
            name,
            size,
            msnftp,
            reply,
        })
    }

    /// Hands the next bytes of a file being sent; returns how many were taken (the
    /// transfer buffers a bounded amount): write the rest after the next
    /// [`ClientEvent::TransferProgress`]. See
    /// [`Client::write_transfer`](crate::client::Client::write_transfer).
    pub fn write_transfer(&self, id: TransferId, data: &[u8]) -> Result<usize, DriverError> {
        let data = data.to_vec();
        self.ask(|reply| Command::WriteTransfer { id, data, reply })
    }

    /// Accepts an offered file ([`ClientEvent::TransferOffered`]); its bytes come as
    /// [`ClientEvent::TransferData`].
    pub fn accept_transfer(&self, id: TransferId) -> Result<(), DriverError> {
        self.ask(|reply| Command::EndTransfer {
            id,
            how: TransferAnswer::Accept,
            reply,
        })
    }

    /// Declines an offered file.
    pub fn decline_transfer(&self, id: TransferId) -> Result<(), DriverError> {
        self.ask(|reply| Command::EndTransfer {
            id,
            how: TransferAnswer::Decline,
            reply,
        })
    }

    /// Cancels a transfer in either direction; it ends as cancelled on both sides.
    pub fn cancel_transfer(&self, id: TransferId) -> Result<(), DriverError> {
        self.ask(|reply| Command::EndTransfer {
            id,
            how: TransferAnswer::Cancel,
            reply,
        })
    }

    /// Sets, or with `None` clears, one of the bot's phone numbers;
    /// [`ClientEvent::PhoneChanged`] confirms it. See
    /// [`Client::set_phone`](crate::client::Client::set_phone).
    pub fn set_phone(&self, phone: Phone, value: Option<&str>) -> Result<(), DriverError> {
        let value = value.map(str::to_owned);
        self.ask(|reply| Command::SetPhone { phone, value, reply })
    }

    /// A copy of the contact list as the server last confirmed it: complete once
    /// [`ClientEvent::ListSynced`] came. Under the `serde` feature it serializes, and
    /// [`ClientConfig::contact_list`](crate::client::ClientConfig::contact_list) starts
    /// the next session from it.
    pub fn contact_list(&self) -> Result<ContactList, DriverError> {
        self.ask(|reply| Command::ContactList { reply })
    }

    /// The Passport login server this session learned from the nexus (or was
    /// configured with): put it in the next session's
    /// [`PassportConfig::dalogin`](crate::passport::PassportConfig::dalogin) to skip
    /// the nexus there. See [`Client::passport_dalogin`](crate::client::Client::passport_dalogin).
    pub fn passport_dalogin(&self) -> Result<Option<String>, DriverError> {
        self.ask(|reply| Command::PassportDalogin { reply })
    }

    /// Signs out; the events end with
    /// [`ns::CloseReason::LoggedOut`](crate::ns::CloseReason::LoggedOut).
    pub fn sign_out(&self) -> Result<(), DriverError> {
        self.ask(|reply| Command::SignOut { reply })
    }

    fn ask<T: Send + 'static>(&self, command: impl FnOnce(Reply<T>) -> Command) -> Result<T, DriverError> {
        let (tx, rx) = mpsc::sync_channel(1);
        let reply: Reply<T> = Box::new(move |result| {
            let _ = tx.send(result);
        });
        self.handle
            .inputs
            .send(Input::Command(command(reply)))
            .map_err(|_| DriverError::Closed)?;
        rx.recv().map_err(|_| DriverError::Closed)?
    }
}

/// The session's thread: waits for an input until the timer is due, and drains.
fn run<C: Connector>(
    mut shell: Shell,
    mut io: ThreadIo<C>,
    inputs: Receiver<Input<Writer>>,
    events: &Sender<ClientEvent>,
    gate: &Gate,
) {
    loop {
        let next_timeout = shell.drain(&mut io);
        while let Some(event) = shell.next_event() {
            // A bot that stopped listening may still send commands.
            if events.send(event).is_ok() {
                gate.given(shell.is_signed_in());
            }
        }
        if shell.is_finished() {
            // Readers waiting for their held reads to be taken must not wait forever.
            gate.open_for_good();
            drop(gate.take_held());
            return;
        }
        // Reads left while paused go before any timer, but after what their readers
        // sent before them, which is already in the channel.
        if gate.has_held() {
            while let Ok(input) = inputs.try_recv() {
                shell.input(&mut io, input);
            }
            for held in gate.take_held() {
                shell.input(&mut io, held);
            }
            continue;
        }
        // While paused no timeout is judged: what it waits for may be unread.
        let input = match next_timeout {
            Some(at) if !gate.is_paused() => {
                inputs.recv_timeout(at.saturating_duration_since(Instant::now()))
            }
            _ => inputs.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        match input {
            Ok(input) => shell.input(&mut io, input),
            Err(RecvTimeoutError::Timeout) => shell.timeout(),
            // The io keeps a sender, so this cannot happen while it lives.
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

/// A connection's writer queue, and the buffers its writer hands back.
struct Writer {
    queue: SyncSender<Vec<u8>>,
    pool: BufferPool,
    backlog: Backlog,
}

struct ThreadIo<C> {
    gate: Arc<Gate>,
    inputs: SyncSender<Input<Writer>>,
    writers: HashMap<ConnId, Writer>,
    connecting: HashSet<ConnId>,
    /// Set to stop the thread listening for a peer of this connection.
    listening: HashMap<ConnId, Arc<AtomicBool>>,
    connector: Arc<C>,
    connect_timeout: Duration,
    write_queue: usize,
    write_timeout: Duration,
}

impl<C: Connector> ThreadIo<C> {
    /// Opens `conn` on a thread of its own with `opening` (which may tell the session
    /// things on the way), then starts its reader and writer: `Connected`, or
    /// `ConnectFailed` naming `what` was to be reached.
    fn open(
        &mut self,
        conn: ConnId,
        thread_name: &str,
        what: String,
        opening: impl FnOnce(&SyncSender<Input<Writer>>) -> io::Result<C::Stream> + Send + 'static,
    ) {
        self.connecting.insert(conn);
        let (inputs, gate, write_queue) = (self.inputs.clone(), Arc::clone(&self.gate), self.write_queue);
        let spawned = thread::Builder::new().name(thread_name.into()).spawn(move || {
            // A connector is the bot author's code: one that panics fails the
            // connection instead of leaving the session waiting for it forever.
            let opened = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| opening(&inputs)))
                .unwrap_or_else(|_| Err(io::Error::other("the connector panicked")));
            let input = match opened.and_then(|stream| start(conn, stream, &inputs, gate, write_queue)) {
                Ok(writer) => Input::Connected { conn, writer },
                Err(error) => Input::ConnectFailed {
                    conn,
                    addr: what,
                    error,
                },
            };
            let _ = inputs.send(input);
        });
        if let Err(error) = spawned {
            let _ = self.inputs.try_send(Input::ConnectFailed {
                conn,
                addr: format!("a thread ({thread_name})"),
                error,
            });
        }
    }
}

impl<C: Connector> Io for ThreadIo<C> {
    type Writer = Writer;

    fn connect(&mut self, conn: ConnId, addr: HostPort<'static>) {
        let connector = Arc::clone(&self.connector);
        let (timeout, write_timeout) = (self.connect_timeout, self.write_timeout);
        let what = addr.to_string();
        self.open(conn, "msnp-connect", what, move |_| {
            connector.connect(&addr, timeout, write_timeout)
        });
    }

    fn listen(&mut self, conn: ConnId, toward: HostPort<'static>) {
        let stop = Arc::new(AtomicBool::new(false));
        self.listening.insert(conn, Arc::clone(&stop));
        let connector = Arc::clone(&self.connector);
        let write_timeout = self.write_timeout;
        self.open(
            conn,
            "msnp-listen",
            "a listening socket".to_owned(),
            move |inputs| {
                let (addr, accepting) = connector.listen(&toward, write_timeout)?;
                let _ = inputs.send(Input::Listening { conn, addr });
                accepting(&stop)
            },
        );
    }

    fn attach(&mut self, conn: ConnId, writer: Writer) -> bool {
        self.listening.remove(&conn);
        if !self.connecting.remove(&conn) {
            return false;
        }
        self.writers.insert(conn, writer);
        true
    }

    fn transmit(&mut self, conn: ConnId, bytes: &[u8]) -> bool {
        let Some(writer) = self.writers.get(&conn) else {
            return false;
        };
        writer.backlog.queued(bytes.len());
        match writer.queue.try_send(writer.pool.filled(bytes)) {
            Ok(()) => true,
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => false,
        }
    }

    fn close(&mut self, conn: ConnId) {
        self.connecting.remove(&conn);
        if let Some(stop) = self.listening.remove(&conn) {
            stop.store(true, Ordering::Relaxed);
        }
        // The writer thread writes what is queued, then shuts the socket.
        self.writers.remove(&conn);
    }

    fn is_backlogged(&self, conn: ConnId) -> bool {
        self.writers.get(&conn).is_some_and(|w| w.backlog.is_high())
    }

    fn http(&mut self, id: HttpId, request: HttpRequest) {
        let (connector, inputs) = (Arc::clone(&self.connector), self.inputs.clone());
        let spawned = thread::Builder::new()
            .name("msnp-passport".into())
            .spawn(move || {
                let result =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| connector.http(&request)))
                        .unwrap_or_else(|_| Err("the connector panicked".to_owned()));
                let _ = inputs.send(Input::Http { id, result });
            });
        if let Err(error) = spawned {
            let result = Err(format!("cannot start an HTTP thread: {error}"));
            let _ = self.inputs.try_send(Input::Http { id, result });
        }
    }
}

/// Resolves `addr` and connects to the first address that answers.
fn open(addr: &HostPort<'static>, timeout: Duration) -> io::Result<TcpStream> {
    let mut last = io::Error::new(ErrorKind::NotFound, "the name resolves to no address");
    for candidate in (addr.host(), addr.port()).to_socket_addrs()? {
        match TcpStream::connect_timeout(&candidate, timeout) {
            Ok(stream) => {
                // Commands are small and answered one by one: do not wait to batch them.
                stream.set_nodelay(true)?;
                return Ok(stream);
            }
            Err(error) => last = error,
        }
    }
    Err(last)
}

/// Starts `stream`'s reader and writer threads.
fn start<S: Stream>(
    conn: ConnId,
    stream: S,
    inputs: &SyncSender<Input<Writer>>,
    gate: Arc<Gate>,
    write_queue: usize,
) -> io::Result<Writer> {
    let (reader, writer) = (stream.try_clone()?, stream);
    let read_inputs = inputs.clone();
    thread::Builder::new()
        .name("msnp-reader".into())
        .spawn(move || read_loop(conn, reader, &read_inputs, &gate))?;
    let (queue, rx) = mpsc::sync_channel(write_queue);
    let (pool, backlog) = (BufferPool::default(), Backlog::default());
    let (written, drained, inputs) = (pool.clone(), backlog.clone(), inputs.clone());
    thread::Builder::new()
        .name("msnp-writer".into())
        .spawn(move || write_loop(conn, writer, &rx, &written, &drained, &inputs))?;
    Ok(Writer { queue, pool, backlog })
}

fn read_loop<S: Stream>(conn: ConnId, mut stream: S, inputs: &SyncSender<Input<Writer>>, gate: &Gate) {
    let mut buffer = vec![0; READ_BUFFER];
    loop {
        let input = match stream.read(&mut buffer) {
            Ok(0) => Input::Closed { conn },
            Err(error) if error.kind() == ErrorKind::Interrupted => continue,
            Err(_) => Input::Closed { conn },
            Ok(n) => Input::Bytes {
                conn,
                bytes: buffer[..n].to_vec(),
            },
        };
        let last = matches!(input, Input::Closed { .. });
        if !gate.deliver(input, inputs) || last {
            return;
        }
    }
}

fn write_loop<S: Stream>(
    conn: ConnId,
    mut stream: S,
    queue: &Receiver<Vec<u8>>,
    pool: &BufferPool,
    backlog: &Backlog,
    inputs: &SyncSender<Input<Writer>>,
) {
    while let Ok(bytes) = queue.recv() {
        if stream.write_all(&bytes).is_err() {
            break;
        }
        // Straight to the session, past the gate: a bot's write may be waiting for it.
        if backlog.written(bytes.len()) && inputs.send(Input::Drained { conn }).is_err() {
            break;
        }
        pool.give_back(bytes);
    }
    // The session forgot this connection, or it broke: either way the reader stops
    // here, and reports the end if the session still knows it.
    let _ = Stream::shutdown(&stream);
}

/// ureq on rustls: Mozilla's roots plus the CA file's, no redirects followed (the flow
/// follows them, re-sending the credentials only where Passport may get them), every
/// status an answer, `https` only unless plain HTTP was allowed.
fn http_agent(config: &DriverConfig) -> Result<ureq::Agent, DriverError> {
    use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};

    let client = super::client_config(config);
    let mut tls = TlsConfig::builder();
    if let Some((path, pem)) = super::read_ca_file(config)? {
        let mut roots: Vec<Certificate<'static>> = webpki_root_certs::TLS_SERVER_ROOT_CERTS
            .iter()
            .map(|der| Certificate::from_der(der.as_ref()).to_owned())
            .collect();
        let mut added = 0;
        for item in ureq::tls::parse_pem(&pem) {
            match item {
                Ok(PemItem::Certificate(certificate)) => {
                    roots.push(certificate);
                    added += 1;
                }
                Ok(_) => {}
                Err(error) => {
                    return Err(DriverError::CaFile {
                        path,
                        reason: super::sentence(&error),
                    });
                }
            }
        }
        if added == 0 {
            return Err(DriverError::CaFile {
                path,
                reason: "it holds no PEM certificate".to_owned(),
            });
        }
        tls = tls.root_certs(RootCerts::from(roots));
    }
    Ok(ureq::Agent::config_builder()
        .tls_config(tls.build())
        .https_only(!client.passport.allow_http)
        .max_redirects(0)
        .http_status_as_error(false)
        .timeout_global(Some(client.passport_timeout))
        .timeout_connect(Some(config.connect_timeout))
        .build()
        .new_agent())
}

/// Performs `request` as given; any status is an answer, only no answer is an error.
fn get(agent: &ureq::Agent, request: &HttpRequest) -> Result<HttpResponse, String> {
    let mut call = agent.get(request.url());
    for (name, value) in super::headers(request) {
        call = call.header(name, value);
    }
    let response = call.call().map_err(|error| super::sentence(&error))?;
    let headers = response.headers().iter();
    Ok(super::response(
        response.status().as_u16(),
        headers.map(|(name, value)| (name.as_str(), value.to_str().ok())),
    ))
}

#[cfg(test)]
mod tests {
    use super::{Command, Handle, Input};
    use std::sync::mpsc;

    #[test]
    fn the_last_handle_signs_out_behind_a_full_queue() {
        let (inputs, session) = mpsc::sync_channel(1);
        inputs.try_send(Input::Wake).unwrap();
        let handle = Handle { inputs };
        let dropping = std::thread::spawn(move || drop(handle));
        assert!(matches!(session.recv(), Ok(Input::Wake)));
        assert!(matches!(
            session.recv(),
            Ok(Input::Command(Command::SignOut { .. }))
        ));
        dropping.join().unwrap();
        assert!(session.recv().is_err());
    }
}
