//! The list download (reference §6): `SYN` and the lines it announces, `GTC`, `BLP`,
//! `PRP`, `LSG`, `LST` and `BPR` without TrID or version.

use std::time::Instant;

use super::contacts::Key;
use super::{ContactList, NotificationClient, NsError, NsEvent, Phone};
use crate::codec::{ClientCommand, ServerCommand, TrId};

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
}

impl Download {
    /// End of `SYN` is implicit: after the last `LST`; with no contacts, after the last
    /// `LSG`; with neither, after `BLP` [TW handle_LST; PURPLE sync.c].
    fn complete(&self) -> bool {
        self.contacts_seen == self.contacts
            && self.groups_seen == self.groups
            && (self.contacts > 0 || self.groups > 0 || self.saw_privacy)
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
    pub fn sync_lists(&mut self, now: Instant) -> Result<TrId, NsError> {
        self.touch(now);
        self.expect_logged_in("sync_lists")?;
        let asked = self
            .pending
            .values()
            .any(|p| matches!(p.request, ClientCommand::Syn { .. }));
        if self.download.is_some() || asked {
            return Err(NsError::WrongState {
                call: "sync_lists",
                state: "synchronizing",
            });
        }
        let version = self.contacts.version();
        self.request(|trid| ClientCommand::Syn { trid, version })
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
                    Some(counts)
                        if counts.contacts > self.config.max_contacts
                            || counts.groups > self.config.max_groups =>
                    {
                        self.violation("SYN announces more than the configured limits", "SYN")
                    }
                    Some(counts) => {
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
                        });
                    }
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
                    self.own_name_property(&property, value.as_ref());
                } else if let Some(tail) = tail {
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
                let limit = self.config.max_groups;
                let Some(d) = &mut self.download else {
                    return self.violation("LSG outside SYN", "LSG");
                };
                if d.groups_seen >= d.groups || d.groups_seen >= limit {
                    return self.violation("more LSG lines than SYN announced", "LSG");
                }
                d.groups_seen += 1;
                d.list.insert_group(group, name.into_owned());
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
                let Some(d) = &mut self.download else {
                    return self.violation("LST outside SYN", "LST");
                };
                if d.contacts_seen >= d.contacts {
                    return self.violation("more LST lines than SYN announced", "LST");
                }
                d.contacts_seen += 1;
                d.last = Some(Key::of(&account));
                let groups = groups.iter().flat_map(|g| g.iter());
                d.list
                    .insert_listed(account.into_owned(), name.into_owned(), lists, groups, None);
                if d.contacts_seen == d.contacts && d.groups_seen != d.groups {
                    return self.violation("SYN announced more groups than were sent", "LST");
                }
                if self.lists_within_bounds() {
                    self.finish_download_if_complete();
                }
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

    fn finish_download_if_complete(&mut self) {
        if !self.download.as_ref().is_some_and(Download::complete) {
            return;
        }
        let Some(Download {
            trid,
            version,
            mut list,
            last,
            ..
        }) = self.download.take()
        else {
            return;
        };
        list.set_version(version);
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
