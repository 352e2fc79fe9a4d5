//! `Harness`: one `Client` in memory against scripted server bytes, signed in, with the
//! bytes it writes on each connection and its events kept for exact assertions.

#![allow(dead_code)]

use std::time::Instant;

use msnp::Secret;
use msnp::client::{Client, ClientConfig, ClientEvent, ClientOutput, ConnId, ConversationId, TransferId};
use msnp::codec::{Dialect, Passport};
use msnp::testing::loopback::passport_answer;

pub const ME: &str = "bot@example.com";
pub const BOB: &str = "bob@example.com";
pub const COOKIE: &str = "17262740.1050826919.32308";

/// A `MSG` from `from` (shown as `name`) carrying `payload`, as a switchboard relays it.
pub fn relayed(from: &str, name: &str, payload: &[u8]) -> Vec<u8> {
    let mut wire = format!("MSG {from} {name} {}\r\n", payload.len()).into_bytes();
    wire.extend_from_slice(payload);
    wire
}

/// The value of header `name` in `message` (an invitation's or a MIME message's).
pub fn header<'a>(message: &'a str, name: &str) -> &'a str {
    message
        .split(&format!("{name}: "))
        .nth(1)
        .and_then(|rest| rest.split("\r\n").next())
        .unwrap()
}

/// No lists, no status, MSNFTP hosted: what the MSNFTP tests start from.
pub fn msnftp_config() -> ClientConfig {
    let mut config = ClientConfig::default();
    config.sync_lists = false;
    config.initial_status = None;
    config.transfer.msnftp = true;
    config
}

/// The client in memory against scripted server bytes.
pub struct Harness {
    pub client: Client,
    pub now: Instant,
    pub ns: ConnId,
    pub connects: Vec<ConnId>,
    pub sent: Vec<(ConnId, Vec<u8>)>,
    pub events: Vec<ClientEvent>,
    pub addrs: Vec<String>,
    pub closed: Vec<ConnId>,
    /// Each connection the client asked to listen for, and toward which server.
    pub listens: Vec<(ConnId, String)>,
}

impl Harness {
    /// The MSNFTP receive of `id` on the direct connection `direct`, once it opens, byte
    /// for byte against a sender of the 5-byte file `hello` (auth cookie 41): the
    /// handshake, the one block, `BYE`, and exactly the data, progress and end events.
    pub fn receive_hello(&mut self, direct: ConnId, id: TransferId) {
        self.client.handle_connected(direct, self.now);
        self.drain();
        assert_eq!(self.sent_on(direct), "VER MSNFTP\r\n");
        self.input(direct, b"VER MSNFTP\r\n");
        assert_eq!(self.sent_on(direct), format!("USR {ME} 41\r\n"));
        self.input(direct, b"FIL 5\r\n");
        assert_eq!(self.sent_on(direct), "TFR\r\n");
        self.input(direct, b"\x00\x05\x00hello");
        assert_eq!(self.sent_on(direct), "BYE 16777989\r\n");
        assert_eq!(
            self.take(),
            [
                format!("TransferData {{ id: {id:?}, bytes: [104, 101, 108, 108, 111] }}"),
                format!("TransferProgress {{ id: {id:?}, done: 5, total: 5 }}"),
                format!("TransferEnded {{ id: {id:?}, result: Ok(5) }}"),
            ]
        );
    }

    /// Signed in as [`ME`] ("Bot") under `dialect`, which the server's `VER` picks from
    /// the offer, checked byte for byte; every output so far drained. From MSNP10
    /// `USR OK` names only the account, as Escargot sends it (reference §2.3).
    pub fn signed_in_with(config: ClientConfig, dialect: Dialect) -> Self {
        let offer: Vec<&str> = config.notification.dialects.iter().map(Dialect::as_str).collect();
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
            listens: Vec::new(),
        };
        h.client.handle_connected(ns, now);
        h.drain();
        assert_eq!(h.sent_on(ns), format!("VER 1 {} CVR0\r\n", offer.join(" ")));
        h.ns_input(format!("VER 1 {dialect}\r\n").as_bytes());
        h.ns_input(b"CVR 2 1.0.0000 1.0.0000 1.0.0000 http://x http://y\r\n");
        h.ns_input(b"USR 3 TWN S lc=1033,id=507\r\n");
        let (ok, name) = match dialect >= Dialect::Msnp10 {
            true => (format!("USR 4 OK {ME} 1 0\r\n"), ME),
            false => (format!("USR 4 OK {ME} Bot 1 0\r\n"), "Bot"),
        };
        h.ns_input(ok.as_bytes());
        assert_eq!(
            h.take().last().map(String::as_str),
            Some(
                format!(
                    r#"LoggedIn {{ account: Passport("bot@example.com"), name: EncodedName("{name}"), dialect: {dialect:?} }}"#
                )
                .as_str()
            )
        );
        h.sent.clear();
        h
    }

    pub fn ns_input(&mut self, bytes: &[u8]) {
        self.client.handle_input(self.ns, self.now, bytes);
        self.drain();
    }

    pub fn input(&mut self, conn: ConnId, bytes: &[u8]) {
        self.client.handle_input(conn, self.now, bytes);
        self.drain();
    }

    pub fn drain(&mut self) {
        loop {
            match self.client.poll_output() {
                ClientOutput::Connect { conn, addr } => {
                    self.connects.push(conn);
                    self.addrs.push(addr.to_string());
                }
                ClientOutput::Transmit { conn, bytes } => self.sent.push((conn, bytes.to_vec())),
                ClientOutput::Close { conn } => self.closed.push(conn),
                ClientOutput::Listen { conn, toward } => self.listens.push((conn, toward.to_string())),
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
    pub fn take(&mut self) -> Vec<String> {
        self.events.drain(..).map(|e| format!("{e:?}")).collect()
    }

    /// The bytes written on `conn` since the last call.
    pub fn sent_on(&mut self, conn: ConnId) -> String {
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
    pub fn p2p_sent_on(&mut self, conn: ConnId) -> Vec<(String, Vec<u8>)> {
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
    pub fn conversation_with_bob(&mut self) -> (ConversationId, ConnId) {
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
