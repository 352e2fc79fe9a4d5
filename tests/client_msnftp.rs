//! MSNFTP hosted by the `Client` (any dialect; here MSNP8): a file `INVITE` becomes
//! `TransferOffered`, accepting answers over the switchboard, and the inviter's address
//! opens a direct connection running the MSNFTP receiver, byte for byte against a
//! scripted sender; the data comes out in chunks and the transfer ends once.

mod support {
    pub mod scripted;
}

use msnp::Secret;
use msnp::client::{ClientConfig, ClientEvent, ConnId, TransferFailure};
use msnp::codec::Dialect;
use msnp::msg::Invitation;
use support::scripted::{BOB, Harness, header, msnftp_config, relayed};

impl Harness {
    /// Signed in with [`config`], every output so far drained.
    fn signed_in() -> Self {
        Self::signed_in_with(msnftp_config(), Dialect::Msnp8)
    }
}

/// Bob's `INVITE` of `readme.txt` (`size` bytes, cookie `cookie`), relayed on `sb`.
fn invite(h: &mut Harness, sb: ConnId, cookie: u32, size: u64) {
    let mut offer = Vec::new();
    Invitation::file_transfer(cookie, "readme.txt", size)
        .encode(&mut offer)
        .unwrap();
    h.input(sb, &relayed(BOB, "Bob", &offer));
}

/// Bob's `INVITE` of `readme.txt` (`size` bytes, cookie 33267) relayed in the
/// conversation; returns the transfer id from `TransferOffered`.
fn offered(h: &mut Harness, sb: ConnId, size: u64) -> msnp::client::TransferId {
    invite(h, sb, 33_267, size);
    let events = std::mem::take(&mut h.events);
    match &events[..] {
        [
            ClientEvent::TransferOffered {
                id,
                from,
                name,
                size: offered,
            },
        ] => {
            assert_eq!(
                (from.as_str(), name.as_str(), *offered),
                (BOB, "readme.txt", size)
            );
            *id
        }
        other => panic!("{other:?}"),
    }
}

/// The inviter's `ACCEPT` with where it listens and the auth cookie.
fn address(cookie: u32) -> Vec<u8> {
    let mut accept = Invitation::accept(33_267);
    accept.ip_address = Some("192.0.2.7".into());
    accept.port = Some(6891);
    accept.auth_cookie = Some(Secret::new(cookie));
    accept.launch_application = None;
    accept.request_data = None;
    let mut wire = Vec::new();
    accept.encode(&mut wire).unwrap();
    relayed(BOB, "Bob", &wire)
}

#[test]
fn a_file_is_received_from_a_scripted_msnftp_sender() {
    let mut h = Harness::signed_in();
    let (_conversation, sb) = h.conversation_with_bob();
    let id = offered(&mut h, sb, 5);
    h.client.accept_transfer(h.now, id).unwrap();
    h.drain();
    assert_eq!(
        h.sent_on(sb),
        "MSG 4 N 181\r\nMIME-Version: 1.0\r\nContent-Type: text/x-msmsgsinvite; charset=UTF-8\r\n\r\n\
         Invitation-Command: ACCEPT\r\nInvitation-Cookie: 33267\r\nLaunch-Application: FALSE\r\n\
         Request-Data: IP-Address:\r\n\r\n"
    );
    h.input(sb, &address(41));
    assert_eq!(h.addrs.last().map(String::as_str), Some("192.0.2.7:6891"));
    let direct = *h.connects.last().unwrap();
    // Nothing is written before the connection is open.
    assert_eq!(h.sent_on(direct), "");
    h.receive_hello(direct, id);
    assert_eq!(h.closed, [direct]);
}

#[test]
fn a_large_file_comes_in_bounded_pieces() {
    let mut h = Harness::signed_in();
    let (_conversation, sb) = h.conversation_with_bob();
    let size: u64 = 1 << 20;
    let id = offered(&mut h, sb, size);
    h.client.accept_transfer(h.now, id).unwrap();
    h.drain();
    h.input(sb, &address(7));
    let direct = *h.connects.last().unwrap();
    h.client.handle_connected(direct, h.now);
    h.drain();
    h.input(direct, b"VER MSNFTP\r\n");
    h.input(direct, format!("FIL {size}\r\n").as_bytes());
    h.sent.clear();
    let (mut received, mut largest, mut ended) = (0u64, 0usize, Vec::new());
    let mut left = size;
    let mut counter = 0u8;
    while left > 0 {
        let len = left.min(2045) as usize;
        let mut block = vec![0, len as u8, (len >> 8) as u8];
        block.extend((0..len).map(|_| {
            counter = counter.wrapping_add(1);
            counter
        }));
        left -= len as u64;
        h.input(direct, &block);
        for event in h.events.drain(..) {
            match event {
                ClientEvent::TransferData { bytes, .. } => {
                    largest = largest.max(bytes.len());
                    received += bytes.len() as u64;
                }
                ClientEvent::TransferEnded { result, .. } => ended.push(result),
                _ => {}
            }
        }
    }
    assert_eq!(received, size);
    assert_eq!(ended, [Ok(size)]);
    // What the client lends out is one input's data, never the file.
    assert!(largest <= 2045, "{largest}");
}

#[test]
fn a_declined_offer_is_cancelled_with_reject() {
    let mut h = Harness::signed_in();
    let (_conversation, sb) = h.conversation_with_bob();
    let id = offered(&mut h, sb, 5);
    h.client.decline_transfer(h.now, id).unwrap();
    h.drain();
    assert_eq!(
        h.sent_on(sb),
        "MSG 4 N 148\r\nMIME-Version: 1.0\r\nContent-Type: text/x-msmsgsinvite; charset=UTF-8\r\n\r\n\
         Invitation-Command: CANCEL\r\nInvitation-Cookie: 33267\r\nCancel-Code: REJECT\r\n\r\n"
    );
    assert_eq!(
        h.take(),
        [format!(
            "TransferEnded {{ id: {id:?}, result: Err(DeclinedHere) }}"
        )]
    );
}

#[test]
fn the_inviters_cancel_and_a_lost_connection_end_the_transfer_once() {
    let mut h = Harness::signed_in();
    let (_conversation, sb) = h.conversation_with_bob();
    let id = offered(&mut h, sb, 5);
    let mut cancel = Vec::new();
    Invitation::cancel(33_267, "OUTBANDCANCEL")
        .encode(&mut cancel)
        .unwrap();
    h.input(sb, &relayed(BOB, "Bob", &cancel));
    assert_eq!(
        h.take(),
        [format!(
            "TransferEnded {{ id: {id:?}, result: Err(CancelledByPeer) }}"
        )]
    );

    // A second offer, its connection cut mid-file.
    let id = offered(&mut h, sb, 5);
    h.client.accept_transfer(h.now, id).unwrap();
    h.drain();
    h.input(sb, &address(9));
    let direct = *h.connects.last().unwrap();
    h.client.handle_connected(direct, h.now);
    h.drain();
    h.input(direct, b"VER MSNFTP\r\nFIL 5\r\n\x00\x05\x00he");
    h.events.clear();
    h.client.handle_closed(direct, h.now);
    h.drain();
    assert_eq!(
        h.take(),
        [format!(
            "TransferEnded {{ id: {id:?}, result: Err(ConnectionLost) }}"
        )]
    );
    assert_eq!(
        TransferFailure::ConnectionLost.to_string(),
        "the connection carrying the transfer was lost"
    );
}

#[test]
fn without_hosting_file_invitations_stay_invitations() {
    let mut config = ClientConfig::default();
    config.sync_lists = false;
    config.initial_status = None;
    let mut h = Harness::signed_in_with(config, Dialect::Msnp8);
    let (_conversation, sb) = h.conversation_with_bob();
    let mut offer = Vec::new();
    Invitation::file_transfer(33_267, "readme.txt", 5)
        .encode(&mut offer)
        .unwrap();
    h.input(sb, &relayed(BOB, "Bob", &offer));
    assert!(
        matches!(&h.events[..], [ClientEvent::InvitationReceived { .. }]),
        "{:?}",
        h.events
    );
}

/// Offers Bob "hello.txt" (5 bytes) over MSNFTP in a conversation with him: the
/// transfer, the switchboard and the invitation cookie.
fn offer_to_bob(h: &mut Harness) -> (msnp::client::TransferId, ConnId, u32) {
    let (_conversation, sb) = h.conversation_with_bob();
    let bob = msnp::codec::Passport::try_from(BOB).unwrap();
    let id = h.client.send_file_msnftp(h.now, &bob, "hello.txt", 5).unwrap();
    h.drain();
    let invite = h.sent_on(sb);
    assert!(invite.starts_with("MSG 4 N "), "{invite}");
    assert!(
        invite.contains("Invitation-Command: INVITE\r\n")
            && invite.contains("Application-File: hello.txt\r\nApplication-FileSize: 5\r\n"),
        "{invite}"
    );
    let cookie: u32 = header(&invite, "Invitation-Cookie").parse().unwrap();
    (id, sb, cookie)
}

/// Bob accepts offer `cookie`: the connection the client asks to listen for.
fn bob_accepts(h: &mut Harness, sb: ConnId, cookie: u32) -> ConnId {
    let mut accept = Vec::new();
    Invitation::accept(cookie).encode(&mut accept).unwrap();
    h.input(sb, &relayed(BOB, "Bob", &accept));
    h.listens.last().expect("a listen").0
}

/// [`bob_accepts`], and the caller listens at 192.0.2.1:6891.
fn listening_for_bob(h: &mut Harness, sb: ConnId, cookie: u32) -> ConnId {
    let direct = bob_accepts(h, sb, cookie);
    let at = msnp::codec::HostPort::new("192.0.2.1".to_owned(), 6891).unwrap();
    h.client.handle_listening(direct, h.now, &at);
    direct
}

/// Asserts that `message` is the `CANCEL` of invitation `cookie` with `code`.
fn assert_cancel(message: &str, cookie: u32, code: &str) {
    assert_eq!(header(message, "Invitation-Command"), "CANCEL", "{message}");
    assert_eq!(
        header(message, "Invitation-Cookie"),
        cookie.to_string(),
        "{message}"
    );
    assert_eq!(header(message, "Cancel-Code"), code, "{message}");
}

#[test]
fn a_file_is_sent_over_a_connection_the_client_asked_to_listen_for() {
    let mut h = Harness::signed_in();
    let (id, sb, cookie) = offer_to_bob(&mut h);
    assert!(h.listens.is_empty(), "no socket is needed before Bob accepts");
    let mut accept = Vec::new();
    Invitation::accept(cookie).encode(&mut accept).unwrap();
    h.input(sb, &relayed(BOB, "Bob", &accept));
    let [(direct, toward)] = &h.listens[..] else {
        panic!("one listen: {:?}", h.listens)
    };
    let direct = *direct;
    assert_eq!(toward, "10.0.0.1:1865", "toward the conversation's switchboard");
    assert_eq!(h.sent_on(sb), "", "the address goes out once the caller listens");
    let listening = msnp::codec::HostPort::new("192.0.2.1".to_owned(), 6891).unwrap();
    h.client.handle_listening(direct, h.now, &listening);
    h.drain();
    let address = h.sent_on(sb);
    assert!(
        address.contains("Invitation-Command: ACCEPT\r\n")
            && address.contains("IP-Address: 192.0.2.1\r\n")
            && address.contains("Port: 6891\r\n"),
        "{address}"
    );
    let auth: u32 = header(&address, "AuthCookie").parse().unwrap();
    // A second report of the same listener sends nothing more.
    h.client.handle_listening(direct, h.now, &listening);
    h.drain();
    assert_eq!(h.sent_on(sb), "");
    h.client.handle_connected(direct, h.now);
    h.input(direct, b"VER MSNFTP\r\n");
    assert_eq!(h.sent_on(direct), "VER MSNFTP\r\n");
    h.input(direct, format!("USR {BOB} {auth}\r\n").as_bytes());
    assert_eq!(h.sent_on(direct), "FIL 5\r\n");
    h.input(direct, b"TFR\r\n");
    assert_eq!(h.take(), [format!("TransferAccepted {{ id: {id:?} }}")]);
    assert_eq!(h.client.write_transfer(id, b"hello").unwrap(), 5);
    h.drain();
    assert_eq!(h.sent_on(direct), "\x00\x05\x00hello");
    h.input(direct, b"BYE 16777989\r\n");
    assert_eq!(
        h.take(),
        [
            format!("TransferProgress {{ id: {id:?}, done: 5, total: 5 }}"),
            format!("TransferEnded {{ id: {id:?}, result: Ok(5) }}"),
        ]
    );
    assert_eq!(h.closed, [direct]);
}

/// The `ACCEPT` with the address that Alice sends Bob once her caller listens at
/// 192.168.1.20:6891, her transfer settings being `public`'s, and the `MSG` it is
/// expected to be, given the fields after `IP-Address` and before `AuthCookie`'s value
/// (which is random).
fn address_sent(public: Option<std::net::IpAddr>, fields: &str) -> (String, String) {
    let mut config = msnftp_config();
    config.transfer.msnftp_public_ip = public;
    let mut h = Harness::signed_in_with(config, Dialect::Msnp8);
    let (_id, sb, cookie) = offer_to_bob(&mut h);
    let direct = bob_accepts(&mut h, sb, cookie);
    let at = msnp::codec::HostPort::new("192.168.1.20".to_owned(), 6891).unwrap();
    h.client.handle_listening(direct, h.now, &at);
    h.drain();
    let address = h.sent_on(sb);
    let auth = header(&address, "AuthCookie");
    let fields = fields.replace("{auth}", auth);
    let body = format!(
        "MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsinvite; charset=UTF-8\r\n\r\n\
         Invitation-Command: ACCEPT\r\nInvitation-Cookie: {cookie}\r\n{fields}\r\n"
    );
    let expected = format!("MSG 5 N {}\r\n{body}", body.len());
    (address, expected)
}

#[test]
fn behind_nat_the_accept_gives_the_public_address_and_the_listeners_as_internal() {
    let (sent, expected) = address_sent(
        Some([203, 0, 113, 9].into()),
        "IP-Address: 203.0.113.9\r\nPort: 6891\r\nAuthCookie: {auth}\r\n\
         IP-Address-Internal: 192.168.1.20\r\n",
    );
    assert_eq!(sent, expected);
    // Without a public address, the listener's alone, as before.
    let (sent, expected) = address_sent(
        None,
        "IP-Address: 192.168.1.20\r\nPort: 6891\r\nAuthCookie: {auth}\r\n",
    );
    assert_eq!(sent, expected);
}

#[test]
fn a_listener_that_cannot_be_bound_fails_the_send_and_bob_is_told() {
    let mut h = Harness::signed_in();
    let (id, sb, cookie) = offer_to_bob(&mut h);
    let direct = bob_accepts(&mut h, sb, cookie);
    h.client.handle_connect_failed(direct, h.now);
    h.drain();
    assert_eq!(
        h.take(),
        [format!(
            "TransferEnded {{ id: {id:?}, result: Err(ConnectionLost) }}"
        )]
    );
    assert_eq!(h.closed, [direct]);
    // Bob, who waits for an address, hears that none comes.
    assert_cancel(&h.sent_on(sb), cookie, "FAIL");
}

#[test]
fn a_file_nobody_connects_for_times_out_and_the_listener_is_closed() {
    let mut h = Harness::signed_in();
    let (id, sb, cookie) = offer_to_bob(&mut h);
    let direct = listening_for_bob(&mut h, sb, cookie);
    h.drain();
    h.sent.clear();
    h.now += std::time::Duration::from_secs(61);
    h.client.handle_timeout(h.now);
    h.drain();
    assert_eq!(
        h.take(),
        [format!("TransferEnded {{ id: {id:?}, result: Err(TimedOut) }}")]
    );
    assert_eq!(h.closed, [direct]);
    assert_cancel(&h.sent_on(sb), cookie, "FTTIMEOUT");
}

#[test]
fn a_wrong_auth_cookie_fails_the_send() {
    let mut h = Harness::signed_in();
    let (id, sb, cookie) = offer_to_bob(&mut h);
    let direct = listening_for_bob(&mut h, sb, cookie);
    h.client.handle_connected(direct, h.now);
    h.drain();
    h.sent.clear();
    h.input(direct, b"VER MSNFTP\r\n");
    h.input(direct, format!("USR {BOB} 1\r\n").as_bytes());
    let events = h.take();
    assert_eq!(events.len(), 1, "{events:?}");
    assert!(
        events[0].starts_with(&format!(
            "TransferEnded {{ id: {id:?}, result: Err(Direct(AuthenticationFailed)) }}"
        )),
        "{events:?}"
    );
}

#[test]
fn an_msnftp_offer_needs_hosting_and_a_name_an_invitation_can_carry() {
    let mut config = ClientConfig::default();
    config.sync_lists = false;
    config.initial_status = None;
    let mut h = Harness::signed_in_with(config, Dialect::Msnp8);
    let bob = msnp::codec::Passport::try_from(BOB).unwrap();
    let refused = h.client.send_file_msnftp(h.now, &bob, "a.txt", 1).unwrap_err();
    assert_eq!(
        refused.to_string(),
        "MSNFTP transfers are off in the client's configuration"
    );
    let mut h = Harness::signed_in();
    let refused = h.client.send_file_msnftp(h.now, &bob, "a\r\nb.txt", 1);
    assert!(refused.is_err(), "{refused:?}");
}

#[test]
fn a_sender_that_cannot_be_reached_fails_the_receive() {
    let mut h = Harness::signed_in();
    let (_conversation, sb) = h.conversation_with_bob();
    let id = offered(&mut h, sb, 5);
    h.client.accept_transfer(h.now, id).unwrap();
    h.drain();
    h.input(sb, &address(1234));
    let direct = *h.connects.last().unwrap();
    assert_eq!(h.addrs.last().map(String::as_str), Some("192.0.2.7:6891"));
    h.sent.clear();
    h.client.handle_connect_failed(direct, h.now);
    h.drain();
    assert_eq!(
        h.take(),
        [format!(
            "TransferEnded {{ id: {id:?}, result: Err(ConnectionLost) }}"
        )]
    );
    assert_eq!(h.closed, [direct]);
    // Bob, who listens, hears that nobody comes.
    assert_cancel(&h.sent_on(sb), 33_267, "FAIL");
}

#[test]
fn an_offer_waits_for_room_in_a_full_switchboard_window_instead_of_failing() {
    let mut config = msnftp_config();
    config.switchboard.max_pending = 1;
    let mut h = Harness::signed_in_with(config, Dialect::Msnp8);
    let (conversation, sb) = h.conversation_with_bob();
    h.client.send_to_conversation(h.now, conversation, "hi").unwrap();
    h.drain();
    assert!(h.sent_on(sb).starts_with("MSG 4 A "));
    let bob = msnp::codec::Passport::try_from(BOB).unwrap();
    let id = h.client.send_file_msnftp(h.now, &bob, "hello.txt", 5).unwrap();
    h.drain();
    assert_eq!(h.sent_on(sb), "", "the window holds one message, in flight");
    assert_eq!(h.take(), Vec::<String>::new());
    h.input(sb, b"ACK 4\r\n");
    let invite = h.sent_on(sb);
    assert!(
        invite.starts_with("MSG 5 N ") && invite.contains("Invitation-Command: INVITE\r\n"),
        "{invite}"
    );
    let events = h.take();
    assert!(
        events.iter().all(|e| !e.contains(&format!("{id:?}"))),
        "the transfer goes on: {events:?}"
    );
}

#[test]
fn the_address_waits_for_room_in_a_full_switchboard_window_instead_of_being_lost() {
    let mut config = msnftp_config();
    config.switchboard.max_pending = 1;
    let mut h = Harness::signed_in_with(config, Dialect::Msnp8);
    // The INVITE (mode N) holds the one place in the window for its grace period.
    let (id, sb, cookie) = offer_to_bob(&mut h);
    let direct = listening_for_bob(&mut h, sb, cookie);
    h.drain();
    assert_eq!(h.sent_on(sb), "", "no room for the address yet");
    h.now += std::time::Duration::from_secs(16);
    h.client.handle_timeout(h.now);
    h.drain();
    let address = h.sent_on(sb);
    assert!(
        address.starts_with("MSG 5 N ")
            && address.contains("Invitation-Command: ACCEPT\r\n")
            && address.contains("IP-Address: 192.0.2.1\r\n"),
        "{address}"
    );
    assert!(
        h.take().iter().all(|e| !e.contains(&format!("{id:?}"))),
        "the transfer goes on"
    );
    assert!(h.closed.is_empty() && h.listens == [(direct, "10.0.0.1:1865".to_owned())]);
}

/// The messages of the `MSG` commands in `wire`, one string each.
fn messages(wire: &str) -> Vec<&str> {
    wire.split("MSG ").filter(|m| !m.is_empty()).collect()
}

#[test]
fn a_reply_past_the_waiting_bound_ends_its_transfer_at_once_and_bob_hears_of_it() {
    let mut config = msnftp_config();
    config.transfer.max_transfers = 40;
    // Only the replies' wait may end a transfer here.
    config.transfer.p2p.timeout = std::time::Duration::from_secs(3600);
    config.switchboard.max_pending = 1;
    // Short, so that the replies drain before the notification server's keep-alive.
    config.switchboard.nak_grace = std::time::Duration::from_millis(100);
    let max = config.transfer.max_waiting_replies;
    assert_eq!(max, 32, "the documented default");
    let mut h = Harness::signed_in_with(config, Dialect::Msnp8);
    let (conversation, sb) = h.conversation_with_bob();
    // A text in flight fills the window of one.
    let hi = h.client.send_to_conversation(h.now, conversation, "hi").unwrap();
    h.drain();
    assert!(h.sent_on(sb).starts_with("MSG 4 A "));
    assert_eq!(h.take(), Vec::<String>::new());
    let mut ids = Vec::new();
    for cookie in 1..=max as u32 + 1 {
        invite(&mut h, sb, cookie, 5);
        match &h.events[..] {
            [ClientEvent::TransferOffered { id, .. }] => ids.push(*id),
            other => panic!("{other:?}"),
        }
        h.events.clear();
    }
    for id in &ids[..max] {
        h.client.accept_transfer(h.now, *id).unwrap();
        h.drain();
    }
    assert_eq!(h.sent_on(sb), "", "every accept waits for room");
    assert_eq!(h.take(), Vec::<String>::new());
    let last = ids[max];
    h.client.accept_transfer(h.now, last).unwrap();
    h.drain();
    assert_eq!(
        h.take(),
        [format!(
            "TransferEnded {{ id: {last:?}, result: Err(TooManyWaitingReplies {{ max: 32 }}) }}"
        )]
    );
    assert_eq!(
        TransferFailure::TooManyWaitingReplies { max: 32 }.to_string(),
        "the conversation is too busy: no room is left for invitation replies (at most 32 wait)"
    );
    // As room opens (each mode-N message holds its place for `nak_grace`), the
    // waiting accepts go in order, then the CANCEL that tells Bob of the one that ended.
    h.input(sb, b"ACK 4\r\n");
    assert_eq!(h.take(), [format!("MessageDelivered {{ handle: {hi:?} }}")]);
    let mut wire = h.sent_on(sb);
    for _ in 0..max {
        h.now += std::time::Duration::from_millis(200);
        h.client.handle_timeout(h.now);
        h.drain();
        wire.push_str(&h.sent_on(sb));
    }
    let sent = messages(&wire);
    assert_eq!(sent.len(), max + 1, "{wire}");
    for (cookie, message) in (1..).zip(&sent[..max]) {
        assert!(message.starts_with(&format!("{} N ", cookie + 4)), "{message}");
        assert_eq!(header(message, "Invitation-Command"), "ACCEPT");
        assert_eq!(header(message, "Invitation-Cookie"), cookie.to_string());
    }
    assert_cancel(sent[max], max as u32 + 1, "FAIL");
    // The others go on: none of them ended.
    assert_eq!(h.take(), Vec::<String>::new());
}

#[test]
fn an_address_with_no_room_to_wait_ends_the_send_at_once_and_closes_the_listener() {
    let mut config = msnftp_config();
    config.transfer.max_waiting_replies = 0;
    config.switchboard.max_pending = 1;
    let mut h = Harness::signed_in_with(config, Dialect::Msnp8);
    // The INVITE (mode N) holds the one place in the window for its grace period.
    let (id, sb, cookie) = offer_to_bob(&mut h);
    let direct = listening_for_bob(&mut h, sb, cookie);
    h.drain();
    assert_eq!(
        h.take(),
        [format!(
            "TransferEnded {{ id: {id:?}, result: Err(TooManyWaitingReplies {{ max: 0 }}) }}"
        )]
    );
    assert_eq!(h.closed, [direct], "the listener is closed at once");
    assert_eq!(h.sent_on(sb), "");
    // Bob, who accepted, hears the CANCEL as soon as the window has room.
    h.now += std::time::Duration::from_secs(16);
    h.client.handle_timeout(h.now);
    h.drain();
    let cancel = h.sent_on(sb);
    assert!(cancel.starts_with("MSG 5 N "), "{cancel}");
    assert_cancel(&cancel, cookie, "FAIL");
    assert_eq!(h.take(), Vec::<String>::new());
}

#[test]
fn replies_with_no_room_and_no_transfer_to_end_are_told_as_dropped() {
    let mut config = msnftp_config();
    config.transfer.max_transfers = 1;
    config.transfer.max_waiting_replies = 0;
    config.switchboard.max_pending = 1;
    let mut h = Harness::signed_in_with(config, Dialect::Msnp8);
    let (conversation, sb) = h.conversation_with_bob();
    h.client.send_to_conversation(h.now, conversation, "hi").unwrap();
    h.drain();
    assert!(h.sent_on(sb).starts_with("MSG 4 A "));
    invite(&mut h, sb, 1, 5);
    let Some(ClientEvent::TransferOffered { id: first, .. }) = h.events.pop() else {
        panic!("{:?}", h.events);
    };
    // A second offer is past the transfer limit: its decline finds no room.
    invite(&mut h, sb, 2, 5);
    assert_eq!(
        h.take(),
        [
            "Other { conversation: Some(ConversationId(0)), description: \"a file offer past the \
             transfer limit was declined, but the decline was dropped: the conversation has no \
             room left for invitation replies (0 wait)\" }"
        ]
    );
    // The first one's decline takes the one place a CANCEL may take; the next has none.
    h.client.decline_transfer(h.now, first).unwrap();
    h.drain();
    assert_eq!(
        h.take(),
        [format!(
            "TransferEnded {{ id: {first:?}, result: Err(DeclinedHere) }}"
        )]
    );
    invite(&mut h, sb, 3, 5);
    let Some(ClientEvent::TransferOffered { id: third, .. }) = h.events.pop() else {
        panic!("{:?}", h.events);
    };
    h.client.decline_transfer(h.now, third).unwrap();
    h.drain();
    assert_eq!(
        h.take(),
        [
            "Other { conversation: Some(ConversationId(0)), description: \"a transfer's CANCEL \
             was dropped, and its peer ends it by its own timer: the conversation has no room \
             left for invitation replies (1 wait)\" }"
                .to_owned(),
            format!("TransferEnded {{ id: {third:?}, result: Err(DeclinedHere) }}"),
        ]
    );
    assert_eq!(h.sent_on(sb), "");
    h.input(sb, b"ACK 4\r\n");
    assert_cancel(&h.sent_on(sb), 1, "REJECT");
    assert_eq!(h.take(), ["MessageDelivered { handle: MessageHandle(1) }"]);
}

#[test]
fn an_offer_whose_inviter_left_ends_once_and_a_late_accept_is_refused() {
    let mut h = Harness::signed_in();
    let (_conversation, sb) = h.conversation_with_bob();
    let id = offered(&mut h, sb, 5);
    h.sent.clear();
    // Bob leaves before the user answers: nobody is left to send the file.
    h.input(sb, format!("BYE {BOB}\r\n").as_bytes());
    assert_eq!(
        h.take(),
        [
            format!("Left {{ conversation: ConversationId(0), account: Passport(\"{BOB}\"), idle: false }}"),
            format!("TransferEnded {{ id: {id:?}, result: Err(ConnectionLost) }}"),
            "ConversationEnded { conversation: ConversationId(0), reason: Left }".to_owned(),
        ]
    );
    assert_eq!(
        h.client.accept_transfer(h.now, id).map_err(|e| e.to_string()),
        Err(msnp::client::ClientError::Transfer(msnp::client::TransferError::UnknownTransfer).to_string())
    );
    h.drain();
    assert_eq!(h.take(), Vec::<String>::new());
    assert_eq!(
        h.sent_on(sb),
        "OUT\r\n",
        "the empty switchboard is left; no ACCEPT"
    );
}
