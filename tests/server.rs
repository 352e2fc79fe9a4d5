//! The server machines driven in memory: byte-exact replies, fan-out to other
//! connections, timers and limits.

mod support {
    pub mod net;
}

use std::time::Duration;

use msnp::codec::{ClientCommand, Dialect, EncodedName, GroupId, HostPort, List, Passport, Privacy, TrId};
use msnp::server::{CloseReason, Listener, Server, ServerConfig, ServerEvent, ServerOutput};
use support::net::{ALICE, BOB, CAROL, Net, qry, word_after};

const CVR_REPLY: &str = "CVR 2 6.0.0602 6.0.0602 1.0.0000 http://download.microsoft.com/download/8/a/4/8a42bcae-f533-4468-b871-d2bc8dd32e9e/SETUP9x.EXE http://messenger.msn.com\r\n";

fn befriend(net: &mut Net, owner: &str, contact: &str) {
    net.server
        .directory_mut()
        .add_to_list(owner, List::Forward, contact, None, Some(GroupId(0)))
        .unwrap();
}

#[test]
fn dispatch_refers_to_the_notification_server_and_closes() {
    // Reference T1, the dispatch half.
    let mut config = ServerConfig::default();
    config.notification_addr = HostPort::new("207.46.106.35", 1863).unwrap();
    config.dispatch_addr = HostPort::new("207.46.104.20", 1863).unwrap();
    let mut net = Net::with_config(config);
    let ds = net.accept(Listener::Dispatch);
    net.send(ds, "VER 1 MSNP8 CVR0\r\n");
    net.expect(ds, "VER 1 MSNP8\r\n");
    net.send(
        ds,
        "CVR 2 0x0409 win 4.10 i386 MSNMSGR 5.0.0544 MSMSGS example@passport.com\r\n",
    );
    net.expect(ds, CVR_REPLY);
    net.send(ds, "USR 3 TWN I example@passport.com\r\n");
    net.expect(ds, "XFR 3 NS 207.46.106.35:1863 0 207.46.104.20:1863\r\n");
    assert_eq!(net.closed, [ds]);
    assert_eq!(net.close_reason(ds), Some(&CloseReason::Redirected));
    assert_eq!(net.server.connection_count(), 0);
}

#[test]
fn notification_login_with_a_ticket_from_the_passport_http_helper() {
    let mut net = Net::new();
    net.server
        .add_account("example@passport.com", "password", "example display name")
        .unwrap();
    let ns = net.accept(Listener::Notification);
    net.send(ns, "VER 1 MSNP8 CVR0\r\n");
    net.send(
        ns,
        "CVR 2 0x0409 win 4.10 i386 MSNMSGR 5.0.0544 MSMSGS example@passport.com\r\n",
    );
    net.send(ns, "USR 3 TWN I example@passport.com\r\n");
    let got = net.take(ns);
    let expected_start = format!(
        "VER 1 MSNP8\r\n{CVR_REPLY}USR 3 TWN S lc=1033,id=507,tw=40,fs=1,ru=http%3A%2F%2Fmessenger%2Emsn%2Ecom,ct=1062764229,kpp=1,kv=5,ver=2.1.0173.1,tpf="
    );
    let tpf = got
        .strip_prefix(&expected_start)
        .expect(&got)
        .strip_suffix("\r\n")
        .unwrap();
    assert!(
        tpf.len() == 32 && tpf.bytes().all(|b| b.is_ascii_hexdigit()),
        "{tpf}"
    );

    // Reference T2's DALogin request, answered by the in-memory Passport.
    let login = format!(
        "GET /login2.srf HTTP/1.1\r\nAuthorization: Passport1.4 OrgVerb=GET,OrgURL=http%3A%2F%2Fmessenger%2Emsn%2Ecom,sign-in=example%40passport.com,pwd=password,lc=1033,id=507,tw=40,fs=1,ru=http%3A%2F%2Fmessenger%2Emsn%2Ecom,ct=1062764229,kpp=1,kv=5,ver=2.1.0173.1,tpf={tpf}\r\nHost: login.passport.com\r\n\r\n"
    );
    let response = net
        .server
        .verifier_mut()
        .handle_http_request(login.as_bytes())
        .unwrap();
    let response = String::from_utf8(response).unwrap();
    let ticket = response
        .split("from-PP='")
        .nth(1)
        .unwrap()
        .split('\'')
        .next()
        .unwrap()
        .to_owned();

    net.send(ns, format!("USR 4 TWN S {ticket}\r\n"));
    let got = net.take(ns);
    let (ok, msg) = got.split_at(got.find("MSG").unwrap());
    assert_eq!(
        ok,
        "USR 4 OK example@passport.com example%20display%20name 1 0\r\n"
    );
    let (head, payload) = msg.split_once("\r\n").unwrap();
    assert_eq!(head, format!("MSG Hotmail Hotmail {}", payload.len()));
    assert!(payload.starts_with(
        "MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsprofile; charset=UTF-8\r\nLoginTime: 1062764229\r\n"
    ));
    assert!(payload.ends_with("\r\n\r\n") && !payload.contains(&ticket[2..20]));
    assert_eq!(
        net.take_events(),
        [ServerEvent::SignedIn {
            conn: ns,
            account: Passport::try_from("example@passport.com").unwrap().into_owned(),
        }]
    );
}

#[test]
fn bad_or_foreign_tickets_get_911_and_a_close() {
    let mut net = Net::new();
    for ticket in [
        "t=bogus&p=bogus".to_owned(),
        net.server
            .verifier_mut()
            .issue_ticket(BOB)
            .unwrap()
            .expose()
            .clone(),
    ] {
        let ns = net.accept(Listener::Notification);
        net.send(ns, "VER 1 MSNP8 CVR0\r\n");
        net.send(ns, format!("USR 2 TWN I {ALICE}\r\n"));
        net.take(ns);
        net.send(ns, format!("USR 3 TWN S {ticket}\r\n"));
        net.expect(ns, "911 3\r\n");
        assert!(net.closed.contains(&ns));
        assert_eq!(net.close_reason(ns), Some(&CloseReason::AuthenticationFailed));
    }
}

#[test]
fn handshake_errors() {
    let mut net = Net::new();
    let ns = net.accept(Listener::Notification);
    net.send(ns, "VER 1 MSNP7 MSNP13 CVR0\r\n");
    net.expect(ns, "VER 1 0\r\n");
    assert_eq!(net.close_reason(ns), Some(&CloseReason::UnsupportedProtocol));

    // A server configured for fewer dialects answers within them.
    let mut config = ServerConfig::default();
    config.dialects = [Dialect::Msnp8, Dialect::Msnp9].into_iter().collect();
    let mut narrow = Net::with_config(config);
    let ns = narrow.accept(Listener::Notification);
    narrow.send(ns, "VER 1 MSNP12 MSNP11 MSNP10\r\n");
    narrow.expect(ns, "VER 1 0\r\n");
    let ns = narrow.accept(Listener::Notification);
    narrow.send(ns, "VER 1 MSNP12 MSNP11 MSNP10 MSNP9 MSNP8 CVR0\r\n");
    narrow.expect(ns, "VER 1 MSNP9\r\n");

    // A second VER is out of order: 715 and a close, as Escargot does.
    narrow.send(ns, "VER 2 MSNP9\r\n");
    narrow.expect(ns, "715 2\r\n");
    assert_eq!(
        narrow.close_reason(ns),
        Some(&CloseReason::UnexpectedCommand { verb: "VER".into() })
    );

    let ns = net.accept(Listener::Notification);
    net.send(ns, "VER 1 MSNP8 CVR0\r\nSYN 2 0\r\nXFR 3 SB\r\n");
    net.expect(ns, "VER 1 MSNP8\r\n302 2\r\n302 3\r\n");
    net.send(ns, "USR 4 TWN S t=x&p=y\r\n");
    net.expect(ns, "715 4\r\n");
    assert!(net.closed.contains(&ns));

    // A command with no meaning at login closes without a word [NINA Authentication].
    let ns = net.accept(Listener::Notification);
    net.send(ns, "FOO 1 bar\r\n");
    net.expect(ns, "");
    assert!(net.closed.contains(&ns));

    // USR before VER is out of order.
    let ns = net.accept(Listener::Notification);
    net.send(ns, "USR 1 TWN I alice@example.com\r\n");
    net.expect(ns, "715 1\r\n");
    assert!(net.closed.contains(&ns));
}

#[test]
fn syn_sends_the_whole_lists_or_only_the_version() {
    let mut net = Net::new();
    {
        let dir = net.server.directory_mut();
        dir.add_group(ALICE, &EncodedName::from_text("Friends").unwrap())
            .unwrap();
        dir.add_to_list(ALICE, List::Forward, BOB, None, Some(GroupId(1)))
            .unwrap();
        dir.add_to_list(ALICE, List::Block, CAROL, None, None).unwrap();
        dir.add_to_list(BOB, List::Forward, ALICE, None, None).unwrap();
        dir.set_phone(
            BOB,
            "PHH",
            Some(&EncodedName::from_text("1 (222) 333 4444").unwrap()),
        )
        .unwrap();
        dir.set_phone(ALICE, "PHH", Some(&EncodedName::from_text("123 (4567)").unwrap()))
            .unwrap();
    }
    let ns = net.sign_in(ALICE);
    net.send_cmd(
        ns,
        &ClientCommand::Syn {
            trid: TrId(7),
            version: 0,
        },
    );
    net.expect(
        ns,
        "SYN 7 5 2 2\r\nGTC A\r\nBLP AL\r\nPRP PHH 123%20(4567)\r\nLSG 0 Other%20Contacts 0\r\nLSG 1 Friends 0\r\n\
         LST bob@example.com bob@example.com 9 1\r\nBPR PHH 1%20(222)%20333%204444\r\n\
         LST carol@example.com carol@example.com 4\r\n",
    );
    net.send(ns, "SYN 8 5\r\n");
    net.expect(ns, "SYN 8 5\r\n");
}

#[test]
fn chg_sends_iln_then_nln_and_fln_to_watchers_who_are_allowed() {
    let mut net = Net::new();
    befriend(&mut net, ALICE, BOB);
    befriend(&mut net, BOB, ALICE);
    befriend(&mut net, CAROL, ALICE);
    net.server
        .directory_mut()
        .add_to_list(ALICE, List::Block, CAROL, None, None)
        .unwrap();
    let (bob, _) = net.go_online(BOB);
    let (carol, _) = net.go_online(CAROL);
    let (alice, chg) = net.go_online(ALICE);
    assert_eq!(
        chg,
        "CHG 5 NLN 268435492\r\nILN 5 NLN bob@example.com Bob%20Smith 268435492\r\n"
    );
    net.expect(bob, "NLN NLN alice@example.com Alice 268435492\r\n");
    net.send(alice, "CHG 7 AWY\r\n");
    net.expect(alice, "CHG 7 AWY\r\n");
    net.expect(bob, "NLN AWY alice@example.com Alice\r\n");
    net.send(alice, "CHG 8 HDN\r\n");
    net.expect(bob, "FLN alice@example.com\r\n");
    net.send(alice, "CHG 9 BSY 1\r\n");
    net.expect(bob, "NLN BSY alice@example.com Alice 1\r\n");
    net.send(alice, "CHG 10 FLN\r\n");
    net.expect(alice, "CHG 8 HDN\r\nCHG 9 BSY 1\r\n201 10\r\n");
    net.hang_up(alice);
    net.expect(bob, "FLN alice@example.com\r\n");
    net.expect(carol, "");
    assert_eq!(net.server.directory().account(ALICE).unwrap().status(), None);
}

#[test]
fn list_edits_bump_versions_notify_the_contact_and_refuse_with_reference_codes() {
    let mut net = Net::new();
    let (alice, _) = net.go_online(ALICE);
    let (bob, _) = net.go_online(BOB);
    let long_group = format!("ADG 17 {} 0\r\n", "x".repeat(62));
    let steps: &[(&str, &str, &str)] = &[
        // (alice sends, alice receives, bob receives)
        (
            "ADD 10 FL bob@example.com Bob 0\r\n",
            "ADD 10 FL 2 bob@example.com Bob 0\r\nILN 10 NLN bob@example.com Bob%20Smith 268435492\r\n",
            "ADD 0 RL 2 alice@example.com Alice\r\n",
        ),
        ("ADD 11 FL bob@example.com Bob 0\r\n", "215 11\r\n", ""),
        (
            "ADD 12 FL nobody@example.com nobody@example.com 0\r\n",
            "205 12\r\n",
            "",
        ),
        ("ADD 13 FL bob@example.com Bob 5\r\n", "224 13\r\n", ""),
        (
            "ADD 14 AL bob@example.com Bob\r\n",
            "ADD 14 AL 3 bob@example.com Bob\r\n",
            "",
        ),
        ("ADD 15 BL bob@example.com Bob\r\n", "219 15\r\n", ""),
        ("ADG 16 Friends 0\r\n", "ADG 16 4 Friends 1 0\r\n", ""),
        (&long_group, "229 17\r\n", ""),
        (
            "REG 18 1 Best%20Friends 0\r\n",
            "REG 18 5 1 Best%20Friends 0\r\n",
            "",
        ),
        ("REG 19 9 X 0\r\n", "224 19\r\n", ""),
        ("RMG 20 0\r\n", "230 20\r\n", ""),
        ("RMG 21 1\r\n", "RMG 21 6 1\r\n", ""),
        ("RMG 22 1\r\n", "224 22\r\n", ""),
        ("REM 23 BL bob@example.com\r\n", "216 23\r\n", ""),
        (
            "REM 24 AL bob@example.com\r\n",
            "REM 24 AL 7 bob@example.com\r\n",
            "",
        ),
        ("BLP 25 BL\r\n", "BLP 25 8 BL\r\n", "FLN alice@example.com\r\n"),
        (
            "ADD 26 AL bob@example.com Bob\r\n",
            "ADD 26 AL 9 bob@example.com Bob\r\n",
            "NLN NLN alice@example.com Alice 268435492\r\n",
        ),
        ("BLP 27 BL\r\n", "218 27\r\n", ""),
        ("GTC 28 N\r\n", "GTC 28 10 N\r\n", ""),
        ("GTC 29 N\r\n", "218 29\r\n", ""),
        (
            "REA 31 alice@example.com Alice%20A\r\n",
            "REA 31 11 alice@example.com Alice%20A\r\n",
            "NLN NLN alice@example.com Alice%20A 268435492\r\n",
        ),
        ("REA 32 carol@example.com X\r\n", "216 32\r\n", ""),
        ("PRP 33 PHH 555\r\n", "PRP 33 12 PHH 555\r\n", ""),
        ("PRP 34 XYZ 1\r\n", "715 34\r\n", ""),
        (
            "REM 35 FL bob@example.com\r\n",
            "REM 35 FL 13 bob@example.com\r\n",
            "REM 0 RL 3 alice@example.com\r\n",
        ),
        ("CHG x NLN\r\n", "200\r\n", ""),
        ("XYZ 36 hello\r\n", "200 36\r\n", ""),
    ];
    // Bob watches Alice from the start, so her AL/BL/BLP edits show on his side.
    net.send(bob, "ADD 30 FL alice@example.com Alice 0\r\n");
    net.expect(
        bob,
        "ADD 30 FL 1 alice@example.com Alice 0\r\nILN 30 NLN alice@example.com Alice 268435492\r\n",
    );
    net.expect(alice, "ADD 0 RL 1 bob@example.com Bob%20Smith\r\n");
    for (send, alice_gets, bob_gets) in steps {
        net.send(alice, send);
        assert_eq!(net.take(alice), *alice_gets, "alice after {send:?}");
        assert_eq!(net.take(bob), *bob_gets, "bob after {send:?}");
    }
    net.send(alice, "ADD 40 RL bob@example.com Bob\r\n");
    assert_eq!(
        net.close_reason(alice),
        Some(&CloseReason::UnexpectedCommand { verb: "ADD".into() })
    );
    net.expect(bob, "FLN alice@example.com\r\n");
}

#[test]
fn challenge_right_wrong_and_late() {
    let mut net = Net::new();
    // Right: go_online answers and checks `QRY 6`.
    let (alice, _) = net.go_online(ALICE);
    assert_eq!(net.next_timeout, None, "no timer once answered");

    // Wrong.
    let bob = net.sign_in(BOB);
    net.send(bob, "CHG 5 NLN\r\n");
    net.take(bob);
    net.send(bob, format!("QRY 6 msmsgs@msnmsgr.com 32\r\n{}", "0".repeat(32)));
    net.expect(bob, "540 6\r\n");
    assert_eq!(net.close_reason(bob), Some(&CloseReason::ChallengeFailed));

    // Late: a bare OUT after 50 s [YW chl.md].
    let carol = net.sign_in(CAROL);
    net.send(carol, "CHG 5 NLN\r\n");
    let challenge = word_after(&net.take(carol), "CHL 0 ").to_owned();
    assert_eq!(net.next_timeout, Some(net.now + Duration::from_secs(50)));
    net.advance(Duration::from_secs(49));
    net.expect(carol, "");
    net.advance(Duration::from_secs(1));
    net.expect(carol, "OUT\r\n");
    assert_eq!(net.close_reason(carol), Some(&CloseReason::ChallengeTimeout));
    assert_eq!(challenge.len(), 20);
    net.expect(alice, "");
    // The answer helper agrees with the published vector (reference §4).
    assert!(qry(2, "15570131571988941333").ends_with("8f2f5a91b72102cd28355e9fc9000d6e"));
}

#[test]
fn second_login_sends_out_oth_to_the_first() {
    let mut net = Net::new();
    befriend(&mut net, BOB, ALICE);
    let (bob, _) = net.go_online(BOB);
    let (first, _) = net.go_online(ALICE);
    net.expect(bob, "NLN NLN alice@example.com Alice 268435492\r\n");
    net.take_events();
    let second = net.sign_in(ALICE);
    net.expect(first, "OUT OTH\r\n");
    assert!(net.closed.contains(&first));
    assert_eq!(net.close_reason(first), Some(&CloseReason::OtherLocation));
    net.expect(bob, "FLN alice@example.com\r\n");
    net.send(second, "CHG 5 NLN\r\n");
    net.expect(bob, "NLN NLN alice@example.com Alice\r\n");
}

#[test]
fn shutdown_sends_out_ssd_and_closes_everything() {
    let mut net = Net::new();
    let (alice, _) = net.go_online(ALICE);
    let sb = net.accept(Listener::Switchboard);
    net.server.shutdown(net.now);
    net.drain();
    net.expect(alice, "OUT SSD\r\n");
    net.expect(sb, "");
    assert!(net.closed.contains(&alice) && net.closed.contains(&sb));
    assert_eq!(net.server.connection_count(), 0);
}

#[test]
fn switchboard_create_invite_answer_and_relay() {
    let mut net = Net::new();
    befriend(&mut net, ALICE, BOB);
    befriend(&mut net, BOB, ALICE);
    net.server
        .directory_mut()
        .add_to_list(CAROL, List::Block, ALICE, None, None)
        .unwrap();
    let (alice, _) = net.go_online(ALICE);
    let (bob, _) = net.go_online(BOB);
    let (_carol, _) = net.go_online(CAROL);
    net.take(alice);

    net.send(alice, "XFR 10 SB\r\n");
    let xfr = net.take(alice);
    let cookie = word_after(&xfr, "CKI ").to_owned();
    assert_eq!(xfr, format!("XFR 10 SB 127.0.0.1:1863 CKI {cookie}\r\n"));
    let sb_a = net.accept(Listener::Switchboard);
    net.send_cmd(
        sb_a,
        &ClientCommand::UsrSwitchboard {
            trid: TrId(1),
            account: Passport::try_from(ALICE).unwrap(),
            cookie: msnp::Secret::new(cookie.as_str().try_into().unwrap()),
        },
    );
    net.expect(sb_a, "USR 1 OK alice@example.com Alice\r\n");

    net.send(sb_a, "CAL 2 bob@example.com\r\n");
    net.expect(sb_a, "CAL 2 RINGING 1\r\n");
    let rng = net.take(bob);
    let ring_cookie = word_after(&rng, "CKI ").to_owned();
    assert_eq!(
        rng,
        format!("RNG 1 127.0.0.1:1863 CKI {ring_cookie} alice@example.com Alice\r\n")
    );

    // CAL errors keep the session [HYP error_list].
    net.send(
        sb_a,
        "CAL 3 carol@example.com\r\nCAL 4 alice@example.com\r\nCAL 5 nobody@example.com\r\nCAL 6 nobody\r\n",
    );
    net.expect(sb_a, "216 3\r\n215 4\r\n217 5\r\n208 6\r\n");

    let sb_b = net.accept(Listener::Switchboard);
    net.send(sb_b, format!("ANS 1 bob@example.com {ring_cookie} 1\r\n"));
    net.expect(sb_b, "IRO 1 1 1 alice@example.com Alice\r\nANS 1 OK\r\n");
    net.expect(sb_a, "JOI bob@example.com Bob%20Smith\r\n");

    net.send(sb_a, "MSG 7 A 5\r\nhello");
    net.expect(sb_b, "MSG alice@example.com Alice 5\r\nhello");
    net.expect(sb_a, "ACK 7\r\n");
    net.send(sb_a, "MSG 8 U 2\r\nhi");
    net.expect(sb_b, "MSG alice@example.com Alice 2\r\nhi");
    net.expect(sb_a, "");
    net.send(sb_b, "MSG 2 N 3\r\nhey");
    net.expect(sb_a, "MSG bob@example.com Bob%20Smith 3\r\nhey");
    net.expect(sb_b, "");

    net.send(sb_b, "OUT\r\n");
    net.expect(sb_a, "BYE bob@example.com\r\n");
    assert!(net.closed.contains(&sb_b));
    net.send(sb_a, "MSG 9 A 2\r\nhiMSG 10 N 2\r\nhiMSG 11 U 2\r\nhi");
    net.expect(sb_a, "NAK 9\r\nNAK 10\r\n");
    assert_eq!(net.server.directory().session_count(), 1);
    net.hang_up(sb_a);
    assert_eq!(net.server.directory().session_count(), 0);
}

#[test]
fn cookies_are_single_use_personal_and_expire() {
    let mut net = Net::new();
    let (alice, _) = net.go_online(ALICE);
    let mut cookie = || {
        net.send(alice, "XFR 10 SB\r\n");
        let xfr = net.take(alice);
        word_after(&xfr, "CKI ").to_owned()
    };
    let (used, foreign, late) = (cookie(), cookie(), cookie());
    let sb = net.accept(Listener::Switchboard);
    net.send(sb, format!("USR 1 alice@example.com {used}\r\n"));
    net.expect(sb, "USR 1 OK alice@example.com Alice\r\n");

    let attempts = [
        (ALICE, used.as_str(), Duration::ZERO),
        (BOB, foreign.as_str(), Duration::ZERO),
        (ALICE, late.as_str(), Duration::from_secs(121)),
    ];
    for (who, cookie, wait) in attempts {
        net.advance(wait);
        let sb = net.accept(Listener::Switchboard);
        net.send(sb, format!("USR 1 {who} {cookie}\r\n"));
        net.expect(sb, "911 1\r\n");
        assert_eq!(net.close_reason(sb), Some(&CloseReason::AuthenticationFailed));
    }
    // Anything but USR/ANS first is refused too.
    let sb = net.accept(Listener::Switchboard);
    net.send(sb, "CAL 1 bob@example.com\r\n");
    net.expect(sb, "715 1\r\n");
    assert!(net.closed.contains(&sb));
}

#[test]
fn xfr_sb_while_hidden_or_before_chg_is_913() {
    let mut net = Net::new();
    let alice = net.sign_in(ALICE);
    net.send(alice, "XFR 2 SB\r\n");
    net.expect(alice, "913 2\r\n");
    net.send(alice, "CHG 3 HDN\r\n");
    net.take(alice);
    net.send(alice, "XFR 4 SB\r\n");
    net.expect(alice, "913 4\r\n");
}

fn switchboard_pair(net: &mut Net) -> (msnp::server::ConnId, msnp::server::ConnId) {
    let (alice, _) = net.go_online(ALICE);
    let (bob, _) = net.go_online(BOB);
    net.send(alice, "XFR 10 SB\r\n");
    let cookie = word_after(&net.take(alice), "CKI ").to_owned();
    let sb_a = net.accept(Listener::Switchboard);
    net.send(
        sb_a,
        format!("USR 1 alice@example.com {cookie}\r\nCAL 2 bob@example.com\r\n"),
    );
    let ring = net.take(bob);
    let sb_b = net.accept(Listener::Switchboard);
    net.send(
        sb_b,
        format!(
            "ANS 1 bob@example.com {} {}\r\n",
            word_after(&ring, "CKI "),
            word_after(&ring, "RNG ")
        ),
    );
    net.take(sb_a);
    net.take(sb_b);
    (sb_a, sb_b)
}

#[test]
fn a_message_over_1664_bytes_closes_the_sender() {
    let mut net = Net::new();
    let (sb_a, sb_b) = switchboard_pair(&mut net);
    net.send(sb_a, format!("MSG 3 A 1664\r\n{}", "x".repeat(1664)));
    assert_eq!(
        net.take(sb_b).len(),
        "MSG alice@example.com Alice 1664\r\n".len() + 1664
    );
    net.expect(sb_a, "ACK 3\r\n");
    net.send(sb_a, format!("MSG 4 A 1665\r\n{}", "x".repeat(1665)));
    assert_eq!(
        net.close_reason(sb_a),
        Some(&CloseReason::MessageTooLarge { len: 1665 })
    );
    net.expect(sb_a, "");
    net.expect(sb_b, "BYE alice@example.com\r\n");
}

#[test]
fn idle_switchboard_connections_are_dropped_with_bye_1() {
    let mut net = Net::new();
    let (sb_a, sb_b) = switchboard_pair(&mut net);
    net.advance(Duration::from_secs(200));
    net.send(sb_b, "MSG 2 U 2\r\nhi");
    net.take(sb_a);
    net.advance(Duration::from_secs(100));
    assert_eq!(net.close_reason(sb_a), Some(&CloseReason::Idle));
    net.expect(sb_b, "BYE alice@example.com 1\r\n");
}

#[test]
fn a_peer_that_does_not_read_is_disconnected_not_buffered() {
    let mut config = ServerConfig::default();
    config.max_queued_output = 64;
    let now = std::time::Instant::now();
    let mut server = Server::new(config, now);
    let ns = server.accept(now, Listener::Notification);
    for _ in 0..20 {
        server.handle_input(ns, now, b"PNG\r\n").unwrap();
        assert!(server.queued_output(ns) <= 64);
    }
    assert_eq!(
        server.poll_output(),
        ServerOutput::Event(ServerEvent::Closed {
            conn: ns,
            reason: CloseReason::OutputOverflow { max: 64 },
        })
    );
    assert_eq!(server.poll_output(), ServerOutput::Close { conn: ns });
    assert!(matches!(
        server.poll_output(),
        ServerOutput::Idle { next_timeout: None }
    ));
    assert!(
        server.handle_input(ns, now, b"PNG\r\n").is_err(),
        "closed ids are refused"
    );
}

#[test]
fn blocking_privacy_hides_presence_from_new_watchers() {
    let mut net = Net::new();
    befriend(&mut net, BOB, ALICE);
    net.server
        .directory_mut()
        .set_privacy(ALICE, Privacy::BlockAll)
        .unwrap();
    let (bob, _) = net.go_online(BOB);
    let (_alice, _) = net.go_online(ALICE);
    net.expect(bob, "");
}

/// `Duration::MAX` as any of the server's timeouts means "never": nothing overflows, a
/// challenge left unanswered and an idle switchboard stay, and a cookie stays valid.
#[test]
fn durations_of_max_mean_never() {
    let mut config = ServerConfig::default();
    config.challenge_timeout = Duration::MAX;
    config.cookie_lifetime = Duration::MAX;
    config.switchboard_idle_timeout = Some(Duration::MAX);
    let mut net = Net::with_config(config);
    // Alice leaves her challenge unanswered; Bob opens a switchboard a year later.
    let alice = net.sign_in(ALICE);
    net.send(alice, "CHG 5 NLN 268435492\r\n");
    assert!(net.take(alice).contains("CHL 0 "));
    let (bob, _) = net.go_online(BOB);
    net.send(bob, "XFR 10 SB\r\n");
    let cookie = word_after(&net.take(bob), "CKI ").to_owned();
    net.advance(Duration::from_secs(365 * 24 * 3600));
    let sb = net.accept(Listener::Switchboard);
    net.send(sb, format!("USR 1 bob@example.com {cookie}\r\n"));
    net.expect(sb, "USR 1 OK bob@example.com Bob%20Smith\r\n");
    net.advance(Duration::from_secs(365 * 24 * 3600));
    assert!(net.closed.is_empty(), "{:?}", net.closed);
}
