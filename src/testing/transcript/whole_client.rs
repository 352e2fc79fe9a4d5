//! Whole-[`Client`] transcripts: one client, many connections, each byte line naming
//! its connection (see [`run_client`]).

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::fmt::Write as _;
use std::time::Instant;

use super::{
    ConnStep, HTTP, SPLIT_RUNS, Splits, Step, TranscriptError, called, escape, next_event, parse, run_each,
    timeout_is,
};
use crate::client::{Client, ClientOutput, ConnId, HttpId};
use crate::codec::HostPort;
use crate::passport::HttpResponse;

/// Runs every `*.txt` whole-[`Client`] transcript in `dir` with [`run_client`],
/// reporting all failures together.
///
/// # Panics
///
/// As [`run_dir`](super::run_dir): meant to be called from a `#[test]`.
pub fn run_client_dir(
    dir: impl AsRef<std::path::Path>,
    make: impl Fn(Instant) -> Client,
    call: impl Fn(&mut Client, Instant, &str) -> Result<(), String>,
) {
    run_each(dir.as_ref(), |script| run_client(&make, &call, script));
}

/// What a [`Client`] asked that concerns connections, in the order it asked: each
/// `+` and `-` line takes the next.
#[derive(Debug)]
enum Action {
    Connect { conn: ConnId, addr: String },
    Listen { conn: ConnId, toward: String },
    Close { conn: ConnId },
}

/// A whole-`Client` replay: bytes sent per connection name, connection actions,
/// Passport requests awaiting their answer, and events.
struct ClientReplay<'c> {
    client: Client,
    call: &'c dyn Fn(&mut Client, Instant, &str) -> Result<(), String>,
    now: Instant,
    /// Each name's current connection.
    names: HashMap<String, ConnId>,
    /// Every connection's name, kept after it closes or the name moves on (a
    /// referral's new `ns`): the old one's close still reads `ns-`.
    named: HashMap<ConnId, String>,
    /// The connections the client asked to listen for, which a bare `name+` opens.
    listened: HashSet<ConnId>,
    sent: BTreeMap<String, VecDeque<u8>>,
    actions: VecDeque<Action>,
    http: VecDeque<HttpId>,
    events: VecDeque<String>,
    next_timeout: Option<Instant>,
}

impl ClientReplay<'_> {
    /// Drains the client; a client that never goes idle is a failure, not a hang.
    fn drain(&mut self) -> Result<(), String> {
        for _ in 0..100_000 {
            match self.client.poll_output() {
                ClientOutput::Connect { conn, addr } => self.actions.push_back(Action::Connect {
                    conn,
                    addr: addr.to_string(),
                }),
                ClientOutput::Transmit { conn, bytes } => {
                    let name = self.named.get(&conn).ok_or_else(|| {
                        format!("bytes sent on {conn:?}, which no line opened: {}", escape(bytes))
                    })?;
                    self.sent
                        .entry(name.clone())
                        .or_default()
                        .extend(bytes.iter().copied());
                }
                ClientOutput::Listen { conn, toward } => self.actions.push_back(Action::Listen {
                    conn,
                    toward: toward.to_string(),
                }),
                ClientOutput::Close { conn } => self.actions.push_back(Action::Close { conn }),
                ClientOutput::HttpRequest { id, request } => {
                    let mut bytes = Vec::new();
                    request.encode(&mut bytes);
                    self.sent.entry(HTTP.to_owned()).or_default().extend(bytes);
                    self.http.push_back(id);
                }
                ClientOutput::Event(event) => self.events.push_back(format!("{event:?}")),
                ClientOutput::Idle { next_timeout } => {
                    self.next_timeout = next_timeout;
                    return Ok(());
                }
            }
        }
        Err("poll_output never returned Idle".into())
    }

    fn conn(&self, name: &str) -> Result<ConnId, String> {
        self.names
            .get(name)
            .copied()
            .ok_or_else(|| format!("no line opened `{name}`"))
    }

    fn step(&mut self, step: &Step, splits: Option<&mut Splits>) -> Result<(), String> {
        let Step::On { conn: name, step } = step else {
            return self.shared_step(step);
        };
        match step {
            ConnStep::Sent(expected) => {
                let queue = self.sent.entry(name.clone()).or_default();
                let take = expected.len().min(queue.len());
                let got: Vec<u8> = queue.drain(..take).collect();
                if &got != expected {
                    // Enough to write the next line from: a Passport request is long.
                    let more: Vec<u8> = queue.iter().copied().take(2000).collect();
                    return Err(format!(
                        "expected the client to send on `{name}`\n  {}\nbut it sent\n  {}{}",
                        escape(expected),
                        escape(&got),
                        if more.is_empty() {
                            String::new()
                        } else {
                            format!("  (then {})", escape(&more))
                        }
                    ));
                }
            }
            ConnStep::Received(bytes) if name == HTTP => {
                let id = self
                    .http
                    .pop_front()
                    .ok_or("no Passport request awaits an answer")?;
                let response = HttpResponse::parse_head(bytes).map_err(|e| e.to_string())?;
                self.client.handle_http_response(self.now, id, response);
                self.drain()?;
            }
            ConnStep::Received(bytes) => {
                let conn = self.conn(name)?;
                match splits {
                    None => {
                        self.client.handle_input(conn, self.now, bytes);
                        self.drain()?;
                    }
                    Some(splits) => {
                        let mut rest = &bytes[..];
                        for piece in splits.pieces(bytes.len()) {
                            let (chunk, tail) = rest.split_at(piece);
                            self.client.handle_input(conn, self.now, chunk);
                            self.drain()?;
                            rest = tail;
                        }
                    }
                }
            }
            ConnStep::Opened { addr, fails } => match self.actions.pop_front() {
                Some(Action::Connect { conn, addr: asked }) if &asked == addr => {
                    self.names.insert(name.clone(), conn);
                    self.named.insert(conn, name.clone());
                    if *fails {
                        self.client.handle_connect_failed(conn, self.now);
                    } else {
                        self.client.handle_connected(conn, self.now);
                    }
                    self.drain()?;
                }
                other => {
                    return Err(format!(
                        "expected the client to open {addr}, but it asked {other:?}"
                    ));
                }
            },
            ConnStep::Listening { toward, at } => match self.actions.pop_front() {
                Some(Action::Listen { conn, toward: asked }) if &asked == toward => {
                    self.names.insert(name.clone(), conn);
                    self.named.insert(conn, name.clone());
                    self.listened.insert(conn);
                    match at {
                        Some(at) => {
                            let at = HostPort::parse(at).ok_or_else(|| format!("`{at}` is no host:port"))?;
                            self.client.handle_listening(conn, self.now, &at);
                        }
                        None => self.client.handle_connect_failed(conn, self.now),
                    }
                    self.drain()?;
                }
                other => {
                    return Err(format!(
                        "expected the client to listen toward {toward}, but it asked {other:?}"
                    ));
                }
            },
            ConnStep::PeerConnected => {
                let conn = self.conn(name)?;
                if !self.listened.contains(&conn) {
                    return Err(format!(
                        "`{name}+` with no address is a peer connecting, but the client never listened for `{name}`"
                    ));
                }
                self.client.handle_connected(conn, self.now);
                self.drain()?;
            }
            ConnStep::ClientClosed => match self.actions.pop_front() {
                Some(Action::Close { conn }) if self.named.get(&conn) == Some(name) => {}
                other => {
                    return Err(format!(
                        "expected the client to close `{name}`, but it asked {other:?}"
                    ));
                }
            },
            ConnStep::PeerClosed(reason) if name == HTTP => {
                let id = self
                    .http
                    .pop_front()
                    .ok_or("no Passport request awaits an answer")?;
                self.client.handle_http_failed(self.now, id, reason.clone());
                self.drain()?;
            }
            ConnStep::PeerClosed(_) => {
                let conn = self.conn(name)?;
                self.client.handle_closed(conn, self.now);
                self.drain()?;
            }
        }
        Ok(())
    }

    /// The steps whole-`Client` transcripts share with the others.
    fn shared_step(&mut self, step: &Step) -> Result<(), String> {
        match step {
            Step::Event(expected) => next_event(&mut self.events, expected)?,
            Step::Call { call, must_fail } => {
                called((self.call)(&mut self.client, self.now, call), call, *must_fail)?;
                self.drain()?;
            }
            Step::Advance(by) => {
                self.now += *by;
                self.client.handle_timeout(self.now);
                self.drain()?;
            }
            Step::NextTimeout(expected) => timeout_is(self.next_timeout, self.now, *expected, "the client")?,
            Step::Client(_) | Step::Server(_) | Step::Closed => {
                return Err(format!(
                    "`{step}` names no connection: a whole-Client transcript writes `ns>`, `sb1<`, `ns!`…"
                ));
            }
            Step::On { .. } => {}
        }
        Ok(())
    }

    fn leftovers(&self) -> String {
        let mut leftovers = String::new();
        for (name, queue) in &self.sent {
            if !queue.is_empty() {
                let sent: Vec<u8> = queue.iter().copied().collect();
                let _ = write!(
                    leftovers,
                    "\nunexpected bytes sent on `{name}`: {}",
                    escape(&sent)
                );
            }
        }
        for action in &self.actions {
            let _ = write!(leftovers, "\nunexpected connection output: {action:?}");
        }
        for event in &self.events {
            let _ = write!(leftovers, "\nunexpected event: {event}");
        }
        leftovers
    }
}

fn replay_client(
    make: &impl Fn(Instant) -> Client,
    call: &dyn Fn(&mut Client, Instant, &str) -> Result<(), String>,
    steps: &[(usize, Step)],
    mut splits: Option<Splits>,
) -> Result<(), TranscriptError> {
    let now = Instant::now();
    let mut replay = ClientReplay {
        client: make(now),
        call,
        now,
        names: HashMap::new(),
        named: HashMap::new(),
        listened: HashSet::new(),
        sent: BTreeMap::new(),
        actions: VecDeque::new(),
        http: VecDeque::new(),
        events: VecDeque::new(),
        next_timeout: None,
    };
    replay
        .drain()
        .map_err(|message| TranscriptError { line: 0, message })?;
    for (line, step) in steps {
        replay
            .step(step, splits.as_mut())
            .map_err(|message| TranscriptError { line: *line, message })?;
    }
    let leftovers = replay.leftovers();
    if leftovers.is_empty() {
        Ok(())
    } else {
        Err(TranscriptError {
            line: 0,
            message: format!("at the end of the transcript:{leftovers}"),
        })
    }
}

/// Replays a whole-[`Client`] transcript against a client made by `make`, as written
/// and then [`SPLIT_RUNS`] times with every connection's server bytes split at random
/// points; `> call` lines are performed by `call` (for the crate's own mini-language,
/// [`client::call`](crate::testing::client::call)).
///
/// A whole-`Client` transcript names the connection of each byte: `ns> bytes` is what
/// the client must send on the connection named `ns`, `ns< bytes` what its server
/// sends; `ns+ host:port` expects the client to open a connection there (naming it
/// `ns`, and reporting it opened; `ns+! host:port` reports it failed), `ns-` expects the
/// client to close it, `ns!` closes it from the server's side. `ft~ toward addr`
/// expects the client to ask to listen for a peer on the local address toward
/// `toward` (a switchboard's `host:port`), names that connection `ft` and reports it
/// listening at `addr` ([`Client::handle_listening`]); `ft~! toward` reports that
/// nothing could listen ([`Client::handle_connect_failed`]); `ft+`, with no address,
/// is the peer connecting there ([`Client::handle_connected`]). `http> bytes` is the
/// next Passport request as HTTP bytes, `http< head` its answer (an HTTP response
/// head) and `http! reason` its failure. `E:`, `T:`, `N:` and `> call` lines read as in
/// the other transcripts. Names are the author's: `ns` for the notification role
/// (the dispatch and the server it refers to), `sb1`, `sb2`… by order of opening.
pub fn run_client(
    make: impl Fn(Instant) -> Client,
    call: impl Fn(&mut Client, Instant, &str) -> Result<(), String>,
    script: &str,
) -> Result<(), TranscriptError> {
    let steps = parse(script)?;
    replay_client(&make, &call, &steps, None)?;
    for seed in 0..SPLIT_RUNS {
        run_client_split(&make, &call, &steps, seed)?;
    }
    Ok(())
}

/// [`run_client`]'s replay with server bytes split by the generator seeded with
/// `seed` only, for property tests that pick the seeds.
pub fn run_client_with_splits(
    make: impl Fn(Instant) -> Client,
    call: impl Fn(&mut Client, Instant, &str) -> Result<(), String>,
    script: &str,
    seed: u64,
) -> Result<(), TranscriptError> {
    let steps = parse(script)?;
    run_client_split(&make, &call, &steps, seed)
}

fn run_client_split(
    make: &impl Fn(Instant) -> Client,
    call: &dyn Fn(&mut Client, Instant, &str) -> Result<(), String>,
    steps: &[(usize, Step)],
    seed: u64,
) -> Result<(), TranscriptError> {
    replay_client(make, call, steps, Some(Splits(seed))).map_err(|e| TranscriptError {
        line: e.line,
        message: format!("with input split by seed {seed}: {}", e.message),
    })
}
