//! MD5 answers to server challenges: the `CHL`/`QRY` challenge of MSNP6–10, and the
//! `USR MD5` login hash of MSNP7 and earlier.

use md5::{Digest, Md5};

use crate::Secret;

/// A client identity for `QRY`: the id sent in `QRY T <id> 32`, and the key hashed with
/// the challenge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Product {
    /// The product id, sent as the first argument of `QRY`.
    pub id: &'static str,
    /// The product key, appended to the challenge before hashing; never sent.
    pub key: &'static str,
}

impl Product {
    /// MSN Messenger's own pair, accepted for MSNP6–10 [TW; YW qry.md; reference §4].
    pub const MSMSGS: Self = Self {
        id: "msmsgs@msnmsgr.com",
        key: "Q1P7W2E4J9R8U3S5",
    };

    /// The alternate pair gaim used with MSNP9 and later, also accepted for MSNP8
    /// [ESC `_QRY_ID_CODES`; GAIM03 chl_cmd].
    pub const PROD0038: Self = Self {
        id: "PROD0038W!61ZTF9",
        key: "VT6PX?UQTM4WM%YR",
    };

    /// The 32-character answer to `CHL 0 <challenge>` under this product's key.
    ///
    /// ```
    /// use msnp::challenge::Product;
    /// assert_eq!(
    ///     Product::MSMSGS.answer("15570131571988941333"),
    ///     "8f2f5a91b72102cd28355e9fc9000d6e",
    /// );
    /// ```
    pub fn answer(&self, challenge: &str) -> String {
        digest(challenge, self.key)
    }
}

/// The `QRY` payload for `challenge`: lowercase hex MD5 of `challenge` followed by `key`
/// (32 characters) [TW `handle_CHL`; YW qry.md].
///
/// ```
/// use msnp::challenge::digest;
/// assert_eq!(
///     digest("15570131571988941333", "Q1P7W2E4J9R8U3S5"),
///     "8f2f5a91b72102cd28355e9fc9000d6e",
/// );
/// ```
pub fn digest(challenge: &str, key: &str) -> String {
    md5_hex(&[challenge.as_bytes(), key.as_bytes()])
}

/// The `USR T MD5 S <hash>` answer of MSNP7 and earlier: lowercase hex MD5 of the salt
/// from `USR T MD5 S <salt>` followed by the password [YW usr.md; GAIM03 usr_cmd].
/// MSNP8 servers disconnect on `USR MD5`; they use [`passport`](crate::passport).
///
/// ```
/// use msnp::{challenge::md5_login_hash, Secret};
/// let password = Secret::new("password".to_owned());
/// assert_eq!(
///     md5_login_hash("1234567890.123456789", &password),
///     "f59af8f2fa91d38aff7c870c17f99903",
/// );
/// ```
pub fn md5_login_hash(salt: &str, password: &Secret<String>) -> String {
    md5_hex(&[salt.as_bytes(), password.expose().as_bytes()])
}

fn md5_hex(parts: &[&[u8]]) -> String {
    let mut md5 = Md5::new();
    for part in parts {
        md5.update(part);
    }
    format!("{:x}", md5.finalize())
}
