//! An MSN bot that echoes every text back to its sender, in the same conversation.
//!
//! ```sh
//! MSNP_PASSWORD=… cargo run --example echo_bot -- --email bot@example.com
//! # against the crate's own server (cargo run --example server -- --account bot@example.com:secret):
//! cargo run --example echo_bot -- --server 127.0.0.1:1863 --email bot@example.com --password secret \
//!     --nexus http://127.0.0.1:8080/rdr/pprdr.asp --allow-http-passport
//! ```
//!
//! It exits non-zero with a one-line reason when the flags are wrong, a server cannot be
//! reached, Passport refuses the credentials, or the server ends the session.

// A path, not `mod support;`, so that tests can include this file as a module too.
#[path = "support/mod.rs"]
pub mod support;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use msnp::client::{ClientConfig, ClientEvent};
use msnp::codec::HostPort;
use support::{Driver, Login, UreqTransport};

const USAGE: &str = "\
usage: echo_bot --email ACCOUNT [--password PASSWORD] [options]
  --server HOST:PORT       dispatch server (default messenger.hotmail.com:1863)
  --email ACCOUNT          the bot's Passport account
  --password PASSWORD      its password (default: the MSNP_PASSWORD environment variable)
  --nexus URL              the Passport nexus (default https://nexus.passport.com/rdr/pprdr.asp)
  --ca-file PEM            also trust the CA certificates in this PEM file
  --allow-http-passport    allow plain-HTTP Passport URLs (loopback test servers only)
  --trace                  log every frame to stderr (build with --features tracing)";

/// What the flags asked for.
#[derive(Debug)]
pub struct Options {
    pub server: HostPort<'static>,
    pub email: String,
    pub password: String,
    pub nexus: Option<String>,
    pub ca_file: Option<PathBuf>,
    pub allow_http_passport: bool,
    pub trace: bool,
}

impl Options {
    /// Reads the flags (without the program name); `password_env` is the value of
    /// `MSNP_PASSWORD`, if set. `Ok(None)` means `--help`.
    pub fn parse(
        args: impl IntoIterator<Item = String>,
        password_env: Option<String>,
    ) -> Result<Option<Options>, String> {
        let mut server = None;
        let mut email = None;
        let mut password = None;
        let mut nexus = None;
        let mut ca_file = None;
        let mut allow_http_passport = false;
        let mut trace = false;
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            // `--flag=value` and `--flag value` both work.
            let (flag, inline) = match arg.split_once('=') {
                Some((flag, value)) => (flag.to_owned(), Some(value.to_owned())),
                None => (arg, None),
            };
            let mut value = || {
                inline
                    .clone()
                    .or_else(|| args.next())
                    .ok_or_else(|| format!("{flag} needs a value"))
            };
            match flag.as_str() {
                "--server" => {
                    let text = value()?;
                    let addr = HostPort::parse(&text)
                        .ok_or_else(|| format!("--server {text:?} is not HOST:PORT"))?;
                    server = Some(addr.into_owned());
                }
                "--email" => email = Some(value()?),
                "--password" => password = Some(value()?),
                "--nexus" => nexus = Some(value()?),
                "--ca-file" => ca_file = Some(PathBuf::from(value()?)),
                "--allow-http-passport" => allow_http_passport = true,
                "--trace" => trace = true,
                "--help" | "-h" => return Ok(None),
                other => return Err(format!("unknown flag {other:?}")),
            }
        }
        let default_server = || ClientConfig::default().server;
        Ok(Some(Options {
            server: server.unwrap_or_else(default_server),
            email: email.ok_or("--email is required")?,
            password: password
                .or(password_env)
                .ok_or("--password or MSNP_PASSWORD is required")?,
            nexus,
            ca_file,
            allow_http_passport,
            trace,
        }))
    }
}

/// Signs in and echoes until the session ends; the error is a one-line reason.
pub fn run(options: Options) -> Result<(), String> {
    let http = UreqTransport::new(options.ca_file.as_deref())?;
    let mut config = ClientConfig::default();
    config.server = options.server;
    let mut login = Login::new(&options.email, &options.password);
    if let Some(nexus) = options.nexus {
        login.passport.nexus_url = nexus;
    }
    login.passport.allow_http = options.allow_http_passport;
    println!("connecting to {} as {}", config.server, options.email);
    let mut bot = Driver::start(config, login, http).map_err(|e| e.to_string())?;
    loop {
        let Some(event) = bot
            .next_event(Duration::from_secs(3600))
            .map_err(|e| e.to_string())?
        else {
            continue;
        };
        match event {
            ClientEvent::LoggedIn { account, name } => {
                println!(
                    "signed in as {} ({account}); echoing every message",
                    name.decode()
                );
            }
            ClientEvent::TextReceived {
                conversation,
                from,
                text,
                ..
            } => {
                println!("{from}: {text}");
                if let Err(e) = bot.act(|client, now| client.send_to_conversation(now, conversation, &text)) {
                    eprintln!("echo_bot: cannot echo to {from}: {e}");
                }
            }
            ClientEvent::MessageNotDelivered { reason, .. } => {
                eprintln!("echo_bot: an echo was not delivered: {reason}");
            }
            ClientEvent::SessionEnded { reason } => return Err(reason.to_string()),
            _ => {}
        }
    }
}

/// Why the session ended, in words.
fn main() -> ExitCode {
    let options = match Options::parse(std::env::args().skip(1), std::env::var("MSNP_PASSWORD").ok()) {
        Ok(Some(options)) => options,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            eprintln!("echo_bot: {error}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    if options.trace {
        tracing_subscriber::fmt()
            .with_max_level(tracing_subscriber::filter::LevelFilter::TRACE)
            .with_writer(std::io::stderr)
            .init();
    }
    match run(options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("echo_bot: {error}");
            ExitCode::FAILURE
        }
    }
}
