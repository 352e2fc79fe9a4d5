//! Login and referral (reference §2): `VER`, `CVR`, `USR TWN` (or `INF` and `USR MD5`
//! for MSNP7), `XFR … NS` to another server, and the server's `OUT`.

use std::time::Instant;

use super::{ClientIdentity, CloseReason, NotificationClient, NsError, NsEvent, SessionState};
use crate::Secret;
use crate::codec::{ClientCommand, Dialect, DialectSet, Passport, ServerCommand, Token, TokenList, TrId};

impl NotificationClient {
    // ----- Mutators: login -----

    /// Sends the Passport ticket (`t=…&p=…`) after [`NsEvent::PassportRequired`].
    pub fn submit_ticket(&mut self, now: Instant, ticket: Secret<String>) -> Result<TrId, NsError> {
        self.touch(now);
        self.expect_state("submit_ticket", SessionState::AwaitingPassport)?;
        let ticket = Token::try_from(ticket.into_inner()).map_err(|source| NsError::InvalidArgument {
            what: "ticket",
            source,
        })?;
        self.check_room()?;
        self.state = SessionState::LoggingIn;
        let ticket = Secret::new(ticket);
        Ok(self.send_request(|trid| ClientCommand::UsrTwnTicket { trid, ticket }))
    }

    /// Passport could not issue a ticket: sends `OUT` and ends the session with
    /// [`CloseReason::PassportFailed`]. `reason` is shown to people as it is: make it a
    /// sentence that names Passport ("Passport refused the credentials").
    pub fn passport_failed(&mut self, now: Instant, reason: impl Into<String>) -> Result<(), NsError> {
        self.touch(now);
        self.expect_state("passport_failed", SessionState::AwaitingPassport)?;
        self.push_command(&ClientCommand::Out);
        self.close(CloseReason::PassportFailed {
            reason: reason.into(),
        });
        Ok(())
    }

    /// Signs out (`OUT`) and ends the session with [`CloseReason::LoggedOut`].
    pub fn logout(&mut self, now: Instant) -> Result<(), NsError> {
        self.touch(now);
        match self.state {
            SessionState::LoggingIn | SessionState::AwaitingPassport | SessionState::LoggedIn => {}
            SessionState::Closed => return Err(NsError::Closed),
            state => return Err(self.wrong_state("logout", state)),
        }
        self.push_command(&ClientCommand::Out);
        self.close(CloseReason::LoggedOut);
        Ok(())
    }

    /// The `VER` list: the configured dialects newest first, `MSNP7` when an MD5 login
    /// is allowed, then `CVR0`, as the official clients send it
    /// (`VER 1 MSNP12 MSNP11 MSNP10 CVR0`) [NINA Commands/VER; YW ver.md; reference §2.1].
    pub(super) fn offered_protocols(&self) -> Result<TokenList<'static>, NsError> {
        let md5 = self.config.md5_password.is_some().then_some("MSNP7");
        if self.config.dialects.is_empty() && md5.is_none() {
            return Err(NsError::Forbidden("NsConfig::dialects offers no dialect"));
        }
        let tokens = self
            .config
            .dialects
            .iter()
            .map(Dialect::as_str)
            .chain(md5)
            .chain(["CVR0"]);
        Ok(TokenList::from_tokens(tokens).expect("dialect names are tokens"))
    }

    /// Replaces the offered dialects before a connection, as transcripts set them.
    #[cfg(feature = "testing")]
    pub(crate) fn offer_dialects(&mut self, dialects: DialectSet) {
        self.config.dialects = dialects;
    }

    // ----- Input -----

    /// One login step's answer (reference §2).
    pub(super) fn handle_login(&mut self, command: ServerCommand<'_>) {
        use ServerCommand::*;
        let Some(trid) = command.trid() else {
            return match command {
                Out { reason } => self.server_out(reason),
                OutReconnect { minutes } => self.close(CloseReason::ReconnectLater { minutes }),
                Other(raw) => self.events.push_back(NsEvent::Unknown(raw.into_owned())),
                Error { code, .. } => self.close(CloseReason::LoginRejected { code }),
                other => self.violation("command before login completed", other.verb()),
            };
        };
        if let Error { code, .. } = command {
            let asked_usr = self.pending_verb(trid) == Some("USR");
            return self.close(if asked_usr {
                CloseReason::AuthenticationFailed { code }
            } else {
                CloseReason::LoginRejected { code }
            });
        }
        let verb = command.verb();
        // Login replies differ in verb from their request (`USR` → `XFR`), so match
        // by TrID alone and check the pair below.
        let Some(request) = self.take_pending(trid).map(|p| p.request) else {
            return self.violation("reply to no outstanding login step", verb);
        };
        match (command, request) {
            (Ver { protocols, .. }, ClientCommand::Ver { .. }) => {
                // A set, in any order, `CVR0` or not: servers answer with one dialect
                // (Escargot, YW) or with the subset they speak (PIKI, NINA) [reference §2.1].
                let answered = DialectSet::from_tokens(protocols.iter());
                if let Some(dialect) = self.config.dialects.highest_common(answered) {
                    self.dialect = Some(dialect);
                    let identity = self.config.identity.clone();
                    let account = self.account.clone();
                    self.send_request(|trid| cvr(&identity, &account, trid));
                } else if protocols.contains("MSNP7") && self.config.md5_password.is_some() {
                    // Only the login differs from MSNP8; the rest is MSNP8's grammar.
                    self.dialect = Some(Dialect::Msnp8);
                    self.send_request(|trid| ClientCommand::Inf { trid });
                } else {
                    self.close(CloseReason::VersionRefused);
                }
            }
            (Cvr { .. }, ClientCommand::Cvr { .. }) => {
                let account = self.account.clone();
                self.send_request(|trid| ClientCommand::UsrTwnInitial { trid, account });
            }
            (Inf { methods, .. }, ClientCommand::Inf { .. }) if methods.contains("MD5") => {
                let account = self.account.clone();
                self.send_request(|trid| ClientCommand::UsrMd5Initial { trid, account });
            }
            (
                XfrNs { addr, .. },
                ClientCommand::UsrTwnInitial { .. } | ClientCommand::UsrMd5Initial { .. },
            ) => {
                self.redirects = self.redirects.saturating_add(1);
                if self.redirects > self.config.max_redirects {
                    return self.close(CloseReason::TooManyRedirects {
                        max: self.config.max_redirects,
                    });
                }
                self.state = SessionState::Redirected;
                self.reset_input();
                self.events.push_back(NsEvent::Redirect {
                    addr: addr.into_owned(),
                });
            }
            (UsrTwnChallenge { challenge, .. }, ClientCommand::UsrTwnInitial { .. }) => {
                self.state = SessionState::AwaitingPassport;
                self.events.push_back(NsEvent::PassportRequired {
                    challenge: challenge.as_str().to_owned(),
                });
            }
            (UsrMd5Salt { salt, .. }, ClientCommand::UsrMd5Initial { .. }) => {
                let Some(password) = &self.config.md5_password else {
                    return self.violation("MD5 salt without an MD5 login", "USR");
                };
                let hash = crate::challenge::md5_login_hash(salt.as_str(), password);
                let hash = Token::try_from(hash).expect("hex digest is a valid token");
                let hash = Secret::new(hash);
                self.send_request(|trid| ClientCommand::UsrMd5Hash { trid, hash });
            }
            (
                UsrOk {
                    account, name, flags, ..
                },
                ClientCommand::UsrTwnTicket { .. } | ClientCommand::UsrMd5Hash { .. },
            ) => {
                self.state = SessionState::LoggedIn;
                // MSNP10+ sends the name later (`PRP MFN` in the list download); until then the
                // account stands in, as it does for an account that never set a name.
                let name = name.map_or_else(|| account.to_name(), |name| name.into_owned());
                self.name = Some(name.clone());
                self.next_ping = self.deadline_after(self.config.keepalive_interval);
                self.events.push_back(NsEvent::LoggedIn {
                    account: account.into_owned(),
                    name,
                    verified: flags.is_some_and(|f| f.verified),
                    restricted: flags.and_then(|f| f.restricted).unwrap_or(false),
                    // `USR OK` only answers a login that began with an answered `VER`.
                    dialect: self.dialect.unwrap_or(Dialect::Msnp8),
                });
            }
            (other, _) => self.violation("reply does not answer the login step", other.verb()),
        }
    }

    pub(super) fn server_out(&mut self, reason: Option<Token<'_>>) {
        let reason = match reason.as_ref().map(Token::as_str) {
            Some("OTH") => CloseReason::SignedInElsewhere,
            Some("SSD") => CloseReason::ServerShutdown,
            other => CloseReason::ServerClosed {
                reason: other.map(str::to_owned),
            },
        };
        self.close(reason);
    }
}

/// `CVR T locale os os-ver arch client client-ver MSMSGS account` [PIKI Command:CVR].
fn cvr(identity: &ClientIdentity, account: &Passport<'static>, trid: TrId) -> ClientCommand<'static> {
    ClientCommand::Cvr {
        trid,
        locale: identity.locale.clone(),
        os_type: identity.os_type.clone(),
        os_version: identity.os_version.clone(),
        arch: identity.arch.clone(),
        client_name: identity.client_name.clone(),
        client_version: identity.client_version.clone(),
        product: Token::try_from("MSMSGS").expect("static token"),
        // The official client sends the account; any word would do [HYP msnp8].
        account: Token::try_from(account.as_str().to_owned()).expect("an account is a token"),
    }
}
