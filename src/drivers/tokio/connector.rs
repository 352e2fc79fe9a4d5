//! How the tokio driver reaches the network: the [`Connector`] trait, and
//! [`TcpConnector`], which opens TCP connections and makes Passport requests with reqwest.

use std::future::Future;
use std::ops::RangeInclusive;

use ::tokio::io::{AsyncRead, AsyncWrite};
use ::tokio::net::TcpStream;

use crate::codec::HostPort;
use crate::drivers::{self, DriverConfig, DriverError};
use crate::passport::{HttpRequest, HttpResponse};

/// How the driver opens connections and performs Passport requests: TCP and HTTPS
/// with [`TcpConnector`], anything else for tests (see the [module docs](super#connectors)).
///
/// Each call runs in a task of its own, so a slow connect or request delays nothing
/// else; the driver bounds a connect by [`DriverConfig::connect_timeout`] (on tokio's
/// clock), a Passport request by
/// [`ClientConfig::passport_timeout`](crate::client::ClientConfig::passport_timeout).
pub trait Connector: Send + Sync + 'static {
    /// A connection's byte stream; the driver splits it into a reader and a writer
    /// task, and shuts it down when the session forgets the connection.
    type Stream: AsyncRead + AsyncWrite + Send + Unpin + 'static;

    /// Opens a connection to `addr` (a dispatch, notification or switchboard server).
    fn connect(&self, addr: &HostPort<'static>)
    -> impl Future<Output = std::io::Result<Self::Stream>> + Send;

    /// Performs a Passport `GET` exactly as given (its URL and every header; no
    /// redirect followed). Any status is an answer; only no answer at all is an
    /// error, worded for [`CloseReason`](crate::client::CloseReason)'s sentence.
    fn http(&self, request: &HttpRequest) -> impl Future<Output = Result<HttpResponse, String>> + Send;

    /// Listens for one peer's connection (an MSNFTP file the user sends), on the local
    /// address that reaches `toward` (the conversation's switchboard server): gives the
    /// address to hand the peer and the connection to come, which the driver drops if
    /// the transfer ends first. The default refuses (`Unsupported`): a connector with no
    /// network of its own, such as the in-memory server's, cannot be reached by peers.
    fn listen(
        &self,
        toward: &HostPort<'static>,
    ) -> impl Future<Output = std::io::Result<(HostPort<'static>, Accepting<Self::Stream>)>> + Send {
        let _ = toward;
        async { Err(drivers::cannot_listen()) }
    }
}

/// The connection a listener waits for ([`Connector::listen`]).
pub type Accepting<S> = std::pin::Pin<Box<dyn Future<Output = std::io::Result<S>> + Send>>;

/// The default [`Connector`]: TCP (no Nagle delay: commands are small and answered
/// one by one), and Passport over HTTPS with reqwest on rustls, trusting Mozilla's
/// roots and [`DriverConfig::ca_file`], plain HTTP only where
/// [`DriverConfig::allow_http_passport`] allows it.
#[derive(Clone, Debug)]
pub struct TcpConnector {
    http: reqwest::Client,
    msnftp_ports: Option<RangeInclusive<u16>>,
}

impl TcpConnector {
    /// The connector [`connect`](super::connect) uses, set up from `config`: fails when the CA file
    /// cannot be read or the HTTP client built.
    pub fn new(config: &DriverConfig) -> Result<Self, DriverError> {
        Ok(TcpConnector {
            http: http_client(config)?,
            msnftp_ports: config.msnftp_ports.clone(),
        })
    }
}

impl Connector for TcpConnector {
    type Stream = TcpStream;

    async fn connect(&self, addr: &HostPort<'static>) -> std::io::Result<TcpStream> {
        let stream = TcpStream::connect((addr.host(), addr.port())).await?;
        let _ = stream.set_nodelay(true);
        Ok(stream)
    }

    async fn http(&self, request: &HttpRequest) -> Result<HttpResponse, String> {
        get(&self.http, request).await
    }

    /// Binds on the local address that routes to `toward` (found without sending a
    /// packet), on the first free port of [`DriverConfig::msnftp_ports`], or one the
    /// system picks.
    async fn listen(
        &self,
        toward: &HostPort<'static>,
    ) -> std::io::Result<(HostPort<'static>, Accepting<TcpStream>)> {
        let target = ::tokio::net::lookup_host((toward.host(), toward.port()))
            .await?
            .next()
            .ok_or_else(|| {
                std::io::Error::new(std::io::ErrorKind::NotFound, "the name resolves to no address")
            })?;
        let ip = drivers::local_ip_toward(target)?;
        // Binding does not block, so std's call serves, shared with the blocking driver.
        let listener = drivers::bind_listener(ip, self.msnftp_ports.as_ref())?;
        listener.set_nonblocking(true)?;
        let listener = ::tokio::net::TcpListener::from_std(listener)?;
        let addr = drivers::host_port(ip, listener.local_addr()?.port())?;
        let accepting: Accepting<TcpStream> = Box::pin(async move {
            let (stream, _) = listener.accept().await?;
            let _ = stream.set_nodelay(true);
            Ok(stream)
        });
        Ok((addr, accepting))
    }
}

/// reqwest on rustls: Mozilla's roots plus the CA file's, no redirects followed (the
/// flow follows them, re-sending the credentials only where Passport may get them),
/// `https` only unless plain HTTP was allowed.
fn http_client(config: &DriverConfig) -> Result<reqwest::Client, DriverError> {
    let client = drivers::client_config(config);
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .redirect(reqwest::redirect::Policy::none())
        .https_only(!client.passport.allow_http)
        .timeout(client.passport_timeout)
        .connect_timeout(config.connect_timeout);
    if let Some((path, pem)) = drivers::read_ca_file(config)? {
        let certificates =
            reqwest::Certificate::from_pem_bundle(&pem).map_err(|error| DriverError::CaFile {
                path: path.clone(),
                reason: drivers::sentence(&error),
            })?;
        if certificates.is_empty() {
            return Err(DriverError::CaFile {
                path,
                reason: "it holds no PEM certificate".to_owned(),
            });
        }
        for certificate in certificates {
            builder = builder.add_root_certificate(certificate);
        }
    }
    builder.build().map_err(|error| DriverError::Http {
        reason: drivers::sentence(&error),
    })
}

/// Performs `request` as given; any status is an answer, only no answer is an error.
async fn get(http: &reqwest::Client, request: &HttpRequest) -> Result<HttpResponse, String> {
    let mut call = http.get(request.url());
    for (name, value) in drivers::headers(request) {
        call = call.header(name, value);
    }
    let response = call
        .send()
        .await
        .map_err(|error| drivers::sentence(&error.without_url()))?;
    let headers = response.headers().iter();
    Ok(drivers::response(
        response.status().as_u16(),
        headers.map(|(name, value)| (name.as_str(), value.to_str().ok())),
    ))
}
