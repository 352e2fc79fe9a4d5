//! Answers to server challenges: the `CHL`/`QRY` challenge of MSNP6–10 (MD5) and of
//! MSNP11+ (MD5 folded through a keyed hash, reference §6), and the `USR MD5` login hash
//! of MSNP7 and earlier.

use std::fmt;

use md5::{Digest, Md5};

use crate::Secret;

/// How a product's key turns a challenge into its answer: fixed by the era of the
/// client the product id belongs to, since a server checks the answer with the
/// algorithm of the dialect that product shipped with (reference §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// MSNP6–10: lowercase hex MD5 of the challenge followed by the key ([`digest`]).
    Md5,
    /// MSNP11 and later: the MD5 of challenge and key, folded with the challenge and
    /// the product id ([`msnp11_digest`]). MSNP11+ servers refuse the MD5 answer
    /// [YW qry.md].
    Msnp11,
}

/// A client identity for `QRY`: the id sent in `QRY T <id> 32`, the key hashed with
/// the challenge, and the algorithm of the product's era.
///
/// The key is never sent, so `Debug` leaves it out, as [`Secret`] does for the
/// configured key of [`ChallengeProduct`](crate::ns::ChallengeProduct); the published
/// pairs are public knowledge, but a private one must not reach a log through this type.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Product {
    /// The product id, sent as the first argument of `QRY`.
    pub id: &'static str,
    /// The product key, appended to the challenge before hashing; never sent.
    pub key: &'static str,
    /// Which answer the servers of this product's era expect.
    pub algorithm: Algorithm,
}

impl fmt::Debug for Product {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Product")
            .field("id", &self.id)
            .field("key", &"<redacted>")
            .field("algorithm", &self.algorithm)
            .finish()
    }
}

impl Product {
    /// MSN Messenger's own pair, accepted for MSNP6–10 [TW; YW qry.md; reference §4].
    pub const MSMSGS: Self = Self {
        id: "msmsgs@msnmsgr.com",
        key: "Q1P7W2E4J9R8U3S5",
        algorithm: Algorithm::Md5,
    };

    /// The alternate pair gaim used with MSNP9 and later, also accepted for MSNP8
    /// [ESC `_QRY_ID_CODES`; GAIM03 chl_cmd].
    pub const PROD0038: Self = Self {
        id: "PROD0038W!61ZTF9",
        key: "VT6PX?UQTM4WM%YR",
        algorithm: Algorithm::Md5,
    };

    /// The MSNP11 pair MSNPiki documents, "still valid, even for MSNP12"; accepted for
    /// MSNP11 and MSNP12 [NINA MSNP11/Challenges; ESC `_QRY_ID_CODES`; reference §6].
    pub const PROD0090: Self = Self {
        id: "PROD0090YUAUV{2B",
        key: "YMM8C_H7KCQ2S_KL",
        algorithm: Algorithm::Msnp11,
    };

    /// MSN Messenger 7.0.0813's pair, accepted for MSNP11 and MSNP12 [ESC
    /// `_QRY_ID_CODES`; PECAN uses it for MSNP12; reference §6].
    pub const PROD0101: Self = Self {
        id: "PROD0101{0RM?UBW",
        key: "CFHUR$52U_{VIX5T",
        algorithm: Algorithm::Msnp11,
    };

    /// The 32-character answer to `CHL 0 <challenge>` under this product's key, by
    /// the product's [`Algorithm`].
    ///
    /// ```
    /// use msnp::challenge::Product;
    /// assert_eq!(
    ///     Product::MSMSGS.answer("15570131571988941333"),
    ///     "8f2f5a91b72102cd28355e9fc9000d6e",
    /// );
    /// assert_eq!(
    ///     Product::PROD0090.answer("22210219642164014968"),
    ///     "85ecb0db8f32113df79ce0892b9a102c",
    /// );
    /// ```
    pub fn answer(&self, challenge: &str) -> String {
        match self.algorithm {
            Algorithm::Md5 => digest(challenge, self.key),
            Algorithm::Msnp11 => msnp11_digest(challenge, self.id, self.key),
        }
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

/// The modulus of the MSNP11 fold: the largest 31-bit prime, 2³¹ − 1.
const MODULUS: u64 = 0x7FFF_FFFF;

/// The MSNP11+ `QRY` payload for `challenge` under the product `id` and its `key`
/// (32 lowercase hex characters), as reference §6 states it [NINA MSNP11/Challenges;
/// KB; PURPLE `msn_handle_chl`]:
///
/// 1. `h = MD5(challenge ‖ key)`, read as four little-endian words `h0..h3`;
///    `k_i = h_i & 0x7FFFFFFF`.
/// 2. `s = challenge ‖ id`, padded with ASCII `'0'` to a multiple of 8 bytes, read as
///    little-endian words.
/// 3. Each pair of words `(a, b)` folds into `high` and `low` modulo 2³¹ − 1 with the
///    `k_i`, then `high += k1`, `low += k3`.
/// 4. The answer is `h0^high, h1^low, h2^high, h3^low`, little-endian, in hex. The
///    *unmasked* MD5 words are XORed, as PURPLE, ECF and EMMSN do: Escargot's dormant
///    version XORs the masked ones and fails every published vector [reference §6 V].
///
/// Padding: when `s` is already a multiple of 8 bytes long, eight `'0'`s are still
/// appended. Sources disagree there (ECF appends none, YW only says "if its length can
/// not be divided by 8"); this follows PURPLE, ESC and EMMSN, PURPLE being the one used
/// against the live service [reference §6]. A 20-digit challenge with a 16-character
/// id (36 bytes) never meets the case.
///
/// Work is linear in the challenge's length and nothing is allocated but the answer;
/// every sum is reduced as it is made, so no input can overflow.
///
/// ```
/// use msnp::challenge::msnp11_digest;
/// assert_eq!(
///     msnp11_digest("22210219642164014968", "PROD0090YUAUV{2B", "YMM8C_H7KCQ2S_KL"),
///     "85ecb0db8f32113df79ce0892b9a102c",
/// );
/// ```
pub fn msnp11_digest(challenge: &str, id: &str, key: &str) -> String {
    let mut md5 = Md5::new();
    md5.update(challenge.as_bytes());
    md5.update(key.as_bytes());
    let hash = md5.finalize();
    let h: [u32; 4] = std::array::from_fn(|i| {
        u32::from_le_bytes([hash[4 * i], hash[4 * i + 1], hash[4 * i + 2], hash[4 * i + 3]])
    });
    let k = h.map(|word| u64::from(word & 0x7FFF_FFFF));

    let len = challenge.len().saturating_add(id.len());
    // 1..=8 bytes: a length that is already a multiple of 8 still gets eight (PURPLE).
    let padding = 8 - len % 8;
    let mut bytes = challenge
        .bytes()
        .chain(id.bytes())
        .chain(std::iter::repeat_n(b'0', padding));
    let mut word = || -> Option<u64> {
        let mut le = [0; 4];
        for byte in &mut le {
            *byte = bytes.next()?;
        }
        Some(u64::from(u32::from_le_bytes(le)))
    };

    let (mut high, mut low) = (0u64, 0u64);
    // The padded length is a multiple of 8, so words come in whole pairs.
    while let (Some(first), Some(second)) = (word(), word()) {
        let temp = (k[0] * ((0x0E79_A9C1 * first) % MODULUS + high) + k[1]) % MODULUS;
        high = (k[2] * ((second + temp) % MODULUS) + k[3]) % MODULUS;
        // Reduced at every step rather than once at the end: equal modulo 2³¹ − 1, and
        // no challenge, however long, can overflow it.
        low = (low + high + temp) % MODULUS;
    }
    let high = ((high + k[1]) % MODULUS) as u32;
    let low = ((low + k[3]) % MODULUS) as u32;

    let mut out = String::with_capacity(32);
    for word in [h[0] ^ high, h[1] ^ low, h[2] ^ high, h[3] ^ low] {
        for byte in word.to_le_bytes() {
            out.push(hex_digit(byte >> 4));
            out.push(hex_digit(byte & 0x0F));
        }
    }
    out
}

fn hex_digit(nibble: u8) -> char {
    char::from(b"0123456789abcdef"[usize::from(nibble & 0x0F)])
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
