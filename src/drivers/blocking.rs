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
pub use std::sync::mpsc::RecvTimeoutError;
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use super::{Command, DriverConfig, DriverError, Input, Reply, Shell, TransferAnswer};
use crate::Secret;
use crate::client::{ClientEvent, ConversationId, MessageHandle, TransferId};
use crate::codec::{List, Passport, Status};
use crate::ns::{ContactList, Phone};
use crate::presence::{CurrentMedia, MsnObject};

mod connector;
mod threads;

pub use connector::{Accepting, Connector, Stream, TcpConnector};
use threads::{ThreadIo, Writer};

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
