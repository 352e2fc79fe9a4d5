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
//! Accounts: `example@passport.com` (password `password`, "example display name").
//! Events are the server's [`ServerEvent`]s; `Close` outputs show as the `Closed` event
//! that precedes them.

use std::time::Instant;

use msnp::Output;
use msnp::server::{ConnId, Listener, Server, ServerEvent, ServerOutput};
use msnp::testing::transcript::{Scripted, run_dir};

struct OneConnection {
    server: Server,
    conn: Option<ConnId>,
    sent: Vec<u8>,
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
        OneConnection {
            server,
            conn: None,
            sent: Vec::new(),
        }
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
            return match self.server.poll_output() {
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
