//! `examples/echo_bot.rs` (tokio) and `examples/echo_bot_blocking.rs` against the
//! crate's server over loopback TCP: their flags, their echo, and the one-line reason
//! each ends with.

#[allow(dead_code)] // its `main`
#[path = "../examples/echo_bot.rs"]
mod echo_bot;
#[allow(dead_code)] // its `main`
#[path = "../examples/echo_bot_blocking.rs"]
mod echo_bot_blocking;

use std::time::Duration;

use clap::Parser;
use msnp::Secret;
use msnp::client::ClientEvent;
use msnp::codec::{HostPort, Passport};
use msnp::drivers::DriverConfig;
use msnp::server::std_driver::LoopbackServer;

const BOT: &str = "bot@example.com";
const USER: &str = "user@example.com";
const PATIENCE: Duration = Duration::from_secs(10);

fn server() -> LoopbackServer {
    LoopbackServer::start(|s| {
        s.add_account(BOT, "bot-pw", "Echo")?;
        s.add_account(USER, "user-pw", "User")
    })
    .unwrap()
}

fn args(server: &LoopbackServer, password: &str) -> Vec<String> {
    let dispatch = server.dispatch_addr().to_string();
    let nexus = server.nexus_url();
    [
        "echo_bot",
        "--server",
        &dispatch,
        "--email",
        BOT,
        "--password",
        password,
        "--nexus",
        &nexus,
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .chain(["--allow-http-passport".to_owned()])
    .collect()
}

/// The user's side, on the blocking driver.
fn user(server: &LoopbackServer) -> (msnp::blocking::Bot, msnp::blocking::Events) {
    let mut config = DriverConfig::default();
    let dispatch = server.dispatch_addr();
    config.client.server = HostPort::new(dispatch.ip().to_string(), dispatch.port()).unwrap();
    config.client.passport.nexus_url = server.nexus_url();
    config.allow_http_passport = true;
    msnp::blocking::connect(config, USER, Secret::new("user-pw".to_owned())).unwrap()
}

/// Sends `text` to the bot until it is echoed (the bot may not be signed in yet).
fn echoed(server: &LoopbackServer, text: &str) -> String {
    let (user, events) = user(server);
    let bot = Passport::try_from(BOT).unwrap();
    for _ in 0..50 {
        user.send_message(&bot, text).unwrap();
        loop {
            match events.recv_timeout(PATIENCE).unwrap() {
                ClientEvent::TextReceived { text, .. } => return text,
                ClientEvent::MessageNotDelivered { .. } => break,
                _ => {}
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("the bot never answered")
}

#[test]
fn flags() {
    let flags = echo_bot::Flags::try_parse_from(["echo_bot", "--email", "a@b.c", "--password", "x"]).unwrap();
    assert_eq!(flags.server.to_string(), "messenger.hotmail.com:1863");
    assert!(!flags.allow_http_passport && !flags.trace && flags.nexus.is_none() && flags.ca_file.is_none());
    let flags = echo_bot_blocking::Flags::try_parse_from([
        "echo_bot_blocking",
        "--email=a@b.c",
        "--password=x",
        "--server=127.0.0.1:1863",
        "--ca-file=ca.pem",
        "--trace",
    ])
    .unwrap();
    assert_eq!(flags.server.to_string(), "127.0.0.1:1863");
    assert_eq!(flags.ca_file.as_deref(), Some(std::path::Path::new("ca.pem")));
    let error = echo_bot::Flags::try_parse_from(["echo_bot", "--email", "a@b.c", "--server", "nowhere"])
        .unwrap_err()
        .to_string();
    assert!(error.contains("expected HOST:PORT"), "{error}");
}

#[test]
fn the_tokio_bot_echoes_and_names_the_servers_shutdown() {
    let server = server();
    let flags = echo_bot::Flags::try_parse_from(args(&server, "bot-pw")).unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let bot = runtime.spawn(echo_bot::run(flags));
    assert_eq!(echoed(&server, "ünïcode, echoed"), "ünïcode, echoed");
    server.stop().unwrap();
    let error = runtime
        .block_on(async { tokio::time::timeout(PATIENCE, bot).await })
        .unwrap()
        .unwrap();
    assert_eq!(error.unwrap_err().to_string(), "the server is shutting down");
}

#[test]
fn the_blocking_bot_echoes_and_names_the_servers_shutdown() {
    let server = server();
    let flags = echo_bot_blocking::Flags::try_parse_from(args(&server, "bot-pw")).unwrap();
    let (done, result) = std::sync::mpsc::channel();
    std::thread::spawn(move || done.send(echo_bot_blocking::run(flags)));
    assert_eq!(echoed(&server, "hello, echo"), "hello, echo");
    server.stop().unwrap();
    let error = result.recv_timeout(PATIENCE).unwrap().unwrap_err();
    assert_eq!(error.to_string(), "the server is shutting down");
}

#[test]
fn a_wrong_password_is_passports_refusal() {
    let server = server();
    let flags = echo_bot_blocking::Flags::try_parse_from(args(&server, "wrong")).unwrap();
    assert_eq!(
        echo_bot_blocking::run(flags).unwrap_err().to_string(),
        r#"Passport refused the credentials: "The e-mail address or password is incorrect""#
    );
}
