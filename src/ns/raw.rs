//! The raw escape hatch: [`NotificationClient::send_command`] for verbs the machine has
//! no typed call for, renumbered and tracked like its own requests.

use std::time::Instant;

use super::{NotificationClient, NsError};
use crate::codec::{ClientCommand, TrId};

impl NotificationClient {
    /// Sends any other command once signed in. A command with a TrID is renumbered with
    /// the machine's next TrID (returned) and tracked like the typed ones; its reply
    /// updates the model the same way, and replies the machine does not model come as
    /// [`NsEvent::Reply`](super::NsEvent::Reply). Verbs the machine sends itself (`VER`, `CVR`, `USR`, `INF`,
    /// `QRY`, `PNG`, `OUT`) and switchboard verbs (`MSG`, `CAL`, `ANS`) are refused.
    pub fn send_command(
        &mut self,
        now: Instant,
        command: &ClientCommand<'_>,
    ) -> Result<Option<TrId>, NsError> {
        self.touch(now);
        self.expect_logged_in("send_command")?;
        // `verb()` names typed and raw commands alike, so one list covers both.
        let managed = match command.verb() {
            "VER" | "CVR" | "USR" | "INF" | "QRY" | "PNG" | "OUT" | "MSG" | "CAL" | "ANS" => true,
            // A typed SYN is followed as a download, one at a time; a raw one cannot be.
            "SYN" => matches!(command, ClientCommand::Other(_)) || self.download.is_some(),
            _ => false,
        };
        if managed {
            return Err(NsError::ManagedVerb {
                verb: command.verb().to_owned(),
            });
        }
        if command.trid().is_none() {
            self.check_room()?;
            self.push_checked(command)?;
            return Ok(None);
        }
        let command = command.clone().into_owned();
        // Managed verbs were refused above, so every command here may take a new TrID.
        self.request(|trid| command.with_trid(trid)).map(Some)
    }
}
