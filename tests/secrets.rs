//! Secrets stay out of every `Debug` and `Display` (issue 10, item 7).
//!
//! Two whole sessions run against scripted server bytes, one signing in with Passport
//! (a ticket; the profile carries `MSPAuth`) and one with the MSNP7 MD5 login (a
//! password, the MD5 hash on the wire), each calling and answering a switchboard
//! (cookies both ways). At every step the `Debug` (`{:?}` and `{:#?}`) of each output,
//! event, machine, config and error is kept, and each secret is searched in all of it
//! as text, as its byte values in decimal (`[116, 61, …]`, however `{:#?}` breaks the
//! lines) and in hex. The test first checks that every secret really went over the
//! wire, so it cannot pass by never seeing them.

use std::time::Instant;

use msnp::Secret;
use msnp::client::{Client, ClientConfig, ClientError, ClientOutput, ConnId};
use msnp::codec::{AckMode, Passport, Token};
use msnp::sb::{SbConfig, SwitchboardClient};
use msnp::testing::loopback::passport_answer;

const ME: &str = "bot@example.com";
const BOB: &str = "bob@example.com";
const PASSWORD: &str = "Pa55w0rdQuiteSecret";
const TICKET: &str = "t=TicketSecretPartOne7731&p=TicketSecretPartTwo9913";
const MSPAUTH: &str = "MspAuthSecret4409XyZ";
const CALL_COOKIE: &str = "31337.CallCookieSecret.8810";
const RING_COOKIE: &str = "42424.RingCookieSecret.6624";
const SALT: &str = "1234567890.123456789";

/// Every text a user could print, and every byte the client wrote.
#[derive(Default)]
struct Seen {
    printed: Vec<String>,
    /// Printed by the notification machine's own `Debug`, kept apart (see
    /// `notification_machine_debug_hides_secrets`).
    ns_printed: Vec<String>,
    wire: Vec<u8>,
}

impl Seen {
    fn debug(&mut self, value: &impl std::fmt::Debug) {
        self.printed.push(format!("{value:?}"));
        self.printed.push(format!("{value:#?}"));
    }

    fn error(&mut self, error: &impl std::error::Error) {
        self.debug(&error);
        self.printed.push(error.to_string());
    }

    fn client(&mut self, client: &Client) {
        self.debug(client);
        self.ns_printed.push(format!("{:?}", client.notification()));
        self.ns_printed.push(format!("{:#?}", client.notification()));
    }
}

/// The forms a secret could take in printed text: itself, its bytes in decimal as a
/// `Vec<u8>` prints them (whitespace removed, so `{:#?}` line breaks do not hide it), and
/// its bytes in hex either case.
fn forms(secret: &str) -> Vec<String> {
    let bytes = secret.as_bytes();
    let decimal = bytes.iter().map(u8::to_string).collect::<Vec<_>>().join(",");
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let mut forms = vec![secret.to_owned(), decimal, hex.clone(), hex.to_uppercase()];
    // Half a ticket is still a ticket: each part on its own too.
    forms.extend(
        secret
            .split(['&', '='])
            .filter(|part| part.len() >= 8 && *part != secret)
            .map(str::to_owned),
    );
    forms
}

fn assert_hidden(printed: &[String], secrets: &[(&str, &str)]) {
    for text in printed {
        let squeezed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        for (what, secret) in secrets {
            for form in forms(secret) {
                assert!(
                    !text.contains(&form) && !squeezed.contains(&form),
                    "the {what} shows as {form:?} in:\n{text}"
                );
            }
        }
    }
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

struct Session {
    client: Client,
    now: Instant,
    ns: ConnId,
    connects: Vec<ConnId>,
    seen: Seen,
}

impl Session {
    fn drain(&mut self) {
        loop {
            let output = self.client.poll_output();
            self.seen.debug(&output);
            match output {
                ClientOutput::Connect { conn, .. } => self.connects.push(conn),
                ClientOutput::Transmit { bytes, .. } => self.seen.wire.extend_from_slice(bytes),
                ClientOutput::Event(event) => self.seen.debug(&event),
                ClientOutput::Close { .. } | ClientOutput::Listen { .. } => {}
                ClientOutput::HttpRequest { id, request } => {
                    self.seen.debug(&request);
                    let answer = passport_answer(&request, TICKET);
                    self.seen.debug(&answer);
                    self.client.handle_http_response(self.now, id, answer);
                }
                ClientOutput::Idle { .. } => {
                    self.seen.client(&self.client);
                    return;
                }
            }
            // After the output: a transmit borrows the client until then.
            self.seen.client(&self.client);
        }
    }

    fn input(&mut self, conn: ConnId, bytes: &str) {
        self.client.handle_input(conn, self.now, bytes.as_bytes());
        self.drain();
    }

    fn start(config: ClientConfig) -> Self {
        let now = Instant::now();
        let password = Secret::new(PASSWORD.to_owned());
        let mut client = Client::new(config.clone(), Passport::try_from(ME).unwrap(), password, now);
        let ClientOutput::Connect { conn: ns, .. } = client.poll_output() else {
            panic!("the first output connects")
        };
        let mut session = Session {
            client,
            now,
            ns,
            connects: vec![ns],
            seen: Seen::default(),
        };
        session.seen.debug(&config);
        session.client.handle_connected(ns, now);
        session.drain();
        session
    }

    /// After login: the profile, a conversation called and one answered, a message
    /// each way, refused calls, then logout.
    fn converse(&mut self, login_time: &str) {
        let ns = self.ns;
        let profile = format!(
            "MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsprofile; charset=UTF-8\r\n\
             LoginTime: {login_time}\r\nEmailEnabled: 1\r\nMemberIdHigh: 1\r\nMemberIdLow: 2\r\n\
             lang_preference: 1033\r\npreferredEmail: \r\ncountry: \r\nPostalCode: \r\n\
             Gender: \r\nKid: 0\r\nAge: \r\nBDayPre: \r\nBirthday: \r\nWallet: \r\n\
             Flags: 1027\r\nsid: 507\r\nkv: 2\r\nMSPAuth: {MSPAUTH}\r\nClientIP: 1.2.3.4\r\n\
             ClientPort: 1234\r\n\r\n"
        );
        self.input(ns, &format!("MSG Hotmail Hotmail {}\r\n{profile}", profile.len()));

        // Calling: XFR SB hands over the first cookie.
        let bob = Passport::try_from(BOB).unwrap();
        self.client.send_message(self.now, &bob, "hello").unwrap();
        self.drain();
        let xfr = String::from_utf8_lossy(&self.seen.wire).rfind("XFR ").unwrap();
        let trid: String = String::from_utf8_lossy(&self.seen.wire)[xfr + 4..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        self.input(ns, &format!("XFR {trid} SB 10.0.0.1:1865 CKI {CALL_COOKIE}\r\n"));
        let called = *self.connects.last().unwrap();
        self.client.handle_connected(called, self.now);
        self.drain();
        self.input(called, &format!("USR 1 OK {ME} Bot\r\n"));
        self.input(
            called,
            &format!("CAL 3 RINGING 11752013\r\nJOI {BOB} Bob\r\nACK 2\r\n"),
        );

        // Answering: RNG hands over the second cookie.
        self.input(
            ns,
            &format!("RNG 11752014 10.0.0.2:1865 CKI {RING_COOKIE} carol@example.com Carol\r\n"),
        );
        let answered = *self.connects.last().unwrap();
        self.client.handle_connected(answered, self.now);
        self.drain();
        let text = "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nhi";
        self.input(
            answered,
            &format!(
                "IRO 1 1 1 carol@example.com Carol\r\nANS 1 OK\r\nMSG carol@example.com Carol {}\r\n{text}",
                text.len()
            ),
        );

        // Refused calls: their errors are printed too.
        let me = Passport::try_from(ME).unwrap();
        if let Err(error) = self.client.send_message(self.now, &me, "self") {
            self.seen.error(&error);
        }
        if let Err(error) = self.client.send_message(self.now, &bob, "") {
            self.seen.error(&error);
        }
        self.client.handle_closed(called, self.now);
        self.drain();
        self.client.logout(self.now).unwrap();
        self.drain();
        if let Err(error) = self.client.logout(self.now) {
            self.seen.error(&error);
        }
        self.seen.error(&ClientError::Closed);
    }
}

/// A Passport (TWN) session: ticket, `MSPAuth` (in a profile whose `LoginTime` is
/// `login_time`), both cookies.
fn passport_session(login_time: &str) -> Seen {
    let mut config = ClientConfig::default();
    config.sync_lists = false;
    let mut s = Session::start(config);
    let ns = s.ns;
    s.input(ns, "VER 1 MSNP8 CVR0\r\n");
    s.input(ns, "CVR 2 1.0.0000 1.0.0000 1.0.0000 http://x http://y\r\n");
    s.input(ns, "USR 3 TWN S lc=1033,id=507\r\n");
    s.input(ns, &format!("USR 4 OK {ME} Bot 1 0\r\n"));
    s.converse(login_time);
    s.seen
}

/// An MSNP7 MD5 session: the password in the config, the hash on the wire. Returns the
/// hash too, read from the bytes the client wrote.
fn md5_session() -> (Seen, String) {
    let mut config = ClientConfig::default();
    config.sync_lists = false;
    config.notification.md5_password = Some(Secret::new(PASSWORD.to_owned()));
    let mut s = Session::start(config);
    let ns = s.ns;
    s.input(ns, "VER 1 MSNP7 CVR0\r\n");
    s.input(ns, "INF 2 MD5\r\n");
    s.input(ns, &format!("USR 3 MD5 S {SALT}\r\n"));
    let wire = String::from_utf8_lossy(&s.seen.wire).into_owned();
    let at = wire.find("MD5 S ").expect("the hash went out") + "MD5 S ".len();
    let hash: String = wire[at..].chars().take_while(char::is_ascii_hexdigit).collect();
    assert_eq!(hash.len(), 32);
    s.input(ns, &format!("USR 4 OK {ME} Bot 1\r\n"));
    s.converse("1050826919");
    (s.seen, hash)
}

/// A switchboard machine on its own, calling and answering.
fn switchboard_machines() -> Seen {
    let now = Instant::now();
    let mut seen = Seen::default();
    let config = SbConfig::default();
    seen.debug(&config);
    let me = Passport::try_from(ME).unwrap();
    let call = Secret::new(Token::try_from(CALL_COOKIE).unwrap());
    let ring = Secret::new(Token::try_from(RING_COOKIE).unwrap());
    seen.debug(&call);
    let called = SwitchboardClient::call(config.clone(), me.clone(), call, now);
    let session = Token::try_from("11752013").unwrap();
    let answered = SwitchboardClient::answer(config, me, session, ring, now);
    for (mut sb, join) in [
        (called, format!("USR 1 OK {ME} Bot\r\nJOI {BOB} Bob\r\n")),
        (answered, format!("IRO 1 1 1 {BOB} Bob\r\nANS 1 OK\r\n")),
    ] {
        seen.debug(&sb);
        if let Err(error) = sb.send_text(now, "", None, AckMode::Always) {
            seen.error(&error);
        }
        sb.send_text(now, "queued", None, AckMode::Always).unwrap();
        sb.handle_input(now, join.as_bytes());
        seen.debug(&sb);
        loop {
            let output = sb.poll_output();
            seen.debug(&output);
            let idle = match output {
                msnp::Output::Transmit(bytes) => {
                    seen.wire.extend_from_slice(bytes);
                    false
                }
                msnp::Output::Event(_) => false,
                msnp::Output::Idle { .. } => true,
            };
            seen.debug(&sb);
            if idle {
                break;
            }
        }
        sb.handle_closed(now);
        while !matches!(sb.poll_output(), msnp::Output::Idle { .. }) {}
        if let Err(error) = sb.leave(now) {
            seen.error(&error);
        }
        seen.debug(&sb);
    }
    seen
}

#[test]
fn no_secret_in_any_debug_or_display() {
    let passport = passport_session("1050826919");
    let (md5, hash) = md5_session();
    let machines = switchboard_machines();
    // Every secret really went over the wire.
    for (seen, secrets) in [
        (&passport.wire, vec![TICKET, CALL_COOKIE, RING_COOKIE]),
        (&md5.wire, vec![hash.as_str(), CALL_COOKIE, RING_COOKIE]),
        (&machines.wire, vec![CALL_COOKIE, RING_COOKIE]),
    ] {
        for secret in secrets {
            assert!(contains(seen, secret), "{secret} was never sent");
        }
    }
    let secrets = [
        ("password", PASSWORD),
        ("Passport ticket", TICKET),
        ("MSPAuth", MSPAUTH),
        ("calling cookie", CALL_COOKIE),
        ("answering cookie", RING_COOKIE),
        ("MD5 hash", hash.as_str()),
    ];
    for seen in [&passport, &md5, &machines] {
        assert!(seen.printed.len() > 20);
        assert_hidden(&seen.printed, &secrets);
    }
}

/// The search finds each form it claims to: text, decimal lists in both `Debug` styles,
/// hex.
#[test]
fn the_search_finds_every_form() {
    let bytes = CALL_COOKIE.as_bytes().to_vec();
    let hex: String = bytes.iter().map(|b| format!("{b:02X}")).collect();
    for printed in [
        format!("x {CALL_COOKIE} y"),
        format!("{bytes:?}"),
        format!("{bytes:#?}"),
        format!("Transmit({:?})", [b"USR 1 a ".as_slice(), &bytes].concat()),
        hex,
    ] {
        let found = std::panic::catch_unwind(|| {
            assert_hidden(std::slice::from_ref(&printed), &[("cookie", CALL_COOKIE)])
        });
        assert!(found.is_err(), "not found in {printed}");
    }
}

/// The notification machine's `Debug` shows no buffer (which would hold the `MSPAuth` and
/// cookies already parsed), and `NsEvent::ServerMessage` withholds a profile that does
/// not parse (`LoginTime: soon`) rather than carry its `MSPAuth`.
#[test]
fn notification_machine_debug_hides_secrets() {
    let broken = passport_session("soon");
    assert_hidden(&broken.printed, &[("MSPAuth", MSPAUTH)]);
    let passport = passport_session("1050826919");
    let (md5, hash) = md5_session();
    let secrets = [
        ("password", PASSWORD),
        ("Passport ticket", TICKET),
        ("MSPAuth", MSPAUTH),
        ("calling cookie", CALL_COOKIE),
        ("answering cookie", RING_COOKIE),
        ("MD5 hash", hash.as_str()),
    ];
    assert_hidden(&passport.ns_printed, &secrets);
    assert_hidden(&md5.ns_printed, &secrets);
}
