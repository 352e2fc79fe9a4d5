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

#[cfg(feature = "serde")]
mod saved;

use std::collections::BTreeMap;
use std::fmt;

use super::{NsConfig, Phone};
use crate::codec::{
    AddPrompt, ClientCaps, FriendlyName, GroupId, GroupName, Guid, List, ListMask, MAX_PASSPORT_LEN,
    Passport, Privacy, Status, Token,
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

/// A GUID's index key: its 32 hex digits as 16 bytes, so GUIDs that differ only in
/// case (servers compare them case-insensitively) are one key, and the key is fixed
/// size.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub(crate) struct GuidKey([u8; 16]);

impl GuidKey {
    pub(crate) fn of(guid: &Guid<'_>) -> GuidKey {
        let mut key = [0u8; 16];
        let digits = guid.as_str().bytes().filter_map(|b| char::from(b).to_digit(16));
        for (at, digit) in digits.take(32).enumerate() {
            if let Some(slot) = key.get_mut(at / 2) {
                // Each digit is below 16, so it fits a nibble.
                let nibble = u8::try_from(digit).unwrap_or(0);
                *slot |= if at % 2 == 0 { nibble << 4 } else { nibble };
            }
        }
        GuidKey(key)
    }
}

/// What one GUID index entry weighs in [`ContactList::retained_bytes`].
const GUID_INDEX_ENTRY: usize = size_of::<GuidKey>() + size_of::<Key>();

fn guid_weight(guid: Option<&Guid<'_>>) -> usize {
    guid.map_or(0, |guid| {
        size_of::<Guid<'static>>() + guid.as_str().len() + GUID_INDEX_ENTRY
    })
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
    guid: Option<Guid<'static>>,
    network: Option<u32>,
}

impl Contact {
    /// The [`network`](Self::network) id of MSN's own (Passport) accounts, the one id
    /// the reference names (§4.1).
    pub const MSN_NETWORK: u32 = 1;

    fn new(account: Passport<'static>, name: FriendlyName<'static>) -> Self {
        Contact {
            account,
            name,
            lists: ListMask::EMPTY,
            groups: Groups::default(),
            phones: Vec::new(),
            status: Status::Offline,
            caps: None,
            guid: None,
            network: None,
        }
    }

    /// The account, as the server spelled it.
    pub fn account(&self) -> &Passport<'static> {
        &self.account
    }

    /// The friendly name last seen (from `LST`, `ADD`/`ADC`, `REA`/`SBP`, `ILN` or
    /// `NLN`).
    pub fn name(&self) -> &FriendlyName<'static> {
        &self.name
    }

    /// The lists the contact is on: FL 1, AL 2, BL 4, RL 8, and from MSNP10 PL 16
    /// ([`List::Pending`]: added the user, awaiting the user's decision).
    pub fn lists(&self) -> ListMask {
        self.lists
    }

    /// The groups the contact is in (forward list only), by [`GroupId`] in every
    /// dialect (see [`ContactList`] for MSNP10's GUIDs).
    pub fn groups(&self) -> &[GroupId] {
        self.groups.as_slice()
    }

    /// The contact GUID the server gave a forward-list contact (MSNP10+); `None` under
    /// MSNP8 and for contacts on other lists only.
    pub fn guid(&self) -> Option<&Guid<'static>> {
        self.guid.as_ref()
    }

    /// The network the contact's account belongs to, as MSNP12's `LST` names it after
    /// the list bits: [`MSN_NETWORK`](Self::MSN_NETWORK) (1) for a Passport account; any other id is kept
    /// as the server wrote it, so an interop contact is told apart from a Passport
    /// one (reference §4.1, §7). `None` when the server named none: before MSNP12, and
    /// for a contact added during the session (`ADC` carries no network id) until the
    /// next `SYN` lists it.
    pub fn network(&self) -> Option<u32> {
        self.network
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
            + guid_weight(self.guid.as_ref())
    }
}

/// Every list bit a contact can hold: FL, AL, BL, RL and PL.
#[cfg(feature = "serde")]
pub(crate) const ALL_LISTS: u8 = 0b1_1111;

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
        let groups: usize = list
            .groups
            .values()
            .map(|g| group_weight(&g.name) + guid_weight(g.guid.as_ref()))
            .sum();
        let stamps = list.stamps.as_ref().map_or(0, SyncStamps::weight);
        let own = list.own_name.as_ref().map_or(0, |n| n.as_str().len());
        contacts + groups + phones_bytes(&list.phones) + stamps + own
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
        list.insert_listed(
            bob.clone(),
            name("Bob"),
            ListMask(1),
            [GroupId(0), GroupId(1)],
            None,
            None,
        );
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
        list.insert_listed(carol.clone(), name("C"), ListMask::EMPTY, many, None, None);
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

    fn guid(s: &str) -> Guid<'static> {
        Guid::try_from(s.to_string()).unwrap()
    }

    const G1: &str = "f86b80de-3b34-4bd7-b5d6-79c1b13a9e4a";
    const G2: &str = "ab690000-0000-4000-8000-000000000002";

    #[test]
    fn guids_index_contacts_case_insensitively_and_leave_with_the_forward_list() {
        let mut list = ContactList::new();
        let bob = passport("bob@passport.com");
        list.insert_listed(bob.clone(), name("Bob"), ListMask(11), None, Some(guid(G1)), None);
        let upper = guid(&G1.to_ascii_uppercase());
        assert_eq!(list.contact_by_guid(&upper).map(Contact::account), Some(&bob));
        assert_eq!(list.retained_bytes(), recount(&list));
        // The same GUID given to another contact moves there.
        let carol = passport("carol@passport.com");
        list.insert_listed(carol.clone(), name("C"), ListMask(1), None, Some(guid(G1)), None);
        assert_eq!(list.contact(&bob).unwrap().guid(), None);
        assert_eq!(list.account_by_guid(&upper), Some(&carol));
        // Off the forward list: no GUID any more, the other lists stay.
        list.set_contact_guid(&bob, Some(guid(G2)));
        list.remove(List::Forward, &bob, None);
        assert_eq!(list.contact(&bob).unwrap().lists(), ListMask(10));
        assert_eq!(list.contact(&bob).unwrap().guid(), None);
        assert!(list.contact_by_guid(&guid(G2)).is_none());
        list.remove(List::Forward, &carol, None);
        assert!(list.contact_by_guid(&upper).is_none());
        assert_eq!(list.retained_bytes(), recount(&list));
        assert!(list.contact_guids.is_empty());
    }

    #[test]
    fn guid_groups_get_ids_of_their_own_and_keep_them() {
        let mut list = ContactList::new();
        let a = list.put_guid_group(guid(G1), name("Friends"), None, 0).unwrap();
        let b = list.put_guid_group(guid(G2), name("Work"), None, 0).unwrap();
        assert_eq!((a, b), (GroupId(0), GroupId(1)));
        // The same GUID again renames the group it names.
        let again = list.put_guid_group(guid(&G2.to_ascii_uppercase()), name("Office"), None, 0);
        assert_eq!(again, Some(b));
        assert_eq!(list.group(b).unwrap().as_str(), "Office");
        assert_eq!(list.group_guid(a), Some(&guid(G1)));
        assert_eq!(list.group_by_guid(&guid(G2)), Some(b));
        assert_eq!(list.retained_bytes(), recount(&list));
        // A new list reuses the old ids for the GUIDs it knew, new ones count from above.
        let mut next = ContactList::new();
        let floor = list.group_id_floor();
        let g3 = guid("00000000-0000-0000-0000-000000000003");
        let c = next.put_guid_group(g3, name("New"), None, floor).unwrap();
        let b2 = next
            .put_guid_group(guid(G2), name("Office"), list.group_by_guid(&guid(G2)), floor)
            .unwrap();
        assert_eq!((c, b2), (GroupId(2), b));
        list.remove_group(a);
        assert_eq!(list.group_by_guid(&guid(G1)), None);
        assert_eq!(list.retained_bytes(), recount(&list));
        // Renaming by id keeps the GUID.
        list.insert_group(b, name("Desk"));
        assert_eq!(list.group_by_guid(&guid(G2)), Some(b));
        assert_eq!(list.retained_bytes(), recount(&list));
    }

    #[test]
    fn local_group_ids_stop_below_the_ceiling() {
        let mut list = ContactList::new();
        list.insert_group(GroupId(u32::MAX), name("MSNP8%20max"));
        assert_eq!(list.group_id_floor(), LOCAL_GROUP_ID_CEILING);
        assert_eq!(list.put_guid_group(guid(G1), name("x"), None, 0), None);
        let mut fresh = ContactList::new();
        let reused = fresh.put_guid_group(guid(G1), name("x"), Some(GroupId(u32::MAX)), u32::MAX);
        assert_eq!(reused, None);
    }

    #[test]
    fn pending_list_is_a_list_bit_of_its_own() {
        let mut list = ContactList::new();
        let bob = passport("bob@passport.com");
        list.add(List::Pending, &bob, &name("Bob"), None);
        assert_eq!(list.contact(&bob).unwrap().lists(), ListMask(16));
        list.remove(List::Pending, &bob, None);
        assert!(list.is_empty());
    }

    #[test]
    fn own_name_and_stamps_are_weighed() {
        let mut list = ContactList::new();
        list.set_own_name(Some(&name("Me")));
        let stamp = Token::try_from("2000-01-01T00:00:00.0-00:00".to_string()).unwrap();
        list.set_stamps(Some(SyncStamps {
            list: stamp.clone(),
            settings: stamp,
        }));
        assert_eq!(list.retained_bytes(), recount(&list));
        list.set_own_name(None);
        list.set_stamps(None);
        assert_eq!(list.retained_bytes(), 0);
    }
}
