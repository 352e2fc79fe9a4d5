//! `text/x-msmsgscontrol`: typing notifications.

use std::borrow::Cow;

use super::fields;
use super::{Message, MsgError, ParseError};

pub(super) const CONTENT_TYPE: &str = "text/x-msmsgscontrol";
const USER_HEADER: &str = "TypingUser";

/// "This user is typing": a switchboard message the official client re-sends about every
/// five seconds while the user types, and shows for about ten [TW
/// sendTypingNotification]. Usually sent with the `U` acknowledgement mode.
///
/// ```
/// use msnp::msg::Typing;
///
/// let mut wire = Vec::new();
/// Typing::new("bob@passport.com").encode(&mut wire)?;
/// assert_eq!(
///     wire,
///     b"MIME-Version: 1.0\r\nContent-Type: text/x-msmsgscontrol\r\n\
///       TypingUser: bob@passport.com\r\n\r\n\r\n"
/// );
/// # Ok::<(), msnp::msg::MsgError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Typing<'a> {
    /// The handle (e-mail address) of the user who is typing.
    pub user: Cow<'a, str>,
}

impl<'a> Typing<'a> {
    /// A notification that `user` is typing.
    pub fn new(user: impl Into<Cow<'a, str>>) -> Self {
        Self { user: user.into() }
    }

    /// Reads a typing notification.
    pub fn parse<'m>(message: &'m Message<'_>) -> Result<Typing<'m>, ParseError> {
        fields::expect_type(message, CONTENT_TYPE)?;
        let user = message
            .header(USER_HEADER)
            .ok_or(ParseError::MissingField { field: USER_HEADER })?;
        Ok(Typing {
            user: Cow::Borrowed(user),
        })
    }

    /// Appends the payload; its body is a lone CR LF, as the official client sends
    /// [HYP sb/example_session]. A handle holding CR, LF or NUL is refused.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), MsgError> {
        super::transactional(out, |out| {
            fields::write_preamble(out, CONTENT_TYPE);
            fields::write_header(out, USER_HEADER, &self.user)?;
            out.extend_from_slice(b"\r\n\r\n");
            Ok(())
        })
    }

    /// Copies whatever is borrowed.
    pub fn into_owned(self) -> Typing<'static> {
        Typing {
            user: fields::owned(self.user),
        }
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for Typing<'static> {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(Self {
            user: fields::arbitrary_value(u)?,
        })
    }
}
