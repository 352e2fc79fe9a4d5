//! Switchboard requests (reference §3): the user's `XFR T SB` and its answer, and the
//! server's invitations (`RNG`).

use std::time::Instant;

use super::{NotificationClient, NsError, NsEvent};
use crate::Secret;
use crate::codec::{ClientCommand, ServerCommand, TrId};

impl NotificationClient {
    /// Asks for a switchboard (`XFR T SB`); the answer is [`NsEvent::SwitchboardReady`]
    /// with the same TrID, or [`NsEvent::CommandFailed`] (913 while hidden or before the
    /// first [`set_status`](Self::set_status)).
    pub fn request_switchboard(&mut self, now: Instant) -> Result<TrId, NsError> {
        self.touch(now);
        self.expect_logged_in("request_switchboard")?;
        self.request(|trid| ClientCommand::XfrSb { trid })
    }

    pub(super) fn handle_switchboard(&mut self, command: ServerCommand<'_>) {
        use ServerCommand::*;
        match command {
            XfrSb { trid, addr, cookie } => {
                if !self.settle(trid, "XFR") {
                    return;
                }
                self.events.push_back(NsEvent::SwitchboardReady {
                    trid,
                    addr: addr.into_owned(),
                    cookie: Secret::new(cookie.into_inner().into_owned()),
                });
            }
            Rng {
                session,
                addr,
                cookie,
                account,
                name,
            } => self.events.push_back(NsEvent::SwitchboardInvite {
                session: session.into_owned(),
                addr: addr.into_owned(),
                cookie: Secret::new(cookie.into_inner().into_owned()),
                from: account.into_owned(),
                name: name.into_owned(),
            }),
            other => self.misplaced(&other),
        }
    }
}
