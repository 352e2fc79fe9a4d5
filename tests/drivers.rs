//! Both drivers end to end, over loopback TCP against the crate's own server, with
//! Passport over HTTPS signed by a CA generated for the test: sign-in, a burst of
//! 1,000 messages echoed whole and in order, the server going away mid-conversation,
//! a sign-in elsewhere, refused credentials and an unreachable server, each ending in
//! one worded reason; the handle's list, name and phone commands, each seen confirmed
//! by the server and, where it shows, by the other bot; a file sent over MSNFTP (the
//! tokio driver listening for the receiver) and over P2P.

mod drivers {
    pub mod https;
    pub mod stalled;
}

use std::time::Duration;

use drivers::https::{self, HttpsPassport};
use msnp::Secret;
use msnp::client::{ClientEvent, CloseReason as SessionEnd, Delivery, MessageHandle, Undelivered};
use msnp::codec::{FriendlyName, GroupId, HostPort, List, ListMask, Passport, Status};
use msnp::drivers::{DriverConfig, DriverError};
use msnp::ns::{CloseReason, ContactList, Phone};
use msnp::sb::InviteFailure;
use msnp::server::std_driver::LoopbackServer;

const USER: &str = "user@example.com";
const ECHO: &str = "echo@example.com";
const BURST: usize = 1000;
/// A wrong password, which no error may repeat.
const WRONG: &str = "Wr0ng-Passw0rd-7731";
/// Far more than any step takes; only reached when something hangs.
const PATIENCE: Duration = Duration::from_secs(10);

struct Setup {
    server: Option<LoopbackServer>,
    passport: HttpsPassport,
}

impl Setup {
    fn new() -> Setup {
        let server = LoopbackServer::start(|s| {
            s.add_account(USER, "user-pw", "User")?;
            s.add_account(ECHO, "echo-pw", "Echo")
        })
        .unwrap();
        let passport = https::start(server.passport_addr());
        Setup {
            server: Some(server),
            passport,
        }
    }

    fn server(&self) -> &LoopbackServer {
        self.server.as_ref().unwrap()
    }

    fn config(&self) -> DriverConfig {
        let mut config = DriverConfig::default();
        let dispatch = self.server().dispatch_addr();
        config.client.server = HostPort::new(dispatch.ip().to_string(), dispatch.port()).unwrap();
        config.client.passport.nexus_url = self.passport.nexus_url();
        config.ca_file = Some(self.passport.ca_file.clone());
        config
    }

    /// Stops the server, which says `OUT SSD` to everyone.
    fn stop_server(&mut self) {
        self.server.take().unwrap().stop().unwrap();
    }
}

fn password(text: &str) -> Secret<String> {
    Secret::new(text.to_owned())
}

fn passport(text: &str) -> Passport<'static> {
    Passport::try_from(text.to_owned()).unwrap()
}

fn name(text: &str) -> FriendlyName<'static> {
    FriendlyName::from_text(text).unwrap()
}

fn added(account: &str, stored: &str, list: List, group: Option<u32>) -> ClientEvent {
    ClientEvent::ContactAdded {
        account: passport(account),
        name: name(stored),
        list,
        group: group.map(GroupId),
    }
}

fn removed(account: &str, list: List) -> ClientEvent {
    ClientEvent::ContactRemoved {
        account: passport(account),
        list,
        group: None,
    }
}

fn presence(account: &str, shown: &str) -> ClientEvent {
    ClientEvent::ContactPresence {
        account: passport(account),
        name: name(shown),
        status: Status::Online,
    }
}

/// The lists `account` is on, as the bot's copy of its contact list shows them.
fn lists(list: &ContactList, account: &str) -> ListMask {
    list.contact(&passport(account))
        .map_or(ListMask::EMPTY, |contact| contact.lists())
}

fn is_list_edit(event: &ClientEvent) -> bool {
    matches!(
        event,
        ClientEvent::ContactAdded { .. } | ClientEvent::ContactRemoved { .. }
    )
}

fn texts(count: usize) -> Vec<String> {
    (0..count).map(|i| format!("message {i} of the burst")).collect()
}

/// Keep-alive and acknowledgement deadlines far shorter than [`SLOW_BOT`], and room
/// for two events: a bot that sleeps through them pauses its session's reading.
fn impatient(mut config: DriverConfig) -> DriverConfig {
    config.client.notification.keepalive_interval = Duration::from_millis(50);
    config.client.notification.keepalive_timeout = Duration::from_millis(200);
    config.client.switchboard.ack_timeout = Duration::from_millis(200);
    config.event_queue = 2;
    config
}

/// How long the slow bot leaves its events untaken.
const SLOW_BOT: Duration = Duration::from_millis(1000);
/// Messages the slow bot sends before it stops taking events.
const SLOW_BURST: usize = 20;

/// Events a slow bot took: every message delivered and echoed, none failed, the
/// session still on.
#[derive(Default)]
struct Caught {
    delivered: usize,
    echoed: usize,
}

impl Caught {
    fn take(&mut self, event: ClientEvent) {
        match event {
            ClientEvent::MessageDelivered { .. } => self.delivered += 1,
            ClientEvent::TextReceived { .. } => self.echoed += 1,
            event @ (ClientEvent::MessageNotDelivered { .. } | ClientEvent::SessionEnded { .. }) => {
                panic!("a slow bot was blamed on the server: {event:?}")
            }
            _ => {}
        }
    }

    fn done(&self) -> bool {
        self.delivered == SLOW_BURST && self.echoed == SLOW_BURST
    }
}

fn refused_port() -> u16 {
    // A port that was just free: nothing listens there.
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

mod on_tokio {
    use super::*;
    use msnp::tokio::{Bot, Events, connect};
    use tokio::time::timeout;

    async fn next(events: &mut Events) -> Option<ClientEvent> {
        timeout(PATIENCE, events.recv()).await.expect("no event in time")
    }

    /// Waits for the session's last event and returns its reason.
    /// The next event `wanted` accepts, passing over the others.
    async fn until(events: &mut Events, wanted: impl Fn(&ClientEvent) -> bool) -> ClientEvent {
        loop {
            match next(events).await {
                Some(event @ ClientEvent::SessionEnded { .. }) => panic!("{event:?}"),
                Some(event) if wanted(&event) => return event,
                Some(_) => {}
                None => panic!("the events ended without Closed"),
            }
        }
    }

    async fn end(events: &mut Events) -> CloseReason {
        loop {
            match next(events).await {
                Some(ClientEvent::SessionEnded {
                    reason: SessionEnd::Notification(reason),
                }) => {
                    assert!(next(events).await.is_none(), "an event after Closed");
                    return reason;
                }
                Some(_) => {}
                None => panic!("the events ended without Closed"),
            }
        }
    }

    /// An echo bot: every text goes back into its conversation.
    fn echo(bot: Bot, mut events: Events) -> tokio::task::JoinHandle<CloseReason> {
        tokio::spawn(async move {
            while let Some(event) = events.recv().await {
                match event {
                    ClientEvent::TextReceived {
                        conversation, text, ..
                    } => {
                        bot.send_to_conversation(conversation, text).await.unwrap();
                    }
                    ClientEvent::SessionEnded {
                        reason: SessionEnd::Notification(reason),
                    } => return reason,
                    _ => {}
                }
            }
            panic!("the events ended without Closed")
        })
    }

    #[tokio::test]
    async fn signs_in_over_https_and_signs_out() {
        let setup = Setup::new();
        let (bot, mut events) = connect(setup.config(), USER, password("user-pw")).await.unwrap();
        bot.sign_out().await.unwrap();
        assert_eq!(end(&mut events).await, CloseReason::LoggedOut);
        assert!(matches!(
            bot.sign_out().await,
            Err(DriverError::Closed | DriverError::Ended { .. })
        ));
    }

    #[tokio::test]
    async fn a_burst_of_a_thousand_messages_comes_back_whole_and_in_order() {
        let setup = Setup::new();
        let (echo_bot, echo_events) = connect(setup.config(), ECHO, password("echo-pw")).await.unwrap();
        let echoing = echo(echo_bot, echo_events);
        let (user, mut events) = connect(setup.config(), USER, password("user-pw")).await.unwrap();
        let sent = texts(BURST);
        let mut handles: Vec<MessageHandle> = Vec::new();
        for text in &sent {
            handles.push(user.send_message(&passport(ECHO), text.clone()).await.unwrap());
        }
        let (mut echoed, mut delivered) = (Vec::new(), 0);
        while echoed.len() < BURST || delivered < BURST {
            match next(&mut events).await.unwrap() {
                ClientEvent::TextReceived { text, .. } => echoed.push(text),
                ClientEvent::MessageDelivered { handle } => {
                    assert_eq!(handle, handles[delivered]);
                    delivered += 1;
                }
                event @ (ClientEvent::MessageNotDelivered { .. } | ClientEvent::SessionEnded { .. }) => {
                    panic!("{event:?}")
                }
                _ => {}
            }
        }
        assert_eq!(echoed, sent);
        user.sign_out().await.unwrap();
        assert_eq!(end(&mut events).await, CloseReason::LoggedOut);
        drop(setup);
        assert_eq!(
            timeout(PATIENCE, echoing).await.unwrap().unwrap(),
            CloseReason::ServerShutdown
        );
    }

    #[tokio::test]
    async fn the_server_going_away_mid_conversation_ends_the_session_in_words() {
        let mut setup = Setup::new();
        let (echo_bot, echo_events) = connect(setup.config(), ECHO, password("echo-pw")).await.unwrap();
        let echoing = echo(echo_bot, echo_events);
        let (user, mut events) = connect(setup.config(), USER, password("user-pw")).await.unwrap();
        user.send_message(&passport(ECHO), "are you there?")
            .await
            .unwrap();
        while !matches!(next(&mut events).await, Some(ClientEvent::TextReceived { .. })) {}
        setup.stop_server();
        let reason = end(&mut events).await;
        assert_eq!(reason, CloseReason::ServerShutdown);
        assert_eq!(
            DriverError::Ended {
                reason: Box::new(SessionEnd::Notification(reason))
            }
            .to_string(),
            "the server is shutting down"
        );
        assert_eq!(
            timeout(PATIENCE, echoing).await.unwrap().unwrap(),
            CloseReason::ServerShutdown
        );
    }

    #[tokio::test]
    async fn signing_in_elsewhere_ends_the_first_session() {
        let setup = Setup::new();
        let (_first, mut events) = connect(setup.config(), USER, password("user-pw")).await.unwrap();
        let (_second, _) = connect(setup.config(), USER, password("user-pw")).await.unwrap();
        let reason = end(&mut events).await;
        assert_eq!(
            DriverError::Ended {
                reason: Box::new(SessionEnd::Notification(reason))
            }
            .to_string(),
            "signed in elsewhere"
        );
    }

    #[tokio::test]
    async fn a_wrong_password_is_passports_refusal() {
        let setup = Setup::new();
        let error = connect(setup.config(), USER, password(WRONG)).await.unwrap_err();
        assert!(!format!("{error:?}").contains(WRONG) && !error.to_string().contains(WRONG));
        assert_eq!(
            error.to_string(),
            r#"Passport refused the credentials: "The e-mail address or password is incorrect""#
        );
    }

    #[tokio::test]
    async fn an_unreachable_server_is_named() {
        let setup = Setup::new();
        let mut config = setup.config();
        let port = refused_port();
        config.client.server = HostPort::new("127.0.0.1", port).unwrap();
        let error = connect(config, USER, password("user-pw")).await.unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with(&format!("cannot connect to 127.0.0.1:{port}: ")),
            "{error}"
        );
    }

    #[tokio::test]
    async fn an_untrusted_passport_certificate_is_refused() {
        let setup = Setup::new();
        let mut config = setup.config();
        config.ca_file = None;
        let error = connect(config, USER, password("user-pw")).await.unwrap_err();
        let text = error.to_string();
        assert!(text.starts_with("Passport could not be reached: "), "{text}");
        assert!(text.contains("certificate"), "{text}");
    }

    #[tokio::test]
    async fn a_new_name_reaches_the_contacts_who_watch() {
        let setup = Setup::new();
        let (user, mut events) = connect(setup.config(), USER, password("user-pw")).await.unwrap();
        let (echo_bot, mut echo_events) = connect(setup.config(), ECHO, password("echo-pw")).await.unwrap();
        user.add_contact(List::Forward, &passport(ECHO)).await.unwrap();
        assert_eq!(
            until(&mut events, is_list_edit).await,
            added(ECHO, ECHO, List::Forward, None)
        );
        assert_eq!(
            until(&mut events, |e| matches!(e, ClientEvent::ContactPresence { .. })).await,
            presence(ECHO, "Echo")
        );
        echo_bot.set_name("Echo the Second").await.unwrap();
        assert_eq!(
            until(
                &mut echo_events,
                |e| matches!(e, ClientEvent::NameChanged { name } if name.decode() == "Echo the Second")
            )
            .await,
            ClientEvent::NameChanged {
                name: name("Echo the Second")
            }
        );
        assert_eq!(
            until(&mut events, |e| matches!(e, ClientEvent::ContactPresence { .. })).await,
            presence(ECHO, "Echo the Second")
        );
    }

    #[tokio::test]
    async fn a_blocked_contact_cannot_reach_the_bot_until_unblocked() {
        let setup = Setup::new();
        let (user, mut events) = connect(setup.config(), USER, password("user-pw")).await.unwrap();
        let (echo_bot, mut echo_events) = connect(setup.config(), ECHO, password("echo-pw")).await.unwrap();
        user.block(&passport(ECHO)).await.unwrap();
        assert_eq!(
            until(&mut events, is_list_edit).await,
            added(ECHO, ECHO, List::Block, None)
        );
        assert_eq!(
            lists(&user.contact_list().await.unwrap(), ECHO),
            ListMask::EMPTY.with(List::Block)
        );
        let handle = echo_bot.send_message(&passport(USER), "let me in").await.unwrap();
        assert_eq!(
            until(&mut echo_events, |e| matches!(
                e,
                ClientEvent::MessageNotDelivered { .. }
            ))
            .await,
            ClientEvent::MessageNotDelivered {
                handle,
                reason: Undelivered::InviteFailed(InviteFailure::Blocked),
            }
        );
        user.unblock(&passport(ECHO)).await.unwrap();
        assert_eq!(until(&mut events, is_list_edit).await, removed(ECHO, List::Block));
        assert_eq!(
            until(&mut events, is_list_edit).await,
            added(ECHO, ECHO, List::Allow, None)
        );
        assert_eq!(
            lists(&user.contact_list().await.unwrap(), ECHO),
            ListMask::EMPTY.with(List::Allow)
        );
        let handle = echo_bot.send_message(&passport(USER), "let me in").await.unwrap();
        let text = until(&mut events, |e| matches!(e, ClientEvent::TextReceived { .. })).await;
        assert!(
            matches!(&text, ClientEvent::TextReceived { from, text, .. } if *from == passport(ECHO) && text == "let me in"),
            "{text:?}"
        );
        assert_eq!(
            until(&mut echo_events, |e| matches!(
                e,
                ClientEvent::MessageDelivered { .. }
            ))
            .await,
            ClientEvent::MessageDelivered { handle }
        );
    }

    #[tokio::test]
    async fn accepting_and_removing_a_contact_edits_both_lists() {
        let setup = Setup::new();
        let (user, mut events) = connect(setup.config(), USER, password("user-pw")).await.unwrap();
        let (echo_bot, mut echo_events) = connect(setup.config(), ECHO, password("echo-pw")).await.unwrap();
        echo_bot
            .add_contact(List::Forward, &passport(USER))
            .await
            .unwrap();
        assert_eq!(
            until(&mut events, |e| matches!(e, ClientEvent::AddedBy { .. })).await,
            ClientEvent::AddedBy {
                account: passport(ECHO),
                name: name("Echo")
            }
        );
        user.accept_contact(&passport(ECHO)).await.unwrap();
        assert_eq!(
            until(&mut events, is_list_edit).await,
            added(ECHO, "Echo", List::Allow, None)
        );
        assert_eq!(
            until(&mut events, is_list_edit).await,
            added(ECHO, ECHO, List::Forward, None)
        );
        user.remove_contact(List::Forward, &passport(ECHO)).await.unwrap();
        assert_eq!(
            until(&mut events, is_list_edit).await,
            removed(ECHO, List::Forward)
        );
        // The echo bot hears that the user took it off their contact list.
        assert_eq!(
            until(&mut echo_events, |e| matches!(e, ClientEvent::RemovedBy { .. })).await,
            ClientEvent::RemovedBy {
                account: passport(USER)
            }
        );
    }

    #[tokio::test]
    async fn a_bot_slow_to_take_events_keeps_its_session() {
        let setup = Setup::new();
        let (echo_bot, echo_events) = connect(setup.config(), ECHO, password("echo-pw")).await.unwrap();
        let echoing = echo(echo_bot, echo_events);
        let (user, mut events) = connect(impatient(setup.config()), USER, password("user-pw"))
            .await
            .unwrap();
        for text in texts(SLOW_BURST) {
            user.send_message(&passport(ECHO), text).await.unwrap();
        }
        // Acknowledgements, echoes and keep-alive answers arrive, and wait unread.
        tokio::time::sleep(SLOW_BOT).await;
        let mut caught = Caught::default();
        while !caught.done() {
            caught.take(next(&mut events).await.unwrap());
        }
        user.sign_out().await.unwrap();
        assert_eq!(end(&mut events).await, CloseReason::LoggedOut);
        drop(setup);
        assert_eq!(
            timeout(PATIENCE, echoing).await.unwrap().unwrap(),
            CloseReason::ServerShutdown
        );
    }

    #[tokio::test]
    async fn the_login_server_learned_carries_into_the_next_session() {
        let setup = Setup::new();
        let (bot, mut events) = connect(setup.config(), USER, password("user-pw")).await.unwrap();
        let dalogin = bot.passport_dalogin().await.unwrap();
        assert_eq!(
            dalogin,
            Some(format!("https://{}/login2.srf", setup.passport.addr))
        );
        bot.sign_out().await.unwrap();
        assert_eq!(end(&mut events).await, CloseReason::LoggedOut);
        let mut config = setup.config();
        config.client.passport.nexus_url = format!("https://127.0.0.1:{}/rdr/pprdr.asp", refused_port());
        config.client.passport.dalogin = dalogin;
        let (bot, mut events) = connect(config, USER, password("user-pw")).await.unwrap();
        bot.sign_out().await.unwrap();
        assert_eq!(end(&mut events).await, CloseReason::LoggedOut);
    }

    /// A bot that accepts every file offered and sends back, for each, what it got.
    fn collector(bot: Bot, mut events: Events) -> tokio::task::JoinHandle<Vec<Result<Vec<u8>, String>>> {
        tokio::spawn(async move {
            let (mut files, mut receiving) = (Vec::new(), std::collections::HashMap::new());
            while let Some(event) = events.recv().await {
                match event {
                    ClientEvent::TransferOffered { id, .. } => {
                        receiving.insert(id, Vec::new());
                        bot.accept_transfer(id).await.unwrap();
                    }
                    ClientEvent::TransferData { id, bytes } => {
                        receiving.get_mut(&id).unwrap().extend_from_slice(&bytes);
                    }
                    ClientEvent::TransferEnded { id, result } => {
                        let data = receiving.remove(&id).unwrap();
                        files.push(result.map(|_| data).map_err(|why| why.to_string()));
                    }
                    ClientEvent::SessionEnded { .. } => return files,
                    _ => {}
                }
            }
            files
        })
    }

    /// Sends `file` to the collector as fast as the transfer takes it.
    async fn send(user: &Bot, events: &mut Events, file: &[u8], msnftp: bool) -> Result<u64, String> {
        let (to, size) = (passport(ECHO), file.len() as u64);
        let id = if msnftp {
            user.send_file_msnftp(&to, "random.bin", size).await
        } else {
            user.send_file(&to, "random.bin", size).await
        }
        .unwrap();
        let mut written = 0;
        loop {
            match next(events).await.unwrap() {
                ClientEvent::TransferEnded { id: got, result } if got == id => {
                    return result.map_err(|why| why.to_string());
                }
                ClientEvent::TransferAccepted { id: got } | ClientEvent::TransferProgress { id: got, .. }
                    if got == id =>
                {
                    while written < file.len() {
                        match user.write_transfer(id, &file[written..]).await.unwrap() {
                            0 => break,
                            taken => written += taken,
                        }
                    }
                }
                event @ ClientEvent::SessionEnded { .. } => panic!("{event:?}"),
                _ => {}
            }
        }
    }

    #[tokio::test]
    async fn a_file_goes_to_another_bot_over_msnftp_and_over_p2p_whole() {
        let setup = Setup::new();
        let mut config = setup.config();
        config.client.transfer.msnftp = true;
        let (echo_bot, echo_events) = connect(config.clone(), ECHO, password("echo-pw")).await.unwrap();
        let collecting = collector(echo_bot, echo_events);
        let (user, mut events) = connect(config, USER, password("user-pw")).await.unwrap();
        let file: Vec<u8> = (0..1_000_003u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        assert_eq!(send(&user, &mut events, &file, true).await, Ok(file.len() as u64));
        assert_eq!(
            send(&user, &mut events, &file, false).await,
            Ok(file.len() as u64)
        );
        drop(setup);
        let files = timeout(PATIENCE, collecting).await.unwrap().unwrap();
        assert_eq!(files.len(), 2);
        for got in files {
            assert!(
                got.as_ref().is_ok_and(|data| *data == file),
                "{:?}",
                got.map(|d| d.len())
            );
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_msnftp_sender_waits_for_a_slow_receiver_instead_of_queueing_the_file() {
        let setup = Setup::new();
        let mut config = setup.config();
        config.client.transfer.msnftp = true;
        let mut slow = config.clone();
        slow.event_queue = 8;
        // Sixteen transmits: without the held-back writes, 1 MiB in the writer's queue
        // would end the connection ("the peer stopped reading").
        config.write_queue = 16;
        let (echo_bot, mut echo_events) = connect(slow, ECHO, password("echo-pw")).await.unwrap();
        let receiving = tokio::spawn(async move {
            let (mut data, mut pieces) = (Vec::new(), 0);
            loop {
                match next(&mut echo_events).await.unwrap() {
                    ClientEvent::TransferOffered { id, .. } => {
                        echo_bot.accept_transfer(id).await.unwrap();
                        // Busy at first, then slow: the sockets' buffers fill.
                        tokio::time::sleep(Duration::from_millis(500)).await;
                    }
                    ClientEvent::TransferData { bytes, .. } => {
                        data.extend_from_slice(&bytes);
                        pieces += 1;
                        if pieces % 8 == 0 {
                            tokio::time::sleep(Duration::from_millis(1)).await;
                        }
                    }
                    ClientEvent::TransferEnded { result, .. } => return (result, data),
                    _ => {}
                }
            }
        });
        let (user, mut events) = connect(config, USER, password("user-pw")).await.unwrap();
        let file: Vec<u8> = (0..8 << 20)
            .map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 11) as u8)
            .collect();
        assert_eq!(send(&user, &mut events, &file, true).await, Ok(file.len() as u64));
        let (result, data) = timeout(PATIENCE, receiving).await.unwrap().unwrap();
        assert_eq!(result, Ok(file.len() as u64));
        assert!(data == file, "the bytes differ");
    }

    #[tokio::test]
    async fn a_phone_number_is_set_and_cleared() {
        let setup = Setup::new();
        let (user, mut events) = connect(setup.config(), USER, password("user-pw")).await.unwrap();
        let phone_changed = |e: &ClientEvent| matches!(e, ClientEvent::PhoneChanged { .. });
        user.set_phone(Phone::Home, Some("+1 555 0100")).await.unwrap();
        assert_eq!(
            until(&mut events, phone_changed).await,
            ClientEvent::PhoneChanged {
                phone: Phone::Home,
                value: Some(name("+1 555 0100"))
            }
        );
        user.set_phone(Phone::Home, None).await.unwrap();
        assert_eq!(
            until(&mut events, phone_changed).await,
            ClientEvent::PhoneChanged {
                phone: Phone::Home,
                value: None
            }
        );
    }
}

mod on_threads {
    use super::*;
    use msnp::blocking::{Bot, Events, RecvTimeoutError, connect};

    fn next(events: &Events) -> Option<ClientEvent> {
        match events.recv_timeout(PATIENCE) {
            Ok(event) => Some(event),
            Err(RecvTimeoutError::Timeout) => panic!("no event in time"),
            Err(RecvTimeoutError::Disconnected) => None,
        }
    }

    /// The next event `wanted` accepts, passing over the others.
    fn until(events: &Events, wanted: impl Fn(&ClientEvent) -> bool) -> ClientEvent {
        loop {
            match next(events) {
                Some(event @ ClientEvent::SessionEnded { .. }) => panic!("{event:?}"),
                Some(event) if wanted(&event) => return event,
                Some(_) => {}
                None => panic!("the events ended without Closed"),
            }
        }
    }

    fn end(events: &Events) -> CloseReason {
        loop {
            match next(events) {
                Some(ClientEvent::SessionEnded {
                    reason: SessionEnd::Notification(reason),
                }) => {
                    assert!(next(events).is_none(), "an event after Closed");
                    return reason;
                }
                Some(_) => {}
                None => panic!("the events ended without Closed"),
            }
        }
    }

    fn echo(bot: Bot, events: Events) -> std::thread::JoinHandle<CloseReason> {
        std::thread::spawn(move || {
            while let Some(event) = events.recv() {
                match event {
                    ClientEvent::TextReceived {
                        conversation, text, ..
                    } => {
                        bot.send_to_conversation(conversation, text).unwrap();
                    }
                    ClientEvent::SessionEnded {
                        reason: SessionEnd::Notification(reason),
                    } => return reason,
                    _ => {}
                }
            }
            panic!("the events ended without Closed")
        })
    }

    #[test]
    fn a_bot_slow_to_take_events_keeps_its_session() {
        let setup = Setup::new();
        let (echo_bot, echo_events) = connect(setup.config(), ECHO, password("echo-pw")).unwrap();
        let echoing = echo(echo_bot, echo_events);
        let (user, events) = connect(impatient(setup.config()), USER, password("user-pw")).unwrap();
        for text in texts(SLOW_BURST) {
            user.send_message(&passport(ECHO), text).unwrap();
        }
        // Acknowledgements, echoes and keep-alive answers arrive, and wait unread.
        std::thread::sleep(SLOW_BOT);
        let mut caught = Caught::default();
        while !caught.done() {
            caught.take(next(&events).unwrap());
        }
        user.sign_out().unwrap();
        assert_eq!(end(&events), CloseReason::LoggedOut);
        drop(setup);
        assert_eq!(echoing.join().unwrap(), CloseReason::ServerShutdown);
    }

    #[test]
    fn the_login_server_learned_carries_into_the_next_session() {
        let setup = Setup::new();
        let (bot, events) = connect(setup.config(), USER, password("user-pw")).unwrap();
        let dalogin = bot.passport_dalogin().unwrap();
        assert_eq!(
            dalogin,
            Some(format!("https://{}/login2.srf", setup.passport.addr))
        );
        bot.sign_out().unwrap();
        assert_eq!(end(&events), CloseReason::LoggedOut);
        let mut config = setup.config();
        config.client.passport.nexus_url = format!("https://127.0.0.1:{}/rdr/pprdr.asp", refused_port());
        config.client.passport.dalogin = dalogin;
        let (bot, events) = connect(config, USER, password("user-pw")).unwrap();
        bot.sign_out().unwrap();
        assert_eq!(end(&events), CloseReason::LoggedOut);
    }

    #[test]
    fn signs_in_over_https_and_signs_out() {
        let setup = Setup::new();
        let (bot, events) = connect(setup.config(), USER, password("user-pw")).unwrap();
        bot.sign_out().unwrap();
        assert_eq!(end(&events), CloseReason::LoggedOut);
    }

    #[test]
    fn a_burst_of_a_thousand_messages_comes_back_whole_and_in_order() {
        let setup = Setup::new();
        let (echo_bot, echo_events) = connect(setup.config(), ECHO, password("echo-pw")).unwrap();
        let echoing = echo(echo_bot, echo_events);
        let (user, events) = connect(setup.config(), USER, password("user-pw")).unwrap();
        let sent = texts(BURST);
        let handles: Vec<MessageHandle> = sent
            .iter()
            .map(|text| user.send_message(&passport(ECHO), text.clone()).unwrap())
            .collect();
        let (mut echoed, mut delivered) = (Vec::new(), 0);
        while echoed.len() < BURST || delivered < BURST {
            match next(&events).unwrap() {
                ClientEvent::TextReceived { text, .. } => echoed.push(text),
                ClientEvent::MessageDelivered { handle } => {
                    assert_eq!(handle, handles[delivered]);
                    delivered += 1;
                }
                event @ (ClientEvent::MessageNotDelivered { .. } | ClientEvent::SessionEnded { .. }) => {
                    panic!("{event:?}")
                }
                _ => {}
            }
        }
        assert_eq!(echoed, sent);
        user.sign_out().unwrap();
        assert_eq!(end(&events), CloseReason::LoggedOut);
        drop(setup);
        assert_eq!(echoing.join().unwrap(), CloseReason::ServerShutdown);
    }

    #[test]
    fn the_server_going_away_mid_conversation_ends_the_session_in_words() {
        let mut setup = Setup::new();
        let (echo_bot, echo_events) = connect(setup.config(), ECHO, password("echo-pw")).unwrap();
        let echoing = echo(echo_bot, echo_events);
        let (user, events) = connect(setup.config(), USER, password("user-pw")).unwrap();
        user.send_message(&passport(ECHO), "are you there?").unwrap();
        while !matches!(next(&events), Some(ClientEvent::TextReceived { .. })) {}
        setup.stop_server();
        let reason = end(&events);
        assert_eq!(
            DriverError::Ended {
                reason: Box::new(SessionEnd::Notification(reason))
            }
            .to_string(),
            "the server is shutting down"
        );
        assert_eq!(echoing.join().unwrap(), CloseReason::ServerShutdown);
    }

    #[test]
    fn signing_in_elsewhere_ends_the_first_session() {
        let setup = Setup::new();
        let (_first, events) = connect(setup.config(), USER, password("user-pw")).unwrap();
        let (_second, _) = connect(setup.config(), USER, password("user-pw")).unwrap();
        let reason = end(&events);
        assert_eq!(
            DriverError::Ended {
                reason: Box::new(SessionEnd::Notification(reason))
            }
            .to_string(),
            "signed in elsewhere"
        );
    }

    #[test]
    fn a_wrong_password_is_passports_refusal() {
        let setup = Setup::new();
        let error = connect(setup.config(), USER, password(WRONG)).unwrap_err();
        assert!(!format!("{error:?}").contains(WRONG) && !error.to_string().contains(WRONG));
        assert_eq!(
            error.to_string(),
            r#"Passport refused the credentials: "The e-mail address or password is incorrect""#
        );
    }

    #[test]
    fn an_unreachable_server_is_named() {
        let setup = Setup::new();
        let mut config = setup.config();
        let port = refused_port();
        config.client.server = HostPort::new("127.0.0.1", port).unwrap();
        let error = connect(config, USER, password("user-pw")).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with(&format!("cannot connect to 127.0.0.1:{port}: ")),
            "{error}"
        );
    }

    #[test]
    fn an_untrusted_passport_certificate_is_refused() {
        let setup = Setup::new();
        let mut config = setup.config();
        config.ca_file = None;
        let error = connect(config, USER, password("user-pw")).unwrap_err();
        let text = error.to_string();
        assert!(text.starts_with("Passport could not be reached: "), "{text}");
        assert!(
            text.to_lowercase().contains("certificate") || text.contains("UnknownIssuer"),
            "{text}"
        );
    }

    #[test]
    fn a_new_name_reaches_the_contacts_who_watch() {
        let setup = Setup::new();
        let (user, events) = connect(setup.config(), USER, password("user-pw")).unwrap();
        let (echo_bot, echo_events) = connect(setup.config(), ECHO, password("echo-pw")).unwrap();
        user.add_contact(List::Forward, &passport(ECHO)).unwrap();
        assert_eq!(
            until(&events, is_list_edit),
            added(ECHO, ECHO, List::Forward, None)
        );
        assert_eq!(
            until(&events, |e| matches!(e, ClientEvent::ContactPresence { .. })),
            presence(ECHO, "Echo")
        );
        echo_bot.set_name("Echo the Second").unwrap();
        assert_eq!(
            until(
                &echo_events,
                |e| matches!(e, ClientEvent::NameChanged { name } if name.decode() == "Echo the Second")
            ),
            ClientEvent::NameChanged {
                name: name("Echo the Second")
            }
        );
        assert_eq!(
            until(&events, |e| matches!(e, ClientEvent::ContactPresence { .. })),
            presence(ECHO, "Echo the Second")
        );
    }

    #[test]
    fn a_blocked_contact_cannot_reach_the_bot_until_unblocked() {
        let setup = Setup::new();
        let (user, events) = connect(setup.config(), USER, password("user-pw")).unwrap();
        let (echo_bot, echo_events) = connect(setup.config(), ECHO, password("echo-pw")).unwrap();
        user.block(&passport(ECHO)).unwrap();
        assert_eq!(until(&events, is_list_edit), added(ECHO, ECHO, List::Block, None));
        assert_eq!(
            lists(&user.contact_list().unwrap(), ECHO),
            ListMask::EMPTY.with(List::Block)
        );
        let handle = echo_bot.send_message(&passport(USER), "let me in").unwrap();
        assert_eq!(
            until(&echo_events, |e| matches!(
                e,
                ClientEvent::MessageNotDelivered { .. }
            )),
            ClientEvent::MessageNotDelivered {
                handle,
                reason: Undelivered::InviteFailed(InviteFailure::Blocked),
            }
        );
        user.unblock(&passport(ECHO)).unwrap();
        assert_eq!(until(&events, is_list_edit), removed(ECHO, List::Block));
        assert_eq!(until(&events, is_list_edit), added(ECHO, ECHO, List::Allow, None));
        assert_eq!(
            lists(&user.contact_list().unwrap(), ECHO),
            ListMask::EMPTY.with(List::Allow)
        );
        let handle = echo_bot.send_message(&passport(USER), "let me in").unwrap();
        let text = until(&events, |e| matches!(e, ClientEvent::TextReceived { .. }));
        assert!(
            matches!(&text, ClientEvent::TextReceived { from, text, .. } if *from == passport(ECHO) && text == "let me in"),
            "{text:?}"
        );
        assert_eq!(
            until(&echo_events, |e| matches!(
                e,
                ClientEvent::MessageDelivered { .. }
            )),
            ClientEvent::MessageDelivered { handle }
        );
    }

    #[test]
    fn accepting_and_removing_a_contact_edits_both_lists() {
        let setup = Setup::new();
        let (user, events) = connect(setup.config(), USER, password("user-pw")).unwrap();
        let (echo_bot, echo_events) = connect(setup.config(), ECHO, password("echo-pw")).unwrap();
        echo_bot.add_contact(List::Forward, &passport(USER)).unwrap();
        assert_eq!(
            until(&events, |e| matches!(e, ClientEvent::AddedBy { .. })),
            ClientEvent::AddedBy {
                account: passport(ECHO),
                name: name("Echo")
            }
        );
        user.accept_contact(&passport(ECHO)).unwrap();
        assert_eq!(
            until(&events, is_list_edit),
            added(ECHO, "Echo", List::Allow, None)
        );
        assert_eq!(
            until(&events, is_list_edit),
            added(ECHO, ECHO, List::Forward, None)
        );
        user.remove_contact(List::Forward, &passport(ECHO)).unwrap();
        assert_eq!(until(&events, is_list_edit), removed(ECHO, List::Forward));
        // The echo bot hears that the user took it off their contact list.
        assert_eq!(
            until(&echo_events, |e| matches!(e, ClientEvent::RemovedBy { .. })),
            ClientEvent::RemovedBy {
                account: passport(USER)
            }
        );
    }

    #[test]
    fn a_phone_number_is_set_and_cleared() {
        let setup = Setup::new();
        let (user, events) = connect(setup.config(), USER, password("user-pw")).unwrap();
        let phone_changed = |e: &ClientEvent| matches!(e, ClientEvent::PhoneChanged { .. });
        user.set_phone(Phone::Home, Some("+1 555 0100")).unwrap();
        assert_eq!(
            until(&events, phone_changed),
            ClientEvent::PhoneChanged {
                phone: Phone::Home,
                value: Some(name("+1 555 0100"))
            }
        );
        user.set_phone(Phone::Home, None).unwrap();
        assert_eq!(
            until(&events, phone_changed),
            ClientEvent::PhoneChanged {
                phone: Phone::Home,
                value: None
            }
        );
    }
}

/// A client of the stalled server: a keep-alive every 50 ms, answered within 500 ms
/// or the session ends; texts sent without acknowledgement, so nothing but the
/// socket holds them back; a peer that takes no bytes for a second is dropped.
fn stalled_config(server: &drivers::stalled::StalledServer) -> DriverConfig {
    let mut config = DriverConfig::default();
    config.client.server = HostPort::new("127.0.0.1", server.dispatch.port()).unwrap();
    config.client.passport.nexus_url = server.nexus_url.clone();
    config.client.sync_lists = false;
    config.client.delivery = Delivery::Unconfirmed;
    config.client.notification.keepalive_interval = Duration::from_millis(50);
    config.client.notification.keepalive_timeout = Duration::from_millis(500);
    config.allow_http_passport = true;
    config.write_queue = 100_000;
    config.write_timeout = Duration::from_secs(1);
    config
}

/// Texts enough to fill any loopback socket's buffers many times over (MSNP8 splits
/// them into 1,664-byte messages).
const FLOOD: usize = 120;
const FLOOD_TEXT_LEN: usize = 60 * 1024;

mod stalled_peer {
    use super::*;
    use drivers::stalled::{self, PEER};
    use msnp::blocking::RecvTimeoutError;

    fn is_end(event: &ClientEvent) -> bool {
        matches!(
            event,
            ClientEvent::ConversationEnded { .. } | ClientEvent::SessionEnded { .. }
        )
    }

    // Two workers: the test waits for the server's pings on a blocking channel.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn on_tokio_a_peer_that_stops_reading_delays_nothing_else() {
        let server = stalled::start();
        let (bot, mut events) = msnp::tokio::connect(stalled_config(&server), stalled::ME, password("pw"))
            .await
            .unwrap();
        let text = "x".repeat(FLOOD_TEXT_LEN);
        for _ in 0..FLOOD {
            bot.send_message(&passport(PEER), text.clone()).await.unwrap();
        }
        // The switchboard's writer is stuck behind full socket buffers; the keep-alive
        // goes on, three times over.
        for _ in 0..3 {
            server.pings.recv_timeout(PATIENCE).unwrap();
        }
        while let Ok(Some(event)) = tokio::time::timeout(Duration::ZERO, events.recv()).await {
            assert!(!is_end(&event), "{event:?}");
        }
        // Past the write timeout the stalled switchboard goes, and only it.
        loop {
            let event = tokio::time::timeout(PATIENCE, events.recv())
                .await
                .unwrap()
                .unwrap();
            assert!(!matches!(event, ClientEvent::SessionEnded { .. }), "{event:?}");
            if matches!(event, ClientEvent::ConversationEnded { .. }) {
                break;
            }
        }
        server.pings.recv_timeout(PATIENCE).unwrap();
        bot.sign_out().await.unwrap();
        loop {
            match tokio::time::timeout(PATIENCE, events.recv()).await.unwrap() {
                Some(ClientEvent::SessionEnded {
                    reason: SessionEnd::Notification(reason),
                }) => break assert_eq!(reason, CloseReason::LoggedOut),
                Some(_) => {}
                None => panic!("no Closed"),
            }
        }
    }

    #[test]
    fn on_threads_a_peer_that_stops_reading_delays_nothing_else() {
        let server = stalled::start();
        let (bot, events) =
            msnp::blocking::connect(stalled_config(&server), stalled::ME, password("pw")).unwrap();
        let text = "x".repeat(FLOOD_TEXT_LEN);
        for _ in 0..FLOOD {
            bot.send_message(&passport(PEER), text.clone()).unwrap();
        }
        for _ in 0..3 {
            server.pings.recv_timeout(PATIENCE).unwrap();
        }
        while let Ok(event) = events.recv_timeout(Duration::ZERO) {
            assert!(!is_end(&event), "{event:?}");
        }
        loop {
            let event = events.recv_timeout(PATIENCE).unwrap();
            assert!(!matches!(event, ClientEvent::SessionEnded { .. }), "{event:?}");
            if matches!(event, ClientEvent::ConversationEnded { .. }) {
                break;
            }
        }
        server.pings.recv_timeout(PATIENCE).unwrap();
        bot.sign_out().unwrap();
        loop {
            match events.recv_timeout(PATIENCE) {
                Ok(ClientEvent::SessionEnded {
                    reason: SessionEnd::Notification(reason),
                }) => break assert_eq!(reason, CloseReason::LoggedOut),
                Ok(_) => {}
                Err(_) => panic!("no Closed"),
            }
        }
    }

    #[tokio::test]
    async fn on_tokio_a_server_killed_mid_conversation_ends_the_session_in_words() {
        let server = stalled::start();
        let (bot, mut events) = msnp::tokio::connect(stalled_config(&server), stalled::ME, password("pw"))
            .await
            .unwrap();
        bot.send_message(&passport(PEER), "hello").await.unwrap();
        while !matches!(events.recv().await, Some(ClientEvent::Joined { .. })) {}
        server.kill();
        let reason = loop {
            match tokio::time::timeout(PATIENCE, events.recv()).await.unwrap() {
                Some(ClientEvent::SessionEnded {
                    reason: SessionEnd::Notification(reason),
                }) => break reason,
                Some(_) => {}
                None => panic!("no Closed"),
            }
        };
        assert!(
            tokio::time::timeout(PATIENCE, events.recv())
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(
            DriverError::from(SessionEnd::Notification(reason)).to_string(),
            "the connection to the server was lost"
        );
    }

    #[test]
    fn on_threads_a_server_killed_mid_conversation_ends_the_session_in_words() {
        let server = stalled::start();
        let (bot, events) =
            msnp::blocking::connect(stalled_config(&server), stalled::ME, password("pw")).unwrap();
        bot.send_message(&passport(PEER), "hello").unwrap();
        while !matches!(events.recv(), Some(ClientEvent::Joined { .. })) {}
        server.kill();
        let reason = loop {
            match events.recv_timeout(PATIENCE) {
                Ok(ClientEvent::SessionEnded {
                    reason: SessionEnd::Notification(reason),
                }) => break reason,
                Ok(_) => {}
                Err(_) => panic!("no Closed"),
            }
        };
        assert_eq!(
            events.recv_timeout(PATIENCE).unwrap_err(),
            RecvTimeoutError::Disconnected
        );
        assert_eq!(
            DriverError::from(SessionEnd::Notification(reason)).to_string(),
            "the connection to the server was lost"
        );
    }
}
