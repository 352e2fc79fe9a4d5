//! [`ContactList`]: the user's lists, groups and settings as the server last confirmed
//! them, plus the presence of each contact.
//!
//! Everything here is bounded so that a server cannot make the list grow without
//! limit: the machine checks [`ContactList::len`] against `NsConfig::max_contacts` and
//! [`ContactList::retained_bytes`] against `NsConfig::max_contact_list_bytes` after each
//! change; a contact keeps at most [`MAX_GROUPS_PER_CONTACT`] groups and only the
//! [`Phone`] properties, one value each. Every change costs O(log n) in the number of
//! contacts: the map's key is a fixed-size lower-cased copy of the account, so neither
//! an insertion nor a lookup allocates for it.

#[cfg(feature = "serde")]
mod saved;

use std::collections::BTreeMap;
use std::fmt;

use super::{NsConfig, Phone};
use crate::codec::{
    AddPrompt, ClientCaps, FriendlyName, GroupId, GroupName, List, ListMask, MAX_PASSPORT_LEN, Passport,
    Privacy, Status,
};

/// The most groups one contact is kept in. MSNP8 servers allow 30 groups in all
/// (reference §6); more for one contact is a server's doing, and ends the session.
pub const MAX_GROUPS_PER_CONTACT: usize = 64;

/// The groups of one contact. Most contacts are in one group or none, so up to four
/// are kept inline: a `SYN` of thousands of contacts allocates nothing for them.
#[derive(Clone)]
enum Groups {
    Inline { ids: [GroupId; 4], len: u8 },
    Heap(Vec<GroupId>),
}

impl Default for Groups {
    fn default() -> Self {
        Groups::Inline {
            ids: [GroupId(0); 4],
            len: 0,
        }
    }
}

impl Groups {
    fn as_slice(&self) -> &[GroupId] {
        match self {
            Groups::Inline { ids, len } => ids.get(..usize::from(*len)).unwrap_or_default(),
            Groups::Heap(ids) => ids,
        }
    }

    fn heap_bytes(&self) -> usize {
        match self {
            Groups::Inline { .. } => 0,
            Groups::Heap(ids) => ids.capacity() * size_of::<GroupId>(),
        }
    }

    /// Adds `id` unless present; false when the contact is already in
    /// [`MAX_GROUPS_PER_CONTACT`] groups.
    fn insert(&mut self, id: GroupId) -> bool {
        if self.as_slice().contains(&id) {
            return true;
        }
        if self.as_slice().len() >= MAX_GROUPS_PER_CONTACT {
            return false;
        }
        match self {
            Groups::Inline { ids, len } => match ids.get_mut(usize::from(*len)) {
                Some(slot) => {
                    *slot = id;
                    *len += 1;
                }
                None => {
                    let mut heap = ids.to_vec();
                    heap.push(id);
                    *self = Groups::Heap(heap);
                }
            },
            Groups::Heap(ids) => ids.push(id),
        }
        true
    }

    fn remove(&mut self, id: GroupId) {
        let kept: Groups = self.as_slice().iter().copied().filter(|g| *g != id).collect();
        *self = kept;
    }
}

impl FromIterator<GroupId> for Groups {
    /// Keeps the first [`MAX_GROUPS_PER_CONTACT`] distinct ids.
    fn from_iter<I: IntoIterator<Item = GroupId>>(iter: I) -> Self {
        let mut groups = Groups::default();
        for id in iter {
            if !groups.insert(id) {
                break;
            }
        }
        groups
    }
}

impl PartialEq for Groups {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for Groups {}

impl fmt::Debug for Groups {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

/// The phone properties of a contact or of the user, ordered by [`Phone`] and one
/// value each, so two lists with the same numbers compare equal whatever order the
/// server sent them in. At most [`Phone::ALL`]`.len()` entries: every scan is O(1).
pub(crate) type Phones = Vec<(Phone, FriendlyName<'static>)>;

/// Sets, or with `None` clears, one phone property.
fn set_phone(phones: &mut Phones, phone: Phone, value: Option<&FriendlyName<'_>>) {
    let at = phones.binary_search_by_key(&phone, |(p, _)| *p);
    match (at, value) {
        (Ok(at), Some(value)) => {
            if let Some(slot) = phones.get_mut(at) {
                slot.1 = value.clone().into_owned();
            }
        }
        (Err(at), Some(value)) => phones.insert(at, (phone, value.clone().into_owned())),
        (Ok(at), None) => {
            phones.remove(at);
        }
        (Err(_), None) => {}
    }
}

fn phone_value<'a>(
    phones: &'a [(Phone, FriendlyName<'static>)],
    phone: Phone,
) -> Option<&'a FriendlyName<'static>> {
    phones.iter().find(|(p, _)| *p == phone).map(|(_, value)| value)
}

/// What a contact's or the user's phone properties weigh: the value's bytes plus the
/// entry itself.
fn phones_bytes(phones: &[(Phone, FriendlyName<'static>)]) -> usize {
    phones
        .iter()
        .map(|(_, value)| size_of::<(Phone, FriendlyName<'static>)>() + value.as_str().len())
        .sum()
}

/// The map key: the account lower-cased into a fixed array, zero-padded. Accounts hold
/// no NUL and are at most [`MAX_PASSPORT_LEN`] bytes (the codec checks both), so the
/// padded arrays order as the lower-cased strings do, and servers compare accounts
/// case-insensitively (reference §11.5).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Key([u8; MAX_PASSPORT_LEN]);

impl Key {
    pub(crate) fn of(account: &Passport<'_>) -> Key {
        let mut key = [0; MAX_PASSPORT_LEN];
        for (slot, byte) in key.iter_mut().zip(account.as_str().bytes()) {
            *slot = byte.to_ascii_lowercase();
        }
        Key(key)
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let len = self.0.iter().position(|b| *b == 0).unwrap_or(self.0.len());
        let text = self.0.get(..len).unwrap_or_default();
        write!(f, "{:?}", String::from_utf8_lossy(text))
    }
}

/// One contact: an account on at least one list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contact {
    account: Passport<'static>,
    name: FriendlyName<'static>,
    lists: ListMask,
    groups: Groups,
    phones: Phones,
    status: Status,
    caps: Option<ClientCaps>,
}

impl Contact {
    fn new(account: Passport<'static>, name: FriendlyName<'static>) -> Self {
        Contact {
            account,
            name,
            lists: ListMask::EMPTY,
            groups: Groups::default(),
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
        self.groups.as_slice()
    }

    /// The phone properties the contact published (`BPR`), in [`Phone`] order.
    pub fn phones(&self) -> &[(Phone, FriendlyName<'static>)] {
        &self.phones
    }

    /// One phone property the contact published, percent-encoded.
    pub fn phone(&self, phone: Phone) -> Option<&FriendlyName<'static>> {
        phone_value(&self.phones, phone)
    }

    /// The presence last announced; [`Status::Offline`] until `ILN`/`NLN`.
    pub fn status(&self) -> Status {
        self.status
    }

    /// The capability bits last announced.
    pub fn caps(&self) -> Option<ClientCaps> {
        self.caps
    }

    /// What the contact weighs in [`ContactList::retained_bytes`]: its entry in the map
    /// and the text it owns.
    fn weight(&self) -> usize {
        size_of::<Key>()
            + size_of::<Contact>()
            + self.account.as_str().len()
            + self.name.as_str().len()
            + self.groups.heap_bytes()
            + phones_bytes(&self.phones)
    }
}

/// The user's contact list: contacts, groups, privacy settings and the list version.
///
/// The machine builds it from a `SYN` download and changes it only when the server
/// confirms a change, so it always matches the version the server numbered. Keep it
/// between sessions and hand it back with
/// [`NotificationClient::with_contact_list`](super::NotificationClient::with_contact_list)
/// to skip the download when nothing changed.
///
/// # Saving (feature `serde`)
///
/// With the `serde` feature the list implements `Serialize` and `Deserialize`, so a bot
/// can write it to a file at the end of a session and start the next from it. The form,
/// shown as JSON: names keep their percent-encoded wire form, `lists` is the `LST`
/// mask (1 = FL, 2 = AL, 4 = BL, 8 = RL), phones are keyed by their wire code, and
/// presence is not saved (everyone is offline until the server says otherwise).
///
/// ```json
/// { "version": 15, "add_prompt": "A", "privacy": "AL", "phones": { "PHH": "123%20(4567)" },
///   "groups": [ { "id": 0, "name": "Other%20Contacts" } ],
///   "contacts": [ { "account": "bob@example.com", "name": "Bob", "lists": 11,
///                   "groups": [0], "phones": { "PHM": "555" } } ] }
/// ```
///
/// A saved file is untrusted input as much as a server's `SYN` is, so reading one
/// checks what the wire path checks, within the bounds of
/// [`NsConfig::default`](super::NsConfig) (or another config's, with
/// `ContactList::deserialize_within`): accounts are tokens of at most
/// [`MAX_PASSPORT_LEN`](crate::codec::MAX_PASSPORT_LEN) bytes, unique
/// case-insensitively; names and group names are tokens no longer than a line; the
/// numbers of contacts and groups and the bytes held stay within `max_contacts`,
/// `max_groups` and `max_contact_list_bytes`, counted while the sequences are read, so a
/// hostile file costs at most one item past a bound; a contact is in at most
/// [`MAX_GROUPS_PER_CONTACT`] distinct groups; only the [`Phone`] properties are read.
/// A fault is named by its position, never by its content. Fields this version does
/// not know are passed over, so a newer crate's file still reads.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContactList {
    version: u32,
    contacts: BTreeMap<Key, Contact>,
    groups: BTreeMap<GroupId, GroupName<'static>>,
    add_prompt: Option<AddPrompt>,
    privacy: Option<Privacy>,
    phones: Phones,
    /// The sum of the contacts' and groups' weights, kept up to date by every change.
    bytes: usize,
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

    /// An estimate of the memory the list holds, in bytes: every contact's and group's
    /// entry and text. The machine keeps it within
    /// [`NsConfig::max_contact_list_bytes`](super::NsConfig::max_contact_list_bytes).
    pub fn retained_bytes(&self) -> usize {
        self.bytes
    }

    /// Whether the list is within `config`'s bounds (`max_contacts`, `max_groups`,
    /// `max_contact_list_bytes`), as
    /// [`NotificationClient::with_contact_list`](super::NotificationClient::with_contact_list)
    /// requires.
    pub fn fits(&self, config: &NsConfig) -> bool {
        self.contacts.len() as u64 <= u64::from(config.max_contacts)
            && self.groups.len() as u64 <= u64::from(config.max_groups)
            && self.bytes <= config.max_contact_list_bytes
    }

    /// A contact by account, compared case-insensitively.
    pub fn contact(&self, account: &Passport<'_>) -> Option<&Contact> {
        self.contacts.get(&Key::of(account))
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

    /// The user's own phone properties (`PRP`), in [`Phone`] order.
    pub fn phones(&self) -> &[(Phone, FriendlyName<'static>)] {
        &self.phones
    }

    /// One of the user's own phone properties, percent-encoded.
    pub fn phone(&self, phone: Phone) -> Option<&FriendlyName<'static>> {
        phone_value(&self.phones, phone)
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

    pub(crate) fn set_own_phone(&mut self, phone: Phone, value: Option<&FriendlyName<'_>>) {
        let before = phones_bytes(&self.phones);
        set_phone(&mut self.phones, phone, value);
        self.bytes = self.bytes.saturating_sub(before) + phones_bytes(&self.phones);
    }

    /// Whether the account is on any list.
    pub(crate) fn contains(&self, account: &Passport<'_>) -> bool {
        self.contacts.contains_key(&Key::of(account))
    }

    /// Changes one contact in place, keeping [`retained_bytes`](Self::retained_bytes)
    /// right; false when the account is on no list.
    fn change(&mut self, account: &Passport<'_>, change: impl FnOnce(&mut Contact)) -> bool {
        self.change_at(&Key::of(account), change)
    }

    fn change_at(&mut self, key: &Key, change: impl FnOnce(&mut Contact)) -> bool {
        let Some(contact) = self.contacts.get_mut(key) else {
            return false;
        };
        let before = contact.weight();
        change(contact);
        self.bytes = self.bytes.saturating_sub(before) + contact.weight();
        true
    }

    pub(crate) fn set_contact_phone(
        &mut self,
        account: &Passport<'_>,
        phone: Phone,
        value: Option<&FriendlyName<'_>>,
    ) -> bool {
        self.change(account, |contact| set_phone(&mut contact.phones, phone, value))
    }

    /// [`set_contact_phone`](Self::set_contact_phone) by key: a download refers to its
    /// last contact without keeping a copy of the account.
    pub(crate) fn set_phone_at(&mut self, key: &Key, phone: Phone, value: Option<&FriendlyName<'_>>) -> bool {
        self.change_at(key, |contact| set_phone(&mut contact.phones, phone, value))
    }

    /// The account stored under `key`.
    pub(crate) fn account_at(&self, key: &Key) -> Option<&Passport<'static>> {
        self.contacts.get(key).map(Contact::account)
    }

    /// Inserts or replaces a contact from a `SYN` `LST` line.
    pub(crate) fn insert_listed(
        &mut self,
        account: Passport<'static>,
        name: FriendlyName<'static>,
        lists: ListMask,
        groups: impl IntoIterator<Item = GroupId>,
    ) {
        let mut contact = Contact::new(account, name);
        contact.lists = lists;
        contact.groups = groups.into_iter().collect();
        self.bytes += contact.weight();
        if let Some(old) = self.contacts.insert(Key::of(&contact.account), contact) {
            self.bytes = self.bytes.saturating_sub(old.weight());
        }
    }

    pub(crate) fn insert_group(&mut self, id: GroupId, name: GroupName<'static>) {
        self.bytes += group_weight(&name);
        if let Some(old) = self.groups.insert(id, name) {
            self.bytes = self.bytes.saturating_sub(group_weight(&old));
        }
    }

    /// `RMG` confirmed. Visits every contact: it answers one of the caller's requests,
    /// which `NsConfig::max_pending` bounds, never a line the server sends unasked.
    pub(crate) fn remove_group(&mut self, id: GroupId) {
        if let Some(old) = self.groups.remove(&id) {
            self.bytes = self.bytes.saturating_sub(group_weight(&old));
        }
        let mut bytes = self.bytes;
        for contact in self.contacts.values_mut() {
            if contact.groups.as_slice().contains(&id) {
                let before = contact.weight();
                contact.groups.remove(id);
                bytes = bytes.saturating_sub(before) + contact.weight();
            }
        }
        self.bytes = bytes;
    }

    /// `ADD` confirmed: the contact is on `list` (and in `group`). False when the
    /// contact is already in [`MAX_GROUPS_PER_CONTACT`] groups; the list is then
    /// unchanged.
    pub(crate) fn add(
        &mut self,
        list: List,
        account: &Passport<'_>,
        name: &FriendlyName<'_>,
        group: Option<GroupId>,
    ) -> bool {
        if !self.contains(account) {
            self.insert_listed(
                account.clone().into_owned(),
                name.clone().into_owned(),
                ListMask::EMPTY,
                None,
            );
        }
        let mut fits = true;
        self.change(account, |contact| {
            if list == List::Forward
                && let Some(group) = group
                && !contact.groups.insert(group)
            {
                fits = false;
                return;
            }
            contact.lists = contact.lists.with(list);
            if list == List::Forward && contact.name.as_str() != name.as_str() {
                contact.name = name.clone().into_owned();
            }
        });
        if !fits && self.contact(account).is_some_and(|c| c.lists == ListMask::EMPTY) {
            self.forget(account);
        }
        fits
    }

    /// `REM` confirmed: off `list`, or only out of `group`. A contact on no list is
    /// forgotten.
    pub(crate) fn remove(&mut self, list: List, account: &Passport<'_>, group: Option<GroupId>) {
        let mut empty = false;
        self.change(account, |contact| {
            match group {
                Some(group) if list == List::Forward => contact.groups.remove(group),
                _ => {
                    contact.lists = contact.lists.without(list);
                    if list == List::Forward {
                        contact.groups = Groups::default();
                    }
                }
            }
            empty = contact.lists == ListMask::EMPTY;
        });
        if empty {
            self.forget(account);
        }
    }

    fn forget(&mut self, account: &Passport<'_>) {
        if let Some(old) = self.contacts.remove(&Key::of(account)) {
            self.bytes = self.bytes.saturating_sub(old.weight());
        }
    }

    pub(crate) fn rename(&mut self, account: &Passport<'_>, name: &FriendlyName<'_>) {
        self.change(account, |contact| contact.name = name.clone().into_owned());
    }

    /// Records presence; returns whether the account is on the list.
    pub(crate) fn set_presence(
        &mut self,
        account: &Passport<'_>,
        status: Status,
        name: Option<&FriendlyName<'_>>,
        caps: Option<ClientCaps>,
    ) -> bool {
        self.change(account, |contact| {
            contact.status = status;
            contact.caps = caps;
            if let Some(name) = name.filter(|n| n.as_str() != contact.name.as_str()) {
                contact.name = name.clone().into_owned();
            }
        })
    }

    /// Marks every contact offline, for a new session over a kept list.
    pub(crate) fn clear_presence(&mut self) {
        for contact in self.contacts.values_mut() {
            contact.status = Status::Offline;
            contact.caps = None;
        }
    }
}

fn group_weight(name: &GroupName<'_>) -> usize {
    size_of::<GroupId>() + size_of::<GroupName<'static>>() + name.as_str().len()
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

    /// The running byte count must equal a recount from scratch after any change.
    fn recount(list: &ContactList) -> usize {
        let contacts: usize = list.contacts.values().map(Contact::weight).sum();
        let groups: usize = list.groups.values().map(group_weight).sum();
        contacts + groups + phones_bytes(&list.phones)
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
        assert_eq!(list.retained_bytes(), recount(&list));
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
        assert_eq!(list.retained_bytes(), 0);
    }

    #[test]
    fn removing_a_group_empties_it_from_contacts() {
        let mut list = ContactList::new();
        let bob = passport("bob@passport.com");
        list.insert_group(GroupId(1), name("Friends"));
        list.insert_listed(bob.clone(), name("Bob"), ListMask(1), [GroupId(0), GroupId(1)]);
        list.remove_group(GroupId(1));
        assert_eq!(list.contact(&bob).unwrap().groups(), [GroupId(0)]);
        assert_eq!(list.group_count(), 0);
        assert_eq!(list.retained_bytes(), recount(&list));
    }

    #[test]
    fn groups_spill_to_the_heap_and_stop_at_the_bound() {
        let mut list = ContactList::new();
        let bob = passport("bob@passport.com");
        for id in 0..MAX_GROUPS_PER_CONTACT as u32 {
            assert!(list.add(List::Forward, &bob, &name("Bob"), Some(GroupId(id))));
            assert_eq!(list.retained_bytes(), recount(&list));
        }
        let extra = GroupId(MAX_GROUPS_PER_CONTACT as u32);
        assert!(!list.add(List::Forward, &bob, &name("Bob"), Some(extra)));
        assert_eq!(list.contact(&bob).unwrap().groups().len(), MAX_GROUPS_PER_CONTACT);
        // A contact refused on its first ADD is not left behind on no list.
        let carol = passport("carol@passport.com");
        let many = (0..100).map(GroupId);
        list.insert_listed(carol.clone(), name("C"), ListMask::EMPTY, many);
        assert_eq!(
            list.contact(&carol).unwrap().groups().len(),
            MAX_GROUPS_PER_CONTACT
        );
    }

    #[test]
    fn phones_keep_one_value_each_in_phone_order() {
        let mut list = ContactList::new();
        let bob = passport("bob@passport.com");
        list.add(List::Forward, &bob, &name("Bob"), None);
        for i in 0..100 {
            let value = name(&format!("{i}"));
            list.set_contact_phone(&bob, Phone::Mobile, Some(&value));
            list.set_contact_phone(&bob, Phone::Home, Some(&value));
            list.set_own_phone(Phone::MobileAllowed, Some(&value));
        }
        let bob_phones = list.contact(&bob).unwrap().phones();
        assert_eq!(
            bob_phones,
            [(Phone::Home, name("99")), (Phone::Mobile, name("99"))]
        );
        assert_eq!(list.contact(&bob).unwrap().phone(Phone::Work), None);
        assert_eq!(list.phones(), [(Phone::MobileAllowed, name("99"))]);
        list.set_own_phone(Phone::MobileAllowed, None);
        assert!(list.phones().is_empty());
        assert_eq!(list.retained_bytes(), recount(&list));
    }
}
