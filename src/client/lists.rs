//! The `Client`'s status, list and profile edits: each is the notification machine's,
//! taken with the Client's clock; the change shows in
//! [`Client::contact_list`](super::Client::contact_list) once the server confirms it.

use std::time::Instant;

use super::{Client, ClientError};
use crate::codec::{AddPrompt, GroupId, List, Passport, Privacy, Status, TrId};
use crate::ns::Phone;

impl Client {
    /// Sets the user's status (`CHG`).
    pub fn set_status(&mut self, now: Instant, status: Status) -> Result<TrId, ClientError> {
        self.touch(now);
        Ok(self.ns.set_status(now, status)?)
    }

    /// Adds `account` to `list` (`ADD`); the change shows in
    /// [`Client::contact_list`] once the server confirms it.
    pub fn add_contact(
        &mut self,
        now: Instant,
        list: List,
        account: &Passport<'_>,
    ) -> Result<TrId, ClientError> {
        self.touch(now);
        Ok(self.ns.add_contact(now, list, account, None)?)
    }

    /// Accepts someone who added the user
    /// ([`ClientEvent::AddedBy`](super::ClientEvent::AddedBy)): allows them and puts them
    /// on the user's own contact list. Returns the TrIDs of the steps sent (none when the
    /// contact list shows them done already).
    pub fn accept_contact(&mut self, now: Instant, who: &Passport<'_>) -> Result<Vec<TrId>, ClientError> {
        self.touch(now);
        Ok(self.ns.accept_contact(now, who)?)
    }

    /// Blocks `who`: they no longer see the user's presence nor invite the user.
    /// Returns the TrIDs of the steps sent.
    pub fn block(&mut self, now: Instant, who: &Passport<'_>) -> Result<Vec<TrId>, ClientError> {
        self.touch(now);
        Ok(self.ns.block(now, who)?)
    }

    /// Unblocks `who`. Returns the TrIDs of the steps sent.
    pub fn unblock(&mut self, now: Instant, who: &Passport<'_>) -> Result<Vec<TrId>, ClientError> {
        self.touch(now);
        Ok(self.ns.unblock(now, who)?)
    }

    /// Takes `account` off `list` (`REM`); the change shows in
    /// [`Client::contact_list`] once the server confirms it.
    pub fn remove_contact(
        &mut self,
        now: Instant,
        list: List,
        account: &Passport<'_>,
    ) -> Result<TrId, ClientError> {
        self.touch(now);
        Ok(self.ns.remove_contact(now, list, account, None)?)
    }

    /// Changes the name stored for a contact (`REA`).
    pub fn rename_contact(
        &mut self,
        now: Instant,
        account: &Passport<'_>,
        name: &str,
    ) -> Result<TrId, ClientError> {
        self.touch(now);
        Ok(self.ns.rename_contact(now, account, name)?)
    }

    /// Changes the user's friendly name;
    /// [`ClientEvent::NameChanged`](super::ClientEvent::NameChanged) confirms it.
    pub fn set_name(&mut self, now: Instant, name: &str) -> Result<TrId, ClientError> {
        self.touch(now);
        Ok(self.ns.set_friendly_name(now, name)?)
    }

    /// Sets, or with `None` clears, one of the user's phone numbers (`PRP`);
    /// [`ClientEvent::PhoneChanged`](super::ClientEvent::PhoneChanged) confirms it.
    /// `value` is display text (`Y`/`N` for [`Phone::MobileAllowed`] and
    /// [`Phone::MobileEnabled`]).
    pub fn set_phone(
        &mut self,
        now: Instant,
        phone: Phone,
        value: Option<&str>,
    ) -> Result<TrId, ClientError> {
        self.touch(now);
        Ok(self.ns.set_phone(now, phone, value)?)
    }

    /// Who may reach the user when on neither the allow nor the block list (`BLP`).
    pub fn set_privacy(&mut self, now: Instant, privacy: Privacy) -> Result<TrId, ClientError> {
        self.touch(now);
        Ok(self.ns.set_privacy(now, privacy)?)
    }

    /// Whether the user is asked when someone adds them (`GTC`).
    pub fn set_add_prompt(&mut self, now: Instant, prompt: AddPrompt) -> Result<TrId, ClientError> {
        self.touch(now);
        Ok(self.ns.set_add_prompt(now, prompt)?)
    }

    /// Creates a contact group (`ADG`).
    pub fn add_group(&mut self, now: Instant, name: &str) -> Result<TrId, ClientError> {
        self.touch(now);
        Ok(self.ns.add_group(now, name)?)
    }

    /// Deletes a contact group (`RMG`).
    pub fn remove_group(&mut self, now: Instant, group: GroupId) -> Result<TrId, ClientError> {
        self.touch(now);
        Ok(self.ns.remove_group(now, group)?)
    }

    /// Renames a contact group (`REG`).
    pub fn rename_group(&mut self, now: Instant, group: GroupId, name: &str) -> Result<TrId, ClientError> {
        self.touch(now);
        Ok(self.ns.rename_group(now, group, name)?)
    }
}
