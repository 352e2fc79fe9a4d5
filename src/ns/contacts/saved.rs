//! The saved form of a [`ContactList`] (feature `serde`), for a bot that keeps its list
//! across restarts and hands it back with
//! [`NotificationClient::with_contact_list`](crate::ns::NotificationClient::with_contact_list).
//!
//! The form and the checks are documented on [`ContactList`] ("Saving").

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::{
    ALL_LISTS, Contact, ContactList, Group, Groups, Guid, GuidKey, Key, MAX_GROUPS_PER_CONTACT, Phones,
    SyncStamps, group_weight, guid_weight, set_phone,
};
use crate::codec::{AddPrompt, EncodedName, GroupId, ListMask, Passport, Privacy, Token, TokenError};
use crate::ns::{NsConfig, Phone};

/// The fields in order; the last two (MSNP10+) are optional in every format, so a file
/// written before them reads, sequence formats included.
const FIELDS: &[&str] = &[
    "version",
    "add_prompt",
    "privacy",
    "phones",
    "groups",
    "contacts",
    "own_name",
    "stamps",
];

/// The groups read: by id, the GUID index, their weight.
type ReadGroups = (BTreeMap<GroupId, Group>, BTreeMap<GuidKey, GroupId>, usize);

/// The contacts read: by key, the GUID index, their weight.
type ReadContacts = (BTreeMap<Key, Contact>, BTreeMap<GuidKey, Key>, usize);

/// Why a saved list was refused; it reaches the caller as the format's own error.
#[derive(Debug, Error)]
enum SavedError {
    #[error("{item}: {what} is invalid: {source}")]
    Invalid {
        item: Item,
        what: &'static str,
        source: TokenError,
    },
    #[error("{item}: {what} is longer than {max} bytes")]
    TooLong {
        item: Item,
        what: &'static str,
        max: usize,
    },
    #[error("{item}: list mask {mask} names lists that do not exist")]
    Lists { item: Item, mask: u8 },
    #[error("{item}: group {id} is named twice")]
    DuplicateGroupId { item: Item, id: u32 },
    #[error("{item}: in more than {MAX_GROUPS_PER_CONTACT} groups")]
    TooManyGroupsForContact { item: Item },
    #[error("{item}: the account is listed twice")]
    DuplicateAccount { item: Item },
    #[error("{item}: the GUID is given twice")]
    DuplicateGuid { item: Item },
    #[error("more than {max} {what}")]
    TooMany { what: &'static str, max: usize },
    #[error("the list holds more than {max} bytes")]
    TooLarge { max: usize },
    #[error("{what} is none of {expected}")]
    Word {
        what: &'static str,
        expected: &'static str,
    },
}

/// Where in the file a fault is: by position, never by content.
#[derive(Clone, Copy, Debug)]
enum Item {
    Own,
    Group(usize),
    Contact(usize),
}

impl fmt::Display for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Item::Own => f.write_str("the user's own settings"),
            Item::Group(index) => write!(f, "group {index}"),
            Item::Contact(index) => write!(f, "contact {index}"),
        }
    }
}

/// The bounds a saved list is read within: those of an [`NsConfig`].
#[derive(Clone, Copy)]
struct Bounds {
    contacts: usize,
    groups: usize,
    bytes: usize,
    /// Names longer than a line cannot come from the wire.
    name_len: usize,
}

impl Bounds {
    fn of(config: &NsConfig) -> Bounds {
        Bounds {
            contacts: usize::try_from(config.max_contacts).unwrap_or(usize::MAX),
            groups: usize::try_from(config.max_groups).unwrap_or(usize::MAX),
            bytes: config.max_contact_list_bytes,
            name_len: config.limits.max_line_len,
        }
    }

    fn name(&self, item: Item, what: &'static str, text: String) -> Result<EncodedName<'static>, SavedError> {
        if text.len() > self.name_len {
            return Err(SavedError::TooLong {
                item,
                what,
                max: self.name_len,
            });
        }
        EncodedName::try_from(text).map_err(|source| SavedError::Invalid { item, what, source })
    }

    fn guid(&self, item: Item, text: Option<String>) -> Result<Option<Guid<'static>>, SavedError> {
        text.map(|text| {
            Guid::try_from(text).map_err(|source| SavedError::Invalid {
                item,
                what: "the GUID",
                source,
            })
        })
        .transpose()
    }

    fn token(&self, item: Item, what: &'static str, text: String) -> Result<Token<'static>, SavedError> {
        if text.len() > self.name_len {
            return Err(SavedError::TooLong {
                item,
                what,
                max: self.name_len,
            });
        }
        Token::try_from(text).map_err(|source| SavedError::Invalid { item, what, source })
    }

    fn phones(&self, item: Item, saved: SavedPhones<String>) -> Result<Phones, SavedError> {
        let mut phones = Phones::new();
        let SavedPhones {
            home,
            work,
            mobile,
            mobile_allowed,
            mobile_enabled,
        } = saved;
        let all = [
            (Phone::Home, home),
            (Phone::Work, work),
            (Phone::Mobile, mobile),
            (Phone::MobileAllowed, mobile_allowed),
            (Phone::MobileEnabled, mobile_enabled),
        ];
        for (phone, value) in all {
            if let Some(value) = value {
                let value = self.name(item, "a phone value", value)?;
                set_phone(&mut phones, phone, Some(&value));
            }
        }
        Ok(phones)
    }
}

// ----- Writing -----

impl Serialize for ContactList {
    /// Writes the list as the module documentation shows; presence is left out.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let serializer_is_text = serializer.is_human_readable();
        let mut out = serializer.serialize_struct("ContactList", FIELDS.len())?;
        out.serialize_field("version", &self.version)?;
        out.serialize_field("add_prompt", &self.add_prompt.map(AddPrompt::as_str))?;
        out.serialize_field("privacy", &self.privacy.map(Privacy::as_str))?;
        out.serialize_field("phones", &SavedPhones::of(&self.phones))?;
        out.serialize_field("groups", &GroupsOut(&self.groups))?;
        out.serialize_field("contacts", &ContactsOut(&self.contacts))?;
        let own_name = self.own_name.as_ref().map(|n| n.as_str());
        let stamps = self.stamps.as_ref().map(|stamps| SavedStamps {
            list: stamps.list.as_str(),
            settings: stamps.settings.as_str(),
        });
        // A text format leaves out what MSNP8 lists never have, so their files stay as
        // they were; a binary one writes every field, as its reader counts them.
        let text = serializer_is_text;
        if own_name.is_some() || !text {
            out.serialize_field("own_name", &own_name)?;
        } else {
            out.skip_field("own_name")?;
        }
        if stamps.is_some() || !text {
            out.serialize_field("stamps", &stamps)?;
        } else {
            out.skip_field("stamps")?;
        }
        out.end()
    }
}

/// The phone properties by wire code; `S` is `&str` when writing, `String` when reading.
#[derive(Serialize, Deserialize)]
struct SavedPhones<S> {
    #[serde(rename = "PHH", default, skip_serializing_if = "Option::is_none")]
    home: Option<S>,
    #[serde(rename = "PHW", default, skip_serializing_if = "Option::is_none")]
    work: Option<S>,
    #[serde(rename = "PHM", default, skip_serializing_if = "Option::is_none")]
    mobile: Option<S>,
    #[serde(rename = "MOB", default, skip_serializing_if = "Option::is_none")]
    mobile_allowed: Option<S>,
    #[serde(rename = "MBE", default, skip_serializing_if = "Option::is_none")]
    mobile_enabled: Option<S>,
}

impl<S> Default for SavedPhones<S> {
    fn default() -> Self {
        SavedPhones {
            home: None,
            work: None,
            mobile: None,
            mobile_allowed: None,
            mobile_enabled: None,
        }
    }
}

impl<'a> SavedPhones<&'a str> {
    fn of(phones: &'a [(Phone, EncodedName<'static>)]) -> Self {
        let mut saved = SavedPhones::default();
        for (phone, value) in phones {
            let slot = match phone {
                Phone::Home => &mut saved.home,
                Phone::Work => &mut saved.work,
                Phone::Mobile => &mut saved.mobile,
                Phone::MobileAllowed => &mut saved.mobile_allowed,
                Phone::MobileEnabled => &mut saved.mobile_enabled,
            };
            *slot = Some(value.as_str());
        }
        saved
    }
}

/// The MSNP10+ `SYN` timestamps.
#[derive(Serialize, Deserialize)]
struct SavedStamps<S> {
    list: S,
    settings: S,
}

#[derive(Serialize, Deserialize)]
struct SavedGroup<S> {
    id: u32,
    name: S,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    guid: Option<S>,
}

#[derive(Serialize, Deserialize)]
struct SavedContact<S, G> {
    account: S,
    name: S,
    lists: u8,
    #[serde(default)]
    groups: G,
    #[serde(default)]
    phones: SavedPhones<S>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    guid: Option<S>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    network: Option<u32>,
}

struct GroupsOut<'a>(&'a BTreeMap<GroupId, Group>);

impl Serialize for GroupsOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|(id, group)| SavedGroup {
            id: id.0,
            name: group.name.as_str(),
            guid: group.guid.as_ref().map(Guid::as_str),
        }))
    }
}

struct GroupIdsOut<'a>(&'a [GroupId]);

impl Serialize for GroupIdsOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|id| id.0))
    }
}

struct ContactsOut<'a>(&'a BTreeMap<Key, Contact>);

impl Serialize for ContactsOut<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.values().map(|contact| SavedContact {
            account: contact.account.as_str(),
            name: contact.name.as_str(),
            lists: contact.lists.0,
            groups: GroupIdsOut(contact.groups.as_slice()),
            phones: SavedPhones::of(&contact.phones),
            guid: contact.guid.as_ref().map(Guid::as_str),
            network: contact.network,
        }))
    }
}

// ----- Reading -----

impl<'de> Deserialize<'de> for ContactList {
    /// Reads a saved list within the bounds of [`NsConfig::default`]; use
    /// [`ContactList::deserialize_within`] for other bounds.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        ContactList::deserialize_within(deserializer, &NsConfig::default())
    }
}

impl ContactList {
    /// Reads a saved list (feature `serde`) within the bounds of `config`: the same
    /// checks as a `SYN` from the server (see the `saved` form's documentation).
    ///
    /// ```
    /// # use msnp::ns::{ContactList, NsConfig};
    /// let mut config = NsConfig::default();
    /// config.max_contacts = 1;
    /// let saved = r#"{"version": 3, "contacts": [
    ///     {"account": "a@example.com", "name": "A", "lists": 1},
    ///     {"account": "b@example.com", "name": "B", "lists": 1}]}"#;
    /// let mut reader = serde_json::Deserializer::from_str(saved);
    /// let error = ContactList::deserialize_within(&mut reader, &config).unwrap_err();
    /// assert!(error.to_string().starts_with("more than 1 contacts"));
    /// ```
    pub fn deserialize_within<'de, D: Deserializer<'de>>(
        deserializer: D,
        config: &NsConfig,
    ) -> Result<Self, D::Error> {
        let bounds = Bounds::of(config);
        deserializer.deserialize_struct("ContactList", FIELDS, ListVisitor { bounds })
    }
}

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum Field {
    Version,
    AddPrompt,
    Privacy,
    Phones,
    Groups,
    Contacts,
    OwnName,
    Stamps,
    #[serde(other)]
    Unknown,
}

/// What has been read of the list so far.
#[derive(Default)]
struct Parts {
    version: Option<u32>,
    add_prompt: Option<Option<String>>,
    privacy: Option<Option<String>>,
    phones: Option<SavedPhones<String>>,
    groups: Option<ReadGroups>,
    contacts: Option<ReadContacts>,
    own_name: Option<Option<String>>,
    stamps: Option<Option<SavedStamps<String>>>,
}

impl Parts {
    fn finish(self, bounds: &Bounds) -> Result<ContactList, SavedError> {
        let add_prompt = word(
            "add_prompt",
            "A, N",
            self.add_prompt.flatten(),
            AddPrompt::from_wire,
        )?;
        let privacy = word("privacy", "AL, BL", self.privacy.flatten(), Privacy::from_wire)?;
        let phones = bounds.phones(Item::Own, self.phones.unwrap_or_default())?;
        let (groups, group_guids, group_bytes) = self.groups.unwrap_or_default();
        let (contacts, contact_guids, contact_bytes) = self.contacts.unwrap_or_default();
        let own_name = self
            .own_name
            .flatten()
            .map(|name| bounds.name(Item::Own, "the own name", name))
            .transpose()?;
        let stamps = match self.stamps.flatten() {
            None => None,
            Some(SavedStamps { list, settings }) => Some(SyncStamps {
                list: bounds.token(Item::Own, "the list timestamp", list)?,
                settings: bounds.token(Item::Own, "the settings timestamp", settings)?,
            }),
        };
        let bytes = group_bytes
            .saturating_add(contact_bytes)
            .saturating_add(super::phones_bytes(&phones))
            .saturating_add(own_name.as_ref().map_or(0, |n| n.as_str().len()))
            .saturating_add(stamps.as_ref().map_or(0, SyncStamps::weight));
        if bytes > bounds.bytes {
            return Err(SavedError::TooLarge { max: bounds.bytes });
        }
        Ok(ContactList {
            version: self.version.unwrap_or(0),
            stamps,
            own_name,
            contacts,
            groups,
            contact_guids,
            group_guids,
            add_prompt,
            privacy,
            phones,
            bytes,
        })
    }
}

/// A wire word of a closed set (`GTC`'s `A`/`N`, `BLP`'s `AL`/`BL`), if saved.
fn word<T>(
    what: &'static str,
    expected: &'static str,
    text: Option<String>,
    parse: fn(&str) -> Option<T>,
) -> Result<Option<T>, SavedError> {
    match text {
        None => Ok(None),
        Some(text) => parse(&text).map(Some).ok_or(SavedError::Word { what, expected }),
    }
}

struct ListVisitor {
    bounds: Bounds,
}

impl<'de> Visitor<'de> for ListVisitor {
    type Value = ContactList;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a saved contact list")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ContactList, A::Error> {
        let bounds = self.bounds;
        let mut parts = Parts::default();
        while let Some(field) = map.next_key::<Field>()? {
            let duplicate = match field {
                Field::Version => parts.version.replace(map.next_value()?).is_some(),
                Field::AddPrompt => parts.add_prompt.replace(map.next_value()?).is_some(),
                Field::Privacy => parts.privacy.replace(map.next_value()?).is_some(),
                Field::Phones => parts.phones.replace(map.next_value()?).is_some(),
                Field::Groups => parts
                    .groups
                    .replace(map.next_value_seed(GroupsSeed { bounds })?)
                    .is_some(),
                Field::Contacts => parts
                    .contacts
                    .replace(map.next_value_seed(ContactsSeed { bounds })?)
                    .is_some(),
                Field::OwnName => parts.own_name.replace(map.next_value()?).is_some(),
                Field::Stamps => parts.stamps.replace(map.next_value()?).is_some(),
                Field::Unknown => {
                    map.next_value::<IgnoredAny>()?;
                    false
                }
            };
            if duplicate {
                return Err(de::Error::custom("a field of the contact list appears twice"));
            }
        }
        parts.finish(&bounds).map_err(de::Error::custom)
    }

    /// Formats that write structs as sequences (bincode, postcard): the fields in order.
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ContactList, A::Error> {
        let bounds = self.bounds;
        let missing = |index| de::Error::invalid_length(index, &"6 fields");
        let parts = Parts {
            version: Some(seq.next_element()?.ok_or_else(|| missing(0))?),
            add_prompt: Some(seq.next_element()?.ok_or_else(|| missing(1))?),
            privacy: Some(seq.next_element()?.ok_or_else(|| missing(2))?),
            phones: Some(seq.next_element()?.ok_or_else(|| missing(3))?),
            groups: Some(
                seq.next_element_seed(GroupsSeed { bounds })?
                    .ok_or_else(|| missing(4))?,
            ),
            contacts: Some(
                seq.next_element_seed(ContactsSeed { bounds })?
                    .ok_or_else(|| missing(5))?,
            ),
            // Written from MSNP10 on: a shorter sequence is a file from before.
            own_name: seq.next_element()?,
            stamps: seq.next_element()?,
        };
        parts.finish(&bounds).map_err(de::Error::custom)
    }
}

/// The groups, checked one by one as they are read; with their weight in bytes.
struct GroupsSeed {
    bounds: Bounds,
}

impl<'de> DeserializeSeed<'de> for GroupsSeed {
    type Value = ReadGroups;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for GroupsSeed {
    type Value = ReadGroups;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sequence of groups")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let bounds = self.bounds;
        let (mut groups, mut guids, mut bytes) = (BTreeMap::new(), BTreeMap::new(), 0usize);
        while let Some(SavedGroup { id, name, guid }) = seq.next_element::<SavedGroup<String>>()? {
            let item = Item::Group(groups.len());
            if groups.len() >= bounds.groups {
                return Err(de::Error::custom(SavedError::TooMany {
                    what: "groups",
                    max: bounds.groups,
                }));
            }
            let name = bounds
                .name(item, "the group name", name)
                .map_err(de::Error::custom)?;
            let guid = bounds.guid(item, guid).map_err(de::Error::custom)?;
            bytes = bytes.saturating_add(group_weight(&name) + guid_weight(guid.as_ref()));
            if bytes > bounds.bytes {
                return Err(de::Error::custom(SavedError::TooLarge { max: bounds.bytes }));
            }
            if let Some(guid) = &guid
                && guids.insert(GuidKey::of(guid), GroupId(id)).is_some()
            {
                return Err(de::Error::custom(SavedError::DuplicateGuid { item }));
            }
            if groups.insert(GroupId(id), Group { name, guid }).is_some() {
                return Err(de::Error::custom(SavedError::DuplicateGroupId { item, id }));
            }
        }
        Ok((groups, guids, bytes))
    }
}

/// The contacts, checked one by one as they are read; with their weight in bytes.
struct ContactsSeed {
    bounds: Bounds,
}

impl<'de> DeserializeSeed<'de> for ContactsSeed {
    type Value = ReadContacts;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ContactsSeed {
    type Value = ReadContacts;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sequence of contacts")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let bounds = self.bounds;
        let (mut contacts, mut guids, mut bytes) = (BTreeMap::new(), BTreeMap::new(), 0usize);
        while let Some(saved) = seq.next_element::<SavedContact<String, GroupIds>>()? {
            let item = Item::Contact(contacts.len());
            if contacts.len() >= bounds.contacts {
                return Err(de::Error::custom(SavedError::TooMany {
                    what: "contacts",
                    max: bounds.contacts,
                }));
            }
            let contact = contact(&bounds, item, saved).map_err(de::Error::custom)?;
            bytes = bytes.saturating_add(contact.weight());
            if bytes > bounds.bytes {
                return Err(de::Error::custom(SavedError::TooLarge { max: bounds.bytes }));
            }
            let key = Key::of(&contact.account);
            if let Some(guid) = &contact.guid
                && guids.insert(GuidKey::of(guid), key).is_some()
            {
                return Err(de::Error::custom(SavedError::DuplicateGuid { item }));
            }
            if contacts.insert(key, contact).is_some() {
                return Err(de::Error::custom(SavedError::DuplicateAccount { item }));
            }
        }
        Ok((contacts, guids, bytes))
    }
}

fn contact(
    bounds: &Bounds,
    item: Item,
    saved: SavedContact<String, GroupIds>,
) -> Result<Contact, SavedError> {
    let SavedContact {
        account,
        name,
        lists,
        groups,
        phones,
        guid,
        network,
    } = saved;
    let account = Passport::try_from(account).map_err(|source| SavedError::Invalid {
        item,
        what: "the account",
        source,
    })?;
    let name = bounds.name(item, "the name", name)?;
    if lists & !ALL_LISTS != 0 {
        return Err(SavedError::Lists { item, mask: lists });
    }
    let mut kept = Groups::default();
    for (index, id) in groups.0.iter().enumerate() {
        // At most MAX_GROUPS_PER_CONTACT ids, so the scan stays small.
        if groups.0.get(..index).is_some_and(|before| before.contains(id)) {
            return Err(SavedError::DuplicateGroupId { item, id: id.0 });
        }
        if !kept.insert(*id) {
            return Err(SavedError::TooManyGroupsForContact { item });
        }
    }
    let mut contact = Contact::new(account, name);
    contact.lists = ListMask(lists);
    contact.groups = kept;
    contact.phones = bounds.phones(item, phones)?;
    contact.guid = bounds.guid(item, guid)?;
    contact.network = network;
    Ok(contact)
}

/// One contact's group ids, at most [`MAX_GROUPS_PER_CONTACT`] of them.
#[derive(Default)]
struct GroupIds(Vec<GroupId>);

impl<'de> Deserialize<'de> for GroupIds {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_seq(GroupIdsVisitor)
    }
}

struct GroupIdsVisitor;

impl<'de> Visitor<'de> for GroupIdsVisitor {
    type Value = GroupIds;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at most {MAX_GROUPS_PER_CONTACT} group ids")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<GroupIds, A::Error> {
        let mut ids = Vec::new();
        while let Some(id) = seq.next_element::<u32>()? {
            if ids.len() >= MAX_GROUPS_PER_CONTACT {
                return Err(de::Error::invalid_length(ids.len() + 1, &self));
            }
            ids.push(GroupId(id));
        }
        Ok(GroupIds(ids))
    }
}
