//! The machine's own upkeep of the connection: answers to challenges (`CHL` → `QRY`,
//! reference §4) and the keep-alive `PNG`/`QNG` (reference §10).

use std::borrow::Cow;
use std::time::Duration;

use super::{ChallengeProduct, CloseReason, Limit, NotificationClient};
use crate::codec::{ClientCommand, Dialect, ServerCommand, Token};

impl NotificationClient {
    pub(super) fn handle_keepalive(&mut self, command: ServerCommand<'_>) {
        use ServerCommand::*;
        match command {
            Chl { challenge, .. } => self.answer_challenge(challenge.as_str()),
            Qry { trid } => {
                self.settle(trid, "QRY");
            }
            Qng { seconds } => {
                // An unasked QNG is harmless; only the awaited one re-arms the timer.
                if std::mem::take(&mut self.awaiting_pong) {
                    self.pong_deadline = None;
                    let interval = self.ping_interval(seconds);
                    self.next_ping = self.deadline_after(interval);
                }
            }
            other => self.misplaced(&other),
        }
    }

    /// The wait until the next `PNG`: from MSNP9 on, the seconds the server's `QNG`
    /// names, within the configured bounds [YW qng.md; PECAN restarts its timer with
    /// it; reference §3]; MSNP8's `QNG` names none.
    fn ping_interval(&self, seconds: Option<u32>) -> Duration {
        let asked = seconds.filter(|_| self.dialect.is_some_and(|d| d >= Dialect::Msnp9));
        let Some(asked) = asked else {
            return self.config.keepalive_interval;
        };
        // `max` then `min` rather than `clamp`, which panics on bounds out of order.
        Duration::from_secs(u64::from(asked))
            .max(self.config.min_keepalive_interval)
            .min(self.config.max_keepalive_interval)
    }

    /// `CHL 0 x` → `QRY T id 32` + digest (reference §4).
    fn answer_challenge(&mut self, challenge: &str) {
        // The answer must go out even if the caller's requests filled the table: a
        // missed challenge costs the session [NINA Challenges]. Its own bound stops a
        // server that asks faster than it acknowledges.
        let max = self.config.max_open_challenges;
        if self.open_challenges >= max {
            return self.limit_reached(Limit::OpenChallenges, max);
        }
        let dialect = self.dialect.unwrap_or(Dialect::Msnp8);
        let product = match &self.config.challenge {
            Some(product) => Cow::Borrowed(product),
            None => Cow::Owned(ChallengeProduct::for_dialect(dialect)),
        };
        let answer = product.answer(challenge);
        let product_id = product.id.clone();
        let response = Token::try_from(answer).expect("a hex digest is a token");
        self.send_request(|trid| ClientCommand::Qry {
            trid,
            product_id,
            response,
        });
    }

    /// The keep-alive timers at `self.now`: a missed `QNG` ends the session, an idle
    /// interval sends `PNG`.
    pub(super) fn keepalive_due(&mut self) {
        let now = self.now;
        if self.pong_deadline.is_some_and(|d| d <= now) {
            self.close(CloseReason::KeepAliveTimedOut);
            return;
        }
        if self.state == super::SessionState::LoggedIn && self.next_ping.is_some_and(|d| d <= now) {
            self.next_ping = None;
            self.awaiting_pong = true;
            self.pong_deadline = self.deadline_after(self.config.keepalive_timeout);
            self.push_command(&ClientCommand::Png);
        }
    }
}
