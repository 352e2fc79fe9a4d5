//! The threads behind each connection: [`ThreadIo`] opens connections on threads of
//! their own, and each socket gets a reader thread and a writer thread with a bounded queue.

use std::collections::{HashMap, HashSet};
use std::io::{self, ErrorKind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::thread;
use std::time::Duration;

use super::{Connector, Gate, Stream};
use crate::client::{ConnId, HttpId};
use crate::codec::HostPort;
use crate::drivers::{BufferPool, Input, Io};
use crate::passport::HttpRequest;

/// Bytes asked of the socket per read.
const READ_BUFFER: usize = 16 * 1024;

/// A connection's writer queue, and the buffers its writer hands back.
pub(super) struct Writer {
    queue: SyncSender<Vec<u8>>,
    pool: BufferPool,
}

pub(super) struct ThreadIo<C> {
    pub(super) gate: Arc<Gate>,
    pub(super) inputs: SyncSender<Input<Writer>>,
    pub(super) writers: HashMap<ConnId, Writer>,
    pub(super) connecting: HashSet<ConnId>,
    /// Set to stop the thread listening for a peer of this connection.
    pub(super) listening: HashMap<ConnId, Arc<AtomicBool>>,
    pub(super) connector: Arc<C>,
    pub(super) connect_timeout: Duration,
    pub(super) write_queue: usize,
    pub(super) write_timeout: Duration,
}

impl<C: Connector> ThreadIo<C> {
    /// Opens `conn` on a thread of its own with `opening` (which may tell the session
    /// things on the way), then starts its reader and writer: `Connected`, or
    /// `ConnectFailed` naming `what` was to be reached.
    fn open(
        &mut self,
        conn: ConnId,
        thread_name: &str,
        what: String,
        opening: impl FnOnce(&SyncSender<Input<Writer>>) -> io::Result<C::Stream> + Send + 'static,
    ) {
        self.connecting.insert(conn);
        let (inputs, gate, write_queue) = (self.inputs.clone(), Arc::clone(&self.gate), self.write_queue);
        let spawned = thread::Builder::new().name(thread_name.into()).spawn(move || {
            // A connector is the bot author's code: one that panics fails the
            // connection instead of leaving the session waiting for it forever.
            let opened = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| opening(&inputs)))
                .unwrap_or_else(|_| Err(io::Error::other("the connector panicked")));
            let input = match opened.and_then(|stream| start(conn, stream, &inputs, gate, write_queue)) {
                Ok(writer) => Input::Connected { conn, writer },
                Err(error) => Input::ConnectFailed {
                    conn,
                    addr: what,
                    error,
                },
            };
            let _ = inputs.send(input);
        });
        if let Err(error) = spawned {
            let _ = self.inputs.try_send(Input::ConnectFailed {
                conn,
                addr: format!("a thread ({thread_name})"),
                error,
            });
        }
    }
}

impl<C: Connector> Io for ThreadIo<C> {
    type Writer = Writer;

    fn connect(&mut self, conn: ConnId, addr: HostPort<'static>) {
        let connector = Arc::clone(&self.connector);
        let (timeout, write_timeout) = (self.connect_timeout, self.write_timeout);
        let what = addr.to_string();
        self.open(conn, "msnp-connect", what, move |_| {
            connector.connect(&addr, timeout, write_timeout)
        });
    }

    fn listen(&mut self, conn: ConnId, toward: HostPort<'static>) {
        let stop = Arc::new(AtomicBool::new(false));
        self.listening.insert(conn, Arc::clone(&stop));
        let connector = Arc::clone(&self.connector);
        let write_timeout = self.write_timeout;
        self.open(
            conn,
            "msnp-listen",
            "a listening socket".to_owned(),
            move |inputs| {
                let (addr, accepting) = connector.listen(&toward, write_timeout)?;
                let _ = inputs.send(Input::Listening { conn, addr });
                accepting(&stop)
            },
        );
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
        let Some(writer) = self.writers.get(&conn) else {
            return false;
        };
        match writer.queue.try_send(writer.pool.filled(bytes)) {
            Ok(()) => true,
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => false,
        }
    }

    fn close(&mut self, conn: ConnId) {
        self.connecting.remove(&conn);
        if let Some(stop) = self.listening.remove(&conn) {
            stop.store(true, Ordering::Relaxed);
        }
        // The writer thread writes what is queued, then shuts the socket.
        self.writers.remove(&conn);
    }

    fn http(&mut self, id: HttpId, request: HttpRequest) {
        let (connector, inputs) = (Arc::clone(&self.connector), self.inputs.clone());
        let spawned = thread::Builder::new()
            .name("msnp-passport".into())
            .spawn(move || {
                let result =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| connector.http(&request)))
                        .unwrap_or_else(|_| Err("the connector panicked".to_owned()));
                let _ = inputs.send(Input::Http { id, result });
            });
        if let Err(error) = spawned {
            let result = Err(format!("cannot start an HTTP thread: {error}"));
            let _ = self.inputs.try_send(Input::Http { id, result });
        }
    }
}

/// Starts `stream`'s reader and writer threads.
fn start<S: Stream>(
    conn: ConnId,
    stream: S,
    inputs: &SyncSender<Input<Writer>>,
    gate: Arc<Gate>,
    write_queue: usize,
) -> io::Result<Writer> {
    let (reader, writer) = (stream.try_clone()?, stream);
    let read_inputs = inputs.clone();
    thread::Builder::new()
        .name("msnp-reader".into())
        .spawn(move || read_loop(conn, reader, &read_inputs, &gate))?;
    let (queue, rx) = mpsc::sync_channel(write_queue);
    let pool = BufferPool::default();
    let (written, inputs) = (pool.clone(), inputs.clone());
    thread::Builder::new()
        .name("msnp-writer".into())
        .spawn(move || write_loop(conn, writer, &rx, &written, &inputs))?;
    Ok(Writer { queue, pool })
}

fn read_loop<S: Stream>(conn: ConnId, mut stream: S, inputs: &SyncSender<Input<Writer>>, gate: &Gate) {
    let mut buffer = vec![0; READ_BUFFER];
    loop {
        let input = match stream.read(&mut buffer) {
            Ok(0) => Input::Closed { conn },
            Err(error) if error.kind() == ErrorKind::Interrupted => continue,
            Err(_) => Input::Closed { conn },
            Ok(n) => Input::Bytes {
                conn,
                bytes: buffer[..n].to_vec(),
            },
        };
        let last = matches!(input, Input::Closed { .. });
        if !gate.deliver(input, inputs) || last {
            return;
        }
    }
}

fn write_loop<S: Stream>(
    conn: ConnId,
    mut stream: S,
    queue: &Receiver<Vec<u8>>,
    pool: &BufferPool,
    inputs: &SyncSender<Input<Writer>>,
) {
    while let Ok(bytes) = queue.recv() {
        if stream.write_all(&bytes).is_err() {
            break;
        }
        // Straight to the session, past the gate: a bot's write may be waiting for it.
        let written = Input::Written {
            conn,
            bytes: bytes.len(),
        };
        if inputs.send(written).is_err() {
            break;
        }
        pool.give_back(bytes);
    }
    // The session forgot this connection, or it broke: either way the reader stops
    // here, and reports the end if the session still knows it.
    let _ = Stream::shutdown(&stream);
}
