//! [`Receiver`]: the connecting side of an MSNFTP connection, normally the invitee.

use std::collections::VecDeque;
use std::fmt;
use std::ops::Range;
use std::time::Instant;

use super::block::{BLOCK_HEADER_LEN, Header};
use super::input::{Input, number, verb_name, words};
use super::{ByeCode, Failure, MsnftpConfig, MsnftpError, ProtocolViolation, VERSION, offers_msnftp};
use crate::codec::Passport;
use crate::{Output, Secret};

/// Something that happened on a [`Receiver`], from [`Receiver::poll_output`].
///
/// [`Data`](Self::Data) borrows the receiver's input buffer until the next call: write
/// it to the file (or copy it) first.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReceiverEvent<'a> {
    /// `FIL <size>`: the sender announced the size and `TFR` is queued; data follows.
    Started {
        /// The file's size in bytes.
        size: u64,
    },
    /// The next bytes of the file, in order.
    Data(&'a [u8]),
    /// How far the transfer is: one event after the data of each input chunk, and once
    /// (0 of 0) before `Completed` for an empty file.
    Progress {
        /// Bytes received so far.
        received: u64,
        /// The announced size.
        total: u64,
    },
    /// Exactly the announced bytes arrived and `BYE 16777989` is queued. The last event.
    Completed {
        /// The file's size.
        bytes: u64,
    },
    /// The transfer failed. The last event.
    Failed(Failure),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// `VER MSNFTP` sent.
    AwaitVer,
    /// `USR handle cookie` sent.
    AwaitFil,
    /// `TFR` sent; `block_left` data bytes of the current block are still to come.
    Receiving {
        size: u64,
        received: u64,
        block_left: u16,
    },
    /// Ended; see `outcome`.
    Done,
}

impl Phase {
    fn name(self) -> &'static str {
        match self {
            Self::AwaitVer => "before the version exchange",
            Self::AwaitFil => "before the file size",
            Self::Receiving { .. } => "during the transfer",
            Self::Done => "after the end",
        }
    }
}

/// What one parsing step found.
enum Step {
    /// Data bytes to lend out, as a range of the input.
    Data(Range<usize>),
    /// Something changed; look again.
    Again,
    /// Nothing more until new input.
    Wait,
}

/// The receiving side of a transfer: connects to the address of the sender's
/// `ACCEPT`, proves the auth cookie, then hands out the file's data as it arrives.
///
/// Sans-IO: the caller owns the socket and the clock. The run loop is: connect, create
/// the machine (it queues `VER MSNFTP`), then after every input (bytes, a timer, the
/// connection closing, a call) drain [`poll_output`](Self::poll_output) until it
/// returns [`Output::Idle`], writing every [`Output::Transmit`] in order, storing every
/// [`ReceiverEvent::Data`], and calling [`handle_timeout`](Self::handle_timeout) when
/// `next_timeout` passes. After the last event (`Completed` or `Failed`) write what is
/// left to transmit and close the connection.
///
/// Memory: the data of a block is lent out as it arrives, never collected, so a
/// receiver drained after each input holds at most one line or block header plus the
/// chunk pushed.
///
/// Methods, as in quinn-proto's `Connection`:
/// - getters: [`outcome`](Self::outcome), [`is_finished`](Self::is_finished),
///   [`size`](Self::size), [`received`](Self::received), [`buffered`](Self::buffered),
///   [`poll_timeout`](Self::poll_timeout);
/// - inputs: [`handle_input`](Self::handle_input), [`handle_timeout`](Self::handle_timeout),
///   [`handle_closed`](Self::handle_closed);
/// - mutators: [`expect_size`](Self::expect_size), [`cancel`](Self::cancel);
/// - output: [`poll_output`](Self::poll_output).
///
/// `Debug` shows the state and counts, never the cookie or the data.
pub struct Receiver {
    config: MsnftpConfig,
    handle: Passport<'static>,
    cookie: Secret<u32>,
    expected: Option<u64>,
    /// The size `FIL` announced.
    announced: Option<u64>,
    /// Data bytes handed out.
    handed_out: u64,
    phase: Phase,
    outcome: Option<Result<u64, Failure>>,
    input: Input,
    /// The transport closed: buffered input is still used, then the transfer ends.
    eof: bool,
    outgoing: Vec<u8>,
    /// The bytes of the last `Transmit`, lent until the next `poll_output`.
    sent: Vec<u8>,
    events: VecDeque<ReceiverEvent<'static>>,
    /// Data went out since the last `Progress`.
    progress_due: bool,
    /// When the sender last sent anything (or the machine started).
    last_input: Instant,
}

impl fmt::Debug for Receiver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("handle", &self.handle)
            .field("phase", &self.phase)
            .field("outcome", &self.outcome)
            .field("buffered", &self.input.held())
            .field("outgoing", &self.outgoing.len())
            .field("events", &self.events.len())
            .finish_non_exhaustive()
    }
}

impl Receiver {
    /// A receiver on a fresh connection to the sender: queues `VER MSNFTP`. `handle` is
    /// the user's account, `auth_cookie` the `AuthCookie` of the sender's `ACCEPT`.
    pub fn new(
        config: MsnftpConfig,
        handle: Passport<'static>,
        auth_cookie: Secret<u32>,
        now: Instant,
    ) -> Self {
        let mut receiver = Self {
            config,
            handle,
            cookie: auth_cookie,
            expected: None,
            announced: None,
            handed_out: 0,
            phase: Phase::AwaitVer,
            outcome: None,
            input: Input::default(),
            eof: false,
            outgoing: Vec::new(),
            sent: Vec::new(),
            events: VecDeque::new(),
            progress_due: false,
            last_input: now,
        };
        receiver.line(format_args!("VER {VERSION}"));
        receiver
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

    /// The size `FIL` announced, once it came.
    pub fn size(&self) -> Option<u64> {
        self.announced
    }

    /// Data bytes handed out so far (also after the end).
    pub fn received(&self) -> u64 {
        self.handed_out
    }

    /// Bytes of memory the input buffer holds.
    pub fn buffered(&self) -> usize {
        self.input.held()
    }

    /// When [`handle_timeout`](Self::handle_timeout) is due, if a timer is armed.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.outcome.is_some() {
            return None;
        }
        self.last_input.checked_add(self.config.idle_timeout)
    }

    // ----- inputs -----

    /// Takes bytes from the connection. Never fails: problems surface from
    /// [`poll_output`](Self::poll_output). Bytes after the end are ignored.
    pub fn handle_input(&mut self, now: Instant, bytes: &[u8]) {
        if self.outcome.is_some() || self.eof {
            return;
        }
        self.last_input = self.last_input.max(now);
        self.input.push(bytes);
    }

    /// Fails the transfer with [`Failure::TimedOut`] (queuing `BYE 2164261694` once
    /// data was asked for) if the sender was silent for the idle timeout. Early or
    /// repeated calls do nothing.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.outcome.is_some() || self.poll_timeout().is_none_or(|due| now < due) {
            return;
        }
        if matches!(self.phase, Phase::Receiving { .. }) {
            self.line(format_args!("BYE {}", ByeCode::TimedOut.code()));
        }
        self.fail(Failure::TimedOut);
    }

    /// The connection closed (EOF or reset). Input already given is still used; then a
    /// transfer that did not end fails with [`Failure::ConnectionLost`] (or
    /// [`Failure::AuthenticationFailed`] when the sender closed right after `USR`, its
    /// answer to a wrong cookie). Nothing more is transmitted.
    pub fn handle_closed(&mut self, _now: Instant) {
        self.eof = true;
    }

    // ----- mutators -----

    /// The size the invitation announced (`Application-FileSize`): a `FIL` with another
    /// size fails the transfer with [`Failure::SizeNotAsInvited`]. Only before `FIL`.
    pub fn expect_size(&mut self, size: u64) -> Result<(), MsnftpError> {
        match self.phase {
            Phase::Done => Err(MsnftpError::Finished),
            Phase::Receiving { .. } => Err(MsnftpError::TooLate),
            Phase::AwaitVer | Phase::AwaitFil => {
                self.expected = Some(size);
                Ok(())
            }
        }
    }

    /// Cancels the transfer: queues `CCL` and fails with [`Failure::CancelledLocally`].
    pub fn cancel(&mut self, _now: Instant) -> Result<(), MsnftpError> {
        if self.outcome.is_some() {
            return Err(MsnftpError::Finished);
        }
        self.line(format_args!("CCL"));
        self.fail(Failure::CancelledLocally);
        Ok(())
    }

    // ----- output -----

    /// The next thing to do: bytes to write, an event, or nothing until more input or
    /// `next_timeout`. A `Transmit` or `Data` borrows the machine's buffers until the
    /// next call.
    pub fn poll_output(&mut self) -> Output<'_, ReceiverEvent<'_>> {
        self.sent.clear();
        if self.outcome.is_some() {
            self.input.release();
        } else {
            self.input.forget_used();
        }
        loop {
            if self.eof {
                // Nobody reads what would be written now.
                self.outgoing.clear();
            }
            if !self.outgoing.is_empty() {
                std::mem::swap(&mut self.outgoing, &mut self.sent);
                return Output::Transmit(&self.sent);
            }
            if let Some(event) = self.events.pop_front() {
                return Output::Event(event);
            }
            if self.outcome.is_some() {
                return Output::Idle { next_timeout: None };
            }
            match self.step() {
                Step::Data(range) => return Output::Event(ReceiverEvent::Data(self.input.slice(range))),
                Step::Again => {}
                Step::Wait if self.progress_due => {
                    self.progress_due = false;
                    if let Some(progress) = self.progress() {
                        return Output::Event(progress);
                    }
                }
                Step::Wait if self.eof => {
                    let failure = if self.phase == Phase::AwaitFil {
                        Failure::AuthenticationFailed
                    } else {
                        Failure::ConnectionLost
                    };
                    self.fail(failure);
                }
                Step::Wait => {
                    return Output::Idle {
                        next_timeout: self.poll_timeout(),
                    };
                }
            }
        }
    }

    // ----- internals -----

    fn step(&mut self) -> Step {
        match self.phase {
            Phase::AwaitVer | Phase::AwaitFil => match self.input.next_line(self.config.max_line_len) {
                Ok(Some(line)) => {
                    self.handle_line(&line);
                    Step::Again
                }
                Ok(None) => Step::Wait,
                Err(violation) => {
                    self.fail(Failure::ProtocolViolation(violation));
                    Step::Again
                }
            },
            Phase::Receiving {
                size,
                received,
                block_left: 0,
            } => {
                let Some(&header) = self.input.available().first_chunk::<BLOCK_HEADER_LEN>() else {
                    return Step::Wait;
                };
                self.input.consume(BLOCK_HEADER_LEN);
                match Header::parse(header) {
                    Header::End => self.fail(Failure::CancelledByPeer),
                    Header::Data(len) if u64::from(len) > size - received => {
                        self.line(format_args!("CCL"));
                        self.fail(Failure::SizeMismatch {
                            expected: size,
                            transferred: received + u64::from(len),
                        });
                    }
                    Header::Data(len) => {
                        self.phase = Phase::Receiving {
                            size,
                            received,
                            block_left: len,
                        };
                    }
                }
                Step::Again
            }
            Phase::Receiving {
                size,
                received,
                block_left,
            } => {
                let n = self.input.available().len().min(usize::from(block_left));
                if n == 0 {
                    return Step::Wait;
                }
                let range = self.input.take(n);
                // `n` fits the block's u16 length and, by the header check, the size.
                let n16 = u16::try_from(n).unwrap_or(block_left);
                let received = received + u64::from(n16);
                self.phase = Phase::Receiving {
                    size,
                    received,
                    block_left: block_left - n16,
                };
                self.handed_out = received;
                self.progress_due = true;
                if received == size {
                    self.complete(size);
                }
                Step::Data(range)
            }
            Phase::Done => Step::Wait,
        }
    }

    fn handle_line(&mut self, line: &[u8]) {
        let mut args = words(line);
        let verb = args.next().unwrap_or_default();
        let is = |v: &str| verb.eq_ignore_ascii_case(v.as_bytes());
        match self.phase {
            _ if is("CCL") => self.fail(Failure::CancelledByPeer),
            Phase::AwaitVer if is("VER") => {
                if offers_msnftp(args) {
                    let handle = self.handle.as_str().to_owned();
                    let cookie = *self.cookie.expose();
                    self.line(format_args!("USR {handle} {cookie}"));
                    self.phase = Phase::AwaitFil;
                } else {
                    self.fail(Failure::ProtocolViolation(ProtocolViolation::VersionRefused));
                }
            }
            Phase::AwaitFil if is("FIL") => {
                let size = match (args.next().and_then(number::<u64>), args.next()) {
                    (Some(size), None) => size,
                    _ => return self.unexpected(line),
                };
                if let Some(invited) = self.expected.filter(|&invited| invited != size) {
                    self.line(format_args!("CCL"));
                    return self.fail(Failure::SizeNotAsInvited {
                        invited,
                        announced: size,
                    });
                }
                let max = self.config.max_file_size;
                if size > max {
                    self.line(format_args!("CCL"));
                    return self.fail(Failure::FileTooLarge { size, max });
                }
                self.line(format_args!("TFR"));
                self.announced = Some(size);
                self.events.push_back(ReceiverEvent::Started { size });
                self.phase = Phase::Receiving {
                    size,
                    received: 0,
                    block_left: 0,
                };
                if size == 0 {
                    self.complete(0);
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

    fn progress(&self) -> Option<ReceiverEvent<'static>> {
        match self.phase {
            Phase::Receiving { size, received, .. } => Some(ReceiverEvent::Progress {
                received,
                total: size,
            }),
            _ => None,
        }
    }

    fn complete(&mut self, size: u64) {
        self.line(format_args!("BYE {}", ByeCode::ReceivedOk.code()));
        // Told for an empty file too (0 of 0), whose progress no block reported.
        self.progress_due = false;
        self.events.push_back(ReceiverEvent::Progress {
            received: size,
            total: size,
        });
        self.events.push_back(ReceiverEvent::Completed { bytes: size });
        self.end(Ok(size));
    }

    fn fail(&mut self, failure: Failure) {
        if self.progress_due {
            self.progress_due = false;
            if let Some(progress) = self.progress() {
                self.events.push_back(progress);
            }
        }
        self.events.push_back(ReceiverEvent::Failed(failure.clone()));
        self.end(Err(failure));
    }

    /// Ends the transfer. The input is released by the next `poll_output`, as the last
    /// `Data` may still borrow it; [`handle_input`](Self::handle_input) ignores bytes
    /// from now on.
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
