//! Whole-client fuzz body: the fuzz input plays every server and peer a real
//! [`Client`] talks to (the notification server, switchboards, MSNFTP peers over direct
//! connections, Passport over HTTP, a P2P peer inside the switchboards) and calls its
//! API, with time steps. `fuzz/` calls [`client_session`]; the crate's tests replay the
//! committed corpus (`fuzz/corpus/client_session/`) on stable.
//!
//! Encoding: a dialect byte as [`dialect_prefix`] reads it (8 to 12; anything else is
//! MSNP8 and is not consumed), a settings byte ([`config`]), then one operation after
//! another until the data runs out:
//!
//! | first byte % 10 | operation | operands |
//! |---|---|---|
//! | 0 | raw bytes to live connection `k` | `k`, `len: u8`, then `len` bytes |
//! | 1 | a canned notification-server line to `k` | `k`, `which`, `pick` |
//! | 2 | a canned switchboard line to `k` | `k`, `which`, `pick` |
//! | 3 | a canned MSNFTP peer line to `k` | `k`, `which`, `pick` |
//! | 4 | transport news of `k` | `k`, `what` (connected, failed, closed, listening) |
//! | 5 | Passport answer to pending request `k` | `k`, `what`, `status`; when `what % 7` is 6, `len: u8` and a header value of `len` bytes |
//! | 6 | time step | `n`: `n` seconds (0: 250 ms; 255: to the next timeout) |
//! | 7 | API call | `which`, `arg` (see `Run::call`) |
//! | 8 | sign in at once (connect, `VER`, `CVR`, `USR`, Passport, `USR OK`, lists, status) | — |
//! | 9 | the P2P peer (Bob) | `what`, `k` (see `Run::bob`) |
//!
//! Live connections are counted in the order the client asked for them (the dispatch
//! server's is 0), forgetting the ones it closed or that were reported closed; `k` is
//! taken modulo their number. A canned line's `{t}` is one of the transaction ids the
//! client last sent on that connection (`pick` chooses), `{c}` the last invitation
//! cookie it sent there, `{a}` the last MSNFTP auth cookie.
//!
//! After every operation the output is drained (within a budget: a poll loop that does
//! not end is a bug) and the laws are checked: every message handle and every transfer
//! ends at most once, and (after the run has closed every connection and let time
//! pass) exactly once; progress never passes the total nor goes back, and a receiver
//! never counts more bytes than its connections brought; no event, output, error or
//! the client's own `Debug` shows the password, the Passport ticket, a switchboard or
//! MSNFTP auth cookie or the `MSPAuth` the input gave; bytes go only to open
//! connections; the connections and the outputs the client holds stay within bounds
//! derived from the configuration; `SessionEnded` comes once and last.
//!
//! Longer than most modules on purpose: the op language, the canned peers and the laws
//! they are checked against are one harness, read together when a finding comes in.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use super::codec::dialect_prefix;
use crate::client::{
    Client, ClientConfig, ClientEvent, ClientOutput, ConnId, ConversationId, Delivery, HttpId,
    InvitationPolicy, MessageHandle, TransferId,
};
use crate::codec::{Dialect, DialectSet, HostPort, List, Passport, Status};
use crate::msg::{Invitation, InvitationCommand};
use crate::p2p::{self, FileContext, P2pConfig, P2pEvent, P2pSession};
use crate::passport::{HttpRequest, HttpResponse};
use crate::presence::{MsnObject, MsnObjectKind};
use crate::{Output, Secret};

/// The account signing in.
pub const ME: &str = "me@example.com";
/// The peer most canned lines speak for; the P2P peer.
pub const BOB: &str = "bob@example.com";
/// The password: must never show outside the Passport request.
pub const PASSWORD: &str = "pw-S3CR3Tpass";
/// The ticket the canned Passport success issues.
pub const TICKET: &str = "t=TK-S3CR3Ttick&p=PR-S3CR3Tprof";
/// The switchboard cookies of the canned `XFR` and `RNG`.
pub const SB_COOKIE: &str = "1.S3CR3Tsbck.2";
/// The `MSPAuth` of the canned profile.
pub const MSPAUTH: &str = "MSPAUTH-S3CR3Tmsp";
/// The auth cookie the canned MSNFTP sender's `ACCEPT` gives.
pub const PEER_AUTH: u32 = 86_753_091;
/// The invitation cookie of the canned MSNFTP offers.
pub const PEER_COOKIE: u32 = 33_267;
/// The picture Bob serves.
const PICTURE: &[u8] = b"bob's picture bytes";

/// Builders for fuzz inputs, for the corpus and for tests.
pub mod encode {
    /// Raw bytes (at most 255) to live connection `k`.
    pub fn raw(k: u8, bytes: &[u8]) -> Vec<u8> {
        let mut out = vec![0, k, bytes.len().min(255) as u8];
        out.extend_from_slice(&bytes[..bytes.len().min(255)]);
        out
    }
    /// Canned notification line `which` to `k`.
    pub fn ns(k: u8, which: u8, pick: u8) -> Vec<u8> {
        vec![1, k, which, pick]
    }
    /// Canned switchboard line `which` to `k`.
    pub fn sb(k: u8, which: u8, pick: u8) -> Vec<u8> {
        vec![2, k, which, pick]
    }
    /// Canned MSNFTP peer line `which` to `k`.
    pub fn ft(k: u8, which: u8, pick: u8) -> Vec<u8> {
        vec![3, k, which, pick]
    }
    /// Transport news `what` (0 connected, 1 failed, 2 closed, 3 listening) of `k`.
    pub fn conn(k: u8, what: u8) -> Vec<u8> {
        vec![4, k, what]
    }
    /// Passport answer `what` (0 success; not 6 modulo 7, which takes a value) to
    /// pending request `k`.
    pub fn http(k: u8, what: u8, status: u8) -> Vec<u8> {
        vec![5, k, what, status]
    }
    /// A time step of `n` seconds (0: 250 ms, 255: to the next timeout).
    pub fn time(n: u8) -> Vec<u8> {
        vec![6, n]
    }
    /// API call `which` with `arg`.
    pub fn call(which: u8, arg: u8) -> Vec<u8> {
        vec![7, which, arg]
    }
    /// Sign in at once.
    pub fn sign_in() -> Vec<u8> {
        vec![8]
    }
    /// The P2P peer's action `what` on `k`.
    pub fn bob(what: u8, k: u8) -> Vec<u8> {
        vec![9, what, k]
    }

    /// After [`sign_in`], a conversation with Bob on live connection 1: a text to him
    /// asks for a switchboard, which opens, rings him, sees him join and acknowledges
    /// the text; then a text from him.
    pub fn conversation() -> Vec<u8> {
        [
            call(0, 0),
            ns(0, 6, 0),
            conn(1, 0),
            sb(1, 0, 0),
            sb(1, 1, 0),
            sb(1, 2, 0),
            sb(1, 5, 0),
            sb(1, 7, 0),
        ]
        .concat()
    }
}

/// The notification server's canned lines.
const NS_LINES: &[&str] = &[
    "VER {t} {dialect} CVR0\r\n",
    "CVR {t} 1.0.0000 1.0.0000 1.0.0000 http://x http://y\r\n",
    "USR {t} TWN S lc=1033,id=507\r\n",
    "{usr_ok}",
    "{syn}",
    "CHG {t} NLN 0\r\n",
    "XFR {t} SB 10.0.0.3:1863 CKI {sbck}\r\n",
    "RNG 11752013 10.0.0.4:1863 CKI {sbck} bob@example.com Bob\r\n",
    "XFR {t} NS 10.0.0.2:1863 0 10.0.0.1:1863\r\n",
    "ILN {t} NLN bob@example.com Bob 268435492\r\n",
    "NLN BSY bob@example.com Bob 268435492 {obj}\r\n",
    "FLN bob@example.com\r\n",
    "ADD 0 RL 7 carol@example.com Carol\r\n",
    "ADD {t} FL 8 carol@example.com Carol 0\r\n",
    "ADC {t} FL N=carol@example.com F=Carol C=0000cccc-1111-4222-8333-444455556666\r\n",
    "REM {t} FL 9 bob@example.com\r\n",
    "MSG Hotmail Hotmail {len}\r\n{profile}",
    "CHL 0 15570131571988941333\r\n",
    "QRY {t}\r\n",
    "913 {t}\r\n",
    "911 {t}\r\n",
    "UBX bob@example.com {len}\r\n{ubx}",
    "OUT OTH\r\n",
    "QNG 50\r\n",
];

/// A switchboard's canned lines.
const SB_LINES: &[&str] = &[
    "USR {t} OK me@example.com Me\r\n",
    "CAL {t} RINGING 11752013\r\n",
    "JOI bob@example.com Bob\r\n",
    "IRO {t} 1 1 bob@example.com Bob\r\n",
    "ANS {t} OK\r\n",
    "ACK {t}\r\n",
    "NAK {t}\r\n",
    "MSG bob@example.com Bob {len}\r\n{text}",
    "MSG bob@example.com Bob {len}\r\n{typing}",
    "MSG bob@example.com Bob {len}\r\n{offer}",
    "MSG bob@example.com Bob {len}\r\n{accept}",
    "MSG bob@example.com Bob {len}\r\n{address}",
    "MSG bob@example.com Bob {len}\r\n{cancel}",
    "BYE bob@example.com\r\n",
    "JOI carol@example.com Carol\r\n",
    "217 {t}\r\n",
    "282 {t}\r\n",
    "BYE bob@example.com 1\r\n",
];

/// An MSNFTP peer's canned lines: a sender's (to a receiving client) and a receiver's.
const FT_LINES: &[&str] = &[
    "VER MSNFTP\r\n",
    "FIL {n}\r\n",
    "{block}",
    "BYE 16777989\r\n",
    "USR bob@example.com {a}\r\n",
    "TFR\r\n",
    "CCL\r\n",
    "BYE 2164261682\r\n",
];

/// The settings the second byte (`flags`) picks: small bounds, so that the input reaches
/// them. Bit 0 set turns MSNFTP off; bits 1–2 pick the delivery asked for, bits 3–4 the
/// invitation policy; bit 5 skips the list download, bit 6 the initial status.
pub fn config(dialect: Dialect, flags: u8) -> ClientConfig {
    let mut config = ClientConfig::default();
    config.notification.dialects = DialectSet::only(dialect);
    config.notification.max_pending = 8;
    config.passport_timeout = Duration::from_secs(30);
    config.switchboard.max_pending = 3;
    config.switchboard.max_participants = 3;
    config.max_switchboards = 3;
    config.max_queued_messages = 4;
    config.max_display_picture_len = 1024;
    config.join_timeout = Duration::from_secs(60);
    config.transfer.max_transfers = 3;
    config.transfer.max_peers = 2;
    config.transfer.buffer = 256;
    config.transfer.max_waiting_replies = 2;
    config.transfer.msnftp = flags & 1 == 0;
    config.transfer.p2p.max_transfers = 2;
    config.delivery = [
        Delivery::Acknowledged,
        Delivery::FailuresOnly,
        Delivery::Unconfirmed,
    ][usize::from(flags >> 1 & 3) % 3];
    config.invitations = [
        InvitationPolicy::AcceptAll,
        InvitationPolicy::AcceptContacts,
        InvitationPolicy::DeclineAll,
    ][usize::from(flags >> 3 & 3) % 3];
    config.sync_lists = flags & 0x20 == 0;
    if flags & 0x40 != 0 {
        config.initial_status = None;
    }
    config
}

/// One connection the client asked for (or to listen for) and has not forgotten.
struct Live {
    id: ConnId,
    /// Which server or peer it reaches: 1 notification, 2 switchboard, 3 direct
    /// (MSNFTP; its bytes are not command lines), as the canned lists are numbered.
    role: u8,
    connected: bool,
    /// The transaction ids it last sent, newest last.
    trids: Vec<String>,
    /// Bytes it sent not yet read as whole commands.
    sent: Vec<u8>,
    /// P2P payloads it sent, for Bob.
    p2p: Vec<Vec<u8>>,
}

/// What is known of one transfer.
#[derive(Default)]
struct Transfer {
    /// The size announced, when the transfer announced one.
    size: Option<u64>,
    /// The client receives it (its data comes from the network).
    incoming: bool,
    picture: bool,
    /// Bytes `write_transfer` took.
    written: u64,
    /// Bytes `TransferData` gave, or the picture's length.
    data: u64,
    /// The last progress: done and total.
    progress: Option<(u64, u64)>,
    ended: bool,
}

/// What an API call made.
enum Made {
    Nothing,
    Handle(MessageHandle),
    /// A transfer: its size, whether it is received, whether it is a picture.
    Transfer(TransferId, u64, bool, bool),
    /// `write_transfer` took this many of the bytes given.
    Written(TransferId, usize, usize),
}

/// The state of one run and the laws it checks.
struct Run {
    client: Client,
    dialect: Dialect,
    now: Instant,
    next_timeout: Option<Instant>,
    live: Vec<Live>,
    /// Connections that ended, by the client or by the transport.
    dead: BTreeSet<ConnId>,
    http: Vec<(HttpId, HttpRequest)>,
    handles: BTreeMap<MessageHandle, bool>,
    transfers: BTreeMap<TransferId, Transfer>,
    conversations: BTreeMap<ConversationId, bool>,
    session_ended: bool,
    /// Bytes delivered to the client's connections.
    delivered: u64,
    /// The last invitation cookie and MSNFTP auth cookie the client sent.
    cookie: Option<u32>,
    auth: Option<u32>,
    /// Secrets, as text, that nothing but a transmit may show.
    secrets: Vec<String>,
    bob: P2pSession,
    /// The most connections and held outputs the configuration allows.
    max_live: usize,
    max_held: usize,
    max_switchboards: usize,
    max_queued: usize,
    /// The kinds of event seen.
    seen: BTreeSet<String>,
    /// What happened, when asked for.
    trace: Option<Vec<String>>,
}

/// Polls allowed per drain: far more than any operation's outputs.
const BUDGET: usize = 20_000;

/// Runs one client session from `data`. Panics only if the client breaks a law (see
/// the module docs).
pub fn client_session(data: &[u8]) {
    let _ = client_session_events(data);
}

/// [`client_session`], returning the kinds of event the client emitted (their
/// variants' names), for tests that check what a corpus input reaches.
pub fn client_session_events(data: &[u8]) -> BTreeSet<String> {
    play(data, false).0
}

/// [`client_session`], returning what happened in order (each transmit's bytes, each
/// other output's `Debug`, each input), to read a finding by; each line also goes to
/// standard error as it happens.
pub fn client_session_trace(data: &[u8]) -> Vec<String> {
    play(data, true).1
}

fn play(data: &[u8], trace: bool) -> (BTreeSet<String>, Vec<String>) {
    let (dialect, data) = dialect_prefix(data);
    let Some((&flags, data)) = data.split_first() else {
        return (BTreeSet::new(), Vec::new());
    };
    let mut bytes = data.iter().copied();
    let mut next = move || bytes.next();
    let mut run = Run::new(dialect, flags);
    run.trace = trace.then(Vec::new);
    run.drain();
    while let Some(op) = next() {
        match op % 10 {
            0 => {
                let k = next().unwrap_or(0);
                let len = next().unwrap_or(0);
                let chunk: Vec<u8> = (0..len).map_while(|_| next()).collect();
                let chunk = run.sanitize(chunk);
                run.input(k, &chunk);
            }
            1..=3 => {
                let k = next().unwrap_or(0);
                let which = next().unwrap_or(0);
                let pick = next().unwrap_or(0);
                let line = run.canned(op % 10, k, which, pick);
                // A secret is one only from the server it belongs to: the notification
                // server's cookies and MSPAuth are a peer's text on a switchboard.
                let line = match run.live_index(k).map(|i| run.live[i].role) {
                    Some(role) if role == op % 10 => line,
                    _ => run.sanitize(line),
                };
                run.input(k, &line);
            }
            4 => {
                let k = next().unwrap_or(0);
                let what = next().unwrap_or(0);
                run.transport(k, what);
            }
            5 => {
                let k = next().unwrap_or(0);
                let what = next().unwrap_or(0);
                let status = next().unwrap_or(0);
                let value = if what % 7 == 6 {
                    let len = next().unwrap_or(0);
                    (0..len).map_while(|_| next()).collect()
                } else {
                    Vec::new()
                };
                run.http(k, what, status, &value);
            }
            6 => run.time(next().unwrap_or(0)),
            7 => {
                let which = next().unwrap_or(0);
                let arg = next().unwrap_or(0);
                run.call(which, arg);
            }
            8 => run.sign_in(),
            _ => {
                let what = next().unwrap_or(0);
                let k = next().unwrap_or(0);
                run.bob(what, k);
            }
        }
        run.drain();
    }
    run.finish();
    (run.seen, run.trace.unwrap_or_default())
}

fn passport(account: &'static str) -> Passport<'static> {
    Passport::try_from(account).unwrap_or_else(|_| unreachable!("a valid account"))
}

/// An output other than a transmit, detached from the client.
fn owned(output: ClientOutput<'_>) -> ClientOutput<'static> {
    match output {
        ClientOutput::Connect { conn, addr } => ClientOutput::Connect { conn, addr },
        ClientOutput::Listen { conn, toward } => ClientOutput::Listen { conn, toward },
        ClientOutput::Close { conn } => ClientOutput::Close { conn },
        ClientOutput::HttpRequest { id, request } => ClientOutput::HttpRequest { id, request },
        ClientOutput::Event(event) => ClientOutput::Event(event),
        ClientOutput::Idle { next_timeout } => ClientOutput::Idle { next_timeout },
        ClientOutput::Transmit { conn, .. } => ClientOutput::Transmit { conn, bytes: &[] },
    }
}

/// The number `shown` (a `Debug` text) gives field `name`. A `Debug` without it panics:
/// the bound it stands for would otherwise go unchecked without anyone noticing.
fn count(shown: &str, name: &str) -> usize {
    shown
        .split(&format!(" {name}: "))
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("the client's Debug no longer shows `{name}`: {shown}"))
}

/// A `MSG` from Bob carrying `payload`, as a switchboard relays it.
fn relayed(payload: &[u8]) -> Vec<u8> {
    let mut wire = format!("MSG {BOB} Bob {}\r\n", payload.len()).into_bytes();
    wire.extend_from_slice(payload);
    wire
}

fn encoded(invitation: &Invitation<'_>) -> String {
    let mut out = Vec::new();
    invitation
        .encode(&mut out)
        .unwrap_or_else(|e| unreachable!("a canned invitation encodes: {e}"));
    String::from_utf8(out).unwrap_or_else(|_| unreachable!("invitations are text"))
}

/// Bob's picture as he announces it, or (`wrong`) one of another size.
fn bob_picture(wrong: bool) -> MsnObject {
    let data: &[u8] = if wrong { b"other" } else { PICTURE };
    MsnObject::for_data(passport(BOB), MsnObjectKind::DisplayPicture, "0", "", data)
        .unwrap_or_else(|e| unreachable!("a canned picture describes: {e}"))
}

impl Run {
    fn new(dialect: Dialect, flags: u8) -> Self {
        let config = config(dialect, flags);
        let max_live = config.max_switchboards + config.transfer.max_transfers + 2;
        // What one poll can push at once: a session's end fails every waiting text and
        // transfer and closes every connection, beside the events of one frame.
        let max_held = config.max_queued_messages
            + config.switchboard.max_pending * config.max_switchboards
            + 4 * config.transfer.max_transfers
            + 2 * max_live
            + 16;
        let (max_switchboards, max_queued) = (config.max_switchboards, config.max_queued_messages);
        let now = Instant::now();
        let client = Client::new(config, passport(ME), Secret::new(PASSWORD.to_owned()), now);
        Run {
            client,
            dialect,
            now,
            next_timeout: None,
            live: Vec::new(),
            dead: BTreeSet::new(),
            http: Vec::new(),
            handles: BTreeMap::new(),
            transfers: BTreeMap::new(),
            conversations: BTreeMap::new(),
            session_ended: false,
            delivered: 0,
            cookie: None,
            auth: None,
            secrets: [PASSWORD, TICKET, "TK-S3CR3Ttick", SB_COOKIE, MSPAUTH]
                .into_iter()
                .map(str::to_owned)
                .chain([PEER_AUTH.to_string()])
                .collect(),
            bob: P2pSession::new(P2pConfig::default(), BOB, ME, 7),
            max_live,
            max_held,
            max_switchboards,
            max_queued,
            seen: BTreeSet::new(),
            trace: None,
        }
    }

    fn note(&mut self, line: impl FnOnce() -> String) {
        if let Some(trace) = &mut self.trace {
            // Printed as well, so that a run that panics still shows how it got there.
            let line = line();
            eprintln!("{line}");
            trace.push(line);
        }
    }

    fn live_index(&self, k: u8) -> Option<usize> {
        (!self.live.is_empty()).then(|| usize::from(k) % self.live.len())
    }

    /// Raw input must not spell a secret itself, or a leak check would blame the client
    /// for echoing the peer.
    fn sanitize(&self, mut chunk: Vec<u8>) -> Vec<u8> {
        for secret in &self.secrets {
            let secret = secret.as_bytes();
            let mut at = 0;
            while let Some(i) = chunk
                .get(at..)
                .and_then(|rest| rest.windows(secret.len()).position(|w| w == secret))
            {
                chunk[at + i] ^= 0x20;
                at += i + 1;
            }
        }
        chunk
    }

    fn input(&mut self, k: u8, bytes: &[u8]) {
        let Some(i) = self.live_index(k) else { return };
        self.delivered += bytes.len() as u64;
        let id = self.live[i].id;
        self.note(|| format!("{id:?} < {}", String::from_utf8_lossy(bytes).escape_debug()));
        self.client.handle_input(id, self.now, bytes);
    }

    /// Canned line `which` of list `list` (1 notification, 2 switchboard, 3 MSNFTP) for
    /// live connection `k`.
    fn canned(&self, list: u8, k: u8, which: u8, pick: u8) -> Vec<u8> {
        let lines = match list {
            1 => NS_LINES,
            2 => SB_LINES,
            _ => FT_LINES,
        };
        let template = lines[usize::from(which) % lines.len()];
        let conn = self.live_index(k).map(|i| &self.live[i]);
        let trid = conn
            .and_then(|c| {
                let n = c.trids.len();
                (n > 0).then(|| c.trids[n - 1 - usize::from(pick) % n.min(4)].clone())
            })
            .unwrap_or_else(|| "1".to_owned());
        // Cookies go on a switchboard but are proved on a direct connection: the last
        // one sent anywhere.
        let cookie = self.cookie.unwrap_or(PEER_COOKIE);
        let auth = self.auth.unwrap_or(0);
        let msnp10 = self.dialect >= Dialect::Msnp10;
        let mut payload = String::new();
        let mut line = template.replace("{t}", &trid);
        let mut fill = |key: &str, value: String| {
            if line.contains(key) {
                line = line.replace(key, "");
                payload = value;
            }
        };
        fill(
            "{profile}",
            format!(
                "MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsprofile; charset=UTF-8\r\n\
                 LoginTime: 1\r\nMSPAuth: {MSPAUTH}\r\nClientIP: 192.0.2.9\r\n\r\n"
            ),
        );
        fill(
            "{ubx}",
            "<Data><PSM>hi</PSM><CurrentMedia></CurrentMedia></Data>".to_owned(),
        );
        fill(
            "{text}",
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nhello".to_owned(),
        );
        fill(
            "{typing}",
            "MIME-Version: 1.0\r\nContent-Type: text/x-msmsgscontrol\r\nTypingUser: bob@example.com\r\n\r\n\r\n"
                .to_owned(),
        );
        let size = u64::from(pick % 8) * 3;
        fill(
            "{offer}",
            encoded(&Invitation::file_transfer(PEER_COOKIE, "readme.txt", size)),
        );
        fill("{accept}", encoded(&Invitation::accept(cookie)));
        fill("{address}", {
            let mut accept = Invitation::accept(PEER_COOKIE);
            accept.ip_address = Some("192.0.2.7".into());
            accept.port = Some(6891);
            accept.auth_cookie = Some(Secret::new(PEER_AUTH));
            accept.launch_application = None;
            accept.request_data = None;
            encoded(&accept)
        });
        fill("{cancel}", {
            let mut cancel = Invitation::new(InvitationCommand::Cancel, cookie);
            cancel.cancel_code = Some(
                if pick.is_multiple_of(2) {
                    "REJECT"
                } else {
                    "FTTIMEOUT"
                }
                .into(),
            );
            encoded(&cancel)
        });
        line = line.replace("{len}", &payload.len().to_string());
        line.push_str(&payload);
        let usr_ok = if msnp10 {
            format!("USR {trid} OK {ME} 1 0\r\n")
        } else {
            format!("USR {trid} OK {ME} Me 1 0\r\n")
        };
        let syn = if msnp10 {
            format!(
                "SYN {trid} 2000-01-01T00:00:00.0-00:00 2000-01-01T00:00:00.0-00:00 1 1\r\nGTC A\r\nBLP AL\r\n\
                 PRP MFN Me\r\nLSG Other 6d4bd9c5-8e42-4c2b-a8c5-4b0d1f1a2b3c\r\n\
                 LST N={BOB} F=Bob C=ab690000-1111-4222-8333-444455556666 11 6d4bd9c5-8e42-4c2b-a8c5-4b0d1f1a2b3c\r\n"
            )
        } else {
            format!("SYN {trid} 12 1 1\r\nGTC A\r\nBLP AL\r\nLSG 0 Other 0\r\nLST {BOB} Bob 11 0\r\n")
        };
        let obj = bob_picture(pick % 2 == 1).to_percent_encoded();
        let block = {
            let n = usize::from(pick % 16);
            let mut b = format!("\0{}\0", char::from(n as u8));
            b.push_str(&"x".repeat(n));
            b
        };
        line.replace("{usr_ok}", &usr_ok)
            .replace("{syn}", &syn)
            .replace("{dialect}", self.dialect.as_str())
            .replace("{sbck}", SB_COOKIE)
            .replace("{obj}", &obj)
            .replace("{n}", &size.to_string())
            .replace("{block}", &block)
            .replace("{a}", &auth.to_string())
            .into_bytes()
    }

    fn transport(&mut self, k: u8, what: u8) {
        let Some(i) = self.live_index(k) else { return };
        let id = self.live[i].id;
        self.note(|| format!("{id:?} transport {}", what % 4));
        match what % 4 {
            0 => {
                self.live[i].connected = true;
                self.client.handle_connected(id, self.now);
            }
            1 => {
                self.forget(id);
                self.client.handle_connect_failed(id, self.now);
            }
            2 => {
                self.forget(id);
                self.client.handle_closed(id, self.now);
            }
            _ => {
                let addr = HostPort::new("192.0.2.1", 6891).unwrap_or_else(|_| unreachable!());
                self.client.handle_listening(id, self.now, &addr);
            }
        }
    }

    fn forget(&mut self, id: ConnId) {
        self.live.retain(|c| c.id != id);
        self.dead.insert(id);
    }

    fn http(&mut self, k: u8, what: u8, status: u8, value: &[u8]) {
        if self.http.is_empty() {
            return;
        }
        let (id, request) = self.http.remove(usize::from(k) % self.http.len());
        let now = self.now;
        let response = match what % 7 {
            0 => crate::passport::success_answer(&request, TICKET),
            1 => {
                self.client.handle_http_failed(now, id, "connection refused".to_owned());
                return;
            }
            2 => HttpResponse::new(401).with_header(
                "WWW-Authenticate",
                "Passport1.4 da-status=failed,srealm=Passport.NET,cbtxt=The%20e-mail%20address%20or%20password%20is%20incorrect",
            ),
            3 => HttpResponse::new(302).with_header("Location", "https://login2.example.net/login2.srf"),
            4 => HttpResponse::new(200).with_header(
                "Authentication-Info",
                "Passport1.4 da-status=redir,from-PP=''",
            ),
            5 => HttpResponse::new(u16::from(status) * 3),
            _ => {
                let names = ["Authentication-Info", "PassportURLs", "Location", "WWW-Authenticate"];
                let value = String::from_utf8_lossy(&self.sanitize(value.to_vec())).into_owned();
                let name = names[usize::from(status >> 2) % names.len()];
                HttpResponse::new([200, 302, 401, 500][usize::from(status) % 4]).with_header(name, value)
            }
        };
        self.client.handle_http_response(now, id, response);
    }

    fn time(&mut self, n: u8) {
        self.now = match (n, self.next_timeout) {
            (0, _) => self.now + Duration::from_millis(250),
            (255, Some(at)) => self.now.max(at),
            (n, _) => self.now + Duration::from_secs(u64::from(n)),
        };
        self.client.handle_timeout(self.now);
    }

    /// Signs in at once: every step of a login that goes well, each line answering the
    /// client's last command.
    fn sign_in(&mut self) {
        let Some(ns) = self.live.first().map(|c| c.id) else {
            return;
        };
        if !self.live[0].connected {
            self.live[0].connected = true;
            self.client.handle_connected(ns, self.now);
        }
        for which in 0..6 {
            self.drain();
            if which == 3 {
                for _ in 0..2 {
                    while let Some((id, request)) = self.http.pop() {
                        let answer = crate::passport::success_answer(&request, TICKET);
                        self.client.handle_http_response(self.now, id, answer);
                    }
                    self.drain();
                }
            }
            let line = self.canned(1, 0, which, 0);
            self.input(0, &line);
        }
    }

    /// API call `which` with `arg`; refusals are expected, but must not leak.
    fn call(&mut self, which: u8, arg: u8) {
        let now = self.now;
        let accounts = [BOB, "carol@example.com", ME];
        let account = passport(accounts[usize::from(arg) % accounts.len()]);
        let conversation = (!self.conversations.is_empty()).then(|| {
            let ids: Vec<_> = self.conversations.keys().copied().collect();
            ids[usize::from(arg) % ids.len()]
        });
        let transfer = (!self.transfers.is_empty()).then(|| {
            let ids: Vec<_> = self.transfers.keys().copied().collect();
            ids[usize::from(arg) % ids.len()]
        });
        let list = [List::Forward, List::Allow, List::Block, List::Reverse][usize::from(arg % 4)];
        self.note(|| format!("call {} {arg}", which % 24));
        let c = &mut self.client;
        let result: Result<Made, crate::client::ClientError> = match which % 24 {
            0 => c.send_message(now, &account, "hi there").map(Made::Handle),
            1 => match conversation {
                Some(id) => c.send_to_conversation(now, id, "to all").map(Made::Handle),
                None => Ok(Made::Nothing),
            },
            2 => match conversation {
                Some(id) => c.invite(now, id, &account).map(|()| Made::Nothing),
                None => Ok(Made::Nothing),
            },
            3 => match conversation {
                Some(id) => c.leave(now, id).map(|()| Made::Nothing),
                None => Ok(Made::Nothing),
            },
            4 => c
                .set_status(now, Status::ALL[usize::from(arg) % Status::ALL.len()])
                .map(|_| Made::Nothing),
            5 => c.add_contact(now, list, &account).map(|_| Made::Nothing),
            6 => c.remove_contact(now, list, &account).map(|_| Made::Nothing),
            7 => c.block(now, &account).map(|_| Made::Nothing),
            8 => c.unblock(now, &account).map(|_| Made::Nothing),
            9 => {
                let object = bob_picture(arg % 2 == 1);
                c.request_display_picture(now, &account, &object)
                    .map(|id| Made::Transfer(id, object.size(), true, true))
            }
            10 => {
                let size = u64::from(arg % 8) * 50;
                c.send_file(now, &account, "f.txt", size)
                    .map(|id| Made::Transfer(id, size, false, false))
            }
            11 => {
                let size = u64::from(arg % 8) * 50;
                c.send_file_msnftp(now, &account, "f.txt", size)
                    .map(|id| Made::Transfer(id, size, false, false))
            }
            12 => match transfer {
                Some(id) => {
                    let data = vec![b'd'; usize::from(arg) * 2];
                    c.write_transfer(id, &data)
                        .map(|n| Made::Written(id, n, data.len()))
                }
                None => Ok(Made::Nothing),
            },
            13 => transfer
                .map_or(Ok(()), |id| c.accept_transfer(now, id))
                .map(|()| Made::Nothing),
            14 => transfer
                .map_or(Ok(()), |id| c.decline_transfer(now, id))
                .map(|()| Made::Nothing),
            15 => transfer
                .map_or(Ok(()), |id| c.cancel_transfer(now, id))
                .map(|()| Made::Nothing),
            16 => c.set_personal_message(now, "busy").map(|_| Made::Nothing),
            17 => c.logout(now).map(|()| Made::Nothing),
            18 => conversation
                .map_or(Ok(()), |id| c.send_typing(now, id))
                .map(|()| Made::Nothing),
            19 => c
                .set_display_picture(now, vec![b'p'; usize::from(arg) * 5])
                .map(|_| Made::Nothing),
            20 => match conversation {
                Some(id) if arg.is_multiple_of(2) => c
                    .send_invitation(now, id, &Invitation::file_transfer(5, "x.txt", 4))
                    .map(Made::Handle),
                Some(id) => c.decline_invitation(now, id, PEER_COOKIE).map(Made::Handle),
                None => Ok(Made::Nothing),
            },
            21 => match conversation {
                Some(id) => c
                    .send_payload(
                        now,
                        id,
                        b"MIME-Version: 1.0\r\nContent-Type: text/x-clientcaps\r\n\r\nClient-Name: fuzz\r\n",
                        [
                            Delivery::Acknowledged,
                            Delivery::FailuresOnly,
                            Delivery::Unconfirmed,
                        ][usize::from(arg % 3)],
                    )
                    .map(Made::Handle),
                None => Ok(Made::Nothing),
            },
            22 => c.set_name(now, "New Me").map(|_| Made::Nothing),
            _ => c.accept_contact(now, &account).map(|_| Made::Nothing),
        };
        match result {
            Ok(Made::Nothing) => {}
            Ok(Made::Handle(handle)) => self.issued(handle),
            Ok(Made::Transfer(id, size, incoming, picture)) => {
                self.started(id, Some(size), incoming, picture)
            }
            Ok(Made::Written(id, n, given)) => {
                assert!(n <= given, "took more than given");
                if let Some(t) = self.transfers.get_mut(&id) {
                    t.written += n as u64;
                    if let Some(size) = t.size {
                        assert!(t.written <= size, "{id} took more than its size");
                    }
                }
            }
            Err(error) => {
                self.note(|| format!("refused: {error}"));
                self.check_text(&format!("{error:?}"));
                self.check_text(&error.to_string());
            }
        }
    }

    fn issued(&mut self, handle: MessageHandle) {
        assert!(
            self.handles.insert(handle, false).is_none(),
            "{handle:?} handed out twice"
        );
    }

    fn started(&mut self, id: TransferId, size: Option<u64>, incoming: bool, picture: bool) {
        let fresh = Transfer {
            size,
            incoming,
            picture,
            ..Transfer::default()
        };
        assert!(
            self.transfers.insert(id, fresh).is_none(),
            "{id} handed out twice"
        );
    }

    /// The P2P peer: `what % 4` is 0 to read what the client sent it on `k` and answer
    /// there, 1 to ask for the user's display picture, 2 to offer a file, 3 to let its
    /// time pass; each then answers as 0 does.
    fn bob(&mut self, what: u8, k: u8) {
        let Some(i) = self.live_index(k) else { return };
        let now = self.now;
        match what % 4 {
            1 => {
                if let Some((object, _)) = self.client.display_picture() {
                    let context = object.to_base64_context();
                    let size = object.size();
                    let _ = self.bob.request_display_picture(now, &context, Some(size));
                }
            }
            2 => {
                let _ = self
                    .bob
                    .send_file(now, FileContext::new("b.txt", u64::from(what / 4) * 40));
            }
            3 => self.bob.handle_timeout(now),
            _ => {}
        }
        for payload in std::mem::take(&mut self.live[i].p2p) {
            self.bob.handle_input(now, &payload);
        }
        let mut wire = Vec::new();
        for _ in 0..BUDGET {
            match self.bob.poll_output() {
                Output::Transmit(payload) => wire.extend(relayed(payload)),
                Output::Event(P2pEvent::Invited { transfer, kind, .. }) => {
                    let size = match kind {
                        p2p::TransferKind::DisplayPicture => PICTURE.len() as u64,
                        _ => 0,
                    };
                    let _ = self.bob.accept(now, transfer, size);
                }
                Output::Event(P2pEvent::SendReady { transfer, total }) => {
                    let data: Vec<u8> = PICTURE.iter().copied().cycle().take(total as usize).collect();
                    let _ = self.bob.send_data(now, transfer, &data);
                }
                Output::Event(_) => {}
                Output::Idle { .. } => break,
            }
            // Bounded by Bob's own window; a bigger answer goes in the next operation.
            if wire.len() > 64 * 1024 {
                break;
            }
        }
        if !wire.is_empty() {
            self.input(k, &wire);
        }
    }

    /// Drains the client, checking every output.
    fn drain(&mut self) {
        for _ in 0..BUDGET {
            let shown = format!("{:?}", self.client);
            self.check_text(&shown);
            // The counts the client's `Debug` shows are what its bounds are about.
            let held = count(&shown, "outputs");
            assert!(held <= self.max_held, "the client holds {held} outputs: {shown}");
            assert!(
                count(&shown, "switchboards") + count(&shown, "switchboards_requested")
                    <= self.max_switchboards,
                "too many switchboards: {shown}"
            );
            assert!(
                count(&shown, "texts_waiting") <= self.max_queued,
                "too many texts waiting: {shown}"
            );
            match self.client.poll_output() {
                ClientOutput::Transmit { conn, bytes } => {
                    assert!(!bytes.is_empty(), "an empty transmit");
                    let bytes = bytes.to_vec();
                    self.note(|| format!("{conn:?} > {}", String::from_utf8_lossy(&bytes).escape_debug()));
                    self.transmitted(conn, &bytes);
                }
                ClientOutput::Idle { next_timeout } => {
                    self.next_timeout = next_timeout;
                    assert!(
                        self.live.len() <= self.max_live,
                        "{} connections",
                        self.live.len()
                    );
                    assert!(
                        self.http.len() <= 2,
                        "{} Passport requests at once",
                        self.http.len()
                    );
                    return;
                }
                output => {
                    let output = owned(output);
                    let shown = format!("{output:?}");
                    self.check_text(&shown);
                    self.note(|| shown);
                    self.output(output);
                }
            }
        }
        panic!("poll_output did not reach Idle within {BUDGET} calls");
    }

    fn output(&mut self, output: ClientOutput<'static>) {
        match output {
            ClientOutput::Connect { conn, addr } => {
                let role = match (addr.host(), addr.port()) {
                    (_, 6891) => 3,
                    ("10.0.0.3" | "10.0.0.4", _) => 2,
                    _ => 1,
                };
                self.opened(conn, role);
            }
            ClientOutput::Listen { conn, .. } => self.opened(conn, 3),
            ClientOutput::Close { conn } => {
                let known = self.live.iter().any(|c| c.id == conn) || self.dead.contains(&conn);
                assert!(known, "Close of {conn:?}, which the client never opened");
                self.forget(conn);
            }
            ClientOutput::HttpRequest { id, request } => {
                assert!(!self.session_ended, "a Passport request after the session ended");
                self.http.push((id, request));
            }
            ClientOutput::Event(event) => self.event(event),
            ClientOutput::Transmit { .. } | ClientOutput::Idle { .. } => {}
        }
    }

    fn opened(&mut self, conn: ConnId, role: u8) {
        assert!(
            !self.session_ended,
            "a connection asked for after the session ended"
        );
        assert!(
            !self.dead.contains(&conn) && self.live.iter().all(|c| c.id != conn),
            "{conn:?} reused"
        );
        self.live.push(Live {
            id: conn,
            role,
            connected: false,
            trids: Vec::new(),
            sent: Vec::new(),
            p2p: Vec::new(),
        });
    }

    /// Bytes the client wrote on `conn`: only on an open connection. Command lines are
    /// read for their transaction ids, cookies and P2P payloads.
    fn transmitted(&mut self, conn: ConnId, bytes: &[u8]) {
        let Some(live) = self.live.iter_mut().find(|c| c.id == conn) else {
            panic!("{} bytes for {conn:?}, which is not open", bytes.len());
        };
        assert!(
            live.connected,
            "{} bytes for {conn:?} before it connected",
            bytes.len()
        );
        if live.role == 3 {
            return;
        }
        live.sent.extend_from_slice(bytes);
        let mut learned = Vec::new();
        let mut cookie = None;
        while let Some(end) = live.sent.windows(2).position(|w| w == b"\r\n") {
            let line = String::from_utf8_lossy(&live.sent[..end]).into_owned();
            let words: Vec<&str> = line.split(' ').collect();
            let len = match words.first() {
                Some(&("MSG" | "UUX" | "QRY" | "ADL" | "RML" | "UUN")) => {
                    words.last().and_then(|n| n.parse::<usize>().ok()).unwrap_or(0)
                }
                _ => 0,
            };
            if live.sent.len() < end + 2 + len {
                break;
            }
            let payload: Vec<u8> = live.sent[end + 2..end + 2 + len].to_vec();
            live.sent.drain(..end + 2 + len);
            if let Some(trid) = words.get(1).filter(|t| t.parse::<u32>().is_ok()) {
                live.trids.push((*trid).to_owned());
                if live.trids.len() > 4 {
                    live.trids.remove(0);
                }
            }
            let text = String::from_utf8_lossy(&payload);
            if text.contains("application/x-msnmsgrp2p") {
                if live.p2p.len() < 64 {
                    live.p2p.push(payload);
                }
                continue;
            }
            for field in text.split("\r\n") {
                if let Some(v) = field.strip_prefix("Invitation-Cookie: ") {
                    cookie = v.parse().ok().or(cookie);
                }
                if let Some(v) = field.strip_prefix("AuthCookie: ") {
                    learned.extend(v.parse::<u32>().ok());
                }
            }
        }
        // Bounded: a command line longer than this is not one the client writes.
        if live.sent.len() > 1 << 20 {
            live.sent.clear();
        }
        self.cookie = cookie.or(self.cookie);
        if let Some(&auth) = learned.last() {
            self.auth = Some(auth);
        }
        for auth in learned {
            let auth = auth.to_string();
            if !self.secrets.contains(&auth) {
                self.secrets.push(auth);
            }
        }
    }

    fn check_text(&self, text: &str) {
        for secret in &self.secrets {
            assert!(!text.contains(secret.as_str()), "a secret shows: {text}");
            let bytes = format!("{:?}", secret.as_bytes());
            let bytes = &bytes[1..bytes.len() - 1];
            assert!(!text.contains(bytes), "a secret's bytes show: {text}");
        }
    }

    fn end_message(&mut self, handle: MessageHandle) {
        match self.handles.get_mut(&handle) {
            Some(ended) => {
                assert!(!*ended, "{handle:?} ended twice");
                *ended = true;
            }
            None => panic!("{handle:?} ended, but was never handed out"),
        }
    }

    fn transfer(&mut self, id: TransferId) -> &mut Transfer {
        let Some(transfer) = self.transfers.get_mut(&id) else {
            panic!("an event for {id}, which was never started nor offered");
        };
        assert!(!transfer.ended, "an event for {id} after its end");
        transfer
    }

    fn conversation(&self, id: ConversationId) {
        match self.conversations.get(&id) {
            Some(false) => {}
            Some(true) => panic!("an event for {id:?} after it ended"),
            None => panic!("an event for {id:?}, which never started"),
        }
    }

    fn event(&mut self, event: ClientEvent) {
        assert!(!self.session_ended, "an event after SessionEnded: {event:?}");
        let shown = format!("{event:?}");
        let kind = shown.split([' ', '(']).next().unwrap_or_default();
        if !self.seen.contains(kind) {
            self.seen.insert(kind.to_owned());
        }
        let delivered = self.delivered;
        match event {
            ClientEvent::SessionEnded { .. } => self.session_ended = true,
            ClientEvent::ConversationStarted { conversation, .. } => {
                let fresh = self.conversations.insert(conversation, false).is_none();
                assert!(fresh, "{conversation:?} started twice");
            }
            ClientEvent::ConversationEnded { conversation, .. } => {
                self.conversation(conversation);
                self.conversations.insert(conversation, true);
            }
            ClientEvent::Joined { conversation, .. }
            | ClientEvent::Left { conversation, .. }
            | ClientEvent::InviteFailed { conversation, .. }
            | ClientEvent::TextReceived { conversation, .. }
            | ClientEvent::Typing { conversation, .. }
            | ClientEvent::InvitationReceived { conversation, .. }
            | ClientEvent::MessageReceived { conversation, .. } => self.conversation(conversation),
            ClientEvent::MessageDelivered { handle }
            | ClientEvent::MessageSentUnconfirmed { handle }
            | ClientEvent::MessageNotDelivered { handle, .. } => self.end_message(handle),
            ClientEvent::TransferOffered { id, size, .. } => self.started(id, Some(size), true, false),
            ClientEvent::TransferAccepted { id } => {
                self.transfer(id);
            }
            ClientEvent::TransferProgress { id, done, total } => {
                let t = self.transfer(id);
                assert!(done <= total, "{id}: {done} of {total}");
                if let Some((before, was)) = t.progress {
                    assert!(done >= before, "{id} went back from {before} to {done}");
                    assert_eq!(total, was, "{id}'s total changed");
                }
                if !t.picture {
                    assert_eq!(Some(total), t.size, "{id}'s total is not its size");
                }
                if t.incoming {
                    assert!(
                        done <= delivered,
                        "{id} received {done} of {delivered} bytes delivered"
                    );
                } else {
                    assert!(done <= t.written, "{id} sent {done} of {} written", t.written);
                }
                t.progress = Some((done, total));
            }
            ClientEvent::TransferData { id, bytes } => {
                let t = self.transfer(id);
                assert!(t.incoming && !t.picture, "data for {id}, which is not received");
                assert!(!bytes.is_empty(), "empty data for {id}");
                t.data += bytes.len() as u64;
                assert!(t.data <= delivered, "{id} received more than was delivered");
                assert!(t.data <= t.size.unwrap_or(0), "{id} received more than its size");
            }
            ClientEvent::DisplayPicture { id, object, data, .. } => {
                let t = self.transfer(id);
                assert!(t.picture, "a picture for {id}, which asked for none");
                assert_eq!(data.len() as u64, object.size(), "a picture of another size");
                assert!(t.data == 0, "two pictures for {id}");
                t.data = data.len() as u64;
            }
            ClientEvent::TransferEnded { id, result } => {
                let t = self.transfer(id);
                t.ended = true;
                if let Ok(bytes) = result {
                    assert_eq!(Some(bytes), t.size, "{id} ended with {bytes} bytes");
                    if t.incoming {
                        assert_eq!(t.data, bytes, "{id} succeeded without its data");
                    } else {
                        assert_eq!(t.written, bytes, "{id} succeeded with bytes never written");
                    }
                }
            }
            _ => {}
        }
    }

    /// Ends the run: every connection closes, Passport fails, time passes; then the
    /// session must be over and every message and transfer have ended.
    fn finish(&mut self) {
        for _ in 0..8 {
            while let Some(live) = self.live.pop() {
                self.dead.insert(live.id);
                self.client.handle_closed(live.id, self.now);
            }
            while let Some((id, _)) = self.http.pop() {
                self.client.handle_http_failed(self.now, id, "gone".to_owned());
            }
            self.drain();
            self.now += Duration::from_secs(3600);
            self.client.handle_timeout(self.now);
            self.drain();
        }
        assert!(self.live.is_empty(), "the client keeps asking for connections");
        assert!(self.client.is_closed(), "the session outlived its connections");
        assert!(self.session_ended, "no SessionEnded");
        for (handle, ended) in &self.handles {
            assert!(*ended, "{handle:?} never ended");
        }
        for (id, transfer) in &self.transfers {
            assert!(transfer.ended, "{id} never ended");
        }
    }
}
