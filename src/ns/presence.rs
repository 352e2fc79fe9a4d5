//! Presence (reference §5; MSNP9–12 reference §3, §5): the user's status (`CHG`, with
//! the display picture's MSNObject from MSNP9), personal message (`UUX`, MSNP11), and
//! the contacts' (`ILN`, `NLN`, `FLN`, `UBX`).

use std::collections::BTreeMap;
use std::time::Instant;

use super::{Limit, NotificationClient, NsError, NsEvent};
use crate::codec::{
    ClientCaps, ClientCommand, DecodeError, Dialect, EncodedName, FriendlyName, Passport, ServerCommand,
    Status, TrId,
};
use crate::presence::{MsnObject, PersonalStatus};

/// What the contacts online show beyond their status: their display picture's
/// MSNObject (MSNP9+) and their personal message and media (MSNP11+).
///
/// Kept per online contact and dropped at `FLN`; bounded by
/// [`NsConfig::max_contacts`](super::NsConfig::max_contacts) entries and
/// [`NsConfig::max_presence_bytes`](super::NsConfig::max_presence_bytes) bytes.
#[derive(Debug, Default)]
pub(super) struct Presences {
    /// By case-folded account: servers may change the case (reference §11.5).
    by_account: BTreeMap<String, Shown>,
    /// The sum of every entry's weight.
    bytes: usize,
}

/// One contact's entry. The weights are the wire sizes the values were read from,
/// what they count against the bound.
#[derive(Debug, Default)]
struct Shown {
    object: Option<MsnObject>,
    object_weight: usize,
    personal: Option<PersonalStatus>,
    personal_weight: usize,
}

impl Shown {
    fn weight(&self) -> usize {
        ENTRY_WEIGHT + self.object_weight + self.personal_weight
    }
}

/// The bytes an entry costs beyond its two values: its key and bookkeeping.
const ENTRY_WEIGHT: usize = 64;

impl Presences {
    pub(super) fn msn_object(&self, account: &Passport<'_>) -> Option<&MsnObject> {
        self.by_account.get(&key(account))?.object.as_ref()
    }

    pub(super) fn personal(&self, account: &Passport<'_>) -> Option<&PersonalStatus> {
        self.by_account.get(&key(account))?.personal.as_ref()
    }

    fn forget(&mut self, account: &Passport<'_>) {
        if let Some(shown) = self.by_account.remove(&key(account)) {
            self.bytes = self.bytes.saturating_sub(shown.weight());
        }
    }

    pub(super) fn len(&self) -> usize {
        self.by_account.len()
    }

    pub(super) fn clear(&mut self) {
        self.by_account.clear();
        self.bytes = 0;
    }
}

/// What [`NotificationClient::store_shown`] changes of one entry.
enum Change {
    Object(Option<MsnObject>, usize),
    Personal(PersonalStatus, usize),
}

impl NotificationClient {
    // ----- Getters: presence -----

    /// The display picture a contact online shows (its MSNObject, from `ILN`/`NLN`,
    /// MSNP9+); `None` when they show none or are offline.
    pub fn contact_msn_object(&self, account: &Passport<'_>) -> Option<&MsnObject> {
        self.presences.msn_object(account)
    }

    /// The personal message and current media a contact online shows (from `UBX`,
    /// MSNP11+); `None` before their first `UBX` or once offline.
    pub fn contact_personal_status(&self, account: &Passport<'_>) -> Option<&PersonalStatus> {
        self.presences.personal(account)
    }

    /// The user's own display picture, as [`set_msn_object`](Self::set_msn_object) set it.
    pub fn msn_object(&self) -> Option<&MsnObject> {
        self.own_object.as_ref()
    }

    /// The user's own personal message and media, as last sent with
    /// [`set_personal_status`](Self::set_personal_status).
    pub fn personal_status(&self) -> &PersonalStatus {
        &self.own_personal
    }

    // ----- Mutators: presence -----

    /// Sets the user's status (`CHG`, with the configured capability bits and, from
    /// MSNP9, the configured MSNC version ([`NsConfig::msnc`](super::NsConfig::msnc)) and the MSNObject set with [`set_msn_object`](Self::set_msn_object)). The
    /// first call makes the user visible and brings the contacts' presence (`ILN`).
    /// Offline is not a status one can set (servers answer 201): use
    /// [`Status::Hidden`] or [`logout`](Self::logout).
    pub fn set_status(&mut self, now: Instant, status: Status) -> Result<TrId, NsError> {
        self.touch(now);
        self.expect_logged_in("set_status")?;
        if status == Status::Offline {
            return Err(NsError::Forbidden("FLN cannot be set; use HDN or logout"));
        }
        let caps = Some(self.announced_caps());
        let msn_object = self.own_object_token();
        self.request(|trid| ClientCommand::Chg {
            trid,
            status,
            caps,
            msn_object,
        })
    }

    /// What `CHG` announces: the configured bits, and from MSNP9 on the configured MSNC
    /// version where the bits leave the version nibble 0.
    fn announced_caps(&self) -> ClientCaps {
        let caps = self.config.caps;
        let msnc = self.dialect.is_some_and(|d| d >= Dialect::Msnp9);
        if msnc && caps.msnc() == 0 {
            caps.with_msnc(self.config.msnc)
        } else {
            caps
        }
    }

    /// Sets (or, with `None`, clears) the display picture contacts see: its MSNObject
    /// ([`MsnObject::for_data`] builds it from the picture's bytes), sent with every
    /// `CHG` from MSNP9 on. When a status is already set it is announced at once, by a
    /// `CHG` of the same status, whose TrID is returned; otherwise with the next
    /// [`set_status`](Self::set_status).
    ///
    /// Before the login the object is kept for whatever dialect is chosen; an MSNP8
    /// session has no MSNObject and refuses it ([`NsError::NotInDialect`]).
    pub fn set_msn_object(
        &mut self,
        now: Instant,
        object: Option<MsnObject>,
    ) -> Result<Option<TrId>, NsError> {
        self.touch(now);
        if self.state == super::SessionState::Closed {
            return Err(NsError::Closed);
        }
        if let Some(dialect) = self.dialect.filter(|d| *d < Dialect::Msnp9) {
            return Err(NsError::NotInDialect {
                call: "set_msn_object",
                dialect,
            });
        }
        let token = object.as_ref().map(object_token).transpose()?;
        let resend = match self.status {
            Some(status) if self.state == super::SessionState::LoggedIn && status != Status::Offline => {
                let caps = Some(self.announced_caps());
                let msn_object = token;
                Some(self.request(|trid| ClientCommand::Chg {
                    trid,
                    status,
                    caps,
                    msn_object,
                })?)
            }
            _ => None,
        };
        self.own_object = object;
        Ok(resend)
    }

    /// Sets the personal message and current media contacts see (`UUX`, MSNP11+);
    /// the server's `UUX T 0` settles it ([`NsEvent::PersonalStatusSet`]). Earlier
    /// dialects have no personal message: [`NsError::NotInDialect`].
    pub fn set_personal_status(&mut self, now: Instant, status: &PersonalStatus) -> Result<TrId, NsError> {
        self.touch(now);
        self.expect_logged_in("set_personal_status")?;
        let dialect = self.dialect.unwrap_or(Dialect::Msnp8);
        if dialect < Dialect::Msnp11 {
            return Err(NsError::NotInDialect {
                call: "set_personal_status",
                dialect,
            });
        }
        let mut payload = Vec::new();
        status
            .encode(&mut payload)
            .map_err(|_| NsError::Forbidden("the personal message or media cannot be written"))?;
        let trid = self.request(|trid| ClientCommand::Uux {
            trid,
            payload: payload.into(),
        })?;
        self.own_personal = status.clone();
        Ok(trid)
    }

    /// The own MSNObject as `CHG` carries it, when the dialect has one.
    fn own_object_token(&self) -> Option<EncodedName<'static>> {
        let dialect = self.dialect.unwrap_or(Dialect::Msnp8);
        let object = self.own_object.as_ref().filter(|_| dialect >= Dialect::Msnp9)?;
        // Checked when it was set; a token that grew unsendable since cannot exist.
        object_token(object).ok()
    }

    // ----- Input -----

    pub(super) fn handle_presence(&mut self, command: ServerCommand<'_>) {
        use ServerCommand::*;
        match command {
            Chg { trid, status, .. } => {
                if trid != TrId::ASYNC && !self.settle(trid, "CHG") {
                    return;
                }
                self.status = Some(status);
                self.events.push_back(NsEvent::StatusChanged { trid, status });
            }
            // ILN carries the TrID of the CHG or ADD it follows, already answered.
            Iln {
                status,
                account,
                name,
                caps,
                msn_object,
                ..
            }
            | Nln {
                status,
                account,
                name,
                caps,
                msn_object,
            } => self.presence(account, status, name, caps, msn_object),
            Fln { account } => {
                self.contacts.set_presence(&account, Status::Offline, None, None);
                if let Some(d) = &mut self.download {
                    d.list.set_presence(&account, Status::Offline, None, None);
                }
                self.presences.forget(&account);
                self.events.push_back(NsEvent::ContactOffline {
                    account: account.into_owned(),
                });
            }
            Ubx { account, payload } => match PersonalStatus::parse(&payload) {
                Ok(personal) => {
                    let weight = payload.len();
                    self.store_shown(account, Change::Personal(personal, weight));
                }
                Err(_) => self.events.push_back(NsEvent::Skipped {
                    error: DecodeError::Malformed {
                        verb: "UBX".to_owned(),
                        reason: "the payload is no personal message (<Data><PSM>…)",
                        frame_len: payload.len(),
                    },
                }),
            },
            Uux { trid, .. } => {
                if self.pending_verb(trid) != Some("UUX") {
                    return self.violation("reply answers no outstanding request", "UUX");
                }
                let Some(super::Pending {
                    request: ClientCommand::Uux { payload, .. },
                    ..
                }) = self.take_pending(trid)
                else {
                    return;
                };
                // The machine wrote the payload, and what it writes reads back.
                let status = PersonalStatus::parse(&payload).unwrap_or_default();
                self.events.push_back(NsEvent::PersonalStatusSet { trid, status });
            }
            other => self.misplaced(&other),
        }
    }

    fn presence(
        &mut self,
        account: Passport<'_>,
        status: Status,
        name: FriendlyName<'_>,
        caps: Option<ClientCaps>,
        msn_object: Option<EncodedName<'_>>,
    ) {
        self.contacts.set_presence(&account, status, Some(&name), caps);
        if let Some(d) = &mut self.download {
            d.list.set_presence(&account, status, Some(&name), caps);
        }
        // A new name is a change of the list's size like any other.
        if !self.lists_within_bounds() {
            return;
        }
        self.events.push_back(NsEvent::ContactPresence {
            account: account.clone().into_owned(),
            status,
            name: name.into_owned(),
            caps,
        });
        // MSNP8 has no MSNObject; from MSNP9 a missing one, `<msnobj/>` (Escargot's
        // placeholder) and one that does not parse all mean "no picture": the status
        // stands either way [reference §3].
        if self.dialect.is_some_and(|d| d >= Dialect::Msnp9) {
            let weight = msn_object.as_ref().map_or(0, |o| o.as_str().len());
            let object = msn_object.and_then(|o| MsnObject::from_percent_encoded(o.as_str()).ok().flatten());
            self.store_shown(account, Change::Object(object, weight));
        }
    }

    /// Records what a contact shows, with an event when it changed; past the bounds the
    /// session ends.
    fn store_shown(&mut self, account: Passport<'_>, change: Change) {
        let known = self.presences.by_account.contains_key(&key(&account));
        let unchanged = match (&change, self.presences.by_account.get(&key(&account))) {
            (Change::Object(object, _), Some(shown)) => shown.object == *object,
            (Change::Object(object, _), None) => object.is_none(),
            // Servers send an empty `UBX` after every `ILN`/`NLN` (Escargot does): no
            // message is what a contact showed before, not a change.
            (Change::Personal(personal, _), Some(shown)) => match &shown.personal {
                Some(before) => before == personal,
                None => personal.is_empty(),
            },
            (Change::Personal(personal, _), None) => personal.is_empty(),
        };
        if unchanged {
            return;
        }
        let max_entries = usize::try_from(self.config.max_contacts).unwrap_or(usize::MAX);
        if !known && self.presences.by_account.len() >= max_entries {
            return self.limit_reached(Limit::Contacts, max_entries);
        }
        let shown = self.presences.by_account.entry(key(&account)).or_default();
        let account = account.into_owned();
        let before = if known { shown.weight() } else { 0 };
        let event = match change {
            Change::Object(object, weight) => {
                shown.object = object.clone();
                shown.object_weight = weight;
                NsEvent::ContactMsnObject { account, object }
            }
            Change::Personal(personal, weight) => {
                shown.personal = Some(personal.clone());
                shown.personal_weight = weight;
                NsEvent::ContactPersonalStatus {
                    account,
                    status: personal,
                }
            }
        };
        let after = shown.weight();
        self.presences.bytes = self.presences.bytes.saturating_sub(before).saturating_add(after);
        let max = self.config.max_presence_bytes;
        if self.presences.bytes > max {
            return self.limit_reached(Limit::PresenceBytes, max);
        }
        self.events.push_back(event);
    }
}

fn key(account: &Passport<'_>) -> String {
    account.as_str().to_ascii_lowercase()
}

/// An MSNObject percent-encoded into one `CHG` token [reference §3].
fn object_token(object: &MsnObject) -> Result<EncodedName<'static>, NsError> {
    EncodedName::try_from(object.to_percent_encoded()).map_err(|source| NsError::InvalidArgument {
        what: "MSNObject",
        source,
    })
}
