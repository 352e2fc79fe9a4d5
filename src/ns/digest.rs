//! Stand-in for `msnp::challenge` until it lands on main: the same two functions, with
//! the same signatures, so the switch is a one-line import change.

use md5::{Digest, Md5};

use crate::Secret;

/// Lowercase hex MD5 of `challenge` followed by `key` [TW `handle_CHL`; YW qry.md].
pub(crate) fn digest(challenge: &str, key: &str) -> String {
    md5_hex(&[challenge.as_bytes(), key.as_bytes()])
}

/// Lowercase hex MD5 of the salt followed by the password [YW usr.md].
pub(crate) fn md5_login_hash(salt: &str, password: &Secret<String>) -> String {
    md5_hex(&[salt.as_bytes(), password.expose().as_bytes()])
}

fn md5_hex(parts: &[&[u8]]) -> String {
    let mut md5 = Md5::new();
    for part in parts {
        md5.update(part);
    }
    format!("{:x}", md5.finalize())
}

#[cfg(test)]
mod tests {
    #[test]
    fn published_vectors() {
        assert_eq!(
            super::digest("15570131571988941333", "Q1P7W2E4J9R8U3S5"),
            "8f2f5a91b72102cd28355e9fc9000d6e"
        );
        let password = crate::Secret::new("password".to_string());
        assert_eq!(
            super::md5_login_hash("1234567890.123456789", &password),
            "f59af8f2fa91d38aff7c870c17f99903"
        );
    }
}
