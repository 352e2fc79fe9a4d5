//! One [`Contact`] and what it holds: its lists, its groups (inline up to four), its
//! phone properties and its presence, and what it weighs in the list's byte count.

use std::fmt;

use super::key::{Key, guid_weight};
use crate::codec::{ClientCaps, FriendlyName, GroupId, Guid, ListMask, Passport, Status};
use crate::ns::Phone;

/// The most groups one contact is kept in. MSNP8 servers allow 30 groups in all
/// (reference §6); more for one contact is a server's doing, and ends the session.
pub const MAX_GROUPS_PER_CONTACT: usize = 64;

/// The groups of one contact. Most contacts are in one group or none, so up to four
/// are kept inline: a `SYN` of thousands of contacts allocates nothing for them.
#[derive(Clone)]
pub(super) enum Groups {
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
    pub(super) fn as_slice(&self) -> &[GroupId] {
        match self {
            Groups::Inline { ids, len } => ids.get(..usize::from(*len)).unwrap_or_default(),
            Groups::Heap(ids) => ids,
        }
    }

    pub(super) fn heap_bytes(&self) -> usize {
        match self {
            Groups::Inline { .. } => 0,
            Groups::Heap(ids) => ids.capacity() * size_of::<GroupId>(),
        }
    }

    /// Adds `id` unless present; false when the contact is already in
    /// [`MAX_GROUPS_PER_CONTACT`] groups.
    pub(super) fn insert(&mut self, id: GroupId) -> bool {
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

    pub(super) fn remove(&mut self, id: GroupId) {
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
pub(super) fn set_phone(phones: &mut Phones, phone: Phone, value: Option<&FriendlyName<'_>>) {
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

pub(super) fn phone_value<'a>(
    phones: &'a [(Phone, FriendlyName<'static>)],
    phone: Phone,
) -> Option<&'a FriendlyName<'static>> {
    phones.iter().find(|(p, _)| *p == phone).map(|(_, value)| value)
}

/// What a contact's or the user's phone properties weigh: the value's bytes plus the
/// entry itself.
pub(super) fn phones_bytes(phones: &[(Phone, FriendlyName<'static>)]) -> usize {
    phones
        .iter()
        .map(|(_, value)| size_of::<(Phone, FriendlyName<'static>)>() + value.as_str().len())
        .sum()
}

/// One contact: an account on at least one list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contact {
    pub(super) account: Passport<'static>,
    pub(super) name: FriendlyName<'static>,
    pub(super) lists: ListMask,
    pub(super) groups: Groups,
    pub(super) phones: Phones,
    pub(super) status: Status,
    pub(super) caps: Option<ClientCaps>,
    pub(super) guid: Option<Guid<'static>>,
    pub(super) network: Option<u32>,
}

impl Contact {
    /// The [`network`](Self::network) id of MSN's own (Passport) accounts, the one id
    /// the reference names (§4.1).
    pub const MSN_NETWORK: u32 = 1;

    pub(super) fn new(account: Passport<'static>, name: FriendlyName<'static>) -> Self {
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
    /// ([`List::Pending`](crate::codec::List::Pending): added the user, awaiting the user's decision).
    pub fn lists(&self) -> ListMask {
        self.lists
    }

    /// The groups the contact is in (forward list only), by [`GroupId`] in every
    /// dialect (see [`ContactList`](super::ContactList) for MSNP10's GUIDs).
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

    /// What the contact weighs in [`ContactList::retained_bytes`](super::ContactList::retained_bytes): its entry in the map
    /// and the text it owns.
    pub(super) fn weight(&self) -> usize {
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
