//! Heap allocations of the `Client` on the steady path of a conversation, counted (not
//! timed): a text handed to an open switchboard, its transmit, its `ACK`, its
//! `MessageDelivered`. The figure is printed (`--nocapture`) and bounded here.

#[path = "../benches/support/counting_alloc.rs"]
mod counting_alloc;

use std::time::Instant;

use msnp::Secret;
use msnp::client::{Client, ClientConfig, ClientEvent, ClientOutput, ConnId, ConversationId};
use msnp::codec::Passport;
use msnp::testing::loopback::passport_answer;

const ROUNDS: usize = 200;

struct Session {
    client: Client,
    now: Instant,
    sent: Vec<(ConnId, Vec<u8>)>,
    /// Off on the measured path: copying every transmit out would be the test's own
    /// allocation, not the client's.
    record: bool,
    /// The last transmit, in a buffer reused from one to the next.
    last: Vec<u8>,
    connects: Vec<ConnId>,
    events: Vec<ClientEvent>,
}

impl Session {
    fn drain(&mut self) {
        loop {
            match self.client.poll_output() {
                ClientOutput::Connect { conn, .. } => {
                    self.connects.push(conn);
                    self.client.handle_connected(conn, self.now);
                }
                ClientOutput::Transmit { conn, bytes } => {
                    self.last.clear();
                    self.last.extend_from_slice(bytes);
                    if self.record {
                        self.sent.push((conn, bytes.to_vec()));
                    }
                }
                ClientOutput::HttpRequest { id, request } => {
                    let answer = passport_answer(&request, "t=1&p=2");
                    self.client.handle_http_response(self.now, id, answer);
                }
                ClientOutput::Event(event) => self.events.push(event),
                ClientOutput::Idle { .. } => return,
                _ => {}
            }
        }
    }

    fn input(&mut self, conn: ConnId, line: &str) {
        self.client.handle_input(conn, self.now, line.as_bytes());
        self.drain();
    }

    /// The TrID of the last command sent on `conn`.
    fn last_trid(&self, conn: ConnId) -> String {
        let (_, bytes) = self.sent.iter().rev().find(|(c, _)| *c == conn).unwrap();
        String::from_utf8_lossy(bytes)
            .split(' ')
            .nth(1)
            .unwrap()
            .to_owned()
    }
}

#[test]
fn a_delivered_message_on_an_open_switchboard_allocates_a_bounded_few_times() {
    let mut config = ClientConfig::default();
    config.sync_lists = false;
    config.initial_status = None;
    let now = Instant::now();
    let client = Client::new(
        config,
        Passport::try_from("me@example.com").unwrap(),
        Secret::new("pw".into()),
        now,
    );
    let mut s = Session {
        client,
        now,
        sent: Vec::new(),
        record: true,
        last: Vec::with_capacity(256),
        connects: Vec::new(),
        events: Vec::new(),
    };
    s.drain();
    let ns = s.connects[0];
    s.input(ns, "VER 1 MSNP8 CVR0\r\n");
    s.input(ns, "CVR 2 1.0.0000 1.0.0000 1.0.0000 http://x http://y\r\n");
    s.input(ns, "USR 3 TWN S lc=1033,id=507\r\n");
    s.input(ns, "USR 4 OK me@example.com Me 1 0\r\n");
    let bob = Passport::try_from("bob@example.com").unwrap();
    s.client.send_message(now, &bob, "first").unwrap();
    s.drain();
    let trid = s.last_trid(ns);
    s.input(ns, &format!("XFR {trid} SB 127.0.0.1:1865 CKI 17.42\r\n"));
    let sb = s.connects[1];
    s.input(sb, "USR 1 OK me@example.com Me\r\n");
    s.input(sb, "CAL 2 RINGING 42\r\nJOI bob@example.com Bob\r\n");
    let trid = s.last_trid(sb);
    s.input(sb, &format!("ACK {trid}\r\n"));
    let conversation: ConversationId = s
        .events
        .iter()
        .find_map(|e| match e {
            ClientEvent::ConversationStarted { conversation, .. } => Some(*conversation),
            _ => None,
        })
        .unwrap();
    assert!(
        s.events
            .iter()
            .any(|e| matches!(e, ClientEvent::MessageDelivered { .. }))
    );

    let mut acks: Vec<String> = (0..ROUNDS).map(|_| String::with_capacity(32)).collect();
    s.record = false;
    s.events.reserve(ROUNDS * 2);
    let before = counting_alloc::allocations();
    for ack in &mut acks {
        s.client
            .send_to_conversation(now, conversation, "hello, steady path")
            .unwrap();
        s.drain();
        let trid = s.last.split(|b| *b == b' ').nth(1).unwrap();
        ack.push_str("ACK ");
        ack.push_str(std::str::from_utf8(trid).unwrap());
        ack.push_str("\r\n");
        s.client.handle_input(sb, now, ack.as_bytes());
        s.drain();
    }
    let per_message = (counting_alloc::allocations() - before) as f64 / ROUNDS as f64;
    println!(
        "Client steady path: {per_message:.2} allocations per delivered message (send, transmit, ACK, event)"
    );
    let delivered = s
        .events
        .iter()
        .filter(|e| matches!(e, ClientEvent::MessageDelivered { .. }))
        .count();
    assert_eq!(delivered, ROUNDS + 1);
    // 7 while every transmit was a fresh `Vec`; 5 since the machines lend their buffers.
    assert!(per_message <= 5.5, "{per_message}");
}
