//! Sends a file to a contact, or receives one, on the tokio driver, with a progress
//! bar: over P2P through the switchboard (MSNP9+), or with `--msnftp` over a direct
//! connection this side listens for (any dialect; the contact must reach this
//! machine's address). Both contacts must be on each other's lists and online. The
//! receiver takes either.
//! `MSNP_PASSWORD=… cargo run --example send_file --features tokio -- --email a@example.com --to b@example.com --file notes.txt`
//! `MSNP_PASSWORD=… cargo run --example send_file --features tokio -- --email b@example.com --receive-into downloads/`
//!
//! Sending over MSNFTP from behind NAT: forward a port range on the router to this
//! machine, listen there with `--ports FIRST-LAST`, and give the router's public
//! address with `--public-ip ADDR`. The contact is told that address, and this
//! machine's own as `IP-Address-Internal`, which a receiver on the same network that
//! reads it (this crate's does) tries when the public one does not loop back.
//! `MSNP_PASSWORD=… cargo run --example send_file --features tokio -- --email a@example.com --to b@example.com --file notes.txt --msnftp --public-ip 203.0.113.9 --ports 6891-6900`
use std::io::{Read, Write};
use std::net::IpAddr;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};

use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use msnp::Secret;
use msnp::client::{ClientEvent, TransferId};
use msnp::codec::{HostPort, Passport};
use msnp::drivers::DriverConfig;
use msnp::tokio::{Bot, Events};

/// Sends `--file` to `--to`, or accepts the first file offered into `--receive-into`.
#[derive(Parser, Debug)]
struct Flags {
    /// The dispatch server, HOST:PORT.
    #[arg(long, default_value = "messenger.hotmail.com:1863", value_parser = |s: &str| HostPort::parse(s).map(HostPort::into_owned).ok_or("expected HOST:PORT"))]
    server: HostPort<'static>,
    /// The Passport account to sign in with.
    #[arg(long)]
    email: String,
    /// Its password.
    #[arg(long, env = "MSNP_PASSWORD", hide_env_values = true)]
    password: String,
    /// The Passport nexus URL (default https://nexus.passport.com/rdr/pprdr.asp).
    #[arg(long)]
    nexus: Option<String>,
    /// Allow plain-HTTP Passport (loopback test servers only).
    #[arg(long)]
    allow_http_passport: bool,
    /// The contact to send to.
    #[arg(long, requires = "file", conflicts_with = "receive_into")]
    to: Option<String>,
    /// The file to send.
    #[arg(long)]
    file: Option<PathBuf>,
    /// Receive the first file offered into this directory.
    #[arg(long)]
    receive_into: Option<PathBuf>,
    /// Send over MSNFTP (a direct connection) instead of P2P.
    #[arg(long, requires = "to")]
    msnftp: bool,
    /// MSNFTP behind NAT: the public address the contact is told to connect to
    /// (this machine's own goes beside it as `IP-Address-Internal`).
    #[arg(long, value_name = "ADDR", requires = "msnftp")]
    public_ip: Option<IpAddr>,
    /// MSNFTP: listen on the first free port of FIRST-LAST (e.g. 6891-6900), the
    /// ports the router forwards here, instead of any port the system picks.
    #[arg(long, value_name = "FIRST-LAST", value_parser = port_range, requires = "msnftp")]
    ports: Option<RangeInclusive<u16>>,
}

/// `FIRST-LAST` (or one `PORT`), from 1 to 65535, FIRST no greater than LAST.
fn port_range(text: &str) -> Result<RangeInclusive<u16>, String> {
    let port = |p: &str| match p.trim().parse::<u16>() {
        Ok(0) | Err(_) => Err(format!("`{p}` is not a port from 1 to 65535")),
        Ok(port) => Ok(port),
    };
    let (first, last) = match text.split_once('-') {
        Some((first, last)) => (port(first)?, port(last)?),
        None => (port(text)?, port(text)?),
    };
    if first > last {
        return Err(format!("the range {first}-{last} is empty: FIRST is above LAST"));
    }
    Ok(first..=last)
}

type Failure = Box<dyn std::error::Error>;

fn progress_bar(total: u64) -> ProgressBar {
    let bar = ProgressBar::new(total);
    let style = ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} {eta}")
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}

/// Offers the file, then feeds it as the transfer takes it, until it ends.
async fn send(bot: &Bot, events: &mut Events, to: &str, path: &Path, msnftp: bool) -> Result<(), Failure> {
    let mut file = std::fs::File::open(path)?;
    let size = file.metadata()?.len();
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let to = Passport::try_from(to)?;
    let id = if msnftp {
        bot.send_file_msnftp(&to, name, size).await?
    } else {
        bot.send_file(&to, name, size).await?
    };
    let bar = progress_bar(size);
    // Read from the file but not yet taken by the transfer, which holds a bounded amount.
    let (mut pending, mut at_end, mut accepted) = (Vec::new(), false, false);
    while let Some(event) = events.recv().await {
        match event {
            ClientEvent::TransferAccepted { id: got } if got == id => accepted = true,
            ClientEvent::TransferProgress { id: got, done, .. } if got == id => bar.set_position(done),
            ClientEvent::TransferEnded { id: got, result } if got == id => {
                bar.finish();
                println!("sent {} bytes", result.map_err(|why| why.to_string())?);
                return Ok(());
            }
            ClientEvent::SessionEnded { reason } => return Err(reason.to_string().into()),
            _ => {}
        }
        if accepted {
            feed(bot, id, &mut file, &mut pending, &mut at_end).await?;
        }
    }
    Err("the session ended".into())
}

/// Writes to the transfer until it takes no more (the next progress event makes room)
/// or the file is all written.
async fn feed(
    bot: &Bot,
    id: TransferId,
    file: &mut std::fs::File,
    pending: &mut Vec<u8>,
    at_end: &mut bool,
) -> Result<(), Failure> {
    loop {
        if pending.is_empty() {
            if *at_end {
                return Ok(());
            }
            pending.resize(64 * 1024, 0);
            let read = file.read(pending)?;
            pending.truncate(read);
            *at_end = read == 0;
            continue;
        }
        let taken = bot.write_transfer(id, pending).await?;
        pending.drain(..taken);
        if taken == 0 {
            return Ok(());
        }
    }
}

/// Accepts the first offer and writes what arrives into `dir`.
async fn receive(bot: &Bot, events: &mut Events, dir: &Path) -> Result<(), Failure> {
    let (mut id, mut out, mut bar): (Option<TransferId>, Option<std::fs::File>, Option<ProgressBar>) =
        (None, None, None);
    while let Some(event) = events.recv().await {
        match event {
            ClientEvent::TransferOffered {
                id: offered,
                from,
                name,
                size,
            } if id.is_none() => {
                // Only the name's last component: an offer cannot write outside `dir`.
                let name = Path::new(&name)
                    .file_name()
                    .map_or("file".into(), |n| n.to_owned());
                println!("{from} sends {} ({size} bytes)", name.to_string_lossy());
                out = Some(std::fs::File::create(dir.join(name))?);
                bar = Some(progress_bar(size));
                bot.accept_transfer(offered).await?;
                id = Some(offered);
            }
            ClientEvent::TransferData { id: got, bytes } if Some(got) == id => {
                out.as_mut().ok_or("no file")?.write_all(&bytes)?;
            }
            ClientEvent::TransferProgress { id: got, done, .. } if Some(got) == id => {
                if let Some(bar) = &bar {
                    bar.set_position(done);
                }
            }
            ClientEvent::TransferEnded { id: got, result } if Some(got) == id => {
                if let Some(bar) = &bar {
                    bar.finish();
                }
                println!("received {} bytes", result.map_err(|why| why.to_string())?);
                return Ok(());
            }
            ClientEvent::SessionEnded { reason } => return Err(reason.to_string().into()),
            _ => {}
        }
    }
    Err("the session ended".into())
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let flags = Flags::parse();
    let mut config = DriverConfig::default();
    config.client.server = flags.server;
    config.client.passport.nexus_url = flags.nexus.unwrap_or(config.client.passport.nexus_url);
    config.allow_http_passport = flags.allow_http_passport;
    config.client.transfer.msnftp_public_ip = flags.public_ip;
    config.msnftp_ports = flags.ports;
    // Offers over MSNFTP come as transfers too, not as bare invitations.
    config.client.transfer.msnftp = true;
    let result: Result<(), Failure> = async {
        let (bot, mut events) =
            msnp::tokio::connect(config, &flags.email, Secret::new(flags.password)).await?;
        match (flags.to, flags.file, flags.receive_into) {
            (Some(to), Some(file), _) => send(&bot, &mut events, &to, &file, flags.msnftp).await,
            (_, _, Some(dir)) => receive(&bot, &mut events, &dir).await,
            _ => Err("give --to and --file, or --receive-into".into()),
        }
    }
    .await;
    if let Err(error) = result {
        eprintln!("send_file: {error}");
        std::process::exit(1);
    }
}
