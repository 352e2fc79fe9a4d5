//! [`Dialect`]: the protocol versions the crate knows, MSNP8 to MSNP12, as `VER` names
//! them, and [`DialectSet`], the set a client offers or a server answers with.

use std::fmt;
use std::str::FromStr;

/// One protocol version, named as `VER` spells it (`MSNP12`; names are case-sensitive
/// [NINA Commands/VER]). Ordered by age, so the highest of a set is the newest.
///
/// ```
/// use msnp::codec::Dialect;
/// assert_eq!(Dialect::Msnp12.to_string(), "MSNP12");
/// assert_eq!("MSNP9".parse(), Ok(Dialect::Msnp9));
/// assert!(Dialect::Msnp8 < Dialect::Msnp12);
/// assert_eq!(Dialect::parse("msnp9"), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Dialect {
    /// MSNP8: MSN Messenger 5.0, Passport 1.4 login.
    Msnp8,
    /// MSNP9: MSN Messenger 6.0; MSNObjects on presence, `QNG <seconds>`.
    Msnp9,
    /// MSNP10: MSN Messenger 6.1/6.2; the GUID contact model.
    Msnp10,
    /// MSNP11: MSN Messenger 7.0; personal messages, the new challenge.
    Msnp11,
    /// MSNP12: MSN Messenger 7.5; network ids in `LST`.
    Msnp12,
}

impl Dialect {
    /// Every dialect, oldest first.
    pub const ALL: [Dialect; 5] = [
        Dialect::Msnp8,
        Dialect::Msnp9,
        Dialect::Msnp10,
        Dialect::Msnp11,
        Dialect::Msnp12,
    ];

    /// The version number: 8 for MSNP8.
    pub const fn number(self) -> u8 {
        match self {
            Dialect::Msnp8 => 8,
            Dialect::Msnp9 => 9,
            Dialect::Msnp10 => 10,
            Dialect::Msnp11 => 11,
            Dialect::Msnp12 => 12,
        }
    }

    /// The `VER` token: `MSNP8`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Dialect::Msnp8 => "MSNP8",
            Dialect::Msnp9 => "MSNP9",
            Dialect::Msnp10 => "MSNP10",
            Dialect::Msnp11 => "MSNP11",
            Dialect::Msnp12 => "MSNP12",
        }
    }

    /// The dialect a `VER` token names, if it is one of these; anything else (`CVR0`,
    /// `MSNP7`, `0`, another case) is `None`.
    pub fn parse(token: &str) -> Option<Dialect> {
        Dialect::ALL.into_iter().find(|d| d.as_str() == token)
    }

    const fn bit(self) -> u8 {
        1 << (self.number() - 8)
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `VER` token that names no dialect of this crate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a known protocol dialect (MSNP8 to MSNP12)")]
#[non_exhaustive]
pub struct UnknownDialect;

impl FromStr for Dialect {
    type Err = UnknownDialect;
    fn from_str(s: &str) -> Result<Self, UnknownDialect> {
        Dialect::parse(s).ok_or(UnknownDialect)
    }
}

/// A set of dialects: what a client offers in `VER`, or what a server's `VER` reply
/// names. A bit set, so it holds each dialect once whatever the input, and every
/// operation is O(1).
///
/// ```
/// use msnp::codec::{Dialect, DialectSet};
/// let offered = DialectSet::from_iter([Dialect::Msnp8, Dialect::Msnp9]);
/// let answered = DialectSet::from_tokens(["CVR0", "MSNP8", "MYPROTOCOL"]);
/// assert_eq!(offered.highest_common(answered), Some(Dialect::Msnp8));
/// assert_eq!(offered.iter().collect::<Vec<_>>(), [Dialect::Msnp9, Dialect::Msnp8]);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct DialectSet(u8);

impl DialectSet {
    /// No dialect.
    pub const EMPTY: DialectSet = DialectSet(0);
    /// MSNP8 to MSNP12.
    pub const ALL: DialectSet = DialectSet(0b1_1111);

    /// The set of one dialect.
    pub const fn only(dialect: Dialect) -> DialectSet {
        DialectSet(dialect.bit())
    }

    /// The dialects named among `tokens`; other tokens (`CVR0`, `MSNP7`, `0`) are
    /// ignored, as the reply to `VER` may carry them in any order [PIKI; NINA].
    pub fn from_tokens<'t>(tokens: impl IntoIterator<Item = &'t str>) -> DialectSet {
        tokens.into_iter().filter_map(Dialect::parse).collect()
    }

    /// Adds `dialect`.
    pub fn insert(&mut self, dialect: Dialect) {
        self.0 |= dialect.bit();
    }

    /// Whether `dialect` is in the set.
    pub const fn contains(self, dialect: Dialect) -> bool {
        self.0 & dialect.bit() != 0
    }

    /// Whether the set holds no dialect.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The newest dialect of the set.
    pub fn highest(self) -> Option<Dialect> {
        self.iter().next()
    }

    /// The newest dialect both sets hold: the one a session speaks (reference §2.1).
    pub fn highest_common(self, other: DialectSet) -> Option<Dialect> {
        DialectSet(self.0 & other.0).highest()
    }

    /// The dialects, newest first: the order `VER` lists them in.
    pub fn iter(self) -> impl Iterator<Item = Dialect> {
        Dialect::ALL.into_iter().rev().filter(move |d| self.contains(*d))
    }
}

impl FromIterator<Dialect> for DialectSet {
    fn from_iter<I: IntoIterator<Item = Dialect>>(iter: I) -> Self {
        let mut set = DialectSet::EMPTY;
        for dialect in iter {
            set.insert(dialect);
        }
        set
    }
}

impl fmt::Debug for DialectSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for dialect in Dialect::ALL {
            assert_eq!(Dialect::parse(&dialect.to_string()), Some(dialect));
            assert_eq!(dialect.as_str(), format!("MSNP{}", dialect.number()));
        }
        for other in ["MSNP7", "MSNP13", "msnp8", "CVR0", "0", "", "MSNP08"] {
            assert_eq!(Dialect::parse(other), None, "{other}");
            assert_eq!(other.parse::<Dialect>(), Err(UnknownDialect));
        }
    }

    #[test]
    fn sets_iterate_newest_first_and_meet() {
        assert_eq!(
            DialectSet::ALL.iter().collect::<Vec<_>>(),
            [
                Dialect::Msnp12,
                Dialect::Msnp11,
                Dialect::Msnp10,
                Dialect::Msnp9,
                Dialect::Msnp8
            ]
        );
        assert_eq!(
            format!("{:?}", DialectSet::ALL),
            "{Msnp12, Msnp11, Msnp10, Msnp9, Msnp8}"
        );
        let reply = DialectSet::from_tokens(["MSNP11", "MSNP10", "CVR0", "MSNP11"]);
        assert_eq!(DialectSet::ALL.highest_common(reply), Some(Dialect::Msnp11));
        assert_eq!(DialectSet::only(Dialect::Msnp8).highest_common(reply), None);
        assert_eq!(DialectSet::from_tokens(["0"]), DialectSet::EMPTY);
        assert!(DialectSet::EMPTY.is_empty());
        assert_eq!(DialectSet::EMPTY.highest(), None);
    }
}
