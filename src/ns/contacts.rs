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
//!
//! # One model for every dialect
//!
//! MSNP8 names groups by number and contacts by account; MSNP10 and later name a
//! forward-list contact by a contact GUID and a group by a group GUID (reference
//! §4). The list keeps one shape for both, so a bot's code does not change with the
//! dialect: contacts are keyed by account in every dialect (and carry their GUID when
//! the server gave one), and groups are keyed by a [`GroupId`] in every dialect. Under
//! MSNP8 that is the server's group number; under MSNP10+ it is a number the list
//! gives the group when it first sees its GUID (kept across a new `SYN` for a GUID the
//! list already knew), and the GUID is kept beside it. The edits look the GUIDs up
//! here, so the caller names groups by [`GroupId`] and contacts by account
//! whatever the dialect. Both GUID indexes are ordered maps with fixed-size keys:
//! O(log n), no allocation per lookup.

mod contact;
mod key;
#[cfg(feature = "serde")]
mod saved;

use std::collections::BTreeMap;

use super::{NsConfig, Phone};
use crate::codec::{
    AddPrompt, ClientCaps, FriendlyName, GroupId, GroupName, Guid, List, ListMask, Passport, Privacy, Status,
    Token,
};
#[cfg(feature = "serde")]
use contact::ALL_LISTS;
pub use contact::{Contact, MAX_GROUPS_PER_CONTACT};
use contact::{Groups, Phones, phone_value, phones_bytes, set_phone};
pub(crate) use key::Key;
use key::{GuidKey, guid_weight};

/// One group: its name, and its GUID under MSNP10+.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Group {
    name: GroupName<'static>,
    guid: Option<Guid<'static>>,
}

/// The two timestamps of an MSNP10+ `SYN` (list and settings), which a later `SYN`
/// sends back so the server can skip the download when nothing changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncStamps {
    /// The list's timestamp, as the server wrote it.
    pub list: Token<'static>,
    /// The settings' timestamp, as the server wrote it.
    pub settings: Token<'static>,
}

impl SyncStamps {
    fn weight(&self) -> usize {
        self.list.as_str().len() + self.settings.as_str().len()
    }
}

/// The user's contact list: contacts, groups, privacy settings and the list version.
///
/// The machine builds it from a `SYN` download and changes it only when the server
/// confirms a change, so it always matches what the server holds. Keep it between
/// sessions and hand it back with
/// [`NotificationClient::with_contact_list`](super::NotificationClient::with_contact_list)
/// to skip the download when nothing changed (MSNP8 compares the list
/// [`version`](Self::version), MSNP10+ the [`stamps`](Self::stamps)).
///
/// The same contacts give the same view in every dialect: accounts, names, lists,
/// groups by [`GroupId`] with their names, phones. Only the ids differ: under MSNP10+,
/// which names groups by GUID, the list gives each group an id of its own when it
/// first sees its GUID (the same id again when a new `SYN` brings a GUID the list
/// knew), and keeps the GUIDs beside the ids ([`Contact::guid`],
/// [`group_guid`](Self::group_guid)), which the edits send. So a bot names contacts by
/// account and groups by [`GroupId`] in every dialect.
///
/// # Saving (feature `serde`)
///
/// With the `serde` feature the list implements `Serialize` and `Deserialize`, so a bot
/// can write it to a file at the end of a session and start the next from it. The form,
/// shown as JSON: names keep their percent-encoded wire form, `lists` is the `LST`
/// mask (1 = FL, 2 = AL, 4 = BL, 8 = RL, 16 = PL), phones are keyed by their wire code,
/// and presence is not saved (everyone is offline until the server says otherwise).
/// The GUIDs, the own name and the timestamps of MSNP10+ are there when the server
/// gave them; a file without them (saved under MSNP8, or by an older crate) reads.
///
/// ```json
/// { "version": 15, "add_prompt": "A", "privacy": "AL", "phones": { "PHH": "123%20(4567)" },
///   "groups": [ { "id": 0, "name": "Other%20Contacts" } ],
///   "contacts": [ { "account": "bob@example.com", "name": "Bob", "lists": 11,
///                   "groups": [0], "phones": { "PHM": "555" } } ],
///   "own_name": "Me",
///   "stamps": { "list": "2000-01-01T00:00:00.0-00:00", "settings": "2000-01-01T00:00:00.0-00:00" } }
/// ```
///
/// Under MSNP10+ a group reads `{ "id": 0, "name": "Friends", "guid": "…" }` and a
/// forward-list contact carries `"guid": "…"`; under MSNP12 a contact also carries its
/// [`network`](Contact::network) id, `"network": 1`.
///
/// A saved file is untrusted input as much as a server's `SYN` is, so reading one
/// checks what the wire path checks, within the bounds of
/// [`NsConfig::default`](super::NsConfig) (or another config's, with
/// `ContactList::deserialize_within`): accounts are tokens of at most
/// [`MAX_PASSPORT_LEN`](crate::codec::MAX_PASSPORT_LEN) bytes, unique
/// case-insensitively; GUIDs are GUIDs, unique case-insensitively; names and group
/// names are tokens no longer than a line; the
/// numbers of contacts and groups and the bytes held stay within `max_contacts`,
/// `max_groups` and `max_contact_list_bytes`, counted while the sequences are read, so a
/// hostile file costs at most one item past a bound; a contact is in at most
/// [`MAX_GROUPS_PER_CONTACT`] distinct groups; only the [`Phone`] properties are read.
/// A fault is named by its position, never by its content. Fields this version does
/// not know are passed over, so a newer crate's file still reads.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContactList {
    version: u32,
    /// MSNP10+: the `SYN` timestamps.
    stamps: Option<SyncStamps>,
    /// MSNP10+: the user's own name, from `PRP MFN`.
    own_name: Option<FriendlyName<'static>>,
    contacts: BTreeMap<Key, Contact>,
    groups: BTreeMap<GroupId, Group>,
    /// Contact GUID → account key, for every contact that has a GUID.
    contact_guids: BTreeMap<GuidKey, Key>,
    /// Group GUID → group id, for every group that has a GUID.
    group_guids: BTreeMap<GuidKey, GroupId>,
    add_prompt: Option<AddPrompt>,
    privacy: Option<Privacy>,
    phones: Phones,
    /// The sum of the contacts' and groups' weights, kept up to date by every change.
    bytes: usize,
}

/// Group ids the list gives MSNP10+ groups stay below this, so that counting up
/// from the highest never overflows (an MSNP8 list may hold any `u32`).
const LOCAL_GROUP_ID_CEILING: u32 = 1 << 31;

impl ContactList {
    /// An empty list at version 0 (what `SYN T 0` asks for).
    pub fn new() -> Self {
        ContactList::default()
    }

    /// The list version the server last confirmed (MSNP8, MSNP9). MSNP10+ numbers no
    /// versions: it stays 0 there, and [`stamps`](Self::stamps) take its place.
    pub fn version(&self) -> u32 {
        self.version
    }

    /// The timestamps of the last MSNP10+ `SYN`; `None` under MSNP8 or before one.
    pub fn stamps(&self) -> Option<&SyncStamps> {
        self.stamps.as_ref()
    }

    /// The user's own friendly name as MSNP10+ keeps it in the list (`PRP MFN`, in
    /// `SYN` or confirming [`set_friendly_name`](super::NotificationClient::set_friendly_name));
    /// `None` under MSNP8, whose `USR OK` and `REA` carry it instead (see
    /// [`NotificationClient::friendly_name`](super::NotificationClient::friendly_name),
    /// which follows both).
    pub fn own_name(&self) -> Option<&FriendlyName<'static>> {
        self.own_name.as_ref()
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

    /// A contact by its MSNP10+ contact GUID, compared case-insensitively.
    pub fn contact_by_guid(&self, guid: &Guid<'_>) -> Option<&Contact> {
        let key = self.contact_guids.get(&GuidKey::of(guid))?;
        self.contacts.get(key)
    }

    /// Every contact, ordered by lower-cased account.
    pub fn contacts(&self) -> impl Iterator<Item = &Contact> {
        self.contacts.values()
    }

    /// Every group, by id.
    pub fn groups(&self) -> impl Iterator<Item = (GroupId, &GroupName<'static>)> {
        self.groups.iter().map(|(id, group)| (*id, &group.name))
    }

    /// A group's name.
    pub fn group(&self, id: GroupId) -> Option<&GroupName<'static>> {
        self.groups.get(&id).map(|group| &group.name)
    }

    /// A group's MSNP10+ GUID; `None` under MSNP8.
    pub fn group_guid(&self, id: GroupId) -> Option<&Guid<'static>> {
        self.groups.get(&id).and_then(|group| group.guid.as_ref())
    }

    /// The id the list gives the group with this MSNP10+ GUID, compared
    /// case-insensitively.
    pub fn group_by_guid(&self, guid: &Guid<'_>) -> Option<GroupId> {
        self.group_guids.get(&GuidKey::of(guid)).copied()
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

    pub(crate) fn set_stamps(&mut self, stamps: Option<SyncStamps>) {
        let before = self.stamps.as_ref().map_or(0, SyncStamps::weight);
        self.stamps = stamps;
        let after = self.stamps.as_ref().map_or(0, SyncStamps::weight);
        self.bytes = self.bytes.saturating_sub(before) + after;
    }

    pub(crate) fn set_own_name(&mut self, name: Option<&FriendlyName<'_>>) {
        let before = self.own_name.as_ref().map_or(0, |n| n.as_str().len());
        self.own_name = name.map(|name| name.clone().into_owned());
        self.bytes = self.bytes.saturating_sub(before) + name.map_or(0, |n| n.as_str().len());
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

    /// The account of the contact with this GUID.
    pub(crate) fn account_by_guid(&self, guid: &Guid<'_>) -> Option<&Passport<'static>> {
        self.contact_by_guid(guid).map(Contact::account)
    }

    /// Changes one contact in place, keeping [`retained_bytes`](Self::retained_bytes)
    /// right; false when the account is on no list. The change must not touch the
    /// contact's GUID (see [`set_contact_guid`](Self::set_contact_guid)).
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

    /// Gives a contact its GUID (or takes it away), keeping the index in step. A GUID
    /// the index already gives another contact moves here: a server that names two
    /// contacts with one GUID leaves the list consistent, the last one winning.
    pub(crate) fn set_contact_guid(&mut self, account: &Passport<'_>, guid: Option<Guid<'static>>) {
        self.set_guid_at(Key::of(account), guid);
    }

    /// [`set_contact_guid`](Self::set_contact_guid) by key; moves the GUID in, so a
    /// download's contact costs no copy of it.
    fn set_guid_at(&mut self, key: Key, guid: Option<Guid<'static>>) {
        if !self.contacts.contains_key(&key) {
            return;
        }
        let new_key = guid.as_ref().map(GuidKey::of);
        if let Some(new_key) = new_key
            && let Some(other) = self.contact_guids.get(&new_key).copied()
            && other != key
        {
            self.change_at(&other, |contact| contact.guid = None);
        }
        let mut old = None;
        self.change_at(&key, |contact| old = std::mem::replace(&mut contact.guid, guid));
        if let Some(old) = old {
            self.contact_guids.remove(&GuidKey::of(&old));
        }
        if let Some(new_key) = new_key {
            self.contact_guids.insert(new_key, key);
        }
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
        guid: Option<Guid<'static>>,
        network: Option<u32>,
    ) {
        let mut contact = Contact::new(account, name);
        contact.lists = lists;
        contact.groups = groups.into_iter().collect();
        contact.network = network;
        let key = Key::of(&contact.account);
        self.bytes += contact.weight();
        if let Some(old) = self.contacts.insert(key, contact) {
            self.bytes = self.bytes.saturating_sub(old.weight());
            if let Some(old) = old.guid {
                self.contact_guids.remove(&GuidKey::of(&old));
            }
        }
        if guid.is_some() {
            self.set_guid_at(key, guid);
        }
    }

    /// [`insert_listed`](Self::insert_listed) from an MSNP10+ `LST`, whose groups are
    /// GUIDs: each is looked up in the list's groups, and one the list does not have is
    /// left out (the list names only groups it has). Up to four groups cost no
    /// allocation.
    pub(crate) fn insert_listed_by_guids<'g>(
        &mut self,
        account: Passport<'static>,
        name: FriendlyName<'static>,
        lists: ListMask,
        groups: impl IntoIterator<Item = Guid<'g>>,
        guid: Option<Guid<'static>>,
        network: Option<u32>,
    ) {
        let ids: Groups = groups
            .into_iter()
            .filter_map(|group| self.group_guids.get(&GuidKey::of(&group)).copied())
            .collect();
        self.insert_listed(
            account,
            name,
            lists,
            ids.as_slice().iter().copied(),
            guid,
            network,
        );
    }

    /// Inserts or renames group `id` (MSNP8 `LSG`, `ADG`, `REG`, or a saved list).
    pub(crate) fn insert_group(&mut self, id: GroupId, name: GroupName<'static>) {
        let guid = self.groups.get(&id).and_then(|group| group.guid.clone());
        self.put_group(id, Group { name, guid });
    }

    fn put_group(&mut self, id: GroupId, group: Group) {
        self.bytes += group_weight(&group.name) + guid_weight(group.guid.as_ref());
        if let Some(guid) = &group.guid {
            self.group_guids.insert(GuidKey::of(guid), id);
        }
        if let Some(old) = self.groups.insert(id, group) {
            self.bytes = self
                .bytes
                .saturating_sub(group_weight(&old.name) + guid_weight(old.guid.as_ref()));
            let same = |new: &Group| new.guid.as_ref().map(GuidKey::of) == old.guid.as_ref().map(GuidKey::of);
            if let Some(old_guid) = &old.guid
                && !self.groups.get(&id).is_some_and(same)
            {
                self.group_guids.remove(&GuidKey::of(old_guid));
            }
        }
    }

    /// An MSNP10+ group by GUID (`LSG name GUID`, `ADG` or `REG` replies): renamed when
    /// the list knows the GUID, else given a new id, which is returned. `reuse` offers
    /// an id to take when free (the one an earlier list gave the same GUID), and ids
    /// are otherwise counted up from above `floor` and every id in use. `None` when no
    /// id is left below the ceiling (a list of 2³¹ groups: never within the bounds).
    pub(crate) fn put_guid_group(
        &mut self,
        guid: Guid<'static>,
        name: GroupName<'static>,
        reuse: Option<GroupId>,
        floor: u32,
    ) -> Option<GroupId> {
        if let Some(id) = self.group_by_guid(&guid) {
            self.put_group(
                id,
                Group {
                    name,
                    guid: Some(guid),
                },
            );
            return Some(id);
        }
        let id = match reuse.filter(|id| id.0 < LOCAL_GROUP_ID_CEILING && !self.groups.contains_key(id)) {
            Some(id) => id,
            None => {
                let above = self
                    .groups
                    .keys()
                    .next_back()
                    .map_or(0, |id| id.0.saturating_add(1));
                let next = above.max(floor.min(LOCAL_GROUP_ID_CEILING));
                if next >= LOCAL_GROUP_ID_CEILING {
                    return None;
                }
                GroupId(next)
            }
        };
        self.put_group(
            id,
            Group {
                name,
                guid: Some(guid),
            },
        );
        Some(id)
    }

    /// One above the highest group id in use, capped, for a new list to count from so
    /// that new groups do not take the ids of groups this list knew.
    pub(crate) fn group_id_floor(&self) -> u32 {
        self.groups
            .keys()
            .next_back()
            .map_or(0, |id| id.0.saturating_add(1).min(LOCAL_GROUP_ID_CEILING))
    }

    /// `RMG` confirmed. Visits every contact: it answers one of the caller's requests,
    /// which `NsConfig::max_pending` bounds, never a line the server sends unasked.
    pub(crate) fn remove_group(&mut self, id: GroupId) {
        if let Some(old) = self.groups.remove(&id) {
            self.bytes = self
                .bytes
                .saturating_sub(group_weight(&old.name) + guid_weight(old.guid.as_ref()));
            if let Some(guid) = &old.guid {
                self.group_guids.remove(&GuidKey::of(guid));
            }
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

    /// `ADD` (or MSNP10's `ADC`) confirmed: the contact is on `list` (and in `group`).
    /// False when the contact is already in [`MAX_GROUPS_PER_CONTACT`] groups; the
    /// list is then unchanged.
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
                None,
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
    /// forgotten; one off the forward list loses its groups and its GUID (MSNP10 gives
    /// `C=` to forward-list contacts only).
    pub(crate) fn remove(&mut self, list: List, account: &Passport<'_>, group: Option<GroupId>) {
        let mut empty = false;
        let mut off_forward = false;
        self.change(account, |contact| {
            match group {
                Some(group) if list == List::Forward => contact.groups.remove(group),
                _ => {
                    contact.lists = contact.lists.without(list);
                    if list == List::Forward {
                        contact.groups = Groups::default();
                        off_forward = true;
                    }
                }
            }
            empty = contact.lists == ListMask::EMPTY;
        });
        if empty {
            self.forget(account);
        } else if off_forward {
            self.set_contact_guid(account, None);
        }
    }

    fn forget(&mut self, account: &Passport<'_>) {
        if let Some(old) = self.contacts.remove(&Key::of(account)) {
            self.bytes = self.bytes.saturating_sub(old.weight());
            if let Some(guid) = &old.guid {
                self.contact_guids.remove(&GuidKey::of(guid));
            }
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
mod tests;
