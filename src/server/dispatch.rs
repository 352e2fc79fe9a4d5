//! The login handshake shared by the dispatch and notification servers: `VER`, `CVR`,
//! `USR TWN I`, then a referral (dispatch) or the Passport ticket (notification).

use std::time::Instant;

use super::Server;
use super::connection::{ConnId, Listener, NsSession, State};
use super::directory::key;
use super::event::{CloseReason, ServerEvent};
use super::passport::TicketVerifier;
use crate::codec::{
    AccountFlags, ClientCommand, Dialect, DialectSet, Passport, ServerCommand, Token, TokenList, TrId,
};

/// The client version advice of the reference's T1 transcript [HYP msnp8-example].
const CVR_REPLY: [&str; 5] = [
    "6.0.0602",
    "6.0.0602",
    "1.0.0000",
    "http://download.microsoft.com/download/8/a/4/8a42bcae-f533-4468-b871-d2bc8dd32e9e/SETUP9x.EXE",
    "http://messenger.msn.com",
];

fn token(s: &str) -> Token<'static> {
    Token::try_from(s.to_owned()).unwrap_or_else(|_| Token::try_from("-").expect("constant token"))
}

impl<V: TicketVerifier> Server<V> {
    /// A command on a dispatch or notification connection before sign-in.
    ///
    /// Out-of-order handshake commands get `715` and a close, commands that only a
    /// signed-in session may send get `302`, and commands with no meaning here close
    /// the connection without a word [NINA Authentication; DRAFT §7.11].
    pub(super) fn handshake_command(&mut self, conn: ConnId, now: Instant, command: ClientCommand<'_>) {
        let Some(c) = self.conns.get(&conn) else { return };
        let listener = c.listener;
        let State::Handshake(handshake) = &c.state else {
            return;
        };
        let version = handshake.dialect.is_some();
        let pending = handshake.account.clone();
        use ClientCommand as C;
        match command {
            // A second VER is out of order: Escargot answers 715 and hangs up [reference §2.1 OBS].
            C::Ver { trid, .. } if version => self.second_ver(conn, trid),
            C::Ver { trid, protocols } => self.ver(conn, trid, &protocols),
            C::Cvr { trid, .. } if version => {
                let [a, b, c, d, e] = CVR_REPLY.map(token);
                self.send(
                    conn,
                    &ServerCommand::Cvr {
                        trid,
                        recommended: a,
                        recommended_again: b,
                        minimum: c,
                        download_url: d,
                        info_url: e,
                    },
                );
            }
            C::UsrTwnInitial { trid, account } if version => match listener {
                Listener::Dispatch => {
                    self.send(
                        conn,
                        &ServerCommand::XfrNs {
                            trid,
                            addr: self.config.notification_addr.clone(),
                            current: Some(self.config.dispatch_addr.clone()),
                        },
                    );
                    // "the Server automatically closes the client connection after
                    // sending this XFR" [DRAFT §7.4].
                    self.close(conn, CloseReason::Redirected);
                }
                _ => {
                    let challenge = self.passport_challenge(now);
                    if let Some(c) = self.conns.get_mut(&conn)
                        && let State::Handshake(h) = &mut c.state
                    {
                        h.account = Some(account.into_owned());
                    }
                    self.send(conn, &ServerCommand::UsrTwnChallenge { trid, challenge });
                }
            },
            C::UsrTwnTicket { trid, ticket } if listener == Listener::Notification && pending.is_some() => {
                let account = pending.unwrap_or_else(|| Passport::try_from("-").expect("constant token"));
                let verified = self
                    .verifier
                    .verify(ticket.expose().as_str())
                    .filter(|holder| holder.same_account(&account))
                    .and_then(|_| {
                        self.directory
                            .account(account.as_str())
                            .map(|a| a.account().clone())
                    });
                match verified {
                    Some(handle) => self.sign_in(conn, now, trid, handle),
                    None => {
                        self.send_error(conn, 911, Some(trid));
                        self.close(conn, CloseReason::AuthenticationFailed);
                    }
                }
            }
            C::Png => self.pong(conn),
            C::Out => self.close(conn, CloseReason::SignedOut),
            C::Cvr { trid, .. } | C::UsrTwnInitial { trid, .. } | C::UsrTwnTicket { trid, .. } => {
                self.send_error(conn, 715, Some(trid));
                self.close(conn, CloseReason::UnexpectedCommand { verb: "USR".into() });
            }
            C::Syn { trid, .. }
            | C::Gtc { trid, .. }
            | C::Blp { trid, .. }
            | C::Prp { trid, .. }
            | C::Chg { trid, .. }
            | C::Add { trid, .. }
            | C::Rem { trid, .. }
            | C::Rea { trid, .. }
            | C::Adg { trid, .. }
            | C::Rmg { trid, .. }
            | C::Reg { trid, .. }
            | C::Url { trid, .. }
            | C::XfrSb { trid }
            | C::SynStamps { trid, .. }
            | C::Adc { trid, .. }
            | C::RemGuid { trid, .. }
            | C::RemHandle { trid, .. }
            | C::AdgName { trid, .. }
            | C::RmgGuid { trid, .. }
            | C::RegGuid { trid, .. }
            | C::Sbp { trid, .. }
            | C::Uux { trid, .. }
            | C::Gcf { trid, .. } => self.send_error(conn, 302, Some(trid)),
            // MD5 login and INF are gone in MSNP8: the server hangs up [HYP msnp8; YW msnp8.md].
            other => {
                let verb = other.verb().to_owned();
                self.close(conn, CloseReason::UnexpectedCommand { verb });
            }
        }
    }

    /// `VER`: the newest dialect both sides speak, as one token and without echoing
    /// `CVR0`, or `VER T 0` and a close when there is none: Escargot's answers
    /// (reference §2.1 OBS). From here the connection is framed and answered in it.
    fn ver(&mut self, conn: ConnId, trid: TrId, protocols: &TokenList<'_>) {
        let offered = DialectSet::from_tokens(protocols.iter());
        let Some(dialect) = self.config.dialects.highest_common(offered) else {
            self.send(
                conn,
                &ServerCommand::Ver {
                    trid,
                    protocols: TokenList::try_from("0").expect("constant token"),
                },
            );
            return self.close(conn, CloseReason::UnsupportedProtocol);
        };
        if let Some(c) = self.conns.get_mut(&conn) {
            c.set_dialect(dialect);
            if let State::Handshake(h) = &mut c.state {
                h.dialect = Some(dialect);
            }
        }
        self.send(
            conn,
            &ServerCommand::Ver {
                trid,
                protocols: TokenList::try_from(dialect.as_str()).expect("dialect names are tokens"),
            },
        );
    }

    /// `715` and a close, for a `VER` after the dialect is chosen.
    pub(super) fn second_ver(&mut self, conn: ConnId, trid: TrId) {
        self.send_error(conn, 715, Some(trid));
        self.close(conn, CloseReason::UnexpectedCommand { verb: "VER".into() });
    }

    /// The `USR … TWN S` arguments, shaped as in 2003 [HYP msnp8-example].
    fn passport_challenge(&mut self, now: Instant) -> Token<'static> {
        let tpf = self.entropy.string(b"0123456789abcdef", 32);
        token(&format!(
            "lc=1033,id=507,tw=40,fs=1,ru=http%3A%2F%2Fmessenger%2Emsn%2Ecom,ct={},kpp=1,kv=5,ver=2.1.0173.1,tpf={tpf}",
            self.unix_now(now)
        ))
    }

    /// A good ticket: `USR T OK`, the profile message, and the account's presence moves
    /// here. A session elsewhere gets `OUT OTH` and goes first, so its watchers see it
    /// leave before this one arrives [DRAFT §7.10].
    fn sign_in(&mut self, conn: ConnId, now: Instant, trid: TrId, account: Passport<'static>) {
        let k = key(account.as_str());
        if let Some(old) = self.directory.account(&k).and_then(|a| a.presence.ns)
            && old != conn
        {
            self.send(
                old,
                &ServerCommand::Out {
                    reason: Some(Token::try_from("OTH").expect("constant token")),
                },
            );
            self.close(old, CloseReason::OtherLocation);
            self.flush_leaving();
        }
        let Some(acc) = self.directory.account_mut(&k) else {
            return;
        };
        acc.presence.ns = Some(conn);
        acc.presence.status = None;
        acc.presence.caps = None;
        acc.presence.msn_object = None;
        acc.presence.personal = None;
        let name = acc.name().clone();
        if let Some(c) = self.conns.get_mut(&conn) {
            c.state = State::SignedIn(NsSession {
                account: k,
                challenge: None,
                challenged: false,
            });
        }
        let dialect = self.dialect_of(conn);
        self.send(
            conn,
            &ServerCommand::UsrOk {
                trid,
                account: account.clone(),
                // MSNP10 moved the own name into SYN's `PRP MFN` [YW msnp10; ESC OBS].
                name: (dialect < Dialect::Msnp10).then_some(name),
                flags: Some(AccountFlags {
                    verified: true,
                    restricted: Some(false),
                }),
            },
        );
        if dialect >= Dialect::Msnp11 {
            // Subscription status, right after USR OK [YW sbs; ESC OBS].
            self.send(
                conn,
                &ServerCommand::Sbs {
                    trid: TrId::ASYNC,
                    args: TokenList::try_from("null").expect("constant token"),
                },
            );
        }
        let profile = self.profile(now, dialect);
        self.send(
            conn,
            &ServerCommand::Msg {
                from: Passport::try_from("Hotmail").expect("constant token"),
                name: crate::codec::EncodedName::try_from("Hotmail").expect("constant token"),
                payload: profile.into_bytes().into(),
            },
        );
        self.events.push_back(ServerEvent::SignedIn { conn, account });
    }

    /// The `text/x-msmsgsprofile` message sent right after `USR OK`: all data in headers
    /// [YW msnp8.md; TW testProfile]. `ClientIP`/`ClientPort` are left out: a sans-IO
    /// server does not know the peer's address; `MSPAuth` is a fresh token rather than
    /// a piece of the ticket, so the ticket is never echoed.
    ///
    /// MSNP10+ profiles say `ABCHMigrated: 1`: the account has the GUID contact model
    /// [YW msnp10; ESC OBS].
    fn profile(&mut self, now: Instant, dialect: Dialect) -> String {
        let auth = self.entropy.string(
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!*",
            48,
        );
        let migrated = if dialect >= Dialect::Msnp10 {
            "ABCHMigrated: 1\r\n"
        } else {
            ""
        };
        format!(
            "MIME-Version: 1.0\r\nContent-Type: text/x-msmsgsprofile; charset=UTF-8\r\nLoginTime: {}\r\n\
             EmailEnabled: 0\r\nMemberIdHigh: 0\r\nMemberIdLow: 0\r\nlang_preference: 1033\r\n\
             PreferredEmail: \r\ncountry: \r\nPostalCode: \r\nGender: \r\nKid: 0\r\nAge: \r\n\
             BDayPre: \r\nBirthday: \r\nWallet: \r\nFlags: 1027\r\nsid: 507\r\nkv: 5\r\n{migrated}MSPAuth: {auth}\r\n\r\n",
            self.unix_now(now)
        )
    }
}
