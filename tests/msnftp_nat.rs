//! An MSNFTP inviter behind NAT gives its public `IP-Address` and its LAN address as
//! `IP-Address-Internal`: the receiving `Client` connects to the first, and when that
//! fails (or closes before the sender said anything) tries the second once, on a new
//! connection, before the transfer fails. Exact outputs, bytes and events, then two
//! bots over real loopback TCP, the sender "behind NAT" at an address where nothing
//! listens.

mod support {
    pub mod bots;
    pub mod scripted;
}

use msnp::Secret;
use msnp::client::{ClientEvent, ConnId, TransferId};
use msnp::codec::Dialect;
use msnp::msg::Invitation;
use msnp::msnftp::{FileInvitation, InviteeUpdate};
use support::bots;
use support::scripted::{BOB, Harness, msnftp_config, relayed};

/// Bob's offer of `readme.txt` (5 bytes, cookie 33267), accepted: the transfer id.
fn accepted(h: &mut Harness, sb: ConnId) -> TransferId {
    let mut offer = Vec::new();
    Invitation::file_transfer(33_267, "readme.txt", 5)
        .encode(&mut offer)
        .unwrap();
    h.input(sb, &relayed(BOB, "Bob", &offer));
    let id = match &h.events[..] {
        [ClientEvent::TransferOffered { id, .. }] => *id,
        other => panic!("{other:?}"),
    };
    h.events.clear();
    h.client.accept_transfer(h.now, id).unwrap();
    h.drain();
    h.sent.clear();
    id
}

/// Bob's `ACCEPT` with `IP-Address: 203.0.113.9`, `Port: 6891`, `AuthCookie: 41` and
/// the extra fields `extra` (`Name: value\r\n` lines), as Messenger writes them.
fn address(extra: &str) -> Vec<u8> {
    let body = format!(
        "MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsinvite; charset=UTF-8\r\n\r\n\
         Invitation-Command: ACCEPT\r\nInvitation-Cookie: 33267\r\n\
         IP-Address: 203.0.113.9\r\n{extra}Port: 6891\r\nAuthCookie: 41\r\n\
         Sender-Connect: TRUE\r\n\r\n"
    );
    relayed(BOB, "Bob", body.as_bytes())
}

/// A received `ACCEPT` carrying `extra`, read by a fresh invitation.
fn parsed(extra: &str) -> Option<String> {
    let mut invitation =
        FileInvitation::from_invite(&Invitation::file_transfer(33_267, "readme.txt", 5)).unwrap();
    invitation.accept().unwrap();
    let wire = address(extra);
    let payload = &wire[wire.iter().position(|&b| b == b'\n').unwrap() + 1..];
    let message = msnp::msg::Message::parse(payload).unwrap();
    let accept = Invitation::parse(&message).unwrap();
    match invitation.handle(&accept) {
        Ok(InviteeUpdate::Connect(to)) => {
            assert_eq!((to.ip_address.as_str(), to.port), ("203.0.113.9", 6891));
            to.ip_address_internal
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_internal_address_is_kept_only_when_it_is_another_ip_address() {
    assert_eq!(
        parsed("IP-Address-Internal: 192.168.1.20\r\n").as_deref(),
        Some("192.168.1.20")
    );
    assert_eq!(
        parsed("ip-address-internal: fe80::1\r\n").as_deref(),
        Some("fe80::1")
    );
    assert_eq!(parsed(""), None);
    assert_eq!(parsed("IP-Address-Internal: 203.0.113.9\r\n"), None, "the same");
    assert_eq!(parsed("IP-Address-Internal: lan-host\r\n"), None, "not an IP");
    assert_eq!(parsed("IP-Address-Internal: 192.168.1.20:80\r\n"), None);
    assert_eq!(parsed("IP-Address-Internal:\r\n"), None);
}

/// The first connection goes to the public address, then the second (after
/// `first_fails`) to the internal one; the second runs the whole transfer.
fn falls_back(first_fails: impl FnOnce(&mut Harness, ConnId)) {
    let mut h = Harness::signed_in_with(msnftp_config(), Dialect::Msnp8);
    let (_conversation, sb) = h.conversation_with_bob();
    let id = accepted(&mut h, sb);
    h.input(sb, &address("IP-Address-Internal: 192.168.1.20\r\n"));
    let first = *h.connects.last().unwrap();
    assert_eq!(h.addrs.last().map(String::as_str), Some("203.0.113.9:6891"));
    first_fails(&mut h, first);
    h.drain();
    assert_eq!(h.closed, [first]);
    let second = *h.connects.last().unwrap();
    assert_ne!(second, first);
    assert_eq!(h.addrs.last().map(String::as_str), Some("192.168.1.20:6891"));
    assert_eq!(h.take(), Vec::<String>::new(), "the first try is no event");
    assert_eq!(h.sent_on(sb), "", "Bob is told nothing of it");
    h.receive_hello(second, id);
    assert_eq!(h.closed, [first, second]);
}

#[test]
fn a_refused_public_address_falls_back_to_the_internal_one() {
    falls_back(|h, first| h.client.handle_connect_failed(first, h.now));
}

#[test]
fn a_public_address_that_closes_before_the_handshake_falls_back_too() {
    falls_back(|h, first| {
        h.client.handle_connected(first, h.now);
        h.drain();
        assert_eq!(h.sent_on(first), "VER MSNFTP\r\n");
        h.client.handle_closed(first, h.now);
    });
}

#[test]
fn when_both_addresses_fail_the_transfer_ends_once() {
    let mut h = Harness::signed_in_with(msnftp_config(), Dialect::Msnp8);
    let (_conversation, sb) = h.conversation_with_bob();
    let id = accepted(&mut h, sb);
    h.input(sb, &address("IP-Address-Internal: 192.168.1.20\r\n"));
    let first = *h.connects.last().unwrap();
    h.client.handle_connect_failed(first, h.now);
    h.drain();
    let second = *h.connects.last().unwrap();
    assert_eq!(h.addrs.last().map(String::as_str), Some("192.168.1.20:6891"));
    let connects = h.connects.len();
    h.client.handle_connect_failed(second, h.now);
    h.drain();
    assert_eq!(
        h.take(),
        [format!(
            "TransferEnded {{ id: {id:?}, result: Err(ConnectionLost) }}"
        )]
    );
    assert_eq!(h.closed, [first, second]);
    assert_eq!(h.connects.len(), connects, "no third try");
    let cancel = h.sent_on(sb);
    assert!(cancel.contains("Cancel-Code: FAIL\r\n"), "{cancel}");
}

#[test]
fn a_sender_that_spoke_is_not_tried_elsewhere() {
    let mut h = Harness::signed_in_with(msnftp_config(), Dialect::Msnp8);
    let (_conversation, sb) = h.conversation_with_bob();
    let id = accepted(&mut h, sb);
    h.input(sb, &address("IP-Address-Internal: 192.168.1.20\r\n"));
    let first = *h.connects.last().unwrap();
    h.client.handle_connected(first, h.now);
    h.drain();
    h.input(first, b"VER MSNFTP\r\n");
    let connects = h.connects.len();
    // Closed right after `USR`: how a sender refuses the cookie.
    h.client.handle_closed(first, h.now);
    h.drain();
    assert_eq!(
        h.take(),
        [format!(
            "TransferEnded {{ id: {id:?}, result: Err(Direct(AuthenticationFailed)) }}"
        )]
    );
    assert_eq!(h.connects.len(), connects);
    assert_eq!(h.closed, [first]);
}

#[test]
fn without_an_internal_address_one_connect_and_one_failure() {
    for extra in ["", "IP-Address-Internal: 203.0.113.9\r\n"] {
        let mut h = Harness::signed_in_with(msnftp_config(), Dialect::Msnp8);
        let (_conversation, sb) = h.conversation_with_bob();
        let id = accepted(&mut h, sb);
        let connects = h.connects.len();
        h.input(sb, &address(extra));
        assert_eq!(h.connects.len(), connects + 1);
        let first = *h.connects.last().unwrap();
        h.client.handle_connect_failed(first, h.now);
        h.drain();
        assert_eq!(
            h.take(),
            [format!(
                "TransferEnded {{ id: {id:?}, result: Err(ConnectionLost) }}"
            )]
        );
        assert_eq!(h.connects.len(), connects + 1);
        assert_eq!(h.closed, [first]);
    }
}

/// Bob's TCP connector, noting where each connection went.
struct Noted {
    tcp: msnp::blocking::TcpConnector,
    connects: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl msnp::blocking::Connector for Noted {
    type Stream = std::net::TcpStream;

    fn connect(
        &self,
        addr: &msnp::codec::HostPort<'static>,
        timeout: std::time::Duration,
        write_timeout: std::time::Duration,
    ) -> std::io::Result<Self::Stream> {
        self.connects.lock().unwrap().push(addr.to_string());
        self.tcp.connect(addr, timeout, write_timeout)
    }

    fn http(&self, request: &msnp::passport::HttpRequest) -> Result<msnp::passport::HttpResponse, String> {
        self.tcp.http(request)
    }
}

/// Alice sends from "behind NAT": she tells Bob a public address where nothing
/// listens (127.0.0.2; her listener is bound to 127.0.0.1 alone) and her listener's
/// own as `IP-Address-Internal`. Bob's first connection is refused, his second reaches
/// her, and the file arrives whole, with no failure on either side.
#[test]
fn over_loopback_tcp_a_refused_public_address_falls_back_to_the_listener() {
    use msnp::codec::{List, Status};
    use std::time::{Duration, Instant};

    let server = bots::start(&[bots::ALICE, bots::BOB]);
    let mut config = bots::config(&server);
    config.client.notification.dialects = msnp::codec::DialectSet::only(Dialect::Msnp8);
    config.client.transfer.msnftp = true;
    let port = {
        let probe = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
        probe.local_addr().unwrap().port()
    };
    let mut alice_config = config.clone();
    alice_config.msnftp_ports = Some(port..=port);
    alice_config.client.transfer.msnftp_public_ip = Some([127, 0, 0, 2].into());
    let alice = bots::peer(bots::ALICE, alice_config);
    let connects = std::sync::Arc::default();
    let noted = Noted {
        tcp: msnp::blocking::TcpConnector::new(&config).unwrap(),
        connects: std::sync::Arc::clone(&connects),
    };
    let (bot, events) =
        msnp::blocking::connect_with(config, noted, bots::BOB.0, Secret::new(bots::BOB.1.to_owned()))
            .unwrap();
    let bob = bots::Peer {
        bot,
        events,
        passed: Default::default(),
    };
    bots::online(&alice);
    bots::online(&bob);
    for (a, b) in [(&alice, bots::BOB.0), (&bob, bots::ALICE.0)] {
        a.bot.add_contact(List::Forward, &bots::passport(b)).unwrap();
        assert_eq!(bots::presence(a, b), Status::Online);
    }

    let file = bots::random_file(70_000, 9);
    let id = alice
        .bot
        .send_file_msnftp(&bots::passport(bots::BOB.0), "file.bin", file.len() as u64)
        .unwrap();
    let offer = bob.expect("the offer", |e| match e {
        ClientEvent::TransferOffered { id, .. } => Some(*id),
        _ => None,
    });
    bob.bot.accept_transfer(offer).unwrap();
    let (mut written, mut accepted) = (0, false);
    let (mut sent, mut received, mut data) = (None, None, Vec::new());
    let deadline = Instant::now() + Duration::from_secs(60);
    while sent.is_none() || received.is_none() {
        assert!(Instant::now() < deadline, "the transfer did not end within 60 s");
        while let Ok(event) = alice.events.recv_timeout(Duration::from_millis(1)) {
            match event {
                ClientEvent::TransferAccepted { id: got } if got == id => accepted = true,
                ClientEvent::TransferEnded { id: got, result } if got == id => sent = Some(result),
                _ => {}
            }
        }
        while accepted && sent.is_none() && written < file.len() {
            match alice.bot.write_transfer(id, &file[written..]) {
                Ok(0) | Err(_) => break,
                Ok(taken) => written += taken,
            }
        }
        while let Ok(event) = bob.events.recv_timeout(Duration::from_millis(1)) {
            match event {
                ClientEvent::TransferData { id, bytes } if id == offer => data.extend_from_slice(&bytes),
                ClientEvent::TransferEnded { id, result } if id == offer => received = Some(result),
                _ => {}
            }
        }
    }
    let size = file.len() as u64;
    assert_eq!((sent, received), (Some(Ok(size)), Some(Ok(size))));
    assert_eq!(bots::sha256(&data), bots::sha256(&file));
    let direct: Vec<String> = connects
        .lock()
        .unwrap()
        .iter()
        .filter(|addr| addr.ends_with(&format!(":{port}")))
        .cloned()
        .collect();
    assert_eq!(direct, [format!("127.0.0.2:{port}"), format!("127.0.0.1:{port}")]);
}

#[test]
fn the_second_try_waits_only_for_what_is_left_of_the_first_ones_timeout() {
    let mut h = Harness::signed_in_with(msnftp_config(), Dialect::Msnp8);
    let (_conversation, sb) = h.conversation_with_bob();
    let id = accepted(&mut h, sb);
    let started = h.now;
    h.input(sb, &address("IP-Address-Internal: 192.168.1.20\r\n"));
    let first = *h.connects.last().unwrap();
    // The first connection takes half the receiver's idle timeout (60 s) to fail.
    h.now = started + std::time::Duration::from_secs(30);
    h.client.handle_connect_failed(first, h.now);
    h.drain();
    let second = *h.connects.last().unwrap();
    assert_ne!(second, first);
    h.client.handle_connected(second, h.now);
    h.drain();
    h.sent.clear();
    h.now = started + std::time::Duration::from_secs(59);
    h.client.handle_timeout(h.now);
    h.drain();
    assert_eq!(h.take(), Vec::<String>::new());
    h.now = started + std::time::Duration::from_secs(60);
    h.client.handle_timeout(h.now);
    h.drain();
    assert_eq!(
        h.take(),
        [format!("TransferEnded {{ id: {id:?}, result: Err(TimedOut) }}")]
    );
    assert_eq!(h.closed, [first, second]);
}
