//! The P2P session machine, two peers in memory: the display-picture flow of §9.4 in
//! both roles, file transfer accepted, declined, cancelled, timed out, with a size
//! mismatch and with the connection lost. Time moves only by hand.

use std::time::{Duration, Instant};

use msnp::Output;
use msnp::p2p::{
    FailReason, FileContext, Flags, P2pConfig, P2pEvent, P2pMessage, P2pSession, SlpMessage, StartLine,
    TransferId, TransferKind,
};

const ALICE: &str = "alice@passport.com";
const BOB: &str = "bob@passport.com";

/// An event with received data copied, so a test can keep it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Ev {
    Invited(TransferId, TransferKind, String),
    Accepted(TransferId),
    SendReady(TransferId, u64),
    Data(TransferId, u64, Vec<u8>),
    Progress(TransferId, u64, u64),
    Completed(TransferId, u64),
    Failed(TransferId, FailReason),
    Other(String),
}

fn own(event: P2pEvent<'_>) -> Ev {
    match event {
        P2pEvent::Invited {
            transfer,
            kind,
            context,
        } => Ev::Invited(transfer, kind, context),
        P2pEvent::Accepted { transfer } => Ev::Accepted(transfer),
        P2pEvent::SendReady { transfer, total } => Ev::SendReady(transfer, total),
        P2pEvent::Data {
            transfer,
            offset,
            data,
        } => Ev::Data(transfer, offset, data.to_vec()),
        P2pEvent::Progress {
            transfer,
            done,
            total,
        } => Ev::Progress(transfer, done, total),
        P2pEvent::Completed { transfer, bytes } => Ev::Completed(transfer, bytes),
        P2pEvent::Failed { transfer, reason } => Ev::Failed(transfer, reason),
        other => Ev::Other(format!("{other:?}")),
    }
}

/// What a payload on the wire is, for the flow's transcript.
fn describe(payload: &[u8]) -> String {
    let message = P2pMessage::parse(payload).expect("the session writes valid payloads");
    let header = message.header;
    if header.is_ack() {
        return "ack".into();
    }
    if header.session_id == 0 {
        let slp = SlpMessage::parse(&message.data).expect("a whole SLP message per chunk here");
        return match slp.start {
            StartLine::Request { method, .. } => format!("{method:?}"),
            StartLine::Status { code, .. } => code.to_string(),
        };
    }
    if header.flags == Flags::NONE {
        return format!("prep {}", message.data.len());
    }
    format!("data {:?} {}+{}", header.flags, header.offset, header.length)
}

struct Pair {
    now: Instant,
    alice: P2pSession,
    bob: P2pSession,
    alice_events: Vec<Ev>,
    bob_events: Vec<Ev>,
    /// `(sender, what)` in the order written.
    wire: Vec<(&'static str, String)>,
}

impl Pair {
    fn new(config: P2pConfig) -> Self {
        Pair {
            now: Instant::now(),
            alice: P2pSession::new(config.clone(), ALICE, BOB, 0x1111_2222_0118_A958),
            bob: P2pSession::new(config, BOB, ALICE, 0x3333_4444_2D1F_7A10),
            alice_events: Vec::new(),
            bob_events: Vec::new(),
            wire: Vec::new(),
        }
    }

    /// Delivers every payload until both sides are idle.
    fn run(&mut self) {
        loop {
            let mut moved = false;
            while let Some(payload) = drain_one(&mut self.alice, &mut self.alice_events) {
                self.wire.push(("alice", describe(&payload)));
                self.bob.handle_input(self.now, &payload);
                moved = true;
            }
            while let Some(payload) = drain_one(&mut self.bob, &mut self.bob_events) {
                self.wire.push(("bob", describe(&payload)));
                self.alice.handle_input(self.now, &payload);
                moved = true;
            }
            if !moved {
                return;
            }
        }
    }

    fn received(events: &[Ev]) -> Vec<u8> {
        events
            .iter()
            .filter_map(|e| match e {
                Ev::Data(_, _, d) => Some(d.clone()),
                _ => None,
            })
            .flatten()
            .collect()
    }

    fn invited(events: &[Ev]) -> TransferId {
        events
            .iter()
            .find_map(|e| match e {
                Ev::Invited(id, ..) => Some(*id),
                _ => None,
            })
            .expect("an invitation")
    }
}

/// Polls until a transmit (returned) or idle (None), collecting events.
fn drain_one(session: &mut P2pSession, events: &mut Vec<Ev>) -> Option<Vec<u8>> {
    loop {
        match session.poll_output() {
            Output::Transmit(bytes) => return Some(bytes.to_vec()),
            Output::Event(event) => events.push(own(event)),
            Output::Idle { .. } => return None,
        }
    }
}

fn ends(events: &[Ev]) -> Vec<Ev> {
    events
        .iter()
        .filter(|e| matches!(e, Ev::Completed(..) | Ev::Failed(..)))
        .cloned()
        .collect()
}

fn picture() -> Vec<u8> {
    (0..5000u32).map(|i| (i * 7) as u8).collect()
}

#[test]
fn display_picture_flow_both_roles() {
    let mut pair = Pair::new(P2pConfig::default());
    let now = pair.now;
    let id = pair
        .alice
        .request_display_picture(now, "PG1zbm9iaj4AAA==", Some(5000))
        .unwrap();
    pair.run();
    assert_eq!(
        pair.bob_events,
        [Ev::Invited(
            id,
            TransferKind::DisplayPicture,
            "PG1zbm9iaj4AAA==".into()
        )]
    );
    pair.bob.accept(now, id, 5000).unwrap();
    pair.run();
    assert_eq!(pair.bob_events.last(), Some(&Ev::SendReady(id, 5000)));
    pair.bob.send_data(now, id, &picture()).unwrap();
    pair.run();

    let wire: Vec<(&str, &str)> = pair.wire.iter().map(|(w, s)| (*w, s.as_str())).collect();
    assert_eq!(
        wire,
        [
            ("alice", "Invite"),
            ("bob", "ack"),
            ("bob", "200"),
            ("alice", "ack"),
            ("bob", "prep 4"),
            ("alice", "ack"),
            ("bob", "data Flags(MSN_OBJECT_DATA) 0+1202"),
            ("bob", "data Flags(MSN_OBJECT_DATA) 1202+1202"),
            ("bob", "data Flags(MSN_OBJECT_DATA) 2404+1202"),
            ("bob", "data Flags(MSN_OBJECT_DATA) 3606+1202"),
            ("bob", "data Flags(MSN_OBJECT_DATA) 4808+192"),
            ("alice", "ack"),
            ("alice", "Bye"),
            ("bob", "ack"),
        ]
    );
    assert_eq!(Pair::received(&pair.alice_events), picture());
    assert_eq!(pair.alice_events[0], Ev::Accepted(id));
    assert!(pair.alice_events.contains(&Ev::Progress(id, 2404, 5000)));
    assert_eq!(ends(&pair.alice_events), [Ev::Completed(id, 5000)]);
    assert_eq!(ends(&pair.bob_events), [Ev::Completed(id, 5000)]);
    assert_eq!((pair.alice.open_transfers(), pair.bob.open_transfers()), (0, 0));
    assert_eq!(pair.alice.poll_timeout(), None);
}

#[test]
fn identifiers_count_from_the_callers_base() {
    let mut pair = Pair::new(P2pConfig::default());
    let now = pair.now;
    pair.alice.request_display_picture(now, "AA==", None).unwrap();
    let Output::Transmit(invite) = pair.alice.poll_output() else {
        panic!("no invite");
    };
    let invite = P2pMessage::parse(invite).unwrap().into_owned();
    assert_eq!(invite.header.identifier, 0x0118_A958);
    assert_eq!(invite.dest, BOB);
    let slp = SlpMessage::parse(&invite.data).unwrap();
    assert_eq!(slp.to, BOB);
    assert_eq!(slp.from, ALICE);
    assert_eq!(slp.app_id(), Some(1));
    // The ack that bob returns acknowledges it by the rules of §9.2.
    pair.bob.handle_input(now, &{
        let mut wire = Vec::new();
        invite.encode(&mut wire).unwrap();
        wire
    });
    let Output::Transmit(ack) = pair.bob.poll_output() else {
        panic!("no ack");
    };
    let ack = P2pMessage::parse(ack).unwrap().header;
    assert_eq!(ack.identifier, 0x2D1F_7A10);
    assert_eq!(
        (ack.ack_id, ack.ack_uid, ack.ack_size, ack.flags),
        (
            0x0118_A958,
            invite.header.ack_id,
            invite.header.total_size,
            Flags::ACK
        )
    );
}

fn file_pair(size: u64) -> (Pair, TransferId) {
    let mut pair = Pair::new(P2pConfig::default());
    let now = pair.now;
    let id = pair
        .alice
        .send_file(now, FileContext::new("a.txt", size))
        .unwrap();
    pair.run();
    (pair, id)
}

#[test]
fn file_transfer_accepted_streams_in_pieces() {
    let data: Vec<u8> = (0..3000u32).map(|i| i as u8).collect();
    let (mut pair, id) = file_pair(3000);
    let now = pair.now;
    assert_eq!(
        pair.bob_events,
        [Ev::Invited(
            id,
            TransferKind::File(FileContext::new("a.txt", 3000)),
            FileContext::new("a.txt", 3000).to_base64().unwrap()
        )]
    );
    assert_eq!(Pair::invited(&pair.bob_events), id);
    pair.bob.accept(now, id, 0).unwrap();
    pair.run();
    assert_eq!(pair.alice_events, [Ev::Accepted(id), Ev::SendReady(id, 3000)]);
    for piece in data.chunks(1000) {
        pair.alice.send_data(now, id, piece).unwrap();
        pair.run();
    }
    assert_eq!(
        pair.alice.send_data(now, id, b"x"),
        Err(msnp::p2p::P2pCallError::UnknownTransfer)
    );
    assert_eq!(Pair::received(&pair.bob_events), data);
    assert_eq!(ends(&pair.bob_events), [Ev::Completed(id, 3000)]);
    assert_eq!(ends(&pair.alice_events), [Ev::Completed(id, 3000)]);
    let progress: Vec<&Ev> = pair
        .alice_events
        .iter()
        .filter(|e| matches!(e, Ev::Progress(..)))
        .collect();
    assert_eq!(
        progress,
        [
            &Ev::Progress(id, 1000, 3000),
            &Ev::Progress(id, 2000, 3000),
            &Ev::Progress(id, 3000, 3000)
        ]
    );
    assert!(
        pair.wire
            .iter()
            .any(|(_, w)| w == "data Flags(FILE | MSN_OBJECT_DATA | COMPATIBILITY) 1000+1000")
    );
}

#[test]
fn an_empty_file_completes_with_zero_bytes() {
    let (mut pair, id) = file_pair(0);
    let now = pair.now;
    pair.bob.accept(now, id, 0).unwrap();
    pair.run();
    pair.alice.send_data(now, id, &[]).unwrap();
    pair.run();
    assert_eq!(ends(&pair.bob_events), [Ev::Completed(id, 0)]);
    assert_eq!(ends(&pair.alice_events), [Ev::Completed(id, 0)]);
}

#[test]
fn a_declined_file_fails_once_on_each_side() {
    let (mut pair, id) = file_pair(10);
    let now = pair.now;
    pair.bob.decline(now, id).unwrap();
    pair.run();
    assert_eq!(ends(&pair.bob_events), [Ev::Failed(id, FailReason::Refused)]);
    assert_eq!(
        ends(&pair.alice_events),
        [Ev::Failed(id, FailReason::Declined { code: 603 })]
    );
    assert!(pair.wire.iter().any(|(w, s)| *w == "bob" && s == "603"));
    assert_eq!(
        pair.bob.decline(now, id),
        Err(msnp::p2p::P2pCallError::UnknownTransfer)
    );
}

#[test]
fn cancelled_mid_transfer_by_the_sender() {
    let (mut pair, id) = file_pair(5000);
    let now = pair.now;
    pair.bob.accept(now, id, 0).unwrap();
    pair.run();
    pair.alice.send_data(now, id, &[1; 2000]).unwrap();
    pair.run();
    pair.alice.cancel(now, id).unwrap();
    pair.run();
    assert_eq!(ends(&pair.alice_events), [Ev::Failed(id, FailReason::Cancelled)]);
    assert_eq!(
        ends(&pair.bob_events),
        [Ev::Failed(id, FailReason::CancelledByPeer)]
    );
    assert_eq!(Pair::received(&pair.bob_events).len(), 2000);
}

#[test]
fn no_answer_times_out_at_the_deadline() {
    let config = P2pConfig {
        timeout: Duration::from_secs(30),
        ..P2pConfig::default()
    };
    let mut pair = Pair::new(config);
    let now = pair.now;
    let id = pair.alice.send_file(now, FileContext::new("a", 1)).unwrap();
    while let Some(_invite) = drain_one(&mut pair.alice, &mut pair.alice_events) {}
    assert_eq!(pair.alice.poll_timeout(), Some(now + Duration::from_secs(30)));
    pair.alice.handle_timeout(now + Duration::from_secs(29));
    assert_eq!(drain_one(&mut pair.alice, &mut pair.alice_events), None);
    assert!(ends(&pair.alice_events).is_empty());
    pair.alice.handle_timeout(now + Duration::from_secs(30));
    let bye = drain_one(&mut pair.alice, &mut pair.alice_events).expect("a BYE");
    assert_eq!(describe(&bye), "Bye");
    while drain_one(&mut pair.alice, &mut pair.alice_events).is_some() {}
    assert_eq!(ends(&pair.alice_events), [Ev::Failed(id, FailReason::TimedOut)]);
    assert_eq!(pair.alice.poll_timeout(), None);
}

#[test]
fn a_picture_of_another_size_fails_as_a_size_mismatch() {
    let mut pair = Pair::new(P2pConfig::default());
    let now = pair.now;
    let id = pair.alice.request_display_picture(now, "AA==", Some(10)).unwrap();
    pair.run();
    pair.bob.accept(now, id, 5000).unwrap();
    pair.run();
    pair.bob.send_data(now, id, &picture()).unwrap();
    pair.run();
    assert_eq!(
        ends(&pair.alice_events),
        [Ev::Failed(
            id,
            FailReason::SizeMismatch {
                expected: 10,
                got: 5000
            }
        )]
    );
    assert!(Pair::received(&pair.alice_events).is_empty(), "no byte handed on");
    assert_eq!(
        ends(&pair.bob_events),
        [Ev::Failed(id, FailReason::CancelledByPeer)]
    );
}

#[test]
fn the_connection_lost_fails_every_transfer_once() {
    let (mut pair, id) = file_pair(10);
    let now = pair.now;
    pair.alice.handle_closed(now);
    pair.bob.handle_closed(now);
    pair.run();
    assert_eq!(
        ends(&pair.alice_events),
        [Ev::Failed(id, FailReason::ConnectionLost)]
    );
    assert_eq!(
        ends(&pair.bob_events),
        [Ev::Failed(id, FailReason::ConnectionLost)]
    );
    pair.alice.handle_closed(now);
    pair.run();
    assert_eq!(ends(&pair.alice_events).len(), 1);
}

#[test]
fn messages_for_someone_else_are_ignored_and_garbage_reported() {
    let mut pair = Pair::new(P2pConfig::default());
    let now = pair.now;
    let mut carol = P2pSession::new(P2pConfig::default(), "carol@passport.com", ALICE, 7);
    pair.alice.request_display_picture(now, "AA==", None).unwrap();
    let invite = drain_one(&mut pair.alice, &mut pair.alice_events).unwrap();
    carol.handle_input(now, &invite);
    let mut events = Vec::new();
    assert_eq!(drain_one(&mut carol, &mut events), None);
    assert!(events.is_empty());
    carol.handle_input(now, b"MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nhi");
    assert_eq!(drain_one(&mut carol, &mut events), None);
    assert_eq!(events, [Ev::Other("Malformed(NotP2p)".into())]);
}

/// The committed fuzz seed of a whole owner-side session completes through the fuzz
/// body's session (seed 1: alice's identifiers 1 and 2 go to her own two invitations, 3
/// acks bob's INVITE, 4 is the 200 OK, 5 the data preparation, 6 the data).
#[test]
fn the_owner_session_seed_completes() {
    let seed = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/p2p_parse/session_dp_owner"),
    )
    .unwrap();
    let now = Instant::now();
    let mut alice = P2pSession::new(P2pConfig::default(), ALICE, BOB, 1);
    let mut events = Vec::new();
    let mut wire = Vec::new();
    alice.request_display_picture(now, "AA==", None).unwrap();
    alice.send_file(now, FileContext::new("f", 3)).unwrap();
    for payload in split(&seed, b"|P2P|") {
        alice.handle_input(now, payload);
        while let Some(out) = drain_one(&mut alice, &mut events) {
            wire.push(describe(&out));
        }
        let invited: Vec<TransferId> = events
            .iter()
            .filter_map(|e| match e {
                Ev::Invited(id, ..) => Some(*id),
                _ => None,
            })
            .collect();
        for id in invited {
            let _ = alice.accept(now, id, 5);
        }
        events.retain(|e| !matches!(e, Ev::Invited(..)));
        if let Some(Ev::SendReady(id, 5)) = events.last().cloned() {
            alice.send_data(now, id, b"hello").unwrap();
        }
        while let Some(out) = drain_one(&mut alice, &mut events) {
            wire.push(describe(&out));
        }
    }
    assert_eq!(ends(&events), [Ev::Completed(TransferId(77), 5)]);
    assert_eq!(
        wire,
        [
            "Invite",
            "Invite",
            "ack",
            "200",
            "prep 4",
            "data Flags(MSN_OBJECT_DATA) 0+5",
            "ack"
        ]
    );
}

fn split<'a>(data: &'a [u8], mark: &'a [u8]) -> Vec<&'a [u8]> {
    let mut parts = Vec::new();
    let mut rest = data;
    while let Some(i) = rest.windows(mark.len()).position(|w| w == mark) {
        parts.push(&rest[..i]);
        rest = &rest[i + mark.len()..];
    }
    parts.push(rest);
    parts
}

#[test]
fn input_beyond_the_queue_bound_is_dropped_and_counted() {
    let config = P2pConfig {
        max_queued_input: 2,
        ..P2pConfig::default()
    };
    let mut carol = P2pSession::new(config, "carol@passport.com", ALICE, 7);
    let now = Instant::now();
    for _ in 0..5 {
        carol.handle_input(now, b"not a payload");
    }
    let mut events = Vec::new();
    assert_eq!(drain_one(&mut carol, &mut events), None);
    assert_eq!(
        events,
        [
            Ev::Other("InputDropped { count: 3 }".into()),
            Ev::Other("Malformed(Mime(NoHeaderTerminator))".into()),
            Ev::Other("Malformed(Mime(NoHeaderTerminator))".into()),
        ]
    );
}

#[test]
fn data_sent_in_pieces_is_one_message() {
    let (mut pair, id) = file_pair(3000);
    let now = pair.now;
    pair.bob.accept(now, id, 0).unwrap();
    pair.run();
    let mut headers = Vec::new();
    for piece in [&[1u8; 1500][..], &[2u8; 1500][..]] {
        pair.alice.send_data(now, id, piece).unwrap();
        while let Some(payload) = drain_one(&mut pair.alice, &mut pair.alice_events) {
            headers.push(P2pMessage::parse(&payload).unwrap().header);
            pair.bob.handle_input(now, &payload);
        }
    }
    let shape: Vec<(u64, u32)> = headers.iter().map(|h| (h.offset, h.length)).collect();
    assert_eq!(shape, [(0, 1202), (1202, 298), (1500, 1202), (2702, 298)]);
    assert!(
        headers
            .iter()
            .all(|h| (h.identifier, h.ack_id, h.total_size)
                == (headers[0].identifier, headers[0].ack_id, 3000))
    );
    pair.run();
    assert_eq!(ends(&pair.alice_events), [Ev::Completed(id, 3000)]);
}

#[test]
fn a_session_message_that_is_not_msnslp_is_acknowledged_and_reported() {
    let mut carol = P2pSession::new(P2pConfig::default(), "carol@passport.com", ALICE, 7);
    let now = Instant::now();
    let header = msnp::p2p::Header {
        identifier: 5,
        total_size: 5,
        length: 5,
        ..Default::default()
    };
    let mut wire = Vec::new();
    P2pMessage::new("carol@passport.com", header, &b"HELLO"[..], msnp::p2p::AppId::SLP)
        .encode(&mut wire)
        .unwrap();
    carol.handle_input(now, &wire);
    let mut events = Vec::new();
    let ack = drain_one(&mut carol, &mut events).expect("an ack");
    assert_eq!(describe(&ack), "ack");
    assert_eq!(drain_one(&mut carol, &mut events), None);
    assert_eq!(events, [Ev::Other("MalformedSlp(NoHeaderEnd)".into())]);
}
