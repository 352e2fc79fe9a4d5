//! What the server says outside any request (reference §8): `MSG` from `Hotmail`
//! (the profile, e-mail notices, system messages), `NOT` alerts and `IPG` pages.

use super::{NotificationClient, NsEvent};
use crate::codec::ServerCommand;
use crate::msg::{Message, MessageKind};

/// The profile's content type: it carries `MSPAuth`, `sid`, `kv` and the like.
const PROFILE: &str = "text/x-msmsgsprofile";

impl NotificationClient {
    pub(super) fn handle_message(&mut self, command: ServerCommand<'_>) {
        use ServerCommand::*;
        let event = match command {
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
