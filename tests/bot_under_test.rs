//! A bot tested as a bot: a small command bot written against the tokio driver runs
//! unchanged against the crate's server in memory (no ports), with tokio's clock
//! paused, so the minutes it takes for the server to drop an idle switchboard pass at
//! once. The test is alice, another session on the same server, and asserts the exact
//! replies she sees.

use std::collections::HashMap;
use std::time::Duration;

use msnp::Secret;
use msnp::client::{ClientEvent, ConversationId, MessageHandle};
use msnp::codec::Passport;
use msnp::testing::memory::MemoryServer;
use msnp::tokio::{Bot, Events, connect_with};

const BOT: &str = "bot@example.com";
const ALICE: &str = "alice@example.com";
/// Virtual time, not wall time: only reached when a reply never comes.
const PATIENCE: Duration = Duration::from_secs(3600);

const MENU: &str = "commands: help, echo <text>, remind <seconds> <text>";

// ---- the bot under test: what a bot author writes, knowing nothing of the test ----

/// What the bot answers to `text`: a reply now, and perhaps a reminder later.
fn answer(text: &str) -> (String, Option<(Duration, String)>) {
    let (command, rest) = text.split_once(' ').unwrap_or((text, ""));
    match command {
        "help" => (MENU.to_owned(), None),
        "echo" => (rest.to_owned(), None),
        "remind" => match rest.split_once(' ').map(|(s, t)| (s.parse::<u64>(), t)) {
            Some((Ok(seconds), reminder)) => (
                format!("ok, in {seconds} s"),
                Some((Duration::from_secs(seconds), reminder.to_owned())),
            ),
            _ => ("usage: remind <seconds> <text>".to_owned(), None),
        },
        other => (format!("unknown command {other:?}, try help"), None),
    }
}

/// Sends `text` into `conversation`, or, when that conversation is gone (the server
/// dropped its switchboard), to `to` in a new one.
async fn reply(
    bot: &Bot,
    conversation: ConversationId,
    to: &Passport<'static>,
    text: String,
) -> Option<MessageHandle> {
    match bot.send_to_conversation(conversation, text.clone()).await {
        Ok(handle) => Some(handle),
        Err(_) => bot.send_message(to, text).await.ok(),
    }
}

/// The bot's loop: answers commands, and resends each reply that was not delivered
/// once, in a new conversation.
async fn command_bot(bot: Bot, mut events: Events) {
    let mut unconfirmed: HashMap<MessageHandle, (Passport<'static>, String)> = HashMap::new();
    let (reminders_tx, mut reminders) =
        tokio::sync::mpsc::channel::<(ConversationId, Passport<'static>, String)>(16);
    loop {
        let event = tokio::select! {
            event = events.recv() => match event {
                Some(event) => event,
                None => return,
            },
            Some((conversation, to, text)) = reminders.recv() => {
                if let Some(handle) = reply(&bot, conversation, &to, text.clone()).await {
                    unconfirmed.insert(handle, (to, text));
                }
                continue;
            }
        };
        match event {
            ClientEvent::TextReceived {
                conversation,
                from,
                text,
                ..
            } => {
                let (now, later) = answer(&text);
                if let Some(handle) = reply(&bot, conversation, &from, now.clone()).await {
                    unconfirmed.insert(handle, (from.clone(), now));
                }
                if let Some((after, reminder)) = later {
                    let reminders = reminders_tx.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep(after).await;
                        let _ = reminders.send((conversation, from, reminder)).await;
                    });
                }
            }
            ClientEvent::MessageDelivered { handle } | ClientEvent::MessageSentUnconfirmed { handle } => {
                unconfirmed.remove(&handle);
            }
            ClientEvent::MessageNotDelivered { handle, .. } => {
                if let Some((to, text)) = unconfirmed.remove(&handle) {
                    let _ = bot.send_message(&to, text).await;
                }
            }
            ClientEvent::SessionEnded { .. } => return,
            _ => {}
        }
    }
}

// ---- the test: alice on the same in-memory server ----

fn passport(text: &str) -> Passport<'static> {
    Passport::try_from(text.to_owned()).unwrap()
}

async fn sign_in(server: &MemoryServer, account: &str) -> (Bot, Events) {
    let password = Secret::new(format!("{account}-pw"));
    connect_with(server.driver_config(), server.connector(), account, password)
        .await
        .unwrap_or_else(|error| panic!("{account} cannot sign in: {error}"))
}

/// What alice sees of a conversation, in order.
#[derive(Debug, PartialEq)]
enum Seen {
    Text(ConversationId, String),
    Ended(ConversationId),
}

/// Alice's next text or conversation end, skipping presence, joins and deliveries.
async fn next_seen(events: &mut Events) -> Seen {
    let wait = async {
        loop {
            match events.recv().await {
                Some(ClientEvent::TextReceived {
                    conversation, text, ..
                }) => return Seen::Text(conversation, text),
                Some(ClientEvent::ConversationEnded { conversation, .. }) => {
                    return Seen::Ended(conversation);
                }
                Some(ClientEvent::SessionEnded { reason }) => panic!("alice's session ended: {reason}"),
                Some(_) => {}
                None => panic!("alice's events ended"),
            }
        }
    };
    tokio::time::timeout(PATIENCE, wait)
        .await
        .expect("a reply within an hour of protocol time")
}

async fn say(alice: &Bot, text: &str) {
    alice.send_message(&passport(BOT), text).await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn the_bot_answers_commands_and_reopens_a_dropped_conversation() {
    let server = MemoryServer::start(|s| {
        s.add_account(BOT, &format!("{BOT}-pw"), "Bot")?;
        s.add_account(ALICE, &format!("{ALICE}-pw"), "Alice")
    })
    .unwrap();
    let (bot, bot_events) = sign_in(&server, BOT).await;
    let bot_session = tokio::spawn(command_bot(bot, bot_events));
    let (alice, mut events) = sign_in(&server, ALICE).await;
    let started = tokio::time::Instant::now();

    say(&alice, "help").await;
    let Seen::Text(first, menu) = next_seen(&mut events).await else {
        panic!("the menu first")
    };
    assert_eq!(menu, MENU);
    say(&alice, "echo hello there").await;
    assert_eq!(
        next_seen(&mut events).await,
        Seen::Text(first, "hello there".into())
    );
    say(&alice, "dance").await;
    assert_eq!(
        next_seen(&mut events).await,
        Seen::Text(first, r#"unknown command "dance", try help"#.into())
    );

    // The reminder comes after the server dropped the idle switchboard (300 s): the
    // bot reopens a conversation for it.
    say(&alice, "remind 400 stand up").await;
    assert_eq!(
        next_seen(&mut events).await,
        Seen::Text(first, "ok, in 400 s".into())
    );
    assert_eq!(next_seen(&mut events).await, Seen::Ended(first));
    let Seen::Text(second, reminder) = next_seen(&mut events).await else {
        panic!("the reminder in a new conversation")
    };
    assert_eq!(reminder, "stand up");
    assert_ne!(second, first);
    assert!(started.elapsed() >= Duration::from_secs(400));

    // A switchboard that crashes under the conversation: the next reply reopens it.
    say(&alice, "remind 30 drink water").await;
    assert_eq!(
        next_seen(&mut events).await,
        Seen::Text(second, "ok, in 30 s".into())
    );
    assert_eq!(server.drop_switchboards().await, 2);
    assert_eq!(next_seen(&mut events).await, Seen::Ended(second));
    let Seen::Text(third, reminder) = next_seen(&mut events).await else {
        panic!("the reminder in a new conversation")
    };
    assert_eq!(reminder, "drink water");
    assert!(third != first && third != second);
    // Minutes of keep-alives kept both sessions up all along.
    assert!(started.elapsed() >= Duration::from_secs(430));

    alice.sign_out().await.unwrap();
    server.stop();
    bot_session.await.unwrap();
}
