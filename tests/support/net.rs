//! `Net`: a [`Server`] driven in memory, with each connection's received bytes kept
//! apart so tests can assert them exactly (quinn-proto's `Pair`, for many peers).

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use msnp::codec::ClientCommand;
use msnp::server::{CloseReason, ConnId, Listener, Server, ServerConfig, ServerEvent, ServerOutput};

pub struct Net {
    pub server: Server,
    pub now: Instant,
    received: BTreeMap<ConnId, Vec<u8>>,
    pub closed: Vec<ConnId>,
    pub events: Vec<ServerEvent>,
    pub next_timeout: Option<Instant>,
}

pub const ALICE: &str = "alice@example.com";
pub const BOB: &str = "bob@example.com";
pub const CAROL: &str = "carol@example.com";

impl Net {
    pub fn new() -> Net {
        Net::with_config(ServerConfig::default())
    }

    pub fn with_config(config: ServerConfig) -> Net {
        let now = Instant::now();
        let mut server = Server::new(config, now);
        server.add_account(ALICE, "alice-pw", "Alice").unwrap();
        server.add_account(BOB, "bob-pw", "Bob Smith").unwrap();
        server.add_account(CAROL, "carol-pw", "Carol").unwrap();
        Net {
            server,
            now,
            received: BTreeMap::new(),
            closed: Vec::new(),
            events: Vec::new(),
            next_timeout: None,
        }
    }

    pub fn drain(&mut self) {
        loop {
            match self.server.poll_output() {
                ServerOutput::Transmit { conn, bytes } => {
                    assert!(!self.closed.contains(&conn), "bytes after Close on {conn}");
                    self.received.entry(conn).or_default().extend_from_slice(&bytes);
                }
                ServerOutput::Close { conn } => self.closed.push(conn),
                ServerOutput::Event(event) => self.events.push(event),
                ServerOutput::Idle { next_timeout } => {
                    self.next_timeout = next_timeout;
                    return;
                }
            }
        }
    }

    pub fn accept(&mut self, listener: Listener) -> ConnId {
        let conn = self.server.accept(self.now, listener);
        self.drain();
        conn
    }

    pub fn send(&mut self, conn: ConnId, bytes: impl AsRef<[u8]>) {
        self.server.handle_input(conn, self.now, bytes.as_ref()).unwrap();
        self.drain();
    }

    pub fn send_cmd(&mut self, conn: ConnId, command: &ClientCommand<'_>) {
        let mut bytes = Vec::new();
        command.encode(&mut bytes).unwrap();
        self.send(conn, bytes);
    }

    pub fn hang_up(&mut self, conn: ConnId) {
        self.server.handle_closed(conn, self.now).unwrap();
        self.drain();
    }

    pub fn advance(&mut self, by: Duration) {
        self.now += by;
        self.server.handle_timeout(self.now);
        self.drain();
    }

    /// Everything `conn` received since the last call, as text.
    pub fn take(&mut self, conn: ConnId) -> String {
        String::from_utf8(self.received.remove(&conn).unwrap_or_default()).unwrap()
    }

    /// Asserts that `conn` received exactly `expected` since the last call.
    #[track_caller]
    pub fn expect(&mut self, conn: ConnId, expected: &str) {
        assert_eq!(self.take(conn), expected, "bytes received by {conn}");
    }

    pub fn take_events(&mut self) -> Vec<ServerEvent> {
        std::mem::take(&mut self.events)
    }

    pub fn close_reason(&self, conn: ConnId) -> Option<&CloseReason> {
        self.events.iter().find_map(|e| match e {
            ServerEvent::Closed { conn: c, reason } if *c == conn => Some(reason),
            _ => None,
        })
    }

    /// A notification connection through `USR … OK` and its profile message.
    pub fn sign_in(&mut self, account: &str) -> ConnId {
        let ns = self.accept(Listener::Notification);
        self.send(ns, "VER 1 MSNP8 CVR0\r\n");
        self.send(
            ns,
            format!("CVR 2 0x0409 win 4.10 i386 MSNMSGR 5.0.0544 MSMSGS {account}\r\n"),
        );
        self.send(ns, format!("USR 3 TWN I {account}\r\n"));
        let ticket = self.server.verifier_mut().issue_ticket(account).unwrap();
        self.send(ns, format!("USR 4 TWN S {}\r\n", ticket.expose()));
        let got = self.take(ns);
        assert!(got.contains(&format!("USR 4 OK {account} ")), "{got}");
        ns
    }

    /// Signed in, `CHG 5 NLN` sent and the challenge answered; returns the
    /// connection and the bytes the CHG produced before `CHL`.
    pub fn go_online(&mut self, account: &str) -> (ConnId, String) {
        let ns = self.sign_in(account);
        self.send(ns, "CHG 5 NLN 268435492\r\n");
        let got = self.take(ns);
        let (before, chl) = got.split_once("CHL 0 ").expect("a challenge after the first CHG");
        let challenge = chl.trim_end();
        self.send(ns, qry(6, challenge));
        self.expect(ns, "QRY 6\r\n");
        (ns, before.to_owned())
    }
}

/// `QRY T msmsgs@msnmsgr.com 32` + the right digest.
pub fn qry(trid: u32, challenge: &str) -> String {
    let digest = msnp::challenge::Product::MSMSGS.answer(challenge);
    format!("QRY {trid} msmsgs@msnmsgr.com 32\r\n{digest}")
}

/// The word after `marker` in `text`.
pub fn word_after<'a>(text: &'a str, marker: &str) -> &'a str {
    let rest = text.split(marker).nth(1).expect(marker);
    rest.split([' ', '\r']).next().unwrap()
}
