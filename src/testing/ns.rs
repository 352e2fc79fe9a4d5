//! [`Scripted`] for [`NotificationClient`]: the notification machine's transcript
//! mini-language (documented in `tests/transcripts/README.md`).
//!
//! | call | does |
//! |---|---|
//! | `connect` | `handle_connected` |
//! | `ticket <ticket>` | `submit_ticket` |
//! | `passport_failed <reason…>` | `passport_failed` |
//! | `logout` | `logout` |
//! | `sync` | `sync_lists` |
//! | `add <FL\|AL\|BL\|RL> <account> [group]` | `add_contact` |
//! | `remove <list> <account> [group]` | `remove_contact` |
//! | `rename <account> <text…>` | `rename_contact` |
//! | `set_name <text…>` | `set_friendly_name` |
//! | `add_group <text…>` | `add_group` |
//! | `remove_group <id>` | `remove_group` |
//! | `rename_group <id> <text…>` | `rename_group` |
//! | `privacy <AL\|BL>` | `set_privacy` |
//! | `add_prompt <A\|N>` | `set_add_prompt` |
//! | `phone <property> [text…]` | `set_phone` |
//! | `status <NLN\|BSY\|…>` | `set_status` |
//! | `switchboard` | `request_switchboard` |
//! | `raw <command line>` | `send_command` with the decoded line |
//! | `check contacts <n> groups <m> version <v>` | asserts the model's sizes and version |
//! | `check contact <account> lists <mask> status <ST>` | asserts one contact |
//! | `check absent <account>` | asserts the account is on no list |
//! | `check state <LoggedIn\|Closed\|…>` | asserts the session state |
//! | `psm <text…>` | `set_personal_status` with this message and no media |
//! | `picture <bytes…>` | `set_msn_object` with the MSNObject of these bytes as a display picture |
//! | `no_picture` | `set_msn_object(None)` |
//! | `config <file>` | `request_config` |
//! | `offer <MSNP12…MSNP8>…` | sets [`NsConfig::dialects`] before `connect` |
//! | `check dialect <MSNP8\|…\|none>` | asserts [`NotificationClient::dialect`] |

use std::time::Instant;

use super::transcript::Scripted;
use crate::Output;
use crate::codec::{AddPrompt, ClientCommand, Dialect, DialectSet, GroupId, List, Passport, Privacy, Status};
use crate::ns::{NotificationClient, NsConfig, NsEvent, Phone};

/// The account every notification transcript signs in: HYP's `example@passport.com`.
pub const ACCOUNT: &str = "example@passport.com";

/// A machine with the default configuration for [`ACCOUNT`], as transcripts start.
pub fn machine(now: Instant) -> NotificationClient {
    let account = Passport::try_from(ACCOUNT).expect("valid account");
    NotificationClient::new(NsConfig::default(), account, now)
}

impl Scripted for NotificationClient {
    type Event = NsEvent;

    fn handle_input(&mut self, now: Instant, bytes: &[u8]) {
        NotificationClient::handle_input(self, now, bytes);
    }

    fn handle_timeout(&mut self, now: Instant) {
        NotificationClient::handle_timeout(self, now);
    }

    fn handle_closed(&mut self, now: Instant) {
        NotificationClient::handle_closed(self, now);
    }

    fn poll_output(&mut self) -> Output<'_, NsEvent> {
        NotificationClient::poll_output(self)
    }

    fn call(&mut self, now: Instant, call: &str) -> Result<(), String> {
        let (verb, rest) = call.split_once(' ').unwrap_or((call, ""));
        let words: Vec<&str> = rest.split_whitespace().collect();
        let text_after = |n: usize| -> String { rest.splitn(n + 1, ' ').nth(n).unwrap_or("").to_owned() };
        let e = |e: crate::ns::NsError| e.to_string();
        match verb {
            "connect" => self.handle_connected(now).map_err(e),
            "offer" => {
                let dialects = words
                    .iter()
                    .map(|w| w.parse::<Dialect>().map_err(|err| format!("{w}: {err}")))
                    .collect::<Result<DialectSet, String>>()?;
                self.offer_dialects(dialects);
                Ok(())
            }
            "ticket" => self
                .submit_ticket(now, crate::Secret::new(rest.to_owned()))
                .map(drop)
                .map_err(e),
            "passport_failed" => self.passport_failed(now, rest).map_err(e),
            "logout" => self.logout(now).map_err(e),
            "sync" => self.sync_lists(now).map(drop).map_err(e),
            "add" | "remove" => {
                let list = list(words.first().copied())?;
                let account = passport(words.get(1).copied())?;
                let group = words.get(2).map(|g| group(g)).transpose()?;
                if verb == "add" {
                    self.add_contact(now, list, &account, group).map(drop).map_err(e)
                } else {
                    self.remove_contact(now, list, &account, group)
                        .map(drop)
                        .map_err(e)
                }
            }
            "rename" => {
                let account = passport(words.first().copied())?;
                self.rename_contact(now, &account, &text_after(1))
                    .map(drop)
                    .map_err(e)
            }
            "set_name" => self.set_friendly_name(now, rest).map(drop).map_err(e),
            "add_group" => self.add_group(now, rest).map(drop).map_err(e),
            "remove_group" => {
                let id = group(words.first().copied().unwrap_or(""))?;
                self.remove_group(now, id).map(drop).map_err(e)
            }
            "rename_group" => {
                let id = group(words.first().copied().unwrap_or(""))?;
                self.rename_group(now, id, &text_after(1)).map(drop).map_err(e)
            }
            "privacy" => {
                let privacy = Privacy::from_wire(rest).ok_or("privacy is AL or BL")?;
                self.set_privacy(now, privacy).map(drop).map_err(e)
            }
            "add_prompt" => {
                let prompt = AddPrompt::from_wire(rest).ok_or("add prompt is A or N")?;
                self.set_add_prompt(now, prompt).map(drop).map_err(e)
            }
            "phone" => {
                let code = words.first().copied().unwrap_or("");
                let phone = Phone::from_code(code).ok_or("phone is PHH, PHW, PHM, MOB or MBE")?;
                let value = text_after(1);
                let value = (!value.is_empty()).then_some(value.as_str());
                self.set_phone(now, phone, value).map(drop).map_err(e)
            }
            "status" => {
                let status = Status::from_wire(rest).ok_or("unknown status")?;
                self.set_status(now, status).map(drop).map_err(e)
            }
            "switchboard" => self.request_switchboard(now).map(drop).map_err(e),
            "psm" => {
                let status = crate::presence::PersonalStatus {
                    message: rest.to_owned(),
                    media: None,
                };
                self.set_personal_status(now, &status).map(drop).map_err(e)
            }
            "picture" => {
                let object = crate::presence::MsnObject::for_data(
                    passport(Some(ACCOUNT))?,
                    crate::presence::MsnObjectKind::DisplayPicture,
                    "0",
                    "",
                    rest.as_bytes(),
                )
                .map_err(|err| err.to_string())?;
                self.set_msn_object(now, Some(object)).map(drop).map_err(e)
            }
            "no_picture" => self.set_msn_object(now, None).map(drop).map_err(e),
            "config" => self.request_config(now, rest).map(drop).map_err(e),
            "raw" => {
                let line = format!("{rest}\r\n");
                let (command, _) = ClientCommand::decode(line.as_bytes()).map_err(|err| err.to_string())?;
                self.send_command(now, &command).map(drop).map_err(e)
            }
            "check" => self.check(&words),
            _ => Err(format!("unknown call `{verb}`")),
        }
    }
}

impl NotificationClient {
    fn check(&self, words: &[&str]) -> Result<(), String> {
        let list = self.contact_list();
        match words {
            ["contacts", n, "groups", m, "version", v] => {
                let got = format!("{} {} {}", list.len(), list.group_count(), list.version());
                let want = format!("{n} {m} {v}");
                (got == want)
                    .then_some(())
                    .ok_or(format!("model has contacts/groups/version {got}, not {want}"))
            }
            ["contact", account, "lists", mask, "status", status] => {
                let contact = list
                    .contact(&passport(Some(account))?)
                    .ok_or(format!("{account} is not in the model"))?;
                let got = format!("{} {}", contact.lists().0, contact.status());
                let want = format!("{mask} {status}");
                (got == want)
                    .then_some(())
                    .ok_or(format!("{account} has lists/status {got}, not {want}"))
            }
            ["absent", account] => match list.contact(&passport(Some(account))?) {
                None => Ok(()),
                Some(contact) => Err(format!("{account} is still listed: {contact:?}")),
            },
            ["dialect", dialect] => {
                let got = self.dialect().map_or("none".to_owned(), |d| d.to_string());
                (got == *dialect)
                    .then_some(())
                    .ok_or(format!("dialect is {got}, not {dialect}"))
            }
            ["state", state] => {
                let got = format!("{:?}", self.state());
                (got == *state)
                    .then_some(())
                    .ok_or(format!("state is {got}, not {state}"))
            }
            _ => Err(format!("unknown check `{}`", words.join(" "))),
        }
    }
}

fn list(word: Option<&str>) -> Result<List, String> {
    word.and_then(List::from_wire)
        .ok_or_else(|| "list is FL, AL, BL or RL".to_owned())
}

fn passport(word: Option<&str>) -> Result<Passport<'static>, String> {
    let word = word.ok_or("missing account")?;
    Passport::try_from(word.to_owned()).map_err(|e| e.to_string())
}

fn group(word: &str) -> Result<GroupId, String> {
    word.parse()
        .map(GroupId)
        .map_err(|_| format!("`{word}` is not a group id"))
}
