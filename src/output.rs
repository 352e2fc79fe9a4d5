//! [`Output`]: what a session machine asks its caller to do next.

use std::time::Instant;

/// The next thing a session machine (the notification or a switchboard client)
/// wants done.
///
/// Call `poll_output` after every input and drain it until it returns [`Output::Idle`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output<E> {
    /// Write these bytes to the connection, in order.
    Transmit(Vec<u8>),
    /// Something happened that the application may want to know.
    Event(E),
    /// Nothing more to do until new input arrives or `next_timeout` passes; then call
    /// `handle_timeout`.
    Idle {
        /// When to call `handle_timeout`, if a timer is armed.
        next_timeout: Option<Instant>,
    },
}
