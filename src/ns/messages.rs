//! What the server says outside any request (reference §8): `MSG` from `Hotmail`
//! (the profile, e-mail notices, system messages), `NOT` alerts and `IPG` pages; and
//! the configuration files of MSNP11 (`GCF`), which it sends asked or not.

use std::time::Instant;

use super::{NotificationClient, NsError, NsEvent};
use crate::codec::{ClientCommand, Dialect, ServerCommand, Token, TrId};
use crate::msg::{Message, MessageKind};

/// The profile's content type: it carries `MSPAuth`, `sid`, `kv` and the like.
const PROFILE: &str = "text/x-msmsgsprofile";

/// The content type of MSNP11's mailbox summary.
const MAIL_DATA: &str = "text/x-msmsgsinitialmdatanotification";

impl NotificationClient {
    pub(super) fn handle_message(&mut self, command: ServerCommand<'_>) {
        use ServerCommand::*;
        let event = match command {
            Msg { payload, .. } if is_mail_data(&payload) => return,
            Msg { payload, .. } => server_message(&payload),
            Not { payload } => NsEvent::Notification {
                payload: payload.into_owned(),
            },
            Ipg { payload } => NsEvent::Page {
                payload: payload.into_owned(),
            },
            other => return self.misplaced(&other),
        };
        self.events.push_back(event);
    }

    /// Asks for a configuration file (`GCF T file`, MSNP11+; the official client asks
    /// for `Shields.xml`); [`NsEvent::ConfigFile`] brings it. Never sent by the machine
    /// itself: Escargot drops an MSNP10 connection that sends it and answers 715
    /// before `SYN` [reference §5.4], and no client needs the file.
    pub fn request_config(&mut self, now: Instant, file: &str) -> Result<TrId, NsError> {
        self.touch(now);
        self.expect_logged_in("request_config")?;
        let dialect = self.dialect.unwrap_or(Dialect::Msnp8);
        if dialect < Dialect::Msnp11 {
            return Err(NsError::NotInDialect {
                call: "request_config",
                dialect,
            });
        }
        let file = Token::try_from(file.to_owned()).map_err(|source| NsError::InvalidArgument {
            what: "file name",
            source,
        })?;
        self.request(|trid| ClientCommand::Gcf { trid, file })
    }

    /// `GCF T file n` + payload: the answer to [`request_config`](Self::request_config),
    /// or the server's own (TrID 0).
    pub(super) fn config_file(&mut self, trid: TrId, file: Token<'_>, payload: &[u8]) {
        if trid != TrId::ASYNC && !self.settle(trid, "GCF") {
            return;
        }
        self.events.push_back(NsEvent::ConfigFile {
            trid,
            file: file.into_owned(),
            payload: payload.to_vec(),
        });
    }
}

/// The mailbox summary an MSNP11+ server sends after the first `CHG`
/// (`text/x-msmsgsinitialmdatanotification`, a `Mail-Data: <MD>…</MD>` of offline
/// messages and mail counts): accepted and ignored, as the reference advises, since
/// the offline messages it announces are MSNP13's [ESC OBS; PECAN; reference §2.3].
fn is_mail_data(payload: &[u8]) -> bool {
    Message::parse(payload).is_ok_and(|m| m.has_content_type(MAIL_DATA))
}

/// Classifies an `MSG` from the server by its content type (reference §8). A payload
/// the `msg` module cannot read is passed on whole, unless it may be a profile: one
/// that is no MIME message at all, or a profile that does not parse (a `LoginTime` of
/// `soon`, say), comes with its payload withheld, since its `MSPAuth` would otherwise
/// leave the [`Secret`](crate::Secret) that a parsed profile keeps it in.
pub(super) fn server_message(payload: &[u8]) -> NsEvent {
    let withheld = |content_type: Option<&str>| NsEvent::ServerMessage {
        content_type: content_type.map(str::to_owned),
        payload: Vec::new(),
    };
    let Ok(message) = Message::parse(payload) else {
        return withheld(None);
    };
    match message.kind() {
        Ok(MessageKind::Profile(profile)) => NsEvent::Profile(profile.into_owned()),
        Ok(MessageKind::InitialEmail(mail)) => NsEvent::InitialEmail(mail.into_owned()),
        Ok(MessageKind::NewEmail(mail)) => NsEvent::NewEmail(mail.into_owned()),
        _ if message.content_type().is_none() || message.has_content_type(PROFILE) => {
            withheld(message.content_type())
        }
        _ => NsEvent::ServerMessage {
            content_type: message.content_type().map(str::to_owned),
            payload: payload.to_vec(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreadable_profile_is_withheld() {
        let payload = b"MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsprofile; charset=UTF-8\r\n\
LoginTime: soon\r\nMSPAuth: 7pTwPAsDa8e3wEcuSRcbLE8Hv9eyKgTQx9Yhj2sJ0a$$\r\n\r\n";
        let event = server_message(payload);
        assert_eq!(
            event,
            NsEvent::ServerMessage {
                content_type: Some(PROFILE.to_owned()),
                payload: Vec::new(),
            }
        );
        assert!(!format!("{event:?}").contains("7pTwPAsDa8e3"));
    }

    #[test]
    fn other_messages_pass_whole() {
        let payload = b"MIME-Version: 1.0\r\nContent-Type: text/x-msmsgssystemmessage\r\n\r\nType: 1\r\n";
        let NsEvent::ServerMessage { payload: kept, .. } = server_message(payload) else {
            panic!("not a server message");
        };
        assert_eq!(kept, payload);
    }
}
