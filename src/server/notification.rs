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
    ClientCommand, GroupList, List, ListStamp, Passport, ServerCommand, Status, SynCounts, Token, TrId,
};

/// The products whose `QRY` answers are accepted for MSNP8 (reference §4).
const PRODUCTS: &[Product] = &[Product::MSMSGS, Product::PROD0038];

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
        use ClientCommand as C;
        match command {
            C::Syn { trid, version } => self.syn(conn, me, trid, version),
            C::Chg {
                trid, status, caps, ..
            } => self.chg(conn, now, &session, trid, status, caps),
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
                    self.send(
                        conn,
                        &ServerCommand::Gtc {
                            stamp: Some(ListStamp { trid, version }),
                            prompt,
                        },
                    );
                }
                Err(error) => self.send_error(conn, error.code().0, Some(trid)),
            },
            C::Blp { trid, privacy } => {
                let before = self.watchers_seeing(me);
                match self.directory.set_privacy(me, privacy) {
                    Ok(version) => {
                        self.send(
                            conn,
                            &ServerCommand::Blp {
                                stamp: Some(ListStamp { trid, version }),
                                privacy,
                            },
                        );
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
                    self.send(
                        conn,
                        &ServerCommand::Prp {
                            stamp: Some(ListStamp { trid, version }),
                            property,
                            value,
                        },
                    );
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
            C::Png => {
                self.send(conn, &ServerCommand::Qng { seconds: None });
            }
            C::Out => self.close(conn, CloseReason::SignedOut),
            C::UsrTwnInitial { trid, .. }
            | C::UsrTwnTicket { trid, .. }
            | C::UsrMd5Initial { trid, .. }
            | C::UsrMd5Hash { trid, .. }
            | C::UsrSwitchboard { trid, .. } => self.send_error(conn, 207, Some(trid)),
            C::Ver { trid, .. } | C::Cvr { trid, .. } | C::Cal { trid, .. } | C::Ans { trid, .. } => {
                self.send_error(conn, 715, Some(trid));
            }
            // Messaging the notification server, or INF, ends the connection [YW msg.md, msnp8.md].
            C::Msg { .. } | C::Inf { .. } => self.close(
                conn,
                CloseReason::UnexpectedCommand {
                    verb: command.verb().to_owned(),
                },
            ),
            other => {
                let trid = other.trid().or_else(|| match &other {
                    C::Other(raw) => line_trid(raw.line()),
                    _ => None,
                });
                self.send_error(conn, 200, trid);
            }
        }
    }

    /// Replies to an `ADD`/`REM`, then tells the contact about its reverse list and
    /// updates presence: `ILN` for a contact just put on FL, `NLN`/`FLN` for the
    /// contacts whose view of the user AL/BL changed.
    #[allow(clippy::too_many_arguments)]
    fn list_edit<'a>(
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
        let change = match result {
            Ok(change) => change,
            Err(ListError::ReverseList) => {
                // Only the server edits RL: a client that tries is dropped [YW add.md].
                let verb = if adding { "ADD" } else { "REM" };
                self.close(conn, CloseReason::UnexpectedCommand { verb: verb.into() });
                return;
            }
            Err(error) => return self.send_error(conn, error.code().0, Some(trid)),
        };
        self.send(conn, &reply(change.version));
        if let Some(version) = change.reverse {
            self.notify_reverse_list(me, account.as_str(), version, adding);
        }
        match list {
            List::Forward if adding => {
                if self.sees(me, account.as_str())
                    && let Some(line) = self.presence_line(account.as_str(), Some(trid))
                {
                    self.send(conn, &line);
                }
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

    /// `ADD 0 RL ver user name` / `REM 0 RL ver user` to the contact, if signed in.
    fn notify_reverse_list(&mut self, me: &str, contact: &str, version: u32, adding: bool) {
        let Some(me_acc) = self.directory.account(me) else {
            return;
        };
        let (handle, name) = (me_acc.account().clone(), me_acc.name().clone());
        let Some(target) = self.directory.account(contact).and_then(|a| a.presence.ns) else {
            return;
        };
        let line = if adding {
            ServerCommand::Add {
                trid: TrId::ASYNC,
                list: List::Reverse,
                version,
                account: handle,
                name,
                group: None,
            }
        } else {
            ServerCommand::Rem {
                trid: TrId::ASYNC,
                list: List::Reverse,
                version,
                account: handle,
                group: None,
            }
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

    /// `CHG`: echo, then on the first one the `ILN` lines of online contacts and the
    /// first `CHL`; watchers get `NLN` (or `FLN` when the user hides) [HYP presence;
    /// NINA Challenges].
    fn chg(
        &mut self,
        conn: ConnId,
        now: Instant,
        session: &NsSession,
        trid: TrId,
        status: Status,
        caps: Option<crate::codec::ClientCaps>,
    ) {
        if status == Status::Offline {
            // FLN is not a status a client can set [HYP error_list 201].
            return self.send_error(conn, 201, Some(trid));
        }
        let me = session.account.as_str();
        let before = self.watchers_seeing(me);
        let Some(acc) = self.directory.account_mut(me) else {
            return;
        };
        acc.presence.status = Some(status);
        acc.presence.caps = caps;
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
                msn_object: None,
            },
        );
        if !session.challenged {
            for contact in contacts {
                if self.sees(me, &contact)
                    && let Some(line) = self.presence_line(&contact, Some(trid))
                {
                    self.send(conn, &line);
                }
            }
            let challenge = self.entropy.digits(20);
            // A timeout too large to add (`Duration::MAX`) means the challenge never expires.
            let deadline = now.checked_add(self.config.challenge_timeout);
            if let Some(c) = self.conns.get_mut(&conn)
                && let State::SignedIn(s) = &mut c.state
            {
                s.challenged = true;
                s.challenge = Some((challenge.clone(), deadline));
            }
            self.send(
                conn,
                &ServerCommand::Chl {
                    trid: TrId::ASYNC,
                    challenge: Token::try_from(challenge).expect("digits are a token"),
                },
            );
        }
        self.announce(me, &before, true);
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
        let cookie = self.issue_cookie(now, me, CookiePurpose::Create);
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
    fn watchers_seeing(&self, subject: &str) -> BTreeSet<String> {
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

    /// Tells watchers about a change of `subject`: `NLN` to those who see it now (all of
    /// them when `changed`, else only the new ones), `FLN` to those who no longer do.
    fn announce(&mut self, subject: &str, before: &BTreeSet<String>, changed: bool) {
        let after = self.watchers_seeing(subject);
        let Some(s) = self.directory.account(subject) else {
            return;
        };
        let handle = s.account().clone();
        let nln = self.presence_line(subject, None);
        let mut sends = Vec::new();
        for watcher in &after {
            if changed || !before.contains(watcher) {
                sends.push((watcher.clone(), nln.clone()));
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
            if let (Some(target), Some(line)) =
                (self.directory.account(&watcher).and_then(|a| a.presence.ns), line)
            {
                self.send(target, &line);
            }
        }
    }

    /// `ILN T …` (with a TrID) or `NLN …` for `subject`'s current presence.
    fn presence_line(&self, subject: &str, trid: Option<TrId>) -> Option<ServerCommand<'static>> {
        let s = self.directory.account(subject)?;
        let status = s.status()?;
        let (account, name, caps) = (s.account().clone(), s.name().clone(), s.caps());
        Some(match trid {
            Some(trid) => ServerCommand::Iln {
                trid,
                status,
                account,
                name,
                caps,
                msn_object: None,
            },
            None => ServerCommand::Nln {
                status,
                account,
                name,
                caps,
                msn_object: None,
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
