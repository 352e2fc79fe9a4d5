//! The MSNP10+ contact model on the notification server: `SYN` with timestamps and
//! GUIDs, `ADC`/`REM` by contact id, `ADG`/`RMG`/`REG` by group id, `SBP`, `PRP MFN`
//! (reference §4).
//!
//! The directory keeps one model for every dialect: MSNP8's numbered groups, with group
//! 0 ("Other Contacts") standing for MSNP10's "no group", since MSNP10 has no such group
//! and contacts first added are groupless [NINA MSNP11/Changes]. A contact's id is its
//! account's GUID, as Escargot names contacts by their user's id; so an MSNP8 and an
//! MSNP12 session of the same account see the same lists.

use super::Server;
use super::connection::ConnId;
use super::event::CloseReason;
use super::passport::TicketVerifier;
use crate::codec::{
    Dialect, EncodedName, GroupId, Guid, GuidList, List, Passport, RawCommand, ServerCommand, SynCounts,
    Token, TrId,
};

/// Escargot's fixed list and settings versions: it always sends the whole list
/// (reference §4.1 OBS).
const SYN_EPOCH: &str = "2000-01-01T00:00:00.0-00:00";

/// The network id of MSN contacts in MSNP12's `LST` [YW msnp12].
const NETWORK_MSN: u32 = 1;

impl<V: TicketVerifier> Server<V> {
    /// `SYN` (MSNP10+): always the whole list, as Escargot answers: `SYN T stamp stamp
    /// contacts groups`, `GTC`, `BLP`, `PRP MFN` (the own name, gone from `USR OK`),
    /// the phones, `LSG name guid`, then `LST N= F= C= lists [network] [groups]` with
    /// each forward contact's `BPR` lines after it [NINA MSNP11/Changes; ESC OBS].
    pub(super) fn syn_guid(&mut self, conn: ConnId, me: &str, trid: TrId) {
        let dialect = self.dialect_of(conn);
        let Some(acc) = self.directory.account(me) else {
            return;
        };
        let stamp = || Token::try_from(SYN_EPOCH).expect("constant token");
        let groups: Vec<(EncodedName<'static>, Guid<'static>)> = acc
            .groups()
            .filter(|(id, _)| id.0 != 0)
            .filter_map(|(id, name)| Some((name.clone(), acc.group_guid(id)?.clone())))
            .collect();
        let mut lines = vec![
            ServerCommand::SynStamps {
                trid,
                list_stamp: stamp(),
                settings_stamp: stamp(),
                counts: Some(SynCounts {
                    contacts: u32::try_from(acc.contacts().count()).unwrap_or(u32::MAX),
                    groups: u32::try_from(groups.len()).unwrap_or(u32::MAX),
                }),
            },
            ServerCommand::Gtc {
                stamp: None,
                prompt: acc.prompt(),
            },
            ServerCommand::Blp {
                stamp: None,
                privacy: acc.privacy(),
            },
            ServerCommand::Prp {
                stamp: None,
                property: Token::try_from("MFN").expect("constant token"),
                value: Some(acc.name().clone()),
            },
        ];
        for (property, value) in acc.phones() {
            lines.push(ServerCommand::Prp {
                stamp: None,
                property: Token::try_from(property.to_owned()).expect("properties are tokens"),
                value: Some(value.clone()),
            });
        }
        for (name, group) in groups {
            lines.push(ServerCommand::LsgGuid { name, group });
        }
        for contact in acc.contacts() {
            let on_fl = contact.lists().contains(List::Forward);
            let other = self.directory.account(contact.account().as_str());
            let group_ids: Vec<&Guid<'static>> = contact
                .groups()
                .filter(|g| g.0 != 0)
                .filter_map(|g| acc.group_guid(g))
                .collect();
            lines.push(ServerCommand::LstGuid {
                account: contact.account().clone(),
                name: Some(contact.name().clone()),
                // `C=` is for forward-list members only [NINA Commands/LST].
                contact: on_fl.then(|| other.map(|o| o.guid().clone())).flatten(),
                lists: contact.lists(),
                network: (dialect >= Dialect::Msnp12).then_some(NETWORK_MSN),
                groups: (on_fl && !group_ids.is_empty())
                    .then(|| GuidList::from_guids(group_ids).ok())
                    .flatten(),
            });
            if on_fl && let Some(other) = other {
                for (property, value) in other.phones() {
                    lines.push(ServerCommand::Bpr {
                        stamp: None,
                        property: Token::try_from(property.to_owned()).expect("properties are tokens"),
                        value: Some(value.clone()),
                    });
                }
            }
        }
        for line in &lines {
            if !self.send(conn, line) {
                return;
            }
        }
    }

    /// `ADC`: `FL N= [F=]` adds a contact (groupless) and answers with its `C=`; `FL C=
    /// group` puts a forward contact in a group; `AL`/`BL N=` add by handle. `RL` and
    /// `PL` close the connection, as Escargot does (reference §4.2).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn adc(
        &mut self,
        conn: ConnId,
        me: &str,
        trid: TrId,
        list: List,
        account: Option<Passport<'_>>,
        name: Option<EncodedName<'_>>,
        contact: Option<Guid<'_>>,
        group: Option<Guid<'_>>,
    ) {
        match (list, account, contact, group) {
            (List::Reverse | List::Pending, ..) => {
                self.close(conn, CloseReason::UnexpectedCommand { verb: "ADC".into() });
            }
            (List::Forward, Some(account), None, None) => {
                let result =
                    self.directory
                        .add_to_list(me, List::Forward, account.as_str(), name.as_ref(), None);
                let id = self.directory.account(account.as_str()).map(|a| a.guid().clone());
                self.list_edit(conn, me, trid, List::Forward, &account, true, result, |_| {
                    ServerCommand::Adc {
                        trid,
                        list: List::Forward,
                        account: Some(account.clone()),
                        name: name.clone(),
                        contact: id,
                        group: None,
                    }
                });
            }
            (List::Forward, None, Some(contact), Some(group)) => {
                self.adc_to_group(conn, me, trid, contact, group)
            }
            (List::Allow | List::Block, Some(account), None, None) => {
                let result = self.directory.add_to_list(me, list, account.as_str(), None, None);
                self.list_edit(conn, me, trid, list, &account, true, result, |_| {
                    ServerCommand::Adc {
                        trid,
                        list,
                        account: Some(account.clone()),
                        name: None,
                        contact: None,
                        group: None,
                    }
                });
            }
            _ => self.send_error(conn, 201, Some(trid)),
        }
    }

    /// `ADC T FL C=contact group`: the contact leaves "no group" (group 0) for `group`.
    fn adc_to_group(&mut self, conn: ConnId, me: &str, trid: TrId, contact: Guid<'_>, group: Guid<'_>) {
        let Some(handle) = self.forward_contact(me, &contact) else {
            return self.send_error(conn, 216, Some(trid));
        };
        let Some(id) = self.group_id(me, &group) else {
            return self.send_error(conn, 224, Some(trid));
        };
        match self
            .directory
            .add_to_list(me, List::Forward, handle.as_str(), None, Some(id))
        {
            Ok(_) => {
                if self.in_group(me, handle.as_str(), GroupId(0)) {
                    let _ =
                        self.directory
                            .remove_from_list(me, List::Forward, handle.as_str(), Some(GroupId(0)));
                }
                self.send(
                    conn,
                    &ServerCommand::Adc {
                        trid,
                        list: List::Forward,
                        account: None,
                        name: None,
                        contact: Some(contact),
                        group: Some(group),
                    },
                );
            }
            Err(error) => self.send_error(conn, error.code().0, Some(trid)),
        }
    }

    /// `REM T FL contact [group]`: off the forward list, or out of one group; a contact
    /// taken out of its last group stays on the list, groupless.
    pub(super) fn rem_guid(
        &mut self,
        conn: ConnId,
        me: &str,
        trid: TrId,
        contact: &Guid<'_>,
        group: Option<Guid<'_>>,
    ) {
        let Some(handle) = self.forward_contact(me, contact) else {
            return self.send_error(conn, 216, Some(trid));
        };
        let Some(group) = group else {
            let result = self
                .directory
                .remove_from_list(me, List::Forward, handle.as_str(), None);
            return self.list_edit(conn, me, trid, List::Forward, &handle, false, result, |_| {
                ServerCommand::RemGuid {
                    trid,
                    contact: contact.clone(),
                    group: None,
                }
            });
        };
        let Some(id) = self.group_id(me, &group) else {
            return self.send_error(conn, 224, Some(trid));
        };
        if !self.in_group(me, handle.as_str(), id) {
            return self.send_error(conn, 225, Some(trid));
        }
        // Back to "no group" first, so leaving the last group is not leaving the list.
        if self.groups_of(me, handle.as_str()) == 1 {
            let _ = self
                .directory
                .add_to_list(me, List::Forward, handle.as_str(), None, Some(GroupId(0)));
        }
        match self
            .directory
            .remove_from_list(me, List::Forward, handle.as_str(), Some(id))
        {
            Ok(_) => {
                self.send(
                    conn,
                    &ServerCommand::RemGuid {
                        trid,
                        contact: contact.clone(),
                        group: Some(group),
                    },
                );
            }
            Err(error) => self.send_error(conn, error.code().0, Some(trid)),
        }
    }

    /// `ADG T name` → `ADG T name guid` (Escargot: `… guid 0`).
    pub(super) fn adg_guid(&mut self, conn: ConnId, me: &str, trid: TrId, name: EncodedName<'_>) {
        let added = self
            .directory
            .add_group(me, &name)
            .map(|(_, id)| self.directory.account(me).and_then(|a| a.group_guid(id)).cloned());
        match added {
            Ok(Some(group)) if self.config.escargot_quirks => {
                self.send_raw(conn, format!("ADG {trid} {} {} 0", name.as_str(), group.as_str()));
            }
            Ok(Some(group)) => {
                self.send(conn, &ServerCommand::AdgGuid { trid, name, group });
            }
            Ok(None) => {}
            Err(error) => self.send_error(conn, error.code().0, Some(trid)),
        }
    }

    /// `RMG T guid` → `RMG T guid` (Escargot: `RMG T 1 guid`); the group's contacts
    /// left in no group become groupless.
    pub(super) fn rmg_guid(&mut self, conn: ConnId, me: &str, trid: TrId, group: Guid<'_>) {
        let Some(id) = self.group_id(me, &group) else {
            return self.send_error(conn, 224, Some(trid));
        };
        match self.directory.remove_group(me, id) {
            Ok(_) if self.config.escargot_quirks => {
                self.send_raw(conn, format!("RMG {trid} 1 {}", group.as_str()));
            }
            Ok(_) => {
                self.send(conn, &ServerCommand::RmgGuid { trid, group });
            }
            Err(error) => self.send_error(conn, error.code().0, Some(trid)),
        }
    }

    /// `REG T guid name` → `REG T guid name` (Escargot: `REG T 1 name guid 0`).
    pub(super) fn reg_guid(
        &mut self,
        conn: ConnId,
        me: &str,
        trid: TrId,
        group: Guid<'_>,
        name: EncodedName<'_>,
    ) {
        let Some(id) = self.group_id(me, &group) else {
            return self.send_error(conn, 224, Some(trid));
        };
        match self.directory.rename_group(me, id, &name) {
            Ok(_) if self.config.escargot_quirks => {
                self.send_raw(
                    conn,
                    format!("REG {trid} 1 {} {} 0", name.as_str(), group.as_str()),
                );
            }
            Ok(_) => {
                self.send(conn, &ServerCommand::RegGuid { trid, group, name });
            }
            Err(error) => self.send_error(conn, error.code().0, Some(trid)),
        }
    }

    /// `SBP T contact property value`: echoed; `MFN` renames the contact as stored
    /// (MSNP10's `REA` for others) [NINA Commands/SBP; ESC OBS].
    pub(super) fn sbp(
        &mut self,
        conn: ConnId,
        me: &str,
        trid: TrId,
        contact: Guid<'_>,
        property: Token<'_>,
        value: EncodedName<'_>,
    ) {
        let Some(handle) = self.forward_contact(me, &contact) else {
            return self.send_error(conn, 216, Some(trid));
        };
        if property.as_str() == "MFN"
            && let Err(error) = self.directory.rename(me, handle.as_str(), &value)
        {
            return self.send_error(conn, error.code().0, Some(trid));
        }
        self.send(
            conn,
            &ServerCommand::Sbp {
                trid,
                contact,
                property,
                value,
            },
        );
    }

    /// `PRP T MFN name` (MSNP10+): the own name, echoed and announced through `NLN`
    /// as MSNP8's `REA` of the own handle was [YW msnp10, rea.md].
    pub(super) fn prp_mfn(&mut self, conn: ConnId, me: &str, trid: TrId, name: EncodedName<'_>) {
        let before = self.watchers_seeing(me);
        match self.directory.rename(me, me, &name) {
            Ok(_) => {
                self.send(
                    conn,
                    &ServerCommand::PrpReply {
                        trid,
                        property: Token::try_from("MFN").expect("constant token"),
                        value: Some(name),
                    },
                );
                self.announce(me, &before, true);
            }
            Err(error) => self.send_error(conn, error.code().0, Some(trid)),
        }
    }

    /// The handle of `me`'s forward-list contact with id `contact`.
    fn forward_contact(&self, me: &str, contact: &Guid<'_>) -> Option<Passport<'static>> {
        let handle = self.directory.account_by_guid(contact)?.account().clone();
        self.directory
            .account(me)?
            .has_on(List::Forward, handle.as_str())
            .then_some(handle)
    }

    /// `me`'s group with id `group`; group 0 stands for "no group" and has no id here.
    fn group_id(&self, me: &str, group: &Guid<'_>) -> Option<GroupId> {
        self.directory
            .account(me)?
            .group_by_guid(group)
            .filter(|id| id.0 != 0)
    }

    /// How many real groups (not group 0) `contact` is in.
    fn groups_of(&self, me: &str, contact: &str) -> usize {
        self.directory
            .account(me)
            .and_then(|a| a.contact(contact))
            .map_or(0, |c| c.groups().filter(|g| g.0 != 0).count())
    }

    fn in_group(&self, me: &str, contact: &str, group: GroupId) -> bool {
        self.directory
            .account(me)
            .and_then(|a| a.contact(contact))
            .is_some_and(|c| c.groups().any(|g| g == group))
    }

    /// Queues a line the codec has no variant for (Escargot's reply shapes).
    fn send_raw(&mut self, conn: ConnId, line: String) {
        if let Ok(raw) = RawCommand::new(line.into_bytes(), None) {
            self.send(conn, &ServerCommand::Other(raw));
        }
    }
}
