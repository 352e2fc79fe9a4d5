//! An MSN bot on std threads that echoes every text back into its conversation.
//! `MSNP_PASSWORD=… cargo run --example echo_bot_blocking -- --email bot@example.com`
use std::path::PathBuf;

use clap::Parser;
use msnp::Secret;
use msnp::client::ClientEvent;
use msnp::codec::HostPort;
use msnp::drivers::{DriverConfig, DriverError};
use tracing_subscriber::filter::LevelFilter;

/// Echoes every text back to its sender; ends with a one-line reason.
#[derive(Parser, Debug)]
pub struct Flags {
    /// The dispatch server, HOST:PORT.
    #[arg(long, default_value = "messenger.hotmail.com:1863", value_parser = |s: &str| HostPort::parse(s).map(HostPort::into_owned).ok_or("expected HOST:PORT"))]
    pub server: HostPort<'static>,
    /// The bot's Passport account.
    #[arg(long)]
    pub email: String,
    /// Its password.
    #[arg(long, env = "MSNP_PASSWORD", hide_env_values = true)]
    pub password: String,
    /// The Passport nexus URL (default https://nexus.passport.com/rdr/pprdr.asp).
    #[arg(long)]
    pub nexus: Option<String>,
    /// Also trust the CA certificates in this PEM file.
    #[arg(long)]
    pub ca_file: Option<PathBuf>,
    /// Allow plain-HTTP Passport (loopback test servers only).
    #[arg(long)]
    pub allow_http_passport: bool,
    /// Log every frame to stderr (build with --features tracing).
    #[arg(long)]
    pub trace: bool,
}

/// Signs in and echoes until the session ends, whose reason is the error.
pub fn run(flags: Flags) -> Result<(), DriverError> {
    let mut config = DriverConfig::default();
    config.client.server = flags.server;
    config.client.passport.nexus_url = flags.nexus.unwrap_or(config.client.passport.nexus_url);
    (config.ca_file, config.allow_http_passport) = (flags.ca_file, flags.allow_http_passport);
    let (bot, events) = msnp::blocking::connect(config, &flags.email, Secret::new(flags.password))?;
    while let Some(event) = events.recv() {
        match event {
            ClientEvent::TextReceived {
                conversation, text, ..
            } => {
                if let Err(error) = bot.send_to_conversation(conversation, text) {
                    eprintln!("cannot echo: {error}");
                }
            }
            ClientEvent::SessionEnded { reason } => return Err(reason.into()),
            _ => {}
        }
    }
    Ok(())
}

fn main() {
    let flags = Flags::parse();
    if flags.trace {
        let subscriber = tracing_subscriber::fmt().with_writer(std::io::stderr);
        subscriber.with_max_level(LevelFilter::TRACE).init();
    }
    if let Err(error) = run(flags) {
        eprintln!("echo_bot_blocking: {error}");
        std::process::exit(1);
    }
}
