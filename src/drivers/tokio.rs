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
use std::sync::Arc;

use ::tokio::io::AsyncRead;
use ::tokio::sync::{mpsc, oneshot};

use super::{Command, DriverConfig, DriverError, Input, Reply, Shell, TransferAnswer};
use crate::Secret;
use crate::client::{ClientEvent, ConversationId, MessageHandle, TransferId};
use crate::codec::{List, Passport, Status};
use crate::ns::{ContactList, Phone};
use crate::presence::{CurrentMedia, MsnObject};

/// Bytes asked of the socket per read.
const READ_BUFFER: usize = 16 * 1024;

mod connector;
mod tasks;

pub use connector::{Accepting, Connector, TcpConnector};
use tasks::{TokioIo, Writer};

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
