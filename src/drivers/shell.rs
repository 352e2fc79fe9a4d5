//! [`Shell`]: the run loop both drivers carry out around the [`Client`], written once;
//! each driver supplies its sockets, writers and HTTP client behind [`Io`] and feeds
//! [`Input`]s from its readers, timers and handles.

use std::collections::VecDeque;
use std::io;
use std::time::Instant;

use super::DriverError;
use crate::Secret;
use crate::client::CloseReason;
use crate::client::TransferId;
use crate::client::{
    Client, ClientError, ClientEvent, ClientOutput, ConnId, ConversationId, HttpId, MessageHandle,
};
use crate::codec::{HostPort, List, Passport, Status};
use crate::ns::{ContactList, Phone};
use crate::passport::{HttpRequest, HttpResponse};
use crate::presence::{CurrentMedia, MsnObject};

/// What the bot says to an offered or running transfer.
#[derive(Debug, Clone, Copy)]
pub(crate) enum TransferAnswer {
    Accept,
    Decline,
    Cancel,
}

/// How a command's result goes back to the handle that sent it.
pub(crate) type Reply<T> = Box<dyn FnOnce(Result<T, DriverError>) + Send>;

/// What a bot's handle asks of the session.
pub(crate) enum Command {
    SendMessage {
        to: Passport<'static>,
        text: String,
        reply: Reply<MessageHandle>,
    },
    SendToConversation {
        conversation: ConversationId,
        text: String,
        reply: Reply<MessageHandle>,
    },
    Invite {
        conversation: ConversationId,
        account: Passport<'static>,
        reply: Reply<()>,
    },
    Typing {
        conversation: ConversationId,
        reply: Reply<()>,
    },
    Leave {
        conversation: ConversationId,
        reply: Reply<()>,
    },
    SetStatus {
        status: Status,
        reply: Reply<()>,
    },
    AddContact {
        list: List,
        account: Passport<'static>,
        reply: Reply<()>,
    },
    RemoveContact {
        list: List,
        account: Passport<'static>,
        reply: Reply<()>,
    },
    AcceptContact {
        account: Passport<'static>,
        reply: Reply<()>,
    },
    Block {
        account: Passport<'static>,
        reply: Reply<()>,
    },
    Unblock {
        account: Passport<'static>,
        reply: Reply<()>,
    },
    SetName {
        name: String,
        reply: Reply<()>,
    },
    SetPersonalMessage {
        message: String,
        reply: Reply<()>,
    },
    SetCurrentMedia {
        media: Option<CurrentMedia>,
        reply: Reply<()>,
    },
    /// `None` clears it.
    SetDisplayPicture {
        picture: Option<Vec<u8>>,
        reply: Reply<()>,
    },
    RequestDisplayPicture {
        contact: Passport<'static>,
        object: Box<MsnObject>,
        reply: Reply<TransferId>,
    },
    SendFile {
        to: Passport<'static>,
        name: String,
        size: u64,
        /// Over MSNFTP (a direct connection the driver listens for), not P2P.
        msnftp: bool,
        reply: Reply<TransferId>,
    },
    WriteTransfer {
        id: TransferId,
        data: Vec<u8>,
        reply: Reply<usize>,
    },
    /// Accept, decline or cancel a transfer.
    EndTransfer {
        id: TransferId,
        how: TransferAnswer,
        reply: Reply<()>,
    },
    SetPhone {
        phone: Phone,
        value: Option<String>,
        reply: Reply<()>,
    },
    ContactList {
        reply: Reply<ContactList>,
    },
    PassportDalogin {
        reply: Reply<Option<String>>,
    },
    SignOut {
        reply: Reply<()>,
    },
}

/// Something that happened outside the `Client`: on a socket, over HTTP, at a handle.
pub(crate) enum Input<W> {
    /// A connection opened; `writer` takes its transmits from now on.
    Connected {
        conn: ConnId,
        writer: W,
    },
    ConnectFailed {
        conn: ConnId,
        addr: String,
        error: io::Error,
    },
    /// A socket listens for `conn`'s peer at `addr`; [`Input::Connected`] follows once
    /// the peer connects.
    Listening {
        conn: ConnId,
        addr: HostPort<'static>,
    },
    Bytes {
        conn: ConnId,
        bytes: Vec<u8>,
    },
    /// The peer closed, or the socket failed.
    Closed {
        conn: ConnId,
    },
    Http {
        id: HttpId,
        result: Result<HttpResponse, String>,
    },
    Command(Command),
    /// The bot took events after the session paused reading: nothing for the
    /// `Client`, only a wake-up for a run loop that waits on one channel (the blocking
    /// driver's; tokio's task waits for room in the event channel instead).
    #[cfg(feature = "blocking")]
    Wake,
    /// `conn`'s writer wrote `bytes` of its transmits to the socket: the `Client`'s
    /// flow control of MSNFTP sends
    /// ([`TransferConfig::direct_write_window`](crate::client::TransferConfig::direct_write_window)).
    Written {
        conn: ConnId,
        bytes: usize,
    },
}

/// The driver's half: performs what the `Client` asks, without ever waiting on a peer.
pub(crate) trait Io {
    /// A connection's writer, handed over once the connection is open.
    type Writer;
    /// Opens a connection in the background, to report as an [`Input`].
    fn connect(&mut self, conn: ConnId, addr: HostPort<'static>);
    /// Listens in the background for one peer's connection on the local address that
    /// reaches `toward`: [`Input::Listening`], then [`Input::Connected`] (or
    /// [`Input::ConnectFailed`]). Closing `conn` stops listening.
    fn listen(&mut self, conn: ConnId, toward: HostPort<'static>);
    /// Keeps `writer` for `conn`; false when `conn` was closed while it was opening
    /// (the writer is dropped, which closes the socket).
    fn attach(&mut self, conn: ConnId, writer: Self::Writer) -> bool;
    /// Queues `bytes` for `conn`'s writer; false when its queue is full or the writer
    /// is gone: the peer stopped reading, and the connection must end.
    fn transmit(&mut self, conn: ConnId, bytes: &[u8]) -> bool;
    /// Closes `conn` once what was queued for it is written.
    fn close(&mut self, conn: ConnId);
    /// Performs a Passport request in the background, to report as an [`Input`].
    fn http(&mut self, id: HttpId, request: HttpRequest);
}

/// When a bot counts as signed in: once the server can open conversations for it.
#[derive(Clone, Copy)]
enum ReadyOn {
    /// The initial status is set (a hidden user gets no switchboard, 913).
    Status,
    /// The lists are downloaded, and no status is to be set.
    Lists,
    /// Login, with neither lists nor status.
    Login,
}

/// The `Client` and what the driver remembers around it. See the module docs.
pub(crate) struct Shell {
    client: Client,
    ready: Option<Reply<()>>,
    ready_on: ReadyOn,
    /// A connection needed to sign in failed: the reason to give instead of the
    /// `Client`'s more general one.
    failure: Option<DriverError>,
    events: VecDeque<ClientEvent>,
    ended: Option<CloseReason>,
    /// The driver's clock: tokio's, so that a paused test runtime moves the `Client`'s
    /// time with its own, or std's.
    clock: fn() -> Instant,
}

impl Shell {
    /// A session; `ready` hears once it is signed in, or why it could not be.
    pub(crate) fn new(
        config: crate::client::ClientConfig,
        account: Passport<'static>,
        password: Secret<String>,
        ready: Reply<()>,
        clock: fn() -> Instant,
    ) -> Shell {
        let ready_on = match (config.initial_status, config.sync_lists) {
            (Some(_), _) => ReadyOn::Status,
            (None, true) => ReadyOn::Lists,
            (None, false) => ReadyOn::Login,
        };
        Shell {
            client: Client::new(config, account, password, clock()),
            ready: Some(ready),
            ready_on,
            failure: None,
            events: VecDeque::new(),
            ended: None,
            clock,
        }
    }

    /// Whether the session is over and its last event was taken.
    pub(crate) fn is_finished(&self) -> bool {
        self.ended.is_some() && self.events.is_empty()
    }

    /// Whether the bot holds its handle: before, it cannot take events yet, so the
    /// events of signing in (bounded by the contact list's bound) never pause reading.
    pub(crate) fn is_signed_in(&self) -> bool {
        self.ready.is_none()
    }

    /// The next event for the bot.
    pub(crate) fn next_event(&mut self) -> Option<ClientEvent> {
        self.events.pop_front()
    }

    /// Hands `input` to the `Client`.
    pub(crate) fn input<I: Io>(&mut self, io: &mut I, input: Input<I::Writer>) {
        let now = (self.clock)();
        match input {
            Input::Connected { conn, writer } => {
                if io.attach(conn, writer) {
                    self.client.handle_connected(conn, now);
                }
            }
            Input::ConnectFailed { conn, addr, error } => {
                if self.ready.is_some() && self.failure.is_none() {
                    self.failure = Some(DriverError::Connect { addr, source: error });
                }
                self.client.handle_connect_failed(conn, now);
            }
            Input::Listening { conn, addr } => self.client.handle_listening(conn, now, &addr),
            Input::Bytes { conn, bytes } => self.client.handle_input(conn, now, &bytes),
            Input::Closed { conn } => self.client.handle_closed(conn, now),
            Input::Written { conn, bytes } => self.client.handle_written(conn, now, bytes),
            Input::Http { id, result } => match result {
                Ok(response) => self.client.handle_http_response(now, id, response),
                Err(reason) => self.client.handle_http_failed(now, id, reason),
            },
            Input::Command(command) => self.command(command, now),
            #[cfg(feature = "blocking")]
            Input::Wake => {}
        }
    }

    /// The `Client`'s timer fired (early calls are harmless). Never while reading is
    /// paused for a slow bot: input that arrived and waits unread could be the very
    /// answer the timer is about to miss, so no deadline can be judged then.
    pub(crate) fn timeout(&mut self) {
        self.client.handle_timeout((self.clock)());
    }

    /// Performs every output until the `Client` is idle; returns when to call
    /// [`Shell::timeout`].
    pub(crate) fn drain<I: Io>(&mut self, io: &mut I) -> Option<Instant> {
        loop {
            match self.client.poll_output() {
                ClientOutput::Connect { conn, addr } => io.connect(conn, addr),
                ClientOutput::Listen { conn, toward } => io.listen(conn, toward),
                ClientOutput::Transmit { conn, bytes } => {
                    if !io.transmit(conn, bytes) {
                        io.close(conn);
                        self.client.handle_closed(conn, (self.clock)());
                    }
                }
                ClientOutput::Close { conn } => io.close(conn),
                ClientOutput::HttpRequest { id, request } => io.http(id, request),
                ClientOutput::Event(event) => self.event(event),
                ClientOutput::Idle { next_timeout } => return next_timeout,
            }
        }
    }

    fn event(&mut self, event: ClientEvent) {
        let ready = matches!(
            (&event, self.ready_on),
            (ClientEvent::LoggedIn { .. }, ReadyOn::Login)
                | (ClientEvent::ListSynced { .. }, ReadyOn::Lists)
                | (ClientEvent::StatusChanged { .. }, ReadyOn::Status)
        );
        if ready && let Some(reply) = self.ready.take() {
            reply(Ok(()));
        }
        if let ClientEvent::SessionEnded { reason } = &event {
            self.ended = Some(reason.clone());
            if let Some(reply) = self.ready.take() {
                let error = self.failure.take().unwrap_or_else(|| DriverError::Ended {
                    reason: Box::new(reason.clone()),
                });
                reply(Err(error));
                // Not signed in: the error says it all, and there is no session to
                // tell events of.
                self.events.clear();
                return;
            }
        }
        self.events.push_back(event);
    }

    fn command(&mut self, command: Command, now: Instant) {
        let client = &mut self.client;
        let ended = &self.ended;
        match command {
            Command::SendMessage { to, text, reply } => {
                reply(answer(ended, client.send_message(now, &to, &text)))
            }
            Command::SendToConversation {
                conversation,
                text,
                reply,
            } => reply(answer(
                ended,
                client.send_to_conversation(now, conversation, &text),
            )),
            Command::Invite {
                conversation,
                account,
                reply,
            } => reply(answer(ended, client.invite(now, conversation, &account))),
            Command::Typing { conversation, reply } => {
                reply(answer(ended, client.send_typing(now, conversation)))
            }
            Command::Leave { conversation, reply } => reply(answer(ended, client.leave(now, conversation))),
            Command::SetStatus { status, reply } => {
                reply(answer(ended, client.set_status(now, status).map(drop)))
            }
            Command::AddContact { list, account, reply } => {
                reply(answer(ended, client.add_contact(now, list, &account).map(drop)))
            }
            Command::RemoveContact { list, account, reply } => reply(answer(
                ended,
                client.remove_contact(now, list, &account).map(drop),
            )),
            Command::AcceptContact { account, reply } => {
                reply(answer(ended, client.accept_contact(now, &account).map(drop)))
            }
            Command::Block { account, reply } => reply(answer(ended, client.block(now, &account).map(drop))),
            Command::Unblock { account, reply } => {
                reply(answer(ended, client.unblock(now, &account).map(drop)))
            }
            Command::SetName { name, reply } => reply(answer(ended, client.set_name(now, &name).map(drop))),
            Command::SetPersonalMessage { message, reply } => reply(answer(
                ended,
                client.set_personal_message(now, &message).map(drop),
            )),
            Command::SetCurrentMedia { media, reply } => {
                reply(answer(ended, client.set_current_media(now, media).map(drop)))
            }
            Command::SetDisplayPicture { picture, reply } => reply(answer(
                ended,
                match picture {
                    Some(picture) => client.set_display_picture(now, picture).map(drop),
                    None => client.clear_display_picture(now).map(drop),
                },
            )),
            Command::RequestDisplayPicture {
                contact,
                object,
                reply,
            } => reply(answer(
                ended,
                client.request_display_picture(now, &contact, &object),
            )),
            Command::SendFile {
                to,
                name,
                size,
                msnftp,
                reply,
            } => reply(answer(
                ended,
                if msnftp {
                    client.send_file_msnftp(now, &to, &name, size)
                } else {
                    client.send_file(now, &to, &name, size)
                },
            )),
            Command::WriteTransfer { id, data, reply } => {
                reply(answer(ended, client.write_transfer(id, &data)))
            }
            Command::EndTransfer { id, how, reply } => reply(answer(
                ended,
                match how {
                    TransferAnswer::Accept => client.accept_transfer(now, id),
                    TransferAnswer::Decline => client.decline_transfer(now, id),
                    TransferAnswer::Cancel => client.cancel_transfer(now, id),
                },
            )),
            Command::SetPhone { phone, value, reply } => reply(answer(
                ended,
                client.set_phone(now, phone, value.as_deref()).map(drop),
            )),
            Command::ContactList { reply } => reply(Ok(client.contact_list().clone())),
            Command::PassportDalogin { reply } => reply(Ok(client.passport_dalogin().map(str::to_owned))),
            Command::SignOut { reply } => reply(answer(ended, client.logout(now))),
        }
    }
}

/// A command's result: once the session has ended, its reason rather than "closed".
fn answer<T>(ended: &Option<CloseReason>, result: Result<T, ClientError>) -> Result<T, DriverError> {
    match (ended, result) {
        (Some(reason), Err(_)) => Err(DriverError::Ended {
            reason: Box::new(reason.clone()),
        }),
        (_, result) => result.map_err(DriverError::from),
    }
}
