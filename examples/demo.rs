//! `cargo run --example demo`: two bots sign in to the crate's own MSN server on
//! loopback ports, negotiating MSNP12 (MSN Messenger 7.5), add each other, show a
//! personal message and a display picture, fetch a picture and send a file over P2P,
//! chat, and sign out. No account and no network needed.
//!
//! Everything is real except the Internet: TCP sockets on 127.0.0.1, the dispatch
//! server's referral, Passport 1.4 over plain HTTP, a switchboard per conversation, each
//! bot on the crate's blocking driver (`msnp::blocking`). The script waits for each step
//! to be seen by both sides before it prints it, so the output (apart from port
//! numbers) is the same on every run, and `tests/demo.rs` checks it line by line.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use msnp::Secret;
use msnp::blocking::{Bot, Events, RecvTimeoutError};
use msnp::client::{ClientEvent, CloseReason, ConversationId, MessageHandle};
use msnp::codec::{HostPort, List, Passport, Status};
use msnp::drivers::DriverConfig;
use msnp::presence::MsnObject;
use msnp::server::std_driver::LoopbackServer;

/// The demo's accounts: handle, password, friendly name.
const ACCOUNTS: [(&str, &str, &str); 2] = [
    ("alice@example.com", "alice's password", "Alice"),
    ("bob@example.com", "bob's password", "Bob"),
];

/// The bots' display pictures: any image file's bytes (a 1×1 PNG and a 1×1 GIF here).
/// The crate hashes them into the MSNObject that each one's presence announces.
const ALICE_PICTURE: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00,
    0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00,
    0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0, 0x1F, 0x00, 0x05,
    0x00, 0x01, 0xFF, 0x89, 0x99, 0x3D, 0x1D, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42,
    0x60, 0x82,
];
const BOB_PICTURE: &[u8] = &[
    0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF,
    0xFF, 0xFF, 0x21, 0xF9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2C, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,
    0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3B,
];

/// How long any one step may take before the demo gives up.
const STEP_TIMEOUT: Duration = Duration::from_secs(10);

#[allow(dead_code)] // `tests/demo.rs` includes this file for `run` alone.
fn main() -> ExitCode {
    match run(&mut |line| println!("{line}")) {
        Ok(()) => ExitCode::SUCCESS,
        Err(reason) => {
            eprintln!("demo failed: {reason}");
            ExitCode::FAILURE
        }
    }
}

/// A signed-in bot: its name in the story, its account, its handle and events, and
/// the events a wait passed over, for the next waits.
struct Peer {
    name: &'static str,
    account: Passport<'static>,
    bot: Bot,
    events: Events,
    passed: RefCell<VecDeque<ClientEvent>>,
}

impl Peer {
    /// The first event `wanted` picks, among those passed over and then the new ones,
    /// within [`STEP_TIMEOUT`].
    fn expect<T>(&self, what: &str, mut wanted: impl FnMut(&ClientEvent) -> Option<T>) -> Result<T, String> {
        let mut passed = self.passed.borrow_mut();
        if let Some((at, found)) = passed
            .iter()
            .enumerate()
            .find_map(|(at, e)| Some((at, wanted(e)?)))
        {
            passed.remove(at);
            return Ok(found);
        }
        let deadline = Instant::now() + STEP_TIMEOUT;
        loop {
            match self
                .events
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            {
                Ok(event) => match wanted(&event) {
                    Some(found) => return Ok(found),
                    None => passed.push_back(event),
                },
                Err(RecvTimeoutError::Timeout) => {
                    return Err(format!("{} saw no {what} within {STEP_TIMEOUT:?}", self.name));
                }
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(format!("{}'s session ended before {what}", self.name));
                }
            }
        }
    }
}

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

    let mut config = DriverConfig::default();
    let dispatch = server.dispatch_addr();
    config.client.server =
        HostPort::new(dispatch.ip().to_string(), dispatch.port()).map_err(|e| e.to_string())?;
    config.client.passport.nexus_url = server.nexus_url();
    config.allow_http_passport = true;
    let mut peers = Vec::new();
    for (account, password, _) in ACCOUNTS {
        let (name, _) = account.split_once('@').unwrap_or((account, ""));
        let (bot, events) =
            msnp::blocking::connect(config.clone(), account, Secret::new(password.to_owned()))
                .map_err(|e| format!("{name} could not sign in: {e}"))?;
        let peer = Peer {
            name,
            account: Passport::try_from(account.to_owned()).map_err(|e| e.to_string())?,
            bot,
            events,
            passed: RefCell::default(),
        };
        signed_in(&peer, say)?;
        peers.push(peer);
    }
    let [alice, bob] = &peers[..] else {
        return Err("two bots expected".to_owned());
    };
    add_contact(alice, bob, say)?;
    add_contact(bob, alice, say)?;
    let alice_picture = show_off(alice, bob, "on loopback, all day", ALICE_PICTURE, say)?;
    show_off(bob, alice, "testing bots", BOB_PICTURE, say)?;
    fetch_picture(bob, alice, &alice_picture, say)?;
    send_file(alice, bob, say)?;

    // The first message opens a switchboard: XFR SB, connect, USR, CAL, RNG, ANS, JOI.
    let sent = alice
        .bot
        .send_message(&bob.account, "hello bob")
        .map_err(|e| e.to_string())?;
    let at_bob = delivered(alice, bob, sent, "hello bob", say)?;
    let text = "hi alice! how is the weather on loopback?";
    let sent = bob
        .bot
        .send_to_conversation(at_bob, text)
        .map_err(|e| e.to_string())?;
    let at_alice = delivered(bob, alice, sent, text, say)?;
    alice.bot.send_typing(at_alice).map_err(|e| e.to_string())?;
    bob.expect("alice typing", |e| match e {
        ClientEvent::Typing { from, .. } if from.same_account(&alice.account) => Some(()),
        _ => None,
    })?;
    say(format!("[bob] sees {} typing…", alice.account));
    // The same contact again: the open conversation is reused.
    let text = "sunny, 0 ms of latency";
    let sent = alice
        .bot
        .send_message(&bob.account, text)
        .map_err(|e| e.to_string())?;
    delivered(alice, bob, sent, text, say)?;
    let text = "bye!";
    let sent = bob
        .bot
        .send_to_conversation(at_bob, text)
        .map_err(|e| e.to_string())?;
    delivered(bob, alice, sent, text, say)?;

    alice.bot.sign_out().map_err(|e| e.to_string())?;
    signed_out(alice, say)?;
    bob.expect("alice going offline", |e| match e {
        ClientEvent::ContactOffline { account } => Some(account.clone()),
        _ => None,
    })?;
    say(format!("[bob] {} went offline", alice.account));
    bob.bot.sign_out().map_err(|e| e.to_string())?;
    signed_out(bob, say)?;

    server.stop().map_err(|e| format!("the server failed: {e}"))?;
    say("[server] stopped; 4 messages sent, 4 delivered".to_owned());
    Ok(())
}

/// Tells what the bot saw while signing in: the dialect, its name, contact list and
/// first status.
fn signed_in(peer: &Peer, say: &mut dyn FnMut(String)) -> Result<(), String> {
    let dialect = peer.expect("the sign-in", |e| match e {
        ClientEvent::LoggedIn { dialect, .. } => Some(*dialect),
        _ => None,
    })?;
    // From MSNP10 the name comes with the contact list (`PRP MFN`), not at login.
    let name = peer.expect("the name", |e| match e {
        ClientEvent::NameChanged { name } => Some(name.decode().into_owned()),
        _ => None,
    })?;
    say(format!(
        "[{}] signed in over {dialect} as {name}: referred by the dispatch server, Passport 1.4 ticket over HTTP",
        peer.name
    ));
    let contacts = peer.expect("the contact list", |e| match e {
        ClientEvent::ListSynced { contacts, .. } => Some(*contacts),
        _ => None,
    })?;
    peer.expect("the first status", |e| match e {
        ClientEvent::StatusChanged { status } => Some(*status),
        _ => None,
    })?;
    say(format!("[{}] {contacts} contacts; status online", peer.name));
    Ok(())
}

/// `who` adds `other` to the forward list, `other` is told, and `who` sees them online.
fn add_contact(who: &Peer, other: &Peer, say: &mut dyn FnMut(String)) -> Result<(), String> {
    let account = &other.account;
    who.bot
        .add_contact(List::Forward, account)
        .map_err(|e| e.to_string())?;
    who.expect("the server's ADD", |e| match e {
        ClientEvent::ContactAdded {
            list: List::Forward,
            account: added,
            ..
        } if added.same_account(account) => Some(()),
        _ => None,
    })?;
    say(format!("[{}] added {account} to the contact list", who.name));
    let by = other.expect("the reverse-list notice", |e| match e {
        ClientEvent::AddedBy { account, .. } => Some(account.clone()),
        _ => None,
    })?;
    say(format!(
        "[{}] {by} added {} to their list",
        other.name, other.name
    ));
    let (name, status) = who.expect("the contact's presence", |e| match e {
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
    say(format!("[{}] {account} ({name}) is {status}", who.name));
    Ok(())
}

/// `who` sets a personal message and a display picture; `other`, who watches, sees both:
/// the message (`UUX` → `UBX`) and the picture's MSNObject on `who`'s presence (`CHG` →
/// `NLN`), which names its size and SHA-1.
fn show_off(
    who: &Peer,
    other: &Peer,
    message: &str,
    picture: &[u8],
    say: &mut dyn FnMut(String),
) -> Result<MsnObject, String> {
    who.bot.set_personal_message(message).map_err(|e| e.to_string())?;
    who.bot
        .set_display_picture(Some(picture.to_vec()))
        .map_err(|e| e.to_string())?;
    say(format!(
        "[{}] shows the personal message \"{message}\" and a {}-byte display picture",
        who.name,
        picture.len()
    ));
    let seen = other.expect("the personal message", |e| match e {
        ClientEvent::ContactPersonalMessage { account, message, .. }
            if account.same_account(&who.account) =>
        {
            Some(message.clone())
        }
        _ => None,
    })?;
    say(format!(
        "[{}] sees {}'s personal message: \"{seen}\"",
        other.name, who.account
    ));
    let object = other.expect("the display picture", |e| match e {
        ClientEvent::ContactDisplayPicture {
            account,
            object: Some(object),
        } if account.same_account(&who.account) => Some(object.clone()),
        _ => None,
    })?;
    let sha1: String = object.sha1d().iter().map(|b| format!("{b:02x}")).collect();
    say(format!(
        "[{}] sees {}'s display picture: {} bytes, SHA-1 {sha1}, matches: {}",
        other.name,
        who.account,
        object.size(),
        object.matches_data(picture)
    ));
    Ok(object)
}

/// `who` fetches `owner`'s picture over P2P through a switchboard (`MSG D`, MSNSLP,
/// reference §9.4); the owner's client serves it without being asked.
fn fetch_picture(
    who: &Peer,
    owner: &Peer,
    object: &MsnObject,
    say: &mut dyn FnMut(String),
) -> Result<(), String> {
    let id = who
        .bot
        .request_display_picture(&owner.account, object)
        .map_err(|e| e.to_string())?;
    let data = who.expect("the picture", |e| match e {
        ClientEvent::DisplayPicture { id: got, data, .. } if *got == id => Some(Ok(data.clone())),
        ClientEvent::TransferEnded {
            id: got,
            result: Err(why),
        } if *got == id => Some(Err(why.to_string())),
        _ => None,
    })??;
    say(format!(
        "[{}] fetched {}'s display picture over P2P: {} bytes, SHA-1 verified",
        who.name,
        owner.account,
        data.len()
    ));
    Ok(())
}

/// `from` offers `to` a file over P2P; `to` accepts, the bytes stream in chunks with
/// progress, and each side sees the transfer end once, with the byte count.
fn send_file(from: &Peer, to: &Peer, say: &mut dyn FnMut(String)) -> Result<(), String> {
    let file: Vec<u8> = (0..20_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let size = file.len() as u64;
    let id = from
        .bot
        .send_file(&to.account, "notes.bin", size)
        .map_err(|e| e.to_string())?;
    let (offer, name) = to.expect("the file offer", |e| match e {
        ClientEvent::TransferOffered {
            id,
            name,
            size: offered,
            ..
        } if *offered == size => Some((*id, name.clone())),
        _ => None,
    })?;
    say(format!(
        "[{}] offers {} the file {name} ({size} bytes)",
        from.name, to.account
    ));
    to.bot.accept_transfer(offer).map_err(|e| e.to_string())?;
    from.expect("the acceptance", |e| match e {
        ClientEvent::TransferAccepted { id: got } if *got == id => Some(()),
        _ => None,
    })?;
    // The transfer takes what its bounded buffer holds; the rest waits for progress.
    let mut sent = 0;
    while sent < file.len() {
        let taken = from
            .bot
            .write_transfer(id, &file[sent..])
            .map_err(|e| e.to_string())?;
        sent += taken;
        if taken == 0 {
            from.expect("progress", |e| match e {
                ClientEvent::TransferProgress { id: got, .. } if *got == id => Some(()),
                _ => None,
            })?;
        }
    }
    let mut received = Vec::new();
    let total = loop {
        match to.expect("the file's bytes", |e| match e {
            ClientEvent::TransferData { id, bytes } if *id == offer => Some(Ok(bytes.clone())),
            ClientEvent::TransferEnded { id, result } if *id == offer => Some(Err(result.clone())),
            _ => None,
        })? {
            Ok(bytes) => received.extend_from_slice(&bytes),
            Err(result) => break result.map_err(|why| why.to_string())?,
        }
    };
    let at_sender = from.expect("the end of the transfer", |e| match e {
        ClientEvent::TransferEnded { id: got, result } if *got == id => Some(result.clone()),
        _ => None,
    })?;
    at_sender.map_err(|why| why.to_string())?;
    say(format!(
        "[{}] received {name}: {total} bytes, identical: {}",
        to.name,
        received == file
    ));
    Ok(())
}

/// Waits until `to` has received `text` and `from` has the acknowledgement of `handle`;
/// returns the conversation at `to`.
fn delivered(
    from: &Peer,
    to: &Peer,
    handle: MessageHandle,
    text: &str,
    say: &mut dyn FnMut(String),
) -> Result<ConversationId, String> {
    let conversation = to.expect(&format!("the text {text:?}"), |e| match e {
        ClientEvent::TextReceived {
            conversation,
            text: got,
            ..
        } if got == text => Some(*conversation),
        _ => None,
    })?;
    from.expect("the acknowledgement", |e| match e {
        ClientEvent::MessageDelivered { handle: h } if *h == handle => Some(Ok(())),
        ClientEvent::MessageNotDelivered { handle: h, reason } if *h == handle => {
            Some(Err(format!("{text:?} was not delivered: {reason}")))
        }
        _ => None,
    })??;
    say(format!("[{} → {}] {text}  ✓ delivered", from.name, to.name));
    Ok(conversation)
}

fn signed_out(peer: &Peer, say: &mut dyn FnMut(String)) -> Result<(), String> {
    peer.expect("the end of the session", |e| match e {
        ClientEvent::SessionEnded {
            reason: CloseReason::Notification(msnp::ns::CloseReason::LoggedOut),
        } => Some(Ok(())),
        ClientEvent::SessionEnded { reason } => Some(Err(format!("the session ended otherwise: {reason}"))),
        _ => None,
    })??;
    say(format!("[{}] signed out", peer.name));
    Ok(())
}
