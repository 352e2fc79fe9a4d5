//! Replays `tests/transcripts/server/*.txt` against one connection of a [`Server`].
//!
//! The machine under test is the server, so the roles of the transcript format turn
//! around: `C:` lines are what the *server* transmits on the connection, `S:` lines
//! what the client sends it. Mini-language:
//!
//! - `accept ds|ns|sb`: open the connection under test on that listener;
//! - `ticket <trid> <account>`: the client sends `USR <trid> TWN S <ticket>` with a
//!   ticket the in-memory Passport issued for the account.
//!
//! - `peer <account> <MSNPn> [<status> <caps> [<msnobj>]]`: another connection signs
//!   `<account>` in speaking that dialect (answering MSNP8's challenge), and with a
//!   status sets its presence; its own output is not checked;
//! - `sb <name>`: another connection opens on the switchboard, a peer named `<name>`;
//! - `as <peer> <bytes>`: that peer sends these bytes (the transcript escapes apply);
//! - `expect <peer> <bytes>`: that peer received exactly these bytes since the last
//!   `expect` (the call fails showing what it did receive);
//! - `list <owner> FL|AL|BL <contact> [group]` and `group <owner> <name>`: edit the
//!   directory directly, as a scenario's setup (nobody is told).
//!
//! Accounts: `example@passport.com` (password `password`, "example display name"),
//! `alice@example.com` ("Alice") and `bob@example.com` ("Bob").
//! Events are the server's [`ServerEvent`]s for the connection under test; `Close`
//! outputs show as the `Closed` event that precedes them.

use std::collections::{HashMap, VecDeque};
use std::time::Instant;

use msnp::Output;
use msnp::codec::{Dialect, EncodedName, GroupId, List};
use msnp::server::{ConnId, Listener, Server, ServerEvent, ServerOutput};
use msnp::testing::transcript::{Scripted, escape, run_dir, unescape};

struct OneConnection {
    server: Server,
    conn: Option<ConnId>,
    sent: Vec<u8>,
    /// Output for the connection under test, drained while a call drove a peer.
    held: VecDeque<ServerOutput>,
    peers: HashMap<String, ConnId>,
    /// What each peer connection received, for the challenge it must answer.
    peer_input: HashMap<ConnId, Vec<u8>>,
}

impl OneConnection {
    fn new(now: Instant) -> Self {
        let mut config = msnp::server::ServerConfig::default();
        config.notification_addr = msnp::codec::HostPort::new("207.46.106.35", 1863).unwrap();
        config.dispatch_addr = msnp::codec::HostPort::new("207.46.104.20", 1863).unwrap();
        let mut server = Server::new(config, now);
        server
            .add_account("example@passport.com", "password", "example display name")
            .unwrap();
        server.add_account("alice@example.com", "alice", "Alice").unwrap();
        server.add_account("bob@example.com", "bob", "Bob").unwrap();
        OneConnection {
            server,
            conn: None,
            sent: Vec::new(),
            held: VecDeque::new(),
            peers: HashMap::new(),
            peer_input: HashMap::new(),
        }
    }

    /// Drains the server: the connection under test's output is held for
    /// `poll_output`, the peers' is kept apart.
    fn drain(&mut self) {
        loop {
            let output = self.server.poll_output();
            let conn = match &output {
                ServerOutput::Idle { .. } => return,
                ServerOutput::Transmit { conn, .. } | ServerOutput::Close { conn } => *conn,
                ServerOutput::Event(
                    ServerEvent::SignedIn { conn, .. } | ServerEvent::Closed { conn, .. },
                ) => *conn,
                ServerOutput::Event(_) => continue,
            };
            if Some(conn) == self.conn {
                self.held.push_back(output);
            } else if let ServerOutput::Transmit { bytes, .. } = output {
                self.peer_input.entry(conn).or_default().extend_from_slice(&bytes);
            }
        }
    }

    fn peer_send(&mut self, now: Instant, peer: ConnId, bytes: &[u8]) -> Result<(), String> {
        self.server
            .handle_input(peer, now, bytes)
            .map_err(|e| e.to_string())?;
        self.drain();
        Ok(())
    }

    fn peer(&mut self, now: Instant, account: &str, dialect: &str, presence: &[&str]) -> Result<(), String> {
        let dialect: Dialect = dialect.parse().map_err(|_| format!("no dialect {dialect}"))?;
        let peer = self.server.accept(now, Listener::Notification);
        self.peers.insert(account.to_owned(), peer);
        self.peer_send(
            now,
            peer,
            format!("VER 1 {dialect}\r\nUSR 2 TWN I {account}\r\n").as_bytes(),
        )?;
        let ticket = self
            .server
            .verifier_mut()
            .issue_ticket(account)
            .ok_or_else(|| format!("no account {account}"))?;
        self.peer_send(
            now,
            peer,
            format!("USR 3 TWN S {}\r\n", ticket.expose()).as_bytes(),
        )?;
        if presence.is_empty() {
            return Ok(());
        }
        self.peer_send(now, peer, format!("CHG 4 {}\r\n", presence.join(" ")).as_bytes())?;
        let received =
            String::from_utf8_lossy(&self.peer_input.remove(&peer).unwrap_or_default()).into_owned();
        if let Some(challenge) = received
            .split("CHL 0 ")
            .nth(1)
            .and_then(|c| c.split("\r\n").next())
        {
            let digest = msnp::challenge::Product::MSMSGS.answer(challenge);
            self.peer_send(
                now,
                peer,
                format!("QRY 5 msmsgs@msnmsgr.com 32\r\n{digest}").as_bytes(),
            )?;
        }
        // The login is the call's business; `expect` starts after it.
        self.peer_input.remove(&peer);
        Ok(())
    }
}

impl Scripted for OneConnection {
    type Event = ServerEvent;

    fn handle_input(&mut self, now: Instant, bytes: &[u8]) {
        if let Some(conn) = self.conn {
            // A closed connection refuses input; the script's C:/E: lines show why.
            let _ = self.server.handle_input(conn, now, bytes);
        }
    }

    fn handle_timeout(&mut self, now: Instant) {
        self.server.handle_timeout(now);
    }

    fn handle_closed(&mut self, now: Instant) {
        if let Some(conn) = self.conn {
            let _ = self.server.handle_closed(conn, now);
        }
    }

    fn poll_output(&mut self) -> Output<'_, ServerEvent> {
        loop {
            let output = match self.held.pop_front() {
                Some(output) => output,
                None => {
                    let output = self.server.poll_output();
                    match output {
                        // A peer's bytes are kept for `expect`; its other outputs are not
                        // the transcript's.
                        ServerOutput::Transmit { conn, bytes } if Some(conn) != self.conn => {
                            self.peer_input.entry(conn).or_default().extend_from_slice(&bytes);
                            continue;
                        }
                        ServerOutput::Close { conn }
                        | ServerOutput::Event(
                            ServerEvent::SignedIn { conn, .. } | ServerEvent::Closed { conn, .. },
                        ) if Some(conn) != self.conn => continue,
                        output => output,
                    }
                }
            };
            return match output {
                ServerOutput::Transmit { bytes, .. } => {
                    // The server hands out owned bytes; lend them as the clients do.
                    self.sent = bytes;
                    Output::Transmit(&self.sent)
                }
                ServerOutput::Event(event) => Output::Event(event),
                ServerOutput::Close { .. } => continue,
                ServerOutput::Idle { next_timeout } => Output::Idle { next_timeout },
            };
        }
    }

    fn call(&mut self, now: Instant, call: &str) -> Result<(), String> {
        let words: Vec<&str> = call.split(' ').collect();
        match words.as_slice() {
            ["accept", kind] => {
                let listener = match *kind {
                    "ds" => Listener::Dispatch,
                    "ns" => Listener::Notification,
                    "sb" => Listener::Switchboard,
                    other => return Err(format!("unknown listener {other}")),
                };
                self.conn = Some(self.server.accept(now, listener));
                Ok(())
            }
            ["ticket", trid, account] => {
                let ticket = self
                    .server
                    .verifier_mut()
                    .issue_ticket(account)
                    .ok_or_else(|| format!("no account {account}"))?;
                let conn = self.conn.ok_or("no connection")?;
                let line = format!("USR {trid} TWN S {}\r\n", ticket.expose());
                self.server
                    .handle_input(conn, now, line.as_bytes())
                    .map_err(|e| e.to_string())
            }
            ["peer", account, dialect, presence @ ..] => self.peer(now, account, dialect, presence),
            ["as", account, ..] => {
                let peer = *self
                    .peers
                    .get(*account)
                    .ok_or_else(|| format!("no peer {account}"))?;
                let text = call.splitn(3, ' ').nth(2).unwrap_or_default();
                let bytes = unescape(text)?;
                self.peer_send(now, peer, &bytes)
            }
            ["sb", name] => {
                let conn = self.server.accept(now, Listener::Switchboard);
                self.peers.insert((*name).to_owned(), conn);
                Ok(())
            }
            ["expect", name, ..] => {
                let peer = *self.peers.get(*name).ok_or_else(|| format!("no peer {name}"))?;
                let text = call.splitn(3, ' ').nth(2).unwrap_or_default();
                let expected = unescape(text)?;
                let got = self.peer_input.remove(&peer).unwrap_or_default();
                if got == expected {
                    Ok(())
                } else {
                    Err(format!("{name} received {}", escape(&got)))
                }
            }
            ["list", owner, list, contact, group @ ..] => {
                let list = match *list {
                    "FL" => List::Forward,
                    "AL" => List::Allow,
                    "BL" => List::Block,
                    other => return Err(format!("not an editable list: {other}")),
                };
                let group = match group {
                    [] => None,
                    [g] => Some(GroupId(g.parse().map_err(|_| format!("bad group {g}"))?)),
                    _ => return Err("too many words".into()),
                };
                self.server
                    .directory_mut()
                    .add_to_list(owner, list, contact, None, group)
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }
            ["group", owner, name @ ..] => {
                let name = EncodedName::from_text(&name.join(" ")).map_err(|e| e.to_string())?;
                self.server
                    .directory_mut()
                    .add_group(owner, &name)
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }
            _ => Err(format!("unknown call `{call}`")),
        }
    }
}

#[test]
fn server_transcripts() {
    run_dir(
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/transcripts/server"),
        OneConnection::new,
    );
}
