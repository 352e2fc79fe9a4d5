//! The bytes a machine has received and not used yet.

use super::ProtocolViolation;

/// Received bytes: a line or a block's data is taken from the front, and the used
/// prefix is dropped on the next push, so a machine that is drained after each push
/// keeps at most one line (or one block header) plus the chunk being pushed.
// No `Debug`: the bytes can hold the peer's `USR` line, cookie included.
#[derive(Default)]
pub(super) struct Input {
    buf: Vec<u8>,
    /// Bytes before this were handed out already.
    start: usize,
}

impl Input {
    /// Appends a chunk. Dropping the used prefix here, once per chunk, keeps the work
    /// linear in the bytes received however they are split.
    pub(super) fn push(&mut self, bytes: &[u8]) {
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// The bytes not used yet.
    pub(super) fn available(&self) -> &[u8] {
        self.buf.get(self.start..).unwrap_or_default()
    }

    /// How many bytes are kept, used or not (memory held).
    pub(super) fn held(&self) -> usize {
        self.buf.len()
    }

    /// Marks the first `n` available bytes used.
    pub(super) fn consume(&mut self, n: usize) {
        self.start = self.start.saturating_add(n).min(self.buf.len());
        if self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        }
    }

    /// The bytes `[start, start + n)` as consumed: lent out as one data event.
    pub(super) fn take(&mut self, n: usize) -> std::ops::Range<usize> {
        let from = self.start;
        let to = from.saturating_add(n).min(self.buf.len());
        // Not cleared here even when everything is used: the range is lent out until the
        // next call, and the next push drops it.
        self.start = to;
        from..to
    }

    /// Drops what was lent out once nothing is left after it, keeping the capacity: called
    /// when the lent range can no longer be borrowed.
    pub(super) fn forget_used(&mut self) {
        if self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        }
    }

    /// The bytes of a range from [`take`](Self::take).
    pub(super) fn slice(&self, range: std::ops::Range<usize>) -> &[u8] {
        self.buf.get(range).unwrap_or_default()
    }

    /// Forgets everything (the transfer is over).
    pub(super) fn release(&mut self) {
        self.buf = Vec::new();
        self.start = 0;
    }

    /// The next complete line without its line end (CR LF, or a bare LF, which some
    /// clients send), or `None` until one is complete. A line, line end included,
    /// longer than `max` is a violation, found as soon as `max` bytes are buffered.
    pub(super) fn next_line(&mut self, max: usize) -> Result<Option<Vec<u8>>, ProtocolViolation> {
        let available = self.available();
        let Some(end) = memchr::memchr(b'\n', available) else {
            return if !available.is_empty() && available.len() >= max {
                Err(ProtocolViolation::LineTooLong { max })
            } else {
                Ok(None)
            };
        };
        if end >= max {
            return Err(ProtocolViolation::LineTooLong { max });
        }
        let line = available.get(..end).unwrap_or_default();
        let line = line.strip_suffix(b"\r").unwrap_or(line).to_vec();
        self.consume(end + 1);
        Ok(Some(line))
    }
}

/// The words of a line, split on spaces (runs of them count as one).
pub(super) fn words(line: &[u8]) -> impl Iterator<Item = &[u8]> {
    line.split(|&b| b == b' ').filter(|w| !w.is_empty())
}

/// A decimal number word, without sign or spaces.
pub(super) fn number<T: std::str::FromStr>(word: &[u8]) -> Option<T> {
    if word.is_empty() || !word.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(word).ok()?.parse().ok()
}

/// The verb of a line as a static name for errors: known verbs only, so a violation
/// never quotes what the peer sent.
pub(super) fn verb_name(line: &[u8]) -> &'static str {
    let first = words(line).next().unwrap_or_default();
    ["VER", "USR", "FIL", "TFR", "BYE", "CCL"]
        .into_iter()
        .find(|v| v.as_bytes().eq_ignore_ascii_case(first))
        .unwrap_or("?")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_end_with_crlf_or_lf() {
        let mut input = Input::default();
        input.push(b"VER MSNFTP\r\nTFR\nBY");
        assert_eq!(input.next_line(64).unwrap().unwrap(), b"VER MSNFTP");
        assert_eq!(input.next_line(64).unwrap().unwrap(), b"TFR");
        assert_eq!(input.next_line(64).unwrap(), None);
        input.push(b"E 1\r\n");
        assert_eq!(input.next_line(64).unwrap().unwrap(), b"BYE 1");
        assert_eq!(input.held(), 0);
    }

    #[test]
    fn long_lines_are_refused_early() {
        let mut input = Input::default();
        input.push(b"0123456789");
        assert_eq!(
            input.next_line(10),
            Err(ProtocolViolation::LineTooLong { max: 10 })
        );
        let mut input = Input::default();
        input.push(b"012345678\r\n");
        assert_eq!(
            input.next_line(10),
            Err(ProtocolViolation::LineTooLong { max: 10 })
        );
        let mut input = Input::default();
        input.push(b"01234567\r\n");
        assert_eq!(input.next_line(10).unwrap().unwrap(), b"01234567");
    }

    #[test]
    fn numbers_are_plain_decimals() {
        assert_eq!(number::<u32>(b"16777989"), Some(16_777_989));
        assert_eq!(number::<u32>(b"+1"), None);
        assert_eq!(number::<u32>(b""), None);
        assert_eq!(number::<u32>(b"4294967296"), None);
        assert_eq!(verb_name(b"usr a b"), "USR");
        assert_eq!(verb_name(b"secret"), "?");
    }
}
