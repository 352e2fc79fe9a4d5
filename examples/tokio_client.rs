//! An echo bot on tokio: signs in (dispatch referral, Passport 1.4 over async HTTP) and
//! sends every text it receives back to the conversation it came from.
//!
//! ```text
//! cargo run --example tokio_client -- --email bot@example.com --password secret \
//!     [--server host:port] [--nexus URL] [--allow-http-passport]
//! ```
//!
//! The password may come from `MSNP_PASSWORD` instead of `--password`.
//!
//! The run loop is the crate's contract in async form: after every input, drain
//! `poll_output` until `Idle`, then wait on whichever comes first, input from any
//! connection (one reader task per socket feeds one channel) or the client's next
//! timeout (`sleep_until`).

use std::collections::HashMap;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use msnp::Secret;
use msnp::client::{Client, ClientConfig, ClientEvent, ClientOutput, ConnId};
use msnp::codec::{HostPort, Passport};
use msnp::ns::CloseReason;
use msnp::passport::{HttpRequest, HttpResponse, PassportConfig, PassportFlow, Step};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::OwnedWriteHalf;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

const USAGE: &str = "usage: tokio_client --email ADDRESS [--password PASSWORD | MSNP_PASSWORD=…] \
                     [--server HOST:PORT] [--nexus URL] [--allow-http-passport]";
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const HTTP_TIMEOUT: Duration = Duration::from_secs(20);

/// The command line.
struct Flags {
    server: HostPort<'static>,
    email: Passport<'static>,
    password: Secret<String>,
    nexus: Option<String>,
    allow_http: bool,
}

fn parse_flags(mut args: impl Iterator<Item = String>) -> Result<Flags, String> {
    let (mut server, mut email, mut password, mut nexus, mut allow_http) = (None, None, None, None, false);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--server" => server = Some(value()?),
            "--email" => email = Some(value()?),
            "--password" => password = Some(value()?),
            "--nexus" => nexus = Some(value()?),
            "--allow-http-passport" => allow_http = true,
            "--help" | "-h" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown flag {other}\n{USAGE}")),
        }
    }
    let server = match server {
        None => ClientConfig::default().server,
        Some(text) => {
            let (host, port) = text
                .rsplit_once(':')
                .ok_or(format!("--server {text}: expected HOST:PORT"))?;
            let port = port.parse().map_err(|_| format!("--server {text}: bad port"))?;
            HostPort::new(host.to_owned(), port).map_err(|e| format!("--server {text}: {e}"))?
        }
    };
    let email = email.ok_or(format!("--email is required\n{USAGE}"))?;
    let email = Passport::try_from(email.clone()).map_err(|e| format!("--email {email}: {e}"))?;
    let password = password
        .or_else(|| std::env::var("MSNP_PASSWORD").ok())
        .ok_or("--password or MSNP_PASSWORD is required")?;
    Ok(Flags {
        server,
        email,
        password: Secret::new(password),
        nexus,
        allow_http,
    })
}

/// What a connection's reader task reports.
enum Input {
    Connected(OwnedWriteHalf),
    ConnectFailed(std::io::Error),
    Data(Vec<u8>),
    Closed,
}

/// Opens `addr` and reads it until EOF, reporting everything on `tx`.
async fn connection(conn: ConnId, addr: HostPort<'static>, tx: mpsc::Sender<(ConnId, Input)>) {
    let connect = TcpStream::connect((addr.host(), addr.port()));
    let stream = match tokio::time::timeout(CONNECT_TIMEOUT, connect).await {
        Ok(Ok(stream)) => stream,
        Ok(Err(error)) => return drop(tx.send((conn, Input::ConnectFailed(error))).await),
        Err(_) => {
            let error = std::io::Error::new(std::io::ErrorKind::TimedOut, "connect timed out");
            return drop(tx.send((conn, Input::ConnectFailed(error))).await);
        }
    };
    let _ = stream.set_nodelay(true);
    let (mut reader, writer) = stream.into_split();
    if tx.send((conn, Input::Connected(writer))).await.is_err() {
        return;
    }
    let mut buf = vec![0; 16 * 1024];
    loop {
        let input = match reader.read(&mut buf).await {
            Ok(0) | Err(_) => Input::Closed,
            Ok(n) => Input::Data(buf[..n].to_vec()),
        };
        let closed = matches!(input, Input::Closed);
        // The channel is bounded: a slow session slows the reads instead of buffering.
        if tx.send((conn, input)).await.is_err() || closed {
            return;
        }
    }
}

/// Runs the Passport 1.4 flow with reqwest: the flow builds each request and reads each
/// response; redirects are the flow's to follow, so reqwest must not.
async fn passport(
    http: &reqwest::Client,
    config: &mut PassportConfig,
    challenge: &str,
    account: &str,
    password: &Secret<String>,
) -> Result<Secret<String>, String> {
    let mut flow = PassportFlow::new(config, challenge, account, password).map_err(|e| e.to_string())?;
    loop {
        let response = get(http, flow.request()).await?;
        match flow.handle_response(response).map_err(|e| e.to_string())? {
            Step::Continue(next) => {
                config.dalogin = next.dalogin_url().map(str::to_owned);
                flow = next;
            }
            Step::Done(ticket) => return Ok(ticket),
        }
    }
}

async fn get(http: &reqwest::Client, request: &HttpRequest) -> Result<HttpResponse, String> {
    let mut builder = http.get(request.url());
    for (name, value) in request.headers() {
        builder = builder.header(name, value);
    }
    // The error names the URL, never the Authorization header (which holds the password).
    let response = builder
        .send()
        .await
        .map_err(|e| format!("Passport request to {} failed: {e}", request.url()))?;
    let mut head = HttpResponse::new(response.status().as_u16());
    for (name, value) in response.headers() {
        if let Ok(value) = value.to_str() {
            head.push_header(name.as_str(), value);
        }
    }
    Ok(head)
}

async fn run(flags: Flags) -> Result<(), String> {
    let mut config = ClientConfig::default();
    config.server = flags.server;
    let mut passport_config = PassportConfig::default();
    if let Some(nexus) = flags.nexus {
        passport_config.nexus_url = nexus;
    }
    passport_config.allow_http = flags.allow_http;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(HTTP_TIMEOUT)
        .build()
        .map_err(|e| format!("HTTP client: {e}"))?;

    let mut client = Client::new(config, flags.email.clone(), Instant::now());
    let (tx, mut rx) = mpsc::channel::<(ConnId, Input)>(64);
    let mut writers: HashMap<ConnId, OwnedWriteHalf> = HashMap::new();
    let mut readers: HashMap<ConnId, JoinHandle<()>> = HashMap::new();
    let mut addrs: HashMap<ConnId, HostPort<'static>> = HashMap::new();
    // Why the last connection attempt failed: a refused notification connection ends
    // the session as "connection lost", and this says more.
    let mut connect_error: Option<String> = None;

    loop {
        // Drain until Idle, performing each output in order.
        let next_timeout = loop {
            match client.poll_output() {
                ClientOutput::Connect { conn, addr } => {
                    addrs.insert(conn, addr.clone());
                    readers.insert(conn, tokio::spawn(connection(conn, addr, tx.clone())));
                }
                ClientOutput::Transmit { conn, bytes } => {
                    if let Some(writer) = writers.get_mut(&conn)
                        && writer.write_all(&bytes).await.is_err()
                    {
                        writers.remove(&conn);
                        client.handle_closed(conn, Instant::now());
                    }
                }
                ClientOutput::Close { conn } => {
                    writers.remove(&conn);
                    addrs.remove(&conn);
                    if let Some(reader) = readers.remove(&conn) {
                        reader.abort();
                    }
                }
                ClientOutput::Event(ClientEvent::SessionEnded { reason }) => {
                    let msnp::client::CloseReason::Notification(reason) = reason else {
                        return Err(reason.to_string());
                    };
                    return match (reason, connect_error) {
                        (CloseReason::ConnectionLost, Some(error)) => Err(error),
                        (reason, _) => ended(reason),
                    };
                }
                ClientOutput::Event(event) => {
                    on_event(&mut client, &http, &mut passport_config, &flags.password, event).await?;
                }
                ClientOutput::Idle { next_timeout } => break next_timeout,
            }
        };

        let sleep = async {
            match next_timeout {
                Some(at) => tokio::time::sleep_until(at.into()).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            input = rx.recv() => {
                // The loop holds a sender, so the channel never ends.
                let Some((conn, input)) = input else { return Err("internal channel closed".into()) };
                let now = Instant::now();
                match input {
                    Input::Connected(writer) => {
                        writers.insert(conn, writer);
                        client.handle_connected(conn, now);
                    }
                    Input::ConnectFailed(error) => {
                        let addr = addrs.get(&conn).map(ToString::to_string).unwrap_or_default();
                        connect_error = Some(format!("cannot connect to {addr}: {error}"));
                        client.handle_connect_failed(conn, now);
                    }
                    Input::Data(bytes) => client.handle_input(conn, now, &bytes),
                    Input::Closed => {
                        writers.remove(&conn);
                        client.handle_closed(conn, now);
                    }
                }
            }
            () = sleep => client.handle_timeout(Instant::now()),
        }
    }
}

/// How the session ended, for the exit code and the one-line message.
fn ended(reason: CloseReason) -> Result<(), String> {
    match reason {
        CloseReason::LoggedOut => Ok(()),
        CloseReason::PassportFailed { reason } => Err(format!("sign-in failed: {reason}")),
        CloseReason::AuthenticationFailed { code } | CloseReason::LoginRejected { code } => Err(format!(
            "sign-in refused: {} ({})",
            code.meaning().unwrap_or("unknown error"),
            code.0
        )),
        CloseReason::ConnectionLost => Err("the server closed the connection".to_owned()),
        CloseReason::ServerShutdown => Err("the server shut down".to_owned()),
        CloseReason::SignedInElsewhere => Err("signed in elsewhere".to_owned()),
        other => Err(format!("session ended: {other:?}")),
    }
}

/// Reacts to one event; an error ends the session.
async fn on_event(
    client: &mut Client,
    http: &reqwest::Client,
    passport_config: &mut PassportConfig,
    password: &Secret<String>,
    event: ClientEvent,
) -> Result<(), String> {
    let now = Instant::now();
    match event {
        ClientEvent::PassportRequired { challenge } => {
            let account = client.account().as_str().to_owned();
            // The session waits for the ticket; nothing else needs doing meanwhile.
            let result = match passport(http, passport_config, &challenge, &account, password).await {
                Ok(ticket) => client.submit_ticket(Instant::now(), ticket),
                Err(reason) => client.passport_failed(Instant::now(), reason),
            };
            result.map_err(|error| error.to_string())?;
        }
        ClientEvent::LoggedIn { account, name } => println!("signed in as {account} ({})", name.decode()),
        ClientEvent::ConversationStarted {
            conversation,
            invited_by,
        } => match invited_by {
            Some(from) => println!("{from} invited us ({conversation:?})"),
            None => println!("opened {conversation:?}"),
        },
        ClientEvent::TextReceived {
            conversation,
            from,
            text,
            ..
        } => {
            println!("{from}: {text}");
            if let Err(error) = client.send_to_conversation(now, conversation, &text) {
                eprintln!("tokio_client: cannot echo to {from}: {error}");
            }
        }
        ClientEvent::MessageNotDelivered { handle, reason } => {
            eprintln!("tokio_client: {handle:?} not delivered: {reason:?}")
        }
        _ => {}
    }
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let flags = match parse_flags(std::env::args().skip(1)) {
        Ok(flags) => flags,
        Err(message) => {
            eprintln!("tokio_client: {message}");
            return ExitCode::from(2);
        }
    };
    match run(flags).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("tokio_client: {message}");
            ExitCode::FAILURE
        }
    }
}
