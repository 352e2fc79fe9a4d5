//! The list download (reference §6): `SYN` and the lines it announces, `GTC`, `BLP`,
//! `PRP`, `LSG`, `LST` and `BPR` without TrID or version.
//!
//! MSNP10+ (msnp9-12 reference §4.1) asks with two timestamps instead of a version,
//! names groups and contacts by GUID (`LSG name GUID`, `LST N= F= C= bits [net]
//! [groups]`) and moves the own name into `PRP MFN`; the download fills the same
//! [`ContactList`] and ends by the same rule (after the announced `LST` lines; with no
//! contacts, after the `LSG` lines; with neither, after `BLP`).

use std::time::Instant;

use super::contacts::Key;
use super::{ContactList, Limit, NotificationClient, NsError, NsEvent, Phone, SyncStamps};
use crate::codec::{ClientCommand, Dialect, EncodedName, Passport, ServerCommand, SynCounts, Token, TrId};

/// A `SYN` download in progress (reference §6).
pub(super) struct Download {
    trid: TrId,
    version: u32,
    contacts: u32,
    groups: u32,
    contacts_seen: u32,
    groups_seen: u32,
    pub(super) list: ContactList,
    /// The last `LST`'s contact, which a following `BPR` belongs to.
    last: Option<Key>,
    /// `BLP` seen (ends a download of no groups and no contacts).
    saw_privacy: bool,
    /// MSNP10+ names the user after `BLP` (`PRP MFN`): an empty list ends there.
    awaits_own_name: bool,
    /// MSNP10+: the stamps the list will keep, and the lowest id a group new to the
    /// list may take, so ids of the groups the last list knew are not given away.
    stamps: Option<SyncStamps>,
    group_floor: u32,
}

impl Download {
    /// End of `SYN` is implicit: after the last `LST`; with no contacts, after the last
    /// `LSG`; with neither, after `BLP` [TW handle_LST; PURPLE sync.c], and from MSNP10
    /// after the `PRP MFN` that follows it (reference §4.1).
    fn complete(&self) -> bool {
        self.counted()
            && (self.contacts > 0 || self.groups > 0 || (self.saw_privacy && !self.awaits_own_name))
    }

    /// Every announced line has come.
    fn counted(&self) -> bool {
        self.contacts_seen == self.contacts && self.groups_seen == self.groups
    }
}

/// What a stamp-less `BPR`/`PRP` right after a finished download belongs to: the last
/// contact's trailing numbers are not counted by the `SYN` header [TW handle_LST].
pub(super) struct SyncTail {
    trid: TrId,
    last: Option<Key>,
}

impl NotificationClient {
    /// Asks for the lists (`SYN T version`), sending the version of the list given to
    /// [`with_contact_list`](Self::with_contact_list) (0 for none). Ends with
    /// [`NsEvent::ListSynced`].
    ///
    /// Under MSNP10+ it sends `SYN T list-stamp settings-stamp`: the list's
    /// [`stamps`](ContactList::stamps), or `0 0` for a list without them (none, or one
    /// kept from an MSNP8 session), which asks for the whole list.
    pub fn sync_lists(&mut self, now: Instant) -> Result<TrId, NsError> {
        self.touch(now);
        self.expect_logged_in("sync_lists")?;
        let asked = self.pending.values().any(|p| {
            matches!(
                p.request,
                ClientCommand::Syn { .. } | ClientCommand::SynStamps { .. }
            )
        });
        if self.download.is_some() || asked {
            return Err(NsError::WrongState {
                call: "sync_lists",
                state: "synchronizing",
            });
        }
        if self.guid_dialect() {
            let (list_stamp, settings_stamp) = match self.contacts.stamps() {
                Some(stamps) => (stamps.list.clone(), stamps.settings.clone()),
                // `0`, the timestamp of no list, asks for the whole list.
                None => {
                    let zero = Token::try_from("0").map_err(|source| NsError::InvalidArgument {
                        what: "timestamp",
                        source,
                    })?;
                    (zero.clone(), zero)
                }
            };
            return self.request(|trid| ClientCommand::SynStamps {
                trid,
                list_stamp,
                settings_stamp,
            });
        }
        let version = self.contacts.version();
        self.request(|trid| ClientCommand::Syn { trid, version })
    }

    /// Whether the session speaks the GUID contact model (MSNP10+).
    pub(super) fn guid_dialect(&self) -> bool {
        self.dialect.is_some_and(|d| d >= Dialect::Msnp10)
    }

    /// A download announced by `SYN`, within the configured bounds.
    fn start_download(&mut self, trid: TrId, version: u32, counts: SynCounts, stamps: Option<SyncStamps>) {
        if counts.contacts > self.config.max_contacts || counts.groups > self.config.max_groups {
            return self.violation("SYN announces more than the configured limits", "SYN");
        }
        let mut list = ContactList::new();
        list.set_version(version);
        self.download = Some(Download {
            trid,
            version,
            contacts: counts.contacts,
            groups: counts.groups,
            contacts_seen: 0,
            groups_seen: 0,
            list,
            last: None,
            saw_privacy: false,
            awaits_own_name: stamps.is_some(),
            stamps,
            group_floor: self.contacts.group_id_floor(),
        });
    }

    /// One more `LSG` of the download, if `SYN` announced it; false when closed.
    fn count_group(&mut self, verb: &'static str) -> bool {
        let limit = self.config.max_groups;
        let Some(d) = &mut self.download else {
            self.violation("LSG outside SYN", verb);
            return false;
        };
        if d.groups_seen >= d.groups || d.groups_seen >= limit {
            self.violation("more LSG lines than SYN announced", verb);
            return false;
        }
        d.groups_seen += 1;
        true
    }

    /// One more `LST` of the download, if `SYN` announced it; false when closed.
    fn count_contact(&mut self) -> bool {
        let Some(d) = &mut self.download else {
            self.violation("LST outside SYN", "LST");
            return false;
        };
        if d.contacts_seen >= d.contacts {
            self.violation("more LST lines than SYN announced", "LST");
            return false;
        }
        d.contacts_seen += 1;
        true
    }

    /// After an `LST`: the group count must have been met, then the bounds.
    fn after_contact(&mut self) {
        if let Some(d) = &self.download
            && d.contacts_seen == d.contacts
            && d.groups_seen != d.groups
        {
            return self.violation("SYN announced more groups than were sent", "LST");
        }
        if self.lists_within_bounds() {
            self.finish_download_if_complete();
        }
    }

    /// `SYN` and the stamp-less lines of its download; `tail` is set for a `BPR`/`PRP`
    /// right after a finished one.
    pub(super) fn handle_download(&mut self, command: ServerCommand<'_>, tail: Option<SyncTail>) {
        use ServerCommand::*;
        match command {
            Syn {
                trid,
                version,
                counts,
            } => {
                if !self.settle(trid, "SYN") {
                    return;
                }
                match counts {
                    None if version == self.contacts.version() => {
                        self.events.push_back(NsEvent::ListSynced {
                            version,
                            contacts: self.contacts.len(),
                            groups: self.contacts.group_count(),
                            from_cache: true,
                        })
                    }
                    None => self.violation("SYN without a list for another version", "SYN"),
                    Some(counts) => self.start_download(trid, version, counts, None),
                }
            }
            SynStamps {
                trid,
                list_stamp,
                settings_stamp,
                counts,
            } => {
                if !self.settle(trid, "SYN") {
                    return;
                }
                let stamps = SyncStamps {
                    list: list_stamp.into_owned(),
                    settings: settings_stamp.into_owned(),
                };
                match counts {
                    // The cache is current: the server sends no list [NINA MSNP11/Changes].
                    None if self.contacts.stamps() == Some(&stamps) => {
                        self.events.push_back(NsEvent::ListSynced {
                            version: self.contacts.version(),
                            contacts: self.contacts.len(),
                            groups: self.contacts.group_count(),
                            from_cache: true,
                        })
                    }
                    None => self.violation("SYN without a list for other timestamps", "SYN"),
                    Some(counts) => self.start_download(trid, 0, counts, Some(stamps)),
                }
            }
            Gtc { stamp: None, prompt } => match &mut self.download {
                Some(d) => d.list.set_add_prompt(prompt),
                None => self.violation("GTC without TrID outside SYN", "GTC"),
            },
            Blp { stamp: None, privacy } => match &mut self.download {
                Some(d) => {
                    d.list.set_privacy(privacy);
                    d.saw_privacy = true;
                    self.finish_download_if_complete();
                }
                None => self.violation("BLP without TrID outside SYN", "BLP"),
            },
            Prp {
                stamp: None,
                property,
                value,
            } => {
                let phone = Phone::from_code(property.as_str());
                if let Some(d) = &mut self.download {
                    if let Some(phone) = phone {
                        d.list.set_own_phone(phone, value.as_ref());
                    }
                    if property.as_str() == "MFN" {
                        d.awaits_own_name = false;
                    }
                    self.own_name_property(&property, value.as_ref());
                    self.finish_download_if_complete();
                } else if let Some(tail) = tail {
                    // MSNP10+'s own name after an empty list's `BLP` belongs to the
                    // download, which has already been reported: it comes as a change.
                    let change = self.own_property(property, value);
                    let version = self.contacts.version();
                    self.events.push_back(NsEvent::ListChanged {
                        trid: tail.trid,
                        version,
                        change,
                    });
                    self.tail = Some(tail);
                } else {
                    return self.violation("PRP without TrID outside SYN", "PRP");
                }
                self.lists_within_bounds();
            }
            Lsg { group, name } => {
                if !self.count_group("LSG") {
                    return;
                }
                if let Some(d) = &mut self.download {
                    d.list.insert_group(group, name.into_owned());
                }
                if self.lists_within_bounds() {
                    self.finish_download_if_complete();
                }
            }
            LsgGuid { name, group } => {
                if !self.count_group("LSG") {
                    return;
                }
                let reuse = self.contacts.group_by_guid(&group);
                let Some(d) = &mut self.download else { return };
                let floor = d.group_floor;
                if d.list
                    .put_guid_group(group.into_owned(), name.into_owned(), reuse, floor)
                    .is_none()
                {
                    let max = self.config.max_groups as usize;
                    return self.limit_reached(Limit::Groups, max);
                }
                if self.lists_within_bounds() {
                    self.finish_download_if_complete();
                }
            }
            Lst {
                account,
                name,
                lists,
                groups,
            } => {
                if !self.count_contact() {
                    return;
                }
                if let Some(d) = &mut self.download {
                    d.last = Some(Key::of(&account));
                    let groups = groups.iter().flat_map(|g| g.iter());
                    d.list
                        .insert_listed(account.into_owned(), name.into_owned(), lists, groups, None, None);
                }
                self.after_contact();
            }
            LstGuid {
                account,
                name,
                contact,
                lists,
                network,
                groups,
            } => {
                if !self.count_contact() {
                    return;
                }
                if let Some(d) = &mut self.download {
                    d.last = Some(Key::of(&account));
                    let Some(name) = name
                        .map(EncodedName::into_owned)
                        .or_else(|| stored_name_of(&account))
                    else {
                        return self.violation("LST names a contact that cannot be stored", "LST");
                    };
                    let guid = contact.map(|c| c.into_owned());
                    let groups = groups.iter().flat_map(|g| g.iter());
                    d.list
                        .insert_listed_by_guids(account.into_owned(), name, lists, groups, guid, network);
                }
                self.after_contact();
            }
            Bpr {
                stamp: None,
                property,
                value,
            } => {
                if let Some(d) = &mut self.download {
                    let Some(last) = &d.last else {
                        return self.violation("BPR before any LST", "BPR");
                    };
                    if let Some(phone) = Phone::from_code(property.as_str()) {
                        d.list.set_phone_at(last, phone, value.as_ref());
                    }
                } else if let Some(SyncTail {
                    trid,
                    last: Some(last),
                }) = tail
                {
                    if let Some(account) = self.contacts.account_at(&last).cloned() {
                        let change = self.contact_property(account, property, value);
                        let version = self.contacts.version();
                        self.events.push_back(NsEvent::ListChanged {
                            trid,
                            version,
                            change,
                        });
                    }
                    self.tail = Some(SyncTail {
                        trid,
                        last: Some(last),
                    });
                } else {
                    return self.violation("BPR without version outside SYN", "BPR");
                }
                self.lists_within_bounds();
            }
            other => self.misplaced(&other),
        }
    }

    /// A line that is no part of a download has come: a download that only waited for
    /// the own name (a server that sends none) is over.
    pub(super) fn end_download_before_other_lines(&mut self) {
        if let Some(d) = &mut self.download
            && d.counted()
            && d.saw_privacy
        {
            d.awaits_own_name = false;
            self.finish_download_if_complete();
        }
    }

    fn finish_download_if_complete(&mut self) {
        if !self.download.as_ref().is_some_and(Download::complete) {
            return;
        }
        let Some(Download {
            trid,
            version,
            mut list,
            last,
            stamps,
            ..
        }) = self.download.take()
        else {
            return;
        };
        list.set_version(version);
        if let Some(stamps) = stamps {
            list.set_stamps(Some(stamps));
        }
        self.contacts = list;
        self.tail = Some(SyncTail { trid, last });
        self.events.push_back(NsEvent::ListSynced {
            version,
            contacts: self.contacts.len(),
            groups: self.contacts.group_count(),
            from_cache: false,
        });
    }
}

/// The name the official client stores for a contact without one: the account
/// [YW add.md]; an `LST` without `F=` gets it. An account is a token, so it always is
/// a name as well.
pub(super) fn stored_name_of(account: &Passport<'_>) -> Option<EncodedName<'static>> {
    EncodedName::try_from(account.as_str().to_owned()).ok()
}
