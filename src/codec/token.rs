//! Validated wire tokens: the words of a command line.
//!
//! Every type here keeps its wire form (borrowed when decoded, owned when built) and can
//! only hold a value that is safe to write as one token: no space, no control byte (so
//! never CR, LF or NUL). A caller's text therefore can never become a second command.

use std::borrow::Cow;
use std::fmt;

use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};

use super::error::TokenError;
use super::parse::{canonical_u32, canonical_u32_bytes, check_token};
use super::types::GroupId;

macro_rules! token_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name<'a>(Cow<'a, str>);

        impl<'a> $name<'a> {
            /// The token exactly as it is written on the wire.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// Detaches the value from the buffer it was decoded from.
            pub fn into_owned(self) -> $name<'static> {
                $name(Cow::Owned(self.0.into_owned()))
            }

            /// Builds from a word that [`split_words`](super::parse::split_words) cut
            /// from a line free of control bytes: no space or control byte can be in it,
            /// so only the checks on its shape remain.
            #[inline]
            pub(crate) fn from_word(word: &'a str, clean: bool) -> Result<Self, TokenError> {
                if clean && !word.is_empty() {
                    Self::validate_shape(word)?;
                    Ok(Self(Cow::Borrowed(word)))
                } else {
                    Self::try_from(word)
                }
            }

            /// Borrows without copying, for comparisons and re-encoding.
            pub fn borrow(&self) -> $name<'_> {
                $name(Cow::Borrowed(&self.0))
            }
        }

        impl<'a> TryFrom<&'a str> for $name<'a> {
            type Error = TokenError;
            fn try_from(value: &'a str) -> Result<Self, TokenError> {
                Self::validate(&value)?;
                Ok(Self(Cow::Borrowed(value)))
            }
        }

        impl TryFrom<String> for $name<'static> {
            type Error = TokenError;
            fn try_from(value: String) -> Result<Self, TokenError> {
                Self::validate(&value)?;
                Ok(Self(Cow::Owned(value)))
            }
        }

        impl fmt::Display for $name<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), &*self.0)
            }
        }

        impl AsRef<str> for $name<'_> {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

token_type! {
    /// An opaque protocol word: a session id, a challenge, a version, a URL, a cookie.
    ///
    /// Session ids and cookies are kept as text because servers differ (some use hex
    /// strings, not numbers).
    ///
    /// ```
    /// use msnp::codec::Token;
    /// assert_eq!(Token::try_from("17262740.1050826919.32308").unwrap().as_str(), "17262740.1050826919.32308");
    /// assert!(Token::try_from("two words").is_err());
    /// ```
    Token
}

impl Token<'_> {
    fn validate(s: &str) -> Result<(), TokenError> {
        check_token(s)
    }

    fn validate_shape(_: &str) -> Result<(), TokenError> {
        Ok(())
    }
}

/// The longest account name the official client accepts [DRAFT §5.4].
pub const MAX_PASSPORT_LEN: usize = 129;

token_type! {
    /// A user handle: the Passport account e-mail address (`example@passport.com`).
    ///
    /// Equality is exact (so decoding and encoding round-trip); use
    /// [`Passport::same_account`] to compare accounts, which servers treat
    /// case-insensitively (they may send handles lower-cased).
    ///
    /// ```
    /// use msnp::codec::Passport;
    /// let a = Passport::try_from("Bob@Passport.com").unwrap();
    /// assert!(a.same_account(&Passport::try_from("bob@passport.com").unwrap()));
    /// assert!(Passport::try_from("bob@passport.com\r\nOUT").is_err());
    /// ```
    Passport
}

impl Passport<'_> {
    fn validate(s: &str) -> Result<(), TokenError> {
        check_token(s)?;
        Self::validate_shape(s)
    }

    fn validate_shape(s: &str) -> Result<(), TokenError> {
        if s.len() > MAX_PASSPORT_LEN {
            return Err(TokenError::TooLong {
                len: s.len(),
                max: MAX_PASSPORT_LEN,
            });
        }
        Ok(())
    }

    /// Whether both name the same account (ASCII case-insensitive).
    pub fn same_account(&self, other: &Passport<'_>) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }

    /// The account as a friendly name: what stands for the user's name until MSNP10+
    /// sends it (`USR OK` no longer carries it).
    ///
    /// ```
    /// use msnp::codec::Passport;
    /// let name = Passport::try_from("a%b@example.com").unwrap().to_name();
    /// assert_eq!((name.as_str(), &*name.decode()), ("a%25b@example.com", "a%b@example.com"));
    /// ```
    pub fn to_name(&self) -> EncodedName<'static> {
        EncodedName(Cow::Owned(
            utf8_percent_encode(&self.0, NAME_ENCODE_SET).collect(),
        ))
    }
}

/// Bytes that a name must not carry raw: controls, space, `%` itself and every
/// non-ASCII byte [DRAFT §5.5; HYP names]. `+` stays literal: MSN never uses it for space.
const NAME_ENCODE_SET: &AsciiSet = &CONTROLS.add(b' ').add(b'%');

token_type! {
    /// A friendly (display) name or group name in its percent-encoded wire form.
    ///
    /// Decoding is lazy: [`EncodedName::decode`] gives the display text. Build one from
    /// display text with [`EncodedName::from_text`], which encodes what must be encoded.
    ///
    /// ```
    /// use msnp::codec::FriendlyName;
    /// let name = FriendlyName::from_text("Bob 🐟\r\nOUT").unwrap();
    /// assert_eq!(name.as_str(), "Bob%20%F0%9F%90%9F%0D%0AOUT");
    /// assert_eq!(name.decode(), "Bob 🐟\r\nOUT");
    /// ```
    EncodedName
}

/// A contact's or one's own display name, percent-encoded on the wire.
pub type FriendlyName<'a> = EncodedName<'a>;
/// A group's name, percent-encoded on the wire.
pub type GroupName<'a> = EncodedName<'a>;

impl EncodedName<'_> {
    fn validate(s: &str) -> Result<(), TokenError> {
        check_token(s)
    }

    fn validate_shape(_: &str) -> Result<(), TokenError> {
        Ok(())
    }

    /// Encodes display text for the wire. Only the empty text is refused: a token
    /// cannot be empty, and the protocol has no encoding for an empty name.
    pub fn from_text(text: &str) -> Result<EncodedName<'static>, TokenError> {
        if text.is_empty() {
            return Err(TokenError::Empty);
        }
        Ok(EncodedName(Cow::Owned(
            utf8_percent_encode(text, NAME_ENCODE_SET).collect(),
        )))
    }

    /// The display text, percent-decoded; invalid UTF-8 is replaced, never an error.
    pub fn decode(&self) -> Cow<'_, str> {
        percent_decode_str(&self.0).decode_utf8_lossy()
    }
}

/// Several tokens kept as their wire text: the protocols of `VER`, the methods of `INF`,
/// the extra words of an error reply. Iterate with [`TokenList::iter`].
///
/// ```
/// use msnp::codec::TokenList;
/// let list = TokenList::try_from("MSNP8 CVR0").unwrap();
/// assert_eq!(list.iter().collect::<Vec<_>>(), ["MSNP8", "CVR0"]);
/// assert!(list.contains("CVR0"));
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct TokenList<'a>(Cow<'a, str>);

impl<'a> TokenList<'a> {
    fn validate(s: &str) -> Result<(), TokenError> {
        if s.is_empty() {
            return Err(TokenError::Empty);
        }
        // Single spaces between tokens: anything else would not round-trip.
        for (at, word) in s.split(' ').enumerate() {
            check_token(word).map_err(|e| match e {
                TokenError::Empty => TokenError::Forbidden { byte: b' ', at },
                other => other,
            })?;
        }
        Ok(())
    }

    /// Builds a list from tokens, joined by single spaces.
    pub fn from_tokens<'t>(
        tokens: impl IntoIterator<Item = &'t str>,
    ) -> Result<TokenList<'static>, TokenError> {
        let joined = tokens.into_iter().collect::<Vec<_>>().join(" ");
        TokenList::validate(&joined)?;
        Ok(TokenList(Cow::Owned(joined)))
    }

    /// The tokens in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        self.0.split(' ')
    }

    /// Whether one of the tokens is exactly `token`.
    pub fn contains(&self, token: &str) -> bool {
        self.iter().any(|t| t == token)
    }

    /// The wire text, tokens separated by single spaces.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Detaches the value from the buffer it was decoded from.
    pub fn into_owned(self) -> TokenList<'static> {
        TokenList(Cow::Owned(self.0.into_owned()))
    }
}

impl<'a> TryFrom<&'a str> for TokenList<'a> {
    type Error = TokenError;
    fn try_from(value: &'a str) -> Result<Self, TokenError> {
        TokenList::validate(value)?;
        Ok(TokenList(Cow::Borrowed(value)))
    }
}

/// The groups of an `LST` line: group ids separated by commas (`0,3`) [YW lst.md].
///
/// ```
/// use msnp::codec::{GroupId, GroupList};
/// let groups = GroupList::try_from("0,3").unwrap();
/// assert_eq!(groups.iter().collect::<Vec<_>>(), [GroupId(0), GroupId(3)]);
/// assert_eq!(GroupList::from_ids([GroupId(2), GroupId(5)]).unwrap().as_str(), "2,5");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct GroupList<'a>(Cow<'a, str>);

impl<'a> GroupList<'a> {
    fn validate(s: &str) -> Result<(), TokenError> {
        // Nearly every list is valid: one pass over its bytes says so, and only a bad one
        // is walked again to say where.
        if s.as_bytes()
            .split(|&b| b == b',')
            .all(|id| canonical_u32_bytes(id).is_some())
        {
            return Ok(());
        }
        if s.is_empty() {
            return Err(TokenError::Empty);
        }
        let mut at = 0;
        for id in s.split(',') {
            if canonical_u32(id).is_none() {
                let byte = id.bytes().find(|b| !b.is_ascii_digit()).unwrap_or(b',');
                return Err(TokenError::Forbidden { byte, at });
            }
            at += id.len() + 1;
        }
        Ok(())
    }

    /// Builds the list from ids; at least one id is needed.
    pub fn from_ids(ids: impl IntoIterator<Item = GroupId>) -> Result<GroupList<'static>, TokenError> {
        let joined = ids
            .into_iter()
            .map(|id| id.0.to_string())
            .collect::<Vec<_>>()
            .join(",");
        GroupList::validate(&joined)?;
        Ok(GroupList(Cow::Owned(joined)))
    }

    /// The group ids in order.
    pub fn iter(&self) -> impl Iterator<Item = GroupId> + '_ {
        self.0.split(',').filter_map(|id| canonical_u32(id).map(GroupId))
    }

    /// The wire text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Detaches the value from the buffer it was decoded from.
    pub fn into_owned(self) -> GroupList<'static> {
        GroupList(Cow::Owned(self.0.into_owned()))
    }
}

impl<'a> TryFrom<&'a str> for GroupList<'a> {
    type Error = TokenError;
    fn try_from(value: &'a str) -> Result<Self, TokenError> {
        GroupList::validate(value)?;
        Ok(GroupList(Cow::Borrowed(value)))
    }
}

/// The length of a GUID's text: 32 hex digits and four dashes.
const GUID_LEN: usize = 36;

/// Whether `s` has a GUID's shape: `8-4-4-4-12` hex digits of either case.
pub(crate) fn is_guid(s: &str) -> bool {
    s.len() == GUID_LEN
        && s.bytes().enumerate().all(|(at, b)| match at {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

token_type! {
    /// A contact or group id of the MSNP10+ contact model: `8-4-4-4-12` hex digits with
    /// dashes (`f86b80de-3b34-4bd7-b5d6-79c1b13a9e4a`), either case, kept as written
    /// [YW msnp10; NINA Commands/LST]. MSNP8's groups are numbers ([`GroupId`]); MSNP10+
    /// names groups and forward-list contacts by a `Guid`.
    ///
    /// Validated by shape, so a grammar can find the GUID among a line's words where
    /// servers disagree on their order (Escargot's `REG`, reference §4.2).
    ///
    /// ```
    /// use msnp::codec::Guid;
    /// let a = Guid::try_from("F86B80DE-3B34-4BD7-B5D6-79C1B13A9E4A").unwrap();
    /// assert!(a.same_id(&Guid::try_from("f86b80de-3b34-4bd7-b5d6-79c1b13a9e4a").unwrap()));
    /// assert!(Guid::try_from("1").is_err());
    /// ```
    Guid
}

impl Guid<'_> {
    fn validate(s: &str) -> Result<(), TokenError> {
        check_token(s)?;
        Self::validate_shape(s)
    }

    fn validate_shape(s: &str) -> Result<(), TokenError> {
        if is_guid(s) {
            return Ok(());
        }
        if s.len() > GUID_LEN {
            return Err(TokenError::TooLong {
                len: s.len(),
                max: GUID_LEN,
            });
        }
        let at = s
            .bytes()
            .enumerate()
            .find(|&(at, b)| match at {
                8 | 13 | 18 | 23 => b != b'-',
                _ => !b.is_ascii_hexdigit(),
            })
            .map_or(s.len().min(GUID_LEN), |(at, _)| at);
        match s.as_bytes().get(at) {
            Some(&byte) => Err(TokenError::Forbidden { byte, at }),
            // Too short: the missing digit at the end is what is wrong.
            None => Err(TokenError::Truncated { at }),
        }
    }

    /// Whether both name the same id (hex digits compared case-insensitively).
    pub fn same_id(&self, other: &Guid<'_>) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }
}

/// The groups of an MSNP10+ `LST` line: group GUIDs separated by commas [NINA Commands/LST].
///
/// ```
/// use msnp::codec::GuidList;
/// let groups = GuidList::try_from("f86b80de-3b34-4bd7-b5d6-79c1b13a9e4a,00000000-0000-0000-0000-000000000001").unwrap();
/// assert_eq!(groups.iter().count(), 2);
/// assert!(GuidList::try_from("1,2").is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct GuidList<'a>(Cow<'a, str>);

impl<'a> GuidList<'a> {
    fn validate(s: &str) -> Result<(), TokenError> {
        if s.is_empty() {
            return Err(TokenError::Empty);
        }
        let mut at = 0;
        for id in s.split(',') {
            if !is_guid(id) {
                return Err(TokenError::Forbidden {
                    byte: id.bytes().next().unwrap_or(b','),
                    at,
                });
            }
            at += id.len() + 1;
        }
        Ok(())
    }

    /// Builds the list from GUIDs; at least one is needed.
    pub fn from_guids<'g>(
        guids: impl IntoIterator<Item = &'g Guid<'g>>,
    ) -> Result<GuidList<'static>, TokenError> {
        let joined = guids.into_iter().map(Guid::as_str).collect::<Vec<_>>().join(",");
        GuidList::validate(&joined)?;
        Ok(GuidList(Cow::Owned(joined)))
    }

    /// The GUIDs in order.
    pub fn iter(&self) -> impl Iterator<Item = Guid<'_>> + '_ {
        self.0.split(',').map(|id| Guid(Cow::Borrowed(id)))
    }

    /// The wire text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Detaches the value from the buffer it was decoded from.
    pub fn into_owned(self) -> GuidList<'static> {
        GuidList(Cow::Owned(self.0.into_owned()))
    }
}

impl<'a> TryFrom<&'a str> for GuidList<'a> {
    type Error = TokenError;
    fn try_from(value: &'a str) -> Result<Self, TokenError> {
        GuidList::validate(value)?;
        Ok(GuidList(Cow::Borrowed(value)))
    }
}
