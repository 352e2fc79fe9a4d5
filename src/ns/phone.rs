//! [`Phone`]: the phone properties a contact list keeps, named instead of spelled as
//! their wire codes.

use std::fmt;

use crate::codec::Token;

/// One of the phone properties of the user (`PRP`) or of a contact (`BPR`)
/// [YW prp.md, bpr.md; reference §6]. Values stay percent-encoded as on the wire.
///
/// MSNP10's `MFN` travels in `PRP` too, but it is the user's friendly name, not a
/// phone: the machine never keeps it among these.
///
/// ```
/// use msnp::ns::Phone;
/// assert_eq!(Phone::Mobile.code(), "PHM");
/// assert_eq!(Phone::from_code("MOB"), Some(Phone::MobileAllowed));
/// assert_eq!(Phone::from_code("MFN"), None);
/// assert_eq!(Phone::Home.to_string(), "home phone");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Phone {
    /// `PHH`: home phone number.
    Home,
    /// `PHW`: work phone number.
    Work,
    /// `PHM`: mobile phone number.
    Mobile,
    /// `MOB`: `Y` when contacts may page the user's mobile device.
    MobileAllowed,
    /// `MBE`: `Y` when the user has an MSN Mobile enabled device.
    MobileEnabled,
}

impl Phone {
    /// Every phone property, in the order lists keep them.
    pub const ALL: [Phone; 5] = [
        Phone::Home,
        Phone::Work,
        Phone::Mobile,
        Phone::MobileAllowed,
        Phone::MobileEnabled,
    ];

    /// The property's code on the wire.
    pub const fn code(self) -> &'static str {
        match self {
            Phone::Home => "PHH",
            Phone::Work => "PHW",
            Phone::Mobile => "PHM",
            Phone::MobileAllowed => "MOB",
            Phone::MobileEnabled => "MBE",
        }
    }

    /// The phone property a wire code names (case-sensitive, as servers are).
    pub fn from_code(code: &str) -> Option<Phone> {
        Phone::ALL.into_iter().find(|phone| phone.code() == code)
    }

    /// The code as a wire token, for `PRP`.
    pub(crate) fn token(self) -> Token<'static> {
        Token::try_from(self.code()).expect("phone codes are tokens")
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Phone::Home => "home phone",
            Phone::Work => "work phone",
            Phone::Mobile => "mobile phone",
            Phone::MobileAllowed => "mobile messages allowed",
            Phone::MobileEnabled => "MSN Mobile device enabled",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_mfn_is_no_phone() {
        for phone in Phone::ALL {
            assert_eq!(Phone::from_code(phone.code()), Some(phone));
            assert_eq!(phone.token().as_str(), phone.code());
        }
        assert_eq!(Phone::from_code("MFN"), None);
        assert_eq!(Phone::from_code("phh"), None);
    }
}
