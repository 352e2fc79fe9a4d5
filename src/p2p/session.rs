//! [`P2pSession`]: the P2P transfers with one peer over a switchboard, sans-IO — the
//! display-picture flow of both roles and file transfer of both roles [reference §9.4].

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use super::{
    AppId, DISPLAY_PICTURE_GUID, FILE_TRANSFER_GUID, FailReason, FileContext, Flags, Header, MAX_CHUNK_LEN,
    P2pCallError, P2pError, P2pMessage, Reassembler, ReassemblyError, ReassemblyLimits, Received, SlpError,
    SlpLimits, SlpMessage, SlpMethod, StartLine,
};
use crate::Output;

/// Bounds and timers of a [`P2pSession`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct P2pConfig {
    /// Transfers open at once; a peer's invitation beyond it is declined.
    pub max_transfers: usize,
    /// Bounds of the SLP reassembly buffer.
    pub reassembly: ReassemblyLimits,
    /// Bounds of one SLP message.
    pub slp: SlpLimits,
    /// Received payloads waiting for `poll_output`; beyond it a payload is dropped and
    /// reported ([`P2pEvent::InputDropped`]).
    pub max_queued_input: usize,
    /// Bytes waiting to be sent; [`P2pSession::send_data`] is refused beyond it.
    pub max_transmit: usize,
    /// A transfer with no activity for this long fails with [`FailReason::TimedOut`].
    pub timeout: Duration,
}

impl Default for P2pConfig {
    fn default() -> Self {
        P2pConfig {
            max_transfers: 8,
            reassembly: ReassemblyLimits::default(),
            slp: SlpLimits::default(),
            max_queued_input: 64,
            max_transmit: 64 * 1024,
            timeout: Duration::from_secs(120),
        }
    }
}

/// A transfer's id: its SLP `SessionID`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TransferId(pub u32);

/// What a transfer carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferKind {
    /// A display picture (or emoticon) named by an MSNObject.
    DisplayPicture,
    /// A file.
    File(FileContext),
}

/// What happened in a [`P2pSession`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum P2pEvent<'a> {
    /// The peer invites us: answer with [`P2pSession::accept`] or [`P2pSession::decline`].
    Invited {
        /// The transfer.
        transfer: TransferId,
        /// A display-picture request or a file offer.
        kind: TransferKind,
        /// The INVITE's `Context:` as sent (base64): for a picture, its MSNObject.
        context: String,
    },
    /// The peer accepted our invitation.
    Accepted {
        /// The transfer.
        transfer: TransferId,
    },
    /// The data may be sent now with [`P2pSession::send_data`].
    SendReady {
        /// The transfer.
        transfer: TransferId,
        /// Bytes to send.
        total: u64,
    },
    /// Received data, in order, borrowed until the next `poll_output`.
    Data {
        /// The transfer.
        transfer: TransferId,
        /// Where these bytes lie in the picture or file.
        offset: u64,
        /// The bytes.
        data: &'a [u8],
    },
    /// Bytes done of total, after each chunk sent or received.
    Progress {
        /// The transfer.
        transfer: TransferId,
        /// Bytes sent or received so far.
        done: u64,
        /// Bytes in all.
        total: u64,
    },
    /// The transfer ended with every byte delivered (sender: the peer acknowledged them).
    Completed {
        /// The transfer.
        transfer: TransferId,
        /// Its size.
        bytes: u64,
    },
    /// The transfer ended without completing.
    Failed {
        /// The transfer.
        transfer: TransferId,
        /// Why.
        reason: FailReason,
    },
    /// A received payload was not a valid P2P message, or could not be reassembled;
    /// it was dropped.
    Malformed(P2pError),
    /// A reassembled session-0 message was not valid MSNSLP; it was acknowledged (it
    /// arrived whole) and dropped.
    MalformedSlp(SlpError),
    /// A chunk of an SLP message was refused by the reassembler.
    Reassembly(ReassemblyError),
    /// Payloads arrived while [`P2pConfig::max_queued_input`] were waiting, and were
    /// dropped; a transfer they belonged to then fails as [`FailReason::Corrupt`].
    InputDropped {
        /// How many since the last such event.
        count: usize,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// We invited; waiting for `200 OK` or a refusal.
    Inviting,
    /// The peer invited; waiting for the caller.
    Answering,
    /// Requester: accepted, waiting for the data-preparation message and data.
    Receiving,
    /// Owner: `200 OK` sent, waiting for its ack.
    AcceptSent,
    /// Owner: data preparation sent, waiting for its ack.
    PrepSent,
    /// Sender: the caller hands data in.
    Sending,
    /// Sender: every byte sent, waiting for the data message's ack.
    SentAll,
}

#[derive(Debug)]
struct Transfer {
    file: Option<FileContext>,
    /// We send the data (picture owner, file sender).
    sender: bool,
    state: State,
    call_id: String,
    /// The peer's INVITE, kept to answer it.
    invite: Option<SlpMessage<'static>>,
    total: Option<u64>,
    done: u64,
    data_identifier: Option<u32>,
    /// The AckID of our data message, once started.
    data_ack_id: u32,
    awaiting_ack: Option<u32>,
    deadline: Instant,
}

/// The P2P transfers between us and one peer, over a switchboard.
///
/// Inputs are the payloads of `MSG` commands received from the peer
/// ([`P2pSession::handle_input`]); outputs are payloads to send to it as
/// `MSG <trid> D <len>` ([`Output::Transmit`]) and events. After every input or call,
/// drain [`P2pSession::poll_output`] until it returns [`Output::Idle`]. Acks, the
/// data-preparation message and BYEs are sent by the session itself.
#[derive(Debug)]
pub struct P2pSession {
    config: P2pConfig,
    local: String,
    peer: String,
    next_identifier: u32,
    rng: u64,
    transfers: BTreeMap<TransferId, Transfer>,
    reassembler: Reassembler<()>,
    input: VecDeque<(Instant, Vec<u8>)>,
    dropped_inputs: usize,
    current: Vec<u8>,
    pending_data: Option<(TransferId, u64, std::ops::Range<usize>)>,
    events: VecDeque<P2pEvent<'static>>,
    out: Vec<u8>,
    out_lens: VecDeque<usize>,
    out_pos: usize,
}

impl P2pSession {
    /// A session between `local` and `peer` (their handles). `seed` is random: message
    /// identifiers count up from it, and SessionIDs, AckIDs and GUIDs derive from it.
    ///
    /// The handles are not checked here: one with white space or a control byte makes
    /// every call fail with [`P2pCallError::Slp`] and no payload can be written.
    pub fn new(config: P2pConfig, local: &str, peer: &str, seed: u64) -> Self {
        P2pSession {
            reassembler: Reassembler::new(config.reassembly),
            config,
            local: local.to_owned(),
            peer: peer.to_owned(),
            // The low half: each side counts from its own random base [NINA].
            next_identifier: seed as u32,
            rng: seed | 1,
            transfers: BTreeMap::new(),
            input: VecDeque::new(),
            dropped_inputs: 0,
            current: Vec::new(),
            pending_data: None,
            events: VecDeque::new(),
            out: Vec::new(),
            out_lens: VecDeque::new(),
            out_pos: 0,
        }
    }

    // ----- getters -----

    /// Transfers open now.
    pub fn open_transfers(&self) -> usize {
        self.transfers.len()
    }

    /// The earliest transfer deadline, when `handle_timeout` is due.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.transfers.values().map(|t| t.deadline).min()
    }

    // ----- inputs -----

    /// Takes in one received `MSG` payload from the peer. Never fails: problems are
    /// reported as events by `poll_output`.
    pub fn handle_input(&mut self, now: Instant, payload: &[u8]) {
        if self.input.len() >= self.config.max_queued_input {
            // Counted, not queued, so that a caller who never drains keeps a bound.
            self.dropped_inputs = self.dropped_inputs.saturating_add(1);
            return;
        }
        self.input.push_back((now, payload.to_vec()));
    }

    /// Fails every transfer whose deadline has passed. Early calls do nothing.
    pub fn handle_timeout(&mut self, now: Instant) {
        let expired: Vec<TransferId> = self
            .transfers
            .iter()
            .filter(|(_, t)| t.deadline <= now)
            .map(|(id, _)| *id)
            .collect();
        for id in expired {
            self.send_bye(id);
            self.fail(id, FailReason::TimedOut);
        }
    }

    /// The switchboard connection ended: every open transfer fails.
    pub fn handle_closed(&mut self, _now: Instant) {
        let ids: Vec<TransferId> = self.transfers.keys().copied().collect();
        for id in ids {
            self.fail(id, FailReason::ConnectionLost);
        }
        self.input.clear();
        self.reassembler.forget_peer(&());
    }

    // ----- mutators -----

    /// Asks the peer for the display picture its MSNObject names; `context` is the
    /// INVITE's `Context:` (base64 of the MSNObject, with its NUL, as the official
    /// client sends it [reference §8]).
    ///
    /// `size` is the MSNObject's `Size`, when known: data of another size then fails
    /// with [`FailReason::SizeMismatch`].
    pub fn request_display_picture(
        &mut self,
        now: Instant,
        context: &str,
        size: Option<u64>,
    ) -> Result<TransferId, P2pCallError> {
        let id = self.invite(now, DISPLAY_PICTURE_GUID, AppId::MSN_OBJECT, context, None)?;
        if let Some(transfer) = self.transfers.get_mut(&id) {
            transfer.total = size;
        }
        Ok(id)
    }

    /// Offers the peer a file; its data goes with [`P2pSession::send_data`] once the
    /// peer accepts ([`P2pEvent::SendReady`]).
    pub fn send_file(&mut self, now: Instant, file: FileContext) -> Result<TransferId, P2pCallError> {
        let context = file.to_base64()?;
        self.invite(now, FILE_TRANSFER_GUID, AppId::FILE, &context, Some(file))
    }

    /// Accepts the peer's invitation. For a display-picture request, `size` is the
    /// picture's size in bytes; for a file offer it is ignored (the offer names it).
    pub fn accept(&mut self, now: Instant, id: TransferId, size: u64) -> Result<(), P2pCallError> {
        let transfer = self.answering(id)?;
        let ok = transfer
            .invite
            .as_ref()
            .map(SlpMessage::accept)
            .ok_or(P2pCallError::WrongState)?;
        let ok = ok.to_bytes()?;
        let transfer = self.transfers.get_mut(&id).ok_or(P2pCallError::UnknownTransfer)?;
        transfer.invite = None;
        transfer.deadline = now + self.config.timeout;
        if transfer.sender {
            transfer.total = Some(size);
            transfer.state = State::AcceptSent;
        } else {
            transfer.state = State::Receiving;
        }
        let identifier = self.send_slp(&ok);
        if let Some(transfer) = self.transfers.get_mut(&id)
            && transfer.sender
        {
            transfer.awaiting_ack = Some(identifier);
        }
        Ok(())
    }

    /// Declines the peer's invitation; the transfer fails with [`FailReason::Refused`].
    pub fn decline(&mut self, _now: Instant, id: TransferId) -> Result<(), P2pCallError> {
        let transfer = self.answering(id)?;
        let decline = transfer
            .invite
            .as_ref()
            .map(SlpMessage::decline)
            .ok_or(P2pCallError::WrongState)?
            .to_bytes()?;
        self.send_slp(&decline);
        self.fail(id, FailReason::Refused);
        Ok(())
    }

    /// Cancels a transfer: a BYE goes to the peer and it fails with
    /// [`FailReason::Cancelled`].
    pub fn cancel(&mut self, _now: Instant, id: TransferId) -> Result<(), P2pCallError> {
        if !self.transfers.contains_key(&id) {
            return Err(P2pCallError::UnknownTransfer);
        }
        self.send_bye(id);
        self.fail(id, FailReason::Cancelled);
        Ok(())
    }

    /// Sends the next piece of the transfer's data, in order, after
    /// [`P2pEvent::SendReady`]. Pieces of any size are split into chunks; the whole
    /// data never needs to be in memory at once. An empty piece of an empty transfer
    /// sends its one empty chunk.
    pub fn send_data(&mut self, now: Instant, id: TransferId, data: &[u8]) -> Result<(), P2pCallError> {
        let buffered = self.out.len() - self.out_pos;
        let max = self.config.max_transmit;
        let transfer = self.transfers.get_mut(&id).ok_or(P2pCallError::UnknownTransfer)?;
        if transfer.state != State::Sending {
            return Err(P2pCallError::WrongState);
        }
        let total = transfer.total.unwrap_or(0);
        let remaining = total - transfer.done;
        if data.len() as u64 > remaining {
            return Err(P2pCallError::TooMuchData {
                len: data.len(),
                remaining,
            });
        }
        if buffered + data.len() > max {
            return Err(P2pCallError::TransmitFull { buffered, max });
        }
        if data.is_empty() && total != 0 {
            return Ok(());
        }
        // Every chunk of the data message repeats its Identifier and AckID [reference §9.2].
        let (identifier, ack_id) = match (transfer.data_identifier, transfer.data_ack_id) {
            (Some(identifier), ack_id) => (identifier, ack_id),
            (None, _) => {
                let identifier = self.next_identifier;
                self.next_identifier = self.next_identifier.wrapping_add(1);
                (identifier, self.random() as u32)
            }
        };
        let transfer = self.transfers.get_mut(&id).ok_or(P2pCallError::UnknownTransfer)?;
        transfer.data_identifier = Some(identifier);
        transfer.data_ack_id = ack_id;
        let (flags, app_id) = match transfer.file {
            Some(_) => (Flags::FILE_DATA, AppId::FILE),
            None => (Flags::MSN_OBJECT_DATA, AppId::MSN_OBJECT),
        };
        let start = transfer.done;
        // An empty transfer is one empty chunk.
        let pieces: Vec<&[u8]> = if data.is_empty() {
            vec![&[]]
        } else {
            data.chunks(MAX_CHUNK_LEN).collect()
        };
        let mut offset = start;
        let mut chunks = Vec::new();
        for piece in pieces {
            let header = Header {
                session_id: id.0,
                identifier,
                offset,
                total_size: total,
                length: piece.len() as u32,
                flags,
                ack_id,
                ..Header::default()
            };
            offset += piece.len() as u64;
            chunks.push((header, piece));
        }
        transfer.done = offset;
        transfer.deadline = now + self.config.timeout;
        if offset == total {
            transfer.state = State::SentAll;
            transfer.awaiting_ack = Some(identifier);
        }
        for (header, piece) in chunks {
            self.push_payload(header, piece, app_id);
        }
        self.events.push_back(P2pEvent::Progress {
            transfer: id,
            done: offset,
            total,
        });
        Ok(())
    }

    // ----- outputs -----

    /// The next thing to do: a payload to send to the peer, an event, or nothing until
    /// more input or [`P2pSession::poll_timeout`].
    pub fn poll_output(&mut self) -> Output<'_, P2pEvent<'_>> {
        loop {
            if let Some(&len) = self.out_lens.front() {
                self.out_lens.pop_front();
                let range = self.out_pos..self.out_pos + len;
                self.out_pos += len;
                return Output::Transmit(&self.out[range]);
            }
            if self.out_pos == self.out.len() {
                self.out.clear();
                self.out_pos = 0;
            }
            if let Some((transfer, offset, range)) = self.pending_data.take() {
                return Output::Event(P2pEvent::Data {
                    transfer,
                    offset,
                    data: &self.current[range],
                });
            }
            if let Some(event) = self.events.pop_front() {
                return Output::Event(event);
            }
            if self.dropped_inputs > 0 {
                let count = std::mem::take(&mut self.dropped_inputs);
                return Output::Event(P2pEvent::InputDropped { count });
            }
            let Some((now, payload)) = self.input.pop_front() else {
                return Output::Idle {
                    next_timeout: self.poll_timeout(),
                };
            };
            self.current = payload;
            self.process(now);
        }
    }

    // ----- internals -----

    fn answering(&self, id: TransferId) -> Result<&Transfer, P2pCallError> {
        let transfer = self.transfers.get(&id).ok_or(P2pCallError::UnknownTransfer)?;
        if transfer.state != State::Answering {
            return Err(P2pCallError::WrongState);
        }
        Ok(transfer)
    }

    fn invite(
        &mut self,
        now: Instant,
        guid: &str,
        app_id: AppId,
        context: &str,
        file: Option<FileContext>,
    ) -> Result<TransferId, P2pCallError> {
        if self.transfers.len() >= self.config.max_transfers {
            return Err(P2pCallError::TooManyTransfers {
                max: self.config.max_transfers,
            });
        }
        let mut session_id = 0;
        while session_id == 0 || self.transfers.contains_key(&TransferId(session_id)) {
            session_id = self.random() as u32;
        }
        let branch = self.guid();
        let call_id = self.guid();
        let invite = SlpMessage::invite(
            self.peer.as_str(),
            self.local.as_str(),
            branch.as_str(),
            call_id.as_str(),
            guid,
            session_id,
            app_id.0,
            context,
        )
        .to_bytes()?;
        let id = TransferId(session_id);
        self.transfers.insert(
            id,
            Transfer {
                total: file.as_ref().map(|f| f.size),
                sender: file.is_some(),
                file,
                state: State::Inviting,
                call_id,
                invite: None,
                done: 0,
                data_identifier: None,
                data_ack_id: 0,
                awaiting_ack: None,
                deadline: now + self.config.timeout,
            },
        );
        self.send_slp(&invite);
        Ok(id)
    }

    fn process(&mut self, now: Instant) {
        let deadline = now + self.config.timeout;
        let payload = std::mem::take(&mut self.current);
        let message = match P2pMessage::parse(&payload) {
            Ok(message) => message,
            Err(e) => {
                self.events.push_back(P2pEvent::Malformed(e));
                self.current = payload;
                return;
            }
        };
        // Everyone in the switchboard receives every P2P message [SDK].
        if !message.dest.eq_ignore_ascii_case(&self.local) {
            self.current = payload;
            return;
        }
        let header = message.header;
        let data = &payload[payload.len() - 4 - message.data.len()..payload.len() - 4];
        match self.reassembler.push(&(), &header, data) {
            Ok(Received::Ack(ack)) => self.on_ack(deadline, &ack),
            Ok(Received::Pending) => {}
            Ok(Received::Slp { header, data }) => {
                let data = data.into_owned();
                self.send_ack(&header);
                self.on_slp(deadline, &data);
            }
            Ok(Received::Data { header, complete, .. }) => {
                let range = payload.len() - 4 - data.len()..payload.len() - 4;
                self.on_data(deadline, &header, range, complete);
            }
            Err(e) => {
                let id = TransferId(header.session_id);
                if header.session_id != 0 && self.transfers.contains_key(&id) {
                    self.send_bye(id);
                    self.fail(id, FailReason::Corrupt(e));
                } else {
                    self.events.push_back(P2pEvent::Reassembly(e));
                }
            }
        }
        self.current = payload;
    }

    fn on_ack(&mut self, deadline: Instant, ack: &Header) {
        let Some((&id, _)) = self
            .transfers
            .iter()
            .find(|(_, t)| t.awaiting_ack == Some(ack.ack_id))
        else {
            return;
        };
        let Some(transfer) = self.transfers.get_mut(&id) else {
            return;
        };
        transfer.awaiting_ack = None;
        transfer.deadline = deadline;
        match transfer.state {
            State::AcceptSent => {
                // Data preparation: four zero bytes in the session, footer 1 [NINA
                // Display_pictures].
                transfer.state = State::PrepSent;
                let identifier = self.next_identifier;
                self.next_identifier = self.next_identifier.wrapping_add(1);
                let header = Header {
                    session_id: id.0,
                    identifier,
                    total_size: 4,
                    length: 4,
                    ack_id: self.random() as u32,
                    ..Header::default()
                };
                self.push_payload(header, &[0; 4], AppId::MSN_OBJECT);
                if let Some(transfer) = self.transfers.get_mut(&id) {
                    transfer.awaiting_ack = Some(identifier);
                }
            }
            State::PrepSent => {
                transfer.state = State::Sending;
                let total = transfer.total.unwrap_or(0);
                self.events.push_back(P2pEvent::SendReady { transfer: id, total });
            }
            State::SentAll => {
                let bytes = transfer.total.unwrap_or(0);
                self.end(id);
                self.events.push_back(P2pEvent::Completed { transfer: id, bytes });
            }
            _ => {}
        }
    }

    fn on_slp(&mut self, deadline: Instant, data: &[u8]) {
        let slp = match SlpMessage::parse_with(data, &self.config.slp) {
            Ok(slp) => slp,
            Err(e) => {
                self.events.push_back(P2pEvent::MalformedSlp(e));
                return;
            }
        };
        match &slp.start {
            StartLine::Request {
                method: SlpMethod::Invite,
                ..
            } => self.on_invite(deadline, slp.into_owned()),
            StartLine::Request {
                method: SlpMethod::Bye,
                ..
            } => {
                if let Some(id) = self.by_call_id(&slp.call_id) {
                    self.fail(id, FailReason::CancelledByPeer);
                }
            }
            StartLine::Request { .. } => {}
            StartLine::Status { code, .. } => {
                let Some(id) = self.by_call_id(&slp.call_id) else {
                    return;
                };
                let Some(transfer) = self.transfers.get_mut(&id) else {
                    return;
                };
                if transfer.state != State::Inviting {
                    return;
                }
                transfer.deadline = deadline;
                if *code != StartLine::OK {
                    let code = *code;
                    self.fail(id, FailReason::Declined { code });
                    return;
                }
                self.events.push_back(P2pEvent::Accepted { transfer: id });
                if transfer.sender {
                    transfer.state = State::Sending;
                    let total = transfer.total.unwrap_or(0);
                    self.events.push_back(P2pEvent::SendReady { transfer: id, total });
                } else {
                    transfer.state = State::Receiving;
                }
            }
        }
    }

    fn on_invite(&mut self, deadline: Instant, invite: SlpMessage<'static>) {
        let session_id = invite.session_id().filter(|&id| id != 0);
        let kind = match invite.euf_guid() {
            Some(guid) if guid.eq_ignore_ascii_case(DISPLAY_PICTURE_GUID) => {
                Some(TransferKind::DisplayPicture)
            }
            Some(guid) if guid.eq_ignore_ascii_case(FILE_TRANSFER_GUID) => invite
                .context()
                .and_then(|c| FileContext::from_base64(c).ok())
                .map(TransferKind::File),
            _ => None,
        };
        let (Some(session_id), Some(kind)) = (session_id, kind) else {
            self.refuse(&invite);
            return;
        };
        let id = TransferId(session_id);
        if self.transfers.len() >= self.config.max_transfers || self.transfers.contains_key(&id) {
            self.refuse(&invite);
            return;
        }
        let context = invite.context().unwrap_or_default().to_owned();
        let (file, sender) = match &kind {
            TransferKind::File(file) => (Some(file.clone()), false),
            TransferKind::DisplayPicture => (None, true),
        };
        self.transfers.insert(
            id,
            Transfer {
                total: file.as_ref().map(|f| f.size),
                file,
                sender,
                state: State::Answering,
                call_id: invite.call_id.to_string(),
                invite: Some(invite),
                done: 0,
                data_identifier: None,
                data_ack_id: 0,
                awaiting_ack: None,
                deadline,
            },
        );
        self.events.push_back(P2pEvent::Invited {
            transfer: id,
            kind,
            context,
        });
    }

    fn refuse(&mut self, invite: &SlpMessage<'_>) {
        if let Ok(decline) = invite.decline().to_bytes() {
            self.send_slp(&decline);
        }
    }

    fn on_data(&mut self, deadline: Instant, header: &Header, range: std::ops::Range<usize>, complete: bool) {
        let id = TransferId(header.session_id);
        let Some(transfer) = self
            .transfers
            .get_mut(&id)
            .filter(|t| !t.sender && t.state == State::Receiving)
        else {
            // Data nobody waits for must not hold one of the reassembler's slots.
            self.reassembler.forget_session(&(), id.0);
            return;
        };
        // The picture owner's data preparation: four bytes, no data flag [NINA].
        let is_prep = transfer.file.is_none()
            && transfer.data_identifier.is_none()
            && !header.flags.contains(Flags::MSN_OBJECT_DATA)
            && header.total_size == 4;
        if is_prep {
            if complete {
                self.send_ack(header);
            }
            return;
        }
        if let Some(expected) = transfer.total
            && expected != header.total_size
        {
            self.send_bye(id);
            self.fail(
                id,
                FailReason::SizeMismatch {
                    expected,
                    got: header.total_size,
                },
            );
            return;
        }
        transfer.total = Some(header.total_size);
        transfer.deadline = deadline;
        transfer.data_identifier = Some(header.identifier);
        transfer.done += u64::from(header.length);
        let done = transfer.done;
        if !range.is_empty() {
            self.pending_data = Some((id, header.offset, range));
        }
        self.events.push_back(P2pEvent::Progress {
            transfer: id,
            done,
            total: header.total_size,
        });
        if complete {
            self.send_ack(header);
            self.send_bye(id);
            self.end(id);
            self.events.push_back(P2pEvent::Completed {
                transfer: id,
                bytes: done,
            });
        }
    }

    fn by_call_id(&self, call_id: &str) -> Option<TransferId> {
        self.transfers
            .iter()
            .find(|(_, t)| t.call_id == call_id)
            .map(|(id, _)| *id)
    }

    fn fail(&mut self, id: TransferId, reason: FailReason) {
        if self.end(id) {
            self.events.push_back(P2pEvent::Failed { transfer: id, reason });
        }
    }

    /// Forgets a transfer; whether it was open.
    fn end(&mut self, id: TransferId) -> bool {
        self.reassembler.forget_session(&(), id.0);
        self.transfers.remove(&id).is_some()
    }

    fn send_bye(&mut self, id: TransferId) {
        let Some(transfer) = self.transfers.get(&id) else {
            return;
        };
        let call_id = transfer.call_id.clone();
        let branch = self.guid();
        if let Ok(bye) = SlpMessage::bye(self.peer.as_str(), self.local.as_str(), branch, call_id).to_bytes()
        {
            self.send_slp(&bye);
        }
    }

    /// Queues an SLP message in as many chunks as it needs; its identifier.
    fn send_slp(&mut self, slp: &[u8]) -> u32 {
        let identifier = self.next_identifier;
        self.next_identifier = self.next_identifier.wrapping_add(1);
        let template = Header {
            identifier,
            ack_id: self.random() as u32,
            ..Header::default()
        };
        let chunks: Vec<(Header, &[u8])> = super::Chunker::split(template, slp).collect();
        for (header, piece) in chunks {
            self.push_payload(header, piece, AppId::SLP);
        }
        identifier
    }

    fn send_ack(&mut self, acked: &Header) {
        let identifier = self.next_identifier;
        self.next_identifier = self.next_identifier.wrapping_add(1);
        self.push_payload(acked.ack(identifier), &[], AppId::SLP);
    }

    fn push_payload(&mut self, header: Header, data: &[u8], app_id: AppId) {
        let message = P2pMessage::new(self.peer.as_str(), header, data, app_id);
        let before = self.out.len();
        // The peer handle was checked when the session was made, and chunks fit.
        if message.encode(&mut self.out).is_ok() {
            self.out_lens.push_back(self.out.len() - before);
        }
    }

    /// xorshift64*: GUIDs and ids need to be unpredictable to nobody but distinct.
    fn random(&mut self) -> u64 {
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn guid(&mut self) -> String {
        let a = self.random();
        let b = self.random();
        format!(
            "{{{:08X}-{:04X}-{:04X}-{:04X}-{:012X}}}",
            a >> 32,
            (a >> 16) & 0xFFFF,
            a & 0xFFFF,
            b >> 48,
            b & 0xFFFF_FFFF_FFFF
        )
    }
}
