//! The `Client` fetching a display picture over P2P, on the wire: what it writes on the
//! switchboard (`MSG <trid> D`, the MSNSLP INVITE of §9.4 with the MSNObject as its
//! context) and how it answers a scripted owner, a `P2pSession` playing Bob, that
//! serves the right bytes or wrong ones (failed as corrupt, `SHA1D` checked).

use std::time::Instant;

use msnp::client::{
    Client, ClientConfig, ClientEvent, ClientOutput, ConnId, ConversationId, TransferFailure,
};
use msnp::codec::{Dialect, DialectSet, Passport};
use msnp::p2p::{P2pConfig, P2pEvent, P2pMessage, P2pSession};
use msnp::presence::{MsnObject, MsnObjectKind};
use msnp::testing::loopback::passport_answer;
use msnp::{Output, Secret};

const ME: &str = "bot@example.com";
const BOB: &str = "bob@example.com";
const COOKIE: &str = "17262740.1050826919.32308";

/// The client in memory against scripted server bytes.
struct Harness {
    client: Client,
    now: Instant,
    ns: ConnId,
    connects: Vec<ConnId>,
    sent: Vec<(ConnId, Vec<u8>)>,
    events: Vec<ClientEvent>,
    addrs: Vec<String>,
    closed: Vec<ConnId>,
}

impl Harness {
    /// Signed in without lists or status, every output so far drained.
    fn signed_in() -> Self {
        let mut config = ClientConfig::default();
        config.sync_lists = false;
        config.initial_status = None;
        config.notification.dialects = DialectSet::only(Dialect::Msnp9);
        Self::signed_in_with(config)
    }

    fn signed_in_with(config: ClientConfig) -> Self {
        let now = Instant::now();
        let mut client = Client::new(
            config,
            Passport::try_from(ME).unwrap(),
            Secret::new("pw".to_owned()),
            now,
        );
        let ClientOutput::Connect { conn: ns, .. } = client.poll_output() else {
            panic!("the first output connects to the dispatch server")
        };
        let mut h = Harness {
            client,
            now,
            ns,
            connects: vec![ns],
            sent: Vec::new(),
            events: Vec::new(),
            addrs: Vec::new(),
            closed: Vec::new(),
        };
        h.client.handle_connected(ns, now);
        h.drain();
        h.ns_input(b"VER 1 MSNP9 CVR0\r\n");
        h.ns_input(b"CVR 2 1.0.0000 1.0.0000 1.0.0000 http://x http://y\r\n");
        h.ns_input(b"USR 3 TWN S lc=1033,id=507\r\n");
        h.ns_input(format!("USR 4 OK {ME} Bot 1 0\r\n").as_bytes());
        let events = h.take();
        assert_eq!(
            events.last().map(String::as_str),
            Some(
                r#"LoggedIn { account: Passport("bot@example.com"), name: EncodedName("Bot"), dialect: Msnp9 }"#
            )
        );
        h.sent.clear();
        h
    }

    fn ns_input(&mut self, bytes: &[u8]) {
        self.client.handle_input(self.ns, self.now, bytes);
        self.drain();
    }

    fn input(&mut self, conn: ConnId, bytes: &[u8]) {
        self.client.handle_input(conn, self.now, bytes);
        self.drain();
    }

    fn drain(&mut self) {
        loop {
            match self.client.poll_output() {
                ClientOutput::Connect { conn, addr } => {
                    self.connects.push(conn);
                    self.addrs.push(addr.to_string());
                }
                ClientOutput::Transmit { conn, bytes } => self.sent.push((conn, bytes.to_vec())),
                ClientOutput::Close { conn } => self.closed.push(conn),
                // Passport in memory: the nexus, then the login server's ticket.
                ClientOutput::HttpRequest { id, request } => {
                    let answer = passport_answer(&request, "t=ticket&p=profile");
                    self.client.handle_http_response(self.now, id, answer);
                }
                ClientOutput::Event(event) => self.events.push(event),
                ClientOutput::Idle { .. } => return,
            }
        }
    }

    /// The events since the last call, as `{:?}` text.
    fn take(&mut self) -> Vec<String> {
        self.events.drain(..).map(|e| format!("{e:?}")).collect()
    }

    /// The bytes written on `conn` since the last call.
    fn sent_on(&mut self, conn: ConnId) -> String {
        let mut out = Vec::new();
        self.sent.retain(|(c, bytes)| {
            if *c == conn {
                out.extend_from_slice(bytes);
            }
            *c != conn
        });
        String::from_utf8(out).unwrap()
    }

    /// The payloads of the `MSG <trid> D` commands written on `conn` since the last call.
    fn p2p_sent_on(&mut self, conn: ConnId) -> Vec<(String, Vec<u8>)> {
        let mut out = Vec::new();
        self.sent.retain(|(c, bytes)| {
            if *c == conn {
                out.extend_from_slice(bytes);
            }
            *c != conn
        });
        let mut payloads = Vec::new();
        let mut rest = &out[..];
        while let Some(end) = rest.windows(2).position(|w| w == b"\r\n") {
            let line = String::from_utf8(rest[..end].to_vec()).unwrap();
            let len: usize = line.rsplit(' ').next().unwrap().parse().unwrap();
            payloads.push((line, rest[end + 2..end + 2 + len].to_vec()));
            rest = &rest[end + 2 + len..];
        }
        payloads
    }

    /// A conversation with Bob, joined; returns its id and connection.
    fn conversation_with_bob(&mut self) -> (ConversationId, ConnId) {
        let bob = Passport::try_from(BOB).unwrap();
        let handle = self.client.send_message(self.now, &bob, "hi").unwrap();
        self.drain();
        assert_eq!(self.sent_on(self.ns), "XFR 5 SB\r\n");
        self.ns_input(format!("XFR 5 SB 10.0.0.1:1865 CKI {COOKIE}\r\n").as_bytes());
        let sb = *self.connects.last().unwrap();
        self.client.handle_connected(sb, self.now);
        self.drain();
        self.input(sb, format!("USR 1 OK {ME} Bot\r\n").as_bytes());
        self.input(
            sb,
            format!("CAL 3 RINGING 11752013\r\nJOI {BOB} Bob\r\nACK 2\r\n").as_bytes(),
        );
        assert_eq!(
            self.sent_on(sb),
            format!(
                "USR 1 {ME} {COOKIE}\r\nCAL 3 {BOB}\r\nMSG 2 A 64\r\nMIME-Version: 1.0\r\n\
                 Content-Type: text/plain; charset=UTF-8\r\n\r\nhi"
            )
        );
        let conversation = match &self.events[0] {
            ClientEvent::ConversationStarted { conversation, .. } => *conversation,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            self.take(),
            [
                "ConversationStarted { conversation: ConversationId(0), invited_by: None }".to_owned(),
                r#"Other { conversation: Some(ConversationId(0)), description: "the invitation to bob@example.com is ringing" }"#.to_owned(),
                r#"Joined { conversation: ConversationId(0), account: Passport("bob@example.com"), name: EncodedName("Bob") }"#.to_owned(),
                format!("MessageDelivered {{ handle: {handle:?} }}"),
            ]
        );
        (conversation, sb)
    }
}

/// A `MSG` from `from` carrying `payload`, as a switchboard relays it.
fn relayed(from: &str, name: &str, payload: &[u8]) -> Vec<u8> {
    let mut wire = format!("MSG {from} {name} {}\r\n", payload.len()).into_bytes();
    wire.extend_from_slice(payload);
    wire
}

/// Bob's picture as he announced it, and the bytes he serves for it.
fn fetch(served: &[u8], announced: &[u8]) -> (Harness, Vec<String>, Vec<ClientEvent>) {
    let mut h = Harness::signed_in();
    let (_conversation, sb) = h.conversation_with_bob();
    let object = MsnObject::for_data(
        Passport::try_from(BOB).unwrap(),
        MsnObjectKind::DisplayPicture,
        "0",
        "",
        announced,
    )
    .unwrap();
    let id = h
        .client
        .request_display_picture(h.now, &Passport::try_from(BOB).unwrap(), &object)
        .unwrap();
    h.drain();
    let mut bob = P2pSession::new(P2pConfig::default(), BOB, ME, 99);
    let mut lines = Vec::new();
    let mut acked = 0;
    for _ in 0..50 {
        let sent = h.p2p_sent_on(sb);
        if sent.is_empty() {
            break;
        }
        let mut server = Vec::new();
        for (line, payload) in sent {
            // The switchboard acknowledges each, as mode D asks.
            let trid = line.split(' ').nth(1).unwrap().to_owned();
            server.extend_from_slice(format!("ACK {trid}\r\n").as_bytes());
            acked += 1;
            let message = P2pMessage::parse(&payload).unwrap();
            assert_eq!(message.dest, BOB);
            let first = String::from_utf8_lossy(&message.data);
            let first = first.lines().next().unwrap_or("").to_owned();
            lines.push(format!(
                "{} {first}",
                &line[..line.len() - line.rsplit(' ').next().unwrap().len()]
            ));
            bob.handle_input(h.now, &payload);
        }
        loop {
            match bob.poll_output() {
                Output::Transmit(payload) => server.extend(relayed(BOB, "Bob", payload)),
                Output::Event(P2pEvent::Invited {
                    transfer, context, ..
                }) => {
                    assert_eq!(context, object.to_base64_context());
                    bob.accept(h.now, transfer, served.len() as u64).unwrap();
                }
                Output::Event(P2pEvent::SendReady { transfer, .. }) => {
                    bob.send_data(h.now, transfer, served).unwrap();
                }
                Output::Event(_) => {}
                Output::Idle { .. } => break,
            }
        }
        h.input(sb, &server);
    }
    assert!(acked > 0);
    let _ = id;
    let events = std::mem::take(&mut h.events);
    (h, lines, events)
}

#[test]
fn a_picture_request_goes_out_as_msnslp_in_msg_d() {
    let picture = b"\x89PNG\r\n\x1a\n a tiny picture".to_vec();
    let (_h, lines, events) = fetch(&picture, &picture);
    // Bob's session saw the display-picture EUF-GUID and the object as context (checked
    // in `fetch`). The requester's side of §9.4: the INVITE, acks of the 200 OK, of the data
    // preparation and of the data, and the BYE that closes the session.
    assert_eq!(
        lines,
        [
            "MSG 4 D  INVITE MSNMSGR:bob@example.com MSNSLP/1.0",
            "MSG 5 D  ",
            "MSG 6 D  ",
            "MSG 7 D  ",
            "MSG 8 D  BYE MSNMSGR:bob@example.com MSNSLP/1.0",
        ]
    );
    let shown: Vec<String> = events.iter().map(|e| format!("{e:?}")).collect();
    assert!(
        matches!(&events[..], [ClientEvent::TransferAccepted { .. }, ClientEvent::TransferProgress { done: 23, total: 23, .. }, ClientEvent::DisplayPicture { data, .. }, ClientEvent::TransferEnded { result: Ok(23), .. }] if *data == picture),
        "{shown:#?}"
    );
}

#[test]
fn a_picture_of_another_size_than_its_object_fails_as_a_size_mismatch() {
    let (_h, _lines, events) = fetch(b"not the picture", b"the real picture");
    let ended: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            ClientEvent::TransferEnded { result, .. } => Some(result.clone()),
            _ => None,
        })
        .collect();
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, ClientEvent::DisplayPicture { .. })),
        "{events:?}"
    );
    assert_eq!(
        ended,
        [Err(TransferFailure::SizeMismatch {
            expected: 16,
            got: 15
        })]
    );
}

#[test]
fn same_size_other_bytes_fail_as_corrupt() {
    let (_h, _lines, events) = fetch(b"the fake picture", b"the real picture");
    let ended: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            ClientEvent::TransferEnded { result, .. } => Some(result.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(ended, [Err(TransferFailure::Corrupt)]);
    assert_eq!(
        TransferFailure::Corrupt.to_string(),
        "the transfer's data arrived damaged"
    );
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config { cases: 48, ..Default::default() })]

    /// Whatever a peer puts after a P2P MIME part addressed to the user (a binary
    /// header of random fields, any data, any footer), the client neither panics nor
    /// reports it as a message, and every transfer it opened still ends once.
    #[test]
    fn hostile_p2p_payloads_are_survived(
        header in proptest::collection::vec(proptest::num::u8::ANY, 0..60),
        data in proptest::collection::vec(proptest::num::u8::ANY, 0..200),
        slp in proptest::bool::ANY,
    ) {
        let mut h = Harness::signed_in();
        let (_conversation, sb) = h.conversation_with_bob();
        let bob = Passport::try_from(BOB).unwrap();
        let object = MsnObject::for_data(bob.clone(), MsnObjectKind::DisplayPicture, "0", "", b"pic").unwrap();
        let id = h.client.request_display_picture(h.now, &bob, &object).unwrap();
        h.drain();
        let mut payload = format!(
            "MIME-Version: 1.0\r\nContent-Type: application/x-msnmsgrp2p\r\nP2P-Dest: {ME}\r\n\r\n"
        )
        .into_bytes();
        payload.extend_from_slice(&header);
        if slp {
            payload.extend_from_slice(b"INVITE MSNMSGR:bot@example.com MSNSLP/1.0\r\n\r\n");
        }
        payload.extend_from_slice(&data);
        h.input(sb, &relayed(BOB, "Bob", &payload));
        proptest::prop_assert!(
            !h.events.iter().any(|e| matches!(e, ClientEvent::MessageReceived { .. })),
            "{:?}",
            h.events
        );
        h.events.clear();
        h.client.handle_closed(sb, h.now);
        h.drain();
        let ended: Vec<_> = h
            .events
            .iter()
            .filter(|e| matches!(e, ClientEvent::TransferEnded { id: ended, .. } if *ended == id))
            .collect();
        proptest::prop_assert_eq!(ended.len(), 1, "{:?}", h.events);
    }
}
