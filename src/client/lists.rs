//! The `Client`'s status, list and profile edits: each is the notification machine's,
//! taken with the Client's clock; the change shows in
//! [`Client::contact_list`](super::Client::contact_list) once the server confirms it.

use std::time::Instant;

use super::{Client, ClientError};
use crate::codec::{AddPrompt, GroupId, List, Passport, Privacy, Status, TrId};
use crate::ns::Phone;
use crate::presence::{CurrentMedia, MsnObject, MsnObjectKind, PersonalStatus};

impl Client {
    /// Sets the user's status (`CHG`).
    pub fn set_status(&mut self, now: Instant, status: Status) -> Result<TrId, ClientError> {
        self.touch(now);
        Ok(self.ns.set_status(now, status)?)
    }

    /// Sets the personal message contacts see beside the name (`UUX`, MSNP11+), keeping
    /// the current media; [`ClientEvent::PersonalMessageChanged`](super::ClientEvent::PersonalMessageChanged)
    /// follows once the server stored it. Earlier dialects have none:
    /// [`NsError::NotInDialect`](crate::ns::NsError::NotInDialect).
    pub fn set_personal_message(&mut self, now: Instant, message: &str) -> Result<TrId, ClientError> {
        self.touch(now);
        let status = PersonalStatus {
            message: message.to_owned(),
            media: self.ns.personal_status().media.clone(),
        };
        Ok(self.ns.set_personal_status(now, &status)?)
    }

    /// Sets (or, with `None`, clears) what the user is playing, shown beside the name
    /// (`UUX`, MSNP11+), keeping the personal message; as
    /// [`set_personal_message`](Self::set_personal_message).
    pub fn set_current_media(
        &mut self,
        now: Instant,
        media: Option<CurrentMedia>,
    ) -> Result<TrId, ClientError> {
        self.touch(now);
        let status = PersonalStatus {
            message: self.ns.personal_status().message.clone(),
            media,
        };
        Ok(self.ns.set_personal_status(now, &status)?)
    }

    /// Sets the display picture (MSNP9+): the picture's bytes (PNG, GIF or JPEG, at
    /// most [`ClientConfig::max_display_picture_len`](super::ClientConfig::max_display_picture_len))
    /// are described by an MSNObject that goes out with the status (`CHG`), and kept
    /// to be served to the contacts who ask for it. Returns the TrID of the `CHG` that
    /// announces it when a status is already set. An MSNP8 session has no display
    /// pictures: [`NsError::NotInDialect`](crate::ns::NsError::NotInDialect).
    pub fn set_display_picture(
        &mut self,
        now: Instant,
        picture: Vec<u8>,
    ) -> Result<Option<TrId>, ClientError> {
        self.touch(now);
        let max = self.config.max_display_picture_len;
        if picture.len() > max {
            return Err(ClientError::PictureTooLarge {
                len: picture.len(),
                max,
            });
        }
        let object = MsnObject::for_data(
            self.account.borrow(),
            MsnObjectKind::DisplayPicture,
            // What Messenger 7 writes; 6.x wrote a temporary file's name [reference §8].
            "0",
            "",
            &picture,
        )?;
        let trid = self.ns.set_msn_object(now, Some(object))?;
        self.display_picture = Some(picture);
        Ok(trid)
    }

    /// Removes the display picture; returns the TrID of the `CHG` that announces it
    /// when a status is set.
    pub fn clear_display_picture(&mut self, now: Instant) -> Result<Option<TrId>, ClientError> {
        self.touch(now);
        let trid = self.ns.set_msn_object(now, None)?;
        self.display_picture = None;
        Ok(trid)
    }

    /// The display picture set with [`set_display_picture`](Self::set_display_picture):
    /// its MSNObject and bytes.
    pub fn display_picture(&self) -> Option<(&MsnObject, &[u8])> {
        Some((self.ns.msn_object()?, self.display_picture.as_deref()?))
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
