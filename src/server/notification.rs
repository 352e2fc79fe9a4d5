//! The notification server after sign-in: `SYN`, presence (`CHG` → `ILN`/`NLN`/`FLN`),
//! list and group edits, `CHL`/`QRY`, `XFR SB`.

use std::collections::BTreeSet;
use std::time::Instant;

use super::Server;
use super::connection::{ConnId, NsSession, State, line_trid};
use super::directory::{CookieGrant, CookiePurpose, ListError, key};
use super::event::CloseReason;
use super::passport::TicketVerifier;
use crate::Secret;
use crate::challenge::Product;
use crate::codec::{
    ClientCaps, ClientCommand, Dialect, EncodedName, GroupList, List, ListStamp, Passport, ServerCommand,
    Status, SynCounts, Token, TrId,
};

/// The products whose `QRY` answers are accepted for MSNP8 (reference §4).
const PRODUCTS: &[Product] = &[Product::MSMSGS, Product::PROD0038];

/// The `QNG` interval told to MSNP9+ clients: Escargot's [reference §3 OBS].
const PING_INTERVAL_SECS: u32 = 60;

/// What an MSNP9+ watcher is shown for a contact without a display picture: Escargot
/// always sends an object, this empty one (reference §3 OBS).
const NO_MSN_OBJECT: &str = "%3Cmsnobj%2F%3E";

impl<V: TicketVerifier> Server<V> {
    /// A command on a dispatch or notification connection.
    pub(super) fn notification_command(&mut self, conn: ConnId, now: Instant, command: ClientCommand<'_>) {
        let Some(c) = self.conns.get(&conn) else { return };
        let session = match &c.state {
            State::SignedIn(session) => session.clone(),
            State::Handshake(_) => return self.handshake_command(conn, now, command),
            _ => return,
        };
        let me = session.account.as_str();
        let v10 = self.dialect_of(conn) >= Dialect::Msnp10;
        use ClientCommand as C;
        match command {
            // MSNP10+: the GUID contact model (guid_lists.rs).
            C::Syn { trid, .. } | C::SynStamps { trid, .. } if v10 => self.syn_guid(conn, me, trid),
            C::Adc {
                trid,
                list,
                account,
                name,
                contact,
                group,
            } => self.adc(conn, me, trid, list, account, name, contact, group),
            C::RemGuid { trid, contact, group } => self.rem_guid(conn, me, trid, &contact, group),
            C::RemHandle { trid, list, account } => {
                let result = self.directory.remove_from_list(me, list, account.as_str(), None);
                self.list_edit(conn, me, trid, list, &account, false, result, |_| {
                    ServerCommand::RemHandle {
                        trid,
                        list,
                        account: account.clone(),
                    }
                });
            }
            C::AdgName { trid, name } => self.adg_guid(conn, me, trid, name),
            C::RmgGuid { trid, group } => self.rmg_guid(conn, me, trid, group),
            C::RegGuid { trid, group, name } => self.reg_guid(conn, me, trid, group, name),
            C::Sbp {
                trid,
                contact,
                property,
                value,
            } => self.sbp(conn, me, trid, contact, property, value),
            C::Prp {
                trid,
                property,
                value: Some(name),
            } if v10 && property.as_str() == "MFN" => self.prp_mfn(conn, me, trid, name),
            C::Uux { trid, payload } => self.uux(conn, me, trid, &payload),
            C::Gcf { trid, file } => self.gcf(conn, trid, file),
            // MSNP8's list verbs in MSNP10+: Escargot hangs up on ADD and answers REA
            // with 502 (reference §4.2); the numbered group verbs get 502 as well.
            C::Add { .. } if v10 => self.close(conn, CloseReason::UnexpectedCommand { verb: "ADD".into() }),
            C::Rea { trid, .. }
            | C::Rem { trid, .. }
            | C::Adg { trid, .. }
            | C::Rmg { trid, .. }
            | C::Reg { trid, .. }
                if v10 =>
            {
                self.send_error(conn, 502, Some(trid));
            }
            C::Syn { trid, version } => self.syn(conn, me, trid, version),
            C::Chg {
                trid,
                status,
                caps,
                msn_object,
            } => self.chg(conn, now, &session, trid, status, caps, msn_object),
            C::Add {
                trid,
                list,
                account,
                name,
                group,
            } => {
                let result = self
                    .directory
                    .add_to_list(me, list, account.as_str(), Some(&name), group);
                self.list_edit(conn, me, trid, list, &account, true, result, |version| {
                    ServerCommand::Add {
                        trid,
                        list,
                        version,
                        account: account.clone(),
                        name: name.clone(),
                        group: (list == List::Forward).then_some(group.unwrap_or_default()),
                    }
                });
            }
            C::Rem {
                trid,
                list,
                account,
                group,
            } => {
                let result = self.directory.remove_from_list(me, list, account.as_str(), group);
                self.list_edit(conn, me, trid, list, &account, false, result, |version| {
                    ServerCommand::Rem {
                        trid,
                        list,
                        version,
                        account: account.clone(),
                        group,
                    }
                });
            }
            C::Rea { trid, account, name } => {
                let own = key(account.as_str()) == me;
                let before = self.watchers_seeing(me);
                match self.directory.rename(me, account.as_str(), &name) {
                    Ok(version) => {
                        self.send(
                            conn,
                            &ServerCommand::Rea {
                                trid,
                                version,
                                account,
                                name,
                            },
                        );
                        if own {
                            // A new own name is announced through NLN [YW rea.md].
                            self.announce(me, &before, true);
                        }
                    }
                    Err(error) => self.send_error(conn, error.code().0, Some(trid)),
                }
            }
            C::Adg { trid, name } => match self.directory.add_group(me, &name) {
                Ok((version, group)) => {
                    self.send(
                        conn,
                        &ServerCommand::Adg {
                            trid,
                            version,
                            name,
                            group,
                        },
                    );
                }
                Err(error) => self.send_error(conn, error.code().0, Some(trid)),
            },
            C::Rmg { trid, group } => match self.directory.remove_group(me, group) {
                Ok(version) => {
                    self.send(conn, &ServerCommand::Rmg { trid, version, group });
                }
                Err(error) => self.send_error(conn, error.code().0, Some(trid)),
            },
            C::Reg { trid, group, name } => match self.directory.rename_group(me, group, &name) {
                Ok(version) => {
                    self.send(
                        conn,
                        &ServerCommand::Reg {
                            trid,
                            version,
                            group,
                            name,
                        },
                    );
                }
                Err(error) => self.send_error(conn, error.code().0, Some(trid)),
            },
            C::Gtc { trid, prompt } => match self.directory.set_prompt(me, prompt) {
                Ok(version) => {
                    // MSNP10 dropped list versions from every reply [YW msnp10].
                    let reply = if v10 {
                        ServerCommand::GtcReply { trid, prompt }
                    } else {
                        ServerCommand::Gtc {
                            stamp: Some(ListStamp { trid, version }),
                            prompt,
                        }
                    };
                    self.send(conn, &reply);
                }
                Err(error) => self.send_error(conn, error.code().0, Some(trid)),
            },
            C::Blp { trid, privacy } => {
                let before = self.watchers_seeing(me);
                match self.directory.set_privacy(me, privacy) {
                    Ok(version) => {
                        let reply = if v10 {
                            ServerCommand::BlpReply { trid, privacy }
                        } else {
                            ServerCommand::Blp {
                                stamp: Some(ListStamp { trid, version }),
                                privacy,
                            }
                        };
                        self.send(conn, &reply);
                        self.announce(me, &before, false);
                    }
                    Err(error) => self.send_error(conn, error.code().0, Some(trid)),
                }
            }
            C::Prp {
                trid,
                property,
                value,
            } => match self.directory.set_phone(me, property.as_str(), value.as_ref()) {
                Ok(version) => {
                    let reply = if v10 {
                        ServerCommand::PrpReply {
                            trid,
                            property,
                            value,
                        }
                    } else {
                        ServerCommand::Prp {
                            stamp: Some(ListStamp { trid, version }),
                            property,
                            value,
                        }
                    };
                    self.send(conn, &reply);
                }
                Err(error) => self.send_error(conn, error.code().0, Some(trid)),
            },
            C::Qry {
                trid,
                product_id,
                response,
            } => self.qry(conn, trid, &session, product_id.as_str(), response.as_str()),
            C::XfrSb { trid } => self.xfr_sb(conn, now, me, trid),
            C::Url { trid, .. } => {
                let redirect = Token::try_from("/cgi-bin/HoTMaiL").expect("constant token");
                let login_url = Token::try_from("https://loginnet.passport.com/ppsecure/md5auth.srf?lc=1033")
                    .expect("constant token");
                self.send(
                    conn,
                    &ServerCommand::Url {
                        trid,
                        redirect,
                        login_url,
                        site_id: Some(Token::try_from("2").expect("constant token")),
                    },
                );
            }
            C::Png => self.pong(conn),
            C::Out => self.close(conn, CloseReason::SignedOut),
            C::UsrTwnInitial { trid, .. }
            | C::UsrTwnTicket { trid, .. }
            | C::UsrMd5Initial { trid, .. }
            | C::UsrMd5Hash { trid, .. }
            | C::UsrSwitchboard { trid, .. } => self.send_error(conn, 207, Some(trid)),
            C::Ver { trid, .. } => self.second_ver(conn, trid),
            C::Cvr { trid, .. } | C::Cal { trid, .. } | C::Ans { trid, .. } => {
                self.send_error(conn, 715, Some(trid));
            }
            // Messaging the notification server, or INF, ends the connection [YW msg.md, msnp8.md].
            C::Msg { .. } | C::Inf { .. } => self.close(
                conn,
                CloseReason::UnexpectedCommand {
                    verb: command.verb().to_owned(),
                },
            ),
            // ADC before MSNP10 (where it stays untyped): Escargot hangs up (reference §4.2).
            C::Other(raw) if raw.verb() == b"ADC" => {
                self.close(conn, CloseReason::UnexpectedCommand { verb: "ADC".into() });
            }
            other => {
                let trid = other.trid().or_else(|| match &other {
                    C::Other(raw) => line_trid(raw.line()),
                    _ => None,
                });
                self.send_error(conn, 200, trid);
            }
        }
    }

    /// `PNG`: `QNG 60` from MSNP9, the seconds until the next ping is due, as Escargot
    /// answers (reference §3); a bare `QNG` to MSNP8.
    pub(super) fn pong(&mut self, conn: ConnId) {
        let seconds = (self.dialect_of(conn) >= Dialect::Msnp9).then_some(PING_INTERVAL_SECS);
        self.send(conn, &ServerCommand::Qng { seconds });
    }

    /// Replies to an `ADD`/`REM`, then tells the contact about its reverse list and
    /// updates presence: `ILN` for a contact just put on FL, `NLN`/`FLN` for the
    /// contacts whose view of the user AL/BL changed.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn list_edit<'a>(
        &mut self,
        conn: ConnId,
        me: &str,
        trid: TrId,
        list: List,
        account: &Passport<'_>,
        adding: bool,
        result: Result<super::directory::ListChange, ListError>,
        reply: impl FnOnce(u32) -> ServerCommand<'a>,
    ) {
        let v10 = self.dialect_of(conn) >= Dialect::Msnp10;
        let change = match result {
            Ok(change) => change,
            Err(ListError::ReverseList) => {
                // Only the server edits RL: a client that tries is dropped [YW add.md].
                let verb = match (adding, v10) {
                    (true, true) => "ADC",
                    (true, false) => "ADD",
                    (false, _) => "REM",
                };
                self.close(conn, CloseReason::UnexpectedCommand { verb: verb.into() });
                return;
            }
            // MSNP10+ says 208 for an unknown account where MSNP8 said 205 [ESC
            // `Err.GetCodeForException`].
            Err(ListError::NoSuchAccount) if v10 => return self.send_error(conn, 208, Some(trid)),
            Err(error) => return self.send_error(conn, error.code().0, Some(trid)),
        };
        self.send(conn, &reply(change.version));
        if let Some(version) = change.reverse {
            self.notify_reverse_list(me, account.as_str(), version, adding);
        }
        match list {
            List::Forward if adding && self.sees(me, account.as_str()) => {
                self.send_presence(conn, account.as_str(), Some(trid));
            }
            List::Allow | List::Block => {
                // `before` is rebuilt from the new state with the edit undone in logic:
                // a watcher that sees the user now but did not (or the reverse) is told.
                let before = self.watchers_seeing_with(me, account.as_str(), list, !adding);
                self.announce(me, &before, false);
            }
            _ => {}
        }
    }

    /// `ADD 0 RL ver user name` / `REM 0 RL ver user` to the contact, if signed in; to
    /// an MSNP10+ contact `ADC 0 RL N=user F=name` / `REM 0 RL user`, without versions
    /// [SDK event_matcher; ESC]. Each side gets its own dialect's form.
    fn notify_reverse_list(&mut self, me: &str, contact: &str, version: u32, adding: bool) {
        let Some(me_acc) = self.directory.account(me) else {
            return;
        };
        let (handle, name) = (me_acc.account().clone(), me_acc.name().clone());
        let Some(target) = self.directory.account(contact).and_then(|a| a.presence.ns) else {
            return;
        };
        let v10 = self.dialect_of(target) >= Dialect::Msnp10;
        let line = match (adding, v10) {
            (true, true) => ServerCommand::Adc {
                trid: TrId::ASYNC,
                list: List::Reverse,
                account: Some(handle),
                name: Some(name),
                contact: None,
                group: None,
            },
            (true, false) => ServerCommand::Add {
                trid: TrId::ASYNC,
                list: List::Reverse,
                version,
                account: handle,
                name,
                group: None,
            },
            (false, true) => ServerCommand::RemHandle {
                trid: TrId::ASYNC,
                list: List::Reverse,
                account: handle,
            },
            (false, false) => ServerCommand::Rem {
                trid: TrId::ASYNC,
                list: List::Reverse,
                version,
                account: handle,
                group: None,
            },
        };
        self.send(target, &line);
    }

    /// `SYN`: the version alone when the client is current, else the whole list
    /// download without TrIDs or versions [PIKI Command:SYN; YW syn.md].
    fn syn(&mut self, conn: ConnId, me: &str, trid: TrId, cached: u32) {
        let Some(acc) = self.directory.account(me) else {
            return;
        };
        let version = acc.version();
        if cached == version {
            self.send(
                conn,
                &ServerCommand::Syn {
                    trid,
                    version,
                    counts: None,
                },
            );
            return;
        }
        let mut lines = vec![
            ServerCommand::Syn {
                trid,
                version,
                counts: Some(SynCounts {
                    contacts: u32::try_from(acc.contacts().count()).unwrap_or(u32::MAX),
                    groups: u32::try_from(acc.groups().count()).unwrap_or(u32::MAX),
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
        ];
        for (property, value) in acc.phones() {
            lines.push(ServerCommand::Prp {
                stamp: None,
                property: Token::try_from(property.to_owned()).expect("properties are tokens"),
                value: Some(value.clone()),
            });
        }
        for (group, name) in acc.groups() {
            lines.push(ServerCommand::Lsg {
                group,
                name: name.clone(),
            });
        }
        for contact in acc.contacts() {
            let on_fl = contact.lists().contains(List::Forward);
            lines.push(ServerCommand::Lst {
                account: contact.account().clone(),
                name: contact.name().clone(),
                lists: contact.lists(),
                groups: on_fl
                    .then(|| GroupList::from_ids(contact.groups()).ok())
                    .flatten(),
            });
            // A forward contact's phone numbers follow its LST [YW bpr.md; TW handle_LST].
            if on_fl && let Some(other) = self.directory.account(contact.account().as_str()) {
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

    /// `CHG`: echo, then on the first one the `ILN` lines of online contacts and, on
    /// MSNP8, the first `CHL`; watchers get `NLN` (or `FLN` when the user hides) [HYP
    /// presence; NINA Challenges]. Escargot sends no challenge in any dialect
    /// (reference §6), and neither does this server from MSNP9 on. The MSNObject
    /// (MSNP9+) is kept re-encoded as Escargot does, so every watcher gets one form.
    #[allow(clippy::too_many_arguments)]
    fn chg(
        &mut self,
        conn: ConnId,
        now: Instant,
        session: &NsSession,
        trid: TrId,
        status: Status,
        caps: Option<ClientCaps>,
        msn_object: Option<EncodedName<'_>>,
    ) {
        if status == Status::Offline {
            // FLN is not a status a client can set [HYP error_list 201].
            return self.send_error(conn, 201, Some(trid));
        }
        let me = session.account.as_str();
        let before = self.watchers_seeing(me);
        let msn_object = msn_object.as_ref().map(reencode_msn_object);
        let Some(acc) = self.directory.account_mut(me) else {
            return;
        };
        acc.presence.status = Some(status);
        acc.presence.caps = caps;
        acc.presence.msn_object = msn_object.clone();
        let contacts: Vec<String> = acc
            .contacts()
            .filter(|c| c.lists().contains(List::Forward))
            .map(|c| key(c.account().as_str()))
            .collect();
        self.send(
            conn,
            &ServerCommand::Chg {
                trid,
                status,
                caps,
                msn_object,
            },
        );
        if !session.challenged {
            for contact in contacts {
                if self.sees(me, &contact) {
                    self.send_presence(conn, &contact, Some(trid));
                }
            }
            let challenge = (self.dialect_of(conn) == Dialect::Msnp8).then(|| self.entropy.digits(20));
            // A timeout too large to add (`Duration::MAX`) means the challenge never expires.
            let deadline = now.checked_add(self.config.challenge_timeout);
            if let Some(c) = self.conns.get_mut(&conn)
                && let State::SignedIn(s) = &mut c.state
            {
                s.challenged = true;
                s.challenge = challenge.clone().map(|challenge| (challenge, deadline));
            }
            if let Some(challenge) = challenge {
                self.send(
                    conn,
                    &ServerCommand::Chl {
                        trid: TrId::ASYNC,
                        challenge: Token::try_from(challenge).expect("digits are a token"),
                    },
                );
            }
        }
        self.announce(me, &before, true);
    }

    /// `UUX` (MSNP11+): the personal message is kept as sent, answered `UUX T 0`, and
    /// shown to MSNP11+ watchers as `UBX` [YW uux/ubx; ESC OBS]. Over
    /// [`ServerConfig::max_personal_message_len`](super::ServerConfig::max_personal_message_len)
    /// the connection closes: the server keeps no more than that per account.
    fn uux(&mut self, conn: ConnId, me: &str, trid: TrId, payload: &[u8]) {
        let max = self.config.max_personal_message_len;
        if payload.len() > max {
            return self.close(
                conn,
                CloseReason::PersonalMessageTooLarge {
                    len: payload.len(),
                    max,
                },
            );
        }
        let Some(acc) = self.directory.account_mut(me) else {
            return;
        };
        acc.presence.personal = Some(payload.to_vec());
        self.send(
            conn,
            &ServerCommand::Uux {
                trid,
                with_length: true,
            },
        );
        let watchers = self.watchers_seeing(me);
        for watcher in watchers {
            let Some(target) = self.directory.account(&watcher).and_then(|a| a.presence.ns) else {
                continue;
            };
            if self.dialect_of(target) >= Dialect::Msnp11
                && let Some(ubx) = self.ubx(me)
            {
                self.send(target, &ubx);
            }
        }
    }

    /// `GCF` (MSNP11+): the feature "shields" file. Escargot sends one that denies
    /// nothing (reference §5.4); this is a file to the same effect, in the crate's own
    /// words, with Escargot's LF line ends.
    fn gcf(&mut self, conn: ConnId, trid: TrId, file: Token<'_>) {
        const SHIELDS: &[u8] = b"<?xml version=\"1.0\" encoding=\"utf-8\" ?>\n<config>\n<shield></shield>\n<block></block>\n</config>\n";
        self.send(
            conn,
            &ServerCommand::Gcf {
                trid,
                file,
                payload: SHIELDS.into(),
            },
        );
    }

    /// `QRY`: right → `QRY T`; wrong, unknown product or no open challenge → `540` and
    /// close [YW qry.md].
    fn qry(&mut self, conn: ConnId, trid: TrId, session: &NsSession, product: &str, response: &str) {
        let right = session.challenge.as_ref().is_some_and(|(challenge, _)| {
            PRODUCTS
                .iter()
                .any(|p| p.id == product && p.answer(challenge) == response)
        });
        if right {
            if let Some(c) = self.conns.get_mut(&conn)
                && let State::SignedIn(s) = &mut c.state
            {
                s.challenge = None;
            }
            self.send(conn, &ServerCommand::Qry { trid });
        } else {
            self.send_error(conn, 540, Some(trid));
            self.close(conn, CloseReason::ChallengeFailed);
        }
    }

    /// `XFR SB`: a single-use cookie for a new switchboard; `913` while hidden or before
    /// the first `CHG` [HYP sb authentication; YW xfr.md].
    fn xfr_sb(&mut self, conn: ConnId, now: Instant, me: &str, trid: TrId) {
        if !self.directory.account(me).is_some_and(|a| a.is_visible()) {
            return self.send_error(conn, 913, Some(trid));
        }
        let dialect = self.dialect_of(conn);
        let cookie = self.issue_cookie(now, me, CookiePurpose::Create, dialect);
        self.send(
            conn,
            &ServerCommand::XfrSb {
                trid,
                addr: self.config.switchboard_addr.clone(),
                cookie: Secret::new(cookie),
            },
        );
    }

    /// A fresh cookie for `account`, valid for [`ServerConfig::cookie_lifetime`](super::ServerConfig::cookie_lifetime).
    pub(super) fn issue_cookie(
        &mut self,
        now: Instant,
        account: &str,
        purpose: CookiePurpose,
        dialect: Dialect,
    ) -> Token<'static> {
        let max = self.config.max_cookies_per_account.max(1);
        self.directory.prune_cookies(now, &key(account), max);
        let cookie = loop {
            // Shaped like MSN's `17262740.1050826919.32308` [HYP sb/authentication].
            let candidate = format!(
                "{}.{}.{}",
                self.entropy.digits(8),
                self.unix_now(now),
                self.entropy.digits(5)
            );
            if !self.directory.cookies.contains_key(&candidate) {
                break candidate;
            }
        };
        self.directory.cookies.insert(
            cookie.clone(),
            CookieGrant {
                account: key(account),
                purpose,
                dialect,
                expires: now.checked_add(self.config.cookie_lifetime),
            },
        );
        Token::try_from(cookie).expect("digits and dots are a token")
    }

    /// Whether `watcher` is shown `subject`'s presence: the subject is visible and
    /// allows the watcher, and the watcher is signed in and past its first `CHG`.
    pub(super) fn sees(&self, watcher: &str, subject: &str) -> bool {
        let (Some(w), Some(s)) = (self.directory.account(watcher), self.directory.account(subject)) else {
            return false;
        };
        w.status().is_some() && s.is_visible() && s.allows(watcher) && w.has_on(List::Forward, subject)
    }

    /// The watchers (accounts with `subject` on FL) that see it now.
    pub(super) fn watchers_seeing(&self, subject: &str) -> BTreeSet<String> {
        let Some(s) = self.directory.account(subject) else {
            return BTreeSet::new();
        };
        s.contacts()
            .filter(|c| c.lists().contains(List::Reverse))
            .map(|c| key(c.account().as_str()))
            .filter(|w| self.sees(w, subject))
            .collect()
    }

    /// [`Server::watchers_seeing`] as it was before `other` was put on (or taken off)
    /// `list`, the only thing that changed.
    fn watchers_seeing_with(&self, subject: &str, other: &str, list: List, was_on: bool) -> BTreeSet<String> {
        let mut now = self.watchers_seeing(subject);
        let other = key(other);
        let Some(s) = self.directory.account(subject) else {
            return now;
        };
        let Some(w) = self.directory.account(&other) else {
            return now;
        };
        let on_bl = |l| {
            if l == List::Block {
                was_on
            } else {
                s.has_on(List::Block, &other)
            }
        };
        let on_al = |l| {
            if l == List::Allow {
                was_on
            } else {
                s.has_on(List::Allow, &other)
            }
        };
        let allowed = if on_bl(list) {
            false
        } else if on_al(list) {
            true
        } else {
            s.privacy() == crate::codec::Privacy::AllowAll
        };
        let saw = w.status().is_some() && s.is_visible() && allowed && w.has_on(List::Forward, subject);
        if saw {
            now.insert(other);
        } else {
            now.remove(&other);
        }
        now
    }

    /// Tells watchers about a change of `subject`: `NLN` (and `UBX`) to those who see it
    /// now (all of them when `changed`, else only the new ones), `FLN` to those who no
    /// longer do. Each watcher gets the form of its own dialect.
    pub(super) fn announce(&mut self, subject: &str, before: &BTreeSet<String>, changed: bool) {
        let after = self.watchers_seeing(subject);
        let Some(s) = self.directory.account(subject) else {
            return;
        };
        let handle = s.account().clone();
        let mut sends = Vec::new();
        for watcher in &after {
            if changed || !before.contains(watcher) {
                sends.push((watcher.clone(), None));
            }
        }
        for watcher in before.difference(&after) {
            sends.push((
                watcher.clone(),
                Some(ServerCommand::Fln {
                    account: handle.clone(),
                }),
            ));
        }
        for (watcher, line) in sends {
            let Some(target) = self.directory.account(&watcher).and_then(|a| a.presence.ns) else {
                continue;
            };
            match line {
                Some(line) => {
                    self.send(target, &line);
                }
                None => self.send_presence(target, subject, None),
            }
        }
    }

    /// Sends `conn` the presence of `subject` in `conn`'s dialect: `ILN T …` (with a
    /// TrID) or `NLN …`, then its `UBX` for MSNP11+.
    fn send_presence(&mut self, conn: ConnId, subject: &str, trid: Option<TrId>) {
        let dialect = self.dialect_of(conn);
        let Some(line) = self.presence_line(subject, trid, dialect) else {
            return;
        };
        if !self.send(conn, &line) {
            return;
        }
        if dialect >= Dialect::Msnp11
            && let Some(ubx) = self.ubx(subject)
        {
            self.send(conn, &ubx);
        }
    }

    /// `UBX account len` + the personal message `subject` last sent, or an empty one:
    /// Escargot sends one after every ILN/NLN to MSNP11+ [ESC `_send_presence_notif`].
    /// Sent as received: the server does not read the XML (Escargot re-escapes it,
    /// reference §5.2).
    fn ubx(&self, subject: &str) -> Option<ServerCommand<'static>> {
        const EMPTY: &[u8] = b"<Data><PSM></PSM><CurrentMedia></CurrentMedia></Data>";
        let s = self.directory.account(subject)?;
        Some(ServerCommand::Ubx {
            account: s.account().clone(),
            payload: s.personal_message().unwrap_or(EMPTY).to_vec().into(),
        })
    }

    /// `ILN T …` (with a TrID) or `NLN …` for `subject`'s current presence, in
    /// `dialect`: from MSNP9 the caps and an MSNObject are always there, an empty one
    /// when the contact has no picture (Escargot's form, reference §3); MSNP8 has neither
    /// object nor placeholder.
    fn presence_line(
        &self,
        subject: &str,
        trid: Option<TrId>,
        dialect: Dialect,
    ) -> Option<ServerCommand<'static>> {
        let s = self.directory.account(subject)?;
        let status = s.status()?;
        let (account, name) = (s.account().clone(), s.name().clone());
        let (caps, msn_object) = if dialect >= Dialect::Msnp9 {
            let object = s
                .msn_object()
                .cloned()
                .unwrap_or_else(|| EncodedName::try_from(NO_MSN_OBJECT).expect("constant token"));
            (Some(s.caps().unwrap_or(ClientCaps(0))), Some(object))
        } else {
            (s.caps(), None)
        };
        Some(match trid {
            Some(trid) => ServerCommand::Iln {
                trid,
                status,
                account,
                name,
                caps,
                msn_object,
            },
            None => ServerCommand::Nln {
                status,
                account,
                name,
                caps,
                msn_object,
            },
        })
    }

    /// The notification connection `conn` of `account` ended: watchers see `FLN`.
    pub(super) fn sign_out(&mut self, conn: ConnId, account: &str) {
        if self.directory.account(account).and_then(|a| a.presence.ns) != Some(conn) {
            return;
        }
        let before = self.watchers_seeing(account);
        if let Some(acc) = self.directory.account_mut(account) {
            acc.presence = Default::default();
        }
        self.announce(account, &before, false);
    }
}

/// The MSNObject as Escargot relays it: percent-decoded, then every byte but
/// `A-Z a-z 0-9 _ . - ~` percent-encoded (Python's `quote(safe='')`, reference §3), so
/// watchers get one spelling whatever the sender's.
fn reencode_msn_object(object: &EncodedName<'_>) -> EncodedName<'static> {
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, percent_encode};
    const QUOTE: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'_')
        .remove(b'.')
        .remove(b'-')
        .remove(b'~');
    let raw: Vec<u8> = percent_decode_str(object.as_str()).collect();
    let encoded: String = percent_encode(&raw, QUOTE).collect();
    // Only an empty object encodes to nothing, and a token cannot be empty.
    EncodedName::try_from(encoded).unwrap_or_else(|_| object.borrow().into_owned())
}
