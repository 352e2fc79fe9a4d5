//! [`ClientError`]: a call the [`Client`](super::Client) refused, with no change of state.

use crate::msg::MsgError;
use crate::ns::NsError;
use crate::presence::MsnObjectError;
use crate::sb::SbError;

/// A call the client refused; nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The session is over.
    #[error("the session is closed")]
    Closed,
    /// Messages need text.
    #[error("cannot send an empty text")]
    EmptyText,
    /// The protocol has no way to message oneself.
    #[error("cannot send a message to one's own account")]
    MessageToSelf,
    /// The conversation ended or never existed.
    #[error("the conversation has ended or never existed")]
    NoSuchConversation,
    /// [`ClientConfig::max_switchboards`](super::ClientConfig::max_switchboards) are open.
    #[error("{max} switchboards are already open")]
    TooManySwitchboards {
        /// The limit.
        max: usize,
    },
    /// [`ClientConfig::max_queued_messages`](super::ClientConfig::max_queued_messages)
    /// wait already, for a switchboard or for room in one's window.
    #[error("{max} messages already wait to be sent")]
    TooManyQueued {
        /// The limit.
        max: usize,
    },
    /// The message could not be built.
    #[error("cannot build the message: {0}")]
    Message(#[from] MsgError),
    /// The notification machine refused the call.
    #[error(transparent)]
    Notification(#[from] NsError),
    /// A switchboard machine refused the call.
    #[error(transparent)]
    Switchboard(#[from] SbError),
    /// The display picture is larger than
    /// [`ClientConfig::max_display_picture_len`](super::ClientConfig::max_display_picture_len).
    #[error("a display picture of {len} bytes is larger than the {max} allowed")]
    PictureTooLarge {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// No MSNObject can describe the display picture.
    #[error("cannot describe the display picture: {0}")]
    Picture(#[from] MsnObjectError),
    /// A transfer call was refused.
    #[error(transparent)]
    Transfer(#[from] super::TransferError),
}
