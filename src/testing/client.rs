//! The whole [`Client`]'s transcript mini-language, for
//! [`transcript::run_client`](super::transcript::run_client) (documented in
//! `tests/transcripts/README.md`).
//!
//! | call | does |
//! |---|---|
//! | `send <account> <text…>` | `send_message` |
//! | `send_to <conversation> <text…>` | `send_to_conversation` (conversations count from 0) |
//! | `typing <conversation>` | `send_typing` |
//! | `invite <conversation> <account>` | `invite` |
//! | `leave <conversation>` | `leave` |
//! | `status <NLN\|BSY\|…>` | `set_status` |
//! | `add <FL\|AL\|BL\|RL> <account>` | `add_contact` |
//! | `block <account>` / `unblock <account>` | `block` / `unblock` |
//! | `send_file_msnftp <account> <size> <name…>` | `send_file_msnftp` |
//! | `accept_transfer <transfer>` / `decline_transfer <transfer>` / `cancel_transfer <transfer>` | `accept_transfer` / `decline_transfer` / `cancel_transfer` (transfers count from 0) |
//! | `write <transfer> <bytes…>` | `write_transfer`, escaped as byte lines are; every byte must be taken |
//! | `logout` | `logout` |
//! | `check conversations <n>` | asserts how many conversations are open |

use std::time::Instant;

use crate::Secret;
use crate::client::{Client, ClientConfig, ConversationId, TransferId};
use crate::codec::{Dialect, DialectSet, List, Passport, Status};

/// The account every whole-client transcript signs in: HYP's `example@passport.com`.
pub const ACCOUNT: &str = "example@passport.com";
/// Its password, which the Passport request lines carry percent-encoded.
pub const PASSWORD: &str = "password";

/// A client with the default configuration for [`ACCOUNT`], except that it offers
/// MSNP8 alone and hosts MSNFTP file transfers
/// ([`TransferConfig::msnftp`](crate::client::TransferConfig::msnftp)) as MSN
/// Messenger 5 did, whose sessions the reference's transcripts record: it asks to
/// connect to `messenger.hotmail.com:1863`, signs in through the Passport nexus,
/// downloads the lists and goes online. [`machine_with`] takes any other settings (the
/// default offers MSNP12 down to MSNP8, and leaves file invitations to the caller).
pub fn machine(now: Instant) -> Client {
    let mut config = ClientConfig::default();
    config.notification.dialects = DialectSet::only(Dialect::Msnp8);
    config.transfer.msnftp = true;
    machine_with(config, now)
}

/// [`machine`] with other settings.
pub fn machine_with(config: ClientConfig, now: Instant) -> Client {
    let account = Passport::try_from(ACCOUNT).expect("valid account");
    Client::new(config, account, Secret::new(PASSWORD.to_owned()), now)
}

/// Performs one call of the mini-language on `client`.
pub fn call(client: &mut Client, now: Instant, call: &str) -> Result<(), String> {
    let (verb, rest) = call.split_once(' ').unwrap_or((call, ""));
    let (first, after) = rest.split_once(' ').unwrap_or((rest, ""));
    let e = |e: crate::client::ClientError| e.to_string();
    match verb {
        "send" => client
            .send_message(now, &passport(first)?, after)
            .map(drop)
            .map_err(e),
        "send_to" => client
            .send_to_conversation(now, conversation(first)?, after)
            .map(drop)
            .map_err(e),
        "typing" => client.send_typing(now, conversation(first)?).map_err(e),
        "invite" => client
            .invite(now, conversation(first)?, &passport(after)?)
            .map_err(e),
        "leave" => client.leave(now, conversation(first)?).map_err(e),
        "status" => {
            let status = Status::from_wire(rest).ok_or("unknown status")?;
            client.set_status(now, status).map(drop).map_err(e)
        }
        "add" => {
            let list = List::from_wire(first).ok_or("list is FL, AL, BL or RL")?;
            client
                .add_contact(now, list, &passport(after)?)
                .map(drop)
                .map_err(e)
        }
        "block" => client.block(now, &passport(rest)?).map(drop).map_err(e),
        "unblock" => client.unblock(now, &passport(rest)?).map(drop).map_err(e),
        "send_file_msnftp" => {
            let (size, name) = after
                .split_once(' ')
                .ok_or("send_file_msnftp <account> <size> <name>")?;
            let size = size.parse().map_err(|_| format!("`{size}` is not a size"))?;
            client
                .send_file_msnftp(now, &passport(first)?, name, size)
                .map(drop)
                .map_err(e)
        }
        "accept_transfer" => client.accept_transfer(now, transfer(rest)?).map_err(e),
        "decline_transfer" => client.decline_transfer(now, transfer(rest)?).map_err(e),
        "cancel_transfer" => client.cancel_transfer(now, transfer(rest)?).map_err(e),
        "write" => {
            let data = super::transcript::unescape(after)?;
            let taken = client.write_transfer(transfer(first)?, &data).map_err(e)?;
            (taken == data.len())
                .then_some(())
                .ok_or(format!("the transfer took {taken} of {} bytes", data.len()))
        }
        "logout" => client.logout(now).map_err(e),
        "check" => match (first, after) {
            ("conversations", n) => {
                let got = client.conversations().count();
                (n.parse() == Ok(got))
                    .then_some(())
                    .ok_or(format!("{got} conversations are open, not {n}"))
            }
            _ => Err(format!("unknown check `{rest}`")),
        },
        _ => Err(format!("unknown call `{verb}`")),
    }
}

fn passport(word: &str) -> Result<Passport<'static>, String> {
    Passport::try_from(word.to_owned()).map_err(|e| e.to_string())
}

fn transfer(word: &str) -> Result<TransferId, String> {
    word.parse()
        .map(TransferId)
        .map_err(|_| format!("`{word}` is not a transfer number"))
}

fn conversation(word: &str) -> Result<ConversationId, String> {
    word.parse()
        .map(ConversationId)
        .map_err(|_| format!("`{word}` is not a conversation number"))
}
