//! Hotmail notices and system messages the notification server sends as `MSG Hotmail
//! Hotmail`. Their data are header-style lines in the *body* [YW msg.md].
//!
//! Fields these types do not know are ignored on reading.

use std::borrow::Cow;

use super::fields::{self, body_fields, parsed, set_first, write_opt, write_some};
use super::{Message, MsgError, ParseError};

pub(super) const INITIAL_CONTENT_TYPE: &str = "text/x-msmsgsinitialemailnotification";
pub(super) const NEW_CONTENT_TYPE: &str = "text/x-msmsgsemailnotification";
pub(super) const ACTIVE_CONTENT_TYPE: &str = "text/x-msmsgsactivemailnotification";
pub(super) const SYSTEM_CONTENT_TYPE: &str = "application/x-msmsgssystemmessage";

const INBOX_UNREAD: &str = "Inbox-Unread";
const FOLDERS_UNREAD: &str = "Folders-Unread";
const INBOX_URL: &str = "Inbox-URL";
const FOLDERS_URL: &str = "Folders-URL";
const POST_URL: &str = "Post-URL";
const FROM: &str = "From";
const MESSAGE_URL: &str = "Message-URL";
const SUBJECT: &str = "Subject";
const DEST_FOLDER: &str = "Dest-Folder";
const FROM_ADDR: &str = "From-Addr";
const ID: &str = "id";
const SRC_FOLDER: &str = "Src-Folder";
const MESSAGE_DELTA: &str = "Message-Delta";
const TYPE: &str = "Type";
const ARG1: &str = "Arg1";

/// Writes the preamble, the body fields, and the blank line that ends such bodies (the
/// 221-byte initial notification of [YW msg.md] counts it).
fn write_notice(
    out: &mut Vec<u8>,
    content_type: &'static str,
    body: impl FnOnce(&mut Vec<u8>) -> Result<(), MsgError>,
) -> Result<(), MsgError> {
    super::transactional(out, |out| {
        fields::write_preamble(out, content_type);
        out.extend_from_slice(b"\r\n");
        body(out)?;
        out.extend_from_slice(b"\r\n");
        Ok(())
    })
}

fn text(value: &str) -> Option<Cow<'_, str>> {
    Some(Cow::Borrowed(value))
}

fn owned(value: Option<Cow<'_, str>>) -> Option<Cow<'static, str>> {
    value.map(fields::owned)
}

/// Unread mail at login (`text/x-msmsgsinitialemailnotification`), sent when
/// [`Profile::email_enabled`](super::Profile::email_enabled) is set.
///
/// ```
/// use msnp::msg::{InitialEmailNotification, Message};
///
/// let wire = b"MIME-Version: 1.0\r\n\
///     Content-Type: text/x-msmsgsinitialemailnotification; charset=UTF-8\r\n\r\n\
///     Inbox-Unread: 3\r\nFolders-Unread: 0\r\n\r\n";
/// let message = Message::parse(wire)?;
/// let notice = InitialEmailNotification::parse(&message)?;
/// assert_eq!(notice.inbox_unread, 3);
/// # Ok::<(), msnp::msg::ParseError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct InitialEmailNotification<'a> {
    /// `Inbox-Unread`: unread messages in the inbox.
    pub inbox_unread: u32,
    /// `Folders-Unread`: unread messages in other folders.
    pub folders_unread: Option<u32>,
    /// `Inbox-URL`: path of the inbox on the Hotmail site.
    pub inbox_url: Option<Cow<'a, str>>,
    /// `Folders-URL`: path of the folder list.
    pub folders_url: Option<Cow<'a, str>>,
    /// `Post-URL`: where to post the Passport login form to open Hotmail.
    pub post_url: Option<Cow<'a, str>>,
}

impl InitialEmailNotification<'_> {
    /// Reads the notice; `Inbox-Unread` is required.
    pub fn parse<'m>(message: &'m Message<'_>) -> Result<InitialEmailNotification<'m>, ParseError> {
        fields::expect_type(message, INITIAL_CONTENT_TYPE)?;
        let mut inbox_unread = None;
        let mut n = InitialEmailNotification::default();
        for field in body_fields(message.body())? {
            let (name, value) = field?;
            let is = |f: &str| name.eq_ignore_ascii_case(f);
            if is(INBOX_UNREAD) {
                set_first(&mut inbox_unread, parsed(value, INBOX_UNREAD)?);
            } else if is(FOLDERS_UNREAD) {
                set_first(&mut n.folders_unread, parsed(value, FOLDERS_UNREAD)?);
            } else if is(INBOX_URL) {
                set_first(&mut n.inbox_url, text(value));
            } else if is(FOLDERS_URL) {
                set_first(&mut n.folders_url, text(value));
            } else if is(POST_URL) {
                set_first(&mut n.post_url, text(value));
            }
        }
        n.inbox_unread = inbox_unread.ok_or(ParseError::MissingField { field: INBOX_UNREAD })?;
        Ok(n)
    }

    /// Appends the payload.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), MsgError> {
        write_notice(
            out,
            "text/x-msmsgsinitialemailnotification; charset=UTF-8",
            |out| {
                write_some(out, INBOX_UNREAD, Some(self.inbox_unread));
                write_some(out, FOLDERS_UNREAD, self.folders_unread);
                write_opt(out, INBOX_URL, self.inbox_url.as_ref())?;
                write_opt(out, FOLDERS_URL, self.folders_url.as_ref())?;
                write_opt(out, POST_URL, self.post_url.as_ref())
            },
        )
    }

    /// Copies whatever is borrowed.
    pub fn into_owned(self) -> InitialEmailNotification<'static> {
        InitialEmailNotification {
            inbox_unread: self.inbox_unread,
            folders_unread: self.folders_unread,
            inbox_url: owned(self.inbox_url),
            folders_url: owned(self.folders_url),
            post_url: owned(self.post_url),
        }
    }
}

/// A new e-mail arrived (`text/x-msmsgsemailnotification`).
///
/// `From` and `Subject` are passed on as sent (they may be RFC 2047 encoded words).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct EmailNotification<'a> {
    /// `From`: the sender's display name.
    pub from: Option<Cow<'a, str>>,
    /// `Message-URL`: path of the message on the Hotmail site.
    pub message_url: Option<Cow<'a, str>>,
    /// `Post-URL`: where to post the Passport login form.
    pub post_url: Option<Cow<'a, str>>,
    /// `Subject`.
    pub subject: Option<Cow<'a, str>>,
    /// `Dest-Folder`: folder the message landed in (`ACTIVE` is the inbox).
    pub dest_folder: Option<Cow<'a, str>>,
    /// `From-Addr`: the sender's address.
    pub from_addr: Option<Cow<'a, str>>,
    /// `id`.
    pub id: Option<u32>,
}

impl EmailNotification<'_> {
    /// Reads the notice.
    pub fn parse<'m>(message: &'m Message<'_>) -> Result<EmailNotification<'m>, ParseError> {
        fields::expect_type(message, NEW_CONTENT_TYPE)?;
        let mut n = EmailNotification::default();
        for field in body_fields(message.body())? {
            let (name, value) = field?;
            let is = |f: &str| name.eq_ignore_ascii_case(f);
            if is(FROM) {
                set_first(&mut n.from, text(value));
            } else if is(MESSAGE_URL) {
                set_first(&mut n.message_url, text(value));
            } else if is(POST_URL) {
                set_first(&mut n.post_url, text(value));
            } else if is(SUBJECT) {
                set_first(&mut n.subject, text(value));
            } else if is(DEST_FOLDER) {
                set_first(&mut n.dest_folder, text(value));
            } else if is(FROM_ADDR) {
                set_first(&mut n.from_addr, text(value));
            } else if is(ID) {
                set_first(&mut n.id, parsed(value, ID)?);
            }
        }
        Ok(n)
    }

    /// Appends the payload.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), MsgError> {
        write_notice(out, "text/x-msmsgsemailnotification; charset=UTF-8", |out| {
            write_opt(out, FROM, self.from.as_ref())?;
            write_opt(out, MESSAGE_URL, self.message_url.as_ref())?;
            write_opt(out, POST_URL, self.post_url.as_ref())?;
            write_opt(out, SUBJECT, self.subject.as_ref())?;
            write_opt(out, DEST_FOLDER, self.dest_folder.as_ref())?;
            write_opt(out, FROM_ADDR, self.from_addr.as_ref())?;
            write_some(out, ID, self.id);
            Ok(())
        })
    }

    /// Copies whatever is borrowed.
    pub fn into_owned(self) -> EmailNotification<'static> {
        EmailNotification {
            from: owned(self.from),
            message_url: owned(self.message_url),
            post_url: owned(self.post_url),
            subject: owned(self.subject),
            dest_folder: owned(self.dest_folder),
            from_addr: owned(self.from_addr),
            id: self.id,
        }
    }
}

/// Mail moved, deleted or read elsewhere (`text/x-msmsgsactivemailnotification`): adjust
/// the unread count by [`message_delta`](Self::message_delta).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ActiveMailNotification<'a> {
    /// `Src-Folder`: where the messages were (`ACTIVE` is the inbox).
    pub src_folder: Option<Cow<'a, str>>,
    /// `Dest-Folder`: where they went (`trAsH` for deleted).
    pub dest_folder: Option<Cow<'a, str>>,
    /// `Message-Delta`: how many messages moved.
    pub message_delta: Option<i32>,
}

impl ActiveMailNotification<'_> {
    /// Reads the notice.
    pub fn parse<'m>(message: &'m Message<'_>) -> Result<ActiveMailNotification<'m>, ParseError> {
        fields::expect_type(message, ACTIVE_CONTENT_TYPE)?;
        let mut n = ActiveMailNotification::default();
        for field in body_fields(message.body())? {
            let (name, value) = field?;
            let is = |f: &str| name.eq_ignore_ascii_case(f);
            if is(SRC_FOLDER) {
                set_first(&mut n.src_folder, text(value));
            } else if is(DEST_FOLDER) {
                set_first(&mut n.dest_folder, text(value));
            } else if is(MESSAGE_DELTA) {
                set_first(&mut n.message_delta, parsed(value, MESSAGE_DELTA)?);
            }
        }
        Ok(n)
    }

    /// Appends the payload.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), MsgError> {
        write_notice(out, "text/x-msmsgsactivemailnotification; charset=UTF-8", |out| {
            write_opt(out, SRC_FOLDER, self.src_folder.as_ref())?;
            write_opt(out, DEST_FOLDER, self.dest_folder.as_ref())?;
            write_some(out, MESSAGE_DELTA, self.message_delta);
            Ok(())
        })
    }

    /// Copies whatever is borrowed.
    pub fn into_owned(self) -> ActiveMailNotification<'static> {
        ActiveMailNotification {
            src_folder: owned(self.src_folder),
            dest_folder: owned(self.dest_folder),
            message_delta: self.message_delta,
        }
    }
}

/// A system message (`application/x-msmsgssystemmessage`); type 1 announces a server
/// shutdown in [`arg1`](Self::arg1) minutes [YW msg.md].
///
/// ```
/// use msnp::msg::{Message, SystemMessage};
///
/// let wire = b"MIME-Version: 1.0\r\nContent-Type: application/x-msmsgssystemmessage\r\n\r\n\
///              Type: 1\r\nArg1: 5\r\n\r\n";
/// let message = Message::parse(wire)?;
/// let system = SystemMessage::parse(&message)?;
/// assert_eq!(system.shutdown_in_minutes(), Some(5));
/// # Ok::<(), msnp::msg::ParseError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct SystemMessage {
    /// `Type`: 1 = the server is going down.
    pub message_type: u32,
    /// `Arg1`: for type 1, minutes until the shutdown.
    pub arg1: Option<u32>,
}

impl SystemMessage {
    /// The `Type` of a shutdown announcement.
    pub const SHUTDOWN: u32 = 1;

    /// Reads the message; `Type` is required.
    pub fn parse(message: &Message<'_>) -> Result<Self, ParseError> {
        fields::expect_type(message, SYSTEM_CONTENT_TYPE)?;
        let (mut message_type, mut arg1) = (None, None);
        for field in body_fields(message.body())? {
            let (name, value) = field?;
            if name.eq_ignore_ascii_case(TYPE) {
                set_first(&mut message_type, parsed(value, TYPE)?);
            } else if name.eq_ignore_ascii_case(ARG1) {
                set_first(&mut arg1, parsed(value, ARG1)?);
            }
        }
        let message_type = message_type.ok_or(ParseError::MissingField { field: TYPE })?;
        Ok(Self { message_type, arg1 })
    }

    /// Minutes until the server shuts down, when this announces a shutdown.
    pub fn shutdown_in_minutes(&self) -> Option<u32> {
        (self.message_type == Self::SHUTDOWN)
            .then_some(self.arg1)
            .flatten()
    }

    /// Appends the payload; numbers cannot be refused.
    pub fn encode(&self, out: &mut Vec<u8>) {
        fields::write_preamble(out, SYSTEM_CONTENT_TYPE);
        out.extend_from_slice(b"\r\n");
        write_some(out, TYPE, Some(self.message_type));
        write_some(out, ARG1, self.arg1);
        out.extend_from_slice(b"\r\n");
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for InitialEmailNotification<'static> {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(Self {
            inbox_unread: u.arbitrary()?,
            folders_unread: u.arbitrary()?,
            inbox_url: fields::arbitrary_opt(u)?,
            folders_url: fields::arbitrary_opt(u)?,
            post_url: fields::arbitrary_opt(u)?,
        })
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for EmailNotification<'static> {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(Self {
            from: fields::arbitrary_opt(u)?,
            message_url: fields::arbitrary_opt(u)?,
            post_url: fields::arbitrary_opt(u)?,
            subject: fields::arbitrary_opt(u)?,
            dest_folder: fields::arbitrary_opt(u)?,
            from_addr: fields::arbitrary_opt(u)?,
            id: u.arbitrary()?,
        })
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for ActiveMailNotification<'static> {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(Self {
            src_folder: fields::arbitrary_opt(u)?,
            dest_folder: fields::arbitrary_opt(u)?,
            message_delta: u.arbitrary()?,
        })
    }
}
