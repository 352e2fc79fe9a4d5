//! Whole-transfer fuzz body: arbitrary bytes drive a real MSNFTP [`Receiver`] and a real
//! [`Sender`] (each against fuzz-chosen peer bytes, not each other), with time steps and
//! API calls.
//!
//! Shared by the cargo-fuzz target and by the test that replays the committed corpus
//! (`fuzz/corpus/msnftp_session/`).

use std::time::{Duration, Instant};

use crate::codec::Passport;
use crate::msnftp::{MsnftpConfig, Receiver, ReceiverEvent, Sender, SenderEvent};
use crate::{Output, Secret};

/// Sender lines and blocks spliced into the receiver's input, so that runs get past the
/// handshake; `#` becomes a small number from the input.
const TO_RECEIVER: &[&[u8]] = &[
    b"VER MSNFTP\r\n",
    b"VER MSNP8 MSNFTP\n",
    b"FIL #\r\n",
    b"\x00\x03\x00abc",
    b"\x00\x00\x00",
    b"\x01\x00\x00",
    b"\x00\xfd\x07",
    b"CCL\r\n",
    b"BYE 16777989\r\n",
];

/// Receiver lines spliced into the sender's input.
const TO_SENDER: &[&[u8]] = &[
    b"VER MSNFTP\r\n",
    b"USR bob@passport.com 1234\r\n",
    b"USR bob@passport.com 1235\r\n",
    b"TFR\r\n",
    b"BYE 16777989\r\n",
    b"BYE 2164261682\r\n",
    b"BYE 2147942405\r\n",
    b"CCL\r\n",
    b"FIL 3\r\n",
];

const MAX_LINE: usize = 64;
const MAX_CHUNK: usize = 64;

/// Runs one receiver and one sender from `data`. Panics only if a machine breaks its
/// contract: two endings or none, events after the end, more data than announced, a
/// success for bytes not transferred, memory past its bound, a poll that never idles.
pub fn msnftp_session(data: &[u8]) {
    let mut bytes = data.iter().copied();
    let mut next = move || bytes.next();
    let start = Instant::now();
    let mut now = start;
    let config = MsnftpConfig {
        max_line_len: MAX_LINE,
        max_file_size: 10_000,
        idle_timeout: Duration::from_secs(30),
        max_transmit: 256,
    };
    let handle = Passport::try_from("bob@passport.com").unwrap_or_else(|_| unreachable!());
    let mut rx = Receiver::new(config.clone(), handle, Secret::new(1234), now);
    let size = u64::from(next().unwrap_or(0)) * 7;
    let mut tx = Sender::new(config, Secret::new(1234), size, now);
    let mut rx_check = RxCheck::default();
    let mut tx_check = TxCheck::default();
    rx_check.drain(&mut rx);
    tx_check.drain(&mut tx);
    while let Some(op) = next() {
        let arg = next().unwrap_or(0);
        match op % 12 {
            0 => {
                let chunk: Vec<u8> = (0..usize::from(arg) % MAX_CHUNK).map_while(|_| next()).collect();
                rx.handle_input(now, &chunk);
            }
            1 | 2 => {
                let piece = TO_RECEIVER[usize::from(arg) % TO_RECEIVER.len()];
                rx.handle_input(now, &splice(piece, arg));
            }
            3 => {
                let chunk: Vec<u8> = (0..usize::from(arg) % MAX_CHUNK).map_while(|_| next()).collect();
                tx.handle_input(now, &chunk);
            }
            4 | 5 => {
                let piece = TO_SENDER[usize::from(arg) % TO_SENDER.len()];
                tx.handle_input(now, &splice(piece, arg));
            }
            6 => {
                now += Duration::from_millis(u64::from(arg) * 250);
                rx.handle_timeout(now);
                tx.handle_timeout(now);
            }
            7 => {
                let chunk = vec![arg; usize::from(arg) * 3];
                if let Ok(n) = tx.write(now, &chunk) {
                    assert!(n <= chunk.len());
                    tx_check.accepted += n as u64;
                    assert!(tx_check.accepted <= size, "the sender took more than announced");
                }
            }
            8 => {
                let _ = match arg % 4 {
                    0 => rx.cancel(now),
                    1 => tx.cancel(now),
                    2 => tx.finish(now),
                    _ => rx.expect_size(u64::from(arg)),
                };
            }
            9 if arg % 2 == 0 => rx.handle_closed(now),
            9 => tx.handle_closed(now),
            _ => {}
        }
        rx_check.drain(&mut rx);
        tx_check.drain(&mut tx);
        // Drained after each input: at most one line or header plus one chunk is kept.
        assert!(
            rx.buffered() <= MAX_LINE + MAX_CHUNK + 64,
            "receiver holds {}",
            rx.buffered()
        );
    }
    rx.handle_closed(now);
    tx.handle_closed(now);
    rx_check.drain(&mut rx);
    tx_check.drain(&mut tx);
    assert!(
        rx_check.ended && tx_check.ended,
        "a machine did not end after the close"
    );
    assert_eq!(rx.buffered(), 0);
}

/// `#` becomes a number from `arg`.
fn splice(piece: &[u8], arg: u8) -> Vec<u8> {
    let mut out = Vec::with_capacity(piece.len() + 4);
    for &b in piece {
        if b == b'#' {
            out.extend_from_slice((u32::from(arg) * 3).to_string().as_bytes());
        } else {
            out.push(b);
        }
    }
    out
}

#[derive(Default)]
struct RxCheck {
    size: Option<u64>,
    data: u64,
    ended: bool,
}

impl RxCheck {
    fn drain(&mut self, rx: &mut Receiver) {
        for _ in 0..100_000 {
            match rx.poll_output() {
                Output::Transmit(bytes) => assert!(!bytes.is_empty()),
                Output::Event(event) => {
                    assert!(!self.ended, "receiver event after the end: {event:?}");
                    match event {
                        ReceiverEvent::Started { size } => {
                            assert!(self.size.replace(size).is_none(), "two sizes");
                        }
                        ReceiverEvent::Data(data) => {
                            assert!(!data.is_empty());
                            self.data += data.len() as u64;
                            assert!(self.data <= self.size.unwrap_or(0), "more data than announced");
                        }
                        ReceiverEvent::Progress { received, total } => {
                            assert_eq!((Some(total), received), (self.size, self.data));
                        }
                        ReceiverEvent::Completed { bytes } => {
                            assert_eq!((Some(bytes), bytes), (self.size, self.data), "dishonest success");
                            self.ended = true;
                        }
                        ReceiverEvent::Failed(failure) => {
                            assert!(!failure.to_string().is_empty());
                            self.ended = true;
                        }
                    }
                }
                Output::Idle { next_timeout } => {
                    assert_eq!(self.ended, rx.is_finished());
                    assert!(!self.ended || next_timeout.is_none());
                    return;
                }
            }
        }
        panic!("the receiver never went idle");
    }
}

#[derive(Default)]
struct TxCheck {
    accepted: u64,
    all_sent: bool,
    ended: bool,
}

impl TxCheck {
    fn drain(&mut self, tx: &mut Sender) {
        for _ in 0..100_000 {
            match tx.poll_output() {
                Output::Transmit(bytes) => assert!(!bytes.is_empty()),
                Output::Event(event) => {
                    assert!(!self.ended, "sender event after the end: {event:?}");
                    match event {
                        SenderEvent::AllSent { bytes } => {
                            assert!(!self.all_sent);
                            assert_eq!(bytes, tx.size());
                            self.all_sent = true;
                        }
                        SenderEvent::Completed { bytes } => {
                            assert!(self.all_sent, "completed before every byte went");
                            assert_eq!((bytes, self.accepted), (tx.size(), tx.size()));
                            self.ended = true;
                        }
                        SenderEvent::Failed(_) => self.ended = true,
                        SenderEvent::Progress { sent, total } => {
                            assert!(sent <= self.accepted && total == tx.size());
                        }
                        _ => {}
                    }
                }
                Output::Idle { next_timeout } => {
                    assert_eq!(self.ended, tx.is_finished());
                    assert!(!self.ended || next_timeout.is_none());
                    return;
                }
            }
        }
        panic!("the sender never went idle");
    }
}
