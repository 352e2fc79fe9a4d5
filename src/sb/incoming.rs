//! What the switchboard says: each server command, handled in the session's state.

use crate::codec::{OutReason, Passport, ServerCommand, TrId};
use crate::msg::{Message, MessageKind, TextFormat};

use super::{
    CloseReason, InviteFailure, NotDelivered, Participant, Phase, ProtocolViolation, SbEvent,
    SwitchboardClient,
};

/// Types an incoming payload; anything whose typed view does not parse comes raw, since
/// the payload is the peers' business, not the server's.
fn incoming(from: Passport<'static>, name: crate::codec::FriendlyName<'static>, payload: &[u8]) -> SbEvent {
    let raw = |from, name| SbEvent::Message {
        from,
        name,
        payload: payload.to_vec(),
    };
    let Ok(message) = Message::parse(payload) else {
        return raw(from, name);
    };
    match message.kind() {
        Ok(MessageKind::Text(text)) => SbEvent::Text {
            from,
            name,
            text: text.body.into_owned(),
            format: text.format.map(TextFormat::into_owned),
        },
        Ok(MessageKind::Typing(typing)) => SbEvent::Typing {
            from,
            user: typing.user.into_owned(),
        },
        Ok(MessageKind::Invitation(invitation)) => SbEvent::Invitation {
            from,
            name,
            invitation: invitation.into_owned(),
        },
        _ => raw(from, name),
    }
}

impl SwitchboardClient {
    pub(super) fn handle_command(&mut self, command: ServerCommand<'_>) {
        use ServerCommand as S;
        match command {
            S::UsrOk {
                trid, account, name, ..
            } => match self.phase {
                Phase::Authenticating { trid: usr } if usr == trid => {
                    self.phase = Phase::Joined;
                    self.events.push_back(SbEvent::Authenticated {
                        name: name.map_or_else(|| account.to_name(), |name| name.into_owned()),
                        account: account.into_owned(),
                    });
                }
                _ => self.violation_unexpected("USR"),
            },
            S::Iro {
                trid,
                account,
                name,
                caps,
                ..
            } => {
                let max = self.config.max_participants;
                match &mut self.phase {
                    Phase::Answering { trid: ans, roster } if *ans == trid => {
                        let participant = Participant {
                            account: account.into_owned(),
                            name: name.into_owned(),
                            caps,
                        };
                        if !roster.contains(&participant.account) && roster.len() >= max {
                            self.violation(ProtocolViolation::TooManyParticipants { max });
                        } else {
                            roster.join(participant);
                        }
                    }
                    _ => self.violation_unexpected("IRO"),
                }
            }
            S::Ans { trid } => match std::mem::replace(&mut self.phase, Phase::Joined) {
                Phase::Answering { trid: ans, roster } if ans == trid => {
                    // Nobody can join before `ANS OK` (a `JOI` then is a violation), so
                    // the roster collected from `IRO` is the whole of it.
                    self.roster = roster;
                    let participants = self.roster.members().to_vec();
                    self.events.push_back(SbEvent::Roster { participants });
                    if !self.roster.is_empty() {
                        self.flush_queued();
                    }
                }
                other => {
                    self.phase = other;
                    self.violation_unexpected("ANS");
                }
            },
            S::Cal { trid, session } => match self.invites.remove(&trid) {
                Some(account) => {
                    let session = session.into_owned();
                    self.session = Some(session.clone());
                    self.events.push_back(SbEvent::Ringing {
                        trid,
                        account,
                        session,
                    });
                }
                None => self.pass_on(S::Cal { trid, session }),
            },
            S::Joi { account, name, caps } => {
                if !self.is_joined() {
                    return self.violation_unexpected("JOI");
                }
                let participant = Participant {
                    account: account.into_owned(),
                    name: name.into_owned(),
                    caps,
                };
                let max = self.config.max_participants;
                if !self.roster.contains(&participant.account) && self.roster.len() >= max {
                    return self.violation(ProtocolViolation::TooManyParticipants { max });
                }
                let was_alone = self.roster.is_empty();
                self.roster.join(participant.clone());
                if was_alone {
                    self.flush_queued();
                }
                self.events.push_back(SbEvent::ParticipantJoined { participant });
            }
            S::Bye { account, idle } => {
                if !self.is_joined() {
                    return self.violation_unexpected("BYE");
                }
                if !self.roster.leave(&account) {
                    return self.pass_on(S::Bye { account, idle });
                }
                self.events.push_back(SbEvent::ParticipantLeft {
                    account: account.into_owned(),
                    idle,
                });
                if self.roster.is_empty() {
                    self.events.push_back(SbEvent::Alone);
                }
            }
            S::Msg { from, name, payload } => {
                if !self.is_joined() {
                    return self.violation_unexpected("MSG");
                }
                let from = from.into_owned();
                let name = name.into_owned();
                let event = incoming(from, name, &payload);
                self.events.push_back(event);
            }
            S::Ack { trid } => match self.ledger.ack(trid) {
                Some(event) => self.events.push_back(event),
                None => self.pass_on(S::Ack { trid }),
            },
            S::Nak { trid } => match self.ledger.fail(trid, NotDelivered::Nak) {
                Some(event) => self.events.push_back(event),
                None => self.pass_on(S::Nak { trid }),
            },
            S::Error { code, trid, .. } => self.handle_error(code, trid),
            S::Out { reason } => {
                let reason = reason.and_then(|r| OutReason::from_wire(r.as_str()));
                self.close(CloseReason::ServerOut { reason }, false);
            }
            other => self.pass_on(other),
        }
    }

    fn violation_unexpected(&mut self, verb: &'static str) {
        let state = match self.phase {
            Phase::Authenticating { .. } => "before USR OK",
            Phase::Answering { .. } => "before ANS OK",
            Phase::Joined => "in the session",
            Phase::Closed => "after the end",
        };
        self.violation(ProtocolViolation::Unexpected { verb, state });
    }

    fn pass_on(&mut self, command: ServerCommand<'_>) {
        self.events.push_back(SbEvent::Unhandled {
            command: command.into_owned(),
        });
    }

    /// An error reply completes the request with its TrID (reference §9).
    fn handle_error(&mut self, code: crate::codec::ErrorCode, trid: Option<TrId>) {
        let Some(trid) = trid else {
            self.events.push_back(SbEvent::CommandFailed {
                trid: None,
                request: None,
                code,
            });
            return;
        };
        match self.phase {
            // Any error to USR or ANS: the cookie was refused (reference §7).
            Phase::Authenticating { trid: t } | Phase::Answering { trid: t, .. } if t == trid => {
                return self.close(CloseReason::AuthenticationFailed { code }, false);
            }
            _ => {}
        }
        if let Some(account) = self.invites.remove(&trid) {
            self.events.push_back(SbEvent::InviteFailed {
                trid,
                account,
                reason: InviteFailure::from_code(code),
                code,
            });
        } else if self.ledger.is_tracked(trid) {
            if let Some(event) = self.ledger.fail(trid, NotDelivered::Rejected(code)) {
                self.events.push_back(event);
            }
        } else {
            let request = self
                .recent
                .iter()
                .position(|(t, _)| *t == trid)
                .and_then(|at| self.recent.remove(at))
                .map(|(_, verb)| verb);
            self.events.push_back(SbEvent::CommandFailed {
                trid: Some(trid),
                request,
                code,
            });
        }
    }
}
