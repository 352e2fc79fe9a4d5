//! MSNFTP over real loopback TCP: a sender and a receiver, each on its own thread with
//! a plain blocking `std::net` run loop (the shape a driver will take), move files of
//! 0 bytes, 1 byte and 8 MiB; a connection cut mid-transfer ends both sides with
//! [`Failure::ConnectionLost`].

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use msnp::codec::Passport;
use msnp::msnftp::{Failure, MsnftpConfig, Receiver, ReceiverEvent, Sender};
use msnp::{Output, Secret};

const COOKIE: u32 = 2_718_281_828;

/// Deterministic bytes that do not repeat with a block's period.
fn file(len: usize) -> Vec<u8> {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 56) as u8
        })
        .collect()
}

/// The listening side: accepts one connection and serves `data` through a [`Sender`].
fn serve(listener: TcpListener, data: Vec<u8>) -> Result<u64, Failure> {
    let (mut stream, _) = listener.accept().unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut tx = Sender::new(
        MsnftpConfig::default(),
        Secret::new(COOKIE),
        data.len() as u64,
        Instant::now(),
    );
    let mut at = 0;
    let mut buf = vec![0; 4096];
    loop {
        // Drain: write every transmit; feed data while the sender wants it.
        loop {
            match tx.poll_output() {
                Output::Transmit(bytes) => {
                    if stream.write_all(bytes).is_err() {
                        tx.handle_closed(Instant::now());
                    }
                }
                Output::Event(_) => {}
                Output::Idle { .. } => {
                    if !tx.wants_data() {
                        break;
                    }
                    let end = (at + 16 * 1024).min(data.len());
                    at += tx.write(Instant::now(), &data[at..end]).unwrap();
                }
            }
        }
        if let Some(outcome) = tx.outcome() {
            return outcome.clone();
        }
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => tx.handle_closed(Instant::now()),
            Ok(n) => tx.handle_input(Instant::now(), &buf[..n]),
        }
    }
}

/// The connecting side: receives into memory; `cut_after` closes the connection once
/// that many bytes arrived.
fn fetch(port: u16, size: u64, cut_after: Option<usize>) -> (Vec<u8>, Result<u64, Failure>) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let bob = Passport::try_from("bob@passport.com").unwrap();
    let mut rx = Receiver::new(MsnftpConfig::default(), bob, Secret::new(COOKIE), Instant::now());
    rx.expect_size(size).unwrap();
    let mut file = Vec::new();
    let mut buf = vec![0; 64 * 1024];
    loop {
        loop {
            match rx.poll_output() {
                Output::Transmit(bytes) => {
                    if stream.write_all(bytes).is_err() {
                        rx.handle_closed(Instant::now());
                    }
                }
                Output::Event(ReceiverEvent::Data(data)) => file.extend_from_slice(data),
                Output::Event(_) => {}
                Output::Idle { .. } => break,
            }
        }
        if let Some(outcome) = rx.outcome() {
            let _ = stream.flush();
            return (file, outcome.clone());
        }
        if cut_after.is_some_and(|cut| file.len() >= cut) {
            // Cut while the sender still writes: it sees a reset or EOF, never a BYE.
            let _ = stream.shutdown(Shutdown::Both);
            rx.handle_closed(Instant::now());
            continue;
        }
        match stream.read(&mut buf) {
            Ok(0) => rx.handle_closed(Instant::now()),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => rx.handle_closed(Instant::now()),
            Ok(n) => rx.handle_input(Instant::now(), &buf[..n]),
        }
    }
}

/// What one transfer gave: the file, what arrived, and each side's outcome.
struct Run {
    data: Vec<u8>,
    got: Vec<u8>,
    sent: Result<u64, Failure>,
    received: Result<u64, Failure>,
}

fn transfer(len: usize, cut_after: Option<usize>) -> Run {
    let listener = TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let port = listener.local_addr().unwrap().port();
    let data = file(len);
    let served = data.clone();
    let server = thread::spawn(move || serve(listener, served));
    let (got, received) = fetch(port, len as u64, cut_after);
    let sent = server.join().unwrap();
    Run {
        data,
        got,
        sent,
        received,
    }
}

#[test]
fn files_of_every_size_cross_loopback_tcp() {
    for len in [0, 1, 8 << 20] {
        let Run {
            data,
            got,
            sent,
            received,
        } = transfer(len, None);
        assert_eq!(received, Ok(len as u64), "{len}");
        assert_eq!(sent, Ok(len as u64), "{len}");
        assert!(got == data, "{len}: the bytes differ");
    }
}

#[test]
fn a_cut_connection_fails_both_sides() {
    let Run {
        got, sent, received, ..
    } = transfer(8 << 20, Some(1 << 20));
    assert!(got.len() >= 1 << 20 && got.len() < 8 << 20);
    assert_eq!(received, Err(Failure::ConnectionLost));
    assert_eq!(sent, Err(Failure::ConnectionLost));
}
