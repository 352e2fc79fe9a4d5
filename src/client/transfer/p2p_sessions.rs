//! The P2P side of the [`Client`]'s transfers: one [`P2pSession`] per (switchboard,
//! peer) pair, fed the switchboard's `application/x-msnmsgrp2p` messages and polled for
//! what it writes, its events turned into the transfers' flat events.

use std::collections::VecDeque;

use super::{Entry, FEED, Kind, PeerSession, State, TransferFailure, TransferId, fnv, mix};
use crate::Output;
use crate::client::{Client, ClientEvent, ConnId, Connection};
use crate::codec::{AckMode, Passport};
use crate::msg::Message;
use crate::p2p::{self, FailReason, FileContext, P2P_CONTENT_TYPE, P2pEvent, P2pSession, TransferKind};
use crate::presence::MsnObject;
use crate::sb::SbError;

impl Client {
    /// A switchboard payload from `from` on `conn`: P2P for the user goes to the
    /// session with `from` (whether the caller sees it as a message: `false`).
    pub(in crate::client) fn route_p2p(
        &mut self,
        conn: ConnId,
        from: &Passport<'static>,
        payload: &[u8],
    ) -> bool {
        let Ok(message) = Message::parse(payload) else {
            return false;
        };
        if !message.has_content_type(P2P_CONTENT_TYPE) {
            return false;
        }
        let for_us = message
            .header("P2P-Dest")
            .is_some_and(|dest| dest.trim().eq_ignore_ascii_case(self.account.as_str()));
        if !for_us {
            return false;
        }
        let Some(key) = self.session_for(conn, from) else {
            let conversation = self.conversation_of(conn);
            self.emit(ClientEvent::Other {
                conversation,
                description: format!(
                    "a P2P message from {from} was dropped: {} peers have sessions already",
                    self.config.transfer.max_peers
                ),
            });
            return true;
        };
        if let Some(session) = self.transfers.sessions.get_mut(&key) {
            session.machine.handle_input(self.now, payload);
            session.idle = false;
        }
        true
    }

    /// The open session with `peer` on `conn`, made when there is none and room for one.
    fn session_for(&mut self, conn: ConnId, peer: &Passport<'_>) -> Option<u64> {
        let found = self
            .transfers
            .sessions
            .iter()
            .find(|(_, s)| s.conn == conn && !s.closed && s.peer.same_account(peer))
            .map(|(key, _)| *key);
        if found.is_some() {
            return found;
        }
        if self.transfers.sessions.len() >= self.config.transfer.max_peers {
            return None;
        }
        let key = self.transfers.next_session;
        self.transfers.next_session += 1;
        let seed = mix(&[
            self.config.transfer.seed,
            fnv(self.account.as_str()),
            fnv(peer.as_str()).rotate_left(17),
            key,
        ]);
        let machine = P2pSession::new(
            self.config.transfer.p2p.clone(),
            self.account.as_str(),
            peer.as_str(),
            seed,
        );
        self.transfers.sessions.insert(
            key,
            PeerSession {
                conn,
                peer: peer.borrow().into_owned(),
                machine,
                held: VecDeque::new(),
                held_bytes: 0,
                idle: false,
                closed: false,
            },
        );
        Some(key)
    }

    /// Starts the transfers whose peer is now in a conversation with the user; fails
    /// those for whom none is open or on its way. Whether anything changed.
    pub(super) fn start_waiting(&mut self) -> bool {
        if !self
            .transfers
            .entries
            .values()
            .any(|e| e.state == State::AwaitingConversation)
        {
            return false;
        }
        let waiting: Vec<TransferId> = self
            .transfers
            .entries
            .iter()
            .filter(|(_, e)| e.state == State::AwaitingConversation)
            .map(|(id, _)| *id)
            .collect();
        let mut changed = false;
        for id in waiting {
            let Some(peer) = self.transfers.entries.get(&id).map(|e| e.peer.clone()) else {
                continue;
            };
            let conn = self.conversation_with(&peer);
            let joined = conn.and_then(|conn| match self.conns.get(conn) {
                Some(Connection::Switchboard(sb))
                    if sb
                        .machine
                        .participants()
                        .iter()
                        .any(|p| p.account.same_account(&peer)) =>
                {
                    Some(conn)
                }
                _ => None,
            });
            if let Some(conn) = joined {
                changed |= self.start_in(id, conn, &peer);
            } else if conn.is_none() && !self.pending.values().any(|p| p.to.same_account(&peer)) {
                changed = true;
                self.end_transfer(id, Err(TransferFailure::NoConversation));
            }
        }
        changed
    }

    /// Starts transfer `id` in switchboard `conn`; false when it must wait longer (an
    /// MSNFTP offer whose switchboard window is full).
    fn start_in(&mut self, id: TransferId, conn: ConnId, peer: &Passport<'static>) -> bool {
        if self
            .transfers
            .entries
            .get(&id)
            .is_some_and(|e| matches!(e.kind, Kind::MsnftpOffer { .. }))
        {
            return self.offer_msnftp_in(id, conn);
        }
        let Some(key) = self.session_for(conn, peer) else {
            self.end_transfer(id, Err(TransferFailure::NoConversation));
            return true;
        };
        let now = self.now;
        let (Some(entry), Some(session)) = (
            self.transfers.entries.get_mut(&id),
            self.transfers.sessions.get_mut(&key),
        ) else {
            return true;
        };
        session.idle = false;
        let started = match &entry.kind {
            Kind::FetchPicture { object, .. } => {
                session
                    .machine
                    .request_display_picture(now, &object.to_base64_context(), Some(object.size()))
            }
            Kind::SendFile { name, size, .. } => session
                .machine
                .send_file(now, FileContext::new(name.clone(), *size)),
            Kind::ServePicture { .. }
            | Kind::ReceiveFile
            | Kind::Msnftp(_)
            | Kind::MsnftpOffer { .. }
            | Kind::MsnftpSend(_) => return true,
        };
        match started {
            Ok(p2p) => {
                entry.state = State::Running {
                    session: key,
                    p2p,
                    ready: false,
                    empty_sent: false,
                };
            }
            // Only the P2P session's own bound can refuse here (the name was checked).
            Err(_) => self.end_transfer(id, Err(TransferFailure::NoConversation)),
        }
        true
    }

    /// Moves data of ready senders into their sessions, a few chunks at a time and
    /// only into a session whose output has drained. Whether any moved.
    pub(super) fn feed_data(&mut self) -> bool {
        let now = self.now;
        let picture = self.display_picture.as_deref();
        let current = self.ns.msn_object().map(|o| *o.sha1d());
        let mut cancel = Vec::new();
        let mut moved = false;
        for (&id, entry) in &mut self.transfers.entries {
            let State::Running {
                session,
                p2p,
                ready: true,
                empty_sent,
            } = &mut entry.state
            else {
                continue;
            };
            let Some(session) = self.transfers.sessions.get_mut(&*session) else {
                continue;
            };
            if session.closed || !session.idle || !session.held.is_empty() {
                continue;
            }
            let result = match &mut entry.kind {
                Kind::ServePicture { sha1d, fed } => {
                    // The picture changed while it was being served: what was sent is
                    // of the old one, so the rest must not follow.
                    let Some(picture) = picture.filter(|_| current.as_ref() == Some(sha1d)) else {
                        cancel.push((id, *p2p));
                        continue;
                    };
                    if *fed >= picture.len() && (*empty_sent || !picture.is_empty()) {
                        continue;
                    }
                    let end = picture.len().min(*fed + FEED);
                    let result = session.machine.send_data(now, *p2p, &picture[*fed..end]);
                    if result.is_ok() {
                        *fed = end;
                        *empty_sent = true;
                    }
                    result
                }
                Kind::SendFile {
                    size, staged, fed, ..
                } => {
                    let empty = *size == 0 && !*empty_sent;
                    if staged.is_empty() && !empty {
                        continue;
                    }
                    let take = staged.len().min(FEED);
                    // Contiguous once, then lent: no copy per piece.
                    let result = session
                        .machine
                        .send_data(now, *p2p, &staged.make_contiguous()[..take]);
                    if result.is_ok() {
                        staged.drain(..take);
                        *fed += take as u64;
                        *empty_sent = true;
                    }
                    result
                }
                Kind::FetchPicture { .. }
                | Kind::ReceiveFile
                | Kind::Msnftp(_)
                | Kind::MsnftpOffer { .. }
                | Kind::MsnftpSend(_) => {
                    continue;
                }
            };
            session.idle = false;
            moved |= result.is_ok();
        }
        for (_, p2p) in cancel {
            if let Some(key) = self.session_key_of(p2p) {
                let _ = self.session_mut(key).map(|m| m.cancel(now, p2p));
                moved = true;
            }
        }
        moved
    }

    fn session_key_of(&self, p2p: p2p::TransferId) -> Option<u64> {
        self.transfers.entries.values().find_map(|e| match e.state {
            State::Running { session, p2p: p, .. } if p == p2p => Some(session),
            _ => None,
        })
    }

    /// Sends held payloads of session `key` while its switchboard takes them.
    pub(super) fn flush_held(&mut self, key: u64) -> bool {
        let now = self.now;
        let Some(session) = self.transfers.sessions.get_mut(&key) else {
            return false;
        };
        let Some(Connection::Switchboard(sb)) = self.conns.get_mut(session.conn) else {
            return false;
        };
        let mut moved = false;
        while let Some(payload) = session.held.front() {
            match sb.machine.send_message(now, payload, AckMode::Data) {
                Ok(_) => {
                    session.held_bytes -= payload.len();
                    session.held.pop_front();
                    moved = true;
                }
                Err(error) if waits(&error) => break,
                Err(_) => {
                    session.held.clear();
                    session.held_bytes = 0;
                    session.machine.handle_closed(now);
                    session.closed = true;
                    return true;
                }
            }
        }
        moved
    }

    /// Takes one output of session `key`; whether there was one.
    pub(super) fn poll_session(&mut self, key: u64) -> bool {
        let now = self.now;
        let cap = self.config.transfer.buffer;
        let Some(session) = self.transfers.sessions.get_mut(&key) else {
            return false;
        };
        if session.held_bytes >= cap {
            return false;
        }
        match session.machine.poll_output() {
            Output::Transmit(bytes) => {
                if session.closed {
                    return true;
                }
                let sent = match self.conns.get_mut(session.conn) {
                    Some(Connection::Switchboard(sb)) if session.held.is_empty() => {
                        sb.machine.send_message(now, bytes, AckMode::Data)
                    }
                    Some(Connection::Switchboard(_)) => Err(SbError::TooManyPending { pending: 1, max: 0 }),
                    _ => Err(SbError::Closed),
                };
                match sent {
                    Ok(_) => {}
                    Err(error) if waits(&error) => {
                        session.held_bytes += bytes.len();
                        session.held.push_back(bytes.to_vec());
                    }
                    Err(_) => {
                        session.machine.handle_closed(now);
                        session.closed = true;
                    }
                }
                true
            }
            Output::Event(event) => {
                let event = OwnedEvent::from(event);
                self.on_p2p_event(key, event);
                true
            }
            Output::Idle { .. } => {
                // A session that has just gone idle may take the next data (`feed_data`
                // only feeds idle sessions): one more step, or the client would report
                // Idle with data still to send, and a driver would wait for input that
                // never comes.
                let just_idle = !std::mem::replace(&mut session.idle, true);
                if session.closed {
                    self.transfers.sessions.remove(&key);
                    return true;
                }
                just_idle
            }
        }
    }

    fn transfer_of(&self, key: u64, p2p: p2p::TransferId) -> Option<TransferId> {
        self.transfers.entries.iter().find_map(|(id, e)| match e.state {
            State::Running { session, p2p: p, .. } if session == key && p == p2p => Some(*id),
            _ => None,
        })
    }

    fn on_p2p_event(&mut self, key: u64, event: OwnedEvent) {
        let now = self.now;
        let Some(session) = self.transfers.sessions.get(&key) else {
            return;
        };
        let peer = session.peer.clone();
        let conn = session.conn;
        match event {
            OwnedEvent::Invited {
                transfer,
                kind,
                context,
            } => self.on_invited(key, peer, transfer, kind, &context),
            OwnedEvent::Accepted { transfer } => {
                if let Some(id) = self.transfer_of(key, transfer) {
                    self.emit(ClientEvent::TransferAccepted { id });
                }
            }
            OwnedEvent::SendReady { transfer } => {
                if let Some(id) = self.transfer_of(key, transfer)
                    && let Some(entry) = self.transfers.entries.get_mut(&id)
                    && let State::Running { ready, .. } = &mut entry.state
                {
                    *ready = true;
                }
            }
            OwnedEvent::Data { transfer, data } => {
                let Some(id) = self.transfer_of(key, transfer) else {
                    return;
                };
                let max = self.config.max_display_picture_len;
                let Some(entry) = self.transfers.entries.get_mut(&id) else {
                    return;
                };
                match &mut entry.kind {
                    Kind::FetchPicture { data: buffer, .. } => {
                        // The session checks the size against the MSNObject's, itself
                        // within the bound; this keeps the bound whatever a peer sends.
                        if buffer.len() + data.len() > max {
                            let size = (buffer.len() + data.len()) as u64;
                            if let Ok(machine) = self.session_mut(key) {
                                let _ = machine.cancel(now, transfer);
                            }
                            self.end_transfer(
                                id,
                                Err(TransferFailure::TooLarge {
                                    size,
                                    max: max as u64,
                                }),
                            );
                            return;
                        }
                        buffer.extend_from_slice(&data);
                    }
                    Kind::ReceiveFile => self.emit(ClientEvent::TransferData { id, bytes: data }),
                    _ => {}
                }
            }
            OwnedEvent::Progress {
                transfer,
                done,
                total,
            } => {
                if let Some(id) = self.transfer_of(key, transfer)
                    && self
                        .transfers
                        .entries
                        .get(&id)
                        .is_some_and(|e| !matches!(e.kind, Kind::ServePicture { .. }))
                {
                    self.emit(ClientEvent::TransferProgress { id, done, total });
                }
            }
            OwnedEvent::Completed { transfer, bytes } => {
                let Some(id) = self.transfer_of(key, transfer) else {
                    return;
                };
                let picture = match self.transfers.entries.get_mut(&id).map(|e| &mut e.kind) {
                    Some(Kind::FetchPicture { object, data }) => Some((object.clone(), std::mem::take(data))),
                    _ => None,
                };
                match picture {
                    Some((object, data)) if object.matches_data(&data) => {
                        self.emit(ClientEvent::DisplayPicture {
                            id,
                            from: peer,
                            object,
                            data,
                        });
                        self.end_transfer(id, Ok(bytes));
                    }
                    Some(_) => self.end_transfer(id, Err(TransferFailure::Corrupt)),
                    None => self.end_transfer(id, Ok(bytes)),
                }
            }
            OwnedEvent::Failed { transfer, reason } => {
                if let Some(id) = self.transfer_of(key, transfer) {
                    self.end_transfer(id, Err(reason.into()));
                }
            }
            OwnedEvent::Problem(description) => {
                let conversation = self.conversation_of(conn);
                self.emit(ClientEvent::Other {
                    conversation,
                    description: format!("P2P from {peer}: {description}"),
                });
            }
        }
    }

    fn on_invited(
        &mut self,
        key: u64,
        peer: Passport<'static>,
        transfer: p2p::TransferId,
        kind: TransferKind,
        context: &str,
    ) {
        let now = self.now;
        let full = self.transfers.entries.len() >= self.config.transfer.max_transfers;
        let (kind, accept_size) = match kind {
            TransferKind::DisplayPicture => {
                let asked = MsnObject::from_base64_context(context).ok().flatten();
                let ours = self
                    .display_picture()
                    .map(|(object, data)| (*object.sha1d(), data.len()));
                match (asked, ours) {
                    (Some(asked), Some((sha1d, len))) if *asked.sha1d() == sha1d && !full => {
                        (Kind::ServePicture { sha1d, fed: 0 }, Some(len as u64))
                    }
                    _ => {
                        if let Ok(machine) = self.session_mut(key) {
                            let _ = machine.decline(now, transfer);
                        }
                        return;
                    }
                }
            }
            TransferKind::File(file) => {
                if full {
                    if let Ok(machine) = self.session_mut(key) {
                        let _ = machine.decline(now, transfer);
                    }
                    return;
                }
                let id = TransferId(self.transfers.next_id);
                self.emit(ClientEvent::TransferOffered {
                    id,
                    from: peer.clone(),
                    name: file.name,
                    size: file.size,
                });
                (Kind::ReceiveFile, None)
            }
        };
        let id = TransferId(self.transfers.next_id);
        self.transfers.next_id += 1;
        self.transfers.entries.insert(
            id,
            Entry {
                peer,
                kind,
                state: State::Running {
                    session: key,
                    p2p: transfer,
                    ready: false,
                    empty_sent: false,
                },
            },
        );
        if let Some(size) = accept_size
            && let Ok(machine) = self.session_mut(key)
            && machine.accept(now, transfer, size).is_err()
        {
            self.transfers.entries.remove(&id);
        }
    }
}

/// A P2P event without the session's borrow.
enum OwnedEvent {
    Invited {
        transfer: p2p::TransferId,
        kind: TransferKind,
        context: String,
    },
    Accepted {
        transfer: p2p::TransferId,
    },
    SendReady {
        transfer: p2p::TransferId,
    },
    Data {
        transfer: p2p::TransferId,
        data: Vec<u8>,
    },
    Progress {
        transfer: p2p::TransferId,
        done: u64,
        total: u64,
    },
    Completed {
        transfer: p2p::TransferId,
        bytes: u64,
    },
    Failed {
        transfer: p2p::TransferId,
        reason: FailReason,
    },
    Problem(String),
}

impl From<P2pEvent<'_>> for OwnedEvent {
    fn from(event: P2pEvent<'_>) -> Self {
        match event {
            P2pEvent::Invited {
                transfer,
                kind,
                context,
            } => Self::Invited {
                transfer,
                kind,
                context,
            },
            P2pEvent::Accepted { transfer } => Self::Accepted { transfer },
            P2pEvent::SendReady { transfer, .. } => Self::SendReady { transfer },
            // One chunk, at most MAX_CHUNK_LEN bytes.
            P2pEvent::Data { transfer, data, .. } => Self::Data {
                transfer,
                data: data.to_vec(),
            },
            P2pEvent::Progress {
                transfer,
                done,
                total,
            } => Self::Progress {
                transfer,
                done,
                total,
            },
            P2pEvent::Completed { transfer, bytes } => Self::Completed { transfer, bytes },
            P2pEvent::Failed { transfer, reason } => Self::Failed { transfer, reason },
            P2pEvent::Malformed(e) => Self::Problem(format!("a malformed message was dropped: {e}")),
            P2pEvent::MalformedSlp(e) => {
                Self::Problem(format!("a malformed MSNSLP message was dropped: {e}"))
            }
            P2pEvent::Reassembly(e) => Self::Problem(format!("a chunk was refused: {e}")),
            P2pEvent::InputDropped { count } => Self::Problem(format!(
                "{count} messages arrived faster than they were read and were dropped"
            )),
        }
    }
}

/// Whether a switchboard refused only for lack of room, which its acknowledgements free.
fn waits(error: &SbError) -> bool {
    matches!(
        error,
        SbError::TooManyPending { .. } | SbError::TransmitFull { .. }
    )
}
