//! The tasks behind each connection: [`TokioIo`] opens connections in tasks of their
//! own, and each socket gets a reader task and a writer task with a bounded queue.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use ::tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadHalf, WriteHalf};
use ::tokio::sync::mpsc;
use ::tokio::task::AbortHandle;

use super::{Connector, read_some};
use crate::client::{ConnId, HttpId};
use crate::codec::HostPort;
use crate::drivers::{BufferPool, Input, Io};
use crate::passport::HttpRequest;

/// What the session keeps of one connection's writer task: the queue it takes
/// transmits from, and the pool it hands written buffers back to.
pub(super) struct Writer {
    queue: mpsc::Sender<Vec<u8>>,
    pool: BufferPool,
}

pub(super) struct TokioIo<C> {
    pub(super) inputs: mpsc::Sender<Input<Writer>>,
    pub(super) sockets: mpsc::Sender<Input<Writer>>,
    pub(super) writers: HashMap<ConnId, Writer>,
    pub(super) connecting: HashSet<ConnId>,
    /// The tasks listening for a peer, stopped when the session closes their connection.
    pub(super) listening: HashMap<ConnId, AbortHandle>,
    pub(super) connector: Arc<C>,
    pub(super) connect_timeout: Duration,
    pub(super) write_queue: usize,
    pub(super) write_timeout: Duration,
}

/// What starting a connection's reader and writer tasks needs, taken into the task
/// that opens it.
struct Streams {
    sockets: mpsc::Sender<Input<Writer>>,
    /// Where the writer says what it wrote: the channel that is read even while the
    /// bot is behind, since a bot's write may be waiting for it.
    inputs: mpsc::Sender<Input<Writer>>,
    write_queue: usize,
    write_timeout: Duration,
}

impl Streams {
    /// The input that reports `opened`: its reader and writer tasks started, or why
    /// there is no stream (`what` names where it was to come from).
    fn start<S: AsyncRead + AsyncWrite + Send + 'static>(
        self,
        conn: ConnId,
        opened: std::io::Result<S>,
        what: String,
    ) -> Input<Writer> {
        let stream = match opened {
            Ok(stream) => stream,
            Err(error) => {
                return Input::ConnectFailed {
                    conn,
                    addr: what,
                    error,
                };
            }
        };
        let (read, write) = ::tokio::io::split(stream);
        let reader = ::tokio::spawn(read_loop(conn, read, self.sockets.clone()));
        let (queue, rx) = mpsc::channel(self.write_queue);
        let pool = BufferPool::default();
        let writer = write_loop(
            WriterTask {
                conn,
                pool: pool.clone(),
                timeout: self.write_timeout,
                sockets: self.sockets,
                inputs: self.inputs,
                reader: reader.abort_handle(),
            },
            write,
            rx,
        );
        ::tokio::spawn(writer);
        Input::Connected {
            conn,
            writer: Writer { queue, pool },
        }
    }
}

impl<C> TokioIo<C> {
    fn streams(&self) -> Streams {
        Streams {
            sockets: self.sockets.clone(),
            inputs: self.inputs.clone(),
            write_queue: self.write_queue,
            write_timeout: self.write_timeout,
        }
    }
}

impl<C: Connector> Io for TokioIo<C> {
    type Writer = Writer;

    fn connect(&mut self, conn: ConnId, addr: HostPort<'static>) {
        self.connecting.insert(conn);
        let (inputs, streams) = (self.inputs.clone(), self.streams());
        let connector = Arc::clone(&self.connector);
        let timeout = self.connect_timeout;
        ::tokio::spawn(async move {
            // A task of its own: a connector is the bot author's code, and one that
            // panics fails the connection instead of leaving the session waiting.
            let opening = ::tokio::spawn({
                let addr = addr.clone();
                async move { connector.connect(&addr).await }
            });
            let abort = opening.abort_handle();
            let opened = match ::tokio::time::timeout(timeout, opening).await {
                Ok(Ok(result)) => result,
                Ok(Err(_)) => Err(std::io::Error::other("the connector panicked")),
                Err(_) => {
                    abort.abort();
                    Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "timed out"))
                }
            };
            let input = streams.start(conn, opened, addr.to_string());
            let _ = inputs.send(input).await;
        });
    }

    fn listen(&mut self, conn: ConnId, toward: HostPort<'static>) {
        self.connecting.insert(conn);
        let (inputs, streams) = (self.inputs.clone(), self.streams());
        let connector = Arc::clone(&self.connector);
        let listening = ::tokio::spawn(async move {
            let bound = ::tokio::spawn(async move { connector.listen(&toward).await })
                .await
                .unwrap_or_else(|_| Err(std::io::Error::other("the connector panicked")));
            let accepted = match bound {
                Ok((addr, accepting)) => {
                    let _ = inputs.send(Input::Listening { conn, addr }).await;
                    accepting.await
                }
                Err(error) => Err(error),
            };
            let input = streams.start(conn, accepted, "a listening socket".to_owned());
            let _ = inputs.send(input).await;
        });
        self.listening.insert(conn, listening.abort_handle());
    }

    fn attach(&mut self, conn: ConnId, writer: Writer) -> bool {
        self.listening.remove(&conn);
        if !self.connecting.remove(&conn) {
            return false;
        }
        self.writers.insert(conn, writer);
        true
    }

    fn transmit(&mut self, conn: ConnId, bytes: &[u8]) -> bool {
        self.writers
            .get(&conn)
            .is_some_and(|writer| writer.queue.try_send(writer.pool.filled(bytes)).is_ok())
    }

    fn close(&mut self, conn: ConnId) {
        self.connecting.remove(&conn);
        if let Some(listening) = self.listening.remove(&conn) {
            listening.abort();
        }
        // The writer task writes what is queued, then shuts the socket.
        self.writers.remove(&conn);
    }

    fn http(&mut self, id: HttpId, request: HttpRequest) {
        let (connector, inputs) = (Arc::clone(&self.connector), self.inputs.clone());
        ::tokio::spawn(async move {
            let asking = ::tokio::spawn(async move { connector.http(&request).await });
            let result = asking
                .await
                .unwrap_or_else(|_| Err("the connector panicked".to_owned()));
            let _ = inputs.send(Input::Http { id, result }).await;
        });
    }
}

async fn read_loop<S: AsyncRead>(conn: ConnId, mut read: ReadHalf<S>, sockets: mpsc::Sender<Input<Writer>>) {
    loop {
        let input = match read_some(&mut read).await {
            Ok(bytes) if bytes.is_empty() => Input::Closed { conn },
            Err(_) => Input::Closed { conn },
            Ok(bytes) => Input::Bytes { conn, bytes },
        };
        let last = matches!(input, Input::Closed { .. });
        if sockets.send(input).await.is_err() || last {
            return;
        }
    }
}

/// What a connection's writer task keeps besides its stream and queue.
struct WriterTask {
    conn: ConnId,
    pool: BufferPool,
    timeout: Duration,
    sockets: mpsc::Sender<Input<Writer>>,
    /// Read even while the bot is behind: a bot's write may wait for [`Input::Written`].
    inputs: mpsc::Sender<Input<Writer>>,
    reader: AbortHandle,
}

async fn write_loop<S: AsyncWrite>(
    task: WriterTask,
    mut write: WriteHalf<S>,
    mut queue: mpsc::Receiver<Vec<u8>>,
) {
    let conn = task.conn;
    while let Some(bytes) = queue.recv().await {
        if write_each(&mut write, &bytes, task.timeout).await.is_err() {
            // Broken, or the peer stopped reading: the connection is over.
            task.reader.abort();
            let _ = task.sockets.send(Input::Closed { conn }).await;
            return;
        }
        let written = Input::Written {
            conn,
            bytes: bytes.len(),
        };
        if task.inputs.send(written).await.is_err() {
            break;
        }
        task.pool.give_back(bytes);
    }
    // The session forgot this connection: nothing more to read from it.
    let _ = within(task.timeout, write.shutdown()).await;
    task.reader.abort();
}

/// Writes all of `bytes`, each `write` call given `timeout` to take a byte: a peer
/// that reads slowly but steadily keeps its connection, as on the blocking driver.
async fn write_each(
    write: &mut (impl ::tokio::io::AsyncWrite + Unpin),
    mut bytes: &[u8],
    timeout: Duration,
) -> std::io::Result<()> {
    while !bytes.is_empty() {
        match within(timeout, write.write(bytes)).await? {
            0 => return Err(std::io::ErrorKind::WriteZero.into()),
            n => bytes = bytes.get(n..).unwrap_or_default(),
        }
    }
    Ok(())
}

/// `io` limited to `timeout`, zero meaning no limit
/// ([`DriverConfig::write_timeout`](crate::drivers::DriverConfig::write_timeout)).
async fn within<T>(
    timeout: Duration,
    io: impl std::future::Future<Output = std::io::Result<T>>,
) -> std::io::Result<T> {
    if timeout.is_zero() {
        return io.await;
    }
    ::tokio::time::timeout(timeout, io)
        .await
        .unwrap_or_else(|_| Err(std::io::ErrorKind::TimedOut.into()))
}

#[cfg(test)]
mod tests {
    use super::write_each;
    use ::tokio::io::{AsyncReadExt, duplex};
    use std::time::Duration;

    /// A transmit far larger than the pipe: many writes, each of which waits for the
    /// reader; zero is no limit, not "give up at the first wait".
    #[::tokio::test]
    async fn a_zero_write_timeout_waits_for_a_slow_reader() {
        let (mut write, mut read) = duplex(16);
        let reader = ::tokio::spawn(async move {
            let mut all = Vec::new();
            read.read_to_end(&mut all).await.map(|_| all)
        });
        let bytes: Vec<u8> = (0..=255).collect();
        write_each(&mut write, &bytes, Duration::ZERO).await.unwrap();
        drop(write);
        assert_eq!(reader.await.unwrap().unwrap(), bytes);
    }

    #[::tokio::test]
    async fn a_peer_that_takes_no_byte_for_the_write_timeout_is_gone() {
        let (mut write, _read) = duplex(16);
        let error = write_each(&mut write, &[0; 64], Duration::from_millis(20))
            .await
            .unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::TimedOut);
    }
}
