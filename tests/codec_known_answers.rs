//! Known answers for the codec: every MSNP8 verb in both directions with the reference's
//! examples (exact bytes both ways), every unit of transcript T1, and every error the
//! decoder and the validated types report.

use std::borrow::Cow;

use msnp::Secret;
use msnp::codec::{
    AccountFlags, AckMode, AddPrompt, BprStamp, ClientCaps, ClientCommand, DecodeError, Direction,
    EncodeError, EncodedName, ErrorCode, Framer, GroupId, GroupList, HostPort, Limits, List, ListMask,
    ListStamp, Passport, Privacy, RawCommand, ServerCommand, Status, SynCounts, Token, TokenError, TokenList,
    TrId,
};
use msnp::testing::known_answer::{
    assert_client_decode_error, assert_client_decodes, assert_client_known_answer, assert_encodes,
    assert_server_decode_error, assert_server_decodes, assert_server_known_answer, escape,
};

fn tok(s: &str) -> Token<'_> {
    Token::try_from(s).unwrap()
}
fn pp(s: &str) -> Passport<'_> {
    Passport::try_from(s).unwrap()
}
fn name(s: &str) -> EncodedName<'_> {
    EncodedName::try_from(s).unwrap()
}
fn words(s: &str) -> TokenList<'_> {
    TokenList::try_from(s).unwrap()
}
fn addr(s: &str) -> HostPort<'_> {
    HostPort::parse(s).unwrap()
}
fn secret(s: &str) -> Secret<Token<'_>> {
    Secret::new(tok(s))
}

const TICKET: &str = "t=53*1hAu8ADuD3TEwdXoOMi08sD*2!cMrntTwVMTjoB3p6stWTqzbkKZPVQzA5NOt19SLI60PY!b8K4YhC!Ooo5ug$$&p=5eKBBC!yBH6ex5mftp!a9DrSb0B3hU8aqAWpaPn07iCGBw5akemiWSd7t2ot!okPvIR!Wqk!MKvi1IMpxfhkao9wpxlMWYAZ!DqRfACmyQGG112Bp9xrk04!BVBUa9*H9mJLoWw39m63YQRE1yHnYNv08nyz43D3OnMcaCoeSaEHVM7LpR*LWDme29qq2X3j8N";
const TWN_ARGS: &str = "lc=1033,id=507,tw=40,fs=1,ru=http%3A%2F%2Fmessenger%2Emsn%2Ecom,ct=1062764229,kpp=1,kv=5,ver=2.1.0173.1,tpf=43f8a4c8ed940c04e3740be46c4d1619";
const CVR_URL: &str =
    "http://download.microsoft.com/download/8/a/4/8a42bcae-f533-4468-b871-d2bc8dd32e9e/SETUP9x.EXE";
/// The 133-byte text message of reference §8 [HYP sb/messages].
const TEXT_PAYLOAD: &[u8] = b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nX-MMS-IM-Format: FN=Arial; EF=I; CO=0; CS=0; PF=22\r\n\r\nHello! How are you?";
/// The 89-byte typing notification of reference §8 [HYP sb/example_session].
const TYPING_PAYLOAD: &[u8] =
    b"MIME-Version: 1.0\r\nContent-Type: text/x-msmsgscontrol\r\nTypingUser: bob@passport.com\r\n\r\n\r\n";

fn cvr_request() -> ClientCommand<'static> {
    ClientCommand::Cvr {
        trid: TrId(2),
        locale: tok("0x0409"),
        os_type: tok("win"),
        os_version: tok("4.10"),
        arch: tok("i386"),
        client_name: tok("MSNMSGR"),
        client_version: tok("5.0.0544"),
        product: tok("MSMSGS"),
        account: tok("example@passport.com"),
    }
}

fn cvr_reply() -> ServerCommand<'static> {
    ServerCommand::Cvr {
        trid: TrId(2),
        recommended: tok("6.0.0602"),
        recommended_again: tok("6.0.0602"),
        minimum: tok("1.0.0000"),
        download_url: tok(CVR_URL),
        info_url: tok("http://messenger.msn.com"),
    }
}

// ---------------------------------------------------------------------------------------
// Client → server, one test per verb, in the order of the enum.

#[test]
fn client_ver() {
    let ver = ClientCommand::Ver {
        trid: TrId(1),
        protocols: words("MSNP8 CVR0"),
    };
    assert_client_known_answer(b"VER 1 MSNP8 CVR0\r\n", &ver);
}

#[test]
fn client_cvr() {
    assert_client_known_answer(
        b"CVR 2 0x0409 win 4.10 i386 MSNMSGR 5.0.0544 MSMSGS example@passport.com\r\n",
        &cvr_request(),
    );
}

#[test]
fn client_usr_forms() {
    assert_client_known_answer(
        b"USR 3 TWN I example@passport.com\r\n",
        &ClientCommand::UsrTwnInitial {
            trid: TrId(3),
            account: pp("example@passport.com"),
        },
    );
    let ticket_line = format!("USR 4 TWN S {TICKET}\r\n");
    assert_client_known_answer(
        ticket_line.as_bytes(),
        &ClientCommand::UsrTwnTicket {
            trid: TrId(4),
            ticket: secret(TICKET),
        },
    );
    assert_client_known_answer(
        b"USR 3 MD5 I example@hotmail.com\r\n",
        &ClientCommand::UsrMd5Initial {
            trid: TrId(3),
            account: pp("example@hotmail.com"),
        },
    );
    assert_client_known_answer(
        b"USR 4 MD5 S f59af8f2fa91d38aff7c870c17f99903\r\n",
        &ClientCommand::UsrMd5Hash {
            trid: TrId(4),
            hash: secret("f59af8f2fa91d38aff7c870c17f99903"),
        },
    );
    assert_client_known_answer(
        b"USR 1 example@passport.com 17262740.1050826919.32308\r\n",
        &ClientCommand::UsrSwitchboard {
            trid: TrId(1),
            account: pp("example@passport.com"),
            cookie: secret("17262740.1050826919.32308"),
        },
    );
}

#[test]
fn client_inf_xfr_syn() {
    assert_client_known_answer(b"INF 2\r\n", &ClientCommand::Inf { trid: TrId(2) });
    assert_client_known_answer(b"XFR 10 SB\r\n", &ClientCommand::XfrSb { trid: TrId(10) });
    assert_client_known_answer(
        b"SYN 8 14\r\n",
        &ClientCommand::Syn {
            trid: TrId(8),
            version: 14,
        },
    );
}

#[test]
fn client_gtc_blp_prp() {
    assert_client_known_answer(
        b"GTC 9 A\r\n",
        &ClientCommand::Gtc {
            trid: TrId(9),
            prompt: AddPrompt::Ask,
        },
    );
    assert_client_known_answer(
        b"BLP 9 BL\r\n",
        &ClientCommand::Blp {
            trid: TrId(9),
            privacy: Privacy::BlockAll,
        },
    );
    assert_client_known_answer(
        b"PRP 11 PHH 123%20(4567)\r\n",
        &ClientCommand::Prp {
            trid: TrId(11),
            property: tok("PHH"),
            value: Some(name("123%20(4567)")),
        },
    );
    assert_client_known_answer(
        b"PRP 11 PHH\r\n",
        &ClientCommand::Prp {
            trid: TrId(11),
            property: tok("PHH"),
            value: None,
        },
    );
}

#[test]
fn client_chg() {
    assert_client_known_answer(
        b"CHG 12 NLN 268435492\r\n",
        &ClientCommand::Chg {
            trid: TrId(12),
            status: Status::Online,
            caps: Some(ClientCaps(268435492)),
            msn_object: None,
        },
    );
    for &status in Status::ALL {
        let wire = format!("CHG 5 {status}\r\n");
        let chg = ClientCommand::Chg {
            trid: TrId(5),
            status,
            caps: None,
            msn_object: None,
        };
        assert_client_known_answer(wire.as_bytes(), &chg);
    }
}

#[test]
fn client_list_mutations() {
    assert_client_known_answer(
        b"ADD 13 FL bob@passport.com bob@passport.com 0\r\n",
        &ClientCommand::Add {
            trid: TrId(13),
            list: List::Forward,
            account: pp("bob@passport.com"),
            name: name("bob@passport.com"),
            group: Some(GroupId(0)),
        },
    );
    assert_client_known_answer(
        b"ADD 13 BL bob@passport.com bob@passport.com\r\n",
        &ClientCommand::Add {
            trid: TrId(13),
            list: List::Block,
            account: pp("bob@passport.com"),
            name: name("bob@passport.com"),
            group: None,
        },
    );
    assert_client_known_answer(
        b"REM 14 FL bob@passport.com 0\r\n",
        &ClientCommand::Rem {
            trid: TrId(14),
            list: List::Forward,
            account: pp("bob@passport.com"),
            group: Some(GroupId(0)),
        },
    );
    assert_client_known_answer(
        b"REM 14 AL bob@passport.com\r\n",
        &ClientCommand::Rem {
            trid: TrId(14),
            list: List::Allow,
            account: pp("bob@passport.com"),
            group: None,
        },
    );
    assert_client_known_answer(
        b"REA 15 example@passport.com New%20Name\r\n",
        &ClientCommand::Rea {
            trid: TrId(15),
            account: pp("example@passport.com"),
            name: name("New%20Name"),
        },
    );
}

#[test]
fn client_groups() {
    assert_client_known_answer(
        b"ADG 16 Friends 0\r\n",
        &ClientCommand::Adg {
            trid: TrId(16),
            name: name("Friends"),
        },
    );
    assert_client_known_answer(
        b"RMG 17 1\r\n",
        &ClientCommand::Rmg {
            trid: TrId(17),
            group: GroupId(1),
        },
    );
    assert_client_known_answer(
        b"REG 18 1 Buddies 0\r\n",
        &ClientCommand::Reg {
            trid: TrId(18),
            group: GroupId(1),
            name: name("Buddies"),
        },
    );
}

#[test]
fn client_url() {
    assert_client_known_answer(
        b"URL 19 INBOX\r\n",
        &ClientCommand::Url {
            trid: TrId(19),
            service: tok("INBOX"),
            param: None,
        },
    );
    assert_client_known_answer(
        b"URL 19 PROFILE 0x0409\r\n",
        &ClientCommand::Url {
            trid: TrId(19),
            service: tok("PROFILE"),
            param: Some(tok("0x0409")),
        },
    );
}

#[test]
fn client_qry_carries_the_digest_without_crlf() {
    // TW test_challenge: `QRY 2 msmsgs@msnmsgr.com 32\r\n` + digest (reference §4).
    assert_client_known_answer(
        b"QRY 2 msmsgs@msnmsgr.com 32\r\n8f2f5a91b72102cd28355e9fc9000d6e",
        &ClientCommand::Qry {
            trid: TrId(2),
            product_id: tok("msmsgs@msnmsgr.com"),
            response: tok("8f2f5a91b72102cd28355e9fc9000d6e"),
        },
    );
}

#[test]
fn client_png_out() {
    assert_client_known_answer(b"PNG\r\n", &ClientCommand::Png);
    assert_client_known_answer(b"OUT\r\n", &ClientCommand::Out);
}

#[test]
fn client_msg_with_the_reference_payloads() {
    let mut wire = b"MSG 4 N 133\r\n".to_vec();
    wire.extend_from_slice(TEXT_PAYLOAD);
    assert_client_known_answer(
        &wire,
        &ClientCommand::Msg {
            trid: TrId(4),
            ack: AckMode::NegativeOnly,
            payload: Cow::Borrowed(TEXT_PAYLOAD),
        },
    );
    let mut wire = b"MSG 5 U 89\r\n".to_vec();
    wire.extend_from_slice(TYPING_PAYLOAD);
    assert_client_known_answer(
        &wire,
        &ClientCommand::Msg {
            trid: TrId(5),
            ack: AckMode::Unacknowledged,
            payload: Cow::Borrowed(TYPING_PAYLOAD),
        },
    );
    assert_client_known_answer(
        b"MSG 6 A 0\r\n",
        &ClientCommand::Msg {
            trid: TrId(6),
            ack: AckMode::Always,
            payload: Cow::Borrowed(b""),
        },
    );
}

#[test]
fn client_cal_ans() {
    assert_client_known_answer(
        b"CAL 2 bob@passport.com\r\n",
        &ClientCommand::Cal {
            trid: TrId(2),
            account: pp("bob@passport.com"),
        },
    );
    assert_client_known_answer(
        b"ANS 1 example@passport.com 849102291.520491113 11752013\r\n",
        &ClientCommand::Ans {
            trid: TrId(1),
            account: pp("example@passport.com"),
            cookie: secret("849102291.520491113"),
            session: tok("11752013"),
        },
    );
}

// ---------------------------------------------------------------------------------------
// Server → client, one test per verb, in the order of the enum.

#[test]
fn server_ver_forms() {
    for protocols in ["MSNP8 CVR0", "MSNP8", "0"] {
        let wire = format!("VER 1 {protocols}\r\n");
        let ver = ServerCommand::Ver {
            trid: TrId(1),
            protocols: words(protocols),
        };
        assert_server_known_answer(wire.as_bytes(), &ver);
    }
}

#[test]
fn server_cvr() {
    let wire = format!("CVR 2 6.0.0602 6.0.0602 1.0.0000 {CVR_URL} http://messenger.msn.com\r\n");
    assert_server_known_answer(wire.as_bytes(), &cvr_reply());
}

#[test]
fn server_usr_forms() {
    let wire = format!("USR 3 TWN S {TWN_ARGS}\r\n");
    assert_server_known_answer(
        wire.as_bytes(),
        &ServerCommand::UsrTwnChallenge {
            trid: TrId(3),
            challenge: tok(TWN_ARGS),
        },
    );
    assert_server_known_answer(
        b"USR 3 MD5 S 1234567890.123456789\r\n",
        &ServerCommand::UsrMd5Salt {
            trid: TrId(3),
            salt: tok("1234567890.123456789"),
        },
    );
    let ok = |trid, flags| ServerCommand::UsrOk {
        trid: TrId(trid),
        account: pp("example@passport.com"),
        name: Some(name("example%20display%20name")),
        flags,
    };
    let both = AccountFlags {
        verified: true,
        restricted: Some(false),
    };
    let verified_only = AccountFlags {
        verified: true,
        restricted: None,
    };
    assert_server_known_answer(
        b"USR 4 OK example@passport.com example%20display%20name 1 0\r\n",
        &ok(4, Some(both)),
    );
    assert_server_known_answer(
        b"USR 4 OK example@passport.com example%20display%20name 1\r\n",
        &ok(4, Some(verified_only)),
    );
    // Switchboard: no flags.
    assert_server_known_answer(
        b"USR 1 OK example@passport.com example%20display%20name\r\n",
        &ok(1, None),
    );
}

#[test]
fn server_inf() {
    assert_server_known_answer(
        b"INF 2 MD5\r\n",
        &ServerCommand::Inf {
            trid: TrId(2),
            methods: words("MD5"),
        },
    );
}

#[test]
fn server_xfr_forms() {
    assert_server_known_answer(
        b"XFR 3 NS 207.46.106.35:1863 0 207.46.104.20:1863\r\n",
        &ServerCommand::XfrNs {
            trid: TrId(3),
            addr: addr("207.46.106.35:1863"),
            current: Some(addr("207.46.104.20:1863")),
        },
    );
    assert_server_known_answer(
        b"XFR 3 NS 207.46.106.35:1863 0\r\n",
        &ServerCommand::XfrNs {
            trid: TrId(3),
            addr: addr("207.46.106.35:1863"),
            current: None,
        },
    );
    assert_server_known_answer(
        b"XFR 10 SB 207.46.108.37:1863 CKI 17262740.1050826919.32308\r\n",
        &ServerCommand::XfrSb {
            trid: TrId(10),
            addr: addr("207.46.108.37:1863"),
            cookie: secret("17262740.1050826919.32308"),
        },
    );
}

#[test]
fn server_syn_block_of_the_reference() {
    // YW msnp8.md, reference §6: `SYN 8 14` → the whole block.
    assert_server_known_answer(
        b"SYN 8 15 1 1\r\n",
        &ServerCommand::Syn {
            trid: TrId(8),
            version: 15,
            counts: Some(SynCounts {
                contacts: 1,
                groups: 1,
            }),
        },
    );
    assert_server_known_answer(
        b"SYN 8 15\r\n",
        &ServerCommand::Syn {
            trid: TrId(8),
            version: 15,
            counts: None,
        },
    );
    assert_server_known_answer(
        b"GTC A\r\n",
        &ServerCommand::Gtc {
            stamp: None,
            prompt: AddPrompt::Ask,
        },
    );
    assert_server_known_answer(
        b"BLP AL\r\n",
        &ServerCommand::Blp {
            stamp: None,
            privacy: Privacy::AllowAll,
        },
    );
    assert_server_known_answer(
        b"PRP PHH 123%20(4567)\r\n",
        &ServerCommand::Prp {
            stamp: None,
            property: tok("PHH"),
            value: Some(name("123%20(4567)")),
        },
    );
    assert_server_known_answer(
        b"LSG 0 Other%20Contacts 0\r\n",
        &ServerCommand::Lsg {
            group: GroupId(0),
            name: name("Other%20Contacts"),
        },
    );
    assert_server_known_answer(
        b"LST anotheruser@hotmail.com another%20user 11 0\r\n",
        &ServerCommand::Lst {
            account: pp("anotheruser@hotmail.com"),
            name: name("another%20user"),
            lists: ListMask(11),
            groups: Some(GroupList::try_from("0").unwrap()),
        },
    );
    assert_server_known_answer(
        b"BPR PHH 1%20(222)%20333%204444\r\n",
        &ServerCommand::Bpr {
            stamp: None,
            property: tok("PHH"),
            value: Some(name("1%20(222)%20333%204444")),
        },
    );
}

#[test]
fn server_settings_outside_syn_carry_trid_and_version() {
    let stamp = Some(ListStamp {
        trid: TrId(9),
        version: 16,
    });
    assert_server_known_answer(
        b"GTC 9 16 N\r\n",
        &ServerCommand::Gtc {
            stamp,
            prompt: AddPrompt::Allow,
        },
    );
    assert_server_known_answer(
        b"BLP 9 16 BL\r\n",
        &ServerCommand::Blp {
            stamp,
            privacy: Privacy::BlockAll,
        },
    );
    assert_server_known_answer(
        b"PRP 9 16 PHH 123\r\n",
        &ServerCommand::Prp {
            stamp,
            property: tok("PHH"),
            value: Some(name("123")),
        },
    );
    assert_server_known_answer(
        b"PRP 9 16 PHH\r\n",
        &ServerCommand::Prp {
            stamp,
            property: tok("PHH"),
            value: None,
        },
    );
    // Async BPR: 4 words, version and contact first [TW handle_BPR].
    assert_server_known_answer(
        b"BPR 18 bob@passport.com PHW 555\r\n",
        &ServerCommand::Bpr {
            stamp: Some(BprStamp {
                version: 18,
                account: pp("bob@passport.com"),
            }),
            property: tok("PHW"),
            value: Some(name("555")),
        },
    );
    assert_server_known_answer(
        b"LST bob@passport.com Bob 10\r\n",
        &ServerCommand::Lst {
            account: pp("bob@passport.com"),
            name: name("Bob"),
            lists: ListMask(10),
            groups: None,
        },
    );
    let ServerCommand::Lst { lists, groups, .. } =
        ServerCommand::decode(b"LST a@b.c a 11 0,3\r\n").unwrap().0
    else {
        panic!("not LST");
    };
    assert!(lists.contains(List::Forward) && lists.contains(List::Reverse) && !lists.contains(List::Block));
    assert_eq!(
        groups.unwrap().iter().collect::<Vec<_>>(),
        [GroupId(0), GroupId(3)]
    );
}

#[test]
fn server_presence() {
    assert_server_known_answer(
        b"CHG 12 NLN 268435492\r\n",
        &ServerCommand::Chg {
            trid: TrId(12),
            status: Status::Online,
            caps: Some(ClientCaps(268435492)),
            msn_object: None,
        },
    );
    assert_server_known_answer(
        b"CHG 0 AWY\r\n",
        &ServerCommand::Chg {
            trid: TrId::ASYNC,
            status: Status::Away,
            caps: None,
            msn_object: None,
        },
    );
    assert_server_known_answer(
        b"ILN 12 NLN bob@passport.com Bob 268435492\r\n",
        &ServerCommand::Iln {
            trid: TrId(12),
            status: Status::Online,
            account: pp("bob@passport.com"),
            name: name("Bob"),
            caps: Some(ClientCaps(268435492)),
            msn_object: None,
        },
    );
    assert_server_known_answer(
        b"NLN AWY example@passport.com example%20display%20name 268435492\r\n",
        &ServerCommand::Nln {
            status: Status::Away,
            account: pp("example@passport.com"),
            name: name("example%20display%20name"),
            caps: Some(ClientCaps(268435492)),
            msn_object: None,
        },
    );
    assert_server_known_answer(
        b"FLN example@passport.com\r\n",
        &ServerCommand::Fln {
            account: pp("example@passport.com"),
        },
    );
}

#[test]
fn server_list_mutations() {
    assert_server_known_answer(
        b"ADD 13 FL 19 bob@passport.com bob@passport.com 0\r\n",
        &ServerCommand::Add {
            trid: TrId(13),
            list: List::Forward,
            version: 19,
            account: pp("bob@passport.com"),
            name: name("bob@passport.com"),
            group: Some(GroupId(0)),
        },
    );
    // Someone added the user: TrID 0, reverse list [TW testUserAddedMe].
    assert_server_known_answer(
        b"ADD 0 RL 28 carol@passport.com Carol\r\n",
        &ServerCommand::Add {
            trid: TrId::ASYNC,
            list: List::Reverse,
            version: 28,
            account: pp("carol@passport.com"),
            name: name("Carol"),
            group: None,
        },
    );
    assert_server_known_answer(
        b"REM 14 FL 20 bob@passport.com 0\r\n",
        &ServerCommand::Rem {
            trid: TrId(14),
            list: List::Forward,
            version: 20,
            account: pp("bob@passport.com"),
            group: Some(GroupId(0)),
        },
    );
    assert_server_known_answer(
        b"REM 0 RL 29 carol@passport.com\r\n",
        &ServerCommand::Rem {
            trid: TrId::ASYNC,
            list: List::Reverse,
            version: 29,
            account: pp("carol@passport.com"),
            group: None,
        },
    );
    assert_server_known_answer(
        b"REA 15 21 example@passport.com New%20Name\r\n",
        &ServerCommand::Rea {
            trid: TrId(15),
            version: 21,
            account: pp("example@passport.com"),
            name: name("New%20Name"),
        },
    );
}

#[test]
fn server_groups() {
    assert_server_known_answer(
        b"ADG 16 22 Friends 1 0\r\n",
        &ServerCommand::Adg {
            trid: TrId(16),
            version: 22,
            name: name("Friends"),
            group: GroupId(1),
        },
    );
    assert_server_known_answer(
        b"RMG 17 23 1\r\n",
        &ServerCommand::Rmg {
            trid: TrId(17),
            version: 23,
            group: GroupId(1),
        },
    );
    assert_server_known_answer(
        b"REG 18 24 1 Buddies 0\r\n",
        &ServerCommand::Reg {
            trid: TrId(18),
            version: 24,
            group: GroupId(1),
            name: name("Buddies"),
        },
    );
}

#[test]
fn server_url() {
    assert_server_known_answer(
        b"URL 19 /cgi-bin/HoTMaiL https://loginnet.passport.com/ppsecure/md5auth.srf?lc=1033 2\r\n",
        &ServerCommand::Url {
            trid: TrId(19),
            redirect: tok("/cgi-bin/HoTMaiL"),
            login_url: tok("https://loginnet.passport.com/ppsecure/md5auth.srf?lc=1033"),
            site_id: Some(tok("2")),
        },
    );
}

#[test]
fn server_challenge_and_keepalive() {
    assert_server_known_answer(
        b"CHL 0 15570131571988941333\r\n",
        &ServerCommand::Chl {
            trid: TrId::ASYNC,
            challenge: tok("15570131571988941333"),
        },
    );
    assert_server_known_answer(b"QRY 20\r\n", &ServerCommand::Qry { trid: TrId(20) });
    assert_server_known_answer(b"QNG\r\n", &ServerCommand::Qng { seconds: None });
    assert_server_known_answer(b"QNG 50\r\n", &ServerCommand::Qng { seconds: Some(50) });
}

#[test]
fn server_rng() {
    assert_server_known_answer(
        b"RNG 11752013 207.46.108.38:1863 CKI 849102291.520491113 example@passport.com Example%20Name\r\n",
        &ServerCommand::Rng {
            session: tok("11752013"),
            addr: addr("207.46.108.38:1863"),
            cookie: secret("849102291.520491113"),
            account: pp("example@passport.com"),
            name: name("Example%20Name"),
        },
    );
}

#[test]
fn server_out_forms() {
    assert_server_known_answer(b"OUT\r\n", &ServerCommand::Out { reason: None });
    for reason in ["OTH", "SSD"] {
        let wire = format!("OUT {reason}\r\n");
        let out = ServerCommand::Out {
            reason: Some(tok(reason)),
        };
        assert_server_known_answer(wire.as_bytes(), &out);
    }
}

#[test]
fn server_payload_commands() {
    let mut wire = b"MSG bob@passport.com Bob 133\r\n".to_vec();
    wire.extend_from_slice(TEXT_PAYLOAD);
    assert_server_known_answer(
        &wire,
        &ServerCommand::Msg {
            from: pp("bob@passport.com"),
            name: name("Bob"),
            payload: Cow::Borrowed(TEXT_PAYLOAD),
        },
    );
    assert_server_known_answer(
        b"MSG Hotmail Hotmail 2\r\nhi",
        &ServerCommand::Msg {
            from: pp("Hotmail"),
            name: name("Hotmail"),
            payload: Cow::Borrowed(b"hi"),
        },
    );
    assert_server_known_answer(
        b"NOT 15\r\n<NOTIFICATION/>",
        &ServerCommand::Not {
            payload: Cow::Borrowed(b"<NOTIFICATION/>"),
        },
    );
    assert_server_known_answer(
        b"IPG 1\r\nx",
        &ServerCommand::Ipg {
            payload: Cow::Borrowed(b"x"),
        },
    );
    // The payload is raw bytes: a bare LF or a whole command line inside it stays payload.
    assert_server_decodes(
        b"MSG a b 9\r\nACK 1\r\n\nXNAK 2\r\n",
        &ServerCommand::Msg {
            from: pp("a"),
            name: name("b"),
            payload: Cow::Borrowed(b"ACK 1\r\n\nX"),
        },
        b"NAK 2\r\n",
    );
}

#[test]
fn server_switchboard() {
    assert_server_known_answer(
        b"CAL 2 RINGING 11752013\r\n",
        &ServerCommand::Cal {
            trid: TrId(2),
            session: tok("11752013"),
        },
    );
    assert_server_known_answer(b"ANS 1 OK\r\n", &ServerCommand::Ans { trid: TrId(1) });
    assert_server_known_answer(
        b"IRO 1 1 2 bob@passport.com Bob\r\n",
        &ServerCommand::Iro {
            trid: TrId(1),
            index: 1,
            total: 2,
            account: pp("bob@passport.com"),
            name: name("Bob"),
            caps: None,
        },
    );
    assert_server_known_answer(
        b"JOI bob@passport.com Bob\r\n",
        &ServerCommand::Joi {
            account: pp("bob@passport.com"),
            name: name("Bob"),
            caps: None,
        },
    );
    assert_server_known_answer(
        b"BYE bob@passport.com\r\n",
        &ServerCommand::Bye {
            account: pp("bob@passport.com"),
            idle: false,
        },
    );
    assert_server_known_answer(
        b"BYE bob@passport.com 1\r\n",
        &ServerCommand::Bye {
            account: pp("bob@passport.com"),
            idle: true,
        },
    );
    assert_server_known_answer(b"ACK 4\r\n", &ServerCommand::Ack { trid: TrId(4) });
    assert_server_known_answer(b"NAK 4\r\n", &ServerCommand::Nak { trid: TrId(4) });
}

#[test]
fn server_error_replies() {
    let error = |code, trid: Option<u32>, extra: Option<&'static str>| ServerCommand::Error {
        code: ErrorCode(code),
        trid: trid.map(TrId),
        extra: extra.map(words),
    };
    assert_server_known_answer(b"201 19\r\n", &error(201, Some(19), None));
    // Server-generated errors have no TrID [DRAFT §7.11].
    assert_server_known_answer(b"500\r\n", &error(500, None, None));
    assert_server_known_answer(
        b"911 4 extra words\r\n",
        &error(911, Some(4), Some("extra words")),
    );
    assert_server_known_answer(b"715 info\r\n", &error(715, None, Some("info")));
    assert_server_known_answer(b"100 007\r\n", &error(100, None, Some("007")));
    assert_eq!(ErrorCode(911).name(), Some("ERR_AUTHENTICATION_FAILED"));
    assert_eq!(ErrorCode(540), ErrorCode::CHALLENGE_FAILED);
    assert_eq!(ErrorCode(226).meaning(), None);
}

#[test]
fn error_replies_that_would_read_back_differently_are_refused() {
    let refused = [
        ServerCommand::Error {
            code: ErrorCode(911),
            trid: None,
            extra: Some(words("4 words")),
        },
        ServerCommand::Error {
            code: ErrorCode(99),
            trid: Some(TrId(1)),
            extra: None,
        },
        ServerCommand::Error {
            code: ErrorCode(1000),
            trid: None,
            extra: None,
        },
    ];
    for error in refused {
        let mut out = b"kept".to_vec();
        assert!(
            matches!(error.encode(&mut out), Err(EncodeError::InvalidField { .. })),
            "{error:?}"
        );
        assert_eq!(out, b"kept", "nothing appended");
    }
}

#[test]
fn long_word_lists_stay_typed() {
    // Past the decoder's 12-word array, VER's dialects and an error's words still parse.
    let many = "MSNP8 MSNP7 MSNP6 MSNP5 MSNP4 MSNP3 MSNP2 MSNP1 CVR0 CVR1 CVR2 CVR3";
    let wire = format!("VER 1 {many}\r\n");
    let ver = ServerCommand::Ver {
        trid: TrId(1),
        protocols: words(many),
    };
    assert_server_known_answer(wire.as_bytes(), &ver);
    let client = ClientCommand::Ver {
        trid: TrId(1),
        protocols: words(many),
    };
    assert_client_known_answer(wire.as_bytes(), &client);
    let extra = "a b c d e f g h i j k l m";
    let wire = format!("911 4 {extra}\r\n");
    let error = ServerCommand::Error {
        code: ErrorCode(911),
        trid: Some(TrId(4)),
        extra: Some(words(extra)),
    };
    assert_server_known_answer(wire.as_bytes(), &error);
    // A fixed-arity verb with too many words is malformed, not unknown.
    assert!(matches!(
        ServerCommand::decode(b"ACK 1 2 3 4 5 6 7 8 9 10 11 12 13\r\n"),
        Err(DecodeError::Malformed { .. })
    ));
}

// ---------------------------------------------------------------------------------------
// The reference transcripts.

/// Every unit of T1 (and of T2, which is HTTP: not ours) from the JSON copy in tests/data.
fn transcript_units(name: &str) -> Vec<(String, Vec<u8>)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/msnp8-transcripts.json");
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    json[name]
        .as_array()
        .unwrap()
        .iter()
        .filter(|unit| unit["dir"] != "note")
        .map(|unit| {
            let dir = unit["dir"].as_str().unwrap().to_owned();
            (dir, unit["data"].as_str().unwrap().as_bytes().to_vec())
        })
        .collect()
}

#[test]
fn every_unit_of_t1_decodes_typed_and_reencodes_exactly() {
    let units = transcript_units("T1");
    assert_eq!(units.len(), 14);
    let mut verbs = Vec::new();
    for (dir, bytes) in &units {
        let mut out = Vec::new();
        if dir == "S" {
            let (command, used) = ServerCommand::decode(bytes).unwrap();
            assert_eq!(used, bytes.len(), "{}", escape(bytes));
            assert!(!matches!(command, ServerCommand::Other(_)), "{}", escape(bytes));
            command.encode(&mut out).unwrap();
            verbs.push(format!("S {}", discriminant_name(&format!("{command:?}"))));
        } else {
            let (command, used) = ClientCommand::decode(bytes).unwrap();
            assert_eq!(used, bytes.len(), "{}", escape(bytes));
            assert!(!matches!(command, ClientCommand::Other(_)), "{}", escape(bytes));
            command.encode(&mut out).unwrap();
            verbs.push(format!("C {}", discriminant_name(&format!("{command:?}"))));
        }
        assert_eq!(escape(&out), escape(bytes));
    }
    assert_eq!(
        verbs,
        [
            "C Ver",
            "S Ver",
            "C Cvr",
            "S Cvr",
            "C UsrTwnInitial",
            "S XfrNs",
            "C Ver",
            "S Ver",
            "C Cvr",
            "S Cvr",
            "C UsrTwnInitial",
            "S UsrTwnChallenge",
            "C UsrTwnTicket",
            "S UsrOk",
        ]
    );
}

fn discriminant_name(debug: &str) -> &str {
    debug.split([' ', '(', '{']).next().unwrap_or(debug)
}

#[test]
fn t1_server_bytes_frame_identically_in_one_stream() {
    let stream: Vec<u8> = transcript_units("T1")
        .into_iter()
        .filter(|(dir, _)| dir == "S")
        .flat_map(|(_, bytes)| bytes)
        .collect();
    let mut framer = Framer::new(Direction::ServerToClient, Limits::default());
    for byte in &stream {
        framer.push(std::slice::from_ref(byte));
    }
    let mut count = 0;
    while let Some(frame) = framer.next_frame() {
        frame.unwrap();
        count += 1;
    }
    assert_eq!(count, 7);
}

#[test]
fn the_ticket_never_shows_in_debug() {
    let line = format!("USR 4 TWN S {TICKET}\r\n");
    let (command, _) = ClientCommand::decode(line.as_bytes()).unwrap();
    let shown = format!("{command:?} {command:#?}");
    assert!(!shown.contains("5eKBBC"), "{shown}");
    let (rng, _) = ServerCommand::decode(b"RNG 1 1.2.3.4:1863 CKI sEcReT a@b.c A\r\n").unwrap();
    assert!(!format!("{rng:?}").contains("sEcReT"));
    let (xfr, _) = ServerCommand::decode(b"XFR 1 SB 1.2.3.4:1863 CKI sEcReT\r\n").unwrap();
    assert!(!format!("{xfr:?}").contains("sEcReT"));
    // Malformed errors quote no argument either.
    let error = ClientCommand::decode(b"USR x TWN S sEcReT\r\n").unwrap_err();
    assert!(!format!("{error:?} {error}").contains("sEcReT"));
}

// ---------------------------------------------------------------------------------------
// Errors of the decoder.

#[test]
fn every_strict_prefix_is_incomplete() {
    let mut wires: Vec<(String, Vec<u8>)> = transcript_units("T1");
    let mut msg = b"MSG 4 N 133\r\n".to_vec();
    msg.extend_from_slice(TEXT_PAYLOAD);
    wires.push(("C".into(), msg));
    wires.push((
        "C".into(),
        b"QRY 2 msmsgs@msnmsgr.com 32\r\n8f2f5a91b72102cd28355e9fc9000d6e".to_vec(),
    ));
    wires.push(("S".into(), b"MSG Hotmail Hotmail 2\r\nhi".to_vec()));
    for (dir, wire) in &wires {
        for end in 0..wire.len() {
            let prefix = &wire[..end];
            let error = if dir == "S" {
                ServerCommand::decode(prefix).err()
            } else {
                ClientCommand::decode(prefix).err()
            };
            assert_eq!(error, Some(DecodeError::Incomplete), "{}", escape(prefix));
        }
    }
}

#[test]
fn bare_lf_is_accepted_and_crlf_written() {
    assert_server_decodes(
        b"CHL 0 123\nACK 1\n",
        &ServerCommand::Chl {
            trid: TrId(0),
            challenge: tok("123"),
        },
        b"ACK 1\n",
    );
    assert_client_decodes(b"PNG\n", &ClientCommand::Png, b"");
    assert_server_decodes(
        b"MSG a b 2\nhi",
        &ServerCommand::Msg {
            from: pp("a"),
            name: name("b"),
            payload: Cow::Borrowed(b"hi"),
        },
        b"",
    );
    assert_encodes(&ClientCommand::Png, b"PNG\r\n");
    // A bare CR is not a line end [HYP general/commands]: the CR stays in the line.
    assert!(matches!(
        ServerCommand::decode(b"ACK 1\r\r\n"),
        Err(DecodeError::Malformed { .. })
    ));
}

#[test]
fn runs_of_spaces_are_tolerated() {
    assert_server_decodes(
        b"CHG  12   NLN 0 \r\n",
        &ServerCommand::Chg {
            trid: TrId(12),
            status: Status::Online,
            caps: Some(ClientCaps(0)),
            msn_object: None,
        },
        b"",
    );
}

#[test]
fn line_too_long() {
    let limits = Limits {
        max_line_len: 10,
        ..Limits::default()
    };
    assert_eq!(
        ServerCommand::decode_with_limits(b"ACK 1234567\r\n", &limits).err(),
        Some(DecodeError::LineTooLong { max: 10 })
    );
    assert_eq!(
        ServerCommand::decode_with_limits(b"ACK 123456\r\n", &limits).map(|(_, n)| n),
        Ok(12)
    );
    // Without a line end in sight the verdict comes as soon as the limit is passed.
    assert_eq!(
        ServerCommand::decode_with_limits(b"ACK 12345678", &limits).err(),
        Some(DecodeError::LineTooLong { max: 10 })
    );
    assert_eq!(
        ServerCommand::decode_with_limits(b"ACK 1234567", &limits).err(),
        Some(DecodeError::Incomplete)
    );
    let error = DecodeError::LineTooLong { max: 10 };
    assert!(error.is_fatal());
    assert_eq!(error.frame_len(), None);
}

#[test]
fn payload_too_large_is_skipped_by_its_length() {
    let limits = Limits {
        max_payload_len: 4,
        ..Limits::default()
    };
    let error = DecodeError::PayloadTooLarge {
        len: 5,
        max: 4,
        frame_len: 16,
    };
    // Reported as soon as the line is complete, before the payload arrives.
    assert_eq!(
        ServerCommand::decode_with_limits(b"MSG a b 5\r\n", &limits).err(),
        Some(error.clone())
    );
    assert!(!error.is_fatal());
    let mut framer = Framer::new(Direction::ServerToClient, limits);
    framer.push(b"MSG a b 5\r\nhel");
    assert_eq!(framer.next_frame(), Some(Err(error)));
    assert_eq!(framer.next_frame(), None);
    framer.push(b"loACK 1\r\n");
    assert_eq!(framer.next_frame().unwrap().unwrap().line, b"ACK 1");
    assert_eq!(framer.next_frame(), None);
    // Up to `max_skip_len` an announced length is skipped the same way, holding nothing.
    let mut framer = Framer::new(Direction::ServerToClient, Limits::default());
    framer.push(b"MSG a b 1048576\r\nxx");
    assert_eq!(
        framer.next_frame(),
        Some(Err(DecodeError::PayloadTooLarge {
            len: 1_048_576,
            max: 65_536,
            frame_len: 1_048_576 + 17,
        }))
    );
    assert_eq!(framer.buffered(), 0);
}

#[test]
fn payload_lengths_beyond_the_skip_limit_are_fatal() {
    // Skipping this one would discard every later line, challenges included.
    let wire = b"MSG Hotmail Hotmail 18446744073709551615\r\nCHL 0 15570131571988941333\r\n";
    let error = DecodeError::UnskippablePayload {
        len: usize::MAX,
        max: 1024 * 1024,
    };
    assert!(error.is_fatal());
    assert_eq!(error.frame_len(), None);
    assert_eq!(
        error.to_string(),
        "payload of 18446744073709551615 bytes is beyond the 1048576 that may be skipped: the stream cannot be framed any more"
    );
    assert_server_decode_error(wire, &error);
    let mut framer = Framer::new(Direction::ServerToClient, Limits::default());
    framer.push(wire);
    assert_eq!(framer.next_frame(), Some(Err(error.clone())));
    assert_eq!(framer.buffered(), 0);
    framer.push(b"ACK 1\r\n");
    assert_eq!(framer.next_frame(), Some(Err(error)));
    // One byte past the limit is already too much; the limit is the caller's to set.
    let limits = Limits {
        max_payload_len: 4,
        max_skip_len: 10,
        ..Limits::default()
    };
    assert_eq!(
        ServerCommand::decode_with_limits(b"MSG a b 11\r\n", &limits).err(),
        Some(DecodeError::UnskippablePayload { len: 11, max: 10 })
    );
    assert_eq!(
        ServerCommand::decode_with_limits(b"MSG a b 10\r\n", &limits).err(),
        Some(DecodeError::PayloadTooLarge {
            len: 10,
            max: 4,
            frame_len: 22,
        })
    );
    // A skip limit below the payload limit is raised to it, as a framer does.
    let limits = Limits {
        max_payload_len: 4,
        max_skip_len: 0,
        ..Limits::default()
    };
    assert_eq!(
        ServerCommand::decode_with_limits(b"MSG a b 4\r\nabcd", &limits).map(|(_, n)| n),
        Ok(15)
    );
    assert_eq!(
        Framer::new(Direction::ServerToClient, limits)
            .limits()
            .max_skip_len,
        4
    );
}

#[test]
fn invalid_payload_lengths_are_fatal() {
    for wire in [
        &b"MSG a b -1\r\n"[..],
        b"MSG a b x\r\n",
        b"MSG a b 05\r\n",
        b"MSG a b +5\r\n",
        b"MSG a b 99999999999999999999999\r\n",
        b"MSG\r\n",
        b"NOT\r\n",
    ] {
        let error = DecodeError::InvalidPayloadLength { verb: "MSG".into() };
        let expected = if wire.starts_with(b"NOT") {
            DecodeError::InvalidPayloadLength { verb: "NOT".into() }
        } else {
            error
        };
        assert!(expected.is_fatal());
        assert_server_decode_error(wire, &expected);
    }
    assert_client_decode_error(
        b"QRY 1 msmsgs@msnmsgr.com x\r\n",
        &DecodeError::InvalidPayloadLength { verb: "QRY".into() },
    );
    // Which verbs carry a payload depends on the direction: a server's QRY has none.
    assert_server_known_answer(b"QRY 1\r\n", &ServerCommand::Qry { trid: TrId(1) });
    assert_client_decode_error(
        b"PAG 1 x\r\n",
        &DecodeError::InvalidPayloadLength { verb: "PAG".into() },
    );
}

#[test]
fn known_verbs_with_wrong_arity_are_malformed() {
    let server: &[&[u8]] = &[
        b"VER\r\n",
        b"VER x MSNP8\r\n",
        b"CVR 2 a b c d\r\n",
        b"USR 3 TWN I example@passport.com\r\n",
        b"USR 4 OK a b 2\r\n",
        b"USR 4 OK a b 1 0 1\r\n",
        b"XFR 3 NS 1.2.3.4 0\r\n",
        b"XFR 3 SB 1.2.3.4:1863 XYZ c\r\n",
        b"SYN 8 15 1\r\n",
        b"GTC X\r\n",
        b"GTC 1 A\r\n",
        b"BLP 9 16 XX\r\n",
        b"LSG 0 name 1\r\n",
        b"LST a b 256\r\n",
        b"LST a b 1 0 extra\r\n",
        b"CHG 12 XXX\r\n",
        b"CHG 012 NLN\r\n",
        b"ILN 12 NLN a\r\n",
        b"NLN AWY a b c d\r\n",
        b"FLN\r\n",
        b"FLN a b\r\n",
        b"ADD 13 XL 19 a b\r\n",
        b"REM 14 FL x a\r\n",
        b"REA 15 21 a\r\n",
        b"ADG 16 22 Friends 1 1\r\n",
        b"RMG 17 23\r\n",
        b"REG 18 24 1 Buddies\r\n",
        b"URL 19 a\r\n",
        b"CHL 0\r\n",
        b"QRY\r\n",
        b"RNG 1 1.2.3.4:1863 CKI c a\r\n",
        b"QNG 1 2\r\n",
        b"OUT OTH x\r\n",
        b"MSG a 2\r\nhi",
        b"NOT 1 1\r\nx",
        b"CAL 2 RANG 1\r\n",
        b"ANS 1 NO\r\n",
        b"IRO 1 x 2 a b\r\n",
        b"JOI a\r\n",
        b"BYE a 2\r\n",
        b"ACK\r\n",
        b"NAK 4294967296\r\n",
        b"201 19 a\tb\r\n",
    ];
    for wire in server {
        let error = ServerCommand::decode(wire).unwrap_err();
        assert!(
            matches!(&error, DecodeError::Malformed { frame_len, .. } if *frame_len == wire.len()),
            "{} gave {error:?}",
            escape(wire)
        );
        assert!(!error.is_fatal());
    }
    let client: &[&[u8]] = &[
        b"VER 1\r\n",
        b"CVR 2 a\r\n",
        b"USR 3 TWN\r\n",
        b"INF\r\n",
        b"XFR 10 NS\r\n",
        b"SYN 8\r\n",
        b"GTC 9 a\r\n",
        b"BLP 9 AL x\r\n",
        b"PRP 11\r\n",
        b"CHG 12\r\n",
        b"ADD 13 FL a\r\n",
        b"REM 14 FL\r\n",
        b"REA 15 a\r\n",
        b"ADG 16 Friends 1\r\n",
        b"RMG 17\r\n",
        b"REG 18 1 Buddies\r\n",
        b"URL 19\r\n",
        b"QRY 20 a 3\r\n\xff\xfe\xfd",
        b"PNG 1\r\n",
        b"OUT x\r\n",
        b"MSG 4 n 1\r\nx",
        b"CAL 2\r\n",
        b"ANS 1 a b\r\n",
    ];
    for wire in client {
        let error = ClientCommand::decode(wire).unwrap_err();
        assert!(
            matches!(&error, DecodeError::Malformed { frame_len, .. } if *frame_len == wire.len()),
            "{} gave {error:?}",
            escape(wire)
        );
    }
    assert_eq!(
        ServerCommand::decode(b"ACK x\r\n").unwrap_err().to_string(),
        "malformed `ACK` command: transaction id is not a canonical number"
    );
}

#[test]
fn unknown_verbs_pass_through_as_other() {
    /// Wire bytes, the raw line they keep, the raw payload.
    type Case = (&'static [u8], &'static [u8], Option<&'static [u8]>);
    let cases: &[Case] = &[
        (b"FOO bar\r\n", b"FOO bar", None),
        // Later dialects' payload verbs frame by their length and stay unknown.
        (b"UBX a 2\r\n{}", b"UBX a 2", Some(b"{}")),
        (b"GCF 0 3\r\n<a>", b"GCF 0 3", Some(b"<a>")),
        (b"ADL 12 OK\r\n", b"ADL 12 OK", None),
        (b"ver 1 MSNP8\r\n", b"ver 1 MSNP8", None),
        (b"\r\n", b"", None),
        (b"99 x\r\n", b"99 x", None),
        (b"0123 x\r\n", b"0123 x", None),
    ];
    for &(wire, line, payload) in cases {
        let raw = RawCommand::new(line, payload.map(Cow::Borrowed)).unwrap_or_else(|_| {
            // The empty line decodes, but the API does not build one.
            RawCommand::new(&b"X"[..], None).unwrap()
        });
        let (command, used) = ServerCommand::decode(wire).unwrap();
        assert_eq!(used, wire.len());
        let ServerCommand::Other(decoded) = &command else {
            panic!("{} gave {command:?}", escape(wire));
        };
        assert_eq!((decoded.line(), decoded.payload()), (line, payload));
        if !line.is_empty() {
            assert_eq!(decoded, &raw);
        }
        let mut out = Vec::new();
        command.encode(&mut out).unwrap();
        assert_eq!(escape(&out), escape(wire));
    }
    // Not UTF-8: even a known verb is passed through untyped.
    let (command, _) = ServerCommand::decode(b"NLN AWY \xff\xfe b\r\n").unwrap();
    assert!(matches!(command, ServerCommand::Other(_)));
    assert_eq!(command.verb_bytes_for_test(), b"NLN");
    // A client reads the server verbs it does not send as unknown.
    let (command, _) = ClientCommand::decode(b"LST a b 1\r\n").unwrap();
    assert!(matches!(command, ClientCommand::Other(_)));
}

trait VerbBytes {
    fn verb_bytes_for_test(&self) -> &[u8];
}
impl VerbBytes for ServerCommand<'_> {
    fn verb_bytes_for_test(&self) -> &[u8] {
        match self {
            ServerCommand::Other(raw) => raw.verb(),
            _ => b"",
        }
    }
}

#[test]
fn raw_commands_cannot_break_framing() {
    assert!(RawCommand::new(&b"UBX 1\r\nOUT"[..], None).is_err());
    assert!(RawCommand::new(&b"FOO\0"[..], None).is_err());
    assert!(RawCommand::new(&b" FOO"[..], None).is_err());
    assert!(RawCommand::new(&b"UBX a 3"[..], Some(Cow::Borrowed(&b"{}"[..]))).is_err());
    assert!(RawCommand::new(&b"ADL 3"[..], None).is_err());
    // Direction: a client does not send UBX with a payload, a server does not send FOO one.
    let ubx = RawCommand::new(&b"UBX a 2"[..], Some(Cow::Borrowed(&b"{}"[..]))).unwrap();
    let mut out = Vec::new();
    assert!(matches!(
        ClientCommand::Other(ubx.clone()).encode(&mut out),
        Err(EncodeError::InvalidRawLine { .. })
    ));
    assert!(out.is_empty());
    assert_encodes(&ServerCommand::Other(ubx), b"UBX a 2\r\n{}");
    let pag = RawCommand::new(&b"PAG bob"[..], None).unwrap();
    assert!(ClientCommand::Other(pag.clone()).encode(&mut out).is_err());
    assert_encodes(&ServerCommand::Other(pag), b"PAG bob\r\n");
}

// ---------------------------------------------------------------------------------------
// Validated types: nothing a caller passes can inject a second command.

#[test]
fn every_validated_type_refuses_cr_lf_space_nul() {
    for (bad, byte, at) in [
        ("a\rOUT", b'\r', 1),
        ("a\nOUT", b'\n', 1),
        ("a OUT", b' ', 1),
        ("a\0", 0, 1),
        ("\tx", b'\t', 0),
    ] {
        let expected = Err(TokenError::Forbidden { byte, at });
        assert_eq!(Token::try_from(bad).map(|_| ()), expected, "{bad:?}");
        assert_eq!(Passport::try_from(bad).map(|_| ()), expected);
        assert_eq!(EncodedName::try_from(bad).map(|_| ()), expected);
        assert_eq!(Token::try_from(bad.to_owned()).map(|_| ()), expected);
        assert!(HostPort::new(bad, 1863).is_err());
        assert!(HostPort::parse(bad).is_none());
        assert!(GroupList::try_from(bad).is_err());
        if byte != b' ' {
            assert_eq!(TokenList::try_from(bad).map(|_| ()), expected);
            assert!(TokenList::from_tokens([bad]).is_err());
        }
    }
    assert_eq!(Token::try_from("").map(|_| ()), Err(TokenError::Empty));
    assert_eq!(
        TokenList::try_from("a  b").map(|_| ()),
        Err(TokenError::Forbidden { byte: b' ', at: 1 })
    );
    assert!(TokenList::try_from(" a").is_err());
    assert!(TokenList::try_from("a ").is_err());
    assert!(GroupList::try_from("0,").is_err());
    assert!(GroupList::try_from("01").is_err());
    assert!(HostPort::new("::1", 1863).is_err());
    assert!(HostPort::parse("host:99999").is_none());
    assert!(HostPort::parse("host:080").is_none());
    let long = "a".repeat(130);
    assert_eq!(
        Passport::try_from(long.as_str()).map(|_| ()),
        Err(TokenError::TooLong { len: 130, max: 129 })
    );
    assert!(Passport::try_from(&long[..129]).is_ok());
}

#[test]
fn names_from_text_are_percent_encoded() {
    let name = EncodedName::from_text("Bob\r\nOUT\0 50%").unwrap();
    assert_eq!(name.as_str(), "Bob%0D%0AOUT%00%2050%25");
    assert_eq!(name.decode(), "Bob\r\nOUT\0 50%");
    let rea = ClientCommand::Rea {
        trid: TrId(1),
        account: pp("a@b.c"),
        name,
    };
    assert_encodes(&rea, b"REA 1 a@b.c Bob%0D%0AOUT%00%2050%25\r\n");
    assert_eq!(EncodedName::from_text("").map(|_| ()), Err(TokenError::Empty));
    // `+` stays literal: MSN never encodes a space as `+` (reference §11.5).
    assert_eq!(EncodedName::from_text("a+b").unwrap().as_str(), "a+b");
    // Invalid percent-encoding decodes lossily, never fails.
    assert_eq!(name_decode("%FF%"), "\u{fffd}%");
}

fn name_decode(wire: &str) -> String {
    EncodedName::try_from(wire).unwrap().decode().into_owned()
}

#[test]
fn framer_frames_decode_in_place() {
    let mut framer = Framer::new(Direction::ServerToClient, Limits::default());
    framer.push(b"ACK 1\nMSG a b 2\r\nhiNAK x\r\nFOO\r\n");
    let frame = framer.next_frame().unwrap().unwrap();
    assert_eq!(frame.len, 6);
    assert_eq!(
        ServerCommand::decode_frame(frame),
        Ok(ServerCommand::Ack { trid: TrId(1) })
    );
    let frame = framer.next_frame().unwrap().unwrap();
    assert_eq!(frame.len, 13);
    assert!(matches!(
        ServerCommand::decode_frame(frame),
        Ok(ServerCommand::Msg { .. })
    ));
    let frame = framer.next_frame().unwrap().unwrap();
    assert_eq!(
        ServerCommand::decode_frame(frame),
        Err(DecodeError::Malformed {
            verb: "NAK".into(),
            reason: "transaction id is not a canonical number",
            frame_len: 7,
        })
    );
    let frame = framer.next_frame().unwrap().unwrap();
    assert!(matches!(
        ServerCommand::decode_frame(frame),
        Ok(ServerCommand::Other(_))
    ));
    let mut framer = Framer::new(Direction::ClientToServer, Limits::default());
    framer.push(b"PNG\r\n");
    let frame = framer.next_frame().unwrap().unwrap();
    assert_eq!(ClientCommand::decode_frame(frame), Ok(ClientCommand::Png));
}

#[test]
fn verb_names_the_wire_verb_in_both_directions() {
    let server: &[(&[u8], &str)] = &[
        (b"USR 3 TWN S a=b\r\n", "USR"),
        (b"USR 4 OK a@b.c Name 1 0\r\n", "USR"),
        (b"XFR 3 NS 1.2.3.4:1863 0 5.6.7.8:1863\r\n", "XFR"),
        (b"XFR 3 SB 1.2.3.4:1863 CKI 1.2.3\r\n", "XFR"),
        (b"BPR PHH 123\r\n", "BPR"),
        (b"MSG Hotmail Hotmail 2\r\nhi", "MSG"),
        (b"911 4\r\n", "error"),
        (b"UBX a@b.c 0\r\n", "UBX"),
    ];
    for (wire, verb) in server {
        let (command, _) = ServerCommand::decode(wire).unwrap();
        assert_eq!(command.verb(), *verb, "{}", escape(wire));
    }
    let client: &[(&[u8], &str)] = &[
        (b"USR 1 a@b.c 1.2.3\r\n", "USR"),
        (b"XFR 10 SB\r\n", "XFR"),
        (b"PNG\r\n", "PNG"),
        (b"UUX 1 0\r\n", "UUX"),
    ];
    for (wire, verb) in client {
        let (command, _) = ClientCommand::decode(wire).unwrap();
        assert_eq!(command.verb(), *verb, "{}", escape(wire));
    }
}

/// `trid`, `with_trid`, `verb` and `into_owned` come from the one table of verbs: every
/// client command that carries a TrID is renumbered in place and writes the same line with
/// the new number; the others stay as they are.
#[test]
fn every_client_command_renumbers_its_trid_and_keeps_the_rest() {
    let numbered: &[(&[u8], u32)] = &[
        (b"VER 1 MSNP8 CVR0\r\n", 1),
        (b"CVR 2 0x0409 win 4.10 i386 MSNMSGR 5.0.0544 MSMSGS a@b.c\r\n", 2),
        (b"USR 3 TWN I a@b.c\r\n", 3),
        (b"USR 4 TWN S t=1&p=2\r\n", 4),
        (b"USR 5 MD5 I a@b.c\r\n", 5),
        (b"USR 6 MD5 S 0123abcd\r\n", 6),
        (b"USR 7 a@b.c 17262740.1050826919.32308\r\n", 7),
        (b"INF 8\r\n", 8),
        (b"XFR 9 SB\r\n", 9),
        (b"SYN 10 0\r\n", 10),
        (b"GTC 11 A\r\n", 11),
        (b"BLP 12 AL\r\n", 12),
        (b"PRP 13 PHH 123\r\n", 13),
        (b"CHG 14 NLN 268435492\r\n", 14),
        (b"ADD 15 FL a@b.c a@b.c 0\r\n", 15),
        (b"REM 16 FL a@b.c\r\n", 16),
        (b"REA 17 a@b.c New%20name\r\n", 17),
        (b"ADG 18 Friends 0\r\n", 18),
        (b"RMG 19 1\r\n", 19),
        (b"REG 20 1 Family 0\r\n", 20),
        (b"URL 21 INBOX\r\n", 21),
        (
            b"QRY 22 msmsgs@msnmsgr.com 32\r\n0123456789abcdef0123456789abcdef",
            22,
        ),
        (b"MSG 23 N 2\r\nhi", 23),
        (b"CAL 24 a@b.c\r\n", 24),
        (b"ANS 25 a@b.c 849102291.520491113 11752013\r\n", 25),
    ];
    for &(wire, n) in numbered {
        let (command, _) = ClientCommand::decode(wire).unwrap();
        assert_eq!(command.trid(), Some(TrId(n)), "{}", String::from_utf8_lossy(wire));
        assert_eq!(command.verb().as_bytes(), &wire[..3]);
        assert_eq!(command.clone().into_owned(), command);
        let renumbered = command.with_trid(TrId(4_000_000_000));
        assert_eq!(renumbered.trid(), Some(TrId(4_000_000_000)));
        let mut out = Vec::new();
        renumbered.encode(&mut out).unwrap();
        let old = format!("{} {n}", String::from_utf8_lossy(&wire[..3]));
        let expected = String::from_utf8_lossy(wire).replacen(&old, &format!("{} 4000000000", &old[..3]), 1);
        assert_eq!(String::from_utf8_lossy(&out), expected);
    }
    for wire in [&b"PNG\r\n"[..], b"OUT\r\n", b"UUX 3 2\r\n{}"] {
        let (command, _) = ClientCommand::decode(wire).unwrap();
        assert_eq!(command.trid(), None);
        assert_eq!(command.verb().as_bytes(), &wire[..3]);
        assert_eq!(command.clone().with_trid(TrId(9)), command);
    }
}

/// On the server side a TrID may sit in a stamp or be absent from an error reply: only a
/// TrID that is there is renumbered.
#[test]
fn server_commands_renumber_the_trid_they_carry() {
    // Wire line, its TrID, the line renumbered to 9, its verb.
    type Case<'a> = (&'a [u8], Option<u32>, &'a [u8], &'a str);
    let cases: &[Case] = &[
        (b"GTC 5 147 A\r\n", Some(5), b"GTC 9 147 A\r\n", "GTC"),
        (b"GTC A\r\n", None, b"GTC A\r\n", "GTC"),
        (b"PRP 6 148 PHH 123\r\n", Some(6), b"PRP 9 148 PHH 123\r\n", "PRP"),
        (b"911 3\r\n", Some(3), b"911 9\r\n", "error"),
        (b"911\r\n", None, b"911\r\n", "error"),
        (
            b"XFR 10 NS 207.46.106.118:1863 0 207.46.104.20:1863\r\n",
            Some(10),
            b"XFR 9 NS 207.46.106.118:1863 0 207.46.104.20:1863\r\n",
            "XFR",
        ),
        (b"NLN NLN a@b.c Bob\r\n", None, b"NLN NLN a@b.c Bob\r\n", "NLN"),
        (b"ACK 12\r\n", Some(12), b"ACK 9\r\n", "ACK"),
    ];
    for &(wire, trid, renumbered, verb) in cases {
        let (command, _) = ServerCommand::decode(wire).unwrap();
        assert_eq!(
            command.trid(),
            trid.map(TrId),
            "{}",
            String::from_utf8_lossy(wire)
        );
        assert_eq!(command.verb(), verb);
        assert_eq!(command.clone().into_owned(), command);
        let mut out = Vec::new();
        command.with_trid(TrId(9)).encode(&mut out).unwrap();
        assert_eq!(String::from_utf8_lossy(&out), String::from_utf8_lossy(renumbered));
    }
}

/// `error` names the table row of numeric replies; a line starting with it is no known
/// verb and passes through untyped.
#[test]
fn the_error_row_name_is_not_a_wire_verb() {
    let (command, _) = ServerCommand::decode(b"error 1 2\r\n").unwrap();
    assert!(matches!(command, ServerCommand::Other(_)));
}
