//! The list's index keys: an account or a GUID folded to a fixed-size, case-insensitive
//! key, so a lookup or an insertion allocates nothing for it.

use std::fmt;

use crate::codec::{Guid, MAX_PASSPORT_LEN, Passport};

/// The map key: the account lower-cased into a fixed array, zero-padded. Accounts hold
/// no NUL and are at most [`MAX_PASSPORT_LEN`] bytes (the codec checks both), so the
/// padded arrays order as the lower-cased strings do, and servers compare accounts
/// case-insensitively (reference §11.5).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Key([u8; MAX_PASSPORT_LEN]);

impl Key {
    pub(crate) fn of(account: &Passport<'_>) -> Key {
        let mut key = [0; MAX_PASSPORT_LEN];
        for (slot, byte) in key.iter_mut().zip(account.as_str().bytes()) {
            *slot = byte.to_ascii_lowercase();
        }
        Key(key)
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let len = self.0.iter().position(|b| *b == 0).unwrap_or(self.0.len());
        let text = self.0.get(..len).unwrap_or_default();
        write!(f, "{:?}", String::from_utf8_lossy(text))
    }
}

/// A GUID's index key: its 32 hex digits as 16 bytes, so GUIDs that differ only in
/// case (servers compare them case-insensitively) are one key, and the key is fixed
/// size.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub(crate) struct GuidKey([u8; 16]);

impl GuidKey {
    pub(crate) fn of(guid: &Guid<'_>) -> GuidKey {
        let mut key = [0u8; 16];
        let digits = guid.as_str().bytes().filter_map(|b| char::from(b).to_digit(16));
        for (at, digit) in digits.take(32).enumerate() {
            if let Some(slot) = key.get_mut(at / 2) {
                // Each digit is below 16, so it fits a nibble.
                let nibble = u8::try_from(digit).unwrap_or(0);
                *slot |= if at % 2 == 0 { nibble << 4 } else { nibble };
            }
        }
        GuidKey(key)
    }
}

/// What one GUID index entry weighs in
/// [`ContactList::retained_bytes`](super::ContactList::retained_bytes).
const GUID_INDEX_ENTRY: usize = size_of::<GuidKey>() + size_of::<Key>();

pub(super) fn guid_weight(guid: Option<&Guid<'_>>) -> usize {
    guid.map_or(0, |guid| {
        size_of::<Guid<'static>>() + guid.as_str().len() + GUID_INDEX_ENTRY
    })
}
