//! [`Output`]: what a session machine asks its caller to do next.

use std::fmt;
use std::time::Instant;

/// The next thing a session machine (the notification or a switchboard client)
/// wants done.
///
/// Call `poll_output` after every input and drain it until it returns [`Output::Idle`].
///
/// A transmit borrows the machine's own output buffer, as rustls and quinn-proto lend
/// theirs: write (or copy) the bytes before the next call, which reuses the buffer, so
/// the steady path allocates nothing per write. Commands issued since the last transmit
/// go out together in one, in the order they were issued.
///
/// `Debug` shows a transmit's length and first verb only: the bytes carry the Passport
/// ticket, switchboard cookies and challenge answers.
#[derive(Clone, PartialEq, Eq)]
pub enum Output<'a, E> {
    /// Write these bytes to the connection, in order, before the next `poll_output`.
    Transmit(&'a [u8]),
    /// Something happened that the application may want to know.
    Event(E),
    /// Nothing more to do until new input arrives or `next_timeout` passes; then call
    /// `handle_timeout`.
    Idle {
        /// When to call `handle_timeout`, if a timer is armed.
        next_timeout: Option<Instant>,
    },
}

impl<E: fmt::Debug> fmt::Debug for Output<'_, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Output::Transmit(bytes) => f.debug_tuple("Transmit").field(&Wire(bytes)).finish(),
            Output::Event(event) => f.debug_tuple("Event").field(event).finish(),
            Output::Idle { next_timeout } => f
                .debug_struct("Idle")
                .field("next_timeout", next_timeout)
                .finish(),
        }
    }
}

/// Outgoing bytes as `Debug` may show them: their length and the verb they start with,
/// never their arguments (a ticket, a cookie, an MD5 hash) as text or as numbers.
pub(crate) struct Wire<'a>(pub(crate) &'a [u8]);

impl fmt::Debug for Wire<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let word = self
            .0
            .split(|&b| matches!(b, b' ' | b'\r' | b'\n'))
            .next()
            .unwrap_or_default();
        // Verbs are three letters (or a three-digit error code); anything else could be
        // the start of a payload, so it is not shown.
        let verb = match word {
            [a, b, c]
                if [a, b, c]
                    .iter()
                    .all(|x| x.is_ascii_uppercase() || x.is_ascii_digit()) =>
            {
                std::str::from_utf8(word).unwrap_or("?")
            }
            _ => "?",
        };
        f.debug_struct("Bytes")
            .field("len", &self.0.len())
            .field("verb", &verb)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transmit_debug_shows_length_and_verb_only() {
        let output: Output<()> = Output::Transmit(b"USR 6 TWN S t=secret&p=more\r\n");
        assert_eq!(
            format!("{output:?}"),
            r#"Transmit(Bytes { len: 29, verb: "USR" })"#
        );
        let output: Output<()> = Output::Transmit(b"t=secret");
        assert_eq!(format!("{output:?}"), r#"Transmit(Bytes { len: 8, verb: "?" })"#);
        let idle: Output<()> = Output::Idle { next_timeout: None };
        assert_eq!(format!("{idle:?}"), "Idle { next_timeout: None }");
    }
}
