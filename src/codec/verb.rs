//! Three-letter verbs as numbers: the grammars dispatch on one integer match (a jump
//! table) instead of comparing the verb with each string in turn.

/// The number of a three-byte verb, or 0 for any other word (no verb's number is 0).
#[inline(always)]
pub(crate) const fn code(verb: &[u8]) -> u32 {
    match verb {
        [a, b, c] => u32::from_le_bytes([*a, *b, *c, 0]) | 1 << 31,
        _ => 0,
    }
}

macro_rules! verbs {
    ($($verb:ident),+ $(,)?) => {$(
        pub(crate) const $verb: u32 = code(stringify!($verb).as_bytes());
    )+};
}

verbs!(
    ACK, ADC, ADD, ADG, ANS, BLP, BPR, BYE, CAL, CHG, CHL, CVR, FLN, GCF, GTC, ILN, INF, IPG, IRO, JOI, LSG,
    LST, MSG, NAK, NLN, NOT, OUT, PNG, PRP, QNG, QRY, REA, REG, REM, RMG, RNG, SBP, SBS, SYN, UBX, URL, USR,
    UUX, VER, XFR,
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_three_byte_verbs_have_numbers() {
        assert_eq!(code(b"VER"), VER);
        assert_ne!(code(b"VER"), code(b"VEr"));
        assert_eq!(code(b"VERB"), 0);
        assert_eq!(code(b""), 0);
        assert_ne!(code(b"\0\0\0"), 0);
    }
}
