//! Presence (reference §5): the user's status (`CHG`) and the contacts' (`ILN`, `NLN`,
//! `FLN`).

use std::time::Instant;

use super::{NotificationClient, NsError, NsEvent};
use crate::codec::{ClientCaps, ClientCommand, FriendlyName, Passport, ServerCommand, Status, TrId};

impl NotificationClient {
    // ----- Mutators: presence -----

    /// Sets the user's status (`CHG`, with the configured capability bits). The first
    /// call makes the user visible and brings the contacts' presence (`ILN`). Offline is
    /// not a status one can set (servers answer 201): use [`Status::Hidden`] or
    /// [`logout`](Self::logout).
    pub fn set_status(&mut self, now: Instant, status: Status) -> Result<TrId, NsError> {
        self.touch(now);
        self.expect_logged_in("set_status")?;
        if status == Status::Offline {
            return Err(NsError::Forbidden("FLN cannot be set; use HDN or logout"));
        }
        let caps = Some(self.config.caps);
        self.request(|trid| ClientCommand::Chg {
            trid,
            status,
            caps,
            msn_object: None,
        })
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
                ..
            }
            | Nln {
                status,
                account,
                name,
                caps,
                ..
            } => self.presence(account, status, name, caps),
            Fln { account } => {
                self.contacts.set_presence(&account, Status::Offline, None, None);
                if let Some(d) = &mut self.download {
                    d.list.set_presence(&account, Status::Offline, None, None);
                }
                self.events.push_back(NsEvent::ContactOffline {
                    account: account.into_owned(),
                });
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
            account: account.into_owned(),
            status,
            name: name.into_owned(),
            caps,
        });
    }
}
