//! Challenge answers (`CHL`/`QRY`) and the MSNP7 `USR MD5` hash, checked against the
//! published vectors and against an MD5 written here from RFC 1321.

use msnp::Secret;
use msnp::challenge::{Product, digest, md5_login_hash};
use proptest::prelude::*;

#[test]
fn published_challenge_vector() {
    // TW `test_challenge` [reference §4].
    assert_eq!(
        digest("15570131571988941333", "Q1P7W2E4J9R8U3S5"),
        "8f2f5a91b72102cd28355e9fc9000d6e"
    );
    assert_eq!(
        Product::MSMSGS.answer("15570131571988941333"),
        "8f2f5a91b72102cd28355e9fc9000d6e"
    );
    assert_eq!(
        Product::PROD0038.answer("15570131571988941333"),
        "ca90e6a7c94a14aae7b3ae0f6018433e"
    );
}

#[test]
fn product_pairs() {
    assert_eq!(Product::MSMSGS.id, "msmsgs@msnmsgr.com");
    assert_eq!(Product::MSMSGS.key, "Q1P7W2E4J9R8U3S5");
    assert_eq!(Product::PROD0038.id, "PROD0038W!61ZTF9");
    assert_eq!(Product::PROD0038.key, "VT6PX?UQTM4WM%YR");
}

#[test]
fn md5_login_vector() {
    // YW usr.md [reference §2.1].
    let password = Secret::new("password".to_owned());
    assert_eq!(
        md5_login_hash("1234567890.123456789", &password),
        "f59af8f2fa91d38aff7c870c17f99903"
    );
}

#[test]
fn reference_md5_matches_rfc_1321_vectors() {
    assert_eq!(reference_md5_hex(b""), "d41d8cd98f00b204e9800998ecf8427e");
    assert_eq!(reference_md5_hex(b"abc"), "900150983cd24fb0d6963f7d28e17f72");
    assert_eq!(
        reference_md5_hex(
            b"12345678901234567890123456789012345678901234567890123456789012345678901234567890"
        ),
        "57edf4a22be3c955ac49da2e2107b67a"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn digest_is_md5_of_challenge_then_key(challenge in any::<String>(), key in any::<String>()) {
        let answer = digest(&challenge, &key);
        prop_assert_eq!(&answer, &reference_md5_hex(format!("{challenge}{key}").as_bytes()));
        prop_assert_eq!(answer.len(), 32);
        prop_assert!(answer.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')));
    }

    #[test]
    fn login_hash_is_md5_of_salt_then_password(salt in any::<String>(), password in any::<String>()) {
        let expected = reference_md5_hex(format!("{salt}{password}").as_bytes());
        prop_assert_eq!(md5_login_hash(&salt, &Secret::new(password)), expected);
    }
}

/// MD5 as RFC 1321 §3 describes it, independent of the `md-5` crate.
fn reference_md5_hex(message: &[u8]) -> String {
    const SHIFTS: [u32; 64] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
        5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10, 15, 21, 6, 10, 15,
        21, 6, 10, 15, 21, 6, 10, 15, 21,
    ];
    // T[i] = floor(2^32 * |sin(i + 1)|), computed rather than copied.
    let table: Vec<u32> = (0..64)
        .map(|i| (f64::from(i + 1).sin().abs() * 4_294_967_296.0) as u32)
        .collect();

    let mut padded = message.to_vec();
    padded.push(0x80);
    while padded.len() % 64 != 56 {
        padded.push(0);
    }
    padded.extend_from_slice(&((message.len() as u64).wrapping_mul(8)).to_le_bytes());

    let mut state: [u32; 4] = [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476];
    for block in padded.chunks(64) {
        let words: Vec<u32> = block
            .chunks(4)
            .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
            .collect();
        let [mut a, mut b, mut c, mut d] = state;
        for i in 0..64 {
            let (f, g) = match i / 16 {
                0 => ((b & c) | (!b & d), i),
                1 => ((d & b) | (!d & c), (5 * i + 1) % 16),
                2 => (b ^ c ^ d, (3 * i + 5) % 16),
                _ => (c ^ (b | !d), (7 * i) % 16),
            };
            let rotated = a
                .wrapping_add(f)
                .wrapping_add(table[i])
                .wrapping_add(words[g])
                .rotate_left(SHIFTS[i]);
            (a, b, c, d) = (d, b.wrapping_add(rotated), b, c);
        }
        for (word, add) in state.iter_mut().zip([a, b, c, d]) {
            *word = word.wrapping_add(add);
        }
    }
    state
        .iter()
        .flat_map(|word| word.to_le_bytes())
        .map(|byte| format!("{byte:02x}"))
        .collect()
}
