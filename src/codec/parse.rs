//! Small parsing helpers shared by both command directions.

/// Parses a decimal number written canonically (no sign, no leading zero), so that
/// decoding and re-encoding give back the same bytes.
pub(crate) fn canonical_u32(s: &str) -> Option<u32> {
    match s.as_bytes() {
        [] => None,
        [b'0'] => Some(0),
        [b'0', ..] => None,
        // One pass: digits checked and accumulated together (the hot path of every TrID).
        digits => digits.iter().try_fold(0u32, |n, &b| {
            let digit = b.wrapping_sub(b'0');
            if digit > 9 {
                return None;
            }
            n.checked_mul(10)?.checked_add(u32::from(digit))
        }),
    }
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

/// The position of the first `needle` in `haystack`, eight bytes at a time: lines are
/// tens of bytes long, too short for a call into `memchr` to pay off and too long for
/// a byte loop to be cheap.
#[inline]
pub(crate) fn find_byte(haystack: &[u8], needle: u8) -> Option<usize> {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let pattern = LOW.wrapping_mul(u64::from(needle));
    let mut chunks = haystack.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word) ^ pattern;
        // A zero byte in `x` is a match; this sets its high bit (exact for the lowest).
        let found = x.wrapping_sub(LOW) & !x & HIGH;
        if found != 0 {
            return Some(offset + (found.trailing_zeros() / 8) as usize);
        }
        offset += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&b| b == needle)
        .map(|at| offset + at)
}

/// The most words any MSNP8 command line has (client `CVR`: verb + 9).
pub(crate) const MAX_WORDS: usize = 12;

/// Splits a line into words on runs of spaces (HYP: some servers tolerate several), into a
/// fixed array so decoding does not allocate.
///
/// A line of more than [`MAX_WORDS`] words puts the rest of the line, from its
/// `MAX_WORDS`th word on, into the last slot: a list field at the end of a line (`VER`'s
/// dialects, an error's extra words) may be of any length and still parses, and a verb of
/// fixed arity given too many words fails its arity check instead of passing as unknown.
pub(crate) fn split_words<'a>(line: &'a str, words: &mut [&'a str; MAX_WORDS]) -> usize {
    let mut count = 0;
    let mut rest = line;
    loop {
        rest = rest.trim_start_matches(' ');
        if rest.is_empty() {
            return count;
        }
        let Some(slot) = words.get_mut(count) else {
            return count;
        };
        if count == MAX_WORDS - 1 {
            *slot = rest.trim_end_matches(' ');
            return MAX_WORDS;
        }
        // Words are short: a byte loop beats `str::find`'s call into memchr.
        let end = rest.bytes().position(|b| b == b' ').unwrap_or(rest.len());
        let (word, tail) = rest.split_at(end);
        *slot = word;
        rest = tail;
        count += 1;
    }
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
    }

    #[test]
    fn find_byte_finds_the_first_match_anywhere() {
        for len in 0..40 {
            let mut hay = vec![b'a'; len];
            assert_eq!(find_byte(&hay, b'\n'), None);
            for at in 0..len {
                hay[at] = b'\n';
                assert_eq!(find_byte(&hay, b'\n'), Some(at), "{len} {at}");
                if at + 1 < len {
                    hay[at + 1] = b'\n';
                    assert_eq!(find_byte(&hay, b'\n'), Some(at));
                    hay[at + 1] = b'a';
                }
                hay[at] = b'a';
            }
        }
        // Bytes around the needle's value must not match (0x0b, 0x09, 0x8a).
        assert_eq!(find_byte(b"\x0b\x09\x8a\x0a\x00\xff\x01\x0a", b'\n'), Some(3));
        assert_eq!(find_byte(b"\x0b\x09\x8a\x8a\x00\xff\x01\x0b\x0a", b'\n'), Some(8));
    }

    #[test]
    fn words_split_on_runs_of_spaces() {
        let mut words = [""; MAX_WORDS];
        let line = "VER  1 MSNP8 CVR0 ";
        let n = split_words(line, &mut words);
        assert_eq!(&words[..n], ["VER", "1", "MSNP8", "CVR0"]);
        assert_eq!(span(line, words[2], words[3]), "MSNP8 CVR0");
        let long = "a b c d e f g h i j k l  m n ";
        assert_eq!(split_words(long, &mut words), MAX_WORDS);
        assert_eq!(words[MAX_WORDS - 1], "l  m n");
        assert_eq!(split_words("", &mut words), 0);
        assert_eq!(split_words("   ", &mut words), 0);
    }
}
