//! [`Sender`]: the listening side of an MSNFTP connection, normally the inviter.

use std::collections::VecDeque;
use std::fmt;
use std::time::Instant;

use super::block::{BLOCK_HEADER_LEN, END_BLOCK, MAX_BLOCK_DATA, data_header};
use super::input::{Input, number, verb_name, words};
use super::{ByeCode, Failure, MsnftpConfig, MsnftpError, ProtocolViolation, VERSION, offers_msnftp};
use crate::{Output, Secret};

/// Something that happened on a [`Sender`], from [`Sender::poll_output`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SenderEvent {
    /// `USR` came with the right cookie; `FIL` is queued.
    Authenticated {
        /// The handle the receiver gave (its account), as sent.
        handle: String,
    },
    /// `TFR`: the receiver wants the data. Feed it with [`Sender::write`] while
    /// [`Sender::wants_data`] says so, after each drain of `poll_output`.
    TransferStarted,
    /// How far the transfer is: after each `Transmit` carrying data, and once (0 of 0)
    /// after `TransferStarted` for an empty file.
    Progress {
        /// Data bytes handed out in transmits so far.
        sent: u64,
        /// The announced size.
        total: u64,
    },
    /// Every byte was handed out; the receiver has not confirmed yet ("sent,
    /// unconfirmed"). `Completed` or `Failed` follows.
    AllSent {
        /// The file's size.
        bytes: u64,
    },
    /// The receiver confirmed every byte (`BYE 16777989`). The last event: close the
    /// connection (the sender closes it [YW msnftp]).
    Completed {
        /// The file's size.
        bytes: u64,
    },
    /// The transfer failed. The last event.
    Failed(Failure),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Listening; the receiver talks first.
    AwaitVer,
    /// `VER MSNFTP` answered.
    AwaitUsr,
    /// `FIL` sent.
    AwaitTfr,
    /// Taking the caller's data.
    Sending,
    /// Every byte accepted; waiting for `BYE`.
    AwaitBye,
    /// Ended; see `outcome`.
    Done,
}

impl Phase {
    fn name(self) -> &'static str {
        match self {
            Self::AwaitVer => "before the version exchange",
            Self::AwaitUsr => "before authentication",
            Self::AwaitTfr => "before the transfer request",
            Self::Sending | Self::AwaitBye => "during the transfer",
            Self::Done => "after the end",
        }
    }
}

/// The sending side of a transfer: listens on the address of its `ACCEPT`, checks the
/// auth cookie of the connecting receiver, announces the size and streams the file.
///
/// Data comes from the caller in chunks (push model): after
/// [`SenderEvent::TransferStarted`], call [`write`](Self::write) while
/// [`wants_data`](Self::wants_data) is true; it takes what fits in
/// [`MsnftpConfig::max_transmit`] and returns how much, and the blocks go out in the
/// next `Transmit`. Drain [`poll_output`](Self::poll_output), write the bytes to the
/// socket, and feed more. The size is fixed up front (it went out in `FIL`): a source
/// that ends early is reported with [`finish`](Self::finish).
///
/// Run loop: accept the connection, create the machine, then after every input (bytes,
/// a timer, the connection closing, a call) drain `poll_output` until it returns
/// [`Output::Idle`], writing every [`Output::Transmit`] in order and calling
/// [`handle_timeout`](Self::handle_timeout) when `next_timeout` passes. The timer runs
/// only while the sender waits for the receiver, not while it waits for data.
///
/// Methods, as in quinn-proto's `Connection`:
/// - getters: [`outcome`](Self::outcome), [`is_finished`](Self::is_finished),
///   [`size`](Self::size), [`sent`](Self::sent), [`wants_data`](Self::wants_data),
///   [`poll_timeout`](Self::poll_timeout);
/// - inputs: [`handle_input`](Self::handle_input), [`handle_timeout`](Self::handle_timeout),
///   [`handle_closed`](Self::handle_closed);
/// - mutators: [`write`](Self::write), [`finish`](Self::finish), [`cancel`](Self::cancel);
/// - output: [`poll_output`](Self::poll_output).
///
/// `Debug` shows the state and counts, never the cookie or the data.
pub struct Sender {
    config: MsnftpConfig,
    cookie: Secret<u32>,
    size: u64,
    phase: Phase,
    outcome: Option<Result<u64, Failure>>,
    /// Data bytes the caller handed over.
    accepted: u64,
    /// Data bytes handed out in transmits.
    sent_bytes: u64,
    /// Data bytes in `outgoing`.
    outgoing_data: u64,
    /// Where the header of the last block in `outgoing` starts, while more data may
    /// join it: writes between two transmits fill whole blocks, however small they are.
    open_block: Option<usize>,
    input: Input,
    eof: bool,
    outgoing: Vec<u8>,
    /// The bytes of the last `Transmit`, lent until the next `poll_output`.
    sent: Vec<u8>,
    events: VecDeque<SenderEvent>,
    progress_due: bool,
    all_sent_told: bool,
    /// When the receiver last sent anything or the caller last acted.
    last_activity: Instant,
}

impl fmt::Debug for Sender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("size", &self.size)
            .field("phase", &self.phase)
            .field("outcome", &self.outcome)
            .field("accepted", &self.accepted)
            .field("sent", &self.sent_bytes)
            .field("buffered", &self.input.held())
            .field("outgoing", &self.outgoing.len())
            .field("events", &self.events.len())
            .finish_non_exhaustive()
    }
}

impl Sender {
    /// A sender on a connection a receiver just opened. `auth_cookie` is the
    /// `AuthCookie` of the `ACCEPT` sent with the listening address, `size` the file's
    /// size (as in the invitation).
    pub fn new(config: MsnftpConfig, auth_cookie: Secret<u32>, size: u64, now: Instant) -> Self {
        Self {
            config,
            cookie: auth_cookie,
            size,
            phase: Phase::AwaitVer,
            outcome: None,
            accepted: 0,
            sent_bytes: 0,
            outgoing_data: 0,
            open_block: None,
            input: Input::default(),
            eof: false,
            outgoing: Vec::new(),
            sent: Vec::new(),
            events: VecDeque::new(),
            progress_due: false,
            all_sent_told: false,
            last_activity: now,
        }
    }

    // ----- getters -----

    /// How the transfer ended: the byte count, or why it failed. `None` while it runs.
    pub fn outcome(&self) -> Option<&Result<u64, Failure>> {
        self.outcome.as_ref()
    }

    /// Whether the transfer ended (the last event may still wait in `poll_output`).
    pub fn is_finished(&self) -> bool {
        self.outcome.is_some()
    }

    /// The file's size, as announced in `FIL`.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Data bytes handed out in transmits so far.
    pub fn sent(&self) -> u64 {
        self.sent_bytes
    }

    /// Whether [`write`](Self::write) would take at least one byte now: the receiver
    /// asked for the data (`TFR`), bytes remain, and the transmit buffer has room.
    pub fn wants_data(&self) -> bool {
        self.phase == Phase::Sending && self.room_for_data() > 0
    }

    /// When [`handle_timeout`](Self::handle_timeout) is due, if a timer is armed.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.phase {
            Phase::AwaitVer | Phase::AwaitUsr | Phase::AwaitTfr | Phase::AwaitBye => {
                self.last_activity.checked_add(self.config.idle_timeout)
            }
            Phase::Sending | Phase::Done => None,
        }
    }

    // ----- inputs -----

    /// Takes bytes from the connection. Never fails: problems surface from
    /// [`poll_output`](Self::poll_output). Bytes after the end are ignored.
    pub fn handle_input(&mut self, now: Instant, bytes: &[u8]) {
        if self.outcome.is_some() || self.eof {
            return;
        }
        self.touch(now);
        self.input.push(bytes);
    }

    /// Fails the transfer with [`Failure::TimedOut`] if the receiver was silent for the
    /// idle timeout while the sender waited for it. Early or repeated calls do nothing.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.outcome.is_some() || self.poll_timeout().is_none_or(|due| now < due) {
            return;
        }
        self.fail(Failure::TimedOut);
    }

    /// The connection closed (EOF or reset). Input already given is still used; then a
    /// transfer that did not end fails with [`Failure::ConnectionLost`], even after
    /// [`SenderEvent::AllSent`]: without `BYE` nobody confirmed the bytes. Nothing more
    /// is transmitted.
    pub fn handle_closed(&mut self, _now: Instant) {
        self.eof = true;
    }

    // ----- mutators -----

    /// Hands over the next bytes of the file; returns how many were taken (possibly 0).
    /// Takes nothing before `TFR` or while the transmit buffer is full (see
    /// [`wants_data`](Self::wants_data)); never more than the size announced: a call
    /// with data once every byte was taken is refused with
    /// [`MsnftpError::MoreThanAnnounced`].
    pub fn write(&mut self, now: Instant, data: &[u8]) -> Result<usize, MsnftpError> {
        if self.outcome.is_some() {
            return Err(MsnftpError::Finished);
        }
        let remaining = self.size - self.accepted;
        if self.phase == Phase::AwaitBye && !data.is_empty() {
            return Err(MsnftpError::MoreThanAnnounced { size: self.size });
        }
        if self.phase != Phase::Sending || data.is_empty() {
            return Ok(0);
        }
        self.touch(now);
        let want = usize::try_from(remaining).map_or(data.len(), |r| r.min(data.len()));
        let mut taken = 0;
        while taken < want {
            let room = self.transmit_limit().saturating_sub(self.outgoing.len());
            let open_space = self.open_block.map_or(0, |at| {
                MAX_BLOCK_DATA.saturating_sub(self.outgoing.len() - at - BLOCK_HEADER_LEN)
            });
            let n = if open_space > 0 {
                let n = open_space.min(want - taken).min(room);
                if n == 0 {
                    break;
                }
                n
            } else {
                if room <= BLOCK_HEADER_LEN {
                    break;
                }
                let n = MAX_BLOCK_DATA.min(want - taken).min(room - BLOCK_HEADER_LEN);
                self.open_block = Some(self.outgoing.len());
                self.outgoing.extend_from_slice(&data_header(0));
                n
            };
            let Some(chunk) = data.get(taken..taken + n) else {
                break;
            };
            self.outgoing.extend_from_slice(chunk);
            if let Some(at) = self.open_block {
                let len = self.outgoing.len() - at - BLOCK_HEADER_LEN;
                // A block never passes MAX_BLOCK_DATA, so its length fits the header.
                let header = data_header(u16::try_from(len).unwrap_or(u16::MAX));
                if let Some(slot) = self.outgoing.get_mut(at..at + BLOCK_HEADER_LEN) {
                    slot.copy_from_slice(&header);
                }
            }
            taken += n;
        }
        let taken64 = taken as u64;
        self.accepted += taken64;
        self.outgoing_data += taken64;
        if self.accepted == self.size {
            self.phase = Phase::AwaitBye;
        }
        Ok(taken)
    }

    /// The caller's source has no more data. When every announced byte was written this
    /// does nothing; otherwise the transfer ends: an end-of-transfer block is queued
    /// (once data was asked for) and it fails with [`Failure::SizeMismatch`].
    pub fn finish(&mut self, now: Instant) -> Result<(), MsnftpError> {
        if self.outcome.is_some() {
            return Err(MsnftpError::Finished);
        }
        if self.accepted == self.size {
            return Ok(());
        }
        self.touch(now);
        if self.phase == Phase::Sending {
            self.outgoing.extend_from_slice(&END_BLOCK);
        }
        self.fail(Failure::SizeMismatch {
            expected: self.size,
            transferred: self.accepted,
        });
        Ok(())
    }

    /// Cancels the transfer: queues an end-of-transfer block once data was asked for,
    /// and fails with [`Failure::CancelledLocally`].
    pub fn cancel(&mut self, now: Instant) -> Result<(), MsnftpError> {
        if self.outcome.is_some() {
            return Err(MsnftpError::Finished);
        }
        self.touch(now);
        if matches!(self.phase, Phase::Sending | Phase::AwaitBye) {
            self.outgoing.extend_from_slice(&END_BLOCK);
        }
        self.fail(Failure::CancelledLocally);
        Ok(())
    }

    // ----- output -----

    /// The next thing to do: bytes to write, an event, or nothing until more input, data
    /// or `next_timeout`. A `Transmit` borrows the machine's buffer until the next call.
    pub fn poll_output(&mut self) -> Output<'_, SenderEvent> {
        self.sent.clear();
        if self.outcome.is_some() {
            self.input.release();
        }
        loop {
            if self.eof {
                // Nobody reads what would be written now.
                self.outgoing.clear();
                self.outgoing_data = 0;
                self.open_block = None;
            }
            if !self.outgoing.is_empty() {
                std::mem::swap(&mut self.outgoing, &mut self.sent);
                self.open_block = None;
                if self.outgoing_data > 0 {
                    self.sent_bytes += self.outgoing_data;
                    self.outgoing_data = 0;
                    self.progress_due = true;
                }
                return Output::Transmit(&self.sent);
            }
            if let Some(event) = self.events.pop_front() {
                return Output::Event(event);
            }
            if self.outcome.is_some() {
                return Output::Idle { next_timeout: None };
            }
            if self.progress_due {
                self.progress_due = false;
                return Output::Event(SenderEvent::Progress {
                    sent: self.sent_bytes,
                    total: self.size,
                });
            }
            if !self.all_sent_told && self.phase == Phase::AwaitBye && self.sent_bytes == self.size {
                self.all_sent_told = true;
                return Output::Event(SenderEvent::AllSent { bytes: self.size });
            }
            match self.input.next_line(self.config.max_line_len) {
                Ok(Some(line)) => self.handle_line(&line),
                Ok(None) if self.eof => self.fail(Failure::ConnectionLost),
                Ok(None) => {
                    return Output::Idle {
                        next_timeout: self.poll_timeout(),
                    };
                }
                Err(violation) => self.fail(Failure::ProtocolViolation(violation)),
            }
        }
    }

    // ----- internals -----

    fn touch(&mut self, now: Instant) {
        self.last_activity = self.last_activity.max(now);
    }

    /// [`MsnftpConfig::max_transmit`], but room for one header and one data byte at
    /// least, so that no setting can stall a transfer for good.
    fn transmit_limit(&self) -> usize {
        self.config.max_transmit.max(BLOCK_HEADER_LEN + 1)
    }

    /// Data bytes a `write` could take now.
    fn room_for_data(&self) -> usize {
        let remaining = usize::try_from(self.size - self.accepted).unwrap_or(usize::MAX);
        let room = self.transmit_limit().saturating_sub(self.outgoing.len());
        let open_space = self.open_block.map_or(0, |at| {
            MAX_BLOCK_DATA.saturating_sub(self.outgoing.len() - at - BLOCK_HEADER_LEN)
        });
        let fits = if open_space > 0 {
            open_space.min(room)
        } else {
            room.saturating_sub(BLOCK_HEADER_LEN)
        };
        fits.min(remaining)
    }

    fn handle_line(&mut self, line: &[u8]) {
        let mut args = words(line);
        let verb = args.next().unwrap_or_default();
        let is = |v: &str| verb.eq_ignore_ascii_case(v.as_bytes());
        match self.phase {
            _ if is("CCL") => self.fail(Failure::CancelledByPeer),
            Phase::AwaitVer if is("VER") => {
                if offers_msnftp(args) {
                    self.line(format_args!("VER {VERSION}"));
                    self.phase = Phase::AwaitUsr;
                } else {
                    self.fail(Failure::ProtocolViolation(ProtocolViolation::VersionRefused));
                }
            }
            Phase::AwaitUsr if is("USR") => {
                let handle = args.next();
                let cookie = args.next().and_then(number::<u32>);
                match (handle, cookie, args.next()) {
                    (Some(handle), Some(cookie), None) if cookie == *self.cookie.expose() => {
                        let handle = String::from_utf8_lossy(handle).into_owned();
                        self.events.push_back(SenderEvent::Authenticated { handle });
                        let size = self.size;
                        self.line(format_args!("FIL {size}"));
                        self.phase = Phase::AwaitTfr;
                    }
                    _ => self.fail(Failure::AuthenticationFailed),
                }
            }
            Phase::AwaitTfr if is("TFR") && args.next().is_none() => {
                self.events.push_back(SenderEvent::TransferStarted);
                self.phase = if self.size == 0 {
                    // No block will carry an empty file: its one progress is now.
                    self.events.push_back(SenderEvent::Progress { sent: 0, total: 0 });
                    Phase::AwaitBye
                } else {
                    Phase::Sending
                };
            }
            Phase::Sending | Phase::AwaitBye if is("BYE") => {
                let code = match (args.next().and_then(number::<u32>), args.next()) {
                    (Some(code), None) => ByeCode::from_code(code),
                    _ => return self.unexpected(line),
                };
                match code {
                    ByeCode::ReceivedOk if self.sent_bytes == self.size && self.outgoing.is_empty() => {
                        self.events.push_back(SenderEvent::Completed { bytes: self.size });
                        self.end(Ok(self.size));
                    }
                    ByeCode::ReceivedOk => self.fail(Failure::SizeMismatch {
                        expected: self.size,
                        transferred: self.sent_bytes,
                    }),
                    ByeCode::Cancelled => self.fail(Failure::CancelledByPeer),
                    other => self.fail(Failure::PeerEnded(other)),
                }
            }
            _ => self.unexpected(line),
        }
    }

    fn unexpected(&mut self, line: &[u8]) {
        let violation = ProtocolViolation::UnexpectedLine {
            verb: verb_name(line),
            state: self.phase.name(),
        };
        self.fail(Failure::ProtocolViolation(violation));
    }

    fn fail(&mut self, failure: Failure) {
        self.events.push_back(SenderEvent::Failed(failure.clone()));
        self.end(Err(failure));
    }

    fn end(&mut self, outcome: Result<u64, Failure>) {
        self.phase = Phase::Done;
        self.outcome = Some(outcome);
    }

    fn line(&mut self, line: fmt::Arguments<'_>) {
        use std::io::Write;
        // Writing into a Vec cannot fail.
        let _ = write!(self.outgoing, "{line}\r\n");
    }
}
