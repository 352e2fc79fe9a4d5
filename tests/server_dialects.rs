//! One server, several dialects: an MSNP8 `NotificationClient` beside an MSNP12 client
//! scripted by bytes (the client machines' MSNP10+ side lands elsewhere), each seeing
//! the other in its own dialect's form; switchboards formatted by the dialect their
//! cookie carries; the bounds and switches of the MSNP9+ features.

use std::collections::BTreeMap;
use std::time::Instant;

use msnp::Output;
use msnp::codec::{ClientCaps, Dialect, DialectSet, Limits, List, Passport, ServerCommand, Status};
use msnp::ns::{NotificationClient, NsConfig, NsEvent};
use msnp::server::{CloseReason, ConnId, Listener, Server, ServerConfig, ServerEvent, ServerOutput};

const ALICE: &str = "alice@example.com";
const BOB: &str = "bob@example.com";
/// An MSNObject as MSN Messenger 7.5 percent-encodes it (every reserved byte).
const BOB_PICTURE: &str = "%3Cmsnobj%20Creator%3D%22bob%40example.com%22%20Size%3D%225000%22%20Type%3D%223%22%20Location%3D%220%22%20Friendly%3D%22AAA%3D%22%20SHA1D%3D%22bnJ5aXN0aGVyZWFsc2hhMWRvZmFsaWNl%22%2F%3E";
/// MSN Messenger 7.5's caps (MSNC4 nibble, multi-packet) [reference §7 OBS].
const CAPS_75: u32 = 1_342_177_312;
/// MSN Messenger 6.0's.
const CAPS_60: u32 = 268_435_492;

/// A server, an optional MSNP8 notification machine on it, and connections driven by
/// bytes whose received bytes are kept for exact assertions.
struct World {
    server: Server,
    now: Instant,
    machine: Option<(NotificationClient, ConnId)>,
    /// What the machine's connection was sent, for byte assertions beside its events.
    machine_bytes: Vec<u8>,
    events: Vec<NsEvent>,
    received: BTreeMap<ConnId, Vec<u8>>,
    server_events: Vec<ServerEvent>,
}

impl World {
    fn new(config: ServerConfig) -> World {
        let now = Instant::now();
        let mut server = Server::new(config, now);
        server.add_account(ALICE, "alice-pw", "Alice").unwrap();
        server.add_account(BOB, "bob-pw", "Bob").unwrap();
        World {
            server,
            now,
            machine: None,
            machine_bytes: Vec::new(),
            events: Vec::new(),
            received: BTreeMap::new(),
            server_events: Vec::new(),
        }
    }

    /// Moves bytes between the machine and the server until both are idle; a Passport
    /// challenge is answered with a ticket of the in-memory authority.
    fn pump(&mut self) {
        for _ in 0..10_000 {
            let mut progress = false;
            if let Some((ns, conn)) = &mut self.machine {
                loop {
                    match ns.poll_output() {
                        Output::Transmit(bytes) => {
                            let bytes = bytes.to_vec();
                            let _ = self.server.handle_input(*conn, self.now, &bytes);
                            progress = true;
                        }
                        Output::Event(NsEvent::PassportRequired { .. }) => {
                            let ticket = self.server.verifier_mut().issue_ticket(ALICE).unwrap();
                            ns.submit_ticket(self.now, ticket).unwrap();
                            progress = true;
                        }
                        Output::Event(event) => {
                            self.events.push(event);
                            progress = true;
                        }
                        Output::Idle { .. } => break,
                    }
                }
            }
            loop {
                match self.server.poll_output() {
                    ServerOutput::Transmit { conn, bytes } => {
                        progress = true;
                        match &mut self.machine {
                            Some((ns, machine_conn)) if *machine_conn == conn => {
                                self.machine_bytes.extend_from_slice(&bytes);
                                ns.handle_input(self.now, &bytes);
                            }
                            _ => self.received.entry(conn).or_default().extend_from_slice(&bytes),
                        }
                    }
                    ServerOutput::Event(event) => self.server_events.push(event),
                    ServerOutput::Close { .. } => {}
                    ServerOutput::Idle { .. } => break,
                }
            }
            if !progress {
                return;
            }
        }
        panic!("the machine and the server never went quiet");
    }

    /// Alice's MSNP8 notification machine, signed in straight to the notification server.
    fn sign_in_machine(&mut self) {
        let mut config = NsConfig::default();
        config.dialects = DialectSet::only(Dialect::Msnp8);
        config.caps = ClientCaps(CAPS_60);
        let mut ns = NotificationClient::new(config, Passport::try_from(ALICE).unwrap(), self.now);
        let conn = self.server.accept(self.now, Listener::Notification);
        ns.handle_connected(self.now).unwrap();
        self.machine = Some((ns, conn));
        self.pump();
    }

    fn ns(&mut self) -> &mut NotificationClient {
        &mut self.machine.as_mut().unwrap().0
    }

    fn send(&mut self, conn: ConnId, bytes: impl AsRef<[u8]>) {
        self.server.handle_input(conn, self.now, bytes.as_ref()).unwrap();
        self.pump();
    }

    /// A connection scripted by bytes, signed in speaking `dialect`.
    fn sign_in_raw(&mut self, account: &str, dialect: Dialect) -> ConnId {
        let conn = self.server.accept(self.now, Listener::Notification);
        self.send(conn, format!("VER 1 {dialect} CVR0\r\nUSR 2 TWN I {account}\r\n"));
        let ticket = self.server.verifier_mut().issue_ticket(account).unwrap();
        self.send(conn, format!("USR 3 TWN S {}\r\n", ticket.expose()));
        let got = self.take(conn);
        assert!(got.starts_with(&format!("VER 1 {dialect}\r\n")), "{got}");
        conn
    }

    fn take(&mut self, conn: ConnId) -> String {
        String::from_utf8(self.received.remove(&conn).unwrap_or_default()).unwrap()
    }

    #[track_caller]
    fn expect(&mut self, conn: ConnId, expected: &str) {
        assert_eq!(self.take(conn), expected, "bytes received by {conn}");
    }

    #[track_caller]
    fn expect_machine(&mut self, expected: &str) {
        let got = String::from_utf8(std::mem::take(&mut self.machine_bytes)).unwrap();
        assert_eq!(got, expected, "bytes received by the MSNP8 machine");
    }

    fn guid(&self, account: &str) -> String {
        self.server
            .directory()
            .account(account)
            .unwrap()
            .guid()
            .as_str()
            .to_owned()
    }
}

#[test]
fn an_msnp8_client_and_an_msnp12_client_see_each_other_each_in_its_own_form() {
    let mut w = World::new(ServerConfig::default());
    w.sign_in_machine();
    assert!(
        w.events.iter().any(|e| matches!(
            e,
            NsEvent::LoggedIn {
                dialect: Dialect::Msnp8,
                ..
            }
        )),
        "{:?}",
        w.events
    );
    let bob = w.sign_in_raw(BOB, Dialect::Msnp12);
    w.send(bob, "SYN 4 0 0\r\n");
    w.expect(
        bob,
        "SYN 4 2000-01-01T00:00:00.0-00:00 2000-01-01T00:00:00.0-00:00 0 0\r\nGTC A\r\nBLP AL\r\nPRP MFN Bob\r\n",
    );
    w.send(bob, format!("CHG 5 NLN {CAPS_75} {BOB_PICTURE}\r\n"));
    w.expect(bob, &format!("CHG 5 NLN {CAPS_75} {BOB_PICTURE}\r\n"));
    w.send(bob, "UUX 6 43\r\n<Data><PSM>test</PSM><CurrentMedia/></Data>");
    w.expect(bob, "UUX 6 0\r\n");

    // Alice (MSNP8) adds Bob: MSNP8's reply and ILN (no object, no UBX); Bob
    // (MSNP12) is told in MSNP10's form, without a list version.
    w.machine_bytes.clear();
    let now = w.now;
    let trid = w
        .ns()
        .add_contact(now, List::Forward, &Passport::try_from(BOB).unwrap(), None)
        .unwrap();
    w.pump();
    let alice_version = w.server.directory().account(ALICE).unwrap().version();
    w.expect_machine(&format!("ADD {trid} FL {alice_version} {BOB} {BOB} 0\r\n"));
    w.expect(bob, "ADC 0 RL N=alice@example.com F=Alice\r\n");

    // Bob adds Alice back by MSNP10's ADC; Alice gets MSNP8's ADD 0 RL.
    w.send(bob, "ADC 7 FL N=alice@example.com F=Alice\r\n");
    w.expect(
        bob,
        &format!("ADC 7 FL N=alice@example.com F=Alice C={}\r\n", w.guid(ALICE)),
    );
    let bob_version = w.server.directory().account(ALICE).unwrap().version();
    w.expect_machine(&format!("ADD 0 RL {bob_version} {BOB} Bob\r\n"));
    assert!(
        w.events
            .iter()
            .any(|e| matches!(e, NsEvent::AddedBy { account, .. } if account.as_str() == BOB))
    );

    // Alice comes online: she sees Bob in MSNP8's form, and Bob sees her in MSNP12's,
    // with the empty object and the empty personal message Escargot shows for a
    // contact who set neither.
    w.events.clear();
    let now = w.now;
    let chg = w.ns().set_status(now, Status::Online).unwrap();
    w.pump();
    let got = String::from_utf8(std::mem::take(&mut w.machine_bytes)).unwrap();
    assert!(
        got.starts_with(&format!(
            "CHG {chg} NLN {CAPS_60}\r\nILN {chg} NLN {BOB} Bob {CAPS_75}\r\nCHL 0 "
        )),
        "{got}"
    );
    assert!(w.events.iter().any(|e| matches!(
        e,
        NsEvent::ContactPresence { account, status: Status::Online, caps: Some(ClientCaps(CAPS_75)), .. }
            if account.as_str() == BOB
    )));
    w.expect(
        bob,
        &format!(
            "NLN NLN {ALICE} Alice {CAPS_60} %3Cmsnobj%2F%3E\r\n\
             UBX {ALICE} 53\r\n<Data><PSM></PSM><CurrentMedia></CurrentMedia></Data>"
        ),
    );

    // Bob's changes reach Alice as MSNP8 NLN: no object, and no UBX for his new
    // personal message.
    w.send(bob, format!("CHG 8 BSY {CAPS_75} {BOB_PICTURE}\r\n"));
    w.send(bob, "UUX 9 43\r\n<Data><PSM>busy</PSM><CurrentMedia/></Data>");
    w.expect(bob, &format!("CHG 8 BSY {CAPS_75} {BOB_PICTURE}\r\nUUX 9 0\r\n"));
    w.expect_machine(&format!("NLN BSY {BOB} Bob {CAPS_75}\r\n"));

    // Bob's MSNP12 view of the list: Alice with her C= on FL, AL-less, RL, network 1.
    w.send(bob, "SYN 10 0 0\r\n");
    w.expect(
        bob,
        &format!(
            "SYN 10 2000-01-01T00:00:00.0-00:00 2000-01-01T00:00:00.0-00:00 1 0\r\nGTC A\r\nBLP AL\r\nPRP MFN Bob\r\n\
             LST N={ALICE} F=Alice C={} 9 1\r\n",
            w.guid(ALICE)
        ),
    );

    // Removals, each side told in its own form: Bob by MSNP10's REM 0 RL (no version),
    // Alice by MSNP8's (with her list version).
    let now = w.now;
    w.ns()
        .remove_contact(now, List::Forward, &Passport::try_from(BOB).unwrap(), None)
        .unwrap();
    w.pump();
    w.expect(bob, &format!("REM 0 RL {ALICE}\r\n"));
    w.machine_bytes.clear();
    w.send(bob, format!("REM 11 FL {}\r\n", w.guid(ALICE)));
    w.expect(bob, &format!("REM 11 FL {}\r\n", w.guid(ALICE)));
    let version = w.server.directory().account(ALICE).unwrap().version();
    w.expect_machine(&format!("REM 0 RL {version} {BOB}\r\n"));
}

#[test]
fn switchboards_speak_the_dialect_their_cookie_carries() {
    let mut w = World::new(ServerConfig::default());
    let alice = w.sign_in_raw(ALICE, Dialect::Msnp8);
    let bob = w.sign_in_raw(BOB, Dialect::Msnp12);
    for (conn, caps) in [(alice, CAPS_60), (bob, CAPS_75)] {
        w.send(conn, format!("CHG 4 NLN {caps}\r\n"));
        w.take(conn);
    }

    // Bob (MSNP12) opens a switchboard and calls Alice (MSNP8).
    w.send(bob, "XFR 5 SB\r\n");
    let xfr = w.take(bob);
    let cookie = xfr.trim_end().rsplit(' ').next().unwrap().to_owned();
    let bob_sb = w.server.accept(w.now, Listener::Switchboard);
    w.send(bob_sb, format!("USR 1 {BOB} {cookie}\r\nCAL 2 {ALICE}\r\n"));
    let got = w.take(bob_sb);
    let session = got.trim_end().rsplit(' ').next().unwrap().to_owned();
    assert_eq!(got, format!("USR 1 OK {BOB} Bob\r\nCAL 2 RINGING {session}\r\n"));
    let rng = w.take(alice);
    let ring_cookie = rng
        .split(" CKI ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .to_owned();

    // Alice answers: her IRO (MSNP8) has no caps; Bob's JOI (MSNP12) has hers.
    let alice_sb = w.server.accept(w.now, Listener::Switchboard);
    w.send(alice_sb, format!("ANS 1 {ALICE} {ring_cookie} {session}\r\n"));
    w.expect(alice_sb, &format!("IRO 1 1 1 {BOB} Bob\r\nANS 1 OK\r\n"));
    w.expect(bob_sb, &format!("JOI {ALICE} Alice {CAPS_60}\r\n"));

    // P2P goes in mode D from MSNP9 on: acknowledged and relayed verbatim.
    let p2p = "MIME-Version: 1.0\r\nContent-Type: application/x-msnmsgrp2p\r\nP2P-Dest: alice@example.com\r\n\r\n\x00\x01";
    w.send(bob_sb, format!("MSG 3 D {}\r\n{p2p}", p2p.len()));
    w.expect(bob_sb, "ACK 3\r\n");
    w.expect(alice_sb, &format!("MSG {BOB} Bob {}\r\n{p2p}", p2p.len()));
    // MSNP8 has no mode D: a syntax error, the session goes on.
    w.send(alice_sb, format!("MSG 2 D {}\r\n{p2p}", p2p.len()));
    w.expect(alice_sb, "200 2\r\n");
    // P2P in another mode closes the sender's switchboard connection, as Escargot does.
    w.send(bob_sb, format!("MSG 4 N {}\r\n{p2p}", p2p.len()));
    w.expect(bob_sb, "");
    w.expect(alice_sb, &format!("BYE {BOB}\r\n"));
    assert!(w.server_events.contains(&ServerEvent::Closed {
        conn: bob_sb,
        reason: CloseReason::P2pWithoutDataAck
    }));
}

#[test]
fn the_personal_message_is_bounded() {
    let mut config = ServerConfig::default();
    config.max_personal_message_len = 43;
    let mut w = World::new(config);
    let bob = w.sign_in_raw(BOB, Dialect::Msnp11);
    w.send(bob, "UUX 4 43\r\n<Data><PSM>test</PSM><CurrentMedia/></Data>");
    w.expect(bob, "UUX 4 0\r\n");
    w.send(bob, "UUX 5 44\r\n<Data><PSM>tests</PSM><CurrentMedia/></Data>");
    w.expect(bob, "");
    assert!(w.server_events.contains(&ServerEvent::Closed {
        conn: bob,
        reason: CloseReason::PersonalMessageTooLarge { len: 44, max: 43 }
    }));
    // The session is gone, and with it what it showed.
    assert_eq!(
        w.server.directory().account(BOB).unwrap().personal_message(),
        None,
        "a closed session's presence is gone"
    );
}

#[test]
fn escargot_quirks_shape_the_group_replies_and_the_codec_reads_them() {
    for quirks in [false, true] {
        let mut config = ServerConfig::default();
        config.escargot_quirks = quirks;
        let mut w = World::new(config);
        let bob = w.sign_in_raw(BOB, Dialect::Msnp10);
        w.send(bob, "ADG 4 Work\r\n");
        let adg = w.take(bob);
        let guid = adg.split(' ').nth(3).unwrap().trim_end().to_owned();
        w.send(bob, format!("REG 5 {guid} Office\r\nRMG 6 {guid}\r\n"));
        let rest = w.take(bob);
        if quirks {
            assert_eq!(adg, format!("ADG 4 Work {guid} 0\r\n"));
            assert_eq!(rest, format!("REG 5 1 Office {guid} 0\r\nRMG 6 1 {guid}\r\n"));
        } else {
            assert_eq!(adg, format!("ADG 4 Work {guid}\r\n"));
            assert_eq!(rest, format!("REG 5 {guid} Office\r\nRMG 6 {guid}\r\n"));
        }
        // Either shape reads as the same typed reply (reference §4.2).
        let mut input = format!("{adg}{rest}").into_bytes();
        let mut verbs = Vec::new();
        while !input.is_empty() {
            let (command, used) =
                ServerCommand::decode_in(&input, Dialect::Msnp10, &Limits::default()).unwrap();
            verbs.push(match command {
                ServerCommand::AdgGuid { group, .. }
                | ServerCommand::RegGuid { group, .. }
                | ServerCommand::RmgGuid { group, .. } => {
                    assert_eq!(group.as_str(), guid);
                    "typed"
                }
                other => panic!("{other:?}"),
            });
            input.drain(..used);
        }
        assert_eq!(verbs, ["typed"; 3]);
    }
}

#[test]
fn msnp10_verbs_before_msnp10_and_msnp8_verbs_after() {
    let mut w = World::new(ServerConfig::default());
    // ADC before MSNP10 ends the session, as Escargot does.
    let nine = w.sign_in_raw(BOB, Dialect::Msnp9);
    w.send(nine, "PNG\r\nADC 4 FL N=alice@example.com F=Alice\r\n");
    w.expect(nine, "QNG 60\r\n");
    assert!(w.server_events.contains(&ServerEvent::Closed {
        conn: nine,
        reason: CloseReason::UnexpectedCommand { verb: "ADC".into() }
    }));
    // ADD in MSNP10+ too.
    let ten = w.sign_in_raw(ALICE, Dialect::Msnp10);
    w.send(ten, "ADD 4 FL bob@example.com bob@example.com 0\r\n");
    w.expect(ten, "");
    assert!(w.server_events.contains(&ServerEvent::Closed {
        conn: ten,
        reason: CloseReason::UnexpectedCommand { verb: "ADD".into() }
    }));
}
