//! Bots on the blocking driver against the crate's `LoopbackServer` over loopback TCP:
//! signing in, waiting for one event among others (every wait bounded by `STEP`, so a
//! regression fails with a message instead of hanging CI), and files to send.

#![allow(dead_code)]

use std::cell::RefCell;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

use msnp::Secret;
use msnp::blocking::{Bot, Events, RecvTimeoutError, connect};
use msnp::client::ClientEvent;
use msnp::codec::{HostPort, Passport, Status};
use msnp::drivers::DriverConfig;
use msnp::server::std_driver::LoopbackServer;

/// The longest any one step may take.
pub const STEP: Duration = Duration::from_secs(10);

pub const ALICE: (&str, &str, &str) = ("alice@example.com", "alice pw", "Alice");
pub const BOB: (&str, &str, &str) = ("bob@example.com", "bob pw", "Bob");
pub const CAROL: (&str, &str, &str) = ("carol@example.com", "carol pw", "Carol");

pub fn passport(account: &str) -> Passport<'static> {
    Passport::try_from(account.to_owned()).unwrap()
}

/// A server with these accounts (account, password, name).
pub fn start(accounts: &[(&str, &str, &str)]) -> LoopbackServer {
    LoopbackServer::start(|server| {
        for (account, password, name) in accounts {
            server.add_account(account, password, name)?;
        }
        Ok(())
    })
    .unwrap()
}

/// Settings for a bot of `server`: its dispatch server, and Passport over plain HTTP.
pub fn config(server: &LoopbackServer) -> DriverConfig {
    let mut config = DriverConfig::default();
    config.client.server = HostPort::parse(&server.dispatch_addr().to_string())
        .unwrap()
        .into_owned();
    config.client.passport.nexus_url = server.nexus_url();
    config.allow_http_passport = true;
    config
}

/// A bot, its events, and those a wait passed over, for the next waits.
pub struct Peer {
    pub bot: Bot,
    pub events: Events,
    pub passed: RefCell<VecDeque<ClientEvent>>,
}

impl Peer {
    /// The first event `wanted` picks, among those passed over and then the new ones;
    /// fails after `STEP` or at the end of the session.
    pub fn expect<T>(&self, what: &str, mut wanted: impl FnMut(&ClientEvent) -> Option<T>) -> T {
        let mut passed = self.passed.borrow_mut();
        if let Some((at, found)) = passed
            .iter()
            .enumerate()
            .find_map(|(at, e)| Some((at, wanted(e)?)))
        {
            passed.remove(at);
            return found;
        }
        let deadline = Instant::now() + STEP;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.events.recv_timeout(left) {
                Ok(event) => match wanted(&event) {
                    Some(found) => return found,
                    None => passed.push_back(event),
                },
                Err(RecvTimeoutError::Timeout) => panic!("no {what} within {STEP:?}"),
                Err(RecvTimeoutError::Disconnected) => panic!("the session ended before {what}"),
            }
        }
    }
}

/// Connects `who` (account, password, name); not yet waiting for anything.
pub fn peer((account, password, _): (&str, &str, &str), config: DriverConfig) -> Peer {
    let (bot, events) = connect(config, account, Secret::new(password.to_owned())).unwrap();
    Peer {
        bot,
        events,
        passed: RefCell::default(),
    }
}

/// Waits until `peer` is signed in and online.
pub fn online(peer: &Peer) {
    peer.expect("sign-in", |e| {
        matches!(e, ClientEvent::LoggedIn { .. }).then_some(())
    });
    peer.expect("the first status", |e| match e {
        ClientEvent::StatusChanged {
            status: Status::Online,
        } => Some(()),
        _ => None,
    });
}

/// Connects `who` with `config` and waits until it is signed in and online.
pub fn sign_in_with(who: (&str, &str, &str), config: DriverConfig) -> Peer {
    let peer = peer(who, config);
    online(&peer);
    peer
}

/// Signs `who` in to `server` with the default settings and waits until it is online.
pub fn sign_in(server: &LoopbackServer, who: (&str, &str, &str)) -> Peer {
    sign_in_with(who, config(server))
}

/// The next presence `peer` is told of `of`.
pub fn presence(peer: &Peer, of: &str) -> Status {
    let of = passport(of);
    peer.expect(&format!("the presence of {of}"), |e| match e {
        ClientEvent::ContactPresence { account, status, .. } if account.same_account(&of) => Some(*status),
        _ => None,
    })
}

/// `len` bytes of a xorshift stream: incompressible, and different for each seed.
pub fn random_file(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).into()
}
