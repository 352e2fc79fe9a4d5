//! [`WriteWindow`]: the flow control of a direct connection's writes. Nothing
//! acknowledges MSNFTP data (there is no per-block ACK [reference §10]), so the only
//! sign that a slow receiver is behind is that the caller's socket has not taken what
//! the client handed out; the caller reports what it wrote
//! ([`Client::handle_written`](crate::client::Client::handle_written)) and the window
//! stops the file's data while too much is unwritten, as rustls and quinn-proto bound
//! what they buffer for a socket.

/// Bytes of one direct connection handed out as transmits and not yet reported
/// written, and whether the file's data was refused for them.
#[derive(Debug, Default)]
pub(super) struct WriteWindow {
    unwritten: usize,
    /// A write was refused while the window was full: the caller waits for a cue.
    refused: bool,
}

impl WriteWindow {
    /// A transmit of `bytes` went to the caller.
    pub(super) fn handed_out(&mut self, bytes: usize) {
        self.unwritten = self.unwritten.saturating_add(bytes);
    }

    /// Whether a write must be refused under `window` (`None`: never); a refusal is
    /// remembered, so that the report that opens the window cues the caller.
    pub(super) fn refuses(&mut self, window: Option<usize>) -> bool {
        // A window of 0 would never open: it counts as 1, "only once all was written".
        let full = window.is_some_and(|window| self.unwritten >= window.max(1));
        self.refused |= full;
        full
    }

    /// The caller wrote `bytes` (more than handed out counts as all of it); whether
    /// that opened the window for a writer that was refused: the unwritten bytes fell
    /// to a quarter of `window`, so that a steady writer is cued once per three
    /// quarters of a window rather than once per block.
    pub(super) fn written(&mut self, bytes: usize, window: Option<usize>) -> bool {
        self.unwritten = self.unwritten.saturating_sub(bytes);
        let Some(window) = window else {
            return false;
        };
        let open = self.refused && self.unwritten <= window.max(1) / 4;
        self.refused &= !open;
        open
    }
}

#[cfg(test)]
mod tests {
    use super::WriteWindow;

    #[test]
    fn a_full_window_refuses_and_the_report_down_to_a_quarter_cues_once() {
        let mut w = WriteWindow::default();
        w.handed_out(99);
        assert!(!w.refuses(Some(100)));
        w.handed_out(1);
        assert!(w.refuses(Some(100)));
        // Below the window but above its quarter: no cue yet.
        assert!(!w.written(74, Some(100)));
        assert!(w.written(1, Some(100)));
        assert!(!w.written(25, Some(100)), "one cue per refusal");
    }

    #[test]
    fn without_a_refusal_or_a_window_nobody_is_cued() {
        let mut w = WriteWindow::default();
        w.handed_out(100);
        assert!(!w.written(100, Some(100)));
        w.handed_out(100);
        assert!(!w.refuses(None));
        assert!(!w.written(100, None));
    }

    #[test]
    fn reports_past_what_was_handed_out_are_clamped() {
        let mut w = WriteWindow::default();
        w.handed_out(10);
        assert!(w.refuses(Some(10)));
        assert!(w.written(usize::MAX, Some(10)));
        assert!(!w.refuses(Some(10)));
        w.handed_out(usize::MAX);
        w.handed_out(1);
        assert!(w.refuses(Some(usize::MAX)));
    }

    #[test]
    fn a_zero_window_takes_data_once_everything_was_written() {
        let mut w = WriteWindow::default();
        assert!(!w.refuses(Some(0)));
        w.handed_out(1);
        assert!(w.refuses(Some(0)));
        assert!(w.written(1, Some(0)));
        assert!(!w.refuses(Some(0)));
    }
}
