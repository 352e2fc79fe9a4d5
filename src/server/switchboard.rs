//! The switchboard: join with a cookie (`USR` to create, `ANS` after `RNG`), invite
//! with `CAL`, relay `MSG`, say `BYE` when someone leaves (reference §7, §8).

use std::time::Instant;

use super::Server;
use super::config::MAX_MESSAGE_LEN;
use super::connection::{ConnId, State, line_trid};
use super::directory::{CookiePurpose, Session, is_handle, key};
use super::event::CloseReason;
use super::passport::TicketVerifier;
use crate::Secret;
use crate::codec::{
    AckMode, ClientCaps, ClientCommand, Dialect, FriendlyName, Passport, ServerCommand, Token, TrId,
};
use crate::msg::Message;

impl<V: TicketVerifier> Server<V> {
    /// A command on a switchboard connection.
    pub(super) fn switchboard_command(&mut self, conn: ConnId, now: Instant, command: ClientCommand<'_>) {
        let Some(c) = self.conns.get(&conn) else { return };
        use ClientCommand as C;
        let (session, me) = match &c.state {
            State::SwitchboardAuth => return self.switchboard_auth(conn, now, command),
            State::Joined { session, account } => (*session, account.clone()),
            _ => return,
        };
        match command {
            C::Cal { trid, account } => self.cal(conn, now, session, &me, trid, &account),
            C::Msg { trid, ack, payload } => self.relay(conn, session, &me, trid, ack, &payload),
            C::Out => self.close(conn, CloseReason::SignedOut),
            C::Other(raw) => self.send_error(conn, 200, line_trid(raw.line())),
            other => {
                // A notification command, or a second USR/ANS: not here, not now.
                let trid = other.trid();
                self.send_error(conn, 715, trid);
            }
        }
    }

    /// The first command on a switchboard must redeem a cookie; anything else, or a
    /// cookie that is unknown, expired, used or someone else's, gets `911` and a close.
    fn switchboard_auth(&mut self, conn: ConnId, now: Instant, command: ClientCommand<'_>) {
        use ClientCommand as C;
        match command {
            C::UsrSwitchboard {
                trid,
                account,
                cookie,
            } => {
                match self
                    .directory
                    .redeem_cookie(now, cookie.expose().as_str(), account.as_str())
                {
                    Some((CookiePurpose::Create, dialect)) => {
                        self.switchboard_dialect(conn, dialect);
                        self.directory.next_session += 1;
                        let session = self.directory.next_session;
                        let handle = self.canonical_handle(&account);
                        self.directory.sessions.insert(
                            session,
                            Session {
                                participants: vec![(conn, handle.clone())],
                                invited: Default::default(),
                            },
                        );
                        self.join_state(conn, session, handle.clone());
                        let name = self.name_of(handle.as_str());
                        self.send(
                            conn,
                            &ServerCommand::UsrOk {
                                trid,
                                account: handle,
                                name: Some(name),
                                flags: None,
                            },
                        );
                    }
                    _ => self.refuse(conn, trid),
                }
            }
            C::Ans {
                trid,
                account,
                cookie,
                session,
            } => {
                let purpose = self
                    .directory
                    .redeem_cookie(now, cookie.expose().as_str(), account.as_str());
                let id = match purpose {
                    Some((CookiePurpose::Answer { session: id }, dialect))
                        if id.to_string() == session.as_str() =>
                    {
                        self.switchboard_dialect(conn, dialect);
                        id
                    }
                    _ => return self.refuse(conn, trid),
                };
                let handle = self.canonical_handle(&account);
                let Some(existing) = self.directory.sessions.get_mut(&id) else {
                    // Everyone left before the invitee answered.
                    return self.refuse(conn, trid);
                };
                existing.invited.remove(&key(handle.as_str()));
                let others: Vec<(ConnId, Passport<'static>)> = existing.participants.clone();
                existing.participants.push((conn, handle.clone()));
                self.join_state(conn, id, handle.clone());
                let total = u32::try_from(others.len()).unwrap_or(u32::MAX);
                let mine = self.dialect_of(conn);
                for (index, (_, other)) in (1u32..).zip(&others) {
                    let name = self.name_of(other.as_str());
                    self.send(
                        conn,
                        &ServerCommand::Iro {
                            trid,
                            index,
                            total,
                            account: other.clone(),
                            name,
                            caps: self.switchboard_caps(other.as_str(), mine),
                        },
                    );
                }
                self.send(conn, &ServerCommand::Ans { trid });
                let name = self.name_of(handle.as_str());
                for (other, _) in others {
                    let joi = ServerCommand::Joi {
                        name: name.clone(),
                        account: handle.clone(),
                        caps: self.switchboard_caps(handle.as_str(), self.dialect_of(other)),
                    };
                    self.send(other, &joi);
                }
            }
            C::Out => self.close(conn, CloseReason::SignedOut),
            other => {
                let verb = other.verb().to_owned();
                if let Some(trid) = other.trid() {
                    self.send_error(conn, 715, Some(trid));
                }
                self.close(conn, CloseReason::UnexpectedCommand { verb });
            }
        }
    }

    /// The connection speaks the dialect of the notification session its cookie came from.
    fn switchboard_dialect(&mut self, conn: ConnId, dialect: Dialect) {
        if let Some(c) = self.conns.get_mut(&conn) {
            c.set_dialect(dialect);
        }
    }

    /// The caps `IRO`/`JOI` show of `account` to a participant speaking `dialect`: its
    /// notification session's, from MSNP12 on, as Escargot adds them (reference §7);
    /// none before.
    fn switchboard_caps(&self, account: &str, dialect: Dialect) -> Option<ClientCaps> {
        (dialect >= Dialect::Msnp12).then(|| {
            self.directory
                .account(account)
                .and_then(|a| a.caps())
                .unwrap_or(ClientCaps(0))
        })
    }

    fn refuse(&mut self, conn: ConnId, trid: TrId) {
        self.send_error(conn, 911, Some(trid));
        self.close(conn, CloseReason::AuthenticationFailed);
    }

    fn join_state(&mut self, conn: ConnId, session: u64, account: Passport<'static>) {
        if let Some(c) = self.conns.get_mut(&conn) {
            c.state = State::Joined { session, account };
        }
    }

    /// The account's handle as registered (the client may write it in another case).
    fn canonical_handle(&self, account: &Passport<'_>) -> Passport<'static> {
        self.directory
            .account(account.as_str())
            .map_or_else(|| account.borrow().into_owned(), |a| a.account().clone())
    }

    fn name_of(&self, account: &str) -> FriendlyName<'static> {
        self.directory.account(account).map_or_else(
            || {
                FriendlyName::try_from(account.to_owned())
                    .unwrap_or_else(|_| FriendlyName::try_from("-").expect("constant token"))
            },
            |a| a.name().clone(),
        )
    }

    /// `CAL`: ring the contact through its notification connection. `208` for a bad
    /// handle, `215` if already here, `217` if offline or hidden, `216` if it blocks the
    /// caller [HYP sb/miscellaneous, error_list; YW cal.md]. Errors keep the session.
    fn cal(
        &mut self,
        conn: ConnId,
        now: Instant,
        session: u64,
        me: &Passport<'static>,
        trid: TrId,
        who: &Passport<'_>,
    ) {
        if !is_handle(who.as_str()) {
            return self.send_error(conn, 208, Some(trid));
        }
        let here = self
            .directory
            .sessions
            .get(&session)
            .is_some_and(|s| s.participants.iter().any(|(_, p)| p.same_account(who)));
        if here {
            return self.send_error(conn, 215, Some(trid));
        }
        let Some(invitee) = self.directory.account(who.as_str()) else {
            return self.send_error(conn, 217, Some(trid));
        };
        let Some(target) = invitee.presence.ns.filter(|_| invitee.is_visible()) else {
            return self.send_error(conn, 217, Some(trid));
        };
        if !invitee.allows(me.as_str()) {
            return self.send_error(conn, 216, Some(trid));
        }
        let invitee_key = key(invitee.account().as_str());
        let dialect = self.dialect_of(target);
        let cookie = self.issue_cookie(now, &invitee_key, CookiePurpose::Answer { session }, dialect);
        if let Some(s) = self.directory.sessions.get_mut(&session) {
            s.invited.insert(invitee_key);
        }
        let session_token = Token::try_from(session.to_string()).expect("digits are a token");
        self.send(
            target,
            &ServerCommand::Rng {
                session: session_token.clone(),
                addr: self.config.switchboard_addr.clone(),
                cookie: Secret::new(cookie),
                account: me.clone(),
                name: self.name_of(me.as_str()),
            },
        );
        self.send(
            conn,
            &ServerCommand::Cal {
                trid,
                session: session_token,
            },
        );
    }

    /// `MSG`: to every other participant as `MSG from name len`; `ACK` (mode `A`) when
    /// at least one got it, `NAK` (modes `A` and `N`) when nobody did [HYP sb/messages].
    /// An oversized payload closes the sender's connection, as MSN did (reference §8).
    fn relay(
        &mut self,
        conn: ConnId,
        session: u64,
        me: &Passport<'static>,
        trid: TrId,
        ack: AckMode,
        payload: &[u8],
    ) {
        if payload.len() > MAX_MESSAGE_LEN {
            return self.close(conn, CloseReason::MessageTooLarge { len: payload.len() });
        }
        // P2P data must ask for mode D; Escargot closes the connection otherwise
        // (reference §9.1, `SpecialMessageNotSentWithDType`).
        if ack != AckMode::Data
            && Message::parse(payload).is_ok_and(|m| m.has_content_type("application/x-msnmsgrp2p"))
        {
            return self.close(conn, CloseReason::P2pWithoutDataAck);
        }
        let others: Vec<ConnId> = self
            .directory
            .sessions
            .get(&session)
            .map(|s| {
                s.participants
                    .iter()
                    .map(|(c, _)| *c)
                    .filter(|&c| c != conn)
                    .collect()
            })
            .unwrap_or_default();
        let line = ServerCommand::Msg {
            from: me.clone(),
            name: self.name_of(me.as_str()),
            payload: payload.into(),
        };
        let mut delivered = 0usize;
        for other in others {
            if self.send(other, &line) {
                delivered += 1;
            }
        }
        // Mode D (MSNP9+) is acknowledged like A: Escargot answers ACK [reference §9.1].
        match (ack, delivered) {
            (AckMode::Always | AckMode::Data, 1..) => {
                self.send(conn, &ServerCommand::Ack { trid });
            }
            (AckMode::Always | AckMode::NegativeOnly | AckMode::Data, 0) => {
                self.send(conn, &ServerCommand::Nak { trid });
            }
            _ => {}
        }
    }

    /// `conn` left `session`: the others see `BYE account` (`BYE account 1` when the
    /// server dropped it for idleness) [YW bye.md]; an empty session ends.
    pub(super) fn leave_session(
        &mut self,
        conn: ConnId,
        session: u64,
        account: &Passport<'static>,
        idle: bool,
    ) {
        let Some(s) = self.directory.sessions.get_mut(&session) else {
            return;
        };
        s.participants.retain(|(c, _)| *c != conn);
        let others: Vec<ConnId> = s.participants.iter().map(|(c, _)| *c).collect();
        if others.is_empty() {
            self.directory.sessions.remove(&session);
            return;
        }
        let bye = ServerCommand::Bye {
            account: account.clone(),
            idle,
        };
        for other in others {
            self.send(other, &bye);
        }
    }
}
