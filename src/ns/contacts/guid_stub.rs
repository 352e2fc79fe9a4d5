//! Stand-in for the codec's `Guid` until the MSNP10 codec lands: the shape the model
//! needs (a token kept as written, 8-4-4-4-12 hex digits).

use std::borrow::Cow;
use std::fmt;

use crate::codec::TokenError;

/// A contact or group GUID (MSNP10+), kept as the server wrote it.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Guid<'a>(Cow<'a, str>);

impl<'a> Guid<'a> {
    /// The GUID as written on the wire.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Detaches the value from the buffer it was decoded from.
    pub fn into_owned(self) -> Guid<'static> {
        Guid(Cow::Owned(self.0.into_owned()))
    }

    fn validate(s: &str) -> Result<(), TokenError> {
        let groups: Vec<usize> = s.split('-').map(str::len).collect();
        if groups == [8, 4, 4, 4, 12] && s.bytes().all(|b| b == b'-' || b.is_ascii_hexdigit()) {
            Ok(())
        } else {
            Err(TokenError::Empty)
        }
    }
}

impl<'a> TryFrom<&'a str> for Guid<'a> {
    type Error = TokenError;
    fn try_from(value: &'a str) -> Result<Self, TokenError> {
        Self::validate(value)?;
        Ok(Guid(Cow::Borrowed(value)))
    }
}

impl TryFrom<String> for Guid<'static> {
    type Error = TokenError;
    fn try_from(value: String) -> Result<Self, TokenError> {
        Self::validate(&value)?;
        Ok(Guid(Cow::Owned(value)))
    }
}

impl fmt::Debug for Guid<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Guid({:?})", &*self.0)
    }
}
