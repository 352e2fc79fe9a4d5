//! Passport 1.4 inside the [`Client`](super::Client): the notification server's
//! challenge goes through [`PassportFlow`], each request out as
//! [`ClientOutput::HttpRequest`](super::ClientOutput::HttpRequest), each answer back in
//! through [`Client::handle_http_response`](super::Client::handle_http_response) or
//! [`Client::handle_http_failed`](super::Client::handle_http_failed), so the caller never
//! sees a challenge, a password or a ticket.

use std::fmt;
use std::time::{Duration, Instant};

use super::PassportFailure;
use crate::Secret;
use crate::passport::{HttpRequest, HttpResponse, PassportConfig, PassportError, PassportFlow, Step};

/// Names one [`ClientOutput::HttpRequest`](super::ClientOutput::HttpRequest), to hand its
/// answer back under. An answer under an id the client no longer waits for is ignored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HttpId(pub(crate) u64);

impl fmt::Display for HttpId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "http#{}", self.0)
    }
}

/// What the client does next about Passport.
pub(super) enum Next {
    /// Hand this request to the caller.
    Request(HttpId, HttpRequest),
    /// Send the ticket to the notification server.
    Ticket(Secret<String>),
    /// End the session with this reason.
    Failed(PassportFailure),
    /// Nothing: a stale answer, or no login running.
    Nothing,
}

/// The login in flight, if any, and what outlives it: the password and the login
/// server the nexus named, so a later login (after a referral, or from a saved
/// configuration) skips the nexus as Net::Msmgr does.
pub(super) struct PassportLogin {
    config: PassportConfig,
    timeout: Duration,
    password: Secret<String>,
    run: Option<Run>,
    next_id: u64,
}

/// One login: the flow, the request it waits for, and until when.
struct Run {
    id: HttpId,
    flow: PassportFlow,
    deadline: Option<Instant>,
    challenge: String,
    /// The request goes to a login server cached from an earlier login: if it cannot
    /// be reached, the nexus may name another one.
    to_cached: bool,
}

impl fmt::Debug for PassportLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PassportLogin")
            .field("dalogin", &self.config.dalogin)
            .field("waiting_for", &self.run.as_ref().map(|run| run.id))
            .finish_non_exhaustive()
    }
}

impl PassportLogin {
    pub(super) fn new(config: PassportConfig, timeout: Duration, password: Secret<String>) -> Self {
        Self {
            config,
            timeout,
            password,
            run: None,
            next_id: 0,
        }
    }

    /// The login server learned so far.
    pub(super) fn dalogin(&self) -> Option<&str> {
        self.config.dalogin.as_deref()
    }

    /// When the request in flight times out.
    pub(super) fn deadline(&self) -> Option<Instant> {
        self.run.as_ref().and_then(|run| run.deadline)
    }

    /// Forgets the login in flight (the session ended); its answer will be ignored.
    pub(super) fn cancel(&mut self) {
        self.run = None;
    }

    /// The notification server sent `USR … TWN S <challenge>`.
    pub(super) fn start(&mut self, now: Instant, challenge: String, account: &str) -> Next {
        match PassportFlow::new(&self.config, &challenge, account, &self.password) {
            Ok(flow) => {
                let to_cached = self.config.dalogin.is_some();
                self.request(now, flow, challenge, to_cached)
            }
            Err(error) => Next::Failed(failure(error)),
        }
    }

    /// The answer to request `id`.
    pub(super) fn response(&mut self, now: Instant, id: HttpId, response: HttpResponse) -> Next {
        let Some(run) = self.take_run(id) else {
            return Next::Nothing;
        };
        match run.flow.handle_response(response) {
            Ok(Step::Continue(flow)) => {
                self.config.dalogin = flow.dalogin_url().map(str::to_owned);
                self.request(now, flow, run.challenge, false)
            }
            Ok(Step::Done(ticket)) => Next::Ticket(ticket),
            Err(error) => Next::Failed(failure(error)),
        }
    }

    /// Request `id` got no answer at all.
    pub(super) fn failed(&mut self, now: Instant, id: HttpId, reason: &str, account: &str) -> Next {
        let Some(run) = self.take_run(id) else {
            return Next::Nothing;
        };
        if run.to_cached {
            // The cached login server may have moved; the nexus knows the new one.
            self.config.dalogin = None;
            return self.start(now, run.challenge, account);
        }
        Next::Failed(PassportFailure::Unreachable {
            reason: reason.to_owned(),
        })
    }

    /// The time has come: the request in flight may have run out of time.
    pub(super) fn handle_timeout(&mut self, now: Instant) -> Next {
        match self.deadline() {
            Some(deadline) if now >= deadline => {
                self.run = None;
                Next::Failed(PassportFailure::TimedOut)
            }
            _ => Next::Nothing,
        }
    }

    fn take_run(&mut self, id: HttpId) -> Option<Run> {
        match &self.run {
            Some(run) if run.id == id => self.run.take(),
            _ => None,
        }
    }

    fn request(&mut self, now: Instant, flow: PassportFlow, challenge: String, to_cached: bool) -> Next {
        let id = HttpId(self.next_id);
        self.next_id += 1;
        let request = flow.request().clone();
        self.run = Some(Run {
            id,
            flow,
            deadline: now.checked_add(self.timeout),
            challenge,
            to_cached,
        });
        Next::Request(id, request)
    }
}

/// The typed end of a login the flow gave up on.
fn failure(error: PassportError) -> PassportFailure {
    match error {
        PassportError::CredentialsRejected { message, .. } => {
            PassportFailure::CredentialsRejected { message }
        }
        other => PassportFailure::Failed {
            reason: other.to_string(),
        },
    }
}
