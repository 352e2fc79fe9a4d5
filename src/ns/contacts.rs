//! [`ContactList`]: the user's lists, groups and settings as the server last confirmed
//! them, plus the presence of each contact.

use std::collections::BTreeMap;

use crate::codec::{
    AddPrompt, ClientCaps, FriendlyName, GroupId, GroupName, List, ListMask, Passport, Privacy, Status, Token,
};

/// A phone number or other property (`PHH`, `PHW`, `PHM`, `MOB`, `MBE`) and its
/// percent-encoded value.
pub type Property = (Token<'static>, FriendlyName<'static>);

/// One contact: an account on at least one list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contact {
    account: Passport<'static>,
    name: FriendlyName<'static>,
    lists: ListMask,
    groups: Vec<GroupId>,
    phones: Vec<Property>,
    status: Status,
    caps: Option<ClientCaps>,
}

impl Contact {
    fn new(account: Passport<'static>, name: FriendlyName<'static>) -> Self {
        Contact {
            account,
            name,
            lists: ListMask::EMPTY,
            groups: Vec::new(),
            phones: Vec::new(),
            status: Status::Offline,
            caps: None,
        }
    }

    /// The account, as the server spelled it.
    pub fn account(&self) -> &Passport<'static> {
        &self.account
    }

    /// The friendly name last seen (from `LST`, `ADD`, `REA`, `ILN` or `NLN`).
    pub fn name(&self) -> &FriendlyName<'static> {
        &self.name
    }

    /// The lists the contact is on.
    pub fn lists(&self) -> ListMask {
        self.lists
    }

    /// The groups the contact is in (forward list only).
    pub fn groups(&self) -> &[GroupId] {
        &self.groups
    }

    /// Phone numbers the contact published (`BPR`).
    pub fn phones(&self) -> &[Property] {
        &self.phones
    }

    /// The presence last announced; [`Status::Offline`] until `ILN`/`NLN`.
    pub fn status(&self) -> Status {
        self.status
    }

    /// The capability bits last announced.
    pub fn caps(&self) -> Option<ClientCaps> {
        self.caps
    }
}

/// The user's contact list: contacts, groups, privacy settings and the list version.
///
/// The machine builds it from a `SYN` download and changes it only when the server
/// confirms a change, so it always matches the version the server numbered. Keep it
/// between sessions and hand it back with
/// [`NotificationClient::with_contact_list`](super::NotificationClient::with_contact_list)
/// to skip the download when nothing changed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContactList {
    version: u32,
    /// Keyed by the lower-cased account: servers compare accounts case-insensitively
    /// (reference §11.5).
    contacts: BTreeMap<String, Contact>,
    groups: BTreeMap<GroupId, GroupName<'static>>,
    add_prompt: Option<AddPrompt>,
    privacy: Option<Privacy>,
    phones: Vec<Property>,
}

fn key(account: &Passport<'_>) -> String {
    account.as_str().to_ascii_lowercase()
}

fn set_property(phones: &mut Vec<Property>, property: Token<'static>, value: Option<FriendlyName<'static>>) {
    phones.retain(|(p, _)| p != &property);
    if let Some(value) = value {
        phones.push((property, value));
    }
}

impl ContactList {
    /// An empty list at version 0 (what `SYN T 0` asks for).
    pub fn new() -> Self {
        ContactList::default()
    }

    /// The list version the server last confirmed.
    pub fn version(&self) -> u32 {
        self.version
    }

    /// How many contacts are on any list.
    pub fn len(&self) -> usize {
        self.contacts.len()
    }

    /// Whether no contact is on any list.
    pub fn is_empty(&self) -> bool {
        self.contacts.is_empty()
    }

    /// A contact by account, compared case-insensitively.
    pub fn contact(&self, account: &Passport<'_>) -> Option<&Contact> {
        self.contacts.get(&key(account))
    }

    /// Every contact, ordered by lower-cased account.
    pub fn contacts(&self) -> impl Iterator<Item = &Contact> {
        self.contacts.values()
    }

    /// Every group, by id.
    pub fn groups(&self) -> impl Iterator<Item = (GroupId, &GroupName<'static>)> {
        self.groups.iter().map(|(id, name)| (*id, name))
    }

    /// A group's name.
    pub fn group(&self, id: GroupId) -> Option<&GroupName<'static>> {
        self.groups.get(&id)
    }

    /// How many groups there are.
    pub fn group_count(&self) -> usize {
        self.groups.len()
    }

    /// `GTC`: whether the user is asked when someone adds them.
    pub fn add_prompt(&self) -> Option<AddPrompt> {
        self.add_prompt
    }

    /// `BLP`: who may reach the user when on neither allow nor block list.
    pub fn privacy(&self) -> Option<Privacy> {
        self.privacy
    }

    /// The user's own phone numbers (`PRP`).
    pub fn phones(&self) -> &[Property] {
        &self.phones
    }

    // Mutators used by the machine when the server confirms a change.

    pub(crate) fn set_version(&mut self, version: u32) {
        self.version = version;
    }

    pub(crate) fn set_add_prompt(&mut self, prompt: AddPrompt) {
        self.add_prompt = Some(prompt);
    }

    pub(crate) fn set_privacy(&mut self, privacy: Privacy) {
        self.privacy = Some(privacy);
    }

    pub(crate) fn set_own_property(
        &mut self,
        property: Token<'static>,
        value: Option<FriendlyName<'static>>,
    ) {
        set_property(&mut self.phones, property, value);
    }

    pub(crate) fn set_contact_property(
        &mut self,
        account: &Passport<'_>,
        property: Token<'static>,
        value: Option<FriendlyName<'static>>,
    ) -> bool {
        match self.contacts.get_mut(&key(account)) {
            Some(contact) => {
                set_property(&mut contact.phones, property, value);
                true
            }
            None => false,
        }
    }

    /// Inserts or replaces a contact from a `SYN` `LST` line.
    pub(crate) fn insert_listed(
        &mut self,
        account: Passport<'static>,
        name: FriendlyName<'static>,
        lists: ListMask,
        groups: Vec<GroupId>,
    ) {
        let mut contact = Contact::new(account, name);
        contact.lists = lists;
        contact.groups = groups;
        self.contacts.insert(key(&contact.account), contact);
    }

    pub(crate) fn insert_group(&mut self, id: GroupId, name: GroupName<'static>) {
        self.groups.insert(id, name);
    }

    pub(crate) fn remove_group(&mut self, id: GroupId) {
        self.groups.remove(&id);
        for contact in self.contacts.values_mut() {
            contact.groups.retain(|g| *g != id);
        }
    }

    /// `ADD` confirmed: the contact is on `list` (and in `group`).
    pub(crate) fn add(
        &mut self,
        list: List,
        account: &Passport<'_>,
        name: &FriendlyName<'_>,
        group: Option<GroupId>,
    ) {
        let contact = self
            .contacts
            .entry(key(account))
            .or_insert_with(|| Contact::new(account.clone().into_owned(), name.clone().into_owned()));
        contact.lists = contact.lists.with(list);
        if list == List::Forward {
            contact.name = name.clone().into_owned();
            if let Some(group) = group.filter(|g| !contact.groups.contains(g)) {
                contact.groups.push(group);
            }
        }
    }

    /// `REM` confirmed: off `list`, or only out of `group`. A contact on no list is
    /// forgotten.
    pub(crate) fn remove(&mut self, list: List, account: &Passport<'_>, group: Option<GroupId>) {
        let key = key(account);
        let Some(contact) = self.contacts.get_mut(&key) else {
            return;
        };
        match group {
            Some(group) if list == List::Forward => contact.groups.retain(|g| *g != group),
            _ => {
                contact.lists = contact.lists.without(list);
                if list == List::Forward {
                    contact.groups.clear();
                }
            }
        }
        if contact.lists == ListMask::EMPTY {
            self.contacts.remove(&key);
        }
    }

    pub(crate) fn rename(&mut self, account: &Passport<'_>, name: &FriendlyName<'_>) {
        if let Some(contact) = self.contacts.get_mut(&key(account)) {
            contact.name = name.clone().into_owned();
        }
    }

    /// Records presence; returns whether the account is on the list.
    pub(crate) fn set_presence(
        &mut self,
        account: &Passport<'_>,
        status: Status,
        name: Option<&FriendlyName<'_>>,
        caps: Option<ClientCaps>,
    ) -> bool {
        let Some(contact) = self.contacts.get_mut(&key(account)) else {
            return false;
        };
        contact.status = status;
        contact.caps = caps;
        if let Some(name) = name.filter(|n| n.as_str() != contact.name.as_str()) {
            contact.name = name.clone().into_owned();
        }
        true
    }

    /// Marks every contact offline, for a new session over a kept list.
    pub(crate) fn clear_presence(&mut self) {
        for contact in self.contacts.values_mut() {
            contact.status = Status::Offline;
            contact.caps = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn passport(s: &str) -> Passport<'static> {
        Passport::try_from(s.to_string()).unwrap()
    }

    fn name(s: &str) -> FriendlyName<'static> {
        FriendlyName::try_from(s.to_string()).unwrap()
    }

    #[test]
    fn accounts_match_case_insensitively() {
        let mut list = ContactList::new();
        list.add(
            List::Forward,
            &passport("Bob@Passport.com"),
            &name("Bob"),
            Some(GroupId(0)),
        );
        assert!(list.contact(&passport("bob@passport.com")).is_some());
        list.add(List::Allow, &passport("BOB@passport.com"), &name("x"), None);
        assert_eq!(list.len(), 1);
        let bob = list.contact(&passport("bob@passport.com")).unwrap();
        assert_eq!(bob.lists(), ListMask(3));
        assert_eq!(bob.name().as_str(), "Bob");
        assert_eq!(bob.account().as_str(), "Bob@Passport.com");
    }

    #[test]
    fn removal_from_a_group_keeps_the_contact_and_last_list_forgets_it() {
        let mut list = ContactList::new();
        let bob = passport("bob@passport.com");
        list.add(List::Forward, &bob, &name("Bob"), Some(GroupId(0)));
        list.add(List::Forward, &bob, &name("Bob"), Some(GroupId(2)));
        list.remove(List::Forward, &bob, Some(GroupId(0)));
        assert_eq!(list.contact(&bob).unwrap().groups(), [GroupId(2)]);
        list.remove(List::Forward, &bob, None);
        assert!(list.is_empty());
    }

    #[test]
    fn removing_a_group_empties_it_from_contacts() {
        let mut list = ContactList::new();
        let bob = passport("bob@passport.com");
        list.insert_group(GroupId(1), name("Friends"));
        list.insert_listed(
            bob.clone(),
            name("Bob"),
            ListMask(1),
            vec![GroupId(0), GroupId(1)],
        );
        list.remove_group(GroupId(1));
        assert_eq!(list.contact(&bob).unwrap().groups(), [GroupId(0)]);
        assert_eq!(list.group_count(), 0);
    }
}
