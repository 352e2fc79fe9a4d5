//! [`Directory`]: the server's shared state — accounts, their four lists and groups,
//! settings, presence, switchboard cookies and sessions.
//!
//! The directory is pure data with the protocol's rules on it (which edits are errors,
//! when the list version moves, who may see whom). It sends nothing: the connection
//! machines turn its answers into replies and notifications.
//!
//! Longer than most modules on purpose: each edit keeps the same invariants (the list
//! version, the reverse list of the other account, group membership) and reads best
//! beside the data and the other edits that keep them.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Instant;

use thiserror::Error;

use super::connection::ConnId;
use super::entropy::Entropy;
use crate::codec::{
    AddPrompt, ClientCaps, Dialect, EncodedName, ErrorCode, FriendlyName, GroupId, GroupName, Guid, List,
    ListMask, Passport, Privacy, Status,
};

/// The most groups an account may have, group 0 included [YW adg.md].
pub const MAX_GROUPS: usize = 30;
/// The longest group name, in bytes of display text [YW adg.md].
pub const MAX_GROUP_NAME_LEN: usize = 61;
/// The longest friendly name on the wire, percent-encoded [DRAFT §5.5].
pub const MAX_FRIENDLY_NAME_LEN: usize = 387;
/// The longest phone number or other `PRP` value [YW prp.md].
pub const MAX_PHONE_LEN: usize = 95;
/// The phone properties an account may set with `PRP` [YW prp.md].
pub const PHONE_PROPERTIES: &[&str] = &["PHH", "PHW", "PHM", "MOB", "MBE"];

/// Directory keys are lower-cased accounts: servers compare handles case-insensitively
/// (reference §11.5).
pub(crate) fn key(account: &str) -> String {
    account.to_ascii_lowercase()
}

/// Why a list, group or setting edit was refused. Each maps to the error code a server
/// answers with ([`ListError::code`]).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ListError {
    /// The request's arguments make no sense (a group on AL/BL, a handle without `@`).
    #[error("invalid parameter")]
    InvalidParameter,
    /// The contact has no account here.
    #[error("no such account")]
    NoSuchAccount,
    /// The list already holds its most entries.
    #[error("list full")]
    ListFull,
    /// Already on that list (or in that group).
    #[error("already on the list")]
    AlreadyThere,
    /// Not on that list.
    #[error("not on the list")]
    NotOnList,
    /// The setting already has that value.
    #[error("already in that mode")]
    AlreadyInMode,
    /// Adding to AL while on BL, or the reverse.
    #[error("already on the opposite list")]
    InOppositeList,
    /// The account already has [`MAX_GROUPS`] groups.
    #[error("too many groups")]
    TooManyGroups,
    /// No group with that id.
    #[error("no such group")]
    InvalidGroup,
    /// The contact is not in that group.
    #[error("contact not in that group")]
    NotInGroup,
    /// A group name over [`MAX_GROUP_NAME_LEN`] bytes.
    #[error("group name too long")]
    GroupNameTooLong,
    /// Group 0 cannot be removed.
    #[error("group 0 cannot be removed")]
    CannotRemoveGroupZero,
    /// A friendly name over [`MAX_FRIENDLY_NAME_LEN`] bytes.
    #[error("invalid friendly name")]
    InvalidName,
    /// A `PRP` property that is not a phone number.
    #[error("unknown property")]
    UnknownProperty,
    /// The reverse list is kept by the server; clients cannot edit it.
    #[error("the reverse list cannot be edited")]
    ReverseList,
}

impl ListError {
    /// The error reply for this refusal (reference §6, §9).
    pub fn code(&self) -> ErrorCode {
        ErrorCode(match self {
            ListError::InvalidParameter | ListError::ReverseList => 201,
            ListError::NoSuchAccount => 205,
            ListError::ListFull => 210,
            ListError::AlreadyThere => 215,
            ListError::NotOnList => 216,
            ListError::AlreadyInMode => 218,
            ListError::InOppositeList => 219,
            ListError::TooManyGroups => 223,
            ListError::InvalidGroup => 224,
            ListError::NotInGroup => 225,
            ListError::GroupNameTooLong => 229,
            ListError::CannotRemoveGroupZero => 230,
            ListError::InvalidName => 209,
            ListError::UnknownProperty => 715,
        })
    }
}

/// Why an account could not be created.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum AccountError {
    /// The account is not an e-mail-like handle (`name@domain`).
    #[error("account `{0}` is not a name@domain handle")]
    InvalidAccount(String),
    /// An account with that handle (compared case-insensitively) exists.
    #[error("account `{0}` already exists")]
    Exists(String),
    /// The friendly name is empty or longer than the protocol allows.
    #[error("invalid friendly name")]
    InvalidName,
}

/// One entry of an account's lists: a contact and the lists it is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    account: Passport<'static>,
    name: FriendlyName<'static>,
    lists: ListMask,
    groups: BTreeSet<u32>,
}

impl Contact {
    /// The contact's account, as first added.
    pub fn account(&self) -> &Passport<'static> {
        &self.account
    }

    /// The name the owner stored for the contact.
    pub fn name(&self) -> &FriendlyName<'static> {
        &self.name
    }

    /// The lists the contact is on.
    pub fn lists(&self) -> ListMask {
        self.lists
    }

    /// The contact's groups (forward list only).
    pub fn groups(&self) -> impl Iterator<Item = GroupId> + '_ {
        self.groups.iter().map(|&g| GroupId(g))
    }
}

/// Where an account is signed in and what it shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Presence {
    /// The notification connection, once signed in.
    pub(crate) ns: Option<ConnId>,
    /// The status set by the last `CHG`; none before the first one.
    pub(crate) status: Option<Status>,
    /// The capability bits of the last `CHG`.
    pub(crate) caps: Option<ClientCaps>,
    /// The MSNObject of the last `CHG` (MSNP9+), percent-encoded as Escargot
    /// re-encodes it.
    pub(crate) msn_object: Option<EncodedName<'static>>,
    /// The last `UUX` payload (MSNP11+), kept as sent, bounded by
    /// `ServerConfig::max_personal_message_len`.
    pub(crate) personal: Option<Vec<u8>>,
}

/// An account: identity, the four lists, groups, settings and presence.
#[derive(Debug, Clone)]
pub struct Account {
    account: Passport<'static>,
    guid: Guid<'static>,
    group_guids: BTreeMap<u32, Guid<'static>>,
    name: FriendlyName<'static>,
    version: u32,
    prompt: AddPrompt,
    privacy: Privacy,
    phones: BTreeMap<String, EncodedName<'static>>,
    groups: BTreeMap<u32, GroupName<'static>>,
    contacts: BTreeMap<String, Contact>,
    pub(crate) presence: Presence,
}

impl Account {
    /// The account's handle.
    pub fn account(&self) -> &Passport<'static> {
        &self.account
    }

    /// The account's id in the MSNP10+ contact model: the `C=` other accounts see it
    /// under, as Escargot names a contact by its user's id.
    pub fn guid(&self) -> &Guid<'static> {
        &self.guid
    }

    /// The MSNP10+ id of group `group`.
    pub fn group_guid(&self, group: GroupId) -> Option<&Guid<'static>> {
        self.group_guids.get(&group.0)
    }

    /// The group with MSNP10+ id `guid` (at most [`MAX_GROUPS`] to look through).
    pub fn group_by_guid(&self, guid: &Guid<'_>) -> Option<GroupId> {
        self.group_guids
            .iter()
            .find(|(_, g)| g.same_id(guid))
            .map(|(&id, _)| GroupId(id))
    }

    /// The account's own friendly name.
    pub fn name(&self) -> &FriendlyName<'static> {
        &self.name
    }

    /// The list version: it moves on every change of the lists, groups or settings.
    pub fn version(&self) -> u32 {
        self.version
    }

    /// `GTC`: whether the user is asked when someone adds them.
    pub fn prompt(&self) -> AddPrompt {
        self.prompt
    }

    /// `BLP`: who may reach the user when on neither AL nor BL.
    pub fn privacy(&self) -> Privacy {
        self.privacy
    }

    /// The phone numbers set with `PRP`, by property.
    pub fn phones(&self) -> impl Iterator<Item = (&str, &EncodedName<'static>)> + '_ {
        self.phones.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The groups, by id.
    pub fn groups(&self) -> impl Iterator<Item = (GroupId, &GroupName<'static>)> + '_ {
        self.groups.iter().map(|(&id, name)| (GroupId(id), name))
    }

    /// Every contact on any list, ordered by lower-cased account.
    pub fn contacts(&self) -> impl Iterator<Item = &Contact> + '_ {
        self.contacts.values()
    }

    /// The entry for `account`, if it is on any list.
    pub fn contact(&self, account: &str) -> Option<&Contact> {
        self.contacts.get(&key(account))
    }

    /// The status shown to contacts; `None` when signed out or before the first `CHG`.
    pub fn status(&self) -> Option<Status> {
        self.presence.ns.and(self.presence.status)
    }

    /// The capability bits of the last `CHG`.
    pub fn caps(&self) -> Option<ClientCaps> {
        self.presence.caps
    }

    /// The MSNObject of the last `CHG`, percent-encoded (MSNP9+).
    pub fn msn_object(&self) -> Option<&EncodedName<'static>> {
        self.presence.msn_object.as_ref()
    }

    /// The last `UUX` payload (personal message and current media, MSNP11+).
    pub fn personal_message(&self) -> Option<&[u8]> {
        self.presence.personal.as_deref()
    }

    /// Whether `other` is on this account's `list`.
    pub fn has_on(&self, list: List, other: &str) -> bool {
        self.contact(other).is_some_and(|c| c.lists.contains(list))
    }

    /// Whether this account lets `other` see its presence and invite it: BL always
    /// blocks, AL always allows, otherwise `BLP` decides [PURPLE sync.c; YW blp.md].
    pub fn allows(&self, other: &str) -> bool {
        if self.has_on(List::Block, other) {
            false
        } else if self.has_on(List::Allow, other) {
            true
        } else {
            self.privacy == Privacy::AllowAll
        }
    }

    /// Whether contacts see this account online: signed in, past the first `CHG`, and
    /// not hidden.
    pub fn is_visible(&self) -> bool {
        matches!(self.status(), Some(status) if status != Status::Hidden && status != Status::Offline)
    }

    fn bump(&mut self) -> u32 {
        self.version = self.version.wrapping_add(1);
        self.version
    }
}

/// The result of a list edit: the owner's new version, and the contact's new version
/// when the edit also changed the contact's reverse list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListChange {
    /// The owner's list version after the edit.
    pub version: u32,
    /// The contact's list version, when its RL changed.
    pub reverse: Option<u32>,
}

/// Why a switchboard cookie was issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CookiePurpose {
    /// `XFR SB`: open a new session with `USR`.
    Create,
    /// `RNG`: join this session with `ANS`.
    Answer {
        /// The session id.
        session: u64,
    },
}

/// A single-use switchboard cookie.
#[derive(Debug, Clone)]
pub(crate) struct CookieGrant {
    /// Lower-cased account it was issued to.
    pub(crate) account: String,
    pub(crate) purpose: CookiePurpose,
    /// The dialect of the notification session it went to: the switchboard connection
    /// that redeems it speaks the same, as Escargot's cookies carry it (reference §2.1).
    pub(crate) dialect: Dialect,
    /// `None`: a lifetime too large to add to the issue time (`Duration::MAX`), never.
    pub(crate) expires: Option<Instant>,
}

/// A switchboard session: its participants in joining order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Session {
    pub(crate) participants: Vec<(ConnId, Passport<'static>)>,
    /// Lower-cased accounts invited with `CAL` and not yet joined.
    pub(crate) invited: BTreeSet<String>,
}

/// The server's in-memory state. See the module docs.
///
/// ```
/// use msnp::codec::{List, GroupId};
/// use msnp::server::Directory;
/// let mut dir = Directory::default();
/// dir.add_account("alice@example.com", "Alice").unwrap();
/// dir.add_account("bob@example.com", "Bob").unwrap();
/// let change = dir.add_to_list("alice@example.com", List::Forward, "bob@example.com", None, Some(GroupId(0))).unwrap();
/// assert_eq!(change.version, 1);
/// assert_eq!(change.reverse, Some(1)); // Alice is now on Bob's reverse list
/// assert!(dir.account("bob@example.com").unwrap().has_on(List::Reverse, "alice@example.com"));
/// ```
#[derive(Default)]
pub struct Directory {
    accounts: BTreeMap<String, Account>,
    pub(crate) cookies: HashMap<String, CookieGrant>,
    pub(crate) sessions: BTreeMap<u64, Session>,
    pub(crate) next_session: u64,
    max_list_len: Option<usize>,
    /// Lower-cased account GUIDs → lower-cased accounts.
    guids: HashMap<String, String>,
    entropy: Entropy,
}

/// Cookies are credentials: only their number is shown.
impl std::fmt::Debug for Directory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Directory")
            .field("accounts", &self.accounts)
            .field("cookies", &self.cookies.len())
            .field("sessions", &self.sessions)
            .finish()
    }
}

impl Directory {
    /// The most contacts on one of FL, AL, BL: 150 in 2003 [HYP error_list 210].
    pub const DEFAULT_MAX_LIST_LEN: usize = 150;

    // ---- getters ----

    /// The account with this handle (case-insensitive).
    pub fn account(&self, account: &str) -> Option<&Account> {
        self.accounts.get(&key(account))
    }

    /// Every account, ordered by lower-cased handle.
    pub fn accounts(&self) -> impl Iterator<Item = &Account> + '_ {
        self.accounts.values()
    }

    /// How many switchboard sessions are open.
    pub fn session_count(&self) -> usize {
        self.sessions.len()
    }

    /// The accounts in a switchboard session, in joining order.
    pub fn session_participants(&self, session: u64) -> Option<Vec<&Passport<'static>>> {
        self.sessions
            .get(&session)
            .map(|s| s.participants.iter().map(|(_, a)| a).collect())
    }

    /// The account whose MSNP10+ id is `guid`.
    pub fn account_by_guid(&self, guid: &Guid<'_>) -> Option<&Account> {
        self.guids
            .get(&guid.as_str().to_ascii_lowercase())
            .and_then(|k| self.accounts.get(k))
    }

    /// Ids drawn from `seed` from now on, so a server's ids follow its config's seed.
    pub(crate) fn reseed(&mut self, seed: u64) {
        self.entropy = Entropy(seed);
    }

    pub(crate) fn account_mut(&mut self, account: &str) -> Option<&mut Account> {
        self.accounts.get_mut(&key(account))
    }

    fn max_list_len(&self) -> usize {
        self.max_list_len.unwrap_or(Self::DEFAULT_MAX_LIST_LEN)
    }

    // ---- mutators ----

    /// Sets the most contacts on each of FL, AL and BL (error 210 beyond).
    pub fn set_max_list_len(&mut self, max: usize) {
        self.max_list_len = Some(max);
    }

    /// Creates an account with its display name (plain text; percent-encoded here).
    /// Group 0, "Other Contacts", exists from the start [YW lsg.md].
    pub fn add_account(&mut self, account: &str, name: &str) -> Result<(), AccountError> {
        let handle = Passport::try_from(account.to_owned())
            .ok()
            .filter(|p| is_handle(p.as_str()))
            .ok_or_else(|| AccountError::InvalidAccount(account.to_owned()))?;
        let name = FriendlyName::from_text(name)
            .ok()
            .filter(|n| n.as_str().len() <= MAX_FRIENDLY_NAME_LEN)
            .ok_or(AccountError::InvalidName)?;
        let k = key(account);
        if self.accounts.contains_key(&k) {
            return Err(AccountError::Exists(account.to_owned()));
        }
        let mut groups = BTreeMap::new();
        groups.insert(
            0,
            GroupName::try_from("Other%20Contacts").expect("constant token"),
        );
        // 2^122 ids: a repeat is an accident worth a few retries, not a loop.
        let mut guid = self.entropy.guid();
        for _ in 0..8 {
            if !self.guids.contains_key(guid.as_str()) {
                break;
            }
            guid = self.entropy.guid();
        }
        self.guids.insert(guid.as_str().to_owned(), k.clone());
        let group_guids = BTreeMap::from([(0, self.entropy.guid())]);
        self.accounts.insert(
            k,
            Account {
                account: handle,
                guid,
                group_guids,
                name,
                version: 0,
                prompt: AddPrompt::Ask,
                privacy: Privacy::AllowAll,
                phones: BTreeMap::new(),
                groups,
                contacts: BTreeMap::new(),
                presence: Presence::default(),
            },
        );
        Ok(())
    }

    /// `ADD`: puts `contact` on `owner`'s `list` (FL: into `group`, default 0). Adding to
    /// FL also puts `owner` on the contact's RL. `name` defaults to the contact's handle.
    pub fn add_to_list(
        &mut self,
        owner: &str,
        list: List,
        contact: &str,
        name: Option<&FriendlyName<'_>>,
        group: Option<GroupId>,
    ) -> Result<ListChange, ListError> {
        if list == List::Reverse {
            return Err(ListError::ReverseList);
        }
        // Putting oneself on a list would make the account its own watcher; refused.
        if !is_handle(contact) || key(owner) == key(contact) {
            return Err(ListError::InvalidParameter);
        }
        if list != List::Forward && group.is_some() {
            return Err(ListError::InvalidParameter);
        }
        let contact_handle = self
            .account(contact)
            .map(|a| a.account.clone())
            .ok_or(ListError::NoSuchAccount)?;
        let max = self.max_list_len();
        let owner_acc = self.account_mut(owner).ok_or(ListError::NoSuchAccount)?;
        let owner_handle = owner_acc.account.clone();
        let owner_name = owner_acc.name.clone();
        if let Some(name) = name
            && name.as_str().len() > MAX_FRIENDLY_NAME_LEN
        {
            return Err(ListError::InvalidName);
        }
        let group = group.unwrap_or(GroupId(0));
        if list == List::Forward && !owner_acc.groups.contains_key(&group.0) {
            return Err(ListError::InvalidGroup);
        }
        let existing = owner_acc.contacts.get(&key(contact));
        let mask = existing.map_or(ListMask::EMPTY, |c| c.lists);
        let opposite = match list {
            List::Allow => Some(List::Block),
            List::Block => Some(List::Allow),
            _ => None,
        };
        if opposite.is_some_and(|o| mask.contains(o)) {
            return Err(ListError::InOppositeList);
        }
        if mask.contains(list)
            && (list != List::Forward || existing.is_some_and(|c| c.groups.contains(&group.0)))
        {
            return Err(ListError::AlreadyThere);
        }
        let newly_on_list = !mask.contains(list);
        if newly_on_list
            && owner_acc
                .contacts
                .values()
                .filter(|c| c.lists.contains(list))
                .count()
                >= max
        {
            return Err(ListError::ListFull);
        }
        let entry = owner_acc.contacts.entry(key(contact)).or_insert_with(|| Contact {
            account: contact_handle.clone(),
            name: FriendlyName::try_from(contact_handle.as_str().to_owned()).expect("a handle is a token"),
            lists: ListMask::EMPTY,
            groups: BTreeSet::new(),
        });
        entry.lists = entry.lists.with(list);
        if let Some(name) = name {
            entry.name = name.borrow().into_owned();
        }
        if list == List::Forward {
            entry.groups.insert(group.0);
        }
        let version = owner_acc.bump();
        let reverse = if list == List::Forward && newly_on_list {
            let other = self.account_mut(contact).ok_or(ListError::NoSuchAccount)?;
            let entry = other.contacts.entry(key(owner)).or_insert_with(|| Contact {
                account: owner_handle,
                name: owner_name,
                lists: ListMask::EMPTY,
                groups: BTreeSet::new(),
            });
            entry.lists = entry.lists.with(List::Reverse);
            Some(other.bump())
        } else {
            None
        };
        Ok(ListChange { version, reverse })
    }

    /// `REM`: takes `contact` off `owner`'s `list`, or, for FL with a group, out of that
    /// group only (a contact left in no group leaves FL). Leaving FL also takes `owner`
    /// off the contact's RL.
    pub fn remove_from_list(
        &mut self,
        owner: &str,
        list: List,
        contact: &str,
        group: Option<GroupId>,
    ) -> Result<ListChange, ListError> {
        if list == List::Reverse {
            return Err(ListError::ReverseList);
        }
        if list != List::Forward && group.is_some() {
            return Err(ListError::InvalidParameter);
        }
        let owner_acc = self.account_mut(owner).ok_or(ListError::NoSuchAccount)?;
        if let Some(group) = group
            && !owner_acc.groups.contains_key(&group.0)
        {
            return Err(ListError::InvalidGroup);
        }
        let k = key(contact);
        let entry = owner_acc
            .contacts
            .get_mut(&k)
            .filter(|c| c.lists.contains(list))
            .ok_or(ListError::NotOnList)?;
        let leaves_list = match group {
            Some(group) => {
                if !entry.groups.remove(&group.0) {
                    return Err(ListError::NotInGroup);
                }
                entry.groups.is_empty()
            }
            None => true,
        };
        if leaves_list {
            entry.lists = entry.lists.without(list);
            if list == List::Forward {
                entry.groups.clear();
            }
            if entry.lists == ListMask::EMPTY {
                owner_acc.contacts.remove(&k);
            }
        }
        let version = owner_acc.bump();
        let reverse = if list == List::Forward && leaves_list {
            self.account_mut(contact).and_then(|other| {
                let okey = key(owner);
                let entry = other.contacts.get_mut(&okey)?;
                entry.lists = entry.lists.without(List::Reverse);
                if entry.lists == ListMask::EMPTY {
                    other.contacts.remove(&okey);
                }
                Some(other.bump())
            })
        } else {
            None
        };
        Ok(ListChange { version, reverse })
    }

    /// `REA`: renames the owner (own handle) or the stored name of a contact.
    pub fn rename(&mut self, owner: &str, contact: &str, name: &FriendlyName<'_>) -> Result<u32, ListError> {
        if name.as_str().len() > MAX_FRIENDLY_NAME_LEN {
            return Err(ListError::InvalidName);
        }
        let acc = self.account_mut(owner).ok_or(ListError::NoSuchAccount)?;
        let name = name.borrow().into_owned();
        if key(owner) == key(contact) {
            acc.name = name;
        } else {
            acc.contacts
                .get_mut(&key(contact))
                .ok_or(ListError::NotOnList)?
                .name = name;
        }
        Ok(acc.bump())
    }

    /// `ADG`: creates a group with the lowest free id.
    pub fn add_group(&mut self, owner: &str, name: &GroupName<'_>) -> Result<(u32, GroupId), ListError> {
        check_group_name(name)?;
        let guid = self.entropy.guid();
        let acc = self.account_mut(owner).ok_or(ListError::NoSuchAccount)?;
        if acc.groups.len() >= MAX_GROUPS {
            return Err(ListError::TooManyGroups);
        }
        let id = (0..).find(|id| !acc.groups.contains_key(id)).unwrap_or(0);
        acc.groups.insert(id, name.borrow().into_owned());
        acc.group_guids.insert(id, guid);
        Ok((acc.bump(), GroupId(id)))
    }

    /// `RMG`: deletes a group; its contacts left in no group move to group 0.
    pub fn remove_group(&mut self, owner: &str, group: GroupId) -> Result<u32, ListError> {
        let acc = self.account_mut(owner).ok_or(ListError::NoSuchAccount)?;
        if group.0 == 0 {
            return Err(ListError::CannotRemoveGroupZero);
        }
        acc.groups.remove(&group.0).ok_or(ListError::InvalidGroup)?;
        acc.group_guids.remove(&group.0);
        for contact in acc.contacts.values_mut() {
            if contact.groups.remove(&group.0) && contact.groups.is_empty() {
                contact.groups.insert(0);
            }
        }
        Ok(acc.bump())
    }

    /// `REG`: renames a group.
    pub fn rename_group(
        &mut self,
        owner: &str,
        group: GroupId,
        name: &GroupName<'_>,
    ) -> Result<u32, ListError> {
        check_group_name(name)?;
        let acc = self.account_mut(owner).ok_or(ListError::NoSuchAccount)?;
        let slot = acc.groups.get_mut(&group.0).ok_or(ListError::InvalidGroup)?;
        *slot = name.borrow().into_owned();
        Ok(acc.bump())
    }

    /// `GTC`: sets whether the user is asked when added.
    pub fn set_prompt(&mut self, owner: &str, prompt: AddPrompt) -> Result<u32, ListError> {
        let acc = self.account_mut(owner).ok_or(ListError::NoSuchAccount)?;
        if acc.prompt == prompt {
            return Err(ListError::AlreadyInMode);
        }
        acc.prompt = prompt;
        Ok(acc.bump())
    }

    /// `BLP`: sets who may reach the user when on neither AL nor BL.
    pub fn set_privacy(&mut self, owner: &str, privacy: Privacy) -> Result<u32, ListError> {
        let acc = self.account_mut(owner).ok_or(ListError::NoSuchAccount)?;
        if acc.privacy == privacy {
            return Err(ListError::AlreadyInMode);
        }
        acc.privacy = privacy;
        Ok(acc.bump())
    }

    /// `PRP`: sets (or with `None`, clears) a phone number.
    pub fn set_phone(
        &mut self,
        owner: &str,
        property: &str,
        value: Option<&EncodedName<'_>>,
    ) -> Result<u32, ListError> {
        if !PHONE_PROPERTIES.contains(&property) {
            return Err(ListError::UnknownProperty);
        }
        if value.is_some_and(|v| v.as_str().len() > MAX_PHONE_LEN) {
            return Err(ListError::InvalidParameter);
        }
        let acc = self.account_mut(owner).ok_or(ListError::NoSuchAccount)?;
        match value {
            Some(value) => acc
                .phones
                .insert(property.to_owned(), value.borrow().into_owned()),
            None => acc.phones.remove(property),
        };
        Ok(acc.bump())
    }

    /// Drops expired cookies, and the oldest ones of `account` beyond `max_per_account`.
    pub(crate) fn prune_cookies(&mut self, now: Instant, account: &str, max_per_account: usize) {
        self.cookies
            .retain(|_, grant| grant.expires.is_none_or(|at| at > now));
        let mut mine: Vec<(Option<Instant>, String)> = self
            .cookies
            .iter()
            .filter(|(_, g)| g.account == account)
            .map(|(c, g)| (g.expires, c.clone()))
            .collect();
        if mine.len() >= max_per_account {
            // Soonest to expire first; cookies that never expire last.
            mine.sort_by_key(|(expires, _)| (expires.is_none(), *expires));
            let excess = mine.len() + 1 - max_per_account;
            for (_, cookie) in mine.into_iter().take(excess) {
                self.cookies.remove(&cookie);
            }
        }
    }

    /// Takes a cookie (it works once) if it is unexpired and issued to `account`.
    pub(crate) fn redeem_cookie(
        &mut self,
        now: Instant,
        cookie: &str,
        account: &str,
    ) -> Option<(CookiePurpose, Dialect)> {
        let grant = self.cookies.remove(cookie)?;
        (grant.expires.is_none_or(|at| at > now) && grant.account == key(account))
            .then_some((grant.purpose, grant.dialect))
    }
}

fn check_group_name(name: &GroupName<'_>) -> Result<(), ListError> {
    if name.decode().len() > MAX_GROUP_NAME_LEN {
        Err(ListError::GroupNameTooLong)
    } else {
        Ok(())
    }
}

/// A handle is `name@domain`: MSN refused others with 201 or 205 (reference §9).
pub(crate) fn is_handle(account: &str) -> bool {
    matches!(account.split_once('@'), Some((user, domain)) if !user.is_empty() && !domain.is_empty() && !domain.contains('@'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir() -> Directory {
        let mut d = Directory::default();
        d.add_account("alice@example.com", "Alice").unwrap();
        d.add_account("bob@example.com", "Bob").unwrap();
        d
    }

    #[test]
    fn guids_name_accounts_and_groups_stably() {
        let mut d = dir();
        let alice = d.account("alice@example.com").unwrap().guid().clone();
        assert_eq!(
            d.account_by_guid(&alice).unwrap().account().as_str(),
            "alice@example.com"
        );
        // Ids compare without regard to case.
        let upper = Guid::try_from(alice.as_str().to_ascii_uppercase()).unwrap();
        assert!(d.account_by_guid(&upper).is_some());
        assert_ne!(&alice, d.account("bob@example.com").unwrap().guid());
        let (_, g) = d
            .add_group("alice@example.com", &GroupName::from_text("Friends").unwrap())
            .unwrap();
        let acc = d.account("alice@example.com").unwrap();
        let friends = acc.group_guid(g).unwrap().clone();
        assert_eq!(acc.group_by_guid(&friends), Some(g));
        d.remove_group("alice@example.com", g).unwrap();
        let acc = d.account("alice@example.com").unwrap();
        assert_eq!((acc.group_guid(g), acc.group_by_guid(&friends)), (None, None));
        // The same seed gives the same ids: transcripts can name them.
        assert_eq!(dir().account("alice@example.com").unwrap().guid(), &alice);
        let mut other = Directory::default();
        other.reseed(1);
        other.add_account("alice@example.com", "Alice").unwrap();
        assert_ne!(other.account("alice@example.com").unwrap().guid(), &alice);
    }

    #[test]
    fn accounts_are_unique_and_valid() {
        let mut d = dir();
        assert_eq!(
            d.add_account("ALICE@example.com", "x"),
            Err(AccountError::Exists("ALICE@example.com".into()))
        );
        assert!(matches!(
            d.add_account("nobody", "x"),
            Err(AccountError::InvalidAccount(_))
        ));
        assert_eq!(d.add_account("c@example.com", ""), Err(AccountError::InvalidName));
    }

    #[test]
    fn list_rules_give_the_reference_errors() {
        let mut d = dir();
        let a = "alice@example.com";
        let b = "bob@example.com";
        assert_eq!(
            d.add_to_list(a, List::Forward, "carol@example.com", None, None),
            Err(ListError::NoSuchAccount)
        );
        assert_eq!(
            d.add_to_list(a, List::Forward, "carol", None, None),
            Err(ListError::InvalidParameter)
        );
        assert_eq!(
            d.add_to_list(a, List::Forward, b, None, Some(GroupId(7))),
            Err(ListError::InvalidGroup)
        );
        assert_eq!(
            d.add_to_list(a, List::Reverse, b, None, None),
            Err(ListError::ReverseList)
        );
        d.add_to_list(a, List::Allow, b, None, None).unwrap();
        assert_eq!(
            d.add_to_list(a, List::Allow, b, None, None),
            Err(ListError::AlreadyThere)
        );
        assert_eq!(
            d.add_to_list(a, List::Block, b, None, None),
            Err(ListError::InOppositeList)
        );
        assert_eq!(
            d.remove_from_list(a, List::Block, b, None),
            Err(ListError::NotOnList)
        );
        assert_eq!(
            d.remove_group(a, GroupId(0)),
            Err(ListError::CannotRemoveGroupZero)
        );
        assert_eq!(d.set_privacy(a, Privacy::AllowAll), Err(ListError::AlreadyInMode));
        let long = GroupName::from_text(&"x".repeat(62)).unwrap();
        assert_eq!(d.add_group(a, &long), Err(ListError::GroupNameTooLong));
        assert_eq!(d.account(a).unwrap().version(), 1);
    }

    #[test]
    fn forward_list_drives_the_reverse_list_and_groups() {
        let mut d = dir();
        let (a, b) = ("alice@example.com", "bob@example.com");
        let (v, g) = d.add_group(a, &GroupName::from_text("Friends").unwrap()).unwrap();
        assert_eq!((v, g), (1, GroupId(1)));
        assert_eq!(
            d.add_to_list(a, List::Forward, b, None, Some(g)).unwrap(),
            ListChange {
                version: 2,
                reverse: Some(1)
            }
        );
        // A second group does not touch Bob's RL again.
        assert_eq!(
            d.add_to_list(a, List::Forward, b, None, Some(GroupId(0)))
                .unwrap(),
            ListChange {
                version: 3,
                reverse: None
            }
        );
        assert_eq!(d.remove_group(a, g).unwrap(), 4);
        let groups: Vec<_> = d.account(a).unwrap().contact(b).unwrap().groups().collect();
        assert_eq!(groups, [GroupId(0)]);
        assert_eq!(
            d.remove_from_list(a, List::Forward, b, Some(GroupId(0))).unwrap(),
            ListChange {
                version: 5,
                reverse: Some(2)
            }
        );
        assert!(d.account(a).unwrap().contact(b).is_none());
        assert!(d.account(b).unwrap().contact(a).is_none());
    }

    #[test]
    fn lists_are_bounded() {
        let mut d = dir();
        d.set_max_list_len(1);
        d.add_account("carol@example.com", "Carol").unwrap();
        d.add_to_list("alice@example.com", List::Block, "bob@example.com", None, None)
            .unwrap();
        assert_eq!(
            d.add_to_list("alice@example.com", List::Block, "carol@example.com", None, None),
            Err(ListError::ListFull)
        );
    }

    #[test]
    fn privacy_decides_who_is_allowed() {
        let mut d = dir();
        let (a, b) = ("alice@example.com", "bob@example.com");
        assert!(d.account(a).unwrap().allows(b));
        d.set_privacy(a, Privacy::BlockAll).unwrap();
        assert!(!d.account(a).unwrap().allows(b));
        d.add_to_list(a, List::Allow, b, None, None).unwrap();
        assert!(d.account(a).unwrap().allows(b));
        d.remove_from_list(a, List::Allow, b, None).unwrap();
        d.set_privacy(a, Privacy::AllowAll).unwrap();
        d.add_to_list(a, List::Block, b, None, None).unwrap();
        assert!(!d.account(a).unwrap().allows(b));
    }
}
