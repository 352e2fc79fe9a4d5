//! [`ServerError`]: misuse of the [`Server`](super::Server) API.

use thiserror::Error;

use super::connection::ConnId;
use super::directory::AccountError;

/// Misuse of the [`Server`](super::Server) API by its caller.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ServerError {
    /// No open connection has this id (it was closed, or never accepted).
    #[error("no open connection {0}")]
    UnknownConnection(ConnId),
    /// The account could not be created.
    #[error(transparent)]
    Account(#[from] AccountError),
}
