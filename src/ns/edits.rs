//! List and privacy edits (reference §7): `ADD`, `REM`, `REA`, `ADG`, `RMG`, `REG`,
//! `GTC`, `BLP`, `PRP`, and the server's own changes (`ADD 0 RL`, `REM 0 RL`, async
//! `BPR`).
//!
//! The calls are the same in every dialect; under MSNP10+ they go out in the GUID
//! model's verbs (`guid`).

mod guid;

use std::time::Instant;

use super::{Limit, ListChange, MAX_GROUPS_PER_CONTACT, NotificationClient, NsError, NsEvent, Phone};
use crate::codec::{
    AddPrompt, ClientCommand, EncodedName, GroupId, List, ListMask, Passport, Privacy, ServerCommand, Token,
    TrId,
};

impl NotificationClient {
    // ----- Mutators: lists -----

    /// Puts `account` on `list` (`ADD`), in `group` for the forward list. The reverse
    /// and pending lists are the server's: asking to change them is refused.
    ///
    /// Under MSNP10+ it sends `ADC` (`ADC T FL N=account F=account`, or `ADC T FL
    /// C=contact group` for a forward-list contact); a contact new to the forward list
    /// joins `group` with a second request the machine sends once the server has
    /// given the contact its GUID. A group the list has no GUID for is refused
    /// ([`NsError::UnknownGroup`]).
    pub fn add_contact(
        &mut self,
        now: Instant,
        list: List,
        account: &Passport<'_>,
        group: Option<GroupId>,
    ) -> Result<TrId, NsError> {
        self.touch(now);
        self.expect_logged_in("add_contact")?;
        check_list(list, group)?;
        if list == List::Pending {
            // Escargot disconnects an `ADC` to the pending list [msnp9-12 reference §4.2].
            return Err(NsError::Forbidden("the pending list is kept by the server"));
        }
        if self.guid_dialect() {
            return self.add_contact_guid(list, account, group);
        }
        // The official client stores the account as the name [YW add.md].
        let name = EncodedName::try_from(account.as_str())
            .map_err(|source| NsError::InvalidArgument {
                what: "account",
                source,
            })?
            .into_owned();
        let account = account.clone().into_owned();
        self.request(|trid| ClientCommand::Add {
            trid,
            list,
            account,
            name,
            group,
        })
    }

    /// Takes `account` off `list` (`REM`), or, with a group, only out of that group.
    ///
    /// Under MSNP10+ a forward-list contact is named by its GUID (`REM T FL contact
    /// [group]`), the other lists by handle (`REM T AL account`); a contact the list has
    /// no GUID for is refused ([`NsError::UnknownContact`]), so is the pending list
    /// under MSNP8, which has none ([`NsError::NotInDialect`]).
    pub fn remove_contact(
        &mut self,
        now: Instant,
        list: List,
        account: &Passport<'_>,
        group: Option<GroupId>,
    ) -> Result<TrId, NsError> {
        self.touch(now);
        self.expect_logged_in("remove_contact")?;
        check_list(list, group)?;
        if self.guid_dialect() {
            return self.remove_contact_guid(list, account, group);
        }
        if list == List::Pending {
            return Err(self.not_in_dialect("remove_contact"));
        }
        let account = account.clone().into_owned();
        self.request(|trid| ClientCommand::Rem {
            trid,
            list,
            account,
            group,
        })
    }

    /// Accepts someone who put the user on their contact list (on the reverse list,
    /// [`NsEvent::AddedBy`]) as the official client did: allows them (`ADD AL`,
    /// after `REM BL` if they were blocked) and adds them to the user's own contact
    /// list (`ADD FL`, in group 0, which always exists) [YW add.md; reference §6].
    /// Under MSNP10+ the same steps go as `REM`/`ADC` by handle (in no group: MSNP10
    /// has no group 0), and a contact on the pending list leaves it last (`REM PL`).
    ///
    /// Like [`block`](Self::block) and [`unblock`](Self::unblock), it sends only the
    /// steps the [`ContactList`](super::ContactList) does not show done already, in
    /// the order the server needs (a contact on the block list cannot be allowed:
    /// error 219), and returns their TrIDs in that order; none when nothing is left
    /// to do. Refused with no request sent when not signed in, or when all the steps
    /// do not fit in [`NsConfig::max_pending`](super::NsConfig::max_pending).
    pub fn accept_contact(&mut self, now: Instant, who: &Passport<'_>) -> Result<Vec<TrId>, NsError> {
        use Move::*;
        // Under MSNP10+ a contact awaiting the decision leaves the pending list last.
        let steps = [
            Remove(List::Block),
            Add(List::Allow),
            Add(List::Forward),
            Remove(List::Pending),
        ];
        self.move_contact(now, "accept_contact", who, &steps)
    }

    /// Blocks `who`: off the allow list (`REM AL`), onto the block list (`ADD BL`).
    /// They can no longer see the user's presence nor invite the user to
    /// conversations. See [`accept_contact`](Self::accept_contact) for the steps sent.
    pub fn block(&mut self, now: Instant, who: &Passport<'_>) -> Result<Vec<TrId>, NsError> {
        use Move::*;
        self.move_contact(now, "block", who, &[Remove(List::Allow), Add(List::Block)])
    }

    /// Unblocks `who`: off the block list (`REM BL`), onto the allow list (`ADD AL`).
    /// See [`accept_contact`](Self::accept_contact) for the steps sent.
    pub fn unblock(&mut self, now: Instant, who: &Passport<'_>) -> Result<Vec<TrId>, NsError> {
        use Move::*;
        self.move_contact(now, "unblock", who, &[Remove(List::Block), Add(List::Allow)])
    }

    /// Changes the name stored for a contact (`REA`).
    ///
    /// Under MSNP10+, which has no `REA`, a contact's stored name goes by `SBP T contact
    /// MFN name` (a contact the list has no GUID for is refused:
    /// [`NsError::UnknownContact`]) and the user's own by `PRP T MFN name`; the reply is
    /// the same [`ListChange::Renamed`] as MSNP8's.
    pub fn rename_contact(
        &mut self,
        now: Instant,
        account: &Passport<'_>,
        name: &str,
    ) -> Result<TrId, NsError> {
        self.touch(now);
        self.expect_logged_in("rename_contact")?;
        let name = encode_name("name", name)?;
        if self.guid_dialect() {
            return self.rename_guid(account, name);
        }
        let account = account.clone().into_owned();
        self.request(|trid| ClientCommand::Rea { trid, account, name })
    }

    /// Changes the user's own friendly name (`REA` on the own account) [YW rea.md];
    /// under MSNP10+ `PRP T MFN name`.
    pub fn set_friendly_name(&mut self, now: Instant, name: &str) -> Result<TrId, NsError> {
        let account = self.account.clone();
        self.rename_contact(now, &account, name)
    }

    /// Creates a group (`ADG`). Under MSNP10+ the reply brings the group's GUID, and the
    /// list gives the group a [`GroupId`] of its own, which the event reports.
    pub fn add_group(&mut self, now: Instant, name: &str) -> Result<TrId, NsError> {
        self.touch(now);
        self.expect_logged_in("add_group")?;
        let name = encode_name("group name", name)?;
        if self.guid_dialect() {
            return self.request(|trid| ClientCommand::AdgName { trid, name });
        }
        self.request(|trid| ClientCommand::Adg { trid, name })
    }

    /// Deletes a group (`RMG`; under MSNP10+ by its GUID, refused with
    /// [`NsError::UnknownGroup`] for a group the list has no GUID for).
    pub fn remove_group(&mut self, now: Instant, group: GroupId) -> Result<TrId, NsError> {
        self.touch(now);
        self.expect_logged_in("remove_group")?;
        if self.guid_dialect() {
            let group = self.group_guid_of(group)?;
            return self.request(|trid| ClientCommand::RmgGuid { trid, group });
        }
        self.request(|trid| ClientCommand::Rmg { trid, group })
    }

    /// Renames a group (`REG`; under MSNP10+ by its GUID, as
    /// [`remove_group`](Self::remove_group)).
    pub fn rename_group(&mut self, now: Instant, group: GroupId, name: &str) -> Result<TrId, NsError> {
        self.touch(now);
        self.expect_logged_in("rename_group")?;
        let name = encode_name("group name", name)?;
        if self.guid_dialect() {
            let group = self.group_guid_of(group)?;
            return self.request(|trid| ClientCommand::RegGuid { trid, group, name });
        }
        self.request(|trid| ClientCommand::Reg { trid, group, name })
    }

    /// Sets who may reach the user when on neither allow nor block list (`BLP`).
    pub fn set_privacy(&mut self, now: Instant, privacy: Privacy) -> Result<TrId, NsError> {
        self.touch(now);
        self.expect_logged_in("set_privacy")?;
        self.request(|trid| ClientCommand::Blp { trid, privacy })
    }

    /// Sets whether the user is asked when someone adds them (`GTC`).
    pub fn set_add_prompt(&mut self, now: Instant, prompt: AddPrompt) -> Result<TrId, NsError> {
        self.touch(now);
        self.expect_logged_in("set_add_prompt")?;
        self.request(|trid| ClientCommand::Gtc { trid, prompt })
    }

    /// Sets (or with `None` clears) one of the user's phone properties (`PRP`). The
    /// value is display text, percent-encoded for the wire (`Y`/`N` for
    /// [`Phone::MobileAllowed`] and [`Phone::MobileEnabled`]).
    pub fn set_phone(&mut self, now: Instant, phone: Phone, value: Option<&str>) -> Result<TrId, NsError> {
        self.touch(now);
        self.expect_logged_in("set_phone")?;
        let value = value.map(|v| encode_name("phone number", v)).transpose()?;
        let property = phone.token();
        self.request(|trid| ClientCommand::Prp {
            trid,
            property,
            value,
        })
    }

    // ----- Input -----

    /// A confirmed edit, or one the server made itself (TrID 0).
    pub(super) fn handle_edit(&mut self, command: ServerCommand<'_>) {
        use ServerCommand::*;
        match command {
            Gtc {
                stamp: Some(stamp),
                prompt,
            } => {
                if !self.settle(stamp.trid, "GTC") {
                    return;
                }
                self.contacts.set_add_prompt(prompt);
                self.list_changed(stamp.trid, stamp.version, ListChange::AddPrompt(prompt));
            }
            Blp {
                stamp: Some(stamp),
                privacy,
            } => {
                if !self.settle(stamp.trid, "BLP") {
                    return;
                }
                self.contacts.set_privacy(privacy);
                self.list_changed(stamp.trid, stamp.version, ListChange::Privacy(privacy));
            }
            Prp {
                stamp: Some(stamp),
                property,
                value,
            } => {
                if !self.settle(stamp.trid, "PRP") {
                    return;
                }
                let change = self.own_property(property, value);
                if self.lists_within_bounds() {
                    self.list_changed(stamp.trid, stamp.version, change);
                }
            }
            Bpr {
                stamp: Some(stamp),
                property,
                value,
            } => {
                let change = self.contact_property(stamp.account.into_owned(), property, value);
                if !self.lists_within_bounds() {
                    return;
                }
                self.contacts.set_version(stamp.version);
                self.events.push_back(NsEvent::ListChanged {
                    trid: TrId::ASYNC,
                    version: stamp.version,
                    change,
                });
            }
            Add {
                trid,
                list,
                version,
                account,
                name,
                group,
            } => {
                if trid != TrId::ASYNC && !self.settle(trid, "ADD") {
                    return;
                }
                let max = self.config.max_contacts;
                if !self.contacts.contains(&account) && self.contacts.len() >= max as usize {
                    return self.limit_reached(Limit::Contacts, max as usize);
                }
                if !self.contacts.add(list, &account, &name, group) {
                    return self.limit_reached(Limit::GroupsPerContact, MAX_GROUPS_PER_CONTACT);
                }
                if !self.lists_within_bounds() {
                    return;
                }
                self.contacts.set_version(version);
                let (account, name) = (account.into_owned(), name.into_owned());
                if trid == TrId::ASYNC && list == List::Reverse {
                    self.events.push_back(NsEvent::AddedBy {
                        account,
                        name,
                        version,
                    });
                } else {
                    self.list_changed(
                        trid,
                        version,
                        ListChange::Added {
                            list,
                            account,
                            name,
                            group,
                        },
                    );
                }
            }
            Rem {
                trid,
                list,
                version,
                account,
                group,
            } => {
                if trid != TrId::ASYNC && !self.settle(trid, "REM") {
                    return;
                }
                self.contacts.remove(list, &account, group);
                self.contacts.set_version(version);
                let account = account.into_owned();
                if trid == TrId::ASYNC && list == List::Reverse {
                    self.events.push_back(NsEvent::RemovedBy { account, version });
                } else {
                    self.list_changed(trid, version, ListChange::Removed { list, account, group });
                }
            }
            Rea {
                trid,
                version,
                account,
                name,
            } => {
                if !self.settle(trid, "REA") {
                    return;
                }
                if account.same_account(&self.account) {
                    self.name = Some(name.clone().into_owned());
                }
                self.contacts.rename(&account, &name);
                if !self.lists_within_bounds() {
                    return;
                }
                let change = ListChange::Renamed {
                    account: account.into_owned(),
                    name: name.into_owned(),
                };
                self.list_changed(trid, version, change);
            }
            Adg {
                trid,
                version,
                name,
                group,
            } => {
                if !self.settle(trid, "ADG") {
                    return;
                }
                if self.contacts.group_count() >= self.config.max_groups as usize {
                    return self.violation("more groups than the configured limit", "ADG");
                }
                let name = name.into_owned();
                self.contacts.insert_group(group, name.clone());
                if self.lists_within_bounds() {
                    self.list_changed(trid, version, ListChange::GroupAdded { group, name });
                }
            }
            Rmg { trid, version, group } => {
                if !self.settle(trid, "RMG") {
                    return;
                }
                self.contacts.remove_group(group);
                self.list_changed(trid, version, ListChange::GroupRemoved { group });
            }
            Reg {
                trid,
                version,
                group,
                name,
            } => {
                if !self.settle(trid, "REG") {
                    return;
                }
                let max = self.config.max_groups;
                if self.contacts.group(group).is_none() && self.contacts.group_count() >= max as usize {
                    return self.limit_reached(Limit::Groups, max as usize);
                }
                let name = name.into_owned();
                self.contacts.insert_group(group, name.clone());
                if self.lists_within_bounds() {
                    self.list_changed(trid, version, ListChange::GroupRenamed { group, name });
                }
            }
            other => self.misplaced(&other),
        }
    }

    /// Keeps the user's property if it is a [`Phone`] (or the `MFN` name) and says what
    /// changed.
    pub(super) fn own_property(&mut self, property: Token<'_>, value: Option<EncodedName<'_>>) -> ListChange {
        let value = value.map(EncodedName::into_owned);
        match Phone::from_code(property.as_str()) {
            Some(phone) => {
                self.contacts.set_own_phone(phone, value.as_ref());
                ListChange::OwnPhone { phone, value }
            }
            None => {
                self.own_name_property(&property, value.as_ref());
                ListChange::OwnProperty {
                    property: property.into_owned(),
                    value,
                }
            }
        }
    }

    /// MSNP10 moved the user's friendly name into `PRP MFN` [msnp9-12 reference §4.1, §4.2]:
    /// kept in the list (the download's, during one) and as the session's name.
    pub(super) fn own_name_property(&mut self, property: &Token<'_>, value: Option<&EncodedName<'_>>) {
        if property.as_str() == "MFN"
            && let Some(name) = value
        {
            self.name = Some(name.clone().into_owned());
            match &mut self.download {
                Some(d) => d.list.set_own_name(Some(name)),
                None => self.contacts.set_own_name(Some(name)),
            }
        }
    }

    /// Keeps a contact's property if it is a [`Phone`] and says what changed.
    pub(super) fn contact_property(
        &mut self,
        account: Passport<'static>,
        property: Token<'_>,
        value: Option<EncodedName<'_>>,
    ) -> ListChange {
        let value = value.map(EncodedName::into_owned);
        match Phone::from_code(property.as_str()) {
            Some(phone) => {
                self.contacts.set_contact_phone(&account, phone, value.as_ref());
                ListChange::ContactPhone {
                    account,
                    phone,
                    value,
                }
            }
            None => ListChange::ContactProperty {
                account,
                property: property.into_owned(),
                value,
            },
        }
    }

    /// The refusal of a call this session's dialect has no command for.
    fn not_in_dialect(&self, call: &'static str) -> NsError {
        NsError::NotInDialect {
            call,
            dialect: self.dialect.unwrap_or(crate::codec::Dialect::Msnp8),
        }
    }

    fn list_changed(&mut self, trid: TrId, version: u32, change: ListChange) {
        self.contacts.set_version(version);
        self.events.push_back(NsEvent::ListChanged {
            trid,
            version,
            change,
        });
    }
}

/// One step of [`NotificationClient::accept_contact`], `block` or `unblock`.
#[derive(Clone, Copy)]
enum Move {
    Add(List),
    Remove(List),
}

impl Move {
    fn needed(self, lists: ListMask) -> bool {
        match self {
            Move::Add(list) => !lists.contains(list),
            Move::Remove(list) => lists.contains(list),
        }
    }

    fn command(
        self,
        trid: TrId,
        account: &Passport<'static>,
        name: &EncodedName<'static>,
        guid_model: bool,
    ) -> ClientCommand<'static> {
        if guid_model {
            return match self {
                Move::Add(list) => guid::adc_handle(trid, list, account),
                Move::Remove(list) => ClientCommand::RemHandle {
                    trid,
                    list,
                    account: account.clone(),
                },
            };
        }
        let account = account.clone();
        match self {
            Move::Add(list) => ClientCommand::Add {
                trid,
                list,
                account,
                name: name.clone(),
                group: (list == List::Forward).then_some(GroupId(0)),
            },
            Move::Remove(list) => ClientCommand::Rem {
                trid,
                list,
                account,
                group: None,
            },
        }
    }
}

impl NotificationClient {
    /// Sends the `steps` the list does not show done, all or none.
    fn move_contact(
        &mut self,
        now: Instant,
        call: &'static str,
        who: &Passport<'_>,
        steps: &[Move],
    ) -> Result<Vec<TrId>, NsError> {
        self.touch(now);
        self.expect_logged_in(call)?;
        let lists = self.contacts.contact(who).map_or(ListMask::EMPTY, |c| c.lists());
        let account = who.clone().into_owned();
        // The official client stores the account as the name [YW add.md].
        let name = EncodedName::try_from(account.as_str())
            .map_err(|source| NsError::InvalidArgument {
                what: "account",
                source,
            })?
            .into_owned();
        let steps = steps.iter().copied().filter(|step| step.needed(lists));
        if self.pending.len().saturating_add(steps.clone().count()) > self.config.max_pending {
            return Err(NsError::TooManyPending {
                max: self.config.max_pending,
            });
        }
        self.check_room()?;
        // Encoded once aside first, so that a refusal leaves no step half sent; past
        // the checks, every step goes out (the room check is for the whole call).
        let mut scratch = Vec::new();
        let guid_model = self.guid_dialect();
        for step in steps.clone() {
            step.command(TrId(1), &account, &name, guid_model)
                .encode(&mut scratch)?;
        }
        Ok(steps
            .map(|step| self.send_request(|trid| step.command(trid, &account, &name, guid_model)))
            .collect())
    }
}

fn check_list(list: List, group: Option<GroupId>) -> Result<(), NsError> {
    if list == List::Reverse {
        // The server disconnects a client that edits the reverse list [YW add.md].
        return Err(NsError::Forbidden("the reverse list is kept by the server"));
    }
    if group.is_some() && list != List::Forward {
        return Err(NsError::Forbidden("only the forward list has groups"));
    }
    Ok(())
}

fn encode_name(what: &'static str, text: &str) -> Result<EncodedName<'static>, NsError> {
    EncodedName::from_text(text).map_err(|source| NsError::InvalidArgument { what, source })
}
