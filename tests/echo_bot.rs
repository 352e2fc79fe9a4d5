//! `examples/echo_bot.rs` against the crate's server over loopback TCP: it echoes, and it
//! ends with a one-line reason on bad flags, refused connections, wrong credentials and
//! server shutdown.

#[allow(dead_code)] // its `main`
#[path = "../examples/echo_bot.rs"]
mod echo_bot;

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use echo_bot::support::wait::Bots;
use echo_bot::support::{Driver, Login, UreqTransport};
use echo_bot::{Options, run};
use msnp::client::{ClientConfig, ClientEvent};
use msnp::codec::{HostPort, List, Passport};
use msnp::server::std_driver::LoopbackServer;

const BOT: &str = "bot@example.com";
const USER: &str = "user@example.com";

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

fn options(server: &LoopbackServer, password: &str) -> Options {
    Options::parse(
        args(&[
            "--server",
            &server.dispatch_addr().to_string(),
            "--email",
            BOT,
            "--nexus",
            &server.nexus_url(),
            "--allow-http-passport",
        ]),
        Some(password.to_owned()),
    )
    .unwrap()
    .unwrap()
}

/// Runs the bot on its own thread; its result comes through the receiver.
fn spawn(options: Options) -> mpsc::Receiver<Result<(), String>> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(run(options));
    });
    rx
}

fn end_of(bot: &mpsc::Receiver<Result<(), String>>) -> String {
    bot.recv_timeout(Duration::from_secs(10))
        .expect("the bot did not stop")
        .expect_err("the bot only ends with an error")
}

#[test]
fn flags() {
    let options = Options::parse(args(&["--email=a@example.com", "--trace"]), Some("env".into()))
        .unwrap()
        .unwrap();
    assert_eq!(options.server.to_string(), "messenger.hotmail.com:1863");
    assert_eq!(options.password, "env");
    assert!(options.trace && !options.allow_http_passport);
    assert_eq!(options.nexus, None);
    let options = Options::parse(
        args(&["--email", "a@b.c", "--password", "flag", "--ca-file", "x.pem"]),
        Some("env".into()),
    )
    .unwrap()
    .unwrap();
    assert_eq!(options.password, "flag");
    assert_eq!(options.ca_file.as_deref(), Some(std::path::Path::new("x.pem")));

    let error = |list: &[&str]| Options::parse(args(list), None).unwrap_err();
    assert_eq!(error(&[]), "--email is required");
    assert_eq!(
        error(&["--email", "a@b.c"]),
        "--password or MSNP_PASSWORD is required"
    );
    assert_eq!(
        error(&["--server", "nowhere"]),
        "--server \"nowhere\" is not HOST:PORT"
    );
    assert_eq!(error(&["--nexus"]), "--nexus needs a value");
    assert_eq!(error(&["-v"]), "unknown flag \"-v\"");
    assert!(Options::parse(args(&["--help"]), None).unwrap().is_none());
}

#[test]
fn it_echoes_in_the_same_conversation_until_the_server_stops() {
    let server = LoopbackServer::start(|s| {
        s.add_account(BOT, "bot pw", "Echo")?;
        s.add_account(USER, "user pw", "User")
    })
    .unwrap();
    let bot = spawn(options(&server, "bot pw"));

    let mut config = ClientConfig::default();
    config.server = HostPort::parse(&server.dispatch_addr().to_string())
        .unwrap()
        .into_owned();
    let login = Login::loopback(USER, "user pw", &server.nexus_url());
    let mut bots = Bots::new(Duration::from_secs(10));
    let user = bots.add(
        "user",
        Driver::start(config, login, UreqTransport::new(None).unwrap()).unwrap(),
    );
    let bot_account = Passport::try_from(BOT).unwrap();
    bots.expect(user, "sign-in", |e| {
        matches!(e, ClientEvent::LoggedIn { .. }).then_some(())
    })
    .unwrap();
    bots.act(user, |c, now| c.add_contact(now, List::Forward, &bot_account))
        .unwrap();
    bots.expect(user, "the bot online", |e| match e {
        ClientEvent::ContactPresence { account, .. } if account.same_account(&bot_account) => Some(()),
        _ => None,
    })
    .unwrap();

    bots.act(user, |c, now| c.send_message(now, &bot_account, "ping"))
        .unwrap();
    let conversation = bots
        .expect(user, "the echo", |e| match e {
            ClientEvent::TextReceived {
                conversation,
                from,
                text,
                ..
            } if text == "ping" => {
                assert!(from.same_account(&bot_account));
                Some(*conversation)
            }
            _ => None,
        })
        .unwrap();
    bots.act(user, |c, now| {
        c.send_to_conversation(now, conversation, "ünïcode, twice")
    })
    .unwrap();
    let again = bots
        .expect(user, "the second echo", |e| match e {
            ClientEvent::TextReceived {
                conversation, text, ..
            } if text == "ünïcode, twice" => Some(*conversation),
            _ => None,
        })
        .unwrap();
    assert_eq!(again, conversation);

    server.stop().unwrap();
    assert_eq!(end_of(&bot), "the server is shutting down");
}

#[test]
fn a_wrong_password_ends_with_passports_refusal() {
    let server = LoopbackServer::start(|s| s.add_account(BOT, "right", "Echo")).unwrap();
    let bot = spawn(options(&server, "wrong"));
    assert_eq!(
        end_of(&bot),
        "Passport refused the credentials: \"The e-mail address or password is incorrect\""
    );
}

#[test]
fn a_refused_connection_names_the_address() {
    // A port that was just free: nothing listens there.
    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let options = Options::parse(
        args(&["--server", &free.to_string(), "--email", BOT, "--password", "x"]),
        None,
    )
    .unwrap()
    .unwrap();
    let error = end_of(&spawn(options));
    assert!(
        error.starts_with(&format!("cannot connect to {free}: Connection refused")),
        "{error}"
    );
}
