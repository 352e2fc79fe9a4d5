//! The edits of the GUID contact model (MSNP10+, msnp9-12 reference §4.2): the same
//! calls as MSNP8's, sent as `ADC`/`REM`/`ADG`/`RMG`/`REG`/`SBP`/`PRP MFN` with the
//! GUIDs the [`ContactList`](crate::ns::ContactList) keeps, and their replies, which
//! carry no list version and are matched to their request by TrID.
//!
//! A caller names contacts by account and groups by [`GroupId`] in every dialect; a
//! contact or group the list has no GUID for is refused before anything is sent
//! ([`NsError::UnknownContact`], [`NsError::UnknownGroup`]).

use crate::codec::{
    ClientCommand, EncodedName, ErrorCode, GroupId, Guid, List, Passport, ServerCommand, Token, TrId,
};
use crate::ns::download::stored_name_of;
use crate::ns::{Limit, ListChange, MAX_GROUPS_PER_CONTACT, NotificationClient, NsError, NsEvent};

/// The property of `PRP` and `SBP` that holds a name [msnp9-12 reference §4.2].
const NAME_PROPERTY: &str = "MFN";

impl NotificationClient {
    // ----- Requests -----

    /// `ADC`: onto `list` by handle (`FL` with `F=`, the account, as the official
    /// client stores it), or, for a forward-list contact, into `group` by GUIDs.
    ///
    /// A contact not yet on the forward list cannot join a group in the same request:
    /// it is added first, and when the server has given it a GUID the machine puts it
    /// in the group with a request of its own (its reply is a second
    /// [`NsEvent::ListChanged`], under that request's TrID).
    pub(super) fn add_contact_guid(
        &mut self,
        list: List,
        account: &Passport<'_>,
        group: Option<GroupId>,
    ) -> Result<TrId, NsError> {
        let group = group.map(|id| self.group_guid_of(id)).transpose()?;
        let known = self.contacts.contact(account).and_then(|c| c.guid().cloned());
        if list == List::Forward
            && let (Some(contact), Some(group)) = (known, group.clone())
        {
            return self.request(|trid| ClientCommand::Adc {
                trid,
                list,
                account: None,
                name: None,
                contact: Some(contact),
                group: Some(group),
            });
        }
        let trid = self.request(|trid| adc_handle(trid, list, account))?;
        if let Some(group) = group {
            self.group_follow_ups.insert(trid, group);
        }
        Ok(trid)
    }

    /// `REM`: off the forward list (or out of one group) by GUIDs, off the other lists
    /// by handle.
    pub(super) fn remove_contact_guid(
        &mut self,
        list: List,
        account: &Passport<'_>,
        group: Option<GroupId>,
    ) -> Result<TrId, NsError> {
        if list != List::Forward {
            let account = account.clone().into_owned();
            return self.request(|trid| ClientCommand::RemHandle { trid, list, account });
        }
        let contact = self.contact_guid_of(account)?;
        let group = group.map(|id| self.group_guid_of(id)).transpose()?;
        self.request(|trid| ClientCommand::RemGuid { trid, contact, group })
    }

    /// The user's own name goes to `PRP MFN`, a contact's stored name to `SBP MFN`
    /// (MSNP10 removed `REA`; Escargot answers it with 502).
    pub(super) fn rename_guid(
        &mut self,
        account: &Passport<'_>,
        name: EncodedName<'static>,
    ) -> Result<TrId, NsError> {
        let property = Token::try_from(NAME_PROPERTY).map_err(|source| NsError::InvalidArgument {
            what: "property",
            source,
        })?;
        if account.same_account(&self.account) {
            return self.request(|trid| ClientCommand::Prp {
                trid,
                property,
                value: Some(name),
            });
        }
        let contact = self.contact_guid_of(account)?;
        self.request(|trid| ClientCommand::Sbp {
            trid,
            contact,
            property,
            value: name,
        })
    }

    /// A forward-list contact's GUID, or [`NsError::UnknownContact`].
    fn contact_guid_of(&self, account: &Passport<'_>) -> Result<Guid<'static>, NsError> {
        self.contacts
            .contact(account)
            .and_then(|c| c.guid().cloned())
            .ok_or(NsError::UnknownContact)
    }

    /// A group's GUID, or [`NsError::UnknownGroup`].
    pub(super) fn group_guid_of(&self, group: GroupId) -> Result<Guid<'static>, NsError> {
        self.contacts
            .group_guid(group)
            .cloned()
            .ok_or(NsError::UnknownGroup { group })
    }

    // ----- Replies -----

    /// A confirmed MSNP10+ edit, or one the server made itself (TrID 0).
    pub(in crate::ns) fn handle_guid_edit(&mut self, command: ServerCommand<'_>) {
        use ServerCommand::*;
        let version = self.contacts.version();
        match command {
            GtcReply { trid, prompt } => {
                if self.settle(trid, "GTC") {
                    self.contacts.set_add_prompt(prompt);
                    self.list_changed(trid, version, ListChange::AddPrompt(prompt));
                }
            }
            BlpReply { trid, privacy } => {
                if self.settle(trid, "BLP") {
                    self.contacts.set_privacy(privacy);
                    self.list_changed(trid, version, ListChange::Privacy(privacy));
                }
            }
            PrpReply {
                trid,
                property,
                value,
            } => {
                if !self.settle(trid, "PRP") {
                    return;
                }
                let change = match (property.as_str(), &value) {
                    // The own name, reported as MSNP8's `REA` of the own account is.
                    (NAME_PROPERTY, Some(name)) => {
                        self.own_name_property(&property, Some(name));
                        ListChange::Renamed {
                            account: self.account.clone(),
                            name: name.clone().into_owned(),
                        }
                    }
                    _ => self.own_property(property, value),
                };
                if self.lists_within_bounds() {
                    self.list_changed(trid, version, change);
                }
            }
            BprOf {
                account,
                property,
                value,
            } => {
                let change = self.contact_property(account.into_owned(), property, value);
                if self.lists_within_bounds() {
                    self.list_changed(TrId::ASYNC, version, change);
                }
            }
            Adc {
                trid,
                list,
                account,
                name,
                contact,
                group,
            } => self.adc(trid, list, account, name, contact, group),
            RemGuid { trid, contact, group } => {
                if !self.settle(trid, "REM") {
                    return;
                }
                let Some(account) = self.contacts.account_by_guid(&contact).cloned() else {
                    return self.violation("REM names a contact the list does not have", "REM");
                };
                let group = match group.map(|g| self.contacts.group_by_guid(&g)) {
                    None => None,
                    Some(Some(id)) => Some(id),
                    Some(None) => return self.violation("REM names a group the list does not have", "REM"),
                };
                self.contacts.remove(List::Forward, &account, group);
                let change = ListChange::Removed {
                    list: List::Forward,
                    account,
                    group,
                };
                self.list_changed(trid, version, change);
            }
            RemHandle { trid, list, account } => {
                if trid != TrId::ASYNC && !self.settle(trid, "REM") {
                    return;
                }
                self.contacts.remove(list, &account, None);
                let account = account.into_owned();
                if trid == TrId::ASYNC && list == List::Reverse {
                    self.events.push_back(NsEvent::RemovedBy { account, version });
                } else {
                    let change = ListChange::Removed {
                        list,
                        account,
                        group: None,
                    };
                    self.list_changed(trid, version, change);
                }
            }
            AdgGuid { trid, name, group } => {
                if !self.settle(trid, "ADG") {
                    return;
                }
                let max = self.config.max_groups as usize;
                if self.contacts.group_by_guid(&group).is_none() && self.contacts.group_count() >= max {
                    return self.violation("more groups than the configured limit", "ADG");
                }
                let name = name.into_owned();
                let Some(id) = self
                    .contacts
                    .put_guid_group(group.into_owned(), name.clone(), None, 0)
                else {
                    return self.limit_reached(Limit::Groups, max);
                };
                if self.lists_within_bounds() {
                    self.list_changed(trid, version, ListChange::GroupAdded { group: id, name });
                }
            }
            RmgGuid { trid, group } => {
                if !self.settle(trid, "RMG") {
                    return;
                }
                let Some(id) = self.contacts.group_by_guid(&group) else {
                    return self.violation("RMG names a group the list does not have", "RMG");
                };
                self.contacts.remove_group(id);
                self.list_changed(trid, version, ListChange::GroupRemoved { group: id });
            }
            RegGuid { trid, group, name } => {
                if !self.settle(trid, "REG") {
                    return;
                }
                let max = self.config.max_groups as usize;
                if self.contacts.group_by_guid(&group).is_none() && self.contacts.group_count() >= max {
                    return self.limit_reached(Limit::Groups, max);
                }
                let name = name.into_owned();
                let Some(id) = self
                    .contacts
                    .put_guid_group(group.into_owned(), name.clone(), None, 0)
                else {
                    return self.limit_reached(Limit::Groups, max);
                };
                if self.lists_within_bounds() {
                    self.list_changed(trid, version, ListChange::GroupRenamed { group: id, name });
                }
            }
            Sbp {
                trid,
                contact,
                property,
                value,
            } => {
                if !self.settle(trid, "SBP") {
                    return;
                }
                let Some(account) = self.contacts.account_by_guid(&contact).cloned() else {
                    return self.violation("SBP names a contact the list does not have", "SBP");
                };
                let change = if property.as_str() == NAME_PROPERTY {
                    self.contacts.rename(&account, &value);
                    ListChange::Renamed {
                        account,
                        name: value.into_owned(),
                    }
                } else {
                    ListChange::ContactProperty {
                        account,
                        property: property.into_owned(),
                        value: Some(value.into_owned()),
                    }
                };
                if self.lists_within_bounds() {
                    self.list_changed(trid, version, change);
                }
            }
            other => self.misplaced(&other),
        }
    }

    /// `ADC`: a confirmed addition (with the new contact's GUID for the forward list,
    /// or a contact put in a group), or, with TrID 0 on the reverse list, someone who
    /// added the user (MSNP8's `ADD 0 RL`).
    fn adc(
        &mut self,
        trid: TrId,
        list: List,
        account: Option<Passport<'_>>,
        name: Option<EncodedName<'_>>,
        contact: Option<Guid<'_>>,
        group: Option<Guid<'_>>,
    ) {
        let follow_up = self.group_follow_ups.remove(&trid);
        if trid != TrId::ASYNC && !self.settle(trid, "ADC") {
            return;
        }
        let known = contact
            .as_ref()
            .and_then(|c| self.contacts.account_by_guid(c))
            .cloned();
        let Some(account) = account.map(Passport::into_owned).or(known) else {
            return self.violation("ADC names a contact the list does not have", "ADC");
        };
        let group = match group.map(|g| self.contacts.group_by_guid(&g)) {
            None => None,
            Some(Some(id)) => Some(id),
            Some(None) => return self.violation("ADC names a group the list does not have", "ADC"),
        };
        // The name the list has for a contact put in a group; else the one sent.
        let name = match (name, self.contacts.contact(&account)) {
            (Some(name), _) => Some(name.into_owned()),
            (None, Some(known)) => Some(known.name().clone()),
            (None, None) => stored_name_of(&account),
        };
        let Some(name) = name else {
            return self.violation("ADC names a contact that cannot be stored", "ADC");
        };
        let max = self.config.max_contacts;
        if !self.contacts.contains(&account) && self.contacts.len() >= max as usize {
            return self.limit_reached(Limit::Contacts, max as usize);
        }
        if !self.contacts.add(list, &account, &name, group) {
            return self.limit_reached(Limit::GroupsPerContact, MAX_GROUPS_PER_CONTACT);
        }
        if list == List::Forward
            && let Some(contact) = contact
        {
            self.contacts
                .set_contact_guid(&account, Some(contact.into_owned()));
        }
        if !self.lists_within_bounds() {
            return;
        }
        let version = self.contacts.version();
        if trid == TrId::ASYNC && list == List::Reverse {
            self.events.push_back(NsEvent::AddedBy {
                account,
                name,
                version,
            });
            return;
        }
        let guid = self.contacts.contact(&account).and_then(|c| c.guid().cloned());
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
        if let (Some(contact), Some(group)) = (guid, follow_up) {
            self.send_request(|trid| ClientCommand::Adc {
                trid,
                list: List::Forward,
                account: None,
                name: None,
                contact: Some(contact),
                group: Some(group),
            });
        }
    }

    /// MSNP10+ reports an unknown account with 208 where MSNP8 used 205 [msnp9-12
    /// reference §12]: the caller sees 205 in every dialect.
    pub(in crate::ns) fn dialect_neutral_code(
        &self,
        request: &ClientCommand<'_>,
        code: ErrorCode,
    ) -> ErrorCode {
        if self.guid_dialect() && code == ErrorCode(208) && matches!(request, ClientCommand::Adc { .. }) {
            return ErrorCode(205);
        }
        code
    }
}

/// `ADC T list N=account [F=account]`: `F=` for the forward list only.
pub(super) fn adc_handle(trid: TrId, list: List, account: &Passport<'_>) -> ClientCommand<'static> {
    let name = (list == List::Forward).then(|| stored_name_of(account)).flatten();
    ClientCommand::Adc {
        trid,
        list,
        account: Some(account.clone().into_owned()),
        name,
        contact: None,
        group: None,
    }
}
