//! The bottom of the codec: scanning bytes, numbers and words, with no notion of a
//! command. Every other module of the codec may use this one; it uses none of them but
//! the errors.

use super::error::TokenError;

/// Is `byte` allowed inside a token? Parameters "cannot contain whitespace characters"
/// [DRAFT §5.2]; control bytes are refused too so CR, LF, NUL and TAB never reach the wire.
/// Non-ASCII bytes pass: some servers send raw UTF-8 where they should percent-encode.
pub(crate) const fn is_token_byte(byte: u8) -> bool {
    byte > b' ' && byte != 0x7f
}

pub(crate) fn check_token(s: &str) -> Result<(), TokenError> {
    if s.is_empty() {
        return Err(TokenError::Empty);
    }
    match find_non_token_byte(s.as_bytes()) {
        Some(at) => Err(TokenError::Forbidden {
            byte: s.as_bytes().get(at).copied().unwrap_or_default(),
            at,
        }),
        None => Ok(()),
    }
}

/// Parses a decimal number written canonically (no sign, no leading zero), so that
/// decoding and re-encoding give back the same bytes.
#[inline]
pub(crate) fn canonical_u32(s: &str) -> Option<u32> {
    canonical_u32_bytes(s.as_bytes())
}

/// [`canonical_u32`] of bytes, for numbers read before (or without) any UTF-8 check.
#[inline]
pub(crate) fn canonical_u32_bytes(s: &[u8]) -> Option<u32> {
    match s {
        [] => None,
        [b'0'] => Some(0),
        [b'0', ..] => None,
        // Ten digits cannot overflow a u64: no checked step, one test at the end.
        digits if digits.len() <= 10 => {
            // Capability fields have nine or ten digits: their first eight are read in
            // one step, the rest (and every short TrID) digit by digit.
            let (mut n, rest) = match digits.split_first_chunk::<8>() {
                Some((head, rest)) => (u64::from(eight_digits(u64::from_le_bytes(*head))?), rest),
                None => (0, digits),
            };
            for &b in rest {
                let digit = b.wrapping_sub(b'0');
                if digit > 9 {
                    return None;
                }
                n = n * 10 + u64::from(digit);
            }
            u32::try_from(n).ok()
        }
        _ => None,
    }
}

/// The number eight ASCII digits spell, the first digit in the lowest byte of `x`; `None`
/// unless every byte is a digit.
#[inline(always)]
fn eight_digits(x: u64) -> Option<u32> {
    const HIGH_NIBBLES: u64 = 0xf0f0_f0f0_f0f0_f0f0;
    // A digit's high nibble is 3, and stays 3 when 6 is added (0x3a and up reach 4). A
    // carry out of a byte only happens from a byte that already fails the first test.
    let threes = LOW.wrapping_mul(0x33);
    if (x & HIGH_NIBBLES) | ((x.wrapping_add(LOW.wrapping_mul(6)) & HIGH_NIBBLES) >> 4) != threes {
        return None;
    }
    // Pairs, then quadruples, of digits combined in place [Lemire, "Quickly parsing eight
    // digits"]: no product overflows, each is below 10^8 at the end.
    let d = x.wrapping_sub(LOW.wrapping_mul(u64::from(b'0')));
    let pairs = d.wrapping_mul(10).wrapping_add(d >> 8);
    const LOW_BYTES: u64 = 0x0000_00ff_0000_00ff;
    let n = ((pairs & LOW_BYTES).wrapping_mul(100 + (1_000_000 << 32))
        + ((pairs >> 16) & LOW_BYTES).wrapping_mul(1 + (10_000 << 32)))
        >> 32;
    Some(n as u32)
}

/// Parses a canonical decimal `usize` (payload lengths).
pub(crate) fn canonical_usize(s: &[u8]) -> Option<usize> {
    match s {
        [] => None,
        [b'0'] => Some(0),
        [b'0', ..] => None,
        digits => digits.iter().try_fold(0usize, |n, &b| {
            let digit = b.wrapping_sub(b'0');
            if digit > 9 {
                return None;
            }
            n.checked_mul(10)?.checked_add(usize::from(digit))
        }),
    }
}

const LOW: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// Scans eight bytes at a time: `flags` marks candidate bytes of a little-endian word
/// (exact for the lowest one), `matches` decides single bytes. Lines are tens of bytes
/// long: too short for a call into `memchr` to pay off, too long for a byte loop.
#[inline(always)]
fn find_by_words(haystack: &[u8], flags: impl Fn(u64) -> u64, matches: impl Fn(u8) -> bool) -> Option<usize> {
    let mut chunks = haystack.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let found = flags(u64::from_le_bytes(word));
        if found != 0 {
            return Some(offset + (found.trailing_zeros() / 8) as usize);
        }
        offset += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&b| matches(b))
        .map(|at| offset + at)
}

/// High bit set in each zero byte of `x` (exact for the lowest one).
#[inline(always)]
const fn zero_bytes(x: u64) -> u64 {
    x.wrapping_sub(LOW) & !x & HIGH
}

/// The position of the first byte that cannot stand in a token: a space, an ASCII
/// control or DEL (bytes of multi-byte UTF-8 characters are all above 0x7f and pass).
#[inline]
pub(crate) fn find_non_token_byte(haystack: &[u8]) -> Option<usize> {
    // Bytes below 0x21: subtracting 0x21 borrows into their high bit; bytes with the
    // high bit already set are masked out by `!x`.
    let below_21 = |x: u64| x.wrapping_sub(LOW.wrapping_mul(0x21)) & !x & HIGH;
    let del = |x: u64| zero_bytes(x ^ LOW.wrapping_mul(0x7f));
    find_by_words(
        haystack,
        |x| {
            // Either kind may flag falsely above the lowest true flag; the lowest of
            // the two is exact.
            let a = below_21(x);
            let b = del(x);
            let lowest = |f: u64| if f == 0 { u64::MAX } else { f & f.wrapping_neg() };
            match lowest(a).min(lowest(b)) {
                u64::MAX => 0,
                bit => bit,
            }
        },
        |b| !is_token_byte(b),
    )
}

/// The most words any MSNP8 command line has (client `CVR`: verb + 9).
pub(crate) const MAX_WORDS: usize = 12;

/// Splits a line into words on runs of spaces (HYP: some servers tolerate several), into a
/// fixed array so decoding does not allocate. Returns the number of words and whether the
/// line is free of control bytes and DEL: then every word is a valid token, and the
/// grammar need not check each again.
///
/// A line of more than [`MAX_WORDS`] words puts the rest of the line, from its
/// `MAX_WORDS`th word on, into the last slot: a list field at the end of a line (`VER`'s
/// dialects, an error's extra words) may be of any length and still parses, and a verb of
/// fixed arity given too many words fails its arity check instead of passing as unknown.
#[inline]
pub(crate) fn split_words<'a>(line: &'a str, words: &mut [&'a str; MAX_WORDS]) -> (usize, bool) {
    let bytes = line.as_bytes();
    // A fold without an early exit, which the compiler turns into a SIMD loop.
    let controls = bytes.iter().fold(false, |any, &b| any | (b < b' ') | (b == 0x7f));
    let mut cuts = Cuts {
        line,
        count: 0,
        start: 0,
    };
    // Eight bytes at a time, visiting only the spaces: a word is whatever lies between two
    // spaces that are not neighbours. Lines are tens of bytes with a handful of words,
    // so this costs a mask per eight bytes and a few steps per space.
    let spaces = LOW.wrapping_mul(u64::from(b' '));
    let mut chunks = bytes.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let mut found = zero_bytes_exact(u64::from_le_bytes(word) ^ spaces);
        while found != 0 {
            cuts.at(words, offset + (found.trailing_zeros() / 8) as usize);
            found &= found - 1;
        }
        offset += 8;
    }
    for (at, &b) in chunks.remainder().iter().enumerate() {
        if b == b' ' {
            cuts.at(words, offset + at);
        }
    }
    cuts.at(words, bytes.len());
    (cuts.count, !controls)
}

/// The words [`split_words`] has cut so far.
struct Cuts<'a> {
    line: &'a str,
    count: usize,
    /// Where the current word began: just after the last space seen.
    start: usize,
}

impl<'a> Cuts<'a> {
    /// A space (or the end of the line) at `at`.
    #[inline(always)]
    fn at(&mut self, words: &mut [&'a str; MAX_WORDS], at: usize) {
        // Every cut is next to an ASCII space or at an end, so each `get` lands on a
        // character boundary. A space right after another ends no word.
        if at > self.start {
            if self.count < MAX_WORDS - 1 {
                if let Some(slot) = words.get_mut(self.count) {
                    *slot = self.line.get(self.start..at).unwrap_or_default();
                }
                self.count += 1;
            } else if self.count == MAX_WORDS - 1 {
                if let Some(slot) = words.get_mut(self.count) {
                    *slot = self
                        .line
                        .get(self.start..)
                        .unwrap_or_default()
                        .trim_end_matches(' ');
                }
                self.count = MAX_WORDS;
            }
        }
        self.start = at + 1;
    }
}

/// High bit set in exactly the bytes of `x` that are zero.
#[inline(always)]
const fn zero_bytes_exact(x: u64) -> u64 {
    const SEVEN: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    !(((x & SEVEN).wrapping_add(SEVEN)) | x | SEVEN)
}

/// The text of `line` from the start of `first` to the end of `last`, both words of it.
pub(crate) fn span<'a>(line: &'a str, first: &str, last: &str) -> &'a str {
    let base = line.as_ptr() as usize;
    let start = (first.as_ptr() as usize).saturating_sub(base);
    let end = (last.as_ptr() as usize + last.len()).saturating_sub(base);
    line.get(start..end).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_must_be_canonical() {
        assert_eq!(canonical_u32("0"), Some(0));
        assert_eq!(canonical_u32("4294967295"), Some(u32::MAX));
        assert_eq!(canonical_u32("4294967296"), None);
        assert_eq!(canonical_u32("07"), None);
        assert_eq!(canonical_u32("-1"), None);
        assert_eq!(canonical_u32("+1"), None);
        assert_eq!(canonical_u32(""), None);
        assert_eq!(canonical_usize(b"1664"), Some(1664));
        assert_eq!(canonical_usize(b"99999999999999999999999"), None);
        assert_eq!(canonical_usize(b"18446744073709551615"), Some(usize::MAX));
        assert_eq!(canonical_usize(b"12a"), None);
        assert_eq!(canonical_u32("1/"), None);
        assert_eq!(canonical_u32("1:"), None);
        assert_eq!(canonical_u32("999999999"), Some(999_999_999));
        assert_eq!(canonical_u32("1234567\u{ff}"), None);
        assert_eq!(canonical_u32("12345678:"), None);
        assert_eq!(canonical_u32("4294967290"), Some(4_294_967_290));
        assert_eq!(canonical_u32("268435492"), Some(268_435_492));
        assert_eq!(canonical_u32("12345678"), Some(12_345_678));
        assert_eq!(canonical_u32("9999999999"), None);
        assert_eq!(canonical_u32("10000000000"), None);
        assert_eq!(canonical_u32("1234:678"), None);
        assert_eq!(canonical_u32("123456/8"), None);
        assert_eq!(canonical_u32("1234567\u{ff}"), None);
    }

    /// The eight-digit step agrees with a digit-by-digit parse for every byte at every
    /// position, and for numbers of every length.
    #[test]
    fn numbers_agree_with_a_plain_parse() {
        let plain = |s: &[u8]| -> Option<u32> {
            if s.is_empty() || (s[0] == b'0' && s.len() > 1) {
                return None;
            }
            s.iter().try_fold(0u32, |n, &b| {
                n.checked_mul(10)?
                    .checked_add(u32::from(b.checked_sub(b'0').filter(|d| *d <= 9)?))
            })
        };
        let mut state = 0x2545_f491_u32;
        for len in 0..13 {
            for _ in 0..2000 {
                let s: Vec<u8> = (0..len)
                    .map(|_| {
                        state ^= state << 13;
                        state ^= state >> 17;
                        state ^= state << 5;
                        // Mostly digits, now and then any byte at all.
                        if state.is_multiple_of(16) {
                            (state >> 8) as u8
                        } else {
                            b'0' + (state >> 8) as u8 % 10
                        }
                    })
                    .collect();
                assert_eq!(canonical_u32_bytes(&s), plain(&s), "{s:?}");
            }
        }
        for byte in 0..=255u8 {
            for at in 0..10 {
                let mut s = *b"1234567891";
                s[at] = byte;
                assert_eq!(canonical_u32_bytes(&s), plain(&s), "{s:?}");
                assert_eq!(canonical_u32_bytes(&s[..9]), plain(&s[..9]), "{s:?}");
                assert_eq!(canonical_u32_bytes(&s[..8]), plain(&s[..8]), "{s:?}");
            }
        }
    }

    #[test]
    fn find_non_token_byte_agrees_with_a_byte_loop() {
        let alphabet = [
            b'a', b' ', 0, 0x1f, 0x20, 0x21, 0x7e, 0x7f, 0x80, 0xa0, 0xff, b'\r', b'\n',
        ];
        let mut state = 0x2545_f491_u32;
        for len in 0..40 {
            for _ in 0..200 {
                let hay: Vec<u8> = (0..len)
                    .map(|_| {
                        state ^= state << 13;
                        state ^= state >> 17;
                        state ^= state << 5;
                        // Mostly token bytes, so forbidden ones land anywhere.
                        if state.is_multiple_of(8) {
                            alphabet[(state / 8) as usize % alphabet.len()]
                        } else {
                            b'x'
                        }
                    })
                    .collect();
                let expected = hay.iter().position(|&b| b <= b' ' || b == 0x7f);
                assert_eq!(find_non_token_byte(&hay), expected, "{hay:?}");
            }
        }
    }

    #[test]
    fn words_split_on_runs_of_spaces() {
        let mut words = [""; MAX_WORDS];
        let line = "VER  1 MSNP8 CVR0 ";
        let (n, clean) = split_words(line, &mut words);
        assert!(clean);
        assert_eq!(&words[..n], ["VER", "1", "MSNP8", "CVR0"]);
        assert_eq!(span(line, words[2], words[3]), "MSNP8 CVR0");
        let long = "a b c d e f g h i j k l  m n ";
        assert_eq!(split_words(long, &mut words), (MAX_WORDS, true));
        assert_eq!(words[MAX_WORDS - 1], "l  m n");
        assert_eq!(split_words("", &mut words), (0, true));
        assert_eq!(split_words("   ", &mut words), (0, true));
        assert_eq!(split_words("a\tb \u{7f}", &mut words), (2, false));
        assert_eq!(split_words("é ü", &mut words), (2, true));
    }

    /// The word-at-a-time split agrees with a plain split on spaces, for every position
    /// of every kind of byte.
    #[test]
    fn words_agree_with_a_plain_split() {
        let alphabet = ["a", " ", "\t", "\u{7f}", "\u{1f}", "é", "!", "~", "\u{0}"];
        let mut state = 0x9e37_79b9_u32;
        for len in 0..40 {
            for _ in 0..100 {
                let mut words = [""; MAX_WORDS];
                let line: String = (0..len)
                    .map(|_| {
                        state ^= state << 13;
                        state ^= state >> 17;
                        state ^= state << 5;
                        alphabet[state as usize % alphabet.len()]
                    })
                    .collect();
                let mut expected: Vec<&str> = line.split(' ').filter(|w| !w.is_empty()).collect();
                if expected.len() > MAX_WORDS {
                    let from = expected[MAX_WORDS - 1].as_ptr() as usize - line.as_ptr() as usize;
                    expected.truncate(MAX_WORDS - 1);
                    expected.push(line[from..].trim_end_matches(' '));
                }
                let clean = !line.bytes().any(|b| b < 0x20 || b == 0x7f);
                let (n, got_clean) = split_words(&line, &mut words);
                assert_eq!(&words[..n], &expected[..], "{line:?}");
                assert_eq!(got_clean, clean, "{line:?}");
            }
        }
    }
}
