//! A hostile server against the `Client` (issue 10): what it can make the client hold is
//! bounded by the config, "delivered" means acknowledged, and no configured duration
//! makes time arithmetic panic. Sizes are scaled to run in well under a second; every
//! assertion is on a size or an exact outcome, never on time.

use std::time::{Duration, Instant};

use msnp::Secret;
use msnp::client::{
    Client, ClientConfig, ClientEvent, ClientOutput, ConnId, Delivery, MessageHandle, Undelivered,
};
use msnp::codec::Passport;
use msnp::sb::NotDelivered;
use msnp::testing::loopback::passport_answer;

const ME: &str = "bot@example.com";
const BOB: &str = "bob@example.com";
const TICKET: &str = "t=hostile.ticket&p=hostile.profile";
const COOKIE: &str = "17262740.1050826919.32308";

/// The client in memory against scripted server bytes.
struct Harness {
    client: Client,
    now: Instant,
    ns: ConnId,
    /// Connections asked for, in order.
    connects: Vec<ConnId>,
    /// Bytes written, per connection, in order.
    sent: Vec<(ConnId, Vec<u8>)>,
    events: Vec<ClientEvent>,
    /// The most outputs the client held for the caller after any one `poll_output`.
    most_held: usize,
}

/// How many outputs the client holds for its caller, as its `Debug` reports them.
fn held(client: &Client) -> usize {
    let debug = format!("{client:?}");
    let at = debug.find("outputs: ").expect("Debug names the outputs held") + "outputs: ".len();
    debug[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

impl Harness {
    fn config() -> ClientConfig {
        let mut config = ClientConfig::default();
        config.sync_lists = false;
        config.initial_status = None;
        config
    }

    /// Signed in with `config`, every output so far drained.
    fn signed_in(config: ClientConfig) -> Self {
        let now = Instant::now();
        let password = Secret::new("hostile-pw".to_owned());
        let mut client = Client::new(config, Passport::try_from(ME).unwrap(), password, now);
        let ClientOutput::Connect { conn: ns, .. } = client.poll_output() else {
            panic!("the first output connects to the dispatch server")
        };
        let mut h = Harness {
            client,
            now,
            ns,
            connects: vec![ns],
            sent: Vec::new(),
            events: Vec::new(),
            most_held: 0,
        };
        h.client.handle_connected(ns, now);
        h.drain();
        h.ns_input(b"VER 1 MSNP8 CVR0\r\n");
        h.ns_input(b"CVR 2 1.0.0000 1.0.0000 1.0.0000 http://x http://y\r\n");
        h.ns_input(b"USR 3 TWN S lc=1033,id=507\r\n");
        h.ns_input(format!("USR 4 OK {ME} Bot 1 0\r\n").as_bytes());
        assert!(
            h.events.iter().any(|e| matches!(e, ClientEvent::LoggedIn { .. })),
            "{:?}",
            h.events
        );
        h.events.clear();
        h.sent.clear();
        h
    }

    fn ns_input(&mut self, bytes: &[u8]) {
        self.client.handle_input(self.ns, self.now, bytes);
        self.drain();
    }

    fn input(&mut self, conn: ConnId, bytes: &[u8]) {
        self.client.handle_input(conn, self.now, bytes);
        self.drain();
    }

    /// Drains to `Idle`, as the run loop contract asks; returns how many outputs came.
    fn drain(&mut self) -> usize {
        let mut count = 0;
        loop {
            let output = self.client.poll_output();
            let idle = matches!(output, ClientOutput::Idle { .. });
            match output {
                ClientOutput::Connect { conn, .. } => self.connects.push(conn),
                ClientOutput::Transmit { conn, bytes } => self.sent.push((conn, bytes.to_vec())),
                ClientOutput::Close { .. } | ClientOutput::Listen { .. } => {}
                ClientOutput::HttpRequest { id, request } => {
                    let answer = passport_answer(&request, TICKET);
                    self.client.handle_http_response(self.now, id, answer);
                }
                ClientOutput::Event(event) => self.events.push(event),
                ClientOutput::Idle { .. } => {}
            }
            // Measured once the output is done with: a transmit borrows the client.
            self.most_held = self.most_held.max(held(&self.client));
            if idle {
                return count;
            }
            count += 1;
        }
    }

    fn sent_on(&self, conn: ConnId) -> Vec<u8> {
        self.sent
            .iter()
            .filter(|(c, _)| *c == conn)
            .flat_map(|(_, b)| b.clone())
            .collect()
    }

    /// `send_message` to Bob through a new switchboard, up to Bob's `JOI`; returns the
    /// handle and the switchboard's connection.
    fn conversation_with_bob(&mut self, text: &str) -> (MessageHandle, ConnId) {
        let bob = Passport::try_from(BOB).unwrap();
        let handle = self.client.send_message(self.now, &bob, text).unwrap();
        self.drain();
        assert!(self.sent_on(self.ns).ends_with(b"XFR 5 SB\r\n"));
        self.ns_input(format!("XFR 5 SB 10.0.0.1:1865 CKI {COOKIE}\r\n").as_bytes());
        let sb = *self.connects.last().unwrap();
        self.client.handle_connected(sb, self.now);
        self.drain();
        self.input(sb, format!("USR 1 OK {ME} Bot\r\n").as_bytes());
        let wire = String::from_utf8_lossy(&self.sent_on(sb)).into_owned();
        let at = wire.find("CAL ").expect("Bob is invited") + 4;
        let trid: String = wire[at..].chars().take_while(char::is_ascii_digit).collect();
        self.input(
            sb,
            format!("CAL {trid} RINGING 11752013\r\nJOI {BOB} Bob\r\n").as_bytes(),
        );
        (handle, sb)
    }

    fn ends_of(&self, handle: MessageHandle) -> Vec<&ClientEvent> {
        self.events
            .iter()
            .filter(|e| match e {
                ClientEvent::MessageDelivered { handle: h }
                | ClientEvent::MessageSentUnconfirmed { handle: h }
                | ClientEvent::MessageNotDelivered { handle: h, .. } => *h == handle,
                _ => false,
            })
            .collect()
    }
}

/// Item 5: a big burst of notification lines in one read is handed out one frame per
/// `poll_output`; the client never holds more than a few outputs, where it used to
/// turn the whole burst into queued events at once (64 MiB → 849 MB resident).
#[test]
fn a_burst_of_notification_lines_is_handed_out_one_frame_at_a_time() {
    let mut h = Harness::signed_in(Harness::config());
    const LINES: usize = 20_000;
    let burst = b"XYZ 0 future\r\n".repeat(LINES);
    h.client.handle_input(h.ns, h.now, &burst);
    // The first poll hands out the first line's event; the rest is still unparsed.
    assert!(matches!(
        h.client.poll_output(),
        ClientOutput::Event(ClientEvent::Other { .. })
    ));
    assert_eq!(held(&h.client), 0);
    let outputs = h.drain();
    assert_eq!(outputs, LINES - 1);
    assert!(h.most_held <= 1, "held up to {} outputs", h.most_held);
}

/// Item 5, switchboard side: a burst of incoming texts on a conversation comes out one
/// frame per call too.
#[test]
fn a_burst_of_switchboard_lines_is_handed_out_one_frame_at_a_time() {
    let mut h = Harness::signed_in(Harness::config());
    let (_, sb) = h.conversation_with_bob("hi");
    h.events.clear();
    h.most_held = 0;
    const LINES: usize = 5_000;
    let message =
        format!("MSG {BOB} Bob 64\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nhi");
    h.input(sb, message.repeat(LINES).as_bytes());
    let texts = h
        .events
        .iter()
        .filter(|e| matches!(e, ClientEvent::TextReceived { .. }))
        .count();
    assert_eq!(texts, LINES);
    assert!(h.most_held <= 1, "held up to {} outputs", h.most_held);
}

/// Item 8: with mode `U` nothing acknowledges a message, so however the switchboard is
/// cut after the bytes were handed out, the message ends as sent unconfirmed, never as
/// delivered. A 4,662-byte text goes out as three `MSG`s; the cut is the transport
/// closing after the write, as a driver reports it.
#[test]
fn unacknowledged_messages_are_never_reported_delivered() {
    for ack in [
        Delivery::Unconfirmed,
        Delivery::FailuresOnly,
        Delivery::Acknowledged,
    ] {
        let mut config = Harness::config();
        config.delivery = ack;
        let mut h = Harness::signed_in(config);
        let text = "x".repeat(4_662);
        let (handle, sb) = h.conversation_with_bob(&text);
        let wire = h.sent_on(sb);
        let mode = format!("{ack:?}");
        assert_eq!(
            wire.windows(6).filter(|w| w.starts_with(b"MSG ")).count(),
            3,
            "{mode}"
        );
        h.client.handle_closed(sb, h.now);
        h.drain();
        let ends = h.ends_of(handle);
        let expected = match ack {
            // Handed out: all that will ever be known.
            Delivery::Unconfirmed => ClientEvent::MessageSentUnconfirmed { handle },
            // Written, then cut before any NAK or ACK could come.
            _ => ClientEvent::MessageNotDelivered {
                handle,
                reason: Undelivered::Switchboard(NotDelivered::SessionClosed),
            },
        };
        assert_eq!(ends, [&expected], "mode {mode}");
    }
}

/// Item 8, mode `N`: no `NAK` within the grace is not an acknowledgement either.
#[test]
fn negative_only_messages_end_unconfirmed_after_the_grace() {
    let mut config = Harness::config();
    config.delivery = Delivery::FailuresOnly;
    let mut h = Harness::signed_in(config);
    let (handle, _) = h.conversation_with_bob("hello");
    h.now += Duration::from_secs(15);
    h.client.handle_timeout(h.now);
    h.drain();
    assert_eq!(
        h.ends_of(handle),
        [&ClientEvent::MessageSentUnconfirmed { handle }]
    );
}

/// Item 8, mode `A`: only an `ACK` for every part makes a message delivered.
#[test]
fn acknowledged_messages_are_delivered_on_ack_only() {
    let mut h = Harness::signed_in(Harness::config());
    let (handle, sb) = h.conversation_with_bob(&"y".repeat(2_000));
    h.input(sb, b"ACK 2\r\n");
    assert!(h.ends_of(handle).is_empty());
    h.input(sb, b"ACK 3\r\n");
    assert_eq!(h.ends_of(handle), [&ClientEvent::MessageDelivered { handle }]);
}

/// Item 9: `Duration::MAX` as "never" for the client's and its switchboards' durations
/// arms no timer and panics nowhere.
#[test]
fn durations_of_max_mean_never() {
    let mut config = Harness::config();
    config.join_timeout = Duration::MAX;
    config.switchboard.ack_timeout = Duration::MAX;
    config.switchboard.nak_grace = Duration::MAX;
    config.switchboard.typing_interval = Duration::MAX;
    let mut h = Harness::signed_in(config);
    let bob = Passport::try_from(BOB).unwrap();
    let handle = h.client.send_message(h.now, &bob, "waits").unwrap();
    h.drain();
    h.ns_input(format!("XFR 5 SB 10.0.0.1:1865 CKI {COOKIE}\r\n").as_bytes());
    let sb = *h.connects.last().unwrap();
    h.client.handle_connected(sb, h.now);
    h.input(sb, format!("USR 1 OK {ME} Bot\r\n").as_bytes());
    // Nobody joins: with no join deadline, the message just waits.
    h.now += Duration::from_secs(365 * 24 * 3600);
    h.client.handle_timeout(h.now);
    h.drain();
    // The notification server's keep-alive is answered: only the switchboard side waits.
    h.ns_input(b"QNG 50\r\n");
    assert!(h.ends_of(handle).is_empty());
    h.input(sb, format!("JOI {BOB} Bob\r\n").as_bytes());
    let conversation = h.client.conversations().next().unwrap().0;
    h.client.send_typing(h.now, conversation).unwrap();
    h.client.send_typing(h.now, conversation).unwrap();
    h.now += Duration::from_secs(365 * 24 * 3600);
    h.client.handle_timeout(h.now);
    h.drain();
    h.ns_input(b"QNG 50\r\n");
    assert!(
        h.ends_of(handle).is_empty(),
        "no acknowledgement deadline: {:?}",
        h.events
    );
    h.input(sb, b"ACK 2\r\n");
    assert_eq!(h.ends_of(handle), [&ClientEvent::MessageDelivered { handle }]);
}

/// Bounds: invitations past `max_switchboards` are declined, each reported; the
/// client never holds more conversations than the bound.
#[test]
fn ringing_past_the_switchboard_bound_is_declined() {
    let mut config = Harness::config();
    config.max_switchboards = 4;
    let mut h = Harness::signed_in(config);
    let mut burst = Vec::new();
    for i in 0..100 {
        burst.extend_from_slice(
            format!("RNG {i} 10.0.0.2:1865 CKI {COOKIE}.{i} u{i}@example.com U\r\n").as_bytes(),
        );
    }
    h.ns_input(&burst);
    let started = h
        .events
        .iter()
        .filter(|e| matches!(e, ClientEvent::ConversationStarted { .. }))
        .count();
    let declined = h
        .events
        .iter()
        .filter(|e| matches!(e, ClientEvent::ConversationDeclined { .. }))
        .count();
    assert_eq!((started, declined), (4, 96));
    assert_eq!(h.connects.len(), 1 + 4);
    assert!(h.most_held <= 2, "held up to {} outputs", h.most_held);
}

/// Bounds: texts waiting for switchboards are bounded over all of them, and so are the
/// switchboards asked for.
#[test]
fn texts_waiting_for_switchboards_are_bounded_in_total() {
    let mut config = Harness::config();
    config.max_queued_messages = 5;
    config.max_switchboards = 3;
    let mut h = Harness::signed_in(config);
    let mut results = Vec::new();
    for i in 0..4 {
        let to = Passport::try_from(format!("u{i}@example.com")).unwrap();
        results.push(h.client.send_message(h.now, &to, "a").map(|_| ()));
        results.push(h.client.send_message(h.now, &to, "b").map(|_| ()));
    }
    use msnp::client::ClientError::{TooManyQueued, TooManySwitchboards};
    let refused: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    // Three switchboards asked for, five texts queued among them, the rest refused.
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 5);
    assert!(
        refused
            .iter()
            .all(|e| matches!(e, TooManyQueued { max: 5 } | TooManySwitchboards { max: 3 })),
        "{refused:?}"
    );
}

/// A full window queues instead of refusing, within `max_queued_messages` over all
/// conversations; the queued texts go out in order as acknowledgements make room, and
/// those still waiting when the switchboard dies end as never sent.
#[test]
fn a_full_window_queues_within_the_bound() {
    let mut config = Harness::config();
    config.switchboard.max_pending = 2;
    config.max_queued_messages = 3;
    let mut h = Harness::signed_in(config);
    let (first, sb) = h.conversation_with_bob("m0");
    let bob = Passport::try_from(BOB).unwrap();
    // m0 is in flight (TrID 2); m1 fills the window (TrID 4, after CAL 3).
    let mut handles = vec![first];
    for i in 1..5 {
        handles.push(h.client.send_message(h.now, &bob, &format!("m{i}")).unwrap());
    }
    assert_eq!(
        h.client.send_message(h.now, &bob, "m5"),
        Err(msnp::client::ClientError::TooManyQueued { max: 3 })
    );
    h.drain();
    let msgs = |h: &Harness| {
        let wire = h.sent_on(sb);
        wire.windows(4).filter(|w| w == b"MSG ").count()
    };
    assert_eq!(msgs(&h), 2);
    h.input(sb, b"ACK 2\r\n");
    assert_eq!(msgs(&h), 3);
    assert_eq!(
        h.ends_of(handles[0]),
        [&ClientEvent::MessageDelivered { handle: handles[0] }]
    );
    h.input(sb, b"ACK 4\r\nACK 5\r\n");
    assert_eq!(msgs(&h), 5);
    let wire = String::from_utf8(h.sent_on(sb)).unwrap();
    let order: Vec<usize> = (0..5)
        .map(|i| wire.find(&format!("\r\n\r\nm{i}")).unwrap())
        .collect();
    assert!(order.is_sorted(), "texts went out in the order sent");
    // m4 waits in the backlog behind m3; the switchboard dies.
    let mut config = Harness::config();
    config.switchboard.max_pending = 1;
    let mut h = Harness::signed_in(config);
    let (first, sb) = h.conversation_with_bob("a");
    let second = h.client.send_message(h.now, &bob, "b").unwrap();
    h.drain();
    h.client.handle_closed(sb, h.now);
    h.drain();
    assert_eq!(
        h.ends_of(first),
        [&ClientEvent::MessageNotDelivered {
            handle: first,
            reason: Undelivered::Switchboard(NotDelivered::SessionClosed)
        }]
    );
    assert_eq!(
        h.ends_of(second),
        [&ClientEvent::MessageNotDelivered {
            handle: second,
            reason: Undelivered::Switchboard(NotDelivered::NeverSent)
        }]
    );
}
