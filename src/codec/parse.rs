//! Small parsing helpers shared by both command directions.

/// Parses a decimal number written canonically (no sign, no leading zero), so that
/// decoding and re-encoding give back the same bytes.
pub(crate) fn canonical_u32(s: &str) -> Option<u32> {
    let bytes = s.as_bytes();
    match bytes {
        [] => None,
        [b'0'] => Some(0),
        [b'0', ..] => None,
        _ if bytes.iter().all(u8::is_ascii_digit) => s.parse().ok(),
        _ => None,
    }
}

/// Parses a canonical decimal `usize` (payload lengths).
pub(crate) fn canonical_usize(s: &[u8]) -> Option<usize> {
    match s {
        [] => None,
        [b'0'] => Some(0),
        [b'0', ..] => None,
        _ if s.iter().all(u8::is_ascii_digit) => std::str::from_utf8(s).ok()?.parse().ok(),
        _ => None,
    }
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
        let end = rest.find(' ').unwrap_or(rest.len());
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
    }

    #[test]
    fn words_split_on_runs_of_spaces() {
        let mut words = [""; MAX_WORDS];
        let n = split_words("VER  1 MSNP8 CVR0 ", &mut words);
        assert_eq!(&words[..n], ["VER", "1", "MSNP8", "CVR0"]);
        assert_eq!(span("VER  1 MSNP8 CVR0", words[2], words[3]), "MSNP8 CVR0");
        let long = "a b c d e f g h i j k l  m n ";
        assert_eq!(split_words(long, &mut words), MAX_WORDS);
        assert_eq!(words[MAX_WORDS - 1], "l  m n");
        assert_eq!(split_words("", &mut words), 0);
        assert_eq!(split_words("   ", &mut words), 0);
    }
}
