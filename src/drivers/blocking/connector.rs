//! How the blocking driver reaches the network: the [`Stream`] and [`Connector`] traits,
//! and [`TcpConnector`], which opens TCP connections and makes Passport requests with ureq.

use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::ops::RangeInclusive;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use crate::codec::HostPort;
use crate::drivers::{self, DriverConfig, DriverError};
use crate::passport::{HttpRequest, HttpResponse};

/// One connection as the driver uses it: read on one thread, written on another.
pub trait Stream: Read + Write + Send + Sized + 'static {
    /// A second handle on the same connection, for the reader thread.
    fn try_clone(&self) -> io::Result<Self>;
    /// Ends both directions, from either handle: a read waiting on the other returns
    /// (end of stream or an error), and later writes fail.
    fn shutdown(&self) -> io::Result<()>;
}

impl Stream for TcpStream {
    fn try_clone(&self) -> io::Result<Self> {
        TcpStream::try_clone(self)
    }

    fn shutdown(&self) -> io::Result<()> {
        TcpStream::shutdown(self, Shutdown::Both)
    }
}

/// How the driver opens connections and performs Passport requests: TCP and HTTPS
/// with [`TcpConnector`], anything else for tests (see the [module docs](super#connectors)).
///
/// Each call runs on a thread of its own, so a slow connect or request delays nothing
/// else.
pub trait Connector: Send + Sync + 'static {
    /// A connection.
    type Stream: Stream;

    /// Opens a connection to `addr` (a dispatch, notification or switchboard server)
    /// within `timeout` ([`DriverConfig::connect_timeout`]), whose writes each give up
    /// when the peer takes no byte for `write_timeout`
    /// ([`DriverConfig::write_timeout`]; zero means never).
    fn connect(
        &self,
        addr: &HostPort<'static>,
        timeout: Duration,
        write_timeout: Duration,
    ) -> io::Result<Self::Stream>;

    /// Performs a Passport `GET` exactly as given (its URL and every header; no
    /// redirect followed), within
    /// [`ClientConfig::passport_timeout`](crate::client::ClientConfig::passport_timeout).
    /// Any status is an answer; only no answer at all is an error, worded for
    /// [`CloseReason`](crate::client::CloseReason)'s sentence.
    fn http(&self, request: &HttpRequest) -> Result<HttpResponse, String>;

    /// Listens for one peer's connection (an MSNFTP file the user sends), on the local
    /// address that reaches `toward` (the conversation's switchboard server), its writes
    /// bounded by `write_timeout` as in [`connect`](Self::connect): gives the address to
    /// hand the peer and the call that waits for the connection. The default refuses
    /// (`Unsupported`): a connector with no network of its own, such as the in-memory
    /// server's, cannot be reached by peers.
    fn listen(
        &self,
        toward: &HostPort<'static>,
        write_timeout: Duration,
    ) -> io::Result<(HostPort<'static>, Accepting<Self::Stream>)> {
        let _ = (toward, write_timeout);
        Err(drivers::cannot_listen())
    }
}

/// The connection a listener waits for ([`Connector::listen`]): the call blocks until a
/// peer connects, and fails once its flag is set (the transfer ended first; checking it
/// every few tens of milliseconds is enough).
pub type Accepting<S> = Box<dyn FnOnce(&AtomicBool) -> io::Result<S> + Send>;

/// How often a listener waiting for a peer looks whether it is still wanted.
const ACCEPT_POLL: Duration = Duration::from_millis(20);

/// The default [`Connector`]: TCP (no Nagle delay: commands are small and answered
/// one by one), and Passport over HTTPS with ureq on rustls, trusting Mozilla's roots
/// and [`DriverConfig::ca_file`], plain HTTP only where
/// [`DriverConfig::allow_http_passport`] allows it.
#[derive(Clone, Debug)]
pub struct TcpConnector {
    agent: ureq::Agent,
    msnftp_ports: Option<RangeInclusive<u16>>,
}

impl TcpConnector {
    /// The connector [`connect`](super::connect) uses, set up from `config`: fails when the CA file
    /// cannot be read.
    pub fn new(config: &DriverConfig) -> Result<Self, DriverError> {
        Ok(TcpConnector {
            agent: http_agent(config)?,
            msnftp_ports: config.msnftp_ports.clone(),
        })
    }
}

impl Connector for TcpConnector {
    type Stream = TcpStream;

    fn connect(
        &self,
        addr: &HostPort<'static>,
        timeout: Duration,
        write_timeout: Duration,
    ) -> io::Result<TcpStream> {
        let stream = open(addr, timeout)?;
        // `set_write_timeout` refuses zero, which here means no limit.
        stream.set_write_timeout(Some(write_timeout).filter(|t| !t.is_zero()))?;
        Ok(stream)
    }

    fn http(&self, request: &HttpRequest) -> Result<HttpResponse, String> {
        get(&self.agent, request)
    }

    /// Binds on the local address that routes to `toward` (found without sending a
    /// packet), on the first free port of [`DriverConfig::msnftp_ports`], or one the
    /// system picks. The wait polls the socket every 20 ms
    /// (std cannot interrupt a blocking `accept`), only while a peer is awaited.
    fn listen(
        &self,
        toward: &HostPort<'static>,
        write_timeout: Duration,
    ) -> io::Result<(HostPort<'static>, Accepting<TcpStream>)> {
        let target = (toward.host(), toward.port())
            .to_socket_addrs()?
            .next()
            .ok_or_else(|| io::Error::new(ErrorKind::NotFound, "the name resolves to no address"))?;
        let ip = drivers::local_ip_toward(target)?;
        let listener = drivers::bind_listener(ip, self.msnftp_ports.as_ref())?;
        listener.set_nonblocking(true)?;
        let addr = drivers::host_port(ip, listener.local_addr()?.port())?;
        let accepting: Accepting<TcpStream> = Box::new(move |stop: &AtomicBool| {
            loop {
                match listener.accept() {
                    Ok((stream, _)) => {
                        stream.set_nonblocking(false)?;
                        stream.set_nodelay(true)?;
                        stream.set_write_timeout(Some(write_timeout).filter(|t| !t.is_zero()))?;
                        return Ok(stream);
                    }
                    Err(error) if error.kind() == ErrorKind::WouldBlock => {
                        if stop.load(Ordering::Relaxed) {
                            return Err(io::Error::new(ErrorKind::Interrupted, "no longer listening"));
                        }
                        thread::sleep(ACCEPT_POLL);
                    }
                    Err(error) if error.kind() == ErrorKind::Interrupted => {}
                    Err(error) => return Err(error),
                }
            }
        });
        Ok((addr, accepting))
    }
}

/// Resolves `addr` and connects to the first address that answers.
fn open(addr: &HostPort<'static>, timeout: Duration) -> io::Result<TcpStream> {
    let mut last = io::Error::new(ErrorKind::NotFound, "the name resolves to no address");
    for candidate in (addr.host(), addr.port()).to_socket_addrs()? {
        match TcpStream::connect_timeout(&candidate, timeout) {
            Ok(stream) => {
                // Commands are small and answered one by one: do not wait to batch them.
                stream.set_nodelay(true)?;
                return Ok(stream);
            }
            Err(error) => last = error,
        }
    }
    Err(last)
}

/// ureq on rustls: Mozilla's roots plus the CA file's, no redirects followed (the flow
/// follows them, re-sending the credentials only where Passport may get them), every
/// status an answer, `https` only unless plain HTTP was allowed.
fn http_agent(config: &DriverConfig) -> Result<ureq::Agent, DriverError> {
    use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};

    let client = drivers::client_config(config);
    let mut tls = TlsConfig::builder();
    if let Some((path, pem)) = drivers::read_ca_file(config)? {
        let mut roots: Vec<Certificate<'static>> = webpki_root_certs::TLS_SERVER_ROOT_CERTS
            .iter()
            .map(|der| Certificate::from_der(der.as_ref()).to_owned())
            .collect();
        let mut added = 0;
        for item in ureq::tls::parse_pem(&pem) {
            match item {
                Ok(PemItem::Certificate(certificate)) => {
                    roots.push(certificate);
                    added += 1;
                }
                Ok(_) => {}
                Err(error) => {
                    return Err(DriverError::CaFile {
                        path,
                        reason: drivers::sentence(&error),
                    });
                }
            }
        }
        if added == 0 {
            return Err(DriverError::CaFile {
                path,
                reason: "it holds no PEM certificate".to_owned(),
            });
        }
        tls = tls.root_certs(RootCerts::from(roots));
    }
    Ok(ureq::Agent::config_builder()
        .tls_config(tls.build())
        .https_only(!client.passport.allow_http)
        .max_redirects(0)
        .http_status_as_error(false)
        .timeout_global(Some(client.passport_timeout))
        .timeout_connect(Some(config.connect_timeout))
        .build()
        .new_agent())
}

/// Performs `request` as given; any status is an answer, only no answer is an error.
fn get(agent: &ureq::Agent, request: &HttpRequest) -> Result<HttpResponse, String> {
    let mut call = agent.get(request.url());
    for (name, value) in drivers::headers(request) {
        call = call.header(name, value);
    }
    let response = call.call().map_err(|error| drivers::sentence(&error))?;
    let headers = response.headers().iter();
    Ok(drivers::response(
        response.status().as_u16(),
        headers.map(|(name, value)| (name.as_str(), value.to_str().ok())),
    ))
}
