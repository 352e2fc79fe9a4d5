//! The `Client` over real loopback TCP against a scripted server: one thread per
//! listener plays one transcript per accepted connection (`C:` lines it must read from
//! the client exactly, `S:` lines it writes, `X:` to close), and a small blocking std
//! driver runs the client. The session covers the dispatch referral, Passport with a
//! fixed ticket, SYN, presence, a conversation that needs a new switchboard, an
//! incoming invitation, a switchboard that dies with a message in flight, one that
//! cannot be reached, and OUT OTH.
//!
//! Every wait is bounded: a stuck session fails in seconds instead of hanging CI.

use std::collections::HashMap;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use msnp::Secret;
use msnp::client::{Client, ClientConfig, ClientEvent, ClientOutput, ConnId, MessageHandle};
use msnp::codec::{Passport, Status};
use msnp::testing::loopback::passport_answer;
use msnp::testing::transcript::{escape, unescape};

/// The longest any single step may take.
const STEP: Duration = Duration::from_secs(3);
const TICKET: &str = "t=fixed&p=ticket";

fn password() -> Secret<String> {
    Secret::new("alice-pw".to_owned())
}

/// One step of a connection's script.
#[derive(Debug)]
enum Step {
    /// The client must send exactly these bytes next.
    Expect(Vec<u8>),
    /// Send these bytes.
    Send(Vec<u8>),
    /// Close the connection.
    Close,
}

fn parse_script(text: &str) -> Vec<Step> {
    text.lines()
        .map(str::trim_start)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| match line.split_at(2) {
            ("C:", rest) => Step::Expect(unescape(rest.trim_start()).unwrap()),
            ("S:", rest) => Step::Send(unescape(rest.trim_start()).unwrap()),
            ("X:", _) => Step::Close,
            _ => panic!("bad script line: {line}"),
        })
        .collect()
}

/// Accepts one connection per script on `listener` and plays it; the first error ends
/// the thread with a description.
fn serve(listener: TcpListener, scripts: Vec<String>) -> JoinHandle<Result<(), String>> {
    thread::spawn(move || {
        listener.set_nonblocking(true).map_err(|e| e.to_string())?;
        for (n, script) in scripts.iter().enumerate() {
            let deadline = Instant::now() + STEP * 2;
            let mut stream = loop {
                match listener.accept() {
                    Ok((stream, _)) => break stream,
                    Err(e) if e.kind() == ErrorKind::WouldBlock && Instant::now() < deadline => {
                        thread::sleep(Duration::from_millis(2))
                    }
                    Err(e) => return Err(format!("script {n}: no connection: {e}")),
                }
            };
            stream.set_nonblocking(false).map_err(|e| e.to_string())?;
            stream.set_read_timeout(Some(STEP)).map_err(|e| e.to_string())?;
            play(&mut stream, &parse_script(script)).map_err(|e| format!("script {n}: {e}"))?;
        }
        Ok(())
    })
}

fn play(stream: &mut TcpStream, steps: &[Step]) -> Result<(), String> {
    for step in steps {
        match step {
            Step::Expect(expected) => {
                let mut got = vec![0; expected.len()];
                let mut filled = 0;
                while filled < got.len() {
                    match stream.read(&mut got[filled..]) {
                        Ok(0) => return Err(format!("EOF; expected {}", escape(expected))),
                        Ok(n) => filled += n,
                        Err(e) => {
                            return Err(format!(
                                "{e} after {:?}; expected {}",
                                escape(&got[..filled]),
                                escape(expected)
                            ));
                        }
                    }
                }
                if &got != expected {
                    return Err(format!("got {}\nexpected {}", escape(&got), escape(expected)));
                }
            }
            Step::Send(bytes) => stream.write_all(bytes).map_err(|e| e.to_string())?,
            Step::Close => return Ok(()),
        }
    }
    // The script is over: the client may only close now.
    let mut rest = [0; 256];
    match stream.read(&mut rest) {
        Ok(0) => Ok(()),
        Ok(n) => Err(format!("unscripted bytes {}", escape(&rest[..n]))),
        Err(e) => Err(format!("the client did not close: {e}")),
    }
}

/// A blocking std driver: one socket per `ConnId`, polled without blocking.
struct Driver {
    client: Client,
    sockets: HashMap<ConnId, TcpStream>,
    events: Vec<ClientEvent>,
}

impl Driver {
    /// Performs every output until `Idle`, as the run loop contract asks.
    fn drain(&mut self) {
        loop {
            let now = Instant::now();
            match self.client.poll_output() {
                ClientOutput::Connect { conn, addr } => {
                    let addr: SocketAddr = format!("{}:{}", addr.host(), addr.port()).parse().unwrap();
                    match TcpStream::connect_timeout(&addr, STEP) {
                        Ok(stream) => {
                            stream.set_nonblocking(true).unwrap();
                            stream.set_nodelay(true).unwrap();
                            self.sockets.insert(conn, stream);
                            self.client.handle_connected(conn, now);
                        }
                        Err(_) => self.client.handle_connect_failed(conn, now),
                    }
                }
                ClientOutput::Transmit { conn, bytes } => {
                    let stream = self
                        .sockets
                        .get_mut(&conn)
                        .expect("transmit on an open connection");
                    stream.set_nonblocking(false).unwrap();
                    stream.write_all(bytes).unwrap();
                    stream.set_nonblocking(true).unwrap();
                }
                ClientOutput::Close { conn } => {
                    self.sockets.remove(&conn);
                }
                // No transfer is sent here.
                ClientOutput::Listen { conn, .. } => self.client.handle_connect_failed(conn, Instant::now()),
                ClientOutput::HttpRequest { id, request } => {
                    let answer = passport_answer(&request, TICKET);
                    self.client.handle_http_response(now, id, answer);
                }
                ClientOutput::Event(event) => self.events.push(event),
                ClientOutput::Idle { next_timeout } => {
                    if next_timeout.is_some_and(|at| at <= now) {
                        self.client.handle_timeout(now);
                        continue;
                    }
                    return;
                }
            }
        }
    }

    /// Reads and drains until an event satisfies `done`; returns the events since the
    /// last call, as `{:?}` text.
    fn until(&mut self, done: impl Fn(&ClientEvent) -> bool) -> Vec<String> {
        let deadline = Instant::now() + STEP;
        let start = self.events.len();
        loop {
            self.drain();
            if self.events[start..].iter().any(&done) {
                return self.events.drain(start..).map(|e| format!("{e:?}")).collect();
            }
            assert!(
                Instant::now() < deadline,
                "timed out; events so far: {:#?}",
                &self.events[start..]
            );
            let mut buf = [0; 4096];
            let mut idle = true;
            for conn in self.sockets.keys().copied().collect::<Vec<_>>() {
                let now = Instant::now();
                match self.sockets.get_mut(&conn).map(|s| s.read(&mut buf)) {
                    Some(Ok(0)) => {
                        self.sockets.remove(&conn);
                        self.client.handle_closed(conn, now);
                        idle = false;
                    }
                    Some(Ok(n)) => {
                        self.client.handle_input(conn, now, &buf[..n]);
                        idle = false;
                    }
                    Some(Err(e)) if e.kind() == ErrorKind::WouldBlock => {}
                    Some(Err(_)) => {
                        self.sockets.remove(&conn);
                        self.client.handle_closed(conn, now);
                        idle = false;
                    }
                    None => {}
                }
            }
            if idle {
                thread::sleep(Duration::from_millis(1));
            }
        }
    }
}

fn listener() -> (TcpListener, u16) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    (listener, port)
}

fn passport(s: &str) -> Passport<'static> {
    Passport::try_from(s.to_owned()).unwrap()
}

fn delivered(handle: MessageHandle) -> impl Fn(&ClientEvent) -> bool {
    move |e| matches!(e, ClientEvent::MessageDelivered { handle: h } | ClientEvent::MessageNotDelivered { handle: h, .. } if *h == handle)
}

#[test]
fn a_whole_session_over_loopback_tcp() {
    let started = Instant::now();
    let (ds, ds_port) = listener();
    let (ns, ns_port) = listener();
    let (sb_call, call_port) = listener();
    let (sb_answer, answer_port) = listener();
    // A port that was just free: connecting to it is refused.
    let refused_port = listener().1;

    // The headers of a plain text, escaped as the scripts are.
    let hello = r"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n";
    let ds_script = format!(
        r"# The dispatch server only refers (reference T1).
        C: VER 1 MSNP8 CVR0\r\n
        S: VER 1 MSNP8 CVR0\r\n
        C: CVR 2 0x0409 win 4.10 i386 MSNMSGR 5.0.0544 MSMSGS alice@example.com\r\n
        S: CVR 2 1.0.0000 1.0.0000 1.0.0000 http://x http://y\r\n
        C: USR 3 TWN I alice@example.com\r\n
        S: XFR 3 NS 127.0.0.1:{ns_port} 0 127.0.0.1:{ds_port}\r\n
        X:"
    );
    let ns_script = format!(
        r"C: VER 1 MSNP8 CVR0\r\n
        S: VER 1 MSNP8 CVR0\r\n
        C: CVR 2 0x0409 win 4.10 i386 MSNMSGR 5.0.0544 MSMSGS alice@example.com\r\n
        S: CVR 2 1.0.0000 1.0.0000 1.0.0000 http://x http://y\r\n
        C: USR 3 TWN I alice@example.com\r\n
        S: USR 3 TWN S lc=1033,id=507\r\n
        # The client's Passport requests are answered in memory with a fixed ticket.
        C: USR 4 TWN S {TICKET}\r\n
        S: USR 4 OK alice@example.com Alice 1 0\r\n
        C: SYN 5 0\r\n
        S: SYN 5 7 2 1\r\nGTC A\r\nBLP AL\r\nLSG 0 Other%20Contacts 0\r\nLST bob@example.com Bob 11 0\r\nLST carol@example.com Carol 11 0\r\n
        C: CHG 6 NLN 0\r\n
        S: CHG 6 NLN 0\r\nILN 6 NLN bob@example.com Bob 0\r\nNLN BSY carol@example.com Carol 0\r\n
        # send_message to Bob: a new switchboard.
        C: XFR 7 SB\r\n
        S: XFR 7 SB 127.0.0.1:{call_port} CKI 17262740.1050826919.32308\r\n
        # set_status(Away) is the cue for Carol's invitation.
        C: CHG 8 AWY 0\r\n
        S: CHG 8 AWY 0\r\nRNG 11752099 127.0.0.1:{answer_port} CKI 849102291.520491113 carol@example.com Carol\r\n
        # send_message to Dave: a switchboard nobody can reach.
        C: XFR 9 SB\r\n
        S: XFR 9 SB 127.0.0.1:{refused_port} CKI 1.2.3\r\n
        # set_status(Online) is the cue for the second login elsewhere.
        C: CHG 10 NLN 0\r\n
        S: CHG 10 NLN 0\r\nOUT OTH\r\n
        X:"
    );
    let call_script = format!(
        r"C: USR 1 alice@example.com 17262740.1050826919.32308\r\n
        S: USR 1 OK alice@example.com Alice\r\n
        # The text was queued (TrID 2) before CAL (3).
        C: CAL 3 bob@example.com\r\n
        S: CAL 3 RINGING 11752013\r\nJOI bob@example.com Bob\r\n
        C: MSG 2 A 71\r\n{hello}hello bob
        S: ACK 2\r\n
        # The second message is written, then the switchboard dies without an answer.
        C: MSG 4 A 76\r\n{hello}are you there?
        X:"
    );
    let answer_script = format!(
        r"C: ANS 1 alice@example.com 849102291.520491113 11752099\r\n
        S: IRO 1 1 1 carol@example.com Carol\r\nANS 1 OK\r\nMSG carol@example.com Carol 66\r\n{hello}hey!
        # The session ends (OUT OTH): the client leaves every switchboard.
        C: OUT\r\n"
    );
    let servers = [
        serve(ds, vec![ds_script]),
        serve(ns, vec![ns_script]),
        serve(sb_call, vec![call_script]),
        serve(sb_answer, vec![answer_script]),
    ];

    let mut config = ClientConfig::default();
    config.server = msnp::codec::HostPort::new("127.0.0.1", ds_port).unwrap();
    // The scripted servers speak the reference's MSNP8 bytes.
    config.notification.dialects = msnp::codec::DialectSet::only(msnp::codec::Dialect::Msnp8);
    let now = Instant::now();
    let mut driver = Driver {
        client: Client::new(config, passport("alice@example.com"), password(), now),
        sockets: HashMap::new(),
        events: Vec::new(),
    };

    let login = driver.until(|e| matches!(e, ClientEvent::ContactPresence { account, .. } if account.as_str() == "carol@example.com"));
    assert_eq!(
        login,
        [
            r#"LoggedIn { account: Passport("alice@example.com"), name: EncodedName("Alice"), dialect: Msnp8 }"#,
            "ListSynced { contacts: 2, groups: 1, from_cache: false }",
            "StatusChanged { status: Online }",
            r#"ContactPresence { account: Passport("bob@example.com"), name: EncodedName("Bob"), status: Online }"#,
            r#"ContactPresence { account: Passport("carol@example.com"), name: EncodedName("Carol"), status: Busy }"#,
        ]
    );

    let now = Instant::now();
    let first = driver
        .client
        .send_message(now, &passport("bob@example.com"), "hello bob")
        .unwrap();
    assert_eq!(
        driver.until(delivered(first)),
        [
            "ConversationStarted { conversation: ConversationId(0), invited_by: None }",
            r#"Other { conversation: Some(ConversationId(0)), description: "the invitation to bob@example.com is ringing" }"#,
            r#"Joined { conversation: ConversationId(0), account: Passport("bob@example.com"), name: EncodedName("Bob") }"#,
            &format!("MessageDelivered {{ handle: {first:?} }}"),
        ]
    );
    let in_flight = driver
        .client
        .send_message(now, &passport("bob@example.com"), "are you there?")
        .unwrap();
    assert_eq!(
        driver.until(|e| matches!(e, ClientEvent::ConversationEnded { .. })),
        [
            format!("MessageNotDelivered {{ handle: {in_flight:?}, reason: Switchboard(SessionClosed) }}"),
            "ConversationEnded { conversation: ConversationId(0), reason: ConnectionLost }".to_owned(),
        ]
    );

    driver.client.set_status(Instant::now(), Status::Away).unwrap();
    assert_eq!(
        driver.until(|e| matches!(e, ClientEvent::TextReceived { .. })),
        [
            "StatusChanged { status: Away }",
            r#"ConversationStarted { conversation: ConversationId(1), invited_by: Some(Passport("carol@example.com")) }"#,
            r#"Joined { conversation: ConversationId(1), account: Passport("carol@example.com"), name: EncodedName("Carol") }"#,
            r#"TextReceived { conversation: ConversationId(1), from: Passport("carol@example.com"), name: EncodedName("Carol"), text: "hey!", format: None }"#,
        ]
    );

    let unreachable = driver
        .client
        .send_message(Instant::now(), &passport("dave@example.com"), "hi dave")
        .unwrap();
    assert_eq!(
        driver.until(|e| matches!(e, ClientEvent::ConversationEnded { .. })),
        [
            "ConversationStarted { conversation: ConversationId(2), invited_by: None }".to_owned(),
            format!("MessageNotDelivered {{ handle: {unreachable:?}, reason: ConnectionFailed }}"),
            "ConversationEnded { conversation: ConversationId(2), reason: ClosedBeforeJoin }".to_owned(),
        ]
    );

    driver.client.set_status(Instant::now(), Status::Online).unwrap();
    assert_eq!(
        driver.until(|e| matches!(e, ClientEvent::SessionEnded { .. })),
        [
            "StatusChanged { status: Online }",
            "ConversationEnded { conversation: ConversationId(1), reason: Left }",
            "SessionEnded { reason: Notification(SignedInElsewhere) }",
        ]
    );
    assert!(driver.client.is_closed());
    driver.drain();
    assert!(driver.sockets.is_empty(), "every connection closed");
    drop(driver);

    for server in servers {
        server.join().unwrap().unwrap();
    }
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_notification_server_that_refuses_the_connection_ends_the_session() {
    // A port that was just free: connecting to it is refused.
    let refused_port = listener().1;
    let mut config = ClientConfig::default();
    config.server = msnp::codec::HostPort::new("127.0.0.1", refused_port).unwrap();
    let mut driver = Driver {
        client: Client::new(config, passport("alice@example.com"), password(), Instant::now()),
        sockets: HashMap::new(),
        events: Vec::new(),
    };
    assert_eq!(
        driver.until(|e| matches!(e, ClientEvent::SessionEnded { .. })),
        ["SessionEnded { reason: Notification(ConnectionLost) }"]
    );
    assert!(driver.client.is_closed());
    assert!(driver.sockets.is_empty());
    assert!(matches!(
        driver.client.poll_output(),
        ClientOutput::Idle { next_timeout: None }
    ));
}
