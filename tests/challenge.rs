//! Challenge answers (`CHL`/`QRY`) and the MSNP7 `USR MD5` hash, checked against the
//! published vectors and against an MD5 written here from RFC 1321.

use msnp::Secret;
use msnp::challenge::{Algorithm, Product, digest, md5_login_hash, msnp11_digest};
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
    assert_eq!(Product::PROD0090.id, "PROD0090YUAUV{2B");
    assert_eq!(Product::PROD0090.key, "YMM8C_H7KCQ2S_KL");
    assert_eq!(Product::PROD0101.id, "PROD0101{0RM?UBW");
    assert_eq!(Product::PROD0101.key, "CFHUR$52U_{VIX5T");
    for old in [Product::MSMSGS, Product::PROD0038] {
        assert_eq!(old.algorithm, Algorithm::Md5);
    }
    for new in [Product::PROD0090, Product::PROD0101] {
        assert_eq!(new.algorithm, Algorithm::Msnp11);
    }
}

#[test]
fn published_msnp11_challenge_vector() {
    // NINA MSNP11/Challenges, ECF and EMMSN publish the same pair [reference §6].
    assert_eq!(
        Product::PROD0090.answer("22210219642164014968"),
        "85ecb0db8f32113df79ce0892b9a102c"
    );
    assert_eq!(
        msnp11_digest("22210219642164014968", "PROD0090YUAUV{2B", "YMM8C_H7KCQ2S_KL"),
        "85ecb0db8f32113df79ce0892b9a102c"
    );
    // The old algorithm's answer for the same pair is a different value, which
    // MSNP11 servers refuse [YW qry.md].
    assert_ne!(
        digest("22210219642164014968", "YMM8C_H7KCQ2S_KL"),
        "85ecb0db8f32113df79ce0892b9a102c"
    );
}

#[test]
fn msnp11_answer_of_the_other_product() {
    assert_eq!(
        Product::PROD0101.answer("22210219642164014968"),
        reference_msnp11_hex(b"22210219642164014968", b"PROD0101{0RM?UBW", b"CFHUR$52U_{VIX5T")
    );
}

#[test]
fn msnp11_pads_a_whole_multiple_of_eight_with_eight_zeros() {
    // 24 + 16 = 40 bytes: PURPLE still appends "00000000", ECF would not (reference §6).
    let challenge = "222102196421640149682221";
    let answer = Product::PROD0090.answer(challenge);
    assert_eq!(
        answer,
        reference_msnp11_hex(challenge.as_bytes(), b"PROD0090YUAUV{2B", b"YMM8C_H7KCQ2S_KL")
    );
    assert_ne!(
        answer,
        reference_msnp11_unpadded(challenge.as_bytes(), b"PROD0090YUAUV{2B", b"YMM8C_H7KCQ2S_KL")
    );
}

#[test]
fn product_debug_hides_the_key() {
    for product in [
        Product::MSMSGS,
        Product::PROD0038,
        Product::PROD0090,
        Product::PROD0101,
    ] {
        let shown = format!("{product:?}");
        assert!(shown.contains(product.id), "{shown}");
        assert!(!shown.contains(product.key), "{shown}");
        let bytes = format!("{:?}", product.key.as_bytes());
        assert!(!shown.contains(&bytes[1..bytes.len() - 1]), "{shown}");
    }
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
    fn msnp11_answer_is_32_lowercase_hex(challenge in any::<String>()) {
        for product in [Product::PROD0090, Product::PROD0101] {
            let answer = product.answer(&challenge);
            prop_assert_eq!(answer.len(), 32);
            prop_assert!(answer.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')));
            prop_assert_eq!(
                &answer,
                &reference_msnp11_hex(challenge.as_bytes(), product.id.as_bytes(), product.key.as_bytes())
            );
        }
    }

    #[test]
    fn msnp11_answer_at_every_length_mod_8(digits in "[0-9]{0,48}") {
        // Every residue of the padded length is reached, whole multiples of 8 included.
        let answer = Product::PROD0090.answer(&digits);
        prop_assert_eq!(
            answer,
            reference_msnp11_hex(digits.as_bytes(), b"PROD0090YUAUV{2B", b"YMM8C_H7KCQ2S_KL")
        );
    }

    #[test]
    fn login_hash_is_md5_of_salt_then_password(salt in any::<String>(), password in any::<String>()) {
        let expected = reference_md5_hex(format!("{salt}{password}").as_bytes());
        prop_assert_eq!(md5_login_hash(&salt, &Secret::new(password)), expected);
    }
}

/// The MSNP11 answer transcribed step by step from reference §6 (PURPLE's padding),
/// over the RFC 1321 MD5 below, with one final reduction of `low` as PURPLE does.
fn reference_msnp11_hex(challenge: &[u8], id: &[u8], key: &[u8]) -> String {
    let mut s = [challenge, id].concat();
    let padding = 8 - s.len() % 8;
    s.extend(std::iter::repeat_n(b'0', padding));
    reference_msnp11_fold(challenge, &s, key)
}

/// ECF's variant, which pads nothing when the length is already a multiple of 8.
fn reference_msnp11_unpadded(challenge: &[u8], id: &[u8], key: &[u8]) -> String {
    let mut s = [challenge, id].concat();
    while s.len() % 8 != 0 {
        s.push(b'0');
    }
    reference_msnp11_fold(challenge, &s, key)
}

fn reference_msnp11_fold(challenge: &[u8], s: &[u8], key: &[u8]) -> String {
    let hash = reference_md5(&[challenge, key].concat());
    let h: Vec<u64> = hash
        .chunks(4)
        .map(|w| u64::from(u32::from_le_bytes([w[0], w[1], w[2], w[3]])))
        .collect();
    let k: Vec<u64> = h.iter().map(|w| w & 0x7FFF_FFFF).collect();
    let w: Vec<u64> = s
        .chunks(4)
        .map(|w| u64::from(u32::from_le_bytes([w[0], w[1], w[2], w[3]])))
        .collect();
    let m = 0x7FFF_FFFFu64;
    let (mut high, mut low) = (0u64, 0u64);
    let mut i = 0;
    while i + 1 < w.len() {
        let temp = (k[0] * (((0x0E79_A9C1 * w[i]) % m) + high) + k[1]) % m;
        high = (k[2] * ((w[i + 1] + temp) % m) + k[3]) % m;
        low += high + temp;
        i += 2;
    }
    high = (high + k[1]) % m;
    low = (low + k[3]) % m;
    [h[0] ^ high, h[1] ^ low, h[2] ^ high, h[3] ^ low]
        .iter()
        .flat_map(|&word| (word as u32).to_le_bytes())
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn reference_md5_hex(message: &[u8]) -> String {
    reference_md5(message)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// MD5 as RFC 1321 §3 describes it, independent of the `md-5` crate.
fn reference_md5(message: &[u8]) -> Vec<u8> {
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
    state.iter().flat_map(|word| word.to_le_bytes()).collect()
}
