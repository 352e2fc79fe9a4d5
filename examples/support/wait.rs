//! [`Bots`]: several clients driven by one thread, and a way to wait for what one of
//! them should see. The demo and the TCP tests are written as "do this, then expect
//! that", each wait bounded so that a failure ends with a message instead of a hang.

use std::time::{Duration, Instant};

use msnp::client::{Client, ClientEvent};

use super::{Driver, turn_all};

/// A client with a name and the events it received that nobody has expected yet.
pub struct Bot {
    name: String,
    driver: Driver,
    seen: Vec<ClientEvent>,
}

/// Clients on one thread; see the module docs.
pub struct Bots {
    bots: Vec<Bot>,
    timeout: Duration,
}

impl Bots {
    /// No clients yet; each [`Bots::expect`] waits at most `timeout`.
    pub fn new(timeout: Duration) -> Bots {
        Bots {
            bots: Vec::new(),
            timeout,
        }
    }

    /// Adds a client; returns its index for the other calls.
    pub fn add(&mut self, name: &str, driver: Driver) -> usize {
        self.bots.push(Bot {
            name: name.to_owned(),
            driver,
            seen: Vec::new(),
        });
        self.bots.len() - 1
    }

    /// Client `who`'s name.
    pub fn name(&self, who: usize) -> &str {
        &self.bots[who].name
    }

    /// Client `who`'s driver.
    pub fn driver(&mut self, who: usize) -> &mut Driver {
        &mut self.bots[who].driver
    }

    /// Client `who`.
    pub fn client(&self, who: usize) -> &Client {
        self.bots[who].driver.client()
    }

    /// Calls a mutator of client `who` (see [`Driver::act`]).
    pub fn act<R>(&mut self, who: usize, call: impl FnOnce(&mut Client, Instant) -> R) -> R {
        self.bots[who].driver.act(call)
    }

    /// The events client `who` received that no [`Bots::expect`] took yet.
    pub fn seen(&self, who: usize) -> &[ClientEvent] {
        &self.bots[who].seen
    }

    /// Drives every client until client `who` has received an event that `pick`
    /// accepts, and takes that event out of [`Bots::seen`]. Events may arrive in any
    /// order across clients; `pick` looks at all of `who`'s unexpected ones, oldest first.
    ///
    /// Fails with a one-line reason when the timeout passes, when `who`'s session ends
    /// first, or when any client's driver fails.
    pub fn expect<T>(
        &mut self,
        who: usize,
        what: &str,
        mut pick: impl FnMut(&ClientEvent) -> Option<T>,
    ) -> Result<T, String> {
        let deadline = Instant::now() + self.timeout;
        loop {
            self.collect()?;
            let bot = &mut self.bots[who];
            if let Some((at, found)) = bot
                .seen
                .iter()
                .enumerate()
                .find_map(|(at, e)| Some((at, pick(e)?)))
            {
                bot.seen.remove(at);
                return Ok(found);
            }
            if let Some(ClientEvent::SessionEnded { reason }) = bot
                .seen
                .iter()
                .find(|e| matches!(e, ClientEvent::SessionEnded { .. }))
            {
                return Err(format!(
                    "{}'s session ended ({reason}) while waiting for {what}",
                    bot.name
                ));
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "timed out after {:?} waiting for {what} at {}",
                    self.timeout, bot.name
                ));
            }
            self.turn();
        }
    }

    /// One round of I/O for every client ([`turn_all`]); for loops that take events
    /// straight from the drivers.
    pub fn turn(&mut self) {
        let mut drivers: Vec<&mut Driver> = self.bots.iter_mut().map(|b| &mut b.driver).collect();
        turn_all(&mut drivers);
    }

    /// Moves every event the drivers hold into [`Bots::seen`].
    fn collect(&mut self) -> Result<(), String> {
        for bot in &mut self.bots {
            while let Some(event) = bot
                .driver
                .take_event()
                .map_err(|e| format!("{}: {e}", bot.name))?
            {
                bot.seen.push(event);
            }
        }
        Ok(())
    }
}
