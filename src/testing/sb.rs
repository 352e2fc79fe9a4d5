//! [`SbScript`]: a [`SwitchboardClient`] driven by transcripts.
//!
//! The mini-language (one call per `>` line; `<text>` and `<bytes>` take the
//! transcript escapes):
//!
//! | call | does |
//! |---|---|
//! | `call <account> <cookie>` | creates the machine with [`SwitchboardClient::call`] |
//! | `answer <account> <session> <cookie>` | creates it with [`SwitchboardClient::answer`] |
//! | `invite <account>` | [`SwitchboardClient::invite`] |
//! | `send_text <U\|N\|A> <text>` | [`SwitchboardClient::send_text`] without format |
//! | `send_text <U\|N\|A> <text> \| <format>` | with an `X-MMS-IM-Format` value |
//! | `send_repeated <U\|N\|A> <count> <text>` | sends `<text>` repeated `<count>` times |
//! | `send_message <U\|N\|A> <bytes>` | [`SwitchboardClient::send_message`] |
//! | `typing` | [`SwitchboardClient::send_typing`]; fails when it sent nothing |
//! | `leave` | [`SwitchboardClient::leave`] |
//! | `raw <bytes>` | [`SwitchboardClient::send_command`] with a decoded client command |
//! | `participants [<account>…]` | fails unless these are the participants, in order |
//! | `alone` | fails unless [`SwitchboardClient::is_alone`] |
//! | `stats <submitted> <sent_unconfirmed> <delivered> <not_delivered>` | fails unless the counts match |

use std::time::Instant;

use crate::codec::{AckMode, ClientCommand, Passport, Token};
use crate::msg::TextFormat;
use crate::sb::{SbConfig, SbEvent, SwitchboardClient};
use crate::{Output, Secret};

use super::transcript::{Scripted, unescape};

/// A switchboard machine under a transcript; created by the script's first call.
#[derive(Debug, Default)]
pub struct SbScript {
    config: SbConfig,
    machine: Option<SwitchboardClient>,
}

impl SbScript {
    /// A script host whose machine will use `config`.
    pub fn new(config: SbConfig) -> Self {
        Self {
            config,
            machine: None,
        }
    }

    /// The machine, once a `call` or `answer` line made it.
    pub fn machine(&self) -> Option<&SwitchboardClient> {
        self.machine.as_ref()
    }

    fn sb(&mut self) -> Result<&mut SwitchboardClient, String> {
        self.machine
            .as_mut()
            .ok_or_else(|| "no machine yet: start with `call` or `answer`".to_owned())
    }
}

fn passport(word: &str) -> Result<Passport<'static>, String> {
    Passport::try_from(word.to_owned()).map_err(|e| format!("{word}: {e}"))
}

fn token(word: &str) -> Result<Token<'static>, String> {
    Token::try_from(word.to_owned()).map_err(|e| format!("{word}: {e}"))
}

fn ack(word: &str) -> Result<AckMode, String> {
    AckMode::from_wire(word).ok_or_else(|| format!("{word} is not U, N or A"))
}

fn text(escaped: &str) -> Result<String, String> {
    String::from_utf8(unescape(escaped)?).map_err(|_| "text is not UTF-8".to_owned())
}

impl Scripted for SbScript {
    type Event = SbEvent;

    fn handle_input(&mut self, now: Instant, bytes: &[u8]) {
        if let Some(sb) = &mut self.machine {
            sb.handle_input(now, bytes);
        }
    }

    fn handle_timeout(&mut self, now: Instant) {
        if let Some(sb) = &mut self.machine {
            sb.handle_timeout(now);
        }
    }

    fn handle_closed(&mut self, now: Instant) {
        if let Some(sb) = &mut self.machine {
            sb.handle_closed(now);
        }
    }

    fn poll_output(&mut self) -> Output<'_, SbEvent> {
        match &mut self.machine {
            Some(sb) => sb.poll_output(),
            None => Output::Idle { next_timeout: None },
        }
    }

    fn call(&mut self, now: Instant, call: &str) -> Result<(), String> {
        let (verb, rest) = call.split_once(' ').unwrap_or((call, ""));
        let words: Vec<&str> = rest.split(' ').filter(|w| !w.is_empty()).collect();
        let err = |e: crate::sb::SbError| e.to_string();
        match (verb, words.as_slice()) {
            ("call", [account, cookie]) => {
                let cookie = Secret::new(token(cookie)?);
                self.machine = Some(SwitchboardClient::call(
                    self.config.clone(),
                    passport(account)?,
                    cookie,
                    now,
                ));
            }
            ("answer", [account, session, cookie]) => {
                let cookie = Secret::new(token(cookie)?);
                self.machine = Some(SwitchboardClient::answer(
                    self.config.clone(),
                    passport(account)?,
                    token(session)?,
                    cookie,
                    now,
                ));
            }
            ("invite", [account]) => {
                let account = passport(account)?;
                self.sb()?.invite(now, &account).map_err(err)?;
            }
            ("send_text", [mode, ..]) => {
                let mode = ack(mode)?;
                let body = rest.get(2..).unwrap_or_default();
                let (body, format) = match body.split_once(" | ") {
                    Some((body, format)) => {
                        (body, Some(TextFormat::parse(format).map_err(|e| e.to_string())?))
                    }
                    None => (body, None),
                };
                let body = text(body)?;
                self.sb()?
                    .send_text(now, &body, format.as_ref(), mode)
                    .map_err(err)?;
            }
            ("send_repeated", [mode, count, piece]) => {
                let mode = ack(mode)?;
                let count: usize = count.parse().map_err(|_| "bad count")?;
                let body = text(piece)?.repeat(count);
                self.sb()?.send_text(now, &body, None, mode).map_err(err)?;
            }
            ("send_message", [mode, ..]) => {
                let mode = ack(mode)?;
                let payload = unescape(rest.get(2..).unwrap_or_default())?;
                self.sb()?.send_message(now, &payload, mode).map_err(err)?;
            }
            ("typing", []) => {
                self.sb()?
                    .send_typing(now)
                    .map_err(err)?
                    .ok_or("no typing notification sent")?;
            }
            ("leave", []) => self.sb()?.leave(now).map_err(err)?,
            ("raw", [_, ..]) => {
                let bytes = unescape(rest)?;
                let (command, _) = ClientCommand::decode(&bytes).map_err(|e| e.to_string())?;
                self.sb()?.send_command(now, &command).map_err(err)?;
            }
            ("participants", expected) => {
                let got: Vec<&str> = self
                    .sb()?
                    .participants()
                    .iter()
                    .map(|p| p.account.as_str())
                    .collect();
                if got != expected {
                    return Err(format!("participants are {got:?}"));
                }
            }
            ("alone", []) => {
                if !self.sb()?.is_alone() {
                    return Err("not alone".into());
                }
            }
            ("stats", [submitted, sent, delivered, not_delivered]) => {
                let stats = self.sb()?.stats();
                let got = [
                    stats.submitted,
                    stats.sent_unconfirmed,
                    stats.delivered,
                    stats.not_delivered,
                ]
                .map(|n| n.to_string());
                if got != [*submitted, *sent, *delivered, *not_delivered] {
                    return Err(format!("stats are {stats:?}"));
                }
            }
            _ => return Err(format!("unknown call `{call}`")),
        }
        Ok(())
    }
}
