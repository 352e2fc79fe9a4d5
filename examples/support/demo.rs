//! The README's first command (`cargo run --example demo`): two bots sign in to the
//! crate's own server on loopback ports, add each other, chat, and sign out.
//!
//! Everything is real except the Internet: TCP sockets on 127.0.0.1, the dispatch
//! server's referral, Passport 1.4 over plain HTTP, a switchboard per conversation. The
//! script waits for each step to be seen by both sides before it prints it, so the
//! output (apart from port numbers) is the same on every run, and `tests/demo.rs`
//! checks it line by line.

use std::time::Duration;

use msnp::client::CloseReason;
use msnp::client::{ClientConfig, ClientEvent, ConversationId, MessageHandle};
use msnp::codec::{HostPort, List, Passport, Status};
use msnp::server::std_driver::LoopbackServer;

use super::wait::Bots;
use super::{Driver, Login, UreqTransport};

/// The demo's accounts: handle, password, friendly name.
pub const ACCOUNTS: [(&str, &str, &str); 2] = [
    ("alice@example.com", "alice's password", "Alice"),
    ("bob@example.com", "bob's password", "Bob"),
];

/// How long any one step may take before the demo gives up.
const STEP_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs the whole demo, handing each line of its story to `say`; the error is a
/// one-line reason.
pub fn run(say: &mut dyn FnMut(String)) -> Result<(), String> {
    let server = LoopbackServer::start(|server| {
        for (account, password, name) in ACCOUNTS {
            server.add_account(account, password, name)?;
        }
        Ok(())
    })
    .map_err(|e| format!("cannot start the loopback server: {e}"))?;
    say(format!(
        "[server] dispatch {}, notification {}, switchboard {}, Passport {}",
        server.dispatch_addr(),
        server.notification_addr(),
        server.switchboard_addr(),
        server.nexus_url()
    ));

    let http = UreqTransport::new(None)?;
    let mut bots = Bots::new(STEP_TIMEOUT);
    for (account, password, _) in ACCOUNTS {
        let mut config = ClientConfig::default();
        config.server = host_port(&server.dispatch_addr().to_string())?;
        let login = Login::loopback(account, password, &server.nexus_url());
        let driver = Driver::start(config, login, http.clone()).map_err(|e| e.to_string())?;
        let (short, _) = account.split_once('@').unwrap_or((account, ""));
        bots.add(short, driver);
    }
    let (alice, bob) = (0, 1);
    let handles: Vec<Passport<'static>> = ACCOUNTS
        .iter()
        .map(|(account, _, _)| Passport::try_from(*account).map(Passport::into_owned))
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;

    for who in [alice, bob] {
        sign_in(&mut bots, who, say)?;
    }
    for (who, other) in [(alice, bob), (bob, alice)] {
        add_contact(&mut bots, who, other, &handles[other], say)?;
    }

    // The first message opens a switchboard: XFR SB, connect, USR, CAL, RNG, ANS, JOI.
    let to_bob = bots
        .act(alice, |c, now| c.send_message(now, &handles[bob], "hello bob"))
        .map_err(|e| e.to_string())?;
    let at_bob = delivered(&mut bots, alice, bob, to_bob, "hello bob", say)?;
    let to_alice = bots
        .act(bob, |c, now| {
            c.send_to_conversation(now, at_bob, "hi alice! how is the weather on loopback?")
        })
        .map_err(|e| e.to_string())?;
    let at_alice = delivered(
        &mut bots,
        bob,
        alice,
        to_alice,
        "hi alice! how is the weather on loopback?",
        say,
    )?;
    bots.act(alice, |c, now| c.send_typing(now, at_alice))
        .map_err(|e| e.to_string())?;
    bots.expect(bob, "alice typing", |e| match e {
        ClientEvent::Typing { from, .. } if from.same_account(&handles[alice]) => Some(()),
        _ => None,
    })?;
    say(format!("[bob] sees {} typing…", handles[alice]));
    // The same contact again: the open conversation is reused.
    let text = "sunny, 0 ms of latency";
    let to_bob = bots
        .act(alice, |c, now| c.send_message(now, &handles[bob], text))
        .map_err(|e| e.to_string())?;
    delivered(&mut bots, alice, bob, to_bob, text, say)?;
    let text = "bye!";
    let to_alice = bots
        .act(bob, |c, now| c.send_to_conversation(now, at_bob, text))
        .map_err(|e| e.to_string())?;
    delivered(&mut bots, bob, alice, to_alice, text, say)?;

    bots.act(alice, |c, now| c.logout(now))
        .map_err(|e| e.to_string())?;
    signed_out(&mut bots, alice, say)?;
    bots.expect(bob, "alice going offline", |e| match e {
        ClientEvent::ContactOffline { account } => Some(account.clone()),
        _ => None,
    })?;
    say(format!("[bob] {} went offline", handles[alice]));
    bots.act(bob, |c, now| c.logout(now)).map_err(|e| e.to_string())?;
    signed_out(&mut bots, bob, say)?;

    server.stop().map_err(|e| format!("the server failed: {e}"))?;
    say("[server] stopped; 4 messages sent, 4 delivered".to_owned());
    Ok(())
}

/// Waits for `who`'s Passport round, sign-in, contact list and first status.
fn sign_in(bots: &mut Bots, who: usize, say: &mut dyn FnMut(String)) -> Result<(), String> {
    let me = bots.name(who).to_owned();
    let name = bots.expect(who, "the sign-in", |e| match e {
        ClientEvent::LoggedIn { name, .. } => Some(name.decode().into_owned()),
        _ => None,
    })?;
    let dalogin = bots.driver(who).dalogin().unwrap_or_default().to_owned();
    say(format!("[{me}] Passport 1.4: ticket from {dalogin}"));
    // The dispatch server's connection is closed by now: what is left is the one it
    // referred the client to.
    let ns = bots
        .driver(who)
        .peer_addrs()
        .first()
        .map(|(_, addr)| addr.to_string())
        .unwrap_or_default();
    say(format!(
        "[{me}] signed in as {name} at the notification server {ns}"
    ));
    let contacts = bots.expect(who, "the contact list", |e| match e {
        ClientEvent::ListSynced { contacts, .. } => Some(*contacts),
        _ => None,
    })?;
    bots.expect(who, "the first status", |e| match e {
        ClientEvent::StatusChanged { status } => Some(*status),
        _ => None,
    })?;
    say(format!("[{me}] {contacts} contacts; status online"));
    Ok(())
}

/// `who` adds `other` to the forward list, `other` is told, and `who` sees them online.
fn add_contact(
    bots: &mut Bots,
    who: usize,
    other: usize,
    account: &Passport<'static>,
    say: &mut dyn FnMut(String),
) -> Result<(), String> {
    let (me, them) = (bots.name(who).to_owned(), bots.name(other).to_owned());
    bots.act(who, |c, now| c.add_contact(now, List::Forward, account))
        .map_err(|e| e.to_string())?;
    bots.expect(who, "the server's ADD", |e| match e {
        ClientEvent::ContactAdded {
            list: List::Forward,
            account: added,
            ..
        } if added.same_account(account) => Some(()),
        _ => None,
    })?;
    say(format!("[{me}] added {account} to the contact list"));
    let by = bots.expect(other, "the reverse-list notice", |e| match e {
        ClientEvent::AddedBy { account, .. } => Some(account.clone()),
        _ => None,
    })?;
    say(format!("[{them}] {by} added {them} to their list"));
    let (name, status) = bots.expect(who, "the contact's presence", |e| match e {
        ClientEvent::ContactPresence {
            account: a,
            name,
            status,
        } if a.same_account(account) => Some((name.decode().into_owned(), *status)),
        _ => None,
    })?;
    let status = if status == Status::Online {
        "online".to_owned()
    } else {
        format!("{status:?}")
    };
    say(format!("[{me}] {account} ({name}) is {status}"));
    Ok(())
}

/// Waits until `to` has received `text` and `from` has the acknowledgement of `handle`;
/// returns the conversation at `to`.
fn delivered(
    bots: &mut Bots,
    from: usize,
    to: usize,
    handle: MessageHandle,
    text: &str,
    say: &mut dyn FnMut(String),
) -> Result<ConversationId, String> {
    let conversation = bots.expect(to, &format!("the text {text:?}"), |e| match e {
        ClientEvent::TextReceived {
            conversation,
            text: got,
            ..
        } if got == text => Some(*conversation),
        _ => None,
    })?;
    bots.expect(from, "the acknowledgement", |e| match e {
        ClientEvent::MessageDelivered { handle: h } if *h == handle => Some(Ok(())),
        ClientEvent::MessageNotDelivered { handle: h, reason } if *h == handle => {
            Some(Err(format!("{text:?} was not delivered: {reason}")))
        }
        _ => None,
    })??;
    say(format!(
        "[{} → {}] {text}  ✓ delivered",
        bots.name(from),
        bots.name(to)
    ));
    Ok(conversation)
}

fn signed_out(bots: &mut Bots, who: usize, say: &mut dyn FnMut(String)) -> Result<(), String> {
    bots.expect(who, "the end of the session", |e| match e {
        ClientEvent::SessionEnded {
            reason: CloseReason::Notification(msnp::ns::CloseReason::LoggedOut),
        } => Some(Ok(())),
        ClientEvent::SessionEnded { reason } => Some(Err(format!("the session ended otherwise: {reason}"))),
        _ => None,
    })??;
    say(format!("[{}] signed out", bots.name(who)));
    Ok(())
}

fn host_port(addr: &str) -> Result<HostPort<'static>, String> {
    HostPort::parse(addr)
        .map(HostPort::into_owned)
        .ok_or_else(|| format!("{addr} is not a host:port"))
}
