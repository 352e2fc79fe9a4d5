//! What the notification machine's events become: flat [`ClientEvent`]s for the
//! caller, and the client's own moves (a referral followed, a switchboard opened, an
//! invitation answered by the [`InvitationPolicy`](super::InvitationPolicy)).

use super::{Client, ClientEvent, ClientOutput, Undelivered};
use crate::ns::{ListChange, NsEvent};
use crate::sb::SwitchboardClient;

impl Client {
    pub(super) fn on_ns_event(&mut self, event: NsEvent) {
        let event = match event {
            NsEvent::Redirect { addr } => {
                if let Some(old) = self.ns_conn.take() {
                    self.conns.remove(old);
                    self.outputs.push_back(ClientOutput::Close { conn: old });
                }
                self.connect_notification(addr);
                return;
            }
            NsEvent::PassportRequired { challenge } => {
                let next = self.passport.start(self.now, challenge, self.account.as_str());
                self.passport_next(next);
                return;
            }
            NsEvent::LoggedIn {
                account,
                name,
                dialect,
                ..
            } => {
                self.emit(ClientEvent::LoggedIn {
                    account,
                    name,
                    dialect,
                });
                if self.config.sync_lists {
                    // Right after login nothing is pending, so this cannot be refused.
                    let _ = self.ns.sync_lists(self.now);
                } else {
                    self.set_initial_status();
                }
                return;
            }
            NsEvent::ListSynced {
                contacts,
                groups,
                from_cache,
                ..
            } => {
                // MSNP10+ servers name the user in the download (`PRP MFN`), not at login.
                let name = self
                    .ns
                    .friendly_name()
                    .filter(|name| self.shown_name.as_ref() != Some(*name));
                if let Some(name) = name.cloned() {
                    self.emit(ClientEvent::NameChanged { name });
                }
                self.emit(ClientEvent::ListSynced {
                    contacts,
                    groups,
                    from_cache,
                });
                self.set_initial_status();
                return;
            }
            NsEvent::SwitchboardReady { trid, addr, cookie } => match self.pending.remove(&trid) {
                Some(pending) => {
                    self.open_switchboard(addr, cookie, pending);
                    return;
                }
                None => other("a switchboard was offered for no request"),
            },
            NsEvent::SwitchboardInvite {
                session,
                addr,
                cookie,
                from,
                name: _,
            } => {
                if self.accepts_invitation_from(&from)
                    && self.switchboard_count() < self.config.max_switchboards
                {
                    let machine = SwitchboardClient::answer(
                        self.switchboard_config(),
                        self.account.clone(),
                        session,
                        cookie,
                        self.now,
                    );
                    let (_, conversation) = self.add_switchboard(machine, addr, None);
                    ClientEvent::ConversationStarted {
                        conversation,
                        invited_by: Some(from),
                    }
                } else {
                    ClientEvent::ConversationDeclined { from, session }
                }
            }
            NsEvent::CommandFailed { trid, request, code } => match self.pending.remove(&trid) {
                Some(pending) => {
                    for (handle, _) in pending.texts {
                        self.fail_message(handle, Undelivered::NoSwitchboard(code));
                    }
                    return;
                }
                None => ClientEvent::CommandFailed {
                    conversation: None,
                    trid: Some(trid),
                    request: Some(request.verb().to_owned()),
                    code,
                },
            },
            NsEvent::Closed { reason } => {
                self.close_session(reason);
                return;
            }
            NsEvent::ListChanged { change, .. } => self.list_change(change),
            NsEvent::AddedBy { account, name, .. } => ClientEvent::AddedBy { account, name },
            NsEvent::RemovedBy { account, .. } => ClientEvent::RemovedBy { account },
            NsEvent::StatusChanged { status, .. } => ClientEvent::StatusChanged { status },
            NsEvent::ContactPresence {
                account,
                status,
                name,
                ..
            } => ClientEvent::ContactPresence {
                account,
                name,
                status,
            },
            NsEvent::ContactOffline { account } => ClientEvent::ContactOffline { account },
            NsEvent::InitialEmail(mail) => ClientEvent::UnreadMail {
                inbox: mail.inbox_unread,
                folders: mail.folders_unread,
            },
            NsEvent::NewEmail(mail) => ClientEvent::NewMail {
                from: mail.from.map(|s| s.into_owned()),
                address: mail.from_addr.map(|s| s.into_owned()),
                subject: mail.subject.map(|s| s.into_owned()),
            },
            NsEvent::ServerError { code, trid } => ClientEvent::CommandFailed {
                conversation: None,
                trid,
                request: None,
                code,
            },
            NsEvent::Skipped { error } => ClientEvent::Skipped {
                conversation: None,
                error,
            },
            // The rest is described, never quoted: a profile holds `MSPAuth`, and raw
            // payloads may hold whatever the server put there.
            NsEvent::Profile(_) => other("the server sent the account's profile"),
            NsEvent::ServerMessage { content_type, .. } => other(&format!(
                "the server sent a message of type {}",
                content_type.as_deref().unwrap_or("unknown")
            )),
            NsEvent::Notification { payload } => {
                other(&format!("an MSN Alerts notification of {} bytes", payload.len()))
            }
            NsEvent::Page { payload } => other(&format!("a page of {} bytes", payload.len())),
            NsEvent::Reply { trid, reply } => {
                other(&format!("a `{}` reply to request {}", reply.verb(), trid.0))
            }
            NsEvent::ContactMsnObject { account, object } => {
                ClientEvent::ContactDisplayPicture { account, object }
            }
            NsEvent::ContactPersonalStatus { account, status } => ClientEvent::ContactPersonalMessage {
                account,
                message: status.message,
                media: status.media,
            },
            NsEvent::PersonalStatusSet { status, .. } => ClientEvent::PersonalMessageChanged {
                message: status.message,
                media: status.media,
            },
            NsEvent::ConfigFile { file, payload, .. } => other(&format!(
                "the configuration file `{file}` of {} bytes",
                payload.len()
            )),
            NsEvent::Unknown(raw) => other(&format!(
                "a command of unknown verb `{}`",
                String::from_utf8_lossy(raw.verb())
            )),
        };
        self.emit(event);
    }

    /// The flat event for a list change the server confirmed.
    fn list_change(&self, change: ListChange) -> ClientEvent {
        match change {
            ListChange::Added {
                list,
                account,
                name,
                group,
            } => ClientEvent::ContactAdded {
                account,
                name,
                list,
                group,
            },
            ListChange::Removed { list, account, group } => {
                ClientEvent::ContactRemoved { account, list, group }
            }
            ListChange::Renamed { account, name } if account.same_account(&self.account) => {
                ClientEvent::NameChanged { name }
            }
            ListChange::Renamed { account, name } => ClientEvent::ContactRenamed { account, name },
            ListChange::GroupAdded { group, name } => ClientEvent::GroupAdded { group, name },
            ListChange::GroupRemoved { group } => ClientEvent::GroupRemoved { group },
            ListChange::GroupRenamed { group, name } => ClientEvent::GroupRenamed { group, name },
            ListChange::AddPrompt(prompt) => ClientEvent::AddPromptChanged { prompt },
            ListChange::Privacy(privacy) => ClientEvent::PrivacyChanged { privacy },
            ListChange::OwnPhone { phone, value } => ClientEvent::PhoneChanged { phone, value },
            ListChange::ContactPhone {
                account,
                phone,
                value,
            } => ClientEvent::ContactPhoneChanged {
                account,
                phone,
                value,
            },
            // MSNP10+: the user's own name, in the list download or after a change.
            ListChange::OwnProperty {
                property,
                value: Some(name),
            } if property.as_str() == "MFN" => ClientEvent::NameChanged { name },
            // Not kept by the machine either: reported for completeness, by code only.
            ListChange::OwnProperty { property, .. } => other(&format!("the user's property `{property}`")),
            ListChange::ContactProperty {
                account, property, ..
            } => other(&format!("property `{property}` of {account}")),
        }
    }
}

/// A [`ClientEvent::Other`] from the notification server.
fn other(description: &str) -> ClientEvent {
    ClientEvent::Other {
        conversation: None,
        description: description.to_owned(),
    }
}
