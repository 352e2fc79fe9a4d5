//! A bot on tokio: [`connect`] signs in and returns a cloneable [`Bot`] handle for
//! commands and the [`Events`] of the session.
//!
//! ```no_run
//! use msnp::Secret;
//! use msnp::client::ClientEvent;
//! use msnp::drivers::DriverConfig;
//!
//! # async fn run() -> Result<(), msnp::drivers::DriverError> {
//! let password = Secret::new("secret".to_owned());
//! let (bot, mut events) = msnp::tokio::connect(DriverConfig::default(), "bot@example.com", password).await?;
//! while let Some(event) = events.recv().await {
//!     if let ClientEvent::TextReceived { conversation, text, .. } = event {
//!         bot.send_to_conversation(conversation, text).await?;
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! One task owns the [`Client`](crate::client::Client); every socket has a reader task
//! and a writer task of its own, with bounded queues, so a peer that stops reading
//! never delays the keep-alive or another conversation (see
//! [backpressure](crate::drivers#backpressure)); the `Client`'s next timeout is one
//! `sleep_until`. Passport goes over HTTPS with reqwest on rustls, trusting Mozilla's
//! roots and [`DriverConfig::ca_file`].
//!
//! The driver spawns its tasks with `tokio::spawn`: call it within a runtime (either
//! flavour). The session runs until it ends or every [`Bot`] is dropped, which signs
//! out.
//!
//! # Connectors
//!
//! How a connection is opened and a Passport request made is the [`Connector`]'s
//! business: [`connect`] uses [`TcpConnector`] (TCP and reqwest), and
//! [`connect_with`] takes any other, such as the in-memory server of
//! `msnp::testing::memory` (features `testing` and `server`), so that a bot runs
//! unchanged against a server without ports. The session's clock is tokio's
//! ([`tokio::time::Instant`]): under a paused test runtime
//! (`#[tokio::test(start_paused = true)]`) keep-alives and deadlines follow the test's
//! time, and minutes of a session pass in milliseconds.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::ops::RangeInclusive;
use std::sync::Arc;
use std::time::Duration;

use ::tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadHalf, WriteHalf};
use ::tokio::net::TcpStream;
use ::tokio::sync::{mpsc, oneshot};
use ::tokio::task::AbortHandle;

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
/// Inputs of each kind (socket data; connections and HTTP answers) waiting for the
/// session: readers wait when theirs is full, which is what slows a flooding peer
/// down.
const INPUT_QUEUE: usize = 64;

/// Signs in as `account` with `password`: resolves once the session can open
/// conversations (logged in, lists synced, initial status set, as
/// [`ClientConfig`](crate::client::ClientConfig) asks), or fails with why it could
/// not: a connection that cannot be opened, refused credentials, an unreachable
/// Passport, a server that closes.
pub async fn connect(
    config: DriverConfig,
    account: &str,
    password: Secret<String>,
) -> Result<(Bot, Events), DriverError> {
    let connector = TcpConnector::new(&config)?;
    connect_with(config, connector, account, password).await
}

/// [`connect`] through `connector`: its streams carry the connections, its
/// [`Connector::http`] the Passport requests. [`DriverConfig::ca_file`] and the HTTP
/// settings are [`TcpConnector`]'s, so another connector ignores them; the rest of the
/// config applies as to [`connect`].
pub async fn connect_with<C: Connector>(
    config: DriverConfig,
    connector: C,
    account: &str,
    password: Secret<String>,
) -> Result<(Bot, Events), DriverError> {
    let account = super::account(account)?;
    let (ready_tx, ready_rx) = oneshot::channel();
    let ready: Reply<()> = Box::new(move |result| {
        let _ = ready_tx.send(result);
    });
    let shell = Shell::new(super::client_config(&config), account, password, ready, now);
    let (inputs_tx, inputs) = mpsc::channel(INPUT_QUEUE);
    let (sockets_tx, sockets) = mpsc::channel(INPUT_QUEUE);
    let (commands_tx, commands) = mpsc::channel(config.command_queue.max(1));
    let (events_tx, events) = mpsc::channel(config.event_queue.max(1));
    let io = TokioIo {
        inputs: inputs_tx,
        sockets: sockets_tx,
        writers: HashMap::new(),
        connecting: HashSet::new(),
        listening: HashMap::new(),
        connector: Arc::new(connector),
        connect_timeout: config.connect_timeout,
        write_queue: config.write_queue.max(1),
        write_timeout: config.write_timeout,
    };
    let inputs = Inputs {
        sockets,
        others: inputs,
        commands,
    };
    ::tokio::spawn(run(shell, io, inputs, events_tx));
    match ready_rx.await {
        Ok(Ok(())) => Ok((
            Bot {
                commands: commands_tx,
            },
            Events { events },
        )),
        Ok(Err(error)) => Err(error),
        Err(_) => Err(DriverError::Closed),
    }
}

/// The session's clock, tokio's, as the `Client` takes it.
fn now() -> std::time::Instant {
    ::tokio::time::Instant::now().into_std()
}

/// How the driver opens connections and performs Passport requests: TCP and HTTPS
/// with [`TcpConnector`], anything else for tests (see the [module docs](self#connectors)).
///
/// Each call runs in a task of its own, so a slow connect or request delays nothing
/// else; the driver bounds a connect by [`DriverConfig::connect_timeout`] (on tokio's
/// clock), a Passport request by
/// [`ClientConfig::passport_timeout`](crate::client::ClientConfig::passport_timeout).
pub trait Connector: Send + Sync + 'static {
    /// A connection's byte stream; the driver splits it into a reader and a writer
    /// task, and shuts it down when the session forgets the connection.
    type Stream: AsyncRead + AsyncWrite + Send + Unpin + 'static;

    /// Opens a connection to `addr` (a dispatch, notification or switchboard server).
    fn connect(&self, addr: &HostPort<'static>)
    -> impl Future<Output = std::io::Result<Self::Stream>> + Send;

    /// Performs a Passport `GET` exactly as given (its URL and every header; no
    /// redirect followed). Any status is an answer; only no answer at all is an
    /// error, worded for [`CloseReason`](crate::client::CloseReason)'s sentence.
    fn http(&self, request: &HttpRequest) -> impl Future<Output = Result<HttpResponse, String>> + Send;

    /// Listens for one peer's connection (an MSNFTP file the user sends), on the local
    /// address that reaches `toward` (the conversation's switchboard server): gives the
    /// address to hand the peer and the connection to come, which the driver drops if
    /// the transfer ends first. The default refuses (`Unsupported`): a connector with no
    /// network of its own, such as the in-memory server's, cannot be reached by peers.
    fn listen(
        &self,
        toward: &HostPort<'static>,
    ) -> impl Future<Output = std::io::Result<(HostPort<'static>, Accepting<Self::Stream>)>> + Send {
        let _ = toward;
        async { Err(super::cannot_listen()) }
    }
}

/// The connection a listener waits for ([`Connector::listen`]).
pub type Accepting<S> = std::pin::Pin<Box<dyn Future<Output = std::io::Result<S>> + Send>>;

/// The default [`Connector`]: TCP (no Nagle delay: commands are small and answered
/// one by one), and Passport over HTTPS with reqwest on rustls, trusting Mozilla's
/// roots and [`DriverConfig::ca_file`], plain HTTP only where
/// [`DriverConfig::allow_http_passport`] allows it.
#[derive(Clone, Debug)]
pub struct TcpConnector {
    http: reqwest::Client,
    msnftp_ports: Option<RangeInclusive<u16>>,
}

impl TcpConnector {
    /// The connector [`connect`] uses, set up from `config`: fails when the CA file
    /// cannot be read or the HTTP client built.
    pub fn new(config: &DriverConfig) -> Result<Self, DriverError> {
        Ok(TcpConnector {
            http: http_client(config)?,
            msnftp_ports: config.msnftp_ports.clone(),
        })
    }
}

impl Connector for TcpConnector {
    type Stream = TcpStream;

    async fn connect(&self, addr: &HostPort<'static>) -> std::io::Result<TcpStream> {
        let stream = TcpStream::connect((addr.host(), addr.port())).await?;
        let _ = stream.set_nodelay(true);
        Ok(stream)
    }

    async fn http(&self, request: &HttpRequest) -> Result<HttpResponse, String> {
        get(&self.http, request).await
    }

    /// Binds on the local address that routes to `toward` (found without sending a
    /// packet), on the first free port of [`DriverConfig::msnftp_ports`], or one the
    /// system picks.
    async fn listen(
        &self,
        toward: &HostPort<'static>,
    ) -> std::io::Result<(HostPort<'static>, Accepting<TcpStream>)> {
        let target = ::tokio::net::lookup_host((toward.host(), toward.port()))
            .await?
            .next()
            .ok_or_else(|| {
                std::io::Error::new(std::io::ErrorKind::NotFound, "the name resolves to no address")
            })?;
        let ip = super::local_ip_toward(target)?;
        // Binding does not block, so std's call serves, shared with the blocking driver.
        let listener = super::bind_listener(ip, self.msnftp_ports.as_ref())?;
        listener.set_nonblocking(true)?;
        let listener = ::tokio::net::TcpListener::from_std(listener)?;
        let addr = super::host_port(ip, listener.local_addr()?.port())?;
        let accepting: Accepting<TcpStream> = Box::pin(async move {
            let (stream, _) = listener.accept().await?;
            let _ = stream.set_nodelay(true);
            Ok(stream)
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
    events: mpsc::Receiver<ClientEvent>,
}

impl Events {
    /// The next event; `None` once the session is over.
    pub async fn recv(&mut self) -> Option<ClientEvent> {
        self.events.recv().await
    }
}

/// A handle to the session, cheap to clone; each command waits for its result.
/// Dropping the last handle signs out.
#[derive(Clone)]
pub struct Bot {
    commands: mpsc::Sender<Command>,
}

impl std::fmt::Debug for Bot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bot").finish_non_exhaustive()
    }
}

impl Bot {
    /// Sends `text` to `to`, in the conversation with them alone or a new one; the
    /// handle ends in one delivery event. See
    /// [`Client::send_message`](crate::client::Client::send_message).
    pub async fn send_message(
        &self,
        to: &Passport<'_>,
        text: impl Into<String>,
    ) -> Result<MessageHandle, DriverError> {
        let (to, text) = (to.borrow().into_owned(), text.into());
        self.ask(|reply| Command::SendMessage { to, text, reply }).await
    }

    /// Sends `text` to everyone in `conversation`.
    pub async fn send_to_conversation(
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
        .await
    }

    /// Invites `account` into `conversation`.
    pub async fn invite(
        &self,
        conversation: ConversationId,
        account: &Passport<'_>,
    ) -> Result<(), DriverError> {
        let account = account.borrow().into_owned();
        self.ask(|reply| Command::Invite {
            conversation,
            account,
            reply,
        })
        .await
    }

    /// Tells `conversation` the bot is typing.
    pub async fn send_typing(&self, conversation: ConversationId) -> Result<(), DriverError> {
        self.ask(|reply| Command::Typing { conversation, reply }).await
    }

    /// Leaves `conversation`.
    pub async fn leave(&self, conversation: ConversationId) -> Result<(), DriverError> {
        self.ask(|reply| Command::Leave { conversation, reply }).await
    }

    /// Sets the bot's status.
    pub async fn set_status(&self, status: Status) -> Result<(), DriverError> {
        self.ask(|reply| Command::SetStatus { status, reply }).await
    }

    /// Adds `account` to `list`; [`ClientEvent::ContactAdded`] confirms it. To accept,
    /// block or unblock someone, [`accept_contact`](Self::accept_contact),
    /// [`block`](Self::block) and [`unblock`](Self::unblock) take the steps without
    /// naming lists.
    pub async fn add_contact(&self, list: List, account: &Passport<'_>) -> Result<(), DriverError> {
        let account = account.borrow().into_owned();
        self.ask(|reply| Command::AddContact { list, account, reply })
            .await
    }

    /// Takes `account` off `list`; [`ClientEvent::ContactRemoved`] confirms it. See
    /// [`Client::remove_contact`](crate::client::Client::remove_contact).
    pub async fn remove_contact(&self, list: List, account: &Passport<'_>) -> Result<(), DriverError> {
        let account = account.borrow().into_owned();
        self.ask(|reply| Command::RemoveContact { list, account, reply })
            .await
    }

    /// Accepts someone who added the bot ([`ClientEvent::AddedBy`]): allows them and
    /// puts them on the bot's contact list, as [`ClientEvent::ContactAdded`]s confirm.
    /// Nothing is sent for the steps the contact list shows done already.
    pub async fn accept_contact(&self, account: &Passport<'_>) -> Result<(), DriverError> {
        let account = account.borrow().into_owned();
        self.ask(|reply| Command::AcceptContact { account, reply }).await
    }

    /// Blocks `account`: they no longer see the bot's presence nor invite it; a
    /// [`ClientEvent::ContactAdded`] on the block list confirms it.
    pub async fn block(&self, account: &Passport<'_>) -> Result<(), DriverError> {
        let account = account.borrow().into_owned();
        self.ask(|reply| Command::Block { account, reply }).await
    }

    /// Unblocks `account`: off the block list, onto the allow list, as
    /// [`ClientEvent::ContactRemoved`] and [`ClientEvent::ContactAdded`] confirm.
    pub async fn unblock(&self, account: &Passport<'_>) -> Result<(), DriverError> {
        let account = account.borrow().into_owned();
        self.ask(|reply| Command::Unblock { account, reply }).await
    }

    /// Sets the bot's friendly name; [`ClientEvent::NameChanged`] confirms it, and
    /// contacts who see the bot learn it.
    pub async fn set_name(&self, name: impl Into<String>) -> Result<(), DriverError> {
        let name = name.into();
        self.ask(|reply| Command::SetName { name, reply }).await
    }

    /// Sets the bot's personal message (`UUX`, MSNP11+), shown beside its name and
    /// kept with its current media; see
    /// [`Client::set_personal_message`](crate::client::Client::set_personal_message).
    pub async fn set_personal_message(&self, message: impl Into<String>) -> Result<(), DriverError> {
        let message = message.into();
        self.ask(|reply| Command::SetPersonalMessage { message, reply })
            .await
    }

    /// Sets, or with `None` clears, what the bot is playing (MSNP11+); see
    /// [`Client::set_current_media`](crate::client::Client::set_current_media).
    pub async fn set_current_media(&self, media: Option<CurrentMedia>) -> Result<(), DriverError> {
        self.ask(|reply| Command::SetCurrentMedia { media, reply }).await
    }

    /// Sets, or with `None` clears, the bot's display picture (the image file's bytes;
    /// MSNP9+): its MSNObject is announced with the status; see
    /// [`Client::set_display_picture`](crate::client::Client::set_display_picture).
    pub async fn set_display_picture(&self, picture: Option<Vec<u8>>) -> Result<(), DriverError> {
        self.ask(|reply| Command::SetDisplayPicture { picture, reply })
            .await
    }

    /// Fetches a contact's display picture, named by the MSNObject its presence showed
    /// ([`ClientEvent::ContactDisplayPicture`]), over P2P (MSNP9+): it arrives as
    /// [`ClientEvent::DisplayPicture`] once its bytes match the object's SHA-1, or the
    /// transfer ends with a reason ([`ClientEvent::TransferEnded`]). See
    /// [`Client::request_display_picture`](crate::client::Client::request_display_picture).
    pub async fn request_display_picture(
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
        .await
    }

    /// Offers a file of `size` bytes to a contact over P2P (MSNP9+); once
    /// [`ClientEvent::TransferAccepted`] comes, feed it with
    /// [`write_transfer`](Self::write_transfer). See
    /// [`Client::send_file`](crate::client::Client::send_file).
    pub async fn send_file(
        &self,
        to: &Passport<'_>,
        name: &str,
        size: u64,
    ) -> Result<TransferId, DriverError> {
        self.offer_file(to, name, size, false).await
    }

    /// Offers a file of `size` bytes to a contact over MSNFTP (any dialect, MSNP8
    /// included): the driver listens for the contact's connection through the
    /// connector ([`Connector::listen`]). Needs
    /// [`TransferConfig::msnftp`](crate::client::TransferConfig::msnftp). See
    /// [`Client::send_file_msnftp`](crate::client::Client::send_file_msnftp).
    pub async fn send_file_msnftp(
        &self,
        to: &Passport<'_>,
        name: &str,
        size: u64,
    ) -> Result<TransferId, DriverError> {
        self.offer_file(to, name, size, true).await
    }

    async fn offer_file(
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
        .await
    }

    /// Hands the next bytes of a file being sent; returns how many were taken (the
    /// transfer buffers a bounded amount): write the rest after the next
    /// [`ClientEvent::TransferProgress`]. See
    /// [`Client::write_transfer`](crate::client::Client::write_transfer).
    pub async fn write_transfer(&self, id: TransferId, data: &[u8]) -> Result<usize, DriverError> {
        let data = data.to_vec();
        self.ask(|reply| Command::WriteTransfer { id, data, reply }).await
    }

    /// Accepts an offered file ([`ClientEvent::TransferOffered`]); its bytes come as
    /// [`ClientEvent::TransferData`].
    pub async fn accept_transfer(&self, id: TransferId) -> Result<(), DriverError> {
        self.ask(|reply| Command::EndTransfer {
            id,
            how: TransferAnswer::Accept,
            reply,
        })
        .await
    }

    /// Declines an offered file.
    pub async fn decline_transfer(&self, id: TransferId) -> Result<(), DriverError> {
        self.ask(|reply| Command::EndTransfer {
            id,
            how: TransferAnswer::Decline,
            reply,
        })
        .await
    }

    /// Cancels a transfer in either direction; it ends as cancelled on both sides.
    pub async fn cancel_transfer(&self, id: TransferId) -> Result<(), DriverError> {
        self.ask(|reply| Command::EndTransfer {
            id,
            how: TransferAnswer::Cancel,
            reply,
        })
        .await
    }

    /// Sets, or with `None` clears, one of the bot's phone numbers;
    /// [`ClientEvent::PhoneChanged`] confirms it. See
    /// [`Client::set_phone`](crate::client::Client::set_phone).
    pub async fn set_phone(&self, phone: Phone, value: Option<&str>) -> Result<(), DriverError> {
        let value = value.map(str::to_owned);
        self.ask(|reply| Command::SetPhone { phone, value, reply }).await
    }

    /// A copy of the contact list as the server last confirmed it: complete once
    /// [`ClientEvent::ListSynced`] came. Under the `serde` feature it serializes, and
    /// [`ClientConfig::contact_list`](crate::client::ClientConfig::contact_list) starts
    /// the next session from it.
    pub async fn contact_list(&self) -> Result<ContactList, DriverError> {
        self.ask(|reply| Command::ContactList { reply }).await
    }

    /// The Passport login server this session learned from the nexus (or was
    /// configured with): put it in the next session's
    /// [`PassportConfig::dalogin`](crate::passport::PassportConfig::dalogin) to skip
    /// the nexus there. See [`Client::passport_dalogin`](crate::client::Client::passport_dalogin).
    pub async fn passport_dalogin(&self) -> Result<Option<String>, DriverError> {
        self.ask(|reply| Command::PassportDalogin { reply }).await
    }

    /// Signs out; the events end with
    /// [`ns::CloseReason::LoggedOut`](crate::ns::CloseReason::LoggedOut).
    pub async fn sign_out(&self) -> Result<(), DriverError> {
        self.ask(|reply| Command::SignOut { reply }).await
    }

    async fn ask<T: Send + 'static>(
        &self,
        command: impl FnOnce(Reply<T>) -> Command,
    ) -> Result<T, DriverError> {
        let (tx, rx) = oneshot::channel();
        let reply: Reply<T> = Box::new(move |result| {
            let _ = tx.send(result);
        });
        self.commands
            .send(command(reply))
            .await
            .map_err(|_| DriverError::Closed)?;
        rx.await.map_err(|_| DriverError::Closed)?
    }
}

/// What the session's task waits on besides the timer.
struct Inputs {
    /// Bytes and ends from the sockets: held back while the bot is behind.
    sockets: mpsc::Receiver<Input<Writer>>,
    /// Connections opened and Passport answers: never held back, so a slow bot does
    /// not make a connect or Passport look slow.
    others: mpsc::Receiver<Input<Writer>>,
    commands: mpsc::Receiver<Command>,
}

/// The session's task: waits for an input, a command or the timer, and drains.
async fn run<C: Connector>(
    mut shell: Shell,
    mut io: TokioIo<C>,
    mut inputs: Inputs,
    events: mpsc::Sender<ClientEvent>,
) {
    let mut handles = true;
    // Events the full queue could not take: at most those of one input, since reading
    // stops while any wait here.
    let mut held = std::collections::VecDeque::new();
    loop {
        let next_timeout = shell.drain(&mut io);
        held.extend(std::iter::from_fn(|| shell.next_event()));
        while let Some(event) = held.pop_front() {
            match events.try_send(event) {
                Ok(()) => {}
                Err(mpsc::error::TrySendError::Full(event)) => {
                    held.push_front(event);
                    break;
                }
                // A bot that stopped listening may still send commands.
                Err(mpsc::error::TrySendError::Closed(_)) => held.clear(),
            }
        }
        if shell.is_finished() && held.is_empty() {
            return;
        }
        let timer = async {
            match next_timeout {
                Some(at) => ::tokio::time::sleep_until(at.into()).await,
                None => std::future::pending().await,
            }
        };
        // While the bot is behind, socket data waits (its peers then slow down) and so
        // do timers: what they wait for may be in that data. Commands, connections and
        // Passport go on. Biased, so that on resuming the held data comes before any
        // timer.
        let reading = held.is_empty() || !shell.is_signed_in();
        ::tokio::select! {
            biased;
            permit = events.reserve(), if !held.is_empty() => {
                if let (Ok(permit), Some(event)) = (permit, held.pop_front()) {
                    permit.send(event);
                }
            }
            Some(input) = inputs.sockets.recv(), if reading => shell.input(&mut io, input),
            Some(input) = inputs.others.recv() => shell.input(&mut io, input),
            command = inputs.commands.recv(), if handles => match command {
                Some(command) => shell.input(&mut io, Input::Command(command)),
                None => {
                    // Every Bot is gone: nobody can end the session any more but us.
                    handles = false;
                    let sign_out = Command::SignOut { reply: Box::new(|_| {}) };
                    shell.input(&mut io, Input::Command(sign_out));
                }
            },
            () = timer, if reading => shell.timeout(),
        }
    }
}

/// What the session keeps of one connection's writer task: the queue it takes
/// transmits from, and the pool it hands written buffers back to.
struct Writer {
    queue: mpsc::Sender<Vec<u8>>,
    pool: BufferPool,
    backlog: Backlog,
}

struct TokioIo<C> {
    inputs: mpsc::Sender<Input<Writer>>,
    sockets: mpsc::Sender<Input<Writer>>,
    writers: HashMap<ConnId, Writer>,
    connecting: HashSet<ConnId>,
    /// The tasks listening for a peer, stopped when the session closes their connection.
    listening: HashMap<ConnId, AbortHandle>,
    connector: Arc<C>,
    connect_timeout: Duration,
    write_queue: usize,
    write_timeout: Duration,
}

/// What starting a connection's reader and writer tasks needs, taken into the task
/// that opens it.
struct Streams {
    sockets: mpsc::Sender<Input<Writer>>,
    /// Where the writer says it caught up: the channel that is read even while the
    /// bot is behind, since a bot's write may be waiting for it.
    inputs: mpsc::Sender<Input<Writer>>,
    write_queue: usize,
    write_timeout: Duration,
}

impl Streams {
    /// The input that reports `opened`: its reader and writer tasks started, or why
    /// there is no stream (`what` names where it was to come from).
    fn start<S: AsyncRead + AsyncWrite + Send + 'static>(
        self,
        conn: ConnId,
        opened: std::io::Result<S>,
        what: String,
    ) -> Input<Writer> {
        let stream = match opened {
            Ok(stream) => stream,
            Err(error) => {
                return Input::ConnectFailed {
                    conn,
                    addr: what,
                    error,
                };
            }
        };
        let (read, write) = ::tokio::io::split(stream);
        let reader = ::tokio::spawn(read_loop(conn, read, self.sockets.clone()));
        let (queue, rx) = mpsc::channel(self.write_queue);
        let (pool, backlog) = (BufferPool::default(), Backlog::default());
        let writer = write_loop(
            WriterTask {
                conn,
                pool: pool.clone(),
                backlog: backlog.clone(),
                timeout: self.write_timeout,
                sockets: self.sockets,
                inputs: self.inputs,
                reader: reader.abort_handle(),
            },
            write,
            rx,
        );
        ::tokio::spawn(writer);
        Input::Connected {
            conn,
            writer: Writer { queue, pool, backlog },
        }
    }
}

impl<C> TokioIo<C> {
    fn streams(&self) -> Streams {
        Streams {
            sockets: self.sockets.clone(),
            inputs: self.inputs.clone(),
            write_queue: self.write_queue,
            write_timeout: self.write_timeout,
        }
    }
}

impl<C: Connector> Io for TokioIo<C> {
    type Writer = Writer;

    fn connect(&mut self, conn: ConnId, addr: HostPort<'static>) {
        self.connecting.insert(conn);
        let (inputs, streams) = (self.inputs.clone(), self.streams());
        let connector = Arc::clone(&self.connector);
        let timeout = self.connect_timeout;
        ::tokio::spawn(async move {
            // A task of its own: a connector is the bot author's code, and one that
            // panics fails the connection instead of leaving the session waiting.
            let opening = ::tokio::spawn({
                let addr = addr.clone();
                async move { connector.connect(&addr).await }
            });
            let abort = opening.abort_handle();
            let opened = match ::tokio::time::timeout(timeout, opening).await {
                Ok(Ok(result)) => result,
                Ok(Err(_)) => Err(std::io::Error::other("the connector panicked")),
                Err(_) => {
                    abort.abort();
                    Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "timed out"))
                }
            };
            let input = streams.start(conn, opened, addr.to_string());
            let _ = inputs.send(input).await;
        });
    }

    fn listen(&mut self, conn: ConnId, toward: HostPort<'static>) {
        self.connecting.insert(conn);
        let (inputs, streams) = (self.inputs.clone(), self.streams());
        let connector = Arc::clone(&self.connector);
        let listening = ::tokio::spawn(async move {
            let bound = ::tokio::spawn(async move { connector.listen(&toward).await })
                .await
                .unwrap_or_else(|_| Err(std::io::Error::other("the connector panicked")));
            let accepted = match bound {
                Ok((addr, accepting)) => {
                    let _ = inputs.send(Input::Listening { conn, addr }).await;
                    accepting.await
                }
                Err(error) => Err(error),
            };
            let input = streams.start(conn, accepted, "a listening socket".to_owned());
            let _ = inputs.send(input).await;
        });
        self.listening.insert(conn, listening.abort_handle());
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
        self.writers.get(&conn).is_some_and(|writer| {
            writer.backlog.queued(bytes.len());
            writer.queue.try_send(writer.pool.filled(bytes)).is_ok()
        })
    }

    fn is_backlogged(&self, conn: ConnId) -> bool {
        self.writers.get(&conn).is_some_and(|w| w.backlog.is_high())
    }

    fn close(&mut self, conn: ConnId) {
        self.connecting.remove(&conn);
        if let Some(listening) = self.listening.remove(&conn) {
            listening.abort();
        }
        // The writer task writes what is queued, then shuts the socket.
        self.writers.remove(&conn);
    }

    fn http(&mut self, id: HttpId, request: HttpRequest) {
        let (connector, inputs) = (Arc::clone(&self.connector), self.inputs.clone());
        ::tokio::spawn(async move {
            let asking = ::tokio::spawn(async move { connector.http(&request).await });
            let result = asking
                .await
                .unwrap_or_else(|_| Err("the connector panicked".to_owned()));
            let _ = inputs.send(Input::Http { id, result }).await;
        });
    }
}

async fn read_loop<S: AsyncRead>(conn: ConnId, mut read: ReadHalf<S>, sockets: mpsc::Sender<Input<Writer>>) {
    loop {
        let input = match read_some(&mut read).await {
            Ok(bytes) if bytes.is_empty() => Input::Closed { conn },
            Err(_) => Input::Closed { conn },
            Ok(bytes) => Input::Bytes { conn, bytes },
        };
        let last = matches!(input, Input::Closed { .. });
        if sockets.send(input).await.is_err() || last {
            return;
        }
    }
}

/// Reads what has arrived (empty at the end of the stream) into a `Vec` of its size.
/// The read buffer lives on the stack only while a read is tried, so a connection that
/// waits for data holds none: with thousands of idle sessions, 16 KiB each adds up.
pub(crate) async fn read_some<R: AsyncRead + Unpin>(read: &mut R) -> std::io::Result<Vec<u8>> {
    std::future::poll_fn(|cx| {
        let mut buffer = [const { std::mem::MaybeUninit::<u8>::uninit() }; READ_BUFFER];
        let mut filled = ::tokio::io::ReadBuf::uninit(&mut buffer);
        match std::pin::Pin::new(&mut *read).poll_read(cx, &mut filled) {
            std::task::Poll::Ready(Ok(())) => std::task::Poll::Ready(Ok(filled.filled().to_vec())),
            std::task::Poll::Ready(Err(error)) => std::task::Poll::Ready(Err(error)),
            std::task::Poll::Pending => std::task::Poll::Pending,
        }
    })
    .await
}

/// What a connection's writer task keeps besides its stream and queue.
struct WriterTask {
    conn: ConnId,
    pool: BufferPool,
    backlog: Backlog,
    timeout: Duration,
    sockets: mpsc::Sender<Input<Writer>>,
    /// Read even while the bot is behind: a bot's write may wait for [`Input::Drained`].
    inputs: mpsc::Sender<Input<Writer>>,
    reader: AbortHandle,
}

async fn write_loop<S: AsyncWrite>(
    task: WriterTask,
    mut write: WriteHalf<S>,
    mut queue: mpsc::Receiver<Vec<u8>>,
) {
    let conn = task.conn;
    while let Some(bytes) = queue.recv().await {
        if write_each(&mut write, &bytes, task.timeout).await.is_err() {
            // Broken, or the peer stopped reading: the connection is over.
            task.reader.abort();
            let _ = task.sockets.send(Input::Closed { conn }).await;
            return;
        }
        if task.backlog.written(bytes.len()) && task.inputs.send(Input::Drained { conn }).await.is_err() {
            break;
        }
        task.pool.give_back(bytes);
    }
    // The session forgot this connection: nothing more to read from it.
    let _ = within(task.timeout, write.shutdown()).await;
    task.reader.abort();
}

/// Writes all of `bytes`, each `write` call given `timeout` to take a byte: a peer
/// that reads slowly but steadily keeps its connection, as on the blocking driver.
async fn write_each(
    write: &mut (impl ::tokio::io::AsyncWrite + Unpin),
    mut bytes: &[u8],
    timeout: Duration,
) -> std::io::Result<()> {
    while !bytes.is_empty() {
        match within(timeout, write.write(bytes)).await? {
            0 => return Err(std::io::ErrorKind::WriteZero.into()),
            n => bytes = bytes.get(n..).unwrap_or_default(),
        }
    }
    Ok(())
}

/// `io` limited to `timeout`, zero meaning no limit ([`DriverConfig::write_timeout`]).
async fn within<T>(
    timeout: Duration,
    io: impl std::future::Future<Output = std::io::Result<T>>,
) -> std::io::Result<T> {
    if timeout.is_zero() {
        return io.await;
    }
    ::tokio::time::timeout(timeout, io)
        .await
        .unwrap_or_else(|_| Err(std::io::ErrorKind::TimedOut.into()))
}

/// reqwest on rustls: Mozilla's roots plus the CA file's, no redirects followed (the
/// flow follows them, re-sending the credentials only where Passport may get them),
/// `https` only unless plain HTTP was allowed.
fn http_client(config: &DriverConfig) -> Result<reqwest::Client, DriverError> {
    let client = super::client_config(config);
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .redirect(reqwest::redirect::Policy::none())
        .https_only(!client.passport.allow_http)
        .timeout(client.passport_timeout)
        .connect_timeout(config.connect_timeout);
    if let Some((path, pem)) = super::read_ca_file(config)? {
        let certificates =
            reqwest::Certificate::from_pem_bundle(&pem).map_err(|error| DriverError::CaFile {
                path: path.clone(),
                reason: super::sentence(&error),
            })?;
        if certificates.is_empty() {
            return Err(DriverError::CaFile {
                path,
                reason: "it holds no PEM certificate".to_owned(),
            });
        }
        for certificate in certificates {
            builder = builder.add_root_certificate(certificate);
        }
    }
    builder.build().map_err(|error| DriverError::Http {
        reason: super::sentence(&error),
    })
}

/// Performs `request` as given; any status is an answer, only no answer is an error.
async fn get(http: &reqwest::Client, request: &HttpRequest) -> Result<HttpResponse, String> {
    let mut call = http.get(request.url());
    for (name, value) in super::headers(request) {
        call = call.header(name, value);
    }
    let response = call
        .send()
        .await
        .map_err(|error| super::sentence(&error.without_url()))?;
    let headers = response.headers().iter();
    Ok(super::response(
        response.status().as_u16(),
        headers.map(|(name, value)| (name.as_str(), value.to_str().ok())),
    ))
}

#[cfg(test)]
mod tests {
    use super::write_each;
    use ::tokio::io::{AsyncReadExt, duplex};
    use std::time::Duration;

    /// A transmit far larger than the pipe: many writes, each of which waits for the
    /// reader; zero is no limit, not "give up at the first wait".
    #[::tokio::test]
    async fn a_zero_write_timeout_waits_for_a_slow_reader() {
        let (mut write, mut read) = duplex(16);
        let reader = ::tokio::spawn(async move {
            let mut all = Vec::new();
            read.read_to_end(&mut all).await.map(|_| all)
        });
        let bytes: Vec<u8> = (0..=255).collect();
        write_each(&mut write, &bytes, Duration::ZERO).await.unwrap();
        drop(write);
        assert_eq!(reader.await.unwrap().unwrap(), bytes);
    }

    #[::tokio::test]
    async fn a_peer_that_takes_no_byte_for_the_write_timeout_is_gone() {
        let (mut write, _read) = duplex(16);
        let error = write_each(&mut write, &[0; 64], Duration::from_millis(20))
            .await
            .unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::TimedOut);
    }
}
