//! The flow control of MSNFTP sends in the sans-IO `Client`: with
//! `TransferConfig::direct_write_window` set, a file's data stops while that many bytes
//! of its direct connection's transmits are not reported written
//! (`Client::handle_written`), and the report that brings them to a quarter of the
//! window tells the transfer's progress once more, the cue to write on. Without it,
//! nothing waits for reports.

mod support {
    pub mod scripted;
}

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};

use msnp::client::{ClientConfig, ClientEvent, ClientOutput, ConnId, TransferId};
use msnp::codec::{Dialect, HostPort, Passport};
use msnp::msg::Invitation;
use support::scripted::{BOB, Harness, header, relayed};

const SIZE: usize = 10_000;

/// The file: every byte says where it is, so a piece out of place shows.
fn file() -> Vec<u8> {
    (0..SIZE).map(|i| (i % 251) as u8).collect()
}

/// Signed in (MSNFTP hosted, the write window `window`), the file offered to Bob over
/// MSNFTP, accepted, listened for, connected, and asked for with `TFR`: the transfer,
/// its direct connection and the handshake's bytes transmitted on it.
fn sending(window: Option<usize>) -> (Harness, TransferId, ConnId, usize) {
    let mut config = ClientConfig::default();
    config.sync_lists = false;
    config.initial_status = None;
    config.transfer.msnftp = true;
    config.transfer.direct_write_window = window;
    let mut h = Harness::signed_in_with(config, Dialect::Msnp8);
    let (_conversation, sb) = h.conversation_with_bob();
    let bob = Passport::try_from(BOB).unwrap();
    let id = h
        .client
        .send_file_msnftp(h.now, &bob, "big.bin", SIZE as u64)
        .unwrap();
    h.drain();
    let invite = h.sent_on(sb);
    let cookie: u32 = header(&invite, "Invitation-Cookie").parse().unwrap();
    let mut accept = Vec::new();
    Invitation::accept(cookie).encode(&mut accept).unwrap();
    h.input(sb, &relayed(BOB, "Bob", &accept));
    let direct = h.listens.last().expect("a listen").0;
    let at = HostPort::new("192.0.2.1".to_owned(), 6891).unwrap();
    h.client.handle_listening(direct, h.now, &at);
    h.drain();
    let auth: u32 = header(&h.sent_on(sb), "AuthCookie").parse().unwrap();
    h.client.handle_connected(direct, h.now);
    h.input(direct, b"VER MSNFTP\r\n");
    h.input(direct, format!("USR {BOB} {auth}\r\n").as_bytes());
    h.input(direct, b"TFR\r\n");
    let handshake = h.sent_on(direct);
    assert_eq!(handshake, "VER MSNFTP\r\nFIL 10000\r\n");
    assert_eq!(h.take(), [format!("TransferAccepted {{ id: {id:?} }}")]);
    (h, id, direct, handshake.len())
}

/// The bytes transmitted on `conn` since the last call (file data: not text).
fn raw_sent(h: &mut Harness, conn: ConnId) -> Vec<u8> {
    let mut out = Vec::new();
    h.sent.retain(|(c, bytes)| {
        if *c == conn {
            out.extend_from_slice(bytes);
        }
        *c != conn
    });
    out
}

/// The data blocks of an MSNFTP stream: each a 0, a little-endian length and the bytes.
fn unblock(mut wire: &[u8]) -> Vec<u8> {
    let mut data = Vec::new();
    while let [0, lo, hi, rest @ ..] = wire {
        let len = usize::from(u16::from_le_bytes([*lo, *hi]));
        data.extend_from_slice(&rest[..len]);
        wire = &rest[len..];
    }
    assert!(wire.is_empty(), "{} bytes past the last block", wire.len());
    data
}

fn progress(id: TransferId, done: usize) -> String {
    format!("TransferProgress {{ id: {id:?}, done: {done}, total: {SIZE} }}")
}

#[test]
fn a_full_window_stops_the_file_until_the_writes_bring_it_to_a_quarter() {
    let (mut h, id, direct, handshake) = sending(Some(4096));
    let file = file();
    // The handshake's lines count too, but are far from the window.
    h.client.handle_written(direct, h.now, handshake);
    let mut wire = Vec::new();
    // Each piece goes out as one block of 3 + 2000 bytes: 2003, 4006, then 6009
    // unwritten; the window refuses only once it is full.
    for piece in 0..3 {
        let at = piece * 2000;
        assert_eq!(h.client.write_transfer(id, &file[at..at + 2000]).unwrap(), 2000);
        h.drain();
        wire.extend(raw_sent(&mut h, direct));
        assert_eq!(h.take(), [progress(id, at + 2000)]);
    }
    assert_eq!(wire.len(), 3 * 2003);
    assert_eq!(h.client.write_transfer(id, &file[6000..]).unwrap(), 0);
    assert_eq!(h.client.write_transfer(id, &file[6000..]).unwrap(), 0);
    h.drain();
    assert_eq!(raw_sent(&mut h, direct), b"", "nothing was taken");
    // 2009 unwritten: below the window, above its quarter (1024). No cue yet, and
    // writes are still refused until the cue.
    h.client.handle_written(direct, h.now, 4000);
    h.drain();
    assert_eq!(h.take(), Vec::<String>::new());
    // 1009: the cue, once, with the bytes handed out so far.
    h.client.handle_written(direct, h.now, 1000);
    h.drain();
    assert_eq!(h.take(), [progress(id, 6000)]);
    h.client.handle_written(direct, h.now, 1000);
    h.drain();
    assert_eq!(h.take(), Vec::<String>::new(), "one cue per refusal");
    // The rest in one call: two blocks (2045 + 1955), the window being open.
    assert_eq!(h.client.write_transfer(id, &file[6000..]).unwrap(), 4000);
    h.drain();
    wire.extend(raw_sent(&mut h, direct));
    assert_eq!(h.take(), [progress(id, SIZE)]);
    assert_eq!(unblock(&wire), file);
    h.input(direct, b"BYE 16777989\r\n");
    assert_eq!(
        h.take(),
        [format!("TransferEnded {{ id: {id:?}, result: Ok({SIZE}) }}")]
    );
    assert_eq!(h.closed, [direct]);
}

#[test]
fn reports_for_other_connections_or_past_what_is_unwritten_change_nothing_else() {
    let (mut h, id, direct, _) = sending(Some(2003));
    let file = file();
    assert_eq!(h.client.write_transfer(id, &file[..2000]).unwrap(), 2000);
    h.drain();
    assert_eq!(h.take(), [progress(id, 2000)]);
    assert_eq!(h.client.write_transfer(id, &file[2000..]).unwrap(), 0);
    // The notification connection's: not a direct one.
    let ns = h.ns;
    h.client.handle_written(ns, h.now, usize::MAX);
    h.drain();
    assert_eq!(h.take(), Vec::<String>::new());
    assert_eq!(h.client.write_transfer(id, &file[2000..]).unwrap(), 0);
    // More than is unwritten counts as all of it.
    h.client.handle_written(direct, h.now, usize::MAX);
    h.drain();
    assert_eq!(h.take(), [progress(id, 2000)]);
    assert_eq!(h.client.write_transfer(id, &file[2000..4000]).unwrap(), 2000);
    // Once the connection is gone, reports for it are ignored.
    h.client.handle_closed(direct, h.now);
    h.drain();
    h.client.handle_written(direct, h.now, 5);
    h.drain();
    let ended = h.take();
    assert_eq!(
        ended.last().map(String::as_str),
        Some(format!("TransferEnded {{ id: {id:?}, result: Err(ConnectionLost) }}").as_str()),
        "{ended:?}"
    );
}

#[test]
fn without_a_window_the_file_goes_without_any_report() {
    let (mut h, id, direct, _) = sending(None);
    let file = file();
    let mut wire = Vec::new();
    for piece in file.chunks(2000) {
        assert_eq!(h.client.write_transfer(id, piece).unwrap(), piece.len());
        h.drain();
        wire.extend(raw_sent(&mut h, direct));
    }
    let expected: Vec<_> = (1..=5).map(|n| progress(id, n * 2000)).collect();
    assert_eq!(h.take(), expected);
    assert_eq!(unblock(&wire), file);
}

/// What the sending side of [`a_slow_reader_over_loopback_tcp_keeps_the_senders_queue_within_the_window`]
/// keeps: its own socket queue, as a hand-written loop has one.
#[derive(Default)]
struct Sending {
    /// Transmits not yet taken by the socket.
    queue: Vec<u8>,
    /// The most `queue` ever held.
    most_queued: usize,
    /// Bytes the socket took.
    written: usize,
    /// Bytes of the file the client took.
    taken: usize,
    /// A `TransferAccepted` or `TransferProgress` came: the cue to write.
    cue: bool,
    ended: Option<String>,
}

impl Sending {
    /// One round of a non-blocking loop: drain the client, write what the socket
    /// takes (reporting it), write the file on a cue. Whether anything moved.
    fn round(&mut self, h: &mut Harness, socket: &mut TcpStream, id: TransferId, direct: ConnId) -> bool {
        let mut moved = false;
        loop {
            match h.client.poll_output() {
                ClientOutput::Transmit { conn, bytes } if conn == direct => {
                    self.queue.extend_from_slice(bytes);
                    moved = true;
                }
                ClientOutput::Event(
                    ClientEvent::TransferAccepted { .. } | ClientEvent::TransferProgress { .. },
                ) => {
                    self.cue = true;
                }
                ClientOutput::Event(event @ ClientEvent::TransferEnded { .. }) => {
                    self.ended = Some(format!("{event:?}"));
                }
                ClientOutput::Close { conn } if conn == direct => {}
                ClientOutput::Idle { .. } => break,
                other => panic!("{other:?}"),
            }
        }
        self.most_queued = self.most_queued.max(self.queue.len());
        while !self.queue.is_empty() {
            match socket.write(&self.queue) {
                Ok(n) => {
                    self.queue.drain(..n);
                    self.written += n;
                    h.client.handle_written(direct, h.now, n);
                    moved = true;
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) => panic!("{e}"),
            }
        }
        if std::mem::take(&mut self.cue) && self.taken < SIZE_TCP {
            let file = &FILE_TCP[..];
            let n = h.client.write_transfer(id, &file[self.taken..]).unwrap();
            self.taken += n;
            moved |= n > 0;
        }
        moved
    }
}

/// Large enough to fill both sockets' kernel buffers many times over, so that the
/// sender must stop.
const SIZE_TCP: usize = 24 * 1024 * 1024;
static FILE_TCP: std::sync::LazyLock<Vec<u8>> =
    std::sync::LazyLock::new(|| (0..SIZE_TCP).map(|i| (i % 251) as u8).collect());

/// A hand-written loop over a real loopback TCP connection, writing on the client's
/// cues only, against a receiver that reads nothing until the sender had to stop: the
/// bytes waiting in the loop's own queue never pass the window plus one transmit.
/// One thread, no clock: each step waits only for bytes known to be on their way.
#[test]
fn a_slow_reader_over_loopback_tcp_keeps_the_senders_queue_within_the_window() {
    const WINDOW: usize = 64 * 1024;
    let max_transmit = msnp::msnftp::MsnftpConfig::default().max_transmit;
    let mut config = ClientConfig::default();
    config.sync_lists = false;
    config.initial_status = None;
    config.transfer.msnftp = true;
    config.transfer.direct_write_window = Some(WINDOW);
    let mut h = Harness::signed_in_with(config, Dialect::Msnp8);
    let (_conversation, sb) = h.conversation_with_bob();
    let bob = Passport::try_from(BOB).unwrap();
    let id = h
        .client
        .send_file_msnftp(h.now, &bob, "big.bin", SIZE_TCP as u64)
        .unwrap();
    h.drain();
    let cookie: u32 = header(&h.sent_on(sb), "Invitation-Cookie").parse().unwrap();
    let mut accept = Vec::new();
    Invitation::accept(cookie).encode(&mut accept).unwrap();
    h.input(sb, &relayed(BOB, "Bob", &accept));
    let direct = h.listens.last().expect("a listen").0;
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let at = HostPort::new("127.0.0.1".to_owned(), listener.local_addr().unwrap().port()).unwrap();
    h.client.handle_listening(direct, h.now, &at);
    h.drain();
    let auth: u32 = header(&h.sent_on(sb), "AuthCookie").parse().unwrap();
    let mut receiver = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (mut socket, _) = listener.accept().unwrap();
    h.client.handle_connected(direct, h.now);

    // The handshake, blocking: each side reads exactly the line the other wrote.
    let mut send = Sending::default();
    let usr = format!("USR {BOB} {auth}\r\n");
    let fil = format!("FIL {SIZE_TCP}\r\n");
    for (line, reply) in [("VER MSNFTP\r\n", "VER MSNFTP\r\n"), (usr.as_str(), fil.as_str())] {
        receiver.write_all(line.as_bytes()).unwrap();
        let mut got = vec![0; line.len()];
        socket.read_exact(&mut got).unwrap();
        h.client.handle_input(direct, h.now, &got);
        assert!(send.round(&mut h, &mut socket, id, direct));
        let mut answer = vec![0; reply.len()];
        receiver.read_exact(&mut answer).unwrap();
        assert_eq!(String::from_utf8(answer).unwrap(), reply);
    }
    receiver.write_all(b"TFR\r\n").unwrap();
    let mut tfr = [0; 5];
    socket.read_exact(&mut tfr).unwrap();
    h.client.handle_input(direct, h.now, &tfr);
    // From here the loop never waits on the socket, and the receiver counts what
    // comes after the lines it read.
    socket.set_nonblocking(true).unwrap();
    send.written = 0;

    // The receiver reads nothing: the loop runs until neither the socket nor the
    // client takes more.
    while send.round(&mut h, &mut socket, id, direct) {}
    assert!(
        send.taken < SIZE_TCP,
        "the sender stopped before the end of the file"
    );
    assert!(!send.queue.is_empty(), "stopped by the socket");

    // The receiver reads what is on its way; the loop goes on as the socket takes more.
    let mut wire = Vec::new();
    let mut buf = vec![0; 64 * 1024];
    while send.taken < SIZE_TCP || !send.queue.is_empty() || wire.len() < send.written {
        let moved = send.round(&mut h, &mut socket, id, direct);
        if wire.len() < send.written {
            let n = receiver.read(&mut buf).unwrap();
            assert!(n > 0, "the sender's socket closed");
            wire.extend_from_slice(&buf[..n]);
        } else if !moved {
            // The receiver has all the socket took, and the socket takes no more: its
            // buffer frees once the receiver's acknowledgements come back, which a
            // blocking write waits for. With nothing queued the send stalled.
            assert!(!send.queue.is_empty(), "the send stalled at {} bytes", send.taken);
            socket.set_nonblocking(false).unwrap();
            let n = socket.write(&send.queue).unwrap();
            socket.set_nonblocking(true).unwrap();
            send.queue.drain(..n);
            send.written += n;
            h.client.handle_written(direct, h.now, n);
        }
    }
    assert!(
        send.most_queued < WINDOW + max_transmit,
        "{} bytes waited for the socket",
        send.most_queued
    );
    assert!(unblock(&wire) == *FILE_TCP, "the file arrived damaged");

    socket.set_nonblocking(false).unwrap();
    receiver.write_all(b"BYE 16777989\r\n").unwrap();
    let mut bye = [0; 14];
    socket.read_exact(&mut bye).unwrap();
    h.client.handle_input(direct, h.now, &bye);
    send.round(&mut h, &mut socket, id, direct);
    assert_eq!(
        send.ended,
        Some(format!("TransferEnded {{ id: {id:?}, result: Ok({SIZE_TCP}) }}"))
    );
}
