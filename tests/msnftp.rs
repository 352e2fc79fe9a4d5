//! MSNFTP over its TCP connection: both roles against exact bytes, every way a transfer
//! ends, the bounds, and the two machines wired to each other in memory.

use std::time::{Duration, Instant};

use msnp::codec::Passport;
use msnp::msnftp::{
    ByeCode, Failure, MsnftpConfig, MsnftpError, ProtocolViolation, Receiver, ReceiverEvent, Sender,
    SenderEvent,
};
use msnp::{Output, Secret};
use proptest::prelude::*;

const COOKIE: u32 = 1234;

/// What a receiver did, owned so a whole run can be compared at once.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Rx {
    Tx(Vec<u8>),
    Started(u64),
    Data(Vec<u8>),
    Progress(u64, u64),
    Completed(u64),
    Failed(Failure),
}

/// What a sender did.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tx {
    Tx(Vec<u8>),
    Ev(SenderEvent),
}

fn bob() -> Passport<'static> {
    Passport::try_from("bob@passport.com").unwrap()
}

fn receiver(now: Instant) -> Receiver {
    Receiver::new(MsnftpConfig::default(), bob(), Secret::new(COOKIE), now)
}

fn sender(size: u64, now: Instant) -> Sender {
    Sender::new(MsnftpConfig::default(), Secret::new(COOKIE), size, now)
}

fn drain_rx(rx: &mut Receiver) -> Vec<Rx> {
    let mut out = Vec::new();
    for _ in 0..100_000 {
        match rx.poll_output() {
            Output::Transmit(bytes) => out.push(Rx::Tx(bytes.to_vec())),
            Output::Event(event) => out.push(match event {
                ReceiverEvent::Started { size } => Rx::Started(size),
                ReceiverEvent::Data(data) => Rx::Data(data.to_vec()),
                ReceiverEvent::Progress { received, total } => Rx::Progress(received, total),
                ReceiverEvent::Completed { bytes } => Rx::Completed(bytes),
                ReceiverEvent::Failed(failure) => Rx::Failed(failure),
                other => panic!("unknown event {other:?}"),
            }),
            Output::Idle { .. } => return out,
        }
    }
    panic!("the receiver never went idle");
}

fn drain_tx(tx: &mut Sender) -> Vec<Tx> {
    let mut out = Vec::new();
    for _ in 0..100_000 {
        match tx.poll_output() {
            Output::Transmit(bytes) => out.push(Tx::Tx(bytes.to_vec())),
            Output::Event(event) => out.push(Tx::Ev(event)),
            Output::Idle { .. } => return out,
        }
    }
    panic!("the sender never went idle");
}

fn rx_feed(rx: &mut Receiver, now: Instant, bytes: &[u8]) -> Vec<Rx> {
    rx.handle_input(now, bytes);
    drain_rx(rx)
}

fn tx_feed(tx: &mut Sender, now: Instant, bytes: &[u8]) -> Vec<Tx> {
    tx.handle_input(now, bytes);
    drain_tx(tx)
}

fn wire(bytes: &[u8]) -> Rx {
    Rx::Tx(bytes.to_vec())
}

fn sent(bytes: &[u8]) -> Tx {
    Tx::Tx(bytes.to_vec())
}

/// A block as the official client frames it.
fn block(data: &[u8]) -> Vec<u8> {
    let len = u16::try_from(data.len()).unwrap().to_le_bytes();
    let mut out = vec![0, len[0], len[1]];
    out.extend_from_slice(data);
    out
}

/// A receiver taken through the handshake to the first block of a `size`-byte file.
fn receiving(size: u64, now: Instant) -> Receiver {
    let mut rx = receiver(now);
    drain_rx(&mut rx);
    rx_feed(&mut rx, now, b"VER MSNFTP\r\n");
    let fil = format!("FIL {size}\r\n");
    let out = rx_feed(&mut rx, now, fil.as_bytes());
    assert_eq!(out[..2], [wire(b"TFR\r\n"), Rx::Started(size)]);
    rx
}

/// A sender taken through the handshake to `TFR`.
fn sending(size: u64, now: Instant) -> Sender {
    let mut tx = sender(size, now);
    let out = tx_feed(
        &mut tx,
        now,
        b"VER MSNFTP\r\nUSR bob@passport.com 1234\r\nTFR\r\n",
    );
    assert!(out.contains(&Tx::Ev(SenderEvent::TransferStarted)), "{out:?}");
    tx
}

// ----- transcripts -----

#[test]
fn receiver_transcript() {
    let now = Instant::now();
    let mut rx = receiver(now);
    assert_eq!(drain_rx(&mut rx), [wire(b"VER MSNFTP\r\n")]);
    assert_eq!(
        rx_feed(&mut rx, now, b"VER MSNFTP\r\n"),
        [wire(b"USR bob@passport.com 1234\r\n")]
    );
    assert_eq!(
        rx_feed(&mut rx, now, b"FIL 11\r\n"),
        [wire(b"TFR\r\n"), Rx::Started(11)]
    );
    // [YW msnftp]'s example block.
    assert_eq!(
        rx_feed(&mut rx, now, b"\x00\x0b\x00hello world"),
        [
            Rx::Data(b"hello world".to_vec()),
            wire(b"BYE 16777989\r\n"),
            Rx::Progress(11, 11),
            Rx::Completed(11),
        ]
    );
    assert_eq!(rx.outcome(), Some(&Ok(11)));
    // The sender's end block after the last byte, and anything else, is ignored.
    assert_eq!(rx_feed(&mut rx, now, b"\x01\x00\x00"), []);
    assert_eq!(rx.buffered(), 0);
}

#[test]
fn sender_transcript() {
    let now = Instant::now();
    let mut tx = sender(11, now);
    assert_eq!(drain_tx(&mut tx), []);
    assert_eq!(
        tx_feed(&mut tx, now, b"VER MSNFTP\r\n"),
        [sent(b"VER MSNFTP\r\n")]
    );
    assert_eq!(
        tx_feed(&mut tx, now, b"USR bob@passport.com 1234\r\n"),
        [
            sent(b"FIL 11\r\n"),
            Tx::Ev(SenderEvent::Authenticated {
                handle: "bob@passport.com".into()
            }),
        ]
    );
    assert!(!tx.wants_data());
    assert_eq!(tx.write(now, b"hello world"), Ok(0), "no data before TFR");
    assert_eq!(
        tx_feed(&mut tx, now, b"TFR\r\n"),
        [Tx::Ev(SenderEvent::TransferStarted)]
    );
    assert!(tx.wants_data());
    assert_eq!(tx.write(now, b"hello world"), Ok(11));
    assert!(!tx.wants_data());
    assert_eq!(
        drain_tx(&mut tx),
        [
            sent(b"\x00\x0b\x00hello world"),
            Tx::Ev(SenderEvent::Progress { sent: 11, total: 11 }),
            Tx::Ev(SenderEvent::AllSent { bytes: 11 }),
        ]
    );
    assert_eq!(tx.outcome(), None, "sent, unconfirmed");
    assert_eq!(
        tx_feed(&mut tx, now, b"BYE 16777989\r\n"),
        [Tx::Ev(SenderEvent::Completed { bytes: 11 })]
    );
    assert_eq!(tx.outcome(), Some(&Ok(11)));
}

#[test]
fn lines_may_end_with_a_bare_lf_and_ver_may_list_more_versions() {
    let now = Instant::now();
    let mut rx = receiver(now);
    drain_rx(&mut rx);
    assert_eq!(
        rx_feed(&mut rx, now, b"VER MSNFTP2 MSNFTP\n"),
        [wire(b"USR bob@passport.com 1234\r\n")]
    );
    let mut tx = sender(1, now);
    assert_eq!(
        tx_feed(&mut tx, now, b"VER MSNP8 MSNFTP\nUSR bob@passport.com 1234\n"),
        [
            sent(b"VER MSNFTP\r\n"),
            sent(b"FIL 1\r\n"),
            Tx::Ev(SenderEvent::Authenticated {
                handle: "bob@passport.com".into()
            }),
        ]
    );
}

#[test]
fn empty_file() {
    let now = Instant::now();
    let mut rx = receiver(now);
    drain_rx(&mut rx);
    rx_feed(&mut rx, now, b"VER MSNFTP\r\n");
    assert_eq!(
        rx_feed(&mut rx, now, b"FIL 0\r\n"),
        [
            wire(b"TFR\r\nBYE 16777989\r\n"),
            Rx::Started(0),
            Rx::Progress(0, 0),
            Rx::Completed(0)
        ]
    );
    let mut tx = sender(0, now);
    let out = tx_feed(
        &mut tx,
        now,
        b"VER MSNFTP\r\nUSR bob@passport.com 1234\r\nTFR\r\n",
    );
    assert_eq!(
        out[out.len() - 3..],
        [
            Tx::Ev(SenderEvent::TransferStarted),
            // No block carries an empty file: the machine tells its one progress itself.
            Tx::Ev(SenderEvent::Progress { sent: 0, total: 0 }),
            Tx::Ev(SenderEvent::AllSent { bytes: 0 })
        ]
    );
    assert!(!tx.wants_data());
    assert_eq!(
        tx.write(now, b"x"),
        Err(MsnftpError::MoreThanAnnounced { size: 0 })
    );
    assert_eq!(tx.write(now, b""), Ok(0));
    assert_eq!(
        tx_feed(&mut tx, now, b"BYE 16777989\r\n"),
        [Tx::Ev(SenderEvent::Completed { bytes: 0 })]
    );
}

#[test]
fn one_byte_file() {
    let now = Instant::now();
    let mut tx = sending(1, now);
    assert_eq!(tx.write(now, b"xy"), Ok(1), "never more than announced");
    assert_eq!(drain_tx(&mut tx)[0], sent(b"\x00\x01\x00x"));
    let mut rx = receiving(1, now);
    assert_eq!(
        rx_feed(&mut rx, now, b"\x00\x01\x00x"),
        [
            Rx::Data(b"x".to_vec()),
            wire(b"BYE 16777989\r\n"),
            Rx::Progress(1, 1),
            Rx::Completed(1)
        ]
    );
}

#[test]
fn blocks_hold_at_most_2045_bytes() {
    let now = Instant::now();
    for (size, blocks) in [
        (2045, vec![2045]),
        (2046, vec![2045, 1]),
        (5000, vec![2045, 2045, 910]),
    ] {
        let data: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
        let mut tx = sending(size as u64, now);
        assert_eq!(tx.write(now, &data), Ok(size));
        let out = drain_tx(&mut tx);
        let mut expected = Vec::new();
        let mut at = 0;
        for len in blocks {
            expected.extend(block(&data[at..at + len]));
            at += len;
        }
        assert_eq!(out[0], Tx::Tx(expected.clone()), "{size}");
        // And the receiver takes exactly these bytes.
        let mut rx = receiving(size as u64, now);
        let got: Vec<u8> = rx_feed(&mut rx, now, &expected)
            .into_iter()
            .filter_map(|o| if let Rx::Data(d) = o { Some(d) } else { None })
            .flatten()
            .collect();
        assert_eq!(got, data);
        assert_eq!(rx.outcome(), Some(&Ok(size as u64)));
    }
}

#[test]
fn small_writes_fill_blocks_between_transmits() {
    let now = Instant::now();
    let mut tx = sending(2050, now);
    for _ in 0..2050 {
        assert_eq!(tx.write(now, b"z"), Ok(1));
    }
    let mut expected = block(&[b'z'; 2045]);
    expected.extend(block(&[b'z'; 5]));
    assert_eq!(drain_tx(&mut tx)[0], Tx::Tx(expected));
}

#[test]
fn the_receiver_takes_blocks_longer_than_2045() {
    let now = Instant::now();
    let data = vec![7u8; 3000];
    let mut rx = receiving(3000, now);
    let out = rx_feed(&mut rx, now, &block(&data));
    assert_eq!(out[0], Rx::Data(data));
    assert_eq!(rx.outcome(), Some(&Ok(3000)));
}

// ----- endings: the receiver -----

fn last_rx(out: &[Rx]) -> &Rx {
    out.last().unwrap()
}

#[test]
fn receiver_refuses_a_sender_without_msnftp() {
    let now = Instant::now();
    let mut rx = receiver(now);
    drain_rx(&mut rx);
    let out = rx_feed(&mut rx, now, b"VER MSNP8\r\n");
    assert_eq!(
        out,
        [Rx::Failed(Failure::ProtocolViolation(
            ProtocolViolation::VersionRefused
        ))]
    );
}

#[test]
fn receiver_fails_on_a_line_it_does_not_expect() {
    let now = Instant::now();
    let mut rx = receiver(now);
    drain_rx(&mut rx);
    let out = rx_feed(&mut rx, now, b"FIL 10\r\n");
    assert_eq!(
        out,
        [Rx::Failed(Failure::ProtocolViolation(
            ProtocolViolation::UnexpectedLine {
                verb: "FIL",
                state: "before the version exchange"
            }
        ))]
    );
    let mut rx = receiver(now);
    drain_rx(&mut rx);
    rx_feed(&mut rx, now, b"VER MSNFTP\r\n");
    for bad in [
        &b"FIL -1\r\n"[..],
        b"FIL 1 2\r\n",
        b"FIL\r\n",
        b"FIL 99999999999999999999\r\n",
    ] {
        let mut rx2 = receiver(now);
        drain_rx(&mut rx2);
        rx_feed(&mut rx2, now, b"VER MSNFTP\r\n");
        assert!(
            matches!(
                last_rx(&rx_feed(&mut rx2, now, bad)),
                Rx::Failed(Failure::ProtocolViolation(
                    ProtocolViolation::UnexpectedLine { .. }
                ))
            ),
            "{bad:?}"
        );
    }
}

#[test]
fn receiver_bounds_lines() {
    let now = Instant::now();
    let mut rx = receiver(now);
    drain_rx(&mut rx);
    let out = rx_feed(&mut rx, now, &[b'V'; 512]);
    assert_eq!(
        out,
        [Rx::Failed(Failure::ProtocolViolation(
            ProtocolViolation::LineTooLong { max: 512 }
        ))]
    );
}

#[test]
fn sender_closing_after_usr_means_a_wrong_cookie() {
    let now = Instant::now();
    let mut rx = receiver(now);
    drain_rx(&mut rx);
    rx_feed(&mut rx, now, b"VER MSNFTP\r\n");
    rx.handle_closed(now);
    assert_eq!(drain_rx(&mut rx), [Rx::Failed(Failure::AuthenticationFailed)]);
}

#[test]
fn end_block_before_every_byte_is_a_cancel() {
    let now = Instant::now();
    let mut rx = receiving(10, now);
    let out = rx_feed(&mut rx, now, b"\x00\x03\x00abc\x01\x00\x00");
    assert_eq!(
        out,
        [
            Rx::Data(b"abc".to_vec()),
            Rx::Progress(3, 10),
            Rx::Failed(Failure::CancelledByPeer)
        ]
    );
    assert_eq!((rx.size(), rx.received()), (Some(10), 3));
    assert_eq!(rx.outcome(), Some(&Err(Failure::CancelledByPeer)));
}

#[test]
fn more_data_than_announced_is_a_size_mismatch() {
    let now = Instant::now();
    let mut rx = receiving(5, now);
    let out = rx_feed(&mut rx, now, &block(b"hello world"));
    assert_eq!(
        out,
        [
            wire(b"CCL\r\n"),
            Rx::Failed(Failure::SizeMismatch {
                expected: 5,
                transferred: 11
            })
        ]
    );
}

#[test]
fn a_file_over_the_limit_is_cancelled() {
    let now = Instant::now();
    let config = MsnftpConfig {
        max_file_size: 100,
        ..MsnftpConfig::default()
    };
    let mut rx = Receiver::new(config, bob(), Secret::new(COOKIE), now);
    drain_rx(&mut rx);
    rx_feed(&mut rx, now, b"VER MSNFTP\r\n");
    assert_eq!(
        rx_feed(&mut rx, now, b"FIL 101\r\n"),
        [
            wire(b"CCL\r\n"),
            Rx::Failed(Failure::FileTooLarge { size: 101, max: 100 })
        ]
    );
}

#[test]
fn a_size_other_than_invited_is_cancelled() {
    let now = Instant::now();
    let mut rx = receiver(now);
    rx.expect_size(60904).unwrap();
    drain_rx(&mut rx);
    rx_feed(&mut rx, now, b"VER MSNFTP\r\n");
    assert_eq!(
        rx_feed(&mut rx, now, b"FIL 60905\r\n"),
        [
            wire(b"CCL\r\n"),
            Rx::Failed(Failure::SizeNotAsInvited {
                invited: 60904,
                announced: 60905
            })
        ]
    );
    let mut rx = receiving(3, now);
    assert_eq!(rx.expect_size(3), Err(MsnftpError::TooLate));
}

#[test]
fn receiver_loses_the_connection_mid_transfer() {
    let now = Instant::now();
    let mut rx = receiving(10, now);
    rx.handle_input(now, b"\x00\x04\x00abcd");
    rx.handle_closed(now);
    // What arrived before the close is still handed out; nothing is transmitted after.
    assert_eq!(
        drain_rx(&mut rx),
        [
            Rx::Data(b"abcd".to_vec()),
            Rx::Progress(4, 10),
            Rx::Failed(Failure::ConnectionLost)
        ]
    );
}

#[test]
fn the_last_bytes_before_a_close_still_complete() {
    let now = Instant::now();
    let mut rx = receiving(4, now);
    rx.handle_input(now, b"\x00\x04\x00abcd");
    rx.handle_closed(now);
    let out = drain_rx(&mut rx);
    assert_eq!(
        out,
        [Rx::Data(b"abcd".to_vec()), Rx::Progress(4, 4), Rx::Completed(4)]
    );
}

#[test]
fn receiver_times_out() {
    let now = Instant::now();
    let mut rx = receiving(10, now);
    let due = now + Duration::from_secs(60);
    assert_eq!(rx.poll_timeout(), Some(due));
    rx.handle_timeout(due - Duration::from_millis(1));
    assert_eq!(drain_rx(&mut rx), []);
    rx.handle_input(now + Duration::from_secs(30), b"\x00\x01");
    assert_eq!(rx.poll_timeout(), Some(now + Duration::from_secs(90)));
    rx.handle_timeout(now + Duration::from_secs(90));
    assert_eq!(
        drain_rx(&mut rx),
        [wire(b"BYE 2164261694\r\n"), Rx::Failed(Failure::TimedOut)]
    );
    assert_eq!(rx.poll_timeout(), None);
}

#[test]
fn duration_max_never_times_out() {
    let now = Instant::now();
    let config = MsnftpConfig {
        idle_timeout: Duration::MAX,
        ..MsnftpConfig::default()
    };
    let mut rx = Receiver::new(config.clone(), bob(), Secret::new(COOKIE), now);
    assert_eq!(rx.poll_timeout(), None);
    rx.handle_timeout(now + Duration::from_secs(1 << 40));
    assert_eq!(drain_rx(&mut rx), [wire(b"VER MSNFTP\r\n")]);
    let mut tx = Sender::new(config, Secret::new(COOKIE), 1, now);
    assert_eq!(tx.poll_timeout(), None);
    tx.handle_timeout(now + Duration::from_secs(1 << 40));
    assert!(!tx.is_finished());
}

#[test]
fn receiver_cancels() {
    let now = Instant::now();
    let mut rx = receiving(10, now);
    rx.cancel(now).unwrap();
    assert_eq!(
        drain_rx(&mut rx),
        [wire(b"CCL\r\n"), Rx::Failed(Failure::CancelledLocally)]
    );
    assert_eq!(rx.cancel(now), Err(MsnftpError::Finished));
    assert_eq!(rx.expect_size(1), Err(MsnftpError::Finished));
    assert_eq!(rx_feed(&mut rx, now, &block(b"late")), []);
}

// ----- endings: the sender -----

#[test]
fn sender_refuses_a_wrong_cookie() {
    let now = Instant::now();
    for usr in [
        &b"USR bob@passport.com 1235\r\n"[..],
        b"USR bob@passport.com\r\n",
        b"USR bob@passport.com x1234\r\n",
        b"USR bob@passport.com 1234 more\r\n",
    ] {
        let mut tx = sender(5, now);
        tx_feed(&mut tx, now, b"VER MSNFTP\r\n");
        assert_eq!(
            tx_feed(&mut tx, now, usr),
            [Tx::Ev(SenderEvent::Failed(Failure::AuthenticationFailed))],
            "{usr:?}"
        );
        assert_eq!(tx_feed(&mut tx, now, b"TFR\r\n"), []);
    }
}

#[test]
fn sender_refuses_a_receiver_without_msnftp() {
    let now = Instant::now();
    let mut tx = sender(5, now);
    assert_eq!(
        tx_feed(&mut tx, now, b"VER MSNP8\r\n"),
        [Tx::Ev(SenderEvent::Failed(Failure::ProtocolViolation(
            ProtocolViolation::VersionRefused
        )))]
    );
}

#[test]
fn receiver_byes_end_the_sender() {
    let now = Instant::now();
    let cases = [
        (&b"CCL\r\n"[..], Failure::CancelledByPeer),
        (b"BYE 2164261682\r\n", Failure::CancelledByPeer),
        (b"BYE 2147942405\r\n", Failure::PeerEnded(ByeCode::DiskFull)),
        (b"BYE 2164261694\r\n", Failure::PeerEnded(ByeCode::TimedOut)),
        (b"BYE 7\r\n", Failure::PeerEnded(ByeCode::Other(7))),
        (
            b"BYE 16777989\r\n",
            Failure::SizeMismatch {
                expected: 10,
                transferred: 4,
            },
        ),
    ];
    for (line, failure) in cases {
        let mut tx = sending(10, now);
        tx.write(now, b"abcd").unwrap();
        drain_tx(&mut tx);
        assert_eq!(
            tx_feed(&mut tx, now, line),
            [Tx::Ev(SenderEvent::Failed(failure.clone()))],
            "{line:?}"
        );
        assert_eq!(tx.outcome(), Some(&Err(failure)));
        assert_eq!(tx.write(now, b"x"), Err(MsnftpError::Finished));
    }
}

#[test]
fn a_receiver_may_cancel_before_tfr() {
    let now = Instant::now();
    let mut tx = sender(10, now);
    let out = tx_feed(
        &mut tx,
        now,
        b"VER MSNFTP\r\nUSR bob@passport.com 1234\r\nCCL\r\n",
    );
    assert_eq!(
        out.last(),
        Some(&Tx::Ev(SenderEvent::Failed(Failure::CancelledByPeer)))
    );
}

#[test]
fn sender_source_ending_early_is_a_size_mismatch() {
    let now = Instant::now();
    let mut tx = sending(10, now);
    tx.write(now, b"abcd").unwrap();
    tx.finish(now).unwrap();
    assert_eq!(
        drain_tx(&mut tx),
        [
            sent(b"\x00\x04\x00abcd\x01\x00\x00"),
            Tx::Ev(SenderEvent::Failed(Failure::SizeMismatch {
                expected: 10,
                transferred: 4
            })),
        ]
    );
    let mut tx = sending(4, now);
    tx.write(now, b"abcd").unwrap();
    assert_eq!(tx.finish(now), Ok(()), "every byte was written");
    assert!(!tx.is_finished());
}

#[test]
fn sender_cancels() {
    let now = Instant::now();
    let mut tx = sending(10, now);
    tx.cancel(now).unwrap();
    assert_eq!(
        drain_tx(&mut tx),
        [
            sent(b"\x01\x00\x00"),
            Tx::Ev(SenderEvent::Failed(Failure::CancelledLocally))
        ]
    );
    assert_eq!(tx.cancel(now), Err(MsnftpError::Finished));
    assert_eq!(tx.finish(now), Err(MsnftpError::Finished));
}

#[test]
fn all_sent_without_bye_is_not_a_success() {
    let now = Instant::now();
    let mut tx = sending(4, now);
    tx.write(now, b"abcd").unwrap();
    let out = drain_tx(&mut tx);
    assert_eq!(out.last(), Some(&Tx::Ev(SenderEvent::AllSent { bytes: 4 })));
    tx.handle_closed(now);
    assert_eq!(
        drain_tx(&mut tx),
        [Tx::Ev(SenderEvent::Failed(Failure::ConnectionLost))]
    );
}

#[test]
fn sender_times_out_only_while_it_waits_for_the_receiver() {
    let now = Instant::now();
    let mut tx = sender(10, now);
    assert_eq!(tx.poll_timeout(), Some(now + Duration::from_secs(60)));
    let mut tx2 = sending(10, now);
    assert_eq!(tx2.poll_timeout(), None, "waiting for the caller's data");
    tx2.handle_timeout(now + Duration::from_secs(3600));
    assert!(!tx2.is_finished());
    tx2.write(now + Duration::from_secs(3600), &[0; 10]).unwrap();
    assert_eq!(tx2.poll_timeout(), Some(now + Duration::from_secs(3660)));
    tx.handle_timeout(now + Duration::from_secs(60));
    assert_eq!(
        drain_tx(&mut tx),
        [Tx::Ev(SenderEvent::Failed(Failure::TimedOut))]
    );
}

#[test]
fn sender_bounds_lines_and_transmits() {
    let now = Instant::now();
    let mut tx = sender(10, now);
    assert_eq!(
        tx_feed(&mut tx, now, &[b'U'; 600]),
        [Tx::Ev(SenderEvent::Failed(Failure::ProtocolViolation(
            ProtocolViolation::LineTooLong { max: 512 }
        )))]
    );
    let config = MsnftpConfig {
        max_transmit: 4096,
        ..MsnftpConfig::default()
    };
    let mut tx = Sender::new(config, Secret::new(COOKIE), 1 << 20, now);
    tx_feed(
        &mut tx,
        now,
        b"VER MSNFTP\r\nUSR bob@passport.com 1234\r\nTFR\r\n",
    );
    let data = vec![1u8; 1 << 20];
    assert_eq!(tx.write(now, &data), Ok(4096 - 6), "two headers and what fits");
    assert!(!tx.wants_data());
    assert_eq!(tx.write(now, &data), Ok(0));
    let Tx::Tx(bytes) = &drain_tx(&mut tx)[0] else {
        panic!()
    };
    assert_eq!(bytes.len(), 4096);
    assert!(tx.wants_data());
}

#[test]
fn degenerate_settings_still_transfer_or_fail_cleanly() {
    let now = Instant::now();
    // A transmit limit below one block still moves a byte per transmit.
    let tiny = MsnftpConfig {
        max_transmit: 0,
        ..MsnftpConfig::default()
    };
    let mut tx = Sender::new(tiny, Secret::new(COOKIE), 2, now);
    tx_feed(
        &mut tx,
        now,
        b"VER MSNFTP\r\nUSR bob@passport.com 1234\r\nTFR\r\n",
    );
    assert!(tx.wants_data());
    assert_eq!(tx.write(now, b"ab"), Ok(1));
    assert_eq!(drain_tx(&mut tx)[0], sent(b"\x00\x01\x00a"));
    assert_eq!(tx.write(now, b"b"), Ok(1));
    // No line fits in zero bytes, but nothing fails before a byte arrives.
    let blind = MsnftpConfig {
        max_line_len: 0,
        ..MsnftpConfig::default()
    };
    let mut rx = Receiver::new(blind, bob(), Secret::new(COOKIE), now);
    assert_eq!(drain_rx(&mut rx), [wire(b"VER MSNFTP\r\n")]);
    assert_eq!(
        rx_feed(&mut rx, now, b"V"),
        [Rx::Failed(Failure::ProtocolViolation(
            ProtocolViolation::LineTooLong { max: 0 }
        ))]
    );
}

#[test]
fn every_failure_reads_as_a_sentence() {
    let failures = [
        Failure::CancelledByPeer,
        Failure::PeerEnded(ByeCode::DiskFull),
        Failure::PeerEnded(ByeCode::Other(9)),
        Failure::CancelledLocally,
        Failure::SizeMismatch {
            expected: 3,
            transferred: 2,
        },
        Failure::SizeNotAsInvited {
            invited: 1,
            announced: 2,
        },
        Failure::FileTooLarge { size: 5, max: 4 },
        Failure::AuthenticationFailed,
        Failure::ConnectionLost,
        Failure::TimedOut,
        Failure::ProtocolViolation(ProtocolViolation::VersionRefused),
        Failure::ProtocolViolation(ProtocolViolation::LineTooLong { max: 8 }),
        Failure::ProtocolViolation(ProtocolViolation::UnexpectedLine {
            verb: "?",
            state: "during the transfer",
        }),
    ];
    for failure in failures {
        let text = failure.to_string();
        assert!(text.starts_with("the ") || text.starts_with("you "), "{text}");
        assert!(!text.contains('{') && !text.contains("::"), "{text}");
    }
    assert_eq!(
        Failure::PeerEnded(ByeCode::DiskFull).to_string(),
        "the transfer was stopped: the receiver ran out of disk space"
    );
}

// ----- secrets -----

#[test]
fn debug_never_shows_the_auth_cookie() {
    let now = Instant::now();
    let cookie: u32 = 0xDEAD_BEEF;
    let printed = std::cell::RefCell::new(Vec::new());
    let debug = |value: &dyn std::fmt::Debug| {
        printed.borrow_mut().push(format!("{value:?}"));
        printed.borrow_mut().push(format!("{value:#?}"));
    };
    let mut rx = Receiver::new(MsnftpConfig::default(), bob(), Secret::new(cookie), now);
    let mut tx = Sender::new(MsnftpConfig::default(), Secret::new(cookie), 3, now);
    let mut wire_seen = Vec::new();
    debug(&rx);
    debug(&tx);
    for _ in 0..8 {
        loop {
            let output = rx.poll_output();
            debug(&output);
            match output {
                Output::Transmit(bytes) => wire_seen.push(bytes.to_vec()),
                Output::Event(_) => {}
                Output::Idle { .. } => break,
            }
        }
        for bytes in wire_seen.drain(..) {
            tx.handle_input(now, &bytes);
            debug(&tx);
        }
        loop {
            let output = tx.poll_output();
            debug(&output);
            match output {
                Output::Transmit(bytes) => rx.handle_input(now, bytes),
                Output::Event(_) => {}
                Output::Idle { .. } => break,
            }
        }
        let _ = tx.write(now, b"abc");
        debug(&rx);
        debug(&tx);
    }
    assert_eq!(tx.outcome(), Some(&Ok(3)), "the cookie went over the wire");
    // A wrong cookie: the failure, the machine and the error say nothing of either.
    let mut bad = Sender::new(MsnftpConfig::default(), Secret::new(cookie), 3, now);
    bad.handle_input(now, format!("VER MSNFTP\r\nUSR x {}\r\n", cookie - 1).as_bytes());
    debug(&bad);
    while let Output::Event(event) = bad.poll_output() {
        if let SenderEvent::Failed(failure) = &event {
            printed.borrow_mut().push(failure.to_string());
        }
        debug(&event);
    }
    debug(&bad);
    let [a, b, c, d] = cookie.to_le_bytes();
    let forms = [
        cookie.to_string(),
        (cookie - 1).to_string(),
        format!("{cookie:x}"),
        format!("{cookie:X}"),
        format!("{a},{b},{c},{d}"),
        format!("{d},{c},{b},{a}"),
    ];
    for text in printed.borrow().iter() {
        let squeezed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        for form in &forms {
            assert!(!squeezed.contains(form.as_str()), "{form} in {text}");
        }
    }
}

// ----- the two machines wired together -----

/// Runs a whole transfer in memory: the sender's data goes in `write_sizes` pieces,
/// each side's bytes reach the other in `split` pieces. Returns the received file and
/// the largest input buffer the receiver held.
fn transfer(data: &[u8], write_sizes: &[usize], split: usize, max_transmit: usize) -> (Vec<u8>, usize) {
    let now = Instant::now();
    let config = MsnftpConfig {
        max_transmit,
        ..MsnftpConfig::default()
    };
    let mut rx = Receiver::new(config.clone(), bob(), Secret::new(COOKIE), now);
    rx.expect_size(data.len() as u64).unwrap();
    let mut tx = Sender::new(config, Secret::new(COOKIE), data.len() as u64, now);
    let (mut file, mut to_tx, mut to_rx) = (Vec::new(), Vec::new(), Vec::new());
    let mut written = 0;
    let mut pieces = write_sizes.iter().cycle();
    let mut peak = 0;
    let mut progress = 0;
    for _ in 0..100_000 {
        loop {
            match rx.poll_output() {
                Output::Transmit(bytes) => to_tx.extend_from_slice(bytes),
                Output::Event(ReceiverEvent::Data(d)) => file.extend_from_slice(d),
                Output::Event(ReceiverEvent::Progress { received, total }) => {
                    assert!(received >= progress && total == data.len() as u64);
                    assert_eq!(received, file.len() as u64, "progress counts what was handed out");
                    progress = received;
                }
                Output::Event(_) => {}
                Output::Idle { .. } => break,
            }
        }
        for chunk in std::mem::take(&mut to_tx).chunks(split.max(1)) {
            tx.handle_input(now, chunk);
        }
        loop {
            match tx.poll_output() {
                Output::Transmit(bytes) => to_rx.extend_from_slice(bytes),
                Output::Event(_) => {}
                Output::Idle { .. } => {
                    if !tx.wants_data() {
                        break;
                    }
                    let n = (*pieces.next().unwrap()).max(1);
                    let end = (written + n).min(data.len());
                    written += tx.write(now, &data[written..end]).unwrap();
                }
            }
        }
        for chunk in std::mem::take(&mut to_rx).chunks(split.max(1)) {
            rx.handle_input(now, chunk);
            peak = peak.max(rx.buffered());
            // Drained after each chunk, as a driver does.
            loop {
                match rx.poll_output() {
                    Output::Transmit(bytes) => to_tx.extend_from_slice(bytes),
                    Output::Event(ReceiverEvent::Data(d)) => file.extend_from_slice(d),
                    Output::Event(_) => {}
                    Output::Idle { .. } => break,
                }
            }
        }
        if tx.is_finished() && rx.is_finished() && to_tx.is_empty() && to_rx.is_empty() {
            break;
        }
    }
    assert_eq!(rx.outcome(), Some(&Ok(data.len() as u64)));
    assert_eq!(tx.outcome(), Some(&Ok(data.len() as u64)));
    (file, peak)
}

#[test]
fn receiver_memory_does_not_grow_with_the_file() {
    let file = |len: u32| -> Vec<u8> {
        (0..len)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
            .collect()
    };
    let (small, large) = (file(64 * 1024), file(1 << 20));
    let (got, small_peak) = transfer(&small, &[65_536], 8192, 64 * 1024);
    assert!(got == small);
    let (got, large_peak) = transfer(&large, &[65_536], 8192, 64 * 1024);
    assert!(got == large);
    // One pushed chunk plus what a line or block header left over, whatever the size.
    assert_eq!(small_peak, large_peak);
    assert!(large_peak <= 8192 + 512, "the receiver held {large_peak} bytes");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn any_file_crosses_intact(
        data in proptest::collection::vec(any::<u8>(), 0..6000),
        writes in proptest::collection::vec(1usize..3000, 1..4),
        split in 1usize..700,
        max_transmit in 4usize..9000,
    ) {
        let (file, _) = transfer(&data, &writes, split, max_transmit);
        prop_assert!(file == data);
    }

    #[test]
    fn receiver_input_in_any_chunking(
        cuts in proptest::collection::vec(0usize..64, 0..12),
    ) {
        let script = receiver_script();
        let whole = run_receiver(&[script.len()]);
        let mut sizes = cuts.clone();
        sizes.push(script.len());
        prop_assert_eq!(run_receiver(&sizes), whole);
    }
}

/// Everything a sender says for a 20-byte file in three blocks.
fn receiver_script() -> Vec<u8> {
    let mut script = b"VER MSNFTP\r\nFIL 20\r\n".to_vec();
    script.extend(block(b"0123456"));
    script.extend(block(b"789abcdefgh"));
    script.extend(block(b"ij"));
    script
}

/// Feeds the script in pieces of the given sizes (cycled), draining after each; returns
/// the bytes sent, the data received and the outcome.
fn run_receiver(sizes: &[usize]) -> (Vec<u8>, Vec<u8>, Option<Result<u64, Failure>>) {
    let now = Instant::now();
    let script = receiver_script();
    let mut rx = receiver(now);
    let (mut wire, mut data) = (Vec::new(), Vec::new());
    let mut collect = |out: Vec<Rx>| {
        for o in out {
            match o {
                Rx::Tx(b) => wire.extend(b),
                Rx::Data(d) => data.extend(d),
                _ => {}
            }
        }
    };
    collect(drain_rx(&mut rx));
    let mut at = 0;
    for &size in sizes.iter().cycle() {
        if at >= script.len() {
            break;
        }
        let end = (at + size.max(1)).min(script.len());
        collect(rx_feed(&mut rx, now, &script[at..end]));
        at = end;
    }
    (wire, data, rx.outcome().cloned())
}

#[test]
fn receiver_split_at_every_offset() {
    let script = receiver_script();
    let whole = run_receiver(&[script.len()]);
    assert_eq!(
        whole,
        (
            b"VER MSNFTP\r\nUSR bob@passport.com 1234\r\nTFR\r\nBYE 16777989\r\n".to_vec(),
            b"0123456789abcdefghij".to_vec(),
            Some(Ok(20))
        )
    );
    for cut in 1..script.len() {
        assert_eq!(run_receiver(&[cut, script.len()]), whole, "cut at {cut}");
    }
    assert_eq!(run_receiver(&[1]), whole, "one byte at a time");
}

#[test]
fn sender_split_at_every_offset() {
    let now = Instant::now();
    let script = b"VER MSNFTP\r\nUSR bob@passport.com 1234\r\nTFR\r\n";
    let run = |cut: usize| {
        let mut tx = sender(3, now);
        let mut out = tx_feed(&mut tx, now, &script[..cut]);
        out.extend(tx_feed(&mut tx, now, &script[cut..]));
        tx.write(now, b"abc").unwrap();
        out.extend(drain_tx(&mut tx));
        out.extend(tx_feed(&mut tx, now, b"BYE 1677"));
        out.extend(tx_feed(&mut tx, now, b"7989\r\n"));
        // Transmits merge differently with the cut; compare bytes and events apart.
        let bytes: Vec<u8> = out
            .iter()
            .filter_map(|o| if let Tx::Tx(b) = o { Some(b.clone()) } else { None })
            .flatten()
            .collect();
        let events: Vec<SenderEvent> = out
            .into_iter()
            .filter_map(|o| if let Tx::Ev(e) = o { Some(e) } else { None })
            .collect();
        (bytes, events)
    };
    let whole = run(script.len());
    assert_eq!(whole.0, b"VER MSNFTP\r\nFIL 3\r\n\x00\x03\x00abc".to_vec());
    assert_eq!(whole.1.last(), Some(&SenderEvent::Completed { bytes: 3 }));
    for cut in 0..script.len() {
        assert_eq!(run(cut), whole, "cut at {cut}");
    }
}
