//! Known answers, round trips and robustness of the `MSG` payload module.

use std::borrow::Cow;
use std::net::Ipv4Addr;

use msnp::Secret;
use msnp::msg::{
    self, ActiveMailNotification, Effects, EmailNotification, InitialEmailNotification, Invitation,
    InvitationCommand, MAX_PAYLOAD_LEN, Message, MessageKind, MsgError, ParseError, Profile, Rgb,
    SystemMessage, Text, TextFormat, Typing,
};
use proptest::prelude::*;

/// Shows payload bytes readably when an assertion fails.
fn show(bytes: &[u8]) -> String {
    bytes.escape_ascii().to_string()
}

fn assert_bytes(actual: &[u8], expected: &[u8]) {
    assert_eq!(show(actual), show(expected));
}

fn parse(bytes: &[u8]) -> Message<'_> {
    Message::parse(bytes).unwrap_or_else(|e| panic!("{e}: {}", show(bytes)))
}

/// The text example of [HYP sb/messages], 133 bytes.
const TEXT_133: &[u8] = b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\
X-MMS-IM-Format: FN=Arial; EF=I; CO=0; CS=0; PF=22\r\n\r\nHello! How are you?";

/// The typing example of [HYP sb/example_session], 89 bytes.
const TYPING_89: &[u8] = b"MIME-Version: 1.0\r\nContent-Type: text/x-msmsgscontrol\r\n\
TypingUser: bob@passport.com\r\n\r\n\r\n";

/// The profile of [TW testProfile], 353 bytes (no ClientIP/ClientPort, `Age:` empty).
const PROFILE_353: &[u8] = b"MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsprofile; charset=UTF-8\r\n\
LoginTime: 1016941010\r\nEmailEnabled: 1\r\nMemberIdHigh: 40000\r\nMemberIdLow: -600000000\r\n\
lang_preference: 1033\r\npreferredEmail: foo@bar.com\r\ncountry: AU\r\nPostalCode: 90210\r\n\
Gender: M\r\nKid: 0\r\nAge:\r\nsid: 400\r\nkv: 2\r\n\
MSPAuth: 2CACCBCCADMoV8ORoz64BVwmjtksIg!kmR!Rj5tBBqEaW9hc4YnPHSOQ$$\r\n\r\n";

/// An MSNP8 profile with every field, ClientIP/ClientPort included.
const PROFILE_FULL: &[u8] = b"MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsprofile; charset=UTF-8\r\n\
LoginTime: 1063195238\r\nEmailEnabled: 1\r\nMemberIdHigh: 84410\r\nMemberIdLow: -1910087080\r\n\
lang_preference: 1033\r\npreferredEmail: example@passport.com\r\ncountry: US\r\n\
PostalCode: 98052\r\nGender: m\r\nKid: 0\r\nAge: 24\r\nBDayPre: 5\r\nBirthday: 0\r\nWallet: 0\r\n\
Flags: 1073742915\r\nsid: 507\r\nkv: 5\r\nMSPAuth: 5Yb9dHw1!Xpz*Ab$$\r\n\
ClientIP: 192.0.2.14\r\nClientPort: 29128\r\n\r\n";

/// The initial e-mail notification, 221 bytes [YW msg.md].
const INITIAL_EMAIL_221: &[u8] = b"MIME-Version: 1.0\r\n\
Content-Type: text/x-msmsgsinitialemailnotification; charset=UTF-8\r\n\r\n\
Inbox-Unread: 1\r\nFolders-Unread: 0\r\nInbox-URL: /cgi-bin/HoTMaiL\r\n\
Folders-URL: /cgi-bin/folders\r\nPost-URL: http://www.hotmail.com\r\n\r\n";

const NEW_EMAIL: &[u8] = b"MIME-Version: 1.0\r\n\
Content-Type: text/x-msmsgsemailnotification; charset=UTF-8\r\n\r\n\
From: Alice Example\r\n\
Message-URL: /cgi-bin/getmsg?msg=MSG1062764229.21&start=2310&len=2059&curmbox=ACTIVE\r\n\
Post-URL: https://loginnet.passport.com/ppsecure/md5auth.srf?lc=1033\r\n\
Subject: Lunch?\r\nDest-Folder: ACTIVE\r\nFrom-Addr: alice@example.com\r\nid: 2\r\n\r\n";

const ACTIVE_MAIL: &[u8] = b"MIME-Version: 1.0\r\n\
Content-Type: text/x-msmsgsactivemailnotification; charset=UTF-8\r\n\r\n\
Src-Folder: ACTIVE\r\nDest-Folder: trAsH\r\nMessage-Delta: 1\r\n\r\n";

const SYSTEM_SHUTDOWN: &[u8] = b"MIME-Version: 1.0\r\n\
Content-Type: application/x-msmsgssystemmessage\r\n\r\nType: 1\r\nArg1: 5\r\n\r\n";

const INVITE_FILE: &[u8] = b"MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsinvite; charset=UTF-8\r\n\r\n\
Application-Name: File Transfer\r\n\
Application-GUID: {5D3E02AB-6190-11d3-BBBB-00C04F795683}\r\n\
Invitation-Command: INVITE\r\nInvitation-Cookie: 1234\r\nApplication-File: foobar.ext\r\n\
Application-FileSize: 31337\r\nConnectivity: N\r\n\r\n";

const ACCEPT_WITH_ADDRESS: &[u8] = b"MIME-Version: 1.0\r\n\
Content-Type: text/x-msmsgsinvite; charset=UTF-8\r\n\r\n\
Invitation-Command: ACCEPT\r\nInvitation-Cookie: 1234\r\nIP-Address: 192.168.0.1\r\n\
Port: 6891\r\nAuthCookie: 4321\r\nLaunch-Application: FALSE\r\nRequest-Data: IP-Address:\r\n\r\n";

// ---------------------------------------------------------------- Message

#[test]
fn message_parse_borrows_headers_and_body() {
    let m = parse(TEXT_133);
    let headers: Vec<_> = m.headers().collect();
    assert_eq!(
        headers,
        [
            ("MIME-Version", "1.0"),
            ("Content-Type", "text/plain; charset=UTF-8"),
            ("X-MMS-IM-Format", "FN=Arial; EF=I; CO=0; CS=0; PF=22"),
        ]
    );
    assert_eq!(m.body(), b"Hello! How are you?");
    assert_eq!(m.content_type(), Some("text/plain"));
    assert!(m.has_content_type("TEXT/PLAIN"));
    assert_eq!(m.charset(), Some("UTF-8"));
}

#[test]
fn message_header_names_are_case_insensitive() {
    let m = parse(TEXT_133);
    assert_eq!(m.header("content-type"), Some("text/plain; charset=UTF-8"));
    assert_eq!(m.header("CONTENT-TYPE"), m.header("Content-Type"));
    assert_eq!(m.header("x-mms-im-format").map(str::len), Some(33));
    assert_eq!(m.header("Missing"), None);
    let lower =
        parse(b"mime-version: 1.0\r\ncontent-type: Text/X-MsMsgsControl\r\ntypinguser: a@b.c\r\n\r\n\r\n");
    assert_eq!(Typing::parse(&lower).unwrap().user, "a@b.c");
}

#[test]
fn message_canonical_bytes_are_written_back_verbatim() {
    for wire in [
        TEXT_133,
        TYPING_89,
        PROFILE_353,
        PROFILE_FULL,
        INITIAL_EMAIL_221,
        NEW_EMAIL,
        INVITE_FILE,
    ] {
        let mut out = Vec::new();
        parse(wire).encode(&mut out).unwrap();
        assert_bytes(&out, wire);
    }
}

#[test]
fn message_accepts_bare_lf_and_writes_crlf() {
    let m = parse(b"MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\n\nline 1\nline 2");
    assert_eq!(m.header("content-type"), Some("text/plain; charset=UTF-8"));
    assert_eq!(m.body(), b"line 1\nline 2", "the body is never touched");
    let mut out = Vec::new();
    m.encode(&mut out).unwrap();
    assert_bytes(
        &out,
        b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nline 1\nline 2",
    );
}

#[test]
fn message_tolerates_a_missing_blank_line() {
    let m = parse(b"MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsprofile; charset=UTF-8\r\nkv: 5\r\n");
    assert_eq!(m.body(), b"");
    assert_eq!(Profile::parse(&m).unwrap().kv, Some(5));
    let mut out = Vec::new();
    m.encode(&mut out).unwrap();
    assert!(out.ends_with(b"kv: 5\r\n\r\n"));
}

#[test]
fn message_parse_errors_are_typed() {
    assert_eq!(Message::parse(b""), Err(ParseError::NoHeaderTerminator));
    assert_eq!(
        Message::parse(b"MIME-Version: 1.0\r\nContent-Type: text/pl"),
        Err(ParseError::NoHeaderTerminator)
    );
    assert_eq!(
        Message::parse(b"MIME-Version: 1.0\r\nno colon here\r\n\r\n"),
        Err(ParseError::MissingColon { line: 2 })
    );
    assert_eq!(
        Message::parse(b"MIME-Version: 1.0\r\nX-Name: \xff\r\n\r\n"),
        Err(ParseError::NonUtf8Header)
    );
    // The body may hold anything, invalid UTF-8 included.
    assert!(Message::parse(b"Content-Type: a/b\r\n\r\n\xff\x00\n").is_ok());
}

#[test]
fn message_builder_writes_mime_version_then_content_type() {
    let m = Message::builder("text/x-clientcaps")
        .header("Client-Name", "msnp")
        .header("Chat-Logging", "N")
        .body(b"x\ny".as_slice())
        .build();
    let mut out = Vec::new();
    m.encode(&mut out).unwrap();
    assert_bytes(
        &out,
        b"MIME-Version: 1.0\r\nContent-Type: text/x-clientcaps\r\nClient-Name: msnp\r\n\
Chat-Logging: N\r\n\r\nx\ny",
    );
    assert_eq!(parse(&out), m, "built and parsed messages compare by content");
    assert_eq!(m.header("chat-logging"), Some("N"));
    let owned: Message<'static> = parse(&out).into_owned();
    assert_eq!(owned, m);
}

#[test]
fn message_refuses_header_injection() {
    let cases: [(Message<'_>, MsgError); 6] = [
        (
            Message::builder("text/plain")
                .header("X-A", "ok\r\nContent-Type: evil")
                .build(),
            MsgError::InvalidHeaderValue { name: "X-A".into() },
        ),
        (
            Message::builder("text/plain").header("X-A", "nul\0").build(),
            MsgError::InvalidHeaderValue { name: "X-A".into() },
        ),
        (
            Message::builder("text/plain").header("X-A", "lf\nonly").build(),
            MsgError::InvalidHeaderValue { name: "X-A".into() },
        ),
        (
            Message::builder("text/plain\r\nX-Evil: 1").build(),
            MsgError::InvalidHeaderValue {
                name: "Content-Type".into(),
            },
        ),
        (
            Message::builder("text/plain").header("X-A: b", "c").build(),
            MsgError::InvalidHeaderName {
                name: "X-A: b".into(),
            },
        ),
        (
            Message::builder("text/plain")
                .header("content-type", "x/y")
                .build(),
            MsgError::ReservedHeader {
                name: "content-type".into(),
            },
        ),
    ];
    for (message, error) in cases {
        let mut out = b"kept".to_vec();
        assert_eq!(message.encode(&mut out), Err(error));
        assert_eq!(out, b"kept", "a refused message appends nothing");
    }
    let mut out = Vec::new();
    let empty_name = Message::builder("a/b").header("", "v").build();
    assert!(matches!(
        empty_name.encode(&mut out),
        Err(MsgError::InvalidHeaderName { .. })
    ));
    let padded = Message::builder("a/b").header("X-A", " v").build();
    assert!(matches!(
        padded.encode(&mut out),
        Err(MsgError::InvalidHeaderValue { .. })
    ));
}

#[test]
fn message_debug_redacts_the_passport_ticket() {
    let shown = format!("{:?}", parse(PROFILE_353));
    assert!(!shown.contains("2CACCBCC"), "{shown}");
    assert!(shown.contains("<redacted>"));
    assert!(shown.contains("foo@bar.com"));
}

// ---------------------------------------------------------------- text/plain

#[test]
fn text_known_answer_133() {
    assert_eq!(TEXT_133.len(), 133);
    let m = parse(TEXT_133);
    let text = Text::parse(&m).unwrap();
    let format = text.format.as_ref().unwrap();
    assert_eq!(format.font, "Arial");
    assert_eq!(format.effects, Effects::ITALIC);
    assert_eq!(format.color, Rgb::BLACK);
    assert_eq!((format.charset, format.pitch_family), (0, 0x22));
    assert!(!format.right_to_left);
    assert_eq!(text.body, "Hello! How are you?");
    assert!(matches!(text.body, Cow::Borrowed(_)), "UTF-8 bodies are borrowed");

    let built = Text::new("Hello! How are you?").with_format(TextFormat {
        font: "Arial".into(),
        effects: Effects::ITALIC,
        ..TextFormat::default()
    });
    let mut out = Vec::new();
    built.encode(&mut out);
    assert_bytes(&out, TEXT_133);
}

#[test]
fn text_format_fields() {
    let f = TextFormat::parse("FN=Comic%20Sans%20MS; EF=BIUS; CO=ff8000; CS=86; PF=31; RL=1").unwrap();
    assert_eq!(f.font, "Comic Sans MS");
    assert!(
        f.effects
            .contains(Effects::BOLD | Effects::ITALIC | Effects::UNDERLINE | Effects::STRIKETHROUGH)
    );
    // BGR: the low byte is red.
    assert_eq!(
        f.color,
        Rgb {
            r: 0x00,
            g: 0x80,
            b: 0xff
        }
    );
    assert_eq!(f.color.to_bgr(), 0xff8000);
    assert_eq!((f.charset, f.pitch_family, f.right_to_left), (0x86, 0x31, true));
    assert_eq!(
        f.to_string(),
        "FN=Comic%20Sans%20MS; EF=BIUS; CO=ff8000; CS=86; PF=31; RL=1"
    );
    assert_eq!(
        TextFormat::parse("CO=ff").unwrap().color,
        Rgb { r: 255, g: 0, b: 0 }
    );
    assert_eq!(
        TextFormat::default().to_string(),
        "FN=Microsoft%20Sans%20Serif; EF=; CO=0; CS=0; PF=22"
    );
    for bad in ["CO=1000000", "CO=red", "CS=100", "PF=xyz", "FN=%ff"] {
        assert_eq!(
            TextFormat::parse(bad),
            Err(ParseError::InvalidField {
                field: "X-MMS-IM-Format"
            }),
            "{bad}"
        );
    }
}

#[test]
fn text_format_font_is_percent_encoded_so_it_cannot_inject() {
    let text = Text::new("hi").with_format(TextFormat {
        font: "Evil\r\nX-Injected: 1; EF=B".into(),
        ..TextFormat::default()
    });
    let mut out = Vec::new();
    text.encode(&mut out);
    assert!(!show(&out).contains("\\r\\nX-Injected"), "{}", show(&out));
    let m = parse(&out);
    assert_eq!(m.header("X-Injected"), None);
    assert_eq!(Text::parse(&m).unwrap(), text);
}

#[test]
fn text_charsets() {
    let latin1 = parse(b"MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\ncaf\xe9");
    assert_eq!(Text::parse(&latin1).unwrap().body, "caf\u{e9}");
    let bad_utf8 = parse(b"Content-Type: text/plain; charset=UTF-8\r\n\r\n\xe9");
    assert_eq!(Text::parse(&bad_utf8), Err(ParseError::InvalidBody));
    let other = parse(b"Content-Type: text/plain; charset=\"Shift_JIS\"\r\n\r\nx");
    assert_eq!(other.charset(), Some("Shift_JIS"));
    assert_eq!(Text::parse(&other), Err(ParseError::UnsupportedCharset));
    assert_eq!(
        Text::parse(&parse(TYPING_89)),
        Err(ParseError::WrongContentType {
            expected: "text/plain"
        })
    );
}

#[test]
fn text_split_fits_the_switchboard_limit() {
    let format = TextFormat::default();
    assert_eq!(msg::max_text_body_len(None), 1602);
    assert_eq!(msg::max_text_body_len(Some(&format)), 1532);
    let long = "é".repeat(2000) + "end";
    let text = Text::new(long.as_str()).with_format(format);
    let mut joined = String::new();
    let mut count = 0;
    for part in text.split() {
        let mut out = Vec::new();
        part.encode(&mut out);
        assert!(out.len() <= MAX_PAYLOAD_LEN, "{}", out.len());
        joined.push_str(&part.body);
        count += 1;
    }
    assert_eq!(joined, long);
    assert_eq!(count, 3);
    assert_eq!(Text::new("").split().count(), 0);
}

#[test]
fn split_text_edges() {
    assert_eq!(msg::split_text("", 10).count(), 0);
    assert_eq!(msg::split_text("abc", 0).collect::<Vec<_>>(), ["a", "b", "c"]);
    assert_eq!(msg::split_text("€x", 1).collect::<Vec<_>>(), ["€", "x"]);
    assert_eq!(
        msg::split_text("ab\r\ncd", 3).collect::<Vec<_>>(),
        ["ab", "\r\nc", "d"]
    );
    assert_eq!(msg::split_text("abc", usize::MAX).collect::<Vec<_>>(), ["abc"]);
}

// ---------------------------------------------------------------- typing

#[test]
fn typing_known_answer_89() {
    assert_eq!(TYPING_89.len(), 89);
    let message = parse(TYPING_89);
    let typing = Typing::parse(&message).unwrap();
    assert_eq!(typing, Typing::new("bob@passport.com"));
    let mut out = Vec::new();
    typing.encode(&mut out).unwrap();
    assert_bytes(&out, TYPING_89);
}

#[test]
fn typing_refuses_injection_and_needs_its_header() {
    let mut out = Vec::new();
    assert_eq!(
        Typing::new("bob@passport.com\r\nX-Evil: 1").encode(&mut out),
        Err(MsgError::InvalidHeaderValue {
            name: "TypingUser".into()
        })
    );
    assert!(out.is_empty());
    let m = parse(b"MIME-Version: 1.0\r\nContent-Type: text/x-msmsgscontrol\r\n\r\n\r\n");
    assert_eq!(
        Typing::parse(&m),
        Err(ParseError::MissingField { field: "TypingUser" })
    );
}

// ---------------------------------------------------------------- profile

#[test]
fn profile_known_answer_353() {
    assert_eq!(PROFILE_353.len(), 353);
    let message = parse(PROFILE_353);
    let p = Profile::parse(&message).unwrap();
    assert_eq!(p.login_time, Some(1_016_941_010));
    assert_eq!(p.email_enabled, Some(true));
    assert_eq!(p.member_id_high, Some(40_000));
    assert_eq!(p.member_id_low, Some(-600_000_000));
    assert_eq!(p.lang_preference, Some(1033));
    assert_eq!(p.preferred_email.as_deref(), Some("foo@bar.com"));
    assert_eq!(p.country.as_deref(), Some("AU"));
    assert_eq!(p.postal_code.as_deref(), Some("90210"));
    assert_eq!(p.gender.as_deref(), Some("M"));
    assert_eq!(p.kid, Some(false));
    assert_eq!(p.age.as_deref(), Some(""));
    assert_eq!((p.sid, p.kv), (Some(400), Some(2)));
    assert_eq!(
        p.mspauth.as_ref().map(|t| t.expose().as_ref()),
        Some("2CACCBCCADMoV8ORoz64BVwmjtksIg!kmR!Rj5tBBqEaW9hc4YnPHSOQ$$")
    );
    assert_eq!((p.client_ip, p.client_port), (None, None));
    assert!(p.extra.is_empty());
    let mut out = Vec::new();
    p.encode(&mut out).unwrap();
    assert_bytes(&out, PROFILE_353);
    assert!(!format!("{p:?}").contains("2CACCBCC"), "MSPAuth is a Secret");
}

#[test]
fn profile_with_every_field() {
    let message = parse(PROFILE_FULL);
    let p = Profile::parse(&message).unwrap();
    let expected = Profile {
        login_time: Some(1_063_195_238),
        email_enabled: Some(true),
        member_id_high: Some(84_410),
        member_id_low: Some(-1_910_087_080),
        lang_preference: Some(1033),
        preferred_email: Some("example@passport.com".into()),
        country: Some("US".into()),
        postal_code: Some("98052".into()),
        gender: Some("m".into()),
        kid: Some(false),
        age: Some("24".into()),
        bday_pre: Some("5".into()),
        birthday: Some("0".into()),
        wallet: Some("0".into()),
        flags: Some(1_073_742_915),
        sid: Some(507),
        kv: Some(5),
        mspauth: Some(Secret::new("5Yb9dHw1!Xpz*Ab$$".into())),
        client_ip: Some(Ipv4Addr::new(192, 0, 2, 14)),
        client_port: Some(29128),
        extra: Vec::new(),
    };
    assert_eq!(p, expected);
    // 29128 = 0x71C8 on the wire; the real port is 0xC871.
    assert_eq!(p.real_client_port(), Some(51_313));
    let mut out = Vec::new();
    expected.encode(&mut out).unwrap();
    assert_bytes(&out, PROFILE_FULL);
    assert_eq!(p.into_owned(), expected);
}

#[test]
fn profile_keeps_unknown_headers_and_refuses_bad_ones() {
    let m = parse(
        b"MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsprofile; charset=UTF-8\r\n\
LoginTime: 1\r\nX-Later-Field: hello\r\n\r\n",
    );
    let p = Profile::parse(&m).unwrap();
    assert_eq!(
        p.extra,
        [(Cow::Borrowed("X-Later-Field"), Cow::Borrowed("hello"))]
    );

    let mut out = Vec::new();
    let dup = Profile {
        extra: vec![("logintime".into(), "2".into())],
        ..Profile::default()
    };
    assert_eq!(
        dup.encode(&mut out),
        Err(MsgError::ReservedHeader {
            name: "logintime".into()
        })
    );
    let injected = Profile {
        country: Some("US\r\nMSPAuth: forged".into()),
        ..Profile::default()
    };
    assert_eq!(
        injected.encode(&mut out),
        Err(MsgError::InvalidHeaderValue {
            name: "country".into()
        })
    );
    assert!(out.is_empty());

    let bad = parse(b"Content-Type: text/x-msmsgsprofile\r\nClientPort: 70000\r\n\r\n");
    assert_eq!(
        Profile::parse(&bad),
        Err(ParseError::InvalidField { field: "ClientPort" })
    );
}

// ---------------------------------------------------------------- mail and system

#[test]
fn initial_email_known_answer_221() {
    assert_eq!(INITIAL_EMAIL_221.len(), 221);
    let message = parse(INITIAL_EMAIL_221);
    let n = InitialEmailNotification::parse(&message).unwrap();
    assert_eq!(
        n,
        InitialEmailNotification {
            inbox_unread: 1,
            folders_unread: Some(0),
            inbox_url: Some("/cgi-bin/HoTMaiL".into()),
            folders_url: Some("/cgi-bin/folders".into()),
            post_url: Some("http://www.hotmail.com".into()),
        }
    );
    let mut out = Vec::new();
    n.encode(&mut out).unwrap();
    assert_bytes(&out, INITIAL_EMAIL_221);
    let missing = parse(b"Content-Type: text/x-msmsgsinitialemailnotification\r\n\r\nFolders-Unread: 0\r\n");
    assert_eq!(
        InitialEmailNotification::parse(&missing),
        Err(ParseError::MissingField {
            field: "Inbox-Unread"
        })
    );
}

#[test]
fn new_email_known_answer() {
    let message = parse(NEW_EMAIL);
    let n = EmailNotification::parse(&message).unwrap();
    assert_eq!(n.from.as_deref(), Some("Alice Example"));
    assert_eq!(n.subject.as_deref(), Some("Lunch?"));
    assert_eq!(n.from_addr.as_deref(), Some("alice@example.com"));
    assert_eq!(n.dest_folder.as_deref(), Some("ACTIVE"));
    assert_eq!(n.id, Some(2));
    let mut out = Vec::new();
    n.encode(&mut out).unwrap();
    assert_bytes(&out, NEW_EMAIL);
    let evil = EmailNotification {
        subject: Some("hi\r\nFrom-Addr: boss@example.com".into()),
        ..EmailNotification::default()
    };
    assert_eq!(
        evil.encode(&mut out),
        Err(MsgError::InvalidHeaderValue {
            name: "Subject".into()
        })
    );
}

#[test]
fn active_mail_known_answer() {
    let message = parse(ACTIVE_MAIL);
    let n = ActiveMailNotification::parse(&message).unwrap();
    assert_eq!(
        n,
        ActiveMailNotification {
            src_folder: Some("ACTIVE".into()),
            dest_folder: Some("trAsH".into()),
            message_delta: Some(1),
        }
    );
    let mut out = Vec::new();
    n.encode(&mut out).unwrap();
    assert_bytes(&out, ACTIVE_MAIL);
}

#[test]
fn system_message_known_answer() {
    let message = parse(SYSTEM_SHUTDOWN);
    let s = SystemMessage::parse(&message).unwrap();
    assert_eq!(
        s,
        SystemMessage {
            message_type: 1,
            arg1: Some(5)
        }
    );
    assert_eq!(s.shutdown_in_minutes(), Some(5));
    let mut out = Vec::new();
    s.encode(&mut out);
    assert_bytes(&out, SYSTEM_SHUTDOWN);
}

// ---------------------------------------------------------------- invitations

#[test]
fn invitation_file_transfer_known_answer() {
    let offer = Invitation::file_transfer(1234, "foobar.ext", 31337);
    let mut out = Vec::new();
    offer.encode(&mut out).unwrap();
    assert_bytes(&out, INVITE_FILE);
    let message = parse(INVITE_FILE);
    let parsed = Invitation::parse(&message).unwrap();
    assert_eq!(parsed, offer);
    assert_eq!(parsed.command, InvitationCommand::Invite);
    assert_eq!(parsed.application_guid.as_deref(), Some(msg::FILE_TRANSFER_GUID));
}

#[test]
fn invitation_accept_with_address_known_answer() {
    let accept = Invitation {
        ip_address: Some("192.168.0.1".into()),
        port: Some(6891),
        auth_cookie: Some(Secret::new(4321)),
        ..Invitation::accept(1234)
    };
    let mut out = Vec::new();
    accept.encode(&mut out).unwrap();
    assert_bytes(&out, ACCEPT_WITH_ADDRESS);
    assert_eq!(Invitation::parse(&parse(ACCEPT_WITH_ADDRESS)).unwrap(), accept);
    assert!(!format!("{accept:?}").contains("4321"), "AuthCookie is a Secret");
}

#[test]
fn invitation_reads_lazy_clients() {
    // Mixed-case command, no GUID, unknown field [TW testFileInvitationMissingGUID].
    let wire = b"MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsinvite; charset=UTF-8\r\n\r\n\
Application-Name: File Transfer\r\nInvitation-Command: Invite\r\nInvitation-Cookie: 1234\r\n\
Application-File: foobar.ext\r\nApplication-FileSize: 31337\r\nSession-Protocol: SM1\r\n\r\n";
    let message = parse(wire);
    let i = Invitation::parse(&message).unwrap();
    assert_eq!(i.command, InvitationCommand::Invite);
    assert_eq!(i.application_guid, None);
    assert_eq!(i.application_file_size, Some(31337));
    assert_eq!(
        i.extra,
        [(Cow::Borrowed("Session-Protocol"), Cow::Borrowed("SM1"))]
    );

    let cancel = Invitation::cancel(1234, "REJECT");
    let mut out = Vec::new();
    cancel.encode(&mut out).unwrap();
    assert!(out.ends_with(
        b"\r\n\r\nInvitation-Command: CANCEL\r\nInvitation-Cookie: 1234\r\nCancel-Code: REJECT\r\n\r\n"
    ));

    let no_cookie = parse(b"Content-Type: text/x-msmsgsinvite\r\n\r\nInvitation-Command: ACCEPT\r\n");
    assert_eq!(
        Invitation::parse(&no_cookie),
        Err(ParseError::MissingField {
            field: "Invitation-Cookie"
        })
    );
    let bad_command = parse(b"Content-Type: text/x-msmsgsinvite\r\n\r\nInvitation-Command: MAYBE\r\n");
    assert_eq!(
        Invitation::parse(&bad_command),
        Err(ParseError::InvalidField {
            field: "Invitation-Command"
        })
    );
    let no_colon = parse(b"Content-Type: text/x-msmsgsinvite\r\n\r\nInvitation-Command ACCEPT\r\n");
    assert_eq!(
        Invitation::parse(&no_colon),
        Err(ParseError::MissingColon { line: 1 })
    );
}

#[test]
fn invitation_refuses_injection() {
    let mut out = Vec::new();
    let evil = Invitation::file_transfer(1, "a.txt\r\nIP-Address: 10.0.0.1", 1);
    assert_eq!(
        evil.encode(&mut out),
        Err(MsgError::InvalidHeaderValue {
            name: "Application-File".into()
        })
    );
    let dup = Invitation {
        extra: vec![("Port".into(), "1".into())],
        ..Invitation::accept(1)
    };
    assert_eq!(
        dup.encode(&mut out),
        Err(MsgError::ReservedHeader { name: "Port".into() })
    );
    assert!(out.is_empty());
}

// ---------------------------------------------------------------- classify

#[test]
fn classify_dispatches_on_content_type() {
    let kind = |wire: &[u8]| -> String {
        let m = parse(wire);
        let name = match m.kind().unwrap() {
            MessageKind::Text(_) => "text",
            MessageKind::Typing(_) => "typing",
            MessageKind::Profile(_) => "profile",
            MessageKind::InitialEmail(_) => "initial",
            MessageKind::NewEmail(_) => "new",
            MessageKind::ActiveMail(_) => "active",
            MessageKind::SystemMessage(_) => "system",
            MessageKind::Invitation(_) => "invitation",
            MessageKind::Other(_) => "other",
            _ => "unknown",
        };
        name.to_owned()
    };
    assert_eq!(kind(TEXT_133), "text");
    assert_eq!(kind(TYPING_89), "typing");
    assert_eq!(kind(PROFILE_353), "profile");
    assert_eq!(kind(INITIAL_EMAIL_221), "initial");
    assert_eq!(kind(NEW_EMAIL), "new");
    assert_eq!(kind(ACTIVE_MAIL), "active");
    assert_eq!(kind(SYSTEM_SHUTDOWN), "system");
    assert_eq!(kind(INVITE_FILE), "invitation");
    assert_eq!(
        kind(b"MIME-Version: 1.0\r\nContent-Type: text/x-clientcaps\r\n\r\nClient-Name: x\r\n"),
        "other"
    );
    assert_eq!(
        kind(b"MIME-Version: 1.0\r\nContent-Type: text/x-mms-emoticon\r\n\r\n:)\tobj\t"),
        "other"
    );
    assert_eq!(kind(b"MIME-Version: 1.0\r\n\r\n"), "other");
    let other = parse(b"Content-Type: application/x-unknown\r\n\r\n\x00\xff");
    match msg::classify(&other).unwrap() {
        MessageKind::Other(m) => {
            let mut out = Vec::new();
            m.encode(&mut out).unwrap();
            assert_bytes(&out, b"Content-Type: application/x-unknown\r\n\r\n\x00\xff");
        }
        k => panic!("{k:?}"),
    }
}

// ---------------------------------------------------------------- fuzz corpus

#[test]
fn fuzz_corpus_replays() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/msg_payload");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let data = std::fs::read(entry.unwrap().path()).unwrap();
        msnp::fuzzing::msg::msg_payload(&data);
        count += 1;
    }
    assert!(count >= 8, "corpus has {count} files");
}

// ---------------------------------------------------------------- properties

fn value() -> impl Strategy<Value = String> {
    "[^\r\n\0]{0,16}".prop_map(|s| s.trim_matches([' ', '\t']).to_owned())
}

fn opt_value() -> impl Strategy<Value = Option<Cow<'static, str>>> {
    proptest::option::of(value().prop_map(Cow::Owned))
}

fn name() -> impl Strategy<Value = String> {
    "X-[!-9;-~]{0,10}"
}

fn extras() -> impl Strategy<Value = Vec<(Cow<'static, str>, Cow<'static, str>)>> {
    prop::collection::vec((name(), value()), 0..3).prop_map(|v| {
        v.into_iter()
            .map(|(n, v)| (Cow::Owned(n), Cow::Owned(v)))
            .collect()
    })
}

fn effects() -> impl Strategy<Value = Effects> {
    (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()).prop_map(|(b, i, u, s)| {
        let mut e = Effects::NONE;
        for (on, flag) in [
            (b, Effects::BOLD),
            (i, Effects::ITALIC),
            (u, Effects::UNDERLINE),
            (s, Effects::STRIKETHROUGH),
        ] {
            if on {
                e |= flag;
            }
        }
        e
    })
}

fn text_format() -> impl Strategy<Value = TextFormat<'static>> {
    (
        ".{0,12}",
        effects(),
        any::<[u8; 3]>(),
        any::<u8>(),
        any::<u8>(),
        any::<bool>(),
    )
        .prop_map(
            |(font, effects, [r, g, b], charset, pitch_family, right_to_left)| TextFormat {
                font: Cow::Owned(font),
                effects,
                color: Rgb { r, g, b },
                charset,
                pitch_family,
                right_to_left,
            },
        )
}

fn profile() -> impl Strategy<Value = Profile<'static>> {
    let numbers = (
        any::<Option<u64>>(),
        any::<Option<bool>>(),
        any::<Option<i64>>(),
        any::<Option<i64>>(),
        any::<Option<u32>>(),
        any::<Option<bool>>(),
        any::<Option<u32>>(),
        any::<Option<u32>>(),
        any::<Option<u32>>(),
        any::<Option<[u8; 4]>>(),
        any::<Option<u16>>(),
    );
    let texts = (
        opt_value(),
        opt_value(),
        opt_value(),
        opt_value(),
        opt_value(),
        opt_value(),
        opt_value(),
        opt_value(),
        opt_value(),
        extras(),
    );
    (numbers, texts).prop_map(|(n, t)| Profile {
        login_time: n.0,
        email_enabled: n.1,
        member_id_high: n.2,
        member_id_low: n.3,
        lang_preference: n.4,
        kid: n.5,
        flags: n.6,
        sid: n.7,
        kv: n.8,
        client_ip: n.9.map(Ipv4Addr::from),
        client_port: n.10,
        preferred_email: t.0,
        country: t.1,
        postal_code: t.2,
        gender: t.3,
        age: t.4,
        bday_pre: t.5,
        birthday: t.6,
        wallet: t.7,
        mspauth: t.8.map(Secret::new),
        extra: t.9,
    })
}

fn invitation() -> impl Strategy<Value = Invitation<'static>> {
    let command = prop_oneof![
        Just(InvitationCommand::Invite),
        Just(InvitationCommand::Accept),
        Just(InvitationCommand::Cancel)
    ];
    let head = (
        command,
        any::<u32>(),
        any::<Option<u64>>(),
        any::<Option<u16>>(),
        any::<Option<u32>>(),
        any::<Option<bool>>(),
        extras(),
    );
    let texts = (
        opt_value(),
        opt_value(),
        opt_value(),
        opt_value(),
        opt_value(),
        opt_value(),
        opt_value(),
    );
    (head, texts).prop_map(|(h, t)| Invitation {
        application_file_size: h.2,
        port: h.3,
        auth_cookie: h.4.map(Secret::new),
        launch_application: h.5,
        extra: h.6,
        application_name: t.0,
        application_guid: t.1,
        application_file: t.2,
        connectivity: t.3,
        cancel_code: t.4,
        ip_address: t.5,
        request_data: t.6,
        ..Invitation::new(h.0, h.1)
    })
}

/// Bytes that look like payloads, so the parser's deeper paths are reached.
fn payload_like() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"MIME-Version: 1.0\r\n".to_vec()),
        Just(b"Content-Type: text/plain; charset=UTF-8\r\n".to_vec()),
        Just(b"Content-Type: text/plain\n".to_vec()),
        Just(b"Content-Type: text/x-msmsgscontrol\r\n".to_vec()),
        Just(b"Content-Type: text/x-msmsgsprofile\r\n".to_vec()),
        Just(b"Content-Type: text/x-msmsgsinvite\r\n".to_vec()),
        Just(b"Content-Type: text/x-msmsgsinitialemailnotification\r\n".to_vec()),
        Just(b"Content-Type: application/x-msmsgssystemmessage\r\n".to_vec()),
        Just(b"X-MMS-IM-Format: FN=A%20b; EF=BI; CO=ff; CS=0; PF=22\r\n".to_vec()),
        Just(b"TypingUser: a@b.c\r\n".to_vec()),
        Just(b"Invitation-Command: ACCEPT\r\nInvitation-Cookie: 7\r\n".to_vec()),
        Just(b"Inbox-Unread: 3\r\nType: 1\r\nArg1: 2\r\nClientPort: 1\r\n".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\r".to_vec()),
        Just(b": \t".to_vec()),
        prop::collection::vec(any::<u8>(), 0..8),
    ];
    prop::collection::vec(piece, 0..12).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn prop_message_round_trip(
        content_type in value(),
        headers in prop::collection::vec((name(), value()), 0..4),
        body in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        let mut builder = Message::builder(content_type);
        for (n, v) in headers {
            builder = builder.header(n, v);
        }
        let message = builder.body(body).build();
        let mut out = Vec::new();
        message.encode(&mut out).unwrap();
        prop_assert_eq!(parse(&out), message);
    }

    #[test]
    fn prop_text_format_round_trip(format in text_format()) {
        let wire = format.to_string();
        prop_assert_eq!(TextFormat::parse(&wire).unwrap(), format);
    }

    #[test]
    fn prop_text_round_trip(format in proptest::option::of(text_format()), body in ".{0,40}") {
        let text = Text { format, body: body.into() };
        let mut out = Vec::new();
        text.encode(&mut out);
        let message = parse(&out);
        prop_assert_eq!(Text::parse(&message).unwrap(), text);
    }

    #[test]
    fn prop_profile_round_trip(profile in profile()) {
        let mut out = Vec::new();
        profile.encode(&mut out).unwrap();
        let message = parse(&out);
        prop_assert_eq!(Profile::parse(&message).unwrap(), profile);
    }

    #[test]
    fn prop_invitation_round_trip(invitation in invitation()) {
        let mut out = Vec::new();
        invitation.encode(&mut out).unwrap();
        let message = parse(&out);
        prop_assert_eq!(Invitation::parse(&message).unwrap(), invitation);
    }

    #[test]
    fn prop_parse_never_panics(data in prop::collection::vec(any::<u8>(), 0..256)) {
        msnp::fuzzing::msg::msg_payload(&data);
    }

    #[test]
    fn prop_parse_never_panics_on_payload_like_bytes(data in payload_like()) {
        msnp::fuzzing::msg::msg_payload(&data);
    }

    #[test]
    fn prop_split_text(text in ".{0,64}", max in 0usize..20) {
        let chunks: Vec<&str> = msg::split_text(&text, max).collect();
        prop_assert_eq!(chunks.concat(), text.as_str());
        for chunk in chunks {
            prop_assert!(!chunk.is_empty());
            prop_assert!(chunk.len() <= max || chunk.chars().count() == 1);
            if max >= 4 {
                prop_assert!(chunk.len() <= max);
            }
        }
    }
}

/// Values from `Arbitrary` are valid by construction: each writes and reads back equal.
#[cfg(feature = "arbitrary")]
#[test]
fn arbitrary_values_round_trip() {
    use arbitrary::{Arbitrary, Unstructured};

    fn check<T>(data: &[u8], read: impl Fn(&Message<'_>) -> T, write: impl Fn(&T, &mut Vec<u8>))
    where
        T: for<'a> Arbitrary<'a> + PartialEq + std::fmt::Debug,
    {
        let Ok(value) = T::arbitrary(&mut Unstructured::new(data)) else {
            return;
        };
        let mut out = Vec::new();
        write(&value, &mut out);
        assert_eq!(read(&parse(&out)), value);
    }

    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    for _ in 0..256 {
        let data: Vec<u8> = (0..128)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state.to_le_bytes()[0]
            })
            .collect();
        check(
            &data,
            |m| m.clone().into_owned(),
            |v: &Message<'static>, o| v.encode(o).unwrap(),
        );
        check(
            &data,
            |m| Text::parse(m).unwrap().into_owned(),
            |v, o| v.encode(o),
        );
        check(
            &data,
            |m| Typing::parse(m).unwrap().into_owned(),
            |v, o| v.encode(o).unwrap(),
        );
        check(
            &data,
            |m| Profile::parse(m).unwrap().into_owned(),
            |v, o| v.encode(o).unwrap(),
        );
        check(
            &data,
            |m| Invitation::parse(m).unwrap().into_owned(),
            |v, o| v.encode(o).unwrap(),
        );
        check(
            &data,
            |m| InitialEmailNotification::parse(m).unwrap().into_owned(),
            |v, o| v.encode(o).unwrap(),
        );
        check(
            &data,
            |m| EmailNotification::parse(m).unwrap().into_owned(),
            |v, o| v.encode(o).unwrap(),
        );
        check(
            &data,
            |m| ActiveMailNotification::parse(m).unwrap().into_owned(),
            |v, o| v.encode(o).unwrap(),
        );
        check(&data, |m| SystemMessage::parse(m).unwrap(), |v, o| v.encode(o));
    }
}
