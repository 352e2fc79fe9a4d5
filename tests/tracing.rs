//! Frame-level tracing (feature `tracing`): every frame a notification or switchboard
//! machine sends or parses is one `TRACE` event naming its connection and direction, and
//! no ticket, cookie, `MSPAuth` or message text ever reaches the log.
#![cfg(feature = "tracing")]

use std::fmt::{self, Write as _};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use msnp::codec::{AckMode, ClientCommand, Passport, RawCommand, Token};
use msnp::codec::{Dialect, DialectSet};
use msnp::ns::{NotificationClient, NsConfig};

/// The logged sessions replay the reference's MSNP8 transcripts.
fn msnp8() -> NsConfig {
    let mut config = NsConfig::default();
    config.dialects = DialectSet::only(Dialect::Msnp8);
    config
}
use msnp::sb::{SbConfig, SwitchboardClient};
use msnp::{Output, Secret};
use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::span;
use tracing::subscriber::{Interest, Subscriber};
use tracing::{Event, Level, Metadata};

// ----- A subscriber that writes each event as one line into a shared Vec -----

#[derive(Clone)]
struct Capture {
    lines: Arc<Mutex<Vec<String>>>,
    max: Level,
}

impl Capture {
    fn new(max: Level) -> Self {
        Capture {
            lines: Arc::default(),
            max,
        }
    }

    fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }
}

/// `target field=value …: message`, fields in the order the event declares them.
#[derive(Default)]
struct Line {
    fields: String,
    message: String,
}

impl Visit for Line {
    fn record_str(&mut self, field: &Field, value: &str) {
        let _ = write!(self.fields, " {}={value}", field.name());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            self.message = format!("{value:?}");
        } else {
            let _ = write!(self.fields, " {}={value:?}", field.name());
        }
    }
}

impl Subscriber for Capture {
    fn register_callsite(&self, _: &'static Metadata<'static>) -> Interest {
        // Ask every time: tests in this binary run on threads with their own subscribers.
        Interest::sometimes()
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        *metadata.level() <= self.max
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(LevelFilter::from_level(self.max))
    }

    fn new_span(&self, _: &span::Attributes<'_>) -> span::Id {
        span::Id::from_u64(1)
    }

    fn record(&self, _: &span::Id, _: &span::Record<'_>) {}

    fn record_follows_from(&self, _: &span::Id, _: &span::Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut line = Line::default();
        event.record(&mut line);
        let text = format!(
            "{} {}{}: {}",
            event.metadata().level(),
            event.metadata().target(),
            line.fields,
            line.message
        );
        self.lines.lock().unwrap().push(text);
    }

    fn enter(&self, _: &span::Id) {}

    fn exit(&self, _: &span::Id) {}
}

/// Runs `f` with a capturing subscriber and returns what it logged.
fn captured(max: Level, f: impl FnOnce()) -> Vec<String> {
    let capture = Capture::new(max);
    tracing::subscriber::with_default(capture.clone(), f);
    capture.lines()
}

// ----- Driving the machines -----

/// Hands out everything until `Idle`, as a caller would, and returns the bytes sent.
fn drain_ns(ns: &mut NotificationClient) -> Vec<u8> {
    let mut sent = Vec::new();
    loop {
        match ns.poll_output() {
            Output::Transmit(bytes) => sent.extend_from_slice(bytes),
            Output::Event(_) => {}
            Output::Idle { .. } => return sent,
        }
    }
}

fn drain_sb(sb: &mut SwitchboardClient) -> Vec<u8> {
    let mut sent = Vec::new();
    loop {
        match sb.poll_output() {
            Output::Transmit(bytes) => sent.extend_from_slice(bytes),
            Output::Event(_) => {}
            Output::Idle { .. } => return sent,
        }
    }
}

fn account(text: &str) -> Passport<'static> {
    Passport::try_from(text.to_owned()).unwrap()
}

fn token(text: &str) -> Token<'static> {
    Token::try_from(text.to_owned()).unwrap()
}

/// Transcript T1's ticket (reference §3).
const TICKET: &str = "t=53*1hAu8ADuD3TEwdXoOMi08sD*2!cMrntTwVMTjoB3p6stWTqzbkKZPVQzA5NOt19SLI60PY!b8K4YhC!Ooo5ug$$&p=5eKBBC!yBH6ex5mftp!a9DrSb0B3hU8aqAWpaPn07iCGBw5akemiWSd7t2ot!okPvIR!Wqk!MKvi1IMpxfhkao9wpxlMWYAZ!DqRfACmyQGG112Bp9xrk04!BVBUa9*H9mJLoWw39m63YQRE1yHnYNv08nyz43D3OnMcaCoeSaEHVM7LpR*LWDme29qq2X3j8N";
const MSPAUTH: &str = "7Sz2dVo!Xa$$";
const XFR_COOKIE: &str = "17262740.1050826919.32308";
const RNG_COOKIE: &str = "849102291.520491113";
const SENT_TEXT: &str = "the plan is secret";
const RECEIVED_TEXT: &str = "meet me at noon";

const PROFILE: &[u8] = b"MSG Hotmail Hotmail 118\r\nMIME-Version: 1.0\r\nContent-Type: text/x-msmsgsprofile; charset=UTF-8\r\nLoginTime: 1063195238\r\nMSPAuth: 7Sz2dVo!Xa$$\r\n\r\n";

/// Signs in (T1's ticket, the profile with `MSPAuth`), asks for a switchboard, is rung
/// into another and answers a challenge; then calls into the first switchboard (USR with
/// the cookie, CAL, a text each way, OUT) and answers the second (ANS with the cookie).
fn whole_session() {
    let now = Instant::now();
    let mut ns = NotificationClient::new(msnp8(), account("example@passport.com"), now);
    ns.set_trace_label("ns#1");
    ns.handle_connected(now).unwrap();
    drain_ns(&mut ns);
    for line in [
        &b"VER 1 MSNP8 CVR0\r\n"[..],
        b"CVR 2 1.0.0000 1.0.0000 1.0.0000 http://x http://y\r\n",
        b"USR 3 TWN S lc=1033,id=507\r\n",
    ] {
        ns.handle_input(now, line);
        drain_ns(&mut ns);
    }
    ns.submit_ticket(now, Secret::new(TICKET.to_owned())).unwrap();
    drain_ns(&mut ns);
    ns.handle_input(now, b"USR 4 OK example@passport.com Example 1 0\r\n");
    ns.handle_input(now, PROFILE);
    drain_ns(&mut ns);
    ns.set_status(now, msnp::codec::Status::Online).unwrap();
    drain_ns(&mut ns);
    ns.handle_input(now, b"CHG 5 NLN 0\r\n");
    drain_ns(&mut ns);
    ns.request_switchboard(now).unwrap();
    drain_ns(&mut ns);
    ns.handle_input(
        now,
        b"XFR 6 SB 207.46.108.37:1863 CKI 17262740.1050826919.32308\r\n",
    );
    ns.handle_input(
        now,
        b"RNG 11752013 207.46.108.38:1863 CKI 849102291.520491113 bob@passport.com Bob%20B\r\n",
    );
    ns.handle_input(now, b"CHL 0 15570131571988941333\r\n");
    drain_ns(&mut ns);

    let me = account("example@passport.com");
    let mut sb = SwitchboardClient::call(
        SbConfig::default(),
        me.clone(),
        Secret::new(token(XFR_COOKIE)),
        now,
    );
    sb.set_trace_label("sb#1");
    drain_sb(&mut sb);
    sb.handle_input(now, b"USR 1 OK example@passport.com Example\r\n");
    drain_sb(&mut sb);
    sb.invite(now, &account("bob@passport.com")).unwrap();
    drain_sb(&mut sb);
    sb.handle_input(now, b"CAL 2 RINGING 11752013\r\nJOI bob@passport.com Bob\r\n");
    drain_sb(&mut sb);
    sb.send_text(now, SENT_TEXT, None, AckMode::Always).unwrap();
    drain_sb(&mut sb);
    sb.handle_input(now, b"ACK 3\r\nMSG bob@passport.com Bob 77\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nmeet me at noon");
    drain_sb(&mut sb);
    sb.leave(now).unwrap();
    drain_sb(&mut sb);

    let mut answered = SwitchboardClient::answer(
        SbConfig::default(),
        me,
        token("11752013"),
        Secret::new(token(RNG_COOKIE)),
        now,
    );
    answered.set_trace_label("sb#2");
    drain_sb(&mut answered);
    answered.handle_input(now, b"IRO 1 1 1 bob@passport.com Bob%20B\r\nANS 1 OK\r\n");
    drain_sb(&mut answered);
}

#[test]
fn every_frame_of_a_session_is_logged_once_with_its_connection_and_direction() {
    let lines = captured(Level::TRACE, whole_session);
    let expected = [
        r#"TRACE msnp::frame conn=ns#1 dir=send len=18: Ver { trid: TrId(1), protocols: TokenList("MSNP8 CVR0") }"#,
        r#"TRACE msnp::frame conn=ns#1 dir=recv len=18: Ver { trid: TrId(1), protocols: TokenList("MSNP8 CVR0") }"#,
        r#"TRACE msnp::frame conn=ns#1 dir=send len=73: Cvr { trid: TrId(2), locale: Token("0x0409"), os_type: Token("win"), os_version: Token("4.10"), arch: Token("i386"), client_name: Token("MSNMSGR"), client_version: Token("5.0.0544"), product: Token("MSMSGS"), account: Token("example@passport.com") }"#,
        r#"TRACE msnp::frame conn=ns#1 dir=recv len=52: Cvr { trid: TrId(2), recommended: Token("1.0.0000"), recommended_again: Token("1.0.0000"), minimum: Token("1.0.0000"), download_url: Token("http://x"), info_url: Token("http://y") }"#,
        r#"TRACE msnp::frame conn=ns#1 dir=send len=34: UsrTwnInitial { trid: TrId(3), account: Passport("example@passport.com") }"#,
        r#"TRACE msnp::frame conn=ns#1 dir=recv len=28: UsrTwnChallenge { trid: TrId(3), challenge: Token("lc=1033,id=507") }"#,
        r#"TRACE msnp::frame conn=ns#1 dir=send len=303: UsrTwnTicket { trid: TrId(4), ticket: Secret(<redacted>) }"#,
        r#"TRACE msnp::frame conn=ns#1 dir=recv len=43: UsrOk { trid: TrId(4), account: Passport("example@passport.com"), name: Some(EncodedName("Example")), flags: Some(AccountFlags { verified: true, restricted: Some(false) }) }"#,
        r#"TRACE msnp::frame conn=ns#1 dir=recv len=143: Msg { from: Passport("Hotmail"), name: EncodedName("Hotmail"), payload: Payload { len: 118, content_type: "text/x-msmsgsprofile" } }"#,
        r#"TRACE msnp::frame conn=ns#1 dir=send len=13: Chg { trid: TrId(5), status: Online, caps: Some(ClientCaps(0)), msn_object: None }"#,
        r#"TRACE msnp::frame conn=ns#1 dir=recv len=13: Chg { trid: TrId(5), status: Online, caps: Some(ClientCaps(0)), msn_object: None }"#,
        r#"TRACE msnp::frame conn=ns#1 dir=send len=10: XfrSb { trid: TrId(6) }"#,
        r#"TRACE msnp::frame conn=ns#1 dir=recv len=59: XfrSb { trid: TrId(6), addr: HostPort { host: "207.46.108.37", port: 1863 }, cookie: Secret(<redacted>) }"#,
        r#"TRACE msnp::frame conn=ns#1 dir=recv len=82: Rng { session: Token("11752013"), addr: HostPort { host: "207.46.108.38", port: 1863 }, cookie: Secret(<redacted>), account: Passport("bob@passport.com"), name: EncodedName("Bob%20B") }"#,
        r#"TRACE msnp::frame conn=ns#1 dir=recv len=28: Chl { trid: TrId(0), challenge: Token("15570131571988941333") }"#,
        r#"TRACE msnp::frame conn=ns#1 dir=send len=61: Qry { trid: TrId(7), product_id: Token("msmsgs@msnmsgr.com"), payload: Payload { len: 32 } }"#,
        r#"TRACE msnp::frame conn=sb#1 dir=send len=54: UsrSwitchboard { trid: TrId(1), account: Passport("example@passport.com"), cookie: Secret(<redacted>) }"#,
        r#"TRACE msnp::frame conn=sb#1 dir=recv len=39: UsrOk { trid: TrId(1), account: Passport("example@passport.com"), name: Some(EncodedName("Example")), flags: None }"#,
        r#"TRACE msnp::frame conn=sb#1 dir=send len=24: Cal { trid: TrId(2), account: Passport("bob@passport.com") }"#,
        r#"TRACE msnp::frame conn=sb#1 dir=recv len=24: Cal { trid: TrId(2), session: Token("11752013") }"#,
        r#"TRACE msnp::frame conn=sb#1 dir=recv len=26: Joi { account: Passport("bob@passport.com"), name: EncodedName("Bob"), caps: None }"#,
        r#"TRACE msnp::frame conn=sb#1 dir=send len=92: Msg { trid: TrId(3), ack: Always, payload: Payload { len: 80, content_type: "text/plain" } }"#,
        r#"TRACE msnp::frame conn=sb#1 dir=recv len=7: Ack { trid: TrId(3) }"#,
        r#"TRACE msnp::frame conn=sb#1 dir=recv len=106: Msg { from: Passport("bob@passport.com"), name: EncodedName("Bob"), payload: Payload { len: 77, content_type: "text/plain" } }"#,
        r#"TRACE msnp::frame conn=sb#1 dir=send len=5: Out"#,
        r#"TRACE msnp::frame conn=sb#2 dir=send len=57: Ans { trid: TrId(1), account: Passport("example@passport.com"), cookie: Secret(<redacted>), session: Token("11752013") }"#,
        r#"TRACE msnp::frame conn=sb#2 dir=recv len=36: Iro { trid: TrId(1), index: 1, total: 1, account: Passport("bob@passport.com"), name: EncodedName("Bob%20B"), caps: None }"#,
        r#"TRACE msnp::frame conn=sb#2 dir=recv len=10: Ans { trid: TrId(1) }"#,
    ];
    assert_eq!(lines, expected);
}

/// Whether `log` holds `secret` as text or as the `Debug` of its bytes (`[116, 104, …]`,
/// the form a derived `Debug` of a payload would take).
fn leaks(log: &str, secret: &str) -> bool {
    let as_bytes = format!("{:?}", secret.as_bytes());
    let as_bytes = as_bytes.trim_start_matches('[').trim_end_matches(']');
    log.contains(secret) || log.contains(as_bytes)
}

#[test]
fn no_credential_and_no_message_text_reaches_the_log() {
    let log = captured(Level::TRACE, whole_session).join("\n");
    for secret in [
        TICKET,
        "t=53*1hAu8",
        MSPAUTH,
        XFR_COOKIE,
        RNG_COOKIE,
        SENT_TEXT,
        RECEIVED_TEXT,
    ] {
        assert!(!leaks(&log, secret), "{secret:?} in the log:\n{log}");
    }
}

#[test]
fn nothing_is_logged_when_trace_is_off() {
    assert_eq!(captured(Level::DEBUG, whole_session), Vec::<String>::new());
}

#[test]
fn unlabelled_machines_log_their_role() {
    let now = Instant::now();
    let lines = captured(Level::TRACE, || {
        let mut ns = NotificationClient::new(msnp8(), account("example@passport.com"), now);
        ns.handle_connected(now).unwrap();
        drain_ns(&mut ns);
        let cookie = Secret::new(token(XFR_COOKIE));
        let mut sb = SwitchboardClient::call(SbConfig::default(), account("a@b.c"), cookie, now);
        drain_sb(&mut sb);
    });
    assert_eq!(
        lines,
        [
            r#"TRACE msnp::frame conn=ns dir=send len=18: Ver { trid: TrId(1), protocols: TokenList("MSNP8 CVR0") }"#,
            r#"TRACE msnp::frame conn=sb dir=send len=39: UsrSwitchboard { trid: TrId(1), account: Passport("a@b.c"), cookie: Secret(<redacted>) }"#,
        ]
    );
}

#[test]
fn raw_commands_are_logged_as_the_wire_decodes_them() {
    let now = Instant::now();
    let lines = captured(Level::TRACE, || {
        let cookie = Secret::new(token(XFR_COOKIE));
        let mut sb = SwitchboardClient::call(SbConfig::default(), account("a@b.c"), cookie, now);
        sb.set_trace_label("sb#3");
        drain_sb(&mut sb);
        let raw = |line: &'static [u8], payload: Option<&'static [u8]>| {
            ClientCommand::Other(RawCommand::new(line, payload.map(Into::into)).unwrap())
        };
        // A hand-made USR is typed by the log's decoding, so its cookie is redacted.
        sb.send_command(now, &raw(b"USR 7 a@b.c 991.992.993", None))
            .unwrap();
        // An unknown verb shows its line; its payload only by length.
        sb.send_command(now, &raw(b"XYZ 8 hello", None)).unwrap();
        sb.send_command(now, &raw(b"UUX 9 5", Some(b"my pm"))).unwrap();
        // A known verb against its grammar: length and error, no bytes.
        sb.send_command(now, &raw(b"CAL 10 not-an-account 991.992.993", None))
            .unwrap();
        drain_sb(&mut sb);
    });
    assert_eq!(
        lines,
        [
            r#"TRACE msnp::frame conn=sb#3 dir=send len=39: UsrSwitchboard { trid: TrId(1), account: Passport("a@b.c"), cookie: Secret(<redacted>) }"#,
            r#"TRACE msnp::frame conn=sb#3 dir=send len=25: UsrSwitchboard { trid: TrId(7), account: Passport("a@b.c"), cookie: Secret(<redacted>) }"#,
            r#"TRACE msnp::frame conn=sb#3 dir=send len=13: Other { line: "XYZ 8 hello" }"#,
            r#"TRACE msnp::frame conn=sb#3 dir=send len=14: Other { line: "UUX 9 5", payload: Payload { len: 5 } }"#,
            "TRACE msnp::frame conn=sb#3 dir=send len=35 error=malformed `CAL` command: arguments do not match the command's grammar: undecodable frame",
        ]
    );
}

#[test]
fn undecodable_frames_are_logged_by_length_and_error_only() {
    let now = Instant::now();
    let lines = captured(Level::TRACE, || {
        let mut ns = NotificationClient::new(msnp8(), account("example@passport.com"), now);
        ns.set_trace_label("ns#2");
        ns.handle_connected(now).unwrap();
        drain_ns(&mut ns);
        // Skipped and reported, the session goes on: a malformed line, an oversized payload.
        ns.handle_input(now, b"VER 1 MSNP8 CVR0\r\nCHG x 991.992.993\r\n");
        ns.handle_input(now, b"MSG Hotmail Hotmail 70000\r\n");
        ns.handle_input(now, &[b'x'; 70000]);
        drain_ns(&mut ns);
        let cookie = Secret::new(token(XFR_COOKIE));
        let mut sb = SwitchboardClient::call(SbConfig::default(), account("a@b.c"), cookie, now);
        sb.set_trace_label("sb#4");
        drain_sb(&mut sb);
        // Fatal on a switchboard.
        sb.handle_input(now, b"USR 1 OK 991.992.993\r\n");
        drain_sb(&mut sb);
    });
    assert_eq!(
        lines,
        [
            r#"TRACE msnp::frame conn=ns#2 dir=send len=18: Ver { trid: TrId(1), protocols: TokenList("MSNP8 CVR0") }"#,
            r#"TRACE msnp::frame conn=ns#2 dir=recv len=18: Ver { trid: TrId(1), protocols: TokenList("MSNP8 CVR0") }"#,
            r#"TRACE msnp::frame conn=ns#2 dir=send len=73: Cvr { trid: TrId(2), locale: Token("0x0409"), os_type: Token("win"), os_version: Token("4.10"), arch: Token("i386"), client_name: Token("MSNMSGR"), client_version: Token("5.0.0544"), product: Token("MSMSGS"), account: Token("example@passport.com") }"#,
            "TRACE msnp::frame conn=ns#2 dir=recv len=19 error=malformed `CHG` command: transaction id is not a canonical number: undecodable frame",
            "TRACE msnp::frame conn=ns#2 dir=recv len=70027 error=payload of 70000 bytes is larger than the 65536 allowed: undecodable frame",
            r#"TRACE msnp::frame conn=sb#4 dir=send len=39: UsrSwitchboard { trid: TrId(1), account: Passport("a@b.c"), cookie: Secret(<redacted>) }"#,
            "TRACE msnp::frame conn=sb#4 dir=recv len=22 error=malformed `USR` command: arguments do not match the command's grammar: undecodable frame",
        ]
    );
}

/// Every credential and every longer message text a transcript hands to the machines.
fn secrets_of(script: &str) -> Vec<String> {
    let mut secrets = Vec::new();
    for line in script.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            [">", "ticket", ticket, ..] => secrets.push((*ticket).to_owned()),
            [">", "call", _, cookie] | [">", "answer", _, _, cookie] => secrets.push((*cookie).to_owned()),
            [">", "send_text", _, ..] => {
                let text = line.splitn(4, ' ').nth(3).unwrap_or_default();
                secrets.push(text.split(" | ").next().unwrap_or_default().to_owned());
            }
            _ => {}
        }
        if let Some(at) = words.iter().position(|w| *w == "CKI") {
            secrets.extend(words.get(at + 1).map(|w| (*w).to_owned()));
        }
        if let Some(bytes) = line.strip_prefix("S: ") {
            let bytes = msnp::testing::transcript::unescape(bytes).unwrap();
            let text = String::from_utf8_lossy(&bytes);
            for header in text.split("\r\n") {
                if let Some(value) = header.strip_prefix("MSPAuth: ") {
                    secrets.push(value.to_owned());
                }
            }
            if text.starts_with("MSG ") {
                secrets.extend(text.split_once("\r\n\r\n").map(|(_, body)| body.to_owned()));
            }
        }
    }
    // Shorter ones ("hi", a one-letter cookie) would match words of any log.
    secrets.retain(|s| s.len() >= 8);
    secrets
}

#[test]
fn no_transcript_secret_reaches_the_log() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/transcripts");
    let mut scripts = Vec::new();
    for area in ["ns", "sb"] {
        for entry in std::fs::read_dir(format!("{root}/{area}")).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "txt") {
                scripts.push((area, std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    let mut checked = 0;
    for (area, script) in &scripts {
        let lines = captured(Level::TRACE, || {
            let result = match *area {
                "ns" => msnp::testing::transcript::run(msnp::testing::ns::machine, script),
                _ => msnp::testing::transcript::run(|_| msnp::testing::sb::SbScript::default(), script),
            };
            result.unwrap();
        });
        let log = lines.join("\n");
        assert!(log.contains("dir=send") && log.contains("dir=recv"), "{script}");
        for secret in secrets_of(script) {
            assert!(!leaks(&log, &secret), "{secret:?} in the log of\n{script}\n{log}");
            checked += 1;
        }
    }
    // The sweep found what it looks for: tickets, cookies, MSPAuth, texts.
    assert!(checked >= 20, "only {checked} secrets checked");
}

#[test]
fn fuzz_corpora_replay_under_a_trace_subscriber() {
    for (dir, session) in [
        ("ns_session", msnp::fuzzing::ns::ns_session as fn(&[u8])),
        ("sb_session", msnp::fuzzing::sb::sb_session as fn(&[u8])),
    ] {
        let dir = format!("{}/tests/corpus/{dir}", env!("CARGO_MANIFEST_DIR"));
        let lines = captured(Level::TRACE, || {
            for entry in std::fs::read_dir(&dir).unwrap() {
                session(&std::fs::read(entry.unwrap().path()).unwrap());
            }
        });
        assert!(lines.iter().any(|l| l.contains("dir=recv")), "{dir}");
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(128))]

    /// Arbitrary server bytes, time steps and calls: logging never panics or loops.
    #[test]
    fn arbitrary_sessions_log_without_panic(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2048)) {
        captured(Level::TRACE, || {
            msnp::fuzzing::ns::ns_session(&data);
            msnp::fuzzing::sb::sb_session(&data);
        });
    }
}
